/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan_opts.c - the options of a scan, one table of them.
 *
 * A row says everything about one setting: its long and short option, the
 * argument and help line of --help, where in struct opts it goes and how
 * its text becomes a value, the mdescan.conf key that sets it too, and
 * the engine option it is.  From the table come the getopt_long() array,
 * the short-option string, --help, the defaults (the engine's
 * mde_opt_default() for the engine's options, the configuration table's
 * for the tool's own), mdescan.conf's part and the engine's options.
 * Adding an option is adding a row (and its .It in mdescan.1: t-man.sh
 * compares them).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clamdbs.h"
#include "defstore.h"
#include "mdecfg.h"
#include "paths.h"
#include "scan_opts.h"
#include "scanrec.h"
#include "util.h"
#include "vault.h"
#include "banned.h"

/* How a row's text becomes its value. */
enum opt_kind {
	OPT_FLAG, /* no argument: the int is set to 1 (mdescan.conf: yes/no) */
	OPT_NUM,  /* a decimal number >= 0: int64_t */
	OPT_SIZE, /* bytes, with an optional K, M or G: int64_t */
	OPT_WORD, /* one of the words of its key: int64_t, the word's index */
	OPT_STR,  /* the text itself: const char * */
	OPT_FN    /* fn parses and stores it */
};

struct opt {
	const char *name;  /* the long option; NULL: mdescan.conf only */
	int letter;        /* the short option, 0 for none */
	const char *arg;   /* the argument's name in --help, NULL: none */
	const char *help;  /* --help: "\n" goes on under it, %D the default */
	enum opt_kind kind;
	size_t off;        /* where in struct opts */
	const char *key;   /* the mdescan.conf key that sets it too */
	const char *what;  /* OPT_WORD: what a value is ("policy") */
	mde_opt eopt;      /* the engine's option it is, 0: none */
	int64_t scale;     /* the engine's value: value * scale (0: 1) */
	/* OPT_FN: parses arg (NULL: mdescan.conf's yes) into o */
	void (*fn)(struct opts *o, const struct opt *r, const char *arg);
};

static void usage(FILE *fp);

/* ------------------------------------------------------------ values */

/* The value set_value() parses, for bad_value() to repeat. */
static const char *cur_value;

/* Where the usage is, after a short error: a bad option's answer. */
static void see_help(void)
{
	fputs("See 'mdescan --help' for the usage.\n", stderr);
	exit(2);
}

/* A bad option value: the reason and the value, one line, exit 2. */
static void bad_value(const char *what, const struct opt *r)
{
	tool_warn("invalid %s for --%s: '%s'", what, r->name,
		  cur_value ? cur_value : "");
	see_help();
}

/*
 * A decimal number >= 0; with sizes, an optional K, M or G multiplies
 * it.  Numbers fit 32 bits, sizes 2^62.
 */
static int64_t parse_num(const char *s, const struct opt *r, int sizes)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		bad_value("number", r);
	if (sizes && *end) {
		int sh = *end == 'K' || *end == 'k' ? 10
			 : *end == 'M' || *end == 'm' ? 20
			 : *end == 'G' || *end == 'g' ? 30 : -1;

		if (sh < 0 || end[1] || v > (INT64_MAX >> sh))
			bad_value("size", r);
		v <<= sh;
		end++;
	}
	if (*end || v > INT32_MAX * (sizes ? (int64_t)1 << 31 : 1))
		bad_value("number", r);
	return v;
}

/* The index of s among the words of r's configuration key. */
static int64_t parse_word(const char *s, const struct opt *r)
{
	const struct mdecfg_key *k = mdecfg_find_key(r->key, strlen(r->key));
	char what[128];
	size_t i, n;

	for (i = 0; k->words[i]; i++)
		if (!strcmp(s, k->words[i]))
			return (int64_t)i;
	n = (size_t)snprintf(what, sizeof(what), "%s (", r->what);
	for (i = 0; k->words[i] && n < sizeof(what); i++)
		n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s",
				      i ? ", " : "", k->words[i]);
	if (n < sizeof(what))
		snprintf(what + n, sizeof(what) - n, ")");
	bad_value(what, r);
	return -1;
}

static int64_t *num_at(struct opts *o, const struct opt *r)
{
	return (int64_t *)((char *)o + r->off);
}

