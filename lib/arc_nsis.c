/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_nsis.c - an NSIS installer as a container: its script header
 * ("[header]") and the files it installs, named as its script names them
 * (nsis.c reads the format).
 *
 * The bid reads the PE headers and looks for the FirstHeader where the
 * stub's sections end: a few compares.  It outbids the plain PE row
 * (arc_pe.c), whose overlay the installer's data would otherwise be.
 * Files are decoded into the member buffer, so every limit is checked
 * while they expand; the ratio's divisor is the installer data decoded so
 * far.  In a solid installer a file left out (too big) must still be
 * decoded to reach the next: that is bounded by what is left of the
 * file's max-scansize.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "arc.h"
#include "nsis.h"
#include "pe.h"
#include "banned.h"

/* above a plain magic: an installer is a PE whose overlay is known */
#define BID_NSIS (MDE__BID_MAGIC + 5)
#define HDR_CAP (64u << 20)
#define DICT_CAP (64u << 20)

struct nsis_state {
	mde__arc_in *in;
	mde__nsis *n;
};

/* Where the FirstHeader is, or SIZE_MAX. */
static size_t find(const uint8_t *buf, size_t len)
{
	mde__pe pe;

	if (buf[0] != 'M' || buf[1] != 'Z' || !mde__pe_parse(buf, len, &pe))
		return SIZE_MAX;
	return mde__nsis_find(buf, len, pe.ovl);
}

static int bid_nsis(const uint8_t *buf, size_t len)
{
	return find(buf, len) != SIZE_MAX ? BID_NSIS : 0;
}

static void *nsis_open(mde__arc_in *in)
{
	struct nsis_state *s = calloc(1, sizeof(*s));
	size_t fh = find(in->buf, in->len), cap = mde__arc_cap(in);

	if (!s) {
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	s->in = in;
	s->n = mde__nsis_open(in->buf, in->len, fh, cap < HDR_CAP ? cap
							       : HDR_CAP,
			      DICT_CAP);
	if (!s->n) {
		free(s);
		return NULL;
	}
	return s;
}

/* Says why the walk ended, when it was not the end. */
static void note_end(struct nsis_state *s)
{
	const char *why;

	switch (mde__nsis_status(s->n, &why)) {
	case MDE__NSIS_DAMAGED:
		mde__arc_skip(s->in, NULL, "archive damaged");
		break;
	case MDE__NSIS_NOMEM:
		mde__arc_skip(s->in, NULL, "out of memory");
		break;
	case MDE__NSIS_LIMIT:
		mde__arc_skip(s->in, NULL, "limit: max-member-size");
		break;
	}
}

/* Decodes the current file into the member buffer: MDE__ARC_*. */
static int decode(struct nsis_state *s, const mde__nsis_item *it)
{
	mde__arc_in *in = s->in;
	int st = mde__arc_out_begin(in, it->name, it->size);

	while (st == MDE__ARC_OK) {
		size_t room, k;
		uint8_t *p = mde__arc_out_room(in, &room);

		if (!p)
			return MDE__ARC_SKIP;
		k = mde__nsis_read(s->n, p, room);
		if (k == 0)
			break;
		mde__arc_consumed(in, mde__nsis_consumed(s->n));
		st = mde__arc_out_wrote(in, k);
	}
	return st;
}

static int nsis_next(void *state, mde__arc_member *m)
{
	struct nsis_state *s = state;
	mde__arc_in *in = s->in;
	mde__nsis_item it;
	int st;

	while (mde__nsis_next(s->n, &it)) {
		mde__arc_consumed(in, mde__nsis_consumed(s->n));
		if (mde__arc_entry(in, it.name) != MDE__ARC_OK)
			return 0;
		if (it.data) {
			m->name = it.name;
			m->data = it.data;
			m->len = (size_t)it.size;
			return 1;
		}
		st = decode(s, &it);
		if (st == MDE__ARC_SKIP) {
			uint64_t left = in->bud->left > 0 ?
					(uint64_t)in->bud->left : 0;

			if (mde__nsis_skip(s->n, left) < 0) {
				mde__arc_stop(in, NULL, "limit: max-scansize");
				return 0;
			}
			continue;
		}
		if (st != MDE__ARC_OK)
			return 0;
		mde__arc_out_member(in, m);
		return 1;
	}
	note_end(s);
	return 0;
}

static void nsis_close(void *state)
{
	struct nsis_state *s = state;

	mde__nsis_close(s->n);
	free(s);
}

const struct mde__arc_handler mde__arc_nsis = {
	"nsis", 0, bid_nsis, NULL, nsis_open, nsis_next, nsis_close, NULL,
};
