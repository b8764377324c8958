/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scanrec.c - what a scan leaves besides its output: its record in the
 * history (history.c) and the action taken on each threat (report,
 * quarantine into the vault, remove).
 *
 * An action is only ever taken on a finding.  Errors, skips, limits,
 * timeouts and audit findings never reach it, and a file whose content
 * changed since it was scanned is left alone (the vault compares the
 * SHA-256 the scan saw; remove hashes the file again).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "mdelog.h"
#include "safepath.h"
#include "scanrec.h"
#include "util.h"
#include "vault.h"
#include "banned.h"

struct scanrec {
	const struct scanrec_opts *o; /* &opts */
	struct scanrec_opts opts;     /* the caller's, copied */
	hist *h;
	int64_t id;
	char scan_id[32];
	/* files on disk already acted on (-z: one action each) */
	struct tool_strv done;
};

/* The scan's record, with its paths absolute (tool_abspath()): -1 when
 * it could not be written (or no memory). */
static int64_t begin_abs(hist *h, const struct scanrec_opts *o)
{
	struct tool_strv abs = { 0 };
	int64_t id = -1;
	size_t i;
	char *a;

	for (i = 0; i < o->npaths; i++) {
		a = tool_abspath(o->paths[i]);
		if (!a || tool_strv_push(&abs, a) < 0) {
			free(a);
			goto out;
		}
		free(a);
	}
	id = hist_scan_begin(h, o->type, (const char *const *)abs.v,
			     abs.n, o->defs_version);
out:
	tool_strv_free(&abs);
	return id;
}

struct scanrec *scanrec_begin(const struct scanrec_opts *o)
{
	struct scanrec *r = calloc(1, sizeof(*r));
	char err[512], *path;

	if (!r)
		return NULL;
	r->opts = *o;
	r->o = &r->opts;
	r->id = -1;
	if (o->no_history)
		return r;
	path = o->db ? strdup(o->db) : hist_default_path();
	if (path)
		r->h = hist_open(path, 0, err, sizeof(err));
	if (path && !r->h) /* the scan still runs: history is a record */
		tool_warn("history not recorded: %s", err);
	free(path);
	if (r->h)
		r->id = begin_abs(r->h, o);
	if (r->h && r->id < 0)
		tool_warn("history not recorded: %s", hist_error(r->h));
	snprintf(r->scan_id, sizeof(r->scan_id), "%lld", (long long)r->id);
	return r;
}

long long scanrec_id(const struct scanrec *r)
{
	return r ? (long long)r->id : -1;
}

/* Has path been acted on already?  If not, it is now. */
static int acted_on(struct scanrec *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->done.n; i++)
		if (!strcmp(r->done.v[i], path))
			return 1;
	tool_strv_push(&r->done, path); /* no memory: acted on again */
	return 0;
}

/* SHA-256 of the open regular file fd, read from its start. */
static int sha256_fd(int fd, char hex[65])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], d[32];
	ssize_t n = -1;
	off_t off = 0;
	int ok;

	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1) {
		while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
			EVP_DigestUpdate(c, buf, (size_t)n);
			off += n;
		}
	}
	ok = n == 0 && EVP_DigestFinal_ex(c, d, NULL) == 1;
	EVP_MD_CTX_free(c);
	if (ok)
		tool_hex(d, 32, hex);
	return ok ? 0 : -1;
}

static struct timespec ns_timespec(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000;
	}
	return ts;
}

/* The file as the engine saw it, in id: NULL when the event has none. */
static const struct safepath_id *scanned_id(const mde_event *ev,
					    struct safepath_id *id)
{
	const mde_fileinfo *fi = ev->file;

	if (!fi)
		return NULL;
	id->dev = (dev_t)fi->dev;
	id->ino = (ino_t)fi->ino;
	id->size = (off_t)fi->size;
	id->mtime = ns_timespec(fi->mtime_ns);
	id->ctime = ns_timespec(fi->ctime_ns);
	return id;
}

/* Why the file fd (base in dfd) must not be removed, or NULL: it is not
 * what was scanned (id, sha: either may be NULL), or not at base now. */
