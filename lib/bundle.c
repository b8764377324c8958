/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle.c - reading, checking, writing and signing definitions bundles
 * (layout in bundle.h and mdescan-bundle(5)).
 *
 * Reading never trusts a field before checking it against the bytes that
 * are really there: the fuzz harness (tests/fuzz/fuzz_bundle.c) feeds
 * mde__bundle_parse() without a signature.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4frame.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mde_int.h"
#include "bundle.h"
#include "banned.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void sha256(const void *a, size_t alen, const void *b, size_t blen,
		   uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	memset(out, 0, 32);
	if (!c)
		return;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, a, alen) == 1 &&
	    (!blen || EVP_DigestUpdate(c, b, blen) == 1))
		EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
}

void mde__key_id(const uint8_t pub[32], uint8_t id[8])
{
	uint8_t d[32];

	sha256(pub, 32, NULL, 0, d);
	memcpy(id, d, 8);
}

/* ------------------------------------------------------------- reading */

static void parse_header(const uint8_t *p, mde__bhdr *h)
{
	memset(h, 0, sizeof(*h));
	h->format = get32(p + 8);
	h->flags = get32(p + 12);
	h->version = get64(p + 16);
	h->base_version = get64(p + 24);
	h->created = get64(p + 32);
	memcpy(h->key_id, p + 40, 8);
	memcpy(h->min_engine, p + 48, 16);
	memcpy(h->base_digest, p + 64, 32);
	h->nparts = get32(p + 96);
	h->total = get64(p + 104);
}

static int bad(mde__bundle *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(mde__bundle *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	return MDE_ERR_FORMAT;
}

static int parse_entry(mde__bundle *b, const uint8_t *e, mde__bpart *p,
		       uint64_t data_start)
{
	if (!memchr(e, 0, MDE__B_NAME) || e[0] == 0)
		return bad(b, "manifest: a part name is empty or not terminated");
	memcpy(p->name, e, MDE__B_NAME);
	p->name[MDE__B_NAME] = '\0';
	p->type = get32(e + 48);
	p->enc = get32(e + 52);
	p->off = get64(e + 56);
	p->stored = get64(e + 64);
	p->size = get64(e + 72);
	memcpy(p->sha256, e + 80, 32);
	p->count = get64(e + 112);
	if (p->type < MDE__P_HASHTAB || p->type > MDE__P_CLAMNOTE)
		return bad(b, "part '%s': unknown type %u", p->name, p->type);
	if (p->enc > MDE__E_LZ4)
		return bad(b, "part '%s': unknown encoding %u", p->name, p->enc);
	if (p->off % MDE__B_ALIGN || p->off < data_start || p->off > b->len ||
	    p->stored > b->len - p->off)
		return bad(b, "part '%s': outside the file (offset %llu, %llu "
			   "bytes)", p->name, (unsigned long long)p->off,
			   (unsigned long long)p->stored);
	if (p->size > MDE__B_MAX_PART ||
	    (p->enc == MDE__E_STORED && p->size != p->stored))
		return bad(b, "part '%s': bad size %llu", p->name,
			   (unsigned long long)p->size);
	return MDE_OK;
}

static int cmp_off(const void *x, const void *y)
{
	const mde__bpart *a = x, *b = y;

	return (a->off > b->off) - (a->off < b->off);
}

/* True if buf[from..to) is all zero (or when only the head is here). */
static int zero_gap(const mde__bundle *b, uint64_t from, uint64_t to,
		    size_t have)
{
	uint64_t i;

	for (i = from; i < to && i < have; i++)
		if (b->buf[i])
			return 0;
	return 1;
}

/*
 * Parts may not overlap, the padding between them is zero (no byte of a
 * bundle escapes the signature), nothing follows the last, and names are
 * unique.
 */
static int check_layout(mde__bundle *b, uint64_t mend, size_t have)
{
	size_t n = b->h.nparts, i, j;
	mde__bpart *s = malloc((n ? n : 1) * sizeof(*s));
	uint64_t at = mend;
	int rc = MDE_OK;

	if (!s)
		return MDE_ERR_NOMEM;
	memcpy(s, b->parts, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_off);
	for (i = 0; i < n && rc == MDE_OK; i++) {
		if (at > s[i].off)
			rc = bad(b, "part '%s' overlaps another", s[i].name);
		else if (!zero_gap(b, at, s[i].off, have))
			rc = bad(b, "non-zero bytes between parts");
		at = s[i].off + s[i].stored;
	}
	if (rc == MDE_OK && at != b->len)
		rc = bad(b, "%llu bytes after the last part",
			 (unsigned long long)(b->len - at));
	free(s);
	if (rc != MDE_OK)
		return rc;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n && n <= 512; j++)
			if (!strcmp(b->parts[i].name, b->parts[j].name))
				return bad(b, "part '%s' appears twice",
					   b->parts[i].name);
	return MDE_OK;
}

