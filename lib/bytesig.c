/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bytesig.c - ClamAV .ndb body signatures: parser, compiled pattern
 * representation and the anchored matcher.
 *
 * Line format:  Name:Target:Offset:HexSignature[:MinFL[:MaxFL]]
 *   Target   0 any, 1 PE, 6 ELF, 9 Mach-O (others reported, skipped)
 *   Offset   *, n, n,shift, EOF-n, EOF-n,shift (EP, Sx, SL, SE, VI
 *            forms reported as unsupported, skipped)
 *   Hex      byte pairs, ??, a?, ?a, *, {n}, {n-m}, {-n}, {n-},
 *            [n-m] (same as {n-m}), (aa|bbcc|?d) alternatives of byte
 *            strings.  !(..), (B), (L), (W) are reported as unsupported.
 *   MinFL/MaxFL  functionality levels: must be decimal, otherwise ignored.
 *
 * Floating signatures ('*') go to one Vectorscan database
 * (bytesig_hs.c); anchored ones are tested at their positions by the
 * matcher (bytesig_match.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytesig_int.h"
#include "banned.h"

/* Result of parsing one line: accepted, rejected (reported) or no memory. */
enum { BS_OK = 0, BS_REJECT = 1, BS_NOMEM = -1 };

#define BS_MAXFIELDS 6

/* Growable arrays that one signature is parsed into. */
struct bs_build {
	struct bs_node *nodes;
	size_t nn, capn;
	struct bs_span *alts;
	size_t na, capa;
	uint8_t *val, *mask;
	size_t nb, capb;
	char err[160];
};

/* ------------------------------------------------------------ helpers */

/* Parses a decimal number at *pp up to lim; advances *pp. */
static int parse_u64(const char **pp, uint64_t lim, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	*out = v;
	return 0;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int reject(struct bs_build *bb, const char *msg, char what)
{
	if (what)
		snprintf(bb->err, sizeof(bb->err), "%s '%c'", msg, what);
	else
		snprintf(bb->err, sizeof(bb->err), "%s", msg);
	return BS_REJECT;
}

/* ---------------------------------------------------------- hex parser */

static int add_node(struct bs_build *bb, uint32_t kind, uint32_t a,
		    uint32_t b)
{
	if (mde__grow((void **)&bb->nodes, &bb->capn, bb->nn + 1,
		 sizeof(*bb->nodes)))
		return BS_NOMEM;
	bb->nodes[bb->nn++] = (struct bs_node){ kind, a, b };
	return BS_OK;
}

static int add_byte(struct bs_build *bb, uint8_t val, uint8_t mask)
{
	size_t cap = bb->capb;

	if (mde__grow((void **)&bb->val, &cap, bb->nb + 1, 1))
		return BS_NOMEM;
	cap = bb->capb;
	if (mde__grow((void **)&bb->mask, &cap, bb->nb + 1, 1))
		return BS_NOMEM;
	bb->capb = cap;
	bb->val[bb->nb] = val;
	bb->mask[bb->nb++] = mask;
	return BS_OK;
}

/* Parses one byte item (hex pair or nibble wildcard) at p[0..1]. */
static int parse_pair(struct bs_build *bb, const char *p)
{
	int hi = mde__hexval((unsigned char)p[0]), lo;

	if (p[0] == '\0' || p[1] == '\0')
		return reject(bb, "odd number of hex digits", 0);
	lo = mde__hexval((unsigned char)p[1]);
	if ((hi < 0 && p[0] != '?') || (lo < 0 && p[1] != '?'))
		return reject(bb, "bad hex character",
			      hi < 0 && p[0] != '?' ? p[0] : p[1]);
	if (hi < 0 && lo < 0)
		return add_byte(bb, 0, 0x00);
	if (hi < 0)
		return add_byte(bb, (uint8_t)lo, 0x0f);
	if (lo < 0)
		return add_byte(bb, (uint8_t)(hi << 4), 0xf0);
	return add_byte(bb, (uint8_t)(hi << 4 | lo), 0xff);
}

/* Appends a byte item to the current run, starting a run if needed. */
static int parse_run_byte(struct bs_build *bb, const char *p)
{
	struct bs_node *last = bb->nn ? &bb->nodes[bb->nn - 1] : NULL;
	uint32_t start = (uint32_t)bb->nb;
	int rc = parse_pair(bb, p);

	if (rc != BS_OK)
		return rc;
	if (last && last->kind == BS_RUN && last->a + last->b == start) {
		last->b++;
		return BS_OK;
	}
	return add_node(bb, BS_RUN, start, 1);
}

static int add_gap(struct bs_build *bb, uint64_t min, uint64_t max)
{
	struct bs_node *last;

	if (bb->nn == 0)
		return reject(bb, "signature starts with a wildcard", 0);
	last = &bb->nodes[bb->nn - 1];
	if (last->kind != BS_GAP)
		return add_node(bb, BS_GAP, (uint32_t)min, (uint32_t)max);
	/* adjacent gaps, as in "*{4}": one gap covering both */
	min += last->a;
	if (min > BS_GAP_LIMIT)
		return reject(bb, "gap too large", 0);
	last->a = (uint32_t)min;
	if (max == BS_INF || last->b == BS_INF ||
	    max + last->b > BS_GAP_LIMIT)
		last->b = BS_INF;
	else
		last->b += (uint32_t)max;
	return BS_OK;
}

/*
 * Parses "{n}", "{n-m}", "{-n}", "{n-}" (close '}') or "[n-m]" (close
 * ']') at *pp; advances *pp past the closing bracket.
 */
static int parse_gap(struct bs_build *bb, const char **pp, char close)
{
	const char *p = *pp + 1;
	uint64_t min = 0, max = BS_INF;
	bool has_min = false, has_max = false, dash = false;

	if (parse_u64(&p, BS_GAP_LIMIT, &min) == 0)
		has_min = true;
	if (*p == '-') {
		dash = true;
		p++;
		if (parse_u64(&p, BS_GAP_LIMIT, &max) == 0)
			has_max = true;
	}
	if (*p != close || (!has_min && !has_max))
		return reject(bb, close == '}' ? "bad {} gap" : "bad [] range",
			      0);
	if (!dash)
		max = min;
	if (has_max && min > max)
		return reject(bb, "gap minimum above maximum", 0);
	if (close == ']' && (!has_min || !has_max))
		return reject(bb, "bad [] range", 0);
	*pp = p + 1;
	return add_gap(bb, min, max);
}

/* Parses "(aa|bbcc|?d)" at *pp; advances *pp past ')'. */
static int parse_alt(struct bs_build *bb, const char **pp)
{
	const char *p = *pp + 1;
	size_t first = bb->na;
	uint32_t start = (uint32_t)bb->nb;
	int rc;

	if ((p[0] == 'B' || p[0] == 'L' || p[0] == 'W') && p[1] == ')') {
		snprintf(bb->err, sizeof(bb->err),
			 "special '(%c)' is not supported", p[0]);
		return BS_REJECT;
	}
	for (;;) {
		if (*p == '|' || *p == ')') {
			if (bb->nb == start)
				return reject(bb, "empty alternative", 0);
			if (mde__grow((void **)&bb->alts, &bb->capa, bb->na + 1,
				 sizeof(*bb->alts)))
				return BS_NOMEM;
			bb->alts[bb->na++] = (struct bs_span){
				start, (uint32_t)(bb->nb - start) };
			start = (uint32_t)bb->nb;
			if (*p++ == ')')
				break;
			continue;
		}
		if (*p == '\0')
			return reject(bb, "unterminated alternative", 0);
		if (strchr("*{}[]()!", *p))
			return reject(bb, "wildcard, gap or nesting inside an "
				      "alternative is not supported", 0);
		rc = parse_pair(bb, p);
		if (rc != BS_OK)
			return rc;
		p += 2;
	}
	*pp = p;
	return add_node(bb, BS_ALT, (uint32_t)first,
			(uint32_t)(bb->na - first));
}

static int parse_item(struct bs_build *bb, const char **pp)
{
	const char *p = *pp;

	switch (*p) {
	case '*':
		*pp = p + 1;
		return add_gap(bb, 0, BS_INF);
	case '{':
		return parse_gap(bb, pp, '}');
	case '[':
		return parse_gap(bb, pp, ']');
	case '(':
		return parse_alt(bb, pp);
	case '!':
		return reject(bb, "negated alternative '!(...)' is not "
			      "supported", 0);
	}
	if (p[1] == '\0')
		return reject(bb, "odd number of hex digits", 0);
	*pp = p + 2;
	return parse_run_byte(bb, p);
}

/* Checks the finished node list: not empty, no wildcard at either end. */
static int check_ends(struct bs_build *bb)
{
	const struct bs_node *first, *last;

	if (bb->nn == 0)
		return reject(bb, "empty signature", 0);
	first = &bb->nodes[0];
	last = &bb->nodes[bb->nn - 1];
	if (last->kind == BS_GAP)
		return reject(bb, "signature ends with a wildcard", 0);
	if (first->kind == BS_RUN && bb->mask[first->a] == 0)
		return reject(bb, "signature starts with a wildcard", 0);
	if (last->kind == BS_RUN && bb->mask[last->a + last->b - 1] == 0)
		return reject(bb, "signature ends with a wildcard", 0);
	return BS_OK;
}

static int parse_hex(struct bs_build *bb, const char *hex)
{
	int rc = BS_OK;

	while (rc == BS_OK && *hex)
		rc = parse_item(bb, &hex);
	if (rc == BS_OK)
		rc = check_ends(bb);
	return rc;
}

static uint64_t min_length(const struct bs_build *bb)
{
	uint64_t n = 0;

	for (size_t i = 0; i < bb->nn; i++) {
		const struct bs_node *nd = &bb->nodes[i];
		uint32_t m = UINT32_MAX;

		if (nd->kind == BS_ALT) {
			for (uint32_t j = 0; j < nd->b; j++)
				if (bb->alts[nd->a + j].len < m)
					m = bb->alts[nd->a + j].len;
			n += m;
		} else {
			n += nd->kind == BS_GAP ? nd->a : nd->b;
		}
	}
	return n;
}

/* ------------------------------------------------------- field parsers */

static int parse_target(const char *s, uint8_t *out, char *err, size_t elen)
{
	static const char *const names[] = {
		"any", "PE", "OLE2", "HTML", "mail", "graphics", "ELF",
		"ASCII", "unused", "Mach-O", "PDF", "Flash", "Java",
		"internal", "other"
	};
	const char *p = s;
	uint64_t t;

	if (parse_u64(&p, 255, &t) || *p) {
		snprintf(err, elen, "bad target type '%s'", s);
		return BS_REJECT;
	}
	if (t == MDE__T_ANY || t == MDE__T_PE || t == MDE__T_ELF ||
	    t == MDE__T_MACHO) {
		*out = (uint8_t)t;
		return BS_OK;
	}
	if (t < sizeof(names) / sizeof(names[0]))
		snprintf(err, elen, "target type %u (%s) is not supported",
			 (unsigned)t, names[t]);
	else
		snprintf(err, elen, "unknown target type %u", (unsigned)t);
	return BS_REJECT;
}

static int parse_offset(struct bs_sig *sig, const char *s, char *err,
			size_t elen)
{
	const char *p = s;

	sig->otype = BS_O_ABS;
	if (strcmp(s, "*") == 0) {
		sig->otype = BS_O_ANY;
		return BS_OK;
	}
	if (strncmp(p, "EOF-", 4) == 0) {
		sig->otype = BS_O_EOF;
		p += 4;
	}
	if (parse_u64(&p, INT64_MAX, &sig->off) == 0 &&
	    (*p == '\0' || (*p == ',' && (p++, parse_u64(&p, INT64_MAX,
						       &sig->shift) == 0) &&
			    *p == '\0')))
		return BS_OK;
	if (strncmp(s, "EP", 2) == 0 || strncmp(s, "VI", 2) == 0 ||
	    (s[0] == 'S' && (s[1] == 'L' || s[1] == 'E' ||
			     (s[1] >= '0' && s[1] <= '9'))))
		snprintf(err, elen, "offset '%s' is not supported", s);
	else
		snprintf(err, elen, "bad offset '%s'", s);
	return BS_REJECT;
}

/* --------------------------------------------------------- line parser */

static const char *intern_file(mde__bytesigs *b, const char *file)
{
	if (b->nfiles && strcmp(b->files[b->nfiles - 1], file) == 0)
		return b->files[b->nfiles - 1];
	if (mde__grow((void **)&b->files, &b->capfiles, b->nfiles + 1,
		 sizeof(*b->files)))
		return NULL;
	b->files[b->nfiles] = strdup(file);
	return b->files[b->nfiles] ? b->files[b->nfiles++] : NULL;
}

/* Copies the parsed arrays and the name into one block. */
static struct bs_sig *sig_pack(const struct bs_build *bb, const char *name,
			       const struct bs_sig *hdr)
{
	size_t sn = bb->nn * sizeof(*bb->nodes);
	size_t sa = bb->na * sizeof(*bb->alts);
	size_t nlen = strlen(name) + 1;
	size_t size = sizeof(*hdr) + sn + sa + 2 * bb->nb + nlen;
	struct bs_sig *sig = malloc(size);
	char *p;

	if (!sig)
		return NULL;
	*sig = *hdr;
	p = (char *)(sig + 1);
	sig->nodes = memcpy(p, bb->nodes, sn);
	sig->alts = bb->na ? memcpy(p + sn, bb->alts, sa) : NULL;
	p += sn + sa;
	sig->val = bb->nb ? memcpy(p, bb->val, bb->nb) : NULL;
	sig->mask = bb->nb ? memcpy(p + bb->nb, bb->mask, bb->nb) : NULL;
	sig->name = memcpy(p + 2 * bb->nb, name, nlen);
	sig->nnodes = (uint32_t)bb->nn;
	sig->size = size;
	return sig;
}

static int add_sig(mde__bytesigs *b, const struct bs_build *bb,
		   const char *name, const struct bs_sig *hdr)
{
	struct bs_sig *sig;

	if (mde__grow((void **)&b->sigs, &b->capsigs, b->nsigs + 1,
		 sizeof(*b->sigs)))
		return BS_NOMEM;
	sig = sig_pack(bb, name, hdr);
	if (!sig)
		return BS_NOMEM;
	b->sigs[b->nsigs++] = sig;
	return BS_OK;
}

static size_t split_fields(char *line, char **f)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p; p++) {
		if (*p != ':')
			continue;
		*p = '\0';
		if (n == BS_MAXFIELDS + 1)
			break;
		f[n++] = p + 1;
	}
	return n;
}

