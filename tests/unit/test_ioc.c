/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ioc.c - unit tests of the Loki IOC files (ioc.c).
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ioc.h"

#define EICAR_MD5 "44d88612fea8a8f36de82e1278abb02f"
#define EICAR_SHA1 "3395856ce81f2b7382dee72602f798b642f14140"
#define EICAR_SHA256 \
	"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
#define OTHER_MD5 "0123456789abcdef0123456789abcdef"

/* Diagnostics collected by the callback. */
#define MAX_DIAGS 32
struct diags {
	unsigned n;
	unsigned line[MAX_DIAGS];
	char msg[MAX_DIAGS][256];
	char file[MAX_DIAGS][64];
};

static void diag_cb(void *ctx, const char *file, unsigned line,
		    const char *signame, const char *msg)
{
	struct diags *dg = ctx;

	(void)signame;
	if (dg->n < MAX_DIAGS) {
		dg->line[dg->n] = line;
		snprintf(dg->msg[dg->n], sizeof(dg->msg[0]), "%s", msg);
		snprintf(dg->file[dg->n], sizeof(dg->file[0]), "%s",
			 file ? file : "");
	}
	dg->n++;
}

/* Test fixture: a set, its diagnostics. */
struct fx {
	mde__iocs *s;
	struct diags dg;
	mde__diag d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->s = mde__iocs_new();
	f->d.fn = diag_cb;
	f->d.ctx = &f->dg;
	*state = f;
	return f->s ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	mde__iocs_free(f->s);
	free(f);
	return 0;
}

/* Parses text (copied to a buffer of exactly its length, so that ASan
 * sees any read past the end) as one file of kind. */
static void parse(struct fx *f, int kind, const char *name, const char *text)
{
	size_t n = strlen(text);
	char *buf = malloc(n ? n : 1);

	assert_non_null(buf);
	memcpy(buf, text, n);
	assert_int_equal(mde__iocs_parse(f->s, kind, name, buf, n, &f->d),
			 MDE_OK);
	free(buf);
}

static void finalize(struct fx *f)
{
	assert_int_equal(mde__iocs_finalize(f->s), MDE_OK);
}

