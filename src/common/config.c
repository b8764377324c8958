/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the configuration file: the key table, the line parser, the
 * typed values, loading a file and its drop-ins (mdecfg.h).
 *
 * Values are checked here, at load time, against their key's type, so a
 * tool never meets a bad value after start-up.  Exclusion patterns are
 * checked with the rules of the engine's matcher (src/lib/exclude.c,
 * mde__excl_add); the checks are repeated here rather than called, since
 * the tools see only the engine's public header, and test_config and
 * fuzz_config hold the two to the same answers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "mdecfg.h"
#include "banned.h"

#define KB(n) ((int64_t)(n) << 10)
#define MB(n) ((int64_t)(n) << 20)
#define SIZE_LIMIT ((int64_t)1 << 62)
#define BIG INT32_MAX

static const char *const w_policy[] = { "off", "audit", "block", NULL };
static const char *const w_action[] = { "report", "quarantine", "remove",
					NULL };
static const char *const w_level[] = { "error", "warning", "info", "debug",
				       NULL };
static const char *const w_target[] = { "auto", "journald", "syslog",
					NULL }; /* enum mdelog_target */
static const char *const w_watch[] = { "audit", "block", NULL };
static const char *const w_gate[] = { "open", "read", NULL };
/* mde_archive_type()'s names (test_config checks them against it) */
static const char *const w_arc[] = {
	"tar", "cpio", "ar", "rpm", "7z", "rar", "cab", "iso", "xar", "lha",
	"zip", "gzip", "bzip2", "xz", "lzma", "zstd", "lz4", "compress",
	"mail", "upx", NULL
};

