/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_history.c - the scan and threat history: schema and settings on
 * creation, a scan's records round-trip (paths that are not UTF-8
 * included), scans of dead processes become interrupted (gone, another
 * start time, another boot) while live ones stay running, purge keeps
 * quarantined threats and running scans, one handle shared by threads,
 * and bad files (garbage, a directory, another program's database, a
 * newer schema) fail with the file named.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "history.h"

static char dir[64], db[128];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/mde-hist-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/sub/history.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwX '%s'; rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static hist *open_ok(void)
{
	char err[1024] = "";
	hist *h = hist_open(db, 0, err, sizeof(err));

	if (!h)
		fail_msg("hist_open: %s", err);
	return h;
}

/* One integer from a query on a connection of our own. */
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

static void sql_exec(const char *sql)
{
	sqlite3 *c;

	assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
	sqlite3_busy_timeout(c, 5000);
	assert_int_equal(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(c);
}

static void test_create(void **state)
{
	hist *h = open_ok();
	struct stat sb;
	sqlite3 *c;
	sqlite3_stmt *st;

	assert_int_equal(stat(db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sql_int("PRAGMA user_version"), HIST_SCHEMA_VERSION);
	assert_int_equal(sql_int("PRAGMA application_id"), 0x4d444548);
	assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c, "PRAGMA journal_mode", -1, &st,
					    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(c);
	hist_close(h);
	/* reopening leaves it as it is */
	hist_close(open_ok());
	assert_int_equal(sql_int("PRAGMA user_version"), HIST_SCHEMA_VERSION);
	hist_close(NULL);
}

struct seen {
	int n;
	hist_scan s;
	char paths[4][64];
	hist_threat t;
	char tname[64], tpath[64], qid[64];
};

static int on_scan(void *ctx, const hist_scan *s)
{
	struct seen *x = ctx;
	size_t i;

	if (x->n++ == 0) {
		x->s = *s;
		for (i = 0; i < s->npaths && i < 4; i++)
			snprintf(x->paths[i], 64, "%s", s->paths[i]);
		x->s.paths = NULL;
		x->s.defs_version = NULL;
	}
	return 0;
}

static int on_threat(void *ctx, const hist_threat *t)
{
	struct seen *x = ctx;

	if (x->n++ == 0) {
		x->t = *t;
		snprintf(x->tname, 64, "%s", t->name);
		snprintf(x->tpath, 64, "%s", t->path);
		snprintf(x->qid, 64, "%s", t->quarantine_id ? t->quarantine_id : "(null)");
	}
	return 0;
}

static void test_roundtrip(void **state)
{
	hist *h = open_ok();
	const char *paths[] = { "/srv/www", "/home/a\nb", "/tmp/\xff\xfe" };
	hist_counts c = { 12, 3456, 2, 1 };
	struct seen x = { 0 };
	hist_scan last;
	int64_t id, t1, t2;

	id = hist_scan_begin(h, HIST_CUSTOM, paths, 3, "defs-7");
	assert_true(id > 0);
	t1 = hist_threat_add(h, id, "/srv/www/x.php", "Php.Shell", NULL,
			     HIST_ACT_NONE, HIST_DETECTED, NULL);
	t2 = hist_threat_add(h, id, "/srv/a.tar//b.sh", "Sh.Rev", "ab12",
			     HIST_ACT_QUARANTINE, HIST_QUARANTINED, "q-1");
	assert_true(t1 > 0 && t2 == t1 + 1);

	/* running, no counts yet */
	assert_int_equal(hist_scan_list(h, 0, on_scan, &x), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.s.status, HIST_RUNNING);
	assert_int_equal(x.s.has_counts, 0);
	assert_int_equal(x.s.ended_ms, 0);
	assert_int_equal(x.s.threats, 2);

	assert_int_equal(hist_scan_end(h, id, &c, HIST_SUCCEEDED), 0);
	memset(&x, 0, sizeof(x));
	assert_int_equal(hist_scan_list(h, 0, on_scan, &x), 0);
	assert_int_equal(x.s.id, id);
	assert_int_equal(x.s.type, HIST_CUSTOM);
	assert_int_equal(x.s.status, HIST_SUCCEEDED);
	assert_int_equal(x.s.npaths, 3);
	assert_string_equal(x.paths[1], "/home/a\nb");
	assert_string_equal(x.paths[2], "/tmp/\xff\xfe");
	assert_true(x.s.has_counts);
	assert_int_equal(x.s.counts.files, 12);
	assert_int_equal(x.s.counts.bytes, 3456);
	assert_int_equal(x.s.counts.errors, 1);
	assert_true(x.s.ended_ms >= x.s.started_ms && x.s.started_ms > 0);
	assert_int_equal(x.s.pid, getpid());

	/* newest first; get; set_state */
	memset(&x, 0, sizeof(x));
	assert_int_equal(hist_threat_list(h, id, on_threat, &x), 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.t.id, t2);
	assert_string_equal(x.tname, "Sh.Rev");
	assert_string_equal(x.qid, "q-1");
	assert_int_equal(hist_threat_set_state(h, t2, HIST_RESTORED, NULL), 0);
	memset(&x, 0, sizeof(x));
	assert_int_equal(hist_threat_get(h, t2, on_threat, &x), 1);
	assert_int_equal(x.t.state, HIST_RESTORED);
	assert_int_equal(x.t.action, HIST_ACT_QUARANTINE);
	assert_string_equal(x.qid, "q-1"); /* NULL keeps the old one */
	assert_true(x.t.changed_ms >= x.t.detected_ms);
	assert_int_equal(hist_threat_get(h, 9999, on_threat, &x), 0);
	errno = 0;
	assert_int_equal(hist_threat_set_state(h, 9999, HIST_ALLOWED, NULL), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(hist_error(h), db));

	/* a threat of no scan is refused (foreign key) */
	assert_true(hist_threat_add(h, 9999, "/x", "X", NULL, HIST_ACT_NONE,
				    HIST_DETECTED, NULL) < 0);
	/* a scan ends once, and not as running */
	assert_int_equal(hist_scan_end(h, id, &c, HIST_RUNNING), -1);
	assert_int_equal(hist_scan_end(h, id, &c, HIST_FAILED), -1);

	assert_int_equal(hist_last_scan(h, HIST_QUICK, -1, &last), 0);
	assert_int_equal(hist_last_scan(h, -1, HIST_SUCCEEDED, &last), 1);
	assert_int_equal(last.id, id);
	assert_string_equal(last.defs_version, "defs-7");
	assert_int_equal(last.npaths, 3);
	assert_string_equal(last.paths[0], "/srv/www");
	hist_close(h);
}

/* A child begins a scan and dies without ending it. */
static int64_t scan_of_dead_child(void)
{
	int fds[2], st;
	int64_t id = -1;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		hist *h = hist_open(db, 0, err, sizeof(err));
		const char *p = "/child";

		id = h ? hist_scan_begin(h, HIST_QUICK, &p, 1, NULL) : -1;
		if (write(fds[1], &id, sizeof(id)) != sizeof(id))
			_exit(1);
		_exit(0); /* no hist_scan_end, no hist_close */
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &id, sizeof(id)), sizeof(id));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(id > 0);
	return id;
}

