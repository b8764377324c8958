/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_upx.c - unit tests for the UPX detector and unpacker (upx.c).
 *
 * The packed inputs are built here: a small NRV2B/2D/2E encoder (a C
 * twin of the one in tests/cli/mkupx.py) turns a list of literals and
 * matches into a bit stream, and the container builders wrap streams in
 * the ELF block chain or the PE sections UPX writes, with the adler32s
 * and PackHeader checksum computed as UPX does.  The expected output of
 * each stream is computed from the same command list, independently of
 * the decoder under test.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "upx.h"

#define CAP (1u << 16)

/* ------------------------------------------------------------ helpers */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint32_t adler(uint32_t a, const uint8_t *p, size_t n)
{
	uint32_t s1 = a & 0xffff, s2 = a >> 16;

	while (n--) {
		s1 = (s1 + *p++) % 65521;
		s2 = (s2 + s1) % 65521;
	}
	return s2 << 16 | s1;
}

/* ------------------------------------------------------------ encoder */

struct enc {
	uint8_t out[CAP];
	size_t len, wpos;
	uint32_t word;
	int nbits, width;
	bool have;
	int algo; /* 0 = 2B, 1 = 2D, 2 = 2E */
	uint32_t last_off;
	/* the expected decoder output */
	uint8_t plain[CAP];
	size_t plen;
};

static void e_flush(struct enc *e)
{
	uint32_t w;
	int i;

	if (!e->have)
		return;
	w = e->word << (e->width - e->nbits);
	for (i = 0; i < e->width / 8; i++)
		e->out[e->wpos + (size_t)i] = (uint8_t)(w >> (8 * i));
}

static void e_bit(struct enc *e, unsigned b)
{
	if (!e->have || e->nbits == e->width) {
		e_flush(e);
		e->have = true;
		e->wpos = e->len;
		e->len += (size_t)e->width / 8;
		e->word = 0;
		e->nbits = 0;
	}
	e->word = e->word << 1 | (b & 1);
	e->nbits++;
}

static void e_byte(struct enc *e, unsigned v)
{
	e->out[e->len++] = (uint8_t)v;
}

static void e_gamma(struct enc *e, uint32_t x)
{
	int top = 31;

	while (!(x >> top & 1))
		top--;
	for (top--; top >= 0; top--) {
		e_bit(e, x >> top & 1);
		e_bit(e, top == 0);
	}
}

/* 2D/2E offset prefix: x = 4p - 4 + d, recursively. */
static void e_gamma2(struct enc *e, uint32_t x)
{
	unsigned digits[20];
	int n = 0;

	while (x >= 4) {
		digits[n++] = x & 3;
		x = (x - (x & 3)) / 4 + 1;
	}
	e_bit(e, x - 2);
	while (n--) {
		e_bit(e, 0);
		e_bit(e, digits[n] >> 1);
		e_bit(e, digits[n] & 1);
	}
	e_bit(e, 1);
}

/* method 2..10 as in UPX: 2B/2D/2E times LE32, 8-bit, LE16 */
static void e_init(struct enc *e, int method)
{
	static const int widths[3] = { 32, 8, 16 };

	memset(e, 0, sizeof(*e));
	e->algo = (method - 2) / 3;
	e->width = widths[(method - 2) % 3];
	e->last_off = 1;
}

static void e_lit(struct enc *e, uint8_t c)
{
	e_bit(e, 1);
	e_byte(e, c);
	e->plain[e->plen++] = c;
}

static void e_lits(struct enc *e, const char *s)
{
	while (*s)
		e_lit(e, (uint8_t)*s++);
}

/* A match; offsets beyond the output are allowed, to test refusal. */
static void e_match(struct enc *e, uint32_t off, uint32_t len)
{
	uint32_t far = e->algo == 0 ? 0xd00 : 0x500;
	uint32_t ml = len - 1 - (off > far), lb = 0, second = 0, i;

	assert_true(len >= 2 + (off > far));
	e_bit(e, 0);
	if (e->algo == 0) {
		if (off == e->last_off) {
			e_gamma(e, 2);
		} else {
			e_gamma(e, ((off - 1) >> 8) + 3);
			e_byte(e, (off - 1) & 0xff);
			e->last_off = off;
		}
		e_bit(e, ml <= 3 ? ml >> 1 : 0);
		e_bit(e, ml <= 3 ? ml & 1 : 0);
		if (ml > 3)
			e_gamma(e, ml - 2);
	} else {
		if (e->algo == 1 && ml <= 3) {
			lb = ml >> 1;
			second = ml & 1;
		}
		if (e->algo == 2)
			lb = ml <= 2;
		if (off == e->last_off) {
			e_gamma2(e, 2);
			e_bit(e, lb);
		} else {
			uint32_t v = (off - 1) << 1 | (1 - lb);

			e_gamma2(e, (v >> 8) + 3);
			e_byte(e, v & 0xff);
			e->last_off = off;
		}
		if (e->algo == 1) {
			e_bit(e, second);
			if (ml > 3)
				e_gamma(e, ml - 2);
		} else if (ml <= 2) {
			e_bit(e, ml - 1);
		} else if (ml <= 4) {
			e_bit(e, 1);
			e_bit(e, ml - 3);
		} else {
			e_bit(e, 0);
			e_gamma(e, ml - 3);
		}
	}
	for (i = 0; i < len && off <= e->plen; i++, e->plen++)
		e->plain[e->plen] = e->plain[e->plen - off];
}

