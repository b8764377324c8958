/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zipx.h - ZIP members stored with methods libarchive cannot decompress:
 * Implode (6, PKZIP 1.x) and Deflate64 (9, "enhanced deflate", what
 * Windows' Explorer and 7-Zip write for large files).  The member is
 * found in the archive's central directory; its data are decoded through
 * a callback.  Internal to libmde.
 */
#ifndef MDE_ZIPX_H
#define MDE_ZIPX_H

#include <stddef.h>
#include <stdint.h>

enum { MDE__ZIP_IMPLODE = 6, MDE__ZIP_DEFLATE64 = 9 };

/* A member: data[0..len) its packed data as far as the archive holds
 * them, size its size, flags the general purpose flags. */
typedef struct mde__zipx_member {
	unsigned method, flags;
	const uint8_t *data;
	size_t len;
	uint64_t size;
	uint64_t offset; /* of its local header, as the directory says */
} mde__zipx_member;

/* Finds in the ZIP archive buf[0..len) the member of method 6 or 9 named
 * name whose local header is the first at or after min_offset (or, when
 * no name matches, the first such member at all: names may come through
 * libarchive converted).  1 with *m filled, 0 when there is none. */
int mde__zipx_find(const uint8_t *buf, size_t len, const char *name,
		   uint64_t min_offset, mde__zipx_member *m);

/* Takes n decoded bytes; nonzero stops the decoder. */
typedef int (*mde__zipx_sink)(void *ctx, const uint8_t *data, size_t n);

enum { MDE__ZIPX_OK = 0, MDE__ZIPX_STOPPED = 1, MDE__ZIPX_DAMAGED = -1,
       MDE__ZIPX_UNSUPPORTED = -2, MDE__ZIPX_NOMEM = -3 };

/* Decodes member m (at most m->size bytes) through sink: MDE__ZIPX_OK,
 * STOPPED (the sink said so), DAMAGED (what was decoded before was
 * passed on), UNSUPPORTED (another method, or encrypted) or NOMEM. */
int mde__zipx_decode(const mde__zipx_member *m, mde__zipx_sink sink,
		     void *ctx);

#endif
