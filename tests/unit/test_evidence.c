/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_evidence.c - unit tests for src/mdescan/evidence.c and its
 * outputs (out_*.c): findings held until their file is done and given
 * out with its total and level, in order, with files interleaving;
 * --min-score; levels; CSV quoting; the hashdeep and bodyfile lines; a
 * write that fails.  The real consumers (jsonschema, csv, hashdeep,
 * mactime) are driven by t-evidence.sh.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "evidence.h"

struct got {
	char name[16][64];
	long total[16];
	const char *level[16];
	int n;
};

static void emit(void *ctx, const struct out_event *sf)
{
	struct got *g = ctx;

	assert_true(g->n < 16);
	snprintf(g->name[g->n], sizeof(g->name[0]), "%s:%s", sf->ev->path,
		 sf->ev->name);
	g->total[g->n] = sf->file_score;
	g->level[g->n] = sf->level;
	g->n++;
}

static struct ev_opts opts(void)
{
	struct ev_opts o = { 0 };

	o.alert = 100; /* the default levels (score_alert...) */
	o.warning = 60;
	o.notice = 40;
	o.defs_version = "test";
	o.scan_type = "custom";
	return o;
}

static mde_event finding(const char *path, const char *name, long score)
{
	mde_event ev = { 0 };

	ev.type = MDE_EV_FINDING;
	ev.path = path;
	ev.path_len = strlen(path);
	ev.name = name;
	ev.stage = "yara";
	ev.score = score;
	return ev;
}

static mde_event file_done(const char *path, long total,
			   const mde_fileinfo *fi)
{
	mde_event ev = { 0 };

	ev.type = MDE_EV_FILE;
	ev.path = path;
	ev.path_len = strlen(path);
	ev.score = total;
	ev.file = fi;
	return ev;
}

static void test_levels(void **state)
{
	struct ev_opts o = opts();

	(void)state;
	assert_string_equal(evidence_level(&o, 100), "alert");
	assert_string_equal(evidence_level(&o, 99), "warning");
	assert_string_equal(evidence_level(&o, 60), "warning");
	assert_string_equal(evidence_level(&o, 59), "notice");
	assert_string_equal(evidence_level(&o, 40), "notice");
	assert_string_equal(evidence_level(&o, 39), "low");
	assert_string_equal(evidence_level(&o, 0), "low");
	assert_null(evidence_level(&o, -1));
}

/* Two files' findings interleave; each file's go out, in their order,
 * when its FILE event comes, with its total. */
static void test_held_until_file(void **state)
{
	struct ev_opts o = opts();
	struct got g = { 0 };
	char err[256];
	struct evidence *x = evidence_open(&o, emit, &g, err, sizeof(err));
	mde_event ev;

	(void)state;
	assert_non_null(x);
	ev = finding("/a", "R1", 40);
	assert_int_equal(evidence_event(x, &ev), 0);
	ev = finding("/b", "R9", 100);
	assert_int_equal(evidence_event(x, &ev), 0);
	ev = finding("/a", "R2", 70);
	assert_int_equal(evidence_event(x, &ev), 0);
	ev.type = MDE_EV_CLEAN; /* shown by the caller at once */
	ev.path = "/c";
	ev.path_len = 2;
	assert_int_equal(evidence_event(x, &ev), 1);
	assert_int_equal(g.n, 0);
	ev = file_done("/a", 110, NULL);
	assert_int_equal(evidence_event(x, &ev), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.name[0], "/a:R1");
	assert_string_equal(g.name[1], "/a:R2");
	assert_int_equal(g.total[0], 110);
	assert_string_equal(g.level[1], "alert");
	/* /b never gets its FILE event (a cancelled scan): the finish
	 * gives it out with the sum of what is held */
	evidence_finish(x, NULL, 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.name[2], "/b:R9");
	assert_int_equal(g.total[2], 100);
	assert_int_equal(evidence_reported(x), 3);
	assert_int_equal(evidence_close(x, err, sizeof(err)), 0);
}

