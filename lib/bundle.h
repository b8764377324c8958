/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle.h - signed definitions bundles (.mdb), internal interface.
 *
 * The format is specified in mdescan-bundle(5); this header is its C
 * shape.  All integers are little-endian.  A bundle is
 *
 *	header (128 bytes) | signature (64) | manifest (nparts x 128) |
 *	parts, each at a 64-byte aligned offset
 *
 * and the Ed25519 signature covers the header and the manifest; the
 * manifest holds the SHA-256 of every part, so it covers the parts too,
 * and a reader can check a part without reading the others.
 */
#ifndef MDE_BUNDLE_H
#define MDE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define MDE__B_MAGIC "MDESCANB"
#define MDE__B_FORMAT 1
#define MDE__B_HDR 128
#define MDE__B_SIG 64
#define MDE__B_ENTRY 128
#define MDE__B_NAME 48     /* part name field, NUL padded */
#define MDE__B_ALIGN 64
#define MDE__B_MAX_PARTS 4096
#define MDE__B_MAX_PART (UINT64_C(1) << 34) /* 16 GiB decoded */
#define MDE__B_FLAG_DELTA 1u

enum mde__part_type {
	MDE__P_HASHTAB = 1, /* a hash table, "hash/md5|sha1|sha256" */
	MDE__P_SOURCE = 2,  /* a signature source, "src/<file>" by extension */
	MDE__P_YARAC = 3,   /* compiled YARA rules, "yara/compiled" */
	MDE__P_TARGET = 4,  /* delta: the target's header, sig and manifest */
	MDE__P_HASHDIFF = 5, /* delta: "delta/<part>", a hash table diff */
	MDE__P_CLAMNOTE = 6  /* "clamav/<file>": what the build found in the
				ClamAV database "src/<file>" (one
				"<count>\t<what>" line per kind of signature
				read but not run); nothing to load */
};

enum mde__part_enc { MDE__E_STORED = 0, MDE__E_LZ4 = 1 };

typedef struct mde__bpart {
	char name[MDE__B_NAME + 1];
	uint32_t type, enc;
	uint64_t off, stored, size, count;
	uint8_t sha256[32];
} mde__bpart;

typedef struct mde__bhdr {
	uint32_t format, flags, nparts;
	uint64_t version, base_version, created, total;
	uint8_t key_id[8];
	char min_engine[17];
	uint8_t base_digest[32]; /* delta: SHA-256 of the base's signed bytes */
} mde__bhdr;

/* A bundle in memory: the bytes (borrowed or owned) and the parsed head. */
typedef struct mde__bundle {
	const uint8_t *buf;
	size_t len;
	void *map;      /* owned mapping (munmap on close), or NULL */
	void *owned;    /* owned malloc'd bytes (free on close), or NULL */
	mde__bhdr h;
	mde__bpart *parts;
	uint8_t digest[32]; /* SHA-256 of the signed bytes: the bundle's id */
	uint64_t id[5];     /* mapped file: dev, ino, size, mtime ns, ctime ns */
	int parts_checked;  /* every part's SHA-256 was checked */
	char err[512];
} mde__bundle;

/*
 * Parses head and manifest of buf[0..len) (borrowed) and checks every
 * bound, and the parts' SHA-256.  Does not check the signature.  MDE_OK
 * or MDE_ERR_FORMAT with the reason in b->err.
 */
int mde__bundle_parse(mde__bundle *b, const void *buf, size_t len);

/* Parses only a head (header, signature, manifest) of a bundle whose
 * parts are elsewhere: bounds are checked against the header's size. */
int mde__bundle_parse_head(mde__bundle *b, const void *head, size_t hlen);

/* Maps path and parses it (b owns the mapping). */
int mde__bundle_open(mde__bundle *b, const char *path);

/* The same without checking the parts' SHA-256 (mde__bundle_check_parts
 * does, when no stamp vouches for them). */
int mde__bundle_open_head(mde__bundle *b, const char *path);
int mde__bundle_check_parts(mde__bundle *b);

/*
 * The stamp of a verified bundle, path + ".verified": the bundle's digest
 * and the identity of the file (device, inode, size, mtime, ctime) it was
 * verified in.  Any change to the file changes its ctime, which no one
 * but the kernel sets; an unchanged file need not be hashed again.
 */
int mde__stamp_write(const mde__bundle *b, const char *path);
int mde__stamp_ok(const mde__bundle *b, const char *path);

/* Frees what b owns; b may be zeroed or half-built. */
void mde__bundle_close(mde__bundle *b);

