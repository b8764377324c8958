/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_watch.c - the watcher's threads, started and stopped:
 *
 *   reader     reads fanotify events (mdewatch_reader.c);
 *   closes     (block mode) reads FAN_CLOSE_WRITE from a second,
 *              notification-only group for the background scans
 *              (mdewatch_bg.c);
 *   workers    (--threads) scan and answer (mdewatch_worker.c);
 *   deadline   answers a permission event nobody answered by its
 *              deadline (mdewatch_deadline.c);
 *   reload     (on SIGHUP) builds new definitions and swaps them in
 *              (mdewatch_gen.c).
 *
 * The order of the stop matters: nothing more is read, then workers take
 * no more work, then every permission event read is answered, and only
 * then does the group go, so that no event is ever left unanswered.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mdewatch_watch.h"
#include "banned.h"

struct wcounters wc;

struct watcher W = {
	.fan = -1, .fanw = -1, .wake = -1,
	.qlock = PTHREAD_MUTEX_INITIALIZER, .qcond = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
	.fanlock = PTHREAD_RWLOCK_INITIALIZER,
};

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* W from o and the groups; the queues and the memory cache.  0, or -1
 * with errno. */
static int setup(const struct wopts *o, int fan, int fanw)
{
	pthread_condattr_t ca;

	W.o = o;
	W.fan = fan;
	W.fanw = fanw;
	W.self = getpid();
	W.nworkers = o->threads;
	atomic_store(&W.kcache, o->mode == MODE_BLOCK && !o->no_kcache);
	W.kmask = o->gate == GATE_READ ? FAN_ACCESS_PERM : FAN_OPEN_PERM;
	W.q.cap = (size_t)o->queue_size;
	W.bq.cap = (size_t)o->bg_queue_size;
	W.q.v = calloc(W.q.cap, sizeof(*W.q.v));
	W.bq.v = calloc(W.bq.cap ? W.bq.cap : 1, sizeof(*W.bq.v));
	W.workers = calloc((size_t)W.nworkers, sizeof(*W.workers));
	W.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!W.q.v || !W.bq.v || !W.workers || W.wake < 0 ||
	    lru_init((size_t)o->lru_size))
		return -1;
	/* workers wait for a background scan's due time, monotonic */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&W.qcond);
	pthread_cond_init(&W.qcond, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

int watch_start(const struct wopts *o, int fan, int fanw, mde_defs *defs,
		mde_engine *e, mde_engine *ebg)
{
	if (setup(o, fan, fanw) < 0) {
		wlog(WL_ERROR, "cannot start: %s", strerror(errno ? errno
								   : ENOMEM));
		mde_engine_free(e);
		mde_engine_free(ebg);
		mde_defs_free(defs);
		return -1;
	}
	/* scanners are made here, one thread, before any worker runs */
	defs_attach(o, e);
	W.gen = gen_new(defs, e, ebg);
	if (!W.gen || gen_scanners(W.gen) < 0) {
		wlog(WL_ERROR, "cannot make %d scanners: out of memory",
		     W.nworkers);
		return -1;
	}
	W.nworkers = worker_start();
	if (W.nworkers == 0 || deadline_start() ||
	    pthread_create(&W.reader, NULL, reader_main, NULL) ||
	    (W.fanw >= 0 &&
	     pthread_create(&W.closes, NULL, bg_closes_main, NULL))) {
		wlog(WL_ERROR, "cannot start threads: %s", strerror(errno));
		return -1;
	}
	W.started = 1;
	return 0;
}

void watch_ready(const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s: %s mode%s%s, %zu "
		 "path%s, definitions %.12s", what,
		 W.o->mode == MODE_BLOCK ? "block" : "audit",
		 W.o->mode == MODE_BLOCK ? ", gated at " : "",
		 W.o->mode == MODE_BLOCK ? GATE_NAME(W.o->gate) : "",
		 W.o->npaths,
		 W.o->npaths == 1 ? "" : "s", W.gen ? W.gen->ver : "");
	wnotify(msg);
}

int watch_stop(void)
{
	uint64_t limit = now_ns() + 500000000u; /* 0.5 s for running scans */
	uint64_t one = 1;

	if (!W.started)
		return 0;
	/* 1. no more events are read */
	atomic_store(&W.stopping, 1);
	if (write(W.wake, &one, sizeof(one)) < 0)
		wlog(WL_DEBUG, "eventfd: %s", strerror(errno));
	pthread_join(W.reader, NULL);
	if (W.fanw >= 0) {
		pthread_join(W.closes, NULL);
		close(W.fanw);
	}
	/* 2. workers stop taking work */
	worker_stop();
	/* 3. every permission event read and not answered: ALLOW */
	deadline_stop();
	/* 4. the group goes: the kernel allows what was never read */
	fan_close();
	/* 5. running scans get a bounded time; a scan still running is
	 * abandoned with the process */
	if (!worker_join(limit) || atomic_load(&W.reloading))
		return 0;
	worker_drain();
	gen_free(W.gen);
	W.gen = NULL;
	free(W.q.v);
	free(W.bq.v);
	free(W.workers);
	lru_free();
	close(W.wake);
	return 1;
}
