/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_scan.c - the watcher's threads.
 *
 *   reader     reads fanotify events; answers at once what needs no scan
 *              (the daemon's own accesses, empty files, verdicts in the
 *              memory cache, excluded paths and processes, files above
 *              --max-filesize) and queues the rest;
 *   closes     (block mode) reads FAN_CLOSE_WRITE from a second,
 *              notification-only group, in batches: forgets the verdicts
 *              of files written and queues them for a background scan;
 *   workers    (--threads) each scan with their own mde_scanner and
 *              answer; a permission event always goes before a
 *              background scan;
 *   deadline   answers a permission event nobody answered by its
 *              deadline: ALLOW (or DENY with --fail-closed);
 *   reload     (on SIGHUP) builds new definitions and swaps them in.
 *
 * A permission event is answered exactly once: whoever flips its
 * `answered` flag first writes the response.  Its fd stays open until the
 * last reference goes, so a late answer can never name a reused fd.
 * Permission events sit on the deadline list in arrival order, which is
 * also deadline order.  The reader never opens a file itself: an open on
 * a watched filesystem would wait for the reader.
 *
 * Clean verdicts also become ignore marks (the kernel cache, see
 * kcache_add), so that the next opens of the file never reach us.
 *
 * The gate (--gate) is the permission event block mode waits on besides
 * executions: FAN_OPEN_PERM, or FAN_ACCESS_PERM, which the kernel raises
 * for each read(2) (and pread, readv, sendfile, splice) of a file opened
 * while the group had marks, never for opens, writes or mmap(2) page
 * faults.  Each read of a file not yet judged raises one; events for a
 * file whose scan is in flight join it (the in-flight table) instead of
 * starting another.
 *
 * Background scans: a file just written is scanned shortly after its
 * writer closed it (BG_DELAY_NS, once its change time has settled), so
 * that the open that reads it back is usually answered by the kernel
 * cache instead of waiting for a scan.  They only ever fill the caches:
 * nothing is answered or denied on their strength, a finding is left for
 * the next open or execution to deny, and a file changed after its scan
 * no longer matches the cached size and times (and lost its ignore mark).
 * Close events come through a group of their own, read in batches, so
 * that they neither wake the reader of permission events nor queue in
 * front of them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mdewatch_int.h"
#include "banned.h"

#define PERM_EVENTS (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)
#define READ_BUF (256 * 1024)
#define MAX_NAMES 4 /* finding names kept for the log, per scan */
/* close events gather this long between two reads of them */
#define CLOSE_BATCH_MS 5

struct wcounters wc;

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
	/* in-flight table: a scan others wait for (fl_join) */
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

static struct {
	const struct wopts *o;
	int fan;
	int fanw; /* block mode: FAN_CLOSE_WRITE, notifications only */
	pid_t self;
	int wake; /* eventfd: the reader stops */
	atomic_int stopping;
	/* the current definitions; changed only while every worker is
	 * idle (W.paused and W.busy == 0) */
	struct gen *gen;
	atomic_uint gen_id;
	/* scan queue */
	pthread_mutex_t qlock;
	pthread_cond_t qcond, idle;
	struct pev **q;
	size_t qcap, qhead, qlen;
	struct pev **bq; /* background scans, in due order */
	size_t bcap, bhead, blen;
	int busy, paused, stop;
	/* deadline list */
	pthread_mutex_t dlock;
	pthread_cond_t dcond;
	struct pev *dhead, *dtail;
	int dstop;
	/* responses vs closing the group */
	pthread_rwlock_t fanlock;
	int fan_closed;
	/* threads */
	pthread_t reader, closes, deadline, *workers;
	int nworkers, started;
	atomic_int reloading;
	atomic_int kcache; /* ignore marks as the kernel cache */
	uint64_t kmask;    /* the gate event the ignore marks hold */
	build_fn build;
	attach_fn attach;
} W = {
	.fan = -1, .fanw = -1, .wake = -1,
	.qlock = PTHREAD_MUTEX_INITIALIZER, .qcond = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER, .dlock = PTHREAD_MUTEX_INITIALIZER,
	.fanlock = PTHREAD_RWLOCK_INITIALIZER,
};

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------- answers */

/* Writes a response; the group may already be closed at shutdown. */
static void respond(int fd, uint32_t verdict)
{
	struct fanotify_response r = { .fd = fd, .response = verdict };
	ssize_t n = -1;
	int err;

	pthread_rwlock_rdlock(&W.fanlock);
	if (!W.fan_closed)
		n = write(W.fan, &r, sizeof(r));
	err = errno;
	pthread_rwlock_unlock(&W.fanlock);
	if (n != (ssize_t)sizeof(r) && !W.fan_closed)
		wlog_rl(RL_RESPONSE, WL_ERROR, "error",
			(struct jfield[]){ JS("what", "response"),
					   JS("error", strerror(err)) },
			2, "cannot answer a permission event: %s",
			strerror(err));
}

/* Answers p unless someone did; 1 if this call did. */
static int answer(struct pev *p, uint32_t verdict)
{
	if (atomic_exchange(&p->answered, 1))
		return 0;
	respond(p->fd, verdict);
	return 1;
}

