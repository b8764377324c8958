/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_forensic.c - the engine's forensic contract through the public
 * API: per-file info and hashes, MDE_EV_FILE and scores, newer-than,
 * shards, a scan root, and O_NOATIME fallbacks.  Each test makes its own
 * tree under a fresh temporary directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mdescan.h"

/* ------------------------------------------------------------ events */

#define MAXEV 512

struct rec {
	mde_event_type type;
	char path[512];
	char name[128];
	char stage[16];
	long score;
	int nfound, audit, has_file, noatime;
	mde_fileinfo fi; /* pointers cleared: see md5.. below */
	char md5[33], sha1[41], sha256[65];
};

struct evs {
	struct rec r[MAXEV];
	int n;
};

static void copy_hex(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void on_event(void *ctx, const mde_event *ev)
{
	struct evs *s = ctx;
	struct rec *r;

	if (s->n >= MAXEV)
		return;
	r = &s->r[s->n++];
	memset(r, 0, sizeof(*r));
	r->type = ev->type;
	snprintf(r->path, sizeof(r->path), "%s", ev->path);
	copy_hex(r->name, sizeof(r->name), ev->name);
	copy_hex(r->stage, sizeof(r->stage), ev->stage);
	r->score = ev->score;
	r->nfound = ev->nfound;
	r->audit = ev->audit;
	if (ev->file) {
		r->has_file = 1;
		r->fi = *ev->file;
		r->noatime = ev->file->noatime;
		copy_hex(r->md5, sizeof(r->md5), ev->file->md5);
		copy_hex(r->sha1, sizeof(r->sha1), ev->file->sha1);
		copy_hex(r->sha256, sizeof(r->sha256), ev->file->sha256);
		r->fi.md5 = r->fi.sha1 = r->fi.sha256 = NULL;
	}
}

/* The index of the first event of type about path ending in suffix. */
static int find_ev(const struct evs *s, mde_event_type type,
		   const char *suffix, int from)
{
	size_t sl = strlen(suffix);
	int i;

	for (i = from; i < s->n; i++) {
		size_t pl = strlen(s->r[i].path);

		if (s->r[i].type == type && pl >= sl &&
		    !strcmp(s->r[i].path + pl - sl, suffix))
			return i;
	}
	return -1;
}

static int count_type(const struct evs *s, mde_event_type type)
{
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->r[i].type == type;
	return n;
}

/* -------------------------------------------------------------- trees */

static char top[256];

static void mkpath(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", top, rel);
}

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];
	int fd;

	mkpath(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void putstr(const char *rel, const char *s)
{
	put(rel, s, strlen(s));
}

static void dir(const char *rel)
{
	char p[512];

	mkpath(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void link_to(const char *target, const char *rel)
{
	char p[512];

	mkpath(p, sizeof(p), rel);
	assert_int_equal(symlink(target, p), 0);
}

/* Lets the scan cache key files just written (it does not, within 50 ms
 * of a change: see verdict.c, recently_changed). */
static void settle(void)
{
	const struct timespec ts = { 0, 120000000 };

	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/mde-forensic-XXXXXX");
	assert_non_null(mkdtemp(top));
	assert_int_equal(chmod(top, 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

/* -------------------------------------------------------- definitions */

/* The EICAR test file, put together here so that no file of the
 * repository is one. */
static void eicar(char *buf, size_t n)
{
	static const char a[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
	static const char b[] = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

	snprintf(buf, n, "%s%s", a, b);
}

#define EICAR_MD5 "44d88612fea8a8f36de82e1278abb02f"
/* sha256("ioc content here") */
#define IOC_SHA256 \
	"cee2a285c342863b2bacad738e0ec53cf6d3e9316319bc097aedd834734b89a5"

static const char yar[] =
	"rule Scored { meta: score = 42 strings: $a = \"MARKER-TWO\" "
	"condition: $a }\n"
	"rule Unscored { strings: $a = \"MARKER-THREE\" condition: $a }\n";

static mde_defs *load(const char *name, const char *text, mde_defs *d)
{
	if (!d)
		d = mde_defs_new();
	assert_non_null(d);
	assert_int_equal(mde_defs_load_buffer(d, name, text, strlen(text)),
			 MDE_OK);
	return d;
}

static mde_defs *scoring_defs(const char *ioc_sha256)
{
	char hdb[128], hioc[160];
	mde_defs *d;

	snprintf(hdb, sizeof(hdb), "%s:68:Test.Eicar.Md5\n", EICAR_MD5);
	snprintf(hioc, sizeof(hioc), "%s;77;Test hash IOC\n", ioc_sha256);
	d = load("t.hdb", hdb, NULL);
	load("t.yar", yar, d);
	load("t.ndb", "PUA.Test.Thing:0:*:5055412d4d41524b4552\n", d);
	load("test-hash-iocs.txt", hioc, d);
	load("test-filename-iocs.txt", "# evil names\nevil-name\\.txt;55\n",
	     d);
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	return d;
}

static mde_defs *empty_defs(void)
{
	mde_defs *d = mde_defs_new();

	assert_non_null(d);
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	return d;
}

struct cfg {
	int threads, file_events, file_hashes, follow, all_match;
	int64_t newer_than, shard_k, shard_n;
	const char *cache, *root;
};

static void scan_paths(mde_defs *d, const struct cfg *c,
		       const char *const *paths, size_t np, struct evs *s,
		       mde_summary *sum)
{
	mde_engine *e = mde_engine_new(d);
	size_t i;

	assert_non_null(e);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_THREADS,
					    c->threads ? c->threads : 2),
			 MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_REPORT_CLEAN, 1),
			 MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_ALL_MATCH, c->all_match),
			 MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_FILE_EVENTS,
					    c->file_events), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_FILE_HASHES,
					    c->file_hashes), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_FOLLOW_SYMLINKS,
					    c->follow), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_NEWER_THAN,
					    c->newer_than), MDE_OK);
	if (c->shard_n) {
		assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_COUNT,
						    c->shard_n), MDE_OK);
		assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_INDEX,
						    c->shard_k), MDE_OK);
	}
	if (c->cache)
		assert_int_equal(mde_engine_set_cache(e, c->cache), MDE_OK);
	if (c->root)
		assert_int_equal(mde_engine_set_root(e, c->root), MDE_OK);
	memset(s, 0, sizeof(*s));
	assert_int_equal(mde_engine_begin(e, on_event, s), MDE_OK);
	for (i = 0; i < np; i++)
		assert_int_equal(mde_engine_submit(e, paths[i]), MDE_OK);
	assert_int_equal(mde_engine_end(e, sum), MDE_OK);
	mde_engine_free(e);
}

