/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cvd.c - ClamAV's database containers (lib/cvd.c): the header
 * parser, and a container refused for every byte flipped where the format
 * covers it, for every cut, and for each way its manifest can disagree
 * with its members; signatures made with test keys through ClamAV's
 * schemes verify, and fail with ClamAV's own keys and when damaged.
 * Containers are made here, in sigtool's layout (old tar headers, COPYING
 * then the .info first, no end blocks); .cvd and .cld are signed.  A .cud
 * through a signed bundle: checked on import, named, loaded once.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>
#include <zlib.h>

#include "mde_int.h"
#include "cvd.h"

#define TIME "07 Dec 2026 03-25 +0000"
#define STIME "1796613936"
#define NDB "Test.Sig-1:0:*:414243444546474849\n"
#define HDB "44d88612fea8a8f36de82e1278abb02f:68:Test.Hash\n"

struct mem {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct mem *m, const void *d, size_t n)
{
	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2 + 4096;
		m->p = realloc(m->p, m->cap);
		assert_non_null(m->p);
	}
	memcpy(m->p + m->n, d, n);
	m->n += n;
}

/* Where the last tar built has its headers (offsets in the tar). */
static size_t hdr_at[8], nhdr;

/* A member as sigtool writes it: name, octal size and checksum, type '0'. */
static void tar_add(struct mem *m, const char *name, const void *d, size_t n)
{
	uint8_t h[512] = { 0 }, zero[512] = { 0 };
	unsigned sum = 0;
	size_t i;

	if (nhdr < 8)
		hdr_at[nhdr++] = m->n;
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 124, 12, "%zo", n);
	h[156] = '0';
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	put(m, h, 512);
	put(m, d, n);
	put(m, zero, (512 - n % 512) % 512);
}

/* ------------------------------------------------------------ signing */

static EVP_PKEY *legacy_key, *info_key;
static struct mde__cvd_keys test_keys;

/* The decimal of the key's parameter name (freed at exit: leaked). */
static char *key_dec(EVP_PKEY *k, const char *name)
{
	BIGNUM *b = NULL;
	char *s;

	assert_int_equal(EVP_PKEY_get_bn_param(k, name, &b), 1);
	s = BN_bn2dec(b);
	BN_free(b);
	return s;
}

static int make_keys(void **state)
{
	(void)state;
	legacy_key = EVP_RSA_gen(1024);
	info_key = EVP_RSA_gen(2048);
	if (!legacy_key || !info_key)
		return -1;
	test_keys.legacy_n = key_dec(legacy_key, OSSL_PKEY_PARAM_RSA_N);
	test_keys.legacy_e = key_dec(legacy_key, OSSL_PKEY_PARAM_RSA_E);
	test_keys.info_n = key_dec(info_key, OSSL_PKEY_PARAM_RSA_N);
	test_keys.info_e = key_dec(info_key, OSSL_PKEY_PARAM_RSA_E);
	return 0;
}

/* Writes v in ClamAV's signature digits, least significant first. */
static void sig_text(BIGNUM *v, char *out, size_t cap)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
	size_t n = 0;

	while (!BN_is_zero(v) && n + 1 < cap)
		out[n++] = digits[BN_div_word(v, 64)];
	out[n] = '\0';
}

