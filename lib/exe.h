/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exe.h - what the headers of an executable say: PE, ELF and Mach-O.
 *
 * The ClamAV signature languages address executables by their layout:
 * body-signature offsets EP+n, Sx+n, SL+n and SEx, the PE section hashes
 * of .mdb/.msb, the import hashes of .imp and the version-information
 * strings of VI.  One parse per file serves them all; nothing here
 * allocates, and every field is checked against the buffer, which may be
 * hostile.
 */
#ifndef MDE_EXE_H
#define MDE_EXE_H

#include <stddef.h>
#include <stdint.h>

/* Sections described at most; a PE with more is not one (ClamAV's limit). */
#define MDE__EXE_MAXSECT 96
/* Version-information key/value pairs kept at most. */
#define MDE__EXE_MAXVI 32

typedef struct mde__exe_sect {
	uint64_t rva;  /* virtual address (PE: relative to the image base) */
	uint64_t vsz;  /* virtual size */
	uint64_t raw;  /* file offset of its data */
	uint64_t rsz;  /* bytes of data in the file */
} mde__exe_sect;

typedef struct mde__exe {
	int kind;        /* MDE__T_PE, MDE__T_ELF or MDE__T_MACHO; 0: none */
	int has_ep;      /* ep is known and inside the file */
	uint64_t ep;     /* entry point, as a file offset */
	uint32_t nsect;  /* sections described in sect[] */
	uint32_t nsect_all; /* sections the header declares */
	uint64_t hdr_size;  /* PE: SizeOfHeaders */
	mde__exe_sect sect[MDE__EXE_MAXSECT];
	/* PE only: data directories, RVA and size */
	uint64_t imp_rva, imp_size;
	uint64_t res_rva, res_size;
	int pe64;
	/* PE only: file offsets of the version-information key/value pairs
	 * (the UTF-16 key, its terminator, padding and value), see VI */
	uint32_t nvi;
	uint64_t vi[MDE__EXE_MAXVI];
} mde__exe;

/*
 * Parses the headers of buf[0..len) into *x.  Returns the kind found
 * (also in x->kind), 0 when buf is not an executable this module reads;
 * never fails otherwise: a header that is cut short or inconsistent gives
 * kind 0, or fewer sections, or no entry point.
 */
int mde__exe_parse(const uint8_t *buf, size_t len, mde__exe *x);

/*
 * The file offset of a PE relative virtual address: in the headers, or in
 * the raw data of the section holding it.  0 on success, -1 when no part
 * of the file maps it.
 */
int mde__exe_rva2off(const mde__exe *x, uint64_t rva, size_t len,
		     uint64_t *off);

/* The ELF and Mach-O readers (exe_elf.c) and the version-information
 * reader (exe_vinfo.c), called by mde__exe_parse() with x cleared. */
int mde__exe_parse_elf(const uint8_t *buf, size_t len, mde__exe *x);
int mde__exe_parse_macho(const uint8_t *buf, size_t len, mde__exe *x);
void mde__exe_pe_vinfo(const uint8_t *buf, size_t len, mde__exe *x);

#endif /* MDE_EXE_H */
