/* SPDX-License-Identifier: Apache-2.0 */
/*
 * html.c - HTML pages: detection, the normalised text of ClamAV's target
 * 3, script blocks and smuggled files (see html.h).
 *
 * The normaliser follows ClamAV's documentation of its HTML target
 * (white space made single spaces, tags and their attributes normalised,
 * all lower case; comments removed, character references decoded as its
 * htmlnorm does) rather than an HTML5 parser: a signature written for
 * clamscan's normalised page must match ours.  Scripts and base64 runs
 * are found with the same tolerance as browsers run them: an unclosed
 * <script> runs to the end of the page, a string literal to its line's.
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "banned.h"

#define SLICE (16 * 1024)

int mde__html_detect(const uint8_t *buf, size_t len)
{
	static const char *const tags[] = { "html", "!doctype html", "head",
					    "body", "script", "iframe" };
	size_t n = len < 1024 ? len : 1024, i, t;
	const uint8_t *p;

	for (i = 0; i < n && (p = memchr(buf + i, '<', n - i)); i++) {
		i = (size_t)(p - buf) + 1;
		for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
			size_t tl = strlen(tags[t]);

			if (i + tl < len &&
			    !strncasecmp((const char *)buf + i, tags[t], tl) &&
			    (buf[i + tl] == '>' || buf[i + tl] == ' ' ||
			     buf[i + tl] == '\t' || buf[i + tl] == '\n' ||
			     buf[i + tl] == '\r' || buf[i + tl] == '/'))
				return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------- normalising */

struct norm {
	mde__html_sink fn;
	void *ctx;
	size_t n;
	int space;         /* a space is owed before the next byte */
	int any;           /* a byte was written (no space before it) */
	int stop;
	uint8_t b[SLICE];
};

static void emit(struct norm *o, uint8_t c)
{
	if (o->n + 2 > SLICE) {
		o->stop = o->stop || o->fn(o->ctx, o->b, o->n);
		o->n = 0;
	}
	if (o->space) {
		o->b[o->n++] = ' ';
		o->space = 0;
	}
	o->b[o->n++] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
	o->any = 1;
}

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/*
 * Most of a page is runs of bytes that are copied lower-cased: text
 * between tags, and names and values inside them.  The normaliser finds
 * such a run with a class table and writes it at once (emit_run) rather
 * than a byte at a time; the bytes that end a run are the ones the
 * loop decides on.
 */
enum { C_WS = 1, C_TEXT = 2, C_TAG = 4 };

static uint8_t cls[256], lower[256];

static void cls_init(void)
{
	for (int c = 0; c < 256; c++) {
		int ws = is_ws((uint8_t)c);

		lower[c] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		cls[c] = (uint8_t)((ws ? C_WS : 0) |
				   (ws || c == '&' || c == '<' ? C_TEXT : 0) |
				   (ws || c == '&' || c == '"' || c == '\'' ||
				    c == '>' || c == '=' || c == '/' ? C_TAG : 0));
	}
}

/* The end of the run at b[i] of bytes without class bit stop, and not
 * the byte q (0 for none). */
static size_t run_end(const uint8_t *b, size_t len, size_t i, int stop,
		      uint8_t q)
{
	while (i < len && !(cls[b[i]] & stop) && (!q || b[i] != q))
		i++;
	return i;
}

static void emit_run(struct norm *o, const uint8_t *b, size_t n)
{
	if (!n)
		return;
	if (o->space) {
		emit(o, b[0]);
		b++;
		n--;
	}
	while (n && !o->stop) {
		size_t k = SLICE - o->n < n ? SLICE - o->n : n;

		for (size_t j = 0; j < k; j++)
			o->b[o->n + j] = lower[b[j]];
		o->n += k;
		b += k;
		n -= k;
		o->any = 1;
		if (o->n == SLICE) {
			o->stop = o->fn(o->ctx, o->b, o->n);
			o->n = 0;
		}
	}
}

