/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verdict.c - the per-file pipeline's side of the scan cache: answering a
 * file from its stat key or its content, checking new hash signatures
 * against kept digests, replaying a kept verdict as events, and keeping
 * the verdict of a file just scanned.  cache.c is the store itself.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "pipeline_int.h"
#include "banned.h"


/* When rules read the file's name, directory or owner, a verdict holds
 * for this path and owner only: fingerprint them (else all zero). */
static void where_of(const mde__worker *w, const mde__item *it, uid_t uid,
		     uint8_t out[16])
{
	XXH128_canonical_t c;

	memset(out, 0, 16);
	if (!w->e->defs->path_externals)
		return;
	XXH128_canonicalFromHash(&c, XXH3_128bits_withSeed(it->path, it->len,
							   (uint64_t)uid));
	memcpy(out, c.digest, 16);
}

/* The file key of st under the name fingerprint where: with rules that
 * read the name, each name of a hard-linked file has its own record. */
static void key_of(const struct stat *st, const uint8_t where[16],
		   mde__ckey *k)
{
	memset(k, 0, sizeof(*k));
	k->dev = (uint64_t)st->st_dev;
	k->ino = (uint64_t)st->st_ino;
	k->size = (uint64_t)st->st_size;
	k->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 +
		      st->st_mtim.tv_nsec;
	k->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 +
		      st->st_ctim.tv_nsec;
	memcpy(k->where, where, 16);
}

/* Reports a verdict taken from the cache as this file's findings;
 * *nfound and *score get their count and the sum of their scores. */
static void emit_verdict(mde__worker *w, const mde__item *it,
			 const mde__cval *v, uint64_t size,
			 const mde_fileinfo *fi, int *nfound, long *score)
{
	mde_engine *e = w->e;
	mde_event ev = { 0 };
	const char *layers[64];
	char sha[65];
	unsigned i, n, infected = 0;

	*nfound = 0;
	*score = 0;

	if (v->have & (1u << MDE__SHA256))
		mde__hex(v->dig[MDE__SHA256], 32, sha);
	for (i = 0; i < v->nfind; i++) {
		const mde__cfind *c = &v->find[i];
		const char *p = c->chain;

		memset(&ev, 0, sizeof(ev));
		ev.path = it->path;
		ev.path_len = it->len;
		ev.file = fi;
		ev.size = c->nlayers ? c->msize : size;
		for (n = 0; n < c->nlayers && n < 64; n++) {
			layers[n] = p;
			p += strlen(p) + 1;
		}
		ev.layers = layers;
		ev.nlayers = n;
		ev.packer = c->packer;
		ev.score = c->score;
		if (c->kind == MDE__CF_SKIP) {
			ev.type = MDE_EV_SKIPPED;
			ev.reason = c->reason;
			ev.score = -1;
			atomic_fetch_add(&e->skipped, 1);
			mde__wemit(w, &ev);
			continue;
		}
		ev.type = MDE_EV_FINDING;
		ev.name = c->name;
		ev.stage = c->stage;
		ev.rule_ns = c->ns;
		ev.description = c->description;
		ev.author = c->author;
		if (c->kind == MDE__CF_AUDIT) {
			ev.audit = 1;
			ev.reason = c->reason;
			ev.allowed = c->reason && !strcmp(c->reason, "allowed");
			mde__wemit(w, &ev);
			continue;
		}
		ev.sha256 = !c->nlayers && (v->have & (1u << MDE__SHA256))
				    ? sha
				    : NULL;
		atomic_fetch_add(&e->findings, 1);
		infected = 1;
		++*nfound;
		*score += c->score;
		mde__wemit(w, &ev);
	}
	if (infected)
		atomic_fetch_add(&e->infected, 1);
	atomic_fetch_add(&e->files, 1);
	atomic_fetch_add(&e->bytes, size);
	if (!infected && e->report_clean) {
		memset(&ev, 0, sizeof(ev));
		ev.path = it->path;
		ev.path_len = it->len;
		ev.size = size;
		ev.type = MDE_EV_CLEAN;
		ev.score = -1;
		ev.file = fi;
		mde__wemit(w, &ev);
	}
}

