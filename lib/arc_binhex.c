/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_binhex.c - BinHex 4.0 text as a container: the data fork, named by
 * the file name the header gives, and the resource fork ("NAME.rsrc")
 * when there is one, decoded by binhex.c into the member buffer.
 *
 * Found by the announcement line at the start of a file (a bid) or within
 * the first 4 KiB of a text (a guess: a mail part whose text leads into
 * it, which the mail reader hands over as a member).  The forks' declared
 * lengths are checked before decoding, the decoded bytes as they come:
 * a run-length bomb is stopped by the member buffer's limits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "arc.h"
#include "binhex.h"
#include "banned.h"

#define WINDOW 4096
#define ANNOUNCE_LEN 40 /* "(This file must be converted with BinHex" */

struct bh {
	mde__arc_in *in;
	mde__binhex h;
	int fork;      /* the next: 0 data, 1 resource, 2 none */
	char rname[MDE__BINHEX_NAME_CAP + 8];
};

static int bid_binhex(const uint8_t *buf, size_t len)
{
	return mde__binhex_find(buf, len, ANNOUNCE_LEN) == 0 ? MDE__BID_MAGIC
							    : 0;
}

static int guess_binhex(const uint8_t *buf, size_t len)
{
	return mde__binhex_find(buf, len, WINDOW) >= 0 ? MDE__GUESS_TEXT : 0;
}

static void *binhex_open(mde__arc_in *in)
{
	struct bh *s = calloc(1, sizeof(*s));
	long at = mde__binhex_find(in->buf, in->len, WINDOW);

	if (!s) {
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	if (at < 0 || mde__binhex_open(&s->h, in->buf, in->len,
				       (size_t)at) < 0) {
		free(s);
		return NULL; /* "archive damaged" */
	}
	s->in = in;
	if (!s->h.name[0])
		snprintf(s->h.name, sizeof(s->h.name), "[binhex]");
	snprintf(s->rname, sizeof(s->rname), "%s.rsrc", s->h.name);
	return s;
}

/* Decodes len bytes of the fork named name into the member buffer:
 * MDE__ARC_OK, or what a limit says; *cut when the text ended first. */
static int decode(struct bh *s, const char *name, uint32_t len, int *cut)
{
	mde__arc_in *in = s->in;
	int st = mde__arc_out_begin(in, name, len);
	size_t left = len;

	while (st == MDE__ARC_OK && left) {
		size_t room, n;
		uint8_t *p = mde__arc_out_room(in, &room);

		if (!p)
			return MDE__ARC_SKIP;
		n = mde__binhex_read(&s->h, p, room < left ? room : left);
		if (!n) {
			*cut = 1;
			break;
		}
		left -= n;
		mde__arc_consumed(in, (uint64_t)(s->h.p - in->buf));
		st = mde__arc_out_wrote(in, n);
	}
	return st;
}

static int binhex_next(void *state, mde__arc_member *m)
{
	struct bh *s = state;
	int cut = 0, st;

	while (s->fork < 2) {
		int fork = s->fork++;
		const char *name = fork ? s->rname : s->h.name;
		uint32_t len = fork ? s->h.rsrc_len : s->h.data_len;

		if (fork && mde__binhex_skip(&s->h, 2) != 2) /* data's CRC */
			break;
		if (!len)
			continue;
		if (mde__arc_entry(s->in, name) != MDE__ARC_OK)
			return 0;
		st = decode(s, name, len, &cut);
		if (cut) {
			mde__arc_skip(s->in, NULL, "archive damaged");
			s->fork = 2;
		}
		/* a fork left out cannot be skipped without decoding it */
		if (st != MDE__ARC_OK)
			return 0;
		if (mde__arc_out_len(s->in) == 0)
			continue;
		mde__arc_out_member(s->in, m);
		return 1;
	}
	return 0;
}

static void binhex_close(void *state)
{
	free(state);
}

const struct mde__arc_handler mde__arc_binhex = {
	"binhex",     0,           bid_binhex,   guess_binhex, binhex_open,
	binhex_next,  binhex_close, NULL,
};
