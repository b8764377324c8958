/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_clamav.c - unit tests of the ClamAV signature module: ClamAV's
 * logic precedence and counting, hex forms and classes, offsets from
 * executable headers, bad lines, unsupported kinds, trigger sets, the
 * names of unofficial sources.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clamav_int.h"

static int logic(const char *expr, const uint32_t *cnt)
{
	struct cl_logic lg;
	char err[128];
	int r;

	if (cl_logic_parse(expr, strlen(expr), &lg, err, sizeof(err)))
		return -1;
	r = cl_logic_eval(&lg, cnt);
	cl_logic_free(&lg);
	return r;
}

/* The first operator splits: 0&1|2 is 0&(1|2), 0|1&2 is 0|(1&2). */
static void test_precedence(void **state)
{
	uint32_t c[CL_MAXSUB] = { 1, 0, 1 };

	(void)state;
	assert_int_equal(logic("0&1|2", c), 1);
	c[0] = 0;
	assert_int_equal(logic("0&1|2", c), 0);
	assert_int_equal(logic("0|1&2", c), 0);
	c[1] = 1;
	assert_int_equal(logic("0|1&2", c), 1);
}

static void test_counts(void **state)
{
	uint32_t c[CL_MAXSUB] = { 2, 3, 0 };

	(void)state;
	assert_int_equal(logic("0=2", c), 1);
	assert_int_equal(logic("0>2", c), 0);
	assert_int_equal(logic("1<4", c), 1);
	assert_int_equal(logic("2=0", c), 1);
	assert_int_equal(logic("(0|1)>4", c), 1);
	assert_int_equal(logic("(0|1|2)>4,3", c), 0);
	assert_int_equal(logic("(0|1|2)>4,2", c), 1);
	assert_int_equal(logic("(0)=1", c), -1); /* malformed, as clamscan */
	assert_int_equal(logic("0&", c), -1);
	assert_int_equal(logic("(0&1", c), -1);
}

static int matchn(const char *hex, unsigned opts, const char *buf,
		  size_t len, size_t at);

static int match(const char *hex, unsigned opts, const char *buf, size_t at)
{
	return matchn(hex, opts, buf, strlen(buf), at);
}

static int matchn(const char *hex, unsigned opts, const char *buf,
		  size_t len, size_t at)
{
	struct cl_pat *p;
	struct cl_mstate m = { 0 };
	char err[128];
	int r;

	if (cl_hex_compile(hex, opts, NULL, &p, err, sizeof(err)))
		return -1;
	r = cl_pat_match_at(p, &m, (const uint8_t *)buf, len, at);
	cl_pat_free(p);
	cl_mstate_free(&m);
	return r;
}

