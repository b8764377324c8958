/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nsis_bz.c - the bzip2 NSIS writes: bzip2's blocks (Burrows-Wheeler,
 * move-to-front, run lengths, Huffman codes) without the stream header,
 * without checksums and without the "randomised" bit.  A block starts
 * with the byte 0x31 where bzip2 has a 48-bit magic and a CRC, the
 * stream ends with the byte 0x17, and every block holds at most 900 000
 * bytes (bzip2 -9).  libbz2 cannot read it: its header and CRC checks are
 * not optional, hence this decoder.
 *
 * The input is in memory; output is produced on demand, a block at a
 * time, so a caller's limit stops a bomb within one block (at most
 * 900 000 symbols, each at most 255 bytes once run lengths are undone).
 * Every count read is checked before use and every loop is bounded.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nsis_int.h"
#include "banned.h"

#define BLOCK_MAX 900000
#define GROUPS_MAX 6
#define SYMS_MAX 258
#define SELECTORS_MAX 18002
#define CODE_MAX 20
#define GROUP_RUN 50

struct huff {
	uint32_t first[CODE_MAX + 2]; /* first code of each length */
	uint16_t count[CODE_MAX + 2];
	uint16_t index[CODE_MAX + 2]; /* into sym[] */
	uint16_t sym[SYMS_MAX];
	int minlen, maxlen;
};

struct nsis_bz {
	const uint8_t *in;
	size_t len, pos;      /* bytes */
	uint32_t bits;        /* bits not yet used, MSB first */
	int nbits;
	bool over;            /* read past the end */
	uint32_t *tt;         /* BLOCK_MAX: the BWT vector */
	/* the block being output */
	uint32_t nblock, used, tpos;
	int run, rep;         /* equal bytes seen, copies owed */
	uint8_t last;
	int state;            /* 0: between blocks, 1: in one, 2: end */
	/* per block: scratch kept here to stay off the stack */
	uint8_t selector[SELECTORS_MAX];
	struct huff h[GROUPS_MAX];
	uint8_t len8[GROUPS_MAX][SYMS_MAX];
};

static uint32_t getbits(struct nsis_bz *z, int n)
{
	uint32_t v;

	while (z->nbits < n) {
		if (z->pos >= z->len) {
			z->over = true;
			return 0;
		}
		z->bits = z->bits << 8 | z->in[z->pos++];
		z->nbits += 8;
	}
	v = z->bits >> (z->nbits - n) & ((1u << n) - 1);
	z->nbits -= n;
	return v;
}

/* Builds group g's canonical code from its lengths; false if none. */
static bool huff_build(struct huff *h, const uint8_t *len, int nsym)
{
	uint32_t code = 0;
	int l, s, k = 0;

	memset(h, 0, sizeof(*h));
	h->minlen = CODE_MAX + 1;
	for (s = 0; s < nsym; s++) {
		h->count[len[s]]++;
		if (len[s] < h->minlen)
			h->minlen = len[s];
		if (len[s] > h->maxlen)
			h->maxlen = len[s];
	}
	for (l = 1; l <= CODE_MAX; l++) {
		h->first[l] = code;
		h->index[l] = (uint16_t)k;
		for (s = 0; s < nsym; s++)
			if (len[s] == l)
				h->sym[k++] = (uint16_t)s;
		code = (code + h->count[l]) << 1;
	}
	return h->maxlen > 0;
}

/* One symbol of group h, or -1. */
static int huff_get(struct nsis_bz *z, const struct huff *h)
{
	uint32_t code = getbits(z, h->minlen);
	int l;

	for (l = h->minlen; l <= h->maxlen && !z->over; l++) {
		if (code - h->first[l] < h->count[l])
			return h->sym[h->index[l] + (code - h->first[l])];
		code = code << 1 | getbits(z, 1);
	}
	return -1;
}

