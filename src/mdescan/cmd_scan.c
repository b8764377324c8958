/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_scan.c - `mdescan [options] PATH...`: a scan, from the options to
 * the exit status.
 *
 * The engine calls back on its workers, one event at a time; the events
 * go to the evidence (scores, held findings, every output: the screen's
 * and the files), the history and the log under one lock, which the
 * progress line (a thread of its own, on a terminal) takes too.
 * Everything about scanning itself lives in libmdescan (mdescan.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "evidence.h"
#include "mdelog.h"
#include "output.h"
#include "scan.h"
#include "scanrec.h"
#include "util.h"
#include "banned.h"

/* State shared by the event callback and the progress thread. */
struct run {
	struct opts o;
	pthread_mutex_t lock;
	int progress_shown;
	int progress_stop;
	mde_engine *e;
	struct scanrec *rec; /* history and actions */
	struct evidence *x;  /* scores, levels, the outputs */
	const char *defs_version;
};

static mde_engine *volatile cancel_engine;

static void clear_progress(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		r->progress_shown = 0;
	}
}

/* An event the outputs had, to the history (and actions) and the log. */
static void record(struct run *r, const mde_event *ev)
{
	scanrec_event(r->rec, ev);
	mdelog_event(ev);
}

/* A finding evidence.c gives out once its file's total is known. */
static void on_scored(void *ctx, const struct out_event *e)
{
	record(ctx, e->ev);
}

static void on_event(void *ctx, const mde_event *ev)
{
	struct run *r = ctx;

	pthread_mutex_lock(&r->lock);
	clear_progress(r);
	if (evidence_event(r->x, ev))
		record(r, ev);
	pthread_mutex_unlock(&r->lock);
}

/* Set by SIGWINCH (and at the start): the width is to be read again. */
static volatile sig_atomic_t winch = 1;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

/* The columns of the terminal on stderr; 80 when it does not say. */
static size_t term_cols(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/*
 * The progress line in at most cols - 1 columns: a line that reaches the
 * last column wraps, and the next "\r\033[K" clears only its second row,
 * leaving a staircase of stale lines.  The counts, then as much of the
 * end of the current path as fits (the end says most).
 */
static void progress_line(const mde_summary *s, const char *cur, size_t cols)
{
	double secs = (double)s->elapsed_ns / 1e9;
	size_t room = cols > 1 ? cols - 1 : 0, hl, plen = 0;
	char head[160], *path = NULL, *p;
	FILE *m = open_memstream(&path, &plen);
	int n;

	n = snprintf(head, sizeof(head), "%llu files, %.1f MB, %.1f MB/s, "
		     "%llu found: ", (unsigned long long)s->files,
		     (double)s->bytes / 1e6,
		     secs > 0 ? (double)s->bytes / 1e6 / secs : 0.0,
		     (unsigned long long)s->findings);
	hl = n < 0 ? 0 : (size_t)n >= sizeof(head) ? sizeof(head) - 1
						     : (size_t)n;
	hl = hl < room ? hl : room;
	fprintf(stderr, "\r\033[K%.*s", (int)hl, head);
	room -= hl;
	if (m) { /* the path as the text output writes it (escaped) */
		out_text_path(m, cur, strlen(cur));
		fclose(m);
	}
	if (path && plen <= room) {
		fputs(path, stderr);
	} else if (path && room > 3) {
		p = path + plen - (room - 3);
		while ((*p & 0xc0) == 0x80) /* not inside a UTF-8 character */
			p++;
		fprintf(stderr, "...%s", p);
	}
	free(path);
	fflush(stderr);
}

static void *progress_main(void *arg)
{
	struct run *r = arg;
	struct timespec ts = { 0, 250000000L };
	char cur[512];
	mde_summary s;
	size_t cols = 80;

	for (;;) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&r->lock);
		if (r->progress_stop) {
			clear_progress(r);
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		if (winch) {
			winch = 0;
			cols = term_cols();
		}
		mde_engine_progress(r->e, &s, cur, sizeof(cur));
		progress_line(&s, cur, cols);
		r->progress_shown = 1;
		pthread_mutex_unlock(&r->lock);
	}
}

static void on_signal(int sig)
{
	if (cancel_engine)
		mde_engine_cancel(cancel_engine);
}

