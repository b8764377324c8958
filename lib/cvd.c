/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvd.c - ClamAV's database containers, checked whole before use (cvd.h).
 *
 * The tar inside is read here rather than through libarchive's tar
 * reader: ClamAV's own writer (sigtool) emits old-style headers with no
 * end-of-archive blocks, and its reader takes only regular files with
 * flat names; holding to exactly that (and to each header's checksum)
 * refuses what ClamAV would refuse instead of whatever a general tar
 * reader can make sense of.  libarchive does the gzip layer.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <archive.h>
#include <libdeflate.h>
#include <openssl/evp.h>

#include "mde_int.h"
#include "cvd.h"
#include "banned.h"

#define BLK 512

/* Writes the reason into why (n bytes) and returns MDE_ERR_FORMAT: every
 * refusal is a format error with its reason. */
__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return MDE_ERR_FORMAT;
}

int mde__cvd_type_of(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;

	if (!dot)
		return 0;
	if (strcmp(dot, ".cvd") == 0)
		return MDE__CVD_CVD;
	if (strcmp(dot, ".cld") == 0)
		return MDE__CVD_CLD;
	if (strcmp(dot, ".cud") == 0)
		return MDE__CVD_CUD;
	return 0;
}

/* ------------------------------------------------------------- header */

/* A decimal number of 1 to 20 digits that fits max, with no leading zero
 * (one spelling per value, as sigtool writes them); -1 otherwise. */
static int dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* 1 if s[0..n) is n lowercase hex digits (n > 0): ClamAV compares the
 * MD5 as text, so "ABC" is not "abc" to it either. */
static int lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9') &&
		    !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return n > 0;
}

/* ClamAV writes its signatures in base 64 digits, letters and digits
 * first; "X" stands for none. */
static int sig_chars(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '+' && s[i] != '/')
			return 0;
	return n > 0;
}

/* Copies field s[0..n) into dst (cap bytes with its NUL); -1 if it is
 * empty or does not fit. */
static int text(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Splits the header's text at ':' into at most max fields; the count. */
static size_t split(const char *s, size_t len, const char **f, size_t *fl,
		    size_t max)
{
	size_t k = 0, start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ':')
			continue;
		if (k == max)
			return max + 1;
		f[k] = s + start;
		fl[k++] = i - start;
		start = i + 1;
	}
	return k;
}

/* Fills h from the fields; the name of the first bad one, or NULL. */
static const char *fields(const char **f, const size_t *fl, size_t k,
			  struct mde__cvd_head *h)
{
	uint64_t v;

	if (fl[0] != 10 || memcmp(f[0], "ClamAV-VDB", 10) != 0)
		return "magic (no \"ClamAV-VDB:\")";
	if (text(h->time, sizeof(h->time), f[1], fl[1]))
		return "build time";
	if (dec(f[2], fl[2], UINT32_MAX, &v))
		return "version";
	h->version = (unsigned)v;
	if (dec(f[3], fl[3], UINT32_MAX, &v))
		return "signature count";
	h->sigs = (unsigned)v;
	if (dec(f[4], fl[4], UINT32_MAX, &v))
		return "functionality level";
	h->flevel = (unsigned)v;
	if (!(fl[5] == 32 && lower_hex(f[5], 32)) &&
	    !(fl[5] == 1 && f[5][0] == 'X'))
		return "MD5";
	text(h->md5, sizeof(h->md5), f[5], fl[5]);
	if (!sig_chars(f[6], fl[6]) || text(h->dsig, sizeof(h->dsig), f[6],
					     fl[6]))
		return "signature";
	if (text(h->builder, sizeof(h->builder), f[7], fl[7]))
		return "builder";
	h->stime = 0;
	if (k == 9 && dec(f[8], fl[8], UINT64_MAX, &h->stime))
		return "build time in seconds";
	return NULL;
}

int mde__cvd_head_parse(const char *buf, size_t len,
			struct mde__cvd_head *h, char *why, size_t n)
{
	const char *f[9];
	size_t fl[9], k, i;
	const char *bad;

	memset(h, 0, sizeof(*h));
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\r'))
		len--;
	for (i = 0; i < len; i++) {
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return fail(why, n, "header: byte %zu is not printable "
				    "text", i);
	}
	k = split(buf, len, f, fl, 9);
	if (k < 8 || k > 9)
		return fail(why, n, "header: %zu fields, not 8 or 9", k);
	bad = fields(f, fl, k, h);
	if (bad)
		return fail(why, n, "header: bad %s field", bad);
	return MDE_OK;
}

