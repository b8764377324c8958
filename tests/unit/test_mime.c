/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mime.c - unit tests for mail decoding (mime.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime.h"

#define MAXGOT 64

/* What the callback was given. */
struct got {
	size_t n;             /* parts kept */
	size_t calls;
	uint64_t bytes;
	size_t stop_after;    /* return nonzero on this call; 0: never */
	char *name[MAXGOT];
	uint8_t *data[MAXGOT];
	size_t len[MAXGOT];
};

static int collect(void *ctx, const char *name, const uint8_t *data,
		   size_t len)
{
	struct got *g = ctx;

	assert_non_null(name);
	assert_true(name[0] != '\0');
	g->calls++;
	g->bytes += len;
	if (g->n < MAXGOT) {
		g->name[g->n] = strdup(name);
		g->data[g->n] = malloc(len + 1);
		assert_non_null(g->data[g->n]);
		memcpy(g->data[g->n], data, len);
		g->data[g->n][len] = '\0';
		g->len[g->n] = len;
		g->n++;
	}
	return g->stop_after && g->calls == g->stop_after;
}

static void got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->name[i]);
		free(g->data[i]);
	}
	memset(g, 0, sizeof(*g));
}

static const mde__mail_limits roomy = { 1000, 16, 64u << 20 };

/* Walks the NUL-terminated message s with limits lim (NULL: roomy). */
static int run(const char *s, int kind, const mde__mail_limits *lim,
	       struct got *g, const char **why)
{
	return mde__mail_parts((const uint8_t *)s, strlen(s), kind,
			       lim ? lim : &roomy, collect, g, why);
}

/* Part i is named name and holds the string s. */
static void part_is(const struct got *g, size_t i, const char *name,
		    const char *s)
{
	assert_true(i < g->n);
	assert_string_equal(g->name[i], name);
	assert_int_equal(g->len[i], strlen(s));
	assert_memory_equal(g->data[i], s, strlen(s));
}

static int detect(const char *s)
{
	return mde__mail_detect((const uint8_t *)s, strlen(s));
}

static void test_detect(void **state)
{
	static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0 };
	static const uint8_t mz[] = { 'M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0 };
	static const uint8_t nul[] = "Subject: a\0b\n\nbody\n";
	char *big;
	size_t i;

	(void)state;
	assert_int_equal(detect("From alice@example.org Mon Jan  1 00:00:00 "
				"2024\nFrom: alice@example.org\nSubject: hi\n"
				"\nbody\n"), MDE__MAIL_MBOX);
	assert_int_equal(detect("Received: from a\r\n\tby b\r\nSubject: hi\r\n"
				"\r\nbody\r\n"), MDE__MAIL_MESSAGE);
	assert_int_equal(detect("X-Mozilla-Status: 0001\nDate: today\n\nx"),
			 MDE__MAIL_MESSAGE);
	assert_int_equal(detect("return-path: <a@b>\n\n"), MDE__MAIL_MESSAGE);
	/* not mail */
	assert_int_equal(detect(""), MDE__MAIL_NONE);
	assert_int_equal(detect("X-Foo: bar\n\nbody\n"), MDE__MAIL_NONE);
	assert_int_equal(detect("Hello world\nSecond line\n"), MDE__MAIL_NONE);
	assert_int_equal(detect("From here on we talk.\nAnd more.\n"),
			 MDE__MAIL_NONE);
	assert_int_equal(detect("Subject: no blank line\nbody\n"),
			 MDE__MAIL_NONE);
	assert_int_equal(detect(" Subject: folded first\n\n"), MDE__MAIL_NONE);
	assert_int_equal(mde__mail_detect(elf, sizeof(elf)), MDE__MAIL_NONE);
	assert_int_equal(mde__mail_detect(mz, sizeof(mz)), MDE__MAIL_NONE);
	assert_int_equal(mde__mail_detect(nul, sizeof(nul) - 1),
			 MDE__MAIL_NONE);
	assert_int_equal(mde__mail_detect(NULL, 0), MDE__MAIL_NONE);

	/* headers running past the 4 KiB window count only if data goes on */
	big = malloc(20000);
	assert_non_null(big);
	strcpy(big, "Subject: big headers\n");
	for (i = 0; i < 200; i++)
		strcat(big, "X-Pad: 0123456789012345678901234567890123456789\n");
	assert_int_equal(detect(big), MDE__MAIL_MESSAGE);
	assert_int_equal(mde__mail_detect((const uint8_t *)big, 4000),
			 MDE__MAIL_NONE);
	free(big);
}

