/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defs_cvd.c - loading a ClamAV database container (.cvd .cld .cud): the
 * container is checked whole (cvd.c), then each member goes through the
 * formats table like a loose file, so a .ndb inside a .cvd is read by the
 * same parser as a .ndb beside it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mde_int.h"
#include "cvd.h"
#include "defs_format.h"
#include "bundle.h"
#include "banned.h"

static const uint64_t limit_default[] = {
	[MDE_DEFS_CVD_MAX_MEMBERS] = 1024,
	[MDE_DEFS_CVD_MAX_MEMBER] = (uint64_t)1 << 30,
	[MDE_DEFS_CVD_MAX_TOTAL] = (uint64_t)2 << 30,
};

#define NLIMITS (sizeof(limit_default) / sizeof(limit_default[0]))

uint64_t mde_defs_limit_default(mde_defs_limit which)
{
	return which > 0 && (size_t)which < NLIMITS ? limit_default[which]
						    : 0;
}

int mde_defs_set_limit(mde_defs *defs, mde_defs_limit which, uint64_t v)
{
	if (which <= 0 || (size_t)which >= NLIMITS)
		return MDE_ERR_ARG;
	defs->cvd_lim[which] = v;
	return MDE_OK;
}

void mde__defs_cvd_init(mde_defs *defs)
{
	size_t i;

	for (i = 0; i < NLIMITS; i++)
		defs->cvd_lim[i] = limit_default[i];
}

/*
 * The row a member loads as: the first that loads from memory and takes
 * its first bytes.  Never a bundle or a container: a database holds
 * ClamAV's own files only, so a ".mdb" in it is PE section hashes
 * whatever its first bytes say.
 */
static const mde__defs_fmt *member_fmt(const struct mde__cvd_member *m)
{
	const mde__defs_fmt *f = NULL;
	size_t hl = m->len < MDE__DEFS_HEAD ? m->len : MDE__DEFS_HEAD;

	while ((f = mde__defs_fmt_next(f, m->name)))
		if (f->load && f->kind != MDE__DK_BUNDLE &&
		    f->kind != MDE__DK_CLAMDB &&
		    (!f->sniff || f->sniff(m->data, hl)))
			return f;
	return NULL;
}

/*
 * Loads the checked members of c, named "path/member" in messages.  In a
 * signed bundle (defs->bundle set), the hash lists are left out: the
 * bundle's build put them into its hash tables, which the bundle's
 * signature covers and which are loaded mapped, not parsed again.
 */
static int load_members(mde_defs *defs, const char *path, const mde__cvd *c)
{
	const mde__defs_fmt *f;
	char name[4200];
	size_t i;
	int rc = MDE_OK;

	for (i = 0; i < c->nm && rc == MDE_OK; i++) {
		snprintf(name, sizeof(name), "%s/%s", path, c->m[i].name);
		f = member_fmt(&c->m[i]);
		if (!f) {
			/* as clamscan: what it cannot read, it passes over */
			mde__diagf(&defs->diag, name, 0, NULL, "not a "
				   "definitions format, skipped");
			continue;
		}
		if (defs->bundle && f->part == MDE__P_HASHTAB)
			continue;
		rc = mde__defs_load_as(defs, f, name, c->m[i].data,
				       c->m[i].len);
	}
	return rc;
}

void mde__defs_cvd_names(const mde__defs_fmt *f, const char *buf, size_t len,
			 mde__names_fn fn, void *ctx)
{
	struct mde__cvd_limits lim = {
		mde_defs_limit_default(MDE_DEFS_CVD_MAX_MEMBERS),
		mde_defs_limit_default(MDE_DEFS_CVD_MAX_MEMBER),
		mde_defs_limit_default(MDE_DEFS_CVD_MAX_TOTAL),
	};
	const mde__defs_fmt *g;
	char why[400];
	mde__cvd c;
	size_t i;

	if (mde__cvd_open(&c, mde__cvd_type_of(f->pattern), buf, len, &lim,
			  why, sizeof(why)) != MDE_OK)
		return;
	for (i = 0; i < c.nm; i++) {
		g = member_fmt(&c.m[i]);
		if (g && g->names && g->list_as &&
		    strcmp(g->list_as, f->list_as) == 0)
			g->names(g, (const char *)c.m[i].data, c.m[i].len, fn,
				 ctx);
	}
	mde__cvd_close(&c);
}

/* The version in the header of the container at path, or -1 if it has
 * no header to read (its own load then says why). */
