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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "engine_int.h"
#include "cage.h"
#include "banned.h"

#define QUEUE_CAP 512

uint64_t mde__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The options, one row each, indexed by mde_opt: the name mdescan(1) gives
 * it (for messages), its default (mde_engine_new() sets it, the tools start
 * from it through mde_opt_default(); ClamAV's where it has one), the range
 * mde_engine_set_opt() accepts and the engine field it is kept in.  The
 * field's type comes from the field itself (FIELD), so a row cannot store
 * an int64_t into an int.  A 0/1 option (BOOL) takes any value in range
 * and keeps whether it is nonzero.  The shard's K <= N is checked by
 * mde_engine_begin(): either may be set first.  An option of the walk
 * (WALK) is read only by the scanning process, never by the stages, so
 * setting it keeps the cage's zygote (a copy of the engine as the
 * stages see it); any other one makes the next scan fork another.
 */
enum opt_type { T_INT, T_UNSIGNED, T_INT64, T_UINT64 };

#define FIELD(f) offsetof(struct mde_engine, f),			\
	_Generic(((struct mde_engine *)0)->f, int: T_INT,		\
		 unsigned: T_UNSIGNED, int64_t: T_INT64, uint64_t: T_UINT64)
#define MiB(n) ((int64_t)(n) << 20)
#define I32 INT32_MAX /* what an int field holds */
#define I64 INT64_MAX
#define BOOL 1
#define WALK 2

static int archive_types_ok(int64_t v);

