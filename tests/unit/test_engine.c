/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_engine.c - unit tests of the engine through its public API
 * (definitions from buffers, a scan of a tree made here) and of the small
 * internal pieces it owns (file typing, YARA stage).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mde_int.h"
#include "bundle.h"
#include "clamav.h"
#include "defs_format.h"
#include "ioc.h"

struct seen {
	int findings, errors, skipped, clean;
	char names[16][128];
	char stages[16][16];
	char reasons[16][64];
	long scores[16];
	int nnames, nreasons;
};

static void on_event(void *ctx, const mde_event *ev)
{
	struct seen *s = ctx;

	switch (ev->type) {
	case MDE_EV_FINDING:
		s->findings++;
		if (s->nnames < 16) {
			snprintf(s->names[s->nnames], 128, "%s", ev->name);
			snprintf(s->stages[s->nnames], 16, "%s", ev->stage);
			s->scores[s->nnames++] = ev->score;
		}
		break;
	case MDE_EV_ERROR: s->errors++; break;
	case MDE_EV_SKIPPED:
		s->skipped++;
		if (s->nreasons < 16)
			snprintf(s->reasons[s->nreasons++], 64, "%s",
				 ev->reason);
		break;
	case MDE_EV_CLEAN: s->clean++; break;
	case MDE_EV_FILE: break;
	}
}

static int has_name(const struct seen *s, const char *name,
		    const char *stage)
{
	int i;

	for (i = 0; i < s->nnames; i++)
		if (!strcmp(s->names[i], name) && !strcmp(s->stages[i], stage))
			return 1;
	return 0;
}

static char tmpdir[256];

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static int setup_tree(void **state)
{
	char p[512];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mde-unit-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(p, sizeof(p), "%s/sub", tmpdir);
	mkdir(p, 0755);
	put("a.txt", "hello world", 11);
	put("sub/marker.bin", "xxMARKER-ONExx", 14);
	put("sub/Big.PHP", "<?php echo 'MARKER-TWO'; ?>", 27);
	snprintf(p, sizeof(p), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(p, 0600), 0);
	return 0;
}

static int teardown_tree(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char ndb[] = "Test.Marker.One:0:*:4d41524b45522d4f4e45\n";
static const char yar[] =
	"rule Test_Php_Marker {\n"
	"  meta: description = \"marker in php\" score = 42\n"
	"  strings: $m = \"MARKER-TWO\"\n"
	"  condition: $m and extension == \".php\" and filename == \"Big.PHP\"\n"
	"    and filepath endswith \"/sub\" and owner != \"\"\n"
	"}\n";

static mde_defs *make_defs(void)
{
	mde_defs *d = mde_defs_new();
	char hsb[160];

	/* sha256("hello world") */
	snprintf(hsb, sizeof(hsb), "%s:11:Test.Hash.Hello\n",
		 "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
	assert_non_null(d);
	assert_int_equal(mde_defs_load_buffer(d, "t.hsb", hsb, strlen(hsb)),
			 MDE_OK);
	assert_int_equal(mde_defs_load_buffer(d, "t.ndb", ndb, strlen(ndb)),
			 MDE_OK);
	assert_int_equal(mde_defs_load_buffer(d, "t.yar", yar, strlen(yar)),
			 MDE_OK);
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	return d;
}

static void run_scan(mde_defs *d, int threads, struct seen *s,
		     mde_summary *sum, void (*cfg)(mde_engine *))
{
	mde_engine *e = mde_engine_new(d);

	assert_non_null(e);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_THREADS, threads),
			 MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_REPORT_CLEAN, 1),
			 MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_ALL_MATCH, 1), MDE_OK);
	if (cfg)
		cfg(e);
	memset(s, 0, sizeof(*s));
	assert_int_equal(mde_engine_begin(e, on_event, s), MDE_OK);
	assert_int_equal(mde_engine_submit(e, tmpdir), MDE_OK);
	assert_int_equal(mde_engine_end(e, sum), MDE_OK);
	mde_engine_free(e);
}

