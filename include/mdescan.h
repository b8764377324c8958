/* SPDX-License-Identifier: Apache-2.0 */
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

/*
 * Status codes, one X-macro (as lz4's error list) that makes both the enum
 * and mde_status_str()'s texts: X(name, value, text).
 */
#define MDE_STATUS_LIST(X)                                                 \
	X(MDE_OK, 0, "success")                                            \
	X(MDE_ERR_NOMEM, -1, "out of memory")                              \
	/* a file or directory could not be read */                        \
	X(MDE_ERR_IO, -2, "input/output error")                            \
	/* input is not in the expected format */                          \
	X(MDE_ERR_FORMAT, -3, "bad format")                                \
	/* bad argument or option value */                                 \
	X(MDE_ERR_ARG, -4, "invalid argument")                             \
	/* call not allowed in the current state */                        \
	X(MDE_ERR_STATE, -5, "not allowed in this state")                  \
	/* signatures could not be compiled */                             \
	X(MDE_ERR_COMPILE, -6, "signatures failed to compile")             \
	/* a bundle's signature is bad, or its key is not trusted */       \
	X(MDE_ERR_SIG, -7, "bad or untrusted signature")

typedef enum mde_status {
#define MDE_STATUS_ENUM_(name, value, text) name = value,
	MDE_STATUS_LIST(MDE_STATUS_ENUM_)
#undef MDE_STATUS_ENUM_
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
 * recursive).  Known formats: .hdb .hsb (ClamAV hash), .ndb (ClamAV
 * body), .yar .yara (YARA source), .yarc (compiled YARA), .sha256 .sha1
 * .md5 .txt (plain hash lists), Loki's *hash-iocs.txt *filename-iocs.txt
 * *falsepositive-hashes.txt; a .mdb file starting with the bundle magic
 * is a signed bundle (mde_defs_load_bundle()), loaded only when named,
 * never from a directory.  Returns MDE_ERR_IO when the path cannot be
 * read, MDE_ERR_FORMAT for a file of no known format; the reason is in
 * mde_defs_error().
 */
int mde_defs_load_path(mde_defs *defs, const char *path);

/* Loads one in-memory definitions file; its name (and, where formats
 * share a name, its first bytes) picks the format.  (A bundle, .mdb,
 * only through mde_defs_load_path/_bundle.) */
int mde_defs_load_buffer(mde_defs *defs, const char *name, const void *buf,
			 size_t len);

/* Loads the definitions built into the tools from sigdb/ and rules/: a
 * bundle made at build time (needs builtin_defs.c linked in). */
int mde_defs_load_builtin(mde_defs *defs);

/* --------------------------------------------------- definitions bundles */

/*
 * Trusts the Ed25519 public key at path (PEM, as mdesig keygen writes
 * it), or every *.pub file in the directory path.  A bundle loads only
 * when signed by a trusted key.
 */
int mde_defs_add_keys(mde_defs *defs, const char *path);

/*
 * Loads a signed definitions bundle (mdescan-bundle(5)): checks its
 * layout, every part's SHA-256, the signature and the minimum engine
 * version, then uses its hash tables in place (mapped, not parsed).  At
 * most one bundle per defs, and not together with loose hash files.
 * MDE_ERR_SIG for a bad signature or an untrusted key.
 */
int mde_defs_load_bundle(mde_defs *defs, const char *path);

/* What a bundle's header and manifest say. */
typedef struct mde_bundle_info {
	uint64_t version;      /* only grows */
	uint64_t base_version; /* a delta: the version it applies to */
	uint64_t created;      /* Unix time */
	uint64_t size;         /* bytes */
	int delta;
	char key_id[17];     /* hex: the first 8 bytes of SHA-256(public key) */
	char min_engine[17];
	char digest[65];     /* hex SHA-256 of the signed bytes */
	uint64_t hash_sigs, byte_sigs, yara_rules, iocs; /* from the manifest */
	unsigned parts;
} mde_bundle_info;

/* The bundle loaded into defs; MDE_ERR_STATE when none was. */
int mde_defs_bundle_info(const mde_defs *defs, mde_bundle_info *bi);

