/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cage_zygote.c - the process every caged worker of an engine is forked
 * from.  A fork made by one thread of a threaded process copies the locks
 * other threads held at that moment (an allocator's, the dynamic
 * loader's, iconv's), and a child that then takes one waits forever.  So
 * workers are not forked by the scanning threads: the zygote is forked
 * once, when the engine starts a scan (mde_engine_begin(), before its
 * threads exist) or, for synchronous scanners, when the first scanner is
 * made (mde_scanner_new(): a program makes its scanners before the
 * threads that use them); it
 * runs a single thread, holds the compiled definitions and the options
 * as they were then, and forks a worker whenever a thread asks, handing
 * back the worker's socket and a pidfd to kill it with.
 *
 * The zygote parses nothing: it reads one byte and a page descriptor per
 * request from the engine and answers.  It ends when the engine closes
 * its socket, after its last worker.  It reaps its workers; a thread
 * learns how its worker died from the page they share.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline_int.h"
#include "cage.h"
#include "banned.h"

struct mde__zygote {
	int fd;     /* to the zygote */
	pid_t pid;
	atomic_int refs;      /* engines sharing it (mde__zygote_ref) */
	pthread_mutex_t lock; /* one request at a time on fd */
};

/* The workers' user when the scan runs as root: a dedicated one when
 * the package made it, else nobody. */
void mde__cage_user(uid_t *uid, gid_t *gid)
{
	static const char *const users[] = { "mdescan", "nobody" };
	struct passwd pw, *res;
	char tmp[1024];
	size_t i;

	*uid = 65534;
	*gid = 65534;
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		res = NULL;
		if (getpwnam_r(users[i], &pw, tmp, sizeof(tmp), &res) == 0 &&
		    res && res->pw_uid != 0) {
			*uid = res->pw_uid;
			*gid = res->pw_gid;
			return;
		}
	}
}

static int send_fds(int fd, const void *p, size_t n, const int *fds,
		    int nfds)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct iovec iov = { (void *)p, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *h;
	ssize_t r;

	if (nfds > 0) {
		mh.msg_control = cm.b;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(h), fds, (size_t)nfds * sizeof(int));
	}
	do
		r = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)n ? 0 : -1;
}

/* Receives n bytes and up to two descriptors (-1 where none came). */
static int recv_fds(int fd, void *p, size_t n, int fds[2])
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct iovec iov = { p, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.b,
			     .msg_controllen = sizeof(cm.b) };
	struct cmsghdr *h;
	ssize_t r;

	fds[0] = fds[1] = -1;
	do
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	for (h = CMSG_FIRSTHDR(&mh); r > 0 && h; h = CMSG_NXTHDR(&mh, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
			memcpy(fds, CMSG_DATA(h),
			       h->cmsg_len - CMSG_LEN(0) < 2 * sizeof(int)
				       ? h->cmsg_len - CMSG_LEN(0)
				       : 2 * sizeof(int));
	return r == (ssize_t)n ? 0 : -1;
}

/* A worker, in the zygote's child: its own scanner state, the page. */
static void worker(mde_engine *e, int sock, int pagefd, uid_t uid,
		   gid_t gid)
{
	mde__cage_page *page = mmap(NULL, sizeof(*page),
				    PROT_READ | PROT_WRITE, MAP_SHARED,
				    pagefd, 0);
	mde__worker *w;

	if (page == MAP_FAILED)
		_exit(MDE__CAGE_EXIT_SETUP);
	close(pagefd);
	w = mde__worker_new(e);
	if (!w) {
		snprintf(page->why, sizeof(page->why), "out of memory");
		_exit(MDE__CAGE_EXIT_SETUP);
	}
	mde__cage_child(w, sock, page, uid, gid, (uint64_t)e->cage_mem);
}

static void serve(mde_engine *e, int fd, uid_t uid, gid_t gid)
{
	int sv[2], in[2], out[2];
	struct pollfd pfd;
	int pr;
	char req;
	pid_t pid;

	for (;;) {
		/* workers are reaped here (not by the kernel), so that their
		 * CPU time and peak memory count in the scanner's, as
		 * time(1) and getrusage(2) report them */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		/* and within a second of their death, not at the next
		 * request only (a daemon's walk ends its workers, then may
		 * ask for none for hours) */
		pfd.fd = fd;
		pfd.events = POLLIN;
		pr = poll(&pfd, 1, 1000);
		if (pr == 0 || (pr < 0 && errno == EINTR))
			continue;
		if (recv_fds(fd, &req, 1, in) < 0) {
			/* the engine is gone: its workers end as their
			 * sockets close */
			while (wait(NULL) > 0 || errno == EINTR)
				;
			_exit(0);
		}
		if (mde__zygote_fault_hook)
			mde__zygote_fault_hook();
		pid = -1;
		out[0] = out[1] = -1;
		if (in[0] >= 0 &&
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
			pid = fork();
			if (pid == 0) {
				close(fd);
				close(sv[0]);
				worker(e, sv[1], in[0], uid, gid);
			}
			close(sv[1]);
			if (pid > 0)
				out[0] = sv[0];
			else
				close(sv[0]);
		}
		if (in[0] >= 0)
			close(in[0]);
		if (in[1] >= 0)
			close(in[1]);
		if (pid > 0)
			out[1] = (int)syscall(SYS_pidfd_open, pid, 0);
		(void)send_fds(fd, &pid, sizeof(pid), out,
			       pid <= 0 ? 0 : out[1] >= 0 ? 2 : 1);
		if (out[0] >= 0)
			close(out[0]);
		if (out[1] >= 0)
			close(out[1]);
	}
}

static void zygote_main(mde_engine *e, int fd, uid_t uid, gid_t gid)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), i;

	if (fd != 3 && dup2(fd, 3) < 0)
		_exit(1);
	fd = 3;
	for (i = 0; i < 3; i++)
		if (null >= 0 && null != i)
			(void)dup2(null, i);
	if (syscall(SYS_close_range, 4u, ~0u, 0u) < 0)
		for (i = 4; i < 1024; i++)
			close(i);
	signal(SIGPIPE, SIG_IGN);
	/* the workers neither cage again nor touch the scan cache (an LMDB
	 * environment is not to be used across a fork); e->has_cache still
	 * tells the stages that verdicts are kept */
	e->cage = 0;
	e->cache = NULL;
	serve(e, fd, uid, gid);
}

