/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav.c - the ClamAV signature module's life cycle: loading,
 * compiling, the per-thread scratch, and the scan of
 * one buffer (its raw bytes, then the normalised text or HTML the
 * target types 7 and 3 ask for).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

mde__clam *mde__clam_new(void)
{
	mde__clam *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fp = mde__hashsigs_new();
	c->sect[0] = mde__hashsigs_new();
	c->sect[1] = mde__hashsigs_new();
	if (!c->fp || !c->sect[0] || !c->sect[1]) {
		mde__clam_free(c);
		return NULL;
	}
	return c;
}

void cl_sig_free(struct cl_sig *sig)
{
	if (!sig)
		return;
	for (unsigned i = 0; sig->sub && i < sig->nsub; i++) {
		struct cl_sub *s = &sig->sub[i];

		if (!sig->in_arena) {
			cl_pat_free(s->pat[0]);
			cl_pat_free(s->pat[1]);
		}
		cl_pcre_free(s->pcre);
		free(s->bc);
	}
	cl_logic_free(&sig->logic);
	free(sig->container);
	free(sig->inter);
	if (sig->in_arena)
		return; /* the rest goes with the arena */
	free(sig->sub);
	free((char *)sig->name);
	free(sig);
}

void mde__clam_free(mde__clam *c)
{
	if (!c)
		return;
	hs_free_scratch(c->proto);
	hs_free_database(c->db);
	for (size_t i = 0; i < c->nsigs; i++)
		cl_sig_free(c->sigs[i]);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	for (size_t i = 0; i < c->nign; i++)
		free(c->ign[i]);
	for (int g = 0; g < 32; g++)
		free(c->macro[g]);
	free(c->sigs);
	mde__arena_free(&c->arena);
	free(c->pats);
	free(c->always);
	free(c->expr_pat);
	free(c->files);
	free(c->ign);
	mde__hashsigs_free(c->sect[0]);
	mde__hashsigs_free(c->sect[1]);
	free(c->imp);
	free(c->names.p);
	mde__hashsigs_free(c->fp);
	free(c);
}

const char *cl_intern_file(mde__clam *c, const char *file)
{
	if (c->nfiles && !strcmp(c->files[c->nfiles - 1], file))
		return c->files[c->nfiles - 1];
	if (mde__grow((void **)&c->files, &c->capfiles, c->nfiles + 1,
		      sizeof(*c->files)))
		return NULL;
	c->files[c->nfiles] = strdup(file);
	return c->files[c->nfiles] ? c->files[c->nfiles++] : NULL;
}

static int add_macro(mde__clam *c, uint32_t g, uint32_t sig)
{
	size_t cap = c->nmacro[g];

	/* members are few: grow one at a time */
	if (mde__grow((void **)&c->macro[g], &cap, c->nmacro[g] + 1,
		      sizeof(uint32_t)))
		return MDE_ERR_NOMEM;
	c->macro[g][c->nmacro[g]++] = sig;
	return MDE_OK;
}

int cl_add_sig(mde__clam *c, struct cl_sig *sig)
{
	uint32_t id = (uint32_t)c->nsigs;
	size_t need = c->npats;

	for (unsigned i = 0; i < sig->nsub; i++)
		need += sig->sub[i].npat;
	if (mde__grow((void **)&c->sigs, &c->capsigs, c->nsigs + 1,
		      sizeof(*c->sigs)) ||
	    mde__grow((void **)&c->pats, &c->cappats, need,
		      sizeof(*c->pats))) {
		cl_sig_free(sig);
		return MDE_ERR_NOMEM;
	}
	c->sigs[c->nsigs++] = sig;
	if (strlen(sig->name) > c->maxname)
		c->maxname = strlen(sig->name);
	if (sig->macro_member)
		return add_macro(c, sig->sub[0].off.sect, id);
	for (unsigned i = 0; i < sig->nsub; i++)
		for (unsigned v = 0; v < sig->sub[i].npat; v++) {
			struct cl_pat *p = sig->sub[i].pat[v];

			p->sig = id;
			p->sub = (uint16_t)i;
			p->target = sig->target;
			p->id = (uint32_t)c->npats;
			c->pats[c->npats++] = p;
		}
	if (sig->always &&
	    (mde__grow((void **)&c->always, &c->capalways, c->nalways + 1,
		       sizeof(*c->always)) == 0))
		c->always[c->nalways++] = id;
	return MDE_OK;
}

