/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yarastage_int.h - the YARA stage's state, shared by yarastage.c (compile
 * and scan) and yaracache.c (the compiled-rules file).
 */
#ifndef MDE_YARASTAGE_INT_H
#define MDE_YARASTAGE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <yara.h>

#include "mde_int.h"
#include "yaraprefilter.h"

/*
 * Size tiers: tier i holds files of size in [tier_lo[i], tier_lo[i + 1]).
 * One tier: on a 3,000-rule set with 20% size-bounded rules, a second
 * tier at 1 MiB scanned no faster and cost 40% more load time and memory.
 */
#define NTIERS 1
#define NCLASSES 3 /* MZ, ELF, OTHER: bit k of MDE__YC_* is class k */
#define NSUB (NCLASSES * NTIERS)
#define PF_SINGLE NSUB /* prefilter slot of the single source set */
/*
 * Each subset k is compiled in two parts: sub[k] holds the rules the
 * prefilter pf[k] covers (scanned only when one of its literals occurs),
 * sub[ALWAYS + k] the others (scanned always).  With the prefilter off,
 * every rule is in sub[k].
 */
#define ALWAYS NSUB
#define NSLOT (2 * NSUB)

struct ysource {
	char *file;
	char *text; /* NUL terminated copy */
	int failed;
};

struct mde__yara {
	struct ysource *src;
	size_t nsrc, capsrc;
	YR_RULES **sets; /* compiled rule sets: sources first, then .yarc */
	size_t nsets, capsets;
	YR_RULES *sub[NSLOT]; /* source subsets when pre-selecting, else NULL */
	const uint8_t *sub_blob[NSLOT]; /* a subset not read yet from lazy_buf
					   (mde__yara_sub() reads it) */
	size_t sub_len[NSLOT];
	bool presel_off;
	bool presel;         /* sub[] replaces the source set in sets[] */
	bool split;          /* sub[] cut in parts (see ALWAYS) */
	uint64_t nrules, nclassified;
	uint64_t nsrc_rules; /* rules from sources (the rest from .yarc) */
	struct ydiag *diags; /* what compiling the sources reported */
	size_t ndiags, capdiags;
	mde__diag *fwd;      /* where recorded diagnostics go on */
	bool src_first;      /* sets[0] holds the source rules */
	bool pf_off;
	mde__ypf *pf[NSUB + 1]; /* literal prefilter per subset, PF_SINGLE */
	const uint8_t *pf_blob[NSUB]; /* a subset's, not read yet */
	size_t pf_len[NSUB];
	struct hs_scratch *pf_proto;
	uint64_t pf_sets;       /* rule sets with a prefilter */
	/* A compiled-rules file is read in two steps: its header and
	 * diagnostics when the definitions load, its rule sets when a file
	 * first needs YARA (a re-scan answered from the scan cache never
	 * does).  The only mutable part of loaded definitions: guarded. */
	pthread_mutex_t lazy_lock;
	uint8_t *lazy_buf;      /* the file, while the sets are unread */
	size_t lazy_len, lazy_off, lazy_map; /* lazy_buf is mapped, lazy_map long */
	int lazy_own;           /* lazy_buf: 0 mapped, 1 malloc'd, 2 borrowed */
	bool lazy;
	int lazy_rc;
};

/* A diagnostic of the source compile, kept for the compiled-rules file. */
struct ydiag {
	unsigned line;
	char *file, *sig, *msg;
};

struct mde__yscan {
	YR_SCANNER **sc;
	size_t n;
	YR_SCANNER *sub[NSLOT];
	bool sub_tried[NSLOT]; /* sub[k] made (or found unusable) */
	bool pf_tried[NSUB];   /* pf[k] looked up */
	bool presel;
	const mde__ypf *pf[NSUB + 1]; /* borrowed from the mde__yara */
	struct hs_scratch *pf_scratch;
	bool src_first;
	bool ready;            /* scanners made (see mde__yara.lazy) */
	bool failed;           /* making them failed */
	const mde__yara *y;
};

struct memstream {
	const uint8_t *p;
	size_t len, pos;
};

/* libyara stream reader over a memstream. */
size_t mde__ymem_read(void *ptr, size_t size, size_t count, void *ud);

/* Rules in a compiled set. */
uint64_t mde__ycount_rules(YR_RULES *r);

/* Frees every prefilter database of y. */
void mde__ydrop_prefilters(mde__yara *y);

/* Builds the literal prefilters from the sources still held by y. */
void mde__ybuild_prefilters(mde__yara *y, bool presel);

/* Reads the rule sets of a compiled-rules file loaded lazily (see
 * mde__yara_load); safe from any thread, does the work once.  Returns
 * MDE_OK when the sets are usable. */
int mde__yara_materialize(mde__yara *y);

/* Puts the whole source set first in y->sets. */
int mde__yinsert_source_set(mde__yara *y, YR_RULES *r);

/* Subset k of y, read from the compiled-rules file on first use (each
 * class of file needs only its own); NULL if it has no rule.  Thread
 * safe.  MDE_ERR_FORMAT if the stored subset does not load. */
int mde__yara_sub(mde__yara *y, size_t k, YR_RULES **out);

/* The prefilter of subset k, read on first use; NULL if none. */
const mde__ypf *mde__yara_pf(mde__yara *y, size_t k);

/* Lower bounds of the size tiers (yarasplit.c). */
extern const uint64_t mde__ytier_lo[NTIERS];

/* The base name of path p: a source's namespace. */
const char *mde__ybase_name(const char *p);

/*
 * Builds the subsets of y's sources (parts, see ALWAYS) and, in a second
 * thread meanwhile, their prefilters; *pf_done tells whether the
 * prefilters were built.  MDE_OK with y->presel set on success; MDE_OK
 * with it clear when a subset would not compile (yarasplit.c).
 */
int mde__ybuild_subsets_pf(mde__yara *y, bool *pf_done);

/* A libyara compiler with the engine's externals defined. */
int mde__yara_new_compiler(YR_COMPILER **c);

/* Releases lazy_buf as lazy_own says. */
void mde__ylazy_release(mde__yara *y);

#endif
