/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exclude.c - the exclusion matcher: mdatp-style path patterns, folders
 * and file extensions (semantics in exclude.h).
 *
 * A path pattern is kept normalised ("/a/b*", no repeated or trailing
 * '/') with the length of its literal prefix.  Since neither '*' (except
 * at the end, where it may absorb anything) nor '?' crosses '/', a
 * pattern of k components can only match the first k components of a
 * path; every rule therefore reduces to "the first k components match",
 * plus whether the path has more components than that.  Components are
 * matched by an iterative glob with one backtrack point, so the cost is
 * at most pattern length times component length, never exponential.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exclude.h"
#include "banned.h"

#define EXT_MIN_SLOTS 16

struct rule {
	bool f_self;  /* a file matching the whole pattern is excluded */
	bool f_below; /* a file below a matching directory is excluded */
	bool d_self;  /* a matching directory (and all below) is excluded */
	bool utf8;    /* pat is valid UTF-8: '?' and '*' step by character */
	size_t k;     /* number of components */
	size_t lit;   /* length of the literal prefix of pat */
	size_t len;
	char pat[];   /* normalised, NUL terminated */
};

struct ext {
	uint32_t hash;
	size_t len;
	char *s; /* NULL: free slot */
};

/* The first bytes of a rule's literal prefix, as one word: a path that
 * differs there cannot match, which rejects most rules in one compare. */
struct pre {
	uint64_t w, mask;
};

struct mde_exclusions {
	struct rule **rules;
	struct pre *pre; /* parallel to rules */
	size_t nrules, cap;
	struct ext *exts; /* open addressing, power-of-two size */
	size_t next, extslots;
	size_t ext_maxlen;
};

mde__excl *mde__excl_new(void)
{
	return calloc(1, sizeof(mde__excl));
}

void mde__excl_free(mde__excl *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->nrules; i++)
		free(x->rules[i]);
	for (i = 0; i < x->extslots; i++)
		free(x->exts[i].s);
	free(x->rules);
	free(x->pre);
	free(x->exts);
	free(x);
}

bool mde__excl_empty(const mde__excl *x)
{
	return !x || (x->nrules == 0 && x->next == 0);
}

/* ------------------------------------------------------------ matching */

/* Length of the character at s[0..n), n > 0: a valid UTF-8 sequence,
 * or else a single byte.  '/' is never part of a longer character. */
