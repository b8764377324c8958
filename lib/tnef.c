/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tnef.c - the files of a TNEF stream ([MS-OXTNEF]): Outlook's
 * "winmail.dat", sent as application/ms-tnef or as an attachment of that
 * name, which hides the real attachments from every reader that does not
 * know it.
 *
 * A stream is a signature, a key and a run of attributes: a level
 * (message or attachment), an id whose high word is its type, a length,
 * the data and a checksum.  An attachment is the run of attachment-level
 * attributes from one attAttachRendData to the next: attAttachData holds
 * its bytes, attAttachTitle its short name, attAttachment its MAPI
 * properties, where the long file name is (PR_ATTACH_LONG_FILENAME) and,
 * for an embedded message or OLE object, the data too when there is no
 * attAttachData (PR_ATTACH_DATA_OBJ).  The message text (attBody) is a
 * file as well.  Checksums are not checked: Outlook does not either, and
 * a wrong one must not hide a file.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tnef.h"
#include "banned.h"

#define SIGNATURE 0x223E9F78u
#define HEAD 9 /* level, id, length */

enum { LVL_MESSAGE = 1, LVL_ATTACH = 2 };

#define ATT_BODY 0x0001800Cu
#define ATT_RENDDATA 0x00069002u
#define ATT_TITLE 0x00018010u
#define ATT_DATA 0x0006800Fu
#define ATT_ATTACHMENT 0x00069005u

/* MAPI property ids and types */
#define PR_ATTACH_DATA 0x3701u
#define PR_ATTACH_LONG_FILENAME 0x3707u
#define PT_OBJECT 0x000Du
#define PT_STRING8 0x001Eu
#define PT_UNICODE 0x001Fu
#define PT_BINARY 0x0102u
#define MV_FLAG 0x1000u
#define VARIABLE 0          /* fixed_size(): a length comes first */
#define UNKNOWN SIZE_MAX    /* fixed_size(): no size known: stop */

struct attr {
	unsigned level;
	uint32_t id;
	const uint8_t *data;
	size_t len;        /* what is there */
	uint64_t declared; /* what the stream says */
	int cut;           /* the stream ends inside it */
};

