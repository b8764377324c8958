/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shard.h - which part of the files a scan takes: --shard K/N, or
 * --shard auto from the environment of the job running it (shard.c).
 */
#ifndef MDESCAN_SHARD_H
#define MDESCAN_SHARD_H

#include <stddef.h>
#include <stdint.h>

/* The engine's limit on N (MDE_OPT_SHARD_COUNT). */
#define SHARD_MAX 65536

/* A part: K of N, 1 <= K <= N, and what said so, for the summaries. */
struct shard {
	int64_t k, n;    /* n == 0: the whole tree */
	const char *from; /* "option", "MDESCAN_SHARD", "kubernetes", "slurm" */
};

/* Return values of shard_parse(). */
enum { SHARD_OK = 0, SHARD_SYNTAX = -1, SHARD_RANGE = -2 };

/*
 * "K/N" in decimal, 1 <= K <= N <= SHARD_MAX, as --shard and
 * MDESCAN_SHARD spell it.  Returns SHARD_OK and sets *k and *n, else
 * SHARD_SYNTAX (not K/N) or SHARD_RANGE (numbers out of range).
 */
int shard_parse(const char *s, int64_t *k, int64_t *n);

/*
 * --shard auto: the part from the environment, looked up in this order:
 * MDESCAN_SHARD=K/N; a Kubernetes Indexed Job (JOB_COMPLETION_INDEX,
 * 0-based, with MDESCAN_SHARDS = the Job's completions, which Kubernetes
 * does not pass on by itself); a Slurm job array (SLURM_ARRAY_TASK_ID,
 * _MIN, _MAX, _COUNT and, for --array=A-B:S, _STEP).  Returns 0 and fills
 * *s, or -1 with the reason, naming the variable, in err.
 */
int shard_from_env(struct shard *s, char *err, size_t errlen);

#endif
