/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdescan - scan files and directories for malware.
 *
 * The tool: options, definitions loading, the progress line, and the
 * exit status.  Everything about scanning lives in libmde (mdescan.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "defstore.h"
#include "evidence.h"
#include "health.h"
#include "mdecfg.h"
#include "mdelog.h"
#include "mdescan.h"
#include "output.h"
#include "scanrec.h"
#include "vault.h"
#include "banned.h"

int quick_scan_submit(mde_engine *e);

enum {
	OPT_CACHE_DIR = 256, OPT_EXCLUDE, OPT_EXCLUDE_DIR, OPT_EXCLUDE_EXT, OPT_FILES_FROM,
	OPT_FOLLOW, OPT_FULL, OPT_JSON, OPT_MAX_DEPTH, OPT_MAX_FILESIZE,
	OPT_NICE, OPT_NO_CACHE, OPT_NO_PREFILTER, OPT_NO_PRESELECT,
	OPT_NO_SUMMARY, OPT_NULL, OPT_ONE_FS, OPT_QUICK,
	OPT_SCAN_ALL_FS, OPT_TIMEOUT, OPT_NO_ARCHIVE, OPT_ARCHIVE_TYPES,
	OPT_MAX_RECURSION, OPT_MAX_FILES, OPT_MAX_SCANSIZE, OPT_MAX_MEMBER,
	OPT_MAX_RATIO, OPT_BOMB_MIN, OPT_BOMB, OPT_KEYS, OPT_STORE,
	OPT_ACTION, OPT_QDIR, OPT_HISTORY_DB, OPT_NO_HISTORY, OPT_LOCK,
	OPT_PUA, OPT_ALLOW, OPT_FORENSIC, OPT_CONFIG, OPT_LOG_LEVEL,
	OPT_NO_SYSLOG, OPT_UNOFFICIAL, OPT_ECS, OPT_CSV, OPT_HASHDEEP, OPT_BODYFILE, OPT_ROOT,
	OPT_MIN_SCORE, OPT_NEWER_THAN, OPT_CHANGED_SINCE, OPT_SHARD,
	OPT_LOG_TARGET
};

static const struct option longopts[] = {
	{ "action", required_argument, NULL, OPT_ACTION },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "archive-bomb", required_argument, NULL, OPT_BOMB },
	{ "archive-types", required_argument, NULL, OPT_ARCHIVE_TYPES },
	{ "bodyfile", required_argument, NULL, OPT_BODYFILE },
	{ "bomb-min-size", required_argument, NULL, OPT_BOMB_MIN },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "changed-since", required_argument, NULL, OPT_CHANGED_SINCE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "database", required_argument, NULL, 'd' },
	{ "ecs", required_argument, NULL, OPT_ECS },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "exclude-dir", required_argument, NULL, OPT_EXCLUDE_DIR },
	{ "exclude-ext", required_argument, NULL, OPT_EXCLUDE_EXT },
	{ "files-from", required_argument, NULL, OPT_FILES_FROM },
	{ "follow-symlinks", no_argument, NULL, OPT_FOLLOW },
	{ "forensic", no_argument, NULL, OPT_FORENSIC },
	{ "full", no_argument, NULL, OPT_FULL },
	{ "hashdeep", required_argument, NULL, OPT_HASHDEEP },
	{ "help", no_argument, NULL, 'h' },
	{ "history-db", required_argument, NULL, OPT_HISTORY_DB },
	{ "infected", no_argument, NULL, 'i' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "lock", required_argument, NULL, OPT_LOCK },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-target", required_argument, NULL, OPT_LOG_TARGET },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "max-filesize", required_argument, NULL, OPT_MAX_FILESIZE },
	{ "max-files", required_argument, NULL, OPT_MAX_FILES },
	{ "max-member-size", required_argument, NULL, OPT_MAX_MEMBER },
	{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
	{ "max-recursion", required_argument, NULL, OPT_MAX_RECURSION },
	{ "max-scansize", required_argument, NULL, OPT_MAX_SCANSIZE },
	{ "min-score", required_argument, NULL, OPT_MIN_SCORE },
	{ "newer-than", required_argument, NULL, OPT_NEWER_THAN },
	{ "nice", no_argument, NULL, OPT_NICE },
	{ "no-archive", no_argument, NULL, OPT_NO_ARCHIVE },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
	{ "no-prefilter", no_argument, NULL, OPT_NO_PREFILTER },
	{ "no-preselect", no_argument, NULL, OPT_NO_PRESELECT },
	{ "no-summary", no_argument, NULL, OPT_NO_SUMMARY },
	{ "no-syslog", no_argument, NULL, OPT_NO_SYSLOG },
	{ "null", no_argument, NULL, OPT_NULL },
	{ "one-file-system", no_argument, NULL, OPT_ONE_FS },
	{ "pua", required_argument, NULL, OPT_PUA },
	{ "quarantine-dir", required_argument, NULL, OPT_QDIR },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "scan-all-fs", no_argument, NULL, OPT_SCAN_ALL_FS },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "unofficial-names", no_argument, NULL, OPT_UNOFFICIAL },
	{ "threads", required_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "version", no_argument, NULL, 'V' },
	{ "allmatch", no_argument, NULL, 'z' },
	{ NULL, 0, NULL, 0 }
};

struct excl {
	mde_excl_kind kind;
	const char *pattern;
};

struct opts {
	const char **dbs;
	size_t ndbs;
	struct excl *excl;
	size_t nexcl;
	const char *files_from;
	const char *cache_dir;
	const char *keys, *store;
	const char *history_db, *qdir, *lock;
	int no_history, forensic, retention;
	int64_t log_level; /* enum mdelog_level, -1: no syslog */
	int64_t log_target; /* enum mdelog_target */
	enum scan_action action;
	int no_cache, no_preselect, no_prefilter, unofficial;
	int follow, full, quick, json, nice, summary, null, one_fs, all_fs;
	int infected, threads, allmatch;
	int64_t max_depth, max_filesize, timeout;
	int64_t arc_types, max_recursion, max_files, max_scansize, max_member,
		max_ratio, bomb_min, bomb, pua;
	const char **allow;
	size_t nallow;
	struct ev_opts ev;     /* evidence outputs and scores */
	char *root;            /* --root, made absolute */
	int64_t newer_than;    /* unix seconds; 0: every file */
	int64_t shard_k, shard_n;
};

