/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_worker.c - the scan queue and the workers (--threads).  Each
 * worker scans with its own mde_scanner of the current generation and
 * answers; a queued event always goes before a background scan, which
 * waits for its due time.  A clean verdict goes to the memory cache and,
 * in block mode, to the kernel cache (an ignore mark), but only when the
 * file had settled before its scan and did not change during it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdewatch_watch.h"
#include "banned.h"

static void on_scan_event(void *ctx, const mde_event *ev)
{
	struct scanres *r = ctx;

	if (ev->type == MDE_EV_FINDING && !ev->audit) {
		if (r->nfound < MAX_NAMES)
			snprintf(r->names[r->nfound], sizeof(r->names[0]),
				 "%s", ev->name ? ev->name : "?");
		r->nfound++;
	} else if (ev->type == MDE_EV_ERROR) {
		if (!r->errors)
			snprintf(r->reason, sizeof(r->reason), "%s",
				 ev->reason ? ev->reason : "error");
		r->errors++;
	}
}

uint64_t worker_scan(struct pev *p, mde_scanner *sc, struct scanres *r,
		     int *rc, int *nfound, struct timespec *t_scan)
{
	uint64_t t0 = now_ns();

	memset(r, 0, sizeof(*r));
	*rc = MDE_ERR_NOMEM;
	*nfound = 0;
	clock_gettime(CLOCK_REALTIME, t_scan);
	if (sc)
		*rc = mde_scanner_scan_fd(sc, p->fd, p->path, on_scan_event,
					  r, nfound);
	atomic_fetch_add(&wc.scanned, 1);
	return now_ns() - t0;
}

/* fstat(2) of the open file still says what it said at the event. */
static int unchanged(int fd, const struct stat *a)
{
	struct stat b;

	return fstat(fd, &b) == 0 && b.st_size == a->st_size &&
	       ts_ns(&b.st_mtim) == ts_ns(&a->st_mtim) &&
	       ts_ns(&b.st_ctim) == ts_ns(&a->st_ctim);
}

int worker_unsettled(const struct stat *st, const struct timespec *t)
{
	return ts_ns(t) - ts_ns(&st->st_ctim) <
	       (st->st_ctim.tv_nsec ? CTIME_SETTLE_NS : CTIME_SETTLE_COARSE_NS);
}

void worker_keep_clean(const struct pev *p, unsigned gen,
		       const struct timespec *t_scan)
{
	if (worker_unsettled(&p->st, t_scan))
		return;
	if ((p->mask & (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_CLOSE_WRITE)) &&
	    W.o->mode == MODE_BLOCK)
		fan_ignore(p->fd);
	if (!unchanged(p->fd, &p->st)) {
		/* changed before the mark was in place: no FAN_MODIFY
		 * cleared it */
		fan_unignore(p->fd);
		return;
	}
	lru_put(&p->st, gen);
}

/* The answer to p (and its followers) from its scan; returns 1 when p
 * was denied, *late: a finding after its answer had gone. */
static int verdict(struct pev *p, struct gen *g, const struct scanres *r,
		   int rc, int nfound, const struct timespec *t_scan,
		   int *late)
{
	int perm = (p->mask & PERM_EVENTS) != 0, denied = 0;
	const char *why;

	*late = 0;
	if (nfound > 0 || r->nfound > 0) {
		if (perm && W.o->mode == MODE_BLOCK) {
			denied = event_answer(p, FAN_DENY);
			*late = !denied;
		}
		atomic_fetch_add(denied ? &wc.denied : &wc.reported, 1);
		if (*late)
			atomic_fetch_add(&wc.late, 1);
		inflight_done(p, FAN_DENY, r, NULL);
	} else if (r->errors || (rc != MDE_OK && rc != MDE_ERR_IO)) {
		/* MDE_ERR_IO without an error event of ours is another
		 * scanner's error: the engine counts errors per engine */
		why = r->errors ? r->reason : mde_status_str(rc);
		event_failure(p->fd, p->pid, p->mask, p->path, why,
			      RL_SCAN_ERROR, &wc.errors, perm ? p : NULL);
		inflight_done(p, 0, r, why);
	} else {
		/* the caches first: the reader's next read(2) may follow
		 * the answer at once (read gating) */
		worker_keep_clean(p, g->id, t_scan);
		if (perm)
			event_answer(p, FAN_ALLOW);
		inflight_done(p, FAN_ALLOW, r, NULL);
	}
	return denied;
}

static void process(struct pev *p, struct gen *g, int idx)
{
	struct scanres r;
	struct timespec t_scan;
	uint64_t ns;
	int rc, nfound, late, denied;

	if (p->bg) {
		bg_scan(p, g, idx);
		return;
	}
	ns = worker_scan(p, g->sc[idx], &r, &rc, &nfound, &t_scan);
	denied = verdict(p, g, &r, rc, nfound, &t_scan, &late);
	if (p->mask & PERM_EVENTS)
		deadline_remove(p);
	pst_scan(p->pid, ns, denied);
	if (r.nfound)
		event_log_findings(p, &r, denied ? "denied" : "reported",
				   late, ns);
	else if (wlog_enabled(WL_DEBUG)) {
		char shown[512];

		wlog_path(shown, sizeof(shown), p->path);
		wlog(WL_DEBUG, "%s: scanned in %.3f ms (%s by pid %d)", shown,
		     (double)ns / 1e6, event_name(p->mask), (int)p->pid);
	}
}

