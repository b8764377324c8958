/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_health.c - `mdescan health` and `mdescan diagnostic create`.
 *
 * health gathers one report from what is already on the host: the store
 * of installed definitions (defstore_status), the pidfile, statistics and
 * fanotify group of mdewatch (/proc/PID/fdinfo), every other process
 * holding a fanotify group, the scan history and the quarantine vault.
 * Nothing is written.  cmd_diagnostic.c puts the report in its archive.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "defstore.h"
#include "health.h"
#include "mdecfg.h"
#include "history.h"
#include "output.h"
#include "util.h"
#include "vault.h"
#include "banned.h"

#define FAN_CLASS_BITS 0x0cu     /* FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT */

/* ------------------------------------------------------------ strings */

struct strs {
	char **v;
	size_t n;
};

static void strs_add(struct strs *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends a formatted string; out of memory drops it (the report says
 * less, it does not fail). */
static void strs_add(struct strs *s, const char *fmt, ...)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof(*v));
	va_list ap;

	if (!v)
		return;
	s->v = v;
	va_start(ap, fmt);
	if (vasprintf(&v[s->n], fmt, ap) >= 0)
		s->n++;
	va_end(ap);
}

static void strs_free(struct strs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void iso_time(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "unknown");
}

/* ------------------------------------------------------------ the report */

struct report {
	struct strs issues;
	const char *defs_status;      /* definitions_state()'s word */
	char defs_version[32];        /* the bundle's version, or "builtin" */
	time_t defs_updated;          /* install time; 0 when unknown */
	int rtp;                      /* mdewatch runs with its marks */
	const char *enforcement;      /* block, audit, unknown, none */
	struct strs conflicts;        /* "comm (pid)" */
	int has_scan;
	int64_t scan_id, scan_ms;
	const char *scan_type, *scan_status;
	long long qitems;             /* -1: the vault could not be read */
	int cage;                     /* this kernel can have the cage */
	int cage_enabled;             /* cage = yes (the default) */
	char cage_info[256];          /* what it is, or why it cannot be */
};

static void put_str(FILE *fp, const char *s)
{
	out_json_str(fp, s, strlen(s));
}

static void put_list(FILE *fp, const struct strs *s)
{
	size_t i;

	putc('[', fp);
	for (i = 0; i < s->n; i++) {
		if (i)
			putc(',', fp);
		put_str(fp, s->v[i]);
	}
	putc(']', fp);
}

static void f_healthy(FILE *fp, const struct report *r)
{
	fputs(r->issues.n ? "false" : "true", fp);
}

static void f_issues(FILE *fp, const struct report *r)
{
	put_list(fp, &r->issues);
}

static void f_app_version(FILE *fp, const struct report *r)
{
	put_str(fp, PACKAGE_VERSION);
}

static void f_engine_version(FILE *fp, const struct report *r)
{
	put_str(fp, MDE_ENGINE_VERSION);
}

static void f_cage(FILE *fp, const struct report *r)
{
	fputs(r->cage ? "true" : "false", fp);
}

static void f_cage_enabled(FILE *fp, const struct report *r)
{
	fputs(r->cage_enabled ? "true" : "false", fp);
}

static void f_cage_info(FILE *fp, const struct report *r)
{
	put_str(fp, r->cage_info);
}

static void f_rtp(FILE *fp, const struct report *r)
{
	fputs(r->rtp ? "true" : "false", fp);
}

static void f_rtp_subsystem(FILE *fp, const struct report *r)
{
	put_str(fp, "fanotify");
}

static void f_enforcement(FILE *fp, const struct report *r)
{
	put_str(fp, r->enforcement);
}

static void f_conflicts(FILE *fp, const struct report *r)
{
	put_list(fp, &r->conflicts);
}

static void f_defs_status(FILE *fp, const struct report *r)
{
	put_str(fp, r->defs_status);
}

