/* SPDX-License-Identifier: Apache-2.0 */
/*
 * owners.c - owner and group names (owners.h).
 *
 * Under --root the names are the image's: its own /etc/passwd and
 * /etc/group, opened inside the root (openat2 RESOLVE_IN_ROOT, so that a
 * link in the image cannot lead out of it) and parsed as untrusted input
 * (fuzz_passwd).  Without a root they are the host's, asked once per id
 * and kept.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "owners.h"
#include "util.h"
#include "banned.h"

struct idname {
	uint32_t id;
	char *name;
};

struct idmap {
	struct idname *v;
	size_t n;
};

struct owners {
	int image; /* names from root's image only */
	struct idmap users, groups;
};

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

size_t owners_parse_ids(const char *buf, size_t len,
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
			for (q = c2 + 1; q < le && *q >= '0' && *q <= '9';
			     q++) {
				id = id * 10 + (uint64_t)(*q - '0');
				if (id > UINT32_MAX)
					break;
			}
			if (q > c2 + 1 && q < le && *q == ':' &&
			    id <= UINT32_MAX &&
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
 * OWNERS_MAX_IDFILE bytes (a link to a device in the image is not read). */
static void load_ids(struct idmap *m, const char *root, const char *file)
{
	int fd = open_in_root(root, file);
	struct stat st;
	char *buf;
	ssize_t got;

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > OWNERS_MAX_IDFILE) {
		tool_warn("warning: %s%s: not a regular file of at most %d "
			  "bytes: owners shown by number", root, file,
			  OWNERS_MAX_IDFILE);
		close(fd);
		return;
	}
	buf = malloc((size_t)st.st_size + 1);
	got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (got > 0)
		owners_parse_ids(buf, (size_t)got, take_id, m);
	free(buf);
}

const char *owners_name(struct owners *ow, uint32_t id, int group)
{
	struct idmap *m = group ? &ow->groups : &ow->users;
	size_t i;
	char buf[4096];
	const char *name = NULL;

	for (i = 0; i < m->n; i++)
		if (m->v[i].id == id)
			return m->v[i].name;
	if (ow->image) /* the image's names only: the host's would lie */
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

struct owners *owners_new(const char *root)
{
	struct owners *ow = calloc(1, sizeof(*ow));

	if (ow && root) {
		ow->image = 1;
		load_ids(&ow->users, root, "/etc/passwd");
		load_ids(&ow->groups, root, "/etc/group");
	}
	return ow;
}

void owners_free(struct owners *ow)
{
	if (!ow)
		return;
	free_ids(&ow->users);
	free_ids(&ow->groups);
	free(ow);
}
