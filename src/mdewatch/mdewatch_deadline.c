/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_deadline.c - every permission event gets an answer within
 * --deadline-ms: the deadline thread answers one nobody answered in time
 * ALLOW (DENY with --fail-closed) and lets its scan go on, so that a
 * finding that comes late is still reported.  Events sit on the list in
 * arrival order, which is also deadline order: the thread only ever
 * looks at the head.
 */
#include "config.h"

#include <stdio.h>

#include "mdewatch_watch.h"
#include "banned.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pev *head, *tail;
	int stop;
	pthread_t thread;
} D = { .lock = PTHREAD_MUTEX_INITIALIZER };

void deadline_add(struct pev *p)
{
	pthread_mutex_lock(&D.lock);
	atomic_fetch_add(&p->refs, 1);
	p->in_dl = 1;
	p->next = NULL;
	p->prev = D.tail;
	if (D.tail)
		D.tail->next = p;
	else
		D.head = p;
	D.tail = p;
	/* no wake-up: the deadline thread never sleeps past now + the
	 * deadline, and later events have later deadlines */
	pthread_mutex_unlock(&D.lock);
}

static void unlink_locked(struct pev *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		D.head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		D.tail = p->prev;
	p->in_dl = 0;
}

void deadline_remove(struct pev *p)
{
	int drop = 0;

	pthread_mutex_lock(&D.lock);
	if (p->in_dl) {
		unlink_locked(p);
		drop = 1;
	}
	pthread_mutex_unlock(&D.lock);
	if (drop)
		event_unref(p);
}

static void *deadline_main(void *arg)
{
	uint64_t span = (uint64_t)W.o->deadline_ms * 1000000u;
	struct timespec ts;
	char why[64];

	(void)arg;
	snprintf(why, sizeof(why), "deadline of %lld ms passed",
		 (long long)W.o->deadline_ms);
	pthread_mutex_lock(&D.lock);
	while (!D.stop) {
		struct pev *p = D.head;
		uint64_t now = now_ns();

		if (!p || now < p->deadline) {
			/* an event queued while we sleep is due after we
			 * wake */
			uint64_t until = p ? p->deadline : now + span;

			ts.tv_sec = (time_t)(until / 1000000000u);
			ts.tv_nsec = (long)(until % 1000000000u);
			pthread_cond_timedwait(&D.cond, &D.lock, &ts);
			continue;
		}
		unlink_locked(p);
		pthread_mutex_unlock(&D.lock);
		/* the scan goes on; a late finding is still reported */
		event_failure(p->fd, p->pid, p->mask, p->path, why,
			      RL_DEADLINE, &wc.deadline, p);
		event_unref(p);
		pthread_mutex_lock(&D.lock);
	}
	pthread_mutex_unlock(&D.lock);
	return NULL;
}

int deadline_start(void)
{
	pthread_condattr_t ca;

	/* deadlines are monotonic */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&D.cond, &ca);
	pthread_condattr_destroy(&ca);
	return pthread_create(&D.thread, NULL, deadline_main, NULL) ? -1 : 0;
}

void deadline_stop(void)
{
	struct pev *p;

	pthread_mutex_lock(&D.lock);
	D.stop = 1;
	while ((p = D.head)) {
		unlink_locked(p);
		pthread_mutex_unlock(&D.lock);
		event_answer(p, FAN_ALLOW);
		event_unref(p);
		pthread_mutex_lock(&D.lock);
	}
	pthread_cond_signal(&D.cond);
	pthread_mutex_unlock(&D.lock);
	pthread_join(D.thread, NULL);
}
