/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf_filter.c - the standard stream filters of PDF (ISO 32000-1, 7.4):
 * FlateDecode (zlib), LZWDecode, ASCIIHexDecode, ASCII85Decode and
 * RunLengthDecode, with the PNG and TIFF predictors, in chains.
 *
 * Every filter writes its output in slices to a sink: the last filter of
 * a chain to the caller's (which checks the limits on every slice, so a
 * bomb is stopped while it expands), the others to a buffer bounded by
 * stage_cap.  Damaged data ends a filter where it is damaged, and what
 * was decoded before it stands: readers show what they can, and so a
 * payload is not hidden behind a stray byte at the end.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pdf_int.h"
#include "banned.h"

#define SLICE (16 * 1024)

/* ------------------------------------------------------ memory sink */

int pmem_put(void *ctx, const uint8_t *d, size_t n)
{
	pmem *m = ctx;
	size_t cap;
	uint8_t *p;

	if (m->len + n > m->limit) {
		m->over = 1;
		n = m->limit - m->len;
	}
	if (m->len + n > m->cap) {
		cap = m->cap ? m->cap : SLICE;
		while (cap < m->len + n)
			cap *= 2;
		p = realloc(m->p, cap);
		if (!p) {
			m->nomem = 1;
			return 1;
		}
		m->p = p;
		m->cap = cap;
	}
	if (n)
		memcpy(m->p + m->len, d, n);
	m->len += n;
	return m->over;
}

void pmem_free(pmem *m)
{
	free(m->p);
	m->p = NULL;
	m->len = m->cap = 0;
}

/* ------------------------------------------------- output in slices */

struct out {
	mde__pdf_sink fn;
	void *ctx;
	size_t n;
	int stop;
	uint8_t b[SLICE];
};

static int flush(struct out *o)
{
	if (o->n && !o->stop && o->fn(o->ctx, o->b, o->n))
		o->stop = 1;
	o->n = 0;
	return o->stop;
}

static int put(struct out *o, uint8_t c)
{
	o->b[o->n++] = c;
	return o->n == SLICE ? flush(o) : o->stop;
}

/* The result of a filter: stopped, damaged or done. */
static int result(struct out *o, int damaged)
{
	flush(o);
	if (o->stop)
		return MDE__PDF_STOP;
	return damaged ? MDE__PDF_DAMAGED : MDE__PDF_OK;
}

/* --------------------------------------------------------- filters */

static int flate(const uint8_t *in, size_t len, struct out *o)
{
	z_stream z;
	int rc = Z_OK, raw;

	/* zlib first; a bare deflate stream (no header) as readers take it */
	for (raw = 0; raw < 2; raw++) {
		memset(&z, 0, sizeof(z));
		if (inflateInit2(&z, raw ? -15 : 15) != Z_OK)
			return MDE__PDF_NOMEM;
		z.next_in = (Bytef *)(uintptr_t)in;
		z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
		rc = Z_OK;
		while (rc == Z_OK && !o->stop) {
			z.next_out = o->b;
			z.avail_out = SLICE;
			rc = inflate(&z, Z_NO_FLUSH);
			o->n = SLICE - z.avail_out;
			flush(o);
			if (rc == Z_BUF_ERROR && z.avail_out)
				break; /* input ended */
		}
		inflateEnd(&z);
		if (rc != Z_DATA_ERROR || z.total_out)
			break;
	}
	return result(o, rc != Z_STREAM_END && rc != Z_OK);
}

