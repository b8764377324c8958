/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evidence.c - scores and levels of files, and the evidence outputs.
 *
 * Findings of a file are held until the engine says the file is done
 * (MDE_EV_FILE, with the file's total score): only then is its level
 * known, and whether it reaches --min-score.  Events of different files
 * interleave (one worker per file), so held findings are kept per path;
 * at most one file per worker has findings held at any time.
 *
 * Outputs, each to its own file:
 *   ECS   one JSON object per finding and one per scan summary, field
 *         names from the Elastic Common Schema (doc/mdescan-ecs.schema.json)
 *   CSV   one finding per row, RFC 4180 (CRLF, quotes doubled)
 *   hashdeep  "size,md5,sha256,filename" of every file read
 *   bodyfile  Sleuth Kit 3.x bodyfile of every file read
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "evidence.h"
#include "output.h"
#include "banned.h"

#define EV_ECS_VERSION "8.11.0"

struct held {
	struct held *next;
	char *path;
	size_t plen;
	mde_event ev;
	mde_fileinfo fi;
	char **strs;   /* every string copied, freed with the entry */
	size_t nstrs;
	const char **layers;
};

struct idname {
	uint32_t id;
	char *name;
};

struct idmap {
	struct idname *v;
	size_t n;
	int loaded; /* from the image's /etc file */
};

struct evidence {
	const struct ev_opts *o;
	ev_emit_fn emit;
	void *ctx;
	FILE *ecs, *csv, *hd, *body;
	struct held *held;
	struct idmap users, groups;
	char host[256];
	size_t rootlen;
	uint64_t reported, below, skipped_names;
	uint64_t levels[4]; /* files reported per level */
	char err[512];
};

/* ------------------------------------------------------------ owners */

static int open_in_root(const char *root, const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOATIME,
				.resolve = RESOLVE_IN_ROOT |
					   RESOLVE_NO_MAGICLINKS };
	int rfd, fd;

	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, rfd, path, &how, sizeof(how));
	if (fd < 0 && errno == EPERM) {
		how.flags &= ~(uint64_t)O_NOATIME;
		fd = (int)syscall(SYS_openat2, rfd, path, &how, sizeof(how));
	}
	close(rfd);
	return fd;
}

/* Adds id -> name; false when out of memory. */
static int add_id(struct idmap *m, uint32_t id, const char *name, size_t n)
{
	struct idname *nv = realloc(m->v, (m->n + 1) * sizeof(*m->v));

	if (!nv)
		return 0;
	m->v = nv;
	m->v[m->n].id = id;
	m->v[m->n].name = strndup(name, n);
	if (!m->v[m->n].name)
		return 0;
	m->n++;
	return 1;
}

size_t evidence_parse_ids(const char *buf, size_t len,
			  void (*fn)(void *, uint32_t, const char *, size_t),
			  void *ctx)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *c1, *c2, *q;
		uint64_t id = 0;

		c1 = memchr(p, ':', (size_t)(le - p));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
		if (c1 && c2 && c1 > p && c1 - p <= 256 && *p != '#') {
			for (q = c2 + 1; q < le && *q >= '0' && *q <= '9'; q++) {
				id = id * 10 + (uint64_t)(*q - '0');
				if (id > UINT32_MAX)
					break;
			}
			if (q > c2 + 1 && q < le && *q == ':' && id <= UINT32_MAX &&
			    !memchr(p, '\0', (size_t)(c1 - p))) {
				fn(ctx, (uint32_t)id, p, (size_t)(c1 - p));
				n++;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return n;
}

static void take_id(void *ctx, uint32_t id, const char *name, size_t n)
{
	add_id(ctx, id, name, n);
}

/* Reads the image's passwd or group file: a regular file of at most
 * EV_MAX_IDFILE bytes (a link to a device in the image is not read). */
static void load_ids(struct evidence *x, struct idmap *m, const char *root,
		     const char *file)
{
	int fd = open_in_root(root, file);
	struct stat st;
	char *buf;
	ssize_t got;

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > EV_MAX_IDFILE) {
		fprintf(stderr, "mdescan: warning: %s%s: not a regular file "
			"of at most %d bytes: owners shown by number\n",
			root, file, EV_MAX_IDFILE);
		close(fd);
		return;
	}
	buf = malloc((size_t)st.st_size + 1);
	got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (got > 0)
		evidence_parse_ids(buf, (size_t)got, take_id, m);
	free(buf);
	m->loaded = 1;
	(void)x;
}

