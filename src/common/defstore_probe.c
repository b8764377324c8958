/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defstore_probe.c - `mdescan connectivity test`: can this host update its
 * definitions?  The same fetches as defstore_update() (defstore.c), into
 * a temporary directory of their own: the store is read for the installed
 * version, never written, never locked, so a probe from cron cannot get
 * in the way of an update.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "defstore.h"
#include "util.h"
#include "banned.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fetches rel of from (NULL: from itself) into dest as the next step. */
static int step(struct defstore_probe *p, const char *what, const char *from,
		const char *rel, const char *dest)
{
	struct defstore_step *s = &p->step[p->nsteps++];
	double t0 = now_s();

	s->what = what;
	defstore_mirror_url(from, rel, s->url, sizeof(s->url));
	s->ok = defstore_mirror_get(from, rel, dest, s->err,
				    sizeof(s->err)) == 0;
	s->seconds = now_s() - t0;
	return s->ok ? 0 : 1;
}

/* The bundle update would fetch, into rel: 0, or 1 (the index step or
 * p->why says why not). */
static int index_step(struct defstore_probe *p, const char *from,
		      const char *tmp, char *rel, size_t n)
{
	char index[4200], err[1024];
	uint64_t latest = 0;

	snprintf(index, sizeof(index), "%s/index", tmp);
	if (step(p, "index", from, "index", index))
		return 1;
	if (defstore_mirror_choose(index, p->installed ? &p->cur : NULL, rel,
				   n, &latest, err, sizeof(err)))
		tool_errf(p->why, sizeof(p->why), 1, "%s: %s",
			  p->step[0].url, err);
	else if (!latest)
		tool_errf(p->why, sizeof(p->why), 1, "%s lists no bundle",
			  p->step[0].url);
	unlink(index);
	return *p->why ? 1 : 0;
}

/* Fetches and checks; tmp is an empty directory of ours. */
static int probe_in(const char *from, const char *keys, const char *tmp,
		    struct defstore_probe *p)
{
	char rel[4200], bundle[4200];
	struct stat sb;
	int rc;

	snprintf(bundle, sizeof(bundle), "%s/bundle.mdb", tmp);
	/* a path that is no directory: a bundle, as for an update */
	if (!defstore_is_url(from) &&
	    (stat(from, &sb) < 0 || !S_ISDIR(sb.st_mode))) {
		rc = step(p, "bundle", from, NULL, bundle);
	} else {
		rc = index_step(p, from, tmp, rel, sizeof(rel));
		if (!rc)
			rc = step(p, "bundle", from, rel, bundle);
	}
	if (rc)
		return rc;
	p->found = 1;
	p->verified = mde_bundle_check(bundle, keys, &p->bi, p->why,
				       sizeof(p->why)) == MDE_OK;
	unlink(bundle);
	return p->verified ? 0 : 1;
}

int defstore_probe(const char *from, const char *dir, const char *keys,
		   struct defstore_probe *p)
{
	struct defstore_status st;
	const char *td = getenv("TMPDIR");
	char tmp[4096]; /* a longer TMPDIR loses the XXXXXX: EINVAL */
	int rc;

	memset(p, 0, sizeof(*p));
	defstore_status(dir, &st);
	p->installed = st.cur.have;
	p->cur = st.cur.bi;
	snprintf(tmp, sizeof(tmp), "%s/mdescan-probe.XXXXXX",
		 td && *td ? td : "/tmp");
	if (!mkdtemp(tmp)) {
		return tool_errf(p->why, sizeof(p->why), 1,
				 "cannot create '%s': %s", tmp,
				 strerror(errno));
	}
	rc = probe_in(from, keys, tmp, p);
	rmdir(tmp);
	return rc;
}
