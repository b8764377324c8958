/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline.c - what a worker does with one file: open it without
 * following links or blocking, read it once into the worker's buffer,
 * then run the stages of the table below over that buffer.
 *
 * Files are read, not mmap'd: a file truncated while it is scanned then
 * shows up as a short read (reported), never as SIGBUS.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "engine_int.h"
#include "upx.h"

#include "pipeline_int.h"
#include "clamav.h"
#include "ioc.h"
#include "cage.h"
#include "banned.h"

typedef int (*stage_fn)(struct file *f);

static int stage_hash(struct file *f);
static int stage_bytes(struct file *f);
static int stage_clamav(struct file *f);
static int stage_yara(struct file *f);
static int stage_archive(struct file *f);

/* The per-file pipeline, in order.  The archive stage unpacks a
 * container and runs the whole table again on each member. */
static const struct stage {
	const char *name;
	stage_fn scan;
} stages[] = {
	{ "hash", stage_hash },
	{ "bytes", stage_bytes },
	{ "clamav", stage_clamav },
	{ "yara", stage_yara },
	{ "archive", stage_archive },
};

#define NSTAGES (sizeof(stages) / sizeof(stages[0]))

const char *mde__stage_name(int i)
{
	if (i == 0)
		return "file-type";
	return i > 0 && (size_t)i <= NSTAGES ? stages[i - 1].name : "a";
}

mde__worker *mde__worker_new(mde_engine *e)
{
	static const char *const names[MDE__NHASH] = { "MD5", "SHA1",
						       "SHA256" };
	mde__worker *w = calloc(1, sizeof(*w));
	int i;

	if (!w)
		return NULL;
	w->e = e;
	w->bs = mde__bytescratch_new(e->defs->bytes);
	w->cs = mde__clamscratch_new(e->defs->clam);
	w->ys = mde__yscan_new(e->defs->yara);
	for (i = 0; i < MDE__NHASH; i++)
		w->md[i] = EVP_MD_fetch(NULL, names[i], NULL);
	if (e->cache)
		w->rd = mde__cache_rd_new(e->cache);
	{
		mde__ioc_counts ic;

		mde__iocs_counts(e->defs->iocs, &ic);
		if (ic.filename) /* else no scratch: nothing to match */
			w->ioc_sc = mde__iocscratch_new(e->defs->iocs);
	}
	if (e->cage)
		w->cage = mde__cage_new(w);
	if (!w->bs || !w->cs || !w->ys || !w->md[0] || !w->md[1] || !w->md[2] ||
	    (e->cache && !w->rd) || (e->cage && !w->cage)) {
		mde__worker_free(w);
		return NULL;
	}
	return w;
}

void mde__worker_free(mde__worker *w)
{
	int i;

	if (!w)
		return;
	mde__bytescratch_free(w->bs);
	mde__clamscratch_free(w->cs);
	mde__yscan_free(w->ys);
	mde__cache_rd_free(w->rd);
	mde__iocscratch_free(w->ioc_sc);
	for (i = 0; i < MDE__NHASH; i++)
		EVP_MD_free(w->md[i]);
	if (w->cage)
		mde__cage_free(w->cage); /* w->buf is its mapping */
	else
		free(w->buf);
	free(w);
}

/* A worker's events go to a synchronous scan's own callback
 * (mde_scanner_scan_fd) when it has one, else through the engine. */
void mde__wemit(mde__worker *w, const mde_event *ev)
{
	mde__deliver(w->e, w->fn, w->ctx, ev);
}

/* What events show of the file on disk f belongs to, once stat'ed. */
static const mde_fileinfo *fileinfo(const struct file *f)
{
	return f->top->have_fi ? &f->top->fi : NULL;
}

/* Reports an error or skip about the file on disk f, before its stages. */
static void freport(struct file *f, mde_event_type type, const char *reason,
		    int err)
{
	mde_event ev = { 0 };

	ev.type = type;
	ev.path = f->it->path;
	ev.path_len = f->it->len;
	ev.reason = reason;
	ev.err = err;
	ev.score = -1;
	ev.file = fileinfo(f);
	mde__report_ev(f->w->e, f->w->fn, f->w->ctx, &ev);
}