/* State shared by the event callback and the progress thread. */
struct run {
	const struct out_format *fmt;
	struct out_opts oo;
	pthread_mutex_t lock;
	int progress_shown;
	int progress_stop;
	mde_engine *e;
	struct scanrec *rec; /* history and actions */
	struct evidence *x;  /* scores, levels, evidence outputs */
};

static mde_engine *volatile cancel_engine;

static void usage(FILE *fp)
{
	fputs("usage: mdescan [options] PATH...\n"
	      "       mdescan [options] --files-from FILE [--null]\n"
	      "       mdescan [options] --quick | --full\n"
	      "       mdescan definitions update|rollback|status [options]\n"
	      "       mdescan scan list | threat list|get|quarantine|allowed "
	      "... | exclusion ...\n"
	      "       mdescan health [options]\n"
	      "       mdescan diagnostic create [options]\n"
	      "\n"
	      "      --allow NAME|SHA256  report this threat as allowed, "
	      "not as a threat\n"
	      "      --action report|quarantine|remove  what to do with an "
	      "infected file\n"
	      "                          (default report)\n"
	      "      --archive-bomb off|audit|block  what an archive bomb is "
	      "(default audit)\n"
	      "      --archive-types LIST  containers to open: tar,cpio,ar,"
	      "rpm,7z,rar,cab,iso,\n"
	      "                          xar,lha,zip,gzip,bzip2,xz,lzma,zstd,"
	      "lz4,compress,mail,upx\n"
	      "      --bodyfile FILE     write a Sleuth Kit bodyfile of every "
	      "file scanned\n"
	      "      --bomb-min-size SIZE  judge the ratio from this many "
	      "bytes (default 16M)\n"
	      "      --changed-since TIME  scan only files modified or "
	      "changed since TIME\n"
	      "                          (YYYY-MM-DD[THH:MM[:SS]][Z] or "
	      "@EPOCH)\n"
	      "      --config FILE       configuration (default "
	      MDE_CONF_DIR "/mdescan.conf)\n"
	      "      --cache-dir DIR     scan cache location (default "
	      MDE_CACHE_DIR " as root)\n"
	      "      --csv FILE          write findings as CSV (RFC 4180)\n"
	      "  -d, --database PATH     definitions file or directory "
	      "(repeatable; replaces built-ins)\n"
	      "      --ecs FILE          append findings and the summary as "
	      "ECS JSON Lines\n"
	      "      --exclude PATTERN   exclude paths (* one level, "
	      "trailing * anything, ? one char)\n"
	      "      --exclude-dir PATTERN  exclude a directory and all "
	      "below it\n"
	      "      --exclude-ext EXT   exclude a file extension\n"
	      "      --files-from FILE   read paths to scan from FILE "
	      "(- for stdin)\n"
	      "      --follow-symlinks   follow symbolic links while "
	      "walking\n"
	      "      --forensic          read-only: no action, no cache, file "
	      "hashes, no link\n"
	      "                          followed (but inside --root)\n"
	      "      --full              scan / (skips /proc, /sys, /dev, "
	      "network and FUSE)\n"
	      "      --hashdeep FILE     write a hashdeep manifest of every "
	      "file scanned\n"
	      "  -h, --help              show this help\n"
	      "      --history-db PATH   scan and threat history (default "
	      MDE_STATE_DIR "/history.db)\n"
	      "  -i, --infected          print only findings\n"
	      "  -j, --threads N         worker threads (default: online "
	      "CPUs)\n"
	      "      --json              JSON Lines on stdout\n"
	      "      --keys PATH         trusted bundle keys: a .pub file or "
	      "a directory\n"
	      "                          (default /etc/mdescan/keys)\n"
	      "      --lock FILE         hold FILE locked while scanning; "
	      "another scan with it fails\n"
	      "      --log-level LEVEL   syslog: error, warning, info "
	      "(default) or debug\n"
	      "      --log-target auto|journald|syslog  where messages go "
	      "(default auto)\n"
	      "      --max-depth N       directory depth limit (default 64)\n"
	      "      --max-filesize SIZE skip larger files; K/M/G, 0 = no "
	      "limit (default 100M)\n"
	      "      --max-files N       members per container (default "
	      "10000, 0 = no limit)\n"
	      "      --max-member-size SIZE  skip larger members (default "
	      "100M, 0 = no limit)\n"
	      "      --max-ratio N       unpacked/packed ratio of a bomb "
	      "(default 250, 0 = off)\n"
	      "      --max-recursion N   containers within containers "
	      "(default 17)\n"
	      "      --max-scansize SIZE bytes unpacked per file (default "
	      "400M, 0 = no limit)\n"
	      "      --min-score N       report only files whose total score "
	      "is at least N\n"
	      "      --newer-than DAYS   scan only files modified or changed "
	      "in the last DAYS\n"
	      "      --nice              lowest CPU priority, idle I/O "
	      "class\n"
	      "      --no-archive        do not open archives, compressed "
	      "files, mail or UPX\n"
	      "      --no-cache          neither read nor update the scan "
	      "cache\n"
	      "      --no-history        do not record the scan in the "
	      "history\n"
	      "      --no-prefilter      run YARA on every file, even "
	      "without a rule literal in it\n"
	      "      --no-preselect      scan every file with every YARA "
	      "rule\n"
	      "      --no-summary        no summary on stderr\n"
	      "      --no-syslog         do not log to syslog\n"
	      "      --null              --files-from entries end with NUL\n"
	      "      --one-file-system   stay on each start path's "
	      "filesystem\n"
	      "      --pua off|audit|block  potentially unwanted "
	      "applications (default audit)\n"
	      "      --quarantine-dir DIR  the vault (default "
	      MDE_STATE_DIR "/quarantine)\n"
	      "      --quick             scan persistence and execution "
	      "locations\n"
	      "      --root DIR          PATHs are inside DIR (a mounted "
	      "image); links resolve in it\n"
	      "      --scan-all-fs       with --full, scan pseudo, network "
	      "and FUSE filesystems too\n"
	      "      --shard K/N         scan only the K-th of N disjoint "
	      "parts of the files\n"
	      "      --store DIR         installed definitions (default "
	      MDE_STATE_DIR "/definitions)\n"
	      "      --timeout SECONDS   per-file scan time limit "
	      "(default 60)\n"
	      "      --unofficial-names  name ClamAV detections NAME.UNOFFICIAL, "
	      "as clamscan does\n"
	      "  -V, --version           show versions\n"
	      "  -z, --allmatch          report every match of a file, not "
	      "just the first\n"
	      "\n"
	      "Definitions (-d): ClamAV .hdb .hsb .hdu .hsu .ndb .ndu .ldb "
	      ".ldu .mdb .msb .mdu\n"
	      ".msu .imp .fp .sfp .ign .ign2 (functionality level 216); "
	      "read and counted as\n"
	      "unsupported: .cbc .idb .crb .cat .pdb .gdb .wdb .cdb .ftm "
	      ".cfg; YARA .yar .yara\n"
	      ".yarc; hash lists .md5 .sha1 .sha256 .txt; Loki IOC files; "
	      "signed bundles .mdb.\n"
	      "\n"
	      "Exit status: 0 clean, 1 threats found, 2 errors.\n",
	      fp);
}

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mdescan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/*
 * --lock: one scan per lock file at a time (a cron job that would overlap
 * its previous run).  Held until exit; the kernel drops it even after a
 * kill -9.
 */
