/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mime.h - mail messages and mailboxes, decoded into their parts.
 * Internal to libmde.
 *
 * The archive stage (arc_mail.c) asks mde__mail_detect() whether a file
 * is mail and, if so, takes its parts, decoded, one at a time from an
 * iterator (mde__mail_open/next/close); mde__mail_parts() hands them to a
 * callback instead.  Nothing is written anywhere; the parts are scanned as
 * they come, and only the part in hand is held in memory.  Input is taken
 * as hostile: every walk is bounded by the limits given, in time (linear
 * in len times nesting depth) and in memory (about len + max_decoded).
 */
#ifndef MDE_MIME_H
#define MDE_MIME_H

#include <stddef.h>
#include <stdint.h>

enum { MDE__MAIL_NONE = 0, MDE__MAIL_MBOX = 1, MDE__MAIL_MESSAGE = 2 };

/* What buf looks like: an mbox ("From " line first, then RFC 5322 headers),
 * a single RFC 5322 message (a few header lines of the form "Name: value"
 * at the very start, of which at least one of From/To/Subject/Date/
 * Received/Return-Path/Message-ID/MIME-Version/Content-Type/Delivered-To,
 * then a blank line), or neither.  Must be cheap: it runs on every file; look
 * only at the first 4 KiB, and return NONE fast for binary data.  Headers
 * still going at 4 KiB count as a message when buf is longer. */
int mde__mail_detect(const uint8_t *buf, size_t len);

typedef struct mde__mail_limits {
	size_t max_parts;      /* parts delivered per call; then stop */
	size_t max_depth;      /* multipart / message/rfc822 nesting */
	uint64_t max_decoded;  /* total decoded bytes per call */
} mde__mail_limits;

/* Called for every leaf part, decoded.  name: the part's filename
 * (Content-Disposition filename= or Content-Type name=, RFC 2231 / RFC 2047
 * forms decoded as far as reasonable, path components kept as given; the
 * caller never uses it as a file name) or, when it has none, "part-N"
 * (N counting leaf parts from 1 in document order); for an mbox,
 * "msg-M/" is prepended (M counting messages from 1).  The text of a
 * message body (a non-multipart message, or text/(any) parts) is a part too.
 * data is valid only during the call.  Return nonzero to stop.
 *
 * Details: N restarts at 1 in each message of an mbox and counts the
 * uuencoded blocks too; control characters in a name become '_' and names
 * are cut at about 1000 bytes; empty parts are counted by N but not
 * delivered. */
typedef int (*mde__mail_part_fn)(void *ctx, const char *name,
				 const uint8_t *data, size_t len);

/* Status codes of mde__mail_parts. */
enum { MDE__MAIL_OK = 0, MDE__MAIL_LIMIT_PARTS = 1, MDE__MAIL_LIMIT_DEPTH = 2,
       MDE__MAIL_LIMIT_SIZE = 3, MDE__MAIL_STOPPED = 4, MDE__MAIL_NOMEM = -1 };

/* Walks the parts of buf (kind from mde__mail_detect), decoding
 * Content-Transfer-Encoding base64 (tolerating line breaks, whitespace and
 * garbage characters as mail clients do), quoted-printable (soft line
 * breaks, =XX, lenient on bad escapes) and uuencoded blocks ("begin NNN
 * name" ... "end", found inside any text part or plain body; each is
 * delivered as its own part named by the begin line), 7bit/8bit/binary
 * as is.  When a limit is hit, stops and returns the matching LIMIT code
 * (parts delivered before it stand).  *why gets a static string naming
 * the limit or problem ("limit: max-parts" ...), may be NULL.
 *
 * Details: max_decoded counts the bytes of every part delivered, decoded
 * or not, and of container bodies that had to be decoded (a base64
 * message/rfc822); a part that does not fit is not delivered.  The top
 * message is at depth 0; a multipart or message/rfc822 at depth
 * max_depth is not entered.  A zero limit allows nothing; lim NULL means
 * 10000 parts, depth 16, 512 MiB.  fn may be NULL (parts are counted
 * only).  kind NONE walks nothing.  *why is set to NULL on MDE__MAIL_OK. */
int mde__mail_parts(const uint8_t *buf, size_t len, int kind,
		    const mde__mail_limits *lim, mde__mail_part_fn fn,
		    void *ctx, const char **why);

/* The same walk, one part per call. */
typedef struct mde__mail_iter mde__mail_iter;

/* A part: name and data as for mde__mail_part_fn, valid until the next
 * call of mde__mail_next() or mde__mail_close(). */
typedef struct mde__mail_part {
	const char *name;
	const uint8_t *data;
	size_t len;
} mde__mail_part;

/* Starts a walk of buf (kept, not copied: it must outlive the iterator)
 * as mde__mail_parts() would; NULL when out of memory.  lim as there. */
mde__mail_iter *mde__mail_open(const uint8_t *buf, size_t len, int kind,
			       const mde__mail_limits *lim);

/* The next part in *part: 1, or 0 at the end of the walk, whatever ended
 * it (see mde__mail_status). */
int mde__mail_next(mde__mail_iter *it, mde__mail_part *part);

/* Once mde__mail_next() returned 0: MDE__MAIL_OK or the limit or problem
 * that ended the walk, with *why (may be NULL) as for mde__mail_parts. */
int mde__mail_status(const mde__mail_iter *it, const char **why);

/* Ends the walk; NULL is fine. */
void mde__mail_close(mde__mail_iter *it);

#endif /* MDE_MIME_H */