static int64_t head_version(const char *path)
{
	char head[MDE__CVD_HEAD], why[200];
	struct mde__cvd_head h;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, head, sizeof(head), 0) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(head) ||
	    mde__cvd_head_parse(head, sizeof(head), &h, why, sizeof(why)))
		return -1;
	return h.version;
}

int mde__defs_cvd_newer(const char *path, char *why, size_t wn)
{
	int type = mde__cvd_type_of(path);
	char other[4200];
	size_t n = strlen(path);
	int64_t mine, theirs;

	if ((type != MDE__CVD_CVD && type != MDE__CVD_CLD) ||
	    n >= sizeof(other))
		return 0;
	memcpy(other, path, n + 1);
	other[n - 2] = type == MDE__CVD_CVD ? 'l' : 'v';
	if (access(other, F_OK) != 0)
		return 0;
	mine = head_version(path);
	theirs = head_version(other);
	/* as ClamAV: the newer wins, the .cld at equal versions */
	if (mine < 0 || theirs < 0 || mine > theirs ||
	    (mine == theirs && type == MDE__CVD_CLD))
		return 0;
	snprintf(why, wn, "version %lld, not newer than '%s' (version %lld): "
		 "one database, not loaded", (long long)mine, other,
		 (long long)theirs);
	return 1;
}

int mde__defs_cvd_superseded(mde_defs *defs, const char *path)
{
	char why[4400];

	if (!mde__defs_cvd_newer(path, why, sizeof(why)))
		return 0;
	mde__diagf(&defs->diag, path, 0, NULL, "%s", why);
	return 1;
}

/* Maps the file at path read-only into *buf (*len bytes). */
static int map_path(mde_defs *defs, const char *path, void **buf,
		    size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = MDE_OK;

	*buf = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(defs->err, sizeof(defs->err), "cannot open '%s': %s",
			 path, strerror(errno));
		rc = MDE_ERR_IO;
		goto out;
	}
	*len = (size_t)st.st_size;
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		snprintf(defs->err, sizeof(defs->err), "'%s': %s", path,
			 S_ISREG(st.st_mode) ? "empty" : "not a regular file");
		rc = S_ISREG(st.st_mode) ? MDE_ERR_FORMAT : MDE_ERR_IO;
		goto out;
	}
	*buf = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (*buf == MAP_FAILED) {
		*buf = NULL;
		snprintf(defs->err, sizeof(defs->err), "'%s': %s", path,
			 strerror(errno));
		rc = MDE_ERR_IO;
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int mde__defs_load_cvd_buf(mde_defs *defs, const mde__defs_fmt *f,
			   const char *name, const char *buf, size_t len)
{
	struct mde__cvd_limits lim = {
		defs->cvd_lim[MDE_DEFS_CVD_MAX_MEMBERS],
		defs->cvd_lim[MDE_DEFS_CVD_MAX_MEMBER],
		defs->cvd_lim[MDE_DEFS_CVD_MAX_TOTAL],
	};
	mde__cvd c;
	char why[400];
	int rc, loaded = 0;

	(void)f;
	if (defs->compiled) {
		snprintf(defs->err, sizeof(defs->err),
			 "definitions already compiled");
		return MDE_ERR_STATE;
	}
	rc = mde__cvd_open(&c, mde__cvd_type_of(name), buf, len, &lim, why,
			   sizeof(why));
	if (rc == MDE_OK) {
		rc = mde__cvd_verify(&c, &mde__cvd_clamav_keys, why,
				     sizeof(why));
		/* a member's own error is in defs->err already */
		loaded = rc == MDE_OK;
		if (loaded)
			rc = load_members(defs, name, &c);
		mde__cvd_close(&c);
	}
	if (rc != MDE_OK && !loaded)
		snprintf(defs->err, sizeof(defs->err), "'%s': %s%s", name,
			 rc == MDE_ERR_NOMEM ? "" : "refused: ",
			 rc == MDE_ERR_NOMEM ? mde_status_str(rc) : why);
	return rc;
}

int mde__defs_load_cvd(mde_defs *defs, const char *path)
{
	void *buf;
	size_t len = 0;
	int rc;

	if (defs->compiled) {
		snprintf(defs->err, sizeof(defs->err),
			 "definitions already compiled");
		return MDE_ERR_STATE;
	}
	rc = map_path(defs, path, &buf, &len);
	if (rc != MDE_OK)
		return rc;
	rc = mde__defs_load_cvd_buf(defs, NULL, path, buf, len);
	munmap(buf, len);
	return rc;
}
