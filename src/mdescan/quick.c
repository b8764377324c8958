/* SPDX-License-Identifier: Apache-2.0 */
/*
 * quick.c - the locations of a quick scan: where Linux malware persists
 * or runs from.  The list is documented in mdescan(1) and README.md; keep
 * them in step.
 */
#include "config.h"

#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mdescan.h"
#include "banned.h"

/* Patterns are expanded with glob(3); entries that do not exist are
 * left out silently. */
static const char *const quick_locations[] = {
	/* start-up and services */
	"/etc/init.d", "/etc/rc.local", "/etc/rc*.d", "/etc/systemd/system",
	"/run/systemd/system", "/usr/lib/systemd/system",
	"/etc/xdg/autostart", "/etc/update-motd.d",
	/* scheduled jobs */
	"/etc/crontab", "/etc/anacrontab", "/etc/cron.d", "/etc/cron.hourly",
	"/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
	"/var/spool/cron", "/var/spool/at",
	/* loader and shell start-up */
	"/etc/ld.so.preload", "/etc/ld.so.conf.d", "/etc/profile",
	"/etc/profile.d", "/etc/bash.bashrc", "/etc/environment",
	"/etc/sudoers.d",
	/* world-writable and in-memory places binaries run from */
	"/tmp", "/var/tmp", "/dev/shm",
	/* web roots */
	"/var/www", "/srv/www", "/srv/http", "/usr/share/nginx/html",
	"/var/lib/tomcat*/webapps",
	/* users' shell start-up files, SSH keys and autostart */
	"/root/.bashrc", "/root/.profile", "/root/.bash_profile",
	"/root/.bash_login", "/root/.bash_logout", "/root/.zshrc",
	"/root/.ssh/authorized_keys", "/root/.ssh/authorized_keys2",
	"/root/.config/autostart",
	"/home/*/.bashrc", "/home/*/.profile", "/home/*/.bash_profile",
	"/home/*/.bash_login", "/home/*/.bash_logout", "/home/*/.zshrc",
	"/home/*/.ssh/authorized_keys", "/home/*/.ssh/authorized_keys2",
	"/home/*/.config/autostart",
};

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Submits /proc/PID/exe of every running process, once per executable
 * (dev/inode), so each binary in memory is scanned even if deleted. */
static int submit_proc_exes(mde_engine *e)
{
	struct { dev_t dev; ino_t ino; } *seen = NULL;
	size_t nseen = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	char p[300];
	DIR *d = opendir("/proc");
	int rc = MDE_OK;

	if (!d)
		return MDE_OK;
	while (rc == MDE_OK && (de = readdir(d))) {
		if (!all_digits(de->d_name))
			continue;
		snprintf(p, sizeof(p), "/proc/%s/exe", de->d_name);
		if (stat(p, &st) < 0)
			continue; /* kernel thread, gone, or not ours */
		for (i = 0; i < nseen; i++)
			if (seen[i].dev == st.st_dev &&
			    seen[i].ino == st.st_ino)
				break;
		if (i < nseen)
			continue;
		if (nseen == cap) {
			void *n = realloc(seen, (cap = cap ? 2 * cap : 64) *
							sizeof(*seen));
			if (!n)
				break;
			seen = n;
		}
		seen[nseen].dev = st.st_dev;
		seen[nseen++].ino = st.st_ino;
		rc = mde_engine_submit(e, p);
	}
	free(seen);
	closedir(d);
	return rc;
}

int quick_scan_submit(mde_engine *e)
{
	size_t i, k;
	glob_t g;
	int rc = MDE_OK;

	for (i = 0; i < sizeof(quick_locations) / sizeof(*quick_locations) &&
		    rc == MDE_OK; i++) {
		if (glob(quick_locations[i], GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (k = 0; k < g.gl_pathc && rc == MDE_OK; k++)
			rc = mde_engine_submit(e, g.gl_pathv[k]);
		globfree(&g);
	}
	if (rc == MDE_OK)
		rc = submit_proc_exes(e);
	return rc;
}