/* The next job, with W.qlock held: a queued event first, then a
 * background scan that is due; NULL when stopping. */
static struct pev *next_job(void)
{
	struct timespec ts;
	struct pev *p;

	for (;;) {
		if (W.stop)
			return NULL;
		if (!W.paused && W.q.len)
			return ring_pop(&W.q);
		if (W.paused || !W.bq.len) {
			pthread_cond_wait(&W.qcond, &W.qlock);
			continue;
		}
		p = ring_peek(&W.bq);
		if (p->due <= now_ns())
			return ring_pop(&W.bq);
		ts.tv_sec = (time_t)(p->due / 1000000000u);
		ts.tv_nsec = (long)(p->due % 1000000000u);
		pthread_cond_timedwait(&W.qcond, &W.qlock, &ts);
	}
}

static void *worker_main(void *arg)
{
	int idx = (int)(intptr_t)arg;
	struct pev *p;
	struct gen *g;

	pthread_mutex_lock(&W.qlock);
	for (;;) {
		if (!(p = next_job()))
			break;
		W.busy++;
		g = W.gen;
		pthread_mutex_unlock(&W.qlock);
		process(p, g, idx);
		event_unref(p);
		pthread_mutex_lock(&W.qlock);
		if (--W.busy == 0 && W.paused)
			pthread_cond_broadcast(&W.idle);
	}
	pthread_mutex_unlock(&W.qlock);
	return NULL;
}

int worker_start(void)
{
	int i;

	for (i = 0; i < W.nworkers; i++) {
		if (pthread_create(&W.workers[i], NULL, worker_main,
				   (void *)(intptr_t)i) != 0)
			break;
	}
	return i;
}

/* A background scan (p->bg) goes to its own queue, in due order. */
int worker_enqueue(struct pev *p)
{
	struct ring *r = p->bg ? &W.bq : &W.q;
	int ok;

	pthread_mutex_lock(&W.qlock);
	ok = ring_push(r, p);
	/* workers waiting for a background scan sleep until the head is
	 * due: only a new head needs to wake one */
	if (ok && (!p->bg || r->len == 1))
		pthread_cond_signal(&W.qcond);
	pthread_mutex_unlock(&W.qlock);
	return ok;
}

/* Two engines may not have the scan cache open at once (LMDB allows one
 * environment per process): a generation goes while every worker is
 * idle; events queue meanwhile. */
struct gen *worker_pause(void)
{
	struct gen *old = NULL;

	pthread_mutex_lock(&W.qlock);
	W.paused = 1;
	while (W.busy > 0 && !W.stop)
		pthread_cond_wait(&W.idle, &W.qlock);
	if (W.stop) {
		W.paused = 0;
	} else {
		old = W.gen;
		W.gen = NULL;
	}
	pthread_mutex_unlock(&W.qlock);
	return old;
}

void worker_resume(struct gen *g)
{
	pthread_mutex_lock(&W.qlock);
	W.gen = g;
	atomic_store(&W.gen_id, g->id);
	lru_clear();
	W.paused = 0;
	pthread_cond_broadcast(&W.qcond);
	pthread_mutex_unlock(&W.qlock);
}

void worker_stop(void)
{
	pthread_mutex_lock(&W.qlock);
	W.stop = 1;
	if (W.gen) {
		mde_engine_cancel(W.gen->e);
		if (W.gen->ebg)
			mde_engine_cancel(W.gen->ebg);
	}
	pthread_cond_broadcast(&W.qcond);
	pthread_cond_broadcast(&W.idle);
	pthread_mutex_unlock(&W.qlock);
}

/* Joins t, waiting until the monotonic time limit; 1 if it ended. */
static int join_by(pthread_t t, uint64_t limit)
{
	struct timespec ts;
	uint64_t now = now_ns(), rt;

	if (now >= limit)
		return pthread_tryjoin_np(t, NULL) == 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	rt = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
	     (limit - now);
	ts.tv_sec = (time_t)(rt / 1000000000u);
	ts.tv_nsec = (long)(rt % 1000000000u);
	return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

int worker_join(uint64_t limit)
{
	int i, all = 1;

	for (i = 0; i < W.nworkers; i++)
		all &= join_by(W.workers[i], limit);
	return all;
}

void worker_drain(void)
{
	struct pev *p;

	pthread_mutex_lock(&W.qlock);
	while ((p = ring_pop(&W.q))) {
		/* followers were answered ALLOW with the deadline list */
		inflight_done(p, FAN_ALLOW, NULL, NULL);
		event_unref(p);
	}
	while ((p = ring_pop(&W.bq)))
		event_unref(p);
	pthread_mutex_unlock(&W.qlock);
}
