/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_run.c - the scan of one buffer by the ClamAV module: headers
 * parsed once (exe.c), section and import hashes for PE files, then the
 * passes of the body and logical signatures: the raw bytes with the
 * signatures of target 0 and of the file's own type, and, as clamscan
 * does, text files once more normalised (target 7 and 0); HTML files
 * only normalised (target 3 and 0): clamscan never matches their raw
 * bytes.  A signature is reported once per buffer.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

mde__clamscratch *mde__clamscratch_new(const mde__clam *c)
{
	mde__clamscratch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->c = c;
	s->patn = calloc(c->npats + 1, sizeof(*s->patn));
	s->ptouch = malloc((c->npats + 1) * sizeof(*s->ptouch));
	s->cand = calloc(c->nsigs + 1, 1);
	s->stouch = malloc((c->nsigs + 1) * sizeof(*s->stouch));
	s->done = calloc(c->nsigs + 1, 1);
	s->dtouch = malloc((c->nsigs + 1) * sizeof(*s->dtouch));
	s->name = malloc(c->maxname + 16);
	if (!s->patn || !s->ptouch || !s->cand || !s->stouch || !s->done ||
	    !s->dtouch || !s->name ||
	    (c->proto && hs_clone_scratch(c->proto, &s->hs) != HS_SUCCESS)) {
		mde__clamscratch_free(s);
		return NULL;
	}
	return s;
}

void mde__clamscratch_free(mde__clamscratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	cl_mstate_free(&s->m);
	for (int i = 0; i < CL_MAXSUB; i++)
		free(s->offs[i]);
	pcre2_match_data_free(s->md);
	free(s->hits);
	free(s->patn);
	free(s->ptouch);
	free(s->cand);
	free(s->stouch);
	free(s->done);
	free(s->dtouch);
	free(s->norm);
	free(s->name);
	free(s);
}

static int cmp_hit(const void *pa, const void *pb)
{
	const struct cl_hit *a = pa, *b = pb;

	if (a->pat != b->pat)
		return a->pat < b->pat ? -1 : 1;
	return a->end < b->end ? -1 : a->end > b->end;
}

static void reset_pass(mde__clamscratch *s)
{
	for (size_t i = 0; i < s->nptouch; i++)
		s->patn[s->ptouch[i]] = 0;
	for (size_t i = 0; i < s->nstouch; i++)
		s->cand[s->stouch[i]] = 0;
	s->nptouch = s->nstouch = s->nhits = 0;
}