static void pev_unref(struct pev *p)
{
	if (atomic_fetch_sub(&p->refs, 1) == 1) {
		close(p->fd);
		free(p);
	}
}

static const char *event_name(uint32_t mask)
{
	return mask & (FAN_OPEN_EXEC_PERM | FAN_OPEN_EXEC) ? "exec"
	       : mask & FAN_OPEN_PERM			  ? "open"
	       : mask & FAN_ACCESS_PERM			  ? "read"
							  : "close_write";
}

/* Who caused an event: raw for JSON, escaped for the text log (a
 * command name can hold anything, newlines included). */
struct who {
	char exe[256], comm[16];
	char exe_t[1024], comm_t[64];
};

static void who_of(pid_t pid, struct who *w)
{
	pst_ident(pid, w->exe, sizeof(w->exe), w->comm, sizeof(w->comm));
	wlog_path(w->exe_t, sizeof(w->exe_t), w->exe);
	wlog_path(w->comm_t, sizeof(w->comm_t), w->comm);
}

/*
 * A failure: the deadline passed, the queue was full, the file is too
 * big or could not be scanned.  A permission event is answered ALLOW
 * (DENY with --fail-closed); every failure is counted and logged.
 */
static void failure(int fd, pid_t pid, uint32_t mask, const char *path,
		    const char *why, enum rl_kind k,
		    atomic_uint_fast64_t *ctr, struct pev *p)
{
	int perm = (mask & PERM_EVENTS) != 0, deny = W.o->fail_closed;
	const char *action = !perm ? "not scanned" : deny ? "denied"
							  : "allowed";
	char shown[512];
	struct who w;

	if (perm) {
		if (p ? !answer(p, deny ? FAN_DENY : FAN_ALLOW) : 0)
			return; /* answered by the scan meanwhile */
		if (!p)
			respond(fd, deny ? FAN_DENY : FAN_ALLOW);
		atomic_fetch_add(deny ? &wc.fail_closed : &wc.fail_open, 1);
		pst_count(pid, PST_FAILURE);
	}
	atomic_fetch_add(ctr, 1);
	who_of(pid, &w);
	wlog_path(shown, sizeof(shown), path ? path : "?");
	wlog_rl(k, WL_WARNING, perm ? (deny ? "fail_closed" : "fail_open")
				    : "not_scanned",
		(struct jfield[]){ JS("path", path ? path : ""),
				   JS("reason", why), JS("action", action),
				   JS("event", event_name(mask)), JN("pid", pid),
				   JS("comm", w.comm), JS("exe", w.exe) },
		7, "%s: %s: %s, %s %s (pid %d %s %s)",
		perm ? (deny ? "fail-closed" : "fail-open") : "not scanned",
		shown, why, event_name(mask), action, (int)pid, w.comm_t,
		w.exe_t);
}

/* ------------------------------------------------------ deadline list */

static void dl_add(struct pev *p)
{
	pthread_mutex_lock(&W.dlock);
	atomic_fetch_add(&p->refs, 1);
	p->in_dl = 1;
	p->next = NULL;
	p->prev = W.dtail;
	if (W.dtail)
		W.dtail->next = p;
	else
		W.dhead = p;
	W.dtail = p;
	/* no wake-up: the deadline thread never sleeps past now + the
	 * deadline, and later events have later deadlines */
	pthread_mutex_unlock(&W.dlock);
}

static void dl_unlink(struct pev *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		W.dhead = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		W.dtail = p->prev;
	p->in_dl = 0;
}

static void dl_remove(struct pev *p)
{
	int drop = 0;

	pthread_mutex_lock(&W.dlock);
	if (p->in_dl) {
		dl_unlink(p);
		drop = 1;
	}
	pthread_mutex_unlock(&W.dlock);
	if (drop)
		pev_unref(p);
}

static void *deadline_main(void *arg)
{
	uint64_t span = (uint64_t)W.o->deadline_ms * 1000000u;
	struct timespec ts;
	char why[64];

	(void)arg;
	snprintf(why, sizeof(why), "deadline of %lld ms passed",
		 (long long)W.o->deadline_ms);
	pthread_mutex_lock(&W.dlock);
	while (!W.dstop) {
		struct pev *p = W.dhead;
		uint64_t now = now_ns();

		if (!p || now < p->deadline) {
			/* an event queued while we sleep is due after we wake */
			uint64_t until = p ? p->deadline : now + span;

			ts.tv_sec = (time_t)(until / 1000000000u);
			ts.tv_nsec = (long)(until % 1000000000u);
			pthread_cond_timedwait(&W.dcond, &W.dlock, &ts);
			continue;
		}
		dl_unlink(p);
		pthread_mutex_unlock(&W.dlock);
		/* the scan goes on; a late finding is still reported */
		failure(p->fd, p->pid, p->mask, p->path, why, RL_DEADLINE,
			&wc.deadline, p);
		pev_unref(p);
		pthread_mutex_lock(&W.dlock);
	}
	pthread_mutex_unlock(&W.dlock);
	return NULL;
}

/* ------------------------------------------------------------ workers */

