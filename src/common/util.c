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
