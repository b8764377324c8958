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
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "mde_int.h"
#include "cvd.h"
#include "dbcache.h"
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

int mde__defs_cvd_init(mde_defs *defs)
{
	size_t i;

	for (i = 0; i < NLIMITS; i++)
		defs->cvd_lim[i] = limit_default[i];
	defs->cvd_fd = -1;
	/* ClamAV's: what an administrator trusts for ClamAV already */
	return mde_defs_set_clamav_certs(defs, MDE_CLAMAV_CERTS_DEFAULT);
}

/*
 * The row a member loads as: the first that loads from memory and takes
 * its first bytes.  Never a bundle or a container: a database holds
 * ClamAV's own files only, so a ".mdb" in it is PE section hashes
 * whatever its first bytes say.
 */
const mde__defs_fmt *mde__defs_cvd_member_fmt(const struct mde__cvd_member *m)
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
		f = mde__defs_cvd_member_fmt(&c->m[i]);
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
		g = mde__defs_cvd_member_fmt(&c.m[i]);
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
		    size_t *len, int *fdp)
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
	if (rc == MDE_OK) {
		*fdp = fd;
		return rc;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int mde_defs_set_clamav_certs(mde_defs *defs, const char *path)
{
	char *p = path ? strdup(path) : NULL;

	if (path && !p)
		return MDE_ERR_NOMEM;
	free(defs->cvd_certs);
	defs->cvd_certs = p;
	mde__cvd_ca_free(defs->cvd_ca);
	defs->cvd_ca = NULL;
	return MDE_OK;
}

void mde__defs_cvd_free(mde_defs *defs)
{
	mde__defs_cvdc_free(defs);
	free(defs->cvd_signtxt);
	free(defs->cvd_certs);
	mde__cvd_ca_free(defs->cvd_ca);
}

#define SIGN_MAX (1 << 20) /* a .sign: a few signatures of a few KiB */

/* Reads the .sign at path into a new buffer; MDE__SIGN_NO_LINE if there
 * is none (the database is checked as before ClamAV 1.5). */
static int read_sign_file(const char *path, char **out, size_t *len,
			  char *why, size_t n)
{
	FILE *fp = fopen(path, "rb");
	char *buf = malloc(SIGN_MAX + 1);
	int rc = MDE_OK;

	if (!fp && errno == ENOENT)
		rc = MDE__SIGN_NO_LINE;
	else if (!fp)
		rc = MDE_ERR_IO;
	else if (!buf)
		rc = MDE_ERR_NOMEM;
	if (rc == MDE_OK) {
		*len = fread(buf, 1, SIGN_MAX + 1, fp);
		rc = ferror(fp) ? MDE_ERR_IO : *len > SIGN_MAX ? MDE_ERR_FORMAT
							       : MDE_OK;
	}
	if (rc == MDE_ERR_IO || rc == MDE_ERR_FORMAT)
		snprintf(why, n, "%s", rc == MDE_ERR_IO ? strerror(errno)
			 : "more than 1 MiB, not a .sign");
	if (fp)
		fclose(fp);
	*out = rc == MDE_OK ? buf : NULL;
	if (rc != MDE_OK)
		free(buf);
	return rc;
}

/* The same from a bundle: its build kept the .sign as the part
 * "clamav/<file>" (its bytes copied into a new buffer). */
static int read_sign_part(mde_defs *defs, const char *path, char **out,
			  size_t *len, char *why, size_t n)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char name[MDE__B_NAME + 16];
	const mde__bpart *p;
	const uint8_t *buf;
	void *own = NULL;
	int rc;

	if ((size_t)snprintf(name, sizeof(name), "clamav/%s", base) >=
	    sizeof(name))
		return MDE__SIGN_NO_LINE; /* no part has a name that long */
	p = mde__bundle_find(defs->bundle, name);
	if (!p || p->type != MDE__P_CLAMNOTE)
		return MDE__SIGN_NO_LINE;
	rc = mde__bundle_part(defs->bundle, p, &buf, &own);
	*out = rc == MDE_OK ? malloc((size_t)p->size + 1) : NULL;
	if (rc == MDE_OK && *out) {
		memcpy(*out, buf, (size_t)p->size);
		*len = (size_t)p->size;
	} else {
		snprintf(why, n, "%s", rc == MDE_OK ? mde_status_str(
			 MDE_ERR_NOMEM) : defs->bundle->err);
		rc = rc == MDE_OK ? MDE_ERR_NOMEM : rc;
	}
	free(own);
	return rc;
}