int mde__clam_parse(mde__clam *c, int kind, int src, const char *file,
		    const char *buf, size_t len, mde__diag *d)
{
	if (c->compiled)
		return MDE_ERR_STATE;
	if (!file)
		file = "(buffer)";
	switch (kind) {
	case MDE__CK_NDB:
		return cl_each_line(c, file, buf, len, src, d, cl_ndb_line);
	case MDE__CK_LDB:
		return cl_each_line(c, file, buf, len, src, d, cl_ldb_line);
	}
	return cl_misc_parse(c, kind, src, file, buf, len, d);
}

void mde__clam_set_cache_dir(mde__clam *c, const char *dir)
{
	c->cache_dir = dir;
}

int mde__clam_compile(mde__clam *c, mde__diag *d, char *err, size_t errlen)
{
	int rc;

	if (errlen)
		err[0] = '\0';
	if (c->compiled)
		return MDE_ERR_STATE;
	c->compiled = true;
	/* counted once: every file asks mde__clam_empty() */
	c->nrun = mde__clam_count(c) +
		  (c->fp ? mde__hashsigs_count(c->fp) : 0) + c->nign;
	rc = cl_misc_finalize(c);
	if (rc == MDE_OK)
		rc = cl_hs_compile(c, d, err, errlen);
	return rc;
}

uint64_t mde__clam_count(const mde__clam *c)
{
	uint64_t n = 0;

	if (!c)
		return 0;
	for (size_t i = 0; i < c->nsigs; i++)
		n += !c->sigs[i]->macro_member;
	return n + mde__hashsigs_count(c->sect[0]) +
	       mde__hashsigs_count(c->sect[1]) + c->nimp;
}

uint64_t mde__clam_memory(const mde__clam *c)
{
	size_t db = 0;
	uint64_t m;

	if (!c)
		return 0;
	m = sizeof(*c) + c->nsigs * (sizeof(struct cl_sig) + 64) +
	    c->npats * (sizeof(struct cl_pat) + 32) +
	    c->nimp * sizeof(struct cl_shash) + c->names.len +
	    mde__hashsigs_memory(c->sect[0]) +
	    mde__hashsigs_memory(c->sect[1]);
	if (c->db && hs_database_size(c->db, &db) == HS_SUCCESS)
		m += db;
	return m;
}

bool mde__clam_empty(const mde__clam *c)
{
	return !c || !c->compiled || c->nrun == 0;
}

void mde__clam_set_unofficial(mde__clam *c, bool on)
{
	c->unofficial = on;
	/* their names come suffixed from the sets (hashsig_src.c) */
	mde__hashsigs_set_unofficial(c->sect[0], on);
	mde__hashsigs_set_unofficial(c->sect[1], on);
}

void mde__clam_unsupported(const mde__clam *c, mde__clam_unsup_fn fn,
			   void *ctx)
{
	static const char *const what[CU_NUM] = {
		"bytecode signatures (.cbc)",
		"icon signatures (.idb)",
		"Authenticode rules (.crb .cat)",
		"phishing signatures (.pdb .gdb .wdb)",
		"logical signatures with fuzzy_img subsignatures",
		"signatures outside functionality level 216",
		"container metadata signatures (.cdb)",
		"file-type magic lines (.ftm)",
		"dynamic configuration lines (.cfg)",
		"logical signatures with icon groups",
	};

	for (int i = 0; i < CU_NUM; i++)
		if (c->unsup[i])
			fn(ctx, what[i], c->unsup[i]);
}

mde__hashsigs *mde__clam_sect(mde__clam *c, int pua)
{
	return c->sect[pua ? 1 : 0];
}

uint64_t mde__clam_flevel_skips(const mde__clam *c)
{
	return c->unsup[CU_FLEVEL];
}

void mde__clam_add_flevel_skips(mde__clam *c, uint64_t n)
{
	c->unsup[CU_FLEVEL] += n;
}
