/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_zipx.c - libFuzzer harness for the ZIP member decoders libarchive
 * lacks (zipx.c: Deflate64, inflate64.c; Implode, explode.c).
 *
 * Input: a ZIP archive whose Implode and Deflate64 members are found and
 * decoded; or, when there is none, raw data decoded as both methods (the
 * first byte picks Implode's flags) claiming 16 KiB.  Invariants: a
 * member's data lie inside the input; no decoder hands out more than the
 * member's size, and each stops when its sink says so.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zipx.h"

struct out {
	uint64_t n, size;
	unsigned sum;
};

static int sink(void *ctx, const uint8_t *data, size_t n)
{
	struct out *o = ctx;

	o->n += n;
	if (o->n > o->size)
		abort();
	o->sum += n ? data[0] + data[n - 1] : 0;
	return o->n > (64u << 10); /* enough: stop */
}

static void decode(const mde__zipx_member *m)
{
	struct out o = { 0, m->size, 0 };

	(void)mde__zipx_decode(m, sink, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__zipx_member m;
	uint64_t from = 0;
	int found = 0;

	while (found < 16 && mde__zipx_find(data, size, "x", from, &m)) {
		if (m.data < data || m.data + m.len > data + size)
			abort();
		decode(&m);
		from = m.offset + 1;
		found++;
	}
	if (found || size < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.data = data + 1;
	m.len = size - 1;
	m.size = 16 * 1024;
	m.flags = data[0] & 0x06;
	m.method = MDE__ZIP_IMPLODE;
	decode(&m);
	m.method = MDE__ZIP_DEFLATE64;
	decode(&m);
	return 0;
}
