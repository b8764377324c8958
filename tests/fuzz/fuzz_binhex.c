/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_binhex.c - libFuzzer harness for the BinHex 4.0 reader (binhex.c).
 *
 * Input: any bytes, searched for the announcement as the handler does
 * (and, when it is missing, read as if it were in front).  Both forks are
 * read in slices whose size the input picks, at most 1 MiB in all
 * (runs expand ~100 times).  Invariants: no read gives more than asked
 * for, an ended stream stays ended, the name is free of control
 * characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binhex.h"

#define ANNOUNCE "(This file must be converted with BinHex 4.0)\n"
#define MAX_OUT (1u << 20)

static void drain(mde__binhex *h, uint32_t len, size_t slice)
{
	static uint8_t out[4096];
	size_t got = 0, n, want;

	while (got < len && got < MAX_OUT) {
		want = len - got < slice ? len - got : slice;
		n = mde__binhex_read(h, out, want);
		if (n > want)
			abort();
		if (n == 0) {
			if (mde__binhex_read(h, out, 1) != 0)
				abort();
			return;
		}
		got += n;
	}
}

static void check(const uint8_t *buf, size_t len, size_t slice)
{
	mde__binhex h;
	long at = mde__binhex_find(buf, len, 4096);
	size_t i;

	if (at < 0 || mde__binhex_open(&h, buf, len, (size_t)at) < 0)
		return;
	for (i = 0; h.name[i]; i++)
		if ((uint8_t)h.name[i] < 0x20 || h.name[i] == 0x7f)
			abort();
	drain(&h, h.data_len, slice);
	if (mde__binhex_skip(&h, 2) == 2)
		drain(&h, h.rsrc_len, slice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t slice = size ? (size_t)data[0] % 64 + 1 : 1;
	uint8_t *b;

	if (mde__binhex_find(data, size, 4096) >= 0) {
		check(data, size, slice);
		return 0;
	}
	b = malloc(size + sizeof(ANNOUNCE));
	if (!b)
		return 0;
	memcpy(b, ANNOUNCE, sizeof(ANNOUNCE) - 1);
	memcpy(b + sizeof(ANNOUNCE) - 1, data, size);
	check(b, size + sizeof(ANNOUNCE) - 1, slice * 61);
	free(b);
	return 0;
}