/*
 * Checks the bundle at path (layout and parts' SHA-256) and, with keys (a
 * key file or directory; NULL: skip), its signature; fills bi.  Does not
 * load it: see mde_defs_load_bundle() for that test.
 */
int mde_bundle_check(const char *path, const char *keys, mde_bundle_info *bi,
		     char *err, size_t errlen);

/*
 * Fully checks the bundle at path (signature with keys, every part, the
 * hash tables' order) and records that in path.verified, with the file's
 * identity: mde_defs_load_bundle() then skips hashing the parts while the
 * file stays unchanged (any change moves its ctime).  For the installed
 * definitions, which only an update writes.
 */
int mde_bundle_stamp(const char *path, const char *keys, char *err,
		     size_t errlen);

/* Signatures of one kind that a ClamAV database holds and this engine
 * reads but does not run (as mde_defs_unsupported() words them). */
typedef struct mde_clamdb_unsup {
	const char *what;     /* "bytecode signatures (.cbc)" */
	uint64_t n;
} mde_clamdb_unsup;

/* One ClamAV database (.cvd .cld .cud) a bundle carries: as its own
 * header says, and as the bundle's build found it (both in parts whose
 * SHA-256 the signed manifest holds). */
typedef struct mde_clamdb_info {
	const char *name;     /* its file name: "daily.cld" */
	unsigned version;
	const char *built;    /* build time as ClamAV writes it */
	uint64_t built_at;    /* the same in seconds since the epoch, or 0 */
	uint64_t sigs;        /* signatures, as its header counts them */
	uint64_t loaded;      /* its signatures this engine runs, hash
				 signatures apart (they are in the bundle's
				 hash tables with the others) */
	int official;         /* 1 for a .cvd or .cld, 0 for a .cud */
	const mde_clamdb_unsup *unsup; /* by kind, nunsup of them */
	size_t nunsup;
	const char *verified; /* how the build verified it ("CN=... by its
				 .sign", "ClamAV's RSA keys", "unsigned"), or
				 NULL if the bundle does not say */
} mde_clamdb_info;

typedef void (*mde_clamdb_fn)(void *ctx, const mde_clamdb_info *db);

/*
 * Calls fn for each ClamAV database in the bundle at path, in manifest
 * order (the pointers in *db last for the call only).  Reads the bundle's
 * manifest and each database's header, not the rest: fast enough for a
 * status line.  MDE_OK, or an error with the reason in err.
 */
int mde_bundle_clamdbs(const char *path, mde_clamdb_fn fn, void *ctx,
		       char *err, size_t errlen);

typedef struct mde_build_opts {
	uint64_t version;   /* the bundle's version */
	const char *key;    /* PEM Ed25519 private key */
	int skip_bad;       /* leave out bad lines/rules instead of failing */
	mde_diag_fn diag;   /* each problem, file:line and reason */
	void *ctx;
	const char *clamav_certs; /* mde_defs_set_clamav_certs(); NULL: its
				     default */
} mde_build_opts;

/*
 * Builds a signed bundle at out from definition files and directories
 * (the formats of mde_defs_load_path(), plus Loki IOC files): hash
 * signatures become sorted tables, YARA rules are also compiled.  Without
 * skip_bad any problem fails the build (MDE_ERR_FORMAT).
 */
int mde_bundle_build(const char *const *paths, size_t n,
		     const mde_build_opts *o, const char *out, char *err,
		     size_t errlen);

/* Writes to out the signed delta turning bundle old_path into new_path. */
int mde_bundle_diff(const char *old_path, const char *new_path,
		    const char *key, const char *out, char *err,
		    size_t errlen);

/*
 * Applies delta (signature checked with keys) to base and writes the full
 * target bundle to out, checked like any bundle.  Refuses a delta made
 * for another base.
 */
int mde_bundle_apply(const char *base, const char *delta, const char *keys,
		     const char *out, char *err, size_t errlen);

/* Calls fn for every signature name in the bundle (kind: "hash", "byte",
 * "yara", "ioc"). */
typedef void (*mde_name_fn)(void *ctx, const char *kind, const char *name);
int mde_bundle_list(const char *path, mde_name_fn fn, void *ctx, char *err,
		    size_t errlen);

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
 * are only reused under the version that made them (and the same naming:
 * mde_defs_set_unofficial()).
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
	uint64_t iocs;         /* Loki IOC entries (hashes, names, FPs) */
} mde_defs_stats;

