/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evidence.c - scores and levels of files, and the outputs they go to.
 *
 * Findings of a file are held until the engine says the file is done
 * (MDE_EV_FILE, with the file's total score): only then is its level
 * known, and whether it reaches --min-score.  Events of different files
 * interleave (one worker per file), so held findings are kept per path;
 * at most one file per worker has findings held at any time.  What is
 * released goes to every output (out.h) in the order they were added.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence.h"
#include "owners.h"
#include "procinfo.h"
#include "util.h"
#include "banned.h"

struct held {
	struct held *next;
	char *path;
	size_t plen;
	mde_event ev;
	mde_fileinfo fi;
	char **strs;   /* every string copied, freed with the entry */
	size_t nstrs;
	const char **layers;
};

struct evidence {
	const struct ev_opts *o;
	ev_emit_fn emit;
	void *ctx;
	struct out_ctx oc;                      /* what the outputs read */
	struct out_writer *w[EV_MAX_OUTPUTS];   /* NULL once closed */
	struct held *held;
	char host[256];
	uint64_t reported, below;
	uint64_t levels[4]; /* files reported per level */
	char err[512];      /* the first output that could not be closed */
};

/* ------------------------------------------------------------ outputs */

int evidence_add_output(struct ev_opts *o, const char *name,
			const char *path)
{
	const struct out_format *f = out_find(name);
	size_t i;

	if (!f)
		return -1;
	for (i = 0; i < o->nout; i++)
		if (o->out[i].fmt == f) { /* --csv A --csv B: B, as before */
			o->out[i].path = path;
			return 0;
		}
	if (o->nout == EV_MAX_OUTPUTS)
		return -1;
	o->out[o->nout].fmt = f;
	o->out[o->nout++].path = path;
	return 0;
}

int evidence_wants_hashes(const struct ev_opts *o)
{
	size_t i;

	for (i = 0; i < o->nout; i++)
		if (o->out[i].fmt->flags & OUT_HASHES)
			return 1;
	return 0;
}

/* An event to every output that takes events. */
static void to_outputs(struct evidence *x, const struct out_event *e)
{
	size_t i;

	for (i = 0; i < x->o->nout; i++)
		if (x->w[i] && x->w[i]->fmt->event)
			x->w[i]->fmt->event(x->w[i], e);
}

/* Closes the output files (not standard output); the first failure is
 * kept in x->err. */
static int close_files(struct evidence *x)
{
	char err[sizeof(x->err)];
	int rc = 0;
	size_t i;

	for (i = 0; i < x->o->nout; i++) {
		if (!x->w[i] || !x->w[i]->path)
			continue;
		if (out_close(x->w[i], err, sizeof(err)) != 0 && rc == 0) {
			memcpy(x->err, err, sizeof(err));
			rc = -1;
		}
		x->w[i] = NULL;
	}
	return rc;
}

/* ----------------------------------------------------- scores, levels */

const char *evidence_level(const struct ev_opts *o, long score)
{
	if (score < 0)
		return NULL;
	return score >= o->alert     ? "alert"
	       : score >= o->warning ? "warning"
	       : score >= o->notice  ? "notice"
				     : "low";
}

static void give(struct evidence *x, const mde_event *ev, long total)
{
	struct out_event e = { ev, total, evidence_level(x->o, total), NULL };
	struct procinfo pi;

	/* a binary running from memory: which program, started how */
	if (procinfo_of(ev->path, ev->path_len, &pi))
		e.proc = &pi;

	to_outputs(x, &e);
	if (x->emit)
		x->emit(x->ctx, &e);
}

/* ------------------------------------------------------ held findings */

static char *hold_str(struct held *h, const char *s)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (c)
		h->strs[h->nstrs++] = c;
	return c;
}

static void held_free(struct held *h)
{
	size_t i;

	for (i = 0; i < h->nstrs; i++)
		free(h->strs[i]);
	free(h->strs);
	free(h->layers);
	free(h->path);
	free(h);
}

/* A deep copy of a finding; NULL when out of memory. */
static struct held *hold(const mde_event *ev)
{
	struct held *h = calloc(1, sizeof(*h));
	size_t i;

