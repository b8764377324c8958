/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.c - the scan engine: options, the bounded work queue and the
 * worker threads.  The caller's thread walks (mde_engine_submit); workers
 * own their scratch state and borrow the immutable definitions.
 *
 * Threads are engine-owned pthreads rather than an OpenMP team: a scan is
 * a producer/consumer pipeline that must be cancellable from a signal
 * handler and whose workers keep per-thread libyara and Vectorscan state
 * for their whole life, which OpenMP's fork-join model does not express.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "engine_int.h"
#include "banned.h"

#define QUEUE_CAP 512

uint64_t mde__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Every option's default: mde_engine_new() sets these, the tools start
 * from them (mde_opt_default()).  ClamAV's defaults where it has one. */
static const struct {
	mde_opt opt;
	int64_t value;
} opt_defaults[] = {
	{ MDE_OPT_THREADS, 0 },
	{ MDE_OPT_MAX_FILESIZE, (int64_t)100 << 20 },
	{ MDE_OPT_TIMEOUT_MS, 60000 },
	{ MDE_OPT_MAX_DEPTH, 64 },
	{ MDE_OPT_FOLLOW_SYMLINKS, 0 },
	{ MDE_OPT_ONE_FS, 0 },
	{ MDE_OPT_SKIP_SPECIAL_FS, 0 },
	{ MDE_OPT_REPORT_CLEAN, 0 },
	{ MDE_OPT_ALL_MATCH, 0 },
	{ MDE_OPT_TEST_DELAY_MS, 0 },
	{ MDE_OPT_ARCHIVE_TYPES, MDE_ARC_ALL },
	{ MDE_OPT_MAX_RECURSION, 17 },      /* ClamAV MaxRecursion */
	{ MDE_OPT_MAX_FILES, 10000 },       /* ClamAV MaxFiles */
	{ MDE_OPT_MAX_SCANSIZE, (int64_t)400 << 20 }, /* MaxScanSize */
	{ MDE_OPT_MAX_MEMBER_SIZE, (int64_t)100 << 20 }, /* MaxFileSize */
	{ MDE_OPT_MAX_RATIO, 250 },
	{ MDE_OPT_BOMB_MIN_SIZE, (int64_t)16 << 20 },
	{ MDE_OPT_BOMB_POLICY, MDE_POLICY_AUDIT },
	{ MDE_OPT_PUA_POLICY, MDE_POLICY_AUDIT },
	{ MDE_OPT_FILE_EVENTS, 0 },
	{ MDE_OPT_FILE_HASHES, 0 },
	{ MDE_OPT_NEWER_THAN, 0 },
	{ MDE_OPT_SHARD_INDEX, 1 },
	{ MDE_OPT_SHARD_COUNT, 1 },
};

int64_t mde_opt_default(mde_opt opt)
{
	for (size_t i = 0; i < sizeof(opt_defaults) / sizeof(opt_defaults[0]);
	     i++)
		if (opt_defaults[i].opt == opt)
			return opt_defaults[i].value;
	return -1;
}

mde_engine *mde_engine_new(const mde_defs *defs)
{
	mde_engine *e;

	if (!defs || !defs->compiled)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->defs = defs;
	for (size_t i = 0; i < sizeof(opt_defaults) / sizeof(opt_defaults[0]);
	     i++)
		(void)mde_engine_set_opt(e, opt_defaults[i].opt,
					 opt_defaults[i].value);
	e->rootfd = -1;
	e->excl = mde__excl_new();
	if (!e->excl) {
		free(e);
		return NULL;
	}
	pthread_mutex_init(&e->qlock, NULL);
	pthread_mutex_init(&e->evlock, NULL);
	pthread_mutex_init(&e->curlock, NULL);
	pthread_cond_init(&e->qnotempty, NULL);
	pthread_cond_init(&e->qnotfull, NULL);
	return e;
}

void mde_engine_free(mde_engine *e)
{
	if (!e)
		return;
	mde__excl_free(e->excl);
	mde__cache_close(e->cache);
	for (size_t i = 0; i < e->nallowed; i++)
		free(e->allowed[i]);
	free(e->allowed);
	mde__walk_reset(e);
	mde__root_free(e);
	free(e->pb.p);
	pthread_mutex_destroy(&e->qlock);
	pthread_mutex_destroy(&e->evlock);
	pthread_mutex_destroy(&e->curlock);
	pthread_cond_destroy(&e->qnotempty);
	pthread_cond_destroy(&e->qnotfull);
	free(e);
}

