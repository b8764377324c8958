/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - mdescan's verbs, one table of them.
 *
 * `mdescan VERB ...` runs the verb's row with argv[0] the verb; anything
 * else is a scan (cmd_scan.c), so that `mdescan PATH...` needs no verb.
 * A word that is no verb and no file (`mdescan help`, `mdescan threats
 * list`) and a verb missing its sub-verb (`mdescan threat`) are usage
 * errors naming the verbs: never a scan of ./threat.  A file named as a
 * verb is scanned as ./NAME or after --.  Every verb lives in its own
 * cmd_<verb>.c (cmd.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "util.h"
#include "banned.h"

/* `mdescan scan list`; scanning itself is the verb-less row of verbs[] */
static const struct cmd scan_verbs[] = {
	{ "list", cmd_scan_list, NULL, "list the scans recorded" },
	{ NULL, NULL, NULL, NULL }
};

/* `mdescan connectivity test` */
static const struct cmd connectivity_verbs[] = {
	{ "test", cmd_connectivity_test, NULL,
	  "check that the definitions mirror answers and its bundle verifies" },
	{ NULL, NULL, NULL, NULL }
};

/* Sorted by name; the scan, which needs no verb, last. */
static const struct cmd verbs[] = {
	{ "connectivity", NULL, connectivity_verbs,
	  "check the definitions mirror" },
	{ "definitions", cmd_definitions, NULL,
	  "install, roll back or show the installed definitions" },
	{ "diagnostic", cmd_diagnostic, NULL,
	  "collect what support needs into one archive" },
	{ "exclusion", cmd_exclusion, NULL,
	  "add, remove or list the exclusions of the configuration" },
	{ "health", cmd_health, NULL,
	  "report the scanner's state on this host" },
	{ "scan", NULL, scan_verbs, "list the scans recorded" },
	{ "threat", NULL, threat_verbs,
	  "list, show, quarantine or allow threats" },
	{ NULL, cmd_scan, NULL, "scan files and directories" },
};

const struct cmd *cmd_find(const struct cmd *table, const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

/*
 * Whether s is meant as a verb rather than a path: a word of small
 * letters and '-' naming no file here.
 */
static int looks_like_verb(const char *s)
{
	struct stat sb;
	const char *p;

	if (!*s || *s == '-')
		return 0;
	for (p = s; *p; p++)
		if ((*p < 'a' || *p > 'z') && *p != '-')
			return 0;
	return stat(s, &sb) != 0;
}

static void list_verbs(FILE *fp, const struct cmd *t)
{
	for (; t->name; t++)
		fprintf(fp, "  %-12s %s\n", t->name, t->summary);
}

/* `mdescan VERB --help` of a verb with sub-verbs: stdout, 0. */
static int verb_help(const char *verb, const struct cmd *t)
{
	printf("usage: mdescan %s COMMAND [options]\n\ncommands:\n", verb);
	list_verbs(stdout, t);
	printf("\nmdescan %s COMMAND --help shows a command's options.\n",
	       verb);
	return 0;
}

/*
 * A missing (name NULL) or unknown verb under parent (NULL: the top):
 * the valid ones on stderr, 2.
 */
static int verb_error(const char *parent, const char *name,
		      const struct cmd *t)
{
	if (!name)
		tool_warn("%s: a command is needed", parent);
	else
		tool_warn("unknown command '%s%s%s'", parent ? parent : "",
			  parent ? " " : "", name);
	fputs("the commands are:\n", stderr);
	list_verbs(stderr, t);
	fprintf(stderr, "A file named as a command is scanned as ./NAME (or "
		"after --).\nSee 'mdescan%s%s --help' for the usage.\n",
		parent ? " " : "", parent ? parent : "");
	return 2;
}

/*
 * Runs the verb argv[1] names, with argv[0] the verb; the verb of a row
 * with sub-verbs is the one argv[2] names.  Anything else is a scan, with
 * argv as given.
 */
int main(int argc, char **argv)
{
	const struct cmd *v = argc > 1 ? cmd_find(verbs, argv[1]) : NULL;
	const struct cmd *top = v;

	tool_set_name("mdescan");
	if (v && v->sub) {
		if (argc > 2 && (!strcmp(argv[2], "--help") ||
				 !strcmp(argv[2], "-h")))
			return verb_help(top->name, top->sub);
		v = argc > 2 ? cmd_find(v->sub, argv[2]) : NULL;
		if (!v)
			return verb_error(top->name, argc > 2 ? argv[2] : NULL,
					  top->sub);
		return v->run(argc - 2, argv + 2);
	}
	if (v)
		return v->run(argc - 1, argv + 1);
	if (argc > 1 && looks_like_verb(argv[1]))
		return verb_error(NULL, argv[1], verbs);
	/* the row without a name */
	return verbs[sizeof(verbs) / sizeof(verbs[0]) - 1].run(argc, argv);
}
