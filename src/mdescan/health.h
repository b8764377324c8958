/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.h - `mdescan health` and `mdescan diagnostic create`
 * (cmd_health.c): the state of the scanner on this host, like the
 * `mdatp health` and `mdatp diagnostic create` of Microsoft Defender for
 * Endpoint on Linux.
 */
#ifndef MDESCAN_HEALTH_H
#define MDESCAN_HEALTH_H

#include "paths.h"

/* Where mdewatch(8) keeps its pid and statistics unless told otherwise:
 * the defaults of its --pidfile and --stats-file (src/mdewatch/). */
#define HEALTH_WATCH_PIDFILE "/run/mdewatch/mdewatch.pid"
#define HEALTH_WATCH_STATS "/run/mdewatch/stats.json"
#define HEALTH_CONFIG_DIR MDE_CONF_DIR
#define HEALTH_MAX_SCAN_AGE_DAYS 7

#include <stdio.h>

/* The options of both verbs (each refuses the other's own). */
struct health_opts {
	const char *store, *keys, *history_db, *qdir, *pidfile, *stats_file;
	const char *field, *output, *config_dir;
	long max_age, max_scan_age;
	int json;
	int cage;                 /* cage = yes (the default) */
	/* mdescan.conf could not be read: why ("" when it could); health
	 * reports it, the defaults standing in for it */
	char conf_err[1024];
};

/*
 * Parses argv (argv[0] the verb) into o, with the defaults and then the
 * configuration every verb reads (cli.h); diag: for diagnostic create.  Returns 0, 1 for --help (usage printed on stdout),
 * or 2 (message printed on stderr).
 */
int health_parse(int argc, char **argv, struct health_opts *o, int diag);

/* Writes the report as one JSON object to fp; returns 1 when healthy. */
int health_json(FILE *fp, const struct health_opts *o);

/* Flushes stdout: 0, or 2 with a message when it could not be written. */
int health_flush_stdout(void);

#endif
