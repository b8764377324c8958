/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_mspack.c - Microsoft's compressed formats that libmspack reads, a
 * row each: CHM (compiled HTML help: ITSF, its files stored or in an LZX
 * section), SZDD (COMPRESS.EXE, "SETUP.EX_") and KWAJ (its successor,
 * with methods from XOR to MSZIP).  libmspack is what ClamAV itself uses
 * for them; it reads and writes through msmem.c, from the buffer the
 * pipeline holds into the member buffer, with its allocations capped.
 *
 * CHM: the files of the directory but libmspack's system files ("::..."),
 * in the order of their offsets, since libmspack decodes an LZX section
 * from its last reset point up to a file's end whether or not it writes:
 * in that order the section is decoded about once.  A file that starts
 * past what the whole file may still unpack is left out by max-scansize's
 * name, as is the LZX decoding while it runs (msmem's poll asks the member
 * buffer's limits, deadline included).  Names are stored with a leading
 * '/', which is dropped.
 *
 * SZDD and KWAJ hold one file: its name is in a KWAJ header, or is the
 * container's with the last character a SZDD header gives ("SETUP.EX_"
 * holds "SETUP.EXE").  A declared length past the limits is left out
 * before decoding.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "msmem.h"
#include "banned.h"

#define ALLOC_CAP ((size_t)64 << 20) /* libmspack's memory: LZX: 2 MiB */

enum { MS_CHM, MS_SZDD, MS_KWAJ };

struct ms {
	mde__arc_in *in;
	int kind;
	int st;     /* what the member buffer said last */
	int done;
	mde__msmem mem;
	struct mschm_decompressor *chmd;
	struct mschmd_header *chm;
	struct mschmd_file **files;
	size_t nfiles, next;
	struct msszdd_decompressor *szd;
	struct msszddd_header *sz;
	struct mskwaj_decompressor *kwd;
	struct mskwajd_header *kw;
	char name[256];
};

/* ------------------------------------------------------------------ bids */

static int at0(const uint8_t *b, size_t len, const char *m, size_t n)
{
	return len >= n && memcmp(b, m, n) == 0;
}

static int bid_chm(const uint8_t *b, size_t len)
{
	return at0(b, len, "ITSF", 4) && len >= 8 && (b[4] == 2 || b[4] == 3)
		       ? MDE__BID_MAGIC
		       : 0;
}

static int bid_szdd(const uint8_t *b, size_t len)
{
	return at0(b, len, "SZDD\x88\xf0\x27\x33", 8) ||
			       at0(b, len, "SZ \x88\xf0\x27\x33\xd1", 8)
		       ? MDE__BID_MAGIC
		       : 0;
}

static int bid_kwaj(const uint8_t *b, size_t len)
{
	return at0(b, len, "KWAJ\x88\xf0\x27\xd1", 8) ? MDE__BID_MAGIC : 0;
}

/* --------------------------------------------------------------- the I/O */

static int sink(void *ctx, const uint8_t *data, size_t n)
{
	struct ms *s = ctx;

	s->st = mde__arc_out_put(s->in, data, n);
	return s->st != MDE__ARC_OK;
}

/* While libmspack decodes without writing: the deadline and the rest of
 * the limits, as a write of nothing. */
static int poll(void *ctx)
{
	struct ms *s = ctx;

	if (s->st == MDE__ARC_OK)
		s->st = mde__arc_out_wrote(s->in, 0);
	return s->st != MDE__ARC_OK;
}

/* Extracts the member named name (declared bytes, -1 unknown) with the
 * decompressor's own call: MDE__ARC_OK with the member in the member
 * buffer (what was decoded before damage, too), or SKIP or STOP. */
