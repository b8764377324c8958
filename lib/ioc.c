/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ioc.c - Loki / signature-base IOC files: hash IOCs, false-positive
 * hashes and file-name regexes (formats and semantics in ioc.h).
 *
 * Layout.  Hash IOCs and false-positive hashes live in one array of
 * records per table and hash type; finalize sorts each by digest and
 * insertion order and keeps the last record of each digest (Loki fills a
 * dict, so the last line wins); lookups are binary searches.  Comments,
 * descriptions, patterns and file names are offsets into one string pool
 * (offset 0 is ""), so the pool may move while parsing; a comment equal
 * to the previous line's is stored once.
 *
 * File-name entries keep their two compiled regexes (JIT when available)
 * in load order.  Compiled code is shared read-only by all threads; each
 * thread matches with its own scratch: PCRE2 match data, a match context
 * carrying the match limit, and a JIT stack.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ioc.h"
#include "banned.h"

#define IOC_DLEN_MAX 32            /* SHA-256 */
#define IOC_POOL_MAX UINT32_MAX    /* pool offsets are uint32_t */
#define IOC_JIT_STACK_MIN (32 << 10)
#define IOC_JIT_STACK_MAX (1 << 20)

struct ioc_hash {
	uint8_t d[IOC_DLEN_MAX]; /* digest, zero padded */
	int32_t score;
	uint32_t text;           /* comment: pool offset */
	uint32_t seq;            /* insertion order: the last one wins */
};

struct ioc_table {
	struct ioc_hash *v;
	size_t n, cap;
};

struct ioc_name {
	pcre2_code *re, *fp; /* fp NULL when the entry has none */
	int score;
	uint32_t desc, pattern, file; /* pool offsets */
	unsigned line;
};

struct mde__iocs {
	struct ioc_table hash[MDE__NHASH];
	struct ioc_table fp[MDE__NHASH];
	struct ioc_name *names;
	size_t nnames, capnames;
	mde__buf pool;
	uint32_t seq;
	bool caseless;
	bool final;
};

struct mde__iocscratch {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js; /* NULL when JIT is unavailable */
};

/* State of one mde__iocs_parse() call. */
struct ioc_parser {
	mde__iocs *s;
	int kind;
	const char *file;
	mde__diag *d;
	unsigned line;
	uint32_t file_off;    /* file in the pool, */
	bool file_stored;     /* ... once needed */
	const char *cmt;      /* last '#' line's text (in the input), */
	size_t cmt_len;       /* for the file-name entries below it */
	uint32_t cmt_off;     /* ... in the pool, 0 until needed */
	uint32_t last_text;   /* last hash comment stored, and its length */
	size_t last_len;
	char tr[MDE__IOC_MAX_LINE]; /* a translated regex */
};

/* Digests of empty and line-break-only files, skipped as IOCs. */
static const char *const trivial_hashes[] = {
	"d41d8cd98f00b204e9800998ecf8427e",
	"da39a3ee5e6b4b0d3255bfef95601890afd80709",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"68b329da9893e34099c7d8ad5cb9c940", /* "\n" */
	"adc83b19e793491b1c6ea0fd8b46cd9f32e592fc",
	"01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b",
	"81051bcc2cf1bedf378224b0a93e2877", /* "\r\n" */
	"ba8ab5a0280b953aa97435ff8946cbcbb2755a27",
	"7eb70257593da06f682a3ddda54a9d260d4fc514f645237f5ca74b08f8da61a6",
};

/* ------------------------------------------------------------ small helpers */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims white space off both ends of s[0..*n); returns the new start. */
static const char *trim(const char *s, size_t *n)
{
	while (*n && is_space(*s)) {
		s++;
		(*n)--;
	}
	while (*n && is_space(s[*n - 1]))
		(*n)--;
	return s;
}

static bool trivial_hash(const char *h, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(trivial_hashes) / sizeof(trivial_hashes[0]); i++)
		if (strlen(trivial_hashes[i]) == n &&
		    strncasecmp(trivial_hashes[i], h, n) == 0)
			return true;
	return false;
}

/* A score field: something made of digits and signs only. */
static bool looks_numeric(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '+' && s[i] != '-')
			return false;
	return n > 0;
}

