/* SPDX-License-Identifier: Apache-2.0 */
/*
 * histq.h - the threat history fed from daemons through a queue.
 *
 * A daemon's worker must never wait for SQLite: another process's
 * transaction can hold the database for seconds, while the kernel (the
 * watcher) or a mail server (the clamd daemon) waits for the answer.
 * Rows go through a bounded queue to a thread of its own, which also
 * opens the database, so a slow or broken history delays neither the
 * start nor an answer.  When the thread falls behind, rows are dropped
 * and counted (the daemons' logs have every finding); a failed write is
 * reported through the caller's warning function, never fatal.
 *
 * One run of the daemon is one scan of the history; each finding is a
 * threat row of it.
 */
#ifndef MDE_HISTQ_H
#define MDE_HISTQ_H

#include <stddef.h>
#include <stdint.h>

#include "history.h"

typedef struct histq histq;

/* Where warnings go (from any thread): the daemon's own log. */
typedef void (*histq_warn_fn)(void *ctx, const char *msg);

typedef struct {
	const char *db;		 /* NULL: hist_default_path() */
	hist_type type;		 /* of this run's scan */
	const char *const *paths; /* what the run watches or serves */
	size_t npaths;
	const char *defs;	 /* definitions version, or NULL */
	unsigned repeat_s;	 /* a row equal to one written less than
				  * this many seconds ago is skipped
				  * (0: every row is written) */
	histq_warn_fn warn;
	void *ctx;
} histq_cfg;

/*
 * Starts the thread (it copies what it needs of cfg, opens the database
 * and begins the scan).  NULL when no thread can be started, after a
 * warning.  Free with histq_stop().
 */
histq *histq_start(const histq_cfg *cfg);

/*
 * A finding (sha256 may be NULL), queued; never waits for the database.
 * Any thread.  Returns 0 when queued, -1 when dropped (queue full,
 * stopping, no memory), which histq_stop() counts.
 */
int histq_add(histq *q, const char *path, const char *name,
	      const char *sha256);

/*
 * Writes what is queued, ends the scan with files and errors (findings:
 * the rows written) and closes the database; frees q (NULL is a no-op).
 * Returns the number of findings not recorded (dropped, or not written).
 */
uint64_t histq_stop(histq *q, uint64_t files, uint64_t errors);

#endif
