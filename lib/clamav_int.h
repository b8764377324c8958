/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_int.h - what the files of the ClamAV module share: compiled
 * patterns (clamav_hex.c), the pattern matcher (clamav_pmatch.c),
 * offsets and .ndb lines (clamav_ndb.c), logical signatures
 * (clamav_ldb.c, clamav_logic.c), the Vectorscan database
 * (clamav_hs.c), the per-file evaluation (clamav_scan.c, clamav_sub.c)
 * and the other formats (clamav_misc.c).
 */
#ifndef MDE_CLAMAV_INT_H
#define MDE_CLAMAV_INT_H

#include <hs/hs.h>

#include "arena.h"
#include "clamav.h"

#define CL_INF UINT32_MAX       /* unbounded gap */
#define CL_GAP_LIMIT (1u << 30) /* larger gaps are malformed */
#define CL_MAXSUB 64            /* subsignatures of a logical signature */
#define CL_NOOFF UINT64_MAX     /* an offset that does not exist */

/* ------------------------------------------------------------ patterns */

/*
 * A pattern is a sequence of nodes over the bytes val/mask:
 *   CN_RUN   val/mask[a .. a+b): (byte & mask) == val
 *   CN_GAP   between a and b bytes (b == CL_INF: any number)
 *   CN_ALT   one of the byte strings alts[a .. a+b)
 *   CN_NALT  b bytes equal to none of alts[a .. a+n) (fixed length):
 *            n in the node's arg
 *   CN_SPEC  one character class (B)(L)(W) inside the pattern: arg
 * Character classes at either end are zero-width edge checks (lspec,
 * rspec) instead, as in ClamAV.
 */
enum cl_nkind { CN_RUN, CN_GAP, CN_ALT, CN_NALT, CN_SPEC };

#define CL_SPEC_NEG 0x80 /* with a class letter: the negated class */

struct cl_node {
	uint8_t kind;
	uint8_t spec;  /* CN_SPEC: 'B' 'L' 'W', | CL_SPEC_NEG */
	uint16_t nalt; /* CN_NALT: alternatives */
	uint32_t a, b;
};

struct cl_span {
	uint32_t off, len;
};

struct cl_pat {
	struct cl_node *nodes;
	struct cl_span *alts;
	uint8_t *val, *mask;
	uint32_t nnodes;
	uint32_t minlen;
	uint8_t lspec, rspec; /* edge checks, 0 = none */
	uint8_t wide;         /* ::w: edge checks see UTF-16LE words */
	/* the Vectorscan side (clamav_hs.c) */
	uint8_t use_atom;     /* found by its atom, verified around it */
	uint8_t prefilter;    /* expression compiled in prefilter mode */
	uint32_t atom_off, atom_len; /* literal stretch of val */
	uint32_t head_end;    /* first unbounded gap, or nnodes */
	uint64_t pmin, pmax;  /* the head starts this far before the atom */
	uint32_t sig;         /* owner: index in mde__clam.sigs */
	uint16_t sub;         /* owner's subsignature */
	uint8_t target;       /* owner's target type */
	uint8_t dropped;      /* not in the database: always searched */
	uint8_t untrig;       /* not in the database: the signature's
				 trigger set is elsewhere (clamav_trig.c) */
	uint32_t id;          /* index in mde__clam.pats */
};

/* Hex-signature options of a subsignature (::iwfa). */
#define CL_OPT_NOCASE 1
#define CL_OPT_WIDE 2
#define CL_OPT_ASCII 4
#define CL_OPT_FULLWORD 8

/*
 * Compiles hex into *out, one allocation from a (or, a NULL, malloc()ed:
 * cl_pat_free frees it) (options
 * CL_OPT_*, wide already chosen: one call per variant).  0, or -1 with
 * the reason in err; -2 out of memory.
 */
int cl_hex_compile(const char *hex, unsigned opts, mde__arena *a,
		   struct cl_pat **out, char *err, size_t errlen);
void cl_pat_free(struct cl_pat *p);

/* Matching state: sets of positions (clamav_pmatch.c). */
struct cl_ival {
	size_t lo, hi;
};
struct cl_ivset {
	struct cl_ival *v;
	size_t n, cap;
};
struct cl_mstate {
	struct cl_ivset set[2];
};

