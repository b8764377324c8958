/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exe_vinfo.c - the version-information strings of a PE (VS_VERSIONINFO
 * in the RT_VERSION resources): the file offset of every String entry's
 * key, where a ClamAV "VI" signature must start (the UTF-16 key, its
 * terminator, padding and the value).
 *
 * The resource tree is type / name / language; every version resource of
 * every name and language is read.  Blocks nest as VS_VERSIONINFO >
 * StringFileInfo > StringTable > String, each a length-prefixed header,
 * a UTF-16 key and 32-bit aligned children; every length is checked
 * against its parent.
 */
#include "config.h"

#include <string.h>

#include "mde_int.h"
#include "exe.h"
#include "banned.h"

#define RT_VERSION 16
#define RES_MAXENT 64 /* entries read per directory */

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static int inside(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* Offset just past the NUL-terminated UTF-16 key at off, below end. */
static uint64_t key_end(const uint8_t *buf, uint64_t off, uint64_t end)
{
	for (; off + 2 <= end; off += 2)
		if (buf[off] == 0 && buf[off + 1] == 0)
			return off + 2;
	return 0;
}

static int key_is(const uint8_t *buf, uint64_t off, uint64_t end,
		  const char *ascii)
{
	size_t i, n = strlen(ascii);

	if (off + 2 * (n + 1) > end)
		return 0;
	for (i = 0; i <= n; i++)
		if (buf[off + 2 * i] != (uint8_t)ascii[i] ||
		    buf[off + 2 * i + 1] != 0)
			return 0;
	return 1;
}

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~(uint64_t)3;
}

/*
 * Walks the block at off (inside [off, end)); level 0 VS_VERSIONINFO,
 * 1 StringFileInfo, 2 StringTable, 3 String (recorded).
 */
static void walk_block(const uint8_t *buf, uint64_t off, uint64_t end,
		       int level, mde__exe *x)
{
	uint64_t blen, vlen, kend, child, bend;

	if (off + 6 > end)
		return;
	blen = rd16(buf + off);
	vlen = rd16(buf + off + 2);
	if (blen < 6 || off + blen > end)
		return;
	bend = off + blen;
	if (level == 3) {
		if (x->nvi < MDE__EXE_MAXVI)
			x->vi[x->nvi++] = off + 6;
		return;
	}
	if (level == 1 && !key_is(buf, off + 6, bend, "StringFileInfo"))
		return;
	kend = key_end(buf, off + 6, bend);
	if (!kend)
		return;
	/* only VS_VERSIONINFO has a value among the levels walked */
	child = align4(kend) + (level == 0 ? vlen : 0);
	for (child = align4(child); child + 6 <= bend;) {
		uint64_t clen = rd16(buf + child);

		if (clen < 6)
			break;
		walk_block(buf, child, bend, level + 1, x);
		child = align4(child + clen);
	}
}

/* The entries of the resource directory at dir (relative to the
 * resource base); subdirectory entries have their high bit set. */
static uint32_t res_entries(const uint8_t *buf, size_t len, uint64_t base,
			    uint64_t dir, uint64_t *ent)
{
	uint64_t p = base + dir;
	uint32_t n;

	if (!inside(p, 16, len))
		return 0;
	n = rd16(buf + p + 12) + rd16(buf + p + 14);
	if (n > RES_MAXENT)
		n = RES_MAXENT;
	while (n && !inside(p + 16, 8ull * n, len))
		n--;
	*ent = p + 16;
	return n;
}

static void version_data(const uint8_t *buf, size_t len, mde__exe *x,
			 uint64_t base, uint64_t dataent)
{
	uint64_t p = base + dataent, off, size;

	if (!inside(p, 16, len) ||
	    mde__exe_rva2off(x, rd32(buf + p), len, &off) < 0)
		return;
	size = rd32(buf + p + 4);
	if (!inside(off, size, len))
		size = len - off;
	if (key_is(buf, off + 6, off + size, "VS_VERSION_INFO"))
		walk_block(buf, off, off + size, 0, x);
}

/* Below type RT_VERSION: names, then languages, then data entries. */
static void version_tree(const uint8_t *buf, size_t len, mde__exe *x,
			 uint64_t base, uint64_t dir, int depth)
{
	uint64_t ent;
	uint32_t i, n = res_entries(buf, len, base, dir, &ent);

	for (i = 0; i < n; i++) {
		uint32_t to = rd32(buf + ent + 8ull * i + 4);

		if (depth < 2 && (to & 0x80000000u))
			version_tree(buf, len, x, base, to & 0x7fffffffu,
				     depth + 1);
		else if (depth == 2 && !(to & 0x80000000u))
			version_data(buf, len, x, base, to);
	}
}

void mde__exe_pe_vinfo(const uint8_t *buf, size_t len, mde__exe *x)
{
	uint64_t base, ent;
	uint32_t i, n;

	if (!x->res_rva || !x->res_size ||
	    mde__exe_rva2off(x, x->res_rva, len, &base) < 0)
		return;
	n = res_entries(buf, len, base, 0, &ent);
	for (i = 0; i < n; i++) {
		uint32_t id = rd32(buf + ent + 8ull * i);
		uint32_t to = rd32(buf + ent + 8ull * i + 4);

		if (id == RT_VERSION && (to & 0x80000000u))
			version_tree(buf, len, x, base, to & 0x7fffffffu, 1);
	}
}
