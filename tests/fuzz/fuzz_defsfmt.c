/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_defsfmt.c - libFuzzer harness for the definitions-format table
 * (lib/defs_format.c): how a definitions file is matched to its row by
 * name and first bytes, the ".txt" sniff txt_has_hashes() (a ".txt" is
 * loaded as a hash list only when a line starts with a hash), and the
 * rows of signature-base's iocs/ (Loki hash, false-positive and
 * file-name IOCs; C2 and keyword lists recognised and skipped), loaded
 * through the table as mde_defs_load_buffer() does.
 *
 * Input: one byte choosing the file's name from names[] (bit 7: the file
 * is offered under that name in a directory, "iocs/NAME"), then its
 * content.  The ClamAV, YARA and bundle parsers have harnesses of their
 * own: their rows are matched here, never loaded (stubs abort).  Checks
 * what holds for any input:
 *   - the row found fits the name, its sniff (if any) accepts the head,
 *     and no earlier row fitting the name would have taken the file;
 *   - a ".txt" is skipped (one diagnostic, nothing loaded) exactly when
 *     no line starts with a hex digest of 32 digits or more followed by
 *     the end or a separator, and some line is neither blank nor a
 *     comment (an oracle written apart from txt_has_hashes());
 *   - a skipped row loads nothing and says so once; a Loki row loads
 *     only its own kind, no more entries than lines, and marks the
 *     verdicts path-dependent exactly for file-name IOCs;
 *   - the names mdesig list shows are no more than the lines.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "defs_format.h"
#include "clamav.h"
#include "ioc.h"

static const char *const names[] = {
	"hash-iocs.txt", "falsepositive-hashes.txt", "filename-iocs.txt",
	"otx-hash-iocs.txt", "Custom-Filename-IOCs.TXT", "c2-iocs.txt",
	"c2-iocs-ipv4.txt", "keywords.txt", "README", "README.md",
	"LICENSE", "hashes.txt", "notes.txt", "list.md5", "list.sha256",
	"x.hdb", "x.hsu", "main.mdb", "daily.ndb", "x.ldb", "x.yar",
	"x.yarc", "x.fp", "x.wdb", "none", ".txt", "txt", "x.TXT",
};

#define NNAMES (sizeof(names) / sizeof(names[0]))

/* The parsers with harnesses of their own are never loaded here. */
int mde__clam_parse(mde__clam *c, int kind, int src, const char *file,
		    const char *buf, size_t len, mde__diag *d)
{
	(void)c, (void)kind, (void)src, (void)file, (void)buf, (void)len;
	(void)d;
	abort();
}

int mde__yara_add_source(mde__yara *y, const char *file, const char *buf,
			 size_t len)
{
	(void)y, (void)file, (void)buf, (void)len;
	abort();
}

int mde__yara_add_compiled(mde__yara *y, const char *file, const void *buf,
			   size_t len, mde__diag *d)
{
	(void)y, (void)file, (void)buf, (void)len, (void)d;
	abort();
}

void mde__bytesigs_names(const char *buf, size_t len, mde__names_fn fn,
			 void *ctx)
{
	(void)buf, (void)len, (void)fn, (void)ctx;
	abort();
}

void mde__yara_names(const char *buf, size_t len, mde__names_fn fn,
		     void *ctx)
{
	(void)buf, (void)len, (void)fn, (void)ctx;
	abort();
}

int mde__names_path_external(const char *buf, size_t len)
{
	(void)buf, (void)len;
	abort();
}

int mde_defs_load_bundle(mde_defs *defs, const char *path)
{
	(void)defs, (void)path;
	abort();
}

int mde__defs_load_cvd(mde_defs *defs, const char *path)
{
	(void)defs, (void)path;
	abort();
}

int mde__defs_load_cvd_buf(mde_defs *defs, const mde__defs_fmt *f,
			   const char *name, const char *buf, size_t len)
{
	(void)defs, (void)f, (void)name, (void)buf, (void)len;
	abort();
}

void mde__defs_cvd_names(const mde__defs_fmt *f, const char *buf, size_t len,
			 mde__names_fn fn, void *ctx)
{
	(void)f, (void)buf, (void)len, (void)fn, (void)ctx;
	abort();
}

/* ------------------------------------------------------------ oracle */

static int hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* 1: some line starts with a digest; 0: none does, but some line says
 * something; -1: only blanks and comments. */
