/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yarasel.c - YARA rule pre-selection: a small lexer over rule sources, a
 * splitter into rules and a classifier of their conditions.
 *
 * The lexer knows just enough of YARA to find where each rule starts and
 * ends and where its condition is: comments, "strings" with escapes,
 * /regexes/ (after '=' in a strings section and after "matches"), and
 * { hex strings }.  Anything else it does not expect makes the whole
 * source "whole" (kept together in every rule subset).  Every loop
 * consumes at least one byte or token, and the only recursion (into
 * parenthesised conjuncts) is bounded by MAX_DEPTH, so hostile text costs
 * linear time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "yarasel.h"
#include "banned.h"

#define MAX_DEPTH 8 /* parenthesised conjuncts looked into */
#define MAX_LOOPVARS 16
#define FOR_WINDOW 16 /* tokens between "for" and "in"/"of"/":" */

/* token types and what an opening '/' or '{' starts (yarasel.h) */
#define T_EOF MDE__YT_EOF
#define T_ID MDE__YT_ID
#define T_VAR MDE__YT_VAR
#define T_NUM MDE__YT_NUM
#define T_STR MDE__YT_STR
#define T_RE MDE__YT_RE
#define T_HEX MDE__YT_HEX
#define T_OP MDE__YT_OP
#define T_BAD MDE__YT_BAD
#define M_RE MDE__YM_RE
#define M_HEX MDE__YM_HEX

struct tok {
	int t;
	size_t off, len;
};

struct lex {
	const char *s;
	size_t n, pos;
};