static void f_defs_version(FILE *fp, const struct report *r)
{
	put_str(fp, r->defs_version);
}

static void f_defs_updated(FILE *fp, const struct report *r)
{
	char t[64];

	if (!r->defs_updated) {
		fputs("null", fp);
		return;
	}
	iso_time(r->defs_updated, t, sizeof(t));
	put_str(fp, t);
}

static void f_last_scan(FILE *fp, const struct report *r)
{
	char t[64];

	if (!r->has_scan) {
		fputs("null", fp);
		return;
	}
	iso_time((time_t)(r->scan_ms / 1000), t, sizeof(t));
	fprintf(fp, "{\"id\":%" PRId64 ",\"time\":\"%s\",\"type\":\"%s\","
		"\"status\":\"%s\"}", r->scan_id, t, r->scan_type,
		r->scan_status);
}

static void f_qitems(FILE *fp, const struct report *r)
{
	if (r->qitems < 0)
		fputs("null", fp);
	else
		fprintf(fp, "%lld", r->qitems);
}

/* The fields, in the order printed; each value printed as JSON. */
static const struct field {
	const char *name;
	void (*put)(FILE *fp, const struct report *r);
} fields[] = {
	{ "healthy", f_healthy },
	{ "health_issues", f_issues },
	{ "app_version", f_app_version },
	{ "engine_version", f_engine_version },
	{ "parser_cage_enabled", f_cage_enabled },
	{ "parser_cage_available", f_cage },
	{ "parser_cage", f_cage_info },
	{ "real_time_protection_enabled", f_rtp },
	{ "real_time_protection_subsystem", f_rtp_subsystem },
	{ "enforcement_level", f_enforcement },
	{ "conflicting_applications", f_conflicts },
	{ "definitions_status", f_defs_status },
	{ "definitions_version", f_defs_version },
	{ "definitions_updated", f_defs_updated },
	{ "last_scan", f_last_scan },
	{ "quarantine_items", f_qitems },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static void print_json(FILE *fp, const struct report *r)
{
	size_t i;

	putc('{', fp);
	for (i = 0; i < NFIELDS; i++) {
		fprintf(fp, "%s\"%s\":", i ? "," : "", fields[i].name);
		fields[i].put(fp, r);
	}
	fputs("}\n", fp);
}

static void print_text(FILE *fp, const struct report *r)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		fprintf(fp, "%-30s : ", fields[i].name);
		fields[i].put(fp, r);
		putc('\n', fp);
	}
}

static const struct field *find_field(const char *name)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

/* ------------------------------------------------------------ definitions */

static void check_definitions(const struct health_opts *o, struct report *r)
{
	struct defstore_status st;
	mde_bundle_info bi;
	struct stat sb;
	char err[1024], t[64];

	defstore_status(o->store, &st);
	r->defs_status = definitions_state(&st.cur, o->max_age);
	if (st.cur.damaged) {
		snprintf(r->defs_version, sizeof(r->defs_version), "damaged");
		strs_add(&r->issues, "installed definitions damaged in %s: %s: "
			 "scans fail until 'mdescan definitions update' or "
			 "'rollback'", o->store, st.cur.why);
		return;
	}
	if (!st.cur.have) {
		snprintf(r->defs_version, sizeof(r->defs_version), "builtin");
		strs_add(&r->issues, "no definitions installed in %s: scans "
			 "use the built-in definitions", o->store);
		return;
	}
	snprintf(r->defs_version, sizeof(r->defs_version), "%" PRIu64,
		 st.cur.bi.version);
	r->defs_updated = st.cur.installed;
	if (!strcmp(r->defs_status, "out_of_date")) {
		iso_time((time_t)st.cur.bi.created, t, sizeof(t));
		strs_add(&r->issues, "definitions out of date (created %s, "
			 "more than %ld days ago)", t, o->max_age);
	}
	/* what a scan needs to load them: a trusted key and a sound file */
	if (stat(o->keys, &sb) != 0)
		strs_add(&r->issues, "no trusted keys at %s: the installed "
			 "definitions cannot load", o->keys);
	else if (mde_bundle_check(st.cur.path, o->keys, &bi, err,
				  sizeof(err)) != MDE_OK)
		strs_add(&r->issues, "installed definitions do not verify: %s",
			 err);
}

