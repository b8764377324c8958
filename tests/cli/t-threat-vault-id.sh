#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-threat-vault-id.sh - issue 16 item 7 (rest): "restore needs the vault
# id, which `threat list` does not show".  A quarantined threat's STATE
# in threat list's text table is followed by its vault id, which `threat
# quarantine restore` takes as typed; health and diagnostic take the old
# --db and --vault spellings too.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DB=$T/h.db Q=$T/q
mkdir -p "$T/a"
make_eicar "$T/a/eicar.com"
expect_exit 1 mds --no-cache --history-db "$DB" --quarantine-dir "$Q" --action quarantine "$T/a"
[ ! -e "$T/a/eicar.com" ] || fail "not quarantined"

step "threat list shows the vault id of the quarantined threat"
expect_exit 0 mds threat list --history-db "$DB"
head -n1 "$OUT" | grep -Eq '^ID +SCAN +DETECTED +ACTION +STATE +NAME +PATH$' || { show_output; fail "threat header"; }
VID=$(sed -n 's/^ *1 .* quarantine  *quarantined \([0-9a-f]\{32\}\)  *Eicar-Test-Signature  *.*$/\1/p' "$OUT")
[ -n "$VID" ] || { show_output; fail "no vault id after quarantined"; }
expect_exit 0 mds threat quarantine list --quarantine-dir "$Q"
grep -q "^$VID " "$OUT" || { show_output; fail "the id is not the vault's"; }

step "the id restores, as typed from threat list"
expect_exit 0 mds threat quarantine restore "$VID" --quarantine-dir "$Q" --history-db "$DB"
[ "$(md5sum <"$T/a/eicar.com" | cut -d' ' -f1)" = "$EICAR_MD5" ] || fail "not restored"
expect_exit 0 mds threat list --history-db "$DB"
grep -Eq '^ *1 .* restored +Eicar-Test-Signature ' "$OUT" || { show_output; fail "not restored in the history"; }
out_lacks "$VID"

step "health and diagnostic take --db and --vault as well"
expect_exit 1 mds health --db "$DB" --vault "$Q" --json
[ "$(jq -r .quarantine_items "$OUT" 2>/dev/null)" = 0 ] || { show_output; fail "health --vault"; }
expect_exit 0 mds health --help
grep -Fq -- '--history-db PATH, --db PATH' "$OUT" || { show_output; fail "health --help: --db"; }
grep -Fq -- '--quarantine-dir DIR, --vault DIR' "$OUT" || { show_output; fail "health --help: --vault"; }
exit 0