static int check_fields(char **f, size_t n, char *err, size_t elen)
{
	if (n < 4 || n > BS_MAXFIELDS) {
		snprintf(err, elen, "expected 4 to %d ':'-separated fields, "
			 "found %s%zu", BS_MAXFIELDS, n > BS_MAXFIELDS ?
			 "more than " : "", n > BS_MAXFIELDS ?
			 (size_t)BS_MAXFIELDS : n);
		return BS_REJECT;
	}
	if (f[0][0] == '\0') {
		snprintf(err, elen, "empty signature name");
		return BS_REJECT;
	}
	for (size_t i = 4; i < n; i++) {
		if (!all_digits(f[i])) {
			snprintf(err, elen, "bad functionality level '%s'",
				 f[i]);
			return BS_REJECT;
		}
	}
	return BS_OK;
}

/* Parses the fields of one line; on BS_REJECT the reason is in bb->err. */
static int parse_fields(mde__bytesigs *b, struct bs_build *bb, char **f,
			size_t n, struct bs_sig *hdr)
{
	int rc = check_fields(f, n, bb->err, sizeof(bb->err));
	uint64_t minlen;

	if (rc == BS_OK)
		rc = parse_target(f[1], &hdr->target, bb->err,
				  sizeof(bb->err));
	if (rc == BS_OK)
		rc = parse_offset(hdr, f[2], bb->err, sizeof(bb->err));
	if (rc == BS_OK)
		rc = parse_hex(bb, f[3]);
	if (rc != BS_OK)
		return rc;
	minlen = min_length(bb);
	if (minlen > BS_GAP_LIMIT)
		return reject(bb, "signature too long", 0);
	hdr->minlen = (uint32_t)minlen;
	return add_sig(b, bb, f[0], hdr);
}

