/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_hex.c - ClamAV hex signatures (BodySignatureFormat) compiled
 * into patterns: bytes and nibbles, ??, *, {n} {n-m} {-n} {n-}, [n-m],
 * alternatives of any length (aa|bbcc|?d), negated fixed-length ones
 * !(aa|bb), and the classes (B) (L) (W), negated too.  A class at either
 * end is an edge check (zero-width, the file's ends count), inside it
 * consumes the byte(s) it matches, as ClamAV does.
 *
 * The subsignature options of logical signatures are applied here:
 * ::i folds ASCII letters (mask 0xdf), ::w follows every literal byte by
 * a NUL (wildcards stay single bytes, as ClamAV documents), ::f adds
 * (W)-like edge checks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

/* The builder starts in buffers of its own, large enough for nearly
 * every signature of ClamAV's databases, and moves to the heap only past
 * them: a database load compiles hundreds of thousands of patterns, and
 * growing each array from nothing cost a few reallocs per pattern.  The
 * result is packed into one allocation (cl_pat_free frees it). */
#define HB_NODES 32
#define HB_ALTS 16
#define HB_BYTES 256

struct hb {
	struct cl_node *nodes;
	size_t nn, capn;
	struct cl_span *alts;
	size_t na, capa;
	uint8_t *val, *mask;
	size_t nb, capb;
	unsigned opts;
	char *err;
	size_t errlen;
	int nomem;
	struct cl_node in_nodes[HB_NODES];
	struct cl_span in_alts[HB_ALTS];
	uint8_t in_val[HB_BYTES], in_mask[HB_BYTES];
};

/* Room for need elements of size sz in *pp (capacity *cap), which starts
 * as the builder's own buffer inl.  0, or -1 out of memory. */
static int hb_grow(void **pp, size_t *cap, size_t need, size_t sz,
		   void *inl)
{
	size_t ncap = *cap;
	void *q;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / sz)
		return -1;
	if (*pp == inl) {
		q = malloc(ncap * sz);
		if (q)
			memcpy(q, inl, *cap * sz);
	} else {
		q = realloc(*pp, ncap * sz);
	}
	if (!q)
		return -1;
	*pp = q;
	*cap = ncap;
	return 0;
}

static void hb_init(struct hb *b)
{
	b->nodes = b->in_nodes;
	b->capn = HB_NODES;
	b->alts = b->in_alts;
	b->capa = HB_ALTS;
	b->val = b->in_val;
	b->mask = b->in_mask;
	b->capb = HB_BYTES;
}

static void hb_free(struct hb *b)
{
	if (b->nodes != b->in_nodes)
		free(b->nodes);
	if (b->alts != b->in_alts)
		free(b->alts);
	if (b->val != b->in_val)
		free(b->val);
	if (b->mask != b->in_mask)
		free(b->mask);
}

