/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defstore.c - the store of installed definitions:
 *
 *	DIR/current -> bundles/V-D.mdb   what scans load (symlink, renamed over)
 *	DIR/previous -> bundles/V-D.mdb  what rollback goes back to
 *	DIR/bundles/V-D.mdb[.info]       installed bundles, and where each came
 *	                                 from and when it was installed
 *	DIR/staging/                     downloads and rebuilt deltas (the same
 *	                                 filesystem, so activation is a rename)
 *	DIR/lock                         flock(2): one update at a time
 *
 * An update copies the candidate into staging (a USB stick may go away, a
 * mirror may change), verifies it, rebuilds a delta against the current
 * bundle, refuses anything not strictly newer, test-loads it, and only
 * then renames it into bundles/ and swaps the current link.  Each step
 * is fsync'd before the next, so a crash or kill at any point leaves
 * current pointing to a complete, verified bundle: the old or the new.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defstore.h"
#include "util.h"
#include "banned.h"

/* The reason into err; 2, the exit status of a refusal. */
#define ERR(...) tool_errf(err, errlen, 2, __VA_ARGS__)

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The .info of the bundle at e->path: where it came from, when, and the
 * bundle it replaced. */
static void read_info(struct defstore_entry *e)
{
	char p[4300], line[1100];
	FILE *fp;

	snprintf(p, sizeof(p), "%s.info", e->path);
	if (!(fp = fopen(p, "r")))
		return;
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "source=", 7))
			snprintf(e->source, sizeof(e->source), "%.1000s",
				 line + 7);
		else if (!strncmp(line, "installed=", 10))
			e->installed = (time_t)strtoll(line + 10, NULL, 10);
		else if (!strncmp(line, "previous=", 9))
			snprintf(e->before, sizeof(e->before), "%.200s",
				 line + 9);
	}
	fclose(fp);
}

static void entry(const char *dir, const char *name, struct defstore_entry *e)
{
	char link[4200], *rp;
	struct stat sb;

	memset(e, 0, sizeof(*e));
	snprintf(link, sizeof(link), "%s/%s", dir, name);
	if (!(rp = realpath(link, NULL))) {
		/* a link to nothing is a store broken, not an empty one */
		e->damaged = lstat(link, &sb) == 0;
		if (e->damaged)
			snprintf(e->why, sizeof(e->why), "'%.400s' leads to "
				 "no bundle", link);
		return;
	}
	snprintf(e->path, sizeof(e->path), "%s", rp);
	free(rp);
	e->have = mde_bundle_check(e->path, NULL, &e->bi, e->why,
				   sizeof(e->why)) == MDE_OK;
	e->damaged = !e->have;
	if (e->have)
		read_info(e);
}

void defstore_status(const char *dir, struct defstore_status *st)
{
	entry(dir, "current", &st->cur);
	entry(dir, "previous", &st->prev);
}

/* ------------------------------------------------------------- helpers */

static int lock_store(const char *dir, char *err, size_t errlen)
{
	char p[4200];
	int fd, i;

	snprintf(p, sizeof(p), "%s/lock", dir);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		ERR("cannot open '%s': %s", p, strerror(errno));
		return -1;
	}
	for (i = 0; i < 600; i++) { /* a minute, then give up */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		usleep(100000);
	}
	ERR("'%s': another update holds the lock", p);
	close(fd);
	return -1;
}

static int make_dirs(const char *dir, char *err, size_t errlen)
{
	static const char *const sub[] = { "", "/bundles", "/staging" };
	char p[4200];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", dir, sub[i]);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return ERR("cannot create '%s': %s", p,
				   strerror(errno));
	}
	return 0;
}

/* Empties staging/ (what a killed update left). */
static void clean_staging(const char *dir)
{
	char d[4200], p[4500];
	struct dirent *de;
	DIR *dp;

	snprintf(d, sizeof(d), "%s/staging", dir);
	if (!(dp = opendir(d)))
		return;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.' || de->d_name[1] != '\0') {
			snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
			unlink(p);
		}
	closedir(dp);
}

