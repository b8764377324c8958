/* SPDX-License-Identifier: Apache-2.0 */
/* mdesig.h - what mdesig's files share. */
#ifndef MDESIG_H
#define MDESIG_H

#include <stdio.h>

#include "mdescan.h"

/* Prints what the bundle at path says about itself (bi, and the ClamAV
 * databases it carries), as text or one JSON object. */
void mdesig_print_info(FILE *fp, const mde_bundle_info *bi,
		       const char *path, int json);

/* Adds a full bundle to the mirror directory dir (mdesig_mirror.c). */
int mdesig_mirror_add(const char *dir, const char *bundle, const char *key,
		      int keep);

#endif
