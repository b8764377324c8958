/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_clamd.c - libFuzzer harness for mdescand's clamd protocol
 * (src/mdescand/proto.c): the command parser, the framing and INSTREAM's
 * chunks.
 *
 * Input: a byte of settings (read size 1..16 or all at once, whether a
 * descriptor comes with each read, a session's request limit, a refusing
 * queue), then what a client sends.  The input goes through proto_feed()
 * read by read, as conn.c drives it, with the unused rest kept at the
 * start of the buffer.  Checks what must hold for any input:
 *   - proto_feed never uses more than it was given, and a connection
 *     that is done reads nothing more;
 *   - a request's path lies inside the buffer it was read from;
 *   - a stream never brings more than the maximum, and its data is
 *     given only between its open and its end or abort;
 *   - every descriptor handed over is taken once;
 *   - INSTREAM framing read in one piece and byte by byte gives the same
 *     data and the same end.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define MAX_STREAM 4096

struct fz {
	const char *buf;      /* the buffer being fed */
	size_t buflen;
	int streaming;
	uint64_t streamed;
	int fd;               /* a descriptor waiting, or -1 */
	int next_fd;
	int refuse;
	unsigned limit, nreq;
};

static void f_send(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	if (n && !p)
		abort();
}

static int f_submit(void *ctx, const struct proto_req *r)
{
	struct fz *z = ctx;

	if (r->arg && (r->arg < z->buf || r->arg + r->arglen >
					     z->buf + z->buflen))
		abort();
	if (r->cmd == PROTO_INSTREAM) {
		if (!z->streaming)
			abort();
		z->streaming = 0;
	}
	if (r->cmd == PROTO_FILDES && r->fd < 100)
		abort();
	if (z->refuse)
		return -1;
	z->nreq++;
	return 0;
}

static void f_control(void *ctx, enum proto_cmd c)
{
	(void)ctx;
	if (c != PROTO_RELOAD && c != PROTO_SHUTDOWN)
		abort();
}

static char *f_stats(void *ctx)
{
	(void)ctx;
	return strdup("POOLS: 1\nEND");
}

static int f_open(void *ctx)
{
	struct fz *z = ctx;

	z->streaming = 1;
	z->streamed = 0;
	return 0;
}

static int f_write(void *ctx, const void *p, size_t n)
{
	struct fz *z = ctx;

	if (!z->streaming || !p)
		abort();
	z->streamed += n;
	if (z->streamed > MAX_STREAM)
		abort();
	return 0;
}

static void f_abort(void *ctx)
{
	((struct fz *)ctx)->streaming = 0;
}

static int f_take(void *ctx)
{
	struct fz *z = ctx;
	int fd = z->fd;

	z->fd = -1;
	return fd;
}

static int f_pending(void *ctx)
{
	return ((struct fz *)ctx)->fd >= 0;
}

static int f_busy(void *ctx)
{
	struct fz *z = ctx;

	return z->limit && z->nreq >= z->limit;
}

static const struct proto_ops ops = {
	f_send, f_submit, f_control, f_stats, f_open, f_write, f_abort,
	f_take, f_pending, f_busy
};

static int sink(void *ctx, const void *p, size_t n)
{
	uint64_t *h = ctx;
	const unsigned char *s = p;

	while (n--)
		*h = *h * 31 + *s++ + 1;
	return 0;
}

/* INSTREAM framing, whole and byte by byte. */
static void check_stream(const uint8_t *d, size_t n)
{
	struct proto_stream a = { .quota = MAX_STREAM }, b = a;
	enum proto_stream_status ra, rb = PROTO_STREAM_MORE;
	uint64_t ha = 0, hb = 0;
	size_t ua, ub, i, total = 0;

	ra = proto_stream_feed(&a, d, n, &ua, sink, &ha);
	for (i = 0; i < n && rb == PROTO_STREAM_MORE; i++) {
		rb = proto_stream_feed(&b, d + i, 1, &ub, sink, &hb);
		total += ub;
	}
	if (ra != rb || ha != hb || (ra != PROTO_STREAM_MORE && ua != total))
		abort();
}

static void feed_all(struct fz *z, const uint8_t *d, size_t n, size_t step,
		     int fds)
{
	struct proto_state st;
	char *buf = malloc(n + 1);
	size_t have = 0, i = 0, k, used;

	if (!buf)
		return;
	proto_init(&st, MAX_STREAM, "mdescan fuzz");
	while (i < n && st.mode != PROTO_M_DONE) {
		k = step && n - i > step ? step : n - i;
		memcpy(buf + have, d + i, k);
		have += k;
		i += k;
		if (fds && z->fd < 0)
			z->fd = z->next_fd++;
		z->buf = buf;
		z->buflen = have;
		used = proto_feed(&st, buf, have, &ops, z);
		if (used > have)
			abort();
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have >= n + 1)
			abort();
	}
	proto_hangup(&st, &ops, z);
	if (z->streaming)
		abort(); /* a stream neither ended nor aborted */
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { .fd = -1, .next_fd = 100 };
	const char *arg;
	size_t arglen;

	if (size < 1)
		return 0;
	z.refuse = data[0] >> 7 & 1;
	z.limit = data[0] >> 5 & 3;
	feed_all(&z, data + 1, size - 1, data[0] & 15, data[0] >> 4 & 1);
	proto_parse((const char *)data + 1, size - 1, data[0] & 1, &arg,
		    &arglen);
	if (arg && arg + arglen > (const char *)data + size)
		abort();
	check_stream(data + 1, size - 1);
	return 0;
}
