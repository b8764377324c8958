#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-quarantine-add.sh - `mdescan threat quarantine add THREAT_ID` (mdatp's
# `threat quarantine add --id`): a threat a scan only reported is
# quarantined after the fact, the history follows (state quarantined, its
# vault id), and restore brings it back byte for byte.  Refused, exit 2
# with the threat named: an unknown id, one no longer only detected, a
# file changed since it was detected, a file gone.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DB=$T/h.db Q=$T/q
mkdir -p "$T/a" "$T/b" "$T/c"
make_eicar "$T/a/eicar.com"
make_eicar "$T/b/eicar.com"
make_eicar "$T/c/eicar.com"
expect_exit 1 mds --no-cache --history-db "$DB" --quarantine-dir "$Q" "$T/a" "$T/b" "$T/c"
[ -e "$T/a/eicar.com" ] || fail "the default action moved the file"

# tid DIR: the threat id of DIR/eicar.com in threat list --json
tid() {
	expect_exit 0 mds threat list --json --history-db "$DB"
	jq -r --arg p "/$1/eicar.com" '.[] | select(.path | endswith($p)) | .id' "$OUT"
}
A=$(tid a) B=$(tid b) C=$(tid c)
[ -n "$A" ] && [ -n "$B" ] && [ -n "$C" ] || { show_output; fail "threat ids"; }

step "add quarantines a reported threat"
expect_exit 0 mds threat quarantine add "$A" --history-db "$DB" --quarantine-dir "$Q"
VID=$(sed -n "s/^threat $A: quarantined as \([0-9a-f]\{32\}\)\$/\1/p" "$OUT")
[ -n "$VID" ] || { show_output; fail "no vault id printed"; }
[ ! -e "$T/a/eicar.com" ] || fail "the file is still in its place"
expect_exit 0 mds threat quarantine list --quarantine-dir "$Q"
grep -q "^$VID .*Eicar-Test-Signature" "$OUT" || { show_output; fail "not in quarantine list"; }
expect_exit 0 mds threat list --json --history-db "$DB"
[ "$(jq -r --argjson i "$A" '.[] | select(.id == $i) | "\(.state) \(.quarantine_id)"' "$OUT")" = "quarantined $VID" ] ||
	{ show_output; fail "threat list: not quarantined with its vault id"; }
expect_exit 0 mds threat list --history-db "$DB"
grep -Eq "^ *$A .* quarantined $VID +Eicar-Test-Signature " "$OUT" || { show_output; fail "threat list text"; }

step "the same threat again, an unknown one, no number: refused"
expect_exit 2 mds threat quarantine add "$A" --history-db "$DB" --quarantine-dir "$Q"
grep -q "threat $A: already quarantined as $VID" "$ERR" || { show_output; fail "again: message"; }
expect_exit 2 mds threat quarantine add 999 --history-db "$DB" --quarantine-dir "$Q"
grep -q "threat 999: no such threat" "$ERR" || { show_output; fail "unknown: message"; }
expect_exit 2 mds threat quarantine add "$VID" --history-db "$DB" --quarantine-dir "$Q"
grep -q "not a threat id: $VID" "$ERR" || { show_output; fail "vault id: message"; }
expect_exit 2 mds threat quarantine add 1 --history-db "$T/none.db" --quarantine-dir "$Q"
grep -q "threat 1: no such threat" "$ERR" || { show_output; fail "no history: message"; }
[ ! -e "$T/none.db" ] || fail "a history was made for nothing"
expect_exit 2 mds threat quarantine list --id "$A" --quarantine-dir "$Q"

step "restore by the vault id brings the same bytes back"
expect_exit 0 mds threat quarantine restore "$VID" --history-db "$DB" --quarantine-dir "$Q"
[ "$(md5sum <"$T/a/eicar.com" | cut -d' ' -f1)" = "$EICAR_MD5" ] || fail "not restored byte for byte"
expect_exit 2 mds threat quarantine add --id "$A" --history-db "$DB" --quarantine-dir "$Q"
grep -q "threat $A: not quarantined: it is restored" "$ERR" || { show_output; fail "restored: message"; }

step "a file changed since it was detected, a file gone: refused"
printf 'x' >>"$T/b/eicar.com"
expect_exit 2 mds threat quarantine add --id "$B" --history-db "$DB" --quarantine-dir "$Q"
grep -q "threat $B: .*/b/eicar.com: changed since it was detected" "$ERR" || { show_output; fail "changed: message"; }
[ -e "$T/b/eicar.com" ] || fail "the changed file was moved"
rm "$T/c/eicar.com"
expect_exit 2 mds threat quarantine add --id "$C" --history-db "$DB" --quarantine-dir "$Q"
grep -q "threat $C: .*/c/eicar.com: the file is gone" "$ERR" || { show_output; fail "gone: message"; }
expect_exit 0 mds threat quarantine list --json --quarantine-dir "$Q"
[ ! -s "$OUT" ] || { show_output; fail "a refused add left a vault entry"; }
expect_exit 0 mds threat list --json --history-db "$DB"
[ "$(jq -r '[.[] | .state] | sort | join(" ")' "$OUT")" = "detected detected restored" ] ||
	{ show_output; fail "a refused add changed the history"; }
exit 0
