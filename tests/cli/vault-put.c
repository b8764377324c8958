/*
 * vault-put.c - test helper: quarantines one file with vault_put(), as
 * the scanner will, for tests/cli/t-quarantine*.sh.
 *
 *	vault-put VAULT PATH [THREAT [SCAN-ID [SHA256]]]
 *
 * Prints the new entry id.  Exit status: 0 done, 1 error, 3 the file
 * changed (VAULT_CHANGED), 4 refused (VAULT_REFUSED).
 */
#include "config.h"

#include <stdio.h>

#include "vault.h"

int main(int argc, char **argv)
{
	struct vault_meta m = { 0 };
	char id[VAULT_ID_LEN + 1], err[4096];
	int rc;

	if (argc < 3 || argc > 6) {
		fputs("usage: vault-put VAULT PATH [THREAT [SCAN-ID "
		      "[SHA256]]]\n", stderr);
		return 2;
	}
	m.threat = argc > 3 ? argv[3] : NULL;
	m.scan_id = argc > 4 ? argv[4] : NULL;
	m.sha256 = argc > 5 ? argv[5] : NULL;
	rc = vault_put(argv[1], argv[2], -1, &m, id, sizeof id, err,
		       sizeof err);
	if (rc != VAULT_OK) {
		fprintf(stderr, "vault-put: %s\n", err);
		return rc == VAULT_CHANGED ? 3 : rc == VAULT_REFUSED ? 4 : 1;
	}
	puts(id);
	return 0;
}
