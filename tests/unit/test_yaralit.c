/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_yaralit.c - unit tests of the YARA literal prefilter: required
 * literals of each string form and modifier, condition analysis, rule
 * analysis, and scans through the YARA stage with the prefilter on and
 * off (the findings must be the same), also through the compiled-rules
 * file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "mde_int.h"
#include "yaralit.h"
#include "yaraprefilter.h"

/* Literals of one definition; returns mde__ystring_lits()'s result. */
static int lits_of(const char *def, mde__ylits *l)
{
	memset(l, 0, sizeof(*l));
	return mde__ystring_lits(def, strlen(def), l);
}

static void assert_lit(const mde__ylits *l, size_t i, const void *p,
		       size_t n, bool caseless)
{
	assert_true(i < l->n);
	assert_int_equal(l->v[i].len, n);
	assert_memory_equal(l->pool + l->v[i].off, p, n);
	assert_int_equal(l->v[i].caseless, caseless);
}

static void expect_one(const char *def, const void *p, size_t n,
		       bool caseless)
{
	mde__ylits l;

	assert_int_equal(lits_of(def, &l), 1);
	assert_int_equal(l.n, 1);
	assert_lit(&l, 0, p, n, caseless);
	mde__ylits_release(&l);
}

static void expect_none(const char *def)
{
	mde__ylits l;

	assert_int_equal(lits_of(def, &l), 0);
	assert_int_equal(l.n, 0);
	mde__ylits_release(&l);
}

static void test_text(void **state)
{
	mde__ylits l;

	(void)state;
	expect_one("\"abc\"", "abc", 3, false);
	expect_one("\"abc\" ascii", "abc", 3, false);
	expect_one("\"a\\x41\\\"\\\\\\t\\n\\r\"", "aA\"\\\t\n\r", 7, false);
	expect_one("\"abc\" wide", "a\0b\0c\0", 6, false);
	expect_one("\"abc\" nocase", "abc", 3, true);
	expect_one("\"abc\" wide nocase", "a\0b\0c\0", 6, true);
	expect_one("\"abc\" fullword private", "abc", 3, false);
	expect_one("\"\\xff\\x00z\" wide", "\xff\0\0\0z\0", 6, false);
	assert_int_equal(lits_of("\"abc\" ascii wide nocase", &l), 1);
	assert_int_equal(l.n, 2);
	assert_lit(&l, 0, "abc", 3, true);
	assert_lit(&l, 1, "a\0b\0c\0", 6, true);
	mde__ylits_release(&l);
	/* xor: a literal per key (and form), the key on wide's zeros too */
	assert_int_equal(lits_of("\"abc\" xor", &l), 1);
	assert_int_equal(l.n, 256);
	assert_lit(&l, 0, "abc", 3, false);
	assert_lit(&l, 255, "\x9e\x9d\x9c", 3, false);
	mde__ylits_release(&l);
	assert_int_equal(lits_of("\"abc\" xor(2)", &l), 1);
	assert_int_equal(l.n, 1);
	assert_lit(&l, 0, "c`a", 3, false);
	mde__ylits_release(&l);
	assert_int_equal(lits_of("\"ab\" wide ascii xor(0x10-0x11)", &l), 1);
	assert_int_equal(l.n, 4);
	assert_lit(&l, 0, "qr", 2, false);
	assert_lit(&l, 1, "q\x10r\x10", 4, false);
	assert_lit(&l, 3, "p\x11s\x11", 4, false);
	mde__ylits_release(&l);
	assert_int_equal(lits_of("\"abc\" xor wide ascii", &l), 1);
	assert_int_equal(l.n, 512); /* MAX_XOR_LITS */
	mde__ylits_release(&l);
	expect_none("\"abc\" xor(3-2)");
	expect_none("\"abc\" xor(1-256)");
	expect_none("\"abc\" xor(\"x\")");
	expect_none("\"abc\" nocase xor");
	/* base64: the three texts YARA's documentation lists */
	assert_int_equal(lits_of("\"This program cannot\" base64", &l), 1);
	assert_int_equal(l.n, 3);
	assert_lit(&l, 0, "VGhpcyBwcm9ncmFtIGNhbm5vd", 25, false);
	assert_lit(&l, 1, "RoaXMgcHJvZ3JhbSBjYW5ub3", 24, false);
	assert_lit(&l, 2, "UaGlzIHByb2dyYW0gY2Fubm90", 25, false);
	mde__ylits_release(&l);
	assert_int_equal(lits_of("\"This program cannot\" base64wide", &l),
			 1);
	assert_int_equal(l.n, 3);
	assert_lit(&l, 1, "R\0o\0a\0X\0M\0g\0c\0H\0J\0v\0Z\0"
		   "3\0J\0h\0b\0S\0B\0j\0Y\0W\0" "5\0u\0b\0" "3\0", 48,
		   false);
	mde__ylits_release(&l);
	assert_int_equal(lits_of("\"abcd\" wide ascii base64 base64wide",
				 &l), 1);
	assert_int_equal(l.n, 12);
	mde__ylits_release(&l);
	expect_none("\"abc\" base64 nocase");
	expect_none("\"a\" base64"); /* nothing left after the cuts */
	expect_none("\"abc\" wide base64(\"x\")");
	expect_none("\"abc\" strange");
	expect_none("\"a\\qb\"");
	expect_none("\"a\\x4\"");
	expect_none("\"\"");
	expect_none("/abc/");
	expect_none("/abc/ nocase wide");
	expect_none("\"abc");
	expect_none("");
}

