/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaracache.c - the compiled-rules file of the YARA stage: what
 * mde__yara_save() writes and mde__yara_load() reads back (see mde_int.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <yara.h>

#include "yarastage_int.h"
#include "banned.h"

/* ------------------------------------------------ compiled-rules file */

/*
 * The compiled source rules (the single set, or the pre-selection
 * subsets) and the diagnostics of their compile, so that a later run with
 * the same sources loads them instead of compiling them (seconds for a
 * big community set).  Layout, host byte order (the file lives in this
 * host's cache and its name carries the libyara version):
 *   "MDEYARA3" u32 flags (1: presel, 2: parts split, see ALWAYS)
 *   u64 nrules u64 nclassified
 *   u32 ndiag { u32 line, str file, str sig, str msg }
 *   u32 nsets { i32 slot (-1: the single set, else < NSLOT), u64 len,
 *               bytes }
 *   u32 npf { i32 slot (NSUB: the single set), u64 len, bytes }
 *   u64 XXH3-64 of all the above
 * where str is a u32 length (0xffffffff for none) and the bytes, and the
 * npf prefilters are serialized Vectorscan databases (built from the
 * sources instead when there are none or Vectorscan refuses them).
 */
#define YC_MAGIC "MDEYARA3"

/* The bytes written so far; fail sticks once memory ran out. */
struct wbuf {
	mde__buf b;
	int fail;
};

static void wput(struct wbuf *b, const void *s, size_t n)
{
	if (!b->fail && mde__buf_put(&b->b, s, n) != MDE_OK)
		b->fail = 1;
}

static void wu32(struct wbuf *b, uint32_t v)
{
	wput(b, &v, 4);
}

static void wstr(struct wbuf *b, const char *s)
{
	wu32(b, s ? (uint32_t)strlen(s) : 0xffffffffu);
	if (s)
		wput(b, s, strlen(s));
}

static size_t wstream(const void *ptr, size_t size, size_t count, void *ud)
{
	wput(ud, ptr, size * count);
	return ((struct wbuf *)ud)->fail ? 0 : count;
}

/* One saved rule set or prefilter: its slot, length and bytes. */
static void wblob(struct wbuf *b, int32_t slot, const void *p, size_t len)
{
	uint64_t n = len;

	wput(b, &slot, 4);
	wput(b, &n, 8);
	wput(b, p, len);
}

static void wset(struct wbuf *b, int32_t slot, YR_RULES *r)
{
	struct wbuf blob = { 0 };
	YR_STREAM st = { .user_data = &blob, .write = wstream };

	if (yr_rules_save_stream(r, &st) != ERROR_SUCCESS || blob.fail)
		b->fail = 1;
	else
		wblob(b, slot, blob.b.p, blob.b.len);
	free(blob.b.p);
}

static void wpf(struct wbuf *b, int32_t slot, const mde__ypf *p)
{
	char *bytes = NULL;
	size_t len = 0;

	if (mde__ypf_save(p, &bytes, &len) != MDE_OK) {
		b->fail = 1;
		return;
	}
	wblob(b, slot, bytes, len);
	free(bytes);
}

int mde__yara_save(const mde__yara *y, const char *path)
{
	uint8_t *p = NULL;
	size_t n = 0;
	int rc = mde__yara_save_mem(y, &p, &n);

	if (rc == MDE_OK)
		rc = mde__write_atomic(path, p, n) == 0 ? MDE_OK : MDE_ERR_IO;
	free(p);
	return rc;
}

int mde__yara_save_mem(const mde__yara *y, uint8_t **out, size_t *outlen)
{
	struct wbuf b = { 0 };
	uint32_t nsets = 0;
	uint64_t h;
	size_t i;

	wput(&b, YC_MAGIC, 8);
	wu32(&b, (uint32_t)y->presel | (uint32_t)y->split << 1);
	wput(&b, &y->nsrc_rules, 8);
	wput(&b, &y->nclassified, 8);
	wu32(&b, (uint32_t)y->ndiags);
	for (i = 0; i < y->ndiags; i++) {
		wu32(&b, y->diags[i].line);
		wstr(&b, y->diags[i].file);
		wstr(&b, y->diags[i].sig);
		wstr(&b, y->diags[i].msg);
	}
	for (i = 0; i < NSLOT; i++)
		nsets += y->presel && (y->sub[i] || y->sub_blob[i]);
	if (!y->presel && y->nsrc_rules)
		nsets = 1;
	wu32(&b, nsets);
	for (i = 0; i < NSLOT; i++) {
		if (y->presel && y->sub[i])
			wset(&b, (int32_t)i, y->sub[i]);
		else if (y->presel && y->sub_blob[i])
			wblob(&b, (int32_t)i, y->sub_blob[i], y->sub_len[i]);
	}
	if (!y->presel && y->nsrc_rules)
		wset(&b, -1, y->sets[0]);
	wu32(&b, (uint32_t)y->pf_sets);
	for (i = 0; i <= NSUB; i++) {
		if (y->pf[i])
			wpf(&b, (int32_t)i, y->pf[i]);
		else if (i < NSUB && y->pf_blob[i])
			wblob(&b, (int32_t)i, y->pf_blob[i], y->pf_len[i]);
	}
	h = b.fail ? 0 : XXH3_64bits(b.b.p, b.b.len);
	wput(&b, &h, 8);
	if (b.fail) {
		free(b.b.p);
		return MDE_ERR_NOMEM;
	}
	*out = (uint8_t *)b.b.p;
	*outlen = b.b.len;
	return MDE_OK;
}

struct rbuf {
	const uint8_t *p;
	size_t len, pos;
	int bad;
};

static const void *rget(struct rbuf *r, size_t n)
{
	const void *s;

	if (r->bad || r->len - r->pos < n) {
		r->bad = 1;
		return NULL;
	}
	s = r->p + r->pos;
	r->pos += n;
	return s;
}

static uint32_t ru32(struct rbuf *r)
{
	const void *s = rget(r, 4);
	uint32_t v = 0;

	if (s)
		memcpy(&v, s, 4);
	return v;
}

static uint64_t ru64(struct rbuf *r)
{
	const void *s = rget(r, 8);
	uint64_t v = 0;

	if (s)
		memcpy(&v, s, 8);
	return v;
}

/* A string as a malloc'd copy (NULL for none or on error). */
static char *rstr(struct rbuf *r)
{
	uint32_t n = ru32(r);
	const char *s;
	char *out;

	if (n == 0xffffffffu || r->bad)
		return NULL;
	if (!(s = rget(r, n)) || !(out = malloc((size_t)n + 1)))
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

static int rdiags(struct rbuf *r, mde__diag *d)
{
	uint32_t n = ru32(r), i;

	for (i = 0; i < n && !r->bad; i++) {
		unsigned line = ru32(r);
		char *file = rstr(r), *sig = rstr(r), *msg = rstr(r);

		if (!r->bad && msg)
			mde__diagf(d, file, line, sig, "%s", msg);
		free(file);
		free(sig);
		free(msg);
	}
	return r->bad ? MDE_ERR_FORMAT : MDE_OK;
}

static int rsets(mde__yara *y, struct rbuf *r, YR_RULES **single)
{
	uint32_t n = ru32(r), i;

	for (i = 0; i < n && !r->bad; i++) {
		int32_t slot = (int32_t)ru32(r);
		uint64_t len = ru64(r);
		const void *blob = rget(r, (size_t)len);
		struct memstream m = { blob, (size_t)len, 0 };
		YR_STREAM st = { .user_data = &m, .read = mde__ymem_read };
		YR_RULES *rules = NULL;

		if (r->bad || slot < -1 || slot >= NSLOT ||
		    (slot >= 0 ? y->sub[slot] || y->sub_blob[slot]
			       : *single != NULL))
			return MDE_ERR_FORMAT;
		if (slot >= 0) { /* read when a file of its class comes */
			y->sub_blob[slot] = blob;
			y->sub_len[slot] = (size_t)len;
			continue;
		}
		if (yr_rules_load_stream(&st, &rules) != ERROR_SUCCESS)
			return MDE_ERR_FORMAT;
		*single = rules;
	}
	return r->bad ? MDE_ERR_FORMAT : MDE_OK;
}

/*
 * Reads the prefilters (kept only when on); any that Vectorscan refuses
 * leaves none, and they are then built from the sources.
 */
static void rpfs(mde__yara *y, struct rbuf *r)
{
	uint32_t n = ru32(r), i;
	int rc = MDE_OK;

	for (i = 0; i < n && !r->bad; i++) {
		int32_t slot = (int32_t)ru32(r);
		uint64_t len = ru64(r);
		const void *blob = rget(r, (size_t)len);

		if (r->bad || y->pf_off || rc != MDE_OK)
			continue;
		if (slot < 0 || slot > NSUB || y->pf[slot] ||
		    (slot < NSUB && y->pf_blob[slot])) {
			rc = MDE_ERR_FORMAT;
		} else if (slot < NSUB) { /* read with its subset */
			y->pf_blob[slot] = blob;
			y->pf_len[slot] = (size_t)len;
			y->pf_sets++;
			continue;
		} else {
			rc = mde__ypf_load(blob, (size_t)len, &y->pf[slot]);
		}
		if (rc == MDE_OK)
			rc = mde__ypf_scratch_add(y->pf[slot], &y->pf_proto);
		y->pf_sets += rc == MDE_OK;
	}
	if (rc != MDE_OK || r->bad)
		mde__ydrop_prefilters(y);
}

/*
 * Is the open file one that only we (or our group) can have written?
 * Its rule sets go to libyara's loader, which is not safe against hostile
 * bytes, and the XXH3 in the file is a check against damage, not a seal:
 * anyone who can write the file can redo it.  Asked of the descriptor,
 * so a rename or a symlink between check and use changes nothing.
 */
static bool ours(const struct stat *st)
{
	/* group-writable is fine for our own group: a umask of 002 with a
	 * private group per user writes the file so */
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
	       !(st->st_mode & S_IWOTH) &&
	       (!(st->st_mode & S_IWGRP) || st->st_gid == getegid());
}

/*
 * Maps the file read-only: the rule sets are used (if at all) straight
 * from the page cache, where reading them into fresh memory cost a re-scan
 * most of its fixed time.  The file is only ever replaced by rename(), so
 * the mapping cannot shrink under us.  A file someone else could have
 * written is not read (the rules are then compiled and the file replaced).
 */
static uint8_t *map_whole(const char *path, size_t *len)
{
	struct stat st;
	void *p = MAP_FAILED;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && ours(&st) && st.st_size >= 24 &&
	    (uint64_t)st.st_size <= SIZE_MAX)
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return p;
}

static void drop_subsets(mde__yara *y)
{
	size_t i;

	for (i = 0; i < NSLOT; i++) {
		if (y->sub[i])
			yr_rules_destroy(y->sub[i]);
		y->sub[i] = NULL;
		y->sub_blob[i] = NULL;
	}
	y->presel = false;
}

static bool subsets_pending(const mde__yara *y)
{
	size_t i;

	for (i = 0; i < NSLOT; i++)
		if (y->sub_blob[i] || (i < NSUB && y->pf_blob[i]))
			return true;
	return false;
}

const mde__ypf *mde__yara_pf(mde__yara *y, size_t k)
{
	mde__ypf *p = __atomic_load_n(&y->pf[k], __ATOMIC_ACQUIRE);

	if (p || k >= NSUB || !__atomic_load_n(&y->pf_blob[k], __ATOMIC_ACQUIRE))
		return p;
	pthread_mutex_lock(&y->lazy_lock);
	if (!y->pf[k] && y->pf_blob[k]) {
		if (mde__ypf_load(y->pf_blob[k], y->pf_len[k], &p) != MDE_OK)
			p = NULL; /* no prefilter: every file goes to YARA */
		__atomic_store_n(&y->pf[k], p, __ATOMIC_RELEASE);
		__atomic_store_n(&y->pf_blob[k], NULL, __ATOMIC_RELEASE);
	}
	p = y->pf[k];
	pthread_mutex_unlock(&y->lazy_lock);
	return p;
}

int mde__yara_sub(mde__yara *y, size_t k, YR_RULES **out)
{
	YR_RULES *r = __atomic_load_n(&y->sub[k], __ATOMIC_ACQUIRE);
	int rc = MDE_OK;

	if (r || !__atomic_load_n(&y->sub_blob[k], __ATOMIC_ACQUIRE)) {
		*out = r;
		return MDE_OK;
	}
	pthread_mutex_lock(&y->lazy_lock);
	if (!y->sub[k] && y->sub_blob[k]) {
		struct memstream m = { y->sub_blob[k], y->sub_len[k], 0 };
		YR_STREAM st = { .user_data = &m, .read = mde__ymem_read };

		if (yr_rules_load_stream(&st, &r) != ERROR_SUCCESS) {
			r = NULL;
			rc = MDE_ERR_FORMAT;
		}
		__atomic_store_n(&y->sub[k], r, __ATOMIC_RELEASE);
		__atomic_store_n(&y->sub_blob[k], NULL, __ATOMIC_RELEASE);
	}
	*out = y->sub[k];
	pthread_mutex_unlock(&y->lazy_lock);
	return rc;
}

/*
 * Reads the header and the diagnostics now (the diagnostics belong to this
 * load) and keeps the rest of the file for mde__yara_materialize(): the
 * rule sets cost a tenth of a second to read, which a re-scan answered
 * from the scan cache never needs.
 */
void mde__ylazy_release(mde__yara *y)
{
	if (y->lazy_own == 0)
		munmap(y->lazy_buf, y->lazy_map);
	else if (y->lazy_own == 1)
		free(y->lazy_buf);
	y->lazy_buf = NULL;
}

int mde__yara_load_mem(mde__yara *y, const void *p, size_t len, int own,
		       mde__diag *d)
{
	const uint8_t *buf = p;
	struct rbuf r = { 0 };
	size_t i;
	uint64_t h;
	uint32_t flags;
	int rc = MDE_ERR_FORMAT;

	if (len < 24)
		goto out;
	memcpy(&h, buf + len - 8, 8);
	if (memcmp(buf, YC_MAGIC, 8) != 0 || XXH3_64bits(buf, len - 8) != h)
		goto out;
	r.p = buf + 8;
	r.len = len - 16;
	flags = ru32(&r);
	y->presel = flags & 1;
	y->split = (flags >> 1) & 1;
	y->nsrc_rules = ru64(&r);
	y->nclassified = ru64(&r);
	rc = rdiags(&r, d);
	if (rc != MDE_OK)
		goto out;
	/* the .yarc sets already loaded count as they did in compile */
	y->nrules = y->nsrc_rules;
	for (i = 0; i < y->nsets; i++)
		y->nrules += mde__ycount_rules(y->sets[i]);
	y->lazy_buf = (uint8_t *)buf;
	y->lazy_map = len;
	y->lazy_own = own;
	y->lazy_len = len - 8;
	y->lazy_off = 8 + r.pos;
	y->lazy = true;
out:
	if (rc != MDE_OK)
		y->presel = false;
	return rc;
}

int mde__yara_load(mde__yara *y, const char *path, mde__diag *d)
{
	size_t len = 0;
	uint8_t *buf = map_whole(path, &len);
	int rc;

	if (!buf)
		return MDE_ERR_IO;
	rc = mde__yara_load_mem(y, buf, len, 0, d);
	if (rc != MDE_OK)
		munmap(buf, len);
	return rc;
}

/* Reads the sets and prefilters kept by mde__yara_load().  Lock held. */
static int materialize_locked(mde__yara *y)
{
	struct rbuf r = { y->lazy_buf + y->lazy_off,
			  y->lazy_len - y->lazy_off, 0, 0 };
	YR_RULES *single = NULL;
	size_t i;
	int rc;

	rc = rsets(y, &r, &single);
	mde__ydrop_prefilters(y);
	if (rc == MDE_OK)
		rpfs(y, &r);
	if (rc == MDE_OK && r.bad)
		rc = MDE_ERR_FORMAT;
	if (rc == MDE_OK && single)
		rc = mde__yinsert_source_set(y, single);
	if (rc == MDE_OK) {
		single = NULL;
		if (y->pf_sets == 0)
			mde__ybuild_prefilters(y, y->presel);
		for (i = 0; i < y->nsrc; i++) {
			free(y->src[i].text);
			y->src[i].text = NULL;
		}
	} else {
		drop_subsets(y);
		mde__ydrop_prefilters(y);
	}
	if (single)
		yr_rules_destroy(single);
	return rc;
}

int mde__yara_materialize(mde__yara *y)
{
	int rc;

	pthread_mutex_lock(&y->lazy_lock);
	if (y->lazy) {
		y->lazy_rc = materialize_locked(y);
		if (!subsets_pending(y)) /* else kept for mde__yara_sub() */
			mde__ylazy_release(y);
		y->lazy = false;
	}
	rc = y->lazy_rc;
	pthread_mutex_unlock(&y->lazy_lock);
	return rc;
}

size_t mde__yara_nsources(const mde__yara *y)
{
	return y->nsrc;
}
