/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_load.c - reading the configuration: the file, then its drop-ins
 * PATH.d/[!.]*.conf in byte order of their names (mdecfg.h).  A file or
 * directory others may write is refused: it could exclude anything.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "banned.h"

/* The whole of file into *buf (malloc'd); 0, 1 if missing, -1 on error. */
static int slurp(const char *file, char **buf, size_t *len, char *err,
		 size_t errlen)
{
	struct stat st;
	ssize_t r;
	size_t got = 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = -1;

	*buf = NULL;
	*len = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return tool_errf(err, errlen, -1, "%s: %s", file,
				 strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		tool_errf(err, errlen, -1, "%s: %s", file, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		tool_errf(err, errlen, -1, "%s: not a regular file", file);
	} else if (st.st_mode & S_IWOTH) {
		tool_errf(err, errlen, -1, "%s: writable by others; not used",
			  file);
	} else if ((uint64_t)st.st_size > MDECFG_FILE_MAX) {
		tool_errf(err, errlen, -1, "%s: larger than %u bytes", file,
			  MDECFG_FILE_MAX);
	} else if (!(*buf = malloc((size_t)st.st_size + 1))) {
		tool_errf(err, errlen, -1, "%s: out of memory", file);
	} else {
		/* read to EOF, at most the limit: the file may grow */
		size_t want = (size_t)st.st_size + 1;

		while ((r = read(fd, *buf + got, want - got)) > 0 &&
		       (got += (size_t)r) < want)
			;
		if (r < 0)
			tool_errf(err, errlen, -1, "%s: %s", file,
				  strerror(errno));
		else if (got > (size_t)st.st_size)
			tool_errf(err, errlen, -1, "%s: changed while read",
				  file);
		else
			rc = 0;
	}
	close(fd);
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	*len = got;
	return rc;
}

static int load_file(struct mdecfg *c, const char *file, int missing_ok,
		     char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc = slurp(file, &buf, &len, err, errlen);

	if (rc == 1 && !missing_ok)
		tool_errf(err, errlen, -1, "%s: %s", file, strerror(ENOENT));
	if (rc == 1)
		return missing_ok ? 0 : -1;
	if (rc == 0)
		rc = mdecfg_parse(c, file, buf, len, err, errlen);
	free(buf);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is name a drop-in: "*.conf", not hidden? */
static int dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* The drop-in names of dir, sorted, into names (zeroed first; none when
 * dir does not exist): 0, or -1 with the reason in err. */
static int list_dropins(const char *dir, struct tool_strv *names, char *err,
			size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	int rc = 0;

	memset(names, 0, sizeof(*names));
	if (!d && errno == ENOENT)
		return 0;
	if (!d)
		return tool_errf(err, errlen, -1, "%s: %s", dir,
				 strerror(errno));
	if (fstat(dirfd(d), &st) == 0 && (st.st_mode & S_IWOTH) &&
	    !(st.st_mode & S_ISVTX))
		rc = tool_errf(err, errlen, -1,
			       "%s: writable by others; not used", dir);
	while (rc == 0 && (de = readdir(d)))
		if (dropin_name(de->d_name) &&
		    tool_strv_push(names, de->d_name) < 0)
			rc = tool_errf(err, errlen, -1, "%s: out of memory",
				       dir);
	closedir(d);
	if (rc < 0)
		tool_strv_free(names);
	else if (names->n)
		qsort(names->v, names->n, sizeof(*names->v), by_name);
	return rc;
}

int mdecfg_load_dropins(struct mdecfg *cfg, const char *path, char *err,
			size_t errlen)
{
	size_t dl = strlen(path) + 3, i;
	char *dir = malloc(dl), *file;
	struct tool_strv names;
	int rc;

	if (!dir)
		return tool_errf(err, errlen, -1, "%s: out of memory", path);
	snprintf(dir, dl, "%s.d", path);
	rc = list_dropins(dir, &names, err, errlen);
	for (i = 0; rc == 0 && i < names.n; i++) {
		file = tool_path_join(dir, names.v[i]);
		if (!file)
			rc = tool_errf(err, errlen, -1, "%s: out of memory",
				       dir);
		else
			rc = load_file(cfg, file, 1, err, errlen);
		free(file);
	}
	tool_strv_free(&names);
	free(dir);
	return rc;
}

struct mdecfg *mdecfg_load(const char *path, int missing_ok, char *err,
			   size_t errlen)
{
	struct mdecfg *c = mdecfg_new();

	if (!c) {
		tool_errf(err, errlen, -1, "%s: out of memory", path);
		return NULL;
	}
	if (load_file(c, path, missing_ok, err, errlen) < 0 ||
	    mdecfg_load_dropins(c, path, err, errlen) < 0) {
		mdecfg_free(c);
		return NULL;
	}
	return c;
}

const char *mdecfg_path_from_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}
