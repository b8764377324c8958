/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_rtf.c - RTF documents as containers: their embedded objects,
 * decoded by rtf.c, are the members.
 *
 * An \objdata object is "object-N" (N counts them from 1).  When it is
 * an OLE1 object (olenative.c), the member is its native data: an OLE2
 * compound file that the archive stage opens in turn (arc_ole2.c), or,
 * for a Package object, the embedded file itself, named by its file
 * name.  A \bin run outside any object is "bin-N".
 *
 * An object is decoded into the member buffer, whose every slice is
 * checked against the limits: an object of a gigabyte of hex stops at
 * max-member-size (noted), and the document goes on to its next object.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "olenative.h"
#include "rtf.h"
#include "banned.h"

struct rtf {
	mde__arc_in *in;
	mde__rtf r;
	unsigned nobj, nbin;
	int st; /* the member buffer's last answer */
	char name[MDE__OLE_NAME_MAX];
};

static int bid_rtf(const uint8_t *buf, size_t len)
{
	return mde__rtf_magic(buf, len) ? MDE__BID_MAGIC : 0;
}

static void *rtf_open(mde__arc_in *in)
{
	struct rtf *s = calloc(1, sizeof(*s));

	if (!s) {
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	s->in = in;
	mde__rtf_init(&s->r, in->buf, in->len);
	return s;
}

static void rtf_close(void *state)
{
	free(state);
}

static int put(void *ctx, const uint8_t *data, size_t n)
{
	struct rtf *s = ctx;

	s->st = mde__arc_out_put(s->in, data, n);
	return s->st != MDE__ARC_OK;
}

/* Member m, an \objdata object: its OLE1 wrapper taken off. */
static void unwrap(struct rtf *s, mde__arc_member *m)
{
	mde__ole1 o;
	mde__package pk;
	const uint8_t *d;

	if (mde__ole1_parse(m->data, m->len, &o) < 0)
		return;
	d = m->data + o.off;
	if (strcmp(o.cls, "Package") == 0 &&
	    mde__package_parse(d, o.len, &pk) == 0) {
		if (pk.name[0])
			snprintf(s->name, sizeof(s->name), "%s", pk.name);
		m->data = d + pk.off;
		m->len = pk.len;
		return;
	}
	m->data = d;
	m->len = o.len;
}

static int rtf_next(void *state, mde__arc_member *m)
{
	struct rtf *s = state;
	mde__arc_in *in = s->in;
	int kind;

	while ((kind = mde__rtf_find(&s->r)) != MDE__RTF_END) {
		if (kind == MDE__RTF_OBJDATA)
			snprintf(s->name, sizeof(s->name), "object-%u", ++s->nobj);
		else
			snprintf(s->name, sizeof(s->name), "bin-%u", ++s->nbin);
		if (mde__arc_entry(in, s->name) != MDE__ARC_OK)
			return 0;
		s->st = mde__arc_out_begin(in, s->name, -1);
		mde__rtf_decode(&s->r, kind, s->st == MDE__ARC_OK ? put : NULL,
				s);
		if (s->st == MDE__ARC_STOP)
			return 0;
		if (s->st != MDE__ARC_OK || !mde__arc_out_len(in))
			continue;
		mde__arc_out_member(in, m);
		if (kind == MDE__RTF_OBJDATA)
			unwrap(s, m);
		m->name = s->name;
		m->type = MDE__MT_EMBEDDED;
		return 1;
	}
	return 0;
}

const struct mde__arc_handler mde__arc_rtf = {
	"rtf", 0, bid_rtf, NULL, rtf_open, rtf_next, rtf_close, NULL,
};
