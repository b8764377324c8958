/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cage_proto.c - the messages between a scanning thread and its caged
 * worker (framing in cage.h).  The decoders read what a worker sends,
 * which a worker taken over by a hostile file controls: every length is
 * checked against the payload, every count against its bound, every
 * string must carry its NUL, and nothing is trusted beyond that.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mdescan.h"
#include "cage.h"
#include "banned.h"

#define NOSTR 0xffffffffu

static void put(mde__cbuf *b, const void *p, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *q;

	if (b->bad)
		return;
	if (n > MDE__CAGE_MAXMSG || b->len + n > MDE__CAGE_MAXMSG + 8) {
		b->bad = 1;
		return;
	}
	if (b->len + n > b->cap) {
		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q) {
			b->bad = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void mde__cbuf_u32(mde__cbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	put(b, x, 4);
}

void mde__cbuf_u64(mde__cbuf *b, uint64_t v)
{
	mde__cbuf_u32(b, (uint32_t)v);
	mde__cbuf_u32(b, (uint32_t)(v >> 32));
}

void mde__cbuf_mem(mde__cbuf *b, const void *p, size_t n)
{
	put(b, p, n);
}

void mde__cbuf_str(mde__cbuf *b, const char *s)
{
	size_t n;

	if (!s) {
		mde__cbuf_u32(b, NOSTR);
		return;
	}
	n = strlen(s);
	if (n >= MDE__CAGE_MAXMSG) {
		b->bad = 1;
		return;
	}
	mde__cbuf_u32(b, (uint32_t)n);
	put(b, s, n + 1);
}

void mde__cbuf_begin(mde__cbuf *b, uint32_t t)
{
	b->len = 0;
	b->bad = 0;
	mde__cbuf_u32(b, 0);
	mde__cbuf_u32(b, t);
}

void mde__cbuf_end(mde__cbuf *b)
{
	uint32_t n = (uint32_t)(b->len - 8);

	if (b->bad || b->len < 8)
		return;
	b->p[0] = (uint8_t)n;
	b->p[1] = (uint8_t)(n >> 8);
	b->p[2] = (uint8_t)(n >> 16);
	b->p[3] = (uint8_t)(n >> 24);
}

void mde__cage_enc_ev(mde__cbuf *b, const mde_event *ev)
{
	size_t i, nl = ev->nlayers > 64 ? 64 : ev->nlayers;

	mde__cbuf_begin(b, MDE__CM_EV);
	mde__cbuf_u32(b, (uint32_t)ev->type);
	mde__cbuf_u64(b, ev->size);
	mde__cbuf_u64(b, (uint64_t)(int64_t)ev->score);
	mde__cbuf_u32(b, (uint32_t)ev->err);
	mde__cbuf_u32(b, (uint32_t)((ev->audit ? 1 : 0) | (ev->allowed ? 2 : 0) |
				    (ev->file ? 4 : 0)));
	mde__cbuf_str(b, ev->name);
	mde__cbuf_str(b, ev->stage);
	mde__cbuf_str(b, ev->rule_ns);
	mde__cbuf_str(b, ev->description);
	mde__cbuf_str(b, ev->author);
	mde__cbuf_str(b, ev->sha256);
	mde__cbuf_str(b, ev->reason);
	mde__cbuf_str(b, ev->packer);
	mde__cbuf_u32(b, (uint32_t)nl);
	for (i = 0; i < nl; i++)
		mde__cbuf_str(b, ev->layers[i]);
	mde__cbuf_end(b);
}

void mde__cage_enc_done(mde__cbuf *b, const mde__cage_done *d)
{
	unsigned i;

	mde__cbuf_begin(b, MDE__CM_DONE);
	mde__cbuf_u32(b, (uint32_t)d->status);
	mde__cbuf_u32(b, (uint32_t)((d->uncacheable ? 1 : 0) |
				    (d->allowed ? 2 : 0)));
	mde__cbuf_str(b, d->why);
	mde__cbuf_u32(b, d->have);
	mde__cbuf_mem(b, d->dig, sizeof(d->dig));
	mde__cbuf_str(b, d->sha256);
	mde__cbuf_u64(b, d->members);
	mde__cbuf_u64(b, d->unpacked);
	mde__cbuf_u32(b, d->nfind);
	for (i = 0; i < d->nfind && i < MDE__CACHE_MAXFIND; i++) {
		const mde__cfind *c = &d->find[i];

		mde__cbuf_u32(b, (uint32_t)c->kind);
		mde__cbuf_u64(b, (uint64_t)(int64_t)c->score);
		mde__cbuf_u64(b, c->msize);
		mde__cbuf_str(b, c->stage);
		mde__cbuf_str(b, c->name);
		mde__cbuf_str(b, c->ns);
		mde__cbuf_str(b, c->description);
		mde__cbuf_str(b, c->author);
		mde__cbuf_str(b, c->reason);
		mde__cbuf_str(b, c->packer);
		mde__cbuf_u32(b, c->nlayers);
		mde__cbuf_u32(b, (uint32_t)c->chainlen);
		mde__cbuf_mem(b, c->chain, c->chainlen);
	}
	mde__cbuf_end(b);
}

/* ------------------------------------------------------------ decoding */

struct rd {
	const uint8_t *p;
	size_t n, off;
	int bad;
};

static uint32_t get_u32(struct rd *r)
{
	const uint8_t *q;

	if (r->bad || r->n - r->off < 4) {
		r->bad = 1;
		return 0;
	}
	q = r->p + r->off;
	r->off += 4;
	return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
	       (uint32_t)q[3] << 24;
}

static uint64_t get_u64(struct rd *r)
{
	uint64_t lo = get_u32(r);

	return lo | (uint64_t)get_u32(r) << 32;
}

static const uint8_t *get_mem(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || r->n - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

/* A string: NULL for the NULL mark; the empty string stands in for a
 * malformed one (r->bad set), so callers need no NULL checks of their
 * own where a string is required. */
static const char *get_str(struct rd *r)
{
	uint32_t n = get_u32(r);
	const uint8_t *q;

	if (r->bad)
		return "";
	if (n == NOSTR)
		return NULL;
	q = get_mem(r, (size_t)n + 1);
	if (!q || q[n] != '\0') {
		r->bad = 1;
		return "";
	}
	return (const char *)q;
}

static const char *need_str(struct rd *r)
{
	const char *s = get_str(r);

	if (!s) {
		r->bad = 1;
		return "";
	}
	return s;
}

int mde__cage_dec_ev(const uint8_t *p, size_t n, mde__cage_ev *ev)
{
	struct rd r = { p, n, 0, 0 };
	uint32_t fl, i;

	memset(ev, 0, sizeof(*ev));
	ev->type = (int)get_u32(&r);
	ev->size = get_u64(&r);
	ev->score = (int64_t)get_u64(&r);
	ev->err = (int32_t)get_u32(&r);
	fl = get_u32(&r);
	ev->audit = !!(fl & 1);
	ev->allowed = !!(fl & 2);
	ev->has_file = !!(fl & 4);
	ev->name = get_str(&r);
	ev->stage = get_str(&r);
	ev->rule_ns = get_str(&r);
	ev->description = get_str(&r);
	ev->author = get_str(&r);
	ev->sha256 = get_str(&r);
	ev->reason = get_str(&r);
	ev->packer = get_str(&r);
	ev->nlayers = get_u32(&r);
	if (ev->nlayers > 64)
		return -1;
	for (i = 0; i < ev->nlayers; i++)
		ev->layers[i] = need_str(&r);
	if (r.bad || r.off != r.n || fl > 7)
		return -1;
	switch (ev->type) {
	case MDE_EV_FINDING:
		/* a finding names its signature and stage */
		return ev->name && ev->stage ? 0 : -1;
	case MDE_EV_ERROR:
	case MDE_EV_SKIPPED:
		return ev->reason ? 0 : -1;
	case MDE_EV_CLEAN:
		return 0;
	default:
		return -1;
	}
}

/* The member chain of a kept finding: nlayers names, each with its NUL,
 * filling exactly chainlen bytes. */
static int chain_ok(const uint8_t *c, size_t len, unsigned nlayers)
{
	unsigned nul = 0;
	size_t i;

	for (i = 0; i < len; i++)
		nul += c[i] == '\0';
	return nul == nlayers && (!len || c[len - 1] == '\0');
}

static int dec_find(struct rd *r, mde__cfind *c)
{
	uint32_t clen;

	c->kind = (int)get_u32(r);
	c->score = (long)(int64_t)get_u64(r);
	c->msize = get_u64(r);
	c->stage = need_str(r);
	c->name = need_str(r);
	c->ns = get_str(r);
	c->description = get_str(r);
	c->author = get_str(r);
	c->reason = get_str(r);
	c->packer = get_str(r);
	c->nlayers = get_u32(r);
	clen = get_u32(r);
	c->chain = (const char *)get_mem(r, clen);
	c->chainlen = clen;
	if (r->bad || c->kind < MDE__CF_FINDING || c->kind > MDE__CF_AUDIT ||
	    c->nlayers > 64 ||
	    !chain_ok((const uint8_t *)c->chain, clen, c->nlayers))
		return -1;
	if (!clen)
		c->chain = NULL;
	return 0;
}

int mde__cage_dec_done(const uint8_t *p, size_t n, mde__cage_done *d)
{
	struct rd r = { p, n, 0, 0 };
	const uint8_t *dig;
	const char *sha;
	uint32_t fl, i;

	memset(d, 0, sizeof(*d));
	d->status = (int32_t)get_u32(&r);
	fl = get_u32(&r);
	d->uncacheable = !!(fl & 1);
	d->allowed = !!(fl & 2);
	d->why = get_str(&r);
	d->have = get_u32(&r);
	dig = get_mem(&r, sizeof(d->dig));
	if (dig)
		memcpy(d->dig, dig, sizeof(d->dig));
	sha = need_str(&r);
	if (strlen(sha) >= sizeof(d->sha256))
		return -1;
	memcpy(d->sha256, sha, strlen(sha) + 1);
	d->members = get_u64(&r);
	d->unpacked = get_u64(&r);
	d->nfind = get_u32(&r);
	if (r.bad || d->nfind > MDE__CACHE_MAXFIND || fl > 3)
		return -1;
	for (i = 0; i < d->nfind; i++)
		if (dec_find(&r, &d->find[i]) < 0)
			return -1;
	return r.bad || r.off != r.n ? -1 : 0;
}