/* A file answered from the cache without reading it: its verdict, then
 * the event closing its events. */
static void answer(mde__worker *w, const mde__item *it, const mde__cval *v,
		   uint64_t size, const mde_fileinfo *fi)
{
	long score;
	int nfound;

	emit_verdict(w, it, v, size, fi, &nfound, &score);
	mde__emit_file(w, it, fi, size, nfound, score);
}

/*
 * The definitions changed only in their hash signatures: check the new
 * ones against the digests the cache kept, without reading the file.
 * Returns 0 when the file must be read: a digest it needs is unknown, or
 * the old verdict stopped at a hash finding that no longer holds, so the
 * later stages never ran.
 */
static int rehash(mde__worker *w, const mde__item *it, const mde__ckey *k,
		  const mde__cval *old, const mde_fileinfo *fi)
{
	const mde__hashsigs *h = w->e->defs->hash;
	int all = w->e->all_match, had_hash = 0, t;
	mde__cval nv = *old;
	const char *name;
	unsigned i;

	/* the members' digests are not kept: a new hash signature may match
	 * one of them */
	if (old->have & MDE__CV_CONTAINER)
		return 0;
	nv.nfind = 0;
	for (t = 0; t < MDE__NHASH; t++) {
		if (!mde__hashsigs_want(h, t, k->size))
			continue;
		if (!(old->have & (1u << t)))
			return 0;
		name = mde__hashsigs_lookup(h, t, old->dig[t], k->size);
		if (name && nv.nfind < MDE__CACHE_MAXFIND) {
			mde__cfind *f = &nv.find[nv.nfind++];

			memset(f, 0, sizeof(*f));
			f->stage = "hash";
			f->name = name;
			f->score = MDE_SCORE_SIGNATURE;
			if (!all)
				break;
		}
	}
	for (i = 0; i < old->nfind; i++)
		had_hash |= strcmp(old->find[i].stage, "hash") == 0;
	if (!all && nv.nfind == 0 && had_hash)
		return 0;
	if (all || nv.nfind == 0)
		for (i = 0; i < old->nfind && nv.nfind < MDE__CACHE_MAXFIND; i++)
			if (strcmp(old->find[i].stage, "hash") != 0)
				nv.find[nv.nfind++] = old->find[i];
	memcpy(nv.ver, w->e->ver, 16);
	mde__cache_put(w->e->cache, k, &nv);
	answer(w, it, &nv, k->size, fi);
	return 1;
}

/* Answers a file from the cache without opening it; 0 if it cannot. */
int mde__verdict_from_stat(mde__worker *w, const mde__item *it,
			   const struct stat *sp, const mde_fileinfo *fi)
{
	mde_engine *e = w->e;
	struct stat st = *sp;
	uint8_t where[16];
	mde__ckey k;
	mde__cval v;

	if (!S_ISREG(st.st_mode) ||
	    (e->max_filesize && st.st_size > e->max_filesize))
		return 0; /* the normal path reports it */
	if (mde__unchanged(e, &st))
		return 1;
	where_of(w, it, st.st_uid, where);
	key_of(&st, where, &k);
	if (!mde__cache_get_file(w->rd, &k, &v) ||
	    memcmp(v.where, where, 16) != 0)
		return 0;
	if (memcmp(v.ver, e->ver, 16) == 0) {
		answer(w, it, &v, k.size, fi);
		atomic_fetch_add(&e->cached, 1);
		return 1;
	}
	if (memcmp(v.ver_nohash, e->ver_nohash, 16) != 0 ||
	    !rehash(w, it, &k, &v, fi))
		return 0;
	atomic_fetch_add(&e->cached, 1);
	return 1;
}