/* Parses s as r says and stores it. */
static void set_value(struct opts *o, const struct opt *r, const char *s)
{
	cur_value = s;
	switch (r->kind) {
	case OPT_FLAG: *(int *)((char *)o + r->off) = 1; break;
	case OPT_NUM: *num_at(o, r) = parse_num(s, r, 0); break;
	case OPT_SIZE: *num_at(o, r) = parse_num(s, r, 1); break;
	case OPT_WORD: *num_at(o, r) = parse_word(s, r); break;
	case OPT_STR: *(const char **)((char *)o + r->off) = s; break;
	case OPT_FN: r->fn(o, r, s); break;
	}
}

/* -------------------------------------------- the special ones (OPT_FN) */

static void *grow(void *v, size_t n, size_t size)
{
	void *p = realloc(v, (n + 1) * size);

	if (!p)
		tool_die("out of memory");
	return p;
}

static void add_db(struct opts *o, const struct opt *r, const char *s)
{
	o->dbs = grow(o->dbs, o->ndbs, sizeof(*o->dbs));
	o->dbs[o->ndbs++] = s;
}

static void add_allow(struct opts *o, const struct opt *r, const char *s)
{
	o->allow = grow(o->allow, o->nallow, sizeof(*o->allow));
	o->allow[o->nallow++] = s;
}

static void add_excl(struct opts *o, mde_excl_kind k, const char *p)
{
	o->excl = grow(o->excl, o->nexcl, sizeof(*o->excl));
	o->excl[o->nexcl].kind = k;
	o->excl[o->nexcl++].pattern = p;
}

static void excl_path(struct opts *o, const struct opt *r, const char *s)
{
	add_excl(o, MDE_EXCL_PATH, s);
}

static void excl_dir(struct opts *o, const struct opt *r, const char *s)
{
	add_excl(o, MDE_EXCL_DIR, s);
}

static void excl_ext(struct opts *o, const struct opt *r, const char *s)
{
	add_excl(o, MDE_EXCL_EXT, s);
}

static void set_threads(struct opts *o, const struct opt *r, const char *s)
{
	o->threads = parse_num(s, r, 0);
	if (o->threads < 1 || o->threads > 1024)
		bad_value("number (1..1024)", r);
}

/* "zip,gzip,tar" -> MDE_ARC_* bits; an unknown name is an error. */
static void set_types(struct opts *o, const struct opt *r, const char *s)
{
	int64_t bits = 0;
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, ",");
		char name[16];
		int64_t b = 0;

		if (n && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			b = mde_archive_type(name);
		}
		if (!b)
			bad_value("container type list", r);
		bits |= b;
		p += n;
		if (*p == ',')
			p++;
	}
	o->arc_types = bits;
}

static void no_archive(struct opts *o, const struct opt *r, const char *s)
{
	o->arc_types = 0;
}

static void no_cage(struct opts *o, const struct opt *r, const char *s)
{
	o->cage = 0;
}

static void no_syslog(struct opts *o, const struct opt *r, const char *s)
{
	o->log_level = -1;
}

static void set_root(struct opts *o, const struct opt *r, const char *s)
{
	free(o->root);
	o->root = realpath(s, NULL);
	if (!o->root)
		tool_die("--root '%s': %s", s, strerror(errno));
}

static void set_newer(struct opts *o, const struct opt *r, const char *s)
{
	int64_t d = parse_num(s, r, 0);

	if (d > 365000)
		bad_value("number of days (0..365000)", r);
	o->newer_than = (int64_t)time(NULL) - d * 86400;
}

/*
 * --changed-since: "@EPOCH", or "YYYY-MM-DD" with an optional "THH:MM"
 * or "THH:MM:SS" (a space instead of T too), local time unless it ends
 * in "Z" (UTC), as find(1) -newermt reads local time.
 */
static void set_since(struct opts *o, const struct opt *r, const char *s)
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
		int64_t v = parse_num(s + 1, r, 0);

		o->newer_than = v ? v : 1;
		return;
	}
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]) && !end; i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, forms[i], &tm);
		if (end && *end && strcmp(end, "Z") != 0)
			end = NULL;
	}
	if (!end)
		bad_value("time (YYYY-MM-DD[THH:MM[:SS]][Z] or @EPOCH)", r);
	tm.tm_isdst = -1;
	t = *end == 'Z' ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1 || t <= 0)
		bad_value("time after 1970", r);
	o->newer_than = (int64_t)t;
}

/*
 * --shard K/N, 1 <= K <= N <= 65536, or --shard auto: K/N from the
 * environment of the job running the scan (shard.c).
 */
