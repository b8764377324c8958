/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hashsig.c - file hash signatures: ClamAV .hdb/.hsb lines and plain hash
 * lists (one hash per line, or sha256sum/md5sum output).
 *
 * Layout.  Each hash type has one growable array of packed records
 *	digest[len] | uint64 size (HS_WILDCARD = any size) | uint32 name
 * where name is an offset into one string pool shared by all types, its
 * top bit set for a signature of an unofficial ClamAV source (see
 * hashsig_int.h, and hashsig_src.c for the names those are reported by).
 * Names are interned while parsing (a hash table, dropped by finalize), so
 * a name used by many signatures is stored once.
 *
 * finalize sorts each array in place by (digest, size, name) with an MSD
 * radix sort on the first digest bytes (see flag_sort()); lookups are then
 * a binary search.  Records with the same digest and size are merged,
 * keeping an official one, else the lowest name offset, that is the name
 * first interned.  The
 * distinct sizes of each type are kept sorted, as uint32 when they all
 * fit, for mde__hashsigs_want().
 *
 * Memory for 1M SHA-256 signatures: 44 bytes a record, 4 a distinct size,
 * plus the names.  Loading is dominated by first touches of fresh pages,
 * so growth reserves for the rest of the file at once and sorting needs
 * no second array.
 *
 * Plain hash lists have no names; their signatures are named
 * "Hash.<MD5|SHA1|SHA256>.<basename of the definitions file>", e.g.
 * "Hash.SHA256.bad.sha256", so a finding points to the list it came from.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mde_int.h"
#include "bundle.h"
#include "hashsig_int.h"
#include "banned.h"

#define HS_MAX_LINE 8192       /* longer lines are malformed */
#define HS_MAX_NAME 1024       /* longer names are malformed */
#define HS_NAME_PREFIX "Hash."

/* State of one mde__hashsigs_parse() call. */
struct hs_parser {
	mde__hashsigs *h;
	const char *file;
	mde__diag *d;
	unsigned line;
	size_t left;                /* lines not parsed yet, this one included */
	uint32_t plain[MDE__NHASH]; /* interned plain-list names, 0 = none */
	uint32_t src;               /* HS_UNOFFICIAL or 0: of named lines */
};

static const char *const type_names[MDE__NHASH] = { "MD5", "SHA1", "SHA256" };

/* Hex digit value plus one; 0 for anything that is not a hex digit. */
size_t mde__hash_len(int type)
{
	switch (type) {
	case MDE__MD5: return 16;
	case MDE__SHA1: return 20;
	case MDE__SHA256: return 32;
	}
	return 0;
}

int mde__hash_type_of_hexlen(size_t hexlen)
{
	switch (hexlen) {
	case 32: return MDE__MD5;
	case 40: return MDE__SHA1;
	case 64: return MDE__SHA256;
	}
	return -1;
}

mde__hashsigs *mde__hashsigs_new(void)
{
	mde__hashsigs *h = calloc(1, sizeof(*h));
	int i;

	if (!h)
		return NULL;
	for (i = 0; i < MDE__NHASH; i++) {
		h->t[i].dlen = mde__hash_len(i);
		h->t[i].rsize = h->t[i].dlen + HS_REC_EXTRA;
		h->t[i].sizew = 8;
	}
	return h;
}

void mde__hashsigs_free(mde__hashsigs *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < MDE__NHASH; i++) {
		if (h->t[i].names)
			continue;
		free(h->t[i].rec);
		free(h->t[i].sizes);
	}
	for (i = 0; i < MDE__NHASH; i++)
		free(h->seg[i]);
	free(h->pool.buf);
	free(h->pool.ht);
	free(h);
}

/*
 * Asks for transparent huge pages on the 2 MiB-aligned middle of a large
 * block.  The tables are written once, in one go, and where page faults
 * are slow (virtual machines) 4 KiB faults cost more than the parsing.
 * Only advice: failure is ignored.
 */
void mde__hs_advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t b = ((uintptr_t)p + n) & ~(huge - 1);

	if (p && b > a)
		madvise((void *)a, b - a, MADV_HUGEPAGE);
#endif
}

/* ------------------------------------------------------------ name pool */

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t x = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		x = (x ^ (unsigned char)s[i]) * 16777619u;
	return x;
}