static int copy_to(const char *from, const char *to, char *err, size_t errlen)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, ok, e;
	ssize_t r = 0;

	if (in < 0)
		return ERR("cannot open '%s': %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ok = out >= 0;
	while (ok && (r = read(in, buf, sizeof(buf))) > 0)
		ok = tool_write_all(out, buf, (size_t)r) == 0;
	ok = ok && r == 0 && fsync(out) == 0;
	e = errno;
	if (out >= 0 && close(out) != 0 && ok) {
		ok = 0;
		e = errno;
	}
	close(in);
	if (ok)
		return 0;
	ERR("cannot copy '%s' to '%s': %s", from, to, strerror(e));
	unlink(to);
	return 2;
}

int defstore_is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

void defstore_mirror_url(const char *from, const char *rel, char *buf,
			 size_t n)
{
	if (!rel)
		snprintf(buf, n, "%s", from);
	else
		snprintf(buf, n, "%s%s%s", from,
			 from[strlen(from) - 1] == '/' ? "" : "/", rel);
}

int defstore_mirror_get(const char *from, const char *rel, const char *dest,
			char *err, size_t errlen)
{
	char src[4200];

	defstore_mirror_url(from, rel, src, sizeof(src));
	if (defstore_is_url(from))
		return fetch_url(src, dest, DEFSTORE_MAX_DOWNLOAD,
				 DEFSTORE_HTTP_TIMEOUT, err, errlen) ? 2 : 0;
	return copy_to(src, dest, err, errlen);
}

/* The newest full bundle a mirror's index lists (*latest 0: none). */
static int mirror_pick(const char *index, char *rel, size_t n,
		       uint64_t *latest, char *err, size_t errlen)
{
	char line[4400], path[4200], kind[8];
	FILE *fp = fopen(index, "r");
	int lineno = 0;
	uint64_t a;

	*latest = 0;
	if (!fp)
		return ERR("cannot read the mirror index: %s", strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		if (lineno == 1 && strncmp(line, "mdescan-mirror 1", 16)) {
			fclose(fp);
			return ERR("the mirror index is not an mdescan mirror "
				   "index (version 1)");
		}
		if (sscanf(line, "%7s %" SCNu64 " %4199s", kind, &a,
			   path) == 3 && !strcmp(kind, "full") && a > *latest) {
			*latest = a;
			snprintf(rel, n, "%s", path);
		}
	}
	fclose(fp);
	return 0;
}

/* The delta path for cur -> latest from the index, if listed. */
static int mirror_delta(const char *index, uint64_t cur, uint64_t latest,
			char *rel, size_t n)
{
	char line[4400], path[4200], kind[8];
	uint64_t a, b;
	FILE *fp = fopen(index, "r");
	int found = 0;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%7s %" SCNu64 " %" SCNu64 " %4199s", kind, &a,
			   &b, path) == 4 && !strcmp(kind, "delta") &&
		    a == cur && b == latest) {
			snprintf(rel, n, "%s", path);
			found = 1;
		}
	fclose(fp);
	return found;
}

int defstore_mirror_choose(const char *index, const mde_bundle_info *cur,
			   char *rel, size_t n, uint64_t *latest, char *err,
			   size_t errlen)
{
	int rc = mirror_pick(index, rel, n, latest, err, errlen);

	if (!rc && cur)
		mirror_delta(index, cur->version, *latest, rel, n);
	return rc;
}

/* Brings the candidate into staging/get.mdb; *uptodate for a mirror
 * whose newest version is the current one. */
