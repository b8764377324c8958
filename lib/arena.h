/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.h - bump allocation for many small objects that live and die
 * together (a ClamAV database's parsed signatures).
 *
 * Memory comes in chunks mapped anonymously (zeroed, asked for huge pages
 * where the kernel gives them on request) and is given back only all at
 * once.  Against one malloc() each: no per-object header or free list,
 * a few page faults per 2 MiB instead of one per 4 KiB, and freeing is
 * one munmap() a chunk, which touches none of the objects' pages (after
 * a fork, a free() of each would copy every page it writes).
 *
 * Sanitized builds allocate each object with malloc() instead, so that
 * AddressSanitizer still sees an overflow from one object into the next.
 */
#ifndef MDE_ARENA_H
#define MDE_ARENA_H

#include <stddef.h>

struct mde__achunk;

typedef struct mde__arena {
	struct mde__achunk *head; /* most recent first */
	unsigned char *at, *end;  /* free room of head */
} mde__arena;

/* n zeroed bytes aligned to 16, valid until mde__arena_free; NULL out of
 * memory.  A zero-initialized mde__arena is empty. */
void *mde__arena_alloc(mde__arena *a, size_t n);
char *mde__arena_strdup(mde__arena *a, const char *s);
void mde__arena_free(mde__arena *a); /* and empty again */

#endif /* MDE_ARENA_H */
