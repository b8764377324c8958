/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_yarasel.c - unit tests of YARA rule pre-selection: the splitter on
 * tricky sources, the condition classifier, and scans through the YARA
 * stage with pre-selection on and off (the findings must be the same).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mde_int.h"
#include "yarasel.h"

static void split_ok(const char *src, mde__ysrc *s)
{
	assert_int_equal(mde__ysrc_split(src, strlen(src), s), 0);
}

static void assert_name(const char *src, const mde__yrule *r,
			const char *name)
{
	assert_int_equal(r->name_len, strlen(name));
	assert_memory_equal(src + r->name_off, name, r->name_len);
}

static const char tricky[] =
	"// rule fake { condition: true }\n"
	"/* } { rule x { */ import \"pe\"\n"
	"rule one : t1 t2 {\n"
	"  meta:\n    d = \"a } b { and or \\\" rule\"\n    n = -1\n"
	"  strings:\n"
	"    $a = \"}{ /* not a comment */ and or\" ascii wide\n"
	"    $b = /ab\\/c[}]{2}\\d+ or/ nocase\n"
	"    $c = { 4D 5A // } comment\n ?? [2-4] /* } */ (00 | 01) }\n"
	"    $d = \"x\" base64(\"!@#$%^&*(){}[]<>,./?;:'|~`-_=+0123456789"
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu\")\n"
	"  condition:\n"
	"    uint16(0) == 0x5A4D\n    and filesize < 1MB and\n"
	"    ($a or $b) and pe.imphash() matches /}or{/ and $c and $d\n"
	"}\n"
	"rule two { condition: \"}\" contains \"{\" or true }\n"
	"rule three {\ncondition:\n\t// } and or\n\tuint32be(0) == 0x7F454C46 }";

static void test_split_tricky(void **state)
{
	mde__ysrc s;

	(void)state;
	split_ok(tricky, &s);
	assert_false(s.whole);
	assert_int_equal(s.nimp, 1);
	assert_int_equal(s.imports, MDE__YI_PE);
	assert_int_equal(s.nrules, 3);
	assert_name(tricky, &s.rules[0], "one");
	assert_name(tricky, &s.rules[1], "two");
	assert_name(tricky, &s.rules[2], "three");
	assert_int_equal(s.rules[0].cls.classes, MDE__YC_MZ);
	assert_int_equal(s.rules[0].cls.hi, 1048575);
	assert_int_equal(s.rules[1].cls.classes, MDE__YC_ALL);
	assert_int_equal(s.rules[2].cls.classes, MDE__YC_ELF);
	assert_memory_equal(tricky + s.rules[0].off, "rule one", 8);
	assert_int_equal(tricky[s.rules[0].off + s.rules[0].len - 1], '}');
	assert_int_equal(s.rules[2].off + s.rules[2].len, strlen(tricky));
	mde__ysrc_release(&s);
}

static void expect_whole(const char *src)
{
	mde__ysrc s;

	split_ok(src, &s);
	assert_true(s.whole);
	mde__ysrc_release(&s);
}

static void test_split_whole(void **state)
{
	(void)state;
	expect_whole("private rule p { condition: true }");
	expect_whole("global rule g { condition: filesize < 10 }");
	expect_whole("rule a { condition: true } rule b { condition: a }");
	expect_whole("rule a1 { condition: true } "
		     "rule b { condition: any of (a*) }");
	expect_whole("include \"other.yar\"\nrule a { condition: true }");
	expect_whole("rule a { condition: true"); /* unterminated */
	expect_whole("rule a { strings: $a = \"x condition: $a }");
	expect_whole("rule a { condition: true } /* open");
	expect_whole("rule a { condition: unknown_ext == 1 }");
	expect_whole("junk");
	expect_whole("rule { condition: true }");
	expect_whole("rule a { strings: $a = { 4D { 5A } condition: $a }");
}

static void test_split_not_whole(void **state)
{
	mde__ysrc s;
	const char *src =
		"import \"elf\"\nrule a { strings: $a = \"x\" condition: "
		"for any i in (1..#a) : (@a[i] < 100) and "
		"filename matches /\\.so$/ and for all of them : ( # > 1 ) "
		"and elf.type == elf.ET_EXEC }";

	(void)state;
	split_ok(src, &s);
	assert_false(s.whole);
	assert_int_equal(s.imports, MDE__YI_ELF);
	assert_int_equal(s.nrules, 1);
	assert_int_equal(s.rules[0].cls.classes, MDE__YC_ELF);
	mde__ysrc_release(&s);
	split_ok("", &s);
	assert_false(s.whole);
	assert_int_equal(s.nrules, 0);
	mde__ysrc_release(&s);
}