/* The symbol map: which byte values the block uses, in order. */
static int read_map(struct nsis_bz *z, uint8_t *seq)
{
	uint32_t used16 = getbits(z, 16);
	int i, j, n = 0;

	for (i = 0; i < 16; i++) {
		uint32_t m;

		if (!(used16 >> (15 - i) & 1))
			continue;
		m = getbits(z, 16);
		for (j = 0; j < 16; j++)
			if (m >> (15 - j) & 1)
				seq[n++] = (uint8_t)(i * 16 + j);
	}
	return z->over ? 0 : n;
}

/* The selectors (which code each run of 50 symbols uses) and the code
 * lengths, delta-coded; returns the number of selectors or 0. */
static int read_tables(struct nsis_bz *z, int ngroups, int nsym)
{
	uint8_t mtf[GROUPS_MAX];
	int nsel = (int)getbits(z, 15), i, t, s;

	if (nsel < 1)
		return 0;
	for (i = 0; i < ngroups; i++)
		mtf[i] = (uint8_t)i;
	for (i = 0; i < nsel && !z->over; i++) {
		int j = 0;
		uint8_t v;

		while (getbits(z, 1) && !z->over)
			if (++j >= ngroups)
				return 0;
		v = mtf[j];
		memmove(mtf + 1, mtf, (size_t)j);
		mtf[0] = v;
		if (i < SELECTORS_MAX)
			z->selector[i] = v;
	}
	for (t = 0; t < ngroups; t++) {
		int cur = (int)getbits(z, 5);

		for (s = 0; s < nsym; s++) {
			for (;;) {
				if (cur < 1 || cur > CODE_MAX || z->over)
					return 0;
				if (!getbits(z, 1))
					break;
				cur += getbits(z, 1) ? -1 : 1;
			}
			z->len8[t][s] = (uint8_t)cur;
		}
		if (!huff_build(&z->h[t], z->len8[t], nsym))
			return 0;
	}
	return nsel < SELECTORS_MAX ? nsel : SELECTORS_MAX;
}

/* Appends the byte at mtf index k to the block (move to front). */
static bool put_mtf(struct nsis_bz *z, uint8_t *mtf, const uint8_t *seq,
		    int k, uint32_t *count)
{
	uint8_t v = mtf[k];

	if (z->nblock >= BLOCK_MAX)
		return false;
	memmove(mtf + 1, mtf, (size_t)k);
	mtf[0] = v;
	z->tt[z->nblock++] = seq[v];
	count[seq[v]]++;
	return true;
}

/* A run of RUNA/RUNB symbols: es copies of the byte in front. */
static bool put_run(struct nsis_bz *z, const uint8_t *mtf, const uint8_t *seq,
		    uint32_t es, uint32_t *count)
{
	uint8_t b = seq[mtf[0]];

	if (es > BLOCK_MAX - z->nblock)
		return false;
	count[b] += es;
	while (es--)
		z->tt[z->nblock++] = b;
	return true;
}

/* The block's symbols, Huffman-decoded, into tt[] (bytes); false on
 * damage.  count[] gets each byte value's frequency. */
static bool read_symbols(struct nsis_bz *z, const uint8_t *seq, int nseq,
			 int nsel, uint32_t *count)
{
	uint8_t mtf[256];
	uint32_t es = 0, bit = 1;
	int sel = 0, left = 0, sym, eob = nseq + 1;

	for (sym = 0; sym < 256; sym++)
		mtf[sym] = (uint8_t)sym;
	z->nblock = 0;
	for (;;) {
		if (left-- == 0) {
			if (sel >= nsel)
				return false;
			left = GROUP_RUN - 1;
			sel++;
		}
		sym = huff_get(z, &z->h[z->selector[sel - 1]]);
		if (sym < 0 || sym > eob)
			return false;
		if (sym <= 1) {  /* RUNA, RUNB: a bijective base-2 count */
			if (bit > BLOCK_MAX)
				return false;
			es += bit << sym;
			bit <<= 1;
			continue;
		}
		if (es && !put_run(z, mtf, seq, es, count))
			return false;
		es = 0;
		bit = 1;
		if (sym == eob)
			return true;
		if (!put_mtf(z, mtf, seq, sym - 1, count))
			return false;
	}
}