/* ------------------------------------------------------------ fanotify */

/* What /proc/PID/fd and fdinfo say about a process's fanotify groups. */
struct fan_info {
	int readable;   /* its fd directory could be read */
	int groups;     /* fanotify descriptors ("fanotify flags:" lines) */
	unsigned flags; /* fanotify_init flags of the first one */
	int marks;      /* mount and filesystem marks (not inode marks) */
};

static void fan_fdinfo(pid_t pid, const char *fd, struct fan_info *fi)
{
	char path[320], *line = NULL;
	size_t cap = 0;
	unsigned flags;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, fd);
	if (!(fp = fopen(path, "re")))
		return;
	while (getline(&line, &cap, fp) > 0) {
		if (sscanf(line, "fanotify flags:%x", &flags) == 1) {
			if (fi->groups++ == 0)
				fi->flags = flags;
		} else if (!strncmp(line, "fanotify mnt_id:", 16) ||
			   !strncmp(line, "fanotify sdev:", 14)) {
			fi->marks++;
		}
	}
	free(line);
	fclose(fp);
}

static void fan_probe(pid_t pid, struct fan_info *fi)
{
	char path[64], link[64];
	struct dirent *de;
	ssize_t n;
	DIR *d;

	memset(fi, 0, sizeof(*fi));
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!(d = opendir(path)))
		return;
	fi->readable = 1;
	while ((de = readdir(d))) {
		/* the link is cheap; fdinfo only for fanotify descriptors */
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, "anon_inode:[fanotify]"))
			fan_fdinfo(pid, de->d_name, fi);
	}
	closedir(d);
}

static void proc_comm(pid_t pid, char *buf, size_t n)
{
	char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	if ((fp = fopen(path, "re"))) {
		if (fgets(buf, (int)n, fp))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(fp);
	}
	if (!buf[0])
		snprintf(buf, n, "?");
}

/* Every process but this one and skip holding a fanotify group. */
static void find_conflicts(pid_t skip, struct strs *out)
{
	struct fan_info fi;
	struct dirent *de;
	char comm[64], *end;
	DIR *d = opendir("/proc");
	long pid;

	if (!d)
		return;
	while ((de = readdir(d))) {
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() || pid == skip)
			continue;
		fan_probe((pid_t)pid, &fi);
		if (!fi.groups)
			continue;
		proc_comm((pid_t)pid, comm, sizeof(comm));
		strs_add(out, "%s (%ld)", comm, pid);
	}
	closedir(d);
}

/* ------------------------------------------------------------ mdewatch */

/* Whether pid runs mdewatch: its executable when it can be read (root),
 * else its command name. */
static int is_mdewatch(pid_t pid)
{
	char path[64], exe[4096], *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((base = strstr(exe, " (deleted)")) && !base[10])
			*base = '\0'; /* upgraded while running */
		base = strrchr(exe, '/');
		return !strcmp(base ? base + 1 : exe, "mdewatch");
	}
	proc_comm(pid, exe, sizeof(exe));
	return !strcmp(exe, "mdewatch");
}

/* The mode in the daemon's statistics, if they are that daemon's.  The
 * file is mdewatch's own (mdewatch_stats.c): "pid" and "mode" come first,
 * before any string a path could bring in. */
static const char *stats_mode(const char *file, pid_t pid)
{
	char buf[4096], *p;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (!(p = strstr(buf, "\"pid\":")) || strtol(p + 6, NULL, 10) != pid)
		return NULL;
	if (!(p = strstr(buf, "\"mode\":\"")))
		return NULL;
	p += 8;
	if (!strncmp(p, "block\"", 6))
		return "block";
	if (!strncmp(p, "audit\"", 6))
		return "audit";
	return NULL;
}

