/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_arj.c - ARJ archives: two written by arj 3.10 (methods 1 and 4,
 * a text of 888 bytes), one stored archive built here, and damage: a
 * header whose CRC is wrong, data cut short, a size that lies, code
 * tables that make no code.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arj.h"

/* `arj a -m1 h1.arj h.txt`: "hello arj, hello arj! " 40 times, "the end" */
static const uint8_t h1[] =
	"\x60\xea\x2a\x00\x22\x0b\x01\x02\x10\x00\x02\x89\xa3\xc1\x15\x6b"
	"\xa3\xc1\x15\x6b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	"\x00\x00\x00\x00\x00\x00\x68\x31\x2e\x61\x72\x6a\x00\x00\x67\xd4"
	"\x79\x45\x00\x00\x60\xea\x35\x00\x2e\x0b\x01\x02\x10\x01\x00\xa3"
	"\xa2\xc1\x15\x6b\x2a\x00\x00\x00\x78\x03\x00\x00\xd7\xf9\xac\x99"
	"\x00\x00\xa4\x11\x00\x00\x00\x00\x00\x00\x9f\xc1\x15\x6b\xa2\xc1"
	"\x15\x6b\x00\x00\x00\x00\x68\x2e\x74\x78\x74\x00\x00\xc7\xdb\x43"
	"\xf2\x00\x00\x00\x1a\x42\x8a\x71\x7f\xb9\xe4\x03\xae\x79\x10\x41"
	"\x60\xc4\x79\x41\xe7\xa7\xd9\x1e\x4a\x47\x18\x00\x09\x46\x23\xa3"
	"\x33\xbc\x0f\x15\xc3\xab\xab\xaf\xeb\x48\x83\xcd\x58\x60\xea\x00"
	"\x00";

/* the same with -m4 */
static const uint8_t h4[] =
	"\x60\xea\x2a\x00\x22\x0b\x01\x02\x10\x00\x02\x89\xa3\xc1\x15\x6b"
	"\xa3\xc1\x15\x6b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	"\x00\x00\x00\x00\x00\x00\x68\x34\x2e\x61\x72\x6a\x00\x00\xc0\xfb"
	"\x41\x17\x00\x00\x60\xea\x35\x00\x2e\x0b\x01\x02\x10\x04\x00\xa3"
	"\xa2\xc1\x15\x6b\x27\x00\x00\x00\x78\x03\x00\x00\xd7\xf9\xac\x99"
	"\x00\x00\xa4\x11\x00\x00\x00\x00\x00\x00\xa3\xc1\x15\x6b\xa2\xc1"
	"\x15\x6b\x00\x00\x00\x00\x68\x2e\x74\x78\x74\x00\x00\xb9\x9b\xe9"
	"\x3f\x00\x00\x34\x19\x4d\x86\xc3\x78\x80\xc2\x72\x35\x0b\x04\x1c"
	"\x00\xa1\x0f\x10\x2b\xff\xf0\x57\xff\xf0\x57\xff\xf0\x57\xf2\x00"
	"\xa9\xd0\xd0\x65\x10\x19\x4d\xc6\x40\x50\x60\xea\x00\x00";