static int parse_line(mde__bytesigs *b, const char *file, unsigned lineno,
		      const char *line, size_t len, mde__diag *d)
{
	struct bs_build bb = { 0 };
	struct bs_sig hdr = { 0 };
	char *f[BS_MAXFIELDS + 1];
	char *copy = strndup(line, len);
	size_t n;
	int rc = BS_NOMEM;

	if (!copy)
		goto out;
	hdr.file = intern_file(b, file);
	hdr.line = lineno;
	if (!hdr.file)
		goto out;
	n = split_fields(copy, f);
	rc = parse_fields(b, &bb, f, n, &hdr);
	if (rc == BS_REJECT)
		mde__diagf(d, file, lineno, f[0][0] ? f[0] : NULL, "%s",
			   bb.err);
out:
	free(bb.nodes);
	free(bb.alts);
	free(bb.val);
	free(bb.mask);
	free(copy);
	return rc;
}

/* ---------------------------------------------------------- public API */

mde__bytesigs *mde__bytesigs_new(void)
{
	return calloc(1, sizeof(mde__bytesigs));
}

void mde__bytesigs_free(mde__bytesigs *b)
{
	if (!b)
		return;
	hs_free_scratch(b->proto);
	hs_free_database(b->db);
	for (size_t i = 0; i < b->nsigs; i++)
		free(b->sigs[i]);
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->sigs);
	free(b->files);
	free(b->anch);
	free(b->flt);
	free(b);
}