static void test_min_score(void **state)
{
	struct ev_opts o = opts();
	struct got g = { 0 };
	char err[256];
	struct evidence *x;
	mde_event ev;

	(void)state;
	o.min_score = 60;
	x = evidence_open(&o, emit, &g, err, sizeof(err));
	assert_non_null(x);
	ev = finding("/low", "R1", 40);
	evidence_event(x, &ev);
	ev = file_done("/low", 40, NULL);
	evidence_event(x, &ev);
	ev = finding("/high", "R2", 30);
	evidence_event(x, &ev);
	ev = finding("/high", "R3", 30);
	evidence_event(x, &ev);
	ev = file_done("/high", 60, NULL);
	evidence_event(x, &ev);
	/* an audit finding is shown but neither counted nor summed */
	ev = finding("/audit", "PUA.X", 100);
	ev.audit = 1;
	evidence_event(x, &ev);
	ev = file_done("/audit", 0, NULL);
	evidence_event(x, &ev);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.name[0], "/high:R2");
	assert_string_equal(g.level[0], "warning");
	assert_int_equal(evidence_reported(x), 2);
	assert_int_equal(evidence_below(x), 2);
	assert_int_equal(evidence_close(x, err, sizeof(err)), 0);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void test_files(void **state)
{
	char dir[] = "/tmp/test_evidence.XXXXXX", csv[300], hd[300],
	     body[300], err[256], *s;
	struct ev_opts o = opts();
	struct evidence *x;
	mde_fileinfo fi = { 0 };
	mde_event ev;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(csv, sizeof(csv), "%s/f.csv", dir);
	snprintf(hd, sizeof(hd), "%s/m.hd", dir);
	snprintf(body, sizeof(body), "%s/body", dir);
	assert_int_equal(evidence_add_output(&o, "csv", csv), 0);
	assert_int_equal(evidence_add_output(&o, "hashdeep", hd), 0);
	assert_int_equal(evidence_add_output(&o, "bodyfile", body), 0);
	x = evidence_open(&o, NULL, NULL, err, sizeof(err));
	assert_non_null(x);
	fi.ino = 12;
	fi.mode = S_IFREG | 04755;
	fi.uid = 1;
	fi.gid = 2;
	fi.size = 5;
	fi.atime_ns = 1000000000LL * 1577934245; /* 2020-01-02T03:04:05Z */
	fi.mtime_ns = fi.atime_ns + 1500000000LL;
	fi.ctime_ns = fi.atime_ns;
	fi.btime_ns = -1;
	fi.md5 = "0123456789abcdef0123456789abcdef";
	fi.sha256 = "aa";
	ev = finding("/d/x, \"y\"\n.txt", "R\"1", 70);
	ev.description = "a,b";
	ev.file = &fi;
	evidence_event(x, &ev);
	ev = file_done("/d/x, \"y\"\n.txt", 70, &fi);
	evidence_event(x, &ev);
	ev = file_done("/d/plain", 0, &fi);
	evidence_event(x, &ev);
	assert_int_equal(evidence_close(x, err, sizeof(err)), 0);

	s = slurp(csv);
	assert_non_null(strstr(s, "\"/d/x, \"\"y\"\"\n.txt\""));
	assert_non_null(strstr(s, ",\"R\"\"1\","));
	assert_non_null(strstr(s, ",\"a,b\","));
	assert_non_null(strstr(s, ",2020-01-02T03:04:06.500Z,"));
	assert_non_null(strstr(s, ",4755,"));
	assert_non_null(strstr(s, ",70,70,warning,threat\r\n"));
	free(s);
	s = slurp(hd);
	assert_true(strncmp(s, "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,"
			       "filename\n", 46) == 0);
	/* the name holding a newline cannot be a manifest line */
	assert_null(strstr(s, "x, "));
	assert_non_null(strstr(s, "\n5,0123456789abcdef0123456789abcdef,aa,"
				  "/d/plain\n"));
	free(s);
	s = slurp(body);
	assert_string_equal(s, "0123456789abcdef0123456789abcdef|/d/plain|12|"
			       "-rwsr-xr-x|1|2|5|1577934245|1577934246|"
			       "1577934245|0\n");
	free(s);
	unlink(csv);
	unlink(hd);
	unlink(body);
	rmdir(dir);
}

static void test_write_error(void **state)
{
	struct ev_opts o = opts();
	char err[256];
	struct evidence *x;
	mde_event ev;

	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	assert_int_equal(evidence_add_output(&o, "csv", "/dev/full"), 0);
	x = evidence_open(&o, NULL, NULL, err, sizeof(err));
	assert_non_null(x);
	ev = finding("/a", "R", 100);
	evidence_event(x, &ev);
	ev = file_done("/a", 100, NULL);
	evidence_event(x, &ev);
	assert_int_equal(evidence_close(x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/dev/full"));
	assert_int_equal(evidence_add_output(&o, "csv",
					     "/nonexistent/dir/f.csv"), 0);
	assert_null(evidence_open(&o, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/dir/f.csv"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_held_until_file),
		cmocka_unit_test(test_min_score),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
