/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaraclause.c - which strings a YARA condition needs: the clause of a
 * rule, for the literal prefilter (yaralit.c).  Every loop consumes a
 * token and recursion is bounded by MAX_DEPTH, so hostile text costs
 * linear time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "yaraclause.h"
#include "banned.h"

#define MAX_DEPTH 8

/*
 * A condition is read for a clause: a set of the rule's strings at least
 * one of which matches whenever the condition is true.  The literals of
 * the clause's strings are then all a rule needs in the prefilter, and
 * among the clauses a condition implies the cheapest is taken ("all of
 * them" needs its rarest string only, "8 of 10" any three, an "and" its
 * best conjunct, an "or" the union of its disjuncts' clauses).
 */

struct ctk {
	const char *s;
	mde__ytok *tk;
	size_t n;
	const struct mde__ystab *st;
	bool in_loop; /* inside a for-of body: '$' alone is the loop's */
};

static void sset_add(struct mde__ysset *x, size_t i)
{
	x->w[i / 64] |= (uint64_t)1 << (i % 64);
}

bool mde__ysset_has(const struct mde__ysset *x, size_t i)
{
	return (x->w[i / 64] >> (i % 64)) & 1;
}

static void sset_or(struct mde__ysset *x, const struct mde__ysset *y)
{
	size_t k;

	for (k = 0; k < MDE__YMAXSTR / 64; k++)
		x->w[k] |= y->w[k];
}

static size_t tab_n(const struct mde__ystab *st)
{
	return st->str ? st->n : 1;
}

static double str_cost(const struct mde__ystab *st, size_t i)
{
	return st->str ? st->str[i].cost : 1.0;
}

static bool str_lits(const struct mde__ystab *st, size_t i)
{
	return !st->str || st->str[i].lits;
}

/* What a clause costs: the sum of its strings' costs. */
static double clause_cost(const struct mde__ystab *st, const struct mde__yclause *cl)
{
	double c = cl->iter ? 1e9 : 0.0;
	size_t i;

	for (i = 0; i < tab_n(st); i++)
		if (mde__ysset_has(&cl->set, i))
			c += str_cost(st, i);
	return c;
}

static bool op_at(const struct ctk *c, size_t i, const char *op)
{
	return i < c->n && mde__ytok_is(c->s, &c->tk[i], MDE__YT_OP, op);
}

static bool id_at(const struct ctk *c, size_t i, const char *id)
{
	return i < c->n && mde__ytok_is(c->s, &c->tk[i], MDE__YT_ID, id);
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
		      struct mde__ysset *m, bool *iter)
{
	const mde__ytok *t = &c->tk[i];
	const char *name = c->s + t->off + 1;
	size_t len = t->len - 1, j;
	const struct mde__ysdef *d;
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
static bool var_clause(const struct ctk *c, size_t i, struct mde__yclause *out)
{
	size_t j;

	memset(out, 0, sizeof(*out));
	if (!var_names(c, i, false, &out->set, &out->iter))
		return false;
	for (j = 0; j < tab_n(c->st); j++)
		if (mde__ysset_has(&out->set, j) && !str_lits(c->st, j))
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
		      struct mde__ysset *m)
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
			 const struct mde__ysset *m, struct mde__yclause *out)
{
	const struct mde__ystab *st = c->st;
	size_t j, k, n = 0, nl = 0, need, best;
	bool used[MDE__YMAXSTR] = { false };

	memset(out, 0, sizeof(*out));
	if (!st->str) { /* strings not known: m stands for some */
		sset_add(&out->set, 0);
		return true;
	}
	for (j = 0; j < tab_n(st); j++)
		if (mde__ysset_has(m, j)) {
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
			if (mde__ysset_has(m, j) && str_lits(st, j) && !used[j] &&
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
		    struct mde__yclause *out)
{
	struct mde__ysset m;
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
		    struct mde__yclause *out);

/*
 * for Q of SET : ( BODY ) where BODY has a clause.  A clause of the loop's
 * string stands for the quantified set, as in "Q of SET"; one of other
 * strings holds as it is (the body is true for at least one string); both
 * together need one of the whole set or of those.
 */
static bool for_form(struct ctk *c, size_t a, size_t b, int depth,
		     struct mde__yclause *out)
{
	struct mde__yclause body;
	struct mde__ysset m;
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
	for (j = 0; j < MDE__YMAXSTR / 64; j++)
		if (body.set.w[j])
			break;
	if (j == MDE__YMAXSTR / 64)
		return quant_clause(c, q, &m, out);
	if (!quant_clause(c, 0, &m, out))
		return false;
	sset_or(&out->set, &body.set);
	return true;
}

static bool cl_conj(struct ctk *c, size_t a, size_t b, int depth,
		    struct mde__yclause *out)
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
		   struct mde__yclause *out)
{
	struct mde__yclause x;
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
		    struct mde__yclause *out)
{
	struct mde__yclause x;
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
bool mde__ycond_clause(const char *cond, size_t len, const struct mde__ystab *st,
			struct mde__yclause *out)
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
		prev_matches = mde__ytok_is(cond, &t, MDE__YT_ID, "matches");
		c.tk[c.n++] = t;
	}
	ok = cl_expr(&c, 0, c.n, 0, out) && !out->iter;
out:
	free(c.tk);
	return ok;
}

bool mde__ycond_needs_string(const char *cond, size_t len)
{
	struct mde__ystab st = { cond, NULL, 0 };
	struct mde__yclause cl;

	return mde__ycond_clause(cond, len, &st, &cl);
}