static void take_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		die("cannot open lock file '%s': %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		die("another scan holds '%s' (%s): not starting", path,
		    errno == EWOULDBLOCK ? "locked" : strerror(errno));
}

/*
 * The verbs: `mdescan definitions ...`, `scan list`, `threat list|get`,
 * `threat quarantine ...`.  Anything else is a scan, so a directory named
 * like a verb is scanned as ./scan.  1 when argv was a verb (its exit
 * status in *status).
 */
static int subcommand(int argc, char **argv, int *status)
{
	const char *v = argv[1], *w = argc > 2 ? argv[2] : "";

	if (!strcmp(v, "definitions"))
		*status = cmd_definitions(argc - 1, argv + 1);
	else if (!strcmp(v, "threat") && !strcmp(w, "allowed"))
		*status = cmd_allowed(argc - 2, argv + 2);
	else if (!strcmp(v, "threat") && !strcmp(w, "quarantine")) {
		quarantine_state_hook = scanrec_quarantine_state;
		*status = cmd_quarantine(argc - 3, argv + 3);
	}
	else if ((!strcmp(v, "scan") && !strcmp(w, "list")) ||
		 (!strcmp(v, "threat") && (!strcmp(w, "list") ||
					   !strcmp(w, "get"))))
		*status = cmd_history(argc - 1, argv + 1);
	else if (!strcmp(v, "exclusion"))
		*status = cmd_exclusion(argc - 1, argv + 1);
	else if (!strcmp(v, "health"))
		*status = cmd_health(argc - 1, argv + 1);
	else if (!strcmp(v, "diagnostic"))
		*status = cmd_diagnostic(argc - 1, argv + 1);
	else
		return 0;
	return 1;
}

/* A bad option value: the reason, then the usage, exit 2. */
static void bad_value(const char *what, const char *opt)
{
	fprintf(stderr, "mdescan: invalid %s for %s\n", what, opt);
	usage(stderr);
	exit(2);
}

static int64_t parse_policy(const char *s, const char *opt)
{
	if (!strcmp(s, "off"))
		return MDE_POLICY_OFF;
	if (!strcmp(s, "audit"))
		return MDE_POLICY_AUDIT;
	if (!strcmp(s, "block"))
		return MDE_POLICY_BLOCK;
	bad_value("policy (off, audit, block)", opt);
	return -1;
}

static int64_t parse_num(const char *s, const char *opt, int suffixes)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		bad_value("number", opt);
	if (suffixes && *end) {
		int sh = *end == 'K' || *end == 'k' ? 10
			 : *end == 'M' || *end == 'm' ? 20
			 : *end == 'G' || *end == 'g' ? 30 : -1;

		if (sh < 0 || end[1] || v > (INT64_MAX >> sh))
			bad_value("size", opt);
		v <<= sh;
		end++;
	}
	if (*end || v > INT32_MAX * (suffixes ? (int64_t)1 << 31 : 1))
		bad_value("number", opt);
	return v;
}

/*
 * --changed-since: "@EPOCH", or "YYYY-MM-DD" with an optional "THH:MM"
 * or "THH:MM:SS" (a space instead of T too), local time unless it ends
 * in "Z" (UTC), as find(1) -newermt reads local time.
 */
static int64_t parse_since(const char *s)
{
	static const char *const forms[] = { "%Y-%m-%dT%H:%M:%S",
					     "%Y-%m-%d %H:%M:%S",
					     "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
					     "%Y-%m-%d" };
	struct tm tm;
	const char *end = NULL;
	time_t t;
	size_t i;

	if (*s == '@') {
		int64_t v = parse_num(s + 1, "--changed-since", 0);

		return v ? v : 1;
	}
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]) && !end; i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, forms[i], &tm);
		if (end && *end && strcmp(end, "Z") != 0)
			end = NULL;
	}
	if (!end)
		bad_value("time (YYYY-MM-DD[THH:MM[:SS]][Z] or @EPOCH)",
			  "--changed-since");
	tm.tm_isdst = -1;
	t = *end == 'Z' ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1 || t <= 0)
		bad_value("time after 1970", "--changed-since");
	return (int64_t)t;
}

/* --shard K/N, 1 <= K <= N <= 65536. */
static void parse_shard(const char *s, struct opts *o)
{
	char *end;
	long k, n;

	errno = 0;
	k = strtol(s, &end, 10);
	if (errno || end == s || *end != '/')
		bad_value("K/N (as 2/8)", "--shard");
	s = end + 1;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > 65536 || k < 1 || k > n)
		bad_value("K/N with 1 <= K <= N <= 65536", "--shard");
	o->shard_k = k;
	o->shard_n = n;
}

/* "zip,gzip,tar" -> MDE_ARC_* bits; an unknown name is an error. */
static int64_t parse_types(const char *s)
{
	int64_t bits = 0;
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, ",");
		char name[16];
		unsigned b = 0;

		if (n && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			b = mde_archive_type(name);
		}
		if (!b)
			bad_value("container type list", "--archive-types");
		bits |= b;
		p += n;
		if (*p == ',')
			p++;
	}
	return bits;
}

