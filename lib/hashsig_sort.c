/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hashsig_sort.c - finalizing the hash signature tables (hashsig.c):
 * records sorted by digest (a most-significant-byte radix sort, insertion
 * sort for small runs), duplicates dropped, and the index of the sizes
 * signatures carry, so a file of no listed size is never hashed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "hashsig_int.h"
#include "banned.h"

#define HS_ISORT_MAX 24        /* larger buckets are radix sorted */
#define HS_RADIX_BYTES 3       /* digest bytes radix sorted at most */

/* ------------------------------------------------------------- finalize */

/* Orders records by digest, then size, then name field: official first,
 * then by name offset. */
static inline int rec_cmp(const uint8_t *a, const uint8_t *b, size_t dlen)
{
	uint64_t sa, sb;
	uint32_t na, nb;
	int c = memcmp(a, b, dlen);

	if (c)
		return c;
	memcpy(&sa, a + dlen, 8);
	memcpy(&sb, b + dlen, 8);
	if (sa != sb)
		return sa < sb ? -1 : 1;
	memcpy(&na, a + dlen + 8, 4);
	memcpy(&nb, b + dlen + 8, 4);
	return (na > nb) - (na < nb);
}

static int cmp_md5(const void *a, const void *b) { return rec_cmp(a, b, 16); }
static int cmp_sha1(const void *a, const void *b) { return rec_cmp(a, b, 20); }
static int cmp_sha256(const void *a, const void *b) { return rec_cmp(a, b, 32); }

static void isort(uint8_t *base, size_t k, size_t rs, size_t dlen)
{
	uint8_t tmp[32 + HS_REC_EXTRA];
	size_t i, j;

	for (i = 1; i < k; i++) {
		if (rec_cmp(base + (i - 1) * rs, base + i * rs, dlen) <= 0)
			continue;
		mde__hs_rec_copy(tmp, base + i * rs, rs);
		for (j = i - 1; j > 0; j--)
			if (rec_cmp(base + (j - 1) * rs, tmp, dlen) <= 0)
				break;
		memmove(base + (j + 1) * rs, base + j * rs, (i - j) * rs);
		mde__hs_rec_copy(base + j * rs, tmp, rs);
	}
}

static void qsort_recs(const struct hs_table *t, uint8_t *base, size_t k)
{
	static int (*const cmp[MDE__NHASH])(const void *, const void *) = {
		cmp_md5, cmp_sha1, cmp_sha256
	};

	qsort(base, k, t->rsize, cmp[t->dlen == 16 ? 0 : t->dlen == 20 ? 1 : 2]);
}

/* Moves every record into its bucket [next[b], end[b]) by digest byte. */
static void permute(uint8_t *base, size_t rs, unsigned byte, size_t *next,
		    const size_t *end)
{
	uint8_t tmp[32 + HS_REC_EXTRA], *r, *o;
	size_t b;

	for (b = 0; b < 256; b++) {
		while (next[b] < end[b]) {
			r = base + next[b] * rs;
			if (r[byte] == b) {
				next[b]++;
				continue;
			}
			o = base + next[r[byte]]++ * rs;
			mde__hs_rec_copy(tmp, o, rs);
			mde__hs_rec_copy(o, r, rs);
			mde__hs_rec_copy(r, tmp, rs);
		}
	}
}

/*
 * In-place MSD radix sort (American flag sort) of base[0..k) on digest
 * byte 'byte' and the next ones.  Digests are uniform, so buckets soon
 * get small and are finished by insertion sort; crafted input that keeps
 * them large past HS_RADIX_BYTES goes to qsort.  In place, because fresh
 * memory is what loading mostly pays for.
 */
static void flag_sort(const struct hs_table *t, uint8_t *base, size_t k,
		      unsigned byte)
{
	size_t cnt[256] = { 0 }, next[256], end[256], i, b, sum = 0;
	size_t rs = t->rsize;

	if (k <= HS_ISORT_MAX) {
		isort(base, k, rs, t->dlen);
		return;
	}
	if (byte >= HS_RADIX_BYTES) {
		qsort_recs(t, base, k);
		return;
	}
	for (i = 0; i < k; i++)
		cnt[base[i * rs + byte]]++;
	for (b = 0; b < 256; b++) {
		next[b] = sum;
		sum += cnt[b];
		end[b] = sum;
	}
	permute(base, rs, byte, next, end);
	for (b = 0, sum = 0; b < 256; sum += cnt[b], b++)
		flag_sort(t, base + sum * rs, cnt[b], byte + 1);
}