static void test_interrupted(void **state)
{
	hist *h = open_ok();
	const char *p = "/me";
	int64_t mine = hist_scan_begin(h, HIST_FULL, &p, 1, NULL);
	int64_t child = scan_of_dead_child();
	int64_t reused, reboot;
	char sql[256];
	hist_scan s;

	/* a live pid with another start time: the pid was reused */
	reused = hist_scan_begin(h, HIST_QUICK, &p, 1, NULL);
	snprintf(sql, sizeof(sql), "UPDATE scans SET pid_start = pid_start + 1"
		 " WHERE id = %lld", (long long)reused);
	sql_exec(sql);
	/* our pid and start time, but another boot */
	reboot = hist_scan_begin(h, HIST_QUICK, &p, 1, NULL);
	snprintf(sql, sizeof(sql), "UPDATE scans SET boot_id = 'another-boot'"
		 " WHERE id = %lld", (long long)reboot);
	sql_exec(sql);

	/* read-only readers see them interrupted before anyone marks them */
	assert_int_equal(hist_last_scan(h, -1, -1, &s), 1);
	assert_int_equal(s.id, reboot);
	assert_int_equal(s.status, HIST_INTERRUPTED);

	assert_int_equal(hist_mark_interrupted(h), 3);
	assert_int_equal(hist_mark_interrupted(h), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM scans WHERE status ="
		 " 'interrupted' AND id IN (%lld, %lld, %lld)", (long long)child,
		 (long long)reused, (long long)reboot);
	assert_int_equal(sql_int(sql), 3);
	snprintf(sql, sizeof(sql), "SELECT status = 'running' FROM scans"
		 " WHERE id = %lld", (long long)mine);
	assert_int_equal(sql_int(sql), 1);

	/* an interrupted scan's owner may still end it */
	assert_int_equal(hist_scan_end(h, reused, &(hist_counts){ 0 },
				       HIST_CANCELLED), 0);
	hist_close(h);

	/* hist_open marks too */
	child = scan_of_dead_child();
	hist_close(open_ok());
	snprintf(sql, sizeof(sql), "SELECT status = 'interrupted' FROM scans"
		 " WHERE id = %lld", (long long)child);
	assert_int_equal(sql_int(sql), 1);
}