/* The header's signature of md5 (hex): md5^d mod n, textbook RSA. */
static void sign_legacy(const char *md5, char *out, size_t cap)
{
	BIGNUM *m = NULL, *d = NULL, *n = NULL, *s = BN_new();
	BN_CTX *bc = BN_CTX_new();

	assert_int_equal(BN_hex2bn(&m, md5), 32);
	assert_int_equal(EVP_PKEY_get_bn_param(legacy_key,
					       OSSL_PKEY_PARAM_RSA_D, &d), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(legacy_key,
					       OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(BN_mod_exp(s, m, d, n, bc), 1);
	sig_text(s, out, cap);
	BN_free(m);
	BN_free(d);
	BN_free(n);
	BN_free(s);
	BN_CTX_free(bc);
}

/* The .info's DSIG of text[0..len): RSASSA-PSS, SHA-256, 32-byte salt. */
static void sign_info(const void *text, size_t len, char *out, size_t cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(info_key, NULL);
	uint8_t md[32], sig[256];
	size_t sl = sizeof(sig);
	BIGNUM *v;

	EVP_Digest(text, len, md, NULL, EVP_sha256(), NULL);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(
				 ctx, RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &sl, md, 32), 1);
	v = BN_bin2bn(sig, (int)sl, NULL);
	sig_text(v, out, cap);
	BN_free(v);
	EVP_PKEY_CTX_free(ctx);
}

/* ------------------------------------------------------------ building */

/* What a test changes in the container it builds. */
struct mut {
	const char *unlisted;   /* member left out of the .info */
	const char *phantom;    /* listed in the .info, not in the tar */
	const char *bad_size;   /* listed with a size one too big */
	const char *bad_sha;    /* listed with another SHA-256 */
	const char *extra;      /* a second copy of this member */
	unsigned info_version;  /* the .info header's version, if not 7 */
	int no_info;
	int empty_info;         /* a .info of no bytes and no members: else
				   nothing would check the header */
	int unsigned_;          /* a .cvd or .cld without signatures */
};

static void info_line(struct mem *info, const char *name, const char *d,
		      const struct mut *mu)
{
	uint8_t md[32];
	char hex[65], line[300];

	if (mu->unlisted && strcmp(mu->unlisted, name) == 0)
		return;
	EVP_Digest(d, strlen(d), md, NULL, EVP_sha256(), NULL);
	if (mu->bad_sha && strcmp(mu->bad_sha, name) == 0)
		md[0] ^= 1;
	mde__hex(md, 32, hex);
	snprintf(line, sizeof(line), "%s:%zu:%s\n", name,
		 strlen(d) + (mu->bad_size && !strcmp(mu->bad_size, name)),
		 hex);
	put(info, line, strlen(line));
}

static void gz(struct mem *out, const struct mem *in)
{
	z_stream z = { 0 };
	uLong cap = compressBound(in->n) + 64;

	out->p = malloc(cap);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = in->p;
	z.avail_in = (uInt)in->n;
	z.next_out = out->p;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->n = z.total_out;
	deflateEnd(&z);
}

/* The tar of x.hdb and x.ndb with COPYING and a .info as mu says. */
static void build_tar(struct mem *tar, const struct mut *mu)
{
	struct mem info = { 0 };
	char head[200];

	snprintf(head, sizeof(head), "ClamAV-VDB:" TIME ":%u:2:216:X:X:"
		 "tester:" STIME "\n", mu->info_version ? mu->info_version
							: 7);
	put(&info, head, strlen(head));
	info_line(&info, "x.hdb", HDB, mu);
	info_line(&info, "x.ndb", NDB, mu);
	if (mu->phantom)
		info_line(&info, mu->phantom, "gone\n", mu);
	if (!mu->unsigned_) {
		char sig[400], line[420];

		sign_info(info.p, info.n, sig, sizeof(sig));
		snprintf(line, sizeof(line), "DSIG:%s\n", sig);
		put(&info, line, strlen(line));
	}
	tar_add(tar, "COPYING", "test copying\n", 13);
	if (!mu->no_info)
		tar_add(tar, "x.info", info.p, mu->empty_info ? 0 : info.n);
	if (!mu->empty_info) {
		tar_add(tar, "x.hdb", HDB, strlen(HDB));
		tar_add(tar, "x.ndb", NDB, strlen(NDB));
	}
	if (mu->extra)
		tar_add(tar, mu->extra, "Extra.Sig:0:*:4142\n", 19);
	free(info.p);
}

/* A whole container of the given type, gzip-compressed if gzipped. */
static struct mem build(int type, int gzipped, const struct mut *mu)
{
	struct mem tar = { 0 }, body = { 0 }, out = { 0 };
	struct mut m = *mu;
	uint8_t md[16];
	char md5[33] = "X", head[513], dsig[200] = "X";

	m.unsigned_ |= type == MDE__CVD_CUD;
	nhdr = 0;
	build_tar(&tar, &m);
	if (gzipped)
		gz(&body, &tar);
	else
		body = tar, tar.p = NULL;
	if (type != MDE__CVD_CLD) {
		EVP_Digest(body.p, body.n, md, NULL, EVP_md5(), NULL);
		mde__hex(md, 16, md5);
	}
	if (type == MDE__CVD_CVD && !m.unsigned_)
		sign_legacy(md5, dsig, sizeof(dsig));
	snprintf(head, sizeof(head), "ClamAV-VDB:" TIME ":7:2:216:%s:%s:"
		 "tester:" STIME, md5, dsig);
	memset(head + strlen(head), ' ', 512 - strlen(head));
	put(&out, head, 512);
	put(&out, body.p, body.n);
	free(tar.p);
	free(body.p);
	return out;
}

static const struct mde__cvd_limits nolim = { 0 };

/* Opens buf as type and checks its signatures with the test keys; the
 * status, the reason in why. */
static int try(int type, const uint8_t *buf, size_t len,
	       const struct mde__cvd_limits *lim, char *why)
{
	mde__cvd c;
	int rc = mde__cvd_open(&c, type, buf, len, lim, why, 300);

	if (rc == MDE_OK) {
		rc = mde__cvd_verify(&c, &test_keys, why, 300);
		mde__cvd_close(&c);
	}
	return rc;
}

static void test_head_parse(void **state)
{
	struct mde__cvd_head h;
	char why[200];
	const char *good = "ClamAV-VDB:" TIME ":62:6647427:90:"
			   "0123456789abcdef0123456789abcdef:AbC+/9:sigmgr:"
			   STIME "   \r";
	static const char *const bad[] = {
		"ClamAV-VDC:t:1:2:3:X:X:b:4",
		"ClamAV-VDB:t:1:2:3:X:X",           /* 7 fields */
		"ClamAV-VDB:t:1:2:3:X:X:b:4:5",     /* 10 */
		"ClamAV-VDB::1:2:3:X:X:b:4",        /* no time */
		"ClamAV-VDB:t:x1:2:3:X:X:b:4",
		"ClamAV-VDB:t:4294967296:2:3:X:X:b:4",
		"ClamAV-VDB:t:1:-2:3:X:X:b:4",
		"ClamAV-VDB:t:1:2::X:X:b:4",
		"ClamAV-VDB:t:1:2:3:0123:X:b:4",    /* short MD5 */
		"ClamAV-VDB:t:1:2:3:Y:X:b:4",
		"ClamAV-VDB:t:1:2:3:0123456789abcdef0123456789ABCDEF:X:b:4",
		"ClamAV-VDB:t:1:2:3:X:a=b:b:4",     /* not ClamAV's digits */
		"ClamAV-VDB:t:1:2:3:X:X::4",
		"ClamAV-VDB:t:1:2:3:X:X:b:4x",
		"ClamAV-VDB:t\t:1:2:3:X:X:b:4",
	};
	size_t i;

	(void)state;
	assert_int_equal(mde__cvd_head_parse(good, strlen(good), &h, why,
					     sizeof(why)), MDE_OK);
	assert_string_equal(h.time, TIME);
	assert_int_equal(h.version, 62);
	assert_int_equal(h.sigs, 6647427);
	assert_int_equal(h.flevel, 90);
	assert_string_equal(h.dsig, "AbC+/9");
	assert_string_equal(h.builder, "sigmgr");
	assert_true(h.stime == 1796613936u);
	assert_int_equal(mde__cvd_head_parse("ClamAV-VDB:t:1:2:3:X:X:b", 24,
					     &h, why, sizeof(why)), MDE_OK);
	assert_true(h.stime == 0); /* the old eight-field form */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (mde__cvd_head_parse(bad[i], strlen(bad[i]), &h, why,
					sizeof(why)) != MDE_ERR_FORMAT)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(why, "header"));
	}
}

