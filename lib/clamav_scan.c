/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_scan.c - evaluating a body or logical signature that the
 * database chose for a buffer: the target description block, the match
 * starts of each hex subsignature (around its atom hits, or over its
 * offset range), macros, byte compares, PCRE, then the logic.
 *
 * Matches are counted as clamscan counts them: each distinct start,
 * taken in order (an overlapping match counts, a repeated start not).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

static int add_off(mde__clamscratch *s, unsigned i, uint64_t off)
{
	if (mde__grow((void **)&s->offs[i], &s->capoffs[i], s->noffs[i] + 1,
		      sizeof(uint64_t)))
		return -1;
	s->offs[i][s->noffs[i]++] = off;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_unique(mde__clamscratch *s, unsigned i)
{
	size_t n = 0;

	if (s->noffs[i] < 2)
		return;
	qsort(s->offs[i], s->noffs[i], sizeof(uint64_t), cmp_u64);
	for (size_t k = 1; k < s->noffs[i]; k++)
		if (s->offs[i][k] != s->offs[i][n])
			s->offs[i][++n] = s->offs[i][k];
	s->noffs[i] = n + 1;
}

/* The first atom hit of pattern pid in s->hits (sorted), or nhits. */
static size_t first_hit(const mde__clamscratch *s, uint32_t pid)
{
	size_t lo = 0, hi = s->nhits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->hits[mid].pat < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Starts of p around its atom hits, inside [lo, hi]. */
static int by_atoms(mde__clamscratch *s, const struct cl_pat *p, unsigned i,
		    const struct cl_fctx *f, uint64_t lo, uint64_t hi,
		    size_t want)
{
	for (size_t k = first_hit(s, p->id);
	     k < s->nhits && s->hits[k].pat == p->id; k++) {
		uint64_t a = s->hits[k].end - p->atom_len, from, to;

		if (a < p->pmin)
			continue;
		to = a - p->pmin;
		from = a > p->pmax ? a - p->pmax : 0;
		from = from < lo ? lo : from;
		to = to > hi ? hi : to;
		for (uint64_t st = from; st <= to; st++) {
			int rc = cl_pat_match_at(p, &s->m, f->buf, f->len,
						 (size_t)st);

			if (rc < 0 || (rc && add_off(s, i, st)))
				return -1;
			if (rc && want == 1)
				return 0;
		}
	}
	return 0;
}

/* Starts of p inside [lo, hi], by searching the buffer. */
static int by_search(mde__clamscratch *s, const struct cl_pat *p,
		     unsigned i, const struct cl_fctx *f, uint64_t lo,
		     uint64_t hi, size_t want)
{
	size_t tail_fail = SIZE_MAX, st;

	while (lo <= hi && lo <= f->len) {
		int rc = cl_pat_find(p, &s->m, f->buf, f->len, (size_t)lo,
				     hi > f->len ? f->len : (size_t)hi, &st,
				     &tail_fail);

		if (rc <= 0)
			return rc;
		if (add_off(s, i, st))
			return -1;
		if (want && s->noffs[i] >= want)
			return 0;
		lo = st + 1;
	}
	return 0;
}

static int pat_starts(mde__clamscratch *s, const struct cl_pat *p,
		      const struct cl_off *off, unsigned i,
		      const struct cl_fctx *f, size_t want)
{
	uint64_t lo, hi;

	if (off->type == CO_VI) {
		for (uint32_t k = 0; f->exe && k < f->exe->nvi; k++) {
			int rc = cl_pat_match_at(p, &s->m, f->buf, f->len,
						 (size_t)f->exe->vi[k]);

			if (rc < 0 || (rc && add_off(s, i, f->exe->vi[k])))
				return -1;
		}
		return 0;
	}
	if (cl_off_range(off, f, &lo, &hi))
		return 0;
	if (!p->dropped && !p->untrig && s->patn[p->id] == 0)
		return 0; /* the database saw no trace of it */
	if (p->use_atom && !p->dropped && !p->untrig &&
	    cl_hits_complete(s, p->id))
		return by_atoms(s, p, i, f, lo, hi, want);
	return by_search(s, p, i, f, lo, hi, want);
}

int cl_sub_matches(const mde__clam *c, mde__clamscratch *s,
		   const struct cl_sig *sig, unsigned i,
		   const struct cl_fctx *f, size_t want)
{
	const struct cl_sub *sub = &sig->sub[i];

	s->noffs[i] = 0;
	for (unsigned v = 0; v < sub->npat; v++)
		if (pat_starts(s, sub->pat[v], &sub->off, i, f, want))
			return -1;
	sort_unique(s, i);
	return 0;
}

static int in_range(const uint64_t r[2], uint64_t v)
{
	return v >= r[0] && v <= r[1];
}

/* The target description block's conditions on the file. */
static int tdb_ok(const struct cl_sig *sig, const struct cl_fctx *f)
{
	if (sig->has_fsize && !in_range(sig->fsize, f->len))
		return 0;
	if (sig->has_ep && (!f->exe || !f->exe->has_ep ||
			    !in_range(sig->ep, f->exe->ep)))
		return 0;
	if (sig->has_nsect && (!f->exe || !in_range(sig->nsect,
						    f->exe->nsect_all)))
		return 0;
	if (sig->container) {
		if (!strcmp(sig->container, "CL_TYPE_ANY"))
			return f->depth == 0;
		if (!f->container || strcmp(sig->container, f->container))
			return 0;
	}
	if (sig->inter && f->depth == 0)
		return 0;
	return 1;
}

static int eval_logical(const mde__clam *c, mde__clamscratch *s,
			const struct cl_sig *sig, const struct cl_fctx *f)
{
	uint32_t cnt[CL_MAXSUB] = { 0 };
	unsigned i;

	if (!tdb_ok(sig, f))
		return 0;
	for (i = 0; i < sig->nsub; i++) {
		const struct cl_sub *sub = &sig->sub[i];

		if (sub->kind != CS_HEX)
			continue;
		if (cl_sub_matches(c, s, sig, i, f, 0))
			return -1;
		cnt[i] = (uint32_t)s->noffs[i];
	}
	for (i = 1; i < sig->nsub; i++)
		if (sig->sub[i].kind == CS_MACRO &&
		    cl_macro_eval(c, s, sig, i, f, cnt))
			return -1;
	for (i = 0; i < sig->nsub; i++)
		if (sig->sub[i].kind == CS_BCOMP)
			cnt[i] = cl_bcomp_eval(sig->sub[i].bc, s, f);
	for (i = 0; i < sig->nsub; i++)
		if (sig->sub[i].kind == CS_PCRE &&
		    cl_pcre_eval(&sig->sub[i], s, f, cnt, &cnt[i]))
			return -1;
	return cl_logic_eval(&sig->logic, cnt) ? 1 : 0;
}

int cl_eval_sig(const mde__clam *c, mde__clamscratch *s,
		const struct cl_sig *sig, const struct cl_fctx *f)
{
	if (!(s->targets & (1 << sig->target)) || sig->macro_member)
		return 0;
	if (sig->logic.n)
		return eval_logical(c, s, sig, f);
	if (cl_sub_matches(c, s, sig, 0, f, 1))
		return -1;
	return s->noffs[0] != 0;
}
