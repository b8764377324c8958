/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_scope.c - which files are the watcher's: a mark covers a
 * whole mount or filesystem, so an event may be for a file outside every
 * --path; and the exclusions (mdescan's, mdescan.conf(5)) and
 * --exclude-process leave files alone.
 */
#include "config.h"

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

/* --exclude-path, --exclude-dir, --exclude-ext: the engine's matcher,
 * so that a file scans leave out is left alone here too. */
int scope_excluded_path(const char *path)
{
	return mde_exclusions_match(W.o->excl, path);
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
