/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_hashsig.c - unit tests of the hash-signature tables (hashsig.c)
 * and of the names of unofficial sources (hashsig_src.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mde_int.h"

#define EICAR_MD5 "44d88612fea8a8f36de82e1278abb02f"
#define EICAR_SHA1 "3395856ce81f2b7382dee72602f798b642f14140"
#define EICAR_SHA256 \
	"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

/* Diagnostics collected by the callback. */
#define MAX_DIAGS 16
struct diags {
	unsigned n;
	unsigned line[MAX_DIAGS];
	char msg[MAX_DIAGS][128];
	char file[MAX_DIAGS][64];
};

static void diag_cb(void *ctx, const char *file, unsigned line,
		    const char *signame, const char *msg)
{
	struct diags *dg = ctx;

	if (dg->n < MAX_DIAGS) {
		dg->line[dg->n] = line;
		snprintf(dg->msg[dg->n], sizeof(dg->msg[0]), "%s", msg);
		snprintf(dg->file[dg->n], sizeof(dg->file[0]), "%s",
			 file ? file : "");
	}
	dg->n++;
}

/* Test fixture: a table, its diagnostics. */
struct fx {
	mde__hashsigs *h;
	struct diags dg;
	mde__diag d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->h = mde__hashsigs_new();
	f->d.fn = diag_cb;
	f->d.ctx = &f->dg;
	*state = f;
	return f->h ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	mde__hashsigs_free(f->h);
	free(f);
	return 0;
}

/* Parses text as file name and finalizes. */
static void load(struct fx *f, const char *name, const char *text)
{
	assert_int_equal(mde__hashsigs_parse(f->h, name, text, strlen(text),
					     &f->d), MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(f->h), MDE_OK);
}

static unsigned nibble(char c)
{
	const char *digits = "0123456789abcdef", *p = strchr(digits, c);

	assert_true(c && p);
	return (unsigned)(p - digits);
}

static void unhex(const char *hex, uint8_t *out)
{
	size_t i, n = strlen(hex) / 2;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(nibble(hex[2 * i]) << 4 |
				   nibble(hex[2 * i + 1]));
}

/* Name found for hex digest of type and size, or NULL. */
static const char *find(struct fx *f, int type, const char *hex,
			uint64_t size)
{
	uint8_t dg[32];

	unhex(hex, dg);
	return mde__hashsigs_lookup(f->h, type, dg, size);
}

static void test_hash_len(void **state)
{
	assert_int_equal(mde__hash_len(MDE__MD5), 16);
	assert_int_equal(mde__hash_len(MDE__SHA1), 20);
	assert_int_equal(mde__hash_len(MDE__SHA256), 32);
	assert_int_equal(mde__hash_len(MDE__NHASH), 0);
	assert_int_equal(mde__hash_len(-1), 0);
}

static void test_hdb_md5(void **state)
{
	struct fx *f = *state;

	load(f, "test.hdb", EICAR_MD5 ":68:Eicar-Test-Signature\n");
	assert_int_equal(f->dg.n, 0);
	assert_int_equal(mde__hashsigs_count(f->h), 1);
	assert_string_equal(find(f, MDE__MD5, EICAR_MD5, 68),
			    "Eicar-Test-Signature");
	assert_null(find(f, MDE__MD5, EICAR_MD5, 69));
	assert_null(find(f, MDE__MD5, "44d88612fea8a8f36de82e1278abb020",
			 68));
	assert_null(find(f, MDE__SHA256, EICAR_SHA256, 68));
}

static void test_hsb_by_length(void **state)
{
	struct fx *f = *state;

	load(f, "test.hsb",
	     EICAR_SHA1 ":68:Eicar.SHA1\n"
	     EICAR_SHA256 ":68:Eicar.SHA256\n");
	assert_int_equal(f->dg.n, 0);
	assert_int_equal(mde__hashsigs_count(f->h), 2);
	assert_string_equal(find(f, MDE__SHA1, EICAR_SHA1, 68), "Eicar.SHA1");
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 68),
			    "Eicar.SHA256");
	assert_null(find(f, MDE__SHA1, EICAR_SHA1, 0));
	assert_false(mde__hashsigs_want(f->h, MDE__MD5, 68));
}