static void emit_cp(struct norm *o, unsigned long c)
{
	if (c == 0xa0) {
		o->space = o->any;
	} else if (c < 0x80) {
		if (is_ws((uint8_t)c))
			o->space = o->any;
		else
			emit(o, (uint8_t)c);
	} else if (c < 0x800) {
		emit(o, (uint8_t)(0xc0 | c >> 6));
		emit(o, (uint8_t)(0x80 | (c & 0x3f)));
	} else if (c < 0x110000) {
		if (c >= 0x10000) {
			emit(o, (uint8_t)(0xf0 | c >> 18));
			emit(o, (uint8_t)(0x80 | ((c >> 12) & 0x3f)));
		} else {
			emit(o, (uint8_t)(0xe0 | c >> 12));
		}
		emit(o, (uint8_t)(0x80 | ((c >> 6) & 0x3f)));
		emit(o, (uint8_t)(0x80 | (c & 0x3f)));
	}
}

/* A character reference at b[i] ('&'): its code point and length, or
 * 0 when it is none. */
static size_t charref(const uint8_t *b, size_t len, size_t i,
		      unsigned long *cp)
{
	static const struct { const char *n; unsigned long c; } named[] = {
		{ "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' },
		{ "quot;", '"' }, { "apos;", '\'' }, { "nbsp;", 0xa0 },
	};
	size_t j = i + 1, k;
	unsigned long v = 0;
	int hex;

	if (j < len && b[j] == '#') {
		hex = ++j < len && (b[j] | 0x20) == 'x';
		j += (size_t)hex;
		for (k = j; k < len && k - j < 8; k++) {
			uint8_t c = b[k] | 0x20;

			if (b[k] >= '0' && b[k] <= '9')
				v = v * (hex ? 16 : 10) + (b[k] - '0');
			else if (hex && c >= 'a' && c <= 'f')
				v = v * 16 + (c - 'a' + 10);
			else
				break;
		}
		if (k == j)
			return 0;
		*cp = v;
		return k - i + (k < len && b[k] == ';');
	}
	for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t n = strlen(named[k].n);

		if (j + n <= len &&
		    !strncasecmp((const char *)b + j, named[k].n, n)) {
			*cp = named[k].c;
			return n + 1;
		}
	}
	return 0;
}

/* Inside a tag: white space next to '<', '>', '/' and '=' goes. */
static size_t tag_char(struct norm *o, const uint8_t *b, size_t len,
		       size_t i, int *quote)
{
	uint8_t c = b[i];
	size_t j = run_end(b, len, i, C_TAG, (uint8_t)*quote);

	if (j > i) {
		emit_run(o, b + i, j - i);
		return j;
	}
	if (*quote) {
		if (c == *quote)
			*quote = 0;
		if (is_ws(c)) {
			o->space = 1;
			return i + 1;
		}
	} else if (is_ws(c)) {
		o->space = 1;
		return i + 1;
	} else if (c == '"' || c == '\'') {
		*quote = c;
	} else if (c == '>' || c == '=' || c == '/') {
		o->space = 0;
		emit(o, c);
		while (c != '>' && i + 1 < len && is_ws(b[i + 1]))
			i++;
		return i + 1;
	}
	emit(o, c);
	return i + 1;
}

static int tag_start(uint8_t c)
{
	c |= 0x20;
	return (c >= 'a' && c <= 'z') || c == '/' || c == '!' || c == '?';
}

