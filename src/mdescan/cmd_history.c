/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_history.c - `mdescan scan list`, `mdescan threat list` and
 * `mdescan threat get ID`: the scan and threat history (history.h), as
 * aligned columns or JSON.
 *
 * The JSON is a contract (SIEMs, scripts).  Lists are an array of objects,
 * one object a line, newest first; `threat get` prints one object.  Times
 * are UTC, ISO 8601 with milliseconds ("2026-11-23T10:15:02.123Z"); a
 * field that is not known is null, never left out.
 *
 *   scan:   id, type (quick|full|custom|watch),
 *           status (running|succeeded|failed|cancelled|interrupted),
 *           started, ended (null: running or interrupted),
 *           duration_ms (null likewise), pid, paths (array of strings),
 *           definitions_version, files, bytes, findings, errors (null
 *           until the scan ends), threats (threat records of the scan)
 *   threat: id, scan_id, detected, path, name, sha256,
 *           action (none|quarantine|remove),
 *           state (detected|quarantined|removed|restored|allowed),
 *           state_changed, quarantine_id
 *
 * Paths and names that are not valid UTF-8 are written with \udcXX
 * escapes for the bad bytes (output.c), as in the scan's JSON Lines.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "history.h"
#include "mdecfg.h"
#include "output.h"
#include "util.h"
#include "banned.h"

struct hopts {
	const char *db;
	int json;
	long long limit;  /* scan list */
	long long scan;   /* threat list */
	long long id;     /* threat get */
};

static const char usage_text[] =
	"usage: mdescan scan list [--history-db PATH] [--json] [--limit N]\n"
	"       mdescan threat list [--history-db PATH] [--json] [--scan ID]\n"
	"         (a quarantined threat's STATE is followed by its vault id,\n"
	"         the ID of threat quarantine restore)\n"
	"       mdescan threat get ID [--history-db PATH] [--json]\n"
	"--history-db is the scans' own name; --db, the old one, is the "
	"same.\n"
	"Each takes --config FILE (default $MDESCAN_CONF, else "
	MDECFG_DEFAULT_PATH "): its history_db\nis the default --history-db.\n";

/* ------------------------------------------------------------ text table */

#define MAXCOLS 10

/* Rows of cells kept until every width is known; the last column is not
 * padded (it holds paths). */
struct table {
	size_t ncols, nrows, cap;
	const char *align;   /* 'l' or 'r' per column */
	char **cells;        /* nrows * ncols, malloc'd */
	size_t width[MAXCOLS];
	int oom;
};

static void table_add(struct table *t, char **row)
{
	char **nc;
	size_t i, w;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		nc = realloc(t->cells, t->cap * t->ncols * sizeof(*nc));
		if (!nc) {
			t->oom = 1;
			for (i = 0; i < t->ncols; i++)
				free(row[i]);
			return;
		}
		t->cells = nc;
	}
	for (i = 0; i < t->ncols; i++) {
		if (!row[i])
			t->oom = 1;
		w = row[i] ? strlen(row[i]) : 0;
		if (w > t->width[i])
			t->width[i] = w;
		t->cells[t->nrows * t->ncols + i] = row[i];
	}
	t->nrows++;
}

static void table_print(struct table *t, FILE *fp)
{
	size_t r, i;

	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * t->ncols + i];
			int w = (int)t->width[i];

			c = c ? c : "";
			if (i + 1 == t->ncols)
				fprintf(fp, "%s\n", c);
			else if (t->align[i] == 'r')
				fprintf(fp, "%*s  ", w, c);
			else
				fprintf(fp, "%-*s  ", w, c);
		}
	}
}

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "-");
}

static char *fmt_u64(uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return strdup(buf);
}

/* Local time to the second, ISO 8601 with the UTC offset
 * ("2026-11-23T11:15:02+01:00"): a time without its zone is ambiguous
 * once read elsewhere. */
static char *fmt_local(int64_t ms)
{
	char buf[64], day[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	int off;

	if (!localtime_r(&t, &tm) ||
	    !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm))
		return strdup("?");
	off = (int)(tm.tm_gmtoff / 60) % (24 * 60);
	snprintf(buf, sizeof(buf), "%.24s%c%02d:%02d", day, off < 0 ? '-' : '+',
		 abs(off) / 60, abs(off) % 60);
	return strdup(buf);
}

