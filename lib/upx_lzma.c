/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx_lzma.c - UPX's LZMA method (14): two bytes of properties in UPX's
 * own form, then a raw LZMA1 stream with neither header nor end marker,
 * whose end is the unpacked size the caller knows.
 *
 * liblzma decodes it (its raw LZMA1 decoder): a well-tested decoder that
 * libarchive already brings into the process, rather than a hand-written
 * one in the scanner's most exposed code.  The dictionary is capped: it is
 * memory liblzma allocates besides the output, and no stream needs more
 * than what it unpacks to.
 */
#include "config.h"

#include <lzma.h>
#include <stdbool.h>
#include <string.h>

#include "upx_int.h"
#include "banned.h"

#define DICT_MIN 4096u           /* liblzma's least dictionary */
#define DICT_MAX (64u << 20)     /* a longer match is "damaged" */

/*
 * UPX writes ((lc + lp) << 3 | pb) and (lp << 4 | lc): the first byte's
 * high bits are redundant, for the stub's convenience, and must agree.
 */
static bool props(const uint8_t *p, lzma_options_lzma *o, size_t dlen)
{
	unsigned pb = p[0] & 7, lp = p[1] >> 4, lc = p[1] & 15;

	if (pb > 4 || lp > 4 || lc > 8 || (unsigned)(p[0] >> 3) != lc + lp)
		return false;
	memset(o, 0, sizeof(*o));
	o->lc = lc;
	o->lp = lp;
	o->pb = pb;
	o->dict_size = dlen < DICT_MIN ? DICT_MIN :
		       dlen > DICT_MAX ? DICT_MAX : (uint32_t)dlen;
	return true;
}

bool mde__upx_lzma(const uint8_t *src, size_t slen, uint8_t *dst,
		   size_t dlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	lzma_filter f[2];
	lzma_ret r;
	bool ok = false;

	if (slen < 3 || !props(src, &opt, dlen))
		return false;
	f[0].id = LZMA_FILTER_LZMA1;
	f[0].options = &opt;
	f[1].id = LZMA_VLI_UNKNOWN;
	f[1].options = NULL;
	if (lzma_raw_decoder(&s, f) != LZMA_OK)
		goto out;
	s.next_in = src + 2;
	s.avail_in = slen - 2;
	s.next_out = dst;
	s.avail_out = dlen;
	/* all the input is there: each call runs until it or the output
	 * ends, so a call that moves nothing is the end */
	do {
		size_t before = s.avail_out + s.avail_in;

		r = lzma_code(&s, LZMA_RUN);
		if (s.avail_out + s.avail_in == before)
			break;
	} while (r == LZMA_OK && s.avail_out);
	ok = s.avail_out == 0 && (r == LZMA_OK || r == LZMA_STREAM_END);
out:
	lzma_end(&s);
	return ok;
}