/* The owner's name, from the image when there is one, else the host;
 * NULL when unknown. */
static const char *id_name(struct idmap *m, const struct evidence *x,
			   uint32_t id, int group)
{
	size_t i;
	char buf[4096];
	const char *name = NULL;

	for (i = 0; i < m->n; i++)
		if (m->v[i].id == id)
			return m->v[i].name;
	if (x->o->root) /* the image's names only: the host's would lie */
		return NULL;
	if (group) {
		struct group g, *gp = NULL;

		if (getgrgid_r(id, &g, buf, sizeof(buf), &gp) == 0 && gp)
			name = gp->gr_name;
	} else {
		struct passwd p, *pp = NULL;

		if (getpwuid_r(id, &p, buf, sizeof(buf), &pp) == 0 && pp)
			name = pp->pw_name;
	}
	if (!name || !add_id(m, id, name, strlen(name)))
		return NULL;
	return m->v[m->n - 1].name;
}

static void free_ids(struct idmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
}

/* ----------------------------------------------------------- helpers */

const char *evidence_level(const struct ev_opts *o, long score)
{
	if (score < 0)
		return NULL;
	return score >= o->alert     ? "alert"
	       : score >= o->warning ? "warning"
	       : score >= o->notice  ? "notice"
				     : "low";
}

/* ISO 8601 UTC with milliseconds. */
static void iso_time(char *out, size_t n, int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	long ms = (long)((ns % 1000000000) / 1000000);
	struct tm tm;

	if (ns < 0 && ns % 1000000000) {
		t--;
		ms += 1000;
	}
	gmtime_r(&t, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ms);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void mode_string(uint32_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	out[0] = S_ISDIR(m)    ? 'd'
		 : S_ISLNK(m)  ? 'l'
		 : S_ISCHR(m)  ? 'c'
		 : S_ISBLK(m)  ? 'b'
		 : S_ISFIFO(m) ? 'p'
		 : S_ISSOCK(m) ? 's'
			       : '-';
	for (i = 0; i < 9; i++)
		out[1 + i] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

/* The path inside the image (--root): the host path without the root. */
static const char *image_path(const struct evidence *x, const char *p,
			      size_t *len)
{
	if (x->rootlen && *len >= x->rootlen &&
	    memcmp(p, x->o->root, x->rootlen) == 0 &&
	    (*len == x->rootlen || p[x->rootlen] == '/')) {
		if (*len == x->rootlen) {
			*len = 1;
			return "/";
		}
		*len -= x->rootlen;
		return p + x->rootlen;
	}
	return p;
}

static const char *base_name(const char *p, size_t len, size_t *blen)
{
	size_t i = len;

	while (i > 0 && p[i - 1] != '/')
		i--;
	*blen = len - i;
	return p + i;
}

/* ---------------------------------------------------------------- ECS */

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
	iso_time(t, sizeof(t), ns);
	jstr(fp, first, k, t);
}

static int ecs_file(struct evidence *x, FILE *fp, const mde_event *ev)
{
	const mde_fileinfo *fi = ev->file;
	const char *name, *who;
	size_t nlen;
	int first = 1, valid;
	char buf[64];

	fputs(",\"file\":{", fp);
	jkey(fp, &first, "path");
	valid = out_json_str(fp, ev->path, ev->path_len);
	name = base_name(ev->path, ev->path_len, &nlen);
	jkey(fp, &first, "name");
	out_json_str(fp, name, nlen);
	{
		const char *dot = memrchr(name, '.', nlen);

		if (dot && dot != name && dot + 1 < name + nlen) {
			jkey(fp, &first, "extension");
			out_json_str(fp, dot + 1,
				     (size_t)(name + nlen - dot - 1));
		}
	}
	if (nlen < ev->path_len) {
		jkey(fp, &first, "directory");
		out_json_str(fp, ev->path,
			     ev->path_len - nlen > 1 ? ev->path_len - nlen - 1
						     : 1);
	}
	jstr(fp, &first, "type", "file");
	if (fi) {
		jkey(fp, &first, "size");
		fprintf(fp, "%llu", (unsigned long long)fi->size);
		if (fi->md5 || fi->sha1 || fi->sha256) {
			int hf = 1;

			jkey(fp, &first, "hash");
			putc('{', fp);
			jstr(fp, &hf, "md5", fi->md5);
			jstr(fp, &hf, "sha1", fi->sha1);
			jstr(fp, &hf, "sha256", fi->sha256);
			putc('}', fp);
		} else if (ev->sha256) {
			int hf = 1;

			jkey(fp, &first, "hash");
			putc('{', fp);
			jstr(fp, &hf, "sha256", ev->sha256);
			putc('}', fp);
		}
		jtime(fp, &first, "mtime", fi->mtime_ns);
		jtime(fp, &first, "ctime", fi->ctime_ns);
		jtime(fp, &first, "accessed", fi->atime_ns);
		jtime(fp, &first, "created", fi->btime_ns);
		snprintf(buf, sizeof(buf), "%04o", fi->mode & 07777);
		jstr(fp, &first, "mode", buf);
		snprintf(buf, sizeof(buf), "%u", fi->uid);
		jstr(fp, &first, "uid", buf);
		snprintf(buf, sizeof(buf), "%u", fi->gid);
		jstr(fp, &first, "gid", buf);
		who = id_name(&x->users, x, fi->uid, 0);
		jstr(fp, &first, "owner", who);
		who = id_name(&x->groups, x, fi->gid, 1);
		jstr(fp, &first, "group", who);
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)fi->ino);
		jstr(fp, &first, "inode", buf);
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)fi->dev);
		jstr(fp, &first, "device", buf);
	} else {
		jkey(fp, &first, "size");
		fprintf(fp, "%llu", (unsigned long long)ev->size);
		if (ev->sha256) {
			int hf = 1;

			jkey(fp, &first, "hash");
			putc('{', fp);
			jstr(fp, &hf, "sha256", ev->sha256);
			putc('}', fp);
		}
	}
	putc('}', fp);
	return valid;
}

