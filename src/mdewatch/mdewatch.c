/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch - real-time protection: scans files as they are opened,
 * executed or written on the watched filesystems (fanotify), and in block
 * mode denies access to malicious ones.
 *
 * This file: main and the daemon's life: the pidfile and the ready file,
 * the open files limit, signals (through sigtimedwait in the main
 * thread), the statistics and definitions store checks, shutdown.  The
 * options are in mdewatch_opts.c, the threads that answer events in the
 * files mdewatch_watch.h lists.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mdewatch_int.h"
#include "util.h"
#include "banned.h"

/* ------------------------------------------- pidfile, ready file */

/* The pidfile this process created: removed when start-up fails
 * (tool_die() leaves through exit(3)) or at the end. */
static const char *own_pidfile;

static void pidfile_drop(void)
{
	if (own_pidfile)
		unlink(own_pidfile);
	own_pidfile = NULL;
}

/* Opens and locks the pidfile; -1 when there is none to write. */
static int pidfile_open(struct wopts *o)
{
	int explicit = o->pidfile != NULL, fd;
	char buf[32] = "";
	ssize_t n;

	if (!o->pidfile) {
		o->pidfile = DEF_PIDFILE;
		mkdir("/run/mdewatch", 0755);
	}
	fd = open(o->pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (explicit)
			tool_die("cannot open the pidfile '%s': %s",
				 o->pidfile, strerror(errno));
		tool_warn("warning: no pidfile: '%s': %s", o->pidfile,
			  strerror(errno));
		o->pidfile = NULL;
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		tool_die("another mdewatch is running (pid %s, pidfile '%s')",
			 *buf ? buf : "?", o->pidfile);
	}
	own_pidfile = o->pidfile;
	atexit(pidfile_drop);
	return fd;
}

static void pidfile_write(int fd, const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (fd < 0)
		return;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		wlog(WL_WARNING, "cannot write the pidfile '%s': %s", path,
		     strerror(errno));
}

static void ready_file(const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		wlog(WL_ERROR, "cannot write the ready file '%s': %s", path,
		     strerror(errno));
	if (fd >= 0)
		close(fd);
}

/*
 * Every event carries an open fd until it is answered: queued, scanning
 * and pending ones.  When the kernel cannot install one it answers the
 * permission event DENY itself, so the limit is raised to the hard one
 * and must leave room for the whole queue.  Background scans (block
 * mode) hold fds too: their queue gets up to BG_QUEUE_FACTOR times the
 * scan queue, from what the limit leaves over.
 */
#define BG_QUEUE_FACTOR 4

static void fd_limit(struct wopts *o)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)o->queue_size + (rlim_t)o->threads + 256;
	rlim_t bg = BG_QUEUE_FACTOR * (rlim_t)o->queue_size;

	o->bg_queue_size = o->mode == MODE_BLOCK ? (int64_t)bg : 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_cur < (rlim_t)o->threads + 256 + 16)
			tool_die("the open files limit (%llu) is too low for "
				 "%d threads; raise it (ulimit -n, "
				 "LimitNOFILE=)",
				 (unsigned long long)rl.rlim_cur, o->threads);
		o->queue_size = (int64_t)(rl.rlim_cur - (rlim_t)o->threads -
					  256);
		tool_warn("warning: open files limit %llu: --queue-size "
			  "lowered to %lld", (unsigned long long)rl.rlim_cur,
			  (long long)o->queue_size);
		need = rl.rlim_cur;
	}
	if (o->bg_queue_size && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur - need < bg)
		o->bg_queue_size = (int64_t)(rl.rlim_cur - need);
}

/* ------------------------------------------------------ the daemon */

static void write_stats(struct wstate *ws)
{
	char ver[40];

	gen_version(ver, sizeof(ver));
	ws->defs_version = ver;
	pst_reap();
	pst_write(ws);
	ws->defs_version = "";
}

#define STATS_EVERY_NS 2000000000u
#define STORE_EVERY_NS 1000000000u

/* Waits for signals; writes the statistics every 2 s and on SIGUSR1,
 * looks at the definitions store every second.  Returns the signal
 * that ends the daemon. */
