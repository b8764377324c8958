/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_diagnostic.c - `mdescan diagnostic create`: one .tar.gz with what
 * support asks for: the health report, the definitions, history and
 * quarantine lists as mdescan's own subcommands print them (run as child
 * processes of this binary), the configuration without private keys, the
 * journal and log files, and a few facts about the system.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "cmd.h"
#include "health.h"
#include "history.h"
#include "util.h"
#include "banned.h"

extern char **environ;

#define MEMBER_CAP (16u << 20)   /* bytes kept of one file or command */
#define RUN_TIMEOUT_MS 30000

/* A member's bytes, at most MEMBER_CAP of them. */
struct buf {
	struct tool_buf b;
	int cut; /* more than MEMBER_CAP came: the rest was dropped */
};

/* Out of memory drops the bytes: the member says less, the archive is
 * still made. */
static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->b.len + n > MEMBER_CAP) {
		n = MEMBER_CAP - b->b.len;
		b->cut = 1;
	}
	if (n)
		tool_buf_put(&b->b, s, n);
}

struct diag {
	struct archive *a;
	char prefix[64];
	time_t now;
	FILE *notes; /* what was skipped or failed: notes.txt */
	int failed;  /* the archive cannot be written any more */
};

/* One regular file of the archive, PREFIX/name. */
static void add_mem(struct diag *d, const char *name, const void *p, size_t n)
{
	struct archive_entry *e;
	char path[4200];

	if (d->failed || !(e = archive_entry_new())) {
		d->failed = 1;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", d->prefix, name);
	archive_entry_set_pathname(e, path);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, d->now, 0);
	if (archive_write_header(d->a, e) != ARCHIVE_OK ||
	    (n && archive_write_data(d->a, p, n) != (la_ssize_t)n))
		d->failed = 1;
	archive_entry_free(e);
}

