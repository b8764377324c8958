/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_binhex.c - BinHex 4.0 texts written by tests/carriers/mkbinhex.py:
 * the header, both forks with runs and a literal 0x90, names made safe,
 * the announcement searched for in a window, text cut short, and the
 * reader giving no more than asked for however long a run.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "binhex.h"

/* data "hello \x90 world " and 300 'x', resource "RSRC", name "a\1b.txt" */
static const char hqx[] =
	"(This file must be converted with BinHex 4.0)\r\n\r\n"
	":\"f%\"BLjdH(3!9%9B9(4dH(3!N!3\"1J!!!!4hKfKPE'a[)*!!)(G[FQaN)(L3rhL\r\n"
	"3,9'a8P053pbD:\r\n";

static void test_forks(void **state)
{
	mde__binhex h;
	uint8_t buf[512];
	char want[512];

	(void)state;
	assert_int_equal(mde__binhex_find((const uint8_t *)hqx, strlen(hqx),
					  4096), 0);
	assert_int_equal(mde__binhex_open(&h, (const uint8_t *)hqx,
					  strlen(hqx), 0), 0);
	assert_string_equal(h.name, "a_b.txt");
	assert_int_equal(h.data_len, 14 + 300);
	assert_int_equal(h.rsrc_len, 4);
	assert_int_equal(mde__binhex_read(&h, buf, sizeof(buf) < h.data_len
						     ? sizeof(buf) : h.data_len),
			 314);
	memcpy(want, "hello \x90 world ", 14);
	memset(want + 14, 'x', 300);
	assert_memory_equal(buf, want, 314);
	assert_int_equal(mde__binhex_skip(&h, 2), 2);
	assert_int_equal(mde__binhex_read(&h, buf, 4), 4);
	assert_memory_equal(buf, "RSRC", 4);
	assert_int_equal(mde__binhex_skip(&h, 2), 2);
	assert_int_equal(mde__binhex_read(&h, buf, 1), 0);
}

/* A run gives no more than is asked for, a call at a time. */
static void test_runs_in_slices(void **state)
{
	mde__binhex h;
	uint8_t b[7];
	size_t got = 0, n;

	(void)state;
	assert_int_equal(mde__binhex_open(&h, (const uint8_t *)hqx,
					  strlen(hqx), 0), 0);
	while (got < 314 &&
	       (n = mde__binhex_read(&h, b, 314 - got < 7 ? 314 - got : 7))) {
		assert_true(n <= sizeof(b));
		got += n;
	}
	assert_int_equal(got, 314);
}

static void test_found_in_text_and_cut(void **state)
{
	char text[1024];
	mde__binhex h;
	uint8_t buf[64];
	long at;
	size_t cut;

	(void)state;
	snprintf(text, sizeof(text), "Hi,\r\nhere it is.\r\n\r\n%s", hqx);
	at = mde__binhex_find((const uint8_t *)text, strlen(text), 4096);
	assert_int_equal(at, 20);
	assert_int_equal(mde__binhex_find((const uint8_t *)text, strlen(text),
					  40), -1);
	/* cut inside the data fork: what is there, then nothing */
	cut = (size_t)at + 49 + 40;
	assert_int_equal(mde__binhex_open(&h, (const uint8_t *)text, cut,
					  (size_t)at), 0);
	assert_true(mde__binhex_read(&h, buf, sizeof(buf)) < 40);
	assert_int_equal(mde__binhex_read(&h, buf, sizeof(buf)), 0);
	/* cut inside the header, or no data at all */
	assert_int_equal(mde__binhex_open(&h, (const uint8_t *)text,
					  (size_t)at + 49 + 5, (size_t)at),
			 -1);
	assert_int_equal(mde__binhex_open(&h, (const uint8_t *)hqx, 47, 0),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forks),
		cmocka_unit_test(test_runs_in_slices),
		cmocka_unit_test(test_found_in_text_and_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