static bool is_id0(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_id(char c)
{
	return is_id0(c) || (c >= '0' && c <= '9');
}

static bool is_hexd(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static char peekc(const struct lex *lx, size_t k)
{
	return lx->pos + k < lx->n ? lx->s[lx->pos + k] : '\0';
}

/* Skips one comment at pos; false if it is unterminated. */
static bool skip_comment(struct lex *lx)
{
	if (peekc(lx, 1) == '/') {
		while (lx->pos < lx->n && lx->s[lx->pos] != '\n')
			lx->pos++;
		return true;
	}
	lx->pos += 2;
	while (lx->pos + 1 < lx->n &&
	       !(lx->s[lx->pos] == '*' && lx->s[lx->pos + 1] == '/'))
		lx->pos++;
	if (lx->pos + 1 >= lx->n)
		return false;
	lx->pos += 2;
	return true;
}

/* Skips blanks and comments; false on an unterminated comment. */
static bool skip_space(struct lex *lx)
{
	char c;

	while (lx->pos < lx->n) {
		c = lx->s[lx->pos];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v')
			lx->pos++;
		else if (c == '/' && (peekc(lx, 1) == '/' || peekc(lx, 1) == '*')) {
			if (!skip_comment(lx))
				return false;
		} else
			break;
	}
	return true;
}

/* "..." or /.../flags from pos; the closing quote must be on the line. */
static int lex_quoted(struct lex *lx, char q)
{
	char c;

	lx->pos++;
	while (lx->pos < lx->n) {
		c = lx->s[lx->pos];
		if (c == '\n')
			return T_BAD;
		if (c == '\\') {
			lx->pos += 2;
			continue;
		}
		lx->pos++;
		if (c != q)
			continue;
		if (q == '/')
			while (lx->pos < lx->n && is_id(lx->s[lx->pos]))
				lx->pos++;
		return q == '/' ? T_RE : T_STR;
	}
	lx->pos = lx->n;
	return T_BAD;
}

/* { hex } from pos, comments allowed inside. */
static int lex_hex(struct lex *lx)
{
	char c;

	lx->pos++;
	while (lx->pos < lx->n) {
		c = lx->s[lx->pos];
		if (c == '/' && (peekc(lx, 1) == '/' || peekc(lx, 1) == '*')) {
			if (!skip_comment(lx))
				return T_BAD;
			continue;
		}
		lx->pos++;
		if (c == '}')
			return T_HEX;
		if (c == '{' || c == '"')
			return T_BAD;
	}
	return T_BAD;
}

static int lex_num(struct lex *lx)
{
	if (peekc(lx, 0) == '0' && (peekc(lx, 1) == 'x' || peekc(lx, 1) == 'o')) {
		lx->pos += 2;
		while (lx->pos < lx->n && is_hexd(lx->s[lx->pos]))
			lx->pos++;
	} else {
		while (lx->pos < lx->n && is_id(lx->s[lx->pos]) &&
		       lx->s[lx->pos] <= '9')
			lx->pos++;
		if (peekc(lx, 0) == '.' && peekc(lx, 1) >= '0' &&
		    peekc(lx, 1) <= '9') {
			lx->pos++;
			while (lx->pos < lx->n && lx->s[lx->pos] >= '0' &&
			       lx->s[lx->pos] <= '9')
				lx->pos++;
		}
	}
	if ((peekc(lx, 0) == 'K' || peekc(lx, 0) == 'M') &&
	    peekc(lx, 1) == 'B' && !is_id(peekc(lx, 2)))
		lx->pos += 2;
	return T_NUM;
}

static int lex_op(struct lex *lx)
{
	static const char *const two[] = { "==", "!=", "<=", ">=",
					   "<<", ">>", ".." };
	size_t i;

	for (i = 0; i < sizeof(two) / sizeof(two[0]); i++)
		if (peekc(lx, 0) == two[i][0] && peekc(lx, 1) == two[i][1]) {
			lx->pos += 2;
			return T_OP;
		}
	lx->pos++;
	return T_OP;
}

/* The next token; mode says whether '/' and '{' open a regex or hex. */
static void lex_next(struct lex *lx, int mode, struct tok *t)
{
	char c;

	t->len = 0;
	if (!skip_space(lx)) {
		t->off = lx->n;
		t->t = T_BAD;
		return;
	}
	t->off = lx->pos;
	if (lx->pos >= lx->n) {
		t->t = T_EOF;
		return;
	}
	c = lx->s[lx->pos];
	if (is_id0(c)) {
		while (lx->pos < lx->n && is_id(lx->s[lx->pos]))
			lx->pos++;
		t->t = T_ID;
	} else if ((c == '$' || c == '#' || c == '@' ||
		    (c == '!' && peekc(lx, 1) != '='))) {
		lx->pos++;
		while (lx->pos < lx->n && is_id(lx->s[lx->pos]))
			lx->pos++;
		t->t = T_VAR;
	} else if (c >= '0' && c <= '9') {
		t->t = lex_num(lx);
	} else if (c == '"') {
		t->t = lex_quoted(lx, '"');
	} else if (c == '/' && (mode & M_RE)) {
		t->t = lex_quoted(lx, '/');
	} else if (c == '{' && (mode & M_HEX)) {
		t->t = lex_hex(lx);
	} else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
		lx->pos++;
		t->t = T_BAD;
	} else {
		t->t = lex_op(lx);
	}
	t->len = lx->pos - t->off;
}

static bool tok_is(const char *s, const struct tok *t, int type,
		   const char *text)
{
	size_t n = strlen(text);

	return t->t == type && t->len == n && memcmp(s + t->off, text, n) == 0;
}

void mde__ylex_next(mde__ylex *lx, int mode, mde__ytok *t)
{
	struct lex l = { lx->s, lx->n, lx->pos };
	struct tok k;

	lex_next(&l, mode, &k);
	lx->pos = l.pos;
	t->t = k.t;
	t->off = k.off;
	t->len = k.len;
}

/* ------------------------------------------------ condition classifier */

struct cond {
	const char *s;
	struct tok *tk;
	size_t n;
	unsigned imports;
};

static const char *const keywords[] = {
	"and", "or", "not", "all", "any", "none", "them", "of", "for", "in",
	"at", "entrypoint", "filesize", "true", "false", "matches",
	"contains", "icontains", "startswith", "istartswith", "endswith",
	"iendswith", "iequals", "defined", "KB", "MB", "int8", "int16",
	"int32", "uint8", "uint16", "uint32", "int8be", "int16be",
	"int32be", "uint8be", "uint16be", "uint32be",
	/* mdescan's external variables */
	"filename", "filepath", "extension", "filetype", "owner"
};

static bool is_keyword(const char *s, const struct tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (tok_is(s, t, T_ID, keywords[i]))
			return true;
	return false;
}

static bool op_is(const struct cond *c, size_t i, const char *op)
{
	return i < c->n && tok_is(c->s, &c->tk[i], T_OP, op);
}

static bool id_is(const struct cond *c, size_t i, const char *id)
{
	return i < c->n && tok_is(c->s, &c->tk[i], T_ID, id);
}

static bool same_text(const struct cond *c, size_t i, const struct tok *t)
{
	return c->tk[i].len == t->len &&
	       memcmp(c->s + c->tk[i].off, c->s + t->off, t->len) == 0;
}

/* Collects the variables of the loop at "for" tok i; false if odd. */
static bool loop_vars(const struct cond *c, size_t i, struct tok *vars,
		      size_t *nvars)
{
	size_t j;

	for (j = i + 1; j < c->n && j <= i + FOR_WINDOW; j++) {
		if (id_is(c, j, "in") || id_is(c, j, "of") || op_is(c, j, ":"))
			return true;
		if (c->tk[j].t != T_ID || is_keyword(c->s, &c->tk[j]))
			continue;
		if (*nvars == MAX_LOOPVARS)
			return false;
		vars[(*nvars)++] = c->tk[j];
	}
	return false;
}

/*
 * Whether the condition may refer to other rules: a bare identifier that
 * is not a keyword, a loop variable, a module (followed by '.') or an
 * external, and any "name*" followed by ')' or ',' (a rule wildcard).
 */
static bool has_refs(const struct cond *c)
{
	struct tok vars[MAX_LOOPVARS];
	size_t nvars = 0, i, k;
	bool known;

	for (i = 0; i < c->n; i++) {
		if (c->tk[i].t == T_BAD)
			return true;
		if (c->tk[i].t != T_ID || (i > 0 && op_is(c, i - 1, ".")))
			continue;
		if (id_is(c, i, "for") && !loop_vars(c, i, vars, &nvars))
			return true;
		if (is_keyword(c->s, &c->tk[i]) || op_is(c, i + 1, "."))
			continue;
		if (op_is(c, i + 1, "*") &&
		    (op_is(c, i + 2, ")") || op_is(c, i + 2, ",")))
			return true;
		known = false;
		for (k = 0; k < nvars && !known; k++)
			known = same_text(c, i, &vars[k]);
		if (!known)
			return true;
	}
	return false;
}

bool mde__ynum_value(const char *p, size_t n, uint64_t *v)
{
	size_t k = 0;
	uint64_t base = 10, d, mul = 1, x = 0;

	if (n > 2 && p[n - 1] == 'B' && (p[n - 2] == 'K' || p[n - 2] == 'M')) {
		mul = p[n - 2] == 'K' ? 1024 : 1048576;
		n -= 2;
	}
	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'o')) {
		base = p[1] == 'x' ? 16 : 8;
		k = 2;
	}
	if (k == n)
		return false;
	for (; k < n; k++) {
		if (!is_hexd(p[k]))
			return false;
		d = p[k] <= '9' ? (uint64_t)(p[k] - '0')
				: (uint64_t)((p[k] | 0x20) - 'a' + 10);
		if (d >= base || x > (UINT64_C(0x7fffffffffffffff) - d) / base)
			return false;
		x = x * base + d;
	}
	if (x > UINT64_C(0x7fffffffffffffff) / mul)
		return false;
	*v = x * mul;
	return true;
}

