/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx.h - recognise UPX-packed ELF and PE files and unpack them, so the
 * signature stages see the program instead of the packer's stub.
 * Internal to libmde.
 *
 * Unpacking never runs code from the file and never trusts a size in it:
 * every offset is bounds-checked, the output is capped by the caller, and
 * the checksums UPX stores are verified.  Supported: the NRV2B, NRV2D and
 * NRV2E methods (8-bit, LE16 and LE32 bit streams; methods 2..10), LZMA
 * (method 14, through liblzma) and the x86 call/jump filters UPX uses for
 * i386 and amd64.  The rarely used CL1B, deflate and zstd methods are
 * reported as unsupported.  Both functions are reentrant and keep no
 * state.
 */
#ifndef MDE_UPX_H
#define MDE_UPX_H

#include <stddef.h>
#include <stdint.h>

typedef struct mde__upx_info {
	int format;        /* UPX format number from the PackHeader, or 0 */
	int method;        /* compression method (2..10 = NRV, 14 = LZMA) */
	int version;       /* PackHeader version byte */
	const char *kind;  /* "ELF" or "PE" */
} mde__upx_info;

/* Nonzero when buf is a UPX-packed ELF or PE (PackHeader found and sane,
 * or the UPX section names / l_info magic).  Cheap: runs on every ELF/PE
 * file; look only at the headers and the last 4 KiB / first 4 KiB. */
int mde__upx_detect(const uint8_t *buf, size_t len, mde__upx_info *info);

/* Status of mde__upx_unpack. */
enum {
	MDE__UPX_OK = 0,
	MDE__UPX_UNSUPPORTED = 1, /* a method or format we do not unpack */
	MDE__UPX_DAMAGED = 2,     /* corrupt or truncated */
	MDE__UPX_LIMIT = 3,       /* output would exceed max_out */
	MDE__UPX_NOMEM = -1
};

/* Unpacks into a malloc'd buffer: the decompressed blocks (ELF) or the
 * decompressed UPX1 contents (PE) concatenated in order, with the x86
 * CALL/JMP filters (ids 0x26, 0x46, 0x49 and the other CTO filters UPX
 * uses for i386/amd64) undone when you can do so exactly.  Never more than
 * max_out bytes allocated; *why gets a static reason on failure.
 *
 * buf is examined afresh, so info (from mde__upx_detect on the same
 * buffer) is only advisory and may be NULL.  On MDE__UPX_OK the caller
 * owns *out (free() it); otherwise *out is NULL and *outlen 0.  For ELF
 * the output is what UPX compressed: the original file's bytes, in the
 * order of the blocks.  For PE (PE32 and PE32+) it is the PE file "upx
 * -d" would write: the stub, the original PE header and section table
 * (from UPX's extra-info trailer), each section's raw data at its raw
 * offset, and the overlay; imports, relocations and resources are left as
 * UPX stored them.  A PE stream without a trailer that holds together is
 * given as it decompresses: the image from its lowest section on. */
int mde__upx_unpack(const uint8_t *buf, size_t len, const mde__upx_info *info,
		    size_t max_out, uint8_t **out, size_t *outlen,
		    const char **why);

#endif