#define K(name, type, rep, min, max, words, def, doc) \
	{ name, MDECFG_##type, rep, min, max, words, def, doc }

/* One row per key, sorted by name (mdecfg_find_key bisects). */
const struct mdecfg_key mdecfg_keys[] = {
	K("action", ENUM, 0, 0, 0, w_action, "report",
	  "what a scan does with an infected file"),
	K("allowed_threat", THREAT, 1, 0, 0, NULL, "none",
	  "a threat name or SHA-256 never reported as a finding"),
	K("archive_bomb", ENUM, 0, 0, 0, w_policy, "audit",
	  "what an archive bomb is: no finding, reported, or a finding"),
	K("archive_types", LIST, 0, 0, 0, w_arc, "all",
	  "the containers opened"),
	K("bomb_min_size", SIZE, 0, 0, SIZE_LIMIT, NULL, "16M",
	  "unpacked bytes before the bomb ratio is judged"),
	K("cache_dir", PATH, 0, 0, 0, NULL, MDE_CACHE_DIR,
	  "the scan cache directory"),
	K("daemon_command_timeout", SECONDS, 0, 1, 3600, NULL, "30",
	  "mdescand: seconds a client has to send a whole command"),
	K("daemon_idle_timeout", SECONDS, 0, 1, 86400, NULL, "120",
	  "mdescand: seconds without data from a client in a stream or session"),
	K("daemon_max_connections", INT, 0, 1, 65536, NULL, "256",
	  "mdescand: clients connected at once"),
	K("daemon_max_stream", SIZE, 0, 1, (int64_t)UINT32_MAX, NULL, "100M",
	  "mdescand: longest INSTREAM accepted"),
	K("daemon_queue", INT, 0, 1, 65536, NULL, "128",
	  "mdescand: requests waiting for a worker"),
	K("daemon_scan_root", PATH, 1, 0, 0, NULL, "none",
	  "mdescand: path commands only below these directories"),
	K("daemon_socket", PATH, 0, 0, 0, NULL, "/run/mdescand/mdescand.sock",
	  "mdescand: the Unix socket"),
	K("daemon_socket_group", NAME, 0, 0, 0, NULL, "mdescand",
	  "mdescand: the socket's group"),
	K("daemon_socket_mode", MODE, 0, 0, 0777, NULL, "0660",
	  "mdescand: the socket's permissions"),
	K("daemon_socket_owner", NAME, 0, 0, 0, NULL, "root",
	  "mdescand: the socket's owner"),
	K("daemon_tcp_addr", ADDR, 1, 0, 0, NULL, "127.0.0.1",
	  "mdescand: an address the TCP socket listens on"),
	K("daemon_tcp_port", INT, 0, 0, 65535, NULL, "0",
	  "mdescand: the TCP port; 0 = no TCP socket"),
	K("daemon_threads", INT, 0, 1, 1024, NULL, "online CPUs",
	  "mdescand: scan worker threads"),
	K("definitions_max_age_days", INT, 0, 0, 3650, NULL, "7",
	  "definitions older than this are reported as out of date; 0 = never"),
	K("exclude_dir", PATTERN, 1, 0, 0, NULL, "none",
	  "a directory pattern excluded with everything below it"),
	K("exclude_ext", EXT, 1, 0, 0, NULL, "none",
	  "a file extension excluded"),
	K("exclude_path", PATTERN, 1, 0, 0, NULL, "none",
	  "a path pattern excluded"),
	K("exclude_process", PATH, 1, 0, 0, NULL, "none",
	  "an executable whose file accesses the watcher does not scan"),
	K("history_db", PATH, 0, 0, 0, NULL, MDE_STATE_DIR "/history.db",
	  "the scan and threat history database"),
	K("keys", PATH, 0, 0, 0, NULL, MDE_CONF_DIR "/keys",
	  "trusted definitions keys: a .pub file or a directory"),
	K("lock_file", PATH, 0, 0, 0, NULL, "none",
	  "a file locked while a scheduled scan runs"),
	K("log_level", ENUM, 0, 0, 0, w_level, "info",
	  "the least severe message logged"),
	K("log_target", ENUM, 0, 0, 0, w_target, "auto",
	  "where messages are logged: journald if running, else syslog"),
	K("max_depth", INT, 0, 0, BIG, NULL, "64",
	  "directory depth limit"),
	K("max_files", INT, 0, 0, BIG, NULL, "10000",
	  "members read from one container; 0 = no limit"),
	K("max_filesize", SIZE, 0, 0, SIZE_LIMIT, NULL, "100M",
	  "larger files are skipped; 0 = no limit"),
	K("max_member_size", SIZE, 0, 0, SIZE_LIMIT, NULL, "100M",
	  "larger container members are skipped; 0 = no limit"),
	K("max_ratio", INT, 0, 0, BIG, NULL, "250",
	  "unpacked/read ratio of an archive bomb; 0 = off"),
	K("max_recursion", INT, 0, 0, BIG, NULL, "17",
	  "containers within containers"),
	K("max_scansize", SIZE, 0, 0, SIZE_LIMIT, NULL, "400M",
	  "bytes unpacked from one file; 0 = no limit"),
	K("min_score", INT, 0, 0, 1000000, NULL, "0",
	  "files whose total score is lower are not reported"),
	K("nice", BOOL, 0, 0, 0, NULL, "no",
	  "scan at the lowest CPU priority and the idle I/O class"),
	K("no_archive", BOOL, 0, 0, 0, NULL, "no",
	  "open no archive, compressed file, mail or UPX program"),
	K("no_cache", BOOL, 0, 0, 0, NULL, "no",
	  "neither read nor update the scan cache"),
	K("pua", ENUM, 0, 0, 0, w_policy, "audit",
	  "what a potentially unwanted application is"),
	K("quarantine_dir", PATH, 0, 0, 0, NULL, MDE_STATE_DIR "/quarantine",
	  "where quarantined files are kept"),
	K("retention_days", INT, 0, 0, 36500, NULL, "90",
	  "days of scan history kept; 0 = forever"),
	K("score_alert", INT, 0, 1, 1000000, NULL, "100",
	  "a file's total score from which its level is alert"),
	K("score_notice", INT, 0, 0, 1000000, NULL, "40",
	  "a file's total score from which its level is notice"),
	K("score_warning", INT, 0, 0, 1000000, NULL, "60",
	  "a file's total score from which its level is warning"),
	K("store", PATH, 0, 0, 0, NULL, MDE_STATE_DIR "/definitions",
	  "the installed definitions store"),
	K("threads", INT, 0, 1, 1024, NULL, "online CPUs (mdewatch: 2)",
	  "scan worker threads"),
	K("timeout", SECONDS, 0, 0, 86400, NULL, "60 (mdewatch: 30)",
	  "per-file scan time limit"),
	K("update_mirror", SOURCE, 0, 0, 0, NULL, "none",
	  "where definitions updates come from: a directory or an http(s) URL"),
	K("watch_deadline_ms", INT, 0, 1, 3600000, NULL, "1000",
	  "milliseconds the watcher takes at most to answer an open"),
	K("watch_fail_closed", BOOL, 0, 0, 0, NULL, "no",
	  "deny, not allow, what the watcher cannot judge in time"),
	K("watch_gate", ENUM, 0, 0, 0, w_gate, "open",
	  "block mode: what waits for the verdict, opens or reads"),
	K("watch_mode", ENUM, 0, 0, 0, w_watch, "block",
	  "block malicious opens, or audit files after the fact"),
	K("watch_path", PATH, 1, 0, 0, NULL, "none",
	  "a directory the watcher watches"),
};
const size_t mdecfg_nkeys = sizeof(mdecfg_keys) / sizeof(mdecfg_keys[0]);

struct mdecfg {
	struct mdecfg_val *v;
	size_t n, cap;
	char **files; /* names of the files read, owned */
	size_t nfiles;
	size_t *last; /* per key: 1 + index in v of its last value, or 0 */
};

/* ------------------------------------------------------------ helpers */

static void say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* s[0..n) for a message: at most 60 bytes, odd bytes as '?'. */
static void shown(char *out, size_t outlen, const char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < outlen && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (i < n && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

const struct mdecfg_key *mdecfg_find_key(const char *name, size_t n)
{
	size_t lo = 0, hi = mdecfg_nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = mdecfg_keys[mid].name;
		int c = strncmp(name, k, n);

		if (c == 0 && k[n] == '\0')
			return &mdecfg_keys[mid];
		if (c == 0)
			c = -1; /* name is a prefix of k: it sorts first */
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *mdecfg_default_path(void)
{
	const char *p = getenv("MDESCAN_CONF");

	return p && *p ? p : MDECFG_DEFAULT_PATH;
}

/* ------------------------------------------------------------- values */

/* Decimal digits of s into *v; returns the end, or NULL on none or
 * overflow. */
static const char *digits(const char *s, int64_t *v)
{
	int64_t n = 0;

	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (INT64_MAX - (*s - '0')) / 10)
			return NULL;
		n = n * 10 + (*s - '0');
	}
	*v = n;
	return s;
}

/* "16M" -> bytes; -1 if not a size. */
static int parse_scaled(const char *s, int64_t *out, const char *units,
			const int *shifts, const int64_t *mults)
{
	int64_t v;
	const char *e = digits(s, &v), *u;
	int64_t m;

	if (!e)
		return -1;
	if (*e) {
		if (e[1] || !(u = strchr(units, *e)))
			return -1;
		m = shifts ? (int64_t)1 << shifts[u - units]
			   : mults[u - units];
		if (v > INT64_MAX / m)
			return -1;
		v *= m;
	}
	*out = v;
	return 0;
}

static int parse_bool(const char *s, int64_t *out)
{
	static const char *const t[] = { "yes", "true", "1" };
	static const char *const f[] = { "no", "false", "0" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcmp(s, t[i]) == 0 || strcmp(s, f[i]) == 0) {
			*out = strcmp(s, t[i]) == 0;
			return 0;
		}
	}
	return -1;
}

static int word_index(const char *const *words, const char *s, size_t n)
{
	int i;

	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0)
			return i;
	return -1;
}