/* Parses a trimmed decimal score in range; false if it is not one. */
static bool parse_score(const char *s, size_t n, int *out)
{
	long v = 0;
	bool neg = false;
	size_t i = 0;

	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > MDE__IOC_SCORE_MAX - (long)MDE__IOC_SCORE_MIN)
			return false; /* far out of range; stops overflow */
	}
	if (neg)
		v = -v;
	if (v < MDE__IOC_SCORE_MIN || v > MDE__IOC_SCORE_MAX)
		return false;
	*out = (int)v;
	return true;
}

/* Appends s[0..n) and a NUL to the pool; MDE_OK or MDE_ERR_NOMEM. */
static int pool_add(mde__iocs *s, const char *str, size_t n, uint32_t *off)
{
	size_t at = s->pool.len;

	if (n >= IOC_POOL_MAX - at - 1)
		return MDE_ERR_NOMEM;
	if (mde__buf_put(&s->pool, str, n) != MDE_OK)
		return MDE_ERR_NOMEM;
	if (mde__buf_put(&s->pool, "", 1) != MDE_OK) {
		s->pool.len = at;
		return MDE_ERR_NOMEM;
	}
	*off = (uint32_t)at;
	return MDE_OK;
}

static const char *pool_str(const mde__iocs *s, uint32_t off)
{
	return s->pool.p + off;
}

/* ---------------------------------------------------------------- lifecycle */

mde__iocs *mde__iocs_new(void)
{
	mde__iocs *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (mde__buf_put(&s->pool, "", 1) != MDE_OK) { /* offset 0: "" */
		free(s);
		return NULL;
	}
	return s;
}

void mde__iocs_free(mde__iocs *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < MDE__NHASH; i++) {
		free(s->hash[i].v);
		free(s->fp[i].v);
	}
	for (i = 0; i < s->nnames; i++) {
		pcre2_code_free(s->names[i].re);
		pcre2_code_free(s->names[i].fp);
	}
	free(s->names);
	free(s->pool.p);
	free(s);
}

void mde__iocs_set_caseless(mde__iocs *s, bool on)
{
	s->caseless = on;
}

/* --------------------------------------------------------------- hash lines */

/* Stores a comment, reusing the previous line's when it is the same. */
static int hash_text(struct ioc_parser *p, const char *c, size_t n,
		     uint32_t *off)
{
	mde__iocs *s = p->s;
	int rc;

	if (n == 0) {
		*off = 0;
		return MDE_OK;
	}
	if (p->last_text && p->last_len == n &&
	    memcmp(pool_str(s, p->last_text), c, n) == 0) {
		*off = p->last_text;
		return MDE_OK;
	}
	rc = pool_add(s, c, n, off);
	if (rc == MDE_OK) {
		p->last_text = *off;
		p->last_len = n;
	}
	return rc;
}

static int hash_add(struct ioc_parser *p, int type, const uint8_t *dg,
		    int score, const char *c, size_t cn)
{
	mde__iocs *s = p->s;
	struct ioc_table *t = p->kind == MDE__IOC_FPHASH ? &s->fp[type]
							  : &s->hash[type];
	struct ioc_hash *r;
	uint32_t text;

	if (mde__grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v)) ||
	    hash_text(p, c, cn, &text) != MDE_OK)
		return MDE_ERR_NOMEM;
	r = &t->v[t->n++];
	memset(r->d, 0, sizeof(r->d));
	memcpy(r->d, dg, mde__hash_len(type));
	r->score = score;
	r->text = text;
	r->seq = s->seq++;
	return MDE_OK;
}

/* Checks the hash field h[0..n); its type, or -1 once reported. */
static int hash_field(struct ioc_parser *p, const char *h, size_t n,
		      uint8_t *dg)
{
	int type = mde__hash_type_of_hexlen(n);
	long bad;

	if (type < 0) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "hash has %s%zu characters, want 32, 40 or 64 hex digits",
			   n > 64 ? "over " : "", n > 64 ? (size_t)64 : n);
		return -1;
	}
	bad = mde__unhex(h, mde__hash_len(type), dg);
	if (bad >= 0) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "bad hex digit at column %ld of the hash", bad + 1);
		return -1;
	}
	if (trivial_hash(h, n)) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "hash of an empty or line-break-only file ignored");
		return -1;
	}
	return type;
}

