/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan_engine.c - the engine a scan runs: its definitions (-d, the
 * installed bundle or the built-in ones), its options, its cache, and the
 * process around it (lock, priority, descriptors).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "defstore.h"
#include "paths.h"
#include "scan.h"
#include "util.h"
#include "banned.h"

/*
 * --lock: one scan per lock file at a time (a cron job that would overlap
 * its previous run).  Held until exit; the kernel drops it even after a
 * kill -9.
 */
static void take_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		tool_die("cannot open lock file '%s': %s", path,
			 strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		tool_die("another scan holds '%s' (%s): not starting", path,
			 errno == EWOULDBLOCK ? "locked" : strerror(errno));
}

/*
 * The scan cache's directory: --cache-dir, else $MDESCAN_CACHE_DIR, else
 * /var/cache/mdescan for root, else $XDG_CACHE_HOME/mdescan or
 * ~/.cache/mdescan.  Returns a malloc'd path or NULL.
 */
static char *cache_dir(const struct opts *o)
{
	const char *env = getenv("MDESCAN_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char buf[4096];

	if (o->cache_dir)
		return strdup(o->cache_dir);
	if (env && *env)
		return strdup(env);
	if (geteuid() == 0)
		return strdup(MDE_CACHE_DIR);
	if (xdg && *xdg == '/')
		snprintf(buf, sizeof(buf), "%s/mdescan", xdg);
	else if (home && *home == '/')
		snprintf(buf, sizeof(buf), "%s/.cache/mdescan", home);
	else
		return NULL;
	return strdup(buf);
}

/* file:line: ..., or file: ... for what is about a whole file (line 0) */
static void diag(void *ctx, const char *file, unsigned line,
		 const char *signame, const char *msg)
{
	char at[16] = "";

	(void)ctx;
	if (line)
		snprintf(at, sizeof(at), ":%u", line);
	tool_warn("%s%s: %s%s%s", file ? file : "(definitions)", at,
		  signame ? signame : "", signame ? ": " : "", msg);
}

/* ClamAV definitions read but not run, one line per kind. */
static void unsupported(void *ctx, const char *what, uint64_t n)
{
	(void)ctx;
	tool_warn("unsupported: %llu %s", (unsigned long long)n, what);
}

/* Trusted keys, if any are there: only a bundle needs them, and it
 * says so when none is trusted. */
static void add_keys(mde_defs *defs, const struct opts *o)
{
	struct stat st;

	if (stat(o->keys, &st) == 0)
		mde_defs_add_keys(defs, o->keys);
}

/*
 * -d paths; else the installed bundle (definitions update); else the
 * built-in definitions.  A bundle that is installed but does not load
 * is an error, never a silent fallback to older definitions.
 */
static int load_sources(mde_defs *defs, const struct opts *o)
{
	char cur[4200];
	size_t i;
	int rc = MDE_OK;

	add_keys(defs, o);
	if (o->ndbs == 0 && defstore_current(o->store, cur, sizeof(cur)) == 0)
		return mde_defs_load_bundle(defs, cur);
	if (o->ndbs == 0)
		return mde_defs_load_builtin(defs);
	for (i = 0; i < o->ndbs && rc == MDE_OK; i++)
		rc = mde_defs_load_path(defs, o->dbs[i]);
	return rc;
}

mde_defs *scan_defs(const struct opts *o)
{
	mde_defs *defs = mde_defs_new();
	mde_defs_stats st;
	int rc = MDE_OK;

	if (!defs)
		tool_die("out of memory");
	mde_defs_set_diag(defs, diag, NULL);
	mde_defs_set_preselect(defs, !o->no_preselect);
	mde_defs_set_prefilter(defs, !o->no_prefilter);
	mde_defs_set_unofficial(defs, o->unofficial);
	mde_defs_set_limit(defs, MDE_DEFS_CVD_MAX_MEMBERS, (uint64_t)o->db_files);
	if (mde_defs_set_clamav_certs(defs, o->clamav_certs) != MDE_OK)
		tool_die("out of memory");
	mde_defs_set_limit(defs, MDE_DEFS_CVD_MAX_MEMBER, (uint64_t)o->db_file);
	mde_defs_set_limit(defs, MDE_DEFS_CVD_MAX_TOTAL, (uint64_t)o->db_total);
	if (!o->no_cache) {
		char *dir = cache_dir(o);

		/* only if the cache directory exists or can be made */
		if (dir && (mkdir(dir, 0700) == 0 || errno == EEXIST))
			mde_defs_set_cache_dir(defs, dir);
		free(dir);
	}
	rc = load_sources(defs, o);
	if (rc == MDE_OK)
		rc = mde_defs_compile(defs);
	if (rc != MDE_OK)
		tool_die("cannot load definitions: %s",
			 *mde_defs_error(defs) ? mde_defs_error(defs)
					       : mde_status_str(rc));
	mde_defs_unsupported(defs, unsupported, NULL);
	mde_defs_get_stats(defs, &st);
	if (st.hash_sigs + st.byte_sigs + st.yara_rules + st.iocs == 0)
		tool_die("no usable signatures in the definitions given");
	return defs;
}

/* Lowest CPU priority and the idle I/O class, for cron. */
static void be_nice(void)
{
	if (setpriority(PRIO_PROCESS, 0, 19) < 0)
		tool_warn("setpriority: %s", strerror(errno));
#ifdef SYS_ioprio_set
	/* IOPRIO_WHO_PROCESS = 1, IOPRIO_CLASS_IDLE = 3 << 13 */
	if (syscall(SYS_ioprio_set, 1, 0, 3 << 13) < 0)
		tool_warn("ioprio_set: %s", strerror(errno));
#endif
}

/* The parser cage, when asked for; a kernel that cannot have it is said
 * so, and the scan goes on without it. */
static void cage(mde_engine *e, const struct opts *o)
{
	char why[256];

	mde_engine_set_opt(e, MDE_OPT_CAGE, o->cage);
	if (o->cage && !mde_cage_probe(why, sizeof(why))) {
		tool_warn("the parser cage is unavailable (%s): files are "
			  "parsed without it", why);
		mde_engine_set_opt(e, MDE_OPT_CAGE, 0);
	}
}

static void configure(mde_engine *e, const struct opts *o)
{
	size_t i;

	opts_configure(e, o); /* the options that are the engine's */
	for (i = 0; i < o->nallow; i++)
		if (mde_engine_allow(e, o->allow[i]) != MDE_OK)
			tool_die("--allow: invalid threat name '%s'",
				 o->allow[i]);
	mde_engine_set_opt(e, MDE_OPT_FOLLOW_SYMLINKS, o->follow);
	mde_engine_set_opt(e, MDE_OPT_ONE_FS, o->one_fs);
	mde_engine_set_opt(e, MDE_OPT_SKIP_SPECIAL_FS, o->full && !o->all_fs);
	mde_engine_set_opt(e, MDE_OPT_REPORT_CLEAN, !o->json && !o->infected);
	/* a total score is a sum: forensic triage wants every match */
	mde_engine_set_opt(e, MDE_OPT_ALL_MATCH, o->allmatch || o->forensic);
	mde_engine_set_opt(e, MDE_OPT_FILE_EVENTS, 1);
	mde_engine_set_opt(e, MDE_OPT_FILE_HASHES,
			   o->forensic || evidence_wants_hashes(&o->ev));
	if (o->newer_than)
		mde_engine_set_opt(e, MDE_OPT_NEWER_THAN, o->newer_than);
	cage(e, o);
	if (o->shard.n &&
	    (mde_engine_set_opt(e, MDE_OPT_SHARD_COUNT, o->shard.n) != MDE_OK ||
	     mde_engine_set_opt(e, MDE_OPT_SHARD_INDEX, o->shard.k) != MDE_OK))
		tool_die("--shard %lld/%lld: %s", (long long)o->shard.k,
			 (long long)o->shard.n, mde_engine_error(e));
	if (o->root && mde_engine_set_root(e, o->root) != MDE_OK)
		tool_die("--root %s: %s", o->root, mde_engine_error(e));
	if (getenv("MDESCAN_TEST_DELAY_MS"))
		mde_engine_set_opt(e, MDE_OPT_TEST_DELAY_MS,
				   strtol(getenv("MDESCAN_TEST_DELAY_MS"),
					  NULL, 10));
	for (i = 0; i < o->nexcl; i++)
		if (mde_engine_add_exclude(e, o->excl[i].kind,
					   o->excl[i].pattern) != MDE_OK)
			tool_die("%s", mde_engine_error(e));
}

static void use_cache(mde_engine *e, const struct opts *o)
{
	char *dir;

	if (o->no_cache || !(dir = cache_dir(o)))
		return;
	/* a scan without its cache is slower, not wrong: warn and go on */
	if (mde_engine_set_cache(e, dir) != MDE_OK) {
		tool_warn("warning: %s; scanning without it",
			  mde_engine_error(e));
	} else {
		/* the cache holds compiled rules, whose strings the rules
		 * themselves match: never scan it */
		char *abs = realpath(dir, NULL);

		if (abs && !strpbrk(abs, "*?"))
			mde_engine_add_exclude(e, MDE_EXCL_DIR, abs);
		free(abs);
	}
	free(dir);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

void scan_prepare(const struct opts *o)
{
	if (o->lock)
		take_lock(o->lock);
	/* libarchive converts every ZIP member's DOS time with mktime(),
	 * and glibc re-reads /etc/localtime on each call unless TZ is set:
	 * a stat(2) per member.  Naming the same file costs nothing. */
	setenv("TZ", ":/etc/localtime", 0);
	if (o->nice)
		be_nice();
	raise_fd_limit();
}

mde_engine *scan_engine(const mde_defs *defs, const struct opts *o)
{
	mde_engine *e = mde_engine_new(defs);

	if (!e)
		tool_die("out of memory");
	configure(e, o);
	use_cache(e, o);
	return e;
}
