/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msmem.h - libmspack's I/O vtable (struct mspack_system) over memory:
 * the file libmspack reads is a buffer, the file it writes is a callback,
 * its allocations are counted against a cap.  No file is opened, no
 * temporary file written.  Internal to libmde.
 *
 * libmspack opens files by name: the name MDE__MSMEM_IN is the input
 * buffer (any number of times), MDE__MSMEM_OUT the output callback; any
 * other name fails to open.
 */
#ifndef MDE_MSMEM_H
#define MDE_MSMEM_H

#include <stddef.h>
#include <stdint.h>

#include <mspack.h>

#define MDE__MSMEM_IN "in"
#define MDE__MSMEM_OUT "out"

/* Takes n bytes libmspack wrote; nonzero makes the write fail, which
 * ends the extraction (MSPACK_ERR_WRITE). */
typedef int (*mde__msmem_sink)(void *ctx, const uint8_t *data, size_t n);

/* Asked every few reads, while libmspack decodes without writing (a
 * compressed section skipped up to a file); nonzero makes the read fail. */
typedef int (*mde__msmem_poll)(void *ctx);

typedef struct mde__msmem {
	struct mspack_system sys; /* first: libmspack hands it back */
	const uint8_t *buf;
	size_t len;
	mde__msmem_sink sink;
	mde__msmem_poll poll;
	void *ctx;
	size_t alloc_cap, alloc_used; /* bytes libmspack may hold */
	unsigned reads;
	int failed;                   /* an allocation was refused */
	/* bytes read in place of the input's at patch_off (see
	 * mde__msmem_patch) */
	uint8_t patch[32];
	size_t patch_off, patch_len;
} mde__msmem;

/* Sets m up to read buf[0..len) and write through sink (poll may be
 * NULL), libmspack's allocations capped at alloc_cap bytes in all. */
void mde__msmem_init(mde__msmem *m, const uint8_t *buf, size_t len,
		     size_t alloc_cap, mde__msmem_sink sink,
		     mde__msmem_poll poll, void *ctx);

/* m is the vtable libmspack uses on this thread from now on: call it
 * before every call into libmspack with m (calls for other vtables may
 * come in between, for a container inside a member). */
void mde__msmem_enter(mde__msmem *m);

/* libmspack reads data[0..n) (n <= 32) in place of the input's bytes at
 * off: a fix for a header field that libmspack checks and the format's
 * own reader does not (CHM's second GUID, which some compilers get
 * wrong).  The input itself is not written. */
void mde__msmem_patch(mde__msmem *m, size_t off, const void *data, size_t n);

#endif
