/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listen.c - the listening sockets.
 *
 * Under systemd's socket activation (mdescand.socket) the sockets come
 * ready-made: LISTEN_PID names this process and LISTEN_FDS counts them,
 * from descriptor 3 (sd_listen_fds(3), read here without libsystemd).
 * They outlive the daemon, so a restart, even after kill -9, loses no
 * client.
 *
 * Otherwise the daemon makes its Unix socket: bound under a temporary
 * name, given its owner, group and mode, then renamed over the
 * configured path, so that no client ever connects to a socket with the
 * wrong permissions and a stale socket left by a killed daemon is
 * simply replaced.  A lock file beside it (PATH.lock, flock) tells a
 * stale socket from a live daemon's.  TCP listens only when a port is
 * configured, on the configured addresses (loopback by default).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mdescand.h"
#include "banned.h"

#define LISTEN_FDS_START 3
#define BACKLOG 128

static int lock_fd = -1;       /* PATH.lock, held while we run */
static char made_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

void listen_notify(const char *msg)
{
	const char *p = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	size_t n;
	int fd;

	if (!p || (*p != '/' && *p != '@') ||
	    (n = strlen(p)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, p, n);
	if (*p == '@')
		sa.sun_path[0] = '\0'; /* abstract */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			    (*p == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   salen) < 0)
		dlog(2, "sd_notify: %s", strerror(errno));
	close(fd);
}

/* A descriptor's socket family, or -1 when it is no listening stream
 * socket. */
static int stream_family(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int type = 0, acc = 0;
	socklen_t tl = sizeof(type), al = sizeof(acc);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
	    type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) < 0 || !acc ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	return ss.ss_family;
}

/* sd_listen_fds(): systemd's sockets, when they are meant for us. */
static size_t activated(struct listener *ls, size_t max)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long p, n, i;
	size_t k = 0;
	int fam;

	if (!pid || !fds)
		return 0;
	p = strtol(pid, &end, 10);
	if (*end || p != (long)getpid())
		return 0;
	n = strtol(fds, &end, 10);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	for (i = 0; !*end && i < n && k < max; i++) {
		int fd = LISTEN_FDS_START + (int)i;

		fam = stream_family(fd);
		if (fam < 0) {
			dlog(0, "socket activation: descriptor %d is not a "
			     "listening stream socket: ignored", fd);
			continue;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		ls[k].fd = fd;
		ls[k].unix_sock = fam == AF_UNIX;
		ls[k].activated = 1;
		snprintf(ls[k].name, sizeof(ls[k].name), "systemd socket %d",
			 fd);
		k++;
	}
	return k;
}

/* uid and gid of the configured owner and group; the group may be
 * missing (a warning: the socket keeps our own). */
static void owner_ids(uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(opt.sock_owner);
	struct group *gr = getgrnam(opt.sock_group);
	char *end;

	*uid = pw ? pw->pw_uid : (uid_t)strtoul(opt.sock_owner, &end, 10);
	if (!pw && *end)
		*uid = geteuid();
	*gid = gr ? gr->gr_gid : (gid_t)strtoul(opt.sock_group, &end, 10);
	if (!gr && *end) {
		dlog(0, "no group '%s': the socket's group is %u",
		     opt.sock_group, (unsigned)getegid());
		*gid = getegid();
	}
}

/* Takes PATH.lock: -1 when another daemon holds it. */
static int take_lock(const char *path)
{
	char lp[sizeof(made_path) + 8];

	snprintf(lp, sizeof(lp), "%s.lock", path);
	lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0) {
		dlog(0, "cannot open %s: %s", lp, strerror(errno));
		return -1;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		dlog(0, "another mdescand serves %s (%s is locked)", path, lp);
		close(lock_fd);
		lock_fd = -1;
		return -1;
	}
	return 0;
}

/* What is at path may be replaced: nothing, or a socket (stale: the
 * lock says no daemon serves it). */
static int replaceable(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT;
	if (S_ISSOCK(st.st_mode)) {
		dlog(1, "removing the stale socket %s", path);
		return 1;
	}
	dlog(0, "%s exists and is not a socket: not replaced", path);
	return 0;
}

/* Binds the Unix socket at opt.socket; -1 (logged) on failure. */
static int unix_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(opt.socket);
	uid_t uid;
	gid_t gid;
	int fd = -1;

	if (n + 8 >= sizeof(sa.sun_path)) {
		dlog(0, "socket path too long: %s", opt.socket);
		return -1;
	}
	if (take_lock(opt.socket) < 0 || !replaceable(opt.socket))
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.new", opt.socket);
	unlink(sa.sun_path);
	owner_ids(&uid, &gid);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chown(sa.sun_path, uid, gid) < 0 ||
	    chmod(sa.sun_path, opt.sock_mode) < 0 ||
	    listen(fd, BACKLOG) < 0 || rename(sa.sun_path, opt.socket) < 0) {
		dlog(0, "cannot make the socket %s: %s", opt.socket,
		     strerror(errno));
		unlink(sa.sun_path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(made_path, sizeof(made_path), "%s", opt.socket);
	return fd;
}

/* A TCP socket on addr:opt.tcp_port; -1 (logged) on failure. */
static int tcp_socket(const char *addr)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr *sa = (struct sockaddr *)&s4;
	socklen_t sl = sizeof(s4);
	int fd, one = 1;

	s4.sin_port = s6.sin6_port = htons((uint16_t)opt.tcp_port);
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&s6;
		sl = sizeof(s6);
	} else if (inet_pton(AF_INET, addr, &s4.sin_addr) != 1) {
		dlog(0, "not an address: %s", addr);
		return -1;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd >= 0 && sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (fd < 0 || bind(fd, sa, sl) < 0 || listen(fd, BACKLOG) < 0) {
		dlog(0, "cannot listen on %s port %d: %s", addr, opt.tcp_port,
		     strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

size_t listen_open(struct listener *ls, size_t max)
{
	size_t n = activated(ls, max), i;
	int fd;

	if (n)
		return n;
	if (opt.socket && max > 0) {
		fd = unix_socket();
		if (fd < 0)
			return 0;
		ls[n].fd = fd;
		ls[n].unix_sock = 1;
		ls[n].activated = 0;
		snprintf(ls[n].name, sizeof(ls[n].name), "%s", opt.socket);
		n++;
	}
	for (i = 0; opt.tcp_port && i < opt.ntcp && n < max; i++) {
		fd = tcp_socket(opt.tcp_addrs[i]);
		if (fd < 0) {
			listen_close(ls, n);
			return 0;
		}
		ls[n].fd = fd;
		ls[n].unix_sock = 0;
		ls[n].activated = 0;
		snprintf(ls[n].name, sizeof(ls[n].name), "%s@%d",
			 opt.tcp_addrs[i], opt.tcp_port);
		n++;
	}
	if (n == 0)
		dlog(0, "nothing to listen on: no socket, no TCP port");
	return n;
}

void listen_close(struct listener *ls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ls[i].fd >= 0)
			close(ls[i].fd);
		ls[i].fd = -1;
	}
	if (made_path[0]) {
		unlink(made_path);
		made_path[0] = '\0';
	}
	if (lock_fd >= 0) {
		close(lock_fd);
		lock_fd = -1;
	}
}
