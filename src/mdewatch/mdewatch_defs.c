/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_defs.c - the definitions the watcher scans with, loaded as
 * mdescan(1) loads them, and the engines configured from its options;
 * and the check on the definitions store that turns an update into a
 * reload.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "defstore.h"
#include "mdewatch_int.h"
#include "banned.h"

static const char *cache_dir(const struct wopts *o)
{
	const char *env = getenv("MDESCAN_CACHE_DIR");

	if (o->cache_dir)
		return o->cache_dir;
	return env && *env ? env : MDE_CACHE_DIR;
}

static void diag(void *ctx, const char *file, unsigned line,
		 const char *signame, const char *msg)
{
	(void)ctx;
	wlog(WL_WARNING, "%s:%u: %s%s%s", file ? file : "(definitions)", line,
	     signame ? signame : "", signame ? ": " : "", msg);
}

/* An engine for defs with the options of o; NULL when out of memory. */
static mde_engine *engine_new(const struct wopts *o, const mde_defs *defs)
{
	mde_engine *e = mde_engine_new(defs);
	char why[256];

	if (!e) {
		wlog(WL_ERROR, "cannot make an engine: out of memory");
		return NULL;
	}
	mde_engine_set_opt(e, MDE_OPT_THREADS, 1);
	mde_engine_set_opt(e, MDE_OPT_MAX_FILESIZE, o->max_filesize);
	mde_engine_set_opt(e, MDE_OPT_TIMEOUT_MS, o->timeout * 1000);
	mde_engine_set_opt(e, MDE_OPT_TEST_DELAY_MS, o->test_delay_ms);
	mde_engine_set_opt(e, MDE_OPT_REPORT_CLEAN, 0);
	if (o->cage && !mde_cage_probe(why, sizeof(why)))
		wlog(WL_WARNING, "the parser cage is unavailable (%s): files "
		     "are parsed without it", why);
	else
		mde_engine_set_opt(e, MDE_OPT_CAGE, o->cage);
	return e;
}

/* The bundle of the store the last build loaded or tried to ("": none),
 * under its lock: builds run in the reload thread, the main thread
 * compares it with the store's current link. */
static struct {
	pthread_mutex_t lock;
	char path[4200];
} bundle = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void bundle_get(char *buf, size_t len)
{
	pthread_mutex_lock(&bundle.lock);
	snprintf(buf, len, "%s", bundle.path);
	pthread_mutex_unlock(&bundle.lock);
}

static void bundle_set(const char *path)
{
	pthread_mutex_lock(&bundle.lock);
	snprintf(bundle.path, sizeof(bundle.path), "%s", path);
	pthread_mutex_unlock(&bundle.lock);
}

/*
 * What mdescan(1) loads: the -d paths; else the store's current bundle
 * (`mdescan definitions update`); else the built-in definitions.  A
 * bundle that is installed but does not load is an error, never a
 * silent fallback to older definitions.
 */
static int load_sources(const struct wopts *o, mde_defs *defs)
{
	char cur[4200];
	struct stat st;
	size_t i;
	int rc = MDE_OK;

	/* trusted keys, if any are there: only a bundle needs them */
	if (stat(o->keys, &st) == 0)
		mde_defs_add_keys(defs, o->keys);
	if (o->ndbs == 0) {
		if (defstore_current(o->store, cur, sizeof(cur)) < 0)
			cur[0] = '\0';
		bundle_set(cur);
		if (cur[0])
			return mde_defs_load_bundle(defs, cur);
		return mde_defs_load_builtin(defs);
	}
	for (i = 0; i < o->ndbs && rc == MDE_OK; i++)
		rc = mde_defs_load_path(defs, o->dbs[i]);
	return rc;
}

/* A reload that fails is not tried again until the link changes. */
void defs_check_store(const struct wopts *o)
{
	char cur[4200], was[4200];

	if (o->ndbs)
		return;
	if (defstore_current(o->store, cur, sizeof(cur)) < 0)
		cur[0] = '\0';
	bundle_get(was, sizeof(was));
	if (strcmp(cur, was) == 0)
		return;
	wlog(WL_INFO, "the definitions store changed: %s is current",
	     cur[0] ? cur : "no bundle (built-in definitions)");
	gen_reload("store");
}

/* Loaded and compiled definitions with signatures in them; NULL with
 * the reason logged. */
static mde_defs *load(const struct wopts *o)
{
	mde_defs *defs = mde_defs_new();
	const char *dir = cache_dir(o);
	mde_defs_stats st;
	int rc;

	if (!defs) {
		wlog(WL_ERROR, "cannot load definitions: out of memory");
		return NULL;
	}
	mde_defs_set_diag(defs, diag, NULL);
	if (!o->no_cache && (mkdir(dir, 0700) == 0 || errno == EEXIST))
		mde_defs_set_cache_dir(defs, dir);
	rc = mde_defs_set_clamav_certs(defs, o->clamav_certs);
	for (int i = 0; i < 3; i++)
		if (o->db_limit[i] >= 0)
			mde_defs_set_limit(defs,
					   (mde_defs_limit)(MDE_DEFS_CVD_MAX_MEMBERS + i),
					   (uint64_t)o->db_limit[i]);
	if (rc == MDE_OK)
		rc = load_sources(o, defs);
	if (rc == MDE_OK)
		rc = mde_defs_compile(defs);
	if (rc != MDE_OK) {
		wlog(WL_ERROR, "cannot load definitions: %s",
		     *mde_defs_error(defs) ? mde_defs_error(defs)
					   : mde_status_str(rc));
		goto fail;
	}
	mde_defs_get_stats(defs, &st);
	if (st.hash_sigs + st.byte_sigs + st.yara_rules + st.iocs == 0) {
		wlog(WL_ERROR, "no usable signatures in the definitions given");
		goto fail;
	}
	return defs;
fail:
	mde_defs_free(defs);
	return NULL;
}

int defs_build(const struct wopts *o, mde_defs **pd, mde_engine **pe,
	       mde_engine **pbg)
{
	mde_defs *defs = load(o);
	mde_engine *e = NULL, *ebg = NULL;
	mde_defs_stats st;
	mde_bundle_info bi;
	char from[64] = "";

	if (!defs)
		return -1;
	e = engine_new(o, defs);
	if (!e || (o->mode == MODE_BLOCK && !(ebg = engine_new(o, defs)))) {
		mde_engine_free(e);
		mde_defs_free(defs);
		return -1;
	}
	mde_defs_get_stats(defs, &st);
	if (mde_defs_bundle_info(defs, &bi) == MDE_OK)
		snprintf(from, sizeof(from), " (bundle version %llu)",
			 (unsigned long long)bi.version);
	wlog(WL_INFO, "definitions %s%s: %llu hash, %llu byte signatures, "
	     "%llu YARA rules", mde_defs_version(defs), from,
	     (unsigned long long)st.hash_sigs,
	     (unsigned long long)st.byte_sigs,
	     (unsigned long long)st.yara_rules);
	*pd = defs;
	*pe = e;
	*pbg = ebg;
	return 0;
}

int defs_attach(const struct wopts *o, mde_engine *e)
{
	if (o->no_cache)
		return 0;
	/* a scan without its cache is slower, not wrong: warn and go on */
	if (mde_engine_set_cache(e, cache_dir(o)) != MDE_OK) {
		wlog(WL_WARNING, "%s; scanning without it",
		     mde_engine_error(e));
		return 0;
	}
	return 1;
}
