/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bytesig_hs.c - the Vectorscan side of the byte-signature module: every
 * floating ('*' offset) signature becomes one regular expression in a
 * single block-mode database, compiled with HS_FLAG_DOTALL |
 * HS_FLAG_SINGLEMATCH so each signature is reported at most once per
 * buffer.  The translation is exact, so a database match needs no
 * verification, except for signatures Vectorscan could only take in
 * prefilter mode: those are confirmed with bs_match() over the buffer.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytesig_int.h"
#include "banned.h"

/* Appends t[0..n) to the expressions' text; 0, or -1 out of memory. */
static int str_add(mde__buf *s, const char *t, size_t n)
{
	return mde__buf_put(s, t, n) == MDE_OK ? 0 : -1;
}

static int put_hex(mde__buf *s, unsigned v)
{
	uint8_t b = (uint8_t)v;
	char t[5] = "\\x";

	mde__hex(&b, 1, t + 2);
	return str_add(s, t, 4);
}

/* One byte item: literal, any byte, or a nibble class. */
static int put_byte(mde__buf *s, uint8_t val, uint8_t mask)
{
	int rc = 0;

	switch (mask) {
	case 0xff:
		return put_hex(s, val);
	case 0x00:
		return str_add(s, ".", 1);
	case 0xf0:
		rc |= str_add(s, "[", 1) | put_hex(s, val);
		rc |= str_add(s, "-", 1) | put_hex(s, val | 0x0fu);
		return rc | str_add(s, "]", 1);
	}
	rc |= str_add(s, "[", 1);
	for (unsigned hi = 0; hi < 16; hi++)
		rc |= put_hex(s, hi << 4 | val);
	return rc | str_add(s, "]", 1);
}

static int put_bytes(mde__buf *s, const struct bs_sig *sig,
		     uint32_t off, uint32_t len)
{
	int rc = 0;

	for (uint32_t i = 0; i < len && rc == 0; i++)
		rc = put_byte(s, sig->val[off + i], sig->mask[off + i]);
	return rc;
}

/* Gaps above this become '.*' in a relaxed (prefilter) expression. */
#define BS_RELAX_GAP 256

static int put_gap(mde__buf *s, uint32_t min, uint32_t max, bool relax)
{
	char tmp[40];
	int n;

	if (relax && (min > BS_RELAX_GAP || max > BS_RELAX_GAP))
		min = 0, max = BS_INF;
	if (max == BS_INF && min == 0)
		return str_add(s, ".*", 2);
	if (min == max && min == 0)
		return 0;
	if (max == BS_INF)
		n = snprintf(tmp, sizeof(tmp), ".{%u,}", (unsigned)min);
	else if (min == max)
		n = snprintf(tmp, sizeof(tmp), ".{%u}", (unsigned)min);
	else
		n = snprintf(tmp, sizeof(tmp), ".{%u,%u}", (unsigned)min,
			     (unsigned)max);
	return n < 0 ? -1 : str_add(s, tmp, (size_t)n);
}

static int put_alt(mde__buf *s, const struct bs_sig *sig,
		   const struct bs_node *nd)
{
	int rc = str_add(s, "(?:", 3);

	for (uint32_t j = 0; j < nd->b && rc == 0; j++) {
		const struct bs_span *a = &sig->alts[nd->a + j];

		if (j)
			rc = str_add(s, "|", 1);
		rc |= put_bytes(s, sig, a->off, a->len);
	}
	return rc | str_add(s, ")", 1);
}

/*
 * Appends the NUL-terminated expression of sig to s.  relax turns large
 * gaps into '.*': a superset, for signatures verified after a match.
 */
static int put_regex(mde__buf *s, const struct bs_sig *sig, bool relax)
{
	int rc = 0;

	for (uint32_t i = 0; i < sig->nnodes && rc == 0; i++) {
		const struct bs_node *nd = &sig->nodes[i];

		if (nd->kind == BS_RUN)
			rc = put_bytes(s, sig, nd->a, nd->b);
		else if (nd->kind == BS_GAP)
			rc = put_gap(s, nd->a, nd->b, relax);
		else
			rc = put_alt(s, sig, nd);
	}
	return rc | str_add(s, "", 1);
}