static void set_shard(struct opts *o, const struct opt *r, const char *s)
{
	char err[400];

	if (strcmp(s, "auto") == 0) {
		if (shard_from_env(&o->shard, err, sizeof(err)) < 0)
			tool_die("--shard auto: %s", err);
		return;
	}
	switch (shard_parse(s, &o->shard.k, &o->shard.n)) {
	case SHARD_SYNTAX:
		bad_value("K/N (as 2/8) or auto", r);
		break;
	case SHARD_RANGE:
		bad_value("K/N with 1 <= K <= N <= 65536", r);
		break;
	}
	o->shard.from = "option";
}

/* --ecs FILE and the other outputs, named as their format (out.h) */
static void set_output(struct opts *o, const struct opt *r, const char *s)
{
	if (evidence_add_output(&o->ev, r->name, s) < 0)
		tool_die("--%s: no such output", r->name);
}

/* --config is read first, by apply_config() */
static void no_op(struct opts *o, const struct opt *r, const char *s)
{
}

static void show_help(struct opts *o, const struct opt *r, const char *s)
{
	usage(stdout);
	exit(0);
}

/* -V: the tool, the engine, the libraries and the active definitions. */
static void show_version(struct opts *o, const struct opt *r, const char *s)
{
	struct defstore_status st;
	char cage[256];
	char err[1024];

	printf("mdescan %s (engine %s)\n%s", PACKAGE_VERSION,
	       MDE_ENGINE_VERSION, mde_library_versions());
	if (mde_cage_probe(cage, sizeof(cage)))
		printf("parser cage %s: %s\n", o->cage ? "on" : "off (--no-cage)",
		       cage);
	else
		printf("parser cage UNAVAILABLE: %s\n", cage);
	defstore_status(o->store, &st);
	if (st.cur.have) {
		printf("definitions %llu (%s)\n",
		       (unsigned long long)st.cur.bi.version, st.cur.path);
		if (clamdbs_text(stdout, st.cur.path, "ClamAV database ", err,
				 sizeof(err)))
			tool_warn("%s", err);
	} else
		printf("definitions built-in (none installed in %s)\n",
		       o->store);
	exit(0);
}

/* ------------------------------------------------------------ the table */

#define AT(field) offsetof(struct opts, field)

