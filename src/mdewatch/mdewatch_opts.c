/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_opts.c - mdewatch(8)'s options: one table, from which come
 * getopt_long(3)'s array and short string, the --help text and what each
 * option sets; mdescan.conf(5)'s settings for the watcher come first, as
 * defaults the command line overrides.  Whatever is wrong stops the
 * daemon here (exit 2), before it marks anything.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "defstore.h"
#include "mdecfg.h"
#include "mdewatch_int.h"
#include "util.h"
#include "banned.h"

struct opt;
typedef void (*opt_fn)(struct wopts *o, const struct opt *t,
		       const char *arg);

/* One option: its names, its line in --help and what it sets. */
struct opt {
	const char *name;   /* --name */
	int letter;         /* -x, or 0 */
	const char *arg;    /* its argument in --help; NULL: it takes none */
	const char *help;   /* --help text; '\n' begins an indented line */
	opt_fn set;          /* what the option does with its value */
	size_t off;         /* the field of struct wopts set_* writes */
	int64_t lo, hi;     /* numbers: the range; set_cmd: the CMD_* in lo;
			     * set_exclude: the mde_excl_kind in lo */
	const char *const *words; /* set_word: the values, in order */
};

/* --help: the text of an option begins at HELP_COL, or 4 columns
 * further on while its name is in the way. */
#define HELP_COL 26

static const char usage_head[] =
	"usage: mdewatch [options] --path PATH ...\n"
	"       mdewatch --stats [--stats-file FILE] [--top N] "
	"[--sort KEY] [--json]\n"
	"       mdewatch --status [--pidfile FILE] [--stats-file FILE] "
	"[--json]\n"
	"\n";
static const char usage_tail[] =
	"\n"
	"Signals: SIGHUP reloads the definitions, SIGUSR1 writes the "
	"statistics,\n"
	"SIGTERM and SIGINT stop.  Exit status: 0 stopped cleanly, 2 "
	"usage or start-up\n"
	"error; --status: 0 running, 1 stale pidfile, 3 not running.\n";

static void usage(FILE *fp);

/* A bad option value: the reason, then the usage, exit 2. */
static void bad_value(const char *what, const char *opt, const char *arg)
	__attribute__((noreturn));

static void bad_value(const char *what, const char *opt, const char *arg)
{
	tool_warn("invalid %s for %s: '%s'", what, opt, arg);
	usage(stderr);
	exit(2);
}

/* The value of option t: a number in [t->lo, t->hi]; with suffixes, K,
 * M or G multiply it. */
static int64_t parse_num(const char *s, const struct opt *t, int suffixes)
{
	char *end;
	long long v;
	char what[80], opt[64];

	snprintf(what, sizeof(what), "%s (%lld..%lld)",
		 suffixes ? "size" : "number", (long long)t->lo,
		 (long long)t->hi);
	snprintf(opt, sizeof(opt), "--%s", t->name);
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
	if (*end || v < t->lo || v > t->hi)
		bad_value(what, opt, s);
	return v;
}

static void push(char ***arr, size_t *n, char *v)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		tool_die("out of memory");
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
		tool_die("cannot watch '%s': %s", arg, strerror(errno));
	if (stat(r, &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
		tool_die("cannot watch '%s': not a directory or regular file",
			 arg);
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
		tool_warn("warning: --exclude-process '%s': %s; matched as "
			  "given", arg, strerror(errno));
		r = strdup(arg);
		if (!r)
			tool_die("out of memory");
	}
	push(&o->excl_proc, &o->nexcl_proc, r);
}

/*
 * Would the watcher before mdescan's semantics have matched pattern
 * otherwise?  It used fnmatch(3) on the whole path: '*' and '?' crossed
 * '/', and '[' began a class.  Now only a '*' that ends the pattern
 * matches across '/' (the same as before); every other wildcard stays
 * within one component, and '[' is an ordinary character.
 */
static const char *old_meaning(const char *pattern)
{
	size_t n = strlen(pattern);
	const char *w = strpbrk(pattern, "*?");

	if (w && (w < pattern + n - 1 || *w == '?'))
		return "'*' and '?' no longer match '/'";
	if (strchr(pattern, '['))
		return "'[' is no longer special";
	return NULL;
}

/*
 * One exclusion, from where ("--exclude-path" or "FILE:LINE"): added to
 * the set matched as scans match them; a pattern the engine refuses
 * stops the daemon.  An --exclude-path or exclude_path the watcher once
 * read otherwise is warned about, once.
 */
