/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ovba.c - [MS-OVBA]'s compression (2.4.1) and the dir stream's module
 * records (2.3.4.2.3).
 *
 * The decompressor works a chunk at a time in a buffer of its own: a
 * chunk never decodes to more than 4096 bytes, so the output is handed
 * over in slices the caller checks against its limits (a module that
 * decompresses to gigabytes is stopped there, not allocated).  A copy
 * token that reaches before its chunk ends the container as damaged,
 * after what was decoded before it.
 *
 * The dir stream is read as a list of records (Id, Size, Data); only
 * PROJECTVERSION breaks that shape (its Size field says 4, six bytes
 * follow).  Records that are not about modules are skipped by their
 * size, so a project with references or properties unknown here still
 * lists its modules.
 */
#include "config.h"

/* For memmem(): config.h defines it, but the fuzz build's is empty. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovba.h"
#include "banned.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------ decompression */

/* Bits of a copy token's offset when d bytes of the chunk are decoded:
 * enough to reach back d bytes, at least 4 ([MS-OVBA] 2.4.1.3.19.1). */
static unsigned offset_bits(size_t d)
{
	unsigned b = 4;

	while (((size_t)1 << b) < d)
		b++;
	return b;
}

/* Decodes the token sequences of one compressed chunk src[0..len) into
 * out (4096 bytes); the bytes decoded in *n.  0, or -1 for a copy token
 * that reaches before the chunk. */
static int chunk(const uint8_t *src, size_t len, uint8_t *out, size_t *n)
{
	size_t sp = 0, dp = 0, off, cnt, i;
	unsigned bit, b;
	uint16_t tok;
	uint8_t flags;

	while (sp < len && dp < MDE__OVBA_CHUNK) {
		flags = src[sp++];
		for (bit = 0; bit < 8 && sp < len && dp < MDE__OVBA_CHUNK;
		     bit++) {
			if (!(flags >> bit & 1)) {
				out[dp++] = src[sp++];
				continue;
			}
			if (sp + 2 > len)
				break;
			tok = le16(src + sp);
			sp += 2;
			b = offset_bits(dp);
			off = (size_t)(tok >> (16 - b)) + 1;
			cnt = (size_t)(tok & (0xffffu >> b)) + 3;
			if (off > dp) {
				*n = dp;
				return -1;
			}
			if (cnt > MDE__OVBA_CHUNK - dp)
				cnt = MDE__OVBA_CHUNK - dp;
			if (off == 1) /* a run of one byte */
				memset(out + dp, out[dp - 1], cnt);
			else if (off >= cnt)
				memcpy(out + dp, out + dp - off, cnt);
			else
				for (i = 0; i < cnt; i++)
					out[dp + i] = out[dp + i - off];
			dp += cnt;
		}
	}
	*n = dp;
	return 0;
}

int mde__ovba_decompress(const uint8_t *src, size_t len, mde__ovba_out out,
			 void *ctx)
{
	uint8_t buf[MDE__OVBA_CHUNK];
	size_t pos = 1, end, n;
	uint16_t h;
	int bad;

	if (!len || src[0] != 1)
		return MDE__OVBA_DAMAGED;
	while (pos + 2 <= len) {
		h = le16(src + pos);
		if ((h >> 12 & 7) != 3) /* the chunk signature, 0b011 */
			return MDE__OVBA_DAMAGED;
		if (h & 0x8000) {
			end = pos + (h & 0x0fff) + 3;
			end = end < len ? end : len;
			bad = chunk(src + pos + 2, end - pos - 2, buf, &n);
		} else {
			/* stored: CompressedChunkSize + 1 bytes as they are */
			n = (size_t)(h & 0x0fff) + 1;
			n = n < len - pos - 2 ? n : len - pos - 2;
			memcpy(buf, src + pos + 2, n);
			end = pos + 2 + n;
			bad = 0;
		}
		if (n && out(ctx, buf, n))
			return MDE__OVBA_STOPPED;
		if (bad)
			return MDE__OVBA_DAMAGED;
		pos = end;
	}
	return MDE__OVBA_OK;
}

struct grow {
	uint8_t *buf;
	size_t len, cap, max;
	int nomem;
};

static int to_buffer(void *ctx, const uint8_t *data, size_t n)
{
	struct grow *g = ctx;
	size_t want;
	uint8_t *p;

	if (n > g->max - g->len)
		n = g->max - g->len;
	if (g->len + n > g->cap) {
		want = g->cap ? g->cap * 2 : 8192;
		while (want < g->len + n)
			want *= 2;
		p = realloc(g->buf, want);
		if (!p) {
			g->nomem = 1;
			return 1;
		}
		g->buf = p;
		g->cap = want;
	}
	memcpy(g->buf + g->len, data, n);
	g->len += n;
	return g->len >= g->max;
}

int mde__ovba_inflate(const uint8_t *src, size_t len, size_t cap,
		      uint8_t **out, size_t *outlen)
{
	struct grow g = { NULL, 0, 0, cap, 0 };
	int rc = cap ? mde__ovba_decompress(src, len, to_buffer, &g)
		     : MDE__OVBA_OK;

	if (g.nomem) {
		free(g.buf);
		g.buf = NULL;
		g.len = 0;
		rc = MDE__OVBA_NOMEM;
	} else if (rc == MDE__OVBA_STOPPED) {
		rc = MDE__OVBA_OK; /* cut at cap */
	}
	*out = g.buf;
	*outlen = g.len;
	return rc;
}

