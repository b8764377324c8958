/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onenote.c - OneNote sections: their kind and their embedded files (see
 * onenote.h).  GUIDs are stored as Windows lays them out: the first
 * three fields little-endian.
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <string.h>

#include "onenote.h"
#include "banned.h"

/* {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}: a section */
static const uint8_t one_section[16] = {
	0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d,
	0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3,
};
/* {43FF2FA1-EFD9-4C76-9EE2-10EA5722765F}: a table of contents */
static const uint8_t one_toc[16] = {
	0xa1, 0x2f, 0xff, 0x43, 0xd9, 0xef, 0x76, 0x4c,
	0x9e, 0xe2, 0x10, 0xea, 0x57, 0x22, 0x76, 0x5f,
};
/* {638DE92F-A6D4-4BC1-9A36-B3FC2511A5B7}: the alternative packaging */
static const uint8_t one_package[16] = {
	0x2f, 0xe9, 0x8d, 0x63, 0xd4, 0xa6, 0xc1, 0x4b,
	0x9a, 0x36, 0xb3, 0xfc, 0x25, 0x11, 0xa5, 0xb7,
};
/* {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}: FileDataStoreObject */
static const uint8_t fdso_header[16] = {
	0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26, 0x11, 0x45,
	0xa4, 0xc4, 0x8d, 0x4d, 0x0b, 0x7a, 0x9e, 0xac,
};

int mde__one_magic(const uint8_t *buf, size_t len)
{
	if (len < 16)
		return 0;
	if (!memcmp(buf, one_section, 16))
		return 1;
	return memcmp(buf, one_toc, 16) ? 0 : 2;
}

int mde__one_packaged(const uint8_t *buf, size_t len)
{
	return len >= 64 && !memcmp(buf + 48, one_package, 16);
}

int mde__one_next(const uint8_t *buf, size_t len, size_t *pos, size_t *off,
		  size_t *flen, int *cut)
{
	const uint8_t *h;
	uint64_t n = 0;
	size_t at;
	int i;

	while (*pos + 36 <= len &&
	       (h = memmem(buf + *pos, len - *pos, fdso_header, 16))) {
		at = (size_t)(h - buf);
		*pos = at + 16;
		if (at + 36 > len)
			return 0;
		for (i = 7; i >= 0; i--)
			n = n << 8 | buf[at + 16 + i];
		*off = at + 36;
		*cut = n > len - *off;
		*flen = *cut ? len - *off : (size_t)n;
		*pos = *off + *flen;
		return 1;
	}
	*pos = len;
	return 0;
}
