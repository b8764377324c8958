/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_yaracache.c - libFuzzer harness for the reader of the compiled-
 * YARA cache file (lib/yaracache.c): its header, the replayed compile
 * diagnostics, and the framing of the rule sets and prefilters it holds,
 * read at load and later when a file first needs them.
 *
 * What is fuzzed stops at the gate: libyara's loader of compiled rules
 * (yr_rules_load_stream) and Vectorscan's (hs_deserialize_database) are
 * not safe against hostile bytes; upstream says compiled rules must be
 * trusted.  Both are wrapped (-Wl,--wrap): the wrapper reads every byte
 * it is handed (so ASan sees a blob cut outside the file) and passes on
 * only blobs this harness made itself at start-up, refusing the rest as
 * the real loader would refuse a damaged one.  The cache file's own check
 * is an unkeyed XXH3-64, which anyone able to write the file can redo:
 * what keeps hostile bytes from libyara is that the file is the user's
 * own (mde__yara_load).
 *
 * Input: one byte of flags, then the file.  Bit 0 clear: the harness
 * rewrites the file's last 8 bytes with the XXH3-64 of the rest, so that
 * mutations get past the checksum; bit 1: prefilters off.
 * Checks what holds for any input:
 *   - load, materialize and every lazy subset and prefilter read return
 *     a status (no crash, no leak, nothing read outside the file);
 *   - a replayed diagnostic reaches the callback escaped (printable
 *     ASCII only): the file's strings are untrusted text;
 *   - a file that fails to materialize leaves no subset and no prefilter.
 *
 * MDE_FUZZ_SEEDS=DIR: the harness writes its seeds (cache files of the
 * rules below, with and without pre-selection) into DIR at start-up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hs/hs.h>
#include <xxhash.h>
#include <yara.h>

#include "yarastage_int.h"

static const char rules[] =
	"rule mz { strings: $a = \"This program\" condition: "
	"uint16(0) == 0x5a4d and $a }\n"
	"rule elf { strings: $a = \"/bin/sh\" condition: "
	"uint32(0) == 0x464c457f and $a }\n"
	"rule any_text { strings: $a = \"fuzz-marker\" $b = \"other\" "
	"condition: any of them }\n"
	"rule sized { strings: $a = \"big\" condition: $a and "
	"filesize < 100 }\n"
	/* not filterable: the parts scanned always */
	"rule nostr { condition: filesize == 12345 }\n"
	"rule re { strings: $a = /ab+c/ condition: $a }\n";

/* ------------------------------------------------- the wrapped loaders */

#define NTRUST 64

static uint64_t trusted[NTRUST];
static size_t ntrusted;
static int recording = 1; /* start-up: what is loaded now is ours */

static int trust(const void *p, size_t n)
{
	uint64_t h = XXH3_64bits(p, n);
	size_t i;

	if (recording && ntrusted < NTRUST) {
		trusted[ntrusted++] = h;
		return 1;
	}
	for (i = 0; i < ntrusted; i++)
		if (trusted[i] == h)
			return 1;
	return 0;
}

int __real_yr_rules_load_stream(YR_STREAM *st, YR_RULES **rules);
hs_error_t __real_hs_deserialize_database(const char *bytes, size_t len,
					  hs_database_t **db);

int __wrap_yr_rules_load_stream(YR_STREAM *st, YR_RULES **out)
{
	struct memstream m = { 0 };
	YR_STREAM copy = { .user_data = &m, .read = mde__ymem_read };
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, got;
	int rc = ERROR_INVALID_FILE;

	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if (!(nb = realloc(buf, cap)))
				goto out;
			buf = nb;
		}
		got = st->read(buf + len, 1, cap - len, st->user_data);
		len += got;
	} while (got);
	if (trust(buf, len)) {
		m.p = buf;
		m.len = len;
		rc = __real_yr_rules_load_stream(&copy, out);
	}
out:
	free(buf);
	return rc;
}

hs_error_t __wrap_hs_deserialize_database(const char *bytes, size_t len,
					  hs_database_t **db)
{
	if (!trust(bytes, len))
		return HS_INVALID;
	return __real_hs_deserialize_database(bytes, len, db);
}

/* ------------------------------------------------------------ loading */

static void on_diag(void *ctx, const char *file, unsigned line,
		    const char *sig, const char *msg)
{
	const char *s[3] = { file, sig, msg };
	const unsigned char *p;
	size_t i;

	(void)ctx, (void)line;
	for (i = 0; i < 3; i++)
		for (p = (const unsigned char *)s[i]; p && *p; p++)
			if (*p < 0x20 || *p >= 0x7f)
				abort();
}

/* Loads the file p[0..n) as mde__yara_load does, and every part of it. */
static void load(const uint8_t *p, size_t n, int pf_off)
{
	mde__diag d = { on_diag, NULL, 0 };
	mde__yara *y = mde__yara_new();
	uint8_t *buf = malloc(n ? n : 1);
	YR_RULES *r;
	size_t k;
	int rc;

	if (!y || !buf)
		goto out;
	memcpy(buf, p, n);
	mde__yara_set_prefilter(y, !pf_off);
	if (mde__yara_load_mem(y, buf, n, 1, &d) != MDE_OK)
		goto out;
	buf = NULL; /* y's now */
	rc = mde__yara_materialize(y);
	for (k = 0; k < NSLOT; k++) {
		if (mde__yara_sub(y, k, &r) != MDE_OK && r)
			abort();
		if (k < NSUB)
			(void)mde__yara_pf(y, k);
	}
	if (rc != MDE_OK)
		for (k = 0; k < NSLOT; k++)
			if (y->sub[k] || (k <= NSUB && y->pf[k]))
				abort();
out:
	free(buf);
	mde__yara_free(y);
}

/* ---------------------------------------------------------- start-up */

static void write_seed(const char *dir, const char *name, const uint8_t *p,
		       size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(0, f) == EOF || fwrite(p, 1, n, f) != n ||
	    fclose(f) != 0)
		abort();
}

/* Compiles the rules, saves them as the cache would, and loads the file
 * once, recording the blobs as trusted. */
static void make_file(int presel, const char *seeds)
{
	mde__yara *y = mde__yara_new();
	char err[256];
	uint8_t *p = NULL;
	size_t n = 0;

	if (!y)
		abort();
	mde__yara_set_preselect(y, presel);
	if (mde__yara_add_source(y, "fuzz.yar", rules, sizeof(rules) - 1) ||
	    mde__yara_add_source(y, "bad.yar", "rule { bad", 10) ||
	    mde__yara_compile(y, NULL, err, sizeof(err)) != MDE_OK ||
	    mde__yara_save_mem(y, &p, &n) != MDE_OK)
		abort();
	mde__yara_free(y);
	load(p, n, 0);
	if (seeds)
		write_seed(seeds, presel ? "presel" : "single", p, n);
	free(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("MDE_FUZZ_SEEDS");

	(void)argc, (void)argv;
	yr_initialize(); /* kept: each mde__yara_new() is then cheap */
	make_file(1, seeds);
	make_file(0, seeds);
	recording = 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;
	uint64_t h;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	p = malloc(n ? n : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, n);
	if (!(data[0] & 1) && n >= 24) {
		h = XXH3_64bits(p, n - 8);
		memcpy(p + n - 8, &h, 8);
	}
	load(p, n, data[0] & 2);
	free(p);
	return 0;
}
