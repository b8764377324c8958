/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cage.c - the scanning thread's side of the parser cage (cage.h): the
 * worker process is started on the thread's first file and again after
 * each death; the file, already read by this thread into a memfd buffer
 * the worker maps read-only, is handed over with its stat and name; the
 * worker's events are relayed (counted here, so a death loses none of
 * those already sent) and its verdict becomes the file's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pipeline_int.h"
#include "cage.h"
#include "banned.h"

struct mde__cage {
	mde__worker *w;
	pid_t pid;             /* the worker, or -1 */
	int pidfd;             /* to kill it with, or -1 */
	int fd;                /* its socket, or -1 */
	mde__cage_page *page;  /* shared with every worker of this thread */
	int pagefd;
	int mfd, rofd;         /* the buffer: read-write here, read-only
				  there */
	uint8_t *map;
	size_t mcap;
	int sent_map;          /* the current worker has the buffer */
	mde__cbuf out, req;    /* a frame; the batch's requests */
	uint8_t *in;           /* what the worker sent for this file */
	size_t incap, ipos, iend;
	struct file *batch[MDE__CAGE_BATCH]; /* waiting for the worker */
	unsigned n;
	size_t boff, reqbytes; /* the buffer and requests they take */
	/* a round: the batch's files sent to one worker, by index */
	unsigned todo[MDE__CAGE_BATCH], ntodo, got;
	int started;           /* todo[got] has had events */
	uint64_t limit_ns, deadline; /* per file, 0: none */
	uint32_t seen_at;      /* the page's at when last looked */
	unsigned resets;       /* of the deadline, by at, this round */
};

mde__cage *mde__cage_new(mde__worker *w)
{
	mde__cage *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->pagefd = memfd_create("mdescan-cage", MFD_CLOEXEC);
	c->page = c->pagefd >= 0 && ftruncate(c->pagefd, sizeof(*c->page)) == 0
			  ? mmap(NULL, sizeof(*c->page), PROT_READ | PROT_WRITE,
				 MAP_SHARED, c->pagefd, 0)
			  : MAP_FAILED;
	if (c->page == MAP_FAILED) {
		if (c->pagefd >= 0)
			close(c->pagefd);
		free(c);
		return NULL;
	}
	c->w = w;
	c->pid = -1;
	c->pidfd = -1;
	c->fd = -1;
	c->mfd = c->rofd = -1;
	return c;
}

/* Ends the worker: killed, and its socket closed.  It is the zygote's
 * child, reaped there; how it died is on the page. */
static void reap(mde__cage *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
	else if (c->pid > 0)
		kill(c->pid, SIGKILL);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	c->pid = -1;
}

static void unmap(mde__cage *c)
{
	if (c->map)
		munmap(c->map, c->mcap);
	if (c->mfd >= 0)
		close(c->mfd);
	if (c->rofd >= 0 && c->rofd != c->mfd)
		close(c->rofd);
	c->map = NULL;
	c->mcap = 0;
	c->mfd = c->rofd = -1;
}

void mde__cage_free(mde__cage *c)
{
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) { /* never run: mde__cage_flush was not */
		free(c->batch[i]->layers);
		free(c->batch[i]);
	}
	reap(c);
	unmap(c);
	munmap(c->page, sizeof(*c->page));
	close(c->pagefd);
	free(c->out.p);
	free(c->req.p);
	free(c->in);
	free(c);
}

/* A shared buffer of at least need bytes (the batch is empty): the first,
 * or the one there is, larger. */
/* The buffer made n bytes long in place: the pages already touched stay,
 * here and in the worker, which extends its mapping of the same memfd
 * when a request says the buffer is larger. */
static int enlarge(mde__cage *c, size_t n)
{
	uint8_t *map;

	if (ftruncate(c->mfd, (off_t)n) != 0)
		return MDE_ERR_NOMEM;
	map = mremap(c->map, c->mcap, n, MREMAP_MAYMOVE);
	if (map == MAP_FAILED)
		return MDE_ERR_NOMEM; /* the old mapping stays, as it was */
	(void)madvise(map, n, MADV_DONTFORK);
	c->map = map;
	c->mcap = n;
	return MDE_OK;
}

