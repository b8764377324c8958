/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf_xref.c - the cross-reference chain (ISO 32000-1, 7.5.4 to 7.5.8):
 * from "startxref", each section is a table ("xref" ... "trailer") or a
 * cross-reference stream, and names the one before it by /Prev (and a
 * hybrid file's stream by /XRefStm).  The first section's trailer is the
 * newest: it gives /Encrypt and /ID.
 *
 * The scan of pdf.c finds the objects already; the chain adds the ones
 * it missed (an "obj" keyword glued to what follows, say) and the
 * trailer.  A chain that loops, or runs longer than MAX_SECTIONS, is cut:
 * what was read stands.  Without a usable chain the last "trailer" of
 * the file, or its last cross-reference stream, is the newest trailer.
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <stdlib.h>
#include <string.h>

#include "pdf_int.h"
#include "banned.h"

#define MAX_SECTIONS 128

struct chain {
	size_t seen[MAX_SECTIONS];
	size_t n;
};

static int digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* An unsigned number at *pos (white space first); -1 when none. */
static int64_t num_at(const uint8_t *b, size_t len, size_t *pos)
{
	size_t i = pdf_skip_ws(b, len, *pos);
	int64_t v = 0;

	if (i >= len || !digit(b[i]))
		return -1;
	while (i < len && digit(b[i]) && v < ((int64_t)1 << 50))
		v = v * 10 + (b[i++] - '0');
	*pos = i;
	return v;
}

/* Object num/gen at offset off, which the scan may have missed. */
static void add_at(mde__pdf *d, size_t off, uint32_t num, uint32_t gen)
{
	size_t lo = 0, hi = d->nocc, p = off;
	int64_t n, g;

	/* the scan's objects are in file order: a binary search */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->occ[mid].start < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->nocc && d->occ[lo].start == off)
		return;
	n = num_at(d->buf, d->len, &p);
	g = num_at(d->buf, d->len, &p);
	p = pdf_skip_ws(d->buf, d->len, p);
	if (n != (int64_t)num || g < 0 || p + 3 > d->len ||
	    memcmp(d->buf + p, "obj", 3) != 0)
		return;
	pdf_add_occ(d, num, gen, off, p + 3, 0);
}

/* A table's entries from pos, up to "trailer": returns where the
 * trailer's dictionary starts, or 0. */
static size_t table(mde__pdf *d, size_t pos)
{
	const uint8_t *b = d->buf;
	int64_t first, count, off, gen;

	for (;;) {
		first = num_at(b, d->len, &pos);
		count = num_at(b, d->len, &pos);
		if (first < 0 || count < 0 || first > UINT32_MAX)
			break;
		for (; count > 0; count--, first++) {
			off = num_at(b, d->len, &pos);
			gen = num_at(b, d->len, &pos);
			pos = pdf_skip_ws(b, d->len, pos);
			if (off < 0 || gen < 0 || pos >= d->len)
				return 0;
			if (b[pos++] == 'n' && off > 0 &&
			    (uint64_t)off < d->len && first <= UINT32_MAX)
				add_at(d, (size_t)off, (uint32_t)first,
				       (uint32_t)gen);
			if (first >= UINT32_MAX)
				return 0;
		}
	}
	pos = pdf_skip_ws(b, d->len, pos);
	if (pos + 7 > d->len || memcmp(b + pos, "trailer", 7) != 0)
		return 0;
	return pdf_skip_ws(b, d->len, pos + 7);
}