static void test_scan_all_stages(void **state)
{
	mde_defs *d = make_defs();
	mde_defs_stats st;
	mde_summary sum;
	struct seen s;
	int t;

	mde_defs_get_stats(d, &st);
	assert_int_equal(st.hash_sigs, 1);
	assert_int_equal(st.byte_sigs, 1);
	assert_int_equal(st.yara_rules, 1);
	for (t = 1; t <= 3; t++) {
		run_scan(d, t, &s, &sum, NULL);
		assert_int_equal(s.findings, 3);
		assert_true(has_name(&s, "Test.Hash.Hello", "hash"));
		assert_true(has_name(&s, "Test.Marker.One", "bytes"));
		assert_true(has_name(&s, "Test_Php_Marker", "yara"));
		assert_int_equal(s.skipped, 1); /* the FIFO */
		assert_string_equal(s.reasons[0], "fifo");
		assert_int_equal(s.errors, 0);
		assert_int_equal(sum.files, 3);
		assert_int_equal(sum.infected, 3);
		assert_int_equal(sum.bytes, 11 + 14 + 27);
		assert_int_equal(sum.dirs, 2);
	}
	mde_defs_free(d);
}

/* A caged engine for d with all_match as given (cage on). */
static mde_engine *caged(mde_defs *d, int all_match)
{
	mde_engine *e = mde_engine_new(d);

	assert_non_null(e);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_CAGE, 1), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_REPORT_CLEAN, 1),
			 MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_ALL_MATCH, all_match),
			 MDE_OK);
	return e;
}

/* mde_engine_share_cage(): only between engines whose stages see the
 * same; the walk's options may differ; the sharer scans as its own
 * engine would, also after the owner is freed. */
static void test_share_cage(void **state)
{
	mde_defs *d = make_defs();
	mde_engine *from, *e, *off;
	mde_summary sum;
	struct seen s;

	(void)state;
	if (!mde_cage_probe(NULL, 0))
		skip();
	from = caged(d, 1);
	e = caged(d, 0);
	assert_int_equal(mde_engine_share_cage(e, from), MDE_ERR_ARG);
	assert_non_null(strstr(mde_engine_error(e), "allmatch"));
	mde_engine_free(e);
	off = mde_engine_new(d);
	assert_int_equal(mde_engine_share_cage(off, from), MDE_OK); /* off */
	mde_engine_free(off);
	e = caged(d, 1);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_THREADS, 2), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_FILE_EVENTS, 1),
			 MDE_OK);
	assert_int_equal(mde_engine_cage_start(from), MDE_OK);
	assert_int_equal(mde_engine_share_cage(e, from), MDE_OK);
	/* a walk option after sharing keeps it */
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_ONE_FS, 1), MDE_OK);
	mde_engine_free(from);
	memset(&s, 0, sizeof(s));
	assert_int_equal(mde_engine_begin(e, on_event, &s), MDE_OK);
	assert_int_equal(mde_engine_submit(e, tmpdir), MDE_OK);
	assert_int_equal(mde_engine_end(e, &sum), MDE_OK);
	assert_int_equal(s.findings, 3);
	assert_int_equal(s.errors, 0);
	assert_int_equal(sum.infected, 3);
	mde_engine_free(e);
	mde_defs_free(d);
}

static void cfg_small(mde_engine *e)
{
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_MAX_FILESIZE, 12),
			 MDE_OK);
}

static void test_max_filesize(void **state)
{
	mde_defs *d = make_defs();
	mde_summary sum;
	struct seen s;

	run_scan(d, 2, &s, &sum, cfg_small);
	assert_int_equal(s.skipped, 3);
	assert_int_equal(sum.files, 1);
	assert_int_equal(s.findings, 1);
	mde_defs_free(d);
}

static void cfg_excl(mde_engine *e)
{
	assert_int_equal(mde_engine_add_exclude(e, MDE_EXCL_EXT, "PHP"),
			 MDE_OK);
	assert_int_equal(mde_engine_add_exclude(e, MDE_EXCL_PATH, "/tmp/*/a.txt"),
			 MDE_OK);
	assert_int_equal(mde_engine_add_exclude(e, MDE_EXCL_PATH, "rel"),
			 MDE_ERR_ARG);
}

static void test_first_match_only(void **state)
{
	mde_defs *d = mde_defs_new();
	mde_engine *e;
	mde_summary sum;
	struct seen s = { 0 };
	const char *two = "One:0:*:68656c6c6f\nTwo:0:*:776f726c64\n";

	assert_int_equal(mde_defs_load_buffer(d, "t.ndb", two, strlen(two)),
			 MDE_OK);
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	e = mde_engine_new(d);
	assert_int_equal(mde_engine_begin(e, on_event, &s), MDE_OK);
	assert_int_equal(mde_engine_submit(e, tmpdir), MDE_OK);
	assert_int_equal(mde_engine_end(e, &sum), MDE_OK);
	assert_int_equal(s.findings, 1); /* a.txt holds both words */
	assert_int_equal(sum.infected, 1);
	mde_engine_free(e);
	mde_defs_free(d);
}

