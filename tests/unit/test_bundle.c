/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bundle.c - signed definitions bundles: every byte of a bundle is
 * covered (each single-byte flip and each truncation is refused), the
 * canonical hash tables and their diffs, deltas, loading and scanning,
 * and the ".verified" stamp.
 *
 * Keys, sources and bundles are made here, in a fresh temporary
 * directory, with OpenSSL and mde_bundle_build().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mde_int.h"
#include "bundle.h"

#define EICAR_SHA256 \
	"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

static char dir[256];

/* dir/rel in a static ring of 8: for a call's arguments only; a path
 * kept across calls is copied (keep()). */
static const char *at(const char *rel)
{
	static char ring[8][512];
	static int i;
	char *p = ring[i++ % 8];

	snprintf(p, 512, "%s/%s", dir, rel);
	return p;
}

static const char *keep(char *buf, const char *rel)
{
	snprintf(buf, 512, "%s/%s", dir, rel);
	return buf;
}

static void put_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static uint8_t *get_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *b;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	assert_non_null(b);
	assert_int_equal(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

static void put_text(const char *rel, const char *text)
{
	put_file(at(rel), text, strlen(text));
}

/* A fresh Ed25519 key pair: base.sec and base.pub, PEM. */
static void keygen(const char *base)
{
	char p[600];
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *fp;

	assert_non_null(k);
	snprintf(p, sizeof(p), "%s.sec", at(base));
	assert_non_null(fp = fopen(p, "w"));
	assert_int_equal(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL,
					      NULL), 1);
	fclose(fp);
	snprintf(p, sizeof(p), "%s.pub", at(base));
	assert_non_null(fp = fopen(p, "w"));
	assert_int_equal(PEM_write_PUBKEY(fp, k), 1);
	fclose(fp);
	EVP_PKEY_free(k);
}

/* Deterministic pseudo-random bytes (xorshift64*). */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1du;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd();
}

/* A .hsb of EICAR plus n random lines; extra appended as it is. */
static void write_hsb(const char *rel, int n, const char *extra)
{
	char *t = malloc((size_t)n * 120 + 4096), *p = t;
	uint8_t d[32];
	int i, j;

	assert_non_null(t);
	p += sprintf(p, "%s:68:Eicar\n", EICAR_SHA256);
	for (i = 0; i < n; i++) {
		rnd_bytes(d, 32);
		for (j = 0; j < 32; j++)
			p += sprintf(p, "%02x", d[j]);
		p += sprintf(p, ":%u:Test.Random.%d\n",
			     (unsigned)(rnd() % 100000 + 1), i);
	}
	p += sprintf(p, "%s", extra ? extra : "");
	put_text(rel, t);
	free(t);
}

static void build(const char *out, uint64_t version, const char *key,
		  const char *const *srcs, size_t n)
{
	mde_build_opts o = { .version = version, .key = key };
	const char *paths[8];
	char err[512] = "";
	size_t i;

	for (i = 0; i < n; i++)
		paths[i] = at(srcs[i]);
	assert_int_equal(mde_bundle_build(paths, n, &o, at(out), err,
					  sizeof(err)), MDE_OK);
}

static const char *const SRC1[] = { "s1/a.hsb", "s1/b.ndb", "s1/r.yar" };
static const char *const SRC2[] = { "s2/a.hsb", "s1/b.ndb", "s1/r.yar" };
static const char *const SRCS[] = { "s1/a.hsb", "s1/b.ndb" };
static const char *const SRCX[] = { "sx/a.hsb", "s1/b.ndb", "s1/r.yar" };

