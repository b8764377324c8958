/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaranames.c - the rule names of a YARA source, for mdesig list and the
 * bundle build's duplicate check.  libyara compiles the source: it alone
 * knows the syntax (includes, comments, strings holding "rule").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <yara.h>

#include "mde_int.h"
#include "yarastage_int.h"
#include "banned.h"

static void quiet(int level, const char *file, int line, const YR_RULE *rule,
		  const char *msg, void *ctx)
{
	(void)level, (void)file, (void)line, (void)rule, (void)msg, (void)ctx;
}

void mde__yara_names(const char *buf, size_t len, mde__names_fn fn,
		     void *ctx)
{
	YR_COMPILER *c = NULL;
	YR_RULES *r = NULL;
	const YR_RULE *rule;
	char *text = malloc(len + 1);

	if (!text || mde__yara_new_compiler(&c) != MDE_OK)
		goto out;
	memcpy(text, buf, len);
	text[len] = '\0';
	yr_compiler_set_callback(c, quiet, NULL);
	if (yr_compiler_add_string(c, text, NULL) == 0 &&
	    yr_compiler_get_rules(c, &r) == ERROR_SUCCESS) {
		yr_rules_foreach(r, rule)
			fn(ctx, 0, rule->identifier);
		yr_rules_destroy(r);
	}
out:
	if (c)
		yr_compiler_destroy(c);
	free(text);
}
