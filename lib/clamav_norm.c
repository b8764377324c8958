/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clamav_norm.c - the target type of a buffer, and the normalised forms
 * ClamAV scans text and HTML in.
 *
 * Text (target 7), as ClamAV's text normaliser: upper-case ASCII letters
 * to lower case, every run of white space (HT LF VT FF CR SP) to one
 * space, other control characters and bytes above 0x7f dropped (a
 * dropped byte does not end a run of white space).
 *
 * HTML (target 3): ASCII letters to lower case, runs of white space to
 * one space, comments removed, every other byte kept; an approximation
 * of ClamAV's HTML normaliser (doc/clamav-signatures.md says where it
 * differs).
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "clamav_int.h"
#include "banned.h"

/* 0 drop, 1 white space, 2 copy, 3 lower-case */
static int action(uint8_t c)
{
	if (c == ' ' || (c >= 0x09 && c <= 0x0d))
		return 1;
	if (c < 0x20 || c >= 0x80)
		return 0;
	return c >= 'A' && c <= 'Z' ? 3 : 2;
}

/*
 * The text normaliser runs on every text file and member, so it is a
 * table and a loop without branches on the data: tmap[c] is the byte
 * written for c (0 when c is dropped, ' ' for white space), and a byte
 * is kept unless it is dropped or a space following a space.
 */
static uint8_t tmap[256];

static void tmap_init(void)
{
	for (int c = 0; c < 256; c++) {
		int a = action((uint8_t)c);

		tmap[c] = a == 0 ? 0 : a == 1 ? ' ' : a == 3 ? c + 32 : c;
	}
}

size_t cl_norm_text(const uint8_t *in, size_t len, uint8_t *out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t o = 0;
	unsigned space = 0;

	pthread_once(&once, tmap_init);
	for (size_t i = 0; i < len; i++) {
		unsigned m = tmap[in[i]], ws = m == ' ', drop = m == 0;

		out[o] = (uint8_t)m;
		o += !drop & !(ws & space);
		space = ws | (space & drop);
	}
	return o;
}

/*
 * HTML as clamscan's normaliser writes it (nocomment.html): comments
 * removed, letters to lower case, CR dropped, a white space run to one
 * space only when a byte follows it (none at the end) and none at the
 * start, after the '<' opening a tag, or after the '>' closing a tag or
 * comment; every other byte kept.
 */
size_t cl_norm_html(const uint8_t *in, size_t len, uint8_t *out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t o = 0;
	unsigned pend = 0, skip = 1, tag = 0;

	pthread_once(&once, tmap_init);
	for (size_t i = 0; i < len; i++) {
		unsigned c = in[i];

		if (c == '\r')
			continue;
		if (tmap[c] == ' ') {
			pend = 1;
			continue;
		}
		if (pend && !skip)
			out[o++] = ' ';
		pend = skip = 0;
		if (c == '<' && i + 3 < len && !memcmp(in + i, "<!--", 4)) {
			const uint8_t *e = memmem(in + i + 4, len - i - 4,
						  "-->", 3);

			i = e ? (size_t)(e - in) + 2 : len;
			skip = 1;
			continue;
		}
		out[o++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		if (c == '<' && !tag)
			tag = skip = 1;
		else if (c == '>' && tag) {
			tag = 0;
			skip = 1;
		}
	}
	return o;
}

/* Bytes that plain text has (1), that it never has (0, as file(1)
 * defines them), and others (2: Latin-1 or extended ASCII). */
static int tclass(uint8_t c)
{
	if ((c >= 0x07 && c <= 0x0a) || c == 0x0c || c == 0x0d ||
	    c == 0x1b || (c >= 0x20 && c < 0x7f) || c == 0x85)
		return 1;
	return c < 0x80 ? 0 : 2;
}

static int is_utf8(const uint8_t *b, size_t n)
{
	int got = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned follow = 0;

		if (!(b[i] & 0x80)) {
			if (tclass(b[i]) != 1)
				return 0;
			continue;
		}
		if (!(b[i] & 0x40))
			return 0;
		while (follow < 6 && (b[i] & (0x20 >> follow)))
			follow++;
		if (follow >= 5)
			return 0;
		for (unsigned j = 0; j <= follow; j++)
			if (++i >= n)
				return got;
			else if ((b[i] & 0xc0) != 0x80)
				return 0;
		got = 1;
	}
	return got;
}

/* UTF-16 as clamscan decides it: every 16-bit word below 128 (after the
 * first) is a text character; without a byte-order mark, big endian. */
static int is_utf16(const uint8_t *b, size_t n)
{
	int le = n >= 2 && b[0] == 0xff && b[1] == 0xfe;

	for (size_t i = 2; i + 1 < n; i += 2) {
		unsigned c = le ? b[i] | b[i + 1] << 8 : b[i] << 8 | b[i + 1];

		if (c < 128 && tclass((uint8_t)c) != 1)
			return 0;
	}
	return n >= 2;
}

/* clamscan's text types, from the first 1024 bytes: 7 ASCII or UTF-8,
 * CL__UTF16 UTF-16 (scanned as text), 0 binary. */
static int texttype(const uint8_t *buf, size_t len)
{
	size_t n = len < 1024 ? len : 1024, i;

	for (i = 0; i < n && tclass(buf[i]); i++)
		;
	if (i == n || is_utf8(buf, n))
		return 7;
	return is_utf16(buf, n) ? CL__UTF16 : 0;
}

static int is_html(const uint8_t *buf, size_t len)
{
	static const char *const tags[] = { "<html", "<script", "<body",
					    "<head", "<iframe", "<meta" };
	size_t n = len < 4096 ? len : 4096;

	for (size_t i = 0; i + 5 <= n; i++) {
		if (buf[i] != '<')
			continue;
		for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
			size_t tl = strlen(tags[t]);

			if (i + tl <= len &&
			    !strncasecmp((const char *)buf + i, tags[t], tl))
				return 1;
		}
	}
	return 0;
}

int cl_ftype(const uint8_t *buf, size_t len, const mde__exe *exe)
{
	int t;

	if (exe)
		return exe->kind;
	if (len >= 2 && buf[0] == 'M' && buf[1] == 'Z')
		return 1;
	if (len >= 5 && !memcmp(buf, "%PDF-", 5))
		return 10;
	if (len >= 8 && !memcmp(buf, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return 2;
	if (len >= 3 && (!memcmp(buf, "FWS", 3) || !memcmp(buf, "CWS", 3) ||
			 !memcmp(buf, "ZWS", 3)))
		return 11;
	if (len >= 4 && !memcmp(buf, "\xca\xfe\xba\xbe", 4))
		return 12;
	if (len >= 4 && (!memcmp(buf, "\x89PNG", 4) ||
			 !memcmp(buf, "GIF8", 4) ||
			 !memcmp(buf, "\xff\xd8\xff", 3)))
		return 5;
	if (len >= 5 && !strncasecmp((const char *)buf, "<html", 5))
		return 3;
	t = len ? texttype(buf, len) : 0;
	if (!t)
		return 14; /* "other": none of the types 1 to 13 */
	return is_html(buf, len) ? 3 : t;
}
