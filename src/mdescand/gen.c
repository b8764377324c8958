/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen.c - the definitions in use, as refcounted generations.
 *
 * A generation (definitions, and the engine that scans streams with
 * them) is built once and never changed.  The current one is a pointer
 * swapped under a lock: every request takes a reference for as long as
 * it scans, so a reload never waits for the scans under way and never
 * pulls definitions from under them; the old generation is freed by
 * whoever lets go of it last.  A reload that fails (a bad bundle, a
 * compile error) leaves the current generation serving.
 *
 * What is loaded is what mdescan(1) loads: the -d paths; else the
 * store's current bundle (`mdescan definitions update`, watched for
 * changes); else the built-in definitions.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "defstore.h"
#include "mdescand.h"
#include "banned.h"

static struct {
	pthread_mutex_t lock;
	struct gen *cur;
	unsigned next_id;
	atomic_uint cur_id;
	atomic_int reloading;
	pthread_t thread;
	int have_thread;
	char bundle[4200];  /* the store's bundle last loaded or tried */
	const char *cause;
} G = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void diag(void *ctx, const char *file, unsigned line,
		 const char *signame, const char *msg)
{
	(void)ctx;
	dlog(1, "%s:%u: %s%s%s", file ? file : "(definitions)", line,
	     signame ? signame : "", signame ? ": " : "", msg);
}

static void gen_free(struct gen *g)
{
	if (!g)
		return;
	mde_engine_free(g->e);
	mde_engine_free(g->e_all);
	mde_defs_free(g->defs);
	free(g);
}

void gen_put(struct gen *g)
{
	if (g && atomic_fetch_sub(&g->ref, 1) == 1)
		gen_free(g);
}

struct gen *gen_get(void)
{
	struct gen *g;

	pthread_mutex_lock(&G.lock);
	g = G.cur;
	atomic_fetch_add(&g->ref, 1);
	pthread_mutex_unlock(&G.lock);
	return g;
}

unsigned gen_current_id(void)
{
	return atomic_load(&G.cur_id);
}

static int cage_on(void);

/* Applies the configured engine settings to e. */
static int configure(mde_engine *e)
{
	size_t i;
	int rc = MDE_OK;

	mde_engine_set_opt(e, MDE_OPT_MAX_FILESIZE, opt.max_filesize);
	mde_engine_set_opt(e, MDE_OPT_TIMEOUT_MS, opt.timeout * 1000);
	mde_engine_set_opt(e, MDE_OPT_MAX_DEPTH, opt.max_depth);
	mde_engine_set_opt(e, MDE_OPT_ARCHIVE_TYPES, opt.arc_types);
	mde_engine_set_opt(e, MDE_OPT_MAX_RECURSION, opt.max_recursion);
	mde_engine_set_opt(e, MDE_OPT_MAX_FILES, opt.max_files);
	mde_engine_set_opt(e, MDE_OPT_MAX_SCANSIZE, opt.max_scansize);
	mde_engine_set_opt(e, MDE_OPT_MAX_MEMBER_SIZE, opt.max_member);
	mde_engine_set_opt(e, MDE_OPT_MAX_RATIO, opt.max_ratio);
	mde_engine_set_opt(e, MDE_OPT_BOMB_MIN_SIZE, opt.bomb_min);
	mde_engine_set_opt(e, MDE_OPT_BOMB_POLICY, opt.bomb);
	mde_engine_set_opt(e, MDE_OPT_PUA_POLICY, opt.pua);
	mde_engine_set_opt(e, MDE_OPT_TEST_DELAY_MS, opt.test_delay_ms);
	mde_engine_set_opt(e, MDE_OPT_CAGE, cage_on());
	mde_engine_set_opt(e, MDE_OPT_CAGE_MEMORY, opt.cage_mem);
	for (i = 0; i < opt.nallow && rc == MDE_OK; i++)
		rc = mde_engine_allow(e, opt.allow[i]);
	for (i = 0; i < opt.nexcl && rc == MDE_OK; i++)
		rc = mde_engine_add_exclude(e, opt.excl[i].kind,
					    opt.excl[i].pattern);
	return rc;
}

mde_engine *gen_engine(const struct gen *g, int threads, int all_match)
{
	mde_engine *e = mde_engine_new(g->defs);

	if (!e)
		return NULL;
	if (configure(e) != MDE_OK) {
		mde_engine_free(e);
		return NULL;
	}
	mde_engine_set_opt(e, MDE_OPT_THREADS, threads);
	mde_engine_set_opt(e, MDE_OPT_ALL_MATCH, all_match);
	mde_engine_set_opt(e, MDE_OPT_FILE_EVENTS, 1);
	/* workers from the generation's zygote, not from one this request
	 * thread would fork (else begin() forks one here) */
	if (mde_engine_share_cage(e, all_match ? g->e_all : g->e) != MDE_OK)
		dlog(0, "%s", mde_engine_error(e));
	return e;
}