static void test_good(void **state)
{
	static const int kinds[][2] = { { MDE__CVD_CVD, 1 },
					{ MDE__CVD_CLD, 0 },
					{ MDE__CVD_CLD, 1 },
					{ MDE__CVD_CUD, 1 },
					{ MDE__CVD_CUD, 0 } };
	struct mut mu = { 0 };
	char why[300];
	mde__cvd c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct mem m = build(kinds[i][0], kinds[i][1], &mu);

		why[0] = '\0';
		if (mde__cvd_open(&c, kinds[i][0], m.p, m.n, &nolim, why,
				  sizeof(why)) != MDE_OK)
			fail_msg("kind %zu: %s", i, why);
		assert_int_equal(c.nm, 2);
		assert_string_equal(c.m[0].name, "x.hdb");
		assert_int_equal(c.m[1].len, strlen(NDB));
		assert_memory_equal(c.m[1].data, NDB, strlen(NDB));
		assert_int_equal(c.head.version, 7);
		assert_int_equal(c.info.sigs, 2);
		if (mde__cvd_verify(&c, &test_keys, why, sizeof(why)) != MDE_OK)
			fail_msg("kind %zu: %s", i, why);
		mde__cvd_close(&c);
		free(m.p);
	}
	assert_int_equal(mde__cvd_type_of("/v/main.cvd"), MDE__CVD_CVD);
	assert_int_equal(mde__cvd_type_of("daily.cld"), MDE__CVD_CLD);
	assert_int_equal(mde__cvd_type_of("x.cud"), MDE__CVD_CUD);
	assert_int_equal(mde__cvd_type_of("x.cvd.bak"), 0);
}

