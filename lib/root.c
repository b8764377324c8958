/* SPDX-License-Identifier: Apache-2.0 */
/*
 * root.c - scanning inside a root directory (a mounted image): start
 * paths, and symbolic links followed during the walk, are resolved with
 * openat2(2) RESOLVE_IN_ROOT from a descriptor of the root, so that an
 * absolute link or one climbing with "../" ends inside the image, as the
 * image's own system would see it, never on the host.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "engine_int.h"
#include "banned.h"

static int openat2_in(int rootfd, const char *path, int flags)
{
	struct open_how how;
	int fd, tries = 0;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a rename raced with the resolution; the kernel asks to
	 * retry */
	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 8);
	return fd;
}

static void root_clear(mde_engine *e)
{
	if (e->rootfd >= 0)
		close(e->rootfd);
	free(e->root);
	e->rootfd = -1;
	e->root = NULL;
	e->rootlen = 0;
}

int mde_engine_set_root(mde_engine *e, const char *root)
{
	char *real = NULL;
	int fd = -1, t, rc = MDE_OK;

	if (e->running)
		return MDE_ERR_STATE;
	root_clear(e);
	if (!root)
		return MDE_OK;
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(real = realpath(root, NULL))) {
		snprintf(e->err, sizeof(e->err), "cannot open root '%s': %s",
			 root, strerror(errno));
		rc = MDE_ERR_IO;
		goto out;
	}
	t = openat2_in(fd, ".", O_PATH);
	if (t < 0) {
		snprintf(e->err, sizeof(e->err), "cannot resolve in root '%s': %s",
			 root, errno == ENOSYS ? "the kernel lacks openat2"
					       : strerror(errno));
		rc = errno == ENOSYS ? MDE_ERR_STATE : MDE_ERR_IO;
		goto out;
	}
	close(t);
	e->rootfd = fd;
	e->root = real;
	e->rootlen = strcmp(real, "/") ? strlen(real) : 0;
	fd = -1;
	real = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(real);
	return rc;
}

void mde__root_free(mde_engine *e)
{
	root_clear(e);
}

int mde__root_open(mde_engine *e, const char *path, int flags, int *noatime)
{
	int fd;

	if (noatime)
		*noatime = 1;
	if (flags & O_PATH)
		return openat2_in(e->rootfd, path, flags);
	fd = openat2_in(e->rootfd, path, flags | O_NOATIME);
	if (fd >= 0 || errno != EPERM)
		return fd;
	fd = openat2_in(e->rootfd, path, flags);
	if (fd >= 0) {
		atomic_fetch_add(&e->atime_risk, 1);
		if (noatime)
			*noatime = 0;
	}
	return fd;
}

const char *mde__root_inner(const mde_engine *e, const char *path)
{
	const char *p = path + e->rootlen;

	return *p ? p : "/";
}

/* True when p is the root or a path below it. */
static int under_root(const mde_engine *e, const char *p)
{
	if (p[0] != '/')
		return 0;
	return e->rootlen == 0 || (strncmp(p, e->root, e->rootlen) == 0 &&
				   (p[e->rootlen] == '/' || !p[e->rootlen]));
}

int mde__root_path(mde_engine *e, int fd, const char *inner, mde__buf *b)
{
	char link[64], host[PATH_MAX];
	ssize_t n;

	b->len = 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = fd >= 0 ? readlink(link, host, sizeof(host) - 1) : -1;
	if (n > 0 && (size_t)n < sizeof(host) - 1) {
		host[n] = '\0';
		if (under_root(e, host))
			return mde__buf_put(b, host, (size_t)n);
	}
	/* no /proc, or a path the kernel shows otherwise (deleted, too
	 * long): the lexical one, which is under the root too */
	if (mde__buf_put(b, e->root, e->rootlen) != MDE_OK)
		return MDE_ERR_NOMEM;
	if (strcmp(inner, "/") == 0)
		return e->rootlen ? MDE_OK : mde__buf_put(b, "/", 1);
	return mde__buf_put(b, inner, strlen(inner));
}
