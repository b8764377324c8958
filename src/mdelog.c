/*
 * mdelog.c - mdescan's syslog lines (see mdelog.h).  syslog(3) reaches
 * journald on systemd machines with the same priorities; a scan of a
 * broken tree would otherwise write a line per unreadable file, so errors
 * get a budget of MDELOG_BURST lines a second.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "mdelog.h"

static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

static struct {
	int level; /* -1: off */
	time_t sec;
	unsigned in_sec;
	unsigned long long dropped;
} L = { -1, 0, 0, 0 };

void mdelog_open(int level)
{
	L.level = level;
	if (level >= 0)
		openlog("mdescan", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void mdelog(int level, const char *fmt, ...)
{
	va_list ap;

	if (L.level < 0 || level > L.level)
		return;
	va_start(ap, fmt);
	vsyslog(prio[level], fmt, ap);
	va_end(ap);
}

/* True if an error line may go out now. */
static int budget(void)
{
	time_t now = time(NULL);

	if (now != L.sec) {
		if (L.dropped)
			mdelog(MDELOG_WARNING, "%llu more errors not logged "
			       "(rate limit %d a second)", L.dropped,
			       MDELOG_BURST);
		L.sec = now;
		L.in_sec = 0;
		L.dropped = 0;
	}
	if (L.in_sec++ < MDELOG_BURST)
		return 1;
	L.dropped++;
	return 0;
}

void mdelog_event(const mde_event *ev)
{
	int len = ev->path_len > 2048 ? 2048 : (int)ev->path_len;

	if (L.level < 0)
		return;
	switch (ev->type) {
	case MDE_EV_FINDING:
		mdelog(ev->audit ? MDELOG_INFO : MDELOG_WARNING,
		       "%s: %.*s%s: %s", ev->allowed ? "allowed"
		       : ev->audit ? "audit" : "threat found", len, ev->path,
		       ev->nlayers ? " (in an archive)" : "", ev->name);
		break;
	case MDE_EV_ERROR:
		if (L.level >= MDELOG_WARNING && budget())
			mdelog(MDELOG_WARNING, "error: %.*s: %s", len,
			       ev->path, ev->reason ? ev->reason : "");
		break;
	case MDE_EV_SKIPPED:
		mdelog(MDELOG_DEBUG, "skipped: %.*s: %s", len, ev->path,
		       ev->reason ? ev->reason : "");
		break;
	default:
		break;
	}
}

void mdelog_close(void)
{
	if (L.level < 0)
		return;
	if (L.dropped)
		mdelog(MDELOG_WARNING, "%llu more errors not logged (rate "
		       "limit %d a second)", L.dropped, MDELOG_BURST);
	closelog();
	L.level = -1;
}
