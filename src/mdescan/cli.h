/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - what every verb of mdescan shares on its command line: the one
 * configuration they all read (--config FILE, else $MDESCAN_CONF, else
 * the default) and long options matched only when spelled in full.
 */
#ifndef MDESCAN_CLI_H
#define MDESCAN_CLI_H

#include <getopt.h>

struct mdecfg;

/* The settings of mdescan.conf the verbs other than the scan use; each
 * keeps the built-in default when the configuration does not set it. */
struct cli_conf {
	struct mdecfg *cfg;
	const char *path;       /* the file read */
	const char *store, *keys, *qdir, *history_db, *mirror;
	const char *clamav_certs; /* the CAs of ClamAV's .sign files */
	long max_age;           /* definitions_max_age_days */
};

/*
 * Reads the configuration of argv's --config FILE (a missing FILE is an
 * error), else of mdecfg_default_path() (missing: empty).  Returns 0, or
 * 2 with the reason in err (c then holds the defaults alone).  history_db
 * stays NULL when unset: hist_default_path() decides.  The configuration
 * stays until cli_conf_free() or the next load.
 */
int cli_conf_load(int argc, char **argv, struct cli_conf *c, char *err,
		  size_t errlen);

/* As cli_conf_load(), the reason printed: 0 or 2. */
int cli_conf_read(int argc, char **argv, struct cli_conf *c);

void cli_conf_free(struct cli_conf *c);

/*
 * getopt_long() takes any unambiguous prefix of a long option: `health
 * --config FILE` once became --config-dir.  Checks that every --NAME in
 * argv[1..argc) (up to "--") is spelled in full as a row of lo, skipping
 * the values of options that take one.  Returns 0, or 2 after "unknown
 * option '--NAME'" and a pointer to `mdescan WHAT --help` on stderr.
 */
int cli_exact_options(int argc, char **argv, const struct option *lo,
		      const char *what);

/* "mdescan: MESSAGE" and "See 'mdescan WHAT --help'..." on stderr: the
 * short answer to a bad option.  Returns 2. */
int cli_bad_option(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define CLI_MAX_DAYS 36500L

/*
 * An age in days for the option opt (--max-age, --max-scan-age): 0 to
 * CLI_MAX_DAYS.  Every age of mdescan means the same: older than that
 * many days counts; 0 is no special value, anything older than now
 * counts.  Returns 0, or 2 with a message naming opt and s.
 */
int cli_parse_days(const char *s, const char *opt, long *out);

/* "See 'mdescan WHAT --help' for the usage." on stderr, after getopt's
 * own message.  Returns 2. */
int cli_see_help(const char *what);

#endif
