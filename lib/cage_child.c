/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cage_child.c - the worker's side of the parser cage: confinement, set
 * up before the first byte of a file is looked at, then a loop of
 * requests (a file in the shared buffer) answered with events and a
 * verdict.  The worker is a fork of the scanning process, so it holds the
 * compiled definitions already and needs to open nothing.
 *
 * The allow-list below is what the stages need on a file already read
 * into memory: reading and writing descriptors it holds, memory, time,
 * signals to itself, exit.  Anything else - open*, exec*, socket,
 * connect, ptrace, fork, kill of another process, chmod, unlink, ... -
 * raises SIGSYS; the handler notes the call on the shared page and the
 * worker exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <grp.h>
#include <iconv.h>
#include <langinfo.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include <seccomp.h>

#include "pipeline_int.h"
#include "cage.h"
#include "banned.h"

mde__cage_page *mde__cage_here;

/* The calls a worker may make (on the descriptors it holds). */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(close),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(brk), SCMP_SYS(madvise),
	SCMP_SYS(futex), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getrusage),
	SCMP_SYS(sched_yield), SCMP_SYS(getrandom), SCMP_SYS(poll),
	SCMP_SYS(fcntl), SCMP_SYS(restart_syscall),
	SCMP_SYS(sysinfo), /* qsort() asks for the memory size */
};

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (mde__cage_here)
		mde__cage_here->sysno = si->si_syscall;
	_exit(MDE__CAGE_EXIT_SYSCALL);
}

/* A fatal signal: noted, then delivered again with its default action
 * (the fault repeats on return), so the thread sees which one. */
static void on_fatal(int sig)
{
	int nomem = errno == ENOMEM;

	if (mde__cage_here) {
		mde__cage_here->signo = sig;
		mde__cage_here->nomem = nomem;
	}
	signal(sig, SIG_DFL);
	if (sig == SIGABRT || sig == SIGXCPU || sig == SIGXFSZ)
		raise(sig);
}

static int handlers(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
				     SIGABRT, SIGXCPU };
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	size_t i;

	if (sigaltstack(&ss, NULL) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (sigaction(fatal[i], &sa, NULL) < 0)
			return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	size_t i;
	int rc = 0;

	if (!ctx)
		return -1;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* limits and signals: of this process only */
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64),
				      1, SCMP_A0(SCMP_CMP_EQ, 0));
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (!rc)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc ? -1 : 0;
}

/* Keeps fd (moved to 3) and /dev/null as 0-2; closes everything else. */
static int fds(int *fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int i;

	if (*fd != 3 && dup2(*fd, 3) < 0)
		return -1;
	*fd = 3;
	for (i = 0; i < 3; i++)
		if (null >= 0 && null != i && dup2(null, i) < 0)
			return -1;
	if (syscall(SYS_close_range, 4u, ~0u, 0u) < 0) {
		struct rlimit rl;
		long n;

		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
		n = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536
			    ? 65536 : (long)rl.rlim_cur;
		for (i = 4; i < n; i++)
			close(i);
	}
	return 0;
}

/* The address space a worker may add to what it inherits. */
static int limits(uint64_t mem)
{
	struct rlimit no = { 0, 0 };
	struct rlimit as = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned long long vsz = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp) {
		if (fscanf(fp, "%llu", &vsz) != 1)
			vsz = 0;
		fclose(fp);
	}
	if (mem && vsz) {
		as.rlim_cur = as.rlim_max =
			(rlim_t)(vsz * (unsigned long long)getpagesize() + mem);
		if (setrlimit(RLIMIT_AS, &as) < 0)
			return -1;
	}
	if (setrlimit(RLIMIT_CORE, &no) < 0 || setrlimit(RLIMIT_FSIZE, &no) < 0)
		return -1;
	return 0;
}

/* This process's capability sets (version 3: two words each). */
static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3,
					      0 };

	memset(d, 0, 2 * sizeof(*d));
	return (int)syscall(SYS_capget, &h, d);
}

int mde__cage_can_setid(void)
{
	struct __user_cap_data_struct d[2];
	uint32_t need = (1u << CAP_SETUID) | (1u << CAP_SETGID);

	return caps_get(d) == 0 && (d[0].effective & need) == need;
}

