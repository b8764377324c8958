/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit-sandbox - runs a command under the system call filter a systemd
 * unit sets, for tests/cli/t-systemd.sh:
 *
 *   unit-sandbox [-n] SYSCALL... -- COMMAND [ARG...]
 *
 * Every SYSCALL named is allowed, every other call fails with EPERM
 * (SystemCallFilter= with SystemCallErrorNumber=EPERM; the test expands
 * the unit's @groups with `systemd-analyze syscall-filter`); -n also
 * refuses unshare(2) (RestrictNamespaces=yes).  Names this architecture
 * does not know are skipped.  Then COMMAND is executed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int i = 1, nons = 0, nr, n = 0;

	if (!ctx) {
		fprintf(stderr, "unit-sandbox: seccomp_init failed\n");
		return 125;
	}
	if (i < argc && !strcmp(argv[i], "-n")) {
		nons = 1;
		i++;
	}
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		nr = seccomp_syscall_resolve_name(argv[i]);
		if (nr == __NR_SCMP_ERROR || (nons && !strcmp(argv[i], "unshare")))
			continue;
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) == 0)
			n++;
	}
	if (i + 1 >= argc || n == 0) {
		fprintf(stderr, "usage: unit-sandbox [-n] SYSCALL... -- "
			"COMMAND [ARG...]\n");
		return 125;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 ||
	    seccomp_load(ctx) != 0) {
		fprintf(stderr, "unit-sandbox: cannot load the filter\n");
		return 125;
	}
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "unit-sandbox: %s: %s\n", argv[i + 1],
		strerror(errno));
	return 127;
}
