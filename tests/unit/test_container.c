/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_container.c - the archive stage's unpacker on archives written in
 * memory by libarchive itself: kinds are recognised by their bytes,
 * members arrive in order with their names, nested containers are left to
 * the caller, and every limit (members, member size, scan size, ratio)
 * stops what it must and says so.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "arc.h"

/* ------------------------------------------------------------ builders */

struct member {
	const char *name;
	const void *data;
	size_t len;
};

/* An archive of format (ARCHIVE_FORMAT_*) through filter, in a malloc'd
 * buffer of *outlen bytes. */
static uint8_t *build(int format, int filter, const struct member *m,
		      size_t n, size_t *outlen)
{
	struct archive *a = archive_write_new();
	size_t cap = 1 << 20, used = 0, i;
	uint8_t *buf;

	for (i = 0; i < n; i++)
		cap += m[i].len + 1024;
	buf = malloc(cap);
	assert_non_null(buf);
	if ((format == ARCHIVE_FORMAT_AR_BSD
		     ? archive_write_set_format_ar_svr4(a)
		     : archive_write_set_format(a, format)) != ARCHIVE_OK)
		fail_msg("format %x: %s", format, archive_error_string(a));
	if (filter != ARCHIVE_FILTER_NONE)
		assert_int_equal(archive_write_add_filter(a, filter),
				 ARCHIVE_OK);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used),
			 ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)m[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, m[i].data, m[i].len),
				 (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*outlen = used;
	return buf;
}

/* ------------------------------------------------------------ recorder */

struct rec {
	char names[64][128];
	size_t lens[64];
	int types[64];
	int n;
	char notes[16][160];
	int nnotes, bombs;
	int stop_after; /* member() returns nonzero after this many */
};

static int on_member(void *ctx, const mde__arc_member *m)
{
	struct rec *r = ctx;

	if (r->n < 64) {
		snprintf(r->names[r->n], sizeof(r->names[0]), "%s", m->name);
		r->lens[r->n] = m->len;
		r->types[r->n] = m->type;
	}
	r->n++;
	return r->stop_after && r->n >= r->stop_after;
}

static void on_note(void *ctx, const char *name, int what,
		    const char *reason)
{
	struct rec *r = ctx;

	if (r->nnotes < 16)
		snprintf(r->notes[r->nnotes], sizeof(r->notes[0]), "%s: %s",
			 name ? name : "(container)", reason);
	r->nnotes++;
	r->bombs += what == MDE__NOTE_BOMB;
}

static const mde__arc_ops ops = { on_member, on_note };

static mde__arc_limits limits(void)
{
	mde__arc_limits l = { MDE_ARC_ALL, 17, 10000, 400 << 20, 100 << 20,
			      250, 16 << 20 };
	return l;
}

static void run(const uint8_t *buf, size_t len, const char *name,
		const mde__arc_limits *l, struct rec *r, mde__arc_budget *b)
{
	uint64_t kind = mde__arc_kind(buf, len, l->types);

	assert_int_not_equal(kind, 0);
	b->left = l->max_scansize;
	mde__arc_unpack(kind, buf, len, name, l, b, &ops, r);
}

static int has_note(const struct rec *r, const char *text)
{
	int i;

	for (i = 0; i < r->nnotes && i < 16; i++)
		if (strstr(r->notes[i], text))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ tests */

static void test_kinds(void **state)
{
	static const struct member m[] = { { "a.txt", "hello\n", 6 } };
	static const struct {
		int format, filter;
		uint64_t kind;
	} k[] = {
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, MDE_ARC_TAR },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, MDE_ARC_GZIP },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_BZIP2, MDE_ARC_BZIP2 },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_XZ, MDE_ARC_XZ },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_ZSTD, MDE_ARC_ZSTD },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_LZ4, MDE_ARC_LZ4 },
		{ ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, ARCHIVE_FILTER_NONE,
		  MDE_ARC_CPIO },
		{ ARCHIVE_FORMAT_CPIO_POSIX, ARCHIVE_FILTER_NONE, MDE_ARC_CPIO },
		{ ARCHIVE_FORMAT_AR_BSD, ARCHIVE_FILTER_NONE, MDE_ARC_AR },
		{ ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, MDE_ARC_ZIP },
		{ ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, MDE_ARC_7Z },
		{ ARCHIVE_FORMAT_XAR, ARCHIVE_FILTER_NONE, MDE_ARC_XAR },
		{ ARCHIVE_FORMAT_ISO9660, ARCHIVE_FILTER_NONE, MDE_ARC_ISO },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		uint8_t *buf = build(k[i].format, k[i].filter, m, 1, &len);
		mde__arc_limits l = limits();
		mde__arc_budget b = { 0 };
		struct rec r = { 0 };

		assert_int_equal(mde__arc_kind(buf, len, MDE_ARC_ALL),
				 k[i].kind);
		/* a kind left out of the types is not opened */
		assert_int_equal(mde__arc_kind(buf, len,
					       MDE_ARC_ALL & ~k[i].kind),
				 0);
		run(buf, len, "t.bin", &l, &r, &b);
		assert_int_equal(r.n, 1);
		assert_string_equal(r.names[0], "a.txt");
		assert_int_equal(r.lens[0], 6);
		assert_int_equal(r.nnotes, 0);
		free(buf);
	}
}

