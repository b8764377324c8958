/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf_int.h - what the files of the PDF reader share: the object parser
 * (pdf_obj.c), the filters (pdf_filter.c), the security handler
 * (pdf_crypt.c), the cross-reference chain (pdf_xref.c) and the document
 * (pdf.c).  Not for use outside them.
 */
#ifndef MDE_PDF_INT_H
#define MDE_PDF_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pdf.h"

/* ------------------------------------------------------------ objects */

enum pobj_type {
	P_NULL, P_BOOL, P_INT, P_REAL, P_STR, P_NAME, P_ARRAY, P_DICT, P_REF,
};

/* An object, parsed into an arena.  Arrays and dictionaries list their
 * items through kid/next (a dictionary: key, value, key, value ...). */
typedef struct pobj {
	uint8_t t;
	size_t n;            /* bytes of a string or name, items of a list */
	int64_t i;           /* integer (also a real's integer part, bool) */
	const uint8_t *s;    /* string or name bytes (arena) */
	struct pobj *kid, *next;
	uint32_t num, gen;   /* a reference */
} pobj;

/* A bump allocator; freed (or reset) all at once. */
typedef struct parena {
	struct pchunk *head;
	size_t used, cap;
	uint64_t work;       /* nodes allocated since the last reset */
} parena;

void *pa_alloc(parena *a, size_t n);
void pa_reset(parena *a);

struct pcrypt;

/* How an object is parsed: its strings decrypted with the key of
 * object num/gen when c is set; nesting past MDE__PDF_MAX_DEPTH sets
 * too_deep. */
typedef struct pparse {
	const uint8_t *buf;
	size_t len, pos;
	parena *a;
	const struct pcrypt *c;
	uint32_t num, gen;
	int too_deep;
	uint64_t max_work;  /* nodes per object: more is cut */
} pparse;

/* Parses one object at p->pos (a dictionary may be followed by
 * "stream": the caller looks).  NULL at the end or on garbage. */
pobj *pdf_parse_obj(pparse *p, int depth);

/* Skips white space and comments from pos; returns the new pos. */
size_t pdf_skip_ws(const uint8_t *b, size_t len, size_t pos);
int pdf_is_ws(uint8_t c);
int pdf_is_delim(uint8_t c);

/* Looks key up in dictionary d (key without '/'); NULL when absent or
 * d is not a dictionary. */
const pobj *pdf_dget(const pobj *d, const char *key);
/* Nonzero when o is the name nm (without '/'), the boolean b. */
int pdf_is_name(const pobj *o, const char *nm);
int pdf_is_bool(const pobj *o, int b);

/* ------------------------------------------------------------ filters */

/* A sink over a growable buffer of at most cap bytes. */
typedef struct pmem {
	uint8_t *p;
	size_t len, cap, limit;
	int over;            /* passed limit */
	int nomem;
} pmem;

int pmem_put(void *ctx, const uint8_t *d, size_t n);
void pmem_free(pmem *m);

/* Decodes data through the filter chain of stream dictionary dict
 * (after decryption): MDE__PDF_* (see mde__pdf_decode). */
int pdf_filters(const pobj *dict, const uint8_t *data, size_t len,
		mde__pdf_sink fn, void *ctx, size_t stage_cap);

/* ------------------------------------------------------------ crypto */

/* The standard security handler with the empty user password: NULL when
 * the document cannot be decrypted (*why says so). */
struct pcrypt *pdf_crypt_new(const pobj *enc, const pobj *id0);
void pdf_crypt_free(struct pcrypt *c);

/* Decrypts a string or stream of object num/gen into a new buffer
 * (*out, *outlen; the caller frees): 0, or -1 when out of memory.  Which
 * method: strings (stream 0) use /StrF, streams (1) /StmF, embedded
 * files (2) /EFF (an attachment may be encrypted alone). */
int pdf_decrypt(const struct pcrypt *c, uint32_t num, uint32_t gen,
		int stream, const uint8_t *in, size_t len, uint8_t **out,
		size_t *outlen);

