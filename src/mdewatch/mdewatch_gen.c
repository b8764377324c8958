/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_gen.c - generations of definitions.  A generation is the
 * definitions, their engines and a scanner per worker; its id is part of
 * every verdict in the memory cache, so that a reload makes old verdicts
 * misses at once.  A reload (SIGHUP, or a new bundle in the store)
 * builds the next generation in a thread of its own while events are
 * answered with the current one, then swaps it in while the workers are
 * idle.  A reload that fails leaves the current generation in use.
 *
 * The scanners are made while no worker runs: at start before the
 * threads, on a reload while the workers are paused.  With the parser
 * cage, an engine's first scanner forks the process its workers come
 * from, and a fork copies whatever lock another thread holds then.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdewatch_watch.h"
#include "banned.h"

void gen_free(struct gen *g)
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


struct gen *gen_new(mde_defs *defs, mde_engine *e, mde_engine *ebg)
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
	g->sc = calloc((size_t)W.nworkers, sizeof(*g->sc));
	if (ebg)
		g->sbg = calloc((size_t)W.nworkers, sizeof(*g->sbg));
	if (!g->sc || (ebg && !g->sbg)) {
		gen_free(g);
		return NULL;
	}
	return g;
}

int gen_scanners(struct gen *g)
{
	int i, bad = 0;

	for (i = 0; i < W.nworkers; i++) {
		mde_scanner_free(g->sc[i]);
		if (!(g->sc[i] = mde_scanner_new(g->e)))
			bad++;
		if (!g->sbg)
			continue;
		mde_scanner_free(g->sbg[i]);
		if (!(g->sbg[i] = mde_scanner_new(g->ebg)))
			bad++;
	}
	if (bad)
		wlog(WL_ERROR, "%d scanners could not be made (out of memory): "
		     "their workers' files are failures", bad);
	return bad ? -1 : 0;
}

void gen_version(char *buf, size_t len)
{
	pthread_mutex_lock(&W.qlock);
	snprintf(buf, len, "%s", W.gen ? W.gen->ver : "");
	pthread_mutex_unlock(&W.qlock);
}

/* Swaps g in for the current generation; 0, or -1 when the watcher
 * stops (g is freed then). */
static int swap_in(struct gen *g)
{
	struct gen *old = worker_pause();

	if (!old) {
		gen_free(g);
		return -1;
	}
	/* with the workers paused but no lock held: the reader must go on
	 * answering, and the cache may live on a watched filesystem (our
	 * own opens there are answered by the reader) */
	g->id = old->id + 1;
	gen_free(old);
	(void)defs_attach(W.o, g->e);
	(void)gen_scanners(g); /* said; files without one are failures */
	/* verdicts of the old definitions go, before any new scan */
	fan_flush_ignores();
	worker_resume(g);
	return 0;
}

static void *reload_main(void *arg)
{
	const char *cause = arg;
	mde_defs *defs = NULL;
	mde_engine *e = NULL, *ebg = NULL;
	struct gen *g = NULL;
	uint64_t t0 = now_ns();
	char msg[96];

	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(t0 / 1000));
	wnotify(msg);
	wlog_reopen();
	wlog(WL_INFO, "reloading definitions (%s)", cause);
	if (defs_build(W.o, &defs, &e, &ebg) == 0)
		g = gen_new(defs, e, ebg);
	if (!g) {
		atomic_fetch_add(&wc.reload_failures, 1);
		wlog_ev(WL_ERROR, "reload", (struct jfield[]){
				JS("status", "failed"), JS("cause", cause) }, 2,
			"reload failed (%s): the old definitions stay in use",
			cause);
		watch_ready("reload failed");
		goto out;
	}
	if (swap_in(g) < 0)
		goto out;
	atomic_fetch_add(&wc.reloads, 1);
	snprintf(msg, sizeof(msg), ", bundle version %llu",
		 (unsigned long long)g->bundle);
	wlog_ev(WL_INFO, "reload", (struct jfield[]){
			JS("status", "ok"), JS("defs_version", g->ver),
			JN("bundle_version", g->bundle), JS("cause", cause),
			JN("ms", (now_ns() - t0) / 1000000) }, 5,
		"definitions reloaded: version %s%s (%s, %.1f ms)", g->ver,
		g->bundle ? msg : "", cause, (double)(now_ns() - t0) / 1e6);
	watch_ready("reloaded");
out:
	atomic_store(&W.reloading, 0);
	return NULL;
}

int gen_reload(const char *cause)
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
