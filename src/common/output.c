/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.c - text and JSON Lines output of scan events.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

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

static void json_base64(FILE *fp, const unsigned char *s, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	putc('"', fp);
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		fprintf(fp, "%c%c%c%c", b64[v >> 18], b64[v >> 12 & 63],
			b64[v >> 6 & 63], b64[v & 63]);
	}
	if (n - i == 1)
		fprintf(fp, "%c%c==", b64[s[i] >> 2], b64[(s[i] & 3) << 4]);
	else if (n - i == 2)
		fprintf(fp, "%c%c%c=", b64[s[i] >> 2],
			b64[(s[i] & 3) << 4 | s[i + 1] >> 4],
			b64[(s[i + 1] & 15) << 2]);
	putc('"', fp);
}

static void json_kv(FILE *fp, const char *k, const char *v)
{
	if (!v)
		return;
	fprintf(fp, ",\"%s\":", k);
	out_json_str(fp, v, strlen(v));
}

static const char *const ev_names[] = {
	[MDE_EV_FINDING] = "finding", [MDE_EV_ERROR] = "error",
	[MDE_EV_SKIPPED] = "skipped", [MDE_EV_CLEAN] = "clean",
};

static void json_event(FILE *fp, const struct out_opts *o, const mde_event *ev)
{
	int valid;

	fprintf(fp, "{\"type\":\"%s\",\"path\":", ev_names[ev->type]);
	valid = out_json_str(fp, ev->path, ev->path_len);
	if (!valid) {
		fputs(",\"path_base64\":", fp);
		json_base64(fp, (const unsigned char *)ev->path, ev->path_len);
	}
	if (ev->nlayers) {
		size_t i;

		fputs(",\"layers\":[", fp);
		for (i = 0; i < ev->nlayers; i++) {
			if (i)
				putc(',', fp);
			out_json_str(fp, ev->layers[i], strlen(ev->layers[i]));
		}
		putc(']', fp);
	}
	if (ev->type == MDE_EV_FINDING || ev->type == MDE_EV_CLEAN)
		fprintf(fp, ",\"size\":%llu", (unsigned long long)ev->size);
	json_kv(fp, "name", ev->name);
	json_kv(fp, "stage", ev->stage);
	if (ev->audit)
		fputs(",\"audit\":true", fp);
	if (ev->allowed)
		fputs(",\"allowed\":true", fp);
	json_kv(fp, "packer", ev->packer);
	json_kv(fp, "sha256", ev->sha256);
	json_kv(fp, "namespace", ev->rule_ns);
	json_kv(fp, "description", ev->description);
	json_kv(fp, "author", ev->author);
	if (ev->score >= 0)
		fprintf(fp, ",\"score\":%ld", ev->score);
	if (ev->type == MDE_EV_FINDING && o->level)
		fprintf(fp, ",\"file_score\":%ld", o->file_score);
	json_kv(fp, "level", ev->type == MDE_EV_FINDING ? o->level : NULL);
	json_kv(fp, "reason", ev->reason);
	if (ev->type == MDE_EV_ERROR)
		fprintf(fp, ",\"errno\":%d", ev->err);
	fputs("}\n", fp);
}

static void json_summary(FILE *fp, const struct out_opts *o,
			 const mde_summary *s, int exit_code)
{
	fprintf(fp,
		"{\"type\":\"summary\",\"files\":%llu,\"bytes\":%llu,"
		"\"findings\":%llu,\"infected\":%llu,\"errors\":%llu,"
		"\"skipped\":%llu,\"excluded\":%llu,\"dirs\":%llu,"
		"\"cached\":%llu,\"deduped\":%llu,"
		"\"members\":%llu,\"unpacked\":%llu,"
		"\"unchanged\":%llu,\"othershard\":%llu,"
		"\"atime_risk\":%llu,\"below_min_score\":%llu,"
		"\"levels\":{\"alert\":%llu,\"warning\":%llu,"
		"\"notice\":%llu,\"low\":%llu},"
		"\"elapsed_ms\":%llu,\"threads\":%d,\"cancelled\":%s,"
		"\"exit_code\":%d,\"engine_version\":\"%s\","
		"\"definitions_version\":\"%s\"}\n",
		(unsigned long long)s->files, (unsigned long long)s->bytes,
		(unsigned long long)s->findings,
		(unsigned long long)s->infected,
		(unsigned long long)s->errors, (unsigned long long)s->skipped,
		(unsigned long long)s->excluded, (unsigned long long)s->dirs,
		(unsigned long long)s->cached, (unsigned long long)s->deduped,
		(unsigned long long)s->members,
		(unsigned long long)s->unpacked,
		(unsigned long long)s->unchanged,
		(unsigned long long)s->othershard,
		(unsigned long long)s->atime_risk,
		(unsigned long long)o->below_min_score,
		(unsigned long long)o->levels[0],
		(unsigned long long)o->levels[1],
		(unsigned long long)o->levels[2],
		(unsigned long long)o->levels[3],
		(unsigned long long)(s->elapsed_ns / 1000000), o->threads,
		s->cancelled ? "true" : "false", exit_code,
		MDE_ENGINE_VERSION, o->defs_version ? o->defs_version : "");
}

