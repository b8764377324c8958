/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_hscache.c - the file that keeps a compiled Vectorscan database
 * of ClamAV patterns in the cache directory (layout in clamav_int.h):
 * its encoder and its checking decoder.  clamav_hs.c decides when to
 * read or write it.
 */
#include "config.h"

#include <string.h>
#include <xxhash.h>

#include "clamav_int.h"
#include "banned.h"

#define HC_MAGIC "MDECLHS1"
/* the least a file holds: magic, nexpr, ndrop, dblen, checksum */
#define HC_MIN (8 + 8 + 4 + 8 + 8)

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

int cl_hcache_parse(const uint8_t *p, size_t n, uint64_t nexpr,
		    struct cl_hcache *h)
{
	size_t off = 8 + 8 + 4;
	uint64_t left = nexpr, dblen;
	uint32_t i;

	if (n < HC_MIN || memcmp(p, HC_MAGIC, 8) != 0 ||
	    XXH3_64bits(p, n - 8) != get64(p + n - 8))
		return -1;
	h->nexpr = get64(p + 8);
	h->ndrop = get32(p + 16);
	if (h->ndrop > (n - HC_MIN) / 4)
		return -1;
	h->drops = p + off;
	for (i = 0; i < h->ndrop; i++) /* each names one of those left */
		if (get32(h->drops + 4 * (size_t)i) >= left--)
			return -1;
	if (left != h->nexpr)
		return -1;
	off += 4 * (size_t)h->ndrop;
	dblen = get64(p + off);
	off += 8;
	if (dblen == 0 || dblen != n - 8 - off)
		return -1;
	h->db = p + off;
	h->dblen = (size_t)dblen;
	return 0;
}

int cl_hcache_encode(mde__buf *b, uint64_t nexpr, const uint32_t *drops,
		     uint32_t ndrop, const void *db, size_t dblen)
{
	uint64_t len = dblen, sum;
	int rc = 0;

	rc |= mde__buf_put(b, HC_MAGIC, 8);
	rc |= mde__buf_put(b, (const char *)&nexpr, 8);
	rc |= mde__buf_put(b, (const char *)&ndrop, 4);
	if (ndrop)
		rc |= mde__buf_put(b, (const char *)drops, 4 * (size_t)ndrop);
	rc |= mde__buf_put(b, (const char *)&len, 8);
	rc |= mde__buf_put(b, db, dblen);
	if (rc)
		return MDE_ERR_NOMEM;
	sum = XXH3_64bits(b->p, b->len);
	return mde__buf_put(b, (const char *)&sum, 8) ? MDE_ERR_NOMEM : MDE_OK;
}
