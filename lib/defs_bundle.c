/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defs_bundle.c - loading a signed bundle into mde_defs, trusted keys,
 * and what a bundle says about itself (mde_bundle_check/_info/_list).
 *
 * Hash tables are used in place from the mapping (mde__hashsigs_attach);
 * byte signatures and IOC lists are parsed as the files they were; YARA
 * rules come compiled when the bundle was built by this engine and
 * libyara version with the same pre-selection setting, and are compiled
 * from the bundle's sources otherwise.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xxhash.h>
#include <yara.h>

#include "mde_int.h"
#include "bundle.h"
#include "defs_format.h"
#include "banned.h"

/* ------------------------------------------------------------- keys */

struct keys {
	uint8_t (*k)[32];
	size_t n, cap;
};

static int key_add_file(struct keys *ks, const char *path, char *err,
			size_t errlen)
{
	uint8_t pub[32];
	int rc = mde__key_read_pub(path, pub, err, errlen);

	if (rc != MDE_OK)
		return rc;
	if (mde__grow((void **)&ks->k, &ks->cap, ks->n + 1, sizeof(*ks->k)))
		return MDE_ERR_NOMEM;
	memcpy(ks->k[ks->n++], pub, 32);
	return MDE_OK;
}

static int is_pub(const char *name)
{
	size_t l = strlen(name);

	return l >= 5 && strcmp(name + l - 4, ".pub") == 0;
}

/* A key file, or every *.pub file of a directory (none is an error). */
static int keys_load(struct keys *ks, const char *path, char *err,
		     size_t errlen)
{
	struct stat st;
	char **v = NULL, full[4200];
	size_t n = 0, i;
	int rc;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "trusted keys '%s': %s", path,
			 strerror(errno));
		return MDE_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode))
		return key_add_file(ks, path, err, errlen);
	rc = mde__list_dir(path, is_pub, &v, &n);
	if (rc == MDE_ERR_IO)
		snprintf(err, errlen, "trusted keys '%s': %s", path,
			 strerror(errno));
	for (i = 0; i < n && rc == MDE_OK; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, v[i]);
		rc = key_add_file(ks, full, err, errlen);
	}
	if (rc == MDE_OK && n == 0) {
		snprintf(err, errlen, "trusted keys '%s': no *.pub key in it",
			 path);
		rc = MDE_ERR_IO;
	}
	mde__names_free(v, n);
	return rc;
}

int mde_defs_add_keys(mde_defs *defs, const char *path)
{
	struct keys ks = { defs->keys, defs->nkeys, defs->keys_cap };
	int rc = keys_load(&ks, path, defs->err, sizeof(defs->err));

	defs->keys = ks.k;
	defs->nkeys = ks.n;
	defs->keys_cap = ks.cap;
	return rc;
}

/* ------------------------------------------------------------- info */

/* Where the signatures of a source part count in bi (ysrc: YARA rules,
 * counted only when the bundle has no compiled ones). */
static uint64_t *source_count(mde_bundle_info *bi, const mde__bpart *p,
			      uint64_t *ysrc)
{
	const mde__defs_fmt *f = mde__defs_fmt_source(p->name);

	switch (f ? f->kind : 0) {
	case MDE__DK_BYTES: return &bi->byte_sigs;
	case MDE__DK_CLAMDB: return &bi->byte_sigs; /* hashes apart */
	case MDE__DK_YARA: return ysrc;
	case MDE__DK_IOC: return &bi->iocs;
	}
	return NULL;
}

static void fill_info(const mde__bundle *b, mde_bundle_info *bi)
{
	const mde__bpart *p;
	uint64_t ysrc = 0, ybin = 0, *n;
	size_t i;

	memset(bi, 0, sizeof(*bi));
	bi->version = b->h.version;
	bi->base_version = b->h.base_version;
	bi->created = b->h.created;
	bi->size = b->len;
	bi->delta = (b->h.flags & MDE__B_FLAG_DELTA) != 0;
	bi->parts = b->h.nparts;
	mde__hex(b->h.key_id, 8, bi->key_id);
	mde__hex(b->digest, 32, bi->digest);
	snprintf(bi->min_engine, sizeof(bi->min_engine), "%s",
		 b->h.min_engine);
	for (i = 0; i < b->h.nparts; i++) {
		p = &b->parts[i];
		if (p->type == MDE__P_HASHTAB || p->type == MDE__P_HASHDIFF)
			bi->hash_sigs += p->count;
		else if (p->type == MDE__P_YARAC)
			ybin += p->count;
		else if (p->type == MDE__P_SOURCE &&
			 (n = source_count(bi, p, &ysrc)))
			*n += p->count;
	}
	bi->yara_rules = ybin ? ybin : ysrc;
}