/* Reads path, its last MEMBER_CAP bytes when it is longer. */
static int read_tail(const char *path, struct buf *b)
{
	char chunk[65536];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > (off_t)MEMBER_CAP) {
		lseek(fd, st.st_size - (off_t)MEMBER_CAP, SEEK_SET);
		b->cut = 1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 &&
	       b->b.len < MEMBER_CAP)
		buf_add(b, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* A file of the configuration or the logs; never a private key. */
static void add_file(struct diag *d, const char *name, const char *path)
{
	struct buf b = { 0 };

	if (read_tail(path, &b) < 0)
		fprintf(d->notes, "%s: not collected: %s\n", path,
			strerror(errno));
	else if (b.b.p && strstr(b.b.p, "PRIVATE KEY-----"))
		fprintf(d->notes, "%s: not collected: a private key\n", path);
	else
		add_mem(d, name, b.b.p ? b.b.p : "", b.b.len);
	if (b.cut)
		fprintf(d->notes, "%s: only its last %u bytes\n", path,
			MEMBER_CAP);
	tool_buf_free(&b.b);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The regular files below dir as name/..., without *.sec files and
 * without following symbolic links. */
static void add_tree(struct diag *d, const char *dir, const char *name,
		     int depth)
{
	char path[4200], member[4200];
	struct dirent *de;
	struct stat st;
	DIR *dh = opendir(dir);

	if (!dh) {
		if (errno != ENOENT)
			fprintf(d->notes, "%s: not collected: %s\n", dir,
				strerror(errno));
		return;
	}
	while ((de = readdir(dh)) && !d->failed) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(member, sizeof(member), "%s/%s", name, de->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 8)
			add_tree(d, path, member, depth + 1);
		else if (!S_ISREG(st.st_mode))
			fprintf(d->notes, "%s: not collected: not a regular "
				"file\n", path);
		else if (ends_with(de->d_name, ".sec"))
			fprintf(d->notes, "%s: not collected: a private key\n",
				path);
		else
			add_file(d, member, path);
	}
	closedir(dh);
}

/* Reads the two pipes of a child until both end (0) or the time is up
 * (-1). */
static int drain(int fds[2], struct buf *out, struct buf *err)
{
	struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
	struct timespec t0, t;
	char chunk[65536];
	long left;
	ssize_t n;
	int i, open_fds = 2;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (open_fds) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = RUN_TIMEOUT_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
					 (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return -1;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n > 0)
				buf_add(i ? err : out, chunk, (size_t)n);
			else if (n == 0 || errno != EINTR) {
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
	return 0;
}

/*
 * Runs argv (argv[0] looked up in PATH) with stdin from /dev/null and
 * stdout and stderr captured, for at most RUN_TIMEOUT_MS.  Returns its
 * exit status (128 + signal when killed), or -1 with errno set when it
 * could not be started.
 */
static int run_capture(char *const argv[], struct buf *out, struct buf *err)
{
	posix_spawn_file_actions_t fa;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, fds[2], st = 0, rc;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		rc = errno;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		goto fail;
	close(po[1]);
	close(pe[1]);
	fds[0] = po[0];
	fds[1] = pe[0];
	if (drain(fds, out, err) < 0)
		kill(pid, SIGKILL); /* hung: still reaped below */
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
fail:
	if (po[0] >= 0) {
		close(po[0]);
		close(po[1]);
	}
	if (pe[0] >= 0) {
		close(pe[0]);
		close(pe[1]);
	}
	errno = rc;
	return -1;
}

/* A command's standard output as a member; failures go to the notes. */
static void add_command(struct diag *d, const char *name, char *const argv[])
{
	struct buf out = { 0 }, err = { 0 };
	int rc = run_capture(argv, &out, &err);
	const char *why = err.b.p ? err.b.p : "";

	if (rc < 0) {
		fprintf(d->notes, "%s: not collected: %s: %s\n", name, argv[0],
			strerror(errno));
	} else {
		if (rc != 0)
			fprintf(d->notes, "%s: %s exited with status %d: "
				"%.*s\n", name, argv[0], rc,
				(int)strcspn(why, "\n"), why);
		add_mem(d, name, out.b.p ? out.b.p : "", out.b.len);
	}
	if (out.cut)
		fprintf(d->notes, "%s: cut at %u bytes\n", name, MEMBER_CAP);
	tool_buf_free(&out.b);
	tool_buf_free(&err.b);
}

static void add_health(struct diag *d, const struct health_opts *o)
{
	char *p = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&p, &n);

	if (!fp) {
		d->failed = 1;
		return;
	}
	health_json(fp, o);
	if (fclose(fp) == 0)
		add_mem(d, "health.json", p, n);
	else
		d->failed = 1;
	free(p);
}

/* This mdescan's own subcommands, their JSON kept as they print it. */
static void add_self(struct diag *d, const struct health_opts *o,
		     const char *self)
{
	char age[32], *def = NULL;
	const char *db = o->history_db;

	snprintf(age, sizeof(age), "%ld", o->max_age);
	if (!db)
		db = def = hist_default_path();
	{
		char *const ver[] = { (char *)self, "--version", NULL };
		char *const defs[] = { (char *)self, "definitions", "status",
			"--json", "--store", (char *)o->store, "--max-age", age,
			NULL };
		char *const scans[] = { (char *)self, "scan", "list", "--json",
			"--db", (char *)(db ? db : ""), NULL };
		char *const threats[] = { (char *)self, "threat", "list",
			"--json", "--db", (char *)(db ? db : ""), NULL };
		char *const quar[] = { (char *)self, "threat", "quarantine",
			"list", "--json", "--vault", (char *)o->qdir, NULL };

		add_command(d, "version.txt", ver);
		add_command(d, "definitions-status.json", defs);
		add_command(d, "history-scans.json", scans);
		add_command(d, "history-threats.json", threats);
		add_command(d, "quarantine.jsonl", quar);
	}
	free(def);
}

static void add_system(struct diag *d)
{
	char line[512], *s = NULL;
	struct utsname u;
	size_t n = 0;
	FILE *in, *fp = open_memstream(&s, &n);
	int i;

	if (!fp) {
		d->failed = 1;
		return;
	}
	if (uname(&u) == 0)
		fprintf(fp, "%s %s %s %s %s\n", u.sysname, u.nodename,
			u.release, u.version, u.machine);
	fclose(fp);
	add_mem(d, "uname.txt", s ? s : "", s ? n : 0);
	free(s);
	s = NULL;
	fp = open_memstream(&s, &n);
	if (fp && (in = fopen("/proc/meminfo", "re"))) {
		for (i = 0; i < 20 && fgets(line, sizeof(line), in); i++)
			fputs(line, fp);
		fclose(in);
	}
	if (fp)
		fclose(fp);
	add_mem(d, "meminfo.txt", s ? s : "", s ? n : 0);
	free(s);
	if ((s = realpath("/etc/os-release", NULL)))
		add_file(d, "os-release", s);
	free(s);
}

static void add_logs(struct diag *d)
{
	char *const jw[] = { "journalctl", "-u", "mdewatch", "-n", "200",
		"--no-pager", NULL };
	char *const js[] = { "journalctl", "-u", "mdescan*", "-n", "200",
		"--no-pager", NULL };
	char member[4200], *base;
	struct stat st;
	glob_t g;
	size_t i;

	add_command(d, "journal-mdewatch.txt", jw);
	add_command(d, "journal-mdescan.txt", js);
	if (glob(MDE_LOG_DIR "*", 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		base = strrchr(g.gl_pathv[i], '/') + 1;
		snprintf(member, sizeof(member), "log/%s", base);
		if (lstat(g.gl_pathv[i], &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			add_tree(d, g.gl_pathv[i], member, 1);
		else if (S_ISREG(st.st_mode))
			add_file(d, member, g.gl_pathv[i]);
	}
	globfree(&g);
}

static void collect(struct diag *d, const struct health_opts *o,
		    const char *self)
{
	char *notes = NULL;
	size_t n = 0;

	if (!(d->notes = open_memstream(&notes, &n))) {
		d->failed = 1;
		return;
	}
	add_health(d, o);
	add_self(d, o, self);
	add_tree(d, o->config_dir, "config", 1);
	add_logs(d);
	add_system(d);
	fclose(d->notes);
	add_mem(d, "notes.txt", notes ? notes : "", notes ? n : 0);
	free(notes);
}

/* /var/lib/mdescan/diagnostic-STAMP.tar.gz as root, else in the current
 * directory. */
static int default_output(const char *stamp, char *out, size_t n)
{
	char cwd[4096];

	if (geteuid() == 0) {
		mkdir(MDE_STATE_DIR, 0755);
		snprintf(out, n, MDE_STATE_DIR "/diagnostic-%s.tar.gz", stamp);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return tool_fail("current directory: %s", strerror(errno));
	snprintf(out, n, "%s/diagnostic-%s.tar.gz", cwd, stamp);
	return 0;
}

static int write_archive(const char *path, const struct health_opts *o,
			 const char *self, struct diag *d)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
			    O_NOFOLLOW, 0600), rc = 0;

	if (fd < 0)
		return tool_fail("%s: %s%s", path, strerror(errno),
				 errno == EEXIST ? " (a diagnostic archive is "
						   "never replaced)" : "");
	if (!(d->a = archive_write_new()) ||
	    archive_write_add_filter_gzip(d->a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(d->a) != ARCHIVE_OK ||
	    archive_write_open_fd(d->a, fd) != ARCHIVE_OK)
		d->failed = 1;
	else
		collect(d, o, self);
	if (d->a && archive_write_close(d->a) != ARCHIVE_OK)
		d->failed = 1;
	if (d->failed)
		rc = tool_fail("%s: cannot write the archive: %s", path,
			       d->a && archive_error_string(d->a)
				       ? archive_error_string(d->a)
				       : strerror(errno ? errno : EIO));
	archive_write_free(d->a);
	if (!rc && fsync(fd) != 0)
		rc = tool_fail("%s: %s", path, strerror(errno));
	if (close(fd) != 0 && !rc)
		rc = tool_fail("%s: %s", path, strerror(errno));
	if (rc)
		unlink(path);
	return rc;
}

int cmd_diagnostic(int argc, char **argv)
{
	char stamp[32], path[4200], self[4096];
	struct diag d = { 0 };
	struct health_opts o;
	struct tm tm;
	ssize_t n;
	int rc;

	/* `diagnostic --help`: health_parse() prints the options */
	if (argc > 1 && (!strcmp(argv[1], "--help") ||
			 !strcmp(argv[1], "-h")))
		return health_parse(argc, argv, &o, 1) == 1 ? 0 : 2;
	if (argc < 2 || strcmp(argv[1], "create") != 0) {
		fputs("usage: mdescan diagnostic create [--output FILE] "
		      "[--config-dir DIR] [options]\n", stderr);
		return 2;
	}
	if ((rc = health_parse(argc - 1, argv + 1, &o, 1)))
		return rc == 1 ? 0 : rc;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return tool_fail("/proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	d.now = time(NULL);
	gmtime_r(&d.now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(d.prefix, sizeof(d.prefix), "mdescan-diagnostic-%s", stamp);
	if (o.output)
		snprintf(path, sizeof(path), "%s", o.output);
	else if ((rc = default_output(stamp, path, sizeof(path))))
		return rc;
	if ((rc = write_archive(path, &o, self, &d)))
		return rc;
	printf("%s\n", path);
	return health_flush_stdout();
}