static int hexv(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int ahx(const uint8_t *in, size_t len, struct out *o)
{
	int hi = -1, bad = 0;
	size_t i;

	for (i = 0; i < len && !o->stop && in[i] != '>'; i++) {
		int v = hexv(in[i]);

		if (v < 0) {
			bad |= !pdf_is_ws(in[i]);
			continue;
		}
		if (hi < 0) {
			hi = v;
		} else {
			put(o, (uint8_t)(hi << 4 | v));
			hi = -1;
		}
	}
	if (hi >= 0)
		put(o, (uint8_t)(hi << 4));
	return result(o, bad);
}

/* A group of k (2 to 5) base-85 digits in g: k - 1 bytes. */
static int a85_group(struct out *o, const uint8_t *g, int k)
{
	uint64_t v = 0;
	int j;

	for (j = 0; j < 5; j++)
		v = v * 85 + (j < k ? g[j] : 84);
	if (v > UINT32_MAX)
		return -1;
	for (j = 0; j < k - 1; j++)
		put(o, (uint8_t)(v >> (24 - 8 * j)));
	return 0;
}

static int a85(const uint8_t *in, size_t len, struct out *o)
{
	uint8_t g[5];
	int k = 0, bad = 0;
	size_t i;

	if (len >= 2 && in[0] == '<' && in[1] == '~')
		in += 2, len -= 2;
	for (i = 0; i < len && !o->stop && !bad; i++) {
		uint8_t c = in[i];

		if (c == '~')
			break;
		if (pdf_is_ws(c))
			continue;
		if (c == 'z' && k == 0) {
			put(o, 0), put(o, 0), put(o, 0), put(o, 0);
			continue;
		}
		if (c < '!' || c > 'u') {
			bad = 1;
			break;
		}
		g[k++] = (uint8_t)(c - '!');
		if (k == 5) {
			bad = a85_group(o, g, 5) < 0;
			k = 0;
		}
	}
	if (k == 1)
		bad = 1;
	else if (k > 1 && !bad)
		bad = a85_group(o, g, k) < 0;
	return result(o, bad);
}

static int rl(const uint8_t *in, size_t len, struct out *o)
{
	size_t i = 0, k, n;

	while (i < len && !o->stop) {
		uint8_t c = in[i++];

		if (c == 128)
			return result(o, 0);
		if (c < 128) {
			n = (size_t)c + 1;
			for (k = 0; k < n && i < len; k++)
				put(o, in[i++]);
			if (k < n)
				return result(o, 1);
		} else {
			if (i >= len)
				return result(o, 1);
			for (k = 0; k < (size_t)(257 - c); k++)
				put(o, in[i]);
			i++;
		}
	}
	return result(o, 0);
}

struct lzw {
	uint16_t prefix[4096];
	uint8_t suffix[4096], first[4096];
	uint8_t stack[4096];
};

/* Writes the string of code c. */
static void lzw_emit(struct lzw *z, struct out *o, unsigned c)
{
	size_t n = 0;

	while (c >= 258 && n < sizeof(z->stack)) {
		z->stack[n++] = z->suffix[c];
		c = z->prefix[c];
	}
	put(o, (uint8_t)c);
	while (n)
		put(o, z->stack[--n]);
}

static int lzw(const uint8_t *in, size_t len, struct out *o, int early)
{
	struct lzw *z = malloc(sizeof(*z));
	unsigned w = 9, next = 258, code;
	int old = -1, bad = 1;
	uint32_t acc = 0;
	size_t i = 0;
	int bits = 0;

	if (!z)
		return MDE__PDF_NOMEM;
	for (code = 0; code < 256; code++)
		z->first[code] = (uint8_t)code;
	while (!o->stop) {
		while (bits < (int)w && i < len)
			acc = acc << 8 | in[i++], bits += 8;
		if (bits < (int)w)
			break; /* the data ended without EOD: tolerated */
		code = (acc >> (bits - (int)w)) & ((1u << w) - 1);
		bits -= (int)w;
		if (code == 256) {
			w = 9, next = 258, old = -1;
			continue;
		}
		if (code == 257) {
			bad = 0;
			break;
		}
		if (old < 0) {
			if (code > 255)
				break;
			put(o, (uint8_t)code);
			old = (int)code;
			continue;
		}
		if (code > next)
			break;
		if (next < 4096) {
			z->prefix[next] = (uint16_t)old;
			z->first[next] = z->first[old];
			z->suffix[next] = z->first[code == next ? (unsigned)old
								: code];
			next++;
		}
		lzw_emit(z, o, code);
		old = (int)code;
		if (next + (unsigned)early >= (1u << w) && w < 12)
			w++;
	}
	free(z);
	return result(o, bad && i < len);
}

/* ------------------------------------------------------ predictors */

/* A sink that undoes a predictor (7.4.4.4) row by row before passing
 * the rows on. */
struct pred {
	mde__pdf_sink fn;
	void *ctx;
	int png;            /* PNG (10 to 15) or TIFF (2) */
	size_t row, bpp, have;
	uint8_t *cur, *prev; /* a PNG row has its tag byte first */
	int stopped;
};

static uint8_t paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

static void png_row(struct pred *p)
{
	uint8_t *r = p->cur + 1, *u = p->prev + 1;
	size_t i, b = p->bpp;

	for (i = 0; i < p->row; i++) {
		int a = i >= b ? r[i - b] : 0, c = i >= b ? u[i - b] : 0;

		switch (p->cur[0]) {
		case 1: r[i] = (uint8_t)(r[i] + a); break;
		case 2: r[i] = (uint8_t)(r[i] + u[i]); break;
		case 3: r[i] = (uint8_t)(r[i] + ((a + u[i]) >> 1)); break;
		case 4: r[i] = (uint8_t)(r[i] + paeth(a, u[i], c)); break;
		}
	}
}

static int pred_put(void *ctx, const uint8_t *d, size_t n)
{
	struct pred *p = ctx;
	size_t full = p->row + (size_t)p->png, k;
	uint8_t *t;

	while (n) {
		k = full - p->have < n ? full - p->have : n;
		memcpy(p->cur + p->have, d, k);
		p->have += k, d += k, n -= k;
		if (p->have < full)
			break;
		if (p->png) {
			png_row(p);
		} else {
			for (k = p->bpp; k < p->row; k++)
				p->cur[k] = (uint8_t)(p->cur[k] +
						      p->cur[k - p->bpp]);
		}
		if (p->fn(p->ctx, p->cur + p->png, p->row)) {
			p->stopped = 1;
			return 1;
		}
		t = p->prev, p->prev = p->cur, p->cur = t;
		p->have = 0;
	}
	return 0;
}

static int64_t parm(const pobj *dp, const char *key, int64_t def)
{
	const pobj *v = pdf_dget(dp, key);

	return v && v->t == P_INT ? v->i : def;
}

/* Sets p up from /DecodeParms dp: 0, or -1 when none applies. */
static int pred_init(struct pred *p, const pobj *dp)
{
	int64_t pr = parm(dp, "Predictor", 1), colors, bpc, cols, bits;

	colors = parm(dp, "Colors", 1);
	bpc = parm(dp, "BitsPerComponent", 8);
	cols = parm(dp, "Columns", 1);
	if ((pr != 2 && (pr < 10 || pr > 15)) || colors < 1 || colors > 64 ||
	    bpc < 1 || bpc > 16 || cols < 1 || cols > (1 << 24))
		return -1;
	if (pr == 2 && bpc != 8)
		return -1; /* TIFF with other depths: passed on as is */
	bits = colors * bpc * cols;
	memset(p, 0, sizeof(*p));
	p->png = pr >= 10;
	p->row = (size_t)(bits + 7) / 8;
	p->bpp = (size_t)(colors * bpc + 7) / 8;
	p->cur = calloc(1, p->row + 1);
	p->prev = calloc(1, p->row + 1);
	return p->cur && p->prev ? 0 : -1;
}

static void pred_fini(struct pred *p)
{
	/* a last row cut short is passed on as it is */
	if (!p->stopped && p->have > (size_t)p->png)
		p->fn(p->ctx, p->cur + p->png, p->have - (size_t)p->png);
	free(p->cur);
	free(p->prev);
}

/* ---------------------------------------------------------- chains */

enum { F_NONE, F_FLATE, F_LZW, F_AHX, F_A85, F_RL, F_CRYPT };

static int filter_kind(const pobj *nm)
{
	static const struct { const char *n; int k; } names[] = {
		{ "FlateDecode", F_FLATE }, { "Fl", F_FLATE },
		{ "LZWDecode", F_LZW }, { "LZW", F_LZW },
		{ "ASCIIHexDecode", F_AHX }, { "AHx", F_AHX },
		{ "ASCII85Decode", F_A85 }, { "A85", F_A85 },
		{ "RunLengthDecode", F_RL }, { "RL", F_RL },
		{ "Crypt", F_CRYPT },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (pdf_is_name(nm, names[i].n))
			return names[i].k;
	return F_NONE;
}

/* One filter of kind k from in to fn, with the predictor of dp. */
static int run_one(int k, const pobj *dp, const uint8_t *in, size_t len,
		   mde__pdf_sink fn, void *ctx)
{
	struct out *o = malloc(sizeof(*o));
	struct pred pr = { 0 };
	int rc, usepred = (k == F_FLATE || k == F_LZW) &&
			  pred_init(&pr, dp) == 0;

	if (!o)
		return MDE__PDF_NOMEM;
	o->n = 0;
	o->stop = 0;
	o->fn = fn, o->ctx = ctx;
	if (usepred) {
		pr.fn = fn, pr.ctx = ctx;
		o->fn = pred_put, o->ctx = &pr;
	}
	switch (k) {
	case F_FLATE: rc = flate(in, len, o); break;
	case F_LZW: rc = lzw(in, len, o, (int)parm(dp, "EarlyChange", 1));
		break;
	case F_AHX: rc = ahx(in, len, o); break;
	case F_A85: rc = a85(in, len, o); break;
	case F_RL: rc = rl(in, len, o); break;
	default: rc = fn(ctx, in, len) ? MDE__PDF_STOP : MDE__PDF_OK;
	}
	if (usepred)
		pred_fini(&pr);
	else if (k == F_FLATE || k == F_LZW)
		free(pr.cur), free(pr.prev);
	free(o);
	return rc;
}

/* The i-th item of a name or array (filters, parameters). */
static const pobj *nth(const pobj *o, size_t i)
{
	if (!o)
		return NULL;
	if (o->t != P_ARRAY)
		return i == 0 ? o : NULL;
	for (o = o->kid; o && i; o = o->next, i--)
		;
	return o;
}

int pdf_filters(const pobj *dict, const uint8_t *data, size_t len,
		mde__pdf_sink fn, void *ctx, size_t stage_cap)
{
	const pobj *f = pdf_dget(dict, "Filter");
	const pobj *dp = pdf_dget(dict, "DecodeParms");
	pmem m = { 0 }, prev = { 0 };
	int rc = MDE__PDF_OK, worst = MDE__PDF_OK;
	size_t i, n = !f ? 0 : f->t == P_ARRAY ? f->n : 1;

	for (i = 0; i < n && rc <= MDE__PDF_DAMAGED; i++) {
		int k = filter_kind(nth(f, i));
		int last = i + 1 == n || filter_kind(nth(f, i + 1)) == F_NONE;

		if (k == F_NONE) {
			rc = MDE__PDF_UNSUPPORTED;
			break;
		}
		memset(&m, 0, sizeof(m));
		m.limit = stage_cap;
		rc = run_one(k, nth(dp, i), data, len, last ? fn : pmem_put,
			     last ? ctx : &m);
		if (rc == MDE__PDF_STOP && !last && m.over && !m.nomem)
			rc = MDE__PDF_DAMAGED; /* cut at the stage's cap */
		if (rc == MDE__PDF_DAMAGED)
			worst = rc;
		pmem_free(&prev);
		prev = m;
		data = m.p, len = m.len;
		if (last)
			return rc == MDE__PDF_OK ? worst : rc;
	}
	if (rc <= MDE__PDF_DAMAGED || rc == MDE__PDF_UNSUPPORTED)
		rc = fn(ctx, data, len) ? MDE__PDF_STOP
		     : rc == MDE__PDF_UNSUPPORTED ? rc : worst;
	pmem_free(&prev);
	return rc;
}
