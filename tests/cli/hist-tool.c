/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hist-tool - writes scan and threat history (history.h) the way mdescan's
 * scans do, for t-history.sh.  Not installed.
 *
 *   hist-tool DB begin TYPE [PATH...]      start a scan, print its id
 *   hist-tool DB end ID STATUS [FILES BYTES FINDINGS ERRORS]
 *   hist-tool DB add ID N [NAME]           N threats (one commit each)
 *   hist-tool DB state ID STATE [QID]      change a threat's state
 *   hist-tool DB scan TYPE N               begin, N threats, end succeeded
 *   hist-tool DB threads ID T N            T threads adding N threats each
 *   hist-tool DB hang TYPE N               begin, N threats, print
 *                                          "ready ID", wait to be killed
 *   hist-tool DB hang-txn TYPE N           begin, then N big threat rows in
 *                                          one open transaction (spilling
 *                                          into the WAL), "ready ID", wait
 *   hist-tool DB last [TYPE|any [STATUS]]  print "ID STATUS" of hist_last_scan
 *   hist-tool DB purge DAYS                print the rows deleted
 *   hist-tool DB open                      open (marks interrupted scans)
 *
 * Exit status 0, or 1 with hist_error() on stderr.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "history.h"

static hist *h;

static int die(void)
{
	fprintf(stderr, "hist-tool: %s\n", hist_error(h));
	return 1;
}

static int usage(void)
{
	fputs("usage: hist-tool DB begin|end|add|state|scan|threads|hang|"
	      "hang-txn|last|purge|open ARGS\n", stderr);
	return 2;
}

static int add(int64_t scan, long n, const char *name)
{
	char path[64];
	long i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/srv/f%ld-%ld", (long)getpid(), i);
		if (hist_threat_add(h, scan, path, name,
				    "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
				    HIST_ACT_NONE, HIST_DETECTED, NULL) < 0)
			return -1;
	}
	return 0;
}

static int64_t begin(const char *type, char **paths, int npaths)
{
	int t = hist_type_parse(type);

	if (t < 0) {
		fprintf(stderr, "hist-tool: bad type %s\n", type);
		exit(2);
	}
	return hist_scan_begin(h, (hist_type)t, (const char *const *)paths,
			       (size_t)npaths, "test-defs-1");
}

struct worker {
	int64_t scan;
	long n;
	int rc;
};

static void *thread_main(void *arg)
{
	struct worker *w = arg;

	w->rc = add(w->scan, w->n, "Thread.Test");
	return NULL;
}

static int threads(int64_t scan, int t, long n)
{
	pthread_t tid[16];
	struct worker w[16];
	int i, rc = 0;

	if (t > 16)
		t = 16;
	for (i = 0; i < t; i++) {
		w[i] = (struct worker){ scan, n, 0 };
		pthread_create(&tid[i], NULL, thread_main, &w[i]);
	}
	for (i = 0; i < t; i++) {
		pthread_join(tid[i], NULL);
		rc |= w[i].rc;
	}
	return rc;
}

/* Big rows inside one transaction on a second connection: SQLite spills
 * dirty pages into the WAL before COMMIT, so a kill leaves uncommitted
 * frames behind, which the next opener must ignore. */
static int hang_txn(const char *db, int64_t scan, long n)
{
	static char big[4001];
	sqlite3 *c;
	sqlite3_stmt *st;
	long i;

	memset(big, 'x', sizeof(big) - 1);
	if (sqlite3_open(db, &c) != SQLITE_OK)
		return 1;
	sqlite3_busy_timeout(c, 30000);
	sqlite3_exec(c, "PRAGMA cache_size = 100; BEGIN IMMEDIATE", 0, 0, 0);
	sqlite3_prepare_v2(c, "INSERT INTO threats (scan_id, detected, path,"
			   " name, action, state, state_changed) VALUES"
			   " (?, 1, ?, 'Txn.Test', 'none', 'detected', 1)",
			   -1, &st, NULL);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, scan);
		sqlite3_bind_text(st, 2, big, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "hist-tool: %s\n", sqlite3_errmsg(c));
			return 1;
		}
		sqlite3_reset(st);
	}
	printf("ready %lld\n", (long long)scan);
	fflush(stdout);
	for (;;)
		pause();
}

