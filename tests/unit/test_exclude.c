/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_exclude.c - unit tests for the exclusion matcher (exclude.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exclude.h"

/* A matcher holding one exclusion; fails the test if it is refused. */
static mde__excl *one(mde_excl_kind kind, const char *pattern)
{
	mde__excl *x = mde__excl_new();

	assert_non_null(x);
	assert_int_equal(mde__excl_add(x, kind, pattern), MDE_OK);
	assert_false(mde__excl_empty(x));
	return x;
}

static bool file(const mde__excl *x, const char *p)
{
	return mde__excl_file(x, p, strlen(p));
}

static bool dir(const mde__excl *x, const char *p)
{
	return mde__excl_dir(x, p, strlen(p));
}

static void test_empty(void **state)
{
	mde__excl *x = mde__excl_new();

	assert_true(mde__excl_empty(x));
	assert_true(mde__excl_empty(NULL));
	assert_false(file(x, "/etc/passwd"));
	assert_false(dir(x, "/etc"));
	assert_false(file(NULL, "/etc/passwd"));
	assert_false(dir(NULL, "/"));
	mde__excl_free(x);
	mde__excl_free(NULL);
}

/* mdatp "File" examples: "/var/log/test.log", "/var/log/" "*.log",
 * "/var/log/install.?.log" */
static void test_mdatp_file(void **state)
{
	mde__excl *x = one(MDE_EXCL_PATH, "/var/log/test.log");

	assert_true(file(x, "/var/log/test.log"));
	assert_false(file(x, "/var/log/test.log2"));
	assert_false(file(x, "/var/log/test"));
	assert_false(file(x, "/var/log"));
	/* a plain path that is a directory: it and everything below */
	assert_true(dir(x, "/var/log/test.log"));
	assert_true(file(x, "/var/log/test.log/a/b"));
	assert_false(dir(x, "/var/log"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/var/log/*.log");
	assert_true(file(x, "/var/log/a.log"));
	assert_true(file(x, "/var/log/.log"));
	assert_true(file(x, "/var/log/a.b.log"));
	assert_false(file(x, "/var/log/a.txt"));
	assert_false(file(x, "/var/log/a.logx"));
	assert_false(file(x, "/var/log/sub/a.log"));
	assert_false(file(x, "/var/a.log"));
	assert_false(dir(x, "/var/log/d.log")); /* files only */
	assert_false(file(x, "/var/log/d.log/f"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/var/log/install.?.log");
	assert_true(file(x, "/var/log/install.1.log"));
	assert_true(file(x, "/var/log/install.x.log"));
	assert_false(file(x, "/var/log/install.12.log"));
	assert_false(file(x, "/var/log/install..log"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/srv/file?.log");
	assert_true(file(x, "/srv/file1.log"));
	assert_true(file(x, "/srv/file2.log"));
	assert_false(file(x, "/srv/file123.log"));
	mde__excl_free(x);
}

/* mdatp "Folder" examples: "/var/log/" and "/var/" "*" "/" */
static void test_mdatp_folder(void **state)
{
	const char *forms[][2] = {
		{ "P", "/var/log/" }, { "D", "/var/log" }, { "D", "/var/log/" }
	};
	mde__excl *x;
	size_t i;

	for (i = 0; i < 3; i++) {
		x = one(forms[i][0][0] == 'P' ? MDE_EXCL_PATH : MDE_EXCL_DIR,
			forms[i][1]);
		assert_true(file(x, "/var/log/syslog"));
		assert_true(file(x, "/var/log/a/b/c"));
		assert_false(file(x, "/var/logs/x"));
		assert_false(file(x, "/var/lo"));
		assert_false(file(x, "/var/log")); /* the folder, not a file */
		assert_false(file(x, "/var/x"));
		assert_true(dir(x, "/var/log"));
		assert_true(dir(x, "/var/log/"));
		assert_true(dir(x, "/var/log/sub/deeper"));
		assert_false(dir(x, "/var"));
		assert_false(dir(x, "/var/logs"));
		mde__excl_free(x);
	}

	x = one(MDE_EXCL_PATH, "/var/*/");
	assert_true(file(x, "/var/abc/x"));
	assert_true(file(x, "/var/abc/def/x"));
	assert_false(file(x, "/var/x")); /* not files directly in /var */
	assert_true(dir(x, "/var/abc"));
	assert_false(dir(x, "/var"));
	mde__excl_free(x);
}

/* mdatp: folder "/var/" "*" "/tmp" excludes /var/abc/tmp and below, not
 * /var/abc/log; '*' inside the pattern stays in one component. */
static void test_star_middle(void **state)
{
	mde__excl *x = one(MDE_EXCL_DIR, "/var/*/tmp");

	assert_true(file(x, "/var/abc/tmp/f"));
	assert_true(file(x, "/var/def/tmp/sub/f"));
	assert_true(dir(x, "/var/abc/tmp"));
	assert_false(file(x, "/var/abc/log/f"));
	assert_false(file(x, "/var/a/b/tmp/f"));
	assert_false(file(x, "/var/tmp/f"));
	assert_false(dir(x, "/var/abc"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/home/*/x");
	assert_true(file(x, "/home/ann/x"));
	assert_false(file(x, "/home/a/b/x"));
	assert_false(file(x, "/home/ann/x/y"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/a*b*c/d");
	assert_true(file(x, "/abc/d"));
	assert_true(file(x, "/aXbYYc/d"));
	assert_false(file(x, "/aX/bc/d"));
	assert_false(file(x, "/acb/d"));
	mde__excl_free(x);
}

/* '*' at the end of the pattern matches anything, at any depth. */
static void test_star_end(void **state)
{
	mde__excl *x = one(MDE_EXCL_PATH, "/var/log/*");

	assert_true(file(x, "/var/log/a"));
	assert_true(file(x, "/var/log/a/b/c"));
	assert_false(file(x, "/var/log"));
	assert_false(file(x, "/var/logx"));
	assert_true(dir(x, "/var/log/sub"));
	assert_false(dir(x, "/var/log"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/opt/app*");
	assert_true(file(x, "/opt/app"));
	assert_true(file(x, "/opt/app.conf"));
	assert_true(file(x, "/opt/apps/x/y"));
	assert_true(dir(x, "/opt/apps"));
	assert_false(file(x, "/opt/ap"));
	assert_false(file(x, "/opt/x/app"));
	mde__excl_free(x);

	x = one(MDE_EXCL_DIR, "/opt/app*");
	assert_true(dir(x, "/opt/app2"));
	assert_true(file(x, "/opt/app2/x"));
	assert_false(file(x, "/opt/app2")); /* folder: only what is below */
	mde__excl_free(x);
}

static void test_question(void **state)
{
	mde__excl *x = one(MDE_EXCL_PATH, "/a?b");

	assert_true(file(x, "/axb"));
	assert_false(file(x, "/a/b"));
	assert_false(file(x, "/ab"));
	assert_false(file(x, "/axxb"));
	mde__excl_free(x);

	/* one character: a whole UTF-8 sequence, else one byte */
	x = one(MDE_EXCL_PATH, "/h/?ser");
	assert_true(file(x, "/h/\xc3\xbcser"));       /* u-umlaut */
	assert_true(file(x, "/h/\xffser"));           /* invalid byte */
	assert_true(file(x, "/h/\xc3ser"));          /* lone lead byte */
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/x/*??");
	assert_false(file(x, "/x/\xe2\x82\xac")); /* one char, euro sign */
	assert_true(file(x, "/x/a\xe2\x82\xac"));
	mde__excl_free(x);

	/* a pattern that is not UTF-8 itself matches byte by byte */
	x = one(MDE_EXCL_PATH, "/t/\xca*");
	assert_true(file(x, "/t/\xca\x8e"));
	mde__excl_free(x);
	x = one(MDE_EXCL_PATH, "/t/\xff??");
	assert_true(file(x, "/t/\xff\xc3\xbc"));
	assert_false(file(x, "/t/\xff\xc3"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/x/\xc3\xbc?");
	assert_true(file(x, "/x/\xc3\xbc" "a"));
	assert_false(file(x, "/x/\xc3\xbd" "a"));
	mde__excl_free(x);
}

static void test_normalise(void **state)
{
	mde__excl *x = one(MDE_EXCL_PATH, "//var///log//");

	assert_true(file(x, "/var/log/x"));
	assert_true(dir(x, "/var/log"));
	assert_false(file(x, "/var/log"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/tmp//a");
	assert_true(file(x, "/tmp/a"));
	mde__excl_free(x);

	x = one(MDE_EXCL_DIR, "/");
	assert_true(dir(x, "/"));
	assert_true(dir(x, "/usr"));
	assert_true(file(x, "/etc/passwd"));
	assert_false(file(x, "relative/path"));
	assert_false(file(x, ""));
	mde__excl_free(x);
}

static void test_invalid(void **state)
{
	static const char *bad_path[] = {
		"", "var/log", "./x", "~/x", "*/x", "/a/../b", "/a/./b", "/.",
		"/..", "/a/.", "/a/../"
	};
	static const char *bad_ext[] = {
		"", ".", "*.", "*log", "a/b", "a.b", "l?g", "lo*", "..log",
		"*.*", "*"
	};
	mde__excl *x = mde__excl_new();
	size_t i;

	for (i = 0; i < sizeof(bad_path) / sizeof(*bad_path); i++) {
		assert_int_equal(mde__excl_add(x, MDE_EXCL_PATH, bad_path[i]),
				 MDE_ERR_ARG);
		assert_int_equal(mde__excl_add(x, MDE_EXCL_DIR, bad_path[i]),
				 MDE_ERR_ARG);
	}
	for (i = 0; i < sizeof(bad_ext) / sizeof(*bad_ext); i++)
		assert_int_equal(mde__excl_add(x, MDE_EXCL_EXT, bad_ext[i]),
				 MDE_ERR_ARG);
	assert_int_equal(mde__excl_add(x, MDE_EXCL_PATH, NULL), MDE_ERR_ARG);
	assert_int_equal(mde__excl_add(NULL, MDE_EXCL_PATH, "/a"),
			 MDE_ERR_ARG);
	assert_int_equal(mde__excl_add(x, (mde_excl_kind)99, "/a"),
			 MDE_ERR_ARG);
	assert_int_equal(mde__excl_add(x, (mde_excl_kind)0, "/a"),
			 MDE_ERR_ARG);
	assert_true(mde__excl_empty(x));
	/* names containing dots inside a component are fine */
	assert_int_equal(mde__excl_add(x, MDE_EXCL_PATH, "/a/..b/.c"),
			 MDE_OK);
	assert_true(file(x, "/a/..b/.c"));
	mde__excl_free(x);
}

static void test_ext(void **state)
{
	static const char *forms[] = { "log", ".log", "*.log" };
	mde__excl *x;
	size_t i;

	for (i = 0; i < 3; i++) {
		x = one(MDE_EXCL_EXT, forms[i]);
		assert_true(file(x, "/var/a.log"));
		assert_true(file(x, "/a.b.log"));
		assert_true(file(x, "/var/.x.log"));
		assert_false(file(x, "/var/a.LOG")); /* case-sensitive */
		assert_false(file(x, "/var/a.log.gz"));
		assert_false(file(x, "/var/.log")); /* no extension */
		assert_false(file(x, "/var/..log"));
		assert_false(file(x, "/var/log"));
		assert_false(file(x, "/var/alog"));
		assert_false(file(x, "/var/a."));
		assert_false(file(x, "/x.log/a"));
		assert_false(dir(x, "/var/x.log")); /* files only */
		assert_true(file(x, "/var/a.log/")); /* trailing '/' ignored */
		mde__excl_free(x);
	}

	x = one(MDE_EXCL_EXT, "LOG");
	assert_true(file(x, "/a.LOG"));
	assert_false(file(x, "/a.log"));
	assert_int_equal(mde__excl_add(x, MDE_EXCL_EXT, ".LOG"), MDE_OK);
	mde__excl_free(x);
}

static void test_ext_many(void **state)
{
	mde__excl *x = mde__excl_new();
	char buf[32], path[64];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "e%d", i);
		assert_int_equal(mde__excl_add(x, MDE_EXCL_EXT, buf), MDE_OK);
	}
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/d/f.e%d", i);
		assert_true(file(x, path));
	}
	assert_false(file(x, "/d/f.e200"));
	assert_false(file(x, "/d/f.e"));
	assert_false(file(x, "/d/f.averyveryverylongextension"));
	mde__excl_free(x);
}

static void test_weird_bytes(void **state)
{
	const char nl[] = "/tmp/a\nb";
	const char nul[] = "/tmp/a\0b";
	const char buf[] = "/tmp/ab/c-not-part-of-the-path";
	mde__excl *x = one(MDE_EXCL_PATH, "/tmp/a\nb");

	assert_true(mde__excl_file(x, nl, sizeof(nl) - 1));
	assert_false(file(x, "/tmp/ab"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/tmp/a");
	assert_false(mde__excl_file(x, nul, sizeof(nul) - 1));
	assert_true(mde__excl_file(x, nul, 6)); /* n bounds the path */
	assert_false(mde__excl_file(x, buf, 7));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/tmp/*");
	assert_true(mde__excl_file(x, nul, sizeof(nul) - 1));
	assert_true(mde__excl_file(x, nl, sizeof(nl) - 1));
	assert_true(file(x, "/tmp/\xff\xfe\x80"));
	mde__excl_free(x);

	x = one(MDE_EXCL_PATH, "/tmp/\xff\xfe?");
	assert_true(file(x, "/tmp/\xff\xfe\x80"));
	assert_false(file(x, "/tmp/\xff\xfe"));
	mde__excl_free(x);

	x = one(MDE_EXCL_EXT, "\xc3\xa9");
	assert_true(file(x, "/tmp/x.\xc3\xa9"));
	assert_false(file(x, "/tmp/x.\xc3"));
	mde__excl_free(x);
}

/* Must finish quickly; a backtracking matcher would not. */
static void test_pathological(void **state)
{
	size_t n = 200000, i;
	char *p = malloc(n + 1), *pat = malloc(4000);
	mde__excl *x = one(MDE_EXCL_PATH, "/a*a*a*a*a*a*a*a*a*a*a*a*b");

	assert_non_null(p);
	assert_non_null(pat);
	p[0] = '/';
	memset(p + 1, 'a', n - 1);
	p[n] = '\0';
	assert_false(mde__excl_file(x, p, n));
	p[n - 1] = 'b';
	assert_true(mde__excl_file(x, p, n));
	assert_int_equal(mde__excl_add(x, MDE_EXCL_DIR, "/*a*a*a*a*a*c/x"),
			 MDE_OK);
	p[n - 1] = 'a';
	assert_false(mde__excl_file(x, p, n));
	assert_false(mde__excl_dir(x, p, n));

	/* many components, many wildcard components */
	for (i = 0; i + 2 < 4000; i += 2) {
		pat[i] = '/';
		pat[i + 1] = '*';
	}
	pat[i - 1] = 'z';
	pat[i] = '\0';
	assert_int_equal(mde__excl_add(x, MDE_EXCL_PATH, pat), MDE_OK);
	for (i = 0; i + 1 < n; i += 2) {
		p[i] = '/';
		p[i + 1] = 'a';
	}
	p[n] = '\0';
	assert_false(mde__excl_file(x, p, n));
	assert_false(mde__excl_dir(x, p, n));
	free(p);
	free(pat);
	mde__excl_free(x);
}

static void test_mixed(void **state)
{
	mde__excl *x = mde__excl_new();

	assert_int_equal(mde__excl_add(x, MDE_EXCL_DIR, "/proc"), MDE_OK);
	assert_int_equal(mde__excl_add(x, MDE_EXCL_PATH, "/home/*/.cache/"),
			 MDE_OK);
	assert_int_equal(mde__excl_add(x, MDE_EXCL_PATH, "/etc/shadow"),
			 MDE_OK);
	assert_int_equal(mde__excl_add(x, MDE_EXCL_EXT, "iso"), MDE_OK);
	assert_true(dir(x, "/proc"));
	assert_true(file(x, "/proc/1/maps"));
	assert_true(dir(x, "/home/ann/.cache"));
	assert_true(file(x, "/home/ann/.cache/x/y"));
	assert_false(file(x, "/home/ann/.cachex/y"));
	assert_true(file(x, "/etc/shadow"));
	assert_false(file(x, "/etc/shadow-"));
	assert_true(file(x, "/srv/debian.iso"));
	assert_false(file(x, "/srv/debian.img"));
	assert_false(dir(x, "/home/ann"));
	assert_false(dir(x, "/"));
	mde__excl_free(x);
}

/* The public set (mdewatch's) is the walk's matcher: same answers. */
static void test_public_set(void **state)
{
	mde_exclusions *x = mde_exclusions_new();

	(void)state;
	assert_non_null(x);
	assert_false(mde_exclusions_match(x, "/a/b"));
	assert_false(mde_exclusions_match(NULL, "/a/b"));
	assert_int_equal(mde_exclusions_add(x, MDE_EXCL_PATH, "/m/data/*.tmp"),
			 MDE_OK);
	assert_int_equal(mde_exclusions_add(x, MDE_EXCL_DIR, "/m/cache"),
			 MDE_OK);
	assert_int_equal(mde_exclusions_add(x, MDE_EXCL_EXT, "*.log"), MDE_OK);
	assert_int_equal(mde_exclusions_add(x, MDE_EXCL_PATH, "rel/*"),
			 MDE_ERR_ARG);
	assert_int_equal(mde_exclusions_add(x, MDE_EXCL_EXT, "a/b"),
			 MDE_ERR_ARG);
	assert_true(mde_exclusions_match(x, "/m/data/x.tmp"));
	assert_false(mde_exclusions_match(x, "/m/data/sub/y.tmp"));
	assert_true(mde_exclusions_match(x, "/m/cache/deep/b.txt"));
	assert_false(mde_exclusions_match(x, "/m/cachex/c.txt"));
	assert_true(mde_exclusions_match(x, "/m/app.log"));
	assert_false(mde_exclusions_match(x, "/m/logs/d.log.txt"));
	assert_false(mde_exclusions_match(x, NULL));
	mde_exclusions_free(x);
	mde_exclusions_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_mdatp_file),
		cmocka_unit_test(test_mdatp_folder),
		cmocka_unit_test(test_star_middle),
		cmocka_unit_test(test_star_end),
		cmocka_unit_test(test_question),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_ext),
		cmocka_unit_test(test_ext_many),
		cmocka_unit_test(test_weird_bytes),
		cmocka_unit_test(test_pathological),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_public_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