static void test_wildcard_and_flevel(void **state)
{
	struct fx *f = *state;

	load(f, "test.hsb",
	     EICAR_SHA256 ":*:Eicar.Any:73\n"
	     EICAR_MD5 ":68:Eicar.MD5:20:255\n"
	     EICAR_SHA1 ":*:Eicar.SHA1.Any:73:255:extra\n");
	assert_int_equal(f->dg.n, 0);
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 68),
			    "Eicar.Any");
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 1 << 30),
			    "Eicar.Any");
	assert_string_equal(find(f, MDE__MD5, EICAR_MD5, 68), "Eicar.MD5");
	assert_string_equal(find(f, MDE__SHA1, EICAR_SHA1, 5), "Eicar.SHA1.Any");
	assert_true(mde__hashsigs_want(f->h, MDE__SHA256, 12345));
	assert_true(mde__hashsigs_want(f->h, MDE__SHA1, 0));
	assert_false(mde__hashsigs_want(f->h, MDE__MD5, 69));
}

static void test_sized_beats_wildcard(void **state)
{
	struct fx *f = *state;

	load(f, "test.hsb",
	     EICAR_SHA256 ":*:Any.Size\n"
	     EICAR_SHA256 ":68:Exact.Size\n");
	assert_int_equal(mde__hashsigs_count(f->h), 2);
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 68),
			    "Exact.Size");
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 67), "Any.Size");
}

static void test_plain_list(void **state)
{
	struct fx *f = *state;

	load(f, "/var/lib/defs/bad.sha256",
	     "# bad files\n" EICAR_SHA256 "\n" EICAR_MD5 "\n" EICAR_SHA1);
	assert_int_equal(f->dg.n, 0);
	assert_int_equal(mde__hashsigs_count(f->h), 3);
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 68),
			    "Hash.SHA256.bad.sha256");
	assert_string_equal(find(f, MDE__MD5, EICAR_MD5, 1),
			    "Hash.MD5.bad.sha256");
	assert_string_equal(find(f, MDE__SHA1, EICAR_SHA1, 0),
			    "Hash.SHA1.bad.sha256");
	assert_true(mde__hashsigs_want(f->h, MDE__SHA256, 999));
}

static void test_plain_list_no_file(void **state)
{
	struct fx *f = *state;

	load(f, NULL, EICAR_SHA256 "\n");
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 68),
			    "Hash.SHA256.unknown");
}

static void test_sum_lines(void **state)
{
	struct fx *f = *state;

	load(f, "list.txt",
	     EICAR_SHA256 "  eicar.com\n"
	     EICAR_MD5 " *eicar.com\n"
	     "\\" EICAR_SHA1 "  odd\\nname\n");
	assert_int_equal(f->dg.n, 0);
	assert_int_equal(mde__hashsigs_count(f->h), 3);
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 68),
			    "Hash.SHA256.list.txt");
	assert_string_equal(find(f, MDE__MD5, EICAR_MD5, 68),
			    "Hash.MD5.list.txt");
	assert_string_equal(find(f, MDE__SHA1, EICAR_SHA1, 68),
			    "Hash.SHA1.list.txt");
}

static void test_uppercase_crlf_blank(void **state)
{
	struct fx *f = *state;

	load(f, "test.hdb",
	     "\r\n"
	     "# comment\r\n"
	     "   \t\r\n"
	     "44D88612FEA8A8F36DE82E1278ABB02F:68:Upper\r\n"
	     "\n"
	     "  # indented comment\n"
	     EICAR_SHA256 ":68:Last.No.Newline");
	assert_int_equal(f->dg.n, 0);
	assert_int_equal(mde__hashsigs_count(f->h), 2);
	assert_string_equal(find(f, MDE__MD5, EICAR_MD5, 68), "Upper");
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 68),
			    "Last.No.Newline");
}

