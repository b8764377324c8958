/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tnef.c - the files of TNEF streams built here attribute by
 * attribute: names (long, wide, title, none), the message text, data in
 * the MAPI properties, and streams that are cut or lie about lengths.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tnef.h"

struct st {
	uint8_t b[4096];
	size_t n;
};

static void put(struct st *s, const void *p, size_t n)
{
	assert_true(s->n + n <= sizeof(s->b));
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void u32(struct st *s, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	put(s, b, 4);
}

static void u16(struct st *s, unsigned v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(s, b, 2);
}

static void attr(struct st *s, int level, uint32_t id, const void *d,
		 size_t n)
{
	uint8_t lv = (uint8_t)level;

	put(s, &lv, 1);
	u32(s, id);
	u32(s, (uint32_t)n);
	put(s, d, n);
	u16(s, 0); /* checksums are not checked */
}

static void start(struct st *s)
{
	s->n = 0;
	u32(s, 0x223E9F78u);
	u16(s, 1);
	attr(s, 1, 0x00089006, "\0\0\1\0", 4);
}

static const uint8_t rend[14] = { 1 };

/* One property: PR_ATTACH_LONG_FILENAME (type 0x1E or 0x1F) or
 * PR_ATTACH_DATA (0x102 binary, 0x0D object), after a named property
 * and a multi-valued one, as Outlook writes them. */
static size_t props(uint8_t *out, unsigned type, unsigned id, const void *v,
		    size_t n)
{
	struct st s = { .n = 0 };

	u32(&s, 3);
	/* named: PT_LONG 0x8005, GUID, kind 1, name "ab" in UTF-16 */
	u16(&s, 0x0003);
	u16(&s, 0x8005);
	put(&s, "0123456789abcdef", 16);
	u32(&s, 1);
	u32(&s, 4);
	put(&s, "a\0b\0", 4);
	u32(&s, 7);
	/* multi-valued PT_MV_LONG: two values */
	u16(&s, 0x1003);
	u16(&s, 0x6000);
	u32(&s, 2);
	u32(&s, 1);
	u32(&s, 2);
	u16(&s, type);
	u16(&s, id);
	u32(&s, 1);
	u32(&s, (uint32_t)n);
	put(&s, v, n);
	put(&s, "\0\0\0", (4 - n % 4) % 4);
	memcpy(out, s.b, s.n);
	return s.n;
}

struct files {
	char name[8][64];
	char data[8][64];
	size_t len[8];
	uint64_t declared[8];
	int n, rc;
};

static void walk(const struct st *s, struct files *fs)
{
	mde__tnef t;
	mde__tnef_file f;

	memset(fs, 0, sizeof(*fs));
	assert_true(mde__tnef_is(s->b, s->n));
	mde__tnef_init(&t, s->b, s->n);
	while ((fs->rc = mde__tnef_next(&t, &f)) == 1) {
		assert_true(fs->n < 8);
		snprintf(fs->name[fs->n], 64, "%s", f.name);
		memcpy(fs->data[fs->n], f.data, f.len < 63 ? f.len : 63);
		fs->len[fs->n] = f.len;
		fs->declared[fs->n] = f.declared;
		fs->n++;
	}
}

static void test_names(void **state)
{
	struct st s;
	struct files fs;
	uint8_t p[256];
	size_t n;

	(void)state;
	start(&s);
	attr(&s, 1, 0x0001800C, "body text", 9);
	/* a long narrow name */
	attr(&s, 2, 0x00069002, rend, sizeof(rend));
	attr(&s, 2, 0x00018010, "REPORT~1.DOC", 13);
	attr(&s, 2, 0x0006800F, "one", 3);
	n = props(p, 0x001E, 0x3707, "Quarterly report.doc", 21);
	attr(&s, 2, 0x00069005, p, n);
	/* a wide name (with a control character) */
	attr(&s, 2, 0x00069002, rend, sizeof(rend));
	attr(&s, 2, 0x0006800F, "two", 3);
	n = props(p, 0x001F, 0x3707, "\xe9\0t\0\x01\0.\0x\0\0", 12);
	attr(&s, 2, 0x00069005, p, n);
	/* a title only, then no name at all */
	attr(&s, 2, 0x00069002, rend, sizeof(rend));
	attr(&s, 2, 0x00018010, "EICAR.COM", 10);
	attr(&s, 2, 0x0006800F, "three", 5);
	attr(&s, 2, 0x00069002, rend, sizeof(rend));
	attr(&s, 2, 0x0006800F, "four", 4);
	walk(&s, &fs);
	assert_int_equal(fs.rc, 0);
	assert_int_equal(fs.n, 5);
	assert_string_equal(fs.name[0], "[body]");
	assert_string_equal(fs.data[0], "body text");
	assert_string_equal(fs.name[1], "Quarterly report.doc");
	assert_string_equal(fs.data[1], "one");
	assert_string_equal(fs.name[2], "\xc3\xa9t_.x");
	assert_string_equal(fs.name[3], "EICAR.COM");
	assert_string_equal(fs.data[3], "three");
	assert_string_equal(fs.name[4], "attachment-4");
	assert_string_equal(fs.data[4], "four");
}

/* An embedded message or OLE object: its data in the properties. */
static void test_data_in_properties(void **state)
{
	struct st s;
	struct files fs;
	uint8_t p[256], obj[32];
	size_t n;

	(void)state;
	start(&s);
	attr(&s, 2, 0x00069002, rend, sizeof(rend));
	n = props(p, 0x0102, 0x3701, "binary", 6);
	attr(&s, 2, 0x00069005, p, n);
	memcpy(obj, "IID-IID-IID-IID-object", 22);
	attr(&s, 2, 0x00069002, rend, sizeof(rend));
	n = props(p, 0x000D, 0x3701, obj, 22);
	attr(&s, 2, 0x00069005, p, n);
	/* an attachment without data is no file */
	attr(&s, 2, 0x00069002, rend, sizeof(rend));
	attr(&s, 2, 0x00018010, "EMPTY.TXT", 10);
	walk(&s, &fs);
	assert_int_equal(fs.rc, 0);
	assert_int_equal(fs.n, 2);
	assert_string_equal(fs.data[0], "binary");
	assert_string_equal(fs.data[1], "object");
	assert_int_equal(fs.len[1], 6);
}

/* A stream cut inside its data: what is there, the length it claims,
 * and damage; a cut head; a property count of billions. */
static void test_hostile(void **state)
{
	struct st s;
	struct files fs;
	uint8_t p[64] = { 0xff, 0xff, 0xff, 0xff, 0x03, 0x00, 0x00, 0x60 };

	(void)state;
	start(&s);
	attr(&s, 2, 0x00069002, rend, sizeof(rend));
	attr(&s, 2, 0x00069005, p, sizeof(p)); /* 4 G properties of 0 */
	attr(&s, 2, 0x0006800F, "0123456789", 10);
	s.n -= 2 + 4;                           /* cut inside the data */
	s.b[s.n - 6 - 4] = 0xff;                /* and claim 4 GB */
	s.b[s.n - 6 - 3] = 0xff;
	s.b[s.n - 6 - 2] = 0xff;
	s.b[s.n - 6 - 1] = 0xff;
	walk(&s, &fs);
	assert_int_equal(fs.rc, -1);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.len[0], 6);
	assert_true(fs.declared[0] == 0xffffffffu);
	/* a head cut short */
	start(&s);
	attr(&s, 1, 0x0001800C, "x", 1);
	s.b[s.n++] = 2;
	walk(&s, &fs);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.rc, -1);
	/* no signature */
	assert_false(mde__tnef_is((const uint8_t *)"\x78\x9f\x3e\x21xx", 6));
	assert_false(mde__tnef_is((const uint8_t *)"\x78\x9f\x3e\x22x", 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_data_in_properties),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
