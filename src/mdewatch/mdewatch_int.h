/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_int.h - state shared by the files of mdewatch(8), the
 * real-time protection daemon:
 *   mdewatch.c          main, the daemon's life: pidfile, signals, the
 *                       statistics and store checks, shutdown
 *   mdewatch_opts.c     the option table: getopt, --help, mdescan.conf
 *   mdewatch_fs.c       the filesystems refused unless --allow-fs
 *   mdewatch_defs.c     definitions and engines made from the options
 *   mdewatch_cache.c    the in-memory verdict cache
 *   mdewatch_log.c      log lines (stderr and JSON Lines), rate limits,
 *                       the sd_notify protocol
 *   mdewatch_stats.c    per-process statistics and the stats file
 *   mdewatch_cmd.c      --stats and --status, which read the stats file
 *   mdewatch_record.c   detections to the threat history (mdescan's)
 *   the watcher's threads: mdewatch_watch.h lists their files
 */
#ifndef MDEWATCH_INT_H
#define MDEWATCH_INT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "mdescan.h"

enum { MODE_AUDIT, MODE_BLOCK };
/* Block mode's gate: what waits for the verdict.  GATE_OPEN: every open
 * (FAN_OPEN_PERM); GATE_READ: the reads (FAN_ACCESS_PERM), so that opens
 * to create and write files cost no round trip.  Exec is always gated at
 * the open (FAN_OPEN_EXEC_PERM). */
enum { GATE_OPEN, GATE_READ };
#define GATE_NAME(g) ((g) == GATE_READ ? "read" : "open")
enum { SORT_SCANS, SORT_TIME, SORT_DENIED };
/* what the command line asks for besides the daemon */
enum { CMD_STATS = 1, CMD_STATUS = 2 };

#define DEF_PIDFILE "/run/mdewatch/mdewatch.pid"
#define DEF_STATS "/run/mdewatch/stats.json"

/* Everything the command line sets (mdewatch_opts.c parses it). */
struct wopts {
	int mode;            /* MODE_* */
	int gate;            /* GATE_*, block mode */
	int mark_fs;         /* 1: FAN_MARK_FILESYSTEM, 0: FAN_MARK_MOUNT */
	char **paths;        /* --path, made absolute and resolved */
	size_t npaths;
	char **dbs;          /* -d */
	size_t ndbs;
	const char *store;   /* --store: installed definitions */
	const char *keys;    /* --keys: trusted bundle keys */
	const char *clamav_certs; /* --clamav-certs: CAs of ClamAV's .sign */
	int64_t db_limit[3]; /* clamav_db_max_files, _file_size, _size (the
				MDE_DEFS_CVD_MAX_* order); -1: the default */
	mde_exclusions *excl; /* --exclude-path, -dir, -ext and the
			       * configuration's: scans' semantics */
	const char *history_db; /* --history-db; NULL: the default */
	int no_history;
	char **excl_proc;    /* --exclude-process executables, resolved */
	size_t nexcl_proc;
	char **allow_fs;     /* --allow-fs type names */
	size_t nallow_fs;
	int threads;
	int fail_closed;
	int cage;          /* --cage, cage = yes: the parser cage */
	int no_cache;
	int no_kcache;       /* --no-kernel-cache */
	int64_t deadline_ms;
	int64_t max_filesize; /* bytes, 0 = no limit */
	int64_t queue_size;
	int64_t bg_queue_size; /* background scans (block mode), 0 = none */
	int64_t lru_size;
	int64_t max_procs;
	int64_t timeout;      /* per-file scan time limit, seconds */
	int64_t test_delay_ms;
	const char *cache_dir;
	const char *log_json;
	int log_level;
	const char *pidfile;
	const char *ready_file;
	const char *stats_file;
	/* --stats / --status */
	int cmd;             /* CMD_*, 0: the daemon */
	int64_t top;
	int sort;
	int json;
};

/* Daemon-wide counters, in the stats file. */
struct wcounters {
	atomic_uint_fast64_t events;   /* events read */
	atomic_uint_fast64_t perm;     /* of them permission events */
	atomic_uint_fast64_t scanned;  /* files given to the engine */
	atomic_uint_fast64_t background; /* of them after a close-write */
	atomic_uint_fast64_t bg_skipped; /* background scans not needed */
	atomic_uint_fast64_t bg_dropped; /* ... or not queued (full) */
	atomic_uint_fast64_t cached;   /* answered from the memory cache */
	atomic_uint_fast64_t empty;    /* empty files, nothing to scan */
	atomic_uint_fast64_t denied;   /* opens, reads or execs denied */
	atomic_uint_fast64_t coalesced; /* joined a scan of the same file */
	atomic_uint_fast64_t reported; /* findings reported, not denied */
	atomic_uint_fast64_t late;     /* findings after the deadline */
	atomic_uint_fast64_t fail_open;   /* answered ALLOW on a failure */
	atomic_uint_fast64_t fail_closed; /* answered DENY on a failure */
	atomic_uint_fast64_t deadline; /* of the failures: deadline passed */
	atomic_uint_fast64_t overload; /*   the scan queue was full */
	atomic_uint_fast64_t too_big;  /*   above --max-filesize */
	atomic_uint_fast64_t errors;   /*   the file could not be scanned */
	atomic_uint_fast64_t overflow; /* FAN_Q_OVERFLOW: events lost */
	atomic_uint_fast64_t own;      /* the daemon's own accesses */
	atomic_uint_fast64_t excluded; /* --exclude-* / --exclude-process */
	atomic_uint_fast64_t outside;  /* on a marked mount, not under a path */
	atomic_uint_fast64_t reloads;
	atomic_uint_fast64_t reload_failures;
};

extern struct wcounters wc;

/* ---------------------------------------------------------------- log */

enum { WL_ERROR, WL_WARNING, WL_INFO, WL_DEBUG };

/* Kinds of repeated messages, each limited to one line a second. */
enum rl_kind {
	RL_DEADLINE, RL_OVERLOAD, RL_TOO_BIG, RL_SCAN_ERROR, RL_OVERFLOW,
	RL_RESPONSE, RL_STATS, RL_READ, RL_KCACHE, RL_HISTORY, RL_NKINDS
};

/* A field of a JSON log record: a string (s, n bytes) or a number. */
struct jfield {
	const char *key;
	const char *s; /* NULL: the number i */
	size_t n;
	long long i;
};

#define JS(k, v) ((struct jfield){ (k), (v), strlen(v), 0 })
#define JN(k, v) ((struct jfield){ (k), NULL, 0, (long long)(v) })

/* Sets the level; opens the JSON log (append) when path is not NULL.
 * Returns 0, or -1 with errno when the file cannot be opened. */
int wlog_init(int level, const char *json_path);

/* Reopens the JSON log (after rotation); a failure is logged. */
void wlog_reopen(void);

int wlog_enabled(int level);

/* One line on stderr at level, printf style. */
void wlog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The rate limit of wlog_rl: 1 when a line of kind k may be written
 * now (*suppressed: how many were not since the last one), else 0. */
int wlog_limited(enum rl_kind k, unsigned long long *suppressed);

/* One JSON Lines record {"time":..., "type":type, fields...} in the
 * JSON log, when there is one. */
void wlog_json(const char *type, const struct jfield *f, size_t n);

/* A line on stderr (printf style, at level) and the same event as a
 * JSON record of type with fields f[0..n). */
void wlog_ev(int level, const char *type, const struct jfield *f, size_t n,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* wlog_ev, at most once a second for kind k; the next line and record
 * say how many were suppressed meanwhile. */
void wlog_rl(enum rl_kind k, int level, const char *type,
	     const struct jfield *f, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Lines stderr did not take (a full pipe). */
unsigned long long wlog_dropped(void);

/* Writes path to a memory stream with out_text_path escaping. */
void wlog_path(char *buf, size_t len, const char *path);

/* sd_notify(3)'s protocol without libsystemd: msg to $NOTIFY_SOCKET. */
void wnotify(const char *msg);

/* ------------------------------------------------------------- stats */

/* Per-process table, max entries (evicting exited, then idle ones). */
int pst_init(size_t max);
void pst_free(void);

/* The event of pid was seen; fresh_exe (may be NULL) is its executable
 * read now: an exec under the same pid renames the entry. */
void pst_seen(pid_t pid, const char *fresh_exe);

enum pst_what { PST_CACHED, PST_EXCLUDED, PST_FAILURE };
void pst_count(pid_t pid, enum pst_what what);

/* A scan for pid took ns; denied is 1 when its open was denied. */
void pst_scan(pid_t pid, uint64_t ns, int denied);

/* Copies the executable and command name known for pid ("" if none). */
void pst_ident(pid_t pid, char *exe, size_t exelen, char *comm,
	       size_t commlen);

/* Reads /proc/PID/exe into buf; returns 0 or -1. */
int proc_exe(pid_t pid, char *buf, size_t len);

/* The stats file header: what the daemon watches. */
struct wstate {
	const struct wopts *o;
	long long started;     /* time(2) at start */
	const char *defs_version; /* current; under the caller's care */
	int exec_events;       /* FAN_OPEN_EXEC(_PERM) is in the marks */
};

/* Writes the stats file (tmp + rename).  Returns 0 or -1 (logged). */
int pst_write(const struct wstate *ws);

/* Marks entries of processes that have exited (for eviction). */
void pst_reap(void);

/* --stats and --status; both return the exit status. */
int cmd_stats(const struct wopts *o);
int cmd_status(const struct wopts *o);

/* ------------------------------------------------ the memory cache */

/*
 * Clean verdicts by (dev, ino); a hit needs size, mtime and ctime of st
 * to match and the definitions generation gen.  cap 0: always a miss.
 */
int lru_init(size_t cap);
void lru_free(void);
int lru_get(const struct stat *st, unsigned gen);
void lru_put(const struct stat *st, unsigned gen);
void lru_forget(const struct stat *st); /* the inode of st changed */
void lru_clear(void);

/* Nanoseconds of a timespec. */
int64_t ts_ns(const struct timespec *t);

/* ----------------------------------------------------------- options */

/* Sets o from mdescan.conf, then the command line; exits 0 after
 * --help and --version, 2 (with the usage) on a bad option. */
void opts_parse(int argc, char **argv, struct wopts *o);

/* Frees what opts_parse() allocated in o. */
void opts_free(struct wopts *o);

/* Exits 2 with the reason when a --path is on a pseudo, network or FUSE
 * filesystem that --allow-fs does not name. */
void fs_check(const struct wopts *o);

/* ------------------------------------------------------- definitions */

/* Makes compiled definitions and an engine configured from o, without
 * the scan cache; in block mode also *ebg, the same without a scan cache
 * ever, for background scans (else NULL).  Returns 0, or -1 with the
 * reason logged. */
int defs_build(const struct wopts *o, mde_defs **defs, mde_engine **e,
	       mde_engine **ebg);

/* Gives e the scan cache of o; returns 1 if it has one now. */
int defs_attach(const struct wopts *o, mde_engine *e);

/* Without -d: when the store's current bundle is another than the one
 * loaded last (an update or a rollback), a reload like SIGHUP's. */
void defs_check_store(const struct wopts *o);

/* Builds new definitions in the background and swaps them in; events
 * are answered with the old ones meanwhile.  cause ("SIGHUP", ...) goes
 * to the log.  A no-op while a reload is under way: returns 0 then,
 * else 1.  (mdewatch_gen.c) */
int gen_reload(const char *cause);

/* The definitions version in use, copied to buf (33 bytes). */
void gen_version(char *buf, size_t len);

/* ------------------------------------------------------ the history */

/* Starts the thread that records detections in the threat history of o
 * (--history-db, history_db, else mdescan's default) as one scan of type
 * "watch"; it opens the database itself.  Nothing with --no-history.
 * Problems are logged, never fatal. */
void record_start(const struct wopts *o);

/* A detection of name in the file at path: queued for the history
 * thread, never waiting for the database (dropped when the queue is
 * full).  Any thread. */
void record_found(const char *path, const char *name);

/* Writes what is queued, ends this run's scan and closes the history. */
void record_stop(void);

/* ------------------------------------------------------- the watcher */

/* Starts the workers, the deadline thread and the reader on the
 * fanotify group fan, and in block mode the reader of close events on
 * the group fanw (-1: none); marks come after.  defs, e and ebg (see
 * defs_build) become the watcher's.  Returns 0, or -1 with the reason
 * logged. */
int watch_start(const struct wopts *o, int fan, int fanw, mde_defs *defs,
		mde_engine *e, mde_engine *ebg);

/* Tells systemd the watcher is ready, with what ("watching",
 * "reloaded", ...) in its status line. */
void watch_ready(const char *what);

/* Stops reading, answers every pending permission event ALLOW, stops the
 * threads (waiting a bounded time for running scans), closes the group.
 * Returns 1 when every thread has ended and memory was freed. */
int watch_stop(void);

/* The group of the events to answer (block mode) or to scan (audit);
 * with closes, block mode's group of close events.  Exits 2 with the
 * reason on failure.  (mdewatch_fan.c) */
int fan_open_group(const struct wopts *o, int closes);

/* Marks every path; returns 1 if exec events are in the mask.  In
 * block mode close events go to the group fanw.  Exits 2 with the
 * reason on failure. */
int fan_mark_paths(const struct wopts *o, int fan, int fanw);

/* Monotonic nanoseconds. */
uint64_t now_ns(void);

#endif