static void add_exclusion(struct wopts *o, mde_excl_kind kind,
			  const char *pattern, const char *where)
{
	const char *why;
	int rc;

	if (!o->excl && !(o->excl = mde_exclusions_new()))
		tool_die("out of memory");
	rc = mde_exclusions_add(o->excl, kind, pattern);
	if (rc == MDE_ERR_NOMEM)
		tool_die("out of memory");
	if (rc != MDE_OK && where[0] == '-')
		bad_value(kind == MDE_EXCL_EXT ? "extension"
		  : "pattern (an absolute path)", where, pattern);
	if (rc != MDE_OK)
		tool_die("configuration: %s: invalid exclusion '%s'", where,
			 pattern);
	if (kind == MDE_EXCL_PATH && (why = old_meaning(pattern)))
		tool_warn("warning: %s '%s': %s (the semantics of "
			  "mdescan.conf(5), EXCLUSIONS, as in scans)", where,
			  pattern, why);
}

/* ------------------------------------------------------------ setters */

#define FIELD(o, t, type) ((type *)(void *)((char *)(o) + (t)->off))

static void set_str(struct wopts *o, const struct opt *t, const char *arg)
{
	*FIELD(o, t, const char *) = arg;
}

static void set_flag(struct wopts *o, const struct opt *t, const char *arg)
{
	*FIELD(o, t, int) = 1;
}

static void clear_flag(struct wopts *o, const struct opt *t, const char *arg)
{
	*FIELD(o, t, int) = 0;
}

static void set_cmd(struct wopts *o, const struct opt *t, const char *arg)
{
	o->cmd |= (int)t->lo;
}

static void set_num(struct wopts *o, const struct opt *t, const char *arg)
{
	*FIELD(o, t, int64_t) = parse_num(arg, t, 0);
}

static void set_size(struct wopts *o, const struct opt *t, const char *arg)
{
	*FIELD(o, t, int64_t) = parse_num(arg, t, 1);
}

static void set_int(struct wopts *o, const struct opt *t, const char *arg)
{
	*FIELD(o, t, int) = (int)parse_num(arg, t, 0);
}

/* One of the words t->words: its index. */
static void set_word(struct wopts *o, const struct opt *t, const char *arg)
{
	char name[64];
	int i;

	for (i = 0; t->words[i]; i++) {
		if (strcmp(arg, t->words[i]) == 0) {
			*FIELD(o, t, int) = i;
			return;
		}
	}
	snprintf(name, sizeof(name), "--%s", t->name);
	bad_value("value", name, arg);
}

static void set_database(struct wopts *o, const struct opt *t,
			 const char *arg)
{
	push(&o->dbs, &o->ndbs, (char *)arg);
}

static void set_allow_fs(struct wopts *o, const struct opt *t,
			 const char *arg)
{
	push(&o->allow_fs, &o->nallow_fs, (char *)arg);
}

static void set_exclude(struct wopts *o, const struct opt *t,
			const char *arg)
{
	char name[64];

	snprintf(name, sizeof(name), "--%s", t->name);
	add_exclusion(o, (mde_excl_kind)t->lo, arg, name);
}

static void set_exclude_process(struct wopts *o, const struct opt *t,
				const char *arg)
{
	add_exclude_process(o, arg);
}

static void set_path(struct wopts *o, const struct opt *t, const char *arg)
{
	add_path(o, arg);
}

/* --config is read before the other options (apply_config()). */
static void set_nothing(struct wopts *o, const struct opt *t,
			const char *arg)
{
}

static void show_help(struct wopts *o, const struct opt *t, const char *arg)
{
	usage(stdout);
	exit(0);
}

static void show_version(struct wopts *o, const struct opt *t,
			 const char *arg)
{
	printf("mdewatch %s (engine %s)\n%s", PACKAGE_VERSION,
	       MDE_ENGINE_VERSION, mde_library_versions());
	exit(0);
}

/* -------------------------------------------------------- the table */

static const char *const modes[] = { "audit", "block", NULL };
static const char *const gates[] = { "open", "read", NULL };
static const char *const marks[] = { "mount", "filesystem", NULL };
static const char *const levels[] = { "error", "warning", "info", "debug",
				      NULL };
static const char *const sorts[] = { "scans", "time", "denied", NULL };

