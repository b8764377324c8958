/* SPDX-License-Identifier: Apache-2.0 */
/*
 * work.c - the request queue and the worker threads.
 *
 * The queue is bounded (daemon_queue): a request that finds it full is
 * refused at once (conn.c answers the client with clamd's dispatch
 * error), so memory never grows with the load.  Each worker keeps one
 * scanner (mde_scanner) for the definitions it last used and renews it
 * when a reload published new ones; a reload wakes idle workers so that
 * they let go of the old definitions at once, not at their next request.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdescand.h"
#include "util.h"
#include "banned.h"

/* What a worker does, for STATS. */
struct wstate {
	const char *task;  /* "IDLE", "SCAN", ... */
	uint64_t since;
	char what[160];    /* the path or stream name */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* a request, a new generation, or stop */
	struct job *head, *tail;
	size_t n;
	int stop;
	unsigned gen_seen;     /* bumped by work_wake() */
	pthread_t *threads;
	int nthreads, running;
	struct wstate *ws;
} Q = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

void job_free(struct job *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->path);
	conn_unref(j->c);
	free(j);
}

int work_submit(struct job *j)
{
	pthread_mutex_lock(&Q.lock);
	if (Q.stop || Q.n >= (size_t)opt.queue) {
		pthread_mutex_unlock(&Q.lock);
		return -1;
	}
	j->next = NULL;
	if (Q.tail)
		Q.tail->next = j;
	else
		Q.head = j;
	Q.tail = j;
	Q.n++;
	pthread_cond_signal(&Q.cond);
	pthread_mutex_unlock(&Q.lock);
	atomic_fetch_add(&dc.requests, 1);
	return 0;
}

size_t work_queued(void)
{
	size_t n;

	pthread_mutex_lock(&Q.lock);
	n = Q.n;
	pthread_mutex_unlock(&Q.lock);
	return n;
}

void work_wake(void)
{
	pthread_mutex_lock(&Q.lock);
	Q.gen_seen++;
	pthread_cond_broadcast(&Q.cond);
	pthread_mutex_unlock(&Q.lock);
}

/* ms milliseconds from now on CLOCK_REALTIME (pthread_cond_timedwait). */
static void deadline_in(unsigned ms, struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* ------------------------------------------------------ the fork gate */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int closed, busy;
} F = { .lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER };

void gate_enter(void)
{
	pthread_mutex_lock(&F.lock);
	while (F.closed)
		pthread_cond_wait(&F.cond, &F.lock);
	F.busy++;
	pthread_mutex_unlock(&F.lock);
}

void gate_leave(void)
{
	pthread_mutex_lock(&F.lock);
	if (--F.busy == 0)
		pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
}

int gate_close(unsigned max_ms)
{
	struct timespec ts;
	int quiet;

	deadline_in(max_ms, &ts);
	pthread_mutex_lock(&F.lock);
	F.closed++;
	while (F.busy > 0)
		if (pthread_cond_timedwait(&F.cond, &F.lock, &ts) == ETIMEDOUT)
			break;
	quiet = F.busy == 0;
	pthread_mutex_unlock(&F.lock);
	return quiet;
}

void gate_open(void)
{
	pthread_mutex_lock(&F.lock);
	F.closed--;
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
}

/* Lets go of a scanner of older definitions (the worker is idle). */
static void slot_release(struct scanner_slot *slot, int all)
{
	if (!slot->g || (!all && slot->g->id == gen_current_id()))
		return;
	mde_scanner_free(slot->s);
	gen_put(slot->g);
	slot->s = NULL;
	slot->g = NULL;
}

/* Q.lock held: the next request, or NULL to stop. */
static struct job *next_job(struct scanner_slot *slot, struct wstate *w)
{
	unsigned seen = Q.gen_seen;
	struct job *j;

	while (!Q.head && !Q.stop) {
		if (seen != Q.gen_seen) {
			seen = Q.gen_seen;
			pthread_mutex_unlock(&Q.lock);
			gate_enter();
			slot_release(slot, 0);
			gate_leave();
			pthread_mutex_lock(&Q.lock);
			continue;
		}
		pthread_cond_wait(&Q.cond, &Q.lock);
	}
	j = Q.head;
	if (!j)
		return NULL;
	Q.head = j->next;
	if (!Q.head)
		Q.tail = NULL;
	Q.n--;
	w->task = proto_cmd_name(j->cmd);
	w->since = now_ns();
	snprintf(w->what, sizeof(w->what), "%s",
		 j->path ? j->path : j->cmd == PROTO_INSTREAM ? "stream" : "");
	return j;
}

