/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bytesig.c - unit tests of the .ndb byte-signature module.
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

#include "mde_int.h"

#define MAXREC 64

/* Collected diagnostics and matches of one test. */
struct rec {
	char diag[MAXREC][256];
	unsigned ndiag;
	char match[MAXREC][64];
	unsigned nmatch;
	unsigned stop_after; /* callback returns 1 after this many; 0 never */
	mde__diag d;
	mde__bytesigs *b;
	mde__bytescratch *s;
};

static void on_diag(void *ctx, const char *file, unsigned line,
		    const char *signame, const char *msg)
{
	struct rec *r = ctx;

	if (r->ndiag < MAXREC)
		snprintf(r->diag[r->ndiag++], sizeof(r->diag[0]), "%s:%u:%s:%s",
			 file ? file : "-", line, signame ? signame : "-",
			 msg);
}

static int on_match(void *ctx, const char *name)
{
	struct rec *r = ctx;

	if (r->nmatch < MAXREC)
		snprintf(r->match[r->nmatch++], sizeof(r->match[0]), "%s",
			 name);
	return r->stop_after && r->nmatch >= r->stop_after;
}

/* Parses and compiles text as "t.ndb" into a fresh r. */
static void load(struct rec *r, const char *text)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	r->d.fn = on_diag;
	r->d.ctx = r;
	r->b = mde__bytesigs_new();
	assert_non_null(r->b);
	assert_int_equal(mde__bytesigs_parse(r->b, "t.ndb", text, strlen(text),
					     &r->d), MDE_OK);
	assert_int_equal(mde__bytesigs_compile(r->b, &r->d, err, sizeof(err)),
			 MDE_OK);
	r->s = mde__bytescratch_new(r->b);
	assert_non_null(r->s);
}

static void unload(struct rec *r)
{
	mde__bytescratch_free(r->s);
	mde__bytesigs_free(r->b);
}

/* Scans buf[0..len) as target; returns the number of matches. */
static unsigned scan(struct rec *r, const void *buf, size_t len, int target)
{
	r->nmatch = 0;
	assert_int_equal(mde__bytesigs_scan(r->b, r->s, buf, len, target,
					    on_match, r), MDE_OK);
	return r->nmatch;
}

static bool matched(const struct rec *r, const char *name)
{
	for (unsigned i = 0; i < r->nmatch; i++)
		if (strcmp(r->match[i], name) == 0)
			return true;
	return false;
}

/* Places bytes at off in a zeroed buffer of len bytes. */
static uint8_t *mkbuf(size_t len, size_t off, const void *bytes, size_t n)
{
	uint8_t *p = calloc(1, len);

	assert_non_null(p);
	memcpy(p + off, bytes, n);
	return p;
}

static unsigned scan_at(struct rec *r, size_t len, size_t off,
			const char *bytes, int target)
{
	uint8_t *p = mkbuf(len, off, bytes, strlen(bytes));
	unsigned n = scan(r, p, len, target);

	free(p);
	return n;
}

/* ------------------------------------------------------------- offsets */

static void test_offset_any(void **state)
{
	struct rec r;

	load(&r, "Any:0:*:41424344\n");
	assert_int_equal(mde__bytesigs_count(r.b), 1);
	assert_int_equal(scan_at(&r, 100, 0, "ABCD", 0), 1);
	assert_int_equal(scan_at(&r, 100, 50, "ABCD", 0), 1);
	assert_int_equal(scan_at(&r, 100, 96, "ABCD", 0), 1); /* last byte */
	assert_int_equal(scan_at(&r, 100, 97, "ABC", 0), 0);
	assert_int_equal(scan_at(&r, 100, 50, "ABCE", 0), 0);
	assert_int_equal(scan(&r, "", 0, 0), 0);
	unload(&r);
}

static void test_offset_abs(void **state)
{
	struct rec r;

	load(&r, "Abs:0:4:41424344\nZero:0:0:5a5a\n");
	assert_int_equal(scan_at(&r, 64, 4, "ABCD", 0), 1);
	assert_int_equal(scan_at(&r, 64, 3, "ABCD", 0), 0);
	assert_int_equal(scan_at(&r, 64, 5, "ABCD", 0), 0);
	assert_int_equal(scan_at(&r, 8, 4, "ABCD", 0), 1); /* ends at EOF */
	assert_int_equal(scan_at(&r, 7, 4, "ABC", 0), 0);
	assert_int_equal(scan_at(&r, 2, 0, "ZZ", 0), 1);
	assert_true(matched(&r, "Zero"));
	unload(&r);
}

