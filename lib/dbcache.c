/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbcache.c - the compiled form of a ClamAV database (layout in
 * dbcache.h): its checking reader and its writer.  No dependency but
 * xxhash, for its fuzz harness.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <xxhash.h>

#include "mde_int.h"
#include "dbcache.h"
#include "banned.h"

#define NAME_MAX_LEN 127 /* a member's name: a tar name, with room */

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int bad(char *why, size_t n, const char *msg)
{
	if (n)
		snprintf(why, n, "%s", msg);
	return -1;
}

/* off[0..len) inside [lo, hi) */
static int within(uint64_t off, uint64_t len, uint64_t lo, uint64_t hi)
{
	return off >= lo && off <= hi && len <= hi - off;
}

static void raw_entry(const mde__dbc *d, uint32_t i, struct mde__dbc_ent *e)
{
	const uint8_t *q = d->p + MDE__DBC_HEAD + (size_t)i * MDE__DBC_ENT;

	memset(e, 0, sizeof(*e));
	e->kind = get32(q);
	e->target = get32(q + 4);
	e->type = get32(q + 8);
	e->flags = get32(q + 12);
	e->off = get64(q + 16);
	e->len = get64(q + 24);
	e->n = get64(q + 32);
	e->soff = get64(q + 40);
	e->nsizes = get64(q + 48);
	e->pool = get64(q + 56);
}

static size_t hash_len(uint32_t type)
{
	return type == 0 ? 16 : type == 1 ? 20 : type == 2 ? 32 : 0;
}

/* Checks entry i against the file (head: the summed part's length). */
static int check_entry(const mde__dbc *d, uint32_t i, uint64_t head,
		       uint64_t ents_end, char *why, size_t n)
{
	struct mde__dbc_ent e, pe;
	const uint8_t *nul;
	size_t nl;

	raw_entry(d, i, &e);
	switch (e.kind) {
	case MDE__DBC_TEXT:
	case MDE__DBC_DIGEST:
		if (!within(e.off, e.len, ents_end, head))
			return bad(why, n, "text outside the summed head");
		nul = memchr(d->p + e.off, '\0',
			     e.len < NAME_MAX_LEN + 1 ? (size_t)e.len
						       : NAME_MAX_LEN + 1);
		if (!nul || nul == d->p + e.off)
			return bad(why, n, "an entry without a name");
		nl = (size_t)(nul - (d->p + e.off)) + 1;
		if (e.kind == MDE__DBC_DIGEST &&
		    (e.len != nl + 24 || e.target > 1))
			return bad(why, n, "a malformed digest entry");
		return 0;
	case MDE__DBC_POOL:
		if (e.target >= MDE__DBC_NTGT || e.len == 0 ||
		    !within(e.off, e.len, head, d->len) ||
		    d->p[e.off] != '\0' || d->p[e.off + e.len - 1] != '\0')
			return bad(why, n, "a malformed name pool");
		return 0;
	case MDE__DBC_TABLE:
		if (e.target >= MDE__DBC_NTGT || !hash_len(e.type) ||
		    (e.flags >> 8 != 4 && e.flags >> 8 != 8) ||
		    (e.flags & 0xfe) != 0 ||
		    e.n > d->len / (hash_len(e.type) + 12) ||
		    e.len != e.n * (hash_len(e.type) + 12) ||
		    !within(e.off, e.len, head, d->len) ||
		    e.nsizes > d->len / (e.flags >> 8) ||
		    e.soff % (e.flags >> 8) ||
		    !within(e.soff, e.nsizes * (e.flags >> 8), head, d->len) ||
		    e.pool >= d->nent)
			return bad(why, n, "a malformed table");
		raw_entry(d, (uint32_t)e.pool, &pe);
		if (pe.kind != MDE__DBC_POOL || pe.target != e.target)
			return bad(why, n, "a table without its name pool");
		return 0;
	}
	return bad(why, n, "an entry of unknown kind");
}

