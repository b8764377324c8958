/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaralit.c - required literals of YARA rules: which bytes every match of
 * a string must contain, and whether a condition needs a string to match.
 *
 * Strings: a text string gives its decoded bytes (UTF-16LE with "wide",
 * both forms with "ascii wide", ASCII-caseless with "nocase"); a hex
 * string gives its longest run of at least MIN_RUN fixed bytes outside
 * alternatives, jumps and wildcards.  xor, base64, regular expressions
 * and every modifier not listed give none.
 *
 * Conditions: YARA's "or" binds loosest, then "and"; a condition needs a
 * string when every disjunct has a conjunct of a known string-requiring
 * form ($a, $a at/in ..., #a > 0, N of (...), for N of (...) : (...)).
 * Every loop consumes a token or byte and recursion is bounded by
 * MAX_DEPTH, so hostile text costs linear time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "yaralit.h"
#include "banned.h"

#define MAX_DEPTH 8
#define MIN_RUN 3 /* fixed bytes a hex string needs to be filterable */

enum {
	MOD_ASCII = 1, MOD_WIDE = 2, MOD_NOCASE = 4, MOD_FULLWORD = 8,
	MOD_PRIVATE = 16, MOD_OTHER = 32
};

void mde__ylits_release(mde__ylits *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->pool);
	memset(l, 0, sizeof(*l));
}