static void test_offset_shift(void **state)
{
	struct rec r;

	load(&r, "Shift:0:4,2:41424344\n");
	for (size_t off = 0; off < 10; off++)
		assert_int_equal(scan_at(&r, 64, off, "ABCD", 0),
				 off >= 4 && off <= 6);
	/* the shift range is cut at the end of the buffer */
	assert_int_equal(scan_at(&r, 10, 6, "ABCD", 0), 1);
	assert_int_equal(scan_at(&r, 9, 5, "ABCD", 0), 1);
	unload(&r);
}

static void test_offset_eof(void **state)
{
	struct rec r;

	load(&r, "Eof:0:EOF-4:41424344\nEofS:0:EOF-8,2:5a5a5a5a\n"
		 "Eof0:0:EOF-0:41\n");
	assert_int_equal(scan_at(&r, 64, 60, "ABCD", 0), 1);
	assert_true(matched(&r, "Eof"));
	assert_int_equal(scan_at(&r, 64, 59, "ABCD", 0), 0);
	assert_int_equal(scan_at(&r, 4, 0, "ABCD", 0), 1);
	assert_int_equal(scan_at(&r, 3, 0, "ABC", 0), 0);
	/* EOF-8,2: starts at size-8 .. size-6 */
	assert_int_equal(scan_at(&r, 64, 56, "ZZZZ", 0), 1);
	assert_int_equal(scan_at(&r, 64, 58, "ZZZZ", 0), 1);
	assert_int_equal(scan_at(&r, 64, 55, "ZZZZ", 0), 0);
	assert_int_equal(scan_at(&r, 64, 59, "ZZZZ", 0), 0);
	/* EOF-0 starts past the last byte: it can never match */
	assert_int_equal(scan_at(&r, 64, 63, "A", 0), 0);
	unload(&r);
}

/* ----------------------------------------------------------------- hex */

/* Every hex feature, both floating and anchored at 0. */
static void check_hex(const char *hex, const char *yes, const char *no)
{
	char text[512];
	struct rec r;

	snprintf(text, sizeof(text), "F:0:*:%s\nA:0:0:%s\n", hex, hex);
	load(&r, text);
	assert_int_equal(r.ndiag, 0);
	assert_int_equal(scan_at(&r, 64, 0, yes, 0), 2);
	assert_int_equal(scan_at(&r, 64, 9, yes, 0), 1);
	assert_true(matched(&r, "F"));
	assert_int_equal(scan_at(&r, 64, 0, no, 0), 0);
	unload(&r);
}

static void test_hex_literal_case(void **state)
{
	check_hex("4142434A4b4c", "ABCJKL", "ABCJKM");
}

static void test_hex_any_byte(void **state)
{
	check_hex("4142??4344", "ABxCD", "ABxxCD");
}

static void test_hex_nibbles(void **state)
{
	check_hex("41?2b?44", "A\x12\xb7" "D", "A\x13\xb7" "D");
	check_hex("41?2b?44", "A\xf2\xbf" "D", "A\xf2\xcf" "D");
}

static void test_hex_star(void **state)
{
	check_hex("41424344*45464748", "ABCD0123456789EFGH", "ABCDEFG_");
	check_hex("41424344*45464748", "ABCDEFGH", "EFGHABCD");
}

static void test_hex_gaps(void **state)
{
	check_hex("41424344{3}45464748", "ABCD123EFGH", "ABCD12EFGH");
	check_hex("41424344{3}45464748", "ABCD123EFGH", "ABCD1234EFGH");
	check_hex("41424344{2-4}45464748", "ABCD12EFGH", "ABCD1EFGH");
	check_hex("41424344{2-4}45464748", "ABCD1234EFGH", "ABCD12345EFGH");
	check_hex("41424344{-2}45464748", "ABCDEFGH", "ABCD123EFGH");
	check_hex("41424344{-2}45464748", "ABCD12EFGH", "ABCD123EFGH");
	check_hex("41424344{3-}45464748", "ABCD123456789EFGH", "ABCD12EFGH");
	check_hex("41[1-2]4243", "A1BC", "ABC");
	check_hex("41[1-2]4243", "A12BC", "A123BC");
}

