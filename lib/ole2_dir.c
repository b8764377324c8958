/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ole2_dir.c - an OLE2 compound file's directory ([MS-CFB] 2.6): the walk
 * of its trees, entry names and paths.
 *
 * The children of a storage are a binary tree (red-black, which a reader
 * need not check) hung from the storage's child pointer.  The walk visits
 * storages in the order it meets them and, for each, lists its children
 * in the tree's order, so that every storage's children sit together in
 * one run of the walk's list: looking a name up costs the children of
 * one storage, never the whole directory.  An entry is marked when first
 * reached and never entered twice, which ends loops and shared subtrees;
 * both stacks are bounded by the number of entries.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ole2_int.h"
#include "banned.h"

/* Appends the tree of siblings rooted at t, in order, to the walk's list
 * as children of parent; stack holds o->nent entries. */
static void siblings(mde__ole2 *o, uint32_t t, uint32_t parent,
		     uint32_t *stack)
{
	uint32_t top = 0, cur = t;
	const uint8_t *e;

	for (;;) {
		while (cur < o->nent && !o->nodes[cur].type &&
		       (e = mde__ole2_dirent(o, cur)) &&
		       (e[66] == MDE__OLE2_STORAGE ||
			e[66] == MDE__OLE2_STREAM)) {
			o->nodes[cur].type = e[66];
			o->nodes[cur].parent = parent;
			stack[top++] = cur;
			cur = mde__ole2_le32(e + 68); /* left */
		}
		if (!top)
			return;
		cur = stack[--top];
		o->order[o->norder++] = cur;
		cur = mde__ole2_le32(mde__ole2_dirent(o, cur) + 72); /* right */
	}
}

/* Lists storage id's children (id reached, a storage or the root). */
static void children(mde__ole2 *o, uint32_t id, uint32_t *stack)
{
	const uint8_t *e = mde__ole2_dirent(o, id);

	o->nodes[id].first = o->norder;
	siblings(o, mde__ole2_le32(e + 76), id, stack);
	o->nodes[id].nkids = o->norder - o->nodes[id].first;
}

int mde__ole2_walk(mde__ole2 *o)
{
	const uint8_t *e;
	uint32_t *stack = NULL, i, n = o->nent ? o->nent : 1;
	int rc = MDE__OLE2_NOMEM;

	if (!mde__ole2_dirent(o, 0))
		return MDE__OLE2_DAMAGED;
	o->nodes = calloc(n, sizeof(*o->nodes));
	o->order = malloc((size_t)n * sizeof(*o->order));
	stack = malloc((size_t)n * sizeof(*stack));
	if (!o->nodes || !o->order || !stack)
		goto out;
	/* the root, whatever its type says; its class tells an installer
	 * database (000C1084, 000C1086 a patch...: MSI's classes) */
	e = mde__ole2_dirent(o, 0);
	o->msi = e[80 + 1] == 0x10 && e[80 + 2] == 0x0c && !e[80 + 3] &&
		 (e[80] & 0xf0) == 0x80 && e[80 + 8] == 0xc0 &&
		 e[80 + 15] == 0x46;
	o->nodes[0].type = MDE__OLE2_ROOT;
	o->nodes[0].parent = MDE__OLE2_NONE;
	children(o, 0, stack);
	for (i = 0; i < o->norder; i++)
		if (o->nodes[o->order[i]].type == MDE__OLE2_STORAGE)
			children(o, o->order[i], stack);
	rc = MDE__OLE2_OK;
out:
	free(stack);
	return rc;
}

uint32_t mde__ole2_count(const mde__ole2 *o)
{
	return o->norder;
}

uint32_t mde__ole2_id(const mde__ole2 *o, uint32_t i)
{
	return i < o->norder ? o->order[i] : MDE__OLE2_NONE;
}

uint32_t mde__ole2_kids(const mde__ole2 *o, uint32_t id, uint32_t *first)
{
	*first = 0;
	if (id >= o->nent || !o->nodes[id].type)
		return 0;
	*first = o->nodes[id].first;
	return o->nodes[id].nkids;
}

/* ------------------------------------------------------------ names */

/* MSI packs two characters of its alphabet into one UTF-16 unit of
 * 0x3800-0x47ff, one into 0x4800-0x483f; 0x4840 marks a table.  Those are
 * CJK characters in any other file, where they are left as they are. */