static void ecs_common(struct evidence *x, FILE *fp, const char *kind,
		       const char *dataset)
{
	char t[64];

	iso_time(t, sizeof(t), now_ns());
	fprintf(fp, "{\"@timestamp\":\"%s\",\"ecs\":{\"version\":\"%s\"}",
		t, EV_ECS_VERSION);
	fprintf(fp, ",\"event\":{\"kind\":\"%s\",\"category\":"
		    "[\"malware\",\"file\"],\"type\":[\"info\"],"
		    "\"module\":\"mdescan\",\"dataset\":\"%s\"",
		kind, dataset);
	(void)x;
}

static void ecs_finding(struct evidence *x, const struct ev_scored *sf)
{
	const mde_event *ev = sf->ev;
	FILE *fp = x->ecs;
	int first = 1, valid;
	size_t i;

	ecs_common(x, fp, "alert", "mdescan.finding");
	fprintf(fp, ",\"risk_score\":%ld",
		sf->file_score >= 0 ? sf->file_score
				    : ev->score >= 0 ? ev->score : 0);
	if (ev->allowed || ev->audit)
		fprintf(fp, ",\"outcome\":\"%s\"",
			ev->allowed ? "success" : "unknown");
	fputs("}", fp);
	fputs(",\"host\":{", fp);
	jstr(fp, &first, "name", x->host);
	fputs("},\"agent\":{\"type\":\"mdescan\",\"name\":\"mdescan\","
	      "\"version\":\"" PACKAGE_VERSION "\"}",
	      fp);
	valid = ecs_file(x, fp, ev);
	fputs(",\"rule\":{", fp);
	first = 1;
	jstr(fp, &first, "name", ev->name);
	jstr(fp, &first, "ruleset", ev->rule_ns ? ev->rule_ns : ev->stage);
	jstr(fp, &first, "category", ev->stage);
	jstr(fp, &first, "description", ev->description);
	jstr(fp, &first, "author", ev->author);
	jstr(fp, &first, "version", x->o->defs_version);
	fputs("}", fp);
	fputs(",\"mdescan\":{", fp);
	first = 1;
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
	if (sf->file_score >= 0) {
		jkey(fp, &first, "file_score");
		fprintf(fp, "%ld", sf->file_score);
	}
	jstr(fp, &first, "level", sf->level);
	jstr(fp, &first, "verdict",
	     ev->allowed ? "allowed" : ev->audit ? "audit" : "threat");
	jstr(fp, &first, "packer", ev->packer);
	if (!valid) { /* file.path escaped bytes that are not UTF-8 */
		jkey(fp, &first, "path_not_utf8");
		fputs("true", fp);
	}
	if (x->rootlen) { /* what the image's own system calls it */
		size_t ilen = ev->path_len;
		const char *ip = image_path(x, ev->path, &ilen);

		jkey(fp, &first, "image_path");
		out_json_str(fp, ip, ilen);
		jstr(fp, &first, "root", x->o->root);
	}
	jstr(fp, &first, "scan_type", x->o->scan_type);
	jstr(fp, &first, "definitions_version", x->o->defs_version);
	if (ev->file && !ev->file->noatime) {
		jkey(fp, &first, "atime_risk");
		fputs("true", fp);
	}
	fputs("}}\n", fp);
}