int mde_defs_bundle_info(const mde_defs *defs, mde_bundle_info *bi)
{
	if (!defs->bundle)
		return MDE_ERR_STATE;
	fill_info(defs->bundle, bi);
	return MDE_OK;
}

/* Opens, parses and (with keys) verifies path into b. */
static int open_checked(mde__bundle *b, const char *path, const char *keys,
			char *err, size_t errlen)
{
	struct keys ks = { 0 };
	int rc = mde__bundle_open(b, path);

	if (rc != MDE_OK) {
		snprintf(err, errlen, "%s", b->err);
		return rc;
	}
	if (!keys)
		return MDE_OK;
	rc = keys_load(&ks, keys, err, errlen);
	if (rc == MDE_OK) {
		rc = mde__bundle_verify(b, (const uint8_t(*)[32])ks.k, ks.n);
		if (rc != MDE_OK)
			snprintf(err, errlen, "'%.200s': %.290s", path, b->err);
	}
	free(ks.k);
	return rc;
}

int mde_bundle_stamp(const char *path, const char *keys, char *err,
		     size_t errlen)
{
	mde__bundle b;
	const uint8_t *buf;
	void *own;
	mde__htab t;
	size_t i;
	int rc = open_checked(&b, path, keys, err, errlen);

	for (i = 0; rc == MDE_OK && i < b.h.nparts; i++) {
		if (b.parts[i].type != MDE__P_HASHTAB)
			continue;
		rc = mde__bundle_part(&b, &b.parts[i], &buf, &own);
		if (rc == MDE_OK)
			rc = mde__htab_decode(buf, (size_t)b.parts[i].size, &t,
					      err, errlen);
		free(own);
	}
	if (rc == MDE_OK && (rc = mde__stamp_write(&b, path)) != MDE_OK)
		snprintf(err, errlen, "cannot write the stamp of '%s'", path);
	mde__bundle_close(&b);
	return rc;
}

int mde_bundle_check(const char *path, const char *keys, mde_bundle_info *bi,
		     char *err, size_t errlen)
{
	mde__bundle b;
	int rc = open_checked(&b, path, keys, err, errlen);

	if (rc == MDE_OK && bi)
		fill_info(&b, bi);
	mde__bundle_close(&b);
	return rc;
}

/* ------------------------------------------------------------- loading */

/* True if engine version have is at least want (dotted numbers). */
static int engine_ok(const char *have, const char *want)
{
	unsigned long a, b;
	char *ea, *eb;

	while (*want) {
		a = strtoul(have, &ea, 10);
		b = strtoul(want, &eb, 10);
		if (a != b)
			return a > b;
		have = *ea == '.' ? ea + 1 : ea;
		want = *eb == '.' ? eb + 1 : eb;
		if (eb == want && *want && *want != '.')
			return 0; /* not a number: refuse */
	}
	return 1;
}

/* Keeps a decoded buffer until defs is freed. */
static int hold(mde_defs *defs, void *p)
{
	if (!p)
		return MDE_OK;
	if (mde__grow((void **)&defs->held, &defs->held_cap, defs->nheld + 1,
		      sizeof(*defs->held))) {
		free(p);
		return MDE_ERR_NOMEM;
	}
	defs->held[defs->nheld++] = p;
	return MDE_OK;
}

static void version_add(void *st, const mde__bpart *p)
{
	XXH3_128bits_update(st, p->name, strlen(p->name) + 1);
	XXH3_128bits_update(st, p->sha256, 32);
}

static int load_table(mde_defs *defs, const uint8_t *buf, const mde__bpart *p,
		      int trusted)
{
	mde__htab t;
	int rc = (trusted ? mde__htab_decode_trusted : mde__htab_decode)(
		buf, (size_t)p->size, &t, defs->err, sizeof(defs->err));

	if (rc != MDE_OK)
		return rc;
	rc = mde__hashsigs_attach(defs->hash, &t);
	if (rc != MDE_OK)
		snprintf(defs->err, sizeof(defs->err), "a bundle's hash tables "
			 "cannot be combined with other hash signatures");
	version_add(defs->xs_hash, p);
	return rc;
}

