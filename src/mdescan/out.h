/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out.h - mdescan's output formats: one table of writers (out.c), each
 * a struct out_format in its own out_<name>.c.
 *
 *   text      clamscan-style lines (the default, standard output)
 *   json      JSON Lines (--json, standard output)
 *   ecs       ECS JSON Lines of the findings and the summary (--ecs FILE)
 *   csv       one finding a row, RFC 4180 (--csv FILE)
 *   hashdeep  "size,md5,sha256,filename" of every file read (--hashdeep)
 *   bodyfile  Sleuth Kit 3.x bodyfile of every file read (--bodyfile)
 *
 * Adding a format: an out_<name>.c with its struct out_format, its row
 * in out.c's table, an option of scan_opts.c naming it (and mdescan.1).
 * The writers are called under the scan's lock, one event at a time.
 */
#ifndef MDESCAN_OUT_H
#define MDESCAN_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mdescan.h"

struct owners;
struct procinfo;
struct shard;

/* An event for the writers: a finding with its file's total and level
 * (evidence.c), or an error, a skip, a clean file. */
struct out_event {
	const mde_event *ev;
	long file_score;   /* -1 when the file's total is not known */
	const char *level; /* "alert", "warning", "notice", "low", or NULL */
	/* a finding in /proc/PID/exe: the process running it, or NULL */
	const struct procinfo *proc;
};

/* What every writer may read: the scan's settings and the host's facts. */
struct out_ctx {
	const char *defs_version;
	const char *scan_type;  /* "quick", "full", "custom" */
	const char *root;       /* --root, or NULL */
	size_t rootlen;         /* of root without trailing '/'; 0 for "/" */
	const char *host;
	struct owners *owners;  /* owner names (owners.h) */
	int infected_only;      /* -i: findings only */
	int summary;            /* text: the summary on stderr */
	int show_scores;        /* text: "(score S, file T LEVEL)" */
	int threads;
	const struct shard *shard; /* --shard (shard.h), or NULL */
};

/* How the scan ended, for the summaries. */
struct out_totals {
	mde_summary s;
	uint64_t reported;        /* threat findings reported */
	uint64_t below_min_score; /* files not reported */
	uint64_t levels[4];       /* files per level, alert first */
	int exit_code;
};

/* One output open: a format and where it writes. */
struct out_writer {
	const struct out_format *fmt;
	FILE *fp;
	const char *path;   /* NULL: standard output */
	const struct out_ctx *ctx;
	uint64_t skipped;   /* files whose names cannot be written in it */
};

enum {
	OUT_APPEND = 1, /* the file is a log: appended to, never replaced */
	OUT_HASHES = 2  /* it needs every file's hashes (MDE_OPT_FILE_HASHES) */
};

/* A format: its name (the option's) and its callbacks, each NULL when it
 * has nothing to say then. */
struct out_format {
	const char *name;
	unsigned flags; /* OUT_* */
	void (*begin)(struct out_writer *w);   /* a header */
	/* a reported finding, or any other event but MDE_EV_FILE */
	void (*event)(struct out_writer *w, const struct out_event *e);
	/* MDE_EV_FILE: a file on disk is done */
	void (*file)(struct out_writer *w, const mde_event *ev);
	void (*summary)(struct out_writer *w, const struct out_totals *t);
};

extern const struct out_format out_text, out_json, out_ecs, out_csv,
	out_hashdeep, out_bodyfile;

/* The format called name, or NULL. */
const struct out_format *out_find(const char *name);

/*
 * Opens path for f (appended or replaced, mode 0640), or standard output
 * when path is NULL, and writes f's header.  ctx must outlive the
 * writer.  Returns it, or NULL with the file and the reason in err.
 */
struct out_writer *out_open(const struct out_format *f, const char *path,
			    const struct out_ctx *ctx, char *err,
			    size_t errlen);

/*
 * Flushes, syncs and closes w's file (standard output is only flushed)
 * and frees w; NULL is allowed.  Returns 0, or -1 with the file and the
 * reason in err (a full disk must not pass unnoticed).
 */
int out_close(struct out_writer *w, char *err, size_t errlen);

/* --------------------------------------------- for the writers */

/* ISO 8601 UTC with milliseconds of ns since the epoch. */
void out_iso_time(char *out, size_t n, int64_t ns);

/* Now, in ns since the epoch. */
int64_t out_now_ns(void);

/* The last component of p[0..len), its length in *blen. */
const char *out_base_name(const char *p, size_t len, size_t *blen);

/* The path inside the image (--root): p[0..*len) without the root, *len
 * updated; p itself when it is not under the root. */
const char *out_image_path(const struct out_ctx *c, const char *p,
			   size_t *len);

enum { OUT_IN_JSON = 1, OUT_IN_ECS = 2 };

/* The scan's counters as "name":N pairs, comma-separated, those of the
 * summary of which (OUT_IN_JSON or OUT_IN_ECS). */
void out_json_counters(FILE *fp, const struct out_totals *t, unsigned which);

/* ,"shard":{"index":K,"count":N,"from":S} of both JSON summaries when the
 * scan took one part of the files; nothing for a whole scan, so that the
 * shards' summaries say which part each was and the others stay as
 * they were. */
void out_json_shard(FILE *fp, const struct out_ctx *c);

#endif