/* Empties every capability set; 0 once none is left. */
static int caps_drop(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3,
					      0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) < 0 || caps_get(d) < 0)
		return -1;
	return d[0].effective | d[0].permitted | d[1].effective |
			       d[1].permitted ? -1 : 0;
}

/* Root: namespaces of its own (no network; mounts private) and the
 * workers' user, which leaves no capabilities.  Root that may not
 * change its user (a service whose CapabilityBoundingSet= lacks
 * CAP_SETUID or CAP_SETGID) keeps uid 0 without any capability: the
 * filter leaves it no call that a uid alone would let through (no
 * open, no kill of another process). */
static int identity(uid_t uid, gid_t gid, const char **why)
{
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC) == 0)
		(void)mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (!mde__cage_can_setid()) {
		if (caps_drop() < 0) {
			*why = "cannot drop capabilities";
			return -1;
		}
		return 0;
	}
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		*why = "cannot drop privileges";
		return -1;
	}
	if (geteuid() == 0 || getegid() == 0) {
		*why = "still root after dropping privileges";
		return -1;
	}
	return 0;
}

/*
 * What the C library opens once, lazily, is opened now, before the
 * filter would refuse it in the middle of a scan: iconv's modules (below)
 * and /proc/sys/vm/overcommit_memory, which glibc reads the first time a
 * thread's malloc arena shrinks (blocks under the mmap threshold but over
 * the consolidation one, freed, make it shrink).
 */
static void warm_up(void)
{
	/* libarchive converts member names between these and the locale's
	 * charset with iconv(3), which loads its module cache and the
	 * modules on first use: loaded now, and kept open so that they
	 * stay loaded */
	static const char *const charsets[] = {
		"UTF-8", "UTF-16LE", "UTF-16BE", "CP437", "CP850", "CP866",
		"CP932", "CP936", "CP949", "CP950", "CP1251", "CP1252",
		"ISO-8859-1", "SHIFT_JIS", "EUC-JP", "EUC-KR", "GB18030",
		"BIG5", "KOI8-R",
	};
	const char *here = nl_langinfo(CODESET);
	void *p[48];
	size_t i;

	for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++) {
		(void)iconv_open(here, charsets[i]); /* never closed */
		(void)iconv_open(charsets[i], here);
	}

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		p[i] = malloc(100000);
	for (i = sizeof(p) / sizeof(p[0]); i-- > 0;)
		free(p[i]);
	malloc_trim(0);
}

static int confine(uid_t uid, gid_t gid, uint64_t mem, const char **why)
{
	*why = "cannot set resource limits";
	if (limits(mem) < 0)
		return -1;
	if (identity(uid, gid, why) < 0)
		return -1;
	*why = "cannot install signal handlers";
	if (handlers() < 0)
		return -1;
	warm_up();
	*why = "cannot set no_new_privs";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	*why = "cannot load the seccomp filter";
	if (filter() < 0)
		return -1;
	return 0;
}

const char *mde__cage_sysname(int nr)
{
	static __thread char name[64];
	char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	if (!s)
		return NULL;
	snprintf(name, sizeof(name), "%s", s);
	free(s);
	return name;
}

/* ------------------------------------------------------- the worker loop */

struct child {
	mde__worker *w;
	int fd;
	mde__cbuf out;         /* answers not sent yet */
	mde__cbuf one;         /* the answer being encoded */
	uint8_t *in;           /* requests received: [ipos, iend) unread */
	size_t incap, ipos, iend;
	int mfd;               /* a new buffer's descriptor, or -1 */
	const uint8_t *map;    /* the shared buffer, read-only here */
	size_t mcap;
};

/* Answers kept beyond this many bytes are sent before the batch ends. */
#define CHILD_OUTMAX (256u << 10)

