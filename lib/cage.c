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
	mde__cbuf out;
	uint8_t *in;           /* what the worker sent for this file */
	size_t incap, ipos, iend;
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
	if (!c)
		return;
	reap(c);
	unmap(c);
	munmap(c->page, sizeof(*c->page));
	close(c->pagefd);
	free(c->out.p);
	free(c->in);
	free(c);
}

int mde__cage_grow(mde__cage *c, size_t need, uint8_t **buf, size_t *cap)
{
	size_t n = c->mcap ? c->mcap : (size_t)1 << 20;
	char proc[64];
	uint8_t *map;
	int mfd, rofd;

	if (need > c->mcap) {
		while (n < need) {
			if (n > SIZE_MAX / 2)
				return MDE_ERR_NOMEM;
			n *= 2;
		}
		mfd = memfd_create("mdescan-file", MFD_CLOEXEC);
		if (mfd < 0)
			return MDE_ERR_NOMEM;
		map = ftruncate(mfd, (off_t)n) == 0
			      ? mmap(NULL, n, PROT_READ | PROT_WRITE,
				     MAP_SHARED, mfd, 0)
			      : MAP_FAILED;
		if (map == MAP_FAILED) {
			close(mfd);
			return MDE_ERR_NOMEM;
		}
		/* not inherited writable by the next worker: it maps the
		 * read-only descriptor instead */
		(void)madvise(map, n, MADV_DONTFORK);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", mfd);
		rofd = open(proc, O_RDONLY | O_CLOEXEC);
		unmap(c);
		c->map = map;
		c->mcap = n;
		c->mfd = mfd;
		c->rofd = rofd >= 0 ? rofd : mfd;
		c->sent_map = 0;
	}
	*buf = c->map;
	*cap = c->mcap;
	return MDE_OK;
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
	pthread_mutex_unlock(&e->zlock);
	if (rc < 0)
		return -1;
	/* reads wait in slices: see fill() */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->sent_map = 0;
	return 0;
}

/* ------------------------------------------------------------ a request */

static int send_req(mde__cage *c, const struct file *f)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct mde__cage_req rq;
	struct iovec iov[3];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 3 };
	uint8_t hdr[8];
	uint32_t n = (uint32_t)(sizeof(rq) + f->it->len);
	int to = c->w->e->timeout_ms;
	ssize_t r;
	size_t want = sizeof(hdr) + n, off;

	memset(&rq, 0, sizeof(rq));
	rq.len = f->len;
	rq.mapsize = c->mcap;
	rq.st = f->st;
	rq.fi = f->fi;
	rq.fi.md5 = rq.fi.sha1 = rq.fi.sha256 = NULL;
	rq.cpu = to > 0 ? (uint32_t)(to / 1000) * 2 + 5 : 0;
	rq.have = f->v.have;
	rq.pathlen = (uint32_t)f->it->len;
	rq.base = (uint32_t)f->it->base;
	memcpy(rq.dig, f->v.dig, sizeof(rq.dig));
	memcpy(rq.sha256, f->sha256, sizeof(rq.sha256));
	snprintf(rq.owner, sizeof(rq.owner), "%s",
		 mde__worker_owner(c->w, f->st.st_uid, NULL));
	hdr[0] = (uint8_t)n;
	hdr[1] = (uint8_t)(n >> 8);
	hdr[2] = (uint8_t)(n >> 16);
	hdr[3] = (uint8_t)(n >> 24);
	memset(hdr + 4, 0, 4);
	hdr[4] = MDE__CM_REQ;
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	iov[1] = (struct iovec){ &rq, sizeof(rq) };
	iov[2] = (struct iovec){ f->it->path, f->it->len };
	if (!c->sent_map) {
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &c->rofd, sizeof(int));
	}
	for (off = 0; off < want;) {
		r = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += (size_t)r;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (mh.msg_iovlen && (size_t)r >= mh.msg_iov->iov_len) {
			r -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + r;
			mh.msg_iov->iov_len -= (size_t)r;
		}
	}
	c->sent_map = 1;
	return 0;
}

/* -------------------------------------------------------- reading back */

