/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx_elf.c - UPX-packed Linux ELF programs: l_info and p_info after the
 * program headers, then a chain of blocks (b_info and the compressed
 * bytes) that UPX 3.9x and 4 interrupt with the loader, ended by an
 * empty b_info and followed by the PackHeader.  The blocks are measured
 * first, against the caller's limit, then decompressed, unfiltered and
 * checked against the PackHeader's checksums.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "upx_int.h"
#include "banned.h"

#define TAIL_SCAN 4096  /* the ELF PackHeader is in the last bytes */
#define ELF_HDR 36      /* PackHeader + offset of p_info */
#define MAX_RESYNC 2    /* loader islands in one ELF block chain */
#define RESYNC_SLACK 4096

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
		phoff = e->be ? (uint64_t)be32(buf + 32) << 32 |
					be32(buf + 36)
			      : le64(buf + 32);
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
	       memcmp(buf + pinfo - 8, UPX_MAGIC, 4) == 0;
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
		/* some UPX 4 versions left a blank l_info before the
		 * real one */
		if (at <= len - 24 && l_info_at(buf, len, at + 12))
			return at + 12;
	}
	at = e->hdr_end + 12;
	return l_info_at(buf, len, at) ? at : 0;
}

/* The ELF PackHeader, in the last bytes of the file. */
static bool ph_tail(const uint8_t *buf, size_t len, struct packhdr *ph)
{
	return mde__upx_ph_find(buf, len, len > TAIL_SCAN ? len - TAIL_SCAN : 0,
				len, KIND_ELF, true, ph);
}

int mde__upx_elf_detect(const uint8_t *buf, size_t len, mde__upx_info *info)
{
	struct packhdr ph;
	struct elf e;
	size_t at;

	if (!elf_parse(buf, len, &e))
		return 0;
	if (ph_tail(buf, len, &ph)) {
		mde__upx_set_info(info, "ELF", ph.format, ph.method,
				  ph.version);
		return 1;
	}
	at = e.hdr_end + 12;
	if (!l_info_at(buf, len, at))
		return 0;
	/* l_version, l_format; the first b_info's method, if there */
	mde__upx_set_info(info, "ELF", buf[at - 1],
			  at + 24 <= len ? buf[at + 20] : 0, buf[at - 2]);
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
	       memcmp(c->buf + at + 4, UPX_MAGIC, 4) == 0;
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
	return b->method >= 2 && b->method <= 16 &&
	       mde__upx_filter_known(b->ftid);
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
			int st = mde__upx_method_check(b.method, why);

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
		c_adler = mde__upx_adler32(c_adler, b.data, b.cpr);
		if (b.cpr == b.unc) {
			memcpy(dst, b.data, b.unc);
		} else {
			if (!mde__upx_decompress(b.method, b.data, b.cpr, dst,
						 b.unc)) {
				*why = "upx: corrupt compressed block";
				return MDE__UPX_DAMAGED;
			}
			r = mde__upx_unfilter(dst, b.unc, b.ftid, b.cto, 0);
			if (r < 0) {
				*why = "upx: corrupt filtered block";
				return MDE__UPX_DAMAGED;
			}
			u_known = u_known && r == 0;
		}
		u_adler = mde__upx_adler32(u_adler, dst, b.unc);
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

int mde__upx_elf_unpack(const uint8_t *buf, size_t len, size_t max_out,
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
	have_ph = ph_tail(buf, len, &ph);
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

