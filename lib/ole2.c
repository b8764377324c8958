/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ole2.c - an OLE2 compound file's sectors: the header, the FAT (with its
 * DIFAT), the miniFAT and the mini stream, and streams read through them
 * ([MS-CFB] 2.2 - 2.5).  The directory is ole2_dir.c's.
 *
 * Every chain's length is known before it is read: at open, each sector
 * of the FAT and of the miniFAT gets its verdict (the length of the chain
 * from it, or "loops") in one pass over the table, each sector visited
 * once, so that a file whose every stream shares one looping chain costs
 * no more than one whose streams are sound.  A pointer that leaves the
 * file or is no sector (FREESECT) ends a chain early: a stream cut short
 * is read as far as it goes, as the readers of these files do.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ole2_int.h"
#include "banned.h"

#define HEADER 512
#define DIFAT_IN_HEADER 109
#define IN_PROGRESS (UINT32_MAX - 1)

static const uint8_t magic[8] = { 0xd0, 0xcf, 0x11, 0xe0,
				  0xa1, 0xb1, 0x1a, 0xe1 };

int mde__ole2_magic(const uint8_t *buf, size_t len)
{
	return len >= 8 && memcmp(buf, magic, 8) == 0;
}

const uint8_t *mde__ole2_sector(const mde__ole2 *o, uint32_t s,
				size_t *avail)
{
	size_t off = ((size_t)s + 1) << o->shift;
	size_t sz = (size_t)1 << o->shift;

	if (s >= o->nsect) {
		*avail = 0;
		return NULL;
	}
	*avail = o->len - off < sz ? o->len - off : sz;
	return o->buf + off;
}

/* ------------------------------------------------------------ chains */

/*
 * The verdict of the chain from s, remembered for every sector on it:
 * sectors to its end, 0 for an empty chain, or CHAIN_LOOP.  stack holds
 * f->n entries (each sector is on it at most once).
 */
static uint32_t verdict(struct fat *f, uint32_t s, uint32_t *stack)
{
	uint32_t k = 0, v, cur = s;

	for (;;) {
		if (cur >= f->n) {
			v = 0; /* ENDOFCHAIN, or a pointer out of the table */
			break;
		}
		if (f->len[cur] == IN_PROGRESS) {
			v = CHAIN_LOOP;
			break;
		}
		if (f->len[cur]) {
			v = f->len[cur];
			break;
		}
		f->len[cur] = IN_PROGRESS;
		stack[k++] = cur;
		cur = f->next[cur];
	}
	while (k--) {
		if (v != CHAIN_LOOP)
			v++;
		f->len[stack[k]] = v;
	}
	return v;
}

/* Gives every sector of f its verdict.  0, or -1 out of memory. */
static int judge(struct fat *f)
{
	uint32_t *stack, s;

	f->len = calloc(f->n ? f->n : 1, sizeof(*f->len));
	stack = malloc((f->n ? f->n : 1) * sizeof(*stack));
	if (!f->len || !stack) {
		free(stack);
		return -1;
	}
	for (s = 0; s < f->n; s++)
		if (!f->len[s])
			verdict(f, s, stack);
	free(stack);
	return 0;
}

/* The length of the chain from s: 0 for an empty one, CHAIN_LOOP. */
static uint32_t chain_len(const struct fat *f, uint32_t s)
{
	return s < f->n ? f->len[s] : 0;
}

/* The sectors of the chain from s into a new array (*n of them); NULL
 * with *n 0 when the chain is empty or loops (*loops set), or out of
 * memory. */
static uint32_t *chain(const struct fat *f, uint32_t s, uint32_t *n,
		       int *loops)
{
	uint32_t len = chain_len(f, s), i, *a;

	*n = 0;
	*loops = len == CHAIN_LOOP;
	if (!len || len == CHAIN_LOOP)
		return NULL;
	a = malloc((size_t)len * sizeof(*a));
	if (!a)
		return NULL;
	for (i = 0; i < len; i++, s = f->next[s])
		a[i] = s;
	*n = len;
	return a;
}

/* ------------------------------------------------------------ header */

static int read_header(mde__ole2 *o)
{
	const uint8_t *h = o->buf;
	unsigned major;

	if (o->len < HEADER || !mde__ole2_magic(h, o->len))
		return -1;
	major = mde__ole2_le16(h + 26);
	o->shift = mde__ole2_le16(h + 30);
	o->mshift = mde__ole2_le16(h + 32);
	/* 9 and 12 are the standard's; others are read as they say */
	if (o->shift < 7 || o->shift > 16 || o->mshift < 2 ||
	    o->mshift >= o->shift)
		return -1;
	o->v3 = major != 4;
	o->cutoff = mde__ole2_le32(h + 56);
	if (o->len <= (size_t)1 << o->shift)
		return -1;
	o->nsect = (uint32_t)(((o->len - 1) >> o->shift) < UINT32_MAX - 16
				      ? (o->len - 1) >> o->shift
				      : UINT32_MAX - 16);
	return 0;
}

