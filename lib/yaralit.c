/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaralit.c - required literals of YARA rules: which bytes every match of
 * a string must contain, and whether a condition needs a string to match.
 *
 * Strings: a text string gives its decoded bytes (UTF-16LE with "wide",
 * both forms with "ascii wide", ASCII-caseless with "nocase", each form
 * XORed with each key with "xor"); a hex string gives its longest run of
 * at least MIN_RUN fixed bytes outside alternatives, jumps and wildcards.
 * base64, regular expressions and every modifier not listed give none.
 *
 * Conditions: YARA's "or" binds loosest, then "and"; a condition needs a
 * string when every disjunct has a conjunct of a known string-requiring
 * form ($a, $a at/in ..., #a > 0, N of (...), for N of (...) : (...)),
 * and which strings it needs is its clause (below).
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

static bool tok_eq(const char *s, const mde__ytok *t, int type,
		   const char *text)
{
	size_t n = strlen(text);

	return t->t == type && t->len == n && memcmp(s + t->off, text, n) == 0;
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
	if (tok_eq(lx->s, t, MDE__YT_OP, "-")) {
		mde__ylex_next(lx, 0, t);
		if (!key_tok(lx->s, t, &md->xhi) || md->xhi < md->xlo)
			return false;
		mde__ylex_next(lx, 0, t);
	}
	return tok_eq(lx->s, t, MDE__YT_OP, ")");
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
	return tok_eq(lx->s, t, MDE__YT_OP, ")");
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
		if (t->t != MDE__YT_ID || tok_eq(lx->s, t, MDE__YT_ID, "condition"))
			return;
		bit = MOD_OTHER;
		for (k = 0; k < sizeof(name) / sizeof(name[0]); k++)
			if (name[k] && tok_eq(lx->s, t, MDE__YT_ID, name[k]))
				bit = 1u << k;
		md->m |= bit;
		if (bit == MOD_XOR) {
			md->xlo = 0;
			md->xhi = 255;
		}
		mde__ylex_next(lx, 0, t);
		if (!tok_eq(lx->s, t, MDE__YT_OP, "("))
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
			if (tok_eq(lx->s, t, MDE__YT_OP, "("))
				depth++;
			else if (tok_eq(lx->s, t, MDE__YT_OP, ")"))
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

/* ------------------------------------------------ conditions */

/*
 * A condition is read for a clause: a set of the rule's strings at least
 * one of which matches whenever the condition is true.  The literals of
 * the clause's strings are then all a rule needs in the prefilter, and
 * among the clauses a condition implies the cheapest is taken ("all of
 * them" needs its rarest string only, "8 of 10" any three, an "and" its
 * best conjunct, an "or" the union of its disjuncts' clauses).
 */
#define MAX_STR 256 /* strings a filterable rule may have */

struct sset {
	uint64_t w[MAX_STR / 64];
};

/* One string of the rule: its name (after the sigil) and literals. */
struct sdef {
	size_t name_off, name_len; /* in the rule's source */
	size_t lit0, nlit;         /* in the rule's literal list */
	double cost;               /* how likely a file holds a literal */
	bool lits;                 /* every match contains one of them */
};

/* The rule's strings, or none known (str NULL: every name and set
 * stands for one string that has literals). */
struct stab {
	const char *s;
	const struct sdef *str;
	size_t n;
};

struct clause {
	struct sset set;
	bool iter; /* also "the string a for-of loop iterates" */
};

struct ctk {
	const char *s;
	mde__ytok *tk;
	size_t n;
	const struct stab *st;
	bool in_loop; /* inside a for-of body: '$' alone is the loop's */
};

static void sset_add(struct sset *x, size_t i)
{
	x->w[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool sset_has(const struct sset *x, size_t i)
{
	return (x->w[i / 64] >> (i % 64)) & 1;
}

static void sset_or(struct sset *x, const struct sset *y)
{
	size_t k;

	for (k = 0; k < MAX_STR / 64; k++)
		x->w[k] |= y->w[k];
}

static size_t tab_n(const struct stab *st)
{
	return st->str ? st->n : 1;
}

static double str_cost(const struct stab *st, size_t i)
{
	return st->str ? st->str[i].cost : 1.0;
}

static bool str_lits(const struct stab *st, size_t i)
{
	return !st->str || st->str[i].lits;
}

/* What a clause costs: the sum of its strings' costs. */
static double clause_cost(const struct stab *st, const struct clause *cl)
{
	double c = cl->iter ? 1e9 : 0.0;
	size_t i;

	for (i = 0; i < tab_n(st); i++)
		if (sset_has(&cl->set, i))
			c += str_cost(st, i);
	return c;
}

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

/*
 * The strings the variable token at i names into *m (prefix: every string
 * whose name starts so, as $a* does).  The lone sigil inside a for-of
 * body is the loop's string: *iter.  false when it names none.
 */
static bool var_names(const struct ctk *c, size_t i, bool prefix,
		      struct sset *m, bool *iter)
{
	const mde__ytok *t = &c->tk[i];
	const char *name = c->s + t->off + 1;
	size_t len = t->len - 1, j;
	const struct sdef *d;
	bool any = false;

	if (len == 0 && !prefix) {
		*iter = c->in_loop;
		return c->in_loop;
	}
	if (!c->st->str) {
		sset_add(m, 0);
		return true;
	}
	for (j = 0; j < c->st->n; j++) {
		d = &c->st->str[j];
		if (prefix ? d->name_len >= len : d->name_len == len)
			if (memcmp(c->st->s + d->name_off, name, len) == 0) {
				sset_add(m, j);
				any = true;
			}
	}
	return any;
}

/* The clause of one string variable at i. */
static bool var_clause(const struct ctk *c, size_t i, struct clause *out)
{
	size_t j;

	memset(out, 0, sizeof(*out));
	if (!var_names(c, i, false, &out->set, &out->iter))
		return false;
	for (j = 0; j < tab_n(c->st); j++)
		if (sset_has(&out->set, j) && !str_lits(c->st, j))
			return false;
	return true;
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

/* any (0), all (UINT64_MAX) or N >= 1 (not N%) at i into *q. */
static bool quant_at(const struct ctk *c, size_t i, uint64_t *q)
{
	if (id_at(c, i, "any") || id_at(c, i, "all")) {
		*q = id_at(c, i, "any") ? 0 : UINT64_MAX;
		return true;
	}
	return num_at(c, i, q) && *q >= 1 && !op_at(c, i + 1, "%");
}

/* The end of a string set "them" or "($a, $b*, ...)" at i, or 0; its
 * strings into *m. */
static size_t set_end(const struct ctk *c, size_t i, size_t b,
		      struct sset *m)
{
	bool star, iter = false;
	size_t j;

	memset(m, 0, sizeof(*m));
	if (id_at(c, i, "them")) {
		for (j = 0; j < tab_n(c->st); j++)
			sset_add(m, j);
		return i + 1;
	}
	if (!op_at(c, i, "("))
		return 0;
	for (i++; i < b; i++) {
		if (!var_at(c, i, '$'))
			return 0;
		star = op_at(c, i + 1, "*");
		if (!var_names(c, i, star, m, &iter) || iter)
			return 0;
		i += star;
		if (op_at(c, i + 1, ")"))
			return i + 2;
		if (!op_at(c, i + 1, ","))
			return 0;
		i++;
	}
	return 0;
}

/*
 * The clause of "q of m": any needs one of all of m, all any one string
 * of m, N any |m| - N + 1 of them (of which at least one matches); the
 * cheapest strings are taken.  false when m has too few with literals.
 */
static bool quant_clause(const struct ctk *c, uint64_t q,
			 const struct sset *m, struct clause *out)
{
	const struct stab *st = c->st;
	size_t j, k, n = 0, nl = 0, need, best;
	bool used[MAX_STR] = { false };

	memset(out, 0, sizeof(*out));
	if (!st->str) { /* strings not known: m stands for some */
		sset_add(&out->set, 0);
		return true;
	}
	for (j = 0; j < tab_n(st); j++)
		if (sset_has(m, j)) {
			n++;
			nl += str_lits(st, j);
		}
	if (n == 0 || (q != UINT64_MAX && q > n))
		return false;
	need = q == 0 ? n : q == UINT64_MAX ? 1 : n - (size_t)q + 1;
	if (nl < need)
		return false;
	for (k = 0; k < need; k++) { /* the need cheapest, one at a time */
		best = SIZE_MAX;
		for (j = 0; j < tab_n(st); j++)
			if (sset_has(m, j) && str_lits(st, j) && !used[j] &&
			    (best == SIZE_MAX ||
			     str_cost(st, j) < str_cost(st, best)))
				best = j;
		used[best] = true;
		sset_add(&out->set, best);
	}
	return true;
}

/* Q of SET, optionally followed by at/in and an offset or range. */
static bool of_form(const struct ctk *c, size_t a, size_t b,
		    struct clause *out)
{
	struct sset m;
	uint64_t q;
	size_t e;

	if (!quant_at(c, a, &q) || !id_at(c, a + 1, "of"))
		return false;
	e = set_end(c, a + 2, b, &m);
	if (e == 0 || e > b)
		return false;
	if (e != b && !((id_at(c, e, "at") || id_at(c, e, "in")) &&
			plain_tail(c, e + 1, b)))
		return false;
	return quant_clause(c, q, &m, out);
}

static bool cl_expr(struct ctk *c, size_t a, size_t b, int depth,
		    struct clause *out);

/*
 * for Q of SET : ( BODY ) where BODY has a clause.  A clause of the loop's
 * string stands for the quantified set, as in "Q of SET"; one of other
 * strings holds as it is (the body is true for at least one string); both
 * together need one of the whole set or of those.
 */
static bool for_form(struct ctk *c, size_t a, size_t b, int depth,
		     struct clause *out)
{
	struct clause body;
	struct sset m;
	uint64_t q;
	size_t e, j;
	bool loop = c->in_loop, ok;

	if (!quant_at(c, a + 1, &q) || !id_at(c, a + 2, "of"))
		return false;
	e = set_end(c, a + 3, b, &m);
	if (e == 0 || !op_at(c, e, ":") || !op_at(c, e + 1, "(") ||
	    close_paren(c, e + 1, b) != b - 1)
		return false;
	c->in_loop = true;
	ok = cl_expr(c, e + 2, b - 1, depth + 1, &body);
	c->in_loop = loop;
	if (!ok)
		return false;
	if (!body.iter) {
		*out = body;
		return true;
	}
	for (j = 0; j < MAX_STR / 64; j++)
		if (body.set.w[j])
			break;
	if (j == MAX_STR / 64)
		return quant_clause(c, q, &m, out);
	if (!quant_clause(c, 0, &m, out))
		return false;
	sset_or(&out->set, &body.set);
	return true;
}

static bool cl_conj(struct ctk *c, size_t a, size_t b, int depth,
		    struct clause *out)
{
	if (a >= b)
		return false;
	if (op_at(c, a, "(") && close_paren(c, a, b) == b - 1)
		return cl_expr(c, a + 1, b - 1, depth + 1, out);
	if (var_at(c, a, '$') && (b - a == 1 ||
	    ((id_at(c, a + 1, "at") || id_at(c, a + 1, "in")) &&
	     plain_tail(c, a + 2, b))))
		return var_clause(c, a, out);
	if (var_at(c, a, '#'))
		return count_form(c, a, b) && var_clause(c, a, out);
	if (id_at(c, a, "for"))
		return for_form(c, a, b, depth, out);
	return of_form(c, a, b, out);
}

/* How token i changes the bracket depth: 1 opens, -1 closes, else 0. */
static long nesting(const struct ctk *c, size_t i)
{
	if (op_at(c, i, "(") || op_at(c, i, "["))
		return 1;
	return op_at(c, i, ")") || op_at(c, i, "]") ? -1 : 0;
}

/* The cheapest clause of a conjunct of [a, b) (no top-level "or"). */
static bool cl_and(struct ctk *c, size_t a, size_t b, int depth,
		   struct clause *out)
{
	struct clause x;
	size_t i, start = a;
	long d = 0;
	bool found = false;

	for (i = a; i <= b; i++) {
		if (i < b) {
			d += nesting(c, i);
			if (d != 0 || !id_at(c, i, "and"))
				continue;
		}
		if (cl_conj(c, start, i, depth, &x) &&
		    (!found || clause_cost(c->st, &x) <
			       clause_cost(c->st, out))) {
			*out = x;
			found = true;
		}
		start = i + 1;
	}
	return found;
}

/* The union of the clauses of every disjunct of [a, b); false if one
 * has none. */
static bool cl_expr(struct ctk *c, size_t a, size_t b, int depth,
		    struct clause *out)
{
	struct clause x;
	size_t i, start = a;
	long d = 0;

	memset(out, 0, sizeof(*out));
	if (depth > MAX_DEPTH || a >= b)
		return false;
	for (i = a; i <= b; i++) {
		if (i < b) {
			d += nesting(c, i);
			if (d < 0)
				return false;
			if (d != 0 || !id_at(c, i, "or"))
				continue;
		} else if (d != 0) {
			return false;
		}
		if (!cl_and(c, start, i, depth, &x))
			return false;
		sset_or(&out->set, &x.set);
		out->iter |= x.iter;
		start = i + 1;
	}
	return true;
}

/* The clause of the condition cond[0..len) over the strings st. */
static bool cond_clause(const char *cond, size_t len, const struct stab *st,
			struct clause *out)
{
	mde__ylex lx = { cond, len, 0 };
	struct ctk c = { cond, NULL, 0, st, false };
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
	ok = cl_expr(&c, 0, c.n, 0, out) && !out->iter;
out:
	free(c.tk);
	return ok;
}

bool mde__ycond_needs_string(const char *cond, size_t len)
{
	struct stab st = { cond, NULL, 0 };
	struct clause cl;

	return cond_clause(cond, len, &st, &cl);
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
static int section_strings(mde__ylex *lx, struct sdef *d, size_t *n,
			   mde__ylits *ls)
{
	mde__ytok t, v;
	size_t k;
	struct mods md;
	int rc;

	*n = 0;
	mde__ylex_next(lx, 0, &t);
	while (t.t == MDE__YT_VAR && lx->s[t.off] == '$') {
		if (*n == MAX_STR)
			return 0;
		d[*n].name_off = t.off + 1;
		d[*n].name_len = t.len - 1;
		mde__ylex_next(lx, 0, &v);
		if (!tok_eq(lx->s, &v, MDE__YT_OP, "="))
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
	return *n > 0 && tok_eq(lx->s, &t, MDE__YT_ID, "condition");
}

/* Appends the literals of the strings of cl to out; -1 out of memory. */
static int put_clause(const mde__ylits *ls, const struct sdef *d, size_t n,
		      const struct clause *cl, mde__ylits *out)
{
	const mde__ylit *l;
	size_t j, k;

	for (j = 0; j < n; j++) {
		if (!sset_has(&cl->set, j))
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
	struct sdef *d;
	struct stab st = { src, NULL, 0 };
	struct clause cl;
	size_t n0 = out->n, p0 = out->plen;
	int rc = 0;

	if (r->cond_off < r->off || !find_strings(&lx))
		return 0;
	d = malloc(MAX_STR * sizeof(*d));
	if (!d)
		return -1;
	rc = section_strings(&lx, d, &st.n, &ls);
	if (rc == 1) {
		st.str = d;
		rc = cond_clause(src + r->cond_off, r->cond_len, &st, &cl);
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
