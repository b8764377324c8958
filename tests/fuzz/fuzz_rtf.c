/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_rtf.c - libFuzzer harness for the RTF object finder and decoder
 * (rtf.c) and the OLE1 and Packager parsers (olenative.c) its objects
 * go through.
 *
 * Input: an RTF document.  Every object is decoded (an object's bytes
 * can never outnumber the document's; the search must move forward),
 * every other one is read past without decoding (the decoder must stop
 * asking), and each decoded object is parsed as OLE1 and as a package.
 *
 * Seeds (corpus/rtf): tests/carriers/mkole.py's RTF fixtures (packages,
 * an OLE2 object in obfuscated hex, \bin inside and outside objects) and
 * its hostile \bin claims, some cut short.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "olenative.h"
#include "rtf.h"

#define CAP (4u << 20)

struct obj {
	uint8_t *buf;
	size_t len;
	int calls, stopped;
};

static int keep(void *ctx, const uint8_t *data, size_t n)
{
	struct obj *o = ctx;

	if (o->stopped)
		abort(); /* asked to stop, and called again */
	if (!n)
		abort();
	if (n > CAP - o->len)
		n = CAP - o->len;
	memcpy(o->buf + o->len, data, n);
	o->len += n;
	o->calls++;
	return o->len == CAP;
}

static int stop_now(void *ctx, const uint8_t *data, size_t n)
{
	struct obj *o = ctx;

	(void)data;
	(void)n;
	if (o->stopped++)
		abort();
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[CAP];
	mde__rtf r;
	mde__ole1 o1;
	mde__package pk;
	struct obj o;
	size_t before, total = 0;
	int kind, nth = 0;

	mde__rtf_init(&r, data, size);
	for (;;) {
		before = r.pos;
		kind = mde__rtf_find(&r);
		if (kind == MDE__RTF_END)
			break;
		if (r.pos < before || r.pos > size)
			abort();
		memset(&o, 0, sizeof(o));
		o.buf = buf;
		mde__rtf_decode(&r, kind, nth++ % 3 == 2 ? stop_now : keep, &o);
		total += o.len;
		if (total > size || r.pos > size)
			abort();
		if (mde__ole1_parse(o.buf, o.len, &o1) == 0 &&
		    (o1.off > o.len || o1.len > o.len - o1.off))
			abort();
		if (mde__package_parse(o.buf, o.len, &pk) == 0 &&
		    (pk.off > o.len || pk.len > o.len - pk.off))
			abort();
	}
	return 0;
}
