/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_exclude.c - libFuzzer harness for the exclusion matcher.
 *
 * Input: one byte choosing the kind (path, dir, ext), the pattern up to
 * the first NUL, then the path (the rest, not NUL terminated).  Besides
 * running every entry point, checks invariants that hold for any input:
 *   - a directory excluded as a whole excludes every file below it;
 *   - a wildcard-free path pattern excludes the file it names;
 *   - a path pattern matches the path made from it by reading each '?'
 *     as "x" and each '*' as nothing;
 *   - an extension excludes "/f.EXT".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exclude.h"

/* May s[0..n) be handed to the matchers as a canonical path (absolute,
 * no repeated or trailing '/')? */
static int canonical(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] != '/' || (n > 1 && s[n - 1] == '/'))
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] == '/' && s[i - 1] == '/')
			return 0;
	return 1;
}

/* Every file below an excluded directory is excluded. */
static void check_below(const mde__excl *x, const char *p, size_t n)
{
	char *q;

	if (!canonical(p, n) || !mde__excl_dir(x, p, n))
		return;
	q = malloc(n + 3);
	if (!q)
		return;
	memcpy(q, p, n);
	memcpy(q + (n > 1 ? n : 0), "/f", 2);
	if (!mde__excl_file(x, q, (n > 1 ? n : 0) + 2))
		abort();
	free(q);
}

/* A file named "/f.EXT" is excluded by extension EXT. */
static void check_ext(const mde__excl *x, int kind, const char *pat)
{
	size_t n;
	char *q;

	if (kind != MDE_EXCL_EXT)
		return;
	pat += pat[0] == '*' ? 2 : pat[0] == '.';
	n = strlen(pat);
	q = malloc(n + 3);
	if (!q)
		return;
	memcpy(q, "/f.", 3);
	memcpy(q + 3, pat, n);
	if (!mde__excl_file(x, q, n + 3))
		abort();
	free(q);
}

/* The pattern with its wildcards filled in must match. */
static void check_self(const mde__excl *x, int kind, const char *pat)
{
	size_t n = strlen(pat), o = 0, i;
	char *q;

	if (kind != MDE_EXCL_PATH || n < 2 || pat[n - 1] == '/')
		return;
	q = malloc(n + 1);
	if (!q)
		return;
	for (i = 0; i < n; i++)
		if (pat[i] != '*')
			q[o++] = pat[i] == '?' ? 'x' : pat[i];
	if (o > 1 && canonical(q, o) && !mde__excl_file(x, q, o))
		abort();
	free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul, *path;
	char *pat;
	size_t plen, n;
	mde__excl *x;
	int kind;

	if (size < 1)
		return 0;
	kind = MDE_EXCL_PATH + data[0] % 3;
	data++;
	size--;
	nul = memchr(data, '\0', size);
	plen = nul ? (size_t)(nul - (const char *)data) : size;
	path = nul ? nul + 1 : (const char *)data + size;
	n = size - plen - (nul != NULL);
	x = mde__excl_new();
	pat = malloc(plen + 1);
	if (!x || !pat)
		goto out;
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	if (mde__excl_add(x, kind, pat) != MDE_OK)
		goto out;
	(void)mde__excl_file(x, path, n);
	(void)mde__excl_dir(x, path, n);
	check_below(x, path, n);
	check_self(x, kind, pat);
	check_ext(x, kind, pat);
out:
	free(pat);
	mde__excl_free(x);
	return 0;
}
