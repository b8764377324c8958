/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdewatch_fs.c - the filesystems mdewatch(8) refuses to watch unless
 * --allow-fs names them: pseudo filesystems hold no files worth a scan
 * and their opens are many; a network or FUSE filesystem may be served
 * by a process whose own opens would wait for the watcher.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "mdewatch_int.h"
#include "util.h"
#include "banned.h"

/* Pseudo, network and FUSE filesystems: refused unless --allow-fs. */
static const struct {
	const char *name, *kind;
} refused_fs[] = {
	{ "proc", "pseudo" }, { "sysfs", "pseudo" }, { "cgroup", "pseudo" },
	{ "cgroup2", "pseudo" }, { "devpts", "pseudo" },
	{ "devtmpfs", "pseudo" }, { "debugfs", "pseudo" },
	{ "tracefs", "pseudo" }, { "securityfs", "pseudo" },
	{ "bpf", "pseudo" }, { "pstore", "pseudo" }, { "configfs", "pseudo" },
	{ "binfmt_misc", "pseudo" }, { "efivarfs", "pseudo" },
	{ "selinuxfs", "pseudo" }, { "mqueue", "pseudo" }, { "nsfs", "pseudo" },
	{ "autofs", "pseudo" }, { "fusectl", "pseudo" },
	{ "rpc_pipefs", "pseudo" }, { "nfs", "network" }, { "nfs4", "network" },
	{ "cifs", "network" }, { "smb3", "network" }, { "smbfs", "network" },
	{ "ceph", "network" }, { "9p", "network" }, { "afs", "network" },
	{ "glusterfs", "network" }, { "lustre", "network" },
	{ "gpfs", "network" }, { "fuse", "FUSE" }, { "fuseblk", "FUSE" },
};

/* statfs(2) magic numbers, for kernels without statx's mount id. */
static const struct {
	unsigned long magic;
	const char *name;
} fs_magic[] = {
	{ 0x9fa0, "proc" }, { 0x62656572, "sysfs" }, { 0x27e0eb, "cgroup" },
	{ 0x63677270, "cgroup2" }, { 0x1cd1, "devpts" },
	{ 0x64626720, "debugfs" }, { 0x74726163, "tracefs" },
	{ 0x73636673, "securityfs" }, { 0xcafe4a11, "bpf" },
	{ 0x6165676c, "pstore" }, { 0x62656570, "configfs" },
	{ 0x42494e4d, "binfmt_misc" }, { 0xde5e81e4, "efivarfs" },
	{ 0xf97cff8c, "selinuxfs" }, { 0x19800202, "mqueue" },
	{ 0x6e736673, "nsfs" }, { 0x0187, "autofs" }, { 0x6969, "nfs" },
	{ 0xff534d42, "cifs" }, { 0xfe534d42, "smb3" }, { 0x517b, "smbfs" },
	{ 0x00c36400, "ceph" }, { 0x01021997, "9p" }, { 0x5346414f, "afs" },
	{ 0x65735546, "fuse" }, { 0x01021994, "tmpfs" },
	{ 0xef53, "ext4" }, { 0x58465342, "xfs" }, { 0x9123683e, "btrfs" },
};

/* The type of the filesystem PATH is on, as /proc/self/mountinfo names
 * it ("tmpfs", "fuse.sshfs"); from statfs(2) when that fails. */
static void fs_type(const char *path, char *name, size_t len)
{
	struct statx sx;
	struct statfs sf;
	char line[8192], *dash;
	FILE *fp;
	size_t i;

	snprintf(name, len, "unknown");
	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &sx) == 0 &&
	    (sx.stx_mask & STATX_MNT_ID) &&
	    (fp = fopen("/proc/self/mountinfo", "re"))) {
		while (fgets(line, sizeof(line), fp)) {
			if (strtoull(line, NULL, 10) != sx.stx_mnt_id ||
			    !(dash = strstr(line, " - ")))
				continue;
			dash += 3;
			dash[strcspn(dash, " \n")] = '\0';
			snprintf(name, len, "%s", dash);
			fclose(fp);
			return;
		}
		fclose(fp);
	}
	if (statfs(path, &sf) < 0)
		return;
	for (i = 0; i < sizeof(fs_magic) / sizeof(fs_magic[0]); i++)
		if ((unsigned long)sf.f_type == fs_magic[i].magic)
			snprintf(name, len, "%s", fs_magic[i].name);
}

/* "fuse" in --allow-fs also allows fuse.sshfs, fuseblk and so on. */
static int fs_allowed(const struct wopts *o, const char *type)
{
	size_t i;

	for (i = 0; i < o->nallow_fs; i++) {
		const char *a = o->allow_fs[i];

		if (strcmp(a, type) == 0 ||
		    (strcmp(a, "fuse") == 0 && strncmp(type, "fuse", 4) == 0))
			return 1;
	}
	return 0;
}

void fs_check(const struct wopts *o)
{
	char type[64];
	size_t i, k;

	for (i = 0; i < o->npaths; i++) {
		fs_type(o->paths[i], type, sizeof(type));
		if (fs_allowed(o, type))
			continue;
		for (k = 0; k < sizeof(refused_fs) / sizeof(refused_fs[0]); k++)
			if (strcmp(type, refused_fs[k].name) == 0 ||
			    (strncmp(type, "fuse.", 5) == 0 &&
			     strcmp(refused_fs[k].name, "fuse") == 0))
				tool_die("'%s' is on a %s filesystem (%s): "
					 "not watched unless --allow-fs %s is "
					 "given",
					 o->paths[i], refused_fs[k].kind, type,
					 strncmp(type, "fuse", 4) == 0 ? "fuse"
								       : type);
	}
}
