/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - the archive stage's unpacker (container.c): recognises
 * containers from their first bytes and hands their members, decoded, to
 * the pipeline, which runs the whole stage table on each.
 */
#ifndef MDE_CONTAINER_H
#define MDE_CONTAINER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "mde_int.h"

/* The limits of one scan (see MDE_OPT_MAX_* in mdescan.h). */
typedef struct mde__arc_limits {
	unsigned types;          /* MDE_ARC_* bits of the kinds to open */
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

typedef struct mde__arc_ops {
	/* A member's content; data is valid during the call only.  name is
	 * the member's name as stored (never used as a file name).  Returns
	 * nonzero to stop unpacking (first finding wins). */
	int (*member)(void *ctx, const char *name, const uint8_t *data,
		      size_t len);
	/* A note about member name, or about the container itself when
	 * name is NULL. */
	void (*note)(void *ctx, const char *name, int what,
		     const char *reason);
} mde__arc_ops;

/* The MDE_ARC_* kind of the container buf holds, or 0 when it is none
 * this build opens (or its kind is not in types).  outer_name is used
 * for no decision, only for stream members' names later. */
unsigned mde__arc_kind(const uint8_t *buf, size_t len, unsigned types);

/*
 * Unpacks buf (of kind from mde__arc_kind) and calls ops->member for each
 * regular member in archive order.  name is the container's own name
 * (its base name is used to name the one member of a compressed stream:
 * "x.txt.gz" holds "x.txt").  Memory is bounded by the limits: one
 * member's buffer (at most max_member_size) per nesting level.
 */
void mde__arc_unpack(unsigned kind, const uint8_t *buf, size_t len,
		     const char *name, const mde__arc_limits *lim,
		     mde__arc_budget *bud, const mde__arc_ops *ops, void *ctx);

/* The bit of a container type name ("zip", "gzip", ...), 0 if unknown. */
unsigned mde__arc_type_bit(const char *name, size_t len);

#endif