static void test_hex(void **state)
{
	(void)state;
	expect_one("{ 4D 5A 90 00 }", "MZ\x90\0", 4, false);
	expect_one("{ 4d5a90 }", "MZ\x90", 3, false);
	expect_one("{ 4D 5A ?? 00 01 02 03 }", "\0\1\2\3", 4, false);
	expect_one("{ 4D 5A [2-4] 00 01 02 }", "\0\1\2", 3, false);
	expect_one("{ 4D 5A 90 [2] 00 01 }", "MZ\x90", 3, false);
	expect_one("{ 4D 5A 90 ( 01 | 02 03 04 05 ) 11 22 }", "MZ\x90", 3,
		   false);
	expect_one("{ 4D 5? 90 00 11 }", "\x90\0\x11", 3, false);
	expect_one("{ 4D ?A 90 00 11 }", "\x90\0\x11", 3, false);
	expect_one("{ ~4D 5A 90 00 }", "Z\x90\0", 3, false);
	expect_one("{ 4D /* c } */ 5A // x }\n 90 }", "MZ\x90", 3, false);
	expect_one("{ 4D 5A 90 } private", "MZ\x90", 3, false);
	expect_none("{ 4D 5A ?? 00 }");
	expect_none("{ (4D 5A 90 | 00 01 02) 11 22 }");
	expect_none("{ 4D [1-2] 5A [3] 90 }");
	expect_none("{ 4D 5A 90 } wide");
	expect_none("{ 4D 5A 90 } nocase");
	expect_none("{ 4D 5A 90 | 00 }");
	expect_none("{ 4D 5A 90 ) }");
	expect_none("{ 4D 5A 90 /* }");
	expect_none("{ 4D 5A 90 zz }");
	expect_none("{ 4D 5A 9 }");
}

static const char *const needs[] = {
	"$a", "$a at 0", "$a in (0..100)", "$a at pe.entry_point + 4",
	"#a > 0", "#a >= 1", "#a == 2", "any of them", "all of them",
	"2 of them", "any of ($a, $b*)", "all of ($*)", "1 of ($a)",
	"any of them in (0..10)",
	"for any of them : ( $ )", "for all of ($a, $b) : ( $ at 0 )",
	"for 1 of them : ( # > 2 )", "for any of them : ( $ or #b > 0 )",
	"uint16(0) == 0x5A4D and any of them",
	"filesize < 10KB and ($a or $b)", "$a or $b",
	"($a or #b > 0) and not $c", "pe.is_pe and $a", "$a and $b or $c",
	"not $a and $b", "((($a)))", "$a and true or all of them",
	"/* c */ $a // x",
};

