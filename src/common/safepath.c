/* SPDX-License-Identifier: Apache-2.0 */
/*
 * safepath.c - opening the directory root acts in without following a
 * symbolic link (safepath.h says which links and why all of them).  The
 * descriptor returned is the directory itself, so a swap after we return
 * changes nothing: the caller's *at() calls stay in it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HAVE_OPENAT2_H 1
#endif
#endif

#include "safepath.h"
#include "banned.h"

/* "'dir up to the end of the component': reason" into why. */
static int fail(char *why, size_t whylen, const char *dir, size_t upto,
		int err)
{
	if (why && whylen)
		snprintf(why, whylen, "'%.*s'%s%s", (int)upto, dir,
			 err == ELOOP ? " is a symbolic link" : ": ",
			 err == ELOOP ? "" : strerror(err));
	errno = err;
	return -1;
}

/*
 * Opens component name of directory fd, O_PATH: a link is opened itself,
 * not followed (O_NOFOLLOW without O_DIRECTORY), and fstat of what was
 * opened tells a link from a file: no second look at the name, which a
 * swap could answer differently.  The descriptor, or -1 and *err.
 */
static int walk_one(int fd, const char *name, int *err)
{
	struct stat st;
	int nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (nfd < 0) {
		*err = errno;
		return -1;
	}
	if (fstat(nfd, &st) < 0)
		*err = errno;
	else if (!S_ISDIR(st.st_mode))
		*err = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
	else
		return nfd;
	close(nfd);
	return -1;
}

/* Opens each component with O_PATH | O_NOFOLLOW from "/" or ".": what
 * openat2(RESOLVE_NO_SYMLINKS) does, one system call per component. */
int safepath_opendir_walk(const char *dir, char *why, size_t whylen)
{
	char name[NAME_MAX + 1];
	size_t i = 0, n;
	int fd, nfd, rc = -1, err = 0;

	if (!*dir)
		return fail(why, whylen, dir, 0, ENOENT);
	fd = open(*dir == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(why, whylen, dir, strlen(dir), errno);
	while (dir[i]) {
		while (dir[i] == '/')
			i++;
		n = strcspn(dir + i, "/");
		if (n == 0 || (n == 1 && dir[i] == '.')) {
			i += n;
			continue;
		}
		if (n > NAME_MAX) {
			err = ENAMETOOLONG;
			break;
		}
		memcpy(name, dir + i, n);
		name[n] = '\0';
		i += n;
		if ((nfd = walk_one(fd, name, &err)) < 0)
			break;
		close(fd);
		fd = nfd;
	}
	if (!err && (rc = openat(fd, ".", O_RDONLY | O_DIRECTORY |
				 O_CLOEXEC)) < 0)
		err = errno;
	close(fd);
	if (err)
		return fail(why, whylen, dir, i, err);
	return rc;
}

int safepath_opendir(const char *dir, char *why, size_t whylen)
{
#if defined(HAVE_OPENAT2_H) && defined(SYS_openat2)
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof how);

	if (fd >= 0)
		return (int)fd;
	/* any failure (ENOSYS on an old kernel, EPERM from a seccomp
	 * filter that does not know openat2, ELOOP without the name of
	 * the link): the walk is as safe, and names the component */
#endif
	return safepath_opendir_walk(dir, why, whylen);
}

int safepath_openparent(const char *path, const char **base, char *why,
			size_t whylen)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	*base = slash ? slash + 1 : path;
	if (!**base || !strcmp(*base, ".") || !strcmp(*base, ".."))
		return fail(why, whylen, path, strlen(path), EINVAL);
	if (!slash)
		return safepath_opendir(".", why, whylen);
	if (slash == path)
		return safepath_opendir("/", why, whylen);
	if (!(dir = strndup(path, (size_t)(slash - path))))
		return fail(why, whylen, path, strlen(path), ENOMEM);
	fd = safepath_opendir(dir, why, whylen);
	free(dir);
	return fd;
}

static int same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

int safepath_same(const struct stat *st, const struct safepath_id *id,
		  int content)
{
	if (st->st_dev != id->dev || st->st_ino != id->ino)
		return 0;
	return !content || (st->st_size == id->size &&
			    same_time(st->st_mtim, id->mtime) &&
			    same_time(st->st_ctim, id->ctime));
}
