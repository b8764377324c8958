/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_quarantine.c - `mdescan threat quarantine VERB`: the vault (vault.c)
 * from the command line.  One table of verbs, each with the options it
 * takes; the options themselves are parsed once for all.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "output.h"
#include "util.h"
#include "vault.h"
#include "banned.h"

#define DEFAULT_PASSWORD "infected"
#define DEFAULT_DAYS 90

enum {
	O_DEST = 1, O_FORCE = 2, O_JSON = 4, O_DAYS = 8, O_OUTPUT = 16,
	O_PASSWORD = 32, O_VAULT = 64, O_ID = 128, O_CONFIG = 256,
	O_HISTORY = 512
};

const char *quarantine_default_vault = VAULT_DEFAULT_DIR;
const char *quarantine_history_db;

struct qopts {
	const char *vault, *dest, *output, *password, *id;
	long days;
	int force, json;
	unsigned given; /* O_* bits of the options on the command line */
};

static void usage(FILE *fp)
{
	fputs("usage: mdescan threat quarantine list [--json] "
	      "[--quarantine-dir DIR]\n"
	      "       mdescan threat quarantine restore ID "
	      "[--destination-path PATH] [--force]\n"
	      "                                     [--quarantine-dir DIR]\n"
	      "       mdescan threat quarantine remove ID "
	      "[--quarantine-dir DIR]\n"
	      "       mdescan threat quarantine export ID [--output FILE] "
	      "[--password PW]\n"
	      "                                    [--quarantine-dir DIR]\n"
	      "       mdescan threat quarantine purge [--older-than DAYS] "
	      "[--quarantine-dir DIR]\n"
	      "       mdescan threat quarantine add [--id] THREAT_ID "
	      "[--history-db PATH]\n"
	      "                                 [--quarantine-dir DIR]\n"
	      "ID is the first column of list, and follows the STATE of a "
	      "quarantined threat\nin threat list.  THREAT_ID is the first "
	      "column of threat list: add quarantines\nthe file of a threat "
	      "detected and not acted on, unless it changed since.\n"
	      "\n"
	      "      --destination-path PATH  restore to PATH (a file, or a "
	      "directory to\n"
	      "                          restore into) instead of the "
	      "original path\n"
	      "      --force             restore over an existing file\n"
	      "  -h, --help              show this help\n"
	      "      --id THREAT_ID      the threat add quarantines "
	      "(mdatp's spelling)\n"
	      "      --json              list as JSON Lines\n"
	      "      --older-than DAYS   purge entries older than DAYS "
	      "(default 90)\n"
	      "      --output FILE       export to FILE (default ID.zip)\n"
	      "      --password PW       export with password PW "
	      "(default infected)\n"
	      "      --quarantine-dir DIR, --vault DIR\n"
	      "                          the vault (default the "
	      "configuration's quarantine_dir,\n"
	      "                          else " VAULT_DEFAULT_DIR ")\n"
	      "      --history-db PATH, --db PATH\n"
	      "                          the history add, restore, remove "
	      "and purge update\n"
	      "                          (default the configuration's "
	      "history_db)\n"
	      "      --config FILE       the configuration (default "
	      "$MDESCAN_CONF, else\n"
	      "                          /etc/mdescan/mdescan.conf)\n",
	      fp);
}

