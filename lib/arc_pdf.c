/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_pdf.c - a PDF document as a container (pdf.c reads it): its
 * embedded files, named as the document names them, its JavaScript as
 * text, and every other stream decoded, object streams first (their
 * objects say which streams are embedded files or scripts).
 *
 * Why not qpdf: libqpdf is C++, reads the whole document into its own
 * object model before anything can be asked, repairs it its own way and
 * decodes streams without a limit we could impose slice by slice; a
 * reader of what malware hides needs the opposite (every revision, the
 * objects no table lists, decoding stopped at the member limit, the
 * ratio and the deadline while it expands).  qpdf makes the test
 * fixtures instead.  zlib inflates and libcrypto decrypts.
 *
 * Every stream is decoded into the member buffer (mde__arc_out_*), so a
 * stream bomb ends at max-member-size or max-ratio as it expands, and
 * the parser's own decoding (cross-reference streams) is bound by what
 * a member may hold.
 */
#include "config.h"

#include <stdlib.h>

#include "arc.h"
#include "pdf.h"
#include "banned.h"

struct pdf {
	mde__arc_in *in;
	mde__pdf *d;
	int st;          /* the member buffer's last answer */
};

static int bid_pdf(const uint8_t *buf, size_t len)
{
	return mde__pdf_magic(buf, len) ? MDE__BID_MAGIC : 0;
}

static int guess_pdf(const uint8_t *buf, size_t len)
{
	return mde__pdf_detect(buf, len) ? MDE__GUESS_TRAILER : 0;
}

static void *pdf_open(mde__arc_in *in)
{
	struct pdf *s = calloc(1, sizeof(*s));
	mde__pdf_limits lim = { 0, mde__arc_cap(in) };

	if (s)
		s->d = mde__pdf_open(in->buf, in->len, &lim);
	if (!s || !s->d) {
		free(s);
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	s->in = in;
	return s;
}

static int sink(void *ctx, const uint8_t *data, size_t n)
{
	struct pdf *s = ctx;

	s->st = mde__arc_out_put(s->in, data, n);
	return s->st != MDE__ARC_OK;
}

static void notes(struct pdf *s)
{
	const char *why;

	while ((why = mde__pdf_note(s->d)) != NULL)
		mde__arc_skip(s->in, NULL, why);
}

static unsigned mtype(int kind)
{
	return kind == MDE__PDF_JS ? MDE__MT_SCRIPT
	       : kind == MDE__PDF_EMBEDDED ? MDE__MT_EMBEDDED : MDE__MT_PDF;
}

/* Decodes item it into the member buffer: MDE__ARC_OK with a member of
 * some bytes, else SKIP (go on) or STOP. */
static int decode(struct pdf *s, const mde__pdf_item *it)
{
	int rc;

	s->st = mde__arc_out_begin(s->in, it->name, -1);
	if (s->st != MDE__ARC_OK)
		return s->st;
	rc = mde__pdf_decode(s->d, it, sink, s);
	if (s->st != MDE__ARC_OK)
		return s->st;
	if (rc == MDE__PDF_NOMEM) {
		mde__arc_skip(s->in, it->name, "out of memory");
		return MDE__ARC_SKIP;
	}
	return mde__arc_out_len(s->in) ? MDE__ARC_OK : MDE__ARC_SKIP;
}

static int pdf_next(void *state, mde__arc_member *m)
{
	struct pdf *s = state;
	mde__pdf_item it;
	int st;

	for (;;) {
		notes(s);
		if (!mde__pdf_next(s->d, &it)) {
			notes(s);
			return 0;
		}
		if (mde__arc_entry(s->in, it.name) != MDE__ARC_OK)
			return 0;
		st = decode(s, &it);
		if (st == MDE__ARC_STOP)
			return 0;
		if (st == MDE__ARC_SKIP)
			continue;
		mde__arc_out_member(s->in, m);
		m->type = mtype(it.kind);
		if (it.kind == MDE__PDF_OBJSTM &&
		    mde__pdf_objstm(s->d, &it, m->data, m->len) != MDE__PDF_OK)
			mde__arc_skip(s->in, it.name, "out of memory");
		return 1;
	}
}

static void pdf_close(void *state)
{
	struct pdf *s = state;

	mde__pdf_close(s->d);
	free(s);
}

const struct mde__arc_handler mde__arc_pdf = {
	"pdf", 0, bid_pdf, guess_pdf, pdf_open, pdf_next, pdf_close, NULL,
};
