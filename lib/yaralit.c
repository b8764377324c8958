/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaralit.c - required literals of YARA rules: which bytes every match of
 * a string must contain, and which of a rule's strings its prefilter needs.
 *
 * Strings: a text string gives its decoded bytes (UTF-16LE with "wide",
 * both forms with "ascii wide", ASCII-caseless with "nocase", each form
 * XORed with each key with "xor", the texts YARA searches for with
 * "base64" and "base64wide"); a hex string gives its longest run of at
 * least MIN_RUN fixed bytes outside alternatives, jumps and wildcards.
 * Regular expressions and every modifier not listed give none.
 *
 * Rules: the strings section is read into the strings' literals, and the
 * condition's clause (yaraclause.c) says which strings' literals a rule
 * needs.  Every loop consumes a token or byte, so hostile text costs
 * linear time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "yaralit.h"
#include "yaraclause.h"
#include "banned.h"

#define MIN_RUN 3 /* fixed bytes a hex string needs to be filterable */

enum {
	MOD_ASCII = 1, MOD_WIDE = 2, MOD_NOCASE = 4, MOD_FULLWORD = 8,
	MOD_PRIVATE = 16, MOD_OTHER = 32, MOD_XOR = 64, MOD_B64 = 128,
	MOD_B64WIDE = 256
};

/*
 * A string with xor matches the string's bytes (after wide, when wide)
 * each XORed with one key of a range (xor: 0-255), so it has a literal per
 * key; past MAX_XOR_LITS for one string it is given none.
 */
#define MAX_XOR_LITS 512

/* What the modifiers of a string say. */
struct mods {
	unsigned m;       /* MOD_* */
	unsigned xlo, xhi; /* the xor keys, with MOD_XOR */
	uint8_t alpha[64]; /* the base64 alphabet, with MOD_B64* */
};

static const char b64_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void mde__ylits_release(mde__ylits *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->pool);
	memset(l, 0, sizeof(*l));
}

/* Appends p[0..n) (as UTF-16LE when wide), every byte XORed with key;
 * -1 when out of memory. */
static int lit_push_xor(mde__ylits *l, const uint8_t *p, size_t n,
			bool wide, bool caseless, uint8_t key)
{
	size_t need = wide ? 2 * n : n, i;
	uint8_t *d;

	if (mde__grow((void **)&l->pool, &l->pcap, l->plen + need, 1) != 0 ||
	    mde__grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) != 0)
		return -1;
	d = l->pool + l->plen;
	for (i = 0; i < n; i++) {
		if (wide) {
			d[2 * i] = p[i] ^ key;
			d[2 * i + 1] = key;
		} else {
			d[i] = p[i] ^ key;
		}
	}
	l->v[l->n].off = l->plen;
	l->v[l->n].len = need;
	l->v[l->n].caseless = caseless;
	l->n++;
	l->plen += need;
	return 0;
}


