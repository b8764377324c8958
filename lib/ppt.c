/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ppt.c - ExOleObjStg records of a PowerPoint Document stream.
 *
 * The stream is a sequence of records, each an 8-byte header (version
 * and instance, type, length) and its body; a container's body (version
 * 0xF) is records again.  Walking the bodies of containers in place, one
 * header after the other, visits every record of the tree without
 * recursion or a stack: a hostile nesting costs one header each.  A
 * record whose length runs past the stream ends the walk.
 */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "ppt.h"
#include "banned.h"

#define CONTAINER 0xF
#define RT_EXOLEOBJSTG 0x1011
#define SLICE (64 * 1024)

void mde__ppt_init(mde__ppt *p, const uint8_t *buf, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->len = len;
}

int mde__ppt_next(mde__ppt *p, mde__ppt_obj *o)
{
	const uint8_t *h;
	uint32_t rlen;
	unsigned ver, inst, type;

	while (p->len - p->pos >= 8) {
		h = p->buf + p->pos;
		ver = h[0] & 0xf;
		inst = (unsigned)(h[0] >> 4 | h[1] << 4);
		type = (unsigned)(h[2] | h[3] << 8);
		rlen = (uint32_t)h[4] | (uint32_t)h[5] << 8 |
		       (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
		p->pos += 8;
		if (ver == CONTAINER)
			continue; /* its children follow */
		if (rlen > p->len - p->pos)
			break;
		p->pos += rlen;
		if (type != RT_EXOLEOBJSTG)
			continue;
		o->data = h + 8;
		o->len = rlen;
		o->compressed = inst == 1;
		return 1;
	}
	p->pos = p->len;
	return 0;
}

/* Inflates src[0..len) (a zlib stream) into out, a slice at a time;
 * a stream cut short gives what it holds. */
static int inflate_to(const uint8_t *src, size_t len, mde__ppt_out out,
		      void *ctx)
{
	uint8_t buf[SLICE];
	z_stream z;
	int zr, rc = MDE__PPT_OK;
	size_t n;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return MDE__PPT_NOMEM;
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)(len < UINT32_MAX ? len : UINT32_MAX);
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zr = inflate(&z, Z_NO_FLUSH);
		n = sizeof(buf) - z.avail_out;
		if (n && out(ctx, buf, n)) {
			rc = MDE__PPT_STOPPED;
			break;
		}
	} while (zr == Z_OK); /* Z_OK: it moved on */
	if (rc == MDE__PPT_OK && zr == Z_MEM_ERROR)
		rc = MDE__PPT_NOMEM;
	else if (rc == MDE__PPT_OK && (zr == Z_DATA_ERROR || zr == Z_NEED_DICT))
		rc = MDE__PPT_DAMAGED;
	inflateEnd(&z);
	return rc;
}

int mde__ppt_read(const mde__ppt_obj *o, mde__ppt_out out, void *ctx)
{
	if (!o->compressed)
		return o->len && out(ctx, o->data, o->len) ? MDE__PPT_STOPPED
							   : MDE__PPT_OK;
	/* the decompressed size comes first: the stream says it anyway */
	if (o->len < 4)
		return MDE__PPT_DAMAGED;
	return inflate_to(o->data + 4, o->len - 4, out, ctx);
}
