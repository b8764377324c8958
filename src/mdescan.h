/*
 * mdescan.h - public interface of libmde, the mdescan scan engine.
 *
 * Two opaque handles:
 *   mde_defs    loaded definitions (hash signatures, byte signatures, YARA
 *               rules).  Built once, then immutable and shared by every
 *               scan and every worker thread.
 *   mde_engine  one scan configuration and its worker threads.  Borrows an
 *               mde_defs that must outlive it.
 *
 * Return codes say whether an operation worked (MDE_OK or a negative
 * mde_status); what a scan found is delivered through the event callback.
 * The library never prints, never exits and reads no global configuration.
 */
#ifndef MDESCAN_H
#define MDESCAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MDE_ENGINE_VERSION "0.1.0"

typedef enum mde_status {
	MDE_OK = 0,
	MDE_ERR_NOMEM = -1,  /* out of memory */
	MDE_ERR_IO = -2,     /* a file or directory could not be read */
	MDE_ERR_FORMAT = -3, /* input is not in the expected format */
	MDE_ERR_ARG = -4,    /* bad argument or option value */
	MDE_ERR_STATE = -5,  /* call not allowed in the current state */
	MDE_ERR_COMPILE = -6 /* signatures could not be compiled */
} mde_status;

/* Returns a static, lowercase description of a status code. */
const char *mde_status_str(int status);

/* ---------------------------------------------------------------- defs */

typedef struct mde_defs mde_defs;

/*
 * Diagnostic about the definitions being loaded: a malformed line, an
 * unsupported signature, a YARA compile error.  file may be NULL, line 0
 * when unknown, signame NULL when the problem is not about one signature.
 * The item is skipped and loading goes on.
 */
typedef void (*mde_diag_fn)(void *ctx, const char *file, unsigned line,
			    const char *signame, const char *msg);

/* Returns a new, empty set of definitions, or NULL when out of memory. */
mde_defs *mde_defs_new(void);

/* Frees defs; NULL is allowed.  No engine may still use it. */
void mde_defs_free(mde_defs *defs);

/* Routes diagnostics to fn (default: dropped, only counted). */
void mde_defs_set_diag(mde_defs *defs, mde_diag_fn fn, void *ctx);

/*
 * Loads a definitions file, or every known file in a directory (not
 * recursive).  Known extensions: .hdb .hsb (ClamAV hash), .ndb (ClamAV
 * body), .yar .yara (YARA source), .yarc (compiled YARA), .sha256 .sha1
 * .md5 .txt (plain hash lists).  Returns MDE_ERR_IO when the path cannot
 * be read; the reason is in mde_defs_error().
 */
int mde_defs_load_path(mde_defs *defs, const char *path);

/* Loads one in-memory definitions file; name's extension picks the format. */
int mde_defs_load_buffer(mde_defs *defs, const char *name, const void *buf,
			 size_t len);

/* Loads the definitions built into the library from sigdb/ and rules/. */
int mde_defs_load_builtin(mde_defs *defs);

/*
 * Finishes loading: sorts hash tables and compiles byte signatures and
 * YARA rules.  After it, defs is read-only and no more files may be added.
 */
int mde_defs_compile(mde_defs *defs);

/* Text of the last error on defs ("" when none). */
const char *mde_defs_error(const mde_defs *defs);

/*
 * Version of compiled definitions: 32 hex digits (XXH3-128 of every file
 * loaded, name and content, in load order).  Verdicts in the scan cache
 * are only reused under the version that made them.
 */
const char *mde_defs_version(const mde_defs *defs);

/*
 * Keeps compiled YARA rules in directory dir (the scan cache directory),
 * named by a digest of their sources, the pre-selection setting and the
 * engine and libyara versions; the next compile of the same sources loads
 * them instead (with the same diagnostics).  NULL (the default): always
 * compile.  Call before compile.
 */
int mde_defs_set_cache_dir(mde_defs *defs, const char *dir);

/* YARA rule pre-selection (default on): each file is scanned only by the
 * rules whose top-level condition it can satisfy.  Call before compile. */
void mde_defs_set_preselect(mde_defs *defs, int on);

/* YARA literal prefilter (default on): a file in which no rule's required
 * literal occurs is not run through YARA at all.  Call before compile. */
void mde_defs_set_prefilter(mde_defs *defs, int on);

typedef struct mde_defs_stats {
	uint64_t hash_sigs;    /* MD5 + SHA-1 + SHA-256 signatures */
	uint64_t byte_sigs;    /* .ndb signatures accepted */
	uint64_t yara_rules;   /* YARA rules compiled */
	uint64_t skipped;      /* malformed or unsupported items skipped */
	uint64_t memory_bytes; /* approximate memory held by the tables */
} mde_defs_stats;

void mde_defs_get_stats(const mde_defs *defs, mde_defs_stats *st);

/* -------------------------------------------------------------- engine */

typedef struct mde_engine mde_engine;

typedef enum mde_event_type {
	MDE_EV_FINDING = 1, /* a signature matched */
	MDE_EV_ERROR,       /* a file or directory could not be scanned */
	MDE_EV_SKIPPED,     /* not scanned on purpose: FIFO, device, limit */
	MDE_EV_CLEAN        /* a file was scanned and nothing matched */
} mde_event_type;

/*
 * One event.  All pointers are valid only during the callback.  path holds
 * path_len raw bytes (may contain newlines or invalid UTF-8, is NUL
 * terminated).  Fields that do not apply are NULL / -1.
 */