static void add_excl(struct opts *o, mde_excl_kind k, const char *p)
{
	struct excl *n = realloc(o->excl, (o->nexcl + 1) * sizeof(*n));

	if (!n)
		die("%s", "out of memory");
	o->excl = n;
	o->excl[o->nexcl].kind = k;
	o->excl[o->nexcl++].pattern = p;
}

/* ----------------------------------------------- mdescan.conf(5) */

static struct mdecfg *cfg; /* values borrowed by opts: kept to the end */

static void cfg_int(const char *key, int64_t *v)
{
	mdecfg_get_int(cfg, key, v);
}

static int cfg_add(void *ctx, const struct mdecfg_val *v)
{
	struct opts *o = ctx;
	const char *k = v->key->name;

	if (!strcmp(k, "exclude_path"))
		add_excl(o, MDE_EXCL_PATH, v->value);
	else if (!strcmp(k, "exclude_dir"))
		add_excl(o, MDE_EXCL_DIR, v->value);
	else if (!strcmp(k, "exclude_ext"))
		add_excl(o, MDE_EXCL_EXT, v->value);
	else if (!(o->allow = realloc(o->allow, (o->nallow + 1) *
						sizeof(*o->allow))))
		die("%s", "out of memory");
	else
		o->allow[o->nallow++] = v->value;
	return 0;
}

/*
 * Loads mdescan.conf (a missing default file is an empty one) as the
 * defaults the command line overrides.  A bad line is fatal: never a scan
 * with half a configuration.
 */
static void apply_config(int argc, char **argv, struct opts *o)
{
	const char *path = mdecfg_path_from_args(argc, argv), *v;
	char err[1024];
	int64_t n;
	int b;

	cfg = mdecfg_load(path ? path : mdecfg_default_path(), !path, err,
			  sizeof(err));
	if (!cfg)
		die("configuration: %s", err);
	if (mdecfg_get_int(cfg, "threads", &n))
		o->threads = (int)n;
	cfg_int("max_filesize", &o->max_filesize);
	cfg_int("max_depth", &o->max_depth);
	cfg_int("timeout", &o->timeout);
	cfg_int("max_recursion", &o->max_recursion);
	cfg_int("max_files", &o->max_files);
	cfg_int("max_scansize", &o->max_scansize);
	cfg_int("max_member_size", &o->max_member);
	cfg_int("max_ratio", &o->max_ratio);
	cfg_int("bomb_min_size", &o->bomb_min);
	cfg_int("archive_bomb", &o->bomb); /* enum index = mde_policy */
	cfg_int("pua", &o->pua);
	cfg_int("log_level", &o->log_level); /* enum index = mdelog_level */
	cfg_int("min_score", &o->ev.min_score);
	cfg_int("score_alert", &o->ev.alert);
	cfg_int("score_warning", &o->ev.warning);
	cfg_int("score_notice", &o->ev.notice);
	cfg_int("log_target", &o->log_target); /* = enum mdelog_target */
	if (mdecfg_get_int(cfg, "action", &n))
		o->action = (enum scan_action)n;
	if (mdecfg_get_str(cfg, "archive_types", &v))
		o->arc_types = parse_types(v);
	if (mdecfg_get_bool(cfg, "no_archive", &b) && b)
		o->arc_types = 0;
	if (mdecfg_get_bool(cfg, "no_cache", &b))
		o->no_cache = b;
	if (mdecfg_get_bool(cfg, "nice", &b))
		o->nice = b;
	mdecfg_get_str(cfg, "cache_dir", &o->cache_dir);
	mdecfg_get_str(cfg, "store", &o->store);
	mdecfg_get_str(cfg, "keys", &o->keys);
	mdecfg_get_str(cfg, "quarantine_dir", &o->qdir);
	mdecfg_get_str(cfg, "history_db", &o->history_db);
	mdecfg_get_str(cfg, "lock_file", &o->lock);
	if (mdecfg_get_int(cfg, "retention_days", &n))
		o->retention = (int)n;
	mdecfg_each(cfg, "exclude_path", cfg_add, o);
	mdecfg_each(cfg, "exclude_dir", cfg_add, o);
	mdecfg_each(cfg, "exclude_ext", cfg_add, o);
	mdecfg_each(cfg, "allowed_threat", cfg_add, o);
}

/* -V: the tool, the engine, the libraries and the active definitions. */
static void print_version(const struct opts *o)
{
	struct defstore_status st;

	printf("mdescan %s (engine %s)\n%s", PACKAGE_VERSION,
	       MDE_ENGINE_VERSION, mde_library_versions());
	defstore_status(o->store, &st);
	if (st.cur.have)
		printf("definitions %llu (%s)\n",
		       (unsigned long long)st.cur.bi.version, st.cur.path);
	else
		printf("definitions built-in (none installed in %s)\n",
		       o->store);
}

/* Whether path (made absolute through its existing directory) lies in
 * or below the directory top. */
static int lies_under(const char *path, const char *top)
{
	char *copy = strdup(path), *slash, *dir;
	size_t n;
	int in = 0;

	if (!copy)
		return 0;
	slash = strrchr(copy, '/');
	if (slash == copy)
		copy[1] = '\0';
	else if (slash)
		*slash = '\0';
	dir = realpath(slash ? copy : ".", NULL);
	n = strlen(top);
	while (n > 1 && top[n - 1] == '/')
		n--;
	if (dir)
		in = strncmp(dir, top, n) == 0 &&
		     (dir[n] == '\0' || dir[n] == '/' || n == 1);
	free(dir);
	free(copy);
	return in;
}

/*
 * --forensic writes nothing into the evidence: no output file, lock or
 * history under --root or under a path being scanned.
 */
