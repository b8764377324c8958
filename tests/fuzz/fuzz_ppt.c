/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ppt.c - libFuzzer harness for the PowerPoint object finder and
 * reader (ppt.c).
 *
 * Input: a PowerPoint Document stream.  Every ExOleObjStg record found
 * must lie inside the input, the walk must end, and every object is read
 * (inflated when compressed) with a cap on its output, which the reader
 * must stop at.
 *
 * Seeds (corpus/ppt): the PowerPoint Document stream of a LibreOffice
 * presentation with two embedded objects (compressed), one made
 * uncompressed, one cut short, and a record claiming more than there is.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "ppt.h"

#define CAP (8u << 20)

static int count(void *ctx, const uint8_t *data, size_t n)
{
	size_t *total = ctx;

	if (!n)
		abort();
	(void)data[n - 1];
	*total += n;
	return *total >= CAP;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__ppt p;
	mde__ppt_obj o;
	size_t total;
	int n = 0;

	mde__ppt_init(&p, data, size);
	while (mde__ppt_next(&p, &o)) {
		if (o.data < data || o.len > size ||
		    o.data + o.len > data + size || ++n > (int)size / 8 + 1)
			abort();
		total = 0;
		mde__ppt_read(&o, count, &total);
		if (total > CAP + (64 << 10))
			abort();
	}
	return 0;
}
