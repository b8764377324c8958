/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_ldb.c - logical signatures (.ldb .ldu):
 *   Name;TargetDescriptionBlock;LogicalExpression;Subsig0;Subsig1;...
 * The target description block: Engine:min-max (first), Target:n,
 * FileSize, EntryPoint, NumberOfSections (n or min-max), Container and
 * Intermediates (CL_TYPE_ names), IconGroup1/2 (counted as unsupported:
 * icon matching is not run).  Subsignatures: [Offset:]hex[::iwfa],
 * ${min-max}group$ macros, n(>>off#opts#cmp[,cmp]) byte compares,
 * [Offset:]Trigger/regex/flags PCRE, fuzzy_img#... (unsupported).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

#define LDB_MAXTOK (CL_MAXSUB + 3)

enum { LDB_OK = 0, LDB_BAD = -1, LDB_NOMEM = -2, LDB_SKIP = 1 };

static int digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* "n" or "min-max" (decimal). */
static int parse_range(const char *v, uint64_t r[2])
{
	const char *dash = strchr(v, '-');
	char *end;

	r[0] = strtoull(v, &end, 10);
	if (end == v || (*end && *end != '-'))
		return -1;
	if (!dash) {
		r[1] = r[0];
		return 0;
	}
	r[1] = strtoull(dash + 1, &end, 10);
	if (end == dash + 1 || *end || r[1] < r[0])
		return -1;
	return 0;
}

static int tdb_attr(mde__clam *c, struct cl_sig *sig, char *key, char *val,
		    char *err, size_t elen)
{
	uint64_t r[2];

	if (!strcmp(key, "Engine")) {
		if (parse_range(val, r))
			goto bad;
		if (r[0] <= MDE__CLAM_FLEVEL && r[1] >= MDE__CLAM_FLEVEL)
			return LDB_OK;
		c->unsup[CU_FLEVEL]++;
		return LDB_SKIP;
	}
	if (!strcmp(key, "Target")) {
		if (!digits(val) || strtoul(val, NULL, 10) > 14)
			goto bad;
		sig->target = (uint8_t)strtoul(val, NULL, 10);
		sig->has_tdb = 1;
		return LDB_OK;
	}
	if (!strcmp(key, "FileSize") || !strcmp(key, "EntryPoint") ||
	    !strcmp(key, "NumberOfSections")) {
		if (parse_range(val, r))
			goto bad;
		if (key[0] == 'F')
			memcpy(sig->fsize, r, sizeof(r)), sig->has_fsize = 1;
		else if (key[0] == 'E')
			memcpy(sig->ep, r, sizeof(r)), sig->has_ep = 1;
		else
			memcpy(sig->nsect, r, sizeof(r)), sig->has_nsect = 1;
		return LDB_OK;
	}
	if (!strcmp(key, "Container") || !strcmp(key, "Intermediates")) {
		char **dst = key[0] == 'C' ? &sig->container : &sig->inter;

		free(*dst);
		*dst = strdup(val);
		return *dst ? LDB_OK : LDB_NOMEM;
	}
	if (!strcmp(key, "IconGroup1") || !strcmp(key, "IconGroup2")) {
		c->unsup[CU_ICONGROUP]++;
		return LDB_SKIP;
	}
	if (!strcmp(key, "HandlerType"))
		return LDB_OK;
	snprintf(err, elen, "unknown attribute '%s' in the target "
		 "description block", key);
	return LDB_BAD;
bad:
	snprintf(err, elen, "bad value '%s' of %s", val, key);
	return LDB_BAD;
}

static int parse_tdb(mde__clam *c, struct cl_sig *sig, char *tdb, char *err,
		     size_t elen)
{
	int rc = LDB_OK, target_seen = 0;

	for (char *a = tdb; a && rc == LDB_OK;) {
		char *next = strchr(a, ','), *colon;

		if (next)
			*next++ = '\0';
		colon = strchr(a, ':');
		if (!colon) {
			snprintf(err, elen, "attribute '%s' without a value",
				 a);
			return LDB_BAD;
		}
		*colon = '\0';
		target_seen |= !strcmp(a, "Target");
		rc = tdb_attr(c, sig, a, colon + 1, err, elen);
		a = next;
	}
	if (rc == LDB_OK && !target_seen) {
		snprintf(err, elen, "no Target in the target description "
			 "block");
		rc = LDB_BAD;
	}
	return rc;
}

/* "${min-max}group$" */
static int parse_macro(struct cl_sub *sub, const char *s, unsigned idx,
		       char *err, size_t elen)
{
	unsigned long mn, mx, g;
	char *end;

	sub->kind = CS_MACRO;
	mn = strtoul(s + 2, &end, 10);
	if (idx == 0 || end == s + 2 || *end != '-')
		goto bad;
	s = end + 1;
	mx = strtoul(s, &end, 10);
	if (end == s || *end != '}' || mx < mn)
		goto bad;
	s = end + 1;
	g = strtoul(s, &end, 10);
	if (end == s || strcmp(end, "$") || g > 31)
		goto bad;
	sub->mmin = (uint32_t)mn;
	sub->mmax = (uint32_t)mx;
	sub->off.type = CO_MACRO;
	sub->off.sect = (uint32_t)g;
	return LDB_OK;
bad:
	snprintf(err, elen, "bad macro subsignature");
	return LDB_BAD;
}

static unsigned hex_opts(char *s, char *err, size_t elen, int *bad)
{
	char *o = strstr(s, "::");
	unsigned opts = 0;

	*bad = 0;
	if (!o)
		return 0;
	*o = '\0';
	for (o += 2; *o; o++) {
		switch (*o) {
		case 'i': opts |= CL_OPT_NOCASE; break;
		case 'w': opts |= CL_OPT_WIDE; break;
		case 'a': opts |= CL_OPT_ASCII; break;
		case 'f': opts |= CL_OPT_FULLWORD; break;
		default:
			snprintf(err, elen, "unknown subsignature option "
				 "'%c'", *o);
			*bad = 1;
		}
	}
	return opts;
}

static int is_bcomp(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	return p > s && *p == '(' && strchr(p, '#') &&
	       s[strlen(s) - 1] == ')';
}

static int parse_sub(mde__clam *c, struct cl_sig *sig, unsigned i, char *s,
		     char *err, size_t elen)
{
	struct cl_sub *sub = &sig->sub[i];
	char *colon, *slash = strchr(s, '/');
	unsigned opts;
	int bad, rc;

	if (!strncmp(s, "fuzzy_img#", 10)) {
		c->unsup[CU_FUZZY]++;
		return LDB_SKIP;
	}
	if (!strncmp(s, "${", 2))
		return parse_macro(sub, s, i, err, elen);
	if (is_bcomp(s))
		return cl_bcomp_parse(sub, s, i, err, elen);
	if (slash)
		return cl_pcre_parse(sub, s, i, err, elen);
	opts = hex_opts(s, err, elen, &bad);
	if (bad)
		return LDB_BAD;
	colon = strchr(s, ':');
	if (colon) {
		*colon = '\0';
		if (cl_off_parse(s, &sub->off, err, elen) ||
		    sub->off.type == CO_MACRO || cl_off_target(&sub->off,
							       sig->target,
							       err, elen))
			return LDB_BAD;
		s = colon + 1;
	}
	rc = cl_sub_hex(sub, s, opts, &c->arena, err, elen);
	return rc == -2 ? LDB_NOMEM : rc ? LDB_BAD : LDB_OK;
}

/* A subsignature that refers to another must refer to an earlier one
 * of the right kind; the logic may not name a missing subsignature. */
static int check_refs(struct cl_sig *sig, char *err, size_t elen)
{
	if (sig->logic.maxsub >= sig->nsub) {
		snprintf(err, elen, "logical expression names subsignature "
			 "%u of %u", sig->logic.maxsub, sig->nsub);
		return LDB_BAD;
	}
	for (unsigned i = 0; i < sig->nsub; i++) {
		const struct cl_sub *s = &sig->sub[i];

		if (s->kind == CS_BCOMP &&
		    (s->bc->trigger >= i ||
		     sig->sub[s->bc->trigger].kind != CS_HEX)) {
			snprintf(err, elen, "byte compare %u refers to a "
				 "later or unsuitable subsignature", i);
			return LDB_BAD;
		}
		if (s->kind == CS_PCRE && s->pcre->trig.maxsub >= i) {
			snprintf(err, elen, "PCRE %u triggers on a later "
				 "subsignature", i);
			return LDB_BAD;
		}
	}
	return LDB_OK;
}

static int ldb_fields(mde__clam *c, struct cl_sig *sig, char **t, size_t n,
		      char *err, size_t elen)
{
	int rc;

	if (n < 4 || !t[0][0]) {
		snprintf(err, elen, "expected Name;TargetDescriptionBlock;"
			 "LogicalExpression;Subsig0[;Subsig1...]");
		return LDB_BAD;
	}
	if (n > LDB_MAXTOK) {
		snprintf(err, elen, "more than %d subsignatures", CL_MAXSUB);
		return LDB_BAD;
	}
	rc = parse_tdb(c, sig, t[1], err, elen);
	if (rc == LDB_OK) {
		rc = cl_logic_parse(t[2], strlen(t[2]), &sig->logic, err,
				    elen);
		rc = rc == -2 ? LDB_NOMEM : rc ? LDB_BAD : LDB_OK;
	}
	sig->nsub = (uint8_t)(n - 3);
	sig->sub = mde__arena_alloc(&c->arena, sig->nsub * sizeof(*sig->sub));
	if (!sig->sub)
		return LDB_NOMEM;
	for (unsigned i = 0; rc == LDB_OK && i < sig->nsub; i++)
		rc = parse_sub(c, sig, i, t[i + 3], err, elen);
	if (rc == LDB_OK)
		rc = check_refs(sig, err, elen);
	return rc;
}

int cl_ldb_line(mde__clam *c, const char *file, unsigned line, char *text,
		int src, mde__diag *d)
{
	char *t[LDB_MAXTOK + 1], err[200] = "";
	struct cl_sig *sig = mde__arena_alloc(&c->arena, sizeof(*sig));
	size_t n = 0;
	int rc;

	if (!sig)
		return MDE_ERR_NOMEM;
	sig->in_arena = 1;
	t[n++] = text;
	for (char *p = text; *p && n <= LDB_MAXTOK; p++)
		if (*p == ';') {
			*p = '\0';
			t[n++] = p + 1;
		}
	sig->pua = (src & MDE__CLAM_SRC_PUA) != 0;
	sig->unofficial = (src & MDE__CLAM_SRC_UNOFFICIAL) != 0;
	sig->line = line;
	sig->file = cl_intern_file(c, file);
	sig->name = mde__arena_strdup(&c->arena, t[0]);
	rc = sig->file && sig->name ? ldb_fields(c, sig, t, n, err,
						 sizeof(err)) : LDB_NOMEM;
	if (rc == LDB_OK) {
		sig->always = cl_logic_eval(&sig->logic,
					    (const uint32_t[CL_MAXSUB]){ 0 });
		return cl_add_sig(c, sig);
	}
	if (rc == LDB_BAD)
		mde__diagf(d, file, line, t[0][0] ? t[0] : NULL, "%s", err);
	cl_sig_free(sig);
	return rc == LDB_NOMEM ? MDE_ERR_NOMEM : MDE_OK;
}
