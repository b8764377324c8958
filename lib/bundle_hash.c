/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle_hash.c - hash tables as bundle parts, and their diffs.
 *
 * A table part is what hashsig.c searches, laid out to be used straight
 * from the mapped file (mdescan-bundle(5)):
 *
 *	"MDEH" u32 type u64 n u64 nsizes u32 sizew u32 flags(1: wildcard)
 *	u64 names_len u64 rec_off u64 sizes_off u64 names_off     (64 bytes)
 *	records: n x (digest | u64 size | u32 name offset), sorted, unique
 *	sizes: the distinct sizes (wildcard excluded), sorted, u32 or u64
 *	names: "\0" then the distinct names, sorted, each NUL terminated
 *
 * The encoding is canonical (one byte string per set of signatures), so
 * a delta can rebuild a table and prove it by the target's signed digest.
 * A diff lists the (digest, size) keys to drop and the records to add:
 *
 *	"MDED" u32 type u64 ndrop u64 nadd
 *	ndrop x (digest | u64 size)
 *	nadd  x (digest | u64 size | u32 namelen | name)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "bundle.h"
#include "banned.h"

#define HT_HDR 64

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8); /* the format is little-endian, so is the host */
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int key_cmp(const uint8_t *da, uint64_t sa, const uint8_t *db,
		   uint64_t sb, size_t dlen)
{
	int c = memcmp(da, db, dlen);

	if (c)
		return c;
	return (sa > sb) - (sa < sb);
}