/* Parses the integer literal at token i; false if not one. */
static bool num_value(const struct cond *c, size_t i, uint64_t *v)
{
	if (i >= c->n || c->tk[i].t != T_NUM)
		return false;
	return mde__ynum_value(c->s + c->tk[i].off, c->tk[i].len, v);
}

static void cls_all(mde__ycls *k)
{
	k->classes = MDE__YC_ALL;
	k->lo = 0;
	k->hi = UINT64_MAX;
	k->refs = false;
}

/* filesize OP N, or N OP filesize, over tokens [a, a+3). */
static bool match_size(const struct cond *c, size_t a, size_t b,
		       mde__ycls *k)
{
	static const char *const ops[] = { "<", "<=", ">", ">=", "==" };
	static const char *const rev[] = { ">", ">=", "<", "<=", "==" };
	uint64_t v;
	size_t i;
	int op = -1;

	if (b - a != 3)
		return false;
	for (i = 0; i < 5 && op < 0; i++) {
		if (id_is(c, a, "filesize") && op_is(c, a + 1, ops[i]) &&
		    num_value(c, a + 2, &v))
			op = (int)i;
		else if (id_is(c, a + 2, "filesize") &&
			 op_is(c, a + 1, rev[i]) && num_value(c, a, &v))
			op = (int)i;
	}
	if (op < 0)
		return false;
	if ((op == 0 && v == 0) || (op == 2 && v == UINT64_MAX))
		k->classes = 0;
	else if (op == 0)
		k->hi = v - 1;
	else if (op == 1)
		k->hi = v;
	else if (op == 2)
		k->lo = v + 1;
	else if (op == 3)
		k->lo = v;
	else
		k->lo = k->hi = v;
	return true;
}

