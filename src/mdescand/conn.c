/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.c - the I/O thread: one epoll loop for the listening sockets, the
 * connections, the signals (signalfd) and the workers' wake-ups
 * (eventfd).  Input is read here and fed to the protocol (proto.c);
 * INSTREAM data goes straight into a memory file (memfd), so a stream
 * costs its own size and nothing is ever written to disk.
 *
 * Replies are written by whoever has them (this thread, or the worker
 * that scanned) under the connection's lock, at once when the socket
 * takes them; what it does not take waits in the connection's output
 * buffer for EPOLLOUT.  That buffer is bounded: a worker waits for room
 * (up to the idle timeout, then the client is dropped), this thread
 * never waits.  A connection is freed when its last reference goes: the
 * loop's, each request's, and the wake-up list's.
 *
 * Closing follows clamd: outside a session the connection closes once
 * its one request is answered; a session once END is read and every
 * request under way answered.  EOF alone is a half-close (clients send
 * their request and shut down writing): the replies still go out.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mdescand.h"
#include "util.h"
#include "banned.h"

#define IN_CAP (64u << 10)     /* input buffered per connection */
#define OUT_MAX (256u << 10)   /* unsent output per connection */
#define SWEEP_MS 250           /* timeouts are checked this often */
#define STORE_EVERY_NS 1000000000u
#define MAX_FDS 8              /* descriptors taken from one message */

struct conn {
	atomic_int ref;
	int fd;
	int unix_sock;
	atomic_int gone;          /* client gone or not reading: drop output */
	pthread_mutex_t lock;     /* out, out_off, outstanding, want_out */
	pthread_cond_t drained;
	struct tool_buf out;
	size_t out_off;
	unsigned outstanding;     /* requests queued or running */
	int want_out;             /* output waits: EPOLLOUT wanted */
	int kicked;               /* on the wake-up list (K.lock) */
	struct conn *knext;
	/* the I/O thread's alone */
	struct conn *prev, *next;
	struct proto_state ps;
	char *in;
	size_t inlen;
	int stream_fd, pending_fd;
	int eof, closed, paused;
	uint32_t events;          /* what epoll watches now */
	unsigned commands;        /* ps.commands when last looked at */
	uint64_t deadline;        /* read timeout, 0: none */
	uint64_t out_since;       /* output waiting since */
	char peer[64];
	char version[128];
};

/* The wake-up list: connections a worker finished with or that have
 * output waiting. */
static struct {
	pthread_mutex_t lock;
	struct conn *head;
	int efd;
	atomic_int stop;
} K = { .lock = PTHREAD_MUTEX_INITIALIZER, .efd = -1 };

static struct {
	int ep;
	struct conn *all;
	size_t nconns;
	/* closed in this round of events: the loop's references are
	 * dropped after it, as later events of the round may name them */
	struct conn *closed;
} L = { .ep = -1 };

static __thread int io_thread;

/* ---------------------------------------------------------- references */

void conn_ref(struct conn *c)
{
	atomic_fetch_add(&c->ref, 1);
}

void conn_unref(struct conn *c)
{
	if (!c || atomic_fetch_sub(&c->ref, 1) != 1)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->stream_fd >= 0)
		close(c->stream_fd);
	if (c->pending_fd >= 0)
		close(c->pending_fd);
	tool_buf_free(&c->out);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->drained);
	free(c->in);
	free(c);
}

