/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_mspack.c - libFuzzer harness for libmspack over memory (msmem.c):
 * CHM, SZDD and KWAJ read from the input and every file written to a
 * sink that takes at most 4 MiB, libmspack's memory capped at 16 MiB.
 *
 * The first byte picks the format; the rest is the file, its magic put
 * in front when it lacks one (so that every input gets past the
 * signature).  Nothing may crash, leak or read outside the input;
 * every allocation is freed when the decompressor is gone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msmem.h"

#define OUT_CAP (4u << 20)
#define MEM_CAP (16u << 20)

struct out {
	size_t n;
	unsigned sum;
};

static int sink(void *ctx, const uint8_t *data, size_t n)
{
	struct out *o = ctx;
	size_t i;

	if (o->n + n > OUT_CAP)
		return 1;
	for (i = 0; i < n; i += 512)
		o->sum += data[i];
	o->n += n;
	return 0;
}

static void chm(mde__msmem *m)
{
	struct mschm_decompressor *d = mspack_create_chm_decompressor(&m->sys);
	struct mschmd_header *h;
	struct mschmd_file *f;
	int n = 0;

	if (!d)
		return;
	h = d->open(d, MDE__MSMEM_IN);
	for (f = h ? h->files : NULL; f && n < 64; f = f->next, n++)
		if (f->length > 0 && f->offset < (off_t)OUT_CAP)
			(void)d->extract(d, f, MDE__MSMEM_OUT);
	if (h)
		d->close(d, h);
	mspack_destroy_chm_decompressor(d);
}

static void szdd(mde__msmem *m)
{
	struct msszdd_decompressor *d =
		mspack_create_szdd_decompressor(&m->sys);
	struct msszddd_header *h;

	if (!d)
		return;
	h = d->open(d, MDE__MSMEM_IN);
	if (h) {
		(void)d->extract(d, h, MDE__MSMEM_OUT);
		d->close(d, h);
	}
	mspack_destroy_szdd_decompressor(d);
}

static void kwaj(mde__msmem *m)
{
	struct mskwaj_decompressor *d =
		mspack_create_kwaj_decompressor(&m->sys);
	struct mskwajd_header *h;

	if (!d)
		return;
	h = d->open(d, MDE__MSMEM_IN);
	if (h) {
		(void)d->extract(d, h, MDE__MSMEM_OUT);
		d->close(d, h);
	}
	mspack_destroy_kwaj_decompressor(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const magic[] = { "ITSF\3\0\0\0",
					     "SZDD\x88\xf0\x27\x33",
					     "KWAJ\x88\xf0\x27\xd1" };
	struct out o = { 0, 0 };
	mde__msmem m;
	uint8_t *b;
	int which;

	if (size < 1)
		return 0;
	which = data[0] % 3;
	data++;
	size--;
	b = malloc(size + 8);
	if (!b)
		return 0;
	if (size >= 4 && memcmp(data, magic[which], 4) == 0) {
		memcpy(b, data, size);
	} else {
		memcpy(b, magic[which], 8);
		memcpy(b + 8, data, size);
		size += 8;
	}
	mde__msmem_init(&m, b, size, MEM_CAP, sink, NULL, &o);
	mde__msmem_enter(&m);
	if (which == 0)
		chm(&m);
	else if (which == 1)
		szdd(&m);
	else
		kwaj(&m);
	if (m.alloc_used != 0)
		abort(); /* libmspack gave back all it took */
	free(b);
	return 0;
}
