/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - mdescan's verbs, one table of them.
 *
 * `mdescan VERB ...` runs the verb's row with argv[0] the verb; anything
 * else is a scan (cmd_scan.c), so that `mdescan PATH...` needs no verb.
 * Every verb lives in its own cmd_<verb>.c (cmd.h).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "cmd.h"
#include "util.h"
#include "banned.h"

/* `mdescan scan list`; scanning itself is the verb-less row of verbs[] */
static const struct cmd scan_verbs[] = {
	{ "list", cmd_scan_list, NULL, "list the scans recorded" },
	{ NULL, NULL, NULL, NULL }
};

/* Sorted by name; the scan, which needs no verb, last. */
static const struct cmd verbs[] = {
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
 * Runs the verb argv[1] names, with argv[0] the verb; the verb of a row
 * with sub-verbs is the one argv[2] names.  Anything else is a scan, with
 * argv as given.  A verb with sub-verbs is one only when one of them
 * follows: a directory named "threat" is still scanned as ./threat.
 */
int main(int argc, char **argv)
{
	const struct cmd *v = argc > 1 ? cmd_find(verbs, argv[1]) : NULL;

	tool_set_name("mdescan");
	if (v && v->sub) {
		v = argc > 2 ? cmd_find(v->sub, argv[2]) : NULL;
		if (v)
			return v->run(argc - 2, argv + 2);
	}
	if (v)
		return v->run(argc - 1, argv + 1);
	/* the row without a name */
	return verbs[sizeof(verbs) / sizeof(verbs[0]) - 1].run(argc, argv);
}