static int remake(mde__cage *c, size_t need)
{
	size_t n = c->mcap ? c->mcap : MDE__CAGE_AREA;
	char proc[64];
	uint8_t *map;
	int mfd, rofd;

	while (n < need) {
		if (n > SIZE_MAX / 2)
			return MDE_ERR_NOMEM;
		n *= 2;
	}
	if (c->map)
		return enlarge(c, n);
	mfd = memfd_create("mdescan-file", MFD_CLOEXEC);
	if (mfd < 0)
		return MDE_ERR_NOMEM;
	map = ftruncate(mfd, (off_t)n) == 0
		      ? mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, mfd,
			     0)
		      : MAP_FAILED;
	if (map == MAP_FAILED) {
		close(mfd);
		return MDE_ERR_NOMEM;
	}
	/* not inherited writable by the next worker: it maps the read-only
	 * descriptor instead */
	(void)madvise(map, n, MADV_DONTFORK);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", mfd);
	rofd = open(proc, O_RDONLY | O_CLOEXEC);
	unmap(c);
	c->map = map;
	c->mcap = n;
	c->mfd = mfd;
	c->rofd = rofd >= 0 ? rofd : mfd;
	c->sent_map = 0;
	return MDE_OK;
}

/* What a file's request takes: see mde__cage_req. */
static size_t req_bytes(size_t pathlen)
{
	return 8 + sizeof(struct mde__cage_req) + pathlen + 1;
}

int mde__cage_grow(mde__cage *c, size_t need, size_t pathlen, uint8_t **buf,
		   size_t *cap)
{
	/* batches stay in the first MDE__CAGE_AREA bytes, the pages touched
	 * for every file; a larger file goes alone, from 0 */
	if (c->n && (c->n == MDE__CAGE_BATCH || c->boff + need > MDE__CAGE_AREA ||
		     need > c->mcap - c->boff ||
		     c->reqbytes + req_bytes(pathlen) > MDE__CAGE_REQBYTES))
		mde__cage_flush(c);
	if (need > c->mcap - c->boff && remake(c, need) != MDE_OK)
		return MDE_ERR_NOMEM;
	*buf = c->map + c->boff;
	*cap = c->mcap - c->boff;
	return MDE_OK;
}

void mde__cage_queue(mde__cage *c, struct file *f)
{
	size_t end = (size_t)(f->buf - c->map) + f->len + 1;

	c->batch[c->n++] = f;
	c->boff = (end + 63) & ~(size_t)63;
	if (c->boff > c->mcap)
		c->boff = c->mcap;
	c->reqbytes += req_bytes(f->it->len);
}

static int spawn(mde__cage *c)
{
	mde_engine *e = c->w->e;
	struct timeval tv = { 0, 100000 };
	int rc = -1;

	memset(c->page, 0, sizeof(*c->page));
	pthread_mutex_lock(&e->zlock);
	if (!e->zyg)
		e->zyg = mde__zygote_new(e);
	if (e->zyg)
		rc = mde__zygote_spawn(e->zyg, c->pagefd, &c->fd, &c->pidfd,
				       &c->pid);
	if (rc < 0 && e->zyg) {
		/* stuck or gone: killed (its workers live on, reaped by
		 * init), and the next spawn forks another */
		int err = errno;

		mde__zygote_kill(e->zyg);
		e->zyg = NULL;
		errno = err;
	}
	pthread_mutex_unlock(&e->zlock);
	if (rc < 0)
		return -1;
	/* reads wait in slices: see fill() */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->sent_map = 0;
	return 0;
}

/* ------------------------------------------------------------ requests */

