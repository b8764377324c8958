/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defs_format.h - the definitions formats, one row each (defs_format.c).
 *
 * Every place that meets a definitions file asks this table what it is:
 * loading (mde_defs_load_path/_buffer and their directory scans), the
 * bundle build (which files go in, and how), loading a bundle (how each
 * source part is read back), mdesig list (how a source names its
 * signatures) and mde_defs_version (which files are hash lists).  The
 * message listing what a bundle can hold is made from it too.
 *
 * Recognising a file.  Rows are tried in table order; a file is the first
 * row whose pattern fits its name and whose sniff, if it has one, accepts
 * its first bytes.  So:
 *   - a pattern ".ext" is an extension: what follows the name's last '.',
 *     case counts (".hdb");
 *   - a pattern "*end" is the end of the base name, ASCII case ignored
 *     ("*hash-iocs.txt"), and "start*" its start ("README*"); such rows
 *     come before any ".ext" row their names would also fit (".txt");
 *   - a sniff tells apart formats sharing a pattern: it sees the first
 *     MDE__DEFS_HEAD bytes (fewer when the file is shorter) and must not
 *     read further.  The signed bundle is told from ClamAV's ".mdb" (PE
 *     section hashes) by its magic: its row (sniff is_bundle) stays
 *     before the ClamAV row (no sniff), which takes every other ".mdb".
 * A bundle knows its source parts by name alone ("src/<file>"; no
 * sniff): among rows stored as MDE__P_SOURCE, patterns must not overlap.
 *
 * How to add a format:
 *   1. A parser in its own file (lib/clamav_ldb.c, ...) with its unit test
 *      and fuzz harness (tests/fuzz/run), reporting bad lines through
 *      mde__diag as the others do, and without per-line allocations.
 *   2. One row in formats[] (defs_format.c), next to its relatives: the
 *      same `what` on adjacent rows reads as one group in messages
 *      ("ClamAV hash signatures .hdb .hsb").
 *        load     int fn(mde_defs *, const mde__defs_fmt *, file, buf,
 *                 len): the parser's entry point when it has this shape,
 *                 else a three-line adapter in defs_format.c.  f->arg is
 *                 the row's own argument (a variant: PUA, IOC kind, ...).
 *        kind     what its signatures are (enum mde__defs_kind); a new
 *                 kind also gets its count in mde_defs_get_stats()
 *                 (defs.c) and a line in source_count() (defs_bundle.c).
 *        part     MDE__P_SOURCE: the bundle keeps the file as written and
 *                 loads it back with the same row; MDE__P_HASHTAB: its
 *                 hashes join the bundle's canonical hash tables (only for
 *                 what mde__hashsigs_parse() loads); 0: never in a bundle.
 *        names    for mdesig list and the build's duplicate check: calls
 *                 fn for each signature name with its line; list_as is
 *                 the kind mdesig list prints ("byte", "ioc", ...).
 *        flags    MDE__DF_HASHES for pure hash lists (mde_defs_version
 *                 keeps them apart), MDE__DF_UNIQUE when two signatures
 *                 of one name must be refused by the build.
 *   3. Formats the engine counts but does not use yet (ClamAV's .cbc .idb
 *      .crb .cat .pdb .gdb .wdb .cdb .ftm .cfg) are rows too: their load
 *      counts the entries it leaves out, which mde_defs_unsupported()
 *      reports by kind, so that nothing is silently ignored and nothing
 *      refused.
 * Nothing else changes: loading, bundling, listing and the messages
 * follow the table.
 */
#ifndef MDE_DEFS_FORMAT_H
#define MDE_DEFS_FORMAT_H

#include <stddef.h>

#include "mde_int.h"

#define MDE__DEFS_HEAD 64 /* bytes a sniff may look at */

/* What a format's signatures are. */
enum mde__defs_kind {
	MDE__DK_HASH = 1, /* hash signatures (hashsig.c) */
	MDE__DK_BYTES,    /* ClamAV's signature languages (clamav.h) */
	MDE__DK_YARA,     /* YARA rules, source or compiled */
	MDE__DK_IOC,      /* Loki IOCs (ioc.c) */
	MDE__DK_BUNDLE,   /* a signed bundle of the others (bundle.h) */
	MDE__DK_CLAMDB,   /* a ClamAV database container of the others
			     (cvd.h, defs_cvd.c) */
	MDE__DK_SKIP      /* recognised, holds nothing for file scanning:
			     one diagnostic line, nothing loaded */
};

