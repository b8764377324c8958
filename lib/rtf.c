/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtf.c - \objdata and \bin objects of RTF documents.
 *
 * Word is lenient with an object's hex, and malicious documents use all
 * of it: white space and line breaks anywhere (inside a byte too),
 * control words that mean nothing there (\par), plain groups ({ }), an
 * odd count of digits (the last one is dropped), any other character
 * (skipped), and \bin N, whose N bytes are taken raw.  Ignorable
 * destinations ({\*\name ...}) inside the object are not its data.  The
 * decoder does the same, a byte at a time; it never needs more memory
 * than one slice of output, so an object of a gigabyte of hex costs what
 * its reader (arc_rtf.c) lets it keep.
 *
 * Elsewhere only backslashes matter: an object starts at the control
 * word \objdata and ends with its group; \bin's raw bytes are read past
 * wherever they are (they may hold braces and backslashes), and those
 * outside an object are an object of their own.
 */
#include "config.h"

#include <string.h>

#include "rtf.h"
#include "banned.h"

#define WORD_MAX 32
#define SLICE 4096

int mde__rtf_magic(const uint8_t *buf, size_t len)
{
	return len >= 4 && memcmp(buf, "{\\rt", 4) == 0;
}

void mde__rtf_init(mde__rtf *r, const uint8_t *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
}

static int is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int hex(uint8_t c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The control word at r->pos (after its backslash, on a letter): its
 * name in word (cut at WORD_MAX), its parameter (0 without one; large
 * ones stop growing, never wrap); the space that ends it is eaten.
 */
static long long control(mde__rtf *r, char *word)
{
	const uint8_t *b = r->buf;
	long long v = 0;
	size_t k = 0;
	int neg = 0;

	while (r->pos < r->len && is_alpha(b[r->pos])) {
		if (k < WORD_MAX)
			word[k++] = (char)b[r->pos];
		r->pos++;
	}
	word[k] = 0;
	if (r->pos + 1 < r->len && b[r->pos] == '-' && is_digit(b[r->pos + 1])) {
		neg = 1;
		r->pos++;
	}
	while (r->pos < r->len && is_digit(b[r->pos])) {
		if (v < (1LL << 40))
			v = v * 10 + (b[r->pos] - '0');
		r->pos++;
	}
	if (r->pos < r->len && b[r->pos] == ' ')
		r->pos++;
	return neg ? -v : v;
}

/* Bytes of a \bin with parameter n that are in the buffer. */
static size_t bin_len(const mde__rtf *r, long long n)
{
	if (n <= 0)
		return 0;
	return (unsigned long long)n < r->len - r->pos ? (size_t)n
						       : r->len - r->pos;
}

/* After the backslash of a control symbol: past it (\'hh whole). */
static void symbol(mde__rtf *r)
{
	size_t n = r->buf[r->pos] == '\'' ? 3 : 1;

	r->pos += n < r->len - r->pos ? n : r->len - r->pos;
}

int mde__rtf_find(mde__rtf *r)
{
	char word[WORD_MAX + 1];
	const uint8_t *p;
	long long n;

	while (r->pos < r->len &&
	       (p = memchr(r->buf + r->pos, '\\', r->len - r->pos))) {
		r->pos = (size_t)(p - r->buf) + 1;
		if (r->pos >= r->len)
			break;
		if (!is_alpha(r->buf[r->pos])) {
			symbol(r);
			continue;
		}
		n = control(r, word);
		if (strcmp(word, "objdata") == 0)
			return MDE__RTF_OBJDATA;
		if (strcmp(word, "bin") == 0 && (r->bin = bin_len(r, n)))
			return MDE__RTF_BIN;
	}
	r->pos = r->len;
	return MDE__RTF_END;
}

/* Reads past the group whose '{' is just behind r->pos. */
static void skip_group(mde__rtf *r)
{
	char word[WORD_MAX + 1];
	long depth = 1;
	uint8_t c;

	while (r->pos < r->len) {
		c = r->buf[r->pos++];
		if (c == '{') {
			depth++;
		} else if (c == '}') {
			if (--depth == 0)
				return;
		} else if (c == '\\' && r->pos < r->len) {
			if (!is_alpha(r->buf[r->pos])) {
				r->pos++; /* \{ \} \\ are no braces */
			} else {
				long long n = control(r, word);

				if (strcmp(word, "bin") == 0)
					r->pos += bin_len(r, n);
			}
		}
	}
}

/* The output of an object: a slice of decoded bytes, and whether the
 * reader still wants them. */
struct sink {
	mde__rtf_out out;
	void *ctx;
	int stop;
	uint8_t buf[SLICE];
	size_t n;
};

static void emit(struct sink *k, const uint8_t *data, size_t n)
{
	if (!k->stop && n)
		k->stop = k->out(k->ctx, data, n);
}

static void flush(struct sink *k)
{
	emit(k, k->buf, k->n);
	k->n = 0;
}

/* After a backslash inside an object: control words mean nothing there
 * but \bin, whose bytes are data. */
static void object_control(mde__rtf *r, struct sink *k, int *nib)
{
	char word[WORD_MAX + 1];
	long long n;
	size_t len;

	if (r->pos >= r->len)
		return;
	if (!is_alpha(r->buf[r->pos])) {
		symbol(r);
		return;
	}
	n = control(r, word);
	if (strcmp(word, "bin") != 0)
		return;
	len = bin_len(r, n);
	flush(k);
	*nib = -1; /* a digit left alone before raw bytes is dropped */
	emit(k, r->buf + r->pos, len);
	r->pos += len;
}

static void objdata(mde__rtf *r, struct sink *k)
{
	long depth = 0;
	int nib = -1, v;
	uint8_t c;

	while (r->pos < r->len) {
		c = r->buf[r->pos++];
		if ((v = hex(c)) >= 0) {
			if (nib < 0) {
				nib = v;
				continue;
			}
			k->buf[k->n++] = (uint8_t)(nib << 4 | v);
			nib = -1;
			if (k->n == SLICE)
				flush(k);
		} else if (c == '{') {
			if (r->len - r->pos >= 2 && r->buf[r->pos] == '\\' &&
			    r->buf[r->pos + 1] == '*')
				skip_group(r);
			else
				depth++;
		} else if (c == '}') {
			if (depth-- == 0)
				break;
		} else if (c == '\\') {
			object_control(r, k, &nib);
		}
	}
	flush(k);
}

void mde__rtf_decode(mde__rtf *r, int kind, mde__rtf_out out, void *ctx)
{
	struct sink k;

	k.out = out;
	k.ctx = ctx;
	k.stop = !out;
	k.n = 0;
	if (kind == MDE__RTF_OBJDATA) {
		objdata(r, &k);
	} else if (kind == MDE__RTF_BIN) {
		emit(&k, r->buf + r->pos, r->bin);
		r->pos += r->bin;
		r->bin = 0;
	}
}
