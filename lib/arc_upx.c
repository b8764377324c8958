/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_upx.c - a UPX-packed program as a container of one member, the
 * program unpacked by upx.c, named "[upx]" (the pipeline carries the
 * packer's name over to it).
 *
 * The unpacker needs its output bound before it starts: the member limit
 * or what is left of the file's budget, whichever is less.
 */
#include "config.h"

#include <stdlib.h>

#include "arc.h"
#include "upx.h"
#include "banned.h"

#define NAME "[upx]"

struct upx {
	mde__arc_in *in;
	uint8_t *out;
	int done;
};

static int guess_upx(const uint8_t *buf, size_t len)
{
	return mde__upx_detect(buf, len, NULL) ? MDE__GUESS_PACKER : 0;
}

static void *upx_open(mde__arc_in *in)
{
	struct upx *s = calloc(1, sizeof(*s));

	if (!s) {
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	s->in = in;
	return s;
}

static int upx_next(void *state, mde__arc_member *m)
{
	struct upx *s = state;
	mde__arc_in *in = s->in;
	mde__upx_info info;
	size_t outlen = 0;
	const char *why = NULL;
	int rc;

	if (s->done++ || !mde__upx_detect(in->buf, in->len, &info))
		return 0;
	rc = mde__upx_unpack(in->buf, in->len, &info, mde__arc_cap(in),
			     &s->out, &outlen, &why);
	if (rc == MDE__UPX_OK) {
		m->name = NAME;
		m->data = s->out;
		m->len = outlen;
		return 1;
	}
	if (rc == MDE__UPX_LIMIT)
		mde__arc_skip(in, NAME, "limit: max-member-size");
	else if (rc == MDE__UPX_UNSUPPORTED)
		mde__arc_skip(in, NAME, why ? why : "packed, not unpacked");
	else
		mde__arc_skip(in, NAME, why ? why : "packed data damaged");
	return 0;
}

static void upx_close(void *state)
{
	struct upx *s = state;

	free(s->out);
	free(s);
}

const struct mde__arc_handler mde__arc_upx = {
	"upx", 0, NULL, guess_upx, upx_open, upx_next, upx_close, NULL,
};
