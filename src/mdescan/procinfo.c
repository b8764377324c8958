/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procinfo.c - the process behind a /proc/PID/exe finding (procinfo.h).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procinfo.h"
#include "banned.h"

#define DELETED " (deleted)"

/* The PID of "/proc/PID/exe", or -1. */
static int pid_of(const char *path, size_t len)
{
	static const char pre[] = "/proc/", post[] = "/exe";
	size_t i = sizeof(pre) - 1, end = len - (sizeof(post) - 1);
	long pid = 0;

	if (len <= sizeof(pre) + sizeof(post) - 2 ||
	    memcmp(path, pre, sizeof(pre) - 1) ||
	    memcmp(path + end, post, sizeof(post) - 1) || end - i > 9)
		return -1;
	for (; i < end; i++) {
		if (path[i] < '0' || path[i] > '9')
			return -1;
		pid = pid * 10 + (path[i] - '0');
	}
	return pid > 0 ? (int)pid : -1;
}

/* The link's target; the kernel marks a deleted one with a suffix. */
static int read_exe(struct procinfo *pi)
{
	char link[32];
	ssize_t n;
	size_t d = sizeof(DELETED) - 1;

	snprintf(link, sizeof(link), "/proc/%d/exe", pi->pid);
	n = readlink(link, pi->exe, sizeof(pi->exe) - 1);
	if (n <= 0)
		return -1;
	pi->exe_len = (size_t)n;
	if (pi->exe_len > d &&
	    !memcmp(pi->exe + pi->exe_len - d, DELETED, d)) {
		pi->exe_len -= d;
		pi->deleted = 1;
	}
	pi->exe[pi->exe_len] = '\0';
	return 0;
}

/* The arguments, NUL-separated in /proc, joined by spaces. */
static void read_cmdline(struct procinfo *pi)
{
	char path[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pi->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, pi->cmd, sizeof(pi->cmd));
	if (n == (ssize_t)sizeof(pi->cmd)) {
		char more;

		pi->cut = read(fd, &more, 1) == 1;
	}
	close(fd);
	if (n <= 0)
		return;
	while (n > 0 && pi->cmd[n - 1] == '\0') /* the last one's end */
		n--;
	pi->cmd_len = (size_t)n;
	for (n = 0; (size_t)n < pi->cmd_len; n++)
		if (pi->cmd[n] == '\0')
			pi->cmd[n] = ' ';
}

int procinfo_of(const char *path, size_t len, struct procinfo *pi)
{
	memset(pi, 0, offsetof(struct procinfo, exe));
	pi->pid = pid_of(path, len);
	if (pi->pid < 0 || read_exe(pi) < 0)
		return 0;
	read_cmdline(pi);
	return 1;
}
