/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaraclause.h - the clause of a YARA condition (internal, yaralit.c):
 * a set of the rule's strings at least one of which matches whenever the
 * condition is true, the cheapest the condition implies.
 */
#ifndef MDE_YARACLAUSE_H
#define MDE_YARACLAUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yaralit.h"

#define MDE__YMAXSTR 256 /* strings a filterable rule may have */

struct mde__ysset {
	uint64_t w[MDE__YMAXSTR / 64];
};

/* One string of the rule: its name (after the sigil) and literals. */
struct mde__ysdef {
	size_t name_off, name_len; /* in the rule's source */
	size_t lit0, nlit;         /* in the rule's literal list */
	double cost;               /* how likely a file holds a literal */
	bool lits;                 /* every match contains one of them */
};

/* The rule's strings, or none known (str NULL: every name and set
 * stands for one string that has literals). */
struct mde__ystab {
	const char *s;
	const struct mde__ysdef *str;
	size_t n;
};

struct mde__yclause {
	struct mde__ysset set;
	bool iter; /* also "the string a for-of loop iterates" */
};

bool mde__ysset_has(const struct mde__ysset *x, size_t i);

/* The clause of the condition cond[0..len) over the strings st into
 * *out; false when it has none. */
bool mde__ycond_clause(const char *cond, size_t len,
		       const struct mde__ystab *st, struct mde__yclause *out);

#endif
