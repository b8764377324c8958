/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.c - the tools' small shared helpers (util.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "banned.h"

static const char *prog = "mdescan";

void tool_set_name(const char *name)
{
	prog = name;
}

const char *tool_name(void)
{
	return prog;
}

void tool_vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void tool_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vwarn(fmt, ap);
	va_end(ap);
}

int tool_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vwarn(fmt, ap);
	va_end(ap);
	return 2;
}

void tool_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vwarn(fmt, ap);
	va_end(ap);
	exit(2);
}

int tool_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int tool_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void tool_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int tool_unhex(const char *s, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = tool_hexval((unsigned char)s[2 * i]);
		int lo = hi < 0 ? -1 : tool_hexval((unsigned char)s[2 * i + 1]);

		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int tool_buf_put(struct tool_buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int tool_buf_printf(struct tool_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return tool_buf_put(b, small, (size_t)n);
	{
		char *big = malloc((size_t)n + 1);

		if (!big)
			return -1;
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		rc = tool_buf_put(b, big, (size_t)n);
		free(big);
	}
	return rc;
}

void tool_buf_free(struct tool_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void *tool_grow(void *p, size_t *cap, size_t want, size_t size)
{
	size_t n = *cap ? *cap : 8;

	if (want <= *cap)
		return p;
	while (n < want && n <= SIZE_MAX / 2)
		n *= 2;
	if (n < want || n > SIZE_MAX / size)
		return NULL;
	p = realloc(p, n * size);
	if (p)
		*cap = n;
	return p;
}

int tool_strv_push(struct tool_strv *sv, const char *s)
{
	char **v = tool_grow(sv->v, &sv->cap, sv->n + 2, sizeof(*v));
	char *copy = strdup(s);

	if (v)
		sv->v = v;
	if (!v || !copy) {
		free(copy);
		return -1;
	}
	v[sv->n++] = copy;
	v[sv->n] = NULL;
	return 0;
}

void tool_strv_free(struct tool_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int tool_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO; /* no progress: never loop on it */
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

char *tool_path_join(const char *dir, const char *base)
{
	size_t dl = strlen(dir), n = dl + strlen(base) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s%s%s", dir,
			 dl && dir[dl - 1] == '/' ? "" : "/", base);
	return p;
}

/* The part of path before its last name ("." for none, "/" for "/x");
 * *base its last name (trailing slashes dropped). */
static char *split_last(const char *path, const char **base)
{
	char *dir = strdup(path), *slash;
	size_t n = strlen(dir ? dir : "");

	if (!dir)
		return NULL;
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	slash = strrchr(dir, '/');
	*base = path + (slash ? (size_t)(slash - dir) + 1 : 0);
	if (!slash)
		snprintf(dir, n + 1, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

char *tool_abspath(const char *path)
{
	const char *base = path;
	char *dir = split_last(path, &base), *canon = NULL, *out = NULL;
	char *cwd = NULL;
	size_t blen;

	if (!dir)
		return NULL;
	blen = strcspn(base, "/");
	if ((canon = realpath(dir, NULL))) {
		if (!blen || !strncmp(base, ".", blen) ||
		    (blen == 2 && !strncmp(base, "..", 2)))
			out = realpath(path, NULL);
		else if ((out = tool_path_join(canon, base)))
			out[strlen(out) - strlen(base) + blen] = '\0';
	} else if (*path == '/') {
		out = strdup(path);
	} else if ((cwd = getcwd(NULL, 0))) {
		out = tool_path_join(cwd, path);
	}
	free(canon);
	free(cwd);
	free(dir);
	return out;
}

int tool_mkdirs(const char *dir, mode_t mode)
{
	char *p = strdup(dir), *s;
	int rc = -1;

	if (!p)
		return -1;
	for (s = *p ? p + 1 : p; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			goto out;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		goto out;
	rc = 0;
out:
	free(p);
	return rc;
}

pid_t tool_pidfile_pid(const char *pidfile)
{
	char buf[32];
	pid_t pid;
	int fd = open(pidfile, O_RDONLY | O_CLOEXEC), held;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	pid = (pid_t)strtol(buf, NULL, 10);
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	if (pid > 0 && held && (kill(pid, 0) == 0 || errno == EPERM))
		return pid;
	return -1;
}