/* Each malformed line: diagnostic on its line, nothing loaded from it. */
static void test_malformed(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{ "44d88612fea8a8f36de82e1278abb02g:68:BadHex", "hex digit" },
		{ "44d88612fea8a8f36de82e1278abb0:68:Short", "30 hex digits" },
		{ EICAR_MD5 "0:68:Long", "33 hex digits" },
		{ EICAR_SHA256 "00:68:Longer", "over 64 hex digits" },
		{ EICAR_MD5 ":6x8:BadSize", "bad file size" },
		{ EICAR_MD5 ":-68:Negative", "bad file size" },
		{ EICAR_MD5 "::NoSize", "bad file size" },
		{ EICAR_MD5 ":99999999999999999999:Huge", "bad file size" },
		{ EICAR_MD5 ":18446744073709551615:Max", "bad file size" },
		{ EICAR_MD5 ":68:", "empty signature name" },
		{ EICAR_MD5 ":68::73", "empty signature name" },
		{ EICAR_MD5 ":68", "empty signature name" },
		{ "xyz", "hex digit at column 1" },
		{ EICAR_MD5 "-dash", "hex digit" },
	};
	struct fx *f = *state;
	char text[4096];
	size_t i, len = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%s\n" EICAR_SHA1 ":%zu:Good\n",
					bad[i].line, i);
	load(f, "bad.hdb", text);
	assert_int_equal(f->dg.n, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(f->d.count, f->dg.n);
	for (i = 0; i < f->dg.n; i++) {
		if (!strstr(f->dg.msg[i], bad[i].msg))
			fail_msg("line %zu: '%s' lacks '%s'", 2 * i + 1,
				 f->dg.msg[i], bad[i].msg);
		assert_int_equal(f->dg.line[i], 2 * i + 1);
		assert_string_equal(f->dg.file[i], "bad.hdb");
	}
	/* only the good lines, one per distinct size */
	assert_int_equal(mde__hashsigs_count(f->h), f->dg.n);
	assert_false(mde__hashsigs_want(f->h, MDE__MD5, 68));
}

static void test_overlong_line(void **state)
{
	struct fx *f = *state;
	size_t n = 10000, pre;
	char *text = malloc(n + 200);

	assert_non_null(text);
	pre = (size_t)snprintf(text, 200, EICAR_MD5 ":68:A\n" EICAR_MD5 ":1:");
	memset(text + pre, 'N', n);
	snprintf(text + pre + n, 200, "\n" EICAR_SHA256 ":68:After\n");
	load(f, "long.hdb", text);
	free(text);
	assert_int_equal(f->dg.n, 1);
	assert_int_equal(f->dg.line[0], 2);
	assert_non_null(strstr(f->dg.msg[0], "line too long"));
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 68), "After");
	assert_null(find(f, MDE__MD5, EICAR_MD5, 1));
}

static void test_nul_byte(void **state)
{
	static const char text[] = EICAR_MD5 ":68:Bad\0Name\n"
				   EICAR_MD5 "\0:68:Bad2\n";
	struct fx *f = *state;

	assert_int_equal(mde__hashsigs_parse(f->h, "nul.hdb", text,
					     sizeof(text) - 1, &f->d), MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(f->h), MDE_OK);
	assert_int_equal(f->dg.n, 2);
	assert_int_equal(f->dg.line[0], 1);
	assert_int_equal(f->dg.line[1], 2);
	assert_int_equal(mde__hashsigs_count(f->h), 0);
}

