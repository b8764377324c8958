/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle_build.c - what mdesig does with bundles: build one from
 * definition files, diff two, apply a delta, list signature names.
 *
 * Building goes through the same loaders a scan uses (mde_defs), so a
 * bundle holds exactly what the engine would load from the sources, and
 * a problem is reported by file:line the same way.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <yara.h>

#include "mde_int.h"
#include "bundle.h"
#include "cvd.h"
#include "defs_format.h"
#include "banned.h"

static const char *const hash_part[MDE__NHASH] = { "hash/md5", "hash/sha1",
						   "hash/sha256" };

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Writes buf to path, whole or not at all (mde__write_atomic). */
static int write_out(const char *path, const void *buf, size_t len,
		     char *err, size_t errlen)
{
	if (mde__write_atomic(path, buf, len) == 0)
		return MDE_OK;
	snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	return MDE_ERR_IO;
}

static int read_all(const char *path, char **out, size_t *len, char *err,
		    size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	char *b = NULL;

	if (!fp || fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 fp ? "not a regular file" : strerror(errno));
		if (fp)
			fclose(fp);
		return MDE_ERR_IO;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b && fread(b, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
		free(b);
		b = NULL;
		snprintf(err, errlen, "cannot read '%s'", path);
	}
	fclose(fp);
	if (!b)
		return MDE_ERR_IO;
	*out = b;
	*len = (size_t)st.st_size;
	return MDE_OK;
}

/* ------------------------------------------------------------- build */

/* A signature name seen while building, for the duplicate check. */
struct seen {
	char *name, *file;
	unsigned line;
};

struct build {
	const mde_build_opts *o;
	mde_defs *defs;
	mde__bwriter *w;
	uint64_t problems;
	char *err;
	size_t errlen;
	struct seen *seen; /* names of MDE__DF_UNIQUE formats */
	size_t nseen, capseen;
	const char *cur;   /* the file being read */
	struct seen *dbs;  /* ClamAV databases in, by name without type */
	size_t ndbs, capdbs;
};

static void count_diag(void *ctx, const char *file, unsigned line,
		       const char *sig, const char *msg)
{
	struct build *b = ctx;

	b->problems++;
	if (b->o->diag)
		b->o->diag(b->o->ctx, file, line, sig, msg);
}

static void seen_name(void *ctx, unsigned line, const char *name)
{
	struct build *b = ctx;
	struct seen *v;

	if (mde__grow((void **)&b->seen, &b->capseen, b->nseen + 1,
		      sizeof(*b->seen)))
		return;
	v = &b->seen[b->nseen];
	v->name = strdup(name);
	v->file = strdup(b->cur);
	v->line = line;
	if (v->name && v->file) {
		b->nseen++;
	} else {
		free(v->name);
		free(v->file);
	}
}

