/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_nsis.c - unit tests for the NSIS reader (nsis*.c): installers'
 * data built here, in the block layout (a stored script header naming
 * the files, a file compressed with raw deflate, a stored one, one in
 * NSIS's bzip2) and solid (raw LZMA from liblzma's encoder), read back
 * file by file; damage and limits.  The bzip2 block is makensis's own
 * output for a known text (NSIS writes bzip2 without headers or CRCs, no
 * other tool does).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lzma.h>
#include <zlib.h>

#include "nsis.h"
#include "nsis_int.h"

#define BIG (1u << 16)

static const char hello[] =
	"hello nsis bzip2 hello nsis bzip2 hello nsis bzip2\n";
/* makensis 3.08, SetCompressor bzip2, the file above */
static const uint8_t hello_bz[] = {
	0x31, 0x00, 0x00, 0x14, 0xb3, 0x00, 0x00, 0x20, 0x80, 0x00, 0x20,
	0x00, 0x24, 0xcb, 0x90, 0x20, 0x40, 0x00, 0x62, 0x01, 0xa0, 0x02,
	0x3d, 0x28, 0x68, 0x1e, 0x8c, 0x31, 0x47, 0xc6, 0x49, 0xd1, 0x46,
	0xe8, 0xe1, 0xe1, 0x92, 0x21, 0xc1, 0x45, 0x16, 0x2e,
};

struct buf {
	uint8_t b[BIG];
	size_t n;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void add(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= BIG);
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void add32(struct buf *b, uint32_t v)
{
	uint8_t w[4];

	put32(w, v);
	add(b, w, 4);
}

/* A script header: the block table, three "extract file" entries
 * naming the files at data offsets 0, off1, off2, and ANSI strings. */
static size_t script(uint8_t *h, uint32_t off1, uint32_t off2)
{
	static const char strs[] = "\0$\xfd\x01\x02\\sub\\first.txt\0second.bin"
				   "\0third.txt";
	const uint32_t eoff = 100, soff = 200;
	const uint32_t names[3] = { 1, 20, 31 }, offs[3] = { 0, off1, off2 };
	int i;

	memset(h, 0, 300);
	put32(h + 4 + 8 * 2, eoff);
	put32(h + 8 + 8 * 2, 4);
	put32(h + 4 + 8 * 3, soff);
	for (i = 0; i < 3; i++) {
		put32(h + eoff + 28 * i, 20);
		put32(h + eoff + 28 * i + 8, names[i]);
		put32(h + eoff + 28 * i + 12, offs[i]);
	}
	put32(h + eoff + 28 * 3, 11); /* another opcode */
	memcpy(h + soff, strs, sizeof(strs));
	return 300;
}

static void first_header(struct buf *b, uint32_t hlen)
{
	add32(b, 0);
	add32(b, 0xdeadbeef);
	add(b, "NullsoftInst", 12);
	add32(b, hlen);
	add32(b, 0); /* the length, set by finish() */
}

static void finish(struct buf *b)
{
	add32(b, 0x12345678); /* the CRC */
	put32(b->b + 24, (uint32_t)b->n);
}

static size_t deflate_raw(const void *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	n = z.total_out;
	deflateEnd(&z);
	return n;
}

/* Reads the next file: its name and all its bytes into got. */
static int next_file(mde__nsis *n, const char **name, uint8_t *got,
		     size_t *len)
{
	mde__nsis_item it;
	size_t k;

	if (!mde__nsis_next(n, &it))
		return 0;
	*name = it.name;
	*len = 0;
	if (it.data) {
		memcpy(got, it.data, (size_t)it.size);
		*len = (size_t)it.size;
		return 1;
	}
	while ((k = mde__nsis_read(n, got + *len, 7)) > 0)
		*len += k;
	return 1;
}

static void expect(mde__nsis *n, const char *name, const void *data,
		   size_t len)
{
	static uint8_t got[BIG];
	const char *nm;
	size_t gl;

	assert_int_equal(next_file(n, &nm, got, &gl), 1);
	assert_string_equal(nm, name);
	assert_int_equal(gl, len);
	assert_memory_equal(got, data, len);
}

static void test_blocks(void **state)
{
	static struct buf b;
	static uint8_t h[300], z[4096], big[3000];
	size_t hl, zl, off1, off2;
	mde__nsis *n;
	const char *nm;

	(void)state;
	memset(&b, 0, sizeof(b));
	memset(big, 'A', sizeof(big));
	zl = deflate_raw(big, sizeof(big), z, sizeof(z));
	off1 = 4 + zl;
	off2 = off1 + 4 + 5;
	hl = script(h, (uint32_t)off1, (uint32_t)off2);
	memset(b.b, 'x', 512); /* a stub */
	b.n = 512;
	first_header(&b, (uint32_t)hl);
	add32(&b, (uint32_t)hl); /* stored header */
	add(&b, h, hl);
	add32(&b, 0x80000000u | (uint32_t)zl);
	add(&b, z, zl);
	add32(&b, 5);
	add(&b, "plain", 5);
	add32(&b, 0x80000000u | (uint32_t)sizeof(hello_bz));
	add(&b, hello_bz, sizeof(hello_bz));
	finish(&b);
	/* shift the FirstHeader's fields: it is at 512 */
	put32(b.b + 512 + 24, (uint32_t)(b.n - 512));
	assert_int_equal(mde__nsis_find(b.b, b.n, 100), 512);
	assert_int_equal(mde__nsis_find(b.b, b.n, 2048), SIZE_MAX);
	n = mde__nsis_open(b.b, b.n, 512, 1 << 20, 1 << 20);
	assert_non_null(n);
	expect(n, "[header]", h, hl);
	expect(n, "first.txt", big, sizeof(big));
	expect(n, "second.bin", "plain", 5);
	expect(n, "third.txt", hello, strlen(hello));
	assert_int_equal(next_file(n, &nm, big, &zl), 0);
	assert_int_equal(mde__nsis_status(n, NULL), MDE__NSIS_OK);
	assert_true(mde__nsis_consumed(n) > 0);
	mde__nsis_close(n);
}

static size_t lzma_raw(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	lzma_options_lzma o;
	lzma_filter f[2];
	size_t pos = 5;

	assert_false(lzma_lzma_preset(&o, 6));
	o.dict_size = 1 << 16;
	f[0].id = LZMA_FILTER_LZMA1;
	f[0].options = &o;
	f[1].id = LZMA_VLI_UNKNOWN;
	out[0] = 0x5d; /* lc 3, lp 0, pb 2 */
	put32(out + 1, o.dict_size);
	assert_int_equal(lzma_raw_buffer_encode(f, NULL, in, n, out, &pos,
						cap), LZMA_OK);
	return pos;
}

static void test_solid(void **state)
{
	static struct buf b, plain;
	static uint8_t h[300], c[BIG], big[5000];
	size_t hl, cl, i;
	mde__nsis *n;

	(void)state;
	memset(&b, 0, sizeof(b));
	memset(&plain, 0, sizeof(plain));
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 / 13);
	hl = script(h, (uint32_t)(4 + sizeof(big)), 999999);
	add32(&plain, (uint32_t)hl);
	add(&plain, h, hl);
	add32(&plain, sizeof(big));
	add(&plain, big, sizeof(big));
	add32(&plain, 3);
	add(&plain, "abc", 3);
	add32(&plain, 2);
	add(&plain, "zz", 2);
	cl = lzma_raw(plain.b, plain.n, c, sizeof(c));
	first_header(&b, (uint32_t)hl);
	add(&b, c, cl);
	finish(&b);
	n = mde__nsis_open(b.b, b.n, 0, 1 << 20, 1 << 20);
	assert_non_null(n);
	expect(n, "[header]", h, hl);
	expect(n, "first.txt", big, sizeof(big));
	expect(n, "second.bin", "abc", 3);
	expect(n, "[nsis-3]", "zz", 2); /* no name for it */
	mde__nsis_close(n);
	/* a file left out must be decoded past: within the budget only */
	n = mde__nsis_open(b.b, b.n, 0, 1 << 20, 1 << 20);
	assert_int_equal(next_file(n, &(const char *){ NULL }, big, &cl), 1);
	assert_int_equal(mde__nsis_next(n, &(mde__nsis_item){ 0 }), 1);
	assert_int_equal(mde__nsis_skip(n, 100), -1);
	assert_int_equal(mde__nsis_status(n, NULL), MDE__NSIS_LIMIT);
	mde__nsis_close(n);
	/* the script header over the cap */
	n = mde__nsis_open(b.b, b.n, 0, 10, 1 << 20);
	assert_int_equal(mde__nsis_next(n, &(mde__nsis_item){ 0 }), 0);
	assert_int_equal(mde__nsis_status(n, NULL), MDE__NSIS_LIMIT);
	mde__nsis_close(n);
	/* damage: the stream cut short, bytes flipped */
	for (i = 30; i < b.n; i += 17) {
		static uint8_t cut[BIG], got[BIG];
		const char *nm;
		size_t gl;

		memcpy(cut, b.b, b.n);
		cut[i] ^= 0x5a;
		n = mde__nsis_open(cut, b.n, 0, 1 << 20, 1 << 20);
		while (n && next_file(n, &nm, got, &gl))
			;
		mde__nsis_close(n);
		n = mde__nsis_open(b.b, i, 0, 1 << 20, 1 << 20);
		while (n && next_file(n, &nm, got, &gl))
			;
		mde__nsis_close(n);
	}
}