static size_t e_end(struct enc *e)
{
	e_bit(e, 0);
	if (e->algo == 0)
		e_gamma(e, 0x1000002);
	else
		e_gamma2(e, 0x1000002);
	e_byte(e, 0xff);
	e_flush(e);
	return e->len;
}

/* A stream with every kind of code: literals, near and far matches, the
 * previous offset reused, a run, a long (gamma) length, and each short
 * length code of the three algorithms. */
static void e_sample(struct enc *e, int method)
{
	uint32_t x = 12345, i;

	e_init(e, method);
	e_lits(e, "abcdefghij");
	e_match(e, 10, 10);
	e_lit(e, 'X');
	e_match(e, 11, 4);
	e_lit(e, 'Y');
	e_match(e, 11, 3);
	e_match(e, 1, 40);
	e_match(e, 25, 300);
	e_match(e, 3, 2);
	e_match(e, 7, 5);
	e_match(e, 9, 6);
	e_match(e, 60, 0x1000);
	for (i = 0; i < 0x200; i++) {
		x = x * 1103515245 + 12345;
		e_lit(e, (uint8_t)(x >> 16));
	}
	e_match(e, 0x1100, 9);
	e_match(e, 0x1100, 3);
	e_match(e, 0x600, 3);
	e_match(e, 0x4ff, 2);
	e_match(e, 0x500, 2);   /* the 2D/2E "far" threshold, both sides */
	e_match(e, 0x501, 3);
	e_match(e, 0xd00, 3);   /* and 2B's */
	e_match(e, 0xd01, 3);
	e_lits(e, "MDESCAN-UPX-TEST-MARKER");
	e_end(e);
}

/* ---------------------------------------------------------- containers */

static uint8_t ph_sum(const uint8_t *p)
{
	unsigned s = 0, i;

	for (i = 4; i < 31; i++)
		s += p[i];
	return (uint8_t)(s % 251);
}

static void put_ph(uint8_t *p, int format, int method, uint32_t u_adler,
		   uint32_t c_adler, uint32_t u_len, uint32_t c_len,
		   int filter, int cto)
{
	memcpy(p, "UPX!", 4);
	p[4] = 14;
	p[5] = (uint8_t)format;
	p[6] = (uint8_t)method;
	p[7] = 8;
	put32(p + 8, u_adler);
	put32(p + 12, c_adler);
	put32(p + 16, u_len);
	put32(p + 20, c_len);
	put32(p + 24, u_len);
	p[28] = (uint8_t)filter;
	p[29] = (uint8_t)cto;
	p[30] = 0;
	p[31] = ph_sum(p);
}

struct tblock {
	const uint8_t *stored; /* as written after the b_info */
	size_t cpr;
	const uint8_t *plain;  /* what it unpacks to */
	size_t unc;
	int method, ftid, cto;
};

#define PINFO 132 /* 64 Ehdr + 56 Phdr + 12 l_info */

static bool fake_island; /* mk_elf: a loader that mimics a block */

/*
 * Packs blocks into an ELF64 laid out as UPX does, with a 40-byte fake
 * loader after block island_after (-1: none) and the PackHeader unless
 * !with_ph.  Returns the length.
 */
