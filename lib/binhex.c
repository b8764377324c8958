/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binhex.c - BinHex 4.0 decoded as a stream: Mac mailers (Eudora, old
 * Outlook for Mac) sent attachments this way, as application/mac-binhex40
 * or inside a text part, and a file in that form hides its bytes from
 * every signature written for them.
 *
 * The text: a line "(This file must be converted with BinHex 4.0)", then
 * the data between two ':', six bits a character from a 64-character
 * alphabet, line breaks ignored.  The bits make bytes that are run-length
 * encoded (0x90 n: the byte before, n - 1 times more; 0x90 0: 0x90
 * itself), and the bytes are a header (name, type, creator, flags, the
 * lengths of the data and resource forks, a CRC), the data fork and its
 * CRC, the resource fork and its CRC.  CRCs are not checked: a wrong one
 * must not hide a file, and decoders differ on them.  Characters outside
 * the alphabet are skipped, as lenient decoders do.
 */
#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* memmem(); config.h has it, the fuzz build not */
#endif

#include <string.h>

#include "binhex.h"
#include "mde_int.h"
#include "banned.h"

#define ANNOUNCE "(This file must be converted with BinHex"
#define RUN 0x90

/* The value of each character plus one (0: skipped), for the alphabet
 * !"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr
 * (the rest of the 256 entries are 0). */
static const uint8_t value[256] = {
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13,  0,  0,
	14, 15, 16, 17, 18, 19, 20,  0, 21, 22,  0,  0,  0,  0,  0,  0,
	23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,  0,
	38, 39, 40, 41, 42, 43, 44,  0, 45, 46, 47, 48,  0,  0,  0,  0,
	49, 50, 51, 52, 53, 54, 55,  0, 56, 57, 58, 59, 60, 61,  0,  0,
	62, 63, 64,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
};

long mde__binhex_find(const uint8_t *buf, size_t len, size_t window)
{
	const uint8_t *p;

	if (len > window)
		len = window;
	p = mde__find(buf, len, ANNOUNCE, sizeof(ANNOUNCE) - 1);
	return p ? (long)(p - buf) : -1;
}

/* The next byte of the run-length encoded stream, or -1 at its end. */
static int raw_byte(mde__binhex *h)
{
	while (h->nbits < 8) {
		uint8_t v;

		if (h->ended || h->p == h->end || *h->p == ':') {
			h->ended = 1;
			return -1;
		}
		v = value[*h->p++];
		if (!v)
			continue;
		h->acc = (h->acc << 6 | (uint32_t)(v - 1)) & 0xFFFFFF;
		h->nbits += 6;
	}
	h->nbits -= 8;
	return (int)(h->acc >> h->nbits & 0xFF);
}

size_t mde__binhex_read(mde__binhex *h, uint8_t *out, size_t n)
{
	size_t o = 0, k;
	int b, c;

	while (o < n) {
		if (h->run) {
			k = n - o < h->run ? n - o : h->run;
			memset(out + o, h->last, k);
			o += k;
			h->run -= (unsigned)k;
			continue;
		}
		if ((b = raw_byte(h)) < 0)
			break;
		if (b != RUN) {
			out[o++] = (uint8_t)(h->last = b);
			continue;
		}
		if ((c = raw_byte(h)) < 0)
			break;
		if (c == 0)
			out[o++] = (uint8_t)(h->last = RUN);
		else if (h->last >= 0)
			h->run = (unsigned)c - 1;
	}
	return o;
}

size_t mde__binhex_skip(mde__binhex *h, size_t n)
{
	uint8_t tmp[16];
	size_t got = 0, k;

	while (got < n) {
		k = mde__binhex_read(h, tmp, n - got < 16 ? n - got : 16);
		if (!k)
			break;
		got += k;
	}
	return got;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int mde__binhex_open(mde__binhex *h, const uint8_t *buf, size_t len,
		     size_t at)
{
	const uint8_t *end = buf + len, *nl, *colon;
	uint8_t n, rest[1 + 4 + 4 + 2 + 4 + 4 + 2];
	size_t i;

	memset(h, 0, sizeof(*h));
	h->last = -1;
	if (at >= len)
		return -1;
	nl = memchr(buf + at, '\n', len - at);
	colon = nl ? memchr(nl, ':', (size_t)(end - nl)) : NULL;
	if (!colon)
		return -1;
	h->p = colon + 1;
	h->end = end;
	/* name length, name, version, type, creator, flags, forks, CRC */
	if (mde__binhex_read(h, &n, 1) != 1 || n >= MDE__BINHEX_NAME_CAP ||
	    mde__binhex_read(h, (uint8_t *)h->name, n) != n ||
	    mde__binhex_read(h, rest, sizeof(rest)) != sizeof(rest))
		return -1;
	h->name[n] = '\0';
	for (i = 0; i < n; i++)
		if ((uint8_t)h->name[i] < 0x20 || h->name[i] == 0x7f ||
		    h->name[i] == '\0')
			h->name[i] = '_';
	h->data_len = be32(rest + 11);
	h->rsrc_len = be32(rest + 15);
	return 0;
}