static void ecs_summary(struct evidence *x, const mde_summary *s, int status)
{
	FILE *fp = x->ecs;
	int first = 1;

	ecs_common(x, fp, "event", "mdescan.summary");
	fputs(",\"action\":\"scan-summary\",\"outcome\":", fp);
	fputs(s->cancelled || status == 2 ? "\"failure\"" : "\"success\"", fp);
	fprintf(fp, ",\"duration\":%llu}", (unsigned long long)s->elapsed_ns);
	fputs(",\"host\":{", fp);
	jstr(fp, &first, "name", x->host);
	fputs("},\"agent\":{\"type\":\"mdescan\",\"name\":\"mdescan\","
	      "\"version\":\"" PACKAGE_VERSION "\"}",
	      fp);
	fprintf(fp,
		",\"mdescan\":{\"summary\":{\"files\":%llu,\"bytes\":%llu,"
		"\"findings\":%llu,\"infected\":%llu,\"reported\":%llu,"
		"\"below_min_score\":%llu,\"errors\":%llu,\"skipped\":%llu,"
		"\"excluded\":%llu,\"unchanged\":%llu,\"othershard\":%llu,"
		"\"atime_risk\":%llu,\"exit_code\":%d}",
		(unsigned long long)s->files, (unsigned long long)s->bytes,
		(unsigned long long)s->findings,
		(unsigned long long)s->infected,
		(unsigned long long)x->reported, (unsigned long long)x->below,
		(unsigned long long)s->errors, (unsigned long long)s->skipped,
		(unsigned long long)s->excluded,
		(unsigned long long)s->unchanged,
		(unsigned long long)s->othershard,
		(unsigned long long)s->atime_risk, status);
	first = 0;
	jstr(fp, &first, "scan_type", x->o->scan_type);
	jstr(fp, &first, "definitions_version", x->o->defs_version);
	fputs("}}\n", fp);
}

/* ---------------------------------------------------------------- CSV */

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

