/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mde_int.h - internal interfaces shared by the files of libmde.
 * Names here carry the mde__ prefix; nothing here is public.
 */
#ifndef MDE_INT_H
#define MDE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "mdescan.h"

/* Diagnostic sink used by the parsers (see mde_diag_fn in mdescan.h). */
typedef struct mde__diag {
	mde_diag_fn fn;
	void *ctx;
	uint64_t count; /* items reported so far */
} mde__diag;

/* ------------------------------------------------ shared helpers (util.c) */

/* A growable byte string, always NUL terminated after len bytes (once
 * something was put); zero-initialised is empty.  The owner frees p. */
typedef struct mde__buf {
	char *p;
	size_t len, cap;
} mde__buf;

/* Appends s[0..n) to b; MDE_OK or MDE_ERR_NOMEM (b unchanged). */
int mde__buf_put(mde__buf *b, const char *s, size_t n);

/* Grows the array *p (*cap elements of elem bytes) to hold need
 * elements, doubling from 16; 0, or -1 when out of memory or the size
 * overflows (*p and *cap unchanged). */
int mde__grow(void **p, size_t *cap, size_t need, size_t elem);

/* Value + 1 of each hex digit (either case), 0 for any other byte: a
 * table, so the hash-list parsers pay one load per digit. */
extern const uint8_t mde__hexdig1[256];

/* The value of hex digit c, or -1. */
static inline int mde__hexval(int c)
{
	return (int)mde__hexdig1[(unsigned char)c] - 1;
}

/* Decodes the 2 * n hex digits at h into out[0..n).  -1 when all are hex
 * digits, else the index in h of the first that is not (out is then
 * partly written). */
/*
 * The first n-byte needle in buf[0..len), or NULL: memchr for its first
 * byte, then memcmp.  For the detectors that look at the first kilobytes
 * of every file and member, where glibc's memmem sets up more than it
 * searches.
 */
static inline const uint8_t *mde__find(const uint8_t *buf, size_t len,
				       const char *needle, size_t n)
{
	const uint8_t *p = buf, *end = buf + len;

	while (n && (size_t)(end - p) >= n &&
	       (p = memchr(p, (uint8_t)needle[0], (size_t)(end - p) - n + 1)))
		if (!memcmp(p, needle, n))
			return p;
		else
			p++;
	return NULL;
}

long mde__unhex(const char *h, size_t n, uint8_t *out);

/* The same for digits already known to be hex: no checks, for the hash
 * lists' parser, which has just scanned them (a million lines a second). */
static inline void mde__unhex_valid(const char *h, size_t n, uint8_t *out)
{
	const uint8_t *t = mde__hexdig1;

	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)((t[(unsigned char)h[2 * i]] - 1) << 4 |
				   (t[(unsigned char)h[2 * i + 1]] - 1));
}

/* Lower-case hex of d[0..n) into out (2 * n + 1 bytes, NUL terminated). */
void mde__hex(const uint8_t *d, size_t n, char *out);

/* strcmp() of two char * array elements, for qsort() and bsearch(). */
int mde__cmp_str(const void *a, const void *b);

/*
 * The names in directory dir, in strcmp() order: all but those starting
 * with '.', and only those keep() takes (keep NULL: all).  *out is a
 * malloc'd array of *n malloc'd names (mde__names_free()).  MDE_OK,
 * MDE_ERR_IO (errno set: dir cannot be opened) or MDE_ERR_NOMEM.
 * Sorted, so that what is loaded from a directory does not depend on
 * the order the filesystem lists it in.
 */
int mde__list_dir(const char *dir, int (*keep)(const char *name),
		  char ***out, size_t *n);
void mde__names_free(char **v, size_t n); /* v NULL allowed */

/* Replaces path with buf[0..len) through a fsync'd temporary beside it
 * (path.PID.tmp, created anew: never a file planted there) and rename:
 * readers see the old file or the new one whole.  0, or -1 with errno. */
