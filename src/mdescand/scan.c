/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan.c - a request scanned and answered, in a worker thread, with
 * clamd's replies:
 *   INSTREAM   the memory file the stream went into: "stream: ..."
 *   FILDES     the client's descriptor: "fd[N]: ..."
 *   SCAN, CONTSCAN, ALLMATCHSCAN, MULTISCAN   a path, through an engine
 *              walk (mde_engine_submit) with the exclusions and limits
 *              of the configuration: a line per infected file, per
 *              error, and "PATH: OK" at the end when clamd says it.
 *
 * A path is checked first as clamd checks it ("File path check failure:
 * ...") and, with daemon_scan_root, must lie below one of the roots; the
 * walk then runs inside that root (mde_engine_set_root): a link met on
 * the way resolves inside it, never out of it.  Nothing the client names
 * is ever opened for writing: the engine reads.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdescand.h"
#include "banned.h"

/* What a scan of one stream or descriptor found. */
struct verdict {
	const char *where;   /* for the history */
	char name[256];      /* the first finding */
	int found, errors;
	char reason[256];    /* the first error */
};

static void desc_event(void *ctx, const mde_event *ev)
{
	struct verdict *v = ctx;

	if (ev->type == MDE_EV_FINDING) {
		record_finding(ev, v->where);
		if (ev->audit)
			return;
		if (!v->found++)
			snprintf(v->name, sizeof(v->name), "%s", ev->name);
	} else if (ev->type == MDE_EV_ERROR && !v->errors++) {
		snprintf(v->reason, sizeof(v->reason), "%s", ev->reason);
	}
}

/* mde_scanner_new() is not to run for one engine in two threads. */
static pthread_mutex_t scanner_lock = PTHREAD_MUTEX_INITIALIZER;

/* This worker's scanner for g: the one it has, or a new one. */
static mde_scanner *slot_scanner(struct scanner_slot *slot, struct gen *g)
{
	if (slot->g != g) {
		mde_scanner_free(slot->s);
		gen_put(slot->g);
		slot->s = NULL;
		slot->g = NULL;
	}
	if (!slot->s) {
		pthread_mutex_lock(&scanner_lock);
		slot->s = mde_scanner_new(g->e);
		pthread_mutex_unlock(&scanner_lock);
		if (slot->s) {
			atomic_fetch_add(&g->ref, 1);
			slot->g = g;
		}
	}
	return slot->s;
}

/* The reply to a scanned stream or descriptor named name. */
static void desc_reply(struct job *j, const char *name,
		       const struct verdict *v, int rc)
{
	char msg[300];

	if (v->found) {
		atomic_fetch_add(&dc.found, 1);
		snprintf(msg, sizeof(msg), "%s FOUND", v->name);
	} else if (rc != MDE_OK || v->errors) {
		atomic_fetch_add(&dc.errors, 1);
		snprintf(msg, sizeof(msg), "%s ERROR",
			 v->errors ? v->reason : mde_status_str(rc));
	} else {
		snprintf(msg, sizeof(msg), "OK");
	}
	conn_reply(j->c, j->id, name, msg, j->term);
}

/* INSTREAM and FILDES. */
static void scan_desc(struct job *j, struct gen *g,
		      struct scanner_slot *slot)
{
	struct verdict v = { 0 };
	char name[32], where[300];
	const char *shown = "stream";
	mde_scanner *s;
	struct stat st;
	int rc;

	if (j->cmd == PROTO_FILDES) {
		atomic_fetch_add(&dc.fds, 1);
		snprintf(name, sizeof(name), "fd[%d]", j->fd);
		shown = name;
		if (fstat(j->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			conn_reply(j->c, j->id, shown,
				   "Not a regular file ERROR", j->term);
			return;
		}
		snprintf(where, sizeof(where), "fildes(%s)",
			 conn_peer(j->c));
	} else {
		atomic_fetch_add(&dc.streams, 1);
		snprintf(where, sizeof(where), "instream(%s)",
			 conn_peer(j->c));
	}
	v.where = where;
	s = slot_scanner(slot, g);
	rc = s ? mde_scanner_scan_fd(s, j->fd, shown, desc_event, &v, NULL)
	       : MDE_ERR_NOMEM;
	desc_reply(j, shown, &v, rc);
}

/* ------------------------------------------------------------ paths */

/* A path walk under way: its request, its counts (clamd's: total,
 * errors and infected decide the final OK). */
struct walk {
	struct job *j;
	mde_engine *e;
	int stop_at_virus;   /* SCAN, ALLMATCHSCAN: the first infected file
				ends the walk */
	int all_match;
	unsigned total, errors, infected;
	const char *given;   /* the path as the client wrote it */
	size_t givenlen;
	const char *base;    /* the same, as the engine shows it */
	size_t baselen;
};

/* The client's name for the engine's path p: the given path with what
 * the walk added below it. */
static void shown_path(const struct walk *w, const char *p, char *out,
		       size_t len)
{
	size_t n = strlen(p);

	if (n >= w->baselen && !memcmp(p, w->base, w->baselen) &&
	    (p[w->baselen] == '/' || !p[w->baselen]))
		snprintf(out, len, "%.*s%s", (int)w->givenlen, w->given,
			 p + w->baselen);
	else
		snprintf(out, len, "%s", p);
}

/* clamd's text for an error met in a walk. */
static const char *error_text(const mde_event *ev, char *buf, size_t len)
{
	if (ev->err == EACCES || ev->err == EPERM)
		return "Access denied. ERROR";
	if (ev->err == ENOENT || ev->err == ENOTDIR || ev->err == ELOOP) {
		snprintf(buf, len, "File path check failure: %s. ERROR",
			 strerror(ev->err));
		return buf;
	}
	snprintf(buf, len, "%s ERROR", ev->reason ? ev->reason : "Error");
	return buf;
}

static void walk_finding(struct walk *w, const mde_event *ev,
			 const char *path)
{
	char msg[300];

	record_finding(ev, path);
	if (ev->audit)
		return;
	snprintf(msg, sizeof(msg), "%s FOUND", ev->name);
	conn_reply(w->j->c, w->j->id, path, msg, w->j->term);
}

static void walk_event(void *ctx, const mde_event *ev)
{
	struct walk *w = ctx;
	char path[PATH_MAX + 256], buf[300];

	if (conn_gone(w->j->c)) {
		mde_engine_cancel(w->e);
		return;
	}
	shown_path(w, ev->path, path, sizeof(path));
	switch (ev->type) {
	case MDE_EV_FINDING:
		walk_finding(w, ev, path);
		return;
	case MDE_EV_ERROR:
		w->total++;
		w->errors++;
		atomic_fetch_add(&dc.errors, 1);
		conn_reply(w->j->c, w->j->id, path, error_text(ev, buf,
			   sizeof(buf)), w->j->term);
		return;
	case MDE_EV_SKIPPED:
		/* clamd names only a special file it was given */
		if (!strcmp(ev->path, w->base) && !ev->file &&
		    strncmp(ev->reason, "limit", 5) != 0) {
			w->total++;
			conn_reply(w->j->c, w->j->id, path,
				   "Not supported file type ERROR",
				   w->j->term);
		}
		return;
	case MDE_EV_FILE:
		w->total++;
		if (ev->nfound > 0) {
			w->infected++;
			atomic_fetch_add(&dc.found, 1);
			if (w->stop_at_virus)
				mde_engine_cancel(w->e);
		}
		return;
	default:
		return;
	}
}

/* The engine's form of an absolute path: no repeated '/', no "."
 * components (lib/walk.c's absolute(); the daemon's cwd is "/"). */
static void norm_path(const char *p, char *out, size_t len)
{
	size_t o = 0, n;

	while (*p && o + 2 < len) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n && !(n == 1 && p[0] == '.') && o + n + 2 < len) {
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
}

/* The configured root that holds the real path r, or NULL. */
static const char *root_of(const char *r)
{
	size_t i, n;

	for (i = 0; i < opt.nroots; i++) {
		n = strlen(opt.roots[i]);
		if (!strncmp(r, opt.roots[i], n) &&
		    (r[n] == '/' || !r[n] || n == 1))
			return opt.roots[i];
	}
	return NULL;
}

/* At most one MULTISCAN at a time: it has threads of its own. */
static pthread_mutex_t multiscan_lock = PTHREAD_MUTEX_INITIALIZER;

/* Runs the walk of w (engine ready) from start; its summary in *sum. */
static int walk_run(struct walk *w, const char *start, mde_summary *sum)
{
	int rc = mde_engine_begin(w->e, walk_event, w);

	if (rc == MDE_OK)
		rc = mde_engine_submit(w->e, start);
	mde_engine_end(w->e, sum);
	return rc;
}

/* The walk's last words: "Excluded", or clamd's "OK" when nothing was
 * found and not everything failed. */
static void walk_end(struct walk *w, const mde_summary *sum, int is_dir)
{
	const char *msg = NULL;

	if (conn_gone(w->j->c))
		return;
	if (w->total == 0 && sum->excluded && (!is_dir || sum->dirs == 0)) {
		msg = "Excluded";
	} else {
		w->total += is_dir; /* clamd counts the directory given */
		if (w->infected == 0 && w->errors != w->total)
			msg = "OK";
	}
	if (msg)
		conn_reply(w->j->c, w->j->id, w->given, msg, w->j->term);
}

/* Where the walk of a checked path starts; with a root, e walks inside
 * it.  Returns 0, or -1 when the client was answered (denied). */
static int walk_start(struct walk *w, const char *real, char *base,
		      size_t baselen, const char **start)
{
	const char *root = real ? root_of(real) : NULL;
	int rc;

	if (!real) {
		norm_path(w->given, base, baselen);
		*start = w->given;
		return 0;
	}
	if (!root) {
		conn_reply(w->j->c, w->j->id, w->given, "Access denied. ERROR",
			   w->j->term);
		return -1;
	}
	snprintf(base, baselen, "%s", real);
	*start = real;
	rc = mde_engine_set_root(w->e, root);
	if (rc == MDE_OK)
		*start = real[strlen(root)] ? real + strlen(root) : "/";
	else if (rc != MDE_ERR_STATE)
		dlog(0, "scan root %s: %s", root, mde_engine_error(w->e));
	return 0;
}

/* SCAN, CONTSCAN, ALLMATCHSCAN, MULTISCAN of j->path. */
static void scan_path(struct job *j, struct gen *g)
{
	struct walk w = { .j = j, .given = j->path };
	char base[PATH_MAX + 8], *real = NULL, msg[300];
	const char *start;
	mde_summary sum;
	struct stat st;
	int multi, is_dir;

	atomic_fetch_add(&dc.paths, 1);
	if (stat(j->path, &st) < 0 ||
	    (opt.nroots && !(real = realpath(j->path, NULL)))) {
		snprintf(msg, sizeof(msg), "File path check failure: %s. "
			 "ERROR", strerror(errno));
		conn_reply(j->c, j->id, j->path, msg, j->term);
		return;
	}
	is_dir = S_ISDIR(st.st_mode);
	multi = j->cmd == PROTO_MULTISCAN && is_dir; /* a file: CONTSCAN */
	w.all_match = j->cmd == PROTO_ALLMATCHSCAN;
	w.stop_at_virus = j->cmd == PROTO_SCAN || w.all_match;
	w.givenlen = strlen(j->path);
	while (w.givenlen > 1 && j->path[w.givenlen - 1] == '/')
		w.givenlen--;
	w.e = gen_engine(g, multi ? opt.threads : 1, w.all_match);
	if (!w.e) {
		conn_reply(j->c, j->id, j->path, "Can't allocate memory ERROR",
			   j->term);
		goto out;
	}
	if (walk_start(&w, real, base, sizeof(base), &start) < 0)
		goto out;
	w.base = base;
	w.baselen = strlen(base);
	if (multi)
		pthread_mutex_lock(&multiscan_lock);
	walk_run(&w, start, &sum);
	if (multi)
		pthread_mutex_unlock(&multiscan_lock);
	walk_end(&w, &sum, is_dir);
out:
	mde_engine_free(w.e);
	free(real);
}

void scan_job(struct job *j, struct gen *g, struct scanner_slot *slot)
{
	switch (j->cmd) {
	case PROTO_INSTREAM:
	case PROTO_FILDES:
		scan_desc(j, g, slot);
		break;
	case PROTO_SCAN:
	case PROTO_CONTSCAN:
	case PROTO_MULTISCAN:
	case PROTO_ALLMATCHSCAN:
		scan_path(j, g);
		break;
	default:
		break;
	}
}
