/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_yaralit.c - libFuzzer harness for the required-literal analysis of
 * YARA rules (yaralit.c, over yarasel.c's lexer and splitter); no libyara
 * or Vectorscan needed.
 *
 * Input: arbitrary rule source text (not NUL terminated).  Runs the string
 * and condition analyses on the whole input and every rule of its split,
 * and checks invariants that hold for any input:
 *   - every literal lies inside the pool and is not empty;
 *   - a result of 0 appends nothing;
 *   - a rule is filterable only if its condition needs a string;
 *   - a hex string's literal is at least 3 bytes, a wide one even-sized.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yaralit.h"

static void check_lits(const mde__ylits *l, size_t from)
{
	size_t i;

	for (i = from; i < l->n; i++)
		if (l->v[i].len == 0 || l->v[i].off > l->plen ||
		    l->v[i].len > l->plen - l->v[i].off)
			abort();
}

static void one_def(const char *s, size_t n, mde__ylits *l)
{
	size_t n0 = l->n;
	int rc = mde__ystring_lits(s, n, l);

	if (rc < 0)
		abort();
	if (rc == 0 && l->n != n0)
		abort();
	if (rc == 1 && l->n == n0)
		abort();
	if (rc == 1 && n > 0 && s[0] == '{' && l->v[n0].len < 3)
		abort();
	check_lits(l, n0);
}

static void one_rule(const char *s, const mde__yrule *r, mde__ylits *l)
{
	size_t n0 = l->n;
	int rc = mde__yrule_lits(s, r, l);

	if (rc < 0)
		abort();
	if (rc == 0 && l->n != n0)
		abort();
	if (rc == 1 && (l->n == n0 ||
			!mde__ycond_needs_string(s + r->cond_off, r->cond_len)))
		abort();
	check_lits(l, n0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	mde__ylits l = { 0 };
	mde__ysrc src;
	size_t i;

	(void)mde__ycond_needs_string(s, size);
	one_def(s, size, &l);
	if (mde__ysrc_split(s, size, &src) != 0)
		abort();
	for (i = 0; i < src.nrules; i++)
		one_rule(s, &src.rules[i], &l);
	mde__ysrc_release(&src);
	mde__ylits_release(&l);
	return 0;
}