int mde__write_atomic(const char *path, const void *buf, size_t len);
struct iovec;
int mde__write_atomic_iov(const char *path, const struct iovec *iov,
			  int niov); /* the same, of the pieces in order */

/* Compiled definitions kept in a cache directory: of the files named
 * PREFIX*SUFFIX there, the MDE__CACHE_KEEP most recently used stay and
 * the others are removed (a file used is touched: mde__cache_touch). */
#define MDE__CACHE_KEEP 4
void mde__cache_prune(const char *dir, const char *prefix,
		      const char *suffix);
void mde__cache_prune_keep(const char *dir, const char *prefix,
			   const char *suffix, size_t keep);
void mde__cache_touch(const char *path);

/* What a names lister (mdesig list, the bundle build's duplicate check)
 * calls for each signature name of a source file, with its line there (0
 * when the lister cannot tell); name is valid during the call only. */
typedef void (*mde__names_fn)(void *ctx, unsigned line, const char *name);

/*
 * s[0..len) into out (n bytes, NUL-terminated) with every byte that is
 * not printable ASCII as \xHH and '\\' as "\\\\", cut with "..." when
 * it does not fit: untrusted text quoted in a message.  Returns the
 * length written.
 */
size_t mde__escape(char *out, size_t n, const char *s, size_t len);

/* Reports one diagnostic: formats msg with printf-style arguments; msg,
 * signame and file are escaped and bounded (mde__escape()). */
