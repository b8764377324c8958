/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inflate64.c - Deflate64 ("enhanced deflate", ZIP method 9): deflate
 * (RFC 1951) with a 64 KiB window, length code 285 meaning 3 plus 16
 * extra bits instead of 258, and distance codes 30 and 31 (32,769 and
 * 49,153, 14 extra bits each).  Windows' Explorer writes it for large
 * files, 7-Zip on request; zlib and libarchive do not read it.
 *
 * Codes are decoded a bit at a time (zipx.c): slow next to zlib, fine for
 * a method met rarely, and safe on any table.  A distance past what was
 * decoded, a symbol out of range or input that runs out is damage; the
 * member's size ends the decoding (a bomb's length codes stop there, or
 * at the sink's limits before).
 */
#include "config.h"

#include <string.h>

#include "zipx_int.h"
#include "banned.h"

#define NLEN 286  /* literal/length codes in a dynamic block, at most */
#define NDIST 32  /* distance codes: Deflate64 uses all 32 */
#define FIXLCODES 288

static const uint16_t lbase[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 3,
};
static const uint8_t lext[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 16,
};
static const uint16_t dbase[NDIST] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
	12289, 16385, 24577, 32769, 49153,
};
static const uint8_t dext[NDIST] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14,
};

/* A stored block: LEN, NLEN, the bytes. */
static int stored(struct zstream *s)
{
	unsigned len, nlen;

	s->bitbuf = 0; /* to a byte boundary */
	s->bitcnt = 0;
	if (s->inlen - s->inpos < 4)
		return MDE__ZIPX_DAMAGED;
	len = s->in[s->inpos] | (unsigned)s->in[s->inpos + 1] << 8;
	nlen = s->in[s->inpos + 2] | (unsigned)s->in[s->inpos + 3] << 8;
	s->inpos += 4;
	if (len != (~nlen & 0xffff) || s->inlen - s->inpos < len)
		return MDE__ZIPX_DAMAGED;
	while (len-- && s->out < s->size && !s->stopped)
		mde__zipx_put(s, s->in[s->inpos++]);
	return MDE__ZIPX_OK;
}

/* The symbols of a block, in codes lc and dc, up to end of block. */
static int codes(struct zstream *s, const struct zhuff *lc,
		 const struct zhuff *dc)
{
	for (;;) {
		int sym = mde__zipx_decode_sym(s, lc, 0), d;
		uint64_t len;
		size_t dist;

		if (sym < 0 || s->stopped)
			return sym < 0 ? MDE__ZIPX_DAMAGED : MDE__ZIPX_OK;
		if (sym == 256 || s->out >= s->size)
			return MDE__ZIPX_OK;
		if (sym < 256) {
			mde__zipx_put(s, (uint8_t)sym);
			continue;
		}
		sym -= 257;
		if (sym >= 29)
			return MDE__ZIPX_DAMAGED;
		len = lbase[sym] + zbits(s, lext[sym]);
		d = mde__zipx_decode_sym(s, dc, 0);
		if (d < 0 || d >= NDIST)
			return MDE__ZIPX_DAMAGED;
		dist = dbase[d] + zbits(s, dext[d]);
		if (s->err || dist > s->out)
			return MDE__ZIPX_DAMAGED;
		if (len > s->size - s->out)
			len = s->size - s->out;
		mde__zipx_copy(s, dist, len);
	}
}

static int fixed(struct zstream *s)
{
	uint8_t len[FIXLCODES];
	struct zhuff lc, dc;
	unsigned i;

	for (i = 0; i < FIXLCODES; i++)
		len[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
	mde__zipx_build(&lc, len, FIXLCODES);
	memset(len, 5, NDIST);
	mde__zipx_build(&dc, len, NDIST);
	return codes(s, &lc, &dc);
}

/* The code lengths of a dynamic block, in the code-length code. */
static int lengths(struct zstream *s, const struct zhuff *cl, uint8_t *len,
		   unsigned n)
{
	unsigned i = 0, rep;
	uint8_t prev;
	int sym;

	while (i < n) {
		sym = mde__zipx_decode_sym(s, cl, 0);
		if (sym < 0)
			return -1;
		if (sym < 16) {
			len[i++] = (uint8_t)sym;
			continue;
		}
		prev = 0;
		if (sym == 16) {
			if (i == 0)
				return -1;
			prev = len[i - 1];
			rep = 3 + zbits(s, 2);
		} else {
			rep = sym == 17 ? 3 + zbits(s, 3) : 11 + zbits(s, 7);
		}
		if (s->err || i + rep > n)
			return -1;
		while (rep--)
			len[i++] = prev;
	}
	return 0;
}

static int dynamic(struct zstream *s)
{
	static const uint8_t order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
					   11, 4, 12, 3, 13, 2, 14, 1, 15 };
	uint8_t len[NLEN + NDIST];
	struct zhuff lc, dc;
	unsigned nlen = zbits(s, 5) + 257, ndist = zbits(s, 5) + 1;
	unsigned ncode = zbits(s, 4) + 4, i;

	if (s->err || nlen > NLEN || ndist > NDIST)
		return MDE__ZIPX_DAMAGED;
	memset(len, 0, 19);
	for (i = 0; i < ncode; i++)
		len[order[i]] = (uint8_t)zbits(s, 3);
	if (s->err || mde__zipx_build(&lc, len, 19) != 0 ||
	    lengths(s, &lc, len, nlen + ndist) < 0 || len[256] == 0)
		return MDE__ZIPX_DAMAGED;
	/* incomplete codes are allowed only for a single length code */
	i = (unsigned)mde__zipx_build(&lc, len, nlen);
	if ((int)i < 0 || (i && nlen - lc.count[0] != 1))
		return MDE__ZIPX_DAMAGED;
	i = (unsigned)mde__zipx_build(&dc, len + nlen, ndist);
	if ((int)i < 0 || (i && ndist - dc.count[0] != 1))
		return MDE__ZIPX_DAMAGED;
	return codes(s, &lc, &dc);
}

int mde__zipx_inflate64(struct zstream *s)
{
	int last = 0, rc = MDE__ZIPX_OK;

	while (!last && rc == MDE__ZIPX_OK && s->out < s->size &&
	       !s->stopped) {
		unsigned type;

		last = (int)zbits(s, 1);
		type = zbits(s, 2);
		if (s->err)
			return MDE__ZIPX_DAMAGED;
		if (type == 0)
			rc = stored(s);
		else if (type == 1)
			rc = fixed(s);
		else if (type == 2)
			rc = dynamic(s);
		else
			rc = MDE__ZIPX_DAMAGED;
	}
	return rc;
}
