/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_cache.c - libFuzzer harness for the scan cache's record decoder
 * (decode() in lib/cache.c): a record is read back from an LMDB file in
 * the user's cache directory, which may have been tampered with.
 *
 * The codec is static (the lookups inline it), so cache.c is included
 * here rather than widened with a test-only entry point.  The input is
 * one stored value.  Checks what holds for any input:
 *   - a record taken has at most MDE__CACHE_MAXFIND findings, each with
 *     a stage and a name, a kind in range, every string and member chain
 *     inside the record and NUL terminated, nlayers the chain's names;
 *   - encode() of what was decoded gives back the same bytes: the record
 *     format has one spelling, so what the next put writes, the next
 *     lookup reads the same.
 */
#include "cache.c"

static int inside(const char *s, const uint8_t *p, size_t len)
{
	return !s || ((const uint8_t *)s >= p && (const uint8_t *)s < p + len &&
		      memchr(s, 0, (size_t)(p + len - (const uint8_t *)s)));
}

static void check_find(const mde__cfind *f, const uint8_t *p, size_t len)
{
	unsigned layers = 0;
	size_t k;

	if (!f->stage || !f->name || f->kind < MDE__CF_FINDING ||
	    f->kind > MDE__CF_AUDIT || !inside(f->stage, p, len) ||
	    !inside(f->name, p, len) || !inside(f->ns, p, len) ||
	    !inside(f->description, p, len) || !inside(f->author, p, len) ||
	    !inside(f->reason, p, len) || !inside(f->packer, p, len))
		abort();
	if (!f->chain != !f->chainlen)
		abort();
	if (f->chain && ((const uint8_t *)f->chain < p ||
			 (const uint8_t *)f->chain + f->chainlen > p + len ||
			 f->chain[f->chainlen - 1] != 0))
		abort();
	for (k = 0; k < f->chainlen; k++)
		layers += f->chain[k] == 0;
	if (layers != f->nlayers)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	MDB_val mv = { size, (void *)data };
	mde__cval *v = calloc(1, sizeof(*v));
	uint8_t *back;
	size_t i, n;

	if (!v)
		return 0;
	if (decode(&mv, v)) {
		if (v->nfind > MDE__CACHE_MAXFIND)
			abort();
		for (i = 0; i < v->nfind; i++)
			check_find(&v->find[i], data, size);
		n = encode(v, NULL);
		back = malloc(n);
		if (n != size || !back)
			abort();
		encode(v, back);
		if (memcmp(back, data, size) != 0)
			abort();
		free(back);
	}
	free(v);
	return 0;
}
