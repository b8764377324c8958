/*
 * cmd_health.c - `mdescan health` and `mdescan diagnostic create`.
 *
 * health gathers one report from what is already on the host: the store
 * of installed definitions (defstore_status), the pidfile, statistics and
 * fanotify group of mdewatch (/proc/PID/fdinfo), every other process
 * holding a fanotify group, the scan history and the quarantine vault.
 * Nothing is written.  diagnostic create puts that report and the rest of
 * what support asks for into one .tar.gz.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "defstore.h"
#include "health.h"
#include "history.h"
#include "output.h"
#include "vault.h"

extern char **environ;

#define FAN_CLASS_BITS 0x0cu     /* FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT */
#define MAX_DAYS 36500L
#define MEMBER_CAP (16u << 20)   /* bytes kept of one file or command */
#define RUN_TIMEOUT_MS 30000

struct hopts {
	const char *store, *keys, *history_db, *qdir, *pidfile, *stats_file;
	const char *field, *output, *config_dir;
	long max_age, max_scan_age;
	int json;
};

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
	const char *defs_status;      /* up_to_date, out_of_date, unavailable */
	char defs_version[32];        /* the bundle's version, or "builtin" */
	time_t defs_updated;          /* install time; 0 when unknown */
	int rtp;                      /* mdewatch runs with its marks */
	const char *enforcement;      /* block, audit, unknown, none */
	struct strs conflicts;        /* "comm (pid)" */
	int has_scan;
	int64_t scan_id, scan_ms;
	const char *scan_type, *scan_status;
	long long qitems;             /* -1: the vault could not be read */
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

