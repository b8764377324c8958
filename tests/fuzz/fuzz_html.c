/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_html.c - the HTML reader (html.c) on arbitrary bytes: detection,
 * the normalised page, every piece and its decoding.  Invariants: the
 * normalised page is never longer than three bytes per input byte (a
 * character reference is at least three bytes and decodes to at most
 * four), pieces lie inside the input, and a base64 piece never decodes
 * to more than three quarters of its length.
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"

struct count {
	size_t n;
	unsigned sum;
};

static int count(void *ctx, const uint8_t *d, size_t n)
{
	struct count *c = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		c->sum += d[i];
	c->n += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct count c = { 0, 0 };
	mde__html_iter it;
	mde__html_piece p;
	int n = 0;

	(void)mde__html_detect(data, size);
	mde__html_normalise(data, size, count, &c);
	if (c.n > 3 * size + 1)
		abort();
	memset(&it, 0, sizeof(it));
	while (n++ < 100000 && mde__html_next(data, size, &it, &p)) {
		if (p.off > size || p.len > size - p.off)
			abort();
		if (p.kind == MDE__HTML_SCRIPT)
			continue;
		c.n = 0;
		mde__html_decode(data, &p, count, &c);
		if (c.n > p.len * 3 / 4 + 3)
			abort();
	}
	return 0;
}
