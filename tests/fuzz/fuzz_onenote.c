/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_onenote.c - the OneNote reader (onenote.c) on arbitrary bytes:
 * every embedded file lies inside the input, and the walk moves forward.
 */
#include <stdlib.h>

#include "onenote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0, last = 0, off, len;
	unsigned sum = 0;
	int cut;

	(void)mde__one_magic(data, size);
	(void)mde__one_packaged(data, size);
	while (mde__one_next(data, size, &pos, &off, &len, &cut)) {
		if (off > size || len > size - off || pos <= last)
			abort();
		last = pos;
		if (len)
			sum += data[off] + data[off + len - 1];
	}
	return (int)(sum & 0);
}
