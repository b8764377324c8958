/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procinfo.h - the process behind a /proc/PID/exe finding: a quick scan
 * reads running binaries there (deleted ones too), and "/proc/18/exe"
 * alone says neither which program it was nor how it was started.
 */
#ifndef MDESCAN_PROCINFO_H
#define MDESCAN_PROCINFO_H

#include <stddef.h>

#define PROCINFO_CMDLINE 512 /* bytes of the command line kept */

struct procinfo {
	int pid;
	int deleted;          /* the executable was deleted (or replaced) */
	int cut;              /* the command line was longer than kept */
	size_t exe_len, cmd_len;
	char exe[4096];       /* its path, without " (deleted)" */
	char cmd[PROCINFO_CMDLINE]; /* arguments joined by spaces (raw bytes:
				       escape them for output) */
};

/*
 * Fills pi when path[0..len) is /proc/PID/exe of a process still
 * running and returns 1; else 0 (pi then says nothing).  The command line
 * is empty for a process that has none (a zombie, a kernel thread).
 */
int procinfo_of(const char *path, size_t len, struct procinfo *pi);

#endif