typedef struct mde_event {
	mde_event_type type;
	const char *path;
	size_t path_len;
	uint64_t size;           /* file size, when known */
	const char *name;        /* FINDING: signature or rule name */
	const char *stage;       /* FINDING: "hash", "bytes", "yara" */
	const char *rule_ns;     /* FINDING (yara): rule namespace */
	const char *description; /* FINDING (yara): meta description */
	const char *author;      /* FINDING (yara): meta author */
	long score;              /* FINDING (yara): meta score, or -1 */
	const char *sha256;      /* FINDING: hex digest when computed */
	const char *reason;      /* ERROR / SKIPPED: why */
	int err;                 /* ERROR: errno, or 0 */
} mde_event;

/* Called for every event.  Calls are serialized by the engine. */
typedef void (*mde_event_fn)(void *ctx, const mde_event *ev);

typedef struct mde_summary {
	uint64_t files;    /* files scanned */
	uint64_t bytes;    /* bytes scanned */
	uint64_t findings; /* findings reported */
	uint64_t infected; /* files with at least one finding */
	uint64_t errors;   /* files or directories that failed */
	uint64_t skipped;  /* files skipped (type or limit) */
	uint64_t excluded; /* files and directories excluded */
	uint64_t dirs;     /* directories walked */
	uint64_t cached;   /* files judged from the scan cache, not read */
	uint64_t deduped;  /* files read whose content was judged before */
	uint64_t elapsed_ns;
	int cancelled;     /* mde_engine_cancel() was called */
} mde_summary;

/* Options, each with a documented default. */
typedef enum mde_opt {
	MDE_OPT_THREADS = 1,     /* workers; 0 = online CPUs (default) */
	MDE_OPT_MAX_FILESIZE,    /* bytes; larger files are skipped.
				    default 100 MiB, 0 = no limit */
	MDE_OPT_TIMEOUT_MS,      /* per-file scan time limit; default 60000 */
	MDE_OPT_MAX_DEPTH,       /* directory depth below a start path;
				    default 64 */
	MDE_OPT_FOLLOW_SYMLINKS, /* 0/1, default 0 */
	MDE_OPT_ONE_FS,          /* 0/1: stay on each start path's fs */
	MDE_OPT_SKIP_SPECIAL_FS, /* 0/1: skip /proc /sys /dev and network,
				    FUSE and pseudo filesystems (--full) */
	MDE_OPT_REPORT_CLEAN,    /* 0/1: emit MDE_EV_CLEAN; default 0 */
	MDE_OPT_ALL_MATCH,       /* 0/1: report every finding of a file
				    instead of stopping at the first (the
				    stages run in table order); default 0 */
	MDE_OPT_TEST_DELAY_MS    /* tests only: sleep after open, before
				    read, to provoke races; default 0 */
} mde_opt;

/* Exclusion kinds: see mde_engine_add_exclude(). */
typedef enum mde_excl_kind {
	MDE_EXCL_PATH = 1, /* mdatp wildcard pattern on the full path */
	MDE_EXCL_DIR,      /* a directory (pattern) and everything below */
	MDE_EXCL_EXT       /* file extension, with or without the dot */
} mde_excl_kind;

/* Returns a new engine using defs (compiled), or NULL on no memory. */
mde_engine *mde_engine_new(const mde_defs *defs);

/* Frees e; NULL is allowed.  Must not be called during a scan. */
void mde_engine_free(mde_engine *e);

int mde_engine_set_opt(mde_engine *e, mde_opt opt, int64_t value);

/*
 * Adds an exclusion.  Path patterns follow mdatp: '*' matches within one
 * path component except at the end of the pattern where it matches
 * anything; '?' matches one character.  Returns MDE_ERR_ARG on an empty or
 * relative pattern.
 */
int mde_engine_add_exclude(mde_engine *e, mde_excl_kind kind,
			   const char *pattern);

/* Text of the last error on e ("" when none). */
const char *mde_engine_error(const mde_engine *e);

/*
 * Uses the persistent scan cache in directory dir (created if missing),
 * or none when dir is NULL (the default).  An unchanged file (same device,
 * inode, size, mtime and ctime) judged under the same definitions is not
 * read again, and a copy of content judged before skips the expensive
 * stages.  Returns MDE_ERR_IO (reason in mde_engine_error()) when the
 * cache cannot be opened; the engine then runs without one.
 */
int mde_engine_set_cache(mde_engine *e, const char *dir);

/* Starts the workers.  Events go to fn until mde_engine_end(). */
int mde_engine_begin(mde_engine *e, mde_event_fn fn, void *ctx);

/*
 * Scans path: a file is queued, a directory walked (in the calling
 * thread) and its files queued.  A symlink given here is followed.
 * Problems are reported as events; the return is MDE_OK unless the engine
 * itself failed.
 */
int mde_engine_submit(mde_engine *e, const char *path);

/* Waits for queued work, stops the workers and fills *sum (may be NULL). */
int mde_engine_end(mde_engine *e, mde_summary *sum);

/* Asks a running scan to stop soon; safe from a signal handler. */
void mde_engine_cancel(mde_engine *e);

/* A consistent snapshot of the running counters, for a progress line.
 * cur receives the path being scanned (truncated to cur_len - 1). */
void mde_engine_progress(mde_engine *e, mde_summary *sum, char *cur,
			 size_t cur_len);

/* Versions of the libraries the engine was built with, one line each. */
const char *mde_library_versions(void);

#ifdef __cplusplus
}
#endif
#endif /* MDESCAN_H */
