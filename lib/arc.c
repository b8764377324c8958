/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc.c - the archive stage's driver: the handler table (and so the
 * kinds' names and bits, mde_archive_type), detection, and the loop that
 * takes the members of one container from its handler to the pipeline.
 * What a handler is and how to add one: arc.h.
 *
 * Detection runs on every file the pipeline reads, and most files are no
 * container: every row's bid is asked (a few compares each, no
 * allocation), and the guesses, which look further into the data, only
 * when no bid was made and only for the kinds that are enabled.  A file
 * whose kind is known but not enabled is not guessed at again: a gzip
 * file with gzip turned off is not a mail message either.
 *
 * Hostile input: every member counts against max-files, every byte
 * against max-member-size and the top-level file's max-scansize, and the
 * ratio of bytes unpacked to bytes consumed catches bombs while they
 * expand (arc_limit.c); depth is checked by the pipeline, which recurses.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "banned.h"

#define MDE__ARC_ROW(n) &mde__arc_##n,
static const struct mde__arc_handler *const table[] = {
	MDE__ARC_HANDLERS(MDE__ARC_ROW)
};
#undef MDE__ARC_ROW

#define MDE__ARC_INDEX(n) KIND_##n,
enum { MDE__ARC_HANDLERS(MDE__ARC_INDEX) NKINDS };
#undef MDE__ARC_INDEX

/* A mask is an int64_t option: bit 63 is never a kind. */
_Static_assert(NKINDS <= 63, "at most 63 container kinds");

/* mdescan.h's constants of the first kinds name the same rows. */
#define SAME(c, n) _Static_assert(c == (int64_t)1 << KIND_##n, #c)
SAME(MDE_ARC_TAR, tar);
SAME(MDE_ARC_CPIO, cpio);
SAME(MDE_ARC_AR, ar);
SAME(MDE_ARC_RPM, rpm);
SAME(MDE_ARC_7Z, 7z);
SAME(MDE_ARC_RAR, rar);
SAME(MDE_ARC_CAB, cab);
SAME(MDE_ARC_ISO, iso);
SAME(MDE_ARC_XAR, xar);
SAME(MDE_ARC_LHA, lha);
SAME(MDE_ARC_ZIP, zip);
SAME(MDE_ARC_GZIP, gzip);
SAME(MDE_ARC_BZIP2, bzip2);
SAME(MDE_ARC_XZ, xz);
SAME(MDE_ARC_LZMA, lzma);
SAME(MDE_ARC_ZSTD, zstd);
SAME(MDE_ARC_LZ4, lz4);
SAME(MDE_ARC_COMPRESS, compress);
SAME(MDE_ARC_MAIL, mail);
SAME(MDE_ARC_UPX, upx);
#undef SAME

static uint64_t bit(size_t i)
{
	return (uint64_t)1 << i;
}

int64_t mde_archive_type(const char *name)
{
	size_t i;

	for (i = 0; name && i < NKINDS; i++)
		if (strcmp(table[i]->name, name) == 0)
			return (int64_t)bit(i);
	return 0;
}

const char *mde_archive_type_name(unsigned i)
{
	return i < NKINDS ? table[i]->name : NULL;
}

uint64_t mde__arc_all(void)
{
	return bit(NKINDS) - 1;
}

uint64_t mde__arc_mask(unsigned mtype)
{
	return mtype == MDE__MT_HTML ? ~bit(KIND_html) : ~(uint64_t)0;
}

/* ------------------------------------------------------------ detection */

uint64_t mde__arc_kind(const uint8_t *buf, size_t len, uint64_t types)
{
	uint64_t guessers = 0;
	size_t i, win = 0;
	int best = 0, c;

	if (len < 4)
		return 0;
	for (i = 0; i < NKINDS && best < MDE__BID_OUTER; i++) {
		const struct mde__arc_handler *h = table[i];

		if (h->guess)
			guessers |= bit(i);
		if (h->bid && (c = h->bid(buf, len)) > best) {
			best = c;
			win = i;
		}
	}
	if (best)
		return bit(win) & types;
	for (guessers &= types; guessers; guessers &= guessers - 1) {
		i = (size_t)__builtin_ctzll(guessers);
		c = table[i]->guess(buf, len);
		if (c > best) {
			best = c;
			win = i;
		}
	}
	return best ? bit(win) : 0;
}

/* ------------------------------------------------------------ unpacking */

/* Hands member m to the caller; nonzero when unpacking must stop. */
static int deliver(mde__arc_in *in, const mde__arc_member *m)
{
	int st = MDE__ARC_OK;

	if (!in->entered)
		st = mde__arc_count(in);
	if (st == MDE__ARC_OK && !in->built)
		st = mde__arc_take(in, m);
	in->entered = 0;
	in->built = 0;
	if (st != MDE__ARC_OK)
		return st == MDE__ARC_STOP;
	in->bud->left -= (int64_t)m->len;
	in->bud->members++;
	if (in->ops->member(in->ctx, m)) {
		in->stopped = 1;
		return 1;
	}
	return in->bud->stop;
}

void mde__arc_unpack(uint64_t kind, const uint8_t *buf, size_t len,
		     const char *name, const mde__arc_limits *lim,
		     mde__arc_budget *bud, const mde__arc_ops *ops, void *ctx)
{
	mde__arc_in in;
	mde__arc_member m;
	const struct mde__arc_handler *h;
	void *st;

	if (!kind || (kind & (kind - 1)) || kind > bit(NKINDS - 1))
		return;
	h = table[__builtin_ctzll(kind)];
	memset(&in, 0, sizeof(in));
	in.buf = buf;
	in.len = len;
	in.name = name;
	in.kind = kind;
	in.h = h;
	in.lim = lim;
	in.bud = bud;
	in.ops = ops;
	in.ctx = ctx;
	st = h->open(&in);
	if (!st) {
		/* an open that fails on a WEAK magic is no news */
		if (!(h->flags & MDE__ARC_WEAK) && !in.noted)
			mde__arc_skip(&in, NULL, "archive damaged");
		goto out;
	}
	do
		memset(&m, 0, sizeof(m)); /* what the handler does not say */
	while (h->next(st, &m) && !deliver(&in, &m));
	h->close(st);
out:
	free(in.out);
}
