/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.h - small helpers every tool uses: the "prog: message" printer,
 * the "reason" formatter of functions that take err/errlen, hex digits,
 * growable buffers and arrays, whole writes, mkdir -p, the pidfile
 * check.  One copy each here, where the tools used to carry their own.
 */
#ifndef MDE_TOOL_UTIL_H
#define MDE_TOOL_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The name messages start with ("mdescan"); set once in main(). */
void tool_set_name(const char *prog);
const char *tool_name(void);

/* "prog: MESSAGE\n" on stderr. */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tool_vwarn(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* tool_warn(), then returns 2: `return tool_fail(...)` from a command. */
int tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tool_warn(), then exit(2). */
void tool_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/*
 * Formats the reason into err (nothing when err is NULL or errlen 0) and
 * returns rc, for the functions that report through err/errlen:
 * `return tool_errf(err, errlen, -1, "cannot open '%s': %s", ...)`.
 */
int tool_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The value of hex digit c (either case), -1 when c is none. */
int tool_hexval(int c);

/* Writes 2 * n lower-case hex digits of in, and a NUL, to out. */
void tool_hex(const uint8_t *in, size_t n, char *out);

/* Decodes 2 * n hex digits of s into out; -1 (out undefined) on a
 * non-digit. */
int tool_unhex(const char *s, size_t n, uint8_t *out);

/* A growable byte buffer, always NUL-terminated when p is set.  Zero
 * it to start; tool_buf_free() releases it. */
struct tool_buf {
	char *p;
	size_t len, cap;
};

/* Appends n bytes; -1 when out of memory (b is unchanged). */
int tool_buf_put(struct tool_buf *b, const void *s, size_t n);
/* Appends the formatted text (any length); -1 when out of memory. */
int tool_buf_printf(struct tool_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Frees the bytes and zeroes b (ready to use again). */
void tool_buf_free(struct tool_buf *b);

/*
 * Makes room for want elements of size bytes in the array p, of *cap
 * elements (grown by doubling, to at least want; *cap updated).  Returns
 * the array, perhaps moved, or NULL when out of memory: p is then
 * unchanged and still the caller's to free.
 */
void *tool_grow(void *p, size_t *cap, size_t want, size_t size);

/* A growable array of strings it owns, NULL-terminated when v is set.
 * Zero it to start; tool_strv_free() releases it. */
struct tool_strv {
	char **v;
	size_t n, cap;
};

/* Appends a copy of s; -1 when out of memory (sv is unchanged). */
int tool_strv_push(struct tool_strv *sv, const char *s);
/* Frees the strings and the array, and zeroes sv. */
void tool_strv_free(struct tool_strv *sv);

/* write(2) until all n bytes are written: a short write is retried (so
 * that a full disk reports ENOSPC), and so is EINTR.  0, or -1 with
 * errno set. */
int tool_write_all(int fd, const void *buf, size_t n);

/* "dir/base" in a new string ("/base" when dir is "/"); NULL when out of
 * memory. */
char *tool_path_join(const char *dir, const char *base);

/*
 * path as an absolute, canonical path in a new string, for what is
 * recorded and outlives the shell that named it (the history, the store):
 * its directory resolved (symbolic links, "." and ".."), its last name
 * kept as it is, so that a link or a file since removed is still named as
 * given.  A directory that does not exist leaves path joined to the
 * working directory.  NULL when out of memory.
 */
char *tool_abspath(const char *path);

/* mkdir -p dir: its missing parents mode 0755, dir itself mode (an
 * existing directory is left as it is).  0, or -1 with errno set by the
 * first mkdir that failed. */
int tool_mkdirs(const char *dir, mode_t mode);

/*
 * The pid in pidfile while the daemon that wrote it still holds its lock
 * (a shared flock fails) and the pid exists: 0 when no file, -1 for a
 * stale file.
 */
pid_t tool_pidfile_pid(const char *pidfile);

#endif
