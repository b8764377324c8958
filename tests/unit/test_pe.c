/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pe.c - unit tests for the PE reader (pe.c, pe_res.c): a PE32 and
 * a PE32+ built here with two sections, a resource tree (RT_RCDATA and a
 * named type) and an overlay, with and without an Authenticode
 * certificate and a COFF symbol table after the sections; a resource
 * tree that loops; every truncation of the file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pe.h"

#define SIZE 0x2000

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

/* Headers at 0x80, .text at 0x400 (0x200 bytes), .rsrc at 0x600 (0x400
 * bytes, address 0x2000); the overlay from 0xa00.  Returns the offset of
 * the data directories. */
static size_t mk_pe(uint8_t *b, int pe64)
{
	const size_t opt = 0x98, optsz = pe64 ? 0xf0 : 0xe0;
	const size_t dirs = opt + (pe64 ? 112 : 96), sect = opt + optsz;

	memset(b, 0, SIZE);
	b[0] = 'M';
	b[1] = 'Z';
	put32(b + 0x3c, 0x80);
	memcpy(b + 0x80, "PE\0\0", 4);
	put16(b + 0x86, 2);
	put16(b + 0x94, (uint32_t)optsz);
	put16(b + opt, pe64 ? 0x20b : 0x10b);
	put32(b + opt + 36, 0x200);
	put32(b + dirs - 4, 16);
	memcpy(b + sect, ".text", 5);
	put32(b + sect + 8, 0x200);
	put32(b + sect + 12, 0x1000);
	put32(b + sect + 16, 0x200);
	put32(b + sect + 20, 0x400);
	memcpy(b + sect + 40, ".rsrc", 5);
	put32(b + sect + 48, 0x400);
	put32(b + sect + 52, 0x2000);
	put32(b + sect + 56, 0x400);
	put32(b + sect + 60, 0x600);
	put32(b + dirs + 16, 0x2000);
	put32(b + dirs + 20, 0x400);
	return dirs;
}

/* A directory at r + d with n id entries. */
static void dir(uint8_t *r, uint32_t d, uint32_t nnamed, uint32_t nid)
{
	put16(r + d + 12, nnamed);
	put16(r + d + 14, nid);
}

static void entry(uint8_t *r, uint32_t d, int i, uint32_t name, uint32_t ptr)
{
	put32(r + d + 16 + 8 * i, name);
	put32(r + d + 16 + 8 * i + 4, ptr);
}

/* root: RCDATA (10) and the type named "BIN"; RCDATA/101 holds "MZ..."
 * (16 bytes), BIN/7 holds 8 bytes; data entries for language 1033. */
static void mk_res(uint8_t *b)
{
	uint8_t *r = b + 0x600;

	dir(r, 0, 1, 1);
	entry(r, 0, 0, 0x80000000u | 0x200, 0x80000000u | 0x40);
	entry(r, 0, 1, 10, 0x80000000u | 0x20);
	dir(r, 0x20, 0, 1);                     /* RCDATA: 101 */
	entry(r, 0x20, 0, 101, 0x80000000u | 0x60);
	dir(r, 0x40, 0, 1);                     /* BIN: 7 */
	entry(r, 0x40, 0, 7, 0x80000000u | 0x80);
	dir(r, 0x60, 0, 1);
	entry(r, 0x60, 0, 1033, 0xa0);
	dir(r, 0x80, 0, 1);
	entry(r, 0x80, 0, 1033, 0xb0);
	put32(r + 0xa0, 0x2000 + 0x100);
	put32(r + 0xa4, 16);
	put32(r + 0xb0, 0x2000 + 0x120);
	put32(r + 0xb4, 8);
	memcpy(r + 0x100, "MZ second program", 16);
	memcpy(r + 0x120, "binary!!", 8);
	put16(r + 0x200, 3);                    /* the name "BIN" */
	put16(r + 0x202, 'B');
	put16(r + 0x204, 'I');
	put16(r + 0x206, 'N');
}

