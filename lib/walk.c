/* SPDX-License-Identifier: Apache-2.0 */
/*
 * walk.c - the directory walker.  Runs in the thread that calls
 * mde_engine_submit(); every directory is opened relative to its parent
 * (openat), so paths of any length work, and files are queued with a
 * reference to their open directory for the workers' openat().
 *
 * Symlinks are not followed unless asked; when they are, every directory
 * is entered once (a dev/inode set), which also ends loops.  Under a scan
 * root (root.c) a link is only ever followed by resolving it there: plain
 * entries are opened O_NOFOLLOW.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "engine_int.h"
#include "banned.h"

struct devino {
	dev_t dev;
	ino_t ino;
};

void mde__walk_reset(mde_engine *e)
{
	free(e->visited);
	e->visited = NULL;
	e->nvisited = e->capvisited = 0;
}

/* Open-addressing set of visited directories; returns 1 if already in. */
static int visit(mde_engine *e, const struct stat *st)
{
	struct devino *t = e->visited;
	size_t mask, i;

	if (e->nvisited * 2 >= e->capvisited) {
		size_t cap = e->capvisited ? 2 * e->capvisited : 256, k;
		struct devino *n = calloc(cap, sizeof(*n));

		if (!n)
			return 0;
		for (k = 0; k < e->capvisited; k++) {
			if (!t[k].ino)
				continue;
			i = (t[k].ino * 0x9e3779b97f4a7c15ull ^ t[k].dev) &
			    (cap - 1);
			while (n[i].ino)
				i = (i + 1) & (cap - 1);
			n[i] = t[k];
		}
		free(t);
		e->visited = t = n;
		e->capvisited = cap;
	}
	mask = e->capvisited - 1;
	i = (st->st_ino * 0x9e3779b97f4a7c15ull ^ st->st_dev) & mask;
	for (; t[i].ino; i = (i + 1) & mask)
		if (t[i].ino == st->st_ino && t[i].dev == st->st_dev)
			return 1;
	t[i].dev = st->st_dev;
	t[i].ino = st->st_ino ? st->st_ino : 1;
	e->nvisited++;
	return 0;
}

/* Filesystems --full leaves alone: kernel views, network and FUSE. */
static const struct fsskip {
	unsigned long magic;
	const char *reason;
} fsskips[] = {
	{ 0x9fa0, "pseudo filesystem" },       /* proc */
	{ 0x62656572, "pseudo filesystem" },   /* sysfs */
	{ 0x1cd1, "pseudo filesystem" },       /* devpts */
	{ 0x27e0eb, "pseudo filesystem" },     /* cgroup */
	{ 0x63677270, "pseudo filesystem" },   /* cgroup2 */
	{ 0x64626720, "pseudo filesystem" },   /* debugfs */
	{ 0x74726163, "pseudo filesystem" },   /* tracefs */
	{ 0x73636673, "pseudo filesystem" },   /* securityfs */
	{ 0xcafe4a11, "pseudo filesystem" },   /* bpf */
	{ 0x6165676c, "pseudo filesystem" },   /* pstore */
	{ 0x42494e4d, "pseudo filesystem" },   /* binfmt_misc */
	{ 0x19800202, "pseudo filesystem" },   /* mqueue */
	{ 0x6e736673, "pseudo filesystem" },   /* nsfs */
	{ 0x6969, "network filesystem" },      /* nfs */
	{ 0xff534d42, "network filesystem" },  /* cifs */
	{ 0xfe534d42, "network filesystem" },  /* smb2 */
	{ 0x517b, "network filesystem" },      /* smb */
	{ 0x00c36400, "network filesystem" },  /* ceph */
	{ 0x5346414f, "network filesystem" },  /* afs */
	{ 0x01021997, "network filesystem" },  /* 9p */
	{ 0x65735546, "fuse filesystem" },     /* fuse */
};

static const char *special_fs(int fd)
{
	struct statfs sf;
	size_t i;

	if (fstatfs(fd, &sf) < 0)
		return NULL;
	for (i = 0; i < sizeof(fsskips) / sizeof(fsskips[0]); i++)
		if ((unsigned long)sf.f_type == fsskips[i].magic)
			return fsskips[i].reason;
	return NULL;
}

static const char *type_reason(mode_t m)
{
	if (S_ISFIFO(m))
		return "fifo";
	if (S_ISSOCK(m))
		return "socket";
	if (S_ISCHR(m))
		return "character device";
	if (S_ISBLK(m))
		return "block device";
	return "not a regular file";
}

/* Queues the file at pb: opened relative to dir, or, with inroot, from
 * the scan root by its path inside it (a link followed there). */
