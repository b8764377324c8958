/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav.h - ClamAV's signature languages (doc/clamav-signatures.md):
 * body signatures (.ndb .ndu), logical signatures (.ldb .ldu), PE
 * section hashes (.mdb .msb .mdu .msu), import hashes (.imp), allow
 * lists (.fp .sfp), ignore lists (.ign .ign2), and the formats that are
 * read but not run (counted per kind).
 *
 * Loaded once, then read-only and shared; each worker owns a scratch.
 * Every hex pattern of every body and logical signature is in one
 * Vectorscan database: a file is read once by it, and offsets, logic,
 * byte compares and regular expressions are evaluated only for the
 * signatures whose patterns it reported.
 */
#ifndef MDE_CLAMAV_H
#define MDE_CLAMAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mde_int.h"
#include "exe.h"

/* The ClamAV functionality level this engine implements (ClamAV 1.4). */
#define MDE__CLAM_FLEVEL 216

/*
 * Definition kinds.  Which file extension is which kind is the
 * definitions-format table's (defs_format.c: a row's arg is the kind,
 * with MDE__CLAM_PUA for the "u" variants .ndu .ldu .mdu .msu, whose
 * signatures are potentially unwanted applications); .hdb .hsb .hdu .hsu
 * are hashsig.c's.
 */
enum mde__clam_kind {
	MDE__CK_NONE = 0,
	MDE__CK_NDB,  /* .ndb .ndu */
	MDE__CK_LDB,  /* .ldb .ldu */
	MDE__CK_MDB,  /* .mdb .msb .mdu .msu: PE section hashes */
	MDE__CK_IMP,  /* .imp: import-table hashes */
	MDE__CK_FP,   /* .fp .sfp: allow lists (file hashes) */
	MDE__CK_IGN,  /* .ign .ign2: signature names to drop */
	/* read, counted, not run */
	MDE__CK_CDB,  /* .cdb: container metadata */
	MDE__CK_FTM,  /* .ftm: file-type magic */
	MDE__CK_CFG,  /* .cfg: dynamic configuration */
	MDE__CK_CBC,  /* .cbc: bytecode */
	MDE__CK_IDB,  /* .idb: icons */
	MDE__CK_AUTH, /* .crb .cat: Authenticode */
	MDE__CK_PHISH /* .pdb .gdb .wdb: phishing */
};

#define MDE__CLAM_PUA 0x100 /* or'ed to a kind in a format row's arg */

/* Where a file parsed comes from: mde__clam_parse()'s src, or'ed. */
#define MDE__CLAM_SRC_PUA 1        /* a "u" variant (.ndu .ldu .mdu .msu):
				      potentially unwanted applications */
#define MDE__CLAM_SRC_UNOFFICIAL 2 /* not an official database (a .cvd or
				      .cld that verified): a loose file, a
				      .cud; its names may get ".UNOFFICIAL" */

typedef struct mde__clam mde__clam;
typedef struct mde__clamscratch mde__clamscratch;

mde__clam *mde__clam_new(void);
void mde__clam_free(mde__clam *c); /* NULL allowed */

/*
 * Parses one definitions file of kind (enum mde__clam_kind) from source
 * src (MDE__CLAM_SRC_*) in buf[0..len).  Bad lines are reported through d
 * by file, line, signature and reason, and skipped; signatures outside
 * this engine's functionality level are skipped as clamscan does
 * (counted).  MDE_OK, MDE_ERR_NOMEM, MDE_ERR_ARG for an unknown kind, or
 * MDE_ERR_STATE once compiled.
 */
int mde__clam_parse(mde__clam *c, int kind, int src, const char *file,
		    const char *buf, size_t len, mde__diag *d);

/* Builds the Vectorscan database and the indexes; once, after parsing.
 * MDE_OK, MDE_ERR_NOMEM or MDE_ERR_COMPILE (reason in err). */
/* Keeps the compiled pattern database in dir (which must outlive c), and
 * loads it from there when the same patterns were compiled before. */
void mde__clam_set_cache_dir(mde__clam *c, const char *dir);
int mde__clam_compile(mde__clam *c, mde__diag *d, char *err, size_t errlen);

/* The PE section hashes (pua: the potentially unwanted ones), to which
 * a compiled database adds its tables before compile (defs_cvdc.c). */
mde__hashsigs *mde__clam_sect(mde__clam *c, int pua);
/* Signatures skipped for their functionality level, and more of them. */
uint64_t mde__clam_flevel_skips(const mde__clam *c);
void mde__clam_add_flevel_skips(mde__clam *c, uint64_t n);

/* Signatures loaded (all kinds that run), and approximate memory. */
uint64_t mde__clam_count(const mde__clam *c);
uint64_t mde__clam_memory(const mde__clam *c);

/*
 * Calls fn once per kind of signature read but not run, or skipped by
 * functionality level, with the count: ("bytecode signatures", 84).
 */
typedef void (*mde__clam_unsup_fn)(void *ctx, const char *what, uint64_t n);
void mde__clam_unsupported(const mde__clam *c, mde__clam_unsup_fn fn,
			   void *ctx);

/* True when no signature of any kind that runs was loaded. */
bool mde__clam_empty(const mde__clam *c);

mde__clamscratch *mde__clamscratch_new(const mde__clam *c);
void mde__clamscratch_free(mde__clamscratch *s); /* NULL allowed */

/* What the scan knows about the buffer. */
typedef struct mde__clamfile {
	const uint8_t *buf;
	size_t len;
	int depth;              /* containers around it; 0 on disk */
	const char *container;  /* ClamAV type name of the innermost
				   container ("CL_TYPE_ZIP"), or NULL */
} mde__clamfile;

/* A finding: name (with ".UNOFFICIAL" when asked and its source is
 * unofficial), pua per the file it came from.  Returns nonzero to stop. */
typedef int (*mde__clam_fn)(void *ctx, const char *name, int pua);

/*
 * Scans one buffer with every signature: section and import hashes (PE
 * only), body and logical signatures on the raw bytes and on the
 * normalised text or HTML where the target asks.  Names on the ignore
 * lists are dropped.  MDE_OK, or MDE_ERR_STATE when the matcher failed
 * (Vectorscan error, out of memory).
 */
int mde__clam_scan(const mde__clam *c, mde__clamscratch *s,
		   const mde__clamfile *f, mde__clam_fn fn, void *ctx);

/* True when the file with these digests (hex, lower case; NULL: not
 * computed) is on an allow list (.fp .sfp) of c. */
bool mde__clam_allowed(const mde__clam *c, const uint8_t *md5,
		       const uint8_t *sha1, const uint8_t *sha256,
		       uint64_t size);

/* Digests the allow lists need for a file of this size (1 << type). */
unsigned mde__clam_fp_want(const mde__clam *c, uint64_t size);

/* True when name is on an ignore list (.ign .ign2): its detections, by
 * any signature of any format, are dropped.  ClamAV's lists name
 * signatures as written: a name as reported, "<name>.UNOFFICIAL", is
 * looked up without its suffix too. */
bool mde__clam_ignored(const mde__clam *c, const char *name);

/* Adds ".UNOFFICIAL" to the names of the signatures whose source is
 * unofficial (MDE__CLAM_SRC_UNOFFICIAL, unofficial section hash segments),
 * as clamscan and clamd do (default off).  Before compile. */
void mde__clam_set_unofficial(mde__clam *c, bool on);

#endif /* MDE_CLAMAV_H */
