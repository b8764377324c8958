/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config.c - unit tests for the configuration file (src/common/config*.c):
 * every line form and every error, the types, drop-ins, the getters, the
 * editor helpers; the pattern checks against the engine's own
 * (mde__excl_add), the archive type names against mde_archive_type(),
 * and the key table against man/mdescan.conf.5 both ways.
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

#include "exclude.h"
#include "mdecfg.h"
#include "mdescan.h"

static char err[1024];

/* Parses text as "t.conf"; NULL (err set) if it fails. */
static struct mdecfg *parse(const char *text)
{
	struct mdecfg *c = mdecfg_new();

	assert_non_null(c);
	err[0] = '\0';
	if (mdecfg_parse(c, "t.conf", text, strlen(text), err, sizeof(err))) {
		mdecfg_free(c);
		return NULL;
	}
	return c;
}

/* text must fail with an error containing want. */
static void bad(const char *text, const char *want)
{
	struct mdecfg *c = parse(text);

	if (c) {
		mdecfg_free(c);
		fail_msg("accepted: %s", text);
	}
	if (!strstr(err, want))
		fail_msg("for '%s': error '%s' lacks '%s'", text, err, want);
}

/* text holds key set to want (the unquoted value). */
static void good(const char *text, const char *key, const char *want)
{
	struct mdecfg *c = parse(text);
	const char *v = NULL;

	if (!c)
		fail_msg("refused '%s': %s", text, err);
	assert_true(mdecfg_get_str(c, key, &v));
	assert_string_equal(v, want);
	mdecfg_free(c);
}

static int64_t num(const char *text, const char *key)
{
	struct mdecfg *c = parse(text);
	int64_t v = -42;

	if (!c)
		fail_msg("refused '%s': %s", text, err);
	assert_true(mdecfg_get_int(c, key, &v));
	mdecfg_free(c);
	return v;
}

static void test_line_forms(void **state)
{
	struct mdecfg *c;
	int64_t v = 7;
	const char *s = "unset";

	(void)state;
	c = parse("");
	assert_non_null(c);
	assert_false(mdecfg_get_int(c, "threads", &v));
	assert_int_equal(v, 7); /* untouched when unset */
	assert_false(mdecfg_get_str(c, "store", &s));
	assert_string_equal(s, "unset");
	mdecfg_free(c);
	c = parse("# comment\n\n   \t\n  # indented comment\n");
	assert_non_null(c);
	mdecfg_free(c);
	good("threads=4", "threads", "4");
	good("threads = 4\n", "threads", "4");
	good("\t threads \t=\t 4 \t\n", "threads", "4");
	good("threads = 4 # four\n", "threads", "4");
	good("threads = 4# four\n", "threads", "4");
	good("threads = 4\r\n", "threads", "4");
	good("store = /a b/c\n", "store", "/a b/c");
	good("store = /a\\b\n", "store", "/a\\b"); /* no escapes unquoted */
	good("store = \"/a b \"\n", "store", "/a b ");
	good("store = \"/a#b\" # c\n", "store", "/a#b");
	good("store = \"/a\\\"b\\\\c\"\n", "store", "/a\"b\\c");
	good("store = \"/a\tb\"", "store", "/a\tb");
}

static void test_line_forms_tail(void **state)
{
	(void)state;
	/* the last line needs no newline; an empty last line is fine */
	good("threads = 3", "threads", "3");
	good("threads = 3\n\n", "threads", "3");
}

