/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scanner.c - synchronous scans (mde_scanner_scan_fd): one open file
 * judged now, in the calling thread, through the same per-file pipeline
 * as the engine's workers (pipeline.c).
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_int.h"
#include "cage.h"
#include "banned.h"

/* ------------------------------------------------- synchronous scans */

struct mde_scanner {
	mde_engine *e;
	mde__worker *w;
	uint64_t found; /* findings of the current call */
	uint64_t errors; /* errors of the current call */
	mde_event_fn fn;
	void *ctx;
};

mde_scanner *mde_scanner_new(mde_engine *e)
{
	mde_scanner *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->e = e;
	mde__engine_versions(e);
	/* the workers' zygote, made here, in the thread that makes the
	 * scanners (before it starts the threads that use them) */
	if (e->cage) {
		pthread_mutex_lock(&e->zlock);
		if (!e->zyg)
			e->zyg = mde__zygote_new(e);
		pthread_mutex_unlock(&e->zlock);
	}
	s->w = mde__worker_new(e);
	if (!s->w) {
		free(s);
		return NULL;
	}
	return s;
}

void mde_scanner_free(mde_scanner *s)
{
	if (!s)
		return;
	mde__worker_free(s->w);
	free(s);
}

static void scanner_event(void *ctx, const mde_event *ev)
{
	mde_scanner *s = ctx;

	if (ev->type == MDE_EV_FINDING && !ev->audit)
		s->found++;
	else if (ev->type == MDE_EV_ERROR)
		s->errors++;
	if (s->fn)
		s->fn(s->ctx, ev);
}

int mde_scanner_scan_fd(mde_scanner *s, int fd, const char *path,
			mde_event_fn fn, void *ctx, int *nfound)
{
	mde__item it = { 0 };
	const char *slash;
	int fl;

	if (fd < 0 || !path)
		return MDE_ERR_ARG;
	it.path = (char *)path;
	it.len = strlen(path);
	slash = strrchr(path, '/');
	it.base = slash ? (size_t)(slash - path) + 1 : 0;
	s->found = 0;
	s->errors = 0;
	s->fn = fn;
	s->ctx = ctx;
	s->w->fn = scanner_event;
	s->w->ctx = s;
	fl = fcntl(fd, F_GETFL);
	mde__scan_fd(s->w, &it, fd, fl >= 0 && (fl & O_NOATIME), 1);
	mde__worker_flush(s->w);
	if (nfound)
		*nfound = (int)s->found;
	return s->errors && !s->found ? MDE_ERR_IO : MDE_OK;
}
