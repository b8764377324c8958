/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_onenote.c - a OneNote section (.one) or table of contents as a
 * container (onenote.c reads it): its embedded files are the members,
 * "[file N]" (the section stores their names apart from them), handed
 * over in place.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "arc.h"
#include "onenote.h"
#include "banned.h"

struct one {
	mde__arc_in *in;
	size_t pos;
	unsigned n;
	char name[32];
};

static int bid_onenote(const uint8_t *buf, size_t len)
{
	return mde__one_magic(buf, len) ? MDE__BID_MAGIC : 0;
}

static void *one_open(mde__arc_in *in)
{
	struct one *s = calloc(1, sizeof(*s));

	if (!s) {
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	s->in = in;
	return s;
}

static int one_next(void *state, mde__arc_member *m)
{
	struct one *s = state;
	size_t off, len;
	int cut;

	if (!mde__one_next(s->in->buf, s->in->len, &s->pos, &off, &len, &cut))
		return 0;
	snprintf(s->name, sizeof(s->name), "[file %u]", ++s->n);
	if (cut)
		mde__arc_skip(s->in, s->name, "archive damaged");
	m->name = s->name;
	m->data = s->in->buf + off;
	m->len = len;
	return 1;
}

static void one_close(void *state)
{
	free(state);
}

const struct mde__arc_handler mde__arc_onenote = {
	"onenote", 0, bid_onenote, NULL, one_open, one_next, one_close, NULL,
};
