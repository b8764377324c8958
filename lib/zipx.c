/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zipx.c - ZIP members that libarchive cannot decompress (Implode and
 * Deflate64): found in the central directory, decoded by inflate64.c and
 * explode.c through the window and codes kept here.
 *
 * libarchive reads the archive and reports such a member as unsupported;
 * its bytes are then taken from the archive itself.  The lookup reads the
 * end-of-central-directory record (ZIP64 too), walks the directory for
 * the member, and reads its local header for where the data start, every
 * offset checked against the buffer.  Junk in front of the archive (a
 * self-extractor) shifts every offset: the shift is where the directory
 * is found less where the record says it is.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "zipx_int.h"
#include "banned.h"

#define EOCD_LEN 22
#define CDH_LEN 46
#define LFH_LEN 30
#define ENCRYPTED 0x0001

static unsigned le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ------------------------------------------------------------- directory */

struct cdir {
	size_t start, end; /* in buf */
	uint64_t shift;    /* junk in front: added to every offset */
};

/* The ZIP64 end record's directory offset and size, if there is one
 * before the end record at eocd. */
static int zip64_dir(const uint8_t *b, size_t eocd, uint64_t *off,
		     uint64_t *size)
{
	uint64_t rec;

	if (eocd < 20 || memcmp(b + eocd - 20, "PK\6\7", 4) != 0)
		return 0;
	rec = le64(b + eocd - 20 + 8);
	if (rec > eocd || eocd - rec < 56 || memcmp(b + rec, "PK\6\6", 4))
		return 0;
	*size = le64(b + rec + 40);
	*off = le64(b + rec + 48);
	return 1;
}

/* Finds the central directory: 1, or 0 when there is none. */
static int find_dir(const uint8_t *b, size_t len, struct cdir *cd)
{
	size_t i, lo = len > EOCD_LEN + 65535 ? len - EOCD_LEN - 65535 : 0;
	uint64_t off, size;

	if (len < EOCD_LEN)
		return 0;
	for (i = len - EOCD_LEN + 1; i-- > lo;) {
		if (memcmp(b + i, "PK\5\6", 4) != 0)
			continue;
		size = le32(b + i + 12);
		off = le32(b + i + 16);
		if (off == 0xFFFFFFFFu || size == 0xFFFFFFFFu)
			(void)zip64_dir(b, i, &off, &size);
		if (size > i)
			return 0;
		cd->start = i - (size_t)size;
		cd->end = i;
		cd->shift = cd->start >= off ? cd->start - off : 0;
		return 1;
	}
	return 0;
}

/* The ZIP64 extra field's sizes and offset, where the header has
 * 0xFFFFFFFF in their place. */
static void zip64_extra(const uint8_t *x, size_t n, uint64_t *usize,
			uint64_t *csize, uint64_t *off)
{
	size_t i = 0, o, end;

	while (n - i >= 4) {
		unsigned id = le16(x + i), sz = le16(x + i + 2);

		if (sz > n - i - 4)
			return;
		o = i + 4;
		end = o + sz;
		i = end;
		if (id != 1)
			continue;
		if (*usize == 0xFFFFFFFFu && end - o >= 8)
			*usize = le64(x + o), o += 8;
		if (*csize == 0xFFFFFFFFu && end - o >= 8)
			*csize = le64(x + o), o += 8;
		if (*off == 0xFFFFFFFFu && end - o >= 8)
			*off = le64(x + o);
		return;
	}
}

/* Where member m's data start, from its local header: 1, or 0. */
static int locate(const uint8_t *b, size_t len, uint64_t shift,
		  uint64_t csize, mde__zipx_member *m)
{
	uint64_t at = m->offset + shift, data;

	if (at > len || len - at < LFH_LEN || memcmp(b + at, "PK\3\4", 4))
		return 0;
	data = at + LFH_LEN + le16(b + at + 26) + le16(b + at + 28);
	if (data > len)
		return 0;
	m->data = b + data;
	m->len = csize < len - data ? (size_t)csize : len - (size_t)data;
	return 1;
}

/* The directory entry at p, if it is one of Implode or Deflate64 at or
 * after min_offset: 1 with *m (its data not yet located) and *cs. */
static int entry(const uint8_t *b, size_t p, size_t end, uint64_t min_offset,
		 mde__zipx_member *m, uint64_t *cs)
{
	unsigned method = le16(b + p + 10), n = le16(b + p + 28);
	unsigned xl = le16(b + p + 30);
	uint64_t us = le32(b + p + 24), off = le32(b + p + 42);

	if (method != MDE__ZIP_IMPLODE && method != MDE__ZIP_DEFLATE64)
		return 0;
	if (end - p - CDH_LEN < (size_t)n + xl)
		return 0;
	*cs = le32(b + p + 20);
	zip64_extra(b + p + CDH_LEN + n, xl, &us, cs, &off);
	if (off < min_offset)
		return 0;
	*m = (mde__zipx_member){ method, le16(b + p + 8), NULL, 0, us, off };
	return 1;
}

