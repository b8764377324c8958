/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cache.c - the scan cache: verdicts round-trip, survive closing and
 * reopening, are found by file key and by content, honour the version and
 * the where fingerprint, and are visible before their batch is committed,
 * also while the writer thread commits the batch before (two threads
 * putting more than two batches).
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/mde-cache-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_val(mde__cval *v, int seed, unsigned nfind)
{
	unsigned i;

	memset(v, 0, sizeof(*v));
	memset(v->ver, 0x11, 16);
	memset(v->ver_nohash, 0x22, 16);
	memset(v->cid, seed, 16);
	v->size = 1000u + (unsigned)seed;
	v->have = 1u << MDE__SHA256;
	memset(v->dig[MDE__SHA256], 0xab, 32);
	v->nfind = nfind;
	for (i = 0; i < nfind; i++) {
		v->find[i].stage = "yara";
		v->find[i].name = i ? "Second" : "First";
		v->find[i].ns = "ns.yar";
		v->find[i].description = i ? NULL : "a description";
		v->find[i].author = NULL;
		v->find[i].score = i ? -1 : 75;
	}
}

static void make_key(mde__ckey *k, int seed)
{
	memset(k, 0, sizeof(*k));
	k->dev = 1;
	k->ino = (uint64_t)seed;
	k->size = 1000u + (unsigned)seed;
	k->mtime_ns = 123456789;
	k->ctime_ns = 987654321;
}

static void test_roundtrip_and_reopen(void **state)
{
	char err[256];
	mde__cache *c = mde__cache_open(dir, err, sizeof(err));
	mde__cache_rd *r;
	mde__cval v, got;
	mde__ckey k;

	assert_non_null(c);
	make_val(&v, 7, 2);
	make_key(&k, 7);
	assert_int_equal(mde__cache_put(c, &k, &v), MDE_OK);
	r = mde__cache_rd_new(c);
	/* pending, not yet committed: found by content only */
	assert_int_equal(mde__cache_get_file(r, &k, &got), 0);
	assert_int_equal(mde__cache_get_content(r, v.cid, v.size, v.ver,
						v.where, &got), 1);
	assert_int_equal(got.nfind, 2);
	assert_int_equal(mde__cache_flush(c), MDE_OK);
	assert_int_equal(mde__cache_get_file(r, &k, &got), 1);
	assert_string_equal(got.find[0].name, "First");
	assert_string_equal(got.find[0].description, "a description");
	assert_null(got.find[1].description);
	assert_int_equal(got.find[0].score, 75);
	assert_int_equal(got.find[1].score, -1);
	assert_memory_equal(got.dig[MDE__SHA256], v.dig[MDE__SHA256], 32);
	mde__cache_rd_free(r);
	mde__cache_close(c);

	c = mde__cache_open(dir, err, sizeof(err));
	assert_non_null(c);
	r = mde__cache_rd_new(c);
	assert_int_equal(mde__cache_get_file(r, &k, &got), 1);
	assert_int_equal(got.size, 1007);
	k.ctime_ns++; /* any change of the key is a miss */
	assert_int_equal(mde__cache_get_file(r, &k, &got), 0);
	mde__cache_rd_free(r);
	mde__cache_close(c);
}

static void test_content_version_and_where(void **state)
{
	char err[256];
	mde__cache *c = mde__cache_open(dir, err, sizeof(err));
	mde__cache_rd *r = mde__cache_rd_new(c);
	uint8_t other[16], where[16] = { 0 };
	mde__cval v, got;

	make_val(&v, 9, 0);
	assert_int_equal(mde__cache_put(c, NULL, &v), MDE_OK);
	assert_int_equal(mde__cache_flush(c), MDE_OK);
	assert_int_equal(mde__cache_get_content(r, v.cid, v.size, v.ver, where,
						&got), 1);
	assert_int_equal(got.nfind, 0);
	memset(other, 0x33, 16);
	assert_int_equal(mde__cache_get_content(r, v.cid, v.size, other, where,
						&got), 0);
	assert_int_equal(mde__cache_get_content(r, v.cid, v.size, v.ver, other,
						&got), 0);
	assert_int_equal(mde__cache_get_content(r, v.cid, v.size + 1, v.ver,
						where, &got), 0);
	mde__cache_rd_free(r);
	mde__cache_close(c);
}