static bool hexd(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static unsigned hexv(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* Decodes the "..." token p[0..len) into buf; false on an odd escape. */
static bool text_bytes(const char *p, size_t len, uint8_t *buf, size_t *n)
{
	size_t i = 1, end = len - 1, w = 0;
	char c;

	while (i < end) {
		c = p[i++];
		if (c != '\\') {
			buf[w++] = (uint8_t)c;
			continue;
		}
		c = i < end ? p[i++] : '\0';
		if (c == 't' || c == 'n' || c == 'r')
			buf[w++] = c == 't' ? '\t' : c == 'n' ? '\n' : '\r';
		else if (c == '"' || c == '\\')
			buf[w++] = (uint8_t)c;
		else if (c == 'x' && i + 1 < end && hexd(p[i]) && hexd(p[i + 1])) {
			buf[w++] = (uint8_t)(hexv(p[i]) << 4 | hexv(p[i + 1]));
			i += 2;
		} else
			return false;
	}
	*n = w;
	return w > 0;
}

/* Skips a comment at p[*i] inside a hex string; false if unterminated. */
static bool hex_comment(const char *p, size_t end, size_t *i)
{
	if (p[*i + 1] == '/') {
		while (*i < end && p[*i] != '\n')
			(*i)++;
		return true;
	}
	for (*i += 2; *i + 1 < end; (*i)++)
		if (p[*i] == '*' && p[*i + 1] == '/') {
			*i += 2;
			return true;
		}
	return false;
}

/* One non-byte token of a hex string at p[*i]; false if unknown. */
static bool hex_other(const char *p, size_t end, size_t *i, long *depth)
{
	char c = p[(*i)++];

	if (c == '(')
		(*depth)++;
	else if (c == ')')
		return --(*depth) >= 0;
	else if (c == '|')
		return *depth > 0;
	else if (c == '[') {
		while (*i < end && p[*i] != ']')
			(*i)++;
		return (*i)++ < end;
	} else if (c != '?' && c != '~' && !hexd(c))
		return false;
	return true;
}

struct run {
	size_t w, start, best, blen; /* bytes written, run start, best run */
	bool neg;                    /* the next byte follows '~' */
};

static void run_byte(struct run *r, uint8_t *buf, uint8_t b, long depth)
{
	if (depth != 0 || r->neg) {
		r->start = r->w;
		r->neg = false;
		return;
	}
	buf[r->w++] = b;
	if (r->w - r->start > r->blen) {
		r->best = r->start;
		r->blen = r->w - r->start;
	}
}

/*
 * The longest run of fixed top-level bytes of the { hex } token p[0..len)
 * into buf[0..*n); false when there is none of MIN_RUN bytes.
 */
static bool hex_run(const char *p, size_t len, uint8_t *buf, size_t *n)
{
	struct run r = { 0 };
	size_t i = 1, end = len - 1;
	long depth = 0;
	char c;

	while (i < end) {
		c = p[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			i++;
		} else if (c == '/' && i + 1 < end &&
			   (p[i + 1] == '/' || p[i + 1] == '*')) {
			if (!hex_comment(p, end, &i))
				return false;
		} else if (hexd(c) && i + 1 < end && hexd(p[i + 1])) {
			run_byte(&r, buf, (uint8_t)(hexv(c) << 4 | hexv(p[i + 1])),
				 depth);
			i += 2;
		} else {
			r.start = r.w;
			r.neg = c == '~';
			if (!hex_other(p, end, &i, &depth))
				return false;
		}
	}
	if (depth != 0 || r.blen < MIN_RUN)
		return false;
	memmove(buf, buf + r.best, r.blen);
	*n = r.blen;
	return true;
}

/* A number token 0..255 into *v. */
static bool key_tok(const char *s, const mde__ytok *t, unsigned *v)
{
	uint64_t x;

	if (t->t != MDE__YT_NUM || !mde__ynum_value(s + t->off, t->len, &x) ||
	    x > 255)
		return false;
	*v = (unsigned)x;
	return true;
}

/*
 * The keys of xor's arguments: "(k)" or "(lo-hi)"; *t is on '(' and is
 * left on ')'.  false for any other form.
 */
static bool xor_keys(mde__ylex *lx, mde__ytok *t, struct mods *md)
{
	mde__ylex_next(lx, 0, t);
	if (!key_tok(lx->s, t, &md->xlo))
		return false;
	md->xhi = md->xlo;
	mde__ylex_next(lx, 0, t);
	if (mde__ytok_is(lx->s, t, MDE__YT_OP, "-")) {
		mde__ylex_next(lx, 0, t);
		if (!key_tok(lx->s, t, &md->xhi) || md->xhi < md->xlo)
			return false;
		mde__ylex_next(lx, 0, t);
	}
	return mde__ytok_is(lx->s, t, MDE__YT_OP, ")");
}

/*
 * The alphabet argument of base64 or base64wide: ("64 characters"); *t is
 * on '(' and is left on ')'.  false for any other form.
 */
static bool b64_alphabet(mde__ylex *lx, mde__ytok *t, struct mods *md)
{
	uint8_t buf[256];
	size_t n = 0;

	mde__ylex_next(lx, 0, t);
	if (t->t != MDE__YT_STR || t->len > sizeof(buf) ||
	    !text_bytes(lx->s + t->off, t->len, buf, &n) || n != 64)
		return false;
	memcpy(md->alpha, buf, 64);
	mde__ylex_next(lx, 0, t);
	return mde__ytok_is(lx->s, t, MDE__YT_OP, ")");
}

/*
 * Reads modifiers into *md, skipping the (arguments) of others
 * (base64("...")); *t is left on the first token that is not one.
 */
static void read_mods(mde__ylex *lx, mde__ytok *t, struct mods *md)
{
	static const char *const name[] = { "ascii", "wide", "nocase",
					    "fullword", "private", NULL,
					    "xor", "base64", "base64wide" };
	unsigned k, bit;
	long depth;

	memset(md, 0, sizeof(*md));
	memcpy(md->alpha, b64_std, 64);
	mde__ylex_next(lx, 0, t);
	for (;;) {
		if (t->t != MDE__YT_ID || mde__ytok_is(lx->s, t, MDE__YT_ID, "condition"))
			return;
		bit = MOD_OTHER;
		for (k = 0; k < sizeof(name) / sizeof(name[0]); k++)
			if (name[k] && mde__ytok_is(lx->s, t, MDE__YT_ID, name[k]))
				bit = 1u << k;
		md->m |= bit;
		if (bit == MOD_XOR) {
			md->xlo = 0;
			md->xhi = 255;
		}
		mde__ylex_next(lx, 0, t);
		if (!mde__ytok_is(lx->s, t, MDE__YT_OP, "("))
			continue;
		if (bit == MOD_XOR) {
			if (!xor_keys(lx, t, md)) {
				md->m |= MOD_OTHER; /* and t not a modifier */
				return;
			}
			mde__ylex_next(lx, 0, t);
			continue;
		}
		if (bit == MOD_B64 || bit == MOD_B64WIDE) {
			if (!b64_alphabet(lx, t, md)) {
				md->m |= MOD_OTHER;
				return;
			}
			mde__ylex_next(lx, 0, t);
			continue;
		}
		for (depth = 1; depth > 0;) {
			mde__ylex_next(lx, 0, t);
			if (t->t == MDE__YT_EOF || t->t == MDE__YT_BAD)
				return;
			if (mde__ytok_is(lx->s, t, MDE__YT_OP, "("))
				depth++;
			else if (mde__ytok_is(lx->s, t, MDE__YT_OP, ")"))
				depth--;
		}
		mde__ylex_next(lx, 0, t);
	}
}

/*
 * The three texts YARA's base64 modifier searches for p[0..n): for each
 * of 0, 1 and 2 bytes before it, the encoding (alphabet a) less the
 * characters those bytes and the bytes after it change (lead i + 1 when
 * i > 0, pad + 1 when the encoding is padded), as UTF-16LE when wide.
 * 0 when one of them is empty.
 */
static int b64_forms(const uint8_t *p, size_t n, const uint8_t *a,
		     bool wide, mde__ylits *out)
{
	uint8_t *in = malloc(n + 2), *enc = malloc((n + 2) / 3 * 4 + 4);
	size_t i, j, w, len, pad, lead, trail;
	uint32_t g;
	int rc = -1;

	if (!in || !enc)
		goto out;
	for (i = 0; i <= 2; i++) {
		memset(in, 'A', i); /* any bytes: their characters are cut */
		memcpy(in + i, p, n);
		len = n + i;
		for (j = w = 0; j < len; j += 3) {
			g = (uint32_t)in[j] << 16;
			if (j + 1 < len)
				g |= (uint32_t)in[j + 1] << 8;
			if (j + 2 < len)
				g |= in[j + 2];
			enc[w++] = a[g >> 18 & 63];
			enc[w++] = a[g >> 12 & 63];
			enc[w++] = j + 1 < len ? a[g >> 6 & 63] : '=';
			enc[w++] = j + 2 < len ? a[g & 63] : '=';
		}
		pad = len % 3 ? 3 - len % 3 : 0;
		lead = i ? i + 1 : 0;
		trail = pad ? pad + 1 : 0;
		if (w <= lead + trail) {
			rc = 0;
			goto out;
		}
		if (lit_push_xor(out, enc + lead, w - lead - trail, wide, false,
				 0) != 0)
			goto out;
	}
	rc = 1;
out:
	free(in);
	free(enc);
	return rc;
}

/*
 * The literals of a base64 or base64wide string p[0..n): the forms of
 * its ascii and (with wide) UTF-16LE bytes, each as base64 and/or
 * base64wide.  1, 0 or -1.
 */
static int b64_lits(const uint8_t *p, size_t n, const struct mods *md,
		    mde__ylits *out)
{
	uint8_t *w = malloc(2 * n + 1);
	size_t i;
	int rc = 1, form;

	if (!w)
		return -1;
	for (i = 0; i < n; i++) {
		w[2 * i] = p[i];
		w[2 * i + 1] = 0;
	}
	for (form = 0; form < 2 && rc == 1; form++) {
		if (form == 0 && !(!(md->m & MOD_WIDE) || (md->m & MOD_ASCII)))
			continue;
		if (form == 1 && !(md->m & MOD_WIDE))
			continue;
		if (md->m & MOD_B64)
			rc = b64_forms(form ? w : p, form ? 2 * n : n,
				       md->alpha, false, out);
		if (rc == 1 && (md->m & MOD_B64WIDE))
			rc = b64_forms(form ? w : p, form ? 2 * n : n,
				       md->alpha, true, out);
	}
	free(w);
	return rc;
}

/* The literals of value token v with modifiers md: 1, 0 or -1. */
static int value_lits(const char *s, const mde__ytok *v,
		      const struct mods *md, mde__ylits *out)
{
	uint8_t *buf = malloc(v->len + 1);
	size_t n = 0, n0 = out->n, p0 = out->plen;
	unsigned m = md->m, key, lo = 0, hi = 0, forms;
	bool ok = false, nc = m & MOD_NOCASE;
	int rc = -1;

	if (!buf)
		return -1;
	if (m & MOD_OTHER)
		ok = false;
	else if (v->t == MDE__YT_STR)
		ok = text_bytes(s + v->off, v->len, buf, &n);
	else if (v->t == MDE__YT_HEX && !(m & ~(unsigned)MOD_PRIVATE))
		ok = hex_run(s + v->off, v->len, buf, &n);
	if (m & (MOD_B64 | MOD_B64WIDE)) {
		rc = ok && v->t == MDE__YT_STR &&
		     !(m & (MOD_NOCASE | MOD_FULLWORD | MOD_XOR))
			     ? b64_lits(buf, n, md, out) : 0;
		goto out;
	}
	if (m & MOD_XOR) {
		lo = md->xlo;
		hi = md->xhi;
		forms = (m & MOD_WIDE) && (m & MOD_ASCII) ? 2 : 1;
		ok = ok && v->t == MDE__YT_STR && !nc &&
		     (hi - lo + 1) * forms <= MAX_XOR_LITS;
	}
	if (!ok) {
		rc = 0;
		goto out;
	}
	for (key = lo; key <= hi; key++) {
		if ((!(m & MOD_WIDE) || (m & MOD_ASCII)) &&
		    lit_push_xor(out, buf, n, false, nc, (uint8_t)key) != 0)
			goto out;
		if ((m & MOD_WIDE) &&
		    lit_push_xor(out, buf, n, true, nc, (uint8_t)key) != 0)
			goto out;
	}
	rc = 1;
out:
	if (rc != 1) {
		out->n = n0;
		out->plen = p0;
	}
	free(buf);
	return rc;
}

int mde__ystring_lits(const char *def, size_t len, mde__ylits *out)
{
	mde__ylex lx = { def, len, 0 };
	mde__ytok v, t;
	struct mods md;

	mde__ylex_next(&lx, MDE__YM_RE | MDE__YM_HEX, &v);
	read_mods(&lx, &t, &md);
	if (t.t != MDE__YT_EOF)
		return 0;
	return value_lits(def, &v, &md, out);
}

/* ------------------------------------------------ rules */

/* Moves lx past "strings:"; false if the rule has no strings section. */
static bool find_strings(mde__ylex *lx)
{
	mde__ytok t;

	for (;;) {
		mde__ylex_next(lx, 0, &t);
		if (t.t == MDE__YT_EOF || t.t == MDE__YT_BAD)
			return false;
		if (!mde__ytok_is(lx->s, &t, MDE__YT_ID, "strings"))
			continue;
		mde__ylex_next(lx, 0, &t);
		if (mde__ytok_is(lx->s, &t, MDE__YT_OP, ":"))
			return true;
	}
}

/*
 * How likely a file holds literal l: rarer the longer it is; a short
 * plain word ("return", "http") is common, caseless ones more so.  Only
 * the choice among a condition's clauses depends on it.
 */
static double lit_cost(const mde__ylits *ls, const mde__ylit *l)
{
	const uint8_t *p = ls->pool + l->off;
	size_t i, alpha = 0;
	double c = 1.0 / ((double)l->len * (double)l->len);

	for (i = 0; i < l->len; i++)
		alpha += (p[i] >= 'a' && p[i] <= 'z') ||
			 (p[i] >= 'A' && p[i] <= 'Z') || p[i] == ' ' ||
			 p[i] == '/' || p[i] == ':' || p[i] == '.' ||
			 p[i] == 0;
	if (alpha == l->len && l->len <= 12)
		c *= 8;
	return l->caseless ? c * 2 : c;
}

/*
 * The strings section into d[0..*n) with their literals in ls: 1 when
 * read, 0 when it cannot be (too many strings, a form not known), -1
 * when out of memory.
 */
static int section_strings(mde__ylex *lx, struct mde__ysdef *d, size_t *n,
			   mde__ylits *ls)
{
	mde__ytok t, v;
	size_t k;
	struct mods md;
	int rc;

	*n = 0;
	mde__ylex_next(lx, 0, &t);
	while (t.t == MDE__YT_VAR && lx->s[t.off] == '$') {
		if (*n == MDE__YMAXSTR)
			return 0;
		d[*n].name_off = t.off + 1;
		d[*n].name_len = t.len - 1;
		mde__ylex_next(lx, 0, &v);
		if (!mde__ytok_is(lx->s, &v, MDE__YT_OP, "="))
			return 0;
		mde__ylex_next(lx, MDE__YM_RE | MDE__YM_HEX, &v);
		if (v.t != MDE__YT_STR && v.t != MDE__YT_HEX &&
		    v.t != MDE__YT_RE)
			return 0;
		read_mods(lx, &t, &md);
		d[*n].lit0 = ls->n;
		rc = value_lits(lx->s, &v, &md, ls);
		if (rc < 0)
			return -1;
		d[*n].nlit = ls->n - d[*n].lit0;
		d[*n].lits = rc == 1;
		d[*n].cost = 0;
		for (k = d[*n].lit0; k < ls->n; k++)
			d[*n].cost += lit_cost(ls, &ls->v[k]);
		(*n)++;
	}
	return *n > 0 && mde__ytok_is(lx->s, &t, MDE__YT_ID, "condition");
}

/* Appends the literals of the strings of cl to out; -1 out of memory. */
static int put_clause(const mde__ylits *ls, const struct mde__ysdef *d, size_t n,
		      const struct mde__yclause *cl, mde__ylits *out)
{
	const mde__ylit *l;
	size_t j, k;

	for (j = 0; j < n; j++) {
		if (!mde__ysset_has(&cl->set, j))
			continue;
		for (k = d[j].lit0; k < d[j].lit0 + d[j].nlit; k++) {
			l = &ls->v[k];
			if (mde__grow((void **)&out->pool, &out->pcap,
				      out->plen + l->len, 1) != 0 ||
			    mde__grow((void **)&out->v, &out->cap, out->n + 1,
				      sizeof(*out->v)) != 0)
				return -1;
			memcpy(out->pool + out->plen, ls->pool + l->off,
			       l->len);
			out->v[out->n] = *l;
			out->v[out->n++].off = out->plen;
			out->plen += l->len;
		}
	}
	return 0;
}

int mde__yrule_lits(const char *src, const mde__yrule *r, mde__ylits *out)
{
	mde__ylex lx = { src, r->cond_off, r->off };
	mde__ylits ls = { 0 };
	struct mde__ysdef *d;
	struct mde__ystab st = { src, NULL, 0 };
	struct mde__yclause cl;
	size_t n0 = out->n, p0 = out->plen;
	int rc = 0;

	if (r->cond_off < r->off || !find_strings(&lx))
		return 0;
	d = malloc(MDE__YMAXSTR * sizeof(*d));
	if (!d)
		return -1;
	rc = section_strings(&lx, d, &st.n, &ls);
	if (rc == 1) {
		st.str = d;
		rc = mde__ycond_clause(src + r->cond_off, r->cond_len, &st, &cl);
		if (rc == 1 && put_clause(&ls, d, st.n, &cl, out) != 0)
			rc = -1;
	}
	if (rc != 1) {
		out->n = n0;
		out->plen = p0;
	}
	mde__ylits_release(&ls);
	free(d);
	return rc;
}