static void test_base64_junk_crlf(void **state)
{
	static const char msg[] =
		"From: a@example.org\r\n"
		"Subject: b64\r\n"
		"Content-Type: application/octet-stream; name=\"a.bin\"\r\n"
		"Content-Transfer-Encoding: Base64 (comment)\r\n"
		"\r\n"
		"SGVs bG8s\r\n"
		"IGJh!!c2U2\tNCB3*b3Js\r\n"
		"ZCE=\r\n"
		"\r\n";
	struct got g = { 0 };

	(void)state;
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 1);
	part_is(&g, 0, "a.bin", "Hello, base64 world!");
	got_free(&g);
}

/* Every byte value, base64 encoded in lines of 76 with CRLF, through a
 * multipart; also two encodings glued together ("...=" then more). */
static void test_base64_binary(void **state)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char msg[4096], *p;
	uint8_t raw[256];
	size_t i, col = 0;
	struct got g = { 0 };

	(void)state;
	for (i = 0; i < 256; i++)
		raw[i] = (uint8_t)i;
	p = msg + sprintf(msg, "Content-Type: multipart/mixed; boundary=b\r\n"
			  "\r\n--b\r\nContent-Transfer-Encoding: base64\r\n"
			  "Content-Type: image/png\r\n\r\n");
	for (i = 0; i < 256; i += 3) {
		uint32_t x = (uint32_t)raw[i] << 16 |
			     (i + 1 < 256 ? (uint32_t)raw[i + 1] << 8 : 0) |
			     (i + 2 < 256 ? raw[i + 2] : 0);

		*p++ = tab[x >> 18];
		*p++ = tab[x >> 12 & 63];
		*p++ = i + 1 < 256 ? tab[x >> 6 & 63] : '=';
		*p++ = i + 2 < 256 ? tab[x & 63] : '=';
		if ((col += 4) == 76) {
			p += sprintf(p, "\r\n");
			col = 0;
		}
	}
	p += sprintf(p, "\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n"
		     "ZGln\r\nZXN0=Z2x1ZWQ=\r\n--b--\r\n");
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.name[0], "part-1");
	assert_int_equal(g.len[0], 256);
	assert_memory_equal(g.data[0], raw, 256);
	/* "ZGlnZXN0" is "digest", "Z2x1ZWQ=" "glued" */
	part_is(&g, 1, "part-2", "digestglued");
	got_free(&g);
}

static void test_qp(void **state)
{
	static const char msg[] =
		"Subject: qp\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"Soft line=\r\n"
		" break, =3D equals, bad =ZZ escape, lower =3d, trailing=  \r\n"
		"end=\n";
	struct got g = { 0 };

	(void)state;
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 1);
	part_is(&g, 0, "part-1", "Soft line break, = equals, bad =ZZ escape, "
		"lower =, trailingend");
	got_free(&g);
}

static void test_uuencode(void **state)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=\"sep\"\n"
		"\n"
		"--sep\n"
		"Content-Type: text/plain\n"
		"\n"
		"Here it is:\n"
		"begin 644 hello.txt\n"
		"82&5L;&\\L('5U96YC;V1E9\"!W;W)L9\"$*\n"
		"`\n"
		"end\n"
		"and a second one, trailing blanks stripped:\n"
		"begin 600 \n"
		"H  $\" P0%!@<(\"0H+# T.#Q 1$A,4%187&!D:&QP='A\\@(2(C)\"4F)P\n"
		"end\n"
		"begin-base64 644 five.bin\n"
		"AAECAwQ=\n"
		"====\n"
		"begin 2020 plans for the year\n"
		"we will grow.\n"
		"--sep--\n";
	struct got g = { 0 };
	uint8_t forty[40];
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++)
		forty[i] = (uint8_t)i;
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.name[0], "part-1");
	assert_non_null(strstr((char *)g.data[0], "begin 644 hello.txt"));
	part_is(&g, 1, "hello.txt", "Hello, uuencoded world!\n");
	assert_string_equal(g.name[2], "part-3"); /* no name: counted */
	assert_int_equal(g.len[2], 40);
	assert_memory_equal(g.data[2], forty, 40);
	assert_string_equal(g.name[3], "five.bin");
	assert_int_equal(g.len[3], 5);
	assert_memory_equal(g.data[3], forty, 5);
	got_free(&g);

	/* in a plain body, and as Content-Transfer-Encoding x-uuencode */
	assert_int_equal(run("Subject: plain\n\nbegin 644 a\n"
			     "82&5L;&\\L('5U96YC;V1E9\"!W;W)L9\"$*\nend\n",
			     MDE__MAIL_MESSAGE, NULL, &g, NULL), MDE__MAIL_OK);
	assert_int_equal(g.n, 2);
	part_is(&g, 1, "a", "Hello, uuencoded world!\n");
	got_free(&g);
	assert_int_equal(run("Content-Type: application/octet-stream\n"
			     "Content-Transfer-Encoding: x-uuencode\n\n"
			     "begin 644 b\n#86)C\n`\nend\n",
			     MDE__MAIL_MESSAGE, NULL, &g, NULL), MDE__MAIL_OK);
	assert_int_equal(g.n, 2);
	part_is(&g, 1, "b", "abc");
	got_free(&g);
}