enum mde__defs_flag {
	MDE__DF_HASHES = 1u << 0,      /* only hash signatures: counted in
					  the version's hash half */
	MDE__DF_UNIQUE = 1u << 1,      /* names unique within a bundle */
	MDE__DF_NAMED = 1u << 2,       /* loaded only when named: directory
					  scans pass it over */
	MDE__DF_PRECOMPILED = 1u << 3  /* a bundle also holds it compiled
					  ("yara/compiled"): the sources are
					  compiled only when that part does
					  not fit this engine */
};

typedef struct mde__defs_fmt mde__defs_fmt;

struct mde__defs_fmt {
	const char *pattern; /* ".ext" or "*end" (see above) */
	const char *what;    /* for messages: "ClamAV byte signatures" */
	int (*sniff)(const void *head, size_t len); /* NULL: name decides */
	int kind;            /* enum mde__defs_kind */
	int arg;             /* the row's own argument to load and names */
	/* Loads buf[0..len) (not NUL terminated) into defs; file names it in
	 * diagnostics.  MDE_OK or an error (reason in defs->err).  NULL for a
	 * format that loads only from its path. */
	int (*load)(mde_defs *defs, const mde__defs_fmt *f, const char *file,
		    const char *buf, size_t len);
	/* Loads the file at path itself, instead of the file being mapped and
	 * handed to load (a bundle maps and checks itself); or NULL. */
	int (*load_path)(mde_defs *defs, const char *path);
	int part;            /* enum mde__part_type (bundle.h), or 0 */
	void (*names)(const mde__defs_fmt *f, const char *buf, size_t len,
		      mde__names_fn fn, void *ctx); /* or NULL */
	const char *list_as; /* mdesig list's kind of those names */
	unsigned flags;      /* enum mde__defs_flag */
};

/* The next row after prev (NULL: the first) whose pattern fits name (a
 * path or a base name), or NULL. */
const mde__defs_fmt *mde__defs_fmt_next(const mde__defs_fmt *prev,
					const char *name);

/* The format of a file named name whose first bytes are buf[0..len): the
 * first row that fits the name and whose sniff accepts them; or NULL. */
const mde__defs_fmt *mde__defs_fmt_of(const char *name, const void *buf,
				      size_t len);

/* The format of a bundle's source part named name, or NULL. */
const mde__defs_fmt *mde__defs_fmt_source(const char *name);

/* Writes into out (n bytes, NUL terminated, cut if need be) the formats a
 * bundle can hold, for messages: "ClamAV hash signatures .hdb .hsb, ...". */
void mde__defs_fmt_bundled(char *out, size_t n);

/* Loads buf[0..len) as format f (NULL: unknown, an error naming the file)
 * into defs, and counts it into the definitions version.  What
 * mde_defs_load_buffer() does once it knows the format (defs.c). */
int mde__defs_load_as(mde_defs *defs, const mde__defs_fmt *f,
		      const char *name, const void *buf, size_t len);

/* Loads the ClamAV database container (.cvd .cld .cud) at path: checks it
 * whole (cvd.h), then loads its members by their rows; refused whole, with
 * the file and the reason in defs->err, when a check fails.  The load_path
 * of the container rows (defs_cvd.c). */
int mde__defs_load_cvd(mde_defs *defs, const char *path);

/* The same for the container buf[0..len) named name (its extension says
 * its type): the load of the container rows, for a container inside a
 * signed bundle (MDE__P_SOURCE), whose hash lists the bundle's tables
 * hold already.  f is unused.  buf must stay mapped while it loads. */
int mde__defs_load_cvd_buf(mde_defs *defs, const mde__defs_fmt *f,
			   const char *name, const char *buf, size_t len);

/* The names of a container's signatures of its row's list_as kind
 * ("byte": its .ndb and .ndu members), for mdesig list: the names of
 * the rows of its members.  A container that does not open lists none
 * (its load says why).  The names of the container rows. */
void mde__defs_cvd_names(const mde__defs_fmt *f, const char *buf, size_t len,
			 mde__names_fn fn, void *ctx);