static int cmp_seen(const void *x, const void *y)
{
	const struct seen *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	c = strcmp(a->file, b->file);
	return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* Two byte signatures or YARA rules with one name: a finding could not
 * say which matched.  Reported as problems of the later one. */
static void check_dups(struct build *b)
{
	char msg[4400];
	size_t i;

	if (b->nseen)
		qsort(b->seen, b->nseen, sizeof(*b->seen), cmp_seen);
	for (i = 1; i < b->nseen; i++) {
		if (strcmp(b->seen[i - 1].name, b->seen[i].name))
			continue;
		snprintf(msg, sizeof(msg), "duplicate signature name (first "
			 "in %s:%u)", b->seen[i - 1].file,
			 b->seen[i - 1].line);
		count_diag(b, b->seen[i].file, b->seen[i].line,
			   b->seen[i].name, msg);
	}
}

static void free_seen(struct build *b)
{
	size_t i;

	for (i = 0; i < b->nseen; i++) {
		free(b->seen[i].name);
		free(b->seen[i].file);
	}
	free(b->seen);
}

/* True if a bundle can hold a file of this name (by name alone: its
 * content can still say it is something else). */
static int bundled(const char *name)
{
	const mde__defs_fmt *f = NULL;

	while ((f = mde__defs_fmt_next(f, name)))
		if (f->part)
			return 1;
	return 0;
}

static int not_bundled(struct build *b, const char *path)
{
	char list[1024];

	mde__defs_fmt_bundled(list, sizeof(list));
	snprintf(b->err, b->errlen, "'%s': not a definitions file this tool "
		 "can put in a bundle (%s)", path, list);
	return MDE_ERR_FORMAT;
}

/*
 * A ClamAV database (.cvd .cld .cud) goes in at most once under its name:
 * a .cvd and a .cld of one name are one database, two versions of it.
 * Notes path's name, or refuses it naming the first.
 */
static int one_db(struct build *b, const char *path)
{
	const char *base = base_of(path), *dot = strrchr(base, '.');
	size_t i, n = (size_t)(dot - base);

	for (i = 0; i < b->ndbs; i++) {
		if (strlen(b->dbs[i].name) != n ||
		    memcmp(b->dbs[i].name, base, n))
			continue;
		snprintf(b->err, b->errlen, "'%s': database '%.*s' is in the "
			 "bundle already, from '%s' (a .cvd, .cld and .cud of "
			 "one name are one database: give only the newest)",
			 path, (int)n, base, b->dbs[i].file);
		return MDE_ERR_ARG;
	}
	if (mde__grow((void **)&b->dbs, &b->capdbs, b->ndbs + 1,
		      sizeof(*b->dbs)))
		return MDE_ERR_NOMEM;
	b->dbs[b->ndbs].name = strndup(base, n);
	b->dbs[b->ndbs].file = strdup(path);
	b->dbs[b->ndbs].line = 0;
	if (!b->dbs[b->ndbs].name || !b->dbs[b->ndbs].file) {
		free(b->dbs[b->ndbs].name);
		free(b->dbs[b->ndbs].file);
		return MDE_ERR_NOMEM;
	}
	b->ndbs++;
	return MDE_OK;
}

static void free_dbs(struct build *b)
{
	size_t i;

	for (i = 0; i < b->ndbs; i++) {
		free(b->dbs[i].name);
		free(b->dbs[i].file);
	}
	free(b->dbs);
}

/* ClamAV signatures read but not run, by kind (mde_defs_unsupported();
 * the kinds are clamav.c's static text, so they compare as pointers). */
struct unsup {
	const char *what[32];
	uint64_t n[32];
	size_t k;
};

static void unsup_add(void *ctx, const char *what, uint64_t n)
{
	struct unsup *u = ctx;

	if (u->k < 32) {
		u->what[u->k] = what;
		u->n[u->k++] = n;
	}
}

/* What was before of the kind what: 0 if it was not counted yet. */
static uint64_t unsup_before(const struct unsup *u, const char *what)
{
	size_t i;

	for (i = 0; i < u->k; i++)
		if (u->what[i] == what)
			return u->n[i];
	return 0;
}

/*
 * Records beside the database at path (part "clamav/<file>") what it holds
 * that this engine reads but does not run, kind by kind: loading added
 * what is in defs now and was not in was.  Definitions status shows it
 * without loading the database.
 */
static int add_note(struct build *b, const char *path, const struct unsup *was)
{
	struct unsup now = { .k = 0 };
	char name[MDE__B_NAME + 16], text[4096];
	size_t i, at = 0;
	uint64_t n, total = 0;
	int w;

	/* how it was verified: a line with no tab, which readers that
	 * know only the counts pass over */
	w = snprintf(text, sizeof(text), "verified: %s\n", b->defs->cvd_how);
	at = w > 0 && (size_t)w < sizeof(text) && b->defs->cvd_how[0]
		     ? (size_t)w : 0;
	mde_defs_unsupported(b->defs, unsup_add, &now);
	for (i = 0; i < now.k; i++) {
		n = now.n[i] - unsup_before(was, now.what[i]);
		if (!n)
			continue;
		w = snprintf(text + at, sizeof(text) - at, "%llu\t%s\n",
			     (unsigned long long)n, now.what[i]);
		at += w > 0 && (size_t)w < sizeof(text) - at ? (size_t)w : 0;
		total += n;
	}
	snprintf(name, sizeof(name), "clamav/%s", base_of(path));
	if (strlen(name) >= MDE__B_NAME) {
		snprintf(b->err, b->errlen, "'%s': file name too long for a "
			 "bundle part (%d bytes at most)", path,
			 MDE__B_NAME - 8);
		return MDE_ERR_ARG;
	}
	return mde__bwriter_add(b->w, name, MDE__P_CLAMNOTE, MDE__E_STORED,
				text, at, total);
}

/* Keeps the .sign that verified the database just loaded, as the part
 * "clamav/<file>": a scan of the bundle checks the database with it again
 * (defs_cvd.c), against its own CAs. */
static int add_sign(struct build *b)
{
	const char *s = b->defs->cvd_sign, *base = strrchr(s, '/');
	char name[MDE__B_NAME + 16];

	if (!b->defs->cvd_signtxt)
		return MDE_OK;
	base = base ? base + 1 : s;
	if ((size_t)snprintf(name, sizeof(name), "clamav/%s", base) >=
	    MDE__B_NAME) {
		snprintf(b->err, b->errlen, "'%s': file name too long for a "
			 "bundle part (%d bytes at most)", s, MDE__B_NAME - 8);
		return MDE_ERR_ARG;
	}
	return mde__bwriter_add(b->w, name, MDE__P_CLAMNOTE, MDE__E_STORED,
				b->defs->cvd_signtxt, b->defs->cvd_signlen, 0);
}

/* Stores a source file as written, with the signatures it added. */
static int add_source(struct build *b, const char *path, const char *buf,
		      size_t len, uint64_t count)
{
	char name[MDE__B_NAME + 8];
	int rc;

	snprintf(name, sizeof(name), "src/%s", base_of(path));
	if (strlen(name) >= MDE__B_NAME) {
		snprintf(b->err, b->errlen, "'%s': file name too long for a "
			 "bundle part (%d bytes at most)", path,
			 MDE__B_NAME - 5);
		return MDE_ERR_ARG;
	}
	/* a ClamAV database is compressed already, and stored its header
	 * can be read in place (mde_bundle_clamdbs()) */
	rc = mde__bwriter_add(b->w, name, MDE__P_SOURCE,
			      mde__cvd_type_of(name) ? MDE__E_STORED
						     : MDE__E_LZ4,
			      buf, len, count);
	if (rc == MDE_ERR_ARG)
		snprintf(b->err, b->errlen, "'%s': a source named '%s' is "
			 "already in the bundle", path, base_of(path));
	return rc;
}

/*
 * Loads a file as a scan would, notes its signature names when they must
 * be unique, and stores it as its format says (sources as written; hash
 * lists go to the tables, add_tables()).  In a directory (in_dir), a file
 * whose content makes it a format no bundle holds is passed over.  A
 * ClamAV database is checked and loaded as a scan loads it (refused with
 * the reason if a check fails) and kept whole, signed by ClamAV; its hash
 * lists go to the tables too, so its part counts the rest.
 */
static int add_file(struct build *b, const char *path, int in_dir)
{
	const mde__defs_fmt *f;
	char *buf = NULL;
	size_t len = 0;
	uint64_t before = mde__defs_nsigs(b->defs);
	uint64_t hashes = mde__hashsigs_count(b->defs->hash);
	struct unsup was = { .k = 0 };
	int rc;

	if (!bundled(path))
		return not_bundled(b, path);
	rc = read_all(path, &buf, &len, b->err, b->errlen);
	if (rc != MDE_OK)
		return rc;
	f = mde__defs_fmt_of(path, buf, len);
	if (!f || !f->part) {
		rc = in_dir ? MDE_OK : not_bundled(b, path);
		goto out;
	}
	if (f->kind == MDE__DK_CLAMDB && (rc = one_db(b, path)) != MDE_OK)
		goto out;
	mde_defs_unsupported(b->defs, unsup_add, &was);
	rc = mde__defs_load_as(b->defs, f, path, buf, len);
	if (rc != MDE_OK) {
		snprintf(b->err, b->errlen, "%s", mde_defs_error(b->defs));
		goto out;
	}
	if (f->kind == MDE__DK_CLAMDB) {
		before += mde__hashsigs_count(b->defs->hash) - hashes;
		rc = add_note(b, path, &was);
		if (rc == MDE_OK)
			rc = add_sign(b);
		if (rc != MDE_OK)
			goto out;
	}
	if ((f->flags & MDE__DF_UNIQUE) && f->names) {
		b->cur = path;
		f->names(f, buf, len, seen_name, b);
	}
	if (f->part == MDE__P_SOURCE)
		rc = add_source(b, path, buf, len,
				mde__defs_nsigs(b->defs) - before);
out:
	free(buf);
	return rc;
}

/* 1 if full is a ClamAV database that a newer one of its name beside it
 * replaces, as a scan of the directory has it; said, not a problem. */
static int superseded(struct build *b, const char *full)
{
	char why[4400];

	if (!mde__defs_cvd_newer(full, why, sizeof(why)))
		return 0;
	if (b->o->diag)
		b->o->diag(b->o->ctx, full, 0, NULL, why);
	return 1;
}

/* The definition files of a directory, in name order. */
static int add_dir(struct build *b, const char *dir)
{
	char **v, full[4200];
	size_t n, i;
	int rc = mde__list_dir(dir, bundled, &v, &n);

	if (rc == MDE_ERR_IO)
		snprintf(b->err, b->errlen, "cannot open '%s': %s", dir,
			 strerror(errno));
	for (i = 0; i < n && rc == MDE_OK; i++) {
		snprintf(full, sizeof(full), "%s/%s", dir, v[i]);
		if (!superseded(b, full))
			rc = add_file(b, full, 1);
	}
	mde__names_free(v, n);
	return rc;
}

static int add_tables(struct build *b)
{
	mde__hrec *recs;
	uint8_t *t = NULL;
	size_t n, tl = 0;
	int i, rc = MDE_OK;

	for (i = 0; i < MDE__NHASH && rc == MDE_OK; i++) {
		n = (size_t)mde__hashsigs_count_type(b->defs->hash, i);
		if (!n)
			continue;
		recs = malloc(n * sizeof(*recs));
		if (!recs)
			return MDE_ERR_NOMEM;
		mde__hashsigs_export(b->defs->hash, i, recs);
		rc = mde__htab_encode(i, recs, n, &t, &tl);
		if (rc == MDE_OK)
			rc = mde__bwriter_add(b->w, hash_part[i], MDE__P_HASHTAB,
					      MDE__E_STORED, t, tl, n);
		free(recs);
		free(t);
	}
	return rc;
}

static int add_yarac(struct build *b)
{
	uint8_t *blob = NULL, *wrapped = NULL;
	size_t bl = 0, wl = 0;
	int rc;

	if (mde__yara_nsources(b->defs->yara) == 0)
		return MDE_OK;
	rc = mde__yara_save_mem(b->defs->yara, &blob, &bl);
	if (rc == MDE_OK)
		rc = mde__yarac_wrap(blob, bl, 1, &wrapped, &wl);
	/* stored, not LZ4: used from the mapping, and a scan reads only the
	 * subsets its files need (decoding it all cost a third of a load) */
	if (rc == MDE_OK)
		rc = mde__bwriter_add(b->w, "yara/compiled", MDE__P_YARAC,
				      MDE__E_STORED, wrapped, wl,
				      mde__yara_count(b->defs->yara));
	free(blob);
	free(wrapped);
	return rc;
}

static int build_parts(struct build *b, const char *const *paths, size_t n)
{
	struct stat st;
	size_t i;
	int rc = MDE_OK;

	for (i = 0; i < n && rc == MDE_OK; i++) {
		if (stat(paths[i], &st) < 0) {
			snprintf(b->err, b->errlen, "cannot open '%s': %s",
				 paths[i], strerror(errno));
			return MDE_ERR_IO;
		}
		rc = S_ISDIR(st.st_mode) ? add_dir(b, paths[i])
					 : add_file(b, paths[i], 0);
	}
	if (rc == MDE_OK && (rc = mde_defs_compile(b->defs)) != MDE_OK)
		snprintf(b->err, b->errlen, "%s", mde_defs_error(b->defs));
	if (rc == MDE_OK)
		check_dups(b);
	if (rc == MDE_OK && b->problems && !b->o->skip_bad) {
		snprintf(b->err, b->errlen, "%llu problem(s) in the sources "
			 "(reported above); fix them, or leave the bad items "
			 "out with --skip-bad", (unsigned long long)b->problems);
		return MDE_ERR_FORMAT;
	}
	if (rc == MDE_OK)
		rc = add_tables(b);
	return rc == MDE_OK ? add_yarac(b) : rc;
}

int mde_bundle_build(const char *const *paths, size_t n,
		     const mde_build_opts *o, const char *out, char *err,
		     size_t errlen)
{
	struct build b = { o, mde_defs_new(), mde__bwriter_new(), 0, err,
			   errlen, NULL, 0, 0, NULL, NULL, 0, 0 };
	mde__bhdr h = { 0 };
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = MDE_ERR_NOMEM;

	err[0] = '\0';
	if (b.defs && o->clamav_certs &&
	    mde_defs_set_clamav_certs(b.defs, o->clamav_certs) != MDE_OK) {
		mde_defs_free(b.defs);
		b.defs = NULL;
	}
	if (b.defs && b.w) {
		mde_defs_set_diag(b.defs, count_diag, &b);
		rc = build_parts(&b, paths, n);
	}
	h.version = o->version;
	h.created = (uint64_t)time(NULL);
	snprintf(h.min_engine, sizeof(h.min_engine), "%s", MDE_ENGINE_VERSION);
	if (rc == MDE_OK)
		rc = mde__bwriter_finish(b.w, &h, o->key, &bytes, &len, err,
					 errlen);
	if (rc == MDE_OK)
		rc = write_out(out, bytes, len, err, errlen);
	if (rc != MDE_OK && !err[0])
		snprintf(err, errlen, "%s", mde_status_str(rc));
	free(bytes);
	free_seen(&b);
	free_dbs(&b);
	mde__bwriter_free(b.w);
	mde_defs_free(b.defs);
	return rc;
}

/* ------------------------------------------------------------- deltas */

int mde_bundle_diff(const char *old_path, const char *new_path,
		    const char *key, const char *out, char *err, size_t errlen)
{
	mde__bundle a, b;
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc;

	memset(&b, 0, sizeof(b));
	rc = mde__bundle_open(&a, old_path);
	if (rc != MDE_OK)
		snprintf(err, errlen, "%s", a.err);
	else if ((rc = mde__bundle_open(&b, new_path)) != MDE_OK)
		snprintf(err, errlen, "%s", b.err);
	if (rc == MDE_OK)
		rc = mde__delta_make(&a, &b, key, &bytes, &len, err, errlen);
	if (rc == MDE_OK)
		rc = write_out(out, bytes, len, err, errlen);
	free(bytes);
	mde__bundle_close(&a);
	mde__bundle_close(&b);
	return rc;
}

/* Opens path and checks its signature with the keys at keys. */
static int open_verified(mde__bundle *b, const char *path, const char *keys,
			 char *err, size_t errlen)
{
	mde_defs *k = mde_defs_new();
	int rc;

	memset(b, 0, sizeof(*b));
	if (!k)
		return MDE_ERR_NOMEM;
	rc = mde_defs_add_keys(k, keys);
	if (rc != MDE_OK)
		snprintf(err, errlen, "%s", mde_defs_error(k));
	if (rc == MDE_OK && (rc = mde__bundle_open(b, path)) != MDE_OK)
		snprintf(err, errlen, "%s", b->err);
	if (rc == MDE_OK &&
	    (rc = mde__bundle_verify(b, (const uint8_t(*)[32])k->keys,
				     k->nkeys)) != MDE_OK)
		snprintf(err, errlen, "'%.200s': %.290s", path, b->err);
	mde_defs_free(k);
	return rc;
}

int mde_bundle_apply(const char *base, const char *delta, const char *keys,
		     const char *out, char *err, size_t errlen)
{
	mde__bundle a, d, t;
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&t, 0, sizeof(t));
	rc = open_verified(&d, delta, keys, err, errlen);
	if (rc == MDE_OK && (rc = mde__bundle_open(&a, base)) != MDE_OK)
		snprintf(err, errlen, "%s", a.err);
	if (rc == MDE_OK)
		rc = mde__delta_apply(&a, &d, &bytes, &len, err, errlen);
	if (rc == MDE_OK && (rc = mde__bundle_parse(&t, bytes, len)) != MDE_OK)
		snprintf(err, errlen, "'%s' applied: %s", delta, t.err);
	if (rc == MDE_OK)
		rc = write_out(out, bytes, len, err, errlen);
	free(bytes);
	mde__bundle_close(&t);
	mde__bundle_close(&a);
	mde__bundle_close(&d);
	return rc;
}