static void test_plain_files_are_not_containers(void **state)
{
	static const char *const s[] = { "hello world\n", "#!/bin/sh\necho\n",
					 "\x7f" "ELF\x02\x01\x01", "" };
	uint8_t junk[4096];
	size_t i;

	(void)state;
	for (i = 0; s[i][0]; i++)
		assert_int_equal(mde__arc_kind((const uint8_t *)s[i],
					       strlen(s[i]), MDE_ARC_ALL),
				 0);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(mde__arc_kind(junk, sizeof(junk), MDE_ARC_ALL), 0);
}

/* A compressed file on its own is a container of one member, named after
 * it; a damaged stream says so. */
static void test_stream_member_name(void **state)
{
	struct archive *a = archive_write_new();
	uint8_t buf[4096];
	size_t used = 0;
	mde__arc_limits l = limits();
	mde__arc_budget b = { 0 };
	struct rec r = { 0 };
	struct archive_entry *e = archive_entry_new();

	(void)state;
	archive_write_set_format_raw(a);
	archive_write_add_filter_gzip(a);
	archive_write_open_memory(a, buf, sizeof(buf), &used);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_write_header(a, e);
	archive_write_data(a, "payload bytes\n", 14);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	run(buf, used, "/srv/logs/x.txt.gz", &l, &r, &b);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.names[0], "x.txt");
	assert_int_equal(r.lens[0], 14);
	memset(&r, 0, sizeof(r));
	run(buf, used, "bundle.tgz", &l, &r, &b);
	assert_string_equal(r.names[0], "bundle.tar");
	/* cut in the middle of the deflate stream */
	memset(&r, 0, sizeof(r));
	run(buf, used / 2, "x.gz", &l, &r, &b);
	assert_true(has_note(&r, "damaged"));
}

static void test_limits(void **state)
{
	static char big[300000];
	struct member m[40];
	char names[40][16];
	uint8_t *buf;
	size_t len, i;

	(void)state;
	memset(big, 'A', sizeof(big));
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "m%02zu", i);
		m[i].name = names[i];
		m[i].data = i == 5 ? big : "x";
		m[i].len = i == 5 ? sizeof(big) : 1;
	}
	buf = build(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, m, 40,
		    &len);
	{ /* max-files: 10 members, then a note about the container */
		mde__arc_limits l = limits();
		mde__arc_budget b = { 0 };
		struct rec r = { 0 };

		l.max_files = 10;
		run(buf, len, "t.tar", &l, &r, &b);
		assert_int_equal(r.n, 10);
		assert_true(has_note(&r, "(container): limit: max-files"));
	}
	{ /* max-member-size: the big one skipped, the rest scanned */
		mde__arc_limits l = limits();
		mde__arc_budget b = { 0 };
		struct rec r = { 0 };

		l.max_member_size = 1000;
		run(buf, len, "t.tar", &l, &r, &b);
		assert_int_equal(r.n, 39);
		assert_true(has_note(&r, "m05: limit: max-member-size"));
	}
	{ /* max-scansize: the whole file stops at the big one */
		mde__arc_limits l = limits();
		mde__arc_budget b = { 0 };
		struct rec r = { 0 };

		l.max_scansize = 1000;
		run(buf, len, "t.tar", &l, &r, &b);
		assert_int_equal(r.n, 5);
		assert_true(has_note(&r, "m05: limit: max-scansize"));
		assert_true(b.stop);
	}
	{ /* the caller stops (first finding) */
		mde__arc_limits l = limits();
		mde__arc_budget b = { 0 };
		struct rec r = { 0 };

		r.stop_after = 3;
		run(buf, len, "t.tar", &l, &r, &b);
		assert_int_equal(r.n, 3);
	}
	free(buf);
}

