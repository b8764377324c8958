/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdescand - a scanning daemon that speaks clamd's protocol, so that mail
 * filters, web and upload services written for clamd scan with mdescan's
 * engine and definitions, loaded once.
 *
 * This file: options and mdescan.conf(5), start-up, signals, shutdown.
 * The rest is listed in mdescand.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "defstore.h"
#include "mdecfg.h"
#include "mdescand.h"
#include "util.h"
#include "banned.h"

struct dopts opt;
struct dcounters dc;

#define DEF_SOCKET "/run/mdescand/mdescand.sock"
#define MAX_LISTENERS 16

enum {
	OPT_CACHE_DIR = 256, OPT_CAGE, OPT_CAGE_MEMORY, OPT_CMD_TIMEOUT,
	OPT_CLAMAV_CERTS, OPT_CONFIG, OPT_HISTORY_DB, OPT_NO_CAGE,
	OPT_IDLE_TIMEOUT, OPT_KEYS, OPT_LOG_LEVEL, OPT_MAX_CONNS,
	OPT_MAX_STREAM, OPT_NO_CACHE, OPT_NO_HISTORY, OPT_NO_SYSLOG,
	OPT_NO_UNOFFICIAL, OPT_PIDFILE, OPT_QUEUE, OPT_SCAN_ROOT, OPT_SOCKET,
	OPT_STORE, OPT_TCP_ADDR, OPT_TCP_PORT, OPT_TEST_DELAY, OPT_UNOFFICIAL
};

static const struct option longopts[] = {
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "cage", no_argument, NULL, OPT_CAGE },
	{ "cage-memory", required_argument, NULL, OPT_CAGE_MEMORY },
	{ "clamav-certs", required_argument, NULL, OPT_CLAMAV_CERTS },
	{ "command-timeout", required_argument, NULL, OPT_CMD_TIMEOUT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "database", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ "history-db", required_argument, NULL, OPT_HISTORY_DB },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "max-stream", required_argument, NULL, OPT_MAX_STREAM },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "no-cage", no_argument, NULL, OPT_NO_CAGE },
	{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
	{ "no-syslog", no_argument, NULL, OPT_NO_SYSLOG },
	{ "no-unofficial-names", no_argument, NULL, OPT_NO_UNOFFICIAL },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "scan-root", required_argument, NULL, OPT_SCAN_ROOT },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "tcp-addr", required_argument, NULL, OPT_TCP_ADDR },
	{ "tcp-port", required_argument, NULL, OPT_TCP_PORT },
	{ "test-delay-ms", required_argument, NULL, OPT_TEST_DELAY },
	{ "threads", required_argument, NULL, 'j' },
	{ "unofficial-names", no_argument, NULL, OPT_UNOFFICIAL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *fp)
{
	fputs("usage: mdescand [options]\n"
	      "\n"
	      "      --cache-dir DIR       compiled definitions cache (default "
	      MDE_CACHE_DIR ")\n"
	      "      --cage                parse in confined worker processes "
	      "(the default)\n"
	      "      --cage-memory SIZE    address space a worker may add; "
	      "K/M/G, 0 = no limit\n"
	      "                            (default 2G)\n"
	      "      --clamav-certs PATH   CA certificates of ClamAV "
	      "databases' .sign files\n"
	      "                            (default "
	      MDE_CLAMAV_CERTS_DEFAULT ")\n"
	      "      --command-timeout SECONDS  time to send a command "
	      "(default 30)\n"
	      "      --config FILE         configuration (default "
	      MDE_CONF_DIR "/mdescan.conf)\n"
	      "  -d, --database PATH       definitions file or directory "
	      "(repeatable; replaces\n"
	      "                            the installed and built-in ones)\n"
	      "  -h, --help                show this help\n"
	      "      --history-db PATH     scan and threat history (default "
	      MDE_STATE_DIR "/history.db)\n"
	      "      --idle-timeout SECONDS  silence allowed in a stream or "
	      "session (default 120)\n"
	      "  -j, --threads N           scan workers (default: online "
	      "CPUs)\n"
	      "      --keys PATH           trusted bundle keys (default "
	      DEFSTORE_KEYS ")\n"
	      "      --log-level LEVEL     system log: error, warning, info "
	      "(default) or debug\n"
	      "      --max-connections N   clients at once (default 256)\n"
	      "      --max-stream SIZE     longest INSTREAM; K/M/G (default "
	      "100M)\n"
	      "      --no-cache            no compiled definitions cache\n"
	      "      --no-cage             parse in the daemon itself (for "
	      "debugging)\n"
	      "      --no-history          record nothing in the history\n"
	      "      --no-syslog           log nothing to the system log\n"
	      "      --no-unofficial-names  ClamAV detection names as written, "
	      "also those of\n"
	      "                            unofficial databases\n"
	      "      --pidfile FILE        write the pid to FILE\n"
	      "      --queue N             requests waiting for a worker "
	      "(default 128)\n"
	      "      --scan-root DIR       path commands only below DIR "
	      "(repeatable)\n"
	      "      --socket PATH         the Unix socket (default "
	      DEF_SOCKET ")\n"
	      "      --store DIR           installed definitions, reloaded "
	      "when updated\n"
	      "                            (default " DEFSTORE_DIR ")\n"
	      "      --tcp-addr ADDR       TCP address (repeatable; default "
	      "127.0.0.1)\n"
	      "      --tcp-port PORT       also listen on TCP PORT (default: "
	      "no TCP)\n"
	      "      --test-delay-ms MS    for tests only: each scan waits MS "
	      "first\n"
	      "      --unofficial-names    name the ClamAV detections of "
	      "unofficial databases\n"
	      "                            NAME.UNOFFICIAL, as clamd does "
	      "(the default)\n"
	      "  -v, --verbose             more on stderr (twice: debug)\n"
	      "  -V, --version             show versions\n"
	      "\n"
	      "Commands: clamd's (PING, VERSION, RELOAD, SHUTDOWN, SCAN, "
	      "CONTSCAN, MULTISCAN,\n"
	      "ALLMATCHSCAN, INSTREAM, FILDES, STATS, IDSESSION, END).  "
	      "Signals: SIGHUP reloads\n"
	      "the definitions, SIGTERM and SIGINT stop.  Exit status: 0 "
	      "stopped, 2 start-up error.\n", fp);
}