static void test_want_sizes(void **state)
{
	struct fx *f = *state;

	load(f, "sizes.hdb",
	     EICAR_MD5 ":68:A\n"
	     "00000000000000000000000000000001:0:Empty\n"
	     "00000000000000000000000000000002:4294967295:Max32\n"
	     EICAR_SHA256 ":1000:B\n");
	assert_true(mde__hashsigs_want(f->h, MDE__MD5, 68));
	assert_true(mde__hashsigs_want(f->h, MDE__MD5, 0));
	assert_true(mde__hashsigs_want(f->h, MDE__MD5, 4294967295u));
	assert_false(mde__hashsigs_want(f->h, MDE__MD5, 4294967296u));
	assert_false(mde__hashsigs_want(f->h, MDE__MD5, 1000));
	assert_true(mde__hashsigs_want(f->h, MDE__SHA256, 1000));
	assert_false(mde__hashsigs_want(f->h, MDE__SHA256, 68));
	assert_false(mde__hashsigs_want(f->h, MDE__SHA1, 68));
	assert_false(mde__hashsigs_want(f->h, -1, 68));
	assert_false(mde__hashsigs_want(f->h, MDE__NHASH, 68));
	assert_string_equal(find(f, MDE__MD5, "00000000000000000000000000000001",
				 0), "Empty");
}

static void test_want_large_sizes(void **state)
{
	struct fx *f = *state;

	load(f, "big.hdb",
	     EICAR_MD5 ":68:A\n"
	     "00000000000000000000000000000002:8589934592:Eight.GiB\n");
	assert_true(mde__hashsigs_want(f->h, MDE__MD5, 68));
	assert_true(mde__hashsigs_want(f->h, MDE__MD5, 8589934592u));
	assert_false(mde__hashsigs_want(f->h, MDE__MD5, 8589934591u));
	assert_string_equal(find(f, MDE__MD5, "00000000000000000000000000000002",
				 8589934592u), "Eight.GiB");
}

static void test_duplicates(void **state)
{
	struct fx *f = *state;
	uint64_t before;

	load(f, "dup.hdb",
	     EICAR_MD5 ":68:First\n"
	     EICAR_MD5 ":68:First\n"
	     EICAR_MD5 ":68:Second\n"
	     EICAR_MD5 ":69:First\n"
	     EICAR_MD5 ":68:First\n");
	/* same digest and size: one record, the name seen first */
	assert_int_equal(mde__hashsigs_count(f->h), 2);
	assert_string_equal(find(f, MDE__MD5, EICAR_MD5, 68), "First");
	assert_string_equal(find(f, MDE__MD5, EICAR_MD5, 69), "First");
	/* identical names share one pool entry */
	assert_ptr_equal(find(f, MDE__MD5, EICAR_MD5, 68),
			 find(f, MDE__MD5, EICAR_MD5, 69));
	before = mde__hashsigs_memory(f->h);
	assert_true(before > 0);
}

static void test_several_files(void **state)
{
	struct fx *f = *state;
	static const char a[] = EICAR_SHA256 "\n";
	static const char b[] = EICAR_MD5 "\n";

	assert_int_equal(mde__hashsigs_parse(f->h, "a.sha256", a,
					     strlen(a), &f->d), MDE_OK);
	assert_int_equal(mde__hashsigs_parse(f->h, "b.md5", b, strlen(b),
					     &f->d), MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(f->h), MDE_OK);
	assert_string_equal(find(f, MDE__SHA256, EICAR_SHA256, 1),
			    "Hash.SHA256.a.sha256");
	assert_string_equal(find(f, MDE__MD5, EICAR_MD5, 1), "Hash.MD5.b.md5");
}

