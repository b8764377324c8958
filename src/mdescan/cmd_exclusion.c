/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_exclusion.c - `mdescan exclusion add|remove|list`: the exclusions
 * of the configuration file, edited in place (cfgedit.c).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cfgedit.h"
#include "cmd.h"
#include "mdecfg.h"
#include "util.h"
#include "banned.h"

/* The kinds, as options and as keys. */
static const struct cfgedit_kind kinds[] = {
	{ "path", "exclude_path", "path", "excluded", "exclusion" },
	{ "dir", "exclude_dir", "dir", "excluded", "exclusion" },
	{ "ext", "exclude_ext", "ext", "excluded", "exclusion" },
	{ "process", "exclude_process", "process", "excluded", "exclusion" },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char usage_text[] =
	"usage: mdescan exclusion add|remove --path PATTERN|--dir PATTERN|"
	"--ext EXT|--process EXE\n"
	"                                [--config FILE]\n"
	"       mdescan exclusion list [--config FILE] [--json]\n";

static int usage_error(const char *what)
{
	if (what)
		tool_warn("exclusion: %s", what);
	fputs(usage_text, stderr);
	return 2;
}

/* 0, 1 for --help (the usage on stdout), or 2 (the usage on stderr). */
static int parse(int argc, char **argv, struct cfgedit *o)
{
	enum { O_CONFIG = 256, O_JSON, O_KIND };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "dir", required_argument, NULL, O_KIND + 1 },
		{ "ext", required_argument, NULL, O_KIND + 2 },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, O_JSON },
		{ "path", required_argument, NULL, O_KIND + 0 },
		{ "process", required_argument, NULL, O_KIND + 3 },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return 1;
		} else if (c == O_CONFIG) {
			o->config = optarg;
		} else if (c == O_JSON) {
			o->json = 1;
		} else if (c >= O_KIND && c < O_KIND + (int)NKINDS) {
			if (o->kind)
				return usage_error("one exclusion at a time");
			o->kind = &kinds[c - O_KIND];
			o->value = optarg;
		} else {
			return usage_error(NULL);
		}
	}
	if (optind != argc - 1)
		return usage_error(optind == argc ? "add, remove or list?"
						  : "unexpected argument");
	o->verb = argv[optind];
	if (strcmp(o->verb, "list") == 0)
		return o->kind ? usage_error("list takes no exclusion") : 0;
	if (strcmp(o->verb, "add") && strcmp(o->verb, "remove"))
		return usage_error("add, remove or list?");
	if (!o->kind)
		return usage_error("--path, --dir, --ext or --process?");
	if (o->json)
		return usage_error("--json is for list");
	return 0;
}

int cmd_exclusion(int argc, char **argv)
{
	struct cfgedit o = { 0 };
	const char *path;
	int rc = parse(argc, argv, &o);

	if (rc)
		return rc == 1 ? 0 : rc;
	path = o.config ? o.config : mdecfg_default_path();
	return strcmp(o.verb, "list") == 0
		       ? cfgedit_list(&o, path, kinds, NKINDS)
		       : cfgedit_edit(&o, path);
}
