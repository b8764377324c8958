/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaralit.h - required literals of YARA rules (internal), for the literal
 * prefilter of the YARA stage: a rule is "filterable" when every string it
 * defines contains a literal that every match of the string must contain,
 * and its condition cannot be true unless at least one of its strings
 * matches.  A file in which none of those literals occurs then cannot
 * match the rule, and libyara need not scan it.
 *
 * Everything here is conservative: what is not recognised makes a rule
 * not filterable.
 */
#ifndef MDE_YARALIT_H
#define MDE_YARALIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yarasel.h"

/* One required literal: pool[off..off+len), ASCII-caseless or not. */
typedef struct mde__ylit {
	size_t off, len;
	bool caseless;
} mde__ylit;

/* A growing list of literals and the bytes they point into. */
typedef struct mde__ylits {
	mde__ylit *v;
	size_t n, cap;
	uint8_t *pool;
	size_t plen, pcap;
} mde__ylits;

void mde__ylits_release(mde__ylits *l); /* contents; NULL allowed */

/*
 * Appends to out the required literals of one string definition def[0..len)
 * (the value after '=' and its modifiers, e.g. "\"abc\" wide nocase").
 * Returns 1 when the string has them, 0 when not (nothing appended), -1
 * when out of memory.
 */
int mde__ystring_lits(const char *def, size_t len, mde__ylits *out);

/*
 * Whether the condition cond[0..len) can be true only when at least one
 * string of the rule matches.  False for anything not recognised.
 */
bool mde__ycond_needs_string(const char *cond, size_t len);

/*
 * Appends the required literals of rule r of src (from mde__ysrc_split())
 * when the rule is filterable.  Returns 1 filterable, 0 not (nothing
 * appended), -1 when out of memory.
 */
int mde__yrule_lits(const char *src, const mde__yrule *r, mde__ylits *out);

#endif /* MDE_YARALIT_H */