static void test_empty_and_state(void **state)
{
	struct fx *f = *state;
	uint8_t dg[32] = { 0 };

	assert_int_equal(mde__hashsigs_parse(f->h, "e.hdb", NULL, 0, &f->d),
			 MDE_OK);
	assert_int_equal(mde__hashsigs_parse(f->h, "e.hdb", "", 0, NULL),
			 MDE_OK);
	/* before finalize nothing is looked up */
	assert_false(mde__hashsigs_want(f->h, MDE__MD5, 0));
	assert_int_equal(mde__hashsigs_finalize(f->h), MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(f->h), MDE_OK);
	assert_int_equal(mde__hashsigs_count(f->h), 0);
	assert_null(mde__hashsigs_lookup(f->h, MDE__SHA256, dg, 0));
	assert_null(mde__hashsigs_lookup(f->h, MDE__SHA256, NULL, 0));
	assert_false(mde__hashsigs_want(f->h, MDE__SHA256, 0));
	/* the table is read-only once finalized */
	assert_int_equal(mde__hashsigs_parse(f->h, "e.hdb", "x", 1, &f->d),
			 MDE_ERR_STATE);
	mde__hashsigs_free(NULL);
}

/* No diagnostic callback: problems are still counted. */
static void test_diag_count_only(void **state)
{
	struct fx *f = *state;
	mde__diag d = { 0 };
	static const char text[] = "zz\n" EICAR_MD5 ":x:Y\n";

	assert_int_equal(mde__hashsigs_parse(f->h, "c.hdb", text,
					     strlen(text), &d), MDE_OK);
	assert_int_equal(d.count, 2);
}

static uint64_t rng_state = 42;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void to_hex(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
}

/* One million random .hsb lines: all load, a sample is found. */
static void test_million(void **state)
{
	enum { N = 1000000, SAMPLE = 1000, STEP = N / SAMPLE };
	struct fx *f = *state;
	uint8_t (*keep)[32] = malloc(SAMPLE * sizeof(*keep));
	uint64_t *sizes = malloc(SAMPLE * sizeof(*sizes));
	char *text = malloc((size_t)N * 100), *p = text, want[32];
	uint8_t dg[32];
	uint64_t w, size;
	size_t i, k;
	const char *name;

	assert_true(keep && sizes && text);
	for (i = 0; i < N; i++) {
		for (k = 0; k < 4; k++) {
			w = rng();
			memcpy(dg + 8 * k, &w, 8);
		}
		size = rng() % (16u << 20);
		to_hex(dg, 32, p);
		p += 64;
		p += snprintf(p, 40, ":%llu:Rand.Sig-%zu\n",
			      (unsigned long long)size, i);
		if (i % STEP == 0) {
			memcpy(keep[i / STEP], dg, 32);
			sizes[i / STEP] = size;
		}
	}
	assert_int_equal(mde__hashsigs_parse(f->h, "rand.hsb", text,
					     (size_t)(p - text), &f->d), MDE_OK);
	free(text);
	assert_int_equal(mde__hashsigs_finalize(f->h), MDE_OK);
	assert_int_equal(f->dg.n, 0);
	assert_int_equal(mde__hashsigs_count(f->h), N);
	for (i = 0; i < SAMPLE; i++) {
		name = mde__hashsigs_lookup(f->h, MDE__SHA256, keep[i],
					    sizes[i]);
		snprintf(want, sizeof(want), "Rand.Sig-%zu", i * STEP);
		assert_non_null(name);
		assert_string_equal(name, want);
		assert_true(mde__hashsigs_want(f->h, MDE__SHA256, sizes[i]));
		keep[i][31] ^= 1;
		assert_null(mde__hashsigs_lookup(f->h, MDE__SHA256, keep[i],
						 sizes[i]));
	}
	free(keep);
	free(sizes);
}

/* Parses text from source src (MDE__HS_UNOFFICIAL or 0). */
static void load_src(struct fx *f, const char *name, const char *text,
		     unsigned src)
{
	assert_int_equal(mde__hashsigs_parse_src(f->h, name, text,
						 strlen(text), src, &f->d),
			 MDE_OK);
}

#define D1 "00000000000000000000000000000001"
#define D2 "00000000000000000000000000000002"
#define D3 "00000000000000000000000000000003"
#define D4 "00000000000000000000000000000004"
#define D5 "00000000000000000000000000000005"
#define DA "0000000000000000000000000000000a"

