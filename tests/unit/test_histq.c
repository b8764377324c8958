/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_histq.c - the history queue of the daemons: rows queued from
 * several threads all reach the database as one scan with its counts,
 * repeats within repeat_s are written once (and every time without it),
 * an unusable database is a warning and a count of lost rows, never a
 * failure of the caller, and a stopped queue refuses rows.
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
#include <sqlite3.h>

#include "histq.h"

static char dir[64], db[128];
static char warned[2048];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mde-histq-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/history.db", dir);
	warned[0] = 0;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwX '%s'; rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static long long sql_int(const char *sql)
{
	sqlite3 *c;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(c);
	return v;
}

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(warned, msg, sizeof(warned) - strlen(warned) - 1);
}

static histq *start(unsigned repeat_s, const char *where)
{
	const char *paths[] = { "/srv", "/home" };
	histq_cfg c = { where, HIST_WATCH, paths, 2, "7", repeat_s, warn,
			NULL };

	return histq_start(&c);
}

struct job {
	histq *q;
	int t;
};

static void *add_rows(void *arg)
{
	struct job *j = arg;
	char path[64];

	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/srv/%d/%d", j->t, i);
		/* the queue holds 1024 rows: 400 always fit */
		assert_int_equal(histq_add(j->q, path, "Eicar", "ab"), 0);
	}
	return NULL;
}

static void test_threads(void **state)
{
	histq *q = start(0, db);
	struct job j[4];
	pthread_t t[4];

	(void)state;
	assert_non_null(q);
	for (int i = 0; i < 4; i++) {
		j[i] = (struct job){ q, i };
		assert_int_equal(pthread_create(&t[i], NULL, add_rows, &j[i]),
				 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(histq_stop(q, 1000, 3), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM threats"), 400);
	assert_int_equal(sql_int("SELECT count(DISTINCT path) FROM threats"),
			 400);
	assert_int_equal(sql_int("SELECT count(*) FROM threats WHERE "
				 "sha256 = 'ab' AND name = 'Eicar'"), 400);
	assert_int_equal(sql_int("SELECT findings FROM scans"), 400);
	assert_int_equal(sql_int("SELECT files FROM scans"), 1000);
	assert_int_equal(sql_int("SELECT errors FROM scans"), 3);
	assert_int_equal(sql_int("SELECT count(*) FROM scans WHERE "
				 "type = 'watch' AND status = 'succeeded' AND "
				 "defs_version = '7'"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM scan_paths"), 2);
	assert_string_equal(warned, "");
}

static void test_repeats(void **state)
{
	histq *q = start(60, db);

	(void)state;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(histq_add(q, "/srv/a", "X", NULL), 0);
		assert_int_equal(histq_add(q, "/srv/a", "Y", NULL), 0);
	}
	assert_int_equal(histq_add(q, "/srv/b", "X", NULL), 0);
	assert_int_equal(histq_stop(q, 11, 0), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM threats"), 3);
	assert_int_equal(sql_int("SELECT findings FROM scans"), 3);
	q = start(0, db);
	for (int i = 0; i < 5; i++)
		assert_int_equal(histq_add(q, "/srv/a", "X", NULL), 0);
	assert_int_equal(histq_stop(q, 5, 0), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM threats"), 8);
}

static void test_bad_db(void **state)
{
	char bad[160];
	histq *q;
	FILE *f;

	(void)state;
	snprintf(bad, sizeof(bad), "%s/garbage.db", dir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("this is not a database, it is a file of text\n", f);
	fclose(f);
	q = start(0, bad);
	assert_non_null(q);
	assert_int_equal(histq_add(q, "/srv/a", "X", NULL), 0);
	assert_int_equal(histq_add(q, "/srv/b", "X", NULL), 0);
	assert_int_equal(histq_stop(q, 2, 0), 2);
	assert_non_null(strstr(warned, "detections not recorded in the "
				       "history"));
	assert_non_null(strstr(warned, "garbage.db"));
	assert_int_equal(histq_stop(NULL, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_db, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