static const char nested[] =
	"From: a@example.org\n"
	"To: b@example.org\n"
	"Subject: nested\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed;\n"
	"\tboundary=\"outer\"\n"
	"\n"
	"preamble, not delivered\n"
	"--outer\n"
	"Content-Type: multipart/alternative; boundary=outerx\n"
	"\n"
	"--outerx\n"
	"Content-Type: text/plain\n"
	"\n"
	"plain version\n"
	"--outerx\n"
	"Content-Type: text/html\n"
	"\n"
	"<p>html version</p>\n"
	"--outerx--\n"
	"--outer\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: c@example.org\n"
	"Subject: inner\n"
	"Content-Type: multipart/mixed; boundary=\"in\"\n"
	"\n"
	"--in\n"
	"Content-Type: text/plain\n"
	"\n"
	"inner text\n"
	"--in\n"
	"Content-Type: application/octet-stream\n"
	"Content-Disposition: attachment; filename=\"dir/inner.bin\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"AAECAwQ=\n"
	"--in--\n"
	"--outer\n"
	"Content-Type: message/rfc822\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"RnJvbTogY0BleGFtcGxlLm9yZwpTdWJqZWN0OiBlbmMKCmVuY29kZWQgaW5uZXIgYm9k"
	"eQo=\n"
	"--outer\n"
	"Content-Type: application/octet-stream; name=\"last.dat\"\n"
	"\n"
	"last\n"
	"--outer--\n"
	"epilogue, not delivered\n";

static void test_nested(void **state)
{
	struct got g = { 0 };

	(void)state;
	assert_int_equal(detect(nested), MDE__MAIL_MESSAGE);
	assert_int_equal(run(nested, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 6);
	part_is(&g, 0, "part-1", "plain version");
	part_is(&g, 1, "part-2", "<p>html version</p>");
	part_is(&g, 2, "part-3", "inner text");
	assert_string_equal(g.name[3], "dir/inner.bin");
	assert_int_equal(g.len[3], 5);
	assert_memory_equal(g.data[3], "\0\1\2\3\4", 5);
	part_is(&g, 4, "part-5", "encoded inner body\n");
	part_is(&g, 5, "last.dat", "last");
	got_free(&g);
}

static void test_names(void **state)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=\"=_x\"\n"
		"\n"
		"--=_x\n"
		"Content-Disposition: attachment;\n"
		" filename=\"=?UTF-8?B?w6lsw6h2ZS50eHQ=?=\"\n"
		"\n"
		"1\n"
		"--=_x\n"
		"Content-Type: application/pdf;\n"
		"\tname==?iso-8859-1?Q?caf=E9?=  =?iso-8859-1?q?_menu.pdf?=\n"
		"\n"
		"2\n"
		"--=_x\n"
		"Content-Disposition: attachment; "
		"filename*=UTF-8''%E2%82%AC%20rates.txt; filename=\"plain\"\n"
		"\n"
		"3\n"
		"--=_x\n"
		"Content-Disposition: attachment; filename*1=\"name.exe\";\n"
		" filename*0=\"long\"\n"
		"\n"
		"4\n"
		"--=_x\n"
		"Content-Disposition: attachment; filename*0*=us-ascii'en'a%0Ab;"
		" filename*1=\".t\\\"xt\"\n"
		"\n"
		"5\n"
		"--=_x\n"
		"Content-Disposition: inline; filename=my report.doc\n"
		"\n"
		"6\n"
		"--=_x\n"
		"Content-Disposition: inline; filename=\"=?bad?X?no?=\"\n"
		"\n"
		"7\n"
		"--=_x--\n";
	struct got g = { 0 };

	(void)state;
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 7);
	part_is(&g, 0, "\xc3\xa9l\xc3\xa8ve.txt", "1");
	part_is(&g, 1, "caf\xe9 menu.pdf", "2");
	part_is(&g, 2, "\xe2\x82\xac rates.txt", "3");
	part_is(&g, 3, "longname.exe", "4");
	part_is(&g, 4, "a_b.t\"xt", "5");
	part_is(&g, 5, "my report.doc", "6");
	part_is(&g, 6, "=?bad?X?no?=", "7");
	got_free(&g);
}

