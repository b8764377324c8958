/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf.c - the document: its objects indexed at open, the security
 * handler set up from the newest trailer, and every top-level object
 * read once for what it says (pdf_doc.c).  What a PDF is to this reader
 * and why it is read this way: pdf.h.
 *
 * The index is the scan for "N G obj" (readers repair broken files the
 * same way) plus the cross-reference chain (pdf_xref.c).  A stream's data
 * is found by its /Length when "endstream" follows it, else by the next
 * "endstream"; what looks like an object inside a stream's data (a PDF
 * embedded unpacked, say) is not one of this document's.  When an object
 * number is defined more than once, the definition found last in the file
 * is the newest revision's: incremental updates are appended.
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "pdf_int.h"
#include "banned.h"

/* Nodes of one object past which it is cut (a million numbers). */
#define PARSE_CAP (1u << 20)

int mde__pdf_magic(const uint8_t *buf, size_t len)
{
	return len >= 5 && !memcmp(buf, "%PDF-", 5);
}

int mde__pdf_detect(const uint8_t *buf, size_t len)
{
	return mde__find(buf, len < 1024 ? len : 1024, "%PDF-", 5) != NULL;
}

/* ------------------------------------------------------------- index */

/* Where object o stands in the file: an object stream's objects where
 * the stream does. */
static size_t place(const mde__pdf *d, const struct pocc *o)
{
	return o->stm ? d->stm[o->stm - 1].start : o->start;
}

static int map_grow(mde__pdf *d);

void pdf_map_put(mde__pdf *d, size_t i)
{
	const struct pocc *o = &d->occ[i];
	size_t h, mask;

	if ((d->mapused + 1) * 2 > d->mapcap && map_grow(d) < 0)
		return;
	mask = d->mapcap - 1;
	for (h = (o->num * 2654435761u) & mask;; h = (h + 1) & mask) {
		uint32_t v = d->map[h];

		if (!v) {
			d->map[h] = (uint32_t)i + 1;
			d->mapused++;
			return;
		}
		if (d->occ[v - 1].num == o->num) {
			if (place(d, &d->occ[v - 1]) <= place(d, o))
				d->map[h] = (uint32_t)i + 1;
			return;
		}
	}
}

static int map_grow(mde__pdf *d)
{
	size_t cap = d->mapcap ? d->mapcap * 2 : 1024, i, old = d->mapcap;
	uint32_t *m = calloc(cap, sizeof(*m)), *was = d->map;

	if (!m) {
		d->notes |= N_MEMORY;
		return -1;
	}
	d->map = m;
	d->mapcap = cap;
	d->mapused = 0;
	for (i = 0; i < old; i++)
		if (was[i])
			pdf_map_put(d, was[i] - 1);
	free(was);
	return 0;
}

const struct pocc *pdf_lookup(const mde__pdf *d, uint32_t num)
{
	size_t h, mask = d->mapcap - 1;

	if (!d->mapcap)
		return NULL;
	for (h = (num * 2654435761u) & mask; d->map[h]; h = (h + 1) & mask)
		if (d->occ[d->map[h] - 1].num == num)
			return &d->occ[d->map[h] - 1];
	return NULL;
}

long pdf_add_occ(mde__pdf *d, uint32_t num, uint32_t gen, size_t start,
		 size_t body, uint32_t stm)
{
	struct pocc *o;

	if (d->nocc >= d->max_objects) {
		d->notes |= N_OBJECTS;
		return -1;
	}
	if (d->nocc == d->capocc) {
		size_t cap = d->capocc ? d->capocc * 2 : 256;

		o = realloc(d->occ, cap * sizeof(*o));
		if (!o) {
			d->notes |= N_MEMORY;
			return -1;
		}
		d->occ = o;
		d->capocc = cap;
	}
	o = &d->occ[d->nocc];
	memset(o, 0, sizeof(*o));
	o->num = num;
	o->gen = gen;
	o->start = start;
	o->body = body;
	o->stm = stm;
	return (long)d->nocc++;
}

static int digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* "N G obj" ending at buf[i..i+3): the object's start, or -1. */
static long obj_head(const uint8_t *b, size_t i, uint32_t *num,
		     uint32_t *gen)
{
	size_t j = i, k, m, q;
	uint64_t v;

	while (j > 0 && pdf_is_ws(b[j - 1]))
		j--;
	for (k = j; k > 0 && digit(b[k - 1]) && j - k < 6; k--)
		;
	if (k == j || k == i)
		return -1;
	for (m = k; m > 0 && pdf_is_ws(b[m - 1]); m--)
		;
	for (q = m; q > 0 && digit(b[q - 1]) && m - q < 10; q--)
		;
	if (m == k || q == m)
		return -1;
	for (v = 0, j = q; j < m; j++)
		v = v * 10 + (b[j] - '0');
	if (v > UINT32_MAX)
		return -1;
	*num = (uint32_t)v;
	for (v = 0, j = k; j < k + 6 && digit(b[j]); j++)
		v = v * 10 + (b[j] - '0');
	*gen = (uint32_t)v;
	return (long)q;
}

