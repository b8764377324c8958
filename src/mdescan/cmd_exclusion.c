/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_exclusion.c - `mdescan exclusion add|remove|list`: the exclusions
 * of the configuration file, edited in place.
 *
 * An edit keeps every other line byte for byte: add appends one line,
 * remove drops the lines that name the exclusion.  It runs under an
 * exclusive flock(2) on the file, so concurrent edits queue instead of
 * losing each other; the new text goes to a temporary file in the same
 * directory (mode and owner of the old one, fsync'd) that is renamed over
 * the old.  A waiter whose locked file was renamed away locks the new
 * one.  The whole configuration (drop-ins too) must load before and
 * after the edit: a file with a bad line is never rewritten.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdecfg.h"
#include "output.h"
#include "banned.h"

/* The kinds, as options and as keys. */
static const struct kind {
	const char *opt, *key, *type;
} kinds[] = {
	{ "path", "exclude_path", "path" },
	{ "dir", "exclude_dir", "dir" },
	{ "ext", "exclude_ext", "ext" },
	{ "process", "exclude_process", "process" },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

struct xopts {
	const char *verb;
	const char *config;
	const struct kind *kind;
	const char *value;
	int json;
};

/* allowed_threat lines: edited like exclusions (cmd_allowed) */
static const struct kind allowed = { "threat", "allowed_threat", "threat" };

/* The file being edited, locked. */
struct locked {
	char *path; /* resolved: a symlinked config is edited at its target */
	int fd;
	struct stat st;
	char *buf;
	size_t len;
};

static const char usage_text[] =
	"usage: mdescan exclusion add|remove --path PATTERN|--dir PATTERN|"
	"--ext EXT|--process EXE\n"
	"                                [--config FILE]\n"
	"       mdescan exclusion list [--config FILE] [--json]\n";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "mdescan: MESSAGE" on stderr; returns 2, the exit status. */
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mdescan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static int usage_error(const char *what)
{
	if (what)
		fprintf(stderr, "mdescan: exclusion: %s\n", what);
	fputs(usage_text, stderr);
	return 2;
}

static int parse(int argc, char **argv, struct xopts *o)
{
	enum { O_CONFIG = 256, O_JSON, O_KIND };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "dir", required_argument, NULL, O_KIND + 1 },
		{ "ext", required_argument, NULL, O_KIND + 2 },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, O_JSON },
		{ "path", required_argument, NULL, O_KIND + 0 },
		{ "process", required_argument, NULL, O_KIND + 3 },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			exit(0);
		} else if (c == O_CONFIG) {
			o->config = optarg;
		} else if (c == O_JSON) {
			o->json = 1;
		} else if (c >= O_KIND && c < O_KIND + (int)NKINDS) {
			if (o->kind)
				return usage_error("one exclusion at a time");
			o->kind = &kinds[c - O_KIND];
			o->value = optarg;
		} else {
			return usage_error(NULL);
		}
	}
	if (optind != argc - 1)
		return usage_error(optind == argc ? "add, remove or list?"
						  : "unexpected argument");
	o->verb = argv[optind];
	if (strcmp(o->verb, "list") == 0)
		return o->kind ? usage_error("list takes no exclusion") : 0;
	if (strcmp(o->verb, "add") && strcmp(o->verb, "remove"))
		return usage_error("add, remove or list?");
	if (!o->kind)
		return usage_error("--path, --dir, --ext or --process?");
	if (o->json)
		return usage_error("--json is for list");
	return 0;
}

/* ------------------------------------------------------------ locking */

/* The whole of fd into l->buf. */
static int read_all(struct locked *l)
{
	size_t cap = (size_t)l->st.st_size + 1;
	ssize_t r;

	l->len = 0;
	l->buf = malloc(cap);
	if (!l->buf)
		return -1;
	while ((r = pread(l->fd, l->buf + l->len, cap - l->len,
			  (off_t)l->len)) > 0) {
		l->len += (size_t)r;
		if (l->len == cap) {
			char *nb;

			if (cap > MDECFG_FILE_MAX) {
				errno = EFBIG;
				return -1;
			}
			if (!(nb = realloc(l->buf, cap *= 2)))
				return -1;
			l->buf = nb;
		}
	}
	return r < 0 ? -1 : 0;
}

/*
 * Opens and locks the configuration file (created empty if create), the
 * one that is at l->path once the lock is held: an edit that held it
 * before renamed a new file there.
 */
static int lock_config(struct locked *l, int create)
{
	struct stat now;

	for (;;) {
		l->fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
				      (create ? O_CREAT : 0), 0644);
		if (l->fd < 0)
			return -1;
		if (flock(l->fd, LOCK_EX) < 0 || fstat(l->fd, &l->st) < 0)
			break;
		if (stat(l->path, &now) == 0 && now.st_dev == l->st.st_dev &&
		    now.st_ino == l->st.st_ino) {
			if (!S_ISREG(l->st.st_mode)) {
				errno = EINVAL;
				break;
			}
			return read_all(l);
		}
		close(l->fd);
	}
	close(l->fd);
	l->fd = -1;
	return -1;
}

