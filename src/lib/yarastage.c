/*
 * yarastage.c - the YARA stage: rule sources and compiled rules, compiled
 * once into immutable YR_RULES shared by all threads; one YR_SCANNER per
 * rule set and thread.
 *
 * Each source file gets its own namespace (its base name) so rules with
 * the same name in two files do not clash.  libyara's compiler cannot be
 * used after an error, so a file that fails is dropped and compilation
 * restarts with the others.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "mde_int.h"

struct ysource {
	char *file;
	char *text; /* NUL terminated copy */
	int failed;
};

struct mde__yara {
	struct ysource *src;
	size_t nsrc, capsrc;
	YR_RULES **sets; /* compiled rule sets: sources first, then .yarc */
	size_t nsets, capsets;
	uint64_t nrules;
};

struct mde__yscan {
	YR_SCANNER **sc;
	size_t n;
};

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
	free(y->src);
	free(y->sets);
	free(y);
	yr_finalize();
}

static int push_set(mde__yara *y, YR_RULES *r)
{
	if (y->nsets == y->capsets) {
		size_t cap = y->capsets ? 2 * y->capsets : 4;
		YR_RULES **p = realloc(y->sets, cap * sizeof(*p));

		if (!p)
			return MDE_ERR_NOMEM;
		y->sets = p;
		y->capsets = cap;
	}
	y->sets[y->nsets++] = r;
	return MDE_OK;
}

int mde__yara_add_source(mde__yara *y, const char *file, const char *buf,
			 size_t len)
{
	struct ysource *s;

	if (y->nsrc == y->capsrc) {
		size_t cap = y->capsrc ? 2 * y->capsrc : 8;
		struct ysource *p = realloc(y->src, cap * sizeof(*p));

		if (!p)
			return MDE_ERR_NOMEM;
		y->src = p;
		y->capsrc = cap;
	}
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

struct memstream {
	const uint8_t *p;
	size_t len, pos;
};

static size_t mem_read(void *ptr, size_t size, size_t count, void *ud)
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

int mde__yara_add_compiled(mde__yara *y, const char *file, const void *buf,
			   size_t len, mde__diag *d)
{
	struct memstream m = { buf, len, 0 };
	YR_STREAM st = { .user_data = &m, .read = mem_read };
	YR_RULES *r = NULL;
	int rc;

	rc = yr_rules_load_stream(&st, &r);
	if (rc != ERROR_SUCCESS) {
		mde__diagf(d, file, 0, NULL,
			   "compiled YARA rules not loadable (libyara error %d)",
			   rc);
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

static const char *base_name(const char *p)
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
					   base_name(y->src[i].file)) > 0) {
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

static uint64_t count_rules(YR_RULES *r)
{
	const YR_RULE *rule;
	uint64_t n = 0;

	yr_rules_foreach(r, rule)
		n++;
	return n;
}

int mde__yara_compile(mde__yara *y, mde__diag *d, char *err, size_t errlen)
{
	YR_RULES *r = NULL;
	long bad;
	size_t i, live = y->nsrc;
	int rc;

	while (live > 0) {
		rc = compile_once(y, d, &r, &bad);
		if (rc != MDE_OK) {
			snprintf(err, errlen, "cannot compile YARA rules: %s",
				 mde_status_str(rc));
			return rc;
		}
		if (bad < 0)
			break;
		y->src[bad].failed = 1;
		live--;
	}
	if (r) {
		rc = push_set(y, r);
		if (rc != MDE_OK) {
			yr_rules_destroy(r);
			return rc;
		}
		/* sources go first so the set order does not depend on .yarc */
		memmove(y->sets + 1, y->sets, (y->nsets - 1) * sizeof(*y->sets));
		y->sets[0] = r;
	}
	y->nrules = 0;
	for (i = 0; i < y->nsets; i++)
		y->nrules += count_rules(y->sets[i]);
	for (i = 0; i < y->nsrc; i++) {
		free(y->src[i].text);
		y->src[i].text = NULL;
	}
	return MDE_OK;
}

uint64_t mde__yara_count(const mde__yara *y)
{
	return y ? y->nrules : 0;
}

bool mde__yara_empty(const mde__yara *y)
{
	return !y || y->nrules == 0;
}

mde__yscan *mde__yscan_new(const mde__yara *y)
{
	mde__yscan *s = calloc(1, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	s->sc = calloc(y->nsets ? y->nsets : 1, sizeof(*s->sc));
	if (!s->sc)
		goto fail;
	for (i = 0; i < y->nsets; i++) {
		if (yr_scanner_create(y->sets[i], &s->sc[i]) != ERROR_SUCCESS)
			goto fail;
		s->n++;
	}
	return s;
fail:
	mde__yscan_free(s);
	return NULL;
}

void mde__yscan_free(mde__yscan *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		yr_scanner_destroy(s->sc[i]);
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

int mde__yscan_scan(mde__yscan *s, const uint8_t *buf, size_t len,
		    const mde__yext *ext, int timeout_s, mde__ymatch_fn fn,
		    void *ctx, const char **why)
{
	struct sctx c = { fn, ctx, 0 };
	size_t i;
	int rc;

	for (i = 0; i < s->n && !c.stop; i++) {
		set_externals(s->sc[i], ext);
		yr_scanner_set_callback(s->sc[i], scan_cb, &c);
		yr_scanner_set_timeout(s->sc[i], timeout_s);
		rc = yr_scanner_scan_mem(s->sc[i], buf, len);
		if (rc == ERROR_SUCCESS || rc == ERROR_CALLBACK_ERROR)
			continue;
		if (rc == ERROR_SCAN_TIMEOUT)
			*why = "limit: timeout";
		else if (rc == ERROR_INSUFFICIENT_MEMORY)
			*why = "out of memory in YARA";
		else
			*why = "YARA scan failed";
		return MDE_ERR_STATE;
	}
	return MDE_OK;
}
