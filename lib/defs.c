/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defs.c - the definitions container: loads signature files by format
 * (the table of defs_format.c), then compiles them once.
 *
 * Compilation runs the three independent jobs (sorting hash tables,
 * compiling byte signatures, compiling YARA rules) as OpenMP sections,
 * so a big definitions set loads in the time of its slowest part.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>
#include <yara.h>

#include "mde_int.h"
#include "clamav.h"
#include "defs_format.h"
#include "ioc.h"
#include "banned.h"

/* True if text names an external that depends on where a file is or who
 * owns it.  A plain search: a false hit only costs cache reuse. */
int mde__names_path_external(const char *buf, size_t len)
{
	static const char *const words[] = { "filename", "filepath",
					     "extension", "owner" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (memmem(buf, len, words[i], strlen(words[i])))
			return 1;
	return 0;
}

static pthread_mutex_t diag_lock = PTHREAD_MUTEX_INITIALIZER;

/* Forwards diagnostics to the user under a lock: compile sections run in
 * parallel. */
static void diag_tramp(void *ctx, const char *file, unsigned line,
		       const char *signame, const char *msg)
{
	mde_defs *defs = ctx;

	pthread_mutex_lock(&diag_lock);
	if (defs->user_fn)
		defs->user_fn(defs->user_ctx, file, line, signame, msg);
	pthread_mutex_unlock(&diag_lock);
}

mde_defs *mde_defs_new(void)
{
	mde_defs *defs = calloc(1, sizeof(*defs));

	if (!defs)
		return NULL;
	defs->hash = mde__hashsigs_new();
	defs->bytes = mde__bytesigs_new();
	defs->yara = mde__yara_new();
	defs->iocs = mde__iocs_new();
	defs->clam = mde__clam_new();
	defs->xs_hash = XXH3_createState();
	defs->xs_other = XXH3_createState();
	if (!defs->hash || !defs->bytes || !defs->yara || !defs->iocs ||
	    !defs->clam || !defs->xs_hash || !defs->xs_other ||
	    mde__defs_cvd_init(defs) != MDE_OK) {
		mde_defs_free(defs);
		return NULL;
	}
	defs->diag.fn = diag_tramp;
	defs->diag.ctx = defs;
	XXH3_128bits_reset(defs->xs_hash);
	XXH3_128bits_reset(defs->xs_other);
	return defs;
}

void mde_defs_free(mde_defs *defs)
{
	if (!defs)
		return;
	mde__hashsigs_free(defs->hash);
	mde__bytesigs_free(defs->bytes);
	mde__yara_free(defs->yara);
	mde__iocs_free(defs->iocs);
	mde__clam_free(defs->clam);
	mde__defs_bundle_free(defs); /* after the tables and rules using it */
	XXH3_freeState(defs->xs_hash);
	XXH3_freeState(defs->xs_other);
	free(defs->cache_dir);
	mde__defs_cvd_free(defs);
	free(defs);
}

void mde_defs_set_diag(mde_defs *defs, mde_diag_fn fn, void *ctx)
{
	defs->user_fn = fn;
	defs->user_ctx = ctx;
}

const char *mde_defs_error(const mde_defs *defs)
{
	return defs ? defs->err : "";
}

/* The version covers each file's base name, length and content. */
static void add_to_version(void *st, const char *name, const void *buf,
			   size_t len)
{
	const char *base = strrchr(name, '/');
	uint64_t n = len;

	base = base ? base + 1 : name;
	XXH3_128bits_update(st, base, strlen(base) + 1);
	XXH3_128bits_update(st, &n, sizeof(n));
	XXH3_128bits_update(st, buf, len);
}

/*
 * The versions verdicts are kept under cover the names they hold: with
 * NAME.UNOFFICIAL (mde_defs_set_unofficial) the same definitions report
 * other names, so the scan cache must not answer with those of a scan
 * without it, nor check old digests against hash signatures as if the
 * rest were unchanged.  The version shown (ver_hex) stays the content's.
 */
static void cover_naming(mde_defs *defs)
{
	static const char tag[] = "ClamAV names NAME.UNOFFICIAL";
	uint8_t in[16 + sizeof(tag)];
	XXH128_canonical_t c;

	if (!defs->unofficial)
		return;
	memcpy(in + 16, tag, sizeof(tag));
	memcpy(in, defs->ver, 16);
	XXH128_canonicalFromHash(&c, XXH3_128bits(in, sizeof(in)));
	memcpy(defs->ver, c.digest, 16);
	memcpy(in, defs->ver_nohash, 16);
	XXH128_canonicalFromHash(&c, XXH3_128bits(in, sizeof(in)));
	memcpy(defs->ver_nohash, c.digest, 16);
}

static void finish_version(mde_defs *defs)
{
	XXH128_canonical_t h, o;
	XXH3_state_t *all = XXH3_createState();

	XXH128_canonicalFromHash(&h, XXH3_128bits_digest(defs->xs_hash));
	XXH128_canonicalFromHash(&o, XXH3_128bits_digest(defs->xs_other));
	memcpy(defs->ver_nohash, o.digest, 16);
	if (all) {
		XXH128_canonical_t v;

		XXH3_128bits_reset(all);
		XXH3_128bits_update(all, MDE_ENGINE_VERSION,
				    sizeof(MDE_ENGINE_VERSION));
		XXH3_128bits_update(all, h.digest, 16);
		XXH3_128bits_update(all, o.digest, 16);
		XXH128_canonicalFromHash(&v, XXH3_128bits_digest(all));
		memcpy(defs->ver, v.digest, 16);
		XXH3_freeState(all);
	} else {
		memcpy(defs->ver, o.digest, 16);
		defs->ver[0] ^= 0xff; /* never equal to ver_nohash */
	}
	mde__hex(defs->ver, 16, defs->ver_hex);
	cover_naming(defs);
}

const char *mde_defs_version(const mde_defs *defs)
{
	return defs->compiled ? defs->ver_hex : "";
}

void mde_defs_set_preselect(mde_defs *defs, int on)
{
	defs->presel_off = !on;
	mde__yara_set_preselect(defs->yara, on != 0);
}

void mde_defs_set_prefilter(mde_defs *defs, int on)
{
	defs->pf_off = !on;
	mde__yara_set_prefilter(defs->yara, on != 0);
}

int mde_defs_set_cache_dir(mde_defs *defs, const char *dir)
{
	char *d = dir ? strdup(dir) : NULL;

	if (dir && !d)
		return MDE_ERR_NOMEM;
	free(defs->cache_dir);
	defs->cache_dir = d;
	return MDE_OK;
}

/* Compiles the YARA sources, or loads them compiled from the cache
 * directory when this exact input was compiled before (then saves). */
static int yara_compile_cached(mde_defs *defs, char *err, size_t errlen)
{
	XXH128_canonical_t c;
	XXH128_hash_t h;
	char path[4200], key[33];
	uint8_t in[16 + 3 + sizeof(YR_VERSION) + sizeof(MDE_ENGINE_VERSION)];
	size_t n = 0;
	int rc;

	if (!defs->cache_dir || mde__yara_nsources(defs->yara) == 0)
		return mde__yara_compile(defs->yara, &defs->diag, err, errlen);
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(defs->xs_other));
	memcpy(in, c.digest, 16);
	n = 16;
	in[n++] = (uint8_t)defs->presel_off;
	in[n++] = (uint8_t)defs->pf_off; /* the parts differ (ALWAYS) */
	in[n++] = MDE__YARA_SUBSETS;
	memcpy(in + n, YR_VERSION, sizeof(YR_VERSION));
	n += sizeof(YR_VERSION);
	memcpy(in + n, MDE_ENGINE_VERSION, sizeof(MDE_ENGINE_VERSION));
	n += sizeof(MDE_ENGINE_VERSION);
	h = XXH3_128bits(in, n);
	XXH128_canonicalFromHash(&c, h);
	mde__hex(c.digest, 16, key);
	snprintf(path, sizeof(path), "%s/yara-%s.rules", defs->cache_dir, key);
	if (mde__yara_load(defs->yara, path, &defs->diag) == MDE_OK) {
		mde__cache_touch(path);
		return MDE_OK;
	}
	rc = mde__yara_compile(defs->yara, &defs->diag, err, errlen);
	/* a cache: failing to write it is fine */
	if (rc == MDE_OK && mde__yara_save(defs->yara, path) == MDE_OK)
		mde__cache_prune(defs->cache_dir, "yara-", ".rules");
	return rc;
}

