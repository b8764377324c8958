/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pe.c - PE headers, the overlay and the resource directory (pe.h).
 *
 * Kept to what the archive stage needs to find a second executable or an
 * archive inside a PE file; the fields read are the Windows loader's: the
 * section table's raw offsets and sizes, the optional header's file
 * alignment and data directories (resources, certificate), the COFF
 * header's symbol table.
 */
#include "config.h"

#include <string.h>

#include "pe.h"
#include "banned.h"

#define DIR_RESOURCE 2
#define DIR_SECURITY 4

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

/* Data directory i: (a, n), or zeros when the header has none. */
static void data_dir(const mde__pe *pe, uint32_t optsz, unsigned i,
		     uint32_t *a, uint32_t *n)
{
	const uint8_t *opt = pe->buf + pe->off + 24;
	uint32_t first = pe->pe64 ? 112 : 96;
	uint32_t count = le32(opt + first - 4);

	*a = *n = 0;
	if (i >= count || first + 8 * (i + 1) > optsz)
		return;
	*a = le32(opt + first + 8 * i);
	*n = le32(opt + first + 8 * i + 4);
}

/* The end of the furthest section's raw data in the file. */
static size_t sect_end(const mde__pe *pe)
{
	size_t end = 0;
	unsigned i;

	for (i = 0; i < pe->nsect; i++) {
		const uint8_t *s = pe->sect + 40 * i;
		uint64_t e = (uint64_t)le32(s + 20) + le32(s + 16);

		if (le32(s + 16) && e > end)
			end = e < pe->len ? (size_t)e : pe->len;
	}
	return end;
}

/* A COFF symbol table (an unstripped MinGW program's) where the overlay
 * starts, and the string table after it: not a payload. */
static void skip_symbols(mde__pe *pe)
{
	uint64_t sym = le32(pe->buf + pe->off + 12);
	uint64_t end = sym + (uint64_t)le32(pe->buf + pe->off + 16) * 18;

	if (sym < pe->ovl || sym - pe->ovl >= 512 || end + 4 > pe->ovl_end)
		return;
	end += le32(pe->buf + end);
	if (end <= pe->ovl_end)
		pe->ovl = (size_t)end;
}

/* An Authenticode certificate (its directory holds a file offset) that
 * ends the file, padding allowed: not a payload either. */
static void skip_certificate(mde__pe *pe, uint32_t optsz)
{
	uint32_t at, n;

	data_dir(pe, optsz, DIR_SECURITY, &at, &n);
	if (n && at >= pe->ovl && at < pe->ovl_end &&
	    (uint64_t)at + n + 8 >= pe->ovl_end)
		pe->ovl_end = at;
}

int mde__pe_parse(const uint8_t *buf, size_t len, mde__pe *pe)
{
	uint32_t off, optsz, magic;
	size_t tab;

	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		return 0;
	off = le32(buf + 0x3c);
	if (off > len || len - off < 24 + 96 || memcmp(buf + off, "PE\0\0", 4))
		return 0;
	memset(pe, 0, sizeof(*pe));
	pe->buf = buf;
	pe->len = len;
	pe->off = off;
	pe->nsect = le16(buf + off + 6);
	optsz = le16(buf + off + 20);
	magic = le16(buf + off + 24);
	if ((magic != 0x10b && magic != 0x20b) || optsz < 96 ||
	    pe->nsect > MDE__PE_MAXSECT)
		return 0;
	pe->pe64 = magic == 0x20b;
	tab = (size_t)off + 24 + optsz;
	if (tab > len || (size_t)pe->nsect * 40 > len - tab)
		return 0;
	pe->sect = buf + tab;
	pe->falign = le32(buf + off + 24 + 36);
	pe->ovl = pe->nsect ? sect_end(pe) : len;
	if (pe->ovl < tab + (size_t)pe->nsect * 40)
		pe->ovl = len;
	pe->ovl_end = len;
	skip_certificate(pe, optsz);
	skip_symbols(pe);
	data_dir(pe, optsz, DIR_RESOURCE, &pe->res_rva, &pe->res_size);
	return 1;
}

int mde__pe_nonzero(const uint8_t *buf, size_t off, size_t end)
{
	uint64_t w;

	for (; off < end && (off & 7); off++)
		if (buf[off])
			return 1;
	for (; end - off >= 8; off += 8) {
		memcpy(&w, buf + off, 8);
		if (w)
			return 1;
	}
	for (; off < end; off++)
		if (buf[off])
			return 1;
	return 0;
}

/* The file offset of rva and how many bytes of its section follow it. */
static int rva_span(const mde__pe *pe, uint32_t rva, size_t *off,
		    size_t *avail)
{
	unsigned i;

	for (i = 0; i < pe->nsect; i++) {
		const uint8_t *s = pe->sect + 40 * i;
		uint32_t va = le32(s + 12), rsz = le32(s + 16);
		uint32_t raw = le32(s + 20);

		if (rva < va || rva - va >= rsz || raw > pe->len)
			continue;
		*off = (size_t)raw + (rva - va);
		if (*off >= pe->len)
			continue;
		*avail = rsz - (rva - va);
		if (*avail > pe->len - *off)
			*avail = pe->len - *off;
		return 0;
	}
	return -1;
}

int mde__pe_rva2off(const mde__pe *pe, uint32_t rva, uint32_t n,
		    size_t *off)
{
	size_t avail;

	if (rva_span(pe, rva, off, &avail) < 0 || n > avail)
		return -1;
	return 0;
}
