/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arj.c - ARJ archives, from the format's description (Robert Jung's
 * TECHNOTE.TXT and the open unarj sources it points to): the headers,
 * and the two decoders, LZ77 with Huffman codes sent per block (methods
 * 1 to 3, a 26,624-byte window, the codes of LHA's -lh5-) and LZ77 with
 * fixed codes (method 4).  ARJ still carries malware in mail; libarchive
 * does not read it.
 *
 * Every header is checked (id, size, CRC-32); an entry's data is what
 * its header says, cut at the archive's end.  The Huffman codes are
 * decoded canonically a bit at a time, so a hostile code table can only
 * be incomplete (a code that matches nothing is damage), never read out
 * of bounds; code lengths over 16 are damage.  Past the end of its data
 * the decoder reads zeros for a few bytes (the last code may end there)
 * and then stops.  CRCs of the data are not checked: what was decoded is
 * scanned whatever its checksum.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arj.h"
#include "banned.h"

#define ID0 0x60
#define ID1 0xEA
#define HDR_MAX 2600  /* a basic header's size at most */
#define FIRST_MIN 30  /* the fixed part of a basic header */
#define TYPE_MAIN 2

#define DICSIZ 26624
#define THRESHOLD 3
#define MAXMATCH 256
#define NC (255 + MAXMATCH + 2 - THRESHOLD) /* literals and lengths */
#define NP 17                               /* distance classes */
#define NT 19                               /* code-length codes */
#define CBIT 9
#define PBIT 5
#define TBIT 5
#define MAXBITS 16
#define SLACK 4   /* zero bytes read past the data before it is damage */
#define STORED_SLICE (64 * 1024)

static unsigned le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* CRC-32 (the zip one); headers only, so bit by bit. */
static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c >> 1 ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* ---------------------------------------------------------------- walk */

int mde__arj_is(const uint8_t *b, size_t len)
{
	unsigned size;

	if (len < 4 + FIRST_MIN + 4 || b[0] != ID0 || b[1] != ID1)
		return 0;
	size = le16(b + 2);
	return size >= FIRST_MIN && size <= HDR_MAX && b[4] >= FIRST_MIN &&
	       b[4] <= size && b[4 + 6] == TYPE_MAIN;
}

/* The header at pos: 1 with its basic header in *basic (*size bytes) and
 * *after where what follows its extended headers starts; 0 for the end
 * marker; -1 when it is damaged. */
static int header_at(const mde__arj *a, size_t pos, const uint8_t **basic,
		     size_t *size, size_t *after)
{
	const uint8_t *p = a->buf + pos;
	size_t left = a->len - pos, o, ext;

	if (left < 4 || p[0] != ID0 || p[1] != ID1)
		return -1;
	*size = le16(p + 2);
	if (*size == 0)
		return 0;
	if (*size < FIRST_MIN || *size > HDR_MAX || left < 4 + *size + 4 ||
	    crc32(p + 4, *size) != le32(p + 4 + *size))
		return -1;
	*basic = p + 4;
	for (o = pos + 4 + *size + 4;; o += ext + 4) {
		if (a->len - o < 2)
			return -1;
		ext = le16(a->buf + o);
		o += 2;
		if (ext == 0)
			break;
		if (a->len - o < ext + 4)
			return -1;
	}
	*after = o;
	return 1;
}

int mde__arj_open(mde__arj *a, const uint8_t *buf, size_t len)
{
	const uint8_t *basic;
	size_t size, after;

	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->len = len;
	if (!mde__arj_is(buf, len) ||
	    header_at(a, 0, &basic, &size, &after) != 1 ||
	    basic[6] != TYPE_MAIN)
		return -1;
	a->pos = after;
	return 0;
}

/* Copies the name at basic + first (NUL-terminated within size) into e. */
static void entry_name(mde__arj_entry *e, const uint8_t *basic,
		       size_t first, size_t size)
{
	size_t i = 0;

	while (first + i < size && basic[first + i] &&
	       i + 1 < sizeof(e->name)) {
		uint8_t c = basic[first + i];

		e->name[i++] = c < 0x20 || c == 0x7f ? '_' : (char)c;
	}
	e->name[i] = '\0';
}

int mde__arj_next(mde__arj *a, mde__arj_entry *e)
{
	const uint8_t *basic;
	size_t size, after, left;
	int rc;

	if (a->damaged || a->pos >= a->len)
		return a->damaged ? -1 : 0;
	rc = header_at(a, a->pos, &basic, &size, &after);
	if (rc <= 0 || basic[0] < FIRST_MIN || basic[0] > size) {
		a->damaged = rc != 0;
		a->pos = a->len;
		return a->damaged ? -1 : 0;
	}
	e->flags = basic[4];
	e->method = basic[5];
	e->type = basic[6];
	e->packed = le32(basic + 12);
	e->size = le32(basic + 16);
	e->crc = le32(basic + 20);
	entry_name(e, basic, basic[0], size);
	left = a->len - after;
	e->data = a->buf + after;
	e->len = e->packed < left ? e->packed : left;
	a->pos = after + e->len;
	a->damaged = e->packed > left;
	return 1;
}

/* ------------------------------------------------------------- decoder */

/* A canonical Huffman code: how many codes of each length, and the
 * symbols in code order; or one symbol sent in no bits at all. */
struct huff {
	uint16_t count[MAXBITS + 1];
	uint16_t sym[NC];
	int single;
	unsigned only;
};

struct mde__arj_dec {
	const uint8_t *in;
	size_t inlen, inpos;
	uint32_t bitbuf;
	int bitcnt;
	uint16_t blocksize;
	uint8_t len[NC];
	struct huff c, pt, p;
	uint8_t win[DICSIZ];
	size_t r, flushed;       /* window: where to write, what was given */
	mde__arj_sink sink;
	void *ctx;
	int stopped;
};

mde__arj_dec *mde__arj_dec_new(void)
{
	return calloc(1, sizeof(mde__arj_dec));
}

void mde__arj_dec_free(mde__arj_dec *d)
{
	free(d);
}

/* n (<= 16) bits, most significant first; zeros past the data. */
static unsigned getbits(mde__arj_dec *d, int n)
{
	while (d->bitcnt < n) {
		uint8_t b = d->inpos < d->inlen ? d->in[d->inpos] : 0;

		d->inpos++;
		d->bitbuf = d->bitbuf << 8 | b;
		d->bitcnt += 8;
	}
	d->bitcnt -= n;
	return (unsigned)(d->bitbuf >> d->bitcnt) & ((1u << n) - 1);
}

/* Has the decoder read too far past its data? */
static int overrun(const mde__arj_dec *d)
{
	return d->inpos > d->inlen + SLACK;
}

/* Builds h from the code lengths len[0..n): 0, or -1 for a length over
 * 16 or more codes than lengths allow. */
static int build(struct huff *h, const uint8_t *len, unsigned n)
{
	unsigned offs[MAXBITS + 2], i, l;
	int left = 1;

	memset(h->count, 0, sizeof(h->count));
	h->single = 0;
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
	return 0;
}

/* The next symbol of code h, or -1 when no code matches. */
static int decode(mde__arj_dec *d, const struct huff *h)
{
	int code = 0, first = 0, index = 0, count, l;

	if (h->single)
		return (int)h->only;
	for (l = 1; l <= MAXBITS; l++) {
		code |= (int)getbits(d, 1);
		count = h->count[l];
		if (code - first < count)
			return h->sym[index + code - first];
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return -1;
}

/* A code whose table is one symbol (nbit bits) sent in no bits. */
static int single(mde__arj_dec *d, struct huff *h, int nbit, unsigned nn)
{
	h->only = getbits(d, nbit);
	h->single = 1;
	return h->only < nn ? 0 : -1;
}

/* The code lengths of the code-length code (nn = NT) or of the
 * distances (NP): 3 bits each, 7 and up in unary; after the special'th
 * length, 2 bits of zero lengths. */
static int read_pt_len(mde__arj_dec *d, struct huff *h, unsigned nn,
		       int nbit, unsigned special)
{
	unsigned n = getbits(d, nbit), i = 0, c;

	if (n == 0)
		return single(d, h, nbit, nn);
	if (n > nn)
		return -1;
	while (i < n) {
		c = getbits(d, 3);
		if (c == 7)
			while (getbits(d, 1))
				if (++c > MAXBITS)
					return -1;
		d->len[i++] = (uint8_t)c;
		if (i == special)
			for (c = getbits(d, 2); c > 0 && i < nn; c--)
				d->len[i++] = 0;
	}
	while (i < nn)
		d->len[i++] = 0;
	return build(h, d->len, nn);
}

/* The code lengths of the literals and lengths, in the code-length code:
 * 0 one zero, 1 3-18 zeros, 2 20-531 zeros, n a length of n - 2. */
static int read_c_len(mde__arj_dec *d)
{
	unsigned n = getbits(d, CBIT), i = 0;
	int c;

	if (n == 0)
		return single(d, &d->c, CBIT, NC);
	if (n > NC)
		return -1;
	while (i < n) {
		if ((c = decode(d, &d->pt)) < 0)
			return -1;
		if (c > 2) {
			d->len[i++] = (uint8_t)(c - 2);
			continue;
		}
		c = c == 0 ? 1 : c == 1 ? (int)getbits(d, 4) + 3
					: (int)getbits(d, CBIT) + 20;
		while (c-- > 0 && i < NC)
			d->len[i++] = 0;
	}
	while (i < NC)
		d->len[i++] = 0;
	return build(&d->c, d->len, NC);
}

/* A literal (< 256) or a length (256 + length - 3); -1 on damage. */
static int decode_c(mde__arj_dec *d)
{
	if (d->blocksize == 0) {
		d->blocksize = (uint16_t)getbits(d, 16);
		if (read_pt_len(d, &d->pt, NT, TBIT, 3) < 0 ||
		    read_c_len(d) < 0 || read_pt_len(d, &d->p, NP, PBIT, 0) < 0)
			return -1;
	}
	d->blocksize--;
	return decode(d, &d->c);
}

/* A distance (less one): a class, then as many bits; -1 on damage. */
static long decode_p(mde__arj_dec *d)
{
	int j = decode(d, &d->p);

	if (j <= 0)
		return j;
	j--;
	return (1L << j) + (long)getbits(d, j);
}

/* Hands the window from what was given up to r to the sink. */
static void flush(mde__arj_dec *d)
{
	if (d->r > d->flushed && !d->stopped &&
	    d->sink(d->ctx, d->win + d->flushed, d->r - d->flushed))
		d->stopped = 1;
	d->flushed = d->r;
}

static void put(mde__arj_dec *d, uint8_t c)
{
	d->win[d->r++] = c;
	if (d->r == DICSIZ) {
		flush(d);
		d->r = d->flushed = 0;
	}
}

/* Copies n bytes from dist + 1 back; the window starts as zeros. */
static void copy(mde__arj_dec *d, size_t dist, size_t n)
{
	size_t i = (d->r + DICSIZ - dist - 1) % DICSIZ;

	while (n--) {
		put(d, d->win[i]);
		i = i + 1 == DICSIZ ? 0 : i + 1;
	}
}

/* Methods 1-3. */
static int decode_huff(mde__arj_dec *d, uint32_t size)
{
	uint32_t count = 0;

	while (count < size && !d->stopped) {
		int c = decode_c(d);
		long dist;
		uint32_t n;

		if (c < 0 || overrun(d))
			return MDE__ARJ_DAMAGED;
		if (c < 256) {
			put(d, (uint8_t)c);
			count++;
			continue;
		}
		n = (uint32_t)c - (256 - THRESHOLD);
		dist = decode_p(d);
		if (dist < 0 || dist >= DICSIZ)
			return MDE__ARJ_DAMAGED;
		n = n < size - count ? n : size - count;
		copy(d, (size_t)dist, n);
		count += n;
	}
	return MDE__ARJ_OK;
}

/* Method 4's lengths and distances: unary bits choose a width, then as
 * many bits. */
static unsigned decode_var(mde__arj_dec *d, int start, int stop)
{
	unsigned plus = 0, pwr = 1u << start;
	int width;

	for (width = start; width < stop; width++) {
		if (!getbits(d, 1))
			break;
		plus += pwr;
		pwr <<= 1;
	}
	return plus + (width ? getbits(d, width) : 0);
}

/* Method 4. */
static int decode_fast(mde__arj_dec *d, uint32_t size)
{
	uint32_t count = 0;

	while (count < size && !d->stopped) {
		unsigned c = decode_var(d, 0, 7), n;

		if (overrun(d))
			return MDE__ARJ_DAMAGED;
		if (c == 0) {
			put(d, (uint8_t)getbits(d, 8));
			count++;
			continue;
		}
		n = c - 1 + THRESHOLD;
		n = n < size - count ? n : size - count;
		copy(d, decode_var(d, 9, 13), n);
		count += n;
	}
	return MDE__ARJ_OK;
}

static int stored(const mde__arj_entry *e, mde__arj_sink sink, void *ctx)
{
	size_t n = e->len < e->size ? e->len : e->size, o, k;

	for (o = 0; o < n; o += k) {
		k = n - o < STORED_SLICE ? n - o : STORED_SLICE;
		if (sink(ctx, e->data + o, k))
			return MDE__ARJ_STOPPED;
	}
	return e->len < e->size ? MDE__ARJ_DAMAGED : MDE__ARJ_OK;
}

int mde__arj_decode(mde__arj_dec *d, const mde__arj_entry *e,
		    mde__arj_sink sink, void *ctx)
{
	int rc;

	if (e->method == 0)
		return stored(e, sink, ctx);
	if (e->method > 4)
		return MDE__ARJ_UNSUPPORTED;
	memset(d, 0, offsetof(mde__arj_dec, win));
	memset(d->win, 0, sizeof(d->win));
	d->r = d->flushed = 0;
	d->stopped = 0;
	d->in = e->data;
	d->inlen = e->len;
	d->sink = sink;
	d->ctx = ctx;
	rc = e->method == 4 ? decode_fast(d, e->size) : decode_huff(d, e->size);
	flush(d);
	return d->stopped ? MDE__ARJ_STOPPED : rc;
}
