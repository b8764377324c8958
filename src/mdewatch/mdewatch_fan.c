/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_fan.c - the fanotify groups: made at start, marked on the
 * watched paths, written to with responses and ignore marks, closed at
 * shutdown.  Writes take W.fanlock for reading and the close takes it
 * for writing, so that a late response never goes to a closed (or
 * reused) fd.
 *
 * The gate (--gate) is the permission event block mode waits on besides
 * executions: FAN_OPEN_PERM, or FAN_ACCESS_PERM, which the kernel raises
 * for each read(2) of a file opened while the group had marks, never for
 * opens, writes or mmap(2) page faults.
 *
 * The kernel cache: an ignore mark for the gate's event on the inode of
 * a file found clean, so that the kernel does not even ask about its
 * next opens or reads.  The kernel clears it on the file's next
 * modification (FAN_MODIFY: write, truncate, fallocate: without
 * FAN_MARK_IGNORED_SURV_MODIFY); a FAN_CLOSE_WRITE removes it too, for
 * writes through a shared mapping, which do not count as modifications;
 * a reload flushes them all.  Execution is never left to it:
 * FAN_OPEN_EXEC_PERM still reaches the memory cache, which compares
 * times.  Evictable marks (Linux 5.19) do not pin inodes in memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mdewatch_watch.h"
#include "util.h"
#include "banned.h"

int fan_open_group(const struct wopts *o, int closes)
{
	/* unlimited marks: the kernel cache makes one per clean file
	 * (evictable, so they go with the inode); close events are read
	 * in batches: an unlimited queue */
	unsigned flags = FAN_CLOEXEC | FAN_NONBLOCK |
			 (closes ? FAN_CLASS_NOTIF | FAN_UNLIMITED_QUEUE
			  : o->mode == MODE_BLOCK ? FAN_CLASS_CONTENT |
							   FAN_UNLIMITED_MARKS
						  : FAN_CLASS_NOTIF);
	unsigned ef = O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME;
	int fd = fanotify_init(flags, ef);

	if (fd < 0 && errno == EINVAL)
		fd = fanotify_init(flags, ef & ~(unsigned)O_NOATIME);
	if (fd >= 0)
		return fd;
	if (errno == EPERM)
		tool_die("fanotify_init: %s (needs root or CAP_SYS_ADMIN)",
			 strerror(errno));
	if (errno == ENOSYS)
		tool_die("fanotify_init: %s (the kernel has no fanotify: "
			 "CONFIG_FANOTIFY)", strerror(errno));
	if (errno == EINVAL && o->mode == MODE_BLOCK)
		tool_die("fanotify_init: %s (no permission events in this "
			 "kernel: CONFIG_FANOTIFY_ACCESS_PERMISSIONS; use "
			 "--mode audit)", strerror(errno));
	tool_die("fanotify_init: %s", strerror(errno));
}

/* Exits 2 with why the mark of path failed (errno). */
static void mark_failed(const struct wopts *o, const char *path)
	__attribute__((noreturn));