static int stage(const struct update_opts *o, const mde_bundle_info *cur,
		 const char *dest, int *uptodate, char *err, size_t errlen)
{
	char index[4200], rel[4200];
	uint64_t latest = 0;
	struct stat st;
	int rc;

	*uptodate = 0;
	if (!defstore_is_url(o->from) && stat(o->from, &st) < 0)
		return ERR("cannot open '%s': %s", o->from, strerror(errno));
	if (!defstore_is_url(o->from) && !S_ISDIR(st.st_mode))
		return copy_to(o->from, dest, err, errlen);
	snprintf(index, sizeof(index), "%s/staging/index", o->dir);
	rc = defstore_mirror_get(o->from, "index", index, err, errlen);
	if (!rc)
		rc = defstore_mirror_choose(index, cur, rel, sizeof(rel),
					    &latest, err, errlen);
	if (!rc && !latest)
		rc = ERR("mirror '%s' lists no bundle", o->from);
	if (rc)
		return rc;
	if (cur && cur->version >= latest && !o->allow_downgrade) {
		*uptodate = cur->version == latest;
		if (*uptodate)
			return 0;
	}
	return defstore_mirror_get(o->from, rel, dest, err, errlen);
}

struct diags {
	unsigned n;
	char first[512];
};

static void count_diag(void *ctx, const char *file, unsigned line,
		       const char *sig, const char *msg)
{
	struct diags *dg = ctx;

	if (!dg->n++)
		snprintf(dg->first, sizeof(dg->first), "%s:%u: %s%s%s",
			 file ? file : "?", line, sig ? sig : "",
			 sig ? ": " : "", msg);
}

/*
 * Loads and compiles path the way a scan would.  Definitions that load
 * only in part (a rule that does not compile, a signature this engine
 * cannot use) are refused too: an update never lowers what is detected.
 */
static int test_load(const char *path, const char *keys, const char *certs,
		     char *err, size_t errlen)
{
	mde_defs *d = mde_defs_new();
	struct diags dg = { 0, "" };
	int rc;

	if (!d)
		return ERR("out of memory");
	mde_defs_set_diag(d, count_diag, &dg);
	rc = mde_defs_add_keys(d, keys);
	if (rc == MDE_OK && certs)
		rc = mde_defs_set_clamav_certs(d, certs);
	if (rc == MDE_OK)
		rc = mde_defs_load_bundle(d, path);
	if (rc == MDE_OK)
		rc = mde_defs_compile(d);
	if (rc != MDE_OK)
		ERR("test load failed: %s", *mde_defs_error(d)
			? mde_defs_error(d) : mde_status_str(rc));
	else if (dg.n)
		ERR("test load: %u problem(s) in the definitions, first: %s",
		    dg.n, dg.first);
	mde_defs_free(d);
	return rc == MDE_OK && !dg.n ? 0 : 2;
}

/* Points DIR/name at target (relative) by symlink + rename. */
static int relink(const char *dir, const char *name, const char *target,
		  char *err, size_t errlen)
{
	char tmp[4200], dst[4200];

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	unlink(tmp);
	if (symlink(target, tmp) < 0 || rename(tmp, dst) < 0) {
		unlink(tmp);
		return ERR("cannot switch '%s': %s", dst, strerror(errno));
	}
	return 0;
}

/*
 * Writes path.info: source (a URL as given, a file or directory as its
 * absolute canonical path: a relative one means nothing once the shell
 * that gave it is gone), the time, and before, the bundle it replaces
 * ("bundles/NAME"; "" none).
 */
