/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ovba.c - VBA decompression and the dir stream's modules (ovba.c),
 * and PowerPoint's embedded objects (ppt.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "ovba.h"
#include "ppt.h"

/* [MS-OVBA] 3.2.3: a compressed container and what it decompresses to */
static const uint8_t spec[] = {
	0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64,
	0x65, 0x82, 0x66, 0x00, 0x70, 0x61, 0x67, 0x68, 0x69, 0x6A, 0x01,
	0x38, 0x08, 0x61, 0x6B, 0x6C, 0x00, 0x30, 0x6D, 0x6E, 0x6F, 0x70,
	0x06, 0x71, 0x02, 0x70, 0x04, 0x10, 0x72, 0x73, 0x74, 0x75, 0x76,
	0x10, 0x77, 0x78, 0x79, 0x7A, 0x00, 0x3C
};
static const char spec_text[] =
	"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa";

struct out {
	uint8_t buf[1 << 16];
	size_t len;
	int calls, stop_after;
};

static int keep(void *ctx, const uint8_t *data, size_t n)
{
	struct out *o = ctx;

	assert_true(n <= sizeof(o->buf) - o->len);
	memcpy(o->buf + o->len, data, n);
	o->len += n;
	return ++o->calls == o->stop_after;
}

static void test_spec_example(void **state)
{
	struct out o = { .len = 0 };
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(mde__ovba_decompress(spec, sizeof(spec), keep, &o),
			 MDE__OVBA_OK);
	assert_int_equal(o.len, strlen(spec_text));
	assert_memory_equal(o.buf, spec_text, o.len);
	/* into a buffer, with a cap */
	assert_int_equal(mde__ovba_inflate(spec, sizeof(spec), 10, &buf, &len),
			 MDE__OVBA_OK);
	assert_int_equal(len, 10);
	assert_memory_equal(buf, spec_text, 10);
	free(buf);
	/* cut short: what was there */
	o.len = 0;
	assert_int_equal(mde__ovba_decompress(spec, 20, keep, &o),
			 MDE__OVBA_OK);
	assert_memory_equal(o.buf, spec_text, 8);
}

static void test_chunks(void **state)
{
	uint8_t src[1 + 2 + 4096 + 8];
	struct out o = { .len = 0 };

	(void)state;
	/* a stored chunk (4096 bytes as they are), then a run: "A" and a
	 * copy token of 4095 bytes at offset 1 */
	src[0] = 1;
	src[1] = 0xff;
	src[2] = 0x3f;
	memset(src + 3, 'x', 4096);
	memcpy(src + 3 + 4096, "\x03\xb0\x02" "A" "\xfc\x0f", 6);
	assert_int_equal(mde__ovba_decompress(src, 3 + 4096 + 6, keep, &o),
			 MDE__OVBA_OK);
	assert_int_equal(o.len, 8192);
	assert_int_equal(o.buf[4095], 'x');
	assert_int_equal(o.buf[4096], 'A');
	assert_int_equal(o.buf[8191], 'A');
	/* the caller stops it */
	o.len = 0;
	o.calls = 0;
	o.stop_after = 1;
	assert_int_equal(mde__ovba_decompress(src, 3 + 4096 + 6, keep, &o),
			 MDE__OVBA_STOPPED);
	assert_int_equal(o.len, 4096);
	/* a copy token reaching before the chunk; a bad chunk signature;
	 * no signature byte */
	o.len = 0;
	o.stop_after = 0;
	memcpy(src, "\x01\x04\xb0\x02" "A" "\x00\x10", 7);
	assert_int_equal(mde__ovba_decompress(src, 7, keep, &o),
			 MDE__OVBA_DAMAGED);
	assert_int_equal(o.len, 1);
	assert_int_equal(mde__ovba_decompress((const uint8_t *)"\x01\x00\x00",
					      3, keep, &o),
			 MDE__OVBA_DAMAGED);
	assert_int_equal(mde__ovba_decompress(spec + 1, sizeof(spec) - 1,
					      keep, &o),
			 MDE__OVBA_DAMAGED);
}

static size_t rec(uint8_t *p, uint16_t id, const void *data, uint32_t n)
{
	p[0] = (uint8_t)id;
	p[1] = (uint8_t)(id >> 8);
	p[2] = (uint8_t)n;
	p[3] = (uint8_t)(n >> 8);
	p[4] = (uint8_t)(n >> 16);
	p[5] = (uint8_t)(n >> 24);
	memcpy(p + 6, data, n);
	return 6 + n;
}

