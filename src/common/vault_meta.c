/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault_meta.c - an entry's meta file (format in vault.h): written from
 * a struct vault_entry, parsed back into one, with the original's
 * extended attributes.  A meta file that lacks a key, or holds a bad
 * value, is damaged: the entry is not listed, never half-read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"
#include "vault_int.h"
#include "banned.h"

#define META_MAX (16u << 20)

/* ------------------------------------------------------------ xattrs */

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
int vault__read_xattrs(int fd, struct vault_entry *e)
{
	ssize_t n = -1, v;
	char *names = NULL, *p;
	unsigned char *val = NULL;
	int tries, rc = -1;

	for (tries = 0; tries < 5; tries++) {
		n = flistxattr(fd, NULL, 0);
		if (n <= 0) {
			rc = n == 0 || errno == ENOTSUP ? 0 : -1;
			goto out;
		}
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

/* ----------------------------------------------------------- writing */

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
int vault__meta_format(struct tool_buf *b, const struct vault_entry *e)
{
	const struct vault_xattr *x;
	size_t i;
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
	/* by index: NULL + 0 (no xattrs) is undefined behaviour */
	for (i = 0; i < e->nxattrs; i++) {
		x = &e->xattrs[i];
		rc |= tool_buf_put(b, "xattr ", 6);
		rc |= buf_escaped(b, x->name, strlen(x->name));
		rc |= tool_buf_put(b, " ", 1);
		rc |= buf_hex(b, x->value, x->len);
		rc |= tool_buf_put(b, "\n", 1);
	}
	return rc;
}

/* ----------------------------------------------------------- reading */

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
	/* the lengths count the value's bytes, not up to a NUL in it: a
	 * tampered "id" of 32 digits, a NUL and more overran e->id */
	if (KEY("id") && (*seen |= M_ID))
		rc = vl == VAULT_ID_LEN && vault__valid_id(num)
			     ? (memcpy(e->id, num, vl + 1), 0)
			     : -1;
	else if (KEY("sha256") && (*seen |= M_SHA))
		rc = vl == 64 && strspn(num, "0123456789abcdef") == 64
			     ? (memcpy(e->sha256, num, vl + 1), 0)
			     : -1;
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
int vault__meta_slurp(int efd, struct tool_buf *b)
{
	char buf[8192];
	ssize_t r = 0;
	int fd, e, oom = 0;

	fd = openat(efd, "meta", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	while (fd >= 0 && !oom && (r = vault__read_some(fd, buf,
							sizeof buf)) > 0 &&
	       b->len <= META_MAX)
		oom = tool_buf_put(b, buf, (size_t)r) < 0;
	e = errno;
	if (fd >= 0)
		close(fd);
	errno = fd < 0 || r < 0 ? e : oom ? ENOMEM : EFBIG;
	return fd < 0 || r < 0 || oom || b->len > META_MAX ? -1 : 0;
}

/* Reads the meta file of the entry in directory efd into e (zeroed). */
int vault__meta_read(int efd, const char *vdir, const char *id,
		     struct vault_entry *e, char *err, size_t errlen)
{
	struct tool_buf b = { 0 };
	int rc = VAULT_OK;

	memset(e, 0, sizeof *e);
	if (vault__meta_slurp(efd, &b) < 0)
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