static void scan(mde_defs *d, const struct cfg *c, const char *path,
		 struct evs *s, mde_summary *sum)
{
	scan_paths(d, c, &path, 1, s, sum);
}

/* ------------------------------------------------------------- hashes */

static const struct kat {
	const char *name, *data, *md5, *sha1, *sha256;
} kats[] = {
	{ "h/hello", "hello world", "5eb63bbbe01eeed093cb22bb8f5acdc3",
	  "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
	  "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9" },
	{ "h/abc", "abc", "900150983cd24fb0d6963f7d28e17f72",
	  "a9993e364706816aba3e25717850c26c9cd0d89d",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "h/sub/empty", "", "d41d8cd98f00b204e9800998ecf8427e",
	  "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
};
#define NKAT (sizeof(kats) / sizeof(kats[0]))

static void check_kats(const struct evs *s, int hashes)
{
	struct stat st;
	char p[512];
	size_t k;
	int i;

	assert_int_equal(count_type(s, MDE_EV_FILE), (int)NKAT);
	for (k = 0; k < NKAT; k++) {
		i = find_ev(s, MDE_EV_FILE, kats[k].name, 0);
		assert_true(i >= 0);
		assert_int_equal(find_ev(s, MDE_EV_FILE, kats[k].name, i + 1),
				 -1);
		assert_true(s->r[i].has_file);
		if (hashes) {
			assert_string_equal(s->r[i].md5, kats[k].md5);
			assert_string_equal(s->r[i].sha1, kats[k].sha1);
			assert_string_equal(s->r[i].sha256, kats[k].sha256);
		} else {
			assert_string_equal(s->r[i].md5, "");
			assert_string_equal(s->r[i].sha256, "");
		}
		mkpath(p, sizeof(p), kats[k].name);
		assert_int_equal(lstat(p, &st), 0);
		assert_int_equal(s->r[i].fi.ino, st.st_ino);
		assert_int_equal(s->r[i].fi.dev, st.st_dev);
		assert_int_equal(s->r[i].fi.size, strlen(kats[k].data));
		assert_int_equal(s->r[i].fi.mode, st.st_mode);
		assert_int_equal(s->r[i].fi.uid, st.st_uid);
		assert_int_equal(s->r[i].fi.nlink, 1);
		assert_int_equal(s->r[i].fi.mtime_ns,
				 (int64_t)st.st_mtim.tv_sec * 1000000000 +
					 st.st_mtim.tv_nsec);
		/* set below, before the scan read the file */
		assert_int_equal(s->r[i].fi.atime_ns,
				 (int64_t)1000000000 * 1000000000 + 123);
		assert_true(s->r[i].fi.btime_ns == -1 ||
			    s->r[i].fi.btime_ns > 0);
		/* the FILE event closes the file's events */
		assert_int_equal(find_ev(s, MDE_EV_CLEAN, kats[k].name, i + 1),
				 -1);
		assert_true(find_ev(s, MDE_EV_CLEAN, kats[k].name, 0) < i);
	}
}

static void test_file_hashes(void **state)
{
	const struct timespec ts[2] = { { 1000000000, 123 },
					{ 0, UTIME_OMIT } };
	mde_defs *d = empty_defs();
	struct cfg c = { .file_events = 1, .file_hashes = 1 };
	struct evs *s = calloc(1, sizeof(*s));
	char root[512], cache[512], p[512];
	mde_summary sum;
	size_t k;

	(void)state;
	dir("h");
	dir("h/sub");
	for (k = 0; k < NKAT; k++) {
		putstr(kats[k].name, kats[k].data);
		mkpath(p, sizeof(p), kats[k].name);
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	}
	mkpath(root, sizeof(root), "h");
	mkpath(cache, sizeof(cache), "cache");
	scan(d, &c, root, s, &sum);
	check_kats(s, 1);
	assert_int_equal(sum.files, NKAT);

	/* the cache never answers a file unread when hashes are asked */
	settle();
	c.cache = cache;
	scan(d, &c, root, s, &sum);
	scan(d, &c, root, s, &sum);
	check_kats(s, 1);
	assert_int_equal(sum.cached, 0);
	assert_int_equal(sum.files, NKAT);

	/* without hashes it does: FILE events still come, hashes NULL */
	c.file_hashes = 0;
	scan(d, &c, root, s, &sum);
	check_kats(s, 0);
	assert_int_equal(sum.cached, NKAT);
	free(s);
	mde_defs_free(d);
}

/* ---------------------------------------------------- FILE and scores */

/* The finding of name about the file ending in path, before its FILE
 * event; returns its score. */
static long finding_score(const struct evs *s, const char *path,
			  const char *name)
{
	int i, f = find_ev(s, MDE_EV_FILE, path, 0);

	assert_true(f >= 0);
	for (i = 0; i < s->n; i++) {
		size_t pl = strlen(s->r[i].path), sl = strlen(path);

		if (s->r[i].type == MDE_EV_FINDING && pl >= sl &&
		    !strcmp(s->r[i].path + pl - sl, path) &&
		    !strcmp(s->r[i].name, name)) {
			assert_true(i < f);
			assert_true(s->r[i].has_file);
			return s->r[i].score;
		}
	}
	for (i = 0; i < s->n; i++)
		print_message("event %d %s %s score %ld\n", s->r[i].type,
			      s->r[i].path, s->r[i].name, s->r[i].score);
	fail_msg("no finding %s in %s", name, path);
	return -1;
}

static void file_ev(const struct evs *s, const char *path, long score,
		    int nfound)
{
	int i = find_ev(s, MDE_EV_FILE, path, 0);

	assert_true(i >= 0);
	assert_int_equal(find_ev(s, MDE_EV_FILE, path, i + 1), -1);
	assert_int_equal(s->r[i].score, score);
	assert_int_equal(s->r[i].nfound, nfound);
	/* nothing about the file after it */
	assert_int_equal(find_ev(s, MDE_EV_FINDING, path, i + 1), -1);
	assert_int_equal(find_ev(s, MDE_EV_CLEAN, path, i + 1), -1);
}

static void check_scores(const struct evs *s)
{
	assert_int_equal(finding_score(s, "/s/eicar.com", "Test.Eicar.Md5"),
			 MDE_SCORE_SIGNATURE);
	file_ev(s, "/s/eicar.com", MDE_SCORE_SIGNATURE, 1);
	assert_int_equal(finding_score(s, "/s/two.txt", "Scored"), 42);
	assert_int_equal(finding_score(s, "/s/two.txt", "Unscored"),
			 MDE_SCORE_YARA);
	file_ev(s, "/s/two.txt", 42 + MDE_SCORE_YARA, 2);
	assert_int_equal(finding_score(s, "/s/ioc.bin",
				       "IOC.Hash:Test hash IOC"), 77);
	file_ev(s, "/s/ioc.bin", 77, 1);
	assert_int_equal(finding_score(s, "/s/evil-name.txt",
				       "IOC.Filename:evil names"), 55);
	file_ev(s, "/s/evil-name.txt", 55, 1);
	/* the PUA finding is audited: shown with its score, not summed */
	assert_int_equal(finding_score(s, "/s/pua.txt", "PUA.Test.Thing"),
			 MDE_SCORE_SIGNATURE);
	file_ev(s, "/s/pua.txt", 42, 1);
	file_ev(s, "/s/clean.txt", 0, 0);
	assert_int_equal(count_type(s, MDE_EV_FILE), 6);
}

static void test_file_events_scores(void **state)
{
	struct cfg c = { .file_events = 1, .all_match = 1 };
	struct evs *s = calloc(1, sizeof(*s));
	char root[512], cache[512], buf[80], ioc[65];
	mde_summary sum;
	mde_defs *d;
	int t;

	(void)state;
	dir("s");
	eicar(buf, sizeof(buf));
	putstr("s/eicar.com", buf);
	putstr("s/two.txt", "xx MARKER-TWO yy MARKER-THREE zz");
	putstr("s/ioc.bin", "ioc content here");
	putstr("s/evil-name.txt", "benign");
	putstr("s/pua.txt", "PUA-MARKER and MARKER-TWO");
	putstr("s/clean.txt", "nothing");
	snprintf(ioc, sizeof(ioc), "%s", IOC_SHA256);
	d = scoring_defs(ioc);
	mkpath(root, sizeof(root), "s");
	for (t = 1; t <= 3; t += 2) {
		c.threads = t;
		scan(d, &c, root, s, &sum);
		check_scores(s);
	}
	/* verdicts replayed from the cache keep their scores */
	mkpath(cache, sizeof(cache), "cache-scores");
	settle();
	c.cache = cache;
	scan(d, &c, root, s, &sum);
	check_scores(s);
	scan(d, &c, root, s, &sum);
	check_scores(s);
	assert_true(sum.cached >= 5);
	/* without the option: no FILE event, findings still scored */
	c.file_events = 0;
	c.cache = NULL;
	scan(d, &c, root, s, &sum);
	assert_int_equal(count_type(s, MDE_EV_FILE), 0);
	assert_true(s->r[find_ev(s, MDE_EV_FINDING, "/s/two.txt", 0)].score >=
		    42);
	free(s);
	mde_defs_free(d);
}

/* --------------------------------------------------------- newer-than */

static void test_newer_than(void **state)
{
	struct timespec old[2] = { { 946684800, 0 }, { 946684800, 0 } };
	struct cfg c = { .file_events = 1 };
	struct evs *s = calloc(1, sizeof(*s));
	mde_defs *d = empty_defs();
	char root[512], cache[512], p[512];
	time_t now = time(NULL);
	mde_summary sum;

	(void)state;
	dir("n");
	putstr("n/a", "a");
	putstr("n/b", "b");
	mkpath(p, sizeof(p), "n/a");
	assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
	mkpath(p, sizeof(p), "n/b");
	assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
	mkpath(root, sizeof(root), "n");
	mkpath(cache, sizeof(cache), "cache-newer");

	/* the ctime (now) is after the threshold: both scanned */
	c.newer_than = now - 3600;
	scan(d, &c, root, s, &sum);
	assert_int_equal(sum.files, 2);
	assert_int_equal(sum.unchanged, 0);

	/* both times before it: left out, counted, no event at all */
	c.newer_than = now + 3600;
	scan(d, &c, root, s, &sum);
	assert_int_equal(sum.files, 0);
	assert_int_equal(sum.unchanged, 2);
	assert_int_equal(s->n, 0);

	/* the mtime alone may be after it */
	old[1].tv_sec = now + 7200;
	mkpath(p, sizeof(p), "n/a");
	assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
	scan(d, &c, root, s, &sum);
	assert_int_equal(sum.files, 1);
	assert_int_equal(sum.unchanged, 1);
	assert_true(find_ev(s, MDE_EV_FILE, "/n/a", 0) >= 0);
	assert_int_equal(find_ev(s, MDE_EV_FILE, "/n/b", 0), -1);

	/* checked before the cache answers */
	settle();
	c.cache = cache;
	c.newer_than = 0;
	scan(d, &c, root, s, &sum);
	scan(d, &c, root, s, &sum);
	/* a, whose mtime is ahead, is never keyed (verdict.c,
	 * recently_changed): b would be answered from the cache */
	assert_int_equal(sum.cached, 1);
	c.newer_than = now + 3600;
	scan(d, &c, root, s, &sum);
	assert_int_equal(sum.cached, 0);
	assert_int_equal(sum.unchanged, 1);
	assert_int_equal(find_ev(s, MDE_EV_FILE, "/n/b", 0), -1);
	assert_int_equal(find_ev(s, MDE_EV_CLEAN, "/n/b", 0), -1);
	free(s);
	mde_defs_free(d);
}

/* ------------------------------------------------------------- shards */

#define NSHARDFILES 40

/* The scanned paths of s (CLEAN events), as a bit per file index. */
static void scanned(const struct evs *s, unsigned char *bits)
{
	int i, k;

	memset(bits, 0, NSHARDFILES);
	for (i = 0; i < s->n; i++) {
		const char *f;

		if (s->r[i].type != MDE_EV_CLEAN)
			continue;
		f = strrchr(s->r[i].path, '/');
		assert_non_null(f);
		assert_int_equal(sscanf(f, "/f%d", &k), 1);
		assert_true(k >= 0 && k < NSHARDFILES);
		assert_int_equal(bits[k], 0);
		bits[k] = 1;
	}
}

static void test_shards(void **state)
{
	struct cfg c = { 0 };
	struct evs *s = calloc(1, sizeof(*s));
	mde_defs *d = empty_defs();
	unsigned char full[NSHARDFILES], got[NSHARDFILES],
		uni[NSHARDFILES], ref[NSHARDFILES];
	char root[512], v[3][600], name[64];
	mde_summary sum;
	mde_engine *e;
	int i, k, n, cnt;

	(void)state;
	dir("sh");
	dir("sh/d1");
	dir("sh/d1/d2");
	for (i = 0; i < NSHARDFILES; i++) {
		snprintf(name, sizeof(name), "sh/%sf%d",
			 i % 3 == 0 ? "" : i % 3 == 1 ? "d1/" : "d1/d2/", i);
		putstr(name, "x");
	}
	mkpath(root, sizeof(root), "sh");
	scan(d, &c, root, s, &sum);
	scanned(s, full);
	for (i = 0; i < NSHARDFILES; i++)
		assert_int_equal(full[i], 1);
	for (n = 1; n <= 5; n++) {
		memset(uni, 0, sizeof(uni));
		for (k = 1; k <= n; k++) {
			c.shard_k = k;
			c.shard_n = n;
			scan(d, &c, root, s, &sum);
			scanned(s, got);
			for (cnt = 0, i = 0; i < NSHARDFILES; i++) {
				assert_false(got[i] && uni[i]); /* disjoint */
				uni[i] |= got[i];
				cnt += got[i];
			}
			assert_int_equal(sum.files, cnt);
			assert_int_equal(sum.othershard, NSHARDFILES - cnt);
			assert_int_equal(sum.dirs, 3); /* every shard walks */
		}
		assert_memory_equal(uni, full, NSHARDFILES);
	}
	/* the spelling of the start path does not move files */
	snprintf(v[0], sizeof(v[0]), "%s/", root);
	snprintf(v[1], sizeof(v[1]), "/%s//", root);
	snprintf(v[2], sizeof(v[2]), "%s/./d1/..", root);
	c.shard_k = 2;
	c.shard_n = 3;
	scan(d, &c, root, s, &sum);
	scanned(s, ref);
	for (i = 0; i < 3; i++) {
		scan(d, &c, v[i], s, &sum);
		scanned(s, got);
		assert_memory_equal(got, ref, NSHARDFILES);
	}
	/* the same tree elsewhere: the same partition */
	{
		char moved[512], cmd[1200];

		mkpath(moved, sizeof(moved), "elsewhere");
		dir("elsewhere");
		snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s/'", root, moved);
		assert_int_equal(system(cmd), 0);
		snprintf(moved + strlen(moved), sizeof(moved) - strlen(moved),
			 "/sh");
		scan(d, &c, moved, s, &sum);
		scanned(s, got);
		assert_memory_equal(got, ref, NSHARDFILES);
	}
	/* a start file goes to exactly one shard */
	snprintf(v[0], sizeof(v[0]), "%s/f0", root);
	for (cnt = 0, k = 1; k <= 3; k++) {
		c.shard_k = k;
		scan(d, &c, v[0], s, &sum);
		cnt += (int)sum.files;
		assert_int_equal(sum.files + sum.othershard, 1);
	}
	assert_int_equal(cnt, 1);
	/* K and N are checked */
	e = mde_engine_new(d);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_INDEX, 0),
			 MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_COUNT, 0),
			 MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_COUNT, -2),
			 MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_INDEX, 3), MDE_OK);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_COUNT, 2), MDE_OK);
	assert_int_equal(mde_engine_begin(e, on_event, s), MDE_ERR_ARG);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_SHARD_COUNT, 3), MDE_OK);
	assert_int_equal(mde_engine_begin(e, on_event, s), MDE_OK);
	assert_int_equal(mde_engine_end(e, NULL), MDE_OK);
	mde_engine_free(e);
	free(s);
	mde_defs_free(d);
}

