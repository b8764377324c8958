/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yarasel.h - YARA rule pre-selection (internal): splits a rule source into
 * its rules and classifies each rule by what its condition requires at top
 * level (file class from the first bytes, file size range), so that a file
 * is scanned only by the rules that could match it.
 *
 * Everything here is conservative: what is not recognised imposes no
 * constraint, and a source that cannot be split must be kept whole.
 */
#ifndef MDE_YARASEL_H
#define MDE_YARASEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* File classes, from a file's first bytes. */
enum {
	MDE__YC_MZ = 1,    /* starts with "MZ" */
	MDE__YC_ELF = 2,   /* starts with "\x7f" "ELF" */
	MDE__YC_OTHER = 4, /* anything else, including shorter files */
	MDE__YC_ALL = 7
};

/* Module imports that enable gating forms. */
enum { MDE__YI_PE = 1, MDE__YI_ELF = 2 };

/* What a condition allows: classes and an inclusive filesize range. */
typedef struct mde__ycls {
	unsigned classes; /* MDE__YC_* bits; 0 = can never match */
	uint64_t lo, hi;  /* filesize in [lo, hi] */
	bool refs;        /* may depend on other rules (rule references) */
} mde__ycls;

/* One rule of a source, as byte ranges into the source text. */
typedef struct mde__yrule {
	size_t off, len;           /* full text: modifiers to closing brace */
	size_t name_off, name_len; /* identifier */
	size_t cond_off, cond_len; /* condition text after "condition:" */
	bool is_private, is_global;
	uint16_t mods;             /* bit j: the condition names the module
				    * of the source's import j */
	mde__ycls cls;
} mde__yrule;

/* A split source: its import statements and rules. */
typedef struct mde__ysrc {
	mde__yrule *rules;
	size_t nrules, caprules;
	size_t imp_off[16], imp_len[16]; /* import statements (text ranges) */
	size_t mod_off[16], mod_len[16]; /* their module names, unquoted */
	size_t nimp;
	unsigned imports; /* MDE__YI_* */
	bool whole; /* must be kept whole: include, global, private, refs,
		     * too many imports, or text this splitter does not know */
	bool partial; /* rules[] stops at text it does not know (whole too);
		       * else it lists every rule, private and global ones
		       * and those naming other rules included */
} mde__ysrc;

/*
 * Splits src[0..len) (need not be NUL terminated) into *out and classifies
 * every rule.  Never fails on bad text: a source it cannot follow is
 * returned with out->whole set.  Returns 0, or -1 when out of memory.
 * Release with mde__ysrc_release() in both cases.
 */
int mde__ysrc_split(const char *src, size_t len, mde__ysrc *out);
void mde__ysrc_release(mde__ysrc *s);

/*
 * Classifies the condition text src[0..len) given the imports in effect
 * (MDE__YI_* bits).  Unknown forms give { MDE__YC_ALL, 0, UINT64_MAX }.
 */
void mde__ycond_classify(const char *src, size_t len, unsigned imports,
			 mde__ycls *out);

/* The class of a file whose first bytes are buf[0..len). */
unsigned mde__yclass_of(const uint8_t *buf, size_t len);

/*
 * The lexer, for other analyses of rule text (yaralit.c).  Token types
 * and the modes that make '/' open a regex and '{' a hex string.
 */
enum {
	MDE__YT_EOF, MDE__YT_ID, MDE__YT_VAR, MDE__YT_NUM, MDE__YT_STR,
	MDE__YT_RE, MDE__YT_HEX, MDE__YT_OP, MDE__YT_BAD
};
enum { MDE__YM_RE = 1, MDE__YM_HEX = 2 };

typedef struct mde__ytok {
	int t;
	size_t off, len; /* text range in the lexer's source */
} mde__ytok;

typedef struct mde__ylex {
	const char *s;
	size_t n, pos; /* lexes s[pos..n) */
} mde__ylex;

/* Whether token t of text s has type type and the text text. */
static inline bool mde__ytok_is(const char *s, const mde__ytok *t, int type,
				const char *text)
{
	size_t n = strlen(text);

	return t->t == type && t->len == n && memcmp(s + t->off, text, n) == 0;
}

/* The next token from lx; never reads past s[n); advances unless at EOF. */
void mde__ylex_next(mde__ylex *lx, int mode, mde__ytok *t);

/* A YARA integer literal p[0..n) (decimal, 0x, 0o; KB/MB); false if not. */
bool mde__ynum_value(const char *p, size_t n, uint64_t *v);

#endif /* MDE_YARASEL_H */