/* Classes a file starting with the nb bytes p can be in. */
static unsigned prefix_classes(const uint8_t *p, size_t nb)
{
	static const uint8_t mz[2] = { 'M', 'Z' };
	static const uint8_t elf[4] = { 0x7f, 'E', 'L', 'F' };
	unsigned cl = 0;

	if (memcmp(p, mz, nb < 2 ? nb : 2) == 0)
		cl |= MDE__YC_MZ;
	if (memcmp(p, elf, nb < 4 ? nb : 4) == 0)
		cl |= MDE__YC_ELF;
	if (!(nb >= 2 && memcmp(p, mz, 2) == 0) &&
	    !(nb >= 4 && memcmp(p, elf, 4) == 0))
		cl |= MDE__YC_OTHER;
	return cl;
}

/* Width of an uintN[be] function name in bytes (0 if not one). */
static size_t uint_width(const struct cond *c, size_t i, bool *be)
{
	static const char *const fn[] = { "uint8", "uint16", "uint32",
					  "uint8be", "uint16be", "uint32be" };
	size_t k;

	for (k = 0; k < 6; k++)
		if (id_is(c, i, fn[k])) {
			*be = k >= 3;
			return (size_t)1 << (k % 3);
		}
	return 0;
}

/* uintN(0) == V, or V == uintN(0), over tokens [a, a+6). */
static bool match_magic(const struct cond *c, size_t a, size_t b,
			mde__ycls *k)
{
	uint8_t p[4];
	uint64_t v, z;
	size_t w, f = a, i;
	bool be = false;

	if (b - a != 6)
		return false;
	if (!num_value(c, a + 5, &v) || !op_is(c, a + 4, "==")) {
		if (!num_value(c, a, &v) || !op_is(c, a + 1, "=="))
			return false;
		f = a + 2;
	}
	w = uint_width(c, f, &be);
	if (!w || !op_is(c, f + 1, "(") || !num_value(c, f + 2, &z) ||
	    z != 0 || !op_is(c, f + 3, ")") || (w < 8 && v >> (8 * w)))
		return false;
	for (i = 0; i < w; i++)
		p[be ? w - 1 - i : i] = (uint8_t)(v >> (8 * i));
	k->classes = prefix_classes(p, w);
	return true;
}

