/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mime.c - mail messages and mailboxes, decoded into their parts.
 *
 * Shape.  A message is an entity: header lines, a blank line, a body.  The
 * walk holds one entity at a time and a stack of open multiparts (frames).
 * An entity is a container, which either pushes a frame (multipart) or is
 * replaced by its own body (message/rfc822), or a leaf, which is decoded
 * and delivered.  Then the top frame yields its next part, until the
 * stack is empty.  There is no recursion: each level of nesting costs one
 * frame, and levels are bounded by max_depth.
 *
 * Costs.  Every search is memchr() or memmem() for a needle starting with
 * '\n' ("\n--boundary", "\nFrom ", "\nbegin"), so matches cannot overlap
 * and a rejected match costs no more than the line it sits on: each level
 * of nesting reads its bytes once, O(len * depth) in all.  The decoders
 * are table-driven loops with no call per byte.
 *
 * Memory.  Identity-encoded parts are delivered in place.  Decoded leaves
 * go to one arena, reused from part to part, that is never sized above
 * what is left of max_decoded.  A container body that has to be decoded
 * (message/rfc822 or multipart sent as base64, which mail clients accept)
 * gets a buffer of its own, charged to max_decoded at once and freed with
 * the last part read from it; the arena is dropped first, so the two
 * together stay within max_decoded.
 *
 * Leniency follows what mail clients display rather than the RFCs: junk in
 * base64 is skipped, bad quoted-printable escapes stand for themselves, a
 * multipart without its closing delimiter ends where its data does, and a
 * multipart whose boundary never appears is read as text, so that data
 * cannot hide behind a broken header.
 */
#include "config.h"

/* For memmem(): config.h defines it, but the fuzz build's is empty. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "banned.h"

#define DETECT_WINDOW 4096     /* bytes mde__mail_detect() looks at */
#define NAME_CAP 1024          /* part names are cut to NAME_CAP - 1 bytes */
#define NSEC 32                /* RFC 2231 sections joined at most */
#define CHARSET_MAX 76         /* longest charset of an RFC 2047 word */
#define ARENA_MIN 64

#define TOO_BIG SIZE_MAX           /* a decoder's output did not fit */
#define NO_BLOCK (SIZE_MAX - 1)    /* not a uuencoded block after all */
#define NOT_MULTI 100              /* open_multipart(): read it as text */

enum { CT_TEXT, CT_OTHER, CT_MULTI, CT_DIGEST, CT_RFC822 };
enum { CTE_IDENT, CTE_B64, CTE_QP, CTE_UU };

/* Base64: 0x40 | value for the alphabet, 0x80 for '=', 0 for the rest, so
 * that four characters are all valid when the AND of theirs has 0x40. */
