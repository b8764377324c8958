/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yarasplit.c - the YARA stage's pre-selection and literal prefilter
 * (see yarastage.c): the sources split into rules (yarasel.c), the rules
 * into subsets by file class and size tier and each subset into its part
 * behind the prefilter and its part run always, each part compiled, and
 * the Vectorscan prefilter of each subset's first part built from the
 * literals its rules need (yaralit.c).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "mde_int.h"
#include "yaralit.h"
#include "yaraprefilter.h"
#include "yarasel.h"
#include "yarastage_int.h"
#include "banned.h"

/* lower bounds of the size tiers (see yarastage_int.h) */
const uint64_t mde__ytier_lo[NTIERS] = { 0 };

/* ------------------------------------------------ pre-selection */

/* Appends s[0..n) and a newline to b. */
static int put_line(mde__buf *b, const char *s, size_t n)
{
	int rc = mde__buf_put(b, s, n);

	return rc == MDE_OK ? mde__buf_put(b, "\n", 1) : rc;
}

struct presel {
	mde__ysrc *sp; /* one per source; whole when kept together */
	bool *keep;    /* source goes whole into every subset */
	bool *keepf;   /* ... into their prefiltered parts */
	bool **filt;   /* filt[i][j]: rule j of source i is filterable */
	bool split;    /* the prefilter is on: parts are cut */
};

static int ns_cmp(const void *a, const void *b)
{
	const struct ysource *const *x = a, *const *z = b;

	return strcmp(mde__ybase_name((*x)->file), mde__ybase_name((*z)->file));
}

/* Whether every rule of source i that can report a match is filterable
 * (the source's rules all known). */
static bool source_filt(const struct presel *ps, size_t i)
{
	const mde__ysrc *sp = &ps->sp[i];
	size_t j;

	if (sp->partial)
		return false;
	for (j = 0; j < sp->nrules; j++)
		if (!sp->rules[j].is_private && !ps->filt[i][j])
			return false;
	return true;
}

/* Marks keep[] for every live source in a namespace with a whole one,
 * and keepf[] when all of them are filterable. */
static int mark_namespaces(const mde__yara *y, struct presel *ps)
{
	const struct ysource **v = malloc((y->nsrc + 1) * sizeof(*v));
	size_t i, j, k, n = 0;
	bool any, f;

	if (!v)
		return MDE_ERR_NOMEM;
	for (i = 0; i < y->nsrc; i++)
		if (!y->src[i].failed)
			v[n++] = &y->src[i];
	qsort(v, n, sizeof(*v), ns_cmp);
	for (i = 0; i < n; i = j) {
		any = false;
		f = true;
		for (j = i; j < n && ns_cmp(&v[i], &v[j]) == 0; j++) {
			any |= ps->sp[v[j] - y->src].whole;
			f &= source_filt(ps, (size_t)(v[j] - y->src));
		}
		for (k = i; k < j && any; k++) {
			ps->keep[v[k] - y->src] = true;
			ps->keepf[v[k] - y->src] = f;
		}
	}
	free(v);
	return MDE_OK;
}

static bool cls_restricts(const mde__ycls *c)
{
	return c->classes != MDE__YC_ALL || c->lo > 0 || c->hi != UINT64_MAX;
}

/* Which rules of source i are filterable, into ps->filt[i]. */
static int mark_filterable(const mde__yara *y, struct presel *ps, size_t i)
{
	const mde__ysrc *sp = &ps->sp[i];
	mde__ylits l = { 0 };
	size_t j;
	int rc;

	ps->filt[i] = calloc(sp->nrules + 1, sizeof(**ps->filt));
	if (!ps->filt[i])
		return MDE_ERR_NOMEM;
	for (j = 0; j < sp->nrules && ps->split; j++) {
		l.n = l.plen = 0;
		rc = mde__yrule_lits(y->src[i].text, &sp->rules[j], &l);
		if (rc < 0)
			break;
		ps->filt[i][j] = rc == 1;
	}
	mde__ylits_release(&l);
	return j < sp->nrules && ps->split ? MDE_ERR_NOMEM : MDE_OK;
}

/* Splits every live source and marks the sources kept whole and the
 * filterable rules. */
static int presel_split(const mde__yara *y, struct presel *ps)
{
	size_t i;

	ps->split = y->split;
	ps->sp = calloc(y->nsrc + 1, sizeof(*ps->sp));
	ps->keep = calloc(y->nsrc + 1, sizeof(*ps->keep));
	ps->keepf = calloc(y->nsrc + 1, sizeof(*ps->keepf));
	ps->filt = calloc(y->nsrc + 1, sizeof(*ps->filt));
	if (!ps->sp || !ps->keep || !ps->keepf || !ps->filt)
		return MDE_ERR_NOMEM;
	for (i = 0; i < y->nsrc; i++) {
		if (y->src[i].failed)
			continue;
		if (mde__ysrc_split(y->src[i].text, strlen(y->src[i].text),
				    &ps->sp[i]) != 0 ||
		    mark_filterable(y, ps, i) != MDE_OK)
			return MDE_ERR_NOMEM;
	}
	return mark_namespaces(y, ps);
}

