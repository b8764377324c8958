/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_arj.c - libFuzzer harness for the ARJ reader (arj.c).
 *
 * Input: any bytes.  When they make no ARJ archive, each is tried as the
 * packed data of an entry of every method (0 to 4) claiming 64 KiB, so
 * that the decoders see arbitrary streams without a valid header first.
 * Invariants: entries' data lie inside the input; a decoder hands out
 * no more than the entry's size, and stops when its sink says so.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arj.h"

struct out {
	const mde__arj_entry *e;
	uint64_t n;
	unsigned sum;
};

static int sink(void *ctx, const uint8_t *data, size_t n)
{
	struct out *o = ctx;

	o->n += n;
	if (o->n > o->e->size)
		abort();
	o->sum += n ? data[n - 1] : 0;
	return o->n > (1u << 20); /* enough: stop */
}

static void decode(mde__arj_dec *d, const mde__arj_entry *e)
{
	struct out o = { e, 0, 0 };

	(void)mde__arj_decode(d, e, sink, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__arj_dec *d = mde__arj_dec_new();
	mde__arj a;
	mde__arj_entry e;
	unsigned m;

	if (!d)
		return 0;
	if (mde__arj_open(&a, data, size) == 0) {
		while (mde__arj_next(&a, &e) == 1) {
			if (e.data < data || e.data + e.len > data + size)
				abort();
			decode(d, &e);
		}
	} else {
		memset(&e, 0, sizeof(e));
		e.data = data;
		e.len = size;
		e.packed = (uint32_t)size;
		e.size = 65536;
		for (m = 0; m <= 4; m++) {
			e.method = m;
			decode(d, &e);
		}
	}
	mde__arj_dec_free(d);
	return 0;
}