static void csv_finding(struct evidence *x, const struct ev_scored *sf)
{
	const mde_event *ev = sf->ev;
	const mde_fileinfo *fi = ev->file;
	FILE *fp = x->csv;
	char t[64], num[64], *chain = NULL;
	const char *name;
	size_t nlen, i, clen = 0;

	iso_time(t, sizeof(t), now_ns());
	csv_str(fp, t);
	csv_str(fp, x->host);
	csv_field(fp, ev->path, ev->path_len, 0);
	for (i = 0; i < ev->nlayers; i++)
		clen += strlen(ev->layers[i]) + 2;
	if (clen && (chain = malloc(clen + 1))) {
		char *p = chain;

		for (i = 0; i < ev->nlayers; i++) {
			size_t l = strlen(ev->layers[i]);

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
	name = base_name(ev->path, ev->path_len, &nlen);
	csv_field(fp, name, nlen, 0);
	snprintf(num, sizeof(num), "%llu",
		 (unsigned long long)(fi ? fi->size : ev->size));
	csv_str(fp, num);
	csv_str(fp, fi ? fi->md5 : NULL);
	csv_str(fp, fi ? fi->sha1 : NULL);
	csv_str(fp, fi && fi->sha256 ? fi->sha256 : ev->sha256);
	if (fi) {
		iso_time(t, sizeof(t), fi->mtime_ns);
		csv_str(fp, t);
		iso_time(t, sizeof(t), fi->ctime_ns);
		csv_str(fp, t);
		iso_time(t, sizeof(t), fi->atime_ns);
		csv_str(fp, t);
		csv_str(fp, id_name(&x->users, x, fi->uid, 0));
		csv_str(fp, id_name(&x->groups, x, fi->gid, 1));
		snprintf(num, sizeof(num), "%04o", fi->mode & 07777);
		csv_str(fp, num);
	} else {
		for (i = 0; i < 6; i++)
			csv_str(fp, NULL);
	}
	csv_str(fp, ev->name);
	csv_str(fp, ev->rule_ns ? ev->rule_ns : ev->stage);
	csv_str(fp, ev->stage);
	csv_str(fp, ev->description);
	csv_str(fp, ev->author);
	snprintf(num, sizeof(num), "%ld", ev->score);
	csv_str(fp, num);
	if (sf->file_score >= 0) {
		snprintf(num, sizeof(num), "%ld", sf->file_score);
		csv_str(fp, num);
	} else {
		csv_str(fp, NULL);
	}
	csv_str(fp, sf->level);
	csv_field(fp, ev->allowed ? "allowed" : ev->audit ? "audit" : "threat",
		  ev->allowed ? 7 : ev->audit ? 5 : 6, 1);
}

/* ------------------------------------------------ hashdeep, bodyfile */

static void hashdeep_file(struct evidence *x, const mde_event *ev)
{
	const mde_fileinfo *fi = ev->file;

	if (!fi || !fi->md5 || !fi->sha256)
		return;
	/* hashdeep reads a line to its end: a name holding a newline
	 * cannot be written; say how many at the end */
	if (memchr(ev->path, '\n', ev->path_len) ||
	    memchr(ev->path, '\r', ev->path_len)) {
		x->skipped_names++;
		return;
	}
	fprintf(x->hd, "%llu,%s,%s,", (unsigned long long)fi->size, fi->md5,
		fi->sha256);
	fwrite(ev->path, 1, ev->path_len, x->hd);
	putc('\n', x->hd);
}

static void body_file(struct evidence *x, const mde_event *ev)
{
	const mde_fileinfo *fi = ev->file;
	char mode[11];
	size_t len = ev->path_len;
	const char *p;

	if (!fi)
		return;
	p = image_path(x, ev->path, &len);
	if (memchr(p, '\n', len) || memchr(p, '|', len)) {
		x->skipped_names++;
		return;
	}
	mode_string(fi->mode, mode);
	fprintf(x->body, "%s|", fi->md5 ? fi->md5 : "0");
	fwrite(p, 1, len, x->body);
	fprintf(x->body, "|%llu|%s|%u|%u|%llu|%lld|%lld|%lld|%lld\n",
		(unsigned long long)fi->ino, mode, fi->uid, fi->gid,
		(unsigned long long)fi->size,
		(long long)(fi->atime_ns / 1000000000),
		(long long)(fi->mtime_ns / 1000000000),
		(long long)(fi->ctime_ns / 1000000000),
		(long long)(fi->btime_ns >= 0 ? fi->btime_ns / 1000000000
					      : 0));
}

/* ------------------------------------------------------ held findings */

static char *hold_str(struct held *h, const char *s)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (c)
		h->strs[h->nstrs++] = c;
	return c;
}

static void held_free(struct held *h)
{
	size_t i;

	for (i = 0; i < h->nstrs; i++)
		free(h->strs[i]);
	free(h->strs);
	free(h->layers);
	free(h->path);
	free(h);
}

/* A deep copy of a finding; NULL when out of memory. */
static struct held *hold(const mde_event *ev)
{
	struct held *h = calloc(1, sizeof(*h));
	size_t i;

	if (!h)
		return NULL;
	h->strs = calloc(16 + ev->nlayers, sizeof(*h->strs));
	h->layers = ev->nlayers ? calloc(ev->nlayers, sizeof(*h->layers))
				: NULL;
	h->path = malloc(ev->path_len + 1);
	if (!h->strs || (ev->nlayers && !h->layers) || !h->path) {
		held_free(h);
		return NULL;
	}
	memcpy(h->path, ev->path, ev->path_len);
	h->path[ev->path_len] = '\0';
	h->plen = ev->path_len;
	h->ev = *ev;
	h->ev.path = h->path;
	h->ev.name = hold_str(h, ev->name);
	h->ev.stage = hold_str(h, ev->stage);
	h->ev.rule_ns = hold_str(h, ev->rule_ns);
	h->ev.description = hold_str(h, ev->description);
	h->ev.author = hold_str(h, ev->author);
	h->ev.sha256 = hold_str(h, ev->sha256);
	h->ev.reason = hold_str(h, ev->reason);
	h->ev.packer = hold_str(h, ev->packer);
	for (i = 0; i < ev->nlayers; i++)
		h->layers[i] = hold_str(h, ev->layers[i]);
	h->ev.layers = h->layers;
	if (ev->file) {
		h->fi = *ev->file;
		h->fi.md5 = hold_str(h, ev->file->md5);
		h->fi.sha1 = hold_str(h, ev->file->sha1);
		h->fi.sha256 = hold_str(h, ev->file->sha256);
		h->ev.file = &h->fi;
	}
	return h;
}

static void give(struct evidence *x, const mde_event *ev, long total)
{
	struct ev_scored sf = { ev, total, evidence_level(x->o, total) };

	if (x->ecs)
		ecs_finding(x, &sf);
	if (x->csv)
		csv_finding(x, &sf);
	if (x->emit)
		x->emit(x->ctx, &sf);
}

/*
 * Gives out the held findings of path (all of them when path is NULL)
 * with the file's total, or drops them when it is below min_score.
 * total < 0: not known, summed from the held findings.
 */
static void release(struct evidence *x, const char *path, size_t plen,
		    long total)
{
	struct held **pp = &x->held, *h, *mine = NULL, **tail = &mine;
	long sum = 0;

	while ((h = *pp)) {
		if (!path || (h->plen == plen &&
			      memcmp(h->path, path, plen) == 0)) {
			*pp = h->next;
			h->next = NULL;
			*tail = h;
			tail = &h->next;
			if (!h->ev.audit && !h->ev.allowed && h->ev.score > 0)
				sum += h->ev.score;
		} else {
			pp = &h->next;
		}
	}
	if (!mine)
		return;
	if (total < 0)
		total = sum;
	if (total < x->o->min_score) {
		x->below++;
	} else {
		const char *l = evidence_level(x->o, total);

		x->levels[!strcmp(l, "alert") ? 0 : !strcmp(l, "warning") ? 1
			  : !strcmp(l, "notice") ? 2 : 3]++;
	}
	while ((h = mine)) {
		mine = h->next;
		if (total >= x->o->min_score) {
			give(x, &h->ev, total);
			if (!h->ev.audit && !h->ev.allowed)
				x->reported++;
		}
		held_free(h);
	}
}

int evidence_event(struct evidence *x, const mde_event *ev)
{
	struct held *h;

	if (ev->type == MDE_EV_FILE) {
		release(x, ev->path, ev->path_len, ev->score);
		if (x->hd)
			hashdeep_file(x, ev);
		if (x->body)
			body_file(x, ev);
		return 0;
	}
	if (ev->type != MDE_EV_FINDING)
		return 1;
	if (!evidence_needs_file_events(x)) {
		/* no totals: each finding stands alone */
		if (ev->score >= x->o->min_score) {
			give(x, ev, -1);
			if (!ev->audit && !ev->allowed)
				x->reported++;
		} else {
			x->below++;
		}
		return 0;
	}
	h = hold(ev);
	if (!h) { /* out of memory: report it alone rather than lose it */
		give(x, ev, -1);
		x->reported++;
		return 0;
	}
	/* at the tail: a file's findings keep their order */
	{
		struct held **pp = &x->held;

		while (*pp)
			pp = &(*pp)->next;
		*pp = h;
	}
	return 0;
}

/* --------------------------------------------------------- lifecycle */

int evidence_needs_file_events(const struct evidence *x)
{
	/* totals are what scores and levels are about */
	(void)x;
	return 1;
}

int evidence_needs_hashes(const struct evidence *x)
{
	return x->hd || x->body || x->ecs || x->csv;
}

static FILE *open_out(struct evidence *x, const char *path, int append)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
				    (append ? O_APPEND : O_TRUNC),
		      0640);
	FILE *fp;

	if (fd < 0) {
		snprintf(x->err, sizeof(x->err), "cannot open '%s': %s", path,
			 strerror(errno));
		return NULL;
	}
	fp = fdopen(fd, append ? "a" : "w");
	if (!fp) {
		snprintf(x->err, sizeof(x->err), "cannot open '%s': %s", path,
			 strerror(errno));
		close(fd);
	}
	return fp;
}