static const char msi_abc[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";

/* MSI's unit c (0x3800-0x4840) as the characters it packs, in t. */
static size_t msi_chars(char *t, uint32_t c)
{
	if (c < 0x4800) {
		t[0] = msi_abc[(c - 0x3800) & 0x3f];
		t[1] = msi_abc[((c - 0x3800) >> 6) & 0x3f];
		return 2;
	}
	t[0] = c < 0x4840 ? msi_abc[c - 0x4800] : '!';
	return 1;
}

/* Code point c as UTF-8 in t. */
static size_t utf8(char *t, uint32_t c)
{
	if (c < 0x80) {
		t[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		t[0] = (char)(0xc0 | c >> 6);
		t[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		t[0] = (char)(0xe0 | c >> 12);
		t[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		t[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	t[0] = (char)(0xf0 | c >> 18);
	t[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	t[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	t[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Appends code point c (MSI units unpacked when msi, control characters
 * as \xNN) at out + *k, within n - 1 bytes. */
static void put_char(char *out, size_t n, size_t *k, uint32_t c, int msi)
{
	char tmp[8];
	size_t len;

	if (msi && c >= 0x3800 && c <= 0x4840)
		len = msi_chars(tmp, c);
	else if (c < 0x20 || c == 0x7f)
		len = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", c);
	else
		len = utf8(tmp, c);
	if (*k + len < n) {
		memcpy(out + *k, tmp, len);
		*k += len;
	}
}

/* Entry e's name (UTF-16LE, at most 31 units and a NUL) as UTF-8. */
static void entry_name(const uint8_t *e, int msi, char *out, size_t n)
{
	unsigned units = mde__ole2_le16(e + 64) / 2, i;
	size_t k = 0;
	uint32_t c, d;

	/* a length out of range is read up to the NUL */
	if (!units || units > 32)
		units = 32;
	for (i = 0; i < units; i++) {
		c = mde__ole2_le16(e + 2 * i);
		if (!c)
			break;
		if (c >= 0xd800 && c < 0xdc00 && i + 1 < units &&
		    (d = mde__ole2_le16(e + 2 * i + 2)) >= 0xdc00 &&
		    d < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
			i++;
		} else if (c >= 0xd800 && c < 0xe000) {
			c = 0xfffd;
		}
		put_char(out, n, &k, c, msi);
	}
	out[k] = 0;
}

int mde__ole2_info(const mde__ole2 *o, uint32_t id, mde__ole2_entry *e)
{
	const uint8_t *d;

	if (id >= o->nent || !o->nodes[id].type ||
	    !(d = mde__ole2_dirent(o, id)))
		return -1;
	entry_name(d, o->msi, e->name, sizeof(e->name));
	e->type = o->nodes[id].type;
	e->parent = o->nodes[id].parent;
	e->size = mde__ole2_size_of(o, d);
	return 0;
}

/* ASCII letters compared without case. */
static int same_name(const char *a, const char *b)
{
	unsigned char x, y;

	do {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
	} while (x && x == y);
	return x == y;
}

uint32_t mde__ole2_child(const mde__ole2 *o, uint32_t id, const char *name)
{
	char buf[MDE__OLE2_NAME_MAX];
	uint32_t i, kid;

	if (id >= o->nent || !o->nodes[id].type)
		return MDE__OLE2_NONE;
	for (i = 0; i < o->nodes[id].nkids; i++) {
		kid = o->order[o->nodes[id].first + i];
		entry_name(mde__ole2_dirent(o, kid), o->msi, buf, sizeof(buf));
		if (same_name(buf, name))
			return kid;
	}
	return MDE__OLE2_NONE;
}

/* Deeper entries are named from their 64th storage up: no real file
 * nests so deep, and a path stays a few kilobytes at most. */
#define PATH_DEPTH 64

char *mde__ole2_path(const mde__ole2 *o, uint32_t id, char *out, size_t n)
{
	uint32_t ids[PATH_DEPTH];
	char name[MDE__OLE2_NAME_MAX];
	size_t k = 0, len;
	int d = 0;

	while (id && id < o->nent && o->nodes[id].type && d < PATH_DEPTH) {
		ids[d++] = id;
		id = o->nodes[id].parent;
	}
	if (n)
		out[0] = 0;
	while (d-- > 0 && n) {
		entry_name(mde__ole2_dirent(o, ids[d]), o->msi, name,
			   sizeof(name));
		len = strlen(name);
		if (k + len + 2 > n)
			break;
		if (k)
			out[k++] = '/';
		memcpy(out + k, name, len + 1);
		k += len;
	}
	return out;
}