static void check_writes(const struct opts *o, int argc, char **argv)
{
	const char *outs[] = { o->ev.ecs, o->ev.csv, o->ev.hashdeep,
			       o->ev.bodyfile, o->lock,
			       o->no_history ? NULL : o->history_db };
	size_t i;
	int a;

	for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		if (!outs[i])
			continue;
		if (o->root && lies_under(outs[i], o->root))
			die("--forensic: '%s' is inside --root %s: nothing is "
			    "written into the evidence", outs[i], o->root);
		for (a = optind; !o->root && a < argc; a++) {
			char *top = realpath(argv[a], NULL);
			int in = top && lies_under(outs[i], top);

			free(top);
			if (in)
				die("--forensic: '%s' is inside the scanned "
				    "%s: nothing is written into the evidence",
				    outs[i], argv[a]);
		}
	}
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	o->summary = 1;
	o->max_depth = 64;
	o->max_filesize = 100 << 20;
	o->timeout = 60;
	o->arc_types = MDE_ARC_ALL;
	o->max_recursion = 17;
	o->max_files = 10000;
	o->max_scansize = (int64_t)400 << 20;
	o->max_member = (int64_t)100 << 20;
	o->max_ratio = 250;
	o->bomb_min = (int64_t)16 << 20;
	o->bomb = MDE_POLICY_AUDIT;
	o->pua = MDE_POLICY_AUDIT;
	o->retention = HIST_RETENTION_DAYS;
	o->log_level = MDELOG_INFO;
	o->ev.alert = EV_DEFAULT_ALERT;
	o->ev.warning = EV_DEFAULT_WARNING;
	o->ev.notice = EV_DEFAULT_NOTICE;
	apply_config(argc, argv, o);
	o->dbs = calloc((size_t)argc, sizeof(*o->dbs));
	if (!o->dbs)
		die("%s", "out of memory");
	while ((c = getopt_long(argc, argv, "d:hij:Vz", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dbs[o->ndbs++] = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'i': o->infected = 1; break;
		case 'j':
			o->threads = (int)parse_num(optarg, "--threads", 0);
			if (o->threads < 1 || o->threads > 1024)
				bad_value("number (1..1024)", "--threads");
			break;
		case 'V':
			print_version(o);
			exit(0);
		case 'z': o->allmatch = 1; break;
		case OPT_CACHE_DIR: o->cache_dir = optarg; break;
		case OPT_EXCLUDE: add_excl(o, MDE_EXCL_PATH, optarg); break;
		case OPT_EXCLUDE_DIR: add_excl(o, MDE_EXCL_DIR, optarg); break;
		case OPT_EXCLUDE_EXT: add_excl(o, MDE_EXCL_EXT, optarg); break;
		case OPT_FILES_FROM: o->files_from = optarg; break;
		case OPT_FOLLOW: o->follow = 1; break;
		case OPT_FORENSIC: o->forensic = 1; break;
		case OPT_NO_SYSLOG: o->log_level = -1; break;
		case OPT_UNOFFICIAL: o->unofficial = 1; break;
		case OPT_LOG_LEVEL:
			o->log_level = !strcmp(optarg, "error") ? MDELOG_ERROR
				: !strcmp(optarg, "warning") ? MDELOG_WARNING
				: !strcmp(optarg, "info") ? MDELOG_INFO
				: !strcmp(optarg, "debug") ? MDELOG_DEBUG : -2;
			if (o->log_level == -2)
				bad_value("level (error, warning, info, "
					  "debug)", "--log-level");
			break;
		case OPT_LOG_TARGET:
			o->log_target = !strcmp(optarg, "auto") ? MDELOG_AUTO
				: !strcmp(optarg, "journald") ? MDELOG_JOURNALD
				: !strcmp(optarg, "syslog") ? MDELOG_SYSLOG : -1;
			if (o->log_target < 0)
				bad_value("target (auto, journald, syslog)",
					  "--log-target");
			break;
		case OPT_CONFIG: break; /* read first, by apply_config() */
		case OPT_FULL: o->full = 1; break;
		case OPT_KEYS: o->keys = optarg; break;
		case OPT_LOCK: o->lock = optarg; break;
		case OPT_HISTORY_DB: o->history_db = optarg; break;
		case OPT_NO_HISTORY: o->no_history = 1; break;
		case OPT_QDIR: o->qdir = optarg; break;
		case OPT_ACTION:
			if (!strcmp(optarg, "report"))
				o->action = SCAN_ACT_REPORT;
			else if (!strcmp(optarg, "quarantine"))
				o->action = SCAN_ACT_QUARANTINE;
			else if (!strcmp(optarg, "remove"))
				o->action = SCAN_ACT_REMOVE;
			else
				bad_value("action (report, quarantine, remove)",
					  "--action");
			break;
		case OPT_STORE: o->store = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_MAX_DEPTH:
			o->max_depth = parse_num(optarg, "--max-depth", 0);
			break;
		case OPT_MAX_FILESIZE:
			o->max_filesize = parse_num(optarg, "--max-filesize", 1);
			break;
		case OPT_NICE: o->nice = 1; break;
		case OPT_NO_CACHE: o->no_cache = 1; break;
		case OPT_NO_PREFILTER: o->no_prefilter = 1; break;
		case OPT_NO_PRESELECT: o->no_preselect = 1; break;
		case OPT_NO_SUMMARY: o->summary = 0; break;
		case OPT_NULL: o->null = 1; break;
		case OPT_ONE_FS: o->one_fs = 1; break;
		case OPT_QUICK: o->quick = 1; break;
		case OPT_SCAN_ALL_FS: o->all_fs = 1; break;
		case OPT_TIMEOUT:
			o->timeout = parse_num(optarg, "--timeout", 0);
			break;
		case OPT_NO_ARCHIVE: o->arc_types = 0; break;
		case OPT_ARCHIVE_TYPES:
			o->arc_types = parse_types(optarg);
			break;
		case OPT_MAX_RECURSION:
			o->max_recursion =
				parse_num(optarg, "--max-recursion", 0);
			break;
		case OPT_MAX_FILES:
			o->max_files = parse_num(optarg, "--max-files", 0);
			break;
		case OPT_MAX_SCANSIZE:
			o->max_scansize = parse_num(optarg, "--max-scansize", 1);
			break;
		case OPT_MAX_MEMBER:
			o->max_member =
				parse_num(optarg, "--max-member-size", 1);
			break;
		case OPT_MAX_RATIO:
			o->max_ratio = parse_num(optarg, "--max-ratio", 0);
			break;
		case OPT_BOMB_MIN:
			o->bomb_min = parse_num(optarg, "--bomb-min-size", 1);
			break;
		case OPT_PUA:
			o->pua = parse_policy(optarg, "--pua");
			break;
		case OPT_ALLOW:
			o->allow = realloc(o->allow, (o->nallow + 1) *
						     sizeof(*o->allow));
			if (!o->allow)
				die("%s", "out of memory");
			o->allow[o->nallow++] = optarg;
			break;
		case OPT_ECS: o->ev.ecs = optarg; break;
		case OPT_CSV: o->ev.csv = optarg; break;
		case OPT_HASHDEEP: o->ev.hashdeep = optarg; break;
		case OPT_BODYFILE: o->ev.bodyfile = optarg; break;
		case OPT_ROOT:
			free(o->root);
			o->root = realpath(optarg, NULL);
			if (!o->root)
				die("--root '%s': %s", optarg, strerror(errno));
			break;
		case OPT_MIN_SCORE:
			o->ev.min_score = parse_num(optarg, "--min-score", 0);
			break;
		case OPT_NEWER_THAN: {
			int64_t d = parse_num(optarg, "--newer-than", 0);

			if (d > 365000)
				bad_value("number of days (0..365000)",
					  "--newer-than");
			o->newer_than = (int64_t)time(NULL) - d * 86400;
			break;
		}
		case OPT_CHANGED_SINCE:
			o->newer_than = parse_since(optarg);
			break;
		case OPT_SHARD: parse_shard(optarg, o); break;
		case OPT_BOMB:
			o->bomb = strcmp(optarg, "off") == 0     ? MDE_POLICY_OFF
				  : strcmp(optarg, "audit") == 0 ? MDE_POLICY_AUDIT
				  : strcmp(optarg, "block") == 0 ? MDE_POLICY_BLOCK
								 : -1;
			if (o->bomb < 0)
				bad_value("policy (off, audit, block)",
					  "--archive-bomb");
			break;
		default: usage(stderr); exit(2);
		}
	}
	if (o->quick + o->full > 1)
		die("%s", "--quick and --full exclude each other");
	/* evidence is read, never changed: no action, no cache entry, and
	 * no symbolic link followed out of it */
	if (o->forensic && o->action != SCAN_ACT_REPORT)
		die("%s", "--action is refused with --forensic: evidence is "
		    "never changed");
	if (o->forensic && o->follow && !o->root)
		die("%s", "--follow-symlinks is refused with --forensic "
		    "unless --root is given: a link could lead out of the "
		    "evidence");
	if (o->forensic)
		o->no_cache = 1;
	if (o->forensic)
		check_writes(o, argc, argv);
	if (o->root && o->quick)
		die("%s", "--quick scans this machine's own locations; with "
		    "--root name the paths inside the image");
	if (o->ev.notice > o->ev.warning || o->ev.warning > o->ev.alert)
		die("score levels must rise: score_notice (%lld) <= "
		    "score_warning (%lld) <= score_alert (%lld)",
		    (long long)o->ev.notice, (long long)o->ev.warning,
		    (long long)o->ev.alert);
	if (optind == argc && !o->files_from && !o->quick && !o->full &&
	    !o->root) {
		usage(stderr);
		exit(2);
	}
}