/* In the order of --help. */
static const struct opt opts_table[] = {
	{ .name = "allow", .arg = "NAME|SHA256", .kind = OPT_FN,
	  .key = "allowed_threat", .fn = add_allow,
	  .help = "report this threat as allowed, not as a threat" },
	{ .name = "action", .arg = "report|quarantine|remove", .kind = OPT_WORD,
	  .off = AT(action), .key = "action", .what = "action",
	  .help = "what to do with an infected file\n(default report)" },
	{ .name = "archive-bomb", .arg = "off|audit|block", .kind = OPT_WORD,
	  .off = AT(bomb), .key = "archive_bomb", .what = "policy",
	  .eopt = MDE_OPT_BOMB_POLICY,
	  .help = "what an archive bomb is (default audit)" },
	{ .name = "archive-types", .arg = "LIST", .kind = OPT_FN,
	  .off = AT(arc_types), .key = "archive_types",
	  .eopt = MDE_OPT_ARCHIVE_TYPES, .fn = set_types,
	  .help = "containers to open: tar,cpio,ar,rpm,7z,rar,cab,iso,\n"
		  "xar,lha,zip,gzip,bzip2,xz,lzma,zstd,lz4,compress,mail,upx,\n"
		  "ole2,rtf,pdf,html,onenote,tnef,binhex,chm,szdd,kwaj,arj,\n"
		  "pe,nsis" },
	{ .name = "bodyfile", .arg = "FILE", .kind = OPT_FN,
	  .fn = set_output,
	  .help = "write a Sleuth Kit bodyfile of every file scanned" },
	{ .name = "bomb-min-size", .arg = "SIZE", .kind = OPT_SIZE,
	  .off = AT(bomb_min), .key = "bomb_min_size",
	  .eopt = MDE_OPT_BOMB_MIN_SIZE,
	  .help = "judge the ratio from this many bytes (default %D)" },
	{ .name = "cage", .kind = OPT_FLAG, .off = AT(cage), .key = "cage",
	  .help = "parse files in confined worker processes (the\n"
		  "parser cage; the default)" },
	{ .name = "cage-memory", .arg = "SIZE", .kind = OPT_SIZE,
	  .off = AT(cage_mem), .key = "cage_memory",
	  .eopt = MDE_OPT_CAGE_MEMORY,
	  .help = "address space a parser worker may add (default\n"
		  "%D, 0 = no limit)" },
	{ .name = "changed-since", .arg = "TIME", .kind = OPT_FN,
	  .fn = set_since,
	  .help = "scan only files modified or changed since TIME\n"
		  "(YYYY-MM-DD[THH:MM[:SS]][Z] or @EPOCH)" },
	{ .name = "clamav-certs", .arg = "PATH", .kind = OPT_STR,
	  .off = AT(clamav_certs), .key = "clamav_certs",
	  .help = "CA certificates a .cvd's detached .sign is checked\n"
		  "against: a directory or a file (default %D)" },
	{ .name = "clamav-db-max-file-size", .arg = "SIZE", .kind = OPT_SIZE,
	  .off = AT(db_file), .key = "clamav_db_max_file_size",
	  .help = "refuse a ClamAV database (.cvd .cld .cud)\n"
		  "holding a larger file (default %D, 0 = no limit)" },
	{ .name = "clamav-db-max-files", .arg = "N", .kind = OPT_NUM,
	  .off = AT(db_files), .key = "clamav_db_max_files",
	  .help = "refuse a ClamAV database holding more files\n"
		  "(default %D, 0 = no limit)" },
	{ .name = "clamav-db-max-size", .arg = "SIZE", .kind = OPT_SIZE,
	  .off = AT(db_total), .key = "clamav_db_max_size",
	  .help = "refuse a ClamAV database unpacking to more bytes\n"
		  "(default %D, 0 = no limit)" },
	{ .name = "config", .arg = "FILE", .kind = OPT_FN, .fn = no_op,
	  .help = "configuration (default " MDECFG_DEFAULT_PATH ")" },
	{ .name = "cache-dir", .arg = "DIR", .kind = OPT_STR,
	  .off = AT(cache_dir), .key = "cache_dir",
	  .help = "scan cache location (default " MDE_CACHE_DIR " as root)" },
	{ .name = "csv", .arg = "FILE", .kind = OPT_FN, .fn = set_output,
	  .help = "write findings as CSV (RFC 4180)" },
	{ .name = "database", .letter = 'd', .arg = "PATH", .kind = OPT_FN,
	  .fn = add_db,
	  .help = "definitions file or directory (repeatable; replaces "
		  "built-ins)" },
	{ .name = "ecs", .arg = "FILE", .kind = OPT_FN, .fn = set_output,
	  .help = "append findings and the summary as ECS JSON Lines" },
	{ .name = "exclude", .arg = "PATTERN", .kind = OPT_FN,
	  .key = "exclude_path", .fn = excl_path,
	  .help = "exclude paths (* one level, trailing * anything, "
		  "? one char)" },
	{ .name = "exclude-dir", .arg = "PATTERN", .kind = OPT_FN,
	  .key = "exclude_dir", .fn = excl_dir,
	  .help = "exclude a directory and all below it" },
	{ .name = "exclude-ext", .arg = "EXT", .kind = OPT_FN,
	  .key = "exclude_ext", .fn = excl_ext,
	  .help = "exclude a file extension" },
	{ .name = "files-from", .arg = "FILE", .kind = OPT_STR,
	  .off = AT(files_from),
	  .help = "read paths to scan from FILE (- for stdin)" },
	{ .name = "follow-symlinks", .kind = OPT_FLAG, .off = AT(follow),
	  .help = "follow symbolic links while walking" },
	{ .name = "forensic", .kind = OPT_FLAG, .off = AT(forensic),
	  .help = "read-only: no action, no cache, file hashes, no link\n"
		  "followed (but inside --root)" },
	{ .name = "full", .kind = OPT_FLAG, .off = AT(full),
	  .help = "scan / (skips /proc, /sys, /dev, network and FUSE)" },
	{ .name = "hashdeep", .arg = "FILE", .kind = OPT_FN,
	  .fn = set_output,
	  .help = "write a hashdeep manifest of every file scanned" },
	{ .name = "help", .letter = 'h', .kind = OPT_FN, .fn = show_help,
	  .help = "show this help" },
	{ .name = "history-db", .arg = "PATH", .kind = OPT_STR,
	  .off = AT(history_db), .key = "history_db",
	  .help = "scan and threat history (default " MDE_STATE_DIR
		  "/history.db)" },
	{ .name = "infected", .letter = 'i', .kind = OPT_FLAG,
	  .off = AT(infected),
	  .help = "print only findings" },
	{ .name = "threads", .letter = 'j', .arg = "N", .kind = OPT_FN,
	  .off = AT(threads), .key = "threads", .eopt = MDE_OPT_THREADS,
	  .fn = set_threads,
	  .help = "worker threads (default: online CPUs)" },
	{ .name = "json", .kind = OPT_FLAG, .off = AT(json),
	  .help = "JSON Lines on stdout" },
	{ .name = "keys", .arg = "PATH", .kind = OPT_STR, .off = AT(keys),
	  .key = "keys",
	  .help = "trusted bundle keys: a .pub file or a directory\n"
		  "(default " DEFSTORE_KEYS ")" },
	{ .name = "lock", .arg = "FILE", .kind = OPT_STR, .off = AT(lock),
	  .key = "lock_file",
	  .help = "hold FILE locked while scanning; another scan with "
		  "it fails" },
	{ .name = "log-level", .arg = "LEVEL", .kind = OPT_WORD,
	  .off = AT(log_level), .key = "log_level", .what = "level",
	  .help = "syslog: error, warning, info (default) or debug" },
	{ .name = "log-target", .arg = "auto|journald|syslog", .kind = OPT_WORD,
	  .off = AT(log_target), .key = "log_target", .what = "target",
	  .help = "where messages go (default auto)" },
	{ .name = "max-depth", .arg = "N", .kind = OPT_NUM,
	  .off = AT(max_depth), .key = "max_depth", .eopt = MDE_OPT_MAX_DEPTH,
	  .help = "directory depth limit (default %D)" },
	{ .name = "max-filesize", .arg = "SIZE", .kind = OPT_SIZE,
	  .off = AT(max_filesize), .key = "max_filesize",
	  .eopt = MDE_OPT_MAX_FILESIZE,
	  .help = "skip larger files; K/M/G, 0 = no limit (default %D)" },
	{ .name = "max-files", .arg = "N", .kind = OPT_NUM,
	  .off = AT(max_files), .key = "max_files", .eopt = MDE_OPT_MAX_FILES,
	  .help = "members per container (default %D, 0 = no limit)" },
	{ .name = "max-member-size", .arg = "SIZE", .kind = OPT_SIZE,
	  .off = AT(max_member), .key = "max_member_size",
	  .eopt = MDE_OPT_MAX_MEMBER_SIZE,
	  .help = "skip larger members (default %D, 0 = no limit)" },
	{ .name = "max-ratio", .arg = "N", .kind = OPT_NUM,
	  .off = AT(max_ratio), .key = "max_ratio", .eopt = MDE_OPT_MAX_RATIO,
	  .help = "unpacked/packed ratio of a bomb (default %D, 0 = off)" },
	{ .name = "max-recursion", .arg = "N", .kind = OPT_NUM,
	  .off = AT(max_recursion), .key = "max_recursion",
	  .eopt = MDE_OPT_MAX_RECURSION,
	  .help = "containers within containers (default %D)" },
	{ .name = "max-scansize", .arg = "SIZE", .kind = OPT_SIZE,
	  .off = AT(max_scansize), .key = "max_scansize",
	  .eopt = MDE_OPT_MAX_SCANSIZE,
	  .help = "bytes unpacked per file (default %D, 0 = no limit)" },
	{ .name = "min-score", .arg = "N", .kind = OPT_NUM,
	  .off = AT(ev.min_score), .key = "min_score",
	  .help = "report only files whose total score is at least N" },
	{ .name = "newer-than", .arg = "DAYS", .kind = OPT_FN, .fn = set_newer,
	  .help = "scan only files modified or changed in the last DAYS" },
	{ .name = "nice", .kind = OPT_FLAG, .off = AT(nice), .key = "nice",
	  .help = "lowest CPU priority, idle I/O class" },
	{ .name = "no-archive", .kind = OPT_FN, .key = "no_archive",
	  .fn = no_archive,
	  .help = "do not open archives, compressed files, mail or UPX" },
	{ .name = "no-cache", .kind = OPT_FLAG, .off = AT(no_cache),
	  .key = "no_cache",
	  .help = "neither read nor update the scan cache" },
	{ .name = "no-cage", .kind = OPT_FN, .fn = no_cage,
	  .help = "parse files in the scanning threads, unconfined\n"
		  "(for debugging; cage = no)" },
	{ .name = "no-history", .kind = OPT_FLAG, .off = AT(no_history),
	  .help = "do not record the scan in the history" },
	{ .name = "no-prefilter", .kind = OPT_FLAG, .off = AT(no_prefilter),
	  .help = "run YARA on every file, even without a rule literal in it" },
	{ .name = "no-preselect", .kind = OPT_FLAG, .off = AT(no_preselect),
	  .help = "scan every file with every YARA rule" },
	{ .name = "no-summary", .kind = OPT_FLAG, .off = AT(no_summary),
	  .help = "no summary on stderr" },
	{ .name = "no-syslog", .kind = OPT_FN, .fn = no_syslog,
	  .help = "do not log to syslog" },
	{ .name = "null", .kind = OPT_FLAG, .off = AT(null),
	  .help = "--files-from entries end with NUL" },
	{ .name = "one-file-system", .kind = OPT_FLAG, .off = AT(one_fs),
	  .help = "stay on each start path's filesystem" },
	{ .name = "pua", .arg = "off|audit|block", .kind = OPT_WORD,
	  .off = AT(pua), .key = "pua", .what = "policy",
	  .eopt = MDE_OPT_PUA_POLICY,
	  .help = "potentially unwanted applications (default audit)" },
	{ .name = "quarantine-dir", .arg = "DIR", .kind = OPT_STR,
	  .off = AT(qdir), .key = "quarantine_dir",
	  .help = "the vault (default " VAULT_DEFAULT_DIR ")" },
	{ .name = "quick", .kind = OPT_FLAG, .off = AT(quick),
	  .help = "scan persistence and execution locations" },
	{ .name = "root", .arg = "DIR", .kind = OPT_FN, .fn = set_root,
	  .help = "PATHs are inside DIR (a mounted image); links "
		  "resolve in it" },
	{ .name = "scan-all-fs", .kind = OPT_FLAG, .off = AT(all_fs),
	  .help = "with --full, scan pseudo, network and FUSE "
		  "filesystems too" },
	{ .name = "shard", .arg = "K/N|auto", .kind = OPT_FN, .fn = set_shard,
	  .help = "scan only the K-th of N disjoint parts of the files;\n"
		  "auto: K/N from MDESCAN_SHARD, a Kubernetes\n"
		  "Indexed Job or a Slurm job array" },
	{ .name = "store", .arg = "DIR", .kind = OPT_STR, .off = AT(store),
	  .key = "store",
	  .help = "installed definitions (default " DEFSTORE_DIR ")" },
	{ .name = "timeout", .arg = "SECONDS", .kind = OPT_NUM,
	  .off = AT(timeout), .key = "timeout", .eopt = MDE_OPT_TIMEOUT_MS,
	  .scale = 1000,
	  .help = "per-file scan time limit (default %D)" },
	{ .name = "unofficial-names", .kind = OPT_FLAG, .off = AT(unofficial),
	  .help = "name detections from unofficial ClamAV\n"
		  "databases NAME.UNOFFICIAL, as clamscan does" },
	{ .name = "version", .letter = 'V', .kind = OPT_FN, .fn = show_version,
	  .help = "show versions" },
	{ .name = "allmatch", .letter = 'z', .kind = OPT_FLAG,
	  .off = AT(allmatch),
	  .help = "report every match of a file, not just the first" },
	/* mdescan.conf only */
	{ .kind = OPT_NUM, .off = AT(ev.alert), .key = "score_alert" },
	{ .kind = OPT_NUM, .off = AT(ev.warning), .key = "score_warning" },
	{ .kind = OPT_NUM, .off = AT(ev.notice), .key = "score_notice" },
	{ .kind = OPT_NUM, .off = AT(retention), .key = "retention_days" },
};

