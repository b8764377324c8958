/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.c - bump allocation in mapped chunks (arena.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"
#include "banned.h"

/* 4 MiB: two huge pages, and a few hundred chunks for a full-size
 * ClamAV database.  An object over a quarter of it has a chunk of its
 * own, so that little room is left behind. */
#define CHUNK ((size_t)4 << 20)
#define ALIGN 16

struct mde__achunk {
	struct mde__achunk *next;
	size_t len; /* of the mapping (unused when sanitized) */
};
_Static_assert(sizeof(struct mde__achunk) % ALIGN == 0,
	       "objects follow the header aligned");

#ifdef __SANITIZE_ADDRESS__
void *mde__arena_alloc(mde__arena *a, size_t n)
{
	struct mde__achunk *c;

	if (n > SIZE_MAX - sizeof(*c))
		return NULL;
	c = calloc(1, sizeof(*c) + n);
	if (!c)
		return NULL;
	c->next = a->head;
	a->head = c;
	return c + 1;
}
#else
void *mde__arena_alloc(mde__arena *a, size_t n)
{
	struct mde__achunk *c;
	size_t len;
	void *p;

	n = n ? (n + ALIGN - 1) & ~(size_t)(ALIGN - 1) : ALIGN;
	if (n == 0) /* wrapped */
		return NULL;
	if ((size_t)(a->end - a->at) >= n) {
		p = a->at;
		a->at += n;
		return p;
	}
	if (n > SIZE_MAX - sizeof(*c) - 4095)
		return NULL;
	len = n > CHUNK / 4 ? (sizeof(*c) + n + 4095) & ~(size_t)4095 : CHUNK;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	c = p;
	c->len = len;
	if (len == CHUNK || !a->head) {
		/* the new chunk takes the allocations that follow */
		c->next = a->head;
		a->head = c;
		a->at = (unsigned char *)(c + 1) + n;
		a->end = (unsigned char *)c + len;
	} else {
		/* a large object's own: the current chunk stays in use */
		c->next = a->head->next;
		a->head->next = c;
	}
	return c + 1;
}
#endif

char *mde__arena_strdup(mde__arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = mde__arena_alloc(a, n);

	return p ? memcpy(p, s, n) : NULL;
}

void mde__arena_free(mde__arena *a)
{
	struct mde__achunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
#ifdef __SANITIZE_ADDRESS__
		free(c);
#else
		munmap(c, c->len);
#endif
	}
	memset(a, 0, sizeof(*a));
}