static char *fmt_duration(int64_t ms)
{
	char buf[32];

	if (ms < 60000)
		snprintf(buf, sizeof(buf), "%.1fs", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(buf, sizeof(buf), "%dm%02ds", (int)(ms / 60000),
			 (int)(ms / 1000 % 60));
	else
		snprintf(buf, sizeof(buf), "%dh%02dm", (int)(ms / 3600000),
			 (int)(ms / 60000 % 60));
	return strdup(buf);
}

/* Terminal-safe text (output.c's escapes) in a malloc'd string. */
static char *fmt_escaped(const char *const *v, size_t n, size_t show)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return NULL;
	for (i = 0; i < n && i < show; i++) {
		if (i)
			fputc(' ', fp);
		out_text_path(fp, v[i], strlen(v[i]));
	}
	if (n > show)
		fprintf(fp, " (+%zu more)", n - show);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ------------------------------------------------------------ JSON */

static void j_str(FILE *fp, const char *k, const char *v)
{
	fprintf(fp, ",\"%s\":", k);
	if (v)
		out_json_str(fp, v, strlen(v));
	else
		fputs("null", fp);
}

static void j_int(FILE *fp, const char *k, int has, int64_t v)
{
	if (has)
		fprintf(fp, ",\"%s\":%" PRId64, k, v);
	else
		fprintf(fp, ",\"%s\":null", k);
}

static void j_time(FILE *fp, const char *k, int64_t ms)
{
	char buf[48];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms || !gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) {
		fprintf(fp, ",\"%s\":null", k);
		return;
	}
	fprintf(fp, ",\"%s\":\"%s.%03dZ\"", k, buf, (int)(ms % 1000));
}

/* Objects of a JSON array, one a line. */
struct jarray {
	FILE *fp;
	size_t n;
};

static void jarray_next(struct jarray *a)
{
	fputs(a->n++ ? ",\n" : "[\n", a->fp);
}

static void jarray_end(struct jarray *a)
{
	fputs(a->n ? "\n]\n" : "[]\n", a->fp);
}

/* ------------------------------------------------------------ scans */

static void scan_json(FILE *fp, const hist_scan *s)
{
	const hist_counts *c = &s->counts;
	int ended = s->ended_ms != 0;
	size_t i;

	fprintf(fp, "{\"id\":%" PRId64, s->id);
	j_str(fp, "type", hist_type_name(s->type));
	j_str(fp, "status", hist_status_name(s->status));
	j_time(fp, "started", s->started_ms);
	j_time(fp, "ended", s->ended_ms);
	j_int(fp, "duration_ms", ended, s->ended_ms - s->started_ms);
	j_int(fp, "pid", 1, s->pid);
	fputs(",\"paths\":[", fp);
	for (i = 0; i < s->npaths; i++) {
		if (i)
			fputc(',', fp);
		out_json_str(fp, s->paths[i], strlen(s->paths[i]));
	}
	fputc(']', fp);
	j_str(fp, "definitions_version", s->defs_version);
	j_int(fp, "files", s->has_counts, (int64_t)c->files);
	j_int(fp, "bytes", s->has_counts, (int64_t)c->bytes);
	j_int(fp, "findings", s->has_counts, (int64_t)c->findings);
	j_int(fp, "errors", s->has_counts, (int64_t)c->errors);
	j_int(fp, "threats", 1, (int64_t)s->threats);
	fputc('}', fp);
}

static void scan_row(struct table *t, const hist_scan *s)
{
	char id[32], *row[9];
	int hc = s->has_counts;

	snprintf(id, sizeof(id), "%" PRId64, s->id);
	row[0] = strdup(id);
	row[1] = xstrdup(hist_type_name(s->type));
	row[2] = xstrdup(hist_status_name(s->status));
	row[3] = fmt_local(s->started_ms);
	row[4] = s->ended_ms ? fmt_duration(s->ended_ms - s->started_ms)
			     : xstrdup(NULL);
	row[5] = hc ? fmt_u64(s->counts.files) : xstrdup(NULL);
	row[6] = fmt_u64(s->threats);
	row[7] = hc ? fmt_u64(s->counts.errors) : xstrdup(NULL);
	row[8] = fmt_escaped(s->paths, s->npaths, 3);
	table_add(t, row);
}

struct lister {
	FILE *fp;
	int json;
	struct jarray ja;
	struct table tab;
};

static int on_scan(void *ctx, const hist_scan *s)
{
	struct lister *l = ctx;

	if (l->json) {
		jarray_next(&l->ja);
		scan_json(l->fp, s);
	} else {
		scan_row(&l->tab, s);
	}
	return 0;
}

/* ------------------------------------------------------------ threats */

static void threat_json(FILE *fp, const hist_threat *t)
{
	fprintf(fp, "{\"id\":%" PRId64 ",\"scan_id\":%" PRId64, t->id,
		t->scan_id);
	j_time(fp, "detected", t->detected_ms);
	j_str(fp, "path", t->path);
	j_str(fp, "name", t->name);
	j_str(fp, "sha256", t->sha256);
	j_str(fp, "action", hist_action_name(t->action));
	j_str(fp, "state", hist_state_name(t->state));
	j_time(fp, "state_changed", t->changed_ms);
	j_str(fp, "quarantine_id", t->quarantine_id);
	fputc('}', fp);
}