mde__zygote *mde__zygote_new(mde_engine *e)
{
	mde__zygote *z = calloc(1, sizeof(*z));
	uid_t uid;
	gid_t gid;
	int sv[2];

	if (!z)
		return NULL;
	mde__cage_user(&uid, &gid);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(z);
		return NULL;
	}
	z->pid = fork();
	if (z->pid == 0)
		zygote_main(e, sv[1], uid, gid);
	close(sv[1]);
	if (z->pid < 0) {
		close(sv[0]);
		free(z);
		return NULL;
	}
	z->fd = sv[0];
	atomic_init(&z->refs, 1);
	pthread_mutex_init(&z->lock, NULL);
	{
		struct timeval tv = { MDE__ZYGOTE_WAIT_MS / 1000,
				      (MDE__ZYGOTE_WAIT_MS % 1000) * 1000 };

		(void)setsockopt(z->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				 sizeof(tv));
		(void)setsockopt(z->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				 sizeof(tv));
	}
	return z;
}

void mde__zygote_kill(mde__zygote *z)
{
	if (z && z->pid > 0)
		(void)kill(z->pid, SIGKILL);
	mde__zygote_free(z);
}

mde__zygote *mde__zygote_ref(mde__zygote *z)
{
	if (z)
		atomic_fetch_add(&z->refs, 1);
	return z;
}

void mde__zygote_free(mde__zygote *z)
{
	if (!z || atomic_fetch_sub(&z->refs, 1) != 1)
		return;
	close(z->fd); /* the zygote ends at the end of its input */
	while (waitpid(z->pid, NULL, 0) < 0 && errno == EINTR)
		;
	pthread_mutex_destroy(&z->lock);
	free(z);
}

int mde__zygote_spawn(mde__zygote *z, int pagefd, int *sock, int *pidfd,
		      pid_t *pid)
{
	int fds[2] = { -1, -1 };
	char req = 'w';

	int bad;

	*sock = *pidfd = -1;
	*pid = -1;
	pthread_mutex_lock(&z->lock);
	bad = send_fds(z->fd, &req, 1, &pagefd, 1) < 0 ||
	      recv_fds(z->fd, pid, sizeof(*pid), fds) < 0 || *pid <= 0 ||
	      fds[0] < 0;
	pthread_mutex_unlock(&z->lock);
	if (bad) {
		int err = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT
								  : errno;

		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		errno = err;
		return -1;
	}
	*sock = fds[0];
	*pidfd = fds[1];
	return 0;
}
