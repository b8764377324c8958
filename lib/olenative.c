/* SPDX-License-Identifier: Apache-2.0 */
/*
 * olenative.c - the OLE1 object header and the Packager's native data.
 *
 * Both are strings and sizes one after the other, written by hand by
 * whoever builds a malicious document: every size is checked against
 * what is left, a size that claims more ends at the end (the object is
 * still read), and strings are looked for, never trusted to end.
 */
#include "config.h"

#include <string.h>

#include "olenative.h"
#include "banned.h"

#define FORMAT_EMBEDDED 2
#define PACKAGE_FILE 3 /* the Packager's kind of an embedded file */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* A LengthPrefixedAnsiString at *pos: its bytes in *s, *n of them (the
 * NUL dropped).  0, or -1 when it runs past the end. */
static int counted(const uint8_t *buf, size_t len, size_t *pos,
		   const uint8_t **s, size_t *n)
{
	uint32_t k;

	if (len - *pos < 4)
		return -1;
	k = le32(buf + *pos);
	*pos += 4;
	if (k > len - *pos)
		return -1;
	*s = buf + *pos;
	*n = k && buf[*pos + k - 1] == 0 ? k - 1 : k;
	*pos += k;
	return 0;
}

/* A NUL-terminated string at *pos; -1 when no NUL ends it. */
static int zstring(const uint8_t *buf, size_t len, size_t *pos,
		   const uint8_t **s, size_t *n)
{
	const uint8_t *z = memchr(buf + *pos, 0, len - *pos);

	if (!z)
		return -1;
	*s = buf + *pos;
	*n = (size_t)(z - *s);
	*pos += *n + 1;
	return 0;
}

void mde__ole_file_name(const uint8_t *s, size_t n, int utf16, char *out,
			size_t size)
{
	size_t i, k = 0, from = 0, step = utf16 ? 2 : 1;
	uint32_t c;

	n -= n % step;
	for (i = 0; i < n; i += step) {
		c = utf16 ? (uint32_t)(s[i] | s[i + 1] << 8) : s[i];
		if (!c)
			n = i;
		else if (c == '\\' || c == '/' || c == ':')
			from = i + step;
	}
	for (i = from; i < n && k + 4 < size; i += step) {
		c = utf16 ? (uint32_t)(s[i] | s[i + 1] << 8) : s[i];
		if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c < 0xe000))
			c = '_'; /* surrogates too: a name, not a text */
		if (c < 0x80) {
			out[k++] = (char)c;
		} else if (c < 0x800) {
			out[k++] = (char)(0xc0 | c >> 6);
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[k++] = (char)(0xe0 | c >> 12);
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[k] = 0;
}

int mde__ole1_parse(const uint8_t *buf, size_t len, mde__ole1 *o)
{
	const uint8_t *s;
	size_t pos = 8, n, native;
	uint32_t format;

	/* OLEVersion is not checked: writers of exploits change it and
	 * Office reads on; FormatID is what says an object follows */
	if (len < 8)
		return -1;
	format = le32(buf + 4);
	if (format != FORMAT_EMBEDDED || counted(buf, len, &pos, &s, &n) < 0 ||
	    !n || n >= sizeof(o->cls))
		return -1;
	memcpy(o->cls, s, n);
	o->cls[n] = 0;
	if (counted(buf, len, &pos, &s, &n) < 0 || /* TopicName */
	    counted(buf, len, &pos, &s, &n) < 0 || /* ItemName */
	    len - pos < 4)
		return -1;
	native = le32(buf + pos);
	pos += 4;
	o->off = pos;
	o->len = native < len - pos ? native : len - pos;
	return 0;
}

int mde__package_parse(const uint8_t *buf, size_t len, mde__package *p)
{
	const uint8_t *label, *path, *tmp;
	size_t pos = 2, nlabel, npath, ntmp, size;
	uint32_t k;

	if (len < 2 || zstring(buf, len, &pos, &label, &nlabel) < 0 ||
	    zstring(buf, len, &pos, &path, &npath) < 0 || len - pos < 8)
		return -1;
	/* two reserved bytes, then the kind: 3 an embedded file, 1 a link */
	if (le32(buf + pos) >> 16 != PACKAGE_FILE)
		return -1;
	k = le32(buf + pos + 4);
	pos += 8;
	if (k > len - pos)
		return -1;
	tmp = buf + pos;
	ntmp = k && tmp[k - 1] == 0 ? k - 1 : k;
	pos += k;
	if (len - pos < 4)
		return -1;
	size = le32(buf + pos);
	pos += 4;
	p->off = pos;
	p->len = size < len - pos ? size : len - pos;
	mde__ole_file_name(path, npath, 0, p->name, sizeof(p->name));
	if (!p->name[0])
		mde__ole_file_name(label, nlabel, 0, p->name, sizeof(p->name));
	if (!p->name[0])
		mde__ole_file_name(tmp, ntmp, 0, p->name, sizeof(p->name));
	return 0;
}
