/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nsis_dec.c - the three compressors an NSIS installer may use, behind
 * one interface: zlib (raw deflate, zlib's inflate), LZMA (raw LZMA1,
 * liblzma, as UPX's in upx_lzma.c) and bzip2 (NSIS's own, nsis_bz.c).
 * The input is the whole stream in memory; output is drawn on demand, so
 * the caller's limits stop a bomb while it expands.
 *
 * LZMA's dictionary is what liblzma allocates up front: it is capped by
 * the caller (dict_cap), a stream that reaches further back fails as
 * damaged.
 */
#include "config.h"

#include <string.h>

#include "nsis_int.h"
#include "banned.h"

#define LZMA_PROPS 5
#define DICT_MIN 4096u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* LZMA properties NSIS writes: lc/lp/pb as one byte below 225, and a
 * dictionary (SetCompressorDictSize: whole MiB up to 128, 8 by default)
 * whose low 16 bits are clear. */
static bool lzma_props_at(const uint8_t *p, size_t n)
{
	return n >= LZMA_PROPS && p[0] == 0x5d && p[1] == 0 && p[2] == 0 &&
	       p[4] <= 0x10;
}

int mde__nsis_dec_method(const uint8_t *p, size_t n)
{
	if (lzma_props_at(p, n) || (n > 1 && p[0] <= 1 &&
				    lzma_props_at(p + 1, n - 1)))
		return NSIS_LZMA;
	if (n && p[0] == 0x31)
		return NSIS_BZIP2;
	return NSIS_ZLIB;
}

static int start_lzma(struct nsis_dec *d)
{
	lzma_options_lzma opt;
	lzma_filter f[3];
	const uint8_t *p = d->in;
	size_t k = 0, skip = 0;
	uint32_t dict;

	if (d->len > 0 && p[0] <= 1) {  /* NSIS's BCJ flag */
		if (p[0] == 1) {
			f[k].id = LZMA_FILTER_X86;
			f[k++].options = NULL;
		}
		skip = 1;
	}
	if (d->len < skip + LZMA_PROPS || p[skip] >= 225)
		return -1;
	memset(&opt, 0, sizeof(opt));
	opt.lc = p[skip] % 9;
	opt.lp = p[skip] / 9 % 5;
	opt.pb = p[skip] / 45;
	dict = le32(p + skip + 1);
	opt.dict_size = dict < DICT_MIN ? DICT_MIN :
			dict > d->dict_cap ? d->dict_cap : dict;
	f[k].id = LZMA_FILTER_LZMA1;
	f[k++].options = &opt;
	f[k].id = LZMA_VLI_UNKNOWN;
	f[k].options = NULL;
	d->used = skip + LZMA_PROPS;
	if (lzma_raw_decoder(&d->l, f) != LZMA_OK)
		return -1;
	d->l_on = true;
	return 0;
}

int mde__nsis_dec_start(struct nsis_dec *d, int method, const uint8_t *in,
			size_t len)
{
	int rc = 0;

	d->method = method;
	d->in = in;
	d->len = len;
	d->used = 0;
	d->state = 0;
	if (method == NSIS_ZLIB) {
		if (d->z_on)
			rc = inflateReset(&d->z) == Z_OK ? 0 : -1;
		else if ((rc = inflateInit2(&d->z, -15) == Z_OK ? 0 : -1) == 0)
			d->z_on = true;
	} else if (method == NSIS_LZMA) {
		rc = start_lzma(d);
	} else if (method == NSIS_BZIP2) {
		if (!d->bz && !(d->bz = mde__nsis_bz_new())) {
			d->state = -2;
			return -1;
		}
		mde__nsis_bz_start(d->bz, in, len);
	}
	if (rc < 0)
		d->state = -1;
	return rc;
}

static size_t read_zlib(struct nsis_dec *d, uint8_t *dst, size_t cap)
{
	size_t in_left = d->len - d->used, before = d->used;
	int r;

	d->z.next_in = (Bytef *)(uintptr_t)(d->in + d->used);
	d->z.avail_in = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
	d->z.next_out = dst;
	d->z.avail_out = cap > UINT32_MAX ? UINT32_MAX : (uInt)cap;
	r = inflate(&d->z, Z_NO_FLUSH);
	d->used += (size_t)(d->z.next_in - (d->in + d->used));
	if (r == Z_STREAM_END)
		d->state = 1;
	else if (r == Z_MEM_ERROR)
		d->state = -2;
	else if (r != Z_OK && r != Z_BUF_ERROR)
		d->state = -1;
	else if (d->z.next_out == dst && d->used == before)
		d->state = -1;  /* no progress: the input ran out */
	return (size_t)(d->z.next_out - dst);
}

static size_t read_lzma(struct nsis_dec *d, uint8_t *dst, size_t cap)
{
	size_t before = d->used;
	lzma_ret r;

	d->l.next_in = d->in + d->used;
	d->l.avail_in = d->len - d->used;
	d->l.next_out = dst;
	d->l.avail_out = cap;
	r = lzma_code(&d->l, LZMA_RUN);
	d->used = d->len - d->l.avail_in;
	if (r == LZMA_STREAM_END)
		d->state = 1;
	else if (r == LZMA_MEM_ERROR)
		d->state = -2;
	else if (r != LZMA_OK && r != LZMA_BUF_ERROR)
		d->state = -1;
	else if (d->l.next_out == dst && d->used == before)
		d->state = d->used == d->len ? 1 : -1;
	return (size_t)(d->l.next_out - dst);
}

size_t mde__nsis_dec_read(struct nsis_dec *d, uint8_t *dst, size_t cap)
{
	size_t n = 0;
	int st;

	if (d->state != 0 || cap == 0)
		return 0;
	switch (d->method) {
	case NSIS_ZLIB:
		return read_zlib(d, dst, cap);
	case NSIS_LZMA:
		return read_lzma(d, dst, cap);
	case NSIS_BZIP2:
		n = mde__nsis_bz_read(d->bz, dst, cap, &st);
		d->used = mde__nsis_bz_used(d->bz);
		d->state = st;
		return n;
	}
	n = cap < d->len - d->used ? cap : d->len - d->used;
	memcpy(dst, d->in + d->used, n);
	d->used += n;
	if (d->used == d->len)
		d->state = 1;
	return n;
}

void mde__nsis_dec_free(struct nsis_dec *d)
{
	if (d->z_on)
		inflateEnd(&d->z);
	if (d->l_on)
		lzma_end(&d->l);
	mde__nsis_bz_free(d->bz);
	d->z_on = d->l_on = false;
	d->bz = NULL;
}
