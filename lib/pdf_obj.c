/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf_obj.c - PDF objects (ISO 32000-1, 7.2 and 7.3) parsed into an
 * arena: numbers, strings (literal and hexadecimal, escapes decoded),
 * names (#xx decoded), arrays, dictionaries and references.
 *
 * Tolerant as readers are: garbage between tokens is skipped, a string
 * or list that never ends ends at the end of the buffer, and a keyword
 * that is not a value ends the list it is in.  Nesting is cut at
 * MDE__PDF_MAX_DEPTH and the nodes of one object at p->max_work, so a
 * hostile object costs time and memory linear in its length.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pdf_int.h"
#include "banned.h"

/* ------------------------------------------------------------- arena */

struct pchunk {
	struct pchunk *next;
	size_t cap;
	_Alignas(16) uint8_t data[];
};

#define CHUNK (64 * 1024)

void *pa_alloc(parena *a, size_t n)
{
	struct pchunk *c;
	size_t want;

	n = (n + 15) & ~(size_t)15;
	if (a->head && a->used + n <= a->head->cap) {
		void *p = a->head->data + a->used;

		a->used += n;
		return p;
	}
	want = n > CHUNK ? n : CHUNK;
	c = malloc(sizeof(*c) + want);
	if (!c)
		return NULL;
	c->cap = want;
	c->next = a->head;
	a->head = c;
	a->used = n;
	return c->data;
}

void pa_reset(parena *a)
{
	struct pchunk *c = a->head, *n;

	while (c) {
		n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
	a->used = 0;
	a->work = 0;
}

/* ------------------------------------------------------------- lexer */

int pdf_is_ws(uint8_t c)
{
	return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

int pdf_is_delim(uint8_t c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' ||
	       c == ']' || c == '{' || c == '}' || c == '/' || c == '%';
}

size_t pdf_skip_ws(const uint8_t *b, size_t len, size_t pos)
{
	while (pos < len) {
		if (pdf_is_ws(b[pos])) {
			pos++;
		} else if (b[pos] == '%') {
			while (pos < len && b[pos] != '\n' && b[pos] != '\r')
				pos++;
		} else {
			break;
		}
	}
	return pos;
}

static int hexv(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static pobj *node(pparse *p, int t)
{
	pobj *o;

	if (p->max_work && p->a->work >= p->max_work)
		return NULL;
	o = pa_alloc(p->a, sizeof(*o));
	if (o) {
		memset(o, 0, sizeof(*o));
		o->t = (uint8_t)t;
		p->a->work++;
	}
	return o;
}

/* Decrypts string o in place (a new arena copy) when the object's
 * strings are encrypted. */
static void decrypt_str(pparse *p, pobj *o)
{
	uint8_t *out = NULL, *cp;
	size_t n = 0;

	if (!p->c || !o->n)
		return;
	if (pdf_decrypt(p->c, p->num, p->gen, 0, o->s, o->n, &out, &n) < 0)
		return;
	cp = pa_alloc(p->a, n + 1);
	if (cp) {
		memcpy(cp, out, n);
		cp[n] = 0;
		o->s = cp;
		o->n = n;
	}
	free(out);
}

/* An escape after '\' at b[*i] of a literal string: the byte, or -1 for
 * none (a line continuation). */
static int lit_escape(const uint8_t *b, size_t len, size_t *i)
{
	uint8_t c = b[*i];
	int v = 0, k;

	(*i)++;
	switch (c) {
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'b': return '\b';
	case 'f': return '\f';
	case '\r':
		if (*i < len && b[*i] == '\n')
			(*i)++;
		return -1;
	case '\n':
		return -1;
	}
	if (c < '0' || c > '7')
		return c;
	v = c - '0';
	for (k = 0; k < 2 && *i < len && b[*i] >= '0' && b[*i] <= '7'; k++)
		v = v * 8 + (b[(*i)++] - '0');
	return v & 0xff;
}

static pobj *lit_string(pparse *p)
{
	const uint8_t *b = p->buf;
	size_t i = p->pos + 1, depth = 1, n = 0, j;
	uint8_t *s;
	pobj *o;

	/* the decoded string is never longer than the source */
	for (j = i; j < p->len && depth; j++) {
		if (b[j] == '\\')
			j++;
		else if (b[j] == '(')
			depth++;
		else if (b[j] == ')')
			depth--;
	}
	s = pa_alloc(p->a, j - i + 1);
	o = node(p, P_STR);
	if (!s || !o)
		return NULL;
	for (depth = 1; i < p->len; ) {
		int c = b[i++];

		if (c == '\\' && i < p->len)
			c = lit_escape(b, p->len, &i);
		else if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0)
			break;
		if (c >= 0)
			s[n++] = (uint8_t)c;
	}
	s[n] = 0;
	p->pos = i;
	o->s = s;
	o->n = n;
	decrypt_str(p, o);
	return o;
}

static pobj *hex_string(pparse *p)
{
	const uint8_t *b = p->buf;
	const uint8_t *e = memchr(b + p->pos, '>', p->len - p->pos);
	size_t end = e ? (size_t)(e - b) : p->len, i, n = 0;
	uint8_t *s = pa_alloc(p->a, (end - p->pos) / 2 + 2);
	pobj *o = node(p, P_STR);
	int hi = -1;

	if (!s || !o)
		return NULL;
	for (i = p->pos + 1; i < end; i++) {
		int v = hexv(b[i]);

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			s[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		s[n++] = (uint8_t)(hi << 4);
	s[n] = 0;
	p->pos = end < p->len ? end + 1 : end;
	o->s = s;
	o->n = n;
	decrypt_str(p, o);
	return o;
}

static pobj *name(pparse *p)
{
	const uint8_t *b = p->buf;
	size_t i = p->pos + 1, n = 0, j;
	uint8_t *s;
	pobj *o;

	for (j = i; j < p->len && !pdf_is_ws(b[j]) && !pdf_is_delim(b[j]); j++)
		;
	s = pa_alloc(p->a, j - i + 1);
	o = node(p, P_NAME);
	if (!s || !o)
		return NULL;
	for (; i < j; i++) {
		if (b[i] == '#' && i + 2 < j && hexv(b[i + 1]) >= 0 &&
		    hexv(b[i + 2]) >= 0) {
			s[n++] = (uint8_t)(hexv(b[i + 1]) << 4 | hexv(b[i + 2]));
			i += 2;
		} else {
			s[n++] = b[i];
		}
	}
	s[n] = 0;
	p->pos = j;
	o->s = s;
	o->n = n;
	return o;
}

/* A number at pos: P_INT or P_REAL (its integer part in i). */
static pobj *number(pparse *p)
{
	const uint8_t *b = p->buf;
	size_t i = p->pos;
	int neg = 0, real = 0;
	uint64_t v = 0;
	pobj *o;

	while (i < p->len && (b[i] == '-' || b[i] == '+'))
		neg ^= b[i++] == '-';
	for (; i < p->len && ((b[i] >= '0' && b[i] <= '9') || b[i] == '.');
	     i++) {
		if (b[i] == '.')
			real = 1;
		else if (!real && v < (UINT64_C(1) << 62))
			v = v * 10 + (uint64_t)(b[i] - '0');
	}
	o = node(p, real ? P_REAL : P_INT);
	if (!o)
		return NULL;
	o->i = neg ? -(int64_t)v : (int64_t)v;
	p->pos = i;
	return o;
}

/* "N G R" after integer o?  Then o becomes the reference. */
static void maybe_ref(pparse *p, pobj *o)
{
	const uint8_t *b = p->buf;
	size_t i = pdf_skip_ws(b, p->len, p->pos), g = i;
	uint64_t gen = 0;

	if (o->i < 0 || o->i > UINT32_MAX)
		return;
	while (i < p->len && b[i] >= '0' && b[i] <= '9' && gen < 1000000)
		gen = gen * 10 + (b[i++] - '0');
	if (i == g || i >= p->len || !pdf_is_ws(b[i]))
		return;
	i = pdf_skip_ws(b, p->len, i);
	if (i >= p->len || b[i] != 'R' ||
	    (i + 1 < p->len && !pdf_is_ws(b[i + 1]) &&
	     !pdf_is_delim(b[i + 1])))
		return;
	o->t = P_REF;
	o->num = (uint32_t)o->i;
	o->gen = (uint32_t)gen;
	p->pos = i + 1;
}

/* Items until close (']' or '>>'): a list of kids.  A keyword ends the
 * list (an object without its closing bracket). */
static pobj *list(pparse *p, int t, uint8_t close, int depth)
{
	pobj *o = node(p, t), **tail;

	if (!o)
		return NULL;
	tail = &o->kid;
	if (depth >= MDE__PDF_MAX_DEPTH) {
		p->too_deep = 1;
		return NULL;
	}
	for (;;) {
		pobj *k;

		p->pos = pdf_skip_ws(p->buf, p->len, p->pos);
		if (p->pos >= p->len)
			break;
		if (p->buf[p->pos] == close) {
			p->pos += close == '>' ? 2 : 1;
			break;
		}
		k = pdf_parse_obj(p, depth + 1);
		if (!k)
			break;
		*tail = k;
		tail = &k->next;
		o->n++;
	}
	return p->too_deep ? NULL : o;
}

/* A keyword: true, false, null; else NULL (the caller's list ends). */
static pobj *keyword(pparse *p)
{
	const uint8_t *b = p->buf;
	size_t i = p->pos, n;
	pobj *o = NULL;

	for (n = 0; i + n < p->len && !pdf_is_ws(b[i + n]) &&
		    !pdf_is_delim(b[i + n]); n++)
		;
	if (n == 4 && !memcmp(b + i, "true", 4)) {
		o = node(p, P_BOOL);
		if (o)
			o->i = 1;
	} else if (n == 5 && !memcmp(b + i, "false", 5)) {
		o = node(p, P_BOOL);
	} else if (n == 4 && !memcmp(b + i, "null", 4)) {
		o = node(p, P_NULL);
	}
	if (o)
		p->pos = i + n;
	return o;
}

pobj *pdf_parse_obj(pparse *p, int depth)
{
	const uint8_t *b = p->buf;
	uint8_t c;
	pobj *o;

	p->pos = pdf_skip_ws(b, p->len, p->pos);
	if (p->pos >= p->len)
		return NULL;
	c = b[p->pos];
	if (c == '/')
		return name(p);
	if (c == '(')
		return lit_string(p);
	if (c == '[') {
		p->pos++;
		return list(p, P_ARRAY, ']', depth);
	}
	if (c == '<' && p->pos + 1 < p->len && b[p->pos + 1] == '<') {
		p->pos += 2;
		return list(p, P_DICT, '>', depth);
	}
	if (c == '<')
		return hex_string(p);
	if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
		o = number(p);
		if (o && o->t == P_INT)
			maybe_ref(p, o);
		return o;
	}
	if (c == ')' || c == '>' || c == ']' || c == '{' || c == '}') {
		p->pos++; /* stray: skipped, the list goes on */
		return node(p, P_NULL);
	}
	return keyword(p);
}

const pobj *pdf_dget(const pobj *d, const char *key)
{
	const pobj *k;
	size_t n = strlen(key);

	if (!d || d->t != P_DICT)
		return NULL;
	for (k = d->kid; k && k->next; k = k->next->next)
		if (k->t == P_NAME && k->n == n && !memcmp(k->s, key, n))
			return k->next;
	return NULL;
}

int pdf_is_name(const pobj *o, const char *nm)
{
	size_t n = strlen(nm);

	return o && o->t == P_NAME && o->n == n && !memcmp(o->s, nm, n);
}

int pdf_is_bool(const pobj *o, int b)
{
	return o && o->t == P_BOOL && o->i == b;
}
