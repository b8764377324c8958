/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dbcache.c - libFuzzer harness for the reader of compiled ClamAV
 * databases (mde__dbc_open() in lib/dbcache.c) and the hash-table
 * segments it feeds (mde__hashsigs_seg() in lib/hashsig.c): the file is
 * read back from the cache directory, which may have been damaged.
 *
 * Input: a byte of flags, then the file.  With flag bit 0 the harness
 * writes the right checksum into the file first (over the head_len the
 * file claims, when it fits), so that mutations reach the entries behind
 * it.  For a file taken, checks:
 *   - every entry's data lies inside the file, names are NUL-terminated
 *     inside it;
 *   - its tables, added as segments, answer lookups of their own records
 *     and of input bytes with a name inside their pool, or none;
 *   - added as the segments of an unofficial database (a .cud) with the
 *     suffix asked for, they are copied into the set and name their
 *     records "<name>.UNOFFICIAL", or not at all.
 * With flag bit 1 the file is a container's stamp instead
 * (mde__dbc_stamp_parse()), its checksum made right with bit 0; a stamp
 * taken must encode to one that parses to the same fields.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "mde_int.h"
#include "dbcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *p, size_t n, const void *q, size_t len)
{
	const uint8_t *x = q;

	if (x < p || x > p + n || len > (size_t)(p + n - x))
		abort();
}

static void fix_sum(uint8_t *p, size_t n)
{
	uint64_t head, sum;
	XXH3_state_t *st;
	uint8_t hd[MDE__DBC_HEAD];

	if (n < MDE__DBC_HEAD)
		return;
	memcpy(&head, p + 32, 8);
	if (head < MDE__DBC_HEAD || head > n || !(st = XXH3_createState()))
		return;
	memcpy(hd, p, MDE__DBC_HEAD);
	memset(hd + 40, 0, 8);
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, hd, MDE__DBC_HEAD);
	XXH3_64bits_update(st, p + MDE__DBC_HEAD, (size_t)head - MDE__DBC_HEAD);
	sum = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	memcpy(p + 40, &sum, 8);
}

static void check(const uint8_t *p, size_t n, const mde__dbc *d,
		  const uint8_t *probe, size_t plen)
{
	mde__hashsigs *h = mde__hashsigs_new();
	struct mde__dbc_ent e;
	mde__hseg g;
	uint8_t dig[32];

	if (!h)
		return;
	for (uint32_t i = 0; i < d->nent; i++) {
		mde__dbc_entry(d, i, &e);
		switch (e.kind) {
		case MDE__DBC_TEXT:
		case MDE__DBC_DIGEST:
			inside(p, n, e.name, strlen(e.name) + 1);
			inside(p, n, e.data, e.dlen);
			break;
		case MDE__DBC_POOL:
			inside(p, n, e.data, e.dlen);
			break;
		case MDE__DBC_TABLE:
			inside(p, n, e.data, e.dlen);
			inside(p, n, e.sizes, (size_t)e.nsizes * (e.flags >> 8));
			inside(p, n, e.names, e.names_len);
			mde__dbc_seg(&e, &g);
			if (mde__hashsigs_seg(h, &g) == MDE_ERR_STATE)
				abort(); /* the reader took it */
			break;
		default:
			abort();
		}
	}
	if (mde__hashsigs_finalize(h) != MDE_OK)
		goto out;
	for (uint32_t i = 0; i < d->nent; i++) {
		size_t dl, rs;

		mde__dbc_entry(d, i, &e);
		if (e.kind != MDE__DBC_TABLE)
			continue;
		dl = mde__hash_len((int)e.type);
		rs = dl + 12;
		for (size_t k = 0; k < e.n && k < 64; k++) {
			uint64_t size;
			const char *name;

			memcpy(&size, e.data + k * rs + dl, 8);
			(void)mde__hashsigs_want(h, (int)e.type, size);
			name = mde__hashsigs_lookup(h, (int)e.type,
						    e.data + k * rs, size);
			if (name)
				inside(p, n, name, strlen(name) + 1);
		}
		memset(dig, 0, sizeof(dig));
		memcpy(dig, probe, plen < dl ? plen : dl);
		(void)mde__hashsigs_lookup(h, (int)e.type, dig, plen);
	}
out:
	mde__hashsigs_free(h);
}

