/*
 * util.c - status strings and the diagnostic helper shared by the parsers.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "mde_int.h"

const char *mde_status_str(int status)
{
	switch (status) {
	case MDE_OK: return "success";
	case MDE_ERR_NOMEM: return "out of memory";
	case MDE_ERR_IO: return "input/output error";
	case MDE_ERR_FORMAT: return "bad format";
	case MDE_ERR_ARG: return "invalid argument";
	case MDE_ERR_STATE: return "not allowed in this state";
	case MDE_ERR_COMPILE: return "signatures failed to compile";
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

