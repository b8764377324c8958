/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_stats.c - per-process statistics of mdewatch(8), like mdatp's
 * real-time-protection statistics: for each process that opened watched
 * files, its name and executable, files scanned, scan time, answers from
 * the cache and denials.  The daemon writes them with its counters to the
 * stats file (JSON, replaced atomically); `mdewatch --stats` and
 * `mdewatch --status` read that file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mdewatch_int.h"
#include "output.h"
#include "banned.h"

#define NIL (-1)

/* One process.  exe is cut at sizeof(exe) - 1 bytes: it is shown, never
 * matched (exclusions read /proc/PID/exe afresh). */
struct pent {
	pid_t pid;     /* 0: free */
	int exited;    /* gone at the last pst_reap() */
	unsigned long long start; /* start time in clock ticks, 0 unknown */
	char comm[16];
	char exe[256];
	uint64_t scanned, cached, excluded, denied, failures;
	uint64_t scan_ns, max_ns;
	uint64_t last_ns; /* last event */
	int hnext;     /* hash chain, or the free list */
};

static struct {
	pthread_mutex_t lock;
	struct pent *e;
	int *bucket;
	size_t max, nb, used;
	int freel;
} P = { .lock = PTHREAD_MUTEX_INITIALIZER, .freel = NIL };

/* ----------------------------------------------------------- /proc */

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

