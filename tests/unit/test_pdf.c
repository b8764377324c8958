/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pdf.c - unit tests for the PDF reader (pdf*.c): each filter on a
 * known vector, predictors, chains and damage; documents built here as
 * text: embedded files named by their file specification, JavaScript,
 * object streams handed back, the newest revision of an object, a
 * /Prev loop, nesting cut, an encryption that is not opened.  The real
 * tools' files (qpdf, ghostscript, LibreOffice) are in t-carriers-pdf.sh.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "pdf_int.h"

struct out {
	uint8_t b[1 << 16];
	size_t n;
	size_t cap;
};

static int put(void *ctx, const uint8_t *d, size_t n)
{
	struct out *o = ctx;
	size_t cap = o->cap ? o->cap : sizeof(o->b);
	size_t k = o->n + n > cap ? cap - o->n : n;

	memcpy(o->b + o->n, d, k);
	o->n += k;
	return o->n >= cap;
}

/* Decodes data with the filter dictionary d (PDF syntax). */
static int run(const char *d, const void *data, size_t len, struct out *o)
{
	parena a = { 0 };
	pparse p = { 0 };
	int rc;

	p.buf = (const uint8_t *)d;
	p.len = strlen(d);
	p.a = &a;
	memset(o, 0, sizeof(*o));
	rc = pdf_filters(pdf_parse_obj(&p, 0), data, len, put, o, 1 << 20);
	pa_reset(&a);
	return rc;
}

static void expect(struct out *o, const char *s)
{
	assert_int_equal(o->n, strlen(s));
	assert_memory_equal(o->b, s, o->n);
}

static void test_filters(void **state)
{
	/* LZW: the example of ISO 32000-1, 7.4.4.2 */
	static const uint8_t lzw[] = { 0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c,
				       0x0c, 0x85, 0x01 };
	static const uint8_t rl[] = { 2, 'a', 'b', 'c', 253, 'x', 128, 'z' };
	uint8_t z[64];
	uLongf zl = sizeof(z);
	struct out o;

	(void)state;
	assert_int_equal(run("<< /Filter /LZWDecode >>", lzw, sizeof(lzw), &o),
			 MDE__PDF_OK);
	expect(&o, "-----A---B");
	run("<< /Filter /ASCIIHexDecode >>", "48 65 6C6c6F7>", 14, &o);
	expect(&o, "Hellop");
	run("<< /Filter /A85 >>", "87cURD]i,\"Ebo80~>", 17, &o);
	expect(&o, "Hello World!");
	run("<< /Filter /ASCII85Decode >>", "z!!~>", 5, &o);
	assert_int_equal(o.n, 5);
	run("<< /Filter /RunLengthDecode >>", rl, sizeof(rl), &o);
	expect(&o, "abcxxxx");
	compress(z, &zl, (const uint8_t *)"flate data", 10);
	run("<< /Filter [/Fl] >>", z, zl, &o);
	expect(&o, "flate data");
	/* a bare deflate stream, as some writers make */
	assert_int_equal(run("<< /Filter /FlateDecode >>", z + 2, zl - 6, &o),
			 MDE__PDF_OK);
	expect(&o, "flate data");
}

static void test_predictors(void **state)
{
	/* PNG rows of 3 bytes: None, Sub, Up, Average, Paeth */
	static const uint8_t rows[] = { 0, 1, 2, 3, 1, 1, 1, 1, 2, 1, 1, 1,
					3, 0, 0, 0, 4, 1, 1, 1 };
	static const uint8_t want[] = { 1, 2, 3, 1, 2, 3, 2, 3, 4,
					1, 2, 3, 2, 3, 4 };
	static const uint8_t tiff[] = { 1, 1, 1, 5, 0, 0 };
	uint8_t z[64];
	uLongf zl = sizeof(z);
	struct out o;

	(void)state;
	compress(z, &zl, rows, sizeof(rows));
	run("<< /Filter /FlateDecode /DecodeParms << /Predictor 12 "
	    "/Columns 3 >> >>", z, zl, &o);
	assert_int_equal(o.n, sizeof(want));
	assert_memory_equal(o.b, want, sizeof(want));
	zl = sizeof(z);
	compress(z, &zl, tiff, sizeof(tiff));
	run("<< /Filter /FlateDecode /DecodeParms << /Predictor 2 "
	    "/Columns 3 >> >>", z, zl, &o);
	assert_int_equal(o.n, 6);
	assert_memory_equal(o.b, "\x01\x02\x03\x05\x05\x05", 6);
}

static void test_chain_damage_limit(void **state)
{
	uint8_t z[64], big[4096] = { 0 };
	uLongf zl = sizeof(z);
	struct out o;

	(void)state;
	compress(z, &zl, (const uint8_t *)"chained", 7);
	{
		char hex[200];
		uLongf i;

		for (i = 0; i < zl; i++)
			snprintf(hex + 2 * i, 3, "%02x", z[i]);
		run("<< /Filter [/AHx /Fl] >>", hex, 2 * zl, &o);
		expect(&o, "chained");
	}
	/* damage: what was decoded before it stands */
	assert_int_equal(run("<< /Filter /A85 >>", "87cURD]i,\"Ebo80\x01", 16,
			     &o), MDE__PDF_DAMAGED);
	expect(&o, "Hello World!");
	/* an image filter ends the chain: the data as it is */
	assert_int_equal(run("<< /Filter /DCTDecode >>", "\xff\xd8", 2, &o),
			 MDE__PDF_UNSUPPORTED);
	assert_int_equal(o.n, 2);
	/* the sink stops a bomb */
	zl = sizeof(z);
	compress(z, &zl, big, sizeof(big));
	memset(&o, 0, sizeof(o));
	{
		parena a = { 0 };
		pparse p = { 0 };
		const char *d = "<< /Filter /FlateDecode >>";

		p.buf = (const uint8_t *)d, p.len = strlen(d), p.a = &a;
		o.cap = 100;
		assert_int_equal(pdf_filters(pdf_parse_obj(&p, 0), z, zl,
					     put, &o, 1 << 20), MDE__PDF_STOP);
		assert_int_equal(o.n, 100);
		pa_reset(&a);
	}
}