static int txt_oracle(const char *s, size_t n)
{
	size_t i = 0, j, k;
	int said = -1;

	while (i < n) {
		for (j = i; j < n && s[j] != '\n'; j++)
			;
		while (i < j && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i < j && s[i] != '#') {
			for (k = i; k < j && hexdigit(s[k]); k++)
				;
			if (k - i >= 32 && (k == j || memchr(":;, \t\r", s[k],
							     6)))
				return 1;
			said = 0;
		}
		i = j + 1;
	}
	return said;
}

/* ------------------------------------------------------------ checks */

struct seen {
	uint64_t count;
	int skipped; /* the ".txt is no hash list" diagnostic came */
};

static void on_diag(void *ctx, const char *file, unsigned line,
		    const char *sig, const char *msg)
{
	struct seen *s = ctx;

	(void)file, (void)line, (void)sig;
	s->count++;
	s->skipped += strstr(msg, "not a hash list") != NULL;
}

static void on_name(void *ctx, unsigned line, const char *name)
{
	(void)line;
	if (strchr(name, '\n'))
		abort();
	(*(uint64_t *)ctx)++;
}

static uint64_t lines(const char *s, size_t n)
{
	uint64_t k = 1;
	size_t i;

	for (i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

/* f is the first row for name that takes head. */
static void check_row(const mde__defs_fmt *f, const char *name,
		      const char *buf, size_t len)
{
	const mde__defs_fmt *g = NULL;
	size_t head = len < MDE__DEFS_HEAD ? len : MDE__DEFS_HEAD;

	while ((g = mde__defs_fmt_next(g, name)) && g != f)
		if (!g->sniff || g->sniff(buf, head))
			abort(); /* an earlier row would have taken it */
	if (g != f || (f && f->sniff && !f->sniff(buf, head)))
		abort();
}

static uint64_t iocs_total(const mde__iocs *s)
{
	mde__ioc_counts c;

	mde__iocs_counts(s, &c);
	return c.hash[0] + c.hash[1] + c.hash[2] + c.fphash + c.filename;
}

static void check_ioc(const mde_defs *defs, const mde__defs_fmt *f,
		      const char *buf, size_t len)
{
	mde__ioc_counts c;
	uint64_t n = 0;

	mde__iocs_counts(defs->iocs, &c);
	if ((f->arg != MDE__IOC_HASH && c.hash[0] + c.hash[1] + c.hash[2]) ||
	    (f->arg != MDE__IOC_FPHASH && c.fphash) ||
	    (f->arg != MDE__IOC_FILENAME && c.filename) ||
	    iocs_total(defs->iocs) > lines(buf, len) ||
	    defs->path_externals != (f->arg == MDE__IOC_FILENAME))
		abort();
	if (!f->names)
		abort();
	f->names(f, buf, len, on_name, &n);
	if (n > lines(buf, len))
		abort();
}

static void load(const mde__defs_fmt *f, const char *name, const char *buf,
		 size_t len)
{
	struct seen s = { 0 };
	mde_defs defs = { 0 };
	int rc, txt = strcmp(f->pattern, ".txt") == 0;

	defs.hash = mde__hashsigs_new();
	defs.iocs = mde__iocs_new();
	defs.diag.fn = on_diag;
	defs.diag.ctx = &s;
	if (!defs.hash || !defs.iocs)
		goto out;
	rc = f->load(&defs, f, name, buf, len);
	if (rc != MDE_OK && rc != MDE_ERR_NOMEM && rc != MDE_ERR_FORMAT)
		abort();
	if (f->kind == MDE__DK_SKIP &&
	    (s.count != 1 || mde__hashsigs_count(defs.hash) ||
	     iocs_total(defs.iocs)))
		abort();
	if (txt && (s.skipped != (txt_oracle(buf, len) == 0) ||
		    (s.skipped && (s.count != 1 ||
				   mde__hashsigs_count(defs.hash)))))
		abort();
	if (f->kind == MDE__DK_IOC && rc == MDE_OK)
		check_ioc(&defs, f, buf, len);
out:
	mde__hashsigs_free(defs.hash);
	mde__iocs_free(defs.iocs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const mde__defs_fmt *f;
	const char *buf = (const char *)data + 1;
	char name[64];
	size_t len;

	if (size < 1)
		return 0;
	snprintf(name, sizeof(name), "%s%s", data[0] & 0x80 ? "iocs/" : "",
		 names[(data[0] & 0x7f) % NNAMES]);
	len = size - 1;
	f = mde__defs_fmt_of(name, buf, len < MDE__DEFS_HEAD ? len
							    : MDE__DEFS_HEAD);
	check_row(f, name, buf, len);
	if (f && f->load && (f->kind == MDE__DK_HASH ||
			     f->kind == MDE__DK_IOC ||
			     f->kind == MDE__DK_SKIP))
		load(f, name, buf, len);
	return 0;
}
