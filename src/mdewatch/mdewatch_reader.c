/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_reader.c - the event loop: reads the events of the group that
 * is answered (block mode) or scanned (audit mode), answers at once what
 * needs no scan (the daemon's own accesses, empty files, verdicts in the
 * memory cache, paths out of scope, excluded paths and processes, files
 * above --max-filesize) and queues the rest for the workers.  Every
 * check here costs the waiting process time: none of them opens a file.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mdewatch_watch.h"
#include "banned.h"

/* Answered without a scan: 1 (the event is settled), else 0. */
static int settled_early(const struct fanotify_event_metadata *md,
			 const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_size == 0) {
		atomic_fetch_add(&wc.empty, S_ISREG(st->st_mode));
		event_settle(md, FAN_ALLOW);
		return 1;
	}
	if (lru_get(st, atomic_load(&W.gen_id))) {
		atomic_fetch_add(&wc.cached, 1);
		pst_count(md->pid, PST_CACHED);
		event_settle(md, FAN_ALLOW);
		return 1;
	}
	return 0;
}

/* Answered by where the file is or who opens it: 1, else 0.  named: the
 * path was read whole. */
static int settled_by_scope(const struct fanotify_event_metadata *md,
			    const char *path, int named)
{
	if (named && !scope_in(path)) {
		atomic_fetch_add(&wc.outside, 1);
		event_settle(md, FAN_ALLOW);
		return 1;
	}
	if ((named && scope_excluded_path(path)) ||
	    scope_excluded_process(md->pid)) {
		atomic_fetch_add(&wc.excluded, 1);
		pst_count(md->pid, PST_EXCLUDED);
		event_settle(md, FAN_ALLOW);
		return 1;
	}
	return 0;
}

/* Queues a scan of p, or joins the one in flight for its file. */
static void queue(struct pev *p, int perm)
{
	if (perm) {
		deadline_add(p);
		if (inflight_join(p))
			return; /* answered with the scan in flight */
	}
	if (!worker_enqueue(p)) {
		event_failure(p->fd, p->pid, p->mask, p->path,
			      "scan queue full", RL_OVERLOAD, &wc.overload,
			      perm ? p : NULL);
		/* no follower yet: only this thread adds them */
		inflight_leave(p);
		if (perm)
			deadline_remove(p);
		event_unref(p);
	}
}

static void handle(const struct fanotify_event_metadata *md)
{
	int perm = (md->mask & PERM_EVENTS) != 0;
	char path[PATH_MAX];
	struct stat st;
	struct pev *p;
	int named;

	atomic_fetch_add(&wc.events, 1);
	if (perm)
		atomic_fetch_add(&wc.perm, 1);
	if (md->pid == W.self) {
		atomic_fetch_add(&wc.own, 1);
		event_settle(md, FAN_ALLOW);
		return;
	}
	if (fstat(md->fd, &st) < 0) {
		event_failure(md->fd, md->pid, md->mask, NULL,
			      strerror(errno), RL_SCAN_ERROR, &wc.errors,
			      NULL);
		close(md->fd);
		return;
	}
	pst_seen(md->pid, NULL);
	if (settled_early(md, &st))
		return;
	/* a path that cannot be read whole is scanned, never let through
	 * on the strength of a wrong name */
	named = event_path(md, path);
	if (settled_by_scope(md, path, named))
		return;
	if (W.o->max_filesize && st.st_size > W.o->max_filesize) {
		event_failure(md->fd, md->pid, md->mask, path,
			      "larger than --max-filesize", RL_TOO_BIG,
			      &wc.too_big, NULL);
		close(md->fd);
		return;
	}
	p = event_new(md, &st, path);
	if (!p) {
		event_failure(md->fd, md->pid, md->mask, path,
			      "out of memory", RL_OVERLOAD, &wc.overload,
			      NULL);
		close(md->fd);
		return;
	}
	queue(p, perm);
}

ssize_t reader_read(int fan, char *buf, size_t len)
{
	struct pollfd pfd[2] = { { fan, POLLIN, 0 }, { W.wake, POLLIN, 0 } };
	ssize_t n;

	if (atomic_load(&W.stopping))
		return -1;
	if (poll(pfd, 2, -1) < 0) {
		/* never give up reading: unread events have no deadline
		 * but the kernel's */
		if (errno != EINTR) {
			wlog_rl(RL_READ, WL_ERROR, "error", (struct jfield[]){
					JS("what", "poll"),
					JS("error", strerror(errno)) },
				2, "poll: %s", strerror(errno));
			usleep(1000);
		}
		return 0;
	}
	if (pfd[1].revents)
		return -1;
	n = read(fan, buf, len);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			wlog_rl(RL_READ, WL_ERROR, "error", (struct jfield[]){
					JS("what", "read events"),
					JS("error", strerror(errno)) },
				2, "cannot read events: %s", strerror(errno));
		return 0;
	}
	return n;
}

int reader_each(const char *buf, ssize_t n,
		void (*fn)(const struct fanotify_event_metadata *))
{
	const struct fanotify_event_metadata *md =
		(const struct fanotify_event_metadata *)buf;

	for (; FAN_EVENT_OK(md, n); md = FAN_EVENT_NEXT(md, n)) {
		if (md->vers != FANOTIFY_METADATA_VERSION) {
			wlog(WL_ERROR, "fanotify metadata version %u, "
			     "expected %u: stopping", md->vers,
			     FANOTIFY_METADATA_VERSION);
			if (md->fd >= 0)
				close(md->fd);
			kill(W.self, SIGTERM);
			return -1;
		}
		if (md->mask & FAN_Q_OVERFLOW) {
			atomic_fetch_add(&wc.overflow, 1);
			wlog_rl(RL_OVERFLOW, WL_WARNING, "overflow", NULL, 0,
				"event queue overflow: the kernel dropped "
				"events (their accesses were allowed)");
		}
		if (md->fd >= 0)
			fn(md);
	}
	return 0;
}

void *reader_main(void *arg)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	ssize_t n;

	(void)arg;
	while ((n = reader_read(W.fan, buf, sizeof(buf))) >= 0)
		if (n > 0 && reader_each(buf, n, handle) < 0)
			break;
	return NULL;
}