static void check_watch(const struct health_opts *o, struct report *r)
{
	pid_t pid = tool_pidfile_pid(o->pidfile);
	struct fan_info fi = { 0 };
	const char *mode;

	r->enforcement = "none";
	if (pid <= 0 || !is_mdewatch(pid)) {
		strs_add(&r->issues, "real-time protection not running%s%s%s",
			 pid ? " (stale pidfile " : "", pid ? o->pidfile : "",
			 pid ? ")" : "");
		find_conflicts(0, &r->conflicts);
		return;
	}
	fan_probe(pid, &fi);
	/* unreadable fdinfo (not root): the locked pidfile has to do */
	r->rtp = !fi.readable || fi.marks > 0;
	if (!r->rtp)
		strs_add(&r->issues, "real-time protection not running "
			 "(mdewatch, pid %d, has no marks)", (int)pid);
	mode = stats_mode(o->stats_file, pid);
	if (!mode && fi.groups)
		mode = fi.flags & FAN_CLASS_BITS ? "block" : "audit";
	r->enforcement = mode ? mode : "unknown";
	find_conflicts(pid, &r->conflicts);
}

/* ------------------------------------------------------------ history */

static void scan_age(const struct health_opts *o, struct report *r,
		     int64_t ok_ms)
{
	int64_t age_ms = (int64_t)time(NULL) * 1000 - ok_ms;

	if (!r->has_scan)
		strs_add(&r->issues, "no scan recorded");
	else if (!ok_ms)
		strs_add(&r->issues, "no successful scan recorded");
	else if (age_ms > (int64_t)o->max_scan_age * 86400000)
		strs_add(&r->issues, "no scan in %ld days", o->max_scan_age);
}

static void check_history(const struct health_opts *o, struct report *r)
{
	char err[1024], *def = NULL;
	const char *path = o->history_db;
	int64_t ok_ms = 0;
	hist_scan s;
	hist *h;

	if (!path && !(path = def = hist_default_path())) {
		strs_add(&r->issues, "history unreadable: no database path "
			 "(set HOME or use --history-db)");
		return;
	}
	if (!(h = hist_open(path, HIST_READONLY, err, sizeof(err)))) {
		if (errno == ENOENT)
			scan_age(o, r, 0);
		else
			strs_add(&r->issues, "history unreadable: %s", err);
		free(def);
		return;
	}
	/* the watcher's runs are in the history too, but no scan of the
	 * host: they neither show as the last scan nor make one less due */
	if (hist_last_scan(h, HIST_ON_DEMAND, -1, &s) == 1) {
		r->has_scan = 1;
		r->scan_id = s.id;
		r->scan_ms = s.started_ms;
		r->scan_type = hist_type_name(s.type);
		r->scan_status = hist_status_name(s.status);
	}
	if (hist_last_scan(h, HIST_ON_DEMAND, HIST_SUCCEEDED, &s) == 1)
		ok_ms = s.ended_ms ? s.ended_ms : s.started_ms;
	if (*hist_error(h))
		strs_add(&r->issues, "history unreadable: %s", hist_error(h));
	else
		scan_age(o, r, ok_ms);
	hist_close(h);
	free(def);
}

/* ------------------------------------------------------------ quarantine */

static void check_quarantine(const struct health_opts *o, struct report *r)
{
	struct vault_entry *v = NULL;
	char err[1024];
	size_t n = 0;
	int rc = vault_list(o->qdir, &v, &n, err, sizeof(err));

	r->qitems = rc == VAULT_ERR ? -1 : (long long)n;
	if (rc != VAULT_OK)
		strs_add(&r->issues, "quarantine unreadable: %s", err);
	vault_entries_free(v, n);
}

