/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdesig - make, sign, check and publish definitions bundles (sigtool's
 * counterpart).  Subcommands through one table, as git does: each row
 * says what the subcommand needs (options, operands) and its line of the
 * usage; bundle work is in libmdescan (mdescan.h), mirrors in
 * mdesig_mirror.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mdescan.h"
#include "clamdbs.h"
#include "mdesig.h"
#include "util.h"
#include "banned.h"

/* Options shared by the subcommands (each uses some). */
struct opts {
	const char *out, *key, *keys;
	const char *certs; /* --clamav-certs: CAs of the .cvd's .sign */
	uint64_t version;
	int have_version, force, skip_bad, json, keep;
};

static const struct option longopts[] = {
	{ "clamav-certs", required_argument, NULL, 'C' },
	{ "force", no_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'J' },
	{ "keep", required_argument, NULL, 'k' },
	{ "key", required_argument, NULL, 'K' },
	{ "keys", required_argument, NULL, 'T' },
	{ "output", required_argument, NULL, 'o' },
	{ "skip-bad", no_argument, NULL, 'S' },
	{ "version", required_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 }
};

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -1;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* The options of a subcommand (argv[0]); 0, 2 after a message, or -1 for
 * an unknown option (the usage is due). */
static int get_opts(int argc, char **argv, struct opts *o)
{
	int c;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	o->keep = 5;
	o->certs = MDE_CLAMAV_CERTS_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "fo:", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': o->certs = optarg; break;
		case 'f': o->force = 1; break;
		case 'J': o->json = 1; break;
		case 'K': o->key = optarg; break;
		case 'S': o->skip_bad = 1; break;
		case 'T': o->keys = optarg; break;
		case 'o': o->out = optarg; break;
		case 'k':
			if (parse_u64(optarg, &v) || v < 1 || v > 100)
				return tool_fail("--keep: a number from 1 to "
						 "100, not '%s'", optarg);
			o->keep = (int)v;
			break;
		case 'v':
			if (parse_u64(optarg, &o->version))
				return tool_fail("--version: not a number: "
						 "'%s'", optarg);
			o->have_version = 1;
			break;
		default: return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- keygen */

static int write_key(const char *path, EVP_PKEY *k, int secret, int force)
{
	FILE *fp;
	int fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
				(force ? O_TRUNC : O_EXCL),
		  secret ? 0600 : 0644);
	if (fd < 0)
		return tool_fail("cannot create '%s': %s%s", path,
				 strerror(errno),
				 errno == EEXIST ? " (use -f to replace)" : "");
	fp = fdopen(fd, "w");
	ok = fp && (secret ? PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL,
						  NULL)
			   : PEM_write_PUBKEY(fp, k));
	ok = fp && fclose(fp) == 0 && ok;
	return ok ? 0 : tool_fail("cannot write '%s'", path);
}

static int cmd_keygen(const struct opts *o, int argc, char **argv)
{
	EVP_PKEY *k;
	char sec[4200], pub[4200];
	int rc;

	snprintf(sec, sizeof(sec), "%s.sec", o->out);
	snprintf(pub, sizeof(pub), "%s.pub", o->out);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k)
		return tool_fail("cannot generate an Ed25519 key");
	rc = write_key(sec, k, 1, o->force);
	if (!rc)
		rc = write_key(pub, k, 0, o->force);
	EVP_PKEY_free(k);
	if (!rc)
		printf("secret key: %s (keep it offline)\npublic key: %s "
		       "(copy it to /etc/mdescan/keys/ on every endpoint)\n",
		       sec, pub);
	return rc;
}

/* ------------------------------------------------------------- build */

static void print_diag(void *ctx, const char *file, unsigned line,
		       const char *sig, const char *msg)
{
	const int *skip = ctx;

	tool_warn("%s%s:%u: %s%s%s%s", *skip ? "skipped: " : "",
		  file ? file : "(definitions)", line, sig ? "'" : "",
		  sig ? sig : "", sig ? "': " : "", msg);
}

