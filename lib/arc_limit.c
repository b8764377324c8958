/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_limit.c - the limits every container handler gets: notes, entries
 * counted against max-files, and the member buffer, which checks
 * max-member-size, the file's max-scansize, the bomb ratio, the deadline
 * and cancellation on every write.
 *
 * A member is decoded in slices of at most 64 KiB, so a decompressor is
 * stopped within a slice of passing a limit, and the ratio (bytes
 * unpacked over bytes consumed, both for the whole container) follows the
 * decompressor: a bomb is called before it is unpacked.  The buffer is
 * one per container, reused from member to member, and never grows past
 * the member limit plus one byte (which tells a member that fits exactly
 * from one that does not).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arc.h"
#include "banned.h"

#define SLICE (64 * 1024)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Nonzero (and the reason in *why) when the whole file must stop. */
static int over(mde__arc_budget *bud, const char **why)
{
	if (bud->stop)
		return 1;
	if (bud->cancel && atomic_load(bud->cancel)) {
		bud->stop = 1;
		*why = "cancelled";
		return 1;
	}
	if (bud->deadline_ns && now_ns() > bud->deadline_ns) {
		bud->stop = 1;
		*why = "limit: timeout";
		return 1;
	}
	return 0;
}

/* max-member-size, never 0: "no limit" is a large one. */
static int64_t member_cap(const mde__arc_limits *lim)
{
	int64_t cap = lim->max_member_size;

	return cap <= 0 || cap > INT64_MAX / 2 ? INT64_MAX / 2 : cap;
}

void mde__arc_skip(mde__arc_in *in, const char *name, const char *reason)
{
	in->noted++;
	in->ops->note(in->ctx, name, MDE__NOTE_SKIP, reason);
}

void mde__arc_stop(mde__arc_in *in, const char *name, const char *reason)
{
	in->bud->stop = 1;
	mde__arc_skip(in, name, reason);
}

int mde__arc_count(mde__arc_in *in)
{
	if (in->lim->max_files > 0 && ++in->entries > in->lim->max_files) {
		mde__arc_skip(in, NULL, "limit: max-files");
		return MDE__ARC_STOP;
	}
	return MDE__ARC_OK;
}

int mde__arc_entry(mde__arc_in *in, const char *name)
{
	const char *why = NULL;

	in->entered = 1;
	if (mde__arc_count(in) != MDE__ARC_OK)
		return MDE__ARC_STOP;
	if (over(in->bud, &why)) {
		/* the reason belongs to the whole file, set by over() */
		mde__arc_skip(in, name, why);
		return MDE__ARC_STOP;
	}
	return MDE__ARC_OK;
}

size_t mde__arc_cap(const mde__arc_in *in)
{
	size_t cap = in->lim->max_member_size > 0
			     ? (size_t)in->lim->max_member_size
			     : SIZE_MAX / 2;

	if (in->bud->left >= 0 && (uint64_t)in->bud->left < cap)
		cap = (size_t)in->bud->left;
	return cap;
}

void mde__arc_consumed(mde__arc_in *in, uint64_t n)
{
	in->consumed = n ? n : 1;
}

/*
 * n more bytes were unpacked, total of them in the member: checks what
 * every byte is checked against but the member's own limit.
 */
static int account(mde__arc_in *in, const char *name, size_t n, size_t total)
{
	const mde__arc_limits *lim = in->lim;
	mde__arc_budget *bud = in->bud;
	const char *why = NULL;

	in->produced += n;
	bud->bytes += n;
	if ((uint64_t)total > (uint64_t)(bud->left > 0 ? bud->left : 0)) {
		mde__arc_stop(in, name, "limit: max-scansize");
		return MDE__ARC_STOP;
	}
	if (lim->max_ratio > 0 &&
	    (int64_t)in->produced >= lim->bomb_min_size) {
		uint64_t used = in->consumed ? in->consumed
				: in->len ? in->len : 1;

		if ((int64_t)(in->produced / used) >= lim->max_ratio) {
			in->noted++;
			bud->stop = 1;
			in->ops->note(in->ctx, name, MDE__NOTE_BOMB,
				      "limit: max-ratio");
			return MDE__ARC_STOP;
		}
	}
	if (over(bud, &why)) {
		mde__arc_skip(in, name, why);
		return MDE__ARC_STOP;
	}
	return MDE__ARC_OK;
}

int mde__arc_take(mde__arc_in *in, const mde__arc_member *m)
{
	if ((uint64_t)m->len > (uint64_t)member_cap(in->lim)) {
		mde__arc_skip(in, m->name, "limit: max-member-size");
		return MDE__ARC_SKIP;
	}
	return account(in, m->name, m->len, m->len);
}

/* ------------------------------------------------------ the member buffer */

/* The buffer, holding at least need bytes: 0, or -1 out of memory. */
static int grow(mde__arc_in *in, size_t need)
{
	size_t cap = in->out_cap ? in->out_cap : SLICE;
	uint8_t *p;

	if (need <= in->out_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(in->out, cap);
	if (!p)
		return -1;
	in->out = p;
	in->out_cap = cap;
	return 0;
}

int mde__arc_out_begin(mde__arc_in *in, const char *name, int64_t declared)
{
	in->out_name = name;
	in->out_len = 0;
	if (declared > 0 && declared > member_cap(in->lim)) {
		mde__arc_skip(in, name, "limit: max-member-size");
		return MDE__ARC_SKIP;
	}
	if (declared > 0 && declared > in->bud->left) {
		mde__arc_stop(in, name, "limit: max-scansize");
		return MDE__ARC_STOP;
	}
	if (declared > 0 && grow(in, (size_t)declared + 1) < 0) {
		mde__arc_skip(in, name, "out of memory");
		return MDE__ARC_SKIP;
	}
	return MDE__ARC_OK;
}

uint8_t *mde__arc_out_room(mde__arc_in *in, size_t *room)
{
	int64_t cap = member_cap(in->lim);
	size_t len = in->out_len, n;

	if (len + SLICE > in->out_cap && grow(in, len + SLICE) < 0) {
		mde__arc_skip(in, in->out_name, "out of memory");
		return NULL;
	}
	n = in->out_cap - len;
	if ((int64_t)(len + n) > cap + 1)
		n = (size_t)(cap + 1 - (int64_t)len);
	*room = n;
	return in->out + len;
}

int mde__arc_out_wrote(mde__arc_in *in, size_t n)
{
	in->out_len += n;
	if ((int64_t)in->out_len > member_cap(in->lim)) {
		in->produced += n;
		in->bud->bytes += n;
		mde__arc_skip(in, in->out_name, "limit: max-member-size");
		return MDE__ARC_SKIP;
	}
	return account(in, in->out_name, n, in->out_len);
}

int mde__arc_out_put(mde__arc_in *in, const void *data, size_t n)
{
	const uint8_t *d = data;
	int st = MDE__ARC_OK;

	while (n && st == MDE__ARC_OK) {
		size_t room, k;
		uint8_t *p = mde__arc_out_room(in, &room);

		if (!p)
			return MDE__ARC_SKIP;
		k = n < room ? n : room;
		memcpy(p, d, k);
		d += k;
		n -= k;
		st = mde__arc_out_wrote(in, k);
	}
	return st;
}

size_t mde__arc_out_len(const mde__arc_in *in)
{
	return in->out_len;
}

void mde__arc_out_member(mde__arc_in *in, mde__arc_member *m)
{
	in->built = 1;
	m->name = in->out_name;
	m->data = in->out;
	m->len = in->out_len;
}
