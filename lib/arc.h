/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc.h - the archive stage: every container format is one row of a
 * handler table (arc.c), each handler in a file of its own.
 *
 * The pipeline asks mde__arc_kind() what a buffer is and, when it is a
 * container of a kind that is enabled, has mde__arc_unpack() hand it the
 * members one at a time; it runs the whole stage table on each member,
 * which may be a container again (the pipeline checks max-recursion).
 * Members are decoded from the buffer the pipeline holds: never read from
 * the file system, never written to it; a member's name is a label only.
 *
 * Adding a container format
 * -------------------------
 *  1. Write lib/arc_<name>.c defining
 *         const struct mde__arc_handler mde__arc_<name> = { ... };
 *     (its parsing may live in files of its own, as mime*.c and upx*.c
 *     do for arc_mail.c and arc_upx.c: a parser that knows nothing of
 *     this interface can be unit-tested and fuzzed alone).
 *  2. Add X(<name>) at the END of MDE__ARC_HANDLERS below.  Its place
 *     is its bit in the MDE_OPT_ARCHIVE_TYPES mask (mde_archive_type()):
 *     never reorder the list.  No constant in mdescan.h is needed, and
 *     the word is known to --archive-types and archive_types (config)
 *     at once.  At most 63 kinds.
 *  3. List the file in Makefile.am (lib_libmdecore_la_SOURCES);
 *     tests/fuzz/run compiles lib/arc*.c already.  Add the word to
 *     mdescan(1)'s --archive-types list and mdescan.conf(5).
 *  4. Seeds: a few small files of the format in tests/fuzz/corpus/
 *     container/ (fuzz_container runs every handler); a parser in a file
 *     of its own deserves its own harness (tests/fuzz/fuzz_<name>.c, a
 *     build line and a corpus directory in tests/fuzz/run).  A crash
 *     found is fixed and its input added as a seed.  Unit tests go to
 *     tests/unit/test_container.c (through mde__arc_kind/unpack).
 *
 * The row
 * -------
 *  name   the --archive-types word.
 *  flags  MDE__ARC_WEAK: the bid is a magic short enough to start
 *         ordinary files, so an open that fails is no news (no "archive
 *         damaged" note).  MDE__ARC_STREAM: a compressed stream of one
 *         member.
 *  bid    cheap: runs on EVERY file (len >= 4 guaranteed; check len
 *         before reading further, the buffer ends at len).  No
 *         allocation, no scan of the whole buffer: compare magics.  0 =
 *         not mine, else MDE__BID_*; the highest bid of all rows wins,
 *         the earlier row on a tie.  A kind that wins but is not enabled
 *         is not opened, and no other row is asked.  NULL: no magic.
 *  guess  costly heuristics (headers of text, a search for a trailer):
 *         asked only when no row bid, only for enabled kinds; the
 *         highest MDE__GUESS_* wins.  NULL: none.
 *  open   gets the container (in->buf, in->len, in->name, in->kind) and
 *         returns the handler's state, or NULL when it cannot be opened
 *         (the driver then notes "archive damaged", unless the row is
 *         WEAK or the handler noted a reason itself).
 *  next   fills *m with the next member and returns 1, or returns 0 at
 *         the end (whatever went wrong was noted: it is not called
 *         again).  m->data stays valid until the next call or close.
 *  close  frees the state (never NULL when called).
 *  arg    the handler's own data for the row (one handler, many rows).
 *
 * Limits (what every handler gets)
 * --------------------------------
 * The driver counts members against max-files (at mde__arc_entry(), or
 * when next() returns a member that was not entered), checks deadline
 * and cancellation, and, for a member next() returns from memory of its
 * own, checks max-member-size, the file's max-scansize budget and the
 * bomb ratio before the pipeline sees it.  A handler that decodes a
 * member itself writes it into the driver's member buffer with
 * mde__arc_out_*(), which checks the same limits on every write, so that
 * a bomb is stopped while it expands rather than after.  The ratio is
 * bytes unpacked from the container over bytes consumed: the container's
 * length unless the handler reports its decoder's input count with
 * mde__arc_consumed().  Depth is the pipeline's.
 *
 * A next() that decodes its members (la_next in arc_libarchive.c):
 *
 *	for (;;) {
 *		if (!my_read_entry(s, &name, &size))   (damage noted: the end)
 *			return 0;
 *		if (mde__arc_entry(s->in, name) != MDE__ARC_OK)
 *			return 0;                       (max-files, timeout)
 *		st = mde__arc_out_begin(s->in, name, size);
 *		while (st == MDE__ARC_OK && my_decode(s, chunk, &n))
 *			st = mde__arc_out_put(s->in, chunk, n);
 *		if (st == MDE__ARC_SKIP)
 *			continue;                       (too big, noted)
 *		if (st != MDE__ARC_OK)
 *			return 0;                       (a limit of the file)
 *		mde__arc_out_member(s->in, m);
 *		return 1;
 *	}
 *
 * (or mde__arc_out_room()/mde__arc_out_wrote() to decode in place).  A
 * next() whose member is already in memory (in the container itself, as
 * a stored part, or in a buffer of the handler's) fills *m and returns 1:
 * the driver checks it.  Call mde__arc_entry() for every entry, members
 * or not, or for none: the driver then counts the members it gets.
 *
 * Files: arc.c is the driver and the table, arc_limit.c the helpers.
 *
 * Notes: mde__arc_skip() says why a member (name) or the container
 * (name NULL) is left out, mde__arc_stop() also ends the whole file.  The
 * reasons are the user's words: "limit: max-member-size", "encrypted",
 * "archive damaged", "out of memory" ...
 *
 * Member names: as stored in the container (never used as a path); a
 * member without a name gets one in brackets ("[upx]"); the member of a
 * compressed stream is named after the container ("x.txt.gz" holds
 * "x.txt").
 */
#ifndef MDE_ARC_H
#define MDE_ARC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "mdescan.h"

/* The limits of one scan (see MDE_OPT_MAX_* in mdescan.h). */
typedef struct mde__arc_limits {
	uint64_t types;          /* bits of the kinds to open */
	int max_recursion;       /* container nesting */
	int64_t max_files;       /* members per container */
	int64_t max_scansize;    /* bytes unpacked per top-level file */
	int64_t max_member_size; /* bytes per member */
	int64_t max_ratio;       /* unpacked / packed of one container */
	int64_t bomb_min_size;   /* ratio judged from this many bytes on */
} mde__arc_limits;

/* What is left of a top-level file's allowance; shared by every level. */
typedef struct mde__arc_budget {
	int64_t left;             /* bytes that may still be unpacked */
	uint64_t deadline_ns;     /* 0: none */
	volatile atomic_int *cancel;
	int stop;                 /* a limit ended the whole file */
	uint64_t members, bytes;  /* unpacked so far */
} mde__arc_budget;

/* Why the unpacker talks to its caller besides members. */
enum mde__arc_note {
	MDE__NOTE_SKIP = 1, /* reason says why (a limit, damage, encrypted) */
	MDE__NOTE_BOMB      /* the ratio limit: an archive bomb */
};

/*
 * What a member is, when its container knows more than its bytes say:
 * for signatures that target a kind of content (ClamAV's target types:
 * 2 "OLE2" matches the streams of compound files and the VBA macros
 * decompressed from them, 3 "HTML" the normalised page, 10 "PDF" the
 * decoded streams), and so that a member made by a handler is not opened
 * by the same handler again (mde__arc_mask).  The pipeline keeps it in
 * struct file's mtype for the member's stages; a handler that says
 * nothing leaves MDE__MT_NONE (the driver clears every member before
 * next()).  Append only: the values may be stored.
 */
enum mde__arc_mtype {
	MDE__MT_NONE = 0,    /* nothing said: judge the bytes */
	MDE__MT_OLE2 = 1,    /* a stream of an OLE2 compound file, as stored */
	MDE__MT_VBA = 2,     /* VBA source decompressed from an OLE2 project */
	MDE__MT_EMBEDDED = 3, /* a file unwrapped from an embedding (an
				Ole10Native package, an Outlook attachment,
				an RTF object, a PDF's /EmbeddedFile) */
	MDE__MT_HTML = 4,    /* HTML normalised as ClamAV's target 3 is
				(lower case, white space collapsed, comments
				out, character references decoded) */
	MDE__MT_SCRIPT = 5,  /* script text taken out of a document
				(JavaScript of a PDF or an HTML page) */
	MDE__MT_PDF = 6      /* a PDF stream, decoded (what ClamAV scans of
				a PDF besides the file: target 10) */
};

/* One member, as next() hands it over and ops->member gets it. */
typedef struct mde__arc_member {
	const char *name;
	const uint8_t *data;
	size_t len;
	unsigned type;    /* enum mde__arc_mtype; the driver clears it */
} mde__arc_member;

typedef struct mde__arc_ops {
	/* A member: m->data is valid during the call only.  m->name is
	 * the member's name as stored (never used as a file name).  Returns
	 * nonzero to stop unpacking (first finding wins). */
	int (*member)(void *ctx, const mde__arc_member *m);
	/* A note about member name, or about the container itself when
	 * name is NULL. */
	void (*note)(void *ctx, const char *name, int what,
		     const char *reason);
} mde__arc_ops;

/* The bit of the kind of container buf holds, or 0 when it is none this
 * build opens or its kind is not in types.  Cheap (see "bid" above). */
uint64_t mde__arc_kind(const uint8_t *buf, size_t len, uint64_t types);

/*
 * Unpacks buf (of kind from mde__arc_kind) and calls ops->member for each
 * regular member in container order.  name is the container's own name
 * (its base name names the one member of a compressed stream: "x.txt.gz"
 * holds "x.txt").  Memory is bounded by the limits: one member's buffer
 * (at most max_member_size) per nesting level.
 */
void mde__arc_unpack(uint64_t kind, const uint8_t *buf, size_t len,
		     const char *name, const mde__arc_limits *lim,
		     mde__arc_budget *bud, const mde__arc_ops *ops, void *ctx);

/* The bits of every kind of the table. */
uint64_t mde__arc_all(void);

/* The kinds a member of type mtype (MDE__MT_*) may be opened as: all but
 * the one that made it when that would loop (a normalised page is HTML
 * again).  For mde__arc_kind()'s types. */
uint64_t mde__arc_mask(unsigned mtype);

/* ------------------------------------------------- for the handlers */

/* A container being unpacked: what open() gets.  Handlers read the first
 * fields; the rest is the driver's, used through the helpers below. */
typedef struct mde__arc_in {
	const uint8_t *buf;     /* the container */
	size_t len;
	const char *name;       /* its name (a path or a member name) */
	uint64_t kind;          /* its bit */
	const struct mde__arc_handler *h; /* its row */
	const mde__arc_limits *lim;
	mde__arc_budget *bud;
	/* the driver's */
	const mde__arc_ops *ops;
	void *ctx;
	uint64_t produced;      /* bytes unpacked from this container */
	uint64_t consumed;      /* bytes of it decoded; 0: all of it */
	int64_t entries;        /* counted against max-files */
	int noted;              /* notes about it so far */
	int entered;            /* the member about to come was counted */
	int built;              /* ... and is in the member buffer */
	int stopped;            /* the caller asked to stop */
	const char *out_name;   /* the member buffer */
	uint8_t *out;
	size_t out_len, out_cap;
} mde__arc_in;

enum {
	MDE__ARC_WEAK = 1,   /* a failed open is no news */
	MDE__ARC_STREAM = 2, /* a compressed stream of one member */
};

/* Bids: how sure the bytes make a row.  The magics of compressed streams
 * and ZIP outrank tar, a tar outranks the other magics: a tar starts with
 * its first member's name, which may be any magic. */
enum {
	MDE__BID_MAGIC = 80, /* a magic number at a fixed offset */
	MDE__BID_TAR = 90,   /* a checksummed tar header */
	MDE__BID_OUTER = 100 /* a compressed stream's or ZIP's magic */
};

/* Guesses, asked when nothing bid: a packed program before a mail
 * message, a mail message before a ZIP found by its trailer. */
enum {
	MDE__GUESS_TRAILER = 30, /* a trailer at the end (ZIP with a prefix) */
	MDE__GUESS_MARKUP = 35,  /* markup near the start (HTML): below a
				    mail message, which may carry HTML */
	MDE__GUESS_TEXT = 40,    /* text with the shape of the format */
	MDE__GUESS_PACKER = 50,  /* a program's headers say it is packed */
};

struct mde__arc_handler {
	const char *name;
	unsigned flags;
	int (*bid)(const uint8_t *buf, size_t len);
	int (*guess)(const uint8_t *buf, size_t len);
	void *(*open)(mde__arc_in *in);
	int (*next)(void *state, mde__arc_member *m);
	void (*close)(void *state);
	const void *arg;
};

/*
 * The table, one row per kind, in the order of their bits: append only.
 * X(name) stands for the handler mde__arc_<name>, defined in its file.
 */
#define MDE__ARC_HANDLERS(X) \
	X(tar)                \
	X(cpio)               \
	X(ar)                 \
	X(rpm)                \
	X(7z)                 \
	X(rar)                \
	X(cab)                \
	X(iso)                \
	X(xar)                \
	X(lha)                \
	X(zip)                \
	X(gzip)               \
	X(bzip2)              \
	X(xz)                 \
	X(lzma)               \
	X(zstd)               \
	X(lz4)                \
	X(compress)           \
	X(mail)               \
	X(upx)                \
	X(ole2)               \
	X(rtf)                \
	X(pdf)                \
	X(html)               \
	X(onenote)            \
	X(tnef)               \
	X(binhex)             \
	X(chm)                \
	X(szdd)               \
	X(kwaj)               \
	X(arj)                \
	X(pe)                 \
	X(nsis)

#define MDE__ARC_DECLARE(n) extern const struct mde__arc_handler mde__arc_##n;
MDE__ARC_HANDLERS(MDE__ARC_DECLARE)
#undef MDE__ARC_DECLARE

/* What the helpers answer. */
enum {
	MDE__ARC_OK = 0,
	MDE__ARC_SKIP, /* this member is left out (noted); go on */
	MDE__ARC_STOP  /* stop the container (noted; bud->stop when the
			  whole file must stop) */
};

/* Notes that member name (NULL: the container) is left out, and why. */
void mde__arc_skip(mde__arc_in *in, const char *name, const char *reason);

/* The same, for a limit of the whole file: nothing more is unpacked. */
void mde__arc_stop(mde__arc_in *in, const char *name, const char *reason);

/* An entry named name is next (a member, a directory, a link: whatever
 * counts as a file of the container): counts it against max-files and
 * checks the deadline.  MDE__ARC_OK, or MDE__ARC_STOP (noted). */
int mde__arc_entry(mde__arc_in *in, const char *name);

/* The most a member may have: max-member-size and what is left of the
 * file's budget, for a decoder that needs its output bound up front. */
size_t mde__arc_cap(const mde__arc_in *in);

/* The decoder has consumed n bytes of the container so far (the ratio's
 * divisor; by default the container's length). */
void mde__arc_consumed(mde__arc_in *in, uint64_t n);

/* Starts member name (valid until the member is handed over) in the
 * member buffer; declared is its size as the container says (-1:
 * unknown), checked against the limits before any byte is decoded.
 * MDE__ARC_OK, MDE__ARC_SKIP or MDE__ARC_STOP. */
int mde__arc_out_begin(mde__arc_in *in, const char *name, int64_t declared);

/* Where to write the next bytes: *room bytes (at least 64 KiB unless the
 * member is about to pass its limit: one byte more than the limit fits,
 * to see it passed).  NULL when out of memory (noted: skip the member). */
uint8_t *mde__arc_out_room(mde__arc_in *in, size_t *room);

/* n bytes were written at the room given: counts them and checks every
 * limit.  MDE__ARC_OK, MDE__ARC_SKIP (the member passed max-member-size)
 * or MDE__ARC_STOP (a limit of the file: scan size, ratio, deadline). */
int mde__arc_out_wrote(mde__arc_in *in, size_t n);

/* Appends data[0..n) (room, copy, wrote). */
int mde__arc_out_put(mde__arc_in *in, const void *data, size_t n);

/* Bytes of the member so far. */
size_t mde__arc_out_len(const mde__arc_in *in);

/* Hands the member in the buffer over: fills *m for next() to return. */
void mde__arc_out_member(mde__arc_in *in, mde__arc_member *m);

/* The driver's, for a member next() returned: counts it against
 * max-files when it was not entered; checks one that was decoded outside
 * the member buffer as mde__arc_out_wrote() would have.  MDE__ARC_OK,
 * MDE__ARC_SKIP or MDE__ARC_STOP (noted). */
int mde__arc_count(mde__arc_in *in);
int mde__arc_take(mde__arc_in *in, const mde__arc_member *m);

#endif