/* Copies FAT sector number idx (sector s) into the table. */
static void fat_sector(mde__ole2 *o, uint32_t idx, uint32_t s)
{
	uint32_t per = 1u << (o->shift - 2), i, first = idx * per;
	size_t avail;
	const uint8_t *p = mde__ole2_sector(o, s, &avail);

	for (i = 0; p && i < per && first + i < o->fat.n && i * 4 + 4 <= avail;
	     i++)
		o->fat.next[first + i] = mde__ole2_le32(p + i * 4);
}

/* Reads the FAT from the sectors the DIFAT lists (the header's 109
 * entries, then the DIFAT chain), as many as the header counts and the
 * file's sectors need. */
static int read_fat(mde__ole2 *o)
{
	const uint8_t *h = o->buf, *p;
	uint32_t per = 1u << (o->shift - 2), need, nfat, idx = 0, d, k, i;
	size_t avail;

	o->fat.n = o->nsect;
	o->fat.next = malloc((size_t)(o->nsect ? o->nsect : 1) * 4);
	if (!o->fat.next)
		return MDE__OLE2_NOMEM;
	memset(o->fat.next, 0xff, (size_t)o->nsect * 4);
	need = o->nsect / per + 1;
	nfat = mde__ole2_le32(h + 44);
	if (nfat > need)
		nfat = need;
	for (i = 0; i < DIFAT_IN_HEADER && idx < nfat; i++, idx++)
		fat_sector(o, idx, mde__ole2_le32(h + 76 + i * 4));
	d = mde__ole2_le32(h + 68);
	/* each DIFAT sector once at most: the chain may loop */
	for (k = 0; idx < nfat && k < o->nsect; k++) {
		p = mde__ole2_sector(o, d, &avail);
		if (!p || avail < (size_t)per * 4)
			break;
		for (i = 0; i + 1 < per && idx < nfat; i++, idx++)
			fat_sector(o, idx, mde__ole2_le32(p + i * 4));
		d = mde__ole2_le32(p + (per - 1) * 4);
	}
	return judge(&o->fat) < 0 ? MDE__OLE2_NOMEM : MDE__OLE2_OK;
}

/* ------------------------------------------------- miniFAT, mini stream */

static int read_minifat(mde__ole2 *o)
{
	const uint8_t *root = mde__ole2_dirent(o, 0), *p;
	uint32_t per = 1u << (o->shift - 2), *sect, n, i, j, k = 0;
	uint64_t msize, nmini;
	size_t avail;
	int loops;

	if (!root)
		return MDE__OLE2_OK;
	/* the mini stream: the root entry's chain */
	o->ms = chain(&o->fat, mde__ole2_le32(root + 116), &o->nms, &loops);
	msize = o->v3 ? mde__ole2_le32(root + 120)
		      : mde__ole2_le32(root + 120) |
				(uint64_t)mde__ole2_le32(root + 124) << 32;
	nmini = (uint64_t)o->nms << (o->shift - o->mshift);
	if (msize >> o->mshift < nmini)
		nmini = msize >> o->mshift;
	sect = chain(&o->fat, mde__ole2_le32(o->buf + 60), &n, &loops);
	if ((uint64_t)n * per < nmini)
		nmini = (uint64_t)n * per;
	o->mfat.n = (uint32_t)nmini;
	o->mfat.next = malloc((size_t)(nmini ? nmini : 1) * 4);
	if (!o->mfat.next) {
		free(sect);
		return MDE__OLE2_NOMEM;
	}
	for (i = 0; i < n && k < nmini; i++) {
		p = mde__ole2_sector(o, sect[i], &avail);
		for (j = 0; j < per && k < nmini; j++, k++)
			o->mfat.next[k] = p && j * 4 + 4 <= avail
						  ? mde__ole2_le32(p + j * 4)
						  : ENDOFCHAIN;
	}
	free(sect);
	return judge(&o->mfat) < 0 ? MDE__OLE2_NOMEM : MDE__OLE2_OK;
}

/* ------------------------------------------------------------ open */

static int read_dir(mde__ole2 *o)
{
	int loops;
	uint64_t n;

	o->ds = chain(&o->fat, mde__ole2_le32(o->buf + 48), &o->nds, &loops);
	if (!o->ds)
		return loops ? MDE__OLE2_DAMAGED
			     : chain_len(&o->fat, mde__ole2_le32(o->buf + 48))
				       ? MDE__OLE2_NOMEM
				       : MDE__OLE2_DAMAGED;
	n = (uint64_t)o->nds << (o->shift - 7);
	o->nent = n < UINT32_MAX - 1 ? (uint32_t)n : UINT32_MAX - 1;
	return MDE__OLE2_OK;
}

const uint8_t *mde__ole2_dirent(const mde__ole2 *o, uint32_t id)
{
	uint32_t per = 1u << (o->shift - 7);
	size_t avail;
	const uint8_t *p;

	if (id >= o->nent)
		return NULL;
	p = mde__ole2_sector(o, o->ds[id / per], &avail);
	if (!p || (size_t)(id % per) * 128 + 128 > avail)
		return NULL;
	return p + (size_t)(id % per) * 128;
}

