/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pe.h - what a Windows PE file carries besides its program: the overlay
 * (the data after its sections: a second executable, an archive, an
 * installer's payload) and its resources (RT_RCDATA and others, where
 * droppers keep what they drop).  Internal to libmde; knows nothing of
 * the archive stage (arc_pe.c makes members of what it finds).
 *
 * Only the headers are read to decide (mde__pe_parse is what a bid may
 * call: no allocation, a bounded section table); the resource walk
 * follows the directory with a fixed depth and a budget of entries, so a
 * directory that loops or fans out ends.  Every offset is checked against
 * the buffer, which may be hostile.
 */
#ifndef MDE_PE_H
#define MDE_PE_H

#include <stddef.h>
#include <stdint.h>

#define MDE__PE_MAXSECT 96      /* the Windows loader's limit */
#define MDE__PE_RES_BUDGET 65536 /* directory entries one walk visits */

typedef struct mde__pe {
	const uint8_t *buf;
	size_t len;
	uint32_t off;           /* of "PE\0\0" */
	int pe64;
	const uint8_t *sect;    /* the section table */
	unsigned nsect;
	uint32_t falign;
	size_t ovl;             /* the overlay: [ovl, ovl_end); empty if == */
	size_t ovl_end;
	uint32_t res_rva, res_size; /* the resource directory */
} mde__pe;

/*
 * Reads the headers of buf[0..len): 1 when it is a PE file (*pe filled),
 * else 0.  The overlay is what follows the furthest section's raw data,
 * less an Authenticode certificate at its end and a COFF symbol table at
 * its start (data every signed or unstripped program has, no payload).
 */
int mde__pe_parse(const uint8_t *buf, size_t len, mde__pe *pe);

/* Does buf[off..end) hold a byte that is not zero? */
int mde__pe_nonzero(const uint8_t *buf, size_t off, size_t end);

/* The file offset of n bytes at rva, inside one section's raw data: 0 on
 * success, -1 when no section maps all of them. */
int mde__pe_rva2off(const mde__pe *pe, uint32_t rva, uint32_t n,
		    size_t *off);

/* One resource: its type, name and language (ids, or -1 for a name),
 * its name as a label, and its data in the file. */
typedef struct mde__pe_res {
	int64_t type, id, lang;
	char label[80];         /* "RCDATA/101", "BIN/PAYLOAD" */
	const uint8_t *data;
	size_t len;
} mde__pe_res;

/* The walk of the resource directory: three levels (type, name,
 * language), depth first, in directory order. */
typedef struct mde__pe_res_iter {
	const mde__pe *pe;
	size_t base, size;      /* the directory in the file */
	struct {
		uint32_t dir;   /* offset of the directory from base */
		uint32_t n, i;  /* its entries, the next one */
		int64_t id;     /* the entry that led here */
		uint32_t name;  /* its name string (0: an id) */
	} lv[3];
	int depth;
	uint32_t visited;
} mde__pe_res_iter;

/* Starts the walk; 0, or -1 when there is no directory to walk. */
int mde__pe_res_begin(mde__pe_res_iter *it, const mde__pe *pe);

/* The next resource with data in the file: 1 (in *r), 0 at the end, -1
 * when the walk's budget of entries ran out (a directory that loops or
 * fans out).  Entries that point outside the directory or the file are
 * passed over. */
int mde__pe_res_next(mde__pe_res_iter *it, mde__pe_res *r);

#endif