const char *mde_engine_error(const mde_engine *e)
{
	return e ? e->err : "";
}

int mde_engine_set_opt(mde_engine *e, mde_opt opt, int64_t v)
{
	if (e->running)
		return MDE_ERR_STATE;
	if (v < 0 || (opt != MDE_OPT_MAX_FILESIZE &&
		      opt != MDE_OPT_ARCHIVE_TYPES &&
		      opt != MDE_OPT_MAX_SCANSIZE &&
		      opt != MDE_OPT_MAX_MEMBER_SIZE &&
		      opt != MDE_OPT_BOMB_MIN_SIZE &&
		      opt != MDE_OPT_NEWER_THAN && v > INT32_MAX))
		goto bad;
	switch (opt) {
	case MDE_OPT_THREADS: e->nthreads = (int)v; break;
	case MDE_OPT_MAX_FILESIZE: e->max_filesize = v; break;
	case MDE_OPT_TIMEOUT_MS: e->timeout_ms = (int)v; break;
	case MDE_OPT_MAX_DEPTH: e->max_depth = (int)v; break;
	case MDE_OPT_FOLLOW_SYMLINKS: e->follow = v != 0; break;
	case MDE_OPT_ONE_FS: e->one_fs = v != 0; break;
	case MDE_OPT_SKIP_SPECIAL_FS: e->skip_special = v != 0; break;
	case MDE_OPT_REPORT_CLEAN: e->report_clean = v != 0; break;
	case MDE_OPT_ALL_MATCH: e->all_match = v != 0; break;
	case MDE_OPT_TEST_DELAY_MS: e->test_delay_ms = (int)v; break;
	case MDE_OPT_ARCHIVE_TYPES:
		/* MDE_ARC_ALL: every kind, also those of later versions */
		if (v != MDE_ARC_ALL && ((uint64_t)v & ~mde__arc_all()))
			goto bad;
		e->arc.types = (uint64_t)v & mde__arc_all();
		break;
	case MDE_OPT_MAX_RECURSION: e->arc.max_recursion = (int)v; break;
	case MDE_OPT_MAX_FILES: e->arc.max_files = v; break;
	case MDE_OPT_MAX_SCANSIZE: e->arc.max_scansize = v; break;
	case MDE_OPT_MAX_MEMBER_SIZE: e->arc.max_member_size = v; break;
	case MDE_OPT_MAX_RATIO: e->arc.max_ratio = v; break;
	case MDE_OPT_BOMB_MIN_SIZE: e->arc.bomb_min_size = v; break;
	case MDE_OPT_BOMB_POLICY:
		if (v > MDE_POLICY_BLOCK)
			goto bad;
		e->bomb_policy = (int)v;
		break;
	case MDE_OPT_PUA_POLICY:
		if (v > MDE_POLICY_BLOCK)
			goto bad;
		e->pua_policy = (int)v;
		break;
	case MDE_OPT_FILE_EVENTS: e->file_events = v != 0; break;
	case MDE_OPT_FILE_HASHES: e->file_hashes = v != 0; break;
	case MDE_OPT_NEWER_THAN: e->newer_than = v; break;
	/* K <= N is checked by mde_engine_begin(): either may be set first */
	case MDE_OPT_SHARD_INDEX:
		if (v < 1)
			goto bad;
		e->shard_k = v;
		break;
	case MDE_OPT_SHARD_COUNT:
		if (v < 1)
			goto bad;
		e->shard_n = v;
		break;
	default: goto bad;
	}
	return MDE_OK;
bad:
	snprintf(e->err, sizeof(e->err), "invalid value %lld for option %d",
		 (long long)v, (int)opt);
	return MDE_ERR_ARG;
}

