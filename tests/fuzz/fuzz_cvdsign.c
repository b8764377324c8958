/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_cvdsign.c - libFuzzer harness for ClamAV 1.5's detached .sign
 * files (lib/cvd_sign.c): the input is the .sign, checked against a
 * fixed database text and a fixed test CA, so that a mutation can get
 * past the line parser, the base64 and the DER decoder into CMS_verify()
 * (the seeds in corpus/cvdsign are signatures of DB by this CA's signer,
 * by another, of other content, attached, without signed attributes).
 * The input's first line is also taken as a database path for the
 * .sign's name.
 *
 * The seeds were made once with the openssl command:
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
 *     -days 36500 -subj "/CN=mdescan fuzz CA" ...   (CA below)
 *   openssl cms -sign -binary -in DB -signer SIGNER.crt -inkey SIGNER.key
 *     -outform PEM   (the base64 of which, one line, after "220::pkcs7-pem:")
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mde_int.h"
#include "cvd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ca_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBizCCATGgAwIBAgIUOYMdjvjYlp1mDKkhe0Md2Dogh1cwCgYIKoZIzj0EAwIw\n"
	"GjEYMBYGA1UEAwwPbWRlc2NhbiBmdXp6IENBMCAXDTI2MTIwNzEwMzAzOVoYDzIx\n"
	"MjYxMTEzMTAzMDM5WjAaMRgwFgYDVQQDDA9tZGVzY2FuIGZ1enogQ0EwWTATBgcq\n"
	"hkjOPQIBBggqhkjOPQMBBwNCAAQMp63OWCHQrTA3ydajh4l8VSRWmSWQSI54R9TW\n"
	"/Wu1VXqEPku+S5aYPeFKEFvX3XZwWbvX4Op3b+D60oiKcG3No1MwUTAdBgNVHQ4E\n"
	"FgQUB4ug23nlCeCAk+LHExAM4jxmvP0wHwYDVR0jBBgwFoAUB4ug23nlCeCAk+LH\n"
	"ExAM4jxmvP0wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBbdosV\n"
	"+bkTxmBhU/aB4uEPpUDfEFtxfS+6AhT7uImwjAIhANYye2DQGjGTJIb0svfOkx7+\n"
	"CIqyt+BNqtMO5OjdScfp\n"
	"-----END CERTIFICATE-----\n";

static const char db[] = "ClamAV-VDB:fuzz database\n";

/* The test CA, once. */
static X509_STORE *store(void)
{
	static X509_STORE *st;
	BIO *b;
	X509 *x;

	if (st)
		return st;
	st = X509_STORE_new();
	b = BIO_new_mem_buf(ca_pem, (int)sizeof(ca_pem) - 1);
	x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	if (!st || !x || X509_STORE_add_cert(st, x) != 1)
		__builtin_trap();
	X509_free(x);
	BIO_free(b);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char signer[300], why[600], path[256], name[128];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t l = nl ? (size_t)(nl - data) : size;

	mde__cvd_sign_check((const char *)data, size, db, sizeof(db) - 1,
			    store(), signer, sizeof(signer), why, sizeof(why));
	if (l >= sizeof(name))
		l = sizeof(name) - 1;
	memcpy(name, data, l);
	name[l] = '\0';
	mde__cvd_sign_path(name, (unsigned)size, path, sizeof(path));
	return 0;
}
