/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defs.c - the definitions container: loads signature files by format
 * (a table keyed by file extension), then compiles them once.
 *
 * Compilation runs the three independent jobs (sorting hash tables,
 * compiling byte signatures, compiling YARA rules) as OpenMP sections,
 * so a big definitions set loads in the time of its slowest part.
 */
#include "config.h"

#include <dirent.h>
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
#include "bundle.h"
#include "clamav.h"
#include "ioc.h"
#include "banned.h"

typedef int (*load_fn)(mde_defs *defs, const char *file, const char *buf,
		       size_t len);

static int load_hash(mde_defs *defs, const char *file, const char *buf,
		     size_t len)
{
	return mde__hashsigs_parse(defs->hash, file, buf, len, &defs->diag);
}

/* The ClamAV languages (clamav.h); a signed bundle, which also ends in
 * .mdb, is loaded by path only (mde_defs_load_path tells it by magic). */
static int load_clam(mde_defs *defs, const char *file, const char *buf,
		     size_t len)
{
	int pua, kind = mde__clam_kind(file, &pua);

	if (len >= 8 && !memcmp(buf, MDE__B_MAGIC, 8)) {
		snprintf(defs->err, sizeof(defs->err), "'%s': a definitions "
			 "bundle: load it by its path", file);
		return MDE_ERR_FORMAT;
	}
	return mde__clam_parse(defs->clam, kind, pua, file, buf, len,
			       &defs->diag);
}

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

static int load_yar(mde_defs *defs, const char *file, const char *buf,
		    size_t len)
{
	defs->path_externals |= mde__names_path_external(buf, len);
	return mde__yara_add_source(defs->yara, file, buf, len);
}

static int load_yarc(mde_defs *defs, const char *file, const char *buf,
		     size_t len)
{
	defs->path_externals = 1; /* cannot tell: assume they do */
	return mde__yara_add_compiled(defs->yara, file, buf, len, &defs->diag);
}

/* The formats, one row each. */
static const struct format {
	const char *ext;
	load_fn load;
	int hashes; /* only hash signatures (see mde_defs_version) */
} formats[] = {
	{ ".hdb", load_hash, 1 },    { ".hsb", load_hash, 1 },
	{ ".md5", load_hash, 1 },    { ".sha1", load_hash, 1 },
	{ ".sha256", load_hash, 1 }, { ".txt", load_hash, 1 },
	{ ".hdu", load_hash, 1 },    { ".hsu", load_hash, 1 },
	{ ".ndb", load_clam, 0 },    { ".ndu", load_clam, 0 },
	{ ".ldb", load_clam, 0 },    { ".ldu", load_clam, 0 },
	{ ".mdb", load_clam, 0 },    { ".mdu", load_clam, 0 },
	{ ".msb", load_clam, 0 },    { ".msu", load_clam, 0 },
	{ ".imp", load_clam, 0 },    { ".fp", load_clam, 0 },
	{ ".sfp", load_clam, 0 },    { ".ign", load_clam, 0 },
	{ ".ign2", load_clam, 0 },   { ".cdb", load_clam, 0 },
	{ ".ftm", load_clam, 0 },    { ".cfg", load_clam, 0 },
	{ ".cbc", load_clam, 0 },    { ".idb", load_clam, 0 },
	{ ".crb", load_clam, 0 },    { ".cat", load_clam, 0 },
	{ ".pdb", load_clam, 0 },    { ".gdb", load_clam, 0 },
	{ ".wdb", load_clam, 0 },    { ".yar", load_yar, 0 },
	{ ".yara", load_yar, 0 },    { ".yarc", load_yarc, 0 },
};

static const struct format *format_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	if (!dot)
		return NULL;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(dot, formats[i].ext) == 0)
			return &formats[i];
	return NULL;
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
	    !defs->clam ||
	    !defs->xs_hash ||
	    !defs->xs_other) {
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

static void finish_version(mde_defs *defs)
{
	XXH128_canonical_t h, o;
	XXH3_state_t *all = XXH3_createState();
	size_t i;

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
	for (i = 0; i < 16; i++)
		snprintf(defs->ver_hex + 2 * i, 3, "%02x", defs->ver[i]);
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
	uint8_t in[16 + 1 + sizeof(YR_VERSION) + sizeof(MDE_ENGINE_VERSION)];
	size_t i, n = 0;
	int rc;

	if (!defs->cache_dir || mde__yara_nsources(defs->yara) == 0)
		return mde__yara_compile(defs->yara, &defs->diag, err, errlen);
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(defs->xs_other));
	memcpy(in, c.digest, 16);
	n = 16;
	in[n++] = (uint8_t)defs->presel_off;
	memcpy(in + n, YR_VERSION, sizeof(YR_VERSION));
	n += sizeof(YR_VERSION);
	memcpy(in + n, MDE_ENGINE_VERSION, sizeof(MDE_ENGINE_VERSION));
	n += sizeof(MDE_ENGINE_VERSION);
	h = XXH3_128bits(in, n);
	XXH128_canonicalFromHash(&c, h);
	for (i = 0; i < 16; i++)
		snprintf(key + 2 * i, 3, "%02x", c.digest[i]);
	snprintf(path, sizeof(path), "%s/yara-%s.rules", defs->cache_dir, key);
	if (mde__yara_load(defs->yara, path, &defs->diag) == MDE_OK)
		return MDE_OK;
	rc = mde__yara_compile(defs->yara, &defs->diag, err, errlen);
	if (rc == MDE_OK)
		mde__yara_save(defs->yara, path); /* a cache: failure is fine */
	return rc;
}