static void send_all(struct child *c)
{
	size_t off = 0;
	ssize_t n;

	if (c->out.bad)
		_exit(MDE__CAGE_EXIT_SETUP);
	while (off < c->out.len) {
		n = send(c->fd, c->out.p + off, c->out.len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the thread is gone */
		off += (size_t)n;
	}
	c->out.len = 0;
}

/* Appends frame b (one message) to the answers; sends them when many. */
static void keep(struct child *c, const mde__cbuf *b)
{
	mde__cbuf_mem(&c->out, b->p, b->len);
	if (b->bad)
		c->out.bad = 1;
	if (c->out.len >= CHILD_OUTMAX)
		send_all(c);
}

static void child_event(void *ctx, const mde_event *ev)
{
	struct child *c = ctx;

	mde__cage_enc_ev(&c->one, ev);
	keep(c, &c->one);
}

/* Receives more requests into c->in at c->iend; a descriptor may come
 * along (c->mfd).  Exits at the end of input. */
static void recv_more(struct child *c)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { c->in + c->iend, c->incap - c->iend };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.b,
			     .msg_controllen = sizeof(cm.b) };
	struct cmsghdr *h;
	ssize_t r;

	do
		r = recvmsg(c->fd, &mh, 0);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		_exit(0);
	h = CMSG_FIRSTHDR(&mh);
	if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
		if (c->mfd >= 0)
			close(c->mfd);
		memcpy(&c->mfd, CMSG_DATA(h), sizeof(int));
	}
	c->iend += (size_t)r;
}

/* Room for need bytes from c->ipos on. */
static void room(struct child *c, size_t need)
{
	uint8_t *p;

	if (c->ipos) {
		memmove(c->in, c->in + c->ipos, c->iend - c->ipos);
		c->iend -= c->ipos;
		c->ipos = 0;
	}
	if (need <= c->incap)
		return;
	p = realloc(c->in, need);
	if (!p)
		_exit(MDE__CAGE_EXIT_SETUP);
	c->in = p;
	c->incap = need;
}

/* The next request, whole, at c->in + c->ipos (its payload from 8 on;
 * *n bytes); usually in c->in already.  Exits at the end of input. */
static const uint8_t *recv_req(struct child *c, uint32_t *n)
{
	const uint8_t *p;

	while (c->iend - c->ipos < 8) {
		if (c->iend == c->incap)
			room(c, 8);
		recv_more(c);
	}
	p = c->in + c->ipos;
	*n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	     (uint32_t)p[3] << 24;
	if (*n > MDE__CAGE_MAXMSG)
		_exit(MDE__CAGE_EXIT_SETUP);
	while (c->iend - c->ipos < 8 + (size_t)*n) {
		if (c->ipos + 8 + (size_t)*n > c->incap)
			room(c, 8 + (size_t)*n);
		recv_more(c);
	}
	p = c->in + c->ipos;
	c->ipos += 8 + (size_t)*n;
	return p;
}

static void remap(struct child *c, uint64_t size)
{
	if (c->map)
		munmap((void *)c->map, c->mcap);
	c->map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, c->mfd, 0);
	close(c->mfd);
	c->mfd = -1;
	if (c->map == MAP_FAILED)
		_exit(MDE__CAGE_EXIT_SETUP);
	c->mcap = (size_t)size;
}

/* The thread made the buffer larger in place (same memfd). */
static void extend(struct child *c, uint64_t size)
{
	void *p = mremap((void *)c->map, c->mcap, (size_t)size, MREMAP_MAYMOVE);

	if (p == MAP_FAILED)
		_exit(MDE__CAGE_EXIT_SETUP);
	c->map = p;
	c->mcap = (size_t)size;
}

/* Each round of files gets the CPU time their scans may take, beyond
 * what the worker used before: the kernel ends a runaway (SIGXCPU) even
 * if the thread's deadline for each file did not. */
static void cpu_limit(uint32_t secs)
{
	struct rusage ru;
	struct rlimit rl;

	if (!secs || getrusage(RUSAGE_SELF, &ru) < 0 ||
	    getrlimit(RLIMIT_CPU, &rl) < 0)
		return;
	rl.rlim_cur = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + secs;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_CPU, &rl);
}

static void answer(struct child *c, struct file *f, uint64_t m0, uint64_t u0,
		   int status, int last)
{
	mde_engine *e = c->w->e;
	mde__cage_done d;
	unsigned i;

	memset(&d, 0, sizeof(d));
	d.status = status;
	d.uncacheable = f->uncacheable;
	d.allowed = f->allowed;
	d.why = f->why;
	d.have = f->v.have;
	memcpy(d.dig, f->v.dig, sizeof(d.dig));
	memcpy(d.sha256, f->sha256, sizeof(d.sha256));
	d.members = atomic_load(&e->members) - m0;
	d.unpacked = atomic_load(&e->unpacked) - u0;
	d.nfind = f->v.nfind;
	for (i = 0; i < f->v.nfind; i++)
		d.find[i] = f->v.find[i];
	mde__cage_enc_done(&c->one, &d);
	keep(c, &c->one);
	if (last)
		send_all(c);
	for (i = 0; i < f->v.nfind; i++)
		free((char *)f->v.find[i].chain);
	free(f->layers);
}

