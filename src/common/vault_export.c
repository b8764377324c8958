/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault_export.c - an entry as an AES-256 encrypted ZIP file, for
 * sending a sample to an analyst: the original (decoded while libzip
 * reads it, never written in the clear) and its meta file.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <zip.h>

#include "safepath.h"
#include "util.h"
#include "vault_int.h"
#include "banned.h"

/* A libzip source that decodes an entry's data as libzip reads it, so
 * that the plain content is never written anywhere but into the zip. */
struct zsrc {
	int efd;
	const struct vault_entry *e;
	const char *what;
	struct vault__dec d;
	zip_error_t ze;
	char err[512];
};

static zip_int64_t zsrc_fail(struct zsrc *z)
{
	zip_error_set(&z->ze, ZIP_ER_READ, EIO);
	return -1;
}

static zip_int64_t zsrc_cb(void *ud, void *data, zip_uint64_t len,
			   zip_source_cmd_t cmd)
{
	struct zsrc *z = ud;
	zip_stat_t *st = data;
	ssize_t n;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		if (vault__dec_open(&z->d, z->efd, z->what, z->err,
				    sizeof z->err))
			return zsrc_fail(z);
		return 0;
	case ZIP_SOURCE_READ:
		n = vault__dec_read(&z->d, data, len, z->err, sizeof z->err,
				    z->what);
		if (n < 0 || (n == 0 && z->d.done &&
			      vault__dec_check(&z->d, z->e, z->err,
					       sizeof z->err,
					       z->what) != VAULT_OK))
			return zsrc_fail(z);
		return n;
	case ZIP_SOURCE_CLOSE:
		vault__dec_close(&z->d);
		return 0;
	case ZIP_SOURCE_STAT:
		if (len < sizeof *st)
			return -1;
		zip_stat_init(st);
		st->size = z->e->size;
		st->mtime = z->e->mtime.tv_sec;
		st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME;
		return sizeof *st;
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&z->ze, data, len);
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(
			ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
			ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		zip_error_set(&z->ze, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* Adds a source under name, encrypted; the source is consumed. */
static int zip_add_enc(zip_t *za, const char *name, zip_source_t *src,
		       const char *password)
{
	zip_int64_t i;

	if (!src)
		return -1;
	i = zip_file_add(za, name, src, ZIP_FL_ENC_GUESS);
	if (i < 0) {
		zip_source_free(src);
		return -1;
	}
	return zip_file_set_encryption(za, (zip_uint64_t)i, ZIP_EM_AES_256,
				       password);
}

static int zip_fill(zip_t *za, struct zsrc *z, const struct tool_buf *meta,
		    const char *password)
{
	const char *base = strrchr(z->e->path, '/');
	char mname[VAULT_ID_LEN + 8];

	base = base && base[1] ? base + 1 : z->e->id;
	snprintf(mname, sizeof mname, "%s.meta", z->e->id);
	if (zip_add_enc(za, base, zip_source_function(za, zsrc_cb, z),
			password) < 0 ||
	    zip_add_enc(za, mname, zip_source_buffer(za, meta->p, meta->len, 0),
			password) < 0)
		return -1;
	return 0;
}

/* Writes the zip of entry e (directory efd) to open_path, zip_path in
 * messages. */
static int export_zip(int efd, const struct vault_entry *e, const char *what,
		      const char *zip_path, const char *open_path,
		      const char *password, char *err, size_t errlen)
{
	struct zsrc z = { .efd = efd, .e = e, .what = what, .d = { .fd = -1 } };
	struct tool_buf meta = { 0 };
	zip_error_t ze;
	zip_t *za;
	int code, rc = VAULT_OK;

	if (vault__meta_slurp(efd, &meta) < 0 || !meta.p) {
		tool_buf_free(&meta);
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot read '%s/meta': %s", what,
				 strerror(errno));
	}
	zip_error_init(&z.ze);
	za = zip_open(open_path, ZIP_CREATE | ZIP_EXCL, &code);
	if (!za) {
		zip_error_init_with_code(&ze, code);
		rc = tool_errf(err, errlen, VAULT_ERR, "cannot create '%s': %s",
			       zip_path, zip_error_strerror(&ze));
		zip_error_fini(&ze);
	} else if (zip_fill(za, &z, &meta, password) < 0) {
		rc = tool_errf(err, errlen, VAULT_ERR, "cannot write '%s': %s",
			       zip_path, zip_strerror(za));
		zip_discard(za);
	} else if (zip_close(za) < 0) {
		rc = tool_errf(err, errlen, VAULT_ERR, "cannot write '%s': %s",
			       zip_path, z.err[0] ? z.err : zip_strerror(za));
		zip_discard(za);
	}
	if (z.d.fd >= 0 || z.d.ctx)
		vault__dec_close(&z.d);
	zip_error_fini(&z.ze);
	tool_buf_free(&meta);
	return rc;
}

/*
 * Opens the directory zip_path goes in (*dfd) following no link
 * (safepath.h) and makes via, the name libzip is to use: through
 * /proc/self/fd/N, which stays that directory whatever its path becomes;
 * libzip then writes a temporary file there and renames it to the base
 * name, so a link put at zip_path itself is replaced, never followed.
 */
static int export_dir(const char *zip_path, int *dfd, char *via,
		      size_t vialen, char *err, size_t errlen)
{
	char why[PATH_MAX + 64];
	const char *base;
	struct stat a, b;

	*dfd = safepath_openparent(zip_path, &base, why, sizeof why);
	if (*dfd < 0 && errno == ELOOP)
		return tool_errf(err, errlen, VAULT_REFUSED,
				 "refusing to export to '%s': %s", zip_path,
				 why);
	if (*dfd < 0)
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot create '%s': %s", zip_path,
				 errno == EINVAL ? "not a file name"
						 : strerror(errno));
	snprintf(via, vialen, "/proc/self/fd/%d/%s", *dfd, base);
	snprintf(why, sizeof why, "/proc/self/fd/%d", *dfd);
	if (stat(why, &a) < 0 || fstat(*dfd, &b) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot create '%s': /proc is not mounted",
				 zip_path);
	return VAULT_OK;
}

int vault_export(const char *vault_dir, const char *id, const char *zip_path,
		 const char *password, char *err, size_t errlen)
{
	struct vault_entry e;
	char what[PATH_MAX + 64], via[PATH_MAX + 64];
	int vfd, efd, dfd = -1, rc;

	if (!zip_path || !*zip_path || !password || !*password)
		return tool_errf(err, errlen, VAULT_ERR,
				 "export needs an output file and a password");
	if (!zip_encryption_method_supported(ZIP_EM_AES_256, 1))
		return tool_errf(err, errlen, VAULT_ERR,
				 "this libzip cannot write AES-256 encryption");
	rc = vault__entry_load(vault_dir, id, &vfd, &efd, &e, err, errlen);
	if (rc == VAULT_OK)
		rc = export_dir(zip_path, &dfd, via, sizeof via, err, errlen);
	if (rc == VAULT_OK) {
		snprintf(what, sizeof what, "%s/%s", vault_dir, id);
		rc = export_zip(efd, &e, what, zip_path, via, password, err,
				errlen);
	}
	vault_entry_release(&e);
	vault__close_fds(vfd, efd);
	vault__close_fds(dfd, -1);
	return rc;
}
