/* SPDX-License-Identifier: Apache-2.0 */
/*
 * history_threat.c - threats in the history: recorded as a scan finds
 * them, their state changed as they are restored or allowed, listed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <sqlite3.h>

#include "history_int.h"
#include "banned.h"

int64_t hist_threat_add(hist *h, int64_t scan_id, const char *path,
			const char *name, const char *sha256,
			hist_action action, hist_state state,
			const char *quarantine_id)
{
	static const char sql[] = "INSERT INTO threats (scan_id, detected,"
				  " path, name, sha256, action, state,"
				  " state_changed, quarantine_id)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;
	int64_t id = -1, now = hist__now_ms();

	if ((unsigned)action >= HIST_NACTIONS ||
	    (unsigned)state >= HIST_NSTATES || !path || !name) {
		hist__err(h, "bad threat record");
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	st = hist__prep(h, sql, "cannot record the threat");
	if (st) {
		sqlite3_bind_int64(st, 1, scan_id);
		sqlite3_bind_int64(st, 2, now);
		hist__bind_text(st, 3, path);
		hist__bind_text(st, 4, name);
		hist__bind_text(st, 5, sha256);
		hist__bind_text(st, 6, hist_action_name(action));
		hist__bind_text(st, 7, hist_state_name(state));
		sqlite3_bind_int64(st, 8, now);
		hist__bind_text(st, 9, quarantine_id);
		if (hist__run(h, st, "cannot record the threat") == 0)
			id = sqlite3_last_insert_rowid(h->db);
	}
	pthread_mutex_unlock(&h->lock);
	return id;
}

int hist_threat_set_state(hist *h, int64_t id, hist_state state,
			  const char *quarantine_id)
{
	sqlite3_stmt *st;
	int rc = -1;

	if ((unsigned)state >= HIST_NSTATES) {
		hist__err(h, "bad threat state %d", (int)state);
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	st = hist__prep(h, "UPDATE threats SET state = ?, state_changed = ?,"
			" quarantine_id = coalesce(?, quarantine_id)"
			" WHERE id = ?", "cannot change the threat");
	if (st) {
		hist__bind_text(st, 1, hist_state_name(state));
		sqlite3_bind_int64(st, 2, hist__now_ms());
		hist__bind_text(st, 3, quarantine_id);
		sqlite3_bind_int64(st, 4, id);
		rc = hist__run(h, st, "cannot change the threat");
		rc = hist__changed_one(h, rc, "threat", id, "no such threat");
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* ------------------------------------------------------------ reading */

#define THREAT_COLS \
	"SELECT id, scan_id, detected, state_changed, path, name, sha256," \
	" action, state, quarantine_id FROM threats "

static void threat_row(sqlite3_stmt *st, hist_threat *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	t->scan_id = sqlite3_column_int64(st, 1);
	t->detected_ms = sqlite3_column_int64(st, 2);
	t->changed_ms = sqlite3_column_int64(st, 3);
	t->path = hist__col_text(st, 4);
	t->name = hist__col_text(st, 5);
	t->sha256 = hist__col_text(st, 6);
	t->action = (hist_action)hist_action_parse(hist__col_text(st, 7));
	t->state = (hist_state)hist_state_parse(hist__col_text(st, 8));
	t->quarantine_id = hist__col_text(st, 9);
}

/* Calls fn for each row of st; returns the number of rows, or -1. */
static int threat_rows(hist *h, sqlite3_stmt *st,
		       int (*fn)(void *ctx, const hist_threat *t), void *ctx)
{
	hist_threat t;
	int rc, n = 0, stop = 0;

	if (!st)
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		threat_row(st, &t);
		stop = fn(ctx, &t);
		n++;
	}
	if (!stop && rc != SQLITE_DONE)
		rc = hist__db_err(h, "cannot read the threats");
	else
		rc = n;
	sqlite3_finalize(st);
	return rc;
}

int hist_threat_list(hist *h, int64_t scan_id,
		     int (*fn)(void *ctx, const hist_threat *t), void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&h->lock);
	st = hist__prep(h, THREAT_COLS "WHERE ?1 = 0 OR scan_id = ?1"
			" ORDER BY id DESC", "cannot read the threats");
	if (st)
		sqlite3_bind_int64(st, 1, scan_id);
	rc = threat_rows(h, st, fn, ctx);
	pthread_mutex_unlock(&h->lock);
	return rc < 0 ? -1 : 0;
}

int hist_threat_get(hist *h, int64_t id,
		    int (*fn)(void *ctx, const hist_threat *t), void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&h->lock);
	st = hist__prep(h, THREAT_COLS "WHERE id = ?",
			"cannot read the threats");
	if (st)
		sqlite3_bind_int64(st, 1, id);
	rc = threat_rows(h, st, fn, ctx);
	pthread_mutex_unlock(&h->lock);
	return rc < 0 ? -1 : rc > 0;
}
