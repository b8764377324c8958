/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_pe.c - a Windows PE file as a container of what it carries besides
 * its program (pe.c finds it): the overlay, "[overlay]", when it holds
 * anything, and resources, "[rsrc/TYPE/NAME]": every RT_RCDATA one (raw
 * data: where droppers keep what they drop) and any other whose data
 * starts as an executable or an archive does.  The pipeline decides what
 * a member is; a self-extracting ZIP's archive is its overlay.
 *
 * The bid runs on every file starting with "MZ", so it reads the headers
 * only (a bounded section table) and bids only for a PE with an overlay
 * or a resource directory; it bids below the formats found inside a PE
 * (an NSIS installer, arc_nsis.c), so they win.  Members are slices of
 * the file: nothing is copied or allocated per member.  Every resource
 * visited counts as an entry against max-files; a directory that loops
 * or fans out ends at the walk's own budget, noted as that limit.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "pe.h"
#include "banned.h"

/* below a plain magic: a PE is where other formats live */
#define BID_PE (MDE__BID_MAGIC - 10)
#define RT_RCDATA 10

struct pe_state {
	mde__arc_in *in;
	mde__pe pe;
	mde__pe_res_iter it;
	bool walking, ovl_done, halt;
	char name[96];
};

static int bid_pe(const uint8_t *buf, size_t len)
{
	mde__pe pe;

	if (buf[0] != 'M' || buf[1] != 'Z' || !mde__pe_parse(buf, len, &pe))
		return 0;
	return pe.ovl < pe.ovl_end || pe.res_size ? BID_PE : 0;
}

/* Data a resource holds that the pipeline may open: an executable or one
 * of the archives droppers use.  A few compares, as bids are. */
static bool embedded(const uint8_t *d, size_t n)
{
	static const struct {
		const char *m;
		size_t n;
	} magic[] = {
		{ "MZ", 2 }, { "\x7f" "ELF", 4 }, { "PK\3\4", 4 },
		{ "Rar!\x1a\x07", 6 }, { "7z\xbc\xaf\x27\x1c", 6 },
		{ "MSCF\0\0\0\0", 8 }, { "\x1f\x8b\x08", 3 }, { "BZh", 3 },
		{ "\xfd" "7zXZ\0", 6 }, { "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8 },
		{ "%PDF-", 5 }, { "{\\rtf", 5 }, { "ITSF", 4 },
	};
	size_t i;

	for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if (n >= magic[i].n && memcmp(d, magic[i].m, magic[i].n) == 0)
			return true;
	return false;
}

static void *pe_open(mde__arc_in *in)
{
	struct pe_state *s = calloc(1, sizeof(*s));

	if (!s) {
		mde__arc_skip(in, NULL, "out of memory");
		return NULL;
	}
	s->in = in;
	if (!mde__pe_parse(in->buf, in->len, &s->pe)) {
		free(s);
		return NULL;
	}
	s->walking = mde__pe_res_begin(&s->it, &s->pe) == 0;
	return s;
}

/* The next resource worth a member, or 0 when there is none left. */
static int next_resource(struct pe_state *s, mde__arc_member *m)
{
	mde__pe_res r;
	int rc;

	while (s->walking && (rc = mde__pe_res_next(&s->it, &r)) != 0) {
		if (rc < 0) {
			mde__arc_skip(s->in, NULL, "limit: max-files");
			s->halt = true;
			break;
		}
		snprintf(s->name, sizeof(s->name), "[rsrc/%s]", r.label);
		if (mde__arc_entry(s->in, s->name) != MDE__ARC_OK) {
			s->halt = true;
			break;
		}
		if (r.len == 0 || (r.type != RT_RCDATA &&
				   !embedded(r.data, r.len)))
			continue;
		m->name = s->name;
		m->data = r.data;
		m->len = r.len;
		return 1;
	}
	s->walking = false;
	return 0;
}

static int pe_next(void *state, mde__arc_member *m)
{
	struct pe_state *s = state;
	const mde__pe *pe = &s->pe;

	if (next_resource(s, m))
		return 1;
	if (s->ovl_done || s->halt || s->in->bud->stop)
		return 0;
	s->ovl_done = true;
	if (pe->ovl >= pe->ovl_end ||
	    !mde__pe_nonzero(pe->buf, pe->ovl, pe->ovl_end))
		return 0;
	if (mde__arc_entry(s->in, "[overlay]") != MDE__ARC_OK)
		return 0;
	m->name = "[overlay]";
	m->data = pe->buf + pe->ovl;
	m->len = pe->ovl_end - pe->ovl;
	return 1;
}

static void pe_close(void *state)
{
	free(state);
}

const struct mde__arc_handler mde__arc_pe = {
	"pe", MDE__ARC_WEAK, bid_pe, NULL, pe_open, pe_next, pe_close, NULL,
};