int proc_exe(pid_t pid, char *buf, size_t len)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	n = readlink(p, buf, len - 1);
	if (n < 0) {
		buf[0] = '\0';
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

static void proc_comm(pid_t pid, char *buf, size_t len)
{
	char p[64];
	int n;

	snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
	n = read_small(p, buf, len);
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

/* Field 22 of /proc/PID/stat (after the parenthesised comm, which may
 * hold anything): the start time, which tells a reused pid apart. */
static unsigned long long proc_start(pid_t pid)
{
	char p[64], buf[1024], *s;
	unsigned long long v = 0;
	int i;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if (read_small(p, buf, sizeof(buf)) <= 0 || !(s = strrchr(buf, ')')))
		return 0;
	s++;
	for (i = 3; i < 22 && s; i++) /* s is before field i */
		s = strchr(s + 1, ' ');
	if (s)
		v = strtoull(s + 1, NULL, 10);
	return v;
}

/* ----------------------------------------------------------- table */

int pst_init(size_t max)
{
	size_t i;

	P.max = max;
	for (P.nb = 16; P.nb < 2 * max; P.nb *= 2)
		;
	P.e = calloc(max, sizeof(*P.e));
	P.bucket = malloc(P.nb * sizeof(*P.bucket));
	if (!P.e || !P.bucket)
		return -1;
	for (i = 0; i < P.nb; i++)
		P.bucket[i] = NIL;
	for (i = 0; i < max; i++)
		P.e[i].hnext = i + 1 < max ? (int)i + 1 : NIL;
	P.freel = max ? 0 : NIL;
	return 0;
}

void pst_free(void)
{
	free(P.e);
	free(P.bucket);
	P.e = NULL;
	P.bucket = NULL;
}

static size_t hash_pid(pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (P.nb - 1);
}

static int find(pid_t pid)
{
	int i;

	if (!P.e)
		return NIL;
	for (i = P.bucket[hash_pid(pid)]; i != NIL; i = P.e[i].hnext)
		if (P.e[i].pid == pid)
			return i;
	return NIL;
}

static void unhash(int i)
{
	int *pp = &P.bucket[hash_pid(P.e[i].pid)];

	while (*pp != i)
		pp = &P.e[*pp].hnext;
	*pp = P.e[i].hnext;
}

/* Frees the entry of an exited process seen longest ago, else that of
 * the one idle longest. */
static void evict(void)
{
	int best = NIL, i;

	for (i = 0; i < (int)P.max; i++) {
		if (!P.e[i].pid)
			continue;
		if (best == NIL || P.e[i].exited > P.e[best].exited ||
		    (P.e[i].exited == P.e[best].exited &&
		     P.e[i].last_ns < P.e[best].last_ns))
			best = i;
	}
	if (best == NIL)
		return;
	unhash(best);
	P.e[best].pid = 0;
	P.e[best].hnext = P.freel;
	P.freel = best;
	P.used--;
}

static int insert(pid_t pid)
{
	int i;
	size_t h;

	if (P.freel == NIL)
		evict();
	if (P.freel == NIL)
		return NIL;
	i = P.freel;
	P.freel = P.e[i].hnext;
	memset(&P.e[i], 0, sizeof(P.e[i]));
	P.e[i].pid = pid;
	h = hash_pid(pid);
	P.e[i].hnext = P.bucket[h];
	P.bucket[h] = i;
	P.used++;
	return i;
}

void pst_seen(pid_t pid, const char *fresh_exe)
{
	char comm[16], exe[256];
	unsigned long long start;
	int i;

	pthread_mutex_lock(&P.lock);
	i = find(pid);
	if (i != NIL && !P.e[i].exited &&
	    (!fresh_exe ||
	     strncmp(P.e[i].exe, fresh_exe, sizeof(exe) - 1) == 0)) {
		P.e[i].last_ns = now_ns();
		pthread_mutex_unlock(&P.lock);
		return;
	}
	pthread_mutex_unlock(&P.lock);
	/* /proc is read without the lock */
	proc_comm(pid, comm, sizeof(comm));
	if (fresh_exe)
		snprintf(exe, sizeof(exe), "%s", fresh_exe);
	else
		proc_exe(pid, exe, sizeof(exe));
	start = proc_start(pid);
	pthread_mutex_lock(&P.lock);
	i = find(pid);
	if (i != NIL && (P.e[i].exited || P.e[i].start != start)) {
		/* the pid was reused by a new process */
		unhash(i);
		P.e[i].pid = 0;
		P.e[i].hnext = P.freel;
		P.freel = i;
		P.used--;
		i = NIL;
	}
	if (i == NIL)
		i = insert(pid);
	if (i != NIL) {
		P.e[i].start = start;
		memcpy(P.e[i].comm, comm, sizeof(comm));
		memcpy(P.e[i].exe, exe, sizeof(exe));
		P.e[i].last_ns = now_ns();
	}
	pthread_mutex_unlock(&P.lock);
}

void pst_count(pid_t pid, enum pst_what what)
{
	int i;

	pthread_mutex_lock(&P.lock);
	i = find(pid);
	if (i != NIL) {
		if (what == PST_CACHED)
			P.e[i].cached++;
		else if (what == PST_EXCLUDED)
			P.e[i].excluded++;
		else
			P.e[i].failures++;
	}
	pthread_mutex_unlock(&P.lock);
}

void pst_scan(pid_t pid, uint64_t ns, int denied)
{
	int i;

	pthread_mutex_lock(&P.lock);
	i = find(pid);
	if (i != NIL) {
		P.e[i].scanned++;
		P.e[i].scan_ns += ns;
		if (ns > P.e[i].max_ns)
			P.e[i].max_ns = ns;
		P.e[i].denied += denied != 0;
	}
	pthread_mutex_unlock(&P.lock);
}

void pst_ident(pid_t pid, char *exe, size_t exelen, char *comm,
	       size_t commlen)
{
	int i;

	exe[0] = comm[0] = '\0';
	pthread_mutex_lock(&P.lock);
	i = find(pid);
	if (i != NIL) {
		snprintf(exe, exelen, "%s", P.e[i].exe);
		snprintf(comm, commlen, "%s", P.e[i].comm);
	}
	pthread_mutex_unlock(&P.lock);
}

void pst_reap(void)
{
	struct { pid_t pid; unsigned long long start; } *live;
	size_t n = 0, i;
	int k;

	/* /proc is read without the lock, from a copy of the pids */
	pthread_mutex_lock(&P.lock);
	live = malloc((P.used + 1) * sizeof(*live));
	for (k = 0; live && k < (int)P.max; k++)
		if (P.e[k].pid && !P.e[k].exited) {
			live[n].pid = P.e[k].pid;
			live[n++].start = P.e[k].start;
		}
	pthread_mutex_unlock(&P.lock);
	if (!live)
		return;
	for (i = 0; i < n; i++) {
		unsigned long long s = proc_start(live[i].pid);

		if (s && s == live[i].start)
			live[i].pid = 0; /* still the same process */
	}
	pthread_mutex_lock(&P.lock);
	for (i = 0; i < n; i++) {
		if (live[i].pid && (k = find(live[i].pid)) != NIL &&
		    P.e[k].start == live[i].start)
			P.e[k].exited = 1;
	}
	pthread_mutex_unlock(&P.lock);
	free(live);
}

/* ------------------------------------------------- the stats file */

static void jkey(FILE *fp, const char *k)
{
	out_json_str(fp, k, strlen(k));
	fputc(':', fp);
}

static void jstr(FILE *fp, const char *k, const char *v)
{
	jkey(fp, k);
	out_json_str(fp, v, strlen(v));
	fputc(',', fp);
}

static void jnum(FILE *fp, const char *k, unsigned long long v)
{
	jkey(fp, k);
	fprintf(fp, "%llu,", v);
}

#define CTR(name) { #name, offsetof(struct wcounters, name) }
static const struct { const char *name; size_t off; } counters[] = {
	CTR(events), CTR(perm), CTR(scanned), CTR(background),
	CTR(bg_skipped), CTR(bg_dropped), CTR(cached), CTR(coalesced),
	CTR(empty),
	CTR(denied), CTR(reported), CTR(late), CTR(fail_open),
	CTR(fail_closed), CTR(deadline), CTR(overload), CTR(too_big),
	CTR(errors), CTR(overflow), CTR(own), CTR(excluded), CTR(outside),
	CTR(reloads), CTR(reload_failures)
};

static void write_header(FILE *fp, const struct wstate *ws)
{
	const struct wopts *o = ws->o;
	size_t i;

	fputc('{', fp);
	jstr(fp, "mdewatch", PACKAGE_VERSION);
	jnum(fp, "pid", (unsigned long long)getpid());
	jstr(fp, "mode", o->mode == MODE_BLOCK ? "block" : "audit");
	jstr(fp, "gate", o->mode == MODE_BLOCK ? GATE_NAME(o->gate) : "none");
	jstr(fp, "mark", o->mark_fs ? "filesystem" : "mount");
	jkey(fp, "paths");
	fputc('[', fp);
	for (i = 0; i < o->npaths; i++) {
		if (i)
			fputc(',', fp);
		out_json_str(fp, o->paths[i], strlen(o->paths[i]));
	}
	fputs("],", fp);
	jnum(fp, "exec_events", (unsigned long long)ws->exec_events);
	jnum(fp, "fail_closed", (unsigned long long)o->fail_closed);
	jnum(fp, "deadline_ms", (unsigned long long)o->deadline_ms);
	jnum(fp, "threads", (unsigned long long)o->threads);
	jstr(fp, "defs_version", ws->defs_version);
	jnum(fp, "started", (unsigned long long)ws->started);
	jnum(fp, "updated", (unsigned long long)time(NULL));
	jkey(fp, "counters");
	fputc('{', fp);
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		atomic_uint_fast64_t *c =
			(atomic_uint_fast64_t *)((char *)&wc + counters[i].off);

		fprintf(fp, "%s\"%s\":%llu", i ? "," : "", counters[i].name,
			(unsigned long long)atomic_load(c));
	}
	fprintf(fp, ",\"log_lines_dropped\":%llu},", wlog_dropped());
}

static void write_proc(FILE *fp, const struct pent *p)
{
	fputc('{', fp);
	jnum(fp, "pid", (unsigned long long)p->pid);
	jstr(fp, "comm", p->comm);
	jstr(fp, "exe", p->exe);
	jnum(fp, "running", (unsigned long long)!p->exited);
	jnum(fp, "scanned", p->scanned);
	jnum(fp, "cached", p->cached);
	jnum(fp, "excluded", p->excluded);
	jnum(fp, "denied", p->denied);
	jnum(fp, "failures", p->failures);
	fprintf(fp, "\"scan_time_ms\":%.3f,\"max_scan_time_ms\":%.3f}",
		(double)p->scan_ns / 1e6, (double)p->max_ns / 1e6);
}

/* Makes the file's directory when it is missing (/run/mdewatch outside
 * systemd, whose RuntimeDirectory= makes it otherwise). */
static void make_parent(const char *path)
{
	char *d = strdup(path), *s;

	if (!d)
		return;
	s = strrchr(d, '/');
	if (s && s != d) {
		*s = '\0';
		mkdir(d, 0755);
	}
	free(d);
}

static int write_file(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX];
	ssize_t w;
	size_t off = 0;
	int fd, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT) {
		make_parent(path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return -1;
	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == 0)
		rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		int e = errno;

		unlink(tmp);
		errno = e;
	}
	return rc;
}

