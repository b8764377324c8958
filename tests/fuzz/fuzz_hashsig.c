/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_hashsig.c - libFuzzer harness for the hash-signature parser.
 *
 * The input is parsed as one definitions file (the name picks no format:
 * every line form is accepted), the table finalized, and a few lookups
 * made, including one of a hash taken from the input itself.  The low
 * bits of the first byte say whether the file is an unofficial source and
 * whether such names get ".UNOFFICIAL" (hashsig_src.c).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "mde_int.h"

/* Decodes the first 2 * n hex digits of s[0..len) into out; 0 on failure. */
static int first_hex(const uint8_t *s, size_t len, uint8_t *out, size_t n)
{
	size_t i;
	int hi = 0, lo;

	if (len < 2 * n)
		return 0;
	for (i = 0; i < 2 * n; i++) {
		int c = s[i] | 0x20;

		if (s[i] >= '0' && s[i] <= '9')
			lo = s[i] - '0';
		else if (c >= 'a' && c <= 'f')
			lo = c - 'a' + 10;
		else
			return 0;
		if (i % 2 == 0)
			hi = lo;
		else
			out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

static void probe(const mde__hashsigs *h, const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = { 0, 1, 68, 4096, UINT64_MAX - 1 };
	uint8_t dg[32] = { 0 };
	const char *name;
	size_t i;
	int t;

	for (t = 0; t < MDE__NHASH; t++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			(void)mde__hashsigs_want(h, t, sizes[i]);
			name = mde__hashsigs_lookup(h, t, dg, sizes[i]);
			if (name && !*name)
				__builtin_trap(); /* names are never empty */
		}
		if (first_hex(data, size, dg, mde__hash_len(t))) {
			name = mde__hashsigs_lookup(h, t, dg, 68);
			if (name)
				(void)strlen(name);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__hashsigs *h = mde__hashsigs_new();
	mde__diag d = { 0 };
	unsigned src = size && (data[0] & 1) ? MDE__HS_UNOFFICIAL : 0;

	if (!h)
		return 0;
	mde__hashsigs_set_unofficial(h, size && (data[0] & 2));
	if (mde__hashsigs_parse_src(h, "fuzz.hsb", (const char *)data, size,
				    src, &d) == MDE_OK &&
	    mde__hashsigs_finalize(h) == MDE_OK) {
		if (mde__hashsigs_memory(h) == 0)
			__builtin_trap();
		probe(h, data, size);
	}
	mde__hashsigs_free(h);
	return 0;
}
