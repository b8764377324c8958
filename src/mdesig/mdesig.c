/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdesig - make, sign, check and publish definitions bundles (sigtool's
 * counterpart).  Subcommands through one table, as git does; bundle
 * work is in libmde (mdescan.h), mirrors in mdesig_mirror.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mdescan.h"
#include "mdesig.h"
#include "banned.h"

static const char usage_text[] =
	"usage: mdesig keygen [-f] -o BASENAME\n"
	"       mdesig build --version N --key KEY.sec -o OUT.mdb [--skip-bad] PATH...\n"
	"       mdesig verify --keys KEYS BUNDLE...\n"
	"       mdesig info [--json] [--keys KEYS] BUNDLE\n"
	"       mdesig diff --key KEY.sec -o OUT.mdb OLD.mdb NEW.mdb\n"
	"       mdesig list BUNDLE\n"
	"       mdesig mirror --key KEY.sec [--keep N] DIR BUNDLE\n"
	"       mdesig --help | --version\n";

int mdesig_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mdesig: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static int usage_fail(void)
{
	fputs(usage_text, stderr);
	return 2;
}

/* Options shared by the subcommands (each uses some). */
struct opts {
	const char *out, *key, *keys;
	uint64_t version;
	int have_version, force, skip_bad, json, keep;
};