int mde__dbc_open(mde__dbc *d, const void *p, size_t len,
		  const uint8_t key[16], char *why, size_t n)
{
	const uint8_t *b = p;
	uint64_t head, sum, ents_end;
	uint32_t i;

	memset(d, 0, sizeof(*d));
	if (len < MDE__DBC_HEAD || memcmp(b, MDE__DBC_MAGIC, 8) != 0)
		return bad(why, n, "not a compiled ClamAV database");
	if (get64(b + 8) != len)
		return bad(why, n, "cut short or overlong");
	if (key && memcmp(b + 16, key, 16) != 0)
		return bad(why, n, "made for another database");
	head = get64(b + 32);
	d->nent = get32(b + 48);
	if (get32(b + 52) != 0)
		return bad(why, n, "unknown flags");
	ents_end = MDE__DBC_HEAD + (uint64_t)d->nent * MDE__DBC_ENT;
	if (head < MDE__DBC_HEAD || head > len || d->nent > head / MDE__DBC_ENT ||
	    ents_end > head)
		return bad(why, n, "a malformed header");
	/* the sum, with its own field as zero */
	{
		XXH3_state_t *st = XXH3_createState();
		uint8_t hd[MDE__DBC_HEAD];

		if (!st)
			return bad(why, n, "out of memory");
		memcpy(hd, b, MDE__DBC_HEAD);
		memset(hd + 40, 0, 8);
		XXH3_64bits_reset(st);
		XXH3_64bits_update(st, hd, MDE__DBC_HEAD);
		XXH3_64bits_update(st, b + MDE__DBC_HEAD,
				   (size_t)head - MDE__DBC_HEAD);
		sum = XXH3_64bits_digest(st);
		XXH3_freeState(st);
	}
	if (sum != get64(b + 40))
		return bad(why, n, "its checksum does not match");
	d->p = b;
	d->len = len;
	memcpy(d->key, b + 16, 16);
	d->flevel_skips = get64(b + 56);
	for (i = 0; i < d->nent; i++)
		if (check_entry(d, i, head, ents_end, why, n)) {
			memset(d, 0, sizeof(*d));
			return -1;
		}
	return 0;
}

void mde__dbc_entry(const mde__dbc *d, uint32_t i, struct mde__dbc_ent *e)
{
	struct mde__dbc_ent pe;
	size_t nl;

	raw_entry(d, i, e);
	switch (e->kind) {
	case MDE__DBC_TEXT:
	case MDE__DBC_DIGEST:
		e->name = (const char *)d->p + e->off;
		nl = strlen(e->name) + 1;
		e->data = d->p + e->off + nl;
		e->dlen = (size_t)e->len - nl;
		if (e->kind == MDE__DBC_DIGEST) {
			e->mlen = get64(e->data);
			e->digest = e->data + 8;
		}
		break;
	case MDE__DBC_POOL:
		e->data = d->p + e->off;
		e->dlen = (size_t)e->len;
		break;
	case MDE__DBC_TABLE:
		e->data = d->p + e->off;
		e->dlen = (size_t)e->len;
		e->sizes = d->p + e->soff;
		raw_entry(d, (uint32_t)e->pool, &pe);
		e->names = (const char *)d->p + pe.off;
		e->names_len = (size_t)pe.len;
		break;
	}
}

void mde__dbc_seg(const struct mde__dbc_ent *e, mde__hseg *g)
{
	g->type = (int)e->type;
	g->rec = e->data;
	g->n = (size_t)e->n;
	g->sizes = e->sizes;
	g->nsizes = (size_t)e->nsizes;
	g->sizew = e->flags >> 8;
	g->wildcard = e->flags & 1;
	g->names = e->names;
	g->names_len = e->names_len;
	g->unofficial = false; /* the database's type says: the caller's */
}

/* ------------------------------------------------------------- writing */

int mde__dbc_add(mde__dbc_w *w, const struct mde__dbc_wpart *part,
		 uint32_t *idx)
{
	if (w->n >= UINT32_MAX ||
	    mde__grow((void **)&w->v, &w->cap, w->n + 1, sizeof(*w->v)))
		return -1;
	w->v[w->n] = *part;
	if (idx)
		*idx = (uint32_t)w->n;
	w->n++;
	return 0;
}