/*
 * The STATE cell: a threat still in the vault says under which id, the
 * ID `threat quarantine restore` takes (the header stays as it was).
 */
static char *state_cell(const hist_threat *th)
{
	const char *v[2] = { hist_state_name(th->state), th->quarantine_id };

	if (th->state != HIST_QUARANTINED || !v[1] || !*v[1])
		return xstrdup(v[0]);
	return fmt_escaped(v, 2, 2); /* the id as a path is: escaped */
}

static void threat_row(struct table *t, const hist_threat *th)
{
	char buf[32], *row[7];

	snprintf(buf, sizeof(buf), "%" PRId64, th->id);
	row[0] = strdup(buf);
	snprintf(buf, sizeof(buf), "%" PRId64, th->scan_id);
	row[1] = strdup(buf);
	row[2] = fmt_local(th->detected_ms);
	row[3] = xstrdup(hist_action_name(th->action));
	row[4] = state_cell(th);
	row[5] = fmt_escaped(&th->name, 1, 1);
	row[6] = fmt_escaped(&th->path, 1, 1);
	table_add(t, row);
}

static int on_threat(void *ctx, const hist_threat *t)
{
	struct lister *l = ctx;

	if (l->json) {
		jarray_next(&l->ja);
		threat_json(l->fp, t);
	} else {
		threat_row(&l->tab, t);
	}
	return 0;
}

static void show_field(FILE *fp, const char *k, const char *v)
{
	fprintf(fp, "%-15s", k);
	if (v)
		out_text_path(fp, v, strlen(v));
	else
		fputc('-', fp);
	fputc('\n', fp);
}

static int on_threat_get(void *ctx, const hist_threat *t)
{
	struct lister *l = ctx;
	char id[32], scan[32], *det = fmt_local(t->detected_ms),
		*chg = fmt_local(t->changed_ms);

	if (l->json) {
		threat_json(l->fp, t);
		fputc('\n', l->fp);
	} else {
		snprintf(id, sizeof(id), "%" PRId64, t->id);
		snprintf(scan, sizeof(scan), "%" PRId64, t->scan_id);
		show_field(l->fp, "Threat:", id);
		show_field(l->fp, "Scan:", scan);
		show_field(l->fp, "Name:", t->name);
		show_field(l->fp, "Path:", t->path);
		show_field(l->fp, "SHA-256:", t->sha256);
		show_field(l->fp, "Detected:", det);
		show_field(l->fp, "Action:", hist_action_name(t->action));
		show_field(l->fp, "State:", hist_state_name(t->state));
		show_field(l->fp, "State changed:", chg);
		show_field(l->fp, "Quarantine id:", t->quarantine_id);
	}
	free(det);
	free(chg);
	return 0;
}

/* ------------------------------------------------------------ verbs */

static int do_scan_list(hist *h, const struct hopts *o, struct lister *l)
{
	static const char *const head[] = { "ID", "TYPE", "STATUS", "STARTED",
		"DURATION", "FILES", "THREATS", "ERRORS", "PATHS" };
	size_t i;
	char *row[9];

	l->tab.ncols = 9;
	l->tab.align = "rllllrrrl";
	for (i = 0; i < 9; i++)
		row[i] = strdup(head[i]);
	if (!l->json)
		table_add(&l->tab, row);
	else
		for (i = 0; i < 9; i++)
			free(row[i]);
	return h ? hist_scan_list(h, (size_t)o->limit, on_scan, l) : 0;
}

static int do_threat_list(hist *h, const struct hopts *o, struct lister *l)
{
	static const char *const head[] = { "ID", "SCAN", "DETECTED", "ACTION",
		"STATE", "NAME", "PATH" };
	size_t i;
	char *row[7];

	l->tab.ncols = 7;
	l->tab.align = "rrlllll";
	for (i = 0; i < 7; i++)
		row[i] = strdup(head[i]);
	if (!l->json)
		table_add(&l->tab, row);
	else
		for (i = 0; i < 7; i++)
			free(row[i]);
	return h ? hist_threat_list(h, o->scan, on_threat, l) : 0;
}

static int do_threat_get(hist *h, const struct hopts *o, struct lister *l)
{
	int rc = h ? hist_threat_get(h, o->id, on_threat_get, l) : 0;

	if (rc == 0) {
		tool_warn("threat %lld: no such threat", o->id);
		return -2;
	}
	return rc < 0 ? -1 : 0;
}

struct verb {
	const char *noun, *verb;
	int (*run)(hist *h, const struct hopts *o, struct lister *l);
	int takes_id, is_list;
};