static void test_limits(void **state)
{
	mde__mail_limits lim = roomy;
	struct got g = { 0 };
	const char *why = NULL;

	(void)state;
	/* six parts, four allowed */
	lim.max_parts = 4;
	assert_int_equal(run(nested, MDE__MAIL_MESSAGE, &lim, &g, &why),
			 MDE__MAIL_LIMIT_PARTS);
	assert_string_equal(why, "limit: max-parts");
	assert_int_equal(g.n, 4);
	got_free(&g);
	lim.max_parts = 6;
	assert_int_equal(run(nested, MDE__MAIL_MESSAGE, &lim, &g, &why),
			 MDE__MAIL_OK);
	assert_null(why);
	got_free(&g);

	/* the inner multipart of the message/rfc822 is at depth 2 */
	lim = roomy;
	lim.max_depth = 2;
	assert_int_equal(run(nested, MDE__MAIL_MESSAGE, &lim, &g, &why),
			 MDE__MAIL_LIMIT_DEPTH);
	assert_string_equal(why, "limit: max-depth");
	assert_int_equal(g.n, 2);
	got_free(&g);
	lim.max_depth = 0;
	assert_int_equal(run(nested, MDE__MAIL_MESSAGE, &lim, &g, &why),
			 MDE__MAIL_LIMIT_DEPTH);
	assert_int_equal(g.n, 0);
	assert_int_equal(run("Subject: flat\n\nflat\n", MDE__MAIL_MESSAGE,
			     &lim, &g, &why), MDE__MAIL_OK);
	assert_int_equal(g.n, 1);
	got_free(&g);

	/* 13 + 19 + 10 bytes fit in 45, the inner.bin's 5 do not */
	lim = roomy;
	lim.max_decoded = 45;
	assert_int_equal(run(nested, MDE__MAIL_MESSAGE, &lim, &g, &why),
			 MDE__MAIL_LIMIT_SIZE);
	assert_string_equal(why, "limit: max-decoded");
	assert_int_equal(g.n, 3);
	assert_true(g.bytes <= 45);
	got_free(&g);
	/* a base64 body bigger than the limit is refused while decoding */
	lim.max_decoded = 10;
	assert_int_equal(run("Content-Transfer-Encoding: base64\n\n"
			     "SGVsbG8sIGJhc2U2NCB3b3JsZCE=\n",
			     MDE__MAIL_MESSAGE, &lim, &g, &why),
			 MDE__MAIL_LIMIT_SIZE);
	assert_int_equal(g.n, 0);
	got_free(&g);
}

/* No closing delimiter, and the last part cut in its base64. */
static void test_truncated(void **state)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=\"cut\"\r\n"
		"\r\n"
		"--cut\r\n"
		"\r\n"
		"first\r\n"
		"--cut \r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"\r\n"
		"SGVsbG8sIGJhc2U2";
	struct got g = { 0 };

	(void)state;
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 2);
	part_is(&g, 0, "part-1", "first");
	part_is(&g, 1, "part-2", "Hello, base6");
	got_free(&g);

	/* cut right after a delimiter line: nothing more */
	assert_int_equal(run("Content-Type: multipart/mixed; boundary=q\n\n"
			     "--q\n\nonly\n--q\n", MDE__MAIL_MESSAGE, NULL,
			     &g, NULL), MDE__MAIL_OK);
	assert_int_equal(g.n, 1);
	part_is(&g, 0, "part-1", "only");
	got_free(&g);

	/* a boundary that never appears: the body is read as text */
	assert_int_equal(run("Content-Type: multipart/mixed; boundary=zz\n\n"
			     "--other\n\nhidden\n", MDE__MAIL_MESSAGE, NULL,
			     &g, NULL), MDE__MAIL_OK);
	assert_int_equal(g.n, 1);
	part_is(&g, 0, "part-1", "--other\n\nhidden\n");
	got_free(&g);
}