void mde__dbc_w_free(mde__dbc_w *w)
{
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static int put64(mde__buf *b, uint64_t v)
{
	return mde__buf_put(b, (const char *)&v, 8);
}

static int put32(mde__buf *b, uint32_t v)
{
	return mde__buf_put(b, (const char *)&v, 4);
}

static const char zeros[8];

static int add_iov(struct iovec **iov, int *niov, size_t *cap,
		   const void *p, size_t len)
{
	if (!len)
		return 0;
	if (mde__grow((void **)iov, cap, (size_t)*niov + 1, sizeof(**iov)))
		return -1;
	(*iov)[*niov].iov_base = (void *)p;
	(*iov)[*niov].iov_len = len;
	(*niov)++;
	return 0;
}

int mde__dbc_encode(const mde__dbc_w *w, const uint8_t key[16],
		    mde__buf *head, struct iovec **iov, int *niov)
{
	uint64_t *off = calloc(w->n ? w->n : 1, sizeof(*off));
	uint64_t *soff = calloc(w->n ? w->n : 1, sizeof(*soff));
	uint64_t pos, hlen, total, sum;
	size_t i, cap = 0, sw;
	int rc = 0;

	*iov = NULL;
	*niov = 0;
	if (!off || !soff)
		goto nomem;
	/* offsets: text first, then the tables, 8-byte aligned */
	pos = MDE__DBC_HEAD + (uint64_t)w->n * MDE__DBC_ENT;
	for (i = 0; i < w->n; i++) {
		const struct mde__dbc_wpart *q = &w->v[i];

		if (q->e.kind == MDE__DBC_TEXT) {
			off[i] = pos;
			pos += strlen(q->name) + 1 + q->len;
		} else if (q->e.kind == MDE__DBC_DIGEST) {
			off[i] = pos;
			pos += strlen(q->name) + 1 + 24;
		}
	}
	hlen = pos;
	for (i = 0; i < w->n; i++) {
		const struct mde__dbc_wpart *q = &w->v[i];

		if (q->e.kind != MDE__DBC_POOL && q->e.kind != MDE__DBC_TABLE)
			continue;
		pos = (pos + 7) & ~(uint64_t)7;
		off[i] = pos;
		pos += q->len;
		if (q->e.kind == MDE__DBC_TABLE) {
			pos = (pos + 7) & ~(uint64_t)7;
			soff[i] = pos;
			pos += q->e.nsizes * (q->e.flags >> 8);
		}
	}
	total = pos;
	/* the head */
	head->len = 0;
	rc |= mde__buf_put(head, MDE__DBC_MAGIC, 8);
	rc |= put64(head, total);
	rc |= mde__buf_put(head, (const char *)key, 16);
	rc |= put64(head, hlen);
	rc |= put64(head, 0); /* the sum, below */
	rc |= put32(head, (uint32_t)w->n);
	rc |= put32(head, 0);
	rc |= put64(head, w->flevel_skips);
	for (i = 0; i < w->n; i++) {
		const struct mde__dbc_wpart *q = &w->v[i];
		uint64_t len = q->len;

		if (q->e.kind == MDE__DBC_TEXT)
			len = strlen(q->name) + 1 + q->len;
		else if (q->e.kind == MDE__DBC_DIGEST)
			len = strlen(q->name) + 1 + 24;
		rc |= put32(head, q->e.kind);
		rc |= put32(head, q->e.target);
		rc |= put32(head, q->e.type);
		rc |= put32(head, q->e.flags);
		rc |= put64(head, off[i]);
		rc |= put64(head, len);
		rc |= put64(head, q->e.n);
		rc |= put64(head, soff[i]);
		rc |= put64(head, q->e.nsizes);
		rc |= put64(head, q->e.kind == MDE__DBC_TABLE ? q->pool : 0);
	}
	for (i = 0; i < w->n; i++) {
		const struct mde__dbc_wpart *q = &w->v[i];

		if (q->e.kind == MDE__DBC_TEXT) {
			rc |= mde__buf_put(head, q->name, strlen(q->name) + 1);
			rc |= mde__buf_put(head, q->data, q->len);
		} else if (q->e.kind == MDE__DBC_DIGEST) {
			rc |= mde__buf_put(head, q->name, strlen(q->name) + 1);
			rc |= put64(head, q->mlen);
			rc |= mde__buf_put(head, (const char *)q->digest, 16);
		}
	}
	if (rc || head->len != hlen)
		goto nomem;
	sum = XXH3_64bits(head->p, head->len);
	memcpy(head->p + 40, &sum, 8);
	/* the pieces */
	pos = hlen;
	if (add_iov(iov, niov, &cap, head->p, head->len))
		goto nomem;
	for (i = 0; i < w->n; i++) {
		const struct mde__dbc_wpart *q = &w->v[i];

		if (q->e.kind != MDE__DBC_POOL && q->e.kind != MDE__DBC_TABLE)
			continue;
		if (add_iov(iov, niov, &cap, zeros, (size_t)(off[i] - pos)) ||
		    add_iov(iov, niov, &cap, q->data, q->len))
			goto nomem;
		pos = off[i] + q->len;
		if (q->e.kind == MDE__DBC_TABLE) {
			sw = (size_t)(q->e.nsizes * (q->e.flags >> 8));
			if (add_iov(iov, niov, &cap, zeros,
				    (size_t)(soff[i] - pos)) ||
			    add_iov(iov, niov, &cap, q->sizes, sw))
				goto nomem;
			pos = soff[i] + sw;
		}
	}
	free(off);
	free(soff);
	return 0;
nomem:
	free(off);
	free(soff);
	free(*iov);
	*iov = NULL;
	*niov = 0;
	return -1;
}

/* ------------------------------------------------------------ the stamp */

#define STAMP_MAGIC "MDECSTP1"
#define STAMP_SUM 440

static uint64_t stamp_sum(const uint8_t *p, const char *version)
{
	return XXH3_64bits_withSeed(p, STAMP_SUM,
				    XXH3_64bits(version, strlen(version)));
}

void mde__dbc_stamp_encode(uint8_t out[MDE__DBC_STAMP], const char *version,
			   const struct mde__cvdc_id *id, const uint8_t ctx[16],
			   const struct mde__cvdc_stamp *s)
{
	const uint64_t v[7] = { id->dev, id->ino, id->size,
				(uint64_t)id->mtime_s, (uint64_t)id->mtime_ns,
				(uint64_t)id->ctime_s, (uint64_t)id->ctime_ns };
	uint32_t u = s->by_sign ? 1 : 0;
	uint32_t hl = (uint32_t)strnlen(s->how, sizeof(s->how) - 1);
	uint64_t sum;

	memset(out, 0, MDE__DBC_STAMP);
	memcpy(out, STAMP_MAGIC, 8);
	memcpy(out + 8, v, sizeof(v));
	memcpy(out + 64, ctx, 16);
	memcpy(out + 80, s->key, 16);
	memcpy(out + 96, &s->until, 8);
	memcpy(out + 104, &u, 4);
	memcpy(out + 108, &hl, 4);
	memcpy(out + 112, s->how, hl);
	sum = stamp_sum(out, version);
	memcpy(out + STAMP_SUM, &sum, 8);
}

int mde__dbc_stamp_parse(const void *buf, size_t len, const char *version,
			 struct mde__cvdc_id *id, uint8_t ctx[16],
			 struct mde__cvdc_stamp *s)
{
	const uint8_t *p = buf;
	uint64_t sum, v[7];
	uint32_t u, hl;

	if (len != MDE__DBC_STAMP || memcmp(p, STAMP_MAGIC, 8) != 0)
		return -1;
	memcpy(&sum, p + STAMP_SUM, 8);
	if (sum != stamp_sum(p, version))
		return -1;
	memcpy(&u, p + 104, 4);
	memcpy(&hl, p + 108, 4);
	if (u > 1 || hl >= sizeof(s->how) || memchr(p + 112, '\0', hl))
		return -1; /* not what was written */
	memcpy(v, p + 8, sizeof(v));
	id->dev = v[0];
	id->ino = v[1];
	id->size = v[2];
	id->mtime_s = (int64_t)v[3];
	id->mtime_ns = (int64_t)v[4];
	id->ctime_s = (int64_t)v[5];
	id->ctime_ns = (int64_t)v[6];
	memset(s, 0, sizeof(*s));
	memcpy(ctx, p + 64, 16);
	memcpy(s->key, p + 80, 16);
	memcpy(&s->until, p + 96, 8);
	s->by_sign = (int)u;
	memcpy(s->how, p + 112, hl);
	return 0;
}