static const char *remove_check(int dfd, const char *base, int fd,
				const char *sha, const struct safepath_id *id)
{
	struct stat st, at;
	char now[65];

	if (fstat(fd, &st) < 0)
		return strerror(errno);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (id && !safepath_same(&st, id, 1))
		return "it changed since it was scanned";
	if (sha && sha256_fd(fd, now) < 0)
		return strerror(errno);
	if (sha && strcmp(sha, now))
		return "it changed since it was scanned";
	if (fstatat(dfd, base, &at, AT_SYMLINK_NOFOLLOW) < 0)
		return strerror(errno);
	if (at.st_dev != st.st_dev || at.st_ino != st.st_ino)
		return "it changed since it was scanned";
	return NULL;
}

/*
 * Removes path if it still holds what was scanned.  Its directory is
 * opened following no link (safepath.h) and the name unlinked in that
 * directory, so a swap of any component cannot turn the unlink onto a
 * file elsewhere.
 */
static hist_state do_remove(const char *path, const char *sha,
			    const struct safepath_id *id)
{
	char why[PATH_MAX + 64];
	const char *base, *no = NULL;
	int dfd, fd = -1;

	dfd = safepath_openparent(path, &base, why, sizeof(why));
	if (dfd < 0)
		no = errno == ELOOP ? why : strerror(errno);
	else if ((fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			      O_NOCTTY | O_CLOEXEC)) < 0)
		no = strerror(errno);
	else if (!(no = remove_check(dfd, base, fd, sha, id)) &&
		 unlinkat(dfd, base, 0) < 0)
		no = strerror(errno);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (no) {
		tool_warn("%s: not removed: %s", path, no);
		return HIST_DETECTED;
	}
	tool_warn("%s: removed", path);
	return HIST_REMOVED;
}

static hist_state do_quarantine(struct scanrec *r, const mde_event *ev,
				const char *sha, char *qid, size_t qlen)
{
	struct safepath_id id;
	struct vault_meta m = { ev->name, r->scan_id, sha,
				scanned_id(ev, &id) };
	char err[512];
	int rc = vault_put(r->o->vault, ev->path, -1, &m, qid, qlen, err,
			   sizeof(err));

	if (rc == VAULT_OK || rc == VAULT_WARN) {
		if (rc == VAULT_WARN)
			tool_warn("%s: quarantined with warnings: %s", ev->path,
				  err);
		tool_warn("%s: quarantined as %s", ev->path, qid);
		return HIST_QUARANTINED;
	}
	qid[0] = '\0';
	tool_warn("%s: not quarantined: %s", ev->path, err);
	return HIST_DETECTED;
}

/* The display path: the file (absolute: tool_abspath()), then each
 * member, joined by "//". */
static char *chain(const mde_event *ev)
{
	char *s, *p, *file = strndup(ev->path, ev->path_len), *abs;
	size_t n, i, flen;

	abs = file ? tool_abspath(file) : NULL;
	free(file);
	if (!abs)
		return NULL;
	flen = strlen(abs);
	n = flen + 1;
	for (i = 0; i < ev->nlayers; i++)
		n += 2 + strlen(ev->layers[i]);
	if (!(s = malloc(n))) {
		free(abs);
		return NULL;
	}
	memcpy(s, abs, flen);
	free(abs);
	p = s + flen;
	for (i = 0; i < ev->nlayers; i++) {
		size_t l = strlen(ev->layers[i]);

		memcpy(p, "//", 2);
		memcpy(p + 2, ev->layers[i], l);
		p += 2 + l;
	}
	*p = '\0';
	return s;
}

