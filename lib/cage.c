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
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline_int.h"
#include "cage.h"
#include "banned.h"

struct mde__cage {
	mde__worker *w;
	pid_t pid;             /* the worker, or -1 */
	int fd;                /* its socket, or -1 */
	mde__cage_page *page;  /* shared with every worker of this thread */
	int mfd, rofd;         /* the buffer: read-write here, read-only
				  there */
	uint8_t *map;
	size_t mcap;
	int sent_map;          /* the current worker has the buffer */
	uid_t uid;
	gid_t gid;
	mde__cbuf out;
	uint8_t *in;           /* the last message read */
	size_t incap;
};

/* The workers' user when the scan runs as root: a dedicated one when
 * the package made it, else nobody. */
static void cage_user(mde__cage *c)
{
	static const char *const users[] = { "mdescan", "nobody" };
	struct passwd pw, *res;
	char tmp[1024];
	size_t i;

	c->uid = 65534;
	c->gid = 65534;
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		res = NULL;
		if (getpwnam_r(users[i], &pw, tmp, sizeof(tmp), &res) == 0 &&
		    res && res->pw_uid != 0) {
			c->uid = res->pw_uid;
			c->gid = res->pw_gid;
			return;
		}
	}
}

mde__cage *mde__cage_new(mde__worker *w)
{
	mde__cage *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->page = mmap(NULL, sizeof(*c->page), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->page == MAP_FAILED) {
		free(c);
		return NULL;
	}
	c->w = w;
	c->pid = -1;
	c->fd = -1;
	c->mfd = c->rofd = -1;
	cage_user(c);
	return c;
}

/* Ends the worker (killed when alive) and returns its wait status, or -1
 * when it cannot be known. */
static int reap(mde__cage *c, int kill_it)
{
	int st = -1;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->pid <= 0)
		return -1;
	if (kill_it)
		kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = -1;
			break;
		}
	}
	c->pid = -1;
	return st;
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
	reap(c, 1);
	unmap(c);
	munmap(c->page, sizeof(*c->page));
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
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	memset(c->page, 0, sizeof(*c->page));
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0)
		mde__cage_child(c->w, sv[1], c->page, c->uid, c->gid,
				(uint64_t)e->cage_mem);
	close(sv[1]);
	c->fd = sv[0];
	c->pid = pid;
	c->sent_map = 0;
	return 0;
}

/* ------------------------------------------------------------ a request */

/* The request; cage_child.c reads it the same way (struct req). */
struct req {
	uint64_t len, mapsize;
	struct stat st;
	mde_fileinfo fi;
	uint32_t cpu, have, pathlen, base;
	uint8_t dig[3][32];
	char sha256[65], owner[64];
};

static int send_req(mde__cage *c, const struct file *f)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct req rq;
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

/* Reads n bytes before deadline_ns (0: none).  1, 0 at end of input or
 * on error, -1 on time out. */
