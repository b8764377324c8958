/* SPDX-License-Identifier: Apache-2.0 */
/*
 * html.h - what an HTML page holds for a scanner: its text normalised as
 * ClamAV normalises HTML for its target 3, its script blocks, and the
 * files smuggled in it ("HTML smuggling": a data: URI with a base64
 * payload, a base64 string a script decodes with atob() and saves as a
 * Blob).  Internal to libmde; knows nothing of the archive stage
 * (arc_html.c drives it), so it is unit-tested and fuzzed alone.
 *
 * Nothing is built in memory but what the caller's sink receives: every
 * function is one pass over the page, in time linear in its length.
 */
#ifndef MDE_HTML_H
#define MDE_HTML_H

#include <stddef.h>
#include <stdint.h>

/* Base64 runs shorter than this are not taken for files. */
#define MDE__HTML_MIN_B64 64

/* Sinks take output in slices; nonzero stops the producer. */
typedef int (*mde__html_sink)(void *ctx, const uint8_t *data, size_t n);

/* Whether buf looks like HTML: one of <html, <!doctype html, <head,
 * <body, <script, <iframe (any case) in its first 1024 bytes.  Cheap, but
 * a guess: never asked of a file that has a magic. */
int mde__html_detect(const uint8_t *buf, size_t len);

/*
 * The page normalised (ClamAV's target 3): comments (<!-- -->) out,
 * ASCII letters lower case, each run of white space one space (none
 * next to a tag's brackets or an attribute's '='), character references
 * (&lt; &#60; &#x3c; and the common named ones) decoded, UTF-8 for those
 * past ASCII, &nbsp; a space.  Every other byte as it is.  0, or nonzero
 * when fn stopped it.
 */
int mde__html_normalise(const uint8_t *buf, size_t len, mde__html_sink fn,
			void *ctx);

enum mde__html_kind {
	MDE__HTML_SCRIPT = 1, /* a script block's text, as it is */
	MDE__HTML_DATA,       /* a data: URI's base64 payload */
	MDE__HTML_B64,        /* base64 string literals of a script,
				 joined by '+' as the script joins them */
};

/* A piece of the page: buf[off, off + len). */
typedef struct mde__html_piece {
	int kind;
	size_t off, len;
} mde__html_piece;

/* Where a walk over the pieces is. */
typedef struct mde__html_iter {
	int phase;
	size_t pos;
	size_t sbeg, send;   /* the script block being searched */
} mde__html_iter;

/* The next piece from it (zeroed to start): scripts first, then data:
 * URIs, then the base64 strings of the scripts.  1, or 0 at the end. */
int mde__html_next(const uint8_t *buf, size_t len, mde__html_iter *it,
		   mde__html_piece *p);

/* Decodes a DATA or B64 piece (only what is inside the quotes of a B64
 * piece) to fn; characters outside base64's alphabet are skipped.  0,
 * or nonzero when fn stopped it. */
int mde__html_decode(const uint8_t *buf, const mde__html_piece *p,
		     mde__html_sink fn, void *ctx);

#endif