static void test_hex_alternatives(void **state)
{
	check_hex("4142(43|44|45)4647", "ABDFG", "ABFFG");
	check_hex("4142(4343|44)4647", "ABCCFG", "ABCFG");
	check_hex("4142(4343|44)4647", "ABDFG", "ABCDFG");
	check_hex("4142(4?|5a5a)4647", "ABZZFG", "ABZFG");
	check_hex("4142(4?|5a5a)4647", "ABOFG", "AB0FG");
	check_hex("(41|42)434445", "BCDE", "CCDE");
	check_hex("434445(41|4242)", "CDEBB", "CDEB_");
}

/* A signature with every construct: atom, head, tail after '*'. */
static void test_hex_mixed(void **state)
{
	struct rec r;

	load(&r, "Mix:0:*:5a594d4e4f50{1-3}5?(41|4242)*4c4c??4c\n");
	assert_int_equal(scan_at(&r, 128, 3, "ZYMNOP1QBBxxxxLL.L", 0), 1);
	assert_int_equal(scan_at(&r, 128, 3, "ZYMNOP1QBBLLL", 0), 0);
	assert_int_equal(scan_at(&r, 128, 3, "ZYMNOP123QALL.L", 0), 1);
	assert_int_equal(scan_at(&r, 128, 3, "ZYMNOP1234QALL.L", 0), 0);
	/* the first atom occurrence fails in the head, the second matches */
	assert_int_equal(scan_at(&r, 128, 3, "ZYMNOPxxxxZYMNOP1QA__LL.L", 0),
			 1);
	/* the tail must follow the head */
	assert_int_equal(scan_at(&r, 128, 3, "LLxLZYMNOP1QA", 0), 0);
	assert_int_equal(scan_at(&r, 128, 0, "ZYMNOP1QA", 0), 0);
	unload(&r);
}

/* Too large for Vectorscan: relaxed prefilter expression + verification. */
static void test_large_gap(void **state)
{
	static const uint8_t head[] = { 0xa1, 0xb2 }, tail[] = { 0xc3, 0xd4 };
	size_t len = 300000;
	uint8_t *p = calloc(1, len);
	struct rec r;

	assert_non_null(p);
	load(&r, "Big:0:*:a1b2{1000-100000}c3d4\n");
	assert_int_equal(r.ndiag, 0);
	assert_int_equal(mde__bytesigs_count(r.b), 1);
	memcpy(p + 10, head, 2);
	memcpy(p + 12 + 100000, tail, 2);
	assert_int_equal(scan(&r, p, len, 0), 1);
	memset(p + 12 + 100000, 0, 2);
	memcpy(p + 12 + 100001, tail, 2);
	assert_int_equal(scan(&r, p, len, 0), 0);
	memcpy(p + 12 + 999, tail, 2);
	assert_int_equal(scan(&r, p, len, 0), 0);
	memcpy(p + 12 + 1000, tail, 2);
	assert_int_equal(scan(&r, p, len, 0), 1);
	unload(&r);
	free(p);
}

/* ------------------------------------------------------------- targets */

static void test_targets(void **state)
{
	struct rec r;

	load(&r, "Any:0:*:41424344\nPe:1:*:41424344\nElf:6:0:41424344\n"
		 "Macho:9:*:41424344\n");
	assert_int_equal(mde__bytesigs_count(r.b), 4);
	assert_int_equal(scan_at(&r, 16, 0, "ABCD", MDE__T_ANY), 1);
	assert_true(matched(&r, "Any"));
	assert_int_equal(scan_at(&r, 16, 0, "ABCD", MDE__T_PE), 2);
	assert_true(matched(&r, "Pe"));
	assert_int_equal(scan_at(&r, 16, 0, "ABCD", MDE__T_ELF), 2);
	assert_true(matched(&r, "Elf"));
	assert_int_equal(scan_at(&r, 16, 0, "ABCD", MDE__T_MACHO), 2);
	assert_true(matched(&r, "Macho"));
	unload(&r);
}

/* ----------------------------------------------------- unsupported/bad */

static bool has_diag(const struct rec *r, const char *needle)
{
	for (unsigned i = 0; i < r->ndiag; i++)
		if (strstr(r->diag[i], needle))
			return true;
	return false;
}

