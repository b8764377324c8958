/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.c - status strings and the diagnostic helper shared by the parsers.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mde_int.h"
#include "banned.h"

const char *mde_status_str(int status)
{
	switch (status) {
#define STATUS_TEXT(name, value, text) case name: return text;
	MDE_STATUS_LIST(STATUS_TEXT)
#undef STATUS_TEXT
	}
	return "unknown status";
}

void mde__diagf(mde__diag *d, const char *file, unsigned line,
		const char *signame, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!d)
		return;
	__atomic_fetch_add(&d->count, 1, __ATOMIC_RELAXED);
	if (!d->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->fn(d->ctx, file, line, signame, msg);
}

int mde__buf_put(mde__buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return MDE_ERR_NOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return MDE_OK;
}

/* Grows *p (cap elements of elem bytes) to hold need; -1 on no memory. */
int mde__grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}
