/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ole2.c - libFuzzer harness for the OLE2 compound file reader
 * (ole2.c, ole2_dir.c) and the Packager's data it unwraps (olenative.c).
 *
 * Input: a whole compound file.  Every entry the walk reaches is named,
 * pathed and looked up among its siblings by its own name; every stream
 * is read piece by piece (each piece must lie inside the input, the
 * pieces must add up to the size the reader promised) and loaded whole,
 * and its bytes are given to the OLE1 and Packager parsers, whose answers
 * must lie inside what they were given.
 *
 * Seeds (corpus/ole2): files of tests/carriers/mkole.py (doc and xls with
 * VBA projects, version 3 and 4 sectors, a .msg, an OLE package), of
 * LibreOffice (doc, xls), and its hostile ones (a FAT loop, a directory
 * loop), some cut short.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ole2.h"
#include "olenative.h"

#define CAP (1u << 20)

static void check_native(const uint8_t *d, size_t n)
{
	mde__package pk;
	mde__ole1 o;

	if (mde__package_parse(d, n, &pk) == 0 &&
	    (pk.off > n || pk.len > n - pk.off || strlen(pk.name) >= sizeof(pk.name)))
		abort();
	if (n >= 4 && mde__package_parse(d + 4, n - 4, &pk) == 0 &&
	    (pk.off > n - 4 || pk.len > n - 4 - pk.off))
		abort();
	if (mde__ole1_parse(d, n, &o) == 0 && (o.off > n || o.len > n - o.off))
		abort();
}

static void read_stream(const mde__ole2 *o, uint32_t id, const uint8_t *buf,
			size_t len, uint8_t **tmp, size_t *cap)
{
	mde__ole2_stream s;
	const uint8_t *p;
	uint64_t total = 0;
	size_t n, got;

	if (mde__ole2_stream_open(o, id, &s) != MDE__OLE2_OK)
		return;
	while ((p = mde__ole2_read(&s, &n))) {
		if (p < buf || p + n > buf + len || !n)
			abort();
		total += n;
	}
	if (total > s.size)
		abort();
	if (mde__ole2_load(o, id, CAP, tmp, cap, &got) == MDE__OLE2_OK) {
		if (got > CAP || got > total)
			abort();
		check_native(*tmp, got);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__ole2 *o;
	mde__ole2_entry e;
	char path[512];
	uint8_t *tmp = NULL;
	size_t cap = 0;
	uint32_t i, id, first, n;

	if (mde__ole2_open(data, size, &o) != MDE__OLE2_OK)
		return 0;
	for (i = 0; i < mde__ole2_count(o); i++) {
		id = mde__ole2_id(o, i);
		if (mde__ole2_info(o, id, &e) < 0)
			abort();
		mde__ole2_path(o, id, path, sizeof(path));
		if (strlen(path) >= sizeof(path))
			abort();
		if (mde__ole2_child(o, e.parent, e.name) == MDE__OLE2_NONE)
			abort();
		n = mde__ole2_kids(o, id, &first);
		if (n > mde__ole2_count(o) || first > mde__ole2_count(o) - n)
			abort();
		if (e.type == MDE__OLE2_STREAM)
			read_stream(o, id, data, size, &tmp, &cap);
	}
	free(tmp);
	mde__ole2_close(o);
	return 0;
}
