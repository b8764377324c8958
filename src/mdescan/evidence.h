/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evidence.h - a scan's scores, levels and outputs: findings are held
 * until their file is done, so that every output knows the file's total
 * score and level, then given to each output of the scan (out.h: the
 * screen's text or JSON, ECS, CSV, hashdeep, bodyfile; several at once).
 */
#ifndef MDESCAN_EVIDENCE_H
#define MDESCAN_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "mdescan.h"
#include "out.h"

#define EV_MAX_OUTPUTS 8

/* One output: a format, and its file (NULL: standard output). */
struct ev_output {
	const struct out_format *fmt;
	const char *path;
};

struct ev_opts {
	struct ev_output out[EV_MAX_OUTPUTS]; /* in the order written */
	size_t nout;
	const char *root;     /* --root: image owners and paths */
	int64_t min_score;    /* files below it are not reported */
	int64_t alert, warning, notice; /* the levels' lowest totals */
	const char *defs_version;
	const char *scan_type; /* "quick", "full", "custom" */
	const struct shard *shard; /* --shard (shard.h), or NULL */
	/* the screen's outputs */
	int infected_only, summary, show_scores, threads;
};

/* Adds an output of format name (out.h) writing to path (NULL: standard
 * output); one of a format already there now writes to path.  -1 when
 * there is no such format or no room left. */
int evidence_add_output(struct ev_opts *o, const char *name,
			const char *path);

/* Whether an output of o needs every file's hashes. */
int evidence_wants_hashes(const struct ev_opts *o);

/* Called for each finding that is reported (its file's total reached
 * min_score), after the outputs, under the caller's lock. */
typedef void (*ev_emit_fn)(void *ctx, const struct out_event *e);

struct evidence;

/*
 * Opens the outputs of o (o must outlive the result).  On failure
 * returns NULL with the file and the reason in err.
 */
struct evidence *evidence_open(const struct ev_opts *o, ev_emit_fn emit,
			       void *ctx, char *err, size_t errlen);

/*
 * An engine event.  Findings are held until their file's MDE_EV_FILE,
 * then given to the outputs and to emit (or dropped below min_score).
 * Returns 1 for an event the outputs had at once, which the caller
 * records itself (anything but a finding or a FILE event), else 0.
 */
int evidence_event(struct evidence *x, const mde_event *ev);

/* Findings still held (a file that never got its FILE event) are
 * given out with the totals known. */
void evidence_finish(struct evidence *x, const mde_summary *s, int status);

/*
 * The scan's summary to every output.  The files are closed first, then
 * the standard output's summary says how the scan ended: a file that
 * could not be written (a message on stderr) makes the status 2.
 * Returns the exit status, status or 2.
 */
int evidence_summary(struct evidence *x, const mde_summary *s, int status);

/* Files reported, by level: [0] alert, [1] warning, [2] notice, [3] low. */
void evidence_level_counts(const struct evidence *x, uint64_t out[4]);

/* Threat findings reported (not audit, not allowed), and files left
 * out below min_score. */
uint64_t evidence_reported(const struct evidence *x);
uint64_t evidence_below(const struct evidence *x);

/* Gives out what is held, closes the outputs still open and frees x;
 * NULL is allowed.  Returns 0, or -1 with the file and the reason in err
 * (a full disk must not pass unnoticed). */
int evidence_close(struct evidence *x, char *err, size_t errlen);

/* The level of a total score under o's thresholds; NULL for -1. */
const char *evidence_level(const struct ev_opts *o, long score);

#endif