static int write_info(const char *path, const char *source,
		      const char *before, char *err, size_t errlen)
{
	char p[4500], tmp[4600], *abs = defstore_is_url(source) ? NULL
						      : tool_abspath(source);
	FILE *fp;
	int ok;

	snprintf(p, sizeof(p), "%s.info", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	if (!(fp = fopen(tmp, "w"))) {
		free(abs);
		return ERR("cannot write '%s': %s", tmp, strerror(errno));
	}
	fprintf(fp, "source=%s\ninstalled=%lld\n", abs ? abs : source,
		(long long)time(NULL));
	if (*before)
		fprintf(fp, "previous=%s\n", before);
	free(abs);
	ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
	ok = fclose(fp) == 0 && ok;
	if (ok && rename(tmp, p) == 0)
		return 0;
	unlink(tmp);
	return ERR("cannot write '%s': %s", p, strerror(errno));
}

/* True if name is one of the bundles keep[0..n) ("bundles/NAME") or one
 * of their .info/.verified. */
static int belongs(const char *name, char keep[][256], size_t n)
{
	size_t i, l;

	for (i = 0; i < n; i++) {
		l = strlen(keep[i] + 8);
		if (!strncmp(name, keep[i] + 8, l) &&
		    (!name[l] || name[l] == '.'))
			return 1;
	}
	return 0;
}

/* The bundles to keep: the current one and, through their .info, those
 * it replaced, DEFSTORE_KEEP at most.  Returns how many. */
static size_t chain(const char *dir, const struct defstore_entry *cur,
		    char keep[][256])
{
	struct defstore_entry e = *cur;
	const char *b = strrchr(cur->path, '/');
	size_t n = 0;

	snprintf(keep[n++], 256, "bundles/%.200s", b ? b + 1 : cur->path);
	while (n < DEFSTORE_KEEP && *e.before) {
		snprintf(keep[n++], 256, "%s", e.before);
		snprintf(e.path, sizeof(e.path), "%s/%s", dir, e.before);
		e.before[0] = '\0';
		read_info(&e);
	}
	return n;
}

/* Deletes the installed bundles a rollback could no longer reach. */
static void prune(const char *dir)
{
	struct defstore_status st;
	char d[4200], p[4500], keep[DEFSTORE_KEEP][256];
	struct dirent *de;
	size_t nkeep;
	DIR *dp;

	defstore_status(dir, &st);
	snprintf(d, sizeof(d), "%s/bundles", dir);
	if (!st.cur.have || !(dp = opendir(d)))
		return;
	nkeep = chain(dir, &st.cur, keep);
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.' || belongs(de->d_name, keep, nkeep))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		unlink(p);
	}
	closedir(dp);
}

/* Moves the checked staged bundle in and makes it current. */
static int activate(const struct update_opts *o, const char *staged,
		    const mde_bundle_info *bi, const char *cur, char *err,
		    size_t errlen)
{
	char rel[128], dst[4400], bdir[4200], prel[256] = "";
	const char *b = cur ? strrchr(cur, '/') : NULL;
	int rc;

	snprintf(rel, sizeof(rel), "bundles/%" PRIu64 "-%.12s.mdb",
		 bi->version, bi->digest);
	snprintf(dst, sizeof(dst), "%s/%s", o->dir, rel);
	snprintf(bdir, sizeof(bdir), "%s/bundles", o->dir);
	if (cur && strcmp(cur, dst))
		snprintf(prel, sizeof(prel), "bundles/%.200s",
			 b ? b + 1 : cur);
	rc = write_info(dst, o->from, prel, err, errlen);
	if (!rc && rename(staged, dst) < 0)
		rc = ERR("cannot install '%s': %s", dst, strerror(errno));
	if (!rc && mde_bundle_stamp(dst, o->keys, err, errlen) != MDE_OK)
		rc = 2;
	if (rc)
		return rc;
	fsync_dir(bdir);
	if (*prel)
		rc = relink(o->dir, "previous", prel, err, errlen);
	if (!rc)
		rc = relink(o->dir, "current", rel, err, errlen);
	fsync_dir(o->dir);
	return rc;
}

/* Checks the staged candidate against the current bundle. */
static int judge(const struct update_opts *o, const char *staged,
		 const mde_bundle_info *cur, mde_bundle_info *bi,
		 int *same, char *err, size_t errlen)
{
	if (mde_bundle_check(staged, o->keys, bi, err, errlen) != MDE_OK)
		return 2;
	*same = cur && !strcmp(cur->digest, bi->digest);
	if (*same || !cur || bi->version > cur->version)
		return 0;
	if (o->allow_downgrade)
		return 0;
	return ERR("version %" PRIu64 " is %s the installed version "
		   "%" PRIu64 " (--allow-downgrade to install it anyway)",
		   bi->version, bi->version == cur->version ? "the same as,"
		   " but not identical to," : "older than", cur->version);
}

