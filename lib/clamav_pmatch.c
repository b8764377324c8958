/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_pmatch.c - exact matching of a compiled pattern at a start
 * position.  The state is the set of positions where the rest of the
 * pattern may begin, kept as sorted intervals: every node maps a set to
 * the next, so gaps and alternatives of different lengths never
 * backtrack.  Before an unbounded gap only the earliest position counts.
 *
 * Classes and edge checks follow ClamAV's definitions: (B) a boundary
 * character (the table below: some may only precede a word, some only
 * follow one), (L) a line end (LF, or CRLF inside a pattern), (W) any
 * byte that is not alphanumeric; the file's ends satisfy every edge
 * check.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

/* Boundary classes: 1 before a word only, 2 after a word only, 3 both. */
static uint8_t bclass(uint8_t c)
{
	switch (c) {
	case '.': case '<': case '@':
		return 1;
	case '\n': case '\r': case '"': case '\'': case '=': case '>':
		return 2;
	case ' ': case '-': case '/': case '_':
		return 3;
	}
	return 0;
}

static int iv_add(struct cl_ivset *s, size_t lo, size_t hi)
{
	struct cl_ival *last = s->n ? &s->v[s->n - 1] : NULL;

	if (last && lo >= last->lo && lo <= last->hi + 1) {
		if (hi > last->hi)
			last->hi = hi;
		return 0;
	}
	if (mde__grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
		return -1;
	s->v[s->n++] = (struct cl_ival){ lo, hi };
	return 0;
}

static int cmp_ival(const void *pa, const void *pb)
{
	const struct cl_ival *a = pa, *b = pb;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static void iv_normalize(struct cl_ivset *s)
{
	size_t n = 0, i;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_ival);
	for (i = 1; i < s->n; i++) {
		if (s->v[i].lo <= s->v[n].hi + 1) {
			if (s->v[i].hi > s->v[n].hi)
				s->v[n].hi = s->v[i].hi;
		} else {
			s->v[++n] = s->v[i];
		}
	}
	s->n = n + 1;
}

void cl_mstate_free(struct cl_mstate *m)
{
	free(m->set[0].v);
	free(m->set[1].v);
	memset(m, 0, sizeof(*m));
}

static int bytes_eq(const uint8_t *p, const uint8_t *val, const uint8_t *mask,
		    uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if ((p[i] & mask[i]) != val[i])
			return 0;
	return 1;
}

/* Adds the end of every match of val/mask[0..n) starting in in. */
static int step_bytes(const struct cl_ivset *in, struct cl_ivset *out,
		      const uint8_t *buf, size_t len, const uint8_t *val,
		      const uint8_t *mask, uint32_t n)
{
	for (size_t i = 0; i < in->n && n <= len; i++) {
		size_t p = in->v[i].lo;
		size_t hi = in->v[i].hi < len - n ? in->v[i].hi : len - n;

		for (; p <= hi; p++) {
			if (mask[0] == 0xff) {
				const uint8_t *q = memchr(buf + p, val[0],
							  hi - p + 1);
				if (!q)
					break;
				p = (size_t)(q - buf);
			}
			if (bytes_eq(buf + p, val, mask, n) &&
			    iv_add(out, p + n, p + n))
				return -1;
		}
	}
	return 0;
}

static int any_alt(const struct cl_pat *pt, const struct cl_node *nd,
		   const uint8_t *p)
{
	for (uint32_t j = 0; j < nd->nalt; j++) {
		const struct cl_span *a = &pt->alts[nd->a + j];

		if (bytes_eq(p, pt->val + a->off, pt->mask + a->off, a->len))
			return 1;
	}
	return 0;
}

static int step_alt(const struct cl_pat *pt, const struct cl_node *nd,
		    const struct cl_ivset *in, struct cl_ivset *out,
		    const uint8_t *buf, size_t len)
{
	for (uint32_t j = 0; j < nd->b; j++) {
		const struct cl_span *a = &pt->alts[nd->a + j];

		if (step_bytes(in, out, buf, len, pt->val + a->off,
			       pt->mask + a->off, a->len))
			return -1;
	}
	iv_normalize(out);
	return 0;
}

static int step_nalt(const struct cl_pat *pt, const struct cl_node *nd,
		     const struct cl_ivset *in, struct cl_ivset *out,
		     const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < in->n && nd->b <= len; i++) {
		size_t hi = in->v[i].hi < len - nd->b ? in->v[i].hi
						      : len - nd->b;

		for (size_t p = in->v[i].lo; p <= hi; p++)
			if (!any_alt(pt, nd, buf + p) &&
			    iv_add(out, p + nd->b, p + nd->b))
				return -1;
	}
	return 0;
}