/*
 * 1 if byte i of a plain-tar container is the last of a tar checksum
 * field: NUL (sigtool) or space (POSIX) both end the field, and the sum
 * counts the field as spaces, so neither form holds anything to protect.
 */
static int checksum_end(size_t i)
{
	size_t k;

	for (k = 0; k < nhdr; k++)
		if (i == MDE__CVD_HEAD + hdr_at[k] + 155)
			return 1;
	return 0;
}

/* 1 if header byte i lies in the signature field: only a .cvd's is read
 * (a .cld is signed by its .info, a .cud not at all), as by ClamAV. */
static int dsig_field(const uint8_t *head, size_t i)
{
	size_t k = 0, j;

	for (j = 0; j < i; j++)
		k += head[j] == ':';
	return head[i] != ':' && k == 6;
}

/* 1 if byte i of a plain-tar .cld is COPYING's text (the first member):
 * no .info lists it and a .cld has no MD5, so nothing covers it; it is
 * never read either. */
static int copying_text(int type, size_t i)
{
	return type == MDE__CVD_CLD && i >= MDE__CVD_HEAD + hdr_at[0] + 512 &&
	       i < MDE__CVD_HEAD + hdr_at[1];
}

/* Every byte of m flipped by each mask is refused, the signature's too
 * (but for the exceptions above); plain says m's tar is not compressed. */
static void flips(int type, struct mem *m, int plain)
{
	static const uint8_t masks[] = { 0x01, 0x20, 0x80 };
	char why[300];
	size_t i, k;

	for (i = 0; i < m->n; i++) {
		if (plain && checksum_end(i) &&
		    (m->p[i] == 0 || m->p[i] == ' '))
			continue;
		if (plain && copying_text(type, i) && i < MDE__CVD_HEAD +
						      hdr_at[0] + 512 + 13)
			continue;
		for (k = 0; k < sizeof(masks); k++) {
			m->p[i] ^= masks[k];
			if (try(type, m->p, m->n, &nolim, why) == MDE_OK &&
			    !(type != MDE__CVD_CVD && i < MDE__CVD_HEAD &&
			      dsig_field(m->p, i)))
				fail_msg("type %d: byte %zu ^ %#x accepted",
					 type, i, masks[k]);
			m->p[i] ^= masks[k];
		}
	}
}

static void test_flips(void **state)
{
	struct mut mu = { 0 };
	struct mem cvd = build(MDE__CVD_CVD, 1, &mu);
	struct mem cud = build(MDE__CVD_CUD, 0, &mu);
	struct mem cld = build(MDE__CVD_CLD, 0, &mu); /* last: hdr_at */

	(void)state;
	flips(MDE__CVD_CVD, &cvd, 0);
	flips(MDE__CVD_CUD, &cud, 1);
	flips(MDE__CVD_CLD, &cld, 1);
	free(cvd.p);
	free(cld.p);
	free(cud.p);
}

