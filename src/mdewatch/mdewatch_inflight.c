/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_inflight.c - permission events whose scan is queued or
 * running, by inode.  An event for the same file (same inode, size and
 * times) that comes meanwhile is answered with that scan's verdict
 * instead of queueing a scan of its own.  Each follower stays on the
 * deadline list with its own deadline.
 *
 * The read gate (--gate read) is what makes this common: the kernel
 * raises FAN_ACCESS_PERM for each read(2) (and pread, readv, sendfile,
 * splice) of a file opened while the group had marks, so each read of a
 * file not yet judged, by any thread or process, raises one.
 */
#include "config.h"

#include "mdewatch_watch.h"
#include "banned.h"

#define FL_BUCKETS 1024

static struct {
	pthread_mutex_t lock;
	struct pev *b[FL_BUCKETS];
} FL = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t fl_hash(const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9e3779b97f4a7c15u ^
		     (uint64_t)st->st_dev;

	return (size_t)(h >> 32) % FL_BUCKETS;
}

static int same_version(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       ts_ns(&a->st_mtim) == ts_ns(&b->st_mtim) &&
	       ts_ns(&a->st_ctim) == ts_ns(&b->st_ctim);
}

int inflight_join(struct pev *p)
{
	struct pev **b = &FL.b[fl_hash(&p->st)], *q;
	int joined = 0;

	pthread_mutex_lock(&FL.lock);
	for (q = *b; q && !same_version(&q->st, &p->st); q = q->hnext)
		;
	if (q) {
		p->fnext = q->followers;
		q->followers = p;
		joined = 1;
	} else {
		p->hnext = *b;
		*b = p;
		p->in_fl = 1;
	}
	pthread_mutex_unlock(&FL.lock);
	return joined;
}

struct pev *inflight_leave(struct pev *p)
{
	struct pev **pp, *f;

	pthread_mutex_lock(&FL.lock);
	if (!p->in_fl) {
		pthread_mutex_unlock(&FL.lock);
		return NULL;
	}
	for (pp = &FL.b[fl_hash(&p->st)]; *pp != p; pp = &(*pp)->hnext)
		;
	*pp = p->hnext;
	p->in_fl = 0;
	f = p->followers;
	p->followers = NULL;
	pthread_mutex_unlock(&FL.lock);
	return f;
}

void inflight_done(struct pev *p, uint32_t v, const struct scanres *r,
		   const char *why)
{
	struct pev *f = inflight_leave(p), *next;

	for (; f; f = next) {
		next = f->fnext;
		atomic_fetch_add(&wc.coalesced, 1);
		if (v == FAN_DENY) {
			int denied = event_answer(f, FAN_DENY);

			atomic_fetch_add(denied ? &wc.denied : &wc.reported, 1);
			if (!denied)
				atomic_fetch_add(&wc.late, 1);
			pst_scan(f->pid, 0, denied);
			event_log_findings(f, r, denied ? "denied"
							: "reported",
					   !denied, 0);
		} else if (v == FAN_ALLOW) {
			event_answer(f, FAN_ALLOW);
		} else {
			event_failure(f->fd, f->pid, f->mask, f->path, why,
				      RL_SCAN_ERROR, &wc.errors, f);
		}
		deadline_remove(f);
		event_unref(f);
	}
}