/* ------------------------------------------------------- documents */

struct items {
	char names[16][64];
	int kinds[16];
	char data[16][128];
	int n;
};

static void walk(const char *doc, struct items *it, const char **note)
{
	mde__pdf *d = mde__pdf_open((const uint8_t *)doc, strlen(doc), NULL);
	mde__pdf_item i;
	struct out o;
	const char *nt;

	assert_non_null(d);
	memset(it, 0, sizeof(*it));
	while (mde__pdf_next(d, &i) && it->n < 16) {
		memset(&o, 0, sizeof(o));
		mde__pdf_decode(d, &i, put, &o);
		if (i.kind == MDE__PDF_OBJSTM)
			mde__pdf_objstm(d, &i, o.b, o.n);
		snprintf(it->names[it->n], 64, "%s", i.name);
		it->kinds[it->n] = i.kind;
		snprintf(it->data[it->n], 128, "%.*s", (int)o.n, o.b);
		it->n++;
	}
	nt = mde__pdf_note(d);
	if (note)
		*note = nt;
	mde__pdf_close(d);
}

static void test_document(void **state)
{
	static const char doc[] =
		"%PDF-1.7\n"
		"1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n"
		"2 0 obj << /S /JavaScript /JS (app.alert\\(1\\);) >> endobj\n"
		"3 0 obj << /Type /Filespec /F (a.exe) /UF <FEFF0062002E0065"
		"00780065> /EF << /F 4 0 R >> >> endobj\n"
		"4 0 obj << /Length 5 >> stream\nhello\nendstream endobj\n"
		"5 0 obj << /S /JavaScript /JS 6 0 R >> endobj\n"
		"6 0 obj << /Length 99 >>\nstream\nvar x = 1;\nendstream\n"
		"endobj\n";
	struct items it;

	(void)state;
	walk(doc, &it, NULL);
	assert_int_equal(it.n, 3);
	assert_string_equal(it.names[0], "b.exe"); /* /UF, UTF-16 */
	assert_int_equal(it.kinds[0], MDE__PDF_EMBEDDED);
	assert_string_equal(it.data[0], "hello");
	assert_string_equal(it.names[1], "[js 6]"); /* a wrong /Length */
	assert_string_equal(it.data[1], "var x = 1;");
	assert_string_equal(it.names[2], "[js 2]");
	assert_string_equal(it.data[2], "app.alert(1);");
}

static void test_objstm_and_revisions(void **state)
{
	static const char doc[] =
		"%PDF-1.5\n"
		"1 0 obj << /Type /ObjStm /N 1 /First 4 /Length 60 >> stream\n"
		"2 0 << /Type /Filespec /F (in.bin) /EF << /F 3 0 R >> >>\n"
		"endstream endobj\n"
		"3 0 obj << /Length 3 >> stream\nold\nendstream endobj\n"
		"3 0 obj << /Length 3 >> stream\nnew\nendstream endobj\n";
	struct items it;

	(void)state;
	walk(doc, &it, NULL);
	assert_int_equal(it.n, 3);
	assert_int_equal(it.kinds[0], MDE__PDF_OBJSTM);
	/* both revisions of object 3, named by the object stream's spec */
	assert_string_equal(it.names[1], "in.bin");
	assert_string_equal(it.data[1], "old");
	assert_string_equal(it.names[2], "in.bin");
	assert_string_equal(it.data[2], "new");
}

static void test_hostile(void **state)
{
	static const char loop[] =
		"%PDF-1.4\n1 0 obj << >> endobj\n"
		"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"
		"trailer << /Size 2 /Prev 31 >>\nstartxref\n31\n%%EOF\n";
	static const char enc[] =
		"%PDF-1.4\n1 0 obj << /Length 4 >> stream\nabcd\nendstream "
		"endobj\n2 0 obj << /Filter /Standard /V 1 /R 2 /P -4 "
		"/O <00000000000000000000000000000000"
		"00000000000000000000000000000000> "
		"/U <00000000000000000000000000000000"
		"00000000000000000000000000000000> >> endobj\n"
		"trailer << /Encrypt 2 0 R /ID [<01><01>] >>\n";
	char deep[4096];
	struct items it;
	const char *note;

	(void)state;
	walk(loop, &it, NULL);
	assert_int_equal(it.n, 0);
	walk(enc, &it, &note);
	assert_int_equal(it.n, 0);
	assert_string_equal(note, "encrypted");
	snprintf(deep, sizeof(deep), "%%PDF-1.4\n1 0 obj %s endobj\n",
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	walk(deep, &it, &note);
	assert_string_equal(note, "limit: max-recursion");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_predictors),
		cmocka_unit_test(test_chain_damage_limit),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_objstm_and_revisions),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