/* Every cut, at every length short of the whole, is refused. */
static void test_cuts(void **state)
{
	struct mut mu = { 0 };
	struct mem cvd = build(MDE__CVD_CVD, 1, &mu);
	struct mem cld = build(MDE__CVD_CLD, 0, &mu);
	char why[300];
	size_t n;

	(void)state;
	for (n = 0; n < cvd.n; n++)
		if (try(MDE__CVD_CVD, cvd.p, n, &nolim, why) == MDE_OK)
			fail_msg(".cvd cut at %zu accepted", n);
	for (n = 0; n < cld.n; n++)
		if (try(MDE__CVD_CLD, cld.p, n, &nolim, why) == MDE_OK)
			fail_msg(".cld cut at %zu accepted", n);
	free(cvd.p);
	free(cld.p);
}

/* Builds a .cld with mu, opens it and checks the reason. */
static void refused(const struct mut *mu, const char *reason)
{
	struct mem m = build(MDE__CVD_CLD, 0, mu);
	char why[300] = "";

	assert_int_equal(try(MDE__CVD_CLD, m.p, m.n, &nolim, why),
			 MDE_ERR_FORMAT);
	if (!strstr(why, reason))
		fail_msg("reason '%s', not '%s'", why, reason);
	free(m.p);
}

static void test_manifest(void **state)
{
	struct mut mu;

	(void)state;
	mu = (struct mut){ .unlisted = "x.ndb" };
	refused(&mu, "member 'x.ndb' is not in the .info");
	mu = (struct mut){ .phantom = "x.ldb" };
	refused(&mu, ".info lists 'x.ldb', which the container lacks");
	mu = (struct mut){ .bad_size = "x.hdb" };
	refused(&mu, "member 'x.hdb': 46 bytes, the .info says 47");
	mu = (struct mut){ .bad_sha = "x.ndb" };
	refused(&mu, "member 'x.ndb': SHA-256 differs");
	mu = (struct mut){ .extra = "x.hdb" };
	refused(&mu, "member 'x.hdb' twice");
	mu = (struct mut){ .extra = "y.ndb" };
	refused(&mu, "member 'y.ndb' is not in the .info");
	mu = (struct mut){ .info_version = 8 };
	refused(&mu, "the .info's header differs from the container's in "
		"its version");
	mu = (struct mut){ .no_info = 1 };
	refused(&mu, "no .info member");
	mu = (struct mut){ .empty_info = 1 };
	refused(&mu, ".info: empty");
}

static void test_limits(void **state)
{
	struct mut mu = { 0 };
	struct mem m = build(MDE__CVD_CVD, 1, &mu);
	struct mde__cvd_limits lim;
	char why[300];
	mde__cvd c;

	(void)state;
	lim = (struct mde__cvd_limits){ .max_members = 1 };
	assert_int_equal(mde__cvd_open(&c, MDE__CVD_CVD, m.p, m.n, &lim, why,
				       sizeof(why)), MDE_ERR_FORMAT);
	assert_true(c.limit_hit);
	assert_non_null(strstr(why, "more than 1 members"));
	lim = (struct mde__cvd_limits){ .max_member_size = 40 };
	assert_int_equal(mde__cvd_open(&c, MDE__CVD_CVD, m.p, m.n, &lim, why,
				       sizeof(why)), MDE_ERR_FORMAT);
	assert_true(c.limit_hit);
	assert_non_null(strstr(why, "more than the limit of 40"));
	lim = (struct mde__cvd_limits){ .max_total = 2048 };
	assert_int_equal(mde__cvd_open(&c, MDE__CVD_CVD, m.p, m.n, &lim, why,
				       sizeof(why)), MDE_ERR_FORMAT);
	assert_true(c.limit_hit);
	assert_non_null(strstr(why, "unpacks to more than 2048"));
	/* just enough: the tar's size, and the .info, the largest member */
	assert_int_equal(mde__cvd_open(&c, MDE__CVD_CVD, m.p, m.n, &nolim, why,
				       sizeof(why)), MDE_OK);
	lim = (struct mde__cvd_limits){ 2, 0, c.unpacked };
	mde__cvd_close(&c);
	for (lim.max_member_size = 1; lim.max_member_size < 4096;
	     lim.max_member_size++)
		if (mde__cvd_open(&c, MDE__CVD_CVD, m.p, m.n, &lim, why,
				  sizeof(why)) == MDE_OK)
			break;
	assert_true(lim.max_member_size > strlen(NDB)); /* the .info */
	mde__cvd_close(&c);
	lim.max_total--;
	assert_int_equal(mde__cvd_open(&c, MDE__CVD_CVD, m.p, m.n, &lim, why,
				       sizeof(why)), MDE_ERR_FORMAT);
	free(m.p);
}