static void word_list(char *out, size_t len, const char *const *words)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; words[i] && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? ", " : "",
				      words[i]);
}

/* Length of the component of s starting at s[0], up to '/' or the end. */
static size_t comp_len(const char *s)
{
	return strcspn(s, "/");
}

/* The engine's rule for path patterns: absolute, and no "." or ".."
 * component once repeated '/' are collapsed. */
static int pattern_ok(const char *s)
{
	if (s[0] != '/')
		return 0;
	while (*s) {
		size_t n;

		while (*s == '/')
			s++;
		n = comp_len(s);
		if ((n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n;
	}
	return 1;
}

/* An extension without its "*." or "." prefix. */
static const char *ext_core(const char *s)
{
	if (s[0] == '*' && s[1] == '.')
		return s + 2;
	return s + (s[0] == '.');
}

static int ext_ok(const char *s)
{
	s = ext_core(s);
	return *s && !strpbrk(s, "/.*?");
}

static int threat_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static int source_ok(const char *s)
{
	const char *h;

	if (s[0] == '/')
		return 1;
	if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else
		return 0;
	if (!*h || *h == '/')
		return 0;
	for (; *h; h++)
		if ((unsigned char)*h <= 0x20 || (unsigned char)*h >= 0x7f)
			return 0;
	return 1;
}

static int check_list(const struct mdecfg_key *k, const char *s, char *why,
		      size_t whylen)
{
	char ws[256], sh[80];
	const char *p = s;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (word_index(k->words, p, n) < 0) {
			word_list(ws, sizeof(ws), k->words);
			shown(sh, sizeof(sh), p, n);
			say(why, whylen, "'%s' is not one of %s", sh, ws);
			return -1;
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* A user or group: a POSIX portable name (a trailing '$' allowed, as
 * useradd does) or a decimal id. */
static int name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 32 || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]) &&
		    !(s[i] == '$' && i == n - 1))
			return 0;
	return 1;
}

