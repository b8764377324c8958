/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault_int.h - what the files of the quarantine vault (vault.h) share.
 *   vault.c          the vault directory and its entries: open, list,
 *                    get, remove, purge; the shared helpers
 *   vault_meta.c     an entry's meta file: format, parse, xattrs
 *   vault_data.c     an entry's data file: the XOR key, the decoder
 *   vault_put.c      vault_put() and its numbered crash-safe steps
 *   vault_restore.c  vault_restore()
 *   vault_export.c   vault_export(): an encrypted ZIP of an entry
 *
 * Functions that can fail take err/errlen as the public ones do, and
 * return a VAULT_* code unless said otherwise.
 */
#ifndef MDESCAN_VAULT_INT_H
#define MDESCAN_VAULT_INT_H

#include <stdint.h>
#include <sys/types.h>

#include <lz4frame.h>
#include <openssl/evp.h>

#include "util.h"
#include "vault.h"

#define CHUNK (256u * 1024)   /* bytes read or decoded at a time */
#define MAGIC "MDEVLT01"      /* the first bytes of a data file */
#define MAGIC_LEN 8
#define TMP_PREFIX ".tmp-"    /* entries being written or removed */

/* ------------------------------------------------------ vault.c */

/* Appends "; reason" (or the reason) to err: warnings accumulate. */
void vault__warn(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* read(2), again on EINTR. */
ssize_t vault__read_some(int fd, void *buf, size_t n);

/* Is id an entry's name (VAULT_ID_LEN lower-case hex digits)? */
int vault__valid_id(const char *id);

/* Splits path: its directory in a new string ("." or "/" when it has
 * none), *base pointing into path.  NULL when out of memory. */
char *vault__split_path(const char *path, const char **base);

/* Closes a and b, those that are not -1. */
void vault__close_fds(int a, int b);

/*
 * Opens the vault directory; create: make it if missing and tighten its
 * mode to 0700.  Returns the descriptor, -1 on error, -2 when it does not
 * exist (and create is 0).  A vault not owned by our euid is an error.
 */
int vault__open(const char *dir, int create, char *err, size_t errlen);

/* Removes the files in temporary directory name of vfd and the
 * directory; nonblock: leave it (1) if a live process holds its lock.
 * 0, or -1 with errno. */
int vault__tmp_remove(int vfd, const char *name, int nonblock);

/* Makes entry id invisible (renamed to .tmp-rm-ID, made durable), then
 * deletes it.  VAULT_NOTFOUND when there is no such entry. */
int vault__entry_delete(int vfd, const char *vdir, const char *id,
			char *err, size_t errlen);

/* Opens the vault (*vfd) and entry id (*efd) and reads its meta into e
 * (zeroed first; release it and close both, which may be -1, also on
 * error). */
int vault__entry_load(const char *vdir, const char *id, int *vfd, int *efd,
		      struct vault_entry *e, char *err, size_t errlen);

/* ------------------------------------------------- vault_meta.c */

/* Adds every xattr of fd (POSIX ACLs are system.posix_acl_*) to e:
 * 0, or -1 with errno. */
int vault__read_xattrs(int fd, struct vault_entry *e);

/* The meta file's text for e, into b: 0, or -1 when out of memory. */
int vault__meta_format(struct tool_buf *b, const struct vault_entry *e);

/* Reads the meta file of the entry in directory efd into b (at most
 * 16 MiB): 0, or -1 with errno. */
int vault__meta_slurp(int efd, struct tool_buf *b);

/* Reads and parses the meta file of entry id (directory efd) into e,
 * zeroed first; on error e holds nothing to release. */
int vault__meta_read(int efd, const char *vdir, const char *id,
		     struct vault_entry *e, char *err, size_t errlen);

/* ------------------------------------------------- vault_data.c */

/* XORs buf[0..n), bytes pos.. of the LZ4 frame, with vault_xor_key. */
void vault__xor(unsigned char *buf, size_t n, uint64_t pos);

/* XORs buf (bytes *pos.. of the frame) and writes it all to fd; *pos
 * advances.  0, or -1 with errno. */
int vault__xor_write(int fd, unsigned char *buf, size_t n, uint64_t *pos);

/* Decoding an entry's data file, the original coming out as it is read. */
struct vault__dec {
	int fd;
	LZ4F_dctx *ctx;
	EVP_MD_CTX *md;
	unsigned char *in;
	size_t in_len, in_off;
	uint64_t pos, out;
	int done;
};

/* Opens the data file of the entry in directory efd (what: its path, for
 * messages).  On error d is closed already. */
int vault__dec_open(struct vault__dec *d, int efd, const char *what,
		    char *err, size_t errlen);

/* Decodes up to len bytes of the original into buf: their count, 0 at
 * the end, -1 on error. */
ssize_t vault__dec_read(struct vault__dec *d, void *buf, size_t len,
			char *err, size_t errlen, const char *what);

/* After the last vault__dec_read: does the content match e's sha256 and
 * size?  VAULT_OK or VAULT_ERR. */
int vault__dec_check(struct vault__dec *d, const struct vault_entry *e,
		     char *err, size_t errlen, const char *what);

/* Frees d and closes its file; d is then as if never opened (fd -1). */
void vault__dec_close(struct vault__dec *d);

/* Decodes the whole entry e (directory efd) into fd (-1: only check it
 * against its SHA-256). */
int vault__dec_all(int efd, const struct vault_entry *e, int fd,
		   const char *what, char *err, size_t errlen);

#endif
