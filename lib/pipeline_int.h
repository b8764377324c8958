/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline_int.h - what pipeline.c (the stages) and verdict.c (the scan
 * cache's side of a file's scan) share: the worker and the file being
 * scanned.
 */
#ifndef MDE_PIPELINE_INT_H
#define MDE_PIPELINE_INT_H

#include <sys/stat.h>

#include <openssl/evp.h>

#include "engine_int.h"

struct mde__worker {
	mde_engine *e; /* first: worker_main reads it */
	uint8_t *buf;
	size_t cap;
	mde__bytescratch *bs;
	struct mde__clamscratch *cs; /* the ClamAV languages (clamav.h) */
	mde__yscan *ys;
	EVP_MD *md[MDE__NHASH];
	mde__cache_rd *rd; /* scan cache reader, when the engine has a cache */
	unsigned misses;   /* cache lookups by path that missed, in a row */
	struct mde__iocscratch *ioc_sc; /* file-name IOC matching */
	uid_t owner_uid;
	char owner[64];
	int have_owner;
	mde_event_fn fn; /* a synchronous scan's callback (else the engine's) */
	void *ctx;
	struct mde__cage *cage; /* the parser cage (cage.h), or NULL */
};

/* The file being scanned, as the stages see it: a file on disk (depth 0,
 * top == itself) or a member of a container inside it. */
struct file {
	mde__worker *w;
	const mde__item *it; /* the file on disk */
	struct file *top;    /* the file on disk's struct file */
	int depth;           /* containers around this member; 0 on disk */
	const char *mname;   /* member name, depth > 0 */
	unsigned mtype;      /* what its container says it is (enum
				mde__arc_mtype), depth > 0 */
	const uint8_t *buf;
	size_t len;
	struct stat st;
	mde__ftype ft;
	const char *packer; /* "UPX" when packed, or unpacked from UPX */
	int upx;         /* this very buffer is UPX-packed */
	char sha256[65];
	int nfound;      /* top: findings in the file and its members */
	const char *why; /* error reason set by a stage */
	mde__cval v;     /* the verdict, as the cache will keep it */
	int uncacheable; /* more findings than the cache keeps, or an
			    error: judged again next time */
	int allowed;     /* a false-positive hash IOC: no further stage */
	/* top only: the file on disk */
	mde_fileinfo fi; /* once stat'ed (have_fi) */
	int have_fi;
	long score;      /* sum of the scores of the counted findings */
	char md5[33], sha1[41]; /* MDE_OPT_FILE_HASHES (sha256 above) */
	/* top only: the archive stage's allowance and the member chain */
	mde__arc_budget bud;
	const char **layers;
	size_t nlayers_cap;
	int heap;        /* allocated (a caged file): freed when done */
};

/* Stats, reads and judges the open file fd of item it (pipeline.c); with
 * by_stat the scan cache may answer it from its stat first.  noatime:
 * opened with O_NOATIME. */
void mde__scan_fd(mde__worker *w, const mde__item *it, int fd, int noatime,
		  int by_stat);

/* The end of file on disk f: its verdict kept when judged, MDE_EV_FILE,
 * and what it holds freed (f too when heap). */
void mde__file_done(struct file *f, int judged);

/* Runs the stages of the table on f (in a caged worker: there). */
int mde__run_stages(struct file *f);

/* The name of stage i (0: file-type detection, then the table's), or
 * "a" past them. */
const char *mde__stage_name(int i);

/* The user name of uid, as YARA's "owner" (cached per worker); with
 * name, that is the name (the cage's worker is told it). */
const char *mde__worker_owner(mde__worker *w, uid_t uid, const char *name);

/* Test builds only (tests/cage/fault.c, preloaded): a parser's fault,
 * chosen by the bytes it is given.  Never defined in the library. */
extern void mde__fault_hook(const uint8_t *buf, size_t len)
	__attribute__((weak));

/* Delivers an event of w (see mde__deliver). */
void mde__wemit(mde__worker *w, const mde_event *ev);

/* Answers the item from the scan cache without reading it (1), or not
 * (0); from_stat when its stat (and fi, what events show of it) is at
 * hand.  A file left out by MDE_OPT_NEWER_THAN is answered too: counted,
 * no event. */
int mde__verdict_from_cache(mde__worker *w, const mde__item *it);
int mde__verdict_from_stat(mde__worker *w, const mde__item *it,
			   const struct stat *st, const mde_fileinfo *fi);

/* MDE_OPT_FILE_EVENTS: the MDE_EV_FILE that closes the events of a file
 * on disk (nfound counted findings, score their sum). */
void mde__emit_file(mde__worker *w, const mde__item *it,
		    const mde_fileinfo *fi, uint64_t size, int nfound,
		    long score);

/* Gives the file on disk f its content id, then answers it as a copy of
 * content judged before: its verdict reported (1), or 0; -1 when hashing
 * failed (f->why says so). */
int mde__verdict_from_content(struct file *f);

/* Whether the file on disk f keeps its SHA-256 in the scan cache although
 * no signature wants it (see verdict.c for the size bound). */
int mde__keep_sha256(const struct file *f);

/* Computes the digest of type t of f into f->v (and f->sha256 for
 * SHA-256) unless there already.  0, or -1 with f->why set. */
int mde__digest(struct file *f, int t);

/* Keeps the verdict of f, just scanned. */
void mde__verdict_keep(struct file *f);

#endif