/* ------------------------------------------------------ the dir stream */

enum {
	R_VERSION = 0x0009,      /* PROJECTVERSION: Size says 4, 6 follow */
	R_TERMINATOR = 0x0010,   /* end of the dir stream */
	R_NAME = 0x0019,         /* MODULENAME: a module starts */
	R_STREAM = 0x001a,       /* MODULESTREAMNAME */
	R_END_MODULE = 0x002b,   /* a module's Terminator */
	R_OFFSET = 0x0031,       /* MODULEOFFSET */
	R_STREAM_UNI = 0x0032,   /* MODULESTREAMNAME's Unicode part */
	R_NAME_UNI = 0x0047,     /* MODULENAMEUNICODE */
};

/* Appends code point c as UTF-8 to out[*k..), within n - 1 bytes;
 * control characters as \xNN. */
static void put_utf8(char *out, size_t n, size_t *k, uint32_t c)
{
	char t[8];
	size_t len = 0;

	if (c < 0x20 || c == 0x7f) {
		len = (size_t)snprintf(t, sizeof(t), "\\x%02x", c);
	} else if (c < 0x80) {
		t[len++] = (char)c;
	} else if (c < 0x800) {
		t[len++] = (char)(0xc0 | c >> 6);
		t[len++] = (char)(0x80 | (c & 0x3f));
	} else {
		t[len++] = (char)(0xe0 | c >> 12);
		t[len++] = (char)(0x80 | ((c >> 6) & 0x3f));
		t[len++] = (char)(0x80 | (c & 0x3f));
	}
	if (*k + len < n) {
		memcpy(out + *k, t, len);
		*k += len;
	}
}

/* A name of MBCS bytes (read as Latin-1: the ASCII names of nearly every
 * project come out right) or of UTF-16LE units (surrogates as U+FFFD). */
static void name_of(const uint8_t *p, size_t len, int utf16, char *out,
		    size_t n)
{
	size_t i, k = 0;
	uint32_t c;

	for (i = 0; utf16 ? i + 1 < len : i < len; i += utf16 ? 2 : 1) {
		c = utf16 ? le16(p + i) : p[i];
		if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd;
		put_utf8(out, n, &k, c);
	}
	out[k] = 0;
}

/* Takes record id (data d[0..size)) into the module list; *cur is the
 * module being read, or -1.  0, or -1 out of memory. */
static int record(uint16_t id, const uint8_t *d, size_t size,
		  mde__ovba_module **mods, size_t *n, size_t *cap, long *cur)
{
	mde__ovba_module *m;

	if (id == R_NAME) {
		if (*n == *cap) {
			size_t want = *cap ? *cap * 2 : 8;

			m = realloc(*mods, want * sizeof(*m));
			if (!m)
				return -1;
			*mods = m;
			*cap = want;
		}
		*cur = (long)(*n)++;
		memset(*mods + *cur, 0, sizeof(**mods));
		name_of(d, size, 0, (*mods)[*cur].name, MDE__OVBA_NAME_MAX);
		name_of(d, size, 0, (*mods)[*cur].stream, MDE__OVBA_NAME_MAX);
		return 0;
	}
	if (*cur < 0)
		return 0;
	m = *mods + *cur;
	if (id == R_NAME_UNI && size >= 2)
		name_of(d, size, 1, m->name, sizeof(m->name));
	else if (id == R_STREAM)
		name_of(d, size, 0, m->stream, sizeof(m->stream));
	else if (id == R_STREAM_UNI && size >= 2)
		name_of(d, size, 1, m->stream, sizeof(m->stream));
	else if (id == R_OFFSET && size >= 4)
		m->offset = le32(d), m->has_offset = 1;
	else if (id == R_END_MODULE)
		*cur = -1;
	return 0;
}

int mde__ovba_modules(const uint8_t *dir, size_t len, mde__ovba_module **mods,
		      size_t *n)
{
	size_t pos = 0, cap = 0, size;
	long cur = -1;
	uint16_t id;
	int rc = MDE__OVBA_OK;

	*mods = NULL;
	*n = 0;
	while (pos + 6 <= len) {
		id = le16(dir + pos);
		size = le32(dir + pos + 2);
		if (id == R_VERSION) {
			pos += 12;
			continue;
		}
		if (id == R_TERMINATOR)
			break;
		if (size > len - pos - 6) {
			rc = MDE__OVBA_DAMAGED;
			break;
		}
		if (record(id, dir + pos + 6, size, mods, n, &cap, &cur) < 0) {
			free(*mods);
			*mods = NULL;
			*n = 0;
			return MDE__OVBA_NOMEM;
		}
		pos += 6 + size;
	}
	return rc;
}

size_t mde__ovba_find_source(const uint8_t *s, size_t len)
{
	static const char sig[] = "\0Attribut";
	const uint8_t *p = s, *hit;
	size_t left = len;

	while (left > 3 &&
	       (hit = memmem(p, left, sig, sizeof(sig) - 1)) != NULL) {
		size_t at = (size_t)(hit - s);

		/* the signature byte, then a compressed chunk's header */
		if (at >= 3 && s[at - 3] == 1 && (s[at - 1] & 0xf0) == 0xb0)
			return at - 3;
		left = len - at - 1;
		p = hit + 1;
	}
	return SIZE_MAX;
}
