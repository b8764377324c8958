/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch - real-time protection: scans files as they are opened,
 * executed or written on the watched filesystems (fanotify), and in block
 * mode denies access to malicious ones.
 *
 * This file: options, the checks on the paths to watch, the fanotify
 * group and its marks, the pidfile, signals and shutdown.  The threads
 * that answer events are in mdewatch_scan.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "defstore.h"
#include "mdecfg.h"
#include "mdewatch_int.h"
#include "banned.h"

enum {
	OPT_ALLOW_FS = 256, OPT_CACHE_DIR, OPT_DEADLINE, OPT_EXCL_PATH,
	OPT_EXCL_PROC, OPT_FAIL_CLOSED, OPT_GATE, OPT_JSON, OPT_KEYS,
	OPT_LOG_JSON, OPT_LOG_LEVEL, OPT_LRU, OPT_MARK, OPT_MAX_FILESIZE,
	OPT_MAX_PROCS, OPT_MODE, OPT_NO_CACHE, OPT_NO_KCACHE, OPT_PATH,
	OPT_PIDFILE, OPT_QUEUE, OPT_READY, OPT_SORT, OPT_STATS, OPT_STATS_FILE,
	OPT_STATUS, OPT_STORE, OPT_CONFIG,
	OPT_TEST_DELAY, OPT_TIMEOUT, OPT_TOP
};