	if (!h)
		return NULL;
	h->strs = calloc(16 + ev->nlayers, sizeof(*h->strs));
	h->layers = ev->nlayers ? calloc(ev->nlayers, sizeof(*h->layers))
				: NULL;
	h->path = malloc(ev->path_len + 1);
	if (!h->strs || (ev->nlayers && !h->layers) || !h->path) {
		held_free(h);
		return NULL;
	}
	memcpy(h->path, ev->path, ev->path_len);
	h->path[ev->path_len] = '\0';
	h->plen = ev->path_len;
	h->ev = *ev;
	h->ev.path = h->path;
	h->ev.name = hold_str(h, ev->name);
	h->ev.stage = hold_str(h, ev->stage);
	h->ev.rule_ns = hold_str(h, ev->rule_ns);
	h->ev.description = hold_str(h, ev->description);
	h->ev.author = hold_str(h, ev->author);
	h->ev.sha256 = hold_str(h, ev->sha256);
	h->ev.reason = hold_str(h, ev->reason);
	h->ev.packer = hold_str(h, ev->packer);
	for (i = 0; i < ev->nlayers; i++)
		h->layers[i] = hold_str(h, ev->layers[i]);
	h->ev.layers = h->layers;
	if (ev->file) {
		h->fi = *ev->file;
		h->fi.md5 = hold_str(h, ev->file->md5);
		h->fi.sha1 = hold_str(h, ev->file->sha1);
		h->fi.sha256 = hold_str(h, ev->file->sha256);
		h->ev.file = &h->fi;
	}
	return h;
}

/*
 * Gives out the held findings of path (all of them when path is NULL)
 * with the file's total, or drops them when it is below min_score.
 * total < 0: not known, summed from the held findings.  The threats come
 * first, then what was allowed or audited: the name a file is reported
 * under first is one still in force, so `threat allowed add NAME` with
 * it makes progress (an allowed name printed first sent users to allow
 * it again while another name kept the file reported).
 */
static void release(struct evidence *x, const char *path, size_t plen,
		    long total)
{
	struct held **pp = &x->held, *h, *mine = NULL, **tail = &mine,
		    *rest = NULL, **rtail = &rest;
	long sum = 0;

	while ((h = *pp)) {
		if (!path || (h->plen == plen &&
			      memcmp(h->path, path, plen) == 0)) {
			*pp = h->next;
			h->next = NULL;
			if (h->ev.audit || h->ev.allowed) {
				*rtail = h;
				rtail = &h->next;
				continue;
			}
			*tail = h;
			tail = &h->next;
			if (h->ev.score > 0)
				sum += h->ev.score;
		} else {
			pp = &h->next;
		}
	}
	*tail = rest;
	if (!mine)
		return;
	if (total < 0)
		total = sum;
	if (total < x->o->min_score) {
		x->below++;
	} else {
		const char *l = evidence_level(x->o, total);

		x->levels[!strcmp(l, "alert") ? 0 : !strcmp(l, "warning") ? 1
			  : !strcmp(l, "notice") ? 2 : 3]++;
	}
	while ((h = mine)) {
		mine = h->next;
		if (total >= x->o->min_score) {
			give(x, &h->ev, total);
			if (!h->ev.audit && !h->ev.allowed)
				x->reported++;
		}
		held_free(h);
	}
}

/* Whether findings of path are held (only audit or allowed ones, when
 * the engine calls the file clean). */
static int holds(const struct evidence *x, const char *path, size_t plen)
{
	const struct held *h;

	for (h = x->held; h; h = h->next)
		if (h->plen == plen && !memcmp(h->path, path, plen))
			return 1;
	return 0;
}

int evidence_event(struct evidence *x, const mde_event *ev)
{
	struct held *h, **pp;
	size_t i;

	if (ev->type == MDE_EV_FILE) {
		release(x, ev->path, ev->path_len, ev->score);
		for (i = 0; i < x->o->nout; i++)
			if (x->w[i] && x->w[i]->fmt->file)
				x->w[i]->fmt->file(x->w[i], ev);
		return 0;
	}
	if (ev->type != MDE_EV_FINDING) {
		struct out_event e = { ev, -1, NULL, NULL };

		/* one verdict a file: an audit or allowed finding held is
		 * its verdict, not "OK" as well */
		if (ev->type != MDE_EV_CLEAN ||
		    !holds(x, ev->path, ev->path_len))
			to_outputs(x, &e);
		return 1;
	}
	h = hold(ev);
	if (!h) { /* out of memory: report it alone rather than lose it */
		give(x, ev, -1);
		x->reported++;
		return 0;
	}
	/* at the tail: a file's findings keep their order */
	for (pp = &x->held; *pp; pp = &(*pp)->next)
		;
	*pp = h;
	return 0;
}

