/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd.h - mdescan's verbs.  Each is a cmd_<verb>(argc, argv) in its own
 * file, argv[0] being the verb itself and its options and operands
 * following, as git's builtin/<name>.c; main.c dispatches through one
 * table of them.  Every one returns the exit status: 0 done, 1 what the
 * verb reports (threats found, not healthy), 2 an error (a message on
 * stderr).
 */
#ifndef MDESCAN_CMD_H
#define MDESCAN_CMD_H

/* One row of a table of verbs; a table ends with a row whose name is
 * NULL. */
struct cmd {
	const char *name;
	int (*run)(int argc, char **argv); /* NULL when sub is set */
	/* the verbs under this one (threat list, threat get...), run with
	 * argv[0] their own name; NULL when it has none */
	const struct cmd *sub;
	const char *summary; /* one line */
};

/* The row of table named name, or NULL. */
const struct cmd *cmd_find(const struct cmd *table, const char *name);

/* `mdescan [options] PATH...` (cmd_scan.c): scans.  argv[0] is the
 * program's name; every option of mdescan(1) may follow. */
int cmd_scan(int argc, char **argv);

/* `mdescan scan list` (cmd_history.c): argv[0] is "list". */
int cmd_scan_list(int argc, char **argv);

/* `mdescan threat VERB`'s verbs (cmd_threat.c). */
extern const struct cmd threat_verbs[];

/* `mdescan threat list|get` (cmd_history.c): argv[0] is the verb. */
int cmd_threat_list(int argc, char **argv);
int cmd_threat_get(int argc, char **argv);

/* `mdescan threat allowed add|remove|list` (cmd_threat.c): argv[0] is
 * "allowed". */
int cmd_threat_allowed(int argc, char **argv);

/*
 * `mdescan threat quarantine add|list|restore|remove|export|purge`
 * (cmd_quarantine.c): argv[0] is the quarantine verb ("list"), options
 * follow.  The exit status: 0 done, 2 error (a message on stderr).  Also
 * run by tests/cli/vault-tool, without the engine.
 */
int cmd_quarantine(int argc, char **argv);

/* The vault when --vault is not given: the configuration's
 * quarantine_dir (set by the caller), else VAULT_DEFAULT_DIR. */
extern const char *quarantine_default_vault;

/* The history the hook below updates: the configuration's history_db
 * (set by the caller), or --history-db (--db); NULL: the default one. */
extern const char *quarantine_history_db;

/* Called by cmd_quarantine() after a restore (removed 0), a remove and
 * for every entry a purge removed (removed 1), for the history to follow;
 * NULL (the default) for none. */
extern void (*quarantine_state_hook)(const char *id, int removed);

/* Runs `threat quarantine add`: quarantines into vault the file of
 * threat_id of the history and records it, the new vault id in qid.
 * Returns 0, 1 done with warnings in err, -1 refused or failed (the
 * reason, naming the threat, in err).  NULL (vault-tool): add fails. */
extern int (*quarantine_add_hook)(const char *vault, long long threat_id,
				  char *qid, size_t qlen, char *err,
				  size_t errlen);

/* `mdescan definitions update|rollback|status` (cmd_definitions.c):
 * argv[0] is "definitions". */
int cmd_definitions(int argc, char **argv);

/* `mdescan connectivity test` (cmd_connectivity.c): argv[0] is "test".
 * 0 the mirror is reachable and its bundle verifies, 1 not, 2 error. */
int cmd_connectivity_test(int argc, char **argv);

/* `mdescan exclusion add|remove|list` (cmd_exclusion.c): argv[0] is
 * "exclusion". */
int cmd_exclusion(int argc, char **argv);

/*
 * `mdescan health [--field NAME] [--json] [options]` (cmd_health.c):
 * argv[0] is "health".  0 healthy, 1 not healthy, 2 error.
 */
int cmd_health(int argc, char **argv);

/*
 * `mdescan diagnostic create [--output FILE] [options]` (cmd_diagnostic.c):
 * argv[0] is "diagnostic".  Writes one .tar.gz with what support needs
 * (never a private key, never a quarantined file) and prints its path.
 */
int cmd_diagnostic(int argc, char **argv);

#endif
