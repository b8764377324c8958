/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_cmd.c - `mdewatch --stats` and `mdewatch --status`: they read
 * the stats file the daemon writes (a small JSON reader, enough for that
 * file) and its pidfile, and print a table or JSON.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdewatch_int.h"
#include "output.h"
#include "util.h"
#include "banned.h"

/* ------------------------------------------ a small JSON reader */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	int t;
	double num;      /* J_NUM, J_BOOL */
	char *s;         /* J_STR */
	size_t n;        /* J_STR length; J_ARR / J_OBJ items */
	struct jv *v;    /* J_ARR / J_OBJ items */
	char **k;        /* J_OBJ keys */
};

struct jp {
	const char *p, *end;
};

static void jv_free(struct jv *v)
{
	size_t i;

	if (v->t == J_STR)
		free(v->s);
	if (v->t == J_ARR || v->t == J_OBJ) {
		for (i = 0; i < v->n; i++) {
			jv_free(&v->v[i]);
			if (v->k)
				free(v->k[i]);
		}
		free(v->v);
		free(v->k);
	}
	v->t = J_NULL;
}

static void ws_skip(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' ||
				 *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		if ((d = tool_hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at j->p (after the quote).  \udcXX, how out_json_str writes
 * a byte that is not UTF-8, becomes that byte again. */
static int parse_str(struct jp *j, struct jv *v)
{
	char *o = malloc((size_t)(j->end - j->p) + 1);
	size_t n = 0;
	unsigned cp, lo;

	if (!o)
		return -1;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;

		if (c != '\\') {
			o[n++] = c;
			continue;
		}
		if (j->p >= j->end)
			goto bad;
		c = *j->p++;
		switch (c) {
		case 'n': o[n++] = '\n'; break;
		case 't': o[n++] = '\t'; break;
		case 'r': o[n++] = '\r'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'u':
			if (j->end - j->p < 4 || hex4(j->p, &cp) < 0)
				goto bad;
			j->p += 4;
			if (cp >= 0xdc80 && cp <= 0xdcff) {
				o[n++] = (char)(cp & 0xff);
				break;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 &&
			    j->p[0] == '\\' && j->p[1] == 'u' &&
			    hex4(j->p + 2, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				j->p += 6;
			}
			n += put_utf8(o + n, cp);
			break;
		default: o[n++] = c; break;
		}
	}
	if (j->p >= j->end)
		goto bad;
	j->p++;
	o[n] = '\0';
	v->t = J_STR;
	v->s = o;
	v->n = n;
	return 0;
bad:
	free(o);
	return -1;
}

static int parse_val(struct jp *j, struct jv *v, int depth);

/* An array (close ']') or object (close '}') after its opening. */
static int parse_list(struct jp *j, struct jv *v, int obj, int depth)
{
	size_t cap = 0;
	struct jv key;

	v->t = obj ? J_OBJ : J_ARR;
	ws_skip(j);
	if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (v->n == cap) {
			size_t nc = cap ? 2 * cap : 8;
			struct jv *nv = realloc(v->v, nc * sizeof(*nv));
			char **nk = obj ? realloc(v->k, nc * sizeof(*nk)) : NULL;

			if (nv)
				v->v = nv;
			if (nk)
				v->k = nk;
			if (!nv || (obj && !nk))
				return -1;
			cap = nc;
		}
		ws_skip(j);
		if (obj) {
			if (j->p >= j->end || *j->p != '"')
				return -1;
			j->p++;
			if (parse_str(j, &key) < 0)
				return -1;
			v->k[v->n] = key.s;
			ws_skip(j);
			if (j->p >= j->end || *j->p != ':') {
				v->v[v->n++].t = J_NULL;
				return -1;
			}
			j->p++;
		}
		memset(&v->v[v->n], 0, sizeof(v->v[0]));
		v->n++;
		if (parse_val(j, &v->v[v->n - 1], depth + 1) < 0)
			return -1;
		ws_skip(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static int parse_val(struct jp *j, struct jv *v, int depth)
{
	char *e;

	memset(v, 0, sizeof(*v));
	ws_skip(j);
	if (j->p >= j->end || depth > 32)
		return -1;
	switch (*j->p) {
	case '{': j->p++; return parse_list(j, v, 1, depth);
	case '[': j->p++; return parse_list(j, v, 0, depth);
	case '"': j->p++; return parse_str(j, v);
	}
	if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
		j->p += 4;
		return 0;
	}
	if (j->end - j->p >= 4 && memcmp(j->p, "true", 4) == 0) {
		j->p += 4;
		v->t = J_BOOL;
		v->num = 1;
		return 0;
	}
	if (j->end - j->p >= 5 && memcmp(j->p, "false", 5) == 0) {
		j->p += 5;
		v->t = J_BOOL;
		return 0;
	}
	/* the buffer ends with a NUL, so strtod stops in it */
	v->num = strtod(j->p, &e);
	if (e == j->p)
		return -1;
	v->t = J_NUM;
	j->p = e;
	return 0;
}

static const struct jv *jget(const struct jv *o, const char *key)
{
	size_t i;

	if (!o || o->t != J_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (strcmp(o->k[i], key) == 0)
			return &o->v[i];
	return NULL;
}

static double jnumv(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && (v->t == J_NUM || v->t == J_BOOL) ? v->num : 0;
}

static const char *jstrv(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_STR ? v->s : "";
}

/* A stats file larger than this is not one. */
#define STATS_MAX (64u << 20)

/* Reads and parses a whole file; -1 with a message on failure. */
static int load_json(const char *path, struct jv *root)
{
	FILE *fp = fopen(path, "re");
	struct tool_buf b = { 0 };
	char chunk[65536];
	size_t r;
	struct jp j;
	int rc = -1;

	if (!fp) {
		tool_warn("cannot read the stats file '%s': %s", path,
			  strerror(errno));
		return -1;
	}
	/* a NUL at the end even of an empty file: strtod stops there */
	if (tool_buf_put(&b, "", 0) < 0)
		goto big;
	while ((r = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (b.len + r > STATS_MAX || tool_buf_put(&b, chunk, r) < 0)
			goto big;
	j.p = b.p;
	j.end = b.p + b.len;
	if (parse_val(&j, root, 0) < 0 || root->t != J_OBJ) {
		jv_free(root);
		tool_warn("'%s' is not a stats file of mdewatch (bad JSON)",
			  path);
		goto out;
	}
	rc = 0;
	goto out;
big:
	tool_warn("'%s' is too large for a stats file", path);
out:
	tool_buf_free(&b);
	fclose(fp);
	return rc;
}

/* ------------------------------------------------------- --stats */

static const char *sort_key;  /* field of a process to sort by */
static const char *sort_name; /* as --sort names it */

static int by_key(const void *a, const void *b)
{
	const struct jv *x = *(const struct jv *const *)a;
	const struct jv *y = *(const struct jv *const *)b;
	double dx = jnumv(x, sort_key), dy = jnumv(y, sort_key);

	if (dx != dy)
		return dx < dy ? 1 : -1;
	return (int)(jnumv(x, "pid") - jnumv(y, "pid"));
}

static void print_text(const struct jv *root, const struct jv **pr,
		       size_t n)
{
	const struct jv *c = jget(root, "counters");
	size_t i;

	printf("mdewatch pid %.0f, %s mode; events %.0f, scanned %.0f, "
	       "cached %.0f, denied %.0f, reported %.0f, fail-open %.0f\n",
	       jnumv(root, "pid"), jstrv(root, "mode"), jnumv(c, "events"),
	       jnumv(c, "scanned"), jnumv(c, "cached"), jnumv(c, "denied"),
	       jnumv(c, "reported"), jnumv(c, "fail_open"));
	printf("%7s %-15s %8s %8s %7s %11s %10s  %s\n", "PID", "COMM",
	       "SCANNED", "CACHED", "DENIED", "TIME_MS", "MAX_MS", "EXE");
	for (i = 0; i < n; i++) {
		const char *comm = jstrv(pr[i], "comm");
		const char *exe = jstrv(pr[i], "exe");

		printf("%7.0f ", jnumv(pr[i], "pid"));
		out_text_path(stdout, comm, strlen(comm));
		printf("%*s %8.0f %8.0f %7.0f %11.3f %10.3f  ",
		       (int)(strlen(comm) < 15 ? 15 - strlen(comm) : 0), "",
		       jnumv(pr[i], "scanned"), jnumv(pr[i], "cached"),
		       jnumv(pr[i], "denied"), jnumv(pr[i], "scan_time_ms"),
		       jnumv(pr[i], "max_scan_time_ms"));
		out_text_path(stdout, exe, strlen(exe));
		putchar('\n');
	}
}

static void print_json(const struct jv *root, const struct jv **pr,
		       size_t n)
{
	static const char *const nums[] = { "pid", "running", "scanned",
		"cached", "excluded", "denied", "failures" };
	static const char *const strs[] = { "comm", "exe" };
	size_t i, k;

	printf("{\"pid\":%.0f,\"mode\":", jnumv(root, "pid"));
	out_json_str(stdout, jstrv(root, "mode"), strlen(jstrv(root, "mode")));
	printf(",\"updated\":%.0f,\"sort\":\"%s\",\"processes\":[",
	       jnumv(root, "updated"), sort_name);
	for (i = 0; i < n; i++) {
		printf("%s{", i ? "," : "");
		for (k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
			printf("\"%s\":%.0f,", nums[k], jnumv(pr[i], nums[k]));
		for (k = 0; k < sizeof(strs) / sizeof(strs[0]); k++) {
			const char *s = jstrv(pr[i], strs[k]);

			printf("\"%s\":", strs[k]);
			out_json_str(stdout, s, strlen(s));
			putchar(',');
		}
		printf("\"scan_time_ms\":%.3f,\"max_scan_time_ms\":%.3f}",
		       jnumv(pr[i], "scan_time_ms"),
		       jnumv(pr[i], "max_scan_time_ms"));
	}
	printf("]}\n");
}

int cmd_stats(const struct wopts *o)
{
	struct jv root;
	const struct jv *procs, **pr;
	size_t n, i;

	if (load_json(o->stats_file, &root) < 0)
		return 2;
	procs = jget(&root, "processes");
	n = procs && procs->t == J_ARR ? procs->n : 0;
	pr = malloc((n + 1) * sizeof(*pr));
	if (!pr) {
		jv_free(&root);
		return tool_fail("out of memory");
	}
	for (i = 0; i < n; i++)
		pr[i] = &procs->v[i];
	sort_key = o->sort == SORT_TIME     ? "scan_time_ms"
		   : o->sort == SORT_DENIED ? "denied"
					    : "scanned";
	sort_name = o->sort == SORT_TIME     ? "time"
		    : o->sort == SORT_DENIED ? "denied"
					     : "scans";
	qsort(pr, n, sizeof(*pr), by_key);
	if (o->top > 0 && (size_t)o->top < n)
		n = (size_t)o->top;
	if (o->json)
		print_json(&root, pr, n);
	else
		print_text(&root, pr, n);
	free(pr);
	jv_free(&root);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 2;
}

/* ------------------------------------------------------ --status */

static void jprint_str(const char *prefix, const char *s)
{
	fputs(prefix, stdout);
	out_json_str(stdout, s, strlen(s));
}

int cmd_status(const struct wopts *o)
{
	pid_t pid = tool_pidfile_pid(o->pidfile);
	struct jv root = { 0 };
	const struct jv *paths, *c;
	int have = 0;
	size_t i;

	if (pid > 0 && access(o->stats_file, R_OK) == 0 &&
	    load_json(o->stats_file, &root) == 0)
		have = jnumv(&root, "pid") == (double)pid;
	if (o->json) {
		printf("{\"running\":%s", pid > 0 ? "true" : "false");
		if (pid > 0)
			printf(",\"pid\":%d", (int)pid);
		if (have) {
			jprint_str(",\"mode\":", jstrv(&root, "mode"));
			jprint_str(",\"gate\":", jstrv(&root, "gate"));
			jprint_str(",\"mark\":", jstrv(&root, "mark"));
			printf(",\"paths\":[");
			paths = jget(&root, "paths");
			for (i = 0; paths && paths->t == J_ARR && i < paths->n;
			     i++) {
				const struct jv *p = &paths->v[i];

				if (i)
					putchar(',');
				if (p->t == J_STR)
					out_json_str(stdout, p->s, p->n);
			}
			printf("]");
			jprint_str(",\"defs_version\":",
				   jstrv(&root, "defs_version"));
			printf(",\"started\":%.0f,\"updated\":%.0f",
			       jnumv(&root, "started"), jnumv(&root, "updated"));
		}
		printf("}\n");
	} else if (pid <= 0) {
		printf("mdewatch is not running%s\n",
		       pid < 0 ? " (stale pidfile)" : "");
	} else {
		printf("mdewatch is running (pid %d)\n", (int)pid);
		if (have) {
			c = jget(&root, "counters");
			printf("mode: %s\n", jstrv(&root, "mode"));
			if (strcmp(jstrv(&root, "mode"), "block") == 0)
				printf("gate: %s\n", jstrv(&root, "gate"));
			printf("mark: %s\npaths:", jstrv(&root, "mark"));
			paths = jget(&root, "paths");
			for (i = 0; paths && paths->t == J_ARR && i < paths->n;
			     i++) {
				putchar(' ');
				if (paths->v[i].t == J_STR)
					out_text_path(stdout, paths->v[i].s,
						      paths->v[i].n);
			}
			printf("\ndefinitions: %s\nuptime: %.0f s\n"
			       "stats updated: %.0f s ago\n"
			       "events: %.0f, denied: %.0f, fail-open: %.0f\n",
			       jstrv(&root, "defs_version"),
			       (double)time(NULL) - jnumv(&root, "started"),
			       (double)time(NULL) - jnumv(&root, "updated"),
			       jnumv(c, "events"), jnumv(c, "denied"),
			       jnumv(c, "fail_open"));
		}
	}
	jv_free(&root);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 2;
	return pid > 0 ? 0 : pid < 0 ? 1 : 3;
}
