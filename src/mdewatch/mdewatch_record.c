/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_record.c - detections to the scan and threat history
 * (history.h), the database mdescan writes, so that `mdescan threat
 * list` shows what the watcher found.  This run of the daemon is one
 * scan of type "watch" (the real-time source), each detection a threat
 * row of it.  The queue and thread are histq's (a worker never waits
 * for SQLite while opens wait for workers).
 *
 * A malicious file is scanned again at every access (only clean verdicts
 * are cached), so the same detection repeats; one row per file and name
 * within RECORD_REPEAT_S is enough for the history.
 */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "histq.h"
#include "mdewatch_int.h"
#include "banned.h"

#define RECORD_REPEAT_S 60 /* a repeat within this is not recorded */

static histq *Q;

/* histq's warnings, rate limited like every history line. */
static void record_warn(void *ctx, const char *msg)
{
	(void)ctx;
	wlog_rl(RL_HISTORY, WL_WARNING, "history_error",
		(struct jfield[]){ JS("reason", msg) }, 1, "%s", msg);
}

void record_start(const struct wopts *o)
{
	char defs[40];
	histq_cfg c = { 0 };

	if (o->no_history)
		return;
	gen_version(defs, sizeof(defs));
	c.db = o->history_db;
	c.type = HIST_WATCH;
	c.paths = (const char *const *)o->paths;
	c.npaths = o->npaths;
	c.defs = defs[0] ? defs : NULL;
	c.repeat_s = RECORD_REPEAT_S;
	c.warn = record_warn;
	Q = histq_start(&c);
}

void record_found(const char *path, const char *name)
{
	if (Q)
		histq_add(Q, path, name, NULL);
}

void record_stop(void)
{
	uint64_t lost;

	lost = histq_stop(Q, atomic_load(&wc.scanned), atomic_load(&wc.errors));
	Q = NULL;
	if (lost)
		wlog(WL_WARNING, "history: %llu detections not recorded",
		     (unsigned long long)lost);
}
