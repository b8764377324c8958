/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf_crypt.c - the standard security handler of PDF (ISO 32000-1,
 * 7.6.3, and ISO 32000-2 for revision 6) with the empty user password:
 * revisions 2 to 4 (RC4 of 40 to 128 bits, AES-128 through crypt
 * filters) and 5 and 6 (AES-256).  A document whose user password is not
 * empty is not opened: readers would ask for it, and so do we (the
 * caller notes "encrypted").
 *
 * MD5, the SHA-2 family and AES come from OpenSSL's libcrypto (already a
 * dependency); RC4 is written here, as OpenSSL 3 keeps it in its legacy
 * provider, which a library must not load behind its caller's back.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pdf_int.h"
#include "banned.h"

enum { M_NONE, M_RC4, M_AES128, M_AES256 };

struct pcrypt {
	uint8_t key[32];
	size_t keylen;
	int stm, str;  /* methods of streams and strings */
	int eff;       /* of embedded files (/EFF, else /StmF) */
};

static const uint8_t pad[32] = {
	0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e,
	0x56, 0xff, 0xfa, 0x01, 0x08, 0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68,
	0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
};

/* ---------------------------------------------------------- RC4 */

static void rc4(const uint8_t *key, size_t klen, const uint8_t *in,
		uint8_t *out, size_t n)
{
	uint8_t s[256], t;
	unsigned i, j = 0, k;
	size_t x;

	for (i = 0; i < 256; i++)
		s[i] = (uint8_t)i;
	for (i = 0; i < 256; i++) {
		j = (j + s[i] + key[i % klen]) & 255;
		t = s[i], s[i] = s[j], s[j] = t;
	}
	for (x = 0, i = 0, j = 0; x < n; x++) {
		i = (i + 1) & 255;
		j = (j + s[i]) & 255;
		t = s[i], s[i] = s[j], s[j] = t;
		k = (s[i] + s[j]) & 255;
		out[x] = in[x] ^ s[k];
	}
}

/* ------------------------------------------------------- digests */