static void test_bzip2(void **state)
{
	struct nsis_bz *z = mde__nsis_bz_new();
	uint8_t out[256], bad[sizeof(hello_bz)];
	size_t n = 0, k, i;
	int st = 0;

	(void)state;
	assert_non_null(z);
	mde__nsis_bz_start(z, hello_bz, sizeof(hello_bz));
	while (st == 0 && (k = mde__nsis_bz_read(z, out + n, 5, &st)) > 0)
		n += k;
	if (st == 0)
		(void)mde__nsis_bz_read(z, out + n, 5, &st);
	assert_int_equal(st, 1);
	assert_int_equal(n, strlen(hello));
	assert_memory_equal(out, hello, n);
	/* every byte flipped in turn: output or an error, never more */
	for (i = 0; i < sizeof(hello_bz); i++) {
		memcpy(bad, hello_bz, sizeof(bad));
		bad[i] ^= 0xff;
		mde__nsis_bz_start(z, bad, sizeof(bad));
		st = 0;
		n = 0;
		while (st == 0 && n < 100000)
			n += mde__nsis_bz_read(z, out, sizeof(out), &st);
		assert_true(st != 0);
	}
	mde__nsis_bz_free(z);
}

static void test_not_nsis(void **state)
{
	static uint8_t b[4096];

	(void)state;
	assert_int_equal(mde__nsis_find(b, sizeof(b), 0), SIZE_MAX);
	assert_null(mde__nsis_open(b, sizeof(b), 0, 1 << 20, 1 << 20));
	assert_null(mde__nsis_open(b, 10, 5, 1 << 20, 1 << 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_solid),
		cmocka_unit_test(test_bzip2),
		cmocka_unit_test(test_not_nsis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
