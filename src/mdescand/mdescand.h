/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdescand.h - what the files of mdescand(8), the scanning daemon that
 * speaks clamd's protocol, share:
 *   mdescand.c  options, configuration, start-up, signals, shutdown
 *   listen.c    the Unix and TCP sockets, systemd's socket activation
 *   conn.c      the I/O thread: connections, their input (fed to
 *               proto.c), streams into memory files, replies, timeouts
 *   work.c      the bounded queue and the worker threads; STATS
 *   scan.c      a request scanned and answered: a stream, a descriptor,
 *               a path (an engine walk)
 *   gen.c       the definitions in use (refcounted generations) and
 *               their reloads
 *   record.c    findings to the history database and the system log
 *   proto.c     clamd's protocol, a pure state machine (proto.h)
 *
 * Threads: the main thread runs the I/O loop (epoll: listeners,
 * connections, signals, wake-ups); workers scan; a reload builds new
 * definitions beside the old ones; the recorder writes the history.
 */
#ifndef MDESCAND_H
#define MDESCAND_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mdescan.h"
#include "proto.h"

/* ------------------------------------------------------------ options */

struct dexcl {
	mde_excl_kind kind;
	const char *pattern;
};

/* Everything the configuration and the command line set. */
struct dopts {
	const char **dbs;        /* -d: definitions instead of the store */
	size_t ndbs;
	const char *store, *keys, *cache_dir;
	int no_cache;            /* no compiled-rules cache */
	int cage;                /* parse in caged workers (cage = yes) */
	const char *clamav_certs; /* CAs of ClamAV databases' .sign files */
	int unofficial;          /* ClamAV names NAME.UNOFFICIAL where clamd
				    gives them (daemon_unofficial_names;
				    default on) */
	int64_t db_limit[3];     /* clamav_db_max_files, _file_size, _size
				    (the MDE_DEFS_CVD_MAX_* order); -1:
				    the default */
	int64_t cage_mem;        /* cage_memory */
	const char *socket;      /* Unix socket path; NULL: none */
	const char *sock_owner, *sock_group;
	unsigned sock_mode;
	const char **tcp_addrs;
	size_t ntcp;
	int tcp_port;            /* 0: no TCP */
	int threads;
	int64_t queue, max_conns, max_stream;
	int64_t cmd_timeout, idle_timeout; /* seconds */
	const char **roots;      /* daemon_scan_root */
	size_t nroots;
	/* the engine's settings, as mdescan(1) takes them */
	int64_t max_filesize, timeout, max_depth, max_recursion, max_files;
	int64_t max_scansize, max_member, max_ratio, bomb_min, bomb, pua;
	int64_t arc_types, test_delay_ms;
	struct dexcl *excl;
	size_t nexcl;
	const char **allow;
	size_t nallow;
	const char *history_db;
	int no_history;
	int64_t log_level, log_target; /* mdelog; log_level -1: off */
	int verbose;             /* stderr: 0 warnings, 1 info, 2 debug */
	const char *pidfile;
};

extern struct dopts opt;

/* Daemon-wide counters, for STATS and the log. */
struct dcounters {
	atomic_uint_fast64_t conns, requests, streams, fds, paths;
	atomic_uint_fast64_t found, errors, refused, timeouts, too_big;
	atomic_uint_fast64_t reloads, reload_failures;
};

extern struct dcounters dc;

/* Monotonic nanoseconds. */
uint64_t now_ns(void);

/* A line on stderr ("mdescand: ..."), when verbose >= level (0: always:
 * warnings and errors). */
void dlog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Asks the I/O loop to stop (SHUTDOWN, SIGTERM); safe anywhere. */
void daemon_stop(void);

/* ------------------------------------------------------------ sockets */

/* A listening socket and what it is. */
struct listener {
	int fd;
	int unix_sock;      /* AF_UNIX: FILDES works */
	int activated;      /* from systemd: not ours to unlink */
	char name[256];     /* for the log */
};

/*
 * The listening sockets: systemd's (LISTEN_FDS) when it passed any, else
 * the configured Unix socket (a stale one removed, owner, group and mode
 * set) and TCP addresses.  Returns how many (0: none, error logged).
 */
size_t listen_open(struct listener *ls, size_t max);

/* Closes them; removes the Unix socket this process made. */
void listen_close(struct listener *ls, size_t n);

/* sd_notify(3) without libsystemd: msg to $NOTIFY_SOCKET. */
void listen_notify(const char *msg);

/* ------------------------------------------------------ definitions */

/* One set of definitions and the engine that scans streams with it.
 * Immutable once published; freed when the last user lets go. */
