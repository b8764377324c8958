/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_ole2.c - OLE2 compound files (doc, xls, ppt, msi, msg, the
 * vbaProject.bin of an OOXML document) as containers, read by ole2.c.
 *
 * Members, in the directory walk's order:
 *  - every stream, named by its path ("Macros/VBA/Module1"), as stored;
 *  - for every VBA storage (one holding a "dir" stream), the source of
 *    each module of its project, decompressed (ovba.c) and named
 *    "vba/<module>": what a macro signature is written against;
 *  - an "\x01Ole10Native" stream, unwrapped: the embedded file, named by
 *    its own file name (olenative.c); as stored when it holds none;
 *  - an Outlook attachment's data stream, named by the attachment's file
 *    name (its __substg1.0_3707 property, or the 3704 short one);
 *  - the objects a PowerPoint presentation keeps in its "PowerPoint
 *    Document" stream (ppt.c: OLE2 storages, inflated), named
 *    "PowerPoint Document/object-N", which the stage opens in turn.
 * Members say what they are (arc.h's enum mde__arc_mtype).
 *
 * Limits: the streams are parts of the file, handed over in place when
 * their sectors are adjacent; a stream decoded (a module's source) goes
 * through the member buffer, whose every slice is checked, so a module
 * that claims gigabytes stops at max-member-size.  A chain of sectors
 * that loops is noted as damage of that stream, and the rest is read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "ole2.h"
#include "olenative.h"
#include "ovba.h"
#include "ppt.h"
#include "banned.h"

/* A dir stream is a few kilobytes; one past this is not read further. */
#define DIR_MAX (16u << 20)
#define NAME_MAX_ 1024
#define LOOP "archive damaged: FAT loop"

struct ole {
	mde__arc_in *in;
	mde__ole2 *o;
	uint32_t pos;              /* next entry of the walk */
	uint32_t vba;              /* the VBA storage being read */
	mde__ovba_module *mods;    /* its modules */
	size_t nmods, imod;
	uint8_t *tmp;              /* a stream read whole */
	size_t tmpcap, tmplen;
	uint32_t ppt_doc;          /* a PowerPoint Document stream to read */
	uint8_t *pbuf;             /* ... read whole: its objects in it */
	size_t pcap, plen;
	mde__ppt ppt;
	unsigned nppt;
	int st;                    /* the member buffer's last answer */
	char name[NAME_MAX_];      /* the member's */
};

static int bid_ole2(const uint8_t *buf, size_t len)
{
	return mde__ole2_magic(buf, len) ? MDE__BID_MAGIC : 0;
}

static void *ole_open(mde__arc_in *in)
{
	struct ole *s = calloc(1, sizeof(*s));
	int rc = s ? mde__ole2_open(in->buf, in->len, &s->o) : MDE__OLE2_NOMEM;

	if (rc != MDE__OLE2_OK) {
		if (rc == MDE__OLE2_NOMEM)
			mde__arc_skip(in, NULL, "out of memory");
		free(s);
		return NULL;
	}
	s->in = in;
	return s;
}

static void ole_close(void *state)
{
	struct ole *s = state;

	mde__ole2_close(s->o);
	free(s->mods);
	free(s->tmp);
	free(s->pbuf);
	free(s);
}

/* Reads stream id whole into s->tmp (at most cap bytes).  0, or -1
 * (noted: damaged, out of memory). */
static int load(struct ole *s, uint32_t id, size_t cap, const char *name)
{
	int rc = mde__ole2_load(s->o, id, cap, &s->tmp, &s->tmpcap,
				&s->tmplen);

	if (rc == MDE__OLE2_OK)
		return 0;
	mde__arc_skip(s->in, name, rc == MDE__OLE2_NOMEM ? "out of memory"
							 : LOOP);
	return -1;
}

/* The most of a stream that is worth reading whole for a member. */
static size_t cap_of(const struct ole *s)
{
	return mde__arc_cap(s->in);
}

/* ASCII letters compared without case (as [MS-CFB] and [MS-OVBA] compare
 * names), the first n bytes of a at most. */
static int ieq(const char *a, const char *b, size_t n)
{
	unsigned char x, y;

	for (; n; n--) {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		x = x >= 'A' && x <= 'Z' ? x + 'a' - 'A' : x;
		y = y >= 'A' && y <= 'Z' ? y + 'a' - 'A' : y;
		if (x != y)
			return 0;
		if (!x)
			break;
	}
	return 1;
}

/* -------------------------------------------------------------- streams */

/*
 * Hands stream id over as member s->name: in place when its sectors are
 * adjacent, else through the member buffer.  1 a member in *m, 0 none
 * (empty, skipped: go on), -1 stop.
 */
static int stream(struct ole *s, uint32_t id, mde__arc_member *m)
{
	mde__arc_in *in = s->in;
	mde__ole2_stream rd;
	const uint8_t *p;
	size_t n;
	int st;

	if (mde__arc_entry(in, s->name) != MDE__ARC_OK)
		return -1;
	if (mde__ole2_stream_open(s->o, id, &rd) != MDE__OLE2_OK) {
		mde__arc_skip(in, s->name, LOOP);
		return 0;
	}
	p = mde__ole2_read(&rd, &n);
	if (!p)
		return 0;
	m->name = s->name;
	m->type = MDE__MT_OLE2;
	if (n == rd.size) {
		m->data = p;
		m->len = n;
		return 1;
	}
	st = mde__arc_out_begin(in, s->name, (int64_t)rd.size);
	while (st == MDE__ARC_OK && p) {
		st = mde__arc_out_put(in, p, n);
		p = mde__ole2_read(&rd, &n);
	}
	if (st != MDE__ARC_OK)
		return st == MDE__ARC_SKIP ? 0 : -1;
	mde__arc_out_member(in, m);
	m->type = MDE__MT_OLE2;
	return 1;
}

/* An Ole10Native stream: the size of what follows, then the Packager's
 * data.  1 with the embedded file in *m (entered), 0 when it holds none
 * or is too big to read whole (the stream itself is the member then), -1
 * stop. */
static int native(struct ole *s, uint32_t id, mde__arc_member *m)
{
	mde__ole2_stream rd;
	mde__package pk;
	size_t size;

	if (mde__ole2_stream_open(s->o, id, &rd) != MDE__OLE2_OK ||
	    rd.size > cap_of(s) ||
	    mde__ole2_load(s->o, id, cap_of(s), &s->tmp, &s->tmpcap,
			   &s->tmplen) != MDE__OLE2_OK ||
	    s->tmplen < 4)
		return 0;
	size = s->tmp[0] | (size_t)s->tmp[1] << 8 | (size_t)s->tmp[2] << 16 |
	       (size_t)s->tmp[3] << 24;
	if (size > s->tmplen - 4)
		size = s->tmplen - 4;
	if (mde__package_parse(s->tmp + 4, size, &pk) < 0)
		return 0;
	if (pk.name[0])
		snprintf(s->name, sizeof(s->name), "%s", pk.name);
	if (mde__arc_entry(s->in, s->name) != MDE__ARC_OK)
		return -1;
	m->name = s->name;
	m->data = s->tmp + 4 + pk.off;
	m->len = pk.len;
	m->type = MDE__MT_EMBEDDED;
	return 1;
}

/* Outlook keeps an attachment in a storage of its own: its data in
 * PR_ATTACH_DATA_BIN, its names in PR_ATTACH_LONG_FILENAME and
 * PR_ATTACH_FILENAME (Unicode 001F, or 8-bit 001E, strings). */
#define ATTACH_PREFIX "__attach_version1.0_#"
#define ATTACH_DATA "__substg1.0_37010102"

static const struct {
	const char *stream;
	int utf16;
} attach_names[] = {
	{ "__substg1.0_3707001F", 1 }, { "__substg1.0_3707001E", 0 },
	{ "__substg1.0_3704001F", 1 }, { "__substg1.0_3704001E", 0 },
};

/* Names s->name after the attachment whose storage is parent, if it has
 * a name. */
static void attachment_name(struct ole *s, uint32_t parent)
{
	char name[MDE__OLE_NAME_MAX];
	uint32_t id;
	size_t i;

	for (i = 0; i < sizeof(attach_names) / sizeof(attach_names[0]); i++) {
		id = mde__ole2_child(s->o, parent, attach_names[i].stream);
		if (id == MDE__OLE2_NONE ||
		    mde__ole2_load(s->o, id, 1024, &s->tmp, &s->tmpcap,
				   &s->tmplen) != MDE__OLE2_OK)
			continue;
		mde__ole_file_name(s->tmp, s->tmplen, attach_names[i].utf16,
				   name, sizeof(name));
		if (name[0]) {
			snprintf(s->name, sizeof(s->name), "%s", name);
			return;
		}
	}
}

/* What stream e (id) is, and the member made of it. */
static int stream_member(struct ole *s, uint32_t id,
			 const mde__ole2_entry *e, mde__arc_member *m)
{
	mde__ole2_entry parent;
	int rc;

	mde__ole2_path(s->o, id, s->name, sizeof(s->name));
	if (strcmp(e->name, "\\x01Ole10Native") == 0) {
		if ((rc = native(s, id, m)) != 0)
			return rc;
	} else if (ieq(e->name, ATTACH_DATA, SIZE_MAX) &&
		   mde__ole2_info(s->o, e->parent, &parent) == 0 &&
		   ieq(parent.name, ATTACH_PREFIX, sizeof(ATTACH_PREFIX) - 1)) {
		attachment_name(s, e->parent);
		rc = stream(s, id, m);
		if (rc > 0)
			m->type = MDE__MT_EMBEDDED;
		return rc;
	}
	if (e->parent == 0 && ieq(e->name, "PowerPoint Document", SIZE_MAX))
		s->ppt_doc = id;
	return stream(s, id, m);
}

/* ------------------------------------------------------------ VBA */

/* Modules by their streams, for a project whose dir stream lists none:
 * every stream of the VBA storage but the project's own. */
static int guess_modules(struct ole *s, uint32_t vba)
{
	mde__ole2_entry e;
	uint32_t i, first, n = mde__ole2_kids(s->o, vba, &first);
	mde__ovba_module *m;

	for (i = 0; i < n; i++) {
		if (mde__ole2_info(s->o, mde__ole2_id(s->o, first + i), &e) ||
		    e.type != MDE__OLE2_STREAM || ieq(e.name, "dir", SIZE_MAX) ||
		    ieq(e.name, "_VBA_PROJECT", SIZE_MAX) ||
		    ieq(e.name, "__SRP_", 6))
			continue;
		m = realloc(s->mods, (s->nmods + 1) * sizeof(*m));
		if (!m)
			return -1;
		s->mods = m;
		m += s->nmods++;
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", e.name);
		snprintf(m->stream, sizeof(m->stream), "%s", e.name);
	}
	return 0;
}

/* Storage id, named VBA: when it holds a dir stream, its modules are the
 * next members. */
static void vba_project(struct ole *s, uint32_t id)
{
	uint32_t dir = mde__ole2_child(s->o, id, "dir");
	uint8_t *d = NULL;
	size_t dlen = 0;
	int rc;

	free(s->mods);
	s->mods = NULL;
	s->nmods = s->imod = 0;
	if (dir == MDE__OLE2_NONE)
		return;
	mde__ole2_path(s->o, dir, s->name, sizeof(s->name));
	if (load(s, dir, cap_of(s), s->name) < 0)
		return;
	rc = mde__ovba_inflate(s->tmp, s->tmplen, DIR_MAX, &d, &dlen);
	if (rc != MDE__OVBA_NOMEM)
		rc = mde__ovba_modules(d, dlen, &s->mods, &s->nmods);
	free(d);
	if (rc == MDE__OVBA_NOMEM || (!s->nmods && guess_modules(s, id) < 0)) {
		mde__arc_skip(s->in, s->name, "out of memory");
		return;
	}
	s->vba = id;
}

static int put(void *ctx, const uint8_t *data, size_t n)
{
	struct ole *s = ctx;

	s->st = mde__arc_out_put(s->in, data, n);
	return s->st != MDE__ARC_OK;
}

/* The next module of the project: 1 its source in *m, 0 none (go on),
 * -1 stop. */
static int vba_module(struct ole *s, mde__arc_member *m)
{
	const mde__ovba_module *md = &s->mods[s->imod++];
	uint32_t id = mde__ole2_child(s->o, s->vba, md->stream);
	size_t off;
	int rc = MDE__OVBA_DAMAGED;

	if (id == MDE__OLE2_NONE)
		return 0;
	snprintf(s->name, sizeof(s->name), "vba/%s", md->name);
	if (mde__arc_entry(s->in, s->name) != MDE__ARC_OK)
		return -1;
	if (load(s, id, cap_of(s), s->name) < 0)
		return 0;
	off = md->has_offset ? md->offset
			     : mde__ovba_find_source(s->tmp, s->tmplen);
	if (off >= s->tmplen) {
		if (md->has_offset)
			mde__arc_skip(s->in, s->name, "archive damaged");
		return 0;
	}
	s->st = mde__arc_out_begin(s->in, s->name, -1);
	if (s->st == MDE__ARC_OK)
		rc = mde__ovba_decompress(s->tmp + off, s->tmplen - off, put, s);
	if (s->st != MDE__ARC_OK)
		return s->st == MDE__ARC_SKIP ? 0 : -1;
	if (rc == MDE__OVBA_DAMAGED && !mde__arc_out_len(s->in)) {
		mde__arc_skip(s->in, s->name, "archive damaged");
		return 0;
	}
	mde__arc_out_member(s->in, m);
	m->type = MDE__MT_VBA;
	return 1;
}

/* ------------------------------------------------------------ PowerPoint */

/* The next object of the PowerPoint Document stream s->ppt_doc (read
 * whole first): 1 its storage in *m, 0 none left (s->ppt_doc cleared),
 * -1 stop. */
static int ppt_object(struct ole *s, mde__arc_member *m)
{
	mde__ppt_obj obj;

	if (!s->pbuf || s->ppt.buf != s->pbuf) {
		if (mde__ole2_load(s->o, s->ppt_doc, cap_of(s), &s->pbuf,
				   &s->pcap, &s->plen) != MDE__OLE2_OK)
			s->plen = 0;
		mde__ppt_init(&s->ppt, s->pbuf, s->plen);
	}
	while (mde__ppt_next(&s->ppt, &obj)) {
		snprintf(s->name, sizeof(s->name),
			 "PowerPoint Document/object-%u", ++s->nppt);
		if (mde__arc_entry(s->in, s->name) != MDE__ARC_OK)
			return -1;
		s->st = mde__arc_out_begin(s->in, s->name, -1);
		if (s->st == MDE__ARC_OK)
			mde__ppt_read(&obj, put, s);
		if (s->st == MDE__ARC_STOP)
			return -1;
		if (s->st != MDE__ARC_OK || !mde__arc_out_len(s->in))
			continue;
		mde__arc_out_member(s->in, m);
		m->type = MDE__MT_EMBEDDED;
		return 1;
	}
	s->ppt_doc = 0;
	s->ppt.buf = NULL;
	return 0;
}

/* ------------------------------------------------------------ the walk */

static int ole_next(void *state, mde__arc_member *m)
{
	struct ole *s = state;
	mde__ole2_entry e;
	uint32_t id;
	int rc = 0;

	while (!rc) {
		if (s->imod < s->nmods) {
			rc = vba_module(s, m);
			continue;
		}
		if (s->ppt_doc) {
			rc = ppt_object(s, m);
			continue;
		}
		if (s->pos >= mde__ole2_count(s->o))
			return 0;
		id = mde__ole2_id(s->o, s->pos++);
		if (mde__ole2_info(s->o, id, &e) < 0)
			continue;
		if (e.type == MDE__OLE2_STORAGE && ieq(e.name, "VBA", SIZE_MAX))
			vba_project(s, id);
		else if (e.type == MDE__OLE2_STREAM)
			rc = stream_member(s, id, &e, m);
	}
	return rc > 0;
}

const struct mde__arc_handler mde__arc_ole2 = {
	"ole2", 0, bid_ole2, NULL, ole_open, ole_next, ole_close, NULL,
};
