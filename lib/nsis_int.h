/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nsis_int.h - what the files of the NSIS reader share: the format
 * (nsis.c), its three decompressors behind one interface (nsis_dec.c)
 * and NSIS's own bzip2 (nsis_bz.c).  Internal to nsis*.c.
 */
#ifndef MDE_NSIS_INT_H
#define MDE_NSIS_INT_H

#include <lzma.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* ------------------------------------------------------ bzip2 (bz) */

struct nsis_bz;

/* A decoder (its 3.6 MB block vector comes with the first block), or
 * NULL (out of memory). */
struct nsis_bz *mde__nsis_bz_new(void);

/* Starts on a new stream in[0..len) (the caller keeps it). */
void mde__nsis_bz_start(struct nsis_bz *z, const uint8_t *in, size_t len);

/* Up to cap bytes of output into dst; returns how many.  *st: 0 more to
 * come, 1 the stream ended, -1 it is damaged, -2 out of memory. */
size_t mde__nsis_bz_read(struct nsis_bz *z, uint8_t *dst, size_t cap,
			 int *st);

/* Bytes of the input read so far. */
size_t mde__nsis_bz_used(const struct nsis_bz *z);

/* Frees z (NULL: nothing). */
void mde__nsis_bz_free(struct nsis_bz *z);

/* ---------------------------------------------------- streams (dec) */

enum { NSIS_COPY, NSIS_ZLIB, NSIS_BZIP2, NSIS_LZMA };

/* One compressed stream being read: NSIS's zlib is raw deflate, its LZMA
 * five bytes of properties (after a BCJ flag byte, optionally) and raw
 * LZMA1, its bzip2 nsis_bz.c's. */
struct nsis_dec {
	int method;
	const uint8_t *in;
	size_t len, used;       /* the stream, and what was read of it */
	int state;              /* 0 more, 1 ended, -1 damaged, -2 no mem */
	uint32_t dict_cap;      /* the most LZMA dictionary to allocate */
	z_stream z;
	bool z_on;
	lzma_stream l;
	bool l_on;
	struct nsis_bz *bz;
};

/* The method a stream starting at p[0..n) is in, by its first bytes. */
int mde__nsis_dec_method(const uint8_t *p, size_t n);

/* (Re)starts d on the stream in[0..len) of method; 0, or -1 (d->state
 * says why). */
int mde__nsis_dec_start(struct nsis_dec *d, int method, const uint8_t *in,
			size_t len);

/* Up to cap bytes of output; returns how many (fewer at the end or on
 * damage: see d->state). */
size_t mde__nsis_dec_read(struct nsis_dec *d, uint8_t *dst, size_t cap);

/* Frees what d holds (d itself is the caller's). */
void mde__nsis_dec_free(struct nsis_dec *d);

/* --------------------------------------------- the script (script) */

/* The names the script gives the files it extracts, by their offset in
 * the data after the script header. */
struct nsis_names {
	struct nsis_name {
		uint32_t off;   /* the file's data offset */
		uint32_t at;    /* its name in arena */
	} *v;
	size_t n;
	char *arena;
	size_t used, cap;
};

/* Reads the names from the script header hdr[0..n) (what it cannot
 * read is left unnamed); -1 when out of memory, else 0. */
int mde__nsis_names_read(struct nsis_names *nm, const uint8_t *hdr,
			 size_t n);

/* The name of the file at off, or NULL. */
const char *mde__nsis_names_find(const struct nsis_names *nm, uint64_t off);

/* Frees what nm holds. */
void mde__nsis_names_free(struct nsis_names *nm);

#endif