static int addr_ok(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* Permission bits in octal ("0660", "660"); *num is their value. */
static int check_mode(const struct mdecfg_key *k, const char *s,
		      int64_t *num, char *why, size_t whylen)
{
	size_t n = strspn(s, "01234567");
	char sh[80];

	*num = 0;
	if (n > 0 && n <= 4 && !s[n])
		*num = strtol(s, NULL, 8);
	if (n == 0 || n > 4 || s[n] || *num > k->max) {
		shown(sh, sizeof(sh), s, strlen(s));
		say(why, whylen, "'%s' is not a mode (octal, at most %llo)",
		    sh, (unsigned long long)k->max);
		return -1;
	}
	return 0;
}

/* Checks s against the number types; *num is the value. */
static int check_num(const struct mdecfg_key *k, const char *s,
		     int64_t *num, char *why, size_t whylen)
{
	static const int shifts[] = { 10, 10, 20, 20, 30, 30 };
	static const int64_t secs[] = { 1, 60, 3600, 86400 };
	char sh[80];
	int rc;

	switch (k->type) {
	case MDECFG_SIZE:
		rc = parse_scaled(s, num, "KkMmGg", shifts, NULL);
		break;
	case MDECFG_SECONDS:
		rc = parse_scaled(s, num, "smhd", NULL, secs);
		break;
	default: {
		const char *e = digits(s, num);

		rc = e && !*e ? 0 : -1;
		break;
	}
	}
	shown(sh, sizeof(sh), s, strlen(s));
	if (rc < 0) {
		say(why, whylen, "'%s' is not %s", sh,
		    k->type == MDECFG_SIZE      ? "a size (N, NK, NM or NG)"
		    : k->type == MDECFG_SECONDS ? "a time (N, Ns, Nm, Nh or Nd)"
						: "a number");
		return -1;
	}
	if (*num < k->min || *num > k->max) {
		say(why, whylen, "'%s' is out of range (%lld..%lld%s)", sh,
		    (long long)k->min, (long long)k->max,
		    k->type == MDECFG_SIZE      ? " bytes"
		    : k->type == MDECFG_SECONDS ? " seconds" : "");
		return -1;
	}
	return 0;
}

/* Checks s against k's type; *num as in mdecfg_val. */
static int check(const struct mdecfg_key *k, const char *s, int64_t *num,
		 char *why, size_t whylen)
{
	char sh[80], ws[256];
	int ok = 1;
	const char *what = NULL;

	*num = 0;
	shown(sh, sizeof(sh), s, strlen(s));
	switch (k->type) {
	case MDECFG_BOOL:
		if (parse_bool(s, num) == 0)
			return 0;
		say(why, whylen, "'%s' is not yes, no, true, false, 1 or 0",
		    sh);
		return -1;
	case MDECFG_INT:
	case MDECFG_SIZE:
	case MDECFG_SECONDS:
		return check_num(k, s, num, why, whylen);
	case MDECFG_ENUM:
		*num = word_index(k->words, s, strlen(s));
		if (*num >= 0)
			return 0;
		word_list(ws, sizeof(ws), k->words);
		say(why, whylen, "'%s' is not one of %s", sh, ws);
		return -1;
	case MDECFG_LIST:
		return check_list(k, s, why, whylen);
	case MDECFG_PATH:
		ok = s[0] == '/';
		what = "an absolute path";
		break;
	case MDECFG_PATTERN:
		ok = pattern_ok(s);
		what = s[0] == '/' ? "a pattern without . or .. components"
				   : "an absolute path pattern";
		break;
	case MDECFG_EXT:
		ok = ext_ok(s);
		what = "an extension (log, .log or *.log; no '/', '*' or '?')";
		break;
	case MDECFG_THREAT:
		ok = threat_ok(s);
		what = "a threat name or SHA-256 (printable, no spaces)";
		break;
	case MDECFG_SOURCE:
		ok = source_ok(s);
		what = "an absolute path or an http(s) URL";
		break;
	case MDECFG_MODE:
		return check_mode(k, s, num, why, whylen);
	case MDECFG_NAME:
		ok = name_ok(s);
		what = "a user or group name or number";
		break;
	case MDECFG_ADDR:
		ok = addr_ok(s);
		what = "an IPv4 or IPv6 address";
		break;
	}
	if (!ok)
		say(why, whylen, "'%s' is not %s", sh, what);
	return ok ? 0 : -1;
}

int mdecfg_check(const struct mdecfg_key *key, const char *value, char *why,
		 size_t whylen)
{
	int64_t num;
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			say(why, whylen, "a control character in the value");
			return -1;
		}
	}
	if (!*value) {
		say(why, whylen, "an empty value");
		return -1;
	}
	return check(key, value, &num, why, whylen);
}

