/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dbcache.c - unit tests of the compiled ClamAV database file
 * (dbcache.c) and of the hash-table segments it feeds (hashsig.c), and
 * of a definitions load that compiles a container and then maps it
 * (defs_cvdc.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "mde_int.h"
#include "dbcache.h"

static const uint8_t key[16] = "0123456789abcdef";

static const char hsb[] =
	"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	":68:Test.Eicar.Sha\n"
	"44d88612fea8a8f36de82e1278abb02f:68:Test.Eicar.Md5\n"
	"00112233445566778899aabbccddeeff:*:Test.Any.Size\n"
	"ffeeddccbbaa99887766554433221100:5000000000:Test.Big\n";

/* A file of a text member, a digest, and h's tables. */
static uint8_t *make_file(mde__hashsigs *h, size_t *len)
{
	mde__dbc_w w = { 0 };
	struct mde__dbc_wpart q;
	mde__buf head = { 0 };
	struct iovec *iov;
	uint32_t pool;
	mde__hseg g;
	uint8_t *out;
	int niov, i, t;

	memset(&q, 0, sizeof(q));
	q.e.kind = MDE__DBC_TEXT;
	snprintf(q.name, sizeof(q.name), "x.ndb");
	q.data = "Sig:0:*:414243\n";
	q.len = strlen(q.data);
	assert_int_equal(mde__dbc_add(&w, &q, NULL), 0);
	memset(&q, 0, sizeof(q));
	q.e.kind = MDE__DBC_DIGEST;
	snprintf(q.name, sizeof(q.name), "x.hsb");
	q.mlen = sizeof(hsb) - 1;
	memset(q.digest, 7, 16);
	assert_int_equal(mde__dbc_add(&w, &q, NULL), 0);
	assert_int_equal(mde__hashsigs_view(h, 0, &g), MDE_OK);
	memset(&q, 0, sizeof(q));
	q.e.kind = MDE__DBC_POOL;
	q.data = g.names;
	q.len = g.names_len;
	assert_int_equal(mde__dbc_add(&w, &q, &pool), 0);
	for (t = 0; t < MDE__NHASH; t++) {
		assert_int_equal(mde__hashsigs_view(h, t, &g), MDE_OK);
		if (!g.n)
			continue;
		memset(&q, 0, sizeof(q));
		q.e.kind = MDE__DBC_TABLE;
		q.e.type = (uint32_t)t;
		q.e.flags = g.sizew << 8 | (g.wildcard ? 1u : 0u);
		q.e.n = g.n;
		q.e.nsizes = g.nsizes;
		q.data = g.rec;
		q.len = g.n * (mde__hash_len(t) + 12);
		q.sizes = g.sizes;
		q.pool = pool;
		assert_int_equal(mde__dbc_add(&w, &q, NULL), 0);
	}
	w.flevel_skips = 3;
	assert_int_equal(mde__dbc_encode(&w, key, &head, &iov, &niov), 0);
	*len = 0;
	for (i = 0; i < niov; i++)
		*len += iov[i].iov_len;
	out = malloc(*len);
	assert_non_null(out);
	*len = 0;
	for (i = 0; i < niov; i++) {
		memcpy(out + *len, iov[i].iov_base, iov[i].iov_len);
		*len += iov[i].iov_len;
	}
	free(iov);
	free(head.p);
	mde__dbc_w_free(&w);
	return out;
}

static mde__hashsigs *parsed(void)
{
	mde__hashsigs *h = mde__hashsigs_new();

	assert_non_null(h);
	assert_int_equal(mde__hashsigs_parse(h, "x.hsb", hsb, sizeof(hsb) - 1,
					     NULL), MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(h), MDE_OK);
	return h;
}

/* Encoded, checked, decoded; the tables searched as segments. */
static void test_roundtrip(void **state)
{
	mde__hashsigs *h = parsed(), *s = mde__hashsigs_new();
	struct mde__dbc_ent e;
	size_t len;
	uint8_t *f = make_file(h, &len);
	uint8_t dig[32];
	char why[200];
	mde__dbc d;
	unsigned texts = 0, tables = 0;
	mde__hseg g;

	(void)state;
	assert_int_equal(mde__dbc_open(&d, f, len, key, why, sizeof(why)), 0);
	assert_int_equal(d.flevel_skips, 3);
	for (uint32_t i = 0; i < d.nent; i++) {
		mde__dbc_entry(&d, i, &e);
		if (e.kind == MDE__DBC_TEXT) {
			texts++;
			assert_string_equal(e.name, "x.ndb");
			assert_int_equal(e.dlen, 15);
			assert_memory_equal(e.data, "Sig:0:*:414243\n", 15);
		} else if (e.kind == MDE__DBC_DIGEST) {
			assert_string_equal(e.name, "x.hsb");
			assert_int_equal(e.mlen, sizeof(hsb) - 1);
		} else if (e.kind == MDE__DBC_TABLE) {
			tables++;
			mde__dbc_seg(&e, &g);
			assert_int_equal(mde__hashsigs_seg(s, &g), MDE_OK);
		}
	}
	assert_int_equal(texts, 1);
	assert_int_equal(tables, 2); /* MD5 and SHA-256 */
	/* a parsed signature beside the segments: both are searched */
	assert_int_equal(mde__hashsigs_parse(s, "y.hdb",
		"0123456789abcdef0123456789abcdef:10:Test.Own\n", 45, NULL),
			 MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(s), MDE_OK);
	assert_int_equal(mde__hashsigs_count(s), 5);
	mde__unhex_valid("0123456789abcdef0123456789abcdef", 16, dig);
	assert_string_equal(mde__hashsigs_lookup(s, MDE__MD5, dig, 10),
			    "Test.Own");
	mde__unhex_valid("44d88612fea8a8f36de82e1278abb02f", 16, dig);
	assert_true(mde__hashsigs_want(s, MDE__MD5, 68));
	assert_string_equal(mde__hashsigs_lookup(s, MDE__MD5, dig, 68),
			    "Test.Eicar.Md5");
	assert_null(mde__hashsigs_lookup(s, MDE__MD5, dig, 69));
	mde__unhex_valid("00112233445566778899aabbccddeeff", 16, dig);
	assert_true(mde__hashsigs_want(s, MDE__MD5, 12345));
	assert_string_equal(mde__hashsigs_lookup(s, MDE__MD5, dig, 12345),
			    "Test.Any.Size");
	mde__unhex_valid("ffeeddccbbaa99887766554433221100", 16, dig);
	assert_string_equal(mde__hashsigs_lookup(s, MDE__MD5, dig,
						 5000000000ull), "Test.Big");
	mde__unhex_valid("275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538"
			 "aabf651fd0f", 32, dig);
	assert_true(mde__hashsigs_want(s, MDE__SHA256, 68));
	assert_false(mde__hashsigs_want(s, MDE__SHA1, 68));
	assert_string_equal(mde__hashsigs_lookup(s, MDE__SHA256, dig, 68),
			    "Test.Eicar.Sha");
	mde__hashsigs_free(s);
	mde__hashsigs_free(h);
	free(f);
}

/* Another key, every byte of the head flipped, every cut: refused. */
static void test_refused(void **state)
{
	mde__hashsigs *h = parsed();
	size_t len, head, i;
	uint8_t *f = make_file(h, &len), other[16];
	char why[200];
	mde__dbc d;

	(void)state;
	memcpy(&head, f + 32, 8);
	assert_true(head > MDE__DBC_HEAD && head < len);
	memcpy(other, key, 16);
	other[15] ^= 1;
	assert_int_equal(mde__dbc_open(&d, f, len, other, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "made for another database");
	for (i = 0; i < head; i++) {
		f[i] ^= 0x20;
		assert_int_equal(mde__dbc_open(&d, f, len, key, why,
					       sizeof(why)), -1);
		f[i] ^= 0x20;
	}
	for (i = 0; i < len; i++)
		assert_int_equal(mde__dbc_open(&d, f, i, key, why,
					       sizeof(why)), -1);
	assert_int_equal(mde__dbc_open(&d, f, len, key, why, sizeof(why)), 0);
	mde__hashsigs_free(h);
	free(f);
}

/* A name offset out of its pool is no name; a malformed segment is
 * refused. */
static void test_seg_bounds(void **state)
{
	mde__hashsigs *s = mde__hashsigs_new();
	uint8_t rec[28] = { 0 };
	uint32_t sizes[1] = { 10 }, name = 99;
	uint64_t size = 10;
	mde__hseg g = { MDE__MD5, rec, 1, sizes, 1, 4, false, "\0A\0", 3,
			false };

	(void)state;
	memcpy(rec + 16, &size, 8);
	memcpy(rec + 24, &name, 4);
	g.names_len = 2; /* no NUL at its end: refused */
	g.names = "\0A";
	assert_int_equal(mde__hashsigs_seg(s, &g), MDE_ERR_STATE);
	g.names = "\0A\0";
	g.names_len = 3;
	g.sizew = 2;
	assert_int_equal(mde__hashsigs_seg(s, &g), MDE_ERR_STATE);
	g.sizew = 4;
	assert_int_equal(mde__hashsigs_seg(s, &g), MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(s), MDE_OK);
	assert_true(mde__hashsigs_want(s, MDE__MD5, 10));
	assert_null(mde__hashsigs_lookup(s, MDE__MD5, rec, 10));
	mde__hashsigs_free(s);
}

/* Without interning, a name is shared with the one before only; lookups
 * give each signature its own name all the same. */
static void test_nointern(void **state)
{
	static const char list[] =
		"00000000000000000000000000000001:1:Same\n"
		"00000000000000000000000000000002:2:Same\n"
		"00000000000000000000000000000003:3:Other\n"
		"00000000000000000000000000000004:4:Same\n";
	mde__hashsigs *h = mde__hashsigs_new();
	uint8_t dig[16] = { 0 };
	mde__hseg g;

	(void)state;
	mde__hashsigs_set_intern(h, false);
	assert_int_equal(mde__hashsigs_parse(h, "x.hdb", list, sizeof(list) - 1,
					     NULL), MDE_OK);
	dig[15] = 9;
	assert_int_equal(mde__hashsigs_add(h, MDE__MD5, dig, 9, "Other", 5, 0,
					   0), MDE_OK);
	assert_int_equal(mde__hashsigs_finalize(h), MDE_OK);
	assert_int_equal(mde__hashsigs_view(h, MDE__MD5, &g), MDE_OK);
	/* "", "Same", "Other", "Same", "Other" */
	assert_int_equal(g.names_len, 1 + 5 + 6 + 5 + 6);
	for (int i = 1; i <= 4; i++) {
		dig[15] = (uint8_t)i;
		assert_string_equal(mde__hashsigs_lookup(h, MDE__MD5, dig,
							 (uint64_t)i),
				    i == 3 ? "Other" : "Same");
	}
	dig[15] = 9;
	assert_string_equal(mde__hashsigs_lookup(h, MDE__MD5, dig, 9), "Other");
	mde__hashsigs_free(h);
}

/* The tables of parsed() as segments of s, from an unofficial database
 * (a .cud) or not. */
static void add_segs(mde__hashsigs *s, const uint8_t *f, size_t len,
		     bool unofficial)
{
	struct mde__dbc_ent e;
	char why[200];
	mde__dbc d;
	mde__hseg g;

	assert_int_equal(mde__dbc_open(&d, f, len, key, why, sizeof(why)), 0);
	for (uint32_t i = 0; i < d.nent; i++) {
		mde__dbc_entry(&d, i, &e);
		if (e.kind != MDE__DBC_TABLE)
			continue;
		mde__dbc_seg(&e, &g);
		assert_false(g.unofficial); /* the file does not say */
		g.unofficial = unofficial;
		assert_int_equal(mde__hashsigs_seg(s, &g), MDE_OK);
	}
}

static const char *lookup_hex(mde__hashsigs *s, int type, const char *hex,
			      uint64_t size)
{
	uint8_t dig[32];

	mde__unhex_valid(hex, mde__hash_len(type), dig);
	return mde__hashsigs_lookup(s, type, dig, size);
}

/* A mapped .cud names as a parsed one: suffixed when asked (its records
 * copied into the set), as written when not; an official signature of the
 * same digest and size wins either way, be it parsed or mapped. */
static void test_seg_unofficial(void **state)
{
	static const char own[] =
		"44d88612fea8a8f36de82e1278abb02f:68:Own.Md5\n";
	mde__hashsigs *h = parsed();
	size_t len;
	uint8_t *f = make_file(h, &len);

	(void)state;
	for (int k = 0; k < 4; k++) {
		bool on = k & 1, seg_unoff = !(k & 2);
		mde__hashsigs *s = mde__hashsigs_new();

		mde__hashsigs_set_unofficial(s, on);
		add_segs(s, f, len, seg_unoff);
		/* the parsed file: the other source */
		assert_int_equal(mde__hashsigs_parse_src(s, "own.hdb", own,
			sizeof(own) - 1, seg_unoff ? 0 : MDE__HS_UNOFFICIAL,
			NULL), MDE_OK);
		assert_int_equal(mde__hashsigs_finalize(s), MDE_OK);
		assert_string_equal(lookup_hex(s, MDE__MD5,
			"44d88612fea8a8f36de82e1278abb02f", 68),
			seg_unoff ? "Own.Md5" : "Test.Eicar.Md5");
		assert_string_equal(lookup_hex(s, MDE__MD5,
			"00112233445566778899aabbccddeeff", 99),
			on && seg_unoff ? "Test.Any.Size.UNOFFICIAL"
					: "Test.Any.Size");
		assert_string_equal(lookup_hex(s, MDE__SHA256,
			"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538"
			"aabf651fd0f", 68),
			on && seg_unoff ? "Test.Eicar.Sha.UNOFFICIAL"
					: "Test.Eicar.Sha");
		assert_true(mde__hashsigs_want(s, MDE__MD5, 5000000000ull));
		assert_string_equal(lookup_hex(s, MDE__MD5,
			"ffeeddccbbaa99887766554433221100", 5000000000ull),
			on && seg_unoff ? "Test.Big.UNOFFICIAL" : "Test.Big");
		mde__hashsigs_free(s);
	}
	mde__hashsigs_free(h);
	free(f);
}

/* A container's stamp: what is written is read back; a flipped byte, a
 * cut, another engine version or a NUL inside the signer's text refuse
 * it. */
static void test_stamp(void **state)
{
	struct mde__cvdc_id id = { 1, 2, 3, 4, 5, 6, 7 }, id2;
	struct mde__cvdc_stamp s = { .by_sign = 1, .until = 1234567 }, s2;
	uint8_t b[MDE__DBC_STAMP], ctx[16], ctx2[16];

	(void)state;
	memset(s.key, 0xab, sizeof(s.key));
	memset(ctx, 0x5c, sizeof(ctx));
	snprintf(s.how, sizeof(s.how), "CN=test signer by its .sign");
	mde__dbc_stamp_encode(b, "v1", &id, ctx, &s);
	assert_int_equal(mde__dbc_stamp_parse(b, sizeof(b), "v1", &id2, ctx2,
					      &s2), 0);
	assert_memory_equal(&id, &id2, sizeof(id));
	assert_memory_equal(ctx, ctx2, sizeof(ctx));
	assert_memory_equal(s.key, s2.key, sizeof(s.key));
	assert_int_equal(s2.by_sign, 1);
	assert_int_equal(s2.until, 1234567);
	assert_string_equal(s2.how, s.how);
	assert_int_equal(mde__dbc_stamp_parse(b, sizeof(b), "v2", &id2, ctx2,
					      &s2), -1);
	assert_int_equal(mde__dbc_stamp_parse(b, sizeof(b) - 1, "v1", &id2,
					      ctx2, &s2), -1);
	for (size_t i = 0; i < sizeof(b); i += 7) {
		b[i] ^= 0x10;
		assert_int_equal(mde__dbc_stamp_parse(b, sizeof(b), "v1", &id2,
						      ctx2, &s2), -1);
		b[i] ^= 0x10;
	}
	s.how[3] = '\0'; /* "CN=": the length written is 3 */
	mde__dbc_stamp_encode(b, "v1", &id, ctx, &s);
	assert_int_equal(mde__dbc_stamp_parse(b, sizeof(b), "v1", &id2, ctx2,
					      &s2), 0);
	assert_string_equal(s2.how, "CN=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_seg_bounds),
		cmocka_unit_test(test_nointern),
		cmocka_unit_test(test_seg_unofficial),
		cmocka_unit_test(test_stamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