static int cmd_build(const struct opts *o, int argc, char **argv)
{
	mde_build_opts bo = { 0 };
	mde_bundle_info bi;
	char err[1024];

	bo.version = o->version;
	bo.key = o->key;
	bo.skip_bad = o->skip_bad;
	bo.diag = print_diag;
	bo.ctx = (void *)&o->skip_bad;
	bo.clamav_certs = o->certs;
	if (mde_bundle_build((const char *const *)argv, (size_t)argc, &bo,
			     o->out, err, sizeof(err)) != MDE_OK)
		return tool_fail("%s", err);
	if (mde_bundle_check(o->out, NULL, &bi, err, sizeof(err)) != MDE_OK)
		return tool_fail("%s", err);
	printf("%s: version %" PRIu64 ", %" PRIu64 " hash, %" PRIu64
	       " byte, %" PRIu64 " YARA signatures, %" PRIu64 " bytes\n",
	       o->out, bi.version, bi.hash_sigs, bi.byte_sigs, bi.yara_rules,
	       bi.size);
	if (clamdbs_text(stdout, o->out, "ClamAV database ", err,
			 sizeof(err)))
		return tool_fail("%s", err);
	return 0;
}

/* ------------------------------------------------------------- verify, info */

static int cmd_verify(const struct opts *o, int argc, char **argv)
{
	mde_bundle_info bi;
	char err[1024];
	int i, bad = 0;

	for (i = 0; i < argc; i++) {
		if (mde_bundle_check(argv[i], o->keys, &bi, err,
				     sizeof(err)) != MDE_OK) {
			tool_warn("%s: FAILED: %s", argv[i], err);
			bad = 1;
			continue;
		}
		printf("%s: OK (version %" PRIu64 ", key %s%s)\n", argv[i],
		       bi.version, bi.key_id, bi.delta ? ", delta" : "");
	}
	return bad ? 1 : 0;
}

static void when(uint64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "%" PRIu64, t);
}

/* The bundle's ClamAV databases (path), after the other fields. */
static void print_clamdbs(FILE *fp, const char *path, int json)
{
	char err[1024];
	int rc;

	if (json)
		fputs(",\"clamav_databases\":", fp);
	rc = json ? clamdbs_json(fp, path, err, sizeof(err))
		  : clamdbs_text(fp, path, "ClamAV:       ", err, sizeof(err));
	if (rc)
		tool_warn("%s", err);
}

void mdesig_print_info(FILE *fp, const mde_bundle_info *bi,
		       const char *path, int json)
{
	char t[64];

	when(bi->created, t, sizeof(t));
	if (json) {
		fprintf(fp, "{\"version\":%" PRIu64 ",\"delta\":%s,"
			"\"base_version\":%" PRIu64 ",\"created\":\"%s\","
			"\"key_id\":\"%s\",\"min_engine\":\"%s\","
			"\"digest\":\"%s\",\"size\":%" PRIu64 ","
			"\"parts\":%u,\"hash_sigs\":%" PRIu64 ","
			"\"byte_sigs\":%" PRIu64 ",\"yara_rules\":%" PRIu64
			",\"iocs\":%" PRIu64,
			bi->version, bi->delta ? "true" : "false",
			bi->base_version, t, bi->key_id, bi->min_engine,
			bi->digest, bi->size, bi->parts, bi->hash_sigs,
			bi->byte_sigs, bi->yara_rules, bi->iocs);
		print_clamdbs(fp, path, 1);
		fputs("}\n", fp);
		return;
	}
	fprintf(fp, "version:      %" PRIu64 "%s\n", bi->version,
		bi->delta ? " (delta)" : "");
	if (bi->delta)
		fprintf(fp, "base version: %" PRIu64 "\n", bi->base_version);
	fprintf(fp, "created:      %s\nsigner key:   %s\nmin engine:   %s\n"
		"digest:       %s\nsize:         %" PRIu64 " bytes, %u parts\n"
		"hash sigs:    %" PRIu64 "\nbyte sigs:    %" PRIu64 "\n"
		"YARA rules:   %" PRIu64 "\nIOCs:         %" PRIu64 "\n",
		t, bi->key_id, bi->min_engine, bi->digest, bi->size, bi->parts,
		bi->hash_sigs, bi->byte_sigs, bi->yara_rules, bi->iocs);
	print_clamdbs(fp, path, 0);
}

static int cmd_info(const struct opts *o, int argc, char **argv)
{
	mde_bundle_info bi;
	char err[1024];

	if (mde_bundle_check(argv[0], o->keys, &bi, err, sizeof(err)))
		return tool_fail("%s", err);
	mdesig_print_info(stdout, &bi, argv[0], o->json);
	return 0;
}

/* ------------------------------------------------------------- diff, list */

