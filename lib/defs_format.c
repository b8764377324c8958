/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defs_format.c - the definitions formats, one row each, and how a file
 * is matched to its row.  defs_format.h says what the columns mean and
 * how to add a format.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mde_int.h"
#include "defs_format.h"
#include "bundle.h"
#include "clamav.h"
#include "ioc.h"
#include "banned.h"

/* ------------------------------------------------------------- loading */

/* A row's arg is CLAM_HASHES for ClamAV's hash lists, whose signatures
 * are unofficial unless a .cvd or .cld holds them (see load_clam); the
 * other lists are mdescan's own. */
#define CLAM_HASHES 1

static int load_hash(mde_defs *defs, const mde__defs_fmt *f,
		     const char *file, const char *buf, size_t len)
{
	unsigned src = f->arg == CLAM_HASHES && !defs->clam_official
			       ? MDE__HS_UNOFFICIAL : 0;

	return mde__hashsigs_parse_src(defs->hash, file, buf, len, src,
				       &defs->diag);
}

/*
 * What a ".txt" holds: 1 if a line starts with a hex digest (32 digits or
 * more, then the end or a separator), 0 if no line does but some line
 * says something (neither blank nor a '#' comment), -1 for neither.
 */
static int txt_has_hashes(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	int said = -1;
	size_t n;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		while (p < nl && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == nl || *p == '#')
			continue;
		for (n = 0; p + n < nl && mde__hexval(p[n]) >= 0; n++)
			;
		/* p[n] may be a NUL, which strchr() would find */
		if (n >= 32 && (p + n == nl ||
				(p[n] && strchr(":;, \t\r", p[n]))))
			return 1;
		said = 0;
	}
	return said;
}

/*
 * A ".txt" is a hash list only if it holds hashes: another text file
 * (notes, a list of domains) is one line saying so, not one per line.
 */
static int load_txt(mde_defs *defs, const mde__defs_fmt *f, const char *file,
		    const char *buf, size_t len)
{
	if (txt_has_hashes(buf, len) == 0) {
		mde__diagf(&defs->diag, file, 0, NULL, "no line starts with a "
			   "hash: not a hash list, skipped");
		return MDE_OK;
	}
	return load_hash(defs, f, file, buf, len);
}

/* Files met next to definitions that hold none for file scanning (the
 * row's what says what they are): one line each, nothing loaded. */
static int load_skip(mde_defs *defs, const mde__defs_fmt *f,
		     const char *file, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	mde__diagf(&defs->diag, file, 0, NULL, "%s: not for file scanning, "
		   "skipped", f->what);
	return MDE_OK;
}

/* ClamAV's languages: the row's arg is the kind, with MDE__CLAM_PUA for
 * the "u" variants; a file is unofficial unless a .cvd or .cld holds it
 * (defs->clam_official, defs_cvd.c), as clamscan has it. */
static int load_clam(mde_defs *defs, const mde__defs_fmt *f,
		     const char *file, const char *buf, size_t len)
{
	int src = (f->arg & MDE__CLAM_PUA ? MDE__CLAM_SRC_PUA : 0) |
		  (defs->clam_official ? 0 : MDE__CLAM_SRC_UNOFFICIAL);

	return mde__clam_parse(defs->clam, f->arg & ~MDE__CLAM_PUA, src, file,
			       buf, len, &defs->diag);
}

static int load_yar(mde_defs *defs, const mde__defs_fmt *f, const char *file,
		    const char *buf, size_t len)
{
	(void)f;
	defs->path_externals |= mde__names_path_external(buf, len);
	return mde__yara_add_source(defs->yara, file, buf, len);
}

static int load_yarc(mde_defs *defs, const mde__defs_fmt *f,
		     const char *file, const char *buf, size_t len)
{
	(void)f;
	defs->path_externals = 1; /* cannot tell: assume they do */
	return mde__yara_add_compiled(defs->yara, file, buf, len, &defs->diag);
}

static int load_ioc(mde_defs *defs, const mde__defs_fmt *f, const char *file,
		    const char *buf, size_t len)
{
	/* file-name IOCs judge the path: verdicts depend on it */
	defs->path_externals |= f->arg == MDE__IOC_FILENAME;
	return mde__iocs_parse(defs->iocs, f->arg, file, buf, len,
			       &defs->diag);
}

/* ------------------------------------------------------------- names */

static void names_ndb(const mde__defs_fmt *f, const char *buf, size_t len,
		      mde__names_fn fn, void *ctx)
{
	(void)f;
	mde__bytesigs_names(buf, len, fn, ctx);
}

static void names_yara(const mde__defs_fmt *f, const char *buf, size_t len,
		       mde__names_fn fn, void *ctx)
{
	(void)f;
	mde__yara_names(buf, len, fn, ctx);
}