/* The path to edit: the target of a symlink, else as given. */
static char *resolve(const char *path)
{
	char *r = realpath(path, NULL);

	return r ? r : strdup(path);
}

/* ------------------------------------------------------------ writing */

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Replaces l->path by text: temp file, mode and owner, fsync, rename. */
static int replace(const struct locked *l, const char *text, size_t n)
{
	char *dir = strdup(l->path), *tmp = NULL;
	const char *d, *base = strrchr(l->path, '/');
	int fd = -1, dfd, rc = -1, err = 0;
	size_t tl;

	if (!dir)
		return -1;
	d = dirname(dir);
	base = base ? base + 1 : l->path;
	tl = strlen(d) + strlen(base) + 16;
	if (!(tmp = malloc(tl)))
		goto out;
	/* hidden and not "*.conf": never read as a drop-in */
	snprintf(tmp, tl, "%s/.%s.XXXXXX", d, base);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		goto out;
	if (fchmod(fd, l->st.st_mode & 07777) < 0 ||
	    ((l->st.st_uid != geteuid() || l->st.st_gid != getegid()) &&
	     fchown(fd, l->st.st_uid, l->st.st_gid) < 0) ||
	    write_all(fd, text, n) < 0 || fsync(fd) < 0)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, l->path) < 0)
		goto out;
	free(tmp);
	tmp = NULL;
	dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* the rename itself, on disk */
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	err = errno;
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	errno = err;
	return rc;
}

/* ----------------------------------------------------------- the edits */

/* The configuration: l's text as l->path, then the drop-ins. */
static struct mdecfg *load_locked(const struct locked *l, const char *shown)
{
	char err[1024];
	struct mdecfg *c = mdecfg_new();

	if (!c ||
	    mdecfg_parse(c, shown, l->buf, l->len, err, sizeof(err)) < 0 ||
	    mdecfg_load_dropins(c, shown, err, sizeof(err)) < 0) {
		fprintf(stderr, "mdescan: %s\nmdescan: %s not changed\n",
			c ? err : "out of memory", shown);
		mdecfg_free(c);
		return NULL;
	}
	return c;
}

struct finder {
	const struct mdecfg_key *key;
	const char *value;
	const char *file; /* NULL: any */
	const struct mdecfg_val *found;
};

static int find_cb(void *ctx, const struct mdecfg_val *v)
{
	struct finder *f = ctx;

	if ((f->file && strcmp(f->file, v->file)) ||
	    !mdecfg_same(f->key, f->value, v->value))
		return 0;
	f->found = v;
	return 1;
}

static int do_add(struct locked *l, const struct mdecfg *c,
		  const struct xopts *o, const struct mdecfg_key *k)
{
	struct finder f = { k, o->value, NULL, NULL };
	char *line, *text, loc[64];
	size_t ll, n;
	int rc;

	if (mdecfg_each(c, k->name, find_cb, &f)) {
		snprintf(loc, sizeof(loc), ":%u", f.found->line);
		fprintf(stderr, "mdescan: '%s' is already %s (%s%s)\n",
			o->value, o->kind == &allowed ? "allowed" : "excluded",
			f.found->file, loc);
		return 2;
	}
	if (!(line = mdecfg_format(k, o->value)))
		return fail("out of memory");
	ll = strlen(line);
	n = l->len + (l->len && l->buf[l->len - 1] != '\n');
	if (!(text = malloc(n + ll))) {
		free(line);
		return fail("out of memory");
	}
	memcpy(text, l->buf, l->len);
	if (n > l->len)
		text[l->len] = '\n';
	memcpy(text + n, line, ll);
	rc = replace(l, text, n + ll);
	free(line);
	free(text);
	return rc < 0 ? fail("%s: %s", l->path, strerror(errno)) : 0;
}

/* Copies l's lines but those setting k to value into out; the count. */
static size_t drop_lines(const struct locked *l, const struct mdecfg_key *k,
			 const char *value, char *out, size_t *outlen)
{
	size_t pos = 0, o = 0, dropped = 0;

	while (pos < l->len) {
		const char *s = l->buf + pos, *nl;
		const struct mdecfg_key *lk;
		size_t n, m;
		char *v, why[8];
		int hit;

		nl = memchr(s, '\n', l->len - pos);
		n = nl ? (size_t)(nl - s) + 1 : l->len - pos;
		m = n - (nl != NULL);
		m -= m && s[m - 1] == '\r';
		hit = mdecfg_parse_line(s, m, &lk, &v, why, sizeof(why)) == 1 &&
		      lk == k && mdecfg_same(k, value, v);
		free(v);
		if (hit) {
			dropped++;
		} else {
			memcpy(out + o, s, n);
			o += n;
		}
		pos += n;
	}
	*outlen = o;
	return dropped;
}