void cl_mstate_free(struct cl_mstate *m);

/*
 * True (1) if p matches buf[0..len) starting exactly at start; 0 if not;
 * -1 when out of memory.  *end gets the end of the shortest match.
 */
int cl_pat_match_at(const struct cl_pat *p, struct cl_mstate *m,
		    const uint8_t *buf, size_t len, size_t start);

/* The first start in [lo, hi] where p matches (1, *start), or 0; -1.
 * *tail_fail: SIZE_MAX before the first search of a buffer, then kept
 * between searches of the same pattern and buffer. */
int cl_pat_find(const struct cl_pat *p, struct cl_mstate *m,
		const uint8_t *buf, size_t len, size_t lo, size_t hi,
		size_t *start, size_t *tail_fail);

/* ------------------------------------------------------------- offsets */

enum cl_otype {
	CO_ANY, CO_ABS, CO_EOF, CO_EP, CO_SX, CO_SL, CO_SE, CO_VI, CO_MACRO
};

struct cl_off {
	uint8_t type;
	uint32_t sect;   /* CO_SX / CO_SE: section; CO_MACRO: group */
	int64_t n;       /* CO_ABS, CO_EOF (n before the end), CO_EP (+-),
			    CO_SX, CO_SL */
	uint64_t shift;  /* maximum shift: starts in [n, n + shift] */
};

/* Parses an offset field ("*", "n", "EOF-n", "EP+n", "S2+n", "SL+n",
 * "SE1", "VI", "$12", each with ",shift" where ClamAV allows it).
 * 0, or -1 with the reason in err. */
int cl_off_parse(const char *s, struct cl_off *o, char *err, size_t errlen);

/* 0 if offset o may be used with target (EP, sections: 1 6 9; VI: 1),
 * as clamscan checks; else -1 with the reason in err. */
int cl_off_target(const struct cl_off *o, int target, char *err,
		  size_t errlen);

/* What a file's offsets are computed from. */
struct cl_fctx {
	const uint8_t *buf;
	size_t len;
	const mde__exe *exe;   /* NULL: not an executable */
	int ftype;             /* the file's target type */
	int depth;
	const char *container;
};

/* The start range of o in the file: 0 and [*lo, *hi], or -1 (none). */
int cl_off_range(const struct cl_off *o, const struct cl_fctx *f,
		 uint64_t *lo, uint64_t *hi);

/* -------------------------------------------------------- logic (.ldb) */

enum cl_lkind { CL_LEAF, CL_AND, CL_OR };

struct cl_lnode {
	uint8_t kind;
	char mod;              /* '=', '<', '>' or 0 */
	uint8_t sub;           /* CL_LEAF: the subsignature */
	uint32_t v1, v2;       /* mod's values (v2: distinct subsigs) */
	int32_t l, r;          /* CL_AND / CL_OR: children */
};

struct cl_logic {
	struct cl_lnode *n;
	uint32_t nn, cap;
	int32_t root;
	uint32_t maxsub;       /* highest subsignature referenced */
};

/* Parses expr[0..len) with ClamAV's rules of precedence.  0, or -1
 * with the reason in err; -2 out of memory. */
int cl_logic_parse(const char *expr, size_t len, struct cl_logic *lg,
		   char *err, size_t errlen);
void cl_logic_free(struct cl_logic *lg);

/* Evaluates lg over the match counts cnt[0..CL_MAXSUB). */
bool cl_logic_eval(const struct cl_logic *lg, const uint32_t *cnt);

/* ------------------------------------------------------- subsignatures */

enum cl_skind { CS_HEX, CS_PCRE, CS_BCOMP, CS_MACRO };

struct cl_bcomp {
	uint8_t trigger;   /* subsignature whose matches it reads from */
	int8_t dir;        /* +1 ">>", -1 "<<" */
	uint64_t off;
	char base;         /* 'h' 'd' 'a' 'i' */
	char endian;       /* 'l' 'b' or 0 */
	uint8_t exact;
	uint32_t nbytes;
	uint8_t ncmp;
	char cmp[2];       /* '<' '>' '=' */
	uint64_t val[2];
};

