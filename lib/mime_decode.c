/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mime_decode.c - the content transfer encodings of mail: base64,
 * quoted-printable and uuencoded blocks, decoded into a buffer of a size
 * given, never past it.
 *
 * Leniency follows what mail clients display rather than the RFCs: junk
 * in base64 is skipped and bad quoted-printable escapes stand for
 * themselves.  The decoders are table-driven loops with no call per byte.
 */
#include "config.h"

/* For memmem(): config.h defines it, but the fuzz build's is empty. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <string.h>

#include "mime_int.h"
#include "banned.h"

/* mime_int.h's table, by a name that keeps the decoders on one line */
#define hexv mde__mime_hexv

/* Base64: 0x40 | value for the alphabet, 0x80 for '=', 0 for the rest, so
 * that four characters are all valid when the AND of theirs has 0x40. */
static const uint8_t b64v[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7e, 0x00, 0x00, 0x00, 0x7f,
	0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x00, 0x00,
	0x00, 0x80, 0x00, 0x00, 0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
	0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52,
	0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x64,
	0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70,
	0x71, 0x72, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00,
};

const uint8_t mde__mime_hexv[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* ------------------------------------------------------------- base64, QP */

/* Writes the bytes of a partial base64 quantum (k sextets in acc). */
static bool b64_flush(uint32_t acc, unsigned k, uint8_t *out, size_t *o,
		      size_t cap)
{
	if (k < 2)
		return true;
	if (cap - *o < k - 1)
		return false;
	if (k == 2) {
		out[(*o)++] = (uint8_t)(acc >> 4);
	} else {
		out[(*o)++] = (uint8_t)(acc >> 10);
		out[(*o)++] = (uint8_t)(acc >> 2);
	}
	return true;
}

size_t mde__mime_b64_decode(const uint8_t *in, size_t n, uint8_t *out,
			    size_t cap)
{
	size_t i = 0, o = 0;
	uint32_t acc = 0;
	unsigned k = 0;

	while (i < n) {
		uint32_t v;

		if (k == 0) {
			/* whole quanta of valid characters, the usual case */
			while (n - i >= 4 && cap - o >= 3) {
				uint32_t a = b64v[in[i]], b = b64v[in[i + 1]];
				uint32_t c = b64v[in[i + 2]];
				uint32_t d = b64v[in[i + 3]];

				if (!(a & b & c & d & 0x40))
					break;
				acc = (a & 63) << 18 | (b & 63) << 12 |
				      (c & 63) << 6 | (d & 63);
				out[o] = (uint8_t)(acc >> 16);
				out[o + 1] = (uint8_t)(acc >> 8);
				out[o + 2] = (uint8_t)acc;
				o += 3;
				i += 4;
			}
			acc = 0;
			if (i == n)
				break;
		}
		v = b64v[in[i++]];
		if (v & 0x40) {
			acc = acc << 6 | (v & 63);
			if (++k < 4)
				continue;
			if (cap - o < 3)
				return TOO_BIG;
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			k = 0;
		} else if (v & 0x80) {
			if (!b64_flush(acc, k, out, &o, cap))
				return TOO_BIG;
			k = 0;
			acc = 0;
		}
	}
	return b64_flush(acc, k, out, &o, cap) ? o : TOO_BIG;
}

/* Decodes quoted-printable in[0..n) into out (cap bytes); returns the
 * length or TOO_BIG.  "=" before the end of a line (trailing blanks
 * allowed) is a soft line break; "=XX" takes either case; any other '='
 * stands for itself. */
static size_t qp_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < n) {
		const uint8_t *eq = memchr(in + i, '=', n - i);
		size_t run = (eq ? (size_t)(eq - in) : n) - i, j;

		if (run > cap - o)
			return TOO_BIG;
		memcpy(out + o, in + i, run);
		o += run;
		i += run;
		if (!eq)
			break;
		i++;
		if (n - i >= 2 && hexv[in[i]] && hexv[in[i + 1]]) {
			if (o == cap)
				return TOO_BIG;
			out[o++] = (uint8_t)((hexv[in[i]] - 1) << 4 |
					     (hexv[in[i + 1]] - 1));
			i += 2;
			continue;
		}
		for (j = i; j < n && (in[j] == ' ' || in[j] == '\t'); j++)
			;
		if (j == n || in[j] == '\n') {
			i = j + (j < n);
			continue;
		}
		if (in[j] == '\r' && (j + 1 == n || in[j + 1] == '\n')) {
			i = j + 1 + (j + 1 < n);
			continue;
		}
		if (o == cap)
			return TOO_BIG;
		out[o++] = '=';
	}
	return o;
}

size_t mde__mime_decoded_max(int cte, size_t n)
{
	return cte == CTE_B64 ? n / 4 * 3 + 2 : n;
}

size_t mde__mime_decode(int cte, const uint8_t *in, size_t n, uint8_t *out,
			size_t cap)
{
	return cte == CTE_B64 ? mde__mime_b64_decode(in, n, out, cap)
			      : qp_decode(in, n, out, cap);
}

/* ------------------------------------------------------------ uuencode */

size_t mde__mime_uu_lines(const uint8_t *p, const uint8_t *end, uint8_t *out,
			  size_t cap, const uint8_t **next)
{
	size_t o = 0;
	bool first = true;

	for (; p < end; first = false) {
		const uint8_t *ce, *nx = mde__mime_line_end(p, end, &ce);
		size_t len = (size_t)(ce - p), want, chars, got, i, j;

		if (len >= 3 && !memcmp(p, "end", 3) &&
		    skip_ws(p + 3, ce) == ce) {
			*next = nx;
			return o;
		}
		if (len == 0 || *p < 0x20 || *p > 0x60)
			break;
		want = (*p - 0x20u) & 63;
		chars = (want + 2) / 3 * 4;
		if (len - 1 + 3 < chars || len - 1 > chars + 2)
			break;
		got = (len * 3) / 4; /* (3 * (len - 1) + 3) / 4 */
		got = want < got ? want : got;
		if (got > cap - o)
			return TOO_BIG;
		for (i = 0, j = 1; i < got; i += 3, j += 4) {
			uint32_t x = 0;
			size_t k;

			for (k = 0; k < 4; k++) {
				uint32_t v = j + k < len ? p[j + k] - 0x20u : 0;

				x = x << 6 | (v & 63);
			}
			out[o + i] = (uint8_t)(x >> 16);
			if (i + 1 < got)
				out[o + i + 1] = (uint8_t)(x >> 8);
			if (i + 2 < got)
				out[o + i + 2] = (uint8_t)x;
		}
		o += got;
		p = nx;
	}
	*next = p;
	return first ? NO_BLOCK : o;
}

size_t mde__mime_uu_b64(const uint8_t *p, const uint8_t *end, uint8_t *out,
			size_t cap, const uint8_t **next)
{
	const uint8_t *stop = end, *ce;

	*next = end;
	if (p < end) {
		const uint8_t *h = memmem(p - 1, (size_t)(end - p + 1),
					  "\n====", 5);

		if (h) {
			stop = h + 1;
			*next = mde__mime_line_end(stop, end, &ce);
		}
	}
	return mde__mime_b64_decode(p, (size_t)(stop - p), out, cap);
}