static int read_full(mde__cage *c, uint8_t *p, size_t n, uint64_t deadline)
{
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	size_t off = 0;
	ssize_t r;
	int ms, pr;

	while (off < n) {
		ms = -1;
		if (deadline) {
			uint64_t now = mde__now_ns();

			if (now >= deadline)
				return -1;
			ms = (int)((deadline - now) / 1000000u) + 1;
		}
		pr = poll(&pfd, 1, ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return 0;
		if (pr == 0)
			continue; /* the deadline check above ends it */
		r = read(c->fd, p + off, n - off);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return 0;
		off += (size_t)r;
	}
	return 1;
}

/* The next message: its type, payload in c->in[0..*len).  1, 0 at end of
 * input, -1 on time out, -2 when malformed. */
static int read_msg(mde__cage *c, uint32_t *type, size_t *len,
		    uint64_t deadline)
{
	uint8_t hdr[8];
	uint32_t n;
	int r = read_full(c, hdr, sizeof(hdr), deadline);

	if (r != 1)
		return r;
	n = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
	    (uint32_t)hdr[3] << 24;
	*type = (uint32_t)hdr[4] | (uint32_t)hdr[5] << 8 |
		(uint32_t)hdr[6] << 16 | (uint32_t)hdr[7] << 24;
	if (n > MDE__CAGE_MAXMSG)
		return -2;
	if (n > c->incap) {
		uint8_t *p = realloc(c->in, n ? n : 1);

		if (!p)
			return -2;
		c->in = p;
		c->incap = n;
	}
	*len = n;
	return read_full(c, c->in, n, deadline);
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

/* Why the worker died, from its wait status and the shared page. */
static void cause(mde__cage *c, int st, int timed_out, char *why, size_t len)
{
	mde_engine *e = c->w->e;
	const mde__cage_page *pg = c->page;
	const char *stage = mde__stage_name(pg->stage);
	const char *sys;
	char what[160];
	int sig = st >= 0 && WIFSIGNALED(st) ? WTERMSIG(st) : 0;

	if (timed_out || sig == SIGXCPU)
		snprintf(what, sizeof(what),
			 "parser killed: time limit exceeded (%d s)",
			 (e->timeout_ms + 999) / 1000);
	else if (sig && pg->nomem)
		snprintf(what, sizeof(what),
			 "parser ran out of memory (cage-memory %lld MiB): SIG%s",
			 (long long)(e->cage_mem >> 20),
			 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	else if (sig)
		snprintf(what, sizeof(what), "parser crashed: SIG%s",
			 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	else if (st >= 0 && WIFEXITED(st) &&
		 WEXITSTATUS(st) == MDE__CAGE_EXIT_SYSCALL) {
		sys = mde__cage_sysname(pg->sysno);
		snprintf(what, sizeof(what),
			 "parser killed by the cage: forbidden system call %s",
			 sys ? sys : "(unknown)");
	} else if (st >= 0 && WIFEXITED(st) &&
		   WEXITSTATUS(st) == MDE__CAGE_EXIT_SETUP)
		snprintf(what, sizeof(what), "parser cage failed: %.96s",
			 pg->why[0] ? pg->why : "bad message");
	else
		snprintf(what, sizeof(what), "parser worker ended (status %d)",
			 st);
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
	int st = reap(c, 1);

	if (r == -2)
		snprintf(why, sizeof(why),
			 "parser worker sent a malformed message in %s stage",
			 mde__stage_name(c->page->stage));
	else
		cause(c, st, r == -1, why, sizeof(why));
	return fail(c, f, why);
}

int mde__cage_run(mde__cage *c, struct file *f)
{
	mde_engine *e = c->w->e;
	uint64_t deadline = 0;
	mde__cage_ev ev;
	mde__cage_done d;
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
	if (send_req(c, f) < 0)
		return died(c, f, 0);
	if (e->timeout_ms > 0)
		deadline = mde__now_ns() +
			   ((uint64_t)e->timeout_ms +
			    (uint64_t)(e->timeout_ms / 4 > 2000 ? e->timeout_ms / 4
								: 2000)) *
				   1000000u;
	for (;;) {
		r = read_msg(c, &type, &len, deadline);
		if (r != 1)
			return died(c, f, r);
		if (type == MDE__CM_EV && mde__cage_dec_ev(c->in, len, &ev) == 0) {
			relay(c, f, &ev);
			continue;
		}
		if (type == MDE__CM_DONE &&
		    mde__cage_dec_done(c->in, len, &d) == 0) {
			apply(c, f, &d);
			return d.status == MDE_OK ? MDE_OK : MDE_ERR_STATE;
		}
		return died(c, f, -2);
	}
}

int mde_cage_probe(char *info, size_t len)
{
	mde__cage c = { 0 };
	char why[160];

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
	cage_user(&c);
	snprintf(info, len,
		 "seccomp filter, rlimits, own network and mount namespaces, "
		 "uid %u gid %u, no capabilities",
		 (unsigned)c.uid, (unsigned)c.gid);
	return 1;
}