struct scanres {
	int nfound, errors;
	char names[MAX_NAMES][128];
	char reason[128];
};

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

static void log_findings(const struct pev *p, const struct scanres *r,
			 const char *action, int late, uint64_t ns)
{
	char shown[512], name[256];
	struct who w;
	int i;

	who_of(p->pid, &w);
	wlog_path(shown, sizeof(shown), p->path);
	for (i = 0; i < r->nfound && i < MAX_NAMES; i++) {
		wlog_path(name, sizeof(name), r->names[i]);
		wlog_ev(WL_WARNING, "finding",
			(struct jfield[]){ JS("path", p->path),
					   JS("name", r->names[i]),
					   JS("action", action),
					   JS("event", event_name(p->mask)),
					   JN("pid", p->pid), JS("comm", w.comm),
					   JS("exe", w.exe),
					   JN("scan_us", ns / 1000),
					   JN("late", late) },
			9, "%s: %s FOUND, %s %s (pid %d %s %s)%s", shown,
			name, event_name(p->mask), action, (int)p->pid,
			w.comm_t, w.exe_t,
			late ? " - after the deadline: the access was allowed"
			     : "");
	}
}

/*
 * The kernel cache: an ignore mark for the gate's event (FAN_OPEN_PERM
 * or FAN_ACCESS_PERM) on the inode of a file found clean, so that the
 * kernel does not even ask about its next opens or reads.  The kernel
 * clears it on the file's next modification (FAN_MODIFY: write, truncate,
 * fallocate: without FAN_MARK_IGNORED_SURV_MODIFY); a FAN_CLOSE_WRITE
 * removes it too, for writes through a shared mapping, which do not count
 * as modifications; a reload flushes them all.  Execution is never left
 * to it: FAN_OPEN_EXEC_PERM still reaches the memory cache, which
 * compares times.  Evictable marks (Linux 5.19) do not pin inodes in memory.
 */
static void kcache_add(int fd)
{
	int rc = 0;

	if (!atomic_load(&W.kcache))
		return;
	pthread_rwlock_rdlock(&W.fanlock);
	if (!W.fan_closed)
		rc = fanotify_mark(W.fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK |
					  FAN_MARK_EVICTABLE, W.kmask,
				   fd, NULL);
	pthread_rwlock_unlock(&W.fanlock);
	if (rc == 0)
		return;
	if (errno == EINVAL && atomic_exchange(&W.kcache, 0))
		wlog(WL_INFO, "no evictable fanotify marks in this kernel "
		     "(Linux 5.19): the kernel cache is off");
	else if (errno != EINVAL)
		wlog_rl(RL_KCACHE, WL_DEBUG, "error", (struct jfield[]){
				JS("what", "ignore mark"),
				JS("error", strerror(errno)) }, 2,
			"cannot add an ignore mark: %s", strerror(errno));
}

static void kcache_remove(int fd)
{
	if (!atomic_load(&W.kcache))
		return;
	pthread_rwlock_rdlock(&W.fanlock);
	if (!W.fan_closed) /* ENOENT: there was no mark */
		fanotify_mark(W.fan, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK,
			      W.kmask, fd, NULL);
	pthread_rwlock_unlock(&W.fanlock);
}

/* fstat(2) of the open file still says what it said at the event. */
static int unchanged(int fd, const struct stat *a)
{
	struct stat b;

	return fstat(fd, &b) == 0 && b.st_size == a->st_size &&
	       ts_ns(&b.st_mtim) == ts_ns(&a->st_mtim) &&
	       ts_ns(&b.st_ctim) == ts_ns(&a->st_ctim);
}

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
/* a background scan waits this long after the close, so that a file's
 * change time is settled when it begins (tar sets times and mode before
 * it closes) */
#define BG_DELAY_NS (CTIME_SETTLE_NS + 5000000)

/* The file of st changed too recently at t for a verdict to be kept. */
static int unsettled(const struct stat *st, const struct timespec *t)
{
	return ts_ns(t) - ts_ns(&st->st_ctim) <
	       (st->st_ctim.tv_nsec ? CTIME_SETTLE_NS : CTIME_SETTLE_COARSE_NS);
}

/* A clean verdict goes to the caches when the file is settled and did
 * not change during the scan. */
static void remember_clean(const struct pev *p, unsigned gen,
			   const struct timespec *t_scan)
{
	if (unsettled(&p->st, t_scan))
		return;
	if ((p->mask & (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_CLOSE_WRITE)) &&
	    W.o->mode == MODE_BLOCK)
		kcache_add(p->fd);
	if (!unchanged(p->fd, &p->st)) {
		/* changed before the mark was in place: no FAN_MODIFY
		 * cleared it */
		kcache_remove(p->fd);
		return;
	}
	lru_put(&p->st, gen);
}

/* Scans p with scanner sc (NULL: out of memory); returns the
 * nanoseconds it took.  *t_scan: the time it began. */