/* ------------------------------------------------------------- names */

struct lister {
	mde_name_fn fn;
	void *ctx;
	const char *kind; /* of the names being listed */
};

static void list_name(void *ctx, unsigned line, const char *name)
{
	struct lister *l = ctx;

	(void)line;
	l->fn(l->ctx, l->kind, name);
}

static void list_table(const mde__htab *t, struct lister *l)
{
	size_t off = 1;

	while (off < t->names_len) {
		l->fn(l->ctx, "hash", t->names + off);
		off += strlen(t->names + off) + 1;
	}
}

static int list_part(mde__bundle *b, const mde__bpart *p, struct lister *l,
		     char *err, size_t errlen)
{
	const mde__defs_fmt *f = NULL;
	const uint8_t *buf;
	void *own = NULL;
	mde__htab t;
	int rc = mde__bundle_part(b, p, &buf, &own);

	if (rc != MDE_OK) {
		snprintf(err, errlen, "%s", b->err);
		return rc;
	}
	if (p->type == MDE__P_SOURCE)
		f = mde__defs_fmt_source(p->name);
	if (p->type == MDE__P_HASHTAB) {
		rc = mde__htab_decode(buf, (size_t)p->size, &t, err, errlen);
		if (rc == MDE_OK)
			list_table(&t, l);
	} else if (f && f->names) {
		l->kind = f->list_as;
		f->names(f, (const char *)buf, (size_t)p->size, list_name, l);
	}
	free(own);
	return rc;
}

int mde_bundle_list(const char *path, mde_name_fn fn, void *ctx, char *err,
		    size_t errlen)
{
	struct lister l = { fn, ctx, NULL };
	mde__bundle b;
	size_t i;
	int rc = mde__bundle_open(&b, path), yinit = 0;

	if (rc != MDE_OK)
		snprintf(err, errlen, "%s", b.err);
	else if (yr_initialize() != ERROR_SUCCESS)
		rc = MDE_ERR_NOMEM;
	else
		yinit = 1;
	for (i = 0; rc == MDE_OK && i < b.h.nparts; i++)
		rc = list_part(&b, &b.parts[i], &l, err, errlen);
	if (yinit)
		yr_finalize();
	mde__bundle_close(&b);
	return rc;
}
