/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvd.h - ClamAV's database containers (.cvd, .cld, .cud), read and
 * checked before anything in them is loaded (cvd.c).
 *
 * A container is a 512-byte ASCII header
 *   ClamAV-VDB:time:version:sigs:flevel:md5:dsig:builder:stime
 * padded with spaces, then a tar archive, gzip-compressed or plain (a
 * .cld that freshclam patched and saved without CompressLocalDatabase).
 * Its ".info" member is the manifest: a header line of the same fields,
 * one "name:size:sha256" line per member, and, in official databases, a
 * "DSIG:" line signing what precedes it.
 *
 * mde__cvd_open() checks the whole container and keeps its members in
 * memory, so that a caller loads them only once every check passed: a
 * damaged database is refused whole, never half loaded.  It has no other
 * dependency than libarchive and libcrypto, for its fuzz harness.
 */
#ifndef MDE_CVD_H
#define MDE_CVD_H

#include <stddef.h>
#include <stdint.h>

#define MDE__CVD_HEAD 512 /* the header's size, fixed by the format */

enum mde__cvd_type {
	MDE__CVD_CVD = 1, /* official, as published */
	MDE__CVD_CLD,     /* official, patched locally by freshclam */
	MDE__CVD_CUD      /* unofficial: sigtool --build --unsigned */
};

/* The header's fields.  Text fields are NUL-terminated copies; md5 and
 * dsig are "X" where the builder left them out (.cld, .info). */
struct mde__cvd_head {
	char time[64];     /* build time, as written */
	unsigned version;
	unsigned sigs;     /* signatures the builder counted */
	unsigned flevel;   /* ClamAV functionality level it needs */
	char md5[33];      /* of everything after the header */
	char dsig[352];    /* ClamAV's RSA signature of md5 */
	char builder[64];
	uint64_t stime;    /* build time, seconds since the epoch; 0 if the
			      old eight-field form leaves it out */
};

/* What one container may hold; 0 = no limit. */
struct mde__cvd_limits {
	uint64_t max_members;
	uint64_t max_member_size;
	uint64_t max_total;  /* unpacked bytes, the tar's own blocks too */
};

struct mde__cvd_member {
	char name[101];      /* a tar name field holds at most 100 bytes */
	const uint8_t *data; /* inside the container's tar (see below) */
	size_t len;
};

/* An opened container.  Members point into tar, which is the caller's
 * buffer for a plain tar and an owned, decompressed copy otherwise. */
typedef struct mde__cvd {
	int type;                /* enum mde__cvd_type */
	struct mde__cvd_head head;
	struct mde__cvd_head info; /* the .info's own header line */
	uint8_t *tar_owned;      /* freed by mde__cvd_close(), or NULL */
	struct mde__cvd_member *m; /* every member but COPYING and .info */
	size_t nm;
	uint64_t unpacked;       /* bytes of tar after decompression */
	/* the .info's "DSIG:" value (inside the tar, dsig2_len bytes, or
	 * NULL) and the SHA-256 of the lines before it, which it signs */
	const char *dsig2;
	size_t dsig2_len;
	uint8_t info_sha256[32];
	int limit_hit;           /* 1 if a limit refused it */
} mde__cvd;

/* The type of a file named name by its extension, or 0. */
int mde__cvd_type_of(const char *name);

/*
 * Parses a header of len bytes (512 for a container; a .info's first
 * line, without its newline) into h.  Trailing spaces (the padding) and a
 * trailing CR are ignored; anything else malformed is refused.  Returns
 * MDE_OK or MDE_ERR_FORMAT with the reason in why (n bytes).
 */
int mde__cvd_head_parse(const char *buf, size_t len,
			struct mde__cvd_head *h, char *why, size_t n);

/*
 * Opens the container buf[0..len) of the given type: header, MD5 (not for
 * a .cld, whose header freshclam rewrites with "X" as ClamAV allows),
 * tar structure, the .info manifest (every member listed with its size
 * and SHA-256, none missing, none extra; COPYING and the .info itself
 * exempt) and the .info header against the container's.  Signatures are
 * not checked here.  buf must outlive c.  Returns MDE_OK (close c after),
 * MDE_ERR_NOMEM, or MDE_ERR_FORMAT with the reason in why (n bytes; a
 * limit also sets c->limit_hit).  On error c holds nothing to close.
 */
int mde__cvd_open(mde__cvd *c, int type, const void *buf, size_t len,
		  const struct mde__cvd_limits *lim, char *why, size_t n);

/* Frees what c owns; c may be zeroed or closed already. */
void mde__cvd_close(mde__cvd *c);