/* --------------------------------------------------------------- root */

/* sha256("image hosts") and sha256("image passwd"): the image's files */
#define IMG_HOSTS "2f085360ad6d738284de0f492e844e3283290460e4423150158cbe8128576c23"
#define IMG_PASSWD "c71efcf96d73f91142118dded880cbd677b66db299b8970d6f8d539ecefe11cf"

/* Every event is about a path under root, and every file read is one of
 * the image's own (never the host's /etc/hosts or /etc/passwd). */
static void all_inside(const struct evs *s, const char *root)
{
	size_t rl = strlen(root);
	int i;

	for (i = 0; i < s->n; i++) {
		assert_true(strncmp(s->r[i].path, root, rl) == 0 &&
			    s->r[i].path[rl] == '/');
		assert_null(strstr(s->r[i].path, "/.."));
		if (s->r[i].type != MDE_EV_FILE)
			continue;
		assert_true(!strcmp(s->r[i].sha256, IMG_HOSTS) ||
			    !strcmp(s->r[i].sha256, IMG_PASSWD));
	}
}

static int has_file_ev(const struct evs *s, const char *path)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].type == MDE_EV_FILE && !strcmp(s->r[i].path, path))
			return 1;
	return 0;
}

static const char *sha_of(const struct evs *s, const char *path)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].type == MDE_EV_FILE && !strcmp(s->r[i].path, path))
			return s->r[i].sha256;
	return "";
}