static const char *const needs_not[] = {
	"", "true", "not $a", "$a or true", "0 of them", "none of them",
	"#a == 0", "#a >= 0", "#a < 3", "#a > x", "filesize < 10",
	"uint16(0) == 0x5A4D", "$a or filesize > 0", "(not $a)",
	"for any i in (1..#a) : ( @a[i] > 0 )", "50% of them",
	"for any of them : ( not $ )", "for any of them : ( true )",
	"any of them or true", "((((((((((((($a)))))))))))))",
	"$a at 0 == 1", "$a == 1", "x", "( $a", "$a )", ") $a (",
	"any of ($a, )", "any of ($a $b)", "any of (a)", "any of $a",
	"$a at", "$a in ($b)", "$a at \"x\"", "$a*", "$a matches /x/",
	"#a > 0 > 1", "for all of them : ( $ ) or true", "\x01",
	"\"unterminated",
};

static void test_cond(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		if (!mde__ycond_needs_string(needs[i], strlen(needs[i])))
			fail_msg("should need a string: %s", needs[i]);
	}
	for (i = 0; i < sizeof(needs_not) / sizeof(needs_not[0]); i++) {
		if (mde__ycond_needs_string(needs_not[i], strlen(needs_not[i])))
			fail_msg("should not need a string: %s", needs_not[i]);
	}
}

static const char rules_src[] =
	"import \"pe\"\n"
	"rule r_text : tag1 strings { meta: s = \"x\" a = 1\n"
	"  strings: $a = \"one\" $b = \"two\" wide $ = { 01 02 03 ?? 04 }\n"
	"  condition: any of them }\n"
	"rule r_regex { strings: $a = \"one\" $b = /two/ condition: $a }\n"
	"rule r_nostr { condition: filesize < 10 }\n"
	"rule r_not { strings: $a = \"one\" condition: not $a }\n"
	"rule r_xor { strings: $a = \"one\" xor $b = \"x\" condition: $b }\n"
	"rule r_zero { strings: $a = \"one\" condition: 0 of them }\n"
	"rule r_hexshort { strings: $a = { 01 ?? 02 } condition: $a }\n"
	"rule r_ok { strings: $a = \"q\" nocase condition: #a == 1 }\n";

static void test_rules(void **state)
{
	/* r_regex and r_xor need only their literal string ($a, $b) */
	static const int want[] = { 1, 1, 0, 0, 1, 0, 0, 1 };
	mde__ysrc s;
	mde__ylits l = { 0 };
	size_t i, n;

	(void)state;
	assert_int_equal(mde__ysrc_split(rules_src, strlen(rules_src), &s), 0);
	assert_false(s.whole);
	assert_int_equal(s.nrules, 8);
	for (i = 0; i < s.nrules; i++) {
		n = l.n;
		assert_int_equal(mde__yrule_lits(rules_src, &s.rules[i], &l),
				 want[i]);
		assert_int_equal(l.n - n, i == 0 ? 3 : want[i]);
	}
	assert_lit(&l, 0, "one", 3, false);
	assert_lit(&l, 1, "t\0w\0o\0", 6, false);
	assert_lit(&l, 2, "\1\2\3", 3, false);
	assert_lit(&l, 3, "one", 3, false);
	assert_lit(&l, 4, "x", 1, false);
	assert_lit(&l, 5, "q", 1, true);
	mde__ylits_release(&l);
	mde__ysrc_release(&s);
}

/*
 * The clause a condition gives: which strings' literals go to the
 * prefilter.  Each rule's strings are named after what the test expects:
 * $k* are kept (their literals must be there), $d* dropped (a cheaper or
 * sufficient choice exists), and the literal of each is its own name
 * padded to show its cost (longer is rarer).
 */