static void diag(void *ctx, const char *file, unsigned line,
		 const char *signame, const char *msg)
{
	fprintf(stderr, "mdescan: %s:%u: %s%s%s\n", file ? file : "(definitions)",
		line, signame ? signame : "", signame ? ": " : "", msg);
}

/* ClamAV definitions read but not run, one line per kind. */
static void unsupported(void *ctx, const char *what, uint64_t n)
{
	(void)ctx;
	fprintf(stderr, "mdescan: unsupported: %llu %s\n",
		(unsigned long long)n, what);
}

static char *cache_dir(const struct opts *o);

/* Trusted keys, if any are there: only a bundle needs them, and it
 * says so when none is trusted. */
static void add_keys(mde_defs *defs, const struct opts *o)
{
	struct stat st;

	if (stat(o->keys, &st) == 0)
		mde_defs_add_keys(defs, o->keys);
}

/*
 * -d paths; else the installed bundle (definitions update); else the
 * built-in definitions.  A bundle that is installed but does not load
 * is an error, never a silent fallback to older definitions.
 */
static int load_sources(mde_defs *defs, const struct opts *o)
{
	char cur[4200];
	size_t i;
	int rc = MDE_OK;

	add_keys(defs, o);
	if (o->ndbs == 0 && defstore_current(o->store, cur, sizeof(cur)) == 0)
		return mde_defs_load_bundle(defs, cur);
	if (o->ndbs == 0)
		return mde_defs_load_builtin(defs);
	for (i = 0; i < o->ndbs && rc == MDE_OK; i++)
		rc = mde_defs_load_path(defs, o->dbs[i]);
	return rc;
}

static mde_defs *load_defs(const struct opts *o)
{
	mde_defs *defs = mde_defs_new();
	mde_defs_stats st;
	int rc = MDE_OK;

	if (!defs)
		die("%s", "out of memory");
	mde_defs_set_diag(defs, diag, NULL);
	mde_defs_set_preselect(defs, !o->no_preselect);
	mde_defs_set_prefilter(defs, !o->no_prefilter);
	mde_defs_set_unofficial(defs, o->unofficial);
	if (!o->no_cache) {
		char *dir = cache_dir(o);

		/* only if the cache directory exists or can be made */
		if (dir && (mkdir(dir, 0700) == 0 || errno == EEXIST))
			mde_defs_set_cache_dir(defs, dir);
		free(dir);
	}
	rc = load_sources(defs, o);
	if (rc == MDE_OK)
		rc = mde_defs_compile(defs);
	if (rc != MDE_OK)
		die("cannot load definitions: %s", *mde_defs_error(defs)
				? mde_defs_error(defs) : mde_status_str(rc));
	mde_defs_unsupported(defs, unsupported, NULL);
	mde_defs_get_stats(defs, &st);
	if (st.hash_sigs + st.byte_sigs + st.yara_rules + st.iocs == 0)
		die("%s", "no usable signatures in the definitions given");
	return defs;
}

static void clear_progress(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		r->progress_shown = 0;
	}
}

/* An event to the screen, the history (and actions) and the log. */
static void show(struct run *r, const mde_event *ev, long file_score,
		 const char *level)
{
	r->oo.file_score = file_score;
	r->oo.level = level;
	r->fmt->event(stdout, &r->oo, ev);
	scanrec_event(r->rec, ev);
	mdelog_event(ev);
}

/* A finding evidence.c gives out once its file's total is known. */
static void on_scored(void *ctx, const struct ev_scored *sf)
{
	show(ctx, sf->ev, sf->file_score, sf->level);
}

