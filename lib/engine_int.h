/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine_int.h - state shared by engine.c (threads, queue, API),
 * walk.c (the directory walker) and pipeline.c (per-file stages).
 */
#ifndef MDE_ENGINE_INT_H
#define MDE_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "cache.h"
#include "arc.h"
#include "exclude.h"
#include "mde_int.h"

/* An open directory shared by the files queued from it. */
typedef struct mde__dir {
	int fd;
	atomic_int refs;
} mde__dir;

/* One file to scan: opened relative to dir (or by path when dir is NULL;
 * under a scan root, with inroot, by its path inside the root). */
typedef struct mde__item {
	mde__dir *dir;
	char *path;  /* absolute display path, malloc'd, NUL terminated */
	size_t len;  /* strlen(path) */
	size_t base; /* offset of the base name in path */
	int inroot;  /* resolved from the root (mde__root_open), not dir */
} mde__item;

typedef struct mde__worker mde__worker;

struct mde_engine {
	const mde_defs *defs;
	/* options */
	int nthreads;
	int64_t max_filesize;
	int timeout_ms;
	int max_depth;
	int follow, one_fs, skip_special, report_clean, all_match;
	int test_delay_ms;
	mde__arc_limits arc; /* the archive stage; arc.types 0 = off */
	int bomb_policy;     /* mde_policy */
	int pua_policy;      /* mde_policy */
	int file_events;     /* MDE_EV_FILE per file on disk */
	int file_hashes;     /* MD5, SHA-1, SHA-256 of every file read */
	int64_t newer_than;  /* unix seconds; 0 = every file */
	int64_t shard_k, shard_n; /* scan files whose path hash % n == k-1 */
	int cage;            /* MDE_OPT_CAGE: stages in caged workers */
	struct mde__zygote *zyg; /* what the workers fork from, or NULL */
	pthread_mutex_t zlock;   /* zyg */
	int64_t cage_mem;    /* MDE_OPT_CAGE_MEMORY */
	/* the scan root (mde_engine_set_root), or rootfd -1 */
	int rootfd;          /* O_PATH descriptor of the root */
	char *root;          /* its canonical host path */
	size_t rootlen;      /* bytes of root that prefix every display path
				("" for "/": the rest starts with '/') */
	char **allowed;      /* allowed threat names and SHA-256s, sorted */
	size_t nallowed, capallowed;
	int allow_sha;       /* some are SHA-256s: hash every file */
	mde__excl *excl;
	mde__cache *cache;
	int has_cache;       /* the scan keeps verdicts: true in a caged
				worker too, whose cache is NULL (stages ask
				this, only the thread touches the cache) */
	uint8_t ver[16], ver_nohash[16]; /* verdict versions for the cache */
	char err[256];
	/* run */
	int running;
	mde_event_fn fn;
	void *ctx;
	pthread_t *threads;
	mde__worker **workers;
	int nstarted;
	pthread_mutex_t qlock;
	pthread_cond_t qnotempty, qnotfull;
	mde__item *q;
	size_t qcap, qhead, qlen;
	mde__item batch[64]; /* the walker's items not yet in q */
	size_t nbatch;
	int closing;
	pthread_mutex_t evlock;
	pthread_mutex_t curlock;
	char cur[512];
	atomic_uint_fast64_t files, bytes, findings, infected, errors, skipped,
		excluded, dirs, cached, deduped, members, unpacked, unchanged,
		othershard, atime_risk;
	volatile atomic_int cancel;
	uint64_t t0_ns;
	/* walker (submit runs in the caller's thread) */
	mde__buf pb;
	size_t start_len; /* pb's start path: shards hash what follows */
	dev_t start_dev;
	void *visited; /* dev/ino set, only with follow */
	size_t nvisited, capvisited;
};

/* Delivers one event to the user's callback (serialized). */
void mde__emit(mde_engine *e, const mde_event *ev);

/* Reports an error or skip for path; counts it. */
void mde__report(mde_engine *e, mde_event_type type, const char *path,
		 size_t len, const char *reason, int err);

/* The same, delivered to fn(ctx) instead of the engine's callback when fn
 * is set (a synchronous scan, mde_scanner_scan_fd). */
