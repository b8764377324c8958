/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hashsig_src.c - the name a hash signature is reported by, which depends
 * on where it came from.  clamscan and clamd name the detections of a
 * ClamAV database that is not official (a loose .hdb .hsb .mdb .msb, a
 * .cud: anything but a .cvd or .cld that verified) "<name>.UNOFFICIAL";
 * ClamAV gives the suffix when it loads the signature (readdb.c,
 * cli_virname() under CL_DB_OFFICIAL).  Here it is given once, when the
 * set is finalized and the suffix asked for (mde__hashsigs_set_unofficial):
 * every unofficial record is pointed at "<name>.UNOFFICIAL" in the set's
 * own pool.  So a lookup returns the name as reported, whoever asks: the
 * scan, the section hashes, and the scan cache when it checks the digests
 * it kept against new hash signatures.
 *
 * A segment is official or not as a whole (a compiled .cvd, .cld or .cud
 * mapped from the cache).  Its pool is read-only: with the suffix, the
 * records of an unofficial one are copied into the set's own table, as a
 * parse of that .cud would have made them (what --no-cache costs, for
 * third-party databases only).  Official segments, the big ones, stay
 * mapped and untouched.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hashsig_int.h"
#include "banned.h"

#define SUFFIX ".UNOFFICIAL"
#define SUFFIX_LEN (sizeof(SUFFIX) - 1)

/* A scratch buffer for "<name>.UNOFFICIAL". */
struct sbuf {
	char *p;
	size_t cap;
};

/* The pool offset of "<name[0..n)>.UNOFFICIAL" in h, with HS_UNOFFICIAL.
 * name may point into h's pool: it is copied before the pool grows. */
static int suffixed(mde__hashsigs *h, struct sbuf *b, const char *name,
		    size_t n, size_t hint, uint32_t *field)
{
	uint32_t off;
	int ret;

	if (mde__grow((void **)&b->p, &b->cap, n + SUFFIX_LEN + 1, 1))
		return MDE_ERR_NOMEM;
	memcpy(b->p, name, n);
	memcpy(b->p + n, SUFFIX, SUFFIX_LEN + 1);
	ret = mde__hs_name(h, b->p, n + SUFFIX_LEN, &off, hint);
	*field = off | HS_UNOFFICIAL;
	return ret;
}

/* Points the unofficial records of h's own table t at suffixed names. */
static int rename_table(mde__hashsigs *h, struct hs_table *t, struct sbuf *b)
{
	uint32_t f;
	int ret;

	for (size_t i = 0; i < t->n; i++) {
		uint8_t *r = t->rec + i * t->rsize;
		const char *name;

		f = hs_rec_field(t, r);
		if (!(f & HS_UNOFFICIAL))
			continue;
		name = h->pool.buf + (f & ~HS_UNOFFICIAL);
		/* hint 1: most records of a big table are official */
		ret = suffixed(h, b, name, strlen(name), 1, &f);
		if (ret)
			return ret;
		memcpy(r + t->dlen + 8, &f, 4);
	}
	return MDE_OK;
}

/* Copies the records of segment g into t, suffixed. */
static int fold(mde__hashsigs *h, struct hs_table *t,
		const struct hs_table *g, struct sbuf *b)
{
	uint32_t f;
	int ret;

	for (size_t i = 0; i < g->n; i++) {
		const uint8_t *r = g->rec + i * g->rsize;
		uint32_t nm = hs_rec_name(g, r);

		/* out of its pool (a damaged file): no name, as a lookup
		 * finds none */
		if (nm >= g->names_len)
			continue;
		ret = suffixed(h, b, g->names + nm, strlen(g->names + nm),
			       g->n - i, &f);
		if (ret == MDE_OK)
			ret = mde__hs_table_add(t, r, hs_rec_size(g, r), f,
						g->n - i);
		if (ret)
			return ret;
	}
	return MDE_OK;
}

/* Folds the unofficial segments of one type into its table and drops
 * them from the list (their mappings stay, owned by the definitions). */
static int fold_type(mde__hashsigs *h, int type, struct sbuf *b)
{
	struct hs_table *t = &h->t[type];
	size_t k, keep = 0;
	int ret = MDE_OK;

	for (k = 0; k < h->nseg[type]; k++) {
		const struct hs_table *g = &h->seg[type][k];

		/* a bundle's table takes no records: never with segments
		 * (the cache is not used under a bundle), so names stay */
		if (!g->unofficial || t->names || ret != MDE_OK) {
			h->seg[type][keep++] = *g;
			continue;
		}
		ret = fold(h, t, g, b);
	}
	h->nseg[type] = keep;
	return ret;
}

int mde__hs_suffix(mde__hashsigs *h)
{
	struct sbuf b = { NULL, 0 };
	int ret = MDE_OK;

	/* the parsed records first: the folded ones come suffixed */
	for (int i = 0; i < MDE__NHASH && ret == MDE_OK; i++)
		if (!h->t[i].names)
			ret = rename_table(h, &h->t[i], &b);
	for (int i = 0; i < MDE__NHASH && ret == MDE_OK; i++)
		ret = fold_type(h, i, &b);
	free(b.p);
	return ret;
}
