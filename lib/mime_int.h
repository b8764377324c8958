/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mime_int.h - what the files of the mail reader share: the walk
 * (mime.c) reads header fields (mime_header.c) and decodes bodies
 * (mime_decode.c).  Internal to mime*.c.
 */
#ifndef MDE_MIME_INT_H
#define MDE_MIME_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAME_CAP 1024          /* part names are cut to NAME_CAP - 1 bytes */

#define TOO_BIG SIZE_MAX           /* a decoder's output did not fit */
#define NO_BLOCK (SIZE_MAX - 1)    /* not a uuencoded block after all */

enum { CT_TEXT, CT_OTHER, CT_MULTI, CT_DIGEST, CT_RFC822 };
enum { CTE_IDENT, CTE_B64, CTE_QP, CTE_UU };

struct span {
	const uint8_t *p;  /* NULL when absent */
	size_t n;
};

#define MAX_CT 4       /* Content-Type fields of one entity looked at */
#define CLEAN_CAP 2048 /* bytes of values freed of their comments */

/* The header fields the walk needs, as raw values, folding included, or
 * (when they hold comments) as copies in clean[] without them.  ct is the
 * Content-Type in use: the first of cts[] unless the walk picks another
 * (a message with several is read by the one that opens it). */
struct hdrs {
	struct span ct, cd, cte;
	struct span cts[MAX_CT];
	size_t nct;
	const uint8_t *body;
	size_t used;            /* of clean[] */
	uint8_t clean[CLEAN_CAP];
};

static inline bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* ------------------------------------------------------- mime_decode.c */

/* Hex digit value plus one; 0 for anything else. */
extern const uint8_t mde__mime_hexv[256];

/* Decodes base64 in[0..n) into out (cap bytes); returns the length or
 * TOO_BIG.  Characters outside the alphabet are skipped, as mail clients
 * do; '=' ends a quantum, so concatenated encodings decode as a whole.
 * The output is at most 3/4 of the input. */
size_t mde__mime_b64_decode(const uint8_t *in, size_t n, uint8_t *out,
			    size_t cap);

/* An upper bound of the decoded size of n bytes of encoding cte. */
size_t mde__mime_decoded_max(int cte, size_t n);

/* Decodes in[0..n) of encoding cte (CTE_B64 or CTE_QP) into out (cap
 * bytes); the length or TOO_BIG. */
size_t mde__mime_decode(int cte, const uint8_t *in, size_t n, uint8_t *out,
			size_t cap);

/* Decodes the uuencoded lines at p (after a begin line) into out, up to
 * "end", a blank line or a line that cannot be uuencoded; *next gets where
 * scanning resumes.  Returns the length, TOO_BIG, or NO_BLOCK when the
 * first line is not uuencoded (so "begin 2020 plans" in prose is not a
 * block).  A line may miss up to three characters (mailers strip trailing
 * blanks) but never yields more than 3/4 of its characters. */
size_t mde__mime_uu_lines(const uint8_t *p, const uint8_t *end, uint8_t *out,
			  size_t cap, const uint8_t **next);

/* "begin-base64" blocks (uuencode -m) run to a "====" line; as above. */
size_t mde__mime_uu_b64(const uint8_t *p, const uint8_t *end, uint8_t *out,
			size_t cap, const uint8_t **next);

/* ------------------------------------------------------- mime_header.c */

/* The line at p: *ce gets its end, CR LF excluded; returns the start of
 * the next line (end when there is none). */
const uint8_t *mde__mime_line_end(const uint8_t *p, const uint8_t *end,
				  const uint8_t **ce);

#define FIELD_CAP 80   /* a field name with its comments taken out */
#define JUNK_MAX 8     /* lines that are no fields skipped in a header */

/* If s..ce is a header line "Name: value", the length of Name, and *colon
 * points to the colon; else 0.  *name gets Name: s itself, or nb (of
 * FIELD_CAP bytes) holding Name without the comments senders put into
 * it ("Content-(x)Type:", which mail clients and ClamAV read).  lax
 * allows blanks before the colon (the obsolete syntax of RFC 5322),
 * which detection does not. */
size_t mde__mime_field_name(const uint8_t *s, const uint8_t *ce, bool lax,
			    uint8_t *nb, const uint8_t **name,
			    const uint8_t **colon);

/* Is s[0..n) the field or type name (any case)? */
bool mde__mime_name_is(const uint8_t *s, size_t n, const char *name);

/* Reads the header of the entity p..end into *h.  It ends at a blank line
 * or, for leniency, at the first line that is neither a field nor a
 * continuation; so a part without headers is all body. */
void mde__mime_parse_headers(const uint8_t *p, const uint8_t *end,
			     struct hdrs *h);

/* CT_* of the entity (in_digest: the default is message/rfc822). */
int mde__mime_content_type(const struct hdrs *h, bool in_digest);

/* CTE_* of the entity; unknown encodings are taken as they are. */
int mde__mime_encoding(const struct hdrs *h);

/* Writes into out (cap > 1 bytes, NUL terminated) parameter base of
 * header value v, preferring the RFC 2231 forms "base*=" and "base*0*=
 * ...; base*1=..." (joined, charset dropped, %XX decoded) to "base=";
 * returns its length, 0 when absent. */
size_t mde__mime_param_value(struct span v, const char *base, char *out,
			     size_t cap);

/* Writes into out (cap bytes) the file name of a part, "" when it has
 * none: filename= or name=, RFC 2231 / 2047 decoded, sanitized. */
void mde__mime_part_name(const struct hdrs *h, char *out, size_t cap);

/* Control characters of s[0..n) become '_': a name must not forge lines
 * in reports. */
void mde__mime_sanitize(char *s, size_t n);

#endif