static int check_digests(mde__bundle *b)
{
	uint8_t d[32];
	size_t i;
	int badi = -1;

	/* threads only pay for big bundles: starting the team costs more
	 * than hashing a few kilobytes */
#pragma omp parallel for schedule(dynamic, 1) private(d) \
	if (b->len > (4u << 20))
	for (i = 0; i < b->h.nparts; i++) {
		const mde__bpart *p = &b->parts[i];

		sha256(b->buf + p->off, p->stored, NULL, 0, d);
		if (memcmp(d, p->sha256, 32) != 0) {
#pragma omp critical
			badi = (int)i;
		}
	}
	if (badi >= 0)
		return bad(b, "part '%s': SHA-256 does not match the manifest "
			   "(damaged or tampered)", b->parts[badi].name);
	return MDE_OK;
}

/* Header and manifest from buf[0..have), for a file of len bytes. */
static int parse_head(mde__bundle *b, const uint8_t *p, size_t have,
		      size_t len)
{
	uint64_t mend;
	size_t i;
	int rc;

	b->len = len;
	if (have < MDE__B_HDR + MDE__B_SIG)
		return bad(b, "truncated: %zu bytes, a bundle header needs %d",
			   len, MDE__B_HDR + MDE__B_SIG);
	if (memcmp(p, MDE__B_MAGIC, 8) != 0)
		return bad(b, "not an mdescan definitions bundle (bad magic)");
	parse_header(p, &b->h);
	if (b->h.format != MDE__B_FORMAT)
		return bad(b, "bundle format %u is not supported (this engine "
			   "reads %d)", b->h.format, MDE__B_FORMAT);
	if (have == len && b->h.total != len)
		return bad(b, "truncated or extended: the header says %llu "
			   "bytes, the file has %zu",
			   (unsigned long long)b->h.total, len);
	if (!memchr(b->h.min_engine, 0, 17) || b->h.flags & ~MDE__B_FLAG_DELTA)
		return bad(b, "bad header fields");
	if (b->h.nparts > MDE__B_MAX_PARTS)
		return bad(b, "%u parts (at most %d)", b->h.nparts,
			   MDE__B_MAX_PARTS);
	mend = MDE__B_HDR + MDE__B_SIG + (uint64_t)b->h.nparts * MDE__B_ENTRY;
	if (mend > have || mend > len)
		return bad(b, "truncated in the manifest");
	b->parts = calloc(b->h.nparts ? b->h.nparts : 1, sizeof(*b->parts));
	if (!b->parts)
		return MDE_ERR_NOMEM;
	for (i = 0; i < b->h.nparts; i++) {
		rc = parse_entry(b, p + MDE__B_HDR + MDE__B_SIG +
					    i * MDE__B_ENTRY,
				 &b->parts[i], mend);
		if (rc != MDE_OK)
			return rc;
	}
	sha256(p, MDE__B_HDR, p + MDE__B_HDR + MDE__B_SIG,
	       (size_t)(mend - MDE__B_HDR - MDE__B_SIG), b->digest);
	return check_layout(b, mend, have);
}

int mde__bundle_parse(mde__bundle *b, const void *buf, size_t len)
{
	int rc;

	b->buf = buf;
	rc = parse_head(b, buf, len, len);
	return rc == MDE_OK ? mde__bundle_check_parts(b) : rc;
}

