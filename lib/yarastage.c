/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yarastage.c - the YARA stage: rule sources and compiled rules, compiled
 * once into immutable YR_RULES shared by all threads; one YR_SCANNER per
 * rule set and thread.
 *
 * Each source file gets its own namespace (its base name) so rules with
 * the same name in two files do not clash.  libyara's compiler cannot be
 * used after an error, so a file that fails is dropped and compilation
 * restarts with the others.
 *
 * Pre-selection (on by default): once the whole set has compiled, each
 * surviving source is split into rules (yarasel.c) and one rule subset is
 * compiled per (file class, size tier); a file is scanned only by the
 * subset of its class and size.  Rules whose condition does not restrict
 * the file go into every subset; so does every file of a namespace where
 * anything depends on other rules (global or private rules, references,
 * includes) or that the splitter cannot follow.  If a subset fails to
 * compile, the whole set is used as without pre-selection.
 *
 * With the literal prefilter (on by default), each subset is compiled in
 * two parts: the rules whose condition implies that one of a few literals
 * occurs (yaralit.c), scanned only when the prefilter finds one of them,
 * and the others, scanned always.  A namespace kept whole goes into the
 * first part when every rule in it that can report a match is
 * filterable (private rules only gate others).  Both are built in
 * yarasplit.c.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>
#include <yara.h>

#include "mde_int.h"
#include "yaraprefilter.h"
#include "yarasel.h"
#include "yarastage_int.h"
#include "banned.h"



static const char *const externals[] = {
	"filename", "filepath", "extension", "filetype", "owner"
};

mde__yara *mde__yara_new(void)
{
	mde__yara *y;

	if (yr_initialize() != ERROR_SUCCESS)
		return NULL;
	y = calloc(1, sizeof(*y));
	if (!y)
		yr_finalize();
	else
		pthread_mutex_init(&y->lazy_lock, NULL);
	return y;
}

void mde__yara_free(mde__yara *y)
{
	size_t i;

	if (!y)
		return;
	for (i = 0; i < y->nsrc; i++) {
		free(y->src[i].file);
		free(y->src[i].text);
	}
	for (i = 0; i < y->nsets; i++)
		yr_rules_destroy(y->sets[i]);
	for (i = 0; i < NSLOT; i++)
		if (y->sub[i])
			yr_rules_destroy(y->sub[i]);
	for (i = 0; i < y->ndiags; i++) {
		free(y->diags[i].file);
		free(y->diags[i].sig);
		free(y->diags[i].msg);
	}
	free(y->diags);
	free(y->src);
	free(y->sets);
	for (i = 0; i <= NSUB; i++)
		mde__ypf_free(y->pf[i]);
	mde__ypf_scratch_free(y->pf_proto);
	if (y->lazy_buf)
		mde__ylazy_release(y);
	pthread_mutex_destroy(&y->lazy_lock);
	free(y);
	yr_finalize();
}

static int push_set(mde__yara *y, YR_RULES *r)
{
	if (mde__grow((void **)&y->sets, &y->capsets, y->nsets + 1,
		      sizeof(*y->sets)))
		return MDE_ERR_NOMEM;
	y->sets[y->nsets++] = r;
	return MDE_OK;
}

int mde__yara_add_source(mde__yara *y, const char *file, const char *buf,
			 size_t len)
{
	struct ysource *s;

	if (mde__grow((void **)&y->src, &y->capsrc, y->nsrc + 1,
		      sizeof(*y->src)))
		return MDE_ERR_NOMEM;
	s = &y->src[y->nsrc];
	s->file = strdup(file);
	s->text = malloc(len + 1);
	s->failed = 0;
	if (!s->file || !s->text) {
		free(s->file);
		free(s->text);
		return MDE_ERR_NOMEM;
	}
	memcpy(s->text, buf, len);
	s->text[len] = '\0';
	y->nsrc++;
	return MDE_OK;
}

size_t mde__ymem_read(void *ptr, size_t size, size_t count, void *ud)
{
	struct memstream *m = ud;
	size_t want, i;

	if (size == 0)
		return 0;
	for (i = 0; i < count; i++) {
		want = size;
		if (m->len - m->pos < want)
			break;
		memcpy((char *)ptr + i * size, m->p + m->pos, want);
		m->pos += want;
	}
	return i;
}

