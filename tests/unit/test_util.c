/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_util.c - the tools' shared helpers (src/common/util.c): messages
 * carry the tool's name, reasons land in err, hex round-trips and refuses
 * non-digits, buffers and arrays grow and keep their contents, whole
 * writes, path joins, mkdir -p and the pidfile check.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mde-util-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* What fn wrote to stderr, into out. */
static void capture_stderr(void (*fn)(void), char *out, size_t len)
{
	char path[128];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void warn_something(void)
{
	tool_warn("cannot open '%s': %s", "x", "No such file");
}

static void test_warn_and_fail(void **state)
{
	char out[256];

	(void)state;
	assert_string_equal(tool_name(), "mdescan");
	tool_set_name("mdetest");
	capture_stderr(warn_something, out, sizeof(out));
	assert_string_equal(out, "mdetest: cannot open 'x': No such file\n");
	tool_set_name("mdescan");
	assert_string_equal(tool_name(), "mdescan");
}

static void fail_something(void)
{
	assert_int_equal(tool_fail("bad %d", 7), 2);
}

static void test_fail_returns_2(void **state)
{
	char out[256];

	(void)state;
	capture_stderr(fail_something, out, sizeof(out));
	assert_string_equal(out, "mdescan: bad 7\n");
}

static void test_die_exits_2(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(2); /* the message is not the point here */
		tool_die("fatal %s", "error");
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
}

static void test_errf(void **state)
{
	char err[16] = "old";

	(void)state;
	assert_int_equal(tool_errf(err, sizeof(err), -3, "x=%d", 42), -3);
	assert_string_equal(err, "x=42");
	/* cut to the buffer, NUL-terminated */
	assert_int_equal(tool_errf(err, sizeof(err), 0, "%s",
				   "a reason longer than err"), 0);
	assert_string_equal(err, "a reason longer");
	/* no buffer: only the return value */
	assert_int_equal(tool_errf(NULL, 0, 5, "nothing"), 5);
	assert_int_equal(tool_errf(err, 0, 6, "nothing"), 6);
	assert_string_equal(err, "a reason longer");
}

static void test_hexval(void **state)
{
	static const char digits[] = "0123456789abcdef";
	int i;

	(void)state;
	for (i = 0; i < 16; i++) {
		assert_int_equal(tool_hexval(digits[i]), i);
		if (i >= 10)
			assert_int_equal(tool_hexval(digits[i] - 'a' + 'A'), i);
	}
	assert_int_equal(tool_hexval('g'), -1);
	assert_int_equal(tool_hexval('G'), -1);
	assert_int_equal(tool_hexval('/'), -1);
	assert_int_equal(tool_hexval(':'), -1);
	assert_int_equal(tool_hexval('\0'), -1);
	assert_int_equal(tool_hexval(0xff), -1);
}

static void test_hex_roundtrip(void **state)
{
	uint8_t in[256], back[256];
	char hex[2 * sizeof(in) + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	tool_hex(in, sizeof(in), hex);
	assert_int_equal(strlen(hex), 2 * sizeof(in));
	assert_memory_equal(hex, "000102", 6);
	assert_string_equal(hex + 2 * 250, "fafbfcfdfeff");
	assert_int_equal(tool_unhex(hex, sizeof(in), back), 0);
	assert_memory_equal(in, back, sizeof(in));
	/* upper case decodes the same */
	assert_int_equal(tool_unhex("DEADbeef", 4, back), 0);
	assert_memory_equal(back, "\xde\xad\xbe\xef", 4);
	tool_hex(in, 0, hex);
	assert_string_equal(hex, "");
}

static void test_unhex_refuses(void **state)
{
	uint8_t out[4];

	(void)state;
	assert_int_equal(tool_unhex("0g", 1, out), -1);
	assert_int_equal(tool_unhex("g0", 1, out), -1);
	assert_int_equal(tool_unhex("00 1", 2, out), -1);
	/* a short string stops at its NUL, never reads past it */
	assert_int_equal(tool_unhex("0", 1, out), -1);
	assert_int_equal(tool_unhex("", 1, out), -1);
	assert_int_equal(tool_unhex("", 0, out), 0);
}

static void test_buf(void **state)
{
	struct tool_buf b = { 0 };
	char big[1000];
	size_t i;

	(void)state;
	assert_int_equal(tool_buf_put(&b, "", 0), 0);
	assert_non_null(b.p);
	assert_string_equal(b.p, "");
	assert_int_equal(tool_buf_put(&b, "ab", 2), 0);
	assert_int_equal(tool_buf_printf(&b, "-%d-%s", 12, "x"), 0);
	assert_int_equal(b.len, 7);
	assert_string_equal(b.p, "ab-12-x");
	/* longer than the printf's stack buffer, and than the first cap */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(tool_buf_printf(&b, "%s!", big), 0);
	assert_int_equal(b.len, 7 + 999 + 1);
	assert_true(b.cap > b.len);
	assert_int_equal(b.p[b.len], '\0');
	assert_int_equal(b.p[b.len - 1], '!');
	for (i = 7; i < 7 + 999; i++)
		assert_int_equal(b.p[i], 'z');
	/* bytes, NULs included */
	assert_int_equal(tool_buf_put(&b, "\0\1", 2), 0);
	assert_int_equal(b.len, 1009);
	assert_memory_equal(b.p + 1007, "\0\1", 2);
	tool_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	tool_buf_free(&b); /* twice is fine */
}

static void test_grow(void **state)
{
	int *v = NULL, *nv;
	size_t cap = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		nv = tool_grow(v, &cap, i + 1, sizeof(*v));
		assert_non_null(nv);
		v = nv;
		assert_true(cap >= i + 1);
		v[i] = (int)i;
	}
	for (i = 0; i < 1000; i++)
		assert_int_equal(v[i], (int)i);
	/* room enough: the same array, cap unchanged */
	i = cap;
	assert_ptr_equal(tool_grow(v, &cap, 10, sizeof(*v)), v);
	assert_int_equal(cap, i);
	/* an impossible size fails and leaves the array alone */
	assert_null(tool_grow(v, &cap, SIZE_MAX / 2, sizeof(*v)));
	assert_int_equal(cap, i);
	assert_int_equal(v[999], 999);
	free(v);
}

static void test_strv(void **state)
{
	struct tool_strv sv = { 0 };
	char s[16];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(s, sizeof(s), "s%zu", i);
		assert_int_equal(tool_strv_push(&sv, s), 0);
		assert_null(sv.v[sv.n]);
	}
	assert_int_equal(sv.n, 100);
	assert_string_equal(sv.v[0], "s0");
	assert_string_equal(sv.v[99], "s99");
	assert_true(sv.v[5] != s); /* copies */
	tool_strv_free(&sv);
	assert_null(sv.v);
	assert_int_equal(sv.n, 0);
	assert_int_equal(sv.cap, 0);
	tool_strv_free(&sv);
}

