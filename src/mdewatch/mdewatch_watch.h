/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_watch.h - what the watcher's threads share; the rest of the
 * daemon sees only watch_start(), watch_stop() and friends
 * (mdewatch_int.h).  A function's prefix names its file:
 *
 *   watch_*     mdewatch_watch.c     starting and stopping the threads
 *   reader_*    mdewatch_reader.c    the event loop: reads fanotify
 *                                    events; answers at once what needs
 *                                    no scan, queues the rest
 *   scope_*     mdewatch_scope.c     which files are ours: under a
 *                                    --path, not excluded
 *   event_*     mdewatch_event.c     an event in flight, its answer, its
 *                                    log lines
 *   deadline_*  mdewatch_deadline.c  answers a permission event nobody
 *                                    answered by its deadline
 *   inflight_*  mdewatch_inflight.c  events of a file whose scan is under
 *                                    way share its verdict
 *   worker_*    mdewatch_worker.c    the scan queue and the workers
 *                                    (--threads), each with its own
 *                                    mde_scanner
 *   bg_*        mdewatch_bg.c        (block mode) background scans of
 *                                    files just written
 *   fan_*       mdewatch_fan.c       the fanotify groups: marks,
 *                                    responses, the kernel cache's ignore
 *                                    marks
 *   gen_*       mdewatch_gen.c       generations of definitions; reloads
 *
 * A permission event is answered exactly once: whoever flips its
 * `answered` flag first writes the response.  Its fd stays open until
 * the last reference goes, so a late answer can never name a reused fd.
 * The reader never opens a file itself: an open on a watched filesystem
 * would wait for the reader.
 */
#ifndef MDEWATCH_WATCH_H
#define MDEWATCH_WATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>

#include "mdewatch_int.h"

#define PERM_EVENTS (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)
#define READ_BUF (256 * 1024) /* events read at once, per reader */
#define MAX_NAMES 4 /* finding names kept for the log, per scan */

/*
 * Timestamps move in clock ticks (up to 10 ms; finer since Linux 6.13 on
 * some filesystems): a write in the same tick as the change before it
 * leaves ctime alone.  A file changed less than this before its scan
 * began could change again unseen, so its verdict is not kept.  A ctime
 * in whole seconds is taken for a filesystem that keeps only seconds (2 s
 * on FAT).
 */
#define CTIME_SETTLE_NS 20000000
#define CTIME_SETTLE_COARSE_NS 2000000000

/* One event in flight. */
struct pev {
	int fd;
	pid_t pid;
	uint32_t mask;
	struct stat st;   /* at the event */
	uint64_t t0, deadline;
	uint64_t due;     /* background scan: not before */
	int bg;           /* a background scan, not an answer */
	atomic_int answered;
	atomic_int refs;
	struct pev *prev, *next; /* deadline list */
	int in_dl;
	/* in-flight table: a scan others wait for (inflight_join) */
	struct pev *hnext;     /* same bucket */
	struct pev *followers; /* events answered with this scan's verdict */
	struct pev *fnext;     /* next follower */
	int in_fl;
	char path[];
};

/*
 * One set of definitions: defs, engine and a scanner per worker; in
 * block mode also an engine and scanners for background scans, without
 * the persistent scan cache: a file just written cannot be found there
 * (its change time is new), and recording every new file there costs
 * more than its scan (the cache hashes the whole content); its verdict
 * goes to the memory and kernel caches.
 */
struct gen {
	unsigned id;
	mde_defs *defs;
	mde_engine *e, *ebg;
	mde_scanner **sc, **sbg;
	char ver[40];
	uint64_t bundle; /* the bundle's version, 0: not from a bundle */
};

/* What a scan found, for the answer and the log. */
struct scanres {
	int nfound, errors;
	char names[MAX_NAMES][128];
	char reason[128];
};

/* A queue of events: a ring of cap slots. */
struct ring {
	struct pev **v;
	size_t cap, head, len;
};

/* Appends p; 0 when the ring is full. */
static inline int ring_push(struct ring *r, struct pev *p)
{
	if (r->len == r->cap)
		return 0;
	r->v[(r->head + r->len++) % r->cap] = p;
	return 1;
}

