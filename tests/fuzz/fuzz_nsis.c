/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_nsis.c - libFuzzer harness for the NSIS reader (nsis*.c).
 *
 * Input: a mode byte, then
 *   mode 0: a whole file: the FirstHeader looked for from offset 0 (and
 *           where a PE's sections would end), the files read;
 *   mode 1: the installer's data after a FirstHeader made here (its
 *           lengths from the input's size), so the layout detection, the
 *           script header and the decoders see arbitrary bytes;
 *   mode 2: a stream given to NSIS's bzip2 decoder alone.
 * Checks: no file is longer than what was asked of read(), skip() with a
 * budget never decodes past it, the status is one of the four.
 *
 * Seeds (corpus/nsis): "\0" + installers from makensis (zlib, bzip2,
 * LZMA, solid or not; tests/carriers/mk_pe.sh), "\1" + their data after
 * the FirstHeader, "\2" + their NSIS bzip2 streams.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsis.h"
#include "nsis_int.h"

#define CAP (1u << 20)
#define SLICE 4096

static uint8_t out[SLICE];

static void walk(const uint8_t *buf, size_t len, size_t fh)
{
	mde__nsis *n = mde__nsis_open(buf, len, fh, CAP, 1u << 20);
	mde__nsis_item it;
	int files = 0;

	if (!n)
		return;
	while (mde__nsis_next(n, &it) && files++ < 4096) {
		size_t got = 0, k;

		if (it.data && it.size < 0)
			abort();
		while (!it.data && got < CAP &&
		       (k = mde__nsis_read(n, out, SLICE)) > 0) {
			if (k > SLICE)
				abort();
			got += k;
		}
		if (it.size >= 0 && !it.data && got > (size_t)it.size)
			abort();
		(void)mde__nsis_skip(n, CAP);
	}
	if ((unsigned)mde__nsis_status(n, NULL) > MDE__NSIS_LIMIT)
		abort();
	(void)mde__nsis_consumed(n);
	mde__nsis_close(n);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void bz_only(const uint8_t *d, size_t n)
{
	struct nsis_bz *z = mde__nsis_bz_new();
	size_t total = 0;
	int st = 0;

	if (!z)
		return;
	mde__nsis_bz_start(z, d, n);
	while (st == 0 && total < 16 * CAP) {
		size_t k = mde__nsis_bz_read(z, out, SLICE, &st);

		if (k > SLICE || (k == 0 && st == 0))
			abort();
		total += k;
	}
	mde__nsis_bz_free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 0) {
		walk(data + 1, size - 1, mde__nsis_find(data + 1, size - 1, 0));
		return 0;
	}
	if (data[0] % 3 == 2) {
		bz_only(data + 1, size - 1);
		return 0;
	}
	f = malloc(28 + size);
	if (!f)
		return 0;
	put32(f, 0);
	put32(f + 4, 0xdeadbeef);
	memcpy(f + 8, "NullsoftInst", 12);
	put32(f + 20, (uint32_t)(size * 4 + 1));
	put32(f + 24, (uint32_t)(28 + size - 1));
	memcpy(f + 28, data + 1, size - 1);
	walk(f, 28 + size - 1, 0);
	free(f);
	return 0;
}
