/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle_delta.c - delta bundles: the signed head of the target bundle
 * plus, for each target part the base does not already hold, either the
 * part itself or (hash tables) a diff against the base's table.
 *
 * Applying a delta rebuilds the target byte for byte; the target's own
 * signature and part digests then prove the result, so a delta can never
 * produce definitions its author did not sign as a full bundle.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mde_int.h"
#include "bundle.h"
#include "banned.h"

#define DELTA_PREFIX "delta/"

static const mde__bpart *find_sha(const mde__bundle *b, const uint8_t *sha)
{
	size_t i;

	for (i = 0; i < b->h.nparts; i++)
		if (memcmp(b->parts[i].sha256, sha, 32) == 0)
			return &b->parts[i];
	return NULL;
}

static size_t head_len(const mde__bundle *b)
{
	return MDE__B_HDR + MDE__B_SIG + (size_t)b->h.nparts * MDE__B_ENTRY;
}

/* Decodes hash table part p of b. */
static int table_of(mde__bundle *b, const mde__bpart *p, mde__htab *t,
		    void **tofree, char *err, size_t errlen)
{
	const uint8_t *buf;
	int rc = mde__bundle_part(b, p, &buf, tofree);

	if (rc != MDE_OK) {
		snprintf(err, errlen, "%s", b->err);
		return rc;
	}
	return mde__htab_decode(buf, (size_t)p->size, t, err, errlen);
}

/* The diff part for target table part p of b against a's same table. */
static int add_diff(mde__bwriter *w, mde__bundle *a, const mde__bpart *pa,
		    mde__bundle *b, const mde__bpart *pb, char *err,
		    size_t errlen)
{
	mde__htab ta, tb;
	void *fa = NULL, *fb = NULL;
	uint8_t *d = NULL;
	size_t dl = 0;
	char name[MDE__B_NAME + 8];
	int rc;

	rc = table_of(a, pa, &ta, &fa, err, errlen);
	if (rc == MDE_OK)
		rc = table_of(b, pb, &tb, &fb, err, errlen);
	if (rc == MDE_OK)
		rc = mde__htab_diff(&ta, &tb, &d, &dl);
	snprintf(name, sizeof(name), DELTA_PREFIX "%s", pb->name);
	if (rc == MDE_OK)
		rc = mde__bwriter_add(w, name, MDE__P_HASHDIFF, MDE__E_LZ4, d,
				      dl, pb->count);
	free(d);
	free(fa);
	free(fb);
	return rc;
}

int mde__delta_make(mde__bundle *a, mde__bundle *b, const char *keypath,
		    uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	mde__bwriter *w;
	mde__bhdr h = { 0 };
	const mde__bpart *pb, *pa;
	size_t i;
	int rc;

	if ((a->h.flags | b->h.flags) & MDE__B_FLAG_DELTA ||
	    b->h.version <= a->h.version) {
		snprintf(err, errlen, "a delta goes from a full bundle to a "
			 "newer full bundle");
		return MDE_ERR_ARG;
	}
	w = mde__bwriter_new();
	if (!w)
		return MDE_ERR_NOMEM;
	rc = mde__bwriter_add(w, "target", MDE__P_TARGET, MDE__E_LZ4, b->buf,
			      head_len(b), 0);
	for (i = 0; i < b->h.nparts && rc == MDE_OK; i++) {
		pb = &b->parts[i];
		if (find_sha(a, pb->sha256))
			continue;
		pa = mde__bundle_find(a, pb->name);
		if (pb->type == MDE__P_HASHTAB && pa &&
		    pa->type == MDE__P_HASHTAB && pb->enc == MDE__E_STORED)
			rc = add_diff(w, a, pa, b, pb, err, errlen);
		else
			rc = mde__bwriter_add_raw(w, pb, b->buf + pb->off);
	}
	h.flags = MDE__B_FLAG_DELTA;
	h.version = b->h.version;
	h.base_version = a->h.version;
	h.created = (uint64_t)time(NULL);
	memcpy(h.min_engine, b->h.min_engine, sizeof(h.min_engine));
	memcpy(h.base_digest, a->digest, 32);
	if (rc == MDE_OK)
		rc = mde__bwriter_finish(w, &h, keypath, out, outlen, err,
					 errlen);
	mde__bwriter_free(w);
	return rc;
}

