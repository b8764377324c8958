/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan_opts.h - what a scan is told: mdescan.conf, then the command line
 * (scan_opts.c, one table of options).
 */
#ifndef MDESCAN_SCAN_OPTS_H
#define MDESCAN_SCAN_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "evidence.h"
#include "mdescan.h"
#include "shard.h"

struct excl {
	mde_excl_kind kind;
	const char *pattern;
};

/*
 * Every setting of a scan.  Numbers are int64_t and switches int, as the
 * option table stores them; strings point into argv or into the loaded
 * configuration (kept until opts_free()).
 */
struct opts {
	const char **dbs;          /* -d, in order */
	size_t ndbs;
	struct excl *excl;         /* --exclude*, exclude_* */
	size_t nexcl;
	const char **allow;        /* --allow, allowed_threat */
	size_t nallow;
	const char *files_from, *cache_dir, *keys, *store;
	const char *clamav_certs;  /* --clamav-certs: the .sign CAs */
	const char *history_db, *qdir, *lock;
	int no_history, forensic;
	int no_cache, no_preselect, no_prefilter, no_summary;
	int cage;                  /* --cage, cage = yes */
	int64_t cage_mem;          /* --cage-memory */
	int follow, full, quick, json, nice, null, one_fs, all_fs;
	int infected, allmatch;
	int unofficial;            /* --unofficial-names */
	int64_t threads, max_depth, max_filesize, timeout;
	int64_t arc_types, max_recursion, max_files, max_scansize, max_member,
		max_ratio, bomb_min, bomb, pua;
	int64_t db_files, db_file, db_total; /* ClamAV database limits
						(mde_defs_set_limit()) */
	int64_t action;            /* enum scan_action */
	int64_t retention;         /* days of history kept */
	int64_t log_level;         /* enum mdelog_level, -1: no syslog */
	int64_t log_target;        /* enum mdelog_target */
	struct ev_opts ev;         /* evidence outputs and scores */
	char *root;                /* --root, made absolute */
	int64_t newer_than;        /* unix seconds; 0: every file */
	struct shard shard;        /* --shard; n == 0: none */
	struct mdecfg *cfg;        /* the configuration the strings come from */
};

/*
 * Fills o from the defaults (the engine's, mde_opt_default(), and the
 * configuration table's), mdescan.conf (--config) and argv, in that
 * order; *first is the index of the first PATH in argv.  Exits with
 * status 2 and a message on a bad option or value, and 0 after --help or
 * --version.
 */
void opts_parse(int argc, char **argv, struct opts *o, int *first);

/* Sets the engine options of the table's rows that are the engine's. */
void opts_configure(mde_engine *e, const struct opts *o);

/* Frees what opts_parse() allocated. */
void opts_free(struct opts *o);

#endif