static const struct opt {
	const char *name;
	int64_t def, min, max;
	int (*ok)(int64_t v); /* a check beyond the range, or NULL */
	size_t off;
	enum opt_type type;
	int flags;
} opts[] = {
	[MDE_OPT_THREADS] =
		{ "threads", 0, 0, I32, NULL, FIELD(nthreads), WALK },
	[MDE_OPT_MAX_FILESIZE] =
		{ "max-filesize", MiB(100), 0, I64, NULL, FIELD(max_filesize) },
	[MDE_OPT_TIMEOUT_MS] =
		{ "timeout", 60000, 0, I32, NULL, FIELD(timeout_ms) },
	[MDE_OPT_MAX_DEPTH] =
		{ "max-depth", 64, 0, I32, NULL, FIELD(max_depth) },
	[MDE_OPT_FOLLOW_SYMLINKS] =
		{ "follow-symlinks", 0, 0, I32, NULL, FIELD(follow),
		  BOOL | WALK },
	[MDE_OPT_ONE_FS] =
		{ "one-file-system", 0, 0, I32, NULL, FIELD(one_fs),
		  BOOL | WALK },
	[MDE_OPT_SKIP_SPECIAL_FS] =
		{ "skip-special-fs", 0, 0, I32, NULL, FIELD(skip_special),
		  BOOL | WALK },
	[MDE_OPT_REPORT_CLEAN] =
		{ "report-clean", 0, 0, I32, NULL, FIELD(report_clean), BOOL },
	[MDE_OPT_ALL_MATCH] =
		{ "allmatch", 0, 0, I32, NULL, FIELD(all_match), BOOL },
	[MDE_OPT_TEST_DELAY_MS] =
		{ "test-delay-ms", 0, 0, I32, NULL, FIELD(test_delay_ms) },
	[MDE_OPT_ARCHIVE_TYPES] =
		{ "archive-types", MDE_ARC_ALL, 0, I64, archive_types_ok,
		  FIELD(arc.types) },
	[MDE_OPT_MAX_RECURSION] = /* ClamAV MaxRecursion */
		{ "max-recursion", 17, 0, I32, NULL, FIELD(arc.max_recursion) },
	[MDE_OPT_MAX_FILES] = /* ClamAV MaxFiles */
		{ "max-files", 10000, 0, I32, NULL, FIELD(arc.max_files) },
	[MDE_OPT_MAX_SCANSIZE] = /* ClamAV MaxScanSize */
		{ "max-scansize", MiB(400), 0, I64, NULL,
		  FIELD(arc.max_scansize) },
	[MDE_OPT_MAX_MEMBER_SIZE] = /* ClamAV MaxFileSize */
		{ "max-member-size", MiB(100), 0, I64, NULL,
		  FIELD(arc.max_member_size) },
	[MDE_OPT_MAX_RATIO] =
		{ "max-ratio", 250, 0, I32, NULL, FIELD(arc.max_ratio) },
	[MDE_OPT_BOMB_MIN_SIZE] =
		{ "bomb-min-size", MiB(16), 0, I64, NULL,
		  FIELD(arc.bomb_min_size) },
	[MDE_OPT_BOMB_POLICY] =
		{ "archive-bomb", MDE_POLICY_AUDIT, 0, MDE_POLICY_BLOCK, NULL,
		  FIELD(bomb_policy) },
	[MDE_OPT_PUA_POLICY] =
		{ "pua", MDE_POLICY_AUDIT, 0, MDE_POLICY_BLOCK, NULL,
		  FIELD(pua_policy) },
	[MDE_OPT_FILE_EVENTS] =
		{ "file-events", 0, 0, I32, NULL, FIELD(file_events),
		  BOOL | WALK },
	[MDE_OPT_FILE_HASHES] =
		{ "file-hashes", 0, 0, I32, NULL, FIELD(file_hashes), BOOL },
	[MDE_OPT_NEWER_THAN] =
		{ "newer-than", 0, 0, I64, NULL, FIELD(newer_than), WALK },
	[MDE_OPT_SHARD_INDEX] = /* K <= N: mde_engine_begin() */
		{ "shard-index", 1, 1, I32, NULL, FIELD(shard_k), WALK },
	[MDE_OPT_SHARD_COUNT] =
		{ "shard-count", 1, 1, I32, NULL, FIELD(shard_n), WALK },
	[MDE_OPT_CAGE] =
		{ "cage", 0, 0, I32, NULL, FIELD(cage), BOOL },
	[MDE_OPT_CAGE_MEMORY] =
		{ "cage-memory", MiB(2048), 0, I64, NULL, FIELD(cage_mem) },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* MDE_OPT_ARCHIVE_TYPES: bits of the handler table's kinds only, or
 * MDE_ARC_ALL: every kind, also those of later versions. */
static int archive_types_ok(int64_t v)
{
	return v == MDE_ARC_ALL || !((uint64_t)v & ~mde__arc_all());
}

/* The row of opt, or NULL when there is no such option. */
static const struct opt *opt_row(mde_opt opt)
{
	if ((unsigned)opt >= NOPTS || !opts[opt].name)
		return NULL;
	return &opts[opt];
}

/* Stores v (in the row's range) into the row's field of e. */
static void opt_store(mde_engine *e, const struct opt *o, int64_t v)
{
	char *f = (char *)e + o->off;

	if (o->flags & BOOL)
		v = v != 0;
	switch (o->type) {
	case T_INT: *(int *)f = (int)v; break;
	case T_UNSIGNED: *(unsigned *)f = (unsigned)v; break;
	case T_INT64: *(int64_t *)f = v; break;
	case T_UINT64: *(uint64_t *)f = (uint64_t)v; break;
	}
}

int64_t mde_opt_default(mde_opt opt)
{
	const struct opt *o = opt_row(opt);

	return o ? o->def : -1;
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
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].name)
			opt_store(e, &opts[i], opts[i].def);
	e->rootfd = -1;
	e->excl = mde__excl_new();
	if (!e->excl) {
		free(e);
		return NULL;
	}
	pthread_mutex_init(&e->qlock, NULL);
	pthread_mutex_init(&e->evlock, NULL);
	pthread_mutex_init(&e->curlock, NULL);
	pthread_mutex_init(&e->zlock, NULL);
	pthread_cond_init(&e->qnotempty, NULL);
	pthread_cond_init(&e->qnotfull, NULL);
	return e;
}

void mde_engine_free(mde_engine *e)
{
	if (!e)
		return;
	mde__zygote_free(e->zyg);
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
	pthread_mutex_destroy(&e->zlock);
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
	const struct opt *o = opt_row(opt);

	if (e->running)
		return MDE_ERR_STATE;
	if (!o) {
		snprintf(e->err, sizeof(e->err), "unknown option %d", (int)opt);
		return MDE_ERR_ARG;
	}
	if (v < o->min || v > o->max || (o->ok && !o->ok(v))) {
		snprintf(e->err, sizeof(e->err),
			 "invalid value %lld for option %s", (long long)v,
			 o->name);
		return MDE_ERR_ARG;
	}
	opt_store(e, o, v);
	if (!(o->flags & WALK))
		mde__engine_changed(e);
	return MDE_OK;
}