/* HASH;COMMENT or HASH;SCORE;COMMENT. */
static int hash_line(struct ioc_parser *p, const char *l, size_t n)
{
	const char *semi = memchr(l, ';', n), *h, *rest, *f, *next;
	size_t hn, rn, fn;
	uint8_t dg[IOC_DLEN_MAX];
	int type, score = MDE__IOC_DEFAULT_SCORE;

	if (!semi) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "no ';' after the hash (want HASH;COMMENT or HASH;SCORE;COMMENT)");
		return MDE_OK;
	}
	hn = (size_t)(semi - l);
	h = trim(l, &hn);
	type = hash_field(p, h, hn, dg);
	if (type < 0)
		return MDE_OK;
	rest = semi + 1;
	rn = (size_t)(l + n - rest);
	next = memchr(rest, ';', rn);
	if (next) {
		fn = (size_t)(next - rest);
		f = trim(rest, &fn);
		if (looks_numeric(f, fn)) {
			if (!parse_score(f, fn, &score)) {
				mde__diagf(p->d, p->file, p->line, NULL,
					   "bad score '%.*s': want an integer from %d to %d",
					   (int)(fn > 32 ? 32 : fn), f,
					   MDE__IOC_SCORE_MIN, MDE__IOC_SCORE_MAX);
				return MDE_OK;
			}
			rn -= (size_t)(next + 1 - rest);
			rest = next + 1;
		}
	}
	rest = trim(rest, &rn);
	return hash_add(p, type, dg, score, rest, rn);
}

/* ----------------------------------------------------------- file-name lines */

/*
 * Loki's Windows-to-Linux translation, token by token: an escaped
 * backslash becomes '/', an unescaped "C:" goes.  out has room for n bytes
 * (the result is never longer).  Returns the length written.
 */
static size_t translate(const char *in, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (in[i] == '\\' && i + 1 < n) {
			if (in[i + 1] == '\\') {
				out[o++] = '/';
			} else {
				out[o++] = in[i];
				out[o++] = in[i + 1];
			}
			i += 2;
		} else if (in[i] == 'C' && i + 1 < n && in[i + 1] == ':') {
			i += 2;
		} else {
			out[o++] = in[i++];
		}
	}
	return o;
}

/* Offset in the original regex of offset at in its translation. */
static size_t untranslate_offset(const char *in, size_t n, size_t at)
{
	size_t i = 0, o = 0;

	while (i < n && o < at) {
		if (in[i] == '\\' && i + 1 < n) {
			o += in[i + 1] == '\\' ? 1 : 2;
			i += 2;
		} else if (in[i] == 'C' && i + 1 < n && in[i + 1] == ':') {
			i += 2;
		} else {
			o++;
			i++;
		}
	}
	return i;
}

/* Compiles regex re[0..n) (translated first); NULL once reported. */
static pcre2_code *compile(struct ioc_parser *p, const char *re, size_t n,
			   const char *what)
{
	uint32_t opts = PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *code;
	size_t tn = translate(re, n, p->tr);
	int err;

#ifdef PCRE2_MATCH_INVALID_UTF
	opts |= PCRE2_MATCH_INVALID_UTF;
#endif
	if (p->s->caseless)
		opts |= PCRE2_CASELESS;
	if (tn == 0) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "%s is empty once translated for Linux paths", what);
		return NULL;
	}
	code = pcre2_compile((PCRE2_SPTR)p->tr, tn, opts, &err, &off, NULL);
	if (!code) {
		if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		mde__diagf(p->d, p->file, p->line, NULL,
			   "%s does not compile at offset %zu: %s", what,
			   untranslate_offset(re, n, off),
			   msg[0] ? (const char *)msg : "unknown error");
		return NULL;
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* else interpreted */
	return code;
}

/* Stores the strings of a new entry; MDE_OK or MDE_ERR_NOMEM. */
static int name_strings(struct ioc_parser *p, struct ioc_name *e,
			const char *re, size_t n)
{
	mde__iocs *s = p->s;

	if (!p->file_stored) {
		if (pool_add(s, p->file, strlen(p->file), &p->file_off) != MDE_OK)
			return MDE_ERR_NOMEM;
		p->file_stored = true;
	}
	if (p->cmt_len && !p->cmt_off &&
	    pool_add(s, p->cmt, p->cmt_len, &p->cmt_off) != MDE_OK)
		return MDE_ERR_NOMEM;
	if (pool_add(s, re, n, &e->pattern) != MDE_OK)
		return MDE_ERR_NOMEM;
	e->file = p->file_off;
	e->desc = p->cmt_off;
	e->line = p->line;
	return MDE_OK;
}