struct out {
	uint8_t b[1024];
	size_t n, stop_at;
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

static void text(char *t)
{
	int i;

	t[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(t, "hello arj, hello arj! ");
	strcat(t, "the end\n");
}

/* Walks buf and decodes its one entry into o: the decoder's answer. */
static int one(const uint8_t *buf, size_t len, struct out *o,
	       mde__arj_entry *e)
{
	mde__arj a;
	mde__arj_dec *d = mde__arj_dec_new();
	int rc;

	assert_non_null(d);
	assert_true(mde__arj_is(buf, len));
	assert_int_equal(mde__arj_open(&a, buf, len), 0);
	assert_int_equal(mde__arj_next(&a, e), 1);
	rc = mde__arj_decode(d, e, sink, o);
	mde__arj_dec_free(d);
	return rc;
}

static void test_methods(void **state)
{
	char want[1024];
	struct out o = { .n = 0 };
	mde__arj_entry e;
	mde__arj a;

	(void)state;
	text(want);
	assert_int_equal(one(h1, sizeof(h1) - 1, &o, &e), MDE__ARJ_OK);
	assert_string_equal(e.name, "h.txt");
	assert_int_equal(e.method, 1);
	assert_int_equal(o.n, 888);
	assert_memory_equal(o.b, want, 888);
	o.n = 0;
	assert_int_equal(one(h4, sizeof(h4) - 1, &o, &e), MDE__ARJ_OK);
	assert_int_equal(e.method, 4);
	assert_int_equal(o.n, 888);
	assert_memory_equal(o.b, want, 888);
	/* the end of the archive */
	assert_int_equal(mde__arj_open(&a, h4, sizeof(h4) - 1), 0);
	assert_int_equal(mde__arj_next(&a, &e), 1);
	assert_int_equal(mde__arj_next(&a, &e), 0);
	/* a sink that says stop */
	o.n = 0;
	o.stop_at = 100;
	assert_int_equal(one(h1, sizeof(h1) - 1, &o, &e), MDE__ARJ_STOPPED);
}

static void test_damage(void **state)
{
	uint8_t b[256];
	struct out o = { .n = 0 };
	mde__arj_entry e;
	mde__arj a;
	size_t n = sizeof(h1) - 1;

	(void)state;
	/* a main header whose CRC is wrong is no ARJ */
	memcpy(b, h1, n);
	b[10] ^= 1;
	assert_int_equal(mde__arj_open(&a, b, n), -1);
	/* data cut short: what there is, then damage */
	memcpy(b, h1, n);
	assert_int_equal(one(b, n - 20, &o, &e), MDE__ARJ_DAMAGED);
	assert_true(o.n < 888);
	assert_int_equal(mde__arj_open(&a, b, n - 20), 0);
	assert_int_equal(mde__arj_next(&a, &e), 1);
	assert_int_equal(mde__arj_next(&a, &e), -1);
	/* a garbage stream: no code matches, or the data runs out */
	memset(b + n - 4 - 38, 0xff, 30);
	o.n = 0;
	assert_int_equal(one(b, n, &o, &e), MDE__ARJ_DAMAGED);
}

/* A stored file built here: headers with their CRCs. */
static size_t header(uint8_t *p, int type, const char *name, uint32_t size)
{
	size_t n = 30 + strlen(name) + 2;
	uint32_t c = 0xFFFFFFFFu;
	size_t i;
	int k;

	memset(p, 0, 4 + n + 6);
	p[0] = 0x60;
	p[1] = 0xEA;
	p[2] = (uint8_t)n;
	p[4] = 30;
	p[10] = (uint8_t)type;
	for (i = 0; i < 4; i++) {
		p[4 + 12 + i] = (uint8_t)(size >> (8 * i));
		p[4 + 16 + i] = (uint8_t)(size >> (8 * i));
	}
	memcpy(p + 4 + 30, name, strlen(name));
	for (i = 0; i < n; i++) {
		c ^= p[4 + i];
		for (k = 0; k < 8; k++)
			c = c >> 1 ^ (0xEDB88320u & (0u - (c & 1)));
	}
	c = ~c;
	for (i = 0; i < 4; i++)
		p[4 + n + i] = (uint8_t)(c >> (8 * i));
	return 4 + n + 4 + 2;
}

static void test_stored_and_lies(void **state)
{
	uint8_t b[512];
	struct out o = { .n = 0 };
	mde__arj_entry e;
	size_t n;

	(void)state;
	n = header(b, 2, "x.arj", 0);
	n += header(b + n, 0, "a\001b.bin", 5);
	memcpy(b + n, "hello", 5);
	n += 5;
	b[n++] = 0x60;
	b[n++] = 0xEA;
	b[n++] = 0;
	b[n++] = 0;
	assert_int_equal(one(b, n, &o, &e), MDE__ARJ_OK);
	assert_string_equal(e.name, "a_b.bin");
	assert_int_equal(o.n, 5);
	assert_memory_equal(o.b, "hello", 5);
	/* method 1 claiming 4 GB out of 42 bytes: damage, not a hang */
	memcpy(b, h1, sizeof(h1) - 1);
	o.n = 0;
	o.stop_at = 0;
	{
		mde__arj a;
		mde__arj_dec *d = mde__arj_dec_new();

		assert_int_equal(mde__arj_open(&a, b, sizeof(h1) - 1), 0);
		assert_int_equal(mde__arj_next(&a, &e), 1);
		e.size = 0xFFFFFFFFu;
		o.stop_at = sizeof(o.b);
		assert_true(mde__arj_decode(d, &e, sink, &o) != MDE__ARJ_OK);
		mde__arj_dec_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_stored_and_lies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