static void test_hex(void **state)
{
	(void)state;
	assert_int_equal(match("414243", 0, "xABCx", 1), 1);
	assert_int_equal(match("41??43", 0, "xAZCx", 1), 1);
	assert_int_equal(match("4?42", 0, "xOBx", 1), 1);
	assert_int_equal(match("41{1-3}44", 0, "xAbcDx", 1), 1);
	assert_int_equal(match("41{1-2}44", 0, "xAbcdDx", 1), 0);
	assert_int_equal(match("41*44", 0, "xAbcdefDx", 1), 1);
	assert_int_equal(match("41(42|4343)44", 0, "xACCDx", 1), 1);
	assert_int_equal(match("41!(42|43)44", 0, "xACDx", 1), 0);
	assert_int_equal(match("41!(42|43)44", 0, "xAZDx", 1), 1);
	assert_int_equal(match("6162", CL_OPT_NOCASE, "xABx", 1), 1);
	assert_int_equal(match("6162", 0, "xABx", 1), 0);
	/* ::w: a NUL after every literal byte */
	assert_int_equal(matchn("6162", CL_OPT_WIDE, "xa\0b\0", 5, 1), 1);
	assert_int_equal(matchn("6162", CL_OPT_WIDE, "xab\0\0", 5, 1), 0);
	/* edges: (W) at the end, (B) at the start, (L) inside */
	assert_int_equal(match("616263(W)", 0, "abc!", 0), 1);
	assert_int_equal(match("616263(W)", 0, "abcd", 0), 0);
	assert_int_equal(match("(B)616263", 0, "-abc", 1), 1);
	assert_int_equal(match("(B)616263", 0, "zabc", 1), 0);
	/* !(B) on the left: only after a byte of no boundary class */
	assert_int_equal(match("!(B)616263", 0, "zabc", 1), 1);
	assert_int_equal(match("!(B)616263", 0, "-abc", 1), 0);
	assert_int_equal(match("!(B)616263", 0, "\nabc", 1), 0);
	assert_int_equal(match("(B)616263", 0, "\nabc", 1), 0);
	assert_int_equal(match("616263!(B)", 0, "abc\n", 0), 0);
	assert_int_equal(match("616263!(B)", 0, "abc.", 0), 1);
	assert_int_equal(match("6162(L)6364", 0, "ab\r\ncd", 0), 1);
	assert_int_equal(match("*4142", 0, "AB", 0), -1);
	assert_int_equal(match("41(42", 0, "AB", 0), -1);
}

static void test_offsets(void **state)
{
	struct cl_off o;
	char err[128];
	mde__exe x = { 0 };
	uint8_t buf[64] = { 0 };
	struct cl_fctx f = { buf, sizeof(buf), &x, 1, 0, NULL };
	uint64_t lo, hi;

	(void)state;
	x.has_ep = 1;
	x.ep = 20;
	x.nsect = 2;
	x.sect[1].raw = 40;
	x.sect[1].rsz = 8;
	assert_int_equal(cl_off_parse("EP-4,2", &o, err, sizeof(err)), 0);
	assert_int_equal(cl_off_range(&o, &f, &lo, &hi), 0);
	assert_int_equal(lo, 16);
	assert_int_equal(hi, 18);
	assert_int_equal(cl_off_parse("SL+3", &o, err, sizeof(err)), 0);
	assert_int_equal(cl_off_range(&o, &f, &lo, &hi), 0);
	assert_int_equal(lo, 43);
	assert_int_equal(cl_off_parse("SE1", &o, err, sizeof(err)), 0);
	assert_int_equal(cl_off_range(&o, &f, &lo, &hi), 0);
	assert_int_equal(hi, 48);
	assert_int_equal(cl_off_parse("EOF-70", &o, err, sizeof(err)), 0);
	assert_int_equal(cl_off_range(&o, &f, &lo, &hi), -1);
	assert_int_equal(cl_off_parse("S9+1", &o, err, sizeof(err)), 0);
	assert_int_equal(cl_off_range(&o, &f, &lo, &hi), -1);
	assert_int_equal(cl_off_parse("EP+", &o, err, sizeof(err)), -1);
	assert_int_equal(cl_off_parse("SL-1", &o, err, sizeof(err)), -1);
}

struct rec {
	unsigned ndiag, nfound;
	char found[8][64];
};

static void on_diag(void *ctx, const char *file, unsigned line,
		    const char *signame, const char *msg)
{
	(void)file, (void)line, (void)signame, (void)msg;
	((struct rec *)ctx)->ndiag++;
}

static int on_found(void *ctx, const char *name, int pua)
{
	struct rec *r = ctx;

	(void)pua;
	if (r->nfound < 8)
		snprintf(r->found[r->nfound++], 64, "%s", name);
	return 0;
}

