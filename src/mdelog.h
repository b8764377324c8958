/*
 * mdelog.h - what mdescan tells syslog/journald: scan start and end,
 * findings and actions, errors; at a configurable level, with repeated
 * errors rate-limited.
 */
#ifndef MDELOG_H
#define MDELOG_H

#include "mdescan.h"

enum mdelog_level { MDELOG_ERROR, MDELOG_WARNING, MDELOG_INFO, MDELOG_DEBUG };

/* Opens the log (ident "mdescan"); level -1: off (--no-syslog). */
void mdelog_open(int level);

/* printf-style message at level (dropped above the configured level). */
void mdelog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A scan event: findings at warning, errors at warning (at most
 * MDELOG_BURST a second, then one line saying how many were dropped),
 * skips at debug. */
void mdelog_event(const mde_event *ev);

/* Says how many error lines the rate limit dropped, and closes. */
void mdelog_close(void);

#define MDELOG_BURST 10

#endif
