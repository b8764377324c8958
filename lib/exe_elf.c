/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exe_elf.c - ELF and Mach-O headers: the entry point as a file offset
 * and the sections, for the ClamAV offsets EP+n, Sx+n, SL+n and SEx.
 *
 * ELF: the entry address is mapped through the first program header
 * covering it (its memory size, as ClamAV does); sections are the section
 * headers, in order.  Mach-O: sections of every segment in load-command
 * order; the entry point from LC_UNIXTHREAD (an address, mapped through
 * the sections), for 32-bit x86 thread states only.  ClamAV 1.4 reads
 * neither LC_MAIN nor an x86-64 thread state, so neither does this: EP
 * offsets do not apply to such Mach-O files.
 */
#include "config.h"

#include <string.h>

#include "mde_int.h"
#include "exe.h"
#include "banned.h"

/* A field reader of either byte order. */
struct rd {
	const uint8_t *buf;
	size_t len;
	int be;
};

static int inside(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

static uint64_t get(const struct rd *r, uint64_t off, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	if (!inside(off, n, r->len))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned k = r->be ? i : n - 1 - i;

		v = v << 8 | r->buf[off + k];
	}
	return v;
}

/* ------------------------------------------------------------------ ELF */

struct elf_hdr {
	int is64;
	uint64_t entry, phoff, shoff;
	uint32_t phentsize, phnum, shentsize, shnum;
};

static int elf_header(const struct rd *r, struct elf_hdr *h)
{
	h->is64 = r->buf[4] == 2;
	if ((r->buf[4] != 1 && r->buf[4] != 2) ||
	    (r->buf[5] != 1 && r->buf[5] != 2))
		return -1;
	if (!inside(0, h->is64 ? 64 : 52, r->len))
		return -1;
	if (h->is64) {
		h->entry = get(r, 24, 8);
		h->phoff = get(r, 32, 8);
		h->shoff = get(r, 40, 8);
		h->phentsize = (uint32_t)get(r, 54, 2);
		h->phnum = (uint32_t)get(r, 56, 2);
		h->shentsize = (uint32_t)get(r, 58, 2);
		h->shnum = (uint32_t)get(r, 60, 2);
	} else {
		h->entry = get(r, 24, 4);
		h->phoff = get(r, 28, 4);
		h->shoff = get(r, 32, 4);
		h->phentsize = (uint32_t)get(r, 42, 2);
		h->phnum = (uint32_t)get(r, 44, 2);
		h->shentsize = (uint32_t)get(r, 46, 2);
		h->shnum = (uint32_t)get(r, 48, 2);
	}
	return 0;
}

static void elf_entry(const struct rd *r, const struct elf_hdr *h,
		      mde__exe *x)
{
	uint32_t i, need = h->is64 ? 56 : 32;

	if (h->phentsize < need)
		return;
	for (i = 0; i < h->phnum; i++) {
		uint64_t p = h->phoff + (uint64_t)i * h->phentsize;
		uint64_t off, vaddr, memsz;

		if (!inside(p, need, r->len))
			return;
		off = get(r, p + (h->is64 ? 8 : 4), h->is64 ? 8 : 4);
		vaddr = get(r, p + (h->is64 ? 16 : 8), h->is64 ? 8 : 4);
		memsz = get(r, p + (h->is64 ? 40 : 20), h->is64 ? 8 : 4);
		if (vaddr <= h->entry && h->entry - vaddr < memsz) {
			x->ep = h->entry - vaddr + off;
			x->has_ep = x->ep < r->len;
			return;
		}
	}
}

static void elf_sections(const struct rd *r, const struct elf_hdr *h,
			 mde__exe *x)
{
	uint32_t i, need = h->is64 ? 64 : 40;

	x->nsect_all = h->shnum;
	if (h->shentsize < need)
		return;
	for (i = 0; i < h->shnum && i < MDE__EXE_MAXSECT; i++) {
		uint64_t p = h->shoff + (uint64_t)i * h->shentsize;
		mde__exe_sect *s = &x->sect[i];

		if (!inside(p, need, r->len))
			break;
		s->rva = get(r, p + (h->is64 ? 16 : 12), h->is64 ? 8 : 4);
		s->raw = get(r, p + (h->is64 ? 24 : 16), h->is64 ? 8 : 4);
		s->rsz = get(r, p + (h->is64 ? 32 : 20), h->is64 ? 8 : 4);
		s->vsz = s->rsz;
		x->nsect = i + 1;
	}
}

