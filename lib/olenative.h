/* SPDX-License-Identifier: Apache-2.0 */
/*
 * olenative.h - the wrappers around an object embedded in an Office file:
 * the OLE1 ObjectHeader RTF's \objdata starts with ([MS-OLEDS] 2.2.4,
 * 2.2.5) and the Packager's native data (an "Ole10Native" stream: a file
 * with its name and paths) that holds a file embedded as a package.  Used
 * by arc_ole2.c and arc_rtf.c; knows nothing of either.
 */
#ifndef MDE_OLENATIVE_H
#define MDE_OLENATIVE_H

#include <stddef.h>
#include <stdint.h>

#define MDE__OLE_NAME_MAX 256

/* An embedded OLE1 object: its class and where its native data is. */
typedef struct mde__ole1 {
	char cls[MDE__OLE_NAME_MAX]; /* ClassName: "Package", "Word.Document.8" */
	size_t off, len;             /* NativeData in the buffer */
} mde__ole1;

/* Reads the ObjectHeader and EmbeddedObject at the start of buf[0..len)
 * (a NativeData that claims more than there is ends at the end).
 * Returns 0, or -1 when buf holds no embedded OLE1 object (a linked one
 * has no data). */
int mde__ole1_parse(const uint8_t *buf, size_t len, mde__ole1 *o);

/* A file embedded by the Packager. */
typedef struct mde__package {
	char name[MDE__OLE_NAME_MAX]; /* its file name, UTF-8 (never a path) */
	size_t off, len;              /* its content in the buffer */
} mde__package;

/*
 * Reads the Packager's native data in buf[0..len) (what follows the size
 * of an Ole10Native stream, or an OLE1 Package object's NativeData): the
 * file's name from its source path, else its label, else its temporary
 * path (base names only), and its content (cut at the end of buf).
 * Returns 0, or -1 when buf holds no embedded file (a link to one).
 */
int mde__package_parse(const uint8_t *buf, size_t len, mde__package *p);

/* The last component of the Windows or Unix path s[0..n) (Latin-1, or
 * UTF-16LE when utf16; it ends at a NUL) as a UTF-8 file name in
 * out[0..size), control characters as '_'. */
void mde__ole_file_name(const uint8_t *s, size_t n, int utf16, char *out,
			size_t size);

#endif