/* Bad lines are reported and skipped; unsupported kinds are counted. */
static void test_load_scan(void **state)
{
	static const char ndb[] = "Good:0:*:414243444546\n"
				  "BadTarget:15:*:414243\n"
				  "BadOff:0:EP+1:414243\n"
				  "Future:0:*:414243:250\n";
	static const char ldb[] = "L;Engine:81-255,Target:0;0&1>1;"
				  "41424344;4546\n"
				  "Bad;Target:0;0&3;4142\n";
	static const char buf[] = "xxABCDEF EF yy";
	struct rec r = { 0 };
	mde__diag d = { on_diag, &r, 0 };
	mde__clam *c = mde__clam_new();
	mde__clamscratch *s;
	mde__clamfile f = { (const uint8_t *)buf, sizeof(buf) - 1, 0, NULL };
	char err[128];

	(void)state;
	assert_int_equal(mde__clam_parse(c, MDE__CK_NDB, 0, "t.ndb", ndb,
					 sizeof(ndb) - 1, &d), MDE_OK);
	assert_int_equal(mde__clam_parse(c, MDE__CK_LDB, 0, "t.ldb", ldb,
					 sizeof(ldb) - 1, &d), MDE_OK);
	assert_int_equal(mde__clam_parse(c, MDE__CK_CBC, 0, "x.cbc", "x", 1,
					 &d), MDE_OK);
	assert_int_equal(mde__clam_parse(c, MDE__CK_NONE, 0, "x.y", "x", 1,
					 &d), MDE_ERR_ARG);
	assert_int_equal(r.ndiag, 3);
	assert_int_equal(c->unsup[CU_FLEVEL], 1);
	assert_int_equal(c->unsup[CU_BYTECODE], 1);
	assert_int_equal(mde__clam_compile(c, &d, err, sizeof(err)), MDE_OK);
	assert_int_equal(mde__clam_count(c), 2);
	s = mde__clamscratch_new(c);
	assert_non_null(s);
	assert_int_equal(mde__clam_scan(c, s, &f, on_found, &r), MDE_OK);
	assert_int_equal(r.nfound, 2);
	mde__clamscratch_free(s);
	mde__clam_free(c);
}

static bool found(const struct rec *r, const char *name)
{
	for (unsigned i = 0; i < r->nfound && i < 8; i++)
		if (!strcmp(r->found[i], name))
			return true;
	return false;
}

/* Scans buf with c, compiled with the suffix on or off, into r. */
static void scan_named(mde__clam *c, bool on, const char *buf,
		       struct rec *r)
{
	mde__diag d = { on_diag, r, 0 };
	mde__clamfile f = { (const uint8_t *)buf, strlen(buf), 0, NULL };
	mde__clamscratch *s;
	char err[128];

	mde__clam_set_unofficial(c, on);
	assert_int_equal(mde__clam_compile(c, &d, err, sizeof(err)), MDE_OK);
	s = mde__clamscratch_new(c);
	assert_non_null(s);
	assert_int_equal(mde__clam_scan(c, s, &f, on_found, r), MDE_OK);
	mde__clamscratch_free(s);
}

/* Only the signatures of unofficial sources get ".UNOFFICIAL", and only
 * when asked; the ignore lists name signatures as written. */
