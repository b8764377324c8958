/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mime.c - mail messages and mailboxes, decoded into their parts: the
 * walk over the structure of a message, one part per call, and the
 * detection of mail.  Header fields: mime_header.c; decoders:
 * mime_decode.c.
 *
 * Shape.  A message is an entity: header lines, a blank line, a body.  The
 * walk holds one entity at a time and a stack of open multiparts (frames).
 * An entity is a container, which either pushes a frame (multipart) or is
 * replaced by its own body (message/rfc822), or a leaf, which is decoded
 * and handed out; the uuencoded blocks of a text leaf follow it, one per
 * call.  Then the top frame yields its next part, until the stack is
 * empty.  There is no recursion: each level of nesting costs one frame,
 * and levels are bounded by max_depth.  The walk is a pull: every call of
 * mde__mail_next() takes it one part further, its state all in the
 * iterator, so that the caller may scan a part (and unpack the containers
 * in it) before the next one is decoded.
 *
 * Costs.  Every search is memchr() or memmem() for a needle starting with
 * '\n' ("\n--boundary", "\nFrom ", "\nbegin"), so matches cannot overlap
 * and a rejected match costs no more than the line it sits on: each level
 * of nesting reads its bytes once, O(len * depth) in all.
 *
 * Memory.  Identity-encoded parts are handed out in place.  Decoded leaves
 * go to one arena, reused from part to part, that is never sized above
 * what is left of max_decoded.  A container body that has to be decoded
 * (message/rfc822 or multipart sent as base64, which mail clients accept)
 * gets a buffer of its own, charged to max_decoded at once and freed with
 * the last part read from it; the arena is dropped first, so the two
 * together stay within max_decoded.
 *
 * Leniency follows what mail clients display rather than the RFCs: a
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

#include "mime.h"
#include "mime_int.h"
#include "banned.h"

#define DETECT_WINDOW 4096     /* bytes mde__mail_detect() looks at */
#define ARENA_MIN 64

#define NOT_MULTI 100              /* open_multipart(): read it as text */
#define GOT 101                    /* a step made a part */
#define AGAIN 102                  /* a step made none: step again */

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

/* The uuencoded blocks of the text part handed out last: the text
 * t..end, the next place to look at, where blocks are decoded to. */
struct uu {
	const uint8_t *t, *p, *end;
	uint8_t *out;  /* NULL: the arena, taken when a block turns up */
	size_t cap;
	bool on;
};

struct mde__mail_iter {
	mde__mail_limits lim;
	const char *why;
	int status;           /* MDE__MAIL_*, once ended */
	bool ended;
	uint64_t used;        /* charged against lim.max_decoded */
	size_t parts;         /* handed out */
	size_t msgno;         /* mbox message, from 1; 0 outside an mbox */
	size_t leafno;        /* parts met in this message */
	uint8_t *arena;
	size_t arena_cap;
	struct frame *fr;
	size_t nfr, frcap;
	const uint8_t *buf, *end; /* the input */
	const uint8_t *mbox;  /* the next mbox message; NULL: no more */
	struct ent cur;       /* the entity to handle next, if have_cur */
	bool have_cur;
	uint8_t *hold;        /* the buffer of the last part's entity */
	struct uu uu;
	char bare[NAME_CAP];  /* name of the part about to be handed out */
	char name[NAME_CAP + 32];
};

static int fail(struct mde__mail_iter *w, int rc, const char *why)
{
	w->why = why;
	return rc;
}

static int too_big(struct mde__mail_iter *w)
{
	return fail(w, MDE__MAIL_LIMIT_SIZE, "limit: max-decoded");
}

static int no_mem(struct mde__mail_iter *w)
{
	return fail(w, MDE__MAIL_NOMEM, "out of memory");
}

static uint64_t remain(const struct mde__mail_iter *w)
{
	return w->lim.max_decoded - w->used;
}

/* min(n, what is left of max_decoded), as a size_t. */
static size_t room_for(const struct mde__mail_iter *w, size_t n)
{
	return remain(w) < n ? (size_t)remain(w) : n;
}

/* ------------------------------------------------------------- delivery */

/* Makes d[0..n) the next part, named w->bare or "part-N", and charges it
 * to the limits: GOT, AGAIN for an empty part (only numbered), or the
 * limit it passes. */
