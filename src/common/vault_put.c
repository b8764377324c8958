/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault_put.c - quarantining a file: vault_put() and its steps.  The
 * entry is built in a locked temporary directory, made durable, read
 * back and checked, and renamed into place before the original is
 * unlinked, and only if it is still the file that was copied: a crash
 * at any step leaves the original, a complete entry, or both.  The steps
 * are numbered crash points (crash_point) that t-quarantine-crash.sh
 * kills the process at, one by one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lz4frame.h>
#include <openssl/evp.h>

#include "safepath.h"
#include "util.h"
#include "vault_int.h"
#include "banned.h"

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

/* --------------------------------------------------------- the steps */

/* Everything vault_put works with. */
struct put {
	const char *vdir, *path, *base;
	int vfd, pfd, fd, tfd, own_fd;
	struct stat st;           /* the original when we started */
	const struct safepath_id *scanned; /* the original as scanned */
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
	if (LZ4F_isError(r) || vault__xor_write(dfd, out, r, &pos) < 0)
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
		if (LZ4F_isError(r) || vault__xor_write(dfd, out, r, &pos) < 0)
			goto werr;
		if (off == n)
			crash_point(&p->step); /* first block written */
		if (n == 0)
			break;
	}
	r = LZ4F_compressEnd(cc, out, cap, NULL);
	if (LZ4F_isError(r) || vault__xor_write(dfd, out, r, &pos) < 0)
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

	if (vault__meta_format(&b, &p->e) < 0) {
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

/* VAULT_CHANGED: the original is not what was scanned. */
static int put_scanned_changed(struct put *p)
{
	return tool_errf(p->err, p->errlen, VAULT_CHANGED,
			 "'%s' changed since it was scanned; left in "
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

/* VAULT_ERR, with errno's reason for not opening the original. */
static int put_cannot_open(struct put *p)
{
	return tool_errf(p->err, p->errlen, VAULT_ERR, "cannot open '%s': %s",
			 p->path, strerror(errno));
}

/*
 * Opens the directory of the original (p->pfd) following no symbolic
 * link, and records its canonical path in p->e.path: the name restore
 * puts the file back under, checked to be the directory we opened.
 */
static int put_opendir(struct put *p)
{
	char why[PATH_MAX + 64], *dir, *canon = NULL;
	struct stat a, b;
	int rc = VAULT_OK;

	p->pfd = safepath_openparent(p->path, &p->base, why, sizeof why);
	if (p->pfd < 0 && (errno == ELOOP || errno == EINVAL))
		return tool_errf(p->err, p->errlen, VAULT_REFUSED,
				 "refusing to quarantine '%s': %s", p->path,
				 errno == ELOOP ? why : "not a regular file");
	if (p->pfd < 0)
		return put_cannot_open(p);
	if (!(dir = vault__split_path(p->path, &p->base)))
		return tool_errf(p->err, p->errlen, VAULT_ERR, "out of memory");
	canon = realpath(dir, NULL);
	free(dir);
	if (!canon || stat(canon, &a) < 0 || fstat(p->pfd, &b) < 0)
		rc = put_cannot_open(p);
	else if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		rc = put_changed(p);
	else if (!(p->e.path = tool_path_join(canon, p->base)))
		rc = tool_errf(p->err, p->errlen, VAULT_ERR, "out of memory");
	free(canon);
	return rc;
}

/* Opens the original (or checks the caller's fd) and fills p->e. */
static int put_open(struct put *p, int fd)
{
	struct stat at;
	const char *what = "not a regular file";
	int rc;

	if ((rc = put_opendir(p)) != VAULT_OK)
		return rc;
	if (fstatat(p->pfd, p->base, &at, AT_SYMLINK_NOFOLLOW) < 0)
		return put_cannot_open(p);
	if (S_ISLNK(at.st_mode))
		what = "a symbolic link";
	if (!S_ISREG(at.st_mode))
		return tool_errf(p->err, p->errlen, VAULT_REFUSED,
				 "refusing to quarantine '%s': %s", p->path,
				 what);
	p->fd = fd;
	if (fd < 0) {
		p->fd = openat(p->pfd, p->base, O_RDONLY | O_NOFOLLOW |
			       O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		p->own_fd = 1;
	}
	if (p->fd < 0 || fstat(p->fd, &p->st) < 0)
		return put_cannot_open(p);
	if (!S_ISREG(p->st.st_mode) || p->st.st_dev != at.st_dev ||
	    p->st.st_ino != at.st_ino)
		return put_changed(p);
	if (p->scanned && !safepath_same(&p->st, p->scanned, 1))
		return put_scanned_changed(p);
	p->e.uid = p->st.st_uid;
	p->e.gid = p->st.st_gid;
	p->e.mode = p->st.st_mode & 07777;
	p->e.atime = p->st.st_atim;
	p->e.mtime = p->st.st_mtim;
	if (vault__read_xattrs(p->fd, &p->e) < 0)
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
		vault__entry_delete(p->vfd, p->vdir, p->e.id, NULL, 0);
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
		return put_scanned_changed(p);
	clock_gettime(CLOCK_REALTIME, &p->e.quarantined);
	if ((rc = put_meta(p)) != VAULT_OK)
		return rc;
	if (fsync(p->tfd) < 0)
		return tool_errf(p->err, p->errlen, VAULT_ERR,
				 "cannot sync '%s': %s", what, strerror(errno));
	crash_point(&p->step);
	if ((rc = vault__dec_all(p->tfd, &p->e, -1, what, p->err, p->errlen)))
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
		vault__entry_delete(p->vfd, p->vdir, p->e.id, NULL, 0);
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
		p.scanned = m->scanned;
		p.e.threat = m->threat ? strdup(m->threat) : NULL;
		p.e.scan_id = m->scan_id ? strdup(m->scan_id) : NULL;
	}
	if ((rc = put_open(&p, fd)) == VAULT_OK &&
	    (p.vfd = vault__open(vault_dir, 1, err, errlen)) < 0)
		rc = VAULT_ERR;
	if (rc == VAULT_OK)
		rc = put_entry(&p, m);
	if (rc == VAULT_OK)
		snprintf(id_out, idlen, "%s", p.e.id);
	if (p.tfd >= 0)
		close(p.tfd); /* drops the lock: now purge may clean it */
	if (p.vfd >= 0 && p.tmp[0])
		vault__tmp_remove(p.vfd, p.tmp, 1);
	if (p.own_fd && p.fd >= 0)
		close(p.fd);
	if (p.pfd >= 0)
		close(p.pfd);
	if (p.vfd >= 0)
		close(p.vfd);
	vault_entry_release(&p.e);
	return rc;
}