static uint64_t scan(struct pev *p, mde_scanner *sc, struct scanres *r,
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

/*
 * A background scan of a file closed after writing: only a clean
 * verdict is used (kept in the caches).  Skipped when the file was
 * scanned since (an open came first), is empty or too big now, or
 * changed too recently for its verdict to be kept.
 */
static void process_bg(struct pev *p, struct gen *g, int idx)
{
	struct scanres r;
	struct timespec now;
	uint64_t ns;
	int rc, nfound;

	clock_gettime(CLOCK_REALTIME, &now);
	if (fstat(p->fd, &p->st) < 0 || p->st.st_size == 0 ||
	    (W.o->max_filesize && p->st.st_size > W.o->max_filesize) ||
	    unsettled(&p->st, &now) || lru_get(&p->st, g->id)) {
		atomic_fetch_add(&wc.bg_skipped, 1);
		return;
	}
	ns = scan(p, g->sbg ? g->sbg[idx] : g->sc[idx], &r, &rc, &nfound,
		  &now);
	atomic_fetch_add(&wc.background, 1);
	pst_scan(p->pid, ns, 0);
	if (nfound > 0 || r.nfound > 0 || r.errors ||
	    (rc != MDE_OK && rc != MDE_ERR_IO)) {
		/* the open or execution that comes will scan it again and
		 * deny it; reported there, with the process that wants it */
		if (wlog_enabled(WL_DEBUG)) {
			char shown[512];

			wlog_path(shown, sizeof(shown), p->path);
			wlog(WL_DEBUG, "%s: not clean after close-write (%s); "
			     "left to its next open", shown,
			     r.nfound || nfound ? r.names[0]
						: r.errors ? r.reason
							   : mde_status_str(rc));
		}
		return;
	}
	remember_clean(p, g->id, &now);
}

/* -------------------------------------------------- in-flight table */

/*
 * Permission events whose scan is queued or running, by inode.  An event
 * for the same file (same inode, size and times) that comes meanwhile,
 * typically the next read(2) of another thread or process, is answered
 * with that scan's verdict instead of queueing a scan of its own.  Each
 * follower stays on the deadline list with its own deadline.
 */
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

/* The reader's: p (a permission event) joins the scan in flight of its
 * file and returns 1 (p's reference goes to that scan); else p is the
 * scan in flight of its file now: 0. */
static int fl_join(struct pev *p)
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

/* Takes p out of the table; returns its followers. */
static struct pev *fl_leave(struct pev *p)
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

/*
 * The scan of p is over: its followers get its verdict v, FAN_ALLOW or
 * FAN_DENY (r: the findings, logged for each), or 0 for a failure
 * (why).  A follower answered by its deadline meanwhile keeps that answer.
 */
static void fl_done(struct pev *p, uint32_t v, const struct scanres *r,
		    const char *why)
{
	struct pev *f = fl_leave(p), *next;

	for (; f; f = next) {
		next = f->fnext;
		atomic_fetch_add(&wc.coalesced, 1);
		if (v == FAN_DENY) {
			int denied = answer(f, FAN_DENY);

			atomic_fetch_add(denied ? &wc.denied : &wc.reported, 1);
			if (!denied)
				atomic_fetch_add(&wc.late, 1);
			pst_scan(f->pid, 0, denied);
			log_findings(f, r, denied ? "denied" : "reported",
				     !denied, 0);
		} else if (v == FAN_ALLOW) {
			answer(f, FAN_ALLOW);
		} else {
			failure(f->fd, f->pid, f->mask, f->path, why,
				RL_SCAN_ERROR, &wc.errors, f);
		}
		dl_remove(f);
		pev_unref(f);
	}
}

static void process(struct pev *p, struct gen *g, int idx)
{
	int perm = (p->mask & PERM_EVENTS) != 0;
	int block = W.o->mode == MODE_BLOCK, late = 0, denied = 0;
	const char *why;
	struct scanres r;
	struct timespec t_scan;
	uint64_t ns;
	int rc, nfound;

	if (p->bg) {
		process_bg(p, g, idx);
		return;
	}
	ns = scan(p, g->sc[idx], &r, &rc, &nfound, &t_scan);
	if (nfound > 0 || r.nfound > 0) {
		if (perm && block) {
			denied = answer(p, FAN_DENY);
			late = !denied;
		}
		atomic_fetch_add(denied ? &wc.denied : &wc.reported, 1);
		if (late)
			atomic_fetch_add(&wc.late, 1);
		fl_done(p, FAN_DENY, &r, NULL);
	} else if (r.errors || (rc != MDE_OK && rc != MDE_ERR_IO)) {
		/* MDE_ERR_IO without an error event of ours is another
		 * scanner's error: the engine counts errors per engine */
		why = r.errors ? r.reason : mde_status_str(rc);
		failure(p->fd, p->pid, p->mask, p->path, why, RL_SCAN_ERROR,
			&wc.errors, perm ? p : NULL);
		fl_done(p, 0, &r, why);
	} else {
		/* the caches first: the reader's next read(2) may follow
		 * the answer at once (read gating) */
		remember_clean(p, g->id, &t_scan);
		if (perm)
			answer(p, FAN_ALLOW);
		fl_done(p, FAN_ALLOW, &r, NULL);
	}
	if (perm)
		dl_remove(p);
	pst_scan(p->pid, ns, denied);
	if (r.nfound)
		log_findings(p, &r, denied ? "denied" : "reported", late, ns);
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
		if (!W.paused && W.qlen) {
			p = W.q[W.qhead];
			W.qhead = (W.qhead + 1) % W.qcap;
			W.qlen--;
			return p;
		}
		if (W.paused || !W.blen) {
			pthread_cond_wait(&W.qcond, &W.qlock);
			continue;
		}
		p = W.bq[W.bhead];
		if (p->due <= now_ns()) {
			W.bhead = (W.bhead + 1) % W.bcap;
			W.blen--;
			return p;
		}
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
		pev_unref(p);
		pthread_mutex_lock(&W.qlock);
		if (--W.busy == 0 && W.paused)
			pthread_cond_broadcast(&W.idle);
	}
	pthread_mutex_unlock(&W.qlock);
	return NULL;
}

