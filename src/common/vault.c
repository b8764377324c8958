/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault.c - the quarantine vault (layout and guarantees in vault.h).
 *
 * Every operation works through descriptors: the vault directory, the
 * entry directory, the original's parent directory, so that a path is
 * resolved once.  An entry only becomes visible by a rename of its
 * finished, fsync'ed, verified temporary directory; removals go the other
 * way (rename to a temporary name first), so nothing half-made is ever
 * listed.  Temporary directories are flock'ed by the process working in
 * them: purge removes only those nobody holds, i.e. leftovers of a crash.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <lz4frame.h>
#include <openssl/evp.h>
#include <zip.h>

#include "util.h"
#include "vault.h"
#include "banned.h"

#define CHUNK (256u * 1024)
#define META_MAX (16u << 20)
#define MAGIC "MDEVLT01"
#define MAGIC_LEN 8
#define TMP_PREFIX ".tmp-"

const unsigned char vault_xor_key[32] = {
	0x54, 0x3f, 0xec, 0x40, 0xb4, 0xc7, 0xb4, 0xb5,
	0x26, 0xa8, 0x2b, 0xb1, 0x78, 0xd1, 0x5d, 0x62,
	0x48, 0x61, 0x20, 0x8a, 0x43, 0x91, 0x96, 0x87,
	0xe3, 0x4d, 0xd7, 0xbb, 0xb1, 0xd5, 0x87, 0x1c,
};

/* ------------------------------------------------------------ helpers */

/* Appends "; reason" (or the reason) to err: warnings accumulate. */
static void warn(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(char *err, size_t len, const char *fmt, ...)
{
	size_t used = err ? strnlen(err, len) : 0;
	va_list ap;

	if (!err || used + 3 >= len)
		return;
	if (used) {
		memcpy(err + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(err + used, len - used, fmt, ap);
	va_end(ap);
}

void (*vault_test_hook)(int step);

/*
 * Test-only crash points, numbered from 1 in the order vault_put meets
 * them: tmp dir made, first block written, data written, data fsync'ed,
 * meta written, meta fsync'ed, tmp dir fsync'ed, verified, renamed into
 * place, vault fsync'ed, original checked (before unlink), unlinked,
 * parent fsync'ed.  MDESCAN_TEST_CRASH_STEP=N kills us at step N.
 */
static void crash_point(int *step)
{
	const char *s = getenv(VAULT_CRASH_ENV);

	++*step;
	if (vault_test_hook)
		vault_test_hook(*step);
	if (s && strtol(s, NULL, 10) == *step)
		raise(SIGKILL);
}

static ssize_t read_some(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

static int valid_id(const char *id)
{
	size_t i;

	for (i = 0; i < VAULT_ID_LEN; i++)
		if (!id[i] || !strchr("0123456789abcdef", id[i]))
			return 0;
	return id[i] == '\0';
}

/* Splits path into a new directory string and a pointer to its base. */
static char *split_path(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*base = path;
		return strdup(".");
	}
	*base = slash + 1;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int xor_write(int fd, unsigned char *buf, size_t n, uint64_t *pos)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] ^= vault_xor_key[(*pos + i) % sizeof vault_xor_key];
	*pos += n;
	return tool_write_all(fd, buf, n);
}

/* ------------------------------------------- meta text, escaped */

/* Appends s[0..n) with the bytes 0x00-0x20, 0x7f and '%' written %XX:
 * 0, or -1 when out of memory. */
static int buf_escaped(struct tool_buf *b, const char *s, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f || c == '%')
			rc |= tool_buf_printf(b, "%%%02X", c);
		else
			rc |= tool_buf_put(b, &c, 1);
	}
	return rc;
}

static int buf_hex(struct tool_buf *b, const unsigned char *p, size_t n)
{
	char h[3];
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		tool_hex(p + i, 1, h);
		rc |= tool_buf_put(b, h, 2);
	}
	return rc;
}

/* ---------------------------------------------------- the vault dir */

/*
 * Opens the vault directory; create: make it if missing and tighten its
 * mode to 0700.  Returns the descriptor, -1 on error, -2 when it does not
 * exist (and create is 0).
 */
static int vault_open(const char *dir, int create, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (!dir || !*dir)
		return tool_errf(err, errlen, -1, "no vault directory given");
	if (create && tool_mkdirs(dir, 0700) < 0)
		return tool_errf(err, errlen, -1, "cannot make vault '%s': %s",
				 dir, strerror(errno));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !create)
		return -2;
	if (fd < 0)
		return tool_errf(err, errlen, -1, "cannot open vault '%s': %s",
				 dir, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
		close(fd);
		return tool_errf(err, errlen, -1,
				 "vault '%s' is not owned by uid %u", dir,
				 (unsigned)geteuid());
	}
	if (create && (st.st_mode & 077) && fchmod(fd, 0700) < 0) {
		close(fd);
		return tool_errf(err, errlen, -1, "cannot chmod vault '%s': %s",
				 dir, strerror(errno));
	}
	return fd;
}

/* Opens the directory of entry id; VAULT_NOTFOUND when there is none. */
static int entry_open(int vfd, const char *vdir, const char *id, int *efd,
		      char *err, size_t errlen)
{
	if (!id || !valid_id(id))
		return tool_errf(err, errlen, VAULT_NOTFOUND,
				 "no entry '%s' in vault '%s' (an id is %d hex "
				 "digits)", id ? id : "", vdir, VAULT_ID_LEN);
	*efd = openat(vfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			       O_CLOEXEC);
	if (*efd >= 0)
		return VAULT_OK;
	if (errno == ENOENT)
		return tool_errf(err, errlen, VAULT_NOTFOUND,
				 "no entry '%s' in vault '%s'", id, vdir);
	return tool_errf(err, errlen, VAULT_ERR,
			 "cannot open entry '%s/%s': %s", vdir, id,
			 strerror(errno));
}

/* Removes the files in temporary directory name and the directory;
 * nonblock: leave it alone if a live process holds its lock. */
