/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault-tool.c - test helper for tests/cli/t-quarantine*.sh.
 *
 *	vault-tool put VAULT PATH [THREAT [SCAN-ID [SHA256]]]
 *	vault-tool quarantine VERB [OPTIONS]
 *
 * put quarantines one file with vault_put(), as the scanner will, and
 * prints the new entry id; exit status 0 done, 1 error, 3 the file
 * changed (VAULT_CHANGED), 4 refused (VAULT_REFUSED).  quarantine is
 * `mdescan threat quarantine` (the same cmd_quarantine), without the
 * engine's libraries to load: the crash test runs it hundreds of times.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h" /* cmd_quarantine() */
#include "vault.h"

static int put(int argc, char **argv)
{
	struct vault_meta m = { 0 };
	char id[VAULT_ID_LEN + 1], err[4096];
	int rc;

	m.threat = argc > 2 ? argv[2] : NULL;
	m.scan_id = argc > 3 ? argv[3] : NULL;
	m.sha256 = argc > 4 ? argv[4] : NULL;
	rc = vault_put(argv[0], argv[1], -1, &m, id, sizeof id, err,
		       sizeof err);
	if (rc != VAULT_OK) {
		fprintf(stderr, "vault-tool: %s\n", err);
		return rc == VAULT_CHANGED ? 3 : rc == VAULT_REFUSED ? 4 : 1;
	}
	puts(id);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && argc <= 7 && !strcmp(argv[1], "put"))
		return put(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "quarantine"))
		return cmd_quarantine(argc - 2, argv + 2);
	fputs("usage: vault-tool put VAULT PATH [THREAT [SCAN-ID [SHA256]]]\n"
	      "       vault-tool quarantine VERB [OPTIONS]\n", stderr);
	return 2;
}