/* 64 MiB of zeros gzip'd: the ratio limit calls it a bomb long before
 * it is all unpacked; with the ratio off, the scan size limit holds. */
static void test_bomb(void **state)
{
	static const uint8_t zeros[1 << 16];
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t cap = 1 << 20, used = 0, i;
	uint8_t *buf = malloc(cap);
	mde__arc_limits l = limits();
	mde__arc_budget b = { 0 };
	struct rec r = { 0 };

	(void)state;
	assert_non_null(buf);
	archive_write_set_format_raw(a);
	archive_write_add_filter_gzip(a);
	archive_write_open_memory(a, buf, cap, &used);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_write_header(a, e);
	for (i = 0; i < 1024; i++)
		archive_write_data(a, zeros, sizeof(zeros));
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	run(buf, used, "zeros.gz", &l, &r, &b);
	assert_int_equal(r.bombs, 1);
	assert_int_equal(r.n, 0);
	assert_true(b.bytes < (uint64_t)40 << 20);
	memset(&r, 0, sizeof(r));
	memset(&b, 0, sizeof(b));
	l.max_ratio = 0;
	l.max_scansize = 8 << 20;
	run(buf, used, "zeros.gz", &l, &r, &b);
	assert_int_equal(r.bombs, 0);
	assert_true(has_note(&r, "limit: max-scansize"));
	free(buf);
}

/* Names are labels: "../" and absolute names come through as stored. */
static void test_names_as_stored(void **state)
{
	static const struct member m[] = {
		{ "../../etc/evil", "a", 1 },
		{ "/etc/evil2", "b", 1 },
		{ "line\nbreak", "c", 1 },
	};
	size_t len;
	uint8_t *buf = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, m, 3,
			     &len);
	mde__arc_limits l = limits();
	mde__arc_budget b = { 0 };
	struct rec r = { 0 };

	(void)state;
	run(buf, len, "n.zip", &l, &r, &b);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.names[0], "../../etc/evil");
	assert_string_equal(r.names[1], "/etc/evil2");
	assert_string_equal(r.names[2], "line\nbreak");
	free(buf);
}

/* A ZIP with junk in front (a self-extractor) is found by its central
 * directory; one cut before its central directory is streamed. */
static void test_zip_fallbacks(void **state)
{
	static const struct member m[] = { { "a.txt", "alpha", 5 },
					   { "b.txt", "bravo", 5 } };
	size_t len;
	uint8_t *zip = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, m, 2,
			     &len);
	uint8_t *sfx = malloc(len + 70000);
	mde__arc_limits l = limits();
	mde__arc_budget b = { 0 };
	struct rec r = { 0 };
	size_t i;

	(void)state;
	assert_non_null(sfx);
	for (i = 0; i < 70000; i++)
		sfx[i] = (uint8_t)(i % 251);
	sfx[0] = 0x7f; /* not a zip magic at 0 */
	memcpy(sfx + 70000, zip, len);
	run(sfx, len + 70000, "setup.bin", &l, &r, &b);
	assert_int_equal(r.n, 2);
	memset(&r, 0, sizeof(r));
	run(zip, len - 30, "cut.zip", &l, &r, &b);
	assert_true(r.n >= 1);
	assert_string_equal(r.names[0], "a.txt");
	free(sfx);
	free(zip);
}

/* A 13-byte .lzma asking for a 4 GiB dictionary (found by fuzz_container):
 * refused before liblzma allocates it. */
static void test_lzma_dictionary_limit(void **state)
{
	static const uint8_t bad[13] = { 0x5d, 0, 0, 0xff, 0xff, 0xff, 0xff };
	mde__arc_limits l = limits();
	mde__arc_budget b = { 0 };
	struct rec r = { 0 };

	(void)state;
	run(bad, sizeof(bad), "x.lzma", &l, &r, &b);
	assert_int_equal(r.n, 0);
	assert_true(has_note(&r, "limit: lzma dictionary"));
}

/* "07070" with no sixth byte (found by fuzz_container): the cpio bid
 * read b[5] past the end of a 5-byte file. */
static void test_cpio_magic_cut_short(void **state)
{
	uint8_t *b = malloc(6);

	(void)state;
	assert_non_null(b);
	memcpy(b, "070701", 6);
	assert_int_equal(mde__arc_kind(b, 5, MDE_ARC_ALL), 0);
	assert_int_equal(mde__arc_kind(b, 6, MDE_ARC_ALL), MDE_ARC_CPIO);
	free(b);
}