#define NOPTS (sizeof(opts_table) / sizeof(opts_table[0]))

/* ------------------------------------------------------------ --help */

/* A size as its largest exact unit: 100M, 16M, 1000. */
static void format_size(char *buf, size_t n, int64_t v)
{
	static const char units[] = "KMG";
	int i = -1;

	while (i < 2 && v && v % 1024 == 0) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, n, "%lld", (long long)v);
	else
		snprintf(buf, n, "%lld%c", (long long)v, units[i]);
}

/* r's help text, %D its built-in default, "\n" going on under it. */
static void help_text(FILE *fp, const struct opt *r)
{
	const char *p = r->help;
	char def[32];

	if (!r->eopt && r->key) /* not the engine's: the configuration's */
		snprintf(def, sizeof(def), "%s",
			 mdecfg_find_key(r->key, strlen(r->key))->def);
	else if (r->kind == OPT_SIZE)
		format_size(def, sizeof(def), mde_opt_default(r->eopt));
	else
		snprintf(def, sizeof(def), "%lld",
			 (long long)(mde_opt_default(r->eopt) /
				     (r->scale ? r->scale : 1)));
	for (; *p; p++) {
		if (p[0] == '%' && p[1] == 'D' && (r->eopt || r->key)) {
			fputs(def, fp);
			p++;
		} else if (*p == '\n') {
			fprintf(fp, "\n%26s", "");
		} else {
			putc(*p, fp);
		}
	}
	putc('\n', fp);
}