void mde_defs_get_stats(const mde_defs *defs, mde_defs_stats *st);

/*
 * ClamAV definitions that are read but not run (bytecode, icons,
 * Authenticode, phishing, fuzzy image hashes) or skipped by their
 * functionality level (this engine implements ClamAV level
 * MDE_CLAMAV_FLEVEL): fn is called once per kind with its count,
 * ("bytecode signatures (.cbc)", 84).  Never a load failure.
 */
#define MDE_CLAMAV_FLEVEL 216
typedef void (*mde_unsup_fn)(void *ctx, const char *what, uint64_t n);
void mde_defs_unsupported(const mde_defs *defs, mde_unsup_fn fn, void *ctx);

/*
 * Names the detections of ClamAV signatures from unofficial sources
 * "<name>.UNOFFICIAL", as clamscan and clamd do (default off): body,
 * logical, file hash, section and import hash signatures of loose files
 * (.ndb .ldb .hdb .hsb .mdb .msb .imp and their PUA variants) and of
 * unsigned .cud containers; those of .cvd and .cld containers, which
 * load only when they verify, and of the built-in definitions keep their
 * names, as do the hash tables of a signed bundle (which do not say
 * where each hash came from).  Call before compile; verdicts in the scan
 * cache are kept apart by this setting.
 */
void mde_defs_set_unofficial(mde_defs *defs, int on);

/*
 * What one ClamAV database container (.cvd .cld .cud) may unpack to: a
 * container holds the whole database in memory while it is checked, so
 * these bound what a damaged or hostile one can make the load allocate.
 * Exceeding one refuses the container (mde_defs_error() names the file
 * and the limit).  0 = no limit.
 */
typedef enum mde_defs_limit {
	MDE_DEFS_CVD_MAX_MEMBERS = 1, /* files in it; default 1024 */
	MDE_DEFS_CVD_MAX_MEMBER,      /* bytes of one file; default 1 GiB */
	MDE_DEFS_CVD_MAX_TOTAL        /* unpacked bytes; default 2 GiB */
} mde_defs_limit;

/* Sets a limit before loading.  MDE_OK, or MDE_ERR_ARG for an unknown
 * limit. */
int mde_defs_set_limit(mde_defs *defs, mde_defs_limit which, uint64_t v);

/* The default of a limit (what mde_defs_new() sets), or 0 for an unknown
 * one. */
uint64_t mde_defs_limit_default(mde_defs_limit which);

/*
 * Where the CA certificates are that ClamAV 1.5's detached signatures
 * are checked against: a directory of .pem and .crt files (ClamAV's certs
 * directory) or one PEM file; default MDE_CLAMAV_CERTS_DEFAULT, where
 * ClamAV and its Debian packages keep them.  A .cvd with a
 * "<name>-<version>.cvd.sign" beside it (or, in a bundle, kept with it)
 * is verified by that .sign (PKCS#7 of the whole file) instead of its
 * legacy signatures, and refused when the .sign does not verify, also
 * when no CA certificate can be read there.  NULL reads no .sign.  Read
 * at the first .sign met.  Call before loading.  MDE_OK or MDE_ERR_NOMEM.
 */
#define MDE_CLAMAV_CERTS_DEFAULT "/etc/clamav/certs"
int mde_defs_set_clamav_certs(mde_defs *defs, const char *path);

/* -------------------------------------------------------------- engine */

typedef struct mde_engine mde_engine;

typedef enum mde_event_type {
	MDE_EV_FINDING = 1, /* a signature matched */
	MDE_EV_ERROR,       /* a file or directory could not be scanned */
	MDE_EV_SKIPPED,     /* not scanned on purpose: FIFO, device, limit */
	MDE_EV_CLEAN,       /* a file was scanned and nothing matched */
	MDE_EV_FILE         /* MDE_OPT_FILE_EVENTS: a file on disk is done
			       (after all its other events); file, score
			       and nfound describe the whole file */
} mde_event_type;