static int queue_file(mde_engine *e, mde__dir *dir, size_t base, int inroot)
{
	mde__item it;

	if (mde__othershard(e))
		return MDE_OK;
	if (mde__excl_file(e->excl, e->pb.p, e->pb.len)) {
		atomic_fetch_add(&e->excluded, 1);
		return MDE_OK;
	}
	it.path = malloc(e->pb.len + 1);
	if (!it.path)
		return MDE_ERR_NOMEM;
	memcpy(it.path, e->pb.p, e->pb.len + 1);
	it.len = e->pb.len;
	it.base = base;
	it.dir = dir;
	it.inroot = inroot;
	mde__dir_ref(dir);
	return mde__queue_push(e, &it);
}

static int open_dir_at(mde_engine *e, int dirfd, const char *name,
		       int follow)
{
	int fl = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK;

	if (!follow)
		fl |= O_NOFOLLOW;
	return mde__openat(e, dirfd, name, fl, NULL);
}

static int walk_dir(mde_engine *e, mde__dir *dn, int depth, dev_t pdev);

/* /proc, /sys and /dev hold kernel objects, not files worth reading. */
static int is_kernel_tree(const char *p)
{
	return strcmp(p, "/proc") == 0 || strcmp(p, "/sys") == 0 ||
	       strcmp(p, "/dev") == 0;
}

/*
 * Under a scan root with follow: what the link at pb points to, resolved
 * inside the root.  *dtype becomes the target's type; for a directory
 * *pfd gets an O_PATH descriptor of it; *inroot is set when a link was
 * resolved.  Returns 0 to go on, 1 when the entry is done with
 * (dangling, or an error reported).
 */