void mde__emit_file(mde__worker *w, const mde__item *it,
		    const mde_fileinfo *fi, uint64_t size, int nfound,
		    long score)
{
	mde_event ev = { 0 };

	if (!w->e->file_events)
		return;
	ev.type = MDE_EV_FILE;
	ev.path = it->path;
	ev.path_len = it->len;
	ev.size = size;
	ev.score = score;
	ev.nfound = nfound;
	ev.file = fi;
	ev.sha256 = fi ? fi->sha256 : NULL;
	mde__wemit(w, &ev);
}

/*
 * Keeps what is reported about f in the verdict of the file on disk, for
 * the scan cache: findings, and inside containers skips and audits too,
 * with a copy of the member chain (the names go away with the member).
 */
static void keep(struct file *f, const mde__cfind *c)
{
	struct file *t = f->top;
	size_t n = 0, i, nl = strlen(c->name) + 1;
	mde__cfind *k;
	char *chain;

	if (t->v.nfind >= MDE__CACHE_MAXFIND) {
		t->uncacheable = 1;
		return;
	}
	for (i = 0; i < (size_t)f->depth; i++)
		n += strlen(t->layers[i]) + 1;
	/* the chain, then a copy of the name: some names (the IOCs') are
	 * made on the stack of the stage that reports them */
	chain = malloc(n + nl);
	if (!chain) {
		t->uncacheable = 1;
		return;
	}
	for (n = 0, i = 0; i < (size_t)f->depth; i++) {
		size_t l = strlen(t->layers[i]) + 1;

		memcpy(chain + n, t->layers[i], l);
		n += l;
	}
	memcpy(chain + n, c->name, nl);
	k = &t->v.find[t->v.nfind++];
	*k = *c;
	k->name = chain + n;
	k->chain = chain; /* freed with the verdict, also when chainlen 0 */
	k->chainlen = n;
	k->nlayers = (unsigned)f->depth;
}

/*
 * Reports a finding about f.  With audit (the reason), a finding under an
 * audit policy: shown and kept, not counted as infected.
 */
/* ClamAV names potentially unwanted applications "PUA.<platform>...". */
static int is_pua(const char *name)
{
	return !strncmp(name, "PUA.", 4) || strstr(name, ".PUA.") != NULL;
}

static void finding(struct file *f, const char *stage, const char *name,
		    const mde__ymatch *ym, long score, const char *audit)
{
	mde_engine *e = f->w->e;
	mde_event ev = { 0 };
	mde__cfind c = { 0 };

	if (!audit && is_pua(name)) { /* mdatp's threat-type policy */
		if (e->pua_policy == MDE_POLICY_OFF)
			return;
		if (e->pua_policy == MDE_POLICY_AUDIT)
			audit = "policy: potentially unwanted application";
	}
	if (!audit && mde__engine_allowed(e, name, f->top->sha256[0]
						   ? f->top->sha256 : NULL))
		audit = "allowed";
	ev.type = MDE_EV_FINDING;
	ev.path = f->it->path;
	ev.path_len = f->it->len;
	ev.layers = f->top->layers;
	ev.nlayers = (size_t)f->depth;
	ev.packer = f->packer;
	ev.size = (uint64_t)f->len;
	ev.name = name;
	ev.stage = stage;
	ev.score = score;
	ev.file = fileinfo(f);
	/* the digest of the file on disk; a member's is not kept.  With a
	 * cache every file on disk shows it, also one too large to be
	 * hashed up front (see mde__keep_sha256) */
	if (!f->depth && !audit && !f->sha256[0] && e->has_cache)
		mde__digest(f, MDE__SHA256);
	ev.sha256 = !f->depth && !audit && f->sha256[0] ? f->sha256 : NULL;
	ev.audit = audit != NULL;
	ev.allowed = audit && !strcmp(audit, "allowed");
	ev.reason = audit;
	if (ym) {
		ev.rule_ns = ym->ns;
		ev.description = ym->description;
		ev.author = ym->author;
	}
	c.stage = stage;
	c.name = name;
	c.ns = ev.rule_ns;
	c.description = ev.description;
	c.author = ev.author;
	c.score = ev.score;
	c.packer = f->packer;
	c.msize = f->len;
	c.kind = audit ? MDE__CF_AUDIT : MDE__CF_FINDING;
	c.reason = audit;
	keep(f, &c);
	if (!audit) {
		f->top->score += score;
		if (f->top->nfound++ == 0)
			atomic_fetch_add(&e->infected, 1);
		atomic_fetch_add(&e->findings, 1);
	}
	mde__wemit(f->w, &ev);
}