static const uint8_t b64v[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7e, 0x00, 0x00, 0x00, 0x7f,
	0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x00, 0x00,
	0x00, 0x80, 0x00, 0x00, 0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
	0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52,
	0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x64,
	0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70,
	0x71, 0x72, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Hex digit value plus one; 0 for anything else. */
static const uint8_t hexv[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

struct span {
	const uint8_t *p;  /* NULL when absent */
	size_t n;
};

/* The header fields the walk needs, as raw values, folding included. */
struct hdrs {
	struct span ct, cd, cte;
	const uint8_t *body;
};

/* The entity in hand: bytes [p, p + n).  own, when set, is the buffer
 * holding them, to be freed once they are done with. */
struct ent {
	const uint8_t *p;
	size_t n;
	size_t depth;
	uint8_t *own;
	bool in_digest;  /* default type message/rfc822 (RFC 2046 5.1.5) */
};

/* An open multipart: its body [p, end) and where its next part starts. */
struct frame {
	const uint8_t *p, *end, *pos;
	uint8_t *own;    /* as in struct ent */
	char *delim;     /* "\n--boundary" */
	size_t dlen;
	size_t depth;    /* of its parts */
	bool done, digest;
};

struct walk {
	mde__mail_limits lim;
	mde__mail_part_fn fn;
	void *ctx;
	const char *why;
	uint64_t used;        /* charged against lim.max_decoded */
	size_t parts;         /* delivered */
	size_t msgno;         /* mbox message, from 1; 0 outside an mbox */
	size_t leafno;        /* parts met in this message */
	uint8_t *arena;
	size_t arena_cap;
	struct frame *fr;
	size_t nfr, frcap;
	char bare[NAME_CAP];  /* name of the part about to be delivered */
	char name[NAME_CAP + 32];
};

static int fail(struct walk *w, int rc, const char *why)
{
	w->why = why;
	return rc;
}

static int too_big(struct walk *w)
{
	return fail(w, MDE__MAIL_LIMIT_SIZE, "limit: max-decoded");
}

static int no_mem(struct walk *w)
{
	return fail(w, MDE__MAIL_NOMEM, "out of memory");
}

static uint64_t remain(const struct walk *w)
{
	return w->lim.max_decoded - w->used;
}

/* min(n, what is left of max_decoded), as a size_t. */
static size_t room_for(const struct walk *w, size_t n)
{
	return remain(w) < n ? (size_t)remain(w) : n;
}

static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* The line at p: *ce gets its end, CR LF excluded; returns the start of
 * the next line (end when there is none). */
static const uint8_t *line_end(const uint8_t *p, const uint8_t *end,
			       const uint8_t **ce)
{
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	const uint8_t *e = nl ? nl : end;

	if (e > p && e[-1] == '\r')
		e--;
	*ce = e;
	return nl ? nl + 1 : end;
}

/* ------------------------------------------------------------- decoders */

/* Writes the bytes of a partial base64 quantum (k sextets in acc). */
static bool b64_flush(uint32_t acc, unsigned k, uint8_t *out, size_t *o,
		      size_t cap)
{
	if (k < 2)
		return true;
	if (cap - *o < k - 1)
		return false;
	if (k == 2) {
		out[(*o)++] = (uint8_t)(acc >> 4);
	} else {
		out[(*o)++] = (uint8_t)(acc >> 10);
		out[(*o)++] = (uint8_t)(acc >> 2);
	}
	return true;
}

/* Decodes base64 in[0..n) into out (cap bytes); returns the length or
 * TOO_BIG.  Characters outside the alphabet are skipped, as mail clients
 * do; '=' ends a quantum, so concatenated encodings decode as a whole.
 * The output is at most 3/4 of the input. */
static size_t b64_decode(const uint8_t *in, size_t n, uint8_t *out,
			 size_t cap)
{
	size_t i = 0, o = 0;
	uint32_t acc = 0;
	unsigned k = 0;

	while (i < n) {
		uint32_t v;

		if (k == 0) {
			/* whole quanta of valid characters, the usual case */
			while (n - i >= 4 && cap - o >= 3) {
				uint32_t a = b64v[in[i]], b = b64v[in[i + 1]];
				uint32_t c = b64v[in[i + 2]];
				uint32_t d = b64v[in[i + 3]];

				if (!(a & b & c & d & 0x40))
					break;
				acc = (a & 63) << 18 | (b & 63) << 12 |
				      (c & 63) << 6 | (d & 63);
				out[o] = (uint8_t)(acc >> 16);
				out[o + 1] = (uint8_t)(acc >> 8);
				out[o + 2] = (uint8_t)acc;
				o += 3;
				i += 4;
			}
			acc = 0;
			if (i == n)
				break;
		}
		v = b64v[in[i++]];
		if (v & 0x40) {
			acc = acc << 6 | (v & 63);
			if (++k < 4)
				continue;
			if (cap - o < 3)
				return TOO_BIG;
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			k = 0;
		} else if (v & 0x80) {
			if (!b64_flush(acc, k, out, &o, cap))
				return TOO_BIG;
			k = 0;
			acc = 0;
		}
	}
	return b64_flush(acc, k, out, &o, cap) ? o : TOO_BIG;
}

/* Decodes quoted-printable in[0..n) into out (cap bytes); returns the
 * length or TOO_BIG.  "=" before the end of a line (trailing blanks
 * allowed) is a soft line break; "=XX" takes either case; any other '='
 * stands for itself. */
static size_t qp_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < n) {
		const uint8_t *eq = memchr(in + i, '=', n - i);
		size_t run = (eq ? (size_t)(eq - in) : n) - i, j;

		if (run > cap - o)
			return TOO_BIG;
		memcpy(out + o, in + i, run);
		o += run;
		i += run;
		if (!eq)
			break;
		i++;
		if (n - i >= 2 && hexv[in[i]] && hexv[in[i + 1]]) {
			if (o == cap)
				return TOO_BIG;
			out[o++] = (uint8_t)((hexv[in[i]] - 1) << 4 |
					     (hexv[in[i + 1]] - 1));
			i += 2;
			continue;
		}
		for (j = i; j < n && (in[j] == ' ' || in[j] == '\t'); j++)
			;
		if (j == n || in[j] == '\n') {
			i = j + (j < n);
			continue;
		}
		if (in[j] == '\r' && (j + 1 == n || in[j + 1] == '\n')) {
			i = j + 1 + (j + 1 < n);
			continue;
		}
		if (o == cap)
			return TOO_BIG;
		out[o++] = '=';
	}
	return o;
}