/* The CAs, loaded at the first .sign met. */
static int load_ca(mde_defs *defs, char *why, size_t n)
{
	if (!defs->cvd_ca)
		defs->cvd_ca = mde__cvd_ca_load(defs->cvd_certs, why, n);
	return defs->cvd_ca ? MDE_OK : MDE_ERR_SIG;
}

/*
 * Verifies the .cvd name (buf[0..len), whose header says version) by its
 * detached .sign: MDE_OK (defs->cvd_how says by whom), MDE__SIGN_NO_LINE
 * when there is no .sign or no line of its level in it, or an error with
 * the .sign's file name and the reason in why.
 */
static int sign_verify(mde_defs *defs, const char *name, unsigned version,
		       const char *buf, size_t len, char *why, size_t n)
{
	char path[4200], signer[300], r[600];
	char *text = NULL;
	size_t tl = 0;
	int rc;

	if (mde__cvd_sign_path(name, version, path, sizeof(path)))
		return MDE__SIGN_NO_LINE;
	rc = defs->bundle ? read_sign_part(defs, path, &text, &tl, r, sizeof(r))
			  : read_sign_file(path, &text, &tl, r, sizeof(r));
	if (rc == MDE_OK)
		rc = load_ca(defs, r, sizeof(r));
	/* in a bundle, whose signature vouches for the bytes and whose
	 * build checked the .sign: no CAs here, the legacy signatures
	 * decide, as before ClamAV 1.5 (an air-gapped server need not
	 * have ClamAV's certs directory) */
	if (rc == MDE_ERR_SIG && defs->bundle)
		rc = MDE__SIGN_NO_LINE;
	if (rc == MDE_OK)
		rc = mde__cvd_sign_check_fd(text, tl, buf, len, defs->cvd_fd,
					    defs->cvd_ca, signer,
					    sizeof(signer), &defs->cvd_until,
					    r, sizeof(r));
	if (rc == MDE_OK) {
		snprintf(defs->cvd_how, sizeof(defs->cvd_how), "%s by its "
			 ".sign", signer);
		if ((size_t)snprintf(defs->cvd_sign, sizeof(defs->cvd_sign),
				     "%s", path) >= sizeof(defs->cvd_sign))
			defs->cvd_sign[0] = '\0';
		defs->cvd_signtxt = text; /* the bytes checked, kept */
		defs->cvd_signlen = tl;
		text = NULL;
	} else if (rc != MDE__SIGN_NO_LINE) {
		/* beside the database: its file name says which (a
		 * reason cut short at n bytes is still the reason) */
		if ((size_t)snprintf(why, n, "%s: %s", strrchr(path, '/') ?
				     strrchr(path, '/') + 1 : path, r) >= n)
			why[n - 1] = '\0';
	}
	free(text);
	return rc;
}

/*
 * The first check of a .cvd, as ClamAV 1.5 makes it: by its detached
 * .sign when it has one, over the file's bytes, before anything in them
 * is parsed but the header's version (which names the .sign).  A .sign
 * that does not verify refuses the database: no fall back to the legacy
 * signatures.  A .cld or .cud has no .sign: freshclam made the .cld from
 * a .cvd and its diffs, so the .cvd's .sign no longer signs it.
 * MDE__SIGN_NO_LINE: no .sign to go by (the legacy signatures decide).
 */
