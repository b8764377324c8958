/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf.h - the objects, streams, embedded files and JavaScript of a PDF
 * document, read as tolerantly as PDF readers do.  Internal to libmde;
 * knows nothing of the archive stage (arc_pdf.c drives it), so it is
 * unit-tested and fuzzed alone.
 *
 * The document is indexed at open: every "N G obj" of the file, found by
 * a scan of the bytes as readers do to repair a damaged file (so every
 * revision of an incrementally updated file is seen, also objects no
 * cross-reference lists), plus the objects the cross-reference chain
 * (tables and streams, /Prev and /XRefStm followed, loops cut) points to;
 * the newest trailer gives /Encrypt and /ID.  A document encrypted by the
 * standard security handler (R2 to R6: RC4 40 to 128 bits, AES-128,
 * AES-256) is decrypted when its user password is empty, as readers open
 * it without asking.
 *
 * Then the items come one at a time (mde__pdf_next): the object streams
 * first (the caller decodes each and gives the bytes back with
 * mde__pdf_objstm(), which indexes the objects inside), then every other
 * stream in file order (an /EmbeddedFile named by its file
 * specification's /UF or /F, a JavaScript stream, or any stream), then
 * the JavaScript strings (/JS) found in any object.  Streams are decoded
 * through the caller's sink (mde__pdf_decode), which sees every slice of
 * output and can stop a bomb while it expands.
 *
 * Input is hostile: work and memory are linear in the file's length, the
 * nesting of objects is cut at MDE__PDF_MAX_DEPTH, and what the parser
 * decodes for itself (cross-reference streams) at lim->max_internal.
 */
#ifndef MDE_PDF_H
#define MDE_PDF_H

#include <stddef.h>
#include <stdint.h>

/* Nesting of arrays and dictionaries past which an object is cut. */
#define MDE__PDF_MAX_DEPTH 64

typedef struct mde__pdf mde__pdf;

typedef struct mde__pdf_limits {
	size_t max_objects;    /* objects indexed (0: a default by length) */
	size_t max_internal;   /* bytes the parser decodes for itself */
} mde__pdf_limits;

/* What an item is. */
enum mde__pdf_kind {
	MDE__PDF_OBJSTM = 1, /* an object stream: decode, hand back */
	MDE__PDF_STREAM,     /* any other stream (page contents, images) */
	MDE__PDF_EMBEDDED,   /* an /EmbeddedFile stream */
	MDE__PDF_JS,         /* JavaScript: a stream, or text in data */
};

typedef struct mde__pdf_item {
	int kind;
	const char *name;   /* valid until the next call: see below */
	uint32_t num, gen;  /* the object */
	const uint8_t *data; /* a JS string: its text (decoded); else NULL */
	size_t len;
	int64_t size;       /* decoded size the file declares, -1 unknown */
	size_t occ;         /* the parser's */
} mde__pdf_item;

/* Results of the decoding calls, and the notes (mde__pdf_note). */
enum {
	MDE__PDF_OK = 0,
	MDE__PDF_STOP,        /* the sink asked to stop */
	MDE__PDF_DAMAGED,     /* data damaged: what was decoded stands */
	MDE__PDF_UNSUPPORTED, /* a filter not decoded (images): raw data */
	MDE__PDF_NOMEM,
};

/* Sinks take decoded output; nonzero stops the decoder. */
typedef int (*mde__pdf_sink)(void *ctx, const uint8_t *data, size_t n);

/* Bid helpers: "%PDF-" at offset 0 (cheap), or within the first 1024
 * bytes as readers accept it (a costlier guess). */
int mde__pdf_magic(const uint8_t *buf, size_t len);
int mde__pdf_detect(const uint8_t *buf, size_t len);

/*
 * Indexes buf (which must outlive the handle).  NULL when out of memory
 * only: a file without a single object is a document of no items.
 */
mde__pdf *mde__pdf_open(const uint8_t *buf, size_t len,
			const mde__pdf_limits *lim);
void mde__pdf_close(mde__pdf *d); /* NULL allowed */

/* Encryption: 0 none, 1 decrypted (empty user password), -1 encrypted
 * and not decrypted (a password, or a handler not supported): the
 * streams and strings are then handed over as stored. */
int mde__pdf_encrypted(const mde__pdf *d);

/*
 * The next item: 1, or 0 at the end.  Names: an embedded file's name as
 * its file specification gives it (UTF-16 made UTF-8, control characters
 * '_'), else "[embedded N]"; "[objstm N]", "[stream N]", "[js N]" (N the
 * object number).
 */
int mde__pdf_next(mde__pdf *d, mde__pdf_item *it);

/* Decodes stream item it (decrypted, then every filter of its /Filter
 * chain, predictors included) into fn.  A filter that is not one of the
 * standard ones (DCT, JPX, JBIG2, CCITT ...) ends the chain: the data is
 * handed over as it is at that point, and MDE__PDF_UNSUPPORTED returned. */
int mde__pdf_decode(mde__pdf *d, const mde__pdf_item *it, mde__pdf_sink fn,
		    void *ctx);

/* The decoded bytes of object stream it: its objects are indexed (data
 * is copied).  MDE__PDF_OK, or MDE__PDF_NOMEM. */
int mde__pdf_objstm(mde__pdf *d, const mde__pdf_item *it,
		    const uint8_t *data, size_t len);

/* A note about the document since the last call, or NULL: which limit
 * cut it ("limit: max-recursion" for an object nested too deep,
 * "limit: max-files" for too many objects), or "encrypted". */
const char *mde__pdf_note(mde__pdf *d);

#endif