/* An upper bound of the decoded size of n bytes of encoding cte. */
static size_t decoded_max(int cte, size_t n)
{
	return cte == CTE_B64 ? n / 4 * 3 + 2 : n;
}

static size_t decode(int cte, const uint8_t *in, size_t n, uint8_t *out,
		     size_t cap)
{
	return cte == CTE_B64 ? b64_decode(in, n, out, cap)
			      : qp_decode(in, n, out, cap);
}

/* -------------------------------------------------------------- headers */

/* If s..ce is a header line "Name: value", the length of Name, and *colon
 * points to the colon; else 0.  lax allows blanks before the colon (the
 * obsolete syntax of RFC 5322), which detection does not. */
static size_t field_name(const uint8_t *s, const uint8_t *ce, bool lax,
			 const uint8_t **colon)
{
	const uint8_t *q = s;
	size_t n;

	while (q < ce && *q > ' ' && *q < 127 && *q != ':')
		q++;
	n = (size_t)(q - s);
	while (lax && q < ce && (*q == ' ' || *q == '\t'))
		q++;
	if (!n || q == ce || *q != ':')
		return 0;
	*colon = q;
	return n;
}

static bool name_is(const uint8_t *s, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp((const char *)s, name, n);
}

/* The slot for header s[0..n), or NULL if it is not wanted or was seen
 * already (the first of repeated fields wins). */
static struct span *slot(struct hdrs *h, const uint8_t *s, size_t n)
{
	struct span *sp = NULL;

	if (name_is(s, n, "Content-Type"))
		sp = &h->ct;
	else if (name_is(s, n, "Content-Disposition"))
		sp = &h->cd;
	else if (name_is(s, n, "Content-Transfer-Encoding"))
		sp = &h->cte;
	return sp && !sp->p ? sp : NULL;
}

/* Reads the header of the entity p..end.  It ends at a blank line or, for
 * leniency, at the first line that is neither a field nor a continuation;
 * so a part without headers is all body. */
static void parse_headers(const uint8_t *p, const uint8_t *end, struct hdrs *h)
{
	struct span *cur = NULL;
	bool any = false;

	memset(h, 0, sizeof(*h));
	while (p < end) {
		const uint8_t *ce, *colon, *next = line_end(p, end, &ce);
		size_t fl;

		if (ce == p) {
			h->body = next;
			return;
		}
		if (*p == ' ' || *p == '\t') {
			if (!any)
				break;
			if (cur)
				cur->n = (size_t)(ce - cur->p);
			p = next;
			continue;
		}
		fl = field_name(p, ce, true, &colon);
		if (!fl)
			break;
		any = true;
		cur = slot(h, p, fl);
		if (cur) {
			cur->p = colon + 1;
			cur->n = (size_t)(ce - cur->p);
		}
		p = next;
	}
	h->body = p;
}

/* The first token of a header value: up to ';', a blank or a comment. */
static struct span first_token(struct span v)
{
	const uint8_t *end = v.p + v.n, *p = skip_ws(v.p, end), *q = p;

	while (q < end && *q != ';' && *q != '(' && !is_ws(*q))
		q++;
	return (struct span){ p, (size_t)(q - p) };
}

static int content_type(const struct hdrs *h, bool in_digest)
{
	struct span t;
	const uint8_t *slash;

	if (!h->ct.p)
		return in_digest ? CT_RFC822 : CT_TEXT;
	t = first_token(h->ct);
	slash = memchr(t.p, '/', t.n);
	if (!slash)
		return CT_TEXT; /* invalid: text/plain, says RFC 2045 */
	if (name_is(t.p, (size_t)(slash - t.p), "multipart"))
		return name_is(t.p, t.n, "multipart/digest") ? CT_DIGEST
							      : CT_MULTI;
	if (name_is(t.p, t.n, "message/rfc822") ||
	    name_is(t.p, t.n, "message/global") ||
	    name_is(t.p, t.n, "message/news"))
		return CT_RFC822;
	if (name_is(t.p, (size_t)(slash - t.p), "text"))
		return CT_TEXT;
	return CT_OTHER;
}

