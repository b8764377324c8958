/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache.h - the persistent scan cache (LMDB): what a file's content was
 * found to be, keyed two ways:
 *   by file   (device, inode, size, mtime ns, ctime ns, and the where
 *             fingerprint when rules read the name): an unchanged file
 *             is not read again;
 *   by content (content id and size): a copy of a file already judged
 *             is not run through the expensive stages again.
 * Each verdict records the definitions version that made it.
 *
 * LMDB rather than SQLite: a re-scan does one lookup per file, and LMDB's
 * lookups are reads of a shared memory map (no syscall, no lock, readers
 * never block writers); its copy-on-write B-tree survives a crash at any
 * point, and several processes may use it at once.
 */
#ifndef MDE_CACHE_H
#define MDE_CACHE_H

#include "mde_int.h"

#define MDE__CACHE_MAXFIND 64
#define MDE__CV_CONTAINER 0x80u /* in mde__cval.have */ /* more findings: judged again each time */

typedef struct mde__cache mde__cache;
typedef struct mde__cache_rd mde__cache_rd;

/* The identity of a file's current content, as far as stat(2) can tell.
 * ctime cannot be set from user space, so any write changes the key.
 * where is the name's fingerprint (see mde__cval) when the rules read it,
 * else zero: then all names of a hard-linked file share one record, and
 * otherwise each name keeps its own. */
typedef struct mde__ckey {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	uint8_t where[16];
} mde__ckey;

/* What a verdict reports: a finding, a skip inside a container (its
 * reason), or a finding under an audit policy. */
enum { MDE__CF_FINDING = 0, MDE__CF_SKIP = 1, MDE__CF_AUDIT = 2 };

typedef struct mde__cfind {
	const char *stage, *name, *ns, *description, *author;
	long score;
	int kind;           /* MDE__CF_* */
	uint64_t msize;     /* inside a container: the member's size */
	const char *reason; /* SKIP (and AUDIT): why */
	const char *packer; /* "UPX" or NULL */
	/* inside a container: the member names, each NUL-terminated, one
	 * after the other (chainlen bytes, nlayers names); else NULL, 0 */
	const char *chain;
	size_t chainlen;
	unsigned nlayers;
} mde__cfind;

/* A verdict.  The strings of find[] point into the cache's memory and are
 * valid until the next call on the same reader. */
typedef struct mde__cval {
	uint8_t ver[16];         /* definitions version that made it */
	uint8_t ver_nohash[16];  /* same, leaving out hash signatures */
	uint8_t cid[16];         /* content id: the SHA-256's first 16 bytes,
				    or XXH3-128 above a size (verdict.c) */
	uint8_t where[16];       /* XXH3-128 of path and owner when rules
				    read them (else zero) */
	uint64_t size;
	unsigned have;           /* bit t: digest of hash type t is known;
				    MDE__CV_CONTAINER: the file was unpacked */
	uint8_t dig[MDE__NHASH][32];
	unsigned nfind;
	mde__cfind find[MDE__CACHE_MAXFIND];
} mde__cval;

/* Opens (creating) the cache in directory dir.  On failure returns NULL
 * with the reason in err. */
mde__cache *mde__cache_open(const char *dir, char *err, size_t errlen);

/* Writes what is pending, stops the writer thread and closes; NULL
 * allowed. */
void mde__cache_close(mde__cache *c);

/* A reader for one thread. */
mde__cache_rd *mde__cache_rd_new(mde__cache *c);
void mde__cache_rd_free(mde__cache_rd *r);

/* Looks a file up by key; 1 and *v filled when found, else 0. */
int mde__cache_get_file(mde__cache_rd *r, const mde__ckey *k, mde__cval *v);

/* Looks content up; 1 and *v filled when found with version ver and the
 * same where (see mde__cval). */
int mde__cache_get_content(mde__cache_rd *r, const uint8_t cid[16],
			   uint64_t size, const uint8_t ver[16],
			   const uint8_t where[16], mde__cval *v);

/* Records a verdict under the file key (k may be NULL) and the content
 * key.  Writes are batched and committed by one writer thread, off the
 * callers' path; a full batch waits only while the one before it is
 * still being committed.  Returns MDE_OK, MDE_ERR_NOMEM, or MDE_ERR_IO
 * once a commit has failed (the scan goes on without the cache). */
int mde__cache_put(mde__cache *c, const mde__ckey *k, const mde__cval *v);

/* Commits what is pending and waits until it is durable. */
int mde__cache_flush(mde__cache *c);

#endif
