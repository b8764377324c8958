/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_zipx.c - ZIP members libarchive cannot decompress: Deflate64
 * written by 7-Zip, Implode written by tests/carriers/mkimplode.py
 * (checked by Info-ZIP's unzip), each a text of 965 bytes; found behind
 * junk, by name or not, and decoded whole, cut short or stopped.
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

#include "zipx.h"

/* `7z a -tzip -mm=Deflate64 td.zip t.txt` */
static const uint8_t td[] =
	"\x50\x4b\x03\x04\x15\x00\x00\x00\x09\x00\x79\xa2\x86\x5d\x74\x82"
	"\x6d\x6a\x31\x00\x00\x00\xc5\x03\x00\x00\x05\x00\x00\x00\x74\x2e"
	"\x74\x78\x74\xe5\xc9\xb1\x09\x00\x20\x0c\x04\xc0\xde\x29\x7e\x00"
	"\x71\x2a\xbf\x08\x48\x14\x4c\x21\x4e\x6f\xed\x06\x81\x2f\x8f\xbb"
	"\xb6\x0e\x82\x3b\x30\xcc\x59\xf1\xbb\x41\xfe\xe5\x5f\xfe\x53\x7f"
	"\x9f\xce\xf2\x00\x50\x4b\x01\x02\x3f\x03\x15\x00\x00\x00\x09\x00"
	"\x79\xa2\x86\x5d\x74\x82\x6d\x6a\x31\x00\x00\x00\xc5\x03\x00\x00"
	"\x05\x00\x24\x00\x00\x00\x00\x00\x00\x00\x20\x80\xa4\x81\x00\x00"
	"\x00\x00\x74\x2e\x74\x78\x74\x0a\x00\x20\x00\x00\x00\x00\x00\x01"
	"\x00\x18\x00\x24\xae\x1f\x25\xbf\x85\xdd\x01\x00\x00\x00\x00\x00"
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x50\x4b\x05\x06\x00"
	"\x00\x00\x00\x01\x00\x01\x00\x57\x00\x00\x00\x54\x00\x00\x00\x00"
	"\x00";

/* `mkimplode.py ti.zip t.txt` */
static const uint8_t ti[] =
	"\x50\x4b\x03\x04\x0a\x00\x06\x00\x06\x00\x00\x00\x21\x00\x74\x82"
	"\x6d\x6a\x4e\x00\x00\x00\xc5\x03\x00\x00\x05\x00\x00\x00\x74\x2e"
	"\x74\x78\x74\x18\x98\xf7\x57\x06\xf7\xf7\xf7\xf7\x37\x06\x27\x06"
	"\x37\x06\x47\x06\xf7\xf7\xf7\xf7\xf7\xf7\xf7\xf7\xa7\x05\x16\xf5"
	"\xf5\xf5\xc5\x04\x05\x03\x56\xf5\xf5\xf5\x85\xa3\x7e\x27\x8f\xf9"
	"\xff\xfe\x9b\xf0\xfd\x3f\xed\xf7\xe7\xef\xca\xbf\xc7\x2f\x97\x3c"
	"\x7e\xf6\xf9\xff\xef\xf3\xff\xdf\xe7\xbf\xf3\x9c\x29\x3f\x7f\x5f"
	"\x01\x50\x4b\x01\x02\x0a\x00\x0a\x00\x06\x00\x06\x00\x00\x00\x21"
	"\x00\x74\x82\x6d\x6a\x4e\x00\x00\x00\xc5\x03\x00\x00\x05\x00\x00"
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x74"
	"\x2e\x74\x78\x74\x50\x4b\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00"
	"\x33\x00\x00\x00\x71\x00\x00\x00\x00\x00";

struct out {
	uint8_t b[2048];
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
	for (i = 0; i < 30; i++)
		strcat(t, "zipx test line, zipx test line. ");
	strcat(t, "done\n");
}

static void check(const uint8_t *zip, size_t len, unsigned method)
{
	char want[2048];
	struct out o = { .n = 0 };
	mde__zipx_member m;

	text(want);
	assert_int_equal(mde__zipx_find(zip, len, "t.txt", 0, &m), 1);
	assert_int_equal(m.method, method);
	assert_int_equal(m.size, 965);
	assert_int_equal(mde__zipx_decode(&m, sink, &o), MDE__ZIPX_OK);
	assert_int_equal(o.n, 965);
	assert_memory_equal(o.b, want, 965);
	/* stopped by the sink */
	o.n = 0;
	o.stop_at = 10;
	assert_int_equal(mde__zipx_decode(&m, sink, &o), MDE__ZIPX_STOPPED);
	/* cut short: damage, after what there was */
	o.n = 0;
	o.stop_at = 0;
	m.len /= 2;
	assert_int_equal(mde__zipx_decode(&m, sink, &o), MDE__ZIPX_DAMAGED);
	assert_true(o.n < 965);
	/* past it, or no such method: nothing */
	assert_int_equal(mde__zipx_find(zip, len, "t.txt", m.offset + 1, &m),
			 0);
}

static void test_deflate64(void **state)
{
	(void)state;
	check(td, sizeof(td) - 1, MDE__ZIP_DEFLATE64);
}

static void test_implode(void **state)
{
	(void)state;
	check(ti, sizeof(ti) - 1, MDE__ZIP_IMPLODE);
}

/* Junk in front (a self-extractor) and a name that does not match. */
static void test_find(void **state)
{
	uint8_t *b = malloc(sizeof(ti) + 100);
	mde__zipx_member m;

	(void)state;
	assert_non_null(b);
	memset(b, 'J', 100);
	memcpy(b + 100, ti, sizeof(ti) - 1);
	assert_int_equal(mde__zipx_find(b, sizeof(ti) - 1 + 100, "other", 0,
					&m), 1);
	assert_int_equal(m.size, 965);
	assert_true(m.data > b + 100);
	/* no end record: nothing */
	assert_int_equal(mde__zipx_find(b, 120, "t.txt", 0, &m), 0);
	/* encrypted: not decoded */
	m.flags |= 1;
	assert_int_equal(mde__zipx_decode(&m, NULL, NULL),
			 MDE__ZIPX_UNSUPPORTED);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deflate64),
		cmocka_unit_test(test_implode),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
