/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_ecs.c - ECS JSON Lines (--ecs FILE, appended): one object per
 * reported finding and one per scan summary, field names from the
 * Elastic Common Schema (doc/mdescan-ecs.schema.json), ours under
 * "mdescan".
 */
#include "config.h"

#include <string.h>

#include "out.h"
#include "output.h"
#include "owners.h"
#include "banned.h"

#define ECS_VERSION "8.11.0"

/* ------------------------------------------------- object fields */

static void jkey(FILE *fp, int *first, const char *k)
{
	fprintf(fp, "%s\"%s\":", *first ? "" : ",", k);
	*first = 0;
}

static void jstr(FILE *fp, int *first, const char *k, const char *v)
{
	if (!v)
		return;
	jkey(fp, first, k);
	out_json_str(fp, v, strlen(v));
}

static void jtime(FILE *fp, int *first, const char *k, int64_t ns)
{
	char t[64];

	if (ns < 0 && strcmp(k, "created") == 0)
		return;
	out_iso_time(t, sizeof(t), ns);
	jstr(fp, first, k, t);
}

/* "hash":{"md5":...}, the digests there are. */
static void jhash(FILE *fp, int *first, const char *md5, const char *sha1,
		  const char *sha256)
{
	int hf = 1;

	if (!md5 && !sha1 && !sha256)
		return;
	jkey(fp, first, "hash");
	putc('{', fp);
	jstr(fp, &hf, "md5", md5);
	jstr(fp, &hf, "sha1", sha1);
	jstr(fp, &hf, "sha256", sha256);
	putc('}', fp);
}

/* --------------------------------------------------------- file.* */

/* path, name, extension, directory; 0 when path is not UTF-8. */
static int ecs_file_path(FILE *fp, int *first, const mde_event *ev)
{
	const char *name, *dot;
	size_t nlen;
	int valid;

	jkey(fp, first, "path");
	valid = out_json_str(fp, ev->path, ev->path_len);
	name = out_base_name(ev->path, ev->path_len, &nlen);
	jkey(fp, first, "name");
	out_json_str(fp, name, nlen);
	dot = memrchr(name, '.', nlen);
	if (dot && dot != name && dot + 1 < name + nlen) {
		jkey(fp, first, "extension");
		out_json_str(fp, dot + 1, (size_t)(name + nlen - dot - 1));
	}
	if (nlen < ev->path_len) {
		jkey(fp, first, "directory");
		out_json_str(fp, ev->path,
			     ev->path_len - nlen > 1 ? ev->path_len - nlen - 1
						     : 1);
	}
	return valid;
}

/* What stat says of the file on disk. */
static void ecs_file_stat(struct out_writer *w, int *first,
			  const mde_fileinfo *fi)
{
	FILE *fp = w->fp;
	char buf[64];

	jtime(fp, first, "mtime", fi->mtime_ns);
	jtime(fp, first, "ctime", fi->ctime_ns);
	jtime(fp, first, "accessed", fi->atime_ns);
	jtime(fp, first, "created", fi->btime_ns);
	snprintf(buf, sizeof(buf), "%04o", fi->mode & 07777);
	jstr(fp, first, "mode", buf);
	snprintf(buf, sizeof(buf), "%u", fi->uid);
	jstr(fp, first, "uid", buf);
	snprintf(buf, sizeof(buf), "%u", fi->gid);
	jstr(fp, first, "gid", buf);
	jstr(fp, first, "owner", owners_name(w->ctx->owners, fi->uid, 0));
	jstr(fp, first, "group", owners_name(w->ctx->owners, fi->gid, 1));
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)fi->ino);
	jstr(fp, first, "inode", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)fi->dev);
	jstr(fp, first, "device", buf);
}

/* ,"file":{...}; 0 when the path is not UTF-8. */
static int ecs_file(struct out_writer *w, const mde_event *ev)
{
	const mde_fileinfo *fi = ev->file;
	FILE *fp = w->fp;
	int first = 1, valid;

	fputs(",\"file\":{", fp);
	valid = ecs_file_path(fp, &first, ev);
	jstr(fp, &first, "type", "file");
	jkey(fp, &first, "size");
	fprintf(fp, "%llu", (unsigned long long)(fi ? fi->size : ev->size));
	if (fi && (fi->md5 || fi->sha1 || fi->sha256))
		jhash(fp, &first, fi->md5, fi->sha1, fi->sha256);
	else
		jhash(fp, &first, NULL, NULL, ev->sha256);
	if (fi)
		ecs_file_stat(w, &first, fi);
	putc('}', fp);
	return valid;
}

/* ------------------------------------------------------ the objects */

/* @timestamp, ecs and the first fields of event (left open). */
static void ecs_common(FILE *fp, const char *kind, const char *dataset)
{
	char t[64];

	out_iso_time(t, sizeof(t), out_now_ns());
	fprintf(fp, "{\"@timestamp\":\"%s\",\"ecs\":{\"version\":\"%s\"}",
		t, ECS_VERSION);
	fprintf(fp, ",\"event\":{\"kind\":\"%s\",\"category\":"
		    "[\"malware\",\"file\"],\"type\":[\"info\"],"
		    "\"module\":\"mdescan\",\"dataset\":\"%s\"",
		kind, dataset);
}