/* Keeps a source that the bundle also holds compiled (YARA rules) for
 * mde__defs_bundle_yara(), which compiles it only when those do not fit
 * this engine.  Whether its rules read the file's path is known now. */
static int defer_source(mde_defs *defs, const mde__bpart *p,
			const uint8_t *buf)
{
	defs->path_externals |=
		mde__names_path_external((const char *)buf, (size_t)p->size);
	version_add(defs->xs_other, p);
	if (mde__grow((void **)&defs->ysrc, &defs->ysrc_cap, defs->nysrc + 1,
		      sizeof(*defs->ysrc)))
		return MDE_ERR_NOMEM;
	defs->ysrc[defs->nysrc++] = p;
	return MDE_OK;
}

static int load_part(mde_defs *defs, mde__bundle *b, const mde__bpart *p,
		     int trusted)
{
	const mde__defs_fmt *f;
	const uint8_t *buf;
	void *own = NULL;
	int rc = mde__bundle_part(b, p, &buf, &own);

	if (rc != MDE_OK) {
		snprintf(defs->err, sizeof(defs->err), "%.500s", b->err);
		return rc;
	}
	if (p->type == MDE__P_HASHTAB) {
		rc = load_table(defs, buf, p, trusted);
	} else if (p->type == MDE__P_YARAC) {
		defs->yarac = buf;
		defs->yarac_len = (size_t)p->size;
		defs->yarac_own = own;
		version_add(defs->xs_other, p);
		return MDE_OK;
	} else if (p->type == MDE__P_SOURCE) {
		f = mde__defs_fmt_source(p->name);
		if (f && (f->flags & MDE__DF_PRECOMPILED))
			rc = defer_source(defs, p, buf);
		else
			rc = mde__defs_load_as(defs, f, p->name, buf,
					       (size_t)p->size);
	}
	return rc == MDE_OK ? hold(defs, own) : (free(own), rc);
}

static int load_checked(mde_defs *defs, mde__bundle *b, const char *path,
			int trusted)
{
	size_t i;
	int rc = MDE_OK;

	if (b->h.flags & MDE__B_FLAG_DELTA) {
		snprintf(defs->err, sizeof(defs->err), "'%s' is a delta "
			 "bundle: apply it with 'mdescan definitions update'",
			 path);
		return MDE_ERR_FORMAT;
	}
	if (!engine_ok(MDE_ENGINE_VERSION, b->h.min_engine)) {
		snprintf(defs->err, sizeof(defs->err), "'%s' needs engine %s "
			 "or newer (this is %s)", path, b->h.min_engine,
			 MDE_ENGINE_VERSION);
		return MDE_ERR_FORMAT;
	}
	for (i = 0; i < b->h.nparts && rc == MDE_OK; i++)
		rc = load_part(defs, b, &b->parts[i], trusted);
	if (rc != MDE_OK && !strstr(defs->err, path)) {
		char why[sizeof(defs->err)];

		memcpy(why, defs->err, sizeof(why));
		snprintf(defs->err, sizeof(defs->err), "'%.200s': %.290s", path, why);
	}
	return rc;
}

/* Verifies b (opened or parsed, rc its status) and loads it into defs,
 * which keeps it: the tables point into it, even after a failure. */
int mde__defs_load_parsed(mde_defs *defs, mde__bundle *b, int rc,
			  const char *name, const uint8_t (*keys)[32],
			  size_t nkeys)
{
	int trusted = 0;

	defs->bundle = b;
	if (rc != MDE_OK) {
		snprintf(defs->err, sizeof(defs->err), "%.500s", b->err);
		return rc;
	}
	rc = mde__bundle_verify(b, keys, nkeys);
	if (rc == MDE_OK && !b->parts_checked) {
		/* a stamp vouches for the parts of an unchanged file */
		trusted = mde__stamp_ok(b, name);
		if (!trusted)
			rc = mde__bundle_check_parts(b);
	}
	if (rc != MDE_OK) {
		snprintf(defs->err, sizeof(defs->err), "'%.200s': %.290s",
			 name, b->err);
		return rc;
	}
	return load_checked(defs, b, name, trusted);
}

