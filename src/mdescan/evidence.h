/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evidence.h - mdescan's evidence outputs and scores: findings held until
 * their file is done, so that every output knows the file's total score
 * and level; ECS JSON Lines, CSV, a hashdeep manifest and a Sleuth Kit
 * bodyfile, written to files, several at once.
 */
#ifndef MDESCAN_EVIDENCE_H
#define MDESCAN_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "mdescan.h"

/* Loki's levels: a file's total score at or above them. */
#define EV_DEFAULT_ALERT 100
#define EV_DEFAULT_WARNING 60
#define EV_DEFAULT_NOTICE 40

struct ev_opts {
	const char *ecs;      /* ECS JSON Lines file (appended) */
	const char *csv;      /* CSV file (replaced) */
	const char *hashdeep; /* hashdeep manifest (replaced) */
	const char *bodyfile; /* Sleuth Kit bodyfile (replaced) */
	const char *root;     /* --root: image owners and paths */
	int64_t min_score;    /* files below it are not reported */
	int64_t alert, warning, notice;
	const char *defs_version;
	const char *scan_type; /* "quick", "full", "custom" */
};

/* A finding ready for the outputs, with its file's total. */
struct ev_scored {
	const mde_event *ev;
	long file_score;   /* -1 when the file's total is not known */
	const char *level; /* "alert", "warning", "notice", "low", or NULL */
};

/* Called for each finding that is reported (its file's total reached
 * min_score), under the caller's lock. */
typedef void (*ev_emit_fn)(void *ctx, const struct ev_scored *sf);

struct evidence;

/*
 * Opens the output files of o (o must outlive the result).  On failure
 * returns NULL with the file and the reason in err.
 */
struct evidence *evidence_open(const struct ev_opts *o, ev_emit_fn emit,
			       void *ctx, char *err, size_t errlen);

/* Whether the scan must send MDE_EV_FILE events (and file hashes). */
int evidence_needs_file_events(const struct evidence *x);
int evidence_needs_hashes(const struct evidence *x);

/* An engine event.  Findings are held until their file's MDE_EV_FILE
 * when file events are on, then given to emit (or dropped below
 * min_score).  Returns 1 when the caller should show ev itself now
 * (anything but a held finding or a FILE event), else 0. */
int evidence_event(struct evidence *x, const mde_event *ev);

/* Findings still held (a file that never got its FILE event) are
 * given out with the totals known. */
void evidence_finish(struct evidence *x, const mde_summary *s, int status);

/* The scan's summary, to the outputs that have one (ECS). */
void evidence_summary(struct evidence *x, const mde_summary *s, int status);

/* Files reported, by level: [0] alert, [1] warning, [2] notice, [3] low. */
void evidence_level_counts(const struct evidence *x, uint64_t out[4]);

/* Threat findings reported (not audit, not allowed), and files left
 * out below min_score. */
uint64_t evidence_reported(const struct evidence *x);
uint64_t evidence_below(const struct evidence *x);

/* Flushes and closes every file; returns 0, or -1 with the file and
 * the reason in err (a full disk must not pass unnoticed). */
int evidence_close(struct evidence *x, char *err, size_t errlen);

/* The largest image /etc/passwd or /etc/group read for owner names. */
#define EV_MAX_IDFILE (16 << 20)

/*
 * Parses passwd(5)/group(5) lines ("name:x:id:...") of an image, calling
 * fn for each well-formed one (a name of 1 to 256 bytes, a decimal id
 * that fits 32 bits); other lines are skipped.  Returns how many.
 */
size_t evidence_parse_ids(const char *buf, size_t len,
			  void (*fn)(void *ctx, uint32_t id, const char *name,
				     size_t n),
			  void *ctx);

/* The level of a total score under o's thresholds. */
const char *evidence_level(const struct ev_opts *o, long score);

#endif
