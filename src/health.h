/*
 * health.h - `mdescan health` and `mdescan diagnostic create`
 * (cmd_health.c): the state of the scanner on this host, like the
 * `mdatp health` and `mdatp diagnostic create` of Microsoft Defender for
 * Endpoint on Linux.
 */
#ifndef MDESCAN_HEALTH_H
#define MDESCAN_HEALTH_H

/* Where mdewatch(8) keeps its pid and statistics unless told otherwise:
 * the defaults of its --pidfile and --stats-file (src/mdewatch.c). */
#define HEALTH_WATCH_PIDFILE "/run/mdewatch/mdewatch.pid"
#define HEALTH_WATCH_STATS "/run/mdewatch/stats.json"
#define HEALTH_CONFIG_DIR "/etc/mdescan"
#define HEALTH_MAX_SCAN_AGE_DAYS 7

/*
 * `mdescan health [--field NAME] [--json] [options]`: argv[0] is
 * "health".  Prints the report; returns the exit status: 0 healthy,
 * 1 not healthy, 2 error (a message on stderr).
 */
int cmd_health(int argc, char **argv);

/*
 * `mdescan diagnostic create [--output FILE] [options]`: argv[0] is
 * "diagnostic".  Writes one .tar.gz with what support needs (never a
 * private key, never a quarantined file) and prints its path; returns 0,
 * or 2 with a message on stderr.
 */
int cmd_diagnostic(int argc, char **argv);

#endif