static size_t mk_elf(uint8_t *o, const struct tblock *b, int nb,
		     int island_after, bool with_ph)
{
	uint32_t ua = 1, ca = 1, ul = 0, cl = 0;
	size_t pos;
	int i;

	memset(o, 0, PINFO + 12);
	memcpy(o, "\x7f" "ELF\x02\x01\x01", 7);
	o[16] = 2;
	o[18] = 62;
	o[20] = 1;
	put32(o + 32, 64);
	put16(o + 52, 64);
	put16(o + 54, 56);
	put16(o + 56, 1);
	o[64] = 1;
	memcpy(o + PINFO - 8, "UPX!", 4);
	put16(o + PINFO - 4, 40);
	o[PINFO - 2] = 14;
	o[PINFO - 1] = 22;
	put32(o + PINFO + 8, 0x80000);
	pos = PINFO + 12;
	for (i = 0; i < nb; i++) {
		put32(o + pos, (uint32_t)b[i].unc);
		put32(o + pos + 4, (uint32_t)b[i].cpr);
		o[pos + 8] = (uint8_t)b[i].method;
		o[pos + 9] = (uint8_t)b[i].ftid;
		o[pos + 10] = (uint8_t)b[i].cto;
		o[pos + 11] = 0;
		memcpy(o + pos + 12, b[i].stored, b[i].cpr);
		pos += 12 + b[i].cpr;
		ua = adler(ua, b[i].plain, b[i].unc);
		ca = adler(ca, b[i].stored, b[i].cpr);
		ul += (uint32_t)b[i].unc;
		cl += (uint32_t)b[i].cpr;
		if (i == island_after && fake_island) {
			/* looks like a stored block but for its third word */
			put32(o + pos, 8);
			put32(o + pos + 4, 8);
			memset(o + pos + 8, 0xcc, 12);
			pos += 20;
		} else if (i == island_after) {
			memset(o + pos, 0xcc, 40);
			memcpy(o + pos + 8, "$Info: loader $", 15);
			pos += 40;
		}
	}
	put32(o + PINFO + 4, ul);
	memset(o + pos, 0, 12);
	memcpy(o + pos + 4, "UPX!", 4);
	pos += 12;
	if (with_ph) {
		put_ph(o + pos, 22, b[0].method, ua, ca, ul, cl, 0, 0);
		put32(o + pos + 32, PINFO);
		pos += 36;
	}
	return pos;
}

/* A PE32 with UPX0/UPX1/UPX2, the PackHeader ending at UPX1's raw data
 * (0x400) and the stream after it. */
static size_t mk_pe(uint8_t *o, const uint8_t *c, size_t cl, const uint8_t *u,
		    size_t ul, int method, int filter, int cto)
{
	static const char *names[3] = { "UPX0", "UPX1", "UPX2" };
	size_t s = 0x80 + 24 + 0xe0, rawlen = (cl + 0x1ff) & ~(size_t)0x1ff;
	int i;

	memset(o, 0, 0x400 + rawlen);
	o[0] = 'M';
	o[1] = 'Z';
	put32(o + 0x3c, 0x80);
	memcpy(o + 0x80, "PE\0\0", 4);
	put16(o + 0x84, 0x14c);
	put16(o + 0x86, 3);
	put16(o + 0x94, 0xe0);
	put16(o + 0x98, 0x10b);
	for (i = 0; i < 3; i++, s += 40) {
		memcpy(o + s, names[i], 4);
		put32(o + s + 8, 0x10000);
		put32(o + s + 12, 0x1000 + 0x10000 * (uint32_t)i);
		put32(o + s + 16, i == 1 ? (uint32_t)rawlen : 0);
		put32(o + s + 20, 0x400);
	}
	memcpy(o + 0x400 - 37, "4.02", 5);
	put_ph(o + 0x400 - 32, 9, method, adler(1, u, ul), adler(1, c, cl),
	       (uint32_t)ul, (uint32_t)cl, filter, cto);
	memcpy(o + 0x400, c, cl);
	return 0x400 + rawlen;
}

static bool contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return true;
	return false;
}

static uint8_t *xbuf(void)
{
	uint8_t *p = calloc(1, 4 * CAP);

	assert_non_null(p);
	return p;
}

/* Unpacks and compares with want[0..n); returns the status otherwise. */
static int unpack_eq(const uint8_t *f, size_t len, const uint8_t *want,
		     size_t n)
{
	uint8_t *out = (uint8_t *)1;
	size_t outlen = 99;
	const char *why = "x";
	int st = mde__upx_unpack(f, len, NULL, 1u << 24, &out, &outlen, &why);

	if (st != MDE__UPX_OK) {
		if (getenv("UPX_DEBUG"))
			fprintf(stderr, "unpack: %d %s\n", st, why);
		assert_null(out);
		assert_int_equal(outlen, 0);
		assert_non_null(why);
		return st;
	}
	assert_null(why);
	assert_int_equal(outlen, n);
	assert_memory_equal(out, want, n);
	free(out);
	return st;
}

/* -------------------------------------------------------------- tests */

static void test_detect_negative(void **state)
{
	uint8_t *b = xbuf();
	mde__upx_info info;
	size_t n;

	(void)state;
	assert_false(mde__upx_detect(NULL, 0, &info));
	assert_false(mde__upx_detect(b, 0, NULL));
	for (n = 0; n < 600; n++) {
		b[n] = (uint8_t)(n * 7 + 3);
		assert_false(mde__upx_detect(b, n, &info));
	}
	/* a plain ELF and a plain PE */
	memcpy(b, "\x7f" "ELF\x02\x01\x01", 7);
	memset(b + 7, 0, 200);
	put32(b + 32, 64);
	put16(b + 54, 56);
	put16(b + 56, 1);
	assert_false(mde__upx_detect(b, 4096, &info));
	assert_null(info.kind);
	assert_int_equal(info.format, 0);
	memset(b, 0, 4096);
	b[0] = 'M';
	b[1] = 'Z';
	put32(b + 0x3c, 0x80);
	memcpy(b + 0x80, "PE\0\0", 4);
	put16(b + 0x86, 3);
	put16(b + 0x94, 0xe0);
	memcpy(b + 0x178, ".text", 5);
	assert_false(mde__upx_detect(b, 4096, &info));
	/* "UPX!" without a valid header checksum is not a PackHeader */
	memcpy(b + 0x3f0, "UPX!\x0e\x09\x08\x08", 8);
	assert_false(mde__upx_detect(b, 4096, &info));
	free(b);
}