/*
 * Growth below takes a hint, the number of lines left in the file being
 * parsed, and makes room for all of them at once: copying and re-hashing
 * a large table as it doubles costs more than reserving address space
 * that may stay unused (untouched pages are free, finalize gives back the
 * rest).
 */
static int pool_ht_grow(struct hs_pool *p, size_t hint)
{
	size_t ncap = p->ht_cap ? p->ht_cap * 2 : 1024, i, j;
	uint64_t *nt;

	while (ncap < 2 * (p->ht_n + hint) && ncap < ((size_t)1 << 40))
		ncap *= 2;
	nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return MDE_ERR_NOMEM;
	mde__hs_advise_huge(nt, ncap * sizeof(*nt));
	for (i = 0; i < p->ht_cap; i++) {
		if (!p->ht[i])
			continue;
		j = (p->ht[i] >> 32) & (ncap - 1);
		while (nt[j])
			j = (j + 1) & (ncap - 1);
		nt[j] = p->ht[i];
	}
	free(p->ht);
	p->ht = nt;
	p->ht_cap = ncap;
	return MDE_OK;
}

/* Appends s[0..n) and a NUL to the pool; *off receives its offset. */
static int pool_append(struct hs_pool *p, const char *s, size_t n,
		       uint32_t *off, size_t hint)
{
	size_t need = (p->len ? p->len : 1) + n + 1, ncap, avg;
	char *nb;

	if (need > HS_POOL_MAX)
		return MDE_ERR_NOMEM;
	if (need > p->cap) {
		ncap = p->cap ? p->cap * 2 : 4096;
		/* names tend to grow along a file (Sig-9 .. Sig-999999) */
		avg = p->ht_n ? p->len / p->ht_n * 5 / 4 + 1 : 0;
		if (ncap < need + hint * avg)
			ncap = need + hint * avg;
		if (ncap < need)
			ncap = need;
		if (ncap > HS_POOL_MAX)
			ncap = HS_POOL_MAX;
		nb = realloc(p->buf, ncap);
		if (!nb)
			return MDE_ERR_NOMEM;
		p->buf = nb;
		p->cap = ncap;
		mde__hs_advise_huge(nb, ncap);
	}
	if (!p->len)
		p->buf[p->len++] = '\0';
	memcpy(p->buf + p->len, s, n);
	p->buf[p->len + n] = '\0';
	*off = (uint32_t)p->len;
	p->len += n + 1;
	return MDE_OK;
}

/*
 * Makes room for one more name and starts loading its slot into the
 * cache: with a million names the table is far larger than the cache,
 * and the caller has other work to do meanwhile.
 */
static int pool_prepare(struct hs_pool *p, uint32_t hv, size_t hint)
{
	int ret;

	if ((p->ht_n + 1) * 2 > p->ht_cap && (ret = pool_ht_grow(p, hint)))
		return ret;
	__builtin_prefetch(&p->ht[hv & (p->ht_cap - 1)]);
	return MDE_OK;
}

/*
 * Interns the name s[0..n) (no NUL inside) whose name_hash() is hv;
 * *off receives its offset.
 */
static int pool_intern(struct hs_pool *p, const char *s, size_t n,
		       uint32_t hv, uint32_t *off, size_t hint)
{
	uint32_t o;
	size_t j;
	int ret = pool_prepare(p, hv, hint);

	if (ret)
		return ret;
	for (j = hv & (p->ht_cap - 1); p->ht[j]; j = (j + 1) & (p->ht_cap - 1)) {
		o = (uint32_t)p->ht[j];
		if ((uint32_t)(p->ht[j] >> 32) == hv &&
		    !memcmp(p->buf + o, s, n) && !p->buf[o + n]) {
			*off = o;
			return MDE_OK;
		}
	}
	ret = pool_append(p, s, n, off, hint);
	if (ret)
		return ret;
	p->ht[j] = (uint64_t)hv << 32 | *off;
	p->ht_n++;
	return MDE_OK;
}

/* -------------------------------------------------------------- parsing */

int mde__hs_table_add(struct hs_table *t, const uint8_t *digest,
		      uint64_t size, uint32_t field, size_t hint)
{
	uint8_t *r;
	size_t ncap;

	if (t->n == t->cap) {
		ncap = t->cap ? t->cap * 2 : 256;
		if (t->cap && ncap < t->n + hint)
			ncap = t->n + hint;
		r = realloc(t->rec, ncap * t->rsize);
		if (!r)
			return MDE_ERR_NOMEM;
		t->rec = r;
		t->cap = ncap;
		mde__hs_advise_huge(r, ncap * t->rsize);
	}
	r = t->rec + t->n * t->rsize;
	mde__hs_rec_copy(r, digest, t->dlen);
	memcpy(r + t->dlen, &size, 8);
	memcpy(r + t->dlen + 8, &field, 4);
	t->n++;
	return MDE_OK;
}

