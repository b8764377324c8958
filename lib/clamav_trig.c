/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_trig.c - which hex subsignatures of a logical signature go into
 * the Vectorscan database: a set of subsignatures at least one of which
 * matches whenever the logic holds (its trigger set).  "0&1&...&7" needs
 * only its best subsignature in the database, "0|1" both, "(0|1)>2" both;
 * a logic that can hold with no match at all ("0<1", "0=0") has none and
 * is evaluated on every file of its target.  The others are searched only
 * in the files where the trigger set matched, so the database holds about
 * one pattern per signature (daily's 8-subsignature conjunctions: an
 * eighth of the patterns).
 */
#include "config.h"

#include "clamav_int.h"
#include "banned.h"

#define NONE UINT64_MAX /* no trigger set: the logic can hold unmatched */

/* A cost of a set: its patterns, the weak ones (no atom) counting more. */
static unsigned cost(const struct cl_sig *sig, uint64_t set)
{
	unsigned c = 0;

	for (unsigned i = 0; i < sig->nsub; i++)
		for (unsigned v = 0; (set >> i & 1) && v < sig->sub[i].npat;
		     v++)
			c += sig->sub[i].pat[v]->use_atom ? 1 : 16;
	return c;
}

/* Subsignatures named under node n (for a block's count). */
static uint64_t leaves(const struct cl_logic *lg, int32_t n)
{
	const struct cl_lnode *x = &lg->n[n];

	if (x->kind == CL_LEAF)
		return (uint64_t)1 << x->sub;
	return leaves(lg, x->l) | leaves(lg, x->r);
}

/* True if a count held to mod/v1 is at least one. */
static int needs_one(char mod, uint32_t v1)
{
	return !mod || mod == '>' || (mod == '=' && v1 > 0);
}

static uint64_t need(const struct cl_sig *sig, int32_t n)
{
	const struct cl_lnode *x = &sig->logic.n[n];
	uint64_t l, r, all;

	if (x->kind == CL_LEAF)
		return needs_one(x->mod, x->v1) &&
		       sig->sub[x->sub].kind == CS_HEX
		       ? (uint64_t)1 << x->sub : NONE;
	if (x->mod) {
		/* the block's count is of its hex subsignatures only if
		 * every one under it is hex */
		if (!needs_one(x->mod, x->v1))
			return NONE;
		all = leaves(&sig->logic, n);
		for (unsigned i = 0; i < sig->nsub; i++)
			if ((all >> i & 1) && sig->sub[i].kind != CS_HEX)
				return NONE;
		return all;
	}
	l = need(sig, x->l);
	r = need(sig, x->r);
	if (x->kind == CL_OR)
		return l == NONE || r == NONE ? NONE : l | r;
	if (l == NONE)
		return r;
	if (r == NONE)
		return l;
	return cost(sig, l) <= cost(sig, r) ? l : r;
}

uint64_t cl_trigger_set(const struct cl_sig *sig)
{
	if (!sig->logic.n)
		return sig->macro_member ? NONE : 1;
	return need(sig, sig->logic.root);
}