/* The oldest event, left in place; NULL when the ring is empty. */
static inline struct pev *ring_peek(const struct ring *r)
{
	return r->len ? r->v[r->head] : NULL;
}

/* The oldest event, taken out; NULL when the ring is empty. */
static inline struct pev *ring_pop(struct ring *r)
{
	struct pev *p = ring_peek(r);

	if (p) {
		r->head = (r->head + 1) % r->cap;
		r->len--;
	}
	return p;
}

/* The watcher: set by watch_start(), the rest as each comment says. */
struct watcher {
	const struct wopts *o;
	int fan;
	int fanw; /* block mode: FAN_CLOSE_WRITE, notifications only */
	pid_t self;
	int wake; /* eventfd: the readers stop */
	atomic_int stopping;
	/* the current definitions; changed only while every worker is
	 * idle (paused and busy == 0) */
	struct gen *gen;
	atomic_uint gen_id;
	/* the scan queue, the background scans (in due order), under
	 * qlock */
	pthread_mutex_t qlock;
	pthread_cond_t qcond, idle;
	struct ring q, bq;
	int busy, paused, stop;
	/* responses and marks vs closing the group (mdewatch_fan.c) */
	pthread_rwlock_t fanlock;
	int fan_closed;
	/* threads */
	pthread_t reader, closes, *workers;
	int nworkers, started;
	atomic_int reloading;
	atomic_int kcache; /* ignore marks as the kernel cache */
	uint64_t kmask;    /* the gate event the ignore marks hold */
};

extern struct watcher W;

/* ------------------------------------------------- mdewatch_reader.c */

/* The reader of the group W.fan (a thread). */
void *reader_main(void *arg);

/* Waits for events on fan and reads them into buf; returns their
 * length, 0 to try again, -1 when the watcher stops. */
ssize_t reader_read(int fan, char *buf, size_t len);

/* Hands every event of buf[0..n) to fn, which owns its fd; -1 on a
 * metadata version this daemon does not know (it then stops). */
int reader_each(const char *buf, ssize_t n,
		void (*fn)(const struct fanotify_event_metadata *));

/* -------------------------------------------------- mdewatch_scope.c */

/* 1 when path is under a --path (a marked mount also holds others). */
int scope_in(const char *path);

/* 1 when the exclusions (--exclude-path, -dir, -ext, mdescan.conf's)
 * leave the file at path out, as they would leave it out of a scan. */
int scope_excluded_path(const char *path);

/* 1 when the executable pid runs now is an --exclude-process. */
int scope_excluded_process(pid_t pid);

/* -------------------------------------------------- mdewatch_event.c */

/* A new event in flight for md (its fd is the event's from now on), one
 * reference; NULL when out of memory (the fd is still the caller's). */
struct pev *event_new(const struct fanotify_event_metadata *md,
		      const struct stat *st, const char *path);

/* Drops a reference; the last one closes the fd and frees p. */
void event_unref(struct pev *p);

/* The path of the event's file into path (PATH_MAX bytes); 1 when it
 * was read whole, else 0 with a description of the fd there. */
int event_path(const struct fanotify_event_metadata *md, char *path);

/* "open", "read", "exec" or "close_write". */
const char *event_name(uint32_t mask);

/* Answers p unless someone did; 1 if this call did. */
int event_answer(struct pev *p, uint32_t verdict);

/* Answers an event that needs no scan (if it asks) and closes its fd. */
void event_settle(const struct fanotify_event_metadata *md, uint32_t v);

/*
 * A failure: the deadline passed, the queue was full, the file is too
 * big or could not be scanned.  A permission event is answered ALLOW
 * (DENY with --fail-closed) through p, or through fd when p is NULL;
 * every failure is counted in ctr and logged (kind k, why).
 */
void event_failure(int fd, pid_t pid, uint32_t mask, const char *path,
		   const char *why, enum rl_kind k,
		   atomic_uint_fast64_t *ctr, struct pev *p);

/* Logs the findings r of p's scan (ns long), action "denied" or
 * "reported", and hands them to the history (record_found); late: the
 * answer had gone before the verdict. */
