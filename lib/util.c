/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.c - the small helpers every part of the engine shares: status
 * strings, the parsers' diagnostics, hex digits, growable arrays and
 * byte strings, sorted directory listings and atomic file writes.  One
 * copy each, so that a fix (an overflow check, a digit table, a
 * planted temporary file) reaches every caller.
 */
#include "config.h"

#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mde_int.h"
#include "banned.h"

const char *mde_status_str(int status)
{
	switch (status) {
#define STATUS_TEXT(name, value, text) case name: return text;
	MDE_STATUS_LIST(STATUS_TEXT)
#undef STATUS_TEXT
	}
	return "unknown status";
}

size_t mde__escape(char *out, size_t n, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;
	unsigned char c;

	if (!n)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (o + 4 + 3 >= n) { /* room for "\xHH" and "..." kept */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		if (c == '\\') {
			out[o++] = '\\';
			continue;
		}
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return o;
}

/*
 * A diagnostic quotes what it was given: a line of a signature file, a
 * name, a file name, none of them trusted.  All three are escaped and
 * bounded here, once for every parser, so that a binary line cannot
 * drive the terminal that shows the message.
 */
void mde__diagf(mde__diag *d, const char *file, unsigned line,
		const char *signame, const char *fmt, ...)
{
	char raw[512], msg[640], sig[160], fname[1024];
	va_list ap;

	if (!d)
		return;
	__atomic_fetch_add(&d->count, 1, __ATOMIC_RELAXED);
	if (!d->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	mde__escape(msg, sizeof(msg), raw, strlen(raw));
	if (signame)
		mde__escape(sig, sizeof(sig), signame, strlen(signame));
	if (file)
		mde__escape(fname, sizeof(fname), file, strlen(file));
	d->fn(d->ctx, file ? fname : NULL, line, signame ? sig : NULL, msg);
}

/* Value + 1 of each hex digit, 0 for any other byte. */
const uint8_t mde__hexdig1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

long mde__unhex(const char *h, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned hi = mde__hexdig1[(unsigned char)h[2 * i]];
		unsigned lo = mde__hexdig1[(unsigned char)h[2 * i + 1]];

		if (!hi || !lo) /* one test per byte: hash lists are long */
			return (long)(2 * i + (hi != 0));
		out[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
	}
	return -1;
}

void mde__hex(const uint8_t *d, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int mde__grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return -1;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int mde__buf_put(mde__buf *b, const char *s, size_t n)
{
	if (n > SIZE_MAX - b->len - 1 ||
	    mde__grow((void **)&b->p, &b->cap, b->len + n + 1, 1))
		return MDE_ERR_NOMEM;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return MDE_OK;
}

int mde__cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void mde__names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int mde__list_dir(const char *dir, int (*keep)(const char *name),
		  char ***out, size_t *nout)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int rc = MDE_OK;

	*out = NULL;
	*nout = 0;
	if (!d)
		return MDE_ERR_IO;
	while (rc == MDE_OK && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (keep && !keep(de->d_name)))
			continue;
		if (mde__grow((void **)&v, &cap, n + 1, sizeof(*v)) ||
		    !(v[n] = strdup(de->d_name)))
			rc = MDE_ERR_NOMEM;
		else
			n++;
	}
	closedir(d);
	if (rc != MDE_OK) {
		mde__names_free(v, n);
		return rc;
	}
	if (n)
		qsort(v, n, sizeof(*v), mde__cmp_str);
	*out = v;
	*nout = n;
	return MDE_OK;
}

int mde__write_atomic(const char *path, const void *buf, size_t len)
{
	struct iovec v = { (void *)buf, len };

	return mde__write_atomic_iov(path, &v, 1);
}

int mde__write_atomic_iov(const char *path, const struct iovec *iov,
			  int niov)
{
	char tmp[4200];
	const char *p;
	size_t len;
	ssize_t w = 0;
	int fd, ok = 1, e, i;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
			     (long)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlink(tmp); /* a stale one, or something planted: never followed */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	for (i = 0; ok && i < niov; i++) {
		p = iov[i].iov_base;
		len = iov[i].iov_len;
		while (ok && len) {
			w = write(fd, p, len);
			ok = w > 0 || (w < 0 && errno == EINTR);
			p += w > 0 ? (size_t)w : 0;
			len -= w > 0 ? (size_t)w : 0;
		}
	}
	ok = ok && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0)
		return 0;
	e = errno;
	unlink(tmp);
	errno = e;
	return -1;
}

void mde__cache_touch(const char *path)
{
	(void)utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW);
}

struct cached {
	struct timespec t;
	char name[256];
};

static int by_age(const void *a, const void *b) /* newest first */
{
	const struct timespec *x = &((const struct cached *)a)->t,
			      *y = &((const struct cached *)b)->t;

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? 1 : -1;
	return x->tv_nsec < y->tv_nsec ? 1 : x->tv_nsec > y->tv_nsec ? -1 : 0;
}

/* Whether name is PREFIX*SUFFIX (and short enough to keep). */
static int cache_name(const char *name, const char *prefix,
		      const char *suffix)
{
	size_t n = strlen(name), lp = strlen(prefix), ls = strlen(suffix);

	return n < 256 && n > lp + ls && !strncmp(name, prefix, lp) &&
	       !strcmp(name + n - ls, suffix);
}

void mde__cache_prune(const char *dir, const char *prefix,
		      const char *suffix)
{
	mde__cache_prune_keep(dir, prefix, suffix, MDE__CACHE_KEEP);
}

void mde__cache_prune_keep(const char *dir, const char *prefix,
			   const char *suffix, size_t keep)
{
	struct cached *v = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	struct stat st;
	DIR *dp = opendir(dir);
	int dfd = dp ? dirfd(dp) : -1;

	if (!dp)
		return;
	while ((d = readdir(dp)))
		if (cache_name(d->d_name, prefix, suffix) &&
		    fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) &&
		    mde__grow((void **)&v, &cap, n + 1, sizeof(*v)) == 0) {
			v[n].t = st.st_mtim;
			snprintf(v[n].name, sizeof(v[n].name), "%s", d->d_name);
			n++;
		}
	if (n > keep) {
		qsort(v, n, sizeof(*v), by_age);
		for (i = keep; i < n; i++)
			(void)unlinkat(dfd, v[i].name, 0);
	}
	free(v);
	closedir(dp);
}
