/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_cache.c - the in-memory verdict cache of mdewatch(8): recent
 * clean verdicts, one per inode, least recently used first out.  The
 * reader thread asks it before anything else, so a cached open costs a
 * hash lookup under a mutex.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "mdewatch_int.h"
#include "banned.h"

/*
 * Recent clean verdicts, one per inode: (dev, ino) -> (size, mtime,
 * ctime, definitions generation).  A hit needs all of them to match the
 * file now; a FAN_CLOSE_WRITE forgets the inode.  Least recently used
 * entries go first.
 */
#define LNIL UINT32_MAX

struct lent {
	uint64_t dev, ino, size;
	int64_t mt, ct;
	unsigned gen;
	uint32_t hnext, prev, next;
};

static struct {
	pthread_mutex_t lock;
	struct lent *e;
	uint32_t *bucket;
	uint32_t nb, cap, n, head, tail, freel;
} L = { .lock = PTHREAD_MUTEX_INITIALIZER };

int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static uint32_t lhash(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9e3779b97f4a7c15ull) ^ (dev * 0xc2b2ae3d27d4eb4full);

	return (uint32_t)(h >> 32) & (L.nb - 1);
}

static void lru_reset(void)
{
	uint32_t i;

	for (i = 0; i < L.nb; i++)
		L.bucket[i] = LNIL;
	for (i = 0; i < L.cap; i++)
		L.e[i].hnext = i + 1 < L.cap ? i + 1 : LNIL;
	L.freel = L.cap ? 0 : LNIL;
	L.head = L.tail = LNIL;
	L.n = 0;
}

int lru_init(size_t cap)
{
	L.cap = (uint32_t)cap;
	for (L.nb = 16; L.nb < 2 * L.cap; L.nb *= 2)
		;
	L.e = calloc(L.cap ? L.cap : 1, sizeof(*L.e));
	L.bucket = malloc(L.nb * sizeof(*L.bucket));
	if (!L.e || !L.bucket)
		return -1;
	lru_reset();
	return 0;
}

static void lru_unlink(uint32_t i)
{
	struct lent *x = &L.e[i];

	if (x->prev != LNIL)
		L.e[x->prev].next = x->next;
	else
		L.head = x->next;
	if (x->next != LNIL)
		L.e[x->next].prev = x->prev;
	else
		L.tail = x->prev;
}

static void lru_front(uint32_t i)
{
	L.e[i].prev = LNIL;
	L.e[i].next = L.head;
	if (L.head != LNIL)
		L.e[L.head].prev = i;
	L.head = i;
	if (L.tail == LNIL)
		L.tail = i;
}

static uint32_t lru_find(uint64_t dev, uint64_t ino, uint32_t **pp)
{
	uint32_t *p = &L.bucket[lhash(dev, ino)];

	while (*p != LNIL && (L.e[*p].dev != dev || L.e[*p].ino != ino))
		p = &L.e[*p].hnext;
	*pp = p;
	return *p;
}

static void lru_drop(uint32_t i, uint32_t *pp)
{
	*pp = L.e[i].hnext;
	lru_unlink(i);
	L.e[i].hnext = L.freel;
	L.freel = i;
	L.n--;
}

int lru_get(const struct stat *st, unsigned gen)
{
	uint32_t *pp, i;
	int hit = 0;

	if (!L.cap)
		return 0;
	pthread_mutex_lock(&L.lock);
	i = lru_find(st->st_dev, st->st_ino, &pp);
	if (i != LNIL) {
		struct lent *x = &L.e[i];

		hit = x->size == (uint64_t)st->st_size &&
		      x->mt == ts_ns(&st->st_mtim) &&
		      x->ct == ts_ns(&st->st_ctim) &&
		      x->gen == gen;
		if (hit) {
			lru_unlink(i);
			lru_front(i);
		} else {
			lru_drop(i, pp);
		}
	}
	pthread_mutex_unlock(&L.lock);
	return hit;
}

void lru_put(const struct stat *st, unsigned gen)
{
	uint32_t *pp, i;

	if (!L.cap)
		return;
	pthread_mutex_lock(&L.lock);
	i = lru_find(st->st_dev, st->st_ino, &pp);
	if (i == LNIL) {
		if (L.freel == LNIL) { /* evict the least recently used */
			uint32_t t = L.tail, *tp;

			lru_find(L.e[t].dev, L.e[t].ino, &tp);
			lru_drop(t, tp);
			lru_find(st->st_dev, st->st_ino, &pp);
		}
		i = L.freel;
		L.freel = L.e[i].hnext;
		L.e[i].hnext = LNIL;
		*pp = i;
		L.n++;
	} else {
		lru_unlink(i);
	}
	L.e[i].dev = st->st_dev;
	L.e[i].ino = st->st_ino;
	L.e[i].size = (uint64_t)st->st_size;
	L.e[i].mt = ts_ns(&st->st_mtim);
	L.e[i].ct = ts_ns(&st->st_ctim);
	L.e[i].gen = gen;
	lru_front(i);
	pthread_mutex_unlock(&L.lock);
}

void lru_forget(const struct stat *st)
{
	uint32_t *pp, i;

	if (!L.cap)
		return;
	pthread_mutex_lock(&L.lock);
	i = lru_find(st->st_dev, st->st_ino, &pp);
	if (i != LNIL)
		lru_drop(i, pp);
	pthread_mutex_unlock(&L.lock);
}

void lru_clear(void)
{
	pthread_mutex_lock(&L.lock);
	lru_reset();
	pthread_mutex_unlock(&L.lock);
}

void lru_free(void)
{
	free(L.e);
	free(L.bucket);
	L.e = NULL;
	L.bucket = NULL;
}
