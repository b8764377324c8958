/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_html.c - an HTML page as a container (html.c reads it): the page
 * normalised as ClamAV's target 3 is ("[html]", of type MDE__MT_HTML),
 * each script block as it is ("[script N]", MDE__MT_SCRIPT), and the
 * files smuggled in it, decoded: data: URIs with a base64 payload
 * ("[data N]") and base64 string literals of scripts ("[base64 N]").
 *
 * A page is recognised by a guess (no magic starts HTML): tags near its
 * start.  The normalised page and the decoded files are written to the
 * member buffer (mde__arc_out_*), so a huge blob ends at max-member-size;
 * script blocks are handed over in place.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "arc.h"
#include "html.h"
#include "banned.h"

struct html {
	mde__arc_in *in;
	mde__html_iter it;
	int started;         /* the normalised page was handed over */
	unsigned n[4];       /* pieces of each kind so far */
	int st;
	char name[32];
};

static int guess_html(const uint8_t *buf, size_t len)
{
	return mde__html_detect(buf, len) ? MDE__GUESS_MARKUP : 0;
}

static void *html_open(mde__arc_in *in)
{
	struct html *s = calloc(1, sizeof(*s));

	if (!s) {
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	s->in = in;
	return s;
}

static int sink(void *ctx, const uint8_t *data, size_t n)
{
	struct html *s = ctx;

	s->st = mde__arc_out_put(s->in, data, n);
	return s->st != MDE__ARC_OK;
}

/* The member of piece p (or the normalised page, p NULL) in the member
 * buffer: MDE__ARC_OK, SKIP or STOP. */
static int build(struct html *s, const mde__html_piece *p, const char *nm)
{
	mde__arc_in *in = s->in;

	if (mde__arc_entry(in, nm) != MDE__ARC_OK)
		return MDE__ARC_STOP;
	s->st = mde__arc_out_begin(in, nm, -1);
	if (s->st != MDE__ARC_OK)
		return s->st;
	if (p)
		mde__html_decode(in->buf, p, sink, s);
	else
		mde__html_normalise(in->buf, in->len, sink, s);
	if (s->st == MDE__ARC_OK && !mde__arc_out_len(in))
		return MDE__ARC_SKIP;
	return s->st;
}

static int html_next(void *state, mde__arc_member *m)
{
	static const char *const word[] = { "", "script", "data", "base64" };
	struct html *s = state;
	mde__html_piece p;
	int st;

	if (!s->started++) {
		st = build(s, NULL, "[html]");
		if (st == MDE__ARC_STOP)
			return 0;
		if (st == MDE__ARC_OK) {
			mde__arc_out_member(s->in, m);
			m->type = MDE__MT_HTML;
			return 1;
		}
	}
	while (mde__html_next(s->in->buf, s->in->len, &s->it, &p)) {
		snprintf(s->name, sizeof(s->name), "[%s %u]", word[p.kind],
			 ++s->n[p.kind]);
		if (p.kind == MDE__HTML_SCRIPT) {
			m->name = s->name;
			m->data = s->in->buf + p.off;
			m->len = p.len;
			m->type = MDE__MT_SCRIPT;
			return 1;
		}
		st = build(s, &p, s->name);
		if (st == MDE__ARC_STOP)
			return 0;
		if (st == MDE__ARC_OK) {
			mde__arc_out_member(s->in, m);
			return 1;
		}
	}
	return 0;
}

static void html_close(void *state)
{
	free(state);
}

const struct mde__arc_handler mde__arc_html = {
	"html", MDE__ARC_WEAK, NULL, guess_html, html_open, html_next,
	html_close, NULL,
};