void scanrec_event(struct scanrec *r, const mde_event *ev)
{
	hist_state state = HIST_DETECTED;
	hist_action act = HIST_ACT_NONE;
	char qid[VAULT_ID_LEN + 1] = "", *where;
	struct safepath_id id;
	/* the scanned SHA-256 names the file on disk only when the finding
	 * is about the file itself, not a member */
	const char *sha = ev->nlayers ? NULL : ev->sha256;

	if (!r || ev->type != MDE_EV_FINDING || (ev->audit && !ev->allowed))
		return;
	if (ev->allowed) {
		state = HIST_ALLOWED; /* recorded, never acted on */
	} else if (r->o->action != SCAN_ACT_REPORT &&
		   !acted_on(r, ev->path)) {
		if (r->o->action == SCAN_ACT_QUARANTINE) {
			act = HIST_ACT_QUARANTINE;
			state = do_quarantine(r, ev, sha, qid, sizeof(qid));
		} else {
			act = HIST_ACT_REMOVE;
			state = do_remove(ev->path, sha,
					  scanned_id(ev, &id));
		}
		if (state == HIST_QUARANTINED || state == HIST_REMOVED)
			mdelog_action(ev, state == HIST_REMOVED ? "removed"
				      : "quarantined", qid[0] ? qid : NULL);
	}
	if (!r->h || r->id < 0)
		return;
	where = chain(ev);
	if (hist_threat_add(r->h, r->id, where ? where : ev->path, ev->name,
			    ev->sha256, act, state, qid[0] ? qid : NULL) < 0)
		tool_warn("history: %s", hist_error(r->h));
	free(where);
}

void scanrec_end(struct scanrec *r, const mde_summary *s, int failed)
{
	hist_counts c;

	if (!r)
		return;
	if (r->h && r->id >= 0) {
		c.files = s->files;
		c.bytes = s->bytes;
		c.findings = s->findings;
		c.errors = s->errors;
		if (hist_scan_end(r->h, r->id, &c,
				  s->cancelled ? HIST_CANCELLED
				  : failed ? HIST_FAILED
					   : HIST_SUCCEEDED) < 0)
			tool_warn("history: %s", hist_error(r->h));
		hist_purge(r->h, r->o->retention_days);
	}
	/* the vault's retention, like the history's (mdatp's 90 days) */
	if (r->o->action == SCAN_ACT_QUARANTINE && r->o->retention_days > 0 &&
	    access(r->o->vault, F_OK) == 0) {
		char err[512];
		size_t n = 0;

		if (vault_purge(r->o->vault, time(NULL) -
				(time_t)r->o->retention_days * 86400, &n, err,
				sizeof(err)) < 0)
			tool_warn("quarantine retention: %s", err);
	}
	hist_close(r->h);
	tool_strv_free(&r->done);
	free(r);
}

struct qids {
	const char *qid;
	int64_t *ids;
	size_t n, cap;
};

static int find_qid(void *ctx, const hist_threat *t)
{
	struct qids *q = ctx;
	int64_t *v;

	if (!t->quarantine_id || strcmp(t->quarantine_id, q->qid))
		return 0;
	if (!(v = tool_grow(q->ids, &q->cap, q->n + 1, sizeof(*v))))
		return 1;
	q->ids = v;
	q->ids[q->n++] = t->id;
	return 0;
}

void scanrec_quarantine_state(const char *qid, int removed)
{
	scanrec_quarantine_state_in(NULL, qid, removed);
}

void scanrec_quarantine_state_in(const char *db, const char *qid,
				 int removed)
{
	struct qids q = { qid, NULL, 0, 0 };
	char err[512], *path = db ? strdup(db) : hist_default_path();
	hist *h = path ? hist_open(path, 0, err, sizeof(err)) : NULL;
	size_t i;

	free(path);
	if (!h)
		return; /* no history to follow: nothing recorded it */
	hist_threat_list(h, 0, find_qid, &q);
	for (i = 0; i < q.n; i++)
		hist_threat_set_state(h, q.ids[i], removed ? HIST_REMOVED
							   : HIST_RESTORED,
				      NULL);
	free(q.ids);
	hist_close(h);
}

/* ------------------------------------------- threat quarantine add */

/* The threat as hist_threat_get() gave it, its strings copied. */
struct found {
	int64_t scan_id;
	hist_state state;
	char *path, *name, *sha256, *qid;
	int oom;
};

static char *dup_or_null(const char *s, int *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = 1;
	return d;
}

static int copy_threat(void *ctx, const hist_threat *t)
{
	struct found *f = ctx;

	f->scan_id = t->scan_id;
	f->state = t->state;
	f->path = dup_or_null(t->path, &f->oom);
	f->name = dup_or_null(t->name, &f->oom);
	f->sha256 = dup_or_null(t->sha256, &f->oom);
	f->qid = dup_or_null(t->quarantine_id, &f->oom);
	return 1;
}