/* Interns "Hash.<TYPE>.<basename of file>" once per parse call. */
static int plain_name(struct hs_parser *p, int type, uint32_t *off)
{
	const char *base = p->file ? p->file : "unknown", *slash;
	char name[HS_MAX_NAME];
	size_t tl = strlen(type_names[type]), pl = strlen(HS_NAME_PREFIX);
	size_t bl, n;
	int ret;

	if (p->plain[type]) {
		*off = p->plain[type];
		return MDE_OK;
	}
	slash = strrchr(base, '/');
	if (slash && slash[1])
		base = slash + 1;
	bl = strlen(base);
	if (bl > sizeof(name) - pl - tl - 1)
		bl = sizeof(name) - pl - tl - 1;
	memcpy(name, HS_NAME_PREFIX, pl);
	memcpy(name + pl, type_names[type], tl);
	name[pl + tl] = '.';
	memcpy(name + pl + tl + 1, base, bl);
	n = pl + tl + 1 + bl;
	ret = pool_intern(&p->h->pool, name, n, name_hash(name, n), off, 1);
	if (!ret)
		p->plain[type] = *off;
	return ret;
}

/* Parses a decimal size or '*' from s[0..n); false if malformed. */
static bool parse_size(const char *s, size_t n, uint64_t *size)
{
	uint64_t v = 0;
	size_t i;

	if (n == 1 && s[0] == '*') {
		*size = HS_WILDCARD;
		return true;
	}
	if (n == 0 || n > 20)
		return false;
	for (i = 0; i < n; i++) {
		unsigned dg = (unsigned char)s[i] - '0';

		if (dg > 9 || v > (UINT64_MAX - dg) / 10)
			return false;
		v = v * 10 + dg;
	}
	if (v == HS_WILDCARD)
		return false;
	*size = v;
	return true;
}

/* Checks the name field name[0..n); false (reported) if malformed. */
static bool check_name(struct hs_parser *p, const char *name, size_t n)
{
	const char *why = NULL;

	if (!n)
		why = "empty signature name";
	else if (n > HS_MAX_NAME)
		why = "signature name too long";
	else if (memchr(name, '\0', n))
		why = "NUL byte in signature name";
	if (why)
		mde__diagf(p->d, p->file, p->line, NULL, "%s", why);
	return !why;
}

static int pool_name_seq(mde__hashsigs *h, const char *name, size_t nlen,
			 uint32_t *off, size_t hint);

/*
 * Parses a ClamAV line: hex[0..2 * dlen) is the hash, s[0..n) what follows
 * its ':', "SIZE:NAME[:FLEVEL...]".  Fields after the name are ignored.
 */
static int parse_clamav(struct hs_parser *p, int type, const char *hex,
			const char *s, size_t n)
{
	const char *c1 = memchr(s, ':', n), *name, *c2;
	uint8_t digest[32];
	uint64_t size;
	uint32_t off, hv;
	size_t nlen;
	int ret;

	if (!parse_size(s, c1 ? (size_t)(c1 - s) : n, &size)) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "bad file size: want a decimal number or '*'");
		return MDE_OK;
	}
	name = c1 ? c1 + 1 : s + n;
	c2 = memchr(name, ':', (size_t)(s + n - name));
	nlen = (size_t)((c2 ? c2 : s + n) - name);
	if (!check_name(p, name, nlen))
		return MDE_OK;
	if (p->h->nointern) {
		mde__unhex_valid(hex, mde__hash_len(type), digest);
		ret = pool_name_seq(p->h, name, nlen, &off, p->left);
	} else {
		hv = name_hash(name, nlen);
		ret = pool_prepare(&p->h->pool, hv, p->left);
		if (ret)
			return ret;
		mde__unhex_valid(hex, mde__hash_len(type), digest);
		ret = pool_intern(&p->h->pool, name, nlen, hv, &off, p->left);
	}
	if (!ret)
		ret = mde__hs_table_add(&p->h->t[type], digest, size,
					off | p->src, p->left);
	return ret;
}