static int tmp_remove(int vfd, const char *name, int nonblock)
{
	int lfd, dfd, rc = 0;
	struct dirent *de;
	DIR *d;

	lfd = openat(vfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);
	if (lfd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(lfd, LOCK_EX | (nonblock ? LOCK_NB : 0)) < 0) {
		close(lfd);
		return nonblock && errno == EWOULDBLOCK ? 1 : -1;
	}
	dfd = dup(lfd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		close(lfd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unlinkat(lfd, de->d_name, 0) < 0 && errno != ENOENT)
			rc = -1;
	closedir(d);
	if (unlinkat(vfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	close(lfd);
	return rc;
}

/* Makes entry id invisible (renamed to .tmp-rm-ID, made durable), then
 * deletes it. */
static int entry_delete(int vfd, const char *vdir, const char *id,
			char *err, size_t errlen)
{
	char tmp[sizeof TMP_PREFIX "rm-" + VAULT_ID_LEN];
	int r;

	snprintf(tmp, sizeof tmp, TMP_PREFIX "rm-%s", id);
	r = renameat(vfd, id, vfd, tmp);
	if (r < 0 && errno == ENOENT)
		return tool_errf(err, errlen, VAULT_NOTFOUND,
				 "no entry '%s' in vault '%s'", id, vdir);
	if (r < 0 || fsync(vfd) < 0 || tmp_remove(vfd, tmp, 0) < 0)
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot remove entry '%s/%s': %s", vdir, id,
				 strerror(errno));
	return VAULT_OK;
}

/* ----------------------------------------------------------- xattrs */

static void xattrs_free(struct vault_xattr *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(x[i].name);
		free(x[i].value);
	}
	free(x);
}

static int xattr_push(struct vault_entry *e, const char *name, size_t nlen,
		      const unsigned char *v, size_t vlen)
{
	struct vault_xattr *x;

	x = realloc(e->xattrs, (e->nxattrs + 1) * sizeof *x);
	if (!x)
		return -1;
	e->xattrs = x;
	x += e->nxattrs;
	x->name = strndup(name, nlen);
	x->value = malloc(vlen ? vlen : 1);
	x->len = vlen;
	if (!x->name || !x->value) {
		free(x->name);
		free(x->value);
		return -1;
	}
	if (vlen)
		memcpy(x->value, v, vlen);
	e->nxattrs++;
	return 0;
}

/* Reads every xattr of fd (POSIX ACLs are system.posix_acl_*) into e. */
static int read_xattrs(int fd, struct vault_entry *e)
{
	ssize_t n = -1, v;
	char *names = NULL, *p;
	unsigned char *val = NULL;
	int tries, rc = -1;

	for (tries = 0; tries < 5; tries++) {
		n = flistxattr(fd, NULL, 0);
		if (n <= 0)
			return n == 0 || errno == ENOTSUP ? 0 : -1;
		free(names);
		if (!(names = malloc((size_t)n)))
			return -1;
		n = flistxattr(fd, names, (size_t)n);
		if (n >= 0 || errno != ERANGE)
			break;
	}
	if (n < 0)
		goto out;
	for (p = names; p < names + n; p += strlen(p) + 1) {
		v = fgetxattr(fd, p, NULL, 0);
		if (v < 0 && errno == ENODATA)
			continue;
		free(val);
		val = v >= 0 ? malloc((size_t)v + 1) : NULL;
		if (!val || (v = fgetxattr(fd, p, val, (size_t)v)) < 0 ||
		    xattr_push(e, p, strlen(p), val, (size_t)v) < 0)
			goto out;
	}
	rc = 0;
out:
	free(names);
	free(val);
	return rc;
}

/* -------------------------------------------------------- meta file */

static int buf_time(struct tool_buf *b, const char *key, struct timespec t)
{
	return tool_buf_printf(b, "%s %lld.%09ld\n", key, (long long)t.tv_sec,
			       (long)t.tv_nsec);
}

static int buf_field(struct tool_buf *b, const char *key, const char *v)
{
	int rc = tool_buf_printf(b, "%s ", key);

	rc |= buf_escaped(b, v ? v : "", v ? strlen(v) : 0);
	return rc | tool_buf_put(b, "\n", 1);
}

/* The meta file's text for e, into b: 0, or -1 when out of memory. */
static int meta_format(struct tool_buf *b, const struct vault_entry *e)
{
	const struct vault_xattr *x;
	int rc;

	rc = tool_buf_printf(b, "mdescan-quarantine 1\nid %s\n", e->id);
	rc |= buf_field(b, "path", e->path);
	rc |= tool_buf_printf(b, "size %llu\nuid %u\ngid %u\nmode %04o\n",
			      (unsigned long long)e->size, (unsigned)e->uid,
			      (unsigned)e->gid, (unsigned)e->mode);
	rc |= buf_time(b, "atime", e->atime);
	rc |= buf_time(b, "mtime", e->mtime);
	rc |= tool_buf_printf(b, "sha256 %s\n", e->sha256);
	rc |= buf_field(b, "threat", e->threat);
	rc |= buf_field(b, "scan-id", e->scan_id);
	rc |= buf_time(b, "quarantined", e->quarantined);
	for (x = e->xattrs; x < e->xattrs + e->nxattrs; x++) {
		rc |= tool_buf_put(b, "xattr ", 6);
		rc |= buf_escaped(b, x->name, strlen(x->name));
		rc |= tool_buf_put(b, " ", 1);
		rc |= buf_hex(b, x->value, x->len);
		rc |= tool_buf_put(b, "\n", 1);
	}
	return rc;
}

/* Decodes %XX escapes of s[0..n) into a new string. */
static char *unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		uint8_t c;

		if (s[i] == '%' && i + 2 < n &&
		    tool_unhex(s + i + 1, 1, &c) == 0) {
			*o++ = (char)c;
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static int parse_time(const char *v, struct timespec *t)
{
	char *end;
	long long s = strtoll(v, &end, 10);
	long ns;

	if (*end != '.' || strlen(end + 1) != 9)
		return -1;
	ns = strtol(end + 1, &end, 10);
	if (*end || ns < 0 || ns > 999999999)
		return -1;
	t->tv_sec = (time_t)s;
	t->tv_nsec = ns;
	return 0;
}

static int parse_xattr(struct vault_entry *e, const char *v, size_t n)
{
	const char *sp = memchr(v, ' ', n);
	unsigned char *val;
	char *name;
	size_t hl;
	int rc = -1;

	if (!sp)
		return -1;
	hl = n - (size_t)(sp + 1 - v);
	name = unescape(v, (size_t)(sp - v));
	val = malloc(hl / 2 + 1);
	if (!name || !val || hl % 2 || tool_unhex(sp + 1, hl / 2, val) < 0)
		goto out;
	rc = xattr_push(e, name, strlen(name), val, hl / 2);
out:
	free(name);
	free(val);
	return rc;
}

/* The keys a meta file must have, as bits of meta_line's seen. */
enum {
	M_ID = 1, M_PATH = 2, M_SIZE = 4, M_UID = 8, M_GID = 16, M_MODE = 32,
	M_ATIME = 64, M_MTIME = 128, M_SHA = 256, M_QTIME = 512,
	M_ALL = 1023
};

static int parse_num(const char *v, int base, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!*v || *v == '-')
		return -1;
	*out = strtoull(v, &end, base);
	return *end || errno || *out > max ? -1 : 0;
}

/* Applies one "key value" line to e; unknown keys are skipped. */
static int meta_line(struct vault_entry *e, const char *k, size_t kl,
		     const char *v, size_t vl, unsigned *seen)
{
	unsigned long long x = 0;
	char num[80];
	int rc = 0;

#define KEY(s) (kl == sizeof(s) - 1 && !memcmp(k, s, kl))
	if (KEY("xattr"))
		return parse_xattr(e, v, vl);
	if (KEY("path") || KEY("threat") || KEY("scan-id")) {
		char **dst = KEY("path")     ? &e->path
			     : KEY("threat") ? &e->threat
					     : &e->scan_id;

		free(*dst);
		*dst = unescape(v, vl);
		*seen |= KEY("path") ? M_PATH : 0;
		return *dst ? 0 : -1;
	}
	if (vl >= sizeof num)
		return KEY("id") || KEY("sha256") ? -1 : 0;
	memcpy(num, v, vl);
	num[vl] = '\0';
	if (KEY("id") && (*seen |= M_ID))
		rc = valid_id(num) ? (memcpy(e->id, num, vl + 1), 0) : -1;
	else if (KEY("sha256") && (*seen |= M_SHA))
		rc = vl == 64 ? (memcpy(e->sha256, num, vl + 1), 0) : -1;
	else if (KEY("size") && (*seen |= M_SIZE))
		rc = parse_num(num, 10, UINT64_MAX, &x), e->size = x;
	else if (KEY("uid") && (*seen |= M_UID))
		rc = parse_num(num, 10, UINT32_MAX, &x), e->uid = (uid_t)x;
	else if (KEY("gid") && (*seen |= M_GID))
		rc = parse_num(num, 10, UINT32_MAX, &x), e->gid = (gid_t)x;
	else if (KEY("mode") && (*seen |= M_MODE))
		rc = parse_num(num, 8, 07777, &x), e->mode = (mode_t)x;
	else if (KEY("atime") && (*seen |= M_ATIME))
		rc = parse_time(num, &e->atime);
	else if (KEY("mtime") && (*seen |= M_MTIME))
		rc = parse_time(num, &e->mtime);
	else if (KEY("quarantined") && (*seen |= M_QTIME))
		rc = parse_time(num, &e->quarantined);
#undef KEY
	return rc;
}

static int meta_parse(struct vault_entry *e, const char *text, size_t n)
{
	const char *p = text, *end = text + n, *nl, *sp;
	unsigned seen = 0;

	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl || (size_t)(nl - p) != 20 ||
	    memcmp(p, "mdescan-quarantine 1", 20))
		return -1;
	for (p = nl + 1; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			return -1;
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp || meta_line(e, p, (size_t)(sp - p), sp + 1,
				     (size_t)(nl - sp - 1), &seen) < 0)
			return -1;
	}
	if (!e->threat)
		e->threat = strdup("");
	if (!e->scan_id)
		e->scan_id = strdup("");
	return seen == M_ALL && e->threat && e->scan_id ? 0 : -1;
}

