/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_value.c - the configuration's typed values: each value is
 * checked against its key's type at load time, so a tool never meets a
 * bad value after start-up.
 *
 * Exclusion patterns are checked with the rules of the engine's matcher
 * (lib/exclude.c, mde__excl_add); the checks are repeated here rather
 * than called, since the tools see only the engine's public header, and
 * test_config and fuzz_config hold the two to the same answers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_int.h"
#include "banned.h"

/* s[0..n) for a message: at most 60 bytes, odd bytes as '?'. */
void mdecfg__shown(char *out, size_t outlen, const char *s, size_t n)
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

/* ------------------------------------------------- numbers and words */

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

/* --------------------------------------------------- paths and names */

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
const char *mdecfg__ext_core(const char *s)
{
	if (s[0] == '*' && s[1] == '.')
		return s + 2;
	return s + (s[0] == '.');
}

static int ext_ok(const char *s)
{
	s = mdecfg__ext_core(s);
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

/* ------------------------------------------------------------ checks */

static int check_list(const struct mdecfg_key *k, const char *s, char *why,
		      size_t whylen)
{
	char ws[256], sh[80];
	const char *p = s;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (word_index(k->words, p, n) < 0) {
			word_list(ws, sizeof(ws), k->words);
			mdecfg__shown(sh, sizeof(sh), p, n);
			return tool_errf(why, whylen, -1,
					 "'%s' is not one of %s", sh, ws);
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
		mdecfg__shown(sh, sizeof(sh), s, strlen(s));
		return tool_errf(why, whylen, -1,
				 "'%s' is not a mode (octal, at most %llo)",
				 sh, (unsigned long long)k->max);
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
	mdecfg__shown(sh, sizeof(sh), s, strlen(s));
	if (rc < 0)
		return tool_errf(why, whylen, -1, "'%s' is not %s", sh,
				 k->type == MDECFG_SIZE
				 ? "a size (N, NK, NM or NG)"
				 : k->type == MDECFG_SECONDS
				 ? "a time (N, Ns, Nm, Nh or Nd)" : "a number");
	if (*num < k->min || *num > k->max)
		return tool_errf(why, whylen, -1,
				 "'%s' is out of range (%lld..%lld%s)", sh,
				 (long long)k->min, (long long)k->max,
				 k->type == MDECFG_SIZE ? " bytes"
				 : k->type == MDECFG_SECONDS ? " seconds" : "");
	return 0;
}

/* Checks s against k's type; *num as in mdecfg_val. */
int mdecfg__check(const struct mdecfg_key *k, const char *s, int64_t *num,
		  char *why, size_t whylen)
{
	char sh[80], ws[256];
	int ok = 1;
	const char *what = NULL;

	*num = 0;
	mdecfg__shown(sh, sizeof(sh), s, strlen(s));
	switch (k->type) {
	case MDECFG_BOOL:
		if (parse_bool(s, num) == 0)
			return 0;
		return tool_errf(why, whylen, -1,
				 "'%s' is not yes, no, true, false, 1 or 0",
				 sh);
	case MDECFG_INT:
	case MDECFG_SIZE:
	case MDECFG_SECONDS:
		return check_num(k, s, num, why, whylen);
	case MDECFG_ENUM:
		*num = word_index(k->words, s, strlen(s));
		if (*num >= 0)
			return 0;
		word_list(ws, sizeof(ws), k->words);
		return tool_errf(why, whylen, -1, "'%s' is not one of %s", sh,
				 ws);
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
		tool_errf(why, whylen, -1, "'%s' is not %s", sh, what);
	return ok ? 0 : -1;
}

int mdecfg_check(const struct mdecfg_key *key, const char *value, char *why,
		 size_t whylen)
{
	int64_t num;
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return tool_errf(why, whylen, -1,
					 "a control character in the value");
	}
	if (!*value)
		return tool_errf(why, whylen, -1, "an empty value");
	return mdecfg__check(key, value, &num, why, whylen);
}