/* The error for a file no row takes: named like one whose content it
 * lacks (a ".mdb" that is no bundle), or like none. */
static int unknown_format(mde_defs *defs, const char *name, const char *why)
{
	const mde__defs_fmt *f = mde__defs_fmt_next(NULL, name);

	if (f)
		snprintf(defs->err, sizeof(defs->err), "'%s': unknown "
			 "definitions format (named like a %s, but its "
			 "content is not one)", name, f->what);
	else
		snprintf(defs->err, sizeof(defs->err),
			 "'%s': unknown definitions format%s", name, why);
	return MDE_ERR_FORMAT;
}

int mde__defs_load_as(mde_defs *defs, const mde__defs_fmt *f,
		      const char *name, const void *buf, size_t len)
{
	if (defs->compiled) {
		snprintf(defs->err, sizeof(defs->err),
			 "definitions already compiled");
		return MDE_ERR_STATE;
	}
	if (!f)
		return unknown_format(defs, name, "");
	if (!f->load) {
		snprintf(defs->err, sizeof(defs->err), "'%s': a %s is loaded "
			 "from its file, not from memory", name, f->what);
		return MDE_ERR_FORMAT;
	}
	if (f->kind != MDE__DK_SKIP) /* what is not loaded is no version */
		add_to_version(f->flags & MDE__DF_HASHES ? defs->xs_hash
							 : defs->xs_other,
			       name, buf, len);
	return f->load(defs, f, name, buf, len);
}

