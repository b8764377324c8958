/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cvd_sign.c - ClamAV 1.5's detached .sign files (lib/cvd_sign.c):
 * a test CA, a signing certificate and PKCS#7 signatures are made here
 * with OpenSSL, written in ClamAV's layout ("#clamsign-1.0", then
 * "220::pkcs7-pem:<base64>"), and checked: a good one verifies and names
 * its signer; another CA, other content, every malformed line and a
 * signature that carries its content are refused with their reason;
 * lines of another format level are passed over; the .sign's name is
 * freshclam's; the CAs load from a directory (.pem and .crt) or a file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mde_int.h"
#include "cvd.h"

struct pki {
	EVP_PKEY *ca_key, *key;
	X509 *ca, *cert;
};

static struct pki good, other;
static char tmpdir[] = "/tmp/test_cvd_sign.XXXXXX";
static const char db[] = "ClamAV-VDB:a database, as its bytes\n";

/* A certificate for key, named cn, signed by issuer's key (itself when
 * issuer is NULL: a CA). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
		       EVP_PKEY *ikey)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), issuer ? 2 : 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				  issuer ? "critical,CA:FALSE"
					 : "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, ikey, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static void make_pki(struct pki *p, const char *ca_cn, const char *cn)
{
	p->ca_key = EVP_EC_gen("P-256");
	p->key = EVP_EC_gen("P-256");
	assert_non_null(p->ca_key);
	assert_non_null(p->key);
	p->ca = make_cert(p->ca_key, ca_cn, NULL, p->ca_key);
	p->cert = make_cert(p->key, cn, p->ca, p->ca_key);
}

static void free_pki(struct pki *p)
{
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->key);
	X509_free(p->ca);
	X509_free(p->cert);
}

/* Writes the PEM certificate x to tmpdir/name. */
static void write_cert(const char *name, X509 *x)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(PEM_write_X509(fp, x));
	fclose(fp);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	make_pki(&good, "unit CA", "unit signer");
	make_pki(&other, "other CA", "other signer");
	write_cert("ca.crt", good.ca);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	free_pki(&good);
	free_pki(&other);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The base64 of a PKCS#7 signature of d[0..n) by p's signer, as one line
 * (malloc'd).  flags as CMS_sign() takes them. */
static char *sig_b64(const struct pki *p, const void *d, size_t n,
		     unsigned flags)
{
	BIO *in = BIO_new_mem_buf(d, (int)n);
	CMS_ContentInfo *cms = CMS_sign(p->cert, p->key, NULL, in, flags);
	unsigned char *der = NULL;
	int len = i2d_CMS_ContentInfo(cms, &der);
	char *out = malloc((size_t)len * 2 + 8);

	assert_true(len > 0);
	assert_non_null(out);
	EVP_EncodeBlock((unsigned char *)out, der, len);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return out;
}

/* A .sign of db by p for the levels lv ("220:"), in a static buffer. */
static const char *sign_text(const struct pki *p, const char *lv)
{
	static char buf[16384];
	char *b = sig_b64(p, db, sizeof(db) - 1,
			  CMS_DETACHED | CMS_BINARY);

	snprintf(buf, sizeof(buf), "#clamsign-1.0\n# a comment\n\n"
		 "%s:pkcs7-pem:%s\n", lv, b);
	free(b);
	return buf;
}

/* Checks text against db with CAs ca; the status, the reason in why. */
static int check(const char *text, X509_STORE *ca, char *signer,
		 char *why)
{
	signer[0] = why[0] = '\0';
	return mde__cvd_sign_check(text, strlen(text), db, sizeof(db) - 1,
				   ca, signer, 300, why, 600);
}

static X509_STORE *load_ca(void)
{
	char why[300];
	X509_STORE *st = mde__cvd_ca_load(tmpdir, why, sizeof(why));

	assert_non_null(st);
	return st;
}

static void test_name(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(mde__cvd_sign_path("/var/lib/clamav/daily.cvd",
					    27780, out, sizeof(out)), 0);
	assert_string_equal(out, "/var/lib/clamav/daily-27780.cvd.sign");
	assert_int_equal(mde__cvd_sign_path("main-62.cvd", 62, out,
					    sizeof(out)), 0);
	assert_string_equal(out, "main-62.cvd.sign");
	assert_int_equal(mde__cvd_sign_path("/a.b/c/bytecode.cvd", 3, out,
					    sizeof(out)), 0);
	assert_string_equal(out, "/a.b/c/bytecode-3.cvd.sign");
	assert_int_equal(mde__cvd_sign_path("/x/.cvd", 1, out, sizeof(out)),
			 -1);
	assert_int_equal(mde__cvd_sign_path("/a/very-long-name.cvd", 1, out,
					    8), -1);
}

static void test_good(void **state)
{
	X509_STORE *ca = load_ca();
	char signer[300], why[600];

	(void)state;
	assert_int_equal(check(sign_text(&good, "220:"), ca, signer, why),
			 MDE_OK);
	assert_string_equal(signer, "CN=unit signer");
	/* the levels around ours, and no upper bound */
	assert_int_equal(check(sign_text(&good, "100:"), ca, signer, why),
			 MDE_OK);
	assert_int_equal(check(sign_text(&good, "220:220"), ca, signer, why),
			 MDE_OK);
	assert_int_equal(check(sign_text(&good, "1:999"), ca, signer, why),
			 MDE_OK);
	mde__cvd_ca_free(ca);
}

static void test_crlf(void **state)
{
	X509_STORE *ca = load_ca();
	char signer[300], why[600], buf[16384], *p;
	size_t i, k = 0;

	(void)state;
	p = (char *)sign_text(&good, "220:");
	for (i = 0; p[i] && k + 2 < sizeof(buf); i++) {
		if (p[i] == '\n')
			buf[k++] = '\r';
		buf[k++] = p[i];
	}
	buf[k] = '\0';
	assert_int_equal(check(buf, ca, signer, why), MDE_OK);
	mde__cvd_ca_free(ca);
}

static void test_other_ca(void **state)
{
	X509_STORE *ca = load_ca();
	char signer[300], why[600];

	(void)state;
	assert_int_equal(check(sign_text(&other, "220:"), ca, signer, why),
			 MDE_ERR_SIG);
	assert_non_null(strstr(why, "line 4: the signature does not verify "
				    "(certificate verify error"));
	mde__cvd_ca_free(ca);
}

static void test_other_content(void **state)
{
	X509_STORE *ca = load_ca();
	char signer[300], why[600], text[16384];
	char *b = sig_b64(&good, "another file", 12,
			  CMS_DETACHED | CMS_BINARY);

	(void)state;
	snprintf(text, sizeof(text), "#clamsign-1.0\n220::pkcs7-pem:%s\n", b);
	assert_int_equal(check(text, ca, signer, why), MDE_ERR_SIG);
	assert_non_null(strstr(why, "line 2: the signature does not verify "
				    "(content verify error"));
	free(b);
	mde__cvd_ca_free(ca);
}

/* A signature carrying its own content would sign that, not the file. */
static void test_attached(void **state)
{
	X509_STORE *ca = load_ca();
	char signer[300], why[600], text[16384];
	char *b = sig_b64(&good, db, sizeof(db) - 1, CMS_BINARY);

	(void)state;
	snprintf(text, sizeof(text), "#clamsign-1.0\n220::pkcs7-pem:%s\n", b);
	assert_int_equal(check(text, ca, signer, why), MDE_ERR_FORMAT);
	assert_string_equal(why, "line 2: the signed data is not detached");
	free(b);
	mde__cvd_ca_free(ca);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "the first line is not \"#clamsign-1.0\"" },
		{ "#clamsign-1.1\n",
		  "the first line is not \"#clamsign-1.0\"" },
		{ "220::pkcs7-pem:AAAA\n",
		  "the first line is not \"#clamsign-1.0\"" },
		{ "#clamsign-1.0\n220:pkcs7-pem\n",
		  "line 2: fewer than 4 fields" },
		{ "#clamsign-1.0\nx::pkcs7-pem:AAAA\n",
		  "line 2: bad functionality level field" },
		{ "#clamsign-1.0\n220:y:pkcs7-pem:AAAA\n",
		  "line 2: bad functionality level field" },
		{ "#clamsign-1.0\n220::pkcs7-der:AAAA\n",
		  "line 2: signature format 'pkcs7-der', not \"pkcs7-pem\"" },
		{ "#clamsign-1.0\n220::pkcs7-pem:AA*A\n",
		  "line 2: the signature is not base64" },
		{ "#clamsign-1.0\n220::pkcs7-pem:AAA\n",
		  "line 2: the signature is not base64" },
		{ "#clamsign-1.0\n220::pkcs7-pem:\n",
		  "line 2: the signature is not one PKCS#7 structure" },
		{ "#clamsign-1.0\n220::pkcs7-pem:MAA=\n",
		  "line 2: the signature is not one PKCS#7 structure" },
		{ "#clamsign-1.0\n220::pkcs7-pem:AA:AA\n",
		  "line 2: the signature is not base64" },
	};
	X509_STORE *ca = load_ca();
	char signer[300], why[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(check(bad[i].text, ca, signer, why),
				 MDE_ERR_FORMAT);
		assert_string_equal(why, bad[i].why);
	}
	mde__cvd_ca_free(ca);
}