int mde__html_normalise(const uint8_t *buf, size_t len, mde__html_sink fn,
			void *ctx)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct norm o = { fn, ctx, 0, 0, 0, 0, { 0 } };
	size_t i = 0, n;
	int tag = 0, quote = 0;
	unsigned long cp;

	pthread_once(&once, cls_init);
	while (i < len && !o.stop) {
		uint8_t c = buf[i];

		if (c == '&' && (n = charref(buf, len, i, &cp)) != 0) {
			emit_cp(&o, cp);
			i += n;
		} else if (tag) {
			tag = c != '>' || quote;
			i = tag_char(&o, buf, len, i, &quote);
		} else if (c == '<' && i + 3 < len && !memcmp(buf + i, "<!--", 4)) {
			const uint8_t *e = memmem(buf + i + 4, len - i - 4,
						  "-->", 3);

			i = e ? (size_t)(e - buf) + 3 : len;
		} else if (c == '<' && i + 1 < len && tag_start(buf[i + 1])) {
			emit(&o, c);
			for (i++; i < len && is_ws(buf[i]); i++)
				;
			tag = 1;
			quote = 0;
		} else if (is_ws(c)) {
			o.space = o.any;
			i++;
		} else if (cls[c] & C_TEXT) {
			emit(&o, c);
			i++;
		} else {
			n = run_end(buf, len, i, C_TEXT, 0);
			emit_run(&o, buf + i, n - i);
			i = n;
		}
	}
	if (o.n && !o.stop)
		o.stop = fn(ctx, o.b, o.n);
	return o.stop;
}

/* ------------------------------------------------------------ pieces */

/* The next "<tag" (any case, then white space, '>' or '/') at or after
 * from: its offset, or len. */
static size_t find_tag(const uint8_t *b, size_t len, size_t from,
		       const char *tag)
{
	size_t tl = strlen(tag);
	const uint8_t *p;

	while (from < len && (p = memchr(b + from, '<', len - from))) {
		size_t i = (size_t)(p - b);

		from = i + 1;
		if (i + 1 + tl < len &&
		    !strncasecmp((const char *)b + i + 1, tag, tl) &&
		    (is_ws(b[i + 1 + tl]) || b[i + 1 + tl] == '>' ||
		     b[i + 1 + tl] == '/'))
			return i;
	}
	return len;
}

/* The script block at or after *pos: its text in *beg, *end. */
static int next_script(const uint8_t *b, size_t len, size_t *pos,
		       size_t *beg, size_t *end)
{
	size_t s = find_tag(b, len, *pos, "script");
	const uint8_t *gt;

	if (s >= len)
		return 0;
	gt = memchr(b + s, '>', len - s);
	if (!gt) {
		*pos = len;
		return 0;
	}
	*beg = (size_t)(gt - b) + 1;
	*end = find_tag(b, len, *beg, "/script");
	*pos = *end < len ? *end + 8 : len;
	return 1;
}