int mde__bundle_check_parts(mde__bundle *b)
{
	int rc = b->parts_checked ? MDE_OK : check_digests(b);

	b->parts_checked = rc == MDE_OK;
	return rc;
}

int mde__bundle_parse_head(mde__bundle *b, const void *head, size_t hlen)
{
	const uint8_t *p = head;

	b->buf = head;
	if (hlen < MDE__B_HDR + MDE__B_SIG || memcmp(p, MDE__B_MAGIC, 8))
		return bad(b, "not a bundle head");
	parse_header(p, &b->h);
	if (b->h.total > SIZE_MAX || (uint64_t)hlen != MDE__B_HDR +
	    MDE__B_SIG + (uint64_t)b->h.nparts * MDE__B_ENTRY)
		return bad(b, "bad bundle head");
	return parse_head(b, p, hlen, (size_t)b->h.total);
}

static int open_map(mde__bundle *b, const char *path, int parts)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	memset(b, 0, sizeof(*b));
	if (fd < 0) {
		snprintf(b->err, sizeof(b->err), "cannot open '%s': %s", path,
			 strerror(errno));
		return MDE_ERR_IO;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		snprintf(b->err, sizeof(b->err), "'%s': %s", path,
			 st.st_size == 0 ? "empty file" : "not a regular file");
		close(fd);
		return MDE_ERR_FORMAT;
	}
	/* populated only when every part will be hashed anyway; a stamped
	 * load touches just the pages it uses */
	m = mmap(NULL, (size_t)st.st_size, PROT_READ,
		 MAP_PRIVATE | (parts ? MAP_POPULATE : 0), fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		snprintf(b->err, sizeof(b->err), "'%s': %s", path,
			 strerror(errno));
		return MDE_ERR_IO;
	}
	b->map = m;
	b->id[0] = (uint64_t)st.st_dev;
	b->id[1] = (uint64_t)st.st_ino;
	b->id[2] = (uint64_t)st.st_size;
	b->id[3] = (uint64_t)st.st_mtim.tv_sec * 1000000000u +
		   (uint64_t)st.st_mtim.tv_nsec;
	b->id[4] = (uint64_t)st.st_ctim.tv_sec * 1000000000u +
		   (uint64_t)st.st_ctim.tv_nsec;
	b->buf = m;
	rc = parse_head(b, m, (size_t)st.st_size, (size_t)st.st_size);
	if (rc == MDE_OK && parts)
		rc = mde__bundle_check_parts(b);
	b->len = (size_t)st.st_size;
	if (rc != MDE_OK) {
		char why[300];

		snprintf(why, sizeof(why), "%.290s", b->err);
		snprintf(b->err, sizeof(b->err), "'%.200s': %s", path, why);
	}
	return rc;
}

int mde__bundle_open(mde__bundle *b, const char *path)
{
	return open_map(b, path, 1);
}

int mde__bundle_open_head(mde__bundle *b, const char *path)
{
	return open_map(b, path, 0);
}

static void stamp_line(const mde__bundle *b, char *out, size_t n)
{
	char hexd[65];

	mde__hex(b->digest, 32, hexd);
	snprintf(out, n, "mdescan-verified 1 %s %llu %llu %llu %llu %llu\n",
		 hexd, (unsigned long long)b->id[0],
		 (unsigned long long)b->id[1], (unsigned long long)b->id[2],
		 (unsigned long long)b->id[3], (unsigned long long)b->id[4]);
}

int mde__stamp_write(const mde__bundle *b, const char *path)
{
	char p[4200], line[256];

	if (!b->parts_checked || !b->map)
		return MDE_ERR_STATE;
	snprintf(p, sizeof(p), "%s.verified", path);
	stamp_line(b, line, sizeof(line));
	return mde__write_atomic(p, line, strlen(line)) == 0 ? MDE_OK
							     : MDE_ERR_IO;
}