static void test_methods_elf(void **state)
{
	static struct enc e;
	uint8_t *f = xbuf();
	mde__upx_info info;
	int m;

	(void)state;
	for (m = 2; m <= 10; m++) {
		struct tblock b;
		size_t n;

		e_sample(&e, m);
		b = (struct tblock){ e.out, e.len, e.plain, e.plen, m, 0, 0 };
		n = mk_elf(f, &b, 1, -1, true);
		assert_true(mde__upx_detect(f, n, &info));
		assert_string_equal(info.kind, "ELF");
		assert_int_equal(info.format, 22);
		assert_int_equal(info.method, m);
		assert_int_equal(info.version, 14);
		assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_OK);
	}
	free(f);
}

static void test_methods_pe(void **state)
{
	static struct enc e;
	uint8_t *f = xbuf();
	mde__upx_info info;
	int m;

	(void)state;
	for (m = 2; m <= 10; m++) {
		size_t n;

		e_sample(&e, m);
		n = mk_pe(f, e.out, e.len, e.plain, e.plen, m, 0, 0);
		assert_true(mde__upx_detect(f, n, &info));
		assert_string_equal(info.kind, "PE");
		assert_int_equal(info.format, 9);
		assert_int_equal(info.method, m);
		assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_OK);
		/* the marker is only visible once unpacked */
		assert_false(contains(f, n, "MDESCAN-UPX-TEST-MARKER"));
	}
	free(f);
}

/* An 8-bit stream labelled LE32 (and the reverse) must not unpack. */
static void test_variant_mismatch(void **state)
{
	static struct enc e;
	uint8_t *f = xbuf();
	static const int pairs[][2] = { { 3, 2 }, { 2, 3 }, { 9, 8 },
					{ 8, 10 }, { 5, 8 }, { 8, 2 } };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct tblock b;
		size_t n;

		e_sample(&e, pairs[i][0]);
		b = (struct tblock){ e.out, e.len, e.plain, e.plen,
				     pairs[i][1], 0, 0 };
		n = mk_elf(f, &b, 1, -1, true);
		assert_int_equal(unpack_eq(f, n, e.plain, e.plen),
				 MDE__UPX_DAMAGED);
		n = mk_pe(f, e.out, e.len, e.plain, e.plen, pairs[i][1], 0, 0);
		assert_int_equal(unpack_eq(f, n, e.plain, e.plen),
				 MDE__UPX_DAMAGED);
	}
	free(f);
}

/* Several blocks, one stored, a loader between them (UPX 3.9x/4). */
static void test_chain(void **state)
{
	static struct enc e1, e2;
	static uint8_t want[3 * CAP];
	static const uint8_t raw[] = "stored block: not compressible";
	uint8_t *f = xbuf();
	struct tblock b[3];
	size_t n, w = 0;
	int island;

	(void)state;
	e_sample(&e1, 8);
	e_sample(&e2, 2);
	b[0] = (struct tblock){ e1.out, e1.len, e1.plain, e1.plen, 8, 0, 0 };
	b[1] = (struct tblock){ raw, sizeof(raw), raw, sizeof(raw), 0, 0, 0 };
	b[2] = (struct tblock){ e2.out, e2.len, e2.plain, e2.plen, 2, 0, 0 };
	memcpy(want, e1.plain, e1.plen);
	w += e1.plen;
	memcpy(want + w, raw, sizeof(raw));
	w += sizeof(raw);
	memcpy(want + w, e2.plain, e2.plen);
	w += e2.plen;
	for (island = -1; island < 3; island++) {
		n = mk_elf(f, b, 3, island, true);
		assert_int_equal(unpack_eq(f, n, want, w), MDE__UPX_OK);
		/* without the PackHeader: l_info, no checksums */
		n = mk_elf(f, b, 3, island, false);
		assert_true(mde__upx_detect(f, n, NULL));
		assert_int_equal(unpack_eq(f, n, want, w), MDE__UPX_OK);
	}
	fake_island = true;
	n = mk_elf(f, b, 3, 0, true);
	fake_island = false;
	assert_int_equal(unpack_eq(f, n, want, w), MDE__UPX_OK);
	free(f);
}

