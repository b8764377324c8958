/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_upx.c - libFuzzer harness for the UPX detector and unpacker.
 *
 * Input: a mode byte, then
 *   mode 0: a whole file, given to mde__upx_detect and mde__upx_unpack;
 *   mode 1: a method byte, a 16-bit size, a filter byte and a cto byte,
 *           then a compressed stream, wrapped here into a one-block UPX
 *           ELF so the decoders and unfilters see arbitrary streams;
 *   mode 2: the same header, the stream wrapped into a UPX PE whose
 *           c_adler is made to match, so the stream reaches the decoder.
 * Checks that hold for any input: success means a buffer of at most
 * max_out bytes; failure means no buffer and a reason.
 *
 * Seeds (corpus/upx): "\0" + files from tests/cli/mkupx.py (ELF and PE,
 * NRV2B/2D/2E, LE32/8-bit/LE16, filters 0x26/0x49/0x81, several blocks),
 * two of them cut short, mode 1/2 inputs around mkupx.compress() streams
 * of the same 1500 bytes, and "\0" + tests/cli/mkupx_pe.py's packed
 * tests/carriers/mkpe.py programs (PE32 and PE32+, NRV and LZMA, the
 * extra-info trailer a PE file is rebuilt from).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upx.h"

#define MAX_OUT (1u << 20)

static const uint8_t filters[] = {
	0, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x24, 0x25, 0x26, 0x36, 0x46,
	0x49, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x52,
};

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

static void put_ph(uint8_t *p, int format, int method, uint32_t c_adler,
		   uint32_t u_len, uint32_t c_len, int filter, int cto)
{
	unsigned s = 0, i;

	memset(p, 0, 32);
	memcpy(p, "UPX!", 4);
	p[4] = 14;
	p[5] = (uint8_t)format;
	p[6] = (uint8_t)method;
	p[7] = 8;
	put32(p + 8, 0x12345678); /* u_adler: cannot be known */
	put32(p + 12, c_adler);
	put32(p + 16, u_len);
	put32(p + 20, c_len);
	put32(p + 24, u_len);
	p[28] = (uint8_t)filter;
	p[29] = (uint8_t)cto;
	for (i = 4; i < 31; i++)
		s += p[i];
	p[31] = (uint8_t)(s % 251);
}

/* Ehdr, one Phdr, l_info, p_info, the block, the end, the trailer. */
static uint8_t *wrap_elf(const uint8_t *s, size_t n, int method, uint32_t unc,
			 int filter, int cto, size_t *len)
{
	size_t pos = 132 + 12;
	uint8_t *o = calloc(1, pos + 12 + n + 12 + 36);

	if (!o)
		return NULL;
	memcpy(o, "\x7f" "ELF\x02\x01\x01", 7);
	put32(o + 32, 64);
	put16(o + 54, 56);
	put16(o + 56, 1);
	memcpy(o + 124, "UPX!", 4);
	put32(o + 136, unc);
	put32(o + 140, unc);
	put32(o + pos, unc);
	put32(o + pos + 4, (uint32_t)n);
	o[pos + 8] = (uint8_t)method;
	o[pos + 9] = (uint8_t)filter;
	o[pos + 10] = (uint8_t)cto;
	memcpy(o + pos + 12, s, n);
	pos += 12 + n;
	memcpy(o + pos + 4, "UPX!", 4);
	pos += 12;
	put_ph(o + pos, 22, method, adler(s, n), unc, (uint32_t)n, 0, 0);
	put32(o + pos + 32, 132);
	*len = pos + 36;
	return o;
}

/* MZ, PE header, UPX0/UPX1, the PackHeader ending at 0x400, the data. */
static uint8_t *wrap_pe(const uint8_t *s, size_t n, int method, uint32_t unc,
			int filter, int cto, size_t *len)
{
	uint8_t *o = calloc(1, 0x400 + n);
	int i;

	if (!o)
		return NULL;
	o[0] = 'M';
	o[1] = 'Z';
	put32(o + 0x3c, 0x80);
	memcpy(o + 0x80, "PE\0\0", 4);
	put16(o + 0x86, 2);
	put16(o + 0x94, 0xe0);
	for (i = 0; i < 2; i++) {
		uint8_t *sec = o + 0x178 + 40 * i;

		memcpy(sec, i ? "UPX1" : "UPX0", 4);
		put32(sec + 16, i ? (uint32_t)n : 0);
		put32(sec + 20, 0x400);
	}
	put_ph(o + 0x400 - 32, 9, method, adler(s, n), unc, (uint32_t)n,
	       filter, cto);
	memcpy(o + 0x400, s, n);
	*len = 0x400 + n;
	return o;
}

static void run(const uint8_t *buf, size_t len)
{
	mde__upx_info info;
	uint8_t *out = (uint8_t *)1;
	size_t outlen = 1;
	const char *why = NULL;
	int st;

	(void)mde__upx_detect(buf, len, &info);
	st = mde__upx_unpack(buf, len, &info, MAX_OUT, &out, &outlen, &why);
	if (st == MDE__UPX_OK) {
		if (!out || outlen > MAX_OUT || why)
			abort();
		if (outlen)
			out[outlen - 1] ^= 1; /* it must be ours to write */
		free(out);
	} else if (out || outlen || !why) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t unc;
	uint8_t *f;
	size_t len;
	int method, filter;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 0 || size < 6) {
		run(data + 1, size - 1);
		return 0;
	}
	method = 2 + data[1] % 10;
	if (method == 11)
		method = 14; /* LZMA */
	if (data[1] >= 0xf8)
		method = data[1] & 0x1f; /* now and then an odd method */
	unc = (uint32_t)data[2] | (uint32_t)data[3] << 8;
	filter = filters[data[4] % sizeof(filters)];
	if (unc < size - 6)
		unc += (uint32_t)(size - 6);
	if (data[0] % 3 == 1)
		f = wrap_elf(data + 6, size - 6, method, unc + 1, filter,
			     data[5], &len);
	else
		f = wrap_pe(data + 6, size - 6, method, unc + 1, filter,
			    data[5], &len);
	if (!f)
		return 0;
	run(f, len);
	free(f);
	return 0;
}
