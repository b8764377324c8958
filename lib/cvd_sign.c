/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvd_sign.c - ClamAV's detached database signatures (the ".sign" files
 * of ClamAV 1.5), checked against CA certificates (cvd.h).
 *
 * freshclam keeps "<name>-<version>.cvd.sign" beside "<name>.cvd".  It is
 * text: a first line "#clamsign-1.0"; then comment lines ('#'), blank
 * lines and one signature a line,
 *     min_flevel:max_flevel:pkcs7-pem:<base64>
 * (max_flevel may be empty: no upper bound), the base64 being the body of
 * a PEM "PKCS7" block with its newlines removed: a PKCS#7 SignedData,
 * detached, of the whole database file, its 512-byte header included
 * (sigtool --sign signs with PKCS7_DETACHED | PKCS7_BINARY).  A line
 * whose level range leaves out the format level this reader implements
 * is passed over, as ClamAV passes it over; the first line in range
 * decides, as in ClamAV.
 *
 * Why OpenSSL's CMS API: a PKCS#7 SignedData is a CMS SignedData (RFC 5652
 * reads it as is), CMS_verify() checks the content's digest, the
 * signature and the signer's chain to the trusted CAs in one call, and
 * libcrypto is linked already (cvd.c, cvd_sig.c).  Nothing of the .sign
 * is trusted before CMS_verify() says so: the signer's name reported is
 * that of the certificate whose chain it checked.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mde_int.h"
#include "cvd.h"
#include "banned.h"

#define MAX_LINE (1 << 20) /* a signature line, base64: ample for a chain */

/* Writes the reason into why (n bytes) and returns rc. */
__attribute__((format(printf, 4, 5)))
static int fail(int rc, char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return rc;
}

int mde__cvd_sign_path(const char *db, unsigned version, char *out,
		       size_t n)
{
	const char *base = strrchr(db, '/');
	size_t dl = base ? (size_t)(base - db) + 1 : 0, nl;
	int w;

	base = base ? base + 1 : db;
	/* the name is the file's up to its first '-' or '.', as ClamAV
	 * takes it: "daily.cvd" and "daily-27780.cvd" are both "daily" */
	nl = strcspn(base, "-.");
	w = snprintf(out, n, "%.*s%.*s-%u.cvd.sign", (int)dl, db, (int)nl,
		     base, version);
	return w > 0 && (size_t)w < n && nl > 0 ? 0 : -1;
}

/* ------------------------------------------------------------- the CAs */

/* 1 for a file name ClamAV reads certificates from. */
static int cert_name(const char *name)
{
	size_t l = strlen(name);

	return (l > 4 && strcmp(name + l - 4, ".pem") == 0) ||
	       (l > 4 && strcmp(name + l - 4, ".crt") == 0);
}

/* Adds every PEM certificate of the file at path to st; how many. */
static int add_file(X509_STORE *st, const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;
	int k = 0;

	while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (X509_STORE_add_cert(st, x) == 1)
			k++;
		X509_free(x);
	}
	ERR_clear_error(); /* the end of the file reads as an error */
	BIO_free(b);
	return k;
}

/* Adds the .pem and .crt files of the directory dir; how many certs. */
static int add_dir(X509_STORE *st, const char *dir)
{
	char **names, path[4200];
	size_t n, i;
	int k = 0;

	if (mde__list_dir(dir, cert_name, &names, &n) != MDE_OK)
		return -1;
	for (i = 0; i < n; i++)
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     names[i]) < sizeof(path))
			k += add_file(st, path);
	mde__names_free(names, n);
	return k;
}

struct x509_store_st *mde__cvd_ca_load(const char *path, char *why,
				       size_t n)
{
	X509_STORE *st = X509_STORE_new();
	DIR *d = opendir(path);
	int k;

	if (!st) {
		fail(0, why, n, "%s", mde_status_str(MDE_ERR_NOMEM));
		goto out;
	}
	k = d ? add_dir(st, path) : add_file(st, path);
	if (k < 0 || (!d && errno == ENOENT && k == 0))
		fail(0, why, n, "cannot read the CA certificates in '%s': %s",
		     path, strerror(errno));
	else if (k == 0)
		fail(0, why, n, "no CA certificate in '%s'%s", path,
		     d ? " (ClamAV's form: .pem or .crt files)" : "");
	if (k <= 0) {
		X509_STORE_free(st);
		st = NULL;
	}
out:
	if (d)
		closedir(d);
	return st;
}

