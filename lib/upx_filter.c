/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upx_filter.c - the filters UPX runs over x86 code before compressing
 * it (upx/upx filter/), undone: calls, jumps and conditional jumps whose
 * relative destinations were made absolute, byte-swapped, tagged, or
 * coded as indexes into the destinations used last.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "upx_int.h"
#include "banned.h"

#define N_MRU 32        /* destinations remembered by filters 0x80..0x87 */

/* Which branch opcodes a cto-style filter rewrote. */
enum { C_E8 = 1, C_E9 = 2, C_JCC = 4 };

/* ids 0x24..0x26, 0x36, 0x46, 0x49: absolute big-endian destinations
 * tagged with cto in the top byte; 0x49 also took the 0x0f 0x8N jcc. */
static void unfilter_cto(uint8_t *b, uint32_t n, unsigned ops, uint8_t cto,
			 uint32_t addvalue)
{
	const uint32_t ctow = (uint32_t)cto << 24;
	uint32_t ic, lastcall = 0;

	for (ic = 0; ic + 5 < n; ic++) {
		bool hit = ((ops & C_E8) && b[ic] == 0xe8) ||
			   ((ops & C_E9) && b[ic] == 0xe9) ||
			   ((ops & C_JCC) && ic != lastcall && ic > 0 &&
			    b[ic - 1] == 0x0f && (b[ic] & 0xf0) == 0x80);

		if (!hit || b[ic + 1] != cto)
			continue;
		set_le32(b + ic + 1,
			 be32(b + ic + 1) - ic - 1 - addvalue - ctow);
		ic += 4;
		lastcall = ic + 1;
	}
}

/* ids 0x11..0x16: every e8/e9 operand had its position added; the
 * 0x14..0x16 variants also stored it big-endian. */
static void unfilter_ct32(uint8_t *b, uint32_t n, unsigned id,
			  uint32_t addvalue)
{
	unsigned ops = (id - 0x11) % 3 + 1; /* C_E8, C_E9 or both */
	bool be = id >= 0x14;
	uint32_t i = 0;

	if (n < 5)
		return;
	do {
		if (((ops & C_E8) && b[i] == 0xe8) ||
		    ((ops & C_E9) && b[i] == 0xe9)) {
			uint32_t a = i + 1;
			uint32_t v = be ? be32(b + a) : le32(b + a);

			set_le32(b + a, v - a - addvalue);
			i += 4;
		}
	} while (++i < n - 5);
}

struct mru {
	uint32_t slot[N_MRU];
	int hand, tail;
};

/* Moves the destination found in slot kh to the front, as UPX does. */
static void mru_touch(struct mru *m, uint32_t jc, int kh)
{
	uint32_t t;

	if (--m->hand < 0)
		m->hand = N_MRU - 1;
	t = m->slot[m->hand];
	if (t == 0) {
		/* cold cache: keep the used slots contiguous */
		if (--m->tail < 0)
			m->tail = N_MRU - 1;
		t = m->slot[m->tail];
		m->slot[m->tail] = 0;
	}
	m->slot[kh] = t;
	m->slot[m->hand] = jc;
}

/* ids 0x80..0x87: calls, jumps and jcc (with 0x0f and 0x8N swapped),
 * each kind unfiltered, filtered, or coded as an index into the most
 * recently used destinations.  -1 when an index is impossible. */
static int unfilter_ctojr(uint8_t *b, uint32_t n, unsigned id, uint8_t cto)
{
	const unsigned low = (id & 0xf) + 1;
	const unsigned mode[3] = { low % 3, low / 3 % 3, low / 3 % 3 };
	const uint32_t ctow = (uint32_t)cto << 24;
	struct mru m;
	uint32_t ic, lastcall = 0;

	memset(&m, 0, sizeof(m));
	for (ic = 0; ic + 5 < n; ic++) {
		int which;
		uint32_t jc;

		if (b[ic] == 0xe8)
			which = 0;
		else if (b[ic] == 0xe9)
			which = 1;
		else if (ic != lastcall && ic > 0 && b[ic] == 0x0f &&
			 (b[ic - 1] & 0xf0) == 0x80)
			which = 2;
		else
			continue;
		if (b[ic + 1] != cto)
			continue;
		jc = be32(b + ic + 1) - ctow;
		if (mode[which] == 2 && (jc & 1)) {
			jc >>= 1;
			if (--m.hand < 0)
				m.hand = N_MRU - 1;
			m.slot[m.hand] = jc;
		} else if (mode[which] == 2) {
			int kh;

			if ((jc >> 1) >= N_MRU)
				return -1;
			kh = (int)(jc >> 1) + m.hand;
			if (kh >= N_MRU)
				kh -= N_MRU;
			jc = m.slot[kh];
			mru_touch(&m, jc, kh);
		}
		if (mode[which] != 0)
			set_le32(b + ic + 1, jc - ic - 1);
		if (which == 2 && mode[2] != 0) {
			uint8_t t = b[ic - 1];

			b[ic - 1] = b[ic];
			b[ic] = t;
		}
		if (mode[which] != 0) {
			ic += 4;
			lastcall = ic + 1;
		}
	}
	return 0;
}

int mde__upx_unfilter(uint8_t *b, size_t n, unsigned id, uint8_t cto,
		      uint32_t addvalue)
{
	uint32_t len = (uint32_t)n;

	if (n > UINT32_MAX)
		return 1;
	switch (id) {
	case 0: return 0;
	case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16:
		unfilter_ct32(b, len, id, addvalue);
		return 0;
	case 0x24: unfilter_cto(b, len, C_E8, cto, addvalue); return 0;
	case 0x25: unfilter_cto(b, len, C_E9, cto, addvalue); return 0;
	case 0x26: case 0x36: case 0x46:
		unfilter_cto(b, len, C_E8 | C_E9, cto, addvalue);
		return 0;
	case 0x49:
		unfilter_cto(b, len, C_E8 | C_E9 | C_JCC, cto, addvalue);
		return 0;
	}
	if (id >= 0x80 && id <= 0x87 && addvalue == 0)
		return unfilter_ctojr(b, len, id, cto);
	return 1;
}

bool mde__upx_filter_known(unsigned id)
{
	return id == 0 || (id >= 0x11 && id <= 0x16) ||
	       (id >= 0x24 && id <= 0x26) || id == 0x36 || id == 0x46 ||
	       id == 0x49 || (id >= 0x80 && id <= 0x87);
}