/* One line per option, the help from the 27th column (26 + 1). */
static void usage(FILE *fp)
{
	const struct opt *r;
	int n;

	fputs("usage: mdescan [options] PATH...\n"
	      "       mdescan [options] --files-from FILE [--null]\n"
	      "       mdescan [options] --quick | --full\n"
	      "       mdescan definitions update|rollback|status [options]\n"
	      "       mdescan scan list | threat list|get|quarantine|allowed "
	      "... | exclusion ...\n"
	      "       mdescan health [options]\n"
	      "       mdescan diagnostic create [options]\n"
	      "\n", fp);
	for (r = opts_table; r < opts_table + NOPTS; r++) {
		if (!r->name)
			continue;
		if (r->letter)
			n = fprintf(fp, "  -%c, --%s", r->letter, r->name);
		else
			n = fprintf(fp, "      --%s", r->name);
		if (r->arg)
			n += fprintf(fp, " %s", r->arg);
		fprintf(fp, "%*s", n < 26 ? 26 - n : 2, "");
		help_text(fp, r);
	}
	fputs("\n"
	      "Definitions (-d): ClamAV .hdb .hsb .hdu .hsu .ndb .ndu .ldb "
	      ".ldu .mdb .msb .mdu\n"
	      ".msu .imp .fp .sfp .ign .ign2 (functionality level 216); "
	      "read and counted as\n"
	      "unsupported: .cbc .idb .crb .cat .pdb .gdb .wdb .cdb .ftm "
	      ".cfg; YARA .yar .yara\n"
	      ".yarc; hash lists .md5 .sha1 .sha256 .txt; Loki IOC files; "
	      "signed bundles .mdb.\n"
	      "\nExit status: 0 clean, 1 threats found, 2 errors.\n", fp);
}