/* Queues p for a worker; 0 when the queue is full. */
static int enqueue(struct pev *p)
{
	int ok = 0;

	pthread_mutex_lock(&W.qlock);
	if (W.qlen < W.qcap) {
		W.q[(W.qhead + W.qlen) % W.qcap] = p;
		W.qlen++;
		ok = 1;
		pthread_cond_signal(&W.qcond);
	}
	pthread_mutex_unlock(&W.qlock);
	return ok;
}

/* Queues p for a background scan; 0 when that queue is full. */
static int enqueue_bg(struct pev *p)
{
	int ok = 0;

	pthread_mutex_lock(&W.qlock);
	if (W.blen < W.bcap) {
		W.bq[(W.bhead + W.blen) % W.bcap] = p;
		/* waiting workers sleep until the head is due: only a new
		 * head needs to wake one */
		if (W.blen++ == 0)
			pthread_cond_signal(&W.qcond);
		ok = 1;
	}
	pthread_mutex_unlock(&W.qlock);
	return ok;
}

/* ------------------------------------------------------------- reader */

/* The path is under a --path (a marked mount also holds other files). */
static int in_scope(const char *path)
{
	size_t i, n;

	for (i = 0; i < W.o->npaths; i++) {
		const char *p = W.o->paths[i];

		n = strlen(p);
		if (n == 1 && p[0] == '/')
			return 1;
		if (strncmp(path, p, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return 1;
	}
	return 0;
}

/* --exclude-path: a glob pattern (fnmatch, '*' crosses '/') or, without
 * wildcards, a file or a directory and everything below it. */
static int excluded_path(const char *path)
{
	size_t i, n;

	for (i = 0; i < W.o->nexcl_path; i++) {
		const char *x = W.o->excl_path[i];

		if (strpbrk(x, "*?[")) {
			if (fnmatch(x, path, 0) == 0)
				return 1;
			continue;
		}
		n = strlen(x);
		while (n > 1 && x[n - 1] == '/')
			n--;
		if (strncmp(path, x, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/' || x[n - 1] == '/'))
			return 1;
	}
	return 0;
}

/* --exclude-process: the executable now (a process may have exec'd
 * another program since its last event, so this is read every time). */
static int excluded_process(pid_t pid)
{
	char exe[PATH_MAX];
	size_t i;

	if (!W.o->nexcl_proc || proc_exe(pid, exe, sizeof(exe)) < 0)
		return 0;
	pst_seen(pid, exe);
	for (i = 0; i < W.o->nexcl_proc; i++)
		if (strcmp(exe, W.o->excl_proc[i]) == 0)
			return 1;
	return 0;
}

/* Answers an event that needs no scan and closes its fd. */
static void settle(const struct fanotify_event_metadata *md, uint32_t v)
{
	if (md->mask & PERM_EVENTS)
		respond(md->fd, v);
	close(md->fd);
}

/* The path of the event's file into path (PATH_MAX bytes); 1 when it
 * was read whole, else 0 with a description of the fd there. */
static int event_path(const struct fanotify_event_metadata *md, char *path)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", md->fd);
	n = readlink(link, path, PATH_MAX - 1);
	if (n > 0 && n < PATH_MAX - 1) {
		path[n] = '\0';
		return 1;
	}
	snprintf(path, PATH_MAX, "(fd %d of pid %d: %s)", md->fd, (int)md->pid,
		 n < 0 ? strerror(errno) : "path too long");
	return 0;
}

/* A new event in flight for md (its fd is the event's from now on);
 * NULL when out of memory. */
static struct pev *pev_new(const struct fanotify_event_metadata *md,
			   const struct stat *st, const char *path)
{
	size_t len = strlen(path);
	struct pev *p = malloc(sizeof(*p) + len + 1);

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	memcpy(p->path, path, len + 1);
	p->fd = md->fd;
	p->pid = md->pid;
	p->mask = md->mask;
	p->st = *st;
	p->t0 = now_ns();
	p->deadline = p->t0 + (uint64_t)W.o->deadline_ms * 1000000u;
	atomic_init(&p->refs, 1);
	return p;
}

/*
 * FAN_CLOSE_WRITE in block mode: the file changed, so its verdicts go;
 * a regular file in scope is queued for a background scan (a full queue
 * only costs the scan at its next open).
 */
static void closed_write(const struct fanotify_event_metadata *md)
{
	char path[PATH_MAX];
	struct stat st;
	struct pev *p;

	atomic_fetch_add(&wc.events, 1);
	if (md->pid == W.self || fstat(md->fd, &st) < 0 ||
	    !S_ISREG(st.st_mode)) {
		atomic_fetch_add(&wc.own, md->pid == W.self);
		close(md->fd);
		return;
	}
	lru_forget(&st);
	kcache_remove(md->fd);
	if (st.st_size == 0 || !event_path(md, path) || !in_scope(path) ||
	    excluded_path(path) ||
	    (W.o->max_filesize && st.st_size > W.o->max_filesize) ||
	    !W.bcap || (!atomic_load(&W.kcache) && !W.o->lru_size)) {
		close(md->fd);
		return;
	}
	pst_seen(md->pid, NULL);
	p = pev_new(md, &st, path);
	if (!p) {
		close(md->fd);
		return;
	}
	p->bg = 1;
	p->due = p->t0 + BG_DELAY_NS;
	if (!enqueue_bg(p)) {
		atomic_fetch_add(&wc.bg_dropped, 1);
		pev_unref(p);
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
		settle(md, FAN_ALLOW);
		return;
	}
	if (fstat(md->fd, &st) < 0) {
		failure(md->fd, md->pid, md->mask, NULL, strerror(errno),
			RL_SCAN_ERROR, &wc.errors, NULL);
		close(md->fd);
		return;
	}
	pst_seen(md->pid, NULL);
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		atomic_fetch_add(&wc.empty, S_ISREG(st.st_mode));
		settle(md, FAN_ALLOW);
		return;
	}
	if (lru_get(&st, atomic_load(&W.gen_id))) {
		atomic_fetch_add(&wc.cached, 1);
		pst_count(md->pid, PST_CACHED);
		settle(md, FAN_ALLOW);
		return;
	}
	/* a path that cannot be read whole is scanned, never let through
	 * on the strength of a wrong name */
	named = event_path(md, path);
	if (named && !in_scope(path)) {
		atomic_fetch_add(&wc.outside, 1);
		settle(md, FAN_ALLOW);
		return;
	}
	if ((named && excluded_path(path)) || excluded_process(md->pid)) {
		atomic_fetch_add(&wc.excluded, 1);
		pst_count(md->pid, PST_EXCLUDED);
		settle(md, FAN_ALLOW);
		return;
	}
	if (W.o->max_filesize && st.st_size > W.o->max_filesize) {
		failure(md->fd, md->pid, md->mask, path,
			"larger than --max-filesize", RL_TOO_BIG, &wc.too_big,
			NULL);
		close(md->fd);
		return;
	}
	p = pev_new(md, &st, path);
	if (!p) {
		failure(md->fd, md->pid, md->mask, path, "out of memory",
			RL_OVERLOAD, &wc.overload, NULL);
		close(md->fd);
		return;
	}
	if (perm) {
		dl_add(p);
		if (fl_join(p))
			return; /* answered with the scan in flight */
	}
	if (!enqueue(p)) {
		failure(p->fd, p->pid, p->mask, path, "scan queue full",
			RL_OVERLOAD, &wc.overload, perm ? p : NULL);
		fl_leave(p); /* no follower yet: only this thread adds them */
		if (perm)
			dl_remove(p);
		pev_unref(p);
	}
}

/* Waits for events on fan and reads them into buf; returns their
 * length, 0 to try again, -1 when the watcher stops. */
static ssize_t read_events(int fan, char *buf, size_t len)
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

/* Hands every event of buf[0..n) to fn; -1 on a metadata version this
 * daemon does not know (it then stops). */
static int each_event(const char *buf, ssize_t n,
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

static void *reader_main(void *arg)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	ssize_t n;

	(void)arg;
	while ((n = read_events(W.fan, buf, sizeof(buf))) >= 0)
		if (n > 0 && each_event(buf, n, handle) < 0)
			break;
	return NULL;
}

/* Reads the close events of block mode; after each batch it lets the
 * next ones gather for CLOSE_BATCH_MS: one wake-up for many closes. */
static void *closes_main(void *arg)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	struct pollfd wake = { W.wake, POLLIN, 0 };
	ssize_t n;

	(void)arg;
	while ((n = read_events(W.fanw, buf, sizeof(buf))) >= 0) {
		if (n > 0 && each_event(buf, n, closed_write) < 0)
			break;
		if (poll(&wake, 1, CLOSE_BATCH_MS) > 0)
			break;
	}
	return NULL;
}

/* ------------------------------------------------------- generations */

static void gen_free(struct gen *g)
{
	int i;

	if (!g)
		return;
	for (i = 0; g->sc && i < W.nworkers; i++)
		mde_scanner_free(g->sc[i]);
	for (i = 0; g->sbg && i < W.nworkers; i++)
		mde_scanner_free(g->sbg[i]);
	free(g->sc);
	free(g->sbg);
	mde_engine_free(g->e);
	mde_engine_free(g->ebg);
	mde_defs_free(g->defs);
	free(g);
}

/* A scanner of e per worker; NULL when out of memory. */
static mde_scanner **scanners_new(mde_engine *e)
{
	mde_scanner **sc = calloc((size_t)W.nworkers, sizeof(*sc));
	int i;

	for (i = 0; sc && i < W.nworkers; i++) {
		if (!(sc[i] = mde_scanner_new(e))) {
			while (i-- > 0)
				mde_scanner_free(sc[i]);
			free(sc);
			return NULL;
		}
	}
	return sc;
}

/* A generation of defs, e and ebg (owned from now on, ebg may be NULL)
 * with a scanner per worker; NULL when out of memory. */
static struct gen *gen_new(mde_defs *defs, mde_engine *e, mde_engine *ebg)
{
	struct gen *g = calloc(1, sizeof(*g));
	mde_bundle_info bi;

	if (!g) {
		mde_engine_free(e);
		mde_engine_free(ebg);
		mde_defs_free(defs);
		return NULL;
	}
	g->defs = defs;
	g->e = e;
	g->ebg = ebg;
	snprintf(g->ver, sizeof(g->ver), "%s", mde_defs_version(defs));
	if (mde_defs_bundle_info(defs, &bi) == MDE_OK)
		g->bundle = bi.version;
	g->sc = scanners_new(e);
	if (ebg)
		g->sbg = scanners_new(ebg);
	if (!g->sc || (ebg && !g->sbg)) {
		gen_free(g);
		return NULL;
	}
	return g;
}

/* The scanners again, after the engine got its scan cache (a scanner
 * made before has no reader of it). */
static void gen_rescan(struct gen *g)
{
	int i;

	for (i = 0; i < W.nworkers; i++) {
		mde_scanner_free(g->sc[i]);
		g->sc[i] = mde_scanner_new(g->e);
		if (!g->sc[i])
			wlog(WL_ERROR, "worker %d has no scanner (out of "
			     "memory): its files are failures", i);
	}
}

void watch_defs_version(char *buf, size_t len)
{
	pthread_mutex_lock(&W.qlock);
	snprintf(buf, len, "%s", W.gen ? W.gen->ver : "");
	pthread_mutex_unlock(&W.qlock);
}

static void notify_ready(const char *what)
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

static void *reload_main(void *arg)
{
	const char *cause = arg;
	mde_defs *defs = NULL;
	mde_engine *e = NULL, *ebg = NULL;
	struct gen *g = NULL, *old;
	uint64_t t0 = now_ns();
	char msg[96];

	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(t0 / 1000));
	wnotify(msg);
	wlog_reopen();
	wlog(WL_INFO, "reloading definitions (%s)", cause);
	if (W.build(W.o, &defs, &e, &ebg) == 0)
		g = gen_new(defs, e, ebg);
	if (!g) {
		atomic_fetch_add(&wc.reload_failures, 1);
		wlog_ev(WL_ERROR, "reload", (struct jfield[]){
				JS("status", "failed"), JS("cause", cause) }, 2,
			"reload failed (%s): the old definitions stay in use",
			cause);
		notify_ready("reload failed");
		goto out;
	}
	/* Two engines may not have the scan cache open at once (LMDB
	 * allows one environment per process): the old generation goes
	 * while every worker is idle; events queue meanwhile. */
	pthread_mutex_lock(&W.qlock);
	W.paused = 1;
	while (W.busy > 0 && !W.stop)
		pthread_cond_wait(&W.idle, &W.qlock);
	if (W.stop) {
		W.paused = 0;
		pthread_mutex_unlock(&W.qlock);
		gen_free(g);
		goto out;
	}
	old = W.gen;
	W.gen = NULL;
	pthread_mutex_unlock(&W.qlock);
	/* without the lock: the reader must go on answering, and the
	 * cache may live on a watched filesystem (our own opens there are
	 * answered by the reader) */
	g->id = old->id + 1;
	gen_free(old);
	if (W.attach(W.o, g->e))
		gen_rescan(g);
	/* verdicts of the old definitions go, before any new scan */
	if (atomic_load(&W.kcache) &&
	    fanotify_mark(W.fan, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL) < 0)
		wlog(WL_ERROR, "cannot flush the kernel cache: %s",
		     strerror(errno));
	pthread_mutex_lock(&W.qlock);
	W.gen = g;
	atomic_store(&W.gen_id, g->id);
	lru_clear();
	W.paused = 0;
	pthread_cond_broadcast(&W.qcond);
	pthread_mutex_unlock(&W.qlock);
	atomic_fetch_add(&wc.reloads, 1);
	snprintf(msg, sizeof(msg), ", bundle version %llu",
		 (unsigned long long)g->bundle);
	wlog_ev(WL_INFO, "reload", (struct jfield[]){
			JS("status", "ok"), JS("defs_version", g->ver),
			JN("bundle_version", g->bundle), JS("cause", cause),
			JN("ms", (now_ns() - t0) / 1000000) }, 5,
		"definitions reloaded: version %s%s (%s, %.1f ms)", g->ver,
		g->bundle ? msg : "", cause, (double)(now_ns() - t0) / 1e6);
	notify_ready("reloaded");
out:
	atomic_store(&W.reloading, 0);
	return NULL;
}

