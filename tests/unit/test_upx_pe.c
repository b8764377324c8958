/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_upx_pe.c - the payload check of UPX-packed PE unpacking: a PE32
 * and a PE32+ program built here are packed the way UPX packs them (the
 * image from the first section on, the extra-info trailer, one stream:
 * LZMA from liblzma's encoder with UPX's property bytes, or NRV2B/2D/2E
 * streams of literals), unpacked, and the output compared with the
 * original byte for byte: stub, header, section table, every section at
 * its raw offset, the overlay.  Then the hostile cases: an unpacked size
 * over the limit, sections whose raw offsets lie, a trailer that does not
 * hold together (the image is given as it is).
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

#include "upx.h"

#define ORIG 0x1000     /* the original file, overlay included */
#define IMG 0x3000      /* its image from 0x1000 to 0x4000 */
#define CAP (1u << 16)

static uint8_t orig[ORIG];
static size_t orig_len, hsize;
static uint8_t u[CAP];
static size_t ulen;

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static uint32_t adler(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;

	while (n--) {
		a = (a + *p++) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

/* .text at 0x400 (address 0x1000), .data at 0x600 (0x2000), .bss (no
 * raw data, 0x3000), a 16-byte overlay at 0x800. */
static void mk_orig(int pe64)
{
	static const char *names[3] = { ".text", ".data", ".bss" };
	const size_t opt = 0x98, optsz = pe64 ? 0xf0 : 0xe0;
	size_t i, s = opt + optsz;

	hsize = pe64 ? 264 : 248;
	memset(orig, 0, sizeof(orig));
	orig[0] = 'M';
	orig[1] = 'Z';
	put32(orig + 0x3c, 0x80);
	memcpy(orig + 0x40, "stub", 4);
	memcpy(orig + 0x80, "PE\0\0", 4);
	put16(orig + 0x84, pe64 ? 0x8664 : 0x14c);
	put16(orig + 0x86, 3);
	put16(orig + 0x94, (uint32_t)optsz);
	put16(orig + opt, pe64 ? 0x20b : 0x10b);
	put32(orig + opt + 4, 0x200);             /* code size */
	put32(orig + opt + 20, 0x1000);           /* code base */
	put32(orig + opt + 32, 0x1000);
	put32(orig + opt + 36, 0x200);
	for (i = 0; i < 3; i++, s += 40) {
		memcpy(orig + s, names[i], strlen(names[i]));
		put32(orig + s + 8, 0x200);
		put32(orig + s + 12, 0x1000 * (uint32_t)(i + 1));
		put32(orig + s + 16, i < 2 ? 0x200 : 0);
		put32(orig + s + 20, i < 2 ? 0x400 + 0x200 * (uint32_t)i : 0);
	}
	for (i = 0; i < 0x200; i++) {
		orig[0x400 + i] = (uint8_t)(i * 37 + 1);
		orig[0x600 + i] = i < 31 ? (uint8_t)"UPX-PE-SECTION-PAYLOAD-0123456"
					   [i] : (uint8_t)i;
	}
	memcpy(orig + 0x800, "overlay of 16 b.", 16);
	orig_len = 0x810;
}

/* The image UPX compresses: sections at their addresses less the first
 * one's, then the trailer: header, section table, its own offset. */
static void mk_image(void)
{
	memset(u, 0, sizeof(u));
	memcpy(u, orig + 0x400, 0x200);
	memcpy(u + 0x1000, orig + 0x600, 0x200);
	ulen = IMG;
	memcpy(u + ulen, orig + 0x80, hsize + 3 * 40);
	put32(u + ulen + hsize + 3 * 40, (uint32_t)ulen);
	ulen += hsize + 3 * 40 + 4;
}

struct bits {
	uint8_t *out;
	size_t len, wpos;
	uint32_t word;
	int n;
};

static void bit(struct bits *b, unsigned v)
{
	if (b->n == 0) {
		b->wpos = b->len;
		b->len += 4;
		b->word = 0;
	}
	b->word |= (uint32_t)(v & 1) << (31 - b->n);
	put32(b->out + b->wpos, b->word);
	b->n = (b->n + 1) % 32;
}

/* NRV with LE32 words (methods 2, 5, 8): every byte a literal, then the
 * end code, an offset prefix of 0x1000002 and the byte 0xff. */
static size_t nrv_literals(int method, uint8_t *out)
{
	struct bits b = { out, 0, 0, 0, 0 };
	uint32_t x = 0x1000002;
	size_t i;
	int top;

	for (i = 0; i < ulen; i++) {
		bit(&b, 1);
		out[b.len++] = u[i];
	}
	bit(&b, 0);
	if (method == 2) {          /* Elias gamma, a flag after each bit */
		for (top = 24; top-- > 0;) {
			bit(&b, x >> top & 1);
			bit(&b, top == 0);
		}
	} else {                    /* 2D/2E: base-4 digits, flags */
		unsigned d[16], nd = 0;

		while (x >= 4) {
			d[nd++] = x & 3;
			x = (x - (x & 3)) / 4 + 1;
		}
		bit(&b, x - 2);
		while (nd--) {
			bit(&b, 0);
			bit(&b, d[nd] >> 1);
			bit(&b, d[nd] & 1);
		}
		bit(&b, 1);
	}
	out[b.len++] = 0xff;
	return b.len;
}

static size_t lzma_encode(uint8_t *out)
{
	lzma_options_lzma o;
	lzma_filter f[2];
	size_t pos = 2;

	assert_false(lzma_lzma_preset(&o, 6));
	o.dict_size = 1 << 16;
	f[0].id = LZMA_FILTER_LZMA1;
	f[0].options = &o;
	f[1].id = LZMA_VLI_UNKNOWN;
	out[0] = (3 + 0) << 3 | 2;
	out[1] = 0 << 4 | 3;
	assert_int_equal(lzma_raw_buffer_encode(f, NULL, u, ulen, out, &pos,
						CAP), LZMA_OK);
	return pos;
}

/* The packed file: the stub and header copied, UPX0/UPX1/UPX2, the
 * PackHeader ending at 0x400, the stream, the overlay. */
static size_t mk_packed(uint8_t *o, const uint8_t *c, size_t cl, int method,
			int pe64, uint32_t claim)
{
	static const char *names[3] = { "UPX0", "UPX1", "UPX2" };
	size_t s = 0x80 + hsize, raw = (cl + 0x1ff) & ~(size_t)0x1ff, i;
	uint32_t sum = 0;
	uint8_t *ph = o + 0x400 - 32;

	memset(o, 0, 0x400 + raw + 16);
	memcpy(o, orig, 0x80 + hsize);
	put16(o + 0x86, 3);
	for (i = 0; i < 3; i++, s += 40) {
		memcpy(o + s, names[i], 4);
		put32(o + s + 12, 0x1000 + 0x4000 * (uint32_t)i);
		put32(o + s + 16, i == 1 ? (uint32_t)raw : 0);
		put32(o + s + 20, 0x400 + (i == 2 ? (uint32_t)raw : 0));
	}
	memcpy(ph, "UPX!", 4);
	ph[4] = 14;
	ph[5] = pe64 ? 36 : 9;
	ph[6] = (uint8_t)method;
	ph[7] = 8;
	put32(ph + 8, adler(u, ulen));
	put32(ph + 12, adler(c, cl));
	put32(ph + 16, claim ? claim : (uint32_t)ulen);
	put32(ph + 20, (uint32_t)cl);
	put32(ph + 24, (uint32_t)orig_len);
	for (i = 4; i < 31; i++)
		sum += ph[i];
	ph[31] = (uint8_t)(sum % 251);
	memcpy(o + 0x400, c, cl);
	memcpy(o + 0x400 + raw, orig + 0x800, 16);
	return 0x400 + raw + 16;
}

static int unpack(const uint8_t *f, size_t n, size_t max, uint8_t **out,
		  size_t *outlen)
{
	const char *why;

	return mde__upx_unpack(f, n, NULL, max, out, outlen, &why);
}

static void test_payload(void **state)
{
	static const int methods[] = { 2, 5, 8, 14 };
	static uint8_t c[CAP], f[CAP];
	uint8_t *out;
	size_t cl, n, outlen, i;
	int pe64;

	(void)state;
	for (pe64 = 0; pe64 < 2; pe64++) {
		mk_orig(pe64);
		mk_image();
		for (i = 0; i < 4; i++) {
			mde__upx_info info;

			cl = methods[i] == 14 ? lzma_encode(c)
					      : nrv_literals(methods[i], c);
			n = mk_packed(f, c, cl, methods[i], pe64, 0);
			assert_true(mde__upx_detect(f, n, &info));
			assert_int_equal(info.method, methods[i]);
			assert_int_equal(info.format, pe64 ? 36 : 9);
			assert_int_equal(unpack(f, n, 1 << 20, &out, &outlen),
					 MDE__UPX_OK);
			/* the sections where the headers say, and all else */
			assert_int_equal(outlen, orig_len);
			assert_memory_equal(out + 0x400, orig + 0x400, 0x200);
			assert_memory_equal(out + 0x600, orig + 0x600, 0x200);
			assert_memory_equal(out, orig, orig_len);
			free(out);
		}
	}
}

static void test_hostile(void **state)
{
	static uint8_t c[CAP], f[CAP];
	uint8_t *out = NULL;
	size_t cl, n, outlen = 0;

	(void)state;
	mk_orig(0);
	mk_image();
	cl = lzma_encode(c);
	/* a PackHeader claiming 3 GB: the limit, before any allocation */
	n = mk_packed(f, c, cl, 14, 0, 3000000000u);
	assert_int_equal(unpack(f, n, 1 << 24, &out, &outlen), MDE__UPX_LIMIT);
	assert_null(out);
	/* a limit below the file's size */
	n = mk_packed(f, c, cl, 14, 0, 0);
	assert_int_equal(unpack(f, n, orig_len - 1, &out, &outlen),
			 MDE__UPX_LIMIT);
	/* a section whose raw data is said to be at 3 GB */
	put32(u + IMG + hsize + 20, 3000000000u);
	cl = lzma_encode(c);
	n = mk_packed(f, c, cl, 14, 0, 0);
	assert_int_equal(unpack(f, n, 1 << 24, &out, &outlen), MDE__UPX_LIMIT);
	/* a trailer that does not hold together: the image as it is */
	mk_image();
	put16(u + IMG + 6, 200);
	cl = lzma_encode(c);
	n = mk_packed(f, c, cl, 14, 0, 0);
	assert_int_equal(unpack(f, n, 1 << 24, &out, &outlen), MDE__UPX_OK);
	assert_int_equal(outlen, ulen);
	assert_memory_equal(out, u, ulen);
	free(out);
	/* LZMA that does not decode: damage */
	mk_image();
	cl = lzma_encode(c);
	c[cl / 2] ^= 0x55;
	n = mk_packed(f, c, cl, 14, 0, 0);
	assert_int_equal(unpack(f, n, 1 << 24, &out, &outlen),
			 MDE__UPX_DAMAGED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