static int sign_first(mde_defs *defs, const char *name, const char *buf,
		      size_t len, char *why, size_t n)
{
	struct mde__cvd_head h;
	char r[200];

	defs->cvd_how[0] = defs->cvd_sign[0] = '\0';
	free(defs->cvd_signtxt);
	defs->cvd_signtxt = NULL;
	defs->cvd_until = 0;
	if (mde__cvd_type_of(name) != MDE__CVD_CVD || !defs->cvd_certs ||
	    len < MDE__CVD_HEAD ||
	    mde__cvd_head_parse(buf, MDE__CVD_HEAD, &h, r, sizeof(r)) != MDE_OK)
		return MDE__SIGN_NO_LINE; /* the container's check says why */
	return sign_verify(defs, name, h.version, buf, len, why, n);
}

/* The legacy signatures (cvd_sig.c): the header's and the .info's. */
static int legacy_verify(mde_defs *defs, const mde__cvd *c, char *why,
			 size_t n)
{
	int rc = mde__cvd_verify(c, &mde__cvd_clamav_keys, why, n);

	if (rc == MDE_OK)
		snprintf(defs->cvd_how, sizeof(defs->cvd_how), "%s",
			 c->type == MDE__CVD_CUD ? "unsigned"
						 : "ClamAV's RSA keys");
	return rc;
}

/* ------------------------------------------------------------ the stamp */

/*
 * The .sign sign_first() would read for name, in *text (NULL: none to go
 * by), its path in path.  MDE_OK, or an error: the full check says why.
 */
static int sign_text(mde_defs *defs, const char *name, const char *buf,
		     size_t len, char **text, size_t *tl, char *path,
		     size_t pn)
{
	struct mde__cvd_head h;
	char r[300];
	int rc;

	*text = NULL;
	*tl = 0;
	path[0] = '\0';
	if (mde__cvd_type_of(name) != MDE__CVD_CVD || !defs->cvd_certs ||
	    len < MDE__CVD_HEAD ||
	    mde__cvd_head_parse(buf, MDE__CVD_HEAD, &h, r, sizeof(r)) !=
		    MDE_OK ||
	    mde__cvd_sign_path(name, h.version, path, pn))
		return MDE_OK;
	rc = read_sign_file(path, text, tl, r, sizeof(r));
	return rc == MDE__SIGN_NO_LINE ? MDE_OK : rc;
}

/* What decides a container's check besides its bytes: the .sign's text
 * and the CAs' certificates, or that there is no .sign. */
static int stamp_ctx(mde_defs *defs, const char *text, size_t tl,
		     uint8_t ctx[16])
{
	XXH128_canonical_t c;
	XXH3_state_t *st;
	uint8_t ca[32] = { 0 };
	uint64_t n = tl;
	char r[300];
	uint8_t has = text != NULL;

	if (text && (load_ca(defs, r, sizeof(r)) != MDE_OK ||
		     mde__cvd_ca_digest(defs->cvd_ca, ca) != 0))
		return -1;
	st = XXH3_createState();
	if (!st)
		return -1;
	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, "clamdb stamp 1", 14);
	XXH3_128bits_update(st, &has, 1);
	XXH3_128bits_update(st, &n, sizeof(n));
	if (text)
		XXH3_128bits_update(st, text, tl);
	XXH3_128bits_update(st, ca, sizeof(ca));
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
	memcpy(ctx, c.digest, 16);
	XXH3_freeState(st);
	return 0;
}

/*
 * A container loaded before and unchanged since (its stamp): its compiled
 * database mapped, the container not read.  1 when loaded, 0 when not
 * (nothing loaded), or a member's error.  *id: the container's identity
 * now, for the stamp written after a full load.
 */