#define OPT(n, l, a, h) .name = (n), .letter = (l), .arg = (a), .help = (h)
#define SET(fn, field) .set = (fn), .off = offsetof(struct wopts, field)
#define RANGE(a, b) .lo = (a), .hi = (b)

/* In the order of --help. */
static const struct opt opts[] = {
	{ OPT("allow-fs", 0, "TYPE",
	      "also watch a pseudo, network or FUSE filesystem type"),
	  .set = set_allow_fs },
	{ OPT("cage", 0, NULL,
	      "parse files in confined worker processes (the parser\n"
	      "cage, mdescan(1); the default)"),
	  SET(set_flag, cage) },
	{ OPT("clamav-certs", 0, "PATH",
	      "CA certificates of ClamAV databases' .sign files\n"
	      "(default " MDE_CLAMAV_CERTS_DEFAULT ")"),
	  SET(set_str, clamav_certs) },
	{ OPT("config", 0, "FILE",
	      "configuration (default " MDE_CONF_DIR "/mdescan.conf)"),
	  .set = set_nothing },
	{ OPT("cache-dir", 0, "DIR",
	      "scan cache (default $MDESCAN_CACHE_DIR, else " MDE_CACHE_DIR
	      ")"),
	  SET(set_str, cache_dir) },
	{ OPT("database", 'd', "PATH",
	      "definitions file or directory (repeatable; replaces\n"
	      "the installed and built-in ones; read again on SIGHUP)"),
	  .set = set_database },
	{ OPT("deadline-ms", 0, "MS",
	      "answer every open within MS (default 1000)"),
	  SET(set_num, deadline_ms), RANGE(1, 3600000) },
	{ OPT("exclude-dir", 0, "PATTERN",
	      "never scan below these directories (as mdescan)"),
	  .set = set_exclude, .lo = MDE_EXCL_DIR },
	{ OPT("exclude-ext", 0, "EXT",
	      "never scan files with this extension (as mdescan)"),
	  .set = set_exclude, .lo = MDE_EXCL_EXT },
	{ OPT("exclude-path", 0, "PATTERN",
	      "never scan these files (as mdescan: '*' within one\n"
	      "component, at the end anything; or a directory)"),
	  .set = set_exclude, .lo = MDE_EXCL_PATH },
	{ OPT("exclude-process", 0, "EXE", "never scan for this executable"),
	  .set = set_exclude_process },
	{ OPT("fail-closed", 0, NULL,
	      "deny, not allow, what cannot be judged in time"),
	  SET(set_flag, fail_closed) },
	{ OPT("gate", 0, "GATE",
	      "block mode: open (default): opens wait for the verdict;\n"
	      "read: reads wait, creating and writing files is free"),
	  SET(set_word, gate), .words = gates },
	{ OPT("help", 'h', NULL, "show this help"), .set = show_help },
	{ OPT("history-db", 0, "PATH",
	      "threat history detections go to (default as mdescan)"),
	  SET(set_str, history_db) },
	{ OPT("threads", 'j', "N", "scan workers (default 2)"),
	  SET(set_int, threads), RANGE(1, 256) },
	{ OPT("json", 0, NULL, "JSON output of --stats and --status"),
	  SET(set_flag, json) },
	{ OPT("keys", 0, "PATH",
	      "trusted bundle keys: a .pub file or a directory\n"
	      "(default " DEFSTORE_KEYS ")"),
	  SET(set_str, keys) },
	{ OPT("log-json", 0, "FILE", "also log events as JSON Lines to FILE"),
	  SET(set_str, log_json) },
	{ OPT("log-level", 0, "LEVEL",
	      "error, warning, info (default) or debug"),
	  SET(set_word, log_level), .words = levels },
	{ OPT("lru-size", 0, "N",
	      "clean verdicts kept in memory (default 65536, 0 = none)"),
	  SET(set_num, lru_size), RANGE(0, 1 << 24) },
	{ OPT("mark", 0, "KIND",
	      "mark the mount (default) or the filesystem of each PATH"),
	  SET(set_word, mark_fs), .words = marks },
	{ OPT("max-filesize", 0, "SIZE",
	      "do not scan larger files; K/M/G, 0 = no limit (default 20M)"),
	  SET(set_size, max_filesize), RANGE(0, INT64_MAX) },
	{ OPT("max-procs", 0, "N",
	      "processes kept in the statistics (default 1024)"),
	  SET(set_num, max_procs), RANGE(1, 1 << 20) },
	{ OPT("mode", 0, "MODE",
	      "block (default): deny malicious opens and execs;\n"
	      "audit: report files after they are written or run"),
	  SET(set_word, mode), .words = modes },
	{ OPT("no-cache", 0, NULL, "do not use the scan cache"),
	  SET(set_flag, no_cache) },
	{ OPT("no-cage", 0, NULL,
	      "parse files in the worker threads, unconfined (for\n"
	      "debugging; cage = no)"),
	  SET(clear_flag, cage) },
	{ OPT("no-history", 0, NULL,
	      "do not record detections in the threat history"),
	  SET(set_flag, no_history) },
	{ OPT("no-kernel-cache", 0, NULL,
	      "no ignore marks for files found clean (block mode)"),
	  SET(set_flag, no_kcache) },
	{ OPT("path", 0, "PATH", "watch the files under PATH (repeatable)"),
	  .set = set_path },
	{ OPT("pidfile", 0, "FILE", "(default " DEF_PIDFILE ")"),
	  SET(set_str, pidfile) },
	{ OPT("queue-size", 0, "N",
	      "events waiting for a worker (default 4096)"),
	  SET(set_num, queue_size), RANGE(1, 1 << 20) },
	{ OPT("ready-file", 0, "FILE",
	      "create FILE once every mark is in place"),
	  SET(set_str, ready_file) },
	{ OPT("sort", 0, "KEY",
	      "order of --stats: scans (default), time or denied"),
	  SET(set_word, sort), .words = sorts },
	{ OPT("stats", 0, NULL, "print the statistics of the running watcher"),
	  .set = set_cmd, .lo = CMD_STATS },
	{ OPT("stats-file", 0, "FILE", "(default " DEF_STATS ")"),
	  SET(set_str, stats_file) },
	{ OPT("status", 0, NULL,
	      "tell whether a watcher runs and what it watches"),
	  .set = set_cmd, .lo = CMD_STATUS },
	{ OPT("store", 0, "DIR",
	      "installed definitions, loaded again when updated\n"
	      "(default " DEFSTORE_DIR ")"),
	  SET(set_str, store) },
	{ OPT("test-delay-ms", 0, "MS",
	      "for tests only: each scan waits MS first"),
	  SET(set_num, test_delay_ms), RANGE(0, 600000) },
	{ OPT("timeout", 0, "SECONDS", "per-file scan time limit (default 30)"),
	  SET(set_num, timeout), RANGE(1, 86400) },
	{ OPT("top", 0, "N",
	      "processes shown by --stats (default 20, 0 = all)"),
	  SET(set_num, top), RANGE(0, INT32_MAX) },
	{ OPT("version", 'V', NULL, "show versions"), .set = show_version },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static void print_opt(FILE *fp, const struct opt *t)
{
	const char *h;
	int n, col = HELP_COL;

	if (t->letter)
		n = fprintf(fp, "  -%c, --%s", t->letter, t->name);
	else
		n = fprintf(fp, "      --%s", t->name);
	if (t->arg)
		n += fprintf(fp, " %s", t->arg);
	while (n >= col)
		col += 4;
	fprintf(fp, "%*s", col - n, "");
	for (h = t->help; *h; h++) {
		fputc(*h, fp);
		if (*h == '\n')
			fprintf(fp, "%*s", HELP_COL, "");
	}
	fputc('\n', fp);
}

static void usage(FILE *fp)
{
	size_t i;

	fputs(usage_head, fp);
	for (i = 0; i < NOPTS; i++)
		print_opt(fp, &opts[i]);
	fputs(usage_tail, fp);
}

/* getopt_long()'s array (NOPTS + 1 entries) and short string (at most
 * 2 * NOPTS + 1 bytes): a long option without a letter returns 256 + its
 * index. */
static void getopt_table(struct option *lo, char *shorts)
{
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		lo[i] = (struct option){
			opts[i].name,
			opts[i].arg ? required_argument : no_argument, NULL,
			opts[i].letter ? opts[i].letter : 256 + (int)i };
		if (!opts[i].letter)
			continue;
		*shorts++ = (char)opts[i].letter;
		if (opts[i].arg)
			*shorts++ = ':';
	}
	lo[NOPTS] = (struct option){ NULL, 0, NULL, 0 };
	*shorts = '\0';
}