/* Bytes after the PKCS#7 structure are not part of any signature. */
static void test_trailing(void **state)
{
	X509_STORE *ca = load_ca();
	char signer[300], why[600], text[16384];
	char *b = sig_b64(&good, db, sizeof(db) - 1,
			  CMS_DETACHED | CMS_BINARY);
	size_t l = strlen(b);

	(void)state;
	/* "AAAA" decodes to three zero bytes after the structure */
	snprintf(text, sizeof(text), "#clamsign-1.0\n220::pkcs7-pem:%.*sAAAA"
		 "%s\n", (int)(l - 4), b, b + l - 4);
	assert_int_equal(check(text, ca, signer, why), MDE_ERR_FORMAT);
	free(b);
	mde__cvd_ca_free(ca);
}

static void test_levels(void **state)
{
	X509_STORE *ca = load_ca();
	char signer[300], why[600];

	(void)state;
	assert_int_equal(check(sign_text(&good, "300:"), ca, signer, why),
			 MDE__SIGN_NO_LINE);
	assert_int_equal(check(sign_text(&good, "100:219"), ca, signer, why),
			 MDE__SIGN_NO_LINE);
	assert_int_equal(check("#clamsign-1.0\n# nothing\n", ca, signer, why),
			 MDE__SIGN_NO_LINE);
	/* a future format, of a level above ours: not read */
	assert_int_equal(check("#clamsign-1.0\n300::sha3-ed448:x\n", ca,
			       signer, why), MDE__SIGN_NO_LINE);
	mde__cvd_ca_free(ca);
}

static void test_ca_load(void **state)
{
	char why[300], path[256];
	X509_STORE *st;

	(void)state;
	snprintf(path, sizeof(path), "%s/ca.crt", tmpdir);
	st = mde__cvd_ca_load(path, why, sizeof(why));
	assert_non_null(st);
	mde__cvd_ca_free(st);
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	assert_null(mde__cvd_ca_load(path, why, sizeof(why)));
	assert_non_null(strstr(why, "cannot read the CA certificates"));
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(mde__cvd_ca_load(path, why, sizeof(why)));
	assert_non_null(strstr(why, "no CA certificate in"));
	/* a .txt is not read: ClamAV's directory holds .pem and .crt */
	snprintf(path, sizeof(path), "%s/empty/ca.txt", tmpdir);
	assert_int_equal(symlink("../ca.crt", path), 0);
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	assert_null(mde__cvd_ca_load(path, why, sizeof(why)));
	write_cert("empty/other.pem", other.ca);
	st = mde__cvd_ca_load(path, why, sizeof(why));
	assert_non_null(st);
	mde__cvd_ca_free(st);
	mde__cvd_ca_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_other_ca),
		cmocka_unit_test(test_other_content),
		cmocka_unit_test(test_attached),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_ca_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