static size_t ulen(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 1;
	if (s[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 1;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return len;
}

/* Length of the next character: see ulen, or one byte if !u8. */
static size_t step(const char *s, size_t n, bool u8)
{
	return u8 ? ulen(s, n) : 1;
}

/*
 * Glob-matches one pattern component p[0..pl) against one path component
 * s[0..sl), character by character (bytes if !u8).  Both are split into
 * characters from their start, so a literal character matches only the
 * same whole character.  Only the last '*' seen is a backtrack point: a
 * later mismatch retries from one character further along, which is
 * enough because '*' matches any run.
 */
static bool glob_comp(const char *p, size_t pl, const char *s, size_t sl,
		      bool u8)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0, a, b;

	while (si < sl) {
		if (pi < pl && p[pi] == '*') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < pl && p[pi] == '?') {
			pi++;
			si += step(s + si, sl - si, u8);
			continue;
		}
		if (pi < pl) {
			a = step(p + pi, pl - pi, u8);
			b = step(s + si, sl - si, u8);
			if (a == b && memcmp(p + pi, s + si, a) == 0) {
				pi += a;
				si += b;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		star_s += step(s + star_s, sl - star_s, u8);
		si = star_s;
		pi = star_p;
	}
	while (pi < pl && p[pi] == '*')
		pi++;
	return pi == pl;
}

/* End of the component starting at s[i], within s[0..n). */
static size_t comp_end(const char *s, size_t i, size_t n)
{
	const char *e = i < n ? memchr(s + i, '/', n - i) : NULL;

	return e ? (size_t)(e - s) : n;
}

/* Wildcard rule: do the first r->k components of p[0..n) match? */
static bool match_glob(const struct rule *r, const char *p, size_t n,
		       bool *more)
{
	size_t pi = 1, si = 1, pe, se, c;

	if (n < r->lit || memcmp(p, r->pat, r->lit) != 0)
		return false;
	for (c = 0; c < r->k; c++) {
		if (si >= n)
			return false; /* p has fewer components */
		pe = comp_end(r->pat, pi, r->len);
		se = comp_end(p, si, n);
		if (!glob_comp(r->pat + pi, pe - pi, p + si, se - si,
			       r->utf8))
			return false;
		pi = pe + 1;
		si = se + 1;
	}
	*more = si < n;
	return true;
}

/*
 * Does rule r match path p[0..n) (p absolute, n > 0, no trailing '/'
 * unless p is "/")?  On a match *more says whether p has components
 * beyond the k the rule matched (p lies below the matching directory).
 */
static bool rule_match(const struct rule *r, const char *p, size_t n,
		       bool *more)
{
	if (r->k == 0) { /* the root */
		*more = n > 1;
		return true;
	}
	if (r->lit < r->len)
		return match_glob(r, p, n, more);
	if (n < r->len || memcmp(p, r->pat, r->len) != 0)
		return false;
	if (n == r->len) {
		*more = false;
		return true;
	}
	*more = true;
	return p[r->len] == '/';
}

/* Trims one trailing '/'; false if p is not absolute. */
static bool path_ok(const char *p, size_t *n)
{
	if (!p || *n == 0 || p[0] != '/')
		return false;
	if (*n > 1 && p[*n - 1] == '/')
		(*n)--;
	return true;
}

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Slot of extension s[0..n) with hash h: its own, or the free one where
 * it would go (the table is never full). */
static size_t ext_slot(const struct ext *tab, size_t slots, const char *s,
		       size_t n, uint32_t h)
{
	size_t i = h & (slots - 1);

	while (tab[i].s && (tab[i].hash != h || tab[i].len != n ||
			    memcmp(tab[i].s, s, n) != 0))
		i = (i + 1) & (slots - 1);
	return i;
}

/* Last c in s[0..n), or NULL (memrchr is a GNU extension). */
static const char *last_byte(const char *s, char c, size_t n)
{
	while (n > 0)
		if (s[--n] == c)
			return s + n;
	return NULL;
}

/* Is the extension of the last component of p[0..n) excluded? */
static bool ext_match(const mde__excl *x, const char *p, size_t n)
{
	const char *base = last_byte(p, '/', n), *dot;
	size_t bl;

	base = base ? base + 1 : p;
	bl = n - (size_t)(base - p);
	while (bl > 0 && *base == '.') { /* ".bashrc" has no extension */
		base++;
		bl--;
	}
	dot = last_byte(base, '.', bl);
	if (!dot)
		return false;
	dot++;
	bl -= (size_t)(dot - base);
	if (bl == 0 || bl > x->ext_maxlen)
		return false;
	return x->exts[ext_slot(x->exts, x->extslots, dot, bl,
				hash_bytes(dot, bl))].s != NULL;
}

/* The first (up to) 8 bytes of s[0..n) as a word, zero padded. */
static uint64_t word(const char *s, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, s, n < sizeof(w) ? n : sizeof(w));
	return w;
}

bool mde__excl_file(const mde__excl *x, const char *p, size_t n)
{
	uint64_t w;
	size_t i;
	bool more;

	if (mde__excl_empty(x) || !path_ok(p, &n))
		return false;
	if (x->next && ext_match(x, p, n))
		return true;
	w = word(p, n);
	for (i = 0; i < x->nrules; i++) {
		const struct rule *r = x->rules[i];

		if (((w ^ x->pre[i].w) & x->pre[i].mask) != 0)
			continue;
		if (rule_match(r, p, n, &more) &&
		    (more ? r->f_below : r->f_self))
			return true;
	}
	return false;
}

bool mde__excl_dir(const mde__excl *x, const char *p, size_t n)
{
	uint64_t w;
	size_t i;
	bool more;

	if (mde__excl_empty(x) || !path_ok(p, &n))
		return false;
	w = word(p, n);
	for (i = 0; i < x->nrules; i++) {
		const struct rule *r = x->rules[i];

		if (((w ^ x->pre[i].w) & x->pre[i].mask) != 0)
			continue;
		if (r->d_self && rule_match(r, p, n, &more))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------- adding */

/*
 * Copies pattern s into out (room for strlen(s) + 1) with repeated '/'
 * collapsed and one trailing '/' dropped (not from "/").  Sets *folder
 * if there was a trailing '/'.  Returns the length, or 0 if a component
 * is "." or "..".
 */
static size_t normalise(const char *s, char *out, bool *folder)
{
	size_t o = 0, cs = 1;

	for (; *s; s++) {
		if (*s == '/' && o > 0 && out[o - 1] == '/')
			continue;
		out[o++] = *s;
	}
	*folder = o > 1 && out[o - 1] == '/';
	if (*folder)
		o--;
	out[o] = '\0';
	while (cs < o) { /* reject "." and ".." components */
		size_t ce = comp_end(out, cs, o);

		if ((ce - cs == 1 && out[cs] == '.') ||
		    (ce - cs == 2 && out[cs] == '.' && out[cs + 1] == '.'))
			return 0;
		cs = ce + 1;
	}
	return o;
}

/* Appends r and its prefix word; x is unchanged on failure. */
static int push_rule(mde__excl *x, struct rule *r)
{
	struct rule **nr;
	struct pre *np;
	size_t cap;

	if (x->nrules == x->cap) {
		cap = x->cap ? x->cap * 2 : 8;
		nr = realloc(x->rules, cap * sizeof(*nr));
		if (!nr)
			return MDE_ERR_NOMEM;
		x->rules = nr;
		np = realloc(x->pre, cap * sizeof(*np));
		if (!np)
			return MDE_ERR_NOMEM;
		x->pre = np;
		x->cap = cap;
	}
	x->pre[x->nrules].w = word(r->pat, r->lit);
	x->pre[x->nrules].mask = word("\xff\xff\xff\xff\xff\xff\xff\xff",
				      r->lit);
	x->rules[x->nrules++] = r;
	return MDE_OK;
}

/* Is s[0..n) valid UTF-8? */
static bool valid_utf8(const char *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		l = ulen(s + i, n - i);
		if (l == 1 && (unsigned char)s[i] >= 0x80)
			return false;
		i += l;
	}
	return true;
}

/* Sets what r excludes (see exclude.h) from its kind and shape. */
static void rule_modes(struct rule *r, mde_excl_kind kind, bool folder)
{
	size_t i;

	r->lit = strcspn(r->pat, "*?");
	r->utf8 = valid_utf8(r->pat, r->len);
	r->k = 0;
	for (i = 1; i < r->len; i++)
		r->k += r->pat[i] == '/';
	r->k += r->len > 1;
	if (kind == MDE_EXCL_DIR || folder) {
		r->f_below = r->d_self = true;
	} else if (r->lit == r->len || r->pat[r->len - 1] == '*') {
		r->f_self = r->f_below = r->d_self = true;
	} else {
		r->f_self = true;
	}
}

static int add_path(mde__excl *x, mde_excl_kind kind, const char *pattern)
{
	size_t n = strlen(pattern);
	struct rule *r;
	bool folder;
	int rc;

	if (pattern[0] != '/')
		return MDE_ERR_ARG;
	r = calloc(1, sizeof(*r) + n + 1);
	if (!r)
		return MDE_ERR_NOMEM;
	r->len = normalise(pattern, r->pat, &folder);
	if (r->len == 0) {
		rc = MDE_ERR_ARG;
		goto out;
	}
	rule_modes(r, kind, folder);
	rc = push_rule(x, r);
	if (rc == MDE_OK)
		r = NULL;
out:
	free(r);
	return rc;
}

/* Doubles the extension table (or creates it). */
static int ext_grow(mde__excl *x)
{
	size_t slots = x->extslots ? x->extslots * 2 : EXT_MIN_SLOTS, i;
	struct ext *tab = calloc(slots, sizeof(*tab));

	if (!tab)
		return MDE_ERR_NOMEM;
	for (i = 0; i < x->extslots; i++) {
		const struct ext *e = &x->exts[i];

		if (e->s)
			tab[ext_slot(tab, slots, e->s, e->len, e->hash)] = *e;
	}
	free(x->exts);
	x->exts = tab;
	x->extslots = slots;
	return MDE_OK;
}

static int add_ext(mde__excl *x, const char *s)
{
	size_t n;
	uint32_t h;
	struct ext *e;

	if (s[0] == '*' && s[1] == '.')
		s += 2;
	else if (s[0] == '.')
		s++;
	n = strlen(s);
	if (n == 0 || strpbrk(s, "/.*?"))
		return MDE_ERR_ARG;
	if ((x->next + 1) * 2 > x->extslots && ext_grow(x) != MDE_OK)
		return MDE_ERR_NOMEM;
	h = hash_bytes(s, n);
	e = &x->exts[ext_slot(x->exts, x->extslots, s, n, h)];
	if (e->s)
		return MDE_OK; /* already there */
	e->s = malloc(n + 1);
	if (!e->s)
		return MDE_ERR_NOMEM;
	memcpy(e->s, s, n + 1);
	e->len = n;
	e->hash = h;
	x->next++;
	if (n > x->ext_maxlen)
		x->ext_maxlen = n;
	return MDE_OK;
}

int mde__excl_add(mde__excl *x, mde_excl_kind kind, const char *pattern)
{
	if (!x || !pattern || !pattern[0])
		return MDE_ERR_ARG;
	switch (kind) {
	case MDE_EXCL_PATH:
	case MDE_EXCL_DIR:
		return add_path(x, kind, pattern);
	case MDE_EXCL_EXT:
		return add_ext(x, pattern);
	}
	return MDE_ERR_ARG;
}

/* ------------------------------------------------- the public set */

mde_exclusions *mde_exclusions_new(void)
{
	return mde__excl_new();
}

void mde_exclusions_free(mde_exclusions *x)
{
	mde__excl_free(x);
}

int mde_exclusions_add(mde_exclusions *x, mde_excl_kind kind,
		       const char *pattern)
{
	return mde__excl_add(x, kind, pattern);
}

int mde_exclusions_match(const mde_exclusions *x, const char *path)
{
	return x && path && mde__excl_file(x, path, strlen(path));
}