static void test_modules(void **state)
{
	uint8_t dir[512];
	mde__ovba_module *m;
	size_t k = 0, n;

	(void)state;
	k += rec(dir + k, 0x0001, "\1\0\0\0", 4);
	/* PROJECTVERSION: its size says 4, 6 bytes follow */
	memcpy(dir + k, "\x09\x00\x04\x00\x00\x00\x01\x00\x00\x00\x02\x00", 12);
	k += 12;
	k += rec(dir + k, 0x0019, "Module1", 7);
	k += rec(dir + k, 0x0047, "M\0o\0d\0\xe9\0", 8);
	k += rec(dir + k, 0x001A, "Module1", 7);
	k += rec(dir + k, 0x0032, "S\0t\0r\0", 6);
	k += rec(dir + k, 0x0031, "\x10\x02\0\0", 4);
	k += rec(dir + k, 0x002B, "", 0);
	k += rec(dir + k, 0x0019, "Bad\nName", 8);
	k += rec(dir + k, 0x0010, "", 0);
	k += rec(dir + k, 0x0019, "After", 5);
	assert_int_equal(mde__ovba_modules(dir, k, &m, &n), MDE__OVBA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].name, "Mod\xc3\xa9");
	assert_string_equal(m[0].stream, "Str");
	assert_int_equal(m[0].offset, 0x210);
	assert_true(m[0].has_offset);
	assert_string_equal(m[1].name, "Bad\\x0aName");
	assert_false(m[1].has_offset);
	free(m);
	/* a record running past the end: the modules before it */
	assert_int_equal(mde__ovba_modules(dir, 60, &m, &n), MDE__OVBA_DAMAGED);
	assert_int_equal(n, 1);
	free(m);
}

static void test_find_source(void **state)
{
	uint8_t s[64];

	(void)state;
	memset(s, 0, sizeof(s));
	memcpy(s + 20, "\x01\x12\xb2\x00" "Attribut", 12);
	assert_int_equal(mde__ovba_find_source(s, sizeof(s)), 20);
	s[20] = 2;
	assert_int_equal(mde__ovba_find_source(s, sizeof(s)), SIZE_MAX);
}

/* ------------------------------------------------------------ PowerPoint */

static size_t ppt_rec(uint8_t *p, unsigned ver, unsigned inst, unsigned type,
		      const void *body, uint32_t n)
{
	p[0] = (uint8_t)(ver | (inst & 0xf) << 4);
	p[1] = (uint8_t)(inst >> 4);
	p[2] = (uint8_t)type;
	p[3] = (uint8_t)(type >> 8);
	memcpy(p + 4, &n, 4);
	if (body)
		memcpy(p + 8, body, n);
	return 8 + n;
}

static void test_ppt(void **state)
{
	uint8_t s[1024], z[256], body[300];
	uLongf zn = sizeof(z);
	size_t k = 0, inner;
	mde__ppt p;
	mde__ppt_obj o;
	struct out out = { .len = 0 };

	(void)state;
	assert_int_equal(compress(z, &zn, (const Bytef *)"storage!", 8), Z_OK);
	/* a container holding an atom, a stored and a compressed object */
	inner = ppt_rec(s + 8, 0, 0, 0x0fc1, "xx", 2);
	inner += ppt_rec(s + 8 + inner, 0, 0, 0x1011, "plain", 5);
	memcpy(body, "\x08\0\0\0", 4);
	memcpy(body + 4, z, zn);
	inner += ppt_rec(s + 8 + inner, 0, 1, 0x1011, body, (uint32_t)zn + 4);
	k = ppt_rec(s, 0xf, 0, 0x03e8, NULL, (uint32_t)inner) + inner;
	/* an object claiming more than there is ends the walk */
	k += ppt_rec(s + k, 0, 0, 0x1011, NULL, 1000) - 1000;
	mde__ppt_init(&p, s, k);
	assert_int_equal(mde__ppt_next(&p, &o), 1);
	assert_false(o.compressed);
	assert_int_equal(mde__ppt_read(&o, keep, &out), MDE__PPT_OK);
	assert_int_equal(mde__ppt_next(&p, &o), 1);
	assert_true(o.compressed);
	assert_int_equal(mde__ppt_read(&o, keep, &out), MDE__PPT_OK);
	assert_int_equal(out.len, 13);
	assert_memory_equal(out.buf, "plainstorage!", 13);
	assert_int_equal(mde__ppt_next(&p, &o), 0);
	/* a damaged zlib stream */
	body[5] ^= 0xff;
	o.data = body;
	o.len = zn + 4;
	o.compressed = 1;
	assert_int_equal(mde__ppt_read(&o, keep, &out), MDE__PPT_DAMAGED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_find_source),
		cmocka_unit_test(test_ppt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