static void unhex(const char *h, uint8_t *out)
{
	size_t i, n = strlen(h) / 2;

	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static int type_of(const char *h)
{
	switch (strlen(h)) {
	case 32: return MDE__MD5;
	case 40: return MDE__SHA1;
	}
	return MDE__SHA256;
}

/* Looks up hex digest h; returns the verdict, score and comment. */
static int lookup(struct fx *f, const char *h, int *score, const char **c)
{
	uint8_t dg[32];

	unhex(h, dg);
	return mde__iocs_lookup_hash(f->s, type_of(h), dg, score, c);
}

static void assert_hit(struct fx *f, const char *h, int score,
		       const char *comment)
{
	int sc = -1;
	const char *c = NULL;

	assert_int_equal(lookup(f, h, &sc, &c), MDE__IOC_HIT);
	assert_int_equal(sc, score);
	assert_string_equal(c, comment);
}

static void assert_diag(const struct fx *f, unsigned i, unsigned line,
			const char *part)
{
	assert_true(f->dg.n > i);
	assert_int_equal(f->dg.line[i], line);
	if (!strstr(f->dg.msg[i], part))
		fail_msg("diag %u '%s' lacks '%s'", i, f->dg.msg[i], part);
}

/* ------------------------------------------------------------ hash IOCs */

static void test_hash_forms(void **state)
{
	struct fx *f = *state;
	mde__ioc_counts c;

	parse(f, MDE__IOC_HASH, "hash-iocs.txt",
	      "# LOKI CUSTOM EVIL HASHES\n"
	      "#\n"
	      "\n"
	      "   \t\n"
	      EICAR_MD5 ";EICAR md5\n"
	      EICAR_SHA1 ";75;EICAR sha1\r\n"
	      "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"
	      ";EICAR; upper case\n"
	      OTHER_MD5 " ; 60 ;  spaced comment  \n"
	      "00000000000000000000000000000000000000a1;;\n"
	      "00000000000000000000000000000000000000a2;0;zero\n"
	      "00000000000000000000000000000000000000a3;1000;max");
	assert_int_equal(f->dg.n, 0);
	finalize(f);
	assert_hit(f, EICAR_MD5, 100, "EICAR md5");
	assert_hit(f, EICAR_SHA1, 75, "EICAR sha1");
	/* a non-numeric middle field is part of the comment */
	assert_hit(f, EICAR_SHA256, 100, "EICAR; upper case");
	assert_hit(f, OTHER_MD5, 60, "spaced comment");
	assert_hit(f, "00000000000000000000000000000000000000a1", 100, ";");
	assert_hit(f, "00000000000000000000000000000000000000a2", 0, "zero");
	assert_hit(f, "00000000000000000000000000000000000000a3", 1000, "max");
	assert_int_equal(lookup(f, "00000000000000000000000000000000000000a4",
				NULL, NULL), MDE__IOC_NONE);
	mde__iocs_counts(f->s, &c);
	assert_int_equal(c.hash[MDE__MD5], 2);
	assert_int_equal(c.hash[MDE__SHA1], 4);
	assert_int_equal(c.hash[MDE__SHA256], 1);
	assert_int_equal(c.fphash, 0);
	assert_int_equal(c.filename, 0);
	assert_true(mde__iocs_want_hash(f->s, MDE__SHA1));
	assert_true(mde__iocs_memory(f->s) > 0);
}

static void test_hash_bad_lines(void **state)
{
	struct fx *f = *state;
	char *text, *p;
	size_t n = MDE__IOC_MAX_LINE + 64;

	text = malloc(n + 2048);
	assert_non_null(text);
	p = text;
	p += sprintf(p, "%s\n", EICAR_MD5);                      /* 1 no ';' */
	p += sprintf(p, "%s;abc\n", "44d88612fea8a8f36de82e1278abb0");   /* 2 */
	p += sprintf(p, "%s;x\n", "44d88612fea8a8f36de82e1278abb02g");  /* 3 */
	p += sprintf(p, "%s;-5x;c\n", EICAR_MD5);  /* 4: 'x' -> comment */
	p += sprintf(p, "%s;5-;c\n", EICAR_SHA1);               /* 5 bad score */
	p += sprintf(p, "%s;99999999999999999999;c\n", EICAR_SHA1);     /* 6 */
	p += sprintf(p, "%s;1001;c\n", EICAR_SHA1);              /* 7 range */
	p += sprintf(p, "%s;", EICAR_SHA256);                    /* 8 long */
	memset(p, 'x', n);
	p += n;
	p += sprintf(p, "\n%s;after the long line\n", EICAR_SHA256);   /* 9 */
	p += sprintf(p, "d41d8cd98f00b204e9800998ecf8427e;empty file\n"); /* 10 */
	p += sprintf(p, "  # not a comment;x\n");                /* 11 */
	parse(f, MDE__IOC_HASH, "bad-hash-iocs.txt", text);
	free(text);
	finalize(f);
	assert_int_equal(f->dg.n, 9);
	assert_diag(f, 0, 1, "no ';'");
	assert_diag(f, 1, 2, "30 characters");
	assert_diag(f, 2, 3, "bad hex digit at column 32");
	assert_diag(f, 3, 5, "bad score '5-'");
	assert_diag(f, 4, 6, "bad score");
	assert_diag(f, 5, 7, "bad score '1001'");
	assert_diag(f, 6, 8, "line too long");
	assert_diag(f, 7, 10, "empty");
	assert_diag(f, 8, 11, "hex");
	assert_string_equal(f->dg.file[0], "bad-hash-iocs.txt");
	assert_hit(f, EICAR_MD5, 100, "-5x;c");
	assert_hit(f, EICAR_SHA256, 100, "after the long line");
	assert_int_equal(lookup(f, EICAR_SHA1, NULL, NULL), MDE__IOC_NONE);
	assert_int_equal(lookup(f, "d41d8cd98f00b204e9800998ecf8427e", NULL,
				NULL), MDE__IOC_NONE);
}

static void test_hash_duplicates_last_wins(void **state)
{
	struct fx *f = *state;
	mde__ioc_counts c;

	parse(f, MDE__IOC_HASH, "a-hash-iocs.txt",
	      EICAR_MD5 ";first\n" OTHER_MD5 ";other\n");
	parse(f, MDE__IOC_HASH, "b-hash-iocs.txt",
	      EICAR_MD5 ";80;second\n" EICAR_MD5 ";90;third\n");
	finalize(f);
	assert_hit(f, EICAR_MD5, 90, "third");
	assert_hit(f, OTHER_MD5, 100, "other");
	mde__iocs_counts(f->s, &c);
	assert_int_equal(c.hash[MDE__MD5], 2);
}

static void test_fp_hash_suppresses(void **state)
{
	struct fx *f = *state;
	const uint8_t *dgs[MDE__NHASH];
	uint8_t md5[16], sha1[20], sha256[32];
	mde__iochash hit = { 0 };
	mde__ioc_counts c;
	const char *cm = NULL;
	int score = -1;

	parse(f, MDE__IOC_HASH, "hash-iocs.txt",
	      EICAR_MD5 ";EICAR\n" EICAR_SHA1 ";70;EICAR sha1\n" OTHER_MD5
	      ";other\n");
	parse(f, MDE__IOC_FPHASH, "falsepositive-hashes.txt",
	      "# known good\n" EICAR_SHA256 ";test file, not malware\n"
	      EICAR_MD5 ";also good\n");
	finalize(f);
	assert_int_equal(f->dg.n, 0);
	assert_int_equal(lookup(f, EICAR_MD5, &score, &cm), MDE__IOC_FP);
	assert_int_equal(score, 0);
	assert_string_equal(cm, "also good");
	assert_hit(f, EICAR_SHA1, 70, "EICAR sha1");

	/* One file: the SHA-256 is a false positive, so the SHA-1 hit goes. */
	unhex(EICAR_MD5, md5);
	unhex(EICAR_SHA1, sha1);
	unhex(EICAR_SHA256, sha256);
	dgs[MDE__MD5] = NULL;
	dgs[MDE__SHA1] = sha1;
	dgs[MDE__SHA256] = sha256;
	assert_int_equal(mde__iocs_lookup_file(f->s, dgs, &hit), MDE__IOC_FP);
	dgs[MDE__SHA256] = NULL;
	assert_int_equal(mde__iocs_lookup_file(f->s, dgs, &hit), MDE__IOC_HIT);
	assert_int_equal(hit.type, MDE__SHA1);
	assert_int_equal(hit.score, 70);
	assert_string_equal(hit.comment, "EICAR sha1");
	unhex(OTHER_MD5, md5);
	dgs[MDE__MD5] = md5; /* MD5 is looked at first */
	assert_int_equal(mde__iocs_lookup_file(f->s, dgs, &hit), MDE__IOC_HIT);
	assert_int_equal(hit.type, MDE__MD5);
	assert_string_equal(hit.comment, "other");
	dgs[MDE__MD5] = dgs[MDE__SHA1] = NULL;
	assert_int_equal(mde__iocs_lookup_file(f->s, dgs, NULL), MDE__IOC_NONE);

	mde__iocs_counts(f->s, &c);
	assert_int_equal(c.fphash, 2);
	assert_true(mde__iocs_want_hash(f->s, MDE__SHA256));
}

/* --------------------------------------------------------- file names */

#define MAX_HITS 16
struct hits {
	unsigned n;
	mde__iocmatch m[MAX_HITS];
	unsigned stop_after; /* 0: never stop */
};

static int hit_cb(void *ctx, const mde__iocmatch *m)
{
	struct hits *h = ctx;

	if (h->n < MAX_HITS)
		h->m[h->n] = *m;
	h->n++;
	return h->stop_after && h->n >= h->stop_after;
}

static struct hits match(struct fx *f, const char *path)
{
	struct hits h = { 0 };

	assert_int_equal(mde__iocs_match_name(f->s, NULL, path, strlen(path),
					      hit_cb, &h), MDE_OK);
	return h;
}

static const char names_text[] =
	"#\n"
	"# LOKI File Name Characteristics\n"
	"# FORMAT: REGEX;SCORE\n"
	"#\n"
	"/nodesc/;10\n"                                     /* 5 */
	"\n"
	"# Regin\n"
	"\\\\usbclass\\.sys;80\n"                          /* 8 */
	"\n"
	"\\\\adpu160\\.sys;70\r\n"                         /* 10: blank kept it */
	"## Mimikatz Output  \n"
	"\\.kirbi$;-20\n"                                  /* 12 */
	"# Web shells\n"
	"/var/www/.*\\.php$;60;/var/www/vendor/\n"         /* 14 */
	"C:\\\\Windows\\\\[^\\\\]+\\\\svch0st\\.exe;90\n"   /* 15 */
	"\\\\tmp\\\\\\.[a-z]+$;50;;ignored\n"              /* 16 */
	"zq;5;;\n";                                        /* 17 */

static void test_names(void **state)
{
	struct fx *f = *state;
	struct hits h;
	mde__ioc_counts c;

	parse(f, MDE__IOC_FILENAME, "filename-iocs.txt", names_text);
	assert_int_equal(f->dg.n, 0);
	finalize(f);
	mde__iocs_counts(f->s, &c);
	assert_int_equal(c.filename, 8);

	/* The last '#' line before the entry is its description. */
	h = match(f, "/lib/modules/usbclass.sys");
	assert_int_equal(h.n, 1);
	assert_int_equal(h.m[0].score, 80);
	assert_string_equal(h.m[0].description, "Regin");
	assert_string_equal(h.m[0].pattern, "\\\\usbclass\\.sys");
	assert_string_equal(h.m[0].file, "filename-iocs.txt");
	assert_int_equal(h.m[0].line, 8);

	h = match(f, "/opt/adpu160.sys");
	assert_int_equal(h.n, 1);
	assert_string_equal(h.m[0].description, "Regin");
	assert_int_equal(h.m[0].line, 10);

	/* An entry above all comments: the last '#' line, "" for "#". */
	h = match(f, "/srv/nodesc/a");
	assert_int_equal(h.n, 1);
	assert_string_equal(h.m[0].description, "");

	h = match(f, "/home/u/ticket.kirbi");
	assert_int_equal(h.n, 1);
	assert_int_equal(h.m[0].score, -20);
	assert_string_equal(h.m[0].description, "Mimikatz Output");

	/* False-positive regex. */
	h = match(f, "/var/www/html/shell.php");
	assert_int_equal(h.n, 1);
	assert_int_equal(h.m[0].score, 60);
	assert_string_equal(h.m[0].description, "Web shells");
	h = match(f, "/var/www/vendor/lib.php");
	assert_int_equal(h.n, 0);

	/* Case sensitive by default, like Loki. */
	h = match(f, "/lib/modules/USBCLASS.SYS");
	assert_int_equal(h.n, 0);
	h = match(f, "/etc/passwd");
	assert_int_equal(h.n, 0);
}

static void test_windows_translation(void **state)
{
	struct fx *f = *state;
	struct hits h;

	parse(f, MDE__IOC_FILENAME, "filename-iocs.txt", names_text);
	finalize(f);
	/* C:\\Windows\\[^\\]+\\svch0st\.exe -> /Windows/[^/]+/svch0st\.exe */
	h = match(f, "/mnt/Windows/System32/svch0st.exe");
	assert_int_equal(h.n, 1);
	assert_int_equal(h.m[0].line, 15);
	assert_string_equal(h.m[0].pattern,
			    "C:\\\\Windows\\\\[^\\\\]+\\\\svch0st\\.exe");
	h = match(f, "/mnt/Windows/a/b/svch0st.exe"); /* [^/]+: one level */
	assert_int_equal(h.n, 0);
	/* \\tmp\\\.[a-z]+$ -> /tmp/\.[a-z]+$; an empty FP field is none */
	h = match(f, "/tmp/.hidden");
	assert_int_equal(h.n, 1);
	assert_int_equal(h.m[0].score, 50);
	h = match(f, "/tmp/zq");
	assert_int_equal(h.n, 1);
	assert_int_equal(h.m[0].line, 17); /* "zq;5;;" */
	h = match(f, "\\tmp\\.hidden"); /* a literal backslash path */
	assert_int_equal(h.n, 0);
}

static void test_name_bad_lines(void **state)
{
	struct fx *f = *state;
	struct hits h;
	mde__ioc_counts c;

	parse(f, MDE__IOC_FILENAME, "bad-filename-iocs.txt",
	      "# group\n"
	      "\\\\evil\\.exe\n"                 /* 2: no score */
	      ";50\n"                            /* 3: empty regex */
	      "\\\\evil\\.exe;high\n"            /* 4: bad score */
	      "\\\\evil\\.exe;5000\n"            /* 5: out of range */
	      "\\\\evil(\\.exe;50\n"             /* 6: regex does not compile */
	      "\\\\evil\\.exe;50;vendor[\n"      /* 7: FP does not compile */
	      "C:;50\n"                          /* 8: empty once translated */
	      "\\\\evil\\.exe;55\n"              /* 9: loaded */
	      "\\\\abc\\C;50\n"                  /* 10: \C refused */
	      "C:\\\\d\\\\x{110000}\\\\;50\n");  /* 11: mid-regex error */
	finalize(f);
	assert_int_equal(f->dg.n, 9);
	assert_diag(f, 0, 2, "no ';'");
	assert_diag(f, 1, 3, "empty regex");
	assert_diag(f, 2, 4, "bad score 'high'");
	assert_diag(f, 3, 5, "bad score '5000'");
	/* the offset is in the regex as written: PCRE2 reports the end of
	 * "/evil(\.exe", 11, that is 12 in "\\evil(\.exe" */
	assert_diag(f, 4, 6, "regex does not compile at offset 12: missing");
	assert_diag(f, 5, 7, "false-positive regex does not compile at offset 7");
	assert_diag(f, 6, 8, "empty once translated");
	assert_diag(f, 7, 10, "regex does not compile");
	/* "/d/x{110000}/": the '}' at 11 is at 15 as written */
	assert_diag(f, 8, 11, "regex does not compile at offset 15: number");
	mde__iocs_counts(f->s, &c);
	assert_int_equal(c.filename, 1);
	h = match(f, "/x/evil.exe");
	assert_int_equal(h.n, 1);
	assert_int_equal(h.m[0].line, 9);
	assert_string_equal(h.m[0].description, "group");
}

static void test_name_caseless_and_inline(void **state)
{
	struct fx *f = *state;
	struct hits h;

	parse(f, MDE__IOC_FILENAME, "a-filename-iocs.txt",
	      "(?i)\\\\inline\\.dll;70\n\\\\plain\\.dll;60\n");
	mde__iocs_set_caseless(f->s, true);
	parse(f, MDE__IOC_FILENAME, "b-filename-iocs.txt",
	      "\\\\caseless\\.dll;50\n");
	finalize(f);
	assert_int_equal(match(f, "/x/INLINE.DLL").n, 1);
	assert_int_equal(match(f, "/x/PLAIN.DLL").n, 0);
	h = match(f, "/x/CaseLess.DLL");
	assert_int_equal(h.n, 1);
	assert_string_equal(h.m[0].file, "b-filename-iocs.txt");
	/* non-ASCII and invalid UTF-8 paths */
	assert_int_equal(match(f, "/x/\xc3\xa4/inline.dll").n, 1);
	assert_int_equal(match(f, "/x/\xff\xfe/inline.dll").n, 1);
	assert_int_equal(match(f, "/x/\xff\xfe").n, 0);
}

static void test_match_stop_limit_and_state(void **state)
{
	struct fx *f = *state;
	const char *path = "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
	mde__iocscratch *sc;
	struct hits h = { 0 };

	parse(f, MDE__IOC_FILENAME, "filename-iocs.txt",
	      "^/;1\n(a+)+$;2\n/a;3\n");
	assert_int_equal(mde__iocs_match_name(f->s, NULL, "/a", 2, hit_cb, &h),
			 MDE_ERR_STATE); /* not finalized */
	finalize(f);
	assert_int_equal(mde__iocs_finalize(f->s), MDE_ERR_STATE);
	assert_int_equal(mde__iocs_parse(f->s, MDE__IOC_HASH, "x", "", 0,
					 &f->d), MDE_ERR_STATE);
	sc = mde__iocscratch_new(f->s);
	assert_non_null(sc);
	/* catastrophic backtracking: that regex fails, the others report */
	assert_int_equal(mde__iocs_match_name(f->s, sc, path, strlen(path),
					      hit_cb, &h), MDE_ERR_STATE);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.m[0].score, 1);
	assert_int_equal(h.m[1].score, 3);
	/* the callback stops the walk */
	memset(&h, 0, sizeof(h));
	h.stop_after = 1;
	assert_int_equal(mde__iocs_match_name(f->s, sc, "/a", 2, hit_cb, &h),
			 MDE_OK);
	assert_int_equal(h.n, 1);
	/* the path need not be NUL terminated */
	memset(&h, 0, sizeof(h));
	assert_int_equal(mde__iocs_match_name(f->s, sc, "/abc", 1, hit_cb, &h),
			 MDE_OK);
	assert_int_equal(h.n, 1);
	mde__iocscratch_free(sc);
	mde__iocscratch_free(NULL);
}

