/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache.c - the persistent scan cache on LMDB (see cache.h).
 *
 * Values are a fixed header followed, per finding, by its score and five
 * NUL-terminated strings.  Writes from all workers are queued in a batch;
 * a batch is handed to one writer thread when full, or when the writer is
 * idle and it holds EAGER verdicts; the writer commits it while the
 * workers fill the next, so no worker waits for a B-tree update or a disk
 * flush (profiled: under the batch lock those stalled both workers).
 * Readers renew their snapshot after each commit so copies judged
 * minutes ago are found, and search the batches not yet committed.
 *
 * Crash safety: a record is queued only once its file was judged to the
 * end, and each commit is an LMDB transaction flushed to disk before the
 * next starts (no MDB_NOSYNC): after a crash the database holds whole
 * committed batches (with MDB_NOMETASYNC possibly one batch fewer), never
 * a partial record or a torn tree; what was queued is lost, and costs
 * only a read on the next scan.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "banned.h"

#define MAP_SIZE ((size_t)4 << 30) /* address space, not disk */
/* Verdicts per commit.  Each commit copies every B-tree page it touches
 * (keys are random), so fewer, larger commits write much less: 16384
 * records (about 5 MB queued) against 4096 cut the pages written on the
 * bench corpus's first scan by about a third. */
#define BATCH 16384
/* A batch of at least this many goes to the writer as soon as it is idle
 * (write-behind), not only when full: what is left to commit when the
 * scan ends, while the program waits, is what came in during the last
 * commit, not up to a whole batch.  On the bench corpus (32,000 files)
 * the first scan went from 1.096x to 1.072x the time of --no-cache
 * (medians of 5, interleaved); 2048 did no better. */
#define EAGER 4096
#define HDR_LEN (16 + 16 + 16 + 16 + 8 + 1 + MDE__NHASH * 32 + 4)

/* Names of the tables.  The ones of earlier formats (keys without the
 * where fingerprint, content keyed by XXH3) are dropped on open. */
#define DB_FILES "files.2"
#define DB_CONTENT "content.2"
static const char *const old_dbs[] = { "files", "content" };

struct pend {
	uint8_t fkey[sizeof(mde__ckey)];
	int has_fkey;
	uint8_t ckey[24];
	uint8_t *val;
	size_t len;
};

/* Verdicts not yet committed, with an open-addressing index by content
 * key so that readers find copies judged in this batch. */
struct batch {
	struct pend pend[BATCH];
	size_t n;
	uint16_t slot[2 * BATCH]; /* content key -> pend index + 1 */
	const struct pend *order[BATCH]; /* the writer's sort */
};

struct mde__cache {
	MDB_env *env;
	MDB_dbi files, content;
	pthread_mutex_t lock;
	pthread_cond_t wake;      /* to the writer: a batch to commit, or stop */
	pthread_cond_t committed; /* from the writer: busy is free again */
	struct batch b[2];
	struct batch *fill;       /* where puts go */
	struct batch *busy;       /* handed to the writer, or NULL */
	pthread_t writer;
	int writer_on;            /* the thread runs (started on first need) */
	int stop;
	atomic_uint epoch; /* commits so far */
	atomic_int broken; /* writes failed: keep scanning without them */
};

struct mde__cache_rd {
	mde__cache *c;
	MDB_txn *txn;
	unsigned epoch;
	uint8_t *copy; /* a pending value, copied out under the lock */
	size_t cap;
};

/* Opens the tables in one write transaction, dropping those of earlier
 * formats.  Returns an LMDB status. */
static int open_dbs(mde__cache *c)
{
	MDB_txn *txn;
	MDB_dbi old;
	size_t i;
	int rc;

	rc = mdb_txn_begin(c->env, NULL, 0, &txn);
	if (rc != 0)
		return rc;
	rc = mdb_dbi_open(txn, DB_FILES, MDB_CREATE, &c->files);
	if (rc == 0)
		rc = mdb_dbi_open(txn, DB_CONTENT, MDB_CREATE, &c->content);
	for (i = 0; rc == 0 && i < sizeof(old_dbs) / sizeof(old_dbs[0]); i++)
		if (mdb_dbi_open(txn, old_dbs[i], 0, &old) == 0)
			rc = mdb_drop(txn, old, 1);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	return rc;
}

