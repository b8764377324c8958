/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_rtf.c - RTF objects (rtf.c): found, decoded with Word's leniency,
 * read past when the reader wants no more.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtf.h"

struct out {
	char buf[256];
	size_t len;
	int stop;
};

static int keep(void *ctx, const uint8_t *data, size_t n)
{
	struct out *o = ctx;

	assert_true(n < sizeof(o->buf) - o->len);
	memcpy(o->buf + o->len, data, n);
	o->len += n;
	return o->stop;
}

/* The objects of text, each decoded, joined by '|' in got. */
static void objects(const char *text, char *got, size_t size, int stop)
{
	mde__rtf r;
	struct out o;
	int kind;
	size_t k = 0;

	mde__rtf_init(&r, (const uint8_t *)text, strlen(text));
	while ((kind = mde__rtf_find(&r)) != MDE__RTF_END) {
		memset(&o, 0, sizeof(o));
		o.stop = stop;
		mde__rtf_decode(&r, kind, keep, &o);
		assert_true(k + o.len + 2 < size);
		got[k++] = kind == MDE__RTF_BIN ? 'b' : 'o';
		memcpy(got + k, o.buf, o.len);
		k += o.len;
		got[k++] = '|';
	}
	got[k] = 0;
}

static void test_hex(void **state)
{
	char got[256];

	(void)state;
	assert_true(mde__rtf_magic((const uint8_t *)"{\\rtf1", 6));
	assert_true(mde__rtf_magic((const uint8_t *)"{\\rtxyz", 7));
	assert_false(mde__rtf_magic((const uint8_t *)"{\\r", 3));
	/* white space inside bytes, case, \par, plain groups, junk
	 * characters, an ignorable group, \'hh, a last digit alone */
	objects("{\\rtf1{\\object{\\*\\objdata 41 4\r\n2\\par 4a{4b}zz"
		"{\\*\\junk 4344}\\'41 4c4}}4d}", got, sizeof(got), 0);
	assert_string_equal(got, "oABJKL|");
	/* two objects; the text around them is no data */
	objects("{\\rtf1 4142{\\*\\objdata 61}{\\*\\objdata\n62}4344}", got,
		sizeof(got), 0);
	assert_string_equal(got, "oa|ob|");
	/* a document cut inside its object */
	objects("{\\rtf1{\\*\\objdata 616", got, sizeof(got), 0);
	assert_string_equal(got, "oa|");
}

static void test_bin(void **state)
{
	char got[256];

	(void)state;
	/* \bin inside an object: raw bytes, braces and backslashes too; a
	 * digit left alone before it is dropped */
	objects("{\\rtf1{\\*\\objdata 414\\bin4 }{\\x42}}", got, sizeof(got),
		0);
	assert_string_equal(got, "oA}{\\xB|");
	/* outside any object: an object of its own; in a skipped group
	 * inside one: read past */
	objects("{\\rtf1{\\pict\\bin3 a}b}{\\*\\objdata 43{\\*\\y\\bin1 }}44}}",
		got, sizeof(got), 0);
	assert_string_equal(got, "ba}b|oCD|");
	/* claims past the end: what there is; negative: nothing */
	objects("{\\rtf1\\bin4294967296 xy", got, sizeof(got), 0);
	assert_string_equal(got, "bxy|");
	objects("{\\rtf1\\bin-5 xy\\bin0 z", got, sizeof(got), 0);
	assert_string_equal(got, "");
}

static void test_stop(void **state)
{
	char got[256];

	(void)state;
	/* a reader that wants no more: the rest of the object is read
	 * past (its \bin bytes too), the next object found */
	objects("{\\rtf1{\\*\\objdata 41\\bin2 }{42}}{\\*\\objdata 43}}", got,
		sizeof(got), 1);
	assert_string_equal(got, "oA|oC|");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_bin),
		cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
