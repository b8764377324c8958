/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_text.c - the text format, clamscan style: "PATH: NAME FOUND",
 * "PATH: OK", errors on stderr, the summary on stderr.
 */
#include "config.h"

#include <string.h>

#include "out.h"
#include "output.h"
#include "procinfo.h"
#include "banned.h"

/* " (process PID: EXE (deleted), command: CMD)", escaped as paths are */
static void text_proc(FILE *to, const struct procinfo *pi)
{
	fprintf(to, " (process %d: ", pi->pid);
	out_text_path(to, pi->exe, pi->exe_len);
	fprintf(to, "%s, command: ", pi->deleted ? " (deleted)" : "");
	out_text_path(to, pi->cmd, pi->cmd_len);
	fputs(pi->cut ? "...)" : ")", to);
}

static void text_event(struct out_writer *w, const struct out_event *e)
{
	const mde_event *ev = e->ev;
	FILE *to = ev->type == MDE_EV_ERROR ? stderr : w->fp;
	size_t i;

	if (w->ctx->infected_only && ev->type != MDE_EV_FINDING &&
	    ev->type != MDE_EV_ERROR)
		return;
	out_text_path(to, ev->path, ev->path_len);
	for (i = 0; i < ev->nlayers; i++) {
		fputs("//", to);
		out_text_path(to, ev->layers[i], strlen(ev->layers[i]));
	}
	switch (ev->type) {
	case MDE_EV_FINDING:
		fprintf(to, ": %s %s", ev->name,
			ev->allowed ? "ALLOWED"
			: ev->audit ? "AUDIT" : "FOUND");
		if (w->ctx->show_scores && e->level)
			fprintf(to, " (score %ld, file %ld %s)", ev->score,
				e->file_score, e->level);
		if (e->proc)
			text_proc(to, e->proc);
		putc('\n', to);
		break;
	case MDE_EV_ERROR:
		fprintf(to, ": ERROR (%s)\n", ev->reason);
		break;
	case MDE_EV_SKIPPED:
		fprintf(to, ": SKIPPED (%s)\n", ev->reason);
		break;
	case MDE_EV_CLEAN:
		fputs(": OK\n", to);
		break;
	case MDE_EV_FILE:
		break;
	}
}

/* The lines that only say something when it is not 0. */
static void text_summary_more(const struct out_totals *t)
{
	const mde_summary *s = &t->s;

	if (s->unchanged)
		fprintf(stderr, "Unchanged (not newer): %llu\n",
			(unsigned long long)s->unchanged);
	if (s->othershard)
		fprintf(stderr, "Other shards' files: %llu\n",
			(unsigned long long)s->othershard);
	if (t->levels[0] + t->levels[1] + t->levels[2] + t->levels[3])
		fprintf(stderr, "Levels (files): alert %llu, warning %llu, "
			"notice %llu, low %llu\n",
			(unsigned long long)t->levels[0],
			(unsigned long long)t->levels[1],
			(unsigned long long)t->levels[2],
			(unsigned long long)t->levels[3]);
	if (t->below_min_score)
		fprintf(stderr, "Below min score: %llu\n",
			(unsigned long long)t->below_min_score);
	if (s->atime_risk)
		fprintf(stderr, "Opened without O_NOATIME (atime may have "
			"moved): %llu\n", (unsigned long long)s->atime_risk);
}

static void text_summary(struct out_writer *w, const struct out_totals *t)
{
	const mde_summary *s = &t->s;
	double secs = (double)s->elapsed_ns / 1e9;

	if (!w->ctx->summary)
		return;
	fprintf(stderr, "\n----------- SCAN SUMMARY -----------\n");
	/* the counts below are of part of what was asked for */
	if (s->cancelled)
		fprintf(stderr, "Scan cancelled: the counts are of the files "
			"scanned before\n");
	fprintf(stderr,
		"Scanned files: %llu\nScanned bytes: %llu\nFindings: %llu\n"
		"Infected files: %llu\nErrors: %llu\nSkipped: %llu\n"
		"Excluded: %llu\nFrom cache: %llu (copies: %llu)\n"
		"Archive members: %llu (%llu bytes unpacked)\n"
		"Threads: %d\nTime: %.3f s (%.1f MB/s)\n",
		(unsigned long long)s->files, (unsigned long long)s->bytes,
		(unsigned long long)s->findings,
		(unsigned long long)s->infected,
		(unsigned long long)s->errors, (unsigned long long)s->skipped,
		(unsigned long long)s->excluded,
		(unsigned long long)s->cached, (unsigned long long)s->deduped,
		(unsigned long long)s->members,
		(unsigned long long)s->unpacked, w->ctx->threads, secs,
		secs > 0 ? (double)s->bytes / 1e6 / secs : 0.0);
	text_summary_more(t);
}

const struct out_format out_text = {
	.name = "text",
	.event = text_event,
	.summary = text_summary,
};
