/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nsis_script.c - the names of an NSIS installer's files, read from its
 * script header: a table of blocks (pages, sections, entries, strings,
 * ...), the entries being the script's instructions (an opcode and six
 * parameters).  "Extract file" (opcode 20 in NSIS 2 and 3) has the file's
 * name as a string offset and its data as an offset in the data after the
 * header.  Strings are ANSI or, in a Unicode installer, UTF-16; both
 * embed codes for variables ($INSTDIR ...), shown here as '$'.  A name is
 * a label: only its last path element is kept, in printable ASCII.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nsis_int.h"
#include "banned.h"

#define BLOCK_ENTRIES 2
#define BLOCK_STRINGS 3
#define ENTRY_SIZE 28          /* opcode and six parameters */
#define EW_EXTRACTFILE 20
#define MAX_NAMES 65536
#define NAME_MAX_LEN 120

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

struct strings {
	const uint8_t *p;
	size_t n;
	int wide;
};

/* Character i of the string table (bytes, or UTF-16 units), or -1
 * past its end. */
static int32_t char_at(const struct strings *s, size_t i)
{
	if (s->wide)
		return 2 * i + 2 <= s->n ? (int32_t)le16(s->p + 2 * i) : -1;
	return i < s->n ? s->p[i] : -1;
}

/* Copies string idx into out (NAME_MAX_LEN + 1), its last element only;
 * returns its length. */
static size_t get_name(const struct strings *s, uint32_t idx, char *out)
{
	size_t i = idx, k = 0;
	int32_t c;

	while ((c = char_at(s, i++)) > 0 && k < NAME_MAX_LEN) {
		bool code = s->wide ? (c >= 1 && c <= 4) ||
					      (c >= 0xe000 && c <= 0xe003)
				    : c >= 252;
		bool skip = s->wide ? c == 4 || c == 0xe000 : c == 252;

		if (code && skip) {
			c = char_at(s, i++);
			if (c <= 0)
				break;
		} else if (code) {
			i += s->wide ? 1 : 2; /* the variable's number */
			out[k++] = '$';
			continue;
		}
		if (c == '\\' || c == '/')
			k = 0;
		else
			out[k++] = c > 0x20 && c < 0x7f ? (char)c : '_';
	}
	out[k] = '\0';
	return k;
}

static int add_name(struct nsis_names *nm, uint32_t off, const char *name,
		    size_t len)
{
	if (nm->n % 256 == 0) {
		void *v = realloc(nm->v, (nm->n + 256) * sizeof(*nm->v));

		if (!v)
			return -1;
		nm->v = v;
	}
	if (nm->used + len + 1 > nm->cap) {
		size_t cap = nm->cap ? 2 * nm->cap : 4096;
		void *a = realloc(nm->arena, cap);

		if (!a)
			return -1;
		nm->arena = a;
		nm->cap = cap;
	}
	memcpy(nm->arena + nm->used, name, len + 1);
	nm->v[nm->n].off = off;
	nm->v[nm->n++].at = (uint32_t)nm->used;
	nm->used += len + 1;
	return 0;
}

static int by_off(const void *a, const void *b)
{
	const struct nsis_name *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

int mde__nsis_names_read(struct nsis_names *nm, const uint8_t *hdr,
			 size_t n)
{
	uint32_t eoff, ecount, soff, i;
	struct strings s;
	char name[NAME_MAX_LEN + 1];

	memset(nm, 0, sizeof(*nm));
	if (n < 4 + 8 * (BLOCK_STRINGS + 1))
		return 0;
	eoff = le32(hdr + 4 + 8 * BLOCK_ENTRIES);
	ecount = le32(hdr + 8 + 8 * BLOCK_ENTRIES);
	soff = le32(hdr + 4 + 8 * BLOCK_STRINGS);
	if (eoff > n || soff >= n || ecount > (n - eoff) / ENTRY_SIZE)
		return 0;
	s.p = hdr + soff;
	s.n = n - soff;
	/* the first string is the empty one: one 0, or two in UTF-16 */
	s.wide = s.n >= 2 && s.p[0] == 0 && s.p[1] == 0;
	for (i = 0; i < ecount && nm->n < MAX_NAMES; i++) {
		const uint8_t *e = hdr + eoff + (size_t)i * ENTRY_SIZE;
		size_t len;

		if (le32(e) != EW_EXTRACTFILE)
			continue;
		len = get_name(&s, le32(e + 8), name);
		if (len && add_name(nm, le32(e + 12), name, len) < 0)
			return -1;
	}
	if (nm->n)
		qsort(nm->v, nm->n, sizeof(*nm->v), by_off);
	return 0;
}

const char *mde__nsis_names_find(const struct nsis_names *nm, uint64_t off)
{
	size_t lo = 0, hi = nm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (nm->v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nm->n && nm->v[lo].off == off ? nm->arena + nm->v[lo].at
						  : NULL;
}

void mde__nsis_names_free(struct nsis_names *nm)
{
	free(nm->v);
	free(nm->arena);
	memset(nm, 0, sizeof(*nm));
}