/* The digest md ("MD5", "SHA256" ...) of the parts, into out. */
static int digest(const char *md, const uint8_t *const *p,
		  const size_t *n, size_t k, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
	int ok = c && m && EVP_DigestInit_ex(c, m, NULL);
	size_t i;

	for (i = 0; ok && i < k; i++)
		ok = EVP_DigestUpdate(c, p[i], n[i]);
	ok = ok && EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_free(m);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/* AES-CBC without padding over n bytes (a multiple of 16); enc 1/0. */
static int aes_cbc(int enc, const uint8_t *key, size_t klen,
		   const uint8_t *iv, const uint8_t *in, size_t n,
		   uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	ok = c && EVP_CipherInit_ex(c, klen == 32 ? EVP_aes_256_cbc()
						    : EVP_aes_128_cbc(),
				    NULL, key, iv, enc) &&
	     EVP_CIPHER_CTX_set_padding(c, 0) &&
	     EVP_CipherUpdate(c, out, &l1, in, (int)n) &&
	     EVP_CipherFinal_ex(c, out + l1, &l2);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* -------------------------------------------- revisions 2 to 4 */

static const pobj *str_of(const pobj *d, const char *key, size_t min)
{
	const pobj *v = pdf_dget(d, key);

	return v && v->t == P_STR && v->n >= min ? v : NULL;
}

static int64_t int_of(const pobj *d, const char *key, int64_t def)
{
	const pobj *v = pdf_dget(d, key);

	return v && (v->t == P_INT || v->t == P_BOOL) ? v->i : def;
}

/* Algorithm 2: the file key of the empty password. */
static int key_r4(struct pcrypt *c, const pobj *enc, const pobj *id0,
		  int r)
{
	const pobj *o = str_of(enc, "O", 32);
	uint32_t perm = (uint32_t)int_of(enc, "P", 0);
	uint8_t p4[4] = { (uint8_t)perm, (uint8_t)(perm >> 8),
			  (uint8_t)(perm >> 16), (uint8_t)(perm >> 24) };
	static const uint8_t ff[4] = { 0xff, 0xff, 0xff, 0xff };
	const uint8_t *parts[5] = { pad, o ? o->s : NULL, p4,
				    id0 ? id0->s : pad, ff };
	size_t lens[5] = { 32, 32, 4, id0 ? id0->n : 0, 4 };
	uint8_t h[16];
	int i, meta = (int)int_of(enc, "EncryptMetadata", 1);

	if (!o)
		return -1;
	c->keylen = r == 2 ? 5 : (size_t)int_of(enc, "Length", 40) / 8;
	if (c->keylen < 5 || c->keylen > 16)
		c->keylen = r == 2 ? 5 : 16;
	if (digest("MD5", parts, lens, r >= 4 && !meta ? 5 : 4, h) < 0)
		return -1;
	for (i = 0; r >= 3 && i < 50; i++) {
		const uint8_t *pp[1] = { h };
		size_t ll[1] = { c->keylen };

		if (digest("MD5", pp, ll, 1, h) < 0)
			return -1;
	}
	memcpy(c->key, h, c->keylen);
	return 0;
}

/* Algorithms 4 and 5: is the empty string the user password? */
static int check_r4(const struct pcrypt *c, const pobj *enc,
		    const pobj *id0, int r)
{
	const pobj *u = str_of(enc, "U", 16);
	uint8_t h[32], k[16];
	const uint8_t *parts[2] = { pad, id0 ? id0->s : pad };
	size_t lens[2] = { 32, id0 ? id0->n : 0 }, j;
	int i;

	if (!u)
		return -1;
	if (r == 2) {
		rc4(c->key, c->keylen, pad, h, 32);
		return u->n >= 32 && !memcmp(h, u->s, 32) ? 0 : -1;
	}
	if (digest("MD5", parts, lens, 2, h) < 0)
		return -1;
	for (i = 0; i < 20; i++) {
		for (j = 0; j < c->keylen; j++)
			k[j] = (uint8_t)(c->key[j] ^ i);
		rc4(k, c->keylen, h, h, 16);
	}
	return !memcmp(h, u->s, 16) ? 0 : -1;
}

/* The method a crypt filter name of /CF stands for. */
static int cf_method(const pobj *enc, const pobj *fname, int r)
{
	const pobj *cf, *cfm;

	if (!fname || pdf_is_name(fname, "Identity"))
		return fname ? M_NONE : (r >= 5 ? M_AES256 : M_RC4);
	cf = pdf_dget(pdf_dget(enc, "CF"), (const char *)fname->s);
	cfm = pdf_dget(cf, "CFM");
	if (pdf_is_name(cfm, "AESV2"))
		return M_AES128;
	if (pdf_is_name(cfm, "AESV3"))
		return M_AES256;
	if (pdf_is_name(cfm, "None"))
		return M_NONE;
	return r >= 5 ? M_AES256 : M_RC4;
}

/* -------------------------------------------- revisions 5 and 6 */

/* Algorithm 2.B (ISO 32000-2): the hash of revision 6, of the empty
 * password and salt s (8 bytes), no user key. */
static int hash_r6(const uint8_t *s, uint8_t *out)
{
	static const char *const md[3] = { "SHA256", "SHA384", "SHA512" };
	uint8_t k[64], e[64 * 64];
	const uint8_t *p[1] = { s };
	size_t n[1] = { 8 }, klen = 32, i;
	int round, sum;

	if (digest("SHA256", p, n, 1, k) < 0)
		return -1;
	for (round = 0;; round++) {
		for (i = 0; i < 64; i++)
			memcpy(e + i * klen, k, klen);
		if (aes_cbc(1, k, 16, k + 16, e, 64 * klen, e) < 0)
			return -1;
		for (sum = 0, i = 0; i < 16; i++)
			sum += e[i];
		p[0] = e;
		n[0] = 64 * klen;
		klen = 32 + 16 * (size_t)(sum % 3);
		if (digest(md[sum % 3], p, n, 1, k) < 0)
			return -1;
		if (round >= 63 && e[64 * (n[0] / 64) - 1] <= round - 31)
			break;
	}
	memcpy(out, k, 32);
	return 0;
}

/* The hash of revision 5 or 6 of the empty password and salt s. */
static int hash_r56(int r, const uint8_t *s, uint8_t *out)
{
	const uint8_t *p[1] = { s };
	size_t n[1] = { 8 };

	return r == 5 ? digest("SHA256", p, n, 1, out) : hash_r6(s, out);
}

/* Algorithm 2.A: the file key from /U and /UE. */
static int key_r6(struct pcrypt *c, const pobj *enc, int r)
{
	const pobj *u = str_of(enc, "U", 48), *ue = str_of(enc, "UE", 32);
	uint8_t h[32], iv[16] = { 0 };

	if (!u || !ue || hash_r56(r, u->s + 32, h) < 0 ||
	    memcmp(h, u->s, 32) != 0)
		return -1;
	if (hash_r56(r, u->s + 40, h) < 0 ||
	    aes_cbc(0, h, 32, iv, ue->s, 32, c->key) < 0)
		return -1;
	c->keylen = 32;
	return 0;
}

/* -------------------------------------------------------- the API */

struct pcrypt *pdf_crypt_new(const pobj *enc, const pobj *id0)
{
	struct pcrypt *c;
	int r = (int)int_of(enc, "R", 0), v = (int)int_of(enc, "V", 0);

	if (!pdf_is_name(pdf_dget(enc, "Filter"), "Standard") || r < 2 ||
	    r > 6)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (r <= 4 ? key_r4(c, enc, id0, r) < 0 ||
			     check_r4(c, enc, id0, r) < 0
		   : key_r6(c, enc, r) < 0) {
		free(c);
		return NULL;
	}
	if (v >= 4) {
		c->stm = cf_method(enc, pdf_dget(enc, "StmF"), r);
		c->str = cf_method(enc, pdf_dget(enc, "StrF"), r);
		c->eff = pdf_dget(enc, "EFF")
				 ? cf_method(enc, pdf_dget(enc, "EFF"), r)
				 : c->stm;
	} else {
		c->stm = c->str = c->eff = M_RC4;
	}
	return c;
}

void pdf_crypt_free(struct pcrypt *c)
{
	if (c)
		OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

/* Algorithm 1: the key of object num/gen. */
static size_t obj_key(const struct pcrypt *c, uint32_t num, uint32_t gen,
		      int aes, uint8_t *k)
{
	uint8_t tail[9] = { (uint8_t)num, (uint8_t)(num >> 8),
			    (uint8_t)(num >> 16), (uint8_t)gen,
			    (uint8_t)(gen >> 8), 's', 'A', 'l', 'T' };
	const uint8_t *p[2] = { c->key, tail };
	size_t n[2] = { c->keylen, aes ? 9 : 5 };

	if (digest("MD5", p, n, 2, k) < 0)
		return 0;
	return c->keylen + 5 < 16 ? c->keylen + 5 : 16;
}

/* AES-CBC with the IV first and PKCS#7 padding (tolerated when bad). */
static int aes_data(const uint8_t *key, size_t klen, const uint8_t *in,
		    size_t len, uint8_t *out, size_t *outlen)
{
	size_t n = len < 16 ? 0 : (len - 16) & ~(size_t)15;

	*outlen = 0;
	if (!n)
		return 0;
	if (aes_cbc(0, key, klen, in, in + 16, n, out) < 0)
		return -1;
	if (out[n - 1] >= 1 && out[n - 1] <= 16)
		n -= out[n - 1];
	*outlen = n;
	return 0;
}

int pdf_decrypt(const struct pcrypt *c, uint32_t num, uint32_t gen,
		int stream, const uint8_t *in, size_t len, uint8_t **out,
		size_t *outlen)
{
	int m = stream == 2 ? c->eff : stream ? c->stm : c->str;
	uint8_t k[16], *o = malloc(len ? len : 1);
	size_t kl;
	int rc = 0;

	if (!o)
		return -1;
	*out = o;
	*outlen = len;
	if (m == M_NONE) {
		memcpy(o, in, len);
	} else if (m == M_AES256) {
		rc = aes_data(c->key, 32, in, len, o, outlen);
	} else if (!(kl = obj_key(c, num, gen, m == M_AES128, k))) {
		rc = -1;
	} else if (m == M_AES128) {
		rc = aes_data(k, 16, in, len, o, outlen);
	} else {
		rc = (rc4(k, kl, in, o, len), 0);
	}
	if (rc < 0) {
		free(o);
		*out = NULL;
	}
	return rc;
}
