/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaraprefilter.h - the literal prefilter of the YARA stage (internal): a
 * Vectorscan database of the required literals of a rule set (yaralit.h).
 * When none of them occurs in a file, no rule of the set can match it and
 * libyara need not scan it.
 */
#ifndef MDE_YARAPREFILTER_H
#define MDE_YARAPREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yaralit.h"

typedef struct mde__ypf mde__ypf;
struct hs_scratch;

/*
 * Compiles the literals l into *out (immutable, shared by threads).
 * Returns MDE_OK, MDE_ERR_NOMEM, or MDE_ERR_STATE when Vectorscan rejects
 * them (then *out is NULL and the set must be scanned without prefilter).
 */
int mde__ypf_new(const mde__ylits *l, mde__ypf **out);
void mde__ypf_free(mde__ypf *p); /* NULL allowed */

/*
 * The database of p as bytes for the compiled-rules file: *bytes (free()
 * it) and *len.  MDE_OK or MDE_ERR_NOMEM.
 */
int mde__ypf_save(const mde__ypf *p, char **bytes, size_t *len);

/*
 * A prefilter from bytes of mde__ypf_save().  MDE_OK, MDE_ERR_NOMEM, or
 * MDE_ERR_FORMAT when Vectorscan refuses them (other version or host).
 */
int mde__ypf_load(const void *bytes, size_t len, mde__ypf **out);

/* Grows the scratch *s (NULL: allocates one) to serve p too; MDE_OK or
 * MDE_ERR_NOMEM. */
int mde__ypf_scratch_add(const mde__ypf *p, struct hs_scratch **s);

/* A copy of scratch proto for one thread (NULL on failure or no proto). */
struct hs_scratch *mde__ypf_scratch_clone(struct hs_scratch *proto);
void mde__ypf_scratch_free(struct hs_scratch *s); /* NULL allowed */

/*
 * Whether any literal of p occurs in buf[0..len), using scratch s; true
 * also whenever the answer is not certain (no scratch, scan error, buffer
 * too long for Vectorscan).
 */
bool mde__ypf_hit(const mde__ypf *p, struct hs_scratch *s,
		  const uint8_t *buf, size_t len);

#endif /* MDE_YARAPREFILTER_H */