/* Reads the meta file of the entry in directory efd into b: 0, or -1
 * with errno. */
static int meta_slurp(int efd, struct tool_buf *b)
{
	char buf[8192];
	ssize_t r = 0;
	int fd, e, oom = 0;

	fd = openat(efd, "meta", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	while (fd >= 0 && !oom && (r = read_some(fd, buf, sizeof buf)) > 0 &&
	       b->len <= META_MAX)
		oom = tool_buf_put(b, buf, (size_t)r) < 0;
	e = errno;
	if (fd >= 0)
		close(fd);
	errno = fd < 0 || r < 0 ? e : oom ? ENOMEM : EFBIG;
	return fd < 0 || r < 0 || oom || b->len > META_MAX ? -1 : 0;
}

/* Reads the meta file of the entry in directory efd into e (zeroed). */
static int meta_read(int efd, const char *vdir, const char *id,
		     struct vault_entry *e, char *err, size_t errlen)
{
	struct tool_buf b = { 0 };
	int rc = VAULT_OK;

	memset(e, 0, sizeof *e);
	if (meta_slurp(efd, &b) < 0)
		rc = tool_errf(err, errlen, VAULT_ERR,
			       "cannot read '%s/%s/meta': %s", vdir, id,
			       strerror(errno));
	else if (!b.p || meta_parse(e, b.p, b.len) < 0 || strcmp(e->id, id))
		rc = tool_errf(err, errlen, VAULT_ERR,
			       "damaged metadata in '%s/%s/meta'", vdir, id);
	if (rc != VAULT_OK)
		vault_entry_release(e);
	tool_buf_free(&b);
	return rc;
}

void vault_entry_release(struct vault_entry *e)
{
	if (!e)
		return;
	free(e->path);
	free(e->threat);
	free(e->scan_id);
	xattrs_free(e->xattrs, e->nxattrs);
	e->path = e->threat = e->scan_id = NULL;
	e->xattrs = NULL;
	e->nxattrs = 0;
}

void vault_entries_free(struct vault_entry *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		vault_entry_release(&v[i]);
	free(v);
}

/* ----------------------------------------------- data: the decoder */

struct dec {
	int fd;
	LZ4F_dctx *ctx;
	EVP_MD_CTX *md;
	unsigned char *in;
	size_t in_len, in_off;
	uint64_t pos, out;
	int done;
};

static void dec_close(struct dec *d)
{
	if (d->fd >= 0)
		close(d->fd);
	LZ4F_freeDecompressionContext(d->ctx);
	EVP_MD_CTX_free(d->md);
	free(d->in);
	memset(d, 0, sizeof *d);
	d->fd = -1;
}

/* Opens the data file of the entry in directory efd for decoding. */
static int dec_open(struct dec *d, int efd, const char *what, char *err,
		    size_t errlen)
{
	char magic[MAGIC_LEN];

	memset(d, 0, sizeof *d);
	errno = 0;
	d->fd = openat(efd, "data", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd < 0 || read_some(d->fd, magic, MAGIC_LEN) != MAGIC_LEN ||
	    memcmp(magic, MAGIC, MAGIC_LEN)) {
		int e = errno;

		dec_close(d);
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot read '%s/data': %s", what,
				 e ? strerror(e) : "not a vault data file");
	}
	d->in = malloc(CHUNK);
	d->md = EVP_MD_CTX_new();
	if (!d->in || !d->md ||
	    LZ4F_isError(LZ4F_createDecompressionContext(&d->ctx,
							 LZ4F_VERSION)) ||
	    !EVP_DigestInit_ex(d->md, EVP_sha256(), NULL)) {
		dec_close(d);
		return tool_errf(err, errlen, VAULT_ERR, "out of memory");
	}
	return VAULT_OK;
}

static int dec_fill(struct dec *d)
{
	ssize_t r;
	size_t i;

	errno = 0;
	r = read_some(d->fd, d->in, CHUNK);
	if (r <= 0)
		return -1;
	for (i = 0; i < (size_t)r; i++)
		d->in[i] ^= vault_xor_key[(d->pos + i) % sizeof vault_xor_key];
	d->pos += (uint64_t)r;
	d->in_len = (size_t)r;
	d->in_off = 0;
	return 0;
}

