/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fault.c - the parser cage's test-only fault hook (issue 21), never
 * part of the library: built by `make check` as tests/cage/libfault.so
 * and preloaded by tests/cli/t-cage.sh.  The library calls
 * mde__fault_hook() (a weak symbol, NULL unless this is loaded) where
 * the container stage starts parsing a file; a file that begins with
 * "MDESCAN-TEST-FAULT:" makes it misbehave as an exploited parser would:
 *
 *   null         dereference NULL
 *   open:PATH    open(PATH) and read it (/etc/shadow, a canary)
 *   exec         execve("/bin/sh")
 *   alloc        allocate and touch memory without bound, unchecked
 *   loop         loop forever
 *   sleep:N      sleep N seconds (to look at a worker while it lives)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void mde__fault_hook(const uint8_t *buf, size_t len);

/* A sanitizer build must not catch the faults first: its report would be
 * the error (reading /proc/self/exe, which the filter refuses), not the
 * fault itself.  So no instrumentation here, and no memset (its
 * interceptor checks the range). */
#define RAW __attribute__((no_sanitize("address", "undefined")))

static const char tag[] = "MDESCAN-TEST-FAULT:";

/* The argument after "kind:", up to the end of the line, into out. */
static void arg(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < n && i + 1 < outlen && p[i] != '\n'; i++)
		out[i] = p[i];
	out[i] = '\0';
}

static void do_open(const char *path)
{
	char b[4096];
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		/* a real exploit would send it somewhere */
		while (read(fd, b, sizeof(b)) > 0)
			;
		close(fd);
	}
}

static RAW void touch(volatile char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 4096) /* unchecked, as in the wild */
		p[i] = (char)0xa5;
}

static RAW void null_store(void)
{
	volatile int *volatile p = NULL;

	*p = 1;
}

/* The zygote's: with MDESCAN_TEST_ZYGOTE_STALL=PATH, the first zygote
 * asked for a worker while PATH does not exist makes it and stops
 * answering, as one whose fork copied a lock held would; the next one
 * answers. */
void mde__zygote_fault_hook(void);
void mde__zygote_fault_hook(void)
{
	const char *p = getenv("MDESCAN_TEST_ZYGOTE_STALL");
	int fd;

	if (!p || !*p)
		return;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	close(fd);
	for (;;)
		pause();
}

RAW void mde__fault_hook(const uint8_t *buf, size_t len)
{
	const char *k = (const char *)buf + sizeof(tag) - 1;
	size_t n;
	char a[256];

	if (len < sizeof(tag) - 1 || memcmp(buf, tag, sizeof(tag) - 1))
		return;
	n = len - (sizeof(tag) - 1);
	if (n >= 4 && !memcmp(k, "null", 4)) {
		null_store();
	} else if (n >= 5 && !memcmp(k, "open:", 5)) {
		arg(k + 5, n - 5, a, sizeof(a));
		do_open(a);
	} else if (n >= 4 && !memcmp(k, "exec", 4)) {
		char *argv[] = { (char *)"sh", NULL };

		execve("/bin/sh", argv, NULL);
	} else if (n >= 5 && !memcmp(k, "alloc", 5)) {
		for (;;)
			touch(malloc(16u << 20), 16u << 20);
	} else if (n >= 4 && !memcmp(k, "loop", 4)) {
		for (volatile unsigned long i = 0;; i++)
			;
	} else if (n >= 6 && !memcmp(k, "sleep:", 6)) {
		struct timespec ts = { 0, 0 };

		arg(k + 6, n - 6, a, sizeof(a));
		ts.tv_sec = atoi(a);
		nanosleep(&ts, NULL);
	}
}