/* Every "N G obj" of the file, in file order. */
static void scan(mde__pdf *d)
{
	const uint8_t *b = d->buf, *hit;
	size_t from = 0;

	while (from < d->len &&
	       (hit = memmem(b + from, d->len - from, "obj", 3))) {
		size_t i = (size_t)(hit - b);
		uint32_t num, gen;
		long st;

		from = i + 3;
		if (i + 3 < d->len && !pdf_is_ws(b[i + 3]) &&
		    !pdf_is_delim(b[i + 3]))
			continue;
		st = obj_head(b, i, &num, &gen);
		if (st >= 0 && pdf_add_occ(d, num, gen, (size_t)st, i + 3,
					   0) < 0)
			return;
	}
}

/* ----------------------------------------------------------- objects */

pobj *pdf_parse_occ(mde__pdf *d, const struct pocc *o, int plain,
		    size_t *end)
{
	pparse p = { 0 };
	pobj *v;

	p.buf = o->stm ? d->stm[o->stm - 1].data : d->buf;
	p.len = o->stm ? d->stm[o->stm - 1].len : d->len;
	p.pos = o->body;
	p.a = &d->a;
	p.c = plain || o->stm || (o->flags & O_PLAIN) ? NULL : d->crypt;
	p.num = o->num;
	p.gen = o->gen;
	p.max_work = d->a.work + d->parse_cap;
	v = pdf_parse_obj(&p, 0);
	if (p.too_deep)
		d->notes |= N_DEPTH;
	if (end)
		*end = p.pos;
	return v;
}

int64_t pdf_int(mde__pdf *d, const pobj *o)
{
	const struct pocc *r;

	if (o && o->t == P_REF && (r = pdf_lookup(d, o->num)) != NULL) {
		d->parse_cap = 4; /* a number, not a hostile array */
		o = pdf_parse_occ(d, r, 1, NULL);
		d->parse_cap = PARSE_CAP;
	}
	return o && o->t == P_INT && o->i >= 0 ? o->i : -1;
}

/* The next "endstream" from pos, remembering the last search: a file
 * of many streams without one costs a single pass. */
static size_t endstream(mde__pdf *d, size_t pos)
{
	const uint8_t *e;

	if (d->es_at && pos >= d->es_from && pos <= d->es_at)
		return d->es_at;
	e = memmem(d->buf + pos, d->len - pos, "endstream", 9);
	d->es_from = pos;
	d->es_at = e ? (size_t)(e - d->buf) : d->len;
	return d->es_at;
}

/* The stream after the dictionary dict that ends at pos, if any: its
 * data in o->sdata, o->slen. */
static void stream_data(mde__pdf *d, struct pocc *o, const pobj *dict,
			size_t pos)
{
	const uint8_t *b = d->buf;
	int64_t n;
	size_t s, e;

	pos = pdf_skip_ws(b, d->len, pos);
	if (!dict || dict->t != P_DICT || pos + 6 > d->len ||
	    memcmp(b + pos, "stream", 6) != 0)
		return;
	s = pos + 6;
	if (s < d->len && b[s] == '\r')
		s++;
	if (s < d->len && b[s] == '\n')
		s++;
	n = pdf_int(d, pdf_dget(dict, "Length"));
	e = n >= 0 && (uint64_t)n <= d->len - s ? s + (size_t)n : 0;
	if (!e || (e = pdf_skip_ws(b, d->len, e)) + 9 > d->len ||
	    memcmp(b + e, "endstream", 9) != 0) {
		e = endstream(d, s);
		/* the end-of-line before "endstream" is not data */
		if (e > s && b[e - 1] == '\n')
			e--;
		if (e > s && b[e - 1] == '\r')
			e--;
		n = (int64_t)(e - s);
	}
	o->flags |= O_STREAM;
	o->sdata = s;
	o->slen = (size_t)n;
}

static void type_flags(struct pocc *o, const pobj *v)
{
	const pobj *t = pdf_dget(v, "Type");

	if (pdf_is_name(t, "ObjStm"))
		o->flags |= O_OBJSTM;
	else if (pdf_is_name(t, "XRef"))
		o->flags |= O_XREF | O_PLAIN;
	else if (pdf_is_name(t, "EmbeddedFile"))
		o->flags |= O_EMBED;
	else if (pdf_is_name(t, "Metadata"))
		o->flags |= O_META;
}

/* Reads every top-level object once, in file order. */
static void read_objects(mde__pdf *d)
{
	size_t i, dead = 0, end;

	for (i = 0; i < d->nocc; i++) {
		struct pocc *o = &d->occ[i];
		pobj *v;

		if (o->start < dead) {
			o->flags |= O_DEAD;
			continue;
		}
		if (d->crypt && o->num == d->enc_num)
			o->flags |= O_PLAIN;
		v = pdf_parse_occ(d, o, 0, &end);
		type_flags(o, v);
		if (o->flags & O_XREF)
			v = pdf_parse_occ(d, o, 1, &end);
		stream_data(d, o, v, end);
		if (o->flags & O_STREAM)
			dead = o->sdata + o->slen;
		if (pdf_collect(d, o, v) < 0)
			d->notes |= N_MEMORY;
		pa_reset(&d->a);
	}
}