static int deliver(struct mde__mail_iter *w, const uint8_t *d, size_t n,
		   mde__mail_part *pt)
{
	const char *pre = w->msgno ? "msg-" : "";
	char num[24] = "";

	w->leafno++;
	if (n == 0)
		return AGAIN;
	if (w->parts >= w->lim.max_parts)
		return fail(w, MDE__MAIL_LIMIT_PARTS, "limit: max-parts");
	if (n > remain(w))
		return too_big(w);
	w->parts++;
	w->used += n;
	if (w->msgno)
		snprintf(num, sizeof(num), "%zu/", w->msgno);
	if (w->bare[0])
		snprintf(w->name, sizeof(w->name), "%s%s%s", pre, num, w->bare);
	else
		snprintf(w->name, sizeof(w->name), "%s%spart-%zu", pre, num,
			 w->leafno);
	pt->name = w->name;
	pt->data = d;
	pt->len = n;
	return GOT;
}

/* The arena, holding at least n bytes; NULL when out of memory.  Its old
 * contents are not kept. */
static uint8_t *arena(struct mde__mail_iter *w, size_t n)
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
static const uint8_t *begin_line(struct mde__mail_iter *w, const uint8_t *b,
				 const uint8_t *end, bool *b64)
{
	const uint8_t *ce, *s = b + 5, *m;
	const uint8_t *next = mde__mime_line_end(b, end, &ce);
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
	mde__mime_sanitize(w->bare, n);
	return next;
}

/* The next uuencoded block of the text being scanned, decoded into
 * w->uu.out (within what is left of max_decoded): GOT, AGAIN when there
 * is none left, or a limit. */
static int uu_next(struct mde__mail_iter *w, mde__mail_part *pt)
{
	struct uu *u = &w->uu;
	const uint8_t *b;

	while ((b = find_begin(u->t, u->p, u->end))) {
		const uint8_t *d, *next;
		bool b64;
		size_t o;
		int rc;

		u->p = b + 1;
		d = begin_line(w, b, u->end, &b64);
		if (!d)
			continue;
		if (!u->out && !(u->out = arena(w, u->cap)))
			return no_mem(w);
		o = b64 ? mde__mime_uu_b64(d, u->end, u->out, u->cap, &next)
			: mde__mime_uu_lines(d, u->end, u->out, u->cap, &next);
		if (o == TOO_BIG)
			return too_big(w);
		if (o == NO_BLOCK)
			continue;
		rc = deliver(w, u->out, o, pt);
		u->cap = room_for(w, u->cap);
		u->p = next;
		if (rc != AGAIN)
			return rc;
	}
	u->on = false;
	return AGAIN;
}

/* Upper bound of the bytes uuencoded blocks in n bytes of text give. */
static size_t uu_max(size_t n)
{
	return n / 4 * 3 + 3;
}

/* ------------------------------------------------------------- the walk */

/* Decodes a leaf and makes it the next part; a text's uuencoded blocks
 * are to follow. */
static int leaf(struct mde__mail_iter *w, const struct ent *e,
		const struct hdrs *h, int ct, int cte, mde__mail_part *pt)
{
	const uint8_t *data = h->body;
	size_t n = (size_t)(e->p + e->n - h->body), room;
	bool uu = ct == CT_TEXT || cte == CTE_UU;
	uint8_t *buf = NULL;
	int rc;

	mde__mime_part_name(h, w->bare, sizeof(w->bare));
	if (cte == CTE_B64 || cte == CTE_QP) {
		/* room for the blocks behind the text, which must stay */
		room = mde__mime_decoded_max(cte, n);
		room = room_for(w, room + (uu ? uu_max(room) : 0));
		buf = arena(w, room);
		if (!buf)
			return no_mem(w);
		n = mde__mime_decode(cte, data, n, buf, room);
		if (n == TOO_BIG)
			return too_big(w);
		data = buf;
		buf += n;
		room -= n;
	} else {
		room = uu_max(n);
	}
	rc = deliver(w, data, n, pt);
	if ((rc == GOT || rc == AGAIN) && uu)
		w->uu = (struct uu){ data, data, data + n, buf,
				     room_for(w, room), true };
	return rc;
}