static void emit_finding(struct file *f, const char *stage, const char *name,
			 const mde__ymatch *ym, long score)
{
	finding(f, stage, name, ym, score, NULL);
}

/* Reports an error or a skip about f (a member: with its chain). */
static void report(struct file *f, mde_event_type type, const char *reason,
		   int err)
{
	mde_engine *e = f->w->e;
	mde_event ev = { 0 };
	mde__cfind c = { 0 };

	if (type == MDE_EV_ERROR) {
		f->top->uncacheable = 1; /* judged again next time */
	} else {
		c.kind = MDE__CF_SKIP;
		c.stage = "";
		c.name = "";
		c.reason = reason;
		c.score = -1;
		keep(f, &c);
	}
	ev.type = type;
	ev.path = f->it->path;
	ev.path_len = f->it->len;
	ev.layers = f->top->layers;
	ev.nlayers = (size_t)f->depth;
	ev.reason = reason;
	ev.err = err;
	ev.score = -1;
	ev.file = fileinfo(f);
	mde__report_ev(e, f->w->fn, f->w->ctx, &ev);
}

/* Nonzero when the scan of this file can stop (first finding wins). */
static int done(const struct file *f)
{
	return f->top->nfound && !f->w->e->all_match;
}

static int ioc_name_hit(void *ctx, const mde__iocmatch *m)
{
	struct file *f = ctx;
	char name[320];

	snprintf(name, sizeof(name), "IOC.Filename:%.300s",
		 m->description && *m->description ? m->description
						   : m->pattern);
	emit_finding(f, "hash", name, NULL, m->score);
	return done(f);
}

/*
 * Loki IOCs: the file's digests against the hash IOCs (a false-positive
 * hash ends the file's scan: it is allowed), its path against the
 * file-name IOCs.
 */
static void stage_iocs(struct file *f)
{
	const mde__iocs *io = f->w->e->defs->iocs;
	const uint8_t *d[MDE__NHASH];
	mde__iochash hit;
	char name[320];
	int t;

	for (t = 0; t < MDE__NHASH; t++)
		d[t] = f->v.have & (1u << t) ? f->v.dig[t] : NULL;
	switch (mde__iocs_lookup_file(io, d, &hit)) {
	case MDE__IOC_FP:
		f->allowed = 1;
		return;
	case MDE__IOC_HIT:
		snprintf(name, sizeof(name), "IOC.Hash:%.300s",
			 hit.comment && *hit.comment ? hit.comment : "hash");
		emit_finding(f, "hash", name, NULL, hit.score);
		break;
	}
	if (f->depth == 0 && !done(f))
		mde__iocs_match_name(io, f->w->ioc_sc, f->it->path, f->it->len,
				     ioc_name_hit, f);
}

int mde__digest(struct file *f, int t)
{
	uint8_t dig[64];
	unsigned int dl;

	/* MDE_OPT_FILE_HASHES computed it already */
	if (f->v.have & (1u << t))
		return 0;
	if (!EVP_Digest(f->buf, f->len, dig, &dl, f->w->md[t], NULL)) {
		f->why = "hashing failed";
		return -1;
	}
	if (t == MDE__SHA256)
		mde__hex(dig, dl, f->sha256);
	memcpy(f->v.dig[t], dig, dl);
	f->v.have |= 1u << t;
	return 0;
}

/* On a ClamAV allow list (.fp .sfp): no stage judges f, nor, since the
 * archive stage does not run, anything inside it. */