static void test_errors(void **state)
{
	char big[MDECFG_LINE_MAX + 32];
	char nul[] = "threads = 4\nstore = /a\0b\n";
	struct mdecfg *c;

	(void)state;
	bad("bogus = 1\n", "t.conf:1: unknown key 'bogus'");
	bad("\n\nThreads = 1\n", "t.conf:3: unknown key 'Threads'");
	bad("threads\n", "t.conf:1: missing '=' after 'threads'");
	bad("threads 4\n", "missing '='");
	bad("threads =\n", "t.conf:1: threads: an empty value");
	bad("threads = # none\n", "an empty value");
	bad("store = \"\"\n", "an empty value");
	bad("threads = four\n", "threads: 'four' is not a number");
	bad("threads = 0\n", "out of range (1..1024)");
	bad("threads = 1025\n", "out of range");
	bad("threads = -1\n", "not a number");
	bad("threads = 99999999999999999999999\n", "not a number");
	bad("store = \"/a\n", "t.conf:1: unterminated quote");
	bad("store = \"/a\" b\n", "text after the closing quote");
	bad("store = \"/a\\n\"\n", "unknown escape");
	bad("store = /a\x01\n", "control character");
	bad("store = /a\x7f\n", "control character");
	bad("threads = 1\nthreads = 2\n",
	    "t.conf:2: 'threads' set again (first at line 1)");
	bad("= 3\n", "unknown key ''");
	memset(big, 'x', sizeof(big));
	memcpy(big, "store = /", 9);
	big[MDECFG_LINE_MAX + 1] = '\0';
	bad(big, "line longer than 4096 bytes");
	big[MDECFG_LINE_MAX] = '\0';
	c = parse(big); /* exactly the limit is fine */
	assert_non_null(c);
	mdecfg_free(c);
	c = mdecfg_new();
	assert_int_equal(mdecfg_parse(c, "n.conf", nul, sizeof(nul) - 1, err,
				      sizeof(err)), -1);
	assert_string_equal(err, "n.conf:2: a NUL byte");
	mdecfg_free(c);
}

static void test_types(void **state)
{
	(void)state;
	assert_int_equal(num("nice = yes", "nice"), 1);
	assert_int_equal(num("nice = true", "nice"), 1);
	assert_int_equal(num("nice = 1", "nice"), 1);
	assert_int_equal(num("nice = no", "nice"), 0);
	assert_int_equal(num("nice = false", "nice"), 0);
	assert_int_equal(num("nice = 0", "nice"), 0);
	bad("nice = Yes", "not yes, no, true, false, 1 or 0");
	bad("nice = on", "not yes");
	assert_int_equal(num("max_filesize = 0", "max_filesize"), 0);
	assert_int_equal(num("max_filesize = 123", "max_filesize"), 123);
	assert_int_equal(num("max_filesize = 2k", "max_filesize"), 2048);
	assert_int_equal(num("max_filesize = 100M", "max_filesize"),
			 100 << 20);
	assert_int_equal(num("max_filesize = 3G", "max_filesize"),
			 (int64_t)3 << 30);
	bad("max_filesize = 1T", "not a size");
	bad("max_filesize = 1MB", "not a size");
	bad("max_filesize = M", "not a size");
	bad("max_filesize = 9999999999999G", "not a size");
	bad("max_filesize = 4294967297G", "out of range");
	assert_int_equal(num("timeout = 90", "timeout"), 90);
	assert_int_equal(num("timeout = 90s", "timeout"), 90);
	assert_int_equal(num("timeout = 2m", "timeout"), 120);
	assert_int_equal(num("timeout = 1h", "timeout"), 3600);
	assert_int_equal(num("timeout = 1d", "timeout"), 86400);
	bad("timeout = 2d", "out of range (0..86400 seconds)");
	bad("timeout = 1w", "not a time");
	assert_int_equal(num("archive_bomb = off", "archive_bomb"), 0);
	assert_int_equal(num("archive_bomb = block", "archive_bomb"), 2);
	bad("archive_bomb = on", "'on' is not one of off, audit, block");
	good("archive_types = tar,zip,upx", "archive_types", "tar,zip,upx");
	bad("archive_types = tar,,zip", "'' is not one of tar");
	bad("archive_types = tar, zip", "' zip' is not one of");
	bad("archive_types = tar,", "'' is not one of");
	good("cache_dir = /c", "cache_dir", "/c");
	bad("cache_dir = c", "not an absolute path");
	good("exclude_path = /srv/*/x?", "exclude_path", "/srv/*/x?");
	bad("exclude_dir = srv", "not an absolute path pattern");
	bad("exclude_dir = /srv/./x", "without . or ..");
	bad("exclude_path = /srv//..", "without . or ..");
	good("exclude_ext = *.log", "exclude_ext", "*.log");
	bad("exclude_ext = a.b", "not an extension");
	bad("exclude_ext = *", "not an extension");
	bad("exclude_ext = .", "not an extension");
	good("allowed_threat = Eicar-Test-Signature", "allowed_threat",
	     "Eicar-Test-Signature");
	bad("allowed_threat = \"two words\"", "not a threat name");
	good("update_mirror = https://m.example/x", "update_mirror",
	     "https://m.example/x");
	good("update_mirror = /srv/mirror", "update_mirror", "/srv/mirror");
	bad("update_mirror = ftp://m.example/", "not an absolute path or an");
	bad("update_mirror = https://", "not an absolute path or an");
	assert_int_equal(num("log_level = debug", "log_level"), 3);
	assert_int_equal(num("watch_mode = audit", "watch_mode"), 0);
	assert_int_equal(num("watch_deadline_ms = 1", "watch_deadline_ms"), 1);
	bad("watch_deadline_ms = 0", "out of range");
}

