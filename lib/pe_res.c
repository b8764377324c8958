/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pe_res.c - the walk of a PE file's resource directory (pe.h): a tree
 * of three levels, type, name and language, whose leaves point (by
 * address) at the data.  The offsets inside the tree are relative to its
 * start and may point anywhere in it, backwards included: the depth is
 * fixed and the entries visited are counted, so that a tree that loops
 * or fans out ends (MDE__PE_RES_BUDGET) instead of being walked forever.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pe.h"
#include "banned.h"

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static const char *type_name(int64_t t)
{
	static const char *const names[] = {
		[1] = "CURSOR", [2] = "BITMAP", [3] = "ICON", [4] = "MENU",
		[5] = "DIALOG", [6] = "STRING", [7] = "FONTDIR", [8] = "FONT",
		[9] = "ACCELERATOR", [10] = "RCDATA", [11] = "MESSAGETABLE",
		[12] = "GROUP_CURSOR", [14] = "GROUP_ICON", [16] = "VERSION",
		[17] = "DLGINCLUDE", [19] = "PLUGPLAY", [20] = "VXD",
		[21] = "ANICURSOR", [22] = "ANIICON", [23] = "HTML",
		[24] = "MANIFEST",
	};

	if (t > 0 && t < (int64_t)(sizeof(names) / sizeof(names[0])))
		return names[t];
	return NULL;
}

/* Sets up level d for the directory at dir; -1 when it is not inside. */
static int enter(mde__pe_res_iter *it, int d, uint32_t dir, int64_t id,
		 uint32_t name)
{
	const uint8_t *p = it->pe->buf + it->base;
	uint32_t n;

	if (dir > it->size || it->size - dir < 16)
		return -1;
	n = le16(p + dir + 12) + le16(p + dir + 14);
	if (n > (it->size - dir - 16) / 8)
		n = (uint32_t)((it->size - dir - 16) / 8);
	it->lv[d].dir = dir;
	it->lv[d].n = n;
	it->lv[d].i = 0;
	it->lv[d].id = id;
	it->lv[d].name = name;
	it->depth = d;
	return 0;
}

int mde__pe_res_begin(mde__pe_res_iter *it, const mde__pe *pe)
{
	size_t off, avail;
	unsigned i;

	memset(it, 0, sizeof(*it));
	it->pe = pe;
	it->depth = -1;
	if (!pe->res_rva || !pe->res_size)
		return -1;
	for (i = 0; i < pe->nsect; i++) {
		const uint8_t *s = pe->sect + 40 * i;
		uint32_t va = le32(s + 12), rsz = le32(s + 16);

		if (pe->res_rva < va || pe->res_rva - va >= rsz)
			continue;
		off = (size_t)le32(s + 20) + (pe->res_rva - va);
		if (off >= pe->len)
			return -1;
		avail = rsz - (pe->res_rva - va);
		it->base = off;
		it->size = avail < pe->len - off ? avail : pe->len - off;
		return enter(it, 0, 0, -1, 0);
	}
	return -1;
}

/* Appends a level's id or name to the label at *pos. */
static void label_part(const mde__pe_res_iter *it, char *label, size_t *pos,
		       int64_t id, uint32_t name, bool type)
{
	const size_t cap = sizeof(((mde__pe_res *)0)->label);
	const uint8_t *p = it->pe->buf + it->base;
	const char *known = type ? type_name(id) : NULL;
	char part[32];
	size_t k = 0, i, n;

	if (name && name < it->size && it->size - name >= 2) {
		n = le16(p + name);
		for (i = 0; i < n && k < sizeof(part) - 1 &&
			    (size_t)name + 4 + 2 * i <= it->size; i++) {
			uint32_t c = le16(p + name + 2 + 2 * i);

			part[k++] = c > 0x20 && c < 0x7f && c != '/' ?
					    (char)c : '_';
		}
		part[k] = '\0';
	} else if (known) {
		snprintf(part, sizeof(part), "%s", known);
	} else {
		snprintf(part, sizeof(part), "%lld", (long long)id);
	}
	if (*pos < cap)
		*pos += (size_t)snprintf(label + *pos, cap - *pos, "%s%s",
					 *pos ? "/" : "", part);
}

/* Fills r from the data entry at off (from the directory's start). */
static int leaf(mde__pe_res_iter *it, uint32_t off, int64_t id,
		mde__pe_res *r)
{
	const uint8_t *p = it->pe->buf + it->base;
	size_t at, pos = 0;
	int d;

	if (off > it->size || it->size - off < 16)
		return 0;
	if (mde__pe_rva2off(it->pe, le32(p + off), le32(p + off + 4), &at))
		return 0;
	memset(r, 0, sizeof(*r));
	r->data = it->pe->buf + at;
	r->len = le32(p + off + 4);
	r->type = it->depth >= 1 ? it->lv[1].id : id;
	r->id = it->depth >= 2 ? it->lv[2].id : -1;
	r->lang = id;
	for (d = 1; d <= it->depth; d++)
		label_part(it, r->label, &pos, it->lv[d].id, it->lv[d].name,
			   d == 1);
	if (it->depth == 0)
		label_part(it, r->label, &pos, id, 0, true);
	return 1;
}

int mde__pe_res_next(mde__pe_res_iter *it, mde__pe_res *r)
{
	const uint8_t *p = it->pe->buf + it->base;

	while (it->depth >= 0) {
		uint32_t *i = &it->lv[it->depth].i, name, ptr;
		const uint8_t *e;
		int64_t id;

		if (*i >= it->lv[it->depth].n) {
			it->depth--;
			continue;
		}
		if (++it->visited > MDE__PE_RES_BUDGET)
			return -1;
		e = p + it->lv[it->depth].dir + 16 + 8 * (size_t)(*i)++;
		name = le32(e);
		ptr = le32(e + 4);
		id = name >> 31 ? -1 : (int64_t)(name & 0xffff);
		if (!(ptr >> 31)) {
			if (leaf(it, ptr, id, r))
				return 1;
			continue;
		}
		/* a subdirectory: none below the language level */
		if (it->depth < 2)
			(void)enter(it, it->depth + 1, ptr & 0x7fffffff, id,
				    name >> 31 ? name & 0x7fffffff : 0);
	}
	return 0;
}