/*
 * Parses buf line by line.  Returns MDE_OK, MDE_ERR_NOMEM, or
 * MDE_ERR_STATE when b is already compiled.
 */
int mde__bytesigs_parse(mde__bytesigs *b, const char *file, const char *buf,
			size_t len, mde__diag *d)
{
	const char *end = buf + len;
	unsigned lineno = 0;

	if (b->compiled)
		return MDE_ERR_STATE;
	if (!file)
		file = "(buffer)";
	while (buf < end) {
		const char *nl = memchr(buf, '\n', (size_t)(end - buf));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - buf);

		lineno++;
		if (n && buf[n - 1] == '\r')
			n--;
		if (n && buf[0] != '#' &&
		    parse_line(b, file, lineno, buf, n, d) == BS_NOMEM)
			return MDE_ERR_NOMEM;
		buf = nl ? nl + 1 : end;
	}
	return MDE_OK;
}

void mde__bytesigs_names(const char *buf, size_t len, mde__names_fn fn,
			 void *ctx)
{
	const char *s = buf, *end = buf + len, *nl, *c;
	char name[1024];
	unsigned line;

	for (line = 1; s < end; s = nl ? nl + 1 : end, line++) {
		nl = memchr(s, '\n', (size_t)(end - s));
		c = memchr(s, ':', (size_t)((nl ? nl : end) - s));
		if (!c || *s == '#' || c == s ||
		    (size_t)(c - s) >= sizeof(name))
			continue;
		memcpy(name, s, (size_t)(c - s));
		name[c - s] = '\0';
		fn(ctx, line, name);
	}
}