/* Encodes the request for batch[i] into c->req. */
static void enc_req(mde__cage *c, unsigned i, int first, int last)
{
	const struct file *f = c->batch[i];
	struct mde__cage_req rq;
	int to = c->w->e->timeout_ms;
	size_t at = c->req.len;

	memset(&rq, 0, sizeof(rq));
	rq.len = f->len;
	rq.mapsize = c->mcap;
	rq.off = (uint64_t)(f->buf - c->map);
	rq.st = f->st;
	rq.fi = f->fi;
	rq.fi.md5 = rq.fi.sha1 = rq.fi.sha256 = NULL;
	/* the round's CPU time, set by its first request: each file's
	 * allowance, times the files (the thread's deadline is per file) */
	rq.cpu = to > 0 && first ? ((uint32_t)(to / 1000) * 2 + 5) * c->ntodo
				 : 0;
	rq.have = f->v.have;
	rq.pathlen = (uint32_t)f->it->len;
	rq.base = (uint32_t)f->it->base;
	rq.index = i;
	rq.last = (uint32_t)last;
	memcpy(rq.dig, f->v.dig, sizeof(rq.dig));
	memcpy(rq.sha256, f->sha256, sizeof(rq.sha256));
	snprintf(rq.owner, sizeof(rq.owner), "%s",
		 mde__worker_owner(c->w, f->st.st_uid, NULL));
	/* frames are appended: cbuf_begin starts at 0, so build in place */
	mde__cbuf_u32(&c->req, 0);
	mde__cbuf_u32(&c->req, MDE__CM_REQ);
	mde__cbuf_mem(&c->req, &rq, sizeof(rq));
	mde__cbuf_mem(&c->req, f->it->path, f->it->len);
	mde__cbuf_mem(&c->req, "", 1);
	if (!c->req.bad) {
		uint32_t n = (uint32_t)(c->req.len - at - 8);

		c->req.p[at] = (uint8_t)n;
		c->req.p[at + 1] = (uint8_t)(n >> 8);
		c->req.p[at + 2] = (uint8_t)(n >> 16);
		c->req.p[at + 3] = (uint8_t)(n >> 24);
	}
}

/* Sends the round's requests at once; the buffer's descriptor goes with
 * the first when this worker has not had it.  0, or -1. */
static int send_reqs(mde__cage *c)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned i;
	size_t off;
	ssize_t r;

	c->req.len = 0;
	c->req.bad = 0;
	for (i = 0; i < c->ntodo; i++)
		enc_req(c, c->todo[i], i == 0, i + 1 == c->ntodo);
	if (c->req.bad) {
		errno = ENOMEM;
		return -1;
	}
	if (!c->sent_map) {
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &c->rofd, sizeof(int));
	}
	for (off = 0; off < c->req.len; off += (size_t)r) {
		iov = (struct iovec){ c->req.p + off, c->req.len - off };
		r = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			return -1;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	c->sent_map = 1;
	return 0;
}

/* -------------------------------------------------------- reading back */

/* Whether the file the worker is on has had its time.  Each file has
 * limit_ns from when the worker says (on the page) it began it; a worker
 * may say so at most once per file of the round. */
static int late(mde__cage *c)
{
	uint64_t now = mde__now_ns();
	uint32_t at = c->page->at;

	if (at != c->seen_at && c->resets < c->ntodo) {
		c->seen_at = at;
		c->resets++;
		c->deadline = now + c->limit_ns;
		return 0;
	}
	return now >= c->deadline;
}

/* More bytes from the worker into c->in (at c->iend), waiting in slices
 * of SO_RCVTIMEO (see late()).  1, 0 at end of input or on error, -1 on
 * time out, -3 when the scan is cancelled. */