static const struct verb scan_list = { "scan", "list", do_scan_list, 0, 1 };
static const struct verb threat_get = { "threat", "get", do_threat_get, 1, 0 };
static const struct verb threat_list = { "threat", "list", do_threat_list,
					 0, 1 };

/* ------------------------------------------------------------ options */

static int parse_id(const char *s, long long min, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || end == s || *end || *out < min ? -1 : 0;
}

enum { OPT_DB = 256, OPT_CONF, OPT_JSON, OPT_LIMIT, OPT_SCAN };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, OPT_CONF },
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, 'h' },
	{ "history-db", required_argument, NULL, OPT_DB },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "scan", required_argument, NULL, OPT_SCAN },
	{ NULL, 0, NULL, 0 }
};

static int parse_loop(int argc, char **argv, const struct verb *v,
		      struct hopts *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': return 1;
		case OPT_CONF: break; /* read before, by parse_opts() */
		case OPT_DB: o->db = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_LIMIT:
			if (!v->is_list || strcmp(v->noun, "scan") != 0)
				return tool_fail("--limit: only for scan list");
			if (parse_id(optarg, 0, &o->limit) < 0)
				return tool_fail("--limit: not a count");
			break;
		case OPT_SCAN:
			if (!v->is_list || strcmp(v->noun, "threat") != 0)
				return tool_fail("--scan: only for threat "
						 "list");
			if (parse_id(optarg, 1, &o->scan) < 0)
				return tool_fail("--scan: not a scan id");
			break;
		default:
			return cli_see_help(v->noun);
		}
	}
	return 0;
}

/* Returns 0, 1 for --help, or 2 (message printed). */
static int parse_opts(int argc, char **argv, const struct verb *v,
		      struct hopts *o)
{
	char *verb = argv[0];
	struct cli_conf cf;
	int c;

	if (cli_conf_read(argc, argv, &cf) ||
	    cli_exact_options(argc, argv, longopts, v->noun))
		return 2;
	o->db = cf.history_db;
	argv[0] = (char *)"mdescan"; /* getopt's messages start with it */
	/* glibc: start afresh, mdescan's own options may have run */
	optind = 0;
	c = parse_loop(argc, argv, v, o);
	argv[0] = verb;
	if (c != 0)
		return c;
	if (argc - optind != v->takes_id) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (v->takes_id && parse_id(argv[optind], 1, &o->id) < 0)
		return tool_fail("%s: not a threat id", argv[optind]);
	return 0;
}

/*
 * Opens the history read-only.  A missing file is an empty history (no
 * scan recorded yet): *h stays NULL and 0 is returned.
 */
static int open_history(const struct hopts *o, hist **h)
{
	char err[1024], *def = NULL;
	const char *path = o->db;
	int rc = 0;

	*h = NULL;
	if (!path && !(path = def = hist_default_path()))
		return tool_fail("history: no database path (set HOME or use "
				 "--db)");
	if (!(*h = hist_open(path, HIST_READONLY, err, sizeof(err)))) {
		if (errno == ENOENT)
			tool_warn("%s: no scan recorded yet", path);
		else
			rc = tool_fail("%s", err);
	}
	free(def);
	return rc;
}

static int finish(struct lister *l, const struct verb *v)
{
	if (l->json && v->is_list)
		jarray_end(&l->ja);
	else if (!l->json && l->tab.nrows > 1) /* a header alone: nothing */
		table_print(&l->tab, l->fp);
	if (l->tab.oom)
		return tool_fail("history: %s", strerror(ENOMEM));
	errno = 0;
	if (fflush(l->fp) != 0 || ferror(l->fp))
		return tool_fail("standard output: %s",
				 strerror(errno ? errno : EIO));
	return 0;
}

/* Runs v; argv[0] is the verb, its options follow. */
static int run(const struct verb *v, int argc, char **argv)
{
	struct hopts o = { 0 };
	struct lister l = { .fp = stdout };
	hist *h = NULL;
	int rc;

	if ((rc = parse_opts(argc, argv, v, &o)) != 0) {
		if (rc == 1)
			fputs(usage_text, stdout);
		return rc == 1 ? 0 : rc;
	}
	if ((rc = open_history(&o, &h)) != 0)
		return rc;
	l.json = o.json;
	l.ja.fp = stdout;
	rc = v->run(h, &o, &l);
	if (rc == -1)
		rc = tool_fail("%s", hist_error(h));
	else if (rc == -2)
		rc = 2;
	else
		rc = finish(&l, v);
	table_free(&l.tab);
	hist_close(h);
	return rc;
}

int cmd_scan_list(int argc, char **argv)
{
	return run(&scan_list, argc, argv);
}

int cmd_threat_get(int argc, char **argv)
{
	return run(&threat_get, argc, argv);
}

int cmd_threat_list(int argc, char **argv)
{
	return run(&threat_list, argc, argv);
}
