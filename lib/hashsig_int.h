/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hashsig_int.h - what the files of the hash signatures share: the
 * tables and the name pool (hashsig.c), where a signature comes from
 * (hashsig_src.c), and finalizing the tables (hashsig_sort.c).
 *
 * A record's name field is an offset into a name pool, its top bit
 * (HS_UNOFFICIAL) set when the signature comes from an unofficial ClamAV
 * source (a loose .hdb, a .cud): the bit is per record, not per name, so
 * one name pooled once may name an official signature and an unofficial
 * one.  Pools stay under 2 GiB so that the bit is free.
 */
#ifndef MDE_HASHSIG_INT_H
#define MDE_HASHSIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mde_int.h"

#define HS_WILDCARD UINT64_MAX
#define HS_REC_EXTRA 12           /* size (8) and name offset (4) */
#define HS_UNOFFICIAL 0x80000000u /* in a record's name field */
#define HS_POOL_MAX 0x7fffffffu   /* bytes of one name pool, at most */

struct hs_table {
	uint8_t *rec;   /* n records of rsize bytes, room for cap */
	size_t n, cap;
	size_t dlen;    /* digest bytes */
	size_t rsize;   /* dlen + HS_REC_EXTRA */
	void *sizes;    /* distinct sizes, sorted; uint32_t or uint64_t */
	size_t nsizes;
	unsigned sizew; /* 4 or 8: width of one entry of sizes */
	bool wildcard;  /* some signature matches any size */
	bool unofficial; /* a segment: every signature is unofficial */
	const char *names; /* a bundle's name pool (rec, sizes borrowed too),
			      or NULL: names are in mde__hashsigs.pool */
	size_t names_len;  /* a segment's: bytes of names (0: unchecked) */
};

struct hs_pool {
	char *buf;     /* NUL-terminated names; offset 0 is "" */
	size_t len, cap;
	uint64_t *ht;  /* (hash << 32 | offset), 0 = empty; NULL once final */
	size_t ht_cap, ht_n;
};

struct mde__hashsigs {
	struct hs_table t[MDE__NHASH];
	/* segments: borrowed tables searched after t (mde__hashsigs_seg) */
	struct hs_table *seg[MDE__NHASH];
	size_t nseg[MDE__NHASH];
	struct hs_pool pool;
	bool final;
	bool nointern; /* names only shared with the one just before */
	bool suffix;   /* unofficial names end in ".UNOFFICIAL" once final */
	uint32_t last; /* then: the offset of the last name, 0 = none */
};

static inline uint64_t hs_rec_size(const struct hs_table *t, const uint8_t *r)
{
	uint64_t v;

	memcpy(&v, r + t->dlen, 8);
	return v;
}

/* A record's name field: its name offset and HS_UNOFFICIAL. */
static inline uint32_t hs_rec_field(const struct hs_table *t,
				    const uint8_t *r)
{
	uint32_t v;

	memcpy(&v, r + t->dlen + 8, 4);
	return v;
}

static inline uint32_t hs_rec_name(const struct hs_table *t, const uint8_t *r)
{
	return hs_rec_field(t, r) & ~HS_UNOFFICIAL;
}

/* hashsig.c: the offset of name[0..nlen) in h's pool, interned or, with
 * interning off, shared with the last name only; hint: how many more are
 * likely to follow.  MDE_OK or MDE_ERR_NOMEM. */
int mde__hs_name(mde__hashsigs *h, const char *name, size_t nlen,
		 uint32_t *off, size_t hint);

/* hashsig.c: appends a record to t (field: name offset | HS_UNOFFICIAL). */
int mde__hs_table_add(struct hs_table *t, const uint8_t *digest,
		      uint64_t size, uint32_t field, size_t hint);

/* hashsig_src.c: before the tables are sorted, when h->suffix is set:
 * the unofficial segments copied into h's tables, and every unofficial
 * record named "<name>.UNOFFICIAL".  MDE_OK or MDE_ERR_NOMEM. */
int mde__hs_suffix(mde__hashsigs *h);

/* Advises huge pages for the whole 2 MiB blocks of p[0..n) (hashsig.c);
 * failure is ignored. */
void mde__hs_advise_huge(void *p, size_t n);

/* memcpy of one record or digest, with the size known to the compiler */
static inline void mde__hs_rec_copy(void *d, const void *s, size_t n)
{
	switch (n) {
	case 16: memcpy(d, s, 16); break;
	case 20: memcpy(d, s, 20); break;
	case 32: memcpy(d, s, 32); break;
	case 28: memcpy(d, s, 28); break;
	case 44: memcpy(d, s, 44); break;
	default: memcpy(d, s, n); break;
	}
}

#endif /* MDE_HASHSIG_INT_H */