/* --------------------------------------------------------------- atoms */

/* Atoms scoring below this go to the database as full expressions. */
#define BS_ATOM_MIN_SCORE 8

/* Common filler bytes make poor atoms: they occur everywhere. */
static unsigned byte_score(const uint8_t *v, uint32_t i)
{
	if (i && v[i] == v[i - 1])
		return 0;
	if (v[i] == 0x00 || v[i] == 0xff || v[i] == 0x90 || v[i] == 0xcc ||
	    v[i] == 0x20)
		return 1;
	return 2;
}

/* Picks the best literal stretch of RUN node nd (head offset pmin/pmax). */
static void atom_in_run(struct bs_sig *sig, const struct bs_node *nd,
			uint64_t pmin, uint64_t pmax, unsigned *best)
{
	uint32_t j = nd->a, end = nd->a + nd->b;

	while (j < end) {
		uint32_t k = j;
		unsigned score = 0;

		for (; k < end && sig->mask[k] == 0xff; k++)
			score += byte_score(sig->val, k);
		if (k > j && score > *best) {
			*best = score;
			sig->atom_off = j;
			sig->atom_len = k - j;
			sig->pmin = pmin + (j - nd->a);
			sig->pmax = pmax + (j - nd->a);
		}
		j = k + 1;
	}
}

static uint32_t alt_len(const struct bs_sig *sig, const struct bs_node *nd,
			bool longest)
{
	uint32_t m = sig->alts[nd->a].len;

	for (uint32_t j = 1; j < nd->b; j++) {
		uint32_t l = sig->alts[nd->a + j].len;

		if (longest ? l > m : l < m)
			m = l;
	}
	return m;
}

/*
 * Decides how the database finds sig: pure literals and signatures
 * without a good atom as one exact expression, the others by atom.
 */
static void choose_atom(struct bs_sig *sig)
{
	uint64_t pmin = 0, pmax = 0;
	unsigned best = 0;
	uint32_t i;

	for (i = 0; i < sig->nnodes; i++) {
		const struct bs_node *nd = &sig->nodes[i];

		if (nd->kind == BS_GAP && nd->b == BS_INF)
			break;
		if (nd->kind == BS_RUN)
			atom_in_run(sig, nd, pmin, pmax, &best);
		pmin += nd->kind == BS_RUN ? nd->b : nd->kind == BS_GAP ?
			nd->a : alt_len(sig, nd, false);
		pmax += nd->kind == BS_RUN ? nd->b : nd->kind == BS_GAP ?
			nd->b : alt_len(sig, nd, true);
	}
	sig->head_end = i;
	sig->use_atom = best >= BS_ATOM_MIN_SCORE &&
			!(sig->nnodes == 1 && sig->atom_len == sig->nodes[0].b);
}

/* ------------------------------------------------------------- compile */

struct bs_exprs {
	mde__buf text;          /* all expressions, NUL separated */
	size_t *offs;           /* start of expression i in text */
	const char **ptrs;
	unsigned *flags;
	unsigned *ids;
};

static void exprs_free(struct bs_exprs *e)
{
	free(e->text.p);
	free(e->offs);
	free(e->ptrs);
	free(e->flags);
	free(e->ids);
}

/*
 * True if a bounded gap of sig is larger than BS_RELAX_GAP.  Vectorscan
 * compiles such repeats slowly (seconds for one {0-10000} between nibble
 * classes, found by fuzz_ndb) or not at all, so they go in relaxed, in
 * prefilter mode, and every hit is verified exactly.
 */
static bool large_gap(const struct bs_sig *sig)
{
	for (uint32_t i = 0; i < sig->nnodes; i++) {
		const struct bs_node *nd = &sig->nodes[i];

		if (nd->kind == BS_GAP &&
		    (nd->a > BS_RELAX_GAP ||
		     (nd->b != BS_INF && nd->b > BS_RELAX_GAP)))
			return true;
	}
	return false;
}