static int name_add(struct ioc_parser *p, pcre2_code *re, pcre2_code *fp,
		    int score, const char *pat, size_t pn)
{
	mde__iocs *s = p->s;
	struct ioc_name e = { .re = re, .fp = fp, .score = score };

	if (mde__grow((void **)&s->names, &s->capnames, s->nnames + 1,
		      sizeof(*s->names)) ||
	    name_strings(p, &e, pat, pn) != MDE_OK) {
		pcre2_code_free(re);
		pcre2_code_free(fp);
		return MDE_ERR_NOMEM;
	}
	s->names[s->nnames++] = e;
	return MDE_OK;
}

/* REGEX;SCORE[;FALSE_POSITIVE_REGEX[;...]] */
static int name_line(struct ioc_parser *p, const char *l, size_t n)
{
	const char *semi, *f, *fp = NULL, *end;
	size_t rn, fn, fpn = 0;
	pcre2_code *re, *fre = NULL;
	int score;

	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t'))
		n--;
	semi = memchr(l, ';', n);
	if (!semi) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "no ';' and score after the regex (want REGEX;SCORE[;FALSE_POSITIVE_REGEX])");
		return MDE_OK;
	}
	rn = (size_t)(semi - l);
	if (rn == 0) {
		mde__diagf(p->d, p->file, p->line, NULL, "empty regex");
		return MDE_OK;
	}
	f = semi + 1;
	end = memchr(f, ';', (size_t)(l + n - f));
	fn = (size_t)((end ? end : l + n) - f);
	f = trim(f, &fn);
	if (!parse_score(f, fn, &score)) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "bad score '%.*s': want an integer from %d to %d",
			   (int)(fn > 32 ? 32 : fn), f, MDE__IOC_SCORE_MIN,
			   MDE__IOC_SCORE_MAX);
		return MDE_OK;
	}
	if (end) {
		const char *e2;

		fp = end + 1;
		e2 = memchr(fp, ';', (size_t)(l + n - fp));
		fpn = (size_t)((e2 ? e2 : l + n) - fp);
	}
	re = compile(p, l, rn, "regex");
	if (!re)
		return MDE_OK;
	if (fpn && !(fre = compile(p, fp, fpn, "false-positive regex"))) {
		pcre2_code_free(re);
		return MDE_OK;
	}
	return name_add(p, re, fre, score, l, rn);
}

/* A '#' line: the description of the file-name entries below it. */
static void comment_line(struct ioc_parser *p, const char *l, size_t n)
{
	while (n && *l == '#') {
		l++;
		n--;
	}
	while (n && *l == ' ') {
		l++;
		n--;
	}
	while (n && is_space(l[n - 1]))
		n--;
	p->cmt = l;
	p->cmt_len = n;
	p->cmt_off = 0;
}

/* ------------------------------------------------------------------- parse */

static bool blank(const char *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_space(l[i]))
			return false;
	return true;
}

static int one_line(struct ioc_parser *p, const char *l, size_t n)
{
	if (n > MDE__IOC_MAX_LINE) {
		mde__diagf(p->d, p->file, p->line, NULL,
			   "line too long (%zu bytes, max %d)", n,
			   MDE__IOC_MAX_LINE);
		return MDE_OK;
	}
	if (memchr(l, '\0', n)) {
		mde__diagf(p->d, p->file, p->line, NULL, "NUL byte in line");
		return MDE_OK;
	}
	if (blank(l, n))
		return MDE_OK;
	if (l[0] == '#') {
		if (p->kind == MDE__IOC_FILENAME)
			comment_line(p, l, n);
		return MDE_OK;
	}
	if (p->kind == MDE__IOC_FILENAME)
		return name_line(p, l, n);
	return hash_line(p, l, n);
}

int mde__iocs_parse(mde__iocs *s, int kind, const char *file,
		    const char *buf, size_t len, mde__diag *d)
{
	struct ioc_parser *p;
	size_t pos = 0;
	int rc = MDE_OK;

	if (kind != MDE__IOC_HASH && kind != MDE__IOC_FPHASH &&
	    kind != MDE__IOC_FILENAME)
		return MDE_ERR_ARG;
	if (s->final)
		return MDE_ERR_STATE;
	p = calloc(1, sizeof(*p)); /* large: holds a line-sized buffer */
	if (!p)
		return MDE_ERR_NOMEM;
	p->s = s;
	p->kind = kind;
	p->file = file ? file : "";
	p->d = d;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len && rc == MDE_OK) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;

		p->line++;
		if (n && buf[pos + n - 1] == '\r')
			n--;
		rc = one_line(p, buf + pos, n);
		pos = end + 1;
	}
	free(p);
	return rc;
}

