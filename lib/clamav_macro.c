/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_macro.c - macro subsignatures ${min-max}group$ of logical
 * signatures, counted the way clamscan 1.4 counts them, which is not the
 * way ClamAV documents them (doc/clamav-signatures.md, defect 2).
 *
 * clamscan reads the buffer once and sees each match where it ends.  A
 * member of the group (an .ndb line with offset $group) moves the
 * group's "last match" to its start.  The preceding subsignature's first
 * match is only remembered; at each later one (and once more at the end
 * of the buffer) the remembered start is checked against the group's
 * last match: within [min, max] after it counts one macro match, else the
 * preceding subsignature loses that match and remembers the new one.
 * So a single match of the preceding subsignature never satisfies a
 * macro, whatever follows it.
 */
#include "config.h"

#include <stdlib.h>

#include "clamav_int.h"
#include "banned.h"

struct ev {
	uint64_t end, start;
	int member;
};

static int cmp_ev(const void *pa, const void *pb)
{
	const struct ev *a = pa, *b = pb;

	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return b->member - a->member; /* a member first at the same end */
}

static int add_ev(struct ev **v, size_t *n, size_t *cap, uint64_t start,
		  uint64_t len, int member)
{
	if (mde__grow((void **)v, cap, *n + 1, sizeof(**v)))
		return -1;
	(*v)[(*n)++] = (struct ev){ start + len, start, member };
	return 0;
}

/* Every match of every member of group g, as events. */
static int member_events(const mde__clam *c, mde__clamscratch *s,
			 uint32_t g, const struct cl_fctx *f, struct ev **v,
			 size_t *n, size_t *cap)
{
	for (size_t m = 0; m < c->nmacro[g]; m++) {
		const struct cl_pat *p = c->sigs[c->macro[g][m]]->sub[0].pat[0];
		size_t tf = SIZE_MAX, st, lo = 0;
		int rc;

		while ((rc = cl_pat_find(p, &s->m, f->buf, f->len, lo, f->len,
					 &st, &tf)) > 0) {
			if (add_ev(v, n, cap, st, p->minlen, 1))
				return -1;
			lo = st + 1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

struct mstate {
	uint64_t prev, last; /* remembered start; group's last match */
	uint32_t cnt, mcnt;
	const struct cl_sub *sub;
};

static void check(struct mstate *st, uint64_t start)
{
	if (st->last == CL_NOOFF || st->prev + st->sub->mmin > st->last ||
	    st->prev + st->sub->mmax < st->last) {
		st->cnt--;
		st->prev = start;
	} else {
		st->mcnt++;
	}
}

int cl_macro_eval(const mde__clam *c, mde__clamscratch *s,
		  const struct cl_sig *sig, unsigned i, const struct cl_fctx *f,
		  uint32_t *cnt)
{
	const struct cl_sub *sub = &sig->sub[i], *prev = &sig->sub[i - 1];
	struct mstate st = { CL_NOOFF, CL_NOOFF, 0, 0, sub };
	struct ev *v = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (prev->kind != CS_HEX)
		return 0;
	for (size_t k = 0; k < s->noffs[i - 1]; k++)
		if (add_ev(&v, &n, &cap, s->offs[i - 1][k],
			   prev->pat[0]->minlen, 0))
			goto out;
	if (member_events(c, s, sub->off.sect, f, &v, &n, &cap))
		goto out;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_ev);
	for (size_t k = 0; k < n; k++) {
		if (v[k].member) {
			st.last = v[k].start;
			continue;
		}
		if (st.prev != CL_NOOFF && v[k].start <= st.prev)
			continue;
		if (++st.cnt <= 1)
			st.prev = v[k].start;
		else
			check(&st, v[k].start);
	}
	if (st.cnt > 1)
		check(&st, st.prev);
	cnt[i - 1] = st.cnt;
	cnt[i] = st.mcnt;
	rc = 0;
out:
	free(v);
	return rc;
}
