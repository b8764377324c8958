/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mime_header.c - the header of a mail entity: its lines and fields, the
 * content type and transfer encoding, parameters (RFC 2045, RFC 2231
 * continuations and charsets) and the file name of a part (RFC 2047
 * encoded words), made safe to print.
 *
 * Leniency follows what mail clients (and ClamAV) read, since a gateway's
 * odd message must still be opened: comments are taken out of field
 * names and of the values the walk reads, a few lines that are no fields
 * are skipped, encodings are known by what their names hold ("x-base64")
 * and an unknown one is taken as it is, names are decoded whatever the
 * charset and wherever senders put encoded words.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mime_int.h"
#include "banned.h"

/* mime_int.h's table, by a name that keeps the decoders on one line */
#define hexv mde__mime_hexv

#define NSEC 32                /* RFC 2231 sections joined at most */
#define CHARSET_MAX 76         /* longest charset of an RFC 2047 word */


const uint8_t *mde__mime_line_end(const uint8_t *p, const uint8_t *end,
				  const uint8_t **ce)
{
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	const uint8_t *e = nl ? nl : end;

	if (e > p && e[-1] == '\r')
		e--;
	*ce = e;
	return nl ? nl + 1 : end;
}

/* -------------------------------------------------------------- headers */

/* Copies s[0..n) into out (cap bytes) without its comments "(...)"
 * (nested, with quoted pairs; none inside a quoted string); returns the
 * length, or SIZE_MAX when it does not fit or a comment is left open. */
static size_t decomment(const uint8_t *s, size_t n, uint8_t *out, size_t cap)
{
	size_t i, o = 0, depth = 0;
	bool quoted = false;

	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (depth) {
			if (c == '\\')
				i++;
			else
				depth += c == '(' ? 1 : c == ')' ? (size_t)-1 : 0;
			continue;
		}
		if (c == '(' && !quoted) {
			depth = 1;
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		if (o == cap)
			return SIZE_MAX;
		out[o++] = c;
		if (c == '\\' && quoted && i + 1 < n) {
			if (o == cap)
				return SIZE_MAX;
			out[o++] = s[++i];
		}
	}
	return depth ? SIZE_MAX : o;
}

static bool name_char(uint8_t c)
{
	return c > ' ' && c < 127 && c != ':';
}

/* A field name with comments in it, taken out into nb: its length, or 0
 * when s..ce is no such field. */
static size_t commented_name(const uint8_t *s, const uint8_t *ce,
			     uint8_t *nb, const uint8_t **name,
			     const uint8_t **colon)
{
	const uint8_t *c = memchr(s, ':', (size_t)(ce - s));
	size_t n, i;

	if (!c || !memchr(s, '(', (size_t)(c - s)))
		return 0;
	n = decomment(s, (size_t)(c - s), nb, FIELD_CAP);
	/* "Content-Type (x):" - no mail client's, but no harm either */
	while (n && n != SIZE_MAX && (nb[n - 1] == ' ' || nb[n - 1] == '\t'))
		n--;
	if (n == SIZE_MAX || n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char(nb[i]))
			return 0;
	*name = nb;
	*colon = c;
	return n;
}

size_t mde__mime_field_name(const uint8_t *s, const uint8_t *ce, bool lax,
			    uint8_t *nb, const uint8_t **name,
			    const uint8_t **colon)
{
	const uint8_t *q = s;
	size_t n;

	while (q < ce && name_char(*q))
		q++;
	n = (size_t)(q - s);
	while (lax && q < ce && (*q == ' ' || *q == '\t'))
		q++;
	if (n && q < ce && *q == ':' && !memchr(s, '(', n)) {
		*name = s;
		*colon = q;
		return n;
	}
	return commented_name(s, ce, nb, name, colon);
}

bool mde__mime_name_is(const uint8_t *s, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp((const char *)s, name, n);
}

/* The slot for header s[0..n), or NULL if it is not wanted or was seen
 * already (the first of repeated fields wins, but for Content-Type: a
 * few are kept, see struct hdrs). */
static struct span *slot(struct hdrs *h, const uint8_t *s, size_t n)
{
	struct span *sp = NULL;

	if (mde__mime_name_is(s, n, "Content-Type"))
		return h->nct < MAX_CT ? &h->cts[h->nct++] : NULL;
	if (mde__mime_name_is(s, n, "Content-Disposition"))
		sp = &h->cd;
	else if (mde__mime_name_is(s, n, "Content-Transfer-Encoding"))
		sp = &h->cte;
	return sp && !sp->p ? sp : NULL;
}