static void on_event(void *ctx, const mde_event *ev)
{
	struct run *r = ctx;

	pthread_mutex_lock(&r->lock);
	clear_progress(r);
	if (evidence_event(r->x, ev))
		show(r, ev, -1, NULL);
	pthread_mutex_unlock(&r->lock);
}

static void *progress_main(void *arg)
{
	struct run *r = arg;
	struct timespec ts = { 0, 250000000L };
	char cur[512];
	mde_summary s;
	double secs;
	size_t n;

	for (;;) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&r->lock);
		if (r->progress_stop) {
			clear_progress(r);
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		mde_engine_progress(r->e, &s, cur, sizeof(cur));
		secs = (double)s.elapsed_ns / 1e9;
		fprintf(stderr, "\r\033[K%llu files, %.1f MB, %.1f MB/s, "
			"%llu found: ", (unsigned long long)s.files,
			(double)s.bytes / 1e6,
			secs > 0 ? (double)s.bytes / 1e6 / secs : 0.0,
			(unsigned long long)s.findings);
		n = strlen(cur);
		if (n > 60) /* the end of a path says most */
			fputs("...", stderr);
		out_text_path(stderr, n > 60 ? cur + n - 57 : cur,
			      n > 60 ? 57 : n);
		fflush(stderr);
		r->progress_shown = 1;
		pthread_mutex_unlock(&r->lock);
	}
}

static void on_signal(int sig)
{
	if (cancel_engine)
		mde_engine_cancel(cancel_engine);
}

/* Lowest CPU priority and the idle I/O class, for cron. */
static void be_nice(void)
{
	if (setpriority(PRIO_PROCESS, 0, 19) < 0)
		perror("mdescan: setpriority");
#ifdef SYS_ioprio_set
	/* IOPRIO_WHO_PROCESS = 1, IOPRIO_CLASS_IDLE = 3 << 13 */
	if (syscall(SYS_ioprio_set, 1, 0, 3 << 13) < 0)
		perror("mdescan: ioprio_set");
#endif
}

static void configure(mde_engine *e, const struct opts *o)
{
	size_t i;

	mde_engine_set_opt(e, MDE_OPT_THREADS, o->threads);
	mde_engine_set_opt(e, MDE_OPT_MAX_FILESIZE, o->max_filesize);
	mde_engine_set_opt(e, MDE_OPT_TIMEOUT_MS, o->timeout * 1000);
	mde_engine_set_opt(e, MDE_OPT_MAX_DEPTH, o->max_depth);
	mde_engine_set_opt(e, MDE_OPT_ARCHIVE_TYPES, o->arc_types);
	mde_engine_set_opt(e, MDE_OPT_MAX_RECURSION, o->max_recursion);
	mde_engine_set_opt(e, MDE_OPT_MAX_FILES, o->max_files);
	mde_engine_set_opt(e, MDE_OPT_MAX_SCANSIZE, o->max_scansize);
	mde_engine_set_opt(e, MDE_OPT_MAX_MEMBER_SIZE, o->max_member);
	mde_engine_set_opt(e, MDE_OPT_MAX_RATIO, o->max_ratio);
	mde_engine_set_opt(e, MDE_OPT_BOMB_MIN_SIZE, o->bomb_min);
	mde_engine_set_opt(e, MDE_OPT_BOMB_POLICY, o->bomb);
	mde_engine_set_opt(e, MDE_OPT_PUA_POLICY, o->pua);
	for (i = 0; i < o->nallow; i++)
		if (mde_engine_allow(e, o->allow[i]) != MDE_OK)
			die("--allow: invalid threat name '%s'", o->allow[i]);
	mde_engine_set_opt(e, MDE_OPT_FOLLOW_SYMLINKS, o->follow);
	mde_engine_set_opt(e, MDE_OPT_ONE_FS, o->one_fs);
	mde_engine_set_opt(e, MDE_OPT_SKIP_SPECIAL_FS, o->full && !o->all_fs);
	mde_engine_set_opt(e, MDE_OPT_REPORT_CLEAN, !o->json && !o->infected);
	/* a total score is a sum: forensic triage wants every match */
	mde_engine_set_opt(e, MDE_OPT_ALL_MATCH, o->allmatch || o->forensic);
	mde_engine_set_opt(e, MDE_OPT_FILE_EVENTS, 1);
	mde_engine_set_opt(e, MDE_OPT_FILE_HASHES, o->forensic ||
				   o->ev.hashdeep || o->ev.bodyfile);
	if (o->newer_than)
		mde_engine_set_opt(e, MDE_OPT_NEWER_THAN, o->newer_than);
	if (o->shard_n &&
	    (mde_engine_set_opt(e, MDE_OPT_SHARD_COUNT, o->shard_n) != MDE_OK ||
	     mde_engine_set_opt(e, MDE_OPT_SHARD_INDEX, o->shard_k) != MDE_OK))
		die("--shard %lld/%lld: %s", (long long)o->shard_k,
		    (long long)o->shard_n, mde_engine_error(e));
	if (o->root && mde_engine_set_root(e, o->root) != MDE_OK)
		die("--root %s: %s", o->root, mde_engine_error(e));
	if (getenv("MDESCAN_TEST_DELAY_MS"))
		mde_engine_set_opt(e, MDE_OPT_TEST_DELAY_MS,
				   strtol(getenv("MDESCAN_TEST_DELAY_MS"),
					  NULL, 10));
	for (i = 0; i < o->nexcl; i++)
		if (mde_engine_add_exclude(e, o->excl[i].kind,
					   o->excl[i].pattern) != MDE_OK)
			die("%s", mde_engine_error(e));
}

/*
 * The scan cache's directory: --cache-dir, else $MDESCAN_CACHE_DIR, else
 * /var/cache/mdescan for root, else $XDG_CACHE_HOME/mdescan or
 * ~/.cache/mdescan.  Returns a malloc'd path or NULL.
 */
