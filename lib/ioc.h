/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ioc.h - Loki / signature-base IOC files: hash IOCs, false-positive
 * hashes and file-name regexes.  Internal to libmde.
 *
 * File kinds, told apart by name (rows of the definitions-format table,
 * defs_format.c; the end of the base name, ASCII case ignored):
 *   *filename-iocs.txt         MDE__IOC_FILENAME  filename-iocs.txt,
 *                                                 otx-filename-iocs.txt
 *   *falsepositive-hashes.txt  MDE__IOC_FPHASH    falsepositive-hashes.txt
 *   *hash-iocs.txt             MDE__IOC_HASH      hash-iocs.txt,
 *                                                 otx-hash-iocs.txt
 * Loki itself loads every file of its iocs/ folder whose name contains
 * "filename" as file-name IOCs, "hash" as hash IOCs, and "hash" and
 * "falsepositive" as false-positive hashes; the suffixes above are
 * narrower, so that a plain hash list such as "hashes.txt" still goes to
 * hashsig.c.
 *
 * Lines.  A file is split at '\n'; a '\r' before it and a UTF-8 BOM at the
 * start are dropped.  Lines that are empty or hold only white space, and
 * lines whose first byte is '#', are no entries.  A line longer than
 * MDE__IOC_MAX_LINE bytes, or holding a NUL byte, is reported and skipped.
 * Scores are decimal integers in [MDE__IOC_SCORE_MIN, MDE__IOC_SCORE_MAX],
 * white space around them allowed.
 *
 * Hash IOCs and false-positive hashes (the same line forms):
 *   HASH;COMMENT          score MDE__IOC_DEFAULT_SCORE (100)
 *   HASH;SCORE;COMMENT    when the second field holds only digits and
 *                         signs; if it does not parse as a score in range
 *                         the line is reported ("bad score") and skipped
 * HASH is MD5, SHA-1 or SHA-256 in hex by its length (32, 40, 64), either
 * case, white space around it allowed.  COMMENT is the rest of the line
 * (';' included) without white space around it.  A line without ';', with
 * a hash of another length or with a non-hex digit is reported and
 * skipped.  Hashes of the empty file and of a file holding one "\n" or
 * "\r\n" are reported and ignored: they would flag every such file (Loki
 * means to skip them too).  A hash listed twice keeps its last entry.
 *
 * File-name IOCs:
 *   REGEX;SCORE[;FALSE_POSITIVE_REGEX[;...]]
 * A '#' line sets the description of the entries that follow it, until
 * the next '#' line: the line without its leading '#'s and spaces and its
 * trailing white space (Loki's "last comment").  Blank lines keep it, and
 * entries before any '#' line have "".  Fields past the third are
 * ignored; an empty third field means no false-positive regex.  A line
 * without ';', with an empty regex, a bad score, or a regex that PCRE2
 * does not compile (reported with the offset and PCRE2's message), is
 * skipped.
 * Both regexes are translated for Linux paths as Loki does on every
 * platform but Windows, reading the regex token by token:
 *   "\\" (an escaped backslash, the Windows separator)  ->  "/"
 *   "C:" (unescaped; the system drive)                  ->  removed
 * so "C:\\Windows\\[^\\]+\.exe" becomes "/Windows/[^/]+\.exe".  Unlike
 * Loki, "%VAR%" environment references are left as they are (the library
 * reads no environment; on Linux Loki finds none of the Windows ones
 * either), and Loki's "\SystemRoot" and "system32" prefixes get no
 * special treatment.
 * Regexes are PCRE2 in UTF mode (a byte of the path that is not valid
 * UTF-8 matches nothing; the rest of the path still can), JIT compiled
 * at load, searched anywhere in the whole path (Loki uses Python's
 * re.search on the full path).  They are case sensitive, as in
 * Loki and as signature-base's filename-iocs.txt states ("(?i)" in a
 * regex makes it caseless); mde__iocs_set_caseless() makes all of them
 * caseless.  An entry is reported for a path when REGEX matches and its
 * FALSE_POSITIVE_REGEX, if any, does not.  Each regex search is bounded
 * by MDE__IOC_MATCH_LIMIT backtracking steps.
 *
 * A loaded and finalized set is read-only: any number of threads may
 * look up and match at once, each with its own mde__iocscratch.
 */
#ifndef MDE_IOC_H
#define MDE_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mde_int.h"

#define MDE__IOC_MAX_LINE 8192       /* longer lines are reported, skipped */
#define MDE__IOC_DEFAULT_SCORE 100   /* hash IOCs without a score */
#define MDE__IOC_SCORE_MIN (-1000)
#define MDE__IOC_SCORE_MAX 1000
#define MDE__IOC_MATCH_LIMIT 1000000 /* PCRE2 match limit per search */

/* Kinds of IOC files; 0 is none of them. */
enum mde__ioc_kind {
	MDE__IOC_HASH = 1,     /* hash IOCs */
	MDE__IOC_FPHASH = 2,   /* false-positive hashes */
	MDE__IOC_FILENAME = 3  /* file-name regexes */
};

/* Result of a hash lookup. */
enum mde__ioc_verdict {
	MDE__IOC_NONE = 0, /* not listed */
	MDE__IOC_HIT = 1,  /* a hash IOC */
	MDE__IOC_FP = 2    /* a false-positive hash: never report the file */
};

typedef struct mde__iocs mde__iocs;
typedef struct mde__iocscratch mde__iocscratch;

/* Kind of an IOC file from its name (a path or a basename; see the
 * naming rule above), or 0 when the name is none of them.  The names are
 * rows of the definitions-format table (defs_format.c), which answers. */
int mde__ioc_kind_of_name(const char *name);

/* Calls fn with what identifies each entry of an IOC file of kind in
 * buf[0..len): a hash IOC's or false-positive hash's comment, a file-name
 * IOC's regex (the names mdesig list shows; line 0). */
void mde__iocs_names(int kind, const char *buf, size_t len,
		     mde__names_fn fn, void *ctx);

/* Returns a new, empty set, or NULL when out of memory. */
mde__iocs *mde__iocs_new(void);

/* Frees s and every compiled regex; NULL is allowed. */
void mde__iocs_free(mde__iocs *s);

/* Makes every file-name regex parsed from now on caseless (default: case
 * sensitive, as Loki).  Call before mde__iocs_parse(). */
void mde__iocs_set_caseless(mde__iocs *s, bool on);

/*
 * Parses one IOC file of kind (enum mde__ioc_kind) held in buf[0..len),
 * not NUL terminated; file is the name used in diagnostics and kept for
 * matches.  Each bad line is reported through d (file, line, reason) and
 * skipped.  Returns MDE_OK, MDE_ERR_ARG (unknown kind), MDE_ERR_STATE
 * (s already finalized) or MDE_ERR_NOMEM (s keeps the entries added so
 * far and stays usable).
 */
int mde__iocs_parse(mde__iocs *s, int kind, const char *file,
		    const char *buf, size_t len, mde__diag *d);

/* Sorts the hash tables and merges duplicates; once, after parsing.
 * Lookups and matches need it.  Returns MDE_OK or MDE_ERR_STATE (twice). */
int mde__iocs_finalize(mde__iocs *s);

typedef struct mde__ioc_counts {
	uint64_t hash[MDE__NHASH]; /* hash IOCs by enum mde__hash_type */
	uint64_t fphash;           /* false-positive hashes, all types */
	uint64_t filename;         /* file-name regexes */
} mde__ioc_counts;

/* Entries loaded (distinct hashes once finalized). */
void mde__iocs_counts(const mde__iocs *s, mde__ioc_counts *c);

/* Bytes of memory held, compiled regexes included (approximate). */
uint64_t mde__iocs_memory(const mde__iocs *s);

/* True if some hash IOC or false-positive hash has type (enum
 * mde__hash_type), so that files need that digest computed. */
bool mde__iocs_want_hash(const mde__iocs *s, int type);

/*
 * Looks up one binary digest (mde__hash_len(type) bytes) of a finalized
 * set.  Returns MDE__IOC_FP when it is a false-positive hash (then *score
 * is 0), else MDE__IOC_HIT with its score and comment, else MDE__IOC_NONE.
 * score and comment may be NULL; *comment ("" when none) stays valid as
 * long as s.
 */
int mde__iocs_lookup_hash(const mde__iocs *s, int type, const uint8_t *digest,
			  int *score, const char **comment);

/* A hash IOC found for a file. */
typedef struct mde__iochash {
	int type;            /* enum mde__hash_type that matched */
	int score;
	const char *comment; /* valid as long as the set */
} mde__iochash;

/*
 * Loki's order for one file's digests (digest[t] of type t, or NULL when
 * not computed): MDE__IOC_FP if any digest is a false-positive hash, else
 * MDE__IOC_HIT for the first hash IOC in MD5, SHA-1, SHA-256 order (*hit
 * filled), else MDE__IOC_NONE.
 */
int mde__iocs_lookup_file(const mde__iocs *s,
			  const uint8_t *const digest[MDE__NHASH],
			  mde__iochash *hit);

/* One file-name IOC matching a path; pointers valid as long as the set. */
typedef struct mde__iocmatch {
	int score;
	const char *description; /* "" when none */
	const char *pattern;     /* the regex as written in the file */
	const char *file;        /* IOC file it came from */
	unsigned line;           /* its line there */
} mde__iocmatch;

/* Called once per matching entry, in file and line order; nonzero stops. */
typedef int (*mde__iocmatch_fn)(void *ctx, const mde__iocmatch *m);

/* Per-thread match state; NULL when out of memory. */
mde__iocscratch *mde__iocscratch_new(const mde__iocs *s);
void mde__iocscratch_free(mde__iocscratch *sc); /* NULL allowed */

/*
 * Applies every file-name IOC of a finalized set to path[0..len) (need
 * not be NUL terminated), calling fn for each entry that matches.  sc is
 * the calling thread's scratch, or NULL to make one for this call.
 * Returns MDE_OK, MDE_ERR_NOMEM (no scratch), MDE_ERR_STATE when s is not
 * finalized or some regex failed on this path (hit the match limit: it
 * counts as not matching; the others were still applied and reported).
 */
int mde__iocs_match_name(const mde__iocs *s, mde__iocscratch *sc,
			 const char *path, size_t len, mde__iocmatch_fn fn,
			 void *ctx);

#endif /* MDE_IOC_H */