int mde__stamp_ok(const mde__bundle *b, const char *path)
{
	char p[4200], want[256], have[256] = "";
	FILE *fp;
	int ok;

	snprintf(p, sizeof(p), "%s.verified", path);
	if (!b->map || !(fp = fopen(p, "r")))
		return 0;
	ok = fgets(have, sizeof(have), fp) != NULL;
	fclose(fp);
	stamp_line(b, want, sizeof(want));
	return ok && strcmp(have, want) == 0;
}

void mde__bundle_close(mde__bundle *b)
{
	if (!b)
		return;
	if (b->map)
		munmap(b->map, b->len);
	free(b->owned);
	free(b->parts);
	b->map = b->owned = NULL;
	b->parts = NULL;
}

int mde__bundle_verify(mde__bundle *b, const uint8_t (*pubs)[32], size_t n)
{
	uint8_t id[8];
	size_t i, mlen = (size_t)b->h.nparts * MDE__B_ENTRY;
	uint8_t *msg;
	int ok = 0;

	for (i = 0; i < n; i++) {
		mde__key_id(pubs[i], id);
		if (memcmp(id, b->h.key_id, 8) == 0)
			break;
	}
	if (i == n) {
		char kid[17];

		mde__hex(b->h.key_id, 8, kid);
		snprintf(b->err, sizeof(b->err), "signed by key %s, which is "
			 "not a trusted key", kid);
		return MDE_ERR_SIG;
	}
	msg = malloc(MDE__B_HDR + mlen);
	if (!msg)
		return MDE_ERR_NOMEM;
	memcpy(msg, b->buf, MDE__B_HDR);
	memcpy(msg + MDE__B_HDR, b->buf + MDE__B_HDR + MDE__B_SIG, mlen);
	{
		EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519,
							 NULL, pubs[i], 32);
		EVP_MD_CTX *c = EVP_MD_CTX_new();

		ok = k && c &&
		     EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
		     EVP_DigestVerify(c, b->buf + MDE__B_HDR, MDE__B_SIG, msg,
				      MDE__B_HDR + mlen) == 1;
		EVP_MD_CTX_free(c);
		EVP_PKEY_free(k);
	}
	free(msg);
	if (!ok) {
		snprintf(b->err, sizeof(b->err),
			 "bad signature (damaged, tampered or not signed)");
		return MDE_ERR_SIG;
	}
	return MDE_OK;
}

const mde__bpart *mde__bundle_find(const mde__bundle *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->h.nparts; i++)
		if (strcmp(b->parts[i].name, name) == 0)
			return &b->parts[i];
	return NULL;
}

/* Decodes an LZ4 frame that must give exactly want bytes. */
static int lz4_decode(const uint8_t *src, size_t slen, uint8_t *dst,
		      size_t want)
{
	LZ4F_dctx *dc;
	size_t in = slen, out = want, r;
	int ok;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dc, LZ4F_VERSION)))
		return MDE_ERR_NOMEM;
	r = LZ4F_decompress(dc, dst, &out, src, &in, NULL);
	ok = !LZ4F_isError(r) && r == 0 && in == slen && out == want;
	LZ4F_freeDecompressionContext(dc);
	return ok ? MDE_OK : MDE_ERR_FORMAT;
}

int mde__bundle_part(mde__bundle *b, const mde__bpart *p, const uint8_t **out,
		     void **tofree)
{
	uint8_t *d;

	*tofree = NULL;
	if (p->enc == MDE__E_STORED) {
		*out = b->buf + p->off;
		return MDE_OK;
	}
	d = malloc(p->size ? (size_t)p->size : 1);
	if (!d)
		return MDE_ERR_NOMEM;
	if (lz4_decode(b->buf + p->off, (size_t)p->stored, d,
		       (size_t)p->size) != MDE_OK) {
		free(d);
		snprintf(b->err, sizeof(b->err),
			 "part '%s': bad LZ4 data", p->name);
		return MDE_ERR_FORMAT;
	}
	*out = d;
	*tofree = d;
	return MDE_OK;
}

