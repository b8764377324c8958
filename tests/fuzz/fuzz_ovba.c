/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ovba.c - libFuzzer harness for the VBA decompressor and the dir
 * stream's module list (ovba.c).
 *
 * Input: a CompressedContainer.  It is decompressed chunk by chunk (no
 * chunk may pass 4096 bytes, nor the whole pass 683 times the input),
 * into a buffer with a cap (which must hold), its output read as a dir
 * stream (every module name must end inside its field), and the input
 * searched for a module's source.
 *
 * Seeds (corpus/ovba): dir streams and module sources of
 * tests/carriers/mkole.py's projects, the example of [MS-OVBA] 3.2, a
 * container of stored chunks, one cut short.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ovba.h"

#define CAP (1u << 20)

static int count(void *ctx, const uint8_t *data, size_t n)
{
	size_t *total = ctx;

	if (!n || n > MDE__OVBA_CHUNK)
		abort();
	(void)data[n - 1];
	*total += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__ovba_module *mods;
	uint8_t *out;
	size_t total = 0, n, len, i, at;

	mde__ovba_decompress(data, size, count, &total);
	if (total > size * 683 + MDE__OVBA_CHUNK)
		abort();
	if (mde__ovba_inflate(data, size, CAP, &out, &len) != MDE__OVBA_NOMEM) {
		if (len > CAP || len > total)
			abort();
		if (mde__ovba_modules(out, len, &mods, &n) != MDE__OVBA_NOMEM) {
			for (i = 0; i < n; i++)
				if (strnlen(mods[i].name, MDE__OVBA_NAME_MAX) ==
					    MDE__OVBA_NAME_MAX ||
				    strnlen(mods[i].stream, MDE__OVBA_NAME_MAX) ==
					    MDE__OVBA_NAME_MAX)
					abort();
			free(mods);
		}
		free(out);
	}
	/* the input read as a dir stream too */
	if (mde__ovba_modules(data, size, &mods, &n) != MDE__OVBA_NOMEM)
		free(mods);
	at = mde__ovba_find_source(data, size);
	if (at != SIZE_MAX && (at >= size || data[at] != 1))
		abort();
	return 0;
}