int mde__ole2_open(const uint8_t *buf, size_t len, mde__ole2 **out)
{
	mde__ole2 *o = calloc(1, sizeof(*o));
	int rc = MDE__OLE2_NOMEM;

	*out = NULL;
	if (!o)
		goto out;
	o->buf = buf;
	o->len = len;
	rc = MDE__OLE2_DAMAGED;
	if (read_header(o) < 0)
		goto out;
	if ((rc = read_fat(o)) != MDE__OLE2_OK ||
	    (rc = read_dir(o)) != MDE__OLE2_OK ||
	    (rc = read_minifat(o)) != MDE__OLE2_OK ||
	    (rc = mde__ole2_walk(o)) != MDE__OLE2_OK)
		goto out;
	*out = o;
	o = NULL;
out:
	mde__ole2_close(o);
	return rc;
}

void mde__ole2_close(mde__ole2 *o)
{
	if (!o)
		return;
	free(o->fat.next);
	free(o->fat.len);
	free(o->mfat.next);
	free(o->mfat.len);
	free(o->ms);
	free(o->ds);
	free(o->nodes);
	free(o->order);
	free(o);
}

/* ------------------------------------------------------------ streams */

/* The size field of a directory entry (32 bits in version 3 files). */
uint64_t mde__ole2_size_of(const mde__ole2 *o, const uint8_t *e)
{
	uint64_t size = mde__ole2_le32(e + 120);

	if (!o->v3)
		size |= (uint64_t)mde__ole2_le32(e + 124) << 32;
	return size;
}

int mde__ole2_stream_open(const mde__ole2 *o, uint32_t id,
			  mde__ole2_stream *s)
{
	const uint8_t *e = mde__ole2_dirent(o, id);
	uint64_t size, have;
	uint32_t n;

	memset(s, 0, sizeof(*s));
	if (!e || id >= o->nent || o->nodes[id].type != MDE__OLE2_STREAM)
		return MDE__OLE2_DAMAGED;
	s->o = o;
	size = mde__ole2_size_of(o, e);
	s->sect = mde__ole2_le32(e + 116);
	s->mini = size < o->cutoff;
	n = chain_len(s->mini ? &o->mfat : &o->fat, s->sect);
	if (n == CHAIN_LOOP)
		return MDE__OLE2_DAMAGED;
	have = (uint64_t)n << (s->mini ? o->mshift : o->shift);
	s->size = s->left = size < have ? size : have;
	return MDE__OLE2_OK;
}

/* Mini sector k in the file, *avail bytes of it there. */
static const uint8_t *mini_sector(const mde__ole2 *o, uint32_t k,
				  size_t *avail)
{
	unsigned per = o->shift - o->mshift;
	size_t msz = (size_t)1 << o->mshift, off, big;
	const uint8_t *p;

	*avail = 0;
	if (k >= o->mfat.n || (k >> per) >= o->nms)
		return NULL;
	p = mde__ole2_sector(o, o->ms[k >> per], &big);
	off = (size_t)(k & ((1u << per) - 1)) << o->mshift;
	if (!p || off >= big)
		return NULL;
	*avail = big - off < msz ? big - off : msz;
	return p + off;
}

const uint8_t *mde__ole2_read(mde__ole2_stream *s, size_t *n)
{
	const mde__ole2 *o = s->o;
	const struct fat *f = s->mini ? &o->mfat : &o->fat;
	size_t full = (size_t)1 << (s->mini ? o->mshift : o->shift);
	const uint8_t *start = NULL, *p;
	size_t got = 0, avail, take;

	*n = 0;
	while (s->left > got && s->sect < f->n) {
		p = s->mini ? mini_sector(o, s->sect, &avail)
			    : mde__ole2_sector(o, s->sect, &avail);
		if (!p || (start && p != start + got))
			break;
		start = start ? start : p;
		take = s->left - got < avail ? (size_t)(s->left - got) : avail;
		got += take;
		s->sect = avail < full ? ENDOFCHAIN : f->next[s->sect];
	}
	if (!got) {
		s->left = 0;
		return NULL;
	}
	s->left -= got;
	*n = got;
	return start;
}

int mde__ole2_load(const mde__ole2 *o, uint32_t id, size_t cap,
		   uint8_t **buf, size_t *cap_buf, size_t *len)
{
	mde__ole2_stream s;
	const uint8_t *p;
	size_t n, want;
	uint8_t *b;

	*len = 0;
	if (mde__ole2_stream_open(o, id, &s) != MDE__OLE2_OK)
		return MDE__OLE2_DAMAGED;
	want = s.size < cap ? (size_t)s.size : cap;
	if (want + 1 > *cap_buf) {
		b = realloc(*buf, want + 1);
		if (!b)
			return MDE__OLE2_NOMEM;
		*buf = b;
		*cap_buf = want + 1;
	}
	while (*len < want && (p = mde__ole2_read(&s, &n))) {
		if (n > want - *len)
			n = want - *len;
		memcpy(*buf + *len, p, n);
		*len += n;
	}
	return MDE__OLE2_OK;
}
