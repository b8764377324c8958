/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mspack.c - libmspack over memory (msmem.c): KWAJ and SZDD files
 * built here are read from a buffer and written to a callback, a callback
 * that says stop ends the extraction, the allocation cap refuses what
 * passes it, a patch is read in place of the input's bytes, and no file
 * name but the two is opened.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msmem.h"

struct out {
	uint8_t b[256];
	size_t n;
	size_t stop_at; /* refuse a write that passes it; 0: never */
};

static int sink(void *ctx, const uint8_t *data, size_t n)
{
	struct out *o = ctx;

	if (o->stop_at && o->n + n > o->stop_at)
		return 1;
	assert_true(o->n + n <= sizeof(o->b));
	memcpy(o->b + o->n, data, n);
	o->n += n;
	return 0;
}

/* KWAJ, method 1 (XOR 0xFF), holding "hello", named "a.txt". */
static size_t kwaj(uint8_t *b)
{
	static const uint8_t head[] = { 'K', 'W', 'A', 'J', 0x88, 0xf0, 0x27,
					0xd1, 1, 0, 28, 0, 0x19, 0, 5, 0, 0, 0,
					'a', 0, 't', 'x', 't', 0 };
	size_t i, n = sizeof(head);

	memcpy(b, head, n);
	b[10] = (uint8_t)(n + 4);
	memcpy(b + n, "\0\0\0\0", 4); /* pad to the data offset */
	n += 4;
	for (i = 0; i < 5; i++)
		b[n + i] = (uint8_t)("hello"[i] ^ 0xff);
	return n + 5;
}

static struct mskwajd_header *open_kwaj(struct mskwaj_decompressor **d,
					mde__msmem *m)
{
	mde__msmem_enter(m);
	*d = mspack_create_kwaj_decompressor(&m->sys);
	assert_non_null(*d);
	return (*d)->open(*d, MDE__MSMEM_IN);
}

static void test_kwaj(void **state)
{
	uint8_t b[64];
	size_t n = kwaj(b);
	struct out o = { .n = 0 };
	mde__msmem m;
	struct mskwaj_decompressor *d;
	struct mskwajd_header *h;

	(void)state;
	mde__msmem_init(&m, b, n, 1 << 20, sink, NULL, &o);
	h = open_kwaj(&d, &m);
	assert_non_null(h);
	assert_string_equal(h->filename, "a.txt");
	assert_int_equal(h->length, 5);
	assert_int_equal(d->extract(d, h, MDE__MSMEM_OUT), MSPACK_ERR_OK);
	assert_int_equal(o.n, 5);
	assert_memory_equal(o.b, "hello", 5);
	/* a sink that says stop */
	o.n = 0;
	o.stop_at = 2;
	assert_int_equal(d->extract(d, h, MDE__MSMEM_OUT), MSPACK_ERR_WRITE);
	/* other names are no files */
	assert_int_equal(d->extract(d, h, "/etc/passwd"), MSPACK_ERR_OPEN);
	d->close(d, h);
	mspack_destroy_kwaj_decompressor(d);
	assert_int_equal(m.alloc_used, 0);
}

static void test_alloc_cap_and_patch(void **state)
{
	uint8_t b[64];
	size_t n = kwaj(b);
	struct out o = { .n = 0 };
	mde__msmem m;
	struct mskwaj_decompressor *d;
	struct mskwajd_header *h;

	(void)state;
	/* too little memory for the decompressor's buffers */
	mde__msmem_init(&m, b, n, 64, sink, NULL, &o);
	h = open_kwaj(&d, &m);
	if (h) {
		assert_int_not_equal(d->extract(d, h, MDE__MSMEM_OUT),
				     MSPACK_ERR_OK);
		d->close(d, h);
	}
	if (d)
		mspack_destroy_kwaj_decompressor(d);
	assert_true(m.failed);
	/* "JWAK" read as "KWAJ" */
	memcpy(b, "JWAK", 4);
	mde__msmem_init(&m, b, n, 1 << 20, sink, NULL, &o);
	h = open_kwaj(&d, &m);
	assert_null(h);
	mspack_destroy_kwaj_decompressor(d);
	mde__msmem_patch(&m, 0, "KWAJ", 4);
	h = open_kwaj(&d, &m);
	assert_non_null(h);
	d->close(d, h);
	mspack_destroy_kwaj_decompressor(d);
}

/* SZDD, LZSS of literals only: flag byte 0xff, then 8 literals. */
static void test_szdd(void **state)
{
	uint8_t b[64] = { 'S', 'Z', 'D', 'D', 0x88, 0xf0, 0x27, 0x33, 'A',
			  'E', 8, 0, 0, 0, 0xff, 'a', 'b', 'c', 'd', 'e', 'f',
			  'g', 'h' };
	struct out o = { .n = 0 };
	mde__msmem m;
	struct msszdd_decompressor *d;
	struct msszddd_header *h;

	(void)state;
	mde__msmem_init(&m, b, 23, 1 << 20, sink, NULL, &o);
	mde__msmem_enter(&m);
	d = mspack_create_szdd_decompressor(&m.sys);
	h = d->open(d, MDE__MSMEM_IN);
	assert_non_null(h);
	assert_int_equal(h->missing_char, 'E');
	assert_int_equal(d->extract(d, h, MDE__MSMEM_OUT), MSPACK_ERR_OK);
	assert_int_equal(o.n, 8);
	assert_memory_equal(o.b, "abcdefgh", 8);
	d->close(d, h);
	mspack_destroy_szdd_decompressor(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kwaj),
		cmocka_unit_test(test_alloc_cap_and_patch),
		cmocka_unit_test(test_szdd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
