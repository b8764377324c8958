/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.c - strings written safely: escaped for a terminal or as JSON
 * (output.h).
 */
#include "config.h"

#include <stdint.h>

#include "output.h"
#include "banned.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void out_text_path(FILE *fp, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, l;

	while (i < n) {
		if (s[i] == '\\') {
			fputs("\\\\", fp);
			i++;
		} else if (s[i] == '\n') {
			fputs("\\n", fp);
			i++;
		} else if (s[i] == '\t') {
			fputs("\\t", fp);
			i++;
		} else if (s[i] < 0x20 || s[i] == 0x7f ||
			   !(l = utf8_len(s + i, n - i))) {
			fprintf(fp, "\\x%02x", s[i]);
			i++;
		} else if (l == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) {
			/* C1 controls (U+0080..U+009F): CSI is one of them */
			fprintf(fp, "\\x%02x\\x%02x", s[i], s[i + 1]);
			i += 2;
		} else {
			fwrite(s + i, 1, l, fp);
			i += l;
		}
	}
}

int out_json_str(FILE *fp, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, l;
	int valid = 1;

	putc('"', fp);
	while (i < n) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			putc('\\', fp);
			putc(c, fp);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			static const char esc[] = "btn\0fr";

			if (c >= 8 && c <= 13 && c != 11)
				fprintf(fp, "\\%c", esc[c - 8]);
			else
				fprintf(fp, "\\u%04x", c);
			i++;
		} else if (!(l = utf8_len(s + i, n - i))) {
			fprintf(fp, "\\udc%02x", c); /* surrogateescape */
			valid = 0;
			i++;
		} else {
			fwrite(s + i, 1, l, fp);
			i += l;
		}
	}
	putc('"', fp);
	return valid;
}