static void test_limit(void **state)
{
	static struct enc e;
	uint8_t *f = xbuf(), *out = (uint8_t *)1;
	const char *why = NULL;
	size_t n, outlen = 7;
	struct tblock b;

	(void)state;
	e_sample(&e, 8);
	b = (struct tblock){ e.out, e.len, e.plain, e.plen, 8, 0, 0 };
	n = mk_elf(f, &b, 1, -1, true);
	assert_int_equal(mde__upx_unpack(f, n, NULL, e.plen - 1, &out, &outlen,
					 &why), MDE__UPX_LIMIT);
	assert_null(out);
	assert_int_equal(outlen, 0);
	assert_non_null(why);
	assert_int_equal(mde__upx_unpack(f, n, NULL, e.plen, &out, &outlen,
					 &why), MDE__UPX_OK);
	free(out);
	n = mk_pe(f, e.out, e.len, e.plain, e.plen, 8, 0, 0);
	assert_int_equal(mde__upx_unpack(f, n, NULL, e.plen - 1, &out, &outlen,
					 &why), MDE__UPX_LIMIT);
	assert_null(out);
	free(f);
}

/* Sizes claiming gigabytes are refused before anything is allocated;
 * a stream that would write past its declared size is corrupt. */
static void test_bomb(void **state)
{
	static struct enc e;
	uint8_t *f = xbuf(), *out;
	const char *why;
	size_t n, outlen;
	struct tblock b;

	(void)state;
	e_init(&e, 8);
	e_lit(&e, 'A');
	e_match(&e, 1, 60000);
	e_end(&e);
	b = (struct tblock){ e.out, e.len, e.plain, e.plen, 8, 0, 0 };
	n = mk_elf(f, &b, 1, -1, true);
	put32(f + PINFO + 8, 0xffffffff);       /* blocksize */
	put32(f + PINFO + 12, 0xfffffff0);      /* sz_unc */
	assert_int_equal(mde__upx_unpack(f, n, NULL, 1u << 20, &out, &outlen,
					 &why), MDE__UPX_LIMIT);
	put32(f + PINFO + 12, 1000);            /* smaller than the stream */
	assert_int_equal(mde__upx_unpack(f, n, NULL, 1u << 20, &out, &outlen,
					 &why), MDE__UPX_DAMAGED);
	n = mk_pe(f, e.out, e.len, e.plain, e.plen, 8, 0, 0);
	put32(f + 0x400 - 32 + 16, 0xfffffff0);
	f[0x400 - 1] = ph_sum(f + 0x400 - 32);
	assert_int_equal(mde__upx_unpack(f, n, NULL, 1u << 20, &out, &outlen,
					 &why), MDE__UPX_LIMIT);
	free(f);
}

static void test_damaged(void **state)
{
	static struct enc e;
	uint8_t *f = xbuf();
	mde__upx_info info;
	struct tblock b;
	size_t n;

	(void)state;
	e_sample(&e, 8);
	b = (struct tblock){ e.out, e.len, e.plain, e.plen, 8, 0, 0 };
	/* a flipped byte in the data: c_adler */
	n = mk_elf(f, &b, 1, -1, true);
	f[PINFO + 12 + 12 + 100] ^= 0x20;
	assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_DAMAGED);
	/* a wrong u_adler (with a valid header checksum) */
	n = mk_elf(f, &b, 1, -1, true);
	f[n - 36 + 8] ^= 1;
	f[n - 5] = ph_sum(f + n - 36);
	assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_DAMAGED);
	/* a bad header checksum: no PackHeader, found by its l_info */
	n = mk_elf(f, &b, 1, -1, true);
	f[n - 5] ^= 1;
	assert_true(mde__upx_detect(f, n, &info));
	assert_int_equal(info.format, 22);
	assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_OK);
	/* PE: data and u_adler */
	n = mk_pe(f, e.out, e.len, e.plain, e.plen, 8, 0, 0);
	f[0x400 + 50] ^= 0x80;
	assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_DAMAGED);
	n = mk_pe(f, e.out, e.len, e.plain, e.plen, 8, 0, 0);
	f[0x400 - 32 + 8] ^= 1;
	f[0x400 - 1] = ph_sum(f + 0x400 - 32);
	assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_DAMAGED);
	/* a match before the start of the output */
	e_init(&e, 2);
	e_lits(&e, "ab");
	e_match(&e, 3, 2);
	e_end(&e);
	b = (struct tblock){ e.out, e.len, e.plain, 4, 2, 0, 0 };
	n = mk_elf(f, &b, 1, -1, true);
	assert_int_equal(unpack_eq(f, n, e.plain, 4), MDE__UPX_DAMAGED);
	/* input left over after the end code */
	e_sample(&e, 8);
	e.out[e.len++] = 0;
	b = (struct tblock){ e.out, e.len, e.plain, e.plen, 8, 0, 0 };
	n = mk_elf(f, &b, 1, -1, true);
	assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_DAMAGED);
	free(f);
}

