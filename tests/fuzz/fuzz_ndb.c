/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ndb.c - libFuzzer harness of the .ndb parser and matcher: the
 * input is parsed as an .ndb file, compiled, and used to scan a fixed
 * buffer and the input itself, as every target type.  Its signature
 * names are listed too (mdesig list): none holds ':' or '\n', their
 * lines only grow, and there are no more of them than lines.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mde_int.h"

static int on_match(void *ctx, const char *name)
{
	(*(unsigned *)ctx)++;
	return 0;
}

static void scan_all(const mde__bytesigs *b, mde__bytescratch *s,
		     const uint8_t *buf, size_t len)
{
	static const int targets[] = { MDE__T_ANY, MDE__T_PE, MDE__T_ELF,
				       MDE__T_MACHO };
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (mde__bytesigs_scan(b, s, buf, len, targets[i], on_match,
				       &n) != MDE_OK)
			__builtin_trap();
}

struct names {
	size_t n;
	unsigned last;
};

static void on_name(void *ctx, unsigned line, const char *name)
{
	struct names *nm = ctx;

	if (strchr(name, ':') || strchr(name, '\n') ||
	    line <= nm->last)
		__builtin_trap();
	nm->last = line;
	nm->n++;
}

static void check_names(const uint8_t *data, size_t size)
{
	struct names nm = { 0, 0 };
	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	mde__bytesigs_names((const char *)data, size, on_name, &nm);
	if (nm.n > lines)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fixed[] =
		"\x7f" "ELF\x02\x01\x01" "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"\x00\x01\x02\x03\x90\x90\xcc\xcc\xff\xfe" "MZ\x90\x00"
		"0123456789abcdefABCDEF";
	mde__diag d = { 0 };
	mde__bytesigs *b = mde__bytesigs_new();
	mde__bytescratch *s = NULL;
	char err[256];

	check_names(data, size);
	if (!b)
		return 0;
	if (mde__bytesigs_parse(b, "fuzz.ndb", (const char *)data, size,
				&d) != MDE_OK ||
	    mde__bytesigs_compile(b, &d, err, sizeof(err)) != MDE_OK)
		goto out;
	s = mde__bytescratch_new(b);
	if (!s)
		goto out;
	scan_all(b, s, (const uint8_t *)fixed, sizeof(fixed) - 1);
	scan_all(b, s, data, size);
	(void)mde__bytesigs_count(b);
	(void)mde__bytesigs_memory(b);
out:
	mde__bytescratch_free(s);
	mde__bytesigs_free(b);
	return 0;
}
