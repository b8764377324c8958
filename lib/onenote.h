/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onenote.h - the files embedded in a OneNote section ([MS-ONESTORE]).
 * Internal to libmde; knows nothing of the archive stage (arc_onenote.c
 * drives it), so it is unit-tested and fuzzed alone.
 *
 * An embedded file (the attachment a phishing notebook asks to
 * double-click) is stored whole in a FileDataStoreObject (2.6.13): the
 * GUID {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}, its length (64 bits), 12
 * reserved bytes, the file, padding to 8 bytes and a footer GUID.  They
 * are found by that header wherever they are, as ClamAV does, rather than
 * through the revision store's file node lists: a damaged or hostile
 * section still gives up its files, and so do the files of any version
 * (OneNote 2007, 2010 and later) that frames them this way.
 */
#ifndef MDE_ONENOTE_H
#define MDE_ONENOTE_H

#include <stddef.h>
#include <stdint.h>

/* What the first 16 bytes say (guidFileType): 1 a section (.one), 2 a
 * table of contents (.onetoc2), 0 neither.  Cheap. */
int mde__one_magic(const uint8_t *buf, size_t len);

/* Whether a section is of the alternative packaging (guidFileFormat
 * {638DE92F-A6D4-4BC1-9A36-B3FC2511A5B7}, OneDrive and SharePoint
 * downloads) rather than the revision store. */
int mde__one_packaged(const uint8_t *buf, size_t len);

/* The next embedded file at or after *pos: 1 with its data in
 * buf[*off, *off + *flen) (a file whose length passes the end of buf is
 * cut there: *cut set), *pos moved past it; 0 when there is none. */
int mde__one_next(const uint8_t *buf, size_t len, size_t *pos, size_t *off,
		  size_t *flen, int *cut);

#endif
