/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_logic.c - the logical expression of a logical signature, parsed
 * by ClamAV's rules, which are not the usual ones:
 *   - the first '&' or '|' outside parentheses splits the expression,
 *     so "0&1|2" is "0&(1|2)" and "0|1&2" is "0|(1&2)": no operator
 *     binds tighter than the other, the right side groups;
 *   - a parenthesised block followed by =X, >X, <X (",Y" for at least Y
 *     distinct subsignatures) is split at its LAST operator at depth
 *     one, and the modifier applies to the sum of the match counts of
 *     both sides when the block holds;
 *   - "(0)=1" is malformed (the parentheses are stripped with the
 *     modifier's last character), as clamscan rejects it.
 * Evaluation counts matches as ClamAV does: a block's count is the sum
 * of the counts of its parts that held.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

struct lp {
	struct cl_logic *lg;
	char *err;
	size_t errlen;
	int nomem;
	int depth;
};

static int lfail(struct lp *p, const char *msg)
{
	snprintf(p->err, p->errlen, "logical expression: %s", msg);
	return -1;
}

/* "%u" as sscanf reads it, without the sign: digits at s. */
static int read_u32(const char *s, const char *end, uint32_t *v)
{
	uint64_t x = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		x = (x * 10 + (uint64_t)(*s - '0')) & 0xffffffffu;
	*v = (uint32_t)x;
	return 0;
}

static int32_t new_node(struct lp *p, const struct cl_lnode *n)
{
	struct cl_logic *lg = p->lg;
	size_t cap = lg->cap;

	if (mde__grow((void **)&lg->n, &cap, lg->nn + 1, sizeof(*lg->n))) {
		p->nomem = 1;
		return -1;
	}
	lg->cap = (uint32_t)cap;
	lg->n[lg->nn] = *n;
	return (int32_t)lg->nn++;
}

struct split {
	const char *op;      /* splitting operator, or NULL */
	const char *op1;     /* last operator at depth one */
	const char *blkend;  /* ')' closing the block */
	const char *mod;     /* last modifier character seen */
	char blkmod;
	uint32_t v1, v2;
};

/* Reads a block modifier after the ')' at q; advances *qq to its last
 * character.  1 when it reaches end, 0 when not, -1 when malformed. */
static int block_mod(struct lp *p, struct split *sp, const char **qq,
		     const char *end)
{
	const char *q = *qq;

	if (q + 1 < end && (q[1] == '>' || q[1] == '<' || q[1] == '=')) {
		sp->blkmod = q[1];
		sp->v2 = 0;
		if (read_u32(q + 2, end, &sp->v1))
			return lfail(p, "missing number after a modifier");
		for (q += 2; q + 1 < end &&
			     ((q[1] >= '0' && q[1] <= '9') || q[1] == ',');
		     q++)
			;
		if (q + 1 == end) {
			const char *c = memchr(*qq + 2, ',',
					       (size_t)(end - *qq - 2));

			if (c)
				read_u32(c + 1, end, &sp->v2);
		}
	}
	*qq = q;
	if (q + 1 == end)
		return 1;
	sp->blkmod = 0;
	return 0;
}

static int scan_expr(struct lp *p, const char *s, const char *end,
		     struct split *sp)
{
	unsigned pth = 0;
	int rc;

	memset(sp, 0, sizeof(*sp));
	for (const char *q = s; q < end; q++) {
		switch (*q) {
		case '(':
			pth++;
			break;
		case ')':
			if (!pth)
				return lfail(p, "missing '('");
			pth--;
			/* fall through */
		case '>':
		case '<':
		case '=':
			sp->mod = q;
			break;
		case '&':
		case '|':
			if (!pth)
				sp->op = q;
			else if (pth == 1)
				sp->op1 = q;
			break;
		}
		if (sp->op)
			break;
		if (sp->op1 && !pth) {
			sp->blkend = q;
			rc = block_mod(p, sp, &q, end);
			if (rc)
				return rc < 0 ? -1 : 0;
		}
	}
	return pth ? lfail(p, "missing ')'") : 0;
}

static int32_t parse(struct lp *p, const char *s, const char *end);

static int32_t parse_leaf(struct lp *p, const char *s, const char *end,
			  const struct split *sp)
{
	struct cl_lnode n = { 0 };
	uint32_t id;

	if (s < end && s[0] == '(')
		return parse(p, s + 1, end - 1);
	if (read_u32(s, end, &id) || id >= CL_MAXSUB)
		return lfail(p, "bad subsignature number");
	n.kind = CL_LEAF;
	n.sub = (uint8_t)id;
	if (sp->mod) {
		n.mod = *sp->mod;
		if (n.mod == ')' || read_u32(sp->mod + 1, end, &n.v1))
			return lfail(p, "missing number after a modifier");
	}
	if (id > p->lg->maxsub)
		p->lg->maxsub = id;
	return new_node(p, &n);
}

static int32_t parse_op(struct lp *p, const char *s, const char *end);

static int32_t parse(struct lp *p, const char *s, const char *end)
{
	int32_t r;

	if (s >= end)
		return lfail(p, "empty expression");
	if (++p->depth > 64)
		return lfail(p, "nested too deeply");
	r = parse_op(p, s, end);
	p->depth--;
	return r;
}

static int32_t parse_op(struct lp *p, const char *s, const char *end)
{
	struct split sp;
	struct cl_lnode n = { 0 };
	const char *lstart = s, *rend = end, *op;
	int32_t l, r;

	if (scan_expr(p, s, end, &sp))
		return -1;
	if (!sp.op && !sp.op1)
		return parse_leaf(p, s, end, &sp);
	op = sp.op;
	if (!op) {
		op = sp.op1;
		lstart++;
		rend = sp.blkend;
		n.mod = sp.blkmod;
		n.v1 = sp.v1;
		n.v2 = sp.v2;
	}
	if (op == s)
		return lfail(p, "missing left argument");
	if (op + 1 == end)
		return lfail(p, "missing right argument");
	l = parse(p, lstart, op);
	r = l < 0 ? -1 : parse(p, op + 1, rend);
	if (r < 0)
		return -1;
	n.kind = *op == '&' ? CL_AND : CL_OR;
	n.l = l;
	n.r = r;
	return new_node(p, &n);
}

int cl_logic_parse(const char *expr, size_t len, struct cl_logic *lg,
		   char *err, size_t errlen)
{
	struct lp p = { lg, err, errlen, 0, 0 };

	memset(lg, 0, sizeof(*lg));
	lg->root = parse(&p, expr, expr + len);
	if (lg->root >= 0)
		return 0;
	cl_logic_free(lg);
	return p.nomem ? -2 : -1;
}

void cl_logic_free(struct cl_logic *lg)
{
	free(lg->n);
	memset(lg, 0, sizeof(*lg));
}

static int cmp_mod(char mod, uint32_t val, uint32_t v)
{
	switch (mod) {
	case '=':
		return val == v;
	case '<':
		return val < v;
	case '>':
		return val > v;
	}
	return 0;
}

static int eval(const struct cl_logic *lg, int32_t i, const uint32_t *cnt,
		uint32_t *out, uint64_t *ids)
{
	const struct cl_lnode *n = &lg->n[i];
	uint32_t lc = 0, rc = 0, tc;
	uint64_t li = 0, ri = 0, ti;
	int lv, rv, ret;

	if (n->kind == CL_LEAF) {
		uint32_t val = cnt[n->sub];

		if (n->mod ? !cmp_mod(n->mod, val, n->v1) : !val)
			return 0;
		*out += val;
		*ids |= (uint64_t)1 << n->sub;
		return 1;
	}
	lv = eval(lg, n->l, cnt, &lc, &li);
	rv = eval(lg, n->r, cnt, &rc, &ri);
	ret = n->kind == CL_AND ? lv && rv : lv || rv;
	if (!n->mod) {
		if (ret) {
			*out += lc + rc;
			*ids |= li | ri;
		}
		return ret;
	}
	tc = ret ? lc + rc : 0;
	ti = ret ? li | ri : 0;
	if (!cmp_mod(n->mod, tc, n->v1))
		return 0;
	if (n->v2 && (uint32_t)__builtin_popcountll(ti) < n->v2)
		return 0;
	*out += tc;
	return 1;
}

bool cl_logic_eval(const struct cl_logic *lg, const uint32_t *cnt)
{
	uint32_t c = 0;
	uint64_t ids = 0;

	if (!lg->n)
		return cnt[0] != 0;
	return eval(lg, lg->root, cnt, &c, &ids) != 0;
}