/* Whether scans are caged: cage = yes and the kernel lets them be.
 * Found out and logged at the first call, which is gen_start()'s, before
 * any other thread exists; read only afterwards. */
static int cage_on(void)
{
	static int on = -1;
	char info[256];

	if (on >= 0)
		return on;
	on = 0;
	if (!opt.cage)
		dlog(1, "parser cage off (--no-cage, cage = no): files are "
		     "parsed in the daemon");
	else if (!mde_cage_probe(info, sizeof(info)))
		dlog(0, "the parser cage is unavailable (%s): files are "
		     "parsed without it", info);
	else {
		dlog(1, "parser cage on: %s", info);
		on = 1;
	}
	return on;
}

/* The generation's zygotes, which its scans fork caged workers from:
 * made now, in the thread that builds it (at start, before any other
 * thread exists; on a reload, the reload thread). */
static void cage_start(struct gen *g, int reload)
{
	/* a reload's forks wait (2 s at most) for a moment when no other
	 * thread works: see gate_close() */
	int quiet = !reload || !cage_on() || gate_close(2000);

	if (!quiet)
		dlog(1, "parser cage: no quiet moment within 2 s: the zygotes "
		     "are forked while requests run");
	if (mde_engine_cage_start(g->e) != MDE_OK)
		dlog(0, "%s", mde_engine_error(g->e));
	if (mde_engine_cage_start(g->e_all) != MDE_OK)
		dlog(0, "%s", mde_engine_error(g->e_all));
	if (reload && cage_on())
		gate_open();
}

/* The -d paths, else the store's bundle, else the built-in ones; a
 * bundle installed but not loading is an error, never a fallback. */
static int load_sources(mde_defs *defs, char *from, size_t fromlen)
{
	char cur[4200];
	struct stat st;
	size_t i;
	int rc = MDE_OK;

	if (stat(opt.keys, &st) == 0)
		mde_defs_add_keys(defs, opt.keys);
	if (opt.ndbs) {
		snprintf(from, fromlen, "%s%s", opt.dbs[0],
			 opt.ndbs > 1 ? " ..." : "");
		for (i = 0; i < opt.ndbs && rc == MDE_OK; i++)
			rc = mde_defs_load_path(defs, opt.dbs[i]);
		return rc;
	}
	if (defstore_current(opt.store, cur, sizeof(cur)) < 0)
		cur[0] = '\0';
	pthread_mutex_lock(&G.lock);
	snprintf(G.bundle, sizeof(G.bundle), "%s", cur);
	pthread_mutex_unlock(&G.lock);
	snprintf(from, fromlen, "%s", cur[0] ? cur : "built-in");
	return cur[0] ? mde_defs_load_bundle(defs, cur)
		      : mde_defs_load_builtin(defs);
}

/* "mdescan 0.1.0[/BUNDLE/DATE]": VERSION's reply, in clamd's form
 * ("ClamAV 1.4.6/27000/Mon Dec  1 09:00:00 2025"). */
static void version_text(struct gen *g, const mde_bundle_info *bi)
{
	char date[64];
	time_t t;
	struct tm tm;

	if (!bi) {
		snprintf(g->version, sizeof(g->version), "mdescan %s",
			 PACKAGE_VERSION);
		return;
	}
	t = (time_t)bi->created;
	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	snprintf(g->version, sizeof(g->version), "mdescan %s/%llu/%s",
		 PACKAGE_VERSION, (unsigned long long)bi->version, date);
}

/* ClamAV definitions read but not run, one line per kind, as mdescan
 * says them: a daemon's administrator reads its log, not a scan's. */
static void unsupported(void *ctx, const char *what, uint64_t n)
{
	(void)ctx;
	dlog(0, "unsupported: %llu %s", (unsigned long long)n, what);
}

/* Loads and compiles a new generation (reload: in the reload thread,
 * while others serve); NULL (logged) when it fails. */
static struct gen *build(int reload)
{
	struct gen *g = calloc(1, sizeof(*g));
	mde_defs_stats st;
	mde_bundle_info bi;
	int rc;