static const struct {
	const char *rule;
	int filterable;
} clause_rules[] = {
	/* all of them: the rarest one */
	{ "rule a { strings: $d1 = \"dOne\" $k1 = \"kOne_x7Q_long_rare\" "
	  "$d2 = \"dTwo_Q\" condition: all of them }", 1 },
	/* 2 of 3: any two, the rarest two */
	{ "rule a { strings: $d1 = \"dOne\" $k1 = \"kOne_x7Q_long_rare\" "
	  "$k2 = \"kTwo_x7Q_rare\" condition: 2 of them }", 1 },
	/* any of a set: all of it, not the others */
	{ "rule a { strings: $k1 = \"kOne_9\" $k2 = \"kTwo_9\" "
	  "$d1 = \"dOne_9\" condition: any of ($k*) and filesize < 10 }", 1 },
	/* or: both sides; and: the better conjunct; a regex is passed by */
	{ "rule a { strings: $k1 = \"kOne_x7Q_rare1\" $d1 = /x+y/ "
	  "$k2 = \"kTwo_x7Q_rare2\" $d2 = \"dTwo\" "
	  "condition: $k1 or ($d1 and $k2 and $d2) }", 1 },
	/* a regex the only way: not filterable */
	{ "rule a { strings: $k1 = \"kOne_x7Q_rare1\" $d1 = /x+y/ "
	  "condition: $k1 or $d1 }", 0 },
	/* N of M with too few literal strings: not filterable */
	{ "rule a { strings: $k1 = \"kOne_9\" $d1 = /x+y/ $d2 = /z+/ "
	  "condition: 2 of them }", 0 },
	/* 2 of 3 where one has no literal: the two that have */
	{ "rule a { strings: $k1 = \"kOne_9\" $d1 = /x+y/ $k2 = \"kTwo_9\" "
	  "condition: 2 of them }", 1 },
	/* modifiers with arguments are passed over */
	{ "rule a { strings: $d1 = \"dOne\" xor(1-255) "
	  "$d2 = \"dTwo_x7Q\" base64(\"!@#$%^&*(){}[].,|ABCDEFGHIJ\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu\") "
	  "$k2 = \"kTwo_9\" condition: $k2 }", 1 },
	/* a for-of body on the loop's string: as Q of SET */
	{ "rule a { strings: $k1 = \"kOne_x7Q_rare\" $d1 = \"dOne\" "
	  "condition: for all of them : ( # > 2 ) }", 1 },
	/* a for-of body on another string: that string */
	{ "rule a { strings: $d1 = \"dOne_x7Q_rare\" $k1 = \"kOne\" "
	  "condition: for any of ($d*) : ( $k1 ) }", 1 },
	/* both: the whole set and the other */
	{ "rule a { strings: $k1 = \"kOne_9\" $k2 = \"kTwo_9\" "
	  "condition: for any of ($k1) : ( $ or $k2 ) }", 1 },
	/* more required than there are: never true, not filtered */
	{ "rule a { strings: $d1 = \"dOne_9\" condition: 2 of them }", 0 },
	/* a name no string has */
	{ "rule a { strings: $d1 = \"dOne_9\" condition: $x }", 0 },
};

/* Whether the literal text p[0..n) is among l's. */
static bool has_lit(const mde__ylits *l, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].len == n && memcmp(l->pool + l->v[i].off, p, n) == 0)
			return true;
	return false;
}

static void test_clause(void **state)
{
	const char *src, *q, *e;
	mde__ysrc s;
	mde__ylits l;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(clause_rules) / sizeof(clause_rules[0]); i++) {
		src = clause_rules[i].rule;
		memset(&l, 0, sizeof(l));
		assert_int_equal(mde__ysrc_split(src, strlen(src), &s), 0);
		assert_int_equal(s.nrules, 1);
		rc = mde__yrule_lits(src, &s.rules[0], &l);
		if (rc != clause_rules[i].filterable)
			fail_msg("rule %zu: filterable %d, want %d: %s", i, rc,
				 clause_rules[i].filterable, src);
		/* every "kName..." literal kept, every "dName..." dropped */
		for (q = src; rc == 1 && (q = strstr(q, "= \"")); q = e) {
			q += 3;
			e = strchr(q, '"');
			if ((q[0] == 'k') != has_lit(&l, q, (size_t)(e - q)))
				fail_msg("rule %zu: literal %.*s %s: %s", i,
					 (int)(e - q), q, q[0] == 'k' ?
					 "missing" : "not dropped", src);
		}
		mde__ylits_release(&l);
		mde__ysrc_release(&s);
	}
}

