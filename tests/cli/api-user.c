/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-user.c - a third party's program: built with nothing but the
 * installed mdescan.h and `pkg-config --cflags --libs libmdescan`
 * (t-package.sh against a DESTDIR install, .ci/package against the
 * installed Debian packages).  Scans its arguments with the built-in
 * definitions and prints one line per finding; exit 0 clean, 1 found,
 * 2 error, as mdescan.
 */
#include <stdio.h>

#include <mdescan.h>

static void on_event(void *ctx, const mde_event *ev)
{
	int *found = ctx;

	if (ev->type == MDE_EV_FINDING) {
		printf("%s: %s FOUND\n", ev->path, ev->name);
		*found = 1;
	} else if (ev->type == MDE_EV_ERROR) {
		printf("%s: %s ERROR\n", ev->path, ev->reason);
	}
}

int main(int argc, char **argv)
{
	mde_defs *defs = mde_defs_new();
	mde_engine *e = NULL;
	mde_summary sum;
	int found = 0, rc = 2, i;

	if (!defs || mde_defs_load_builtin(defs) != MDE_OK ||
	    mde_defs_compile(defs) != MDE_OK) {
		fprintf(stderr, "api-user: definitions: %s\n",
			defs ? mde_defs_error(defs) : "out of memory");
		goto out;
	}
	e = mde_engine_new(defs);
	if (!e || mde_engine_set_opt(e, MDE_OPT_THREADS, 1) != MDE_OK ||
	    mde_engine_begin(e, on_event, &found) != MDE_OK)
		goto out;
	for (i = 1; i < argc; i++)
		mde_engine_submit(e, argv[i]);
	if (mde_engine_end(e, &sum) != MDE_OK)
		goto out;
	printf("files %llu, infected %llu, errors %llu\n",
	       (unsigned long long)sum.files,
	       (unsigned long long)sum.infected,
	       (unsigned long long)sum.errors);
	rc = found ? 1 : sum.errors ? 2 : 0;
out:
	mde_engine_free(e);
	mde_defs_free(defs);
	return rc;
}