static void test_purge(void **state)
{
	hist *h = open_ok();
	const char *p = "/p";
	hist_counts c = { 0 };
	int64_t old, oldq, running, fresh;

	old = hist_scan_begin(h, HIST_QUICK, &p, 1, NULL);
	hist_threat_add(h, old, "/a", "A", NULL, HIST_ACT_NONE, HIST_DETECTED, NULL);
	hist_scan_end(h, old, &c, HIST_SUCCEEDED);
	oldq = hist_scan_begin(h, HIST_QUICK, &p, 1, NULL);
	hist_threat_add(h, oldq, "/q", "Q", NULL, HIST_ACT_QUARANTINE,
			HIST_QUARANTINED, "q-9");
	hist_threat_add(h, oldq, "/r", "R", NULL, HIST_ACT_NONE, HIST_DETECTED, NULL);
	hist_scan_end(h, oldq, &c, HIST_SUCCEEDED);
	running = hist_scan_begin(h, HIST_WATCH, &p, 1, NULL);
	fresh = hist_scan_begin(h, HIST_QUICK, &p, 1, NULL);
	hist_threat_add(h, fresh, "/f", "F", NULL, HIST_ACT_NONE, HIST_DETECTED, NULL);
	hist_scan_end(h, fresh, &c, HIST_SUCCEEDED);
	/* everything but the fresh scan is 100 days old */
	sql_exec("UPDATE scans SET started = started - 8640000000,"
		 " ended = ended - 8640000000 WHERE type <> 'quick' OR id < 4;"
		 "UPDATE threats SET detected = detected - 8640000000"
		 " WHERE scan_id < 4");

	assert_int_equal(hist_purge(h, -1), -1);
	/* old scan + its threat, oldq's detected threat (not the
	 * quarantined one, so oldq stays) */
	assert_int_equal(hist_purge(h, HIST_RETENTION_DAYS), 3);
	assert_int_equal(sql_int("SELECT count(*) FROM scans"), 3);
	assert_int_equal(sql_int("SELECT count(*) FROM threats WHERE name = 'Q'"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM threats"), 2);
	assert_int_equal(hist_purge(h, HIST_RETENTION_DAYS), 0);
	/* once restored, the record may go */
	assert_int_equal(hist_threat_set_state(h, 2, HIST_RESTORED, NULL), 0);
	sql_exec("UPDATE threats SET detected = detected - 8640000000 WHERE id = 2");
	assert_int_equal(hist_purge(h, HIST_RETENTION_DAYS), 2);
	/* 0 days: all that ended; the running scan stays */
	assert_int_equal(hist_purge(h, 0), 2);
	assert_int_equal(sql_int("SELECT count(*) FROM scans"), 1);
	assert_int_equal(sql_int("SELECT id FROM scans"), running);
	assert_int_equal(sql_int("SELECT count(*) FROM scan_paths"), 1);
	/* ids are not reused */
	assert_true(hist_scan_begin(h, HIST_QUICK, &p, 1, NULL) > fresh);
	hist_close(h);
}

struct tw {
	hist *h;
	int64_t scan;
	int rc;
};

static void *adder(void *arg)
{
	struct tw *w = arg;
	int i;

	for (i = 0; i < 100 && w->rc == 0; i++)
		if (hist_threat_add(w->h, w->scan, "/t", "T", NULL,
				    HIST_ACT_NONE, HIST_DETECTED, NULL) < 0)
			w->rc = -1;
	return NULL;
}

static void test_threads(void **state)
{
	hist *h = open_ok();
	const char *p = "/t";
	int64_t id = hist_scan_begin(h, HIST_FULL, &p, 1, NULL);
	pthread_t t[4];
	struct tw w[4];
	int i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct tw){ h, id, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, adder, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].rc, 0);
	}
	assert_int_equal(sql_int("SELECT count(*) FROM threats"), 400);
	hist_close(h);
}

