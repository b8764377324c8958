/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defs_cvdc.c - ClamAV databases compiled once (dbcache.h): the first
 * load of a .cvd, .cld or .cud keeps it in the definitions' cache
 * directory as sorted hash tables and member texts; later loads of the
 * same bytes map that file instead of inflating the container and parsing
 * its hash lists again.
 *
 * The file is named clamdb-<name>-<key>.mdc, key being XXH3-128 of the
 * engine's version, the format's, and every byte of the container: any
 * change of the database is another key, so nothing stale is ever used.
 * The container's signatures are those of its bytes: the legacy ones
 * were checked when the file was made and are not checked again; a
 * .sign, which depends on the CAs configured now, is checked at every
 * load before the cache is looked at (defs_cvd.c), and whether the .sign
 * or the legacy signatures verified it is part of the key.  Of each database
 * name the two files used last are kept (MDE__CVDC_KEEP): the database
 * and the one before it, to roll back to.
 *
 * The definitions version covers, for a compiled member, its name, its
 * length and its XXH3-128 instead of its bytes, in the same stream as
 * loose files of its kind; so a database has one version whether it was
 * compiled or mapped, and another than with --no-cache, which parses.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "mde_int.h"
#include "clamav.h"
#include "cvd.h"
#include "dbcache.h"
#include "defs_format.h"
#include "banned.h"

#define MDE__CVDC_KEEP 2
#define MDE__CVDC_STAMPS 8 /* of each name: paths it is loaded from */
#define CVDC_VERSION "mdescan " PACKAGE_VERSION " clamdb 1"

struct mde__cvdc_map {
	void *p;
	size_t len;
};

void mde__defs_cvdc_free(mde_defs *defs)
{
	for (size_t i = 0; i < defs->ncvdc; i++)
		munmap(defs->cvdc[i].p, defs->cvdc[i].len);
	free(defs->cvdc);
	defs->cvdc = NULL;
	defs->ncvdc = defs->capcvdc = 0;
}

/* XXH3-128 of the file open at fd, read in chunks: -1 if it cannot be
 * read whole (len bytes). */
static int hash_fd(XXH3_state_t *st, int fd, size_t len)
{
	enum { CHUNK = 1 << 20 };
	char *b = malloc(CHUNK);
	size_t at = 0;
	ssize_t r;

	if (!b)
		return -1;
	while (at < len) {
		r = pread(fd, b, len - at < CHUNK ? len - at : CHUNK,
			  (off_t)at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		XXH3_128bits_update(st, b, (size_t)r);
		at += (size_t)r;
	}
	free(b);
	return at == len ? 0 : -1;
}

void mde__defs_cvdc_key(const char *name, int by_sign, const void *buf,
			size_t len, int fd, uint8_t key[16])
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t c;
	int type = mde__cvd_type_of(name);

	if (!st) { /* no key: a file name no file has */
		memset(key, 0, 16);
		return;
	}
	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, CVDC_VERSION, sizeof(CVDC_VERSION));
	XXH3_128bits_update(st, &type, sizeof(type));
	/* verified by a .sign, or by the legacy signatures: a database
	 * compiled on the one is not taken on the other */
	XXH3_128bits_update(st, &by_sign, sizeof(by_sign));
	/* the file read through its descriptor: a database found compiled
	 * touches none of its mapped pages */
	if (fd < 0 || hash_fd(st, fd, len) != 0) {
		XXH3_128bits_reset(st);
		XXH3_128bits_update(st, CVDC_VERSION, sizeof(CVDC_VERSION));
		XXH3_128bits_update(st, &type, sizeof(type));
		XXH3_128bits_update(st, &by_sign, sizeof(by_sign));
		XXH3_128bits_update(st, buf, len);
	}
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
	memcpy(key, c.digest, 16);
	XXH3_freeState(st);
}

/* The cache file's path and its prefix ("DIR/clamdb-daily-"), from the
 * database's file name up to its first '-' or '.', as freshclam names. */
