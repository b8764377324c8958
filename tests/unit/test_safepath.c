/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_safepath.c - unit tests for safepath.c: every component of the
 * path is opened without following a link, through openat2 and through
 * the walk that stands in for it on old kernels; the reason names the
 * component.  Each test works in a fresh directory under $TMPDIR or /tmp.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "safepath.h"

typedef int (*opendir_fn)(const char *, char *, size_t);

struct ctx {
	char dir[PATH_MAX];
	char why[PATH_MAX + 64];
	opendir_fn open;
};

static int setup(void **state, opendir_fn fn)
{
	const char *tmp = getenv("TMPDIR");
	struct ctx *c = calloc(1, sizeof *c);
	char p[PATH_MAX + 32];

	assert_non_null(c);
	snprintf(c->dir, sizeof c->dir, "%s/safepath.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(c->dir));
	c->open = fn;
	/* DIR/real/sub, DIR/file, DIR/link -> real, DIR/real/up -> .. */
	snprintf(p, sizeof p, "%s/real", c->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/real/sub", c->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/file", c->dir);
	assert_int_equal(close(open(p, O_WRONLY | O_CREAT, 0600)), 0);
	snprintf(p, sizeof p, "%s/link", c->dir);
	assert_int_equal(symlink("real", p), 0);
	snprintf(p, sizeof p, "%s/real/up", c->dir);
	assert_int_equal(symlink("..", p), 0);
	*state = c;
	return 0;
}

static int setup_openat2(void **state)
{
	return setup(state, safepath_opendir);
}

static int setup_walk(void **state)
{
	return setup(state, safepath_opendir_walk);
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
	assert_int_equal(system(cmd), 0);
	free(c);
	return 0;
}

/* Opens DIR/rel with c->open: the descriptor, or -1 with c->why. */
static int open_rel(struct ctx *c, const char *rel)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof p, "%s/%s", c->dir, rel);
	c->why[0] = '\0';
	return c->open(p, c->why, sizeof c->why);
}

/* Is fd the directory DIR/rel (the same inode)? */
static void assert_is(struct ctx *c, int fd, const char *rel)
{
	char p[PATH_MAX + 32];
	struct stat a, b;

	assert_true(fd >= 0);
	snprintf(p, sizeof p, "%s/%s", c->dir, rel);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(fstat(fd, &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	/* readable, not O_PATH: the callers fsync and read it */
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

/* The reason must be "'DIR/rel' what". */
static void assert_why(struct ctx *c, const char *rel, const char *what)
{
	char want[PATH_MAX + 128];

	snprintf(want, sizeof want, "'%s/%s'%s", c->dir, rel, what);
	assert_string_equal(c->why, want);
}

static void t_plain(void **state)
{
	struct ctx *c = *state;

	assert_is(c, open_rel(c, "real/sub"), "real/sub");
	assert_is(c, open_rel(c, "real//./sub/"), "real/sub");
	/* ".." goes to the parent of the directory reached, not through
	 * a link: the kernel resolves it on what it opened */
	assert_is(c, open_rel(c, "real/sub/../sub"), "real/sub");
}

static void t_relative(void **state)
{
	struct ctx *c = *state;
	char cwd[PATH_MAX];

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(c->dir), 0);
	assert_is(c, c->open("real/sub", c->why, sizeof c->why), "real/sub");
	assert_is(c, c->open(".", c->why, sizeof c->why), ".");
	assert_int_equal(c->open("link/sub", c->why, sizeof c->why), -1);
	assert_int_equal(errno, ELOOP);
	assert_string_equal(c->why, "'link' is a symbolic link");
	assert_int_equal(chdir(cwd), 0);
}

static void t_symlink(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(open_rel(c, "link/sub"), -1);
	assert_int_equal(errno, ELOOP);
	assert_why(c, "link", " is a symbolic link");
	assert_int_equal(open_rel(c, "link"), -1);
	assert_int_equal(errno, ELOOP);
	assert_why(c, "link", " is a symbolic link");
	/* a link to "..", deeper in the path */
	assert_int_equal(open_rel(c, "real/up/real"), -1);
	assert_int_equal(errno, ELOOP);
	assert_why(c, "real/up", " is a symbolic link");
}

static void t_errors(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(open_rel(c, "real/none/sub"), -1);
	assert_int_equal(errno, ENOENT);
	assert_why(c, "real/none", ": No such file or directory");
	assert_int_equal(open_rel(c, "file/x"), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_why(c, "file", ": Not a directory");
	assert_int_equal(c->open("", c->why, sizeof c->why), -1);
	assert_int_equal(errno, ENOENT);
}

static void t_parent(void **state)
{
	struct ctx *c = *state;
	char p[PATH_MAX + 32], why[256];
	const char *base;
	int fd;

	snprintf(p, sizeof p, "%s/real/sub/e.com", c->dir);
	fd = safepath_openparent(p, &base, why, sizeof why);
	assert_string_equal(base, "e.com");
	assert_is(c, fd, "real/sub");
	snprintf(p, sizeof p, "%s/link/e.com", c->dir);
	assert_int_equal(safepath_openparent(p, &base, c->why,
					     sizeof c->why), -1);
	assert_int_equal(errno, ELOOP);
	assert_why(c, "link", " is a symbolic link");
	/* names that are no file */
	assert_int_equal(safepath_openparent("/", &base, why, sizeof why),
			 -1);
	assert_int_equal(errno, EINVAL);
	snprintf(p, sizeof p, "%s/real/..", c->dir);
	assert_int_equal(safepath_openparent(p, &base, why, sizeof why), -1);
	assert_int_equal(errno, EINVAL);
	fd = safepath_openparent("e.com", &base, why, sizeof why);
	assert_true(fd >= 0);
	assert_string_equal(base, "e.com");
	close(fd);
	fd = safepath_openparent("/e.com", &base, why, sizeof why);
	assert_true(fd >= 0);
	close(fd);
}

static void t_same(void **state)
{
	struct ctx *c = *state;
	char p[PATH_MAX + 32];
	struct safepath_id id;
	struct stat st;

	snprintf(p, sizeof p, "%s/file", c->dir);
	assert_int_equal(stat(p, &st), 0);
	id = (struct safepath_id){ st.st_dev, st.st_ino, st.st_size,
				   st.st_mtim, st.st_ctim };
	assert_true(safepath_same(&st, &id, 1));
	id.size++;
	assert_false(safepath_same(&st, &id, 1));
	assert_true(safepath_same(&st, &id, 0));
	id.size--;
	id.ctime.tv_nsec ^= 1;
	assert_false(safepath_same(&st, &id, 1));
	id.ctime.tv_nsec ^= 1;
	id.mtime.tv_sec--;
	assert_false(safepath_same(&st, &id, 1));
	id.ino++;
	assert_false(safepath_same(&st, &id, 0));
}

#define BOTH(t) \
	cmocka_unit_test_setup_teardown(t, setup_openat2, teardown), \
	cmocka_unit_test_setup_teardown(t, setup_walk, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(t_plain),
		BOTH(t_relative),
		BOTH(t_symlink),
		BOTH(t_errors),
		cmocka_unit_test_setup_teardown(t_parent, setup_openat2,
						teardown),
		cmocka_unit_test_setup_teardown(t_same, setup_openat2,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