/* pe.is_pe, pe.is_32bit(), ... ; elf.type, elf.type == X, ... */
static bool match_module(const struct cond *c, size_t a, size_t b,
			 mde__ycls *k)
{
	static const char *const pefn[] = { "is_32bit", "is_64bit",
					    "is_dll" };
	size_t i;

	if ((c->imports & MDE__YI_PE) && id_is(c, a, "pe") &&
	    op_is(c, a + 1, ".")) {
		if (b - a == 3 && id_is(c, a + 2, "is_pe"))
			goto pe;
		for (i = 0; i < 3; i++)
			if (b - a == 5 && id_is(c, a + 2, pefn[i]) &&
			    op_is(c, a + 3, "(") && op_is(c, a + 4, ")"))
				goto pe;
		return false;
	}
	if (!(c->imports & MDE__YI_ELF) || !id_is(c, a, "elf") ||
	    !op_is(c, a + 1, ".") ||
	    !(id_is(c, a + 2, "type") || id_is(c, a + 2, "machine")))
		return false;
	if (b - a == 3)
		goto elf;
	if (!op_is(c, a + 3, "==") && !op_is(c, a + 3, "!="))
		return false;
	if ((b - a == 5 && c->tk[a + 4].t == T_NUM) ||
	    (b - a == 7 && id_is(c, a + 4, "elf") && op_is(c, a + 5, ".") &&
	     c->tk[a + 6].t == T_ID))
		goto elf;
	return false;
pe:
	k->classes = MDE__YC_MZ;
	return true;
elf:
	k->classes = MDE__YC_ELF;
	return true;
}

static void cls_and(mde__ycls *r, const mde__ycls *k)
{
	r->classes &= k->classes;
	if (k->lo > r->lo)
		r->lo = k->lo;
	if (k->hi < r->hi)
		r->hi = k->hi;
}

static void classify_expr(const struct cond *c, size_t a, size_t b,
			  int depth, mde__ycls *r);

/* Index of the ')' closing the '(' at a, or b if none before b. */
static size_t close_paren(const struct cond *c, size_t a, size_t b)
{
	long d = 0;
	size_t i;

	for (i = a; i < b; i++) {
		if (op_is(c, i, "(") || op_is(c, i, "["))
			d++;
		else if ((op_is(c, i, ")") || op_is(c, i, "]")) && --d == 0)
			return i;
	}
	return b;
}

static void classify_conj(const struct cond *c, size_t a, size_t b,
			  int depth, mde__ycls *k)
{
	cls_all(k);
	if (b - a >= 2 && op_is(c, a, "(") && close_paren(c, a, b) == b - 1) {
		classify_expr(c, a + 1, b - 1, depth + 1, k);
		return;
	}
	if (!match_size(c, a, b, k) && !match_magic(c, a, b, k))
		match_module(c, a, b, k);
}

/* Intersects the conjuncts of [a, b); any top-level "or": no constraint. */
static void classify_expr(const struct cond *c, size_t a, size_t b,
			  int depth, mde__ycls *r)
{
	mde__ycls k;
	size_t i, start = a;
	long d = 0;

	cls_all(r);
	if (depth > MAX_DEPTH || a >= b)
		return;
	for (i = a; i < b; i++) {
		if (op_is(c, i, "(") || op_is(c, i, "["))
			d++;
		else if (op_is(c, i, ")") || op_is(c, i, "]"))
			d--;
		if (d < 0 || (d == 0 && id_is(c, i, "or")))
			goto none;
		if (d != 0 || !id_is(c, i, "and"))
			continue;
		classify_conj(c, start, i, depth, &k);
		cls_and(r, &k);
		start = i + 1;
	}
	if (d != 0)
		goto none;
	classify_conj(c, start, b, depth, &k);
	cls_and(r, &k);
	return;
none:
	cls_all(r);
}