/* The kinds are the table's rows: mdescan.h's constants, the names, and
 * bits that no kind has. */
static void test_type_names(void **state)
{
	static const struct {
		const char *name;
		int64_t bit;
	} t[] = {
		{ "tar", MDE_ARC_TAR },     { "cpio", MDE_ARC_CPIO },
		{ "ar", MDE_ARC_AR },       { "rpm", MDE_ARC_RPM },
		{ "7z", MDE_ARC_7Z },       { "rar", MDE_ARC_RAR },
		{ "cab", MDE_ARC_CAB },     { "iso", MDE_ARC_ISO },
		{ "xar", MDE_ARC_XAR },     { "lha", MDE_ARC_LHA },
		{ "zip", MDE_ARC_ZIP },     { "gzip", MDE_ARC_GZIP },
		{ "bzip2", MDE_ARC_BZIP2 }, { "xz", MDE_ARC_XZ },
		{ "lzma", MDE_ARC_LZMA },   { "zstd", MDE_ARC_ZSTD },
		{ "lz4", MDE_ARC_LZ4 },     { "compress", MDE_ARC_COMPRESS },
		{ "mail", MDE_ARC_MAIL },   { "upx", MDE_ARC_UPX },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(mde_archive_type(t[i].name), t[i].bit);
		assert_string_equal(mde_archive_type_name(i), t[i].name);
	}
	for (i = 0; mde_archive_type_name(i); i++)
		assert_int_equal(mde_archive_type(mde_archive_type_name(i)),
				 (int64_t)1 << i);
	assert_int_equal(mde__arc_all(), ((uint64_t)1 << i) - 1);
	assert_int_equal(mde_archive_type("tar,zip"), 0);
	assert_int_equal(mde_archive_type(""), 0);
	assert_int_equal(mde_archive_type(NULL), 0);
}

/* The member buffer every handler writes to: the member limit skips, the
 * file's budget and the ratio stop, the data and its name come out. */
static void test_member_buffer(void **state)
{
	static uint8_t big[200000];
	static const uint8_t packed[1000];
	mde__arc_limits l = limits();
	mde__arc_budget b = { 0 };
	struct rec r = { 0 };
	mde__arc_in in = { 0 };
	mde__arc_member m;

	(void)state;
	in.buf = packed;
	in.len = sizeof(packed);
	in.lim = &l;
	in.bud = &b;
	in.ops = &ops;
	in.ctx = &r;
	b.left = 1 << 20;
	l.max_member_size = 100000;
	assert_int_equal(mde__arc_out_begin(&in, "a", 6), MDE__ARC_OK);
	assert_int_equal(mde__arc_out_put(&in, "hello\n", 6), MDE__ARC_OK);
	mde__arc_out_member(&in, &m);
	assert_string_equal(m.name, "a");
	assert_int_equal(m.len, 6);
	assert_memory_equal(m.data, "hello\n", 6);
	/* declared too big: skipped before a byte is decoded */
	assert_int_equal(mde__arc_out_begin(&in, "b", 150000), MDE__ARC_SKIP);
	/* not declared: skipped once it passes the limit */
	assert_int_equal(mde__arc_out_begin(&in, "c", -1), MDE__ARC_OK);
	assert_int_equal(mde__arc_out_put(&in, big, sizeof(big)),
			 MDE__ARC_SKIP);
	assert_true(has_note(&r, "b: limit: max-member-size"));
	assert_true(has_note(&r, "c: limit: max-member-size"));
	assert_false(b.stop);
	/* past the file's budget: the whole file stops */
	b.left = 1000;
	assert_int_equal(mde__arc_out_begin(&in, "d", -1), MDE__ARC_OK);
	assert_int_equal(mde__arc_out_put(&in, big, 5000), MDE__ARC_STOP);
	assert_true(has_note(&r, "d: limit: max-scansize"));
	assert_true(b.stop);
	/* 1000 bytes that unpack to 90000 and more: a bomb at 50:1 */
	b.stop = 0;
	b.left = 1 << 20;
	l.max_ratio = 50;
	l.bomb_min_size = 50000;
	assert_int_equal(mde__arc_out_begin(&in, "e", -1), MDE__ARC_OK);
	assert_int_equal(mde__arc_out_put(&in, big, 90000), MDE__ARC_STOP);
	assert_int_equal(r.bombs, 1);
	free(in.out);
}

/* An RTF document: a Package object (its OLE1 wrapper and the Packager's
 * data taken off: the file, named by its name, typed as embedded) and a
 * \bin run; the member limit holds while the hex is decoded. */