int watch_reload(const char *cause)
{
	pthread_attr_t a;
	pthread_t t;
	int rc = 1;

	if (atomic_exchange(&W.reloading, 1)) {
		wlog(WL_INFO, "a reload is already under way");
		return 0;
	}
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	/* cause: a string constant of the caller */
	if (pthread_create(&t, &a, reload_main, (void *)(uintptr_t)cause)) {
		wlog(WL_ERROR, "cannot start the reload: %s", strerror(errno));
		atomic_store(&W.reloading, 0);
		rc = 0;
	}
	pthread_attr_destroy(&a);
	return rc;
}

/* ------------------------------------------------------ start / stop */

int watch_start(const struct wopts *o, int fan, int fanw, mde_defs *defs,
		mde_engine *e, mde_engine *ebg, build_fn build,
		attach_fn attach)
{
	pthread_condattr_t ca;
	int i;

	W.o = o;
	W.fan = fan;
	W.fanw = fanw;
	W.self = getpid();
	W.build = build;
	W.attach = attach;
	W.nworkers = o->threads;
	atomic_store(&W.kcache, o->mode == MODE_BLOCK && !o->no_kcache);
	W.kmask = o->gate == GATE_READ ? FAN_ACCESS_PERM : FAN_OPEN_PERM;
	W.qcap = (size_t)o->queue_size;
	W.bcap = (size_t)o->bg_queue_size;
	W.q = calloc(W.qcap, sizeof(*W.q));
	W.bq = calloc(W.bcap ? W.bcap : 1, sizeof(*W.bq));
	W.workers = calloc((size_t)W.nworkers, sizeof(*W.workers));
	W.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!W.q || !W.bq || !W.workers || W.wake < 0 ||
	    lru_init((size_t)o->lru_size)) {
		wlog(WL_ERROR, "cannot start: %s", strerror(errno ? errno
								   : ENOMEM));
		mde_engine_free(e);
		mde_engine_free(ebg);
		mde_defs_free(defs);
		return -1;
	}
	/* scanners are made here, one thread, before any worker runs */
	attach(o, e);
	W.gen = gen_new(defs, e, ebg);
	if (!W.gen) {
		wlog(WL_ERROR, "cannot make %d scanners: out of memory",
		     W.nworkers);
		return -1;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&W.dcond, &ca);
	/* workers wait for a background scan's due time, monotonic */
	pthread_cond_destroy(&W.qcond);
	pthread_cond_init(&W.qcond, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < W.nworkers; i++) {
		if (pthread_create(&W.workers[i], NULL, worker_main,
				   (void *)(intptr_t)i) != 0)
			break;
	}
	W.nworkers = i;
	if (i == 0 || pthread_create(&W.deadline, NULL, deadline_main, NULL) ||
	    pthread_create(&W.reader, NULL, reader_main, NULL) ||
	    (W.fanw >= 0 &&
	     pthread_create(&W.closes, NULL, closes_main, NULL))) {
		wlog(WL_ERROR, "cannot start threads: %s", strerror(errno));
		return -1;
	}
	W.started = 1;
	return 0;
}

