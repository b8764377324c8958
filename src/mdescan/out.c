/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out.c - the table of output formats, opening and closing a writer, and
 * what several writers share (out.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "shard.h"
#include "banned.h"

/* Every format, by the name its option gives. */
static const struct out_format *const formats[] = {
	&out_text, &out_json, &out_ecs, &out_csv, &out_hashdeep,
	&out_bodyfile,
};

const struct out_format *out_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

static FILE *open_file(const char *path, int append, char *err,
		       size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
				    (append ? O_APPEND : O_TRUNC),
		      0640);
	FILE *fp = fd < 0 ? NULL : fdopen(fd, append ? "a" : "w");

	if (!fp) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return fp;
}

struct out_writer *out_open(const struct out_format *f, const char *path,
			    const struct out_ctx *ctx, char *err,
			    size_t errlen)
{
	struct out_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->fmt = f;
	w->path = path;
	w->ctx = ctx;
	w->fp = path ? open_file(path, f->flags & OUT_APPEND, err, errlen)
		     : stdout;
	if (!w->fp) {
		free(w);
		return NULL;
	}
	if (f->begin)
		f->begin(w);
	return w;
}

int out_close(struct out_writer *w, char *err, size_t errlen)
{
	int rc = 0;

	if (!w)
		return 0;
	if (!w->path) {
		fflush(w->fp); /* the caller judges standard output */
		free(w);
		return 0;
	}
	if ((fflush(w->fp) != 0 || ferror(w->fp) || fsync(fileno(w->fp)) < 0) &&
	    errno != EINVAL) {
		snprintf(err, errlen, "cannot write '%s': %s", w->path,
			 strerror(errno));
		rc = -1;
	}
	if (fclose(w->fp) != 0 && rc == 0) {
		snprintf(err, errlen, "cannot write '%s': %s", w->path,
			 strerror(errno));
		rc = -1;
	}
	free(w);
	return rc;
}

/* ------------------------------------------------------- for writers */

void out_iso_time(char *out, size_t n, int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	long ms = (long)((ns % 1000000000) / 1000000);
	struct tm tm;

	if (ns < 0 && ns % 1000000000) {
		t--;
		ms += 1000;
	}
	gmtime_r(&t, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ms);
}

int64_t out_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *out_base_name(const char *p, size_t len, size_t *blen)
{
	size_t i = len;

	while (i > 0 && p[i - 1] != '/')
		i--;
	*blen = len - i;
	return p + i;
}

const char *out_image_path(const struct out_ctx *c, const char *p,
			   size_t *len)
{
	if (c->rootlen && *len >= c->rootlen &&
	    memcmp(p, c->root, c->rootlen) == 0 &&
	    (*len == c->rootlen || p[c->rootlen] == '/')) {
		if (*len == c->rootlen) {
			*len = 1;
			return "/";
		}
		*len -= c->rootlen;
		return p + c->rootlen;
	}
	return p;
}

#define SUM(field) offsetof(struct out_totals, s.field)
#define TOT(field) offsetof(struct out_totals, field)

/* The counters of both JSON summaries, in the order written. */
static const struct counter {
	const char *name;
	size_t off; /* of its uint64_t in struct out_totals */
	unsigned in;
} counters[] = {
	{ "files", SUM(files), OUT_IN_JSON | OUT_IN_ECS },
	{ "bytes", SUM(bytes), OUT_IN_JSON | OUT_IN_ECS },
	{ "findings", SUM(findings), OUT_IN_JSON | OUT_IN_ECS },
	{ "infected", SUM(infected), OUT_IN_JSON | OUT_IN_ECS },
	{ "reported", TOT(reported), OUT_IN_ECS },
	{ "errors", SUM(errors), OUT_IN_JSON | OUT_IN_ECS },
	{ "skipped", SUM(skipped), OUT_IN_JSON | OUT_IN_ECS },
	{ "excluded", SUM(excluded), OUT_IN_JSON | OUT_IN_ECS },
	{ "dirs", SUM(dirs), OUT_IN_JSON },
	{ "cached", SUM(cached), OUT_IN_JSON },
	{ "deduped", SUM(deduped), OUT_IN_JSON },
	{ "members", SUM(members), OUT_IN_JSON },
	{ "unpacked", SUM(unpacked), OUT_IN_JSON },
	{ "unchanged", SUM(unchanged), OUT_IN_JSON | OUT_IN_ECS },
	{ "othershard", SUM(othershard), OUT_IN_JSON | OUT_IN_ECS },
	{ "atime_risk", SUM(atime_risk), OUT_IN_JSON | OUT_IN_ECS },
	{ "below_min_score", TOT(below_min_score), OUT_IN_JSON | OUT_IN_ECS },
};

void out_json_counters(FILE *fp, const struct out_totals *t, unsigned which)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		if (!(counters[i].in & which))
			continue;
		fprintf(fp, "%s\"%s\":%llu", sep, counters[i].name,
			(unsigned long long)*(const uint64_t *)
				((const char *)t + counters[i].off));
		sep = ",";
	}
}

void out_json_shard(FILE *fp, const struct out_ctx *c)
{
	if (!c->shard)
		return;
	fprintf(fp,
		",\"shard\":{\"index\":%lld,\"count\":%lld,\"from\":\"%s\"}",
		(long long)c->shard->k, (long long)c->shard->n,
		c->shard->from);
}
