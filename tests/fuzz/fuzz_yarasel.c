/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_yarasel.c - libFuzzer harness for the YARA rule splitter and
 * condition classifier (yarasel.c); no libyara needed.
 *
 * Input: arbitrary rule source text (not NUL terminated).  Besides running
 * both entry points, checks invariants that hold for any input:
 *   - every rule lies inside the input, in order, and holds its name and
 *     its condition;
 *   - a rule's text starts with "rule", "private" or "global" and ends
 *     with '}';
 *   - a classification has only known class bits, and a non-empty class
 *     set comes with lo <= hi;
 *   - splitting a rule's own text again gives that one rule, classified
 *     the same (imports aside).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yarasel.h"

static void check_cls(const mde__ycls *k)
{
	if (k->classes & ~(unsigned)MDE__YC_ALL)
		abort();
	if (k->classes && k->lo > k->hi)
		abort();
}

static void check_rule(const char *s, size_t n, const mde__yrule *r,
		       size_t prev_end)
{
	if (r->off < prev_end || r->len > n - r->off || r->len < 2)
		abort();
	if (r->name_off < r->off || r->name_off + r->name_len > r->off + r->len)
		abort();
	if (r->cond_off < r->name_off ||
	    r->cond_off + r->cond_len >= r->off + r->len)
		abort();
	if (s[r->off + r->len - 1] != '}' ||
	    (s[r->off] != 'r' && s[r->off] != 'p' && s[r->off] != 'g'))
		abort();
	check_cls(&r->cls);
}

static void resplit(const char *s, const mde__ysrc *src, const mde__yrule *r)
{
	mde__ysrc one;

	if (mde__ysrc_split(s + r->off, r->len, &one) != 0)
		abort();
	if (one.whole || one.nrules != 1 ||
	    (!src->imports && (one.rules[0].cls.classes != r->cls.classes ||
			       one.rules[0].cls.lo != r->cls.lo ||
			       one.rules[0].cls.hi != r->cls.hi)))
		abort();
	mde__ysrc_release(&one);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	mde__ysrc src;
	mde__ycls k;
	size_t i, end = 0;

	mde__ycond_classify(s, size, MDE__YI_PE | MDE__YI_ELF, &k);
	check_cls(&k);
	(void)mde__yclass_of(data, size);
	if (mde__ysrc_split(s, size, &src) != 0)
		abort();
	for (i = 0; i < src.nrules; i++) {
		check_rule(s, size, &src.rules[i], end);
		end = src.rules[i].off + src.rules[i].len;
		if (!src.rules[i].is_private && !src.rules[i].is_global &&
		    !src.rules[i].cls.refs)
			resplit(s, &src, &src.rules[i]);
	}
	if (src.nimp > sizeof(src.imp_off) / sizeof(src.imp_off[0]))
		abort();
	mde__ysrc_release(&src);
	return 0;
}