/* ------------------------------------------------------------ defaults */

/*
 * The engine's defaults for its own options; the configuration table's
 * (mdescan.conf(5) DEFAULTS) for the tool's numbers and words.
 */
static void set_defaults(struct opts *o)
{
	const struct opt *r;

	for (r = opts_table; r < opts_table + NOPTS; r++) {
		if (r->eopt)
			*num_at(o, r) = mde_opt_default(r->eopt) /
					(r->scale ? r->scale : 1);
		else if (r->key && (r->kind == OPT_NUM || r->kind == OPT_SIZE ||
				    r->kind == OPT_WORD))
			set_value(o, r, mdecfg_find_key(r->key,
							strlen(r->key))->def);
		else if (r->key && r->kind == OPT_FLAG) /* cage = yes */
			*(int *)((char *)o + r->off) =
				!strcmp(mdecfg_find_key(r->key, strlen(r->key))
						->def, "yes");
	}
	o->keys = DEFSTORE_KEYS;
	o->store = DEFSTORE_DIR;
	o->clamav_certs = MDE_CLAMAV_CERTS_DEFAULT;
	o->qdir = VAULT_DEFAULT_DIR;
}

/* ------------------------------------------------------- mdescan.conf */

struct cfg_row {
	struct opts *o;
	const struct opt *r;
};

/* A value of the configuration, checked when it was loaded. */
static int cfg_value(void *ctx, const struct mdecfg_val *v)
{
	struct cfg_row *c = ctx;
	const struct opt *r = c->r;

	switch (r->kind) {
	case OPT_FLAG: *(int *)((char *)c->o + r->off) = (int)v->num; break;
	case OPT_NUM:
	case OPT_SIZE:
	case OPT_WORD: *num_at(c->o, r) = v->num; break;
	case OPT_STR: *(const char **)((char *)c->o + r->off) = v->value; break;
	case OPT_FN:
		if (v->key->type != MDECFG_BOOL)
			r->fn(c->o, r, v->value);
		else if (v->num) /* a switch: only yes does something */
			r->fn(c->o, r, NULL);
		break;
	}
	return 0;
}

/*
 * Loads mdescan.conf (a missing default file is an empty one) as the
 * defaults the command line overrides.  A bad line is fatal: never a scan
 * with half a configuration.
 */
static void apply_config(int argc, char **argv, struct opts *o)
{
	const char *path = mdecfg_path_from_args(argc, argv);
	struct cfg_row c = { o, NULL };
	char err[1024];

	o->cfg = mdecfg_load(path ? path : mdecfg_default_path(), !path, err,
			     sizeof(err));
	if (!o->cfg)
		tool_die("configuration: %s", err);
	for (c.r = opts_table; c.r < opts_table + NOPTS; c.r++)
		if (c.r->key)
			mdecfg_each(o->cfg, c.r->key, cfg_value, &c);
}