int mde_defs_load_buffer(mde_defs *defs, const char *name, const void *buf,
			 size_t len)
{
	return mde__defs_load_as(defs, mde__defs_fmt_of(name, buf, len), name,
				 buf, len);
}

/* The size of the regular file open at fd; MDE_ERR_IO for anything else
 * (a FIFO would block the load). */
static int regular_size(mde_defs *defs, int fd, const char *path,
			size_t *len)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(defs->err, sizeof(defs->err), "'%s': %s", path,
			 strerror(errno));
		return MDE_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(defs->err, sizeof(defs->err),
			 "'%s': not a regular file", path);
		return MDE_ERR_IO;
	}
	*len = (size_t)st.st_size;
	return MDE_OK;
}

/*
 * Maps len bytes of a definitions file read-only.  Mapping, not reading:
 * a 100 MB hash list is then parsed straight from the page cache, without
 * first faulting in 100 MB of fresh memory (the larger part of the load
 * time).  Definition files belong to the administrator; one truncated by
 * another process while it loads is the one case this does not survive.
 */
static int map_file(mde_defs *defs, int fd, const char *path, size_t len,
		    void **out)
{
	void *p;

	*out = NULL;
	if (len == 0)
		return MDE_OK;
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(defs->err, sizeof(defs->err), "'%s': %s", path,
			 strerror(errno));
		return MDE_ERR_IO;
	}
	madvise(p, len, MADV_SEQUENTIAL);
	*out = p;
	return MDE_OK;
}

/*
 * Loads the file at path by the format its name and first bytes give.  In
 * a directory scan (in_dir), a format loaded only when named is passed
 * over.
 */
static int load_file(mde_defs *defs, const char *path, int in_dir)
{
	const mde__defs_fmt *f;
	char head[MDE__DEFS_HEAD];
	void *buf = NULL;
	size_t len = 0;
	ssize_t hl;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(defs->err, sizeof(defs->err), "cannot open '%s': %s",
			 path, strerror(errno));
		return MDE_ERR_IO;
	}
	rc = regular_size(defs, fd, path, &len);
	if (rc != MDE_OK)
		goto out;
	hl = pread(fd, head, sizeof(head), 0);
	f = mde__defs_fmt_of(path, head, hl > 0 ? (size_t)hl : 0);
	if (f && in_dir && (f->flags & MDE__DF_NAMED))
		goto out;
	if (f && f->load_path) {
		close(fd);
		return f->load_path(defs, path);
	}
	rc = map_file(defs, fd, path, len, &buf);
	if (rc == MDE_OK)
		rc = mde__defs_load_as(defs, f, path, buf ? buf : "", len);
	if (buf)
		munmap(buf, len);
out:
	close(fd);
	return rc;
}

/* True if a directory scan loads a file of this name (by name alone: the
 * content can still send it elsewhere). */
static int scanned(const char *name)
{
	const mde__defs_fmt *f = NULL;

	while ((f = mde__defs_fmt_next(f, name)))
		if (!(f->flags & MDE__DF_NAMED))
			return 1;
	return 0;
}

