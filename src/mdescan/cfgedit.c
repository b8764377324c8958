/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cfgedit.c - lines of the configuration file edited in place: the
 * exclusions (`mdescan exclusion`) and the allowed threats (`mdescan
 * threat allowed`).
 *
 * An edit keeps every other line byte for byte: add appends one line,
 * remove drops the lines that name the value.  It runs under an
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
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgedit.h"
#include "mdecfg.h"
#include "output.h"
#include "util.h"
#include "banned.h"

/* The file being edited, locked. */
struct locked {
	char *path; /* resolved: a symlinked config is edited at its target */
	int fd;
	struct stat st;
	char *buf;
	size_t len;
};

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
		tool_warn("%s", c ? err : "out of memory");
		tool_warn("%s not changed", shown);
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
		  const struct cfgedit *o, const struct mdecfg_key *k)
{
	struct finder f = { k, o->value, NULL, NULL };
	char *line, *text;
	size_t ll, n;
	int rc;

	if (mdecfg_each(c, k->name, find_cb, &f))
		return tool_fail("'%s' is already %s (%s:%u)", o->value,
				 o->kind->state, f.found->file, f.found->line);
	if (!(line = mdecfg_format(k, o->value)))
		return tool_fail("out of memory");
	ll = strlen(line);
	n = l->len + (l->len && l->buf[l->len - 1] != '\n');
	if (!(text = malloc(n + ll))) {
		free(line);
		return tool_fail("out of memory");
	}
	memcpy(text, l->buf, l->len);
	if (n > l->len)
		text[l->len] = '\n';
	memcpy(text + n, line, ll);
	rc = replace(l, text, n + ll);
	free(line);
	free(text);
	return rc < 0 ? tool_fail("%s: %s", l->path, strerror(errno)) : 0;
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
		     const struct cfgedit *o, const struct mdecfg_key *k,
		     const char *shown)
{
	struct finder f = { k, o->value, NULL, NULL };
	char *text = malloc(l->len + 1);
	size_t n;
	int rc;

	if (!text)
		return tool_fail("out of memory");
	if (drop_lines(l, k, o->value, text, &n) == 0) {
		free(text);
		if (mdecfg_each(c, k->name, find_cb, &f))
			return tool_fail("'%s' is %s by %s:%u, not by "
					 "%s: edit that file", o->value,
					 o->kind->state, f.found->file,
					 f.found->line, shown);
		return tool_fail("'%s' is not %s (%s)", o->value,
				 o->kind->state, k->name);
	}
	rc = replace(l, text, n);
	free(text);
	return rc < 0 ? tool_fail("%s: %s", l->path, strerror(errno)) : 0;
}

int cfgedit_edit(const struct cfgedit *o, const char *path)
{
	const struct mdecfg_key *k = mdecfg_find_key(o->kind->key,
						     strlen(o->kind->key));
	struct locked l = { .fd = -1 };
	struct mdecfg *c = NULL;
	char why[512];
	int add = strcmp(o->verb, "add") == 0, rc = 2;

	if (mdecfg_check(k, o->value, why, sizeof(why)) < 0)
		return tool_fail("invalid %s: %s", o->kind->noun, why);
	if (!(l.path = resolve(path)))
		return tool_fail("out of memory");
	if (lock_config(&l, add) < 0) {
		if (errno == ENOENT && !add)
			rc = tool_fail("'%s' is not %s (%s: no such "
				       "file)", o->value, o->kind->state, path);
		else
			rc = tool_fail("%s: %s", path, strerror(errno));
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
	const struct cfgedit_kind *kind;
	int json, n;
};

static int list_cb(void *ctx, const struct mdecfg_val *v)
{
	struct lister *ls = ctx;

	if (ls->json) {
		printf("%s{\"type\":\"%s\",\"key\":\"%s\",\"pattern\":",
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

int cfgedit_list(const struct cfgedit *o, const char *path,
		 const struct cfgedit_kind *ks, size_t nk)
{
	char err[1024];
	struct mdecfg *c = mdecfg_load(path, 1, err, sizeof(err));
	struct lister ls = { NULL, o->json, 0 };
	size_t i;

	if (!c)
		return tool_fail("%s", err);
	for (i = 0; i < nk; i++) {
		ls.kind = &ks[i];
		mdecfg_each(c, ks[i].key, list_cb, &ls);
	}
	if (o->json)
		fputs(ls.n ? "\n]\n" : "[]\n", stdout);
	mdecfg_free(c);
	if (fflush(stdout) != 0 || ferror(stdout))
		return tool_fail("standard output: write error");
	return 0;
}
