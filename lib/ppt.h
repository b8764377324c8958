/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ppt.h - the embedded objects of a PowerPoint 97-2003 presentation:
 * PowerPoint keeps each (and its VBA project) as an OLE2 storage inside a
 * record of its "PowerPoint Document" stream, ExOleObjStg ([MS-PPT]
 * 2.10.34, 2.10.35), compressed with zlib or not.  Knows nothing of OLE2
 * files (ole2.h) or of the archive stage (arc_ole2.c); fuzzed alone
 * (tests/fuzz/fuzz_ppt.c).
 */
#ifndef MDE_PPT_H
#define MDE_PPT_H

#include <stddef.h>
#include <stdint.h>

enum {
	MDE__PPT_OK = 0,
	MDE__PPT_STOPPED, /* the output said stop */
	MDE__PPT_DAMAGED, /* what came before the damage was handed over */
	MDE__PPT_NOMEM
};

typedef struct mde__ppt {
	const uint8_t *buf;
	size_t len, pos;
} mde__ppt;

/* An ExOleObjStg record's data. */
typedef struct mde__ppt_obj {
	const uint8_t *data;
	size_t len;
	int compressed; /* zlib, after the decompressed size */
} mde__ppt_obj;

/* Takes decompressed bytes; returns nonzero to stop. */
typedef int (*mde__ppt_out)(void *ctx, const uint8_t *data, size_t n);

/* Starts reading the stream buf[0..len) (which must outlive p). */
void mde__ppt_init(mde__ppt *p, const uint8_t *buf, size_t len);

/* The next object in *o: 1, or 0 at the end of the stream. */
int mde__ppt_next(mde__ppt *p, mde__ppt_obj *o);

/* Hands object o's storage to out in slices (inflated when it is
 * compressed).  MDE__PPT_OK, MDE__PPT_STOPPED, MDE__PPT_DAMAGED or
 * MDE__PPT_NOMEM.  The output of a compressed object is as large as
 * zlib makes it: the caller bounds it. */
int mde__ppt_read(const mde__ppt_obj *o, mde__ppt_out out, void *ctx);

#endif
