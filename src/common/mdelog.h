/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdelog.h - what mdescan tells the system log: scan start and end,
 * findings and actions, errors; at a configurable level, with repeated
 * errors rate-limited.  Two targets, each with the event's fields as
 * structured data (mdescan(1), LOGGING): journald's native protocol, or
 * RFC 5424 syslog datagrams to /dev/log.  Never blocks the scan: a
 * message the log cannot take at once is dropped and counted.
 */
#ifndef MDELOG_H
#define MDELOG_H

#include "mdescan.h"

enum mdelog_level { MDELOG_ERROR, MDELOG_WARNING, MDELOG_INFO, MDELOG_DEBUG };

/* Where messages go; the order of the words of mdescan.conf's log_target. */
enum mdelog_target {
	MDELOG_AUTO,     /* journald when its socket exists, else syslog */
	MDELOG_JOURNALD, /* /run/systemd/journal/socket, native protocol */
	MDELOG_SYSLOG    /* /dev/log, RFC 5424 */
};

/* Opens the log (ident "mdescan"); level -1: off (--no-syslog).  target
 * is an enum mdelog_target. */
void mdelog_open(int level, int target);

/* printf-style message at level (dropped above the configured level);
 * no MSGID, no fields. */
void mdelog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The scan starts: type "custom", "quick" or "full"; scan_id the
 * history's id (-1: not recorded), then given with every later message. */
void mdelog_scan_start(const char *type, const char *defs_version,
		       long long scan_id);

/* The scan ended (or was cancelled), with the tool's exit status. */
void mdelog_scan_end(const mde_summary *s, int status);

/* A scan event: findings at warning (audit ones at info), errors at
 * warning (at most MDELOG_BURST a second, then one message saying how
 * many were dropped), skips at debug. */
void mdelog_event(const mde_event *ev);

/* An action taken on finding ev: what ("removed", "quarantined") and
 * the quarantine id (NULL when none), at warning. */
void mdelog_action(const mde_event *ev, const char *what, const char *qid);

/* Messages the log socket did not take (full, or no log listening). */
unsigned long long mdelog_dropped(void);

/* Says how many error messages the rate limit dropped, and closes. */
void mdelog_close(void);

#define MDELOG_BURST 10

#endif