static void wake(void)
{
	uint64_t one = 1;

	if (write(K.efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		dlog(0, "cannot wake the I/O thread: %s", strerror(errno));
}

/* Puts c on the wake-up list (once), for the I/O thread to look at. */
static void kick(struct conn *c)
{
	int was;

	pthread_mutex_lock(&K.lock);
	was = c->kicked;
	if (!was) {
		c->kicked = 1;
		conn_ref(c);
		c->knext = K.head;
		K.head = c;
	}
	pthread_mutex_unlock(&K.lock);
	if (!was)
		wake();
}

void daemon_stop(void)
{
	atomic_store(&K.stop, 1);
	if (K.efd >= 0)
		wake();
}

int conn_gone(const struct conn *c)
{
	return atomic_load(&c->gone);
}

const char *conn_peer(const struct conn *c)
{
	return c->peer;
}

/* ------------------------------------------------------------- output */

/* Sends what the socket takes now; the count, or -1 when the client is
 * gone. */
static ssize_t send_now(int fd, const char *p, size_t n)
{
	size_t done = 0;
	ssize_t k;

	while (done < n) {
		k = send(fd, p + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k > 0) {
			done += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return -1;
	}
	return (ssize_t)done;
}

static size_t unsent(const struct conn *c)
{
	return c->out.len - c->out_off;
}

/* c->lock held: waits for room in the output buffer (a worker only). */
static void wait_room(struct conn *c, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)opt.idle_timeout;
	while (unsent(c) + n > OUT_MAX && !atomic_load(&c->gone)) {
		if (pthread_cond_timedwait(&c->drained, &c->lock, &ts) ==
		    ETIMEDOUT) {
			dlog(1, "%s: reads no replies: dropped", c->peer);
			atomic_store(&c->gone, 1);
		}
	}
}

void conn_send(struct conn *c, const char *p, size_t n)
{
	ssize_t k;

	pthread_mutex_lock(&c->lock);
	if (atomic_load(&c->gone) || n == 0)
		goto out;
	if (unsent(c) == 0) {
		k = send_now(c->fd, p, n);
		if (k < 0) {
			atomic_store(&c->gone, 1);
			kick(c);
			goto out;
		}
		p += k;
		n -= (size_t)k;
	}
	if (n == 0)
		goto out;
	if (!io_thread)
		wait_room(c, n);
	if (atomic_load(&c->gone) || unsent(c) + n > OUT_MAX ||
	    tool_buf_put(&c->out, p, n) < 0) {
		atomic_store(&c->gone, 1);
		kick(c);
		goto out;
	}
	if (!c->want_out) {
		c->want_out = 1;
		kick(c);
	}
out:
	pthread_mutex_unlock(&c->lock);
}

void conn_reply(struct conn *c, unsigned id, const char *path,
		const char *msg, char term)
{
	char small[512], *buf = small;
	size_t n = proto_reply(small, sizeof(small), id, path, msg, term);

	if (n >= sizeof(small)) {
		buf = malloc(n + 1);
		if (!buf)
			return;
		proto_reply(buf, n + 1, id, path, msg, term);
	}
	conn_send(c, buf, n);
	if (buf != small)
		free(buf);
}

/* EPOLLOUT: sends what waits. */
static void flush_out(struct conn *c)
{
	ssize_t k;

	pthread_mutex_lock(&c->lock);
	if (!atomic_load(&c->gone) && unsent(c)) {
		k = send_now(c->fd, c->out.p + c->out_off, unsent(c));
		if (k < 0)
			atomic_store(&c->gone, 1);
		else
			c->out_off += (size_t)k;
	}
	if (atomic_load(&c->gone) || unsent(c) == 0) {
		c->out.len = c->out_off = 0;
		c->want_out = 0;
		c->out_since = 0;
		pthread_cond_broadcast(&c->drained);
	}
	pthread_mutex_unlock(&c->lock);
}

/* ----------------------------------------------------- the protocol */

static void op_send(void *ctx, const char *p, size_t n)
{
	conn_send(ctx, p, n);
}

static int op_submit(void *ctx, const struct proto_req *r)
{
	struct conn *c = ctx;
	struct job *j = calloc(1, sizeof(*j));

	if (!j || (r->arg && !(j->path = strndup(r->arg, r->arglen)))) {
		free(j);
		if (r->fd >= 0)
			close(r->fd);
		return -1;
	}
	j->cmd = r->cmd;
	j->id = r->id;
	j->term = r->term;
	j->fd = r->fd;
	if (r->cmd == PROTO_INSTREAM) {
		j->fd = c->stream_fd;
		c->stream_fd = -1;
	}
	j->queued_ns = now_ns();
	conn_ref(c);
	j->c = c;
	pthread_mutex_lock(&c->lock);
	c->outstanding++;
	pthread_mutex_unlock(&c->lock);
	if (work_submit(j) == 0)
		return 0;
	atomic_fetch_add(&dc.refused, 1);
	dlog(0, "%s: %s refused: %zu requests queued (daemon_queue)", c->peer,
	     proto_cmd_name(r->cmd), work_queued());
	pthread_mutex_lock(&c->lock);
	c->outstanding--;
	pthread_mutex_unlock(&c->lock);
	job_free(j);
	return -1;
}

static void op_control(void *ctx, enum proto_cmd cmd)
{
	struct conn *c = ctx;

	if (cmd == PROTO_RELOAD) {
		dlog(1, "%s: RELOAD", c->peer);
		gen_reload("RELOAD");
		return;
	}
	dlog(1, "%s: SHUTDOWN", c->peer);
	daemon_stop();
}

static char *op_stats(void *ctx)
{
	(void)ctx;
	return work_stats();
}

static int op_stream_open(void *ctx)
{
	struct conn *c = ctx;

	if (c->stream_fd >= 0)
		close(c->stream_fd);
	c->stream_fd = memfd_create("mdescand-stream", MFD_CLOEXEC);
	if (c->stream_fd < 0)
		dlog(0, "%s: no memory file for a stream: %s", c->peer,
		     strerror(errno));
	return c->stream_fd < 0 ? -1 : 0;
}

static int op_stream_write(void *ctx, const void *p, size_t n)
{
	struct conn *c = ctx;
	const char *s = p;
	ssize_t k;

	while (n > 0) {
		k = write(c->stream_fd, s, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			dlog(0, "%s: stream: %s", c->peer, strerror(errno));
			return -1;
		}
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

static void op_stream_abort(void *ctx)
{
	struct conn *c = ctx;

	if (c->stream_fd >= 0)
		close(c->stream_fd);
	c->stream_fd = -1;
}

static int op_take_fd(void *ctx)
{
	struct conn *c = ctx;
	int fd = c->pending_fd;

	c->pending_fd = -1;
	return fd;
}

static int op_fd_pending(void *ctx)
{
	return ((struct conn *)ctx)->pending_fd >= 0;
}

/* A session keeps at most this many requests under way: then its input
 * waits (clamd blocks its reader likewise). */
static unsigned session_max(void)
{
	return opt.threads < 2 ? 4 : (unsigned)opt.threads * 2;
}

static int op_busy(void *ctx)
{
	struct conn *c = ctx;
	unsigned n;

	if (!c->ps.session)
		return 0;
	pthread_mutex_lock(&c->lock);
	n = c->outstanding;
	pthread_mutex_unlock(&c->lock);
	c->paused = n >= session_max();
	return c->paused;
}

static const struct proto_ops ops = {
	.send = op_send, .submit = op_submit, .control = op_control,
	.stats = op_stats, .stream_open = op_stream_open,
	.stream_write = op_stream_write, .stream_abort = op_stream_abort,
	.take_fd = op_take_fd, .fd_pending = op_fd_pending, .busy = op_busy,
};

/* ---------------------------------------------------- the connections */

static void watch(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->closed || c->events == events)
		return;
	if (epoll_ctl(L.ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

static unsigned outstanding(struct conn *c)
{
	unsigned n;

	pthread_mutex_lock(&c->lock);
	n = c->outstanding;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* Reads away what the client sent and nobody will read: closing a TCP
 * socket with unread input resets it, and the client could lose the
 * replies it has not read yet. */
static void discard_input(int fd)
{
	char buf[4096];
	int i;

	for (i = 0; i < 16; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
}

/* Takes c out of the loop and drops the loop's reference. */
static void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	proto_hangup(&c->ps, &ops, c);
	epoll_ctl(L.ep, EPOLL_CTL_DEL, c->fd, NULL);
	discard_input(c->fd);
	shutdown(c->fd, SHUT_RDWR);
	if (c->prev)
		c->prev->next = c->next;
	else
		L.all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	L.nconns--;
	c->next = L.closed;
	L.closed = c;
}

/* Drops the loop's references to the connections closed this round. */
static void bury(void)
{
	struct conn *c;

	while ((c = L.closed)) {
		L.closed = c->next;
		conn_unref(c);
	}
}

/* What c waits for now: its read timeout, what epoll watches; closes it
 * when it is done with. */
static void settle(struct conn *c)
{
	enum proto_mode m = c->ps.mode;
	unsigned n = outstanding(c);
	int reading = !c->eof && !c->paused &&
		      (m == PROTO_M_COMMAND || m == PROTO_M_STREAM ||
		       m == PROTO_M_FILDES);
	int want_out;

	if (atomic_load(&c->gone)) {
		conn_close(c);
		return;
	}
	pthread_mutex_lock(&c->lock);
	want_out = c->want_out;
	pthread_mutex_unlock(&c->lock);
	if (!reading && n == 0 && !want_out &&
	    (m == PROTO_M_DONE || m == PROTO_M_WAITREPLY || c->eof)) {
		conn_close(c);
		return;
	}
	if (!reading || (m == PROTO_M_COMMAND && n > 0))
		c->deadline = 0; /* waiting for our replies, not the client */
	else if (c->ps.commands != c->commands || m == PROTO_M_STREAM ||
		 (m == PROTO_M_COMMAND && !c->deadline))
		c->deadline = now_ns() + (uint64_t)opt.idle_timeout *
						1000000000u;
	c->commands = c->ps.commands;
	if (want_out && !c->out_since)
		c->out_since = now_ns();
	watch(c, (reading ? EPOLLIN : 0) | (want_out ? EPOLLOUT : 0) |
		 (c->eof ? 0 : EPOLLRDHUP));
}

/* Feeds the buffered input to the protocol. */
static void feed(struct conn *c)
{
	size_t used;

	if (c->inlen == 0 || c->eof || c->ps.mode == PROTO_M_DONE)
		return;
	used = proto_feed(&c->ps, c->in, c->inlen, &ops, c);
	if (used > c->inlen)
		used = c->inlen;
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
	if (c->ps.mode == PROTO_M_DONE && c->inlen >= PROTO_MAX_LINE)
		dlog(1, "%s: a command longer than %u bytes: cut off",
		     c->peer, PROTO_MAX_LINE);
}

/* The descriptors of a message: the first one waits for FILDES, the
 * others are closed. */
static void take_fds(struct conn *c, struct msghdr *m)
{
	struct cmsghdr *cm;
	size_t i, n;
	int *fds;

	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)(void *)CMSG_DATA(cm);
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			if (c->pending_fd < 0)
				c->pending_fd = fds[i];
			else
				close(fds[i]);
		}
	}
}

/* Reads what the client sent; returns 0 to read on, -1 when done for
 * now (no more data, EOF, an error). */
static int read_some(struct conn *c)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	struct iovec iov = { c->in + c->inlen, IN_CAP - c->inlen };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (iov.iov_len == 0)
		return -1;
	if (c->unix_sock) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
	}
	n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	if (n < 0) {
		atomic_store(&c->gone, 1);
		return -1;
	}
	if (c->unix_sock)
		take_fds(c, &m);
	if (n == 0) {
		/* half-close: replies may still be wanted */
		c->eof = 1;
		proto_hangup(&c->ps, &ops, c);
		if (c->ps.session && c->ps.mode == PROTO_M_DONE)
			dlog(2, "%s: EOF in a session", c->peer);
		return -1;
	}
	c->inlen += (size_t)n;
	feed(c);
	return c->paused || c->ps.mode == PROTO_M_DONE ||
	       c->ps.mode == PROTO_M_WAITREPLY ? -1 : 0;
}

static void on_conn(struct conn *c, uint32_t ev)
{
	int i;

	if (c->closed)
		return;
	if (ev & EPOLLOUT)
		flush_out(c);
	if (ev & (EPOLLIN | EPOLLRDHUP)) {
		/* a few reads, then the others get their turn */
		for (i = 0; i < 4 && !c->eof && !atomic_load(&c->gone); i++)
			if (read_some(c) < 0)
				break;
	}
	if (ev & (EPOLLHUP | EPOLLERR))
		atomic_store(&c->gone, 1);
	settle(c);
}

/* "local" for a Unix socket's client (clamd's name), else
 * "ADDRESS@PORT". */
static void peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	snprintf(buf, len, "local");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		port = ntohs(in->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		port = ntohs(in6->sin6_port);
	} else {
		return;
	}
	snprintf(buf, len, "%s@%u", a, port);
}

/* A new client on listener l. */
static void accept_one(const struct listener *l)
{
	static const char busy[] = "Too many connections. ERROR\n";
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct conn *c;
	struct gen *g;
	int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			dlog(0, "accept on %s: %s", l->name, strerror(errno));
		return;
	}
	atomic_fetch_add(&dc.conns, 1);
	if (L.nconns >= (size_t)opt.max_conns) {
		atomic_fetch_add(&dc.refused, 1);
		dlog(0, "%s: %zu clients connected (daemon_max_connections): "
		     "refused", l->name, L.nconns);
		send_now(fd, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->in = malloc(IN_CAP + 1))) {
		free(c);
		close(fd);
		return;
	}
	atomic_init(&c->ref, 1);
	c->fd = fd;
	c->unix_sock = l->unix_sock;
	c->stream_fd = c->pending_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->drained, NULL);
	g = gen_get();
	snprintf(c->version, sizeof(c->version), "%s", g->version);
	gen_put(g);
	proto_init(&c->ps, (uint64_t)opt.max_stream, c->version);
	peer_name(fd, c->peer, sizeof(c->peer));
	c->deadline = now_ns() + (uint64_t)opt.cmd_timeout * 1000000000u;
	ev.data.ptr = c;
	if (epoll_ctl(L.ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		conn_unref(c);
		return;
	}
	c->events = ev.events;
	c->next = L.all;
	if (L.all)
		L.all->prev = c;
	L.all = c;
	L.nconns++;
}

