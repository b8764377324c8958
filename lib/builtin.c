/* SPDX-License-Identifier: Apache-2.0 */
/*
 * builtin.c - the built-in definitions: a bundle made from sigdb/ and
 * rules/ at build time, embedded by src/gen-builtin.sh into
 * builtin_defs.c, which only the programs that use it link.  In a file
 * of its own so that mdesig, which makes the bundle, links without it.
 */
#include "config.h"

#include <stdlib.h>

#include "mde_int.h"
#include "bundle.h"
#include "banned.h"

int mde_defs_load_builtin(mde_defs *defs)
{
	mde__bundle *b;
	uint8_t *buf;
	size_t i;
	int rc = mde__defs_may_load(defs, "builtin"), was;

	if (rc != MDE_OK)
		return rc;
	b = calloc(1, sizeof(*b));
	buf = malloc(mde__builtin_len ? mde__builtin_len : 1);
	if (!b || !buf) {
		free(b);
		free(buf);
		return MDE_ERR_NOMEM;
	}
	for (i = 0; i < mde__builtin_len; i++)
		buf[i] = mde__builtin_bundle[i] ^ MDE__BUILTIN_KEY;
	b->owned = buf;
	rc = mde__bundle_parse(b, buf, mde__builtin_len);
	/* mdescan's own signatures, signed by its build: what Cisco's
	 * databases are to clamd, never NAME.UNOFFICIAL */
	was = defs->clam_official;
	defs->clam_official = 1;
	rc = mde__defs_load_parsed(defs, b, rc, "builtin",
				   (const uint8_t(*)[32])mde__builtin_pub, 1);
	defs->clam_official = was;
	return rc;
}
