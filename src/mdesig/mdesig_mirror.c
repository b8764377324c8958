/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdesig_mirror.c - a mirror directory, as `mdescan definitions update
 * --from DIR|URL` reads it (mdesig(1), MIRRORS):
 *
 *	DIR/index                    what is there (rewritten by rename)
 *	DIR/full/VERSION.mdb         the newest --keep full bundles
 *	DIR/delta/FROM-TO.mdb        deltas from each kept older version to
 *	                             the newest
 *
 * index lines: "mdescan-mirror 1", then
 *	full VERSION PATH SIZE DIGEST
 *	delta FROM TO PATH SIZE DIGEST
 * The index is not signed: it only says where things are; every bundle
 * is checked by its own signature on the endpoint.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdesig.h"
#include "util.h"
#include "banned.h"

struct kept {
	uint64_t version;
	char path[4500];
};

static int cmp_ver(const void *a, const void *b)
{
	uint64_t x = ((const struct kept *)a)->version;
	uint64_t y = ((const struct kept *)b)->version;

	return (x > y) - (x < y);
}

/* The full bundles in dir/full, oldest first. */
static int list_full(const char *dir, struct kept **out, size_t *n)
{
	char d[4200];
	struct dirent *de;
	struct kept *v = NULL, *nv;
	mde_bundle_info bi;
	char err[512];
	DIR *dp;
	size_t cap = 0;

	*n = 0;
	snprintf(d, sizeof(d), "%s/full", dir);
	if (!(dp = opendir(d)))
		return tool_fail("cannot open '%s': %s", d, strerror(errno));
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".mdb"))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			if (!(nv = realloc(v, cap * sizeof(*v))))
				break;
			v = nv;
		}
		snprintf(v[*n].path, sizeof(v[*n].path), "%s/%s", d,
			 de->d_name);
		if (mde_bundle_check(v[*n].path, NULL, &bi, err,
				     sizeof(err)) == MDE_OK && !bi.delta) {
			v[*n].version = bi.version;
			(*n)++;
		}
	}
	closedir(dp);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_ver);
	*out = v;
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char tmp[4300], buf[1 << 16];
	FILE *in = fopen(from, "rb"), *out = NULL;
	size_t r;
	int ok = in != NULL;

	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	if (ok)
		ok = (out = fopen(tmp, "wb")) != NULL;
	while (ok && (r = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = fwrite(buf, 1, r, out) == r;
	ok = ok && !ferror(in) && fflush(out) == 0 && fsync(fileno(out)) == 0;
	if (out)
		ok = fclose(out) == 0 && ok;
	if (in)
		fclose(in);
	if (ok && rename(tmp, to) == 0)
		return 0;
	unlink(tmp);
	return tool_fail("cannot copy '%s' to '%s': %s", from, to,
			 strerror(errno));
}

static int index_line(FILE *fp, const char *dir, const char *rel,
		      const char *kind, uint64_t from)
{
	char path[4200], err[512];
	mde_bundle_info bi;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (mde_bundle_check(path, NULL, &bi, err, sizeof(err)) != MDE_OK)
		return tool_fail("%s", err);
	if (!strcmp(kind, "full"))
		fprintf(fp, "full %" PRIu64 " %s %" PRIu64 " %s\n", bi.version,
			rel, bi.size, bi.digest);
	else
		fprintf(fp, "delta %" PRIu64 " %" PRIu64 " %s %" PRIu64 " %s\n",
			from, bi.version, rel, bi.size, bi.digest);
	return 0;
}

/* Rewrites dir/index for the kept full bundles k[0..n), newest last. */
static int write_index(const char *dir, const struct kept *k, size_t n)
{
	char tmp[4200], idx[4200], rel[256];
	uint64_t latest = k[n - 1].version;
	FILE *fp;
	size_t i;
	int rc = 0;

	snprintf(tmp, sizeof(tmp), "%s/index.tmp", dir);
	snprintf(idx, sizeof(idx), "%s/index", dir);
	if (!(fp = fopen(tmp, "w")))
		return tool_fail("cannot write '%s': %s", tmp,
				 strerror(errno));
	fputs("mdescan-mirror 1\n", fp);
	for (i = 0; i < n && !rc; i++) {
		snprintf(rel, sizeof(rel), "full/%" PRIu64 ".mdb",
			 k[i].version);
		rc = index_line(fp, dir, rel, "full", 0);
		if (rc || k[i].version == latest)
			continue;
		snprintf(rel, sizeof(rel), "delta/%" PRIu64 "-%" PRIu64 ".mdb",
			 k[i].version, latest);
		rc = index_line(fp, dir, rel, "delta", k[i].version);
	}
	rc = (fflush(fp) || fsync(fileno(fp))) ? 2 : rc;
	if (fclose(fp) || rc || rename(tmp, idx)) {
		unlink(tmp);
		return rc ? rc : tool_fail("cannot write '%s'", idx);
	}
	return 0;
}

/* Deletes deltas that do not lead to latest, and the old full bundles. */
static void prune(const char *dir, struct kept *k, size_t n, size_t keep,
		  uint64_t latest)
{
	char d[4200], p[4500], want[64];
	struct dirent *de;
	DIR *dp;
	size_t i;

	for (i = 0; i + keep < n; i++)
		unlink(k[i].path);
	snprintf(d, sizeof(d), "%s/delta", dir);
	snprintf(want, sizeof(want), "-%" PRIu64 ".mdb", latest);
	if (!(dp = opendir(d)))
		return;
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name), w = strlen(want);

		if (de->d_name[0] == '.' ||
		    (l > w && !strcmp(de->d_name + l - w, want)))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		unlink(p);
	}
	closedir(dp);
}