struct cl_pcre {
	void *code;          /* pcre2_code * */
	struct cl_logic trig;
	uint32_t flags;      /* CL_PCRE_* */
};
#define CL_PCRE_GLOBAL 1
#define CL_PCRE_ROLLING 2
#define CL_PCRE_ENCOMPASS 4

struct cl_sub {
	uint8_t kind;
	uint8_t npat;        /* CS_HEX: 1, or 2 for ::wa */
	struct cl_off off;
	struct cl_pat *pat[2];
	struct cl_pcre *pcre;
	struct cl_bcomp *bc;
	uint32_t mmin, mmax; /* CS_MACRO: distance from the previous
				subsignature's start; group in off.sect */
};

/* ------------------------------------------------------------ signatures */

/* A body or logical signature.  A body signature is one subsignature
 * and no logic. */
struct cl_sig {
	const char *name;
	const char *file;
	unsigned line;
	uint8_t target;
	uint8_t pua;
	uint8_t nsub;
	uint8_t always;      /* its logic holds with no match at all */
	uint8_t has_tdb;
	uint8_t macro_member;/* an .ndb line of a macro group ($n) */
	uint8_t in_arena;    /* it, its name, sub[] and their patterns are
				in mde__clam.arena: not freed one by one */
	uint8_t unofficial;  /* from an unofficial source */
	struct cl_logic logic; /* empty for a body signature */
	struct cl_sub *sub;
	/* target description block */
	uint64_t fsize[2], ep[2], nsect[2];
	uint8_t has_fsize, has_ep, has_nsect;
	char *container;     /* Container:CL_TYPE_*, or NULL */
	char *inter;         /* Intermediates, or NULL */
};

/* A section or import hash (.mdb .msb .imp). */
struct cl_shash {
	uint8_t dig[32];
	uint64_t size;       /* UINT64_MAX: any */
	uint32_t name;       /* into names */
	uint8_t type;        /* MDE__MD5 / SHA1 / SHA256 */
	uint8_t pua;
	uint8_t unofficial;  /* from an unofficial source */
};

struct mde__clam {
	struct cl_sig **sigs;
	size_t nsigs, capsigs;
	struct cl_pat **pats;       /* Vectorscan id == index */
	size_t npats, cappats;
	uint32_t *always;           /* signatures checked on every file */
	size_t nalways, capalways;
	uint32_t *expr_pat;         /* Vectorscan expression -> pattern */
	uint32_t *macro[32];        /* pattern ids of each macro group */
	size_t nmacro[32];
	mde__hashsigs *sect[2];     /* PE section hashes, [pua] */
	struct cl_shash *imp;       /* sorted by (type, digest) */
	size_t nimp, capimp;
	mde__buf names;             /* import hash names */
	char **ign;                 /* sorted names to drop */
	size_t nign, capign;
	mde__hashsigs *fp;          /* allow lists */
	char **files;
	size_t nfiles, capfiles;
	uint64_t unsup[16];         /* counts by enum cl_unsup */
	hs_database_t *db;
	hs_scratch_t *proto;
	bool compiled, unofficial;
	uint64_t nrun;              /* anything that runs (set by compile) */
	size_t maxname;
	const char *cache_dir;      /* the compiled database kept here (the
				       definitions' directory), or NULL */
	bool db_cached;             /* the database came from there */
	mde__arena arena;           /* body and logical signatures: each
				       one's struct, name, subsignatures
				       and hex patterns */
};

/* ------------------------------------------- clamav_hscache.c
 *
 * The compiled Vectorscan database, kept in the cache directory under a
 * key of everything its compile reads, so a later load with the same
 * patterns deserializes it instead of compiling (most of the load time
 * of a big body-signature set).  The file also lists the expressions
 * the compile dropped (their signatures then run on every file), in
 * order, to be dropped again.  Layout (host byte order: the file lives
 * in this host's cache and its key carries the Vectorscan version):
 *	"MDECLHS1" u64 nexpr (after the drops) u32 ndrop ndrop x u32 index
 *	u64 dblen dblen bytes (hs_serialize_database) u64 XXH3-64 of all
 *	the above
 */
