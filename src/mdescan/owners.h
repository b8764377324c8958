/* SPDX-License-Identifier: Apache-2.0 */
/*
 * owners.h - the names of files' owners and groups for the evidence
 * outputs (owners.c): the image's own /etc/passwd and /etc/group under
 * --root, else the host's.
 */
#ifndef MDESCAN_OWNERS_H
#define MDESCAN_OWNERS_H

#include <stddef.h>
#include <stdint.h>

struct owners;

/*
 * The names of root's image (its /etc/passwd and /etc/group, read once
 * here; a warning on stderr when one is not a regular file of at most
 * OWNERS_MAX_IDFILE bytes), or of the host when root is NULL.  NULL when
 * out of memory.
 */
struct owners *owners_new(const char *root);

/* The name of user (group 0) or group (group 1) id, NULL when unknown.
 * Under a root the host's names are never used: they would lie.  The
 * string lives as long as ow. */
const char *owners_name(struct owners *ow, uint32_t id, int group);

/* Frees ow; NULL is allowed. */
void owners_free(struct owners *ow);

/* The largest image /etc/passwd or /etc/group read for owner names. */
#define OWNERS_MAX_IDFILE (16 << 20)

/*
 * Parses passwd(5)/group(5) lines ("name:x:id:...") of an image, calling
 * fn for each well-formed one (a name of 1 to 256 bytes, a decimal id
 * that fits 32 bits); other lines are skipped.  Returns how many.
 */
size_t owners_parse_ids(const char *buf, size_t len,
			void (*fn)(void *ctx, uint32_t id, const char *name,
				   size_t n),
			void *ctx);

#endif
