/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_mime.c - libFuzzer harness for mail decoding (mime.c).
 *
 * Input: any bytes, taken as a mailbox and as a single message whatever
 * mde__mail_detect() says.  Besides running every entry point, checks
 * invariants that hold for any input:
 *   - detection returns one of the three kinds, and data it rejects is
 *     rejected too when cut to its first 4 KiB;
 *   - no more parts, and no more bytes, are delivered than the limits
 *     allow (64 parts, depth 8, 1 MiB; and tight ones taken from the
 *     input's size), and every part's name is a non-empty string without control
 *     characters;
 *   - the status is one of the documented codes, *why is set exactly
 *     when it is not OK, and a callback that stops at the first part
 *     gets MDE__MAIL_STOPPED.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

#define MAX_PARTS 64
#define MAX_DEPTH 8
#define MAX_DECODED (1u << 20)

struct tally {
	size_t parts;
	uint64_t bytes;
	unsigned sum;    /* reads every byte, for the sanitizers */
	int stop;
};

static int part(void *ctx, const char *name, const uint8_t *data, size_t len)
{
	struct tally *t = ctx;
	size_t i;

	if (!name[0])
		abort();
	for (i = 0; name[i]; i++)
		if ((uint8_t)name[i] < 0x20 || name[i] == 0x7f)
			abort();
	if (len == 0)
		abort(); /* empty parts are not delivered */
	for (i = 0; i < len; i++)
		t->sum += data[i];
	t->parts++;
	t->bytes += len;
	return t->stop;
}

static void walk(const uint8_t *data, size_t size, int kind, int stop,
		 const mde__mail_limits *lim)
{
	struct tally t = { 0, 0, 0, stop };
	const char *why = "unset";
	int rc;

	rc = mde__mail_parts(data, size, kind, lim, part, &t, &why);
	if (rc < MDE__MAIL_NOMEM || rc > MDE__MAIL_STOPPED)
		abort();
	if ((rc == MDE__MAIL_OK) != (why == NULL))
		abort();
	if (t.parts > lim->max_parts || t.bytes > lim->max_decoded)
		abort();
	if (stop && t.parts > 0 && rc != MDE__MAIL_STOPPED)
		abort();
	if (rc == MDE__MAIL_STOPPED && (!stop || t.parts == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const mde__mail_limits lim = { MAX_PARTS, MAX_DEPTH,
					      MAX_DECODED };
	/* tight limits, varying with the input, to reach every limit */
	const mde__mail_limits tight = { size % 5, size % 3, size % 200 };
	int kind = mde__mail_detect(data, size);

	if (kind < MDE__MAIL_NONE || kind > MDE__MAIL_MESSAGE)
		abort();
	if (size > 4096 && kind == MDE__MAIL_NONE &&
	    mde__mail_detect(data, 4096) != MDE__MAIL_NONE)
		abort();
	walk(data, size, MDE__MAIL_MBOX, 0, &lim);
	walk(data, size, MDE__MAIL_MESSAGE, 0, &lim);
	walk(data, size, kind == MDE__MAIL_NONE ? MDE__MAIL_MESSAGE : kind, 1,
	     &lim);
	walk(data, size, MDE__MAIL_MESSAGE, 0, &tight);
	(void)mde__mail_parts(data, size, kind, NULL, NULL, NULL, NULL);
	return 0;
}