/* Decodes a container body into a buffer of its own, charged at once. */
static int decode_body(struct mde__mail_iter *w, int cte, const uint8_t *in,
		       size_t n, uint8_t **out, size_t *outn)
{
	size_t cap = room_for(w, mde__mime_decoded_max(cte, n)), got;
	uint8_t *buf;

	free(w->arena); /* see "Memory" at the top */
	w->arena = NULL;
	w->arena_cap = 0;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return no_mem(w);
	got = mde__mime_decode(cte, in, n, buf, cap);
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

static void pop(struct mde__mail_iter *w)
{
	struct frame *f = &w->fr[--w->nfr];

	free(f->own);
	free(f->delim);
}

static int push(struct mde__mail_iter *w, const struct frame *f)
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

/* The first delimiter line of f, as find_delim(); a boundary in single
 * quotes (boundary='b'), which is no quoting in MIME, is tried without
 * them too when it is not there as it is. */
static const uint8_t *first_delim(struct frame *f, const uint8_t **next,
				  bool *close)
{
	const uint8_t *d = find_delim(f, f->p, next, close);
	char *b = f->delim + 3;
	size_t n = f->dlen - 3;

	if (d || n < 3 || b[0] != '\'' || b[n - 1] != '\'')
		return d;
	memmove(b, b + 1, n - 2);
	f->dlen -= 2;
	return find_delim(f, f->p, next, close);
}

/* Opens multipart e as a frame, taking over e->own; NOT_MULTI when it
 * has no boundary or its boundary never appears. */
static int open_multipart(struct mde__mail_iter *w, struct ent *e,
			  const struct hdrs *h, int ct, int cte)
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
	blen = mde__mime_param_value(h->ct, "boundary", f.delim + 3,
				     h->ct.n + 1);
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
	if (!first_delim(&f, &next, &close))
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

/*
 * Opens e as the first multipart of its Content-Type fields whose
 * boundary is there (h->ct is then that field); NOT_MULTI when none is.
 * A message with several Content-Type fields is read as the one that
 * shows its parts: mail clients differ on which field counts (ClamAV
 * takes the last, Python's email package the first), and a scanner must
 * see what any of them would show.
 */
static int open_any_multipart(struct mde__mail_iter *w, struct ent *e,
			      struct hdrs *h, int cte)
{
	size_t i;
	int ct, rc = NOT_MULTI;

	for (i = 0; i < h->nct && rc == NOT_MULTI; i++) {
		h->ct = h->cts[i];
		ct = mde__mime_content_type(h, e->in_digest);
		if (ct == CT_MULTI || ct == CT_DIGEST)
			rc = open_multipart(w, e, h, ct, cte);
	}
	h->ct = h->nct ? h->cts[0] : h->ct;
	return rc;
}

/* The type of an entity that is no multipart (or none that opens): a
 * message when any of its Content-Type fields says so (its header and
 * body are then read, and nothing is lost if it is none), else what the
 * first says, a failed multipart being text. */
static int pick_type(struct hdrs *h, bool in_digest)
{
	size_t i;
	int ct;

	for (i = 1; i < h->nct; i++) {
		h->ct = h->cts[i];
		if (mde__mime_content_type(h, in_digest) == CT_RFC822)
			return CT_RFC822;
	}
	h->ct = h->nct ? h->cts[0] : h->ct;
	ct = mde__mime_content_type(h, in_digest);
	return ct == CT_MULTI || ct == CT_DIGEST ? CT_TEXT : ct;
}

/* Replaces e by the message it holds, decoded when need be. */
static int enter_message(struct mde__mail_iter *w, struct ent *e,
			 const struct hdrs *h, int cte)
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

/* Handles entity e: makes it the next part, or opens it as a frame, or
 * goes into the message it holds.  e's buffer, unless a frame took it,
 * is kept until the next step: the part may be read from it. */
static int process(struct mde__mail_iter *w, struct ent *e,
		   mde__mail_part *pt)
{
	int rc;

	for (;;) {
		struct hdrs h;
		int ct, cte;

		mde__mime_parse_headers(e->p, e->p + e->n, &h);
		cte = mde__mime_encoding(&h);
		rc = open_any_multipart(w, e, &h, cte);
		if (rc != NOT_MULTI)
			break;
		ct = pick_type(&h, e->in_digest);
		if (ct != CT_RFC822) {
			rc = leaf(w, e, &h, ct, cte, pt);
			break;
		}
		rc = enter_message(w, e, &h, cte);
		if (rc != MDE__MAIL_OK)
			break;
	}
	w->hold = e->own;
	e->own = NULL;
	return rc == MDE__MAIL_OK ? AGAIN : rc;
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

/* Makes the next message of an mbox the entity to handle; false when
 * there is none. */
static bool next_message(struct mde__mail_iter *w)
{
	const uint8_t *p = w->mbox, *s, *e, *ce;

	if (!p || p >= w->end)
		return false;
	s = p;
	if (w->end - p >= 5 && !memcmp(p, "From ", 5))
		s = mde__mime_line_end(p, w->end, &ce);
	e = mbox_end(w->buf, s, w->end, &w->mbox);
	if (e < s)
		e = s;
	w->msgno++;
	w->leafno = 0;
	w->cur = (struct ent){ s, (size_t)(e - s), 0, NULL, false };
	w->have_cur = true;
	return true;
}

/* One step of the walk: GOT (a part in *pt), AGAIN, MDE__MAIL_OK at the
 * end, or a limit. */
static int step(struct mde__mail_iter *w, mde__mail_part *pt)
{
	if (w->uu.on)
		return uu_next(w, pt);
	free(w->hold);
	w->hold = NULL;
	if (w->have_cur) {
		w->have_cur = false;
		return process(w, &w->cur, pt);
	}
	if (w->nfr) {
		if (next_part(&w->fr[w->nfr - 1], &w->cur))
			w->have_cur = true;
		else
			pop(w);
		return AGAIN;
	}
	return next_message(w) ? AGAIN : MDE__MAIL_OK;
}

/* ------------------------------------------------------------ interface */

mde__mail_iter *mde__mail_open(const uint8_t *buf, size_t len, int kind,
			       const mde__mail_limits *lim)
{
	static const mde__mail_limits dflt = { 10000, 16, 512u << 20 };
	mde__mail_iter *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->lim = lim ? *lim : dflt;
	w->buf = buf;
	w->end = buf + (buf ? len : 0);
	if (buf && len && kind == MDE__MAIL_MBOX) {
		w->mbox = buf;
	} else if (buf && len && kind == MDE__MAIL_MESSAGE) {
		w->cur = (struct ent){ buf, len, 0, NULL, false };
		w->have_cur = true;
	}
	return w;
}

int mde__mail_next(mde__mail_iter *w, mde__mail_part *pt)
{
	int rc = AGAIN;

	while (!w->ended && rc == AGAIN)
		rc = step(w, pt);
	if (rc == GOT)
		return 1;
	if (!w->ended) {
		w->ended = true;
		w->status = rc;
	}
	return 0;
}

int mde__mail_status(const mde__mail_iter *w, const char **why)
{
	if (why)
		*why = w->status == MDE__MAIL_OK ? NULL : w->why;
	return w->status;
}

void mde__mail_close(mde__mail_iter *w)
{
	if (!w)
		return;
	while (w->nfr)
		pop(w);
	free(w->cur.own);
	free(w->hold);
	free(w->arena);
	free(w->fr);
	free(w);
}

int mde__mail_parts(const uint8_t *buf, size_t len, int kind,
		    const mde__mail_limits *lim, mde__mail_part_fn fn,
		    void *ctx, const char **why)
{
	mde__mail_iter *w = mde__mail_open(buf, len, kind, lim);
	mde__mail_part pt;
	const char *reason = "out of memory";
	int rc = MDE__MAIL_NOMEM;

	if (!w)
		goto out;
	while (mde__mail_next(w, &pt)) {
		if (fn && fn(ctx, pt.name, pt.data, pt.len)) {
			rc = MDE__MAIL_STOPPED;
			reason = "stopped by callback";
			goto out;
		}
	}
	rc = mde__mail_status(w, &reason);
out:
	mde__mail_close(w);
	if (why)
		*why = rc == MDE__MAIL_OK ? NULL : reason;
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
		if (mde__mime_name_is(s, n, known[i]))
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
 * to its end count.  A few lines of text that are no fields may come
 * between fields, as mime_header.c reads them, once two well-known
 * fields make mail of it. */
static bool headers_ahead(const uint8_t *p, const uint8_t *end, bool cut)
{
	int known = 0, junk = 0;
	bool any = false;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *ce, *colon, *name;
		uint8_t nb[FIELD_CAP];
		size_t fl;

		if (!nl)
			break;
		ce = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if (ce == p)
			return known > (junk ? 1 : 0);
		if (!text_line(p, ce))
			return false;
		if (*p == ' ' || *p == '\t') {
			if (!any)
				return false;
		} else if ((fl = mde__mime_field_name(p, ce, false, nb, &name,
						      &colon))) {
			known += known_field(name, fl);
			any = true;
		} else if (!known || ++junk > JUNK_MAX) {
			return false;
		}
		p = nl + 1;
	}
	return cut && known > (junk ? 1 : 0);
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