static int cmp_anch(const void *pa, const void *pb)
{
	const struct bs_sig *a = *(struct bs_sig *const *)pa;
	const struct bs_sig *b = *(struct bs_sig *const *)pb;

	if (a->otype != b->otype)
		return a->otype < b->otype ? -1 : 1;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	return 0;
}

/*
 * Splits the signatures into anchored (sorted by offset kind and offset)
 * and floating ones, and builds the Vectorscan database of the latter.
 */
int mde__bytesigs_compile(mde__bytesigs *b, mde__diag *d, char *err,
			  size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (b->compiled)
		return MDE_ERR_STATE;
	b->anch = calloc(b->nsigs + 1, sizeof(*b->anch));
	b->flt = calloc(b->nsigs + 1, sizeof(*b->flt));
	if (!b->anch || !b->flt)
		return MDE_ERR_NOMEM;
	for (size_t i = 0; i < b->nsigs; i++) {
		if (b->sigs[i]->otype == BS_O_ANY)
			b->flt[b->nflt++] = b->sigs[i];
		else
			b->anch[b->nanch++] = b->sigs[i];
	}
	qsort(b->anch, b->nanch, sizeof(*b->anch), cmp_anch);
	b->compiled = true;
	return bs_hs_compile(b, d, err, errlen);
}

uint64_t mde__bytesigs_count(const mde__bytesigs *b)
{
	return b ? b->nsigs - b->dropped : 0;
}

uint64_t mde__bytesigs_memory(const mde__bytesigs *b)
{
	uint64_t m;
	size_t dbsize = 0;

	if (!b)
		return 0;
	m = sizeof(*b) + (b->capsigs + 2 * b->nsigs) * sizeof(void *);
	for (size_t i = 0; i < b->nsigs; i++)
		m += b->sigs[i]->size;
	if (b->db && hs_database_size(b->db, &dbsize) == HS_SUCCESS)
		m += dbsize;
	return m;
}
