/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_hash.c - PE section hashes (.mdb .msb) and import hashes (.imp)
 * looked up for PE files only, and the allow lists (.fp .sfp).
 *
 * A section's hash covers its raw data as aligned by exe.c, the size
 * being that length.  The import hash is ClamAV's: for every imported
 * function "dll.function" in lower case (the DLL name without a .dll
 * .ocx or .sys extension, an ordinal as "ordN"), joined by commas, and
 * its length is the size; names outside [0-9A-Za-z_.] give no hash.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

static int cmp_shash(const void *pa, const void *pb)
{
	const struct cl_shash *a = pa, *b = pb;
	int d;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	d = memcmp(a->dig, b->dig, 32);
	if (d)
		return d;
	return a->name < b->name ? -1 : a->name > b->name;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cl_misc_finalize(mde__clam *c)
{
	if (c->nimp)
		qsort(c->imp, c->nimp, sizeof(*c->imp), cmp_shash);
	if (c->nign)
		qsort(c->ign, c->nign, sizeof(*c->ign), cmp_str);
	for (int p = 0; p < 2; p++) {
		int rc = mde__hashsigs_finalize(c->sect[p]);

		if (rc)
			return rc;
	}
	return mde__hashsigs_finalize(c->fp);
}

/* The first entry of v[0..n) with this type and digest, or n. */
static size_t find(const struct cl_shash *v, size_t n, int type,
		   const uint8_t *dig)
{
	size_t lo = 0, hi = n;
	struct cl_shash key = { 0 };

	key.type = (uint8_t)type;
	memcpy(key.dig, dig, mde__hash_len(type));
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_shash(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Looks a digest of each type up; reports matches of the size. */
static int lookup(const mde__clam *c, mde__clamscratch *s,
		  const struct cl_shash *v, size_t n, uint8_t dig[][32],
		  unsigned types, uint64_t size, mde__clam_fn fn, void *ctx)
{
	for (int t = 0; t < MDE__NHASH; t++) {
		size_t dl = mde__hash_len(t);

		if (!(types & (1u << t)))
			continue;
		for (size_t k = find(v, n, t, dig[t]);
		     k < n && v[k].type == t && !memcmp(v[k].dig, dig[t], dl);
		     k++)
			if (v[k].size == size || v[k].size == UINT64_MAX) {
				/* one name per digest: the first loaded */
				if (cl_report(c, s, c->names.p + v[k].name,
					      v[k].pua, v[k].unofficial, fn,
					      ctx))
					return 1;
				break;
			}
	}
	return 0;
}

static unsigned types_of(const struct cl_shash *v, size_t n)
{
	unsigned t = 0;

	for (size_t i = 0; i < n; i++)
		t |= 1u << v[i].type;
	return t;
}

static void digest(unsigned types, const void *p, size_t n,
		   uint8_t out[][32])
{
	if (types & 1)
		EVP_Digest(p, n, out[MDE__MD5], NULL, EVP_md5(), NULL);
	if (types & 2)
		EVP_Digest(p, n, out[MDE__SHA1], NULL, EVP_sha1(), NULL);
	if (types & 4)
		EVP_Digest(p, n, out[MDE__SHA256], NULL, EVP_sha256(), NULL);
}

/*
 * The section hashes: a section is hashed only with the types some
 * signature of its exact size (or of any size) has, as ClamAV hashes a
 * file only for the sizes its hash signatures name.
 */
static int sections(const mde__clam *c, mde__clamscratch *s,
		    const struct cl_fctx *f, mde__clam_fn fn, void *ctx)
{
	uint8_t dig[MDE__NHASH][32];

	for (uint32_t i = 0; i < f->exe->nsect; i++) {
		const mde__exe_sect *sc = &f->exe->sect[i];
		unsigned types = 0;

		if (!sc->rsz || sc->raw > f->len || sc->rsz > f->len - sc->raw)
			continue;
		for (int t = 0; t < MDE__NHASH; t++)
			for (int p = 0; p < 2; p++)
				if (mde__hashsigs_want(c->sect[p], t, sc->rsz))
					types |= 1u << t;
		if (!types)
			continue;
		digest(types, f->buf + sc->raw, sc->rsz, dig);
		for (int t = 0; t < MDE__NHASH; t++) {
			if (!(types & (1u << t)))
				continue;
			for (int p = 0; p < 2; p++) {
				/* one name per digest and size */
				const char *name = mde__hashsigs_lookup(
					c->sect[p], t, dig[t], sc->rsz);

				if (!name)
					continue;
				/* named as reported already */
				if (cl_report(c, s, name, p, false, fn, ctx))
					return 1;
				break;
			}
		}
	}
	return 0;
}

int cl_hash_scan(const mde__clam *c, mde__clamscratch *s,
		 const struct cl_fctx *f, mde__clam_fn fn, void *ctx)
{
	uint8_t dig[MDE__NHASH][32];
	unsigned types;
	mde__buf b = { 0 };
	int rc = 0;

	if ((mde__hashsigs_count(c->sect[0]) ||
	     mde__hashsigs_count(c->sect[1])) && sections(c, s, f, fn, ctx))
		return 1;
	if (!c->nimp)
		return 0;
	if (cl_imp_string(f, &b) == 0) {
		types = types_of(c->imp, c->nimp);
		digest(types, b.p ? b.p : "", b.len, dig);
		rc = lookup(c, s, c->imp, c->nimp, dig, types, b.len, fn, ctx);
	}
	free(b.p);
	return rc;
}

bool mde__clam_allowed(const mde__clam *c, const uint8_t *md5,
		       const uint8_t *sha1, const uint8_t *sha256,
		       uint64_t size)
{
	const uint8_t *d[MDE__NHASH] = { md5, sha1, sha256 };

	for (int t = 0; t < MDE__NHASH; t++)
		if (d[t] && mde__hashsigs_lookup(c->fp, t, d[t], size))
			return true;
	return false;
}

unsigned mde__clam_fp_want(const mde__clam *c, uint64_t size)
{
	unsigned w = 0;

	for (int t = 0; t < MDE__NHASH; t++)
		if (mde__hashsigs_want(c->fp, t, size))
			w |= 1u << t;
	return w;
}