static void test_root(void **state)
{
	struct cfg c = { .file_events = 1, .file_hashes = 1 };
	struct evs *s = calloc(1, sizeof(*s));
	mde_defs *d = empty_defs();
	char root[512], real[512], p[700], hosts_sha[65], passwd_sha[65];
	mde_summary sum;
	mde_engine *e;
	int follow;

	(void)state;
	dir("img");
	dir("img/etc");
	dir("img/bin");
	dir("img/usr");
	dir("img/usr/lib");
	putstr("img/etc/hosts", "image hosts");
	putstr("img/etc/passwd-img", "image passwd");
	link_to("/etc", "img/bin/abs-etc");
	link_to("../../../../etc", "img/usr/lib/rel-etc");
	link_to("/etc/hosts", "img/bin/hosts-link");
	link_to("/etc/passwd", "img/bin/host-passwd"); /* not in the image */
	link_to("/", "img/etc/loop");
	link_to("etc", "img/etc-dir");
	mkpath(root, sizeof(root), "img");
	assert_non_null(realpath(root, real));
	c.root = real;

	/* the files themselves, as a reference */
	scan(d, &c, "/etc", s, &sum);
	snprintf(p, sizeof(p), "%s/etc/hosts", real);
	assert_true(has_file_ev(s, p));
	snprintf(hosts_sha, sizeof(hosts_sha), "%s", sha_of(s, p));
	snprintf(p, sizeof(p), "%s/etc/passwd-img", real);
	snprintf(passwd_sha, sizeof(passwd_sha), "%s", sha_of(s, p));
	assert_int_equal(strlen(hosts_sha), 64);
	assert_int_equal(count_type(s, MDE_EV_FILE), 2);
	all_inside(s, real);

	/* start paths through links resolve inside the image; the event
	 * path is where they resolved to */
	{
		static const char *const starts[] = {
			"/bin/abs-etc", "/usr/lib/rel-etc", "/etc-dir",
			"bin/../usr/lib/rel-etc/loop/etc",
		};
		size_t k;

		for (k = 0; k < 4; k++) {
			scan(d, &c, starts[k], s, &sum);
			all_inside(s, real);
			assert_int_equal(count_type(s, MDE_EV_FILE), 2);
			snprintf(p, sizeof(p), "%s/etc/hosts", real);
			assert_true(has_file_ev(s, p));
		}
		scan(d, &c, "/bin/hosts-link", s, &sum);
		all_inside(s, real);
		snprintf(p, sizeof(p), "%s/etc/hosts", real);
		assert_true(has_file_ev(s, p));
		assert_int_equal(count_type(s, MDE_EV_FILE), 1);
		/* the host's /etc/passwd is not in the image */
		scan(d, &c, "/bin/host-passwd", s, &sum);
		assert_int_equal(count_type(s, MDE_EV_FILE), 0);
		assert_int_equal(sum.errors, 1);
		all_inside(s, real);
	}

	for (follow = 0; follow <= 1; follow++) {
		c.follow = follow;
		scan(d, &c, "/", s, &sum);
		all_inside(s, real);
		assert_int_equal(sum.errors, 0);
		if (!follow) {
			/* links left alone: the two files, once */
			assert_int_equal(count_type(s, MDE_EV_FILE), 2);
			continue;
		}
		/* every directory entered once (the loop and the links to
		 * etc end there); the file link read from the image */
		snprintf(p, sizeof(p), "%s/bin/hosts-link", real);
		assert_true(has_file_ev(s, p));
		assert_string_equal(sha_of(s, p), hosts_sha);
		snprintf(p, sizeof(p), "%s/bin/host-passwd", real);
		assert_false(has_file_ev(s, p));
		assert_int_equal(count_type(s, MDE_EV_FILE), 3);
		assert_int_equal(sum.dirs, 5);
	}
	/* from /bin, etc is reached only through the links: walked once,
	 * under the link's name, with the image's files */
	c.follow = 1;
	scan(d, &c, "/bin", s, &sum);
	all_inside(s, real);
	snprintf(p, sizeof(p), "%s/bin/abs-etc/passwd-img", real);
	assert_true(has_file_ev(s, p));
	assert_string_equal(sha_of(s, p), passwd_sha);
	assert_int_equal(count_type(s, MDE_EV_FILE), 3);

	e = mde_engine_new(d);
	snprintf(p, sizeof(p), "%s/etc/hosts", real);
	assert_int_equal(mde_engine_set_root(e, p), MDE_ERR_IO);
	assert_non_null(strstr(mde_engine_error(e), "hosts"));
	assert_int_equal(mde_engine_set_root(e, "/nonexistent-root"),
			 MDE_ERR_IO);
	assert_int_equal(mde_engine_set_root(e, real), MDE_OK);
	assert_int_equal(mde_engine_set_root(e, NULL), MDE_OK);
	mde_engine_free(e);
	free(s);
	mde_defs_free(d);
}