static void report_build(const struct health_opts *o, struct report *r)
{
	memset(r, 0, sizeof(*r));
	if (o->conf_err[0])
		strs_add(&r->issues, "configuration unusable: %s: every scan "
			 "exits 2", o->conf_err);
	check_definitions(o, r);
	r->cage = mde_cage_probe(r->cage_info, sizeof(r->cage_info));
	r->cage_enabled = o->cage;
	if (o->cage && !r->cage)
		strs_add(&r->issues, "parser cage unavailable: %s: files are "
			 "parsed without it", r->cage_info);
	check_watch(o, r);
	check_history(o, r);
	check_quarantine(o, r);
}

static void report_free(struct report *r)
{
	strs_free(&r->issues);
	strs_free(&r->conflicts);
}

int health_json(FILE *fp, const struct health_opts *o)
{
	struct report r;
	int healthy;

	report_build(o, &r);
	print_json(fp, &r);
	healthy = r.issues.n == 0;
	report_free(&r);
	return healthy;
}

/* ------------------------------------------------------------ options */

static const char usage_text[] =
	"usage: mdescan health [--field NAME] [--json] [options]\n"
	"       mdescan diagnostic create [--output FILE] "
	"[--config-dir DIR] [options]\n"
	"\n"
	"      --config FILE       configuration (default "
	MDECFG_DEFAULT_PATH ")\n"
	"      --config-dir DIR    configuration to collect (default "
	HEALTH_CONFIG_DIR ")\n"
	"      --field NAME        print only this field's value\n"
	"      --history-db PATH, --db PATH\n"
	"                          scan history (default as for scans)\n"
	"      --json              one JSON object\n"
	"      --keys PATH         trusted keys (default " DEFSTORE_KEYS ")\n"
	"      --max-age DAYS      definitions older than this are out of "
	"date (default 7;\n"
	"                          0: anything created before now)\n"
	"      --max-scan-age DAYS a scan is due after DAYS (default 7)\n"
	"      --output FILE       the archive to write (never replaced)\n"
	"      --pidfile FILE      mdewatch's pidfile (default "
	HEALTH_WATCH_PIDFILE ")\n"
	"      --quarantine-dir DIR, --vault DIR\n"
	"                          the vault (default " VAULT_DEFAULT_DIR ")\n"
	"      --stats-file FILE   mdewatch's statistics (default "
	HEALTH_WATCH_STATS ")\n"
	"      --store DIR         installed definitions (default "
	DEFSTORE_DIR ")\n";

enum {
	OPT_CONFIG = 256, OPT_CONF, OPT_FIELD, OPT_HISTORY, OPT_JSON, OPT_KEYS,
	OPT_MAX_AGE, OPT_SCAN_AGE, OPT_OUTPUT, OPT_PIDFILE, OPT_QDIR,
	OPT_STATS, OPT_STORE
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, OPT_CONF },
	{ "config-dir", required_argument, NULL, OPT_CONFIG },
	{ "field", required_argument, NULL, OPT_FIELD },
	{ "help", no_argument, NULL, 'h' },
	{ "db", required_argument, NULL, OPT_HISTORY }, /* as threat list */
	{ "history-db", required_argument, NULL, OPT_HISTORY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "max-scan-age", required_argument, NULL, OPT_SCAN_AGE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "quarantine-dir", required_argument, NULL, OPT_QDIR },
	{ "stats-file", required_argument, NULL, OPT_STATS },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "vault", required_argument, NULL, OPT_QDIR }, /* as quarantine */
	{ NULL, 0, NULL, 0 }
};

