/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamdbs.c - the ClamAV databases of a bundle, in words and in JSON
 * (clamdbs.h); the engine reads them (mde_bundle_clamdbs()).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mdescan.h"
#include "clamdbs.h"
#include "output.h"
#include "banned.h"

struct pr {
	FILE *fp;
	const char *label; /* NULL: JSON */
	int n;             /* databases written */
};

/* The build time: ISO 8601 from the seconds, else ClamAV's own text. */
static void built(const mde_clamdb_info *db, char *buf, size_t n)
{
	time_t t = (time_t)db->built_at;
	struct tm tm;

	if (!db->built_at || !gmtime_r(&t, &tm) ||
	    !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "%s", db->built);
}

static void one_text(void *ctx, const mde_clamdb_info *db)
{
	struct pr *p = ctx;
	char t[80];
	size_t i;

	built(db, t, sizeof(t));
	fprintf(p->fp, "%s%s version %u, built %s, %" PRIu64 " signatures "
		"(%s%s%s)", p->label, db->name, db->version, t, db->sigs,
		db->official ? "official" : "unofficial",
		db->official && db->verified ? ", verified: " : "",
		db->official && db->verified ? db->verified : "");
	for (i = 0; i < db->nunsup; i++)
		fprintf(p->fp, "%s%" PRIu64 " %s", i ? ", " : ", not run: ",
			db->unsup[i].n, db->unsup[i].what);
	fputc('\n', p->fp);
	p->n++;
}

static void jstr(FILE *fp, const char *k, const char *v)
{
	fprintf(fp, "\"%s\":", k);
	out_json_str(fp, v, strlen(v));
}

static void one_json(void *ctx, const mde_clamdb_info *db)
{
	struct pr *p = ctx;
	char t[80];
	size_t i;

	built(db, t, sizeof(t));
	fputs(p->n++ ? ",{" : "{", p->fp);
	jstr(p->fp, "name", db->name);
	fprintf(p->fp, ",\"version\":%u,", db->version);
	jstr(p->fp, "built", t);
	fprintf(p->fp, ",\"signatures\":%" PRIu64 ",\"loaded\":%" PRIu64
		",\"official\":%s,", db->sigs, db->loaded,
		db->official ? "true" : "false");
	if (db->verified)
		jstr(p->fp, "verified", db->verified);
	else
		fputs("\"verified\":null", p->fp);
	fputs(",\"not_run\":[", p->fp);
	for (i = 0; i < db->nunsup; i++) {
		fputs(i ? ",{" : "{", p->fp);
		jstr(p->fp, "what", db->unsup[i].what);
		fprintf(p->fp, ",\"count\":%" PRIu64 "}", db->unsup[i].n);
	}
	fputs("]}", p->fp);
}

int clamdbs_text(FILE *fp, const char *path, const char *label, char *err,
		 size_t errlen)
{
	struct pr p = { fp, label, 0 };

	return mde_bundle_clamdbs(path, one_text, &p, err, errlen) == MDE_OK
		       ? 0 : -1;
}

int clamdbs_json(FILE *fp, const char *path, char *err, size_t errlen)
{
	struct pr p = { fp, NULL, 0 };
	int rc;

	fputc('[', fp);
	rc = mde_bundle_clamdbs(path, one_json, &p, err, errlen);
	fputc(']', fp);
	return rc == MDE_OK ? 0 : -1;
}
