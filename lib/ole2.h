/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ole2.h - a reader of OLE2 compound files ([MS-CFB]: doc, xls, ppt, msi,
 * msg, vbaProject.bin), over a buffer that holds the whole file.  It
 * knows nothing of the archive stage: arc_ole2.c makes members of what it
 * reads, and it is fuzzed alone (tests/fuzz/fuzz_ole2.c).
 *
 * Hostile files are the rule here.  Every chain of sectors (FAT, miniFAT,
 * DIFAT, the directory, each stream) is followed with its length known
 * before a byte is read: a chain that loops or points outside the file is
 * found once (each sector's verdict is remembered) and the stream on it
 * reported damaged.  The directory's red-black trees are walked with a
 * visited mark per entry, so a tree that loops or shares a subtree yields
 * each entry at most once.  Memory is a few words per sector and per
 * directory entry of the file, never a size a header claims.
 */
#ifndef MDE_OLE2_H
#define MDE_OLE2_H

#include <stddef.h>
#include <stdint.h>

/* No entry (the directory's NOSTREAM). */
#define MDE__OLE2_NONE UINT32_MAX

/* The longest name of an entry, made UTF-8, control characters as
 * "\xNN": 31 UTF-16 units of up to 4 bytes each, and the NUL. */
#define MDE__OLE2_NAME_MAX 128

enum {
	MDE__OLE2_OK = 0,
	MDE__OLE2_DAMAGED, /* not a compound file, or a part of it broken */
	MDE__OLE2_NOMEM
};

enum mde__ole2_type {
	MDE__OLE2_STORAGE = 1,
	MDE__OLE2_STREAM = 2,
	MDE__OLE2_ROOT = 5
};

typedef struct mde__ole2 mde__ole2;

/* One entry of the directory, as the walk found it. */
typedef struct mde__ole2_entry {
	char name[MDE__OLE2_NAME_MAX]; /* UTF-8 (MSI's packed names unpacked) */
	int type;                      /* enum mde__ole2_type */
	uint32_t parent;               /* the storage holding it (an entry id) */
	uint64_t size;                 /* as the directory says */
} mde__ole2_entry;

/* Reads a stream: pieces of it in place, in order. */
typedef struct mde__ole2_stream {
	const mde__ole2 *o;
	uint64_t size; /* what can be read: the declared size, or less when
			  the file or the chain ends first */
	uint64_t left;
	uint32_t sect; /* the next sector (a mini sector for a mini stream) */
	int mini;
} mde__ole2_stream;

/* Nonzero when buf starts with the compound file signature. */
int mde__ole2_magic(const uint8_t *buf, size_t len);

/*
 * Parses the header, the FAT, the miniFAT and the directory of
 * buf[0..len) (which must outlive the handle) and walks the directory.
 * Returns MDE__OLE2_OK with *out set, MDE__OLE2_DAMAGED (no header, FAT
 * or directory to read) or MDE__OLE2_NOMEM.
 */
int mde__ole2_open(const uint8_t *buf, size_t len, mde__ole2 **out);

/* Frees o (NULL allowed). */
void mde__ole2_close(mde__ole2 *o);

/* Entries in walk order, the root excluded: every storage's children
 * (in the directory's order) come after it, together.  i < count. */
uint32_t mde__ole2_count(const mde__ole2 *o);
uint32_t mde__ole2_id(const mde__ole2 *o, uint32_t i);

/* The children of storage id (or of the root, 0) are the walk's entries
 * *first .. *first + the count returned. */
uint32_t mde__ole2_kids(const mde__ole2 *o, uint32_t id, uint32_t *first);

/* Fills *e with entry id (0 is the root): 0, or -1 for an id the walk
 * did not reach. */
int mde__ole2_info(const mde__ole2 *o, uint32_t id, mde__ole2_entry *e);

/* The child of storage id named name (ASCII letters compared without
 * case, as [MS-CFB] compares names), or MDE__OLE2_NONE. */
uint32_t mde__ole2_child(const mde__ole2 *o, uint32_t id, const char *name);

/* The path of entry id below the root ("Macros/VBA/Module1") in
 * out[0..n), cut when longer.  Returns out. */
char *mde__ole2_path(const mde__ole2 *o, uint32_t id, char *out, size_t n);

/* Opens stream id for reading.  MDE__OLE2_OK, or MDE__OLE2_DAMAGED when
 * it is no stream or its chain of sectors loops or leaves the file. */
int mde__ole2_stream_open(const mde__ole2 *o, uint32_t id,
			  mde__ole2_stream *s);

/* The next piece of the stream (adjacent sectors joined), *n bytes in
 * the file's buffer, or NULL at its end. */
const uint8_t *mde__ole2_read(mde__ole2_stream *s, size_t *n);

/*
 * Copies stream id, at most cap bytes of it, into *buf (grown with
 * realloc, *cap_buf its size; the caller frees it); *len its length.
 * Returns MDE__OLE2_OK (the stream may be cut at cap), MDE__OLE2_DAMAGED
 * or MDE__OLE2_NOMEM.
 */
int mde__ole2_load(const mde__ole2 *o, uint32_t id, size_t cap,
		   uint8_t **buf, size_t *cap_buf, size_t *len);

#endif
