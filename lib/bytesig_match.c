/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bytesig_match.c - the byte-signature matcher: exact, backtracking-free
 * matching of a compiled signature from a range of start positions, the
 * scan of anchored signatures, and mde__bytesigs_scan().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bytesig_int.h"
#include "banned.h"

static int iv_add(struct bs_ivset *s, size_t lo, size_t hi)
{
	struct bs_ival *last = s->n ? &s->v[s->n - 1] : NULL;

	if (last && lo >= last->lo && lo <= last->hi + 1) {
		if (hi > last->hi)
			last->hi = hi;
		return 0;
	}
	if (mde__grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
		return -1;
	s->v[s->n++] = (struct bs_ival){ lo, hi };
	return 0;
}

static int cmp_ival(const void *pa, const void *pb)
{
	const struct bs_ival *a = pa, *b = pb;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Sorts and merges s (alternatives append out of order). */
static void iv_normalize(struct bs_ivset *s)
{
	size_t n = 0;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_ival);
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i].lo <= s->v[n].hi + 1) {
			if (s->v[i].hi > s->v[n].hi)
				s->v[n].hi = s->v[i].hi;
		} else {
			s->v[++n] = s->v[i];
		}
	}
	s->n = n + 1;
}

static bool bytes_eq(const uint8_t *p, const uint8_t *val,
		     const uint8_t *mask, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if ((p[i] & mask[i]) != val[i])
			return false;
	return true;
}

/*
 * Adds to out the end of every match of val/mask[0..n) starting in in;
 * with first_only, only the earliest.  Returns -1 on no memory.
 */
static int step_bytes(const struct bs_ivset *in, struct bs_ivset *out,
		      const uint8_t *buf, size_t len, const uint8_t *val,
		      const uint8_t *mask, uint32_t n, bool first_only)
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
			if (!bytes_eq(buf + p, val, mask, n))
				continue;
			if (iv_add(out, p + n, p + n))
				return -1;
			if (first_only)
				return 0;
		}
	}
	return 0;
}

static int step_alt(const struct bs_sig *sig, const struct bs_node *nd,
		    const struct bs_ivset *in, struct bs_ivset *out,
		    const uint8_t *buf, size_t len, bool first_only)
{
	for (uint32_t j = 0; j < nd->b; j++) {
		const struct bs_span *a = &sig->alts[nd->a + j];

		if (step_bytes(in, out, buf, len, sig->val + a->off,
			       sig->mask + a->off, a->len, first_only))
			return -1;
	}
	iv_normalize(out);
	return 0;
}

static int step_gap(const struct bs_node *nd, const struct bs_ivset *in,
		    struct bs_ivset *out, size_t len)
{
	if (nd->b == BS_INF) {
		/* the earliest start dominates every later one */
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

/*
 * Walks the nodes keeping the set of positions where the rest of the
 * pattern may start: linear in the positions visited, no backtracking.
 * Only the earliest match of a node matters when an unbounded gap or the
 * end of the pattern follows.
 */
int bs_match_nodes(const struct bs_sig *sig, mde__bytescratch *s,
		   const uint8_t *buf, size_t len, uint32_t i0, uint32_t i1,
		   size_t lo, size_t hi, const struct bs_ivset **res)
{
	struct bs_ivset *in = &s->set[0], *out = &s->set[1], *t;
	int rc = 0;

	in->n = 0;
	if (iv_add(in, lo, hi))
		return -1;
	for (uint32_t i = i0; i < i1 && in->n; i++) {
		const struct bs_node *nd = &sig->nodes[i];
		bool first = i + 1 == sig->nnodes ||
			     (sig->nodes[i + 1].kind == BS_GAP &&
			      sig->nodes[i + 1].b == BS_INF);

		out->n = 0;
		if (nd->kind == BS_GAP)
			rc = step_gap(nd, in, out, len);
		else if (nd->kind == BS_ALT)
			rc = step_alt(sig, nd, in, out, buf, len, first);
		else
			rc = step_bytes(in, out, buf, len, sig->val + nd->a,
					sig->mask + nd->a, nd->b, first);
		if (rc)
			return -1;
		t = in, in = out, out = t;
	}
	*res = in;
	return in->n ? 1 : 0;
}

int bs_match(const struct bs_sig *sig, mde__bytescratch *s,
	     const uint8_t *buf, size_t len, size_t lo, size_t hi)
{
	const struct bs_ivset *res;

	return bs_match_nodes(sig, s, buf, len, 0, sig->nnodes, lo, hi, &res);
}

/* Start range of an anchored signature in a buffer of len bytes. */
static bool anchored_range(const struct bs_sig *sig, size_t len, size_t *lo,
			   size_t *hi)
{
	uint64_t start = sig->off, last;

	if (len < sig->minlen)
		return false;
	if (sig->otype == BS_O_EOF) {
		if (sig->off > len)
			return false;
		start = len - sig->off;
	}
	last = len - sig->minlen;
	if (start > last)
		return false;
	*lo = (size_t)start;
	*hi = sig->shift > last - start ? (size_t)last :
					  (size_t)(start + sig->shift);
	return true;
}

/* Returns 1 if fn asked to stop, 0 when done, -1 on no memory. */
static int scan_anchored(const mde__bytesigs *b, mde__bytescratch *s,
			 const uint8_t *buf, size_t len, int target,
			 mde__bytematch_fn fn, void *ctx)
{
	for (size_t i = 0; i < b->nanch; i++) {
		const struct bs_sig *sig = b->anch[i];
		size_t lo, hi;
		int rc;

		if (!bs_target_ok(sig, target) ||
		    !anchored_range(sig, len, &lo, &hi))
			continue;
		/* cheap first-byte test; nodes[0] is never a gap */
		if (lo == hi && sig->nodes[0].kind == BS_RUN &&
		    (buf[lo] & sig->mask[0]) != sig->val[0])
			continue;
		rc = bs_match(sig, s, buf, len, lo, hi);
		if (rc < 0)
			return -1;
		if (rc && fn(ctx, sig->name))
			return 1;
	}
	return 0;
}

/*
 * Scans anchored signatures, then the Vectorscan database.  Returns
 * MDE_OK (also when fn stopped the scan), MDE_ERR_STATE when b is not
 * compiled, the scratch belongs to other definitions, or the matcher
 * failed (no memory, Vectorscan error, buffer of 4 GiB or more).
 */
int mde__bytesigs_scan(const mde__bytesigs *b, mde__bytescratch *s,
		       const uint8_t *buf, size_t len, int target,
		       mde__bytematch_fn fn, void *ctx)
{
	int rc;

	if (!b->compiled || !s || s->b != b)
		return MDE_ERR_STATE;
	rc = scan_anchored(b, s, buf, len, target, fn, ctx);
	if (rc == 0)
		rc = bs_hs_scan(b, s, buf, len, target, fn, ctx);
	return rc < 0 ? MDE_ERR_STATE : MDE_OK;
}