static int fill(mde__cage *c)
{
	ssize_t r;

	for (;;) {
		if (c->iend == c->incap && c->ipos) { /* relayed: dropped */
			memmove(c->in, c->in + c->ipos, c->iend - c->ipos);
			c->iend -= c->ipos;
			c->ipos = 0;
		}
		if (c->iend == c->incap) {
			size_t cap = c->incap ? c->incap * 2 : 65536;
			uint8_t *p = cap > MDE__CAGE_MAXMSG * 2 + 16
					     ? NULL : realloc(c->in, cap);

			if (!p)
				return 0;
			c->in = p;
			c->incap = cap;
		}
		r = recv(c->fd, c->in + c->iend, c->incap - c->iend, 0);
		if (r > 0) {
			c->iend += (size_t)r;
			return 1;
		}
		if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
			       errno != EINTR))
			return 0;
		/* the worker has a copy of the cancel flag that never
		 * changes: the thread watches the real one */
		if (atomic_load(&c->w->e->cancel))
			return -3;
		if (c->limit_ns && late(c))
			return -1;
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The next message: its type and payload (*msg, *len, in c->in, valid
 * until the next message is read).  1, 0 at end of input, -1 on time out, -2 when
 * malformed, -3 when cancelled. */
static int read_msg(mde__cage *c, uint32_t *type, const uint8_t **msg,
		    size_t *len)
{
	uint32_t n;
	int r;

	while (c->iend - c->ipos < 8)
		if ((r = fill(c)) != 1)
			return r;
	n = le32(c->in + c->ipos);
	*type = le32(c->in + c->ipos + 4);
	if (n > MDE__CAGE_MAXMSG)
		return -2;
	while (c->iend - c->ipos < 8 + (size_t)n)
		if ((r = fill(c)) != 1)
			return r;
	*msg = c->in + c->ipos + 8;
	*len = n;
	c->ipos += 8 + (size_t)n;
	return 1;
}

/* An event of the worker, delivered as this thread's own.  Findings and
 * errors are counted here, as they arrive. */
static void relay(mde__cage *c, struct file *f, const mde__cage_ev *x)
{
	mde_engine *e = c->w->e;
	mde_event ev = { 0 };

	ev.type = (mde_event_type)x->type;
	ev.path = f->it->path;
	ev.path_len = f->it->len;
	ev.size = x->size;
	ev.name = x->name;
	ev.stage = x->stage;
	ev.rule_ns = x->rule_ns;
	ev.description = x->description;
	ev.author = x->author;
	ev.score = (long)x->score;
	ev.sha256 = x->sha256;
	ev.reason = x->reason;
	ev.err = x->err;
	ev.layers = x->nlayers ? x->layers : NULL;
	ev.nlayers = x->nlayers;
	ev.packer = x->packer;
	ev.audit = x->audit;
	ev.allowed = x->allowed;
	ev.file = x->has_file ? &f->fi : NULL;
	if (ev.type == MDE_EV_ERROR || ev.type == MDE_EV_SKIPPED) {
		if (ev.type == MDE_EV_ERROR)
			f->uncacheable = 1;
		mde__report_ev(e, c->w->fn, c->w->ctx, &ev);
		return;
	}
	if (ev.type == MDE_EV_FINDING && !ev.audit) {
		f->score += ev.score;
		if (f->nfound++ == 0)
			atomic_fetch_add(&e->infected, 1);
		atomic_fetch_add(&e->findings, 1);
	}
	mde__wemit(c->w, &ev);
}

/* The worker's verdict becomes f's: the kept findings get member chains
 * of their own (freed with the verdict); their other strings stay in
 * c->in until the next message, so f is done with before that. */
