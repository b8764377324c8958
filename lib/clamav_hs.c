/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_hs.c - every hex pattern of every ClamAV body and logical
 * signature in one Vectorscan block database, so a buffer is read once
 * whatever the number of signatures.
 *
 * A pattern with a good literal stretch (an atom) in its head, the part
 * before its first unbounded gap, goes in as that literal, reporting
 * every occurrence: the pattern is then verified only around them.  The
 * others go in as a regular expression that matches at least what the
 * pattern does (single match: "somewhere"), and are verified over their
 * offset range.  Nothing the database says is final: it only chooses
 * which signatures are evaluated, so its expressions may be supersets.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "clamav_int.h"
#include "banned.h"

#define ATOM_MIN_SCORE 6  /* weaker atoms: the whole pattern instead */
#define ATOM_MAX 16       /* bytes of an atom at most */
#define RELAX_GAP 256     /* larger bounded gaps become .* */
#define HIT_CAP 4096      /* atom hits kept per pattern and buffer */

static int sput(mde__buf *s, const char *t)
{
	return mde__buf_put(s, t, strlen(t));
}

static int put_hex(mde__buf *s, unsigned v)
{
	char t[5];

	snprintf(t, sizeof(t), "\\x%02x", v & 0xffu);
	return sput(s, t);
}

/* One byte under a mask: a literal, any byte, or the class of bytes. */
static int put_byte(mde__buf *s, uint8_t val, uint8_t mask)
{
	int rc = 0;

	if (mask == 0xff)
		return put_hex(s, val);
	if (mask == 0)
		return sput(s, ".");
	rc |= sput(s, "[");
	for (unsigned c = 0; c < 256; c++)
		if ((c & mask) == val)
			rc |= put_hex(s, c);
	return rc | sput(s, "]");
}

static int put_bytes(mde__buf *s, const struct cl_pat *p, uint32_t off,
		     uint32_t len)
{
	int rc = 0;

	for (uint32_t i = 0; i < len && !rc; i++)
		rc = put_byte(s, p->val[off + i], p->mask[off + i]);
	return rc;
}

static int put_gap(mde__buf *s, uint32_t min, uint32_t max, bool *relaxed)
{
	char t[48];

	if (min > RELAX_GAP || (max != CL_INF && max > RELAX_GAP)) {
		*relaxed = true;
		min = 0, max = CL_INF;
	}
	if (max == CL_INF)
		snprintf(t, sizeof(t), ".{%u,}", min);
	else
		snprintf(t, sizeof(t), ".{%u,%u}", min, max);
	return sput(s, t);
}

static int put_node(mde__buf *s, const struct cl_pat *p,
		    const struct cl_node *nd, bool *relaxed)
{
	int rc = 0;
	char t[32];

	switch (nd->kind) {
	case CN_RUN:
		return put_bytes(s, p, nd->a, nd->b);
	case CN_GAP:
		return put_gap(s, nd->a, nd->b, relaxed);
	case CN_NALT:
		snprintf(t, sizeof(t), ".{%u}", nd->b);
		return sput(s, t);
	case CN_SPEC:
		return sput(s, (nd->spec & 0x7f) == 'L' ? ".{1,2}" : ".");
	}
	rc = sput(s, "(?:");
	for (uint32_t j = 0; j < nd->b && !rc; j++) {
		const struct cl_span *a = &p->alts[nd->a + j];

		rc = (j ? sput(s, "|") : 0) | put_bytes(s, p, a->off, a->len);
	}
	return rc | sput(s, ")");
}

static int put_regex(mde__buf *s, const struct cl_pat *p, bool *relaxed)
{
	int rc = 0;

	for (uint32_t i = 0; i < p->nnodes && !rc; i++)
		rc = put_node(s, p, &p->nodes[i], relaxed);
	return rc;
}

/* ---------------------------------------------------------------- atoms */

static unsigned byte_score(const struct cl_pat *p, uint32_t i, uint32_t j0)
{
	uint8_t v = p->val[i];

	if (i > j0 && v == p->val[i - 1])
		return 0;
	return v == 0 || v == 0xff || v == 0x90 || v == 0xcc || v == 0x20
		       ? 1 : 2;
}

static int atom_byte(const struct cl_pat *p, uint32_t i)
{
	return p->mask[i] == 0xff || (p->mask[i] == 0xdf && p->val[i] >= 'A' &&
				      p->val[i] <= 'Z');
}