mde__cache *mde__cache_open(const char *dir, char *err, size_t errlen)
{
	mde__cache *c = calloc(1, sizeof(*c));
	int rc;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->committed, NULL);
	c->fill = &c->b[0];
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", dir,
			 strerror(errno));
		goto fail;
	}
	rc = mdb_env_create(&c->env);
	if (rc == 0)
		rc = mdb_env_set_mapsize(c->env, MAP_SIZE);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(c->env, 4);
	/* NOTLS: readers live in our worker threads; NOMETASYNC keeps the
	 * database intact after a crash and may lose only the last commit */
	if (rc == 0)
		rc = mdb_env_open(c->env, dir, MDB_NOTLS | MDB_NOMETASYNC, 0600);
	if (rc == 0)
		rc = open_dbs(c);
	if (rc != 0) {
		snprintf(err, errlen, "cannot open the scan cache in '%s': %s",
			 dir, mdb_strerror(rc));
		goto fail;
	}
	return c;
fail:
	if (c->env)
		mdb_env_close(c->env);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->committed);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return NULL;
}

void mde__cache_close(mde__cache *c)
{
	if (!c)
		return;
	mde__cache_flush(c);
	pthread_mutex_lock(&c->lock);
	c->stop = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	if (c->writer_on)
		pthread_join(c->writer, NULL);
	mdb_env_close(c->env);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->committed);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

mde__cache_rd *mde__cache_rd_new(mde__cache *c)
{
	mde__cache_rd *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->c = c;
	if (mdb_txn_begin(c->env, NULL, MDB_RDONLY, &r->txn) != 0) {
		free(r);
		return NULL;
	}
	r->epoch = atomic_load(&c->epoch);
	return r;
}

void mde__cache_rd_free(mde__cache_rd *r)
{
	if (!r)
		return;
	mdb_txn_abort(r->txn);
	free(r->copy);
	free(r);
}

/* Moves the reader's snapshot forward when something was committed. */
static void refresh(mde__cache_rd *r)
{
	unsigned e = atomic_load(&r->c->epoch);

	if (e == r->epoch)
		return;
	mdb_txn_reset(r->txn);
	if (mdb_txn_renew(r->txn) == 0)
		r->epoch = e;
}

/* ------------------------------------------------------------ encoding */

static size_t enc_str(uint8_t *out, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (out) {
		memcpy(out, s ? s : "", n);
		out[n] = 0;
	}
	return n + 1;
}

/* Writes v to out (NULL: only measures); returns the length. */
static size_t encode(const mde__cval *v, uint8_t *out)
{
	size_t n = HDR_LEN, i;
	uint32_t nf = v->nfind;

	if (out) {
		memcpy(out, v->ver, 16);
		memcpy(out + 16, v->ver_nohash, 16);
		memcpy(out + 32, v->cid, 16);
		memcpy(out + 48, v->where, 16);
		memcpy(out + 64, &v->size, 8);
		out[72] = (uint8_t)v->have;
		memcpy(out + 73, v->dig, MDE__NHASH * 32);
		memcpy(out + 73 + MDE__NHASH * 32, &nf, 4);
	}
	for (i = 0; i < v->nfind; i++) {
		const mde__cfind *f = &v->find[i];
		int64_t sc = f->score;

		if (out)
			memcpy(out + n, &sc, 8);
		n += 8;
		n += enc_str(out ? out + n : NULL, f->stage);
		n += enc_str(out ? out + n : NULL, f->name);
		n += enc_str(out ? out + n : NULL, f->ns);
		n += enc_str(out ? out + n : NULL, f->description);
		n += enc_str(out ? out + n : NULL, f->author);
		if (out) {
			uint32_t cl = (uint32_t)f->chainlen;

			out[n] = (uint8_t)f->kind;
			memcpy(out + n + 1, &f->msize, 8);
			memcpy(out + n + 9, &cl, 4);
			memcpy(out + n + 13, f->chain ? f->chain : "",
			       f->chainlen);
		}
		n += 13 + f->chainlen;
		n += enc_str(out ? out + n : NULL, f->reason);
		n += enc_str(out ? out + n : NULL, f->packer);
	}
	return n;
}