static int cache_path(const mde_defs *defs, const char *name,
		      const uint8_t key[16], char *path, size_t n,
		      char *prefix, size_t pn)
{
	const char *base = strrchr(name, '/');
	char db[64];
	size_t i;

	base = base ? base + 1 : name;
	for (i = 0; i < sizeof(db) - 1 && base[i] && base[i] != '-' &&
		    base[i] != '.';
	     i++)
		db[i] = (base[i] >= 'a' && base[i] <= 'z') ||
				(base[i] >= 'A' && base[i] <= 'Z') ||
				(base[i] >= '0' && base[i] <= '9') ||
				base[i] == '_'
			? base[i]
			: '_';
	db[i] = '\0';
	if (!i)
		snprintf(db, sizeof(db), "db");
	if ((size_t)snprintf(prefix, pn, "clamdb-%s-", db) >= pn)
		return -1;
	if ((size_t)snprintf(path, n, "%s/%s", defs->cache_dir, prefix) >= n)
		return -1;
	for (i = 0; i < 16; i++)
		snprintf(path + strlen(path), n - strlen(path), "%02x",
			 key[i]);
	if (strlen(path) + 5 >= n)
		return -1;
	memcpy(path + strlen(path), ".mdc", 5);
	return 0;
}

/* What the version covers of a compiled member (add_to_version's form,
 * the digest in place of the bytes). */
static void version_digest(mde_defs *defs, int target, const char *name,
			   uint64_t mlen, const uint8_t *digest)
{
	void *st = target == 0 ? defs->xs_hash : defs->xs_other;
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	XXH3_128bits_update(st, base, strlen(base) + 1);
	XXH3_128bits_update(st, &mlen, sizeof(mlen));
	XXH3_128bits_update(st, digest, 16);
}

static mde__hashsigs *target_set(mde_defs *defs, uint32_t target)
{
	switch (target) {
	case MDE__DBC_FILE: return defs->hash;
	case MDE__DBC_SECT: return mde__clam_sect(defs->clam, 0);
	case MDE__DBC_SECT_PUA: return mde__clam_sect(defs->clam, 1);
	}
	return NULL;
}

/* Loads the entries of the checked file d: texts through the formats
 * table, digests into the version, tables as segments. */
static int apply(mde_defs *defs, const char *name, const mde__dbc *d)
{
	struct mde__dbc_ent e;
	struct mde__cvd_member m;
	const mde__defs_fmt *f;
	char full[4200];
	mde__hseg g;
	int rc = MDE_OK;

	for (uint32_t i = 0; i < d->nent && rc == MDE_OK; i++) {
		mde__dbc_entry(d, i, &e);
		switch (e.kind) {
		case MDE__DBC_TEXT:
			memset(&m, 0, sizeof(m));
			snprintf(m.name, sizeof(m.name), "%s", e.name);
			m.data = e.data;
			m.len = e.dlen;
			f = mde__defs_cvd_member_fmt(&m);
			if (!f)
				break; /* said when it was compiled */
			snprintf(full, sizeof(full), "%s/%s", name, e.name);
			rc = mde__defs_load_as(defs, f, full, e.data, e.dlen);
			break;
		case MDE__DBC_DIGEST:
			version_digest(defs, (int)e.target, e.name, e.mlen,
				       e.digest);
			break;
		case MDE__DBC_TABLE:
			mde__dbc_seg(&e, &g);
			/* the key has the type: a .cud's file is a .cud's */
			g.unofficial = !defs->clam_official;
			rc = mde__hashsigs_seg(target_set(defs, e.target), &g);
			if (rc != MDE_OK)
				snprintf(defs->err, sizeof(defs->err),
					 "'%s': %s", name, mde_status_str(rc));
			break;
		}
	}
	if (rc == MDE_OK)
		mde__clam_add_flevel_skips(defs->clam, d->flevel_skips);
	return rc;
}