static void names_ioc(const mde__defs_fmt *f, const char *buf, size_t len,
		      mde__names_fn fn, void *ctx)
{
	mde__iocs_names(f->arg, buf, len, fn, ctx);
}

/* ------------------------------------------------------------- sniffs */

static int is_bundle(const void *head, size_t len)
{
	return len >= 8 && memcmp(head, MDE__B_MAGIC, 8) == 0;
}

/* ------------------------------------------------------------- the table */

#define HASHLIST .kind = MDE__DK_HASH, .load = load_hash,		\
	.part = MDE__P_HASHTAB, .flags = MDE__DF_HASHES
#define SKIP .kind = MDE__DK_SKIP, .load = load_skip
#define LOKI(k, as) .kind = MDE__DK_IOC, .arg = (k), .load = load_ioc,	\
	.part = MDE__P_SOURCE, .names = names_ioc, .list_as = (as)
#define CLAM(k) .kind = MDE__DK_BYTES, .arg = (k), .load = load_clam,	\
	.part = MDE__P_SOURCE
#define CLAM_NAMED(k) CLAM(k), .names = names_ndb, .list_as = "byte",	\
	.flags = MDE__DF_UNIQUE
#define PUA MDE__CLAM_PUA
#define CLAMDB .kind = MDE__DK_CLAMDB, .load_path = mde__defs_load_cvd,	\
	.load = mde__defs_load_cvd_buf, .part = MDE__P_SOURCE,		\
	.names = mde__defs_cvd_names, .list_as = "byte"
#define YARA .kind = MDE__DK_YARA, .load = load_yar,			\
	.part = MDE__P_SOURCE, .names = names_yara, .list_as = "yara",	\
	.flags = MDE__DF_UNIQUE | MDE__DF_PRECOMPILED

/* In the order they are tried: the Loki names end in ".txt"; the signed
 * bundle's ".mdb" (told by its magic) before ClamAV's. */