static void mark_failed(const struct wopts *o, const char *path)
{
	if (errno == EXDEV)
		tool_die("cannot mark the filesystem of '%s': %s (a "
			 "subvolume or bind mount; use --mark mount)", path,
			 strerror(errno));
	if (errno == ENODEV || errno == EOPNOTSUPP)
		tool_die("cannot mark the %s of '%s': %s",
			 o->mark_fs ? "filesystem" : "mount", path,
			 strerror(errno));
	tool_die("cannot mark '%s': %s%s", path, strerror(errno),
		 errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
}

int fan_mark_paths(const struct wopts *o, int fan, int fanw)
{
	unsigned kind = o->mark_fs ? FAN_MARK_FILESYSTEM : FAN_MARK_MOUNT;
	uint64_t exec = o->mode == MODE_BLOCK ? FAN_OPEN_EXEC_PERM
					      : FAN_OPEN_EXEC;
	uint64_t mask = o->mode != MODE_BLOCK  ? FAN_CLOSE_WRITE
			: o->gate == GATE_READ ? FAN_ACCESS_PERM
					       : FAN_OPEN_PERM;
	size_t i;
	int rc;

	for (i = 0; i < o->npaths; i++) {
		/* closes first: a file written once the opens are held up
		 * is always seen closing */
		if (fanw >= 0 &&
		    fanotify_mark(fanw, FAN_MARK_ADD | kind, FAN_CLOSE_WRITE,
				  AT_FDCWD, o->paths[i]) < 0)
			tool_die("cannot mark '%s' for close events: %s",
				 o->paths[i], strerror(errno));
		rc = fanotify_mark(fan, FAN_MARK_ADD | kind, mask | exec,
				   AT_FDCWD, o->paths[i]);
		if (rc < 0 && errno == EINVAL && exec) {
			/* before Linux 5.0: an exec is still an open */
			wlog(WL_INFO, "this kernel has no %s events: "
			     "executions are checked as opens",
			     o->mode == MODE_BLOCK ? "FAN_OPEN_EXEC_PERM"
						   : "FAN_OPEN_EXEC");
			exec = 0;
			rc = fanotify_mark(fan, FAN_MARK_ADD | kind, mask,
					   AT_FDCWD, o->paths[i]);
		}
		if (rc < 0)
			mark_failed(o, o->paths[i]);
	}
	return exec != 0;
}

void fan_respond(int fd, uint32_t verdict)
{
	struct fanotify_response r = { .fd = fd, .response = verdict };
	ssize_t n = -1;
	int err;

	pthread_rwlock_rdlock(&W.fanlock);
	if (!W.fan_closed)
		n = write(W.fan, &r, sizeof(r));
	err = errno;
	pthread_rwlock_unlock(&W.fanlock);
	if (n != (ssize_t)sizeof(r) && !W.fan_closed)
		wlog_rl(RL_RESPONSE, WL_ERROR, "error",
			(struct jfield[]){ JS("what", "response"),
					   JS("error", strerror(err)) },
			2, "cannot answer a permission event: %s",
			strerror(err));
}

void fan_ignore(int fd)
{
	int rc = 0;

	if (!atomic_load(&W.kcache))
		return;
	pthread_rwlock_rdlock(&W.fanlock);
	if (!W.fan_closed)
		rc = fanotify_mark(W.fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK |
					  FAN_MARK_EVICTABLE, W.kmask,
				   fd, NULL);
	pthread_rwlock_unlock(&W.fanlock);
	if (rc == 0)
		return;
	if (errno == EINVAL && atomic_exchange(&W.kcache, 0))
		wlog(WL_INFO, "no evictable fanotify marks in this kernel "
		     "(Linux 5.19): the kernel cache is off");
	else if (errno != EINVAL)
		wlog_rl(RL_KCACHE, WL_DEBUG, "error", (struct jfield[]){
				JS("what", "ignore mark"),
				JS("error", strerror(errno)) }, 2,
			"cannot add an ignore mark: %s", strerror(errno));
}

void fan_unignore(int fd)
{
	if (!atomic_load(&W.kcache))
		return;
	pthread_rwlock_rdlock(&W.fanlock);
	if (!W.fan_closed) /* ENOENT: there was no mark */
		fanotify_mark(W.fan, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK,
			      W.kmask, fd, NULL);
	pthread_rwlock_unlock(&W.fanlock);
}

void fan_flush_ignores(void)
{
	if (atomic_load(&W.kcache) &&
	    fanotify_mark(W.fan, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL) < 0)
		wlog(WL_ERROR, "cannot flush the kernel cache: %s",
		     strerror(errno));
}

void fan_close(void)
{
	pthread_rwlock_wrlock(&W.fanlock);
	W.fan_closed = 1;
	close(W.fan);
	pthread_rwlock_unlock(&W.fanlock);
}