/* Every prefix: no crash, and success only with the right output. */
static void test_truncated(void **state)
{
	static struct enc e;
	uint8_t *f = xbuf(), *g;
	struct tblock b[2];
	size_t n, k;
	int ok = 0;

	(void)state;
	e_init(&e, 9);
	e_lits(&e, "truncate me, truncate me, truncate me!");
	e_match(&e, 13, 20);
	e_end(&e);
	b[0] = (struct tblock){ e.out, e.len, e.plain, e.plen, 9, 0, 0 };
	b[1] = b[0];
	n = mk_elf(f, b, 2, 0, true);
	for (k = 0; k < n; k++) {
		static uint8_t want[2 * CAP];

		g = malloc(k ? k : 1);
		assert_non_null(g);
		memcpy(g, f, k);
		memcpy(want, e.plain, e.plen);
		memcpy(want + e.plen, e.plain, e.plen);
		ok += unpack_eq(g, k, want, 2 * e.plen) == MDE__UPX_OK;
		free(g);
	}
	/* only the cuts into the trailer leave the blocks whole */
	assert_int_equal(ok, 36);
	n = mk_pe(f, e.out, e.len, e.plain, e.plen, 9, 0, 0);
	for (k = 0; k < n; k++) {
		int st;

		g = malloc(k ? k : 1);
		assert_non_null(g);
		memcpy(g, f, k);
		st = unpack_eq(g, k, e.plain, e.plen);
		if (k < 0x400 + e.len)
			assert_int_not_equal(st, MDE__UPX_OK);
		free(g);
	}
	free(f);
}

static void test_unsupported(void **state)
{
	static const uint8_t junk[64] = { 0x5d, 0, 0, 0x80 };
	static const uint8_t plain[1000];
	uint8_t *f = xbuf(), *out;
	mde__upx_info info;
	const char *why;
	struct tblock b;
	size_t n, outlen;

	(void)state;
	/* deflate (15): a method UPX has, not unpacked here */
	b = (struct tblock){ junk, sizeof(junk), plain, sizeof(plain), 15, 0,
			     0 };
	n = mk_elf(f, &b, 1, -1, true);
	assert_true(mde__upx_detect(f, n, &info));
	assert_int_equal(info.method, 15);
	assert_int_equal(mde__upx_unpack(f, n, &info, 1u << 20, &out, &outlen,
					 &why), MDE__UPX_UNSUPPORTED);
	assert_non_null(strstr(why, "not supported"));
	n = mk_pe(f, junk, sizeof(junk), plain, sizeof(plain), 15, 0, 0);
	assert_int_equal(mde__upx_unpack(f, n, NULL, 1u << 20, &out, &outlen,
					 &why), MDE__UPX_UNSUPPORTED);
	assert_null(out);
	/* LZMA (14) is unpacked: junk is damage, no longer "unsupported" */
	n = mk_pe(f, junk, sizeof(junk), plain, sizeof(plain), 14, 0, 0);
	assert_int_equal(mde__upx_unpack(f, n, NULL, 1u << 20, &out, &outlen,
					 &why), MDE__UPX_DAMAGED);
	assert_null(out);
	/* not packed at all */
	memset(f, 0, 512);
	assert_int_equal(mde__upx_unpack(f, 512, NULL, 1u << 20, &out, &outlen,
					 &why), MDE__UPX_UNSUPPORTED);
	free(f);
}

/* PE sections named UPX0/UPX1 with the PackHeader scrambled: detected,
 * and the stream found where UPX1's raw data starts. */
static void test_pe_scrambled(void **state)
{
	static struct enc e;
	uint8_t *f = xbuf(), *out;
	mde__upx_info info;
	const char *why;
	size_t n, outlen;
	int m;

	(void)state;
	for (m = 2; m <= 8; m += 3) {
		e_sample(&e, m);
		n = mk_pe(f, e.out, e.len, e.plain, e.plen, m, 0, 0);
		memset(f + 0x400 - 37, 0, 37);
		assert_true(mde__upx_detect(f, n, &info));
		assert_string_equal(info.kind, "PE");
		assert_int_equal(info.format, 0);
		assert_int_equal(unpack_eq(f, n, e.plain, e.plen),
				 MDE__UPX_OK);
	}
	/* over the limit by the sections' sizes */
	assert_int_equal(mde__upx_unpack(f, n, &info, 0x1ffff, &out, &outlen,
					 &why), MDE__UPX_LIMIT);
	/* no stream there */
	memset(f + 0x400, 0xff, 64);
	assert_int_equal(unpack_eq(f, n, e.plain, e.plen), MDE__UPX_DAMAGED);
	free(f);
}

/* --- filters: original code, and the bytes UPX's filter makes of it */

struct fcase {
	int id, cto;
	uint8_t orig[400], filt[400];
	size_t n;
};

/* The filtered bytes as one ELF block with ftid; a run of 0x90 after
 * them makes the block compress (UPX stores blocks that do not). */