static int link_in_root(mde_engine *e, mde__dir *dn, const char *name,
			unsigned char *dtype, int *pfd, int *inroot)
{
	struct stat st;
	int fd;

	if (*dtype == DT_UNKNOWN) {
		if (fstatat(dn->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto fail;
		*dtype = IFTODT(st.st_mode);
		if (*dtype != DT_LNK)
			return 0;
	}
	fd = mde__root_open(e, mde__root_inner(e, e->pb.p), O_PATH, NULL);
	if (fd < 0 && errno == ENOENT)
		return 1; /* dangling link */
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0) {
		close(fd);
		goto fail;
	}
	*dtype = IFTODT(st.st_mode);
	*inroot = 1;
	if (*dtype == DT_DIR)
		*pfd = fd;
	else
		close(fd);
	return 0;
fail:
	/* a loop of links inside the image too, as fstatat reports one */
	mde__report(e, MDE_EV_ERROR, e->pb.p, e->pb.len, strerror(errno),
		    errno);
	return 1;
}

/* Resolves an entry whose type getdents did not give, or a link to be
 * followed; returns 0 to go on, 1 when the entry is done with. */
static int entry_type(mde_engine *e, mde__dir *dn, const char *name,
		      unsigned char *dtype, int *pfd, int *inroot)
{
	struct stat st;
	int was_link = *dtype == DT_LNK;

	if (*dtype != DT_UNKNOWN && !(was_link && e->follow))
		return 0;
	if (e->rootfd >= 0 && e->follow)
		return link_in_root(e, dn, name, dtype, pfd, inroot);
	if (fstatat(dn->fd, name, &st, e->follow ? 0 : AT_SYMLINK_NOFOLLOW) <
	    0) {
		if (errno == ENOENT && was_link)
			return 1; /* dangling link */
		mde__report(e, MDE_EV_ERROR, e->pb.p, e->pb.len,
			    strerror(errno), errno);
		return 1;
	}
	*dtype = IFTODT(st.st_mode);
	return 0;
}

/* A FIFO, socket or device met in the walk: reported as skipped. */
static int special_entry(mde_engine *e, unsigned char dtype)
{
	if (mde__othershard(e))
		return MDE_OK;
	if (mde__excl_file(e->excl, e->pb.p, e->pb.len)) {
		atomic_fetch_add(&e->excluded, 1);
		return MDE_OK;
	}
	mde__report(e, MDE_EV_SKIPPED, e->pb.p, e->pb.len,
		    type_reason(DTTOIF(dtype)), 0);
	return MDE_OK;
}

/* Whether the directory at pb may be entered; reports why not. */
static int dir_ok(mde_engine *e, int depth)
{
	if (mde__excl_dir(e->excl, e->pb.p, e->pb.len)) {
		atomic_fetch_add(&e->excluded, 1);
		return 0;
	}
	if (e->skip_special && is_kernel_tree(e->pb.p)) {
		mde__report(e, MDE_EV_SKIPPED, e->pb.p, e->pb.len,
			    "pseudo filesystem", 0);
		return 0;
	}
	if (depth + 1 > e->max_depth) {
		mde__report(e, MDE_EV_SKIPPED, e->pb.p, e->pb.len,
			    "limit: max-depth", 0);
		return 0;
	}
	return 1;
}

/* Decides what to do with one directory entry (pb holds its path). */
static int walk_entry(mde_engine *e, mde__dir *dn, const char *name,
		      unsigned char dtype, size_t base, int depth, dev_t pdev)
{
	mde__dir *child;
	int fd, pfd = -1, inroot = 0, rc = MDE_OK;

	if (entry_type(e, dn, name, &dtype, &pfd, &inroot))
		return MDE_OK;
	switch (dtype) {
	case DT_REG:
		return queue_file(e, inroot ? NULL : dn, base, inroot);
	case DT_LNK:
		return MDE_OK;
	case DT_DIR:
		break;
	default:
		return special_entry(e, dtype);
	}
	if (!dir_ok(e, depth))
		goto out;
	/* under a root only a link resolved there (pfd) is followed: a plain
	 * entry never follows one on the host */
	if (pfd >= 0)
		fd = mde__openat(e, pfd, ".", O_RDONLY | O_DIRECTORY |
					 O_CLOEXEC | O_NONBLOCK, NULL);
	else
		fd = open_dir_at(e, dn->fd, name,
				 e->follow && e->rootfd < 0);
	if (fd < 0) {
		if (errno != ELOOP && errno != ENOTDIR)
			mde__report(e, MDE_EV_ERROR, e->pb.p, e->pb.len,
				    strerror(errno), errno);
		goto out;
	}
	child = mde__dir_new(fd);
	if (!child) {
		close(fd);
		rc = MDE_ERR_NOMEM;
		goto out;
	}
	rc = walk_dir(e, child, depth + 1, pdev);
	mde__dir_unref(child);
out:
	if (pfd >= 0)
		close(pfd);
	return rc;
}

/* Checks a directory just opened: filesystem rules and loops.
 * Returns 1 to enter it. */
static int enter_ok(mde_engine *e, int fd, dev_t pdev, dev_t *dev)
{
	struct stat st;
	const char *why;

	*dev = pdev;
	if (!e->one_fs && !e->skip_special && !e->follow)
		return 1; /* nothing to check: spare the fstat */
	if (fstat(fd, &st) < 0) {
		mde__report(e, MDE_EV_ERROR, e->pb.p, e->pb.len,
			    strerror(errno), errno);
		return 0;
	}
	*dev = st.st_dev;
	if (e->one_fs && st.st_dev != e->start_dev)
		return 0;
	if (e->skip_special && st.st_dev != pdev && (why = special_fs(fd))) {
		mde__report(e, MDE_EV_SKIPPED, e->pb.p, e->pb.len, why, 0);
		return 0;
	}
	if (e->follow && visit(e, &st))
		return 0;
	return 1;
}

/* The kernel's directory record (getdents64(2)). */
struct ldirent {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define DENTS_BUF 32768

/* Handles the entries of one getdents64 batch. */
static int walk_batch(mde_engine *e, mde__dir *dn, const char *buf, long n,
		      int depth, dev_t dev, size_t plen)
{
	const struct ldirent *de;
	size_t nlen;
	long off;
	int rc = MDE_OK;

	for (off = 0; off < n && rc == MDE_OK; off += de->d_reclen) {
		de = (const struct ldirent *)(buf + off);
		if (de->d_name[0] == '.' && (!de->d_name[1] ||
		    (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		nlen = strlen(de->d_name);
		e->pb.len = plen;
		if (plen == 0 || e->pb.p[plen - 1] != '/')
			rc = mde__buf_put(&e->pb, "/", 1);
		if (rc == MDE_OK)
			rc = mde__buf_put(&e->pb, de->d_name, nlen);
		if (rc == MDE_OK)
			rc = walk_entry(e, dn, de->d_name, de->d_type,
					e->pb.len - nlen, depth, dev);
	}
	return rc;
}

/*
 * Reads the directory with getdents64(2) on the fd the workers also use:
 * no dup, no fdopendir (whose fstat and fcntl calls, per directory, were
 * a third of a re-scan's system calls).  Each level has its own buffer,
 * since the walk recurses while a batch is half read.
 */
static int walk_dir(mde_engine *e, mde__dir *dn, int depth, dev_t pdev)
{
	size_t plen = e->pb.len;
	char *buf;
	dev_t dev;
	long n;
	int rc = MDE_OK;

	if (!enter_ok(e, dn->fd, pdev, &dev))
		return MDE_OK;
	buf = malloc(DENTS_BUF);
	if (!buf)
		return MDE_ERR_NOMEM;
	atomic_fetch_add(&e->dirs, 1);
	while (rc == MDE_OK && !atomic_load(&e->cancel)) {
		n = syscall(SYS_getdents64, dn->fd, buf, DENTS_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			mde__report(e, MDE_EV_ERROR, e->pb.p, plen,
				    strerror(errno), errno);
		if (n <= 0)
			break;
		rc = walk_batch(e, dn, buf, n, depth, dev, plen);
	}
	free(buf);
	e->pb.len = plen;
	if (e->pb.p)
		e->pb.p[plen] = '\0';
	return rc;
}

/* Makes pb the absolute, lexically tidied form of path (relative to the
 * working directory, or with in_root to the scan root). */
static int absolute(mde_engine *e, const char *path, int in_root)
{
	const char *s = path;
	char cwd[4096];
	int rc = MDE_OK;

	e->pb.len = 0;
	if (path[0] != '/' && !in_root) {
		if (!getcwd(cwd, sizeof(cwd)))
			return MDE_ERR_IO;
		rc = mde__buf_put(&e->pb, cwd, strlen(cwd));
	}
	while (rc == MDE_OK && *s) {
		const char *end;

		while (*s == '/')
			s++;
		end = strchrnul(s, '/');
		if (end - s == 1 && s[0] == '.') {
			s = end;
			continue;
		}
		if (end > s) {
			rc = mde__buf_put(&e->pb, "/", 1);
			if (rc == MDE_OK)
				rc = mde__buf_put(&e->pb, s, (size_t)(end - s));
		}
		s = end;
	}
	if (rc == MDE_OK && e->pb.len == 0)
		rc = mde__buf_put(&e->pb, "/", 1);
	return rc;
}

/*
 * A start path, stat'ed as st, its display path in pb: a file is queued,
 * a directory opened (name relative to dfd, following links) and walked.
 * Shards hash the path below a start directory, or a start file's name.
 */
static int walk_start(mde_engine *e, const struct stat *st, int dfd,
		      const char *name, int inroot)
{
	size_t base = (size_t)(strrchr(e->pb.p, '/') - e->pb.p) + 1;
	mde__dir *dn;
	int fd, rc;

	e->start_dev = st->st_dev;
	e->start_len = e->pb.len;
	if (S_ISREG(st->st_mode)) {
		e->start_len = base;
		return queue_file(e, NULL, base, inroot);
	}
	if (!S_ISDIR(st->st_mode)) {
		mde__report(e, MDE_EV_SKIPPED, e->pb.p, e->pb.len,
			    type_reason(st->st_mode), 0);
		return MDE_OK;
	}
	if (mde__excl_dir(e->excl, e->pb.p, e->pb.len)) {
		atomic_fetch_add(&e->excluded, 1);
		return MDE_OK;
	}
	fd = open_dir_at(e, dfd, name, 1);
	if (fd < 0) {
		mde__report(e, MDE_EV_ERROR, e->pb.p, e->pb.len,
			    strerror(errno), errno);
		return MDE_OK;
	}
	dn = mde__dir_new(fd);
	if (!dn) {
		close(fd);
		return MDE_ERR_NOMEM;
	}
	/* the start directory is entered even if it is special itself */
	rc = walk_dir(e, dn, 0, st->st_dev);
	mde__dir_unref(dn);
	return rc;
}

/*
 * A start path inside the scan root: resolved there (every link on the
 * way too), shown as the host path the kernel resolved it to, and walked
 * from the descriptor it resolved to.
 */
static int walk_in_root(mde_engine *e)
{
	struct stat st;
	char *inner = strdup(e->pb.p);
	int pfd = -1, err, rc = MDE_OK;

	if (!inner)
		return MDE_ERR_NOMEM;
	pfd = mde__root_open(e, inner, O_PATH, NULL);
	if (pfd < 0 || fstat(pfd, &st) < 0) {
		err = errno;
		if (mde__root_path(e, pfd, inner, &e->pb) == MDE_OK)
			mde__report(e, MDE_EV_ERROR, e->pb.p, e->pb.len,
				    strerror(err), err);
		goto out;
	}
	rc = mde__root_path(e, pfd, inner, &e->pb);
	if (rc == MDE_OK)
		rc = walk_start(e, &st, pfd, ".", 1);
out:
	if (pfd >= 0)
		close(pfd);
	free(inner);
	return rc;
}

int mde__walk(mde_engine *e, const char *path)
{
	struct stat st;
	int rc;

	rc = absolute(e, path, e->rootfd >= 0);
	if (rc != MDE_OK) {
		mde__report(e, MDE_EV_ERROR, path, strlen(path),
			    "cannot make the path absolute", errno);
		return MDE_OK;
	}
	if (e->rootfd >= 0)
		return walk_in_root(e);
	if (stat(path, &st) < 0) {
		mde__report(e, MDE_EV_ERROR, e->pb.p, e->pb.len,
			    strerror(errno), errno);
		return MDE_OK;
	}
	return walk_start(e, &st, AT_FDCWD, path, 0);
}