/* --------------------------------------------------------- atime risk */

/* In a child that is nobody: files owned by root, readable by all, open
 * only without O_NOATIME.  d was compiled before the fork (the compile
 * uses OpenMP, whose threads a fork does not bring along).  Returns a bit
 * per failed check. */
static int scan_as_nobody(mde_defs *d, const char *root, int nfiles,
			  int ndirs)
{
	struct cfg c = { .file_events = 1 };
	struct evs *s = calloc(1, sizeof(*s));
	mde_summary sum;
	mde_engine *e;
	int i, bad = 0, nfile = 0;

	if (!s || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return 1;
	if (!(e = mde_engine_new(d)))
		return 2;
	mde_engine_set_opt(e, MDE_OPT_FILE_EVENTS, c.file_events);
	mde_engine_set_opt(e, MDE_OPT_THREADS, 2);
	if (mde_engine_begin(e, on_event, s) != MDE_OK ||
	    mde_engine_submit(e, root) != MDE_OK ||
	    mde_engine_end(e, &sum) != MDE_OK)
		return 4;
	if (sum.atime_risk != (uint64_t)(nfiles + ndirs))
		bad |= 8;
	if (sum.files != (uint64_t)nfiles || sum.errors)
		bad |= 16;
	for (i = 0; i < s->n; i++) {
		if (s->r[i].type != MDE_EV_FILE)
			continue;
		nfile++;
		if (!s->r[i].has_file || s->r[i].noatime != 0)
			bad |= 32;
	}
	if (nfile != nfiles)
		bad |= 64;
	mde_engine_free(e);
	free(s);
	return bad;
}

static void test_atime_risk(void **state)
{
	struct cfg c = { .file_events = 1 };
	struct evs *s = calloc(1, sizeof(*s));
	mde_defs *d = empty_defs();
	char root[512];
	mde_summary sum;
	pid_t pid;
	int st, i;

	(void)state;
	dir("at");
	dir("at/sub");
	putstr("at/one", "1");
	putstr("at/sub/two", "2");
	mkpath(root, sizeof(root), "at");
	/* the owner (or root) opens everything with O_NOATIME */
	scan(d, &c, root, s, &sum);
	assert_int_equal(sum.atime_risk, 0);
	for (i = 0; i < s->n; i++)
		if (s->r[i].type == MDE_EV_FILE)
			assert_int_equal(s->r[i].noatime, 1);
	free(s);
	if (geteuid() != 0) {
		print_message("test_atime_risk: not root, the part run as "
			      "nobody (files it does not own) is skipped\n");
		mde_defs_free(d);
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(scan_as_nobody(d, root, 2, 2));
	mde_defs_free(d);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_hashes),
		cmocka_unit_test(test_file_events_scores),
		cmocka_unit_test(test_newer_than),
		cmocka_unit_test(test_shards),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_atime_risk),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