static void test_exclusions(void **state)
{
	mde_defs *d = make_defs();
	mde_summary sum;
	struct seen s;

	run_scan(d, 2, &s, &sum, cfg_excl);
	assert_int_equal(sum.excluded, 2);
	assert_int_equal(s.findings, 1);
	assert_true(has_name(&s, "Test.Marker.One", "bytes"));
	mde_defs_free(d);
}

static void test_yara_bad_file_rest_loads(void **state)
{
	mde_defs *d = mde_defs_new();
	const char *bad = "rule broken { condition: nosuchthing }\n";
	mde_defs_stats st;

	assert_int_equal(mde_defs_load_buffer(d, "bad.yar", bad, strlen(bad)),
			 MDE_OK);
	assert_int_equal(mde_defs_load_buffer(d, "good.yar", yar, strlen(yar)),
			 MDE_OK);
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	mde_defs_get_stats(d, &st);
	assert_int_equal(st.yara_rules, 1);
	assert_true(st.skipped >= 1);
	mde_defs_free(d);
}

static void test_defs_errors(void **state)
{
	mde_defs *d = mde_defs_new();

	assert_int_equal(mde_defs_load_path(d, "/nonexistent/x.hdb"),
			 MDE_ERR_IO);
	assert_non_null(strstr(mde_defs_error(d), "/nonexistent/x.hdb"));
	assert_int_equal(mde_defs_load_buffer(d, "x.unknown", "a", 1),
			 MDE_ERR_FORMAT);
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	assert_int_equal(mde_defs_load_buffer(d, "t.ndb", ndb, strlen(ndb)),
			 MDE_ERR_STATE);
	mde_defs_free(d);
	mde_defs_free(NULL);
	mde_engine_free(NULL);
}