/* 1 if the .cvd or .cld at path is one database with a .cld or .cvd of the
 * same name beside it, and that one is newer (or, at equal versions, the
 * .cld): a diagnostic names both, and a directory scan leaves path out,
 * as ClamAV does.  0 otherwise, also when either header is unreadable
 * (its load then says why). */
int mde__defs_cvd_superseded(mde_defs *defs, const char *path);

/* The test of mde__defs_cvd_superseded() without the diagnostic: 1 with
 * the reason in why (n bytes), or 0. */
int mde__defs_cvd_newer(const char *path, char *why, size_t n);

/* Sets the container limits and the .sign CAs to their defaults
 * (mde_defs_new()); MDE_OK or MDE_ERR_NOMEM. */
/* The row a container's member loads as, or NULL (defs_cvd.c). */
struct mde__cvd_member;
const mde__defs_fmt *mde__defs_cvd_member_fmt(const struct mde__cvd_member *m);

/* ClamAV databases compiled once (defs_cvdc.c, dbcache.h).  The key of
 * the container name (by its extension) holding buf[0..len) (read from
 * fd instead when fd >= 0), verified by its .sign (by_sign) or by its
 * legacy signatures. */
void mde__defs_cvdc_key(const char *name, int by_sign, const void *buf,
			size_t len, int fd, uint8_t key[16]);
/* Loads the database from its compiled file in defs->cache_dir: 1 when
 * done, 0 when there is none to use (nothing loaded), or an error. */
int mde__defs_cvdc_load(mde_defs *defs, const char *name,
			const uint8_t key[16]);
/* Loads the checked container c, its hash lists compiled, and keeps it
 * compiled: MDE_OK, an error, or MDE__CVDC_FALLBACK when it cannot be
 * kept (no cache directory, or it cannot be written): nothing loaded,
 * the caller loads c as without a cache. */
#define MDE__CVDC_FALLBACK 1
#define MDE__CVDC_WRITTEN 2
struct mde__cvd;
int mde__defs_cvdc_compile(mde_defs *defs, const char *name,
			   const struct mde__cvd *c, const uint8_t key[16]);

/*
 * The stamp of a container (defs_cvdc.c; its file: dbcache.h): that the
 * file with this identity, beside this .sign and these CAs (ctx), was
 * verified and compiled under key.  A load that finds its stamp maps the
 * compiled file without reading the container, as the scan cache trusts a
 * file's identity for a verdict.
 */
struct mde__cvdc_id;
struct mde__cvdc_stamp;
int mde__cvdc_id_of(int fd, struct mde__cvdc_id *id); /* 0, or -1 */
/* 1 and *s when name's stamp matches id and ctx (and, by_sign, has not
 * expired); 0 otherwise. */
int mde__defs_cvdc_stamp_get(mde_defs *defs, const char *name,
			     const struct mde__cvdc_id *id,
			     const uint8_t ctx[16], struct mde__cvdc_stamp *s);
/* Writes name's stamp (best effort: a cache may always be missing). */
void mde__defs_cvdc_stamp_put(mde_defs *defs, const char *name,
			      const struct mde__cvdc_id *id,
			      const uint8_t ctx[16],
			      const struct mde__cvdc_stamp *s);
/* Writes name's stamp (best effort: a cache may always be missing). */
void mde__defs_cvdc_stamp_put(mde_defs *defs, const char *name,
			      const struct mde__cvdc_id *id,
			      const uint8_t ctx[16],
			      const struct mde__cvdc_stamp *s);
/* A stamp's bytes: 0 and its fields, or -1 (not one of this version). */
int mde__cvdc_stamp_parse(const void *buf, size_t len,
			  struct mde__cvdc_id *id, uint8_t ctx[16],
			  struct mde__cvdc_stamp *s);
void mde__defs_cvdc_free(mde_defs *defs); /* unmaps the compiled files */

int mde__defs_cvd_init(mde_defs *defs);

/* Frees what the containers' settings hold (the .sign CAs). */
void mde__defs_cvd_free(mde_defs *defs);

/* Signatures loaded into defs so far, of every kind (YARA rules count
 * once compiled): what a bundle part is said to hold (defs.c). */
uint64_t mde__defs_nsigs(const mde_defs *defs);

#endif /* MDE_DEFS_FORMAT_H */