/* Splits every live source and counts the classified rules. */
static int presel_init(mde__yara *y, struct presel *ps)
{
	size_t i, k;
	int rc;

	rc = presel_split(y, ps);
	y->nclassified = 0;
	for (i = 0; i < y->nsrc && rc == MDE_OK; i++)
		for (k = 0; k < ps->sp[i].nrules && !ps->keep[i]; k++)
			y->nclassified += cls_restricts(&ps->sp[i].rules[k].cls);
	return rc;
}

static void presel_release(const mde__yara *y, struct presel *ps)
{
	size_t i;

	for (i = 0; ps->sp && i < y->nsrc; i++)
		mde__ysrc_release(&ps->sp[i]);
	for (i = 0; ps->filt && i < y->nsrc; i++)
		free(ps->filt[i]);
	free(ps->sp);
	free(ps->keep);
	free(ps->keepf);
	free(ps->filt);
}

/* Whether a rule can match some file of subset k (< NSUB). */
static bool in_subset(const mde__ycls *c, size_t k)
{
	size_t t = k % NTIERS;
	uint64_t lo = mde__ytier_lo[t];
	uint64_t hi = t + 1 < NTIERS ? mde__ytier_lo[t + 1] - 1 : UINT64_MAX;

	return (c->classes & (1u << (k / NTIERS))) && c->lo <= hi &&
	       c->hi >= lo;
}

/* Whether rule j of source i goes into part slot (see ALWAYS). */
static bool in_slot(const struct presel *ps, size_t i, size_t j,
		    size_t slot)
{
	bool f = !ps->split || ps->filt[i][j];

	return in_subset(&ps->sp[i].rules[j].cls, slot % NSUB) &&
	       f == (slot < ALWAYS);
}

/*
 * Part slot's text of source i into b; *n = rules taken.  Only the imports
 * its rules name are kept: libyara loads every imported module for every
 * file (the pe module alone costs about 0.25 ms a file, more than matching
 * a small file against thousands of rules), and a class of files whose
 * rules never name pe need not pay for it.
 */
static int subset_text(const mde__yara *y, const struct presel *ps,
		       size_t i, size_t slot, mde__buf *b, size_t *n)
{
	const mde__ysrc *sp = &ps->sp[i];
	const char *t = y->src[i].text;
	unsigned mods = 0;
	size_t j;
	int rc = MDE_OK;

	b->len = 0;
	*n = 0;
	for (j = 0; j < sp->nrules; j++)
		if (in_slot(ps, i, j, slot))
			mods |= sp->rules[j].mods;
	for (j = 0; j < sp->nimp && rc == MDE_OK; j++)
		if (mods & (1u << j))
			rc = put_line(b, t + sp->imp_off[j], sp->imp_len[j]);
	for (j = 0; j < sp->nrules && rc == MDE_OK; j++) {
		if (!in_slot(ps, i, j, slot))
			continue;
		rc = put_line(b, t + sp->rules[j].off, sp->rules[j].len);
		(*n)++;
	}
	return rc;
}

static void quiet_cb(int level, const char *fname, int line,
		     const YR_RULE *rule, const char *msg, void *ud)
{
	(void)level, (void)fname, (void)line, (void)rule, (void)msg, (void)ud;
}


/*
 * Compiles part k (< NSLOT) into y->sub[k] (NULL when it has no rule).
 * Returns MDE_OK, MDE_ERR_NOMEM, or MDE_ERR_STATE if libyara rejected it.
 */
static int compile_subset(mde__yara *y, const struct presel *ps, size_t k)
{
	YR_COMPILER *c = NULL;
	mde__buf b = { 0 };
	size_t i, n, total = 0;
	const char *text;
	int rc;

	rc = mde__yara_new_compiler(&c);
	if (rc != MDE_OK)
		goto out;
	yr_compiler_set_callback(c, quiet_cb, NULL);
	for (i = 0; i < y->nsrc; i++) {
		if (y->src[i].failed)
			continue;
		text = y->src[i].text;
		n = (ps->keepf[i] || !ps->split) == (k < ALWAYS);
		if (!ps->keep[i]) {
			rc = subset_text(y, ps, i, k, &b, &n);
			text = b.p;
		}
		if (rc != MDE_OK)
			goto out;
		if (n == 0)
			continue;
		total += n;
		if (yr_compiler_add_string(c, text, mde__ybase_name(y->src[i].file))) {
			rc = MDE_ERR_STATE;
			goto out;
		}
	}
	if (rc == MDE_OK && total > 0 &&
	    yr_compiler_get_rules(c, &y->sub[k]) != ERROR_SUCCESS)
		rc = MDE_ERR_NOMEM;
out:
	if (c)
		yr_compiler_destroy(c);
	free(b.p);
	return rc;
}

/*
 * Builds y->sub[].  MDE_OK with y->presel set on success; MDE_OK with it
 * clear when a subset would not compile (the whole set is used then).
 */