void mde__deliver(mde_engine *e, mde_event_fn fn, void *ctx,
		  const mde_event *ev);
void mde__report_to(mde_engine *e, mde_event_fn fn, void *ctx,
		    mde_event_type type, const char *path, size_t len,
		    const char *reason, int err);
/* Counts an error or skip event built by the caller, then delivers it. */
void mde__report_ev(mde_engine *e, mde_event_fn fn, void *ctx,
		    const mde_event *ev);

/* Queues an item; the queue takes ownership (and the dir reference).
 * Items are handed to the workers in batches: mde__queue_flush() hands
 * over what is pending (the walker calls it when a submit ends). */
int mde__queue_push(mde_engine *e, mde__item *it);
void mde__queue_flush(mde_engine *e);

mde__dir *mde__dir_new(int fd);
void mde__dir_ref(mde__dir *d);
void mde__dir_unref(mde__dir *d);

/* Walks path (file or directory); see mde_engine_submit(). */
int mde__walk(mde_engine *e, const char *path);
void mde__walk_reset(mde_engine *e);

/* Per-thread scanning state. */
mde__worker *mde__worker_new(mde_engine *e);
void mde__worker_free(mde__worker *w);
/* Opens, reads and runs the stages on one item. */
void mde__worker_scan(mde__worker *w, const mde__item *it);
/* Runs the files w has batched for its parser cage (none uncaged): call
 * before the items they came from are freed. */
void mde__worker_flush(mde__worker *w);

uint64_t mde__now_ns(void);

/* ------------------------------------------------ files (fileinfo.c) */

/*
 * statx(2) of name relative to dfd (flags as statx's; "" with
 * AT_EMPTY_PATH for dfd itself) into *st and, when fi is not NULL, *fi
 * (btime -1 when unknown, no hashes, noatime 1).  Falls back to fstatat
 * where statx is missing.  0, or -1 with errno set.
 */
int mde__statx(int dfd, const char *name, int flags, struct stat *st,
	       mde_fileinfo *fi);

/* openat(2) with O_NOATIME, again without it when the kernel refuses
 * (EPERM): that fallback is counted in atime_risk and *noatime (may be
 * NULL) set to 0, else 1. */
int mde__openat(mde_engine *e, int dfd, const char *name, int flags,
		int *noatime);

/* True when the file is left out by MDE_OPT_NEWER_THAN (then counted). */
int mde__unchanged(mde_engine *e, const struct stat *st);

/* True when the file at the walker's path (pb) belongs to another shard
 * (then counted). */
int mde__othershard(mde_engine *e);

/* ------------------------------------------------ scan root (root.c) */

/*
 * Resolves path, a path inside the scan root, with openat2(2)
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS from the root; flags as
 * open(2)'s.  O_NOATIME is tried first when asked and dropped on EPERM
 * (counted in atime_risk, *noatime 0).  Returns the descriptor or -1.
 */
int mde__root_open(mde_engine *e, const char *path, int flags,
		   int *noatime);

/* Closes the root (mde_engine_free). */
void mde__root_free(mde_engine *e);

/* The part of a display path (under the root) that is the path inside
 * the root ("/" for the root itself). */
const char *mde__root_inner(const mde_engine *e, const char *path);

/* Puts into b the host path of fd, which is under the root (from
 * /proc/self/fd), or root joined with inner (a tidied absolute path) when
 * the kernel cannot tell or fd is -1.
 * MDE_OK or MDE_ERR_NOMEM. */
int mde__root_path(mde_engine *e, int fd, const char *inner, mde__buf *b);


/* Definitions, options or allowed threats changed: the workers' zygote
 * (a snapshot of e) is dropped, and made again when next needed. */
void mde__engine_changed(mde_engine *e);

/* Computes e->ver and e->ver_nohash from the definitions and options. */
void mde__engine_versions(mde_engine *e);

/* True if a finding of signature name in a file with this SHA-256 (or
 * NULL) is on the allowed list. */
int mde__engine_allowed(const mde_engine *e, const char *name,
			const char *sha256);

#endif