int mde__defs_cvdc_load(mde_defs *defs, const char *name,
			const uint8_t key[16])
{
	char path[4200], prefix[100], why[200];
	struct stat st;
	mde__dbc d;
	void *p;
	int fd, rc;

	if (!defs->cache_dir ||
	    cache_path(defs, name, key, path, sizeof(path), prefix,
		       sizeof(prefix)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < MDE__DBC_HEAD ||
	    mde__grow((void **)&defs->cvdc, &defs->capcvdc, defs->ncvdc + 1,
		      sizeof(*defs->cvdc))) {
		close(fd);
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return 0;
	if (mde__dbc_open(&d, p, (size_t)st.st_size, key, why,
			  sizeof(why))) {
		/* compiled again over it */
		mde__diagf(&defs->diag, path, 0, NULL,
			   "compiled database not used: %s", why);
		munmap(p, (size_t)st.st_size);
		return 0;
	}
	defs->cvdc[defs->ncvdc].p = p;
	defs->cvdc[defs->ncvdc++].len = (size_t)st.st_size;
	mde__cache_touch(path);
	rc = apply(defs, name, &d);
	return rc == MDE_OK ? 1 : rc;
}

/* One finalized set's pool and tables as parts of w. */
static int add_set(mde__dbc_w *w, const mde__hashsigs *h, uint32_t target)
{
	struct mde__dbc_wpart q;
	uint32_t pool = 0;
	mde__hseg g;
	int have = 0;

	for (int t = 0; t < MDE__NHASH; t++) {
		if (!mde__hashsigs_count_type(h, t) ||
		    mde__hashsigs_view(h, t, &g) != MDE_OK)
			continue;
		if (!have) {
			memset(&q, 0, sizeof(q));
			q.e.kind = MDE__DBC_POOL;
			q.e.target = target;
			q.data = g.names;
			q.len = g.names_len;
			if (mde__dbc_add(w, &q, &pool))
				return -1;
			have = 1;
		}
		memset(&q, 0, sizeof(q));
		q.e.kind = MDE__DBC_TABLE;
		q.e.target = target;
		q.e.type = (uint32_t)t;
		q.e.flags = g.sizew << 8 | (g.wildcard ? 1u : 0u);
		q.e.n = g.n;
		q.e.nsizes = g.nsizes;
		q.data = g.rec;
		q.len = g.n * (mde__hash_len(t) + 12);
		q.sizes = g.sizes;
		q.pool = pool;
		if (mde__dbc_add(w, &q, NULL))
			return -1;
	}
	return 0;
}

static int add_digest(mde__dbc_w *w, const struct mde__cvd_member *m,
		      uint32_t target)
{
	struct mde__dbc_wpart q;
	XXH128_canonical_t c;

	memset(&q, 0, sizeof(q));
	q.e.kind = MDE__DBC_DIGEST;
	q.e.target = target;
	snprintf(q.name, sizeof(q.name), "%s", m->name);
	q.mlen = m->len;
	XXH128_canonicalFromHash(&c, XXH3_128bits(m->data, m->len));
	memcpy(q.digest, c.digest, 16);
	return mde__dbc_add(w, &q, NULL);
}

/* Diagnostics from two threads: one at a time to the definitions' sink. */
struct locked_diag {
	pthread_mutex_t mu;
	mde__diag *to;
};

static void locked_fn(void *ctx, const char *file, unsigned line,
		      const char *sig, const char *msg)
{
	struct locked_diag *l = ctx;

	pthread_mutex_lock(&l->mu);
	__atomic_fetch_add(&l->to->count, 1, __ATOMIC_RELAXED);
	if (l->to->fn)
		l->to->fn(l->to->ctx, file, line, sig, msg);
	pthread_mutex_unlock(&l->mu);
}

/* The PE section hash lists of a container, parsed and sorted by a
 * thread of their own while the caller parses the file hashes. */
struct sect_job {
	mde_defs *defs;
	const char *name;
	const mde__cvd *c;
	mde__clam *tc;
	mde__diag *d;
	int rc;
};

static int is_sect(const mde__defs_fmt *f)
{
	return f && f->kind == MDE__DK_BYTES &&
	       (f->arg & ~MDE__CLAM_PUA) == MDE__CK_MDB;
}

static void *sect_parse(void *arg)
{
	struct sect_job *j = arg;
	char full[4200];
	int rc = MDE_OK;

	for (size_t i = 0; i < j->c->nm && rc == MDE_OK; i++) {
		const struct mde__cvd_member *m = &j->c->m[i];
		const mde__defs_fmt *f = mde__defs_cvd_member_fmt(m);

		if (!is_sect(f))
			continue;
		snprintf(full, sizeof(full), "%s/%s", j->name, m->name);
		/* ClamAV's names: whether they are official, the
		 * database's type says at each load (apply()) */
		rc = mde__clam_parse(j->tc, MDE__CK_MDB,
				     f->arg & MDE__CLAM_PUA ? MDE__CLAM_SRC_PUA
							    : 0,
				     full, (const char *)m->data, m->len, j->d);
	}
	for (int p = 0; p < 2 && rc == MDE_OK; p++)
		rc = mde__hashsigs_finalize(mde__clam_sect(j->tc, p));
	j->rc = rc;
	return NULL;
}

/*
 * Parses and sorts c's hash lists into h and tc (the section hashes in a
 * thread beside this one: on two CPUs the first load takes half as long),
 * and lists every member as a part of w.  MDE_OK or an error (the reason
 * in defs->err).
 */
static int split(mde_defs *defs, const char *name, const mde__cvd *c,
		 mde__hashsigs *h, mde__clam *tc, mde__dbc_w *w)
{
	struct locked_diag ld = { .to = &defs->diag };
	mde__diag d = { .fn = locked_fn, .ctx = &ld };
	struct sect_job job = { defs, name, c, tc, &d, MDE_OK };
	struct mde__dbc_wpart q;
	const mde__defs_fmt *f;
	char full[4200];
	pthread_t th;
	int rc = MDE_OK, threaded;

	pthread_mutex_init(&ld.mu, NULL);
	threaded = pthread_create(&th, NULL, sect_parse, &job) == 0;
	if (!threaded)
		sect_parse(&job);
	for (size_t i = 0; i < c->nm && rc == MDE_OK; i++) {
		const struct mde__cvd_member *m = &c->m[i];

		snprintf(full, sizeof(full), "%s/%s", name, m->name);
		f = mde__defs_cvd_member_fmt(m);
		if (!f) {
			mde__diagf(&d, full, 0, NULL, "not a definitions "
				   "format, skipped");
			continue;
		}
		if (f->kind == MDE__DK_HASH) {
			rc = mde__hashsigs_parse(h, full, (const char *)m->data,
						 m->len, &d);
			if (rc == MDE_OK && add_digest(w, m, 0))
				rc = MDE_ERR_NOMEM;
		} else if (is_sect(f)) {
			if (add_digest(w, m, 1))
				rc = MDE_ERR_NOMEM;
		} else {
			memset(&q, 0, sizeof(q));
			q.e.kind = MDE__DBC_TEXT;
			snprintf(q.name, sizeof(q.name), "%s", m->name);
			q.data = m->data;
			q.len = m->len;
			if (mde__dbc_add(w, &q, NULL))
				rc = MDE_ERR_NOMEM;
		}
	}
	if (rc == MDE_OK)
		rc = mde__hashsigs_finalize(h);
	if (threaded)
		pthread_join(th, NULL);
	pthread_mutex_destroy(&ld.mu);
	if (rc == MDE_OK)
		rc = job.rc;
	if (rc != MDE_OK && !defs->err[0])
		snprintf(defs->err, sizeof(defs->err), "'%s': %s", name,
			 mde_status_str(rc));
	return rc;
}

int mde__defs_cvdc_compile(mde_defs *defs, const char *name,
			   const mde__cvd *c, const uint8_t key[16])
{
	char path[4200], prefix[100];
	mde__hashsigs *h = mde__hashsigs_new();
	mde__clam *tc = mde__clam_new();
	mde__dbc_w w = { 0 };
	mde__buf head = { 0 };
	struct iovec *iov = NULL;
	int niov = 0, rc;

	if (!defs->cache_dir || cache_path(defs, name, key, path, sizeof(path),
					   prefix, sizeof(prefix)))
		return MDE__CVDC_FALLBACK;
	rc = h && tc ? MDE_OK : MDE_ERR_NOMEM;
	if (rc == MDE_OK) {
		/* ClamAV's names are nearly all distinct */
		mde__hashsigs_set_intern(h, false);
		mde__hashsigs_set_intern(mde__clam_sect(tc, 0), false);
		mde__hashsigs_set_intern(mde__clam_sect(tc, 1), false);
		rc = split(defs, name, c, h, tc, &w);
	}
	if (rc == MDE_OK) {
		w.flevel_skips = mde__clam_flevel_skips(tc);
		if (add_set(&w, h, MDE__DBC_FILE) ||
		    add_set(&w, mde__clam_sect(tc, 0), MDE__DBC_SECT) ||
		    add_set(&w, mde__clam_sect(tc, 1), MDE__DBC_SECT_PUA) ||
		    mde__dbc_encode(&w, key, &head, &iov, &niov))
			rc = MDE_ERR_NOMEM;
	}
	if (rc == MDE_OK) {
		if (mde__write_atomic_iov(path, iov, niov) == 0) {
			mde__cache_prune_keep(defs->cache_dir, prefix, ".mdc",
					      MDE__CVDC_KEEP);
			rc = MDE__CVDC_WRITTEN;
		} else {
			mde__diagf(&defs->diag, path, 0, NULL, "cannot keep "
				   "the compiled database: %s",
				   strerror(errno));
			rc = MDE__CVDC_FALLBACK;
		}
	}
	free(iov);
	free(head.p);
	mde__dbc_w_free(&w);
	mde__hashsigs_free(h);
	mde__clam_free(tc);
	if (rc == MDE__CVDC_WRITTEN) {
		/* the members parsed for good from what was just written:
		 * the first load and the next ones are the same load */
		rc = mde__defs_cvdc_load(defs, name, key);
		rc = rc == 1 ? MDE_OK : rc == 0 ? MDE__CVDC_FALLBACK : rc;
	}
	return rc;
}

/* ------------------------------------------------------------ the stamp */

int mde__cvdc_id_of(int fd, struct mde__cvdc_id *id)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	memset(id, 0, sizeof(*id));
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	id->size = (uint64_t)st.st_size;
	id->mtime_s = (int64_t)st.st_mtim.tv_sec;
	id->mtime_ns = (int64_t)st.st_mtim.tv_nsec;
	id->ctime_s = (int64_t)st.st_ctim.tv_sec;
	id->ctime_ns = (int64_t)st.st_ctim.tv_nsec;
	return 0;
}

/* The stamp's path and its prefix ("clamdb-daily-"). */
static int stamp_path(const mde_defs *defs, const char *name, char *path,
		      size_t n, char *prefix, size_t pn)
{
	XXH128_hash_t h = XXH3_128bits(name, strlen(name));
	uint8_t k[16];
	char *dot;

	/* cache_path()'s name for the key of the path, its suffix .stamp */
	memcpy(k, &h, sizeof(k));
	if (cache_path(defs, name, k, path, n, prefix, pn))
		return -1;
	dot = strrchr(path, '.');
	if (!dot || (size_t)(dot - path) + sizeof(".stamp") > n)
		return -1;
	memcpy(dot, ".stamp", sizeof(".stamp"));
	return 0;
}

static int same_id(const struct mde__cvdc_id *a, const struct mde__cvdc_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	       a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

int mde__defs_cvdc_stamp_get(mde_defs *defs, const char *name,
			     const struct mde__cvdc_id *id,
			     const uint8_t ctx[16], struct mde__cvdc_stamp *s)
{
	char path[4200], prefix[100];
	uint8_t buf[MDE__DBC_STAMP + 1], c[16];
	struct mde__cvdc_id was;
	ssize_t got;
	int fd;

	if (!defs->cache_dir ||
	    stamp_path(defs, name, path, sizeof(path), prefix, sizeof(prefix)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	got = read(fd, buf, sizeof(buf));
	close(fd);
	if (got < 0 || mde__dbc_stamp_parse(buf, (size_t)got, CVDC_VERSION,
					    &was, c, s))
		return 0;
	if (!same_id(&was, id) || memcmp(c, ctx, 16) != 0)
		return 0;
	if (s->by_sign && (s->until <= 0 || (int64_t)time(NULL) >= s->until))
		return 0; /* the chain's end: checked again */
	return 1;
}

void mde__defs_cvdc_stamp_put(mde_defs *defs, const char *name,
			      const struct mde__cvdc_id *id,
			      const uint8_t ctx[16],
			      const struct mde__cvdc_stamp *s)
{
	char path[4200], prefix[100];
	uint8_t buf[MDE__DBC_STAMP];

	if (!defs->cache_dir || (s->by_sign && s->until <= 0) ||
	    stamp_path(defs, name, path, sizeof(path), prefix, sizeof(prefix)))
		return;
	mde__dbc_stamp_encode(buf, CVDC_VERSION, id, ctx, s);
	if (mde__write_atomic(path, buf, sizeof(buf)) == 0)
		mde__cache_prune_keep(defs->cache_dir, prefix, ".stamp",
				      MDE__CVDC_STAMPS);
}
