/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaraprefilter.c - the literal prefilter of the YARA stage: one
 * Vectorscan block-mode literal database per rule set, every literal
 * HS_FLAG_SINGLEMATCH, scanned until the first hit.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>

#include <hs/hs.h>

#include "mde_int.h"
#include "yaraprefilter.h"
#include "banned.h"

struct mde__ypf {
	hs_database_t *db;
};

/* Parallel arrays for hs_compile_lit_multi(). */
struct litarr {
	const char **ptrs;
	unsigned *flags, *ids;
	size_t *lens;
};

static void litarr_free(struct litarr *a)
{
	free(a->ptrs);
	free(a->flags);
	free(a->ids);
	free(a->lens);
}

static int litarr_fill(const mde__ylits *l, struct litarr *a)
{
	size_t i;

	a->ptrs = malloc(l->n * sizeof(*a->ptrs));
	a->flags = malloc(l->n * sizeof(*a->flags));
	a->ids = malloc(l->n * sizeof(*a->ids));
	a->lens = malloc(l->n * sizeof(*a->lens));
	if (!a->ptrs || !a->flags || !a->ids || !a->lens)
		return MDE_ERR_NOMEM;
	for (i = 0; i < l->n; i++) {
		a->ptrs[i] = (const char *)l->pool + l->v[i].off;
		a->lens[i] = l->v[i].len;
		/* Vectorscan 5.4.9 takes a literal that starts with NUL for
		 * an empty one and rejects it; the rest is required too */
		while (a->lens[i] > 0 && a->ptrs[i][0] == '\0') {
			a->ptrs[i]++;
			a->lens[i]--;
		}
		if (a->lens[i] == 0)
			return MDE_ERR_STATE;
		/* which literal hit does not matter, but one id for all
		 * makes Vectorscan's compile superlinear (45 s for 14,000) */
		a->ids[i] = (unsigned)i;
		a->flags[i] = HS_FLAG_SINGLEMATCH |
			      (l->v[i].caseless ? HS_FLAG_CASELESS : 0);
	}
	return MDE_OK;
}

int mde__ypf_new(const mde__ylits *l, mde__ypf **out)
{
	struct litarr a = { 0 };
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;
	int rc;

	*out = NULL;
	if (l->n == 0 || l->n > UINT_MAX)
		return MDE_ERR_STATE;
	rc = litarr_fill(l, &a);
	if (rc != MDE_OK)
		goto out;
	if (hs_compile_lit_multi(a.ptrs, a.flags, a.ids, a.lens,
				 (unsigned)l->n, HS_MODE_BLOCK, NULL, &db,
				 &cerr) != HS_SUCCESS) {
		rc = MDE_ERR_STATE;
		goto out;
	}
	*out = malloc(sizeof(**out));
	if (!*out) {
		rc = MDE_ERR_NOMEM;
		goto out;
	}
	(*out)->db = db;
	db = NULL;
out:
	if (cerr)
		hs_free_compile_error(cerr);
	hs_free_database(db);
	litarr_free(&a);
	return rc;
}

void mde__ypf_free(mde__ypf *p)
{
	if (!p)
		return;
	hs_free_database(p->db);
	free(p);
}

int mde__ypf_save(const mde__ypf *p, char **bytes, size_t *len)
{
	*bytes = NULL;
	*len = 0;
	return hs_serialize_database(p->db, bytes, len) == HS_SUCCESS
		       ? MDE_OK
		       : MDE_ERR_NOMEM;
}

int mde__ypf_load(const void *bytes, size_t len, mde__ypf **out)
{
	hs_database_t *db = NULL;

	*out = NULL;
	if (hs_deserialize_database(bytes, len, &db) != HS_SUCCESS)
		return MDE_ERR_FORMAT;
	*out = malloc(sizeof(**out));
	if (!*out) {
		hs_free_database(db);
		return MDE_ERR_NOMEM;
	}
	(*out)->db = db;
	return MDE_OK;
}

int mde__ypf_scratch_add(const mde__ypf *p, struct hs_scratch **s)
{
	return hs_alloc_scratch(p->db, s) == HS_SUCCESS ? MDE_OK
							: MDE_ERR_NOMEM;
}

struct hs_scratch *mde__ypf_scratch_clone(struct hs_scratch *proto)
{
	hs_scratch_t *s = NULL;

	if (!proto || hs_clone_scratch(proto, &s) != HS_SUCCESS)
		return NULL;
	return s;
}

void mde__ypf_scratch_free(struct hs_scratch *s)
{
	if (s)
		hs_free_scratch(s);
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to,
		  unsigned flags, void *ctx)
{
	(void)id, (void)from, (void)to, (void)flags;
	*(bool *)ctx = true;
	return 1; /* one hit is enough: stop */
}

bool mde__ypf_hit(const mde__ypf *p, struct hs_scratch *s,
		  const uint8_t *buf, size_t len)
{
	bool hit = false;
	hs_error_t err;

	if (!s || len > UINT_MAX)
		return true;
	err = hs_scan(p->db, (const char *)buf, (unsigned)len, 0, s, on_hit,
		      &hit);
	if (err != HS_SUCCESS && err != HS_SCAN_TERMINATED)
		return true;
	return hit;
}
