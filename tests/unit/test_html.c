/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_html.c - unit tests for the HTML reader (html.c): detection, the
 * normalised page of ClamAV's target 3, and the pieces (scripts, data:
 * URIs, base64 literals of scripts) with their decoding.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"

struct out {
	char b[4096];
	size_t n;
};

static int put(void *ctx, const uint8_t *d, size_t n)
{
	struct out *o = ctx;

	if (o->n + n >= sizeof(o->b))
		return 1;
	memcpy(o->b + o->n, d, n);
	o->n += n;
	o->b[o->n] = 0;
	return 0;
}

static const char *norm(const char *s, struct out *o)
{
	memset(o, 0, sizeof(*o));
	mde__html_normalise((const uint8_t *)s, strlen(s), put, o);
	return o->b;
}

static void test_detect(void **state)
{
	(void)state;
	assert_true(mde__html_detect((const uint8_t *)"<!DOCTYPE html>", 15));
	assert_true(mde__html_detect((const uint8_t *)"\n  <HTML><body>", 15));
	assert_true(mde__html_detect((const uint8_t *)"x <script src=a>", 16));
	assert_false(mde__html_detect((const uint8_t *)"<htmlx> no", 10));
	assert_false(mde__html_detect((const uint8_t *)"plain text file", 15));
}

static void test_normalise(void **state)
{
	struct out o;

	(void)state;
	assert_string_equal(norm("<HTML>\n  <Body   BGCOLOR = \"Red\" >Hi\t\t"
				 "<!-- gone -->THERE</body>", &o),
			    "<html> <body bgcolor=\"red\">hi there</body>");
	assert_string_equal(norm("&lt;b&gt; &#65;&#x42;&amp;&nbsp;x &eacute;",
				 &o),
			    "<b> ab& x &eacute;");
	assert_string_equal(norm("&#233;", &o), "\xc3\xa9");
	assert_string_equal(norm("a < b <!-- unclosed", &o), "a < b");
	assert_string_equal(norm("<a title='x > y'>", &o), "<a title='x > y'>");
}

static void test_pieces(void **state)
{
	static const char page[] =
		"<html><script>var a = \"QUJD\";</script>"
		"<a href=\"data:application/octet-stream;base64,"
		"SGVsbG8gZGF0YSBVUkkgd29ybGQ=\">x</a>"
		"<SCRIPT type=x>var b = 'aGVsbG8gd29ybGQgZnJvbSBhIGJhc2U2NCBzdHJp' +\n"
		"  \"bmcgb2YgYSBzY3JpcHQsIGpvaW5lZCBieSBwbHVz\"; atob(b);"
		"var h = \"0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef\";</script>";
	mde__html_iter it;
	mde__html_piece p;
	struct out o;
	int n = 0;

	(void)state;
	memset(&it, 0, sizeof(it));
	while (mde__html_next((const uint8_t *)page, strlen(page), &it, &p)) {
		memset(&o, 0, sizeof(o));
		if (p.kind != MDE__HTML_SCRIPT)
			mde__html_decode((const uint8_t *)page, &p, put, &o);
		switch (n++) {
		case 0:
			assert_int_equal(p.kind, MDE__HTML_SCRIPT);
			assert_int_equal(p.len, 15);
			break;
		case 1:
			assert_int_equal(p.kind, MDE__HTML_SCRIPT);
			break;
		case 2:
			assert_int_equal(p.kind, MDE__HTML_DATA);
			assert_string_equal(o.b, "Hello data URI world");
			break;
		case 3:
			assert_int_equal(p.kind, MDE__HTML_B64);
			assert_string_equal(o.b, "hello world from a base64 "
				"string of a script, joined by plus");
			break;
		}
	}
	/* "QUJD" is too short, the hex string is no file */
	assert_int_equal(n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