/* Takes the comments out of value v (into h->clean) when it has any and
 * the rest fits: "(x) multipart/mixed; boundary=(y)b" is read as
 * mail clients and ClamAV read it. */
static void clean(struct hdrs *h, struct span *v)
{
	size_t n;

	if (!v->p || !memchr(v->p, '(', v->n))
		return;
	n = decomment(v->p, v->n, h->clean + h->used, CLEAN_CAP - h->used);
	if (n == SIZE_MAX)
		return;
	v->p = h->clean + h->used;
	v->n = n;
	h->used += n;
}

/* The header has been read up to body. */
static void finish(struct hdrs *h, const uint8_t *body)
{
	size_t i;

	h->body = body;
	for (i = 0; i < h->nct; i++)
		clean(h, &h->cts[i]);
	clean(h, &h->cte);
	h->ct = h->nct ? h->cts[0] : (struct span){ NULL, 0 };
}

/*
 * Junk lines: a header ends at a blank line; a line that is neither a
 * field nor a continuation, after the first field, is skipped as mail
 * clients and ClamAV skip it (a gateway's "X-Junk without colon" must
 * not hide the Content-Type after it) when a blank line still ends the
 * header within a few of them; otherwise the header ended there, and the
 * body starts with that line (a part without headers is all body).
 */
void mde__mime_parse_headers(const uint8_t *p, const uint8_t *end,
			     struct hdrs *h)
{
	struct span *cur = NULL;
	uint8_t nb[FIELD_CAP];
	const uint8_t *start = p, *junk = NULL; /* the first junk line */
	bool any = false;
	int njunk = 0;

	h->cd = h->cte = (struct span){ NULL, 0 };
	h->nct = h->used = 0;
	while (p < end) {
		const uint8_t *ce, *colon, *name;
		const uint8_t *next = mde__mime_line_end(p, end, &ce);
		size_t fl = 0;

		if (ce == p) {
			finish(h, next);
			return;
		}
		if (*p != ' ' && *p != '\t')
			fl = mde__mime_field_name(p, ce, true, nb, &name,
						  &colon);
		if (!any && !fl)
			break;
		if (fl) {
			any = true;
			cur = slot(h, name, fl);
			if (cur)
				cur->p = colon + 1;
		} else if (*p != ' ' && *p != '\t') {
			if (++njunk > JUNK_MAX)
				break; /* the header ended at junk */
			junk = junk ? junk : p;
			cur = NULL;
		}
		if (cur)
			cur->n = (size_t)(ce - cur->p);
		p = next;
	}
	if (junk) /* no blank line after it: the header ended there */
		mde__mime_parse_headers(start, junk, h);
	else
		finish(h, p);
}

/* The first token of a header value: up to ';', a blank or a comment,
 * without the quotes some senders put around it ("base64"). */
static struct span first_token(struct span v)
{
	const uint8_t *end = v.p + v.n, *p = skip_ws(v.p, end), *q;

	p += p < end && *p == '"';
	q = p;
	while (q < end && *q != ';' && *q != '(' && *q != '"' && !is_ws(*q))
		q++;
	return (struct span){ p, (size_t)(q - p) };
}

int mde__mime_content_type(const struct hdrs *h, bool in_digest)
{
	struct span t;
	const uint8_t *slash;

	if (!h->ct.p)
		return in_digest ? CT_RFC822 : CT_TEXT;
	t = first_token(h->ct);
	slash = memchr(t.p, '/', t.n);
	if (!slash)
		return CT_TEXT; /* invalid: text/plain, says RFC 2045 */
	if (mde__mime_name_is(t.p, (size_t)(slash - t.p), "multipart"))
		return mde__mime_name_is(t.p, t.n, "multipart/digest")
			       ? CT_DIGEST
			       : CT_MULTI;
	if (mde__mime_name_is(t.p, t.n, "message/rfc822") ||
	    mde__mime_name_is(t.p, t.n, "message/global") ||
	    mde__mime_name_is(t.p, t.n, "message/news"))
		return CT_RFC822;
	if (mde__mime_name_is(t.p, (size_t)(slash - t.p), "text"))
		return CT_TEXT;
	return CT_OTHER;
}

/* Does token t hold word (any case)? */
static bool holds(struct span t, const char *word)
{
	size_t n = strlen(word), i;

	for (i = 0; i + n <= t.n; i++)
		if (!strncasecmp((const char *)t.p + i, word, n))
			return true;
	return false;
}

/* Encodings by what their names hold, as ClamAV reads them: senders
 * write "x-base64", "base-64", "x-uuencode" ... */