/* What libyara's codes for loading compiled rules mean, in words. */
static const struct {
	int code;
	const char *text;
} yerrs[] = {
	{ ERROR_INSUFFICIENT_MEMORY, "out of memory" },
	{ ERROR_COULD_NOT_OPEN_FILE, "cannot open the file" },
	{ ERROR_COULD_NOT_MAP_FILE, "cannot map the file" },
	{ ERROR_INVALID_FILE, "not a compiled YARA rules file (bad magic "
			      "or truncated)" },
	{ ERROR_CORRUPT_FILE, "corrupt compiled rules" },
	{ ERROR_UNSUPPORTED_FILE_VERSION, "compiled by another YARA version "
					  "(recompile with this libyara)" },
	{ ERROR_COULD_NOT_READ_FILE, "cannot read the file" },
	{ ERROR_INVALID_MODULE_DATA, "invalid module data" },
	{ ERROR_UNKNOWN_MODULE, "uses a module this libyara lacks" },
	{ ERROR_INTERNAL_FATAL_ERROR, "libyara internal error" },
};

/* The words for a libyara error code; NULL for one not in yerrs[]. */
static const char *yara_strerror(int code)
{
	size_t i;

	for (i = 0; i < sizeof(yerrs) / sizeof(yerrs[0]); i++)
		if (yerrs[i].code == code)
			return yerrs[i].text;
	return NULL;
}

int mde__yara_add_compiled(mde__yara *y, const char *file, const void *buf,
			   size_t len, mde__diag *d)
{
	struct memstream m = { buf, len, 0 };
	YR_STREAM st = { .user_data = &m, .read = mde__ymem_read };
	YR_RULES *r = NULL;
	int rc;

	rc = yr_rules_load_stream(&st, &r);
	if (rc != ERROR_SUCCESS) {
		mde__diagf(d, file, 0, NULL,
			   "compiled YARA rules not loadable: %s (libyara "
			   "error %d)", yara_strerror(rc) ? yara_strerror(rc)
			   : "unknown error", rc);
		return rc == ERROR_INSUFFICIENT_MEMORY ? MDE_ERR_NOMEM : MDE_OK;
	}
	rc = push_set(y, r);
	if (rc != MDE_OK)
		yr_rules_destroy(r);
	return rc;
}

struct cctx {
	mde__diag *d;
	const char *file;
	int errors;
};

static void compile_cb(int level, const char *fname, int line,
		       const YR_RULE *rule, const char *msg, void *ud)
{
	struct cctx *c = ud;

	if (level != YARA_ERROR_LEVEL_ERROR)
		return;
	c->errors++;
	mde__diagf(c->d, c->file, line > 0 ? (unsigned)line : 0,
		   rule ? rule->identifier : NULL, "%s", msg);
}

const char *mde__ybase_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* One attempt over the sources not yet failed; *bad = index that failed
 * or -1.  On success *out holds the rules. */
static int compile_once(mde__yara *y, mde__diag *d, YR_RULES **out,
			long *bad)
{
	YR_COMPILER *c = NULL;
	struct cctx cc = { d, NULL, 0 };
	size_t i, k;
	int rc = MDE_ERR_NOMEM;

	*bad = -1;
	*out = NULL;
	if (yr_compiler_create(&c) != ERROR_SUCCESS)
		goto out;
	yr_compiler_set_callback(c, compile_cb, &cc);
	for (k = 0; k < sizeof(externals) / sizeof(externals[0]); k++)
		if (yr_compiler_define_string_variable(c, externals[k], "") !=
		    ERROR_SUCCESS)
			goto out;
	for (i = 0; i < y->nsrc; i++) {
		if (y->src[i].failed)
			continue;
		cc.file = y->src[i].file;
		if (yr_compiler_add_string(c, y->src[i].text,
					   mde__ybase_name(y->src[i].file)) > 0) {
			*bad = (long)i;
			rc = MDE_OK;
			goto out;
		}
	}
	rc = yr_compiler_get_rules(c, out) == ERROR_SUCCESS ? MDE_OK
							     : MDE_ERR_NOMEM;
out:
	if (c)
		yr_compiler_destroy(c);
	return rc;
}

uint64_t mde__ycount_rules(YR_RULES *r)
{
	const YR_RULE *rule;
	uint64_t n = 0;

	yr_rules_foreach(r, rule)
		n++;
	return n;
}

int mde__yara_new_compiler(YR_COMPILER **c)
{
	size_t k;

	*c = NULL;
	if (yr_compiler_create(c) != ERROR_SUCCESS)
		return MDE_ERR_NOMEM;
	for (k = 0; k < sizeof(externals) / sizeof(externals[0]); k++)
		if (yr_compiler_define_string_variable(*c, externals[k], "") !=
		    ERROR_SUCCESS)
			return MDE_ERR_NOMEM;
	return MDE_OK;
}