static int fail(struct hb *b, const char *msg)
{
	snprintf(b->err, b->errlen, "%s", msg);
	return -1;
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int put1(struct hb *b, uint8_t v, uint8_t m)
{
	size_t cap = b->capb;

	if (hb_grow((void **)&b->val, &cap, b->nb + 1, 1, b->in_val) ||
	    hb_grow((void **)&b->mask, &b->capb, b->nb + 1, 1, b->in_mask)) {
		b->nomem = 1;
		return -1;
	}
	b->val[b->nb] = v;
	b->mask[b->nb++] = m;
	return 0;
}

/* One literal byte, with the ::i and ::w options. */
static int put_lit(struct hb *b, uint8_t v)
{
	uint8_t l = (uint8_t)(v | 0x20);

	if ((b->opts & CL_OPT_NOCASE) && l >= 'a' && l <= 'z') {
		if (put1(b, v & 0xdf, 0xdf))
			return -1;
	} else if (put1(b, v, 0xff)) {
		return -1;
	}
	return (b->opts & CL_OPT_WIDE) ? put1(b, 0, 0xff) : 0;
}

/* A byte item at p ("aa", "??", "a?", "?a"); 2 consumed, or -1. */
static int put_pair(struct hb *b, const char *p)
{
	int hi = hexv((unsigned char)p[0]), lo;

	if (!p[0] || !p[1])
		return fail(b, "odd number of hex digits");
	lo = hexv((unsigned char)p[1]);
	if ((hi < 0 && p[0] != '?') || (lo < 0 && p[1] != '?'))
		return fail(b, "bad hex character");
	if (hi >= 0 && lo >= 0)
		return put_lit(b, (uint8_t)(hi << 4 | lo));
	if (hi < 0 && lo < 0)
		return put1(b, 0, 0);
	return hi < 0 ? put1(b, (uint8_t)lo, 0x0f)
		      : put1(b, (uint8_t)(hi << 4), 0xf0);
}

static int add_node(struct hb *b, uint8_t kind, uint32_t x, uint32_t y)
{
	if (hb_grow((void **)&b->nodes, &b->capn, b->nn + 1,
		    sizeof(*b->nodes), b->in_nodes)) {
		b->nomem = 1;
		return -1;
	}
	memset(&b->nodes[b->nn], 0, sizeof(b->nodes[0]));
	b->nodes[b->nn].kind = kind;
	b->nodes[b->nn].a = x;
	b->nodes[b->nn++].b = y;
	return 0;
}

static int run_byte(struct hb *b, const char *p)
{
	uint32_t start = (uint32_t)b->nb;
	struct cl_node *last = b->nn ? &b->nodes[b->nn - 1] : NULL;

	if (put_pair(b, p))
		return -1;
	if (last && last->kind == CN_RUN && last->a + last->b == start) {
		last->b = (uint32_t)b->nb - last->a;
		return 0;
	}
	return add_node(b, CN_RUN, start, (uint32_t)b->nb - start);
}

static int add_gap(struct hb *b, uint64_t min, uint64_t max)
{
	struct cl_node *last;

	if (b->nn == 0)
		return fail(b, "signature starts with a wildcard");
	last = &b->nodes[b->nn - 1];
	if (last->kind != CN_GAP)
		return add_node(b, CN_GAP, (uint32_t)min, (uint32_t)max);
	min += last->a;
	if (min > CL_GAP_LIMIT)
		return fail(b, "gap too large");
	last->a = (uint32_t)min;
	if (max == CL_INF || last->b == CL_INF ||
	    max + last->b > CL_GAP_LIMIT)
		last->b = CL_INF;
	else
		last->b += (uint32_t)max;
	return 0;
}

static int num(const char **pp, uint64_t *v)
{
	const char *p = *pp;

	if (*p < '0' || *p > '9')
		return -1;
	for (*v = 0; *p >= '0' && *p <= '9'; p++) {
		*v = *v * 10 + (uint64_t)(*p - '0');
		if (*v > CL_GAP_LIMIT)
			return -1;
	}
	*pp = p;
	return 0;
}

/* "{n}" "{n-m}" "{-n}" "{n-}" or "[n-m]" at *pp. */
static int parse_gap(struct hb *b, const char **pp, char close)
{
	const char *p = *pp + 1;
	uint64_t min = 0, max = CL_INF;
	int has_min = num(&p, &min) == 0, has_max = 0, dash = 0;

	if (*p == '-') {
		dash = 1;
		p++;
		has_max = num(&p, &max) == 0;
	}
	if (*p != close || (!has_min && !has_max) ||
	    (close == ']' && !(has_min && has_max)))
		return fail(b, close == '}' ? "bad {} gap" : "bad [] range");
	if (!dash)
		max = min;
	if (has_max && min > max)
		return fail(b, "gap minimum above maximum");
	*pp = p + 1;
	return add_gap(b, min, max);
}

static int is_class(const char *p)
{
	return (p[0] == '(' || (p[0] == '!' && p[1] == '(')) &&
	       strchr("BLW", p[p[0] == '!' ? 2 : 1]) &&
	       p[p[0] == '!' ? 2 : 1] && p[p[0] == '!' ? 3 : 2] == ')';
}

static int parse_class(struct hb *b, const char **pp)
{
	const char *p = *pp;
	int neg = p[0] == '!';
	uint8_t spec = (uint8_t)p[neg ? 2 : 1] | (neg ? CL_SPEC_NEG : 0);

	*pp = p + (neg ? 4 : 3);
	if (add_node(b, CN_SPEC, 0, 0))
		return -1;
	b->nodes[b->nn - 1].spec = spec;
	return 0;
}

/* Appends one alternative's text [p, e) as bytes; "{n}" expands. */
static int alt_bytes(struct hb *b, const char *p, const char *e, int neg)
{
	while (p < e) {
		if (*p == '{' && !neg) {
			uint64_t n;
			const char *q = p + 1;

			if (num(&q, &n) || *q != '}' || n >= 128)
				return fail(b, "bad range inside an "
					    "alternative");
			while (n--)
				if (put1(b, 0, 0))
					return -1;
			p = q + 1;
			continue;
		}
		if (p + 1 >= e || strchr("*{}[]()!|", *p))
			return fail(b, "bad alternative");
		if (neg && (p[0] == '?' || p[1] == '?'))
			return fail(b, "wildcard in a negated alternative");
		if (put_pair(b, p))
			return -1;
		p += 2;
	}
	return 0;
}

static int add_alt(struct hb *b, uint32_t start)
{
	if (b->nb == start)
		return fail(b, "empty alternative");
	if (hb_grow((void **)&b->alts, &b->capa, b->na + 1,
		    sizeof(*b->alts), b->in_alts)) {
		b->nomem = 1;
		return -1;
	}
	b->alts[b->na++] = (struct cl_span){ start, (uint32_t)b->nb - start };
	return 0;
}

/* "(aa|bb)" or "!(aa|bb)" at *pp. */
static int parse_alt(struct hb *b, const char **pp)
{
	const char *p = *pp, *q;
	int neg = p[0] == '!';
	size_t first = b->na;
	uint32_t n;

	p += neg ? 2 : 1;
	for (;;) {
		uint32_t start = (uint32_t)b->nb;

		q = p + strcspn(p, "|)");
		if (!*q)
			return fail(b, "unterminated alternative");
		if (alt_bytes(b, p, q, neg) || add_alt(b, start))
			return -1;
		p = q + 1;
		if (*q == ')')
			break;
	}
	*pp = p;
	n = (uint32_t)(b->na - first);
	if (neg) {
		for (size_t i = first + 1; i < b->na; i++)
			if (b->alts[i].len != b->alts[first].len)
				return fail(b, "negated alternatives of "
					    "different lengths");
		if (add_node(b, CN_NALT, (uint32_t)first, b->alts[first].len))
			return -1;
		b->nodes[b->nn - 1].nalt = (uint16_t)n;
		return 0;
	}
	return add_node(b, CN_ALT, (uint32_t)first, n);
}

static int parse_item(struct hb *b, const char **pp)
{
	const char *p = *pp;

	if (is_class(p))
		return parse_class(b, pp);
	switch (*p) {
	case '*':
		*pp = p + 1;
		return add_gap(b, 0, CL_INF);
	case '{':
		return parse_gap(b, pp, '}');
	case '[':
		return parse_gap(b, pp, ']');
	case '(':
	case '!':
		if (p[0] == '!' && p[1] != '(')
			return fail(b, "bad '!'");
		return parse_alt(b, pp);
	}
	*pp = p + 2;
	return run_byte(b, p);
}

/* Moves classes at either end into edge checks. */
static int take_edges(struct hb *b, struct cl_pat *p)
{
	if (b->nn && b->nodes[0].kind == CN_SPEC) {
		p->lspec = b->nodes[0].spec;
		memmove(b->nodes, b->nodes + 1, --b->nn * sizeof(*b->nodes));
	}
	if (b->nn && b->nodes[b->nn - 1].kind == CN_SPEC)
		p->rspec = b->nodes[--b->nn].spec;
	if (b->nn == 0)
		return fail(b, "empty signature");
	if (b->nodes[0].kind == CN_GAP || b->nodes[b->nn - 1].kind == CN_GAP)
		return fail(b, "signature starts or ends with a wildcard");
	if ((b->opts & CL_OPT_FULLWORD) && !p->lspec)
		p->lspec = 'W';
	if ((b->opts & CL_OPT_FULLWORD) && !p->rspec)
		p->rspec = 'W';
	return 0;
}

static uint32_t node_min(const struct hb *b, const struct cl_node *nd)
{
	uint32_t m = UINT32_MAX, j;

	switch (nd->kind) {
	case CN_RUN:
	case CN_NALT:
		return nd->b;
	case CN_GAP:
		return nd->a;
	case CN_SPEC:
		return 1;
	}
	for (j = 0; j < nd->b; j++)
		if (b->alts[nd->a + j].len < m)
			m = b->alts[nd->a + j].len;
	return m;
}

void cl_pat_free(struct cl_pat *p)
{
	free(p);
}

/* Copies n bytes of src to *at, which moves on, 8-byte aligned. */
static void *pack(uint8_t **at, const void *src, size_t n)
{
	void *r = *at;

	if (n)
		memcpy(r, src, n);
	*at += (n + 7) & ~(size_t)7;
	return n ? r : NULL;
}

static size_t up8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int cl_hex_compile(const char *hex, unsigned opts, mde__arena *a,
		   struct cl_pat **out, char *err, size_t errlen)
{
	struct hb b = { 0 };
	struct cl_pat hd = { 0 }, *p = NULL;
	uint64_t min = 0;
	uint8_t *at;
	int rc = 0;

	*out = NULL;
	hb_init(&b);
	b.opts = opts;
	b.err = err;
	b.errlen = errlen;
	while (rc == 0 && *hex)
		rc = parse_item(&b, &hex);
	if (rc == 0)
		rc = take_edges(&b, &hd);
	for (size_t i = 0; rc == 0 && i < b.nn; i++)
		min += node_min(&b, &b.nodes[i]);
	if (rc == 0 && min > CL_GAP_LIMIT)
		rc = fail(&b, "signature too long");
	if (b.nomem)
		rc = -2;
	if (rc == 0) {
		size_t need = up8(sizeof(*p)) + up8(b.nn * sizeof(*b.nodes)) +
			      up8(b.na * sizeof(*b.alts)) + 2 * up8(b.nb);

		p = a ? mde__arena_alloc(a, need) : malloc(need);
	}
	if (rc == 0 && !p)
		rc = -2;
	if (rc) {
		hb_free(&b);
		return rc;
	}
	*p = hd;
	at = (uint8_t *)p + up8(sizeof(*p));
	p->nodes = pack(&at, b.nodes, b.nn * sizeof(*b.nodes));
	p->nnodes = (uint32_t)b.nn;
	p->alts = pack(&at, b.alts, b.na * sizeof(*b.alts));
	p->val = pack(&at, b.val, b.nb);
	p->mask = pack(&at, b.mask, b.nb);
	hb_free(&b);
	p->minlen = (uint32_t)min;
	p->head_end = p->nnodes;
	for (uint32_t i = 0; i < p->nnodes; i++)
		if (p->nodes[i].kind == CN_GAP && p->nodes[i].b == CL_INF) {
			p->head_end = i;
			break;
		}
	p->wide = (opts & CL_OPT_WIDE) != 0;
	*out = p;
	return 0;
}