struct gen {
	atomic_int ref;
	unsigned id;
	mde_defs *defs;
	mde_engine *e;         /* streams and descriptors (scanners); the
				  walks share its parser cage */
	mde_engine *e_all;     /* ALLMATCHSCAN's walks share its cage */
	char version[128];     /* VERSION's reply */
	char defs_version[40];
	uint64_t bundle;       /* bundle version, 0: none */
	uint64_t memory;       /* bytes held by the tables */
	char source[256];      /* the bundle's path, "built-in" or -d */
};

/* Loads the first definitions; -1 (logged) when they cannot be. */
int gen_start(void);

/* The current generation, with a reference (gen_put() it). */
struct gen *gen_get(void);
void gen_put(struct gen *g);

/* The id of the current generation (changes with each reload). */
unsigned gen_current_id(void);

/* Builds new definitions in a thread and swaps them in; the old set
 * serves meanwhile, and stays when the new one does not load.  A no-op
 * while one is under way. */
void gen_reload(const char *cause);

/* Without -d: reloads when the store's current bundle changed. */
void gen_check_store(void);

/* Waits for a reload under way, drops the current generation. */
void gen_stop(void);

/* An engine with gen's definitions and the configured settings, for a
 * path request: threads workers, all_match.  NULL on no memory. */
mde_engine *gen_engine(const struct gen *g, int threads, int all_match);

/* -------------------------------------------------------- connections */

struct conn;

/* Takes a reference on c / drops one (the last frees it). */
void conn_ref(struct conn *c);
void conn_unref(struct conn *c);

/* Sends bytes to c's client, from any thread, in order; blocks a worker
 * (never the I/O thread) while too much is unsent, up to the idle
 * timeout.  Dropped once the client is gone. */
void conn_send(struct conn *c, const char *p, size_t n);

/* A reply line "[ID: ][PATH: ]MSG TERM" to c. */
void conn_reply(struct conn *c, unsigned id, const char *path,
		const char *msg, char term);

/* Whether c's client went away (a walk stops then). */
int conn_gone(const struct conn *c);

/* A request of c is done (its replies sent): wakes the I/O thread. */
void conn_request_done(struct conn *c);

/* "unix" or "ADDR@PORT" of c's client, for the log. */
const char *conn_peer(const struct conn *c);

/* Runs the I/O loop on the listeners until daemon_stop() or a signal
 * to stop; SIGHUP reloads.  Returns the signal (or 0 for SHUTDOWN). */
int io_run(struct listener *ls, size_t n);

/* After the workers stopped: lets go of what the loop still holds. */
void io_free(void);

/* --------------------------------------------------------- requests */

struct job {
	struct job *next;
	struct conn *c;      /* a reference */
	enum proto_cmd cmd;
	unsigned id;
	char term;
	int fd;              /* INSTREAM's memory file, FILDES's descriptor */
	char *path;          /* path commands, NUL terminated */
	uint64_t queued_ns;
};

/* Starts opt.threads workers; -1 (logged) on failure. */
int work_start(void);

/* Queues j (now the queue's); -1 when the queue is full: j is the
 * caller's still. */
int work_submit(struct job *j);

/* Frees j: its descriptor, path and connection reference. */
void job_free(struct job *j);

/* Lets the workers finish what is queued and running (at most wait_ms)
 * and stops them; 1 when all have ended. */
int work_stop(unsigned wait_ms);

/* STATS: clamd's text, malloc'd. */
char *work_stats(void);

/* Requests queued now. */
size_t work_queued(void);

/* New definitions were published: idle workers let go of the old. */
void work_wake(void);

/*
 * The fork gate.  A fork copies the locks other threads hold at that
 * moment (a sanitizer's allocator is not reset in the child as glibc's
 * malloc is), so a reload forks its zygotes when the threads that
 * allocate (the I/O loop, the workers) are between two pieces of work:
 * each holds the gate (gate_enter) while it works and lets go
 * (gate_leave) before it waits; gate_close() stops new entries and
 * waits at most max_ms for the holders to leave (1: they did, 0: the
 * time ran out and the fork goes ahead); gate_open() lets them in again.
 */
void gate_enter(void);
void gate_leave(void);
int gate_close(unsigned max_ms);
void gate_open(void);

/* --------------------------------------------------------- scanning */

struct scanner_slot {
	mde_scanner *s;
	struct gen *g;       /* the generation s scans with (a reference) */
};

/* Serves j with the definitions of g (slot: this worker's scanner,
 * renewed for g when it belongs to an older one). */
void scan_job(struct job *j, struct gen *g, struct scanner_slot *slot);

/* ---------------------------------------------------------- records */

/* Opens the history (unless --no-history) and the system log. */
void record_start(const char *defs_version);

/* A finding of a request: to the log now, to the history soon (a
 * thread writes it; dropped, and counted, when it falls behind).
 * where: what the history names ("instream(local)", a path). */
void record_finding(const mde_event *ev, const char *where);

/* Ends the history's record of this run and closes both. */
void record_stop(void);

#endif