/* ------------------------------------------------------------- gzip */

/*
 * The whole gzip stream z[0..zl) inflated at once by libdeflate into a
 * buffer of the size its trailer says (ISIZE: the size modulo 2^32): on
 * this stream twice as fast as zlib's inflate, and no copy through a
 * reader's buffer.  MDE_OK with the data in c; 1 when this way does not
 * apply (no room said, a multi-member stream, 4 GiB or more): the caller
 * streams instead; or an error.
 */
static int gunzip_whole(mde__cvd *c, const uint8_t *z, size_t zl,
			uint64_t max, char *why, size_t n)
{
	struct libdeflate_decompressor *d;
	enum libdeflate_result r;
	size_t isize, in = 0, got = 0;
	uint8_t *out;
	uint32_t v;

	if (zl < 18)
		return 1;
	memcpy(&v, z + zl - 4, 4); /* little-endian, like the host */
	isize = v;
	/* what the trailer says is only believed when it is possible:
	 * deflate packs at most 1032 to 1; else the streaming reader finds
	 * what is wrong, or enforces the limit as it goes */
	(void)why;
	(void)n;
	if ((max && isize > max) || isize / 1032 > zl)
		return 1;
	d = libdeflate_alloc_decompressor();
	out = malloc(isize ? isize : 1);
	if (!d || !out) {
		libdeflate_free_decompressor(d);
		free(out);
		return 1;
	}
#ifdef MADV_HUGEPAGE
	{
		/* hundreds of MB written once: 4 KiB faults cost more than
		 * the copy on a virtual machine (advice only) */
		const uintptr_t huge = (uintptr_t)2 << 20;
		uintptr_t a = ((uintptr_t)out + huge - 1) & ~(huge - 1);
		uintptr_t b = ((uintptr_t)out + isize) & ~(huge - 1);

		if (b > a)
			madvise((void *)a, b - a, MADV_HUGEPAGE);
	}
#endif
	r = libdeflate_gzip_decompress_ex(d, z, zl, out, isize, &in, &got);
	libdeflate_free_decompressor(d);
	if (r != LIBDEFLATE_SUCCESS || in != zl || got != isize) {
		free(out);
		/* the streaming reader says what is wrong, or reads what
		 * this one cannot (more members, a wrapped ISIZE) */
		return 1;
	}
	c->tar_owned = out;
	c->unpacked = got;
	return MDE_OK;
}

/* Inflates the gzip stream z[0..zl) into a new buffer, refusing more than
 * max bytes (0: no limit). */
static int gunzip(mde__cvd *c, const uint8_t *z, size_t zl, uint64_t max,
		  char *why, size_t n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t cap = 0, len = 0;
	uint8_t *out = NULL, *p;
	la_ssize_t got;
	int rc = MDE_ERR_FORMAT;

	if (!a)
		return MDE_ERR_NOMEM;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, z, zl) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		snprintf(why, n, "gzip: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			p = realloc(out, cap);
			if (!p) {
				rc = MDE_ERR_NOMEM;
				goto out;
			}
			out = p;
		}
		got = archive_read_data(a, out + len, cap - len);
		if (got < 0) {
			snprintf(why, n, "gzip: %s", archive_error_string(a));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (max && len > max) {
			snprintf(why, n, "unpacks to more than %llu bytes "
				 "(the limit)", (unsigned long long)max);
			c->limit_hit = 1;
			goto out;
		}
	}
	c->tar_owned = out;
	c->unpacked = len;
	out = NULL;
	rc = MDE_OK;
out:
	free(out);
	archive_read_free(a);
	return rc;
}

/* ------------------------------------------------------------- tar */

/*
 * A tar number field: optional spaces, octal digits, then NULs, the last
 * byte a space if space_last (the checksum's POSIX form).  One spelling
 * for each value, so that no flipped byte reads the same: sigtool writes
 * "15\0..." and "001577\0\0", Python's tarfile "...15\0" and "001577\0 ".
 */
static int octal(const uint8_t *s, size_t n, int space_last, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n && s[i] == ' ')
		i++;
	if (i == n || s[i] < '0' || s[i] > '7')
		return -1;
	for (; i < n && s[i] >= '0' && s[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (uint64_t)(s[i] - '0');
	}
	for (; i < n; i++)
		if (s[i] != '\0' && !(space_last && i == n - 1 && s[i] == ' '))
			return -1;
	*out = v;
	return 0;
}

