/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_tnef.c - libFuzzer harness for the TNEF reader (tnef.c).
 *
 * Input: any bytes, with the TNEF signature put in front when they lack
 * it (so every input walks).  Invariants: every file's data lies inside
 * the input, no longer than the length the stream claims; names are
 * non-empty and free of control characters; the walk ends (each call
 * moves forward) and reports damage only as -1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tnef.h"

static void check(const uint8_t *buf, size_t len)
{
	mde__tnef t;
	mde__tnef_file f;
	size_t calls = 0, i;
	unsigned sum = 0;
	int rc;

	mde__tnef_init(&t, buf, len);
	while ((rc = mde__tnef_next(&t, &f)) == 1) {
		if (++calls > len)
			abort(); /* each file is at least one attribute */
		if (f.data < buf || f.data + f.len > buf + len ||
		    f.len > f.declared || !f.name[0])
			abort();
		for (i = 0; f.name[i]; i++)
			if ((uint8_t)f.name[i] < 0x20 || f.name[i] == 0x7f)
				abort();
		for (i = 0; i < f.len; i++)
			sum += f.data[i];
	}
	if (rc != 0 && rc != -1)
		abort();
	if (mde__tnef_next(&t, &f) == 1)
		abort(); /* an ended walk stays ended */
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b;

	if (mde__tnef_is(data, size)) {
		check(data, size);
		return 0;
	}
	b = malloc(size + 6);
	if (!b)
		return 0;
	memcpy(b, "\x78\x9f\x3e\x22\x01\x00", 6);
	memcpy(b + 6, data, size);
	check(b, size + 6);
	free(b);
	return 0;
}
