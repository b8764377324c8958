/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.c - the configuration every verb reads and the checks every verb's
 * command line goes through (cli.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "defstore.h"
#include "mdecfg.h"
#include "util.h"
#include "vault.h"
#include "banned.h"

/* The configuration read last: one per run, reachable until exit (the
 * strings of a cli_conf point into it). */
static struct mdecfg *loaded;

static void conf_defaults(struct cli_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->store = DEFSTORE_DIR;
	c->keys = DEFSTORE_KEYS;
	c->clamav_certs = MDE_CLAMAV_CERTS_DEFAULT;
	c->qdir = VAULT_DEFAULT_DIR;
	c->max_age = DEFSTORE_MAX_AGE_DAYS;
}

int cli_conf_load(int argc, char **argv, struct cli_conf *c, char *err,
		  size_t errlen)
{
	const char *path = mdecfg_path_from_args(argc, argv);
	int64_t days;

	conf_defaults(c);
	c->path = path ? path : mdecfg_default_path();
	mdecfg_free(loaded);
	loaded = c->cfg = mdecfg_load(c->path, !path, err, errlen);
	if (!c->cfg)
		return 2;
	mdecfg_get_str(c->cfg, "store", &c->store);
	mdecfg_get_str(c->cfg, "keys", &c->keys);
	mdecfg_get_str(c->cfg, "quarantine_dir", &c->qdir);
	mdecfg_get_str(c->cfg, "history_db", &c->history_db);
	mdecfg_get_str(c->cfg, "update_mirror", &c->mirror);
	mdecfg_get_str(c->cfg, "clamav_certs", &c->clamav_certs);
	if (mdecfg_get_int(c->cfg, "definitions_max_age_days", &days))
		c->max_age = (long)days;
	return 0;
}

int cli_conf_read(int argc, char **argv, struct cli_conf *c)
{
	char err[1024];

	if (cli_conf_load(argc, argv, c, err, sizeof(err)))
		return tool_fail("configuration: %s", err);
	return 0;
}

void cli_conf_free(struct cli_conf *c)
{
	if (c->cfg == loaded)
		loaded = NULL;
	mdecfg_free(c->cfg);
	c->cfg = NULL;
}

int cli_parse_days(const char *s, const char *opt, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || end == s || *end || *out < 0 || *out > CLI_MAX_DAYS)
		return tool_fail("%s: a number of days (0 to %ld), not '%s'",
				 opt, CLI_MAX_DAYS, s);
	return 0;
}

int cli_see_help(const char *what)
{
	fprintf(stderr, "See 'mdescan%s%s --help' for the usage.\n",
		what ? " " : "", what ? what : "");
	return 2;
}

int cli_bad_option(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vwarn(fmt, ap);
	va_end(ap);
	return cli_see_help(what);
}

/* The row of lo named name[0..n) exactly, or NULL. */
static const struct option *exact(const struct option *lo, const char *name,
				  size_t n)
{
	for (; lo->name; lo++)
		if (strlen(lo->name) == n && !strncmp(lo->name, name, n))
			return lo;
	return NULL;
}

int cli_exact_options(int argc, char **argv, const struct option *lo,
		      const char *what)
{
	const struct option *r;
	const char *name;
	size_t n;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (strncmp(argv[i], "--", 2))
			continue;
		name = argv[i] + 2;
		n = strcspn(name, "=");
		if (!(r = exact(lo, name, n)))
			return cli_bad_option(what, "unrecognized option "
					      "'--%.*s'", (int)n, name);
		if (r->has_arg == required_argument && !name[n])
			i++; /* its value, whatever it looks like */
	}
	return 0;
}