/* ----------------------------------------------------------- document */

enum {
	O_STREAM = 1,   /* a stream: sdata, slen */
	O_OBJSTM = 2,   /* /Type /ObjStm */
	O_XREF = 4,     /* /Type /XRef */
	O_EMBED = 8,    /* /Type /EmbeddedFile */
	O_DEAD = 16,    /* inside another stream's data: not an object */
	O_PLAIN = 32,   /* strings and stream not encrypted (/Encrypt, XRef) */
	O_META = 64,    /* /Type /Metadata (not encrypted without
			   /EncryptMetadata) */
};

/* One object of the file: "N G obj" at start (top-level, stm 0), or
 * the object in the stm-th (from 1) object stream decoded. */
struct pocc {
	uint32_t num, gen;
	size_t start, body;  /* body: where its value begins */
	size_t sdata, slen;  /* a stream's data in the file */
	uint32_t stm;
	uint8_t flags;
};

struct pstm {
	uint8_t *data;
	size_t len;
	size_t start;           /* where the object stream is in the file */
};

/* A name given to an object: an embedded file's, by its number. */
struct pname {
	uint32_t num, seq;      /* seq: later names win */
	char *name;
};

struct pjs {
	uint32_t num;
	uint8_t *text;
	size_t len;
};

struct mde__pdf {
	const uint8_t *buf;
	size_t len;
	struct pocc *occ;
	size_t nocc, capocc;
	uint32_t *map;          /* object number -> occ index + 1 */
	size_t mapcap, mapused;
	struct pstm *stm;
	size_t nstm, capstm;
	struct pname *names;
	size_t nnames, capnames;
	uint32_t *jsstm;        /* numbers of JavaScript streams */
	size_t njsstm, capjsstm;
	struct pjs *js;
	size_t njs, capjs;
	size_t trailer;         /* the newest trailer dictionary, or 0 */
	size_t trailer_stm;     /* ... in the file (0) or an occ's body */
	struct pcrypt *crypt;
	int encrypted;
	int meta_plain;         /* /EncryptMetadata false */
	int sorted;             /* names and jsstm sorted by number */
	uint32_t enc_num;       /* the /Encrypt dictionary's object */
	int phase;              /* items: object streams, streams, JS */
	size_t cur;
	char name[64];
	char *owned;            /* a name built for the item in hand */
	unsigned notes, said;   /* N_*: what happened, what was noted */
	size_t parse_cap;       /* nodes per object parsed */
	size_t max_objects, max_internal;
	size_t es_from, es_at;  /* the last "endstream" search */
	parena a;
};

enum { N_DEPTH = 1, N_OBJECTS = 2, N_ENCRYPTED = 4, N_MEMORY = 8 };

/* Adds object num/gen (pdf.c); index or -1 (too many: noted). */
long pdf_add_occ(mde__pdf *d, uint32_t num, uint32_t gen, size_t start,
		 size_t body, uint32_t stm);
/* Makes occ i the definition of its number when it is the newest. */
void pdf_map_put(mde__pdf *d, size_t i);
/* The occ object num is (the newest), or NULL. */
const struct pocc *pdf_lookup(const mde__pdf *d, uint32_t num);
/* Parses occ o's value into d->a (strings decrypted unless plain). */
pobj *pdf_parse_occ(mde__pdf *d, const struct pocc *o, int plain,
		    size_t *end);
/* Integer value of o, a reference followed once; -1 when none. */
int64_t pdf_int(mde__pdf *d, const pobj *o);

/* Walks the cross-reference chain from startxref (pdf_xref.c): adds the
 * objects it lists that the scan missed, and sets d->trailer. */
void pdf_xref(mde__pdf *d);

/* Reads what object o says (pdf_doc.c): JavaScript, file specs. */
int pdf_collect(mde__pdf *d, const struct pocc *o, const pobj *v);

#endif