struct cl_hcache {
	uint64_t nexpr;
	uint32_t ndrop;
	const uint8_t *drops;       /* ndrop u32s, unaligned */
	const uint8_t *db;
	size_t dblen;
};

/* Checks and splits a cache file p[0..n) for a compile of nexpr
 * expressions (before drops): each drop names an expression of those left
 * at its turn and nexpr - ndrop are left.  0, or -1 when it is not such
 * a file. */
int cl_hcache_parse(const uint8_t *p, size_t n, uint64_t nexpr,
		    struct cl_hcache *h);
/* Encodes a cache file into b.  MDE_OK or MDE_ERR_NOMEM. */
int cl_hcache_encode(mde__buf *b, uint64_t nexpr, const uint32_t *drops,
		     uint32_t ndrop, const void *db, size_t dblen);

/* Kinds counted and not run (mde__clam_unsupported's lines). */
enum cl_unsup {
	CU_BYTECODE, CU_ICON, CU_AUTHENTICODE, CU_PHISH, CU_FUZZY,
	CU_FLEVEL, CU_CDB, CU_FTM, CU_CFG, CU_ICONGROUP, CU_NUM
};

/* Interns a file name for diagnostics; NULL when out of memory. */
const char *cl_intern_file(mde__clam *c, const char *file);

/* Appends sig (owned) and its patterns; MDE_OK or MDE_ERR_NOMEM. */
int cl_add_sig(mde__clam *c, struct cl_sig *sig);
void cl_sig_free(struct cl_sig *sig);

/* Parses the hex subsignature with options into sub (both variants of
 * ::wa), its patterns from a (see cl_hex_compile).  0, -1 (reason in
 * err), -2 out of memory. */
int cl_sub_hex(struct cl_sub *sub, const char *hex, unsigned opts,
	       mde__arena *a, char *err, size_t errlen);

/* Splits buf into lines and calls fn for each (not blank, not '#');
 * src: the file's source, MDE__CLAM_SRC_*. */
typedef int (*cl_line_fn)(mde__clam *c, const char *file, unsigned line,
			  char *text, int src, mde__diag *d);
int cl_each_line(mde__clam *c, const char *file, const char *buf,
		 size_t len, int src, mde__diag *d, cl_line_fn fn);

int cl_ndb_line(mde__clam *c, const char *file, unsigned line, char *text,
		int src, mde__diag *d);
int cl_ldb_line(mde__clam *c, const char *file, unsigned line, char *text,
		int src, mde__diag *d);
int cl_misc_parse(mde__clam *c, int kind, int src, const char *file,
		  const char *buf, size_t len, mde__diag *d);

/* Functionality-level fields: 0 when this engine runs the signature. */
int cl_flevel_skip(const char *min, const char *max);

/* -------------------------------------------------- Vectorscan and scan */

int cl_hs_compile(mde__clam *c, mde__diag *d, char *err, size_t errlen);

/* The subsignatures of sig (bit i: subsignature i) one of which matches
 * whenever it does (clamav_trig.c), UINT64_MAX when there is no such
 * set.  Atoms must be chosen first (their presence weighs). */
uint64_t cl_trigger_set(const struct cl_sig *sig);

struct cl_hit {
	uint32_t pat;
	uint32_t end;
};

struct mde__clamscratch {
	const mde__clam *c;
	hs_scratch_t *hs;
	struct cl_mstate m;
	struct cl_hit *hits;
	size_t nhits, caphits;
	uint32_t *patn;      /* per pattern: hits this buffer (0: none) */
	uint32_t *ptouch;    /* patterns with hits */
	size_t nptouch;
	uint8_t *cand;       /* per signature: a candidate this buffer */
	uint32_t *stouch;
	size_t nstouch;
	uint64_t *offs[CL_MAXSUB]; /* match starts of each subsignature */
	size_t noffs[CL_MAXSUB], capoffs[CL_MAXSUB];
	uint8_t *done;       /* per signature: reported for this buffer */
	uint32_t *dtouch;
	size_t ndtouch;
	char *name;          /* a name with ".UNOFFICIAL" */
	uint8_t *norm;       /* normalised text */
	size_t normcap;
	void *md;            /* pcre2_match_data * */
	int targets;         /* target types applying to this buffer
				(bit per type), set by the scan */
	int failed;
};

