/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtf.h - the objects of an RTF document: \objdata (an embedded object,
 * hex) and \bin (raw bytes), found and decoded as Word reads them.
 * Knows nothing of the archive stage (arc_rtf.c); fuzzed alone
 * (tests/fuzz/fuzz_rtf.c).
 */
#ifndef MDE_RTF_H
#define MDE_RTF_H

#include <stddef.h>
#include <stdint.h>

enum {
	MDE__RTF_END = 0,
	MDE__RTF_OBJDATA, /* an \objdata group: hex, and \bin runs in it */
	MDE__RTF_BIN      /* a \bin run anywhere else */
};

typedef struct mde__rtf {
	const uint8_t *buf;
	size_t len, pos;
	size_t bin; /* the \bin run found, bytes of it */
} mde__rtf;

/* Takes decoded bytes; returns nonzero to have the rest of the object
 * read past without decoding. */
typedef int (*mde__rtf_out)(void *ctx, const uint8_t *data, size_t n);

/* Nonzero when buf starts as an RTF document ("{\rt": Word reads no
 * more of the header). */
int mde__rtf_magic(const uint8_t *buf, size_t len);

/* Starts reading buf[0..len) (which must outlive r). */
void mde__rtf_init(mde__rtf *r, const uint8_t *buf, size_t len);

/* Finds the next object: its kind (MDE__RTF_OBJDATA or MDE__RTF_BIN),
 * or MDE__RTF_END.  mde__rtf_decode() reads it. */
int mde__rtf_find(mde__rtf *r);

/* Decodes the object found (of kind), handing its bytes to out in
 * slices, up to its end, where the next search starts. */
void mde__rtf_decode(mde__rtf *r, int kind, mde__rtf_out out, void *ctx);

#endif
