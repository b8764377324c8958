/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_imp.c - the import string of a PE that ClamAV's .imp hashes
 * cover: ",dll.function" for every function of every import descriptor
 * (no comma before the first), in lower case; the DLL name loses a
 * ".dll", ".ocx" or ".sys" extension; an import by ordinal is "ordN".
 * Descriptors are read while more than one descriptor's worth of the
 * directory is left and the name is set, as ClamAV reads them.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "clamav_int.h"
#include "banned.h"

#define IMP_MAXDLL 1024
#define IMP_MAXFN 4096
#define IMP_MAXNAME 256

static uint64_t rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The NUL-terminated name at off (at most IMP_MAXNAME bytes), checked:
 * 0 and its length, -1 when outside or with a character ClamAV refuses. */
static int name_at(const struct cl_fctx *f, uint64_t off, size_t *n)
{
	size_t i;

	if (off >= f->len)
		return -1;
	for (i = 0; i < IMP_MAXNAME && off + i < f->len && f->buf[off + i];
	     i++) {
		uint8_t ch = f->buf[off + i];

		if (!isalnum(ch) && ch != '_' && ch != '.')
			return -1;
	}
	*n = i;
	return 0;
}

static int put_lower(mde__buf *b, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = (char)tolower(s[i]);

		if (mde__buf_put(b, &ch, 1))
			return -1;
	}
	return 0;
}

static int put_fn(const struct cl_fctx *f, mde__buf *b, const uint8_t *dll,
		  size_t dlen, uint64_t thunk, int pe64)
{
	uint64_t flag = pe64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31, off;
	char ord[24];
	size_t n;

	if (b->len && mde__buf_put(b, ",", 1))
		return -1;
	if (put_lower(b, dll, dlen) || mde__buf_put(b, ".", 1))
		return -1;
	if (thunk & flag) {
		snprintf(ord, sizeof(ord), "ord%u", (unsigned)(thunk & 0xffff));
		return mde__buf_put(b, ord, strlen(ord));
	}
	if (mde__exe_rva2off(f->exe, thunk & 0x7fffffffu, f->len, &off) ||
	    name_at(f, off + 2, &n))
		return -1;
	return put_lower(b, f->buf + off + 2, n);
}

static int one_dll(const struct cl_fctx *f, mde__buf *b, const uint8_t *d)
{
	const mde__exe *x = f->exe;
	uint64_t off, th;
	unsigned tsz = x->pe64 ? 8 : 4;
	size_t dlen;
	const uint8_t *dll, *dot;

	if (mde__exe_rva2off(x, rd(d + 12, 4), f->len, &off) ||
	    name_at(f, off, &dlen))
		return -1;
	dll = f->buf + off;
	dot = memchr(dll, '.', dlen);
	if (dot && (size_t)(dll + dlen - dot) >= 4 &&
	    (!strncasecmp((const char *)dot, ".dll", 4) ||
	     !strncasecmp((const char *)dot, ".ocx", 4) ||
	     !strncasecmp((const char *)dot, ".sys", 4)))
		dlen = (size_t)(dot - dll);
	if (!rd(d, 4) || mde__exe_rva2off(x, rd(d, 4), f->len, &th))
		if (mde__exe_rva2off(x, rd(d + 16, 4), f->len, &th))
			return -1;
	for (unsigned i = 0; i < IMP_MAXFN && th + tsz <= f->len; i++) {
		uint64_t t = rd(f->buf + th, tsz);

		if (!t)
			break;
		if (put_fn(f, b, dll, dlen, t, x->pe64))
			return -1;
		th += tsz;
	}
	return 0;
}

int cl_imp_string(const struct cl_fctx *f, mde__buf *out)
{
	const mde__exe *x = f->exe;
	uint64_t off, left = x->imp_size;

	if (!x->imp_rva || !x->imp_size ||
	    mde__exe_rva2off(x, x->imp_rva, f->len, &off) ||
	    off + x->imp_size > f->len)
		return -1;
	for (unsigned n = 0; left > 20 && n < IMP_MAXDLL; n++) {
		const uint8_t *d = f->buf + off + 20ull * n;

		if (!rd(d + 12, 4))
			break;
		left -= 20;
		if (one_dll(f, out, d))
			return -1;
	}
	return 0;
}