/* Tar entries ClamAV's reader refuses, and data after the end. */
static void test_tar_rules(void **state)
{
	struct mut mu = { 0 };
	struct mem m = build(MDE__CVD_CLD, 0, &mu), t;
	uint8_t end[1024] = { 0 };
	char why[300];
	unsigned sum = 0;
	size_t i;

	(void)state;
	t = (struct mem){ 0 };
	put(&t, m.p, m.n);
	put(&t, end, sizeof(end)); /* end blocks: fine */
	assert_int_equal(try(MDE__CVD_CLD, t.p, t.n, &nolim, why), MDE_OK);
	t.p[t.n - 1] = 'x';
	assert_int_equal(try(MDE__CVD_CLD, t.p, t.n, &nolim, why),
			 MDE_ERR_FORMAT);
	assert_non_null(strstr(why, "data after the end"));
	/* the first member (COPYING) made a directory, checksum redone */
	m.p[512 + 156] = '5';
	memset(m.p + 512 + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += m.p[512 + i];
	snprintf((char *)m.p + 512 + 148, 8, "%06o", sum);
	assert_int_equal(try(MDE__CVD_CLD, m.p, m.n, &nolim, why),
			 MDE_ERR_FORMAT);
	assert_non_null(strstr(why, "not a regular file"));
	free(t.p);
	free(m.p);
}

/* Checks m as type with keys k: the status and the reason's start. */
static void sig_case(int type, const struct mem *m,
		     const struct mde__cvd_keys *k, int want, const char *why0)
{
	char why[300] = "";
	mde__cvd c;
	int rc;

	assert_int_equal(mde__cvd_open(&c, type, m->p, m->n, &nolim, why,
				       sizeof(why)), MDE_OK);
	rc = mde__cvd_verify(&c, k, why, sizeof(why));
	mde__cvd_close(&c);
	if (rc != want || (why0 && strncmp(why, why0, strlen(why0)) != 0))
		fail_msg("status %d (%s), not %d (%s)", rc, why, want, why0);
}

static void test_signatures(void **state)
{
	struct mut mu = { 0 }, un = { .unsigned_ = 1 };
	struct mem cvd = build(MDE__CVD_CVD, 1, &mu);
	struct mem cld = build(MDE__CVD_CLD, 0, &mu);
	struct mem ucvd = build(MDE__CVD_CVD, 1, &un);
	struct mem ucld = build(MDE__CVD_CLD, 0, &un);
	struct mem cud = build(MDE__CVD_CUD, 1, &un);
	struct mde__cvd_keys swapped = test_keys;

	(void)state;
	sig_case(MDE__CVD_CVD, &cvd, &test_keys, MDE_OK, NULL);
	sig_case(MDE__CVD_CLD, &cld, &test_keys, MDE_OK, NULL);
	sig_case(MDE__CVD_CUD, &cud, &mde__cvd_clamav_keys, MDE_OK, NULL);
	/* ClamAV's own keys do not verify what the test keys signed */
	sig_case(MDE__CVD_CVD, &cvd, &mde__cvd_clamav_keys, MDE_ERR_SIG,
		 "the header's signature does not verify");
	sig_case(MDE__CVD_CLD, &cld, &mde__cvd_clamav_keys, MDE_ERR_SIG,
		 "the .info's DSIG does not verify");
	/* each key where the other belongs */
	swapped.legacy_n = "1234567";
	sig_case(MDE__CVD_CVD, &cvd, &swapped, MDE_ERR_SIG,
		 "the header's signature");
	swapped = test_keys;
	swapped.info_n = test_keys.legacy_n;
	sig_case(MDE__CVD_CLD, &cld, &swapped, MDE_ERR_SIG, "the .info's DSIG");
	/* unsigned official databases */
	sig_case(MDE__CVD_CVD, &ucvd, &test_keys, MDE_ERR_SIG,
		 "the header's signature");
	sig_case(MDE__CVD_CLD, &ucld, &test_keys, MDE_ERR_SIG,
		 "the .info has no DSIG line");
	free(cvd.p);
	free(cld.p);
	free(ucvd.p);
	free(ucld.p);
	free(cud.p);
}

/* ------------------------------------------------------------- bundles */

struct seen_db {
	int n;
	mde_clamdb_info db;
	char name[64];
};

static void on_db(void *ctx, const mde_clamdb_info *db)
{
	struct seen_db *s = ctx;

	s->db = *db;
	snprintf(s->name, sizeof(s->name), "%s", db->name);
	s->n++;
}

/* Writes m to dir/name; the path in out (n bytes). */
static void write_at(const char *dir, const char *name, const struct mem *m,
		     char *out, size_t n)
{
	FILE *fp;

	snprintf(out, n, "%s/%s", dir, name);
	assert_non_null(fp = fopen(out, "wb"));
	assert_int_equal(fwrite(m->p, 1, m->n, fp), m->n);
	assert_int_equal(fclose(fp), 0);
}

/* An Ed25519 pair dir/k.sec, dir/k.pub. */
static void bundle_key(const char *dir)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	char p[600];
	FILE *fp;

	assert_non_null(k);
	snprintf(p, sizeof(p), "%s/k.sec", dir);
	assert_non_null(fp = fopen(p, "w"));
	assert_int_equal(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL,
					      NULL), 1);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/k.pub", dir);
	assert_non_null(fp = fopen(p, "w"));
	assert_int_equal(PEM_write_PUBKEY(fp, k), 1);
	fclose(fp);
	EVP_PKEY_free(k);
}