	if (!g || !(g->defs = mde_defs_new()))
		goto nomem;
	mde_defs_set_diag(g->defs, diag, NULL);
	if (!opt.no_cache &&
	    (mkdir(opt.cache_dir, 0700) == 0 || errno == EEXIST))
		mde_defs_set_cache_dir(g->defs, opt.cache_dir);
	/* every generation, so that a reload names as the first load did */
	mde_defs_set_unofficial(g->defs, opt.unofficial);
	rc = mde_defs_set_clamav_certs(g->defs, opt.clamav_certs);
	for (int i = 0; i < 3; i++)
		if (opt.db_limit[i] >= 0)
			mde_defs_set_limit(g->defs,
					   (mde_defs_limit)(MDE_DEFS_CVD_MAX_MEMBERS + i),
					   (uint64_t)opt.db_limit[i]);
	if (rc == MDE_OK)
		rc = load_sources(g->defs, g->source, sizeof(g->source));
	if (rc == MDE_OK)
		rc = mde_defs_compile(g->defs);
	if (rc != MDE_OK) {
		dlog(0, "cannot load definitions (%s): %s", g->source,
		     *mde_defs_error(g->defs) ? mde_defs_error(g->defs)
					      : mde_status_str(rc));
		goto fail;
	}
	mde_defs_unsupported(g->defs, unsupported, NULL);
	mde_defs_get_stats(g->defs, &st);
	if (st.hash_sigs + st.byte_sigs + st.yara_rules + st.iocs == 0) {
		dlog(0, "no usable signatures in %s", g->source);
		goto fail;
	}
	g->e = mde_engine_new(g->defs);
	if (!g->e || configure(g->e) != MDE_OK)
		goto nomem;
	g->e_all = mde_engine_new(g->defs);
	if (!g->e_all || configure(g->e_all) != MDE_OK ||
	    mde_engine_set_opt(g->e_all, MDE_OPT_ALL_MATCH, 1) != MDE_OK)
		goto nomem;
	cage_start(g, reload);
	g->memory = st.memory_bytes;
	snprintf(g->defs_version, sizeof(g->defs_version), "%s",
		 mde_defs_version(g->defs));
	rc = mde_defs_bundle_info(g->defs, &bi);
	g->bundle = rc == MDE_OK ? bi.version : 0;
	version_text(g, rc == MDE_OK ? &bi : NULL);
	dlog(1, "definitions %s (%s): %llu hash, %llu byte signatures, %llu "
	     "YARA rules", g->defs_version, g->source,
	     (unsigned long long)st.hash_sigs,
	     (unsigned long long)st.byte_sigs,
	     (unsigned long long)st.yara_rules);
	atomic_init(&g->ref, 1);
	return g;
nomem:
	dlog(0, "cannot load definitions: out of memory");
fail:
	gen_free(g);
	return NULL;
}

/* Makes g current; the old one goes when its last scan ends. */
static void publish(struct gen *g)
{
	struct gen *old;

	pthread_mutex_lock(&G.lock);
	old = G.cur;
	g->id = ++G.next_id;
	G.cur = g;
	atomic_store(&G.cur_id, g->id);
	pthread_mutex_unlock(&G.lock);
	gen_put(old);
	work_wake();
}

int gen_start(void)
{
	struct gen *g = build(0);

	if (!g)
		return -1;
	publish(g);
	return 0;
}

static void *reload_main(void *arg)
{
	uint64_t t0 = now_ns();
	struct gen *g;

	(void)arg;
	dlog(1, "reloading definitions (%s)", G.cause);
	listen_notify("RELOADING=1");
	g = build(1);
	if (!g) {
		atomic_fetch_add(&dc.reload_failures, 1);
		dlog(0, "reload failed (%s): the definitions in use stay",
		     G.cause);
	} else {
		publish(g);
		atomic_fetch_add(&dc.reloads, 1);
		dlog(1, "definitions reloaded: %s (%s, %.1f ms)",
		     g->defs_version, G.cause, (double)(now_ns() - t0) / 1e6);
	}
	listen_notify("READY=1");
	atomic_store(&G.reloading, 0);
	return NULL;
}

void gen_reload(const char *cause)
{
	if (atomic_exchange(&G.reloading, 1)) {
		dlog(1, "a reload is under way (%s ignored)", cause);
		return;
	}
	/* the previous reload thread has ended (reloading was 0) */
	if (G.have_thread)
		pthread_join(G.thread, NULL);
	G.cause = cause;
	G.have_thread = pthread_create(&G.thread, NULL, reload_main,
				       NULL) == 0;
	if (!G.have_thread) {
		dlog(0, "cannot start a reload: %s", strerror(errno));
		atomic_store(&G.reloading, 0);
	}
}

void gen_check_store(void)
{
	char cur[4200];
	int same;

	if (opt.ndbs || atomic_load(&G.reloading))
		return;
	if (defstore_current(opt.store, cur, sizeof(cur)) < 0)
		cur[0] = '\0';
	pthread_mutex_lock(&G.lock);
	same = strcmp(cur, G.bundle) == 0;
	pthread_mutex_unlock(&G.lock);
	if (same)
		return;
	dlog(1, "the definitions store changed: %s",
	     cur[0] ? cur : "no bundle (built-in definitions)");
	gen_reload("store");
}

void gen_stop(void)
{
	struct gen *g;

	if (G.have_thread)
		pthread_join(G.thread, NULL);
	G.have_thread = 0;
	pthread_mutex_lock(&G.lock);
	g = G.cur;
	G.cur = NULL;
	pthread_mutex_unlock(&G.lock);
	gen_put(g);
}
