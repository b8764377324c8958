/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_bodyfile.c - a Sleuth Kit 3.x bodyfile (--bodyfile FILE, replaced)
 * of every file read, for mactime(1) timelines:
 * "MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime", the
 * names as the image calls them under --root.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "out.h"
#include "banned.h"

/* "-rwsr-xr-x", as ls(1) writes a mode. */
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

static void body_file(struct out_writer *w, const mde_event *ev)
{
	const mde_fileinfo *fi = ev->file;
	char mode[11];
	size_t len = ev->path_len;
	const char *p;

	if (!fi)
		return;
	p = out_image_path(w->ctx, ev->path, &len);
	/* '|' separates the fields and a line is a file: such a name
	 * cannot be written; say how many at the end */
	if (memchr(p, '\n', len) || memchr(p, '|', len)) {
		w->skipped++;
		return;
	}
	mode_string(fi->mode, mode);
	fprintf(w->fp, "%s|", fi->md5 ? fi->md5 : "0");
	fwrite(p, 1, len, w->fp);
	fprintf(w->fp, "|%llu|%s|%u|%u|%llu|%lld|%lld|%lld|%lld\n",
		(unsigned long long)fi->ino, mode, fi->uid, fi->gid,
		(unsigned long long)fi->size,
		(long long)(fi->atime_ns / 1000000000),
		(long long)(fi->mtime_ns / 1000000000),
		(long long)(fi->ctime_ns / 1000000000),
		(long long)(fi->btime_ns >= 0 ? fi->btime_ns / 1000000000
					      : 0));
}

const struct out_format out_bodyfile = {
	.name = "bodyfile",
	.flags = OUT_HASHES,
	.file = body_file,
};
