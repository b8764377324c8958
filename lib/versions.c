/* SPDX-License-Identifier: Apache-2.0 */
/*
 * versions.c - the versions of the libraries the engine is built on.
 */
#include "config.h"

#include <stdio.h>

#include <archive.h>
#include <hs/hs.h>
#include <openssl/crypto.h>
#include <yara.h>

#include "mdescan.h"
#include "banned.h"

const char *mde_library_versions(void)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "libyara %s\n%s\nvectorscan %s\n%s\n", YR_VERSION,
		 archive_version_string(), hs_version(),
		 OpenSSL_version(OPENSSL_VERSION));
	return buf;
}