static const struct option longopts[] = {
	{ "allow-fs", required_argument, NULL, OPT_ALLOW_FS },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "database", required_argument, NULL, 'd' },
	{ "deadline-ms", required_argument, NULL, OPT_DEADLINE },
	{ "exclude-path", required_argument, NULL, OPT_EXCL_PATH },
	{ "exclude-process", required_argument, NULL, OPT_EXCL_PROC },
	{ "fail-closed", no_argument, NULL, OPT_FAIL_CLOSED },
	{ "gate", required_argument, NULL, OPT_GATE },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "log-json", required_argument, NULL, OPT_LOG_JSON },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "lru-size", required_argument, NULL, OPT_LRU },
	{ "mark", required_argument, NULL, OPT_MARK },
	{ "max-filesize", required_argument, NULL, OPT_MAX_FILESIZE },
	{ "max-procs", required_argument, NULL, OPT_MAX_PROCS },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "no-kernel-cache", no_argument, NULL, OPT_NO_KCACHE },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "queue-size", required_argument, NULL, OPT_QUEUE },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "test-delay-ms", required_argument, NULL, OPT_TEST_DELAY },
	{ "threads", required_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

#define DEF_PIDFILE "/run/mdewatch/mdewatch.pid"
#define DEF_STATS "/run/mdewatch/stats.json"
#define DEF_CACHE MDE_CACHE_DIR

static void usage(FILE *fp)
{
	fputs("usage: mdewatch [options] --path PATH ...\n"
	      "       mdewatch --stats [--stats-file FILE] [--top N] "
	      "[--sort KEY] [--json]\n"
	      "       mdewatch --status [--pidfile FILE] [--stats-file FILE] "
	      "[--json]\n"
	      "\n"
	      "      --allow-fs TYPE     also watch a pseudo, network or "
	      "FUSE filesystem type\n"
	      "      --config FILE       configuration (default "
	      MDE_CONF_DIR "/mdescan.conf)\n"
	      "      --cache-dir DIR     scan cache (default "
	      "$MDESCAN_CACHE_DIR, else " DEF_CACHE ")\n"
	      "  -d, --database PATH     definitions file or directory "
	      "(repeatable; replaces\n"
	      "                          the installed and built-in ones; "
	      "read again on SIGHUP)\n"
	      "      --deadline-ms MS    answer every open within MS "
	      "(default 1000)\n"
	      "      --exclude-path PATTERN  never scan these files (glob, "
	      "or a directory)\n"
	      "      --exclude-process EXE   never scan for this "
	      "executable\n"
	      "      --fail-closed       deny, not allow, what cannot be "
	      "judged in time\n"
	      "      --gate GATE         block mode: open (default): opens "
	      "wait for the verdict;\n"
	      "                          read: reads wait, creating and "
	      "writing files is free\n"
	      "  -h, --help              show this help\n"
	      "  -j, --threads N         scan workers (default 2)\n"
	      "      --json              JSON output of --stats and "
	      "--status\n"
	      "      --keys PATH         trusted bundle keys: a .pub file or "
	      "a directory\n"
	      "                          (default " DEFSTORE_KEYS ")\n"
	      "      --log-json FILE     also log events as JSON Lines to "
	      "FILE\n"
	      "      --log-level LEVEL   error, warning, info (default) or "
	      "debug\n"
	      "      --lru-size N        clean verdicts kept in memory "
	      "(default 65536, 0 = none)\n"
	      "      --mark KIND         mark the mount (default) or the "
	      "filesystem of each PATH\n"
	      "      --max-filesize SIZE do not scan larger files; K/M/G, "
	      "0 = no limit (default 20M)\n"
	      "      --max-procs N       processes kept in the statistics "
	      "(default 1024)\n"
	      "      --mode MODE         block (default): deny malicious "
	      "opens and execs;\n"
	      "                          audit: report files after they "
	      "are written or run\n"
	      "      --no-cache          do not use the scan cache\n"
	      "      --no-kernel-cache   no ignore marks for files found "
	      "clean (block mode)\n"
	      "      --path PATH         watch the files under PATH "
	      "(repeatable)\n"
	      "      --pidfile FILE      (default " DEF_PIDFILE ")\n"
	      "      --queue-size N      events waiting for a worker "
	      "(default 4096)\n"
	      "      --ready-file FILE   create FILE once every mark is in "
	      "place\n"
	      "      --sort KEY          order of --stats: scans (default), "
	      "time or denied\n"
	      "      --stats             print the statistics of the "
	      "running watcher\n"
	      "      --stats-file FILE   (default " DEF_STATS ")\n"
	      "      --status            tell whether a watcher runs and "
	      "what it watches\n"
	      "      --store DIR         installed definitions, loaded again "
	      "when updated\n"
	      "                          (default " DEFSTORE_DIR ")\n"
	      "      --test-delay-ms MS  for tests only: each scan waits MS "
	      "first\n"
	      "      --timeout SECONDS   per-file scan time limit "
	      "(default 30)\n"
	      "      --top N             processes shown by --stats "
	      "(default 20, 0 = all)\n"
	      "  -V, --version           show versions\n"
	      "\n"
	      "Signals: SIGHUP reloads the definitions, SIGUSR1 writes the "
	      "statistics,\n"
	      "SIGTERM and SIGINT stop.  Exit status: 0 stopped cleanly, 2 "
	      "usage or start-up\n"
	      "error; --status: 0 running, 1 stale pidfile, 3 not running.\n",
	      fp);
}

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* The pidfile this process created, removed when start-up fails. */
static const char *own_pidfile;

static void die(const char *fmt, ...)
{
	va_list ap;

	if (own_pidfile)
		unlink(own_pidfile);
	fputs("mdewatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* A bad option value: the reason, then the usage, exit 2. */
static void bad_value(const char *what, const char *opt, const char *arg)
	__attribute__((noreturn));

static void bad_value(const char *what, const char *opt, const char *arg)
{
	fprintf(stderr, "mdewatch: invalid %s for %s: '%s'\n", what, opt, arg);
	usage(stderr);
	exit(2);
}

/* A number in [lo, hi]; with suffixes, K, M or G multiply it. */
static int64_t parse_num(const char *s, const char *opt, int64_t lo,
			 int64_t hi, int suffixes)
{
	char *end;
	long long v;
	char what[80];

	snprintf(what, sizeof(what), "%s (%lld..%lld)",
		 suffixes ? "size" : "number", (long long)lo, (long long)hi);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		bad_value(what, opt, s);
	if (suffixes && *end) {
		int sh = *end == 'K' || *end == 'k' ? 10
			 : *end == 'M' || *end == 'm' ? 20
			 : *end == 'G' || *end == 'g' ? 30 : -1;

		if (sh < 0 || end[1] || v > (INT64_MAX >> sh))
			bad_value(what, opt, s);
		v <<= sh;
		end++;
	}
	if (*end || v < lo || v > hi)
		bad_value(what, opt, s);
	return v;
}

static int pick(const char *s, const char *opt, const char *const *names)
{
	int i;

	for (i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	bad_value("value", opt, s);
}

static void push(char ***arr, size_t *n, char *v)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		die("out of memory");
	a[(*n)++] = v;
	*arr = a;
}

/* --path: absolute, symbolic links resolved (the kernel reports the
 * real path of each file). */
static void add_path(struct wopts *o, const char *arg)
{
	char *r = realpath(arg, NULL);
	struct stat st;

	if (!r)
		die("cannot watch '%s': %s", arg, strerror(errno));
	if (stat(r, &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
		die("cannot watch '%s': not a directory or regular file", arg);
	push(&o->paths, &o->npaths, r);
}

static void add_exclude_process(struct wopts *o, const char *arg)
{
	char *r;

	if (arg[0] != '/')
		bad_value("executable (an absolute path)", "--exclude-process",
			  arg);
	/* /proc/PID/exe names the real file: /bin/x is /usr/bin/x */
	r = realpath(arg, NULL);
	if (!r) {
		fprintf(stderr, "mdewatch: warning: --exclude-process '%s': "
			"%s; matched as given\n", arg, strerror(errno));
		r = strdup(arg);
		if (!r)
			die("out of memory");
	}
	push(&o->excl_proc, &o->nexcl_proc, r);
}

/* ----------------------------------------------- mdescan.conf(5) */

static struct mdecfg *cfg; /* its strings are borrowed by wopts */

static int cfg_each(void *ctx, const struct mdecfg_val *v)
{
	struct wopts *o = ctx;
	char *c;

	if (!strcmp(v->key->name, "watch_path")) {
		add_path(o, v->value);
		return 0;
	}
	if (!strcmp(v->key->name, "exclude_process")) {
		add_exclude_process(o, v->value);
		return 0;
	}
	if (!(c = strdup(v->value)))
		die("out of memory");
	push(&o->excl_path, &o->nexcl_path, c);
	return 0;
}

/*
 * The settings of mdescan.conf that concern the watcher, as defaults the
 * command line overrides; a bad line stops it (exit 2) before it marks
 * anything.
 */
static void apply_config(int argc, char **argv, struct wopts *o)
{
	const char *path = mdecfg_path_from_args(argc, argv);
	char err[1024];
	int64_t n;
	int b;

	cfg = mdecfg_load(path ? path : mdecfg_default_path(), !path, err,
			  sizeof(err));
	if (!cfg) {
		fprintf(stderr, "mdewatch: configuration: %s\n", err);
		exit(2);
	}
	if (mdecfg_get_int(cfg, "threads", &n))
		o->threads = n > 256 ? 256 : (int)n;
	if (mdecfg_get_int(cfg, "max_filesize", &n))
		o->max_filesize = n;
	if (mdecfg_get_int(cfg, "timeout", &n) && n >= 1)
		o->timeout = (int)n;
	if (mdecfg_get_int(cfg, "log_level", &n))
		o->log_level = (int)n; /* same order: error .. debug */
	if (mdecfg_get_int(cfg, "watch_mode", &n))
		o->mode = n ? MODE_BLOCK : MODE_AUDIT;
	if (mdecfg_get_int(cfg, "watch_gate", &n))
		o->gate = n ? GATE_READ : GATE_OPEN;
	if (mdecfg_get_int(cfg, "watch_deadline_ms", &n))
		o->deadline_ms = (int)n;
	if (mdecfg_get_bool(cfg, "watch_fail_closed", &b))
		o->fail_closed = b;
	if (mdecfg_get_bool(cfg, "no_cache", &b))
		o->no_cache = b;
	mdecfg_get_str(cfg, "cache_dir", &o->cache_dir);
	mdecfg_get_str(cfg, "store", &o->store);
	mdecfg_get_str(cfg, "keys", &o->keys);
	mdecfg_each(cfg, "watch_path", cfg_each, o);
	mdecfg_each(cfg, "exclude_path", cfg_each, o);
	mdecfg_each(cfg, "exclude_process", cfg_each, o);
}

static void parse_args(int argc, char **argv, struct wopts *o, int *cmd)
{
	static const char *const modes[] = { "audit", "block", NULL };
	static const char *const gates[] = { "open", "read", NULL };
	static const char *const marks[] = { "mount", "filesystem", NULL };
	static const char *const levels[] = { "error", "warning", "info",
					      "debug", NULL };
	static const char *const sorts[] = { "scans", "time", "denied", NULL };
	int c;

	o->mode = MODE_BLOCK;
	o->threads = 2;
	o->deadline_ms = 1000;
	o->max_filesize = 20 << 20;
	o->queue_size = 4096;
	o->lru_size = 65536;
	o->max_procs = 1024;
	o->timeout = 30;
	o->log_level = WL_INFO;
	o->top = 20;
	o->store = DEFSTORE_DIR;
	o->keys = DEFSTORE_KEYS;
	apply_config(argc, argv, o);
	while ((c = getopt_long(argc, argv, "d:hj:V", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': push(&o->dbs, &o->ndbs, optarg); break;
		case 'h': usage(stdout); exit(0);
		case 'j':
			o->threads = (int)parse_num(optarg, "--threads", 1, 256, 0);
			break;
		case 'V':
			printf("mdewatch %s (engine %s)\n%s", PACKAGE_VERSION,
			       MDE_ENGINE_VERSION, mde_library_versions());
			exit(0);
		case OPT_ALLOW_FS: push(&o->allow_fs, &o->nallow_fs, optarg); break;
		case OPT_CACHE_DIR: o->cache_dir = optarg; break;
		case OPT_DEADLINE:
			o->deadline_ms = parse_num(optarg, "--deadline-ms", 1,
						   3600000, 0);
			break;
		case OPT_EXCL_PATH:
			if (optarg[0] != '/')
				bad_value("pattern (an absolute path)",
					  "--exclude-path", optarg);
			push(&o->excl_path, &o->nexcl_path, optarg);
			break;
		case OPT_EXCL_PROC: add_exclude_process(o, optarg); break;
		case OPT_FAIL_CLOSED: o->fail_closed = 1; break;
		case OPT_GATE: o->gate = pick(optarg, "--gate", gates); break;
		case OPT_JSON: o->json = 1; break;
		case OPT_KEYS: o->keys = optarg; break;
		case OPT_LOG_JSON: o->log_json = optarg; break;
		case OPT_LOG_LEVEL:
			o->log_level = pick(optarg, "--log-level", levels);
			break;
		case OPT_LRU:
			o->lru_size = parse_num(optarg, "--lru-size", 0, 1 << 24, 0);
			break;
		case OPT_MARK: o->mark_fs = pick(optarg, "--mark", marks); break;
		case OPT_MAX_FILESIZE:
			o->max_filesize = parse_num(optarg, "--max-filesize", 0,
						    INT64_MAX, 1);
			break;
		case OPT_MAX_PROCS:
			o->max_procs = parse_num(optarg, "--max-procs", 1,
						 1 << 20, 0);
			break;
		case OPT_MODE: o->mode = pick(optarg, "--mode", modes); break;
		case OPT_NO_CACHE: o->no_cache = 1; break;
		case OPT_NO_KCACHE: o->no_kcache = 1; break;
		case OPT_PATH: add_path(o, optarg); break;
		case OPT_PIDFILE: o->pidfile = optarg; break;
		case OPT_QUEUE:
			o->queue_size = parse_num(optarg, "--queue-size", 1,
						  1 << 20, 0);
			break;
		case OPT_READY: o->ready_file = optarg; break;
		case OPT_SORT: o->sort = pick(optarg, "--sort", sorts); break;
		case OPT_STATS: *cmd |= 1; break;
		case OPT_STATS_FILE: o->stats_file = optarg; break;
		case OPT_STATUS: *cmd |= 2; break;
		case OPT_STORE: o->store = optarg; break;
		case OPT_CONFIG: break; /* read first, by apply_config() */
		case OPT_TEST_DELAY:
			o->test_delay_ms = parse_num(optarg, "--test-delay-ms",
						     0, 600000, 0);
			break;
		case OPT_TIMEOUT:
			o->timeout = parse_num(optarg, "--timeout", 1, 86400, 0);
			break;
		case OPT_TOP:
			o->top = parse_num(optarg, "--top", 0, INT32_MAX, 0);
			break;
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (paths are given with --path)",
		    argv[optind]);
	if (*cmd == 3)
		die("--stats and --status exclude each other");
	if (!*cmd && o->npaths == 0) {
		fprintf(stderr, "mdewatch: no --path given\n");
		usage(stderr);
		exit(2);
	}
	if (!o->stats_file)
		o->stats_file = DEF_STATS;
}

/* ------------------------------------------- filesystems to refuse */

/* Pseudo, network and FUSE filesystems: refused unless --allow-fs. */
static const struct {
	const char *name, *kind;
} refused_fs[] = {
	{ "proc", "pseudo" }, { "sysfs", "pseudo" }, { "cgroup", "pseudo" },
	{ "cgroup2", "pseudo" }, { "devpts", "pseudo" },
	{ "devtmpfs", "pseudo" }, { "debugfs", "pseudo" },
	{ "tracefs", "pseudo" }, { "securityfs", "pseudo" },
	{ "bpf", "pseudo" }, { "pstore", "pseudo" }, { "configfs", "pseudo" },
	{ "binfmt_misc", "pseudo" }, { "efivarfs", "pseudo" },
	{ "selinuxfs", "pseudo" }, { "mqueue", "pseudo" }, { "nsfs", "pseudo" },
	{ "autofs", "pseudo" }, { "fusectl", "pseudo" },
	{ "rpc_pipefs", "pseudo" }, { "nfs", "network" }, { "nfs4", "network" },
	{ "cifs", "network" }, { "smb3", "network" }, { "smbfs", "network" },
	{ "ceph", "network" }, { "9p", "network" }, { "afs", "network" },
	{ "glusterfs", "network" }, { "lustre", "network" },
	{ "gpfs", "network" }, { "fuse", "FUSE" }, { "fuseblk", "FUSE" },
};

/* statfs(2) magic numbers, for kernels without statx's mount id. */
static const struct {
	unsigned long magic;
	const char *name;
} fs_magic[] = {
	{ 0x9fa0, "proc" }, { 0x62656572, "sysfs" }, { 0x27e0eb, "cgroup" },
	{ 0x63677270, "cgroup2" }, { 0x1cd1, "devpts" },
	{ 0x64626720, "debugfs" }, { 0x74726163, "tracefs" },
	{ 0x73636673, "securityfs" }, { 0xcafe4a11, "bpf" },
	{ 0x6165676c, "pstore" }, { 0x62656570, "configfs" },
	{ 0x42494e4d, "binfmt_misc" }, { 0xde5e81e4, "efivarfs" },
	{ 0xf97cff8c, "selinuxfs" }, { 0x19800202, "mqueue" },
	{ 0x6e736673, "nsfs" }, { 0x0187, "autofs" }, { 0x6969, "nfs" },
	{ 0xff534d42, "cifs" }, { 0xfe534d42, "smb3" }, { 0x517b, "smbfs" },
	{ 0x00c36400, "ceph" }, { 0x01021997, "9p" }, { 0x5346414f, "afs" },
	{ 0x65735546, "fuse" }, { 0x01021994, "tmpfs" },
	{ 0xef53, "ext4" }, { 0x58465342, "xfs" }, { 0x9123683e, "btrfs" },
};

/* The type of the filesystem PATH is on, as /proc/self/mountinfo names
 * it ("tmpfs", "fuse.sshfs"); from statfs(2) when that fails. */
static void fs_type(const char *path, char *name, size_t len)
{
	struct statx sx;
	struct statfs sf;
	char line[8192], *dash;
	FILE *fp;
	size_t i;

	snprintf(name, len, "unknown");
	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &sx) == 0 &&
	    (sx.stx_mask & STATX_MNT_ID) &&
	    (fp = fopen("/proc/self/mountinfo", "re"))) {
		while (fgets(line, sizeof(line), fp)) {
			if (strtoull(line, NULL, 10) != sx.stx_mnt_id ||
			    !(dash = strstr(line, " - ")))
				continue;
			dash += 3;
			dash[strcspn(dash, " \n")] = '\0';
			snprintf(name, len, "%s", dash);
			fclose(fp);
			return;
		}
		fclose(fp);
	}
	if (statfs(path, &sf) < 0)
		return;
	for (i = 0; i < sizeof(fs_magic) / sizeof(fs_magic[0]); i++)
		if ((unsigned long)sf.f_type == fs_magic[i].magic)
			snprintf(name, len, "%s", fs_magic[i].name);
}

/* "fuse" in --allow-fs also allows fuse.sshfs, fuseblk and so on. */
static int fs_allowed(const struct wopts *o, const char *type)
{
	size_t i;

	for (i = 0; i < o->nallow_fs; i++) {
		const char *a = o->allow_fs[i];

		if (strcmp(a, type) == 0 ||
		    (strcmp(a, "fuse") == 0 && strncmp(type, "fuse", 4) == 0))
			return 1;
	}
	return 0;
}

static void check_fs(const struct wopts *o)
{
	char type[64];
	size_t i, k;

	for (i = 0; i < o->npaths; i++) {
		fs_type(o->paths[i], type, sizeof(type));
		if (fs_allowed(o, type))
			continue;
		for (k = 0; k < sizeof(refused_fs) / sizeof(refused_fs[0]); k++)
			if (strcmp(type, refused_fs[k].name) == 0 ||
			    (strncmp(type, "fuse.", 5) == 0 &&
			     strcmp(refused_fs[k].name, "fuse") == 0))
				die("'%s' is on a %s filesystem (%s): not "
				    "watched unless --allow-fs %s is given",
				    o->paths[i], refused_fs[k].kind, type,
				    strncmp(type, "fuse", 4) == 0 ? "fuse"
								  : type);
	}
}

/* -------------------------------------------------- definitions */

static const char *cache_dir(const struct wopts *o)
{
	const char *env = getenv("MDESCAN_CACHE_DIR");

	if (o->cache_dir)
		return o->cache_dir;
	return env && *env ? env : DEF_CACHE;
}

static void diag(void *ctx, const char *file, unsigned line,
		 const char *signame, const char *msg)
{
	(void)ctx;
	wlog(WL_WARNING, "%s:%u: %s%s%s", file ? file : "(definitions)", line,
	     signame ? signame : "", signame ? ": " : "", msg);
}

/* An engine for defs with the options of o; NULL when out of memory. */
static mde_engine *engine_new(const struct wopts *o, const mde_defs *defs)
{
	mde_engine *e = mde_engine_new(defs);

	if (!e) {
		wlog(WL_ERROR, "cannot make an engine: out of memory");
		return NULL;
	}
	mde_engine_set_opt(e, MDE_OPT_THREADS, 1);
	mde_engine_set_opt(e, MDE_OPT_MAX_FILESIZE, o->max_filesize);
	mde_engine_set_opt(e, MDE_OPT_TIMEOUT_MS, o->timeout * 1000);
	mde_engine_set_opt(e, MDE_OPT_TEST_DELAY_MS, o->test_delay_ms);
	mde_engine_set_opt(e, MDE_OPT_REPORT_CLEAN, 0);
	return e;
}

/* The bundle of the store the last build loaded or tried to ("": none),
 * under its lock: builds run in the reload thread, the main thread
 * compares it with the store's current link. */
static struct {
	pthread_mutex_t lock;
	char path[4200];
} bundle = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void bundle_get(char *buf, size_t len)
{
	pthread_mutex_lock(&bundle.lock);
	snprintf(buf, len, "%s", bundle.path);
	pthread_mutex_unlock(&bundle.lock);
}

static void bundle_set(const char *path)
{
	pthread_mutex_lock(&bundle.lock);
	snprintf(bundle.path, sizeof(bundle.path), "%s", path);
	pthread_mutex_unlock(&bundle.lock);
}

/*
 * What mdescan(1) loads: the -d paths; else the store's current bundle
 * (`mdescan definitions update`); else the built-in definitions.  A
 * bundle that is installed but does not load is an error, never a
 * silent fallback to older definitions.
 */
static int load_sources(const struct wopts *o, mde_defs *defs)
{
	char cur[4200];
	struct stat st;
	size_t i;
	int rc = MDE_OK;

	/* trusted keys, if any are there: only a bundle needs them */
	if (stat(o->keys, &st) == 0)
		mde_defs_add_keys(defs, o->keys);
	if (o->ndbs == 0) {
		if (defstore_current(o->store, cur, sizeof(cur)) < 0)
			cur[0] = '\0';
		bundle_set(cur);
		if (cur[0])
			return mde_defs_load_bundle(defs, cur);
		return mde_defs_load_builtin(defs);
	}
	for (i = 0; i < o->ndbs && rc == MDE_OK; i++)
		rc = mde_defs_load_path(defs, o->dbs[i]);
	return rc;
}

/* Without -d: when the store's current link names another bundle than
 * the one loaded last (an update or a rollback), a reload like SIGHUP's
 * (a reload that fails is not tried again until the link changes). */
static void check_store(const struct wopts *o)
{
	char cur[4200], was[4200];

	if (o->ndbs)
		return;
	if (defstore_current(o->store, cur, sizeof(cur)) < 0)
		cur[0] = '\0';
	bundle_get(was, sizeof(was));
	if (strcmp(cur, was) == 0)
		return;
	wlog(WL_INFO, "the definitions store changed: %s is current",
	     cur[0] ? cur : "no bundle (built-in definitions)");
	watch_reload("store");
}

static int build(const struct wopts *o, mde_defs **pd, mde_engine **pe,
		 mde_engine **pbg)
{
	mde_defs *defs = mde_defs_new();
	mde_engine *e = NULL, *ebg = NULL;
	mde_defs_stats st;
	mde_bundle_info bi;
	const char *dir = cache_dir(o);
	char from[64] = "";
	int rc;

	if (!defs) {
		wlog(WL_ERROR, "cannot load definitions: out of memory");
		return -1;
	}
	mde_defs_set_diag(defs, diag, NULL);
	if (!o->no_cache && (mkdir(dir, 0700) == 0 || errno == EEXIST))
		mde_defs_set_cache_dir(defs, dir);
	rc = load_sources(o, defs);
	if (rc == MDE_OK)
		rc = mde_defs_compile(defs);
	if (rc != MDE_OK) {
		wlog(WL_ERROR, "cannot load definitions: %s",
		     *mde_defs_error(defs) ? mde_defs_error(defs)
					   : mde_status_str(rc));
		goto fail;
	}
	mde_defs_get_stats(defs, &st);
	if (mde_defs_bundle_info(defs, &bi) == MDE_OK)
		snprintf(from, sizeof(from), " (bundle version %llu)",
			 (unsigned long long)bi.version);
	if (st.hash_sigs + st.byte_sigs + st.yara_rules + st.iocs == 0) {
		wlog(WL_ERROR, "no usable signatures in the definitions given");
		goto fail;
	}
	e = engine_new(o, defs);
	if (!e || (o->mode == MODE_BLOCK && !(ebg = engine_new(o, defs)))) {
		mde_engine_free(e);
		goto fail;
	}
	wlog(WL_INFO, "definitions %s%s: %llu hash, %llu byte signatures, "
	     "%llu YARA rules", mde_defs_version(defs), from,
	     (unsigned long long)st.hash_sigs,
	     (unsigned long long)st.byte_sigs,
	     (unsigned long long)st.yara_rules);
	*pd = defs;
	*pe = e;
	*pbg = ebg;
	return 0;
fail:
	mde_defs_free(defs);
	return -1;
}

static int attach(const struct wopts *o, mde_engine *e)
{
	if (o->no_cache)
		return 0;
	/* a scan without its cache is slower, not wrong: warn and go on */
	if (mde_engine_set_cache(e, cache_dir(o)) != MDE_OK) {
		wlog(WL_WARNING, "%s; scanning without it", mde_engine_error(e));
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------ fanotify */

/*
 * The group of the events to answer (block mode) or to scan (audit);
 * with closes, block mode's group of close events, notifications only,
 * so that they do not wake the reader of permission events (an
 * unlimited queue: it is read in batches).
 */
static int fan_open(const struct wopts *o, int closes)
{
	/* unlimited marks: the kernel cache makes one per clean file
	 * (evictable, so they go with the inode) */
	unsigned flags = FAN_CLOEXEC | FAN_NONBLOCK |
			 (closes ? FAN_CLASS_NOTIF | FAN_UNLIMITED_QUEUE
			  : o->mode == MODE_BLOCK ? FAN_CLASS_CONTENT |
							   FAN_UNLIMITED_MARKS
						  : FAN_CLASS_NOTIF);
	unsigned ef = O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME;
	int fd = fanotify_init(flags, ef);

	if (fd < 0 && errno == EINVAL)
		fd = fanotify_init(flags, ef & ~(unsigned)O_NOATIME);
	if (fd >= 0)
		return fd;
	if (errno == EPERM)
		die("fanotify_init: %s (needs root or CAP_SYS_ADMIN)",
		    strerror(errno));
	if (errno == ENOSYS)
		die("fanotify_init: %s (the kernel has no fanotify: "
		    "CONFIG_FANOTIFY)", strerror(errno));
	if (errno == EINVAL && o->mode == MODE_BLOCK)
		die("fanotify_init: %s (no permission events in this kernel: "
		    "CONFIG_FANOTIFY_ACCESS_PERMISSIONS; use --mode audit)",
		    strerror(errno));
	die("fanotify_init: %s", strerror(errno));
}

/* Marks every path; returns 1 if exec events are in the mask.  In
 * block mode close events go to the group fanw. */
static int add_marks(const struct wopts *o, int fan, int fanw)
{
	unsigned kind = o->mark_fs ? FAN_MARK_FILESYSTEM : FAN_MARK_MOUNT;
	uint64_t exec = o->mode == MODE_BLOCK ? FAN_OPEN_EXEC_PERM
					      : FAN_OPEN_EXEC;
	uint64_t mask = o->mode != MODE_BLOCK ? FAN_CLOSE_WRITE
			: o->gate == GATE_READ ? FAN_ACCESS_PERM : FAN_OPEN_PERM;
	size_t i;
	int rc;

	for (i = 0; i < o->npaths; i++) {
		/* closes first: a file written once the opens are held up
		 * is always seen closing */
		if (fanw >= 0 &&
		    fanotify_mark(fanw, FAN_MARK_ADD | kind, FAN_CLOSE_WRITE,
				  AT_FDCWD, o->paths[i]) < 0)
			die("cannot mark '%s' for close events: %s",
			    o->paths[i], strerror(errno));
		rc = fanotify_mark(fan, FAN_MARK_ADD | kind, mask | exec,
				   AT_FDCWD, o->paths[i]);
		if (rc < 0 && errno == EINVAL && exec) {
			/* before Linux 5.0: an exec is still an open */
			wlog(WL_INFO, "this kernel has no %s events: "
			     "executions are checked as opens",
			     o->mode == MODE_BLOCK ? "FAN_OPEN_EXEC_PERM"
						   : "FAN_OPEN_EXEC");
			exec = 0;
			rc = fanotify_mark(fan, FAN_MARK_ADD | kind, mask,
					   AT_FDCWD, o->paths[i]);
		}
		if (rc == 0)
			continue;
		if (errno == EXDEV)
			die("cannot mark the filesystem of '%s': %s (a "
			    "subvolume or bind mount; use --mark mount)",
			    o->paths[i], strerror(errno));
		if (errno == ENODEV || errno == EOPNOTSUPP)
			die("cannot mark the %s of '%s': %s",
			    o->mark_fs ? "filesystem" : "mount", o->paths[i],
			    strerror(errno));
		die("cannot mark '%s': %s%s", o->paths[i], strerror(errno),
		    errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	}
	return exec != 0;
}

/* ------------------------------------------- pidfile, ready file */

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
			die("cannot open the pidfile '%s': %s", o->pidfile,
			    strerror(errno));
		fprintf(stderr, "mdewatch: warning: no pidfile: '%s': %s\n",
			o->pidfile, strerror(errno));
		o->pidfile = NULL;
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		die("another mdewatch is running (pid %s, pidfile '%s')",
		    *buf ? buf : "?", o->pidfile);
	}
	own_pidfile = o->pidfile;
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
			die("the open files limit (%llu) is too low for %d "
			    "threads; raise it (ulimit -n, LimitNOFILE=)",
			    (unsigned long long)rl.rlim_cur, o->threads);
		o->queue_size = (int64_t)(rl.rlim_cur - (rlim_t)o->threads -
					  256);
		fprintf(stderr, "mdewatch: warning: open files limit %llu: "
			"--queue-size lowered to %lld\n",
			(unsigned long long)rl.rlim_cur,
			(long long)o->queue_size);
		need = rl.rlim_cur;
	}
	if (o->bg_queue_size && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur - need < bg)
		o->bg_queue_size = (int64_t)(rl.rlim_cur - need);
}

/* ------------------------------------------------------------ main */

static void write_stats(struct wstate *ws)
{
	char ver[40];

	watch_defs_version(ver, sizeof(ver));
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
			check_store(ws->o);
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
			watch_reload("SIGHUP");
		else if (sig == SIGUSR1)
			next = 0;
	}
}

static void run_daemon(struct wopts *o)
{
	struct wstate ws = { .o = o, .started = (long long)time(NULL),
			     .defs_version = "" };
	mde_defs *defs;
	mde_engine *e, *ebg;
	sigset_t set;
	int fan, fanw = -1, pidfd, sig, clean;
	const char *gate;
	size_t i;

	if (wlog_init(o->log_level, o->log_json) < 0)
		die("cannot open the JSON log '%s': %s", o->log_json,
		    strerror(errno));
	check_fs(o);
	fd_limit(o);
	if (pst_init((size_t)o->max_procs) < 0)
		die("out of memory");
	pidfd = pidfile_open(o);
	/* signals go to the main thread only, through sigtimedwait */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (build(o, &defs, &e, &ebg) < 0)
		die("cannot start without definitions");
	fan = fan_open(o, 0);
	if (o->mode == MODE_BLOCK)
		fanw = fan_open(o, 1);
	if (watch_start(o, fan, fanw, defs, e, ebg, build, attach) < 0)
		die("cannot start the watcher threads");
	/* our own opens from here on (cache, pidfile, logs) are answered
	 * by the reader thread */
	ws.exec_events = add_marks(o, fan, fanw);
	pidfile_write(pidfd, o->pidfile);
	if (o->ready_file)
		ready_file(o->ready_file);
	write_stats(&ws);
	watch_ready();
	gate = o->mode == MODE_BLOCK ? GATE_NAME(o->gate) : "none";
	for (i = 0; i < o->npaths; i++)
		wlog_ev(WL_INFO, "start",
			(struct jfield[]){ JS("path", o->paths[i]),
					   JS("mode", o->mode == MODE_BLOCK
							      ? "block" : "audit"),
					   JS("gate", gate),
					   JS("mark", o->mark_fs ? "filesystem"
								 : "mount") },
			4, "watching %s (%s mode%s%s, %s mark)", o->paths[i],
			o->mode == MODE_BLOCK ? "block" : "audit",
			o->mode == MODE_BLOCK ? ", gated at " : "",
			o->mode == MODE_BLOCK ? gate : "",
			o->mark_fs ? "filesystem" : "mount");
	sig = serve(&set, &ws);
	wnotify("STOPPING=1");
	clean = watch_stop();
	write_stats(&ws);
	wlog_ev(WL_INFO, "stop", (struct jfield[]){ JS("signal",
			sig == SIGTERM ? "SIGTERM" : "SIGINT") }, 1,
		"stopping on %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	if (o->ready_file)
		unlink(o->ready_file);
	if (pidfd >= 0) {
		unlink(o->pidfile);
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
	int cmd = 0;
	size_t i;

	parse_args(argc, argv, &o, &cmd);
	if (cmd == 1)
		return cmd_stats(&o);
	if (cmd == 2) {
		if (!o.pidfile)
			o.pidfile = DEF_PIDFILE;
		return cmd_status(&o);
	}
	/* libarchive converts every ZIP member's DOS time with mktime(),
	 * and glibc re-reads /etc/localtime on each call unless TZ is set */
	setenv("TZ", ":/etc/localtime", 0);
	run_daemon(&o);
	for (i = 0; i < o.npaths; i++)
		free(o.paths[i]);
	for (i = 0; i < o.nexcl_proc; i++)
		free(o.excl_proc[i]);
	free(o.paths);
	free(o.excl_proc);
	free(o.dbs);
	free(o.excl_path);
	free(o.allow_fs);
	return 0;
}
