/* SPDX-License-Identifier: Apache-2.0 */
/*
 * history.h - mdescan's scan and threat history: an SQLite database in WAL
 * mode (default /var/lib/mdescan/history.db) shared by every mdescan and
 * mdewatch process on the host.
 *
 * A tool-side module: the engine (libmde) never records history.  Each
 * call is one short write transaction, so concurrent scans interleave and
 * wait for each other (busy timeout) instead of failing.  A handle may be
 * used from several threads (calls are serialised on a mutex).
 *
 * Conventions: functions returning int give 0 on success and -1 on error;
 * functions returning an id give it (> 0) or -1.  The error text, naming the
 * database file, is then hist_error()'s.
 */
#ifndef MDESCAN_HISTORY_H
#define MDESCAN_HISTORY_H

#include <stddef.h>
#include <stdint.h>

typedef struct hist hist;

#define HIST_RETENTION_DAYS 90   /* hist_purge()'s default */
#define HIST_SCHEMA_VERSION 1    /* PRAGMA user_version this code writes */

/*
 * Each enum is one X-macro list, X(NAME, "name"), that makes both the
 * enum and its names (as lz4's error list).  The names are what the
 * database stores: a name, once released, never changes, and a new one
 * needs a migration (the schema's CHECK lists spell them out too).
 */
#define HIST_TYPE_LIST(X)                                                  \
	X(HIST_QUICK, "quick")                                             \
	X(HIST_FULL, "full")                                               \
	X(HIST_CUSTOM, "custom")                                           \
	X(HIST_WATCH, "watch")

#define HIST_STATUS_LIST(X)                                                \
	X(HIST_RUNNING, "running")                                         \
	X(HIST_SUCCEEDED, "succeeded")                                     \
	X(HIST_FAILED, "failed")                                           \
	X(HIST_CANCELLED, "cancelled")                                     \
	/* its process died before hist_scan_end() */                      \
	X(HIST_INTERRUPTED, "interrupted")

#define HIST_ACTION_LIST(X)                                                \
	X(HIST_ACT_NONE, "none")                                           \
	X(HIST_ACT_QUARANTINE, "quarantine")                               \
	X(HIST_ACT_REMOVE, "remove")

#define HIST_STATE_LIST(X)                                                 \
	X(HIST_DETECTED, "detected")                                       \
	X(HIST_QUARANTINED, "quarantined")                                 \
	X(HIST_REMOVED, "removed")                                         \
	X(HIST_RESTORED, "restored")                                       \
	X(HIST_ALLOWED, "allowed")

#define HIST_ENUM_(name, text) name,
typedef enum { HIST_TYPE_LIST(HIST_ENUM_) } hist_type;
typedef enum { HIST_STATUS_LIST(HIST_ENUM_) } hist_status;
typedef enum { HIST_ACTION_LIST(HIST_ENUM_) } hist_action;
typedef enum { HIST_STATE_LIST(HIST_ENUM_) } hist_state;
#undef HIST_ENUM_

/* Names ("quick", "running", "quarantine", "detected", ...), and back:
 * the parsers return -1 for an unknown name. */
const char *hist_type_name(hist_type t);
const char *hist_status_name(hist_status s);
const char *hist_action_name(hist_action a);
const char *hist_state_name(hist_state s);
int hist_type_parse(const char *s);
int hist_status_parse(const char *s);
int hist_action_parse(const char *s);
int hist_state_parse(const char *s);

/* hist_open() flags */
#define HIST_READONLY 1 /* list only: never create, migrate or mark */

/*
 * The database path when none is given: $MDESCAN_HISTORY_DB, else
 * /var/lib/mdescan/history.db for root, else
 * $XDG_STATE_HOME/mdescan/history.db or ~/.local/state/mdescan/history.db.
 * Returns a malloc'd string, or NULL (no HOME, out of memory).
 */
char *hist_default_path(void);

/*
 * Opens the database at path.  Without HIST_READONLY, creates it (mode
 * 0600, its directory 0755 if missing) or migrates it to
 * HIST_SCHEMA_VERSION, then runs hist_mark_interrupted().  With it, a
 * missing file is an error (errno ENOENT) and nothing is written.
 * Returns NULL with the reason in err (the file named) on failure: not a
 * database, another program's database, a newer schema, a directory,
 * permissions.  errno is then ENOENT for a missing file (HIST_READONLY),
 * the system's reason when the file could not be opened, EINVAL for a
 * file SQLite refused.
 */
hist *hist_open(const char *path, int flags, char *err, size_t errlen);

/* Closes h (NULL is fine). */
void hist_close(hist *h);

/* The last error, naming the database file; "" if none. */
const char *hist_error(const hist *h);

