/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nsis.c - NSIS installers: the FirstHeader, solid or block layout, and
 * the walk over the files (nsis.h).  The decompressors are nsis_dec.c's,
 * the names nsis_script.c's.
 *
 * Solid or not is told by the blocks: when [size][bytes] blocks chain
 * from the FirstHeader exactly to the end of the installer's data (the
 * last 4 bytes being its CRC), it is the block layout; otherwise one
 * stream, whose first bytes tell the compressor.  In the block layout
 * each compressed block is a stream of its own and tells its own.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsis.h"
#include "nsis_int.h"
#include "banned.h"

#define FH_SIZE 28
#define FH_FLAGS_MAX 15
#define FIND_TRIES 4
#define CHAIN_MAX (1u << 20)    /* blocks looked at to tell the layout */
#define SKIP_SLICE 16384

struct mde__nsis {
	const uint8_t *buf;
	size_t len;
	size_t fh, data, end;   /* FirstHeader, its data, the data's end */
	uint32_t hdr_len;
	size_t hdr_cap;
	bool solid;
	int step;               /* 0 the header is next, 1 files, 2 done */
	struct nsis_dec dec;
	bool streaming;         /* the current file is read from dec */
	uint64_t left;          /* solid: bytes of it still to read */
	uint64_t rel;           /* offset of the next file after the header */
	size_t pos;             /* blocks: the next block */
	size_t files;           /* the first file block */
	uint64_t nth;
	uint8_t *hdr;           /* the script header, decoded */
	struct nsis_names names;
	char label[160];
	int status;
	const char *why;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool first_header(const uint8_t *p)
{
	return le32(p) <= FH_FLAGS_MAX && le32(p + 4) == 0xdeadbeef &&
	       memcmp(p + 8, "NullsoftInst", 12) == 0 && le32(p + 20) > 0 &&
	       le32(p + 24) >= FH_SIZE;
}

size_t mde__nsis_find(const uint8_t *buf, size_t len, size_t from)
{
	size_t at = (from + 511) & ~(size_t)511;
	int i;

	for (i = 0; i < FIND_TRIES && at < len && len - at >= FH_SIZE;
	     i++, at += 512)
		if (first_header(buf + at))
			return at;
	return SIZE_MAX;
}

/* Do [size][bytes] blocks chain from data to end (its CRC aside)? */
static bool blocks_chain(const uint8_t *buf, size_t data, size_t end)
{
	size_t q = data;
	unsigned n;

	for (n = 0; n < CHAIN_MAX && end - q >= 4; n++) {
		uint32_t sz = le32(buf + q) & 0x7fffffff;

		if (sz > end - q - 4)
			break;
		q += 4 + (size_t)sz;
	}
	return n > 0 && end - q <= 4;
}

static void set_status(mde__nsis *n, int st, const char *why)
{
	if (n->status == MDE__NSIS_OK) {
		n->status = st;
		n->why = why;
	}
	n->step = 2;
}

mde__nsis *mde__nsis_open(const uint8_t *buf, size_t len, size_t fh,
			  size_t hdr_cap, uint32_t dict_cap)
{
	mde__nsis *n;
	uint32_t total;

	if (fh > len || len - fh < FH_SIZE + 4 || !first_header(buf + fh))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->buf = buf;
	n->len = len;
	n->fh = fh;
	n->data = fh + FH_SIZE;
	total = le32(buf + fh + 24);
	n->end = total < len - fh ? fh + total : len;
	n->hdr_len = le32(buf + fh + 20);
	n->hdr_cap = hdr_cap;
	n->dec.dict_cap = dict_cap;
	n->solid = !blocks_chain(buf, n->data, n->end);
	return n;
}

/* Reads exactly k bytes of the solid stream; false at its end. */
static bool solid_get(mde__nsis *n, uint8_t *dst, size_t k)
{
	size_t got = 0, r;

	while (got < k &&
	       (r = mde__nsis_dec_read(&n->dec, dst + got, k - got)) > 0)
		got += r;
	return got == k;
}

/* The script header, decoded into n->hdr (at most hdr_cap bytes, else
 * none): from the solid stream, or from the first block. */
static bool read_header(mde__nsis *n, size_t *hlen)
{
	uint8_t w[4];
	size_t len, got = 0, r;

	if (n->solid) {
		int m = mde__nsis_dec_method(n->buf + n->data,
					     n->end - n->data);

		if (mde__nsis_dec_start(&n->dec, m, n->buf + n->data,
					n->end - n->data) < 0 ||
		    !solid_get(n, w, 4))
			return false;
		len = le32(w);
	} else {
		uint32_t b = le32(n->buf + n->data);
		size_t sz = b & 0x7fffffff, at = n->data + 4;

		n->files = n->pos = at + sz;
		if (!(b >> 31)) {
			*hlen = sz;
			return true;   /* stored: read in place */
		}
		if (mde__nsis_dec_start(&n->dec, mde__nsis_dec_method(
				n->buf + at, sz), n->buf + at, sz) < 0)
			return false;
		len = n->hdr_len;
	}
	if (len > n->hdr_cap) {
		set_status(n, MDE__NSIS_LIMIT, "script header over the limit");
		return false;
	}
	n->hdr = malloc(len ? len : 1);
	if (!n->hdr) {
		set_status(n, MDE__NSIS_NOMEM, "out of memory");
		return false;
	}
	while (got < len &&
	       (r = mde__nsis_dec_read(&n->dec, n->hdr + got, len - got)) > 0)
		got += r;
	*hlen = got;
	return n->solid ? got == len : got > 0;
}

static int next_header(mde__nsis *n, mde__nsis_item *it)
{
	size_t hlen = 0;
	const uint8_t *h;

	n->step = 1;
	if (!read_header(n, &hlen)) {
		if (n->solid || n->dec.state < -1)
			set_status(n, n->dec.state == -2 ? MDE__NSIS_NOMEM
				   : MDE__NSIS_DAMAGED, "damaged stream");
		return n->solid || n->status ? 0 : -1;
	}
	h = n->hdr ? n->hdr : n->buf + n->data + 4;
	if (mde__nsis_names_read(&n->names, h, hlen) < 0) {
		set_status(n, MDE__NSIS_NOMEM, "out of memory");
		return 0;
	}
	it->name = "[header]";
	it->size = (int64_t)hlen;
	it->data = h;
	n->nth++;
	return 1;
}

/* The label of the file at rel: its name, else a number. */
static const char *label(mde__nsis *n, uint64_t rel)
{
	const char *name = mde__nsis_names_find(&n->names, rel);

	if (name)
		snprintf(n->label, sizeof(n->label), "%s", name);
	else
		snprintf(n->label, sizeof(n->label), "[nsis-%llu]",
			 (unsigned long long)n->nth);
	return n->label;
}

static int next_solid(mde__nsis *n, mde__nsis_item *it)
{
	uint8_t w[4];

	if (!solid_get(n, w, 4)) {
		if (n->dec.state < 0)
			set_status(n, n->dec.state == -2 ? MDE__NSIS_NOMEM :
				   MDE__NSIS_DAMAGED, "damaged stream");
		n->step = 2;
		return 0;
	}
	it->name = label(n, n->rel);
	it->size = le32(w);
	it->data = NULL;
	n->left = le32(w);
	n->rel += 4 + (uint64_t)n->left;
	n->streaming = true;
	return 1;
}

static int next_block(mde__nsis *n, mde__nsis_item *it)
{
	uint32_t b;
	size_t sz, at;

	if (n->pos > n->end || n->end - n->pos < 4)
		goto done;
	b = le32(n->buf + n->pos);
	sz = b & 0x7fffffff;
	at = n->pos + 4;
	if (sz > n->end - at)
		goto done;  /* the CRC, or the end of what is there */
	it->name = label(n, n->pos - n->files);
	n->pos = at + sz;
	it->size = b >> 31 ? -1 : (int64_t)sz;
	it->data = b >> 31 ? NULL : n->buf + at;
	n->streaming = b >> 31;
	if (n->streaming &&
	    mde__nsis_dec_start(&n->dec, mde__nsis_dec_method(n->buf + at, sz),
				n->buf + at, sz) < 0)
		n->streaming = false;  /* read() gives nothing */
	return 1;
done:
	n->step = 2;
	return 0;
}

int mde__nsis_next(mde__nsis *n, mde__nsis_item *it)
{
	int r;

	n->streaming = false;
	if (n->step == 0 && (r = next_header(n, it)) >= 0)
		return r;
	if (n->step == 2)
		return 0;
	r = n->solid ? next_solid(n, it) : next_block(n, it);
	n->nth += (unsigned)r;
	return r;
}

size_t mde__nsis_read(mde__nsis *n, uint8_t *dst, size_t cap)
{
	size_t r;

	if (!n->streaming)
		return 0;
	if (n->solid && cap > n->left)
		cap = (size_t)n->left;
	r = mde__nsis_dec_read(&n->dec, dst, cap);
	if (n->solid)
		n->left -= r;
	if (r == 0 && (n->dec.state < 0 || (n->solid && n->left))) {
		set_status(n, n->dec.state == -2 ? MDE__NSIS_NOMEM :
			   MDE__NSIS_DAMAGED, "damaged stream");
		n->streaming = false;
	}
	return r;
}

int mde__nsis_skip(mde__nsis *n, uint64_t budget)
{
	uint8_t sink[SKIP_SLICE];

	if (!n->solid || !n->streaming)
		return 0;
	if (n->left > budget) {
		set_status(n, MDE__NSIS_LIMIT, "skip over the limit");
		return -1;
	}
	while (n->left && mde__nsis_read(n, sink, SKIP_SLICE) > 0)
		;
	return n->status == MDE__NSIS_OK ? 0 : -1;
}

int mde__nsis_status(const mde__nsis *n, const char **why)
{
	if (why)
		*why = n->why;
	return n->status;
}

uint64_t mde__nsis_consumed(const mde__nsis *n)
{
	if (n->solid)
		return (uint64_t)(n->data - n->fh) + n->dec.used;
	return (uint64_t)(n->pos - n->fh);
}

void mde__nsis_close(mde__nsis *n)
{
	if (!n)
		return;
	mde__nsis_dec_free(&n->dec);
	mde__nsis_names_free(&n->names);
	free(n->hdr);
	free(n);
}