static void apply(mde__cage *c, struct file *f, const mde__cage_done *d)
{
	mde_engine *e = c->w->e;
	unsigned i;

	f->allowed = d->allowed;
	f->uncacheable |= d->uncacheable;
	f->why = NULL;
	f->v.have = d->have & (((1u << MDE__NHASH) - 1) | MDE__CV_CONTAINER);
	memcpy(f->v.dig, d->dig, sizeof(f->v.dig));
	atomic_fetch_add(&e->members, d->members);
	atomic_fetch_add(&e->unpacked, d->unpacked);
	f->v.nfind = 0;
	for (i = 0; i < d->nfind; i++) {
		const mde__cfind *s = &d->find[i];
		size_t nl = strlen(s->name) + 1;
		char *chain = malloc(s->chainlen + nl);
		mde__cfind *k;

		if (!chain) {
			f->uncacheable = 1;
			return;
		}
		if (s->chainlen)
			memcpy(chain, s->chain, s->chainlen);
		memcpy(chain + s->chainlen, s->name, nl);
		k = &f->v.find[f->v.nfind++];
		*k = *s;
		k->name = chain + s->chainlen;
		k->chain = chain;
	}
}

/* Why the worker died, from what it wrote on the page before it did. */
static void cause(mde__cage *c, int timed_out, char *why, size_t len)
{
	mde_engine *e = c->w->e;
	const mde__cage_page *pg = c->page;
	const char *stage = mde__stage_name(pg->stage);
	const char *sys, *sig = pg->signo ? sigabbrev_np(pg->signo) : NULL;
	char what[160];

	if (timed_out || pg->signo == SIGXCPU)
		snprintf(what, sizeof(what),
			 "parser killed: time limit exceeded (%d s)",
			 (e->timeout_ms + 999) / 1000);
	else if (pg->signo && pg->nomem)
		snprintf(what, sizeof(what),
			 "parser ran out of memory (cage-memory %lld MiB): SIG%s",
			 (long long)(e->cage_mem >> 20), sig ? sig : "?");
	else if (pg->signo)
		snprintf(what, sizeof(what), "parser crashed: SIG%s",
			 sig ? sig : "?");
	else if (pg->sysno) {
		sys = mde__cage_sysname(pg->sysno);
		snprintf(what, sizeof(what),
			 "parser killed by the cage: forbidden system call %s",
			 sys ? sys : "(unknown)");
	} else if (pg->why[0])
		snprintf(what, sizeof(what), "parser cage failed: %.96s",
			 pg->why);
	else
		snprintf(what, sizeof(what),
			 "parser worker ended unexpectedly (killed?)");
	snprintf(why, len, "%s in %s stage", what, stage ? stage : "a");
}

/* Reports f as not judged (an error, or skipped when cancelled) and is
 * done with it. */
static void fail(mde__cage *c, struct file *f, mde_event_type type,
		 const char *why)
{
	mde_event ev = { 0 };

	ev.type = type;
	ev.path = f->it->path;
	ev.path_len = f->it->len;
	ev.reason = why;
	ev.score = -1;
	ev.file = &f->fi;
	f->uncacheable = 1;
	mde__report_ev(c->w->e, c->w->fn, c->w->ctx, &ev);
	mde__file_done(f, 0);
}

/* Which of the round's files the worker died on (its position in todo):
 * the one it sent events of, or the one it said it was on, or the next
 * to answer. */
static unsigned victim(mde__cage *c)
{
	uint32_t at = c->page->at;
	unsigned i;

	if (!c->started)
		for (i = c->got; i < c->ntodo; i++)
			if (c->todo[i] == at)
				return i;
	return c->got;
}

/* The worker ended or misbehaved (r from read_msg, 0 when a request
 * could not be sent): the file it died on is reported, the files it had
 * not answered make the next round, with a fresh worker.  On cancel
 * every file left is skipped. */
static void died(mde__cage *c, int r)
{
	char why[256];
	unsigned k = victim(c), i, n = 0;

	reap(c);
	if (r == -3) { /* as the archive stage reports it uncaged */
		for (i = c->got; i < c->ntodo; i++)
			fail(c, c->batch[c->todo[i]], MDE_EV_SKIPPED,
			     "cancelled");
		c->ntodo = 0;
		return;
	}
	if (r == -2)
		snprintf(why, sizeof(why),
			 "parser worker sent a malformed message in %s stage",
			 mde__stage_name(c->page->stage));
	else
		cause(c, r == -1, why, sizeof(why));
	fail(c, c->batch[c->todo[k]], MDE_EV_ERROR, why);
	for (i = c->got; i < c->ntodo; i++)
		if (i != k)
			c->todo[n++] = c->todo[i];
	c->ntodo = n;
}