void mde__ycond_classify(const char *src, size_t len, unsigned imports,
			 mde__ycls *out)
{
	struct lex lx = { src, len, 0 };
	struct cond c = { src, NULL, 0, imports };
	struct tok t;
	bool prev_matches = false;

	cls_all(out);
	out->refs = true; /* until proven otherwise */
	c.tk = malloc((len + 1) * sizeof(*c.tk));
	if (!c.tk)
		return;
	for (;;) {
		lex_next(&lx, prev_matches ? M_RE : 0, &t);
		if (t.t == T_EOF)
			break;
		prev_matches = tok_is(src, &t, T_ID, "matches");
		c.tk[c.n++] = t;
		if (t.t == T_BAD)
			break;
	}
	if (!has_refs(&c)) {
		classify_expr(&c, 0, c.n, 0, out);
		if (out->lo > out->hi)
			out->classes = 0;
	}
	free(c.tk);
}

unsigned mde__yclass_of(const uint8_t *buf, size_t len)
{
	if (len >= 4 && memcmp(buf, "\x7f" "ELF", 4) == 0)
		return MDE__YC_ELF;
	if (len >= 2 && buf[0] == 'M' && buf[1] == 'Z')
		return MDE__YC_MZ;
	return MDE__YC_OTHER;
}

/* ------------------------------------------------ source splitter */

enum { S_NONE, S_META, S_STRINGS, S_COND };

static int push_rule(mde__ysrc *s, const mde__yrule *r)
{
	if (mde__grow((void **)&s->rules, &s->caprules, s->nrules + 1,
		      sizeof(*s->rules)))
		return -1;
	s->rules[s->nrules++] = *r;
	return 0;
}

/* Rule header: modifiers, "rule", name, tags, '{'.  false if odd. */
static bool rule_head(struct lex *lx, struct tok *t, mde__yrule *r)
{
	while (tok_is(lx->s, t, T_ID, "private") ||
	       tok_is(lx->s, t, T_ID, "global")) {
		if (lx->s[t->off] == 'p')
			r->is_private = true;
		else
			r->is_global = true;
		lex_next(lx, 0, t);
	}
	if (!tok_is(lx->s, t, T_ID, "rule"))
		return false;
	lex_next(lx, 0, t);
	if (t->t != T_ID)
		return false;
	r->name_off = t->off;
	r->name_len = t->len;
	lex_next(lx, 0, t);
	if (tok_is(lx->s, t, T_OP, ":"))
		do
			lex_next(lx, 0, t);
		while (t->t == T_ID);
	return tok_is(lx->s, t, T_OP, "{");
}

/* Marks in r->mods the imports of s whose module identifier t is. */
static void note_module(const struct lex *lx, const struct tok *t,
			const mde__ysrc *s, mde__yrule *r)
{
	size_t j;

	for (j = 0; j < s->nimp; j++)
		if (t->len == s->mod_len[j] &&
		    memcmp(lx->s + t->off, lx->s + s->mod_off[j], t->len) == 0)
			r->mods |= (uint16_t)(1u << j);
}

/* The condition, up to the rule's closing brace.  false if odd. */
static bool rule_cond(struct lex *lx, const mde__ysrc *s, mde__yrule *r)
{
	struct tok t;
	bool prev_matches = false;

	r->cond_off = lx->pos;
	for (;;) {
		lex_next(lx, prev_matches ? M_RE : 0, &t);
		if (t.t == T_EOF || t.t == T_BAD || tok_is(lx->s, &t, T_OP, "{"))
			return false;
		if (tok_is(lx->s, &t, T_OP, "}"))
			break;
		if (t.t == T_ID)
			note_module(lx, &t, s, r);
		prev_matches = tok_is(lx->s, &t, T_ID, "matches");
	}
	r->cond_len = t.off - r->cond_off;
	return true;
}