/* 1 if the block b is all zero bytes (the end of the archive). */
static int zero_block(const uint8_t *b)
{
	size_t i;

	for (i = 0; i < BLK; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Checks the header block b and reads its name and size; a reason if it
 * is not one ClamAV would read. */
static const char *tar_head(const uint8_t *b, char name[101], uint64_t *size)
{
	uint64_t sum = 0, want;
	size_t i;

	for (i = 0; i < BLK; i++)
		sum += i >= 148 && i < 156 ? ' ' : b[i];
	if (octal(b + 148, 8, 1, &want) || want != sum)
		return "bad header checksum";
	memcpy(name, b, 100);
	name[100] = '\0';
	if (!name[0] || strchr(name, '/'))
		return "member name empty or with a '/'";
	for (i = 0; name[i]; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return "member name with a control character";
	if (b[156] != '0' && b[156] != '\0')
		return "member is not a regular file";
	if (octal(b + 124, 12, 0, size))
		return "bad member size field";
	return NULL;
}

/* Where the walk keeps the two members that are not loaded. */
struct special {
	const uint8_t *info, *copying;
	size_t infolen, copyinglen;
};

/* Files one member: COPYING and the .info apart, the rest in c->m. */
static int add_member(mde__cvd *c, const char *name, const uint8_t *d,
		      uint64_t size, const struct mde__cvd_limits *lim,
		      struct special *sp, char *why, size_t n)
{
	struct mde__cvd_member *m;
	size_t i, nl = strlen(name);
	const uint8_t **slot = NULL;

	if (strcmp(name, "COPYING") == 0)
		slot = &sp->copying;
	else if (nl > 5 && strcmp(name + nl - 5, ".info") == 0)
		slot = &sp->info;
	for (i = 0; i < c->nm && !slot; i++)
		if (strcmp(c->m[i].name, name) == 0)
			break;
	if ((slot && *slot) || (!slot && i < c->nm))
		return fail(why, n, "member '%s' twice", name);
	if (slot) {
		*slot = d;
		*(slot == &sp->info ? &sp->infolen : &sp->copyinglen) = size;
		return MDE_OK;
	}
	if (lim->max_members && c->nm >= lim->max_members) {
		c->limit_hit = 1;
		return fail(why, n, "more than %llu members (the limit)",
			    (unsigned long long)lim->max_members);
	}
	m = realloc(c->m, (c->nm + 1) * sizeof(*m));
	if (!m)
		return MDE_ERR_NOMEM;
	c->m = m;
	memcpy(m[c->nm].name, name, nl + 1);
	m[c->nm].data = d;
	m[c->nm++].len = (size_t)size;
	return MDE_OK;
}

/* The tar's blocks a member of size bytes takes after its header. */
static uint64_t padded(uint64_t size)
{
	return (size + BLK - 1) / BLK * BLK;
}

/* Checks a member's size against the limit and what is left of the tar
 * (avail bytes at d); its padding must be zeros, as sigtool writes it,
 * so that no byte of a container is free to change unseen. */
static int member_fits(mde__cvd *c, const char *name, uint64_t size,
		       const uint8_t *d, size_t avail,
		       const struct mde__cvd_limits *lim, char *why, size_t n)
{
	uint64_t i;

	if (lim->max_member_size && size > lim->max_member_size) {
		c->limit_hit = 1;
		return fail(why, n, "member '%s': %llu bytes, more than the "
			    "limit of %llu", name, (unsigned long long)size,
			    (unsigned long long)lim->max_member_size);
	}
	/* whole blocks, as ClamAV reads them: a cut in the padding too */
	if (padded(size) > avail)
		return fail(why, n, "tar: member '%s' cut short", name);
	for (i = size; i < padded(size); i++)
		if (d[i])
			return fail(why, n, "tar: member '%s': padding is not "
				    "zeros", name);
	return MDE_OK;
}

/* Walks the tar t[0..len): members end where the data ends (sigtool
 * writes no end blocks) or at a zero block; after one, only zeros. */
static int tar_walk(mde__cvd *c, const uint8_t *t, size_t len,
		    const struct mde__cvd_limits *lim, struct special *sp,
		    char *why, size_t n)
{
	size_t off = 0, i;
	uint64_t size = 0;
	char name[101];
	const char *bad;
	int rc = MDE_OK;

	for (; off < len && rc == MDE_OK; off += BLK + padded(size)) {
		if (len - off < BLK)
			return fail(why, n, "tar: cut inside the header at "
				    "offset %zu", off);
		if (zero_block(t + off))
			break;
		bad = tar_head(t + off, name, &size);
		if (bad)
			return fail(why, n, "tar: %s at offset %zu", bad, off);
		rc = member_fits(c, name, size, t + off + BLK, len - off - BLK,
				 lim, why, n);
		if (rc == MDE_OK)
			rc = add_member(c, name, t + off + BLK, size, lim, sp,
					why, n);
	}
	for (i = off; i < len && rc == MDE_OK; i++)
		if (t[i])
			rc = fail(why, n, "tar: data after the end, at offset "
				  "%zu", i);
	return rc;
}

/* ------------------------------------------------------------- .info */

/* Checks one "name:size:sha256" line against the members; seen marks the
 * members already listed. */
static int info_entry(mde__cvd *c, const struct special *sp, const char *s,
		      size_t l, unsigned char *seen, char *why, size_t n)
{
	const char *c1 = memchr(s, ':', l), *c2;
	uint8_t want[32], got[32];
	const uint8_t *d = NULL;
	uint64_t size;
	size_t i = c->nm, len = 0;

	c2 = c1 ? memchr(c1 + 1, ':', l - (size_t)(c1 - s) - 1) : NULL;
	if (!c2 || c1 == s || (size_t)(c1 - s) > 100 ||
	    dec(c1 + 1, (size_t)(c2 - c1 - 1), SIZE_MAX, &size) ||
	    s + l - c2 - 1 != 64 || !lower_hex(c2 + 1, 64))
		return fail(why, n, ".info: malformed line '%.*s'",
			    (int)(l > 80 ? 80 : l), s);
	mde__unhex_valid(c2 + 1, 32, want);
	if ((size_t)(c1 - s) == 7 && memcmp(s, "COPYING", 7) == 0 &&
	    sp->copying) {
		d = sp->copying;
		len = sp->copyinglen;
	}
	for (i = 0; !d && i < c->nm; i++)
		if (strlen(c->m[i].name) == (size_t)(c1 - s) &&
		    memcmp(c->m[i].name, s, (size_t)(c1 - s)) == 0)
			break;
	if (!d && i == c->nm)
		return fail(why, n, ".info lists '%.*s', which the container "
			    "lacks", (int)(c1 - s), s);
	if (!d) {
		if (seen[i]++)
			return fail(why, n, ".info lists '%s' twice",
				    c->m[i].name);
		d = c->m[i].data;
		len = c->m[i].len;
	}
	if (size != len)
		return fail(why, n, "member '%.*s': %zu bytes, the .info says "
			    "%llu", (int)(c1 - s), s, len,
			    (unsigned long long)size);
	if (!EVP_Digest(d, len, got, NULL, EVP_sha256(), NULL))
		return MDE_ERR_NOMEM;
	if (memcmp(got, want, 32) != 0)
		return fail(why, n, "member '%.*s': SHA-256 differs from the "
			    ".info's", (int)(c1 - s), s);
	return MDE_OK;
}

/* The .info's header line against the container's: every field but the
 * MD5 and signature ("X" in the .info).  ClamAV compares only the numbers;
 * sigtool writes the same time and builder in both, and freshclam makes a
 * .cld's header from the .info's line, so the text must agree too, or a
 * .cld's header would be free to say anything. */
static int info_head(mde__cvd *c, const char *s, size_t l, char *why,
		     size_t n)
{
	const struct mde__cvd_head *h = &c->head, *i = &c->info;
	const char *diff;
	char r[200];

	if (mde__cvd_head_parse(s, l, &c->info, r, sizeof(r)) != MDE_OK)
		return fail(why, n, ".info: %s", r);
	/* sigtool writes the .info before it has either */
	if (strcmp(i->md5, "X") != 0 || strcmp(i->dsig, "X") != 0)
		return fail(why, n, ".info: header with an MD5 or signature, "
			    "not \"X\"");
	diff = h->version != i->version ? "version"
	       : h->sigs != i->sigs ? "signature count"
	       : h->flevel != i->flevel ? "functionality level"
	       : h->stime != i->stime ? "build time in seconds"
	       : strcmp(h->time, i->time) ? "build time"
	       : strcmp(h->builder, i->builder) ? "builder" : NULL;
	if (diff)
		return fail(why, n, "the .info's header differs from the "
			    "container's in its %s", diff);
	return MDE_OK;
}

/* Keeps the DSIG line's value and the SHA-256 of the lines before it (what
 * it signs, as ClamAV hashes them); 1. */
static int dsig_line(mde__cvd *c, const struct special *sp, const char *s,
		     size_t l)
{
	c->dsig2 = s + 5;
	c->dsig2_len = l - 5;
	EVP_Digest(sp->info, (size_t)((const uint8_t *)s - sp->info),
		   c->info_sha256, NULL, EVP_sha256(), NULL);
	return 1;
}

/* Checks the manifest: its header, then every line, then that every
 * member was listed.  A "DSIG:" line ends the list (cvd_sig.c checks it);
 * only blank lines may follow. */
static int check_info(mde__cvd *c, const struct special *sp, char *why,
		      size_t n)
{
	const char *s = (const char *)sp->info, *end = s + sp->infolen, *nl;
	unsigned char *seen = calloc(c->nm + 1, 1);
	size_t l, i;
	int rc = MDE_OK, line = 0, dsig = 0;

	if (!seen)
		return MDE_ERR_NOMEM;
	for (; s < end && rc == MDE_OK; s = nl < end ? nl + 1 : end, line++) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		l = (size_t)(nl - s);
		if (l && s[l - 1] == '\r')
			l--;
		if (line == 0)
			rc = info_head(c, s, l, why, n);
		else if (l == 0)
			continue;
		else if (dsig)
			rc = fail(why, n, ".info: a line after the "
				  "DSIG line");
		else if (l >= 5 && memcmp(s, "DSIG:", 5) == 0)
			dsig = dsig_line(c, sp, s, l);
		else
			rc = info_entry(c, sp, s, l, seen, why, n);
	}
	if (line == 0 && rc == MDE_OK)
		rc = fail(why, n, ".info: empty");
	for (i = 0; i < c->nm && rc == MDE_OK; i++)
		if (!seen[i])
			rc = fail(why, n, "member '%s' is not in the "
				  ".info", c->m[i].name);
	free(seen);
	return rc;
}

/* ------------------------------------------------------------- open */

/* The header's MD5 against the body's (what sigtool signs). */
static int check_md5(const mde__cvd *c, const uint8_t *body, size_t bl,
		     char *why, size_t n)
{
	uint8_t got[16], want[16];

	if (mde__unhex(c->head.md5, 16, want) != -1)
		return fail(why, n, "header: no MD5 (a .%s must have one)",
			    c->type == MDE__CVD_CUD ? "cud" : "cvd");
	if (!EVP_Digest(body, bl, got, NULL, EVP_md5(), NULL))
		return MDE_ERR_NOMEM;
	if (memcmp(got, want, 16) != 0)
		return fail(why, n, "MD5 of the content differs from the "
			    "header's");
	return MDE_OK;
}

int mde__cvd_open(mde__cvd *c, int type, const void *buf, size_t len,
		  const struct mde__cvd_limits *lim, char *why, size_t n)
{
	const uint8_t *body, *tar;
	struct special sp = { 0 };
	size_t bl;
	int rc;

	memset(c, 0, sizeof(*c));
	c->type = type;
	if (len < MDE__CVD_HEAD)
		return fail(why, n, "cut inside the header (%zu bytes)", len);
	body = (const uint8_t *)buf + MDE__CVD_HEAD;
	bl = len - MDE__CVD_HEAD;
	rc = mde__cvd_head_parse(buf, MDE__CVD_HEAD, &c->head, why, n);
	if (rc == MDE_OK && type != MDE__CVD_CLD)
		rc = check_md5(c, body, bl, why, n);
	if (rc == MDE_OK && bl >= 2 && body[0] == 0x1f && body[1] == 0x8b) {
		rc = gunzip_whole(c, body, bl, lim->max_total, why, n);
		if (rc == 1)
			rc = gunzip(c, body, bl, lim->max_total, why, n);
	} else if (rc == MDE_OK && lim->max_total && bl > lim->max_total)
		rc = fail(why, n, "%zu bytes of tar, more than the "
			  "limit of %llu", bl, (unsigned long long)
			  lim->max_total);
	if (rc == MDE_OK && !c->tar_owned)
		c->unpacked = bl;
	tar = c->tar_owned ? c->tar_owned : body;
	if (rc == MDE_OK)
		rc = tar_walk(c, tar, (size_t)c->unpacked, lim, &sp, why, n);
	if (rc == MDE_OK && !sp.info)
		rc = fail(why, n, "no .info member");
	if (rc == MDE_OK)
		rc = check_info(c, &sp, why, n);
	if (rc != MDE_OK) {
		int hit = c->limit_hit;

		mde__cvd_close(c);
		c->limit_hit = hit;
	}
	return rc;
}

void mde__cvd_close(mde__cvd *c)
{
	free(c->tar_owned);
	free(c->m);
	memset(c, 0, sizeof(*c));
}