/* Decodes up to len bytes of the original into buf; 0 at the end. */
static ssize_t dec_read(struct dec *d, void *buf, size_t len, char *err,
			size_t errlen, const char *what)
{
	size_t got = 0;

	while (!got && !d->done && len) {
		size_t dst = len, src;
		size_t r;

		if (d->in_off == d->in_len && dec_fill(d) < 0)
			return tool_errf(err, errlen, -1,
					 "cannot read '%s/data': %s", what,
					 errno ? strerror(errno) : "truncated");
		src = d->in_len - d->in_off;
		r = LZ4F_decompress(d->ctx, buf, &dst, d->in + d->in_off, &src,
				    NULL);
		if (LZ4F_isError(r))
			return tool_errf(err, errlen, -1,
					 "damaged '%s/data': %s", what,
					 LZ4F_getErrorName(r));
		d->in_off += src;
		d->done = r == 0;
		got = dst;
	}
	EVP_DigestUpdate(d->md, buf, got);
	d->out += got;
	return (ssize_t)got;
}

/* After the last dec_read: does the content match sha256/size of e? */
static int dec_check(struct dec *d, const struct vault_entry *e, char *err,
		     size_t errlen, const char *what)
{
	unsigned char md[32];
	char hex[65];

	EVP_DigestFinal_ex(d->md, md, NULL);
	tool_hex(md, 32, hex);
	if (d->out != e->size || strcmp(hex, e->sha256))
		return tool_errf(err, errlen, VAULT_ERR,
				 "damaged '%s/data': content does not match "
				 "its SHA-256", what);
	return VAULT_OK;
}

/* Decodes the whole entry into fd (-1: only check it). */
static int dec_all(int efd, const struct vault_entry *e, int fd,
		   const char *what, char *err, size_t errlen)
{
	unsigned char *buf = malloc(CHUNK);
	struct dec d;
	ssize_t n;
	int rc;

	if (!buf)
		return tool_errf(err, errlen, VAULT_ERR, "out of memory");
	rc = dec_open(&d, efd, what, err, errlen);
	while (rc == VAULT_OK &&
	       (n = dec_read(&d, buf, CHUNK, err, errlen, what)) != 0) {
		if (n < 0)
			rc = VAULT_ERR;
		else if (fd >= 0 && tool_write_all(fd, buf, (size_t)n) < 0)
			rc = tool_errf(err, errlen, VAULT_ERR,
				       "cannot write: %s", strerror(errno));
	}
	if (rc == VAULT_OK)
		rc = dec_check(&d, e, err, errlen, what);
	if (d.fd >= 0 || d.ctx)
		dec_close(&d);
	free(buf);
	return rc;
}

/* -------------------------------------------------------------- put */

/* Everything vault_put works with. */
struct put {
	const char *vdir, *path, *base;
	int vfd, pfd, fd, tfd, own_fd;
	struct stat st;           /* the original when we started */
	struct vault_entry e;
	char tmp[sizeof TMP_PREFIX + VAULT_ID_LEN];
	int step;
	char *err;
	size_t errlen;
};

/* Compresses the original into tmp/data, hashing it on the way. */
static int put_data(struct put *p)
{
	LZ4F_preferences_t prefs = { .frameInfo = {
		.contentChecksumFlag = LZ4F_contentChecksumEnabled } };
	size_t cap = LZ4F_compressBound(CHUNK, &prefs), r;
	unsigned char *in = malloc(CHUNK), *out = malloc(cap), md[32];
	LZ4F_cctx *cc = NULL;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	uint64_t pos = 0;
	off_t off = 0;
	ssize_t n;
	int dfd = -1, rc = VAULT_ERR;

	if (!in || !out || !mctx || !EVP_DigestInit_ex(mctx, EVP_sha256(), 0) ||
	    LZ4F_isError(LZ4F_createCompressionContext(&cc, LZ4F_VERSION))) {
		tool_errf(p->err, p->errlen, rc, "out of memory");
		goto out;
	}
	dfd = openat(p->tfd, "data", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0600);
	if (dfd < 0 || tool_write_all(dfd, MAGIC, MAGIC_LEN) < 0)
		goto werr;
	r = LZ4F_compressBegin(cc, out, cap, &prefs);
	if (LZ4F_isError(r) || xor_write(dfd, out, r, &pos) < 0)
		goto werr;
	for (;;) {
		do
			n = pread(p->fd, in, CHUNK, off);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			tool_errf(p->err, p->errlen, rc, "cannot read '%s': %s",
				  p->path, strerror(errno));
			goto out;
		}
		off += n;
		EVP_DigestUpdate(mctx, in, (size_t)n);
		r = LZ4F_compressUpdate(cc, out, cap, in, (size_t)n, NULL);
		if (LZ4F_isError(r) || xor_write(dfd, out, r, &pos) < 0)
			goto werr;
		if (off == n)
			crash_point(&p->step); /* first block written */
		if (n == 0)
			break;
	}
	r = LZ4F_compressEnd(cc, out, cap, NULL);
	if (LZ4F_isError(r) || xor_write(dfd, out, r, &pos) < 0)
		goto werr;
	crash_point(&p->step);
	if (fsync(dfd) < 0)
		goto werr;
	crash_point(&p->step);
	EVP_DigestFinal_ex(mctx, md, NULL);
	tool_hex(md, 32, p->e.sha256);
	p->e.size = (uint64_t)off;
	rc = VAULT_OK;
	goto out;
werr:
	tool_errf(p->err, p->errlen, rc, "cannot write '%s/%s/data': %s",
		  p->vdir, p->tmp,
		  errno ? strerror(errno) : "compression failed");
out:
	if (dfd >= 0)
		close(dfd);
	LZ4F_freeCompressionContext(cc);
	EVP_MD_CTX_free(mctx);
	free(in);
	free(out);
	return rc;
}