static int section_of(const struct lex *lx, const struct tok *t)
{
	if (tok_is(lx->s, t, T_ID, "meta"))
		return S_META;
	if (tok_is(lx->s, t, T_ID, "strings"))
		return S_STRINGS;
	if (tok_is(lx->s, t, T_ID, "condition"))
		return S_COND;
	return S_NONE;
}

/* Rule body after '{', through the closing '}'.  false if odd. */
static bool rule_body(struct lex *lx, const mde__ysrc *s, mde__yrule *r)
{
	struct tok t;
	int sec = S_NONE, next;

	for (;;) {
		lex_next(lx, 0, &t);
		if (t.t == T_EOF || t.t == T_BAD || tok_is(lx->s, &t, T_OP, "{") ||
		    tok_is(lx->s, &t, T_OP, "}"))
			return false;
		next = section_of(lx, &t);
		if (next != S_NONE) {
			lex_next(lx, 0, &t);
			if (!tok_is(lx->s, &t, T_OP, ":"))
				return false;
			if (next == S_COND)
				return rule_cond(lx, s, r);
			sec = next;
			continue;
		}
		if (sec != S_STRINGS || t.t != T_VAR)
			continue;
		lex_next(lx, 0, &t);
		if (!tok_is(lx->s, &t, T_OP, "="))
			return false;
		lex_next(lx, M_RE | M_HEX, &t);
		if (t.t != T_STR && t.t != T_RE && t.t != T_HEX)
			return false;
	}
}

/* One rule from its first token t; false if it cannot be followed. */
static bool split_rule(struct lex *lx, struct tok *t, mde__ysrc *s,
		       mde__yrule *r)
{
	memset(r, 0, sizeof(*r));
	r->off = t->off;
	if (!rule_head(lx, t, r) || !rule_body(lx, s, r))
		return false;
	r->len = lx->pos - r->off;
	mde__ycond_classify(lx->s + r->cond_off, r->cond_len, s->imports,
			    &r->cls);
	return true;
}

/* import "module": records it; false if odd. */
static bool split_import(struct lex *lx, const struct tok *kw, mde__ysrc *s)
{
	struct tok t;

	lex_next(lx, 0, &t);
	if (t.t != T_STR || s->nimp == sizeof(s->imp_off) / sizeof(s->imp_off[0]))
		return false;
	s->imp_off[s->nimp] = kw->off;
	s->imp_len[s->nimp] = lx->pos - kw->off;
	s->mod_off[s->nimp] = t.off + 1; /* T_STR spans its quotes */
	s->mod_len[s->nimp++] = t.len >= 2 ? t.len - 2 : 0;
	if (tok_is(lx->s, &t, T_STR, "\"pe\""))
		s->imports |= MDE__YI_PE;
	else if (tok_is(lx->s, &t, T_STR, "\"elf\""))
		s->imports |= MDE__YI_ELF;
	return true;
}

int mde__ysrc_split(const char *src, size_t len, mde__ysrc *out)
{
	struct lex lx = { src, len, 0 };
	struct tok t;
	mde__yrule r;

	memset(out, 0, sizeof(*out));
	for (;;) {
		lex_next(&lx, 0, &t);
		if (t.t == T_EOF)
			return 0;
		if (tok_is(src, &t, T_ID, "import")) {
			if (!split_import(&lx, &t, out))
				break;
			continue;
		}
		if (!split_rule(&lx, &t, out, &r))
			break; /* includes "include" */
		if (push_rule(out, &r) != 0)
			return -1;
		out->whole |= r.is_private || r.is_global || r.cls.refs;
	}
	out->whole = true;
	out->partial = true;
	return 0;
}

void mde__ysrc_release(mde__ysrc *s)
{
	if (!s)
		return;
	free(s->rules);
	memset(s, 0, sizeof(*s));
}