/*
 * What is known of a file on disk, from fstat()/statx() of the open file
 * (not of the path; a file the scan cache answers unopened: statx() of
 * its path, links not followed).  Valid only during the callback.
 */
typedef struct mde_fileinfo {
	uint64_t dev, ino;
	uint32_t mode;           /* st_mode: type and permission bits */
	uint32_t uid, gid, nlink;
	uint64_t size;
	int64_t atime_ns;        /* nanoseconds since the epoch, as read
				    before the file was read */
	int64_t mtime_ns, ctime_ns;
	int64_t btime_ns;        /* birth time (statx), -1 when unknown */
	/* MDE_OPT_FILE_HASHES: lower-case hex of the whole file; else NULL */
	const char *md5, *sha1, *sha256;
	int noatime;             /* 1: opened with O_NOATIME; 0: the kernel
				    refused it (EPERM: not the owner and no
				    CAP_FOWNER), so reading may move atime */
} mde_fileinfo;

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
	long score;              /* FINDING: the finding's score (yara meta
				    "score", else MDE_SCORE_YARA; a hash or
				    file-name IOC's own score; other
				    signatures MDE_SCORE_SIGNATURE).
				    FILE: the sum over the file's findings
				    (audit and allowed ones excluded).
				    Else -1 */
	const char *sha256;      /* FINDING: hex digest when computed */
	const char *reason;      /* ERROR / SKIPPED: why */
	int err;                 /* ERROR: errno, or 0 */
	/* Inside a container: path is the file on disk, and layers[0..n)
	 * the member names leading to what the event is about, outermost
	 * first ("a.tar.gz", {"dir/app.war", "WEB-INF/x.jsp"}).  Member
	 * names are as the archive stores them (may hold "../", newlines or
	 * invalid UTF-8); never use them as file names.  NULL / 0 for a
	 * file on disk. */
	const char *const *layers;
	size_t nlayers;
	const char *packer;      /* FINDING: "UPX" when the file is packed */
	int audit;               /* FINDING: under an "audit" policy: shown,
				    not counted as infected */
	int allowed;             /* FINDING: allowed (mde_engine_allow()):
				    shown as such, not counted; audit is
				    set too, reason "allowed" */
	/* The file on disk the event is about (also for members: the
	 * file holding them), when it was opened and stat'ed: FINDING,
	 * CLEAN, FILE, and SKIPPED / ERROR after the open; else NULL. */
	const mde_fileinfo *file;
	int nfound;              /* FILE: findings counted in the file and
				    its members */
} mde_event;