int mdesig_mirror_add(const char *dir, const char *bundle, const char *key,
		      int keep)
{
	char sub[4200], dst[4200], err[1024];
	struct kept *k = NULL;
	mde_bundle_info bi;
	size_t n = 0, i, first;
	int rc;

	if (mde_bundle_check(bundle, NULL, &bi, err, sizeof(err)) != MDE_OK)
		return tool_fail("%s", err);
	if (bi.delta)
		return tool_fail("'%s' is a delta; a mirror takes full "
				 "bundles (it makes the deltas)", bundle);
	snprintf(sub, sizeof(sub), "%s/full", dir);
	mkdir(dir, 0755);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/delta", dir);
	mkdir(sub, 0755);
	if ((rc = list_full(dir, &k, &n)))
		return rc;
	if (n && k[n - 1].version >= bi.version) {
		rc = tool_fail("'%s' is version %" PRIu64 ", the mirror "
			       "already has %" PRIu64, bundle, bi.version,
			       k[n - 1].version);
		free(k);
		return rc;
	}
	snprintf(dst, sizeof(dst), "%s/full/%" PRIu64 ".mdb", dir, bi.version);
	rc = copy_file(bundle, dst);
	first = n + 1 > (size_t)keep ? n + 1 - (size_t)keep : 0;
	for (i = first; i < n && !rc; i++) {
		snprintf(sub, sizeof(sub), "%s/delta/%" PRIu64 "-%" PRIu64
			 ".mdb", dir, k[i].version, bi.version);
		if (mde_bundle_diff(k[i].path, dst, key, sub, err,
				    sizeof(err)) != MDE_OK)
			rc = tool_fail("%s", err);
	}
	free(k);
	k = NULL;
	if (!rc && !(rc = list_full(dir, &k, &n))) {
		prune(dir, k, n, (size_t)keep, bi.version);
		free(k);
		k = NULL;
		rc = list_full(dir, &k, &n);
	}
	if (!rc)
		rc = write_index(dir, k, n);
	free(k);
	if (!rc)
		printf("%s: version %" PRIu64 " published\n", dir, bi.version);
	return rc;
}
