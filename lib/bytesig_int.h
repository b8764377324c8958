/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bytesig_int.h - private declarations shared by bytesig.c (parser),
 * bytesig_match.c (matcher, anchored scan) and bytesig_hs.c (Vectorscan
 * database and scan).
 */
#ifndef BYTESIG_INT_H
#define BYTESIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#include "mde_int.h"

/* Upper bound of a gap; larger gaps are rejected as malformed. */
#define BS_GAP_LIMIT (1u << 30)
/* Maximum of an unbounded gap ('*', '{n-}'). */
#define BS_INF UINT32_MAX

/*
 * A compiled signature is a sequence of nodes:
 *   BS_RUN  bytes val/mask[a .. a+b): buf[i] & mask == val
 *           (mask 0xff literal, 0xf0 / 0x0f nibble, 0x00 any byte)
 *   BS_GAP  between a and b bytes (b == BS_INF: no upper bound)
 *   BS_ALT  one of the byte strings alts[a .. a+b), each again a slice
 *           of val/mask
 * A signature never starts or ends with a gap, and two gaps are never
 * adjacent (the parser merges them).
 */
enum bs_kind { BS_RUN, BS_GAP, BS_ALT };

struct bs_node {
	uint32_t kind;
	uint32_t a;
	uint32_t b;
};

struct bs_span {
	uint32_t off;
	uint32_t len;
};

enum bs_otype {
	BS_O_ANY, /* '*': anywhere (Vectorscan) */
	BS_O_ABS, /* n[,shift]: starts in [n, n + shift] */
	BS_O_EOF  /* EOF-n[,shift]: starts in [size - n, size - n + shift] */
};

/* One signature; allocated as one block holding all its arrays. */
struct bs_sig {
	const char *name;
	const char *file;       /* owned by mde__bytesigs (files list) */
	const struct bs_node *nodes;
	const struct bs_span *alts;
	const uint8_t *val;
	const uint8_t *mask;
	uint64_t off;
	uint64_t shift;
	size_t size;            /* bytes of the block */
	uint32_t nnodes;
	uint32_t minlen;        /* shortest possible match */
	unsigned line;
	uint8_t target;
	uint8_t otype;
	bool prefilter;         /* in the database as HS_FLAG_PREFILTER */
	/*
	 * Floating signatures with wildcards are found through an atom, the
	 * best literal stretch of the head (the nodes before the first
	 * unbounded gap): the database reports every atom occurrence and
	 * the signature is verified around it.  The head starts between
	 * pmax and pmin bytes before the atom.
	 */
	bool use_atom;
	uint32_t atom_off;      /* into val/mask */
	uint32_t atom_len;
	uint32_t head_end;      /* index of the first unbounded gap, or nnodes */
	uint64_t pmin, pmax;
};

struct mde__bytesigs {
	struct bs_sig **sigs;   /* every accepted signature, owned */
	size_t nsigs, capsigs;
	char **files;           /* names used by diagnostics, owned */
	size_t nfiles, capfiles;
	struct bs_sig **anch;   /* anchored signatures (borrowed) */
	size_t nanch;
	struct bs_sig **flt;    /* floating: Vectorscan id == index */
	size_t nflt;
	hs_database_t *db;
	hs_scratch_t *proto;    /* cloned by mde__bytescratch_new() */
	uint64_t dropped;       /* refused by the compiler */
	bool compiled;
};

/* Sorted set of closed intervals of buffer positions. */
struct bs_ival {
	size_t lo, hi;
};

struct bs_ivset {
	struct bs_ival *v;
	size_t n, cap;
};

struct mde__bytescratch {
	const mde__bytesigs *b;
	hs_scratch_t *hs;
	struct bs_ivset set[2];
	uint8_t *done;          /* per floating sig: reported in this scan */
	size_t *tail_from;      /* per floating sig: tail failed from here */
};

/* Grows *p (cap elements of elem bytes) to hold need; -1 on no memory. */

/*
 * Tests sig against buf[0..len) with the match starting anywhere in
 * [lo, hi].  Returns 1 on a match, 0 on none, -1 when out of memory.
 */
int bs_match(const struct bs_sig *sig, mde__bytescratch *s,
	     const uint8_t *buf, size_t len, size_t lo, size_t hi);

/*
 * Same for nodes [i0, i1) only; *res receives the set of positions where
 * the following node would start (valid until the next call on s).
 */
int bs_match_nodes(const struct bs_sig *sig, mde__bytescratch *s,
		   const uint8_t *buf, size_t len, uint32_t i0, uint32_t i1,
		   size_t lo, size_t hi, const struct bs_ivset **res);

/* Builds the Vectorscan database of b->flt (bytesig_hs.c).  Signatures
 * it refuses are reported through d and removed from b->flt. */
int bs_hs_compile(mde__bytesigs *b, mde__diag *d, char *err, size_t errlen);

/* Scans with the database; fn as for mde__bytesigs_scan().  Returns 1 if
 * fn asked to stop, 0 when done, -1 on failure. */
int bs_hs_scan(const mde__bytesigs *b, mde__bytescratch *s,
	       const uint8_t *buf, size_t len, int target,
	       mde__bytematch_fn fn, void *ctx);

/* True if a signature with this target applies to a file of target t. */
static inline bool bs_target_ok(const struct bs_sig *sig, int t)
{
	return sig->target == MDE__T_ANY || sig->target == t;
}

#endif /* BYTESIG_INT_H */
