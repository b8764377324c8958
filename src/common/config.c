/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the configuration file (mdecfg.h): the key table, one row
 * per key, the one source of their types, limits, defaults and docs; and
 * the configuration read, with its getters.  The files of the module
 * (config_int.h):
 *   config.c        the key table, the configuration and its getters
 *   config_value.c  the typed values: checking a value against its key
 *   config_parse.c  the line parser, and the values a file adds
 *   config_load.c   reading a file and its drop-ins
 *   config_edit.c   what `mdescan exclusion` edits the file with
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdescan.h" /* mde_archive_type_name */
#include "paths.h"
#include "config_int.h"
#include "banned.h"

#define KB(n) ((int64_t)(n) << 10)
#define MB(n) ((int64_t)(n) << 20)
#define SIZE_LIMIT ((int64_t)1 << 62)
#define BIG INT32_MAX

static const char *const w_policy[] = { "off", "audit", "block", NULL };
static const char *const w_action[] = { "report", "quarantine", "remove",
					NULL };
static const char *const w_level[] = { "error", "warning", "info", "debug",
				       NULL };
static const char *const w_target[] = { "auto", "journald", "syslog",
					NULL }; /* enum mdelog_target */
static const char *const w_watch[] = { "audit", "block", NULL };
static const char *const w_gate[] = { "open", "read", NULL };
/* The engine's container kinds (mde_archive_type_name), taken once before
 * main() so that the key table can point at them: a kind added to the
 * engine is a word here with no change. */
static const char *w_arc[64];

__attribute__((constructor)) static void arc_words(void)
{
	unsigned i;

	for (i = 0; i + 1 < sizeof(w_arc) / sizeof(w_arc[0]); i++)
		if (!(w_arc[i] = mde_archive_type_name(i)))
			break;
}

