/* SPDX-License-Identifier: Apache-2.0 */
/* scanrec.h - a scan's history record and its actions on threats. */
#ifndef SCANREC_H
#define SCANREC_H

#include <stddef.h>

#include "history.h"
#include "mdescan.h"

enum scan_action { SCAN_ACT_REPORT, SCAN_ACT_QUARANTINE, SCAN_ACT_REMOVE };

struct scanrec_opts {
	const char *db;          /* history database; NULL: the default */
	int no_history;
	enum scan_action action;
	const char *vault;       /* quarantine directory */
	int retention_days;      /* history and vault entries kept */
	hist_type type;
	const char *const *paths;
	size_t npaths;
	const char *defs_version;
};

/* Starts the record: *o is copied, the strings and arrays it points to
 * must outlive the record; history problems are warned about, never
 * fatal.  NULL only when out of memory. */
struct scanrec *scanrec_begin(const struct scanrec_opts *o);

/* The scan's id in the history, -1 when it is not recorded. */
long long scanrec_id(const struct scanrec *r);

/* A scan event: findings (not audit ones) are acted on and recorded. */
void scanrec_event(struct scanrec *r, const mde_event *ev);

/* Ends the record: succeeded, failed (failed != 0) or cancelled. */
void scanrec_end(struct scanrec *r, const mde_summary *s, int failed);

/* After `threat quarantine restore`: the threats of entry qid in the
 * history become restored (removed != 0: removed). */
void scanrec_quarantine_state(const char *qid, int removed);

/* The same in the history db (NULL: hist_default_path()), the one the
 * configuration names. */
void scanrec_quarantine_state_in(const char *db, const char *qid,
				 int removed);

/*
 * `threat quarantine add`: puts the file of threat id of the history db
 * (NULL: hist_default_path()) into vault as a scan's --action quarantine
 * does, and records the threat quarantined under the new vault id, in
 * qid (qlen >= VAULT_ID_LEN + 1).  Refused when the threat is not only
 * detected (unknown, quarantined, removed, restored, allowed), its file
 * is gone, or its SHA-256, when recorded, is no longer the file's.
 * Returns 0, 1 when done with warnings, -1 when refused or failed: the
 * text, naming the threat, in err.
 */
int scanrec_quarantine_add(const char *db, const char *vault, long long id,
			   char *qid, size_t qlen, char *err, size_t errlen);

#endif