int mde__exe_parse_elf(const uint8_t *buf, size_t len, mde__exe *x)
{
	struct rd r = { buf, len, 0 };
	struct elf_hdr h;

	if (len < 16)
		return 0;
	r.be = buf[5] == 2;
	if (elf_header(&r, &h) < 0)
		return 0;
	x->kind = MDE__T_ELF;
	elf_entry(&r, &h, x);
	elf_sections(&r, &h, x);
	return x->kind;
}

/* --------------------------------------------------------------- Mach-O */

#define LC_SEGMENT 0x1
#define LC_UNIXTHREAD 0x5
#define LC_SEGMENT_64 0x19

static void macho_segment(const struct rd *r, uint64_t c, int is64,
			  mde__exe *x)
{
	uint64_t nsects = get(r, c + (is64 ? 64 : 48), 4);
	uint64_t s = c + (is64 ? 72 : 56), i;
	unsigned ssz = is64 ? 80 : 68;

	x->nsect_all += (uint32_t)nsects;
	for (i = 0; i < nsects && x->nsect < MDE__EXE_MAXSECT; i++, s += ssz) {
		mde__exe_sect *d = &x->sect[x->nsect];

		if (!inside(s, ssz, r->len))
			return;
		d->rva = get(r, s + 32, is64 ? 8 : 4);
		d->rsz = get(r, s + (is64 ? 40 : 36), is64 ? 8 : 4);
		d->raw = get(r, s + (is64 ? 48 : 40), 4);
		d->vsz = d->rsz;
		x->nsect++;
	}
}

/* The instruction pointer of an LC_UNIXTHREAD of x86 or x86-64. */
static int macho_thread_ip(const struct rd *r, uint64_t c, uint64_t cmdsize,
			   int is64, uint64_t *ip)
{
	uint64_t flavor = get(r, c + 8, 4);

	if (!is64 && flavor == 1 && cmdsize >= 16 + 11 * 4) {
		*ip = get(r, c + 16 + 10 * 4, 4);
		return 0;
	}
	/* the x86-64 state (flavor 4) gives clamscan 1.4 no entry point:
	 * neither does it here */
	(void)is64;
	return -1;
}

static void macho_ep_from_addr(mde__exe *x, uint64_t addr, size_t len)
{
	uint32_t i;

	for (i = 0; i < x->nsect; i++) {
		const mde__exe_sect *s = &x->sect[i];

		if (s->rva <= addr && addr - s->rva < s->rsz) {
			x->ep = addr - s->rva + s->raw;
			x->has_ep = x->ep < len;
			return;
		}
	}
}

int mde__exe_parse_macho(const uint8_t *buf, size_t len, mde__exe *x)
{
	struct rd r = { buf, len, buf[0] == 0xfe };
	int is64 = (get(&r, 0, 4) & 1) != 0;
	uint64_t ncmds, c = is64 ? 32 : 28, i, ip = 0;
	int have_ip = 0;

	if (!inside(0, c, len))
		return 0;
	x->kind = MDE__T_MACHO;
	ncmds = get(&r, 16, 4);
	for (i = 0; i < ncmds && inside(c, 8, len); i++) {
		uint64_t cmd = get(&r, c, 4), size = get(&r, c + 4, 4);

		if (size < 8)
			break;
		if (cmd == LC_SEGMENT || cmd == LC_SEGMENT_64)
			macho_segment(&r, c, cmd == LC_SEGMENT_64, x);
		else if (cmd == LC_UNIXTHREAD && !have_ip)
			have_ip = macho_thread_ip(&r, c, size, is64, &ip) == 0;
		c += size;
	}
	if (have_ip)
		macho_ep_from_addr(x, ip, len);
	return x->kind;
}