int mde_engine_set_cache(mde_engine *e, const char *dir)
{
	if (e->running)
		return MDE_ERR_STATE;
	mde__cache_close(e->cache);
	e->cache = NULL;
	if (!dir)
		return MDE_OK;
	e->cache = mde__cache_open(dir, e->err, sizeof(e->err));
	return e->cache ? MDE_OK : MDE_ERR_IO;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_sha256(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}

int mde_engine_allow(mde_engine *e, const char *name)
{
	char *c;
	size_t i;

	if (!name || !*name)
		return MDE_ERR_ARG;
	if (mde__grow((void **)&e->allowed, &e->capallowed, e->nallowed + 1,
		      sizeof(*e->allowed)) || !(c = strdup(name)))
		return MDE_ERR_NOMEM;
	if (is_sha256(c)) {
		for (i = 0; c[i]; i++)
			c[i] = (char)(c[i] | 0x20); /* digests are lower case */
		e->allow_sha = 1;
	}
	e->allowed[e->nallowed++] = c;
	qsort(e->allowed, e->nallowed, sizeof(*e->allowed), cmp_str);
	return MDE_OK;
}

int mde__engine_allowed(const mde_engine *e, const char *name,
			const char *sha256)
{
	const char *k[2] = { name, sha256 };
	int i;

	for (i = 0; i < 2 && e->nallowed; i++)
		if (k[i] && bsearch(&k[i], e->allowed, e->nallowed,
				    sizeof(*e->allowed), cmp_str))
			return 1;
	return 0;
}

int mde_engine_add_exclude(mde_engine *e, mde_excl_kind kind,
			   const char *pattern)
{
	int rc = mde__excl_add(e->excl, kind, pattern);

	if (rc == MDE_ERR_ARG)
		snprintf(e->err, sizeof(e->err), "invalid exclusion '%s'",
			 pattern);
	return rc;
}

void mde__emit(mde_engine *e, const mde_event *ev)
{
	pthread_mutex_lock(&e->evlock);
	e->fn(e->ctx, ev);
	pthread_mutex_unlock(&e->evlock);
}

void mde__deliver(mde_engine *e, mde_event_fn fn, void *ctx,
		  const mde_event *ev)
{
	if (fn)
		fn(ctx, ev);
	else
		mde__emit(e, ev);
}

void mde__report_ev(mde_engine *e, mde_event_fn fn, void *ctx,
		    const mde_event *ev)
{
	if (ev->type == MDE_EV_ERROR)
		atomic_fetch_add(&e->errors, 1);
	else if (ev->type == MDE_EV_SKIPPED)
		atomic_fetch_add(&e->skipped, 1);
	mde__deliver(e, fn, ctx, ev);
}

void mde__report_to(mde_engine *e, mde_event_fn fn, void *ctx,
		    mde_event_type type, const char *path, size_t len,
		    const char *reason, int err)
{
	mde_event ev = { 0 };

	ev.type = type;
	ev.path = path;
	ev.path_len = len;
	ev.reason = reason;
	ev.err = err;
	ev.score = -1;
	mde__report_ev(e, fn, ctx, &ev);
}

void mde__report(mde_engine *e, mde_event_type type, const char *path,
		 size_t len, const char *reason, int err)
{
	mde__report_to(e, NULL, NULL, type, path, len, reason, err);
}

mde__dir *mde__dir_new(int fd)
{
	mde__dir *d = malloc(sizeof(*d));

	if (!d)
		return NULL;
	d->fd = fd;
	atomic_init(&d->refs, 1);
	return d;
}

void mde__dir_ref(mde__dir *d)
{
	if (d)
		atomic_fetch_add(&d->refs, 1);
}

void mde__dir_unref(mde__dir *d)
{
	if (d && atomic_fetch_sub(&d->refs, 1) == 1) {
		close(d->fd);
		free(d);
	}
}

/* Moves the walker's batch into the queue, waiting for room; one wake-up
 * per batch instead of one per file (a re-scan answered from the cache
 * is otherwise dominated by futex calls). */
void mde__queue_flush(mde_engine *e)
{
	size_t i = 0;

	if (e->nbatch == 0)
		return;
	pthread_mutex_lock(&e->qlock);
	while (i < e->nbatch) {
		while (e->qlen == e->qcap)
			pthread_cond_wait(&e->qnotfull, &e->qlock);
		for (; i < e->nbatch && e->qlen < e->qcap; i++) {
			e->q[(e->qhead + e->qlen) % e->qcap] = e->batch[i];
			e->qlen++;
		}
		pthread_cond_broadcast(&e->qnotempty);
	}
	pthread_mutex_unlock(&e->qlock);
	e->nbatch = 0;
}

int mde__queue_push(mde_engine *e, mde__item *it)
{
	e->batch[e->nbatch++] = *it;
	if (e->nbatch == sizeof(e->batch) / sizeof(e->batch[0]))
		mde__queue_flush(e);
	return MDE_OK;
}

/* Takes up to max items; returns how many, 0 when the queue is closed
 * and empty. */
static size_t queue_pop(mde_engine *e, mde__item *it, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&e->qlock);
	while (e->qlen == 0 && !e->closing)
		pthread_cond_wait(&e->qnotempty, &e->qlock);
	/* leave some for the other workers when the queue runs low */
	if (max > e->qlen / 2 + 1)
		max = e->qlen / 2 + 1;
	while (n < max && e->qlen > 0) {
		it[n++] = e->q[e->qhead];
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qlen--;
	}
	if (n)
		pthread_cond_signal(&e->qnotfull);
	pthread_mutex_unlock(&e->qlock);
	return n;
}

