/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_record.c - detections to the scan and threat history
 * (history.h), the database mdescan writes, so that `mdescan threat
 * list` shows what the watcher found.  This run of the daemon is one
 * scan of type "watch" (the real-time source), each detection a threat
 * row of it.
 *
 * A worker must never wait for SQLite (another process's transaction
 * can hold the database for seconds) while opens wait for workers: rows
 * go through a bounded queue to a thread of their own, which also opens
 * the database, so a slow or broken history never delays the start or
 * an answer.  When the thread falls behind, rows are dropped and counted
 * (the log has every detection); a failed write is logged, never fatal.
 *
 * A malicious file is scanned again at every access (only clean verdicts
 * are cached), so the same detection repeats; one row per file and name
 * within RECORD_REPEAT_S is enough for the history.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "mdewatch_int.h"
#include "banned.h"

#define RECORD_QUEUE_MAX 1024 /* rows waiting for the thread */
#define RECORD_RECENT 64      /* rows remembered to skip repeats */
#define RECORD_REPEAT_S 60    /* a repeat within this is not recorded */

struct row {
	struct row *next;
	char *path, *name;
};

/* A row recorded lately: the hash of its path and name, and when. */
struct recent {
	uint64_t hash;
	time_t t;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct row *head, *tail;
	size_t n;
	int stop, have_thread;
	pthread_t thread;
	const struct wopts *o;
	char defs[40];
	/* the thread's */
	hist *h;
	int64_t scan_id;
	unsigned long long dropped;  /* under lock: not queued */
	unsigned long long lost, recorded; /* the thread's: not written,
					    * written */
	struct recent recent[RECORD_RECENT];
	size_t next_recent;
} R = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
	.scan_id = -1 };

static void row_free(struct row *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->name);
	free(r);
}

/* FNV-1a of path, a NUL, name. */
static uint64_t row_hash(const struct row *r)
{
	uint64_t h = 14695981039346656037u;
	const char *s[2] = { r->path, r->name };
	size_t i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j == 0 || s[i][j - 1]; j++) {
			h ^= (unsigned char)s[i][j];
			h *= 1099511628211u;
		}
	return h;
}

/* Was r recorded less than RECORD_REPEAT_S ago?  If not, it is now. */
static int repeated(const struct row *r)
{
	uint64_t h = row_hash(r);
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < RECORD_RECENT; i++)
		if (R.recent[i].t && R.recent[i].hash == h &&
		    now - R.recent[i].t < RECORD_REPEAT_S)
			return 1;
	R.recent[R.next_recent] = (struct recent){ h, now };
	R.next_recent = (R.next_recent + 1) % RECORD_RECENT;
	return 0;
}

/* Opens the database and begins this run's scan; failures logged. */
static void open_history(void)
{
	const struct wopts *o = R.o;
	char err[1024], *def = NULL;
	const char *db = o->history_db;

	if (!db)
		db = def = hist_default_path();
	R.h = db ? hist_open(db, 0, err, sizeof(err)) : NULL;
	if (!R.h) {
		wlog(WL_WARNING, "detections not recorded in the history: %s",
		     db ? err : "no database path (set HOME or --history-db)");
		free(def);
		return;
	}
	free(def);
	R.scan_id = hist_scan_begin(R.h, HIST_WATCH,
				    (const char *const *)o->paths, o->npaths,
				    R.defs[0] ? R.defs : NULL);
	if (R.scan_id < 0) {
		wlog(WL_WARNING, "detections not recorded in the history: %s",
		     hist_error(R.h));
		hist_close(R.h);
		R.h = NULL;
	}
}

/* Writes one row (the thread's, without the lock). */
static void write_row(const struct row *r)
{
	if (!R.h) {
		R.lost++;
		return;
	}
	if (repeated(r))
		return;
	if (hist_threat_add(R.h, R.scan_id, r->path, r->name, NULL,
			    HIST_ACT_NONE, HIST_DETECTED, NULL) < 0) {
		R.lost++;
		wlog_rl(RL_HISTORY, WL_WARNING, "history_error",
			(struct jfield[]){ JS("path", r->path),
					   JS("reason", hist_error(R.h)) },
			2, "history: %s", hist_error(R.h));
		return;
	}
	R.recorded++;
}

static void *record_main(void *arg)
{
	struct row *r;

	(void)arg;
	open_history();
	pthread_mutex_lock(&R.lock);
	for (;;) {
		while (!R.head && !R.stop)
			pthread_cond_wait(&R.cond, &R.lock);
		r = R.head;
		if (!r)
			break;
		R.head = r->next;
		if (!R.head)
			R.tail = NULL;
		R.n--;
		pthread_mutex_unlock(&R.lock);
		write_row(r);
		row_free(r);
		pthread_mutex_lock(&R.lock);
	}
	pthread_mutex_unlock(&R.lock);
	return NULL;
}

void record_start(const struct wopts *o)
{
	if (o->no_history)
		return;
	R.o = o;
	gen_version(R.defs, sizeof(R.defs));
	R.have_thread = pthread_create(&R.thread, NULL, record_main, NULL) == 0;
	if (!R.have_thread)
		wlog(WL_WARNING, "detections not recorded in the history: "
		     "no thread");
}

void record_found(const char *path, const char *name)
{
	struct row *r = calloc(1, sizeof(*r));

	if (r) {
		r->path = strdup(path);
		r->name = strdup(name);
	}
	pthread_mutex_lock(&R.lock);
	if (!R.have_thread || R.stop || !r || !r->path || !r->name ||
	    R.n >= RECORD_QUEUE_MAX) {
		R.dropped += R.have_thread;
		pthread_mutex_unlock(&R.lock);
		row_free(r);
		return;
	}
	if (R.tail)
		R.tail->next = r;
	else
		R.head = r;
	R.tail = r;
	R.n++;
	pthread_cond_signal(&R.cond);
	pthread_mutex_unlock(&R.lock);
}

void record_stop(void)
{
	hist_counts c = { 0 };

	if (!R.have_thread)
		return;
	pthread_mutex_lock(&R.lock);
	R.stop = 1;
	pthread_cond_signal(&R.cond);
	pthread_mutex_unlock(&R.lock);
	pthread_join(R.thread, NULL);
	if (R.dropped || R.lost)
		wlog(WL_WARNING, "history: %llu detections not recorded",
		     R.dropped + R.lost);
	if (R.h) {
		c.files = atomic_load(&wc.scanned);
		c.findings = R.recorded;
		c.errors = atomic_load(&wc.errors);
		if (hist_scan_end(R.h, R.scan_id, &c, HIST_SUCCEEDED) < 0)
			wlog(WL_WARNING, "history: %s", hist_error(R.h));
		hist_close(R.h);
		R.h = NULL;
	}
}