/* name on an ignore list, as written */
static bool ignored(const mde__clam *c, const char *name)
{
	size_t lo = 0, hi = c->nign;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(c->ign[mid], name);

		if (!d)
			return true;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

#define SUFFIX ".UNOFFICIAL"
#define SUFFIX_LEN (sizeof(SUFFIX) - 1)

bool mde__clam_ignored(const mde__clam *c, const char *name)
{
	size_t n;
	char *base;
	bool r;

	if (!c->nign)
		return false;
	if (ignored(c, name))
		return true;
	n = strlen(name);
	if (!c->unofficial || n <= SUFFIX_LEN ||
	    strcmp(name + n - SUFFIX_LEN, SUFFIX) != 0)
		return false;
	/* a hash name as reported (hashsig_src.c): ClamAV's lists name it
	 * as written; rare (a detection), so a copy will do */
	base = strndup(name, n - SUFFIX_LEN);
	r = base && ignored(c, base);
	free(base);
	return r;
}

/* Reports name unless ignored; returns nonzero when fn asks to stop. */
int cl_report(const mde__clam *c, mde__clamscratch *s, const char *name,
	      int pua, bool unofficial, mde__clam_fn fn, void *ctx)
{
	size_t n = strlen(name);

	if (mde__clam_ignored(c, name))
		return 0;
	if (!c->unofficial || !unofficial)
		return fn(ctx, name, pua);
	memcpy(s->name, name, n);
	memcpy(s->name + n, SUFFIX, SUFFIX_LEN + 1);
	return fn(ctx, s->name, pua);
}

/* Evaluates signature i (once per buffer); 1 stop, -1 failed. */
static int try_sig(const mde__clam *c, mde__clamscratch *s, uint32_t i,
		   const struct cl_fctx *f, mde__clam_fn fn, void *ctx)
{
	const struct cl_sig *sig = c->sigs[i];
	int rc;

	if (s->done[i])
		return 0;
	rc = cl_eval_sig(c, s, sig, f);
	if (rc <= 0)
		return rc;
	s->done[i] = 1;
	s->dtouch[s->ndtouch++] = i;
	return cl_report(c, s, sig->name, sig->pua, sig->unofficial, fn, ctx)
		       ? 1 : 0;
}

static int pass(const mde__clam *c, mde__clamscratch *s,
		const struct cl_fctx *f, int targets, mde__clam_fn fn,
		void *ctx)
{
	int rc = 0;

	s->targets = targets;
	reset_pass(s);
	if (cl_hs_scan(c, s, f->buf, f->len))
		return -1;
	if (s->nhits > 1)
		qsort(s->hits, s->nhits, sizeof(*s->hits), cmp_hit);
	for (size_t k = 0; k < s->nstouch && !rc; k++)
		rc = try_sig(c, s, s->stouch[k], f, fn, ctx);
	for (size_t k = 0; k < c->nalways && !rc; k++)
		rc = try_sig(c, s, c->always[k], f, fn, ctx);
	return rc;
}

/* A normalised copy of f's buffer in s->norm (text or HTML). */
static int normalised(mde__clamscratch *s, const struct cl_fctx *f,
		      int html, struct cl_fctx *out)
{
	size_t cap = s->normcap;

	if (f->len + 1 > cap &&
	    mde__grow((void **)&s->norm, &cap, f->len + 1, 1))
		return -1;
	s->normcap = cap;
	*out = *f;
	out->buf = s->norm;
	out->exe = NULL;
	out->len = html ? cl_norm_html(f->buf, f->len, s->norm)
			: cl_norm_text(f->buf, f->len, s->norm);
	return 0;
}

static void clear_done(mde__clamscratch *s)
{
	for (size_t i = 0; i < s->ndtouch; i++)
		s->done[s->dtouch[i]] = 0;
	s->ndtouch = 0;
}

int mde__clam_scan(const mde__clam *c, mde__clamscratch *s,
		   const mde__clamfile *file, mde__clam_fn fn, void *ctx)
{
	mde__exe exe;
	struct cl_fctx f = { file->buf, file->len, NULL, 0, file->depth,
			     file->container }, nf;
	int rc = 0;

	if (!c->compiled || s->c != c)
		return MDE_ERR_STATE;
	if (mde__exe_parse(f.buf, f.len, &exe))
		f.exe = &exe;
	f.ftype = cl_ftype(f.buf, f.len, f.exe);
	if (f.exe && exe.kind == MDE__T_PE)
		rc = cl_hash_scan(c, s, &f, fn, ctx);
	/* HTML is scanned normalised only, as clamscan does */
	if (rc == 0 && f.ftype != 3)
		rc = pass(c, s, &f, 1 | (f.ftype != 7 ? 1 << f.ftype : 0), fn,
			  ctx);
	/* UTF-16 text is normalised as text too (clamscan's cli_scanscript
	 * runs on every text type) */
	if (rc == 0 &&
	    (f.ftype == 7 || f.ftype == 3 || f.ftype == CL__UTF16)) {
		rc = normalised(s, &f, f.ftype == 3, &nf);
		if (rc == 0)
			rc = pass(c, s, &nf, 1 | 1 << (f.ftype == 3 ? 3 : 7), fn,
				  ctx);
	}
	clear_done(s);
	return rc < 0 ? MDE_ERR_STATE : MDE_OK;
}
