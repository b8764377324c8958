/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_arj.c - ARJ archives as containers: their files, decoded by arj.c
 * into the member buffer.  Directories and volume labels are entries
 * (counted against max-files) but no members; a garbled (encrypted) file
 * is left out, and says so.
 *
 * The bid is the main header's id, size and type, and the row is WEAK:
 * two bytes of magic start ordinary files too, and arj.c checks the
 * header's CRC before it calls it ARJ.  A file's declared size is
 * judged before decoding, the bytes as they come (a bomb stops at its
 * limit); the ratio follows the decoder's input.
 */
#include "config.h"

#include <stdlib.h>

#include "arc.h"
#include "arj.h"
#include "banned.h"

struct arj {
	mde__arc_in *in;
	mde__arj a;
	mde__arj_dec *dec;
	mde__arj_entry e;
	int st;             /* what the member buffer said last */
};

static int bid_arj(const uint8_t *buf, size_t len)
{
	return mde__arj_is(buf, len) ? MDE__BID_MAGIC : 0;
}

static void *arj_open(mde__arc_in *in)
{
	struct arj *s = calloc(1, sizeof(*s));

	if (!s || !(s->dec = mde__arj_dec_new())) {
		free(s);
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	if (mde__arj_open(&s->a, in->buf, in->len) < 0) {
		mde__arj_dec_free(s->dec);
		free(s);
		return NULL;
	}
	s->in = in;
	return s;
}

static int sink(void *ctx, const uint8_t *data, size_t n)
{
	struct arj *s = ctx;

	/* the input consumed: the entries before, and this one's so far */
	mde__arc_consumed(s->in, (uint64_t)(s->e.data - s->in->buf) +
					 s->e.len);
	s->st = mde__arc_out_put(s->in, data, n);
	return s->st != MDE__ARC_OK;
}

/* Decodes the entry in s->e: MDE__ARC_OK with the member in the member
 * buffer, or SKIP, or STOP. */
static int extract(struct arj *s)
{
	mde__arc_in *in = s->in;
	const char *name = s->e.name[0] ? s->e.name : "[arj]";
	int rc;

	if (s->e.flags & MDE__ARJ_GARBLED) {
		mde__arc_skip(in, name, "encrypted");
		return MDE__ARC_SKIP;
	}
	s->st = mde__arc_out_begin(in, name, s->e.size);
	if (s->st != MDE__ARC_OK)
		return s->st;
	rc = mde__arj_decode(s->dec, &s->e, sink, s);
	if (s->st != MDE__ARC_OK)
		return s->st; /* a limit, noted */
	if (rc == MDE__ARJ_UNSUPPORTED) {
		mde__arc_skip(in, name, "unsupported compression method");
		return MDE__ARC_SKIP;
	}
	if (rc == MDE__ARJ_DAMAGED) {
		mde__arc_skip(in, name, "archive damaged");
		if (mde__arc_out_len(in) == 0)
			return MDE__ARC_SKIP;
	}
	return MDE__ARC_OK;
}

static int arj_next(void *state, mde__arc_member *m)
{
	struct arj *s = state;
	int rc, st;

	while ((rc = mde__arj_next(&s->a, &s->e)) == 1) {
		if (mde__arc_entry(s->in, s->e.name) != MDE__ARC_OK)
			return 0;
		if (s->e.type != MDE__ARJ_BINARY && s->e.type != MDE__ARJ_TEXT)
			continue;
		st = extract(s);
		if (st == MDE__ARC_SKIP)
			continue;
		if (st != MDE__ARC_OK)
			return 0;
		mde__arc_out_member(s->in, m);
		m->name = s->e.name[0] ? s->e.name : "[arj]";
		return 1;
	}
	if (rc < 0)
		mde__arc_skip(s->in, NULL, "archive damaged");
	return 0;
}

static void arj_close(void *state)
{
	struct arj *s = state;

	mde__arj_dec_free(s->dec);
	free(s);
}

const struct mde__arc_handler mde__arc_arj = {
	"arj", MDE__ARC_WEAK, bid_arj, NULL, arj_open, arj_next, arj_close,
	NULL,
};