static int setup(void **state)
{
	char p[600];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/mde-bundle-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(p, sizeof(p), "%s/s1", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/s2", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sx", dir);
	mkdir(p, 0755);
	keygen("k");
	keygen("other");
	rng = 7;
	write_hsb("s1/a.hsb", 12, "aaaa000000000000000000000000000000000000"
		  "000000000000000000000000:10:Test.Old.Name\n"
		  "bbbb000000000000000000000000000000000000"
		  "000000000000000000000000:11:Test.Removed\n");
	rng = 7; /* the same random lines: v2 adds, removes, renames */
	write_hsb("s2/a.hsb", 12, "aaaa000000000000000000000000000000000000"
		  "000000000000000000000000:10:Test.New.Name\n"
		  "cccc000000000000000000000000000000000000"
		  "000000000000000000000000:12:Test.Added\n");
	rng = 99;
	write_hsb("sx/a.hsb", 3, NULL);
	put_text("s1/b.ndb", "Test.Body.Marker:0:*:626f64792d6d61726b65722d35316332\n");
	put_text("s1/r.yar", "rule Test_Yara_Marker { meta: score = 70 "
		 "strings: $a = \"yara-marker-7f3a\" condition: $a }\n");
	build("v1.mdb", 1, at("k.sec"), SRC1, 3);
	build("v2.mdb", 2, at("k.sec"), SRC2, 3);
	build("x1.mdb", 1, at("k.sec"), SRCX, 3);
	build("small.mdb", 1, at("k.sec"), SRCS, 2);
	put_text("eicar.com", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
		 "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
	put_text("body.txt", "a body-marker-51c2 in a file\n");
	put_text("yara.txt", "has the yara-marker-7f3a inside\n");
	put_text("clean.txt", "nothing here\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------- helpers */

/* mde_defs_load_bundle() with key k.pub; returns its status. */
static int load_status(const char *path, char *err, size_t errlen)
{
	mde_defs *d = mde_defs_new();
	int rc;

	assert_non_null(d);
	assert_int_equal(mde_defs_add_keys(d, at("k.pub")), MDE_OK);
	rc = mde_defs_load_bundle(d, path);
	if (err)
		snprintf(err, errlen, "%s", mde_defs_error(d));
	mde_defs_free(d);
	return rc;
}

static int check_status(const char *path)
{
	char err[512];

	return mde_bundle_check(path, at("k.pub"), NULL, err, sizeof(err));
}

struct seen {
	int findings;
	char names[8][128], stages[8][16];
};

static void on_event(void *ctx, const mde_event *ev)
{
	struct seen *s = ctx;

	if (ev->type != MDE_EV_FINDING)
		return;
	if (s->findings < 8) {
		snprintf(s->names[s->findings], 128, "%s", ev->name);
		snprintf(s->stages[s->findings], 16, "%s", ev->stage);
	}
	s->findings++;
}

/* Scans dir/rel with d (compiled); the first finding's name, or "". */
static const char *scan_one(mde_defs *d, const char *rel, const char **stage)
{
	static struct seen s;
	mde_engine *e = mde_engine_new(d);
	mde_scanner *sc;
	int fd, n = -1;

	assert_non_null(e);
	assert_int_equal(mde_engine_set_opt(e, MDE_OPT_ALL_MATCH, 1), MDE_OK);
	sc = mde_scanner_new(e);
	assert_non_null(sc);
	memset(&s, 0, sizeof(s));
	fd = open(at(rel), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(mde_scanner_scan_fd(sc, fd, at(rel), on_event, &s, &n),
			 MDE_OK);
	close(fd);
	assert_int_equal(n, s.findings);
	mde_scanner_free(sc);
	mde_engine_free(e);
	if (stage)
		*stage = s.findings ? s.stages[0] : "";
	return s.findings ? s.names[0] : "";
}

/* A loaded, compiled defs of bundle path (key k.pub). */
static mde_defs *load_ok(const char *path)
{
	mde_defs *d = mde_defs_new();

	assert_non_null(d);
	assert_int_equal(mde_defs_add_keys(d, at("k.pub")), MDE_OK);
	if (mde_defs_load_bundle(d, path) != MDE_OK)
		fail_msg("load %s: %s", path, mde_defs_error(d));
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	return d;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------- every byte is covered */

/*
 * Each single-byte change anywhere in a bundle (header, signature,
 * manifest, padding, parts) is refused by mde_bundle_check() and by
 * mde_defs_load_bundle().  The file is changed in place, one byte at a
 * time, and restored.  Bytes [0, pub_end) go through both public calls
 * (each reads the PEM key again: ~1 ms); the rest through the checks
 * they make, in memory: mde__bundle_parse() (layout, parts' SHA-256)
 * and mde__bundle_verify() (signature).
 */
static void flip_all(const char *src, const char *rel, size_t pub_end)
{
	char pb[512], err[256];
	const char *p = keep(pb, rel);
	size_t len, i, m, flips = 0;
	uint8_t *b = get_file(src, &len), *mem = malloc(len), pub[32], x;
	static const uint8_t masks[] = { 0xff, 0x01 };
	mde__bundle mb;
	int fd;

	assert_non_null(mem);
	assert_int_equal(mde__key_read_pub(at("k.pub"), pub, err, sizeof(err)),
			 MDE_OK);
	put_file(p, b, len);
	memcpy(mem, b, len);
	assert_int_equal(check_status(p), MDE_OK);
	assert_int_equal(load_status(p, NULL, 0), MDE_OK);
	memset(&mb, 0, sizeof(mb));
	assert_int_equal(mde__bundle_parse(&mb, mem, len), MDE_OK);
	assert_int_equal(mde__bundle_verify(&mb, (const uint8_t(*)[32])pub, 1),
			 MDE_OK);
	mde__bundle_close(&mb);
	fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	for (i = 0; i < len; i++) {
		for (m = 0; m < 2; m++) {
			if (m == 1 && i >= 256)
				break;
			x = b[i] ^ masks[m];
			mem[i] = x;
			memset(&mb, 0, sizeof(mb));
			if (mde__bundle_parse(&mb, mem, len) == MDE_OK &&
			    mde__bundle_verify(&mb, (const uint8_t(*)[32])pub,
					       1) == MDE_OK)
				fail_msg("%s: flip 0x%02x at %zu parses and "
					 "verifies", rel, masks[m], i);
			mde__bundle_close(&mb);
			mem[i] = b[i];
			flips++;
			if (i >= pub_end)
				continue;
			assert_int_equal(pwrite(fd, &x, 1, (off_t)i), 1);
			if (check_status(p) == MDE_OK)
				fail_msg("%s: flip 0x%02x at %zu passes "
					 "mde_bundle_check", rel, masks[m], i);
			if (load_status(p, NULL, 0) == MDE_OK)
				fail_msg("%s: flip 0x%02x at %zu loads", rel,
					 masks[m], i);
			assert_int_equal(pwrite(fd, &b[i], 1, (off_t)i), 1);
		}
	}
	close(fd);
	assert_int_equal(check_status(p), MDE_OK);
	assert_true(flips == len + (len < 256 ? len : 256));
	free(mem);
	free(b);
}

/* The small bundle (hash table and a byte signature, ~2 KB): every flip
 * through the public calls. */
static void test_every_flip_refused(void **state)
{
	(void)state;
	flip_all(at("small.mdb"), "flip.mdb", SIZE_MAX);
}

/* The bundle with YARA rules (their compiled form makes it ~20 KB):
 * every flip in memory, those of the head (header, signature, manifest)
 * through the public calls too. */
static void test_every_flip_refused_full(void **state)
{
	mde__bundle b;

	(void)state;
	assert_int_equal(mde__bundle_open(&b, at("v1.mdb")), MDE_OK);
	assert_true(b.len > 8192); /* the YARA part is in it */
	mde__bundle_close(&b);
	flip_all(at("v1.mdb"), "flipfull.mdb",
		 MDE__B_HDR + MDE__B_SIG + 4 * MDE__B_ENTRY);
}

static void test_every_truncation_refused(void **state)
{
	char pb[512];
	const char *p = keep(pb, "trunc.mdb");
	size_t len, n;
	uint8_t *b = get_file(at("small.mdb"), &len);
	mde__bundle mb;

	(void)state;
	put_file(p, b, len);
	for (n = len; n-- > 0;) {
		assert_int_equal(truncate(p, (off_t)n), 0);
		if (check_status(p) == MDE_OK)
			fail_msg("truncated to %zu passes mde_bundle_check", n);
		if (load_status(p, NULL, 0) == MDE_OK)
			fail_msg("truncated to %zu loads", n);
	}
	/* and one byte more is refused too */
	put_file(p, b, len);
	assert_int_equal(truncate(p, (off_t)len + 1), 0);
	assert_int_not_equal(check_status(p), MDE_OK);
	assert_int_not_equal(load_status(p, NULL, 0), MDE_OK);
	free(b);
	/* the full bundle, in memory */
	b = get_file(at("v1.mdb"), &len);
	for (n = 0; n < len; n++) {
		memset(&mb, 0, sizeof(mb));
		if (mde__bundle_parse(&mb, b, n) == MDE_OK)
			fail_msg("v1.mdb truncated to %zu parses", n);
		mde__bundle_close(&mb);
	}
	free(b);
}

/* A delta is covered the same way: mde_bundle_apply() refuses every flip. */
static void test_delta_every_flip_refused(void **state)
{
	char err[512];
	char pb[512];
	const char *p = keep(pb, "dflip.mdb");
	size_t len, i;
	uint8_t *b, x;
	int fd;

	(void)state;
	assert_int_equal(mde_bundle_diff(at("v1.mdb"), at("v2.mdb"),
					 at("k.sec"), at("d12f.mdb"), err,
					 sizeof(err)), MDE_OK);
	b = get_file(at("d12f.mdb"), &len);
	put_file(p, b, len);
	assert_int_equal(mde_bundle_apply(at("v1.mdb"), p, at("k.pub"),
					  at("dout.mdb"), err, sizeof(err)),
			 MDE_OK);
	fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	for (i = 0; i < len; i++) {
		x = b[i] ^ 0xff;
		assert_int_equal(pwrite(fd, &x, 1, (off_t)i), 1);
		if (mde_bundle_apply(at("v1.mdb"), p, at("k.pub"),
				     at("dout.mdb"), err, sizeof(err)) == MDE_OK)
			fail_msg("delta flip at %zu applies", i);
		assert_int_equal(pwrite(fd, &b[i], 1, (off_t)i), 1);
	}
	close(fd);
	free(b);
}

/* ------------------------------------------------------- hash tables */

#define NREC 600

struct recset {
	uint8_t dg[NREC][32];
	char names[NREC][24];
	mde__hrec r[NREC];
	size_t n;
};

static void recset_random(struct recset *s, size_t n)
{
	size_t i;

	s->n = n;
	for (i = 0; i < n; i++) {
		rnd_bytes(s->dg[i], 32);
		snprintf(s->names[i], sizeof(s->names[i]), "N.%zu",
			 (size_t)(rnd() % 100000));
		s->r[i].digest = s->dg[i];
		s->r[i].size = i % 17 == 0 ? UINT64_MAX : rnd() % 5000;
		s->r[i].name = s->names[i];
	}
}

static void encode(mde__hrec *r, size_t n, uint8_t **out, size_t *len)
{
	mde__hrec *c = malloc((n ? n : 1) * sizeof(*c));

	assert_non_null(c);
	if (n)
		memcpy(c, r, n * sizeof(*c));
	assert_int_equal(mde__htab_encode(MDE__SHA256, c, n, out, len),
			 MDE_OK);
	free(c);
}

static void decode(const uint8_t *buf, size_t len, mde__htab *t)
{
	char err[256];

	if (mde__htab_decode(buf, len, t, err, sizeof(err)) != MDE_OK)
		fail_msg("decode: %s", err);
}

static int key_cmp(const mde__hrec *a, const mde__hrec *b)
{
	int c = memcmp(a->digest, b->digest, 32);

	return c ? c : (a->size > b->size) - (a->size < b->size);
}

/* True if t holds exactly the record (digest, size, name). */
static int has_rec(const mde__htab *t, const mde__hrec *want)
{
	mde__hrec r;
	size_t i;

	for (i = 0; i < t->n; i++) {
		mde__htab_rec(t, i, &r);
		if (!key_cmp(&r, want) && !strcmp(r.name, want->name))
			return 1;
	}
	return 0;
}

static void test_htab_roundtrip(void **state)
{
	static struct recset s;
	mde__hrec shuf[NREC], r, prev = { 0 };
	uint8_t *a, *b;
	size_t al, bl, i, j;
	mde__htab t;

	(void)state;
	rng = 42;
	recset_random(&s, NREC);
	encode(s.r, s.n, &a, &al);
	decode(a, al, &t);
	assert_int_equal(t.n, NREC);
	assert_int_equal(t.type, MDE__SHA256);
	assert_int_equal(t.wildcard, 1);
	for (i = 0; i < t.n; i++) {
		mde__htab_rec(&t, i, &r);
		if (i)
			assert_true(key_cmp(&prev, &r) < 0);
		prev = r;
	}
	for (i = 0; i < s.n; i++)
		assert_true(has_rec(&t, &s.r[i]));
	/* canonical: the same set in another order gives the same bytes */
	memcpy(shuf, s.r, sizeof(shuf));
	for (i = NREC - 1; i > 0; i--) {
		j = (size_t)(rnd() % (i + 1));
		r = shuf[i];
		shuf[i] = shuf[j];
		shuf[j] = r;
	}
	encode(shuf, NREC, &b, &bl);
	assert_int_equal(al, bl);
	assert_memory_equal(a, b, al);
	free(b);
	/* an empty table */
	encode(NULL, 0, &b, &bl);
	decode(b, bl, &t);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.wildcard, 0);
	free(b);
	free(a);
}

static void test_htab_dups_and_wildcard(void **state)
{
	uint8_t d1[32], d2[32], *buf;
	mde__hrec in[7], r;
	mde__htab t;
	size_t len;
	const uint64_t *s64;

	(void)state;
	memset(d1, 0x11, 32);
	memset(d2, 0x22, 32);
	in[0] = (mde__hrec){ d1, 100, "Zed" };
	in[1] = (mde__hrec){ d1, 100, "Alpha" };
	in[2] = (mde__hrec){ d1, 100, "Mid" };
	in[3] = (mde__hrec){ d2, UINT64_MAX, "Wild" };
	in[4] = (mde__hrec){ d2, 0, "Empty" };
	in[5] = (mde__hrec){ d2, UINT64_C(1) << 40, "Huge" };
	in[6] = (mde__hrec){ d2, 7, "Seven" };
	encode(in, 7, &buf, &len);
	decode(buf, len, &t);
	assert_int_equal(t.n, 5);
	mde__htab_rec(&t, 0, &r);
	assert_string_equal(r.name, "Alpha"); /* the smallest name wins */
	assert_int_equal(r.size, 100);
	mde__htab_rec(&t, 1, &r);
	assert_int_equal(r.size, 0);
	mde__htab_rec(&t, 2, &r);
	assert_int_equal(r.size, 7);
	mde__htab_rec(&t, 3, &r);
	assert_true(r.size == UINT64_C(1) << 40);
	mde__htab_rec(&t, 4, &r); /* the wildcard sorts last */
	assert_true(r.size == UINT64_MAX);
	assert_string_equal(r.name, "Wild");
	assert_int_equal(t.wildcard, 1);
	/* sizes: distinct, sorted, wildcard left out, u64 when needed */
	assert_int_equal(t.sizew, 8);
	assert_int_equal(t.nsizes, 4);
	s64 = t.sizes;
	assert_true(s64[0] == 0 && s64[1] == 7 && s64[2] == 100 &&
		    s64[3] == UINT64_C(1) << 40);
	free(buf);
}

/* decode refuses what encode never writes; the trusted decode only
 * skips the order checks. */
static void test_htab_decode_refuses(void **state)
{
	static struct recset s;
	uint8_t *buf, tmp[44];
	size_t len, rs = 44, cut;
	mde__htab t;
	char err[256];

	(void)state;
	rng = 5;
	recset_random(&s, 50);
	encode(s.r, s.n, &buf, &len);
	/* two records swapped: not sorted */
	memcpy(tmp, buf + 64, rs);
	memcpy(buf + 64, buf + 64 + rs, rs);
	memcpy(buf + 64 + rs, tmp, rs);
	assert_int_equal(mde__htab_decode(buf, len, &t, err, sizeof(err)),
			 MDE_ERR_FORMAT);
	assert_non_null(strstr(err, "not sorted"));
	assert_int_equal(mde__htab_decode_trusted(buf, len, &t, err,
						  sizeof(err)), MDE_OK);
	memcpy(buf + 64 + rs, buf + 64, rs);
	memcpy(buf + 64, tmp, rs);
	decode(buf, len, &t);
	/* a name offset into the middle of a name */
	buf[64 + 40] += 1;
	assert_int_equal(mde__htab_decode(buf, len, &t, err, sizeof(err)),
			 MDE_ERR_FORMAT);
	buf[64 + 40] -= 1;
	/* every truncation */
	for (cut = 0; cut < len; cut++)
		assert_int_equal(mde__htab_decode(buf, cut, &t, err,
						  sizeof(err)), MDE_ERR_FORMAT);
	free(buf);
}

/* diff(a, b) applied to a gives b's canonical bytes. */
static void diff_patch(mde__hrec *ra, size_t na, mde__hrec *rb, size_t nb)
{
	uint8_t *a, *b, *d, *o;
	size_t al, bl, dl, ol;
	mde__htab ta, tb;
	char err[256];

	encode(ra, na, &a, &al);
	encode(rb, nb, &b, &bl);
	decode(a, al, &ta);
	decode(b, bl, &tb);
	assert_int_equal(mde__htab_diff(&ta, &tb, &d, &dl), MDE_OK);
	if (mde__htab_patch(&ta, d, dl, &o, &ol, err, sizeof(err)) != MDE_OK)
		fail_msg("patch: %s", err);
	assert_int_equal(ol, bl);
	assert_memory_equal(o, b, bl);
	free(o);
	free(d);
	free(a);
	free(b);
}

static void test_htab_diff_patch(void **state)
{
	static struct recset a, add;
	static mde__hrec b[2 * NREC], c[NREC];
	static char renamed[NREC][32];
	uint8_t *ab, *cb, *d, *o;
	size_t nb = 0, nc = 0, i, al, cl, dl, ol;
	mde__htab ta, tc, tm;
	char err[256];
	mde__hrec md5[1];
	uint8_t *mb;
	size_t ml;

	(void)state;
	rng = 1234;
	recset_random(&a, 400);
	recset_random(&add, 50);
	/* b: a minus every 10th, every 7th renamed, plus 50 new */
	for (i = 0; i < a.n; i++) {
		if (i % 10 == 3)
			continue;
		b[nb] = a.r[i];
		if (i % 7 == 0) {
			snprintf(renamed[i], sizeof(renamed[i]), "Renamed.%zu",
				 i);
			b[nb].name = renamed[i];
		}
		nb++;
	}
	for (i = 0; i < add.n; i++)
		b[nb++] = add.r[i];
	diff_patch(a.r, a.n, b, nb);  /* adds, removes, renames */
	diff_patch(b, nb, a.r, a.n);  /* and back */
	diff_patch(NULL, 0, b, nb);   /* from nothing */
	diff_patch(b, nb, NULL, 0);   /* to nothing */
	diff_patch(a.r, a.n, a.r, a.n); /* no change */

	/* the diff against another table (one dropped key missing) */
	encode(a.r, a.n, &ab, &al);
	decode(ab, al, &ta);
	{
		uint8_t *bb;
		size_t bl;
		mde__htab tb;

		encode(b, nb, &bb, &bl);
		decode(bb, bl, &tb);
		assert_int_equal(mde__htab_diff(&ta, &tb, &d, &dl), MDE_OK);
		free(bb);
	}
	for (i = 0; i < a.n; i++)
		if (i != 13) /* 13 % 10 == 3: b dropped it */
			c[nc++] = a.r[i];
	encode(c, nc, &cb, &cl);
	decode(cb, cl, &tc);
	assert_int_equal(mde__htab_patch(&tc, d, dl, &o, &ol, err, sizeof(err)),
			 MDE_ERR_FORMAT);
	assert_non_null(strstr(err, "does not fit"));
	/* a table of another hash type */
	md5[0] = (mde__hrec){ a.dg[0], 1, "M" };
	assert_int_equal(mde__htab_encode(MDE__MD5, md5, 1, &mb, &ml), MDE_OK);
	decode(mb, ml, &tm);
	assert_int_equal(mde__htab_patch(&tm, d, dl, &o, &ol, err, sizeof(err)),
			 MDE_ERR_FORMAT);
	assert_int_equal(mde__htab_diff(&tm, &ta, &o, &ol), MDE_ERR_ARG);
	/* every truncation of the diff is refused */
	for (i = 0; i < dl; i++)
		assert_int_not_equal(mde__htab_patch(&ta, d, i, &o, &ol, err,
						     sizeof(err)), MDE_OK);
	free(mb);
	free(cb);
	free(ab);
	free(d);
}

/* ------------------------------------------------------------- deltas */

static void test_delta_apply(void **state)
{
	char err[512] = "";
	uint8_t *want, *got;
	size_t wl, gl;
	mde_bundle_info bi;

	(void)state;
	assert_int_equal(mde_bundle_diff(at("v1.mdb"), at("v2.mdb"),
					 at("k.sec"), at("d12.mdb"), err,
					 sizeof(err)), MDE_OK);
	assert_int_equal(mde_bundle_check(at("d12.mdb"), at("k.pub"), &bi, err,
					  sizeof(err)), MDE_OK);
	assert_int_equal(bi.delta, 1);
	assert_int_equal(bi.version, 2);
	assert_int_equal(bi.base_version, 1);
	assert_int_equal(mde_bundle_apply(at("v1.mdb"), at("d12.mdb"),
					  at("k.pub"), at("v2-applied.mdb"),
					  err, sizeof(err)), MDE_OK);
	want = get_file(at("v2.mdb"), &wl);
	got = get_file(at("v2-applied.mdb"), &gl);
	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl);
	free(want);
	free(got);

	/* another base, same version number */
	err[0] = '\0';
	assert_int_not_equal(mde_bundle_apply(at("x1.mdb"), at("d12.mdb"),
					      at("k.pub"), at("bad.mdb"), err,
					      sizeof(err)), MDE_OK);
	assert_non_null(strstr(err, "not its base"));
	assert_int_equal(access(at("bad.mdb"), F_OK), -1);
	/* the target itself as the base */
	assert_int_not_equal(mde_bundle_apply(at("v2.mdb"), at("d12.mdb"),
					      at("k.pub"), at("bad.mdb"), err,
					      sizeof(err)), MDE_OK);

	/* signed by a key that is not trusted */
	assert_int_equal(mde_bundle_diff(at("v1.mdb"), at("v2.mdb"),
					 at("other.sec"), at("d12o.mdb"), err,
					 sizeof(err)), MDE_OK);
	err[0] = '\0';
	assert_int_equal(mde_bundle_apply(at("v1.mdb"), at("d12o.mdb"),
					  at("k.pub"), at("bad.mdb"), err,
					  sizeof(err)), MDE_ERR_SIG);
	assert_non_null(strstr(err, "not a trusted key"));
	assert_int_equal(access(at("bad.mdb"), F_OK), -1);

	/* only from older to newer full bundles */
	assert_int_not_equal(mde_bundle_diff(at("v2.mdb"), at("v1.mdb"),
					     at("k.sec"), at("bad.mdb"), err,
					     sizeof(err)), MDE_OK);
	assert_int_not_equal(mde_bundle_diff(at("v1.mdb"), at("d12.mdb"),
					     at("k.sec"), at("bad.mdb"), err,
					     sizeof(err)), MDE_OK);
	/* a delta is not a full bundle: it is not loaded */
	assert_int_equal(load_status(at("d12.mdb"), err, sizeof(err)),
			 MDE_ERR_FORMAT);
	assert_non_null(strstr(err, "delta"));
}

/* ------------------------------------------------------------ loading */

static void test_load_and_scan(void **state)
{
	mde_defs *d = load_ok(at("v1.mdb"));
	mde_bundle_info bi;
	const char *stage;
	char kid[17];
	uint8_t pub[32], id[8], *bytes;
	size_t blen, i;
	char err[256];

	(void)state;
	assert_string_equal(scan_one(d, "eicar.com", &stage), "Eicar");
	assert_string_equal(stage, "hash");
	assert_string_equal(scan_one(d, "body.txt", &stage),
			    "Test.Body.Marker");
	assert_string_equal(stage, "bytes");
	assert_string_equal(scan_one(d, "yara.txt", &stage),
			    "Test_Yara_Marker");
	assert_string_equal(stage, "yara");
	assert_string_equal(scan_one(d, "clean.txt", NULL), "");

	assert_int_equal(mde_defs_bundle_info(d, &bi), MDE_OK);
	assert_int_equal(bi.version, 1);
	assert_int_equal(bi.base_version, 0);
	assert_int_equal(bi.delta, 0);
	assert_int_equal(bi.hash_sigs, 15);
	assert_int_equal(bi.byte_sigs, 1);
	assert_int_equal(bi.yara_rules, 1);
	assert_int_equal(bi.iocs, 0);
	assert_int_equal(bi.parts, 4); /* 2 sources, hash/sha256, yara */
	assert_string_equal(bi.min_engine, MDE_ENGINE_VERSION);
	assert_true(bi.created > 1700000000u &&
		    bi.created <= (uint64_t)time(NULL));
	bytes = get_file(at("v1.mdb"), &blen);
	assert_int_equal(bi.size, blen);
	free(bytes);
	assert_int_equal(strlen(bi.digest), 64);
	assert_int_equal(mde__key_read_pub(at("k.pub"), pub, err, sizeof(err)),
			 MDE_OK);
	mde__key_id(pub, id);
	for (i = 0; i < 8; i++)
		snprintf(kid + 2 * i, 3, "%02x", id[i]);
	assert_string_equal(bi.key_id, kid);
	mde_defs_free(d);

	/* the same through mde_bundle_check() */
	assert_int_equal(mde_bundle_check(at("v1.mdb"), at("k.pub"), &bi, err,
					  sizeof(err)), MDE_OK);
	assert_int_equal(bi.hash_sigs, 15);
	assert_int_equal(mde_bundle_check(at("v1.mdb"), at("other.pub"), &bi,
					  err, sizeof(err)), MDE_ERR_SIG);
	assert_non_null(strstr(err, "not a trusted key"));
	/* NULL keys: layout and parts only */
	assert_int_equal(mde_bundle_check(at("v1.mdb"), NULL, &bi, err,
					  sizeof(err)), MDE_OK);
}

static void test_load_refusals(void **state)
{
	mde_defs *d;
	mde_bundle_info bi;
	static const char hsb[] = EICAR_SHA256 ":68:Loose.Eicar\n";

	(void)state;
	/* no key */
	d = mde_defs_new();
	assert_int_equal(mde_defs_bundle_info(d, &bi), MDE_ERR_STATE);
	assert_int_equal(mde_defs_load_bundle(d, at("v1.mdb")), MDE_ERR_SIG);
	mde_defs_free(d);
	/* an untrusted key */
	d = mde_defs_new();
	assert_int_equal(mde_defs_add_keys(d, at("other.pub")), MDE_OK);
	assert_int_equal(mde_defs_load_bundle(d, at("v1.mdb")), MDE_ERR_SIG);
	assert_non_null(strstr(mde_defs_error(d), "not a trusted key"));
	mde_defs_free(d);
	/* a key directory holding both keys */
	d = mde_defs_new();
	{
		char kd[600], cmd[1400];

		snprintf(kd, sizeof(kd), "%s", at("keys"));
		mkdir(kd, 0755);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s' '%s/'", at("k.pub"),
			 at("other.pub"), kd);
		assert_int_equal(system(cmd), 0);
		assert_int_equal(mde_defs_add_keys(d, kd), MDE_OK);
	}
	assert_int_equal(mde_defs_load_bundle(d, at("v1.mdb")), MDE_OK);
	/* two bundles */
	assert_int_equal(mde_defs_load_bundle(d, at("v2.mdb")), MDE_ERR_STATE);
	/* a bundle, then loose hash signatures */
	assert_int_equal(mde_defs_load_buffer(d, "loose.hsb", hsb,
					      strlen(hsb)), MDE_ERR_STATE);
	mde_defs_free(d);
	/* loose hash signatures, then a bundle */
	d = mde_defs_new();
	assert_int_equal(mde_defs_add_keys(d, at("k.pub")), MDE_OK);
	assert_int_equal(mde_defs_load_buffer(d, "loose.hsb", hsb,
					      strlen(hsb)), MDE_OK);
	assert_int_equal(mde_defs_load_bundle(d, at("v1.mdb")), MDE_ERR_STATE);
	mde_defs_free(d);
	/* after compile */
	d = mde_defs_new();
	assert_int_equal(mde_defs_add_keys(d, at("k.pub")), MDE_OK);
	assert_int_equal(mde_defs_compile(d), MDE_OK);
	assert_int_equal(mde_defs_load_bundle(d, at("v1.mdb")), MDE_ERR_STATE);
	mde_defs_free(d);
	/* not a bundle, a missing file, an empty file */
	put_text("notabundle.mdb", "MDESCANB but not really a bundle at all\n");
	assert_int_equal(load_status(at("notabundle.mdb"), NULL, 0),
			 MDE_ERR_FORMAT);
	assert_int_equal(load_status(at("missing.mdb"), NULL, 0), MDE_ERR_IO);
	put_text("empty.mdb", "");
	assert_int_not_equal(load_status(at("empty.mdb"), NULL, 0), MDE_OK);
}

/*
 * Loose hash signatures of another type (an .hdb of MD5s) loaded before a
 * bundle whose only table is SHA-256 are refused, as they are after it
 * (mdescan.h: "not together with loose hash files").
 */
static void test_loose_other_type_then_bundle(void **state)
{
	static const char md5[] = "44d88612fea8a8f36de82e1278abb02f:68:"
				  "Loose.Md5.Eicar\n";
	mde_defs *d = mde_defs_new();
	int rc;

	(void)state;
	assert_int_equal(mde_defs_add_keys(d, at("k.pub")), MDE_OK);
	assert_int_equal(mde_defs_load_buffer(d, "loose.hdb", md5,
					      strlen(md5)), MDE_OK);
	rc = mde_defs_load_bundle(d, at("small.mdb"));
	mde_defs_free(d);
	assert_int_equal(rc, MDE_ERR_STATE);
}

/*
 * v1's parts re-signed with key under a header that asks for engine
 * min_engine (and flags), into out.
 */
static void resign(const char *out, const char *min_engine, uint32_t flags)
{
	mde__bundle b;
	mde__bwriter *w = mde__bwriter_new();
	mde__bhdr h;
	uint8_t *o;
	size_t ol, i;
	char err[256];

	assert_non_null(w);
	assert_int_equal(mde__bundle_open(&b, at("v1.mdb")), MDE_OK);
	for (i = 0; i < b.h.nparts; i++)
		assert_int_equal(mde__bwriter_add_raw(w, &b.parts[i],
						      b.buf + b.parts[i].off),
				 MDE_OK);
	h = b.h;
	h.flags = flags;
	memset(h.min_engine, 0, sizeof(h.min_engine));
	snprintf(h.min_engine, sizeof(h.min_engine), "%s", min_engine);
	assert_int_equal(mde__bwriter_finish(w, &h, at("k.sec"), &o, &ol, err,
					     sizeof(err)), MDE_OK);
	put_file(at(out), o, ol);
	free(o);
	mde__bwriter_free(w);
	mde__bundle_close(&b);
}

/* A bundle whose last part is shorter than 64 bytes (one short byte
 * signature) loads: the part bounds are the file's, nothing more. */
static void test_tiny_part(void **state)
{
	static const char *const src[] = { "tiny/t.ndb" };
	char p[600];
	mde_bundle_info bi;
	char err[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/tiny", dir);
	mkdir(p, 0755);
	put_text("tiny/t.ndb", "Sig.A:0:*:41424344\n");
	build("tiny.mdb", 1, at("k.sec"), src, 1);
	assert_int_equal(mde_bundle_check(at("tiny.mdb"), at("k.pub"), &bi,
					  err, sizeof(err)), MDE_OK);
	assert_int_equal(bi.byte_sigs, 1);
	assert_int_equal(load_status(at("tiny.mdb"), NULL, 0), MDE_OK);
}

static void test_min_engine(void **state)
{
	static const struct {
		const char *want;
		int ok;
	} cases[] = {
		{ MDE_ENGINE_VERSION, 1 }, { "", 1 },	  { "0", 1 },
		{ "0.0.9", 1 },		   { "0.1", 1 },  { "99.0.0", 0 },
		{ "0.1.1", 0 },		   { "0.2", 0 },  { "1", 0 },
		{ "0.1.0.1", 0 },	   { "abc", 0 },  { "0.1.x", 0 },
	};
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		resign("eng.mdb", cases[i].want, 0);
		assert_int_equal(check_status(at("eng.mdb")), MDE_OK);
		err[0] = '\0';
		if ((load_status(at("eng.mdb"), err, sizeof(err)) == MDE_OK) !=
		    cases[i].ok)
			fail_msg("min_engine '%s': %s", cases[i].want,
				 err[0] ? err : "loads");
		if (!cases[i].ok)
			assert_non_null(strstr(err, "needs engine"));
	}
	/* a full bundle flagged as a delta, signed: not loaded */
	resign("eng.mdb", MDE_ENGINE_VERSION, MDE__B_FLAG_DELTA);
	assert_int_equal(load_status(at("eng.mdb"), err, sizeof(err)),
			 MDE_ERR_FORMAT);
}

/*
 * A table part whose records are out of order, properly signed: the
 * full load refuses it, and no stamp can be made for it (so the trusted
 * decode, which skips the order check, never sees it).
 */
static void test_signed_bad_table(void **state)
{
	static struct recset s;
	mde__bwriter *w = mde__bwriter_new();
	mde__bhdr h = { 0 };
	uint8_t *t, *o, tmp[44];
	size_t tl, ol;
	char err[512];

	(void)state;
	rng = 77;
	recset_random(&s, 8);
	encode(s.r, s.n, &t, &tl);
	memcpy(tmp, t + 64, 44);
	memcpy(t + 64, t + 64 + 44, 44);
	memcpy(t + 64 + 44, tmp, 44);
	assert_int_equal(mde__bwriter_add(w, "hash/sha256", MDE__P_HASHTAB,
					  MDE__E_STORED, t, tl, 8), MDE_OK);
	h.version = 5;
	snprintf(h.min_engine, sizeof(h.min_engine), "%s", MDE_ENGINE_VERSION);
	assert_int_equal(mde__bwriter_finish(w, &h, at("k.sec"), &o, &ol, err,
					     sizeof(err)), MDE_OK);
	put_file(at("badtab.mdb"), o, ol);
	assert_int_equal(check_status(at("badtab.mdb")), MDE_OK);
	assert_int_equal(load_status(at("badtab.mdb"), err, sizeof(err)),
			 MDE_ERR_FORMAT);
	assert_non_null(strstr(err, "not sorted"));
	assert_int_not_equal(mde_bundle_stamp(at("badtab.mdb"), at("k.pub"),
					      err, sizeof(err)), MDE_OK);
	assert_int_equal(access(at("badtab.mdb.verified"), F_OK), -1);
	free(o);
	free(t);
	mde__bwriter_free(w);
}

/* -------------------------------------------------------------- stamp */

static int stamp_valid(const char *path)
{
	mde__bundle b;
	int ok;

	assert_int_equal(mde__bundle_open_head(&b, path), MDE_OK);
	ok = mde__stamp_ok(&b, path);
	mde__bundle_close(&b);
	return ok;
}

/* The offset of EICAR's record in bundle path's sha256 table. */
static size_t eicar_record(const char *path)
{
	mde__bundle b;
	const mde__bpart *p;
	mde__htab t;
	mde__hrec r;
	uint8_t want[32];
	size_t i, off = 0;

	assert_int_equal(mde__bundle_open(&b, path), MDE_OK);
	p = mde__bundle_find(&b, "hash/sha256");
	assert_non_null(p);
	assert_int_equal(p->enc, MDE__E_STORED);
	decode(b.buf + p->off, (size_t)p->size, &t);
	for (i = 0; i < 32; i++)
		sscanf(EICAR_SHA256 + 2 * i, "%2hhx", &want[i]);
	for (i = 0; i < t.n && !off; i++) {
		mde__htab_rec(&t, i, &r);
		if (!memcmp(r.digest, want, 32))
			off = (size_t)(r.digest - b.buf);
	}
	mde__bundle_close(&b);
	assert_true(off > 0);
	return off;
}

static void test_stamp(void **state)
{
	char pb[512], vb[512];
	const char *p = keep(pb, "store.mdb"),
		   *v = keep(vb, "store.mdb.verified");
	struct stat st;
	struct timespec ts[2];
	uint8_t *b, x;
	size_t len, off;
	mde_defs *d;
	char err[512];
	int fd;

	(void)state;
	b = get_file(at("v1.mdb"), &len);
	put_file(p, b, len);
	free(b);
	unlink(v);
	assert_int_equal(stamp_valid(p), 0);
	/* an untrusted key makes no stamp */
	assert_int_equal(mde_bundle_stamp(p, at("other.pub"), err, sizeof(err)),
			 MDE_ERR_SIG);
	assert_int_equal(access(v, F_OK), -1);
	assert_int_equal(mde_bundle_stamp(p, at("k.pub"), err, sizeof(err)),
			 MDE_OK);
	assert_int_equal(access(v, F_OK), 0);
	assert_int_equal(stamp_valid(p), 1);
	d = load_ok(p);
	assert_string_equal(scan_one(d, "eicar.com", NULL), "Eicar");
	mde_defs_free(d);

	/* chmod moves the ctime: the stamp no longer holds, the load still
	 * works (with every check) */
	sleep_ms(20); /* ctime has the kernel's coarse clock granularity */
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(stamp_valid(p), 0);
	d = load_ok(p);
	assert_string_equal(scan_one(d, "eicar.com", NULL), "Eicar");
	mde_defs_free(d);

	/* utime: the same */
	assert_int_equal(mde_bundle_stamp(p, at("k.pub"), err, sizeof(err)),
			 MDE_OK);
	assert_int_equal(stamp_valid(p), 1);
	sleep_ms(20);
	assert_int_equal(stat(p, &st), 0);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(stamp_valid(p), 0);
	assert_int_equal(load_status(p, NULL, 0), MDE_OK);

	/* a part changed in place under a valid stamp, mtime put back: the
	 * ctime moved, so the load hashes the parts and refuses it */
	assert_int_equal(mde_bundle_stamp(p, at("k.pub"), err, sizeof(err)),
			 MDE_OK);
	assert_int_equal(stamp_valid(p), 1);
	assert_int_equal(stat(p, &st), 0);
	off = eicar_record(p);
	sleep_ms(20);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &x, 1, (off_t)off), 1);
	x ^= 0x01;
	assert_int_equal(pwrite(fd, &x, 1, (off_t)off), 1);
	close(fd);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(stamp_valid(p), 0);
	err[0] = '\0';
	assert_int_equal(load_status(p, err, sizeof(err)), MDE_ERR_FORMAT);
	assert_non_null(strstr(err, "SHA-256"));
	/* and a stamp is not made for it */
	assert_int_not_equal(mde_bundle_stamp(p, at("k.pub"), err, sizeof(err)),
			     MDE_OK);

	/* a stamp of another bundle at the same path: replaced file */
	b = get_file(at("v2.mdb"), &len);
	put_file(p, b, len);
	free(b);
	assert_int_equal(mde_bundle_stamp(p, at("k.pub"), err, sizeof(err)),
			 MDE_OK);
	b = get_file(at("v1.mdb"), &len);
	put_file(at("store2.mdb"), b, len);
	free(b);
	assert_int_equal(rename(at("store2.mdb"), p), 0);
	assert_int_equal(stamp_valid(p), 0);
	d = load_ok(p);
	mde_defs_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_flip_refused),
		cmocka_unit_test(test_every_flip_refused_full),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_delta_every_flip_refused),
		cmocka_unit_test(test_htab_roundtrip),
		cmocka_unit_test(test_htab_dups_and_wildcard),
		cmocka_unit_test(test_htab_decode_refuses),
		cmocka_unit_test(test_htab_diff_patch),
		cmocka_unit_test(test_delta_apply),
		cmocka_unit_test(test_load_and_scan),
		cmocka_unit_test(test_load_refusals),
		cmocka_unit_test(test_loose_other_type_then_bundle),
		cmocka_unit_test(test_tiny_part),
		cmocka_unit_test(test_min_engine),
		cmocka_unit_test(test_signed_bad_table),
		cmocka_unit_test(test_stamp),
	};

#ifdef _OPENMP
	/* check_digests() hashes the parts in an OpenMP team: on a loaded
	 * machine waking the team for a 2 KB bundle takes milliseconds, and
	 * these tests check thousands of bundles */
	omp_set_num_threads(1);
#endif
	return cmocka_run_group_tests(tests, setup, teardown);
}