/* Scores of findings whose definitions carry none (Loki's defaults). */
#define MDE_SCORE_YARA 70       /* a YARA rule without meta "score" */
#define MDE_SCORE_SIGNATURE 100 /* hash and byte signatures */

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
	uint64_t members;  /* container members scanned */
	uint64_t unpacked; /* bytes unpacked from containers */
	uint64_t unchanged; /* files left out by MDE_OPT_NEWER_THAN */
	uint64_t othershard; /* files left out by MDE_OPT_SHARD_* */
	uint64_t atime_risk; /* files and directories opened without
				O_NOATIME because the kernel refused it */
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
	MDE_OPT_TEST_DELAY_MS,   /* tests only: sleep after open, before
				    read, to provoke races; default 0 */
	/* The archive stage: containers are unpacked and every member runs
	 * through all the stages.  ClamAV's defaults where it has one. */
	MDE_OPT_ARCHIVE_TYPES,   /* mask of the kinds opened (MDE_ARC_*,
				    mde_archive_type()); default and
				    MDE_ARC_ALL: every kind, 0 = stage
				    off; another bit of no kind: invalid */
	MDE_OPT_MAX_RECURSION,   /* containers within containers; default
				    17 (ClamAV MaxRecursion) */
	MDE_OPT_MAX_FILES,       /* members per container; default 10000
				    (ClamAV MaxFiles), 0 = no limit */
	MDE_OPT_MAX_SCANSIZE,    /* bytes unpacked per file on disk; default
				    400 MiB (ClamAV MaxScanSize), 0 = none */
	MDE_OPT_MAX_MEMBER_SIZE, /* bytes of one member; larger ones are
				    skipped; default 100 MiB (ClamAV
				    MaxFileSize), 0 = no limit */
	MDE_OPT_MAX_RATIO,       /* archive bomb: unpacked / packed bytes of
				    one container; default 250, 0 = off */
	MDE_OPT_BOMB_MIN_SIZE,   /* ratio judged once a container unpacked
				    this many bytes; default 16 MiB */
	MDE_OPT_BOMB_POLICY,     /* mde_policy for a bomb; default AUDIT */
	MDE_OPT_PUA_POLICY,      /* mde_policy for a potentially unwanted
				    application: a signature whose name
				    starts with "PUA." or holds ".PUA."
				    (ClamAV's naming); default AUDIT */
	MDE_OPT_FILE_EVENTS,     /* 0/1: emit MDE_EV_FILE for every regular
				    file on disk that was read (or answered
				    by the scan cache: no hashes then);
				    default 0 */
	MDE_OPT_FILE_HASHES,     /* 0/1: MD5, SHA-1 and SHA-256 of every
				    file read, in ev->file; every file is
				    then read (the scan cache never answers
				    without reading); default 0 */
	MDE_OPT_NEWER_THAN,      /* unix seconds: only files whose mtime or
				    ctime is at or after it are scanned, the
				    rest counted in mde_summary.unchanged;
				    default 0 = all */
	MDE_OPT_SHARD_INDEX,     /* K of --shard K/N, 1 <= K <= N */
	MDE_OPT_SHARD_COUNT,     /* N: a file is scanned when the hash of
				    its path relative to the start path it
				    was found under, taken modulo N, is
				    K - 1; the others are counted in
				    mde_summary.othershard.  Deterministic
				    across machines and runs; default 1 */
	MDE_OPT_CAGE,            /* 0/1: the stages (every parser of file
				    content) run in confined worker
				    processes, one per scanning thread:
				    seccomp allow-list, no privileges, own
				    network and mount namespaces when root,
				    limits (see mde_cage_probe()); a worker's
				    death is an error for that file only.
				    The workers are forked from a process
				    the engine forks at mde_engine_begin(),
				    at the first mde_scanner_new() or at
				    mde_engine_cage_start(), before the
				    threads that use it exist.
				    default 0 here (the tools' default is
				    on: cage = yes; doc/cage.md) */
	MDE_OPT_CAGE_MEMORY      /* bytes of address space a worker may
				    add to what it inherits; default 2 GiB,
				    0 = no limit */
} mde_opt;

/*
 * Container kinds of the archive stage (MDE_OPT_ARCHIVE_TYPES): bit i of
 * the mask is the i-th kind of the engine's handler table, named by
 * mde_archive_type_name(i).  Kinds added later have no constant of their
 * own: take their bit from mde_archive_type("name").  The constants below
 * are those of the first twenty kinds, whose bits never change.
 */
#define MDE_ARC_TAR ((int64_t)1 << 0)
#define MDE_ARC_CPIO ((int64_t)1 << 1)
#define MDE_ARC_AR ((int64_t)1 << 2)
#define MDE_ARC_RPM ((int64_t)1 << 3)
#define MDE_ARC_7Z ((int64_t)1 << 4)
#define MDE_ARC_RAR ((int64_t)1 << 5)
#define MDE_ARC_CAB ((int64_t)1 << 6)
#define MDE_ARC_ISO ((int64_t)1 << 7)
#define MDE_ARC_XAR ((int64_t)1 << 8)
#define MDE_ARC_LHA ((int64_t)1 << 9)
#define MDE_ARC_ZIP ((int64_t)1 << 10)
#define MDE_ARC_GZIP ((int64_t)1 << 11)
#define MDE_ARC_BZIP2 ((int64_t)1 << 12)
#define MDE_ARC_XZ ((int64_t)1 << 13)
#define MDE_ARC_LZMA ((int64_t)1 << 14)
#define MDE_ARC_ZSTD ((int64_t)1 << 15)
#define MDE_ARC_LZ4 ((int64_t)1 << 16)
#define MDE_ARC_COMPRESS ((int64_t)1 << 17)
#define MDE_ARC_MAIL ((int64_t)1 << 18)
#define MDE_ARC_UPX ((int64_t)1 << 19)
/* Every kind this library opens, those added after this header too. */
#define MDE_ARC_ALL INT64_MAX