static const mde__defs_fmt formats[] = {
	{ "*filename-iocs.txt", "Loki file-name IOCs",
	  LOKI(MDE__IOC_FILENAME, "ioc") },
	{ "*falsepositive-hashes.txt", "Loki false-positive hashes",
	  LOKI(MDE__IOC_FPHASH, "ioc-fp") },
	{ "*hash-iocs.txt", "Loki hash IOCs", LOKI(MDE__IOC_HASH, "ioc") },
	/* the rest of signature-base's iocs/: for network and keyword
	 * scanners; documents, which a directory scan passes over quietly
	 * (a README.txt is no hash list) */
	{ "*c2-iocs.txt", "Loki C2 IOCs (network indicators)", SKIP },
	{ "*c2-iocs-ipv4.txt", "Loki C2 IOCs (network indicators)", SKIP },
	{ "*c2-iocs-ipv6.txt", "Loki C2 IOCs (network indicators)", SKIP },
	{ "*keywords.txt", "Loki keywords (process and log text)", SKIP },
	{ "README*", "documentation", SKIP, .flags = MDE__DF_NAMED },
	{ "LICENSE*", "documentation", SKIP, .flags = MDE__DF_NAMED },
	{ ".mdb", "signed bundle", is_bundle, .kind = MDE__DK_BUNDLE,
	  .load_path = mde_defs_load_bundle, .flags = MDE__DF_NAMED },
	{ ".hdb", "ClamAV hash signatures", HASHLIST, .arg = CLAM_HASHES },
	{ ".hsb", "ClamAV hash signatures", HASHLIST, .arg = CLAM_HASHES },
	{ ".hdu", "ClamAV PUA hash signatures", HASHLIST,
	  .arg = CLAM_HASHES },
	{ ".hsu", "ClamAV PUA hash signatures", HASHLIST,
	  .arg = CLAM_HASHES },
	{ ".md5", "hash lists", HASHLIST },
	{ ".sha1", "hash lists", HASHLIST },
	{ ".sha256", "hash lists", HASHLIST },
	{ ".txt", "hash lists", .kind = MDE__DK_HASH, .load = load_txt,
	  .part = MDE__P_HASHTAB, .flags = MDE__DF_HASHES },
	{ ".ndb", "ClamAV byte signatures", CLAM_NAMED(MDE__CK_NDB) },
	{ ".ndu", "ClamAV PUA byte signatures", CLAM_NAMED(MDE__CK_NDB | PUA) },
	{ ".ldb", "ClamAV logical signatures", CLAM(MDE__CK_LDB) },
	{ ".ldu", "ClamAV PUA logical signatures", CLAM(MDE__CK_LDB | PUA) },
	{ ".mdb", "ClamAV PE section hashes", CLAM(MDE__CK_MDB) },
	{ ".msb", "ClamAV PE section hashes", CLAM(MDE__CK_MDB) },
	{ ".mdu", "ClamAV PUA PE section hashes", CLAM(MDE__CK_MDB | PUA) },
	{ ".msu", "ClamAV PUA PE section hashes", CLAM(MDE__CK_MDB | PUA) },
	{ ".imp", "ClamAV import hashes", CLAM(MDE__CK_IMP) },
	{ ".fp", "ClamAV allow lists", CLAM(MDE__CK_FP) },
	{ ".sfp", "ClamAV allow lists", CLAM(MDE__CK_FP) },
	{ ".ign", "ClamAV ignore lists", CLAM(MDE__CK_IGN) },
	{ ".ign2", "ClamAV ignore lists", CLAM(MDE__CK_IGN) },
	/* read and counted, not run (mde_defs_unsupported()) */
	{ ".cdb", "ClamAV formats not run", CLAM(MDE__CK_CDB) },
	{ ".ftm", "ClamAV formats not run", CLAM(MDE__CK_FTM) },
	{ ".cfg", "ClamAV formats not run", CLAM(MDE__CK_CFG) },
	{ ".cbc", "ClamAV formats not run", CLAM(MDE__CK_CBC) },
	{ ".idb", "ClamAV formats not run", CLAM(MDE__CK_IDB) },
	{ ".crb", "ClamAV formats not run", CLAM(MDE__CK_AUTH) },
	{ ".cat", "ClamAV formats not run", CLAM(MDE__CK_AUTH) },
	{ ".pdb", "ClamAV formats not run", CLAM(MDE__CK_PHISH) },
	{ ".gdb", "ClamAV formats not run", CLAM(MDE__CK_PHISH) },
	{ ".wdb", "ClamAV formats not run", CLAM(MDE__CK_PHISH) },
	/* ClamAV's database containers: checked whole, then each member is
	 * loaded by its own row (defs_cvd.c); a bundle keeps them as they
	 * are, signed by ClamAV, and checks them again when it loads */
	{ ".cvd", "ClamAV databases", CLAMDB },
	{ ".cld", "ClamAV databases", CLAMDB },
	{ ".cud", "ClamAV databases", CLAMDB },
	{ ".yar", "YARA rules", YARA },
	{ ".yara", "YARA rules", YARA },
	{ ".yarc", "compiled YARA rules", .kind = MDE__DK_YARA,
	  .load = load_yarc },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

/* ------------------------------------------------------------- lookups */

static int fits(const char *pattern, const char *name)
{
	const char *base, *dot;
	size_t n, k;

	if (pattern[0] == '.') {
		dot = strrchr(name, '.');
		return dot && strcmp(dot, pattern) == 0;
	}
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	n = strlen(base);
	k = strlen(pattern) - 1;
	if (pattern[k] == '*') /* "start*" */
		return strncasecmp(base, pattern, k) == 0;
	return n >= k && strcasecmp(base + n - k, pattern + 1) == 0;
}

const mde__defs_fmt *mde__defs_fmt_next(const mde__defs_fmt *prev,
					const char *name)
{
	size_t i = prev ? (size_t)(prev - formats) + 1 : 0;

	for (; name && i < NFORMATS; i++)
		if (fits(formats[i].pattern, name))
			return &formats[i];
	return NULL;
}

const mde__defs_fmt *mde__defs_fmt_of(const char *name, const void *buf,
				      size_t len)
{
	const mde__defs_fmt *f = NULL;

	while ((f = mde__defs_fmt_next(f, name)))
		if (!f->sniff || f->sniff(buf, len))
			return f;
	return NULL;
}

const mde__defs_fmt *mde__defs_fmt_source(const char *name)
{
	const mde__defs_fmt *f = NULL;

	while ((f = mde__defs_fmt_next(f, name)))
		if (f->part == MDE__P_SOURCE)
			return f;
	return NULL;
}

void mde__defs_fmt_bundled(char *out, size_t n)
{
	const char *last = NULL;
	size_t i, at = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < NFORMATS && at < n; i++) {
		if (!formats[i].part)
			continue;
		if (last && strcmp(last, formats[i].what) == 0)
			w = snprintf(out + at, n - at, " %s",
				     formats[i].pattern);
		else
			w = snprintf(out + at, n - at, "%s%s %s",
				     last ? ", " : "", formats[i].what,
				     formats[i].pattern);
		at += w > 0 ? (size_t)w : 0;
		last = formats[i].what;
	}
}

int mde__ioc_kind_of_name(const char *name)
{
	const mde__defs_fmt *f = mde__defs_fmt_next(NULL, name);

	return f && f->kind == MDE__DK_IOC ? f->arg : 0;
}