int mde_engine_cage_start(mde_engine *e)
{
	int rc = MDE_OK;

	if (e->running)
		return MDE_ERR_STATE;
	if (!e->cage)
		return MDE_OK;
	mde__engine_versions(e);
	pthread_mutex_lock(&e->zlock);
	if (!e->zyg)
		e->zyg = mde__zygote_new(e);
	if (!e->zyg) {
		snprintf(e->err, sizeof(e->err),
			 "parser cage: cannot start its zygote: %s",
			 strerror(errno));
		rc = MDE_ERR_IO;
	}
	pthread_mutex_unlock(&e->zlock);
	return rc;
}

/* Whether e's stages would see what from's see: the same definitions,
 * options but those of the walk, allow-list and cache.  NULL, or the
 * first difference. */
static const char *stage_diff(const mde_engine *e, const mde_engine *from)
{
	static const size_t sz[] = { [T_INT] = sizeof(int),
				     [T_UNSIGNED] = sizeof(unsigned),
				     [T_INT64] = sizeof(int64_t),
				     [T_UINT64] = sizeof(uint64_t) };
	size_t i;

	if (e->defs != from->defs)
		return "definitions";
	for (i = 0; i < NOPTS; i++)
		if (opts[i].name && !(opts[i].flags & WALK) &&
		    memcmp((const char *)e + opts[i].off,
			   (const char *)from + opts[i].off,
			   sz[opts[i].type]) != 0)
			return opts[i].name;
	if (e->nallowed != from->nallowed)
		return "allowed threats";
	for (i = 0; i < e->nallowed; i++)
		if (strcmp(e->allowed[i], from->allowed[i]) != 0)
			return "allowed threats";
	if (e->has_cache != from->has_cache)
		return "scan cache";
	return NULL;
}

int mde_engine_share_cage(mde_engine *e, mde_engine *from)
{
	const char *diff;
	mde__zygote *z;

	if (e->running || from->running)
		return MDE_ERR_STATE;
	if (!e->cage || !from->cage)
		return MDE_OK; /* nothing to share */
	diff = stage_diff(e, from);
	if (diff) {
		snprintf(e->err, sizeof(e->err),
			 "parser cage not shared: the engines differ in %s",
			 diff);
		return MDE_ERR_ARG;
	}
	if (mde_engine_cage_start(from) != MDE_OK) {
		snprintf(e->err, sizeof(e->err), "%s", from->err);
		return MDE_ERR_IO;
	}
	pthread_mutex_lock(&from->zlock);
	z = mde__zygote_ref(from->zyg);
	pthread_mutex_unlock(&from->zlock);
	mde__engine_versions(e);
	pthread_mutex_lock(&e->zlock);
	mde__zygote_free(e->zyg);
	e->zyg = z;
	pthread_mutex_unlock(&e->zlock);
	return MDE_OK;
}

void mde__engine_changed(mde_engine *e)
{
	pthread_mutex_lock(&e->zlock);
	mde__zygote_free(e->zyg);
	e->zyg = NULL;
	pthread_mutex_unlock(&e->zlock);
}

int mde_engine_set_cache(mde_engine *e, const char *dir)
{
	if (e->running)
		return MDE_ERR_STATE;
	mde__cache_close(e->cache);
	e->cache = NULL;
	e->has_cache = 0;
	mde__engine_changed(e); /* the stages see has_cache */
	if (!dir)
		return MDE_OK;
	e->cache = mde__cache_open(dir, e->err, sizeof(e->err));
	e->has_cache = e->cache != NULL;
	return e->cache ? MDE_OK : MDE_ERR_IO;
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
	qsort(e->allowed, e->nallowed, sizeof(*e->allowed), mde__cmp_str);
	mde__engine_changed(e);
	return MDE_OK;
}

int mde__engine_allowed(const mde_engine *e, const char *name,
			const char *sha256)
{
	const char *k[2] = { name, sha256 };
	int i;

	for (i = 0; i < 2 && e->nallowed; i++)
		if (k[i] && bsearch(&k[i], e->allowed, e->nallowed,
				    sizeof(*e->allowed), mde__cmp_str))
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
		for (i = 0; i < n; i++)
			if (!atomic_load(&e->cancel))
				mde__worker_scan(w, &it[i]);
		mde__worker_flush(w); /* before the items go */
		for (i = 0; i < n; i++) {
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
	/* the workers' zygote, made now, before the threads, unless the
	 * engine has one already (a scanner's, a shared one, an earlier
	 * scan's): a setting the stages read drops it (engine_changed) */
	if (e->cage) {
		pthread_mutex_lock(&e->zlock);
		if (!e->zyg)
			e->zyg = mde__zygote_new(e);
		pthread_mutex_unlock(&e->zlock);
	}
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
