/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_bytesig.c - compile time and scan throughput of the byte-signature
 * module with random signatures shaped like real .ndb ones.
 *
 * usage: bench_bytesig [nsigs [megabytes [dir]]]
 *   nsigs      signatures to generate (default 5000): 16-40 hex bytes,
 *              ~30% with ??, {n-m} or *, ~20% anchored at fixed offsets
 *   megabytes  buffer size (default 256), filled with the files of dir
 *              (default /usr/bin) concatenated, repeated if needed
 * prints: sigs=N compile_ms=X scan_mb_s=Y (wall clock), then the same
 * two figures from the thread's CPU time (steadier on a busy machine)
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mde_int.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static size_t put(char *p, size_t cap, size_t n, const char *s)
{
	size_t l = strlen(s);

	if (n + l < cap) {
		memcpy(p + n, s, l);
		p[n + l] = '\0';
		n += l;
	}
	return n;
}

static size_t put_hexbytes(char *p, size_t cap, size_t n, unsigned k)
{
	char t[3];

	for (unsigned i = 0; i < k; i++) {
		snprintf(t, sizeof(t), "%02x", rnd(256));
		n = put(p, cap, n, t);
	}
	return n;
}

/* One random wildcard item between literal parts. */
static size_t put_wild(char *p, size_t cap, size_t n)
{
	char t[32];
	unsigned a = rnd(8), b = a + 1 + rnd(24);

	switch (rnd(4)) {
	case 0:
		return put(p, cap, n, "??");
	case 1:
		snprintf(t, sizeof(t), "{%u-%u}", a, b);
		return put(p, cap, n, t);
	case 2:
		return put(p, cap, n, "*");
	}
	snprintf(t, sizeof(t), "{%u}", b);
	return put(p, cap, n, t);
}

static size_t put_sig(char *p, size_t cap, size_t n, unsigned i)
{
	char t[64];
	unsigned len = 16 + rnd(25), wild = rnd(10) < 3;

	snprintf(t, sizeof(t), "Bench.Sig-%u:%u:", i, rnd(4) ? 0 : 1);
	n = put(p, cap, n, t);
	if (rnd(10) < 2)
		snprintf(t, sizeof(t), "%u%s:", rnd(8192),
			 rnd(2) ? "" : ",64");
	else
		snprintf(t, sizeof(t), "*:");
	n = put(p, cap, n, t);
	if (wild) {
		n = put_hexbytes(p, cap, n, len / 2);
		n = put_wild(p, cap, n);
		n = put_hexbytes(p, cap, n, len - len / 2);
	} else {
		n = put_hexbytes(p, cap, n, len);
	}
	return put(p, cap, n, "\n");
}

static size_t read_file(const char *path, uint8_t *buf, size_t room)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return 0;
	while (n < room && (r = read(fd, buf + n, room - n)) > 0)
		n += (size_t)r;
	close(fd);
	return n;
}

static void fill(uint8_t *buf, size_t len, const char *dir)
{
	char path[4096];
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;

	while (d && n < len && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			n += read_file(path, buf + n, len - n);
	}
	if (d)
		closedir(d);
	for (size_t i = n; i < len; i++)
		buf[i] = n ? buf[i % n] : (uint8_t)rnd(256);
}

static int count_match(void *ctx, const char *name)
{
	(*(unsigned *)ctx)++;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned nsigs = argc > 1 ? (unsigned)atoi(argv[1]) : 5000;
	size_t mb = argc > 2 ? (size_t)atoi(argv[2]) : 256;
	const char *dir = argc > 3 ? argv[3] : "/usr/bin";
	size_t cap = (size_t)nsigs * 200 + 1, n = 0, len = mb << 20;
	char *text = malloc(cap), err[256];
	uint8_t *buf = malloc(len);
	mde__diag d = { 0 };
	mde__bytesigs *b = mde__bytesigs_new();
	mde__bytescratch *s;
	unsigned matches = 0;
	double t0, t1, t2, c0, c1, c2;

	if (!text || !buf || !b)
		return 1;
	for (unsigned i = 0; i < nsigs; i++)
		n = put_sig(text, cap, n, i);
	fill(buf, len, dir);
	t0 = now_ms();
	c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
	if (mde__bytesigs_parse(b, "bench.ndb", text, n, &d) != MDE_OK ||
	    mde__bytesigs_compile(b, &d, err, sizeof(err)) != MDE_OK) {
		fprintf(stderr, "compile failed: %s\n", err);
		return 1;
	}
	t1 = now_ms();
	c1 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
	s = mde__bytescratch_new(b);
	if (!s || mde__bytesigs_scan(b, s, buf, len, MDE__T_ELF, count_match,
				     &matches) != MDE_OK)
		return 1;
	t2 = now_ms();
	c2 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
	printf("sigs=%llu compile_ms=%.0f scan_mb_s=%.0f cpu_compile_ms=%.0f "
	       "cpu_scan_mb_s=%.0f matches=%u diags=%llu\n",
	       (unsigned long long)mde__bytesigs_count(b), t1 - t0,
	       (double)mb / ((t2 - t1) / 1e3), c1 - c0,
	       (double)mb / ((c2 - c1) / 1e3), matches,
	       (unsigned long long)d.count);
	mde__bytescratch_free(s);
	mde__bytesigs_free(b);
	free(buf);
	free(text);
	return 0;
}
