/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exclude.h - the exclusion matcher (mdatp-style path, folder and
 * extension exclusions).  Internal to libmde.
 *
 * Path patterns (MDE_EXCL_PATH, MDE_EXCL_DIR) are absolute; repeated '/'
 * are collapsed.  '*' matches any run of characters within one path
 * component, except as the last character of the pattern, where it
 * matches anything, '/' included.  '?' matches one character, never
 * '/'.  A character is a valid UTF-8 sequence, or else one byte; if the
 * pattern itself is not valid UTF-8, every character is one byte.  No
 * other character is special; there is no escape.
 *
 *   MDE_EXCL_DIR, or MDE_EXCL_PATH ending in '/': folder; every file and
 *       directory below a matching directory is excluded, and the
 *       directory itself is not descended into.
 *   MDE_EXCL_PATH without wildcards: that path; if it is a directory,
 *       everything below it too.
 *   MDE_EXCL_PATH ending in '*': every path it matches, at any depth.
 *   MDE_EXCL_PATH with other wildcards: files whose whole path matches.
 *   MDE_EXCL_EXT "log", ".log" or "*.log": files whose name ends in
 *       ".log" (case-sensitive; the last '.'-suffix of the name, leading
 *       dots of the name not counting: ".bashrc" has no extension).
 *
 * Paths given to the matchers are absolute, without repeated '/'; one
 * trailing '/' is ignored.  A matcher is read-only once built, so it may
 * be shared by threads.
 */
#ifndef MDE_EXCLUDE_H
#define MDE_EXCLUDE_H

#include <stdbool.h>
#include <stddef.h>

#include "mde_int.h"

/* The engine's own name for the public mde_exclusions (one struct: the
 * public set is the matcher an engine's walk uses). */
typedef struct mde_exclusions mde__excl;

/* Returns a new, empty matcher, or NULL on no memory. */
mde__excl *mde__excl_new(void);

/* Frees x; NULL is allowed. */
void mde__excl_free(mde__excl *x);

/*
 * Adds one exclusion; pattern is copied.  Returns MDE_OK, MDE_ERR_ARG
 * (NULL or empty pattern, relative path pattern, a "." or ".." component,
 * an extension that is empty or holds '/', '.', '*' or '?', unknown kind),
 * or MDE_ERR_NOMEM (x is unchanged).
 */
int mde__excl_add(mde__excl *x, mde_excl_kind kind, const char *pattern);

/* True if the file at absolute path p[0..n) is excluded: by a path
 * pattern, by its extension, or by a folder exclusion containing it. */
bool mde__excl_file(const mde__excl *x, const char *p, size_t n);

/* True if the directory at absolute path p[0..n) is excluded as a whole,
 * so the walker need not descend into it. */
bool mde__excl_dir(const mde__excl *x, const char *p, size_t n);

/* True if x holds no exclusion (or x is NULL). */
bool mde__excl_empty(const mde__excl *x);

#endif /* MDE_EXCLUDE_H */