/* Appends p[0..n) (as UTF-16LE when wide); -1 when out of memory. */
static int lit_push(mde__ylits *l, const uint8_t *p, size_t n, bool wide,
		    bool caseless)
{
	size_t need = wide ? 2 * n : n, i;
	uint8_t *d;

	if (mde__grow((void **)&l->pool, &l->pcap, l->plen + need, 1) != 0 ||
	    mde__grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) != 0)
		return -1;
	d = l->pool + l->plen;
	for (i = 0; i < n; i++) {
		if (wide) {
			d[2 * i] = p[i];
			d[2 * i + 1] = 0;
		} else {
			d[i] = p[i];
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

static bool tok_eq(const char *s, const mde__ytok *t, int type,
		   const char *text)
{
	size_t n = strlen(text);

	return t->t == type && t->len == n && memcmp(s + t->off, text, n) == 0;
}

/* Reads modifiers; *t is left on the first token that is not one. */
static unsigned read_mods(mde__ylex *lx, mde__ytok *t)
{
	static const char *const name[] = { "ascii", "wide", "nocase",
					    "fullword", "private" };
	unsigned m = 0, k, bit;

	for (;;) {
		mde__ylex_next(lx, 0, t);
		if (t->t != MDE__YT_ID || tok_eq(lx->s, t, MDE__YT_ID, "condition"))
			return m;
		bit = MOD_OTHER;
		for (k = 0; k < 5; k++)
			if (tok_eq(lx->s, t, MDE__YT_ID, name[k]))
				bit = 1u << k;
		m |= bit;
		if (bit == MOD_OTHER)
			return m; /* its arguments are not modifiers */
	}
}

/* The literals of value token v with modifiers m: 1, 0 or -1. */
static int value_lits(const char *s, const mde__ytok *v, unsigned m,
		      mde__ylits *out)
{
	uint8_t *buf = malloc(v->len + 1);
	size_t n = 0, n0 = out->n, p0 = out->plen;
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
	if (!ok) {
		rc = 0;
		goto out;
	}
	if ((!(m & MOD_WIDE) || (m & MOD_ASCII)) &&
	    lit_push(out, buf, n, false, nc) != 0)
		goto out;
	if ((m & MOD_WIDE) && lit_push(out, buf, n, true, nc) != 0)
		goto out;
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
	unsigned m;

	mde__ylex_next(&lx, MDE__YM_RE | MDE__YM_HEX, &v);
	m = read_mods(&lx, &t);
	if (t.t != MDE__YT_EOF)
		return 0;
	return value_lits(def, &v, m, out);
}

/* ------------------------------------------------ conditions */

struct ctk {
	const char *s;
	mde__ytok *tk;
	size_t n;
};

static bool op_at(const struct ctk *c, size_t i, const char *op)
{
	return i < c->n && tok_eq(c->s, &c->tk[i], MDE__YT_OP, op);
}

static bool id_at(const struct ctk *c, size_t i, const char *id)
{
	return i < c->n && tok_eq(c->s, &c->tk[i], MDE__YT_ID, id);
}

/* A $ (or #) variable at i: named or anonymous. */
static bool var_at(const struct ctk *c, size_t i, char sigil)
{
	return i < c->n && c->tk[i].t == MDE__YT_VAR &&
	       c->s[c->tk[i].off] == sigil;
}

static bool num_at(const struct ctk *c, size_t i, uint64_t *v)
{
	return i < c->n && c->tk[i].t == MDE__YT_NUM &&
	       mde__ynum_value(c->s + c->tk[i].off, c->tk[i].len, v);
}

/* Index of the ')' closing the '(' at a, or b if none before b. */
static size_t close_paren(const struct ctk *c, size_t a, size_t b)
{
	long d = 0;
	size_t i;

	for (i = a; i < b; i++) {
		if (op_at(c, i, "(") || op_at(c, i, "["))
			d++;
		else if ((op_at(c, i, ")") || op_at(c, i, "]")) && --d == 0)
			return i;
	}
	return b;
}

/* A token of an arithmetic offset or range after "at" or "in". */
static bool plain_tok(const struct ctk *c, size_t i)
{
	static const char *const ops[] = { "(", ")", "[", "]", ".", "+", "-",
					   "*", "\\", "%", ",", "..", "&",
					   "|", "^", "~", "<<", ">>" };
	static const char *const ids[] = {
		"and", "or", "not", "of", "for", "at", "in", "all", "any",
		"none", "them", "matches", "contains", "icontains",
		"startswith", "istartswith", "endswith", "iendswith",
		"iequals", "defined", "true", "false"
	};
	size_t k;

	switch (c->tk[i].t) {
	case MDE__YT_NUM:
		return true;
	case MDE__YT_VAR:
		return !var_at(c, i, '$');
	case MDE__YT_ID:
		for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
			if (id_at(c, i, ids[k]))
				return false;
		return true;
	case MDE__YT_OP:
		for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
			if (op_at(c, i, ops[k]))
				return true;
		return false;
	default:
		return false;
	}
}

static bool plain_tail(const struct ctk *c, size_t a, size_t b)
{
	size_t i;

	if (a >= b)
		return false;
	for (i = a; i < b; i++)
		if (!plain_tok(c, i))
			return false;
	return true;
}

/* #a > 0, #a >= k, #a == k (k >= 1) over [a, b). */
static bool count_form(const struct ctk *c, size_t a, size_t b)
{
	uint64_t v;

	if (b - a != 3 || !num_at(c, a + 2, &v))
		return false;
	if (op_at(c, a + 1, ">"))
		return true;
	return (op_at(c, a + 1, ">=") || op_at(c, a + 1, "==")) && v >= 1;
}

/* any, all or N >= 1 (not N%) at i. */
static bool quant_at(const struct ctk *c, size_t i)
{
	uint64_t v;

	if (id_at(c, i, "any") || id_at(c, i, "all"))
		return true;
	return num_at(c, i, &v) && v >= 1 && !op_at(c, i + 1, "%");
}

/* The end of a string set "them" or "($a, $b*, ...)" at i, or 0. */
static size_t set_end(const struct ctk *c, size_t i, size_t b)
{
	if (id_at(c, i, "them"))
		return i + 1;
	if (!op_at(c, i, "("))
		return 0;
	for (i++; i < b; i++) {
		if (!var_at(c, i, '$'))
			return 0;
		if (op_at(c, i + 1, "*"))
			i++;
		if (op_at(c, i + 1, ")"))
			return i + 2;
		if (!op_at(c, i + 1, ","))
			return 0;
		i++;
	}
	return 0;
}

/* Q of SET, optionally followed by at/in and an offset or range. */
static bool of_form(const struct ctk *c, size_t a, size_t b)
{
	size_t e;

	if (!quant_at(c, a) || !id_at(c, a + 1, "of"))
		return false;
	e = set_end(c, a + 2, b);
	if (e == 0 || e > b)
		return false;
	if (e == b)
		return true;
	return (id_at(c, e, "at") || id_at(c, e, "in")) &&
	       plain_tail(c, e + 1, b);
}

static bool need_expr(const struct ctk *c, size_t a, size_t b, int depth);

/* for Q of SET : ( BODY ) where BODY needs a string. */
static bool for_form(const struct ctk *c, size_t a, size_t b, int depth)
{
	size_t e;

	if (!quant_at(c, a + 1) || !id_at(c, a + 2, "of"))
		return false;
	e = set_end(c, a + 3, b);
	if (e == 0 || !op_at(c, e, ":") || !op_at(c, e + 1, "(") ||
	    close_paren(c, e + 1, b) != b - 1)
		return false;
	return need_expr(c, e + 2, b - 1, depth + 1);
}

static bool need_conj(const struct ctk *c, size_t a, size_t b, int depth)
{
	if (a >= b)
		return false;
	if (op_at(c, a, "(") && close_paren(c, a, b) == b - 1)
		return need_expr(c, a + 1, b - 1, depth + 1);
	if (b - a == 1)
		return var_at(c, a, '$');
	if (var_at(c, a, '$'))
		return (id_at(c, a + 1, "at") || id_at(c, a + 1, "in")) &&
		       plain_tail(c, a + 2, b);
	if (var_at(c, a, '#'))
		return count_form(c, a, b);
	if (id_at(c, a, "for"))
		return for_form(c, a, b, depth);
	return of_form(c, a, b);
}

/* Whether some conjunct of [a, b) (no top-level "or") needs a string. */
static bool need_and(const struct ctk *c, size_t a, size_t b, int depth)
{
	size_t i, start = a;
	long d = 0;

	for (i = a; i < b; i++) {
		if (op_at(c, i, "(") || op_at(c, i, "["))
			d++;
		else if (op_at(c, i, ")") || op_at(c, i, "]"))
			d--;
		if (d != 0 || !id_at(c, i, "and"))
			continue;
		if (need_conj(c, start, i, depth))
			return true;
		start = i + 1;
	}
	return need_conj(c, start, b, depth);
}

/* Whether every disjunct of [a, b) needs a string. */
static bool need_expr(const struct ctk *c, size_t a, size_t b, int depth)
{
	size_t i, start = a;
	long d = 0;

	if (depth > MAX_DEPTH || a >= b)
		return false;
	for (i = a; i < b; i++) {
		if (op_at(c, i, "(") || op_at(c, i, "["))
			d++;
		else if (op_at(c, i, ")") || op_at(c, i, "]"))
			d--;
		if (d < 0)
			return false;
		if (d != 0 || !id_at(c, i, "or"))
			continue;
		if (!need_and(c, start, i, depth))
			return false;
		start = i + 1;
	}
	return d == 0 && need_and(c, start, b, depth);
}

bool mde__ycond_needs_string(const char *cond, size_t len)
{
	mde__ylex lx = { cond, len, 0 };
	struct ctk c = { cond, NULL, 0 };
	mde__ytok t;
	bool prev_matches = false, ok = false;

	c.tk = malloc((len + 1) * sizeof(*c.tk));
	if (!c.tk)
		return false;
	for (;;) {
		mde__ylex_next(&lx, prev_matches ? MDE__YM_RE : 0, &t);
		if (t.t == MDE__YT_EOF)
			break;
		if (t.t == MDE__YT_BAD)
			goto out;
		prev_matches = tok_eq(cond, &t, MDE__YT_ID, "matches");
		c.tk[c.n++] = t;
	}
	ok = need_expr(&c, 0, c.n, 0);
out:
	free(c.tk);
	return ok;
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
		if (!tok_eq(lx->s, &t, MDE__YT_ID, "strings"))
			continue;
		mde__ylex_next(lx, 0, &t);
		if (tok_eq(lx->s, &t, MDE__YT_OP, ":"))
			return true;
	}
}

/* The strings section's literals: 1 all literal, 0 not, -1 no memory. */
static int section_lits(mde__ylex *lx, mde__ylits *out)
{
	mde__ytok t, v;
	size_t nstr = 0;
	unsigned m;
	int rc;

	mde__ylex_next(lx, 0, &t);
	while (t.t == MDE__YT_VAR && lx->s[t.off] == '$') {
		mde__ylex_next(lx, 0, &v);
		if (!tok_eq(lx->s, &v, MDE__YT_OP, "="))
			return 0;
		mde__ylex_next(lx, MDE__YM_RE | MDE__YM_HEX, &v);
		m = read_mods(lx, &t);
		rc = value_lits(lx->s, &v, m, out);
		if (rc != 1)
			return rc;
		nstr++;
	}
	return nstr > 0 && tok_eq(lx->s, &t, MDE__YT_ID, "condition");
}

int mde__yrule_lits(const char *src, const mde__yrule *r, mde__ylits *out)
{
	mde__ylex lx = { src, r->cond_off, r->off };
	size_t n0 = out->n, p0 = out->plen;
	int rc;

	if (r->cond_off < r->off ||
	    !mde__ycond_needs_string(src + r->cond_off, r->cond_len) ||
	    !find_strings(&lx))
		return 0;
	rc = section_lits(&lx, out);
	if (rc != 1) {
		out->n = n0;
		out->plen = p0;
	}
	return rc;
}