static void atom_in_run(struct cl_pat *p, const struct cl_node *nd,
			uint64_t pmin, uint64_t pmax, unsigned *best)
{
	uint32_t j = nd->a, end = nd->a + nd->b;

	while (j < end) {
		uint32_t k = j;
		unsigned score = 0;

		for (; k < end && k - j < ATOM_MAX && atom_byte(p, k); k++)
			score += byte_score(p, k, j);
		if (k > j && score > *best) {
			*best = score;
			p->atom_off = j;
			p->atom_len = k - j;
			p->pmin = pmin + (j - nd->a);
			p->pmax = pmax + (j - nd->a);
		}
		j = k > j && k < end && atom_byte(p, k) ? k : k + 1;
	}
}

static void node_len(const struct cl_pat *p, const struct cl_node *nd,
		     uint64_t *mn, uint64_t *mx)
{
	uint32_t lo = UINT32_MAX, hi = 0;

	switch (nd->kind) {
	case CN_RUN:
	case CN_NALT:
		*mn = *mx = nd->b;
		return;
	case CN_GAP:
		*mn = nd->a;
		*mx = nd->b;
		return;
	case CN_SPEC:
		*mn = 1;
		*mx = (nd->spec & 0x7f) == 'L' ? 2 : 1;
		return;
	}
	for (uint32_t j = 0; j < nd->b; j++) {
		uint32_t l = p->alts[nd->a + j].len;

		lo = l < lo ? l : lo;
		hi = l > hi ? l : hi;
	}
	*mn = lo;
	*mx = hi;
}

static void choose_atom(struct cl_pat *p)
{
	uint64_t pmin = 0, pmax = 0, mn, mx;
	unsigned best = 0;

	for (uint32_t i = 0; i < p->head_end; i++) {
		const struct cl_node *nd = &p->nodes[i];

		if (nd->kind == CN_RUN)
			atom_in_run(p, nd, pmin, pmax, &best);
		node_len(p, nd, &mn, &mx);
		pmin += mn;
		pmax = mx == CL_INF || pmax == CL_INF ? CL_INF : pmax + mx;
	}
	p->use_atom = best >= ATOM_MIN_SCORE && p->pmax != CL_INF;
}

/* ------------------------------------------------------------- compile */

struct exprs {
	mde__buf text;
	size_t *offs;
	const char **ptrs;
	unsigned *flags, *ids;
	uint32_t *pat;   /* expression -> pattern */
	size_t n;
	uint32_t *drops; /* expressions the compile dropped, in order */
	uint32_t ndrop;
};

static int add_expr(struct exprs *e, const struct cl_pat *p, uint32_t id)
{
	bool relaxed = false;
	int rc;

	e->offs[e->n] = e->text.len;
	if (p->use_atom) {
		rc = put_bytes(&e->text, p, p->atom_off, p->atom_len);
		e->flags[e->n] = HS_FLAG_DOTALL;
		for (uint32_t i = 0; i < p->atom_len; i++)
			if (p->mask[p->atom_off + i] != 0xff)
				e->flags[e->n] |= HS_FLAG_CASELESS;
	} else {
		rc = put_regex(&e->text, p, &relaxed);
		e->flags[e->n] = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH |
				 (relaxed ? HS_FLAG_PREFILTER : 0);
	}
	if (rc || mde__buf_put(&e->text, "", 1))
		return -1;
	e->ids[e->n] = (unsigned)e->n;
	e->pat[e->n++] = id;
	return 0;
}

static void exprs_free(struct exprs *e)
{
	free(e->text.p);
	free(e->offs);
	free(e->ptrs);
	free(e->flags);
	free(e->ids);
	free(e->pat);
	free(e->drops);
}

/* Drops expression i: its signature is then evaluated on every file. */
static int drop_expr(mde__clam *c, struct exprs *e, size_t i,
		     const char *msg, mde__diag *d)
{
	struct cl_pat *p = c->pats[e->pat[i]];

	(void)msg;
	(void)d;
	if (mde__grow((void **)&c->always, &c->capalways, c->nalways + 1,
		      sizeof(*c->always)))
		return -1;
	c->always[c->nalways++] = p->sig;
	p->dropped = 1;
	memmove(&e->offs[i], &e->offs[i + 1], (e->n - i - 1) * sizeof(size_t));
	memmove(&e->pat[i], &e->pat[i + 1], (e->n - i - 1) * sizeof(uint32_t));
	memmove(&e->flags[i], &e->flags[i + 1],
		(e->n - i - 1) * sizeof(unsigned));
	e->n--;
	for (size_t k = 0; k < e->n; k++)
		e->ids[k] = (unsigned)k;
	return 0;
}