static void test_builtin_eicar(void **state)
{
	static const char a[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
	static const char b[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
	mde_defs *d = mde_defs_new();
	mde_summary sum;
	struct seen s;
	char buf[80];

	assert_int_equal(mde_defs_load_builtin(d), MDE_OK);
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	snprintf(buf, sizeof(buf), "%s%s", a, b);
	put("eicar.com", buf, strlen(buf));
	run_scan(d, 2, &s, &sum, NULL);
	assert_true(has_name(&s, "Eicar-Test-Signature", "hash"));
	assert_true(has_name(&s, "Eicar-Signature", "bytes"));
	mde_defs_free(d);
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/eicar.com", tmpdir);
		unlink(p);
	}
}

/* A scanner judges one open file synchronously, in the calling thread,
 * with the engine's definitions and without mde_engine_begin(); its
 * events go to its own callback. */
static void test_scanner_fd(void **state)
{
	mde_defs *d = make_defs();
	mde_engine *e = mde_engine_new(d);
	mde_scanner *sc;
	struct seen s;
	char p[512];
	int fd, n = -1;

	(void)state;
	assert_non_null(e);
	sc = mde_scanner_new(e);
	assert_non_null(sc);
	snprintf(p, sizeof(p), "%s/sync-hello", tmpdir);
	put("sync-hello", "hello world", 11);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	lseek(fd, 5, SEEK_SET); /* read from 0 whatever the offset */
	memset(&s, 0, sizeof(s));
	assert_int_equal(mde_scanner_scan_fd(sc, fd, p, on_event, &s, &n),
			 MDE_OK);
	assert_int_equal(n, 1);
	assert_true(has_name(&s, "Test.Hash.Hello", "hash"));
	close(fd);
	put("sync-clean", "nothing here", 12);
	snprintf(p, sizeof(p), "%s/sync-clean", tmpdir);
	fd = open(p, O_RDONLY);
	memset(&s, 0, sizeof(s));
	assert_int_equal(mde_scanner_scan_fd(sc, fd, p, NULL, NULL, &n),
			 MDE_OK);
	assert_int_equal(n, 0);
	close(fd);
	assert_int_equal(mde_scanner_scan_fd(sc, -1, p, NULL, NULL, &n),
			 MDE_ERR_ARG);
	mde_scanner_free(sc);
	mde_engine_free(e);
	mde_defs_free(d);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sync-hello", tmpdir);
	unlink(p);
}

static void test_filetype(void **state)
{
	mde__ftype ft;
	uint8_t pe[0x100] = { 'M', 'Z' };

	mde__filetype((const uint8_t *)"\x7f" "ELF\x02", 5, &ft);
	assert_string_equal(ft.name, "ELF");
	assert_int_equal(ft.target, MDE__T_ELF);
	mde__filetype((const uint8_t *)"MZ", 2, &ft);
	assert_string_equal(ft.name, "EXE");
	assert_int_equal(ft.target, MDE__T_ANY);
	pe[0x3c] = 0x80;
	memcpy(pe + 0x80, "PE\0\0", 4);
	mde__filetype(pe, sizeof(pe), &ft);
	assert_int_equal(ft.target, MDE__T_PE);
	pe[0x3c] = 0xff; /* e_lfanew out of range: not PE, no overread */
	mde__filetype(pe, sizeof(pe), &ft);
	assert_int_equal(ft.target, MDE__T_ANY);
	mde__filetype((const uint8_t *)"", 0, &ft);
	assert_string_equal(ft.name, "");
	mde__filetype((const uint8_t *)"<?php x", 7, &ft);
	assert_string_equal(ft.name, "PHP");
}

static void test_status_strings(void **state)
{
	assert_string_equal(mde_status_str(MDE_OK), "success");
	assert_string_equal(mde_status_str(12345), "unknown status");
	assert_non_null(strstr(mde_library_versions(), "libyara"));
}

static void name_count(void *ctx, unsigned line, const char *name)
{
	(void)line, (void)name;
	(*(int *)ctx)++;
}

/* The definitions-format table: names, sniffs, what a bundle holds. */
static void test_defs_formats(void **state)
{
	static const char magic[] = "MDESCANB and the rest of a bundle";
	const mde__defs_fmt *f;
	char list[1024];
	int n = 0;

	assert_int_equal(mde__defs_fmt_of("d/x.hdb", "", 0)->kind,
			 MDE__DK_HASH);
	assert_true(mde__defs_fmt_of("x.sha256", "", 0)->flags &
		    MDE__DF_HASHES);
	assert_null(mde__defs_fmt_of("x.HDB", "", 0));
	assert_null(mde__defs_fmt_of("x.hdb.d/y", "", 0));
	f = mde__defs_fmt_of("/iocs/OTX-Hash-IOCs.txt", "", 0);
	assert_int_equal(f->kind, MDE__DK_IOC);
	assert_int_equal(f->arg, MDE__IOC_HASH);
	assert_int_equal(mde__defs_fmt_of("hashes.txt", "", 0)->kind,
			 MDE__DK_HASH);
	f = mde__defs_fmt_of("x.mdb", magic, sizeof(magic) - 1);
	assert_int_equal(f->kind, MDE__DK_BUNDLE);
	assert_int_equal(f->part, 0);
	/* without the bundle's magic, ClamAV's PE section hashes */
	f = mde__defs_fmt_of("x.mdb", "MDESCAN", 7);
	assert_int_equal(f->kind, MDE__DK_BYTES);
	assert_int_equal(f->arg, MDE__CK_MDB);
	assert_int_equal(f->part, MDE__P_SOURCE);
	assert_int_equal(mde__defs_fmt_of("x.ldu", "", 0)->arg,
			 MDE__CK_LDB | MDE__CLAM_PUA);
	assert_non_null(mde__defs_fmt_next(NULL, "x.mdb"));
	assert_null(mde__defs_fmt_next(NULL, NULL));
	assert_true(mde__defs_fmt_source("src/r.yara")->flags &
		    MDE__DF_PRECOMPILED);
	assert_null(mde__defs_fmt_source("src/r.yarc"));
	assert_null(mde__defs_fmt_source("hash/md5"));
	f = mde__defs_fmt_source("src/a.ndb");
	f->names(f, "A:0:*:41\n#B:0:*:42\nC:0:*:43", 26, name_count, &n);
	assert_int_equal(n, 2);
	mde__defs_fmt_bundled(list, sizeof(list));
	assert_non_null(strstr(list, "ClamAV byte signatures .ndb, "));
	assert_non_null(strstr(list, "YARA rules .yar .yara"));
	assert_null(strstr(list, ".yarc"));
	assert_null(strstr(list, "signed bundle"));
	assert_non_null(strstr(list, "ClamAV PE section hashes .mdb .msb, "));
	mde__defs_fmt_bundled(list, 10);
	assert_int_equal(strlen(list), 9);
}

/* Loading by the table: a bundle only by path, never in a directory scan,
 * a ".mdb" without the magic loaded as ClamAV's PE section hashes. */
static void test_defs_load_formats(void **state)
{
	char dir[64] = "/tmp/mde-fmt-XXXXXX", p[128];
	mde_defs *d = mde_defs_new();
	mde_defs_stats st;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/a.ndb", dir);
	fp = fopen(p, "w");
	fputs(ndb, fp);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/b.mdb", dir);
	fp = fopen(p, "w");
	fputs("MDESCANB but nothing else", fp);
	fclose(fp);
	assert_int_equal(mde_defs_load_path(d, dir), MDE_OK);
	mde_defs_get_stats(d, &st);
	assert_int_equal(st.byte_sigs, 1);
	assert_int_equal(mde_defs_load_buffer(d, "x.mdb", "MDESCANB", 8),
			 MDE_ERR_FORMAT);
	assert_non_null(strstr(mde_defs_error(d), "from its file"));
	assert_int_equal(mde_defs_load_buffer(d, "x.mdb", "junk", 4), MDE_OK);
	mde_defs_get_stats(d, &st);
	assert_int_equal(st.skipped, 1); /* a bad section-hash line */
	snprintf(p, sizeof(p), "%s/b.mdb", dir);
	assert_int_equal(mde_defs_load_path(d, p), MDE_ERR_SIG); /* no keys */
	assert_int_equal(mde_defs_load_path(d, "/nonexistent.doc"),
			 MDE_ERR_IO);
	snprintf(p, sizeof(p), "%s/a.ndb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/b.mdb", dir);
	unlink(p);
	rmdir(dir);
	mde_defs_free(d);
}

/* Every option: its default is accepted, -1 is refused by name, and the
 * ranges the engine has always checked still hold. */
static void test_options(void **state)
{
	mde_defs *d = mde_defs_new();
	mde_engine *e;
	int o;

	assert_int_equal(mde_defs_compile(d), MDE_OK);
	e = mde_engine_new(d);
	assert_non_null(e);
	for (o = MDE_OPT_THREADS; o <= MDE_OPT_SHARD_COUNT; o++) {
		int64_t def = mde_opt_default((mde_opt)o);

		assert_true(def >= 0);
		assert_int_equal(mde_engine_set_opt(e, (mde_opt)o, def),
				 MDE_OK);
		assert_int_equal(mde_engine_set_opt(e, (mde_opt)o, -1),
				 MDE_ERR_ARG);
		assert_non_null(strstr(mde_engine_error(e),
				       "invalid value -1 for option "));
	}
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_MAX_FILESIZE, -1),
			 MDE_ERR_ARG);
	assert_string_equal(mde_engine_error(e),
			    "invalid value -1 for option max-filesize");
	assert_int_equal(mde_opt_default(MDE_OPT_MAX_FILESIZE), 100 << 20);
	assert_int_equal(mde_opt_default((mde_opt)0), -1);
	assert_int_equal(mde_opt_default((mde_opt)9999), -1);
	assert_int_equal(mde_engine_set_opt(e, (mde_opt)0, 1), MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, (mde_opt)9999, 1), MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_MAX_FILESIZE,
					    (int64_t)1 << 40), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_NEWER_THAN,
					    (int64_t)1 << 40), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_TIMEOUT_MS,
					    (int64_t)INT32_MAX + 1),
			 MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_MAX_FILES,
					    (int64_t)INT32_MAX + 1),
			 MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_FOLLOW_SYMLINKS, 7),
			 MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_BOMB_POLICY,
					    MDE_POLICY_BLOCK), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_PUA_POLICY,
					    MDE_POLICY_BLOCK + 1), MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_INDEX, 0),
			 MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_ARCHIVE_TYPES, 0),
			 MDE_OK);
	/* a bit no container kind has (the table holds far fewer than 63) */
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_ARCHIVE_TYPES,
					    (int64_t)1 << 62),
			 MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_ARCHIVE_TYPES,
					    MDE_ARC_ALL),
			 MDE_OK);
	mde_engine_free(e);
	mde_defs_free(d);
}

