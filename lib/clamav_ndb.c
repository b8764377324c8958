/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_ndb.c - extended body signatures (.ndb .ndu), the offsets they
 * and logical subsignatures share, and the signature list:
 *   Name:Target:Offset:HexSignature[:MinFL[:MaxFL]]
 * Offsets: * n EOF-n EP+n EP-n Sx+n SL+n SEx VI, each but * with
 * ",MaxShift"; $n puts the line in macro group n (logical signatures'
 * ${min-max}n$ subsignatures), where it is not a detection of its own.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

static int parse_num(const char **pp, uint64_t lim, uint64_t *v)
{
	const char *p = *pp;

	if (*p < '0' || *p > '9')
		return -1;
	for (*v = 0; *p >= '0' && *p <= '9'; p++) {
		if (*v > (lim - (uint64_t)(*p - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	return 0;
}

/* The part after the anchor: "+n" / "-n" (sign allowed as given). */
static int parse_rel(const char **pp, int minus_ok, int64_t *n)
{
	const char *p = *pp;
	int neg = *p == '-';
	uint64_t v;

	if ((*p != '+' && !neg) || (neg && !minus_ok))
		return -1;
	p++;
	if (parse_num(&p, INT64_MAX, &v))
		return -1;
	*n = neg ? -(int64_t)v : (int64_t)v;
	*pp = p;
	return 0;
}

static int parse_anchor(const char **pp, struct cl_off *o)
{
	const char *p = *pp;
	uint64_t v = 0;
	int rc = 0;

	if (!strncmp(p, "EOF-", 4)) {
		p += 4;
		o->type = CO_EOF;
		rc = parse_num(&p, INT64_MAX, &v);
		o->n = (int64_t)v;
	} else if (!strncmp(p, "EP", 2)) {
		p += 2;
		o->type = CO_EP;
		rc = parse_rel(&p, 1, &o->n);
	} else if (!strncmp(p, "SL", 2)) {
		p += 2;
		o->type = CO_SL;
		rc = parse_rel(&p, 0, &o->n);
	} else if (!strncmp(p, "SE", 2)) {
		p += 2;
		o->type = CO_SE;
		rc = parse_num(&p, 0xffff, &v);
		o->sect = (uint32_t)v;
	} else if (p[0] == 'S') {
		p++;
		o->type = CO_SX;
		rc = parse_num(&p, 0xffff, &v) || parse_rel(&p, 0, &o->n);
		o->sect = (uint32_t)v;
	} else {
		o->type = CO_ABS;
		rc = parse_num(&p, INT64_MAX, &v);
		o->n = (int64_t)v;
	}
	*pp = p;
	return rc;
}

int cl_off_parse(const char *s, struct cl_off *o, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	if (!strcmp(s, "*"))
		return 0;
	if (!strcmp(s, "VI")) {
		o->type = CO_VI;
		return 0;
	}
	if (s[0] == '$') {
		p++;
		o->type = CO_MACRO;
		if (parse_num(&p, 31, &v) || *p)
			goto bad;
		o->sect = (uint32_t)v;
		return 0;
	}
	if (parse_anchor(&p, o))
		goto bad;
	if (*p == ',') {
		p++;
		if (parse_num(&p, INT64_MAX, &o->shift))
			goto bad;
	}
	if (*p == '\0')
		return 0;
bad:
	snprintf(err, errlen, "bad offset '%s'", s);
	return -1;
}

static int exe_section(const struct cl_fctx *f, uint32_t i,
		       const mde__exe_sect **s)
{
	if (!f->exe || i >= f->exe->nsect)
		return -1;
	*s = &f->exe->sect[i];
	return 0;
}

int cl_off_target(const struct cl_off *o, int target, char *err,
		  size_t errlen)
{
	int t = o->type;

	if ((t == CO_EP || t == CO_SX || t == CO_SL || t == CO_SE) &&
	    target != 1 && target != 6 && target != 9) {
		snprintf(err, errlen, "an EP or section offset needs target "
			 "1, 6 or 9");
		return -1;
	}
	if (t == CO_VI && target != 1) {
		snprintf(err, errlen, "offset VI needs target 1");
		return -1;
	}
	return 0;
}

int cl_off_range(const struct cl_off *o, const struct cl_fctx *f,
		 uint64_t *lo, uint64_t *hi)
{
	const mde__exe_sect *s;
	int64_t base;

	switch (o->type) {
	case CO_ANY:
		*lo = 0;
		*hi = f->len;
		return 0;
	case CO_ABS:
		base = o->n;
		break;
	case CO_EOF:
		if ((uint64_t)o->n > f->len)
			return -1;
		base = (int64_t)f->len - o->n;
		break;
	case CO_EP:
		if (!f->exe || !f->exe->has_ep)
			return -1;
		base = (int64_t)f->exe->ep + o->n;
		break;
	case CO_SX:
	case CO_SE:
		if (exe_section(f, o->sect, &s))
			return -1;
		base = (int64_t)s->raw + (o->type == CO_SX ? o->n : 0);
		if (o->type == CO_SE) {
			*lo = s->raw;
			*hi = s->raw + s->rsz + o->shift;
			return 0;
		}
		break;
	case CO_SL:
		if (!f->exe || !f->exe->nsect)
			return -1;
		base = (int64_t)f->exe->sect[f->exe->nsect - 1].raw + o->n;
		break;
	default:
		return -1;
	}
	if (base < 0 || (uint64_t)base > f->len)
		return -1;
	*lo = (uint64_t)base;
	*hi = *lo + o->shift;
	return 0;
}

/* ------------------------------------------------------------- lines */

int cl_each_line(mde__clam *c, const char *file, const char *buf,
		 size_t len, int src, mde__diag *d, cl_line_fn fn)
{
	const char *end = buf + len;
	unsigned lineno = 0;
	char *tmp = NULL;
	size_t cap = 0;
	int rc = MDE_OK;

	while (buf < end && rc == MDE_OK) {
		const char *nl = memchr(buf, '\n', (size_t)(end - buf));
		size_t n = (size_t)((nl ? nl : end) - buf);

		lineno++;
		while (n && (buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
			     buf[n - 1] == '\t'))
			n--;
		if (n && buf[0] != '#') {
			if (mde__grow((void **)&tmp, &cap, n + 1, 1)) {
				rc = MDE_ERR_NOMEM;
				break;
			}
			memcpy(tmp, buf, n);
			tmp[n] = '\0';
			rc = fn(c, file, lineno, tmp, src, d);
		}
		buf = nl ? nl + 1 : end;
	}
	free(tmp);
	return rc;
}

static int digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int cl_flevel_skip(const char *min, const char *max)
{
	if (min && *min && strtoul(min, NULL, 10) > MDE__CLAM_FLEVEL)
		return 1;
	if (max && *max && strtoul(max, NULL, 10) < MDE__CLAM_FLEVEL)
		return 1;
	return 0;
}

/* Splits line at ':' into at most max fields; returns how many. */
static size_t split(char *line, char sep, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == sep) {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

int cl_sub_hex(struct cl_sub *sub, const char *hex, unsigned opts,
	       mde__arena *a, char *err, size_t errlen)
{
	unsigned v[2];
	int rc = 0;

	sub->kind = CS_HEX;
	sub->npat = 0;
	if ((opts & CL_OPT_WIDE) && (opts & CL_OPT_ASCII)) {
		v[0] = opts & ~(unsigned)CL_OPT_WIDE;
		v[1] = opts;
	} else {
		v[0] = opts;
	}
	for (unsigned i = 0; i < (v[0] == opts ? 1u : 2u) && !rc; i++) {
		struct cl_pat *p;

		rc = cl_hex_compile(hex, v[i], a, &p, err, errlen);
		if (rc)
			break;
		sub->pat[sub->npat++] = p;
	}
	return rc;
}

static int ndb_fields(mde__clam *c, struct cl_sig *sig, char **f, size_t n,
		      char *err, size_t elen)
{
	char *end;
	unsigned long t;

	if (n < 4 || n > 6 || !f[0][0]) {
		snprintf(err, elen, "expected Name:Target:Offset:HexSignature"
			 "[:MinFL[:MaxFL]]");
		return -1;
	}
	if ((n > 4 && *f[4] && !digits(f[4])) ||
	    (n > 5 && *f[5] && !digits(f[5]))) {
		snprintf(err, elen, "bad functionality level");
		return -1;
	}
	t = strtoul(f[1], &end, 10);
	if (!digits(f[1]) || t > 14) {
		snprintf(err, elen, "bad target type '%s'", f[1]);
		return -1;
	}
	sig->target = (uint8_t)t;
	if (cl_off_parse(f[2], &sig->sub[0].off, err, elen))
		return -1;
	if (cl_off_target(&sig->sub[0].off, (int)t, err, elen))
		return -1;
	sig->macro_member = sig->sub[0].off.type == CO_MACRO;
	return cl_sub_hex(&sig->sub[0], f[3], 0, &c->arena, err, elen);
}

int cl_ndb_line(mde__clam *c, const char *file, unsigned line, char *text,
		int src, mde__diag *d)
{
	char *f[7], err[200] = "";
	size_t n = split(text, ':', f, 7);
	struct cl_sig *sig;
	int rc;

	if (n >= 5 && cl_flevel_skip(f[4], n > 5 ? f[5] : NULL) &&
	    (digits(f[4]) || !*f[4])) {
		c->unsup[CU_FLEVEL]++;
		return MDE_OK;
	}
	sig = mde__arena_alloc(&c->arena, sizeof(*sig));
	if (!sig || !(sig->sub = mde__arena_alloc(&c->arena,
						  sizeof(*sig->sub))))
		return MDE_ERR_NOMEM;
	sig->in_arena = 1;
	sig->nsub = 1;
	sig->pua = (src & MDE__CLAM_SRC_PUA) != 0;
	sig->unofficial = (src & MDE__CLAM_SRC_UNOFFICIAL) != 0;
	sig->line = line;
	sig->file = cl_intern_file(c, file);
	sig->name = mde__arena_strdup(&c->arena, f[0]);
	rc = sig->file && sig->name ? ndb_fields(c, sig, f, n, err,
						 sizeof(err)) : -2;
	if (rc == 0)
		return cl_add_sig(c, sig);
	if (rc == -1)
		mde__diagf(d, file, line, f[0][0] ? f[0] : NULL, "%s", err);
	cl_sig_free(sig);
	return rc == -2 ? MDE_ERR_NOMEM : MDE_OK;
}