int mde__mime_encoding(const struct hdrs *h)
{
	struct span t;

	if (!h->cte.p)
		return CTE_IDENT;
	t = first_token(h->cte);
	if (holds(t, "base64") || holds(t, "base-64"))
		return CTE_B64;
	if (holds(t, "quoted-printable"))
		return CTE_QP;
	if (holds(t, "uue") || holds(t, "uuencode"))
		return CTE_UU;
	return CTE_IDENT; /* 7bit, 8bit, binary, and anything unknown */
}

/* ----------------------------------------------------------- parameters */

struct param {
	const uint8_t *name, *val;
	size_t nlen, vlen;
	bool quoted;
};

/* Reads the next parameter ("; name=value") of a header value, skipping
 * what comes before the next ';'.  A value is a quoted string or runs to
 * the next ';' (blanks included: some senders do not quote names). */
static bool next_param(const uint8_t **pp, const uint8_t *end,
		       struct param *pa)
{
	const uint8_t *p = *pp, *semi;

	while ((semi = memchr(p, ';', (size_t)(end - p)))) {
		p = skip_ws(semi + 1, end);
		pa->name = p;
		while (p < end && *p != '=' && *p != ';' && !is_ws(*p))
			p++;
		pa->nlen = (size_t)(p - pa->name);
		p = skip_ws(p, end);
		if (p == end || *p != '=')
			continue;
		p = skip_ws(p + 1, end);
		pa->quoted = p < end && *p == '"';
		if (pa->quoted) {
			pa->val = ++p;
			while (p < end && *p != '"')
				p += *p == '\\' && end - p > 1 ? 2 : 1;
			pa->vlen = (size_t)(p - pa->val);
			p += p < end;
		} else {
			const uint8_t *e = memchr(p, ';', (size_t)(end - p));

			pa->val = p;
			p = e ? e : end;
			for (e = p; e > pa->val && is_ws(e[-1]); e--)
				;
			pa->vlen = (size_t)(e - pa->val);
		}
		*pp = p;
		return true;
	}
	return false;
}

/* Copies the value of pa into out (cap > 0 bytes, NUL terminated), without
 * quoting backslashes and folding line breaks; returns its length, cut to
 * cap - 1. */
static size_t unquote(const struct param *pa, char *out, size_t cap)
{
	const uint8_t *p = pa->val, *end = p + pa->vlen;
	size_t o = 0;

	while (p < end && o + 1 < cap) {
		if (*p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (*p == '\\' && pa->quoted && end - p > 1)
			p++;
		out[o++] = (char)*p++;
	}
	out[o] = '\0';
	return o;
}

/* Decodes %XX in place (RFC 2231 extended values). */
static size_t pct_decode(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c == '%' && n - i > 2 && hexv[(uint8_t)s[i + 1]] &&
		    hexv[(uint8_t)s[i + 2]]) {
			c = (uint8_t)((hexv[(uint8_t)s[i + 1]] - 1) << 4 |
				      (hexv[(uint8_t)s[i + 2]] - 1));
			i += 2;
		}
		s[o++] = (char)c;
	}
	return o;
}

/* Drops the "charset'language'" prefix of an RFC 2231 extended value. */
static size_t strip_charset(char *s, size_t n)
{
	char *a = memchr(s, '\'', n), *b;

	if (!a)
		return n;
	b = memchr(a + 1, '\'', n - (size_t)(a + 1 - s));
	if (!b)
		return n;
	n -= (size_t)(b + 1 - s);
	memmove(s, b + 1, n);
	return n;
}

static size_t sec_value(const struct param *pa, bool ext, bool first,
			char *out, size_t cap)
{
	size_t n = unquote(pa, out, cap);

	if (ext) {
		if (first)
			n = strip_charset(out, n);
		n = pct_decode(out, n);
		out[n] = '\0';
	}
	return n;
}

/* Section number of an RFC 2231 parameter name suffix "N" or "N*";
 * NSEC when it is neither. */
static size_t section(const uint8_t *s, size_t n, bool *ext)
{
	size_t k = 0, i;

	*ext = n > 0 && s[n - 1] == '*';
	n -= *ext;
	if (n == 0 || n > 2)
		return NSEC;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return NSEC;
		k = k * 10 + (size_t)(s[i] - '0');
	}
	return k < NSEC ? k : NSEC;
}