int mde__hs_name(mde__hashsigs *h, const char *name, size_t nlen,
		 uint32_t *off, size_t hint)
{
	if (h->nointern)
		return pool_name_seq(h, name, nlen, off, hint);
	return pool_intern(&h->pool, name, nlen, name_hash(name, nlen), off,
			   hint);
}

int mde__hashsigs_add(mde__hashsigs *h, int type, const uint8_t *digest,
		      uint64_t size, const char *name, size_t nlen,
		      unsigned src, size_t hint)
{
	uint32_t off;
	int ret;

	if (h->final || type < 0 || type >= MDE__NHASH || h->t[type].names)
		return MDE_ERR_STATE;
	ret = mde__hs_name(h, name, nlen, &off, hint);
	if (!ret)
		ret = mde__hs_table_add(&h->t[type], digest, size,
					off | (src & MDE__HS_UNOFFICIAL ?
					       HS_UNOFFICIAL : 0), hint);
	return ret;
}

void mde__hashsigs_set_intern(mde__hashsigs *h, bool on)
{
	h->nointern = !on;
}

void mde__hashsigs_set_unofficial(mde__hashsigs *h, bool on)
{
	h->suffix = on;
}

/* The offset of name[0..nlen) in h's pool, appended unless it is the
 * last one, without the interning table (mde__hashsigs_set_intern). */
static int pool_name_seq(mde__hashsigs *h, const char *name, size_t nlen,
			 uint32_t *off, size_t hint)
{
	struct hs_pool *p = &h->pool;
	int ret;

	if (h->last && !memcmp(p->buf + h->last, name, nlen) &&
	    !p->buf[h->last + nlen]) {
		*off = h->last;
		return MDE_OK;
	}
	ret = pool_append(p, name, nlen, off, hint);
	if (!ret)
		h->last = *off;
	return ret;
}

static void report_bad_hash(struct hs_parser *p, size_t hexlen, int next)
{
	if (hexlen <= 64 && next >= 0 && next != ':' && next != ' ' &&
	    next != '\t')
		mde__diagf(p->d, p->file, p->line, NULL,
			   "bad hex digit at column %zu", hexlen + 1);
	else
		mde__diagf(p->d, p->file, p->line, NULL,
			   "hash has %s%zu hex digits, want 32, 40 or 64",
			   hexlen > 64 ? "over " : "", hexlen > 64 ? 64 : hexlen);
}

/* Adds a plain-list signature: any size, the file's list name. */
static int add_plain(struct hs_parser *p, int type, const char *hex)
{
	uint8_t digest[32];
	uint32_t off;
	int ret = plain_name(p, type, &off);

	if (ret)
		return ret;
	mde__unhex_valid(hex, mde__hash_len(type), digest);
	return mde__hs_table_add(&p->h->t[type], digest, HS_WILDCARD, off,
				 p->left);
}

/* Parses one line s[0..n) without its '\n'. */
static int parse_line(struct hs_parser *p, const char *s, size_t n)
{
	size_t hl = 0;
	int type, next;

	if (n > HS_MAX_LINE) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "line too long (%zu bytes, max %d)", n, HS_MAX_LINE);
		return MDE_OK;
	}
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	if (n && *s == '\\') /* sha256sum escapes odd file names this way */
		s++, n--;
	if (!n || *s == '#')
		return MDE_OK;
	while (hl < n && hl <= 64 && mde__hexdig1[(unsigned char)s[hl]])
		hl++;
	next = hl < n ? (unsigned char)s[hl] : -1;
	type = mde__hash_type_of_hexlen(hl);
	if (type < 0 || (next >= 0 && next != ':' && next != ' ' &&
			 next != '\t')) {
		report_bad_hash(p, hl, next);
		return MDE_OK;
	}
	if (next == ':')
		return parse_clamav(p, type, s, s + hl + 1, n - hl - 1);
	return add_plain(p, type, s);
}

int mde__hashsigs_parse(mde__hashsigs *h, const char *file, const char *buf,
			size_t len, mde__diag *d)
{
	return mde__hashsigs_parse_src(h, file, buf, len, 0, d);
}

