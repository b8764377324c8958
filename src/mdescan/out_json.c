/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_json.c - the JSON Lines format (--json): one object per event and
 * one summary object (mdescan(1) JSON Lines).
 */
#include "config.h"

#include <string.h>

#include "out.h"
#include "output.h"
#include "procinfo.h"
#include "banned.h"

static void json_base64(FILE *fp, const unsigned char *s, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	putc('"', fp);
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 |
			     s[i + 2];

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

/* "path", with "path_base64" when it is not UTF-8, and "layers". */
static void json_path(FILE *fp, const mde_event *ev)
{
	size_t i;

	fputs(",\"path\":", fp);
	if (!out_json_str(fp, ev->path, ev->path_len)) {
		fputs(",\"path_base64\":", fp);
		json_base64(fp, (const unsigned char *)ev->path, ev->path_len);
	}
	if (ev->nlayers) {
		fputs(",\"layers\":[", fp);
		for (i = 0; i < ev->nlayers; i++) {
			if (i)
				putc(',', fp);
			out_json_str(fp, ev->layers[i], strlen(ev->layers[i]));
		}
		putc(']', fp);
	}
}

/* ,"process":{"pid":N,"exe":S,"deleted":B,"cmdline":S} (and
 * "cmdline_cut":true when the command line was longer than kept) */
static void json_proc(FILE *fp, const struct procinfo *pi)
{
	fprintf(fp, ",\"process\":{\"pid\":%d,\"exe\":", pi->pid);
	out_json_str(fp, pi->exe, pi->exe_len);
	fprintf(fp, ",\"deleted\":%s,\"cmdline\":",
		pi->deleted ? "true" : "false");
	out_json_str(fp, pi->cmd, pi->cmd_len);
	fputs(pi->cut ? ",\"cmdline_cut\":true}" : "}", fp);
}

static void json_event(struct out_writer *w, const struct out_event *e)
{
	const mde_event *ev = e->ev;
	FILE *fp = w->fp;

	fprintf(fp, "{\"type\":\"%s\"", ev_names[ev->type]);
	json_path(fp, ev);
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
	if (ev->type == MDE_EV_FINDING && e->level)
		fprintf(fp, ",\"file_score\":%ld", e->file_score);
	json_kv(fp, "level", ev->type == MDE_EV_FINDING ? e->level : NULL);
	json_kv(fp, "reason", ev->reason);
	if (e->proc)
		json_proc(fp, e->proc);
	if (ev->type == MDE_EV_ERROR)
		fprintf(fp, ",\"errno\":%d", ev->err);
	fputs("}\n", fp);
}

static void json_summary(struct out_writer *w, const struct out_totals *t)
{
	const struct out_ctx *c = w->ctx;
	FILE *fp = w->fp;

	fputs("{\"type\":\"summary\",", fp);
	out_json_counters(fp, t, OUT_IN_JSON);
	fprintf(fp,
		",\"levels\":{\"alert\":%llu,\"warning\":%llu,"
		"\"notice\":%llu,\"low\":%llu}",
		(unsigned long long)t->levels[0],
		(unsigned long long)t->levels[1],
		(unsigned long long)t->levels[2],
		(unsigned long long)t->levels[3]);
	out_json_shard(fp, c);
	fprintf(fp,
		",\"elapsed_ms\":%llu,\"threads\":%d,\"cancelled\":%s,"
		"\"exit_code\":%d,\"engine_version\":\"%s\","
		"\"definitions_version\":\"%s\"}\n",
		(unsigned long long)(t->s.elapsed_ns / 1000000), c->threads,
		t->s.cancelled ? "true" : "false", t->exit_code,
		MDE_ENGINE_VERSION, c->defs_version ? c->defs_version : "");
}

const struct out_format out_json = {
	.name = "json",
	.event = json_event,
	.summary = json_summary,
};