/* Bytes a class consumes at p: 1, 2 (CRLF), or 0 when it fails. */
static size_t class_at(uint8_t spec, const uint8_t *buf, size_t len,
		       size_t p)
{
	int neg = (spec & CL_SPEC_NEG) != 0, ok = 0;
	size_t n = 1;

	switch (spec & 0x7f) {
	case 'B':
		ok = bclass(buf[p]) != 0;
		break;
	case 'W':
		ok = !isalnum(buf[p]);
		break;
	case 'L':
		ok = buf[p] == '\n';
		if (buf[p] == '\r' && p + 1 < len && buf[p + 1] == '\n')
			ok = 1, n = 2;
		break;
	}
	return ok != neg ? n : 0;
}

static int step_spec(const struct cl_node *nd, const struct cl_ivset *in,
		     struct cl_ivset *out, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < in->n; i++) {
		for (size_t p = in->v[i].lo; p <= in->v[i].hi && p < len; p++) {
			size_t n = class_at(nd->spec, buf, len, p);

			if (n && iv_add(out, p + n, p + n))
				return -1;
		}
	}
	iv_normalize(out);
	return 0;
}

static int step_gap(const struct cl_node *nd, const struct cl_ivset *in,
		    struct cl_ivset *out, size_t len)
{
	if (nd->b == CL_INF) {
		if (in->n && in->v[0].lo + nd->a <= len)
			return iv_add(out, in->v[0].lo + nd->a, len);
		return 0;
	}
	for (size_t i = 0; i < in->n; i++) {
		size_t lo = in->v[i].lo + nd->a, hi = in->v[i].hi + nd->b;

		if (lo > len)
			break;
		if (iv_add(out, lo, hi < len ? hi : len))
			return -1;
	}
	return 0;
}

static int step(const struct cl_pat *pt, const struct cl_node *nd,
		const struct cl_ivset *in, struct cl_ivset *out,
		const uint8_t *buf, size_t len)
{
	switch (nd->kind) {
	case CN_RUN:
		return step_bytes(in, out, buf, len, pt->val + nd->a,
				  pt->mask + nd->a, nd->b);
	case CN_GAP:
		return step_gap(nd, in, out, len);
	case CN_ALT:
		return step_alt(pt, nd, in, out, buf, len);
	case CN_NALT:
		return step_nalt(pt, nd, in, out, buf, len);
	}
	return step_spec(nd, in, out, buf, len);
}

/* The edge check before a match starting at s. */
static int left_ok(const struct cl_pat *p, const uint8_t *buf, size_t s)
{
	int neg = (p->lspec & CL_SPEC_NEG) != 0, ok;

	switch (p->lspec & 0x7f) {
	case 'B':
		/*
		 * clamscan passes !(B) only after a byte that is no
		 * boundary at all: a byte that may only follow a word
		 * (LF, CR, quotes, '=', '>') fails both (B) and !(B).
		 */
		if (neg)
			return s != 0 && bclass(buf[s - 1]) == 0;
		ok = s == 0 || (bclass(buf[s - 1]) & 1);
		break;
	case 'L':
		ok = s == 0 || buf[s - 1] == '\n';
		break;
	case 'W':
		if (p->wide)
			ok = s < 2 || !(isalnum(buf[s - 2]) && buf[s - 1] == 0);
		else
			ok = s == 0 || !isalnum(buf[s - 1]);
		break;
	default:
		return 1;
	}
	return ok != neg;
}