/* Reads one NUL-terminated string at p[*off..len); NULL if malformed.
 * An empty string decodes as NULL for the optional fields. */
static const char *dec_str(const uint8_t *p, size_t len, size_t *off,
			   int *bad)
{
	const uint8_t *z;
	const char *s = (const char *)p + *off;

	if (*off >= len || !(z = memchr(p + *off, 0, len - *off))) {
		*bad = 1;
		return NULL;
	}
	*off = (size_t)(z - p) + 1;
	return s;
}

static const char *opt(const char *s)
{
	return s && *s ? s : NULL;
}

/* Decodes a value; 0 when it is not one of ours (then ignored). */
static int decode(const MDB_val *mv, mde__cval *v)
{
	const uint8_t *p = mv->mv_data;
	size_t len = mv->mv_size, off = HDR_LEN, i;
	uint32_t nf;
	int bad = 0;

	if (len < HDR_LEN)
		return 0;
	memcpy(v->ver, p, 16);
	memcpy(v->ver_nohash, p + 16, 16);
	memcpy(v->cid, p + 32, 16);
	memcpy(v->where, p + 48, 16);
	memcpy(&v->size, p + 64, 8);
	v->have = p[72];
	memcpy(v->dig, p + 73, MDE__NHASH * 32);
	memcpy(&nf, p + 73 + MDE__NHASH * 32, 4);
	if (nf > MDE__CACHE_MAXFIND)
		return 0;
	v->nfind = nf;
	for (i = 0; i < nf && !bad; i++) {
		mde__cfind *f = &v->find[i];
		int64_t sc;

		if (off + 8 > len)
			return 0;
		memcpy(&sc, p + off, 8);
		off += 8;
		f->score = (long)sc;
		f->stage = dec_str(p, len, &off, &bad);
		f->name = dec_str(p, len, &off, &bad);
		f->ns = opt(dec_str(p, len, &off, &bad));
		f->description = opt(dec_str(p, len, &off, &bad));
		f->author = opt(dec_str(p, len, &off, &bad));
		if (bad || off + 13 > len)
			return 0;
		{
			uint32_t cl;
			size_t k;

			f->kind = p[off];
			memcpy(&f->msize, p + off + 1, 8);
			memcpy(&cl, p + off + 9, 4);
			off += 13;
			if (f->kind > MDE__CF_AUDIT || cl > len - off ||
			    (cl && p[off + cl - 1] != 0))
				return 0;
			f->chain = cl ? (const char *)p + off : NULL;
			f->chainlen = cl;
			f->nlayers = 0;
			for (k = 0; k < cl; k++)
				f->nlayers += p[off + k] == 0;
			off += cl;
		}
		f->reason = opt(dec_str(p, len, &off, &bad));
		f->packer = opt(dec_str(p, len, &off, &bad));
	}
	return !bad && off == len;
}

static void content_key(uint8_t out[24], const uint8_t cid[16], uint64_t size)
{
	memcpy(out, cid, 16);
	memcpy(out + 16, &size, 8);
}

/* ------------------------------------------------------------- lookups */

int mde__cache_get_file(mde__cache_rd *r, const mde__ckey *k, mde__cval *v)
{
	MDB_val key = { sizeof(*k), (void *)k }, val;

	refresh(r);
	if (mdb_get(r->txn, r->c->files, &key, &val) != 0)
		return 0;
	return decode(&val, v);
}

static size_t slot_of(const uint8_t ck[24])
{
	uint32_t h;

	memcpy(&h, ck, 4); /* a digest: already well mixed */
	return h & (2 * BATCH - 1);
}

