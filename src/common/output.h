/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.h - how mdescan prints events: text (clamscan style) or JSON
 * Lines, chosen from a table of formats.
 */
#ifndef MDESCAN_OUTPUT_H
#define MDESCAN_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "mdescan.h"

struct out_opts {
	int infected_only; /* -i: findings only */
	int summary;       /* print the summary (text mode) */
	int threads;
	const char *defs_version;
	/* the event's file as a whole (evidence.c), -1 / NULL: unknown */
	long file_score;
	const char *level;
	uint64_t below_min_score; /* summary: files not reported */
	uint64_t levels[4];       /* summary: files per level, alert first */
	int show_scores;          /* text: "(score S, file T LEVEL)" */
};

struct out_format {
	const char *name;
	void (*event)(FILE *fp, const struct out_opts *o, const mde_event *ev);
	void (*summary)(FILE *fp, const struct out_opts *o,
			const mde_summary *s, int exit_code);
};

/* Returns the format called name ("text", "json"), or NULL. */
const struct out_format *out_find(const char *name);

/* Writes s[0..n) escaped for a terminal: \\ \n \t \xHH. */
void out_text_path(FILE *fp, const char *s, size_t n);

/* Writes s[0..n) as a JSON string (quotes included); invalid UTF-8 bytes
 * become \udcXX.  Returns 1 if s was valid UTF-8. */
int out_json_str(FILE *fp, const char *s, size_t n);

#endif
