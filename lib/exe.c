/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exe.c - PE headers: sections, entry point, data directories and the
 * version-information strings (exe_elf.c reads ELF and Mach-O).
 *
 * Sections are aligned as the Windows loader (and ClamAV) sees them:
 * raw offsets down to FileAlignment, raw sizes up to it, virtual
 * addresses and sizes to SectionAlignment.  An address is mapped to the
 * file through the last section holding it, as ClamAV does, so that
 * offsets such as EP+n land where clamscan puts them.
 */
#include "config.h"

#include <string.h>

#include "mde_int.h"
#include "exe.h"
#include "banned.h"

#define PE_MAXDIR 16

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

/* True if [off, off + n) lies inside a buffer of len bytes. */
static int inside(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return a ? v / a * a : v;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a ? (v / a + (v % a != 0)) * a : v;
}

int mde__exe_rva2off(const mde__exe *x, uint64_t rva, size_t len,
		     uint64_t *off)
{
	uint32_t i;

	if (rva < x->hdr_size) {
		if (rva >= len)
			return -1;
		*off = rva;
		return 0;
	}
	for (i = x->nsect; i-- > 0;) {
		const mde__exe_sect *s = &x->sect[i];

		if (s->rsz && s->rva <= rva && s->rsz > rva - s->rva) {
			*off = rva - s->rva + s->raw;
			return 0;
		}
	}
	return -1;
}

/* Where the optional header's fields are, by its magic. */
struct pe_layout {
	uint64_t opt;     /* optional header */
	uint32_t optsize; /* SizeOfOptionalHeader */
	uint32_t ndirs;
	uint64_t dirs;    /* data directories */
};

static int pe_layout(const uint8_t *buf, size_t len, uint64_t pe,
		     mde__exe *x, struct pe_layout *l)
{
	uint32_t magic;

	l->opt = pe + 24;
	l->optsize = rd16(buf + pe + 20);
	if (!inside(l->opt, 2, len))
		return -1;
	magic = rd16(buf + l->opt);
	if (magic == 0x10b && l->optsize >= 96 && inside(l->opt, 96, len)) {
		l->ndirs = rd32(buf + l->opt + 92);
		l->dirs = l->opt + 96;
	} else if (magic == 0x20b && l->optsize >= 112 &&
		   inside(l->opt, 112, len)) {
		x->pe64 = 1;
		l->ndirs = rd32(buf + l->opt + 108);
		l->dirs = l->opt + 112;
	} else {
		return -1;
	}
	if (l->ndirs > PE_MAXDIR)
		l->ndirs = PE_MAXDIR;
	while (l->ndirs &&
	       (l->dirs + 8ull * l->ndirs > l->opt + l->optsize ||
		!inside(l->dirs, 8ull * l->ndirs, len)))
		l->ndirs--;
	return 0;
}

static void pe_dirs(const uint8_t *buf, const struct pe_layout *l,
		    mde__exe *x)
{
	if (l->ndirs > 1) {
		x->imp_rva = rd32(buf + l->dirs + 8);
		x->imp_size = rd32(buf + l->dirs + 12);
	}
	if (l->ndirs > 2) {
		x->res_rva = rd32(buf + l->dirs + 16);
		x->res_size = rd32(buf + l->dirs + 20);
	}
}

static int pe_sections(const uint8_t *buf, size_t len, uint64_t sh,
		       uint32_t n, uint32_t falign, uint32_t valign,
		       mde__exe *x)
{
	uint32_t i;

	if (n == 0 || n > MDE__EXE_MAXSECT || !inside(sh, 40ull * n, len))
		return -1;
	for (i = 0; i < n; i++) {
		const uint8_t *p = buf + sh + 40ull * i;
		mde__exe_sect *s = &x->sect[i];

		s->vsz = align_up(rd32(p + 8), valign);
		s->rva = align_down(rd32(p + 12), valign);
		s->rsz = align_up(rd32(p + 16), falign);
		s->raw = align_down(rd32(p + 20), falign);
		if (!s->vsz && s->rsz)
			s->vsz = align_up(rd32(p + 16), valign);
		/* data past the end of the file is not there */
		if (s->rsz && !inside(s->raw, s->rsz, len)) {
			if (s->raw >= len)
				s->rsz = 0;
			else
				s->rsz = len - s->raw;
		}
	}
	x->nsect = n;
	return 0;
}

static int parse_pe(const uint8_t *buf, size_t len, mde__exe *x)
{
	struct pe_layout l;
	uint64_t pe, ep;
	uint32_t falign, valign;

	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		return 0;
	pe = rd32(buf + 0x3c);
	if (!inside(pe, 24, len) || memcmp(buf + pe, "PE\0\0", 4) != 0)
		return 0;
	x->nsect_all = rd16(buf + pe + 6);
	if (pe_layout(buf, len, pe, x, &l) < 0 ||
	    !inside(l.opt, 64, len))
		return 0;
	ep = rd32(buf + l.opt + 16);
	valign = rd32(buf + l.opt + 32);
	falign = rd32(buf + l.opt + 36);
	x->hdr_size = align_up(rd32(buf + l.opt + 60), valign);
	/* a FileAlignment that is not a multiple of 0x200 is ignored */
	if (falign && falign % 0x200)
		falign = 0x200;
	if (pe_sections(buf, len, l.opt + l.optsize, x->nsect_all, falign,
			valign, x) < 0)
		return 0;
	pe_dirs(buf, &l, x);
	x->kind = MDE__T_PE;
	if (mde__exe_rva2off(x, ep, len, &x->ep) == 0)
		x->has_ep = 1;
	mde__exe_pe_vinfo(buf, len, x);
	return x->kind;
}

int mde__exe_parse(const uint8_t *buf, size_t len, mde__exe *x)
{
	memset(x, 0, offsetof(mde__exe, sect));
	x->nsect = 0;
	x->nvi = 0;
	x->imp_rva = x->imp_size = x->res_rva = x->res_size = 0;
	x->pe64 = 0;
	if (len >= 4 && buf[0] == 0x7f && !memcmp(buf + 1, "ELF", 3))
		return mde__exe_parse_elf(buf, len, x);
	if (len >= 4 && (rd32(buf) == 0xfeedface || rd32(buf) == 0xfeedfacf ||
			 rd32(buf) == 0xcefaedfe || rd32(buf) == 0xcffaedfe))
		return mde__exe_parse_macho(buf, len, x);
	if (parse_pe(buf, len, x) == 0) {
		x->kind = 0;
		x->has_ep = 0;
		x->nsect = 0;
	}
	return x->kind;
}