/* True when every atom hit of pattern pid was kept (else search all). */
bool cl_hits_complete(const mde__clamscratch *s, uint32_t pid);

/* Scans buf with the database and fills s's hits and candidates. */
int cl_hs_scan(const mde__clam *c, mde__clamscratch *s, const uint8_t *buf,
	       size_t len);

/* Evaluates candidate signature sig on the buffer of f: 1 matched, 0 no,
 * -1 failed. */
int cl_eval_sig(const mde__clam *c, mde__clamscratch *s,
		const struct cl_sig *sig, const struct cl_fctx *f);

/* Fills s->offs[i] with the match starts of hex or macro subsignature i
 * of sig in f.  0, or -1 on failure. */
int cl_sub_matches(const mde__clam *c, mde__clamscratch *s,
		   const struct cl_sig *sig, unsigned i,
		   const struct cl_fctx *f, size_t want);

/* Parse a byte compare or PCRE subsignature idx (clamav_sub.c,
 * clamav_pcre.c): 0, -1 (reason in err), -2 out of memory. */
int cl_bcomp_parse(struct cl_sub *sub, const char *s, unsigned idx,
		   char *err, size_t elen);
int cl_pcre_parse(struct cl_sub *sub, char *s, unsigned idx, char *err,
		  size_t elen);

/* Macro subsignature i (clamav_macro.c): sets cnt[i], and corrects
 * cnt[i - 1], as clamscan counts them.  0, or -1 on failure. */
int cl_macro_eval(const mde__clam *c, mde__clamscratch *s,
		  const struct cl_sig *sig, unsigned i, const struct cl_fctx *f,
		  uint32_t *cnt);

/* Byte compare and PCRE subsignatures: their match counts. */
uint32_t cl_bcomp_eval(const struct cl_bcomp *bc, mde__clamscratch *s,
		       const struct cl_fctx *f);
int cl_pcre_eval(const struct cl_sub *sub, mde__clamscratch *s,
		 const struct cl_fctx *f, const uint32_t *cnt,
		 uint32_t *out);
void cl_pcre_free(struct cl_pcre *p);

/* Reports a signature name (ignore lists, and ".UNOFFICIAL" when asked
 * and unofficial is set: the section hash sets give their names
 * suffixed already, hashsig_src.c); nonzero when fn asks to stop. */
int cl_report(const mde__clam *c, mde__clamscratch *s, const char *name,
	      int pua, bool unofficial, mde__clam_fn fn, void *ctx);

/* Section and import hashes of a PE (clamav_misc.c): 1 when fn asked to
 * stop, 0, -1 on failure. */
int cl_hash_scan(const mde__clam *c, mde__clamscratch *s,
		 const struct cl_fctx *f, mde__clam_fn fn, void *ctx);

/* The import string of a PE (clamav_imp.c) appended to out: 0, or -1
 * when the import table is missing or malformed (no hash then). */
int cl_imp_string(const struct cl_fctx *f, mde__buf *out);

/* Sorts the hash tables and the ignore list; MDE_OK or no memory. */
int cl_misc_finalize(mde__clam *c);

/* Text normalisation as ClamAV's (target 7) and its HTML normaliser's
 * approximation (target 3): out gets at most len bytes; returns them. */
size_t cl_norm_text(const uint8_t *in, size_t len, uint8_t *out);
size_t cl_norm_html(const uint8_t *in, size_t len, uint8_t *out);

/* UTF-16 text (clamscan's detector): scanned raw with target 0, and
 * normalised as text with targets 0 and 7. */
#define CL__UTF16 15

/* The ClamAV target type of a buffer (0 any, 1 PE, 3 HTML, 6 ELF,
 * 7 text, 9 Mach-O, 10 PDF, ...). */
int cl_ftype(const uint8_t *buf, size_t len, const mde__exe *exe);

#endif /* MDE_CLAMAV_INT_H */
