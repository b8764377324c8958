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
 * HTML (target 3): the same, with comments removed; an approximation of
 * ClamAV's HTML normaliser (doc/clamav-signatures.md says where it
 * differs).
 */
#include "config.h"

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

size_t cl_norm_text(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	int space = 0;

	for (size_t i = 0; i < len; i++) {
		switch (action(in[i])) {
		case 1:
			if (!space)
				out[o++] = ' ';
			space = 1;
			break;
		case 2:
		case 3:
			out[o++] = action(in[i]) == 3 ? in[i] + 32 : in[i];
			space = 0;
			break;
		}
	}
	return o;
}

size_t cl_norm_html(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	int space = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '<' && i + 3 < len && !memcmp(in + i, "<!--", 4)) {
			const uint8_t *e = memmem(in + i + 4, len - i - 4, "-->",
						  3);

			i = e ? (size_t)(e - in) + 2 : len;
			continue;
		}
		switch (action(in[i])) {
		case 1:
			if (!space)
				out[o++] = ' ';
			space = 1;
			break;
		case 2:
		case 3:
			out[o++] = action(in[i]) == 3 ? in[i] + 32 : in[i];
			space = 0;
			break;
		}
	}
	return o;
}

static int is_text(const uint8_t *buf, size_t len)
{
	size_t n = len < 4096 ? len : 4096;

	if (!len)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = buf[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\f' && c != '\v' && c != 0x1b && c != '\b')
			return 0;
		if (c >= 0x7f)
			return 0;
	}
	return 1;
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
			 !memcmp(buf, "GIF8", 4) || !memcmp(buf, "\xff\xd8\xff", 3)))
		return 5;
	if (len >= 5 && !strncasecmp((const char *)buf, "<html", 5))
		return 3;
	if (!is_text(buf, len))
		return 14; /* "other": none of the types 1 to 13 */
	return is_html(buf, len) ? 3 : 7;
}
