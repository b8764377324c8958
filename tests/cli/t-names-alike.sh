#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-names-alike.sh - issue 16 item 7: one thing, one name on every verb.
# The history is --history-db and the vault --quarantine-dir everywhere
# (the scans' names); the old --db and --vault stay as aliases.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null 2>&1 || skip "jq is needed"

DB=$T/h.db Q=$T/q
mkdir -p "$T/a"
make_eicar "$T/a/eicar.com"
expect_exit 1 mds --no-cache --history-db "$DB" --quarantine-dir "$Q" --action quarantine "$T/a"

step "scan list / threat list / threat get --history-db, as --db"
for o in --history-db --db; do
	expect_exit 0 mds scan list --json "$o" "$DB"
	[ "$(jq length "$OUT")" = 1 ] || { show_output; fail "scan list $o"; }
	expect_exit 0 mds threat list --json "$o" "$DB"
	[ "$(jq -r '.[0].name' "$OUT")" = Eicar-Test-Signature ] || { show_output; fail "threat list $o"; }
	expect_exit 0 mds threat get 1 "$o" "$DB"
done

step "threat quarantine list --quarantine-dir, as --vault"
for o in --quarantine-dir --vault; do
	expect_exit 0 mds threat quarantine list "$o" "$Q"
	grep -Fq "$T/a/eicar.com" "$OUT" || { show_output; fail "quarantine list $o"; }
done
step "health takes the same names"
expect_exit 1 mds health --history-db "$DB" --quarantine-dir "$Q" --json
[ "$(jq -r .quarantine_items "$OUT")" = 1 ] || { show_output; fail "health --quarantine-dir"; }
exit 0