struct evidence *evidence_open(const struct ev_opts *o, ev_emit_fn emit,
			       void *ctx, char *err, size_t errlen)
{
	struct evidence *x = calloc(1, sizeof(*x));
	char cwd[4096];

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->o = o;
	x->emit = emit;
	x->ctx = ctx;
	if (gethostname(x->host, sizeof(x->host) - 1) < 0)
		snprintf(x->host, sizeof(x->host), "localhost");
	if (o->root) {
		x->rootlen = strlen(o->root);
		while (x->rootlen > 1 && o->root[x->rootlen - 1] == '/')
			x->rootlen--;
		if (x->rootlen == 1) /* "/" is the host itself */
			x->rootlen = 0;
		load_ids(x, &x->users, o->root, "/etc/passwd");
		load_ids(x, &x->groups, o->root, "/etc/group");
	}
	if ((o->ecs && !(x->ecs = open_out(x, o->ecs, 1))) ||
	    (o->csv && !(x->csv = open_out(x, o->csv, 0))) ||
	    (o->hashdeep && !(x->hd = open_out(x, o->hashdeep, 0))) ||
	    (o->bodyfile && !(x->body = open_out(x, o->bodyfile, 0)))) {
		snprintf(err, errlen, "%s", x->err);
		evidence_close(x, NULL, 0);
		return NULL;
	}
	if (x->csv)
		fprintf(x->csv, "%s\r\n", csv_header);
	if (x->hd) {
		fputs("%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n",
		      x->hd);
		fprintf(x->hd, "## Invoked from: %s\n",
			getcwd(cwd, sizeof(cwd)) ? cwd : "?");
		fputs("## $ mdescan (hashdeep manifest of every file "
		      "scanned)\n##\n",
		      x->hd);
	}
	return x;
}

