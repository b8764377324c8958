/* SPDX-License-Identifier: Apache-2.0 */
/*
 * safepath.h - resolving a path that root is about to write or delete
 * through, without following a symbolic link in any component.  The one
 * helper that quarantine (vault_put), restore, export and the remove
 * action share.
 *
 * What "a path an attacker can swap" means here: any component that is a
 * symbolic link.  A user who owns a directory on the path can replace it
 * with a link at any moment, and telling an attacker's link from a
 * root-owned one (/var/run -> /run) needs lstat() of the link and of its
 * directory, checks that race with the very swap they guard against.  So
 * every link is refused, whoever owns it: act on the real path (/run,
 * not /var/run).  ".." is resolved by the kernel on the directory already
 * reached, so it is no way around this.
 */
#ifndef MDESCAN_SAFEPATH_H
#define MDESCAN_SAFEPATH_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* What a file was when it was scanned: an action's file must still be it. */
struct safepath_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/*
 * Opens directory dir (absolute, or relative to the working directory)
 * O_RDONLY | O_DIRECTORY, following no symbolic link in any component:
 * openat2(RESOLVE_NO_SYMLINKS), or a walk one component at a time where
 * the kernel has no openat2.  Returns the descriptor, or -1 with errno
 * set and the reason in why (may be NULL): ELOOP and "'/tmp/sy/x' is a
 * symbolic link" when a component is a link; else "'COMPONENT': strerror".
 */
int safepath_opendir(const char *dir, char *why, size_t whylen);

/* safepath_opendir() without openat2: the fallback, for the unit test. */
int safepath_opendir_walk(const char *dir, char *why, size_t whylen);

/*
 * Opens the directory holding path as safepath_opendir() does and points
 * *base at path's last component (inside path).  A last component that
 * is empty, "." or ".." names no file: -1, EINVAL.
 */
int safepath_openparent(const char *path, const char **base, char *why,
			size_t whylen);

/* Is st (an fstat of the file about to be acted on) still id: the same
 * device and inode, and when content, the same size, mtime and ctime? */
int safepath_same(const struct stat *st, const struct safepath_id *id,
		  int content);

#endif