/* The edge check after a match ending at e. */
static int right_ok(const struct cl_pat *p, const uint8_t *buf, size_t len,
		    size_t e)
{
	int neg = (p->rspec & CL_SPEC_NEG) != 0, ok;

	switch (p->rspec & 0x7f) {
	case 'B':
		ok = e == len || bclass(buf[e]) >= 2;
		break;
	case 'L':
		ok = e == len || buf[e] == '\n' ||
		     (buf[e] == '\r' && e + 1 < len && buf[e + 1] == '\n');
		break;
	case 'W':
		if (e == len)
			ok = 1;
		else if (p->wide && e + 1 < len)
			ok = !(isalnum(buf[e]) && buf[e + 1] == 0);
		else
			ok = !isalnum(buf[e]);
		break;
	default:
		return 1;
	}
	return ok != neg;
}

/* Runs nodes [i0, i1) from the set [lo, hi]; *res is the end set. */
static int run_nodes(const struct cl_pat *pt, struct cl_mstate *m,
		     const uint8_t *buf, size_t len, uint32_t i0, uint32_t i1,
		     size_t lo, size_t hi, struct cl_ivset **res)
{
	struct cl_ivset *in = &m->set[0], *out = &m->set[1], *t;

	in->n = 0;
	if (iv_add(in, lo, hi))
		return -1;
	for (uint32_t i = i0; i < i1 && in->n; i++) {
		out->n = 0;
		if (step(pt, &pt->nodes[i], in, out, buf, len))
			return -1;
		t = in, in = out, out = t;
	}
	*res = in;
	return 0;
}

/* True if the final set res holds an end that passes the right check. */
static int ends_ok(const struct cl_pat *p, const struct cl_ivset *res,
		   const uint8_t *buf, size_t len)
{
	if (!p->rspec)
		return res->n != 0;
	for (size_t i = 0; i < res->n; i++)
		for (size_t e = res->v[i].lo; e <= res->v[i].hi; e++)
			if (right_ok(p, buf, len, e))
				return 1;
	return 0;
}

/*
 * A match at start: the head (up to the first unbounded gap) from start,
 * then the rest from the head's earliest end.  The rest fails from every
 * position after one it failed from, so *tail_fail remembers that across
 * the starts of one search.
 */
static int match_from(const struct cl_pat *p, struct cl_mstate *m,
		      const uint8_t *buf, size_t len, size_t start,
		      size_t *tail_fail)
{
	struct cl_ivset *res;
	size_t e;

	if (start + p->minlen > len || !left_ok(p, buf, start))
		return 0;
	if (run_nodes(p, m, buf, len, 0, p->head_end, start, start, &res))
		return -1;
	if (p->head_end == p->nnodes)
		return ends_ok(p, res, buf, len);
	if (!res->n || res->v[0].lo >= *tail_fail)
		return 0;
	e = res->v[0].lo;
	if (run_nodes(p, m, buf, len, p->head_end, p->nnodes, e, e, &res))
		return -1;
	if (ends_ok(p, res, buf, len))
		return 1;
	*tail_fail = e;
	return 0;
}

int cl_pat_match_at(const struct cl_pat *p, struct cl_mstate *m,
		    const uint8_t *buf, size_t len, size_t start)
{
	size_t tail_fail = SIZE_MAX;

	return match_from(p, m, buf, len, start, &tail_fail);
}

int cl_pat_find(const struct cl_pat *p, struct cl_mstate *m,
		const uint8_t *buf, size_t len, size_t lo, size_t hi,
		size_t *start, size_t *tail_fail)
{
	const struct cl_node *n0 = &p->nodes[0];
	int first_lit = n0->kind == CN_RUN && p->mask[n0->a] == 0xff;

	if (len < p->minlen)
		return 0;
	if (hi > len - p->minlen)
		hi = len - p->minlen;
	for (size_t s = lo; s <= hi; s++) {
		int rc;

		if (first_lit) {
			const uint8_t *q = memchr(buf + s, p->val[n0->a],
						  hi - s + 1);
			if (!q)
				return 0;
			s = (size_t)(q - buf);
		}
		rc = match_from(p, m, buf, len, s, tail_fail);
		if (rc) {
			*start = s;
			return rc;
		}
	}
	return 0;
}