/* hist_open fails, naming the file, with a reason containing want. */
static void open_fails(const char *path, int flags, const char *want)
{
	char err[1024] = "";

	assert_null(hist_open(path, flags, err, sizeof(err)));
	if (!strstr(err, path) || !strstr(err, want))
		fail_msg("error '%s' lacks '%s' or '%s'", err, path, want);
}

static void write_file(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
}

static void test_bad_files(void **state)
{
	char p[256], big[5000];

	snprintf(p, sizeof(p), "%s/garbage.db", dir);
	memset(big, 'g', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(p, big);
	open_fails(p, 0, "not a database");
	open_fails(p, HIST_READONLY, "not a database");

	snprintf(p, sizeof(p), "%s/adir", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	open_fails(p, 0, "Is a directory");
	open_fails(p, HIST_READONLY, "Is a directory");

	snprintf(p, sizeof(p), "%s/missing.db", dir);
	errno = 0;
	open_fails(p, HIST_READONLY, "No such file");
	assert_int_equal(errno, ENOENT);

	/* another program's database */
	snprintf(db, sizeof(db), "%s/other.db", dir);
	sql_exec("CREATE TABLE t (x); PRAGMA application_id = 42");
	open_fails(db, 0, "not an mdescan history database");
	snprintf(db, sizeof(db), "%s/plain.db", dir);
	sql_exec("CREATE TABLE t (x)");
	open_fails(db, 0, "not an mdescan history database");

	/* a newer mdescan's */
	snprintf(db, sizeof(db), "%s/newer.db", dir);
	hist_close(open_ok());
	sql_exec("PRAGMA user_version = 99");
	open_fails(db, 0, "newer");
	open_fails(db, HIST_READONLY, "newer");

	/* an empty file is a new database */
	snprintf(db, sizeof(db), "%s/empty.db", dir);
	write_file(db, "");
	hist_close(open_ok());
	assert_int_equal(sql_int("PRAGMA user_version"), HIST_SCHEMA_VERSION);
}

static void test_names(void **state)
{
	assert_string_equal(hist_type_name(HIST_WATCH), "watch");
	assert_string_equal(hist_status_name(HIST_INTERRUPTED), "interrupted");
	assert_string_equal(hist_action_name(HIST_ACT_REMOVE), "remove");
	assert_string_equal(hist_state_name(HIST_ALLOWED), "allowed");
	assert_int_equal(hist_type_parse("full"), HIST_FULL);
	assert_int_equal(hist_status_parse("cancelled"), HIST_CANCELLED);
	assert_int_equal(hist_action_parse("quarantine"), HIST_ACT_QUARANTINE);
	assert_int_equal(hist_state_parse("restored"), HIST_RESTORED);
	assert_int_equal(hist_type_parse("bogus"), -1);
	assert_int_equal(hist_state_parse(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
