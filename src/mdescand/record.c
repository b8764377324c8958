/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.c - findings to the system log (mdelog, at once: it never
 * blocks) and to the scan and threat history (history.h), where this
 * run of the daemon is one scan and each finding a threat row, so that
 * `mdescan threat list` shows what mail and uploads carried.  The queue
 * and thread are histq's: a worker never waits for SQLite.
 */
#include "config.h"

#include <stdatomic.h>

#include "histq.h"
#include "mdelog.h"
#include "mdescand.h"
#include "banned.h"

static histq *Q;

static void record_warn(void *ctx, const char *msg)
{
	(void)ctx;
	dlog(0, "%s", msg);
}

void record_start(const char *defs_version)
{
	const char *paths[1];
	histq_cfg c = { 0 };

	mdelog_open(opt.log_level < 0 ? -1 : (int)opt.log_level,
		    (int)opt.log_target);
	if (opt.no_history)
		return;
	paths[0] = opt.socket ? opt.socket : "mdescand";
	c.db = opt.history_db;
	c.type = HIST_CUSTOM;
	c.paths = paths;
	c.npaths = 1;
	c.defs = defs_version;
	c.warn = record_warn;
	Q = histq_start(&c);
}

void record_finding(const mde_event *ev, const char *where)
{
	mdelog_event(ev);
	if (ev->audit)
		return;
	dlog(2, "%s: %s FOUND", where, ev->name);
	if (Q)
		histq_add(Q, where, ev->name, ev->sha256);
}

void record_stop(void)
{
	uint64_t lost;

	lost = histq_stop(Q, atomic_load(&dc.requests),
			  atomic_load(&dc.errors));
	Q = NULL;
	if (lost)
		dlog(0, "history: %llu findings not recorded",
		     (unsigned long long)lost);
	mdelog_close();
}