static void test_prefilter_nul(void **state)
{
	mde__ylits l;
	mde__ypf *p = NULL;
	struct hs_scratch *s = NULL;

	(void)state;
	assert_int_equal(lits_of("{ 00 00 00 }", &l), 1);
	assert_int_equal(mde__ypf_new(&l, &p), MDE_ERR_STATE);
	assert_null(p);
	mde__ylits_release(&l);
	assert_int_equal(lits_of("{ 00 00 4E 55 4C }", &l), 1);
	assert_int_equal(mde__ypf_new(&l, &p), MDE_OK);
	assert_int_equal(mde__ypf_scratch_add(p, &s), MDE_OK);
	assert_true(mde__ypf_hit(p, s, (const uint8_t *)"xxNULxx", 7));
	assert_false(mde__ypf_hit(p, s, (const uint8_t *)"xxNUxLx", 7));
	assert_true(mde__ypf_hit(p, NULL, (const uint8_t *)"xx", 2));
	mde__ypf_scratch_free(s);
	mde__ypf_free(p);
	mde__ylits_release(&l);
}

/* ------------------------------------------------ end to end */

static const char lit_yar[] =
	"rule t_text { strings: $a = \"evil_payload\" condition: $a }\n"
	"rule t_wide { strings: $a = \"WideThing\" wide condition: $a }\n"
	"rule t_aw { strings: $a = \"bothways\" ascii wide "
	"condition: #a > 0 }\n"
	"rule t_nc { strings: $a = \"CaseLess\" nocase "
	"condition: any of them }\n"
	"rule t_wnc { strings: $a = \"wnocase\" wide nocase condition: $a }\n"
	"rule t_full { strings: $a = \"word\" fullword condition: $a }\n"
	"rule t_hex { strings: $a = { 13 37 ?? C0 FF EE [1-3] 42 } "
	"condition: uint16(0) == 0x5A4D and $a }\n"
	"rule t_elf { strings: $a = \"elfmark\" $b = { DE AD BE EF } "
	"condition: uint32(0) == 0x464C457F and all of them }\n"
	"rule t_esc { strings: $a = \"q\\\"x\\\\y\\x01z\" "
	"condition: $a at 100 or $a in (0..50) }\n"
	"rule t_for { strings: $a = \"loopA\" $b = \"loopB\" "
	"condition: for any of ($a, $b) : ( # >= 2 ) }\n"
	"rule t_two { strings: $a = \"twoA\" $b = \"twoB\" "
	"condition: 2 of them and filesize < 100KB }\n"
	"rule t_nul { strings: $a = { 00 00 4E 55 4C } condition: $a }\n"
	"rule t_b64 { strings: $a = \"b64me_please\" base64 "
	"$b = \"b64alpha_me\" base64(\"!@#$%^&*(){}[].,|ABCDEFGHIJ\\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu\") "
	"condition: any of them }\n"
	"rule t_xor { strings: $a = \"xorme_xyz\" xor(0x20-0x22) "
	"$b = /x[0-9]+y/ condition: $a or ($b and #a > 1) }\n";

static const char mixed_yar[] =
	"rule m_size { condition: filesize == 777 }\n"
	"rule m_re { strings: $a = /ev[i]l_payload/ condition: $a }\n";

struct tok {
	const char *p;
	size_t n, at; /* at: offset, 0 for the middle */
};