static int hrec_cmp(const void *x, const void *y, void *dlen)
{
	const mde__hrec *a = x, *b = y;
	int c = key_cmp(a->digest, a->size, b->digest, b->size,
			*(size_t *)dlen);

	return c ? c : strcmp(a->name, b->name);
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

/* Sorted distinct names (the pool) and their offsets. */
struct pool {
	const char **names;
	uint64_t *off;
	size_t n, bytes;
};

static int pool_build(struct pool *p, const mde__hrec *r, size_t n)
{
	size_t i, k = 0;

	p->names = malloc((n ? n : 1) * sizeof(*p->names));
	p->off = malloc((n ? n : 1) * sizeof(*p->off));
	if (!p->names || !p->off)
		return MDE_ERR_NOMEM;
	for (i = 0; i < n; i++)
		p->names[i] = r[i].name;
	qsort(p->names, n, sizeof(*p->names), str_cmp);
	p->bytes = 1;
	for (i = 0; i < n; i++) {
		if (!p->names[i][0] || (k && !strcmp(p->names[k - 1],
						     p->names[i])))
			continue;
		p->names[k] = p->names[i];
		p->off[k] = p->bytes;
		p->bytes += strlen(p->names[i]) + 1;
		k++;
	}
	p->n = k;
	return MDE_OK;
}

static uint32_t pool_find(const struct pool *p, const char *name)
{
	size_t lo = 0, hi = p->n, mid;
	int c;

	if (!name[0])
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(p->names[mid], name);
		if (c == 0)
			return (uint32_t)p->off[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Sorts and de-duplicates recs; returns the new count. */
static size_t canon(int type, mde__hrec *recs, size_t n)
{
	size_t dlen = mde__hash_len(type), i, k = 0;

	if (n)
		qsort_r(recs, n, sizeof(*recs), hrec_cmp, &dlen);
	for (i = 0; i < n; i++) {
		if (k && !key_cmp(recs[k - 1].digest, recs[k - 1].size,
				  recs[i].digest, recs[i].size, dlen))
			continue;
		recs[k++] = recs[i];
	}
	return k;
}

/* The distinct sizes of recs, sorted, into *out (malloc'd). */
static int sizes_of(const mde__hrec *recs, size_t n, uint64_t **out,
		    size_t *nout, int *wild)
{
	uint64_t *v = malloc((n ? n : 1) * sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return MDE_ERR_NOMEM;
	*wild = 0;
	for (i = 0; i < n; i++) {
		if (recs[i].size == UINT64_MAX)
			*wild = 1;
		else
			v[k++] = recs[i].size;
	}
	qsort(v, k, sizeof(*v), u64_cmp);
	for (i = 0, n = 0; i < k; i++)
		if (!n || v[i] != v[n - 1])
			v[n++] = v[i];
	*out = v;
	*nout = n;
	return MDE_OK;
}

static void write_table(uint8_t *o, int type, const mde__hrec *recs, size_t n,
			const struct pool *pl, const uint64_t *sz, size_t nsz,
			unsigned sizew, int wild, size_t sizes_off,
			size_t names_off)
{
	size_t dlen = mde__hash_len(type), rs = dlen + 12, i;
	uint8_t *r;

	memcpy(o, "MDEH", 4);
	memcpy(o + 4, &(uint32_t){ (uint32_t)type }, 4);
	memcpy(o + 8, &(uint64_t){ n }, 8);
	memcpy(o + 16, &(uint64_t){ nsz }, 8);
	memcpy(o + 24, &(uint32_t){ sizew }, 4);
	memcpy(o + 28, &(uint32_t){ (uint32_t)wild }, 4);
	memcpy(o + 32, &(uint64_t){ pl->bytes }, 8);
	memcpy(o + 40, &(uint64_t){ HT_HDR }, 8);
	memcpy(o + 48, &(uint64_t){ sizes_off }, 8);
	memcpy(o + 56, &(uint64_t){ names_off }, 8);
	for (i = 0; i < n; i++) {
		uint32_t name = pool_find(pl, recs[i].name);

		r = o + HT_HDR + i * rs;
		memcpy(r, recs[i].digest, dlen);
		memcpy(r + dlen, &recs[i].size, 8);
		memcpy(r + dlen + 8, &name, 4);
	}
	for (i = 0; i < nsz; i++) {
		if (sizew == 4)
			memcpy(o + sizes_off + 4 * i,
			       &(uint32_t){ (uint32_t)sz[i] }, 4);
		else
			memcpy(o + sizes_off + 8 * i, &sz[i], 8);
	}
	for (i = 0; i < pl->n; i++)
		memcpy(o + names_off + pl->off[i], pl->names[i],
		       strlen(pl->names[i]) + 1);
}

int mde__htab_encode(int type, mde__hrec *recs, size_t n, uint8_t **out,
		     size_t *outlen)
{
	struct pool pl = { 0 };
	uint64_t *sz = NULL;
	size_t nsz = 0, rs = mde__hash_len(type) + 12, sizes_off, names_off,
	       total;
	unsigned sizew = 4;
	int wild = 0, rc;
	uint8_t *o;

	n = canon(type, recs, n);
	rc = pool_build(&pl, recs, n);
	if (rc == MDE_OK)
		rc = sizes_of(recs, n, &sz, &nsz, &wild);
	if (rc != MDE_OK)
		goto out;
	if (nsz && sz[nsz - 1] > UINT32_MAX)
		sizew = 8;
	sizes_off = (HT_HDR + n * rs + 7) & ~(size_t)7;
	names_off = sizes_off + nsz * sizew;
	total = names_off + pl.bytes;
	o = calloc(1, total);
	if (!o) {
		rc = MDE_ERR_NOMEM;
		goto out;
	}
	write_table(o, type, recs, n, &pl, sz, nsz, sizew, wild, sizes_off,
		    names_off);
	*out = o;
	*outlen = total;
out:
	free(pl.names);
	free(pl.off);
	free(sz);
	return rc;
}

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "hash table: %s", msg);
	return MDE_ERR_FORMAT;
}

static int check_records(const mde__htab *t, char *err, size_t errlen)
{
	const uint8_t *r, *prev = NULL;
	uint32_t name;
	size_t i;

	for (i = 0; i < t->n; i++) {
		r = t->rec + i * t->rsize;
		name = rd32(r + t->dlen + 8);
		if (name >= t->names_len || (name && t->names[name - 1]))
			return fail(err, errlen, "a name offset is out of place");
		if (prev && key_cmp(prev, rd64(prev + t->dlen), r,
				    rd64(r + t->dlen), t->dlen) >= 0)
			return fail(err, errlen, "records are not sorted");
		prev = r;
	}
	return MDE_OK;
}

static int check_sizes(const mde__htab *t, char *err, size_t errlen)
{
	const uint32_t *v32 = t->sizes;
	const uint64_t *v64 = t->sizes;
	size_t i;

	for (i = 1; i < t->nsizes; i++)
		if (t->sizew == 4 ? v32[i - 1] >= v32[i] : v64[i - 1] >= v64[i])
			return fail(err, errlen, "sizes are not sorted");
	return MDE_OK;
}

static int decode(const uint8_t *buf, size_t len, mde__htab *t, int deep,
		  char *err, size_t errlen)
{
	uint64_t n, nsz, nlen, roff, soff, noff;
	uint32_t type;

	memset(t, 0, sizeof(*t));
	if (len < HT_HDR || memcmp(buf, "MDEH", 4) != 0)
		return fail(err, errlen, "bad magic or truncated");
	type = rd32(buf + 4);
	if (type >= MDE__NHASH)
		return fail(err, errlen, "unknown hash type");
	n = rd64(buf + 8);
	nsz = rd64(buf + 16);
	t->sizew = rd32(buf + 24);
	t->wildcard = rd32(buf + 28) & 1;
	nlen = rd64(buf + 32);
	roff = rd64(buf + 40);
	soff = rd64(buf + 48);
	noff = rd64(buf + 56);
	t->type = (int)type;
	t->dlen = mde__hash_len(t->type);
	t->rsize = t->dlen + 12;
	if ((t->sizew != 4 && t->sizew != 8) || roff != HT_HDR ||
	    n > (len - HT_HDR) / t->rsize || soff % 8 ||
	    soff < HT_HDR + n * t->rsize || soff > len ||
	    nsz > (len - soff) / t->sizew || noff < soff + nsz * t->sizew ||
	    noff > len || nlen != len - noff || nlen == 0)
		return fail(err, errlen, "sections out of bounds");
	t->n = (size_t)n;
	t->nsizes = (size_t)nsz;
	t->rec = buf + roff;
	t->sizes = buf + soff;
	t->names = (const char *)buf + noff;
	t->names_len = (size_t)nlen;
	if (t->names[0] || t->names[nlen - 1])
		return fail(err, errlen, "names are not NUL terminated");
	if (!deep)
		return MDE_OK;
	if (check_records(t, err, errlen) != MDE_OK)
		return MDE_ERR_FORMAT;
	return check_sizes(t, err, errlen);
}

int mde__htab_decode(const uint8_t *buf, size_t len, mde__htab *t, char *err,
		     size_t errlen)
{
	return decode(buf, len, t, 1, err, errlen);
}

int mde__htab_decode_trusted(const uint8_t *buf, size_t len, mde__htab *t,
			     char *err, size_t errlen)
{
	return decode(buf, len, t, 0, err, errlen);
}

void mde__htab_rec(const mde__htab *t, size_t i, mde__hrec *r)
{
	const uint8_t *p = t->rec + i * t->rsize;

	r->digest = p;
	r->size = rd64(p + t->dlen);
	r->name = t->names + rd32(p + t->dlen + 8);
}

/* ------------------------------------------------------------- diffs */

static int put(mde__buf *b, const void *p, size_t n)
{
	return mde__buf_put(b, p, n);
}

static int put_key(mde__buf *b, const mde__hrec *r, size_t dlen)
{
	int rc = put(b, r->digest, dlen);

	return rc ? rc : put(b, &r->size, 8);
}

static int put_add(mde__buf *b, const mde__hrec *r, size_t dlen)
{
	uint32_t nl = (uint32_t)strlen(r->name);
	int rc = put_key(b, r, dlen);

	if (!rc)
		rc = put(b, &nl, 4);
	return rc ? rc : put(b, r->name, nl);
}

/* Walks both tables in key order, calling out for each side's extras. */
static int diff_walk(const mde__htab *a, const mde__htab *b, mde__buf *drop,
		     mde__buf *add, uint64_t *nd, uint64_t *na)
{
	size_t i = 0, j = 0, dlen = a->dlen;
	mde__hrec x, y;
	int c, rc = MDE_OK;

	while (rc == MDE_OK && (i < a->n || j < b->n)) {
		if (i < a->n)
			mde__htab_rec(a, i, &x);
		if (j < b->n)
			mde__htab_rec(b, j, &y);
		c = i == a->n ? 1 : j == b->n ? -1
			: key_cmp(x.digest, x.size, y.digest, y.size, dlen);
		if (c == 0 && strcmp(x.name, y.name) == 0) {
			i++, j++;
			continue;
		}
		if (c <= 0) {
			rc = put_key(drop, &x, dlen);
			(*nd)++;
			i++;
		}
		if (c >= 0 && rc == MDE_OK) {
			rc = put_add(add, &y, dlen);
			(*na)++;
			j++;
		}
	}
	return rc;
}

int mde__htab_diff(const mde__htab *a, const mde__htab *b, uint8_t **out,
		   size_t *outlen)
{
	mde__buf drop = { 0 }, add = { 0 }, o = { 0 };
	uint64_t nd = 0, na = 0;
	uint32_t type = (uint32_t)b->type;
	int rc;

	if (a->type != b->type)
		return MDE_ERR_ARG;
	rc = diff_walk(a, b, &drop, &add, &nd, &na);
	if (!rc)
		rc = put(&o, "MDED", 4);
	if (!rc)
		rc = put(&o, &type, 4);
	if (!rc)
		rc = put(&o, &nd, 8);
	if (!rc)
		rc = put(&o, &na, 8);
	if (!rc && drop.len)
		rc = put(&o, drop.p, drop.len);
	if (!rc && add.len)
		rc = put(&o, add.p, add.len);
	free(drop.p);
	free(add.p);
	if (rc) {
		free(o.p);
		return rc;
	}
	*out = (uint8_t *)o.p;
	*outlen = o.len;
	return MDE_OK;
}

/* Reads the added records of a diff into recs (names point into d). */
static int read_adds(const uint8_t *p, const uint8_t *end, size_t dlen,
		     uint64_t na, mde__hrec *recs, char **names)
{
	uint64_t i;
	uint32_t nl;

	for (i = 0; i < na; i++) {
		if ((size_t)(end - p) < dlen + 12)
			return MDE_ERR_FORMAT;
		recs[i].digest = p;
		recs[i].size = rd64(p + dlen);
		nl = rd32(p + dlen + 8);
		p += dlen + 12;
		if ((size_t)(end - p) < nl || memchr(p, 0, nl))
			return MDE_ERR_FORMAT;
		names[i] = malloc((size_t)nl + 1);
		if (!names[i])
			return MDE_ERR_NOMEM;
		memcpy(names[i], p, nl);
		names[i][nl] = '\0';
		recs[i].name = names[i];
		p += nl;
	}
	return p == end ? MDE_OK : MDE_ERR_FORMAT;
}

/* a's records minus the keys in drop[0..nd) (both sorted), into recs. */
static int keep_undropped(const mde__htab *a, const uint8_t *drop,
			  uint64_t nd, mde__hrec *recs, size_t *k)
{
	size_t i, dlen = a->dlen;
	uint64_t j = 0;
	mde__hrec x;
	int c;

	for (i = 0; i < a->n; i++) {
		mde__htab_rec(a, i, &x);
		c = j < nd ? key_cmp(x.digest, x.size, drop + j * (dlen + 8),
				     rd64(drop + j * (dlen + 8) + dlen), dlen)
			   : -1;
		if (c > 0)
			return MDE_ERR_FORMAT; /* drops a key a lacks */
		if (c == 0) {
			j++;
			continue;
		}
		recs[(*k)++] = x;
	}
	return j == nd ? MDE_OK : MDE_ERR_FORMAT;
}

int mde__htab_patch(const mde__htab *a, const uint8_t *d, size_t dl,
		    uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	uint64_t nd, na, i;
	size_t dlen = a->dlen, k = 0;
	mde__hrec *recs = NULL;
	char **names = NULL;
	int rc = MDE_ERR_FORMAT;

	if (dl < 24 || memcmp(d, "MDED", 4) || rd32(d + 4) != (uint32_t)a->type)
		return fail(err, errlen, "bad diff header");
	nd = rd64(d + 8);
	na = rd64(d + 16);
	if (nd > a->n || nd > (dl - 24) / (dlen + 8) ||
	    na > (dl - 24 - nd * (dlen + 8)) / (dlen + 12))
		return fail(err, errlen, "diff counts out of bounds");
	recs = malloc((size_t)(a->n + na + 1) * sizeof(*recs));
	names = calloc((size_t)na + 1, sizeof(*names));
	if (!recs || !names) {
		rc = MDE_ERR_NOMEM;
		goto out;
	}
	rc = keep_undropped(a, d + 24, nd, recs, &k);
	if (rc == MDE_OK)
		rc = read_adds(d + 24 + nd * (dlen + 8), d + dl, dlen, na,
			       recs + k, names);
	if (rc == MDE_OK)
		rc = mde__htab_encode(a->type, recs, k + (size_t)na, out,
				      outlen);
	else if (rc == MDE_ERR_FORMAT)
		fail(err, errlen, "the diff does not fit this table");
out:
	for (i = 0; names && i < na; i++)
		free(names[i]);
	free(names);
	free(recs);
	return rc;
}