/* RSA public keys, as decimal strings (the form ClamAV publishes them
 * in): the header's signature of the MD5 (legacy) and the .info's DSIG. */
struct mde__cvd_keys {
	const char *legacy_n, *legacy_e;
	const char *info_n, *info_e;
};

/* ClamAV's published keys: the only ones mde__defs_load_cvd() uses for
 * the legacy signatures.  Other keys reach mde__cvd_verify() only from
 * code linked with the engine's internals (the unit tests); no option or
 * environment variable names one.  (The CAs of the detached .sign files
 * are a setting, as in ClamAV 1.5: mde_defs_set_clamav_certs().) */
extern const struct mde__cvd_keys mde__cvd_clamav_keys;

/*
 * Checks an opened container's signatures as ClamAV does (cvd_sig.c): a
 * .cvd's header signature of its MD5, and a .cvd's or .cld's .info DSIG
 * (RSA-PSS, SHA-256, 32-byte salt) of the .info lines before it.  A .cud
 * is unsigned: MDE_OK.  Returns MDE_OK, MDE_ERR_NOMEM, or MDE_ERR_SIG with
 * the reason in why (n bytes).
 */
int mde__cvd_verify(const mde__cvd *c, const struct mde__cvd_keys *k,
		    char *why, size_t n);

/* ------------------------------------------------- detached .sign files */

struct x509_store_st; /* OpenSSL's X509_STORE */

/*
 * The ".sign" format level this reader implements: ClamAV 1.5's sigtool
 * writes its "pkcs7-pem" lines from level 220 up ("220::pkcs7-pem:...").
 * It is the level of the .sign format, not MDE_CLAMAV_FLEVEL, the level of
 * the signature languages: a line is read when its range holds it.
 */
#define MDE__SIGN_FLEVEL 220

/* mde__cvd_sign_check() found no line of its level: the .sign says
 * nothing this reader can check (ClamAV then uses the legacy signature). */
#define MDE__SIGN_NO_LINE 1

/*
 * The path of the detached signature of the database at db whose header
 * says version, as freshclam names it: "<dir>/<name>-<version>.cvd.sign",
 * the name being db's file name up to its first '-' or '.' (one name for
 * "daily.cvd" and "daily-27780.cvd").  0, or -1 if it does not fit in
 * out (n bytes) or db has no name.
 */
int mde__cvd_sign_path(const char *db, unsigned version, char *out,
		       size_t n);

/*
 * The trusted CAs for .sign files: every PEM certificate in the .pem and
 * .crt files of the directory path (ClamAV's certs directory), or in the
 * file path.  A new store (mde__cvd_ca_free()), or NULL with the reason
 * in why (n bytes): unreadable, or no certificate in it.
 */
struct x509_store_st *mde__cvd_ca_load(const char *path, char *why,
				       size_t n);
void mde__cvd_ca_free(struct x509_store_st *ca); /* NULL allowed */

/*
 * Checks the .sign text sign[0..slen) against the database file's bytes
 * db[0..dblen) (all of them, header included) and the CAs of ca: the
 * first signature line whose level range holds MDE__SIGN_FLEVEL must be a
 * detached PKCS#7 SignedData of db by a certificate that chains to ca.
 * Returns MDE_OK with "CN=<signer>" in signer (sn bytes);
 * MDE__SIGN_NO_LINE if no line is of this level; MDE_ERR_FORMAT
 * (malformed) or MDE_ERR_SIG (does not verify: another file, another CA,
 * damaged) with the reason in why (n bytes); MDE_ERR_NOMEM.
 */
int mde__cvd_sign_check(const char *sign, size_t slen, const void *db,
			size_t dblen, struct x509_store_st *ca, char *signer,
			size_t sn, char *why, size_t n);
/* The same, the database's bytes read from fd (its whole file, from its
 * start) when fd >= 0: db[0..dblen) is then its mapping, not read.  On
 * MDE_OK, *until (when not NULL) is when the first certificate of the
 * signer's chain expires (seconds since the epoch; 0: unknown). */
/* SHA-256 over the sorted SHA-256 fingerprints of the certificates in
 * ca: which CAs a check trusted.  0, or -1. */
int mde__cvd_ca_digest(struct x509_store_st *ca, uint8_t out[32]);
int mde__cvd_sign_check_fd(const char *sign, size_t slen, const void *db,
			   size_t dblen, int fd, struct x509_store_st *ca,
			   char *signer, size_t sn, int64_t *until,
			   char *why, size_t n);

#endif /* MDE_CVD_H */
