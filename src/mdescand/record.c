/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.c - findings to the system log (mdelog, at once: it never
 * blocks) and to the scan and threat history (history.h), where this
 * run of the daemon is one scan and each finding a threat row, so that
 * `mdescan threat list` shows what mail and uploads carried.
 *
 * SQLite may wait for another process's transaction; a worker must not.
 * Rows go through a bounded queue to a thread of their own; when it
 * falls behind, rows are dropped and counted (the log has them all).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "mdelog.h"
#include "mdescand.h"
#include "banned.h"

#define REC_MAX 1024 /* rows waiting */

struct row {
	struct row *next;
	char *path, *name, *sha256;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct row *head, *tail;
	size_t n;
	unsigned long long dropped, found;
	int stop, have_thread;
	pthread_t thread;
	hist *h;
	int64_t scan_id;
} R = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
	.scan_id = -1 };

static void row_free(struct row *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->name);
	free(r->sha256);
	free(r);
}

static void *record_main(void *arg)
{
	struct row *r;

	(void)arg;
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
		if (hist_threat_add(R.h, R.scan_id, r->path, r->name,
				    r->sha256, HIST_ACT_NONE, HIST_DETECTED,
				    NULL) < 0)
			dlog(0, "history: %s", hist_error(R.h));
		row_free(r);
		pthread_mutex_lock(&R.lock);
	}
	pthread_mutex_unlock(&R.lock);
	return NULL;
}

void record_start(const char *defs_version)
{
	const char *paths[1];
	char err[1024], *def = NULL;
	const char *db = opt.history_db;

	mdelog_open(opt.log_level < 0 ? -1 : (int)opt.log_level,
		    (int)opt.log_target);
	if (opt.no_history)
		return;
	if (!db)
		db = def = hist_default_path();
	R.h = db ? hist_open(db, 0, err, sizeof(err)) : NULL;
	if (!R.h) {
		dlog(0, "no history: %s", db ? err : "no database path");
		free(def);
		return;
	}
	free(def);
	paths[0] = opt.socket ? opt.socket : "mdescand";
	R.scan_id = hist_scan_begin(R.h, HIST_CUSTOM, paths, 1, defs_version);
	if (R.scan_id < 0) {
		dlog(0, "history: %s", hist_error(R.h));
		hist_close(R.h);
		R.h = NULL;
		return;
	}
	R.have_thread = pthread_create(&R.thread, NULL, record_main, NULL) ==
			0;
}

/* A copy of s, or NULL (s NULL, or no memory). */
static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void record_finding(const mde_event *ev, const char *where)
{
	struct row *r;

	mdelog_event(ev);
	if (ev->audit)
		return;
	dlog(2, "%s: %s FOUND", where, ev->name);
	if (!R.have_thread)
		return;
	r = calloc(1, sizeof(*r));
	if (r) {
		r->path = strdup(where);
		r->name = strdup(ev->name);
		r->sha256 = dup_or_null(ev->sha256);
	}
	pthread_mutex_lock(&R.lock);
	R.found++;
	if (!r || !r->path || !r->name || R.n >= REC_MAX || R.stop) {
		R.dropped++;
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

	if (R.have_thread) {
		pthread_mutex_lock(&R.lock);
		R.stop = 1;
		pthread_cond_signal(&R.cond);
		pthread_mutex_unlock(&R.lock);
		pthread_join(R.thread, NULL);
		R.have_thread = 0;
	}
	if (R.dropped)
		dlog(0, "history: %llu findings not recorded (it fell behind)",
		     R.dropped);
	if (R.h) {
		c.files = atomic_load(&dc.requests);
		c.findings = R.found;
		c.errors = atomic_load(&dc.errors);
		hist_scan_end(R.h, R.scan_id, &c, HIST_SUCCEEDED);
		hist_close(R.h);
		R.h = NULL;
	}
	mdelog_close();
}
