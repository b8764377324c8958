/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault_restore.c - putting an entry back: decoded into a temporary file
 * beside the destination, given the original's owner, mode, xattrs and
 * times, renamed into place (never over an existing file unless forced)
 * and only then removed from the vault: a crash leaves the entry, the
 * restored file, or both, never neither.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "safepath.h"
#include "util.h"
#include "vault_int.h"
#include "banned.h"

/* Where entry e goes: dest, dest/BASENAME, or its original path. */
static char *restore_target(const char *dest, const struct vault_entry *e)
{
	const char *base = strrchr(e->path, '/');
	struct stat st;

	if (!dest)
		return strdup(e->path);
	if (lstat(dest, &st) < 0 || !S_ISDIR(st.st_mode))
		return strdup(dest);
	return tool_path_join(dest, base ? base + 1 : e->path);
}

/* Owner, mode, xattrs, times of e onto fd; what fails is a warning. */
static void restore_attrs(int fd, const struct vault_entry *e,
			  const char *target, char *w, size_t wlen)
{
	struct timespec ts[2] = { e->atime, e->mtime };
	size_t i;

	if (fchown(fd, e->uid, e->gid) < 0)
		vault__warn(w, wlen,
			    "cannot restore the owner %u:%u of '%s': %s",
			    (unsigned)e->uid, (unsigned)e->gid, target,
			    strerror(errno));
	/* after chown, which clears set-id bits; before the ACL xattrs,
	 * which agree with this mode */
	if (fchmod(fd, e->mode) < 0)
		vault__warn(w, wlen, "cannot restore the mode %04o of '%s': %s",
			    (unsigned)e->mode, target, strerror(errno));
	for (i = 0; i < e->nxattrs; i++)
		if (fsetxattr(fd, e->xattrs[i].name, e->xattrs[i].value,
			      e->xattrs[i].len, 0) < 0)
			vault__warn(w, wlen,
				    "cannot restore the xattr %s of '%s': %s",
				    e->xattrs[i].name, target, strerror(errno));
	if (futimens(fd, ts) < 0)
		vault__warn(w, wlen, "cannot restore the times of '%s': %s",
			    target, strerror(errno));
}

/* Renames tmp to base in ddir; without force, never over a file. */
static int restore_place(int ddir, const char *tmp, const char *base,
			 int force)
{
	if (force)
		return renameat(ddir, tmp, ddir, base);
	if (renameat2(ddir, tmp, ddir, base, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* no RENAME_NOREPLACE on this filesystem: link(2) does not
	 * replace either */
	if (linkat(ddir, tmp, ddir, base, 0) < 0)
		return -1;
	unlinkat(ddir, tmp, 0);
	return 0;
}

/* Opens target's directory (*ddir) and makes the temporary file there:
 * its descriptor, or -1 (error), -2 (target exists), -3 (refused). */
static int restore_open(const char *target, unsigned flags, int *ddir,
			const char **base, char *tmp, size_t tmplen,
			char *err, size_t errlen)
{
	unsigned char rnd[8];
	char hex[17], why[PATH_MAX + 64];
	int fd;

	/* the file is created and renamed in this directory, whatever its
	 * path becomes after: none of it may be a link (safepath.h) */
	*ddir = safepath_openparent(target, base, why, sizeof why);
	if (*ddir < 0 && errno == ELOOP)
		return tool_errf(err, errlen, -3, "refusing to restore '%s': "
				 "%s", target, why);
	if (*ddir < 0)
		return tool_errf(err, errlen, -1, "cannot restore to '%s': %s",
				 target, errno == EINVAL ? "not a file name"
							 : strerror(errno));
	if (!(flags & VAULT_FORCE) &&
	    faccessat(*ddir, *base, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return tool_errf(err, errlen, -2, "'%s' already exists",
				 target);
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return tool_errf(err, errlen, -1, "getrandom: %s",
				 strerror(errno));
	tool_hex(rnd, sizeof rnd, hex);
	snprintf(tmp, tmplen, ".mdescan-restore-%s", hex);
	fd = openat(*ddir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				O_CLOEXEC, 0600);
	if (fd < 0)
		return tool_errf(err, errlen, -1, "cannot create a file beside "
				 "'%s': %s", target, strerror(errno));
	return fd;
}

/* Writes entry e (directory efd) to target through a temporary file. */
static int restore_write(int efd, const struct vault_entry *e,
			 const char *what, const char *target, unsigned flags,
			 char *err, size_t errlen)
{
	char tmp[64], w[2048] = "";
	const char *base;
	int ddir = -1, fd, rc;

	fd = restore_open(target, flags, &ddir, &base, tmp, sizeof tmp, err,
			  errlen);
	if (fd < 0) {
		vault__close_fds(ddir, -1);
		return fd == -2 ? VAULT_EXISTS
				: fd == -3 ? VAULT_REFUSED : VAULT_ERR;
	}
	rc = vault__dec_all(efd, e, fd, what, err, errlen);
	if (rc == VAULT_OK) {
		restore_attrs(fd, e, target, w, sizeof w);
		if (fsync(fd) < 0 ||
		    restore_place(ddir, tmp, base, flags & VAULT_FORCE) < 0) {
			int exists = errno == EEXIST;

			rc = tool_errf(err, errlen,
				       exists ? VAULT_EXISTS : VAULT_ERR,
				       "cannot restore to '%s': %s", target,
				       exists ? "it already exists"
					      : strerror(errno));
		}
	}
	if (rc != VAULT_OK) {
		unlinkat(ddir, tmp, 0);
	} else {
		fsync(ddir);
		if (*w)
			rc = tool_errf(err, errlen, VAULT_WARN, "%s", w);
	}
	vault__close_fds(fd, ddir);
	return rc;
}

int vault_restore(const char *vault_dir, const char *id, const char *dest,
		  unsigned flags, char *restored, size_t restoredlen,
		  char *err, size_t errlen)
{
	struct vault_entry e;
	char what[PATH_MAX + 64], *target = NULL;
	int vfd, efd, rc;

	if (err && errlen)
		*err = '\0';
	rc = vault__entry_load(vault_dir, id, &vfd, &efd, &e, err, errlen);
	if (rc == VAULT_OK && !(target = restore_target(dest, &e)))
		rc = tool_errf(err, errlen, VAULT_ERR, "out of memory");
	if (rc == VAULT_OK) {
		snprintf(what, sizeof what, "%s/%s", vault_dir, id);
		rc = restore_write(efd, &e, what, target, flags, err, errlen);
	}
	if (rc == VAULT_OK || rc == VAULT_WARN) {
		if (restored && restoredlen)
			snprintf(restored, restoredlen, "%s", target);
		/* a crash before this leaves both: never neither */
		if (vault__entry_delete(vfd, vault_dir, id, what, sizeof what))
			rc = tool_errf(err, errlen, VAULT_WARN,
				       "restored, but %s", what);
	}
	free(target);
	vault_entry_release(&e);
	vault__close_fds(vfd, efd);
	return rc;
}
