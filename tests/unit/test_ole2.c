/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ole2.c - the OLE2 compound file reader (ole2.c, ole2_dir.c) and
 * the embedding wrappers (olenative.c), on files built here sector by
 * sector: version 3, sector 0 the FAT, sectors 1-2 the directory (eight
 * entries), data from sector 3.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ole2.h"
#include "olenative.h"

#define SECT 512
#define END 0xFFFFFFFEu
#define NONE 0xFFFFFFFFu
#define NSECT 16

struct cfb {
	uint8_t buf[SECT * (NSECT + 1)];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint8_t *sector(struct cfb *c, uint32_t s)
{
	return c->buf + (size_t)(s + 1) * SECT;
}

static void fat(struct cfb *c, uint32_t s, uint32_t next)
{
	put32(sector(c, 0) + 4 * s, next);
}

/* A file of NSECT sectors: the FAT, a directory of two sectors. */
static void init(struct cfb *c)
{
	static const uint8_t magic[8] = { 0xd0, 0xcf, 0x11, 0xe0,
					  0xa1, 0xb1, 0x1a, 0xe1 };
	uint8_t *h = c->buf;
	int i;

	memset(c, 0, sizeof(*c));
	memcpy(h, magic, 8);
	h[24] = 0x3e;
	h[26] = 3;
	h[28] = 0xfe;
	h[29] = 0xff;
	h[30] = 9;
	h[32] = 6;
	put32(h + 44, 1);      /* FAT sectors */
	put32(h + 48, 1);      /* the directory */
	put32(h + 56, 1000);   /* mini stream cutoff (4096 in real files) */
	put32(h + 60, END);    /* no miniFAT */
	put32(h + 68, END);    /* no DIFAT sector */
	put32(h + 76, 0);      /* the FAT is sector 0 */
	for (i = 1; i < 109; i++)
		put32(h + 76 + 4 * i, NONE);
	memset(sector(c, 0), 0xff, SECT);
	fat(c, 0, 0xFFFFFFFDu);
	fat(c, 1, 2);
	fat(c, 2, END);
	c->len = sizeof(c->buf);
}

static void dirent(struct cfb *c, uint32_t id, const char *name, int type,
		   uint32_t left, uint32_t right, uint32_t child,
		   uint32_t start, uint32_t size)
{
	uint8_t *e = sector(c, 1 + id / 4) + (id % 4) * 128;
	size_t i, n = strlen(name);

	for (i = 0; i < n; i++)
		e[2 * i] = (uint8_t)name[i];
	e[64] = (uint8_t)(2 * n + 2);
	e[66] = (uint8_t)type;
	put32(e + 68, left);
	put32(e + 72, right);
	put32(e + 76, child);
	put32(e + 116, start);
	put32(e + 120, size);
}

/* root -> {Macros (storage) < WordDocument > \1Ole10Native}, Macros ->
 * VBA (storage) -> dir; WordDocument on sectors 3, 4 and 6 */
static void sample(struct cfb *c)
{
	int i;

	init(c);
	dirent(c, 0, "Root Entry", 5, NONE, NONE, 2, END, 0);
	dirent(c, 1, "Macros", 1, NONE, NONE, 4, 0, 0);
	dirent(c, 2, "WordDocument", 2, 1, 3, NONE, 3, 1200);
	dirent(c, 3, "\001Ole10Native", 2, NONE, NONE, NONE, 7, 5000);
	dirent(c, 4, "VBA", 1, NONE, NONE, 5, 0, 0);
	dirent(c, 5, "dir", 2, NONE, NONE, NONE, END, 0);
	fat(c, 3, 4);
	fat(c, 4, 6);
	fat(c, 6, END);
	for (i = 0; i < 3 * SECT; i++)
		sector(c, i < 2 * SECT ? 3 : 4)[i] = (uint8_t)i;
	for (i = 0; i < SECT; i++)
		sector(c, 6)[i] = (uint8_t)(i + 2 * SECT);
	/* \1Ole10Native: 7 -> 8 -> 7, a loop */
	fat(c, 7, 8);
	fat(c, 8, 7);
}

static void test_walk(void **state)
{
	struct cfb c;
	mde__ole2 *o;
	mde__ole2_entry e;
	char path[64];
	uint32_t first;

	(void)state;
	sample(&c);
	assert_int_equal(mde__ole2_open(c.buf, c.len, &o), MDE__OLE2_OK);
	/* the root's children in the tree's order, then Macros's, VBA's */
	assert_int_equal(mde__ole2_count(o), 5);
	assert_int_equal(mde__ole2_id(o, 0), 1);
	assert_int_equal(mde__ole2_id(o, 1), 2);
	assert_int_equal(mde__ole2_id(o, 2), 3);
	assert_int_equal(mde__ole2_id(o, 3), 4);
	assert_int_equal(mde__ole2_id(o, 4), 5);
	assert_int_equal(mde__ole2_info(o, 3, &e), 0);
	assert_string_equal(e.name, "\\x01Ole10Native");
	assert_int_equal(e.type, MDE__OLE2_STREAM);
	assert_int_equal(e.parent, 0);
	assert_string_equal(mde__ole2_path(o, 5, path, sizeof(path)),
			    "Macros/VBA/dir");
	assert_string_equal(mde__ole2_path(o, 5, path, 8), "Macros");
	assert_int_equal(mde__ole2_child(o, 0, "worddocument"), 2);
	assert_int_equal(mde__ole2_child(o, 4, "DIR"), 5);
	assert_int_equal(mde__ole2_child(o, 0, "dir"), MDE__OLE2_NONE);
	assert_int_equal(mde__ole2_kids(o, 1, &first), 1);
	assert_int_equal(mde__ole2_id(o, first), 4);
	assert_int_equal(mde__ole2_info(o, 6, &e), -1);
	mde__ole2_close(o);
}

static void test_stream(void **state)
{
	struct cfb c;
	mde__ole2 *o;
	mde__ole2_stream s;
	const uint8_t *p;
	uint8_t *buf = NULL;
	size_t n, cap = 0, len, i;

	(void)state;
	sample(&c);
	assert_int_equal(mde__ole2_open(c.buf, c.len, &o), MDE__OLE2_OK);
	assert_int_equal(mde__ole2_stream_open(o, 2, &s), MDE__OLE2_OK);
	assert_int_equal(s.size, 1200);
	/* sectors 3 and 4 are adjacent: one piece, then sector 6 */
	p = mde__ole2_read(&s, &n);
	assert_non_null(p);
	assert_int_equal(n, 2 * SECT);
	assert_ptr_equal(p, sector(&c, 3));
	p = mde__ole2_read(&s, &n);
	assert_int_equal(n, 1200 - 2 * SECT);
	assert_ptr_equal(p, sector(&c, 6));
	assert_null(mde__ole2_read(&s, &n));
	assert_int_equal(mde__ole2_load(o, 2, 1000, &buf, &cap, &len),
			 MDE__OLE2_OK);
	assert_int_equal(len, 1000);
	for (i = 0; i < len; i++)
		assert_int_equal(buf[i], (uint8_t)i);
	/* the looping chain: damaged, and only that stream */
	assert_int_equal(mde__ole2_stream_open(o, 3, &s), MDE__OLE2_DAMAGED);
	assert_int_equal(mde__ole2_load(o, 3, 100, &buf, &cap, &len),
			 MDE__OLE2_DAMAGED);
	/* storages are no streams */
	assert_int_equal(mde__ole2_stream_open(o, 1, &s), MDE__OLE2_DAMAGED);
	free(buf);
	mde__ole2_close(o);
}

static void test_cut_short(void **state)
{
	struct cfb c;
	mde__ole2 *o;
	mde__ole2_stream s;
	size_t n, total = 0;

	(void)state;
	sample(&c);
	/* the file ends inside sector 4: WordDocument reads up to there */
	c.len = (size_t)(4 + 1) * SECT + 100;
	assert_int_equal(mde__ole2_open(c.buf, c.len, &o), MDE__OLE2_OK);
	assert_int_equal(mde__ole2_stream_open(o, 2, &s), MDE__OLE2_OK);
	while (mde__ole2_read(&s, &n))
		total += n;
	assert_int_equal(total, SECT + 100);
	mde__ole2_close(o);
	/* no directory at all */
	assert_int_equal(mde__ole2_open(c.buf, 2 * SECT, &o),
			 MDE__OLE2_DAMAGED);
	assert_int_equal(mde__ole2_open(c.buf, 100, &o), MDE__OLE2_DAMAGED);
}

static void test_dir_loops(void **state)
{
	struct cfb c;
	mde__ole2 *o;

	(void)state;
	sample(&c);
	/* Macros's left is the top of its tree, \1Ole10Native's right the
	 * root, VBA's left and child its own storage: every entry once, dir
	 * (VBA's child no more) never */
	dirent(&c, 1, "Macros", 1, 2, NONE, 4, 0, 0);
	dirent(&c, 3, "\001Ole10Native", 2, NONE, 0, NONE, 7, 5000);
	dirent(&c, 4, "VBA", 1, 1, NONE, 1, 0, 0);
	assert_int_equal(mde__ole2_open(c.buf, c.len, &o), MDE__OLE2_OK);
	assert_int_equal(mde__ole2_count(o), 4);
	mde__ole2_close(o);
	/* a directory chain that loops */
	sample(&c);
	fat(&c, 2, 1);
	assert_int_equal(mde__ole2_open(c.buf, c.len, &o), MDE__OLE2_DAMAGED);
}

static void test_mini(void **state)
{
	struct cfb c;
	mde__ole2 *o;
	mde__ole2_stream s;
	const uint8_t *p;
	size_t n;

	(void)state;
	sample(&c);
	/* the mini stream on sector 9 (128 bytes), the miniFAT on 10 */
	dirent(&c, 0, "Root Entry", 5, NONE, NONE, 2, 9, 128);
	dirent(&c, 5, "dir", 2, NONE, NONE, NONE, 0, 100);
	fat(&c, 9, END);
	fat(&c, 10, END);
	put32(c.buf + 60, 10);
	put32(c.buf + 64, 1);
	memset(sector(&c, 10), 0xff, SECT);
	put32(sector(&c, 10), 1);
	put32(sector(&c, 10) + 4, END);
	memset(sector(&c, 9), 'm', 128);
	assert_int_equal(mde__ole2_open(c.buf, c.len, &o), MDE__OLE2_OK);
	assert_int_equal(mde__ole2_stream_open(o, 5, &s), MDE__OLE2_OK);
	assert_int_equal(s.size, 100);
	p = mde__ole2_read(&s, &n);
	assert_int_equal(n, 100); /* two mini sectors, adjacent */
	assert_ptr_equal(p, sector(&c, 9));
	mde__ole2_close(o);
}

/* Names entry id s as MSI packs it: two characters of its alphabet a
 * unit (0x3800 + a + 64 b), a last one alone (0x4800 + a). */
static void msi_name(struct cfb *c, uint32_t id, const char *s)
{
	static const char abc[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz._";
	uint8_t *e = sector(c, 1 + id / 4) + (id % 4) * 128;
	size_t i, k = 0;
	uint32_t a, u;

	memset(e, 0, 64);
	for (i = 0; s[i]; i += 2) {
		a = (uint32_t)(strchr(abc, s[i]) - abc);
		u = s[i + 1] ? 0x3800 + a +
				       64 * (uint32_t)(strchr(abc, s[i + 1]) - abc)
			     : 0x4800 + a;
		e[k++] = (uint8_t)u;
		e[k++] = (uint8_t)(u >> 8);
		if (!s[i + 1])
			break;
	}
	e[64] = (uint8_t)(k + 2);
}

static void test_msi_names(void **state)
{
	struct cfb c;
	mde__ole2 *o;
	mde__ole2_entry e;

	(void)state;
	sample(&c);
	msi_name(&c, 3, "files.cab");
	/* not an installer database: left as the CJK characters they are */
	assert_int_equal(mde__ole2_open(c.buf, c.len, &o), MDE__OLE2_OK);
	assert_int_equal(mde__ole2_info(o, 3, &e), 0);
	assert_string_not_equal(e.name, "files.cab");
	mde__ole2_close(o);
	/* MSI's class on the root */
	memcpy(sector(&c, 1) + 80,
	       "\x84\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46",
	       16);
	assert_int_equal(mde__ole2_open(c.buf, c.len, &o), MDE__OLE2_OK);
	assert_int_equal(mde__ole2_info(o, 3, &e), 0);
	assert_string_equal(e.name, "files.cab");
	mde__ole2_close(o);
}

/* ------------------------------------------------------------ olenative */

static size_t package(uint8_t *p, const char *label, const char *path,
		      const char *data, uint32_t claim)
{
	size_t k = 0, n;
	static const char tmp[] = "C:\\Temp\\x.tmp";

	p[k++] = 2;
	p[k++] = 0;
	n = strlen(label) + 1;
	memcpy(p + k, label, n);
	k += n;
	n = strlen(path) + 1;
	memcpy(p + k, path, n);
	k += n;
	put32(p + k, 0x00030000);
	put32(p + k + 4, sizeof(tmp));
	k += 8;
	memcpy(p + k, tmp, sizeof(tmp));
	k += sizeof(tmp);
	put32(p + k, claim);
	k += 4;
	memcpy(p + k, data, strlen(data));
	return k + strlen(data);
}

static void test_package(void **state)
{
	uint8_t buf[512];
	mde__package pk;
	size_t n;

	(void)state;
	n = package(buf, "label", "C:\\Users\\x\\eicar.com", "DATA", 4);
	assert_int_equal(mde__package_parse(buf, n, &pk), 0);
	assert_string_equal(pk.name, "eicar.com");
	assert_int_equal(pk.len, 4);
	assert_memory_equal(buf + pk.off, "DATA", 4);
	/* a size that claims more ends at the end */
	n = package(buf, "label", "", "DATA", 4000000000u);
	assert_int_equal(mde__package_parse(buf, n, &pk), 0);
	assert_string_equal(pk.name, "label");
	assert_int_equal(pk.len, 4);
	/* a link (kind 1) holds no file; strings that never end hold none */
	n = package(buf, "a\001b", "", "DATA", 4);
	buf[2 + 4 + 1 + 2] = 1;
	assert_int_equal(mde__package_parse(buf, n, &pk), -1);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(mde__package_parse(buf, sizeof(buf), &pk), -1);
}

static void test_ole1(void **state)
{
	static const uint8_t obj[] = {
		0x01, 0x05, 0, 0, 2, 0, 0, 0,
		8, 0, 0, 0, 'P', 'a', 'c', 'k', 'a', 'g', 'e', 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 'n', 'a', 't', 'i', 'v', 'e'
	};
	mde__ole1 o;
	uint8_t linked[sizeof(obj)];

	(void)state;
	assert_int_equal(mde__ole1_parse(obj, sizeof(obj), &o), 0);
	assert_string_equal(o.cls, "Package");
	assert_int_equal(o.off, 32);
	assert_int_equal(o.len, 6);
	memcpy(linked, obj, sizeof(obj));
	linked[4] = 1;
	assert_int_equal(mde__ole1_parse(linked, sizeof(linked), &o), -1);
	assert_int_equal(mde__ole1_parse(obj, 20, &o), -1);
}

static void test_file_name(void **state)
{
	static const uint8_t u16[] = { 'a', 0, '\\', 0, 'b', 0, '.', 0,
				       'e', 0, 0xe9, 0, 0, 0, 'z', 0 };
	char name[32];

	(void)state;
	mde__ole_file_name(u16, sizeof(u16), 1, name, sizeof(name));
	assert_string_equal(name, "b.e\xc3\xa9");
	mde__ole_file_name((const uint8_t *)"C:x\ty", 5, 0, name, sizeof(name));
	assert_string_equal(name, "x_y");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_dir_loops),
		cmocka_unit_test(test_mini),
		cmocka_unit_test(test_msi_names),
		cmocka_unit_test(test_package),
		cmocka_unit_test(test_ole1),
		cmocka_unit_test(test_file_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