static void ecs_host_agent(struct out_writer *w)
{
	int first = 1;

	fputs(",\"host\":{", w->fp);
	jstr(w->fp, &first, "name", w->ctx->host);
	fputs("},\"agent\":{\"type\":\"mdescan\",\"name\":\"mdescan\","
	      "\"version\":\"" PACKAGE_VERSION "\"}",
	      w->fp);
}

static void ecs_rule(struct out_writer *w, const mde_event *ev)
{
	FILE *fp = w->fp;
	int first = 1;

	fputs(",\"rule\":{", fp);
	jstr(fp, &first, "name", ev->name);
	jstr(fp, &first, "ruleset", ev->rule_ns ? ev->rule_ns : ev->stage);
	jstr(fp, &first, "category", ev->stage);
	jstr(fp, &first, "description", ev->description);
	jstr(fp, &first, "author", ev->author);
	jstr(fp, &first, "version", w->ctx->defs_version);
	fputs("}", fp);
}

/* ,"mdescan":{...}: what ECS has no field for. */
static void ecs_ours(struct out_writer *w, const struct out_event *e,
		     int valid)
{
	const struct out_ctx *c = w->ctx;
	const mde_event *ev = e->ev;
	FILE *fp = w->fp;
	int first = 1;
	size_t i;

	fputs(",\"mdescan\":{", fp);
	if (ev->nlayers) {
		jkey(fp, &first, "container_path");
		putc('[', fp);
		for (i = 0; i < ev->nlayers; i++) {
			if (i)
				putc(',', fp);
			out_json_str(fp, ev->layers[i], strlen(ev->layers[i]));
		}
		putc(']', fp);
	}
	jkey(fp, &first, "score");
	fprintf(fp, "%ld", ev->score);
	if (e->file_score >= 0) {
		jkey(fp, &first, "file_score");
		fprintf(fp, "%ld", e->file_score);
	}
	jstr(fp, &first, "level", e->level);
	jstr(fp, &first, "verdict",
	     ev->allowed ? "allowed" : ev->audit ? "audit" : "threat");
	jstr(fp, &first, "packer", ev->packer);
	if (!valid) { /* file.path escaped bytes that are not UTF-8 */
		jkey(fp, &first, "path_not_utf8");
		fputs("true", fp);
	}
	if (c->rootlen) { /* what the image's own system calls it */
		size_t ilen = ev->path_len;
		const char *ip = out_image_path(c, ev->path, &ilen);

		jkey(fp, &first, "image_path");
		out_json_str(fp, ip, ilen);
		jstr(fp, &first, "root", c->root);
	}
	jstr(fp, &first, "scan_type", c->scan_type);
	jstr(fp, &first, "definitions_version", c->defs_version);
	if (ev->file && !ev->file->noatime) {
		jkey(fp, &first, "atime_risk");
		fputs("true", fp);
	}
	fputs("}", fp);
}

static void ecs_event(struct out_writer *w, const struct out_event *e)
{
	const mde_event *ev = e->ev;
	FILE *fp = w->fp;
	int valid;

	if (ev->type != MDE_EV_FINDING)
		return;
	ecs_common(fp, "alert", "mdescan.finding");
	fprintf(fp, ",\"risk_score\":%ld",
		e->file_score >= 0 ? e->file_score
				   : ev->score >= 0 ? ev->score : 0);
	if (ev->allowed || ev->audit)
		fprintf(fp, ",\"outcome\":\"%s\"",
			ev->allowed ? "success" : "unknown");
	fputs("}", fp);
	ecs_host_agent(w);
	valid = ecs_file(w, ev);
	ecs_rule(w, ev);
	ecs_ours(w, e, valid);
	fputs("}\n", fp);
}

static void ecs_summary(struct out_writer *w, const struct out_totals *t)
{
	FILE *fp = w->fp;
	int first = 0;

	ecs_common(fp, "event", "mdescan.summary");
	fputs(",\"action\":\"scan-summary\",\"outcome\":", fp);
	fputs(t->s.cancelled || t->exit_code == 2 ? "\"failure\""
						   : "\"success\"", fp);
	fprintf(fp, ",\"duration\":%llu}", (unsigned long long)t->s.elapsed_ns);
	ecs_host_agent(w);
	fputs(",\"mdescan\":{\"summary\":{", fp);
	out_json_counters(fp, t, OUT_IN_ECS);
	fprintf(fp, ",\"exit_code\":%d}", t->exit_code);
	out_json_shard(fp, w->ctx);
	jstr(fp, &first, "scan_type", w->ctx->scan_type);
	jstr(fp, &first, "definitions_version", w->ctx->defs_version);
	fputs("}}\n", fp);
}

const struct out_format out_ecs = {
	.name = "ecs",
	.flags = OUT_APPEND,
	.event = ecs_event,
	.summary = ecs_summary,
};