static int b64c(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

static int hexc(uint8_t c)
{
	c |= 0x20;
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A data: URI's base64 payload from the ':' at b[i]: 1 and the
 * payload's range, or 0. */
static int data_uri(const uint8_t *b, size_t len, size_t i, size_t *beg,
		    size_t *end)
{
	size_t j, k;

	if (i < 4 || strncasecmp((const char *)b + i - 4, "data", 4) != 0 ||
	    (i > 4 && ((b[i - 5] | 0x20) >= 'a' && (b[i - 5] | 0x20) <= 'z')))
		return 0;
	for (j = i + 1; j < len && j - i < 256 && b[j] != ','; j++)
		if (is_ws(b[j]) || b[j] == '"' || b[j] == '\'' || b[j] == '>')
			return 0;
	if (j >= len || b[j] != ',' || j - i < 8 ||
	    strncasecmp((const char *)b + j - 7, ";base64", 7) != 0)
		return 0;
	for (k = j + 1; k < len && (b64c(b[k]) || is_ws(b[k])); k++)
		;
	*beg = j + 1;
	*end = k;
	return k - j > 16;
}

/* The closing quote of the string literal opened at b[i], or where the
 * literal ends without one (a line's end for ' and "). */
static size_t lit_end(const uint8_t *b, size_t end, size_t i)
{
	uint8_t q = b[i];
	size_t j;

	for (j = i + 1; j < end && b[j] != q; j++) {
		if (b[j] == '\\')
			j++;
		else if (q != '`' && (b[j] == '\n' || b[j] == '\r'))
			break;
	}
	return j < end ? j : end;
}

/* String literals of base64 from the quote at b[*pos] to end, joined by
 * '+': 1 and their range when they make a run long enough to be a file,
 * with a letter past 'f' (hex digits are no file). */
static int b64_run(const uint8_t *b, size_t end, size_t *pos, size_t *beg,
		   size_t *stop)
{
	size_t i = *pos, n = 0, j, k;
	int nonhex = 0;

	*beg = i;
	*stop = i;
	while (i < end) {
		uint8_t q = b[i];

		if (q != '"' && q != '\'' && q != '`') {
			if (!is_ws(q) && q != '+')
				break;
			i++;
			continue;
		}
		j = lit_end(b, end, i);
		for (k = i + 1; k < j && b64c(b[k]); k++)
			nonhex |= !hexc(b[k]);
		if (k < j || j >= end || j == i + 1) {
			i = j + 1;
			break;
		}
		n += j - i - 1;
		i = j + 1;
		*stop = i;
	}
	*pos = i;
	return n >= MDE__HTML_MIN_B64 && nonhex;
}

/* The next run of base64 literals in the scripts. */
static int next_b64(const uint8_t *b, size_t len, mde__html_iter *it,
		    mde__html_piece *p)
{
	for (;;) {
		const uint8_t *q = NULL;
		size_t i, beg, stop;

		for (i = it->pos; i < it->send && !q; i++)
			if (b[i] == '"' || b[i] == '\'' || b[i] == '`')
				q = b + i;
		if (!q) {
			it->pos = it->send;
			if (!next_script(b, len, &it->pos, &it->sbeg,
					 &it->send))
				return 0;
			it->pos = it->sbeg;
			continue;
		}
		it->pos = (size_t)(q - b);
		if (b64_run(b, it->send, &it->pos, &beg, &stop) &&
		    !(stop - beg > 6 && !strncasecmp((const char *)b + beg + 1,
						     "data:", 5))) {
			p->kind = MDE__HTML_B64;
			p->off = beg;
			p->len = stop - beg;
			return 1;
		}
	}
}

int mde__html_next(const uint8_t *buf, size_t len, mde__html_iter *it,
		   mde__html_piece *p)
{
	size_t beg, end;
	const uint8_t *c;

	if (it->phase == 0) {
		while (next_script(buf, len, &it->pos, &beg, &end)) {
			if (end == beg)
				continue;
			p->kind = MDE__HTML_SCRIPT;
			p->off = beg;
			p->len = end - beg;
			return 1;
		}
		it->phase = 1;
		it->pos = 0;
	}
	while (it->phase == 1) {
		c = it->pos < len ? memchr(buf + it->pos, ':', len - it->pos)
				  : NULL;
		if (!c) {
			it->phase = 2;
			it->pos = it->send = 0;
			break;
		}
		it->pos = (size_t)(c - buf) + 1;
		if (data_uri(buf, len, it->pos - 1, &beg, &end)) {
			it->pos = end;
			p->kind = MDE__HTML_DATA;
			p->off = beg;
			p->len = end - beg;
			return 1;
		}
	}
	return next_b64(buf, len, it, p);
}

int mde__html_decode(const uint8_t *buf, const mde__html_piece *p,
		     mde__html_sink fn, void *ctx)
{
	const uint8_t *s = buf + p->off;
	uint8_t out[SLICE];
	size_t i, n = 0;
	uint32_t acc = 0;
	int bits = 0, quote = 0;

	for (i = 0; i < p->len; i++) {
		uint8_t c = s[i];
		int v;

		if (p->kind == MDE__HTML_B64 &&
		    (c == '"' || c == '\'' || c == '`')) {
			quote = quote == c ? 0 : quote ? quote : c;
			continue;
		}
		if (p->kind == MDE__HTML_B64 && !quote)
			continue;
		v = c >= 'A' && c <= 'Z' ? c - 'A'
		    : c >= 'a' && c <= 'z' ? c - 'a' + 26
		    : c >= '0' && c <= '9' ? c - '0' + 52
		    : c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63
		    : -1;
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
		if (n == SLICE) {
			if (fn(ctx, out, n))
				return 1;
			n = 0;
		}
	}
	return n ? fn(ctx, out, n) : 0;
}
