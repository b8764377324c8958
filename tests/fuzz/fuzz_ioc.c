/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ioc.c - libFuzzer harness for the Loki IOC parser and matcher.
 *
 * Input: one byte choosing the kind (its value mod 3: hash IOCs,
 * false-positive hashes, file-name regexes; bit 2: caseless regexes),
 * then the file (not NUL terminated).  The set is finalized, digests taken
 * from the input are looked up and a few paths, one of them the input's
 * tail, are matched.  Checks invariants that hold for any input:
 *   - no more entries than lines;
 *   - a lookup never finds a false-positive hash in a set loaded from a
 *     hash IOC file, nor an IOC in one loaded from a false-positive list;
 *     what it finds has a comment and a score in range;
 *   - every match has a pattern, a description, a line and a score in
 *     range;
 *   - the names mdesig list shows are no more than the lines and hold no
 *     line break.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "ioc.h"

static const int kinds[3] = { MDE__IOC_HASH, MDE__IOC_FPHASH,
			      MDE__IOC_FILENAME };

static int hexv(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes the first 2 * n bytes of s[0..len) as hex; 0 on failure. */
static int first_hex(const uint8_t *s, size_t len, uint8_t *out, size_t n)
{
	size_t i;

	if (len < 2 * n)
		return 0;
	for (i = 0; i < n; i++) {
		int hi = hexv(s[2 * i]), lo = hexv(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return 0;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

static void probe_hashes(const mde__iocs *s, int kind, const uint8_t *data,
			 size_t size)
{
	const uint8_t *dgs[MDE__NHASH] = { 0 };
	uint8_t dg[MDE__NHASH][32];
	mde__iochash hit;
	const char *c;
	int t, score, v;

	for (t = 0; t < MDE__NHASH; t++) {
		if (!first_hex(data, size, dg[t], mde__hash_len(t)))
			continue;
		dgs[t] = dg[t];
		c = NULL;
		v = mde__iocs_lookup_hash(s, t, dg[t], &score, &c);
		if (v != MDE__IOC_NONE && !c)
			__builtin_trap();
		if ((v == MDE__IOC_FP && kind != MDE__IOC_FPHASH) ||
		    (v == MDE__IOC_HIT && kind != MDE__IOC_HASH))
			__builtin_trap();
		if (v == MDE__IOC_HIT && (score < MDE__IOC_SCORE_MIN ||
					  score > MDE__IOC_SCORE_MAX))
			__builtin_trap();
	}
	v = mde__iocs_lookup_file(s, dgs, &hit);
	if (v == MDE__IOC_HIT && (!hit.comment || hit.type < 0 ||
				  hit.type >= MDE__NHASH))
		__builtin_trap();
}

static int on_match(void *ctx, const mde__iocmatch *m)
{
	(void)ctx;
	if (!m->pattern[0] || !m->description || !m->file || m->line == 0 ||
	    m->score < MDE__IOC_SCORE_MIN || m->score > MDE__IOC_SCORE_MAX)
		__builtin_trap();
	(void)strlen(m->description);
	return 0;
}

static void probe_names(const mde__iocs *s, const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"/", "/tmp/.x/svchost.exe", "/var/www/html/shell.php",
		"/home/u/\xc3\xa4\xff.kirbi",
	};
	mde__iocscratch *sc = mde__iocscratch_new(s);
	size_t i, tail = size < 96 ? size : 96;

	if (!sc)
		return;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		(void)mde__iocs_match_name(s, sc, paths[i], strlen(paths[i]),
					   on_match, NULL);
	(void)mde__iocs_match_name(s, sc, (const char *)data + size - tail,
				   tail, on_match, NULL);
	mde__iocscratch_free(sc);
}

static uint64_t lines(const uint8_t *data, size_t size)
{
	uint64_t n = 1;
	size_t i;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void on_name(void *ctx, unsigned line, const char *name)
{
	(void)line;
	if (strchr(name, '\n'))
		__builtin_trap();
	(*(size_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__iocs *s;
	mde__diag d = { 0 };
	mde__ioc_counts c;
	size_t nnames = 0;
	int kind;

	if (size < 1)
		return 0;
	kind = kinds[data[0] % 3];
	s = mde__iocs_new();
	if (!s)
		return 0;
	mde__iocs_set_caseless(s, data[0] & 4);
	data++;
	size--;
	mde__iocs_names(kind, (const char *)data, size, on_name, &nnames);
	if (nnames > lines(data, size))
		__builtin_trap();
	if (mde__iocs_parse(s, kind, "fuzz", (const char *)data, size, &d) !=
		    MDE_OK ||
	    mde__iocs_finalize(s) != MDE_OK)
		goto out;
	mde__iocs_counts(s, &c);
	if (c.hash[0] + c.hash[1] + c.hash[2] + c.fphash + c.filename >
	    lines(data, size))
		__builtin_trap();
	if (kind == MDE__IOC_FILENAME)
		probe_names(s, data, size);
	else
		probe_hashes(s, kind, data, size);
	(void)mde__iocs_memory(s);
out:
	mde__iocs_free(s);
	return 0;
}