static void test_unofficial(void **state)
{
	static const char off[] = "Off.Body:0:*:414243\n";
	static const char unoff[] = "Unoff.Body:0:*:444546\n"
				    "Unoff.Ignored:0:*:4748\n";
	static const char ldb[] = "Unoff.Logic;Engine:81-255,Target:0;0;"
				  "4142434445\n";
	static const char ign[] = "Unoff.Ignored\n";
	static const char buf[] = "xxABCDEFGH yy";
	const int u = MDE__CLAM_SRC_UNOFFICIAL;

	(void)state;
	for (int on = 0; on < 2; on++) {
		struct rec r = { 0 };
		mde__diag d = { on_diag, &r, 0 };
		mde__clam *c = mde__clam_new();

		assert_int_equal(mde__clam_parse(c, MDE__CK_NDB, 0, "o.ndb",
						 off, sizeof(off) - 1, &d),
				 MDE_OK);
		assert_int_equal(mde__clam_parse(c, MDE__CK_NDB, u, "u.ndb",
						 unoff, sizeof(unoff) - 1, &d),
				 MDE_OK);
		assert_int_equal(mde__clam_parse(c, MDE__CK_LDB,
						 u | MDE__CLAM_SRC_PUA, "u.ldu",
						 ldb, sizeof(ldb) - 1, &d),
				 MDE_OK);
		assert_int_equal(mde__clam_parse(c, MDE__CK_IGN, u, "u.ign2",
						 ign, sizeof(ign) - 1, &d),
				 MDE_OK);
		scan_named(c, on, buf, &r);
		assert_int_equal(r.ndiag, 0);
		assert_int_equal(r.nfound, 3);
		assert_true(found(&r, "Off.Body"));
		assert_true(found(&r, on ? "Unoff.Body.UNOFFICIAL"
					 : "Unoff.Body"));
		assert_true(found(&r, on ? "Unoff.Logic.UNOFFICIAL"
					 : "Unoff.Logic"));
		/* a name as reported is looked up as written, suffix off */
		assert_true(mde__clam_ignored(c, "Unoff.Ignored"));
		assert_int_equal(mde__clam_ignored(c,
					"Unoff.Ignored.UNOFFICIAL"), on);
		assert_false(mde__clam_ignored(c, "Off.Body.UNOFFICIAL"));
		mde__clam_free(c);
	}
}

/* The compiled pattern database is kept in the cache directory and
 * loaded from there by the next compile of the same patterns, with the
 * same results; a damaged file is compiled over. */
static int compile_scan(const char *dir, int *cached)
{
	static const char ndb[] = "Good:0:*:414243444546\n"
				  "Gap:0:*:4142{2-40}4546\n";
	static const char ldb[] = "L;Engine:81-255,Target:0;0&1>1;"
				  "41424344;4546\n";
	static const char buf[] = "xxABCDEF EF yy";
	struct rec r = { 0 };
	mde__diag d = { on_diag, &r, 0 };
	mde__clam *c = mde__clam_new();
	mde__clamscratch *s;
	mde__clamfile f = { (const uint8_t *)buf, sizeof(buf) - 1, 0, NULL };
	char err[128];

	mde__clam_set_cache_dir(c, dir);
	assert_int_equal(mde__clam_parse(c, MDE__CK_NDB, 0, "t.ndb", ndb,
					 sizeof(ndb) - 1, &d), MDE_OK);
	assert_int_equal(mde__clam_parse(c, MDE__CK_LDB, 0, "t.ldb", ldb,
					 sizeof(ldb) - 1, &d), MDE_OK);
	assert_int_equal(mde__clam_compile(c, &d, err, sizeof(err)), MDE_OK);
	*cached = c->db_cached;
	s = mde__clamscratch_new(c);
	assert_non_null(s);
	assert_int_equal(mde__clam_scan(c, s, &f, on_found, &r), MDE_OK);
	mde__clamscratch_free(s);
	mde__clam_free(c);
	return (int)r.nfound;
}

/* The one clamav-*.hs file in dir, into path. */
static void cache_file(const char *dir, char *path, size_t len)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s/clamav-*.hs | grep -v /clamav-old",
		 dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(path, (int)len, p));
	path[strcspn(path, "\n")] = '\0';
	assert_int_equal(pclose(p), 0);
}

