/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdelog.c - mdescan's messages to the system log (see mdelog.h), written
 * by hand rather than through syslog(3), which only knows RFC 3164 lines
 * without structured data, or libsystemd's sd_journal_send(), which only
 * knows journald: each message is one record (a kind, a level, a text and
 * named fields) rendered for one of two targets:
 *
 *   journald  the native protocol on /run/systemd/journal/socket
 *             (systemd's "Native Journal Protocol"): KEY=value lines, a
 *             value holding a newline as KEY, '\n', its 64-bit
 *             little-endian length, the bytes, '\n'.  Values go out as
 *             the bytes they are (journald stores binary), each cut at
 *             JOURNAL_VALUE_MAX; a field that would not fit the datagram
 *             is left out whole, so a datagram is always well-formed and
 *             never larger than JOURNAL_MAX.  That cap is why the memfd
 *             fallback of sd_journal_send() (for messages larger than a
 *             datagram) is not needed.
 *   syslog    RFC 5424 datagrams on /dev/log, at most SYSLOG_MAX bytes
 *             (rsyslog's default message size limit).
 *
 * RFC 5424 structured data needs an SD-ID of the form name@PEN, PEN an
 * IANA Private Enterprise Number, and mdescan has none registered.  Until
 * it has, the SD-ID is "mdescan@32473": 32473 is the number RFC 5612
 * reserves for documentation and examples, so it can belong to no real
 * vendor and never collides with one.  A distribution or a site with its
 * own PEN builds with -DMDELOG_PEN='"NNNN"'; mdescan(1), LOGGING, says
 * the same.
 *
 * The scan must never wait for the log: sockets are written with
 * MSG_DONTWAIT, a full socket or a missing listener drops the message and
 * counts it, and like glibc's syslog(3) a socket whose listener went away
 * (ENOTCONN, ECONNREFUSED: the daemon restarted) is reconnected and the
 * message sent once more.  A scan of a broken tree would otherwise send a
 * message per unreadable file, so errors get a budget of MDELOG_BURST a
 * second.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mdelog.h"
#include "banned.h"

#ifndef MDELOG_PEN
#define MDELOG_PEN "32473" /* RFC 5612's documentation PEN: see above */
#endif
#define SD_ID "mdescan@" MDELOG_PEN

#define SYSLOG_PATH "/dev/log"
#define JOURNAL_PATH "/run/systemd/journal/socket"
#define FACILITY 3               /* LOG_DAEMON */
#define SYSLOG_MAX 8192          /* bytes of an RFC 5424 datagram */
#define SD_VALUE_MAX 1024        /* bytes of one SD-PARAM value, escaped */
#define JOURNAL_MAX 65536        /* bytes of a journald datagram */
#define JOURNAL_VALUE_MAX 8192   /* bytes of one journald field value */
#define MSG_MAX 2048             /* bytes of the text (MSG, MESSAGE) */
#define NFIELDS 24

/* Kinds of message: the RFC 5424 MSGID and journald's MESSAGE_ID, fixed
 * 128-bit ids like systemd's catalog ids (random, made once). */
enum kind {
	K_NONE, K_SCANSTART, K_SCANEND, K_FINDING, K_ACTION, K_ERROR,
	K_SKIPPED, K_RATELIMIT
};

static const struct {
	const char *msgid, *message_id;
} kinds[] = {
	[K_NONE] = { "-", NULL },
	[K_SCANSTART] = { "SCANSTART", "281a2f908d6945059471c3fafb7b95ab" },
	[K_SCANEND] = { "SCANEND", "3944d7ffe2bb4536bdf747c807205453" },
	[K_FINDING] = { "FINDING", "9830fff50f7c4282bc0653aa9d75a1a8" },
	[K_ACTION] = { "ACTION", "8941a4b8180249b7bdecbbb13c0f1274" },
	[K_ERROR] = { "ERROR", "ec2b02630b21493a87e1160caad96236" },
	[K_SKIPPED] = { "SKIPPED", "cbd07a3e99c6482da70bb54232f0dc23" },
	[K_RATELIMIT] = { "RATELIMIT", "a67fd154991646a1b55e98cac555ea30" },
};

static const int prio[] = { 3, 4, 6, 7 }; /* LOG_ERR ... LOG_DEBUG */

/* A bounded output buffer: writes past cap are cut. */
struct buf {
	char *p;
	size_t n, cap;
};

struct field {
	const char *name; /* lower case: the SD-PARAM name; journald's is
			     MDESCAN_ and the name in upper case */
	const char *v;
	size_t n;
};

struct rec {
	enum kind kind;
	int level;
	char msg[MSG_MAX];
	struct buf m; /* over msg */
	struct field f[NFIELDS];
	size_t nf;
	char num[NFIELDS][32]; /* the text of numeric fields */
	size_t nnum;
};

static struct {
	int level; /* -1: off */
	int journal;
	const char *path;
	int fd;
	char host[256];
	pthread_mutex_t lock; /* the socket and the output buffer */
	long long scan_id;
	const char *scan_type;
	time_t sec;
	unsigned in_sec;
	unsigned long long ratelimited, dropped;
} L = { -1, 0, NULL, -1, "-", PTHREAD_MUTEX_INITIALIZER, -1, NULL, 0, 0,
	0, 0 };

/* ------------------------------------------------------------- buffers */

static void put(struct buf *b, const void *s, size_t n)
{
	if (n > b->cap - b->n)
		n = b->cap - b->n;
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n
						    : sizeof(tmp) - 1);
}

/* Length of the valid UTF-8 character at s[0..n) (RFC 3629: no overlong
 * forms, surrogates or code points above U+10FFFF), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t l, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		l = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		l = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		l = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (l > n)
		return 0;
	for (i = 1; i < l; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((l == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (l == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return l;
}

/* Length of the printable character at s[0..n), 0 for a control
 * character (C0, DEL, C1) or a byte that is not valid UTF-8. */
static size_t printable(const unsigned char *s, size_t n)
{
	size_t l = utf8_len(s, n);

	if (s[0] < 0x20 || s[0] == 0x7f || (l == 2 && s[0] == 0xc2 &&
					    s[1] < 0xa0))
		return 0;
	return l;
}

static int clean(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, l;

	while (i < n) {
		if (!(l = printable(s + i, n - i)))
			return 0;
		i += l;
	}
	return 1;
}

/*
 * Appends s[0..n) to b, at most max bytes, cut on a character with "..."
 * when longer.  text: as mdescan's text output shows a path (control and
 * invalid bytes as \xHH, \n, \t; backslash doubled), always valid UTF-8.
 * sd: then '"', '\' and ']' escaped for an SD-PARAM value (RFC 5424,
 * 6.3.3).
 */
static void put_text(struct buf *b, const char *str, size_t n, int text,
		     int sd, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, end = b->n + max;
	char piece[16];

	while (i < n) {
		size_t k, j, l = utf8_len(s + i, n - i);
		const char *raw = piece;

		if (!l)
			l = 1;
		if (text && s[i] == '\\') {
			memcpy(piece, "\\\\", 2), k = 2;
		} else if (text && (s[i] == '\n' || s[i] == '\t')) {
			piece[0] = '\\', piece[1] = s[i] == '\n' ? 'n' : 't';
			k = 2;
		} else if (text && !printable(s + i, n - i)) {
			k = (size_t)snprintf(piece, sizeof(piece), "\\x%02x",
					     s[i]);
			l = 1;
		} else {
			raw = str + i, k = l;
		}
		if (sd) { /* escape the piece again, into tmp */
			char tmp[16];
			size_t t = 0;

			for (j = 0; j < k; j++) {
				if (raw[j] == '"' || raw[j] == '\\' ||
				    raw[j] == ']')
					tmp[t++] = '\\';
				tmp[t++] = raw[j];
			}
			memcpy(piece, tmp, t);
			raw = piece, k = t;
		}
		if (b->n + k > end - (i + l < n ? 3 : 0)) {
			put(b, "...", 3);
			return;
		}
		put(b, raw, k);
		i += l;
	}
}

static void put_base64(struct buf *b, const unsigned char *s, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				  "opqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 |
			     (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63],
			      i + 1 < n ? b64[(v >> 6) & 63] : '=',
			      i + 2 < n ? b64[v & 63] : '=' };

		put(b, q, 4);
	}
}

