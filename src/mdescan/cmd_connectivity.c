/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_connectivity.c - `mdescan connectivity test`: mdatp's check of its
 * cloud endpoints, for the definitions mirror an air-gapped fleet updates
 * from.  The fetches are those of `definitions update` (defstore_probe());
 * this file only reports them.  The exit status is for cron and
 * monitoring: 0 the mirror answers and its bundle verifies, 1 not.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "defstore.h"
#include "mdecfg.h"
#include "output.h"
#include "util.h"
#include "banned.h"

static const char usage_text[] =
	"usage: mdescan connectivity test [--mirror URL|PATH] [--config FILE]"
	" [--json]\n"
	"Fetches what 'mdescan definitions update' would fetch from the "
	"mirror (its\nindex, then the bundle), into a temporary directory: "
	"the store is only read.\nReports each URL, whether it answered and "
	"how fast, and whether the bundle's\nsignature verifies with the "
	"trusted keys.  The mirror: --mirror, else the\nconfiguration's "
	"update_mirror (--config FILE, default $MDESCAN_CONF, else\n"
	MDECFG_DEFAULT_PATH "), which also gives the store and keys.\n"
	"Exit status: 0 reachable and verified, 1 not, 2 usage error.\n";

struct copts {
	const char *mirror, *keys, *dir, *conf;
	int from_conf, json;
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'J' },
	{ "mirror", required_argument, NULL, 'm' },
	{ NULL, 0, NULL, 0 }
};

/* 0, 1 for --help (the usage on stdout), or 2 (a message on stderr). */
static int parse(int argc, char **argv, struct copts *o, struct cli_conf *cf)
{
	int c;

	memset(o, 0, sizeof(*o));
	if (cli_conf_read(argc, argv, cf) ||
	    cli_exact_options(argc, argv, longopts, "connectivity test"))
		return 2;
	o->keys = cf->keys;
	o->dir = cf->store;
	o->conf = cf->path;
	o->mirror = cf->mirror;
	o->from_conf = cf->mirror != NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage_text, stdout); return 1;
		case 'c': break; /* read above */
		case 'J': o->json = 1; break;
		case 'm': o->mirror = optarg; o->from_conf = 0; break;
		default: return cli_see_help("connectivity test");
		}
	}
	if (optind != argc) {
		tool_warn("connectivity test: unexpected argument '%s'",
			  argv[optind]);
		return cli_see_help("connectivity test");
	}
	return 0;
}

/* The mirror's bundle against the installed version: "newer", "same",
 * "older" or "none_installed". */
static const char *compared(const struct defstore_probe *p)
{
	if (!p->installed)
		return "none_installed";
	if (p->bi.version > p->cur.version)
		return "newer";
	return p->bi.version == p->cur.version ? "same" : "older";
}

/* err without the "URL: " fetch_url() puts first (the URL is printed). */
static const char *reason(const struct defstore_step *s)
{
	size_t n = strlen(s->url);

	if (!strncmp(s->err, s->url, n) && s->err[n] == ':' &&
	    s->err[n + 1] == ' ')
		return s->err + n + 2;
	return s->err;
}

/* Why the test failed, URL first; NULL when it did not. */
static const char *failure(const struct defstore_probe *p, int rc)
{
	if (!rc)
		return NULL;
	if (*p->why || !p->nsteps)
		return p->why;
	return p->step[p->nsteps - 1].err;
}

static void jstr(const char *k, const char *v)
{
	printf("\"%s\":", k);
	if (v)
		out_json_str(stdout, v, strlen(v));
	else
		fputs("null", stdout);
}

