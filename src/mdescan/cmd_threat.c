/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_threat.c - `mdescan threat VERB`: the threats found, from the
 * history (list, get: cmd_history.c), the vault (quarantine:
 * cmd_quarantine.c) and the configuration (allowed, below).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cfgedit.h"
#include "cli.h"
#include "cmd.h"
#include "mdecfg.h"
#include "scanrec.h"
#include "banned.h"

static void quarantine_state(const char *id, int removed)
{
	scanrec_quarantine_state_in(quarantine_history_db, id, removed);
}

static int quarantine_add(const char *vault, long long threat_id, char *qid,
			  size_t qlen, char *err, size_t errlen)
{
	return scanrec_quarantine_add(quarantine_history_db, vault, threat_id,
				      qid, qlen, err, errlen);
}

/* argv[0] is "quarantine": the vault's verb follows. */
static int cmd_threat_quarantine(int argc, char **argv)
{
	struct cli_conf cf;

	if (cli_conf_read(argc, argv, &cf))
		return 2;
	quarantine_default_vault = cf.qdir;
	quarantine_history_db = cf.history_db;
	/* a restored file is a threat again: the history follows */
	quarantine_state_hook = quarantine_state;
	quarantine_add_hook = quarantine_add;
	return cmd_quarantine(argc - 1, argv + 1);
}

/* Sorted by name. */
const struct cmd threat_verbs[] = {
	{ "allowed", cmd_threat_allowed, NULL,
	  "add, remove or list the threats never reported" },
	{ "get", cmd_threat_get, NULL, "show one threat recorded" },
	{ "list", cmd_threat_list, NULL, "list the threats recorded" },
	{ "quarantine", cmd_threat_quarantine, NULL,
	  "add, list, restore, remove, export or purge quarantined files" },
	{ NULL, NULL, NULL, NULL }
};

/* ---------------------------------------------------- allowed threats */

/* allowed_threat lines: edited as exclusions are */
static const struct cfgedit_kind allowed = { "threat", "allowed_threat",
					     "threat", "allowed",
					     "allowed threat" };

static const char allowed_text[] =
	"usage: mdescan threat allowed add|remove NAME|SHA256 "
	"[--config FILE]\n"
	"       mdescan threat allowed list [--json] [--config FILE]\n"
	"A file matched by several names stays reported until each is "
	"allowed: a scan\nnames one still in force first, and "
	"`mdescan --allmatch PATH` lists them all.\n";

static int allowed_usage(void)
{
	fputs(allowed_text, stderr);
	return 2;
}

/*
 * `mdescan threat allowed add|remove NAME|SHA256 [--config FILE]` and
 * `list [--json]`: the allowed_threat lines of the configuration.
 */
int cmd_threat_allowed(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	struct cfgedit o = { .kind = &allowed };
	const char *path;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h')
			return fputs(allowed_text, stdout) < 0 ? 2 : 0;
		if (c == 'c')
			o.config = optarg;
		else if (c == 'J')
			o.json = 1;
		else
			return allowed_usage();
	}
	if (optind >= argc)
		return allowed_usage();
	o.verb = argv[optind];
	path = o.config ? o.config : mdecfg_default_path();
	if (!strcmp(o.verb, "list") && optind == argc - 1)
		return cfgedit_list(&o, path, &allowed, 1);
	if ((strcmp(o.verb, "add") && strcmp(o.verb, "remove")) ||
	    optind != argc - 2 || o.json)
		return allowed_usage();
	o.value = argv[optind + 1];
	return cfgedit_edit(&o, path);
}