struct seen {
	char buf[512];
	int n;
};

static int collect(void *ctx, const struct mdecfg_val *v)
{
	struct seen *s = ctx;
	size_t o = strlen(s->buf);

	snprintf(s->buf + o, sizeof(s->buf) - o, "%s%s@%s:%u",
		 s->n++ ? " " : "", v->value, v->file, v->line);
	return 0;
}

static int stop_at_two(void *ctx, const struct mdecfg_val *v)
{
	(void)v;
	return ++*(int *)ctx == 2 ? 9 : 0;
}

static void test_repeatable_and_each(void **state)
{
	struct mdecfg *c;
	struct seen s = { "", 0 };
	const struct mdecfg_val *v;
	int n = 0, b = -1;

	(void)state;
	c = parse("exclude_path = /a\n#\nexclude_path = /b\n"
		  "exclude_path = /a\nnice = yes\n");
	assert_non_null(c);
	assert_int_equal(mdecfg_each(c, "exclude_path", collect, &s), 0);
	assert_string_equal(s.buf, "/a@t.conf:1 /b@t.conf:3 /a@t.conf:4");
	assert_int_equal(mdecfg_each(c, "exclude_path", stop_at_two, &n), 9);
	v = mdecfg_get(c, "nice");
	assert_non_null(v);
	assert_string_equal(v->file, "t.conf");
	assert_int_equal(v->line, 5);
	assert_true(mdecfg_get_bool(c, "nice", &b));
	assert_int_equal(b, 1);
	s.buf[0] = '\0';
	s.n = 0;
	assert_int_equal(mdecfg_each(c, "nice", collect, &s), 0);
	assert_string_equal(s.buf, "yes@t.conf:5");
	assert_int_equal(mdecfg_each(c, "watch_path", collect, &s), 0);
	mdecfg_free(c);
	mdecfg_free(NULL);
}

/* ------------------------------------------------------------- files */

static char dir[64];