/* --------------------------------------------------------------- lines */

/* The quoted value starting after the opening quote at s[*i]; the text
 * goes to out (room for n bytes).  Returns 0 or -1 with the reason. */
static int unquote(const char *s, size_t n, size_t *i, char *out,
		   char *why, size_t whylen)
{
	size_t o = 0;

	for (; *i < n; (*i)++) {
		char c = s[*i];

		if (c == '"') {
			(*i)++;
			out[o] = '\0';
			return 0;
		}
		if (c == '\\') {
			if (*i + 1 < n && (s[*i + 1] == '"' || s[*i + 1] == '\\')) {
				out[o++] = s[++*i];
				continue;
			}
			say(why, whylen, "unknown escape in a quoted value "
			    "(only \\\" and \\\\)");
			return -1;
		}
		out[o++] = c;
	}
	say(why, whylen, "unterminated quote");
	return -1;
}

/* The value at s[i..n): quoted, or up to '#' with blanks trimmed. */
static int value_of(const char *s, size_t n, size_t i, char *out,
		    char *why, size_t whylen)
{
	size_t e;

	if (i < n && s[i] == '"') {
		i++;
		if (unquote(s, n, &i, out, why, whylen) < 0)
			return -1;
		while (i < n && is_ws(s[i]))
			i++;
		if (i < n && s[i] != '#') {
			say(why, whylen, "text after the closing quote");
			return -1;
		}
		return 0;
	}
	for (e = i; e < n && s[e] != '#'; e++)
		;
	while (e > i && is_ws(s[e - 1]))
		e--;
	memcpy(out, s + i, e - i);
	out[e - i] = '\0';
	return 0;
}

