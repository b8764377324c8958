#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-history-outcome.sh - issue 16 item 4: the history follows every
# outcome.  A failed scan (a PATH that does not exist: 0 files, exit 2) is
# recorded as failed and health then finds no successful scan;
# `threat quarantine remove` and `purge` make the threats removed.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null 2>&1 || skip "jq is needed"

Q=$T/vault

step "mdescan /nonexistent: exit 2, recorded as failed, health: no successful scan"
expect_exit 2 mds "$T/nonexistent"
expect_exit 0 mds scan list --json
[ "$(jq -r '.[0].status' "$OUT")" = failed ] || { show_output; fail "a failed scan recorded as $(jq -r '.[0].status' "$OUT")"; }
expect_exit 1 mds health --quarantine-dir "$Q"
grep -q 'no successful scan recorded' "$OUT" || { show_output; fail "health raises no 'scan due'"; }

step "a clean scan is still recorded as succeeded"
mkdir -p "$T/clean"
printf 'x\n' >"$T/clean/a.txt"
expect_exit 0 mds "$T/clean"
expect_exit 0 mds scan list --json
[ "$(jq -r '.[0].status' "$OUT")" = succeeded ] || { show_output; fail "clean scan"; }

step "threat quarantine remove: the threat becomes removed"
mkdir -p "$T/a"
make_eicar "$T/a/eicar.com"
expect_exit 1 mds --no-cache --action quarantine --quarantine-dir "$Q" "$T/a"
expect_exit 0 mds threat list --json
[ "$(jq -r '.[0].state' "$OUT")" = quarantined ] || { show_output; fail "not quarantined"; }
qid=$(jq -r '.[0].quarantine_id' "$OUT")
expect_exit 0 mds threat quarantine remove "$qid" --vault "$Q"
expect_exit 0 mds threat list --json
[ "$(jq -r '.[0].state' "$OUT")" = removed ] || { show_output; fail "remove left the threat $(jq -r '.[0].state' "$OUT")"; }

step "threat quarantine purge: the threats purged become removed"
make_eicar "$T/a/eicar.com"
expect_exit 1 mds --no-cache --action quarantine --quarantine-dir "$Q" "$T/a"
expect_exit 0 mds threat list --json
[ "$(jq -r '.[0].state' "$OUT")" = quarantined ] || { show_output; fail "not quarantined"; }
expect_exit 0 mds threat quarantine purge --older-than 0 --vault "$Q"
grep -q 'purged 1 entry' "$OUT" || { show_output; fail "nothing purged"; }
expect_exit 0 mds threat list --json
[ "$(jq -r '[.[] | select(.state != "removed")] | length' "$OUT")" = 0 ] ||
	{ show_output; fail "purge left threats not removed"; }
exit 0
