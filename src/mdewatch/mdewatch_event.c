/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_event.c - an event in flight (struct pev): made by a reader,
 * shared through its references by the deadline list, the in-flight
 * table and a worker; answered exactly once, by whoever comes first; and
 * the lines logged about it (findings, failures), which name the process
 * that caused it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdewatch_watch.h"
#include "banned.h"

struct pev *event_new(const struct fanotify_event_metadata *md,
		      const struct stat *st, const char *path)
{
	size_t len = strlen(path);
	struct pev *p = malloc(sizeof(*p) + len + 1);

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	memcpy(p->path, path, len + 1);
	p->fd = md->fd;
	p->pid = md->pid;
	p->mask = md->mask;
	p->st = *st;
	p->t0 = now_ns();
	p->deadline = p->t0 + (uint64_t)W.o->deadline_ms * 1000000u;
	atomic_init(&p->refs, 1);
	return p;
}

void event_unref(struct pev *p)
{
	if (atomic_fetch_sub(&p->refs, 1) == 1) {
		close(p->fd);
		free(p);
	}
}

int event_path(const struct fanotify_event_metadata *md, char *path)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", md->fd);
	n = readlink(link, path, PATH_MAX - 1);
	if (n > 0 && n < PATH_MAX - 1) {
		path[n] = '\0';
		return 1;
	}
	snprintf(path, PATH_MAX, "(fd %d of pid %d: %s)", md->fd, (int)md->pid,
		 n < 0 ? strerror(errno) : "path too long");
	return 0;
}

const char *event_name(uint32_t mask)
{
	return mask & (FAN_OPEN_EXEC_PERM | FAN_OPEN_EXEC) ? "exec"
	       : mask & FAN_OPEN_PERM			  ? "open"
	       : mask & FAN_ACCESS_PERM			  ? "read"
							  : "close_write";
}

int event_answer(struct pev *p, uint32_t verdict)
{
	if (atomic_exchange(&p->answered, 1))
		return 0;
	fan_respond(p->fd, verdict);
	return 1;
}

void event_settle(const struct fanotify_event_metadata *md, uint32_t v)
{
	if (md->mask & PERM_EVENTS)
		fan_respond(md->fd, v);
	close(md->fd);
}

/* Who caused an event: raw for JSON, escaped for the text log (a
 * command name can hold anything, newlines included). */
struct who {
	char exe[256], comm[16];
	char exe_t[1024], comm_t[64];
};

static void who_of(pid_t pid, struct who *w)
{
	pst_ident(pid, w->exe, sizeof(w->exe), w->comm, sizeof(w->comm));
	wlog_path(w->exe_t, sizeof(w->exe_t), w->exe);
	wlog_path(w->comm_t, sizeof(w->comm_t), w->comm);
}

void event_failure(int fd, pid_t pid, uint32_t mask, const char *path,
		   const char *why, enum rl_kind k,
		   atomic_uint_fast64_t *ctr, struct pev *p)
{
	int perm = (mask & PERM_EVENTS) != 0, deny = W.o->fail_closed;
	const char *action = !perm ? "not scanned" : deny ? "denied"
							  : "allowed";
	char shown[512];
	struct who w;

	if (perm) {
		if (p ? !event_answer(p, deny ? FAN_DENY : FAN_ALLOW) : 0)
			return; /* answered by the scan meanwhile */
		if (!p)
			fan_respond(fd, deny ? FAN_DENY : FAN_ALLOW);
		atomic_fetch_add(deny ? &wc.fail_closed : &wc.fail_open, 1);
		pst_count(pid, PST_FAILURE);
	}
	atomic_fetch_add(ctr, 1);
	who_of(pid, &w);
	wlog_path(shown, sizeof(shown), path ? path : "?");
	wlog_rl(k, WL_WARNING, perm ? (deny ? "fail_closed" : "fail_open")
				    : "not_scanned",
		(struct jfield[]){ JS("path", path ? path : ""),
				   JS("reason", why), JS("action", action),
				   JS("event", event_name(mask)),
				   JN("pid", pid),
				   JS("comm", w.comm), JS("exe", w.exe) },
		7, "%s: %s: %s, %s %s (pid %d %s %s)",
		perm ? (deny ? "fail-closed" : "fail-open") : "not scanned",
		shown, why, event_name(mask), action, (int)pid, w.comm_t,
		w.exe_t);
}

void event_log_findings(const struct pev *p, const struct scanres *r,
			const char *action, int late, uint64_t ns)
{
	char shown[512], name[256];
	struct who w;
	int i;

	who_of(p->pid, &w);
	wlog_path(shown, sizeof(shown), p->path);
	for (i = 0; i < r->nfound && i < MAX_NAMES; i++) {
		wlog_path(name, sizeof(name), r->names[i]);
		wlog_ev(WL_WARNING, "finding",
			(struct jfield[]){ JS("path", p->path),
					   JS("name", r->names[i]),
					   JS("action", action),
					   JS("event", event_name(p->mask)),
					   JN("pid", p->pid),
					   JS("comm", w.comm),
					   JS("exe", w.exe),
					   JN("scan_us", ns / 1000),
					   JN("late", late) },
			9, "%s: %s FOUND, %s %s (pid %d %s %s)%s", shown,
			name, event_name(p->mask), action, (int)p->pid,
			w.comm_t, w.exe_t,
			late ? " - after the deadline: the access was allowed"
			     : "");
		record_found(p->path, r->names[i]);
	}
}
