/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tnef.h - Transport Neutral Encapsulation Format ("winmail.dat",
 * application/ms-tnef), as [MS-OXTNEF] describes it: the files a TNEF
 * stream carries, found in place.  Internal to libmde.
 *
 * The reader allocates nothing and copies nothing but names: a file's data
 * points into the stream.  Input is hostile: every length is checked
 * against what is left, and a walk reads each byte of the stream at most
 * twice (an attachment's attributes are looked at to name it, then its
 * data handed out).
 */
#ifndef MDE_TNEF_H
#define MDE_TNEF_H

#include <stddef.h>
#include <stdint.h>

#define MDE__TNEF_NAME_CAP 512

/* The walk over one stream: set up by mde__tnef_init, then opaque. */
typedef struct mde__tnef {
	const uint8_t *buf;
	size_t len, pos;
	unsigned nfiles;   /* handed out so far */
	int damaged;       /* the stream ended inside an attribute */
	char name[MDE__TNEF_NAME_CAP];
} mde__tnef;

/* A file of the stream: data[0..len) in the stream (what is there of it:
 * declared is the length the stream claims, which may be more when the
 * stream is cut short), name in the walk's buffer (valid until the next
 * call).  Names: the attachment's long file name, else its title (an
 * 8.3 name), else "attachment-N"; the message text is "[body]". */
typedef struct mde__tnef_file {
	const char *name;
	const uint8_t *data;
	size_t len;
	uint64_t declared;
} mde__tnef_file;

/* Does buf start with the TNEF signature (0x223E9F78, little-endian)? */
int mde__tnef_is(const uint8_t *buf, size_t len);

/* Starts a walk of buf (kept, not copied); buf must be a TNEF stream
 * (mde__tnef_is). */
void mde__tnef_init(mde__tnef *t, const uint8_t *buf, size_t len);

/* The next file in *f: 1, or 0 at the end of the stream, or -1 when the
 * stream is damaged (an attribute runs past its end; the files before it
 * stand, and a file cut short is handed out first with what is there). */
int mde__tnef_next(mde__tnef *t, mde__tnef_file *f);

#endif
