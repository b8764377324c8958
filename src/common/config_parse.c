/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_parse.c - the configuration's line parser: `key = value`, '#'
 * comments, values optionally quoted (mdecfg.h); and the values a file
 * adds to a configuration, each checked against its key's type, a
 * scalar set twice in one file refused.  Any bad line fails the whole
 * file with "FILE:LINE: reason".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "banned.h"

/* ------------------------------------------------------------- lines */

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
			if (*i + 1 < n &&
			    (s[*i + 1] == '"' || s[*i + 1] == '\\')) {
				out[o++] = s[++*i];
				continue;
			}
			return tool_errf(why, whylen, -1,
					 "unknown escape in a quoted value "
					 "(only \\\" and \\\\)");
		}
		out[o++] = c;
	}
	return tool_errf(why, whylen, -1, "unterminated quote");
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
		while (i < n && mdecfg__is_ws(s[i]))
			i++;
		if (i < n && s[i] != '#')
			return tool_errf(why, whylen, -1,
					 "text after the closing quote");
		return 0;
	}
	for (e = i; e < n && s[e] != '#'; e++)
		;
	while (e > i && mdecfg__is_ws(s[e - 1]))
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
	if (n > MDECFG_LINE_MAX)
		return tool_errf(why, whylen, -1, "line longer than %d bytes",
				 MDECFG_LINE_MAX);
	if (memchr(s, '\0', n))
		return tool_errf(why, whylen, -1, "a NUL byte");
	while (i < n && mdecfg__is_ws(s[i]))
		i++;
	if (i == n || s[i] == '#')
		return 0;
	for (ks = i; i < n && !mdecfg__is_ws(s[i]) && s[i] != '=' &&
	     s[i] != '#'; i++)
		;
	*key = mdecfg_find_key(s + ks, i - ks);
	if (!*key) {
		mdecfg__shown(sh, sizeof(sh), s + ks, i - ks);
		return tool_errf(why, whylen, -1, "unknown key '%s'", sh);
	}
	while (i < n && mdecfg__is_ws(s[i]))
		i++;
	if (i == n || s[i] != '=')
		return tool_errf(why, whylen, -1, "missing '=' after '%s'",
				 (*key)->name);
	i++;
	while (i < n && mdecfg__is_ws(s[i]))
		i++;
	*value = malloc(n - i + 1);
	if (!*value)
		return tool_errf(why, whylen, -1, "out of memory");
	if (value_of(s, n, i, *value, why, whylen) < 0) {
		free(*value);
		*value = NULL;
		return -1;
	}
	return 1;
}

/* ------------------------------------------------------------- files */

/* Interns a file name; NULL on no memory. */
static const char *add_file(struct mdecfg *c, const char *file)
{
	if (tool_strv_push(&c->files, file) < 0)
		return NULL;
	return c->files.v[c->files.n - 1];
}

/* Appends a value (taking value); -1 on no memory (value freed). */
static int push(struct mdecfg *c, const struct mdecfg_val *v)
{
	struct mdecfg_val *nv = tool_grow(c->v, &c->cap, c->n + 1,
					  sizeof(*nv));

	if (!nv) {
		free((char *)v->value);
		return -1;
	}
	c->v = nv;
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
		tool_errf(why, sizeof(why), -1,
			  "'%s' set again (first at line %u)", k->name,
			  c->v[prev - 1].line);
		goto out;
	}
	v.key = k;
	v.value = val;
	v.file = file;
	v.line = line;
	mdecfg__check(k, val, &v.num, NULL, 0);
	val = NULL;
	if (push(c, &v) < 0) {
		tool_errf(why, sizeof(why), -1, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(val);
	if (rc < 0)
		tool_errf(err, errlen, -1, "%s:%u: %s", file, line, why);
	return rc < 0 ? -1 : 0;
}

int mdecfg_parse(struct mdecfg *cfg, const char *file, const char *buf,
		 size_t len, char *err, size_t errlen)
{
	const char *name = add_file(cfg, file);
	size_t pos = 0, base = cfg->n;
	unsigned line = 0;

	if (!name)
		return tool_errf(err, errlen, -1, "%s: out of memory", file);
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