/* The shared helpers of util.c. */
static void test_util_helpers(void **state)
{
	const uint8_t d[3] = { 0x00, 0xab, 0xff };
	uint8_t out[3];
	char hex[7];
	mde__buf b = { 0 };
	int *v = NULL;
	size_t cap = 0;

	mde__hex(d, 3, hex);
	assert_string_equal(hex, "00abff");
	assert_int_equal(mde__unhex("00ABff", 3, out), -1);
	assert_memory_equal(out, d, 3);
	assert_int_equal(mde__unhex("00aXff", 3, out), 3);
	assert_int_equal(mde__unhex("g0", 1, out), 0);
	mde__unhex_valid("00abff", 3, out);
	assert_memory_equal(out, d, 3);
	assert_int_equal(mde__hexval('F'), 15);
	assert_int_equal(mde__hexval('g'), -1);
	assert_int_equal(mde__hexval(0x80 | 'a'), -1);
	assert_int_equal(mde__buf_put(&b, "ab", 2), MDE_OK);
	assert_int_equal(mde__buf_put(&b, NULL, 0), MDE_OK);
	assert_int_equal(mde__buf_put(&b, "c", 1), MDE_OK);
	assert_string_equal(b.p, "abc");
	assert_int_equal(b.len, 3);
	free(b.p);
	assert_int_equal(mde__grow((void **)&v, &cap, 100, sizeof(*v)), 0);
	assert_true(cap >= 100);
	v[99] = 1;
	assert_int_equal(mde__grow((void **)&v, &cap, SIZE_MAX / 2,
				   sizeof(*v)), -1);
	assert_true(cap >= 100 && v[99] == 1);
	free(v);
	/* mde__find: first, last, absent, too short, a partial match first */
	{
		const uint8_t *t = (const uint8_t *)"%PD%PDF-x%PDF-";

		assert_ptr_equal(mde__find(t, 14, "%PDF-", 5), t + 3);
		assert_ptr_equal(mde__find(t + 4, 10, "%PDF-", 5), t + 9);
		assert_null(mde__find(t, 7, "%PDF-", 5));
		assert_null(mde__find(t, 3, "%PDF-", 5));
		assert_null(mde__find(t, 0, "%", 1));
		assert_ptr_equal(mde__find(t, 1, "%", 1), t);
	}
}

