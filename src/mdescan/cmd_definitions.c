/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_definitions.c - `mdescan definitions update|rollback|status`.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clamdbs.h"
#include "cli.h"
#include "cmd.h"
#include "defstore.h"
#include "mdecfg.h"
#include "output.h"
#include "util.h"
#include "banned.h"

static const char usage_text[] =
	"usage: mdescan definitions update [--from PATH|URL] [--allow-downgrade]"
	" [--keys PATH] [--store DIR]\n"
	"       mdescan definitions rollback [--builtin] [--keys PATH] "
	"[--store DIR]\n"
	"       mdescan definitions status [--json] [--max-age DAYS] "
	"[--store DIR]\n"
	"rollback goes back one installed version each time; --builtin "
	"returns to the\nbuilt-in definitions.  --max-age 0: anything "
	"created before now is out of date.\n"
	"Every verb takes --config FILE (default $MDESCAN_CONF, else "
	MDECFG_DEFAULT_PATH "):\n"
	"its store, keys, update_mirror (update's default --from) and "
	"definitions_max_age_days.\n";

struct dopts {
	const char *from, *keys, *dir, *certs;
	int allow_downgrade, builtin, json;
	long max_age;
};

static const struct option longopts[] = {
	{ "allow-downgrade", no_argument, NULL, 'D' },
	{ "builtin", no_argument, NULL, 'B' },
	{ "config", required_argument, NULL, 'c' },
	{ "from", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'J' },
	{ "keys", required_argument, NULL, 'k' },
	{ "max-age", required_argument, NULL, 'a' },
	{ "store", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 }
};

static int dusage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

/* 0, 1 for --help (the usage on stdout), or 2 (a message on stderr). */
static int parse(int argc, char **argv, struct dopts *o)
{
	struct cli_conf cf;
	int c;

	memset(o, 0, sizeof(*o));
	if (cli_conf_read(argc, argv, &cf) ||
	    cli_exact_options(argc, argv, longopts, "definitions"))
		return 2;
	o->keys = cf.keys;
	o->dir = cf.store;
	o->max_age = cf.max_age;
	o->from = cf.mirror;
	o->certs = cf.clamav_certs;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage_text, stdout); return 1;
		case 'c': break; /* read above */
		case 'B': o->builtin = 1; break;
		case 'D': o->allow_downgrade = 1; break;
		case 'J': o->json = 1; break;
		case 'f': o->from = optarg; break;
		case 'k': o->keys = optarg; break;
		case 's': o->dir = optarg; break;
		case 'a':
			if (cli_parse_days(optarg, "--max-age", &o->max_age))
				return 2;
			break;
		default: return cli_see_help("definitions");
		}
	}
	return optind == argc ? 0 : dusage();
}

static int do_update(const struct dopts *o)
{
	struct update_opts u = { o->dir, o->keys, o->from,
				 o->allow_downgrade, 0, o->certs };
	struct defstore_status st;
	char err[1024];
	int changed = 0;

	if (!o->from)
		return dusage();
	if (defstore_update(&u, &changed, err, sizeof(err)))
		return tool_fail("definitions update from '%s' refused: %s",
				 o->from, err);
	defstore_status(o->dir, &st);
	printf("definitions %s: version %" PRIu64 " (%s)\n",
	       changed ? "updated" : "already up to date", st.cur.bi.version,
	       st.cur.path);
	return 0;
}

static int do_rollback(const struct dopts *o)
{
	struct defstore_status st;
	char err[1024];

	if (defstore_rollback(o->dir, o->keys, o->certs, o->builtin, err,
			      sizeof(err)))
		return tool_fail("definitions rollback refused: %s", err);
	if (o->builtin) {
		printf("definitions rolled back: the built-in definitions "
		       "(%s holds none active)\n", o->dir);
		return 0;
	}
	defstore_status(o->dir, &st);
	printf("definitions rolled back: version %" PRIu64 " (%s)\n",
	       st.cur.bi.version, st.cur.path);
	return 0;
}

static void iso(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm) ||
	    !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "unknown");
}

/* "up_to_date", "out_of_date" or "unavailable" (mdatp's words), or
 * "damaged": installed but unreadable, every scan fails. */
const char *definitions_state(const struct defstore_entry *e, long max_age)
{
	time_t now = time(NULL);

	if (!e->have)
		return e->damaged ? "damaged" : "unavailable";
	return now - (time_t)e->bi.created > (time_t)max_age * 86400
		       ? "out_of_date" : "up_to_date";
}

/* ,"k":"v" (the comma left out for the first field) */
static void json_str(const char *k, const char *v, int first)
{
	printf("%s\"%s\":", first ? "" : ",", k);
	out_json_str(stdout, v, strlen(v));
}

/*
 * What scans use: "installed" (the store's current bundle), "builtin"
 * (none installed) or "none" (a bundle is installed but damaged: scans
 * fail).
 */