static int do_remove(struct locked *l, const struct mdecfg *c,
		     const struct xopts *o, const struct mdecfg_key *k,
		     const char *shown)
{
	struct finder f = { k, o->value, NULL, NULL };
	char *text = malloc(l->len + 1);
	size_t n;
	int rc;

	if (!text)
		return fail("out of memory");
	if (drop_lines(l, k, o->value, text, &n) == 0) {
		free(text);
		if (mdecfg_each(c, k->name, find_cb, &f)) {
			fprintf(stderr, "mdescan: '%s' is excluded by %s:%u, "
				"not by %s: edit that file\n", o->value,
				f.found->file, f.found->line, shown);
			return 2;
		}
		return fail("'%s' is not %s (%s)", o->value,
			    o->kind == &allowed ? "allowed" : "excluded",
			    k->name);
	}
	rc = replace(l, text, n);
	free(text);
	return rc < 0 ? fail("%s: %s", l->path, strerror(errno)) : 0;
}

static int edit(const struct xopts *o, const char *path)
{
	const struct mdecfg_key *k = mdecfg_find_key(o->kind->key,
						     strlen(o->kind->key));
	struct locked l = { .fd = -1 };
	struct mdecfg *c = NULL;
	char why[512];
	int add = strcmp(o->verb, "add") == 0, rc = 2;

	if (mdecfg_check(k, o->value, why, sizeof(why)) < 0)
		return fail("invalid exclusion: %s", why);
	if (!(l.path = resolve(path)))
		return fail("out of memory");
	if (lock_config(&l, add) < 0) {
		if (errno == ENOENT && !add)
			rc = fail("'%s' is not excluded (%s: no such file)",
				  o->value, path);
		else
			rc = fail("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!(c = load_locked(&l, path)))
		goto out;
	rc = add ? do_add(&l, c, o, k) : do_remove(&l, c, o, k, path);
out:
	mdecfg_free(c);
	if (l.fd >= 0)
		close(l.fd); /* releases the lock, after the rename */
	free(l.buf);
	free(l.path);
	return rc;
}

/* --------------------------------------------------------------- list */

struct lister {
	const struct kind *kind;
	int json, n;
};

static int list_cb(void *ctx, const struct mdecfg_val *v)
{
	struct lister *ls = ctx;

	if (ls->json) {
		fprintf(stdout, "%s{\"type\":\"%s\",\"key\":\"%s\",\"pattern\":",
			ls->n++ ? ",\n" : "[\n", ls->kind->type, v->key->name);
		out_json_str(stdout, v->value, strlen(v->value));
		fputs(",\"file\":", stdout);
		out_json_str(stdout, v->file, strlen(v->file));
		fprintf(stdout, ",\"line\":%u}", v->line);
	} else {
		ls->n++;
		printf("%-8s ", ls->kind->type);
		out_text_path(stdout, v->value, strlen(v->value));
		printf("\t(%s:%u)\n", v->file, v->line);
	}
	return 0;
}

static int list(const struct xopts *o, const char *path,
		const struct kind *ks, size_t nk)
{
	char err[1024];
	struct mdecfg *c = mdecfg_load(path, 1, err, sizeof(err));
	struct lister ls = { NULL, o->json, 0 };
	size_t i;

	if (!c)
		return fail("%s", err);
	for (i = 0; i < nk; i++) {
		ls.kind = &ks[i];
		mdecfg_each(c, ks[i].key, list_cb, &ls);
	}
	if (o->json)
		fputs(ls.n ? "\n]\n" : "[]\n", stdout);
	mdecfg_free(c);
	if (fflush(stdout) != 0 || ferror(stdout))
		return fail("standard output: write error");
	return 0;
}

/* argv[0] is "exclusion".  Returns the exit status: 0 done, 2 not. */
int cmd_exclusion(int argc, char **argv)
{
	struct xopts o = { 0 };
	const char *path;

	if (parse(argc, argv, &o) != 0)
		return 2;
	path = o.config ? o.config : mdecfg_default_path();
	return strcmp(o.verb, "list") == 0 ? list(&o, path, kinds, NKINDS)
					     : edit(&o, path);
}

/* --------------------------------------------------- allowed threats */

/*
 * `mdescan threat allowed add|remove NAME|SHA256 [--config FILE]` and
 * `list [--json]`: the allowed_threat lines of the configuration, edited
 * as exclusions are.  argv[0] is "allowed".
 */
int cmd_allowed(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	struct xopts o = { 0 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'c')
			o.config = optarg;
		else if (c == 'J')
			o.json = 1;
		else
			goto usage;
	}
	if (optind >= argc)
		goto usage;
	o.verb = argv[optind];
	o.kind = &allowed;
	if (!strcmp(o.verb, "list") && optind == argc - 1)
		return list(&o, o.config ? o.config : mdecfg_default_path(),
			    &allowed, 1);
	if ((strcmp(o.verb, "add") && strcmp(o.verb, "remove")) ||
	    optind != argc - 2 || o.json)
		goto usage;
	o.value = argv[optind + 1];
	return edit(&o, o.config ? o.config : mdecfg_default_path());
usage:
	fputs("usage: mdescan threat allowed add|remove NAME|SHA256 "
	      "[--config FILE]\n"
	      "       mdescan threat allowed list [--json] [--config FILE]\n",
	      stderr);
	return 2;
}
