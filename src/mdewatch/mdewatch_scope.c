/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_scope.c - which files are the watcher's: a mark covers a
 * whole mount or filesystem, so an event may be for a file outside every
 * --path; and --exclude-path and --exclude-process leave files alone.
 */
#include "config.h"

#include <fnmatch.h>
#include <limits.h>
#include <string.h>

#include "mdewatch_watch.h"
#include "banned.h"

int scope_in(const char *path)
{
	size_t i, n;

	for (i = 0; i < W.o->npaths; i++) {
		const char *p = W.o->paths[i];

		n = strlen(p);
		if (n == 1 && p[0] == '/')
			return 1;
		if (strncmp(path, p, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return 1;
	}
	return 0;
}

/* --exclude-path: a glob pattern (fnmatch, '*' crosses '/') or, without
 * wildcards, a file or a directory and everything below it. */
int scope_excluded_path(const char *path)
{
	size_t i, n;

	for (i = 0; i < W.o->nexcl_path; i++) {
		const char *x = W.o->excl_path[i];

		if (strpbrk(x, "*?[")) {
			if (fnmatch(x, path, 0) == 0)
				return 1;
			continue;
		}
		n = strlen(x);
		while (n > 1 && x[n - 1] == '/')
			n--;
		if (strncmp(path, x, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/' || x[n - 1] == '/'))
			return 1;
	}
	return 0;
}

/* --exclude-process: the executable now (a process may have exec'd
 * another program since its last event, so this is read every time). */
int scope_excluded_process(pid_t pid)
{
	char exe[PATH_MAX];
	size_t i;

	if (!W.o->nexcl_proc || proc_exe(pid, exe, sizeof(exe)) < 0)
		return 0;
	pst_seen(pid, exe);
	for (i = 0; i < W.o->nexcl_proc; i++)
		if (strcmp(exe, W.o->excl_proc[i]) == 0)
			return 1;
	return 0;
}
