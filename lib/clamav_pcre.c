/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_pcre.c - PCRE subsignatures of logical signatures:
 *   [Offset:]Trigger/regex/[flags]
 * run through PCRE2 (JIT-compiled) when the trigger, a logical
 * expression over earlier subsignatures, holds on their counts.  Flags:
 * g every match (else the first), r rolling (search from the offset
 * instead of only at it), e encompass (only inside offset..offset+shift),
 * and i s m x A E U as PCRE's CASELESS DOTALL MULTILINE EXTENDED
 * ANCHORED DOLLAR_ENDONLY UNGREEDY.  Each match counts, at its start,
 * by the same rule as hex matches: only starts after the last counted.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

static int flag_opts(const char *fl, uint32_t *opts, uint32_t *cflags)
{
	for (; *fl; fl++) {
		switch (*fl) {
		case 'g': *cflags |= CL_PCRE_GLOBAL; break;
		case 'r': *cflags |= CL_PCRE_ROLLING; break;
		case 'e': *cflags |= CL_PCRE_ENCOMPASS; break;
		case 'i': *opts |= PCRE2_CASELESS; break;
		case 's': *opts |= PCRE2_DOTALL; break;
		case 'm': *opts |= PCRE2_MULTILINE; break;
		case 'x': *opts |= PCRE2_EXTENDED; break;
		case 'A': *opts |= PCRE2_ANCHORED; break;
		case 'E': *opts |= PCRE2_DOLLAR_ENDONLY; break;
		case 'U': *opts |= PCRE2_UNGREEDY; break;
		default:
			return -1;
		}
	}
	return 0;
}

static int compile(struct cl_pcre *p, const char *re, size_t relen,
		   const char *flags, char *err, size_t elen)
{
	uint32_t opts = 0;
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *code;

	if (flag_opts(flags, &opts, &p->flags)) {
		snprintf(err, elen, "unknown PCRE flag in '%s'", flags);
		return -1;
	}
	if (!relen || memmem(re, relen, "(*UTF", 5)) {
		snprintf(err, elen, "empty PCRE, or (*UTF...) in it");
		return -1;
	}
	code = pcre2_compile((PCRE2_SPTR)re, relen, opts, &ec, &eo, NULL);
	if (!code) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, elen, "PCRE at %zu: %s", (size_t)eo,
			 (const char *)msg);
		return -1;
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* else interpreted */
	p->code = code;
	return 0;
}

int cl_pcre_parse(struct cl_sub *sub, char *s, unsigned idx, char *err,
		  size_t elen)
{
	char *slash = strchr(s, '/'), *last = strrchr(s, '/'), *colon;
	struct cl_pcre *p;
	int rc;

	sub->kind = CS_PCRE;
	if (!slash || last == slash || idx == 0) {
		snprintf(err, elen, "bad PCRE subsignature");
		return -1;
	}
	p = sub->pcre = calloc(1, sizeof(*p));
	if (!p)
		return -2;
	*slash = '\0';
	colon = memchr(s, ':', (size_t)(slash - s));
	if (colon) {
		*colon = '\0';
		if (cl_off_parse(s, &sub->off, err, elen) ||
		    sub->off.type == CO_MACRO)
			return -1;
		s = colon + 1;
	}
	rc = cl_logic_parse(s, strlen(s), &p->trig, err, elen);
	if (rc)
		return rc;
	return compile(p, slash + 1, (size_t)(last - slash - 1), last + 1,
		       err, elen);
}

void cl_pcre_free(struct cl_pcre *p)
{
	if (!p)
		return;
	pcre2_code_free(p->code);
	cl_logic_free(&p->trig);
	free(p);
}

/* Where the regex runs: subject [from, to), starts allowed up to last. */
struct region {
	size_t from, to, last;
	uint32_t opts;
};

static int region_of(const struct cl_sub *sub, const struct cl_fctx *f,
		     struct region *r)
{
	uint32_t fl = sub->pcre->flags;
	uint64_t lo, hi;

	r->from = 0;
	r->to = f->len;
	r->last = f->len;
	r->opts = 0;
	if (sub->off.type == CO_ANY)
		return 0;
	if (cl_off_range(&sub->off, f, &lo, &hi) || lo > f->len)
		return -1;
	r->from = (size_t)lo;
	r->last = hi < f->len ? (size_t)hi : f->len;
	if (sub->off.shift && (fl & CL_PCRE_ENCOMPASS))
		r->to = r->last;
	else if (!sub->off.shift && !(fl & CL_PCRE_ROLLING))
		r->opts = PCRE2_ANCHORED;
	if (fl & CL_PCRE_ROLLING)
		r->last = f->len;
	return 0;
}

int cl_pcre_eval(const struct cl_sub *sub, mde__clamscratch *s,
		 const struct cl_fctx *f, const uint32_t *cnt, uint32_t *out)
{
	struct region r;
	size_t at, lastcnt = SIZE_MAX;
	int rc;

	*out = 0;
	if (!cl_logic_eval(&sub->pcre->trig, cnt) || region_of(sub, f, &r))
		return 0;
	if (!s->md && !(s->md = pcre2_match_data_create(1, NULL)))
		return -1;
	/* the subject starts at the offset, as clamscan passes it: ^ and
	 * lookbehinds see nothing before it */
	for (at = 0; r.from + at <= r.to;) {
		PCRE2_SIZE *ov;

		rc = pcre2_match(sub->pcre->code, (PCRE2_SPTR)f->buf + r.from,
				 r.to - r.from, at, r.opts, s->md, NULL);
		if (rc < 0)
			break;
		ov = pcre2_get_ovector_pointer(s->md);
		if (r.from + ov[0] > r.last)
			break;
		if (lastcnt == SIZE_MAX || ov[0] > lastcnt) {
			(*out)++;
			lastcnt = ov[0];
		}
		if (!(sub->pcre->flags & CL_PCRE_GLOBAL) ||
		    (r.opts & PCRE2_ANCHORED))
			break;
		at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return 0;
}