/* The tables as segments of an unofficial database with the suffix on:
 * copied into the set's own tables (hashsig_src.c); every name found ends
 * in the suffix. */
static void check_folded(const mde__dbc *d)
{
	static const char sfx[] = ".UNOFFICIAL";
	mde__hashsigs *h = mde__hashsigs_new();
	struct mde__dbc_ent e;
	mde__hseg g;

	if (!h)
		return;
	mde__hashsigs_set_unofficial(h, true);
	for (uint32_t i = 0; i < d->nent; i++) {
		mde__dbc_entry(d, i, &e);
		if (e.kind != MDE__DBC_TABLE)
			continue;
		mde__dbc_seg(&e, &g);
		g.unofficial = true;
		if (mde__hashsigs_seg(h, &g) == MDE_ERR_STATE)
			abort();
	}
	if (mde__hashsigs_finalize(h) != MDE_OK)
		goto out;
	for (uint32_t i = 0; i < d->nent; i++) {
		size_t dl, rs, nl;

		mde__dbc_entry(d, i, &e);
		if (e.kind != MDE__DBC_TABLE)
			continue;
		dl = mde__hash_len((int)e.type);
		rs = dl + 12;
		for (size_t k = 0; k < e.n && k < 64; k++) {
			uint64_t size;
			const char *name;

			memcpy(&size, e.data + k * rs + dl, 8);
			name = mde__hashsigs_lookup(h, (int)e.type,
						    e.data + k * rs, size);
			nl = name ? strlen(name) : 0;
			if (name && (nl < sizeof(sfx) - 1 ||
				     strcmp(name + nl - (sizeof(sfx) - 1), sfx)))
				abort();
		}
	}
out:
	mde__hashsigs_free(h);
}

#define VERSION "fuzz"

static void stamp(const uint8_t *p, size_t n, int fix)
{
	struct mde__cvdc_id id, id2;
	struct mde__cvdc_stamp s, s2;
	uint8_t b[MDE__DBC_STAMP], ctx[16], ctx2[16];

	if (n == MDE__DBC_STAMP && fix) {
		/* the fields as they are, the checksum made right */
		memcpy(b, p, n);
		uint64_t sum = XXH3_64bits_withSeed(
			b, 440, XXH3_64bits(VERSION, strlen(VERSION)));
		memcpy(b + 440, &sum, 8);
		p = b;
	}
	if (mde__dbc_stamp_parse(p, n, VERSION, &id, ctx, &s) != 0)
		return;
	if (strlen(s.how) >= sizeof(s.how) || s.by_sign < 0 || s.by_sign > 1)
		abort();
	mde__dbc_stamp_encode(b, VERSION, &id, ctx, &s);
	if (mde__dbc_stamp_parse(b, sizeof(b), VERSION, &id2, ctx2, &s2) != 0 ||
	    memcmp(&id, &id2, sizeof(id)) != 0 || memcmp(ctx, ctx2, 16) != 0 ||
	    memcmp(s.key, s2.key, 16) != 0 || s.until != s2.until ||
	    s.by_sign != s2.by_sign || strcmp(s.how, s2.how) != 0)
		abort();
	/* another version's stamp is not taken */
	if (mde__dbc_stamp_parse(b, sizeof(b), VERSION "2", &id2, ctx2,
				 &s2) == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__dbc d;
	uint8_t *p;
	char why[200];
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	if (data[0] & 2) {
		stamp(data + 1, n, data[0] & 1);
		return 0;
	}
	/* 8-byte aligned, as a mapping is */
	p = aligned_alloc(8, n ? (n + 7) & ~(size_t)7 : 8);
	if (!p)
		return 0;
	memcpy(p, data + 1, n);
	if (data[0] & 1)
		fix_sum(p, n);
	if (mde__dbc_open(&d, p, n, NULL, why, sizeof(why)) == 0) {
		check(p, n, &d, data, size);
		check_folded(&d);
	}
	free(p);
	return 0;
}