static const char *in_use(const struct defstore_entry *c)
{
	return c->have ? "installed" : c->damaged ? "none" : "builtin";
}

/* The ClamAV databases of the bundle at path, as a JSON array; a warning
 * if they cannot be read (status still says what it knows). */
static void clamav_json(const char *path)
{
	char err[1024];

	fflush(stdout);
	if (clamdbs_json(stdout, path, err, sizeof(err)))
		tool_warn("%s", err);
}

static void status_json(const struct defstore_status *st, const char *state,
			long age_days, const char *created,
			const char *installed, const char *store)
{
	const struct defstore_entry *c = &st->cur;

	putchar('{');
	json_str("definitions_status", state, 1);
	json_str("in_use", in_use(c), 0);
	json_str("store", store, 0);
	if (c->damaged)
		json_str("error", c->why, 0);
	if (c->have) {
		printf(",\"version\":%" PRIu64, c->bi.version);
		json_str("created", created, 0);
		printf(",\"age_days\":%ld", age_days);
		json_str("installed", installed, 0);
		json_str("source", c->source, 0);
		json_str("signer_key", c->bi.key_id, 0);
		json_str("path", c->path, 0);
		printf(",\"hash_sigs\":%" PRIu64 ",\"byte_sigs\":%" PRIu64
		       ",\"yara_rules\":%" PRIu64 ",\"iocs\":%" PRIu64,
		       c->bi.hash_sigs, c->bi.byte_sigs, c->bi.yara_rules,
		       c->bi.iocs);
		if (st->prev.have)
			printf(",\"previous_version\":%" PRIu64,
			       st->prev.bi.version);
		printf(",\"clamav_databases\":");
		clamav_json(c->path);
	}
	printf("}\n");
}

/* The text of `definitions status`; 0, or 1 when damaged. */
static int status_text(const struct defstore_status *st, const char *state,
		       long age, const char *created, const char *installed,
		       const char *store)
{
	const struct defstore_entry *c = &st->cur;
	char err[1024];

	if (c->damaged) {
		printf("definitions: DAMAGED in %s: %s\nstatus:      damaged "
		       "(scans fail until 'mdescan definitions update' or "
		       "'rollback')\n", store, c->why);
		return 1;
	}
	if (!c->have) {
		printf("definitions: none installed in %s (scans use the "
		       "built-in definitions)\nstatus:      %s\n", store,
		       state);
		return 0;
	}
	printf("version:     %" PRIu64 "\nstatus:      %s (created %s, %ld "
	       "day(s) ago)\ninstalled:   %s from %s\nsigner key:  %s\n"
	       "signatures:  %" PRIu64 " hash, %" PRIu64 " byte, %" PRIu64
	       " YARA, %" PRIu64 " IOC\npath:        %s\n", c->bi.version,
	       state, created, age, installed, c->source[0] ? c->source : "?",
	       c->bi.key_id, c->bi.hash_sigs, c->bi.byte_sigs,
	       c->bi.yara_rules, c->bi.iocs, c->path);
	if (clamdbs_text(stdout, c->path, "clamav:      ", err, sizeof(err)))
		tool_warn("%s", err);
	if (st->prev.have)
		printf("previous:    %" PRIu64 " (mdescan definitions "
		       "rollback)\n", st->prev.bi.version);
	return 0;
}

static int do_status(const struct dopts *o)
{
	struct defstore_status st;
	const struct defstore_entry *c = &st.cur;
	char created[64], installed[64];
	char *abs = tool_abspath(o->dir);
	const char *state, *store = abs ? abs : o->dir;
	long age = 0;
	int rc;

	defstore_status(o->dir, &st);
	state = definitions_state(c, o->max_age);
	if (c->have)
		age = (long)((time(NULL) - (time_t)c->bi.created) / 86400);
	iso((time_t)c->bi.created, created, sizeof(created));
	iso(c->installed, installed, sizeof(installed));
	if (o->json) {
		status_json(&st, state, age, created, installed, store);
		rc = c->damaged ? 1 : 0;
	} else {
		rc = status_text(&st, state, age, created, installed, store);
	}
	free(abs);
	return rc;
}

/* rc, or 2 with a message when stdout could not be written. */
static int flushed(int rc)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		return tool_fail("standard output: %s",
				 strerror(errno ? errno : EIO));
	return rc;
}

/* The verbs, sorted by name; each takes every option (parse()). */
static const struct verb {
	const char *name;
	int (*run)(const struct dopts *o);
} verbs[] = {
	{ "rollback", do_rollback },
	{ "status", do_status },
	{ "update", do_update },
};

int cmd_definitions(int argc, char **argv)
{
	struct dopts o;
	size_t i;
	int rc;

	if (argc < 2)
		return dusage();
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	rc = parse(argc - 1, argv + 1, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return flushed(verbs[i].run(&o));
	tool_warn("unknown definitions command '%s'", argv[1]);
	return dusage();
}
