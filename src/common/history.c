/* SPDX-License-Identifier: Apache-2.0 */
/*
 * history.c - the scan and threat history (history.h): SQLite in WAL mode.
 *
 * Why these settings:
 *  - WAL: readers (scan list) never block writers, and writers never
 *    block readers; a killed writer leaves a WAL whose uncommitted frames
 *    the next opener ignores.
 *  - busy_timeout 30 s and BEGIN IMMEDIATE for every multi-statement
 *    write: a concurrent writer waits for the lock instead of failing
 *    with "database is locked" (a deferred transaction that upgrades from
 *    read to write could fail at once, without the busy handler).
 *  - synchronous=FULL: the history is an audit trail (what was found,
 *    what was done to it); with NORMAL a power loss may roll back the last
 *    commits in WAL mode.  Commits are few (a scan's begin and end, one per
 *    threat), so the fsync each costs is cheap.
 *  - application_id: refuses to write into another program's database.
 *  - AUTOINCREMENT: ids are never reused after a purge, so a threat id
 *    quoted in a ticket or a log keeps naming the same threat.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "paths.h"
#include "history.h"
#include "util.h"
#include "banned.h"

#define APP_ID 0x4d444548 /* "MDEH" */
#define BUSY_MS 30000

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

/* ------------------------------------------------------------ names */

/* The names, from the lists of history.h, by enum value. */
#define HIST_NAME_(name, text) [name] = text,
static const char *const type_names[] = { HIST_TYPE_LIST(HIST_NAME_) };
static const char *const status_names[] = { HIST_STATUS_LIST(HIST_NAME_) };
static const char *const action_names[] = { HIST_ACTION_LIST(HIST_NAME_) };
static const char *const state_names[] = { HIST_STATE_LIST(HIST_NAME_) };
#undef HIST_NAME_
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *t, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? t[v] : "?";
}

static int parse(const char *const *t, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (strcmp(t[i], s) == 0)
			return (int)i;
	return -1;
}

const char *hist_type_name(hist_type t) { return name_of(type_names, N(type_names), t); }
const char *hist_status_name(hist_status s) { return name_of(status_names, N(status_names), s); }
const char *hist_action_name(hist_action a) { return name_of(action_names, N(action_names), a); }
const char *hist_state_name(hist_state s) { return name_of(state_names, N(state_names), s); }
int hist_type_parse(const char *s) { return parse(type_names, N(type_names), s); }
int hist_status_parse(const char *s) { return parse(status_names, N(status_names), s); }
int hist_action_parse(const char *s) { return parse(action_names, N(action_names), s); }
int hist_state_parse(const char *s) { return parse(state_names, N(state_names), s); }

/* ------------------------------------------------------------ schema */

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
	" action TEXT NOT NULL CHECK (action IN ('none','quarantine','remove')),"
	" state TEXT NOT NULL CHECK (state IN ('detected','quarantined',"
	"  'removed','restored','allowed')),"
	" state_changed INTEGER NOT NULL,"
	" quarantine_id TEXT);"
	"CREATE INDEX threats_scan ON threats(scan_id);",
};

_Static_assert(N(migrations) == HIST_SCHEMA_VERSION,
	       "one migration per schema version");

/* ------------------------------------------------------------ errors */

