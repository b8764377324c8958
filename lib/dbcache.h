/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbcache.h - a ClamAV database compiled once: the file that keeps a
 * .cvd, .cld or .cud in the definitions' cache directory as this engine
 * uses it (dbcache.c encodes and checks it; defs_cvd.c decides when).
 *
 * Its hash signatures (.hdb .hsb .hdu .hsu, PE section hashes .mdb .msb
 * .mdu .msu) are there as sorted tables, searched in place from the
 * mapping; every other member is there as its text, parsed at each load
 * as from the container.  So a load maps the file instead of inflating
 * the container and parsing millions of hash lines; pages of the tables
 * are read when a lookup touches them.
 *
 * Layout (little-endian, like the host):
 *
 *	"MDECLDB1" u64 file_len u8 key[16] u64 head_len u64 checksum
 *	u32 nent u32 0 u64 flevel_skips                        (64 bytes)
 *	nent entries of 64 bytes:
 *	  u32 kind u32 target u32 type u32 flags
 *	  u64 off u64 len u64 n u64 soff u64 nsizes u64 pool
 *	the data of TEXT and DIGEST entries, up to head_len
 *	the data of POOL and TABLE entries, 8-byte aligned
 *
 * checksum is XXH3-64 of the first head_len bytes with its own field
 * zero: the header, the entries and the text.  The tables are not summed,
 * which would read them all at every load; they are checked for bounds,
 * and a name offset out of its pool is no name (hashsig.c).  The file is
 * written whole through a rename, and the directory is the user's, as for
 * the scan cache and the compiled YARA rules.
 *
 * Entries:
 *   TEXT    a member parsed at load: off/len hold "name\0" then its bytes
 *   DIGEST  a member compiled into tables: "name\0", u64 its length, its
 *           XXH3-128 (what the definitions version covers in its stead);
 *           target 0: a hash list, 1: section hashes
 *   POOL    names of one target's tables: len bytes, the first and the
 *           last NUL
 *   TABLE   one type's records of one target (0: file hashes, 1: PE
 *           section hashes, 2: the same, potentially unwanted): n
 *           records of hash length + 12 bytes at off (len = n * that),
 *           nsizes sizes of flags >> 8 bytes (4 or 8) at soff, names in
 *           entry pool; flags & 1: a signature of any size
 */
#ifndef MDE_DBCACHE_H
#define MDE_DBCACHE_H

#include <stddef.h>
#include <stdint.h>

#define MDE__DBC_MAGIC "MDECLDB1"
#define MDE__DBC_HEAD 64
#define MDE__DBC_ENT 64

enum { MDE__DBC_TEXT = 1, MDE__DBC_DIGEST, MDE__DBC_POOL, MDE__DBC_TABLE };

/* TABLE and POOL targets */
enum { MDE__DBC_FILE = 0, MDE__DBC_SECT, MDE__DBC_SECT_PUA, MDE__DBC_NTGT };

struct mde__dbc_ent {
	uint32_t kind, target, type, flags;
	uint64_t off, len, n, soff, nsizes, pool;
	/* decoded by mde__dbc_entry() */
	const char *name;          /* TEXT, DIGEST */
	const uint8_t *data;       /* TEXT: the bytes; POOL, TABLE: records */
	size_t dlen;
	uint64_t mlen;             /* DIGEST: the member's length */
	const uint8_t *digest;     /* DIGEST: 16 bytes */
	const void *sizes;         /* TABLE */
	const char *names;         /* TABLE: its pool */
	size_t names_len;
};

typedef struct mde__dbc {
	const uint8_t *p;
	size_t len;
	uint8_t key[16];
	uint32_t nent;
	uint64_t flevel_skips;
} mde__dbc;

/*
 * Checks the file p[0..len) (layout above), every entry included, and
 * that it was made for key.  0 with d filled (pointing into p), or -1
 * with the reason in why (n bytes).
 */
int mde__dbc_open(mde__dbc *d, const void *p, size_t len,
		  const uint8_t key[16], char *why, size_t n);

/* Entry i of an opened file, decoded. */
void mde__dbc_entry(const mde__dbc *d, uint32_t i, struct mde__dbc_ent *e);

/* A decoded TABLE entry as a segment for mde__hashsigs_seg(). */
struct mde__hseg;
void mde__dbc_seg(const struct mde__dbc_ent *e, struct mde__hseg *g);

/* ---------------------------------------------------------------- writing */

struct mde__buf;
struct iovec;

/* What one file is made of, added in any order; the encoder puts TEXT
 * and DIGEST data first. */
typedef struct mde__dbc_w {
	struct mde__dbc_wpart {
		struct mde__dbc_ent e; /* kind, target, type, flags, n, nsizes */
		char name[128];
		const void *data;      /* TEXT bytes, POOL names, TABLE recs */
		size_t len;
		uint64_t mlen;         /* DIGEST */
		uint8_t digest[16];
		const void *sizes;     /* TABLE: nsizes * (flags >> 8) bytes */
		uint32_t pool;         /* TABLE: index of its POOL part */
	} *v;
	size_t n, cap;
	uint64_t flevel_skips;
} mde__dbc_w;

/* Adds a part; its index in *idx (may be NULL).  0 or -1 (memory). */
int mde__dbc_add(mde__dbc_w *w, const struct mde__dbc_wpart *part,
		 uint32_t *idx);

/*
 * Lays the file out: head receives its first head_len bytes (header,
 * entries, text), and iov (*niov entries, malloc'd) every piece of the
 * whole file in order, head first, pointing into head and the parts'
 * data.  0 or -1 (memory).
 */
int mde__dbc_encode(const mde__dbc_w *w, const uint8_t key[16],
		    struct mde__buf *head, struct iovec **iov, int *niov);

void mde__dbc_w_free(mde__dbc_w *w);

/* ------------------------------------------------------------ the stamp */

/*
 * clamdb-<name>-<XXH3-128 of the container's path as given>.stamp beside
 * the compiled files: that the container with this identity (device,
 * inode, size, modification and change times), beside this .sign and
 * these CAs (ctx: defs_cvd.c), was verified and compiled under key.
 * MDE__DBC_STAMP bytes in the machine's byte order (a cache directory is
 * the machine's own):
 *
 *   0  "MDECSTP1"            64  ctx[16]      104  by_sign (u32)
 *   8  dev, ino, size,       80  key[16]      108  length of how (u32)
 *      mtime s/ns, ctime     96  until (i64)  112  how[320]
 *      s/ns (u64/i64 each)                    432  zero[8]
 *                                             440  XXH3-64 of 0..440,
 *                                                  seeded by XXH3-64 of
 *                                                  the engine's version
 *
 * A stamp of another engine version fails its checksum: its key would
 * name a database compiled by other code.
 */
struct mde__cvdc_id {
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
};
struct mde__cvdc_stamp {
	uint8_t key[16];
	int by_sign;    /* verified by its .sign (else legacy, or unsigned) */
	int64_t until;  /* by_sign: when the signer's chain expires */
	char how[320];  /* defs->cvd_how */
};
#define MDE__DBC_STAMP 448
void mde__dbc_stamp_encode(uint8_t out[MDE__DBC_STAMP], const char *version,
			   const struct mde__cvdc_id *id, const uint8_t ctx[16],
			   const struct mde__cvdc_stamp *s);
/* A stamp's bytes: 0 and its fields, or -1 (damaged, or of another
 * version). */
int mde__dbc_stamp_parse(const void *buf, size_t len, const char *version,
			 struct mde__cvdc_id *id, uint8_t ctx[16],
			 struct mde__cvdc_stamp *s);

#endif /* MDE_DBCACHE_H */