static void test_stop(void **state)
{
	struct got g = { 0 };
	const char *why = NULL;

	(void)state;
	g.stop_after = 2;
	assert_int_equal(run(nested, MDE__MAIL_MESSAGE, NULL, &g, &why),
			 MDE__MAIL_STOPPED);
	assert_non_null(why);
	assert_int_equal(g.calls, 2);
	got_free(&g);
}

static void test_mbox(void **state)
{
	static const char mbox[] =
		"From alice@example.org Mon Jan  1 00:00:00 2024\n"
		"From: alice@example.org\n"
		"Subject: one\n"
		"\n"
		"first body\n"
		">From the escaped line\n"
		"From not a separator: no blank line before\n"
		"\n"
		"From bob@example.org Mon Jan  1 00:00:01 2024\r\n"
		"From: bob@example.org\r\n"
		"Content-Type: multipart/mixed; boundary=m\r\n"
		"\r\n"
		"--m\r\n"
		"\r\n"
		"second body\r\n"
		"--m\r\n"
		"Content-Disposition: attachment; filename=x.txt\r\n"
		"\r\n"
		"attached\r\n"
		"--m--\r\n"
		"\r\n"
		"From carol@example.org Mon Jan  1 00:00:02 2024\n"
		"Subject: three\n"
		"\n"
		"third body\n";
	struct got g = { 0 };

	(void)state;
	assert_int_equal(detect(mbox), MDE__MAIL_MBOX);
	assert_int_equal(run(mbox, MDE__MAIL_MBOX, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 4);
	part_is(&g, 0, "msg-1/part-1", "first body\n>From the escaped line\n"
		"From not a separator: no blank line before\n");
	part_is(&g, 1, "msg-2/part-1", "second body");
	part_is(&g, 2, "msg-2/x.txt", "attached");
	part_is(&g, 3, "msg-3/part-1", "third body\n");
	got_free(&g);
}

/* Parts without headers, multipart/digest, boundary quirks. */
static void test_quirks(void **state)
{
	static const char msg[] =
		"Content-Type: multipart/digest; boundary=\"d d\"\n"
		"\n"
		"--d d\n"
		"\n"
		"Subject: one\n"
		"\n"
		"digest one\n"
		"--d dx\n"
		"not a delimiter\n"
		"--d d\t\n"
		"Content-Type: text/plain\n"
		"\n"
		"typed\n"
		"--d d--\n";
	struct got g = { 0 };

	(void)state;
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 2);
	part_is(&g, 0, "part-1", "digest one\n--d dx\nnot a delimiter");
	part_is(&g, 1, "part-2", "typed");
	got_free(&g);

	assert_int_equal(run("Content-Type: multipart/mixed; boundary=b\n\n"
			     "--b\nno headers at all\n--b\n--b--\n",
			     MDE__MAIL_MESSAGE, NULL, &g, NULL), MDE__MAIL_OK);
	assert_int_equal(g.n, 1);
	part_is(&g, 0, "part-1", "no headers at all");
	got_free(&g);

	/* kind NONE walks nothing */
	assert_int_equal(run("Subject: x\n\ny\n", MDE__MAIL_NONE, NULL, &g,
			     NULL), MDE__MAIL_OK);
	assert_int_equal(g.n, 0);
}

static int count(void *ctx, const char *name, const uint8_t *data,
		 size_t len)
{
	uint64_t *n = ctx;

	(void)name;
	(void)data;
	n[0]++;
	n[1] += len;
	return 0;
}

/* 10,000 parts, and one 16 MB base64 line with no line break. */
static void test_big(void **state)
{
	mde__mail_limits lim = { 20000, 4, 64u << 20 };
	size_t cap = 16u << 20, n, i;
	char *m = malloc(cap + 1024);
	uint64_t c[2] = { 0, 0 };

	(void)state;
	assert_non_null(m);
	n = (size_t)sprintf(m, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < 10000; i++)
		n += (size_t)sprintf(m + n, "--p\nContent-Type: text/plain\n\n"
				     "part %zu\n", i);
	assert_int_equal(mde__mail_parts((uint8_t *)m, n, MDE__MAIL_MESSAGE,
					 &lim, count, c, NULL), MDE__MAIL_OK);
	assert_int_equal(c[0], 10000);

	n = (size_t)sprintf(m, "Content-Transfer-Encoding: base64\n\n");
	memset(m + n, 'A', cap);
	n += cap;
	c[0] = c[1] = 0;
	assert_int_equal(mde__mail_parts((uint8_t *)m, n, MDE__MAIL_MESSAGE,
					 &lim, count, c, NULL), MDE__MAIL_OK);
	assert_int_equal(c[0], 1);
	assert_int_equal(c[1], cap / 4 * 3);
	free(m);
}

