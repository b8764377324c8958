/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shard.c - --shard K/N and --shard auto.
 *
 * A distributed engine starts the same command N times and tells each
 * copy which one it is through its environment; --shard auto turns that
 * into K/N so that one manifest or batch script serves every copy.  Each
 * engine numbers its copies its own way (Kubernetes from 0, Slurm from
 * whatever the array says); K stays 1-based as --shard K/N has always
 * been, and every value that does not make a K/N is an error naming the
 * variable: a copy that guessed would leave files unscanned silently.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shard.h"
#include "banned.h"

/* Above any array size Slurm or Kubernetes allows, below int64_t. */
#define NUM_MAX 1000000000LL

/* Decimal digits only: no sign, no spaces, no hex, at most NUM_MAX. */
static int parse_uint(const char *s, const char *end, int64_t *v)
{
	int64_t n = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n > NUM_MAX)
			return -1;
	}
	*v = n;
	return 0;
}

int shard_parse(const char *s, int64_t *k, int64_t *n)
{
	const char *slash = strchr(s, '/');
	int64_t a, b;

	if (!slash || parse_uint(s, slash, &a) < 0 ||
	    parse_uint(slash + 1, slash + strlen(slash), &b) < 0)
		return SHARD_SYNTAX;
	if (a < 1 || b < 1 || b > SHARD_MAX || a > b)
		return SHARD_RANGE;
	*k = a;
	*n = b;
	return SHARD_OK;
}

/*
 * The number in environment variable name: 1 when set and a number,
 * 0 when unset (or empty, as a shell's VAR= leaves it), -1 with the
 * reason in err when it is something else.
 */
static int env_num(const char *name, int64_t *v, char *err, size_t errlen)
{
	const char *s = getenv(name);

	if (!s || !*s)
		return 0;
	if (parse_uint(s, s + strlen(s), v) < 0) {
		snprintf(err, errlen, "%s='%s' is not a number", name, s);
		return -1;
	}
	return 1;
}

/* env_num() of a variable that must be there. */
static int env_need(const char *name, const char *why, int64_t *v,
		    char *err, size_t errlen)
{
	int rc = env_num(name, v, err, errlen);

	if (rc == 0)
		snprintf(err, errlen, "%s is not set (%s)", name, why);
	return rc == 1 ? 0 : -1;
}

/* N of a K/N within the engine's limit. */
static int check_count(const char *name, int64_t n, char *err,
		       size_t errlen)
{
	if (n >= 1 && n <= SHARD_MAX)
		return 0;
	snprintf(err, errlen, "%s=%lld: the number of shards must be 1 to %d",
		 name, (long long)n, SHARD_MAX);
	return -1;
}

static int from_mdescan(struct shard *s, const char *v, char *err,
			size_t errlen)
{
	if (shard_parse(v, &s->k, &s->n) != SHARD_OK) {
		snprintf(err, errlen,
			 "MDESCAN_SHARD='%s' is not K/N with 1 <= K <= N <= %d",
			 v, SHARD_MAX);
		return -1;
	}
	s->from = "MDESCAN_SHARD";
	return 0;
}

/*
 * An Indexed Job gives each pod JOB_COMPLETION_INDEX, 0 to completions
 * - 1, but not the completions themselves: the manifest passes them as
 * MDESCAN_SHARDS (contrib/kubernetes/mdescan-scan-job.yaml).
 */
static int from_kubernetes(struct shard *s, char *err, size_t errlen)
{
	int64_t i, n;

	if (env_need("JOB_COMPLETION_INDEX", "not a Kubernetes Indexed Job",
		     &i, err, errlen) < 0 ||
	    env_need("MDESCAN_SHARDS",
		     "the Indexed Job must set it to its spec.completions", &n,
		     err, errlen) < 0 ||
	    check_count("MDESCAN_SHARDS", n, err, errlen) < 0)
		return -1;
	if (i >= n) {
		snprintf(err, errlen,
			 "JOB_COMPLETION_INDEX=%lld is not below "
			 "MDESCAN_SHARDS=%lld: set MDESCAN_SHARDS to the "
			 "Job's spec.completions",
			 (long long)i, (long long)n);
		return -1;
	}
	s->k = i + 1;
	s->n = n;
	s->from = "kubernetes";
	return 0;
}