/* Finds content in batch b, not yet committed; copies the value out so it
 * outlives the batch.  Lock held. */
static int pending_get(mde__cache_rd *r, const struct batch *b,
		       const uint8_t ck[24], MDB_val *val)
{
	size_t i = slot_of(ck);
	const struct pend *p;

	for (; b->slot[i]; i = (i + 1) & (2 * BATCH - 1)) {
		p = &b->pend[b->slot[i] - 1];
		if (memcmp(p->ckey, ck, 24) != 0)
			continue;
		if (mde__grow((void **)&r->copy, &r->cap, p->len, 1))
			return 0;
		memcpy(r->copy, p->val, p->len);
		val->mv_data = r->copy;
		val->mv_size = p->len;
		return 1;
	}
	return 0;
}

int mde__cache_get_content(mde__cache_rd *r, const uint8_t cid[16],
			   uint64_t size, const uint8_t ver[16],
			   const uint8_t where[16], mde__cval *v)
{
	mde__cache *c = r->c;
	uint8_t ck[24];
	MDB_val key = { sizeof(ck), ck }, val;
	int found;

	content_key(ck, cid, size);
	refresh(r);
	found = mdb_get(r->txn, c->content, &key, &val) == 0;
	if (!found) {
		pthread_mutex_lock(&c->lock);
		found = pending_get(r, c->fill, ck, &val) ||
			(c->busy && pending_get(r, c->busy, ck, &val));
		pthread_mutex_unlock(&c->lock);
	}
	return found && decode(&val, v) && memcmp(v->ver, ver, 16) == 0 &&
	       memcmp(v->where, where, 16) == 0;
}

/* ------------------------------------------------------------- writing */

static int by_fkey(const void *a, const void *b)
{
	const struct pend *x = *(const struct pend *const *)a;
	const struct pend *y = *(const struct pend *const *)b;

	return memcmp(x->fkey, y->fkey, sizeof(x->fkey));
}

static int by_ckey(const void *a, const void *b)
{
	const struct pend *x = *(const struct pend *const *)a;
	const struct pend *y = *(const struct pend *const *)b;

	return memcmp(x->ckey, y->ckey, sizeof(x->ckey));
}

/* Puts the batch into table dbi in key order: neighbouring puts then
 * descend to the same pages, which stay in the CPU's caches.  Records
 * with equal keys (copies under names the rules read) may land in any
 * order: each is a true verdict for the version and where it records,
 * and lookups check both. */
static int put_sorted(MDB_txn *txn, MDB_dbi dbi, struct batch *b, int files)
{
	MDB_val key, val;
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; i < b->n; i++)
		if (!files || b->pend[i].has_fkey)
			b->order[n++] = &b->pend[i];
	qsort(b->order, n, sizeof(b->order[0]), files ? by_fkey : by_ckey);
	for (i = 0; i < n && rc == 0; i++) {
		const struct pend *p = b->order[i];

		key.mv_data = files ? (void *)p->fkey : (void *)p->ckey;
		key.mv_size = files ? sizeof(p->fkey) : sizeof(p->ckey);
		val.mv_data = p->val;
		val.mv_size = p->len;
		rc = mdb_put(txn, dbi, &key, &val, 0);
	}
	return rc;
}

/* Commits batch b in one transaction, flushed to disk when it returns; on
 * a full map the cache is emptied and the batch written again (a cache
 * may always be thrown away).  Needs no lock: while b is busy only the
 * writer changes it, and only its order[].  Returns an LMDB status. */
static int commit(mde__cache *c, struct batch *b)
{
	MDB_txn *txn;
	int rc, tries;

	for (tries = 0, rc = -1; tries < 2 && rc != 0; tries++) {
		rc = mdb_txn_begin(c->env, NULL, 0, &txn);
		if (rc != 0)
			break;
		if (tries == 1) {
			mdb_drop(txn, c->files, 0);
			mdb_drop(txn, c->content, 0);
		}
		rc = put_sorted(txn, c->files, b, 1);
		if (rc == 0)
			rc = put_sorted(txn, c->content, b, 0);
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc != 0 && rc != MDB_MAP_FULL)
			break;
	}
	return rc;
}