static int encoding(const struct hdrs *h)
{
	struct span t;

	if (!h->cte.p)
		return CTE_IDENT;
	t = first_token(h->cte);
	if (name_is(t.p, t.n, "base64"))
		return CTE_B64;
	if (name_is(t.p, t.n, "quoted-printable"))
		return CTE_QP;
	if (name_is(t.p, t.n, "x-uuencode") || name_is(t.p, t.n, "x-uue") ||
	    name_is(t.p, t.n, "uuencode") || name_is(t.p, t.n, "uue"))
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

/* Writes into out (cap > 1 bytes, NUL terminated) parameter base of
 * header value v, preferring the RFC 2231 forms "base*=" and "base*0*=
 * ...; base*1=..." (joined, charset dropped, %XX decoded) to "base=";
 * returns its length, 0 when absent. */
static size_t param_value(struct span v, const char *base, char *out,
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
		o = b64_decode((const uint8_t *)t, n, tmp, sizeof(tmp));
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

/* Control characters would let a name forge lines in reports. */
static void sanitize(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((uint8_t)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '_';
}

/* Sets w->bare to the file name of a part, "" when it has none. */
static void part_name(struct walk *w, const struct hdrs *h)
{
	char raw[NAME_CAP];
	size_t n = 0;

	raw[0] = '\0';
	if (h->cd.p)
		n = param_value(h->cd, "filename", raw, sizeof(raw));
	if (!n && h->ct.p)
		n = param_value(h->ct, "name", raw, sizeof(raw));
	n = rfc2047(raw, n, w->bare, sizeof(w->bare));
	sanitize(w->bare, n);
}

/* ------------------------------------------------------------- delivery */

/* Hands one part to the callback, named w->bare or "part-N", and charges
 * it to the limits; an empty part is only numbered. */
static int deliver(struct walk *w, const uint8_t *d, size_t n)
{
	const char *pre = w->msgno ? "msg-" : "";
	char num[24] = "";

	w->leafno++;
	if (n == 0)
		return MDE__MAIL_OK;
	if (w->parts >= w->lim.max_parts)
		return fail(w, MDE__MAIL_LIMIT_PARTS, "limit: max-parts");
	if (n > remain(w))
		return too_big(w);
	w->parts++;
	w->used += n;
	if (!w->fn)
		return MDE__MAIL_OK;
	if (w->msgno)
		snprintf(num, sizeof(num), "%zu/", w->msgno);
	if (w->bare[0])
		snprintf(w->name, sizeof(w->name), "%s%s%s", pre, num, w->bare);
	else
		snprintf(w->name, sizeof(w->name), "%s%spart-%zu", pre, num,
			 w->leafno);
	if (w->fn(w->ctx, w->name, d, n))
		return fail(w, MDE__MAIL_STOPPED, "stopped by callback");
	return MDE__MAIL_OK;
}

/* The arena, holding at least n bytes; NULL when out of memory.  Its old
 * contents are not kept. */
static uint8_t *arena(struct walk *w, size_t n)
{
	if (n < ARENA_MIN)
		n = ARENA_MIN;
	if (n > w->arena_cap) {
		free(w->arena);
		w->arena = malloc(n);
		w->arena_cap = w->arena ? n : 0;
	}
	return w->arena;
}

/* ------------------------------------------------------------ uuencode */

/* Decodes the uuencoded lines at p (after a begin line) into out, up to
 * "end", a blank line or a line that cannot be uuencoded; *next gets where
 * scanning resumes.  Returns the length, TOO_BIG, or NO_BLOCK when the
 * first line is not uuencoded (so "begin 2020 plans" in prose is not a
 * block).  A line may miss up to three characters (mailers strip trailing
 * blanks) but never yields more than 3/4 of its characters. */
static size_t uu_lines(const uint8_t *p, const uint8_t *end, uint8_t *out,
		       size_t cap, const uint8_t **next)
{
	size_t o = 0;
	bool first = true;

	for (; p < end; first = false) {
		const uint8_t *ce, *nx = line_end(p, end, &ce);
		size_t len = (size_t)(ce - p), want, chars, got, i, j;

		if (len >= 3 && !memcmp(p, "end", 3) &&
		    skip_ws(p + 3, ce) == ce) {
			*next = nx;
			return o;
		}
		if (len == 0 || *p < 0x20 || *p > 0x60)
			break;
		want = (*p - 0x20u) & 63;
		chars = (want + 2) / 3 * 4;
		if (len - 1 + 3 < chars || len - 1 > chars + 2)
			break;
		got = (len * 3) / 4; /* (3 * (len - 1) + 3) / 4 */
		got = want < got ? want : got;
		if (got > cap - o)
			return TOO_BIG;
		for (i = 0, j = 1; i < got; i += 3, j += 4) {
			uint32_t x = 0;
			size_t k;

			for (k = 0; k < 4; k++) {
				uint32_t v = j + k < len ? p[j + k] - 0x20u : 0;

				x = x << 6 | (v & 63);
			}
			out[o + i] = (uint8_t)(x >> 16);
			if (i + 1 < got)
				out[o + i + 1] = (uint8_t)(x >> 8);
			if (i + 2 < got)
				out[o + i + 2] = (uint8_t)x;
		}
		o += got;
		p = nx;
	}
	*next = p;
	return first ? NO_BLOCK : o;
}

/* "begin-base64" blocks (uuencode -m) run to a "====" line. */
static size_t uu_b64(const uint8_t *p, const uint8_t *end, uint8_t *out,
		     size_t cap, const uint8_t **next)
{
	const uint8_t *stop = end, *ce;

	*next = end;
	if (p < end) {
		const uint8_t *h = memmem(p - 1, (size_t)(end - p + 1),
					  "\n====", 5);

		if (h) {
			stop = h + 1;
			*next = line_end(stop, end, &ce);
		}
	}
	return b64_decode(p, (size_t)(stop - p), out, cap);
}

/* The next line at or after p starting with "begin", or NULL. */
static const uint8_t *find_begin(const uint8_t *t, const uint8_t *p,
				 const uint8_t *end)
{
	const uint8_t *h;

	if (p == t && end - p >= 5 && !memcmp(p, "begin", 5))
		return p;
	p -= p > t;
	h = memmem(p, (size_t)(end - p), "\nbegin", 6);
	return h ? h + 1 : NULL;
}

/* Parses a begin line "begin[-base64] MODE NAME" at b: on success sets
 * w->bare to NAME, *b64 and returns where the data starts; else NULL. */
static const uint8_t *begin_line(struct walk *w, const uint8_t *b,
				 const uint8_t *end, bool *b64)
{
	const uint8_t *ce, *next = line_end(b, end, &ce), *s = b + 5, *m;
	size_t n;

	*b64 = ce - s >= 7 && !memcmp(s, "-base64", 7);
	s += *b64 ? 7 : 0;
	if (s == ce || *s != ' ')
		return NULL;
	for (m = ++s; s < ce && *s >= '0' && *s <= '7'; s++)
		;
	if (s == m || s - m > 6 || s == ce || *s != ' ')
		return NULL;
	s = skip_ws(s, ce);
	while (ce > s && is_ws(ce[-1]))
		ce--;
	n = (size_t)(ce - s) < NAME_CAP - 1 ? (size_t)(ce - s) : NAME_CAP - 1;
	memcpy(w->bare, s, n);
	w->bare[n] = '\0';
	sanitize(w->bare, n);
	return next;
}

/* Delivers the uuencoded blocks of text t[0..n), each decoded into out
 * (cap bytes, within what is left of max_decoded); out NULL: into the
 * arena, taken when a block turns up (most texts have none). */
static int uu_scan(struct walk *w, const uint8_t *t, size_t n, uint8_t *out,
		   size_t cap)
{
	const uint8_t *p = t, *end = t + n, *b;
	int rc = MDE__MAIL_OK;

	while (rc == MDE__MAIL_OK && (b = find_begin(t, p, end))) {
		const uint8_t *d, *next;
		bool b64;
		size_t o;

		p = b + 1;
		d = begin_line(w, b, end, &b64);
		if (!d)
			continue;
		if (!out && !(out = arena(w, cap)))
			return no_mem(w);
		o = b64 ? uu_b64(d, end, out, cap, &next)
			: uu_lines(d, end, out, cap, &next);
		if (o == TOO_BIG)
			return too_big(w);
		if (o == NO_BLOCK)
			continue;
		rc = deliver(w, out, o);
		cap = room_for(w, cap);
		p = next;
	}
	return rc;
}

/* Upper bound of the bytes uuencoded blocks in n bytes of text give. */
static size_t uu_max(size_t n)
{
	return n / 4 * 3 + 3;
}

/* ------------------------------------------------------------- the walk */

/* Decodes and delivers a leaf, then the uuencoded blocks of a text. */
static int leaf(struct walk *w, const struct ent *e, const struct hdrs *h,
		int ct, int cte)
{
	const uint8_t *data = h->body;
	size_t n = (size_t)(e->p + e->n - h->body), room;
	bool uu = ct == CT_TEXT || cte == CTE_UU;
	uint8_t *buf = NULL;
	int rc;

	part_name(w, h);
	if (cte == CTE_B64 || cte == CTE_QP) {
		/* room for the blocks behind the text, which must stay */
		room = decoded_max(cte, n);
		room = room_for(w, room + (uu ? uu_max(room) : 0));
		buf = arena(w, room);
		if (!buf)
			return no_mem(w);
		n = decode(cte, data, n, buf, room);
		if (n == TOO_BIG)
			return too_big(w);
		data = buf;
		buf += n;
		room -= n;
	} else {
		room = uu_max(n);
	}
	rc = deliver(w, data, n);
	if (rc == MDE__MAIL_OK && uu)
		rc = uu_scan(w, data, n, buf, room_for(w, room));
	return rc;
}

/* Decodes a container body into a buffer of its own, charged at once. */
static int decode_body(struct walk *w, int cte, const uint8_t *in, size_t n,
		       uint8_t **out, size_t *outn)
{
	size_t cap = room_for(w, decoded_max(cte, n)), got;
	uint8_t *buf;

	free(w->arena); /* see "Memory" at the top */
	w->arena = NULL;
	w->arena_cap = 0;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return no_mem(w);
	got = decode(cte, in, n, buf, cap);
	if (got == TOO_BIG) {
		free(buf);
		return too_big(w);
	}
	w->used += got;
	*out = buf;
	*outn = got;
	return MDE__MAIL_OK;
}

/* Is there a delimiter line of f at s (a line start)?  A boundary must be
 * followed by "--", blanks or the line end, so that boundaries that are
 * prefixes of others are told apart; the rest of the line is ignored. */
static bool delim_line(const struct frame *f, const uint8_t *s,
		       const uint8_t **next, bool *close)
{
	const uint8_t *end = f->end, *t, *nl;

	if ((size_t)(end - s) < f->dlen - 1 ||
	    memcmp(s, f->delim + 1, f->dlen - 1))
		return false;
	t = s + f->dlen - 1;
	*close = end - t >= 2 && t[0] == '-' && t[1] == '-';
	t += *close ? 2 : 0;
	if (t < end && !is_ws(*t))
		return false;
	nl = memchr(t, '\n', (size_t)(end - t));
	*next = nl ? nl + 1 : end;
	return true;
}

/* The first delimiter line of f at or after from (a line start), or NULL. */
static const uint8_t *find_delim(const struct frame *f, const uint8_t *from,
				 const uint8_t **next, bool *close)
{
	const uint8_t *q = from > f->p ? from - 1 : from, *hit;

	if (from == f->p && delim_line(f, from, next, close))
		return from;
	while ((size_t)(f->end - q) >= f->dlen) {
		hit = memmem(q, (size_t)(f->end - q), f->delim, f->dlen);
		if (!hit)
			return NULL;
		if (delim_line(f, hit + 1, next, close))
			return hit + 1;
		q = hit + 1;
	}
	return NULL;
}

/* Gives the next part of f in *e; false when there is none. */
static bool next_part(struct frame *f, struct ent *e)
{
	const uint8_t *s = f->pos, *d, *x, *next;
	bool close;

	if (f->done)
		return false;
	d = find_delim(f, s, &next, &close);
	if (!d) {
		f->done = true; /* no closing delimiter: up to the end */
		if (s == f->end)
			return false;
		x = f->end;
	} else {
		x = d;
		if (x > s && x[-1] == '\n')
			x--;
		if (x > s && x[-1] == '\r')
			x--;
		f->pos = next;
		f->done = close;
	}
	*e = (struct ent){ s, (size_t)(x - s), f->depth, NULL, f->digest };
	return true;
}

static void pop(struct walk *w)
{
	struct frame *f = &w->fr[--w->nfr];

	free(f->own);
	free(f->delim);
}

static int push(struct walk *w, const struct frame *f)
{
	if (w->nfr == w->frcap) {
		size_t cap = w->frcap ? 2 * w->frcap : 8;
		struct frame *p = realloc(w->fr, cap * sizeof(*p));

		if (!p)
			return no_mem(w);
		w->fr = p;
		w->frcap = cap;
	}
	w->fr[w->nfr++] = *f;
	return MDE__MAIL_OK;
}

/* Opens multipart e as a frame, taking over e->own; NOT_MULTI when it
 * has no boundary or its boundary never appears. */
static int open_multipart(struct walk *w, struct ent *e, const struct hdrs *h,
			  int ct, int cte)
{
	struct frame f = { 0 };
	uint8_t *dec = NULL;
	const uint8_t *next;
	size_t blen, n;
	bool close;
	int rc = NOT_MULTI;

	if (e->depth >= w->lim.max_depth)
		return fail(w, MDE__MAIL_LIMIT_DEPTH, "limit: max-depth");
	f.delim = malloc(h->ct.n + 4); /* a value never grows when decoded */
	if (!f.delim)
		return no_mem(w);
	memcpy(f.delim, "\n--", 3);
	blen = param_value(h->ct, "boundary", f.delim + 3, h->ct.n + 1);
	if (!blen || memchr(f.delim + 3, '\n', blen))
		goto out;
	f.dlen = blen + 3;
	f.p = h->body;
	f.end = e->p + e->n;
	if (cte == CTE_B64 || cte == CTE_QP) {
		rc = decode_body(w, cte, f.p, (size_t)(f.end - f.p), &dec, &n);
		if (rc != MDE__MAIL_OK)
			goto out;
		f.p = dec;
		f.end = dec + n;
		rc = NOT_MULTI;
	}
	f.depth = e->depth + 1;
	f.digest = ct == CT_DIGEST;
	if (!find_delim(&f, f.p, &next, &close))
		goto out;
	f.pos = next;
	f.done = close;
	if (dec) {
		free(e->own);
		f.own = dec;
		dec = NULL;
	} else {
		f.own = e->own;
	}
	e->own = NULL;
	rc = push(w, &f);
	if (rc == MDE__MAIL_OK)
		f.delim = NULL;
	else
		free(f.own);
out:
	free(f.delim);
	free(dec);
	return rc;
}

/* Replaces e by the message it holds, decoded when need be. */
static int enter_message(struct walk *w, struct ent *e, const struct hdrs *h,
			 int cte)
{
	size_t n = (size_t)(e->p + e->n - h->body);
	uint8_t *dec;
	int rc;

	if (e->depth >= w->lim.max_depth)
		return fail(w, MDE__MAIL_LIMIT_DEPTH, "limit: max-depth");
	if (cte == CTE_B64 || cte == CTE_QP) {
		rc = decode_body(w, cte, h->body, n, &dec, &n);
		if (rc != MDE__MAIL_OK)
			return rc;
		free(e->own);
		e->own = dec;
		e->p = dec;
	} else {
		e->p = h->body;
	}
	e->n = n;
	e->depth++;
	e->in_digest = false;
	return MDE__MAIL_OK;
}

/* Handles entity e: delivers it, or opens it as a frame, or goes into the
 * message it holds.  Frees e->own unless a frame took it. */
static int process(struct walk *w, struct ent *e)
{
	int rc;

	for (;;) {
		struct hdrs h;
		int ct, cte;

		parse_headers(e->p, e->p + e->n, &h);
		ct = content_type(&h, e->in_digest);
		cte = encoding(&h);
		if (ct == CT_MULTI || ct == CT_DIGEST) {
			rc = open_multipart(w, e, &h, ct, cte);
			if (rc != NOT_MULTI)
				break;
			ct = CT_TEXT;
		}
		if (ct != CT_RFC822) {
			rc = leaf(w, e, &h, ct, cte);
			break;
		}
		rc = enter_message(w, e, &h, cte);
		if (rc != MDE__MAIL_OK)
			break;
	}
	free(e->own);
	e->own = NULL;
	return rc;
}

/* Walks one message, p[0..n). */
static int walk(struct walk *w, const uint8_t *p, size_t n)
{
	struct ent e = { p, n, 0, NULL, false };
	int rc = process(w, &e);

	while (rc == MDE__MAIL_OK && w->nfr) {
		if (!next_part(&w->fr[w->nfr - 1], &e)) {
			pop(w);
			continue;
		}
		rc = process(w, &e);
	}
	while (w->nfr)
		pop(w);
	return rc;
}

/* The end of the mbox message starting at s: the start of the blank line
 * before the next "From " line, or end.  *next gets that "From " line. */
static const uint8_t *mbox_end(const uint8_t *buf, const uint8_t *s,
			       const uint8_t *end, const uint8_t **next)
{
	const uint8_t *q = s, *h;

	while ((h = memmem(q, (size_t)(end - q), "\nFrom ", 6))) {
		if (h > buf && h[-1] == '\n') {
			*next = h + 1;
			return h;
		}
		if (h - buf > 1 && h[-1] == '\r' && h[-2] == '\n' && h > s) {
			*next = h + 1;
			return h - 1;
		}
		q = h + 1;
	}
	*next = end;
	return end;
}

static int walk_mbox(struct walk *w, const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf, *end = buf + len, *s, *e, *ce;
	int rc = MDE__MAIL_OK;

	while (rc == MDE__MAIL_OK && p < end) {
		s = p;
		if (end - p >= 5 && !memcmp(p, "From ", 5))
			s = line_end(p, end, &ce);
		e = mbox_end(buf, s, end, &p);
		if (e < s)
			e = s;
		w->msgno++;
		w->leafno = 0;
		rc = walk(w, s, (size_t)(e - s));
	}
	return rc;
}

int mde__mail_parts(const uint8_t *buf, size_t len, int kind,
		    const mde__mail_limits *lim, mde__mail_part_fn fn,
		    void *ctx, const char **why)
{
	static const mde__mail_limits dflt = { 10000, 16, 512u << 20 };
	struct walk w;
	int rc = MDE__MAIL_OK;

	memset(&w, 0, sizeof(w));
	w.lim = lim ? *lim : dflt;
	w.fn = fn;
	w.ctx = ctx;
	if (buf && len && kind == MDE__MAIL_MBOX)
		rc = walk_mbox(&w, buf, len);
	else if (buf && len && kind == MDE__MAIL_MESSAGE)
		rc = walk(&w, buf, len);
	free(w.arena);
	free(w.fr);
	if (why)
		*why = rc == MDE__MAIL_OK ? NULL : w.why;
	return rc;
}

/* ------------------------------------------------------------ detection */

static bool known_field(const uint8_t *s, size_t n)
{
	static const char *const known[] = {
		"From", "To", "Subject", "Date", "Received", "Return-Path",
		"Message-ID", "MIME-Version", "Content-Type", "Delivered-To",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (name_is(s, n, known[i]))
			return true;
	return false;
}

/* No control characters but tab: a line of text, not binary data. */
static bool text_line(const uint8_t *s, const uint8_t *ce)
{
	for (; s < ce; s++)
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

/* Do p..end start with header lines, one of them well known, and then a
 * blank line?  cut: the window ends before the data, so headers that run
 * to its end count. */
static bool headers_ahead(const uint8_t *p, const uint8_t *end, bool cut)
{
	bool known = false, any = false;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *ce, *colon;
		size_t fl;

		if (!nl)
			break;
		ce = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if (ce == p)
			return known;
		if (*p == ' ' || *p == '\t') {
			if (!any)
				return false;
		} else {
			fl = field_name(p, ce, false, &colon);
			if (!fl)
				return false;
			known = known || known_field(p, fl);
			any = true;
		}
		if (!text_line(p, ce))
			return false;
		p = nl + 1;
	}
	return cut && known;
}

int mde__mail_detect(const uint8_t *buf, size_t len)
{
	size_t n = len < DETECT_WINDOW ? len : DETECT_WINDOW;
	const uint8_t *p = buf, *end = buf + n, *nl;
	int kind = MDE__MAIL_MESSAGE;

	if (!buf || n < 5)
		return MDE__MAIL_NONE;
	if (!memcmp(buf, "From ", 5)) {
		nl = memchr(buf, '\n', n);
		if (!nl || !text_line(buf, nl[-1] == '\r' ? nl - 1 : nl))
			return MDE__MAIL_NONE;
		p = nl + 1;
		kind = MDE__MAIL_MBOX;
	}
	return headers_ahead(p, end, len > n) ? kind : MDE__MAIL_NONE;
}
