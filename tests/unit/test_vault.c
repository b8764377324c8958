/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_vault.c - unit tests for the quarantine vault (vault.c).
 *
 * Each test works in a fresh temporary directory (under $TMPDIR, /tmp
 * otherwise): the files to quarantine in it, the vault in DIR/vault.
 * The content is never malware: a marker string stands for the bytes a
 * scanner must not find in the vault.  vault_test_hook lets a test change
 * the file at a given step of vault_put.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vault.h"

#define MARKER "MDESCAN-VAULT-TEST-MARKER-0123456789"

struct ctx {
	char dir[256];
	char vault[300];
	char err[4096];
	char id[VAULT_ID_LEN + 1];
};

/* ------------------------------------------------------------ helpers */

static void path_of(char *out, size_t n, const struct ctx *c, const char *name)
{
	snprintf(out, n, "%s/%s", c->dir, name);
}

/* Writes len bytes of a pattern with MARKER every 4 KiB to path. */
static void make_file(const char *path, size_t len, mode_t mode)
{
	FILE *fp = fopen(path, "wb");
	size_t i;

	assert_non_null(fp);
	for (i = 0; i < len; i++) {
		if (i % 4096 == 0 && len - i >= sizeof MARKER - 1) {
			fputs(MARKER, fp);
			i += sizeof MARKER - 2;
			continue;
		}
		fputc((int)((i * 7 + i / 251) & 0xff), fp);
	}
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Reads a whole file into a new buffer; *len its size. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static int contains(const unsigned char *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

static void rm_rf(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

/* Names in dir starting with prefix; prefix NULL: names not starting
 * with a dot (the entries, in a vault). */
static int count_names(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (prefix ? !strncmp(de->d_name, prefix, strlen(prefix))
			   : de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);
	const char *tmp = getenv("TMPDIR");

	assert_non_null(c);
	snprintf(c->dir, sizeof c->dir, "%s/test_vault.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->vault, sizeof c->vault, "%s/vault", c->dir);
	vault_test_hook = NULL;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	vault_test_hook = NULL;
	rm_rf(c->dir);
	free(c);
	return 0;
}

static int put(struct ctx *c, const char *path, const char *threat)
{
	struct vault_meta m = { .threat = threat, .scan_id = "scan-42" };

	c->err[0] = '\0';
	return vault_put(c->vault, path, -1, &m, c->id, sizeof c->id, c->err,
			 sizeof c->err);
}

/* ------------------------------------------------------------ tests */

/* put, list, restore: content, owner, mode, times, xattrs come back. */
static void t_round_trip(void **state)
{
	struct ctx *c = *state;
	char f[512], data[600];
	unsigned char *before, *after, *vdata;
	size_t blen, alen, vlen, n;
	struct timespec ts[2] = { { 1500000000, 123456789 },
				  { 1600000000, 987654321 } };
	struct vault_entry *v;
	struct stat st;
	int have_xattr;
	char xv[16];

	path_of(f, sizeof f, c, "sample.bin");
	make_file(f, 300000, 0640);
	before = slurp(f, &blen);
	have_xattr = setxattr(f, "user.mdescan-test", "v\0al", 4, 0) == 0;
	assert_int_equal(utimensat(AT_FDCWD, f, ts, 0), 0);

	assert_int_equal(put(c, f, "Test.Marker"), VAULT_OK);
	assert_int_equal(strlen(c->id), VAULT_ID_LEN);
	assert_int_equal(access(f, F_OK), -1);

	/* neutralised: 0600 in a 0700 tree, no plain text, no LZ4 magic */
	assert_int_equal(stat(c->vault, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(data, sizeof data, "%s/%s/data", c->vault, c->id);
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	vdata = slurp(data, &vlen);
	assert_non_null(vdata);
	assert_true(vlen < blen / 2);
	assert_false(contains(vdata, vlen, MARKER));
	assert_false(contains(vdata, vlen, "\x04\x22\x4d\x18"));
	free(vdata);

	assert_int_equal(vault_list(c->vault, &v, &n, c->err, sizeof c->err),
			 VAULT_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, c->id);
	assert_string_equal(v[0].path, f);
	assert_string_equal(v[0].threat, "Test.Marker");
	assert_string_equal(v[0].scan_id, "scan-42");
	assert_int_equal(v[0].size, blen);
	assert_int_equal(v[0].mode, 0640);
	assert_int_equal(v[0].uid, geteuid());
	assert_int_equal(v[0].mtime.tv_sec, 1600000000);
	assert_int_equal(v[0].mtime.tv_nsec, 987654321);
	assert_int_equal(v[0].nxattrs, have_xattr ? 1 : 0);
	vault_entries_free(v, n);

	assert_int_equal(vault_restore(c->vault, c->id, NULL, 0, NULL, 0,
				       c->err, sizeof c->err), VAULT_OK);
	assert_int_equal(stat(f, &st), 0); /* before reading: atime */
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_atim.tv_sec, 1500000000);
	assert_int_equal(st.st_atim.tv_nsec, 123456789);
	assert_int_equal(st.st_mtim.tv_sec, 1600000000);
	assert_int_equal(st.st_mtim.tv_nsec, 987654321);
	if (have_xattr) {
		assert_int_equal(getxattr(f, "user.mdescan-test", xv,
					  sizeof xv), 4);
		assert_memory_equal(xv, "v\0al", 4);
	}
	after = slurp(f, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);

	/* the entry is gone once restored */
	assert_int_equal(vault_list(c->vault, &v, &n, c->err, sizeof c->err),
			 VAULT_OK);
	assert_int_equal(n, 0);
	vault_entries_free(v, n);
}

/* The metadata survives odd names, an empty file, a caller's fd. */
static void t_metadata(void **state)
{
	struct ctx *c = *state;
	char f[512], meta[600], want[600];
	struct vault_entry e;
	unsigned char *m;
	size_t mlen;
	struct stat st;
	int fd;

	path_of(f, sizeof f, c, "odd name %41\nline\t.txt");
	make_file(f, 0, 0600);
	fd = open(f, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(vault_put(c->vault, f, fd, NULL, c->id, sizeof c->id,
				   c->err, sizeof c->err), VAULT_OK);
	close(fd);
	snprintf(meta, sizeof meta, "%s/%s/meta", c->vault, c->id);
	assert_int_equal(stat(meta, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	m = slurp(meta, &mlen);
	assert_true(contains(m, mlen, "odd%20name%20%2541%0Aline%09.txt\n"));
	assert_true(contains(m, mlen, "mdescan-quarantine 1\n"));
	free(m);

	assert_int_equal(vault_get(c->vault, c->id, &e, c->err, sizeof c->err),
			 VAULT_OK);
	assert_string_equal(e.path, f);
	assert_string_equal(e.threat, "");
	assert_int_equal(e.size, 0);
	/* sha256 of nothing */
	assert_string_equal(e.sha256, "e3b0c44298fc1c149afbf4c8996fb924"
				      "27ae41e4649b934ca495991b7852b855");
	assert_true(e.quarantined.tv_sec >= time(NULL) - 60);
	vault_entry_release(&e);

	snprintf(want, sizeof want, "%s/restored", c->dir);
	assert_int_equal(vault_restore(c->vault, c->id, want, 0, NULL, 0,
				       c->err, sizeof c->err), VAULT_OK);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_size, 0);
}

/* Symlinks, directories, FIFOs and missing files are refused. */
static void t_refusals(void **state)
{
	struct ctx *c = *state;
	char f[512], l[512], d[512], p[512];
	struct stat st;

	path_of(f, sizeof f, c, "target");
	path_of(l, sizeof l, c, "link");
	path_of(d, sizeof d, c, "adir");
	path_of(p, sizeof p, c, "fifo");
	make_file(f, 100, 0644);
	assert_int_equal(symlink(f, l), 0);
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(mkfifo(p, 0644), 0);

	assert_int_equal(put(c, l, "X"), VAULT_REFUSED);
	assert_non_null(strstr(c->err, "symbolic link"));
	assert_non_null(strstr(c->err, l));
	assert_int_equal(lstat(l, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(put(c, d, "X"), VAULT_REFUSED);
	assert_int_equal(put(c, p, "X"), VAULT_REFUSED);
	assert_int_equal(lstat(p, &st), 0);
	path_of(f, sizeof f, c, "missing");
	assert_int_equal(put(c, f, "X"), VAULT_ERR);
	assert_non_null(strstr(c->err, "missing"));
	assert_int_equal(count_names(c->vault, NULL), 0);
}

static const char *hook_path;
static int hook_step;
static int hook_mode; /* 0 append, 1 replace by another file */

static void change_hook(int step)
{
	char tmp[600];
	FILE *fp;

	if (step != hook_step)
		return;
	if (hook_mode == 0) {
		fp = fopen(hook_path, "ab");
		assert_non_null(fp);
		fputs("appended", fp);
		fclose(fp);
		return;
	}
	snprintf(tmp, sizeof tmp, "%s.new", hook_path);
	make_file(tmp, 10, 0644);
	assert_int_equal(rename(tmp, hook_path), 0);
}

/* A file that changes between hashing and unlink stays, no entry kept. */
static void t_changed(void **state)
{
	struct ctx *c = *state;
	struct vault_meta m = { .sha256 = "00000000000000000000000000000000"
					  "00000000000000000000000000000000" };
	static const int steps[] = { 1, 2, 3, 8, 9, 10 };
	char f[512];
	struct stat st;
	size_t i;

	path_of(f, sizeof f, c, "changing");
	make_file(f, 1000, 0644);
	/* the scanner's hash differs: changed since the scan */
	assert_int_equal(vault_put(c->vault, f, -1, &m, c->id, sizeof c->id,
				   c->err, sizeof c->err), VAULT_CHANGED);
	assert_int_equal(stat(f, &st), 0);

	hook_path = f;
	vault_test_hook = change_hook;
	for (hook_mode = 0; hook_mode < 2; hook_mode++) {
		for (i = 0; i < sizeof steps / sizeof *steps; i++) {
			hook_step = steps[i];
			print_message("# change at step %d, mode %d\n",
				      hook_step, hook_mode);
			assert_int_equal(put(c, f, "X"), VAULT_CHANGED);
			assert_non_null(strstr(c->err, "left in place"));
			assert_int_equal(stat(f, &st), 0);
			assert_int_equal(count_names(c->vault, NULL), 0);
			assert_int_equal(count_names(c->vault, ".tmp-"), 0);
		}
	}
	vault_test_hook = NULL;
	assert_int_equal(put(c, f, "X"), VAULT_OK);
}

/* restore: no overwrite without force; never through a symlink. */
static void t_restore_guards(void **state)
{
	struct ctx *c = *state;
	char f[512], other[512], link[512], dir[512], in_dir[600];
	unsigned char *b;
	size_t n;
	struct stat st;

	path_of(f, sizeof f, c, "victim");
	path_of(other, sizeof other, c, "precious");
	path_of(link, sizeof link, c, "trap");
	path_of(dir, sizeof dir, c, "restore-here");
	make_file(f, 5000, 0644);
	make_file(other, 3, 0644);
	assert_int_equal(put(c, f, "X"), VAULT_OK);

	/* something at the original path */
	make_file(f, 7, 0644);
	assert_int_equal(vault_restore(c->vault, c->id, NULL, 0, NULL, 0,
				       c->err, sizeof c->err), VAULT_EXISTS);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_size, 7);

	/* a symlink at the destination is neither followed nor replaced */
	assert_int_equal(symlink(other, link), 0);
	assert_int_equal(vault_restore(c->vault, c->id, link, 0, NULL, 0,
				       c->err, sizeof c->err), VAULT_EXISTS);
	assert_int_equal(vault_restore(c->vault, c->id, link, VAULT_FORCE,
				       NULL, 0, c->err, sizeof c->err),
			 VAULT_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 5000);
	assert_int_equal(stat(other, &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(count_names(c->dir, ".mdescan-restore-"), 0);

	/* --force over the original; a directory destination */
	make_file(f, 5000, 0644);
	assert_int_equal(put(c, f, "X"), VAULT_OK);
	make_file(f, 7, 0644);
	assert_int_equal(vault_restore(c->vault, c->id, NULL, VAULT_FORCE,
				       NULL, 0, c->err, sizeof c->err),
			 VAULT_OK);
	b = slurp(f, &n);
	assert_int_equal(n, 5000);
	free(b);
	assert_int_equal(put(c, f, "X"), VAULT_OK);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(in_dir, sizeof in_dir, "%s/victim", dir);
	assert_int_equal(vault_restore(c->vault, c->id, dir, 0, NULL, 0,
				       c->err, sizeof c->err), VAULT_OK);
	assert_int_equal(stat(in_dir, &st), 0);
	assert_int_equal(st.st_size, 5000);
}

/* remove, unknown ids, damaged entries */
static void t_remove_and_damage(void **state)
{
	struct ctx *c = *state;
	char f[512], meta[600], id2[VAULT_ID_LEN + 1];
	struct vault_entry *v, e;
	size_t n;
	FILE *fp;

	assert_int_equal(vault_remove(c->vault, "0123", c->err, sizeof c->err),
			 VAULT_NOTFOUND); /* no vault yet */
	path_of(f, sizeof f, c, "a");
	make_file(f, 10, 0644);
	assert_int_equal(put(c, f, "X"), VAULT_OK);
	memcpy(id2, c->id, sizeof id2);
	make_file(f, 10, 0644);
	assert_int_equal(put(c, f, "X"), VAULT_OK);

	assert_int_equal(vault_remove(c->vault, "../vault", c->err,
				      sizeof c->err), VAULT_NOTFOUND);
	assert_int_equal(vault_get(c->vault, "ffffffffffffffffffffffffffffffff",
				   &e, c->err, sizeof c->err), VAULT_NOTFOUND);
	assert_int_equal(vault_remove(c->vault, id2, c->err, sizeof c->err),
			 VAULT_OK);
	assert_int_equal(vault_remove(c->vault, id2, c->err, sizeof c->err),
			 VAULT_NOTFOUND);

	snprintf(meta, sizeof meta, "%s/%s/meta", c->vault, c->id);
	fp = fopen(meta, "w");
	assert_non_null(fp);
	fputs("mdescan-quarantine 1\nid nonsense\n", fp);
	fclose(fp);
	assert_int_equal(vault_list(c->vault, &v, &n, c->err, sizeof c->err),
			 VAULT_WARN);
	assert_int_equal(n, 0);
	assert_non_null(strstr(c->err, "damaged metadata"));
	vault_entries_free(v, n);
	assert_int_equal(vault_remove(c->vault, c->id, c->err, sizeof c->err),
			 VAULT_OK);
	assert_int_equal(count_names(c->vault, NULL), 0);
}

/* purge: by age, and the leftovers nobody holds */
static void t_purge(void **state)
{
	struct ctx *c = *state;
	char f[512], tmp1[600], tmp2[600], junk[700];
	size_t removed;
	int lock;

	path_of(f, sizeof f, c, "p");
	make_file(f, 10, 0644);
	assert_int_equal(put(c, f, "X"), VAULT_OK);
	make_file(f, 10, 0644);
	assert_int_equal(put(c, f, "X"), VAULT_OK);
	snprintf(tmp1, sizeof tmp1, "%s/.tmp-dead", c->vault);
	snprintf(tmp2, sizeof tmp2, "%s/.tmp-busy", c->vault);
	assert_int_equal(mkdir(tmp1, 0700), 0);
	assert_int_equal(mkdir(tmp2, 0700), 0);
	snprintf(junk, sizeof junk, "%s/data", tmp1);
	make_file(junk, 10, 0600);
	lock = open(tmp2, O_RDONLY | O_DIRECTORY);
	assert_true(lock >= 0);
	assert_int_equal(flock(lock, LOCK_EX), 0);

	assert_int_equal(vault_purge(c->vault, time(NULL) - 86400, &removed,
				     c->err, sizeof c->err), VAULT_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(count_names(c->vault, NULL), 2);
	assert_int_equal(access(tmp1, F_OK), -1);
	assert_int_equal(access(tmp2, F_OK), 0); /* someone works in it */
	close(lock);
	assert_int_equal(vault_purge(c->vault, time(NULL) + 1, &removed,
				     c->err, sizeof c->err), VAULT_OK);
	assert_int_equal(removed, 2);
	assert_int_equal(access(tmp2, F_OK), -1);
	assert_int_equal(count_names(c->vault, NULL), 0);
}

/* export: an AES-encrypted zip (extra field 0x9901), no plain text */
static void t_export(void **state)
{
	struct ctx *c = *state;
	char f[512], zip[512];
	unsigned char *z;
	size_t n;

	path_of(f, sizeof f, c, "exp.bin");
	path_of(zip, sizeof zip, c, "out.zip");
	make_file(f, 20000, 0644);
	assert_int_equal(put(c, f, "X"), VAULT_OK);
	assert_int_equal(vault_export(c->vault, c->id, zip, "infected", c->err,
				      sizeof c->err), VAULT_OK);
	z = slurp(zip, &n);
	assert_non_null(z);
	assert_memory_equal(z, "PK\3\4", 4);
	assert_true(contains(z, n, "exp.bin"));
	assert_true(memmem(z, n, "\x01\x99\x07\x00", 4) != NULL);
	assert_false(contains(z, n, MARKER));
	free(z);
	/* never over an existing file; the entry stays */
	assert_int_equal(vault_export(c->vault, c->id, zip, "infected", c->err,
				      sizeof c->err), VAULT_ERR);
	assert_non_null(strstr(c->err, zip));
	assert_int_equal(vault_remove(c->vault, c->id, c->err, sizeof c->err),
			 VAULT_OK);
}

/* A POSIX ACL is an xattr: it goes and comes back (needs ACL support and
 * the right to set it: skipped otherwise). */
static void t_acl(void **state)
{
	struct ctx *c = *state;
	/* user::rw- user:12345:r-- group::r-- mask::r-- other::--- */
	static const unsigned char acl[] = {
		2, 0, 0, 0,
		1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
		2, 0, 4, 0, 0x39, 0x30, 0, 0,
		4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
	};
	unsigned char got[64];
	char f[512];

	path_of(f, sizeof f, c, "acl");
	make_file(f, 10, 0640);
	if (setxattr(f, "system.posix_acl_access", acl, sizeof acl, 0) < 0)
		skip();
	assert_int_equal(put(c, f, "X"), VAULT_OK);
	assert_int_equal(vault_restore(c->vault, c->id, NULL, 0, NULL, 0,
				       c->err, sizeof c->err), VAULT_OK);
	assert_int_equal(getxattr(f, "system.posix_acl_access", got,
				  sizeof got), (ssize_t)sizeof acl);
	assert_memory_equal(got, acl, sizeof acl);
}

/* A damaged data file is caught by restore; nothing is written. */
static void t_damaged_data(void **state)
{
	struct ctx *c = *state;
	char f[512], data[600];
	int fd;

	path_of(f, sizeof f, c, "dmg");
	make_file(f, 50000, 0644);
	assert_int_equal(put(c, f, "X"), VAULT_OK);
	snprintf(data, sizeof data, "%s/%s/data", c->vault, c->id);
	fd = open(data, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff\xff\xff", 3, 40), 3);
	close(fd);
	assert_int_not_equal(vault_restore(c->vault, c->id, NULL, 0, NULL, 0,
					   c->err, sizeof c->err), VAULT_OK);
	assert_int_equal(access(f, F_OK), -1);
	assert_int_equal(count_names(c->dir, ".mdescan-restore-"), 0);
	assert_int_equal(truncate(data, 20), 0);
	assert_int_not_equal(vault_restore(c->vault, c->id, NULL, 0, NULL, 0,
					   c->err, sizeof c->err), VAULT_OK);
	assert_int_equal(access(f, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(t_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(t_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(t_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(t_restore_guards, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_remove_and_damage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(t_export, setup, teardown),
		cmocka_unit_test_setup_teardown(t_acl, setup, teardown),
		cmocka_unit_test_setup_teardown(t_damaged_data, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