void mde__cvd_ca_free(struct x509_store_st *ca)
{
	X509_STORE_free(ca);
}

static int by_digest(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int mde__cvd_ca_digest(struct x509_store_st *ca, uint8_t out[32])
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(ca);
	int n = objs ? sk_X509_OBJECT_num(objs) : 0, k = 0, rc = -1;
	uint8_t (*d)[32] = n > 0 ? calloc((size_t)n, 32) : NULL;
	unsigned len = 0;

	if (n <= 0 || !d)
		goto out;
	for (int i = 0; i < n; i++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));

		if (x && (X509_digest(x, EVP_sha256(), d[k], &len) != 1 ||
			  len != 32))
			goto out;
		k += x != NULL;
	}
	/* the store's order is its own: the set, sorted */
	qsort(d, (size_t)k, 32, by_digest);
	rc = EVP_Digest(d, (size_t)k * 32, out, &len, EVP_sha256(), NULL) == 1
		     ? 0 : -1;
out:
	free(d);
	return rc;
}

/* ------------------------------------------------------------- a line */

/* A decimal level of 1 to 9 digits; -1 otherwise. */
static long level(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The fields of a signature line. */
struct sigline {
	long min, max;         /* max -1: no upper bound */
	const char *fmt, *b64;
	size_t fmtlen, b64len;
};

/* Splits s[0..l) into its four fields; a reason if it cannot. */
static const char *split_line(const char *s, size_t l, struct sigline *o)
{
	const char *f[4], *end = s + l, *c;
	size_t fl[4], k;

	for (k = 0; k < 4; k++) {
		c = k < 3 ? memchr(s, ':', (size_t)(end - s)) : NULL;
		f[k] = s;
		fl[k] = (size_t)((c ? c : end) - s);
		s = c ? c + 1 : end;
		if (k < 3 && !c)
			return "fewer than 4 fields";
	}
	o->min = level(f[0], fl[0]);
	o->max = fl[1] ? level(f[1], fl[1]) : -1;
	if (o->min < 0 || (fl[1] && o->max < 0))
		return "bad functionality level field";
	o->fmt = f[2];
	o->fmtlen = fl[2];
	o->b64 = f[3];
	o->b64len = fl[3];
	return NULL;
}

/* The DER bytes of a base64 text (no newlines), in a new buffer. */
static uint8_t *unbase64(const char *s, size_t n, int *len)
{
	EVP_ENCODE_CTX *e = EVP_ENCODE_CTX_new();
	uint8_t *out = malloc(n / 4 * 3 + 3);
	int a = 0, b = 0, ok;

	ok = e && out && n < MAX_LINE && n % 4 == 0;
	if (ok) {
		EVP_DecodeInit(e);
		ok = EVP_DecodeUpdate(e, out, &a, (const unsigned char *)s,
				      (int)n) >= 0 &&
		     EVP_DecodeFinal(e, out + a, &b) == 1;
	}
	EVP_ENCODE_CTX_free(e);
	if (!ok) {
		free(out);
		return NULL;
	}
	*len = a + b;
	return out;
}

/* The detached SignedData a line carries, or NULL with the reason. */
static CMS_ContentInfo *line_cms(const struct sigline *l, char *why,
				 size_t n)
{
	CMS_ContentInfo *cms = NULL;
	const uint8_t *p;
	uint8_t *der;
	int len = 0;

	if (l->fmtlen != 9 || memcmp(l->fmt, "pkcs7-pem", 9) != 0) {
		fail(0, why, n, "signature format '%.*s', not \"pkcs7-pem\"",
		     (int)(l->fmtlen > 40 ? 40 : l->fmtlen), l->fmt);
		return NULL;
	}
	der = unbase64(l->b64, l->b64len, &len);
	if (!der) {
		fail(0, why, n, "the signature is not base64");
		return NULL;
	}
	p = der;
	cms = d2i_CMS_ContentInfo(NULL, &p, len);
	if (!cms || p != der + len)
		fail(0, why, n, "the signature is not one PKCS#7 structure%s",
		     cms ? " (bytes after it)" : "");
	else if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		fail(0, why, n, "the PKCS#7 structure is not signed data");
	else if (CMS_is_detached(cms) != 1)
		/* its own content would be what it signs, not the file */
		fail(0, why, n, "the signed data is not detached");
	else
		goto out;
	CMS_ContentInfo_free(cms);
	cms = NULL;
out:
	free(der);
	return cms;
}

/* OpenSSL's reason for the failure, the outermost error with its detail
 * ("certificate verify error: Verify error:unable to get local issuer
 * certificate", "content verify error"). */
static void ssl_reason(char *buf, size_t n)
{
	const char *data = NULL, *r;
	int flags = 0;
	unsigned long e = ERR_peek_last_error_all(NULL, NULL, NULL, &data,
						  &flags);
	int txt = data && (flags & ERR_TXT_STRING) && *data;

	r = e ? ERR_reason_error_string(e) : NULL;
	snprintf(buf, n, "%s%s%s", r ? r : "unknown error", txt ? ": " : "",
		 txt ? data : "");
	ERR_clear_error();
}

/* "CN=<common name>" of the first signer, which CMS_verify() checked. */
static void signer_name(CMS_ContentInfo *cms, char *out, size_t n)
{
	STACK_OF(X509) *s = CMS_get0_signers(cms);
	char cn[256] = "";

	if (s && sk_X509_num(s) > 0)
		X509_NAME_get_text_by_NID(X509_get_subject_name(
			sk_X509_value(s, 0)), NID_commonName, cn, sizeof(cn));
	sk_X509_free(s);
	snprintf(out, n, "CN=%s", *cn ? cn : "(none)");
}

/*
 * The content to verify, db[0..dblen), as a read-only memory BIO behind a
 * null filter: OpenSSL 3.0's CMS_verify() copies a memory BIO into one
 * of its own and leaks that copy when the signature names a digest it
 * cannot set up (found by fuzz_cvdsign); any other BIO type it reads as
 * is.
 */
static BIO *content_bio(const void *db, size_t dblen)
{
	BIO *m = dblen <= INT32_MAX ? BIO_new_mem_buf(db, (int)dblen) : NULL;
	BIO *f = m ? BIO_new(BIO_f_null()) : NULL;

	if (!f) {
		BIO_free(m);
		return NULL;
	}
	return BIO_push(f, m);
}

/* The same, of the file open at fd (read from its start, not mapped:
 * what is read this way does not count in the process's memory). */
static BIO *content_bio_fd(int fd)
{
	int d = lseek(fd, 0, SEEK_SET) == 0 ? dup(fd) : -1;
	BIO *m = d >= 0 ? BIO_new_fd(d, BIO_CLOSE) : NULL;
	BIO *f = m ? BIO_new(BIO_f_null()) : NULL;

	if (!f) {
		if (m)
			BIO_free(m);
		else if (d >= 0)
			close(d);
		return NULL;
	}
	return BIO_push(f, m);
}

/* When the first certificate of the signer's chain to ca expires (time
 * since the epoch): the end of what a check just now vouches for; 0 when
 * the chain cannot be built again or a date not read. */
static int64_t chain_until(CMS_ContentInfo *cms, X509_STORE *ca)
{
	STACK_OF(X509) *s = CMS_get0_signers(cms);
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	X509_STORE_CTX *x = X509_STORE_CTX_new();
	int64_t until = 0, now = (int64_t)time(NULL);
	int day, sec;

	if (s && sk_X509_num(s) > 0 && x &&
	    X509_STORE_CTX_init(x, ca, sk_X509_value(s, 0), certs) == 1 &&
	    X509_verify_cert(x) == 1) {
		STACK_OF(X509) *ch = X509_STORE_CTX_get0_chain(x);

		for (int i = 0; i < sk_X509_num(ch); i++) {
			const ASN1_TIME *t =
				X509_get0_notAfter(sk_X509_value(ch, i));
			int64_t v;

			if (!t || ASN1_TIME_diff(&day, &sec, NULL, t) != 1) {
				until = 0;
				break;
			}
			v = now + (int64_t)day * 86400 + sec;
			if (i == 0 || v < until)
				until = v;
		}
	}
	X509_STORE_CTX_free(x);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_free(s);
	return until;
}

/* Verifies one line's signature of db[0..dblen) (or of the file open at
 * fd when fd >= 0) against ca; *until (when not NULL) the chain's end. */
static int line_verify(const struct sigline *l, const void *db,
		       size_t dblen, int fd, struct x509_store_st *ca,
		       char *signer, size_t sn, int64_t *until, char *why,
		       size_t n)
{
	CMS_ContentInfo *cms = line_cms(l, why, n);
	BIO *in = NULL;
	char r[300];
	int rc = MDE_ERR_FORMAT;

	if (!cms)
		goto out;
	rc = MDE_ERR_NOMEM; /* (or a database over 2 GiB: over its limit) */
	in = fd >= 0 ? content_bio_fd(fd) : content_bio(db, dblen);
	if (!in)
		goto out;
	ERR_clear_error();
	if (CMS_verify(cms, NULL, ca, in, NULL, CMS_BINARY) == 1) {
		signer_name(cms, signer, sn);
		if (until)
			*until = chain_until(cms, ca);
		rc = MDE_OK;
	} else {
		ssl_reason(r, sizeof(r));
		rc = fail(MDE_ERR_SIG, why, n, "the signature does not verify "
			  "(%s)", r);
	}
out:
	ERR_clear_error();
	BIO_free_all(in);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* ------------------------------------------------------------- a file */

/* The next line of s[*at..len), without its end of line or the spaces
 * around it (ClamAV trims them); 0 at the end. */
static int next_line(const char *s, size_t len, size_t *at,
		     const char **l, size_t *ll)
{
	const char *p, *e, *nl;

	if (*at >= len)
		return 0;
	p = s + *at;
	nl = memchr(p, '\n', len - *at);
	e = nl ? nl : s + len;
	*at = (size_t)(e - s) + 1;
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*l = p;
	*ll = (size_t)(e - p);
	return 1;
}

/* Verifies the signature line sl, line number line of its .sign. */
static int check_line(const struct sigline *sl, size_t line, const void *db,
		      size_t dblen, int fd, struct x509_store_st *ca,
		      char *signer, size_t sn, int64_t *until, char *why,
		      size_t n)
{
	char r[400];
	int rc = line_verify(sl, db, dblen, fd, ca, signer, sn, until, r,
			     sizeof(r));

	if (rc != MDE_OK)
		fail(rc, why, n, "line %zu: %s", line, r);
	return rc;
}

int mde__cvd_sign_check(const char *sign, size_t slen, const void *db,
			size_t dblen, struct x509_store_st *ca, char *signer,
			size_t sn, char *why, size_t n)
{
	return mde__cvd_sign_check_fd(sign, slen, db, dblen, -1, ca, signer,
				      sn, NULL, why, n);
}

int mde__cvd_sign_check_fd(const char *sign, size_t slen, const void *db,
			   size_t dblen, int fd, struct x509_store_st *ca,
			   char *signer, size_t sn, int64_t *until,
			   char *why, size_t n)
{
	struct sigline sl;
	const char *l, *bad;
	size_t ll, at = 0, line = 1;

	if (!next_line(sign, slen, &at, &l, &ll) ||
	    ll != 13 || memcmp(l, "#clamsign-1.0", 13) != 0)
		return fail(MDE_ERR_FORMAT, why, n, "the first line is not "
			    "\"#clamsign-1.0\"");
	while (next_line(sign, slen, &at, &l, &ll)) {
		line++;
		if (ll == 0 || l[0] == '#')
			continue;
		bad = memchr(l, '\0', ll) ? "a NUL byte"
					   : split_line(l, ll, &sl);
		if (bad)
			return fail(MDE_ERR_FORMAT, why, n, "line %zu: %s",
				    line, bad);
		/* a format of another level: ClamAV passes it over too */
		if (sl.min > MDE__SIGN_FLEVEL ||
		    (sl.max >= 0 && sl.max < MDE__SIGN_FLEVEL))
			continue;
		return check_line(&sl, line, db, dblen, fd, ca, signer, sn,
				  until, why, n);
	}
	return MDE__SIGN_NO_LINE;
}
