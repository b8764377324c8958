/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx_pe_rebuild.c - the unpacked image of a UPX-packed PE made a PE
 * file again, laid out as "upx -d" writes it, so that what a scanner
 * expects of a PE (sections at their raw offsets, the entry point, the
 * section table) holds for signatures on the unpacked program.
 *
 * UPX appends to the image it compresses an "extra-info" trailer: the
 * original PE header (248 bytes for PE32, 264 for PE32+), the original
 * section table, the offsets of its own import, relocation and resource
 * data, and, in the last 4 bytes, the trailer's own offset.  The file is:
 * the packed file's DOS stub (UPX copies the original's), that header and
 * section table, zeros up to the first section's raw data, each section's
 * raw bytes taken from the image at its address, then the packed file's
 * overlay.  Imports, relocations and resources are left as UPX stored
 * them in the image (not rebuilt): code and data are where they were.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "upx_int.h"
#include "banned.h"

#define MAX_SECT 96     /* the Windows loader's limit, and ClamAV's */

static uint64_t align_up(uint64_t v, uint32_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

bool mde__upx_pe_trailer(const uint8_t *o, size_t n, struct pe_trailer *t)
{
	size_t skip, room;

	if (n < 4)
		return false;
	skip = le32(o + n - 4);
	if (skip > n - 4)
		return false;
	room = n - 4 - skip;
	t->hdr = o + skip;
	if (room < 248 + 40 || memcmp(t->hdr, "PE\0\0", 4) != 0)
		return false;
	t->hsize = le16(t->hdr + 24) == 0x20b ? 264 : 248;
	t->nsect = le16(t->hdr + 6);
	if (t->nsect == 0 || t->nsect > MAX_SECT ||
	    (size_t)t->hsize + 40 * (size_t)t->nsect > room)
		return false;
	t->sect = t->hdr + t->hsize;
	t->rvamin = le32(t->sect + 12);
	return true;
}

/* Where section i's raw data goes, given the end of what is written so
 * far: at its raw offset, or right after the previous one as upx -d
 * writes it when the offsets go backwards. */
static uint64_t sect_pos(const struct pe_trailer *t, unsigned i,
			 uint64_t cur)
{
	uint64_t raw = le32(t->sect + 40 * i + 20);

	return raw > cur ? raw : cur;
}

static uint64_t sect_len(const struct pe_trailer *t, unsigned i,
			 uint32_t falign)
{
	return align_up(le32(t->sect + 40 * i + 16), falign);
}

/* The size of the file rebuilt (the overlay not counted). */
static uint64_t rebuilt_size(const struct pe_trailer *t, size_t stub,
			     uint32_t falign)
{
	uint64_t end = stub + t->hsize + 40 * (uint64_t)t->nsect;
	unsigned i;

	for (i = 0; i < t->nsect; i++)
		if (le32(t->sect + 40 * i + 20) != 0)
			end = sect_pos(t, i, end) + sect_len(t, i, falign);
	return end;
}

/* Copies what of the image [va - rvamin, + len) the output has; the
 * rest (beyond the image, or before its start) stays zero. */
static void copy_sect(uint8_t *dst, const uint8_t *img, size_t ilen,
		      uint64_t rva, uint64_t len)
{
	if (rva >= ilen)
		return;
	if (len > ilen - rva)
		len = ilen - rva;
	memcpy(dst, img + rva, (size_t)len);
}

int mde__upx_pe_rebuild(const uint8_t *buf, size_t len, size_t overlay,
			const uint8_t *img, size_t ilen,
			const struct pe_trailer *t, size_t max_out,
			uint8_t **out, size_t *outlen, const char **why)
{
	uint32_t falign = le32(t->hdr + 60);
	size_t stub = le32(buf + 0x3c), ovl = len - overlay;
	uint64_t total, pos;
	uint8_t *o;
	unsigned i;

	total = rebuilt_size(t, stub, falign);
	if (total > max_out || ovl > max_out - total) {
		*why = "upx: unpacked size over the limit";
		return MDE__UPX_LIMIT;
	}
	o = calloc(1, (size_t)(total + ovl) ? (size_t)(total + ovl) : 1);
	if (!o) {
		*why = "upx: out of memory";
		return MDE__UPX_NOMEM;
	}
	memcpy(o, buf, stub);
	memcpy(o + stub, t->hdr, t->hsize + 40 * (size_t)t->nsect);
	pos = stub + t->hsize + 40 * (uint64_t)t->nsect;
	for (i = 0; i < t->nsect; i++) {
		uint32_t va = le32(t->sect + 40 * i + 12);

		if (le32(t->sect + 40 * i + 20) == 0)
			continue;
		pos = sect_pos(t, i, pos);
		if (va >= t->rvamin)
			copy_sect(o + pos, img, ilen, va - t->rvamin,
				  sect_len(t, i, falign));
		pos += sect_len(t, i, falign);
	}
	memcpy(o + total, buf + overlay, ovl);
	*out = o;
	*outlen = (size_t)(total + ovl);
	return MDE__UPX_OK;
}
