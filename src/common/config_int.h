/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_int.h - what the files of the configuration (mdecfg.h) share:
 * the configuration read, and the value helpers the parser and the
 * editor use.  The files are listed in config.c.
 */
#ifndef MDESCAN_CONFIG_INT_H
#define MDESCAN_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mdecfg.h"
#include "util.h"

struct mdecfg {
	struct mdecfg_val *v; /* every value, in file order */
	size_t n, cap;
	struct tool_strv files; /* names of the files read */
	size_t *last; /* per key: 1 + index in v of its last value, or 0 */
};

/* Blanks between a key, its '=' and its value. */
static inline int mdecfg__is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) for a message, into out: at most 60 bytes, odd bytes as '?'. */
void mdecfg__shown(char *out, size_t outlen, const char *s, size_t n);

/* Checks s against k's type: 0 with *num set as in mdecfg_val, or -1
 * with the reason in why (which may be NULL). */
int mdecfg__check(const struct mdecfg_key *k, const char *s, int64_t *num,
		  char *why, size_t whylen);

/* An extension without its "*." or "." prefix. */
const char *mdecfg__ext_core(const char *s);

#endif