static void test_unsupported(void **state)
{
	struct rec r;

	load(&r, "Ep:1:EP+12:41424344\n"
		 "EpM:1:EP-4,8:41424344\n"
		 "Sec:1:S1+2:41424344\n"
		 "Last:1:SL+0:41424344\n"
		 "Whole:1:SE2:41424344\n"
		 "Vi:1:VI:41424344\n"
		 "Ole:2:*:41424344\n"
		 "Html:3:*:41424344\n"
		 "Pdf:10:*:41424344\n"
		 "Neg:0:*:4142!(43|44)4546\n"
		 "WordB:0:*:41424344(B)\n"
		 "LineL:0:*:(L)41424344\n"
		 "WordW:0:*:4142(W)4344\n"
		 "AltGap:0:*:4142(43*44|45)4647\n"
		 "Good:0:*:41424344\n");
	assert_int_equal(mde__bytesigs_count(r.b), 1);
	assert_int_equal(r.ndiag, 14);
	assert_true(has_diag(&r, "t.ndb:1:Ep:offset 'EP+12' is not supported"));
	assert_true(has_diag(&r, ":2:EpM:offset 'EP-4,8' is not supported"));
	assert_true(has_diag(&r, ":3:Sec:offset 'S1+2' is not supported"));
	assert_true(has_diag(&r, ":4:Last:offset 'SL+0' is not supported"));
	assert_true(has_diag(&r, ":5:Whole:offset 'SE2' is not supported"));
	assert_true(has_diag(&r, ":6:Vi:offset 'VI' is not supported"));
	assert_true(has_diag(&r, ":7:Ole:target type 2 (OLE2) is not "));
	assert_true(has_diag(&r, ":8:Html:target type 3"));
	assert_true(has_diag(&r, ":9:Pdf:target type 10"));
	assert_true(has_diag(&r, ":10:Neg:negated alternative"));
	assert_true(has_diag(&r, ":11:WordB:special '(B)' is not supported"));
	assert_true(has_diag(&r, ":12:LineL:special '(L)'"));
	assert_true(has_diag(&r, ":13:WordW:special '(W)'"));
	assert_true(has_diag(&r, ":14:AltGap:"));
	assert_int_equal(scan_at(&r, 16, 0, "ABCD", MDE__T_PE), 1);
	assert_true(matched(&r, "Good"));
	unload(&r);
}

static void test_malformed(void **state)
{
	struct rec r;

	load(&r, "# comment\r\n"
		 "\r\n"
		 "Odd:0:*:4142434\r\n"
		 "Char:0:*:41424g44\n"
		 "Lead:0:*:*41424344\n"
		 "Trail:0:*:41424344{2}\n"
		 "LeadQ:0:*:??41424344\n"
		 "Empty:0:*:\n"
		 "Brace:0:*:4142{x}4344\n"
		 "Order:0:*:4142{5-2}4344\n"
		 "Few:0:*\n"
		 ":0:*:41424344\n"
		 "Fl:0:*:41424344:abc\n"
		 "Tgt:99:*:41424344\n"
		 "Off:0:12x:41424344\n"
		 "Many:0:*:41424344:1:2:3\n"
		 "Open:0:*:4142(43|44\n"
		 "Ok:0:*:41424344:51:255\r\n"
		 "Ok2:0:*:45464748::\n");
	assert_int_equal(mde__bytesigs_count(r.b), 2);
	assert_int_equal(r.ndiag, 15);
	assert_true(has_diag(&r, "t.ndb:3:Odd:odd number of hex digits"));
	assert_true(has_diag(&r, "t.ndb:4:Char:bad hex character 'g'"));
	assert_true(has_diag(&r, ":5:Lead:signature starts with a wildcard"));
	assert_true(has_diag(&r, ":6:Trail:signature ends with a wildcard"));
	assert_true(has_diag(&r, ":7:LeadQ:signature starts with a wildcard"));
	assert_true(has_diag(&r, ":8:Empty:empty signature"));
	assert_true(has_diag(&r, ":9:Brace:bad {} gap"));
	assert_true(has_diag(&r, ":10:Order:gap minimum above maximum"));
	assert_true(has_diag(&r, ":11:Few:expected 4 to 6"));
	assert_true(has_diag(&r, ":12:-:empty signature name"));
	assert_true(has_diag(&r, ":13:Fl:bad functionality level 'abc'"));
	assert_true(has_diag(&r, ":14:Tgt:unknown target type 99"));
	assert_true(has_diag(&r, ":15:Off:bad offset '12x'"));
	assert_true(has_diag(&r, ":16:Many:expected 4 to 6"));
	assert_true(has_diag(&r, ":17:Open:unterminated alternative"));
	assert_int_equal(scan_at(&r, 16, 0, "ABCDEFGH", 0), 2);
	unload(&r);
}