/* Reads the worker's answers to the round until each file is done: 0,
 * or what read_msg ended with (the worker is then to be replaced). */
static int answers(mde__cage *c)
{
	mde__cage_ev ev;
	mde__cage_done d;
	const uint8_t *msg;
	uint32_t type;
	size_t len;
	struct file *f;
	int r;

	while (c->got < c->ntodo) {
		f = c->batch[c->todo[c->got]];
		r = read_msg(c, &type, &msg, &len);
		if (r != 1)
			return r;
		if (type == MDE__CM_EV && mde__cage_dec_ev(msg, len, &ev) == 0) {
			c->started = 1;
			relay(c, f, &ev);
			continue;
		}
		if (type != MDE__CM_DONE || mde__cage_dec_done(msg, len, &d) != 0)
			return -2;
		apply(c, f, &d);
		c->got++;
		c->started = 0;
		mde__file_done(f, d.status == MDE_OK);
	}
	c->ntodo = 0;
	return 0;
}

/* One round: the files of todo to one worker. */
static void round_trip(mde__cage *c)
{
	mde_engine *e = c->w->e;
	unsigned i;
	int r;
	char why[160];

	if (c->pid <= 0 && spawn(c) < 0) {
		snprintf(why, sizeof(why),
			 "parser cage: cannot start a worker: %s",
			 errno == ETIMEDOUT ? "its zygote did not answer"
			 : strerror(errno));
		for (i = 0; i < c->ntodo; i++)
			fail(c, c->batch[c->todo[i]], MDE_EV_ERROR, why);
		c->ntodo = 0;
		return;
	}
	c->page->stage = 0;
	c->page->at = UINT32_MAX;
	c->seen_at = UINT32_MAX;
	c->resets = 0;
	c->got = 0;
	c->started = 0;
	c->ipos = c->iend = 0; /* the last round's messages are done with */
	c->limit_ns = 0;
	if (e->timeout_ms > 0)
		c->limit_ns = ((uint64_t)e->timeout_ms +
			       (uint64_t)(e->timeout_ms / 4 > 2000
						  ? e->timeout_ms / 4
						  : 2000)) *
			      1000000u;
	c->deadline = mde__now_ns() + c->limit_ns;
	r = send_reqs(c) < 0 ? 0 : answers(c);
	if (r != 0 || c->ntodo)
		died(c, r);
}

void mde__cage_flush(mde__cage *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		c->todo[i] = i;
	c->ntodo = c->n;
	while (c->ntodo)
		round_trip(c);
	c->n = 0;
	c->boff = 0;
	c->reqbytes = 0;
}

int mde_cage_probe(char *info, size_t len)
{
	const char *ns;
	char why[160];
	uid_t uid;
	gid_t gid;

	if (mde__cage_try(why, sizeof(why)) < 0) {
		if (info && len)
			snprintf(info, len, "%s", why);
		return 0;
	}
	if (!info || !len)
		return 1;
	if (geteuid() != 0) {
		snprintf(info, len,
			 "seccomp filter, rlimits; as this user (not root: no "
			 "privileges to drop)");
		return 1;
	}
	mde__cage_user(&uid, &gid);
	ns = mde__cage_can_unshare() ? ", own network and mount namespaces"
				     : ", no namespaces of its own (not "
				       "permitted here)";
	if (mde__cage_can_setid())
		snprintf(info, len, "seccomp filter, rlimits%s, uid %u gid %u, "
			 "no capabilities", ns, (unsigned)uid, (unsigned)gid);
	else
		snprintf(info, len, "seccomp filter, rlimits%s, uid 0 without "
			 "capabilities (no CAP_SETUID/CAP_SETGID to change "
			 "user)", ns);
	return 1;
}