/* The bit of a container type name ("tar", "zip", "gzip", "mail", "upx",
 * ... as in mdescan(1)), or 0 when unknown. */
int64_t mde_archive_type(const char *name);

/* The name of the kind of bit i (0, 1, ...: every i below the number of
 * kinds has one), or NULL past the last.  Static storage. */
const char *mde_archive_type_name(unsigned i);

/* What to do about a heuristic finding (mdatp's threat type settings). */
typedef enum mde_policy {
	MDE_POLICY_OFF = 0,   /* not a finding: reported as a skip */
	MDE_POLICY_AUDIT = 1, /* reported, not counted as infected */
	MDE_POLICY_BLOCK = 2  /* a finding like any other */
} mde_policy;

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

/*
 * Sets an option (mde_opt lists each with its default and range).  Only
 * before mde_engine_begin(): MDE_ERR_STATE during a scan, MDE_ERR_ARG
 * (reason in mde_engine_error()) for an unknown option or a value out of
 * its range.
 */
int mde_engine_set_opt(mde_engine *e, mde_opt opt, int64_t value);

/*
 * The default of an option, the value mde_engine_new() gives it: the one
 * place the defaults live (the tools' configuration and options start
 * from it).  -1 for an unknown option.
 */
int64_t mde_opt_default(mde_opt opt);

/*
 * Adds an exclusion.  Path patterns follow mdatp: '*' matches within one
 * path component except at the end of the pattern where it matches
 * anything; '?' matches one character (the rules in full: mde_exclusions
 * below, the same matcher).  Returns MDE_ERR_ARG on an empty or relative
 * pattern.
 */
int mde_engine_add_exclude(mde_engine *e, mde_excl_kind kind,
			   const char *pattern);

/* Text of the last error on e ("" when none). */
const char *mde_engine_error(const mde_engine *e);

/* ------------------------------------------------------ exclusions */

/*
 * A set of exclusions alone, matched the way an engine's walk matches
 * the ones given to mde_engine_add_exclude(), for a tool that is handed
 * files one by one (the real-time watcher) rather than a tree to walk:
 * one semantics for scans and for the watcher.  Path patterns
 * (MDE_EXCL_PATH, MDE_EXCL_DIR) are absolute; '*' matches within one
 * path component, except as the last character of the pattern, where it
 * matches anything; '?' matches one character, never '/'; nothing else
 * is special.  MDE_EXCL_DIR, or a path pattern ending in '/', or one
 * without wildcards naming a directory, excludes everything below the
 * directory; MDE_EXCL_EXT "log", ".log" or "*.log" excludes files whose
 * name ends in ".log".  Read-only once built: any number of threads may
 * match against one set.
 */
typedef struct mde_exclusions mde_exclusions;

/* A new, empty set, or NULL on no memory. */
mde_exclusions *mde_exclusions_new(void);

/* Frees x; NULL is allowed. */
void mde_exclusions_free(mde_exclusions *x);

/*
 * Adds one exclusion (pattern is copied).  Returns MDE_OK, MDE_ERR_ARG
 * for a pattern mde_engine_add_exclude() refuses too (empty, relative,
 * a "." or ".." component, an extension holding '/', '.', '*' or '?'),
 * or MDE_ERR_NOMEM (x unchanged).
 */
int mde_exclusions_add(mde_exclusions *x, mde_excl_kind kind,
		       const char *pattern);

/*
 * 1 when a regular file at path (absolute, as the kernel names it: no
 * "." or ".." component, no repeated '/') would be left out of a scan
 * by these exclusions, else 0 (also for NULL x or path).
 */
int mde_exclusions_match(const mde_exclusions *x, const char *path);

/*
 * Allows a threat: findings of the signature named name, or any finding
 * in a file whose SHA-256 is name (64 hex digits), are reported as
 * allowed and not counted as threats (mdatp's allowed threats).  Call
 * before mde_engine_begin().  MDE_ERR_ARG for an empty name.
 */
int mde_engine_allow(mde_engine *e, const char *name);

