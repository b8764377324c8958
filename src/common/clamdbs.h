/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamdbs.h - the ClamAV databases an installed bundle carries, as
 * `mdescan definitions status`, `mdescan -V` and `mdesig info` show them
 * (clamdbs.c).
 */
#ifndef MDE_CLAMDBS_H
#define MDE_CLAMDBS_H

#include <stdio.h>

/*
 * Writes one line per ClamAV database in the bundle at path to fp, each
 * starting with label ("clamav:      "):
 *   daily.cld version 27500, built 2026-12-07T03:25:36Z, 2000000
 *   signatures (official), not run: 84 bytecode signatures (.cbc)
 * Nothing for a bundle without any.  0, or -1 with the reason in err.
 */
int clamdbs_text(FILE *fp, const char *path, const char *label, char *err,
		 size_t errlen);

/*
 * Writes the same as a JSON array (no newline) of objects {"name",
 * "version", "built" (ISO 8601 UTC, or ClamAV's text when the header has
 * no seconds), "signatures", "loaded", "official", "not_run":[{"what",
 * "count"}]}.  On error the array holds the databases read before it:
 * 0, or -1 with the reason in err.
 */
int clamdbs_json(FILE *fp, const char *path, char *err, size_t errlen);

#endif /* MDE_CLAMDBS_H */
