/* SPDX-License-Identifier: Apache-2.0 */
/*
 * explode.c - Implode (ZIP method 6, PKZIP 1.x), as PKWARE's APPNOTE
 * (section 5.3) describes it: LZ77 over a 4 or 8 KiB window (general
 * purpose flag bit 1) whose literals, lengths and distances' high bits are
 * sent in Shannon-Fano codes: two trees, or three with a literal tree
 * (flag bit 2; minimum match 3 instead of 2).
 *
 * A tree is sent as runs of bit lengths (a byte: count - 1 in the high
 * nibble, length - 1 in the low one, after a byte giving the number of
 * runs less one).  APPNOTE's codes, assigned from the longest length up,
 * are the complements of the canonical codes of those lengths, read from
 * the first bit: they are decoded as canonical codes with every bit
 * inverted.  Bytes before the start of the output are zeros, as PKZIP's
 * window starts.  The member's size ends the decoding.
 */
#include "config.h"

#include <string.h>

#include "zipx_int.h"
#include "banned.h"

#define BIG_WINDOW 0x02   /* general purpose flags: 8 KiB window */
#define LIT_TREE 0x04     /* ... three trees */

/* Reads a tree of n codes into h: 0, or -1 when its runs pass n or the
 * lengths make no code. */
static int tree(struct zstream *s, struct zhuff *h, unsigned n)
{
	uint8_t len[256];
	unsigned runs, i = 0, k, c, l;

	if (s->inpos == s->inlen)
		return -1;
	runs = s->in[s->inpos++] + 1u;
	for (k = 0; k < runs; k++) {
		if (s->inpos == s->inlen)
			return -1;
		c = (s->in[s->inpos] >> 4) + 1u;
		l = (s->in[s->inpos++] & 0x0f) + 1u;
		if (i + c > n)
			return -1;
		while (c--)
			len[i++] = (uint8_t)l;
	}
	if (i != n)
		return -1;
	return mde__zipx_build(h, len, n) < 0 ? -1 : 0;
}

int mde__zipx_explode(struct zstream *s, unsigned flags)
{
	struct zhuff lit, lens, dist;
	int has_lit = (flags & LIT_TREE) != 0;
	int dbits = flags & BIG_WINDOW ? 7 : 6;
	unsigned minmatch = has_lit ? 3 : 2;

	if ((has_lit && tree(s, &lit, 256) < 0) || tree(s, &lens, 64) < 0 ||
	    tree(s, &dist, 64) < 0)
		return MDE__ZIPX_DAMAGED;
	while (s->out < s->size && !s->stopped) {
		unsigned low;
		int hi, len;

		if (zbits(s, 1)) {
			int c = has_lit ? mde__zipx_decode_sym(s, &lit, 1)
					: (int)zbits(s, 8);

			if (c < 0 || s->err)
				return MDE__ZIPX_DAMAGED;
			mde__zipx_put(s, (uint8_t)c);
			continue;
		}
		low = zbits(s, dbits);
		hi = mde__zipx_decode_sym(s, &dist, 1);
		len = mde__zipx_decode_sym(s, &lens, 1);
		if (hi < 0 || len < 0 || s->err)
			return MDE__ZIPX_DAMAGED;
		if (len == 63)
			len += (int)zbits(s, 8);
		len += (int)minmatch;
		if (s->err)
			return MDE__ZIPX_DAMAGED;
		mde__zipx_copy(s, ((size_t)hi << dbits | low) + 1,
			       (uint64_t)len < s->size - s->out
				       ? (uint64_t)len
				       : s->size - s->out);
	}
	return MDE__ZIPX_OK;
}