int mde_defs_load_buffer(mde_defs *defs, const char *name, const void *buf,
			 size_t len)
{
	const struct format *f;
	int k;

	if (defs->compiled) {
		snprintf(defs->err, sizeof(defs->err),
			 "definitions already compiled");
		return MDE_ERR_STATE;
	}
	if ((k = mde__ioc_kind_of_name(name)) != 0) {
		/* file-name IOCs judge the path: verdicts depend on it */
		defs->path_externals |= k == MDE__IOC_FILENAME;
		add_to_version(defs->xs_other, name, buf, len);
		return mde__iocs_parse(defs->iocs, k, name, buf, len,
				       &defs->diag);
	}
	f = format_of(name);
	if (!f) {
		snprintf(defs->err, sizeof(defs->err),
			 "'%s': unknown definitions format", name);
		return MDE_ERR_FORMAT;
	}
	add_to_version(f->hashes ? defs->xs_hash : defs->xs_other, name, buf,
		       len);
	return f->load(defs, name, buf, len);
}

/*
 * Maps a definitions file read-only.  Mapping, not reading: a 100 MB hash
 * list is then parsed straight from the page cache, without first faulting
 * in 100 MB of fresh memory (the larger part of the load time).
 * Definition files belong to the administrator; one truncated by another
 * process while it loads is the one case this does not survive.
 */
static int map_file(mde_defs *defs, int fd, const char *path, void **out,
		    size_t *outlen)
{
	struct stat st;
	void *p;

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
	*outlen = (size_t)st.st_size;
	if (st.st_size == 0) {
		*out = NULL;
		return MDE_OK;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		 fd, 0);
	if (p == MAP_FAILED) {
		snprintf(defs->err, sizeof(defs->err), "'%s': %s", path,
			 strerror(errno));
		return MDE_ERR_IO;
	}
	madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	*out = p;
	return MDE_OK;
}

static int load_file_at(mde_defs *defs, int dirfd, const char *name,
			const char *path)
{
	void *buf = NULL;
	size_t len = 0;
	int fd, rc;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(defs->err, sizeof(defs->err), "cannot open '%s': %s",
			 path, strerror(errno));
		return MDE_ERR_IO;
	}
	rc = map_file(defs, fd, path, &buf, &len);
	close(fd);
	if (rc == MDE_OK)
		rc = mde_defs_load_buffer(defs, path, buf ? buf : "", len);
	if (buf)
		munmap(buf, len);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads the known files of a directory in name order (deterministic). */
static int load_dir(mde_defs *defs, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL, *full;
	size_t n = 0, cap = 0, i;
	int rc = MDE_OK;

	if (!d) {
		snprintf(defs->err, sizeof(defs->err), "cannot open '%s': %s",
			 path, strerror(errno));
		return MDE_ERR_IO;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (!format_of(de->d_name) &&
					     !mde__ioc_kind_of_name(de->d_name)))
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? 2 * cap : 16) *
							  sizeof(*p));
			if (!p) {
				rc = MDE_ERR_NOMEM;
				goto out;
			}
			names = p;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = MDE_ERR_NOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && rc == MDE_OK; i++) {
		size_t l = strlen(path) + strlen(names[i]) + 2;

		full = malloc(l);
		if (!full) {
			rc = MDE_ERR_NOMEM;
			break;
		}
		snprintf(full, l, "%s/%s", path, names[i]);
		rc = load_file_at(defs, dirfd(d), names[i], full);
		free(full);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

/* True if the file at path starts like a signed bundle. */
static int is_bundle(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 1; /* the bundle loader reports why */
	ok = read(fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic) ||
	     !memcmp(magic, MDE__B_MAGIC, sizeof(magic));
	close(fd);
	return ok;
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
	if (strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".mdb") &&
	    is_bundle(path))
		return mde_defs_load_bundle(defs, path);
	if (!format_of(path) && !mde__ioc_kind_of_name(path)) {
		snprintf(defs->err, sizeof(defs->err),
			 "'%s': unknown definitions format (extension)", path);
		return MDE_ERR_FORMAT;
	}
	return load_file_at(defs, AT_FDCWD, path, path);
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
	mde__clam_set_unofficial(defs->clam, on != 0);
}

void mde_defs_get_stats(const mde_defs *defs, mde_defs_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->hash_sigs = mde__hashsigs_count(defs->hash);
	st->byte_sigs = mde__bytesigs_count(defs->bytes) +
			mde__clam_count(defs->clam);
	st->yara_rules = mde__yara_count(defs->yara);
	{
		mde__ioc_counts c;

		mde__iocs_counts(defs->iocs, &c);
		st->iocs = c.hash[0] + c.hash[1] + c.hash[2] + c.fphash +
			   c.filename;
	}
	st->skipped = defs->diag.count;
	st->memory_bytes = mde__hashsigs_memory(defs->hash) +
			   mde__bytesigs_memory(defs->bytes) +
			   mde__clam_memory(defs->clam);
}
