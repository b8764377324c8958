/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_bundle.c - libFuzzer harness for the bundle reader.
 *
 * The input is parsed as a bundle (mde__bundle_parse(): layout, bounds,
 * parts' SHA-256; no signature, which is what lets the fuzzer get past
 * the head).  When it parses, every part is decoded (LZ4 or stored),
 * hash tables are checked and walked, a delta's target head is parsed,
 * and every hash table diff is applied to every table (and to an empty
 * one): a patched table must decode, and a table diffed with itself must
 * patch back.
 *
 * Mutated parts would almost never match the SHA-256 in the manifest, so
 * each input is also tried with its header's size and the manifest's
 * digests fixed up: that is what reaches the part decoders.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mde_int.h"
#include "bundle.h"

/* Larger decoded parts are skipped: a signed bundle may hold them, an
 * unsigned input only makes the fuzzer run out of memory. */
#define MAX_DECODED (UINT64_C(64) << 20)
#define MAX_HELD 16

struct held {
	const uint8_t *buf;
	size_t len;
	void *own;
	uint32_t type;
	mde__htab t; /* type -1: not a table that decodes */
};

static volatile size_t sink;

static void walk(const mde__htab *t)
{
	mde__hrec r;
	size_t i, s = 0;

	for (i = 0; i < t->n; i++) {
		mde__htab_rec(t, i, &r);
		s += strlen(r.name) + r.digest[0] + (size_t)r.size;
	}
	for (i = 0; i < t->nsizes; i++)
		s += t->sizew == 4 ? ((const uint32_t *)t->sizes)[i]
				   : (size_t)((const uint64_t *)t->sizes)[i];
	sink += s;
}

/* Applies diff to t; the result, when there is one, must decode. */
static void patch(const mde__htab *t, const uint8_t *diff, size_t dlen)
{
	uint8_t *o = NULL;
	size_t ol = 0;
	mde__htab n;
	char err[256];

	if (mde__htab_patch(t, diff, dlen, &o, &ol, err, sizeof(err)) !=
	    MDE_OK)
		return;
	if (mde__htab_decode(o, ol, &n, err, sizeof(err)) != MDE_OK)
		abort(); /* patch wrote a table decode refuses */
	walk(&n);
	free(o);
}

/* diff(t, t) patched onto t must work and give a table that decodes. */
static void self_diff(const mde__htab *t)
{
	uint8_t *d = NULL;
	size_t dl = 0;

	if (mde__htab_diff(t, t, &d, &dl) != MDE_OK)
		return;
	if (dl != 24)
		abort(); /* a table differs from itself */
	patch(t, d, dl);
	free(d);
}

static void table(struct held *h)
{
	char err[256];
	mde__htab tt;

	if (mde__htab_decode_trusted(h->buf, h->len, &tt, err, sizeof(err)) ==
	    MDE_OK)
		sink += tt.n;
	if (mde__htab_decode(h->buf, h->len, &h->t, err, sizeof(err)) !=
	    MDE_OK) {
		h->t.type = -1;
		return;
	}
	walk(&h->t);
	self_diff(&h->t);
}

static void target(const uint8_t *buf, size_t len)
{
	mde__bundle t;

	memset(&t, 0, sizeof(t));
	if (mde__bundle_parse_head(&t, buf, len) == MDE_OK)
		sink += t.h.nparts + (mde__bundle_find(&t, "hash/sha256") != 0);
	mde__bundle_close(&t);
}

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Sets the header's size and every in-bounds part's manifest SHA-256. */
static void fix_up(uint8_t *d, size_t size)
{
	uint64_t n, i, off, stored;
	uint8_t *e;

	if (size < MDE__B_HDR + MDE__B_SIG)
		return;
	put64(d + 104, size);
	n = (uint64_t)d[96] | (uint64_t)d[97] << 8;
	for (i = 0; i < n; i++) {
		e = d + MDE__B_HDR + MDE__B_SIG + i * MDE__B_ENTRY;
		if ((size_t)(e - d) + MDE__B_ENTRY > size)
			break;
		off = get64(e + 56);
		stored = get64(e + 64);
		if (off > size || stored > size - off)
			continue;
		EVP_Digest(d + off, (size_t)stored, e + 80, NULL, EVP_sha256(),
			   NULL);
	}
}

static void one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	one(data, size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fix_up(copy, size);
	if (size && memcmp(copy, data, size))
		one(copy, size);
	free(copy);
	return 0;
}

static void one(const uint8_t *data, size_t size)
{
	struct held h[MAX_HELD];
	size_t nh = 0, i, j;
	mde__bundle b;
	const mde__bpart *p;
	uint8_t *empty[MDE__NHASH] = { 0 };
	size_t elen[MDE__NHASH];
	mde__htab et;
	mde__hrec none; /* not NULL: encode sorts it (qsort_r: nonnull) */
	char err[256];
	int k;

	memset(&b, 0, sizeof(b));
	if (mde__bundle_parse(&b, data, size) != MDE_OK) {
		mde__bundle_close(&b);
		return;
	}
	for (i = 0; i < b.h.nparts && nh < MAX_HELD; i++) {
		p = &b.parts[i];
		if (p->size > MAX_DECODED)
			continue;
		memset(&h[nh], 0, sizeof(h[nh]));
		if (mde__bundle_part(&b, p, &h[nh].buf, &h[nh].own) != MDE_OK)
			continue;
		h[nh].len = (size_t)p->size;
		h[nh].t.type = -1;
		if (p->type == MDE__P_HASHTAB)
			table(&h[nh]);
		else if (p->type == MDE__P_TARGET)
			target(h[nh].buf, h[nh].len);
		sink += h[nh].len ? h[nh].buf[h[nh].len - 1] : 0;
		h[nh].type = p->type;
		nh++;
	}
	for (k = 0; k < MDE__NHASH; k++)
		mde__htab_encode(k, &none, 0, &empty[k], &elen[k]);
	for (i = 0; i < nh; i++) {
		if (h[i].type != MDE__P_HASHDIFF)
			continue;
		for (j = 0; j < nh; j++)
			if (h[j].t.type >= 0)
				patch(&h[j].t, h[i].buf, h[i].len);
		for (k = 0; k < MDE__NHASH; k++)
			if (empty[k] && mde__htab_decode(empty[k], elen[k], &et,
							 err, sizeof(err)) ==
						MDE_OK)
				patch(&et, h[i].buf, h[i].len);
	}
	for (k = 0; k < MDE__NHASH; k++)
		free(empty[k]);
	for (i = 0; i < nh; i++)
		free(h[i].own);
	mde__bundle_close(&b);
}