static const struct tok toks[] = {
	{ "", 0, 0 },
	{ "evil_payload", 12, 0 },
	{ "EVIL_PAYLOAD", 12, 0 },
	{ "W\0i\0d\0e\0T\0h\0i\0n\0g\0", 18, 0 },
	{ "wIDEtHING", 9, 0 },
	{ "bothways", 8, 0 },
	{ "b\0o\0t\0h\0w\0a\0y\0s\0", 16, 0 },
	{ "cAsElEsS", 8, 0 },
	{ "W\0N\0o\0C\0A\0S\0E\0", 14, 0 },
	{ " word ", 6, 0 },
	{ "xwordx", 6, 0 },
	{ "\x13\x37\x00\xc0\xff\xee\x01\x42", 8, 0 },
	{ "elfmark\xde\xad\xbe\xef", 11, 0 },
	{ "q\"x\\y\x01z", 7, 100 },
	{ "q\"x\\y\x01z", 7, 200 },
	{ "loopAloopA", 10, 0 },
	{ "loopAloopB", 10, 0 },
	{ "twoA twoB", 9, 0 },
	{ "\x01\x00NUL", 5, 0 },
	{ "\x00\x00NUL", 5, 0 },
	{ "YjY0bWVfcGxlYXNl", 16, 0 },   /* base64("b64me_please") */
	{ "xYjY0bWVfcGxlYXNlx", 18, 0 },
	{ "I2NG1lX3BsZWFzZ", 15, 0 },    /* one byte before */
	{ "NjRtZV9wbGVhc2", 14, 0 },     /* two bytes before */
	{ "NjRtZV9wbGVhc", 13, 0 },      /* cut */
	{ "YNSLD~YX[", 9, 0 },   /* "xorme_xyz" ^ 0x21 */
	{ "YNSLD~YX", 8, 0 },    /* cut */
	{ "XOrme_xyz", 9, 0 },   /* another case: no key */
};

static const struct {
	const char *p;
	size_t n;
} heads[] = { { "MZ", 2 }, { "\x7f" "ELF", 4 }, { "#!/bin/sh\n", 10 } };

static const size_t sizes[] = { 777, 4096, 150000 };

struct hits {
	char list[2048];
};

static int on_match(void *ctx, const mde__ymatch *m)
{
	struct hits *h = ctx;
	size_t n = strlen(h->list);

	snprintf(h->list + n, sizeof(h->list) - n, "%s:%s ", m->ns, m->rule);
	return 0;
}

/* A yara with lit.yar (and mixed.yar if mixed); cache: save or load. */
static mde__yara *load(bool presel, bool pf, bool mixed, const char *cache)
{
	mde__yara *y = mde__yara_new();
	char err[256];

	assert_non_null(y);
	mde__yara_set_preselect(y, presel);
	mde__yara_set_prefilter(y, pf);
	assert_int_equal(mde__yara_add_source(y, "lit.yar", lit_yar,
					      strlen(lit_yar)), MDE_OK);
	if (mixed)
		assert_int_equal(mde__yara_add_source(y, "mixed.yar",
						      mixed_yar,
						      strlen(mixed_yar)),
				 MDE_OK);
	if (cache && access(cache, F_OK) == 0) {
		assert_int_equal(mde__yara_load(y, cache, NULL), MDE_OK);
		return y;
	}
	assert_int_equal(mde__yara_compile(y, NULL, err, sizeof(err)), MDE_OK);
	if (cache)
		assert_int_equal(mde__yara_save(y, cache), MDE_OK);
	return y;
}

static void scan(mde__yscan *s, const uint8_t *buf, size_t len,
		 struct hits *h)
{
	mde__yext x = { "f", "/d", "", "", "root" };
	const char *why = NULL;

	h->list[0] = '\0';
	assert_int_equal(mde__yscan_scan(s, buf, len, &x, 10, on_match, h,
					 &why), MDE_OK);
}

static uint8_t *make_buf(size_t h, size_t t, size_t len)
{
	uint8_t *b = calloc(1, len);
	size_t at = toks[t].at ? toks[t].at : len / 2;

	assert_non_null(b);
	memset(b + heads[h].n, 'z', len - heads[h].n);
	memcpy(b, heads[h].p, heads[h].n);
	memcpy(b + at, toks[t].p, toks[t].n);
	return b;
}

/* Scans every buffer with a and b; the findings must be the same. */
static size_t compare(mde__yara *a, mde__yara *b)
{
	mde__yscan *sa = mde__yscan_new(a), *sb = mde__yscan_new(b);
	struct hits ha, hb;
	size_t h, t, z, nhit = 0;
	uint8_t *buf;

	assert_non_null(sa);
	assert_non_null(sb);
	for (h = 0; h < 3; h++)
		for (t = 0; t < sizeof(toks) / sizeof(toks[0]); t++)
			for (z = 0; z < 3; z++) {
				buf = make_buf(h, t, sizes[z]);
				scan(sa, buf, sizes[z], &ha);
				scan(sb, buf, sizes[z], &hb);
				assert_string_equal(ha.list, hb.list);
				nhit += ha.list[0] != '\0';
				free(buf);
			}
	mde__yscan_free(sa);
	mde__yscan_free(sb);
	return nhit;
}