#define K(name, type, rep, min, max, words, def, doc) \
	{ name, MDECFG_##type, rep, min, max, words, def, doc }

/* One row per key, sorted by name (mdecfg_find_key bisects). */
const struct mdecfg_key mdecfg_keys[] = {
	K("action", ENUM, 0, 0, 0, w_action, "report",
	  "what a scan does with an infected file"),
	K("allowed_threat", THREAT, 1, 0, 0, NULL, "none",
	  "a threat name or SHA-256 never reported as a finding"),
	K("archive_bomb", ENUM, 0, 0, 0, w_policy, "audit",
	  "what an archive bomb is: no finding, reported, or a finding"),
	K("archive_types", LIST, 0, 0, 0, w_arc, "all",
	  "the containers opened"),
	K("bomb_min_size", SIZE, 0, 0, SIZE_LIMIT, NULL, "16M",
	  "unpacked bytes before the bomb ratio is judged"),
	K("cache_dir", PATH, 0, 0, 0, NULL, MDE_CACHE_DIR,
	  "the scan cache directory"),
	K("cage", BOOL, 0, 0, 0, NULL, "yes",
	  "parse files in confined worker processes (the parser cage)"),
	K("cage_memory", SIZE, 0, 0, SIZE_LIMIT, NULL, "2G",
	  "address space a parser worker may add to what it inherits"),
	K("clamav_certs", PATH, 0, 0, 0, NULL, MDE_CLAMAV_CERTS_DEFAULT,
	  "CA certificates (a directory of .pem/.crt files, or one file) "
	  "a .cvd's detached .sign is checked against"),
	K("clamav_db_max_file_size", SIZE, 0, 0, SIZE_LIMIT, NULL, "1G",
	  "a ClamAV database (.cvd .cld .cud) with a larger file in it is "
	  "refused; 0 = no limit"),
	K("clamav_db_max_files", INT, 0, 0, BIG, NULL, "1024",
	  "a ClamAV database with more files in it is refused; 0 = no limit"),
	K("clamav_db_max_size", SIZE, 0, 0, SIZE_LIMIT, NULL, "2G",
	  "a ClamAV database unpacking to more bytes is refused; "
	  "0 = no limit"),
	K("daemon_command_timeout", SECONDS, 0, 1, 3600, NULL, "30",
	  "mdescand: seconds a client has to send a whole command"),
	K("daemon_idle_timeout", SECONDS, 0, 1, 86400, NULL, "120",
	  "mdescand: seconds without data from a client in a stream or session"),
	K("daemon_max_connections", INT, 0, 1, 65536, NULL, "256",
	  "mdescand: clients connected at once"),
	K("daemon_max_stream", SIZE, 0, 1, (int64_t)UINT32_MAX, NULL, "100M",
	  "mdescand: longest INSTREAM accepted"),
	K("daemon_queue", INT, 0, 1, 65536, NULL, "128",
	  "mdescand: requests waiting for a worker"),
	K("daemon_scan_root", PATH, 1, 0, 0, NULL, "none",
	  "mdescand: path commands only below these directories"),
	K("daemon_socket", PATH, 0, 0, 0, NULL, "/run/mdescand/mdescand.sock",
	  "mdescand: the Unix socket"),
	K("daemon_socket_group", NAME, 0, 0, 0, NULL, "mdescand",
	  "mdescand: the socket's group"),
	K("daemon_socket_mode", MODE, 0, 0, 0777, NULL, "0660",
	  "mdescand: the socket's permissions"),
	K("daemon_socket_owner", NAME, 0, 0, 0, NULL, "root",
	  "mdescand: the socket's owner"),
	K("daemon_tcp_addr", ADDR, 1, 0, 0, NULL, "127.0.0.1",
	  "mdescand: an address the TCP socket listens on"),
	K("daemon_tcp_port", INT, 0, 0, 65535, NULL, "0",
	  "mdescand: the TCP port; 0 = no TCP socket"),
	K("daemon_threads", INT, 0, 1, 1024, NULL, "online CPUs",
	  "mdescand: scan worker threads"),
	K("daemon_unofficial_names", BOOL, 0, 0, 0, NULL, "yes",
	  "mdescand: name the ClamAV detections of unofficial databases "
	  "NAME.UNOFFICIAL, as clamd does"),
	K("definitions_max_age_days", INT, 0, 0, 3650, NULL, "7",
	  "definitions older than this are reported as out of date "
	  "(0: anything created before now)"),
	K("exclude_dir", PATTERN, 1, 0, 0, NULL, "none",
	  "a directory pattern excluded with everything below it"),
	K("exclude_ext", EXT, 1, 0, 0, NULL, "none",
	  "a file extension excluded"),
	K("exclude_path", PATTERN, 1, 0, 0, NULL, "none",
	  "a path pattern excluded"),
	K("exclude_process", PATH, 1, 0, 0, NULL, "none",
	  "an executable whose file accesses the watcher does not scan"),
	K("history_db", PATH, 0, 0, 0, NULL, MDE_STATE_DIR "/history.db",
	  "the scan and threat history database"),
	K("keys", PATH, 0, 0, 0, NULL, MDE_CONF_DIR "/keys",
	  "trusted definitions keys: a .pub file or a directory"),
	K("lock_file", PATH, 0, 0, 0, NULL, "none",
	  "a file locked while a scheduled scan runs"),
	K("log_level", ENUM, 0, 0, 0, w_level, "info",
	  "the least severe message logged"),
	K("log_target", ENUM, 0, 0, 0, w_target, "auto",
	  "where messages are logged: journald if running, else syslog"),
	K("max_depth", INT, 0, 0, BIG, NULL, "64",
	  "directory depth limit"),
	K("max_files", INT, 0, 0, BIG, NULL, "10000",
	  "members read from one container; 0 = no limit"),
	K("max_filesize", SIZE, 0, 0, SIZE_LIMIT, NULL, "100M",
	  "larger files are skipped; 0 = no limit"),
	K("max_member_size", SIZE, 0, 0, SIZE_LIMIT, NULL, "100M",
	  "larger container members are skipped; 0 = no limit"),
	K("max_ratio", INT, 0, 0, BIG, NULL, "250",
	  "unpacked/read ratio of an archive bomb; 0 = off"),
	K("max_recursion", INT, 0, 0, BIG, NULL, "17",
	  "containers within containers"),
	K("max_scansize", SIZE, 0, 0, SIZE_LIMIT, NULL, "400M",
	  "bytes unpacked from one file; 0 = no limit"),
	K("min_score", INT, 0, 0, 1000000, NULL, "0",
	  "files whose total score is lower are not reported"),
	K("nice", BOOL, 0, 0, 0, NULL, "no",
	  "scan at the lowest CPU priority and the idle I/O class"),
	K("no_archive", BOOL, 0, 0, 0, NULL, "no",
	  "open no archive, compressed file, mail or UPX program"),
	K("no_cache", BOOL, 0, 0, 0, NULL, "no",
	  "neither read nor update the scan cache"),
	K("pua", ENUM, 0, 0, 0, w_policy, "audit",
	  "what a potentially unwanted application is"),
	K("quarantine_dir", PATH, 0, 0, 0, NULL, MDE_STATE_DIR "/quarantine",
	  "where quarantined files are kept"),
	K("retention_days", INT, 0, 0, 36500, NULL, "90",
	  "days of scan history kept; 0 = forever"),
	K("score_alert", INT, 0, 1, 1000000, NULL, "100",
	  "a file's total score from which its level is alert"),
	K("score_notice", INT, 0, 0, 1000000, NULL, "40",
	  "a file's total score from which its level is notice"),
	K("score_warning", INT, 0, 0, 1000000, NULL, "60",
	  "a file's total score from which its level is warning"),
	K("store", PATH, 0, 0, 0, NULL, MDE_STATE_DIR "/definitions",
	  "the installed definitions store"),
	K("threads", INT, 0, 1, 1024, NULL, "online CPUs (mdewatch: 2)",
	  "scan worker threads"),
	K("timeout", SECONDS, 0, 0, 86400, NULL, "60 (mdewatch: 30)",
	  "per-file scan time limit"),
	K("update_mirror", SOURCE, 0, 0, 0, NULL, "none",
	  "where definitions updates come from: a directory or an http(s) URL"),
	K("watch_deadline_ms", INT, 0, 1, 3600000, NULL, "1000",
	  "milliseconds the watcher takes at most to answer an open"),
	K("watch_fail_closed", BOOL, 0, 0, 0, NULL, "no",
	  "deny, not allow, what the watcher cannot judge in time"),
	K("watch_gate", ENUM, 0, 0, 0, w_gate, "open",
	  "block mode: what waits for the verdict, opens or reads"),
	K("watch_mode", ENUM, 0, 0, 0, w_watch, "block",
	  "block malicious opens, or audit files after the fact"),
	K("watch_path", PATH, 1, 0, 0, NULL, "none",
	  "a directory the watcher watches"),
};
const size_t mdecfg_nkeys = sizeof(mdecfg_keys) / sizeof(mdecfg_keys[0]);

const struct mdecfg_key *mdecfg_find_key(const char *name, size_t n)
{
	size_t lo = 0, hi = mdecfg_nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = mdecfg_keys[mid].name;
		int c = strncmp(name, k, n);

		if (c == 0 && k[n] == '\0')
			return &mdecfg_keys[mid];
		if (c == 0)
			c = -1; /* name is a prefix of k: it sorts first */
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *mdecfg_default_path(void)
{
	const char *p = getenv("MDESCAN_CONF");

	return p && *p ? p : MDECFG_DEFAULT_PATH;
}

/* ------------------------------------------------- the configuration */

struct mdecfg *mdecfg_new(void)
{
	struct mdecfg *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->last = calloc(mdecfg_nkeys, sizeof(*c->last));
	if (!c->last) {
		mdecfg_free(c);
		return NULL;
	}
	return c;
}

void mdecfg_free(struct mdecfg *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n; i++)
		free((char *)cfg->v[i].value);
	free(cfg->v);
	tool_strv_free(&cfg->files);
	free(cfg->last);
	free(cfg);
}

/* ----------------------------------------------------------- getters */

static const struct mdecfg_key *key_or_die(const char *key)
{
	const struct mdecfg_key *k = mdecfg_find_key(key, strlen(key));

	if (!k) {
		fprintf(stderr, "mdecfg: no configuration key '%s'\n", key);
		abort();
	}
	return k;
}

const struct mdecfg_val *mdecfg_get(const struct mdecfg *cfg, const char *key)
{
	const struct mdecfg_key *k = key_or_die(key);
	size_t i = cfg ? cfg->last[k - mdecfg_keys] : 0;

	return i ? &cfg->v[i - 1] : NULL;
}

int mdecfg_get_str(const struct mdecfg *cfg, const char *key,
		   const char **out)
{
	const struct mdecfg_val *v = mdecfg_get(cfg, key);

	if (v)
		*out = v->value;
	return v != NULL;
}

static void wrong_type(const char *key, const char *getter)
{
	fprintf(stderr, "mdecfg: %s() on '%s' of another type\n", getter, key);
	abort();
}

int mdecfg_get_int(const struct mdecfg *cfg, const char *key, int64_t *out)
{
	const struct mdecfg_key *k = key_or_die(key);
	const struct mdecfg_val *v;

	if (k->type != MDECFG_BOOL && k->type != MDECFG_INT &&
	    k->type != MDECFG_SIZE && k->type != MDECFG_SECONDS &&
	    k->type != MDECFG_ENUM && k->type != MDECFG_MODE)
		wrong_type(key, "mdecfg_get_int");
	v = mdecfg_get(cfg, key);
	if (v)
		*out = v->num;
	return v != NULL;
}

int mdecfg_get_bool(const struct mdecfg *cfg, const char *key, int *out)
{
	const struct mdecfg_val *v;

	if (key_or_die(key)->type != MDECFG_BOOL)
		wrong_type(key, "mdecfg_get_bool");
	v = mdecfg_get(cfg, key);
	if (v)
		*out = v->num != 0;
	return v != NULL;
}

int mdecfg_each(const struct mdecfg *cfg, const char *key, mdecfg_each_fn fn,
		void *ctx)
{
	const struct mdecfg_key *k = key_or_die(key);
	const struct mdecfg_val *last;
	size_t i;
	int rc;

	if (!cfg)
		return 0;
	if (!k->repeatable) {
		last = mdecfg_get(cfg, key);
		return last ? fn(ctx, last) : 0;
	}
	for (i = 0; i < cfg->n; i++)
		if (cfg->v[i].key == k && (rc = fn(ctx, &cfg->v[i])) != 0)
			return rc;
	return 0;
}
