/* SPDX-License-Identifier: Apache-2.0 */
/*
 * histq.c - the threat history fed through a queue and a thread (see
 * histq.h for why).
 *
 * A malicious file is scanned again at every access by the watcher (only
 * clean verdicts are cached), so the same finding repeats; with
 * repeat_s, one row per file and name within that time is enough.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "histq.h"
#include "banned.h"

#define HISTQ_MAX 1024	/* rows waiting for the thread */
#define HISTQ_RECENT 64 /* rows remembered to skip repeats */

struct row {
	struct row *next;
	char *path, *name, *sha256;
};

/* A row written lately: the hash of its path and name, and when. */
struct recent {
	uint64_t hash;
	time_t t;
};

struct histq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct row *head, *tail;
	size_t n;
	int stop;
	uint64_t dropped; /* under lock: not queued */
	pthread_t thread;
	/* set before the thread starts, then the thread's */
	char *db, *defs, **paths;
	size_t npaths;
	hist_type type;
	unsigned repeat_s;
	histq_warn_fn warn;
	void *ctx;
	hist *h;
	int64_t scan_id;
	uint64_t lost, written;
	struct recent recent[HISTQ_RECENT];
	size_t next_recent;
};

static void warnf(histq *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warnf(histq *q, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (q->warn)
		q->warn(q->ctx, msg);
}

static void row_free(struct row *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->name);
	free(r->sha256);
	free(r);
}

/* FNV-1a of path, a NUL, name. */
static uint64_t row_hash(const struct row *r)
{
	uint64_t h = 14695981039346656037u;
	const char *s[2] = { r->path, r->name };

	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j == 0 || s[i][j - 1]; j++) {
			h ^= (unsigned char)s[i][j];
			h *= 1099511628211u;
		}
	return h;
}

/* Was r written less than repeat_s ago?  If not, it is now. */
static int repeated(histq *q, const struct row *r)
{
	uint64_t h;
	time_t now;

	if (!q->repeat_s)
		return 0;
	h = row_hash(r);
	now = time(NULL);
	for (size_t i = 0; i < HISTQ_RECENT; i++)
		if (q->recent[i].t && q->recent[i].hash == h &&
		    now - q->recent[i].t < (time_t)q->repeat_s)
			return 1;
	q->recent[q->next_recent] = (struct recent){ h, now };
	q->next_recent = (q->next_recent + 1) % HISTQ_RECENT;
	return 0;
}

/* Opens the database and begins this run's scan (the thread's). */
static void open_history(histq *q)
{
	char err[1024], *def = NULL;
	const char *db = q->db;

	if (!db)
		db = def = hist_default_path();
	q->h = db ? hist_open(db, 0, err, sizeof(err)) : NULL;
	if (!q->h) {
		warnf(q, "detections not recorded in the history: %s",
		      db ? err : "no database path (set HOME or --history-db)");
		goto out;
	}
	q->scan_id = hist_scan_begin(q->h, q->type,
				     (const char *const *)q->paths, q->npaths,
				     q->defs);
	if (q->scan_id < 0) {
		warnf(q, "detections not recorded in the history: %s",
		      hist_error(q->h));
		hist_close(q->h);
		q->h = NULL;
	}
out:
	free(def);
}

/* Writes one row (the thread's, without the lock). */
static void write_row(histq *q, const struct row *r)
{
	if (!q->h) {
		q->lost++;
		return;
	}
	if (repeated(q, r))
		return;
	if (hist_threat_add(q->h, q->scan_id, r->path, r->name, r->sha256,
			    HIST_ACT_NONE, HIST_DETECTED, NULL) < 0) {
		q->lost++;
		warnf(q, "history: %s: %s", r->path, hist_error(q->h));
		return;
	}
	q->written++;
}

static void *histq_main(void *arg)
{
	histq *q = arg;
	struct row *r;

	open_history(q);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->head && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		r = q->head;
		if (!r)
			break;
		q->head = r->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		pthread_mutex_unlock(&q->lock);
		write_row(q, r);
		row_free(r);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void cfg_free(histq *q)
{
	for (size_t i = 0; i < q->npaths; i++)
		free(q->paths[i]);
	free(q->paths);
	free(q->db);
	free(q->defs);
	free(q);
}

/* Copies what the thread needs of cfg; -1 without memory. */
static int cfg_copy(histq *q, const histq_cfg *cfg)
{
	q->type = cfg->type;
	q->repeat_s = cfg->repeat_s;
	q->warn = cfg->warn;
	q->ctx = cfg->ctx;
	q->scan_id = -1;
	if ((cfg->db && !(q->db = strdup(cfg->db))) ||
	    (cfg->defs && !(q->defs = strdup(cfg->defs))))
		return -1;
	q->paths = calloc(cfg->npaths ? cfg->npaths : 1, sizeof(*q->paths));
	if (!q->paths)
		return -1;
	for (; q->npaths < cfg->npaths; q->npaths++)
		if (!(q->paths[q->npaths] = strdup(cfg->paths[q->npaths])))
			return -1;
	return 0;
}

histq *histq_start(const histq_cfg *cfg)
{
	histq *q = calloc(1, sizeof(*q));

	if (!q || cfg_copy(q, cfg) < 0) {
		if (cfg->warn)
			cfg->warn(cfg->ctx, "findings not recorded in the "
					    "history: out of memory");
		goto fail;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	if (pthread_create(&q->thread, NULL, histq_main, q) == 0)
		return q;
	warnf(q, "detections not recorded in the history: no thread");
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
fail:
	if (q)
		cfg_free(q);
	return NULL;
}

int histq_add(histq *q, const char *path, const char *name,
	      const char *sha256)
{
	struct row *r = calloc(1, sizeof(*r));

	if (r) {
		r->path = strdup(path);
		r->name = strdup(name);
		r->sha256 = sha256 ? strdup(sha256) : NULL;
	}
	pthread_mutex_lock(&q->lock);
	if (q->stop || !r || !r->path || !r->name || (sha256 && !r->sha256) ||
	    q->n >= HISTQ_MAX) {
		q->dropped++;
		pthread_mutex_unlock(&q->lock);
		row_free(r);
		return -1;
	}
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->n++;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

uint64_t histq_stop(histq *q, uint64_t files, uint64_t errors)
{
	hist_counts c = { 0 };
	uint64_t lost;

	if (!q)
		return 0;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	lost = q->dropped + q->lost;
	if (q->h) {
		c.files = files;
		c.findings = q->written;
		c.errors = errors;
		if (hist_scan_end(q->h, q->scan_id, &c, HIST_SUCCEEDED) < 0)
			warnf(q, "history: %s", hist_error(q->h));
		hist_close(q->h);
	}
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	cfg_free(q);
	return lost;
}