void watch_ready(void)
{
	notify_ready("watching");
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

int watch_stop(void)
{
	uint64_t limit = now_ns() + 500000000u; /* 0.5 s for running scans */
	struct pev *p;
	int i, all = 1;
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
	/* 2. workers stop taking work; a running scan is cut short where
	 * the engine can (containers) */
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
	/* 3. every permission event read and not answered: ALLOW */
	pthread_mutex_lock(&W.dlock);
	W.dstop = 1;
	while ((p = W.dhead)) {
		dl_unlink(p);
		pthread_mutex_unlock(&W.dlock);
		answer(p, FAN_ALLOW);
		pev_unref(p);
		pthread_mutex_lock(&W.dlock);
	}
	pthread_cond_signal(&W.dcond);
	pthread_mutex_unlock(&W.dlock);
	pthread_join(W.deadline, NULL);
	/* 4. the group goes: the kernel allows what was never read */
	pthread_rwlock_wrlock(&W.fanlock);
	W.fan_closed = 1;
	close(W.fan);
	pthread_rwlock_unlock(&W.fanlock);
	/* 5. running scans get a bounded time; a scan still running is
	 * abandoned with the process */
	for (i = 0; i < W.nworkers; i++)
		all &= join_by(W.workers[i], limit);
	if (!all || atomic_load(&W.reloading))
		return 0;
	pthread_mutex_lock(&W.qlock);
	while (W.qlen) {
		/* followers were answered ALLOW with the deadline list */
		fl_done(W.q[W.qhead], FAN_ALLOW, NULL, NULL);
		pev_unref(W.q[W.qhead]);
		W.qhead = (W.qhead + 1) % W.qcap;
		W.qlen--;
	}
	while (W.blen) {
		pev_unref(W.bq[W.bhead]);
		W.bhead = (W.bhead + 1) % W.bcap;
		W.blen--;
	}
	pthread_mutex_unlock(&W.qlock);
	gen_free(W.gen);
	W.gen = NULL;
	free(W.q);
	free(W.bq);
	free(W.workers);
	lru_free();
	close(W.wake);
	return 1;
}