static void check_filter_elf(const struct fcase *c)
{
	static struct enc e;
	static uint8_t want[400 + 200];
	uint8_t *f = xbuf();
	struct tblock b;
	size_t i, n;

	assert_int_equal(c->filt[c->n - 1], 0x90);
	e_init(&e, 8);
	for (i = 0; i < c->n; i++)
		e_lit(&e, c->filt[i]);
	e_match(&e, 1, 200);
	e_end(&e);
	memcpy(want, c->orig, c->n);
	memset(want + c->n, 0x90, 200);
	b = (struct tblock){ e.out, e.len, want, c->n + 200, 8, c->id,
			     c->cto };
	n = mk_elf(f, &b, 1, -1, true);
	assert_int_equal(unpack_eq(f, n, want, c->n + 200), MDE__UPX_OK);
	free(f);
}

static void fill(struct fcase *c, size_t n)
{
	memset(c->orig, 0x90, sizeof(c->orig));
	memset(c->filt, 0x90, sizeof(c->filt));
	c->n = n;
}

/* call at ic to destination jc: rel32 in orig, be32 (jc + add + cto)
 * in filt. */
static void call(struct fcase *c, size_t ic, uint8_t op, uint32_t jc,
		 uint32_t add)
{
	c->orig[ic] = c->filt[ic] = op;
	put32(c->orig + ic + 1, jc - (uint32_t)ic - 1);
	put32be(c->filt + ic + 1, jc + add + ((uint32_t)c->cto << 24));
}

static void test_filters(void **state)
{
	struct fcase c;

	(void)state;
	/* 0x26: e8 and e9 into the buffer; an outside call stays */
	c = (struct fcase){ .id = 0x26, .cto = 0x3c };
	fill(&c, 40);
	call(&c, 1, 0xe8, 20, 0);
	call(&c, 6, 0xe9, 2, 0);
	c.orig[12] = c.filt[12] = 0xe8;
	put32(c.orig + 13, 0x11223344);
	put32(c.filt + 13, 0x11223344);
	check_filter_elf(&c);
	/* 0x24 takes only e8: an e9 with cto after it is left alone */
	c.id = 0x24;
	memcpy(c.orig + 6, c.filt + 6, 5);
	check_filter_elf(&c);
	/* 0x49: jcc (0f 8x) as well */
	c = (struct fcase){ .id = 0x49, .cto = 0x2a };
	fill(&c, 40);
	c.orig[0] = c.filt[0] = 0x0f;
	call(&c, 1, 0x84, 20, 0);
	call(&c, 8, 0xe8, 39, 0);
	check_filter_elf(&c);
	/* 0x46 does not take jcc */
	c.id = 0x46;
	memcpy(c.orig + 1, c.filt + 1, 5);
	check_filter_elf(&c);
	/* 0x11: naive, little endian, every e8 (position added) */
	c = (struct fcase){ .id = 0x11 };
	fill(&c, 24);
	c.orig[2] = c.filt[2] = 0xe8;
	put32(c.orig + 3, 100);
	put32(c.filt + 3, 103);
	c.orig[9] = c.filt[9] = 0xe9;
	put32(c.orig + 10, 5);
	put32(c.filt + 10, 5);
	check_filter_elf(&c);
	/* 0x16: e8 and e9, big endian */
	c.id = 0x16;
	put32be(c.filt + 3, 103);
	put32be(c.filt + 10, 15);
	check_filter_elf(&c);
	/* 0x81: calls as most-recently-used indices (see ctojr.h):
	 * 30 new, 30 again (index 0), 35 new, 30 again (now index 1) */
	c = (struct fcase){ .id = 0x81, .cto = 0x2a };
	fill(&c, 48);
	call(&c, 0, 0xe8, 30, 0);
	call(&c, 5, 0xe8, 30, 0);
	call(&c, 10, 0xe8, 35, 0);
	call(&c, 15, 0xe8, 30, 0);
	put32be(c.filt + 1, 0x2a000000 | (30 << 1 | 1));
	put32be(c.filt + 6, 0x2a000000 | 0);
	put32be(c.filt + 11, 0x2a000000 | (35 << 1 | 1));
	put32be(c.filt + 16, 0x2a000000 | 2);
	check_filter_elf(&c);
	/* 0x83: jumps and jcc, the jcc with 0x0f and 0x8N swapped */
	c = (struct fcase){ .id = 0x83, .cto = 0x55 };
	fill(&c, 32);
	c.orig[1] = 0x0f;
	c.filt[1] = 0x85;
	call(&c, 2, 0x85, 20, 0);
	c.filt[2] = 0x0f;
	call(&c, 7, 0xe9, 25, 0);
	check_filter_elf(&c);
}

/*
 * 0x81 with a warm MRU table: 60 calls to 40 destinations, so slots get
 * reused.  The codes were made by filter_ctojr() in tests/cli/mkupx.py
 * (an independent transcription of UPX's ctojr.h) for this buffer, with
 * cto 0 as UPX's getcto() picks here.
 */