static int from_stamp(mde_defs *defs, const char *name, const char *buf,
		      size_t len, struct mde__cvdc_id *id)
{
	struct mde__cvdc_stamp s;
	char path[4200], *text = NULL;
	size_t tl = 0;
	uint8_t ctx[16];
	int rc = 0;

	defs->cvd_how[0] = defs->cvd_sign[0] = '\0';
	free(defs->cvd_signtxt);
	defs->cvd_signtxt = NULL;
	if (mde__cvdc_id_of(defs->cvd_fd, id) ||
	    sign_text(defs, name, buf, len, &text, &tl, path, sizeof(path)))
		goto out;
	if (stamp_ctx(defs, text, tl, ctx) ||
	    mde__defs_cvdc_stamp_get(defs, name, id, ctx, &s) != 1)
		goto out;
	rc = mde__defs_cvdc_load(defs, name, s.key);
	if (rc == 1) {
		snprintf(defs->cvd_how, sizeof(defs->cvd_how), "%s", s.how);
		if (s.by_sign) {
			snprintf(defs->cvd_sign, sizeof(defs->cvd_sign), "%s",
				 path);
			defs->cvd_signtxt = text;
			defs->cvd_signlen = tl;
			defs->cvd_until = s.until;
			text = NULL;
		}
	}
out:
	free(text);
	return rc;
}

/* Whether the container changed just before id was taken at (ns since
 * the epoch): times advance in ticks (a few ms; whole seconds where they
 * have no sub-second part), so a rewrite of the same size in the same
 * tick would keep its identity.  Such a container is not stamped (git's
 * "racy" entries; the scan cache's recently_changed() in verdict.c). */
static int racy(const struct mde__cvdc_id *id, int64_t at)
{
	int64_t c = id->ctime_s * 1000000000 + id->ctime_ns;
	int64_t m = id->mtime_s * 1000000000 + id->mtime_ns;
	int64_t win = id->ctime_ns || id->mtime_ns ? 50000000 : 2000000000;

	return at - (m > c ? m : c) < win;
}

static int64_t now_ns(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_REALTIME, &t) < 0)
		return 0; /* racy: no stamp */
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* After a full load: the stamp, when the container did not change while
 * it was read (id: its identity before, taken at). */
static void stamp_put(mde_defs *defs, const char *name, const char *buf,
		      size_t len, int by_sign, const uint8_t key[16],
		      const struct mde__cvdc_id *id, int64_t at)
{
	struct mde__cvdc_stamp s = { 0 };
	struct mde__cvdc_id now;
	char path[4200], *text = NULL;
	size_t tl = 0;
	uint8_t ctx[16];
	int rc;

	if (racy(id, at) || mde__cvdc_id_of(defs->cvd_fd, &now) ||
	    memcmp(&now, id, sizeof(now)) != 0)
		return;
	/* the .sign whose bytes were checked, or (none to go by) what
	 * there is now: a .sign that comes later is another context */
	rc = by_sign ? stamp_ctx(defs, defs->cvd_signtxt, defs->cvd_signlen,
				 ctx)
		     : sign_text(defs, name, buf, len, &text, &tl, path,
				 sizeof(path)) ||
			       stamp_ctx(defs, text, tl, ctx);
	free(text);
	if (rc)
		return;
	memcpy(s.key, key, 16);
	s.by_sign = by_sign;
	s.until = by_sign ? defs->cvd_until : 0;
	snprintf(s.how, sizeof(s.how), "%s", defs->cvd_how);
	mde__defs_cvdc_stamp_put(defs, name, id, ctx, &s);
}