static void test_hs_cache(void **state)
{
	char dir[] = "/tmp/test_clamav.XXXXXX", path[512], cmd[600];
	int cached, n;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* six older files of earlier definitions: the write keeps the
	 * MDE__CACHE_KEEP most recent, itself included */
	for (n = 0; n < 6; n++) {
		struct timespec t[2] = { { time(NULL) - 1000 + n, 0 },
					 { time(NULL) - 1000 + n, 0 } };

		snprintf(path, sizeof(path), "%s/clamav-old%d.hs", dir, n);
		fp = fopen(path, "w");
		assert_non_null(fp);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
	}
	n = compile_scan(dir, &cached);
	assert_int_equal(n, 3);
	assert_false(cached);
	snprintf(cmd, sizeof(cmd),
		 "test $(ls %s | grep -c '^clamav-.*\\.hs$') = %d && "
		 "test -e %s/clamav-old5.hs && ! test -e %s/clamav-old2.hs",
		 dir, MDE__CACHE_KEEP, dir, dir);
	assert_int_equal(system(cmd), 0);
	cache_file(dir, path, sizeof(path));
	assert_int_equal(compile_scan(dir, &cached), n);
	assert_true(cached);
	/* a flipped byte in the database: refused by the checksum */
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 200, SEEK_SET), 0);
	assert_int_equal(fputc(0x5a, fp) != EOF, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(compile_scan(dir, &cached), n);
	assert_false(cached);
	assert_int_equal(compile_scan(dir, &cached), n); /* written again */
	assert_true(cached);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(compile_scan(dir, &cached), n);
	assert_false(cached);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* The decoder of the cache file: each drop must name an expression left
 * at its turn, and the count left must be what the file says. */
static void test_hs_cache_parse(void **state)
{
	static const uint32_t drops[] = { 2, 1 };
	mde__buf b = { 0 };
	struct cl_hcache h;

	(void)state;
	assert_int_equal(cl_hcache_encode(&b, 1, drops, 2, "DB", 2), MDE_OK);
	assert_int_equal(cl_hcache_parse((const uint8_t *)b.p, b.len, 3, &h),
			 0);
	assert_int_equal(h.nexpr, 1);
	assert_int_equal(h.ndrop, 2);
	assert_int_equal(h.dblen, 2);
	assert_memory_equal(h.db, "DB", 2);
	/* 2 is not one of the 2 expressions of a compile of 2 */
	assert_int_equal(cl_hcache_parse((const uint8_t *)b.p, b.len, 2, &h),
			 -1);
	assert_int_equal(cl_hcache_parse((const uint8_t *)b.p, b.len - 1, 3,
					 &h), -1);
	b.p[20] ^= 1; /* the checksum */
	assert_int_equal(cl_hcache_parse((const uint8_t *)b.p, b.len, 3, &h),
			 -1);
	free(b.p);
}

/* clamscan normalises text its detector calls UTF-16 (a control byte and
 * no 16-bit word below 128 that is one) as it does ASCII: targets 0 and 7
 * see the normalised bytes (seed 1052, 1056); HTML is normalised as
 * nocomment.html, without the white space after a tag (seed 1062). */
static size_t scan_count(const char *ndb, const char *buf, size_t len)
{
	struct rec r = { 0 };
	mde__diag d = { on_diag, &r, 0 };
	mde__clam *c = mde__clam_new();
	mde__clamscratch *s;
	mde__clamfile f = { (const uint8_t *)buf, len, 0, NULL };
	char err[128];

	assert_int_equal(mde__clam_parse(c, MDE__CK_NDB, 0, "t.ndb", ndb,
					 strlen(ndb), &d), MDE_OK);
	assert_int_equal(mde__clam_compile(c, &d, err, sizeof(err)), MDE_OK);
	s = mde__clamscratch_new(c);
	assert_non_null(s);
	assert_int_equal(mde__clam_scan(c, s, &f, on_found, &r), MDE_OK);
	mde__clamscratch_free(s);
	mde__clam_free(c);
	return r.nfound;
}

static void test_text_types(void **state)
{
	static const char u16[] = "hello there\023 xquCx end\n";
	static const char html[] = "<html><body>\nomega\n</body></html>\n";

	(void)state;
	assert_int_equal(scan_count("T0:0:*:717563\nT7:7:*:717563\n"
				    "R0:0:*:717543\nR7:7:*:717543\n",
				    u16, sizeof(u16) - 1), 3);
	assert_int_equal(scan_count("H:3:12:6f6d656761\nE:3:EOF-2:6c3e\n",
				    html, sizeof(html) - 1), 2);
}

/* The text normaliser against its definition, byte by byte: lower
 * case, white space runs to one space, control and high bytes dropped
 * without ending a run. */
static size_t norm_ref(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	int space = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (c == ' ' || (c >= 0x09 && c <= 0x0d)) {
			if (!space)
				out[o++] = ' ';
			space = 1;
		} else if (c >= 0x20 && c < 0x80) {
			out[o++] = c >= 'A' && c <= 'Z' ? c + 32 : c;
			space = 0;
		}
	}
	return o;
}