static int not_c(const char *name)
{
	return strcmp(name, "c") != 0;
}

/* mde__list_dir and mde__write_atomic (util.c). */
static void test_util_files(void **state)
{
	char dir[64] = "/tmp/mde-util-XXXXXX", p[128], lnk[128];
	const char *const names[] = { "b", "a", "c", ".hidden" };
	char **v, got[8] = "";
	size_t n, i;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		assert_int_equal(mde__write_atomic(p, "x", 1), 0);
	}
	assert_int_equal(mde__list_dir(dir, not_c, &v, &n), MDE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	mde__names_free(v, n);
	assert_int_equal(mde__list_dir("/nonexistent", NULL, &v, &n),
			 MDE_ERR_IO);
	assert_int_equal(n, 0);
	/* a planted temporary is replaced, not written through */
	snprintf(p, sizeof(p), "%s/a", dir);
	snprintf(lnk, sizeof(lnk), "%s/a.%ld.tmp", dir, (long)getpid());
	assert_int_equal(symlink("b", lnk), 0);
	assert_int_equal(mde__write_atomic(p, "new", 3), 0);
	fp = fopen(p, "r");
	assert_non_null(fgets(got, sizeof(got), fp));
	fclose(fp);
	assert_string_equal(got, "new");
	snprintf(p, sizeof(p), "%s/b", dir);
	fp = fopen(p, "r");
	assert_non_null(fgets(got, sizeof(got), fp));
	fclose(fp);
	assert_string_equal(got, "x");
	assert_int_equal(access(lnk, F_OK), -1);
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_all_stages),
		cmocka_unit_test(test_max_filesize),
		cmocka_unit_test(test_exclusions),
		cmocka_unit_test(test_first_match_only),
		cmocka_unit_test(test_yara_bad_file_rest_loads),
		cmocka_unit_test(test_defs_errors),
		cmocka_unit_test(test_builtin_eicar),
		cmocka_unit_test(test_scanner_fd),
		cmocka_unit_test(test_filetype),
		cmocka_unit_test(test_status_strings),
		cmocka_unit_test(test_defs_formats),
		cmocka_unit_test(test_defs_load_formats),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_share_cage),
		cmocka_unit_test(test_util_helpers),
		cmocka_unit_test(test_util_files),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
