/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx_int.h - what the files of the UPX unpacker share: the PackHeader
 * (upx.c), the NRV decompressors and checksums (upx_nrv.c), the x86
 * filters (upx_filter.c) and the two formats, ELF (upx_elf.c) and PE
 * (upx_pe.c).  Internal to upx*.c; upx.c's comment says what UPX leaves
 * on disk.
 */
#ifndef MDE_UPX_INT_H
#define MDE_UPX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "upx.h"

#define UPX_MAGIC "UPX!"

/* ------------------------------------------------------------ bytes */

static inline uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static inline uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void set_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* UPX writes the Unix structures in the target's byte order. */
static inline uint32_t te32(const uint8_t *p, bool be)
{
	return be ? be32(p) : le32(p);
}

static inline uint32_t te16(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 8 | p[1] : le16(p);
}

/* ------------------------------------------------------- PackHeader */

struct packhdr {
	size_t pos; /* of "UPX!" in the file */
	unsigned version, format, method, filter;
	uint8_t cto;
	uint32_t u_adler, c_adler, u_len, c_len;
};

enum { KIND_NONE, KIND_ELF, KIND_PE };

/* Finds a valid PackHeader of the given kind (KIND_*) starting in
 * buf[lo..hi): the last one when backward, else the first. */
bool mde__upx_ph_find(const uint8_t *buf, size_t len, size_t lo, size_t hi,
		      int kind, bool backward, struct packhdr *h);

/* Fills *info (NULL: nothing to fill). */
void mde__upx_set_info(mde__upx_info *info, const char *kind,
		       unsigned format, unsigned method, unsigned version);

/* ---------------------------------------------- decompression (nrv) */

/* adler32 of p[0..n) continued from adler (1 to start). */
uint32_t mde__upx_adler32(uint32_t adler, const uint8_t *p, size_t n);

/* MDE__UPX_OK for a method we decode, else why not (in *why). */
int mde__upx_method_check(unsigned m, const char **why);

/* Decodes one NRV stream of method (2..10) from src[0..slen) into
 * dst[0..dlen): 0 at the end-of-stream code with *olen and *ilen set, -1
 * on any error (overrun of either buffer, reference before the start,
 * bad code). */
int mde__upx_nrv(unsigned method, const uint8_t *src, size_t slen,
		 uint8_t *dst, size_t dlen, size_t *olen, size_t *ilen);

/* Decodes one UPX LZMA stream (method 14: UPX's two property bytes, then
 * raw LZMA1) into exactly dlen bytes; false on any error (upx_lzma.c). */
bool mde__upx_lzma(const uint8_t *src, size_t slen, uint8_t *dst,
		   size_t dlen);

/* Exactly slen bytes of input must make exactly dlen bytes of output
 * (LZMA: exactly dlen bytes, the stream's flush bytes may be left). */
bool mde__upx_decompress(unsigned method, const uint8_t *src, size_t slen,
			 uint8_t *dst, size_t dlen);

/* ------------------------------------------------- filters (filter) */

/*
 * Undoes filter id over b[0..n).  Returns 0 when done (id 0 included),
 * 1 for a filter this code does not know (b unchanged), -1 when b cannot
 * be the output of the filter.
 */
int mde__upx_unfilter(uint8_t *b, size_t n, unsigned id, uint8_t cto,
		      uint32_t addvalue);

/* Is id a filter UPX uses for i386 or amd64? */
bool mde__upx_filter_known(unsigned id);

/* ------------------------------------------------------ ELF and PE */

/* As mde__upx_detect and mde__upx_unpack, for each format. */
int mde__upx_elf_detect(const uint8_t *buf, size_t len, mde__upx_info *info);
int mde__upx_elf_unpack(const uint8_t *buf, size_t len, size_t max_out,
			uint8_t **out, size_t *outlen, const char **why);
int mde__upx_pe_detect(const uint8_t *buf, size_t len, mde__upx_info *info);

/* ------------------------------------------------- PE (pe_rebuild) */

/* UPX's extra-info trailer at the end of an unpacked PE image. */
struct pe_trailer {
	const uint8_t *hdr;  /* the original PE header ("PE\0\0" ...) */
	unsigned hsize;      /* its size: 248 (PE32) or 264 (PE32+) */
	const uint8_t *sect; /* the original section table */
	unsigned nsect;
	uint32_t rvamin;     /* the first section's address: image[0] */
};

/* Finds the trailer of image o[0..n); false when there is none that
 * holds together (a stream that is no UPX PE image, or damaged). */
bool mde__upx_pe_trailer(const uint8_t *o, size_t n, struct pe_trailer *t);

/*
 * Makes the PE file "upx -d" would write from the packed file buf[0..len)
 * (its stub, and its overlay from offset overlay on) and the unpacked
 * image img[0..ilen) with trailer t.  At most max_out bytes; on
 * MDE__UPX_OK the caller owns *out, else *why says why.
 */
int mde__upx_pe_rebuild(const uint8_t *buf, size_t len, size_t overlay,
			const uint8_t *img, size_t ilen,
			const struct pe_trailer *t, size_t max_out,
			uint8_t **out, size_t *outlen, const char **why);
int mde__upx_pe_unpack(const uint8_t *buf, size_t len, size_t max_out,
		       uint8_t **out, size_t *outlen, const char **why);

#endif