struct ccase {
	const char *cond;
	unsigned imports, classes;
	uint64_t lo, hi;
};

#define ANY 0, UINT64_MAX
static const struct ccase ccases[] = {
	{ "uint16(0) == 0x5A4D", 0, MDE__YC_MZ, ANY },
	{ "uint16(0) == 0x5a4d and $a", 0, MDE__YC_MZ, ANY },
	{ "uint16be(0) == 0x4D5A", 0, MDE__YC_MZ, ANY },
	{ "0x5A4D == uint16(0)", 0, MDE__YC_MZ, ANY },
	{ "uint8(0) == 0x4D", 0, MDE__YC_MZ | MDE__YC_OTHER, ANY },
	{ "uint32(0) == 0x00905A4D", 0, MDE__YC_MZ, ANY },
	{ "uint32(0) == 0x464C457F", 0, MDE__YC_ELF, ANY },
	{ "uint32be(0) == 0x7F454C46", 0, MDE__YC_ELF, ANY },
	{ "uint16(0) == 0x457F", 0, MDE__YC_ELF | MDE__YC_OTHER, ANY },
	{ "uint32(0) == 0x04034B50", 0, MDE__YC_OTHER, ANY },
	{ "uint16(0) == 0x15A4D", 0, MDE__YC_ALL, ANY },
	{ "uint16(1) == 0x5A4D", 0, MDE__YC_ALL, ANY },
	{ "pe.is_pe", MDE__YI_PE, MDE__YC_MZ, ANY },
	{ "pe.is_pe", 0, MDE__YC_ALL, ANY },
	{ "pe.is_32bit() and $a", MDE__YI_PE, MDE__YC_MZ, ANY },
	{ "pe.is_dll()", MDE__YI_PE, MDE__YC_MZ, ANY },
	{ "pe.number_of_sections == 2", MDE__YI_PE, MDE__YC_ALL, ANY },
	{ "elf.type", MDE__YI_ELF, MDE__YC_ELF, ANY },
	{ "elf.type == elf.ET_EXEC", MDE__YI_ELF, MDE__YC_ELF, ANY },
	{ "elf.machine == 62", MDE__YI_ELF, MDE__YC_ELF, ANY },
	{ "elf.type", 0, MDE__YC_ALL, ANY },
	{ "filesize < 200KB", 0, MDE__YC_ALL, 0, 200 * 1024 - 1 },
	{ "filesize <= 2MB", 0, MDE__YC_ALL, 0, 2 << 20 },
	{ "filesize > 100", 0, MDE__YC_ALL, 101, UINT64_MAX },
	{ "filesize >= 0x10", 0, MDE__YC_ALL, 16, UINT64_MAX },
	{ "filesize == 10", 0, MDE__YC_ALL, 10, 10 },
	{ "1000 > filesize", 0, MDE__YC_ALL, 0, 999 },
	{ "filesize < 0", 0, 0, ANY },
	{ "filesize < 10 and filesize > 20", 0, 0, ANY },
	{ "filesize < 99999999999999999999", 0, MDE__YC_ALL, ANY },
	{ "filesize < 2 * 1024", 0, MDE__YC_ALL, ANY },
	{ "uint16(0) == 0x5A4D and filesize < 1KB and $a", 0, MDE__YC_MZ,
	  0, 1023 },
	{ "(uint16(0) == 0x5A4D and filesize < 1KB) and $a", 0, MDE__YC_MZ,
	  0, 1023 },
	{ "((uint32(0) == 0x464C457F))", 0, MDE__YC_ELF, ANY },
	{ "uint16(0) == 0x5A4D or $a", 0, MDE__YC_ALL, ANY },
	{ "$a and uint16(0) == 0x5A4D or $b", 0, MDE__YC_ALL, ANY },
	{ "not uint16(0) == 0x5A4D", 0, MDE__YC_ALL, ANY },
	{ "not uint16(0) == 0x5A4D and filesize < 10", 0, MDE__YC_ALL, 0, 9 },
	{ "(uint16(0) == 0x5A4D) or (uint32(0) == 0x464C457F)", 0,
	  MDE__YC_ALL, ANY },
	{ "uint16(0) == 0x5A4D and uint32(0) == 0x464C457F", 0, 0, ANY },
	{ "uint16(0) == 0x5A4D and (", 0, MDE__YC_ALL, ANY },
	{ "uint16(0) == 0x5A4D and )", 0, MDE__YC_ALL, ANY },
	{ "$a matches /x and y/ and uint16(0) == 0x5A4D", 0, MDE__YC_MZ, ANY },
	{ "", 0, MDE__YC_ALL, ANY },
};