static void check_definitions(const struct hopts *o, struct report *r)
{
	struct defstore_status st;
	mde_bundle_info bi;
	struct stat sb;
	char err[1024], t[64];

	defstore_status(o->store, &st);
	r->defs_status = definitions_state(&st.cur, o->max_age);
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

/* The pid in the pidfile while the daemon that wrote it holds its lock
 * (as `mdewatch --status` decides); 0 none, -1 a stale file. */
static pid_t watch_pid(const char *pidfile)
{
	char buf[32];
	pid_t pid;
	int fd = open(pidfile, O_RDONLY | O_CLOEXEC), held;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	pid = (pid_t)strtol(buf, NULL, 10);
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	if (pid > 0 && held && (kill(pid, 0) == 0 || errno == EPERM))
		return pid;
	return -1;
}

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

static void check_watch(const struct hopts *o, struct report *r)
{
	pid_t pid = watch_pid(o->pidfile);
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

static void scan_age(const struct hopts *o, struct report *r, int64_t ok_ms)
{
	int64_t age_ms = (int64_t)time(NULL) * 1000 - ok_ms;

	if (!r->has_scan)
		strs_add(&r->issues, "no scan recorded");
	else if (!ok_ms)
		strs_add(&r->issues, "no successful scan recorded");
	else if (age_ms > (int64_t)o->max_scan_age * 86400000)
		strs_add(&r->issues, "no scan in %ld days", o->max_scan_age);
}

static void check_history(const struct hopts *o, struct report *r)
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
	if (hist_last_scan(h, -1, -1, &s) == 1) {
		r->has_scan = 1;
		r->scan_id = s.id;
		r->scan_ms = s.started_ms;
		r->scan_type = hist_type_name(s.type);
		r->scan_status = hist_status_name(s.status);
	}
	if (hist_last_scan(h, -1, HIST_SUCCEEDED, &s) == 1)
		ok_ms = s.ended_ms ? s.ended_ms : s.started_ms;
	if (*hist_error(h))
		strs_add(&r->issues, "history unreadable: %s", hist_error(h));
	else
		scan_age(o, r, ok_ms);
	hist_close(h);
	free(def);
}

/* ------------------------------------------------------------ quarantine */

static void check_quarantine(const struct hopts *o, struct report *r)
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

static void report_build(const struct hopts *o, struct report *r)
{
	memset(r, 0, sizeof(*r));
	check_definitions(o, r);
	check_watch(o, r);
	check_history(o, r);
	check_quarantine(o, r);
}

static void report_free(struct report *r)
{
	strs_free(&r->issues);
	strs_free(&r->conflicts);
}

/* ------------------------------------------------------------ options */

static const char usage_text[] =
	"usage: mdescan health [--field NAME] [--json] [options]\n"
	"       mdescan diagnostic create [--output FILE] "
	"[--config-dir DIR] [options]\n"
	"\n"
	"      --config-dir DIR    configuration to collect (default "
	HEALTH_CONFIG_DIR ")\n"
	"      --field NAME        print only this field's value\n"
	"      --history-db PATH   scan history (default as for scans)\n"
	"      --json              one JSON object\n"
	"      --keys PATH         trusted keys (default " DEFSTORE_KEYS ")\n"
	"      --max-age DAYS      definitions older than this are out of "
	"date (default 7)\n"
	"      --max-scan-age DAYS a scan is due after DAYS (default 7)\n"
	"      --output FILE       the archive to write (never replaced)\n"
	"      --pidfile FILE      mdewatch's pidfile (default "
	HEALTH_WATCH_PIDFILE ")\n"
	"      --quarantine-dir DIR  the vault (default " VAULT_DEFAULT_DIR
	")\n"
	"      --stats-file FILE   mdewatch's statistics (default "
	HEALTH_WATCH_STATS ")\n"
	"      --store DIR         installed definitions (default "
	DEFSTORE_DIR ")\n";

enum {
	OPT_CONFIG = 256, OPT_FIELD, OPT_HISTORY, OPT_JSON, OPT_KEYS,
	OPT_MAX_AGE, OPT_SCAN_AGE, OPT_OUTPUT, OPT_PIDFILE, OPT_QDIR,
	OPT_STATS, OPT_STORE
};

static const struct option longopts[] = {
	{ "config-dir", required_argument, NULL, OPT_CONFIG },
	{ "field", required_argument, NULL, OPT_FIELD },
	{ "help", no_argument, NULL, 'h' },
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
	{ NULL, 0, NULL, 0 }
};

static int herr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "mdescan: MESSAGE" on stderr; returns exit status 2. */
static int herr(const char *fmt, ...)
{
	va_list ap;

	fputs("mdescan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	putc('\n', stderr);
	return 2;
}

/* 0 to MAX_DAYS days: 0 makes anything older than now count. */
static int parse_days(const char *s, const char *opt, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || end == s || *end || *out < 0 || *out > MAX_DAYS)
		return herr("%s: a number of days (0 to %ld), not '%s'", opt,
			    MAX_DAYS, s);
	return 0;
}

static int set_opt(struct hopts *o, int c, int diag)
{
	if (diag && (c == OPT_FIELD || c == OPT_JSON))
		return herr("--%s: only for health",
			    c == OPT_FIELD ? "field" : "json");
	if (!diag && (c == OPT_OUTPUT || c == OPT_CONFIG))
		return herr("--%s: only for diagnostic create",
			    c == OPT_OUTPUT ? "output" : "config-dir");
	switch (c) {
	case OPT_CONFIG: o->config_dir = optarg; break;
	case OPT_FIELD: o->field = optarg; break;
	case OPT_HISTORY: o->history_db = optarg; break;
	case OPT_JSON: o->json = 1; break;
	case OPT_KEYS: o->keys = optarg; break;
	case OPT_MAX_AGE: return parse_days(optarg, "--max-age", &o->max_age);
	case OPT_SCAN_AGE:
		return parse_days(optarg, "--max-scan-age", &o->max_scan_age);
	case OPT_OUTPUT: o->output = optarg; break;
	case OPT_PIDFILE: o->pidfile = optarg; break;
	case OPT_QDIR: o->qdir = optarg; break;
	case OPT_STATS: o->stats_file = optarg; break;
	case OPT_STORE: o->store = optarg; break;
	default: fputs(usage_text, stderr); return 2;
	}
	return 0;
}

/* Returns 0, 1 for --help (usage printed), or 2 (message printed). */
static int parse(int argc, char **argv, struct hopts *o, int diag)
{
	char *verb = argv[0];
	int c, rc = 0;

	memset(o, 0, sizeof(*o));
	o->store = DEFSTORE_DIR;
	o->keys = DEFSTORE_KEYS;
	o->qdir = VAULT_DEFAULT_DIR;
	o->pidfile = HEALTH_WATCH_PIDFILE;
	o->stats_file = HEALTH_WATCH_STATS;
	o->config_dir = HEALTH_CONFIG_DIR;
	o->max_age = DEFSTORE_MAX_AGE_DAYS;
	o->max_scan_age = HEALTH_MAX_SCAN_AGE_DAYS;
	argv[0] = (char *)"mdescan"; /* getopt's messages start with it */
	optind = 0; /* glibc: start afresh, mdescan's own options may have run */
	while (!rc && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		rc = c == 'h' ? 1 : set_opt(o, c, diag);
	argv[0] = verb;
	if (rc == 1)
		fputs(usage_text, stdout);
	else if (!rc && optind != argc)
		rc = herr("%s: unexpected argument '%s'", verb, argv[optind]);
	return rc;
}

static int flush_stdout(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		return herr("standard output: %s",
			    strerror(errno ? errno : EIO));
	return 0;
}

static int unknown_field(const char *name)
{
	size_t i;

	fprintf(stderr, "mdescan: --field: unknown field '%s'; the fields "
		"are:", name);
	for (i = 0; i < NFIELDS; i++)
		fprintf(stderr, " %s", fields[i].name);
	putc('\n', stderr);
	return 2;
}

int cmd_health(int argc, char **argv)
{
	const struct field *f = NULL;
	struct report r;
	struct hopts o;
	int rc = parse(argc, argv, &o, 0);

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
	return flush_stdout() ? 2 : rc;
}

/* ------------------------------------------------------------ diagnostic */

struct buf {
	char *p;
	size_t n;
	int cut; /* more than MEMBER_CAP came: the rest was dropped */
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	char *p;

	if (b->n + n > MEMBER_CAP) {
		n = MEMBER_CAP - b->n;
		b->cut = 1;
	}
	if (!n || !(p = realloc(b->p, b->n + n + 1)))
		return;
	memcpy(p + b->n, s, n);
	b->p = p;
	b->n += n;
	b->p[b->n] = '\0';
}

struct diag {
	struct archive *a;
	char prefix[64];
	time_t now;
	FILE *notes; /* what was skipped or failed: notes.txt */
	int failed;  /* the archive cannot be written any more */
};

/* One regular file of the archive, PREFIX/name. */
static void add_mem(struct diag *d, const char *name, const void *p, size_t n)
{
	struct archive_entry *e;
	char path[4200];

	if (d->failed || !(e = archive_entry_new())) {
		d->failed = 1;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", d->prefix, name);
	archive_entry_set_pathname(e, path);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, d->now, 0);
	if (archive_write_header(d->a, e) != ARCHIVE_OK ||
	    (n && archive_write_data(d->a, p, n) != (la_ssize_t)n))
		d->failed = 1;
	archive_entry_free(e);
}

/* Reads path, its last MEMBER_CAP bytes when it is longer. */
static int read_tail(const char *path, struct buf *b)
{
	char chunk[65536];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > (off_t)MEMBER_CAP) {
		lseek(fd, st.st_size - (off_t)MEMBER_CAP, SEEK_SET);
		b->cut = 1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && b->n < MEMBER_CAP)
		buf_add(b, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* A file of the configuration or the logs; never a private key. */
static void add_file(struct diag *d, const char *name, const char *path)
{
	struct buf b = { 0 };

	if (read_tail(path, &b) < 0)
		fprintf(d->notes, "%s: not collected: %s\n", path,
			strerror(errno));
	else if (b.p && strstr(b.p, "PRIVATE KEY-----"))
		fprintf(d->notes, "%s: not collected: a private key\n", path);
	else
		add_mem(d, name, b.p ? b.p : "", b.n);
	if (b.cut)
		fprintf(d->notes, "%s: only its last %u bytes\n", path,
			MEMBER_CAP);
	free(b.p);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The regular files below dir as name/..., without *.sec files and
 * without following symbolic links. */
static void add_tree(struct diag *d, const char *dir, const char *name,
		     int depth)
{
	char path[4200], member[4200];
	struct dirent *de;
	struct stat st;
	DIR *dh = opendir(dir);

	if (!dh) {
		if (errno != ENOENT)
			fprintf(d->notes, "%s: not collected: %s\n", dir,
				strerror(errno));
		return;
	}
	while ((de = readdir(dh)) && !d->failed) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(member, sizeof(member), "%s/%s", name, de->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 8)
			add_tree(d, path, member, depth + 1);
		else if (!S_ISREG(st.st_mode))
			fprintf(d->notes, "%s: not collected: not a regular "
				"file\n", path);
		else if (ends_with(de->d_name, ".sec"))
			fprintf(d->notes, "%s: not collected: a private key\n",
				path);
		else
			add_file(d, member, path);
	}
	closedir(dh);
}

/* Reads the two pipes of a child until both end (0) or the time is up
 * (-1). */
static int drain(int fds[2], struct buf *out, struct buf *err)
{
	struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
	struct timespec t0, t;
	char chunk[65536];
	long left;
	ssize_t n;
	int i, open_fds = 2;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (open_fds) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = RUN_TIMEOUT_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
					 (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return -1;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n > 0)
				buf_add(i ? err : out, chunk, (size_t)n);
			else if (n == 0 || errno != EINTR) {
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
	return 0;
}

/*
 * Runs argv (argv[0] looked up in PATH) with stdin from /dev/null and
 * stdout and stderr captured, for at most RUN_TIMEOUT_MS.  Returns its
 * exit status (128 + signal when killed), or -1 with errno set when it
 * could not be started.
 */
static int run_capture(char *const argv[], struct buf *out, struct buf *err)
{
	posix_spawn_file_actions_t fa;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, fds[2], st = 0, rc;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		rc = errno;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		goto fail;
	close(po[1]);
	close(pe[1]);
	fds[0] = po[0];
	fds[1] = pe[0];
	if (drain(fds, out, err) < 0)
		kill(pid, SIGKILL); /* hung: still reaped below */
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
fail:
	if (po[0] >= 0) {
		close(po[0]);
		close(po[1]);
	}
	if (pe[0] >= 0) {
		close(pe[0]);
		close(pe[1]);
	}
	errno = rc;
	return -1;
}

/* A command's standard output as a member; failures go to the notes. */
static void add_command(struct diag *d, const char *name, char *const argv[])
{
	struct buf out = { 0 }, err = { 0 };
	int rc = run_capture(argv, &out, &err);

	if (rc < 0) {
		fprintf(d->notes, "%s: not collected: %s: %s\n", name, argv[0],
			strerror(errno));
	} else {
		if (rc != 0)
			fprintf(d->notes, "%s: %s exited with status %d: %.*s\n",
				name, argv[0], rc, (int)strcspn(err.p ? err.p : "",
								"\n"),
				err.p ? err.p : "");
		add_mem(d, name, out.p ? out.p : "", out.n);
	}
	if (out.cut)
		fprintf(d->notes, "%s: cut at %u bytes\n", name, MEMBER_CAP);
	free(out.p);
	free(err.p);
}

static void add_health(struct diag *d, const struct hopts *o)
{
	struct report r;
	char *p = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&p, &n);

	if (!fp) {
		d->failed = 1;
		return;
	}
	report_build(o, &r);
	print_json(fp, &r);
	report_free(&r);
	if (fclose(fp) == 0)
		add_mem(d, "health.json", p, n);
	else
		d->failed = 1;
	free(p);
}

/* This mdescan's own subcommands, their JSON kept as they print it. */
static void add_self(struct diag *d, const struct hopts *o, const char *self)
{
	char age[32], *def = NULL;
	const char *db = o->history_db;

	snprintf(age, sizeof(age), "%ld", o->max_age);
	if (!db)
		db = def = hist_default_path();
	{
		char *const ver[] = { (char *)self, "--version", NULL };
		char *const defs[] = { (char *)self, "definitions", "status",
			"--json", "--store", (char *)o->store, "--max-age", age,
			NULL };
		char *const scans[] = { (char *)self, "scan", "list", "--json",
			"--db", (char *)(db ? db : ""), NULL };
		char *const threats[] = { (char *)self, "threat", "list",
			"--json", "--db", (char *)(db ? db : ""), NULL };
		char *const quar[] = { (char *)self, "threat", "quarantine",
			"list", "--json", "--vault", (char *)o->qdir, NULL };

		add_command(d, "version.txt", ver);
		add_command(d, "definitions-status.json", defs);
		add_command(d, "history-scans.json", scans);
		add_command(d, "history-threats.json", threats);
		add_command(d, "quarantine.jsonl", quar);
	}
	free(def);
}

static void add_system(struct diag *d)
{
	char line[512], *s = NULL;
	struct utsname u;
	size_t n = 0;
	FILE *in, *fp = open_memstream(&s, &n);
	int i;

	if (!fp) {
		d->failed = 1;
		return;
	}
	if (uname(&u) == 0)
		fprintf(fp, "%s %s %s %s %s\n", u.sysname, u.nodename,
			u.release, u.version, u.machine);
	fclose(fp);
	add_mem(d, "uname.txt", s ? s : "", s ? n : 0);
	free(s);
	s = NULL;
	fp = open_memstream(&s, &n);
	if (fp && (in = fopen("/proc/meminfo", "re"))) {
		for (i = 0; i < 20 && fgets(line, sizeof(line), in); i++)
			fputs(line, fp);
		fclose(in);
	}
	if (fp)
		fclose(fp);
	add_mem(d, "meminfo.txt", s ? s : "", s ? n : 0);
	free(s);
	if ((s = realpath("/etc/os-release", NULL)))
		add_file(d, "os-release", s);
	free(s);
}

static void add_logs(struct diag *d)
{
	char *const jw[] = { "journalctl", "-u", "mdewatch", "-n", "200",
		"--no-pager", NULL };
	char *const js[] = { "journalctl", "-u", "mdescan*", "-n", "200",
		"--no-pager", NULL };
	char member[4200], *base;
	struct stat st;
	glob_t g;
	size_t i;

	add_command(d, "journal-mdewatch.txt", jw);
	add_command(d, "journal-mdescan.txt", js);
	if (glob("/var/log/mdescan*", 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		base = strrchr(g.gl_pathv[i], '/') + 1;
		snprintf(member, sizeof(member), "log/%s", base);
		if (lstat(g.gl_pathv[i], &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			add_tree(d, g.gl_pathv[i], member, 1);
		else if (S_ISREG(st.st_mode))
			add_file(d, member, g.gl_pathv[i]);
	}
	globfree(&g);
}

static void collect(struct diag *d, const struct hopts *o, const char *self)
{
	char *notes = NULL;
	size_t n = 0;

	if (!(d->notes = open_memstream(&notes, &n))) {
		d->failed = 1;
		return;
	}
	add_health(d, o);
	add_self(d, o, self);
	add_tree(d, o->config_dir, "config", 1);
	add_logs(d);
	add_system(d);
	fclose(d->notes);
	add_mem(d, "notes.txt", notes ? notes : "", notes ? n : 0);
	free(notes);
}

/* /var/lib/mdescan/diagnostic-STAMP.tar.gz as root, else in the current
 * directory. */
static int default_output(const char *stamp, char *out, size_t n)
{
	char cwd[4096];

	if (geteuid() == 0) {
		mkdir("/var/lib/mdescan", 0755);
		snprintf(out, n, "/var/lib/mdescan/diagnostic-%s.tar.gz", stamp);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return herr("current directory: %s", strerror(errno));
	snprintf(out, n, "%s/diagnostic-%s.tar.gz", cwd, stamp);
	return 0;
}

static int write_archive(const char *path, const struct hopts *o,
			 const char *self, struct diag *d)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
			    O_NOFOLLOW, 0600), rc = 0;

	if (fd < 0)
		return herr("%s: %s%s", path, strerror(errno), errno == EEXIST
			    ? " (a diagnostic archive is never replaced)" : "");
	if (!(d->a = archive_write_new()) ||
	    archive_write_add_filter_gzip(d->a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(d->a) != ARCHIVE_OK ||
	    archive_write_open_fd(d->a, fd) != ARCHIVE_OK)
		d->failed = 1;
	else
		collect(d, o, self);
	if (d->a && archive_write_close(d->a) != ARCHIVE_OK)
		d->failed = 1;
	if (d->failed)
		rc = herr("%s: cannot write the archive: %s", path,
			  d->a && archive_error_string(d->a)
				  ? archive_error_string(d->a)
				  : strerror(errno ? errno : EIO));
	archive_write_free(d->a);
	if (!rc && fsync(fd) != 0)
		rc = herr("%s: %s", path, strerror(errno));
	if (close(fd) != 0 && !rc)
		rc = herr("%s: %s", path, strerror(errno));
	if (rc)
		unlink(path);
	return rc;
}

int cmd_diagnostic(int argc, char **argv)
{
	char stamp[32], path[4200], self[4096];
	struct diag d = { 0 };
	struct hopts o;
	struct tm tm;
	ssize_t n;
	int rc;

	if (argc < 2 || strcmp(argv[1], "create") != 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	if ((rc = parse(argc - 1, argv + 1, &o, 1)))
		return rc == 1 ? 0 : rc;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return herr("/proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	d.now = time(NULL);
	gmtime_r(&d.now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(d.prefix, sizeof(d.prefix), "mdescan-diagnostic-%s", stamp);
	if (o.output)
		snprintf(path, sizeof(path), "%s", o.output);
	else if ((rc = default_output(stamp, path, sizeof(path))))
		return rc;
	if ((rc = write_archive(path, &o, self, &d)))
		return rc;
	printf("%s\n", path);
	return flush_stdout();
}