/* Rebuilds target part t from a diff in d against base's table. */
static int patch_part(mde__bundle *base, mde__bundle *d, const mde__bpart *dp,
		      const mde__bpart *t, uint8_t *dst, char *err,
		      size_t errlen)
{
	const mde__bpart *bp = mde__bundle_find(base, t->name);
	const uint8_t *diff;
	void *fd = NULL, *fb = NULL;
	uint8_t *o = NULL;
	size_t ol = 0;
	mde__htab tb;
	int rc;

	if (!bp || bp->type != MDE__P_HASHTAB || t->enc != MDE__E_STORED) {
		snprintf(err, errlen, "the base has no table '%s'", t->name);
		return MDE_ERR_FORMAT;
	}
	rc = table_of(base, bp, &tb, &fb, err, errlen);
	if (rc == MDE_OK)
		rc = mde__bundle_part(d, dp, &diff, &fd);
	if (rc == MDE_OK)
		rc = mde__htab_patch(&tb, diff, (size_t)dp->size, &o, &ol, err,
				     errlen);
	if (rc == MDE_OK && ol != t->stored) {
		snprintf(err, errlen, "part '%s' rebuilt with the wrong size",
			 t->name);
		rc = MDE_ERR_FORMAT;
	}
	if (rc == MDE_OK)
		memcpy(dst, o, ol);
	free(o);
	free(fd);
	free(fb);
	return rc;
}

/* Fills target part t of the output from the delta or the base. */
static int fill_part(mde__bundle *base, mde__bundle *d, const mde__bpart *t,
		     uint8_t *o, char *err, size_t errlen)
{
	const mde__bpart *p = mde__bundle_find(d, t->name);
	char name[MDE__B_NAME + 8];

	if (p && !memcmp(p->sha256, t->sha256, 32)) {
		memcpy(o + t->off, d->buf + p->off, (size_t)t->stored);
		return MDE_OK;
	}
	snprintf(name, sizeof(name), DELTA_PREFIX "%s", t->name);
	p = mde__bundle_find(d, name);
	if (p && p->type == MDE__P_HASHDIFF)
		return patch_part(base, d, p, t, o + t->off, err, errlen);
	p = find_sha(base, t->sha256);
	if (p && p->stored == t->stored) {
		memcpy(o + t->off, base->buf + p->off, (size_t)t->stored);
		return MDE_OK;
	}
	snprintf(err, errlen, "the delta lacks part '%s' and the base does "
		 "not have it", t->name);
	return MDE_ERR_FORMAT;
}

int mde__delta_apply(mde__bundle *base, mde__bundle *d, uint8_t **out,
		     size_t *outlen, char *err, size_t errlen)
{
	const mde__bpart *tp = mde__bundle_find(d, "target");
	mde__bundle t = { 0 };
	const uint8_t *head;
	void *fh = NULL;
	uint8_t *o = NULL;
	size_t i;
	int rc;

	if (!(d->h.flags & MDE__B_FLAG_DELTA) || !tp ||
	    tp->type != MDE__P_TARGET) {
		snprintf(err, errlen, "not a delta bundle");
		return MDE_ERR_FORMAT;
	}
	if (memcmp(d->h.base_digest, base->digest, 32) != 0) {
		snprintf(err, errlen, "this delta turns version %llu into "
			 "%llu; the installed definitions (version %llu) are "
			 "not its base", (unsigned long long)d->h.base_version,
			 (unsigned long long)d->h.version,
			 (unsigned long long)base->h.version);
		return MDE_ERR_ARG;
	}
	rc = mde__bundle_part(d, tp, &head, &fh);
	if (rc == MDE_OK)
		rc = mde__bundle_parse_head(&t, head, (size_t)tp->size);
	if (rc != MDE_OK) {
		snprintf(err, errlen, "delta target: %s", t.err[0] ? t.err
							 : d->err);
		goto out;
	}
	o = calloc(1, (size_t)t.h.total);
	if (!o) {
		rc = MDE_ERR_NOMEM;
		goto out;
	}
	memcpy(o, head, (size_t)tp->size);
	for (i = 0; i < t.h.nparts && rc == MDE_OK; i++)
		rc = fill_part(base, d, &t.parts[i], o, err, errlen);
	if (rc == MDE_OK) {
		*out = o;
		*outlen = (size_t)t.h.total;
		o = NULL;
	}
out:
	free(o);
	free(fh);
	mde__bundle_close(&t);
	return rc;
}