static int clam_allowed(struct file *f, unsigned fpw)
{
	const uint8_t *d[MDE__NHASH];
	int t;

	if (!fpw)
		return 0;
	for (t = 0; t < MDE__NHASH; t++)
		d[t] = f->v.have & (1u << t) ? f->v.dig[t] : NULL;
	return mde__clam_allowed(f->w->e->defs->clam, d[0], d[1], d[2],
				 f->len);
}

/* Hashes only with the types whose signatures could match this size, and
 * SHA-256 when mde__keep_sha256() says so. */
static int stage_hash(struct file *f)
{
	const mde__hashsigs *h = f->w->e->defs->hash;
	const mde__iocs *io = f->w->e->defs->iocs;
	unsigned fpw = mde__clam_fp_want(f->w->e->defs->clam, f->len);
	const char *name;
	int t;

	for (t = 0; t < MDE__NHASH; t++) {
		if (!mde__hashsigs_want(h, t, f->len) &&
		    !mde__iocs_want_hash(io, t) && !(fpw & (1u << t)) &&
		    !(t == MDE__SHA256 && mde__keep_sha256(f)))
			continue;
		if (mde__digest(f, t))
			return MDE_ERR_STATE;
	}
	if (clam_allowed(f, fpw)) {
		f->allowed = 1;
		return MDE_OK;
	}
	for (t = 0; t < MDE__NHASH && !done(f); t++) {
		if (!mde__hashsigs_want(h, t, f->len))
			continue;
		name = mde__hashsigs_lookup(h, t, f->v.dig[t], f->len);
		if (name && !mde__clam_ignored(f->w->e->defs->clam, name))
			emit_finding(f, "hash", name, NULL,
				     MDE_SCORE_SIGNATURE);
	}
	if (!done(f))
		stage_iocs(f);
	return MDE_OK;
}

static int byte_hit(void *ctx, const char *signame)
{
	emit_finding(ctx, "bytes", signame, NULL, MDE_SCORE_SIGNATURE);
	return done(ctx);
}

static int stage_bytes(struct file *f)
{
	int rc = mde__bytesigs_scan(f->w->e->defs->bytes, f->w->bs, f->buf,
				    f->len, f->ft.target, byte_hit, f);

	if (rc != MDE_OK)
		f->why = "byte signature matcher failed";
	return rc;
}

/* A ClamAV detection; from a PUA file (.ndu .ldu .mdu .msu) under the
 * PUA policy whatever its name. */
static int clam_hit(void *ctx, const char *name, int pua)
{
	struct file *f = ctx;
	int policy = f->w->e->pua_policy;

	if (!pua || is_pua(name))
		emit_finding(f, "bytes", name, NULL, MDE_SCORE_SIGNATURE);
	else if (policy != MDE_POLICY_OFF)
		finding(f, "bytes", name, NULL, MDE_SCORE_SIGNATURE,
			policy == MDE_POLICY_AUDIT ?
			"policy: potentially unwanted application" : NULL);
	return done(f);
}

static int stage_clamav(struct file *f)
{
	const mde__clam *c = f->w->e->defs->clam;
	mde__clamfile cf = { f->buf, f->len, f->depth, NULL };
	int rc;

	if (mde__clam_empty(c))
		return MDE_OK;
	rc = mde__clam_scan(c, f->w->cs, &cf, clam_hit, f);
	if (rc != MDE_OK)
		f->why = "ClamAV signature matcher failed";
	return rc;
}

static int yara_hit(void *ctx, const mde__ymatch *m)
{
	emit_finding(ctx, "yara", m->rule, m,
		     m->score >= 0 ? m->score : MDE_SCORE_YARA);
	return done(ctx);
}

const char *mde__worker_owner(mde__worker *w, uid_t uid, const char *name)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (name)
		snprintf(w->owner, sizeof(w->owner), "%s", name);
	else if (w->have_owner && w->owner_uid == uid)
		return w->owner;
	else if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(w->owner, sizeof(w->owner), "%s", pw.pw_name);
	else
		snprintf(w->owner, sizeof(w->owner), "%u", (unsigned)uid);
	w->owner_uid = uid;
	w->have_owner = 1;
	return w->owner;
}