static int set_opt(struct health_opts *o, int c, int diag)
{
	if (diag && (c == OPT_FIELD || c == OPT_JSON))
		return tool_fail("--%s: only for health",
				 c == OPT_FIELD ? "field" : "json");
	if (!diag && (c == OPT_OUTPUT || c == OPT_CONFIG))
		return tool_fail("--%s: only for diagnostic create",
				 c == OPT_OUTPUT ? "output" : "config-dir");
	switch (c) {
	case OPT_CONF: break; /* read before, by conf_defaults() */
	case OPT_CONFIG: o->config_dir = optarg; break;
	case OPT_FIELD: o->field = optarg; break;
	case OPT_HISTORY: o->history_db = optarg; break;
	case OPT_JSON: o->json = 1; break;
	case OPT_KEYS: o->keys = optarg; break;
	case OPT_MAX_AGE:
		return cli_parse_days(optarg, "--max-age", &o->max_age);
	case OPT_SCAN_AGE:
		return cli_parse_days(optarg, "--max-scan-age",
				      &o->max_scan_age);
	case OPT_OUTPUT: o->output = optarg; break;
	case OPT_PIDFILE: o->pidfile = optarg; break;
	case OPT_QDIR: o->qdir = optarg; break;
	case OPT_STATS: o->stats_file = optarg; break;
	case OPT_STORE: o->store = optarg; break;
	default: return cli_see_help(diag ? "diagnostic" : "health");
	}
	return 0;
}

/* The defaults, then mdescan.conf's (a configuration that cannot be read
 * is reported, not fatal: health is where one looks for it). */
static void conf_defaults(int argc, char **argv, struct health_opts *o)
{
	struct cli_conf c;

	memset(o, 0, sizeof(*o));
	cli_conf_load(argc, argv, &c, o->conf_err, sizeof(o->conf_err));
	o->store = c.store;
	o->keys = c.keys;
	o->qdir = c.qdir;
	o->history_db = c.history_db;
	o->max_age = c.max_age;
	o->cage = 1;
	if (c.cfg)
		(void)mdecfg_get_bool(c.cfg, "cage", &o->cage);
	o->pidfile = HEALTH_WATCH_PIDFILE;
	o->stats_file = HEALTH_WATCH_STATS;
	o->config_dir = HEALTH_CONFIG_DIR;
	o->max_scan_age = HEALTH_MAX_SCAN_AGE_DAYS;
}

int health_parse(int argc, char **argv, struct health_opts *o, int diag)
{
	char *verb = argv[0];
	int c, rc;

	conf_defaults(argc, argv, o);
	if ((rc = cli_exact_options(argc, argv, longopts,
				    diag ? "diagnostic" : "health")))
		return rc;
	argv[0] = (char *)"mdescan"; /* getopt's messages start with it */
	/* glibc: start afresh, mdescan's own options may have run */
	optind = 0;
	while (!rc && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		rc = c == 'h' ? 1 : set_opt(o, c, diag);
	argv[0] = verb;
	if (rc == 1)
		fputs(usage_text, stdout);
	else if (!rc && optind != argc)
		rc = tool_fail("%s: unexpected argument '%s'", verb,
			       argv[optind]);
	return rc;
}

int health_flush_stdout(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		return tool_fail("standard output: %s",
				 strerror(errno ? errno : EIO));
	return 0;
}

static int unknown_field(const char *name)
{
	size_t i;

	fprintf(stderr, "%s: --field: unknown field '%s'; the fields are:",
		tool_name(), name);
	for (i = 0; i < NFIELDS; i++)
		fprintf(stderr, " %s", fields[i].name);
	putc('\n', stderr);
	return 2;
}

int cmd_health(int argc, char **argv)
{
	const struct field *f = NULL;
	struct report r;
	struct health_opts o;
	int rc = health_parse(argc, argv, &o, 0);

	if (rc)
		return rc == 1 ? 0 : rc;
	if (o.field && !(f = find_field(o.field)))
		return unknown_field(o.field);
	report_build(&o, &r);
	if (f) {
		f->put(stdout, &r);
		putchar('\n');
	} else if (o.json) {
		print_json(stdout, &r);
	} else {
		print_text(stdout, &r);
	}
	rc = r.issues.n ? 1 : 0;
	report_free(&r);
	return health_flush_stdout() ? 2 : rc;
}