static void batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->pend[i].val);
	b->n = 0;
	memset(b->slot, 0, sizeof(b->slot));
}

/* Commits b (unless writes failed before), then empties it and lets the
 * readers move their snapshots.  Called without the lock. */
static void commit_and_clear(mde__cache *c, struct batch *b)
{
	if (!atomic_load(&c->broken) && b->n && commit(c, b) != 0)
		atomic_store(&c->broken, 1);
	pthread_mutex_lock(&c->lock);
	batch_clear(b);
	if (c->busy == b)
		c->busy = NULL;
	atomic_fetch_add(&c->epoch, 1);
	pthread_cond_broadcast(&c->committed);
	pthread_mutex_unlock(&c->lock);
}

static void *writer_main(void *arg)
{
	mde__cache *c = arg;
	struct batch *b;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->busy && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (!c->busy)
			break;
		b = c->busy;
		pthread_mutex_unlock(&c->lock);
		commit_and_clear(c, b);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Hands the filled batch to the writer, after the one before it is
 * committed; without a writer thread (it could not be started) commits
 * it here.  Lock held (dropped while waiting or committing). */
static void submit_locked(mde__cache *c)
{
	struct batch *b;

	while (c->busy)
		pthread_cond_wait(&c->committed, &c->lock);
	b = c->fill; /* another thread may have handed it over meanwhile */
	if (b->n == 0)
		return;
	if (!c->writer_on && !c->stop)
		c->writer_on = pthread_create(&c->writer, NULL, writer_main,
					      c) == 0;
	c->busy = b;
	c->fill = b == &c->b[0] ? &c->b[1] : &c->b[0];
	if (c->writer_on) {
		pthread_cond_signal(&c->wake);
		return;
	}
	pthread_mutex_unlock(&c->lock);
	commit_and_clear(c, b);
	pthread_mutex_lock(&c->lock);
}

int mde__cache_flush(mde__cache *c)
{
	pthread_mutex_lock(&c->lock);
	submit_locked(c);
	while (c->busy)
		pthread_cond_wait(&c->committed, &c->lock);
	pthread_mutex_unlock(&c->lock);
	return atomic_load(&c->broken) ? MDE_ERR_IO : MDE_OK;
}

/* Queues an encoded verdict in the filling batch.  Lock held. */
static void enqueue(mde__cache *c, const mde__ckey *k, const mde__cval *v,
		    uint8_t *buf, size_t len)
{
	struct batch *b = c->fill;
	struct pend *p = &b->pend[b->n++];
	size_t i;

	p->val = buf;
	p->len = len;
	p->has_fkey = k != NULL;
	if (k)
		memcpy(p->fkey, k, sizeof(*k));
	content_key(p->ckey, v->cid, v->size);
	i = slot_of(p->ckey);
	while (b->slot[i])
		i = (i + 1) & (2 * BATCH - 1);
	b->slot[i] = (uint16_t)b->n;
}

int mde__cache_put(mde__cache *c, const mde__ckey *k, const mde__cval *v)
{
	size_t len = encode(v, NULL);
	uint8_t *buf;

	if (atomic_load(&c->broken))
		return MDE_ERR_IO;
	buf = malloc(len);
	if (!buf)
		return MDE_ERR_NOMEM;
	encode(v, buf);
	pthread_mutex_lock(&c->lock);
	while (c->fill->n == BATCH) /* the writer is behind: wait for it */
		submit_locked(c);
	enqueue(c, k, v, buf, len);
	if (c->fill->n == BATCH || (c->fill->n >= EAGER && !c->busy))
		submit_locked(c);
	pthread_mutex_unlock(&c->lock);
	return atomic_load(&c->broken) ? MDE_ERR_IO : MDE_OK;
}