void evidence_finish(struct evidence *x, const mde_summary *s, int status)
{
	(void)s;
	(void)status;
	release(x, NULL, 0, -1);
}

void evidence_summary(struct evidence *x, const mde_summary *s, int status)
{
	if (x->ecs)
		ecs_summary(x, s, status);
	if (x->skipped_names)
		fprintf(stderr,
			"mdescan: warning: %llu file names holding a newline "
			"or '|' left out of the hashdeep manifest or the "
			"bodyfile\n",
			(unsigned long long)x->skipped_names);
}

void evidence_level_counts(const struct evidence *x, uint64_t out[4])
{
	memcpy(out, x->levels, sizeof(x->levels));
}

uint64_t evidence_reported(const struct evidence *x)
{
	return x->reported;
}

uint64_t evidence_below(const struct evidence *x)
{
	return x->below;
}

static int close_one(FILE **fp, const char *path, char *err, size_t errlen,
		     int rc)
{
	if (!*fp)
		return rc;
	if ((fflush(*fp) != 0 || ferror(*fp) || fsync(fileno(*fp)) < 0) &&
	    errno != EINVAL && rc == 0 && err) {
		snprintf(err, errlen, "cannot write '%s': %s", path,
			 strerror(errno));
		rc = -1;
	}
	if (fclose(*fp) != 0 && rc == 0 && err) {
		snprintf(err, errlen, "cannot write '%s': %s", path,
			 strerror(errno));
		rc = -1;
	}
	*fp = NULL;
	return rc;
}

int evidence_close(struct evidence *x, char *err, size_t errlen)
{
	int rc = 0;

	if (!x)
		return 0;
	release(x, NULL, 0, -1);
	rc = close_one(&x->ecs, x->o->ecs, err, errlen, rc);
	rc = close_one(&x->csv, x->o->csv, err, errlen, rc);
	rc = close_one(&x->hd, x->o->hashdeep, err, errlen, rc);
	rc = close_one(&x->body, x->o->bodyfile, err, errlen, rc);
	free_ids(&x->users);
	free_ids(&x->groups);
	free(x);
	return rc;
}
