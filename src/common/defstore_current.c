/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defstore_current.c - which installed bundle is active: the one thing
 * mdewatch needs of the definitions store, apart from defstore.c (the
 * update machinery, which needs libcurl through fetch.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "defstore.h"
#include "banned.h"

int defstore_current(const char *dir, char *path, size_t n)
{
	char link[4200], *rp;

	snprintf(link, sizeof(link), "%s/current", dir);
	rp = realpath(link, NULL);
	if (!rp)
		return -1;
	snprintf(path, n, "%s", rp);
	free(rp);
	return 0;
}