/* ".tar.GZ" -> ".gz"; names without a dot, or only a leading one, -> "". */
static void extension(const char *name, char *out, size_t outlen)
{
	const char *dot = strrchr(name, '.');
	size_t i, n;

	out[0] = '\0';
	if (!dot || dot == name || (n = strlen(dot)) >= outlen || n < 2)
		return;
	for (i = 0; i <= n; i++)
		out[i] = (char)(dot[i] >= 'A' && dot[i] <= 'Z' ? dot[i] + 32
							       : dot[i]);
}

/*
 * A member's directory, as YARA's filepath: the chain down to it,
 * "/srv/a.tar.gz//dir" for "dir/x.jsp" in a.tar.gz.  *base gets the
 * member's base name.  NULL when out of memory.
 */
static char *member_dir(const struct file *f, const char **base)
{
	const char *last = f->mname, *slash = strrchr(last, '/');
	mde__buf b = { 0 };
	int i, bad;

	*base = slash ? slash + 1 : last;
	bad = mde__buf_put(&b, f->it->path, f->it->len);
	for (i = 0; i < f->depth - 1 && !bad; i++)
		bad = mde__buf_put(&b, "//", 2) ||
		      mde__buf_put(&b, f->top->layers[i],
				   strlen(f->top->layers[i]));
	if (slash && !bad)
		bad = mde__buf_put(&b, "//", 2) ||
		      mde__buf_put(&b, last, (size_t)(slash - last));
	if (bad || !b.p) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static int stage_yara(struct file *f)
{
	const mde__item *it = f->it;
	mde__yext x;
	char ext[32];
	char *dir;
	const char *base = it->path + it->base;
	size_t dl = it->base > 1 ? it->base - 1 : it->base;
	int rc;

	if (mde__yara_empty(f->w->e->defs->yara))
		return MDE_OK;
	dir = f->depth ? member_dir(f, &base) : strndup(it->path, dl);
	if (!dir) {
		f->why = "out of memory";
		return MDE_ERR_NOMEM;
	}
	extension(base, ext, sizeof(ext));
	x.filename = base;
	x.filepath = dir;
	x.extension = ext;
	x.filetype = f->ft.name;
	x.owner = mde__worker_owner(f->w, f->top->st.st_uid, NULL);
	rc = mde__yscan_scan(f->w->ys, f->buf, f->len, &x,
			     (f->w->e->timeout_ms + 999) / 1000, yara_hit, f,
			     &f->why);
	free(dir);
	return rc;
}

/* ------------------------------------------------------ archive stage */

/* Makes room for the member name at depth d of f's chain. */
static int set_layer(struct file *top, int d, const char *name)
{
	if ((size_t)d >= top->nlayers_cap &&
	    mde__grow((void **)&top->layers, &top->nlayers_cap,
		      (size_t)d + 1, sizeof(*top->layers)) < 0)
		return -1;
	top->layers[d] = name;
	return 0;
}

static int arc_member(void *ctx, const mde__arc_member *m)
{
	struct file *p = ctx, c;
	mde_engine *e = p->w->e;
	const char *name = m->name;
	size_t len = m->len;

	memset(&c, 0, sizeof(c));
	c.w = p->w;
	c.it = p->it;
	c.top = p->top;
	c.depth = p->depth + 1;
	c.mname = name;
	c.mtype = m->type;
	c.buf = m->data;
	c.len = len;
	c.st = p->top->st;
	if (p->packer && strcmp(name, "[upx]") == 0)
		c.packer = p->packer;
	if (set_layer(p->top, p->depth, name) < 0) {
		report(p, MDE_EV_ERROR, "out of memory", ENOMEM);
		return 1;
	}
	atomic_fetch_add(&e->members, 1);
	atomic_fetch_add(&e->unpacked, (uint64_t)len);
	mde__run_stages(&c);
	return done(&c) || p->top->bud.stop;
}

static void arc_note(void *ctx, const char *name, int what,
		     const char *reason)
{
	struct file *p = ctx, c;
	mde_engine *e = p->w->e;

	c = *p;
	if (name) {
		if (set_layer(p->top, p->depth, name) < 0)
			return;
		c.depth = p->depth + 1;
		c.mname = name;
	}
	if (what != MDE__NOTE_BOMB || e->bomb_policy == MDE_POLICY_OFF) {
		report(&c, MDE_EV_SKIPPED, reason, 0);
		return;
	}
	finding(&c, "archive", "Heuristic.ArchiveBomb", NULL,
		MDE_SCORE_SIGNATURE, e->bomb_policy == MDE_POLICY_BLOCK ? NULL : reason);
}

static const mde__arc_ops arc_ops = { arc_member, arc_note };

static int stage_archive(struct file *f)
{
	mde_engine *e = f->w->e;
	struct file *top = f->top;
	uint64_t kind;

	if (!e->arc.types || top->bud.stop)
		return MDE_OK;
	if (mde__fault_hook)
		mde__fault_hook(f->buf, f->len);
	/* run_stages already asked upx.c about every ELF and PE; the
	 * program unpacked from one keeps its packer's name, not its kind */
	kind = f->upx ? e->arc.types & MDE_ARC_UPX
			 : mde__arc_kind(f->buf, f->len,
					 e->arc.types & ~MDE_ARC_UPX &
						 mde__arc_mask(f->mtype));
	if (!kind)
		return MDE_OK;
	if (f->depth >= e->arc.max_recursion) {
		report(f, MDE_EV_SKIPPED, "limit: max-recursion", 0);
		return MDE_OK;
	}
	if (f->depth == 0) {
		top->v.have |= MDE__CV_CONTAINER;
		top->bud.left = e->arc.max_scansize > 0 ? e->arc.max_scansize
							: INT64_MAX;
		top->bud.deadline_ns =
			e->timeout_ms > 0
				? mde__now_ns() +
					  (uint64_t)e->timeout_ms * 1000000u
				: 0;
		top->bud.cancel = &e->cancel;
	}
	mde__arc_unpack(kind, f->buf, f->len,
			f->depth ? f->mname : f->it->path + f->it->base,
			&e->arc, &top->bud, &arc_ops, f);
	return MDE_OK;
}

static int grow(mde__worker *w, size_t need, size_t pathlen)
{
	size_t cap = w->cap ? w->cap : 1 << 16;
	uint8_t *p;

	if (w->cage)
		return mde__cage_grow(w->cage, need, pathlen, &w->buf,
				      &w->cap);
	if (need <= w->cap)
		return MDE_OK;
	while (cap < need)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p)
		return MDE_ERR_NOMEM;
	w->buf = p;
	w->cap = cap;
	return MDE_OK;
}

