/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdecfg.h - the configuration file, /etc/mdescan/mdescan.conf, read by
 * every tool (config.c), and the helpers `mdescan exclusion` edits it with.
 *
 * (Not "config.h": that name is autoconf's, and every source file here
 * includes it; a src/config.h would shadow it.)
 *
 * Format (mdescan.conf(5)): `key = value` lines, '#' comments, blank
 * lines; values optionally in double quotes with \" and \\ escapes.
 * After the file, the drop-ins PATH.d/[!.]*.conf are read in byte order
 * of their names: a drop-in's scalar replaces the one read before it,
 * repeatable keys accumulate.  Any bad line fails the whole load with
 * "FILE:LINE: reason": never a half configuration.
 */
#ifndef MDESCAN_MDECFG_H
#define MDESCAN_MDECFG_H

#include "paths.h"

#include <stddef.h>
#include <stdint.h>

#define MDECFG_DEFAULT_PATH MDE_CONF_DIR "/mdescan.conf"
#define MDECFG_LINE_MAX 4096            /* bytes of a line, without '\n' */
#define MDECFG_FILE_MAX (16u << 20)     /* bytes of one file */

struct mdecfg;

/* What a key's value is (mdescan.conf(5), TYPES). */
enum mdecfg_type {
	MDECFG_BOOL,    /* yes no true false 1 0 */
	MDECFG_INT,     /* decimal, within [min, max] */
	MDECFG_SIZE,    /* decimal bytes with an optional K, M or G */
	MDECFG_SECONDS, /* decimal with an optional s, m, h or d */
	MDECFG_ENUM,    /* one of words */
	MDECFG_LIST,    /* comma-separated words, each one of words */
	MDECFG_PATH,    /* an absolute path */
	MDECFG_PATTERN, /* an exclusion path pattern (mdescan(1) EXCLUSIONS) */
	MDECFG_EXT,     /* a file extension: log, .log or *.log */
	MDECFG_THREAT,  /* a threat name or a SHA-256 (64 hex digits) */
	MDECFG_SOURCE,  /* an absolute path or an http(s) URL */
	MDECFG_MODE,    /* permission bits in octal, at most max */
	MDECFG_NAME,    /* a user or group name, or a number */
	MDECFG_ADDR     /* an IPv4 or IPv6 address */
};

/* One row of the key table. */
struct mdecfg_key {
	const char *name;
	enum mdecfg_type type;
	int repeatable;
	int64_t min, max;          /* INT, SIZE, SECONDS */
	const char *const *words;  /* ENUM, LIST: NULL-terminated */
	const char *def;           /* the default, as the man page says it */
	const char *doc;           /* one line */
};

/* The key table, sorted by name; mdecfg_nkeys rows. */
extern const struct mdecfg_key mdecfg_keys[];
extern const size_t mdecfg_nkeys;

/* The row of key name[0..n), or NULL if there is no such key. */
const struct mdecfg_key *mdecfg_find_key(const char *name, size_t n);

/* A value as read, and where it came from. */
struct mdecfg_val {
	const struct mdecfg_key *key;
	const char *value; /* unquoted text */
	int64_t num;       /* BOOL 0/1, INT, SIZE (bytes), SECONDS, ENUM
			    * index */
	const char *file;
	unsigned line;
};

/* $MDESCAN_CONF when set and not empty (tests), else MDECFG_DEFAULT_PATH. */
const char *mdecfg_default_path(void);

/*
 * Reads path and then its drop-ins (path.d/ *.conf).  A missing path is
 * an empty file when missing_ok, else an error; a missing path.d is
 * none.  Returns the configuration (free with mdecfg_free), or NULL with
 * "FILE:LINE: reason" (or "FILE: reason") in err.  A file or directory
 * writable by others is refused: it could exclude anything.
 */
struct mdecfg *mdecfg_load(const char *path, int missing_ok, char *err,
			   size_t errlen);

/* An empty configuration, or NULL on no memory. */
struct mdecfg *mdecfg_new(void);

/*
 * Adds the settings of buf[0..len), the text of file (the name used in
 * messages and in mdecfg_val.file).  A scalar set twice in one file is an
 * error; one set by an earlier file is replaced.  Returns 0, or -1 with
 * the reason in err, cfg then holding part of the file: free it.
 */
int mdecfg_parse(struct mdecfg *cfg, const char *file, const char *buf,
		 size_t len, char *err, size_t errlen);

/* Adds the drop-ins of path (path.d/ *.conf, by name).  0 or -1 as for
 * mdecfg_parse. */
int mdecfg_load_dropins(struct mdecfg *cfg, const char *path, char *err,
			size_t errlen);

/* Frees cfg; NULL is allowed. */
void mdecfg_free(struct mdecfg *cfg);

/*
 * Getters: the last value of key, 1 if set, 0 if not (out unchanged: the
 * caller's default stays).  An unknown key or a getter that does not fit
 * the key's type is a programming error and aborts.  get_str fits every
 * type; get_int BOOL, INT, SIZE, SECONDS and ENUM (the index in words);
 * get_bool BOOL.  Strings live as long as cfg.
 */
const struct mdecfg_val *mdecfg_get(const struct mdecfg *cfg, const char *key);
int mdecfg_get_str(const struct mdecfg *cfg, const char *key,
		   const char **out);
int mdecfg_get_int(const struct mdecfg *cfg, const char *key, int64_t *out);
int mdecfg_get_bool(const struct mdecfg *cfg, const char *key, int *out);

/* Calls fn for every value of key in file order (repeatable keys; a
 * scalar gives its last value).  Stops at the first non-zero return of
 * fn and returns it; 0 otherwise. */
typedef int (*mdecfg_each_fn)(void *ctx, const struct mdecfg_val *v);
int mdecfg_each(const struct mdecfg *cfg, const char *key, mdecfg_each_fn fn,
		void *ctx);

/* ------------------------------------- for the editor (cmd_exclusion.c) */

/*
 * Checks value against key's type.  Returns 0, or -1 with the reason
 * ("'x' is not an absolute path") in why.
 */
int mdecfg_check(const struct mdecfg_key *key, const char *value, char *why,
		 size_t whylen);

/*
 * Splits one line s[0..n) (no '\n').  Returns 0 for a blank or comment
 * line, 1 for an assignment (*key its row, *value its unquoted text,
 * malloc'd: free it; not checked against the type), -1 with the reason in
 * why.
 */
int mdecfg_parse_line(const char *s, size_t n, const struct mdecfg_key **key,
		      char **value, char *why, size_t whylen);

/* "key = value\n", the value quoted when it must be; malloc'd, or NULL
 * on no memory. */
char *mdecfg_format(const struct mdecfg_key *key, const char *value);

/* Do a and b, two valid values of key, say the same thing?  Patterns are
 * compared with repeated '/' collapsed, extensions without "*." or ".". */
int mdecfg_same(const struct mdecfg_key *key, const char *a, const char *b);

/* The FILE of a --config FILE (or --config=FILE) in argv, read before
 * the tool's getopt runs; NULL when none. */
const char *mdecfg_path_from_args(int argc, char **argv);

#endif