/*
 * Uses the persistent scan cache in directory dir (created if missing),
 * or none when dir is NULL (the default).  An unchanged file (same device,
 * inode, size, mtime and ctime) judged under the same definitions is not
 * read again, and a copy of content judged before skips the expensive
 * stages.  Returns MDE_ERR_IO (reason in mde_engine_error()) when the
 * cache cannot be opened; the engine then runs without one.
 */
int mde_engine_set_cache(mde_engine *e, const char *dir);

/*
 * Scans inside root, a directory (a mounted image): every start path is
 * a path inside it ("/" or "/etc" for root itself or its etc), and every
 * symbolic link met on the way to a start path, or followed under
 * MDE_OPT_FOLLOW_SYMLINKS, is resolved inside root (openat2(2)
 * RESOLVE_IN_ROOT), as the image's own system would, never on the host.
 * Event paths are host paths (root joined with the path inside it).
 * Call before mde_engine_begin(); NULL = none (the default).  Returns
 * MDE_ERR_IO (reason in mde_engine_error()) when root is not a directory
 * that can be opened, MDE_ERR_STATE when the kernel lacks openat2.
 */
int mde_engine_set_root(mde_engine *e, const char *root);

/*
 * With MDE_OPT_CAGE: forks now the process the engine's caged workers
 * are forked from (else mde_engine_begin() or the first
 * mde_scanner_new() does).  A program with threads calls it where no
 * other thread runs: a fork copies the locks other threads hold at that
 * moment.  It serves every later scan of the engine until a setting the
 * stages read changes.  MDE_OK (also with the cage off), or MDE_ERR_IO
 * (reason in mde_engine_error()).
 */
int mde_engine_cage_start(mde_engine *e);

/*
 * e's caged workers are forked from from's process
 * (mde_engine_cage_start(from) first, when from has none), not from one
 * of its own: a daemon makes one engine per request, without forking
 * in a request's thread.  The stages of both must see the same: same
 * definitions, same options but those of the walk (threads, links,
 * file systems, file events, newer-than, shards), same allowed threats
 * and scan cache; else MDE_ERR_ARG and the reason in
 * mde_engine_error(), and e keeps its own.  A setting the stages read,
 * changed on e later, gives e its own again.  from may be freed first.
 * MDE_OK also when either engine has the cage off.
 */
int mde_engine_share_cage(mde_engine *e, mde_engine *from);

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

/* ------------------------------------------------- synchronous scans */

/*
 * A scanner scans one open file now, in the calling thread, with an
 * engine's definitions, options and scan cache: no walk, no queue, no
 * engine threads (on-access scanning, where the answer is awaited).  One
 * scanner per thread; any number of them may share an engine, which needs
 * no mde_engine_begin() for this.  With MDE_OPT_CAGE, the first
 * mde_scanner_new() of an engine forks the process its workers come
 * from: make the scanners after the last mde_engine_set_opt() or
 * mde_engine_set_cache() and before starting the threads that use them
 * (a fork copies the locks other threads hold at that moment).
 */
typedef struct mde_scanner mde_scanner;

mde_scanner *mde_scanner_new(mde_engine *e);
void mde_scanner_free(mde_scanner *s); /* NULL allowed */

/*
 * Scans the regular file open as fd (read from offset 0); path names it
 * in events only.  Events go to fn (may be NULL), in this thread.
 * *nfound (may be NULL) gets the number of findings (audit findings not
 * counted).  Returns MDE_OK when the file was judged (from its content or
 * the cache), MDE_ERR_IO when it could not be read.
 */
int mde_scanner_scan_fd(mde_scanner *s, int fd, const char *path,
			mde_event_fn fn, void *ctx, int *nfound);

/*
 * Whether this kernel lets the engine cage its parsers (MDE_OPT_CAGE):
 * 1 and a description of the cage in info ("seccomp filter, user nobody
 * (uid 65534), ..."), or 0 and the reason it cannot (info may be NULL).
 * Run as root, a short-lived child tries whether workers would get
 * namespaces of their own, and the description says which identity
 * they take (uid 0 without capabilities when this process may not
 * change its user).
 */
int mde_cage_probe(char *info, size_t len);

/* Versions of the libraries the engine was built with, one line each. */
const char *mde_library_versions(void);

#ifdef __cplusplus
}
#endif
#endif /* MDESCAN_H */