int mde__verdict_from_cache(mde__worker *w, const mde__item *it)
{
	int dfd = it->dir ? it->dir->fd : AT_FDCWD;
	const char *name = it->dir ? it->path + it->base : it->path;
	int nofollow = it->dir && (!w->e->follow || w->e->rootfd >= 0);
	mde_fileinfo fi;
	struct stat st;

	/* not opened: the file's atime does not move (noatime 1) */
	if (mde__statx(dfd, name, nofollow ? AT_SYMLINK_NOFOLLOW : 0, &st,
		       &fi) < 0)
		return 0;
	return mde__verdict_from_stat(w, it, &st, &fi);
}

/*
 * A file changed just before it was read is not kept under its file key:
 * timestamps advance in ticks (the kernel's coarse clock, a few ms; whole
 * seconds on filesystems without sub-second times), so a rewrite of the
 * same size within the same tick would keep the key and be answered with
 * this verdict (git's "racy" entries).  The window is 50 ms, or 2 s when
 * the times have no sub-second part.  The content verdict is still kept;
 * a later scan reads the file once more and keys it.
 */
static int recently_changed(const struct stat *st)
{
	struct timespec now;
	int64_t n, c, m, win;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return 1;
	n = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	c = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	m = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	win = st->st_ctim.tv_nsec || st->st_mtim.tv_nsec ? 50000000
							  : 2000000000;
	return n - (m > c ? m : c) < win;
}

/*
 * Files up to this size keep their SHA-256 in the cache even when no
 * signature wants it, so that hash signatures added later are checked
 * against the cache without reading them again.  A larger file is read
 * again only when a new signature has exactly its size; hashing every
 * large file up front instead cost the first scan of the bench corpus
 * more than a tenth of its CPU (825 of its 1,323 MB are in 135 files over
 * 1 MiB), for updates that rarely match such a size.
 */
#define KEEP_SHA256_MAX ((size_t)1 << 20)

int mde__keep_sha256(const struct file *f)
{
	const mde_engine *e = f->w->e;

	return !f->depth &&
	       (e->allow_sha || (e->has_cache && f->len <= KEEP_SHA256_MAX));
}

/* The content id of the file on disk: up to KEEP_SHA256_MAX the SHA-256
 * computed for the cache anyway (one pass over the bytes, not two), above
 * it XXH3-128.  The size alone picks the function and is part of the
 * content key, so equal contents always get equal ids. */
static int content_id(struct file *f)
{
	XXH128_canonical_t c;

	if (f->len > KEEP_SHA256_MAX) {
		XXH128_canonicalFromHash(&c, XXH3_128bits(f->buf, f->len));
		memcpy(f->v.cid, c.digest, 16);
		return 0;
	}
	if (mde__digest(f, MDE__SHA256) != 0)
		return -1;
	memcpy(f->v.cid, f->v.dig[MDE__SHA256], 16);
	return 0;
}

int mde__verdict_from_content(struct file *f)
{
	mde__worker *w = f->w;
	mde__ckey k;
	mde__cval v;

	if (content_id(f) != 0)
		return -1;
	where_of(w, f->it, f->st.st_uid, f->v.where);
	if (!mde__cache_get_content(w->rd, f->v.cid, f->len, w->e->ver,
				    f->v.where, &v))
		return 0;
	key_of(&f->st, f->v.where, &k);
	mde__cache_put(w->e->cache, recently_changed(&f->st) ? NULL : &k, &v);
	atomic_fetch_sub(&w->e->files, 1); /* emit_verdict counts it */
	atomic_fetch_sub(&w->e->bytes, f->len);
	emit_verdict(w, f->it, &v, f->len, &f->fi, &f->nfound, &f->score);
	atomic_fetch_add(&w->e->deduped, 1);
	return 1;
}

void mde__verdict_keep(struct file *f)
{
	mde_engine *e = f->w->e;
	mde__ckey k;

	if (f->uncacheable)
		return;
	key_of(&f->st, f->v.where, &k);
	memcpy(f->v.ver, e->ver, 16);
	memcpy(f->v.ver_nohash, e->ver_nohash, 16);
	f->v.size = f->len;
	mde__cache_put(e->cache, recently_changed(&f->st) ? NULL : &k, &f->v);
}