static const struct option longopts[] = {
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

static int get_opts(int argc, char **argv, struct opts *o)
{
	int c;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	o->keep = 5;
	optind = 1;
	while ((c = getopt_long(argc, argv, "fo:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->force = 1; break;
		case 'J': o->json = 1; break;
		case 'K': o->key = optarg; break;
		case 'S': o->skip_bad = 1; break;
		case 'T': o->keys = optarg; break;
		case 'o': o->out = optarg; break;
		case 'k':
			if (parse_u64(optarg, &v) || v < 1 || v > 100)
				return mdesig_fail("--keep: a number from 1 to "
						   "100, not '%s'", optarg);
			o->keep = (int)v;
			break;
		case 'v':
			if (parse_u64(optarg, &o->version))
				return mdesig_fail("--version: not a number: "
						   "'%s'", optarg);
			o->have_version = 1;
			break;
		default: return usage_fail();
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
		return mdesig_fail("cannot create '%s': %s%s", path,
				   strerror(errno),
				   errno == EEXIST ? " (use -f to replace)"
						   : "");
	fp = fdopen(fd, "w");
	ok = fp && (secret ? PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL,
						  NULL)
			   : PEM_write_PUBKEY(fp, k));
	ok = fp && fclose(fp) == 0 && ok;
	return ok ? 0 : mdesig_fail("cannot write '%s'", path);
}

static int cmd_keygen(int argc, char **argv)
{
	struct opts o;
	EVP_PKEY *k;
	char sec[4200], pub[4200];
	int rc = get_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (!o.out || optind != argc)
		return usage_fail();
	snprintf(sec, sizeof(sec), "%s.sec", o.out);
	snprintf(pub, sizeof(pub), "%s.pub", o.out);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k)
		return mdesig_fail("cannot generate an Ed25519 key");
	rc = write_key(sec, k, 1, o.force);
	if (!rc)
		rc = write_key(pub, k, 0, o.force);
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
	int *skip = ctx;

	fprintf(stderr, "mdesig: %s%s:%u: %s%s%s%s\n",
		*skip ? "skipped: " : "", file ? file : "(definitions)", line,
		sig ? "'" : "", sig ? sig : "", sig ? "': " : "", msg);
}

static int cmd_build(int argc, char **argv)
{
	struct opts o;
	mde_build_opts bo = { 0 };
	mde_bundle_info bi;
	char err[1024];
	int rc = get_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (!o.out || !o.key || !o.have_version || optind >= argc)
		return usage_fail();
	bo.version = o.version;
	bo.key = o.key;
	bo.skip_bad = o.skip_bad;
	bo.diag = print_diag;
	bo.ctx = &o.skip_bad;
	if (mde_bundle_build((const char *const *)argv + optind,
			     (size_t)(argc - optind), &bo, o.out, err,
			     sizeof(err)) != MDE_OK)
		return mdesig_fail("%s", err);
	if (mde_bundle_check(o.out, NULL, &bi, err, sizeof(err)) != MDE_OK)
		return mdesig_fail("%s", err);
	printf("%s: version %" PRIu64 ", %" PRIu64 " hash, %" PRIu64
	       " byte, %" PRIu64 " YARA signatures, %" PRIu64 " bytes\n",
	       o.out, bi.version, bi.hash_sigs, bi.byte_sigs, bi.yara_rules,
	       bi.size);
	return 0;
}

/* ------------------------------------------------------------- verify, info */

static int cmd_verify(int argc, char **argv)
{
	struct opts o;
	mde_bundle_info bi;
	char err[1024];
	int rc = get_opts(argc, argv, &o), i, bad = 0;

	if (rc)
		return rc;
	if (!o.keys || optind >= argc)
		return usage_fail();
	for (i = optind; i < argc; i++) {
		if (mde_bundle_check(argv[i], o.keys, &bi, err,
				     sizeof(err)) != MDE_OK) {
			fprintf(stderr, "mdesig: %s: FAILED: %s\n", argv[i],
				err);
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

void mdesig_print_info(FILE *fp, const mde_bundle_info *bi, int json)
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
			",\"iocs\":%" PRIu64 "}\n",
			bi->version, bi->delta ? "true" : "false",
			bi->base_version, t, bi->key_id, bi->min_engine,
			bi->digest, bi->size, bi->parts, bi->hash_sigs,
			bi->byte_sigs, bi->yara_rules, bi->iocs);
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
}

static int cmd_info(int argc, char **argv)
{
	struct opts o;
	mde_bundle_info bi;
	char err[1024];
	int rc = get_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (optind != argc - 1)
		return usage_fail();
	if (mde_bundle_check(argv[optind], o.keys, &bi, err, sizeof(err)))
		return mdesig_fail("%s", err);
	mdesig_print_info(stdout, &bi, o.json);
	return 0;
}

/* ------------------------------------------------------------- diff, list */

static int cmd_diff(int argc, char **argv)
{
	struct opts o;
	mde_bundle_info bi;
	char err[1024];
	int rc = get_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (!o.out || !o.key || optind != argc - 2)
		return usage_fail();
	if (mde_bundle_diff(argv[optind], argv[optind + 1], o.key, o.out, err,
			    sizeof(err)) != MDE_OK ||
	    mde_bundle_check(o.out, NULL, &bi, err, sizeof(err)) != MDE_OK)
		return mdesig_fail("%s", err);
	printf("%s: delta %" PRIu64 " -> %" PRIu64 ", %" PRIu64 " bytes\n",
	       o.out, bi.base_version, bi.version, bi.size);
	return 0;
}

static void print_name(void *ctx, const char *kind, const char *name)
{
	(void)ctx;
	printf("%s\t%s\n", kind, name);
}

static int cmd_list(int argc, char **argv)
{
	struct opts o;
	char err[1024];
	int rc = get_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (optind != argc - 1)
		return usage_fail();
	if (mde_bundle_list(argv[optind], print_name, NULL, err, sizeof(err)))
		return mdesig_fail("%s", err);
	return 0;
}

static int cmd_mirror(int argc, char **argv)
{
	struct opts o;
	int rc = get_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (!o.key || optind != argc - 2)
		return usage_fail();
	return mdesig_mirror_add(argv[optind], argv[optind + 1], o.key,
				 o.keep);
}

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "build", cmd_build },   { "diff", cmd_diff },
	{ "info", cmd_info },     { "keygen", cmd_keygen },
	{ "list", cmd_list },     { "mirror", cmd_mirror },
	{ "verify", cmd_verify },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage_fail();
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mdesig %s (engine %s)\n%s", PACKAGE_VERSION,
		       MDE_ENGINE_VERSION, mde_library_versions());
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	mdesig_fail("unknown command '%s'", argv[1]);
	return usage_fail();
}