/* ------------------------------------------------------ consistency */

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
static void check_writes(const struct opts *o, int argc, char **argv,
			 int first)
{
	const char *outs[EV_MAX_OUTPUTS + 2];
	size_t i, n = 0;
	int a;

	for (i = 0; i < o->ev.nout; i++)
		outs[n++] = o->ev.out[i].path;
	outs[n++] = o->lock;
	outs[n++] = o->no_history ? NULL : o->history_db;
	for (i = 0; i < n; i++) {
		if (!outs[i])
			continue;
		if (o->root && lies_under(outs[i], o->root))
			tool_die("--forensic: '%s' is inside --root %s: "
				 "nothing is written into the evidence",
				 outs[i], o->root);
		for (a = first; !o->root && a < argc; a++) {
			char *top = realpath(argv[a], NULL);
			int in = top && lies_under(outs[i], top);

			free(top);
			if (in)
				tool_die("--forensic: '%s' is inside the "
					 "scanned %s: nothing is written into "
					 "the evidence", outs[i], argv[a]);
		}
	}
}

/* What the options say together; first is the first PATH. */
static void check(struct opts *o, int argc, char **argv, int first)
{
	if (o->quick + o->full > 1)
		tool_die("--quick and --full exclude each other");
	/* evidence is read, never changed: no action, no cache entry, and
	 * no symbolic link followed out of it */
	if (o->forensic && o->action != SCAN_ACT_REPORT)
		tool_die("--action is refused with --forensic: evidence is "
			 "never changed");
	if (o->forensic && o->follow && !o->root)
		tool_die("--follow-symlinks is refused with --forensic unless "
			 "--root is given: a link could lead out of the "
			 "evidence");
	if (o->forensic)
		o->no_cache = 1;
	if (o->forensic)
		check_writes(o, argc, argv, first);
	if (o->root && o->quick)
		tool_die("--quick scans this machine's own locations; with "
			 "--root name the paths inside the image");
	if (o->ev.notice > o->ev.warning || o->ev.warning > o->ev.alert)
		tool_die("score levels must rise: score_notice (%lld) <= "
			 "score_warning (%lld) <= score_alert (%lld)",
			 (long long)o->ev.notice, (long long)o->ev.warning,
			 (long long)o->ev.alert);
	if (first == argc && !o->files_from && !o->quick && !o->full &&
	    !o->root) {
		usage(stderr);
		exit(2);
	}
}

/* ------------------------------------------------------ command line */

/* getopt_long()'s options: a row's val is 256 + its index in the table. */
static void getopt_arrays(struct option *lo, char *shorts)
{
	const struct opt *r;
	size_t n = 0;

	for (r = opts_table; r < opts_table + NOPTS; r++) {
		if (!r->name)
			continue;
		lo->name = r->name;
		lo->has_arg = r->arg ? required_argument : no_argument;
		lo->flag = NULL;
		lo++->val = 256 + (int)(r - opts_table);
		if (r->letter) {
			shorts[n++] = (char)r->letter;
			if (r->arg)
				shorts[n++] = ':';
		}
	}
	memset(lo, 0, sizeof(*lo));
	shorts[n] = '\0';
}

static const struct opt *row_of(int c)
{
	const struct opt *r;

	if (c >= 256 && c < 256 + (int)NOPTS)
		return &opts_table[c - 256];
	for (r = opts_table; r < opts_table + NOPTS; r++)
		if (r->letter && r->letter == c)
			return r;
	return NULL;
}

void opts_parse(int argc, char **argv, struct opts *o, int *first)
{
	struct option lo[NOPTS + 1];
	char shorts[2 * NOPTS + 1];
	const struct opt *r;
	int c;

	memset(o, 0, sizeof(*o));
	set_defaults(o);
	apply_config(argc, argv, o);
	getopt_arrays(lo, shorts);
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (!(r = row_of(c)))
			see_help(); /* getopt named the option */
		set_value(o, r, optarg);
	}
	*first = optind;
	check(o, argc, argv, optind);
}

void opts_configure(mde_engine *e, const struct opts *o)
{
	const struct opt *r;

	for (r = opts_table; r < opts_table + NOPTS; r++)
		if (r->eopt)
			mde_engine_set_opt(e, r->eopt,
					   *(const int64_t *)((const char *)o +
							      r->off) *
						   (r->scale ? r->scale : 1));
}

void opts_free(struct opts *o)
{
	free(o->dbs);
	free(o->excl);
	free(o->allow);
	free(o->root);
	mdecfg_free(o->cfg);
}