static void json_report(const struct copts *o, const struct defstore_probe *p,
			int rc)
{
	unsigned i;

	printf("{\"ok\":%s,", rc ? "false" : "true");
	jstr("mirror", o->mirror);
	printf(",\"mirror_from\":\"%s\",\"steps\":[",
	       o->from_conf ? "config" : "option");
	for (i = 0; i < p->nsteps; i++) {
		const struct defstore_step *s = &p->step[i];

		printf("%s{", i ? "," : "");
		jstr("step", s->what);
		putchar(',');
		jstr("url", s->url);
		printf(",\"reachable\":%s,", s->ok ? "true" : "false");
		jstr("error", s->ok ? NULL : reason(s));
		printf(",\"seconds\":%.3f}", s->seconds);
	}
	printf("],\"bundle_found\":%s,\"verified\":%s,",
	       p->found ? "true" : "false", p->verified ? "true" : "false");
	jstr("error", failure(p, rc));
	if (p->found)
		printf(",\"version\":%" PRIu64, p->bi.version);
	else
		fputs(",\"version\":null", stdout);
	putchar(',');
	jstr("signer_key", p->verified ? p->bi.key_id : NULL);
	if (p->installed)
		printf(",\"installed_version\":%" PRIu64, p->cur.version);
	else
		fputs(",\"installed_version\":null", stdout);
	putchar(',');
	jstr("compared", p->verified ? compared(p) : NULL);
	puts("}");
}

static void text_verdict(const struct defstore_probe *p)
{
	static const char *const what[] = {
		"none_installed", "none installed: an update would install it",
		"newer", "newer: an update would install it",
		"same", "the same: already up to date",
		"older", "older: an update would refuse it",
	};
	const char *c = compared(p), *say = "";
	size_t i;

	for (i = 0; i < sizeof(what) / sizeof(what[0]); i += 2)
		if (!strcmp(c, what[i]))
			say = what[i + 1];
	printf("signature:   verifies (signer key %s)\n", p->bi.key_id);
	if (p->installed)
		printf("version:     %" PRIu64 " (installed: %" PRIu64
		       "; %s)\n", p->bi.version, p->cur.version, say);
	else
		printf("version:     %" PRIu64 " (%s)\n", p->bi.version, say);
}

static void text_report(const struct copts *o, const struct defstore_probe *p,
			int rc)
{
	unsigned i;

	if (o->from_conf)
		printf("mirror:      %s (update_mirror of %s)\n", o->mirror,
		       o->conf);
	else
		printf("mirror:      %s (--mirror)\n", o->mirror);
	for (i = 0; i < p->nsteps; i++) {
		const struct defstore_step *s = &p->step[i];

		printf("%-12s %s: %s%s (%.3f s)\n", s->what, s->url,
		       s->ok ? "reachable" : "NOT reachable: ",
		       s->ok ? "" : reason(s), s->seconds);
	}
	if (p->verified)
		text_verdict(p);
	else if (p->found)
		printf("signature:   the bundle does not verify: %s\n", p->why);
	else if (*p->why)
		printf("error:       %s\n", p->why);
	printf("result:      %s\n", !rc ? "the mirror is reachable and its "
	       "bundle verifies" : p->found ? "the mirror's bundle does not "
	       "verify" : "the mirror is not reachable");
}

/* `mdescan connectivity test`: argv[0] is "test". */
int cmd_connectivity_test(int argc, char **argv)
{
	struct defstore_probe p;
	struct cli_conf cf;
	struct copts o;
	int rc = parse(argc, argv, &o, &cf);

	if (rc)
		return rc == 1 ? 0 : rc;
	if (!o.mirror || !*o.mirror) {
		tool_warn("connectivity test: no definitions mirror: give "
			  "--mirror URL|PATH, or add a line 'update_mirror = "
			  "URL|PATH' to '%s'",
			  o.conf);
		return 2;
	}
	rc = defstore_probe(o.mirror, o.dir, o.keys, &p);
	if (o.json)
		json_report(&o, &p, rc);
	else
		text_report(&o, &p, rc);
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = tool_fail("standard output: %s",
			       strerror(errno ? errno : EIO));
	return rc;
}