void conn_request_done(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->outstanding--;
	pthread_mutex_unlock(&c->lock);
	kick(c);
}

/* Looks again at each connection a worker woke us for. */
static void drain_kicks(void)
{
	struct conn *c, *next;
	uint64_t v;

	if (read(K.efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		dlog(0, "wake-up: %s", strerror(errno));
	pthread_mutex_lock(&K.lock);
	c = K.head;
	K.head = NULL;
	pthread_mutex_unlock(&K.lock);
	for (; c; c = next) {
		/* read and cleared together: a kick from now on relinks */
		pthread_mutex_lock(&K.lock);
		next = c->knext;
		c->kicked = 0;
		pthread_mutex_unlock(&K.lock);
		if (!c->closed) {
			if (c->paused && !op_busy(c))
				feed(c); /* a session's input waited */
			settle(c);
		}
		conn_unref(c);
	}
}

static void timed_out(struct conn *c)
{
	static const char msg[] = "COMMAND READ TIMED OUT\n";

	atomic_fetch_add(&dc.timeouts, 1);
	dlog(1, "%s: read timeout (%s)", c->peer,
	     c->ps.mode == PROTO_M_STREAM ? "stream" : "command");
	conn_send(c, msg, sizeof(msg) - 1);
	proto_hangup(&c->ps, &ops, c);
	c->deadline = 0;
}

/* Read timeouts, and clients that leave their replies unread. */
static void sweep(uint64_t now)
{
	uint64_t idle = (uint64_t)opt.idle_timeout * 1000000000u;
	struct conn *c, *next;

	for (c = L.all; c; c = next) {
		next = c->next;
		if (c->deadline && now > c->deadline) {
			timed_out(c);
		} else if (c->out_since && now - c->out_since > idle) {
			dlog(1, "%s: reads no replies: dropped", c->peer);
			atomic_store(&c->gone, 1);
		} else {
			continue;
		}
		settle(c);
	}
}

/* A signal; returns it when it ends the daemon, else 0. */
static int on_signal(int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	switch (si.ssi_signo) {
	case SIGHUP:
		gen_reload("SIGHUP");
		return 0;
	case SIGUSR1:
		dlog(0, "%llu connections, %llu requests (%llu streams, %llu "
		     "descriptors, %llu paths), %llu found, %llu refused, "
		     "%llu timeouts", (unsigned long long)dc.conns,
		     (unsigned long long)dc.requests,
		     (unsigned long long)dc.streams,
		     (unsigned long long)dc.fds, (unsigned long long)dc.paths,
		     (unsigned long long)dc.found,
		     (unsigned long long)dc.refused,
		     (unsigned long long)dc.timeouts);
		return 0;
	default:
		return (int)si.ssi_signo;
	}
}

static int add_fd(int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(L.ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Sets up the loop: epoll, the wake-up eventfd, the signals. */
static int io_init(struct listener *ls, size_t n, int *sfd)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	*sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	L.ep = epoll_create1(EPOLL_CLOEXEC);
	K.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	/* the signalfd's tag is L: a static, never a connection */
	if (*sfd < 0 || L.ep < 0 || K.efd < 0 || add_fd(*sfd, &L) < 0 ||
	    add_fd(K.efd, &K) < 0) {
		dlog(0, "cannot set up the I/O loop: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (add_fd(ls[i].fd, &ls[i]) < 0)
			return -1;
	io_thread = 1;
	return 0;
}

/* Connections with requests under way, or replies not yet sent. */
static int busy_conns(void)
{
	struct conn *c;
	int want;

	for (c = L.all; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		want = c->outstanding || c->want_out;
		pthread_mutex_unlock(&c->lock);
		if (want && !atomic_load(&c->gone))
			return 1;
	}
	return 0;
}

/* One round of the loop; returns a signal that ends it, else 0. */
static int io_once(struct listener *ls, size_t n, int sfd)
{
	struct epoll_event evs[64];
	int nev, i, sig = 0;
	void *p;

	gate_leave(); /* waiting: a reload may fork now */
	nev = epoll_wait(L.ep, evs, 64, SWEEP_MS);
	gate_enter();
	for (i = 0; i < nev; i++) {
		p = evs[i].data.ptr;
		if (p == (void *)&K)
			drain_kicks();
		else if (p >= (void *)ls && p < (void *)(ls + n))
			accept_one(p);
		else if (p == (void *)&L)
			sig = on_signal(sfd);
		else
			on_conn(p, evs[i].events);
	}
	bury();
	return sig;
}

int io_run(struct listener *ls, size_t n)
{
	uint64_t now, sweep_at = 0, store_at = 0, until;
	int sfd = -1, sig = 0;
	struct conn *c;

	if (io_init(ls, n, &sfd) < 0)
		return SIGTERM;
	gate_enter();
	while (!sig && !atomic_load(&K.stop)) {
		sig = io_once(ls, n, sfd);
		now = now_ns();
		if (now >= sweep_at) {
			sweep(now);
			sweep_at = now + SWEEP_MS * 1000000u;
		}
		if (now >= store_at) {
			gen_check_store();
			store_at = now + STORE_EVERY_NS;
		}
	}
	/* no new clients; the requests under way are answered (10 s) */
	listen_close(ls, n);
	until = now_ns() + 10000000000u;
	while (busy_conns() && now_ns() < until)
		io_once(ls, 0, sfd);
	while ((c = L.all))
		conn_close(c);
	bury();
	close(sfd);
	gate_leave();
	return sig;
}

void io_free(void)
{
	struct conn *c, *next;

	pthread_mutex_lock(&K.lock);
	c = K.head;
	K.head = NULL;
	pthread_mutex_unlock(&K.lock);
	for (; c; c = next) {
		next = c->knext;
		conn_unref(c);
	}
	if (L.ep >= 0)
		close(L.ep);
	if (K.efd >= 0)
		close(K.efd);
	L.ep = K.efd = -1;
}