static int build_subsets(mde__yara *y)
{
	struct presel ps = { 0 };
	size_t k;
	int rc;

	rc = presel_init(y, &ps);
	for (k = 0; k < NSLOT && rc == MDE_OK; k++)
		rc = compile_subset(y, &ps, k);
	presel_release(y, &ps);
	y->presel = rc == MDE_OK;
	if (rc == MDE_OK)
		return MDE_OK;
	for (k = 0; k < NSLOT; k++) {
		if (y->sub[k])
			yr_rules_destroy(y->sub[k]);
		y->sub[k] = NULL;
	}
	y->nclassified = 0;
	return rc == MDE_ERR_STATE ? MDE_OK : rc;
}

/* ------------------------------------------------ literal prefilter */

/*
 * The required literals of the prefiltered part of subset k (PF_SINGLE:
 * of every source rule) into l; *ok is false when some rule of it, or
 * some source kept whole, is not filterable (it then gets no prefilter;
 * only PF_SINGLE can have such rules).  Sources that failed to compile
 * are absent from the compiled sets; after a load they are not known and
 * are included, which only adds literals or makes the slot not
 * filterable.
 */
static int slot_lits(const mde__yara *y, const struct presel *ps, size_t k,
		     mde__ylits *l, bool *ok)
{
	const mde__ysrc *sp;
	size_t i, j;
	int rc;

	*ok = false;
	for (i = 0; i < y->nsrc; i++) {
		if (y->src[i].failed)
			continue;
		sp = &ps->sp[i];
		if (ps->keep[i] && k != PF_SINGLE && ps->split &&
		    !ps->keepf[i])
			continue; /* in the part scanned always */
		if (ps->keep[i] && (k == PF_SINGLE || !ps->split))
			return MDE_OK; /* not filterable */
		for (j = 0; j < sp->nrules; j++) {
			if (k != PF_SINGLE && !ps->keep[i] &&
			    !in_slot(ps, i, j, k))
				continue;
			if (ps->keep[i] && sp->rules[j].is_private)
				continue; /* never reports: gates others */
			rc = mde__yrule_lits(y->src[i].text, &sp->rules[j], l);
			if (rc <= 0)
				return rc < 0 ? MDE_ERR_NOMEM : MDE_OK;
		}
	}
	*ok = true;
	return MDE_OK;
}

/* Compiles the prefilter of slot k when all its rules are filterable. */
static int build_slot(mde__yara *y, const struct presel *ps, size_t k)
{
	mde__ylits l = { 0 };
	bool ok;
	int rc = slot_lits(y, ps, k, &l, &ok);

	if (rc == MDE_OK && ok && l.n > 0) {
		rc = mde__ypf_new(&l, &y->pf[k]);
		if (rc == MDE_ERR_STATE)
			rc = MDE_OK; /* Vectorscan refused: scan without */
	}
	if (rc == MDE_OK && y->pf[k])
		rc = mde__ypf_scratch_add(y->pf[k], &y->pf_proto);
	mde__ylits_release(&l);
	return rc;
}

void mde__ydrop_prefilters(mde__yara *y)
{
	size_t k;

	for (k = 0; k <= NSUB; k++) {
		mde__ypf_free(y->pf[k]);
		y->pf[k] = NULL;
		if (k < NSUB)
			y->pf_blob[k] = NULL;
	}
	mde__ypf_scratch_free(y->pf_proto);
	y->pf_proto = NULL;
	y->pf_sets = 0;
}

/*
 * Builds the prefilters of the source rule sets (the subsets when presel,
 * else the single set) from the source texts, so both after compiling and
 * after loading compiled rules.  Reads only the sources, writes only the
 * prefilter fields.  On any failure there is none: files are then scanned
 * as without prefilter.
 */
void mde__ybuild_prefilters(mde__yara *y, bool presel)
{
	struct presel ps = { 0 };
	size_t k;
	int rc;

	mde__ydrop_prefilters(y);
	if (y->pf_off)
		return;
	rc = presel_split(y, &ps);
	for (k = 0; k <= NSUB && rc == MDE_OK; k++)
		if (presel ? k < NSUB : k == PF_SINGLE)
			rc = build_slot(y, &ps, k); /* none for empty subsets */
	presel_release(y, &ps);
	if (rc != MDE_OK)
		mde__ydrop_prefilters(y);
	for (k = 0; k <= NSUB; k++)
		y->pf_sets += y->pf[k] != NULL;
}

static void *subset_prefilters(void *y)
{
	mde__ybuild_prefilters(y, true);
	return NULL;
}

/*
 * Builds the subsets and, in a second thread meanwhile, their prefilters
 * (each takes about half a second for 3,000 rules).  *pf_done tells
 * whether the prefilters were built.
 */
int mde__ybuild_subsets_pf(mde__yara *y, bool *pf_done)
{
	pthread_t th;
	int rc;

	*pf_done = !y->pf_off &&
		   pthread_create(&th, NULL, subset_prefilters, y) == 0;
	rc = build_subsets(y);
	if (*pf_done)
		pthread_join(th, NULL);
	return rc;
}