static int load_cvd_buf(mde_defs *defs, const char *name, const char *buf,
			size_t len)
{
	struct mde__cvd_limits lim = {
		defs->cvd_lim[MDE_DEFS_CVD_MAX_MEMBERS],
		defs->cvd_lim[MDE_DEFS_CVD_MAX_MEMBER],
		defs->cvd_lim[MDE_DEFS_CVD_MAX_TOTAL],
	};
	mde__cvd c;
	struct mde__cvdc_id id;
	char why[900];
	uint8_t key[16];
	int rc, loaded = 0, sign, cache, stamp = 0;
	int64_t at = 0;

	if (defs->compiled) {
		snprintf(defs->err, sizeof(defs->err),
			 "definitions already compiled");
		return MDE_ERR_STATE;
	}
	cache = defs->cache_dir && !defs->bundle;
	if (cache && defs->cvd_fd >= 0) {
		at = now_ns();
		rc = from_stamp(defs, name, buf, len, &id);
		if (rc != 0)
			return rc == 1 ? MDE_OK : rc;
		stamp = 1;
	}
	rc = sign = sign_first(defs, name, buf, len, why, sizeof(why));
	/* compiled before: its legacy signatures were checked then, and a
	 * .sign just now (defs_cvdc.c) */
	if (cache && (rc == MDE_OK || rc == MDE__SIGN_NO_LINE)) {
		mde__defs_cvdc_key(name, sign == MDE_OK, buf, len, defs->cvd_fd,
				   key);
		rc = mde__defs_cvdc_load(defs, name, key);
		if (rc == 1) {
			if (sign != MDE_OK)
				snprintf(defs->cvd_how, sizeof(defs->cvd_how),
					 "%s", mde__cvd_type_of(name) ==
							   MDE__CVD_CUD
						       ? "unsigned"
						       : "ClamAV's RSA keys");
			if (stamp)
				stamp_put(defs, name, buf, len, sign == MDE_OK,
					  key, &id, at);
			return MDE_OK;
		}
		if (rc != 0)
			return rc; /* a member's own error, in defs->err */
		rc = sign;
	}
	if (rc == MDE_OK || rc == MDE__SIGN_NO_LINE)
		rc = mde__cvd_open(&c, mde__cvd_type_of(name), buf, len, &lim,
				   why, sizeof(why));
	if (rc == MDE_OK) {
		if (sign != MDE_OK)
			rc = legacy_verify(defs, &c, why, sizeof(why));
		/* a member's own error is in defs->err already */
		loaded = rc == MDE_OK;
		if (loaded && cache)
			rc = mde__defs_cvdc_compile(defs, name, &c, key);
		if (rc == MDE_OK && stamp)
			stamp_put(defs, name, buf, len, sign == MDE_OK, key,
				  &id, at);
		if (loaded && (!cache || rc == MDE__CVDC_FALLBACK))
			rc = load_members(defs, name, &c);
		mde__cvd_close(&c);
	}
	if (rc != MDE_OK && !loaded)
		snprintf(defs->err, sizeof(defs->err), "'%s': %s%s", name,
			 rc == MDE_ERR_NOMEM ? "" : "refused: ",
			 rc == MDE_ERR_NOMEM ? mde_status_str(rc) : why);
	return rc;
}

int mde__defs_load_cvd_buf(mde_defs *defs, const mde__defs_fmt *f,
			   const char *name, const char *buf, size_t len)
{
	int was = defs->clam_official, rc;

	(void)f;
	/* as ClamAV's cli_cvdload(): the signatures of a .cvd or .cld are
	 * official (CL_DB_OFFICIAL), a .cud's never; a container that does
	 * not verify is not loaded at all.  Whether it verified by its
	 * .sign or its legacy signatures is in the compiled file's key, its
	 * type too: a compiled or mapped load is named as a parsed one */
	defs->clam_official = mde__cvd_type_of(name) != MDE__CVD_CUD;
	rc = load_cvd_buf(defs, name, buf, len);
	defs->clam_official = was;
	return rc;
}

int mde__defs_load_cvd(mde_defs *defs, const char *path)
{
	void *buf;
	size_t len = 0;
	int rc, fd = -1;

	if (defs->compiled) {
		snprintf(defs->err, sizeof(defs->err),
			 "definitions already compiled");
		return MDE_ERR_STATE;
	}
	rc = map_path(defs, path, &buf, &len, &fd);
	if (rc != MDE_OK)
		return rc;
	/* the signature check and the compiled database's key read the
	 * file, not the mapping: a database mapped from the cache touches
	 * none of the container's pages */
	defs->cvd_fd = fd;
	rc = mde__defs_load_cvd_buf(defs, NULL, path, buf, len);
	defs->cvd_fd = -1;
	close(fd);
	munmap(buf, len);
	return rc;
}