/* Reads one block after its 0x31 and sets up its output. */
static bool read_block(struct nsis_bz *z)
{
	uint8_t seq[256];
	uint32_t count[256], sum = 0, orig;
	int nseq, ngroups, nsel, i;

	orig = getbits(z, 24);
	nseq = read_map(z, seq);
	ngroups = (int)getbits(z, 3);
	if (nseq == 0 || ngroups < 2 || ngroups > GROUPS_MAX || z->over)
		return false;
	nsel = read_tables(z, ngroups, nseq + 2);
	if (nsel == 0)
		return false;
	memset(count, 0, sizeof(count));
	if (!read_symbols(z, seq, nseq, nsel, count) || orig >= z->nblock)
		return false;
	/* inverse BWT: tt[i] keeps its byte low, the link above */
	for (i = 0; i < 256; i++) {
		uint32_t c = count[i];

		count[i] = sum;
		sum += c;
	}
	for (i = 0; i < (int)z->nblock; i++)
		z->tt[count[z->tt[i] & 0xff]++] |= (uint32_t)i << 8;
	z->tpos = z->tt[orig] >> 8;
	z->used = 0;
	z->run = 0;
	z->rep = 0;
	return true;
}

struct nsis_bz *mde__nsis_bz_new(void)
{
	return calloc(1, sizeof(struct nsis_bz));
}

void mde__nsis_bz_start(struct nsis_bz *z, const uint8_t *in, size_t len)
{
	z->in = in;
	z->len = len;
	z->pos = 0;
	z->bits = 0;
	z->nbits = 0;
	z->over = false;
	z->state = 0;
}

/* Output of the block: the BWT walk with bzip2's first run lengths
 * undone (four equal bytes, then a count of more). */
static size_t emit(struct nsis_bz *z, uint8_t *dst, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		uint8_t ch;

		if (z->rep) {
			dst[n++] = z->last;
			z->rep--;
			continue;
		}
		if (z->used == z->nblock) {
			z->state = 0;
			break;
		}
		z->tpos = z->tt[z->tpos];
		ch = (uint8_t)z->tpos;
		z->tpos >>= 8;
		z->used++;
		if (z->run == 4) {
			z->rep = ch;
			z->run = 0;
			continue;
		}
		z->run = z->run && ch == z->last ? z->run + 1 : 1;
		z->last = ch;
		dst[n++] = ch;
	}
	return n;
}

size_t mde__nsis_bz_read(struct nsis_bz *z, uint8_t *dst, size_t cap,
			 int *st)
{
	size_t n = 0;

	while (n < cap && z->state >= 0 && z->state != 2) {
		if (z->state == 1) {
			n += emit(z, dst + n, cap - n);
			continue;
		}
		switch (getbits(z, 8)) {
		case 0x31:
			/* the block vector, at the first block only */
			if (!z->tt && !(z->tt = malloc(BLOCK_MAX *
						      sizeof(*z->tt)))) {
				z->state = -2;
				break;
			}
			z->state = read_block(z) ? 1 : -1;
			break;
		case 0x17:
			z->state = z->over ? -1 : 2;
			break;
		default:
			z->state = -1;
		}
	}
	/* inside a block or between two is "more to come" */
	*st = z->state == 2 ? 1 : z->state < 0 ? z->state : 0;
	return n;
}

size_t mde__nsis_bz_used(const struct nsis_bz *z)
{
	return z->pos;
}

void mde__nsis_bz_free(struct nsis_bz *z)
{
	if (z)
		free(z->tt);
	free(z);
}