size_t mde__mime_param_value(struct span v, const char *base, char *out,
			     size_t cap)
{
	struct param pa, plain = { 0 }, whole = { 0 }, sec[NSEC];
	bool ext[NSEC], e;
	uint32_t have = 0; /* bit k: section k seen */
	const uint8_t *p = v.p;
	size_t blen = strlen(base), o = 0, k;

	out[0] = '\0';
	while (next_param(&p, v.p + v.n, &pa)) {
		if (pa.nlen < blen ||
		    strncasecmp((const char *)pa.name, base, blen))
			continue;
		if (pa.nlen == blen) {
			if (!plain.name)
				plain = pa;
		} else if (pa.name[blen] != '*') {
			continue;
		} else if (pa.nlen == blen + 1) {
			if (!whole.name)
				whole = pa;
		} else {
			k = section(pa.name + blen + 1, pa.nlen - blen - 1, &e);
			if (k < NSEC && !(have & (1u << k))) {
				sec[k] = pa;
				ext[k] = e;
				have |= 1u << k;
			}
		}
	}
	if (whole.name)
		return sec_value(&whole, true, true, out, cap);
	for (k = 0; k < NSEC && (have & (1u << k)) && o + 1 < cap; k++)
		o += sec_value(&sec[k], ext[k], k == 0, out + o, cap - o);
	if (o || !plain.name)
		return o;
	return sec_value(&plain, false, false, out, cap);
}

/* Decodes the text of one RFC 2047 word into out, cut to cap bytes. */
static size_t word_text(char enc, const char *t, size_t n, char *out,
			size_t cap)
{
	uint8_t tmp[NAME_CAP];
	size_t o = 0, i;

	if (enc == 'B' || enc == 'b') {
		/* n < NAME_CAP, so this fits tmp */
		o = mde__mime_b64_decode((const uint8_t *)t, n, tmp,
					 sizeof(tmp));
		if (o == TOO_BIG)
			return 0;
		o = o < cap ? o : cap;
		memcpy(out, tmp, o);
		return o;
	}
	for (i = 0; i < n && o < cap; i++) {
		uint8_t c = (uint8_t)t[i];

		if (c == '_') {
			c = ' ';
		} else if (c == '=' && n - i > 2 && hexv[(uint8_t)t[i + 1]] &&
			   hexv[(uint8_t)t[i + 2]]) {
			c = (uint8_t)((hexv[(uint8_t)t[i + 1]] - 1) << 4 |
				      (hexv[(uint8_t)t[i + 2]] - 1));
			i += 2;
		}
		out[o++] = (char)c;
	}
	return o;
}

/* Copies s[0..n) into out (cap bytes, NUL terminated), decoding RFC 2047
 * words "=?charset?B|Q?text?=" (the bytes are kept whatever the charset)
 * and dropping blanks between two words.  Senders put such words in
 * quoted file names too, though RFC 2047 forbids it.  Linear: a word is
 * only tried when a "?=" follows it. */
static size_t rfc2047(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0, mark = 0, last = 0;
	bool after = false;

	for (i = n; i >= 2 && !last; i--)
		if (s[i - 2] == '?' && s[i - 1] == '=')
			last = i - 2;
	i = 0;
	while (i < n && o + 1 < cap) {
		if (s[i] == '=' && n - i > 1 && s[i + 1] == '?' && last) {
			size_t c = i + 2, e;

			while (c < n && c - i - 2 < CHARSET_MAX && s[c] != '?')
				c++;
			if (c > i + 2 && n - c > 3 && s[c] == '?' &&
			    (s[c + 1] == 'B' || s[c + 1] == 'b' ||
			     s[c + 1] == 'Q' || s[c + 1] == 'q') &&
			    s[c + 2] == '?' && c + 3 <= last) {
				e = c + 3;
				while (s[e] != '?' || s[e + 1] != '=')
					e++;
				if (after)
					o = mark;
				o += word_text(s[c + 1], s + c + 3, e - c - 3,
					       out + o, cap - 1 - o);
				mark = o;
				after = true;
				i = e + 2;
				continue;
			}
		}
		if (s[i] != ' ' && s[i] != '\t')
			after = false;
		out[o++] = s[i++];
	}
	out[o] = '\0';
	return o;
}

void mde__mime_sanitize(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((uint8_t)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '_';
}

void mde__mime_part_name(const struct hdrs *h, char *out, size_t cap)
{
	char raw[NAME_CAP];
	size_t n = 0;

	raw[0] = '\0';
	if (h->cd.p)
		n = mde__mime_param_value(h->cd, "filename", raw, sizeof(raw));
	if (!n && h->ct.p)
		n = mde__mime_param_value(h->ct, "name", raw, sizeof(raw));
	n = rfc2047(raw, n, out, cap);
	mde__mime_sanitize(out, n);
}