/* Loads the known files of a directory in name order (deterministic). */
static int load_dir(mde_defs *defs, const char *path)
{
	char **names, full[4200];
	size_t n, i;
	int rc = mde__list_dir(path, scanned, &names, &n);

	if (rc == MDE_ERR_IO)
		snprintf(defs->err, sizeof(defs->err), "cannot open '%s': %s",
			 path, strerror(errno));
	for (i = 0; i < n && rc == MDE_OK; i++) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path,
				     names[i]) >= sizeof(full)) {
			snprintf(defs->err, sizeof(defs->err),
				 "'%s/%s': path too long", path, names[i]);
			rc = MDE_ERR_IO;
		} else if (!mde__defs_cvd_superseded(defs, full)) {
			rc = load_file(defs, full, 1);
		}
	}
	mde__names_free(names, n);
	return rc;
}

int mde_defs_load_path(mde_defs *defs, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(defs->err, sizeof(defs->err), "cannot open '%s': %s",
			 path, strerror(errno));
		return MDE_ERR_IO;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(defs, path);
	if (!mde__defs_fmt_next(NULL, path))
		return unknown_format(defs, path, " (extension)");
	return load_file(defs, path, 0);
}

int mde_defs_compile(mde_defs *defs)
{
	int rc_h = MDE_OK, rc_b = MDE_OK, rc_y = MDE_OK, yc = 0;
	char err_b[256] = "", err_y[256] = "";

	if (defs->compiled)
		return MDE_ERR_STATE;
	rc_y = mde__defs_bundle_yara(defs, &yc);
#pragma omp parallel sections num_threads(3)
	{
#pragma omp section
		{
			rc_h = mde__hashsigs_finalize(defs->hash);
			if (rc_h == MDE_OK)
				rc_h = mde__iocs_finalize(defs->iocs);
		}
#pragma omp section
		{
			rc_b = mde__bytesigs_compile(defs->bytes, &defs->diag,
						     err_b, sizeof(err_b));
			if (rc_b == MDE_OK && defs->cache_dir)
				mde__clam_set_cache_dir(defs->clam,
							defs->cache_dir);
			if (rc_b == MDE_OK)
				rc_b = mde__clam_compile(defs->clam,
							 &defs->diag, err_b,
							 sizeof(err_b));
		}
#pragma omp section
		if (rc_y == MDE_OK && !yc)
			rc_y = yara_compile_cached(defs, err_y, sizeof(err_y));
	}
	if (rc_h != MDE_OK || rc_b != MDE_OK || rc_y != MDE_OK) {
		snprintf(defs->err, sizeof(defs->err), "%s",
			 rc_b != MDE_OK ? err_b
			 : rc_y != MDE_OK ? err_y
					  : mde_status_str(rc_h));
		return rc_b != MDE_OK ? rc_b : rc_y != MDE_OK ? rc_y : rc_h;
	}
	finish_version(defs);
	defs->compiled = 1;
	return MDE_OK;
}

void mde_defs_unsupported(const mde_defs *defs, mde_unsup_fn fn, void *ctx)
{
	mde__clam_unsupported(defs->clam, fn, ctx);
}

void mde_defs_set_unofficial(mde_defs *defs, int on)
{
	defs->unofficial = on != 0;
	mde__clam_set_unofficial(defs->clam, on != 0);
	mde__hashsigs_set_unofficial(defs->hash, on != 0);
}

void mde_defs_get_stats(const mde_defs *defs, mde_defs_stats *st)
{
	mde__ioc_counts c;

	memset(st, 0, sizeof(*st));
	mde__iocs_counts(defs->iocs, &c);
	st->hash_sigs = mde__hashsigs_count(defs->hash);
	st->byte_sigs = mde__bytesigs_count(defs->bytes) +
			mde__clam_count(defs->clam);
	st->yara_rules = mde__yara_count(defs->yara);
	st->iocs = c.hash[0] + c.hash[1] + c.hash[2] + c.fphash + c.filename;
	st->skipped = defs->diag.count;
	st->memory_bytes = mde__hashsigs_memory(defs->hash) +
			   mde__bytesigs_memory(defs->bytes) +
			   mde__clam_memory(defs->clam);
}

uint64_t mde__defs_nsigs(const mde_defs *defs)
{
	mde_defs_stats st;

	mde_defs_get_stats(defs, &st);
	return st.hash_sigs + st.byte_sigs + st.yara_rules + st.iocs;
}