/* One message per header quirk of real mailers, each with one base64
 * attachment "eA==" ("x") named a.bin after a text part. */
static void quirk(const char *head, const char *cte)
{
	char msg[1024];
	struct got g = { 0 };

	snprintf(msg, sizeof(msg),
		 "From: a@b\nSubject: q\n%s\n\npreamble\n--b b\n"
		 "Content-Type: text/plain\n\nhi\n--b b\n"
		 "Content-Type: application/octet-stream; name=\"a.bin\"\n"
		 "Content-Transfer-Encoding: %s\n\neA==\n--b b--\n",
		 head, cte);
	assert_int_equal(detect(msg), MDE__MAIL_MESSAGE);
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	if (g.n != 2)
		fail_msg("%zu parts of: %s / %s", g.n, head, cte);
	part_is(&g, 0, "part-1", "hi");
	part_is(&g, 1, "a.bin", "x");
	got_free(&g);
}

static void test_header_quirks(void **state)
{
	(void)state;
	/* comments in values, in field names, around parameters */
	quirk("Content-Type: (c) multipart/mixed; boundary=\"b b\"", "base64");
	quirk("Content-Type: multipart/mixed (a (nested) c); (x)\n"
	      " boundary=(y)\"b b\"(z)", "(c) base64 (d)");
	quirk("Content-(c)Type: multipart/mixed; boundary=\"b b\"", "base64");
	quirk("Content-Type (c): multipart/mixed; boundary=\"b b\"",
	      "base64");
	quirk("Content-Type: multipart/mixed; boundary=b b (c)", "base64");
	/* several Content-Type fields: the one that opens */
	quirk("Content-Type: text/plain\n"
	      "Content-Type: multipart/mixed; boundary=\"b b\"", "base64");
	quirk("Content-Type: multipart/mixed; boundary=\"b b\"\n"
	      "Content-Type: text/plain", "base64");
	quirk("Content-Type: multipart/mixed; boundary=\"zz\"\n"
	      "Content-Type: multipart/mixed; boundary=\"b b\"", "base64");
	/* names of encodings and types as senders write them */
	quirk("Content-Type: \"multipart/mixed\"; boundary=\"b b\"",
	      "x-base64");
	quirk("Content-Type: multipart/mixed; boundary=\"b b\"", "\"BASE-64\"");
	/* a line that is no field inside the header */
	quirk("X-Junk line without a colon\n"
	      "Content-Type: multipart/mixed; boundary=\"b b\"", "base64");
	/* boundaries: single quotes, RFC 2231 sections */
	quirk("Content-Type: multipart/mixed; boundary='b b'", "base64");
	quirk("Content-Type: multipart/mixed; boundary*0=\"b\";\n"
	      " boundary*1=\" b\"", "base64");
}

/* A header that never ends with a blank line after junk ended at the
 * junk: the body keeps it, and fields after it are not read. */
static void test_header_junk_no_blank(void **state)
{
	static const char msg[] = "Content-Type: text/plain\n"
				  "Hello there\n"
				  "Content-Transfer-Encoding: base64\n";
	struct got g = { 0 };

	(void)state;
	assert_int_equal(run(msg, MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	assert_int_equal(g.n, 1);
	part_is(&g, 0, "part-1",
		"Hello there\nContent-Transfer-Encoding: base64\n");
	got_free(&g);
	/* nine junk lines are too many: the header ends at the first */
	assert_int_equal(run("Subject: x\nFrom: y\n1\n2\n3\n4\n5\n6\n7\n8\n9\n"
			     "\nbody\n", MDE__MAIL_MESSAGE, NULL, &g, NULL),
			 MDE__MAIL_OK);
	part_is(&g, 0, "part-1", "1\n2\n3\n4\n5\n6\n7\n8\n9\n\nbody\n");
	got_free(&g);
	/* detection: junk needs two well-known fields */
	assert_int_equal(detect("Subject: x\njunk\n\nbody\n"), MDE__MAIL_NONE);
	assert_int_equal(detect("Subject: x\njunk\nFrom: y\n\nbody\n"),
			 MDE__MAIL_MESSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_base64_junk_crlf),
		cmocka_unit_test(test_base64_binary),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_uuencode),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_mbox),
		cmocka_unit_test(test_quirks),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_header_quirks),
		cmocka_unit_test(test_header_junk_no_blank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
