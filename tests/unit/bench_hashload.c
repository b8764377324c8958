/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_hashload.c - times loading N random SHA-256 .hsb signatures.
 *
 *	bench_hashload [N]	(default 1000000)
 *
 * Builds N lines "HEX64:SIZE:Bench.Sig-<i>" in memory (random digests,
 * random sizes below 16 MiB, every name distinct: a worst case for the
 * size set and the name pool), then times mde__hashsigs_parse() plus
 * mde__hashsigs_finalize() and prints one line:
 *	hashsigs=N load_ms=X memory_bytes=Y
 * Writes no files.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mde_int.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* splitmix64: fast, and good enough for test data */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Appends one line for signature i at p; returns the end. */
static char *put_line(char *p, unsigned long i)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t w;
	int k, j;

	for (k = 0; k < 4; k++) {
		w = rng();
		for (j = 0; j < 16; j++, w >>= 4)
			*p++ = hex[w & 15];
	}
	p += snprintf(p, 64, ":%llu:Bench.Sig-%lu\n",
		      (unsigned long long)(rng() % (16u << 20)) + 1, i);
	return p;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	mde__hashsigs *h = NULL;
	mde__diag d = { 0 };
	char *buf, *p;
	double t0, t1;
	int ret = 1;
	unsigned long i;

	buf = malloc(n * 128 + 1);
	if (!buf)
		goto out;
	for (i = 0, p = buf; i < n; i++)
		p = put_line(p, i);
	h = mde__hashsigs_new();
	if (!h)
		goto out;
	t0 = now_ms();
	if (mde__hashsigs_parse(h, "bench.hsb", buf, (size_t)(p - buf), &d) ||
	    mde__hashsigs_finalize(h))
		goto out;
	t1 = now_ms();
	printf("hashsigs=%llu load_ms=%.1f memory_bytes=%llu\n",
	       (unsigned long long)mde__hashsigs_count(h), t1 - t0,
	       (unsigned long long)mde__hashsigs_memory(h));
	ret = d.count ? 1 : 0;
out:
	mde__hashsigs_free(h);
	free(buf);
	return ret;
}