static int serve(const sigset_t *set, struct wstate *ws)
{
	uint64_t now = now_ns(), next = now + STATS_EVERY_NS;
	uint64_t store = now + STORE_EVERY_NS, until;
	struct timespec ts;
	int sig;

	for (;;) {
		now = now_ns();
		if (now >= next) {
			write_stats(ws);
			next = now + STATS_EVERY_NS;
			continue;
		}
		if (now >= store) {
			defs_check_store(ws->o);
			store = now + STORE_EVERY_NS;
			continue;
		}
		until = (next < store ? next : store) - now;
		ts.tv_sec = (time_t)(until / 1000000000u);
		ts.tv_nsec = (long)(until % 1000000000u);
		sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (sig == SIGHUP)
			gen_reload("SIGHUP");
		else if (sig == SIGUSR1)
			next = 0;
	}
}

/* One "start" line per watched path. */
static void log_start(const struct wopts *o)
{
	const char *mode = o->mode == MODE_BLOCK ? "block" : "audit";
	const char *gate = o->mode == MODE_BLOCK ? GATE_NAME(o->gate) : "none";
	const char *mark = o->mark_fs ? "filesystem" : "mount";
	size_t i;

	for (i = 0; i < o->npaths; i++)
		wlog_ev(WL_INFO, "start",
			(struct jfield[]){ JS("path", o->paths[i]),
					   JS("mode", mode), JS("gate", gate),
					   JS("mark", mark) },
			4, "watching %s (%s mode%s%s, %s mark)", o->paths[i],
			mode, o->mode == MODE_BLOCK ? ", gated at " : "",
			o->mode == MODE_BLOCK ? gate : "", mark);
}

/*
 * Everything up to the marks: the log, the checks on the paths, the
 * pidfile (returned, -1 for none), the signals in set blocked, the
 * definitions, the groups and the threads, then the marks.  Whatever
 * fails exits 2.
 */
static int start(struct wopts *o, struct wstate *ws, sigset_t *set)
{
	mde_defs *defs;
	mde_engine *e, *ebg;
	int fan, fanw = -1, pidfd;

	if (wlog_init(o->log_level, o->log_json) < 0)
		tool_die("cannot open the JSON log '%s': %s", o->log_json,
			 strerror(errno));
	fs_check(o);
	fd_limit(o);
	if (pst_init((size_t)o->max_procs) < 0)
		tool_die("out of memory");
	pidfd = pidfile_open(o);
	/* signals go to the main thread only, through sigtimedwait */
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (defs_build(o, &defs, &e, &ebg) < 0)
		tool_die("cannot start without definitions");
	fan = fan_open_group(o, 0);
	if (o->mode == MODE_BLOCK)
		fanw = fan_open_group(o, 1);
	if (watch_start(o, fan, fanw, defs, e, ebg) < 0)
		tool_die("cannot start the watcher threads");
	record_start(o);
	/* our own opens from here on (cache, pidfile, logs) are answered
	 * by the reader thread */
	ws->exec_events = fan_mark_paths(o, fan, fanw);
	return pidfd;
}

static void run_daemon(struct wopts *o)
{
	struct wstate ws = { .o = o, .started = (long long)time(NULL),
			     .defs_version = "" };
	sigset_t set;
	int pidfd, sig, clean;

	pidfd = start(o, &ws, &set);
	pidfile_write(pidfd, o->pidfile);
	if (o->ready_file)
		ready_file(o->ready_file);
	write_stats(&ws);
	watch_ready("watching");
	log_start(o);
	sig = serve(&set, &ws);
	wnotify("STOPPING=1");
	clean = watch_stop();
	record_stop();
	write_stats(&ws);
	wlog_ev(WL_INFO, "stop", (struct jfield[]){ JS("signal",
			sig == SIGTERM ? "SIGTERM" : "SIGINT") }, 1,
		"stopping on %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	if (o->ready_file)
		unlink(o->ready_file);
	if (pidfd >= 0) {
		pidfile_drop();
		close(pidfd);
	}
	if (!clean) {
		/* a scan is still running in a worker: leave without
		 * running exit handlers under its feet */
		fflush(NULL);
		_exit(0);
	}
	pst_free();
}

int main(int argc, char **argv)
{
	struct wopts o = { 0 };

	tool_set_name("mdewatch");
	opts_parse(argc, argv, &o);
	if (o.cmd == CMD_STATS)
		return cmd_stats(&o);
	if (o.cmd == CMD_STATUS) {
		if (!o.pidfile)
			o.pidfile = DEF_PIDFILE;
		return cmd_status(&o);
	}
	/* libarchive converts every ZIP member's DOS time with mktime(),
	 * and glibc re-reads /etc/localtime on each call unless TZ is set */
	setenv("TZ", ":/etc/localtime", 0);
	run_daemon(&o);
	opts_free(&o);
	return 0;
}