static void test_classify(void **state)
{
	mde__ycls k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		const struct ccase *c = &ccases[i];

		mde__ycond_classify(c->cond, strlen(c->cond), c->imports, &k);
		if (k.classes != c->classes ||
		    (c->classes && (k.lo != c->lo || k.hi != c->hi)) || k.refs)
			fail_msg("\"%s\": classes %u [%llu, %llu] refs %d",
				 c->cond, k.classes, (unsigned long long)k.lo,
				 (unsigned long long)k.hi, k.refs);
	}
}

static void test_classify_refs(void **state)
{
	static const char *const refs[] = {
		"other_rule", "$a and r1", "any of (r*)", "1 of (a, b)",
		"for any i in (1..2) : (j)", "uint16(0) == 0x5A4D and x",
		"\"unterminated",
	};
	static const char *const norefs[] = {
		"for any i in (0..3) : (uint8(i) == 0)", "filename == \"x\"",
		"for all of ($a*) : (@ > 10)", "math.entropy(0, filesize) > 7",
		"$a at pe.entry_point", "#a > 2 and !a[1] == 3",
	};
	mde__ycls k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		mde__ycond_classify(refs[i], strlen(refs[i]), 0, &k);
		if (!k.refs)
			fail_msg("\"%s\": no reference seen", refs[i]);
	}
	for (i = 0; i < sizeof(norefs) / sizeof(norefs[0]); i++) {
		mde__ycond_classify(norefs[i], strlen(norefs[i]), 0, &k);
		if (k.refs)
			fail_msg("\"%s\": reference seen", norefs[i]);
	}
}

static void test_class_of(void **state)
{
	(void)state;
	assert_int_equal(mde__yclass_of((const uint8_t *)"MZ", 2), MDE__YC_MZ);
	assert_int_equal(mde__yclass_of((const uint8_t *)"M", 1),
			 MDE__YC_OTHER);
	assert_int_equal(mde__yclass_of((const uint8_t *)"\x7f" "ELF", 4),
			 MDE__YC_ELF);
	assert_int_equal(mde__yclass_of((const uint8_t *)"\x7f" "EL", 3),
			 MDE__YC_OTHER);
	assert_int_equal(mde__yclass_of(NULL, 0), MDE__YC_OTHER);
}

/* ------------------------------------------------ end to end */

static const char *const e2e_files[][2] = {
	{ "dir/pe.yar",
	  "import \"pe\"\n"
	  "rule mz_any { strings: $a = \"MARK\" condition: "
	  "uint16(0) == 0x5A4D and $a }\n"
	  "rule mz_small { strings: $a = \"MARK\" condition: "
	  "uint16(0) == 0x5a4d and filesize < 64KB and $a }\n"
	  "rule mz_big { condition: uint16(0) == 0x5A4D and "
	  "filesize > 1MB }\n"
	  "rule pe_real { condition: pe.is_pe }\n"
	  "rule mz_or { condition: uint16(0) == 0x5A4D or filesize < 100 }\n" },
	{ "elf.yar",
	  "rule elf_any { condition: uint32(0) == 0x464C457F }\n"
	  "rule elf_mark { strings: $a = \"MARK\" condition: "
	  "uint32be(0) == 0x7F454C46 and $a and filesize <= 2MB }\n"
	  "rule not_mz { condition: not (uint16(0) == 0x5A4D) }\n" },
	{ "plain.yar",
	  "rule mark { strings: $a = \"MARK\" condition: $a }\n"
	  "rule small { condition: filesize < 1000 }\n"
	  "rule big { condition: filesize >= 1MB }\n"
	  "rule ext { condition: filetype == \"\" and filename == \"f\" }\n" },
	{ "refs.yar",
	  "private rule is_mz { condition: uint16(0) == 0x5A4D }\n"
	  "rule mz_mark { strings: $a = \"MARK\" condition: is_mz and $a }\n" },
	{ "glob.yar",
	  "global rule only_small { condition: filesize < 2MB }\n"
	  "rule g_mark { strings: $a = \"MARK\" condition: $a }\n" },
	{ "other/glob.yar", /* same namespace as glob.yar */
	  "rule g2_mark { strings: $a = \"MARK\" condition: $a }\n" },
	{ "bad.yar", "rule bad { condition: $nope }\n" },
};

struct hits {
	char list[1024];
};

static int on_match(void *ctx, const mde__ymatch *m)
{
	struct hits *h = ctx;
	size_t n = strlen(h->list);

	snprintf(h->list + n, sizeof(h->list) - n, "%s:%s ", m->ns, m->rule);
	return 0;
}

static void on_diag(void *ctx, const char *file, unsigned line,
		    const char *signame, const char *msg)
{
	(void)line, (void)signame, (void)msg;
	assert_string_equal(file, "bad.yar");
	(*(int *)ctx)++;
}

