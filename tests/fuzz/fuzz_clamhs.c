/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_clamhs.c - libFuzzer harness for the decoder of the cached
 * Vectorscan database of ClamAV patterns (cl_hcache_parse() in
 * lib/clamav_hscache.c): the file is read back from the cache directory,
 * which may have been tampered with.
 *
 * Input: a byte of flags, a u16 count of the compile's expressions, then
 * the file.  With flag bit 0 the harness writes the right checksum at the
 * file's end first, so that mutations reach the fields behind it.
 * Checks what holds for any input taken:
 *   - the drops and the database lie inside the file, each drop names one
 *     of the expressions left at its turn, and those left are nexpr;
 *   - encoding what was decoded gives back the same bytes (one spelling).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "clamav_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *p, size_t n, uint64_t nexpr,
		  const struct cl_hcache *h)
{
	uint32_t *drops = NULL, i;
	uint64_t left = nexpr;
	mde__buf b = { 0 };

	if (h->db < p || h->db + h->dblen > p + n || !h->dblen ||
	    h->drops < p || h->drops + 4 * (size_t)h->ndrop > p + n)
		abort();
	if (h->ndrop && !(drops = malloc(4 * (size_t)h->ndrop)))
		return;
	for (i = 0; i < h->ndrop; i++) {
		memcpy(&drops[i], h->drops + 4 * (size_t)i, 4);
		if (drops[i] >= left--)
			abort();
	}
	if (left != h->nexpr)
		abort();
	if (cl_hcache_encode(&b, h->nexpr, drops, h->ndrop, h->db,
			     h->dblen) == MDE_OK &&
	    (b.len != n || memcmp(b.p, p, n) != 0))
		abort();
	free(b.p);
	free(drops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cl_hcache h;
	uint8_t *p;
	uint64_t nexpr, sum;
	size_t n;

	if (size < 3)
		return 0;
	nexpr = (uint64_t)data[1] | (uint64_t)data[2] << 8;
	n = size - 3;
	p = malloc(n ? n : 1);
	if (!p)
		return 0;
	memcpy(p, data + 3, n);
	if ((data[0] & 1) && n >= 8) {
		sum = XXH3_64bits(p, n - 8);
		memcpy(p + n - 8, &sum, 8);
	}
	if (cl_hcache_parse(p, n, nexpr, &h) == 0)
		check(p, n, nexpr, &h);
	free(p);
	return 0;
}