int mde__defs_may_load(mde_defs *defs, const char *name)
{
	if (defs->compiled || defs->bundle) {
		snprintf(defs->err, sizeof(defs->err), "'%s': %s", name,
			 defs->compiled ? "definitions already compiled"
					: "only one bundle can be loaded");
		return MDE_ERR_STATE;
	}
	return MDE_OK;
}

int mde_defs_load_bundle(mde_defs *defs, const char *path)
{
	mde__bundle *b;
	int rc = mde__defs_may_load(defs, path);

	if (rc != MDE_OK)
		return rc;
	if (!defs->nkeys) {
		snprintf(defs->err, sizeof(defs->err), "'%s': no trusted key "
			 "to check its signature with", path);
		return MDE_ERR_SIG;
	}
	if (!(b = calloc(1, sizeof(*b))))
		return MDE_ERR_NOMEM;
	rc = mde__bundle_open_head(b, path);
	return mde__defs_load_parsed(defs, b, rc, path,
				     (const uint8_t(*)[32])defs->keys,
				     defs->nkeys);
}

/* ------------------------------------------------------------- YARA */

#define YC_HDR 48 /* "MDEYC1\0\0" libyara[16] engine[16] u32 presel u32 0 */

int mde__yarac_wrap(const uint8_t *blob, size_t len, int presel,
		    uint8_t **out, size_t *outlen)
{
	uint8_t *o = calloc(1, YC_HDR + len);
	uint32_t p = (uint32_t)presel;

	if (!o)
		return MDE_ERR_NOMEM;
	memcpy(o, "MDEYC1", 6);
	snprintf((char *)o + 8, 16, "%s", YR_VERSION);
	snprintf((char *)o + 24, 16, "%s", MDE_ENGINE_VERSION);
	memcpy(o + 40, &p, 4);
	memcpy(o + YC_HDR, blob, len);
	*out = o;
	*outlen = YC_HDR + len;
	return MDE_OK;
}

/* True if the bundle's compiled rules fit this engine and settings. */
static int yarac_usable(const mde_defs *defs)
{
	const uint8_t *h = defs->yarac;
	char v[16];
	uint32_t presel;

	if (!h || defs->yarac_len < YC_HDR || memcmp(h, "MDEYC1", 6))
		return 0;
	snprintf(v, sizeof(v), "%s", YR_VERSION);
	if (strncmp((const char *)h + 8, v, 16))
		return 0;
	snprintf(v, sizeof(v), "%s", MDE_ENGINE_VERSION);
	if (strncmp((const char *)h + 24, v, 16))
		return 0;
	memcpy(&presel, h + 40, 4);
	return presel == (uint32_t)!defs->presel_off;
}

/* Loads the bundle's deferred sources (defer_source) by their rows. */
static int add_sources(mde_defs *defs)
{
	const mde__bpart *p;
	const mde__defs_fmt *f;
	const uint8_t *buf;
	void *own;
	size_t i;
	int rc = MDE_OK;

	for (i = 0; i < defs->nysrc && rc == MDE_OK; i++) {
		p = defs->ysrc[i];
		f = mde__defs_fmt_source(p->name);
		rc = mde__bundle_part(defs->bundle, p, &buf, &own);
		if (rc == MDE_OK)
			rc = f->load(defs, f, p->name, (const char *)buf,
				     (size_t)p->size);
		free(own);
	}
	return rc;
}

int mde__defs_bundle_yara(mde_defs *defs, int *use_compiled)
{
	int rc;

	*use_compiled = 0;
	if (!defs->bundle)
		return MDE_OK;
	if (yarac_usable(defs)) {
		rc = mde__yara_load_mem(defs->yara, defs->yarac + YC_HDR,
					defs->yarac_len - YC_HDR, 2,
					&defs->diag);
		if (rc == MDE_OK) {
			*use_compiled = 1;
			return MDE_OK;
		}
	}
	return add_sources(defs);
}

void mde__defs_bundle_free(mde_defs *defs)
{
	size_t i;

	for (i = 0; i < defs->nheld; i++)
		free(defs->held[i]);
	free(defs->held);
	free(defs->ysrc);
	free(defs->keys);
	free(defs->yarac_own);
	if (defs->bundle) {
		mde__bundle_close(defs->bundle);
		free(defs->bundle);
	}
}