static int by_start(const void *a, const void *b)
{
	const struct pocc *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorts the objects into file order, the chain's twice listed once. */
static void sort_objects(mde__pdf *d)
{
	size_t i, n = 0;

	if (d->nocc) /* qsort's base must not be NULL (UBSan) */
		qsort(d->occ, d->nocc, sizeof(*d->occ), by_start);
	for (i = 0; i < d->nocc; i++)
		if (!n || d->occ[n - 1].start != d->occ[i].start)
			d->occ[n++] = d->occ[i];
	d->nocc = n;
}

/* Without a chain nor a "trailer", the last cross-reference stream's
 * dictionary is the trailer. */
static void xref_trailer(mde__pdf *d)
{
	size_t i, k;

	for (i = d->nocc, k = 0; i > 0 && k < 64 && !d->trailer; i--, k++) {
		const pobj *v = pdf_parse_occ(d, &d->occ[i - 1], 1, NULL);

		if (pdf_is_name(pdf_dget(v, "Type"), "XRef"))
			d->trailer = d->occ[i - 1].body;
		pa_reset(&d->a);
	}
}

static void build_map(mde__pdf *d)
{
	size_t i;

	memset(d->map, 0, d->mapcap * sizeof(*d->map));
	d->mapused = 0;
	for (i = 0; i < d->nocc; i++)
		if (!(d->occ[i].flags & O_DEAD))
			pdf_map_put(d, i);
}

/* The security handler of the newest trailer's /Encrypt. */
static void setup_crypt(mde__pdf *d)
{
	struct pocc t = { 0 };
	const pobj *tr, *enc, *id;
	const struct pocc *eo = NULL;

	if (!d->trailer)
		return;
	t.body = d->trailer;
	t.stm = 0;
	tr = pdf_parse_occ(d, &t, 1, NULL);
	enc = pdf_dget(tr, "Encrypt");
	if (!enc)
		goto out;
	if (enc->t == P_REF && (eo = pdf_lookup(d, enc->num)) != NULL) {
		d->enc_num = enc->num;
		enc = pdf_parse_occ(d, eo, 1, NULL);
	}
	id = pdf_dget(tr, "ID");
	id = id && id->t == P_ARRAY ? id->kid : NULL;
	d->crypt = pdf_crypt_new(enc, id && id->t == P_STR ? id : NULL);
	d->meta_plain = pdf_is_bool(pdf_dget(enc, "EncryptMetadata"), 0);
	d->encrypted = d->crypt ? 1 : -1;
	if (!d->crypt)
		d->notes |= N_ENCRYPTED;
out:
	pa_reset(&d->a);
}

mde__pdf *mde__pdf_open(const uint8_t *buf, size_t len,
			const mde__pdf_limits *lim)
{
	mde__pdf *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->buf = buf;
	d->len = len;
	d->parse_cap = PARSE_CAP;
	d->max_objects = lim && lim->max_objects ? lim->max_objects
						 : len / 8 + 1024;
	d->max_internal = lim && lim->max_internal ? lim->max_internal
						   : 64u << 20;
	scan(d);
	pdf_xref(d);
	sort_objects(d);
	if (!d->trailer)
		xref_trailer(d);
	if (map_grow(d) < 0) {
		mde__pdf_close(d);
		return NULL;
	}
	build_map(d);
	setup_crypt(d);
	read_objects(d);
	build_map(d);
	return d;
}

void mde__pdf_close(mde__pdf *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nstm; i++)
		free(d->stm[i].data);
	for (i = 0; i < d->nnames; i++)
		free(d->names[i].name);
	for (i = 0; i < d->njs; i++)
		free(d->js[i].text);
	free(d->stm);
	free(d->names);
	free(d->js);
	free(d->jsstm);
	free(d->occ);
	free(d->map);
	free(d->owned);
	pdf_crypt_free(d->crypt);
	pa_reset(&d->a);
	free(d);
}

int mde__pdf_encrypted(const mde__pdf *d)
{
	return d->encrypted;
}

const char *mde__pdf_note(mde__pdf *d)
{
	static const struct { unsigned bit; const char *why; } n[] = {
		{ N_ENCRYPTED, "encrypted" },
		{ N_DEPTH, "limit: max-recursion" },
		{ N_OBJECTS, "limit: max-files" },
		{ N_MEMORY, "out of memory" },
	};
	size_t i;

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		if ((d->notes & n[i].bit) && !(d->said & n[i].bit)) {
			d->said |= n[i].bit;
			return n[i].why;
		}
	}
	return NULL;
}