static void test_e2e(void **state)
{
	mde__yara *on, *off;
	int presel, mixed;

	(void)state;
	for (presel = 0; presel < 2; presel++)
		for (mixed = 0; mixed < 2; mixed++) {
			on = load(presel, true, mixed, NULL);
			off = load(presel, false, mixed, NULL);
			assert_int_equal(mde__yara_prefilter_sets(off), 0);
			/* a subset's rules that are not filterable go to its
			 * part scanned always; the single set has one part */
			if (mixed && !presel)
				assert_int_equal(mde__yara_prefilter_sets(on), 0);
			else
				assert_true(mde__yara_prefilter_sets(on) > 0);
			/* 3 heads x 3 sizes, most tokens hit some rule */
			assert_true(compare(on, off) > 60);
			mde__yara_free(on);
			mde__yara_free(off);
		}
}

static void test_e2e_skips(void **state)
{
	mde__yara *y = load(true, true, false, NULL);
	mde__yscan *s = mde__yscan_new(y);
	struct hits h;
	uint8_t *buf;

	(void)state;
	assert_non_null(s);
	buf = make_buf(0, 1, 4096);
	scan(s, buf, 4096, &h);
	assert_string_equal(h.list, "lit.yar:t_text ");
	free(buf);
	buf = make_buf(0, 11, 4096);
	scan(s, buf, 4096, &h);
	assert_string_equal(h.list, "lit.yar:t_hex ");
	free(buf);
	buf = make_buf(1, 10, 4096); /* "word" hits, fullword does not */
	scan(s, buf, 4096, &h);
	assert_string_equal(h.list, "");
	free(buf);
	mde__yscan_free(s);
	mde__yara_free(y);
}

/* Through the compiled-rules file, saved with the prefilter on or off
 * (then it is built from the sources) and loaded with it on. */
static void test_e2e_cache(void **state)
{
	char path[] = "/tmp/test_yaralit.XXXXXX";
	mde__yara *first, *loaded, *off;
	int fd, presel, saved_pf;

	(void)state;
	for (presel = 0; presel < 4; presel++) {
		saved_pf = presel < 2;
		fd = mkstemp(path);
		assert_true(fd >= 0);
		close(fd);
		unlink(path);
		first = load(presel & 1, saved_pf, false, path);
		loaded = load(presel & 1, true, false, path);
		off = load(presel & 1, false, false, NULL);
		if (saved_pf)
			assert_int_equal(mde__yara_prefilter_sets(loaded),
					 mde__yara_prefilter_sets(first));
		assert_true(mde__yara_prefilter_sets(loaded) > 0);
		assert_true(compare(loaded, off) > 60);
		mde__yara_free(first);
		mde__yara_free(loaded);
		mde__yara_free(off);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	}
}

/* A cache file others could have written is not read: its rule sets
 * would go to libyara's loader, which trusts them. */
static void test_cache_owner(void **state)
{
	char path[] = "/tmp/test_yaralit.XXXXXX";
	mde__yara *y;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	mde__yara_free(load(true, true, false, path));
	assert_int_equal(chmod(path, 0602), 0);
	y = mde__yara_new();
	assert_non_null(y);
	assert_int_equal(mde__yara_load(y, path, NULL), MDE_ERR_IO);
	mde__yara_free(y);
	assert_int_equal(chmod(path, 0600), 0);
	y = mde__yara_new();
	assert_non_null(y);
	assert_int_equal(mde__yara_load(y, path, NULL), MDE_OK);
	mde__yara_free(y);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_cond),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_clause),
		cmocka_unit_test(test_prefilter_nul),
		cmocka_unit_test(test_e2e),
		cmocka_unit_test(test_e2e_skips),
		cmocka_unit_test(test_e2e_cache),
		cmocka_unit_test(test_cache_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
