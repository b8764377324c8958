/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_csv.c - CSV (--csv FILE, replaced): one reported finding per row,
 * RFC 4180 (CRLF line ends, fields holding a comma, a quote or a line end
 * quoted, quotes doubled), under a header row.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "owners.h"
#include "banned.h"

static const char csv_header[] =
	"timestamp,host,path,container_path,file_name,size,md5,sha1,sha256,"
	"mtime,ctime,atime,owner,group,mode,rule,ruleset,stage,description,"
	"author,score,file_score,level,verdict";

static void csv_field(FILE *fp, const char *s, size_t n, int last)
{
	size_t i;

	if (s && n && strcspn(s, ",\"\r\n") < n) {
		putc('"', fp);
		for (i = 0; i < n; i++) {
			if (s[i] == '"')
				putc('"', fp);
			putc(s[i], fp);
		}
		putc('"', fp);
	} else if (s) {
		fwrite(s, 1, n, fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

static void csv_str(FILE *fp, const char *s)
{
	csv_field(fp, s, s ? strlen(s) : 0, 0);
}

static void csv_num(FILE *fp, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	csv_str(fp, num);
}

static void csv_time(FILE *fp, int64_t ns)
{
	char t[64];

	out_iso_time(t, sizeof(t), ns);
	csv_str(fp, t);
}

/* The members leading to the finding, "outer//inner" (empty on disk). */
static void csv_layers(FILE *fp, const mde_event *ev)
{
	char *chain = NULL, *p;
	size_t i, l, clen = 0;

	for (i = 0; i < ev->nlayers; i++)
		clen += strlen(ev->layers[i]) + 2;
	if (clen && (chain = malloc(clen + 1))) {
		p = chain;
		for (i = 0; i < ev->nlayers; i++) {
			l = strlen(ev->layers[i]);
			if (i) {
				memcpy(p, "//", 2);
				p += 2;
			}
			memcpy(p, ev->layers[i], l);
			p += l;
		}
		*p = '\0';
	}
	csv_str(fp, chain);
	free(chain);
}

/* size, hashes, times, owner, group and mode of the file on disk */
static void csv_file(struct out_writer *w, const mde_event *ev)
{
	const mde_fileinfo *fi = ev->file;
	FILE *fp = w->fp;
	char num[32];
	int i;

	snprintf(num, sizeof(num), "%llu",
		 (unsigned long long)(fi ? fi->size : ev->size));
	csv_str(fp, num);
	csv_str(fp, fi ? fi->md5 : NULL);
	csv_str(fp, fi ? fi->sha1 : NULL);
	csv_str(fp, fi && fi->sha256 ? fi->sha256 : ev->sha256);
	if (!fi) {
		for (i = 0; i < 6; i++)
			csv_str(fp, NULL);
		return;
	}
	csv_time(fp, fi->mtime_ns);
	csv_time(fp, fi->ctime_ns);
	csv_time(fp, fi->atime_ns);
	csv_str(fp, owners_name(w->ctx->owners, fi->uid, 0));
	csv_str(fp, owners_name(w->ctx->owners, fi->gid, 1));
	snprintf(num, sizeof(num), "%04o", fi->mode & 07777);
	csv_str(fp, num);
}

static void csv_event(struct out_writer *w, const struct out_event *e)
{
	const mde_event *ev = e->ev;
	const char *name, *verdict;
	FILE *fp = w->fp;
	size_t nlen;

	if (ev->type != MDE_EV_FINDING)
		return;
	csv_time(fp, out_now_ns());
	csv_str(fp, w->ctx->host);
	csv_field(fp, ev->path, ev->path_len, 0);
	csv_layers(fp, ev);
	name = out_base_name(ev->path, ev->path_len, &nlen);
	csv_field(fp, name, nlen, 0);
	csv_file(w, ev);
	csv_str(fp, ev->name);
	csv_str(fp, ev->rule_ns ? ev->rule_ns : ev->stage);
	csv_str(fp, ev->stage);
	csv_str(fp, ev->description);
	csv_str(fp, ev->author);
	csv_num(fp, ev->score);
	if (e->file_score >= 0)
		csv_num(fp, e->file_score);
	else
		csv_str(fp, NULL);
	csv_str(fp, e->level);
	verdict = ev->allowed ? "allowed" : ev->audit ? "audit" : "threat";
	csv_field(fp, verdict, strlen(verdict), 1);
}

static void csv_begin(struct out_writer *w)
{
	fprintf(w->fp, "%s\r\n", csv_header);
}

const struct out_format out_csv = {
	.name = "csv",
	.begin = csv_begin,
	.event = csv_event,
};