static mde__yara *load(bool presel, int *ndiag)
{
	mde__diag d = { on_diag, ndiag, 0 };
	mde__yara *y = mde__yara_new();
	char err[256];
	size_t i;

	assert_non_null(y);
	mde__yara_set_preselect(y, presel);
	for (i = 0; i < sizeof(e2e_files) / sizeof(e2e_files[0]); i++)
		assert_int_equal(mde__yara_add_source(y, e2e_files[i][0],
						      e2e_files[i][1],
						      strlen(e2e_files[i][1])),
				 MDE_OK);
	assert_int_equal(mde__yara_compile(y, &d, err, sizeof(err)), MDE_OK);
	return y;
}

static void scan(mde__yara *y, const uint8_t *buf, size_t len,
		 struct hits *h)
{
	mde__yext x = { "f", "/d", "", "", "root" };
	mde__yscan *s = mde__yscan_new(y);
	const char *why = NULL;

	assert_non_null(s);
	h->list[0] = '\0';
	assert_int_equal(mde__yscan_scan(s, buf, len, &x, 10, on_match, h,
					 &why), MDE_OK);
	mde__yscan_free(s);
}

static uint8_t *make_buf(const char *head, size_t hlen, size_t len)
{
	uint8_t *b = calloc(1, len);

	assert_non_null(b);
	memcpy(b, head, hlen);
	if (len > hlen + 64)
		memcpy(b + len / 2, "MARK", 4);
	return b;
}

static int cmp_word(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the space-terminated words of list in place. */
static void sort_words(char *list)
{
	char copy[sizeof(((struct hits *)0)->list)], *w[256], *p;
	size_t n = 0, i;

	snprintf(copy, sizeof(copy), "%s", list);
	for (p = strtok(copy, " "); p && n < 256; p = strtok(NULL, " "))
		w[n++] = p;
	qsort(w, n, sizeof(*w), cmp_word);
	list[0] = '\0';
	for (i = 0; i < n; i++) {
		strcat(list, w[i]);
		strcat(list, " ");
	}
}

static void test_e2e_same(void **state)
{
	static const struct {
		const char *head;
		size_t hlen, len;
	} bufs[] = {
		{ "MZ", 2, 2 }, { "MZ", 2, 500 }, { "MZ", 2, 40000 },
		{ "MZ", 2, 3 << 20 }, { "\x7f" "ELF", 4, 4 },
		{ "\x7f" "ELF", 4, 900 }, { "\x7f" "ELF", 4, 1 << 20 },
		{ "\x7f" "ELF", 4, 5 << 20 }, { "M", 1, 1 }, { "", 0, 0 },
		{ "hello", 5, 5 }, { "text", 4, 2000 }, { "text", 4, 4 << 20 },
		{ "\x7f" "EL", 3, 3 },
	};
	struct hits on, off;
	int d_on = 0, d_off = 0;
	mde__yara *y_on = load(true, &d_on), *y_off = load(false, &d_off);
	uint64_t subsets, classified, s2, c2;
	uint8_t *b;
	size_t i;

	(void)state;
	assert_int_equal(d_on, 1); /* bad.yar, once */
	assert_int_equal(d_off, 1);
	assert_int_equal(mde__yara_count(y_on), mde__yara_count(y_off));
	assert_int_equal(mde__yara_count(y_on), 17);
	mde__yara_preselect_stats(y_on, &subsets, &classified);
	mde__yara_preselect_stats(y_off, &s2, &c2);
	assert_true(subsets >= 2);
	assert_int_equal(classified, 8);
	assert_int_equal(s2, 0);
	for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		b = make_buf(bufs[i].head, bufs[i].hlen, bufs[i].len);
		scan(y_on, b, bufs[i].len, &on);
		scan(y_off, b, bufs[i].len, &off);
		/* the same rules; their order is per part (ALWAYS) */
		sort_words(on.list);
		sort_words(off.list);
		if (strcmp(on.list, off.list) != 0)
			fail_msg("buffer %zu: \"%s\" vs \"%s\"", i, on.list,
				 off.list);
		free(b);
	}
	b = make_buf("MZ", 2, 40000);
	scan(y_on, b, 40000, &on);
	assert_non_null(strstr(on.list, "pe.yar:mz_small "));
	assert_non_null(strstr(on.list, "refs.yar:mz_mark "));
	assert_non_null(strstr(on.list, "glob.yar:g2_mark "));
	assert_null(strstr(on.list, "elf_"));
	free(b);
	mde__yara_free(y_on);
	mde__yara_free(y_off);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_tricky),
		cmocka_unit_test(test_split_whole),
		cmocka_unit_test(test_split_not_whole),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_classify_refs),
		cmocka_unit_test(test_class_of),
		cmocka_unit_test(test_e2e_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