/* ------------------------------------------------------------- records */

static void rec_init(struct rec *r, enum kind k, int level)
{
	r->kind = k;
	r->level = level;
	r->m = (struct buf){ r->msg, 0, sizeof(r->msg) };
	r->nf = 0;
	r->nnum = 0;
}

static void rec_bytes(struct rec *r, const char *name, const char *v,
		      size_t n)
{
	if (v && r->nf < NFIELDS)
		r->f[r->nf++] = (struct field){ name, v, n };
}

static void rec_str(struct rec *r, const char *name, const char *v)
{
	if (v)
		rec_bytes(r, name, v, strlen(v));
}

static void rec_num(struct rec *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rec_num(struct rec *r, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (r->nnum == NFIELDS)
		return;
	s = r->num[r->nnum++];
	va_start(ap, fmt);
	vsnprintf(s, sizeof(r->num[0]), fmt, ap);
	va_end(ap);
	rec_str(r, name, s);
}

/* The path shown in a text: as the text output shows it. */
static void msg_path(struct rec *r, const char *s, size_t n)
{
	put_text(&r->m, s, n, 1, 0, 1024);
}

/* ------------------------------------------------------------ renderers */

/* RFC 3339 local time with microseconds and the UTC offset. */
static void put_time(struct buf *b)
{
	struct timespec ts;
	struct tm tm;
	char s[32];
	long off;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	putf(b, "%s.%06ld%c%02ld:%02ld", s, ts.tv_nsec / 1000,
	     off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* An SD-PARAM; a value that is not printable UTF-8 is shown as text and
 * its exact bytes follow in NAME_b64. */
static void put_param(struct buf *b, const struct field *f)
{
	int ok = clean(f->v, f->n);

	putf(b, " %s=\"", f->name);
	put_text(b, f->v, f->n, !ok, 1, SD_VALUE_MAX);
	put(b, "\"", 1);
	if (!ok) {
		putf(b, " %s_b64=\"", f->name);
		put_base64(b, (const unsigned char *)f->v,
			   f->n > 768 ? 768 : f->n);
		put(b, "\"", 1);
	}
}

/* <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG (RFC 5424). */
static size_t render_syslog(const struct rec *r, char *out, size_t cap)
{
	struct buf b = { out, 0, cap };
	size_t i;

	putf(&b, "<%d>1 ", FACILITY * 8 + prio[r->level]);
	put_time(&b);
	putf(&b, " %s mdescan %ld %s ", L.host, (long)getpid(),
	     kinds[r->kind].msgid);
	if (r->nf) {
		puts_(&b, "[" SD_ID);
		for (i = 0; i < r->nf; i++)
			put_param(&b, &r->f[i]);
		put(&b, "]", 1);
	} else {
		put(&b, "-", 1);
	}
	if (r->kind == K_SCANSTART) /* an IANA-registered SD-ID */
		puts_(&b, "[origin software=\"mdescan\" swVersion=\""
			  PACKAGE_VERSION "\"]");
	put(&b, " ", 1);
	put(&b, r->msg, r->m.n); /* valid UTF-8, without a BOM */
	return b.n;
}

/* One native-protocol field, left out whole if it does not fit. */
static void jfield(struct buf *b, const char *key, const char *v, size_t n)
{
	size_t k = strlen(key);

	if (n > JOURNAL_VALUE_MAX)
		n = JOURNAL_VALUE_MAX;
	if (k + n + 10 > b->cap - b->n)
		return;
	put(b, key, k);
	if (memchr(v, '\n', n)) {
		uint64_t le = htole64((uint64_t)n);

		put(b, "\n", 1);
		put(b, &le, sizeof(le));
	} else {
		put(b, "=", 1);
	}
	put(b, v, n);
	put(b, "\n", 1);
}

static size_t render_journal(const struct rec *r, char *out, size_t cap)
{
	struct buf b = { out, 0, cap };
	char key[48], num[32];
	size_t i, j;

	jfield(&b, "MESSAGE", r->msg, r->m.n);
	if (kinds[r->kind].message_id)
		jfield(&b, "MESSAGE_ID", kinds[r->kind].message_id, 32);
	snprintf(num, sizeof(num), "%d", prio[r->level]);
	jfield(&b, "PRIORITY", num, strlen(num));
	snprintf(num, sizeof(num), "%d", FACILITY);
	jfield(&b, "SYSLOG_FACILITY", num, strlen(num));
	jfield(&b, "SYSLOG_IDENTIFIER", "mdescan", 7);
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	jfield(&b, "SYSLOG_PID", num, strlen(num));
	for (i = 0; i < r->nf; i++) {
		const char *n = r->f[i].name;

		memcpy(key, "MDESCAN_", 8);
		for (j = 0; n[j] && j + 9 < sizeof(key); j++)
			key[8 + j] = n[j] >= 'a' && n[j] <= 'z'
				     ? (char)(n[j] - 'a' + 'A') : n[j];
		key[8 + j] = '\0';
		jfield(&b, key, r->f[i].v, r->f[i].n);
	}
	return b.n;
}

/* ------------------------------------------------------------- sockets */

static int log_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(L.path);
	int fd;

	if (n >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, L.path, n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	L.fd = fd;
	return 0;
}

/* Sends one datagram without waiting; what cannot go is counted. */
static void log_send(const char *buf, size_t n)
{
	int try;

	for (try = 0; try < 2; try++) {
		if (L.fd < 0 && log_connect() < 0)
			break;
		if (send(L.fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return;
		/* the listener went away: reconnect, as glibc does */
		if (errno != ENOTCONN && errno != ECONNREFUSED &&
		    errno != ECONNRESET && errno != EPIPE)
			break; /* EAGAIN, ENOBUFS: full; EMSGSIZE */
		close(L.fd);
		L.fd = -1;
	}
	L.dropped++;
}

static void emit(const struct rec *r)
{
	static char out[JOURNAL_MAX];
	size_t n;

	pthread_mutex_lock(&L.lock);
	n = L.journal ? render_journal(r, out, sizeof(out))
		      : render_syslog(r, out, SYSLOG_MAX);
	log_send(out, n);
	pthread_mutex_unlock(&L.lock);
}

/* ------------------------------------------------------------ messages */

static int on(int level)
{
	return L.level >= 0 && level <= L.level;
}

void mdelog_open(int level, int target)
{
	const char *env = getenv("MDESCAN_JOURNAL_SOCKET");
	const char *jpath = env && *env ? env : JOURNAL_PATH;
	char h[256];
	size_t i;

	L.level = level;
	if (level < 0)
		return;
	if (target == MDELOG_AUTO)
		target = access(jpath, F_OK) == 0 ? MDELOG_JOURNALD
						  : MDELOG_SYSLOG;
	L.journal = target == MDELOG_JOURNALD;
	L.path = L.journal ? jpath : SYSLOG_PATH;
	/* RFC 5424 HOSTNAME: 1*255 PRINTUSASCII */
	if (gethostname(h, sizeof(h)) == 0 && (h[sizeof(h) - 1] = '\0', *h)) {
		for (i = 0; h[i]; i++)
			L.host[i] = h[i] > ' ' && h[i] < 0x7f ? h[i] : '_';
		L.host[i] = '\0';
	}
	log_connect(); /* now, before a chroot or sandbox could hide it */
}

void mdelog(int level, const char *fmt, ...)
{
	char tmp[MSG_MAX];
	struct rec r;
	va_list ap;
	int n;

	if (!on(level))
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	rec_init(&r, K_NONE, level);
	put_text(&r.m, tmp, strlen(tmp), 1, 0, sizeof(r.msg));
	emit(&r);
}

static void scan_fields(struct rec *r)
{
	if (L.scan_id >= 0)
		rec_num(r, "scan_id", "%lld", L.scan_id);
}

void mdelog_scan_start(const char *type, const char *defs_version,
		       long long scan_id)
{
	struct rec r;

	L.scan_id = scan_id;
	L.scan_type = type;
	if (!on(MDELOG_INFO))
		return;
	rec_init(&r, K_SCANSTART, MDELOG_INFO);
	putf(&r.m, "%s scan started (definitions %s)", type, defs_version);
	scan_fields(&r);
	rec_str(&r, "scan_type", type);
	rec_str(&r, "definitions", defs_version);
	emit(&r);
}

void mdelog_scan_end(const mde_summary *s, int status)
{
	const char *how = s->cancelled ? "cancelled" : "ended";
	struct rec r;

	if (!on(MDELOG_INFO))
		return;
	rec_init(&r, K_SCANEND, MDELOG_INFO);
	putf(&r.m, "scan %s: %llu files, %llu findings, %llu errors, exit "
	     "status %d", how, (unsigned long long)s->files,
	     (unsigned long long)s->findings, (unsigned long long)s->errors,
	     status);
	scan_fields(&r);
	rec_str(&r, "scan_type", L.scan_type);
	rec_str(&r, "result", how);
	rec_num(&r, "files", "%llu", (unsigned long long)s->files);
	rec_num(&r, "findings", "%llu", (unsigned long long)s->findings);
	rec_num(&r, "infected", "%llu", (unsigned long long)s->infected);
	rec_num(&r, "errors", "%llu", (unsigned long long)s->errors);
	rec_num(&r, "skipped", "%llu", (unsigned long long)s->skipped);
	rec_num(&r, "bytes", "%llu", (unsigned long long)s->bytes);
	rec_num(&r, "elapsed", "%.3f", (double)s->elapsed_ns / 1e9);
	rec_num(&r, "status", "%d", status);
	if (L.dropped)
		rec_num(&r, "log_dropped", "%llu", L.dropped);
	emit(&r);
}

/* The member chain of an event in a container, "a//b", into out. */
static size_t member(const mde_event *ev, char *out, size_t cap)
{
	struct buf b = { out, 0, cap };
	size_t i;

	for (i = 0; i < ev->nlayers; i++) {
		if (i)
			put(&b, "//", 2);
		puts_(&b, ev->layers[i]);
	}
	return b.n;
}

/* Fields of an event about a file: scan, path, member. */
static void file_fields(struct rec *r, const mde_event *ev, char *mbuf,
			size_t mcap)
{
	scan_fields(r);
	rec_bytes(r, "path", ev->path, ev->path_len);
	if (ev->nlayers)
		rec_bytes(r, "member", mbuf, member(ev, mbuf, mcap));
}

static void finding(const mde_event *ev)
{
	const char *sha = ev->sha256 ? ev->sha256
			  : ev->file && !ev->nlayers ? ev->file->sha256 : NULL;
	int level = ev->audit ? MDELOG_INFO : MDELOG_WARNING;
	char mbuf[JOURNAL_VALUE_MAX];
	struct rec r;

	if (!on(level))
		return;
	rec_init(&r, K_FINDING, level);
	putf(&r.m, "%s: ", ev->allowed ? "allowed" : ev->audit ? "audit"
		   : "threat found");
	msg_path(&r, ev->path, ev->path_len);
	putf(&r.m, "%s: ", ev->nlayers ? " (in an archive)" : "");
	put_text(&r.m, ev->name, strlen(ev->name), 1, 0, 512);
	file_fields(&r, ev, mbuf, sizeof(mbuf));
	rec_str(&r, "threat", ev->name);
	rec_str(&r, "stage", ev->stage);
	if (ev->score >= 0)
		rec_num(&r, "score", "%ld", ev->score);
	rec_str(&r, "sha256", sha);
	rec_num(&r, "size", "%llu", (unsigned long long)ev->size);
	rec_str(&r, "namespace", ev->rule_ns);
	rec_str(&r, "packer", ev->packer);
	if (ev->audit)
		rec_str(&r, "audit", "1");
	if (ev->allowed)
		rec_str(&r, "allowed", "1");
	emit(&r);
}

/* An ERROR or SKIPPED event. */
static void problem(const mde_event *ev, enum kind k, int level,
		    const char *what)
{
	char mbuf[JOURNAL_VALUE_MAX];
	const char *why = ev->reason ? ev->reason : "";
	struct rec r;

	rec_init(&r, k, level);
	putf(&r.m, "%s: ", what);
	msg_path(&r, ev->path, ev->path_len);
	put(&r.m, ": ", 2);
	put_text(&r.m, why, strlen(why), 1, 0, 512);
	file_fields(&r, ev, mbuf, sizeof(mbuf));
	rec_str(&r, "reason", ev->reason);
	if (k == K_ERROR && ev->err)
		rec_num(&r, "errno", "%d", ev->err);
	emit(&r);
}

static void ratelimited(void)
{
	struct rec r;

	rec_init(&r, K_RATELIMIT, MDELOG_WARNING);
	putf(&r.m, "%llu more errors not logged (rate limit %d a second)",
	     L.ratelimited, MDELOG_BURST);
	scan_fields(&r);
	rec_num(&r, "dropped", "%llu", L.ratelimited);
	emit(&r);
	L.ratelimited = 0;
}

/* True if an error message may go out now. */
static int budget(void)
{
	time_t now = time(NULL);

	if (now != L.sec) {
		if (L.ratelimited)
			ratelimited();
		L.sec = now;
		L.in_sec = 0;
	}
	if (L.in_sec++ < MDELOG_BURST)
		return 1;
	L.ratelimited++;
	return 0;
}

void mdelog_event(const mde_event *ev)
{
	switch (ev->type) {
	case MDE_EV_FINDING:
		finding(ev);
		break;
	case MDE_EV_ERROR:
		if (on(MDELOG_WARNING) && budget())
			problem(ev, K_ERROR, MDELOG_WARNING, "error");
		break;
	case MDE_EV_SKIPPED:
		if (on(MDELOG_DEBUG))
			problem(ev, K_SKIPPED, MDELOG_DEBUG, "skipped");
		break;
	default:
		break;
	}
}

void mdelog_action(const mde_event *ev, const char *what, const char *qid)
{
	char mbuf[JOURNAL_VALUE_MAX];
	struct rec r;

	if (!on(MDELOG_WARNING))
		return;
	rec_init(&r, K_ACTION, MDELOG_WARNING);
	putf(&r.m, "%s: ", what);
	msg_path(&r, ev->path, ev->path_len);
	if (qid)
		putf(&r.m, " as %s", qid);
	file_fields(&r, ev, mbuf, sizeof(mbuf));
	rec_str(&r, "action", what);
	rec_str(&r, "threat", ev->name);
	rec_str(&r, "quarantine_id", qid);
	emit(&r);
}

unsigned long long mdelog_dropped(void)
{
	return L.dropped;
}

void mdelog_close(void)
{
	if (L.level < 0)
		return;
	if (L.ratelimited)
		ratelimited();
	if (L.fd >= 0)
		close(L.fd);
	L.fd = -1;
	L.level = -1;
}