/* ------------------------------------------------- reporting semantics */

static void test_one_report_per_sig(void **state)
{
	static const char rep[] = "ABCDxyABCDxyABCDABCD";
	struct rec r;

	load(&r, "Lit:0:*:41424344\nAtom:0:*:41424344??79\n"
		 "Anch:0:0,16:41424344\nStar:0:*:41424344*41424344\n");
	assert_int_equal(scan_at(&r, 64, 0, rep, 0), 4);
	assert_true(matched(&r, "Lit"));
	assert_true(matched(&r, "Atom"));
	assert_true(matched(&r, "Anch"));
	assert_true(matched(&r, "Star"));
	/* the scratch is reset between buffers */
	assert_int_equal(scan_at(&r, 64, 8, rep, 0), 4);
	unload(&r);
}

static void test_callback_stops(void **state)
{
	struct rec r;

	load(&r, "A1:0:0:41424344\nA2:0:0:414243\nF1:0:*:45464748\n"
		 "F2:0:*:4546474849\n");
	r.stop_after = 1;
	assert_int_equal(scan_at(&r, 64, 0, "ABCDEFGHI", 0), 1);
	r.stop_after = 3;
	assert_int_equal(scan_at(&r, 64, 0, "ABCDEFGHI", 0), 3);
	r.stop_after = 0;
	assert_int_equal(scan_at(&r, 64, 0, "ABCDEFGHI", 0), 4);
	unload(&r);
}

/* EICAR, assembled from two halves so this file does not hold it. */
static void test_eicar(void **state)
{
	static const char h1[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR";
	static const char h2[] = "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
	char text[256], eicar[80], hex[160];
	struct rec r;
	size_t n;

	snprintf(eicar, sizeof(eicar), "%s%s", h1, h2);
	n = strlen(eicar);
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)eicar[i]);
	snprintf(text, sizeof(text), "Eicar-Test:0:*:%.40s*%s\n"
		 "Eicar-Head:0:0:%.20s\n", hex, hex + 60, hex);
	load(&r, text);
	assert_int_equal(scan(&r, eicar, n, 0), 2);
	assert_int_equal(scan(&r, eicar + 1, n - 1, 0), 0);
	unload(&r);
}

static void test_state_errors(void **state)
{
	mde__bytesigs *b = mde__bytesigs_new();
	mde__bytescratch *s;
	char err[64];

	assert_non_null(b);
	s = mde__bytescratch_new(b);
	assert_int_equal(mde__bytesigs_scan(b, s, (const uint8_t *)"x", 1, 0,
					    on_match, NULL), MDE_ERR_STATE);
	assert_int_equal(mde__bytesigs_compile(b, NULL, err, sizeof(err)),
			 MDE_OK);
	assert_int_equal(mde__bytesigs_parse(b, "x", "A:0:*:4142\n", 11, NULL),
			 MDE_ERR_STATE);
	assert_int_equal(mde__bytesigs_count(b), 0);
	mde__bytescratch_free(s);
	mde__bytesigs_free(b);
	mde__bytesigs_free(NULL);
	mde__bytescratch_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offset_any),
		cmocka_unit_test(test_offset_abs),
		cmocka_unit_test(test_offset_shift),
		cmocka_unit_test(test_offset_eof),
		cmocka_unit_test(test_hex_literal_case),
		cmocka_unit_test(test_hex_any_byte),
		cmocka_unit_test(test_hex_nibbles),
		cmocka_unit_test(test_hex_star),
		cmocka_unit_test(test_hex_gaps),
		cmocka_unit_test(test_hex_alternatives),
		cmocka_unit_test(test_hex_mixed),
		cmocka_unit_test(test_large_gap),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_one_report_per_sig),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_eicar),
		cmocka_unit_test(test_state_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
