/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_bg.c - background scans (block mode): a file just written is
 * scanned shortly after its writer closed it (BG_DELAY_NS, once its
 * change time has settled), so that the open that reads it back is
 * usually answered by the kernel cache instead of waiting for a scan.
 *
 * They only ever fill the caches: nothing is answered or denied on their
 * strength, a finding is left for the next open or execution to deny,
 * and a file changed after its scan no longer matches the cached size
 * and times (and lost its ignore mark).  Close events come through a
 * group of their own, read in batches, so that they neither wake the
 * reader of permission events nor queue in front of them.
 */
#include "config.h"

#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include "mdewatch_watch.h"
#include "banned.h"

/* close events gather this long between two reads of them */
#define CLOSE_BATCH_MS 5
/* a background scan waits this long after the close, so that a file's
 * change time is settled when it begins (tar sets times and mode before
 * it closes) */
#define BG_DELAY_NS (CTIME_SETTLE_NS + 5000000)

/*
 * A background scan of a file closed after writing: only a clean
 * verdict is used (kept in the caches).  Skipped when the file was
 * scanned since (an open came first), is empty or too big now, or
 * changed too recently for its verdict to be kept.
 */
void bg_scan(struct pev *p, struct gen *g, int idx)
{
	struct scanres r;
	struct timespec now;
	uint64_t ns;
	int rc, nfound;

	clock_gettime(CLOCK_REALTIME, &now);
	if (fstat(p->fd, &p->st) < 0 || p->st.st_size == 0 ||
	    (W.o->max_filesize && p->st.st_size > W.o->max_filesize) ||
	    worker_unsettled(&p->st, &now) || lru_get(&p->st, g->id)) {
		atomic_fetch_add(&wc.bg_skipped, 1);
		return;
	}
	ns = worker_scan(p, g->sbg ? g->sbg[idx] : g->sc[idx], &r, &rc,
			 &nfound, &now);
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
			     : r.errors ? r.reason : mde_status_str(rc));
		}
		return;
	}
	worker_keep_clean(p, g->id, &now);
}

/*
 * FAN_CLOSE_WRITE: the file changed, so its verdicts go; a regular file
 * in scope is queued for a background scan (a full queue only costs the
 * scan at its next open).
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
	fan_unignore(md->fd);
	if (st.st_size == 0 || !event_path(md, path) || !scope_in(path) ||
	    scope_excluded_path(path) ||
	    (W.o->max_filesize && st.st_size > W.o->max_filesize) ||
	    !W.bq.cap || (!atomic_load(&W.kcache) && !W.o->lru_size)) {
		close(md->fd);
		return;
	}
	pst_seen(md->pid, NULL);
	p = event_new(md, &st, path);
	if (!p) {
		close(md->fd);
		return;
	}
	p->bg = 1;
	p->due = p->t0 + BG_DELAY_NS;
	if (!worker_enqueue(p)) {
		atomic_fetch_add(&wc.bg_dropped, 1);
		event_unref(p);
	}
}

/* Reads the close events; after each batch it lets the next ones gather
 * for CLOSE_BATCH_MS: one wake-up for many closes. */
void *bg_closes_main(void *arg)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	struct pollfd wake = { W.wake, POLLIN, 0 };
	ssize_t n;

	(void)arg;
	while ((n = reader_read(W.fanw, buf, sizeof(buf))) >= 0) {
		if (n > 0 && reader_each(buf, n, closed_write) < 0)
			break;
		if (poll(&wake, 1, CLOSE_BATCH_MS) > 0)
			break;
	}
	return NULL;
}