/* Puts the whole source set first in y->sets. */
int mde__yinsert_source_set(mde__yara *y, YR_RULES *r)
{
	int rc = push_set(y, r);

	if (rc != MDE_OK)
		return rc;
	y->src_first = true;
	/* sources go first so the set order does not depend on .yarc */
	memmove(y->sets + 1, y->sets, (y->nsets - 1) * sizeof(*y->sets));
	y->sets[0] = r;
	return MDE_OK;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Keeps a diagnostic for mde__yara_save(), then passes it on. */
static void record_diag(void *ctx, const char *file, unsigned line,
			const char *sig, const char *msg)
{
	mde__yara *y = ctx;
	struct ydiag *p;

	if (!mde__grow((void **)&y->diags, &y->capdiags, y->ndiags + 1,
		       sizeof(*y->diags))) {
		p = &y->diags[y->ndiags++];
		p->line = line;
		p->file = dup_or_null(file);
		p->sig = dup_or_null(sig);
		p->msg = dup_or_null(msg);
	}
	if (y->fwd && y->fwd->fn)
		y->fwd->fn(y->fwd->ctx, file, line, sig, msg);
}

int mde__yara_compile(mde__yara *y, mde__diag *dout, char *err,
		      size_t errlen)
{
	YR_RULES *r = NULL;
	mde__diag rec = { record_diag, y, 0 };
	mde__diag *d = &rec;
	long bad;
	size_t i, live = y->nsrc;
	bool pf_done = false;
	int rc;

	y->fwd = dout;
	while (live > 0) {
		rc = compile_once(y, d, &r, &bad);
		if (rc != MDE_OK)
			goto out;
		if (bad < 0)
			break;
		y->src[bad].failed = 1;
		live--;
	}
	if (dout)
		__atomic_fetch_add(&dout->count, rec.count, __ATOMIC_RELAXED);
	y->nsrc_rules = y->nrules = r ? mde__ycount_rules(r) : 0;
	for (i = 0; i < y->nsets; i++)
		y->nrules += mde__ycount_rules(y->sets[i]);
	rc = MDE_OK;
	y->split = !y->pf_off;
	if (r && !y->presel_off)
		rc = mde__ybuild_subsets_pf(y, &pf_done);
	if (rc == MDE_OK && y->presel) {
		yr_rules_destroy(r);
		r = NULL;
	}
	if (rc == MDE_OK && r)
		rc = mde__yinsert_source_set(y, r);
	if (rc == MDE_OK) {
		r = NULL;
		if (!pf_done || !y->presel) /* none yet, or for no subset */
			mde__ybuild_prefilters(y, y->presel && y->nsrc_rules);
	}
	for (i = 0; i < y->nsrc; i++) {
		free(y->src[i].text);
		y->src[i].text = NULL;
	}
out:
	if (r)
		yr_rules_destroy(r);
	if (rc != MDE_OK)
		snprintf(err, errlen, "cannot compile YARA rules: %s",
			 mde_status_str(rc));
	return rc;
}

void mde__yara_set_preselect(mde__yara *y, bool on)
{
	y->presel_off = !on;
}

void mde__yara_set_prefilter(mde__yara *y, bool on)
{
	y->pf_off = !on;
}

uint64_t mde__yara_prefilter_sets(const mde__yara *y)
{
	if (y)
		mde__yara_materialize((mde__yara *)y);
	return y ? y->pf_sets : 0;
}

void mde__yara_preselect_stats(const mde__yara *y, uint64_t *subsets,
			       uint64_t *classified_rules)
{
	size_t k;

	if (y) /* the sets of a lazily loaded file are needed here */
		mde__yara_materialize((mde__yara *)y);
	*subsets = 0;
	*classified_rules = 0;
	if (!y || !y->presel)
		return;
	for (k = 0; k < NSUB; k++) /* classes with rules, either part */
		*subsets += y->sub[k] || y->sub_blob[k] ||
			    y->sub[ALWAYS + k] || y->sub_blob[ALWAYS + k];
	*classified_rules = y->nclassified;
}

uint64_t mde__yara_count(const mde__yara *y)
{
	return y ? y->nrules : 0;
}

bool mde__yara_empty(const mde__yara *y)
{
	return !y || y->nrules == 0;
}

/* Creates the scanners of s over the rule sets of y. */
static int yscan_init(mde__yscan *s, const mde__yara *y)
{
	size_t i;

	s->presel = y->presel;
	s->src_first = y->src_first;
	for (i = 0; i <= NSUB; i++)
		s->pf[i] = y->pf[i];
	if (y->pf_proto &&
	    !(s->pf_scratch = mde__ypf_scratch_clone(y->pf_proto)))
		goto fail;
	/*
	 * SCAN_FLAGS_NO_TRYCATCH: libyara's guard installs and removes
	 * SIGBUS/SIGSEGV handlers around every scan (a dozen sigaction(2)
	 * calls, ~70 us: more than scanning a small file).  It exists for
	 * memory-mapped files truncated during a scan; the engine scans only
	 * its own heap buffers (files are read, members unpacked), which
	 * cannot raise SIGBUS.
	 */
	/* the subsets' scanners come with their first file (yscan_sub) */
	s->sc = calloc(y->nsets ? y->nsets : 1, sizeof(*s->sc));
	if (!s->sc)
		goto fail;
	for (i = 0; i < y->nsets; i++) {
		if (yr_scanner_create(y->sets[i], &s->sc[i]) != ERROR_SUCCESS)
			goto fail;
		yr_scanner_set_flags(s->sc[i], SCAN_FLAGS_NO_TRYCATCH);
		s->n++;
	}
	s->ready = true;
	return MDE_OK;
fail:
	return MDE_ERR_NOMEM;
}

mde__yscan *mde__yscan_new(const mde__yara *y)
{
	mde__yscan *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->y = y;
	/* rules not read yet: the scanners are made on the first scan */
	if (!y->lazy && yscan_init(s, y) != MDE_OK) {
		mde__yscan_free(s);
		return NULL;
	}
	return s;
}

void mde__yscan_free(mde__yscan *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		yr_scanner_destroy(s->sc[i]);
	for (i = 0; i < NSLOT; i++)
		if (s->sub[i])
			yr_scanner_destroy(s->sub[i]);
	mde__ypf_scratch_free(s->pf_scratch);
	free(s->sc);
	free(s);
}

struct sctx {
	mde__ymatch_fn fn;
	void *ctx;
	int stop;
};

static void read_meta(const YR_RULE *rule, mde__ymatch *m)
{
	const YR_META *meta;

	yr_rule_metas_foreach(rule, meta) {
		if (meta->type == META_TYPE_STRING) {
			if (strcmp(meta->identifier, "description") == 0)
				m->description = meta->string;
			else if (strcmp(meta->identifier, "author") == 0)
				m->author = meta->string;
			else if (strcmp(meta->identifier, "score") == 0)
				m->score = strtol(meta->string, NULL, 10);
		} else if (meta->type == META_TYPE_INTEGER &&
			   strcmp(meta->identifier, "score") == 0) {
			m->score = (long)meta->integer;
		}
	}
}

static int scan_cb(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
	struct sctx *c = ud;
	const YR_RULE *rule = data;
	mde__ymatch m = { 0 };

	(void)ctx;
	if (msg != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	m.rule = rule->identifier;
	m.ns = rule->ns ? rule->ns->name : "";
	m.score = -1;
	read_meta(rule, &m);
	if (c->fn(c->ctx, &m)) {
		c->stop = 1;
		return CALLBACK_ABORT;
	}
	return CALLBACK_CONTINUE;
}

static void set_externals(YR_SCANNER *sc, const mde__yext *e)
{
	/* rules compiled elsewhere may not declare them: errors ignored */
	yr_scanner_define_string_variable(sc, "filename", e->filename);
	yr_scanner_define_string_variable(sc, "filepath", e->filepath);
	yr_scanner_define_string_variable(sc, "extension", e->extension);
	yr_scanner_define_string_variable(sc, "filetype", e->filetype);
	yr_scanner_define_string_variable(sc, "owner", e->owner);
}

/* The subset of a file. */
static size_t pick_subset(const uint8_t *buf, size_t len)
{
	unsigned cl = mde__yclass_of(buf, len);
	size_t k = 0, t = 0;

	while (!(cl & (1u << k)))
		k++;
	while (t + 1 < NTIERS && (uint64_t)len >= mde__ytier_lo[t + 1])
		t++;
	return k * NTIERS + t;
}

/* Whether the rule set of prefilter slot k must scan buf. */
static bool pf_pass(const mde__yscan *s, size_t k, const uint8_t *buf,
		    size_t len)
{
	return !s->pf[k] || mde__ypf_hit(s->pf[k], s->pf_scratch, buf, len);
}

static int scan_one(YR_SCANNER *sc, const uint8_t *buf, size_t len,
		    const mde__yext *ext, int timeout_s, struct sctx *c,
		    const char **why)
{
	int rc;

	set_externals(sc, ext);
	yr_scanner_set_callback(sc, scan_cb, c);
	yr_scanner_set_timeout(sc, timeout_s);
	rc = yr_scanner_scan_mem(sc, buf, len);
	if (rc == ERROR_SUCCESS || rc == ERROR_CALLBACK_ERROR)
		return MDE_OK;
	if (rc == ERROR_SCAN_TIMEOUT)
		*why = "limit: timeout";
	else if (rc == ERROR_INSUFFICIENT_MEMORY)
		*why = "out of memory in YARA";
	else
		*why = "YARA scan failed";
	return MDE_ERR_STATE;
}

static bool has_subset(const mde__yara *y, size_t k)
{
	return __atomic_load_n(&y->sub[k], __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&y->sub_blob[k], __ATOMIC_ACQUIRE);
}

/* Takes subset k's prefilter (reading it if needed) and makes this
 * thread's scratch big enough for it. */
static int yscan_pf(mde__yscan *s, size_t k)
{
	const mde__ypf *p = mde__yara_pf((mde__yara *)s->y, k);

	s->pf_tried[k] = true;
	if (p && mde__ypf_scratch_add(p, &s->pf_scratch) != MDE_OK)
		return MDE_ERR_NOMEM;
	s->pf[k] = p;
	return MDE_OK;
}

/* Makes s's scanner of subset k (reading the subset if needed). */
static int yscan_sub(mde__yscan *s, size_t k)
{
	YR_RULES *r = NULL;
	int rc = mde__yara_sub((mde__yara *)s->y, k, &r);

	s->sub_tried[k] = true;
	if (rc == MDE_OK && r) {
		if (yr_scanner_create(r, &s->sub[k]) != ERROR_SUCCESS)
			return MDE_ERR_NOMEM;
		yr_scanner_set_flags(s->sub[k], SCAN_FLAGS_NO_TRYCATCH);
	}
	return rc;
}

int mde__yscan_scan(mde__yscan *s, const uint8_t *buf, size_t len,
		    const mde__yext *ext, int timeout_s, mde__ymatch_fn fn,
		    void *ctx, const char **why)
{
	struct sctx c = { fn, ctx, 0 };
	bool pass = false;
	size_t k;
	YR_SCANNER *sc;
	size_t i;
	int rc = MDE_OK;

	if (!s->ready && (s->failed ||
			  mde__yara_materialize((mde__yara *)s->y) != MDE_OK ||
			  yscan_init(s, s->y) != MDE_OK)) {
		s->failed = true; /* reported per file, never retried */
		*why = "YARA rules unusable";
		return MDE_ERR_STATE;
	}
	k = s->presel ? pick_subset(buf, len) : PF_SINGLE;
	/* a subset is read (prefilter, then rules) only when a file of its
	 * class comes, and its rules only when the prefilter lets one by;
	 * its part without prefilter when a file of its class comes */
	if (s->presel && has_subset(s->y, k)) {
		if (!s->pf_tried[k] && yscan_pf(s, k) != MDE_OK)
			rc = MDE_ERR_NOMEM;
		else if ((pass = pf_pass(s, k, buf, len)) &&
			 !s->sub_tried[k] && yscan_sub(s, k) != MDE_OK)
			rc = MDE_ERR_STATE;
	}
	if (rc == MDE_OK && s->presel && !s->sub_tried[ALWAYS + k] &&
	    has_subset(s->y, ALWAYS + k) && yscan_sub(s, ALWAYS + k) != MDE_OK)
		rc = MDE_ERR_STATE;
	if (rc != MDE_OK) {
		*why = "YARA rules unusable";
		return rc;
	}
	sc = s->presel ? s->sub[k] : NULL;
	if (sc && pass)
		rc = scan_one(sc, buf, len, ext, timeout_s, &c, why);
	sc = s->presel ? s->sub[ALWAYS + k] : NULL;
	if (sc && !c.stop && rc == MDE_OK)
		rc = scan_one(sc, buf, len, ext, timeout_s, &c, why);
	for (i = 0; i < s->n && !c.stop && rc == MDE_OK; i++) {
		if (i == 0 && !s->presel && s->src_first &&
		    !pf_pass(s, PF_SINGLE, buf, len))
			continue;
		rc = scan_one(s->sc[i], buf, len, ext, timeout_s, &c, why);
	}
	return rc;
}

