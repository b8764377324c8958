/* SPDX-License-Identifier: Apache-2.0 */
/*
 * history_schema.c - the history database's connection settings and its
 * schema: made on first open, migrated one version at a time, and
 * refused when it is another program's or newer than this code (the
 * reasons for the settings are history.c's opening comment).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "history_int.h"
#include "banned.h"

#define APP_ID 0x4d444548 /* "MDEH" */
#define BUSY_MS 30000

/*
 * migrations[v] brings a database from user_version v to v + 1; a new
 * version appends one entry (never edits a released one) and bumps
 * HIST_SCHEMA_VERSION.  Times are Unix milliseconds; enums are stored by
 * name.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE scans ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" type TEXT NOT NULL CHECK (type IN ('quick','full','custom','watch')),"
	" status TEXT NOT NULL CHECK (status IN ('running','succeeded',"
	"  'failed','cancelled','interrupted')),"
	" started INTEGER NOT NULL,"
	" ended INTEGER,"            /* NULL: running or interrupted */
	" pid INTEGER NOT NULL,"
	" pid_start INTEGER NOT NULL," /* /proc/PID/stat starttime; 0 unknown */
	" boot_id TEXT NOT NULL,"    /* /proc/sys/kernel/random/boot_id */
	" defs_version TEXT,"
	" files INTEGER, bytes INTEGER, findings INTEGER, errors INTEGER);"
	"CREATE INDEX scans_running ON scans(status) WHERE status = 'running';"
	"CREATE TABLE scan_paths ("
	" scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" path TEXT NOT NULL,"
	" PRIMARY KEY (scan_id, seq)) WITHOUT ROWID;"
	"CREATE TABLE threats ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,"
	" detected INTEGER NOT NULL,"
	" path TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" sha256 TEXT,"
	" action TEXT NOT NULL CHECK (action IN ('none','quarantine',"
	"'remove')),"
	" state TEXT NOT NULL CHECK (state IN ('detected','quarantined',"
	"  'removed','restored','allowed')),"
	" state_changed INTEGER NOT NULL,"
	" quarantine_id TEXT);"
	"CREATE INDEX threats_scan ON threats(scan_id);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
	       HIST_SCHEMA_VERSION, "one migration per schema version");

/* The single integer a query answers, or -1 (the error set). */
static int64_t query_int(hist *h, const char *sql, const char *what)
{
	sqlite3_stmt *st = hist__prep(h, sql, what);
	int64_t v = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		hist__db_err(h, what);
	sqlite3_finalize(st);
	return v;
}

/* Refuses other programs' databases and newer schemas; returns the
 * schema version, or -1. */
static int64_t check_identity(hist *h)
{
	int64_t app = query_int(h, "PRAGMA application_id", "cannot read");
	int64_t ver, tables;

	if (app < 0)
		return -1;
	ver = query_int(h, "PRAGMA user_version", "cannot read");
	tables = query_int(h, "SELECT count(*) FROM sqlite_master",
			   "cannot read");
	if (ver < 0 || tables < 0)
		return -1;
	if (app != APP_ID && (app != 0 || tables > 0)) {
		hist__err(h, "not an mdescan history database (application_id "
			  "%#" PRIx64 ")", app);
		return -1;
	}
	if (ver > HIST_SCHEMA_VERSION) {
		hist__err(h, "schema version %" PRId64 " is newer than this "
			  "mdescan's (%d)", ver, HIST_SCHEMA_VERSION);
		return -1;
	}
	return ver;
}

int hist__migrate(hist *h)
{
	char sql[64];
	int64_t v;
	int rc = 0;

	if ((v = check_identity(h)) < 0)
		return -1;
	if (v == HIST_SCHEMA_VERSION)
		return 0;
	if (h->readonly) {
		hist__err(h, "schema version %" PRId64 " needs upgrading to %d "
			  "(open it for writing once)", v, HIST_SCHEMA_VERSION);
		return -1;
	}
	if (hist__begin(h) < 0)
		return -1;
	/* again under the write lock: another process may have migrated */
	if ((v = check_identity(h)) < 0)
		rc = -1;
	for (; rc == 0 && v < HIST_SCHEMA_VERSION; v++)
		rc = hist__exec(h, migrations[v], "cannot create the schema");
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;"
		 "PRAGMA application_id = %d", HIST_SCHEMA_VERSION, APP_ID);
	if (rc == 0)
		rc = hist__exec(h, sql, "cannot set the schema version");
	return hist__commit(h, rc);
}

int hist__configure(hist *h)
{
	sqlite3_stmt *st;
	int rc = -1, step;

	sqlite3_busy_timeout(h->db, BUSY_MS);
	sqlite3_extended_result_codes(h->db, 1);
	if (h->readonly)
		return hist__exec(h, "PRAGMA foreign_keys = ON", "cannot read");
	if (!(st = hist__prep(h, "PRAGMA journal_mode = WAL", "cannot read")))
		return -1;
	step = sqlite3_step(st);
	if (step != SQLITE_ROW)
		hist__db_err(h, "cannot read");
	else if (strcmp(hist__col_text(st, 0), "wal") != 0)
		hist__err(h, "cannot switch to WAL mode (journal mode %s)",
			  hist__col_text(st, 0));
	else
		rc = 0;
	sqlite3_finalize(st);
	if (rc == 0)
		rc = hist__exec(h, "PRAGMA synchronous = FULL;"
				"PRAGMA foreign_keys = ON;"
				"PRAGMA journal_size_limit = 4194304",
				"cannot configure");
	return rc;
}