static int extract(struct ms *s, const char *name, int64_t declared)
{
	mde__arc_in *in = s->in;
	int err = MSPACK_ERR_ARGS;

	s->st = mde__arc_out_begin(in, name, declared);
	if (s->st != MDE__ARC_OK)
		return s->st;
	mde__msmem_enter(&s->mem);
	if (s->kind == MS_CHM)
		err = s->chmd->extract(s->chmd, s->files[s->next - 1],
				       MDE__MSMEM_OUT);
	else if (s->kind == MS_SZDD)
		err = s->szd->extract(s->szd, s->sz, MDE__MSMEM_OUT);
	else
		err = s->kwd->extract(s->kwd, s->kw, MDE__MSMEM_OUT);
	if (s->st != MDE__ARC_OK)
		return s->st; /* a limit, noted */
	if (err != MSPACK_ERR_OK) {
		mde__arc_skip(in, name, s->mem.failed ? "out of memory"
						      : "archive damaged");
		if (mde__arc_out_len(in) == 0)
			return MDE__ARC_SKIP;
	}
	return MDE__ARC_OK;
}

/* ------------------------------------------------------------------- CHM */

static int by_offset(const void *a, const void *b)
{
	const struct mschmd_file *x = *(struct mschmd_file *const *)a;
	const struct mschmd_file *y = *(struct mschmd_file *const *)b;

	if (x->section->id != y->section->id)
		return x->section->id < y->section->id ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The files with data, sorted by offset: 0, or -1 out of memory.  No
 * more than max-files + 1 are kept (the driver says when it is passed). */
static int chm_files(struct ms *s)
{
	const mde__arc_limits *lim = s->in->lim;
	size_t cap = lim->max_files > 0 ? (size_t)lim->max_files + 1 : SIZE_MAX;
	struct mschmd_file *f;
	size_t n = 0;

	for (f = s->chm->files; f && n < cap; f = f->next)
		n += f->length > 0;
	s->files = malloc((n ? n : 1) * sizeof(*s->files));
	if (!s->files)
		return -1;
	for (f = s->chm->files; f && s->nfiles < n; f = f->next)
		if (f->length > 0)
			s->files[s->nfiles++] = f;
	qsort(s->files, s->nfiles, sizeof(*s->files), by_offset);
	return 0;
}

static int chm_next(struct ms *s, mde__arc_member *m)
{
	mde__arc_in *in = s->in;

	while (s->next < s->nfiles) {
		struct mschmd_file *f = s->files[s->next++];
		const char *name = f->filename[0] == '/' && f->filename[1]
					   ? f->filename + 1
					   : f->filename;
		int st;

		if (mde__arc_entry(in, name) != MDE__ARC_OK)
			return 0;
		if (f->section->id == 1 && in->bud->left >= 0 &&
		    (uint64_t)f->offset > (uint64_t)in->bud->left) {
			mde__arc_stop(in, name, "limit: max-scansize");
			return 0;
		}
		st = extract(s, name, (int64_t)f->length);
		if (st == MDE__ARC_SKIP)
			continue;
		if (st != MDE__ARC_OK)
			return 0;
		mde__arc_out_member(in, m);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ SZDD, KWAJ */

/* The container's base name; a last '_' is c (SZDD's missing
 * character), or is dropped when c is 0. */
static void one_name(struct ms *s, char c)
{
	const char *n = s->in->name ? s->in->name : "", *b = strrchr(n, '/');
	size_t len;

	snprintf(s->name, sizeof(s->name), "%s", b ? b + 1 : n);
	len = strlen(s->name);
	if (!len)
		snprintf(s->name, sizeof(s->name), "data");
	else if (s->name[len - 1] == '_' && len > 1)
		s->name[len - 1] = c; /* no character given: drop the '_' */
}

static int one_next(struct ms *s, mde__arc_member *m)
{
	int64_t declared = -1;
	int st;

	if (s->done++)
		return 0;
	if (s->kind == MS_SZDD) {
		one_name(s, s->sz->missing_char);
		declared = (int64_t)s->sz->length;
	} else {
		if (s->kw->filename && s->kw->filename[0])
			snprintf(s->name, sizeof(s->name), "%s",
				 s->kw->filename);
		else
			one_name(s, 0);
		if (s->kw->headers & MSKWAJ_HDR_HASLENGTH)
			declared = (int64_t)s->kw->length;
	}
	if (mde__arc_entry(s->in, s->name) != MDE__ARC_OK)
		return 0;
	st = extract(s, s->name, declared);
	if (st != MDE__ARC_OK)
		return 0;
	mde__arc_out_member(s->in, m);
	return 1;
}

/* ------------------------------------------------------------------- row */

static void ms_close(void *state)
{
	struct ms *s = state;

	mde__msmem_enter(&s->mem);
	if (s->chm)
		s->chmd->close(s->chmd, s->chm);
	if (s->chmd)
		mspack_destroy_chm_decompressor(s->chmd);
	if (s->sz)
		s->szd->close(s->szd, s->sz);
	if (s->szd)
		mspack_destroy_szdd_decompressor(s->szd);
	if (s->kw)
		s->kwd->close(s->kwd, s->kw);
	if (s->kwd)
		mspack_destroy_kwaj_decompressor(s->kwd);
	free(s->files);
	free(s);
}

/*
 * The GUIDs of a CHM header: libmspack insists on both, Windows' reader
 * does not, and Free Pascal's chmcmd writes the first twice.  What the
 * header holds there is read as the right GUIDs (msmem's patch).
 */
static void chm_guids(struct ms *s)
{
	static const uint8_t guids[32] = {
		0x10, 0xfd, 0x01, 0x7c, 0xaa, 0x7b, 0xd0, 0x11, 0x9e, 0x0c,
		0x00, 0xa0, 0xc9, 0x22, 0xe6, 0xec, 0x11, 0xfd, 0x01, 0x7c,
		0xaa, 0x7b, 0xd0, 0x11, 0x9e, 0x0c, 0x00, 0xa0, 0xc9, 0x22,
		0xe6, 0xec,
	};

	if (s->in->len >= 0x18 + sizeof(guids) &&
	    memcmp(s->in->buf + 0x18, guids, sizeof(guids)) != 0)
		mde__msmem_patch(&s->mem, 0x18, guids, sizeof(guids));
}

/* Opens the container with its decompressor: 0, or -1. */
static int ms_start(struct ms *s)
{
	struct mspack_system *sys = &s->mem.sys;

	mde__msmem_enter(&s->mem);
	if (s->kind == MS_CHM) {
		chm_guids(s);
		s->chmd = mspack_create_chm_decompressor(sys);
		s->chm = s->chmd ? s->chmd->open(s->chmd, MDE__MSMEM_IN) : NULL;
		return s->chm && chm_files(s) == 0 ? 0 : -1;
	}
	if (s->kind == MS_SZDD) {
		s->szd = mspack_create_szdd_decompressor(sys);
		s->sz = s->szd ? s->szd->open(s->szd, MDE__MSMEM_IN) : NULL;
		return s->sz ? 0 : -1;
	}
	s->kwd = mspack_create_kwaj_decompressor(sys);
	s->kw = s->kwd ? s->kwd->open(s->kwd, MDE__MSMEM_IN) : NULL;
	return s->kw ? 0 : -1;
}

static void *ms_open(mde__arc_in *in)
{
	struct ms *s = calloc(1, sizeof(*s));
	int selftest;

	MSPACK_SYS_SELFTEST(selftest);
	if (!s || selftest != MSPACK_ERR_OK) {
		mde__arc_skip(in, NULL,
			      s ? "libmspack unusable" : "out of memory");
		free(s);
		return NULL;
	}
	s->in = in;
	s->kind = *(const int *)in->h->arg;
	mde__msmem_init(&s->mem, in->buf, in->len, ALLOC_CAP, sink, poll, s);
	if (ms_start(s) < 0) {
		if (s->mem.failed)
			mde__arc_skip(in, NULL, "out of memory");
		ms_close(s);
		return NULL; /* "archive damaged" unless noted */
	}
	return s;
}

static int ms_next(void *state, mde__arc_member *m)
{
	struct ms *s = state;

	return s->kind == MS_CHM ? chm_next(s, m) : one_next(s, m);
}

#define ROW(n, kind, bid)                                                  \
	static const int ms_##n = kind;                                    \
	const struct mde__arc_handler mde__arc_##n = {                     \
		#n, 0, bid, NULL, ms_open, ms_next, ms_close, &ms_##n      \
	}

ROW(chm, MS_CHM, bid_chm);
ROW(szdd, MS_SZDD, bid_szdd);
ROW(kwaj, MS_KWAJ, bid_kwaj);
