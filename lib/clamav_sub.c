/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_sub.c - byte compare subsignatures of logical signatures
 * (clamav_pcre.c: PCRE ones), evaluated after the hex patterns:
 *
 * byte compare  n(>>off#[h|d|a|i][l|b][e]num#<v[,>v])  reads a number at
 *   off bytes after (>>) or before (<<) the start of subsignature n's
 *   last counted match and compares it (both comparisons must hold);
 * the number is text (h hex, d decimal, a either by its 0x prefix) read
 * as strtoll would, in at most num bytes (exactly num with e), or binary
 * (i, little or big endian, 1 2 4 or 8 bytes).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

/* A number: decimal, or hex with 0x. */
static int num(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	char *end;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (!isxdigit((unsigned char)p[2]))
			return -1;
		*v = strtoull(p + 2, &end, 16);
	} else {
		if (!isdigit((unsigned char)p[0]))
			return -1;
		*v = strtoull(p, &end, 10);
	}
	*pp = end;
	return 0;
}

static int bc_opts(struct cl_bcomp *bc, const char **pp)
{
	const char *p = *pp;
	uint64_t n;

	if (!strchr("hdai", *p) || !*p)
		return -1;
	bc->base = *p++;
	if (*p == 'l' || *p == 'b')
		bc->endian = *p++;
	if (*p == 'e')
		bc->exact = 1, p++;
	if (num(&p, &n) || n == 0 || n > 64)
		return -1;
	bc->nbytes = (uint32_t)n;
	if (bc->base == 'i') {
		bc->exact = 1;
		if (n != 1 && n != 2 && n != 4 && n != 8)
			return -1;
	}
	if (bc->base == 'd' && bc->endian == 'l')
		return -1;
	*pp = p;
	return 0;
}

int cl_bcomp_parse(struct cl_sub *sub, const char *s, unsigned idx,
		   char *err, size_t elen)
{
	struct cl_bcomp *bc = calloc(1, sizeof(*bc));
	const char *p = s;
	uint64_t v;

	if (!bc)
		return -2;
	sub->kind = CS_BCOMP;
	sub->bc = bc;
	if (num(&p, &v) || v >= idx || *p++ != '(')
		goto bad;
	bc->trigger = (uint8_t)v;
	if ((p[0] != '>' && p[0] != '<') || p[1] != p[0])
		goto bad;
	bc->dir = p[0] == '>' ? 1 : -1;
	p += 2;
	if (num(&p, &bc->off) || *p++ != '#' || bc_opts(bc, &p) ||
	    *p++ != '#')
		goto bad;
	for (;;) {
		if (bc->ncmp == 2 || !strchr("<>=", *p) || !*p)
			goto bad;
		bc->cmp[bc->ncmp] = *p++;
		if (num(&p, &bc->val[bc->ncmp++]))
			goto bad;
		if (*p == ')' && p[1] == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	snprintf(err, elen, "bad byte compare subsignature '%s'", s);
	return -1;
}

/* The number at p[0..n) as strtoll reads it in base (0: 0x or decimal);
 * -1 when it has no digits, or fewer than n with exact. */
static int read_text(const uint8_t *p, size_t n, int base, int exact,
		     int64_t *out)
{
	size_t i = 0, start;
	uint64_t v = 0;
	int neg = 0;

	while (i < n && isspace(p[i]))
		i++;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	if ((base == 16 || base == 0) && i + 1 < n && p[i] == '0' &&
	    (p[i + 1] == 'x' || p[i + 1] == 'X')) {
		base = 16;
		i += 2;
	} else if (base == 0) {
		base = 10;
	}
	for (start = i; i < n; i++) {
		int d = isdigit(p[i]) ? p[i] - '0' :
			isxdigit(p[i]) ? (p[i] | 0x20) - 'a' + 10 : 99;

		if (d >= base)
			break;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	/* clamscan takes a number without digits as 0, unless exact */
	if (exact && (i == start || i != n))
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int read_value(const struct cl_bcomp *bc, const uint8_t *p,
		      int64_t *out)
{
	uint64_t v = 0;

	switch (bc->base) {
	case 'h':
		return read_text(p, bc->nbytes, 16, bc->exact, out);
	case 'd':
		return read_text(p, bc->nbytes, 10, bc->exact, out);
	case 'a':
		return read_text(p, bc->nbytes, 0, bc->exact, out);
	}
	for (uint32_t i = 0; i < bc->nbytes; i++) {
		uint32_t k = bc->endian == 'l' ? bc->nbytes - 1 - i : i;

		v = v << 8 | p[k];
	}
	*out = (int64_t)v;
	return 0;
}

uint32_t cl_bcomp_eval(const struct cl_bcomp *bc, mde__clamscratch *s,
		       const struct cl_fctx *f)
{
	size_t n = s->noffs[bc->trigger];
	uint64_t at;
	int64_t v;

	if (!n)
		return 0;
	at = s->offs[bc->trigger][n - 1];
	if (bc->dir < 0) {
		if (bc->off > at)
			return 0;
		at -= bc->off;
	} else {
		at += bc->off;
	}
	if (at > f->len || bc->nbytes > f->len - at ||
	    read_value(bc, f->buf + at, &v))
		return 0;
	for (unsigned i = 0; i < bc->ncmp; i++) {
		int64_t c = (int64_t)bc->val[i];

		if ((bc->cmp[i] == '<' && !(v < c)) ||
		    (bc->cmp[i] == '>' && !(v > c)) ||
		    (bc->cmp[i] == '=' && v != c))
			return 0;
	}
	return 1;
}