void dlog(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > opt.verbose)
		return;
	flockfile(stderr);
	fputs("mdescand: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A bad option value: the reason and the usage, exit 2. */
static void bad_value(const char *opt_name, const char *arg)
	__attribute__((noreturn));

static void bad_value(const char *opt_name, const char *arg)
{
	fprintf(stderr, "mdescand: invalid value for %s: '%s'\n", opt_name,
		arg);
	usage(stderr);
	exit(2);
}

/* A number in [lo, hi]; with suffixes, K, M or G multiply it. */
static int64_t parse_num(const char *s, const char *name, int64_t lo,
			 int64_t hi, int suffixes)
{
	char *end;
	long long v;
	int sh = 0;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		bad_value(name, s);
	if (suffixes && *end) {
		sh = *end == 'K' || *end == 'k' ? 10
		     : *end == 'M' || *end == 'm' ? 20
		     : *end == 'G' || *end == 'g' ? 30 : -1;
		if (sh < 0 || end[1] || v > (INT64_MAX >> sh))
			bad_value(name, s);
		v <<= sh;
		end++;
	}
	if (*end || v < lo || v > hi)
		bad_value(name, s);
	return v;
}

static void push(const char ***arr, size_t *n, const char *v)
{
	const char **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		tool_die("out of memory");
	a[(*n)++] = v;
	*arr = a;
}

/* --scan-root, daemon_scan_root: a directory, by its real path (the
 * paths asked for are compared resolved). */
static void add_root(const char *dir)
{
	char *r = realpath(dir, NULL);
	struct stat st;

	if (!r || stat(r, &st) < 0 || !S_ISDIR(st.st_mode))
		tool_die("scan root '%s': %s", dir,
			 r ? "not a directory" : strerror(errno));
	push(&opt.roots, &opt.nroots, r);
}

/* The MDE_ARC_* bits of "tar,zip,..." (config.c checked the words). */
static int64_t parse_types(const char *s)
{
	int64_t bits = 0;
	char word[32];
	size_t n;

	while (*s) {
		n = strcspn(s, ",");
		snprintf(word, sizeof(word), "%.*s", (int)n, s);
		bits |= mde_archive_type(word);
		s += n + (s[n] == ',');
	}
	return bits;
}

/* ----------------------------------------------- mdescan.conf(5) */

static struct mdecfg *cfg; /* its strings are borrowed by opt */

static int cfg_add(void *ctx, const struct mdecfg_val *v)
{
	const char *k = v->key->name;
	struct dexcl *x;

	(void)ctx;
	if (!strcmp(k, "allowed_threat")) {
		push(&opt.allow, &opt.nallow, v->value);
	} else if (!strcmp(k, "daemon_scan_root")) {
		add_root(v->value);
	} else if (!strcmp(k, "daemon_tcp_addr")) {
		push(&opt.tcp_addrs, &opt.ntcp, v->value);
	} else {
		x = realloc(opt.excl, (opt.nexcl + 1) * sizeof(*x));
		if (!x)
			tool_die("out of memory");
		opt.excl = x;
		x[opt.nexcl].kind = !strcmp(k, "exclude_dir") ? MDE_EXCL_DIR
				    : !strcmp(k, "exclude_ext") ? MDE_EXCL_EXT
								: MDE_EXCL_PATH;
		x[opt.nexcl++].pattern = v->value;
	}
	return 0;
}

static void cfg_int(const char *key, int64_t *v)
{
	mdecfg_get_int(cfg, key, v);
}

/* The daemon's own keys and the scan settings mdescan(1) reads too. */
static void apply_daemon_keys(void)
{
	int64_t n;
	int b;

	cfg_int("daemon_command_timeout", &opt.cmd_timeout);
	cfg_int("daemon_idle_timeout", &opt.idle_timeout);
	cfg_int("daemon_max_connections", &opt.max_conns);
	cfg_int("daemon_max_stream", &opt.max_stream);
	cfg_int("daemon_queue", &opt.queue);
	if (mdecfg_get_int(cfg, "daemon_socket_mode", &n))
		opt.sock_mode = (unsigned)n;
	if (mdecfg_get_int(cfg, "daemon_tcp_port", &n))
		opt.tcp_port = (int)n;
	if (mdecfg_get_int(cfg, "daemon_threads", &n))
		opt.threads = (int)n;
	if (mdecfg_get_bool(cfg, "daemon_unofficial_names", &b))
		opt.unofficial = b;
	mdecfg_get_str(cfg, "daemon_socket", &opt.socket);
	mdecfg_get_str(cfg, "daemon_socket_owner", &opt.sock_owner);
	mdecfg_get_str(cfg, "daemon_socket_group", &opt.sock_group);
	mdecfg_each(cfg, "daemon_scan_root", cfg_add, NULL);
	mdecfg_each(cfg, "daemon_tcp_addr", cfg_add, NULL);
}

/*
 * mdescan.conf as the defaults the command line overrides; a bad line
 * is fatal, before anything listens.
 */
static void apply_config(int argc, char **argv)
{
	const char *path = mdecfg_path_from_args(argc, argv), *v;
	char err[1024];
	int b;

	cfg = mdecfg_load(path ? path : mdecfg_default_path(), !path, err,
			  sizeof(err));
	if (!cfg)
		tool_die("configuration: %s", err);
	apply_daemon_keys();
	cfg_int("max_filesize", &opt.max_filesize);
	cfg_int("max_depth", &opt.max_depth);
	cfg_int("timeout", &opt.timeout);
	cfg_int("max_recursion", &opt.max_recursion);
	cfg_int("max_files", &opt.max_files);
	cfg_int("max_scansize", &opt.max_scansize);
	cfg_int("max_member_size", &opt.max_member);
	cfg_int("max_ratio", &opt.max_ratio);
	cfg_int("bomb_min_size", &opt.bomb_min);
	cfg_int("archive_bomb", &opt.bomb);
	cfg_int("pua", &opt.pua);
	cfg_int("log_level", &opt.log_level);
	cfg_int("log_target", &opt.log_target);
	if (mdecfg_get_str(cfg, "archive_types", &v))
		opt.arc_types = parse_types(v);
	if (mdecfg_get_bool(cfg, "no_archive", &b) && b)
		opt.arc_types = 0;
	if (mdecfg_get_bool(cfg, "no_cache", &b))
		opt.no_cache = b;
	if (mdecfg_get_bool(cfg, "cage", &b))
		opt.cage = b;
	cfg_int("cage_memory", &opt.cage_mem);
	mdecfg_get_str(cfg, "cache_dir", &opt.cache_dir);
	mdecfg_get_str(cfg, "store", &opt.store);
	mdecfg_get_str(cfg, "keys", &opt.keys);
	mdecfg_get_str(cfg, "clamav_certs", &opt.clamav_certs);
	cfg_int("clamav_db_max_files", &opt.db_limit[0]);
	cfg_int("clamav_db_max_file_size", &opt.db_limit[1]);
	cfg_int("clamav_db_max_size", &opt.db_limit[2]);
	mdecfg_get_str(cfg, "history_db", &opt.history_db);
	mdecfg_each(cfg, "exclude_path", cfg_add, NULL);
	mdecfg_each(cfg, "exclude_dir", cfg_add, NULL);
	mdecfg_each(cfg, "exclude_ext", cfg_add, NULL);
	mdecfg_each(cfg, "allowed_threat", cfg_add, NULL);
}

static void defaults(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("MDESCAN_CACHE_DIR");

	opt.threads = cpus > 0 ? (int)(cpus > 1024 ? 1024 : cpus) : 1;
	opt.queue = 128;
	opt.max_conns = 256;
	opt.max_stream = 100 << 20;
	opt.cmd_timeout = 30;
	opt.idle_timeout = 120;
	opt.socket = DEF_SOCKET;
	opt.sock_owner = "root";
	opt.sock_group = "mdescand";
	opt.sock_mode = 0660;
	opt.store = DEFSTORE_DIR;
	opt.keys = DEFSTORE_KEYS;
	opt.clamav_certs = MDE_CLAMAV_CERTS_DEFAULT;
	opt.unofficial = 1; /* clamd's names, which clients may match */
	opt.db_limit[0] = opt.db_limit[1] = opt.db_limit[2] = -1;
	opt.cache_dir = env && *env ? env : MDE_CACHE_DIR;
	opt.max_filesize = mde_opt_default(MDE_OPT_MAX_FILESIZE);
	opt.timeout = mde_opt_default(MDE_OPT_TIMEOUT_MS) / 1000;
	opt.max_depth = mde_opt_default(MDE_OPT_MAX_DEPTH);
	opt.max_recursion = mde_opt_default(MDE_OPT_MAX_RECURSION);
	opt.max_files = mde_opt_default(MDE_OPT_MAX_FILES);
	opt.max_scansize = mde_opt_default(MDE_OPT_MAX_SCANSIZE);
	opt.max_member = mde_opt_default(MDE_OPT_MAX_MEMBER_SIZE);
	opt.max_ratio = mde_opt_default(MDE_OPT_MAX_RATIO);
	opt.bomb_min = mde_opt_default(MDE_OPT_BOMB_MIN_SIZE);
	opt.bomb = mde_opt_default(MDE_OPT_BOMB_POLICY);
	opt.pua = mde_opt_default(MDE_OPT_PUA_POLICY);
	opt.arc_types = mde_opt_default(MDE_OPT_ARCHIVE_TYPES);
	opt.cage = 1;
	opt.cage_mem = mde_opt_default(MDE_OPT_CAGE_MEMORY);
	opt.log_level = 2; /* info */
	opt.verbose = 1;
}

static void print_version(void) __attribute__((noreturn));

static void print_version(void)
{
	char cage[256];

	printf("mdescand %s (engine %s)\n%s", PACKAGE_VERSION,
	       MDE_ENGINE_VERSION, mde_library_versions());
	if (!opt.cage)
		printf("parser cage off (--no-cage)\n");
	else if (mde_cage_probe(cage, sizeof(cage)))
		printf("parser cage on: %s\n", cage);
	else
		printf("parser cage UNAVAILABLE: %s\n", cage);
	exit(0);
}

static int want_version;

/* One option of the command line. */
static void one_option(int c, const char *arg)
{
	static const char *const levels[] = { "error", "warning", "info",
					      "debug", NULL };
	int i;

	switch (c) {
	case 'd': push(&opt.dbs, &opt.ndbs, arg); break;
	case 'h': usage(stdout); exit(0);
	case 'j': opt.threads = (int)parse_num(arg, "--threads", 1, 1024, 0);
		break;
	case 'v': opt.verbose++; break;
	case 'V': want_version = 1; break; /* after every other option */
	case OPT_CACHE_DIR: opt.cache_dir = arg; break;
	case OPT_CAGE: opt.cage = 1; break;
	case OPT_CLAMAV_CERTS: opt.clamav_certs = arg; break;
	case OPT_CAGE_MEMORY:
		opt.cage_mem = parse_num(arg, "--cage-memory", 0, INT64_MAX, 1);
		break;
	case OPT_CMD_TIMEOUT:
		opt.cmd_timeout = parse_num(arg, "--command-timeout", 1, 3600,
					    0);
		break;
	case OPT_CONFIG: break; /* read first, by apply_config() */
	case OPT_HISTORY_DB: opt.history_db = arg; break;
	case OPT_IDLE_TIMEOUT:
		opt.idle_timeout = parse_num(arg, "--idle-timeout", 1, 86400,
					     0);
		break;
	case OPT_KEYS: opt.keys = arg; break;
	case OPT_LOG_LEVEL:
		for (i = 0; levels[i] && strcmp(levels[i], arg); i++)
			;
		if (!levels[i])
			bad_value("--log-level", arg);
		opt.log_level = i;
		break;
	case OPT_MAX_CONNS:
		opt.max_conns = parse_num(arg, "--max-connections", 1, 65536,
					  0);
		break;
	case OPT_MAX_STREAM:
		opt.max_stream = parse_num(arg, "--max-stream", 1, UINT32_MAX,
					   1);
		break;
	case OPT_NO_CACHE: opt.no_cache = 1; break;
	case OPT_NO_CAGE: opt.cage = 0; break;
	case OPT_NO_HISTORY: opt.no_history = 1; break;
	case OPT_NO_SYSLOG: opt.log_level = -1; break;
	case OPT_NO_UNOFFICIAL: opt.unofficial = 0; break;
	case OPT_PIDFILE: opt.pidfile = arg; break;
	case OPT_QUEUE:
		opt.queue = parse_num(arg, "--queue", 1, 65536, 0);
		break;
	case OPT_SCAN_ROOT: add_root(arg); break;
	case OPT_SOCKET: opt.socket = *arg ? arg : NULL; break;
	case OPT_STORE: opt.store = arg; break;
	case OPT_TCP_ADDR: push(&opt.tcp_addrs, &opt.ntcp, arg); break;
	case OPT_TCP_PORT:
		opt.tcp_port = (int)parse_num(arg, "--tcp-port", 0, 65535, 0);
		break;
	case OPT_TEST_DELAY:
		opt.test_delay_ms = parse_num(arg, "--test-delay-ms", 0,
					      600000, 0);
		break;
	case OPT_UNOFFICIAL: opt.unofficial = 1; break;
	default: usage(stderr); exit(2);
	}
}

static void parse_args(int argc, char **argv)
{
	size_t cfg_addrs;
	int c;

	defaults();
	apply_config(argc, argv);
	/* --tcp-addr replaces the configured addresses */
	cfg_addrs = opt.ntcp;
	while ((c = getopt_long(argc, argv, "d:hj:vV", longopts, NULL)) != -1)
		one_option(c, optarg);
	if (optind < argc) {
		fprintf(stderr, "mdescand: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (want_version)
		print_version();
	if (opt.ntcp > cfg_addrs) {
		memmove(opt.tcp_addrs, opt.tcp_addrs + cfg_addrs,
			(opt.ntcp - cfg_addrs) * sizeof(*opt.tcp_addrs));
		opt.ntcp -= cfg_addrs;
	}
	if (opt.ntcp == 0)
		push(&opt.tcp_addrs, &opt.ntcp, "127.0.0.1");
}

/* Every connection, request and stream holds descriptors: the soft
 * limit goes up to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)(opt.max_conns * 2 + opt.queue + opt.threads +
			       64);

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		dlog(0, "the open files limit (%llu) is low for %lld "
		     "connections; raise it (LimitNOFILE=)",
		     (unsigned long long)rl.rlim_cur,
		     (long long)opt.max_conns);
}

/* The pidfile, locked while the daemon runs; -1 when none. */
static int pidfile_write(void)
{
	char buf[32];
	int fd, n;

	if (!opt.pidfile)
		return -1;
	fd = open(opt.pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		tool_die("pidfile '%s': %s", opt.pidfile,
			 fd < 0 ? strerror(errno) : "locked by another");
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		dlog(0, "pidfile '%s': %s", opt.pidfile, strerror(errno));
	return fd;
}

/* Signals are taken by the I/O loop (signalfd): blocked in every
 * thread, which inherit the mask from here. */
static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void start(struct listener *ls, size_t *n)
{
	struct gen *g;
	char msg[256];

	if (gen_start() < 0)
		tool_die("cannot start without definitions");
	*n = listen_open(ls, MAX_LISTENERS);
	if (*n == 0)
		tool_die("no socket to serve");
	g = gen_get();
	record_start(g->defs_version);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=serving, definitions "
		 "%.12s", g->defs_version);
	gen_put(g);
	if (work_start() < 0)
		tool_die("cannot start the workers");
	listen_notify(msg);
	dlog(1, "serving %s%s (%d workers, queue %lld)", ls[0].name,
	     *n > 1 ? " and more" : "", opt.threads, (long long)opt.queue);
}

int main(int argc, char **argv)
{
	struct listener ls[MAX_LISTENERS];
	size_t n = 0;
	int sig, pidfd, clean;

	tool_set_name("mdescand");
	parse_args(argc, argv);
	/* libarchive converts every ZIP member's DOS time with mktime(),
	 * and glibc re-reads /etc/localtime on each call unless TZ is set */
	setenv("TZ", ":/etc/localtime", 0);
	if (chdir("/") < 0)
		tool_die("chdir /: %s", strerror(errno));
	block_signals();
	raise_fd_limit();
	start(ls, &n);
	pidfd = pidfile_write();
	sig = io_run(ls, n);
	dlog(1, "stopping (%s)", sig == SIGINT ? "SIGINT"
				: sig == SIGTERM ? "SIGTERM" : "SHUTDOWN");
	listen_notify("STOPPING=1");
	listen_close(ls, n);
	clean = work_stop(10000);
	io_free();
	record_stop();
	if (pidfd >= 0) {
		unlink(opt.pidfile);
		close(pidfd);
	}
	if (!clean) {
		/* a scan still runs: leave without freeing under its feet */
		fflush(NULL);
		_exit(0);
	}
	gen_stop();
	while (opt.nroots)
		free((char *)opt.roots[--opt.nroots]);
	free(opt.roots);
	free(opt.dbs);
	free(opt.tcp_addrs);
	free(opt.excl);
	free(opt.allow);
	mdecfg_free(cfg);
	return 0;
}