static int last(int argc, char **argv)
{
	int type = argc > 0 ? hist_type_parse(argv[0]) : -1;
	int status = argc > 1 ? hist_status_parse(argv[1]) : -1;
	hist_scan s;
	int rc = hist_last_scan(h, type, status, &s);

	if (rc < 0)
		return die();
	if (rc == 0)
		puts("none");
	else
		printf("%lld %s %zu %s\n", (long long)s.id,
		       hist_status_name(s.status), s.npaths,
		       s.npaths ? s.paths[0] : "-");
	return 0;
}

static int run(int argc, char **argv)
{
	const char *cmd = argv[0];
	int64_t id;

	if (strcmp(cmd, "open") == 0)
		return 0;
	if (strcmp(cmd, "begin") == 0 && argc >= 2) {
		if ((id = begin(argv[1], argv + 2, argc - 2)) < 0)
			return die();
		printf("%lld\n", (long long)id);
		return 0;
	}
	if (strcmp(cmd, "end") == 0 && argc >= 3) {
		hist_counts c = { 0 };

		if (argc >= 7)
			c = (hist_counts){ strtoull(argv[3], 0, 10),
					   strtoull(argv[4], 0, 10),
					   strtoull(argv[5], 0, 10),
					   strtoull(argv[6], 0, 10) };
		return hist_scan_end(h, atoll(argv[1]), &c,
				     (hist_status)hist_status_parse(argv[2])) < 0
			       ? die() : 0;
	}
	if (strcmp(cmd, "add") == 0 && argc >= 3)
		return add(atoll(argv[1]), atol(argv[2]),
			   argc > 3 ? argv[3] : "Test.Threat") < 0 ? die() : 0;
	if (strcmp(cmd, "state") == 0 && argc >= 3)
		return hist_threat_set_state(h, atoll(argv[1]),
					     (hist_state)hist_state_parse(argv[2]),
					     argc > 3 ? argv[3] : NULL) < 0
			       ? die() : 0;
	if (strcmp(cmd, "scan") == 0 && argc >= 3) {
		hist_counts c = { 10, 100, (uint64_t)atol(argv[2]), 0 };
		char *paths[] = { (char *)"/srv" };

		if ((id = begin(argv[1], paths, 1)) < 0 ||
		    add(id, atol(argv[2]), "Test.Threat") < 0 ||
		    hist_scan_end(h, id, &c, HIST_SUCCEEDED) < 0)
			return die();
		printf("%lld\n", (long long)id);
		return 0;
	}
	if (strcmp(cmd, "threads") == 0 && argc >= 4)
		return threads(atoll(argv[1]), atoi(argv[2]), atol(argv[3])) < 0
			       ? die() : 0;
	if ((strcmp(cmd, "hang") == 0 || strcmp(cmd, "hang-txn") == 0) &&
	    argc >= 3) {
		char *paths[] = { (char *)"/hang" };

		if ((id = begin(argv[1], paths, 1)) < 0)
			return die();
		if (strcmp(cmd, "hang-txn") == 0)
			return hang_txn(hist_path(h), id, atol(argv[2]));
		if (add(id, atol(argv[2]), "Hang.Test") < 0)
			return die();
		printf("ready %lld\n", (long long)id);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (strcmp(cmd, "last") == 0)
		return last(argc - 1, argv + 1);
	if (strcmp(cmd, "purge") == 0 && argc >= 2) {
		if ((id = hist_purge(h, atoi(argv[1]))) < 0)
			return die();
		printf("%lld\n", (long long)id);
		return 0;
	}
	return usage();
}

int main(int argc, char **argv)
{
	char err[1024];
	int rc;

	if (argc < 3)
		return usage();
	if (!(h = hist_open(argv[1], 0, err, sizeof(err)))) {
		fprintf(stderr, "hist-tool: %s\n", err);
		return 1;
	}
	rc = run(argc - 2, argv + 2);
	hist_close(h);
	return rc;
}
