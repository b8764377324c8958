/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ovba.h - VBA projects as Office stores them ([MS-OVBA]): the run-length
 * compression of the dir stream and of every module's source, and the
 * dir stream's list of modules.  Knows nothing of OLE2 files (ole2.h) or
 * of the archive stage (arc_ole2.c); fuzzed alone (tests/fuzz/fuzz_ovba.c).
 */
#ifndef MDE_OVBA_H
#define MDE_OVBA_H

#include <stddef.h>
#include <stdint.h>

#define MDE__OVBA_CHUNK 4096
#define MDE__OVBA_NAME_MAX 256

enum {
	MDE__OVBA_OK = 0,
	MDE__OVBA_STOPPED, /* the output said stop */
	MDE__OVBA_DAMAGED, /* what came before the damage was handed over */
	MDE__OVBA_NOMEM
};

/* Takes decompressed bytes, at most MDE__OVBA_CHUNK at a time; returns
 * nonzero to stop. */
typedef int (*mde__ovba_out)(void *ctx, const uint8_t *data, size_t n);

/*
 * Decompresses the CompressedContainer src[0..len) ([MS-OVBA] 2.4.1),
 * a chunk at a time into out.  A container cut short is decompressed as
 * far as it goes (MDE__OVBA_OK).  Returns MDE__OVBA_OK, MDE__OVBA_STOPPED
 * or MDE__OVBA_DAMAGED (no signature byte, a broken chunk).  The output
 * of one chunk is at most 4096 bytes from at least 3 bytes of input: the
 * caller bounds the whole.
 */
int mde__ovba_decompress(const uint8_t *src, size_t len, mde__ovba_out out,
			 void *ctx);

/* The same into *out (malloc'd, the caller frees), at most cap bytes of
 * it (the rest dropped); *outlen its length.  MDE__OVBA_OK,
 * MDE__OVBA_DAMAGED (what was decoded is kept) or MDE__OVBA_NOMEM. */
int mde__ovba_inflate(const uint8_t *src, size_t len, size_t cap,
		      uint8_t **out, size_t *outlen);

/* A module of the project, as the dir stream describes it. */
typedef struct mde__ovba_module {
	char name[MDE__OVBA_NAME_MAX];   /* UTF-8, control characters as \xNN */
	char stream[MDE__OVBA_NAME_MAX]; /* its stream in the VBA storage */
	uint32_t offset; /* where its compressed source starts in the stream */
	int has_offset;
} mde__ovba_module;

/*
 * The modules of the decompressed dir stream dir[0..len) ([MS-OVBA]
 * 2.3.4.2) into *mods (malloc'd, *n of them; the caller frees), names
 * from their Unicode records when there are any.  A stream cut short
 * gives the modules before the cut.  Returns MDE__OVBA_OK,
 * MDE__OVBA_DAMAGED (a record runs past the end: the modules before it
 * are kept) or MDE__OVBA_NOMEM.
 */
int mde__ovba_modules(const uint8_t *dir, size_t len, mde__ovba_module **mods,
		      size_t *n);

/* Where a module's compressed source starts in stream s[0..len), found
 * by its first bytes ("Attribute VB_Name"), for a project whose dir
 * stream is broken; SIZE_MAX when there is none. */
size_t mde__ovba_find_source(const uint8_t *s, size_t len);

#endif
