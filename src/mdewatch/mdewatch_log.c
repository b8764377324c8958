/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_log.c - what mdewatch(8) says: one line per event of interest
 * on stderr (with a level), the same as JSON Lines in the --log-json file,
 * one line a second per kind of repeated failure, and readiness through
 * systemd's notification socket.
 *
 * Every line is formatted in memory and written with one write(2), never
 * under a lock that answering an event needs.  stderr is made
 * non-blocking when it is a pipe or socket: journald may itself be
 * waiting for this daemon to answer one of its opens, and a daemon
 * blocked on a full pipe to it would never answer (lines are dropped and
 * counted instead).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mdewatch_int.h"
#include "output.h"
#include "util.h"
#include "banned.h"

static const char *const level_name[] = { "error", "warning", "info",
					  "debug" };
/* syslog priorities of the levels, for journald's "<N>" prefix */
static const int level_prio[] = { 3, 4, 6, 7 };

static struct {
	pthread_mutex_t lock; /* the rate limits and the JSON file */
	int level;
	int journal; /* stderr is journald's stream: "<N>" prefixes */
	int json_fd;
	const char *json_path;
	uint64_t last_ns[RL_NKINDS];
	unsigned long long suppressed[RL_NKINDS];
	atomic_uint_fast64_t dropped; /* lines stderr did not take */
} L = { PTHREAD_MUTEX_INITIALIZER, WL_INFO, 0, -1, NULL, { 0 }, { 0 }, 0 };

/* stderr is journald's when $JOURNAL_STREAM names its device and inode. */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

static int open_json(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int wlog_init(int level, const char *json_path)
{
	struct stat st;

	L.level = level;
	L.journal = stderr_is_journal();
	if (fstat(STDERR_FILENO, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		int fl = fcntl(STDERR_FILENO, F_GETFL);

		if (fl >= 0)
			fcntl(STDERR_FILENO, F_SETFL, fl | O_NONBLOCK);
	}
	if (json_path) {
		L.json_fd = open_json(json_path);
		if (L.json_fd < 0)
			return -1;
		L.json_path = json_path;
	}
	return 0;
}

void wlog_reopen(void)
{
	int fd, old;

	if (!L.json_path)
		return;
	fd = open_json(L.json_path);
	if (fd < 0) {
		wlog(WL_ERROR, "cannot reopen the JSON log '%s': %s",
		     L.json_path, strerror(errno));
		return;
	}
	pthread_mutex_lock(&L.lock);
	old = L.json_fd;
	L.json_fd = fd;
	pthread_mutex_unlock(&L.lock);
	close(old);
}

int wlog_enabled(int level)
{
	return level <= L.level;
}

/* Writes all of buf to fd; a full non-blocking pipe drops the line. */
static void write_line(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			atomic_fetch_add(&L.dropped, 1);
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

static void vline(int level, const char *suffix, const char *fmt,
		  va_list ap) __attribute__((format(printf, 3, 0)));

static void vline(int level, const char *suffix, const char *fmt,
		  va_list ap)
{
	char buf[2048];
	int n;

	if (!wlog_enabled(level))
		return;
	if (L.journal)
		n = snprintf(buf, sizeof(buf), "<%d>", level_prio[level]);
	else
		n = snprintf(buf, sizeof(buf), "%s: %s: ", tool_name(),
			     level_name[level]);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if ((size_t)n >= sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	if (suffix)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", suffix);
	if ((size_t)n >= sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	write_line(STDERR_FILENO, buf, (size_t)n);
}

void wlog(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(level, NULL, fmt, ap);
	va_end(ap);
}

void wlog_path(char *buf, size_t len, const char *path)
{
	FILE *fp = fmemopen(buf, len, "w");

	if (!fp) {
		snprintf(buf, len, "?");
		return;
	}
	/* a path too long for buf is cut; fmemopen keeps the NUL */
	setvbuf(fp, NULL, _IONBF, 0);
	out_text_path(fp, path, strlen(path));
	fclose(fp);
	buf[len - 1] = '\0';
}

static void json_record(const char *type, const struct jfield *f, size_t n,
			unsigned long long suppressed)
{
	char *buf = NULL;
	size_t len = 0, i;
	struct timespec ts;
	struct tm tm;
	char when[40];
	FILE *fp;

	if (L.json_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fp = open_memstream(&buf, &len);
	if (!fp)
		return;
	fprintf(fp, "{\"time\":\"%s.%03ldZ\",\"type\":", when,
		ts.tv_nsec / 1000000);
	out_json_str(fp, type, strlen(type));
	for (i = 0; i < n; i++) {
		fputc(',', fp);
		out_json_str(fp, f[i].key, strlen(f[i].key));
		fputc(':', fp);
		if (f[i].s)
			out_json_str(fp, f[i].s, f[i].n);
		else
			fprintf(fp, "%lld", f[i].i);
	}
	if (suppressed)
		fprintf(fp, ",\"suppressed\":%llu", suppressed);
	fputs("}\n", fp);
	if (fclose(fp) == 0) {
		pthread_mutex_lock(&L.lock);
		write_line(L.json_fd, buf, len);
		pthread_mutex_unlock(&L.lock);
	}
	free(buf);
}

void wlog_json(const char *type, const struct jfield *f, size_t n)
{
	json_record(type, f, n, 0);
}

int wlog_limited(enum rl_kind k, unsigned long long *suppressed)
{
	uint64_t now = now_ns();
	int ok = 0;

	pthread_mutex_lock(&L.lock);
	if (L.last_ns[k] == 0 || now - L.last_ns[k] >= 1000000000ull) {
		ok = 1;
		L.last_ns[k] = now;
		*suppressed = L.suppressed[k];
		L.suppressed[k] = 0;
	} else {
		L.suppressed[k]++;
	}
	pthread_mutex_unlock(&L.lock);
	return ok;
}

void wlog_ev(int level, const char *type, const struct jfield *f, size_t n,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(level, NULL, fmt, ap);
	va_end(ap);
	json_record(type, f, n, 0);
}

void wlog_rl(enum rl_kind k, int level, const char *type,
	     const struct jfield *f, size_t n, const char *fmt, ...)
{
	unsigned long long sup;
	char suffix[64] = "";
	va_list ap;

	if (!wlog_limited(k, &sup))
		return;
	if (sup)
		snprintf(suffix, sizeof(suffix), " (%llu similar suppressed)",
			 sup);
	va_start(ap, fmt);
	vline(level, suffix, fmt, ap);
	va_end(ap);
	json_record(type, f, n, sup);
}

unsigned long long wlog_dropped(void)
{
	return atomic_load(&L.dropped);
}

void wnotify(const char *msg)
{
	const char *p = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	size_t n;
	int fd;

	if (!p || (*p != '/' && *p != '@') ||
	    (n = strlen(p)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, p, n);
	if (*p == '@')
		sa.sun_path[0] = '\0'; /* abstract: the length says where
					  the name ends */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			    (*p == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, salen) < 0)
		wlog(WL_DEBUG, "sd_notify: %s", strerror(errno));
	close(fd);
}
