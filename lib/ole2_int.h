/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ole2_int.h - what ole2.c (sectors, chains, streams) and ole2_dir.c
 * (the directory: its walk, names and paths) share.
 */
#ifndef MDE_OLE2_INT_H
#define MDE_OLE2_INT_H

#include "ole2.h"

#define ENDOFCHAIN 0xFFFFFFFEu
#define CHAIN_LOOP UINT32_MAX /* a chain's verdict: it loops */

/* A table of next sectors (the FAT, or the miniFAT over mini sectors),
 * with every sector's verdict: how many sectors its chain has from it to
 * its end, or CHAIN_LOOP. */
struct fat {
	uint32_t *next;
	uint32_t *len;
	uint32_t n;
};

/* What the walk keeps of an entry. */
struct node {
	uint32_t parent;
	uint32_t first, nkids; /* its children: order[first .. first+nkids) */
	uint8_t type;          /* 0: not reached */
};

struct mde__ole2 {
	const uint8_t *buf;
	size_t len;
	unsigned shift, mshift; /* sector and mini sector sizes, log2 */
	int v3;                 /* major version 3: sizes are 32 bits */
	int msi;                /* an installer database: its names packed */
	uint32_t cutoff;        /* smaller streams live in the mini stream */
	uint32_t nsect;         /* sectors that start inside the file */
	struct fat fat, mfat;
	uint32_t *ms;           /* the mini stream's sectors */
	uint32_t nms;
	uint32_t *ds;           /* the directory's sectors */
	uint32_t nds;
	uint32_t nent;          /* directory entries they hold */
	struct node *nodes;     /* one per directory entry */
	uint32_t *order;        /* reached entries, root excluded */
	uint32_t norder;
};

/* Where sector s starts in the file; bytes of it there in *avail. */
const uint8_t *mde__ole2_sector(const mde__ole2 *o, uint32_t s,
				size_t *avail);

/* The 128 bytes of directory entry id, or NULL when they are not all in
 * the file. */
const uint8_t *mde__ole2_dirent(const mde__ole2 *o, uint32_t id);

/* The size field of directory entry e (32 bits in version 3 files). */
uint64_t mde__ole2_size_of(const mde__ole2 *o, const uint8_t *e);

/* Walks the directory from the root (fills nodes, order).  Returns
 * MDE__OLE2_OK or MDE__OLE2_NOMEM. */
int mde__ole2_walk(mde__ole2 *o);

static inline uint32_t mde__ole2_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint16_t mde__ole2_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#endif
