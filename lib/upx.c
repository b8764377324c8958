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
 *               end of the output (its offset is the last 4 bytes), from
 *               which the PE file is rebuilt (upx_pe_rebuild.c).
 *   LZMA        two bytes of properties ((lc + lp) << 3 | pb, lp << 4 |
 *               lc), then raw LZMA1 with no end marker (upx_lzma.c).
 *   NRV2B/D/E   LZ77 with a bit stream interleaved with literal bytes: the
 *               decoder fetches an 8-, 16- or 32-bit word whenever it has
 *               used up the previous one.  Offsets are a gamma-coded high
 *               part plus a byte, with "same offset as last time" coded
 *               as 2; a high part of 0x1000002 with byte 0xff ends it.
 *
 * Everything here distrusts the file: offsets are checked before use, the
 * decoders bound each loop, and sizes are summed and compared with the
 * caller's limit before anything is allocated.
 *
 * Files: this one reads the PackHeader and dispatches; upx_nrv.c
 * decompresses (upx_lzma.c the LZMA method), upx_filter.c unfilters,
 * upx_elf.c and upx_pe.c know the two formats, upx_pe_rebuild.c makes a
 * PE file of an unpacked image.
 */
#include "config.h"

#define _GNU_SOURCE 1 /* memrchr; the fuzz build has an empty config.h */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "upx_int.h"
#include "banned.h"

/* --------------------------------------------------------- PackHeader */

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

	if (avail < 32 || memcmp(p, UPX_MAGIC, 4) != 0)
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
bool mde__upx_ph_find(const uint8_t *buf, size_t len, size_t lo, size_t hi,
		      int kind, bool backward, struct packhdr *h)
{
	const uint8_t *p;

	if (hi > len)
		hi = len;
	if (lo >= hi)
		return false;
	/* every ELF file and member is looked at: memchr, not a loop */
	while (lo < hi && (p = backward ? memrchr(buf + lo, 'U', hi - lo)
				       : memchr(buf + lo, 'U', hi - lo))) {
		size_t at = (size_t)(p - buf);

		if (ph_parse(p, len - at, at, h) &&
		    format_kind(h->format) == kind)
			return true;
		if (backward)
			hi = at;
		else
			lo = at + 1;
	}
	return false;
}

void mde__upx_set_info(mde__upx_info *info, const char *kind,
		       unsigned format, unsigned method, unsigned version)
{
	if (!info)
		return;
	info->kind = kind;
	info->format = (int)format;
	info->method = (int)method;
	info->version = (int)version;
}


/* ---------------------------------------------------------- interface */

int mde__upx_detect(const uint8_t *buf, size_t len, mde__upx_info *info)
{
	mde__upx_set_info(info, NULL, 0, 0, 0);
	if (!buf || len < 4)
		return 0;
	if (buf[0] == 0x7f)
		return mde__upx_elf_detect(buf, len, info);
	if (buf[0] == 'M')
		return mde__upx_pe_detect(buf, len, info);
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
		return mde__upx_elf_unpack(buf, len, max_out, out, outlen, why);
	return mde__upx_pe_unpack(buf, len, max_out, out, outlen, why);
}
