/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_mail.c - mail messages and mailboxes as containers: their parts,
 * decoded by mime.c, are the members.
 *
 * The walk takes max-files as its limit of parts, max-recursion as its
 * depth of nesting and what is left of the file's max-scansize as its
 * budget of decoded bytes, so that it stops where a member would be
 * refused anyway; parts are handed over in place (no copy).
 */
#include "config.h"

#include <stdlib.h>

#include "arc.h"
#include "mime.h"
#include "banned.h"

struct mail {
	mde__arc_in *in;
	mde__mail_iter *it;
};

static int guess_mail(const uint8_t *buf, size_t len)
{
	return mde__mail_detect(buf, len) ? MDE__GUESS_TEXT : 0;
}

static void *mail_open(mde__arc_in *in)
{
	const mde__arc_limits *lim = in->lim;
	mde__mail_limits ml;
	struct mail *s = malloc(sizeof(*s));

	ml.max_parts = lim->max_files > 0 ? (size_t)lim->max_files : SIZE_MAX;
	ml.max_depth = lim->max_recursion > 0 ? (size_t)lim->max_recursion
					      : 64;
	ml.max_decoded = in->bud->left > 0 ? (uint64_t)in->bud->left : 0;
	if (s) {
		s->in = in;
		s->it = mde__mail_open(in->buf, in->len,
				       mde__mail_detect(in->buf, in->len), &ml);
	}
	if (!s || !s->it) {
		free(s);
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	return s;
}

static int mail_next(void *state, mde__arc_member *m)
{
	struct mail *s = state;
	mde__mail_part p;
	int rc;

	if (mde__mail_next(s->it, &p)) {
		m->name = p.name;
		m->data = p.data;
		m->len = p.len;
		return 1;
	}
	rc = mde__mail_status(s->it, NULL);
	if (rc == MDE__MAIL_LIMIT_SIZE)
		mde__arc_stop(s->in, NULL, "limit: max-scansize");
	else if (rc == MDE__MAIL_LIMIT_PARTS)
		mde__arc_skip(s->in, NULL, "limit: max-files");
	else if (rc == MDE__MAIL_LIMIT_DEPTH)
		mde__arc_skip(s->in, NULL, "limit: max-recursion");
	else if (rc == MDE__MAIL_NOMEM)
		mde__arc_skip(s->in, NULL, "out of memory");
	return 0;
}

static void mail_close(void *state)
{
	struct mail *s = state;

	mde__mail_close(s->it);
	free(s);
}

const struct mde__arc_handler mde__arc_mail = {
	"mail", 0, NULL, guess_mail, mail_open, mail_next, mail_close, NULL,
};