/* The Slurm variables an array task gets (sbatch(1), OUTPUT ENVIRONMENT
 * VARIABLES); STEP only matters for --array=A-B:S. */
struct slurm_env {
	int64_t id, min, max, count, step;
};

static int slurm_read(struct slurm_env *a, char *err, size_t errlen)
{
	const char *why = "not a Slurm job array task?";
	int rc;

	if (env_need("SLURM_ARRAY_TASK_ID", why, &a->id, err, errlen) < 0 ||
	    env_need("SLURM_ARRAY_TASK_MIN", why, &a->min, err, errlen) < 0 ||
	    env_need("SLURM_ARRAY_TASK_MAX", why, &a->max, err, errlen) < 0 ||
	    env_need("SLURM_ARRAY_TASK_COUNT", why, &a->count, err,
		     errlen) < 0 ||
	    check_count("SLURM_ARRAY_TASK_COUNT", a->count, err, errlen) < 0)
		return -1;
	rc = env_num("SLURM_ARRAY_TASK_STEP", &a->step, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0)
		a->step = 1;
	if (a->step < 1) {
		snprintf(err, errlen, "SLURM_ARRAY_TASK_STEP=0 is not a step");
		return -1;
	}
	return 0;
}

/*
 * Shard K is the K-th index of the array: MIN, MIN + STEP, ... MAX.  An
 * array whose indexes are not such a sequence (--array=0,2,5, or a
 * resubmission of some of its tasks) has no K/N to give: refused, as
 * each task alone cannot tell which parts nobody scans.
 */
static int from_slurm(struct shard *s, char *err, size_t errlen)
{
	struct slurm_env a;

	if (slurm_read(&a, err, errlen) < 0)
		return -1;
	if (a.min > a.max || a.max - a.min != (a.count - 1) * a.step) {
		snprintf(err, errlen,
			 "SLURM_ARRAY_TASK_MIN=%lld, _MAX=%lld, _STEP=%lld and "
			 "_COUNT=%lld are not one evenly spaced range of "
			 "indexes (--array=A-B or A-B:S): "
			 "use MDESCAN_SHARD=K/N",
			 (long long)a.min, (long long)a.max, (long long)a.step,
			 (long long)a.count);
		return -1;
	}
	if (a.id < a.min || a.id > a.max || (a.id - a.min) % a.step) {
		snprintf(err, errlen,
			 "SLURM_ARRAY_TASK_ID=%lld is not an index of the "
			 "array %lld-%lld:%lld", (long long)a.id,
			 (long long)a.min, (long long)a.max, (long long)a.step);
		return -1;
	}
	s->k = (a.id - a.min) / a.step + 1;
	s->n = a.count;
	s->from = "slurm";
	return 0;
}

static int is_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v;
}

int shard_from_env(struct shard *s, char *err, size_t errlen)
{
	if (is_set("MDESCAN_SHARD"))
		return from_mdescan(s, getenv("MDESCAN_SHARD"), err, errlen);
	if (is_set("JOB_COMPLETION_INDEX") || is_set("MDESCAN_SHARDS"))
		return from_kubernetes(s, err, errlen);
	if (is_set("SLURM_ARRAY_TASK_ID"))
		return from_slurm(s, err, errlen);
	snprintf(err, errlen,
		 "no shard in the environment: set MDESCAN_SHARD=K/N, or run "
		 "as a Kubernetes Indexed Job (JOB_COMPLETION_INDEX and "
		 "MDESCAN_SHARDS) or a Slurm job array (SLURM_ARRAY_TASK_ID)");
	return -1;
}