/* ------------------------------------------------------------------- names */

/* The line's name: a file-name IOC's regex, a hash line's comment (after
 * the score when there is one); lines are taken as they come, unchecked. */
void mde__iocs_names(int kind, const char *buf, size_t len,
		     mde__names_fn fn, void *ctx)
{
	const char *s = buf, *end = buf + len, *nl, *e, *semi, *c, *t;
	char name[1024];
	size_t n;

	for (; s < end; s = nl ? nl + 1 : end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		e = nl ? nl : end;
		if (e > s && e[-1] == '\r')
			e--;
		if (s == e || *s == '#' ||
		    !(semi = memchr(s, ';', (size_t)(e - s))))
			continue;
		if (kind == MDE__IOC_FILENAME) {
			n = (size_t)(semi - s);
		} else {
			c = semi + 1;
			t = memchr(c, ';', (size_t)(e - c));
			if (t && t > c &&
			    strspn(c, "0123456789-+ ") >= (size_t)(t - c))
				c = t + 1;
			s = c;
			n = (size_t)(e - c);
		}
		n = n < sizeof(name) ? n : sizeof(name) - 1;
		memcpy(name, s, n);
		name[n] = '\0';
		fn(ctx, 0, name);
	}
}

/* ---------------------------------------------------------------- finalize */

static int cmp_hash(const void *a, const void *b)
{
	const struct ioc_hash *x = a, *y = b;
	int c = memcmp(x->d, y->d, sizeof(x->d));

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts t and keeps the last record of each digest. */
static void table_finalize(struct ioc_table *t)
{
	size_t i, o = 0;

	if (t->n < 2)
		return;
	qsort(t->v, t->n, sizeof(*t->v), cmp_hash);
	for (i = 0; i < t->n; i++) {
		if (i + 1 < t->n &&
		    memcmp(t->v[i].d, t->v[i + 1].d, sizeof(t->v[i].d)) == 0)
			continue;
		t->v[o++] = t->v[i];
	}
	t->n = o;
}

int mde__iocs_finalize(mde__iocs *s)
{
	int i;

	if (s->final)
		return MDE_ERR_STATE;
	for (i = 0; i < MDE__NHASH; i++) {
		table_finalize(&s->hash[i]);
		table_finalize(&s->fp[i]);
	}
	s->final = true;
	return MDE_OK;
}

/* ------------------------------------------------------------------- stats */

void mde__iocs_counts(const mde__iocs *s, mde__ioc_counts *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < MDE__NHASH; i++) {
		c->hash[i] = s->hash[i].n;
		c->fphash += s->fp[i].n;
	}
	c->filename = s->nnames;
}

static uint64_t code_size(const pcre2_code *re)
{
	size_t sz = 0, jit = 0;

	if (!re)
		return 0;
	(void)pcre2_pattern_info(re, PCRE2_INFO_SIZE, &sz);
	(void)pcre2_pattern_info(re, PCRE2_INFO_JITSIZE, &jit);
	return (uint64_t)sz + jit;
}

uint64_t mde__iocs_memory(const mde__iocs *s)
{
	uint64_t m = sizeof(*s) + s->pool.cap +
		     (uint64_t)s->capnames * sizeof(*s->names);
	size_t i;

	for (i = 0; i < MDE__NHASH; i++)
		m += (uint64_t)(s->hash[i].cap + s->fp[i].cap) *
		     sizeof(struct ioc_hash);
	for (i = 0; i < s->nnames; i++)
		m += code_size(s->names[i].re) + code_size(s->names[i].fp);
	return m;
}

bool mde__iocs_want_hash(const mde__iocs *s, int type)
{
	if (type < 0 || type >= MDE__NHASH)
		return false;
	return s->hash[type].n || s->fp[type].n;
}

/* ------------------------------------------------------------------ lookup */

