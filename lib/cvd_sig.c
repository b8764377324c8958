/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvd_sig.c - the signatures of ClamAV's databases, checked as ClamAV
 * checks them (cvd.h).
 *
 * ClamAV writes a signature as a number in base 64, least significant
 * digit first, with its own digit order (a-z A-Z 0-9 + /).  The header's
 * signature is textbook RSA of the MD5 (no padding: the number raised to
 * e must be the MD5 itself); the .info's is PSS-encoded SHA-256 with
 * MGF1-SHA-256 and a 32-byte salt (info_ok() says why it is decoded here
 * rather than by OpenSSL's PSS check).  The
 * keys below are the public keys ClamAV publishes in its source
 * (libclamav/dsig.c and readdb.c), as numbers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "mde_int.h"
#include "cvd.h"
#include "banned.h"

const struct mde__cvd_keys mde__cvd_clamav_keys = {
	.legacy_n = "1186409955516453426030700016584531897515277744120277437"
		    "4659940574324314260746414476736106064065584474976078889"
		    "0022283424922762488917565551002467771109669598189410434"
		    "6990345322322286215910895081785914284562207968416216371"
		    "7556759047666692869877014332813738395282038319753204777"
		    "1780196576957695822641224262693037",
	.legacy_e = "100001027",
	.info_n = "11088894983048545473659556106627194923928941791795047620"
		  "59165869741358104332271591217249680652538105588096452061"
		  "84002243333205346602992339837553417406795028668299096799"
		  "55734391392668378361221524205396631090105151641270857277"
		  "08031073432095165370050894171741916872394250789070290470"
		  "27075874516216910507543078503833998653464872037984641785"
		  "37392211402786481359824461197231102895415093770394216666"
		  "32448459393576240846851682663319214082666792349482204580"
		  "53478099328484548458869717064243605586678627758760720594"
		  "37703365380209101697738577515476935085469455279994113145"
		  "97799408461832848215101314239337331633751997724473274797"
		  "7",
	.info_e = "100002049",
};

/* The value of one of ClamAV's signature digits, or -1. */
static int sig_digit(char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a';
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* The number a signature s[0..len) writes (first digit least
 * significant), or NULL if a character is not a digit. */
static BIGNUM *sig_number(const char *s, size_t len)
{
	BIGNUM *v = BN_new();
	size_t i = len;
	int d;

	while (v && i-- > 0) {
		d = sig_digit(s[i]);
		if (d < 0 || !BN_lshift(v, v, 6) ||
		    !BN_add_word(v, (BN_ULONG)d)) {
			BN_free(v);
			v = NULL;
		}
	}
	return v;
}

/*
 * sig^e mod n for the decimal key (n_dec, e_dec), written big-endian into
 * out[0..len); 0 if the signature is no number below n or the result does
 * not fit.  BN_mod_exp and not EVP: ClamAV's schemes are textbook RSA
 * and a PSS variant OpenSSL does not verify as is (see info_ok()).
 */
static int rsa_raw(const char *sig, size_t sl, const char *n_dec,
		   const char *e_dec, uint8_t *out, int len)
{
	BIGNUM *s = sig_number(sig, sl), *n = NULL, *e = NULL, *m = BN_new();
	BN_CTX *bc = BN_CTX_new();
	int ok = 0;

	if (s && m && bc && BN_dec2bn(&n, n_dec) && BN_dec2bn(&e, e_dec) &&
	    BN_cmp(s, n) < 0 && BN_mod_exp(m, s, e, n, bc))
		ok = BN_bn2binpad(m, out, len) == len;
	BN_free(s);
	BN_free(n);
	BN_free(e);
	BN_free(m);
	BN_CTX_free(bc);
	return ok;
}

/* The header's signature: raised to e, it must be the MD5 itself.
 * ClamAV keeps only the low 16 bytes; all of it must match here. */
static int legacy_ok(const struct mde__cvd_head *h,
		     const struct mde__cvd_keys *k)
{
	uint8_t m[1024 / 8], want[16];
	size_t i;

	if (mde__unhex(h->md5, 16, want) != -1 ||
	    !rsa_raw(h->dsig, strlen(h->dsig), k->legacy_n, k->legacy_e, m,
		     (int)sizeof(m)))
		return 0;
	for (i = 0; i < sizeof(m) - 16; i++)
		if (m[i])
			return 0;
	return memcmp(m + sizeof(m) - 16, want, 16) == 0;
}

#define EM 256             /* the .info key's 2048-bit block */
#define HL 32              /* SHA-256 */
#define DBL (EM - HL - 1)  /* the masked block before the hash */

/* MGF1 with SHA-256 (RFC 8017 B.2.1): DBL bytes of mask from the seed.
 * Written out: OpenSSL 3 deprecates its PKCS1_MGF1(). */
static int mgf1(uint8_t *mask, const uint8_t *seed)
{
	uint8_t in[HL + 4], out[HL];
	uint32_t i;

	memcpy(in, seed, HL);
	for (i = 0; i * HL < DBL; i++) {
		in[HL] = (uint8_t)(i >> 24);
		in[HL + 1] = (uint8_t)(i >> 16);
		in[HL + 2] = (uint8_t)(i >> 8);
		in[HL + 3] = (uint8_t)i;
		if (!EVP_Digest(in, sizeof(in), out, NULL, EVP_sha256(), NULL))
			return 0;
		memcpy(mask + i * HL, out,
		       DBL - i * HL < HL ? DBL - i * HL : HL);
	}
	return 1;
}

/*
 * The .info's DSIG: PSS-encoded SHA-256 with a 32-byte salt, decoded as
 * ClamAV does: its key's modulus has 2047 bits, but the block is taken as
 * 256 bytes with only the top bit cleared, which OpenSSL's PSS check
 * (two bits for that modulus) would refuse.  Unlike ClamAV, the bytes
 * before the salt's 0x01 must be zeros, as PSS writes them.
 */
static int info_ok(const mde__cvd *c, const struct mde__cvd_keys *k)
{
	uint8_t em[EM], db[DBL], mp[8 + 2 * HL] = { 0 }, h[HL];
	size_t i;

	if (!rsa_raw(c->dsig2, c->dsig2_len, k->info_n, k->info_e, em, EM) ||
	    em[EM - 1] != 0xbc ||
	    !mgf1(db, em + DBL))
		return 0;
	for (i = 0; i < DBL; i++)
		db[i] ^= em[i];
	db[0] &= 0x7f;
	for (i = 0; i < DBL - HL - 1; i++)
		if (db[i])
			return 0;
	if (db[DBL - HL - 1] != 0x01)
		return 0;
	memcpy(mp + 8, c->info_sha256, HL);
	memcpy(mp + 8 + HL, db + DBL - HL, HL);
	if (!EVP_Digest(mp, sizeof(mp), h, NULL, EVP_sha256(), NULL))
		return 0;
	return memcmp(h, em + DBL, HL) == 0;
}

int mde__cvd_verify(const mde__cvd *c, const struct mde__cvd_keys *k,
		    char *why, size_t n)
{
	if (c->type == MDE__CVD_CUD)
		return MDE_OK;
	if (c->type == MDE__CVD_CVD && !legacy_ok(&c->head, k)) {
		snprintf(why, n, "the header's signature does not verify "
			 "with ClamAV's key");
		return MDE_ERR_SIG;
	}
	if (!c->dsig2) {
		snprintf(why, n, "the .info has no DSIG line (an official "
			 "database is signed)");
		return MDE_ERR_SIG;
	}
	if (!info_ok(c, k)) {
		snprintf(why, n, "the .info's DSIG does not verify with "
			 "ClamAV's key");
		return MDE_ERR_SIG;
	}
	return MDE_OK;
}