static void test_write_all(void **state)
{
	char path[128], back[70000], *data = malloc(sizeof(back));
	int fd;
	size_t i;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < sizeof(back); i++)
		data[i] = (char)(i * 7);
	snprintf(path, sizeof(path), "%s/w", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(tool_write_all(fd, data, sizeof(back)), 0);
	assert_int_equal(tool_write_all(fd, data, 0), 0);
	assert_int_equal(pread(fd, back, sizeof(back), 0), sizeof(back));
	assert_memory_equal(back, data, sizeof(back));
	close(fd);
	/* a closed descriptor: -1 and errno */
	errno = 0;
	assert_int_equal(tool_write_all(fd, data, 1), -1);
	assert_int_equal(errno, EBADF);
	free(data);
}

static void test_path_join(void **state)
{
	char *p;

	(void)state;
	p = tool_path_join("/a/b", "c");
	assert_string_equal(p, "/a/b/c");
	free(p);
	p = tool_path_join("/", "c");
	assert_string_equal(p, "/c");
	free(p);
	p = tool_path_join("/a/", "c.conf");
	assert_string_equal(p, "/a/c.conf");
	free(p);
	p = tool_path_join("", "c");
	assert_string_equal(p, "/c");
	free(p);
}

static void test_mkdirs(void **state)
{
	char path[256], file[300];
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/x/y/z", dir);
	assert_int_equal(tool_mkdirs(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(file, sizeof(file), "%s/x", dir);
	assert_int_equal(stat(file, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* again: all there already */
	assert_int_equal(tool_mkdirs(path, 0700), 0);
	/* a file in the way: -1 with the reason */
	snprintf(file, sizeof(file), "%s/f", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/f/g/h", dir);
	errno = 0;
	assert_int_equal(tool_mkdirs(path, 0755), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(tool_mkdirs("", 0755), -1);
}

static void test_pidfile(void **state)
{
	char path[128], buf[32];
	int fd, status, tries;
	pid_t pid;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.pid", dir);
	assert_int_equal(tool_pidfile_pid(path), 0);
	/* a file nobody holds: stale */
	snprintf(path, sizeof(path), "%s/d.pid", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	assert_int_equal(write(fd, buf, strlen(buf)), (ssize_t)strlen(buf));
	assert_int_equal(tool_pidfile_pid(path), -1);
	/* held by a live process (a child, so that the lock is another
	 * open file description's) */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int lfd = open(path, O_RDONLY);

		if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	for (tries = 0; tries < 1000 && tool_pidfile_pid(path) != getpid();
	     tries++)
		usleep(10000);
	assert_int_equal(tool_pidfile_pid(path), getpid());
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	assert_int_equal(tool_pidfile_pid(path), -1);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warn_and_fail),
		cmocka_unit_test(test_fail_returns_2),
		cmocka_unit_test(test_die_exits_2),
		cmocka_unit_test(test_errf),
		cmocka_unit_test(test_hexval),
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_unhex_refuses),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_mkdirs),
		cmocka_unit_test(test_pidfile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