static void test_rtf_objects(void **state)
{
	static const uint8_t obj[] =
		"\x01\x05\0\0\x02\0\0\0\x08\0\0\0Package\0"
		"\0\0\0\0\0\0\0\0\x30\0\0\0"
		"\x02\0label\0C:\\x\\e.com\0\0\0\x03\0\x01\0\0\0\0"
		"\x04\0\0\0DATA";
	char rtf[512];
	mde__arc_limits l = limits();
	mde__arc_budget b = { 0 };
	struct rec r;
	size_t k, i;

	(void)state;
	k = (size_t)snprintf(rtf, sizeof(rtf), "%s",
			     "{\\rtf1{\\object{\\*\\objdata ");
	for (i = 0; i + 1 < sizeof(obj); i++)
		k += (size_t)snprintf(rtf + k, sizeof(rtf) - k, "%02x%s",
				      obj[i], i % 7 ? "" : " \r\n");
	snprintf(rtf + k, sizeof(rtf) - k, "}}{\\*\\x\\bin3 abc}}");
	memset(&r, 0, sizeof(r));
	run((const uint8_t *)rtf, strlen(rtf), "x.rtf", &l, &r, &b);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.names[0], "e.com");
	assert_int_equal(r.lens[0], 4);
	assert_int_equal(r.types[0], MDE__MT_EMBEDDED);
	assert_string_equal(r.names[1], "bin-1");
	assert_int_equal(r.lens[1], 3);
	l.max_member_size = 2;
	memset(&r, 0, sizeof(r));
	memset(&b, 0, sizeof(b));
	run((const uint8_t *)rtf, strlen(rtf), "x.rtf", &l, &r, &b);
	assert_int_equal(r.n, 0);
	assert_true(has_note(&r, "object-1: limit: max-member-size"));
	assert_true(has_note(&r, "bin-1: limit: max-member-size"));
}

/* One ar member header: name, mode (octal text) and size. */
static size_t ar_header(char *out, const char *name, const char *mode,
			size_t size)
{
	return (size_t)sprintf(out, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name,
			       "0", "0", "0", mode, size);
}

/* GNU ar's deterministic archives (Debian's default: `ar rc a.ar x`)
 * write the permissions alone as the mode ("644"), so libarchive gives
 * the members no file type; a GNU long name ("//" table) and a BSD one
 * ("#1/NN", the name in front of the data) come through as stored. */
static void test_ar_members_without_type(void **state)
{
	static const char *const want[] = { "eicar.com", "//",
		"a_member_name_longer_than_sixteen.bin" };
	char buf[1024], *p = buf;
	const char *lname = "a_member_name_longer_than_sixteen.bin/\n";
	mde__arc_limits l = limits();
	mde__arc_budget b = { 0 };
	struct rec r = { 0 };
	int i;

	(void)state;
	p += sprintf(p, "!<arch>\n");
	p += ar_header(p, "//", "0", strlen(lname) + 1);
	p += sprintf(p, "%s\n", lname); /* even sizes: padded */
	p += ar_header(p, "eicar.com/", "644", 4);
	p += sprintf(p, "data");
	p += ar_header(p, "/0", "644", 6);
	p += sprintf(p, "data2\n");
	run((uint8_t *)buf, (size_t)(p - buf), "a.ar", &l, &r, &b);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.names[0], want[0]);
	assert_string_equal(r.names[1], want[2]);
	assert_int_equal(r.lens[1], 6);
	/* BSD: "#1/37" and the name before the data */
	memset(&r, 0, sizeof(r));
	p = buf + sprintf(buf, "!<arch>\n");
	p += ar_header(p, "#1/37", "644", 37 + 3);
	p += sprintf(p, "%sabc", want[2]);
	run((uint8_t *)buf, (size_t)(p - buf), "b.ar", &l, &r, &b);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.names[0], want[2]);
	assert_int_equal(r.lens[0], 3);
	for (i = 0; i < r.nnotes; i++)
		fail_msg("note %s", r.notes[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_plain_files_are_not_containers),
		cmocka_unit_test(test_stream_member_name),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_names_as_stored),
		cmocka_unit_test(test_zip_fallbacks),
		cmocka_unit_test(test_lzma_dictionary_limit),
		cmocka_unit_test(test_cpio_magic_cut_short),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_member_buffer),
		cmocka_unit_test(test_rtf_objects),
		cmocka_unit_test(test_ar_members_without_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
