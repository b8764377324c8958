/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault.h - the quarantine vault: files moved out of the way, kept
 * compressed and neutralised, with what is needed to put them back.
 *
 * A tool-side module (mdescan links it; the engine does not): it never
 * prints and never exits.  Every function that can fail takes err/errlen
 * and leaves there one line of text naming the file and the reason.
 *
 * On-disk layout (format 1), VAULT being the vault directory (mode 0700,
 * owned by the user running mdescan; made with its parents on first put):
 *
 *   VAULT/ID/            an entry; ID is 32 lowercase hex digits (16 bytes
 *                        from getrandom), directory mode 0700
 *   VAULT/ID/data        mode 0600: the 8 bytes "MDEVLT01", then an LZ4
 *                        frame (with content checksum) of the file, every
 *                        byte of the frame XORed with vault_xor_key[i % 32]
 *                        (i counted from the start of the frame), so that
 *                        neither the file nor its LZ4 literals can match a
 *                        signature, nor can the frame be unpacked by a
 *                        scanner that opens LZ4
 *   VAULT/ID/meta        mode 0600: text, one "KEY VALUE" per line, first
 *                        line "mdescan-quarantine 1"; keys id, path, size,
 *                        uid, gid, mode (octal), atime, mtime (SEC.NSEC),
 *                        sha256, threat, scan-id, quarantined (SEC.NSEC),
 *                        and one "xattr NAME HEXVALUE" per extended
 *                        attribute; in path, threat, scan-id and NAME the
 *                        bytes 0x00-0x20, 0x7f and '%' are written %XX
 *   VAULT/.tmp-*         an entry being written or removed: invisible to
 *                        list, removed by purge once no process holds it
 *
 * An entry is built under VAULT/.tmp-ID, its files and directory fsync'ed,
 * its data read back and checked against the SHA-256, and only then
 * renamed to VAULT/ID (and VAULT fsync'ed): a crash at any point leaves
 * the original file, a complete entry, or both.
 */
#ifndef MDESCAN_VAULT_H
#define MDESCAN_VAULT_H

#include "paths.h"
#include "safepath.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define VAULT_DEFAULT_DIR MDE_STATE_DIR "/quarantine"
#define VAULT_ID_LEN 32 /* hex digits; an id buffer needs VAULT_ID_LEN + 1 */

/* Test-only: MDESCAN_TEST_CRASH_STEP=N makes vault_put raise(SIGKILL) at
 * its Nth step (1-based; a number past the last step changes nothing). */
#define VAULT_CRASH_ENV "MDESCAN_TEST_CRASH_STEP"

/* Test-only: when set, called with the step number at each step of
 * vault_put (before the crash check); unit tests change the file there. */
extern void (*vault_test_hook)(int step);

enum vault_rc {
	VAULT_OK = 0,
	VAULT_WARN = 1,       /* done, but not all of it: the reasons in err */
	VAULT_ERR = -1,       /* failed; nothing changed (the reason in err) */
	VAULT_CHANGED = -2,   /* vault_put: the file changed while it was being
			       * quarantined, or since it was scanned (sha256
			       * given): it is left in place, no entry kept */
	VAULT_REFUSED = -3,   /* vault_put: a symlink or not a regular file,
			       * or a symlink among the directories of its
			       * path (safepath.h); vault_restore, export:
			       * a symlink on the destination's path */
	VAULT_NOTFOUND = -4,  /* no entry with that id */
	VAULT_EXISTS = -5,    /* vault_restore: the destination exists and
			       * VAULT_FORCE was not given */
};

/* The 32-byte key the LZ4 frame of every data file is XORed with. */
extern const unsigned char vault_xor_key[32];

/* What the scanner knows about the file it quarantines; any may be NULL. */
struct vault_meta {
	const char *threat;  /* signature name */
	const char *scan_id; /* whatever identifies the scan */
	const char *sha256;  /* 64 hex digits of the content as scanned: the
			      * put fails with VAULT_CHANGED if it differs */
	const struct safepath_id *scanned; /* the file as scanned: the put
					    * fails with VAULT_CHANGED unless
					    * it is still that file */
};

struct vault_xattr {
	char *name;
	unsigned char *value;
	size_t len;
};

/* One entry, as read back from its meta file. */
struct vault_entry {
	char id[VAULT_ID_LEN + 1];
	char *path;            /* the original path (absolute) */
	uint64_t size;         /* bytes of the original */
	uid_t uid;
	gid_t gid;
	mode_t mode;           /* permission bits (07777) */
	struct timespec atime, mtime;
	struct timespec quarantined;
	char sha256[65];
	char *threat;          /* "" when not known */
	char *scan_id;         /* "" when not known */
	struct vault_xattr *xattrs;
	size_t nxattrs;
};

/*
 * Quarantines path: copies it into a new entry of vault_dir (made if
 * missing), checks the copy, then unlinks path.  fd, when not -1, is an
 * open readable descriptor of that same file (read with pread, not
 * closed); otherwise the file is opened here.  Symbolic links and anything
 * but a regular file are refused.  On VAULT_OK the new id is in id_out
 * (idlen >= VAULT_ID_LEN + 1).  On any other result the file is where it
 * was and no entry is left behind.
 */
int vault_put(const char *vault_dir, const char *path, int fd,
	      const struct vault_meta *m, char *id_out, size_t idlen,
	      char *err, size_t errlen);

/*
 * Reads every entry of vault_dir, oldest first, into a new array *out of
 * *n entries (free with vault_entries_free).  A missing vault is empty.
 * Entries whose meta cannot be read are left out: VAULT_WARN, and err
 * names the first.
 */
int vault_list(const char *vault_dir, struct vault_entry **out, size_t *n,
	       char *err, size_t errlen);

/* Frees what vault_list returned; accepts NULL. */
void vault_entries_free(struct vault_entry *v, size_t n);

/* Reads entry id into *e (release with vault_entry_release). */
int vault_get(const char *vault_dir, const char *id, struct vault_entry *e,
	      char *err, size_t errlen);

/* Frees the strings and xattrs of *e (not e itself); accepts NULL. */
void vault_entry_release(struct vault_entry *e);

#define VAULT_FORCE 1u /* vault_restore: replace an existing file */

/*
 * Writes entry id back, byte-identical, with its owner, mode, xattrs and
 * timestamps, to dest: its original path when dest is NULL, the file dest
 * names, or dest/BASENAME when dest is a directory (not a symlink to one).
 * The file is made under a temporary name beside dest and renamed into
 * place, so a symlink at dest is replaced, never followed; an existing
 * dest is refused (VAULT_EXISTS) unless flags has VAULT_FORCE.  Then the
 * entry is removed.  VAULT_WARN when the owner or some xattrs could not be
 * set (e.g. security.* without privilege): the file is restored anyway.
 * The path written is put in restored (may be NULL) when it succeeds.
 */
int vault_restore(const char *vault_dir, const char *id, const char *dest,
		  unsigned flags, char *restored, size_t restoredlen,
		  char *err, size_t errlen);

/* Deletes entry id. */
int vault_remove(const char *vault_dir, const char *id, char *err,
		 size_t errlen);

/*
 * Writes entry id to a new ZIP file zip_path (refused if it exists) with
 * two members, the file under its original base name and its meta as
 * ID.meta, both encrypted with AES-256 and password.
 */
int vault_export(const char *vault_dir, const char *id, const char *zip_path,
		 const char *password, char *err, size_t errlen);

/*
 * Removes the entries quarantined at or before cutoff (seconds since the
 * epoch) and the leftovers of interrupted puts and removes that no live
 * process holds; *removed (may be NULL) counts the entries.
 */
int vault_purge(const char *vault_dir, time_t cutoff, size_t *removed,
		char *err, size_t errlen);

#endif