/* --------------------------------------------------------- lifecycle */

/* What the outputs read: o's settings, the host, the image's owners. */
static int set_ctx(struct evidence *x, const struct ev_opts *o)
{
	struct out_ctx *c = &x->oc;

	if (gethostname(x->host, sizeof(x->host) - 1) < 0)
		snprintf(x->host, sizeof(x->host), "localhost");
	c->host = x->host;
	c->defs_version = o->defs_version;
	c->scan_type = o->scan_type;
	c->root = o->root;
	if (o->root) {
		c->rootlen = strlen(o->root);
		while (c->rootlen > 1 && o->root[c->rootlen - 1] == '/')
			c->rootlen--;
		if (c->rootlen == 1) /* "/" is the host itself */
			c->rootlen = 0;
	}
	c->infected_only = o->infected_only;
	c->summary = o->summary;
	c->show_scores = o->show_scores;
	c->threads = o->threads;
	c->shard = o->shard;
	c->owners = owners_new(o->root);
	return c->owners ? 0 : -1;
}

struct evidence *evidence_open(const struct ev_opts *o, ev_emit_fn emit,
			       void *ctx, char *err, size_t errlen)
{
	struct evidence *x = calloc(1, sizeof(*x));
	size_t i;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->o = o;
	if (set_ctx(x, o) < 0) {
		snprintf(err, errlen, "out of memory");
		evidence_close(x, NULL, 0);
		return NULL;
	}
	x->emit = emit;
	x->ctx = ctx;
	for (i = 0; i < o->nout; i++) {
		x->w[i] = out_open(o->out[i].fmt, o->out[i].path, &x->oc, err,
				   errlen);
		if (!x->w[i]) {
			evidence_close(x, NULL, 0);
			return NULL;
		}
	}
	return x;
}

void evidence_finish(struct evidence *x, const mde_summary *s, int status)
{
	(void)s;
	(void)status;
	release(x, NULL, 0, -1);
}

/* The summary to the output files (files 1) or to standard output;
 * returns the names they could not write. */
static uint64_t summaries(struct evidence *x, const struct out_totals *t,
			  int files)
{
	uint64_t skipped = 0;
	size_t i;

	for (i = 0; i < x->o->nout; i++) {
		struct out_writer *w = x->w[i];

		if (!w || (w->path != NULL) != files)
			continue;
		if (w->fmt->summary)
			w->fmt->summary(w, t);
		skipped += w->skipped;
	}
	return skipped;
}

int evidence_summary(struct evidence *x, const mde_summary *s, int status)
{
	struct out_totals t = { .s = *s, .reported = x->reported,
				.below_min_score = x->below,
				.exit_code = status };
	uint64_t skipped;

	memcpy(t.levels, x->levels, sizeof(t.levels));
	skipped = summaries(x, &t, 1);
	if (skipped)
		tool_warn("warning: %llu file names holding a newline or '|' "
			  "left out of the hashdeep manifest or the bodyfile",
			  (unsigned long long)skipped);
	/* the files first: standard output's summary says how they went */
	if (close_files(x) != 0) {
		tool_warn("%s", x->err);
		t.exit_code = 2;
	}
	summaries(x, &t, 0);
	return t.exit_code;
}

void evidence_level_counts(const struct evidence *x, uint64_t out[4])
{
	memcpy(out, x->levels, sizeof(x->levels));
}

uint64_t evidence_reported(const struct evidence *x)
{
	return x->reported;
}

uint64_t evidence_below(const struct evidence *x)
{
	return x->below;
}

int evidence_close(struct evidence *x, char *err, size_t errlen)
{
	int rc;
	size_t i;

	if (!x)
		return 0;
	release(x, NULL, 0, -1);
	rc = close_files(x);
	if (rc && err)
		snprintf(err, errlen, "%s", x->err);
	for (i = 0; i < x->o->nout; i++)
		out_close(x->w[i], NULL, 0); /* standard output, if any */
	owners_free(x->oc.owners);
	free(x);
	return rc;
}