static int exprs_build(struct bs_exprs *e, const mde__bytesigs *b)
{
	size_t n = b->nflt + 1;

	e->offs = calloc(n, sizeof(*e->offs));
	e->ptrs = calloc(n, sizeof(*e->ptrs));
	e->flags = calloc(n, sizeof(*e->flags));
	e->ids = calloc(n, sizeof(*e->ids));
	if (!e->offs || !e->ptrs || !e->flags || !e->ids)
		return -1;
	for (size_t i = 0; i < b->nflt; i++) {
		struct bs_sig *sig = b->flt[i];
		int rc;

		choose_atom(sig);
		e->offs[i] = e->text.len;
		if (sig->use_atom) {
			rc = put_bytes(&e->text, sig, sig->atom_off,
				       sig->atom_len) | str_add(&e->text, "", 1);
		} else if (large_gap(sig)) {
			sig->prefilter = true;
			rc = put_regex(&e->text, sig, true);
		} else {
			rc = put_regex(&e->text, sig, false);
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* Fills the arrays for hs_compile_multi() from the current b->flt. */
static void exprs_fill(struct bs_exprs *e, const mde__bytesigs *b)
{
	for (size_t i = 0; i < b->nflt; i++) {
		e->ptrs[i] = e->text.p + e->offs[i];
		const struct bs_sig *sig = b->flt[i];

		/* atoms must report every occurrence */
		e->flags[i] = HS_FLAG_DOTALL |
			      (sig->use_atom ? 0 : HS_FLAG_SINGLEMATCH) |
			      (sig->prefilter ? HS_FLAG_PREFILTER : 0);
		e->ids[i] = (unsigned)i;
	}
}

/* Removes expression i (sig and its text offset) from the set. */
static void drop_expr(mde__bytesigs *b, struct bs_exprs *e, size_t i)
{
	size_t rest = b->nflt - i - 1;

	memmove(&b->flt[i], &b->flt[i + 1], rest * sizeof(*b->flt));
	memmove(&e->offs[i], &e->offs[i + 1], rest * sizeof(*e->offs));
	b->nflt--;
	b->dropped++;
}

/*
 * Handles a compile error of expression i ("bounded repeat is too
 * large"...): first retried relaxed, in prefilter mode, and verified on
 * a match; if that fails too, reported and dropped.  Returns -1 on no
 * memory.
 */
static int refuse_expr(mde__bytesigs *b, struct bs_exprs *e, size_t i,
		       const char *msg, mde__diag *d)
{
	struct bs_sig *sig = b->flt[i];

	if (!sig->prefilter) {
		sig->prefilter = true;
		e->offs[i] = e->text.len;
		return put_regex(&e->text, sig, true);
	}
	mde__diagf(d, sig->file, sig->line, sig->name,
		   "vectorscan cannot compile the signature: %s", msg);
	drop_expr(b, e, i);
	return 0;
}

static int compile_loop(mde__bytesigs *b, struct bs_exprs *e,
			mde__diag *d, char *err, size_t errlen)
{
	hs_compile_error_t *cerr = NULL;
	int rc = MDE_OK;

	while (b->nflt) {
		exprs_fill(e, b);
		if (hs_compile_multi(e->ptrs, e->flags, e->ids,
				     (unsigned)b->nflt, HS_MODE_BLOCK, NULL,
				     &b->db, &cerr) == HS_SUCCESS)
			break;
		if (cerr->expression < 0 ||
		    (size_t)cerr->expression >= b->nflt) {
			snprintf(err, errlen, "vectorscan: %s", cerr->message);
			rc = MDE_ERR_COMPILE;
			goto out;
		}
		if (refuse_expr(b, e, (size_t)cerr->expression, cerr->message,
				d)) {
			rc = MDE_ERR_NOMEM;
			goto out;
		}
		hs_free_compile_error(cerr);
		cerr = NULL;
	}
	if (b->db && hs_alloc_scratch(b->db, &b->proto) != HS_SUCCESS)
		rc = MDE_ERR_NOMEM;
out:
	hs_free_compile_error(cerr);
	return rc;
}

/*
 * Builds b->db from b->flt.  Returns MDE_OK, MDE_ERR_NOMEM, or
 * MDE_ERR_COMPILE with the reason in err (an error not tied to one
 * expression).
 */
int bs_hs_compile(mde__bytesigs *b, mde__diag *d, char *err, size_t errlen)
{
	struct bs_exprs e = { 0 };
	int rc = MDE_ERR_NOMEM;

	if (b->nflt == 0)
		return MDE_OK;
	if (exprs_build(&e, b))
		goto out;
	rc = compile_loop(b, &e, d, err, errlen);
out:
	exprs_free(&e);
	return rc;
}

/* ------------------------------------------------------------- scratch */

/* Returns a scratch for b (compiled), or NULL when out of memory. */
mde__bytescratch *mde__bytescratch_new(const mde__bytesigs *b)
{
	mde__bytescratch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->b = b;
	s->done = malloc(b->nflt + 1);
	s->tail_from = malloc((b->nflt + 1) * sizeof(*s->tail_from));
	if (!s->done || !s->tail_from ||
	    (b->proto && hs_clone_scratch(b->proto, &s->hs) != HS_SUCCESS)) {
		mde__bytescratch_free(s);
		return NULL;
	}
	return s;
}

void mde__bytescratch_free(mde__bytescratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s->set[0].v);
	free(s->set[1].v);
	free(s->done);
	free(s->tail_from);
	free(s);
}

/* ---------------------------------------------------------------- scan */

struct bs_scanctx {
	const mde__bytesigs *b;
	mde__bytescratch *s;
	const uint8_t *buf;
	size_t len;
	int target;
	mde__bytematch_fn fn;
	void *ctx;
	int result; /* 1 stopped by fn, -1 failed */
};

/*
 * Verifies sig around an atom ending at to.  The tail (from the first
 * unbounded gap on) only needs the earliest head end, so it is searched
 * again only from an earlier position than a failed search.
 */
static int verify_atom(struct bs_scanctx *c, const struct bs_sig *sig,
		       unsigned id, size_t to)
{
	const struct bs_ivset *res;
	size_t start = to - sig->atom_len, lo, hi, e;
	int rc;

	if (start < sig->pmin)
		return 0;
	hi = start - sig->pmin;
	lo = start > sig->pmax ? start - (size_t)sig->pmax : 0;
	rc = bs_match_nodes(sig, c->s, c->buf, c->len, 0, sig->head_end, lo,
			    hi, &res);
	if (rc <= 0 || sig->head_end == sig->nnodes)
		return rc;
	e = res->v[0].lo;
	if (e >= c->s->tail_from[id])
		return 0;
	c->s->tail_from[id] = e;
	return bs_match_nodes(sig, c->s, c->buf, c->len, sig->head_end,
			      sig->nnodes, e, e, &res);
}

static int on_match(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	struct bs_scanctx *c = ctx;
	const struct bs_sig *sig = c->b->flt[id];
	int rc;

	if (!bs_target_ok(sig, c->target) || c->s->done[id])
		return 0;
	if (sig->use_atom) {
		rc = verify_atom(c, sig, id, (size_t)to);
		if (rc <= 0) {
			c->result = rc;
			return rc < 0;
		}
	} else if (sig->prefilter) {
		/* SINGLEMATCH: this is the only call, so check everywhere */
		rc = c->len < sig->minlen ? 0 :
		     bs_match(sig, c->s, c->buf, c->len, 0,
			      c->len - sig->minlen);
		if (rc <= 0) {
			c->result = rc;
			return rc < 0;
		}
	}
	c->s->done[id] = 1;
	if (c->fn(c->ctx, sig->name)) {
		c->result = 1;
		return 1;
	}
	return 0;
}

int bs_hs_scan(const mde__bytesigs *b, mde__bytescratch *s,
	       const uint8_t *buf, size_t len, int target,
	       mde__bytematch_fn fn, void *ctx)
{
	struct bs_scanctx c = { b, s, buf, len, target, fn, ctx, 0 };
	hs_error_t err;

	if (!b->db || len == 0)
		return 0;
	if (!s->hs || len > UINT_MAX)
		return -1;
	memset(s->done, 0, b->nflt);
	memset(s->tail_from, 0xff, b->nflt * sizeof(*s->tail_from));
	err = hs_scan(b->db, (const char *)buf, (unsigned)len, 0, s->hs,
		      on_match, &c);
	if (err != HS_SUCCESS && err != HS_SCAN_TERMINATED)
		return -1;
	return c.result;
}