int mde__hashsigs_parse_src(mde__hashsigs *h, const char *file,
			    const char *buf, size_t len, unsigned src,
			    mde__diag *d)
{
	struct hs_parser p = { .h = h, .file = file, .d = d };
	const char *s = buf, *end, *nl;
	int ret = MDE_OK;

	if (h->final || h->t[0].names || h->t[1].names || h->t[2].names)
		return MDE_ERR_STATE;
	if (!len)
		return MDE_OK;
	p.src = src & MDE__HS_UNOFFICIAL ? HS_UNOFFICIAL : 0;
	end = buf + len;
	for (nl = s; nl < end && (nl = memchr(nl, '\n', (size_t)(end - nl)));
	     nl++)
		p.left++;
	p.left++;
	while (s < end && ret == MDE_OK) {
		nl = memchr(s, '\n', (size_t)(end - s));
		p.line++;
		p.left--;
		ret = parse_line(&p, s, (size_t)((nl ? nl : end) - s));
		s = nl ? nl + 1 : end;
	}
	return ret;
}

/* --------------------------------------------------------------- queries */

uint64_t mde__hashsigs_count(const mde__hashsigs *h)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < MDE__NHASH; i++)
		n += mde__hashsigs_count_type(h, i);
	return n;
}

uint64_t mde__hashsigs_memory(const mde__hashsigs *h)
{
	uint64_t m = sizeof(*h) + h->pool.cap + h->pool.ht_cap * 8;
	int i;

	for (i = 0; i < MDE__NHASH; i++)
		m += h->t[i].cap * h->t[i].rsize +
		     h->t[i].nsizes * h->t[i].sizew;
	return m;
}