/* What an attachment's MAPI properties hold for us. */
struct found {
	const uint8_t *lname, *data;
	size_t lnlen, dlen;
	unsigned lntype;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

int mde__tnef_is(const uint8_t *buf, size_t len)
{
	return len >= 6 && le32(buf) == SIGNATURE;
}

void mde__tnef_init(mde__tnef *t, const uint8_t *buf, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->len = len;
	t->pos = 6; /* signature and legacy key */
}

/* Reads the attribute at *pos and moves *pos past it: 1, 0 at the end of
 * the stream, -1 when not even its head is there.  An attribute the
 * stream ends in is read with what there is of it (a->cut). */
static int attr_at(const mde__tnef *t, size_t *pos, struct attr *a)
{
	const uint8_t *p = t->buf + *pos;
	size_t left = t->len - *pos;

	if (left == 0)
		return 0;
	if (left < HEAD)
		return -1;
	a->level = p[0];
	a->id = le32(p + 1);
	a->declared = le32(p + 5);
	a->data = p + HEAD;
	left -= HEAD;
	a->cut = a->declared + 2 > left;
	a->len = a->cut ? (a->declared < left ? (size_t)a->declared : left)
			: (size_t)a->declared;
	*pos = a->cut ? t->len : *pos + HEAD + a->len + 2;
	return 1;
}

/* ------------------------------------------------------- MAPI properties */

/* The size of a value of fixed-size type base, VARIABLE or UNKNOWN. */
static size_t fixed_size(unsigned base)
{
	switch (base) {
	case 0x0001: case 0x0002: case 0x0003: case 0x0004: case 0x000A:
	case 0x000B:
		return 4; /* PT_NULL, SHORT, LONG, FLOAT, ERROR, BOOLEAN */
	case 0x0005: case 0x0006: case 0x0007: case 0x0014: case 0x0040:
		return 8; /* DOUBLE, CURRENCY, APPTIME, I8, SYSTIME */
	case 0x0048:
		return 16; /* CLSID */
	case PT_OBJECT: case PT_STRING8: case PT_UNICODE: case PT_BINARY:
		return VARIABLE;
	default:
		return UNKNOWN;
	}
}

/* Keeps the value v[0..n) of property id of type base when it is one we
 * want. */
static void keep(unsigned id, unsigned base, const uint8_t *v, size_t n,
		 struct found *fd)
{
	if (id == PR_ATTACH_LONG_FILENAME &&
	    (base == PT_STRING8 || base == PT_UNICODE)) {
		fd->lname = v;
		fd->lnlen = n;
		fd->lntype = base;
	} else if (id == PR_ATTACH_DATA && base == PT_BINARY) {
		fd->data = v;
		fd->dlen = n;
	} else if (id == PR_ATTACH_DATA && base == PT_OBJECT && n >= 16) {
		/* an interface id, then the object (a message: TNEF) */
		fd->data = v + 16;
		fd->dlen = n - 16;
	}
}

/* Skips the name of a named property (id >= 0x8000) at *o: a GUID, a
 * kind and an id or a length and a name.  0 when it does not fit. */
static int skip_name(const uint8_t *p, size_t n, size_t *o)
{
	uint32_t kind, len;

	if (n - *o < 16 + 4 + 4)
		return 0;
	kind = le32(p + *o + 16);
	len = le32(p + *o + 20);
	*o += 24;
	if (kind == 0)
		return 1;
	if (len > n - *o)
		return 0;
	*o += len;
	*o += (4 - len % 4) % 4;
	*o = *o > n ? n : *o;
	return 1;
}

/* Reads the value(s) of one property at *o; 0 when it does not fit or
 * its type is unknown (the rest cannot be read then).  Every value takes
 * at least 4 bytes, so a count of billions ends with the data. */
static int prop_value(const uint8_t *p, size_t n, size_t *o, unsigned type,
		      unsigned id, struct found *fd)
{
	unsigned base = type & ~MV_FLAG;
	size_t fixed = fixed_size(base), len;
	uint32_t count = 1, k;

	if (fixed == UNKNOWN)
		return 0;
	if ((type & MV_FLAG) || fixed == VARIABLE) {
		if (n - *o < 4)
			return 0;
		count = le32(p + *o);
		*o += 4;
	}
	for (k = 0; k < count; k++) {
		if (fixed != VARIABLE) {
			if (fixed > n - *o)
				return 0;
			*o += fixed;
			continue;
		}
		if (n - *o < 4)
			return 0;
		len = le32(p + *o);
		*o += 4;
		if (len > n - *o)
			return 0;
		if (k == 0)
			keep(id, base, p + *o, len, fd);
		*o += len + (4 - len % 4) % 4;
		*o = *o > n ? n : *o;
	}
	return 1;
}

/* Reads the MAPI properties p[0..n) of an attachment into *fd. */
static void read_props(const uint8_t *p, size_t n, struct found *fd)
{
	size_t o = 4;
	uint32_t count, i;

	if (n < 4)
		return;
	count = le32(p);
	for (i = 0; i < count && n - o >= 4; i++) {
		unsigned type = le16(p + o), id = le16(p + o + 2);

		o += 4;
		if (id >= 0x8000 && !skip_name(p, n, &o))
			return;
		if (!prop_value(p, n, &o, type, id, fd))
			return;
	}
}

/* ------------------------------------------------------------------ names */

/* Copies a narrow string s[0..n) (to its NUL) into out as a name. */
static size_t narrow(const uint8_t *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	while (o < n && o + 1 < cap && s[o]) {
		out[o] = (char)s[o];
		o++;
	}
	out[o] = '\0';
	return o;
}

/* Copies UTF-16LE s[0..n) (to its NUL) into out as UTF-8. */
static size_t wide(const uint8_t *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i + 1 < n; i += 2) {
		uint32_t c = le16(s + i);

		if (c == 0)
			break;
		if (c >= 0xD800 && c < 0xDC00 && i + 3 < n &&
		    le16(s + i + 2) >= 0xDC00 && le16(s + i + 2) < 0xE000) {
			c = 0x10000 + ((c - 0xD800) << 10) +
			    (le16(s + i + 2) - 0xDC00);
			i += 2;
		}
		if (o + 5 > cap)
			break;
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xC0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xE0 | c >> 12);
			out[o++] = (char)(0x80 | (c >> 6 & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | c >> 18);
			out[o++] = (char)(0x80 | (c >> 12 & 0x3F));
			out[o++] = (char)(0x80 | (c >> 6 & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	out[o] = '\0';
	return o;
}

/* Names the file: the long name, else the title, else attachment-N;
 * control characters become '_' (a name must not forge report lines). */
static void set_name(mde__tnef *t, const struct found *fd,
		     const struct attr *title)
{
	char *s = t->name;
	size_t n = 0, i;

	if (fd->lname && fd->lntype == PT_UNICODE)
		n = wide(fd->lname, fd->lnlen, s, sizeof(t->name));
	else if (fd->lname)
		n = narrow(fd->lname, fd->lnlen, s, sizeof(t->name));
	if (!n && title->data)
		n = narrow(title->data, title->len, s, sizeof(t->name));
	if (!n)
		n = (size_t)snprintf(s, sizeof(t->name), "attachment-%u",
				     t->nfiles + 1);
	for (i = 0; i < n && s[i]; i++)
		if ((uint8_t)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '_';
}

/* ------------------------------------------------------------------ walk */

/*
 * Reads the attachment whose first attribute is at t->pos, up to the
 * next attAttachRendData or an attribute of the message; t->pos is left
 * at that attribute.  1 with the file in *f, 0 when it holds none.
 */
static int attachment(mde__tnef *t, mde__tnef_file *f)
{
	struct attr a, title = { 0 }, data = { 0 };
	struct found fd = { 0 };
	size_t pos = t->pos, end = t->pos;
	int first = 1;

	while (attr_at(t, &pos, &a) == 1 && a.level == LVL_ATTACH &&
	       (first || a.id != ATT_RENDDATA)) {
		first = 0;
		end = pos;
		if (a.id == ATT_TITLE)
			title = a;
		else if (a.id == ATT_DATA)
			data = a;
		else if (a.id == ATT_ATTACHMENT)
			read_props(a.data, a.len, &fd);
		t->damaged |= a.cut;
	}
	/* a stream that ends in a head: the walk sees it next */
	t->pos = end == t->pos ? t->len : end;
	if (!data.data && !fd.data)
		return 0;
	set_name(t, &fd, &title);
	f->name = t->name;
	f->data = data.data ? data.data : fd.data;
	f->len = data.data ? data.len : fd.dlen;
	f->declared = data.data ? data.declared : fd.dlen;
	t->nfiles++;
	return 1;
}

int mde__tnef_next(mde__tnef *t, mde__tnef_file *f)
{
	struct attr a;
	size_t at;
	int rc;

	for (;;) {
		at = t->pos;
		rc = attr_at(t, &t->pos, &a);
		if (rc < 0)
			t->damaged = 1;
		if (rc <= 0) {
			t->pos = t->len;
			return t->damaged ? -1 : 0;
		}
		t->damaged |= a.cut;
		if (a.level == LVL_ATTACH) {
			t->pos = at;
			if (attachment(t, f))
				return 1;
		} else if (a.level == LVL_MESSAGE && a.id == ATT_BODY &&
			   a.len) {
			snprintf(t->name, sizeof(t->name), "[body]");
			f->name = t->name;
			f->data = a.data;
			f->len = a.len;
			f->declared = a.declared;
			return 1;
		}
	}
}