/* An official and an unofficial file sharing a name: the unofficial
 * signatures alone get the suffix, plain-list names never; without the
 * suffix asked for, every name as written. */
static void unofficial_names(struct fx *f, bool on, bool intern)
{
	uint8_t dg[16];

	mde__hashsigs_set_intern(f->h, intern);
	mde__hashsigs_set_unofficial(f->h, on);
	load_src(f, "o.hdb", D1 ":10:Shared.Name\n" D2 ":20:Only.Official\n",
		 0);
	load_src(f, "u.hdb", D3 ":30:Shared.Name\n" D4 ":*:Any.Size:73\n"
		 D5 "\n", MDE__HS_UNOFFICIAL);
	unhex(DA, dg);
	assert_int_equal(mde__hashsigs_add(f->h, MDE__MD5, dg, 40, "Added", 5,
					   MDE__HS_UNOFFICIAL, 0), MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(f->h), MDE_OK);
	assert_int_equal(f->dg.n, 0);
	assert_int_equal(mde__hashsigs_count(f->h), 6);
	assert_string_equal(find(f, MDE__MD5, D1, 10), "Shared.Name");
	assert_string_equal(find(f, MDE__MD5, D2, 20), "Only.Official");
	assert_string_equal(find(f, MDE__MD5, D3, 30),
			    on ? "Shared.Name.UNOFFICIAL" : "Shared.Name");
	assert_string_equal(find(f, MDE__MD5, D4, 12345),
			    on ? "Any.Size.UNOFFICIAL" : "Any.Size");
	assert_string_equal(find(f, MDE__MD5, D5, 7), "Hash.MD5.u.hdb");
	assert_string_equal(find(f, MDE__MD5, DA, 40),
			    on ? "Added.UNOFFICIAL" : "Added");
}

static void test_unofficial_suffix(void **state)
{
	unofficial_names(*state, true, true);
}

static void test_unofficial_off(void **state)
{
	unofficial_names(*state, false, true);
}

static void test_unofficial_nointern(void **state)
{
	unofficial_names(*state, true, false);
}

/* One digest and size from both sources: the official name wins, in
 * either load order, suffix or not. */
static void test_unofficial_duplicate(void **state)
{
	for (int k = 0; k < 4; k++) {
		struct fx *f = *state;
		const char *off = D1 ":10:The.Official\n";
		const char *unoff = D1 ":10:The.Unofficial\n"
				    D1 ":11:Other.Size\n";

		mde__hashsigs_free(f->h);
		f->h = mde__hashsigs_new();
		assert_non_null(f->h);
		mde__hashsigs_set_unofficial(f->h, k & 1);
		if (k & 2)
			load_src(f, "u.hdb", unoff, MDE__HS_UNOFFICIAL);
		load_src(f, "o.hdb", off, 0);
		if (!(k & 2))
			load_src(f, "u.hdb", unoff, MDE__HS_UNOFFICIAL);
		assert_int_equal(mde__hashsigs_finalize(f->h), MDE_OK);
		assert_int_equal(mde__hashsigs_count(f->h), 2);
		assert_string_equal(find(f, MDE__MD5, D1, 10), "The.Official");
		assert_string_equal(find(f, MDE__MD5, D1, 11),
				    k & 1 ? "Other.Size.UNOFFICIAL"
					  : "Other.Size");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_len),
		cmocka_unit_test_setup_teardown(test_hdb_md5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hsb_by_length, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wildcard_and_flevel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sized_beats_wildcard,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_list, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_plain_list_no_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sum_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uppercase_crlf_blank, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_want_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_want_large_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_several_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_state, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_diag_count_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_million, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unofficial_suffix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unofficial_off, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unofficial_nointern, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unofficial_duplicate, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("hashsig", tests, NULL, NULL);
}