static void iso_time(char *buf, size_t len, time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

/*
 * scan_id as everywhere else (threat list, the logs): the number of
 * `mdescan scan list`, null when the scan was not recorded ("" or -1 in
 * the vault).  An id that is no number (not written by mdescan) stays a
 * string rather than be lost.
 */
static void json_scan_id(const char *id)
{
	size_t n = strspn(id, "0123456789");

	if (n && !id[n] && n < 19)
		fputs(id, stdout);
	else if (!*id || (id[0] == '-' && strspn(id + 1, "0123456789") &&
			  !id[1 + strspn(id + 1, "0123456789")]))
		fputs("null", stdout);
	else
		out_json_str(stdout, id, strlen(id));
}

static void list_json(const struct vault_entry *e)
{
	char t[32];

	iso_time(t, sizeof t, e->quarantined.tv_sec);
	printf("{\"id\":\"%s\",\"quarantined\":\"%s\",\"threat\":", e->id, t);
	out_json_str(stdout, e->threat, strlen(e->threat));
	fputs(",\"path\":", stdout);
	out_json_str(stdout, e->path, strlen(e->path));
	printf(",\"size\":%llu,\"sha256\":\"%s\",\"scan_id\":",
	       (unsigned long long)e->size, e->sha256);
	json_scan_id(e->scan_id);
	printf(",\"uid\":%u,\"gid\":%u,\"mode\":\"%04o\",\"xattrs\":%zu}\n",
	       (unsigned)e->uid, (unsigned)e->gid, (unsigned)e->mode,
	       e->nxattrs);
}

/* ID  TIME  THREAT  SIZE  PATH (the path last: it may hold spaces) */
static void list_text(const struct vault_entry *e)
{
	char t[32];

	iso_time(t, sizeof t, e->quarantined.tv_sec);
	printf("%s  %s  ", e->id, t);
	out_text_path(stdout, *e->threat ? e->threat : "-",
		      *e->threat ? strlen(e->threat) : 1);
	printf("  %llu  ", (unsigned long long)e->size);
	out_text_path(stdout, e->path, strlen(e->path));
	putchar('\n');
}

static int q_list(const struct qopts *o)
{
	struct vault_entry *v;
	char err[1024];
	size_t n, i;
	int rc;

	rc = vault_list(o->vault, &v, &n, err, sizeof err);
	if (rc == VAULT_ERR)
		return tool_fail("%s", err);
	for (i = 0; i < n; i++)
		(o->json ? list_json : list_text)(&v[i]);
	vault_entries_free(v, n);
	if (rc == VAULT_WARN)
		return tool_fail("%s", err);
	return fflush(stdout) == 0 ? 0
				   : tool_fail("stdout: %s", strerror(errno));
}

void (*quarantine_state_hook)(const char *id, int removed);

static int q_restore(const struct qopts *o)
{
	char err[4096], to[4096];
	int rc;

	rc = vault_restore(o->vault, o->id, o->dest,
			   o->force ? VAULT_FORCE : 0, to, sizeof to, err,
			   sizeof err);
	if (rc == VAULT_EXISTS)
		return tool_fail("%s (--force replaces it)", err);
	if (rc != VAULT_OK && rc != VAULT_WARN)
		return tool_fail("%s", err);
	if (rc == VAULT_WARN)
		tool_warn("warning: %s", err);
	printf("%s: restored to ", o->id);
	out_text_path(stdout, to, strlen(to));
	putchar('\n');
	if (quarantine_state_hook)
		quarantine_state_hook(o->id, 0);
	return 0;
}

static int q_remove(const struct qopts *o)
{
	char err[1024];

	if (vault_remove(o->vault, o->id, err, sizeof err) != VAULT_OK)
		return tool_fail("%s", err);
	printf("%s: removed\n", o->id);
	if (quarantine_state_hook)
		quarantine_state_hook(o->id, 1);
	return 0;
}

static int q_export(const struct qopts *o)
{
	char err[1024], def[VAULT_ID_LEN + 8];
	const char *out = o->output;

	if (!out) {
		snprintf(def, sizeof def, "%s.zip", o->id);
		out = def;
	}
	if (vault_export(o->vault, o->id, out, o->password, err, sizeof err))
		return tool_fail("%s", err);
	printf("%s: exported to ", o->id);
	out_text_path(stdout, out, strlen(out));
	putchar('\n');
	return 0;
}

/* The entries of before[0..n) the vault no longer holds are removed
 * threats: the history follows. */
static void follow_purged(const char *vault, const struct vault_entry *before,
			  size_t n)
{
	struct vault_entry *after = NULL;
	char err[1024];
	size_t i, j, m = 0;

	if (!quarantine_state_hook ||
	    vault_list(vault, &after, &m, err, sizeof err) == VAULT_ERR)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < m && strcmp(before[i].id, after[j].id); j++)
			;
		if (j == m)
			quarantine_state_hook(before[i].id, 1);
	}
	vault_entries_free(after, m);
}

static int q_purge(const struct qopts *o)
{
	struct vault_entry *before = NULL;
	char err[4096] = "";
	size_t n, nb = 0;
	int rc;

	if (vault_list(o->vault, &before, &nb, err, sizeof err) == VAULT_ERR)
		nb = 0; /* vault_purge() says why */
	rc = vault_purge(o->vault, time(NULL) - (time_t)o->days * 86400, &n,
			 err, sizeof err);
	follow_purged(o->vault, before, nb);
	vault_entries_free(before, nb);
	if (rc == VAULT_ERR)
		return tool_fail("%s", err);
	printf("purged %zu entr%s older than %ld day%s\n", n,
	       n == 1 ? "y" : "ies", o->days, o->days == 1 ? "" : "s");
	return rc == VAULT_WARN ? tool_fail("%s", err) : 0;
}

int (*quarantine_add_hook)(const char *vault, long long threat_id,
			   char *qid, size_t qlen, char *err, size_t errlen);