/* More bytes from the worker into c->in (at c->iend), waiting until
 * deadline (0: none) in slices of SO_RCVTIMEO.  1, 0 at end of input or
 * on error, -1 on time out, -3 when the scan is cancelled. */
static int fill(mde__cage *c, uint64_t deadline)
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
		if (deadline && mde__now_ns() >= deadline)
			return -1;
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The next message: its type and payload (*msg, *len, in c->in, valid
 * until the next file).  1, 0 at end of input, -1 on time out, -2 when
 * malformed, -3 when cancelled. */
static int read_msg(mde__cage *c, uint32_t *type, const uint8_t **msg,
		    size_t *len, uint64_t deadline)
{
	uint32_t n;
	int r;

	while (c->iend - c->ipos < 8)
		if ((r = fill(c, deadline)) != 1)
			return r;
	n = le32(c->in + c->ipos);
	*type = le32(c->in + c->ipos + 4);
	if (n > MDE__CAGE_MAXMSG)
		return -2;
	while (c->iend - c->ipos < 8 + (size_t)n)
		if ((r = fill(c, deadline)) != 1)
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
 * c->in until the next file. */
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

static int fail(mde__cage *c, struct file *f, const char *why)
{
	mde_event ev = { 0 };

	ev.type = MDE_EV_ERROR;
	ev.path = f->it->path;
	ev.path_len = f->it->len;
	ev.reason = why;
	ev.score = -1;
	ev.file = &f->fi;
	f->uncacheable = 1;
	mde__report_ev(c->w->e, c->w->fn, c->w->ctx, &ev);
	return MDE_ERR_STATE;
}

/* The worker ended or misbehaved: it is replaced on the next file. */
static int died(mde__cage *c, struct file *f, int r)
{
	char why[256];

	reap(c);

	if (r == -3) { /* as the archive stage reports it uncaged */
		mde_event ev = { 0 };

		ev.type = MDE_EV_SKIPPED;
		ev.path = f->it->path;
		ev.path_len = f->it->len;
		ev.reason = "cancelled";
		ev.score = -1;
		ev.file = &f->fi;
		f->uncacheable = 1;
		mde__report_ev(c->w->e, c->w->fn, c->w->ctx, &ev);
		return MDE_ERR_STATE;
	}
	if (r == -2)
		snprintf(why, sizeof(why),
			 "parser worker sent a malformed message in %s stage",
			 mde__stage_name(c->page->stage));
	else
		cause(c, r == -1, why, sizeof(why));
	return fail(c, f, why);
}

int mde__cage_run(mde__cage *c, struct file *f)
{
	mde_engine *e = c->w->e;
	uint64_t deadline = 0;
	mde__cage_ev ev;
	mde__cage_done d;
	const uint8_t *msg;
	uint32_t type;
	size_t len;
	int r;
	char why[160];

	if (c->pid <= 0 && spawn(c) < 0) {
		snprintf(why, sizeof(why), "parser cage: cannot start a worker: %s",
			 strerror(errno));
		return fail(c, f, why);
	}
	c->page->stage = 0;
	c->ipos = c->iend = 0; /* the last file's messages are done with */
	if (send_req(c, f) < 0)
		return died(c, f, 0);
	if (e->timeout_ms > 0)
		deadline = mde__now_ns() +
			   ((uint64_t)e->timeout_ms +
			    (uint64_t)(e->timeout_ms / 4 > 2000 ? e->timeout_ms / 4
								: 2000)) *
				   1000000u;
	for (;;) {
		r = read_msg(c, &type, &msg, &len, deadline);
		if (r != 1)
			return died(c, f, r);
		if (type == MDE__CM_EV && mde__cage_dec_ev(msg, len, &ev) == 0) {
			relay(c, f, &ev);
			continue;
		}
		if (type == MDE__CM_DONE &&
		    mde__cage_dec_done(msg, len, &d) == 0) {
			apply(c, f, &d);
			return d.status == MDE_OK ? MDE_OK : MDE_ERR_STATE;
		}
		return died(c, f, -2);
	}
}

int mde_cage_probe(char *info, size_t len)
{
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
	snprintf(info, len,
		 "seccomp filter, rlimits, own network and mount namespaces, "
		 "uid %u gid %u, no capabilities",
		 (unsigned)uid, (unsigned)gid);
	return 1;
}
