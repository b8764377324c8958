/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_vault.c - libFuzzer harness for the readers of a quarantine vault
 * entry (src/common/vault*.c): a vault on disk may have been tampered
 * with, and listing, restoring or exporting it must never crash.
 *
 * Input: one byte choosing what the rest is, then that file of entry
 * ID in a vault made once under $TMPDIR (or /dev/shm):
 *   byte & 1 == 0: its meta file, read by vault__meta_read() and by
 *                  vault_list() over the vault;
 *   byte & 1 == 1: its data file, after the 8-byte magic and before
 *                  the XOR (the harness applies it, so that the input is
 *                  a plain LZ4 frame), decoded by vault__dec_all().
 * Checks what holds for any input:
 *   - a meta file is taken whole or not at all: on success every key is
 *     there and in range, on failure err says why and e holds nothing;
 *   - vault_list() lists the entry exactly when vault__meta_read() takes
 *     its meta, with the same fields;
 *   - what vault__meta_format() writes for an entry read back gives the
 *     same entry (what a later put writes, the next list reads);
 *   - a data file decodes only to content of the entry's size and
 *     SHA-256 (here: the empty file).
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault_int.h"

#define ID "0123456789abcdef0123456789abcdef"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb924" \
		     "27ae41e4649b934ca495991b7852b855"

static char vdir[256];
static int efd = -1;

static void cleanup(void)
{
	char edir[300];

	unlinkat(efd, "meta", 0);
	unlinkat(efd, "data", 0);
	close(efd);
	snprintf(edir, sizeof(edir), "%s/%s", vdir, ID);
	rmdir(edir);
	rmdir(vdir);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	char edir[300];

	snprintf(vdir, sizeof(vdir), "%s/fuzz-vault-XXXXXX",
		 t && *t ? t : access("/dev/shm", W_OK) == 0 ? "/dev/shm"
							    : "/tmp");
	if (!mkdtemp(vdir))
		abort();
	snprintf(edir, sizeof(edir), "%s/%s", vdir, ID);
	if (mkdir(edir, 0700) < 0)
		abort();
	efd = open(edir, O_RDONLY | O_DIRECTORY);
	if (efd < 0)
		abort();
	atexit(cleanup);
}

static void put_file(const char *name, const void *head, size_t hlen,
		     const uint8_t *p, size_t n)
{
	int fd = openat(efd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || tool_write_all(fd, head, hlen) < 0 ||
	    tool_write_all(fd, p, n) < 0)
		abort();
	close(fd);
}

static int same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Are a and b the same entry, as far as a meta file can say? */
static int same_entry(const struct vault_entry *a, const struct vault_entry *b)
{
	size_t i;

	if (strcmp(a->id, b->id) || strcmp(a->path, b->path) ||
	    a->size != b->size || a->uid != b->uid || a->gid != b->gid ||
	    a->mode != b->mode || !same_time(a->atime, b->atime) ||
	    !same_time(a->mtime, b->mtime) ||
	    !same_time(a->quarantined, b->quarantined) ||
	    strcmp(a->sha256, b->sha256) || strcmp(a->threat, b->threat) ||
	    strcmp(a->scan_id, b->scan_id) || a->nxattrs != b->nxattrs)
		return 0;
	for (i = 0; i < a->nxattrs; i++)
		if (strcmp(a->xattrs[i].name, b->xattrs[i].name) ||
		    a->xattrs[i].len != b->xattrs[i].len ||
		    memcmp(a->xattrs[i].value, b->xattrs[i].value,
			   a->xattrs[i].len))
			return 0;
	return 1;
}

static void check_entry(const struct vault_entry *e)
{
	if (strcmp(e->id, ID) || !e->path || !e->threat || !e->scan_id ||
	    strlen(e->sha256) != 64 || (e->mode & ~07777u) ||
	    e->atime.tv_nsec < 0 || e->atime.tv_nsec > 999999999 ||
	    e->mtime.tv_nsec < 0 || e->mtime.tv_nsec > 999999999 ||
	    e->quarantined.tv_nsec < 0 ||
	    e->quarantined.tv_nsec > 999999999 || (e->nxattrs && !e->xattrs))
		abort();
}

/* Writes e's meta as vault_put would and reads it back: the same. */
static void round_trip(const struct vault_entry *e)
{
	struct tool_buf b = { 0 };
	struct vault_entry back;
	char err[1024];

	if (vault__meta_format(&b, e) < 0)
		abort();
	put_file("meta", "", 0, (const uint8_t *)b.p, b.len);
	if (vault__meta_read(efd, vdir, ID, &back, err, sizeof(err)) !=
		    VAULT_OK ||
	    !same_entry(e, &back))
		abort();
	vault_entry_release(&back);
	tool_buf_free(&b);
}

static void fuzz_meta(const uint8_t *data, size_t size)
{
	struct vault_entry e, *v = NULL;
	char err[1024] = "";
	size_t n = 0;
	int rc, lrc;

	put_file("meta", "", 0, data, size);
	rc = vault__meta_read(efd, vdir, ID, &e, err, sizeof(err));
	if (rc != VAULT_OK && rc != VAULT_ERR)
		abort();
	if (rc != VAULT_OK && (!*err || e.path || e.threat || e.scan_id ||
			       e.xattrs || e.nxattrs))
		abort();
	lrc = vault_list(vdir, &v, &n, err, sizeof(err));
	if (n != (rc == VAULT_OK) || lrc != (rc == VAULT_OK ? VAULT_OK
							    : VAULT_WARN))
		abort();
	if (rc == VAULT_OK) {
		check_entry(&e);
		if (!same_entry(&e, &v[0]))
			abort();
		round_trip(&e);
	}
	vault_entries_free(v, n);
	vault_entry_release(&e);
}

static void fuzz_data(const uint8_t *data, size_t size)
{
	struct vault_entry e = { .id = ID, .size = 0, .sha256 = EMPTY_SHA256 };
	uint8_t *x = malloc(size ? size : 1);
	char err[1024] = "";
	int rc;

	if (!x)
		return;
	memcpy(x, data, size);
	vault__xor(x, size, 0);
	put_file("data", MAGIC, MAGIC_LEN, x, size);
	free(x);
	rc = vault__dec_all(efd, &e, -1, vdir, err, sizeof(err));
	if ((rc != VAULT_OK && rc != VAULT_ERR) || (rc != VAULT_OK && !*err))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (efd < 0)
		setup();
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_data(data + 1, size - 1);
	else
		fuzz_meta(data + 1, size - 1);
	return 0;
}
