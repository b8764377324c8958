/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cfgedit.h - lines of the configuration file added, removed and listed
 * in place (cfgedit.c): `mdescan exclusion` and `mdescan threat allowed`.
 */
#ifndef MDESCAN_CFGEDIT_H
#define MDESCAN_CFGEDIT_H

#include <stddef.h>

/* A kind of line: the key it sets, and how the tool names it. */
struct cfgedit_kind {
	const char *opt;   /* the option giving a value: "path" (--path) */
	const char *key;   /* the configuration key: "exclude_path" */
	const char *type;  /* its name in a list: "path" */
	const char *state; /* what a value set is: "excluded", "allowed" */
	const char *noun;  /* in messages: "exclusion", "allowed threat" */
};

/* One edit or list, as the command line asked for it. */
struct cfgedit {
	const char *verb;   /* "add", "remove" or "list" */
	const char *config; /* --config, NULL: mdecfg_default_path() */
	const struct cfgedit_kind *kind;
	const char *value;  /* add, remove: the value */
	int json;           /* list: a JSON array */
};

/*
 * Adds or removes (o->verb) o->kind = o->value in the file path, locked,
 * the whole configuration loading before and after.  Returns the exit
 * status: 0 done, 2 not (a message on stderr).
 */
int cfgedit_edit(const struct cfgedit *o, const char *path);

/* Lists the values of the kinds ks[0..nk) of the configuration at path,
 * with where they are set.  Returns 0, or 2 with a message. */
int cfgedit_list(const struct cfgedit *o, const char *path,
		 const struct cfgedit_kind *ks, size_t nk);

#endif