static uint64_t field(const uint8_t *p, int64_t w)
{
	uint64_t v = 0;

	while (w-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* The entries of cross-reference stream data r under /W w, /Index ix. */
static void stream_entries(mde__pdf *d, const pmem *r, const pobj *w,
			   const pobj *ix, int64_t size)
{
	int64_t wd[3] = { 1, 0, 0 }, first = 0, count = size, row;
	const pobj *k = w && w->t == P_ARRAY ? w->kid : NULL;
	size_t at = 0, i;

	for (i = 0; i < 3 && k; i++, k = k->next)
		wd[i] = k->t == P_INT && k->i >= 0 && k->i <= 8 ? k->i : 0;
	row = wd[0] + wd[1] + wd[2];
	k = ix && ix->t == P_ARRAY ? ix->kid : NULL;
	if (!row)
		return;
	do {
		if (k && k->next) {
			first = k->i, count = k->next->i;
			k = k->next->next;
		}
		for (; count > 0 && first >= 0 && first <= UINT32_MAX &&
		       at + (size_t)row <= r->len; count--, first++) {
			const uint8_t *p = r->p + at;
			uint64_t t = wd[0] ? field(p, wd[0]) : 1;
			uint64_t off = field(p + wd[0], wd[1]);

			if (t == 1 && off > 0 && off < d->len)
				add_at(d, (size_t)off, (uint32_t)first,
				       (uint32_t)field(p + wd[0] + wd[1],
						       wd[2]));
			at += (size_t)row;
		}
	} while (k && k->next);
}

/* A cross-reference stream at off: its entries; returns its dictionary
 * (in d->a) and where it starts in *dpos, or NULL. */
static const pobj *xref_stream(mde__pdf *d, size_t off, size_t *dpos)
{
	pparse p = { 0 };
	pmem r = { 0 };
	const pobj *v, *len;
	size_t s, n;

	p.buf = d->buf, p.len = d->len, p.pos = off, p.a = &d->a;
	if (num_at(d->buf, d->len, &p.pos) < 0 ||
	    num_at(d->buf, d->len, &p.pos) < 0)
		return NULL;
	p.pos = pdf_skip_ws(d->buf, d->len, p.pos);
	if (p.pos + 3 > d->len || memcmp(d->buf + p.pos, "obj", 3) != 0)
		return NULL;
	p.pos += 3;
	*dpos = pdf_skip_ws(d->buf, d->len, p.pos);
	p.max_work = d->a.work + 4096;
	v = pdf_parse_obj(&p, 0);
	if (!pdf_is_name(pdf_dget(v, "Type"), "XRef"))
		return NULL;
	s = pdf_skip_ws(d->buf, d->len, p.pos);
	if (s + 6 > d->len || memcmp(d->buf + s, "stream", 6) != 0)
		return v;
	s += 6;
	s += s < d->len && d->buf[s] == '\r';
	s += s < d->len && d->buf[s] == '\n';
	len = pdf_dget(v, "Length");
	n = len && len->t == P_INT && len->i >= 0 &&
	    (uint64_t)len->i <= d->len - s ? (size_t)len->i : d->len - s;
	r.limit = d->max_internal;
	pdf_filters(v, d->buf + s, n, pmem_put, &r, d->max_internal);
	stream_entries(d, &r, pdf_dget(v, "W"), pdf_dget(v, "Index"),
		       pdf_int(d, pdf_dget(v, "Size")));
	pmem_free(&r);
	return v;
}

static int seen(struct chain *c, size_t off)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->seen[i] == off)
			return 1;
	if (c->n == MAX_SECTIONS)
		return 1;
	c->seen[c->n++] = off;
	return 0;
}

/* One section at off: its trailer dictionary's place, its /Prev in
 * *prev (0: none).  Returns the place, or 0 when it is no section. */
static size_t section(mde__pdf *d, struct chain *c, size_t off,
		      size_t *prev)
{
	const uint8_t *b = d->buf;
	size_t t = 0, hy = 0;
	const pobj *tr = NULL;
	int64_t v;

	*prev = 0;
	off = pdf_skip_ws(b, d->len, off);
	if (off + 4 <= d->len && !memcmp(b + off, "xref", 4)) {
		t = table(d, off + 4);
		if (t) {
			pparse p = { 0 };

			p.buf = b, p.len = d->len, p.pos = t, p.a = &d->a;
			p.max_work = d->a.work + 4096;
			tr = pdf_parse_obj(&p, 0);
		}
	} else {
		tr = xref_stream(d, off, &t);
	}
	if (!tr)
		return 0;
	v = pdf_int(d, pdf_dget(tr, "XRefStm"));
	if (v > 0 && (uint64_t)v < d->len && !seen(c, (size_t)v))
		xref_stream(d, (size_t)v, &hy);
	v = pdf_int(d, pdf_dget(tr, "Prev"));
	if (v > 0 && (uint64_t)v < d->len)
		*prev = (size_t)v;
	return t;
}

/* The last trailer of the file when the chain gave none. */
static size_t last_trailer(mde__pdf *d)
{
	const uint8_t *hit, *last = NULL;
	size_t from = 0;

	while (from < d->len &&
	       (hit = memmem(d->buf + from, d->len - from, "trailer", 7))) {
		last = hit;
		from = (size_t)(hit - d->buf) + 7;
	}
	if (last) {
		size_t t = pdf_skip_ws(d->buf, d->len,
				       (size_t)(last - d->buf) + 7);

		if (t + 2 <= d->len && !memcmp(d->buf + t, "<<", 2))
			return t;
	}
	return 0;
}

void pdf_xref(mde__pdf *d)
{
	struct chain *c = calloc(1, sizeof(*c));
	const uint8_t *sx = NULL, *hit;
	size_t from = d->len > 2048 ? d->len - 2048 : 0, off, t, prev;
	int64_t v;

	while (from < d->len &&
	       (hit = memmem(d->buf + from, d->len - from, "startxref", 9)))
		sx = hit, from = (size_t)(hit - d->buf) + 9;
	off = sx ? (size_t)(sx - d->buf) + 9 : 0;
	v = sx ? num_at(d->buf, d->len, &off) : -1;
	for (off = v > 0 && (uint64_t)v < d->len ? (size_t)v : 0;
	     c && off && !seen(c, off); off = prev) {
		t = section(d, c, off, &prev);
		if (!t)
			break;
		if (!d->trailer)
			d->trailer = t;
		pa_reset(&d->a);
	}
	pa_reset(&d->a);
	free(c);
	if (!d->trailer)
		d->trailer = last_trailer(d);
}