static void set_err(hist *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(hist *h, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(h->err, sizeof(h->err), "%s: ", h->path);

	if (n < 0 || (size_t)n >= sizeof(h->err))
		return;
	va_start(ap, fmt);
	vsnprintf(h->err + n, sizeof(h->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* SQLite's reason, with the system error behind it when there is one
 * ("unable to open database file" says little on its own). */
static int db_err(hist *h, const char *what)
{
	int se = sqlite3_system_errno(h->db);
	int code = sqlite3_extended_errcode(h->db);

	if (se && (code & 0xff) != SQLITE_BUSY)
		set_err(h, "%s: %s (%s)", what, sqlite3_errmsg(h->db),
			strerror(se));
	else
		set_err(h, "%s: %s", what, sqlite3_errmsg(h->db));
	return -1;
}

const char *hist_error(const hist *h)
{
	return h ? h->err : "out of memory";
}

const char *hist_path(const hist *h)
{
	return h->path;
}

/* ------------------------------------------------------------ helpers */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int exec(hist *h, const char *sql, const char *what)
{
	return sqlite3_exec(h->db, sql, NULL, NULL, NULL) == SQLITE_OK
		       ? 0 : db_err(h, what);
}

static sqlite3_stmt *prep(hist *h, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_err(h, what);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Runs st to completion and finalizes it. */
static int run(hist *h, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	rc = rc == SQLITE_DONE ? 0 : db_err(h, what);
	sqlite3_finalize(st);
	return rc;
}

/* The single integer a query answers, or -1 (err set). */
static int64_t query_int(hist *h, const char *sql, const char *what)
{
	sqlite3_stmt *st = prep(h, sql, what);
	int64_t v = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		db_err(h, what);
	sqlite3_finalize(st);
	return v;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int begin(hist *h)
{
	return exec(h, "BEGIN IMMEDIATE", "cannot start a write transaction");
}

static int commit(hist *h, int rc)
{
	if (rc == 0)
		return exec(h, "COMMIT", "cannot commit");
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* ------------------------------------------------------------ liveness */

static void read_line(const char *file, char *buf, size_t n)
{
	FILE *fp = fopen(file, "re");

	buf[0] = '\0';
	if (!fp)
		return;
	if (!fgets(buf, (int)n, fp))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(fp);
}

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

/* ------------------------------------------------------------ opening */

char *hist_default_path(void)
{
	const char *env = getenv("MDESCAN_HISTORY_DB");
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char buf[4096];

	if (env && *env)
		return strdup(env);
	if (geteuid() == 0)
		return strdup(MDE_STATE_DIR "/history.db");
	if (xdg && *xdg == '/')
		snprintf(buf, sizeof(buf), "%s/mdescan/history.db", xdg);
	else if (home && *home == '/')
		snprintf(buf, sizeof(buf), "%s/.local/state/mdescan/history.db",
			 home);
	else
		return NULL;
	return strdup(buf);
}

/* mkdir -p of path's directory (0755). */
static void make_parents(const char *path)
{
	char *d = strdup(path), *s = d ? strrchr(d, '/') : NULL;

	if (s && s != d) {
		*s = '\0';
		tool_mkdirs(d, 0755);
	}
	free(d);
}

/* Creates the file 0600 before SQLite does (SQLite would make it 0644:
 * the history names infected files in users' homes).  An existing file
 * is left as it is; a directory fails here with EISDIR. */
static int precreate(hist *h)
{
	int fd = open(h->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 && errno == ENOENT) {
		make_parents(h->path);
		fd = open(h->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		h->open_errno = errno;
		set_err(h, "cannot open: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
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
	tables = query_int(h, "SELECT count(*) FROM sqlite_master", "cannot read");
	if (ver < 0 || tables < 0)
		return -1;
	if (app != APP_ID && (app != 0 || tables > 0)) {
		set_err(h, "not an mdescan history database (application_id "
			"%#" PRIx64 ")", app);
		return -1;
	}
	if (ver > HIST_SCHEMA_VERSION) {
		set_err(h, "schema version %" PRId64 " is newer than this "
			"mdescan's (%d)", ver, HIST_SCHEMA_VERSION);
		return -1;
	}
	return ver;
}

static int migrate(hist *h)
{
	char sql[64];
	int64_t v;
	int rc = 0;

	if ((v = check_identity(h)) < 0)
		return -1;
	if (v == HIST_SCHEMA_VERSION)
		return 0;
	if (h->readonly) {
		set_err(h, "schema version %" PRId64 " needs upgrading to %d "
			"(open it for writing once)", v, HIST_SCHEMA_VERSION);
		return -1;
	}
	if (begin(h) < 0)
		return -1;
	/* again under the write lock: another process may have migrated */
	if ((v = check_identity(h)) < 0)
		rc = -1;
	for (; rc == 0 && v < HIST_SCHEMA_VERSION; v++)
		rc = exec(h, migrations[v], "cannot create the schema");
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;"
		 "PRAGMA application_id = %d", HIST_SCHEMA_VERSION, APP_ID);
	if (rc == 0)
		rc = exec(h, sql, "cannot set the schema version");
	return commit(h, rc);
}

static int configure(hist *h)
{
	sqlite3_stmt *st;
	int rc = -1, step;

	sqlite3_busy_timeout(h->db, BUSY_MS);
	sqlite3_extended_result_codes(h->db, 1);
	if (h->readonly)
		return exec(h, "PRAGMA foreign_keys = ON", "cannot read");
	if (!(st = prep(h, "PRAGMA journal_mode = WAL", "cannot read")))
		return -1;
	step = sqlite3_step(st);
	if (step != SQLITE_ROW)
		db_err(h, "cannot read");
	else if (strcmp(col_text(st, 0), "wal") != 0)
		set_err(h, "cannot switch to WAL mode (journal mode %s)",
			col_text(st, 0));
	else
		rc = 0;
	sqlite3_finalize(st);
	if (rc == 0)
		rc = exec(h, "PRAGMA synchronous = FULL;"
			  "PRAGMA foreign_keys = ON;"
			  "PRAGMA journal_size_limit = 4194304",
			  "cannot configure");
	return rc;
}

static int mark_interrupted(hist *h);

static int open_db(hist *h)
{
	int of = h->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	struct stat sb;

	if (h->readonly && stat(h->path, &sb) < 0) {
		h->open_errno = errno;
		set_err(h, "%s", strerror(errno));
		return -1;
	}
	if (h->readonly && S_ISDIR(sb.st_mode)) {
		h->open_errno = EISDIR;
		set_err(h, "%s", strerror(EISDIR));
		return -1;
	}
	if (!h->readonly && precreate(h) < 0)
		return -1;
	if (sqlite3_open_v2(h->path, &h->db, of | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK)
		return db_err(h, "cannot open");
	if (configure(h) < 0 || migrate(h) < 0)
		return -1;
	return h->readonly ? 0 : (mark_interrupted(h) < 0 ? -1 : 0);
}

hist *hist_open(const char *path, int flags, char *err, size_t errlen)
{
	hist *h = calloc(1, sizeof(*h));
	int saved;

	errno = ENOMEM;

	if (!h || !(h->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(h);
		return NULL;
	}
	h->readonly = (flags & HIST_READONLY) != 0;
	pthread_mutex_init(&h->lock, NULL);
	read_line("/proc/sys/kernel/random/boot_id", h->boot, sizeof(h->boot));
	if (open_db(h) == 0)
		return h;
	saved = h->open_errno ? h->open_errno : EINVAL;
	snprintf(err, errlen, "%s", h->err);
	hist_close(h);
	errno = saved;
	return NULL;
}

static void free_last(hist *h)
{
	tool_strv_free(&h->last_paths);
	free(h->last_defs);
	h->last_defs = NULL;
}

void hist_close(hist *h)
{
	if (!h)
		return;
	sqlite3_close(h->db);
	free_last(h);
	pthread_mutex_destroy(&h->lock);
	free(h->path);
	free(h);
}

/* ------------------------------------------------------------ scans */

static int insert_paths(hist *h, int64_t id, const char *const *paths,
			size_t n)
{
	sqlite3_stmt *st = prep(h, "INSERT INTO scan_paths (scan_id, seq, path)"
			       " VALUES (?, ?, ?)", "cannot record the scan");
	size_t i;
	int rc = st ? 0 : -1;

	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		bind_text(st, 3, paths[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(h, "cannot record the scan");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int64_t scan_begin(hist *h, hist_type type, const char *const *paths,
			  size_t npaths, const char *defs)
{
	unsigned long long start = 0;
	sqlite3_stmt *st;
	int64_t id = -1;
	char state;

	if (proc_stat((long)getpid(), &state, &start) < 0)
		start = 0;
	if (begin(h) < 0)
		return -1;
	st = prep(h, "INSERT INTO scans (type, status, started, pid, pid_start,"
		  " boot_id, defs_version) VALUES (?, 'running', ?, ?, ?, ?, ?)",
		  "cannot record the scan");
	if (st) {
		bind_text(st, 1, hist_type_name(type));
		sqlite3_bind_int64(st, 2, now_ms());
		sqlite3_bind_int64(st, 3, (int64_t)getpid());
		sqlite3_bind_int64(st, 4, (int64_t)start);
		bind_text(st, 5, h->boot);
		bind_text(st, 6, defs);
		if (run(h, st, "cannot record the scan") == 0)
			id = sqlite3_last_insert_rowid(h->db);
	}
	if (id > 0 && insert_paths(h, id, paths, npaths) < 0)
		id = -1;
	return commit(h, id > 0 ? 0 : -1) == 0 ? id : -1;
}

int64_t hist_scan_begin(hist *h, hist_type type, const char *const *paths,
			size_t npaths, const char *defs_version)
{
	int64_t id;

	if ((unsigned)type >= N(type_names)) {
		set_err(h, "bad scan type %d", (int)type);
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	id = scan_begin(h, type, paths, npaths, defs_version);
	pthread_mutex_unlock(&h->lock);
	return id;
}

/* Checks that a statement changed a row: if not, errno ENOENT and
 * "WHAT ID: WHY". */
static int changed_one(hist *h, int rc, const char *what, int64_t id,
		       const char *why)
{
	if (rc == 0 && sqlite3_changes(h->db) == 0) {
		set_err(h, "%s %" PRId64 ": %s", what, id, why);
		errno = ENOENT;
		return -1;
	}
	return rc;
}

int hist_scan_end(hist *h, int64_t id, const hist_counts *c,
		  hist_status status)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (status != HIST_SUCCEEDED && status != HIST_FAILED &&
	    status != HIST_CANCELLED) {
		set_err(h, "scan %" PRId64 ": a scan cannot end %s", id,
			hist_status_name(status));
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	/* an interrupted scan's owner knows better: it did end */
	st = prep(h, "UPDATE scans SET status = ?, ended = ?, files = ?,"
		  " bytes = ?, findings = ?, errors = ? WHERE id = ?"
		  " AND status IN ('running', 'interrupted')",
		  "cannot record the scan's end");
	if (st) {
		bind_text(st, 1, hist_status_name(status));
		sqlite3_bind_int64(st, 2, now_ms());
		sqlite3_bind_int64(st, 3, (int64_t)c->files);
		sqlite3_bind_int64(st, 4, (int64_t)c->bytes);
		sqlite3_bind_int64(st, 5, (int64_t)c->findings);
		sqlite3_bind_int64(st, 6, (int64_t)c->errors);
		sqlite3_bind_int64(st, 7, id);
		rc = changed_one(h, run(h, st, "cannot record the scan's end"),
				 "scan", id, "no such scan, or it has ended");
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* ------------------------------------------------------------ threats */

int64_t hist_threat_add(hist *h, int64_t scan_id, const char *path,
			const char *name, const char *sha256, hist_action action,
			hist_state state, const char *quarantine_id)
{
	sqlite3_stmt *st;
	int64_t id = -1, now = now_ms();

	if ((unsigned)action >= N(action_names) ||
	    (unsigned)state >= N(state_names) || !path || !name) {
		set_err(h, "bad threat record");
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	st = prep(h, "INSERT INTO threats (scan_id, detected, path, name,"
		  " sha256, action, state, state_changed, quarantine_id)"
		  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		  "cannot record the threat");
	if (st) {
		sqlite3_bind_int64(st, 1, scan_id);
		sqlite3_bind_int64(st, 2, now);
		bind_text(st, 3, path);
		bind_text(st, 4, name);
		bind_text(st, 5, sha256);
		bind_text(st, 6, hist_action_name(action));
		bind_text(st, 7, hist_state_name(state));
		sqlite3_bind_int64(st, 8, now);
		bind_text(st, 9, quarantine_id);
		if (run(h, st, "cannot record the threat") == 0)
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

	if ((unsigned)state >= N(state_names)) {
		set_err(h, "bad threat state %d", (int)state);
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	st = prep(h, "UPDATE threats SET state = ?, state_changed = ?,"
		  " quarantine_id = coalesce(?, quarantine_id) WHERE id = ?",
		  "cannot change the threat");
	if (st) {
		bind_text(st, 1, hist_state_name(state));
		sqlite3_bind_int64(st, 2, now_ms());
		bind_text(st, 3, quarantine_id);
		sqlite3_bind_int64(st, 4, id);
		rc = changed_one(h, run(h, st, "cannot change the threat"),
				 "threat", id, "no such threat");
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* ------------------------------------------------------------ interrupted */

/* The ids of the running scans whose owner is gone, into a malloc'd array. */
static int dead_scans(hist *h, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st = prep(h, "SELECT id, pid, pid_start, boot_id"
			       " FROM scans WHERE status = 'running'",
			       "cannot read the scans");
	int64_t *v = NULL, *nv;
	size_t cap = 0;
	int rc;

	*n = 0;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (owner_alive(h, (long)sqlite3_column_int64(st, 1),
				(unsigned long long)sqlite3_column_int64(st, 2),
				col_text(st, 3)) != 0)
			continue;
		if (!(nv = tool_grow(v, &cap, *n + 1, sizeof(*v))))
			break;
		v = nv;
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	rc = rc == SQLITE_DONE ? 0 : (rc == SQLITE_ROW ? -1 : db_err(h, "cannot read the scans"));
	if (rc < 0 && !*h->err)
		set_err(h, "out of memory");
	sqlite3_finalize(st);
	*ids = v;
	return rc;
}

static int mark_interrupted(hist *h)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t i, n;
	int rc, marked = 0;

	if ((rc = dead_scans(h, &ids, &n)) < 0 || n == 0) {
		free(ids);
		return rc;
	}
	if (begin(h) < 0) {
		free(ids);
		return -1;
	}
	st = prep(h, "UPDATE scans SET status = 'interrupted'"
		  " WHERE id = ? AND status = 'running'",
		  "cannot mark interrupted scans");
	rc = st ? 0 : -1;
	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(h, "cannot mark interrupted scans");
		marked += sqlite3_changes(h->db);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(ids);
	rc = commit(h, rc);
	return rc < 0 ? -1 : marked;
}

int hist_mark_interrupted(hist *h)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = mark_interrupted(h);
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
	sqlite3_stmt *st = prep(h, "SELECT path FROM scan_paths WHERE"
			       " scan_id = ? ORDER BY seq", "cannot read the scans");
	int rc;

	memset(paths, 0, sizeof(*paths));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (tool_strv_push(paths, col_text(st, 0)) < 0)
			break;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_ROW)
		set_err(h, "out of memory");
	else
		db_err(h, "cannot read the scans");
	return -1;
}

/* Fills s from a SCAN_COLS row (paths apart). */
static void scan_row(const hist *h, sqlite3_stmt *st, hist_scan *s)
{
	const char *type = col_text(st, 1), *status = col_text(st, 2);

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->type = (hist_type)hist_type_parse(type);
	s->status = (hist_status)hist_status_parse(status);
	s->started_ms = sqlite3_column_int64(st, 3);
	s->ended_ms = sqlite3_column_int64(st, 4);
	s->pid = sqlite3_column_int64(st, 5);
	if (s->status == HIST_RUNNING &&
	    owner_alive(h, (long)s->pid,
			(unsigned long long)sqlite3_column_int64(st, 6),
			col_text(st, 7)) == 0)
		s->status = HIST_INTERRUPTED; /* not marked yet (read-only) */
	s->defs_version = col_text(st, 8);
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
	return exec(h, "BEGIN", "cannot read");
}

static void read_end(hist *h)
{
	sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
}

static int scan_list(hist *h, size_t limit,
		     int (*fn)(void *ctx, const hist_scan *s), void *ctx)
{
	sqlite3_stmt *st = prep(h, SCAN_COLS "ORDER BY s.id DESC LIMIT ?",
			       "cannot read the scans");
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
	rc = stop || rc == SQLITE_DONE ? 0 : db_err(h, "cannot read the scans");
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

static int last_scan(hist *h, int type, int status, hist_scan *out)
{
	sqlite3_stmt *st = prep(h, SCAN_COLS "WHERE (?1 IS NULL OR s.type = ?1)"
			       " AND (?2 IS NULL OR s.status = ?2)"
			       " ORDER BY s.id DESC LIMIT 1",
			       "cannot read the scans");
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, type < 0 ? NULL : hist_type_name((hist_type)type));
	bind_text(st, 2, status < 0 ? NULL : hist_status_name((hist_status)status));
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
	} else {
		rc = rc == SQLITE_ROW ? -1 : db_err(h, "cannot read the scans");
	}
	sqlite3_finalize(st);
	return rc;
}

int hist_last_scan(hist *h, int type, int status, hist_scan *out)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	free_last(h);
	if ((rc = read_begin(h)) == 0) {
		rc = last_scan(h, type, status, out);
		read_end(h);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

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
	t->path = col_text(st, 4);
	t->name = col_text(st, 5);
	t->sha256 = col_text(st, 6);
	t->action = (hist_action)hist_action_parse(col_text(st, 7));
	t->state = (hist_state)hist_state_parse(col_text(st, 8));
	t->quarantine_id = col_text(st, 9);
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
	rc = stop || rc == SQLITE_DONE ? n : db_err(h, "cannot read the threats");
	sqlite3_finalize(st);
	return rc;
}

int hist_threat_list(hist *h, int64_t scan_id,
		     int (*fn)(void *ctx, const hist_threat *t), void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&h->lock);
	st = prep(h, THREAT_COLS "WHERE ?1 = 0 OR scan_id = ?1 ORDER BY id DESC",
		  "cannot read the threats");
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
	st = prep(h, THREAT_COLS "WHERE id = ?", "cannot read the threats");
	if (st)
		sqlite3_bind_int64(st, 1, id);
	rc = threat_rows(h, st, fn, ctx);
	pthread_mutex_unlock(&h->lock);
	return rc < 0 ? -1 : rc > 0;
}

/* ------------------------------------------------------------ retention */

static int64_t purge(hist *h, int64_t cutoff)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc;

	if (begin(h) < 0)
		return -1;
	st = prep(h, "DELETE FROM threats WHERE detected <= ?"
		  " AND state <> 'quarantined'", "cannot purge");
	if (st)
		sqlite3_bind_int64(st, 1, cutoff);
	if ((rc = run(h, st, "cannot purge")) == 0) {
		n = sqlite3_changes(h->db);
		st = prep(h, "DELETE FROM scans WHERE coalesce(ended, started) <= ?"
			  " AND status <> 'running' AND NOT EXISTS"
			  " (SELECT 1 FROM threats t WHERE t.scan_id = scans.id)",
			  "cannot purge");
		if (st)
			sqlite3_bind_int64(st, 1, cutoff);
		if ((rc = run(h, st, "cannot purge")) == 0)
			n += sqlite3_changes(h->db);
	}
	return commit(h, rc) == 0 ? n : -1;
}

int64_t hist_purge(hist *h, int days)
{
	int64_t n;

	if (days < 0) {
		set_err(h, "cannot purge: negative age %d", days);
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	n = purge(h, now_ms() - (int64_t)days * 86400000);
	pthread_mutex_unlock(&h->lock);
	return n;
}