void event_log_findings(const struct pev *p, const struct scanres *r,
			const char *action, int late, uint64_t ns);

/* ----------------------------------------------- mdewatch_deadline.c */

/* Starts the deadline thread; 0, or -1 with errno. */
int deadline_start(void);

/* Puts permission event p on the list (one reference more). */
void deadline_add(struct pev *p);

/* Takes p off the list if it is there (and drops that reference). */
void deadline_remove(struct pev *p);

/* Answers every event on the list ALLOW and ends the thread. */
void deadline_stop(void);

/* ----------------------------------------------- mdewatch_inflight.c */

/* The reader's: p (a permission event) joins the scan in flight of its
 * file and returns 1 (p's reference goes to that scan); else p is the
 * scan in flight of its file now: 0. */
int inflight_join(struct pev *p);

/* Takes p out of the table; returns its followers (a list on fnext). */
struct pev *inflight_leave(struct pev *p);

/* The scan of p is over: its followers get its verdict v, FAN_ALLOW or
 * FAN_DENY (r: the findings, logged for each), or 0 for a failure
 * (why).  A follower answered by its deadline meanwhile keeps that
 * answer. */
void inflight_done(struct pev *p, uint32_t v, const struct scanres *r,
		   const char *why);

/* ------------------------------------------------- mdewatch_worker.c */

/* Starts W.nworkers workers; returns how many started. */
int worker_start(void);

/* Queues p for a worker; 0 when the queue is full. */
int worker_enqueue(struct pev *p);

/* Scans p with scanner sc (NULL: out of memory) into r, *rc and
 * *nfound; returns the nanoseconds it took.  *t_scan: when it began. */
uint64_t worker_scan(struct pev *p, mde_scanner *sc, struct scanres *r,
		     int *rc, int *nfound, struct timespec *t_scan);

/* The file of st changed too recently at t for a verdict to be kept. */
int worker_unsettled(const struct stat *st, const struct timespec *t);

/* A clean verdict of generation gen goes to the caches when the file is
 * settled (t_scan: when its scan began) and did not change since. */
void worker_keep_clean(const struct pev *p, unsigned gen,
		       const struct timespec *t_scan);

/* Waits until no worker scans and keeps them idle; returns the current
 * generation, taken from them; NULL (not paused) when they stop. */
struct gen *worker_pause(void);

/* Gives the workers generation g (and forgets the memory cache's
 * verdicts of the old one); they go on. */
void worker_resume(struct gen *g);

/* Workers take no more work; running scans are cancelled where the
 * engine can. */
void worker_stop(void);

/* Joins the workers, waiting until the monotonic time limit; 1 when
 * they all ended. */
int worker_join(uint64_t limit);

/* Drops what the queues still hold (after worker_join()). */
void worker_drain(void);

/* ----------------------------------------------------- mdewatch_bg.c */

/* The reader of close events of the group W.fanw (a thread). */
void *bg_closes_main(void *arg);

/* The background scan of p by worker idx with generation g. */
void bg_scan(struct pev *p, struct gen *g, int idx);

/* ---------------------------------------------------- mdewatch_fan.c */

/* Writes a response; the group may already be closed at shutdown. */
void fan_respond(int fd, uint32_t verdict);

/* The kernel cache: an ignore mark for the gate's event on the file
 * of fd, found clean; fan_unignore() takes it away. */
void fan_ignore(int fd);
void fan_unignore(int fd);

/* Removes every ignore mark (new definitions). */
void fan_flush_ignores(void);

/* Closes the group W.fan: the kernel allows what was never read. */
void fan_close(void);

/* ---------------------------------------------------- mdewatch_gen.c */

/* A generation of defs, e and ebg (owned from now on, ebg may be NULL)
 * with room for a scanner per worker (gen_scanners() makes them); NULL
 * when out of memory. */
struct gen *gen_new(mde_defs *defs, mde_engine *e, mde_engine *ebg);
/* Makes (again) g's scanners, one per worker and engine, while no worker
 * runs; -1 (said) when some could not be made: their files fail. */
int gen_scanners(struct gen *g);

/* Frees g, its scanners, engines and definitions; NULL is fine. */
void gen_free(struct gen *g);

#endif
