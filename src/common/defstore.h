/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defstore.h - the installed definitions (the store) and how they are
 * updated, rolled back and reported: `mdescan definitions ...`.
 */
#ifndef DEFSTORE_H
#define DEFSTORE_H

#include "paths.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mdescan.h"

#define DEFSTORE_DIR MDE_STATE_DIR "/definitions"
#define DEFSTORE_KEYS MDE_CONF_DIR "/keys"
#define DEFSTORE_MAX_AGE_DAYS 7
/* installed bundles kept: the current one and those it replaced, for
 * rollback to go back through */
#define DEFSTORE_KEEP 5
#define DEFSTORE_MAX_DOWNLOAD (UINT64_C(4) << 30) /* 4 GiB */
#define DEFSTORE_HTTP_TIMEOUT 600 /* seconds */

/* The resolved path of the active bundle into path; 0, or -1 if none. */
int defstore_current(const char *dir, char *path, size_t n);

/* What status reports about one installed bundle. */
struct defstore_entry {
	int have;
	/* a bundle is installed but does not read back (have is 0): scans
	 * fail until an update or a rollback; why says what is wrong */
	int damaged;
	char why[512];
	char path[4200];
	char source[1024]; /* the absolute path or the URL installed from */
	/* bundles/NAME of the bundle this one replaced when installed:
	 * where a rollback from it goes ("": none, the built-in ones) */
	char before[256];
	time_t installed;
	mde_bundle_info bi;
};

struct defstore_status {
	struct defstore_entry cur, prev;
};

/* Reads the store's current and previous bundles (no signature check). */
void defstore_status(const char *dir, struct defstore_status *st);

struct update_opts {
	const char *dir, *keys, *from;
	int allow_downgrade;
	int quiet;
	const char *clamav_certs; /* the test load's .sign CAs; NULL: the
				     engine's default */
};

/*
 * Installs the bundle, delta or mirror (directory or http(s) URL) at
 * o->from: verified, newer, test-loaded, then switched in atomically.
 * Returns 0 (installed, or already current: *changed says which), or 2
 * with the reason in err; the active definitions are then unchanged.
 */
int defstore_update(const struct update_opts *o, int *changed, char *err,
		    size_t errlen);

/*
 * Makes the previous bundle (the one the current replaced) current again,
 * after a test load; the one before it becomes the previous.  Rollback
 * after rollback goes back through the bundles installed, newest first,
 * as far as DEFSTORE_KEEP.  builtin: removes the current and previous
 * links instead, so that scans use the built-in definitions (the bundles
 * stay until the next update).  The test load checks ClamAV databases'
 * .sign files against the CAs in certs (clamav_certs; NULL: the
 * default), as the update did.  Returns 0, or 2 with the reason in err.
 */
int defstore_rollback(const char *dir, const char *keys, const char *certs,
		      int builtin, char *err, size_t errlen);

/* Whether s is an http:// or https:// URL (anything else is a path). */
int defstore_is_url(const char *s);

/* Where rel of mirror from is (from itself when rel is NULL), into buf. */
void defstore_mirror_url(const char *from, const char *rel, char *buf,
			 size_t n);

/* Gets rel (NULL: from itself) of the mirror from, a directory or an
 * http(s) URL, into dest; 0, or 2 with the reason (naming the source) in
 * err. */
int defstore_mirror_get(const char *from, const char *rel, const char *dest,
			char *err, size_t errlen);

/*
 * Reads a mirror's index (a local copy): *latest, its newest full
 * version (0: none listed), and into rel what an update from cur (NULL:
 * nothing installed) fetches for it: the delta cur -> latest when the
 * index lists one, else the newest full bundle.  0, or 2 with the reason
 * in err.
 */
int defstore_mirror_choose(const char *index, const mde_bundle_info *cur,
			   char *rel, size_t n, uint64_t *latest, char *err,
			   size_t errlen);

/* One fetch of `mdescan connectivity test` (defstore_probe()). */
struct defstore_step {
	const char *what;   /* "index" or "bundle" */
	char url[4200];     /* the URL or path fetched */
	int ok;
	char err[1024];     /* why not ok */
	double seconds;
};

/* What defstore_probe() found. */
struct defstore_probe {
	struct defstore_step step[2];
	unsigned nsteps;
	int found;          /* a bundle was fetched: the fields below */
	int verified;       /* its layout, hashes and signature check out */
	/* what went wrong past the fetches: the index unusable or listing
	 * no bundle, the bundle does not verify, no temporary directory */
	char why[1024];
	mde_bundle_info bi;
	int installed;      /* definitions are installed: cur is their info */
	mde_bundle_info cur;
};

/*
 * Fetches from the mirror (or bundle) from what defstore_update() would
 * fetch to learn the newest bundle: the index, then the delta from the
 * installed version or the newest full bundle (the newest full bundle
 * when already up to date).  Into a temporary directory, removed before
 * returning: the store dir is only read.  The bundle is checked against
 * keys.  Returns 0 when every fetch worked and the bundle verifies, else
 * 1; p says what happened at each step.
 */
int defstore_probe(const char *from, const char *dir, const char *keys,
		   struct defstore_probe *p);

/* Downloads url to dest (fetch.c); 0 or -1 with the reason in err. */
int fetch_url(const char *url, const char *dest, uint64_t max_bytes,
	      long timeout_s, char *err, size_t errlen);

/* "up_to_date", "out_of_date" (created more than max_age days ago: with
 * 0, any time before now) or "unavailable" (nothing installed): the
 * definitions_status of `definitions status` and `health`. */
const char *definitions_state(const struct defstore_entry *e, long max_age);

#endif
