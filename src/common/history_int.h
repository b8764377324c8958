/* SPDX-License-Identifier: Apache-2.0 */
/*
 * history_int.h - what the files of the history (history.h) share: the
 * handle and the SQL helpers.
 *   history.c         opening and closing, names, errors, the SQL helpers,
 *                     retention
 *   history_schema.c  the connection's settings, the schema's migrations
 *   history_scan.c    scans: begin, end, interrupted ones, listing
 *   history_threat.c  threats: add, change state, list, get
 *
 * Every hist__ function runs with h->lock held by its public caller.
 */
#ifndef MDESCAN_HISTORY_INT_H
#define MDESCAN_HISTORY_INT_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "history.h"
#include "util.h"

struct hist {
	sqlite3 *db;
	char *path;
	int readonly;
	char boot[40];           /* this boot's id, "" if unknown */
	int open_errno;          /* why hist_open() failed, for its caller */
	pthread_mutex_t lock;
	char err[1024];
	struct tool_strv last_paths; /* hist_last_scan()'s strings */
	char *last_defs;
};

/* How many values each enum of history.h has. */
#define HIST_ONE_(name, text) +1
enum {
	HIST_NTYPES = 0 HIST_TYPE_LIST(HIST_ONE_),
	HIST_NSTATUSES = 0 HIST_STATUS_LIST(HIST_ONE_),
	HIST_NACTIONS = 0 HIST_ACTION_LIST(HIST_ONE_),
	HIST_NSTATES = 0 HIST_STATE_LIST(HIST_ONE_)
};
#undef HIST_ONE_

/* Sets hist_error()'s text: "PATH: " and the formatted reason. */
void hist__err(hist *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets the error to "WHAT: " and SQLite's reason; returns -1. */
int hist__db_err(hist *h, const char *what);

/* The time now in Unix milliseconds, as the schema stores times. */
int64_t hist__now_ms(void);

/* Runs sql (no rows): 0, or -1 with the error set (what: the message). */
int hist__exec(hist *h, const char *sql, const char *what);

/* Prepares sql: the statement (finalize it), or NULL with the error set. */
sqlite3_stmt *hist__prep(hist *h, const char *sql, const char *what);

/* Steps st (NULL: a failed hist__prep) to the end and finalizes it: 0,
 * or -1 with the error set. */
int hist__run(hist *h, sqlite3_stmt *st, const char *what);

/* Binds s, or NULL when s is NULL, to parameter i of st. */
void hist__bind_text(sqlite3_stmt *st, int i, const char *s);

/* Column i of the current row as text (NULL for NULL): valid until the
 * next step or finalize. */
const char *hist__col_text(sqlite3_stmt *st, int i);

/* BEGIN IMMEDIATE: 0 or -1. */
int hist__begin(hist *h);

/* Ends the transaction hist__begin() started: commits when rc is 0, else
 * rolls back and returns rc. */
int hist__commit(hist *h, int rc);

/* rc, or -1 with errno ENOENT and "WHAT ID: WHY" when rc is 0 but the
 * last statement changed no row. */
int hist__changed_one(hist *h, int rc, const char *what, int64_t id,
		      const char *why);

/* Sets the connection's pragmas (WAL, busy timeout, synchronous, foreign
 * keys; read-only handles only the last): 0 or -1. */
int hist__configure(hist *h);

/* Checks the database is mdescan's, at most HIST_SCHEMA_VERSION, and
 * brings it to that version (refused read-only): 0 or -1. */
int hist__migrate(hist *h);

/* hist_mark_interrupted() with the lock held: the count, or -1. */
int hist__mark_interrupted(hist *h);

/* Frees hist_last_scan()'s strings. */
void hist__free_last(hist *h);

#endif