static int q_add(const struct qopts *o)
{
	char qid[VAULT_ID_LEN + 1], err[4096], *end;
	long long id;
	int rc;

	errno = 0;
	id = strtoll(o->id, &end, 10);
	if (errno || end == o->id || *end || id < 1)
		return tool_fail("add: not a threat id: %s", o->id);
	/* the threat is found in the history, which vault-tool has not */
	if (!quarantine_add_hook)
		return tool_fail("add: threat %lld: no history to find it in",
				 id);
	rc = quarantine_add_hook(o->vault, id, qid, sizeof qid, err,
				 sizeof err);
	if (rc < 0)
		return tool_fail("%s", err);
	if (rc > 0)
		tool_warn("warning: %s", err);
	printf("threat %lld: quarantined as %s\n", id, qid);
	return 0;
}

static const struct verb {
	const char *name;
	int (*run)(const struct qopts *o);
	unsigned opts; /* the O_* options it takes */
	int takes_id;
} verbs[] = {
	{ "add", q_add, O_ID, 1 },
	{ "export", q_export, O_OUTPUT | O_PASSWORD, 1 },
	{ "list", q_list, O_JSON, 0 },
	{ "purge", q_purge, O_DAYS, 0 },
	{ "remove", q_remove, 0, 1 },
	{ "restore", q_restore, O_DEST | O_FORCE, 1 },
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, O_CONFIG },
	/* the history follows what the vault does: the verbs' name */
	{ "db", required_argument, NULL, O_HISTORY },
	{ "destination-path", required_argument, NULL, O_DEST },
	{ "force", no_argument, NULL, O_FORCE },
	{ "help", no_argument, NULL, 'h' },
	{ "history-db", required_argument, NULL, O_HISTORY },
	/* mdatp's `threat quarantine add --id ID` */
	{ "id", required_argument, NULL, O_ID },
	{ "json", no_argument, NULL, O_JSON },
	{ "older-than", required_argument, NULL, O_DAYS },
	{ "output", required_argument, NULL, O_OUTPUT },
	{ "password", required_argument, NULL, O_PASSWORD },
	/* the scans' name for it; --vault, the old one, stays */
	{ "quarantine-dir", required_argument, NULL, O_VAULT },
	{ "vault", required_argument, NULL, O_VAULT },
	{ NULL, 0, NULL, 0 },
};

/* Parses the options after the verb into o; -1 on a usage error, 1 for
 * --help. */
static int parse_opts(int argc, char **argv, struct qopts *o)
{
	char *end;
	int c;

	optind = 0; /* glibc: start afresh; argv[0] (the verb) is skipped */
	opterr = 0; /* getopt would name the verb as the program */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': return 1;
		case O_CONFIG: break; /* read by the caller */
		case O_HISTORY: quarantine_history_db = optarg; break;
		case O_DEST: o->dest = optarg; break;
		case O_FORCE: o->force = 1; break;
		case O_ID: o->id = optarg; break;
		case O_JSON: o->json = 1; break;
		case O_OUTPUT: o->output = optarg; break;
		case O_PASSWORD: o->password = optarg; break;
		case O_VAULT: o->vault = optarg; break;
		case O_DAYS:
			errno = 0;
			o->days = strtol(optarg, &end, 10);
			if (*end || end == optarg || errno || o->days < 0 ||
			    o->days > 1000000) {
				tool_warn("--older-than: not a number of "
					  "days: %s", optarg);
				return -1;
			}
			break;
		default:
			tool_warn("%s: unknown option, or its value "
				  "missing: %s", argv[0], argv[optind - 1]);
			return -1;
		}
		o->given |= (unsigned)c;
	}
	return 0;
}

int cmd_quarantine(int argc, char **argv)
{
	struct qopts o = { .vault = quarantine_default_vault,
			   .password = DEFAULT_PASSWORD, .days = DEFAULT_DAYS };
	const struct verb *v = NULL;
	size_t i;

	for (i = 0; argc > 0 && i < sizeof verbs / sizeof *verbs; i++)
		if (!strcmp(argv[0], verbs[i].name))
			v = &verbs[i];
	if (argc > 0 && (!strcmp(argv[0], "-h") ||
			 !strcmp(argv[0], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (!v) {
		if (argc > 0)
			tool_warn("unknown verb '%s'", argv[0]);
		usage(stderr);
		return 2;
	}
	switch (parse_opts(argc, argv, &o)) {
	case 1:
		usage(stdout);
		return 0;
	case -1:
		usage(stderr);
		return 2;
	}
	for (i = 0; longopts[i].name; i++)
		if (longopts[i].val != 'h' && longopts[i].val <= O_ID &&
		    (o.given & ~(v->opts | O_VAULT) &
		     (unsigned)longopts[i].val))
			return tool_fail("%s does not take --%s", v->name,
					 longopts[i].name);
	if (v->takes_id && !o.id && optind < argc)
		o.id = argv[optind++];
	if (v->takes_id && !o.id)
		return tool_fail("%s: an entry ID is needed", v->name);
	if (optind < argc)
		return tool_fail("%s: unexpected argument '%s'", v->name,
				 argv[optind]);
	return v->run(&o);
}
