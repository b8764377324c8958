/* SPDX-License-Identifier: Apache-2.0 */
/*
 * history_scan.c - scans in the history: their beginning (with what
 * tells whether their process still runs) and end, the scans whose
 * process died (interrupted), and listing them.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "history_int.h"
#include "util.h"
#include "banned.h"

/* ------------------------------------------------------------ liveness */

/*
 * A process's state letter and start time (clock ticks after boot, field
 * 22 of /proc/PID/stat; the name before it may hold spaces and parens).
 * Returns 0, or -1 with errno (ENOENT: no such process).
 */
static int proc_stat(long pid, char *state, unsigned long long *start)
{
	char file[64], buf[1024], *p;
	FILE *fp;
	size_t n;

	snprintf(file, sizeof(file), "/proc/%ld/stat", pid);
	if (!(fp = fopen(file, "re")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u"
			  " %*u %*d %*d %*d %*d %*d %*d %llu",
		   state, start) != 2) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* 1 if the process that began a scan still runs, 0 if it is gone, -1 if
 * that can't be told (no /proc). */
static int owner_alive(const hist *h, long pid, unsigned long long start,
		       const char *boot)
{
	unsigned long long now_start;
	char state;

	if (*boot && *h->boot && strcmp(boot, h->boot) != 0)
		return 0; /* another boot: every pid since is another process */
	if (proc_stat(pid, &state, &now_start) < 0) {
		if (errno == ENOENT)
			return 0;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			return 0;
		return -1;
	}
	if (state == 'Z' || state == 'X')
		return 0;
	return start == 0 || now_start == start;
}

/* ------------------------------------------------------------ scans */

static int insert_paths(hist *h, int64_t id, const char *const *paths,
			size_t n)
{
	static const char sql[] = "INSERT INTO scan_paths (scan_id, seq, path)"
				  " VALUES (?, ?, ?)";
	sqlite3_stmt *st = hist__prep(h, sql, "cannot record the scan");
	size_t i;
	int rc = st ? 0 : -1;

	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		hist__bind_text(st, 3, paths[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = hist__db_err(h, "cannot record the scan");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int64_t scan_begin(hist *h, hist_type type, const char *const *paths,
			  size_t npaths, const char *defs)
{
	static const char sql[] = "INSERT INTO scans (type, status, started,"
				  " pid, pid_start, boot_id, defs_version)"
				  " VALUES (?, 'running', ?, ?, ?, ?, ?)";
	unsigned long long start = 0;
	sqlite3_stmt *st;
	int64_t id = -1;
	char state;

	if (proc_stat((long)getpid(), &state, &start) < 0)
		start = 0;
	if (hist__begin(h) < 0)
		return -1;
	st = hist__prep(h, sql, "cannot record the scan");
	if (st) {
		hist__bind_text(st, 1, hist_type_name(type));
		sqlite3_bind_int64(st, 2, hist__now_ms());
		sqlite3_bind_int64(st, 3, (int64_t)getpid());
		sqlite3_bind_int64(st, 4, (int64_t)start);
		hist__bind_text(st, 5, h->boot);
		hist__bind_text(st, 6, defs);
		if (hist__run(h, st, "cannot record the scan") == 0)
			id = sqlite3_last_insert_rowid(h->db);
	}
	if (id > 0 && insert_paths(h, id, paths, npaths) < 0)
		id = -1;
	return hist__commit(h, id > 0 ? 0 : -1) == 0 ? id : -1;
}

int64_t hist_scan_begin(hist *h, hist_type type, const char *const *paths,
			size_t npaths, const char *defs_version)
{
	int64_t id;

	if ((unsigned)type >= HIST_NTYPES) {
		hist__err(h, "bad scan type %d", (int)type);
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	id = scan_begin(h, type, paths, npaths, defs_version);
	pthread_mutex_unlock(&h->lock);
	return id;
}

int hist_scan_end(hist *h, int64_t id, const hist_counts *c,
		  hist_status status)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (status != HIST_SUCCEEDED && status != HIST_FAILED &&
	    status != HIST_CANCELLED) {
		hist__err(h, "scan %" PRId64 ": a scan cannot end %s", id,
			  hist_status_name(status));
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	/* an interrupted scan's owner knows better: it did end */
	st = hist__prep(h, "UPDATE scans SET status = ?, ended = ?, files = ?,"
			" bytes = ?, findings = ?, errors = ? WHERE id = ?"
			" AND status IN ('running', 'interrupted')",
			"cannot record the scan's end");
	if (st) {
		hist__bind_text(st, 1, hist_status_name(status));
		sqlite3_bind_int64(st, 2, hist__now_ms());
		sqlite3_bind_int64(st, 3, (int64_t)c->files);
		sqlite3_bind_int64(st, 4, (int64_t)c->bytes);
		sqlite3_bind_int64(st, 5, (int64_t)c->findings);
		sqlite3_bind_int64(st, 6, (int64_t)c->errors);
		sqlite3_bind_int64(st, 7, id);
		rc = hist__run(h, st, "cannot record the scan's end");
		rc = hist__changed_one(h, rc, "scan", id,
				       "no such scan, or it has ended");
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* ------------------------------------------------------------ interrupted */

/* The ids of the running scans whose owner is gone, into a malloc'd array. */
static int dead_scans(hist *h, int64_t **ids, size_t *n)
{
	static const char sql[] = "SELECT id, pid, pid_start, boot_id"
				  " FROM scans WHERE status = 'running'";
	sqlite3_stmt *st = hist__prep(h, sql, "cannot read the scans");
	int64_t *v = NULL, *nv;
	size_t cap = 0;
	int rc;

	*n = 0;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (owner_alive(h, (long)sqlite3_column_int64(st, 1),
				(unsigned long long)sqlite3_column_int64(st, 2),
				hist__col_text(st, 3)) != 0)
			continue;
		if (!(nv = tool_grow(v, &cap, *n + 1, sizeof(*v))))
			break;
		v = nv;
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc != SQLITE_ROW)
		rc = hist__db_err(h, "cannot read the scans");
	else
		rc = -1;
	if (rc < 0 && !*h->err)
		hist__err(h, "out of memory");
	sqlite3_finalize(st);
	*ids = v;
	return rc;
}

int hist__mark_interrupted(hist *h)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t i, n;
	int rc, marked = 0;

	if ((rc = dead_scans(h, &ids, &n)) < 0 || n == 0) {
		free(ids);
		return rc;
	}
	if (hist__begin(h) < 0) {
		free(ids);
		return -1;
	}
	st = hist__prep(h, "UPDATE scans SET status = 'interrupted'"
			" WHERE id = ? AND status = 'running'",
			"cannot mark interrupted scans");
	rc = st ? 0 : -1;
	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = hist__db_err(h, "cannot mark interrupted scans");
		marked += sqlite3_changes(h->db);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(ids);
	rc = hist__commit(h, rc);
	return rc < 0 ? -1 : marked;
}

int hist_mark_interrupted(hist *h)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = hist__mark_interrupted(h);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* ------------------------------------------------------------ reading */

#define SCAN_COLS \
	"SELECT s.id, s.type, s.status, s.started, s.ended, s.pid," \
	" s.pid_start, s.boot_id, s.defs_version, s.files, s.bytes," \
	" s.findings, s.errors," \
	" (SELECT count(*) FROM threats t WHERE t.scan_id = s.id)" \
	" FROM scans s "

/* The scan's paths, in order, into paths (zeroed; the caller frees it
 * with tool_strv_free, also on error). */
static int scan_paths(hist *h, int64_t id, struct tool_strv *paths)
{
	static const char sql[] = "SELECT path FROM scan_paths"
				  " WHERE scan_id = ? ORDER BY seq";
	sqlite3_stmt *st = hist__prep(h, sql, "cannot read the scans");
	int rc;

	memset(paths, 0, sizeof(*paths));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (tool_strv_push(paths, hist__col_text(st, 0)) < 0)
			break;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_ROW)
		hist__err(h, "out of memory");
	else
		hist__db_err(h, "cannot read the scans");
	return -1;
}

/* Fills s from a SCAN_COLS row (paths apart). */
static void scan_row(const hist *h, sqlite3_stmt *st, hist_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->type = (hist_type)hist_type_parse(hist__col_text(st, 1));
	s->status = (hist_status)hist_status_parse(hist__col_text(st, 2));
	s->started_ms = sqlite3_column_int64(st, 3);
	s->ended_ms = sqlite3_column_int64(st, 4);
	s->pid = sqlite3_column_int64(st, 5);
	if (s->status == HIST_RUNNING &&
	    owner_alive(h, (long)s->pid,
			(unsigned long long)sqlite3_column_int64(st, 6),
			hist__col_text(st, 7)) == 0)
		s->status = HIST_INTERRUPTED; /* not marked yet (read-only) */
	s->defs_version = hist__col_text(st, 8);
	s->has_counts = sqlite3_column_type(st, 9) != SQLITE_NULL;
	s->counts.files = (uint64_t)sqlite3_column_int64(st, 9);
	s->counts.bytes = (uint64_t)sqlite3_column_int64(st, 10);
	s->counts.findings = (uint64_t)sqlite3_column_int64(st, 11);
	s->counts.errors = (uint64_t)sqlite3_column_int64(st, 12);
	s->threats = (uint64_t)sqlite3_column_int64(st, 13);
}

/* Reads inside one transaction: counts and paths from one snapshot. */
static int read_begin(hist *h)
{
	return hist__exec(h, "BEGIN", "cannot read");
}

static void read_end(hist *h)
{
	sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
}

static int scan_list(hist *h, size_t limit,
		     int (*fn)(void *ctx, const hist_scan *s), void *ctx)
{
	static const char sql[] = SCAN_COLS "ORDER BY s.id DESC LIMIT ?";
	sqlite3_stmt *st = hist__prep(h, sql, "cannot read the scans");
	struct tool_strv paths;
	hist_scan s;
	int rc, stop = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, limit ? (int64_t)limit : -1);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		scan_row(h, st, &s);
		if (scan_paths(h, s.id, &paths) < 0) {
			tool_strv_free(&paths);
			sqlite3_finalize(st);
			return -1;
		}
		s.paths = (const char *const *)paths.v;
		s.npaths = paths.n;
		stop = fn(ctx, &s);
		tool_strv_free(&paths);
	}
	if (!stop && rc != SQLITE_DONE)
		rc = hist__db_err(h, "cannot read the scans");
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int hist_scan_list(hist *h, size_t limit,
		   int (*fn)(void *ctx, const hist_scan *s), void *ctx)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	if ((rc = read_begin(h)) == 0) {
		rc = scan_list(h, limit, fn, ctx);
		read_end(h);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

void hist__free_last(hist *h)
{
	tool_strv_free(&h->last_paths);
	free(h->last_defs);
	h->last_defs = NULL;
}

static int last_scan(hist *h, int type, int status, hist_scan *out)
{
	static const char sql[] = SCAN_COLS
				  "WHERE (?1 IS NULL OR s.type = ?1)"
				  " AND (?2 IS NULL OR s.status = ?2)"
				  " AND (?3 = 0 OR s.type <> 'watch')"
				  " ORDER BY s.id DESC LIMIT 1";
	sqlite3_stmt *st = hist__prep(h, sql, "cannot read the scans");
	int rc;

	if (!st)
		return -1;
	hist__bind_text(st, 1, type < 0 ? NULL
				  : hist_type_name((hist_type)type));
	hist__bind_text(st, 2, status < 0 ? NULL
				  : hist_status_name((hist_status)status));
	sqlite3_bind_int(st, 3, type == HIST_ON_DEMAND);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		scan_row(h, st, out);
		if (out->defs_version &&
		    !(h->last_defs = strdup(out->defs_version)))
			rc = SQLITE_NOMEM;
		out->defs_version = h->last_defs;
	}
	if (rc == SQLITE_ROW && scan_paths(h, out->id, &h->last_paths) == 0) {
		out->paths = (const char *const *)h->last_paths.v;
		out->npaths = h->last_paths.n;
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else if (rc != SQLITE_ROW) {
		rc = hist__db_err(h, "cannot read the scans");
	} else {
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int hist_last_scan(hist *h, int type, int status, hist_scan *out)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	hist__free_last(h);
	if ((rc = read_begin(h)) == 0) {
		rc = last_scan(h, type, status, out);
		read_end(h);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
