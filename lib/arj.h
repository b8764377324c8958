/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arj.h - ARJ archives: their entries, and the data of an entry decoded
 * (methods 0 stored, 1-3 LZ77 with Huffman codes, 4 LZ77 with fixed
 * codes).  libarchive does not read ARJ.  Internal to libmde.
 *
 * The walk allocates nothing and points into the archive; the decoder
 * holds its window and code tables (about 32 KiB) and hands what it
 * decodes to a callback in slices, so the caller bounds the output.
 */
#ifndef MDE_ARJ_H
#define MDE_ARJ_H

#include <stddef.h>
#include <stdint.h>

#define MDE__ARJ_NAME_CAP 512

enum {
	MDE__ARJ_GARBLED = 0x01, /* flags: encrypted ("garbled") */
	MDE__ARJ_BINARY = 0,     /* file types that hold data */
	MDE__ARJ_TEXT = 1,
	MDE__ARJ_DIR = 3,
};

/* The walk over the headers of one archive. */
typedef struct mde__arj {
	const uint8_t *buf;
	size_t len, pos;
	int damaged;
} mde__arj;

/* One entry: data[0..len) is its packed data as far as the archive holds
 * it (packed is what the header says); name made safe (control
 * characters '_'), valid until the next call. */
typedef struct mde__arj_entry {
	char name[MDE__ARJ_NAME_CAP];
	unsigned method, flags, type;
	uint32_t packed, size, crc;
	const uint8_t *data;
	size_t len;
} mde__arj_entry;

/* Does buf start with an ARJ main header (id 0x60 0xEA, a plausible
 * size, file type 2)?  Cheap: no CRC. */
int mde__arj_is(const uint8_t *buf, size_t len);

/* Starts a walk: reads the main header.  0, or -1 when there is none (its
 * CRC is checked: this is where ARJ is told from noise). */
int mde__arj_open(mde__arj *a, const uint8_t *buf, size_t len);

/* The next entry in *e: 1, 0 at the end of the archive, -1 when the
 * archive is damaged (the walk ends; an entry whose data is cut short is
 * handed out first). */
int mde__arj_next(mde__arj *a, mde__arj_entry *e);

/* Takes n decoded bytes; nonzero stops the decoder. */
typedef int (*mde__arj_sink)(void *ctx, const uint8_t *data, size_t n);

typedef struct mde__arj_dec mde__arj_dec;

/* A decoder, reused from entry to entry; NULL when out of memory. */
mde__arj_dec *mde__arj_dec_new(void);
void mde__arj_dec_free(mde__arj_dec *d); /* NULL is fine */

enum { MDE__ARJ_OK = 0, MDE__ARJ_STOPPED = 1, MDE__ARJ_DAMAGED = -1,
       MDE__ARJ_UNSUPPORTED = -2 };

/* Decodes entry e's data (up to e->size bytes) through sink.  Returns
 * MDE__ARJ_OK, MDE__ARJ_STOPPED (the sink said so), MDE__ARJ_DAMAGED
 * (the data ended or is no valid code: what was decoded was passed on)
 * or MDE__ARJ_UNSUPPORTED (an unknown method). */
int mde__arj_decode(mde__arj_dec *d, const mde__arj_entry *e,
		    mde__arj_sink sink, void *ctx);

#endif