/*
 * A .cud goes into a bundle (mde_bundle_build) checked as a load checks
 * it, a damaged one is refused with its reason; the bundle names it with
 * its version and counts (mde_bundle_clamdbs), and loads with its hash
 * list once, from the bundle's table (a second copy from the container
 * would be refused next to the table).
 */
static void test_in_bundle(void **state)
{
	struct mut mu = { 0 };
	struct mem m = build(MDE__CVD_CUD, 1, &mu);
	char dir[300], db[400], bad[400], out[400], key[400], err[600];
	const char *paths[1] = { db };
	mde_build_opts o = { .version = 3, .key = key };
	struct seen_db s = { 0 };
	mde_defs_stats st;
	mde_defs *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/mde-cvd-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	bundle_key(dir);
	snprintf(key, sizeof(key), "%s/k.sec", dir);
	snprintf(out, sizeof(out), "%s/b.mdb", dir);
	write_at(dir, "x.cud", &m, db, sizeof(db));
	m.p[m.n - 1] ^= 1; /* the gzip trailer: the MD5 differs */
	write_at(dir, "bad.cud", &m, bad, sizeof(bad));
	paths[0] = bad;
	assert_int_equal(mde_bundle_build(paths, 1, &o, out, err, sizeof(err)),
			 MDE_ERR_FORMAT);
	assert_non_null(strstr(err, "bad.cud': refused: MD5 of the content"));
	assert_int_equal(access(out, F_OK), -1);
	paths[0] = db;
	if (mde_bundle_build(paths, 1, &o, out, err, sizeof(err)) != MDE_OK)
		fail_msg("build: %s", err);
	assert_int_equal(mde_bundle_clamdbs(out, on_db, &s, err, sizeof(err)),
			 MDE_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.name, "x.cud");
	assert_int_equal(s.db.version, 7);
	assert_int_equal(s.db.sigs, 2);
	assert_int_equal(s.db.loaded, 1); /* the .ndb; the hash in the table */
	assert_int_equal(s.db.built_at, 1796613936);
	assert_int_equal(s.db.official, 0);
	assert_int_equal(s.db.nunsup, 0);
	assert_non_null(d = mde_defs_new());
	snprintf(key, sizeof(key), "%s/k.pub", dir);
	assert_int_equal(mde_defs_add_keys(d, key), MDE_OK);
	if (mde_defs_load_bundle(d, out) != MDE_OK ||
	    mde_defs_compile(d) != MDE_OK)
		fail_msg("load: %s", mde_defs_error(d));
	mde_defs_get_stats(d, &st);
	assert_int_equal(st.hash_sigs, 1);
	mde_defs_free(d);
	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	assert_int_equal(system(err), 0);
	free(m.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_parse),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_flips),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_tar_rules),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_in_bundle),
	};

	return cmocka_run_group_tests(tests, make_keys, NULL);
}
