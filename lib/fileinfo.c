/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fileinfo.c - what the engine knows of a file on disk before reading it
 * (statx(2): the stat fields and the birth time), and the two choices
 * made from that alone: MDE_OPT_NEWER_THAN and MDE_OPT_SHARD_*.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <xxhash.h>

#include "engine_int.h"
#include "banned.h"

static int64_t ns_of(const struct statx_timestamp *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int64_t ns_of_ts(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* The struct stat the rest of the engine works with, from statx. */
static void stat_of(const struct statx *x, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(x->stx_dev_major, x->stx_dev_minor);
	st->st_ino = (ino_t)x->stx_ino;
	st->st_mode = x->stx_mode;
	st->st_nlink = x->stx_nlink;
	st->st_uid = x->stx_uid;
	st->st_gid = x->stx_gid;
	st->st_rdev = makedev(x->stx_rdev_major, x->stx_rdev_minor);
	st->st_size = (off_t)x->stx_size;
	st->st_blksize = (blksize_t)x->stx_blksize;
	st->st_blocks = (blkcnt_t)x->stx_blocks;
	st->st_atim.tv_sec = x->stx_atime.tv_sec;
	st->st_atim.tv_nsec = x->stx_atime.tv_nsec;
	st->st_mtim.tv_sec = x->stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = x->stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = x->stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = x->stx_ctime.tv_nsec;
}

static void info_of(const struct stat *st, mde_fileinfo *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->dev = (uint64_t)st->st_dev;
	fi->ino = (uint64_t)st->st_ino;
	fi->mode = (uint32_t)st->st_mode;
	fi->uid = (uint32_t)st->st_uid;
	fi->gid = (uint32_t)st->st_gid;
	fi->nlink = (uint32_t)st->st_nlink;
	fi->size = (uint64_t)st->st_size;
	fi->atime_ns = ns_of_ts(&st->st_atim);
	fi->mtime_ns = ns_of_ts(&st->st_mtim);
	fi->ctime_ns = ns_of_ts(&st->st_ctim);
	fi->btime_ns = -1;
	fi->noatime = 1;
}

int mde__statx(int dfd, const char *name, int flags, struct stat *st,
	       mde_fileinfo *fi)
{
	struct statx x;

	if (statx(dfd, name, flags, STATX_BASIC_STATS | STATX_BTIME, &x) < 0) {
		if (errno != ENOSYS)
			return -1;
		if (fstatat(dfd, name, st, flags) < 0)
			return -1;
		if (fi)
			info_of(st, fi);
		return 0;
	}
	stat_of(&x, st);
	if (fi) {
		info_of(st, fi);
		if (x.stx_mask & STATX_BTIME)
			fi->btime_ns = ns_of(&x.stx_btime);
	}
	return 0;
}

int mde__unchanged(mde_engine *e, const struct stat *st)
{
	/* whole seconds: t <= time iff t <= its tv_sec */
	if (e->newer_than <= 0 || st->st_mtim.tv_sec >= e->newer_than ||
	    st->st_ctim.tv_sec >= e->newer_than)
		return 0;
	atomic_fetch_add(&e->unchanged, 1);
	return 1;
}

/*
 * The partition hashes the path below the start path (no leading '/'),
 * so that it does not depend on where the tree is mounted nor on how the
 * start path was spelled; a start path that is a file hashes its base
 * name (start_len is then the offset of the base name).
 */
int mde__othershard(mde_engine *e)
{
	const char *rel;
	size_t len;

	if (e->shard_n <= 1)
		return 0;
	rel = e->pb.p + e->start_len;
	len = e->pb.len - e->start_len;
	if (len && *rel == '/') {
		rel++;
		len--;
	}
	if (XXH64(rel, len, 0) % (uint64_t)e->shard_n ==
	    (uint64_t)(e->shard_k - 1))
		return 0;
	atomic_fetch_add(&e->othershard, 1);
	return 1;
}

int mde__openat(mde_engine *e, int dfd, const char *name, int flags,
		int *noatime)
{
	int fd = openat(dfd, name, flags | O_NOATIME);

	if (noatime)
		*noatime = 1;
	if (fd >= 0 || errno != EPERM)
		return fd;
	/* not the owner and no CAP_FOWNER: reading will move atime */
	fd = openat(dfd, name, flags);
	if (fd >= 0) {
		atomic_fetch_add(&e->atime_risk, 1);
		if (noatime)
			*noatime = 0;
	}
	return fd;
}