static void put(const char *name, const char *text, mode_t mode)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_config.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_load_and_dropins(void **state)
{
	char p[256], d[256];
	struct mdecfg *c;
	struct seen s = { "", 0 };
	int64_t v = 0;

	(void)state;
	snprintf(p, sizeof(p), "%s/m.conf", dir);
	snprintf(d, sizeof(d), "%s/m.conf.d", dir);
	assert_null(mdecfg_load(p, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "m.conf: No such file"));
	c = mdecfg_load(p, 1, err, sizeof(err));
	assert_non_null(c);
	mdecfg_free(c);
	put("m.conf", "threads = 2\nexclude_ext = log\n", 0644);
	assert_int_equal(mkdir(d, 0755), 0);
	put("m.conf.d/20-b.conf", "threads = 8\nexclude_ext = tmp\n", 0644);
	put("m.conf.d/10-a.conf", "threads = 4\nexclude_ext = iso\n", 0644);
	put("m.conf.d/.hidden.conf", "bogus = 1\n", 0644);
	put("m.conf.d/x.conf.bak", "bogus = 1\n", 0644);
	c = mdecfg_load(p, 0, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_true(mdecfg_get_int(c, "threads", &v));
	assert_int_equal(v, 8); /* the last drop-in wins */
	assert_int_equal(mdecfg_get(c, "threads")->line, 1);
	assert_non_null(strstr(mdecfg_get(c, "threads")->file, "20-b.conf"));
	mdecfg_each(c, "exclude_ext", collect, &s);
	assert_non_null(strstr(s.buf, "log@"));
	assert_true(strstr(s.buf, "log@") < strstr(s.buf, "iso@"));
	assert_true(strstr(s.buf, "iso@") < strstr(s.buf, "tmp@"));
	mdecfg_free(c);
	/* an error in a drop-in names the drop-in and its line */
	put("m.conf.d/30-c.conf", "\nnice = maybe\n", 0644);
	assert_null(mdecfg_load(p, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "m.conf.d/30-c.conf:2: nice: 'maybe'"));
	put("m.conf.d/30-c.conf", "nice = no\n", 0644);
	/* writable by others: refused, file or drop-in directory */
	put("m.conf", "threads = 2\n", 0666);
	assert_null(mdecfg_load(p, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "writable by others"));
	put("m.conf", "threads = 2\n", 0644);
	assert_int_equal(chmod(d, 0777), 0);
	assert_null(mdecfg_load(p, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "m.conf.d: writable by others"));
	assert_int_equal(chmod(d, 0755), 0);
	/* not a regular file */
	assert_null(mdecfg_load(d, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	c = mdecfg_load(p, 0, err, sizeof(err));
	assert_non_null(c);
	mdecfg_free(c);
}

/* ------------------------------------------------- the editor helpers */

static const struct mdecfg_key *key(const char *name)
{
	const struct mdecfg_key *k = mdecfg_find_key(name, strlen(name));

	assert_non_null(k);
	return k;
}

/* format() must read back as the same value. */
static void round_trip(const char *kname, const char *value)
{
	const struct mdecfg_key *k = key(kname), *rk;
	char *line = mdecfg_format(k, value), *v, why[256];

	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(mdecfg_parse_line(line, strlen(line) - 1, &rk, &v,
					   why, sizeof(why)), 1);
	assert_ptr_equal(rk, k);
	assert_string_equal(v, value);
	free(v);
	free(line);
}

static void test_format_same_check(void **state)
{
	char why[256], *line;

	(void)state;
	line = mdecfg_format(key("exclude_path"), "/a/b");
	assert_string_equal(line, "exclude_path = /a/b\n");
	free(line);
	line = mdecfg_format(key("exclude_path"), "/a \"b\" #\\");
	assert_string_equal(line, "exclude_path = \"/a \\\"b\\\" #\\\\\"\n");
	free(line);
	round_trip("exclude_path", "/a b ");
	round_trip("exclude_path", "/a\\b");
	round_trip("exclude_path", "/#");
	round_trip("exclude_dir", "/\"quoted\"");
	round_trip("exclude_dir", "/tab\there");
	assert_true(mdecfg_same(key("exclude_path"), "/a//b", "/a/b"));
	assert_true(mdecfg_same(key("exclude_path"), "//a/b/", "/a/b//"));
	assert_false(mdecfg_same(key("exclude_path"), "/a/b/", "/a/b"));
	assert_true(mdecfg_same(key("exclude_ext"), "*.log", ".log"));
	assert_true(mdecfg_same(key("exclude_ext"), "log", ".log"));
	assert_false(mdecfg_same(key("exclude_ext"), "log", "LOG"));
	assert_false(mdecfg_same(key("exclude_process"), "/a//b", "/a/b"));
	assert_int_equal(mdecfg_check(key("exclude_dir"), "/a\nb", why,
				      sizeof(why)), -1);
	assert_non_null(strstr(why, "control character"));
	assert_int_equal(mdecfg_check(key("exclude_dir"), "/a/b", why,
				      sizeof(why)), 0);
}

/* The pattern checks give the engine's answers. */
static void test_patterns_match_engine(void **state)
{
	static const char *const pats[] = {
		"/", "//", "/a", "/a/", "/a//b", "/a/*", "/*", "/?", "/a/.",
		"/a/..", "/./a", "/../a", "/a/.b", "/a/..b", "/a/b./",
		"/a/...", "a", "", "*", "./a", "/a/./", "//..//", "/.x/..y",
		"log", ".log", "*.log", "*.", ".", "a.b", "a/b", "a*", "a?",
		"**.log", "*log", "..log", "tar.gz",
	};
	static const mde_excl_kind kinds[] = { MDE_EXCL_PATH, MDE_EXCL_DIR,
					       MDE_EXCL_EXT };
	static const char *const keys[] = { "exclude_path", "exclude_dir",
					    "exclude_ext" };
	char why[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		for (j = 0; j < 3; j++) {
			mde__excl *x = mde__excl_new();
			int eng = mde__excl_add(x, kinds[j], pats[i]) == MDE_OK;
			int cfg = mdecfg_check(key(keys[j]), pats[i], why,
					       sizeof(why)) == 0;

			mde__excl_free(x);
			if (eng != cfg)
				fail_msg("%s = '%s': engine %d, config %d",
					 keys[j], pats[i], eng, cfg);
		}
	}
}

static void test_archive_words(void **state)
{
	const struct mdecfg_key *k = key("archive_types");
	int64_t all = 0;
	size_t i;

	(void)state;
	for (i = 0; k->words[i]; i++) {
		assert_int_not_equal(mde_archive_type(k->words[i]), 0);
		all |= mde_archive_type(k->words[i]);
	}
	/* every kind of the engine (bits 0..i-1), each word its own */
	assert_int_equal(all, ((int64_t)1 << i) - 1);
	assert_null(mde_archive_type_name((unsigned)i));
	assert_int_equal(all & ~MDE_ARC_ALL, 0);
}

/* The table is sorted (find_key bisects) and every key is found. */
static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < mdecfg_nkeys; i++) {
		const struct mdecfg_key *k = &mdecfg_keys[i];

		if (i)
			assert_true(strcmp(mdecfg_keys[i - 1].name, k->name) < 0);
		assert_ptr_equal(mdecfg_find_key(k->name, strlen(k->name)), k);
		assert_true(strspn(k->name, "abcdefghijklmnopqrstuvwxyz_") ==
			    strlen(k->name));
		assert_non_null(k->def);
		assert_non_null(k->doc);
		assert_true((k->type == MDECFG_ENUM || k->type == MDECFG_LIST) ==
			    (k->words != NULL));
	}
	assert_null(mdecfg_find_key("thread", 6));
	assert_null(mdecfg_find_key("threadsx", 8));
	assert_null(mdecfg_find_key("", 0));
	assert_null(mdecfg_find_key("zzz", 3));
}

/* Every key of the table is an .It Cm entry of KEYS in the man page, and
 * every entry is a key. */
static void test_man_page(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[1024];
	int in_keys = 0, *seen = calloc(mdecfg_nkeys, sizeof(int));
	const struct mdecfg_key *k;
	size_t i, n = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/man/mdescan.conf.5",
		 top ? top : ".");
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (set top_srcdir)", path);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, ".Sh ", 4) == 0)
			in_keys = strcmp(line, ".Sh KEYS\n") == 0;
		if (!in_keys || strncmp(line, ".It Cm ", 7) != 0)
			continue;
		n = strcspn(line + 7, " \n");
		k = mdecfg_find_key(line + 7, n);

		if (!k)
			fail_msg("man page key '%.*s' is not in the table",
				 (int)n, line + 7);
		seen[k - mdecfg_keys]++;
	}
	fclose(f);
	for (i = 0; i < mdecfg_nkeys; i++)
		if (seen[i] != 1)
			fail_msg("key '%s' is in the man page %d times",
				 mdecfg_keys[i].name, seen[i]);
	free(seen);
}

static void test_default_path(void **state)
{
	(void)state;
	unsetenv("MDESCAN_CONF");
	assert_string_equal(mdecfg_default_path(), "/etc/mdescan/mdescan.conf");
	setenv("MDESCAN_CONF", "", 1);
	assert_string_equal(mdecfg_default_path(), "/etc/mdescan/mdescan.conf");
	setenv("MDESCAN_CONF", "/tmp/x.conf", 1);
	assert_string_equal(mdecfg_default_path(), "/tmp/x.conf");
	unsetenv("MDESCAN_CONF");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_forms),
		cmocka_unit_test(test_line_forms_tail),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_repeatable_and_each),
		cmocka_unit_test_setup_teardown(test_load_and_dropins,
						setup_dir, teardown_dir),
		cmocka_unit_test(test_format_same_check),
		cmocka_unit_test(test_patterns_match_engine),
		cmocka_unit_test(test_archive_words),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_man_page),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