static bool has_size(const struct hs_table *t, uint64_t size)
{
	const uint32_t *v32 = t->sizes;
	const uint64_t *v64 = t->sizes;
	size_t lo = 0, hi = t->nsizes, mid;
	uint64_t v;

	if (t->sizew == 4 && size > UINT32_MAX)
		return false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		v = t->sizew == 4 ? v32[mid] : v64[mid];
		if (v == size)
			return true;
		if (v < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool mde__hashsigs_want(const mde__hashsigs *h, int type, uint64_t size)
{
	const struct hs_table *t;

	if (!h || !h->final || type < 0 || type >= MDE__NHASH)
		return false;
	t = &h->t[type];
	if (t->wildcard || has_size(t, size))
		return true;
	for (size_t k = 0; k < h->nseg[type]; k++)
		if (h->seg[type][k].wildcard || has_size(&h->seg[type][k], size))
			return true;
	return false;
}

/* The name of the record of t matching digest and size, or NULL;
 * *unofficial: whether the signature comes from an unofficial source. */
static const char *table_lookup(const struct hs_table *t, const char *pool,
				const uint8_t *digest, uint64_t size,
				bool *unofficial)
{
	const uint8_t *r;
	size_t lo = 0, hi = t->n, mid;
	uint64_t rs;
	uint32_t name;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(t->rec + mid * t->rsize, digest, t->dlen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* records of one digest are ordered by size, the wildcard last */
	for (; lo < t->n; lo++) {
		r = t->rec + lo * t->rsize;
		if (memcmp(r, digest, t->dlen))
			break;
		rs = hs_rec_size(t, r);
		if (rs != size && rs != HS_WILDCARD)
			continue;
		name = hs_rec_name(t, r);
		/* a segment's pool ends with a NUL: any offset in it is a
		 * name (a damaged cache file gives a wrong name, no crash) */
		if (t->names_len && name >= t->names_len)
			return NULL;
		*unofficial = t->unofficial ||
			      (hs_rec_field(t, r) & HS_UNOFFICIAL) != 0;
		return (t->names ? t->names : pool) + name;
	}
	return NULL;
}

/*
 * The parsed table, then the segments; an official signature wins over an
 * unofficial one of the same digest and size, as finalize's merge of
 * parsed records has it, so that a database mapped from the cache names
 * as a parsed one does.
 */
const char *mde__hashsigs_lookup(const mde__hashsigs *h, int type,
				 const uint8_t *digest, uint64_t size)
{
	const char *name = NULL, *n;
	bool unoff = false, u = false;

	if (!h || !h->final || !digest || type < 0 || type >= MDE__NHASH)
		return NULL;
	name = table_lookup(&h->t[type], h->pool.buf, digest, size, &unoff);
	for (size_t k = 0; (!name || unoff) && k < h->nseg[type]; k++) {
		n = table_lookup(&h->seg[type][k], NULL, digest, size, &u);
		if (n && (!name || !u)) {
			name = n;
			unoff = u;
		}
	}
	return name;
}

/* ----------------------------------------------------------- segments */

int mde__hashsigs_seg(mde__hashsigs *h, const mde__hseg *g)
{
	struct hs_table *v, *t;
	size_t rsize;

	if (h->final || g->type < 0 || g->type >= MDE__NHASH ||
	    (g->sizew != 4 && g->sizew != 8) || !g->names || !g->names_len ||
	    g->names[g->names_len - 1] != '\0')
		return MDE_ERR_STATE;
	rsize = mde__hash_len(g->type) + HS_REC_EXTRA;
	v = realloc(h->seg[g->type],
		    (h->nseg[g->type] + 1) * sizeof(*h->seg[g->type]));
	if (!v)
		return MDE_ERR_NOMEM;
	h->seg[g->type] = v;
	t = &v[h->nseg[g->type]++];
	memset(t, 0, sizeof(*t));
	t->rec = (uint8_t *)g->rec; /* never written */
	t->n = t->cap = g->n;
	t->dlen = mde__hash_len(g->type);
	t->rsize = rsize;
	t->sizes = (void *)g->sizes;
	t->nsizes = g->nsizes;
	t->sizew = g->sizew;
	t->wildcard = g->wildcard;
	t->names = g->names;
	t->names_len = g->names_len;
	t->unofficial = g->unofficial;
	return MDE_OK;
}

int mde__hashsigs_view(const mde__hashsigs *h, int type, mde__hseg *g)
{
	const struct hs_table *t;

	if (!h->final || type < 0 || type >= MDE__NHASH || h->t[type].names)
		return MDE_ERR_STATE;
	t = &h->t[type];
	g->type = type;
	g->rec = t->rec;
	g->n = t->n;
	g->sizes = t->sizes;
	g->nsizes = t->nsizes;
	g->sizew = t->sizew;
	g->wildcard = t->wildcard;
	g->names = h->pool.len ? h->pool.buf : "";
	g->names_len = h->pool.len ? h->pool.len : 1;
	g->unofficial = false;
	return MDE_OK;
}

/* ------------------------------------------------------------- bundles */

/* Signatures in tables borrowed from a bundle. */
static uint64_t borrowed_count(const mde__hashsigs *h)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < MDE__NHASH; i++)
		n += h->t[i].names ? h->t[i].n : 0;
	return n;
}

int mde__hashsigs_attach(mde__hashsigs *h, const mde__htab *b)
{
	struct hs_table *t;

	if (h->final || b->type < 0 || b->type >= MDE__NHASH)
		return MDE_ERR_STATE;
	t = &h->t[b->type];
	/* a bundle's tables go into an empty set only: loose hash files of
	 * any type, before or after it, are refused alike */
	if (t->names || mde__hashsigs_count(h) > borrowed_count(h))
		return MDE_ERR_STATE;
	t->rec = (uint8_t *)b->rec; /* never written: see table_finalize() */
	t->n = t->cap = b->n;
	t->sizes = (void *)b->sizes;
	t->nsizes = b->nsizes;
	t->sizew = b->sizew;
	t->wildcard = b->wildcard;
	t->names = b->names;
	return MDE_OK;
}

uint64_t mde__hashsigs_count_type(const mde__hashsigs *h, int type)
{
	uint64_t n;

	if (!h || type < 0 || type >= MDE__NHASH)
		return 0;
	n = h->t[type].n;
	for (size_t k = 0; k < h->nseg[type]; k++)
		n += h->seg[type][k].n;
	return n;
}

void mde__hashsigs_export(const mde__hashsigs *h, int type, mde__hrec *out)
{
	const struct hs_table *t = &h->t[type];
	const char *pool = t->names ? t->names : h->pool.buf;
	size_t i, o = 0;

	for (i = 0; i < t->n; i++) {
		const uint8_t *r = t->rec + i * t->rsize;

		out[o].digest = r;
		out[o].size = hs_rec_size(t, r);
		out[o++].name = pool + hs_rec_name(t, r);
	}
	for (size_t k = 0; k < h->nseg[type]; k++) {
		t = &h->seg[type][k];
		for (i = 0; i < t->n; i++) {
			const uint8_t *r = t->rec + i * t->rsize;
			uint32_t nm = hs_rec_name(t, r);

			out[o].digest = r;
			out[o].size = hs_rec_size(t, r);
			out[o++].name = t->names + (nm < t->names_len ? nm : 0);
		}
	}
}