static int put_meta(struct put *p)
{
	struct tool_buf b = { 0 };
	int fd, rc = VAULT_OK;

	if (meta_format(&b, &p->e) < 0) {
		tool_buf_free(&b);
		return tool_errf(p->err, p->errlen, VAULT_ERR, "out of memory");
	}
	fd = openat(p->tfd, "meta", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	if (fd < 0 || tool_write_all(fd, b.p, b.len) < 0)
		rc = VAULT_ERR;
	crash_point(&p->step);
	if (rc == VAULT_OK && fsync(fd) < 0)
		rc = VAULT_ERR;
	if (rc != VAULT_OK)
		tool_errf(p->err, p->errlen, rc,
			  "cannot write '%s/%s/meta': %s", p->vdir, p->tmp,
			  strerror(errno));
	if (fd >= 0)
		close(fd);
	tool_buf_free(&b);
	crash_point(&p->step);
	return rc;
}

static int same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* VAULT_CHANGED, with the reason: the original changed under us. */
static int put_changed(struct put *p)
{
	return tool_errf(p->err, p->errlen, VAULT_CHANGED,
			 "'%s' changed while being quarantined; left in "
			 "place", p->path);
}

/* Is the original still the file we copied, unchanged, at its path? */
static int put_unchanged(struct put *p)
{
	struct stat now, at;

	if (fstat(p->fd, &now) < 0 ||
	    fstatat(p->pfd, p->base, &at, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return now.st_dev == p->st.st_dev && now.st_ino == p->st.st_ino &&
	       now.st_size == p->st.st_size &&
	       (uint64_t)now.st_size == p->e.size &&
	       same_time(now.st_mtim, p->st.st_mtim) &&
	       same_time(now.st_ctim, p->st.st_ctim) &&
	       at.st_dev == now.st_dev && at.st_ino == now.st_ino;
}

/* Opens the original (or checks the caller's fd) and fills p->e. */
static int put_open(struct put *p, int fd)
{
	struct stat at;
	char *dir, *canon;
	const char *what = "not a regular file";

	if (!(dir = split_path(p->path, &p->base)))
		return tool_errf(p->err, p->errlen, VAULT_ERR, "out of memory");
	canon = realpath(dir, NULL);
	p->pfd = canon ? open(canon, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	free(dir);
	if (p->pfd < 0) {
		free(canon);
		return tool_errf(p->err, p->errlen, VAULT_ERR,
				 "cannot open '%s': %s", p->path,
				 strerror(errno));
	}
	if (fstatat(p->pfd, p->base, &at, AT_SYMLINK_NOFOLLOW) < 0) {
		free(canon);
		return tool_errf(p->err, p->errlen, VAULT_ERR,
				 "cannot open '%s': %s", p->path,
				 strerror(errno));
	}
	p->e.path = tool_path_join(canon, p->base);
	free(canon);
	if (S_ISLNK(at.st_mode))
		what = "a symbolic link";
	if (!S_ISREG(at.st_mode) || !*p->base)
		return tool_errf(p->err, p->errlen, VAULT_REFUSED,
				 "refusing to quarantine '%s': %s", p->path,
				 what);
	if (!p->e.path)
		return tool_errf(p->err, p->errlen, VAULT_ERR, "out of memory");
	p->fd = fd;
	if (fd < 0) {
		p->fd = openat(p->pfd, p->base, O_RDONLY | O_NOFOLLOW |
			       O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		p->own_fd = 1;
	}
	if (p->fd < 0 || fstat(p->fd, &p->st) < 0)
		return tool_errf(p->err, p->errlen, VAULT_ERR,
				 "cannot open '%s': %s", p->path,
				 strerror(errno));
	if (!S_ISREG(p->st.st_mode) || p->st.st_dev != at.st_dev ||
	    p->st.st_ino != at.st_ino)
		return put_changed(p);
	p->e.uid = p->st.st_uid;
	p->e.gid = p->st.st_gid;
	p->e.mode = p->st.st_mode & 07777;
	p->e.atime = p->st.st_atim;
	p->e.mtime = p->st.st_mtim;
	if (read_xattrs(p->fd, &p->e) < 0)
		return tool_errf(p->err, p->errlen, VAULT_ERR,
				 "cannot read the extended attributes of "
				 "'%s': %s", p->path, strerror(errno));
	return VAULT_OK;
}

/* Makes the locked temporary directory .tmp-ID with a fresh random ID. */
static int put_tmpdir(struct put *p)
{
	unsigned char rnd[VAULT_ID_LEN / 2];
	int tries;

	for (tries = 0; tries < 10; tries++) {
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			break;
		tool_hex(rnd, sizeof rnd, p->e.id);
		snprintf(p->tmp, sizeof p->tmp, TMP_PREFIX "%s", p->e.id);
		if (faccessat(p->vfd, p->e.id, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (mkdirat(p->vfd, p->tmp, 0700) == 0) {
			p->tfd = openat(p->vfd, p->tmp, O_RDONLY | O_DIRECTORY |
					O_NOFOLLOW | O_CLOEXEC);
			if (p->tfd >= 0 && flock(p->tfd, LOCK_EX) == 0) {
				crash_point(&p->step);
				return VAULT_OK;
			}
			break;
		}
		if (errno != EEXIST)
			break;
	}
	return tool_errf(p->err, p->errlen, VAULT_ERR,
			 "cannot make an entry in vault '%s': %s", p->vdir,
			 strerror(errno));
}

/* The entry is in place: unlink the original if it is still the same. */
static int put_unlink(struct put *p)
{
	int rc;

	if (!put_unchanged(p)) {
		rc = put_changed(p);
	} else {
		crash_point(&p->step);
		rc = VAULT_OK;
		if (unlinkat(p->pfd, p->base, 0) < 0)
			rc = tool_errf(p->err, p->errlen, VAULT_ERR,
				       "cannot remove '%s': %s; left in place",
				       p->path, strerror(errno));
	}
	if (rc != VAULT_OK) {
		entry_delete(p->vfd, p->vdir, p->e.id, NULL, 0);
		return rc;
	}
	crash_point(&p->step);
	fsync(p->pfd); /* the entry is durable already; this is a bonus */
	crash_point(&p->step);
	return VAULT_OK;
}

/* Builds, checks and publishes the entry; then removes the original. */
static int put_entry(struct put *p, const struct vault_meta *m)
{
	char what[PATH_MAX + 64];
	int rc;

	if ((rc = put_tmpdir(p)) != VAULT_OK || (rc = put_data(p)) != VAULT_OK)
		return rc;
	snprintf(what, sizeof what, "%s/%s", p->vdir, p->tmp);
	if (m && m->sha256 && *m->sha256 && strcasecmp(m->sha256, p->e.sha256))
		return tool_errf(p->err, p->errlen, VAULT_CHANGED,
				 "'%s' changed since it was scanned; left in "
				 "place", p->path);
	clock_gettime(CLOCK_REALTIME, &p->e.quarantined);
	if ((rc = put_meta(p)) != VAULT_OK)
		return rc;
	if (fsync(p->tfd) < 0)
		return tool_errf(p->err, p->errlen, VAULT_ERR,
				 "cannot sync '%s': %s", what, strerror(errno));
	crash_point(&p->step);
	if ((rc = dec_all(p->tfd, &p->e, -1, what, p->err, p->errlen)))
		return rc;
	crash_point(&p->step);
	if (!put_unchanged(p))
		return put_changed(p);
	if (renameat(p->vfd, p->tmp, p->vfd, p->e.id) < 0)
		return tool_errf(p->err, p->errlen, VAULT_ERR,
				 "cannot rename '%s' into place: %s", what,
				 strerror(errno));
	close(p->tfd); /* its lock guarded the .tmp- name only */
	p->tfd = -1;
	crash_point(&p->step);
	if (fsync(p->vfd) < 0) {
		rc = tool_errf(p->err, p->errlen, VAULT_ERR,
			       "cannot sync '%s': %s", p->vdir,
			       strerror(errno));
		entry_delete(p->vfd, p->vdir, p->e.id, NULL, 0);
		return rc;
	}
	crash_point(&p->step);
	return put_unlink(p);
}

int vault_put(const char *vault_dir, const char *path, int fd,
	      const struct vault_meta *m, char *id_out, size_t idlen,
	      char *err, size_t errlen)
{
	struct put p = { .vdir = vault_dir, .path = path, .vfd = -1,
			 .pfd = -1, .fd = -1, .tfd = -1, .err = err,
			 .errlen = errlen };
	int rc = VAULT_ERR;

	if (!path || !*path || !id_out || idlen < VAULT_ID_LEN + 1)
		return tool_errf(err, errlen, VAULT_ERR, "bad arguments");
	if (m) {
		p.e.threat = m->threat ? strdup(m->threat) : NULL;
		p.e.scan_id = m->scan_id ? strdup(m->scan_id) : NULL;
	}
	if ((rc = put_open(&p, fd)) == VAULT_OK &&
	    (p.vfd = vault_open(vault_dir, 1, err, errlen)) < 0)
		rc = VAULT_ERR;
	if (rc == VAULT_OK)
		rc = put_entry(&p, m);
	if (rc == VAULT_OK)
		snprintf(id_out, idlen, "%s", p.e.id);
	if (p.tfd >= 0)
		close(p.tfd); /* drops the lock: now purge may clean it */
	if (p.vfd >= 0 && p.tmp[0])
		tmp_remove(p.vfd, p.tmp, 1);
	if (p.own_fd && p.fd >= 0)
		close(p.fd);
	if (p.pfd >= 0)
		close(p.pfd);
	if (p.vfd >= 0)
		close(p.vfd);
	vault_entry_release(&p.e);
	return rc;
}

/* ---------------------------------------------- get, list, remove */

/* Opens the vault and entry id and reads its meta into e. */
static int entry_load(const char *vdir, const char *id, int *vfd, int *efd,
		      struct vault_entry *e, char *err, size_t errlen)
{
	int rc;

	memset(e, 0, sizeof *e);
	*efd = -1;
	*vfd = vault_open(vdir, 0, err, errlen);
	if (*vfd == -2)
		return tool_errf(err, errlen, VAULT_NOTFOUND,
				 "no entry '%s' in vault '%s'", id ? id : "",
				 vdir);
	if (*vfd < 0)
		return VAULT_ERR;
	rc = entry_open(*vfd, vdir, id, efd, err, errlen);
	if (rc == VAULT_OK)
		rc = meta_read(*efd, vdir, id, e, err, errlen);
	return rc;
}

static void close_fds(int a, int b)
{
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
}

int vault_get(const char *vault_dir, const char *id, struct vault_entry *e,
	      char *err, size_t errlen)
{
	int vfd, efd, rc;

	rc = entry_load(vault_dir, id, &vfd, &efd, e, err, errlen);
	close_fds(vfd, efd);
	return rc;
}

/* The names in directory vfd, into names (zeroed first; empty again
 * on error), so that the caller may change the directory: 0, or -1
 * with errno. */
static int names_read(int vfd, struct tool_strv *names)
{
	struct dirent *de;
	int dfd = dup(vfd), rc = 0;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

	memset(names, 0, sizeof(*names));
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	rewinddir(d);
	while (rc == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = tool_strv_push(names, de->d_name);
	closedir(d);
	if (rc < 0)
		tool_strv_free(names);
	return rc;
}

/* Opens vault vdir (*vfd; -1 when it does not exist) and reads its
 * names: VAULT_OK (a missing vault has none) or VAULT_ERR. */
static int names_open(const char *vdir, int *vfd, struct tool_strv *names,
		      char *err, size_t errlen)
{
	memset(names, 0, sizeof(*names));
	*vfd = vault_open(vdir, 0, err, errlen);
	if (*vfd < 0)
		return *vfd == -2 ? VAULT_OK : VAULT_ERR;
	if (names_read(*vfd, names) < 0)
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot read vault '%s': %s", vdir,
				 strerror(errno));
	return VAULT_OK;
}

static int by_time(const void *a, const void *b)
{
	const struct vault_entry *x = a, *y = b;

	if (x->quarantined.tv_sec != y->quarantined.tv_sec)
		return x->quarantined.tv_sec < y->quarantined.tv_sec ? -1 : 1;
	if (x->quarantined.tv_nsec != y->quarantined.tv_nsec)
		return x->quarantined.tv_nsec < y->quarantined.tv_nsec ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Reads entry name of vfd into e (zeroed first); a vanished entry is
 * VAULT_NOTFOUND. */
static int list_one(int vfd, const char *vdir, const char *name,
		    struct vault_entry *e, char *err, size_t errlen)
{
	int efd, rc;

	memset(e, 0, sizeof(*e));
	rc = entry_open(vfd, vdir, name, &efd, err, errlen);
	if (rc != VAULT_OK)
		return rc;
	rc = meta_read(efd, vdir, name, e, err, errlen);
	close(efd);
	return rc;
}

int vault_list(const char *vault_dir, struct vault_entry **out, size_t *n,
	       char *err, size_t errlen)
{
	struct vault_entry *v = NULL, *nv, e;
	struct tool_strv names;
	char why[1024];
	int vfd, rc, r;
	size_t i, cap = 0;

	*out = NULL;
	*n = 0;
	rc = names_open(vault_dir, &vfd, &names, err, errlen);
	for (i = 0; i < names.n && rc != VAULT_ERR; i++) {
		if (!valid_id(names.v[i]))
			continue; /* .tmp-*: not finished, or being removed */
		r = list_one(vfd, vault_dir, names.v[i], &e, why, sizeof why);
		if (r == VAULT_NOTFOUND)
			continue; /* removed meanwhile */
		if (r != VAULT_OK) {
			if (rc == VAULT_OK)
				tool_errf(err, errlen, 0, "%s", why);
			rc = VAULT_WARN;
			continue;
		}
		if (!(nv = tool_grow(v, &cap, *n + 1, sizeof *v))) {
			vault_entry_release(&e);
			rc = tool_errf(err, errlen, VAULT_ERR, "out of memory");
			break;
		}
		v = nv;
		v[(*n)++] = e;
	}
	tool_strv_free(&names);
	if (vfd >= 0)
		close(vfd);
	if (rc == VAULT_ERR) {
		vault_entries_free(v, *n);
		*n = 0;
		return rc;
	}
	if (v)
		qsort(v, *n, sizeof *v, by_time);
	*out = v;
	return rc;
}

int vault_remove(const char *vault_dir, const char *id, char *err,
		 size_t errlen)
{
	int vfd, rc;

	vfd = vault_open(vault_dir, 0, err, errlen);
	if (vfd == -2 || (vfd >= 0 && (!id || !valid_id(id))))
		rc = tool_errf(err, errlen, VAULT_NOTFOUND,
			       "no entry '%s' in vault '%s'", id ? id : "",
			       vault_dir);
	else if (vfd < 0)
		rc = VAULT_ERR;
	else
		rc = entry_delete(vfd, vault_dir, id, err, errlen);
	if (vfd >= 0)
		close(vfd);
	return rc;
}

int vault_purge(const char *vault_dir, time_t cutoff, size_t *removed,
		char *err, size_t errlen)
{
	struct vault_entry e;
	struct tool_strv names;
	char why[1024];
	int vfd, rc, r;
	size_t i, count = 0;

	if (removed)
		*removed = 0;
	rc = names_open(vault_dir, &vfd, &names, err, errlen);
	for (i = 0; i < names.n; i++) {
		const char *name = names.v[i];

		if (!strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX))) {
			r = tmp_remove(vfd, name, 1);
			if (r < 0)
				warn(err, errlen, "cannot remove '%s/%s': %s",
				     vault_dir, name, strerror(errno));
			rc = r < 0 ? VAULT_WARN : rc;
			continue;
		}
		if (!valid_id(name))
			continue;
		r = list_one(vfd, vault_dir, name, &e, why, sizeof why);
		if (r == VAULT_OK && e.quarantined.tv_sec <= cutoff)
			r = entry_delete(vfd, vault_dir, name, why,
					 sizeof why);
		else if (r == VAULT_OK)
			r = VAULT_NOTFOUND; /* kept */
		if (r == VAULT_OK)
			count++;
		else if (r != VAULT_NOTFOUND) {
			warn(err, errlen, "%s", why);
			rc = VAULT_WARN;
		}
		vault_entry_release(&e);
	}
	tool_strv_free(&names);
	if (vfd >= 0)
		close(vfd);
	if (removed)
		*removed = count;
	return rc;
}

/* ---------------------------------------------------------- restore */

/* Where entry e goes: dest, dest/BASENAME, or its original path. */
static char *restore_target(const char *dest, const struct vault_entry *e)
{
	const char *base = strrchr(e->path, '/');
	struct stat st;

	if (!dest)
		return strdup(e->path);
	if (lstat(dest, &st) < 0 || !S_ISDIR(st.st_mode))
		return strdup(dest);
	return tool_path_join(dest, base ? base + 1 : e->path);
}

/* Owner, mode, xattrs, times of e onto fd; what fails is a warning. */
static void restore_attrs(int fd, const struct vault_entry *e,
			  const char *target, char *w, size_t wlen)
{
	struct timespec ts[2] = { e->atime, e->mtime };
	size_t i;

	if (fchown(fd, e->uid, e->gid) < 0)
		warn(w, wlen, "cannot restore the owner %u:%u of '%s': %s",
		     (unsigned)e->uid, (unsigned)e->gid, target,
		     strerror(errno));
	/* after chown, which clears set-id bits; before the ACL xattrs,
	 * which agree with this mode */
	if (fchmod(fd, e->mode) < 0)
		warn(w, wlen, "cannot restore the mode %04o of '%s': %s",
		     (unsigned)e->mode, target, strerror(errno));
	for (i = 0; i < e->nxattrs; i++)
		if (fsetxattr(fd, e->xattrs[i].name, e->xattrs[i].value,
			      e->xattrs[i].len, 0) < 0)
			warn(w, wlen, "cannot restore the xattr %s of '%s': %s",
			     e->xattrs[i].name, target, strerror(errno));
	if (futimens(fd, ts) < 0)
		warn(w, wlen, "cannot restore the times of '%s': %s", target,
		     strerror(errno));
}

/* Renames tmp to base in ddir; without force, never over a file. */
static int restore_place(int ddir, const char *tmp, const char *base,
			 int force)
{
	if (force)
		return renameat(ddir, tmp, ddir, base);
	if (renameat2(ddir, tmp, ddir, base, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* no RENAME_NOREPLACE on this filesystem: link(2) does not
	 * replace either */
	if (linkat(ddir, tmp, ddir, base, 0) < 0)
		return -1;
	unlinkat(ddir, tmp, 0);
	return 0;
}

/* Opens target's directory (*ddir) and makes the temporary file there. */
static int restore_open(const char *target, unsigned flags, int *ddir,
			const char **base, char *tmp, size_t tmplen,
			char *err, size_t errlen)
{
	unsigned char rnd[8];
	char *dir, hex[17];
	int fd;

	if (!(dir = split_path(target, base)))
		return tool_errf(err, errlen, -1, "out of memory");
	*ddir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (*ddir < 0)
		return tool_errf(err, errlen, -1, "cannot restore to '%s': %s",
				 target, strerror(errno));
	if (!**base || !strcmp(*base, ".") || !strcmp(*base, ".."))
		return tool_errf(err, errlen, -1, "cannot restore to '%s': %s",
				 target, "not a file name");
	if (!(flags & VAULT_FORCE) &&
	    faccessat(*ddir, *base, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return tool_errf(err, errlen, -2, "'%s' already exists",
				 target);
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return tool_errf(err, errlen, -1, "getrandom: %s",
				 strerror(errno));
	tool_hex(rnd, sizeof rnd, hex);
	snprintf(tmp, tmplen, ".mdescan-restore-%s", hex);
	fd = openat(*ddir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				O_CLOEXEC, 0600);
	if (fd < 0)
		return tool_errf(err, errlen, -1, "cannot create a file beside "
				 "'%s': %s", target, strerror(errno));
	return fd;
}

/* Writes entry e (directory efd) to target through a temporary file. */
static int restore_write(int efd, const struct vault_entry *e,
			 const char *what, const char *target, unsigned flags,
			 char *err, size_t errlen)
{
	char tmp[64], w[2048] = "";
	const char *base;
	int ddir = -1, fd, rc;

	fd = restore_open(target, flags, &ddir, &base, tmp, sizeof tmp, err,
			  errlen);
	if (fd < 0) {
		close_fds(ddir, -1);
		return fd == -2 ? VAULT_EXISTS : VAULT_ERR;
	}
	rc = dec_all(efd, e, fd, what, err, errlen);
	if (rc == VAULT_OK) {
		restore_attrs(fd, e, target, w, sizeof w);
		if (fsync(fd) < 0 ||
		    restore_place(ddir, tmp, base, flags & VAULT_FORCE) < 0) {
			int exists = errno == EEXIST;

			rc = tool_errf(err, errlen,
				       exists ? VAULT_EXISTS : VAULT_ERR,
				       "cannot restore to '%s': %s", target,
				       exists ? "it already exists"
					      : strerror(errno));
		}
	}
	if (rc != VAULT_OK) {
		unlinkat(ddir, tmp, 0);
	} else {
		fsync(ddir);
		if (*w)
			rc = tool_errf(err, errlen, VAULT_WARN, "%s", w);
	}
	close_fds(fd, ddir);
	return rc;
}

int vault_restore(const char *vault_dir, const char *id, const char *dest,
		  unsigned flags, char *restored, size_t restoredlen,
		  char *err, size_t errlen)
{
	struct vault_entry e;
	char what[PATH_MAX + 64], *target = NULL;
	int vfd, efd, rc;

	if (err && errlen)
		*err = '\0';
	rc = entry_load(vault_dir, id, &vfd, &efd, &e, err, errlen);
	if (rc == VAULT_OK && !(target = restore_target(dest, &e)))
		rc = tool_errf(err, errlen, VAULT_ERR, "out of memory");
	if (rc == VAULT_OK) {
		snprintf(what, sizeof what, "%s/%s", vault_dir, id);
		rc = restore_write(efd, &e, what, target, flags, err, errlen);
	}
	if (rc == VAULT_OK || rc == VAULT_WARN) {
		if (restored && restoredlen)
			snprintf(restored, restoredlen, "%s", target);
		/* a crash before this leaves both: never neither */
		if (entry_delete(vfd, vault_dir, id, what, sizeof what))
			rc = tool_errf(err, errlen, VAULT_WARN,
				       "restored, but %s", what);
	}
	free(target);
	vault_entry_release(&e);
	close_fds(vfd, efd);
	return rc;
}

/* ----------------------------------------------------------- export */

/* A libzip source that decodes an entry's data as libzip reads it, so
 * that the plain content is never written anywhere but into the zip. */
struct zsrc {
	int efd;
	const struct vault_entry *e;
	const char *what;
	struct dec d;
	zip_error_t ze;
	char err[512];
};

static zip_int64_t zsrc_fail(struct zsrc *z)
{
	zip_error_set(&z->ze, ZIP_ER_READ, EIO);
	return -1;
}

static zip_int64_t zsrc_cb(void *ud, void *data, zip_uint64_t len,
			   zip_source_cmd_t cmd)
{
	struct zsrc *z = ud;
	zip_stat_t *st = data;
	ssize_t n;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		if (dec_open(&z->d, z->efd, z->what, z->err, sizeof z->err))
			return zsrc_fail(z);
		return 0;
	case ZIP_SOURCE_READ:
		n = dec_read(&z->d, data, len, z->err, sizeof z->err, z->what);
		if (n < 0 || (n == 0 && z->d.done &&
			      dec_check(&z->d, z->e, z->err, sizeof z->err,
					z->what) != VAULT_OK))
			return zsrc_fail(z);
		return n;
	case ZIP_SOURCE_CLOSE:
		dec_close(&z->d);
		return 0;
	case ZIP_SOURCE_STAT:
		if (len < sizeof *st)
			return -1;
		zip_stat_init(st);
		st->size = z->e->size;
		st->mtime = z->e->mtime.tv_sec;
		st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME;
		return sizeof *st;
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&z->ze, data, len);
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(
			ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
			ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		zip_error_set(&z->ze, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* Adds a source under name, encrypted; the source is consumed. */
static int zip_add_enc(zip_t *za, const char *name, zip_source_t *src,
		       const char *password)
{
	zip_int64_t i;

	if (!src)
		return -1;
	i = zip_file_add(za, name, src, ZIP_FL_ENC_GUESS);
	if (i < 0) {
		zip_source_free(src);
		return -1;
	}
	return zip_file_set_encryption(za, (zip_uint64_t)i, ZIP_EM_AES_256,
				       password);
}

static int zip_fill(zip_t *za, struct zsrc *z, const struct tool_buf *meta,
		    const char *password)
{
	const char *base = strrchr(z->e->path, '/');
	char mname[VAULT_ID_LEN + 8];

	base = base && base[1] ? base + 1 : z->e->id;
	snprintf(mname, sizeof mname, "%s.meta", z->e->id);
	if (zip_add_enc(za, base, zip_source_function(za, zsrc_cb, z),
			password) < 0 ||
	    zip_add_enc(za, mname, zip_source_buffer(za, meta->p, meta->len, 0),
			password) < 0)
		return -1;
	return 0;
}

/* Writes the zip of entry e (directory efd) to zip_path. */
static int export_zip(int efd, const struct vault_entry *e, const char *what,
		      const char *zip_path, const char *password, char *err,
		      size_t errlen)
{
	struct zsrc z = { .efd = efd, .e = e, .what = what, .d = { .fd = -1 } };
	struct tool_buf meta = { 0 };
	zip_error_t ze;
	zip_t *za;
	int code, rc = VAULT_OK;

	if (meta_slurp(efd, &meta) < 0 || !meta.p) {
		tool_buf_free(&meta);
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot read '%s/meta': %s", what,
				 strerror(errno));
	}
	zip_error_init(&z.ze);
	za = zip_open(zip_path, ZIP_CREATE | ZIP_EXCL, &code);
	if (!za) {
		zip_error_init_with_code(&ze, code);
		rc = tool_errf(err, errlen, VAULT_ERR, "cannot create '%s': %s",
			       zip_path, zip_error_strerror(&ze));
		zip_error_fini(&ze);
	} else if (zip_fill(za, &z, &meta, password) < 0) {
		rc = tool_errf(err, errlen, VAULT_ERR, "cannot write '%s': %s",
			       zip_path, zip_strerror(za));
		zip_discard(za);
	} else if (zip_close(za) < 0) {
		rc = tool_errf(err, errlen, VAULT_ERR, "cannot write '%s': %s",
			       zip_path, z.err[0] ? z.err : zip_strerror(za));
		zip_discard(za);
	}
	if (z.d.fd >= 0 || z.d.ctx)
		dec_close(&z.d);
	zip_error_fini(&z.ze);
	tool_buf_free(&meta);
	return rc;
}

int vault_export(const char *vault_dir, const char *id, const char *zip_path,
		 const char *password, char *err, size_t errlen)
{
	struct vault_entry e;
	char what[PATH_MAX + 64];
	int vfd, efd, rc;

	if (!zip_path || !*zip_path || !password || !*password)
		return tool_errf(err, errlen, VAULT_ERR,
				 "export needs an output file and a password");
	if (!zip_encryption_method_supported(ZIP_EM_AES_256, 1))
		return tool_errf(err, errlen, VAULT_ERR,
				 "this libzip cannot write AES-256 encryption");
	rc = entry_load(vault_dir, id, &vfd, &efd, &e, err, errlen);
	if (rc == VAULT_OK) {
		snprintf(what, sizeof what, "%s/%s", vault_dir, id);
		rc = export_zip(efd, &e, what, zip_path, password, err, errlen);
	}
	vault_entry_release(&e);
	close_fds(vfd, efd);
	return rc;
}