/* Reads the Ed25519 key (private when priv, else public) of the PEM file
 * at path into *out, and its raw public key into pub.  MDE_OK, or
 * MDE_ERR_IO or MDE_ERR_FORMAT with the reason in err. */
static int read_key(const char *path, int priv, EVP_PKEY **out,
		    uint8_t pub[32], char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *k;
	size_t n = 32;

	*out = NULL;
	if (!fp) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 strerror(errno));
		return MDE_ERR_IO;
	}
	k = priv ? PEM_read_PrivateKey(fp, NULL, NULL, NULL)
		 : PEM_read_PUBKEY(fp, NULL, NULL, NULL);
	fclose(fp);
	if (k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 &&
	    EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == 32) {
		*out = k;
		return MDE_OK;
	}
	snprintf(err, errlen, "'%s': not an Ed25519 %s key (PEM)", path,
		 priv ? "private" : "public");
	EVP_PKEY_free(k);
	return MDE_ERR_FORMAT;
}

int mde__key_read_pub(const char *path, uint8_t pub[32], char *err,
		      size_t errlen)
{
	EVP_PKEY *k;
	int rc = read_key(path, 0, &k, pub, err, errlen);

	EVP_PKEY_free(k);
	return rc;
}

/* ------------------------------------------------------------- writing */

struct wpart {
	mde__bpart p;
	uint8_t *stored;
};

struct mde__bwriter {
	struct wpart *v;
	size_t n, cap;
};

mde__bwriter *mde__bwriter_new(void)
{
	return calloc(1, sizeof(mde__bwriter));
}

void mde__bwriter_free(mde__bwriter *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++)
		free(w->v[i].stored);
	free(w->v);
	free(w);
}

static struct wpart *wnew(mde__bwriter *w, const char *name)
{
	struct wpart *p;

	if (strlen(name) >= MDE__B_NAME || !*name ||
	    mde__grow((void **)&w->v, &w->cap, w->n + 1, sizeof(*w->v)))
		return NULL;
	p = &w->v[w->n];
	memset(p, 0, sizeof(*p));
	snprintf(p->p.name, sizeof(p->p.name), "%s", name);
	return p;
}

/* LZ4 frame of buf, or NULL when it would not be smaller. */
static uint8_t *lz4_encode(const void *buf, size_t len, size_t *olen)
{
	LZ4F_preferences_t pr = { 0 };
	size_t cap, r;
	uint8_t *o;

	pr.compressionLevel = 9; /* LZ4 HC: built once, read everywhere */
	pr.frameInfo.contentSize = len;
	cap = LZ4F_compressFrameBound(len, &pr);
	o = malloc(cap);
	if (!o)
		return NULL;
	r = LZ4F_compressFrame(o, cap, buf, len, &pr);
	if (LZ4F_isError(r) || r >= len) {
		free(o);
		return NULL;
	}
	*olen = r;
	return o;
}

int mde__bwriter_add(mde__bwriter *w, const char *name, uint32_t type,
		     uint32_t enc, const void *buf, size_t len, uint64_t count)
{
	struct wpart *p = wnew(w, name);
	size_t clen = 0;

	if (!p)
		return MDE_ERR_ARG;
	p->p.type = type;
	p->p.size = len;
	p->p.count = count;
	p->stored = enc == MDE__E_LZ4 && len ? lz4_encode(buf, len, &clen)
					     : NULL;
	if (p->stored) {
		p->p.enc = MDE__E_LZ4;
		p->p.stored = clen;
	} else {
		p->stored = malloc(len ? len : 1);
		if (!p->stored)
			return MDE_ERR_NOMEM;
		memcpy(p->stored, buf, len);
		p->p.enc = MDE__E_STORED;
		p->p.stored = len;
	}
	sha256(p->stored, (size_t)p->p.stored, NULL, 0, p->p.sha256);
	w->n++;
	return MDE_OK;
}

int mde__bwriter_add_raw(mde__bwriter *w, const mde__bpart *src,
			 const void *stored)
{
	struct wpart *p = wnew(w, src->name);

	if (!p)
		return MDE_ERR_ARG;
	p->p = *src;
	p->stored = malloc(src->stored ? (size_t)src->stored : 1);
	if (!p->stored)
		return MDE_ERR_NOMEM;
	memcpy(p->stored, stored, (size_t)src->stored);
	w->n++;
	return MDE_OK;
}