static void test_filter_mru(void **state)
{
	static const uint32_t codes[60] = {
		0x259, 0x275, 0x291, 0x2ad, 0x2c9, 0x2e5, 0x261, 0x27d, 0x299,
		0x2b5, 0x2d1, 0x2ed, 0x269, 0x285, 0x2a1, 0x2bd, 0x2d9, 0x2f5,
		0x271, 0x28d, 0x2a9, 0x2c5, 0x2e1, 0x25d, 0x279, 0x295, 0x2b1,
		0x2cd, 0x2e9, 0x265, 0x281, 0x29d, 0x2b9, 0x2d5, 0x2f1, 0x26d,
		0x289, 0x2a5, 0x2c1, 0x2dd, 0x259, 0x275, 0x291, 0x2ad, 0x2c9,
		0x3a, 0x16, 0x3e, 0x1e, 0x2ed, 0x26, 0x2b5, 0x2e, 0x27d, 0x36,
		0x2e5, 0x3e, 0x1a, 0x3e, 0x22,
	};
	struct fcase c = { .id = 0x81, .cto = 0 };
	uint32_t i;

	(void)state;
	fill(&c, 400);
	for (i = 0; i < 60; i++) {
		uint32_t d = 300 + (i < 45 ? i * 7 % 40 : i * 13 % 40) * 2;

		call(&c, 5 * i, 0xe8, d, 0);
		put32be(c.filt + 5 * i + 1, codes[i]);
	}
	check_filter_elf(&c);
}

/* PE: the filter runs over the code section named by the trailer, with
 * its distance from the first section as the add value.  With a good
 * trailer the output is the PE file rebuilt from it: the stub, the
 * header and section table from the trailer, and the section's raw data
 * (the image from its start, unfiltered) at its raw offset.  With a bad
 * trailer the output is the image, still filtered. */
static void pe_filter_case(const struct fcase *c, size_t codeoff, bool good)
{
	static struct enc e;
	static uint8_t u[1024], want[2048];
	uint8_t *f = xbuf(), *oh;
	size_t i, n, ul, wl = 0;

	memset(u, 0, sizeof(u));
	memcpy(u + codeoff, c->filt, c->n);
	oh = u + codeoff + c->n;
	memcpy(oh, "PE\0\0", 4);
	put16(oh + 6, 1);
	put16(oh + 24, 0x10b);
	put32(oh + 28, (uint32_t)c->n);
	put32(oh + 44, 0x1000 + (uint32_t)codeoff);
	put32(oh + 248 + 12, 0x1000);
	put32(oh + 248 + 16, (uint32_t)(codeoff + c->n)); /* raw size */
	put32(oh + 248 + 20, 0x200);                      /* raw offset */
	ul = codeoff + c->n + 248 + 40 + 4;
	put32(u + ul - 4, good ? (uint32_t)(codeoff + c->n) : 7);
	memset(want, 0, sizeof(want));
	if (good) {
		/* mk_pe's stub is its first 0x80 bytes: "MZ", e_lfanew */
		want[0] = 'M';
		want[1] = 'Z';
		put32(want + 0x3c, 0x80);
		memcpy(want + 0x80, oh, 248 + 40);
		memcpy(want + 0x200, u, codeoff + c->n);
		memcpy(want + 0x200 + codeoff, c->orig, c->n);
		wl = 0x200 + codeoff + c->n;
	} else {
		memcpy(want, u, ul);
		wl = ul;
	}
	e_init(&e, 8);
	for (i = 0; i < ul; i++)
		e_lit(&e, u[i]);
	e_end(&e);
	n = mk_pe(f, e.out, e.len, u, ul, 8, c->id, c->cto);
	assert_int_equal(unpack_eq(f, n, want, wl), MDE__UPX_OK);
	free(f);
}

static void test_pe_filter(void **state)
{
	const uint32_t codeoff = 16;
	struct fcase c;

	(void)state;
	c = (struct fcase){ .id = 0x26, .cto = 0x3c };
	fill(&c, 40);
	call(&c, 1, 0xe8, 20, codeoff);
	call(&c, 6, 0xe9, 2, codeoff);
	pe_filter_case(&c, codeoff, true);
	pe_filter_case(&c, codeoff, false);
	c = (struct fcase){ .id = 0x16 };
	fill(&c, 40);
	c.orig[2] = c.filt[2] = 0xe8;
	put32(c.orig + 3, 100);
	put32be(c.filt + 3, 100 + 3 + codeoff);
	c.orig[9] = c.filt[9] = 0xe9;
	put32(c.orig + 10, 5);
	put32be(c.filt + 10, 5 + 10 + codeoff);
	pe_filter_case(&c, codeoff, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_negative),
		cmocka_unit_test(test_methods_elf),
		cmocka_unit_test(test_methods_pe),
		cmocka_unit_test(test_variant_mismatch),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_pe_scrambled),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_filter_mru),
		cmocka_unit_test(test_pe_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