static int compile_loop(mde__clam *c, struct exprs *e, mde__diag *d,
			char *err, size_t errlen)
{
	hs_compile_error_t *cerr = NULL;
	int rc = MDE_OK;

	while (e->n) {
		for (size_t i = 0; i < e->n; i++)
			e->ptrs[i] = e->text.p + e->offs[i];
		if (hs_compile_multi(e->ptrs, e->flags, e->ids, (unsigned)e->n,
				     HS_MODE_BLOCK, NULL, &c->db,
				     &cerr) == HS_SUCCESS)
			break;
		if (cerr->expression < 0 || (size_t)cerr->expression >= e->n) {
			snprintf(err, errlen, "vectorscan: %s", cerr->message);
			rc = MDE_ERR_COMPILE;
			break;
		}
		e->drops[e->ndrop++] = (uint32_t)cerr->expression;
		if (drop_expr(c, e, (size_t)cerr->expression, cerr->message,
			      d)) {
			rc = MDE_ERR_NOMEM;
			break;
		}
		hs_free_compile_error(cerr);
		cerr = NULL;
	}
	hs_free_compile_error(cerr);
	return rc;
}

/* --------------------------------------------- the database, cached */

/* Where the database compiled from e (before drops) is kept: a key of
 * everything the compile reads, the Vectorscan and engine versions. */
static int cache_path(const mde__clam *c, const struct exprs *e,
		      char *path, size_t len)
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t k;
	uint64_t n = e->n;
	const char *v = hs_version();
	char key[33];

	if (!st)
		return -1;
	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, &n, sizeof(n));
	XXH3_128bits_update(st, e->text.p, e->text.len);
	XXH3_128bits_update(st, e->flags, e->n * sizeof(*e->flags));
	XXH3_128bits_update(st, e->pat, e->n * sizeof(*e->pat));
	XXH3_128bits_update(st, v, strlen(v) + 1);
	XXH3_128bits_update(st, MDE_ENGINE_VERSION, sizeof(MDE_ENGINE_VERSION));
	XXH128_canonicalFromHash(&k, XXH3_128bits_digest(st));
	XXH3_freeState(st);
	mde__hex(k.digest, 16, key);
	return (size_t)snprintf(path, len, "%s/clamav-%s.hs", c->cache_dir,
				key) < len ? 0 : -1;
}

/* The whole file at path, if it is a regular file of a sane size. */
static uint8_t *slurp(const char *path, size_t *n)
{
	struct stat st;
	uint8_t *p = NULL;
	size_t got = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size < (off_t)1 << 32 && (p = malloc((size_t)st.st_size)))
		while (got < (size_t)st.st_size &&
		       ((r = read(fd, p + got, (size_t)st.st_size - got)) > 0 ||
			(r < 0 && errno == EINTR)))
			got += r > 0 ? (size_t)r : 0;
	close(fd);
	if (p && got != (size_t)st.st_size) {
		free(p);
		return NULL;
	}
	*n = got;
	return p;
}

/* The database of e from the cache file: 1 when loaded (the drops made
 * again), 0 when there is none to use (nothing changed), -1 when out of
 * memory half-way. */
static int cache_load(mde__clam *c, struct exprs *e, const char *path)
{
	struct cl_hcache h;
	hs_database_t *db = NULL;
	uint32_t i, k;
	size_t n;
	uint8_t *p = slurp(path, &n);
	int rc = 0;

	if (p && cl_hcache_parse(p, n, e->n, &h) == 0 &&
	    hs_deserialize_database((const char *)h.db, h.dblen, &db) ==
		    HS_SUCCESS) {
		for (i = 0; i < h.ndrop && rc == 0; i++) {
			memcpy(&k, h.drops + 4 * (size_t)i, 4);
			rc = drop_expr(c, e, k, NULL, NULL) ? -1 : 0;
		}
		if (rc == 0) {
			c->db = db;
			c->db_cached = true;
			mde__cache_touch(path);
			rc = 1;
		} else
			hs_free_database(db);
	}
	free(p);
	return rc;
}

/* Keeps the database just compiled from e (e->n: the expressions left
 * after its drops) for the next load.  A cache: failing to write it
 * changes nothing. */
static void cache_save(const mde__clam *c, const struct exprs *e,
		       const char *path)
{
	mde__buf b = { 0 };
	char *bytes = NULL;
	size_t len = 0;

	if (hs_serialize_database(c->db, &bytes, &len) == HS_SUCCESS &&
	    cl_hcache_encode(&b, e->n, e->drops, e->ndrop, bytes, len) ==
		    MDE_OK)
		if (mde__write_atomic(path, b.p, b.len) == 0)
			mde__cache_prune(c->cache_dir, "clamav-", ".hs");
	free(bytes);
	free(b.p);
}

/* The database: from the cache when this exact compile was kept there,
 * else compiled (and kept). */
