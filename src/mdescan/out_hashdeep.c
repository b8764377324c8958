/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_hashdeep.c - a hashdeep manifest (--hashdeep FILE, replaced):
 * "size,md5,sha256,filename" of every file read, for `hashdeep -k FILE`
 * audits of the same tree later.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "out.h"
#include "banned.h"

static void hashdeep_begin(struct out_writer *w)
{
	char cwd[4096];

	fputs("%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n", w->fp);
	fprintf(w->fp, "## Invoked from: %s\n",
		getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	fputs("## $ mdescan (hashdeep manifest of every file scanned)\n##\n",
	      w->fp);
}

static void hashdeep_file(struct out_writer *w, const mde_event *ev)
{
	const mde_fileinfo *fi = ev->file;

	if (!fi || !fi->md5 || !fi->sha256)
		return;
	/* hashdeep reads a line to its end: a name holding a newline
	 * cannot be written; say how many at the end */
	if (memchr(ev->path, '\n', ev->path_len) ||
	    memchr(ev->path, '\r', ev->path_len)) {
		w->skipped++;
		return;
	}
	fprintf(w->fp, "%llu,%s,%s,", (unsigned long long)fi->size, fi->md5,
		fi->sha256);
	fwrite(ev->path, 1, ev->path_len, w->fp);
	putc('\n', w->fp);
}

const struct out_format out_hashdeep = {
	.name = "hashdeep",
	.flags = OUT_HASHES,
	.begin = hashdeep_begin,
	.file = hashdeep_file,
};