/* The option getopt_long() returned c for; NULL for none ('?'). */
static const struct opt *opt_of(int c)
{
	size_t i;

	if (c >= 256)
		return (size_t)(c - 256) < NOPTS ? &opts[c - 256] : NULL;
	for (i = 0; i < NOPTS; i++)
		if (opts[i].letter == c)
			return &opts[i];
	return NULL;
}

/* ----------------------------------------------- mdescan.conf(5) */

static struct mdecfg *cfg; /* its strings are borrowed by wopts */

static int cfg_each(void *ctx, const struct mdecfg_val *v)
{
	static const struct {
		const char *key;
		mde_excl_kind kind;
	} excl[] = {
		{ "exclude_dir", MDE_EXCL_DIR },
		{ "exclude_ext", MDE_EXCL_EXT },
		{ "exclude_path", MDE_EXCL_PATH },
	};
	struct wopts *o = ctx;
	char where[1024];
	size_t i;

	if (!strcmp(v->key->name, "watch_path")) {
		add_path(o, v->value);
		return 0;
	}
	if (!strcmp(v->key->name, "exclude_process")) {
		add_exclude_process(o, v->value);
		return 0;
	}
	snprintf(where, sizeof(where), "%s:%u", v->file, v->line);
	for (i = 0; i < sizeof(excl) / sizeof(excl[0]); i++)
		if (!strcmp(v->key->name, excl[i].key))
			add_exclusion(o, excl[i].kind, v->value, where);
	return 0;
}

