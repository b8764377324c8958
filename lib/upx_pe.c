/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx_pe.c - UPX-packed Windows PE programs (PE32 and PE32+): sections
 * UPX0 and UPX1, the PackHeader where UPX1's raw data starts and one
 * compressed stream after it (NRV2B/D/E or LZMA).  The stream is the
 * image with UPX's extra-info trailer; its code section is unfiltered and
 * the PE file rebuilt from it (upx_pe_rebuild.c).  A stream without a
 * trailer that holds together is handed over as it is.  A scrambled
 * PackHeader (protectors do that to defeat "upx -d") leaves the stream to
 * be found by trying the methods.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "upx_int.h"
#include "banned.h"

#define HEAD_SCAN 4096  /* the PE PackHeader is in the headers */

struct pe {
	const uint8_t *sect; /* section table */
	unsigned nsect;
	uint32_t off;        /* of the PE header */
};

/* Where the overlay starts: the end of the sections' raw data, aligned
 * up to the file alignment (UPX measures the last section only; the
 * furthest one is the same on its files and safer on others). */
static size_t pe_overlay(const uint8_t *buf, size_t len, const struct pe *pe)
{
	uint64_t end = 0, falign;
	unsigned i;

	if (len - pe->off < 64)
		return len;
	for (i = 0; i < pe->nsect; i++) {
		const uint8_t *s = pe->sect + 40 * i;
		uint64_t e = (uint64_t)le32(s + 20) + le32(s + 16);

		if (e > end)
			end = e;
	}
	falign = le32(buf + pe->off + 60);
	if (falign > 1)
		end = (end + falign - 1) / falign * falign;
	return end < len ? (size_t)end : len;
}

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
	pe->off = off;
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

		if (mde__upx_ph_find(buf, len, lo, lo + 1024, KIND_PE, false,
				     ph))
			return true;
	}
	return mde__upx_ph_find(buf, len, 0, HEAD_SCAN, KIND_PE, false, ph);
}

int mde__upx_pe_detect(const uint8_t *buf, size_t len, mde__upx_info *info)
{
	struct packhdr ph;
	struct pe pe;

	if (!pe_parse(buf, len, &pe))
		return 0;
	if (pe_find_ph(buf, len, &pe, &ph)) {
		mde__upx_set_info(info, "PE", ph.format, ph.method, ph.version);
		return 1;
	}
	if (!pe_upx_names(&pe))
		return 0;
	mde__upx_set_info(info, "PE", 0, 0, 0);
	return 1;
}

/*
 * Unfilters the original code section of a decompressed PE image: the
 * original header's code base and size, less the first section's
 * address, give the region and the add value.  Anything that does not add
 * up is left alone.
 */
static void pe_unfilter(uint8_t *o, size_t n, const struct packhdr *ph,
			const struct pe_trailer *t)
{
	uint32_t codesize = le32(t->hdr + 28), codebase = le32(t->hdr + 44);

	if (codebase < t->rvamin || codebase - t->rvamin > n ||
	    codesize > n - (codebase - t->rvamin))
		return;
	(void)mde__upx_unfilter(o + (codebase - t->rvamin), codesize,
				ph->filter, ph->cto, codebase - t->rvamin);
}

/* Hands over the image o[0..n) (ours to free): as a PE file rebuilt when
 * its trailer holds together, else as it is. */
static int pe_finish(const uint8_t *buf, size_t len, const struct pe *pe,
		     uint8_t *o, size_t n, size_t max_out, uint8_t **out,
		     size_t *outlen, const char **why)
{
	struct pe_trailer t;
	int st;

	if (!mde__upx_pe_trailer(o, n, &t)) {
		*out = o;
		*outlen = n;
		*why = NULL;
		return MDE__UPX_OK;
	}
	st = mde__upx_pe_rebuild(buf, len, pe_overlay(buf, len, pe), o, n, &t,
				 max_out, out, outlen, why);
	free(o);
	if (st == MDE__UPX_OK)
		*why = NULL;
	return st;
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
		if (mde__upx_nrv(methods[i], buf + raw, size, o, (size_t)cap,
				 &olen, &ilen) != 0 ||
		    olen == 0)
			continue;
		small = realloc(o, olen);
		return pe_finish(buf, len, pe, small ? small : o, olen,
				 max_out, out, outlen, why);
	}
	free(o);
	return MDE__UPX_DAMAGED;
}

int mde__upx_pe_unpack(const uint8_t *buf, size_t len, size_t max_out,
		     uint8_t **out, size_t *outlen, const char **why)
{
	struct packhdr ph;
	struct pe_trailer t;
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
	st = mde__upx_method_check(ph.method, why);
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
	if (mde__upx_adler32(1, src, ph.c_len) != ph.c_adler) {
		*why = "upx: checksum mismatch";
		return MDE__UPX_DAMAGED;
	}
	o = malloc(ph.u_len);
	if (!o) {
		*why = "upx: out of memory";
		return MDE__UPX_NOMEM;
	}
	if (!mde__upx_decompress(ph.method, src, ph.c_len, o, ph.u_len) ||
	    mde__upx_adler32(1, o, ph.u_len) != ph.u_adler) {
		free(o);
		*why = "upx: corrupt compressed data";
		return MDE__UPX_DAMAGED;
	}
	if (ph.filter && mde__upx_pe_trailer(o, ph.u_len, &t))
		pe_unfilter(o, ph.u_len, &ph, &t);
	return pe_finish(buf, len, &pe, o, ph.u_len, max_out, out, outlen,
			 why);
}