/*
 * The threat id of db, read into *f, when it can be quarantined: found,
 * still only detected.  Returns 0, or -1 with the reason in err.
 */
static int find_detected(hist *h, long long id, struct found *f, char *err,
			 size_t errlen)
{
	int rc = hist_threat_get(h, id, copy_threat, f);

	if (rc < 0 || f->oom)
		snprintf(err, errlen, "threat %lld: %s", id,
			 f->oom ? strerror(ENOMEM) : hist_error(h));
	else if (rc == 0)
		snprintf(err, errlen, "threat %lld: no such threat in %s", id,
			 hist_path(h));
	else if (f->state == HIST_QUARANTINED)
		snprintf(err, errlen, "threat %lld: already quarantined%s%s",
			 id, f->qid ? " as " : "", f->qid ? f->qid : "");
	else if (f->state != HIST_DETECTED)
		snprintf(err, errlen, "threat %lld: not quarantined: it is %s, "
			 "not detected", id, hist_state_name(f->state));
	else
		return 0;
	return -1;
}

/*
 * Puts the file of threat f (id) into vault as a scan's --action
 * quarantine does: for a member of a container ("a.tar//x.php") the
 * container, its SHA-256 then unknown; otherwise the file, refused when
 * its SHA-256 is no longer the one recorded.  Returns 0 (1: with the
 * warnings in err), or -1 with the reason in err.
 */
static int put_threat(const char *vault, long long id, const struct found *f,
		      char *qid, size_t qlen, char *err, size_t errlen)
{
	const char *sep = strstr(f->path, "//");
	char *file = strndup(f->path, sep ? (size_t)(sep - f->path)
					  : strlen(f->path));
	char sid[32], verr[512];
	/* vault_put() compares the SHA-256, as for a scan's finding; the
	 * history keeps no inode to compare */
	struct vault_meta m = { f->name, sid, sep ? NULL : f->sha256, NULL };
	struct stat st;
	int rc = VAULT_ERR;

	snprintf(sid, sizeof(sid), "%lld", (long long)f->scan_id);
	if (!file) {
		snprintf(err, errlen, "threat %lld: %s", id, strerror(ENOMEM));
		goto out;
	}
	if (lstat(file, &st) < 0) {
		snprintf(err, errlen, "threat %lld: %s: %s", id, file,
			 errno == ENOENT ? "the file is gone"
					 : strerror(errno));
		goto out;
	}
	rc = vault_put(vault, file, -1, &m, qid, qlen, verr, sizeof(verr));
	if (rc == VAULT_CHANGED)
		snprintf(err, errlen, "threat %lld: %s: changed since it was "
			 "detected", id, file);
	else if (rc != VAULT_OK)
		snprintf(err, errlen, "threat %lld: %s", id, verr);
out:
	free(file);
	return rc == VAULT_OK ? 0 : rc == VAULT_WARN ? 1 : -1;
}

int scanrec_quarantine_add(const char *db, const char *vault, long long id,
			   char *qid, size_t qlen, char *err, size_t errlen)
{
	struct found f = { 0 };
	char *path = db ? strdup(db) : hist_default_path();
	hist *h = NULL;
	int rc = -1;

	if (!path) {
		snprintf(err, errlen, "threat %lld: no history (set HOME or "
			 "use --history-db)", id);
		goto out;
	}
	/* no history: no threat, and none is made for nothing */
	if (access(path, F_OK) < 0) {
		snprintf(err, errlen, "threat %lld: no such threat (%s: %s)",
			 id, path, strerror(errno));
		goto out;
	}
	if (!(h = hist_open(path, 0, err, errlen)) ||
	    find_detected(h, id, &f, err, errlen) < 0)
		goto out;
	rc = put_threat(vault, id, &f, qid, qlen, err, errlen);
	if (rc >= 0 && hist_threat_set_state(h, id, HIST_QUARANTINED, qid)) {
		snprintf(err, errlen, "threat %lld: quarantined as %s, but "
			 "not recorded: %s", id, qid, hist_error(h));
		rc = -1;
	}
out:
	hist_close(h);
	free(path);
	free(f.path);
	free(f.name);
	free(f.sha256);
	free(f.qid);
	return rc;
}