/* Reads paths from FILE (or stdin) and submits each. */
static int submit_from(mde_engine *e, const char *file, int nul)
{
	FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = MDE_OK;

	if (!fp) {
		tool_warn("cannot open '%s': %s", file, strerror(errno));
		return MDE_ERR_IO;
	}
	while (rc == MDE_OK &&
	       (n = getdelim(&line, &cap, nul ? '\0' : '\n', fp)) > 0) {
		if (line[n - 1] == (nul ? '\0' : '\n'))
			line[--n] = '\0';
		if (n > 0)
			rc = mde_engine_submit(e, line);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

static const char *scan_type(const struct opts *o)
{
	return o->quick ? "quick" : o->full ? "full" : "custom";
}

/* The output files of the options, and the screen's format. */
static void open_outputs(struct run *r, const mde_defs *defs)
{
	struct ev_opts *ev = &r->o.ev;
	char err[600];

	r->defs_version = mde_defs_version(defs);
	ev->infected_only = r->o.infected;
	ev->summary = !r->o.no_summary;
	ev->threads = r->o.threads > 0 ? (int)r->o.threads
				       : (int)sysconf(_SC_NPROCESSORS_ONLN);
	ev->show_scores = r->o.forensic || ev->min_score > 0;
	ev->defs_version = r->defs_version;
	ev->scan_type = scan_type(&r->o);
	ev->shard = r->o.shard.n ? &r->o.shard : NULL;
	ev->root = r->o.root;
	evidence_add_output(ev, r->o.json ? "json" : "text", NULL);
	r->x = evidence_open(ev, on_scored, r, err, sizeof(err));
	if (!r->x)
		tool_die("%s", err);
}

/* The scan's record in the history, and the log; paths[0..n) the
 * paths named. */
static void begin_records(struct run *r, char **paths, size_t n)
{
	const struct opts *o = &r->o;
	struct scanrec_opts ro = { 0 };

	ro.db = o->history_db;
	ro.no_history = o->no_history;
	ro.action = (enum scan_action)o->action;
	ro.vault = o->qdir;
	ro.retention_days = (int)o->retention;
	ro.type = o->quick ? HIST_QUICK : o->full ? HIST_FULL : HIST_CUSTOM;
	ro.paths = (const char *const *)paths;
	ro.npaths = n;
	ro.defs_version = r->defs_version;
	r->rec = scanrec_begin(&ro);
	mdelog_open((int)o->log_level, (int)o->log_target);
	mdelog_scan_start(scan_type(o), r->defs_version, scanrec_id(r->rec));
}

/* Every start path: the PATHs, --files-from, --quick's, --full's "/"
 * (--root's too, when nothing else is named).  MDE_OK or the first
 * error. */
static int submit_all(struct run *r, char **paths, size_t n)
{
	const struct opts *o = &r->o;
	int rc = MDE_OK;
	size_t i;

	for (i = 0; i < n && rc == MDE_OK; i++)
		rc = mde_engine_submit(r->e, paths[i]);
	if (rc == MDE_OK && o->files_from)
		rc = submit_from(r->e, o->files_from, o->null);
	if (rc == MDE_OK && o->quick)
		rc = quick_scan_submit(r->e);
	if (rc == MDE_OK && (o->full || (o->root && !n && !o->files_from)))
		rc = mde_engine_submit(r->e, "/");
	return rc;
}

/* Runs the scan to its end (or its cancel); the submit's status. */
static int run(struct run *r, char **paths, size_t n, mde_summary *s)
{
	pthread_t prog;
	int rc, have_prog = 0;

	pthread_mutex_init(&r->lock, NULL);
	cancel_engine = r->e;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGWINCH, on_winch);
	if (mde_engine_begin(r->e, on_event, r) != MDE_OK)
		tool_die("%s", mde_engine_error(r->e));
	if (isatty(STDERR_FILENO) &&
	    pthread_create(&prog, NULL, progress_main, r) == 0)
		have_prog = 1;
	rc = submit_all(r, paths, n);
	mde_engine_end(r->e, s);
	if (have_prog) {
		pthread_mutex_lock(&r->lock);
		r->progress_stop = 1;
		pthread_mutex_unlock(&r->lock);
		pthread_join(prog, NULL);
	}
	cancel_engine = NULL;
	return rc;
}

/* The held findings, the summaries and the exit status. */
static int finish(struct run *r, const mde_summary *s, int rc)
{
	char err[600];
	int status;

	pthread_mutex_lock(&r->lock); /* findings still held go out */
	evidence_finish(r->x, s, -1);
	pthread_mutex_unlock(&r->lock);
	/* an interrupted scan is not a clean one; files below
	 * --min-score are not threats */
	status = (r->o.ev.min_score ? evidence_reported(r->x) : s->findings)
			 ? 1
		 : (s->errors || s->cancelled || rc != MDE_OK) ? 2 : 0;
	status = evidence_summary(r->x, s, status);
	if (evidence_close(r->x, err, sizeof(err)) != 0) {
		tool_warn("%s", err);
		status = 2;
	}
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* the report is lost: say so, the summary could not */
		tool_warn("standard output: %s",
			  strerror(errno ? errno : EIO));
		status = status ? status : 2;
	}
	/* the history follows the exit status: a scan that ends in an
	 * error (a PATH that does not exist, nothing scanned) failed */
	scanrec_end(r->rec, s, rc != MDE_OK || status == 2);
	mdelog_scan_end(s, status);
	mdelog_close();
	return status;
}

int cmd_scan(int argc, char **argv)
{
	struct run r = { 0 };
	mde_summary s;
	mde_defs *defs;
	size_t n;
	int first, rc, status;

	opts_parse(argc, argv, &r.o, &first);
	n = (size_t)(argc - first);
	scan_prepare(&r.o);
	defs = scan_defs(&r.o);
	r.e = scan_engine(defs, &r.o);
	open_outputs(&r, defs);
	begin_records(&r, argv + first, n);
	rc = run(&r, argv + first, n, &s);
	status = finish(&r, &s, rc);
	mde_engine_free(r.e);
	/* The definitions end with the process, as git leaves what it no
	 * longer needs at exit (UNLEAK).  Freeing a full-size ClamAV
	 * database is a free() for each of hundreds of thousands of objects,
	 * and each writes its page: pages the parser cage's zygote shares
	 * since its fork, each then a copy-on-write fault (0.5 s of 1.6 s on
	 * tests/bench/clamfull.py's cached load).  Sanitized builds free them,
	 * so that LeakSanitizer still sees every leak of the library. */
#ifdef __SANITIZE_ADDRESS__
	mde_defs_free(defs);
#else
	(void)defs;
#endif
	opts_free(&r.o);
	return status;
}