static int compile_cached(mde__clam *c, struct exprs *e, mde__diag *d,
			  char *err, size_t errlen)
{
	char path[4200];
	int rc, have = c->cache_dir && e->n &&
		       cache_path(c, e, path, sizeof(path)) == 0;

	if (have && (rc = cache_load(c, e, path)) != 0)
		rc = rc > 0 ? MDE_OK : MDE_ERR_NOMEM;
	else {
		rc = compile_loop(c, e, d, err, errlen);
		if (rc == MDE_OK && have && c->db)
			cache_save(c, e, path);
	}
	if (rc == MDE_OK && c->db &&
	    hs_alloc_scratch(c->db, &c->proto) != HS_SUCCESS)
		rc = MDE_ERR_NOMEM;
	return rc;
}

/* Leaves out of the database the patterns outside their signature's
 * trigger set; a signature without one is evaluated on every file. */
static int mark_triggers(mde__clam *c)
{
	for (size_t i = 0; i < c->nsigs; i++) {
		const struct cl_sig *sig = c->sigs[i];
		uint64_t set;

		if (sig->macro_member || !sig->logic.n || sig->always)
			continue;
		set = cl_trigger_set(sig);
		if (set == UINT64_MAX) {
			if (mde__grow((void **)&c->always, &c->capalways,
				      c->nalways + 1, sizeof(*c->always)))
				return -1;
			c->always[c->nalways++] = (uint32_t)i;
		}
		for (unsigned k = 0; k < sig->nsub; k++)
			for (unsigned v = 0; v < sig->sub[k].npat; v++)
				sig->sub[k].pat[v]->untrig = !(set >> k & 1) ||
							     set == UINT64_MAX;
	}
	return 0;
}

int cl_hs_compile(mde__clam *c, mde__diag *d, char *err, size_t errlen)
{
	struct exprs e = { 0 };
	size_t n = c->npats + 1;
	int rc = MDE_ERR_NOMEM;

	e.offs = calloc(n, sizeof(*e.offs));
	e.ptrs = calloc(n, sizeof(*e.ptrs));
	e.flags = calloc(n, sizeof(*e.flags));
	e.ids = calloc(n, sizeof(*e.ids));
	e.pat = calloc(n, sizeof(*e.pat));
	e.drops = calloc(n, sizeof(*e.drops));
	if (!e.offs || !e.ptrs || !e.flags || !e.ids || !e.pat || !e.drops)
		goto out;
	for (size_t i = 0; i < c->npats; i++)
		choose_atom(c->pats[i]);
	if (mark_triggers(c))
		goto out;
	for (size_t i = 0; i < c->npats; i++)
		if (!c->pats[i]->untrig &&
		    add_expr(&e, c->pats[i], (uint32_t)i))
			goto out;
	rc = compile_cached(c, &e, d, err, errlen);
	if (rc == MDE_OK) {
		c->expr_pat = e.pat;
		e.pat = NULL;
	}
out:
	exprs_free(&e);
	return rc;
}

/* ---------------------------------------------------------------- scan */

struct scanctx {
	const mde__clam *c;
	mde__clamscratch *s;
	int nomem;
};

static void candidate(mde__clamscratch *s, uint32_t sig)
{
	if (s->cand[sig])
		return;
	s->cand[sig] = 1;
	s->stouch[s->nstouch++] = sig;
}

static int on_match(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	struct scanctx *x = ctx;
	mde__clamscratch *s = x->s;
	uint32_t pid = x->c->expr_pat[id];
	const struct cl_pat *p = x->c->pats[pid];

	(void)from;
	(void)flags;
	if (!(s->targets & (1 << p->target)))
		return 0;
	if (s->patn[pid] == 0)
		s->ptouch[s->nptouch++] = pid;
	if (p->use_atom && s->patn[pid] < HIT_CAP) {
		if (mde__grow((void **)&s->hits, &s->caphits, s->nhits + 1,
			      sizeof(*s->hits))) {
			x->nomem = 1;
			return 1;
		}
		s->hits[s->nhits++] = (struct cl_hit){ pid, (uint32_t)to };
	}
	if (s->patn[pid] < UINT32_MAX)
		s->patn[pid]++;
	candidate(s, p->sig);
	return 0;
}

int cl_hs_scan(const mde__clam *c, mde__clamscratch *s, const uint8_t *buf,
	       size_t len)
{
	struct scanctx x = { c, s, 0 };
	hs_error_t err;

	if (!c->db || len == 0)
		return 0;
	if (!s->hs || len > UINT_MAX)
		return -1;
	err = hs_scan(c->db, (const char *)buf, (unsigned)len, 0, s->hs,
		      on_match, &x);
	if (x.nomem || (err != HS_SUCCESS && err != HS_SCAN_TERMINATED))
		return -1;
	return 0;
}

/* True when pattern pid's atom hits were all kept (else search it all). */
bool cl_hits_complete(const mde__clamscratch *s, uint32_t pid)
{
	return s->patn[pid] <= HIT_CAP;
}
