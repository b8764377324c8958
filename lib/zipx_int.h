/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zipx_int.h - what the decoders of zipx.c share: the input read a bit
 * at a time, least significant first (as ZIP's methods pack them), the
 * 64 KiB window that output goes through, and canonical Huffman codes
 * decoded a bit at a time (a hostile table can fail to match, never
 * index out of bounds).  Internal to zipx.c, inflate64.c, explode.c.
 */
#ifndef MDE_ZIPX_INT_H
#define MDE_ZIPX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "zipx.h"

#define WSIZE 65536u  /* the window: Deflate64's, and more than Implode's */
#define MAXBITS 16
#define MAXSYMS 288

struct zstream {
	const uint8_t *in;
	size_t inlen, inpos;
	uint32_t bitbuf;
	int bitcnt;
	int err;            /* the input ran out (or the data are wrong) */
	uint64_t out, size; /* bytes given out; the member's size */
	uint64_t flushed;
	mde__zipx_sink sink;
	void *ctx;
	int stopped;
	uint8_t win[WSIZE];
};

struct zhuff {
	uint16_t count[MAXBITS + 1];
	uint16_t sym[MAXSYMS];
};

/* n (<= 16) bits, least significant first; 0 and s->err set when the
 * input ran out. */
static inline unsigned zbits(struct zstream *s, int n)
{
	while (s->bitcnt < n) {
		if (s->inpos == s->inlen) {
			s->err = 1;
			return 0;
		}
		s->bitbuf |= (uint32_t)s->in[s->inpos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	{
		unsigned v = (unsigned)(s->bitbuf & ((1u << n) - 1));

		s->bitbuf >>= n;
		s->bitcnt -= n;
		return v;
	}
}

/* Builds h from len[0..n): the codes left over (0: complete, > 0:
 * incomplete), or -1 when over-subscribed or a length passes 16. */
int mde__zipx_build(struct zhuff *h, const uint8_t *len, unsigned n);

/* The next symbol of code h, bits inverted when invert (Implode's
 * Shannon-Fano codes are the complements of canonical ones); -1 when
 * no code matches or the input ran out. */
int mde__zipx_decode_sym(struct zstream *s, const struct zhuff *h,
			 int invert);

/* Gives out byte c (through the window). */
void mde__zipx_put(struct zstream *s, uint8_t c);

/* Gives out n bytes copied from dist bytes back (bytes before the start
 * are zeros). */
void mde__zipx_copy(struct zstream *s, size_t dist, uint64_t n);

/* Hands what the window holds that was not given yet to the sink. */
void mde__zipx_flush(struct zstream *s);

/* The decoders: MDE__ZIPX_OK, STOPPED or DAMAGED. */
int mde__zipx_inflate64(struct zstream *s);
int mde__zipx_explode(struct zstream *s, unsigned flags);

#endif