/* The HTML normaliser's definition, as clamscan's nocomment.html: comments
 * removed, CR dropped, letters to lower case, every other byte kept; a
 * white space run is one space between two kept bytes, none at either
 * end, after a tag's '<' or after the '>' ending a tag or comment. */
static size_t html_ref(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	int tag = 0, after = 1; /* after: the last thing was '<', '>' or start */

	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];
		size_t j;

		if (c == '\r')
			continue;
		if (c == ' ' || (c >= 0x09 && c <= 0x0d)) {
			for (j = i; j < len && (in[j] == ' ' || in[j] == '\r' ||
						(in[j] >= 0x09 && in[j] <= 0x0d));
			     j++)
				;
			if (j < len && !after)
				out[o++] = ' ';
			i = j - 1;
			continue;
		}
		after = 0;
		if (c == '<' && i + 3 < len && !memcmp(in + i, "<!--", 4)) {
			j = i + 4;
			while (j + 2 < len && memcmp(in + j, "-->", 3))
				j++;
			i = j + 2 < len ? j + 2 : len;
			after = 1;
			continue;
		}
		out[o++] = c >= 'A' && c <= 'Z' ? c + 32 : c;
		if (c == '<' && !tag)
			tag = after = 1;
		else if (c == '>' && tag) {
			tag = 0;
			after = 1;
		}
	}
	return o;
}

/* What clamscan 1.4.6 writes to nocomment.html for one input. */
static void test_norm_html_clamscan(void **state)
{
	static const char in[] = "<html><body>\n  ab\rcd < x  y>  ef <p> \r\n"
				 " ij <!-- c -->  kl \n\n";
	static const char want[] = "<html><body>abcd <x y>ef <p>ij kl";
	uint8_t got[sizeof(in)];
	size_t n;

	(void)state;
	n = cl_norm_html((const uint8_t *)in, sizeof(in) - 1, got);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(got, want, n);
}

static void test_norm_text(void **state)
{
	static const uint8_t pick[] = { ' ', '<', '!', '-', '>', '\t', '\n', '\r', 0x0b, 0x0c,
					0x00, 0x01, 0x1f, 0x7f, 0x80, 0xff,
					'A', 'Z', 'a', 'z', '@', '[', '0' };
	uint8_t in[300], got[301], want[301];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(round % 300), gl, wl;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (seed >> 16) & 1 ? pick[(seed >> 17) % sizeof(pick)]
						 : (uint8_t)(seed >> 20);
		}
		gl = cl_norm_text(in, len, got);
		wl = norm_ref(in, len, want);
		assert_int_equal(gl, wl);
		assert_memory_equal(got, want, wl);
		for (size_t i = 0; i + 4 < len; i += 37) {
			const char *mark = (i / 37 + round) & 1 ? "<!--" : "-->";

			memcpy(in + i, mark, strlen(mark));
		}
		gl = cl_norm_html(in, len, got);
		wl = html_ref(in, len, want);
		assert_int_equal(gl, wl);
		assert_memory_equal(got, want, wl);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_load_scan),
		cmocka_unit_test(test_unofficial),
		cmocka_unit_test(test_hs_cache),
		cmocka_unit_test(test_hs_cache_parse),
		cmocka_unit_test(test_text_types),
		cmocka_unit_test(test_norm_text),
		cmocka_unit_test(test_norm_html_clamscan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