/* Reads the whole file from offset 0 (whatever the descriptor's offset);
 * one byte more than its size to notice growth.  Returns the bytes read
 * or -1 (errno set). */
static ssize_t read_all(int fd, uint8_t *buf, size_t want)
{
	size_t got = 0;
	ssize_t n;

	while (got < want) {
		n = pread(fd, buf + got, want - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Opens the item (O_NOATIME when the kernel lets us: *noatime). */
static int open_item(mde_engine *e, const mde__item *it, int *noatime)
{
	int fl = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	int dfd = it->dir ? it->dir->fd : AT_FDCWD;
	const char *name = it->dir ? it->path + it->base : it->path;

	if (it->inroot)
		return mde__root_open(e, mde__root_inner(e, it->path), fl,
				      noatime);
	/* under a root, links are followed only by mde__root_open */
	if (it->dir && (!e->follow || e->rootfd >= 0))
		fl |= O_NOFOLLOW;
	return mde__openat(e, dfd, name, fl, noatime);
}

static void set_current(mde_engine *e, const mde__item *it)
{
	if (pthread_mutex_trylock(&e->curlock) == 0) {
		snprintf(e->cur, sizeof(e->cur), "%s", it->path);
		pthread_mutex_unlock(&e->curlock);
	}
}

int mde__run_stages(struct file *f)
{
	mde_engine *e = f->w->e;
	mde_event ev = { 0 };
	size_t i;

	mde__filetype(f->buf, f->len, &f->ft);
	if ((f->ft.target == MDE__T_ELF || f->ft.target == MDE__T_PE) &&
	    mde__upx_detect(f->buf, f->len, NULL)) {
		f->packer = "UPX";
		f->upx = 1;
		f->ft.name = f->ft.target == MDE__T_ELF ? "ELF-UPX" : "EXE-UPX";
	}
	for (i = 0; i < NSTAGES && !done(f) && !f->allowed; i++) {
		int rc, was = mde__cage_here ? mde__cage_here->stage : 0;

		if (mde__cage_here) /* a caged worker: where it died */
			mde__cage_here->stage = (int)i + 1;
		rc = stages[i].scan(f);
		if (mde__cage_here)
			mde__cage_here->stage = was;
		if (rc != MDE_OK) {
			report(f, MDE_EV_ERROR, f->why ? f->why : "scan failed",
			       0);
			return MDE_ERR_STATE;
		}
	}
	if (f->depth == 0 && f->nfound == 0 && e->report_clean) {
		ev.type = MDE_EV_CLEAN;
		ev.path = f->it->path;
		ev.path_len = f->it->len;
		ev.size = f->len;
		ev.score = -1;
		ev.file = fileinfo(f);
		mde__wemit(f->w, &ev);
	}
	return MDE_OK;
}

/* Stats the open file (what events show of it: noatime as it was
 * opened) and decides whether to read it.  Returns 0 to read it, 1 when
 * answered (from the cache by its stat, with by_stat) or left out, -1
 * after reporting why not. */
static int judge_stat(struct file *f, int fd, int noatime, int by_stat)
{
	mde_engine *e = f->w->e;

	if (mde__statx(fd, "", AT_EMPTY_PATH, &f->st, &f->fi) < 0) {
		freport(f, MDE_EV_ERROR, strerror(errno), errno);
		return -1;
	}
	f->have_fi = 1;
	f->fi.noatime = noatime;
	if (!S_ISREG(f->st.st_mode)) {
		freport(f, MDE_EV_SKIPPED, "not a regular file", 0);
		return -1;
	}
	if (mde__unchanged(e, &f->st))
		return 1;
	if (e->max_filesize && f->st.st_size > e->max_filesize) {
		freport(f, MDE_EV_SKIPPED, "limit: max-filesize", 0);
		return -1;
	}
	if (by_stat && e->cache && !e->file_hashes &&
	    mde__verdict_from_stat(f->w, f->it, &f->st, &f->fi)) {
		f->w->misses = 0; /* the cache answers: look up before opening */
		return 1;
	}
	return 0;
}

/* Reads the open file into w->buf; reports and returns -1 on failure. */
static int load(struct file *f, int fd)
{
	mde__worker *w = f->w;
	mde_engine *e = w->e;
	char why[96];
	ssize_t n;

	if (e->test_delay_ms) {
		struct timespec ts = { e->test_delay_ms / 1000,
				       (e->test_delay_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (grow(w, (size_t)f->st.st_size + 1, f->it->len) != MDE_OK) {
		freport(f, MDE_EV_ERROR, "out of memory", ENOMEM);
		return -1;
	}
	n = read_all(fd, w->buf, (size_t)f->st.st_size + 1);
	if (n < 0) {
		freport(f, MDE_EV_ERROR, strerror(errno), errno);
		return -1;
	}
	if ((size_t)n != (size_t)f->st.st_size) {
		snprintf(why, sizeof(why),
			 "file changed size during scan (%lld bytes, read %zd)",
			 (long long)f->st.st_size, n);
		freport(f, MDE_EV_ERROR, why, 0);
		return -1;
	}
	f->buf = w->buf;
	f->len = (size_t)n;
	return 0;
}

/* MDE_OPT_FILE_HASHES: the three digests of the file just read, kept
 * where the hash stage finds them (it does not compute them again). */
static int file_hashes(struct file *f)
{
	static const unsigned char dlen[MDE__NHASH] = { 16, 20, 32 };
	char *hex[MDE__NHASH] = { f->md5, f->sha1, f->sha256 };
	unsigned int dl;
	int t;

	for (t = 0; t < MDE__NHASH; t++) {
		if (!EVP_Digest(f->buf, f->len, f->v.dig[t], &dl, f->w->md[t],
				NULL) || dl != dlen[t]) {
			freport(f, MDE_EV_ERROR, "hashing failed", 0);
			return -1;
		}
		f->v.have |= 1u << t;
		mde__hex(f->v.dig[t], dl, hex[t]);
	}
	f->fi.md5 = f->md5;
	f->fi.sha1 = f->sha1;
	f->fi.sha256 = f->sha256;
	return 0;
}

void mde__file_done(struct file *f, int judged)
{
	unsigned i;

	if (judged && f->w->e->cache)
		mde__verdict_keep(f);
	mde__emit_file(f->w, f->it, &f->fi, f->len, f->nfound, f->score);
	for (i = 0; i < f->v.nfind; i++)
		free((char *)f->v.find[i].chain);
	free(f->layers);
	if (f->heap)
		free(f);
}

/* Runs the stages on the file just read (or answers it from the cache by
 * content), or hands it to the parser cage's batch; MDE_EV_FILE then
 * closes its events (mde__file_done). */
static void judge(struct file *f)
{
	mde_engine *e = f->w->e;
	int rc;

	atomic_fetch_add(&e->files, 1);
	atomic_fetch_add(&e->bytes, (uint64_t)f->len);
	if (e->cache) {
		rc = mde__verdict_from_content(f);
		if (rc < 0)
			report(f, MDE_EV_ERROR, f->why, 0);
		if (rc != 0) {
			mde__file_done(f, 0);
			return;
		}
	}
	if (f->w->cage)
		mde__cage_queue(f->w->cage, f);
	else
		mde__file_done(f, mde__run_stages(f) == MDE_OK);
}

/* Stats and reads the open file and judges it; with by_stat the cache may
 * answer it from its stat first.  noatime: opened with O_NOATIME.  A
 * caged file lives on the heap until its batch is run. */
void mde__scan_fd(mde__worker *w, const mde__item *it, int fd, int noatime,
		  int by_stat)
{
	struct file local = { 0 }, *f = &local;

	if (w->cage && !(f = calloc(1, sizeof(*f)))) {
		mde__report_to(w->e, w->fn, w->ctx, MDE_EV_ERROR, it->path,
			       it->len, "out of memory", ENOMEM);
		return;
	}
	f->heap = f != &local;
	f->w = w;
	f->it = it;
	f->top = f;
	if (judge_stat(f, fd, noatime, by_stat) != 0 || load(f, fd) != 0 ||
	    (w->e->file_hashes && file_hashes(f) != 0)) {
		free(f->layers);
		if (f->heap)
			free(f);
		return;
	}
	judge(f);
}

void mde__worker_flush(mde__worker *w)
{
	if (w->cage)
		mde__cage_flush(w->cage);
}

/* Misses in a row after which a worker opens files before asking the
 * cache (see mde__worker_scan). */
#define MISSES_OPEN_FIRST 64

void mde__worker_scan(mde__worker *w, const mde__item *it)
{
	mde_engine *e = w->e;
	int fd, noatime, by_stat = it->inroot;

	set_current(e, it);
	/*
	 * The cache is asked from a stat by path, so that a file it answers
	 * is never opened.  When it keeps missing (a first scan, a new
	 * subtree) that stat is a syscall more per file read: then the
	 * stat of the open file is looked up instead, and a hit there
	 * switches back.  An item resolved in the root is always answered
	 * after its open: a stat by path would not resolve its links there.
	 */
	if (e->cache && !e->file_hashes && !it->inroot) {
		if (w->misses >= MISSES_OPEN_FIRST)
			by_stat = 1;
		else if (mde__verdict_from_cache(w, it)) {
			w->misses = 0;
			return;
		} else
			w->misses++;
	}
	fd = open_item(e, it, &noatime);
	if (fd < 0) {
		mde__report_to(e, w->fn, w->ctx, MDE_EV_ERROR, it->path,
			       it->len, strerror(errno), errno);
		return;
	}
	mde__scan_fd(w, it, fd, noatime, by_stat);
	close(fd);
}