static void *worker_main(void *arg)
{
	mde__worker *w = arg;
	mde_engine *e = *(mde_engine **)w; /* first member is the engine */
	mde__item it[16];
	size_t n, i;

	while ((n = queue_pop(e, it, sizeof(it) / sizeof(it[0])))) {
		for (i = 0; i < n; i++) {
			if (!atomic_load(&e->cancel))
				mde__worker_scan(w, &it[i]);
			mde__dir_unref(it[i].dir);
			free(it[i].path);
		}
	}
	return NULL;
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

static void reset_counters(mde_engine *e)
{
	atomic_store(&e->files, 0);
	atomic_store(&e->bytes, 0);
	atomic_store(&e->findings, 0);
	atomic_store(&e->infected, 0);
	atomic_store(&e->errors, 0);
	atomic_store(&e->skipped, 0);
	atomic_store(&e->excluded, 0);
	atomic_store(&e->dirs, 0);
	atomic_store(&e->cached, 0);
	atomic_store(&e->deduped, 0);
	atomic_store(&e->members, 0);
	atomic_store(&e->unpacked, 0);
	atomic_store(&e->unchanged, 0);
	atomic_store(&e->othershard, 0);
	atomic_store(&e->atime_risk, 0);
	atomic_store(&e->cancel, 0);
	e->cur[0] = '\0';
}

/*
 * What a verdict holds, beyond the definitions and the options: bumped
 * when the engine reports the same findings differently (2: every finding
 * has a score, so verdicts kept with score -1 are not replayed).
 */
#define VERDICT_FORMAT 2

/* The versions verdicts are kept under: the definitions' and the
 * settings that change what is reported (all-match, the archive stage). */
void mde__engine_versions(mde_engine *e)
{
	struct {
		uint32_t format;
		uint8_t ver[16];
		int all_match, bomb_policy, pua_policy;
		uint64_t allowed;
		mde__arc_limits arc;
	} in;
	XXH128_canonical_t c;
	size_t i;

	memset(&in, 0, sizeof(in));
	in.format = VERDICT_FORMAT;
	in.all_match = e->all_match;
	in.bomb_policy = e->bomb_policy;
	in.pua_policy = e->pua_policy;
	for (i = 0; i < e->nallowed; i++) /* the list changes verdicts */
		in.allowed = XXH3_64bits_withSeed(e->allowed[i],
						  strlen(e->allowed[i]),
						  in.allowed);
	in.arc = e->arc;
	memcpy(in.ver, e->defs->ver, 16);
	XXH128_canonicalFromHash(&c, XXH3_128bits(&in, sizeof(in)));
	memcpy(e->ver, c.digest, 16);
	memcpy(in.ver, e->defs->ver_nohash, 16);
	XXH128_canonicalFromHash(&c, XXH3_128bits(&in, sizeof(in)));
	memcpy(e->ver_nohash, c.digest, 16);
}

int mde_engine_begin(mde_engine *e, mde_event_fn fn, void *ctx)
{
	int n = e->nthreads > 0 ? e->nthreads : online_cpus();
	int i;

	if (e->running)
		return MDE_ERR_STATE;
	if (e->shard_k > e->shard_n) {
		snprintf(e->err, sizeof(e->err),
			 "shard %lld of %lld: the index is past the count",
			 (long long)e->shard_k, (long long)e->shard_n);
		return MDE_ERR_ARG;
	}
	e->fn = fn;
	e->ctx = ctx;
	e->qcap = QUEUE_CAP;
	e->qhead = e->qlen = 0;
	e->nbatch = 0;
	e->closing = 0;
	e->q = calloc(e->qcap, sizeof(*e->q));
	e->threads = calloc((size_t)n, sizeof(*e->threads));
	e->workers = calloc((size_t)n, sizeof(*e->workers));
	if (!e->q || !e->threads || !e->workers)
		goto nomem;
	reset_counters(e);
	mde__engine_versions(e);
	e->t0_ns = mde__now_ns();
	e->nstarted = 0;
	e->running = 1;
	for (i = 0; i < n; i++) {
		e->workers[i] = mde__worker_new(e);
		if (!e->workers[i])
			goto nomem;
		if (pthread_create(&e->threads[i], NULL, worker_main,
				   e->workers[i]) != 0) {
			mde__worker_free(e->workers[i]);
			e->workers[i] = NULL;
			break;
		}
		e->nstarted++;
	}
	if (e->nstarted == 0)
		goto nomem;
	return MDE_OK;
nomem:
	snprintf(e->err, sizeof(e->err), "cannot start %d workers", n);
	mde_engine_end(e, NULL);
	return MDE_ERR_NOMEM;
}

int mde_engine_submit(mde_engine *e, const char *path)
{
	int rc;

	if (!e->running)
		return MDE_ERR_STATE;
	if (atomic_load(&e->cancel))
		return MDE_OK;
	rc = mde__walk(e, path);
	mde__queue_flush(e);
	return rc;
}

int mde_engine_end(mde_engine *e, mde_summary *sum)
{
	int i;

	pthread_mutex_lock(&e->qlock);
	e->closing = 1;
	pthread_cond_broadcast(&e->qnotempty);
	pthread_mutex_unlock(&e->qlock);
	for (i = 0; i < e->nstarted; i++)
		pthread_join(e->threads[i], NULL);
	if (e->workers)
		for (i = 0; e->threads && i < e->nstarted; i++)
			mde__worker_free(e->workers[i]);
	if (e->cache)
		mde__cache_flush(e->cache);
	if (sum)
		mde_engine_progress(e, sum, NULL, 0);
	free(e->q);
	free(e->threads);
	free(e->workers);
	e->q = NULL;
	e->threads = NULL;
	e->workers = NULL;
	e->nstarted = 0;
	e->running = 0;
	mde__walk_reset(e);
	return MDE_OK;
}

void mde_engine_cancel(mde_engine *e)
{
	atomic_store(&e->cancel, 1);
}

void mde_engine_progress(mde_engine *e, mde_summary *s, char *cur,
			 size_t cur_len)
{
	memset(s, 0, sizeof(*s));
	s->files = atomic_load(&e->files);
	s->bytes = atomic_load(&e->bytes);
	s->findings = atomic_load(&e->findings);
	s->infected = atomic_load(&e->infected);
	s->errors = atomic_load(&e->errors);
	s->skipped = atomic_load(&e->skipped);
	s->excluded = atomic_load(&e->excluded);
	s->dirs = atomic_load(&e->dirs);
	s->cached = atomic_load(&e->cached);
	s->deduped = atomic_load(&e->deduped);
	s->members = atomic_load(&e->members);
	s->unpacked = atomic_load(&e->unpacked);
	s->unchanged = atomic_load(&e->unchanged);
	s->othershard = atomic_load(&e->othershard);
	s->atime_risk = atomic_load(&e->atime_risk);
	s->elapsed_ns = mde__now_ns() - e->t0_ns;
	s->cancelled = atomic_load(&e->cancel);
	if (cur && cur_len) {
		pthread_mutex_lock(&e->curlock);
		snprintf(cur, cur_len, "%s", e->cur);
		pthread_mutex_unlock(&e->curlock);
	}
}
