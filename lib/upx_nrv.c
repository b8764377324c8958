/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx_nrv.c - UPX's NRV2B, NRV2D and NRV2E decompressors (LZ77 with a bit
 * stream interleaved with literal bytes, in 8-, 16- and 32-bit words;
 * UCL's n2?_d.c) and the adler32 checksum UPX keeps of its data.
 *
 * The decoders distrust their input: every read and write is bounded,
 * every back reference checked, every unary code cut at the largest
 * value that can be legal.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "upx_int.h"
#include "banned.h"

uint32_t mde__upx_adler32(uint32_t adler, const uint8_t *p, size_t n)
{
	uint32_t a = adler & 0xffff, b = adler >> 16;

	while (n) {
		/* 5552 bytes is the most that cannot overflow b */
		size_t k = n < 5552 ? n : 5552;

		n -= k;
		while (k--) {
			a += *p++;
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return b << 16 | a;
}


enum { NRV2B, NRV2D, NRV2E };

struct bitin {
	const uint8_t *src;
	size_t pos, len;
	uint32_t bb;
	unsigned bc;
	bool over; /* a word was wanted past the end */
};

/*
 * One bit, most significant first, from the current word; width is a
 * constant at every call, so each decoder instance gets its own inlined
 * refill.  Past the end it answers 1, which ends every unary loop of the
 * decoders; the callers then fail on the over flag.
 */
static inline __attribute__((always_inline)) unsigned
getbit(struct bitin *in, int width)
{
	if (width == 8) {
		/* UCL's trick: a marker bit shifts up behind the data bits */
		if (in->bb & 0x7f) {
			in->bb <<= 1;
		} else if (in->pos < in->len) {
			in->bb = (uint32_t)in->src[in->pos++] << 1 | 1;
		} else {
			in->over = true;
			return 1;
		}
		return in->bb >> 8 & 1;
	}
	if (in->bc == 0) {
		size_t w = (size_t)width / 8;

		if (in->len - in->pos < w) {
			in->over = true;
			return 1;
		}
		in->bb = width == 32 ? le32(in->src + in->pos) :
				       le16(in->src + in->pos);
		in->pos += w;
		in->bc = (unsigned)width;
	}
	in->bc--;
	return in->bb >> in->bc & 1;
}

/* A long match length: Elias gamma plus bias; 0 when it passes limit
 * (no such match fits in the room left). */
static inline __attribute__((always_inline)) size_t
long_len(struct bitin *in, int width, size_t limit, unsigned bias)
{
	size_t v = 1;

	do {
		v = v * 2 + getbit(in, width);
		if (v > limit)
			return 0;
	} while (!getbit(in, width));
	return v + bias;
}

/* The offset prefix: plain gamma for 2B, two bits a step for 2D/2E.
 * 0 when it passes the end-of-stream code, the largest legal value. */
static inline __attribute__((always_inline)) uint32_t
offset_prefix(struct bitin *in, int algo, int width)
{
	uint32_t v = 1;

	for (;;) {
		v = v * 2 + getbit(in, width);
		if (v > 0x1000002)
			return 0;
		if (getbit(in, width))
			return v;
		if (algo != NRV2B)
			v = (v - 1) * 2 + getbit(in, width);
	}
}

/*
 * Copies an n-byte match from off bytes back to d, room bytes being
 * writable at d.  Matches are mostly short, so with room to spare it
 * moves 8 bytes at a time, overshooting into output not yet written;
 * an offset under 8 (a run) goes byte by byte.
 */
static inline __attribute__((always_inline)) void
copy_match(uint8_t *d, size_t off, size_t n, size_t room)
{
	const uint8_t *m = d - off;
	size_t i;

	if (off >= 8 && room - n >= 8) {
		for (i = 0; i < n; i += 8)
			memcpy(d + i, m + i, 8);
		return;
	}
	for (i = 0; i < n; i++)
		d[i] = m[i];
}

/*
 * Decodes one NRV stream from src[0..slen) into dst[0..dlen).  Returns 0
 * at the end-of-stream code with *olen and *ilen set, -1 on any error
 * (overrun of either buffer, reference before the start, bad code).
 */
static inline __attribute__((always_inline)) int
nrv_decode(const uint8_t *src, size_t slen, uint8_t *dst, size_t dlen,
	   size_t *olen_out, size_t *ilen_out, int algo, int width)
{
	struct bitin in = { src, 0, slen, 0, 0, false };
	const uint32_t far = algo == NRV2B ? 0xd00 : 0x500;
	uint32_t last_off = 1;
	size_t olen = 0;

	for (;;) {
		uint32_t off;
		size_t mlen = 0, n;

		while (getbit(&in, width)) {
			if (in.pos >= slen || olen >= dlen)
				return -1;
			dst[olen++] = src[in.pos++];
		}
		off = offset_prefix(&in, algo, width);
		if (off == 0 || in.over)
			return -1;
		if (off == 2) {
			off = last_off;
			if (algo != NRV2B)
				mlen = getbit(&in, width);
		} else {
			if (in.pos >= slen)
				return -1;
			off = (off - 3) * 256 + src[in.pos++];
			if (off == 0xffffffff)
				break;
			if (algo != NRV2B) {
				mlen = (off & 1) ^ 1;
				off >>= 1;
			}
			last_off = ++off;
		}
		if (algo == NRV2B)
			mlen = getbit(&in, width);
		if (algo != NRV2E) {
			mlen = mlen * 2 + getbit(&in, width);
			if (mlen == 0)
				mlen = long_len(&in, width, dlen - olen, 2);
		} else if (mlen) {
			mlen = 1 + getbit(&in, width);
		} else if (getbit(&in, width)) {
			mlen = 3 + getbit(&in, width);
		} else {
			mlen = long_len(&in, width, dlen - olen, 3);
		}
		if (in.over || mlen == 0 || mlen > dlen - olen)
			return -1;
		n = mlen + 1 + (off > far);
		if (off > olen || n > dlen - olen)
			return -1;
		copy_match(dst + olen, off, n, dlen - olen);
		olen += n;
	}
	if (in.over)
		return -1;
	*olen_out = olen;
	*ilen_out = in.pos;
	return 0;
}

typedef int (*nrv_fn)(const uint8_t *, size_t, uint8_t *, size_t, size_t *,
		      size_t *);

/* One instance per (algorithm, word size); method numbers from UPX's
 * conf.h: 2..4 NRV2B LE32/8/LE16, 5..7 NRV2D, 8..10 NRV2E. */
#define NRV_INSTANCE(name, algo, width)                                    \
	static int name(const uint8_t *s, size_t sl, uint8_t *d, size_t dl, \
			size_t *ol, size_t *il)                             \
	{                                                                   \
		return nrv_decode(s, sl, d, dl, ol, il, algo, width);       \
	}
NRV_INSTANCE(nrv2b_32, NRV2B, 32)
NRV_INSTANCE(nrv2b_8, NRV2B, 8)
NRV_INSTANCE(nrv2b_16, NRV2B, 16)
NRV_INSTANCE(nrv2d_32, NRV2D, 32)
NRV_INSTANCE(nrv2d_8, NRV2D, 8)
NRV_INSTANCE(nrv2d_16, NRV2D, 16)
NRV_INSTANCE(nrv2e_32, NRV2E, 32)
NRV_INSTANCE(nrv2e_8, NRV2E, 8)
NRV_INSTANCE(nrv2e_16, NRV2E, 16)
#undef NRV_INSTANCE

static const nrv_fn nrv_fns[9] = {
	nrv2b_32, nrv2b_8, nrv2b_16, nrv2d_32, nrv2d_8, nrv2d_16,
	nrv2e_32, nrv2e_8, nrv2e_16,
};

#define M_LZMA 14

int mde__upx_method_check(unsigned m, const char **why)
{
	if ((m >= 2 && m <= 10) || m == M_LZMA)
		return MDE__UPX_OK;
	if (m >= 11 && m <= 16)
		*why = "upx: compression method not supported";
	else
		*why = "upx: unknown compression method";
	return m > 16 || m < 2 ? MDE__UPX_DAMAGED : MDE__UPX_UNSUPPORTED;
}

int mde__upx_nrv(unsigned method, const uint8_t *src, size_t slen,
		 uint8_t *dst, size_t dlen, size_t *olen, size_t *ilen)
{
	return nrv_fns[method - 2](src, slen, dst, dlen, olen, ilen);
}

bool mde__upx_decompress(unsigned method, const uint8_t *src, size_t slen,
			 uint8_t *dst, size_t dlen)
{
	size_t olen, ilen;

	if (method == M_LZMA)
		return mde__upx_lzma(src, slen, dst, dlen);
	if (nrv_fns[method - 2](src, slen, dst, dlen, &olen, &ilen) != 0)
		return false;
	return olen == dlen && ilen == slen;
}

