/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault.c - the quarantine vault (layout and guarantees in vault.h): its
 * directory and entries, listed, read, removed and purged, and the
 * helpers the other files of the vault share (vault_int.h).
 *
 * Every operation works through descriptors: the vault directory, the
 * entry directory, the original's parent directory, so that a path is
 * resolved once.  An entry only becomes visible by a rename of its
 * finished, fsync'ed, verified temporary directory; removals go the other
 * way (rename to a temporary name first), so nothing half-made is ever
 * listed.  Temporary directories are flock'ed by the process working in
 * them: purge removes only those nobody holds, i.e. leftovers of a crash.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vault_int.h"
#include "banned.h"

/* ----------------------------------------------------------- helpers */

/* Appends "; reason" (or the reason) to err: warnings accumulate. */
void vault__warn(char *err, size_t len, const char *fmt, ...)
{
	size_t used = err ? strnlen(err, len) : 0;
	va_list ap;

	if (!err || used + 3 >= len)
		return;
	if (used) {
		memcpy(err + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(err + used, len - used, fmt, ap);
	va_end(ap);
}

ssize_t vault__read_some(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

int vault__valid_id(const char *id)
{
	size_t i;

	for (i = 0; i < VAULT_ID_LEN; i++)
		if (!id[i] || !strchr("0123456789abcdef", id[i]))
			return 0;
	return id[i] == '\0';
}

/* Splits path into a new directory string and a pointer to its base. */
char *vault__split_path(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*base = path;
		return strdup(".");
	}
	*base = slash + 1;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

void vault__close_fds(int a, int b)
{
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
}

/* ----------------------------------------------------- the vault dir */

/*
 * Opens the vault directory; create: make it if missing and tighten its
 * mode to 0700.  Returns the descriptor, -1 on error, -2 when it does not
 * exist (and create is 0).
 */
int vault__open(const char *dir, int create, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (!dir || !*dir)
		return tool_errf(err, errlen, -1, "no vault directory given");
	if (create && tool_mkdirs(dir, 0700) < 0)
		return tool_errf(err, errlen, -1, "cannot make vault '%s': %s",
				 dir, strerror(errno));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !create)
		return -2;
	if (fd < 0)
		return tool_errf(err, errlen, -1, "cannot open vault '%s': %s",
				 dir, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
		close(fd);
		return tool_errf(err, errlen, -1,
				 "vault '%s' is not owned by uid %u", dir,
				 (unsigned)geteuid());
	}
	if (create && (st.st_mode & 077) && fchmod(fd, 0700) < 0) {
		close(fd);
		return tool_errf(err, errlen, -1, "cannot chmod vault '%s': %s",
				 dir, strerror(errno));
	}
	return fd;
}

/* Opens the directory of entry id; VAULT_NOTFOUND when there is none. */
static int entry_open(int vfd, const char *vdir, const char *id, int *efd,
		      char *err, size_t errlen)
{
	if (!id || !vault__valid_id(id))
		return tool_errf(err, errlen, VAULT_NOTFOUND,
				 "no entry '%s' in vault '%s' (an id is %d hex "
				 "digits)", id ? id : "", vdir, VAULT_ID_LEN);
	*efd = openat(vfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			       O_CLOEXEC);
	if (*efd >= 0)
		return VAULT_OK;
	if (errno == ENOENT)
		return tool_errf(err, errlen, VAULT_NOTFOUND,
				 "no entry '%s' in vault '%s'", id, vdir);
	return tool_errf(err, errlen, VAULT_ERR,
			 "cannot open entry '%s/%s': %s", vdir, id,
			 strerror(errno));
}

/* Removes the files in temporary directory name and the directory;
 * nonblock: leave it alone if a live process holds its lock. */
int vault__tmp_remove(int vfd, const char *name, int nonblock)
{
	int lfd, dfd, rc = 0;
	struct dirent *de;
	DIR *d;

	lfd = openat(vfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);
	if (lfd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(lfd, LOCK_EX | (nonblock ? LOCK_NB : 0)) < 0) {
		close(lfd);
		return nonblock && errno == EWOULDBLOCK ? 1 : -1;
	}
	dfd = dup(lfd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		close(lfd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unlinkat(lfd, de->d_name, 0) < 0 && errno != ENOENT)
			rc = -1;
	closedir(d);
	if (unlinkat(vfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	close(lfd);
	return rc;
}

/* Makes entry id invisible (renamed to .tmp-rm-ID, made durable), then
 * deletes it. */
int vault__entry_delete(int vfd, const char *vdir, const char *id,
			char *err, size_t errlen)
{
	char tmp[sizeof TMP_PREFIX "rm-" + VAULT_ID_LEN];
	int r;

	snprintf(tmp, sizeof tmp, TMP_PREFIX "rm-%s", id);
	r = renameat(vfd, id, vfd, tmp);
	if (r < 0 && errno == ENOENT)
		return tool_errf(err, errlen, VAULT_NOTFOUND,
				 "no entry '%s' in vault '%s'", id, vdir);
	if (r < 0 || fsync(vfd) < 0 || vault__tmp_remove(vfd, tmp, 0) < 0)
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot remove entry '%s/%s': %s", vdir, id,
				 strerror(errno));
	return VAULT_OK;
}

/* Opens the vault and entry id and reads its meta into e. */
int vault__entry_load(const char *vdir, const char *id, int *vfd, int *efd,
		      struct vault_entry *e, char *err, size_t errlen)
{
	int rc;

	memset(e, 0, sizeof *e);
	*efd = -1;
	*vfd = vault__open(vdir, 0, err, errlen);
	if (*vfd == -2)
		return tool_errf(err, errlen, VAULT_NOTFOUND,
				 "no entry '%s' in vault '%s'", id ? id : "",
				 vdir);
	if (*vfd < 0)
		return VAULT_ERR;
	rc = entry_open(*vfd, vdir, id, efd, err, errlen);
	if (rc == VAULT_OK)
		rc = vault__meta_read(*efd, vdir, id, e, err, errlen);
	return rc;
}

/* ------------------------------------------ get, list, remove, purge */

int vault_get(const char *vault_dir, const char *id, struct vault_entry *e,
	      char *err, size_t errlen)
{
	int vfd, efd, rc;

	rc = vault__entry_load(vault_dir, id, &vfd, &efd, e, err, errlen);
	vault__close_fds(vfd, efd);
	return rc;
}

/* The names in directory vfd, into names (zeroed first; empty again
 * on error), so that the caller may change the directory: 0, or -1
 * with errno. */
static int names_read(int vfd, struct tool_strv *names)
{
	struct dirent *de;
	int dfd = dup(vfd), rc = 0;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

	memset(names, 0, sizeof(*names));
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	rewinddir(d);
	while (rc == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = tool_strv_push(names, de->d_name);
	closedir(d);
	if (rc < 0)
		tool_strv_free(names);
	return rc;
}

/* Opens vault vdir (*vfd; -1 when it does not exist) and reads its
 * names: VAULT_OK (a missing vault has none) or VAULT_ERR. */
static int names_open(const char *vdir, int *vfd, struct tool_strv *names,
		      char *err, size_t errlen)
{
	memset(names, 0, sizeof(*names));
	*vfd = vault__open(vdir, 0, err, errlen);
	if (*vfd < 0)
		return *vfd == -2 ? VAULT_OK : VAULT_ERR;
	if (names_read(*vfd, names) < 0)
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot read vault '%s': %s", vdir,
				 strerror(errno));
	return VAULT_OK;
}

static int by_time(const void *a, const void *b)
{
	const struct vault_entry *x = a, *y = b;

	if (x->quarantined.tv_sec != y->quarantined.tv_sec)
		return x->quarantined.tv_sec < y->quarantined.tv_sec ? -1 : 1;
	if (x->quarantined.tv_nsec != y->quarantined.tv_nsec)
		return x->quarantined.tv_nsec < y->quarantined.tv_nsec ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Reads entry name of vfd into e (zeroed first); a vanished entry is
 * VAULT_NOTFOUND. */
static int list_one(int vfd, const char *vdir, const char *name,
		    struct vault_entry *e, char *err, size_t errlen)
{
	int efd, rc;

	memset(e, 0, sizeof(*e));
	rc = entry_open(vfd, vdir, name, &efd, err, errlen);
	if (rc != VAULT_OK)
		return rc;
	rc = vault__meta_read(efd, vdir, name, e, err, errlen);
	close(efd);
	return rc;
}

int vault_list(const char *vault_dir, struct vault_entry **out, size_t *n,
	       char *err, size_t errlen)
{
	struct vault_entry *v = NULL, *nv, e;
	struct tool_strv names;
	char why[1024];
	int vfd, rc, r;
	size_t i, cap = 0;

	*out = NULL;
	*n = 0;
	rc = names_open(vault_dir, &vfd, &names, err, errlen);
	for (i = 0; i < names.n && rc != VAULT_ERR; i++) {
		if (!vault__valid_id(names.v[i]))
			continue; /* .tmp-*: not finished, or being removed */
		r = list_one(vfd, vault_dir, names.v[i], &e, why, sizeof why);
		if (r == VAULT_NOTFOUND)
			continue; /* removed meanwhile */
		if (r != VAULT_OK) {
			if (rc == VAULT_OK)
				tool_errf(err, errlen, 0, "%s", why);
			rc = VAULT_WARN;
			continue;
		}
		if (!(nv = tool_grow(v, &cap, *n + 1, sizeof *v))) {
			vault_entry_release(&e);
			rc = tool_errf(err, errlen, VAULT_ERR, "out of memory");
			break;
		}
		v = nv;
		v[(*n)++] = e;
	}
	tool_strv_free(&names);
	if (vfd >= 0)
		close(vfd);
	if (rc == VAULT_ERR) {
		vault_entries_free(v, *n);
		*n = 0;
		return rc;
	}
	if (v)
		qsort(v, *n, sizeof *v, by_time);
	*out = v;
	return rc;
}

int vault_remove(const char *vault_dir, const char *id, char *err,
		 size_t errlen)
{
	int vfd, rc;

	vfd = vault__open(vault_dir, 0, err, errlen);
	if (vfd == -2 || (vfd >= 0 && (!id || !vault__valid_id(id))))
		rc = tool_errf(err, errlen, VAULT_NOTFOUND,
			       "no entry '%s' in vault '%s'", id ? id : "",
			       vault_dir);
	else if (vfd < 0)
		rc = VAULT_ERR;
	else
		rc = vault__entry_delete(vfd, vault_dir, id, err, errlen);
	if (vfd >= 0)
		close(vfd);
	return rc;
}

int vault_purge(const char *vault_dir, time_t cutoff, size_t *removed,
		char *err, size_t errlen)
{
	struct vault_entry e;
	struct tool_strv names;
	char why[1024];
	int vfd, rc, r;
	size_t i, count = 0;

	if (removed)
		*removed = 0;
	rc = names_open(vault_dir, &vfd, &names, err, errlen);
	for (i = 0; i < names.n; i++) {
		const char *name = names.v[i];

		if (!strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX))) {
			r = vault__tmp_remove(vfd, name, 1);
			if (r < 0)
				vault__warn(err, errlen,
					    "cannot remove '%s/%s': %s",
					    vault_dir, name, strerror(errno));
			rc = r < 0 ? VAULT_WARN : rc;
			continue;
		}
		if (!vault__valid_id(name))
			continue;
		r = list_one(vfd, vault_dir, name, &e, why, sizeof why);
		if (r == VAULT_OK && e.quarantined.tv_sec <= cutoff)
			r = vault__entry_delete(vfd, vault_dir, name, why,
						sizeof why);
		else if (r == VAULT_OK)
			r = VAULT_NOTFOUND; /* kept */
		if (r == VAULT_OK)
			count++;
		else if (r != VAULT_NOTFOUND) {
			vault__warn(err, errlen, "%s", why);
			rc = VAULT_WARN;
		}
		vault_entry_release(&e);
	}
	tool_strv_free(&names);
	if (vfd >= 0)
		close(vfd);
	if (removed)
		*removed = count;
	return rc;
}