static void serve(struct child *c, const struct mde__cage_req *rq,
		  const char *path)
{
	mde_engine *e = c->w->e;
	mde__item it = { 0 };
	struct file f = { 0 };
	uint64_t m0 = atomic_load(&e->members), u0 = atomic_load(&e->unpacked);

	it.path = (char *)path;
	it.len = rq->pathlen;
	it.base = rq->base <= rq->pathlen ? rq->base : 0;
	f.w = c->w;
	f.it = &it;
	f.top = &f;
	f.buf = c->map + rq->off;
	f.len = (size_t)rq->len;
	f.st = rq->st;
	f.fi = rq->fi;
	f.have_fi = 1;
	memcpy(f.sha256, rq->sha256, sizeof(f.sha256));
	f.v.have = rq->have;
	memcpy(f.v.dig, rq->dig, sizeof(f.v.dig));
	mde__worker_owner(c->w, rq->st.st_uid, rq->owner);
	cpu_limit(rq->cpu);
	mde__cage_here->stage = 0;
	mde__cage_here->at = rq->index;
	answer(c, &f, m0, u0, mde__run_stages(&f), rq->last != 0);
}

static void loop(struct child *c)
{
	struct mde__cage_req rq;
	const uint8_t *p;
	uint32_t n;

	/* a request is its header, struct mde__cage_req and a path */
	c->incap = 8 + sizeof(rq) + 65536;
	c->in = malloc(c->incap);
	if (!c->in)
		_exit(MDE__CAGE_EXIT_SETUP);
	for (;;) {
		p = recv_req(c, &n);
		if (n < sizeof(rq) + 1)
			_exit(MDE__CAGE_EXIT_SETUP);
		memcpy(&rq, p + 8, sizeof(rq));
		if (rq.pathlen != n - sizeof(rq) - 1 || p[8 + n - 1] != '\0')
			_exit(MDE__CAGE_EXIT_SETUP);
		if (c->mfd >= 0)
			remap(c, rq.mapsize);
		else if (c->map && rq.mapsize > c->mcap)
			extend(c, rq.mapsize);
		if (!c->map || rq.off > c->mcap || rq.len > c->mcap - rq.off)
			_exit(MDE__CAGE_EXIT_SETUP);
		serve(c, &rq, (const char *)p + 8 + sizeof(rq));
	}
}

void mde__cage_child(mde__worker *w, int fd, mde__cage_page *page,
		     uid_t uid, gid_t gid, uint64_t mem)
{
	struct child c = { 0 };
	const char *why = "cannot keep the descriptors it needs";

	mde__cage_here = page;
	c.w = w;
	c.fd = fd;
	c.mfd = -1;
	if (fds(&c.fd) < 0 || confine(uid, gid, mem, &why) < 0) {
		snprintf(page->why, sizeof(page->why), "%s: %s", why,
			 strerror(errno));
		_exit(MDE__CAGE_EXIT_SETUP);
	}
	w->fn = child_event;
	w->ctx = &c;
	loop(&c);
	_exit(0);
}

int mde__cage_try(char *why, size_t len)
{
	uint32_t action = SECCOMP_RET_TRAP;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
		snprintf(why, len, "the kernel has no seccomp (%s)",
			 strerror(errno));
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0 &&
	    errno == EPERM) {
		snprintf(why, len,
			 "the seccomp() system call is refused (%s) by a "
			 "filter around this process: a systemd unit's "
			 "SystemCallFilter= must allow 'seccomp'",
			 strerror(errno));
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0) {
		snprintf(why, len,
			 "the kernel has no seccomp filters with traps (%s): "
			 "CONFIG_SECCOMP_FILTER?", strerror(errno));
		return -1;
	}
	return 0;
}

int mde__cage_can_unshare(void)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) /* nothing but the call: any thread may ask */
		_exit(unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC) == 0
			      ? 0 : 1);
	if (pid < 0)
		return 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