int mdecfg_parse_line(const char *s, size_t n, const struct mdecfg_key **key,
		      char **value, char *why, size_t whylen)
{
	size_t i = 0, ks;
	char sh[80];

	*key = NULL;
	*value = NULL;
	if (n > MDECFG_LINE_MAX) {
		say(why, whylen, "line longer than %d bytes", MDECFG_LINE_MAX);
		return -1;
	}
	if (memchr(s, '\0', n)) {
		say(why, whylen, "a NUL byte");
		return -1;
	}
	while (i < n && is_ws(s[i]))
		i++;
	if (i == n || s[i] == '#')
		return 0;
	for (ks = i; i < n && !is_ws(s[i]) && s[i] != '=' && s[i] != '#'; i++)
		;
	*key = mdecfg_find_key(s + ks, i - ks);
	if (!*key) {
		shown(sh, sizeof(sh), s + ks, i - ks);
		say(why, whylen, "unknown key '%s'", sh);
		return -1;
	}
	while (i < n && is_ws(s[i]))
		i++;
	if (i == n || s[i] != '=') {
		say(why, whylen, "missing '=' after '%s'", (*key)->name);
		return -1;
	}
	i++;
	while (i < n && is_ws(s[i]))
		i++;
	*value = malloc(n - i + 1);
	if (!*value) {
		say(why, whylen, "out of memory");
		return -1;
	}
	if (value_of(s, n, i, *value, why, whylen) < 0) {
		free(*value);
		*value = NULL;
		return -1;
	}
	return 1;
}

/* ----------------------------------------------------------- the store */

struct mdecfg *mdecfg_new(void)
{
	struct mdecfg *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->last = calloc(mdecfg_nkeys, sizeof(*c->last));
	if (!c->last) {
		mdecfg_free(c);
		return NULL;
	}
	return c;
}

void mdecfg_free(struct mdecfg *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n; i++)
		free((char *)cfg->v[i].value);
	for (i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->v);
	free(cfg->files);
	free(cfg->last);
	free(cfg);
}

/* Interns a file name; NULL on no memory. */
static const char *add_file(struct mdecfg *c, const char *file)
{
	char **nf = realloc(c->files, (c->nfiles + 1) * sizeof(*nf));

	if (!nf)
		return NULL;
	c->files = nf;
	nf[c->nfiles] = strdup(file);
	return nf[c->nfiles] ? nf[c->nfiles++] : NULL;
}

/* Appends a value (taking value); -1 on no memory (value freed). */
static int push(struct mdecfg *c, const struct mdecfg_val *v)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct mdecfg_val *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv) {
			free((char *)v->value);
			return -1;
		}
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = *v;
	c->last[v->key - mdecfg_keys] = c->n;
	return 0;
}

/* One line of file: checks it and stores its value.  base is the index
 * of the file's first value (a scalar set again since is an error). */