static void test_resources(void **state)
{
	static uint8_t b[SIZE];
	mde__pe pe;
	mde__pe_res_iter it;
	mde__pe_res r;
	int pe64;

	(void)state;
	for (pe64 = 0; pe64 < 2; pe64++) {
		mk_pe(b, pe64);
		mk_res(b);
		assert_int_equal(mde__pe_parse(b, 0xa00, &pe), 1);
		assert_int_equal(pe.pe64, pe64);
		assert_int_equal(pe.ovl, 0xa00);
		assert_int_equal(pe.ovl_end, 0xa00);
		assert_int_equal(mde__pe_res_begin(&it, &pe), 0);
		assert_int_equal(mde__pe_res_next(&it, &r), 1);
		assert_string_equal(r.label, "BIN/7");
		assert_int_equal(r.type, -1);
		assert_int_equal(r.len, 8);
		assert_memory_equal(r.data, "binary!!", 8);
		assert_int_equal(mde__pe_res_next(&it, &r), 1);
		assert_string_equal(r.label, "RCDATA/101");
		assert_int_equal(r.type, 10);
		assert_int_equal(r.id, 101);
		assert_int_equal(r.lang, 1033);
		assert_ptr_equal(r.data, b + 0x700);
		assert_int_equal(mde__pe_res_next(&it, &r), 0);
	}
}

static void test_overlay(void **state)
{
	static uint8_t b[SIZE];
	mde__pe pe;
	size_t dirs = mk_pe(b, 0);

	(void)state;
	assert_int_equal(mde__pe_parse(b, SIZE, &pe), 1);
	assert_int_equal(pe.ovl, 0xa00);
	assert_int_equal(pe.ovl_end, SIZE);
	assert_false(mde__pe_nonzero(b, pe.ovl, pe.ovl_end));
	b[SIZE - 1] = 1;
	assert_true(mde__pe_nonzero(b, pe.ovl, pe.ovl_end));
	/* a certificate ending the file is not overlay */
	put32(b + dirs + 32, 0x1000);
	put32(b + dirs + 36, SIZE - 0x1000);
	assert_int_equal(mde__pe_parse(b, SIZE, &pe), 1);
	assert_int_equal(pe.ovl_end, 0x1000);
	/* nor a symbol table and its string table where it starts */
	put32(b + 0x80 + 12, 0xa00);
	put32(b + 0x80 + 16, 2);
	put32(b + 0xa00 + 36, 8);
	assert_int_equal(mde__pe_parse(b, SIZE, &pe), 1);
	assert_int_equal(pe.ovl, 0xa00 + 36 + 8);
}

static void test_loop(void **state)
{
	static uint8_t b[SIZE];
	uint8_t *r = b + 0x600;
	mde__pe pe;
	mde__pe_res_iter it;
	mde__pe_res res;
	int i, rc;

	(void)state;
	mk_pe(b, 0);
	dir(r, 0, 0, 100);
	for (i = 0; i < 100; i++)
		entry(r, 0, i, (uint32_t)i, 0x80000000u); /* the root again */
	assert_int_equal(mde__pe_parse(b, SIZE, &pe), 1);
	assert_int_equal(mde__pe_res_begin(&it, &pe), 0);
	while ((rc = mde__pe_res_next(&it, &res)) == 1)
		;
	assert_int_equal(rc, -1);
	assert_true(it.visited > MDE__PE_RES_BUDGET);
}

static void test_truncated(void **state)
{
	static uint8_t b[SIZE];
	mde__pe pe;
	mde__pe_res_iter it;
	mde__pe_res r;
	size_t n;

	(void)state;
	mk_pe(b, 1);
	mk_res(b);
	for (n = 0; n <= 0xa00; n++) {
		uint8_t *c = malloc(n ? n : 1);

		assert_non_null(c);
		memcpy(c, b, n);
		if (mde__pe_parse(c, n, &pe)) {
			assert_true(pe.ovl <= pe.ovl_end && pe.ovl_end <= n);
			if (mde__pe_res_begin(&it, &pe) == 0)
				while (mde__pe_res_next(&it, &r) == 1)
					assert_true(r.data + r.len <= c + n);
		}
		free(c);
	}
	memcpy(b + 0x80, "PX\0\0", 4);
	assert_int_equal(mde__pe_parse(b, SIZE, &pe), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
