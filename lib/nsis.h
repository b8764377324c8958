/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nsis.h - NSIS installers (Nullsoft Scriptable Install System): the
 * files an installer carries, decompressed one at a time, named from its
 * script where that is cheap.  Internal to libmde; knows nothing of the
 * archive stage (arc_nsis.c makes members of the files).
 *
 * An installer is a PE stub followed (at a 512-byte boundary, where the
 * stub's sections end) by the FirstHeader: flags, 0xDEADBEEF,
 * "NullsoftInst", the script header's size and the length of everything
 * from the FirstHeader on.  Then either one compressed stream (solid)
 * holding [size][script header][size][file]..., or blocks of [size, bit
 * 31 set when compressed][bytes], the script header first.  The
 * compressors: zlib (raw deflate), bzip2 (NSIS's own, nsis_bz.c) and
 * LZMA.  The script's "extract file" instructions name each file by its
 * offset in the data after the script header; a file no instruction
 * names (the uninstaller, a file of a plug-in) gets a number.
 *
 * Every size in the file is distrusted: output is drawn on demand into
 * the caller's buffer, the script header is read up to a cap, LZMA's
 * dictionary is capped, and skipping the rest of a file in a solid
 * stream (which means decoding it) is bounded by the caller's budget.
 */
#ifndef MDE_NSIS_H
#define MDE_NSIS_H

#include <stddef.h>
#include <stdint.h>

typedef struct mde__nsis mde__nsis;

enum {
	MDE__NSIS_OK = 0,
	MDE__NSIS_DAMAGED,  /* a stream or the block chain is broken */
	MDE__NSIS_NOMEM,
	MDE__NSIS_LIMIT     /* the script header or a skip was too big */
};

/* The FirstHeader's offset in buf, looked for from the 512-byte boundary
 * at or after from and at the next few (NSIS's stub finds it the same
 * way); SIZE_MAX when there is none.  Cheap: a bid may call it. */
size_t mde__nsis_find(const uint8_t *buf, size_t len, size_t from);

/* One file of the installer. */
typedef struct mde__nsis_item {
	const char *name;    /* valid until the next call */
	int64_t size;        /* as the installer says, -1 when unknown */
	const uint8_t *data; /* stored in the file or already decoded: all
				of it, size bytes; NULL: mde__nsis_read() */
} mde__nsis_item;

/*
 * Opens the installer whose FirstHeader (from mde__nsis_find) is at fh.
 * hdr_cap bounds the script header decoded (names come from it),
 * dict_cap the LZMA dictionary allocated.  NULL when out of memory or
 * when the headers do not hold together.
 */
mde__nsis *mde__nsis_open(const uint8_t *buf, size_t len, size_t fh,
			  size_t hdr_cap, uint32_t dict_cap);

/* The next file (the script header, "[header]", first): 1 (in *it), or
 * 0 at the end; mde__nsis_status() then says whether it was damage. */
int mde__nsis_next(mde__nsis *n, mde__nsis_item *it);

/* Up to cap bytes of the current file into dst; 0 when it is complete
 * (or damaged: see the status). */
size_t mde__nsis_read(mde__nsis *n, uint8_t *dst, size_t cap);

/* Passes over what is left of the current file.  In a solid stream that
 * is decoding it: -1 (status MDE__NSIS_LIMIT) when that is more than
 * budget bytes, else 0. */
int mde__nsis_skip(mde__nsis *n, uint64_t budget);

/* MDE__NSIS_OK, or what went wrong (a static reason in *why). */
int mde__nsis_status(const mde__nsis *n, const char **why);

/* Bytes of the installer's data decoded so far, from the FirstHeader on
 * (the divisor of a bomb's ratio). */
uint64_t mde__nsis_consumed(const mde__nsis *n);

/* Frees n (NULL: nothing). */
void mde__nsis_close(mde__nsis *n);

#endif
