/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle_clamdb.c - the ClamAV databases a bundle carries, named for
 * `mdescan definitions status` and `mdesig info` without loading them.
 *
 * A bundle keeps each database whole, as ClamAV signed it (a source part
 * "src/<name>.cvd|.cld|.cud", stored, not recompressed): its version,
 * build time and signature count are the first 512 bytes of the part.
 * What the build found in it that this engine does not run is a small
 * part of its own beside it, "clamav/<file>" (bundle.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "bundle.h"
#include "cvd.h"
#include "defs_format.h"
#include "banned.h"

#define MAX_KINDS 32

/* The kinds read but not run, from the database's note part (bundle.h):
 * lines "<count>\t<what>", and how the build verified it, a line
 * "verified: <how>"; copied into what (NUL-terminated there). */
static size_t note_read(const uint8_t *buf, size_t len, char *what,
			mde_clamdb_unsup *u, const char **verified)
{
	const char *s = (const char *)buf, *end = s + len, *nl, *tab;
	size_t k = 0;
	char *e;

	memcpy(what, buf, len);
	for (; s < end && k < MAX_KINDS; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		what[nl - (const char *)buf] = '\0';
		if (nl - s > 10 && memcmp(s, "verified: ", 10) == 0)
			*verified = what + (s + 10 - (const char *)buf);
		tab = memchr(s, '\t', (size_t)(nl - s));
		if (!tab)
			continue;
		u[k].n = strtoull(what + (s - (const char *)buf), &e, 10);
		u[k++].what = what + (tab + 1 - (const char *)buf);
	}
	return k;
}

/* Fills the counts of db from the note part "clamav/<name>", if any. */
static int note(mde__bundle *b, mde_clamdb_info *db, char **what,
		mde_clamdb_unsup *u, char *err, size_t errlen)
{
	char name[MDE__B_NAME + 16];
	const mde__bpart *p;
	const uint8_t *buf;
	void *own = NULL;
	int rc;

	snprintf(name, sizeof(name), "clamav/%s", db->name);
	p = mde__bundle_find(b, name);
	if (!p || p->type != MDE__P_CLAMNOTE)
		return MDE_OK;
	rc = mde__bundle_part(b, p, &buf, &own);
	if (rc == MDE_OK && !(*what = malloc((size_t)p->size + 1)))
		rc = MDE_ERR_NOMEM;
	if (rc == MDE_OK) {
		db->nunsup = note_read(buf, (size_t)p->size, *what, u,
				       &db->verified);
		db->unsup = u;
	} else {
		snprintf(err, errlen, "%s", rc == MDE_ERR_NOMEM
			 ? mde_status_str(rc) : b->err);
	}
	free(own);
	return rc;
}

/* Reads the header of the database in part p and calls fn with it. */
static int one_db(mde__bundle *b, const mde__bpart *p, mde_clamdb_fn fn,
		  void *ctx, char *err, size_t errlen)
{
	struct mde__cvd_head h;
	mde_clamdb_info db;
	mde_clamdb_unsup u[MAX_KINDS];
	const uint8_t *buf;
	void *own = NULL;
	char why[200], *what = NULL;
	int rc = mde__bundle_part(b, p, &buf, &own);

	if (rc != MDE_OK) {
		snprintf(err, errlen, "%s", b->err);
		return rc;
	}
	if (p->size < MDE__CVD_HEAD ||
	    mde__cvd_head_parse((const char *)buf, MDE__CVD_HEAD, &h, why,
				sizeof(why)) != MDE_OK) {
		snprintf(err, errlen, "part '%s': %s", p->name,
			 p->size < MDE__CVD_HEAD ? "cut inside the header"
						 : why);
		rc = MDE_ERR_FORMAT;
		goto out;
	}
	memset(&db, 0, sizeof(db));
	db.name = strrchr(p->name, '/') ? strrchr(p->name, '/') + 1 : p->name;
	db.version = h.version;
	db.built = h.time;
	db.built_at = h.stime;
	db.sigs = h.sigs;
	db.loaded = p->count;
	db.official = mde__cvd_type_of(p->name) != MDE__CVD_CUD;
	rc = note(b, &db, &what, u, err, errlen);
	if (rc == MDE_OK)
		fn(ctx, &db);
out:
	free(what);
	free(own);
	return rc;
}

int mde_bundle_clamdbs(const char *path, mde_clamdb_fn fn, void *ctx,
		       char *err, size_t errlen)
{
	const mde__defs_fmt *f;
	mde__bundle b;
	size_t i;
	int rc = mde__bundle_open_head(&b, path);

	if (rc != MDE_OK)
		snprintf(err, errlen, "%s", b.err);
	for (i = 0; rc == MDE_OK && i < b.h.nparts; i++) {
		f = b.parts[i].type == MDE__P_SOURCE
			    ? mde__defs_fmt_source(b.parts[i].name) : NULL;
		if (f && f->kind == MDE__DK_CLAMDB)
			rc = one_db(&b, &b.parts[i], fn, ctx, err, errlen);
	}
	mde__bundle_close(&b);
	return rc;
}
