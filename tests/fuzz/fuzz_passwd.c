/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_passwd.c - libFuzzer harness for the reader of an image's
 * /etc/passwd and /etc/group (owners_parse_ids in src/mdescan/owners.c):
 * the files of evidence under --root are untrusted input.
 *
 * Checks what holds for any input: every name given out is 1 to 256
 * bytes long, lies inside the input, holds no ':', newline or NUL, and
 * is followed by ':'; the count returned is the number of calls.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "owners.h"

struct ctx {
	const char *buf;
	size_t len, calls;
};

static void check(void *p, uint32_t id, const char *name, size_t n)
{
	struct ctx *c = p;

	(void)id;
	if (n == 0 || n > 256 || name < c->buf || name + n >= c->buf + c->len)
		abort();
	if (memchr(name, ':', n) || memchr(name, '\n', n) ||
	    memchr(name, '\0', n) || name[n] != ':')
		abort();
	c->calls++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { (const char *)data, size, 0 };

	if (owners_parse_ids((const char *)data, size, check, &c) != c.calls)
		abort();
	return 0;
}