static void *worker_main(void *arg)
{
	struct wstate *w = arg;
	struct scanner_slot slot = { 0 };
	struct job *j;
	struct gen *g;

	pthread_mutex_lock(&Q.lock);
	while ((j = next_job(&slot, w))) {
		pthread_mutex_unlock(&Q.lock);
		gate_enter();
		g = gen_get();
		scan_job(j, g, &slot);
		gen_put(g);
		conn_request_done(j->c);
		job_free(j);
		gate_leave();
		pthread_mutex_lock(&Q.lock);
		w->task = "IDLE";
		w->since = now_ns();
		w->what[0] = '\0';
	}
	Q.running--;
	pthread_cond_broadcast(&Q.cond);
	pthread_mutex_unlock(&Q.lock);
	gate_enter();
	slot_release(&slot, 1);
	gate_leave();
	return NULL;
}

int work_start(void)
{
	int i;

	Q.threads = calloc((size_t)opt.threads, sizeof(*Q.threads));
	Q.ws = calloc((size_t)opt.threads, sizeof(*Q.ws));
	if (!Q.threads || !Q.ws) {
		dlog(0, "cannot start the workers: out of memory");
		return -1;
	}
	for (i = 0; i < opt.threads; i++) {
		Q.ws[i].task = "IDLE";
		Q.ws[i].since = now_ns();
		if (pthread_create(&Q.threads[i], NULL, worker_main,
				   &Q.ws[i]) != 0) {
			dlog(0, "cannot start worker %d: %s", i,
			     strerror(errno));
			break;
		}
		pthread_mutex_lock(&Q.lock);
		Q.nthreads++;
		Q.running++;
		pthread_mutex_unlock(&Q.lock);
	}
	return Q.nthreads > 0 ? 0 : -1;
}

int work_stop(unsigned wait_ms)
{
	struct timespec ts;
	struct job *j;
	int i, all = 1;

	deadline_in(wait_ms, &ts);
	pthread_mutex_lock(&Q.lock);
	Q.stop = 1;
	/* what nobody started is dropped: its client is gone already */
	while ((j = Q.head)) {
		Q.head = j->next;
		Q.n--;
		pthread_mutex_unlock(&Q.lock);
		conn_request_done(j->c);
		job_free(j);
		pthread_mutex_lock(&Q.lock);
	}
	Q.tail = NULL;
	pthread_cond_broadcast(&Q.cond);
	while (Q.running > 0)
		if (pthread_cond_timedwait(&Q.cond, &Q.lock, &ts) == ETIMEDOUT)
			break;
	all = Q.running == 0;
	pthread_mutex_unlock(&Q.lock);
	for (i = 0; all && i < Q.nthreads; i++)
		pthread_join(Q.threads[i], NULL);
	if (all) {
		free(Q.threads);
		free(Q.ws);
		Q.threads = NULL;
		Q.ws = NULL;
	}
	return all;
}

/* ------------------------------------------------------------- STATS */

/* clamd's STATS text: its pool, threads, queue and memory lines, with
 * this daemon's numbers (clamdtop reads them). */
char *work_stats(void)
{
	struct tool_buf b = { 0 };
	uint64_t now = now_ns();
	struct gen *g = gen_get();
	int i, idle = 0;
	struct job *j;

	pthread_mutex_lock(&Q.lock);
	for (i = 0; i < Q.nthreads; i++)
		idle += !strcmp(Q.ws[i].task, "IDLE");
	tool_buf_printf(&b, "POOLS: 1\n\nSTATE: VALID PRIMARY\n"
			"THREADS: live %d  idle %d max %d idle-timeout %lld\n"
			"QUEUE: %zu items\n", Q.nthreads, idle, Q.nthreads,
			(long long)opt.idle_timeout, Q.n);
	for (j = Q.head; j; j = j->next)
		tool_buf_printf(&b, "\t%s %f\n", proto_cmd_name(j->cmd),
				(double)(now - j->queued_ns) / 1e9);
	for (i = 0; i < Q.nthreads; i++)
		tool_buf_printf(&b, "\t%s %f %s\n", Q.ws[i].task,
				(double)(now - Q.ws[i].since) / 1e9,
				Q.ws[i].what);
	pthread_mutex_unlock(&Q.lock);
	tool_buf_printf(&b, "\nMEMSTATS: heap N/A mmap N/A used N/A free N/A "
			"releasable N/A pools 1 pools_used %.3fM pools_total "
			"%.3fM\nEND", (double)g->memory / 1048576.0,
			(double)g->memory / 1048576.0);
	gen_put(g);
	return b.p;
}
