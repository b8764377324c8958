/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_onenote.c - unit tests for the OneNote reader (onenote.c): the
 * file types, the packaging, and embedded files found by their
 * FileDataStoreObject header, a cut one included.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "onenote.h"

static const uint8_t section[16] = {
	0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d,
	0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3,
};
static const uint8_t fdso[16] = {
	0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26, 0x11, 0x45,
	0xa4, 0xc4, 0x8d, 0x4d, 0x0b, 0x7a, 0x9e, 0xac,
};

/* Appends a FileDataStoreObject of data (n bytes, claiming len). */
static size_t object(uint8_t *b, size_t at, const char *data, size_t n,
		     uint64_t len)
{
	int i;

	memcpy(b + at, fdso, 16);
	for (i = 0; i < 8; i++)
		b[at + 16 + i] = (uint8_t)(len >> (8 * i));
	memset(b + at + 24, 0, 12);
	memcpy(b + at + 36, data, n);
	return at + 36 + n;
}

static void test_files(void **state)
{
	uint8_t b[2048] = { 0 };
	size_t n, pos = 0, off, len;
	int cut;

	(void)state;
	memcpy(b, section, 16);
	assert_int_equal(mde__one_magic(b, sizeof(b)), 1);
	assert_false(mde__one_packaged(b, sizeof(b)));
	n = object(b, 1024, "first file", 10, 10);
	n = object(b, n + 4, "second", 6, 1000);
	assert_true(mde__one_next(b, n, &pos, &off, &len, &cut));
	assert_int_equal(len, 10);
	assert_memory_equal(b + off, "first file", 10);
	assert_false(cut);
	assert_true(mde__one_next(b, n, &pos, &off, &len, &cut));
	assert_int_equal(len, 6);
	assert_true(cut);
	assert_false(mde__one_next(b, n, &pos, &off, &len, &cut));
	b[0] = 0;
	assert_int_equal(mde__one_magic(b, sizeof(b)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