static int one_line(struct mdecfg *c, const char *file, unsigned line,
		    const char *s, size_t n, size_t base, char *err,
		    size_t errlen)
{
	const struct mdecfg_key *k;
	struct mdecfg_val v = { 0 };
	char why[512];
	char *val;
	size_t prev;
	int rc = mdecfg_parse_line(s, n, &k, &val, why, sizeof(why));

	if (rc <= 0)
		goto out;
	rc = -1;
	if (mdecfg_check(k, val, why + strlen(k->name) + 2,
			 sizeof(why) - strlen(k->name) - 2) < 0) {
		memcpy(why, k->name, strlen(k->name));
		memcpy(why + strlen(k->name), ": ", 2);
		goto out;
	}
	prev = c->last[k - mdecfg_keys];
	if (!k->repeatable && prev > base) {
		say(why, sizeof(why), "'%s' set again (first at line %u)",
		    k->name, c->v[prev - 1].line);
		goto out;
	}
	v.key = k;
	v.value = val;
	v.file = file;
	v.line = line;
	check(k, val, &v.num, NULL, 0);
	val = NULL;
	if (push(c, &v) < 0) {
		say(why, sizeof(why), "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(val);
	if (rc < 0)
		say(err, errlen, "%s:%u: %s", file, line, why);
	return rc < 0 ? -1 : 0;
}

int mdecfg_parse(struct mdecfg *cfg, const char *file, const char *buf,
		 size_t len, char *err, size_t errlen)
{
	const char *name = add_file(cfg, file);
	size_t pos = 0, base = cfg->n;
	unsigned line = 0;

	if (!name) {
		say(err, errlen, "%s: out of memory", file);
		return -1;
	}
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		size_t m = n;

		line++;
		if (m > 0 && buf[pos + m - 1] == '\r')
			m--; /* CRLF: the file was edited elsewhere */
		if (one_line(cfg, name, line, buf + pos, m, base, err,
			     errlen) < 0)
			return -1;
		pos += n + 1;
	}
	return 0;
}

/* ------------------------------------------------------------- reading */

/* The whole of file into *buf (malloc'd); 0, 1 if missing, -1 on error. */
static int slurp(const char *file, char **buf, size_t *len, char *err,
		 size_t errlen)
{
	struct stat st;
	ssize_t r;
	size_t got = 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = -1;

	*buf = NULL;
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		say(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		say(err, errlen, "%s: %s", file, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		say(err, errlen, "%s: not a regular file", file);
	} else if (st.st_mode & S_IWOTH) {
		say(err, errlen, "%s: writable by others; not used", file);
	} else if ((uint64_t)st.st_size > MDECFG_FILE_MAX) {
		say(err, errlen, "%s: larger than %u bytes", file,
		    MDECFG_FILE_MAX);
	} else if (!(*buf = malloc((size_t)st.st_size + 1))) {
		say(err, errlen, "%s: out of memory", file);
	} else {
		/* read to EOF, at most the limit: the file may grow */
		while ((r = read(fd, *buf + got, (size_t)st.st_size + 1 - got)) > 0 &&
		       (got += (size_t)r) <= (size_t)st.st_size)
			;
		if (r < 0)
			say(err, errlen, "%s: %s", file, strerror(errno));
		else if (got > (size_t)st.st_size)
			say(err, errlen, "%s: changed while read", file);
		else
			rc = 0;
	}
	close(fd);
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	*len = got;
	return rc;
}

static int load_file(struct mdecfg *c, const char *file, int missing_ok,
		     char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc = slurp(file, &buf, &len, err, errlen);

	if (rc == 1 && !missing_ok)
		say(err, errlen, "%s: %s", file, strerror(ENOENT));
	if (rc == 1)
		return missing_ok ? 0 : -1;
	if (rc == 0)
		rc = mdecfg_parse(c, file, buf, len, err, errlen);
	free(buf);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is name a drop-in: "*.conf", not hidden? */
static int dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* The drop-in names of dir, sorted, into *names; count or -1. */
static long list_dropins(const char *dir, char ***names, char *err,
			 size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0;
	char **v = NULL, **nv;

	*names = NULL;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		say(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(dirfd(d), &st) == 0 && (st.st_mode & S_IWOTH) &&
	    !(st.st_mode & S_ISVTX)) {
		say(err, errlen, "%s: writable by others; not used", dir);
		goto fail;
	}
	while ((de = readdir(d))) {
		if (!dropin_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nv = realloc(v, cap * sizeof(*v))))
				goto nomem;
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name)))
			goto nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	*names = v;
	return (long)n;
nomem:
	say(err, errlen, "%s: out of memory", dir);
fail:
	while (n)
		free(v[--n]);
	free(v);
	closedir(d);
	return -1;
}

int mdecfg_load_dropins(struct mdecfg *cfg, const char *path, char *err,
			size_t errlen)
{
	size_t dl = strlen(path) + 3, i;
	char *dir = malloc(dl), *file = NULL;
	char **names = NULL;
	long n = 0;
	int rc = -1;

	if (!dir) {
		say(err, errlen, "%s: out of memory", path);
		return -1;
	}
	snprintf(dir, dl, "%s.d", path);
	n = list_dropins(dir, &names, err, errlen);
	rc = n < 0 ? -1 : 0;
	for (i = 0; rc == 0 && i < (size_t)n; i++) {
		size_t fl = dl + strlen(names[i]) + 1;

		free(file);
		if (!(file = malloc(fl))) {
			say(err, errlen, "%s: out of memory", dir);
			rc = -1;
			break;
		}
		snprintf(file, fl, "%s/%s", dir, names[i]);
		rc = load_file(cfg, file, 1, err, errlen);
	}
	for (i = 0; n > 0 && i < (size_t)n; i++)
		free(names[i]);
	free(names);
	free(file);
	free(dir);
	return rc;
}