static void test_many_batches(void **state)
{
	char err[256];
	mde__cache *c = mde__cache_open(dir, err, sizeof(err));
	mde__cache_rd *r = mde__cache_rd_new(c);
	mde__cval v, got;
	mde__ckey k;
	int i, hits = 0;

	for (i = 0; i < 10000; i++) {
		make_val(&v, i % 200, (unsigned)(i % 3));
		make_key(&k, 100000 + i);
		v.size = k.size;
		assert_int_equal(mde__cache_put(c, &k, &v), MDE_OK);
	}
	assert_int_equal(mde__cache_flush(c), MDE_OK);
	for (i = 0; i < 10000; i += 97) {
		make_key(&k, 100000 + i);
		hits += mde__cache_get_file(r, &k, &got);
		assert_int_equal(got.nfind, (unsigned)(i % 3));
	}
	assert_int_equal(hits, (10000 + 96) / 97);
	mde__cache_rd_free(r);
	mde__cache_close(c);
}

#define PER_THREAD 20000 /* two threads: more than two batches */

struct putter {
	mde__cache *c;
	int id;
	int lost; /* puts failed or not found right after */
};

static void *putter_main(void *arg)
{
	struct putter *p = arg;
	mde__cache_rd *r = mde__cache_rd_new(p->c);
	mde__cval v, got;
	mde__ckey k;
	int i, n;

	for (i = 0; r && i < PER_THREAD; i++) {
		n = p->id * PER_THREAD + i;
		make_val(&v, 0, (unsigned)(i % 2));
		memcpy(v.cid, &n, sizeof(n));
		make_key(&k, n);
		v.size = k.size;
		if (mde__cache_put(p->c, &k, &v) != MDE_OK ||
		    !mde__cache_get_content(r, v.cid, v.size, v.ver, v.where,
					    &got) ||
		    got.nfind != (unsigned)(i % 2))
			p->lost++;
	}
	if (!r)
		p->lost = PER_THREAD;
	mde__cache_rd_free(r);
	return NULL;
}

static void test_two_putters(void **state)
{
	char err[256];
	mde__cache *c = mde__cache_open(dir, err, sizeof(err));
	struct putter p[2] = { { c, 0, 0 }, { c, 1, 0 } };
	pthread_t t[2];
	mde__cache_rd *r;
	mde__cval got;
	mde__ckey k;
	int i, hits = 0;

	assert_non_null(c);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, putter_main, &p[i]),
				 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(p[0].lost + p[1].lost, 0);
	assert_int_equal(mde__cache_flush(c), MDE_OK);
	mde__cache_close(c);
	c = mde__cache_open(dir, err, sizeof(err));
	r = mde__cache_rd_new(c);
	for (i = 0; i < 2 * PER_THREAD; i += 7) {
		make_key(&k, i);
		hits += mde__cache_get_file(r, &k, &got);
	}
	assert_int_equal(hits, (2 * PER_THREAD + 6) / 7);
	mde__cache_rd_free(r);
	mde__cache_close(c);
}

static void test_open_failure(void **state)
{
	char err[256] = "";

	assert_null(mde__cache_open("/proc/nonexistent/x", err, sizeof(err)));
	assert_non_null(strstr(err, "/proc/nonexistent/x"));
	mde__cache_close(NULL);
	mde__cache_rd_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_reopen),
		cmocka_unit_test(test_content_version_and_where),
		cmocka_unit_test(test_many_batches),
		cmocka_unit_test(test_two_putters),
		cmocka_unit_test(test_open_failure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
