/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_edit.c - what `mdescan exclusion` and `threat allowed` edit the
 * configuration with (cmd_exclusion.c), besides the line parser: a
 * setting written so that it reads back the same, and whether two values
 * say the same thing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "banned.h"

/* Must v be quoted to read back the same? */
static int needs_quotes(const char *v)
{
	size_t n = strlen(v);

	return n == 0 || mdecfg__is_ws(v[0]) || mdecfg__is_ws(v[n - 1]) ||
	       v[0] == '"' || strchr(v, '#') != NULL;
}

char *mdecfg_format(const struct mdecfg_key *key, const char *value)
{
	size_t n = strlen(key->name) + 2 * strlen(value) + 8, o;
	char *s = malloc(n);
	const char *p;

	if (!s)
		return NULL;
	o = (size_t)snprintf(s, n, "%s = ", key->name);
	if (!needs_quotes(value)) {
		snprintf(s + o, n - o, "%s\n", value);
		return s;
	}
	s[o++] = '"';
	for (p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			s[o++] = '\\';
		s[o++] = *p;
	}
	memcpy(s + o, "\"\n", 3);
	return s;
}

/* Is a[0..] the same as b[0..] once runs of '/' count as one? */
static int same_path(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a != *b)
			return 0;
		if (*a == '/') {
			while (*a == '/')
				a++;
			while (*b == '/')
				b++;
		} else {
			a++;
			b++;
		}
	}
	return *a == *b;
}

int mdecfg_same(const struct mdecfg_key *key, const char *a, const char *b)
{
	switch (key->type) {
	case MDECFG_PATTERN:
		return same_path(a, b);
	case MDECFG_EXT:
		return strcmp(mdecfg__ext_core(a), mdecfg__ext_core(b)) == 0;
	default:
		return strcmp(a, b) == 0;
	}
}