int pst_write(const struct wstate *ws)
{
	struct pent *snap;
	size_t n = 0, len = 0, i;
	char *buf = NULL;
	FILE *fp;
	int rc = -1, k;

	pthread_mutex_lock(&P.lock);
	snap = malloc((P.used + 1) * sizeof(*snap));
	for (k = 0; snap && k < (int)P.max; k++)
		if (P.e[k].pid)
			snap[n++] = P.e[k];
	pthread_mutex_unlock(&P.lock);
	fp = snap ? open_memstream(&buf, &len) : NULL;
	if (fp) {
		write_header(fp, ws);
		fputs("\"processes\":[", fp);
		for (i = 0; i < n; i++) {
			if (i)
				fputc(',', fp);
			write_proc(fp, &snap[i]);
		}
		fputs("]}\n", fp);
		if (fclose(fp) == 0)
			rc = write_file(ws->o->stats_file, buf, len);
	}
	if (rc < 0)
		wlog_rl(RL_STATS, WL_WARNING, "error",
			(struct jfield[]){ JS("what", "stats file"),
					   JS("path", ws->o->stats_file),
					   JS("error", strerror(errno)) },
			3, "cannot write the stats file '%s': %s",
			ws->o->stats_file, strerror(errno));
	free(buf);
	free(snap);
	return rc;
}