/* Checks the signature against the raw 32-byte Ed25519 public keys
 * pubs[0..n) (the one whose key id matches).  MDE_OK or MDE_ERR_SIG. */
int mde__bundle_verify(mde__bundle *b, const uint8_t (*pubs)[32], size_t n);

/* The part named name (NULL if none). */
const mde__bpart *mde__bundle_find(const mde__bundle *b, const char *name);

/*
 * A part's decoded bytes: stored parts point into the bundle (*tofree
 * NULL), LZ4 parts are decoded into malloc'd memory (*tofree set).
 */
int mde__bundle_part(mde__bundle *b, const mde__bpart *p, const uint8_t **out,
		     void **tofree);

/* Key id of a raw public key: the first 8 bytes of its SHA-256. */
void mde__key_id(const uint8_t pub[32], uint8_t id[8]);

/* Reads an Ed25519 public key (PEM) into pub; MDE_OK or an error. */
int mde__key_read_pub(const char *path, uint8_t pub[32], char *err,
		      size_t errlen);

/* ------------------------------------------------------------- writing */

typedef struct mde__bwriter mde__bwriter;

mde__bwriter *mde__bwriter_new(void);
void mde__bwriter_free(mde__bwriter *w); /* NULL allowed */

/* Adds a part (copied); compressed with LZ4 when enc says so and it pays. */
int mde__bwriter_add(mde__bwriter *w, const char *name, uint32_t type,
		     uint32_t enc, const void *buf, size_t len, uint64_t count);

/* Adds a part whose stored bytes are given as they are (delta parts). */
int mde__bwriter_add_raw(mde__bwriter *w, const mde__bpart *p,
			 const void *stored);

/*
 * Lays out and signs the bundle with the PEM private key at keypath into
 * malloc'd *out.  h supplies version, base_version, base_digest, flags,
 * created and min_engine.
 */
int mde__bwriter_finish(mde__bwriter *w, const mde__bhdr *h,
			const char *keypath, uint8_t **out, size_t *outlen,
			char *err, size_t errlen);

/* ------------------------------------------------ hash tables (bundle_hash.c) */

/* One hash signature, as the canonical table holds it. */
typedef struct mde__hrec {
	const uint8_t *digest;
	uint64_t size; /* UINT64_MAX: any size */
	const char *name;
} mde__hrec;

/*
 * Encodes recs[0..n) of hash type type as a canonical table part:
 * records sorted by (digest, size), one per (digest, size) (the smallest
 * name wins), names pooled and sorted.  The same set always gives the
 * same bytes, which is what lets a delta be checked against the target's
 * signed digest.  recs is sorted in place.
 */
int mde__htab_encode(int type, mde__hrec *recs, size_t n, uint8_t **out,
		     size_t *outlen);

/* A decoded table part: pointers into the part's bytes. */
typedef struct mde__htab {
	int type;
	size_t dlen, rsize, n, nsizes;
	unsigned sizew;
	int wildcard;
	const uint8_t *rec;
	const void *sizes;
	const char *names;
	size_t names_len;
} mde__htab;

/* Checks and decodes a table part: bounds, and unless trusted (a stamp
 * vouches for it) the order of the records and their name offsets. */
int mde__htab_decode(const uint8_t *buf, size_t len, mde__htab *t, char *err,
		     size_t errlen);
int mde__htab_decode_trusted(const uint8_t *buf, size_t len, mde__htab *t,
			     char *err, size_t errlen);

/* Record i of t as an mde__hrec (pointers into t). */
void mde__htab_rec(const mde__htab *t, size_t i, mde__hrec *r);

/* The diff from table a to table b (same type), as a HASHDIFF payload. */
int mde__htab_diff(const mde__htab *a, const mde__htab *b, uint8_t **out,
		   size_t *outlen);

/* Applies a HASHDIFF payload to table a: the canonical new table. */
int mde__htab_patch(const mde__htab *a, const uint8_t *diff, size_t dlen,
		    uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* ------------------------------------------------ deltas (bundle_delta.c) */

/*
 * Makes the signed delta turning bundle a into bundle b (b newer, same
 * signer or not: the delta carries b's own signature).
 */
int mde__delta_make(mde__bundle *a, mde__bundle *b, const char *keypath,
		    uint8_t **out, size_t *outlen, char *err, size_t errlen);

/*
 * Rebuilds the full target bundle from base and the (already verified)
 * delta d into malloc'd *out; refuses a delta for another base.  The
 * result still has to be parsed and verified as any bundle.
 */
int mde__delta_apply(mde__bundle *base, mde__bundle *d, uint8_t **out,
		     size_t *outlen, char *err, size_t errlen);

#endif /* MDE_BUNDLE_H */