/* Four threads share one set, each with its scratch. */
struct worker {
	const mde__iocs *s;
	unsigned hits;
	int rc;
};

static int count_cb(void *ctx, const mde__iocmatch *m)
{
	(void)m;
	(*(unsigned *)ctx)++;
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	mde__iocscratch *sc = mde__iocscratch_new(w->s);
	char path[64];
	int i;

	if (!sc) {
		w->rc = MDE_ERR_NOMEM;
		return NULL;
	}
	for (i = 0; i < 2000 && !w->rc; i++) {
		int n = snprintf(path, sizeof(path), "/srv/%d/usbclass.sys", i);

		w->rc = mde__iocs_match_name(w->s, sc, path, (size_t)n,
					     count_cb, &w->hits);
	}
	mde__iocscratch_free(sc);
	return NULL;
}

static void test_threads(void **state)
{
	struct fx *f = *state;
	struct worker w[4];
	pthread_t t[4];
	int i;

	parse(f, MDE__IOC_FILENAME, "filename-iocs.txt", names_text);
	finalize(f);
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ .s = f->s };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].rc, MDE_OK);
		assert_int_equal(w[i].hits, 2000);
	}
}

/* ---------------------------------------------------------------- misc */

static void test_kind_of_name(void **state)
{
	(void)state;
	assert_int_equal(mde__ioc_kind_of_name("hash-iocs.txt"), MDE__IOC_HASH);
	assert_int_equal(mde__ioc_kind_of_name("/sb/iocs/otx-hash-iocs.txt"),
			 MDE__IOC_HASH);
	assert_int_equal(mde__ioc_kind_of_name("HASH-IOCS.TXT"), MDE__IOC_HASH);
	assert_int_equal(mde__ioc_kind_of_name("falsepositive-hashes.txt"),
			 MDE__IOC_FPHASH);
	assert_int_equal(mde__ioc_kind_of_name("filename-iocs.txt"),
			 MDE__IOC_FILENAME);
	assert_int_equal(mde__ioc_kind_of_name("x/otx-filename-iocs.txt"),
			 MDE__IOC_FILENAME);
	assert_int_equal(mde__ioc_kind_of_name("hashes.txt"), 0);
	assert_int_equal(mde__ioc_kind_of_name("c2-iocs.txt"), 0);
	assert_int_equal(mde__ioc_kind_of_name("hash-iocs.txt/x"), 0);
	assert_int_equal(mde__ioc_kind_of_name("filename-iocs.txt.bak"), 0);
	assert_int_equal(mde__ioc_kind_of_name(""), 0);
	assert_int_equal(mde__ioc_kind_of_name(NULL), 0);
}