static int cmd_diff(const struct opts *o, int argc, char **argv)
{
	mde_bundle_info bi;
	char err[1024];

	if (mde_bundle_diff(argv[0], argv[1], o->key, o->out, err,
			    sizeof(err)) != MDE_OK ||
	    mde_bundle_check(o->out, NULL, &bi, err, sizeof(err)) != MDE_OK)
		return tool_fail("%s", err);
	printf("%s: delta %" PRIu64 " -> %" PRIu64 ", %" PRIu64 " bytes\n",
	       o->out, bi.base_version, bi.version, bi.size);
	return 0;
}

static void print_name(void *ctx, const char *kind, const char *name)
{
	printf("%s\t%s\n", kind, name);
}

static int cmd_list(const struct opts *o, int argc, char **argv)
{
	char err[1024];

	if (mde_bundle_list(argv[0], print_name, NULL, err, sizeof(err)))
		return tool_fail("%s", err);
	return 0;
}

static int cmd_mirror(const struct opts *o, int argc, char **argv)
{
	return mdesig_mirror_add(argv[0], argv[1], o->key, o->keep);
}

/* ------------------------------------------------------------- the verbs */

/* Options a subcommand cannot do without. */
enum { NEED_OUT = 1, NEED_KEY = 2, NEED_KEYS = 4, NEED_VERSION = 8 };

/* A subcommand: its name, what it needs, its operands (at least min, at
 * most max, -1: no limit) and its line of the usage after the name. */
static const struct verb {
	const char *name;
	int (*fn)(const struct opts *o, int argc, char **argv);
	unsigned need;
	int min, max;
	const char *usage;
} verbs[] = {
	{ "keygen", cmd_keygen, NEED_OUT, 0, 0, "[-f] -o BASENAME" },
	{ "build", cmd_build, NEED_OUT | NEED_KEY | NEED_VERSION, 1, -1,
	  "--version N --key KEY.sec -o OUT.mdb [--skip-bad] "
	  "[--clamav-certs PATH] PATH..." },
	{ "verify", cmd_verify, NEED_KEYS, 1, -1, "--keys KEYS BUNDLE..." },
	{ "info", cmd_info, 0, 1, 1, "[--json] [--keys KEYS] BUNDLE" },
	{ "diff", cmd_diff, NEED_OUT | NEED_KEY, 2, 2,
	  "--key KEY.sec -o OUT.mdb OLD.mdb NEW.mdb" },
	{ "list", cmd_list, 0, 1, 1, "BUNDLE" },
	{ "mirror", cmd_mirror, NEED_KEY, 2, 2,
	  "--key KEY.sec [--keep N] DIR BUNDLE" },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *fp)
{
	size_t i;

	for (i = 0; i < NVERBS; i++)
		fprintf(fp, "%s mdesig %s %s\n", i ? "      " : "usage:",
			verbs[i].name, verbs[i].usage);
	fputs("       mdesig --help | --version\n", fp);
}

static int usage_fail(void)
{
	usage(stderr);
	return 2;
}

/* Whether argv[1..argc) asks for --help (or -h) before any "--". */
static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/* Runs verb v on argv (argv[0]: its name): its options, then what it
 * needs, then its operands.  `mdesig VERB --help`: its usage line. */
static int run(const struct verb *v, int argc, char **argv)
{
	struct opts o;
	unsigned have;
	int rc, n;

	if (wants_help(argc, argv))
		return printf("usage: mdesig %s %s\n", v->name, v->usage) < 0;
	rc = get_opts(argc, argv, &o);
	n = argc - optind;
	if (rc)
		return rc < 0 ? usage_fail() : rc;
	have = (o.out ? NEED_OUT : 0) | (o.key ? NEED_KEY : 0) |
	       (o.keys ? NEED_KEYS : 0) | (o.have_version ? NEED_VERSION : 0);
	if ((v->need & have) != v->need || n < v->min ||
	    (v->max >= 0 && n > v->max))
		return usage_fail();
	return v->fn(&o, n, argv + optind);
}

int main(int argc, char **argv)
{
	size_t i;

	tool_set_name("mdesig");
	if (argc < 2)
		return usage_fail();
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mdesig %s (engine %s)\n%s", PACKAGE_VERSION,
		       MDE_ENGINE_VERSION, mde_library_versions());
		return 0;
	}
	for (i = 0; i < NVERBS; i++)
		if (!strcmp(argv[1], verbs[i].name))
			return run(&verbs[i], argc - 1, argv + 1);
	tool_warn("unknown command '%s'", argv[1]);
	return usage_fail();
}