static void put_entry(uint8_t *e, const mde__bpart *p)
{
	memset(e, 0, MDE__B_ENTRY);
	memcpy(e, p->name, strlen(p->name));
	put32(e + 48, p->type);
	put32(e + 52, p->enc);
	put64(e + 56, p->off);
	put64(e + 64, p->stored);
	put64(e + 72, p->size);
	memcpy(e + 80, p->sha256, 32);
	put64(e + 112, p->count);
}

static void put_header(uint8_t *o, const mde__bhdr *h, size_t nparts,
		       uint64_t total)
{
	memcpy(o, MDE__B_MAGIC, 8);
	put32(o + 8, MDE__B_FORMAT);
	put32(o + 12, h->flags);
	put64(o + 16, h->version);
	put64(o + 24, h->base_version);
	put64(o + 32, h->created);
	memcpy(o + 40, h->key_id, 8);
	memcpy(o + 48, h->min_engine, strnlen(h->min_engine, 16));
	memcpy(o + 64, h->base_digest, 32);
	put32(o + 96, (uint32_t)nparts);
	put64(o + 104, total);
}

/* Signs msg with the PEM private key at path; fills the key id too. */
static int sign(const char *path, const uint8_t *msg, size_t len,
		uint8_t sig[64], uint8_t key_id[8], char *err, size_t errlen)
{
	EVP_PKEY *k;
	EVP_MD_CTX *c = NULL;
	uint8_t pub[32];
	size_t slen = 64;
	int rc = read_key(path, 1, &k, pub, err, errlen);

	if (rc != MDE_OK)
		return rc;
	rc = MDE_ERR_FORMAT;
	mde__key_id(pub, key_id);
	memcpy((uint8_t *)msg + 40, key_id, 8); /* the key id is signed */
	c = EVP_MD_CTX_new();
	if (c && EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(c, sig, &slen, msg, len) == 1 && slen == 64)
		rc = MDE_OK;
	else
		snprintf(err, errlen, "'%s': signing failed", path);
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return rc;
}

int mde__bwriter_finish(mde__bwriter *w, const mde__bhdr *h,
			const char *keypath, uint8_t **out, size_t *outlen,
			char *err, size_t errlen)
{
	uint64_t off = MDE__B_HDR + MDE__B_SIG + (uint64_t)w->n * MDE__B_ENTRY;
	size_t mlen = w->n * MDE__B_ENTRY, i;
	uint8_t *o, *msg, key_id[8];
	int rc;

	for (i = 0; i < w->n; i++) {
		off = (off + MDE__B_ALIGN - 1) & ~(uint64_t)(MDE__B_ALIGN - 1);
		w->v[i].p.off = off;
		off += w->v[i].p.stored;
	}
	o = calloc(1, (size_t)off);
	msg = malloc(MDE__B_HDR + mlen);
	if (!o || !msg) {
		free(o);
		free(msg);
		return MDE_ERR_NOMEM;
	}
	put_header(o, h, w->n, off);
	for (i = 0; i < w->n; i++) {
		put_entry(o + MDE__B_HDR + MDE__B_SIG + i * MDE__B_ENTRY,
			  &w->v[i].p);
		memcpy(o + w->v[i].p.off, w->v[i].stored,
		       (size_t)w->v[i].p.stored);
	}
	memcpy(msg, o, MDE__B_HDR);
	memcpy(msg + MDE__B_HDR, o + MDE__B_HDR + MDE__B_SIG, mlen);
	rc = sign(keypath, msg, MDE__B_HDR + mlen, o + MDE__B_HDR, key_id, err,
		  errlen);
	memcpy(o + 40, key_id, 8);
	free(msg);
	if (rc != MDE_OK) {
		free(o);
		return rc;
	}
	*out = o;
	*outlen = (size_t)off;
	return MDE_OK;
}