/* The path h was opened with. */
const char *hist_path(const hist *h);

/*
 * Records the start of a scan by this process: type, the npaths paths it
 * was given (for --files-from, the list's name), the definitions version
 * (NULL if unknown).  The row is `running` and carries this process's pid,
 * start time (/proc/self/stat) and boot id, so that a later
 * hist_mark_interrupted() can tell it was killed.  Returns the scan id.
 */
int64_t hist_scan_begin(hist *h, hist_type type, const char *const *paths,
			size_t npaths, const char *defs_version);

/* The counters a scan ends with. */
typedef struct {
	uint64_t files, bytes, findings, errors;
} hist_counts;

/* Records the end of scan id: its counters and status (succeeded, failed
 * or cancelled).  A scan that has ended already, or no such scan: -1,
 * errno ENOENT. */
int hist_scan_end(hist *h, int64_t id, const hist_counts *c,
		  hist_status status);

/*
 * Records a threat found by scan scan_id: path (the whole member chain,
 * "a.tar//x.php"), signature name, SHA-256 in hex (NULL if not known), the
 * action taken and the resulting state, and the quarantine's id for it
 * (NULL if none).  Returns the threat id.
 */
int64_t hist_threat_add(hist *h, int64_t scan_id, const char *path,
			const char *name, const char *sha256,
			hist_action action, hist_state state,
			const char *quarantine_id);

/* Changes threat id's state (restored, allowed, ...); quarantine_id, when
 * not NULL, replaces the stored one.  Unknown id: -1, errno ENOENT. */
int hist_threat_set_state(hist *h, int64_t id, hist_state state,
			  const char *quarantine_id);

/*
 * Marks `interrupted` every `running` scan whose process is gone: no such
 * pid, a zombie, another process start time or another boot.  A scan from
 * a process that can't be checked (no /proc) stays running.  Returns how
 * many were marked, or -1.  hist_open() calls it.
 */
int hist_mark_interrupted(hist *h);

/* One scan, as listed.  Strings are borrowed: valid during the callback
 * (or until the next call on h for hist_last_scan()). */
typedef struct {
	int64_t id;
	hist_type type;
	hist_status status;      /* running scans of dead processes:
				  * interrupted */
	int64_t started_ms;      /* Unix time, milliseconds */
	int64_t ended_ms;        /* 0 while running or when interrupted */
	int64_t pid;
	const char *const *paths;
	size_t npaths;
	const char *defs_version; /* NULL if not recorded */
	int has_counts;          /* counts below are set (the scan ended) */
	hist_counts counts;
	uint64_t threats;        /* threat rows recorded for it */
} hist_scan;

/* One threat; strings borrowed as for hist_scan. */
typedef struct {
	int64_t id, scan_id;
	int64_t detected_ms, changed_ms; /* state_changed: last state change */
	const char *path, *name;
	const char *sha256;        /* NULL if not recorded */
	hist_action action;
	hist_state state;
	const char *quarantine_id; /* NULL if none */
} hist_threat;

/* Calls fn for the scans, newest first, at most limit of them (0: all).
 * fn returns non-zero to stop.  fn must not call into h. */
int hist_scan_list(hist *h, size_t limit,
		   int (*fn)(void *ctx, const hist_scan *s), void *ctx);

/* Calls fn for the threats, newest first, of scan scan_id (0: all). */
int hist_threat_list(hist *h, int64_t scan_id,
		     int (*fn)(void *ctx, const hist_threat *t), void *ctx);

/* Calls fn for threat id.  Returns 1 found, 0 no such threat, -1 error. */
int hist_threat_get(hist *h, int64_t id,
		    int (*fn)(void *ctx, const hist_threat *t), void *ctx);

/* hist_last_scan()'s type for any scan run on demand: every type but
 * "watch" (a watcher's run, which scans files as they are used, is no
 * scan of the host) */
#define HIST_ON_DEMAND (-2)

/*
 * The newest scan of this type (-1: any, HIST_ON_DEMAND: any but watch)
 * in this status (-1: any), e.g. the last succeeded quick scan for the
 * health report.  Returns 1 and
 * fills *out (strings valid until the next call on h), 0 if there is
 * none, -1 on error.
 */
int hist_last_scan(hist *h, int type, int status, hist_scan *out);

/*
 * Retention: deletes the threats detected more than days ago (0: all) and
 * the scans that ended (or started, if interrupted) more than days ago and
 * have no threat left, except threats still in quarantine (their record is
 * how they are found and restored) and running scans.  Returns the number
 * of rows deleted (scans + threats), or -1.
 */
int64_t hist_purge(hist *h, int days);

#endif