static void test_bytes_and_edges(void **state)
{
	struct fx *f = *state;
	static const char nul_line[] = EICAR_MD5 ";a\0b\n" OTHER_MD5 ";ok";
	mde__ioc_counts c;

	assert_int_equal(mde__iocs_parse(f->s, 0, "x", "", 0, &f->d),
			 MDE_ERR_ARG);
	assert_int_equal(mde__iocs_parse(f->s, MDE__IOC_HASH, "empty", NULL, 0,
					 &f->d), MDE_OK);
	assert_int_equal(mde__iocs_parse(f->s, MDE__IOC_HASH, "nul",
					 nul_line, sizeof(nul_line) - 1,
					 &f->d), MDE_OK);
	/* a BOM, no final newline, and no diagnostics sink */
	assert_int_equal(mde__iocs_parse(f->s, MDE__IOC_HASH, "bom",
					 "\xef\xbb\xbf" EICAR_SHA1 ";bom",
					 3 + 40 + 4, NULL), MDE_OK);
	finalize(f);
	assert_int_equal(f->dg.n, 1);
	assert_diag(f, 0, 1, "NUL byte");
	assert_hit(f, OTHER_MD5, 100, "ok");
	assert_hit(f, EICAR_SHA1, 100, "bom");
	mde__iocs_counts(f->s, &c);
	assert_int_equal(c.hash[MDE__MD5], 1);
	assert_int_equal(match(f, "/any").n, 0); /* no file-name IOCs */
	assert_false(mde__iocs_want_hash(f->s, MDE__SHA256));
	assert_false(mde__iocs_want_hash(f->s, 7));
	mde__iocs_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hash_forms, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hash_bad_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hash_duplicates_last_wins,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fp_hash_suppresses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows_translation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_name_bad_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_name_caseless_and_inline,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_stop_limit_and_state,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test(test_kind_of_name),
		cmocka_unit_test_setup_teardown(test_bytes_and_edges, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