static const struct ioc_hash *table_find(const struct ioc_table *t,
					 const uint8_t *dg, size_t dlen)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(t->v[mid].d, dg, dlen);

		if (c == 0)
			return &t->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int mde__iocs_lookup_hash(const mde__iocs *s, int type, const uint8_t *digest,
			  int *score, const char **comment)
{
	const struct ioc_hash *r;
	size_t dlen = mde__hash_len(type);

	if (!s->final || !dlen || !digest)
		return MDE__IOC_NONE;
	if ((r = table_find(&s->fp[type], digest, dlen))) {
		if (score)
			*score = 0;
		if (comment)
			*comment = pool_str(s, r->text);
		return MDE__IOC_FP;
	}
	if (!(r = table_find(&s->hash[type], digest, dlen)))
		return MDE__IOC_NONE;
	if (score)
		*score = r->score;
	if (comment)
		*comment = pool_str(s, r->text);
	return MDE__IOC_HIT;
}

int mde__iocs_lookup_file(const mde__iocs *s,
			  const uint8_t *const digest[MDE__NHASH],
			  mde__iochash *hit)
{
	int t;

	for (t = 0; t < MDE__NHASH; t++)
		if (digest[t] && s->final &&
		    table_find(&s->fp[t], digest[t], mde__hash_len(t)))
			return MDE__IOC_FP;
	for (t = 0; t < MDE__NHASH; t++) {
		int score;
		const char *c;

		if (mde__iocs_lookup_hash(s, t, digest[t], &score, &c) ==
		    MDE__IOC_HIT) {
			if (hit) {
				hit->type = t;
				hit->score = score;
				hit->comment = c;
			}
			return MDE__IOC_HIT;
		}
	}
	return MDE__IOC_NONE;
}

/* ------------------------------------------------------------------- match */

mde__iocscratch *mde__iocscratch_new(const mde__iocs *s)
{
	mde__iocscratch *sc = calloc(1, sizeof(*sc));
	uint32_t jit = 0;

	(void)s;
	if (!sc)
		return NULL;
	sc->md = pcre2_match_data_create(1, NULL);
	sc->mc = pcre2_match_context_create(NULL);
	if (!sc->md || !sc->mc)
		goto fail;
	pcre2_set_match_limit(sc->mc, MDE__IOC_MATCH_LIMIT);
	if (pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit) {
		sc->js = pcre2_jit_stack_create(IOC_JIT_STACK_MIN,
						IOC_JIT_STACK_MAX, NULL);
		if (!sc->js)
			goto fail;
		pcre2_jit_stack_assign(sc->mc, NULL, sc->js);
	}
	return sc;
fail:
	mde__iocscratch_free(sc);
	return NULL;
}

void mde__iocscratch_free(mde__iocscratch *sc)
{
	if (!sc)
		return;
	pcre2_match_data_free(sc->md);
	pcre2_match_context_free(sc->mc);
	pcre2_jit_stack_free(sc->js);
	free(sc);
}

/* 1 match, 0 no match, -1 error (limit hit). */
static int search(const pcre2_code *re, mde__iocscratch *sc, const char *p,
		  size_t n)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, sc->md, sc->mc);

	if (rc >= 0)
		return 1; /* 0: matched, ovector too small for the groups */
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

int mde__iocs_match_name(const mde__iocs *s, mde__iocscratch *sc,
			 const char *path, size_t len, mde__iocmatch_fn fn,
			 void *ctx)
{
	mde__iocscratch *own = NULL;
	bool failed = false;
	size_t i;

	if (!s->final)
		return MDE_ERR_STATE;
	if (!s->nnames)
		return MDE_OK;
	if (!sc && !(sc = own = mde__iocscratch_new(s)))
		return MDE_ERR_NOMEM;
	for (i = 0; i < s->nnames; i++) {
		const struct ioc_name *e = &s->names[i];
		mde__iocmatch m;
		int r = search(e->re, sc, path, len), f = 0;

		/* A false-positive regex that fails does not hide the IOC. */
		if (r == 1 && e->fp)
			f = search(e->fp, sc, path, len);
		if (r < 0 || f < 0)
			failed = true;
		if (r != 1 || f == 1)
			continue;
		m.score = e->score;
		m.description = pool_str(s, e->desc);
		m.pattern = pool_str(s, e->pattern);
		m.file = pool_str(s, e->file);
		m.line = e->line;
		if (fn(ctx, &m))
			break;
	}
	mde__iocscratch_free(own);
	return failed ? MDE_ERR_STATE : MDE_OK;
}
