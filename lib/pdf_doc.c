/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf_doc.c - what the objects of a document say, and its items: the
 * JavaScript (/JS: a string, or a stream the key refers to) of actions
 * wherever they hang (document, page, annotation, name tree), the file
 * specifications' names of embedded files (/EF: /UF, else /F), and the
 * streams, decoded.
 *
 * Names and JavaScript text stored as UTF-16 (a byte-order mark first)
 * are made UTF-8, so that a name is printable and a text signature sees
 * the script as a reader runs it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_int.h"
#include "banned.h"

#define MAX_NAME 255

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* Text s[0..n) as UTF-8 into out (at most 3n + 1 bytes, NUL ended):
 * UTF-16BE with its mark, else PDFDocEncoding taken as Latin-1. */
static size_t utf8(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t o = 0, i;
	unsigned c;
	int wide = n >= 2 && s[0] == 0xfe && s[1] == 0xff;

	for (i = wide ? 2 : 0; i < n; i += wide ? 2 : 1) {
		c = wide ? (i + 1 < n ? (unsigned)s[i] << 8 | s[i + 1] : 0)
			 : s[i];
		if (c < 0x80) {
			out[o++] = (uint8_t)c;
		} else if (c < 0x800) {
			out[o++] = (uint8_t)(0xc0 | c >> 6);
			out[o++] = (uint8_t)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (uint8_t)(0xe0 | c >> 12);
			out[o++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (uint8_t)(0x80 | (c & 0x3f));
		}
	}
	out[o] = 0;
	return o;
}

static int add_js(mde__pdf *d, uint32_t num, const pobj *s)
{
	struct pjs *j;

	if (grow((void **)&d->js, &d->capjs, d->njs + 1, sizeof(*d->js)))
		return -1;
	j = &d->js[d->njs];
	j->num = num;
	j->text = malloc(3 * s->n + 1);
	if (!j->text)
		return -1;
	j->len = utf8(s->s, s->n, j->text);
	d->njs++;
	return 0;
}

static int add_jsstm(mde__pdf *d, uint32_t num)
{
	if (grow((void **)&d->jsstm, &d->capjsstm, d->njsstm + 1,
		 sizeof(*d->jsstm)))
		return -1;
	d->jsstm[d->njsstm++] = num;
	return 0;
}

/* A file specification fs names the streams of its /EF. */
static int add_names(mde__pdf *d, const pobj *fs, const pobj *ef)
{
	const pobj *nm = pdf_dget(fs, "UF"), *k;
	uint8_t buf[3 * MAX_NAME + 1];
	size_t n, i;

	if (!nm || nm->t != P_STR || !nm->n)
		nm = pdf_dget(fs, "F");
	if (!nm || nm->t != P_STR || !nm->n || ef->t != P_DICT)
		return 0;
	n = utf8(nm->s, nm->n < MAX_NAME ? nm->n : MAX_NAME, buf);
	for (i = 0; i < n; i++)
		if (buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '_';
	for (k = ef->kid; k && k->next; k = k->next->next) {
		struct pname *p;

		if (k->next->t != P_REF)
			continue;
		if (grow((void **)&d->names, &d->capnames, d->nnames + 1,
			 sizeof(*d->names)))
			return -1;
		p = &d->names[d->nnames];
		p->num = k->next->num;
		p->seq = (uint32_t)d->nnames;
		p->name = malloc(n + 1);
		if (!p->name)
			return -1;
		memcpy(p->name, buf, n + 1);
		d->nnames++;
	}
	return 0;
}

/* Everything v (of object o, at nesting depth) says; iterative over
 * lists, recursive over nesting (bounded by the parser's depth). */
static int walk(mde__pdf *d, const struct pocc *o, const pobj *v)
{
	const pobj *k, *js, *ef;
	int rc = 0;

	if (!v || (v->t != P_DICT && v->t != P_ARRAY))
		return 0;
	if (v->t == P_DICT) {
		js = pdf_dget(v, "JS");
		if (js && js->t == P_STR && js->n)
			rc |= add_js(d, o->num, js);
		else if (js && js->t == P_REF)
			rc |= add_jsstm(d, js->num);
		ef = pdf_dget(v, "EF");
		if (ef)
			rc |= add_names(d, v, ef);
	}
	for (k = v->kid; k && !rc; k = k->next)
		rc |= walk(d, o, k);
	return rc;
}

int pdf_collect(mde__pdf *d, const struct pocc *o, const pobj *v)
{
	return walk(d, o, v);
}

/* ------------------------------------------------------------- items */

static int by_name(const void *a, const void *b)
{
	const struct pname *x = a, *y = b;

	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_num(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The streams' names and kinds are looked up by number: sorted once,
 * when the object streams have all been read. */
static void sort_refs(mde__pdf *d)
{
	/* qsort's base must not be NULL, even for 0 elements (UBSan) */
	if (d->nnames)
		qsort(d->names, d->nnames, sizeof(*d->names), by_name);
	if (d->njsstm)
		qsort(d->jsstm, d->njsstm, sizeof(*d->jsstm), by_num);
	d->sorted = 1;
}

/* The newest name of object num, or NULL. */
static const char *name_of(const mde__pdf *d, uint32_t num)
{
	size_t lo = 0, hi = d->nnames;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->names[mid].num <= num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && d->names[lo - 1].num == num ? d->names[lo - 1].name
						 : NULL;
}

static int is_js(const mde__pdf *d, uint32_t num)
{
	return d->njsstm && bsearch(&num, d->jsstm, d->njsstm,
				    sizeof(*d->jsstm), by_num) != NULL;
}

/* Fills it for stream occ i of kind k. */
static void stream_item(mde__pdf *d, size_t i, mde__pdf_item *it)
{
	const struct pocc *o = &d->occ[i];
	const char *nm = name_of(d, o->num);
	static const char *const word[] = { "", "objstm", "stream",
					    "embedded", "js" };

	memset(it, 0, sizeof(*it));
	it->kind = o->flags & O_OBJSTM ? MDE__PDF_OBJSTM
		   : nm || (o->flags & O_EMBED) ? MDE__PDF_EMBEDDED
		   : is_js(d, o->num) ? MDE__PDF_JS : MDE__PDF_STREAM;
	it->num = o->num;
	it->gen = o->gen;
	it->occ = i;
	it->size = -1;
	snprintf(d->name, sizeof(d->name), "[%s %u]", word[it->kind], o->num);
	it->name = it->kind == MDE__PDF_EMBEDDED && nm ? nm : d->name;
}

int mde__pdf_next(mde__pdf *d, mde__pdf_item *it)
{
	if (d->encrypted < 0)
		return 0; /* noted: nothing of it can be read */
	for (; d->phase < 2; d->phase++, d->cur = 0) {
		unsigned want = d->phase == 0 ? O_OBJSTM : 0;

		while (d->cur < d->nocc) {
			const struct pocc *o = &d->occ[d->cur++];

			if (d->phase == 1 && !d->sorted)
				sort_refs(d);
			if (!(o->flags & O_STREAM) ||
			    (o->flags & (O_DEAD | O_XREF)) ||
			    (o->flags & O_OBJSTM) != want)
				continue;
			stream_item(d, d->cur - 1, it);
			return 1;
		}
	}
	if (d->cur < d->njs) {
		const struct pjs *j = &d->js[d->cur++];

		memset(it, 0, sizeof(*it));
		it->kind = MDE__PDF_JS;
		it->num = j->num;
		it->data = j->text;
		it->len = j->len;
		it->size = -1;
		snprintf(d->name, sizeof(d->name), "[js %u]", j->num);
		it->name = d->name;
		return 1;
	}
	return 0;
}

int mde__pdf_decode(mde__pdf *d, const mde__pdf_item *it, mde__pdf_sink fn,
		    void *ctx)
{
	const struct pocc *o;
	const pobj *dict;
	uint8_t *plain = NULL;
	const uint8_t *data;
	size_t len;
	int rc;

	if (it->data)
		return fn(ctx, it->data, it->len) ? MDE__PDF_STOP : MDE__PDF_OK;
	if (it->occ >= d->nocc || !(d->occ[it->occ].flags & O_STREAM))
		return MDE__PDF_DAMAGED;
	o = &d->occ[it->occ];
	dict = pdf_parse_occ(d, o, 1, NULL);
	data = d->buf + o->sdata;
	len = o->slen;
	if (d->crypt && !(o->flags & O_PLAIN) &&
	    !((o->flags & O_META) && d->meta_plain)) {
		if (pdf_decrypt(d->crypt, o->num, o->gen,
				(o->flags & O_EMBED) ? 2 : 1, data, len,
				&plain, &len) < 0) {
			pa_reset(&d->a);
			return MDE__PDF_NOMEM;
		}
		data = plain;
	}
	rc = pdf_filters(dict, data, len, fn, ctx, d->max_internal);
	free(plain);
	pa_reset(&d->a);
	return rc;
}

/* The header of object stream data: /N pairs "number offset". */
static int objstm_index(mde__pdf *d, size_t si, const pobj *dict)
{
	const struct pstm *s = &d->stm[si];
	int64_t n = pdf_int(d, pdf_dget(dict, "N"));
	int64_t first = pdf_int(d, pdf_dget(dict, "First"));
	pparse p = { 0 };
	size_t pos = 0;

	if (n < 0 || first < 0 || (uint64_t)first > s->len)
		return 0;
	p.buf = s->data, p.len = s->len, p.a = &d->a;
	for (; n > 0; n--) {
		const pobj *num, *off;
		long i;

		p.pos = pos;
		p.max_work = d->a.work + 4;
		num = pdf_parse_obj(&p, 0);
		off = pdf_parse_obj(&p, 0);
		pos = p.pos;
		if (!num || !off || num->t != P_INT || off->t != P_INT ||
		    num->i < 0 || num->i > UINT32_MAX || off->i < 0 ||
		    (uint64_t)off->i >= s->len - (size_t)first)
			break;
		i = pdf_add_occ(d, (uint32_t)num->i, 0, 0,
				(size_t)(first + off->i), (uint32_t)si + 1);
		if (i < 0)
			break;
	}
	return 0;
}

int mde__pdf_objstm(mde__pdf *d, const mde__pdf_item *it,
		    const uint8_t *data, size_t len)
{
	struct pstm *s;
	const pobj *dict;
	size_t i, from;
	int rc = 0;

	if (it->occ >= d->nocc || grow((void **)&d->stm, &d->capstm,
				       d->nstm + 1, sizeof(*d->stm)))
		return MDE__PDF_NOMEM;
	s = &d->stm[d->nstm];
	s->data = malloc(len ? len : 1);
	if (!s->data)
		return MDE__PDF_NOMEM;
	memcpy(s->data, data, len);
	s->len = len;
	s->start = d->occ[it->occ].start;
	d->nstm++;
	dict = pdf_parse_occ(d, &d->occ[it->occ], 1, NULL);
	from = d->nocc;
	objstm_index(d, d->nstm - 1, dict);
	pa_reset(&d->a);
	for (i = from; i < d->nocc && !rc; i++) {
		const struct pocc *o = &d->occ[i];

		rc = pdf_collect(d, o, pdf_parse_occ(d, o, 1, NULL));
		pa_reset(&d->a);
		if (!(d->notes & N_MEMORY))
			pdf_map_put(d, i);
	}
	return rc < 0 ? MDE__PDF_NOMEM : MDE__PDF_OK;
}