/* Drops records whose digest and size equal the previous record's. */
static void table_dedup(struct hs_table *t)
{
	size_t i, k = 0, rs = t->rsize;
	uint8_t *last = NULL, *r;

	for (i = 0; i < t->n; i++) {
		r = t->rec + i * rs;
		if (last && !memcmp(last, r, t->dlen + 8))
			continue;
		last = t->rec + k * rs;
		if (last != r)
			mde__hs_rec_copy(last, r, rs);
		k++;
	}
	t->n = k;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* LSD radix sort of v[0..n) on its low 'bytes' bytes; tmp holds n. */
static void radix_u32(uint32_t *v, uint32_t *tmp, size_t n, unsigned bytes)
{
	size_t cnt[256], i, sum, c;
	unsigned pass, sh;
	uint32_t *sw;

	for (pass = 0; pass < bytes; pass++) {
		sh = pass * 8;
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(v[i] >> sh) & 0xff]++;
		for (i = 0, sum = 0; i < 256; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			tmp[cnt[(v[i] >> sh) & 0xff]++] = v[i];
		sw = v, v = tmp, tmp = sw;
	}
	if (bytes & 1) /* the last pass wrote the caller's tmp */
		memcpy(tmp, v, n * sizeof(*v));
}

/* Largest non-wildcard size in t (0 if none); sets t->wildcard. */
static uint64_t table_max_size(struct hs_table *t, size_t *n)
{
	uint64_t sz, max = 0;
	size_t i;

	*n = 0;
	for (i = 0; i < t->n; i++) {
		sz = hs_rec_size(t, t->rec + i * t->rsize);
		if (sz == HS_WILDCARD) {
			t->wildcard = true;
			continue;
		}
		(*n)++;
		if (sz > max)
			max = sz;
	}
	return max;
}

/* Sorted sizes as uint32 (the common case: no file of 4 GiB or more). */
static int sizes_u32(struct hs_table *t, size_t n, uint64_t max)
{
	uint32_t *v, *tmp = NULL, *nv;
	unsigned bytes = 0;
	size_t i, k = 0;
	uint64_t sz;

	v = malloc((n ? n : 1) * sizeof(*v));
	if (n >= 4096 && v)
		tmp = malloc(n * sizeof(*tmp));
	if (!v || (n >= 4096 && !tmp)) {
		free(v);
		return MDE_ERR_NOMEM;
	}
	mde__hs_advise_huge(v, n * sizeof(*v));
	mde__hs_advise_huge(tmp, n * sizeof(*tmp));
	for (i = 0; i < t->n; i++)
		if ((sz = hs_rec_size(t, t->rec + i * t->rsize)) != HS_WILDCARD)
			v[k++] = (uint32_t)sz;
	while (bytes < 4 && (max >> (bytes * 8)))
		bytes++;
	if (tmp)
		radix_u32(v, tmp, n, bytes);
	else
		qsort(v, n, sizeof(*v), cmp_u32);
	free(tmp);
	for (i = 0, k = 0; i < n; i++)
		if (!k || v[i] != v[k - 1])
			v[k++] = v[i];
	nv = realloc(v, (k ? k : 1) * sizeof(*v));
	t->sizes = nv ? nv : v;
	t->nsizes = k;
	t->sizew = 4;
	return MDE_OK;
}

/* Sorted sizes as uint64; rare, so qsort will do. */
static int sizes_u64(struct hs_table *t, size_t n)
{
	uint64_t *v, sz;
	size_t i, k = 0;

	v = malloc(n * sizeof(*v));
	if (!v)
		return MDE_ERR_NOMEM;
	for (i = 0; i < t->n; i++)
		if ((sz = hs_rec_size(t, t->rec + i * t->rsize)) != HS_WILDCARD)
			v[k++] = sz;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0, k = 0; i < n; i++)
		if (!k || v[i] != v[k - 1])
			v[k++] = v[i];
	t->sizes = v;
	t->nsizes = k;
	t->sizew = 8;
	return MDE_OK;
}

/* Builds the sorted set of distinct sizes and the wildcard flag. */
static int table_sizes(struct hs_table *t)
{
	size_t n;
	uint64_t max = table_max_size(t, &n);

	return max > UINT32_MAX ? sizes_u64(t, n) : sizes_u32(t, n, max);
}

static int table_finalize(struct hs_table *t)
{
	uint8_t *r;

	if (t->names)
		return MDE_OK; /* a bundle's table: already final */
	if (t->n) {
		flag_sort(t, t->rec, t->n, 0);
		table_dedup(t);
		r = realloc(t->rec, t->n * t->rsize);
		if (r) {
			t->rec = r;
			t->cap = t->n;
		}
	}
	return table_sizes(t);
}

int mde__hashsigs_finalize(mde__hashsigs *h)
{
	char *nb;
	int i, ret;

	if (h->final)
		return MDE_OK;
	if (h->suffix && (ret = mde__hs_suffix(h)) != MDE_OK)
		return ret;
	for (i = 0; i < MDE__NHASH; i++) {
		ret = table_finalize(&h->t[i]);
		if (ret)
			return ret;
	}
	free(h->pool.ht);
	h->pool.ht = NULL;
	h->pool.ht_cap = h->pool.ht_n = 0;
	if (h->pool.len && (nb = realloc(h->pool.buf, h->pool.len))) {
		h->pool.buf = nb;
		h->pool.cap = h->pool.len;
	}
	h->final = true;
	return MDE_OK;
}