static int update_locked(const struct update_opts *o, int *changed, char *err,
			 size_t errlen)
{
	struct defstore_status st;
	char get[4200], full[4200], *staged = get;
	mde_bundle_info bi, *cur;
	int rc, up = 0, same = 0;

	clean_staging(o->dir);
	defstore_status(o->dir, &st);
	cur = st.cur.have ? &st.cur.bi : NULL;
	snprintf(get, sizeof(get), "%s/staging/get.mdb", o->dir);
	snprintf(full, sizeof(full), "%s/staging/full.mdb", o->dir);
	rc = stage(o, cur, get, &up, err, errlen);
	if (rc || up)
		return rc;
	if (mde_bundle_check(get, o->keys, &bi, err, errlen) != MDE_OK)
		return 2;
	if (bi.delta) {
		if (!cur)
			return ERR("'%s' is a delta, and there are no "
				   "installed definitions to apply it to",
				   o->from);
		if (mde_bundle_apply(st.cur.path, get, o->keys, full, err,
				     errlen) != MDE_OK)
			return 2;
		staged = full;
	}
	rc = judge(o, staged, cur, &bi, &same, err, errlen);
	if (rc || same)
		return rc;
	rc = test_load(staged, o->keys, o->clamav_certs, err, errlen);
	if (!rc)
		rc = activate(o, staged, &bi, cur ? st.cur.path : NULL, err,
			      errlen);
	*changed = !rc;
	return rc;
}

int defstore_update(const struct update_opts *o, int *changed, char *err,
		    size_t errlen)
{
	int fd, rc;

	*changed = 0;
	if ((rc = make_dirs(o->dir, err, errlen)))
		return rc;
	if ((fd = lock_store(o->dir, err, errlen)) < 0)
		return 2;
	rc = update_locked(o, changed, err, errlen);
	if (*changed)
		prune(o->dir);
	clean_staging(o->dir);
	close(fd);
	return rc;
}

/* Points current at the previous bundle and previous at the one before
 * it (none: no previous link).  Under the lock. */
static int step_back(const char *dir, const struct defstore_status *st,
		     char *err, size_t errlen)
{
	struct defstore_entry back;
	const char *p = strrchr(st->prev.path, '/');
	char prel[256], link[4200];
	int rc;

	snprintf(prel, sizeof(prel), "bundles/%.200s", p ? p + 1 : "");
	rc = relink(dir, "current", prel, err, errlen);
	memset(&back, 0, sizeof(back));
	snprintf(back.path, sizeof(back.path), "%s", st->prev.path);
	read_info(&back);
	snprintf(link, sizeof(link), "%s/%s", dir, back.before);
	if (!rc && *back.before && access(link, F_OK) == 0)
		rc = relink(dir, "previous", back.before, err, errlen);
	else if (!rc) {
		snprintf(link, sizeof(link), "%s/previous", dir);
		if (unlink(link) < 0 && errno != ENOENT)
			rc = ERR("cannot remove '%s': %s", link,
				 strerror(errno));
	}
	return rc;
}

/* Removes current and previous: scans use the built-in definitions. */
static int to_builtin(const char *dir, char *err, size_t errlen)
{
	static const char *const links[] = { "current", "previous" };
	char link[4200];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(link, sizeof(link), "%s/%s", dir, links[i]);
		if (unlink(link) < 0 && errno != ENOENT)
			return ERR("cannot remove '%s': %s", link,
				   strerror(errno));
	}
	return 0;
}

int defstore_rollback(const char *dir, const char *keys, const char *certs,
		      int builtin, char *err, size_t errlen)
{
	struct defstore_status st;
	int fd, rc;

	if ((fd = lock_store(dir, err, errlen)) < 0)
		return 2;
	defstore_status(dir, &st);
	if (builtin)
		rc = to_builtin(dir, err, errlen);
	else if (!st.prev.have)
		rc = ERR("no older definitions to return to in '%s' ('mdescan "
			 "definitions rollback --builtin' returns to the "
			 "built-in definitions)", dir);
	else
		rc = test_load(st.prev.path, keys, certs, err, errlen);
	if (!rc && !builtin)
		rc = step_back(dir, &st, err, errlen);
	fsync_dir(dir);
	close(fd);
	return rc;
}
