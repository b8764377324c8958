/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx.c - recognise UPX-packed ELF and PE files and unpack them.
 *
 * What UPX leaves on disk (read from upx/upx: packhead.cpp, p_unix.cpp,
 * p_lx_elf.cpp, pefile.cpp, filter/; and UCL's n2?_d.c):
 *
 *   PackHeader  "UPX!", version, format, method, level, then (format < 128,
 *               little endian) u_adler, c_adler, u_len, c_len, u_file_size,
 *               filter, filter_cto, n_mru, and a checksum byte: the sum of
 *               bytes 4..30 modulo 251.  32 bytes since version 10.
 *   Linux ELF   Ehdr, Phdrs, l_info {checksum, "UPX!", lsize, version,
 *               format}, p_info {progid, filesize, blocksize}, then blocks:
 *               b_info {sz_unc, sz_cpr, method, filter id, cto, 0} and
 *               sz_cpr bytes (stored when sz_cpr == sz_unc).  UPX 3.9x/4.x
 *               put the loader between the blocks of the PT_LOADs and
 *               those of the gaps; a b_info {0, "UPX!"} ends the chain.
 *               The file ends with the PackHeader and a 4-byte offset of
 *               p_info.  The adler32s chain over every block: c_adler over
 *               the bytes as stored, u_adler over the unfiltered output.
 *   PE          sections UPX0 (no raw data), UPX1, UPX2/.rsrc; the version
 *               string and the PackHeader end where UPX1's raw data starts
 *               (UPX looks from 64 bytes before it); c_len bytes of one
 *               stream follow the PackHeader.  u_adler covers the output
 *               before unfiltering; the filter runs over the original
 *               code section, found through the extra-info trailer at the
 *               end of the output (its offset is the last 4 bytes).
 *   NRV2B/D/E   LZ77 with a bit stream interleaved with literal bytes: the
 *               decoder fetches an 8-, 16- or 32-bit word whenever it has
 *               used up the previous one.  Offsets are a gamma-coded high
 *               part plus a byte, with "same offset as last time" coded
 *               as 2; a high part of 0x1000002 with byte 0xff ends it.
 *
 * Everything here distrusts the file: offsets are checked before use, the
 * decoders bound each loop, and sizes are summed and compared with the
 * caller's limit before anything is allocated.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "upx.h"
#include "banned.h"

#define TAIL_SCAN 4096  /* the ELF PackHeader is in the last bytes */
#define HEAD_SCAN 4096  /* the PE one is in the headers */
#define ELF_HDR 36      /* PackHeader + offset of p_info */
#define MAX_RESYNC 2    /* loader islands in one ELF block chain */
#define RESYNC_SLACK 4096
#define N_MRU 32        /* destinations remembered by filters 0x80..0x87 */

static const uint8_t magic[4] = { 'U', 'P', 'X', '!' };

/* ------------------------------------------------------------ bytes */

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void set_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* UPX writes the Unix structures in the target's byte order. */
static uint32_t te32(const uint8_t *p, bool be)
{
	return be ? be32(p) : le32(p);
}

static uint32_t te16(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 8 | p[1] : le16(p);
}

static uint32_t adler32(uint32_t adler, const uint8_t *p, size_t n)
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

/* --------------------------------------------------- NRV decompressors */

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

/* MDE__UPX_OK for a method we decode, else why not. */
static int method_check(unsigned m, const char **why)
{
	if (m >= 2 && m <= 10)
		return MDE__UPX_OK;
	if (m == M_LZMA)
		*why = "upx: LZMA-compressed, not unpacked";
	else if (m >= 11 && m <= 16)
		*why = "upx: compression method not supported";
	else
		*why = "upx: unknown compression method";
	return m > 16 || m < 2 ? MDE__UPX_DAMAGED : MDE__UPX_UNSUPPORTED;
}

/* Exactly slen bytes of input must make exactly dlen bytes of output. */
static bool decompress(unsigned method, const uint8_t *src, size_t slen,
		       uint8_t *dst, size_t dlen)
{
	size_t olen, ilen;

	if (nrv_fns[method - 2](src, slen, dst, dlen, &olen, &ilen) != 0)
		return false;
	return olen == dlen && ilen == slen;
}

/* ------------------------------------------------------------ filters */

/* Which branch opcodes a cto-style filter rewrote. */
enum { C_E8 = 1, C_E9 = 2, C_JCC = 4 };

/* ids 0x24..0x26, 0x36, 0x46, 0x49: absolute big-endian destinations
 * tagged with cto in the top byte; 0x49 also took the 0x0f 0x8N jcc. */
static void unfilter_cto(uint8_t *b, uint32_t n, unsigned ops, uint8_t cto,
			 uint32_t addvalue)
{
	const uint32_t ctow = (uint32_t)cto << 24;
	uint32_t ic, lastcall = 0;

	for (ic = 0; ic + 5 < n; ic++) {
		bool hit = ((ops & C_E8) && b[ic] == 0xe8) ||
			   ((ops & C_E9) && b[ic] == 0xe9) ||
			   ((ops & C_JCC) && ic != lastcall && ic > 0 &&
			    b[ic - 1] == 0x0f && (b[ic] & 0xf0) == 0x80);

		if (!hit || b[ic + 1] != cto)
			continue;
		set_le32(b + ic + 1, be32(b + ic + 1) - ic - 1 - addvalue - ctow);
		ic += 4;
		lastcall = ic + 1;
	}
}

/* ids 0x11..0x16: every e8/e9 operand had its position added; the
 * 0x14..0x16 variants also stored it big-endian. */
static void unfilter_ct32(uint8_t *b, uint32_t n, unsigned id,
			  uint32_t addvalue)
{
	unsigned ops = (id - 0x11) % 3 + 1; /* C_E8, C_E9 or both */
	bool be = id >= 0x14;
	uint32_t i = 0;

	if (n < 5)
		return;
	do {
		if (((ops & C_E8) && b[i] == 0xe8) ||
		    ((ops & C_E9) && b[i] == 0xe9)) {
			uint32_t a = i + 1;
			uint32_t v = be ? be32(b + a) : le32(b + a);

			set_le32(b + a, v - a - addvalue);
			i += 4;
		}
	} while (++i < n - 5);
}

struct mru {
	uint32_t slot[N_MRU];
	int hand, tail;
};

/* Moves the destination found in slot kh to the front, as UPX does. */
static void mru_touch(struct mru *m, uint32_t jc, int kh)
{
	uint32_t t;

	if (--m->hand < 0)
		m->hand = N_MRU - 1;
	t = m->slot[m->hand];
	if (t == 0) {
		/* cold cache: keep the used slots contiguous */
		if (--m->tail < 0)
			m->tail = N_MRU - 1;
		t = m->slot[m->tail];
		m->slot[m->tail] = 0;
	}
	m->slot[kh] = t;
	m->slot[m->hand] = jc;
}

/* ids 0x80..0x87: calls, jumps and jcc (with 0x0f and 0x8N swapped),
 * each kind unfiltered, filtered, or coded as an index into the most
 * recently used destinations.  -1 when an index is impossible. */
static int unfilter_ctojr(uint8_t *b, uint32_t n, unsigned id, uint8_t cto)
{
	const unsigned low = (id & 0xf) + 1;
	const unsigned mode[3] = { low % 3, low / 3 % 3, low / 3 % 3 };
	const uint32_t ctow = (uint32_t)cto << 24;
	struct mru m;
	uint32_t ic, lastcall = 0;

	memset(&m, 0, sizeof(m));
	for (ic = 0; ic + 5 < n; ic++) {
		int which;
		uint32_t jc;

		if (b[ic] == 0xe8)
			which = 0;
		else if (b[ic] == 0xe9)
			which = 1;
		else if (ic != lastcall && ic > 0 && b[ic] == 0x0f &&
			 (b[ic - 1] & 0xf0) == 0x80)
			which = 2;
		else
			continue;
		if (b[ic + 1] != cto)
			continue;
		jc = be32(b + ic + 1) - ctow;
		if (mode[which] == 2 && (jc & 1)) {
			jc >>= 1;
			if (--m.hand < 0)
				m.hand = N_MRU - 1;
			m.slot[m.hand] = jc;
		} else if (mode[which] == 2) {
			int kh;

			if ((jc >> 1) >= N_MRU)
				return -1;
			kh = (int)(jc >> 1) + m.hand;
			if (kh >= N_MRU)
				kh -= N_MRU;
			jc = m.slot[kh];
			mru_touch(&m, jc, kh);
		}
		if (mode[which] != 0)
			set_le32(b + ic + 1, jc - ic - 1);
		if (which == 2 && mode[2] != 0) {
			uint8_t t = b[ic - 1];

			b[ic - 1] = b[ic];
			b[ic] = t;
		}
		if (mode[which] != 0) {
			ic += 4;
			lastcall = ic + 1;
		}
	}
	return 0;
}

/*
 * Undoes filter id over b[0..n).  Returns 0 when done (id 0 included),
 * 1 for a filter this code does not know (b unchanged), -1 when b cannot
 * be the output of the filter.
 */
static int unfilter(uint8_t *b, size_t n, unsigned id, uint8_t cto,
		    uint32_t addvalue)
{
	uint32_t len = (uint32_t)n;

	if (n > UINT32_MAX)
		return 1;
	switch (id) {
	case 0: return 0;
	case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16:
		unfilter_ct32(b, len, id, addvalue);
		return 0;
	case 0x24: unfilter_cto(b, len, C_E8, cto, addvalue); return 0;
	case 0x25: unfilter_cto(b, len, C_E9, cto, addvalue); return 0;
	case 0x26: case 0x36: case 0x46:
		unfilter_cto(b, len, C_E8 | C_E9, cto, addvalue);
		return 0;
	case 0x49:
		unfilter_cto(b, len, C_E8 | C_E9 | C_JCC, cto, addvalue);
		return 0;
	}
	if (id >= 0x80 && id <= 0x87 && addvalue == 0)
		return unfilter_ctojr(b, len, id, cto);
	return 1;
}

static bool filter_known(unsigned id)
{
	return id == 0 || (id >= 0x11 && id <= 0x16) ||
	       (id >= 0x24 && id <= 0x26) || id == 0x36 || id == 0x46 ||
	       id == 0x49 || (id >= 0x80 && id <= 0x87);
}

/* --------------------------------------------------------- PackHeader */

struct packhdr {
	size_t pos; /* of "UPX!" in the file */
	unsigned version, format, method, filter;
	uint8_t cto;
	uint32_t u_adler, c_adler, u_len, c_len;
};

enum { KIND_NONE, KIND_ELF, KIND_PE };

static int format_kind(unsigned f)
{
	switch (f) {
	case 9: case 21: case 36: case 43: case 44:
		return KIND_PE;
	case 10: case 12: case 14: case 20: case 22: case 23: case 24:
	case 25: case 26: case 30: case 39: case 42:
	case 132: case 133: case 137: case 140:
		return KIND_ELF;
	}
	return KIND_NONE;
}

/* Parses the PackHeader at p (avail bytes readable) if it is one UPX
 * would write since version 10 for an ELF or PE format. */
static bool ph_parse(const uint8_t *p, size_t avail, size_t pos,
		     struct packhdr *h)
{
	unsigned sum = 0, i;

	if (avail < 32 || memcmp(p, magic, 4) != 0)
		return false;
	if (p[4] < 10 || p[4] == 0xff || format_kind(p[5]) == KIND_NONE)
		return false;
	for (i = 4; i < 31; i++)
		sum += p[i];
	if (sum % 251 != p[31])
		return false;
	h->pos = pos;
	h->version = p[4];
	h->format = p[5];
	h->method = p[6];
	if (h->format < 128) {
		h->u_adler = le32(p + 8);
		h->c_adler = le32(p + 12);
		h->u_len = le32(p + 16);
		h->c_len = le32(p + 20);
	} else {
		h->u_len = be32(p + 8);
		h->c_len = be32(p + 12);
		h->u_adler = be32(p + 16);
		h->c_adler = be32(p + 20);
	}
	h->filter = p[28];
	h->cto = p[29];
	return h->u_len >= 2 && h->c_len >= 2;
}

/* Finds a valid PackHeader of the given kind starting in buf[lo..hi):
 * the last one when backward, else the first. */
static bool ph_find(const uint8_t *buf, size_t len, size_t lo, size_t hi,
		    int kind, bool backward, struct packhdr *h)
{
	size_t i, n;

	if (hi > len)
		hi = len;
	if (lo >= hi)
		return false;
	n = hi - lo;
	for (i = 0; i < n; i++) {
		size_t at = backward ? hi - 1 - i : lo + i;

		if (buf[at] == 'U' && ph_parse(buf + at, len - at, at, h) &&
		    format_kind(h->format) == kind)
			return true;
	}
	return false;
}

static void set_info(mde__upx_info *info, const char *kind, unsigned format,
		     unsigned method, unsigned version)
{
	if (!info)
		return;
	info->kind = kind;
	info->format = (int)format;
	info->method = (int)method;
	info->version = (int)version;
}

/* ---------------------------------------------------------------- ELF */

struct elf {
	size_t hdr_end; /* end of the program header table */
	bool be;
};

static bool elf_parse(const uint8_t *buf, size_t len, struct elf *e)
{
	uint64_t phoff;
	uint32_t phentsize, phnum;

	if (len < 64 || memcmp(buf, "\x7f" "ELF", 4) != 0)
		return false;
	e->be = buf[5] == 2;
	if (buf[4] == 2) {
		phoff = e->be ? (uint64_t)be32(buf + 32) << 32 | be32(buf + 36) :
				le64(buf + 32);
		phentsize = te16(buf + 54, e->be);
		phnum = te16(buf + 56, e->be);
	} else if (buf[4] == 1) {
		phoff = te32(buf + 28, e->be);
		phentsize = te16(buf + 42, e->be);
		phnum = te16(buf + 44, e->be);
	} else {
		return false;
	}
	if (phoff > len || (uint64_t)phentsize * phnum > len - phoff)
		return false;
	e->hdr_end = (size_t)phoff + (size_t)phentsize * phnum;
	return true;
}

/* Is there an l_info ("UPX!" at +4) just before p_info at pinfo? */
static bool l_info_at(const uint8_t *buf, size_t len, size_t pinfo)
{
	return pinfo >= 12 && pinfo <= len - 12 &&
	       memcmp(buf + pinfo - 8, magic, 4) == 0;
}

/* Offset of p_info: after the l_info the trailer points at, or after
 * the one that follows the program headers; 0 when neither is there. */
static size_t elf_pinfo(const uint8_t *buf, size_t len, const struct elf *e,
			const struct packhdr *ph)
{
	size_t at;

	if (len < 24)
		return 0;
	if (ph && ph->pos + ELF_HDR <= len) {
		at = te32(buf + ph->pos + 32, e->be);
		if (l_info_at(buf, len, at))
			return at;
		/* some UPX 4 versions left a blank l_info before the real one */
		if (at <= len - 24 && l_info_at(buf, len, at + 12))
			return at + 12;
	}
	at = e->hdr_end + 12;
	return l_info_at(buf, len, at) ? at : 0;
}

static int elf_detect(const uint8_t *buf, size_t len, mde__upx_info *info)
{
	struct packhdr ph;
	struct elf e;
	size_t at;

	if (!elf_parse(buf, len, &e))
		return 0;
	if (ph_find(buf, len, len > TAIL_SCAN ? len - TAIL_SCAN : 0, len,
		    KIND_ELF, true, &ph)) {
		set_info(info, "ELF", ph.format, ph.method, ph.version);
		return 1;
	}
	at = e.hdr_end + 12;
	if (!l_info_at(buf, len, at))
		return 0;
	/* l_version, l_format; the first b_info's method, if there */
	set_info(info, "ELF", buf[at - 1], at + 24 <= len ? buf[at + 20] : 0,
		 buf[at - 2]);
	return 1;
}

/* Walk over an ELF block chain. */
struct chain {
	const uint8_t *buf;
	size_t end;        /* blocks lie before this (the PackHeader) */
	size_t pos;        /* next b_info */
	uint32_t blocksize;
	size_t window;     /* how far to look past a loader */
	int resyncs;
	bool be;
};

struct block {
	const uint8_t *data;
	uint32_t unc, cpr;
	uint8_t method, ftid, cto;
};

static bool chain_end_at(const struct chain *c, size_t at)
{
	return at <= c->end - 12 && te32(c->buf + at, c->be) == 0 &&
	       memcmp(c->buf + at + 4, magic, 4) == 0;
}

/* Does a plausible b_info start at at?  Stored blocks have a zero third
 * word; compressed ones a method UPX has and a filter it uses. */
static bool block_at(const struct chain *c, size_t at, struct block *b)
{
	const uint8_t *p = c->buf + at;

	if (c->end < 12 || at > c->end - 12)
		return false;
	b->unc = te32(p, c->be);
	b->cpr = te32(p + 4, c->be);
	b->method = p[8];
	b->ftid = p[9];
	b->cto = p[10];
	b->data = p + 12;
	if (b->unc == 0 || b->cpr == 0 || b->cpr > b->unc ||
	    b->unc > c->blocksize || b->cpr > c->end - 12 - at)
		return false;
	if (b->cpr == b->unc)
		return le32(p + 8) == 0;
	return b->method >= 2 && b->method <= 16 && filter_known(b->ftid);
}

/* A place to continue after a loader: a block followed by another block
 * or by the end of the chain, or the end itself. */
static bool resync_at(const struct chain *c, size_t at)
{
	struct block b, next;

	if (chain_end_at(c, at))
		return true;
	if (!block_at(c, at, &b))
		return false;
	at += 12 + (size_t)b.cpr;
	return chain_end_at(c, at) || block_at(c, at, &next);
}

/* Next block: 1 (in *b), 0 at the end of the chain, -1 when lost. */
static int chain_next(struct chain *c, struct block *b)
{
	size_t q, stop;

	if (c->end < 12 || c->pos > c->end - 12)
		return -1;
	if (!chain_end_at(c, c->pos) && !block_at(c, c->pos, b)) {
		/* UPX 3.9x and 4 put the loader after the PT_LOAD blocks
		 * and the blocks of the gaps after it */
		if (++c->resyncs > MAX_RESYNC)
			return -1;
		stop = c->end - 12;
		if (stop - c->pos > c->window)
			stop = c->pos + c->window;
		for (q = c->pos + 1; q <= stop; q++)
			if (resync_at(c, q))
				break;
		if (q > stop)
			return -1;
		c->pos = q;
	}
	if (chain_end_at(c, c->pos))
		return 0;
	if (!block_at(c, c->pos, b))
		return -1;
	c->pos += 12 + (size_t)b->cpr;
	return 1;
}

/* Pass 1: total output size, and whether every method can be decoded. */
static int elf_measure(struct chain c, size_t max_out, size_t *total,
		       const char **why)
{
	struct block b;
	size_t sum = 0;
	int r;

	while ((r = chain_next(&c, &b)) == 1) {
		if (b.cpr < b.unc) {
			int st = method_check(b.method, why);

			if (st != MDE__UPX_OK)
				return st;
		}
		if (b.unc > max_out - sum) {
			*why = "upx: unpacked size over the limit";
			return MDE__UPX_LIMIT;
		}
		sum += b.unc;
	}
	if (r < 0 || sum == 0) {
		*why = "upx: broken block chain";
		return MDE__UPX_DAMAGED;
	}
	*total = sum;
	return MDE__UPX_OK;
}

/* Pass 2: decompress and unfilter every block, verifying the adler32s
 * against the PackHeader when there is one. */
static int elf_expand(struct chain c, const struct packhdr *ph, uint8_t *out,
		      size_t total, const char **why)
{
	uint32_t c_adler = 1, u_adler = 1;
	bool u_known = true;
	struct block b;
	size_t off = 0;
	int r;

	while ((r = chain_next(&c, &b)) == 1) {
		uint8_t *dst = out + off;

		if (b.unc > total - off)
			break; /* cannot happen: same walk as pass 1 */
		c_adler = adler32(c_adler, b.data, b.cpr);
		if (b.cpr == b.unc) {
			memcpy(dst, b.data, b.unc);
		} else {
			if (!decompress(b.method, b.data, b.cpr, dst, b.unc)) {
				*why = "upx: corrupt compressed block";
				return MDE__UPX_DAMAGED;
			}
			r = unfilter(dst, b.unc, b.ftid, b.cto, 0);
			if (r < 0) {
				*why = "upx: corrupt filtered block";
				return MDE__UPX_DAMAGED;
			}
			u_known = u_known && r == 0;
		}
		u_adler = adler32(u_adler, dst, b.unc);
		off += b.unc;
	}
	if (r != 0 || off != total) {
		*why = "upx: broken block chain";
		return MDE__UPX_DAMAGED;
	}
	if (ph && (c_adler != ph->c_adler ||
		   (u_known && u_adler != ph->u_adler))) {
		*why = "upx: checksum mismatch";
		return MDE__UPX_DAMAGED;
	}
	return MDE__UPX_OK;
}

static int elf_unpack(const uint8_t *buf, size_t len, size_t max_out,
		      uint8_t **out, size_t *outlen, const char **why)
{
	struct packhdr ph;
	struct chain c;
	struct elf e;
	bool have_ph;
	size_t pinfo, total = 0;
	uint8_t *o;
	int st;

	if (!elf_parse(buf, len, &e)) {
		*why = "upx: bad ELF header";
		return MDE__UPX_DAMAGED;
	}
	have_ph = ph_find(buf, len, len > TAIL_SCAN ? len - TAIL_SCAN : 0, len,
			  KIND_ELF, true, &ph);
	if (have_ph)
		e.be = ph.format >= 128;
	pinfo = elf_pinfo(buf, len, &e, have_ph ? &ph : NULL);
	if (pinfo == 0) {
		*why = "upx: no l_info/p_info";
		return MDE__UPX_DAMAGED;
	}
	memset(&c, 0, sizeof(c));
	c.buf = buf;
	c.be = e.be;
	c.pos = pinfo + 12;
	c.end = have_ph && ph.pos > c.pos ? ph.pos : len;
	c.blocksize = te32(buf + pinfo + 8, e.be);
	c.window = te16(buf + pinfo - 4, e.be) + RESYNC_SLACK;
	st = elf_measure(c, max_out, &total, why);
	if (st != MDE__UPX_OK)
		return st;
	o = malloc(total);
	if (!o) {
		*why = "upx: out of memory";
		return MDE__UPX_NOMEM;
	}
	st = elf_expand(c, have_ph ? &ph : NULL, o, total, why);
	if (st != MDE__UPX_OK) {
		free(o);
		return st;
	}
	*out = o;
	*outlen = total;
	return MDE__UPX_OK;
}

/* ----------------------------------------------------------------- PE */

struct pe {
	const uint8_t *sect; /* section table */
	unsigned nsect;
};

static bool pe_parse(const uint8_t *buf, size_t len, struct pe *pe)
{
	uint32_t off;
	size_t tab;

	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		return false;
	off = le32(buf + 0x3c);
	if (off > len || len - off < 24 || memcmp(buf + off, "PE\0\0", 4) != 0)
		return false;
	pe->nsect = le16(buf + off + 6);
	tab = (size_t)off + 24 + le16(buf + off + 20);
	if (tab > len || (size_t)pe->nsect * 40 > len - tab)
		pe->nsect = tab > len ? 0 : (unsigned)((len - tab) / 40);
	pe->sect = buf + tab;
	return true;
}

static bool pe_upx_names(const struct pe *pe)
{
	return pe->nsect >= 2 && memcmp(pe->sect, "UPX0", 5) == 0 &&
	       memcmp(pe->sect + 40, "UPX1", 5) == 0;
}

/* UPX reads 1 KiB from 64 bytes before the second section's raw data;
 * very old versions put the header in the third section. */
static bool pe_find_ph(const uint8_t *buf, size_t len, const struct pe *pe,
		       struct packhdr *ph)
{
	unsigned i;

	for (i = 1; i < 3 && i < pe->nsect; i++) {
		size_t raw = le32(pe->sect + 40 * i + 20);
		size_t lo = raw > 64 ? raw - 64 : 0;

		if (ph_find(buf, len, lo, lo + 1024, KIND_PE, false, ph))
			return true;
	}
	return ph_find(buf, len, 0, HEAD_SCAN, KIND_PE, false, ph);
}

static int pe_detect(const uint8_t *buf, size_t len, mde__upx_info *info)
{
	struct packhdr ph;
	struct pe pe;

	if (!pe_parse(buf, len, &pe))
		return 0;
	if (pe_find_ph(buf, len, &pe, &ph)) {
		set_info(info, "PE", ph.format, ph.method, ph.version);
		return 1;
	}
	if (!pe_upx_names(&pe))
		return 0;
	set_info(info, "PE", 0, 0, 0);
	return 1;
}

/*
 * Unfilters the original code section of a decompressed PE image.  The
 * last 4 bytes locate UPX's copy of the original PE header, whose code
 * base and size, less the first section's address, give the region and
 * the add value.  Anything that does not add up is left alone.
 */
static void pe_unfilter(uint8_t *o, size_t n, const struct packhdr *ph)
{
	size_t skip, hsize, need;
	uint32_t codesize, codebase, rvamin;
	const uint8_t *oh;

	if (n < 4)
		return;
	skip = le32(o + n - 4);
	if (skip > n - 4 || n - 4 - skip < 248 + 40)
		return;
	oh = o + skip;
	if (memcmp(oh, "PE\0\0", 4) != 0)
		return;
	hsize = le16(oh + 24) == 0x20b ? 264 : 248;
	need = hsize + 40 * (size_t)le16(oh + 6);
	if (le16(oh + 6) == 0 || need > n - 4 - skip)
		return;
	codesize = le32(oh + 28);
	codebase = le32(oh + 44);
	rvamin = le32(oh + hsize + 12);
	if (codebase < rvamin || codebase - rvamin > n ||
	    codesize > n - (codebase - rvamin))
		return;
	(void)unfilter(o + (codebase - rvamin), codesize, ph->filter, ph->cto,
		       codebase - rvamin);
}

/*
 * UPX0/UPX1 sections but no valid PackHeader: protectors and malware
 * authors scramble it to defeat "upx -d", leaving the stream in place at
 * the start of UPX1's raw data.  Try the methods UPX uses for PE, newest
 * first, and keep the first that decodes to its end code within the two
 * sections' memory.  With no checksum and no filter id to go by, the
 * output is what the stream gives, calls still filtered.
 */
static int pe_unpack_blind(const uint8_t *buf, size_t len, const struct pe *pe,
			   size_t max_out, uint8_t **out, size_t *outlen,
			   const char **why)
{
	static const unsigned methods[] = { 8, 2, 5 };
	uint64_t cap = (uint64_t)le32(pe->sect + 8) + le32(pe->sect + 48);
	size_t raw = le32(pe->sect + 60), size = le32(pe->sect + 56);
	size_t i, olen, ilen;
	uint8_t *o, *small;

	*why = "upx: no PackHeader, and no stream found";
	if (raw >= len || cap == 0)
		return MDE__UPX_DAMAGED;
	if (size > len - raw)
		size = len - raw;
	if (cap > max_out) {
		*why = "upx: unpacked size over the limit";
		return MDE__UPX_LIMIT;
	}
	o = malloc((size_t)cap);
	if (!o) {
		*why = "upx: out of memory";
		return MDE__UPX_NOMEM;
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (nrv_fns[methods[i] - 2](buf + raw, size, o, (size_t)cap,
					    &olen, &ilen) != 0 || olen == 0)
			continue;
		small = realloc(o, olen);
		*out = small ? small : o;
		*outlen = olen;
		*why = NULL;
		return MDE__UPX_OK;
	}
	free(o);
	return MDE__UPX_DAMAGED;
}

static int pe_unpack(const uint8_t *buf, size_t len, size_t max_out,
		     uint8_t **out, size_t *outlen, const char **why)
{
	struct packhdr ph;
	struct pe pe;
	const uint8_t *src;
	uint8_t *o;
	int st;

	if (!pe_parse(buf, len, &pe)) {
		*why = "upx: bad PE header";
		return MDE__UPX_DAMAGED;
	}
	if (!pe_find_ph(buf, len, &pe, &ph))
		return pe_upx_names(&pe) ?
		       pe_unpack_blind(buf, len, &pe, max_out, out, outlen,
				       why) :
		       MDE__UPX_DAMAGED;
	st = method_check(ph.method, why);
	if (st != MDE__UPX_OK)
		return st;
	if (ph.c_len > len - ph.pos - 32) {
		*why = "upx: compressed data truncated";
		return MDE__UPX_DAMAGED;
	}
	if (ph.u_len > max_out) {
		*why = "upx: unpacked size over the limit";
		return MDE__UPX_LIMIT;
	}
	src = buf + ph.pos + 32;
	if (adler32(1, src, ph.c_len) != ph.c_adler) {
		*why = "upx: checksum mismatch";
		return MDE__UPX_DAMAGED;
	}
	o = malloc(ph.u_len);
	if (!o) {
		*why = "upx: out of memory";
		return MDE__UPX_NOMEM;
	}
	if (!decompress(ph.method, src, ph.c_len, o, ph.u_len) ||
	    adler32(1, o, ph.u_len) != ph.u_adler) {
		free(o);
		*why = "upx: corrupt compressed data";
		return MDE__UPX_DAMAGED;
	}
	if (ph.filter)
		pe_unfilter(o, ph.u_len, &ph);
	*out = o;
	*outlen = ph.u_len;
	return MDE__UPX_OK;
}

/* ---------------------------------------------------------- interface */

int mde__upx_detect(const uint8_t *buf, size_t len, mde__upx_info *info)
{
	set_info(info, NULL, 0, 0, 0);
	if (!buf || len < 4)
		return 0;
	if (buf[0] == 0x7f)
		return elf_detect(buf, len, info);
	if (buf[0] == 'M')
		return pe_detect(buf, len, info);
	return 0;
}

int mde__upx_unpack(const uint8_t *buf, size_t len, const mde__upx_info *info,
		    size_t max_out, uint8_t **out, size_t *outlen,
		    const char **why)
{
	mde__upx_info now;

	(void)info; /* re-derived below: a stale info must not mislead */
	*out = NULL;
	*outlen = 0;
	*why = NULL;
	if (!mde__upx_detect(buf, len, &now)) {
		*why = "upx: not a UPX-packed ELF or PE file";
		return MDE__UPX_UNSUPPORTED;
	}
	if (now.kind[0] == 'E')
		return elf_unpack(buf, len, max_out, out, outlen, why);
	return pe_unpack(buf, len, max_out, out, outlen, why);
}