static void text_event(FILE *fp, const struct out_opts *o, const mde_event *ev)
{
	FILE *to = ev->type == MDE_EV_ERROR ? stderr : fp;
	size_t i;

	if (ev->type == MDE_EV_FILE)
		return; /* the evidence outputs' business (evidence.c) */
	if (o->infected_only && ev->type != MDE_EV_FINDING &&
	    ev->type != MDE_EV_ERROR)
		return;
	out_text_path(to, ev->path, ev->path_len);
	for (i = 0; i < ev->nlayers; i++) {
		fputs("//", to);
		out_text_path(to, ev->layers[i], strlen(ev->layers[i]));
	}
	switch (ev->type) {
	case MDE_EV_FINDING:
		fprintf(to, ": %s %s", ev->name,
			ev->allowed ? "ALLOWED" : ev->audit ? "AUDIT" : "FOUND");
		if (o->show_scores && o->level)
			fprintf(to, " (score %ld, file %ld %s)", ev->score,
				o->file_score, o->level);
		putc('\n', to);
		break;
	case MDE_EV_ERROR:
		fprintf(to, ": ERROR (%s)\n", ev->reason);
		break;
	case MDE_EV_SKIPPED:
		fprintf(to, ": SKIPPED (%s)\n", ev->reason);
		break;
	case MDE_EV_CLEAN:
		fputs(": OK\n", to);
		break;
	case MDE_EV_FILE:
		break;
	}
}

static void text_summary(FILE *fp, const struct out_opts *o,
			 const mde_summary *s, int exit_code)
{
	double secs = (double)s->elapsed_ns / 1e9;

	if (!o->summary)
		return;
	fprintf(stderr,
		"\n----------- SCAN SUMMARY -----------\n"
		"Scanned files: %llu\nScanned bytes: %llu\nFindings: %llu\n"
		"Infected files: %llu\nErrors: %llu\nSkipped: %llu\n"
		"Excluded: %llu\nFrom cache: %llu (copies: %llu)\n"
		"Archive members: %llu (%llu bytes unpacked)\n"
		"Threads: %d\nTime: %.3f s (%.1f MB/s)\n",
		(unsigned long long)s->files, (unsigned long long)s->bytes,
		(unsigned long long)s->findings,
		(unsigned long long)s->infected,
		(unsigned long long)s->errors, (unsigned long long)s->skipped,
		(unsigned long long)s->excluded,
		(unsigned long long)s->cached, (unsigned long long)s->deduped,
		(unsigned long long)s->members,
		(unsigned long long)s->unpacked, o->threads, secs,
		secs > 0 ? (double)s->bytes / 1e6 / secs : 0.0);
	if (s->unchanged)
		fprintf(stderr, "Unchanged (not newer): %llu\n",
			(unsigned long long)s->unchanged);
	if (s->othershard)
		fprintf(stderr, "Other shards' files: %llu\n",
			(unsigned long long)s->othershard);
	if (o->levels[0] + o->levels[1] + o->levels[2] + o->levels[3])
		fprintf(stderr, "Levels (files): alert %llu, warning %llu, "
			"notice %llu, low %llu\n",
			(unsigned long long)o->levels[0],
			(unsigned long long)o->levels[1],
			(unsigned long long)o->levels[2],
			(unsigned long long)o->levels[3]);
	if (o->below_min_score)
		fprintf(stderr, "Below min score: %llu\n",
			(unsigned long long)o->below_min_score);
	if (s->atime_risk)
		fprintf(stderr, "Opened without O_NOATIME (atime may have "
			"moved): %llu\n", (unsigned long long)s->atime_risk);
}

static const struct out_format formats[] = {
	{ "text", text_event, text_summary },
	{ "json", json_event, json_summary },
};

const struct out_format *out_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return NULL;
}
