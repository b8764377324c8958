/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_misc.c - the ClamAV formats that are not pattern languages:
 *   .mdb .msb (.mdu .msu)  Size:Hash:Name[:FL...]  PE section hashes
 *                          (MD5; SHA-1 or SHA-256 by length), Size may
 *                          be * (with a functionality level of 73 up)
 *   .imp                   Hash:Size:Name  import-table hashes
 *   .fp .sfp               Hash:Size:Name  allow lists (file hashes)
 *   .ign .ign2             names whose detections are dropped
 * and the formats read but not run, counted per kind: .cdb .ftm .cfg
 * lines, .cbc files, .idb .crb .cat .pdb .gdb .wdb lines.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clamav_int.h"
#include "banned.h"

static int hexdig(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hex digest: its type by length, or -1. */
static int parse_digest(const char *s, uint8_t *out)
{
	size_t n = strlen(s);
	int type = n == 32 ? MDE__MD5 : n == 40 ? MDE__SHA1 :
		   n == 64 ? MDE__SHA256 : -1;

	for (size_t i = 0; type >= 0 && i < n; i += 2) {
		int hi = hexdig((unsigned char)s[i]);
		int lo = hexdig((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return type;
}

static int parse_size(const char *s, uint64_t *v)
{
	char *end;

	if (!strcmp(s, "*")) {
		*v = UINT64_MAX;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

static int add_shash(mde__clam *c, int kind, const struct cl_shash *h)
{
	(void)kind; /* import hashes; section hashes are hashsig.c's */
	if (mde__grow((void **)&c->imp, &c->capimp, c->nimp + 1,
		      sizeof(*c->imp)))
		return MDE_ERR_NOMEM;
	c->imp[c->nimp++] = *h;
	return MDE_OK;
}

/* One .mdb/.msb (size first) or .imp (hash first) line. */
static int shash_line(mde__clam *c, const char *file, unsigned line,
		      char *text, int src, mde__diag *d, int kind)
{
	char *f[6];
	size_t n = split(text, f, 6);
	struct cl_shash h = { 0 };
	const char *hs = kind == MDE__CK_MDB ? f[1] : f[0];
	const char *ss = kind == MDE__CK_MDB ? f[0] : f[1];
	int type;

	if (n < 3 || !f[2][0] ||
	    (type = parse_digest(n > 1 ? hs : "", h.dig)) < 0 ||
	    parse_size(ss, &h.size)) {
		mde__diagf(d, file, line, n >= 3 ? f[2] : NULL,
			   "expected %s", kind == MDE__CK_MDB ?
			   "Size:Hash:Name" : "Hash:Size:Name");
		return MDE_OK;
	}
	if (h.size == UINT64_MAX && (n < 4 || strtoul(f[3], NULL, 10) < 73)) {
		mde__diagf(d, file, line, f[2], "size '*' needs a "
			   "functionality level of 73 or more");
		return MDE_OK;
	}
	if (n >= 4 && cl_flevel_skip(f[3], n > 4 ? f[4] : NULL)) {
		c->unsup[CU_FLEVEL]++;
		return MDE_OK;
	}
	if (strlen(f[2]) > c->maxname)
		c->maxname = strlen(f[2]);
	if (kind == MDE__CK_MDB)
		return mde__hashsigs_add(c->sect[src & MDE__CLAM_SRC_PUA], type,
					 h.dig, h.size, f[2], strlen(f[2]),
					 src & MDE__CLAM_SRC_UNOFFICIAL ?
					 MDE__HS_UNOFFICIAL : 0, 0);
	h.type = (uint8_t)type;
	h.pua = (src & MDE__CLAM_SRC_PUA) != 0;
	h.unofficial = (src & MDE__CLAM_SRC_UNOFFICIAL) != 0;
	h.name = (uint32_t)(c->names.len + 1);
	if ((!c->names.len && mde__buf_put(&c->names, "", 1)) ||
	    mde__buf_put(&c->names, f[2], strlen(f[2]) + 1))
		return MDE_ERR_NOMEM;
	h.name = (uint32_t)(c->names.len - strlen(f[2]) - 1);
	return add_shash(c, kind, &h);
}

static int mdb_line(mde__clam *c, const char *file, unsigned line,
		    char *text, int src, mde__diag *d)
{
	return shash_line(c, file, line, text, src, d, MDE__CK_MDB);
}

static int imp_line(mde__clam *c, const char *file, unsigned line,
		    char *text, int src, mde__diag *d)
{
	return shash_line(c, file, line, text, src, d, MDE__CK_IMP);
}

static int ign_line(mde__clam *c, const char *file, unsigned line,
		    char *text, int src, mde__diag *d)
{
	char *f[4], *name;
	size_t n = split(text, f, 4);

	(void)file, (void)line, (void)src, (void)d;
	/* .ign: db:line:name; .ign2: name[:md5] */
	name = n == 3 ? f[2] : f[0];
	if (mde__grow((void **)&c->ign, &c->capign, c->nign + 1,
		      sizeof(*c->ign)) || !(c->ign[c->nign] = strdup(name)))
		return MDE_ERR_NOMEM;
	c->nign++;
	return MDE_OK;
}

static uint64_t count_lines(const char *buf, size_t len)
{
	uint64_t n = 0;
	int in = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			in = 0;
		} else if (!in && buf[i] != '\r') {
			in = 1;
			n += buf[i] != '#';
		}
	}
	return n;
}

/* Counts a file of a kind read and not run under its summary line: a
 * .cbc is one bytecode signature, the others one per line.  MDE_OK, or
 * MDE_ERR_ARG for a kind that is none of these. */
static int count_unsup(mde__clam *c, int kind, const char *buf, size_t len)
{
	static const struct {
		int kind, which;
	} unsup[] = {
		{ MDE__CK_CDB, CU_CDB },   { MDE__CK_FTM, CU_FTM },
		{ MDE__CK_CFG, CU_CFG },   { MDE__CK_CBC, CU_BYTECODE },
		{ MDE__CK_IDB, CU_ICON },  { MDE__CK_AUTH, CU_AUTHENTICODE },
		{ MDE__CK_PHISH, CU_PHISH },
	};
	size_t i;

	for (i = 0; i < sizeof(unsup) / sizeof(unsup[0]); i++)
		if (unsup[i].kind == kind)
			break;
	if (i == sizeof(unsup) / sizeof(unsup[0]))
		return MDE_ERR_ARG;
	c->unsup[unsup[i].which] += unsup[i].which == CU_BYTECODE
					    ? 1 : count_lines(buf, len);
	return MDE_OK;
}

int cl_misc_parse(mde__clam *c, int kind, int src, const char *file,
		  const char *buf, size_t len, mde__diag *d)
{
	switch (kind) {
	case MDE__CK_MDB:
		return cl_each_line(c, file, buf, len, src, d, mdb_line);
	case MDE__CK_IMP:
		return cl_each_line(c, file, buf, len, src, d, imp_line);
	case MDE__CK_IGN:
		return cl_each_line(c, file, buf, len, src, d, ign_line);
	case MDE__CK_FP:
		return mde__hashsigs_parse(c->fp, file, buf, len, d);
	}
	return count_unsup(c, kind, buf, len);
}