/* The settings of mdescan.conf that concern the watcher; a bad line
 * stops it. */
static void apply_config(int argc, char **argv, struct wopts *o)
{
	const char *path = mdecfg_path_from_args(argc, argv);
	char err[1024];
	int64_t n;
	int b;

	cfg = mdecfg_load(path ? path : mdecfg_default_path(), !path, err,
			  sizeof(err));
	if (!cfg)
		tool_die("configuration: %s", err);
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
	if (mdecfg_get_bool(cfg, "cage", &b))
		o->cage = b;
	mdecfg_get_str(cfg, "cache_dir", &o->cache_dir);
	mdecfg_get_str(cfg, "store", &o->store);
	mdecfg_get_str(cfg, "keys", &o->keys);
	mdecfg_get_str(cfg, "clamav_certs", &o->clamav_certs);
	mdecfg_get_int(cfg, "clamav_db_max_files", &o->db_limit[0]);
	mdecfg_get_int(cfg, "clamav_db_max_file_size", &o->db_limit[1]);
	mdecfg_get_int(cfg, "clamav_db_max_size", &o->db_limit[2]);
	mdecfg_get_str(cfg, "history_db", &o->history_db);
	mdecfg_each(cfg, "watch_path", cfg_each, o);
	mdecfg_each(cfg, "exclude_path", cfg_each, o);
	mdecfg_each(cfg, "exclude_dir", cfg_each, o);
	mdecfg_each(cfg, "exclude_ext", cfg_each, o);
	mdecfg_each(cfg, "exclude_process", cfg_each, o);
}

/* ------------------------------------------------------- parsing */

static void defaults(struct wopts *o)
{
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
	o->clamav_certs = MDE_CLAMAV_CERTS_DEFAULT;
	o->db_limit[0] = o->db_limit[1] = o->db_limit[2] = -1;
	o->cage = 1;
}

void opts_parse(int argc, char **argv, struct wopts *o)
{
	struct option lo[NOPTS + 1];
	char shorts[2 * NOPTS + 1];
	const struct opt *t;
	int c;

	defaults(o);
	apply_config(argc, argv, o);
	getopt_table(lo, shorts);
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (!(t = opt_of(c))) {
			usage(stderr);
			exit(2);
		}
		t->set(o, t, optarg);
	}
	if (optind < argc)
		tool_die("unexpected argument '%s' (paths are given with "
			 "--path)", argv[optind]);
	if (o->cmd == (CMD_STATS | CMD_STATUS))
		tool_die("--stats and --status exclude each other");
	if (!o->cmd && o->npaths == 0) {
		tool_warn("no --path given");
		usage(stderr);
		exit(2);
	}
	if (!o->stats_file)
		o->stats_file = DEF_STATS;
}

void opts_free(struct wopts *o)
{
	size_t i;

	for (i = 0; i < o->npaths; i++)
		free(o->paths[i]);
	for (i = 0; i < o->nexcl_proc; i++)
		free(o->excl_proc[i]);
	free(o->paths);
	free(o->excl_proc);
	free(o->dbs);
	mde_exclusions_free(o->excl);
	free(o->allow_fs);
}
