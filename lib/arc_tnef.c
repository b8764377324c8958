/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_tnef.c - a TNEF stream (winmail.dat) as a container: its
 * attachments, found by tnef.c, are the members, named by their file
 * names.  A row of its own rather than a part of the mail reader, since
 * winmail.dat also travels as a file (saved from a mail client, on a
 * share); in a message, the part is a member first and then opened here.
 *
 * Members are handed over in place.  A length the stream claims is
 * judged against max-member-size before the bytes that are there are
 * taken, as an archive's declared sizes are.
 */
#include "config.h"

#include <stdlib.h>

#include "arc.h"
#include "tnef.h"
#include "banned.h"

struct tnef {
	mde__arc_in *in;
	mde__tnef t;
};

static int bid_tnef(const uint8_t *buf, size_t len)
{
	return mde__tnef_is(buf, len) ? MDE__BID_MAGIC : 0;
}

static void *tnef_open(mde__arc_in *in)
{
	struct tnef *s = malloc(sizeof(*s));

	if (!s) {
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	s->in = in;
	mde__tnef_init(&s->t, in->buf, in->len);
	return s;
}

static int tnef_next(void *state, mde__arc_member *m)
{
	struct tnef *s = state;
	const mde__arc_limits *lim = s->in->lim;
	mde__tnef_file f;
	int rc;

	while ((rc = mde__tnef_next(&s->t, &f)) == 1) {
		if (mde__arc_entry(s->in, f.name) != MDE__ARC_OK)
			return 0;
		if (lim->max_member_size > 0 &&
		    f.declared > (uint64_t)lim->max_member_size) {
			mde__arc_skip(s->in, f.name, "limit: max-member-size");
			continue;
		}
		m->name = f.name;
		m->data = f.data;
		m->len = f.len;
		return 1;
	}
	if (rc < 0)
		mde__arc_skip(s->in, NULL, "archive damaged");
	return 0;
}

static void tnef_close(void *state)
{
	free(state);
}

const struct mde__arc_handler mde__arc_tnef = {
	"tnef", 0, bid_tnef, NULL, tnef_open, tnef_next, tnef_close, NULL,
};