static char *cache_dir(const struct opts *o)
{
	const char *env = getenv("MDESCAN_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char buf[4096];

	if (o->cache_dir)
		return strdup(o->cache_dir);
	if (env && *env)
		return strdup(env);
	if (geteuid() == 0)
		return strdup(MDE_CACHE_DIR);
	if (xdg && *xdg == '/')
		snprintf(buf, sizeof(buf), "%s/mdescan", xdg);
	else if (home && *home == '/')
		snprintf(buf, sizeof(buf), "%s/.cache/mdescan", home);
	else
		return NULL;
	return strdup(buf);
}

static void use_cache(mde_engine *e, const struct opts *o)
{
	char *dir;

	if (o->no_cache || !(dir = cache_dir(o)))
		return;
	/* a scan without its cache is slower, not wrong: warn and go on */
	if (mde_engine_set_cache(e, dir) != MDE_OK) {
		fprintf(stderr, "mdescan: warning: %s; scanning without it\n",
			mde_engine_error(e));
	} else {
		/* the cache holds compiled rules, whose strings the rules
		 * themselves match: never scan it */
		char *abs = realpath(dir, NULL);

		if (abs && !strpbrk(abs, "*?"))
			mde_engine_add_exclude(e, MDE_EXCL_DIR, abs);
		free(abs);
	}
	free(dir);
}

/* Reads paths from FILE (or stdin) and submits each. */
static int submit_from(mde_engine *e, const char *file, int nul)
{
	FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = MDE_OK;

	if (!fp) {
		fprintf(stderr, "mdescan: cannot open '%s': %s\n", file,
			strerror(errno));
		return MDE_ERR_IO;
	}
	while (rc == MDE_OK &&
	       (n = getdelim(&line, &cap, nul ? '\0' : '\n', fp)) > 0) {
		if (line[n - 1] == (nul ? '\0' : '\n'))
			line[--n] = '\0';
		if (n > 0)
			rc = mde_engine_submit(e, line);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .keys = DEFSTORE_KEYS, .store = DEFSTORE_DIR,
			  .qdir = VAULT_DEFAULT_DIR };
	struct scanrec_opts ro = { 0 };
	struct run r = { 0 };
	mde_summary s;
	mde_defs *defs;
	mde_engine *e;
	pthread_t prog;
	int rc, have_prog = 0, status;

	if (argc > 1 && subcommand(argc, argv, &status))
		return status;
	parse_args(argc, argv, &o);
	if (o.lock)
		take_lock(o.lock);
	/* libarchive converts every ZIP member's DOS time with mktime(),
	 * and glibc re-reads /etc/localtime on each call unless TZ is set:
	 * a stat(2) per member.  Naming the same file costs nothing. */
	setenv("TZ", ":/etc/localtime", 0);
	if (o.nice)
		be_nice();
	raise_fd_limit();
	defs = load_defs(&o);
	e = mde_engine_new(defs);
	if (!e)
		die("%s", "out of memory");
	configure(e, &o);
	use_cache(e, &o);
	r.fmt = out_find(o.json ? "json" : "text");
	r.oo.infected_only = o.infected;
	r.oo.summary = o.summary;
	r.oo.defs_version = mde_defs_version(defs);
	r.oo.threads = o.threads > 0 ? o.threads
				     : (int)sysconf(_SC_NPROCESSORS_ONLN);
	r.e = e;
	r.oo.file_score = -1;
	r.oo.show_scores = o.forensic || o.ev.min_score > 0;
	o.ev.defs_version = r.oo.defs_version;
	o.ev.scan_type = o.quick ? "quick" : o.full ? "full" : "custom";
	o.ev.root = o.root;
	{
		char err[600];

		r.x = evidence_open(&o.ev, on_scored, &r, err, sizeof(err));
		if (!r.x)
			die("%s", err);
	}
	ro.db = o.history_db;
	ro.no_history = o.no_history;
	ro.action = o.action;
	ro.vault = o.qdir;
	ro.retention_days = o.retention;
	ro.type = o.quick ? HIST_QUICK : o.full ? HIST_FULL : HIST_CUSTOM;
	ro.paths = (const char *const *)argv + optind;
	ro.npaths = (size_t)(argc - optind);
	ro.defs_version = r.oo.defs_version;
	r.rec = scanrec_begin(&ro);
	mdelog_open((int)o.log_level, (int)o.log_target);
	mdelog_scan_start(o.quick ? "quick" : o.full ? "full" : "custom",
			  r.oo.defs_version, scanrec_id(r.rec));
	pthread_mutex_init(&r.lock, NULL);
	cancel_engine = e;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	if (mde_engine_begin(e, on_event, &r) != MDE_OK)
		die("%s", mde_engine_error(e));
	if (isatty(STDERR_FILENO) &&
	    pthread_create(&prog, NULL, progress_main, &r) == 0)
		have_prog = 1;
	rc = MDE_OK;
	for (int i = optind; i < argc && rc == MDE_OK; i++)
		rc = mde_engine_submit(e, argv[i]);
	if (rc == MDE_OK && o.files_from)
		rc = submit_from(e, o.files_from, o.null);
	if (rc == MDE_OK && o.quick)
		rc = quick_scan_submit(e);
	if (rc == MDE_OK && (o.full || (o.root && optind == argc &&
					 !o.files_from)))
		rc = mde_engine_submit(e, "/");
	mde_engine_end(e, &s);
	if (have_prog) {
		pthread_mutex_lock(&r.lock);
		r.progress_stop = 1;
		pthread_mutex_unlock(&r.lock);
		pthread_join(prog, NULL);
	}
	cancel_engine = NULL;
	pthread_mutex_lock(&r.lock); /* findings still held go out */
	evidence_finish(r.x, &s, -1);
	pthread_mutex_unlock(&r.lock);
	/* an interrupted scan is not a clean one; files below
	 * --min-score are not threats */
	status = (o.ev.min_score ? evidence_reported(r.x) : s.findings) ? 1
		 : (s.errors || s.cancelled || rc != MDE_OK) ? 2 : 0;
	r.oo.below_min_score = evidence_below(r.x);
	evidence_level_counts(r.x, r.oo.levels);
	evidence_summary(r.x, &s, status);
	{
		char err[600];

		if (evidence_close(r.x, err, sizeof(err)) != 0) {
			fprintf(stderr, "mdescan: %s\n", err);
			status = 2;
		}
	}
	r.fmt->summary(stdout, &r.oo, &s, status);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = status ? status : 2;
	scanrec_end(r.rec, &s, rc != MDE_OK);
	mdelog_scan_end(&s, status);
	mdelog_close();
	mde_engine_free(e);
	mde_defs_free(defs);
	free(o.dbs);
	free(o.excl);
	free(o.allow);
	free(o.root);
	mdecfg_free(cfg);
	return status;
}