void mde__diagf(mde__diag *d, const char *file, unsigned line,
		const char *signame, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ------------------------------------------------ hash signatures (hashsig.c) */

enum mde__hash_type { MDE__MD5 = 0, MDE__SHA1 = 1, MDE__SHA256 = 2, MDE__NHASH };

/* Digest length in bytes of a hash type. */
size_t mde__hash_len(int type);

/* The hash type of a digest written in hexlen hex digits (32, 40, 64),
 * or -1. */
int mde__hash_type_of_hexlen(size_t hexlen);

typedef struct mde__hashsigs mde__hashsigs;

mde__hashsigs *mde__hashsigs_new(void);
void mde__hashsigs_free(mde__hashsigs *h); /* NULL allowed */

/*
 * Parses one hash-signature file held in buf[0..len) (not NUL terminated).
 * file is the name used in diagnostics.  Accepted line forms:
 *   HASH:SIZE:NAME[:FLEVEL...]   ClamAV .hdb/.hsb (MD5, SHA-1 or SHA-256
 *                                by hex length)
 *   HASH:*:NAME[:FLEVEL...]      size wildcard
 *   HASH                         plain hash list; name "Hash.<type>.<file>"
 *   HASH  FILENAME               sha256sum/md5sum output; same naming
 * Blank lines and lines starting with '#' are ignored.  A malformed line
 * is reported through d (file, line, reason) and skipped.
 * Returns MDE_OK, or MDE_ERR_NOMEM.
 */
int mde__hashsigs_parse(mde__hashsigs *h, const char *file, const char *buf,
			size_t len, mde__diag *d);

/* Where signatures come from (src of the calls below). */
#define MDE__HS_UNOFFICIAL 1u /* a ClamAV database that is not official:
				 a loose file, a .cud (hashsig_src.c) */

/* The same, the named (ClamAV) lines from source src; plain-list
 * signatures are mdescan's names, never ClamAV's, whatever src says. */
int mde__hashsigs_parse_src(mde__hashsigs *h, const char *file,
			    const char *buf, size_t len, unsigned src,
			    mde__diag *d);

/* Adds one signature (size UINT64_MAX: any size) named name[0..nlen)
 * (no NUL inside), checked by the caller, from source src; hint: how
 * many more are likely to follow.  MDE_OK, MDE_ERR_NOMEM, or
 * MDE_ERR_STATE once finalized or into a type with a bundle's table. */
int mde__hashsigs_add(mde__hashsigs *h, int type, const uint8_t *digest,
		      uint64_t size, const char *name, size_t nlen,
		      unsigned src, size_t hint);

/* Whether names are interned (the default): each distinct name stored
 * once.  Off, a name is shared only with the signature just before it:
 * for sets whose names are nearly all distinct (ClamAV's databases), the
 * interning table costs more than it saves. */
void mde__hashsigs_set_intern(mde__hashsigs *h, bool on);

/* Whether the signatures of unofficial sources (MDE__HS_UNOFFICIAL, and
 * unofficial segments) are named "<name>.UNOFFICIAL", as clamscan names
 * them (default off).  Before finalize, which gives the suffix: lookups
 * then return the names so.  A set that a cache file is made from keeps
 * it off and its sources unflagged (the file holds ClamAV's names). */
void mde__hashsigs_set_unofficial(mde__hashsigs *h, bool on);

/* Sorts the tables and builds the size sets; call once, after parsing. */
int mde__hashsigs_finalize(mde__hashsigs *h);

/* Number of signatures of all types, and bytes of memory held. */
uint64_t mde__hashsigs_count(const mde__hashsigs *h);
uint64_t mde__hashsigs_memory(const mde__hashsigs *h);

/* True if a file of this size must be hashed with type to be checked
 * (its size appears among that type's signatures, or a wildcard-size
 * signature of that type exists). */
bool mde__hashsigs_want(const mde__hashsigs *h, int type, uint64_t size);

/* Name of the signature matching digest and size, or NULL. */
const char *mde__hashsigs_lookup(const mde__hashsigs *h, int type,
				 const uint8_t *digest, uint64_t size);

struct mde__htab;
struct mde__hrec;

/* Uses a bundle's decoded table (bundle.h) in place, borrowed: it must
 * outlive h.  Only into an empty type, before finalize; no hash file can
 * be parsed into h afterwards (MDE_ERR_STATE). */
int mde__hashsigs_attach(mde__hashsigs *h, const struct mde__htab *t);

/*
 * A segment: a sorted table of one type used in place (a compiled ClamAV
 * database mapped from the cache directory, clamav_dbcache.c), searched
 * after the parsed signatures.  rec: n records (digest | u64 size | u32
 * name offset into names), sorted by digest then size, unique; sizes:
 * the distinct sizes but the wildcard, sorted, sizew (4 or 8) bytes
 * each; names: names_len bytes, the last a NUL.  Borrowed: it must
 * outlive h.
 */
typedef struct mde__hseg {
	int type;
	const uint8_t *rec;
	size_t n;
	const void *sizes;
	size_t nsizes;
	unsigned sizew;
	bool wildcard;
	const char *names;
	size_t names_len;
	bool unofficial; /* from an unofficial database (a .cud) */
} mde__hseg;

/* Adds a segment, before finalize.  MDE_OK, MDE_ERR_NOMEM, MDE_ERR_STATE
 * (finalized, or g malformed). */
int mde__hashsigs_seg(mde__hashsigs *h, const mde__hseg *g);

/* The parsed signatures of one type as a segment (pointers into h),
 * after finalize: what the cache writes.  MDE_OK or MDE_ERR_STATE. */
int mde__hashsigs_view(const mde__hashsigs *h, int type, mde__hseg *g);

/* Signatures of one type, and each of them (after finalize) into out
 * (count_type entries; pointers into h). */
uint64_t mde__hashsigs_count_type(const mde__hashsigs *h, int type);
void mde__hashsigs_export(const mde__hashsigs *h, int type,
			  struct mde__hrec *out);

/* ------------------------------------------------ byte signatures (bytesig.c) */

/* File kinds a byte signature can target (ClamAV Target field). */
enum mde__target {
	MDE__T_ANY = 0,
	MDE__T_PE = 1,
	MDE__T_ELF = 6,
	MDE__T_MACHO = 9
};

typedef struct mde__bytesigs mde__bytesigs;
typedef struct mde__bytescratch mde__bytescratch;

mde__bytesigs *mde__bytesigs_new(void);
void mde__bytesigs_free(mde__bytesigs *b); /* NULL allowed */

/*
 * Parses one ClamAV .ndb file in buf[0..len):
 *   Name:Target:Offset:HexSig[:MinFL[:MaxFL]]
 * A malformed line, or a signature using a feature the engine does not
 * support, is reported through d by file, line and signature name with
 * the reason, and skipped.  Returns MDE_OK or MDE_ERR_NOMEM.
 */
int mde__bytesigs_parse(mde__bytesigs *b, const char *file, const char *buf,
			size_t len, mde__diag *d);

/* Calls fn with the name of each signature line of an .ndb file in
 * buf[0..len): the text before the first ':' of lines not starting with
 * '#' (names of 1024 bytes or more are left out).  No checks beyond. */
void mde__bytesigs_names(const char *buf, size_t len, mde__names_fn fn,
			 void *ctx);

/* Compiles the signatures for scanning; once, after parsing.  A signature
 * the matcher cannot compile is reported through d and dropped.
 * Returns MDE_OK, MDE_ERR_NOMEM or MDE_ERR_COMPILE (msg in err). */
int mde__bytesigs_compile(mde__bytesigs *b, mde__diag *d, char *err,
			  size_t errlen);

uint64_t mde__bytesigs_count(const mde__bytesigs *b);
uint64_t mde__bytesigs_memory(const mde__bytesigs *b);

/* Per-thread scratch; one per worker. */
mde__bytescratch *mde__bytescratch_new(const mde__bytesigs *b);
void mde__bytescratch_free(mde__bytescratch *s); /* NULL allowed */

/* Called once per matching signature (each signature at most once per
 * buffer).  Returns nonzero to stop scanning. */
typedef int (*mde__bytematch_fn)(void *ctx, const char *signame);

/*
 * Scans buf[0..len) with every signature whose target fits target
 * (an enum mde__target value of the file).  Returns MDE_OK, or
 * MDE_ERR_STATE if the matcher failed.
 */
int mde__bytesigs_scan(const mde__bytesigs *b, mde__bytescratch *s,
		       const uint8_t *buf, size_t len, int target,
		       mde__bytematch_fn fn, void *ctx);

/* ------------------------------------------------ file typing (filetype.c) */

typedef struct mde__ftype {
	const char *name; /* YARA external "filetype": "ELF", "EXE", ... or "" */
	int target;       /* enum mde__target of the file */
} mde__ftype;

/* Classifies a file from its first bytes (buf[0..len)); never fails. */
void mde__filetype(const uint8_t *buf, size_t len, mde__ftype *ft);

/* ------------------------------------------------ YARA stage (yarastage.c) */

typedef struct mde__yara mde__yara;
typedef struct mde__yscan mde__yscan;

/* Per-file values of the external variables rules may use (Loki/THOR). */
typedef struct mde__yext {
	const char *filename;  /* basename */
	const char *filepath;  /* directory, no trailing slash */
	const char *extension; /* lowercase with leading dot, or "" */
	const char *filetype;  /* mde__ftype.name */
	const char *owner;     /* user name, or the uid in decimal */
} mde__yext;

/* One matching rule; pointers valid during the callback only. */
typedef struct mde__ymatch {
	const char *rule;
	const char *ns;
	const char *description; /* NULL when absent */
	const char *author;      /* NULL when absent */
	long score;              /* -1 when absent */
} mde__ymatch;

typedef int (*mde__ymatch_fn)(void *ctx, const mde__ymatch *m);

mde__yara *mde__yara_new(void); /* NULL on failure */
void mde__yara_free(mde__yara *y); /* NULL allowed */

/* Keeps a copy of a rule source; compiled by mde__yara_compile(). */
int mde__yara_add_source(mde__yara *y, const char *file, const char *buf,
			 size_t len);

/* Loads compiled rules (yarac output); reports a bad file through d. */
int mde__yara_add_compiled(mde__yara *y, const char *file, const void *buf,
			   size_t len, mde__diag *d);

/*
 * Compiles every source.  A file that fails to compile is reported through
 * d (file, line, message) and left out; the others still load.
 */
int mde__yara_compile(mde__yara *y, mde__diag *d, char *err, size_t errlen);

/* Calls fn with the identifier of each rule of the YARA source
 * buf[0..len), as libyara compiles it (nothing when it does not; line
 * 0).  libyara must be initialised (mde__yara_new() or yr_initialize()). */
void mde__yara_names(const char *buf, size_t len, mde__names_fn fn,
		     void *ctx);

uint64_t mde__yara_count(const mde__yara *y);
bool mde__yara_empty(const mde__yara *y);

/* Per-thread scanner state (one YR_SCANNER per rule set). */
mde__yscan *mde__yscan_new(const mde__yara *y);
void mde__yscan_free(mde__yscan *s); /* NULL allowed */

/*
 * Scans buf with every rule set.  Returns MDE_OK, or MDE_ERR_STATE with a
 * reason in *why ("limit: timeout", ...) when libyara failed.
 */
int mde__yscan_scan(mde__yscan *s, const uint8_t *buf, size_t len,
		    const mde__yext *ext, int timeout_s, mde__ymatch_fn fn,
		    void *ctx, const char **why);

/*
 * Rule pre-selection (default on; set before mde__yara_compile()): source
 * rules are compiled into subsets by file class (MZ, ELF, other) and size
 * tier, and each file is scanned only by its subset; off keeps a single
 * set.  Findings are the same either way.
 */
void mde__yara_set_preselect(mde__yara *y, bool on);

/* How the subsets are cut from the sources; part of the compiled-rules
 * cache key, so a change recompiles them.  2: imports a subset does not
 * use are left out; 3: parts with and without prefilter. */
#define MDE__YARA_SUBSETS 3

/*
 * The compiled-rules file: mde__yara_save() writes the compiled source
 * rules and the diagnostics of their compile to path (atomically);
 * mde__yara_load(), called instead of mde__yara_compile() for the same
 * sources, reads them back and replays the diagnostics through d.  Returns
 * MDE_OK, or an error when the file is missing or unusable (then compile).
 */
int mde__yara_save(const mde__yara *y, const char *path);
int mde__yara_load(mde__yara *y, const char *path, mde__diag *d);

/* The same in memory: save_mem gives malloc'd bytes; load_mem keeps p
 * until the rules are read (own: 1 free() it then, 2 borrowed: p must
 * outlive y; on failure p stays the caller's). */
int mde__yara_save_mem(const mde__yara *y, uint8_t **out, size_t *outlen);
int mde__yara_load_mem(mde__yara *y, const void *p, size_t len, int own,
		       mde__diag *d);
size_t mde__yara_nsources(const mde__yara *y);

/* Subsets compiled (0 when pre-selection is off or fell back to a single
 * set) and rules restricted to some subsets by their condition. */
void mde__yara_preselect_stats(const mde__yara *y, uint64_t *subsets,
			       uint64_t *classified_rules);

/*
 * Literal prefilter (default on; set before mde__yara_compile() or
 * mde__yara_load()): each subset is compiled in a part whose rules need
 * one of a few literals (yaralit.h), run only on files where a Vectorscan
 * scan finds one, and a part run on every file of its class.  Off: one
 * part, run always.  Findings are the same either way.
 */
void mde__yara_set_prefilter(mde__yara *y, bool on);

/* Source rule sets that got a prefilter (0 when off or none could). */
uint64_t mde__yara_prefilter_sets(const mde__yara *y);

/* ------------------------------------------------ definitions (defs.c) */

struct mde_defs {
	void *xs_hash, *xs_other; /* XXH3 states: hash lists, the rest */
	uint8_t ver[16];          /* definitions version */
	uint8_t ver_nohash[16];   /* the same without hash signatures */
	char ver_hex[33];
	mde__hashsigs *hash;
	mde__bytesigs *bytes;
	mde__yara *yara;
	struct mde__iocs *iocs; /* Loki IOC lists */
	struct mde__clam *clam; /* ClamAV signature languages (clamav.h) */
	mde__diag diag;      /* forwards to the user's callback */
	mde_diag_fn user_fn;
	void *user_ctx;
	int compiled;
	char *cache_dir;    /* compiled rules kept here, or NULL */
	int presel_off;
	int pf_off;
	int path_externals; /* some rule may read filename, filepath,
			       extension or owner: verdicts depend on more
			       than the content */
	int unofficial;     /* ClamAV names NAME.UNOFFICIAL where clamscan
			       does (mde_defs_set_unofficial) */
	int clam_official;  /* what is being loaded comes from an official
			       ClamAV database (a .cvd or .cld, or the
			       built-in definitions): never suffixed */
	/* a bundle (defs_bundle.c) */
	struct mde__bundle *bundle;
	uint8_t (*keys)[32];     /* trusted public keys */
	size_t nkeys, keys_cap;
	void **held;             /* decoded parts in use */
	size_t nheld, held_cap;
	const struct mde__bpart **ysrc; /* its YARA sources */
	size_t nysrc, ysrc_cap;
	const uint8_t *yarac;    /* its compiled YARA part, or NULL */
	size_t yarac_len;
	void *yarac_own;         /* yarac when decoded into memory */
	/* ClamAV database containers (defs_cvd.c) */
	uint64_t cvd_lim[4];     /* by enum mde_defs_limit */
	char *cvd_certs;         /* CAs of .sign files, or NULL: none read */
	struct x509_store_st *cvd_ca; /* loaded at the first .sign */
	/* how the last container loaded was verified, and the .sign that
	 * verified it (path "" and text NULL if none): what a bundle's
	 * build records */
	char cvd_how[320];
	char cvd_sign[4200];
	char *cvd_signtxt;
	size_t cvd_signlen;
	int64_t cvd_until;       /* when the .sign's chain expires */
	int cvd_fd;              /* the container being loaded, when read
				    from a file (its bytes also mapped) */
	/* compiled databases mapped from the cache (defs_cvdc.c) */
	struct mde__cvdc_map *cvdc;
	size_t ncvdc, capcvdc;
	char err[1024]; /* room for a path, a .sign's path and the reason */
};

/* True if rule text names an external that depends on where a file is or
 * who owns it (defs.c). */
int mde__names_path_external(const char *buf, size_t len);

/* Before compile: loads the bundle's compiled YARA rules when usable
 * (*use_compiled = 1), else hands its sources to the YARA stage. */
int mde__defs_bundle_yara(mde_defs *defs, int *use_compiled);
void mde__defs_bundle_free(mde_defs *defs);

/* MDE_OK if defs may still take a bundle (else the reason in defs->err). */
int mde__defs_may_load(mde_defs *defs, const char *name);

/* Verifies b (parsed with status rc) against keys[0..n) and loads it;
 * defs keeps b either way. */
int mde__defs_load_parsed(mde_defs *defs, struct mde__bundle *b, int rc,
			  const char *name, const uint8_t (*keys)[32],
			  size_t n);

/* Prefixes compiled rules (mde__yara_save_mem) with the libyara and
 * engine versions and the pre-selection setting, as a bundle holds them. */
int mde__yarac_wrap(const uint8_t *blob, size_t len, int presel,
		    uint8_t **out, size_t *outlen);

/* The built-in bundle and the public key of the build that signed it,
 * generated from sigdb/ and rules/ into builtin_defs.c, which only the
 * tools link (mdesig, which makes it, cannot). */
extern const unsigned char mde__builtin_bundle[];
extern const size_t mde__builtin_len;
extern const unsigned char mde__builtin_pub[32];
#define MDE__BUILTIN_KEY 0xA5 /* see src/gen-builtin.sh */

#endif /* MDE_INT_H */