int mde__zipx_find(const uint8_t *b, size_t len, const char *name,
		   uint64_t min_offset, mde__zipx_member *m)
{
	struct cdir cd;
	size_t p, nlen = name ? strlen(name) : 0;
	uint64_t cs, bcs = 0, acs = 0;
	mde__zipx_member t, hit = { 0 }, first = { 0 };
	int named = 0, any = 0;

	if (!find_dir(b, len, &cd))
		return 0;
	for (p = cd.start;
	     p < cd.end && cd.end - p >= CDH_LEN && !memcmp(b + p, "PK\1\2", 4);
	     p += CDH_LEN + le16(b + p + 28) + le16(b + p + 30) +
		  le16(b + p + 32)) {
		if (!entry(b, p, cd.end, min_offset, &t, &cs))
			continue;
		if (le16(b + p + 28) == nlen &&
		    !memcmp(b + p + CDH_LEN, name, nlen) &&
		    (!named || t.offset < hit.offset)) {
			hit = t;
			bcs = cs;
			named = 1;
		}
		if (!any || t.offset < first.offset) {
			first = t;
			acs = cs;
			any = 1;
		}
	}
	if (!any)
		return 0;
	*m = named ? hit : first;
	return locate(b, len, cd.shift, named ? bcs : acs, m);
}

/* ---------------------------------------------------------- shared code */

int mde__zipx_build(struct zhuff *h, const uint8_t *len, unsigned n)
{
	unsigned offs[MAXBITS + 2], i, l;
	int left = 1;

	memset(h->count, 0, sizeof(h->count));
	for (i = 0; i < n; i++) {
		if (len[i] > MAXBITS)
			return -1;
		h->count[len[i]]++;
	}
	for (l = 1; l <= MAXBITS; l++) {
		left = (left << 1) - h->count[l];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (l = 1; l < MAXBITS; l++)
		offs[l + 1] = offs[l] + h->count[l];
	for (i = 0; i < n; i++)
		if (len[i])
			h->sym[offs[len[i]]++] = (uint16_t)i;
	return left;
}

int mde__zipx_decode_sym(struct zstream *s, const struct zhuff *h,
			 int invert)
{
	int code = 0, first = 0, index = 0, count, l;

	for (l = 1; l <= MAXBITS; l++) {
		code |= (int)(zbits(s, 1) ^ (unsigned)invert);
		if (s->err)
			return -1;
		count = h->count[l];
		if (code - first < count)
			return h->sym[index + code - first];
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return -1;
}

void mde__zipx_flush(struct zstream *s)
{
	size_t at = (size_t)(s->flushed % WSIZE);
	size_t n = (size_t)(s->out - s->flushed);

	if (n && !s->stopped && s->sink(s->ctx, s->win + at, n))
		s->stopped = 1;
	s->flushed = s->out;
}

void mde__zipx_put(struct zstream *s, uint8_t c)
{
	s->win[s->out++ % WSIZE] = c;
	if (s->out % WSIZE == 0)
		mde__zipx_flush(s);
}

void mde__zipx_copy(struct zstream *s, size_t dist, uint64_t n)
{
	while (n-- && !s->stopped)
		mde__zipx_put(s, s->win[(s->out - dist) % WSIZE]);
}

/* ------------------------------------------------------------- dispatch */

int mde__zipx_decode(const mde__zipx_member *m, mde__zipx_sink sink,
		     void *ctx)
{
	struct zstream *s;
	int rc;

	if ((m->flags & ENCRYPTED) ||
	    (m->method != MDE__ZIP_IMPLODE && m->method != MDE__ZIP_DEFLATE64))
		return MDE__ZIPX_UNSUPPORTED;
	s = calloc(1, sizeof(*s)); /* the window starts as zeros */
	if (!s)
		return MDE__ZIPX_NOMEM;
	s->in = m->data;
	s->inlen = m->len;
	s->size = m->size;
	s->sink = sink;
	s->ctx = ctx;
	rc = m->method == MDE__ZIP_DEFLATE64 ? mde__zipx_inflate64(s)
					     : mde__zipx_explode(s, m->flags);
	mde__zipx_flush(s);
	if (s->stopped)
		rc = MDE__ZIPX_STOPPED;
	free(s);
	return rc;
}
