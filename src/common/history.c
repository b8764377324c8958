/* SPDX-License-Identifier: Apache-2.0 */
/*
 * history.c - the scan and threat history (history.h): SQLite in WAL mode.
 * This file opens and closes it, names the enums, words the errors, holds
 * the SQL helpers the other files use (history_int.h) and applies the
 * retention; history_schema.c makes and migrates the schema,
 * history_scan.c and history_threat.c record and list scans and threats.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "paths.h"
#include "history_int.h"
#include "util.h"
#include "banned.h"

/* ------------------------------------------------------------ names */

/* The names, from the lists of history.h, by enum value. */
#define HIST_NAME_(name, text) [name] = text,
static const char *const type_names[] = { HIST_TYPE_LIST(HIST_NAME_) };
static const char *const status_names[] = { HIST_STATUS_LIST(HIST_NAME_) };
static const char *const action_names[] = { HIST_ACTION_LIST(HIST_NAME_) };
static const char *const state_names[] = { HIST_STATE_LIST(HIST_NAME_) };
#undef HIST_NAME_
#define N(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(N(type_names) == HIST_NTYPES &&
	       N(status_names) == HIST_NSTATUSES &&
	       N(action_names) == HIST_NACTIONS &&
	       N(state_names) == HIST_NSTATES, "one name per value");

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

const char *hist_type_name(hist_type t)
{
	return name_of(type_names, N(type_names), (int)t);
}

const char *hist_status_name(hist_status s)
{
	return name_of(status_names, N(status_names), (int)s);
}

const char *hist_action_name(hist_action a)
{
	return name_of(action_names, N(action_names), (int)a);
}

const char *hist_state_name(hist_state s)
{
	return name_of(state_names, N(state_names), (int)s);
}

int hist_type_parse(const char *s)
{
	return parse(type_names, N(type_names), s);
}

int hist_status_parse(const char *s)
{
	return parse(status_names, N(status_names), s);
}

int hist_action_parse(const char *s)
{
	return parse(action_names, N(action_names), s);
}

int hist_state_parse(const char *s)
{
	return parse(state_names, N(state_names), s);
}

/* ------------------------------------------------------------ errors */

void hist__err(hist *h, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(h->err, sizeof(h->err), "%s: ", h->path);

	if (n < 0 || (size_t)n >= sizeof(h->err))
		return;
	va_start(ap, fmt);
	vsnprintf(h->err + n, sizeof(h->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* With the system error behind SQLite's reason when there is one
 * ("unable to open database file" says little on its own). */
int hist__db_err(hist *h, const char *what)
{
	int se = sqlite3_system_errno(h->db);
	int code = sqlite3_extended_errcode(h->db);

	if (se && (code & 0xff) != SQLITE_BUSY)
		hist__err(h, "%s: %s (%s)", what, sqlite3_errmsg(h->db),
			  strerror(se));
	else
		hist__err(h, "%s: %s", what, sqlite3_errmsg(h->db));
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

int64_t hist__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hist__exec(hist *h, const char *sql, const char *what)
{
	return sqlite3_exec(h->db, sql, NULL, NULL, NULL) == SQLITE_OK
		       ? 0 : hist__db_err(h, what);
}

sqlite3_stmt *hist__prep(hist *h, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
		hist__db_err(h, what);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int hist__run(hist *h, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	rc = rc == SQLITE_DONE ? 0 : hist__db_err(h, what);
	sqlite3_finalize(st);
	return rc;
}

void hist__bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

const char *hist__col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int hist__begin(hist *h)
{
	return hist__exec(h, "BEGIN IMMEDIATE",
			  "cannot start a write transaction");
}

int hist__commit(hist *h, int rc)
{
	if (rc == 0)
		return hist__exec(h, "COMMIT", "cannot commit");
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int hist__changed_one(hist *h, int rc, const char *what, int64_t id,
		      const char *why)
{
	if (rc == 0 && sqlite3_changes(h->db) == 0) {
		hist__err(h, "%s %" PRId64 ": %s", what, id, why);
		errno = ENOENT;
		return -1;
	}
	return rc;
}

/* ------------------------------------------------------------ opening */

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
		hist__err(h, "cannot open: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int open_db(hist *h)
{
	int of = h->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	struct stat sb;

	if (h->readonly && stat(h->path, &sb) < 0) {
		h->open_errno = errno;
		hist__err(h, "%s", strerror(errno));
		return -1;
	}
	if (h->readonly && S_ISDIR(sb.st_mode)) {
		h->open_errno = EISDIR;
		hist__err(h, "%s", strerror(EISDIR));
		return -1;
	}
	if (!h->readonly && precreate(h) < 0)
		return -1;
	if (sqlite3_open_v2(h->path, &h->db, of | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK)
		return hist__db_err(h, "cannot open");
	if (hist__configure(h) < 0 || hist__migrate(h) < 0)
		return -1;
	return h->readonly ? 0 : (hist__mark_interrupted(h) < 0 ? -1 : 0);
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

void hist_close(hist *h)
{
	if (!h)
		return;
	sqlite3_close(h->db);
	hist__free_last(h);
	pthread_mutex_destroy(&h->lock);
	free(h->path);
	free(h);
}

/* ------------------------------------------------------------ retention */

static int64_t purge(hist *h, int64_t cutoff)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc;

	if (hist__begin(h) < 0)
		return -1;
	st = hist__prep(h, "DELETE FROM threats WHERE detected <= ?"
			" AND state <> 'quarantined'", "cannot purge");
	if (st)
		sqlite3_bind_int64(st, 1, cutoff);
	if ((rc = hist__run(h, st, "cannot purge")) == 0) {
		n = sqlite3_changes(h->db);
		st = hist__prep(h, "DELETE FROM scans"
				" WHERE coalesce(ended, started) <= ?"
				" AND status <> 'running' AND NOT EXISTS"
				" (SELECT 1 FROM threats t"
				" WHERE t.scan_id = scans.id)", "cannot purge");
		if (st)
			sqlite3_bind_int64(st, 1, cutoff);
		if ((rc = hist__run(h, st, "cannot purge")) == 0)
			n += sqlite3_changes(h->db);
	}
	return hist__commit(h, rc) == 0 ? n : -1;
}

int64_t hist_purge(hist *h, int days)
{
	int64_t n;

	if (days < 0) {
		hist__err(h, "cannot purge: negative age %d", days);
		return -1;
	}
	pthread_mutex_lock(&h->lock);
	n = purge(h, hist__now_ms() - (int64_t)days * 86400000);
	pthread_mutex_unlock(&h->lock);
	return n;
}