struct mdecfg *mdecfg_load(const char *path, int missing_ok, char *err,
			   size_t errlen)
{
	struct mdecfg *c = mdecfg_new();

	if (!c) {
		say(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (load_file(c, path, missing_ok, err, errlen) < 0 ||
	    mdecfg_load_dropins(c, path, err, errlen) < 0) {
		mdecfg_free(c);
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------------- getters */

static const struct mdecfg_key *key_or_die(const char *key)
{
	const struct mdecfg_key *k = mdecfg_find_key(key, strlen(key));

	if (!k) {
		fprintf(stderr, "mdecfg: no configuration key '%s'\n", key);
		abort();
	}
	return k;
}

const struct mdecfg_val *mdecfg_get(const struct mdecfg *cfg, const char *key)
{
	const struct mdecfg_key *k = key_or_die(key);
	size_t i = cfg ? cfg->last[k - mdecfg_keys] : 0;

	return i ? &cfg->v[i - 1] : NULL;
}

int mdecfg_get_str(const struct mdecfg *cfg, const char *key,
		   const char **out)
{
	const struct mdecfg_val *v = mdecfg_get(cfg, key);

	if (v)
		*out = v->value;
	return v != NULL;
}

static void wrong_type(const char *key, const char *getter)
{
	fprintf(stderr, "mdecfg: %s() on '%s' of another type\n", getter, key);
	abort();
}

int mdecfg_get_int(const struct mdecfg *cfg, const char *key, int64_t *out)
{
	const struct mdecfg_key *k = key_or_die(key);
	const struct mdecfg_val *v;

	if (k->type != MDECFG_BOOL && k->type != MDECFG_INT &&
	    k->type != MDECFG_SIZE && k->type != MDECFG_SECONDS &&
	    k->type != MDECFG_ENUM && k->type != MDECFG_MODE)
		wrong_type(key, "mdecfg_get_int");
	v = mdecfg_get(cfg, key);
	if (v)
		*out = v->num;
	return v != NULL;
}

int mdecfg_get_bool(const struct mdecfg *cfg, const char *key, int *out)
{
	const struct mdecfg_val *v;

	if (key_or_die(key)->type != MDECFG_BOOL)
		wrong_type(key, "mdecfg_get_bool");
	v = mdecfg_get(cfg, key);
	if (v)
		*out = v->num != 0;
	return v != NULL;
}

int mdecfg_each(const struct mdecfg *cfg, const char *key, mdecfg_each_fn fn,
		void *ctx)
{
	const struct mdecfg_key *k = key_or_die(key);
	const struct mdecfg_val *last;
	size_t i;
	int rc;

	if (!cfg)
		return 0;
	if (!k->repeatable) {
		last = mdecfg_get(cfg, key);
		return last ? fn(ctx, last) : 0;
	}
	for (i = 0; i < cfg->n; i++)
		if (cfg->v[i].key == k && (rc = fn(ctx, &cfg->v[i])) != 0)
			return rc;
	return 0;
}

/* ------------------------------------------------------------- writing */

/* Must v be quoted to read back the same? */
static int needs_quotes(const char *v)
{
	size_t n = strlen(v);

	return n == 0 || is_ws(v[0]) || is_ws(v[n - 1]) || v[0] == '"' ||
	       strchr(v, '#') != NULL;
}

char *mdecfg_format(const struct mdecfg_key *key, const char *value)
{
	size_t n = strlen(key->name) + 2 * strlen(value) + 8, o;
	char *s = malloc(n);
	const char *p;

	if (!s)
		return NULL;
	o = (size_t)snprintf(s, n, "%s = ", key->name);
	if (!needs_quotes(value)) {
		snprintf(s + o, n - o, "%s\n", value);
		return s;
	}
	s[o++] = '"';
	for (p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			s[o++] = '\\';
		s[o++] = *p;
	}
	memcpy(s + o, "\"\n", 3);
	return s;
}

/* Is a[0..] the same as b[0..] once runs of '/' count as one? */
static int same_path(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a != *b)
			return 0;
		if (*a == '/') {
			while (*a == '/')
				a++;
			while (*b == '/')
				b++;
		} else {
			a++;
			b++;
		}
	}
	return *a == *b;
}

int mdecfg_same(const struct mdecfg_key *key, const char *a, const char *b)
{
	switch (key->type) {
	case MDECFG_PATTERN:
		return same_path(a, b);
	case MDECFG_EXT:
		return strcmp(ext_core(a), ext_core(b)) == 0;
	default:
		return strcmp(a, b) == 0;
	}
}

const char *mdecfg_path_from_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}
