/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binhex.h - BinHex 4.0 (.hqx, application/mac-binhex40): the classic
 * Mac OS encoding of a file's two forks as mail-safe text, decoded as a
 * stream.  Internal to libmde.
 *
 * The reader holds no buffer: it decodes from the text as it is asked
 * for bytes, so the caller bounds the output (a run-length bomb is
 * stopped by whoever stops asking).
 */
#ifndef MDE_BINHEX_H
#define MDE_BINHEX_H

#include <stddef.h>
#include <stdint.h>

#define MDE__BINHEX_NAME_CAP 64 /* a Mac file name: at most 63 bytes */

/* The reader: set up by mde__binhex_open(), then opaque but for the
 * fields after the comment. */
typedef struct mde__binhex {
	const uint8_t *p, *end; /* the text left to decode */
	uint32_t acc;           /* bits decoded, not yet a byte */
	int nbits;
	int last;               /* the byte before, for a run (-1: none) */
	unsigned run;           /* repeats of last still to give */
	int ended;              /* the closing ':' or the text's end */
	/* what the header says */
	char name[MDE__BINHEX_NAME_CAP]; /* control characters made '_' */
	uint32_t data_len, rsrc_len;     /* the forks */
} mde__binhex;

/* Where the text announcing BinHex ("(This file must be converted with
 * BinHex") starts within the first window bytes of buf, or -1. */
long mde__binhex_find(const uint8_t *buf, size_t len, size_t window);

/* Opens the BinHex text that starts at buf + at (from mde__binhex_find)
 * and reads its header: 0, or -1 when no data follows or the header is
 * cut short. */
int mde__binhex_open(mde__binhex *h, const uint8_t *buf, size_t len,
		     size_t at);

/* Decodes up to n bytes into out; returns how many (fewer only at the end
 * of the data: a second call then returns 0). */
size_t mde__binhex_read(mde__binhex *h, uint8_t *out, size_t n);

/* Skips n decoded bytes (a CRC); returns how many were there. */
size_t mde__binhex_skip(mde__binhex *h, size_t n);

#endif
