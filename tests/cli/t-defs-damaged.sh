#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-defs-damaged.sh - issue 16 item 2: an installed bundle with one byte
# flipped (scans exit 2) is reported by `health` and `definitions status`
# as damaged, never as "none installed ... built-in definitions".
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@"; }

expect_exit 0 sig keygen -o "$T/k"
mkdir -p "$T/src" "$T/files"
cp "$TOPSRC/sigdb/eicar.hsb" "$T/src/"
expect_exit 0 sig build --version 10 --key "$T/k.sec" -o "$T/v10.mdb" "$T/src"
ST=$T/store
expect_exit 0 mds definitions update --store "$ST" --keys "$T/k.pub" --from "$T/v10.mdb"
expect_exit 0 mds definitions status --store "$ST"
grep -q '^version: *10' "$OUT" || { show_output; fail "v10 not installed"; }

step "one byte flipped in the installed bundle: scans exit 2"
B=$(readlink -f "$ST/current")
python3 - "$B" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-1] ^= 0xff  # the last part's data: its SHA-256 no longer matches
open(p, "wb").write(bytes(b))
PY
printf 'clean\n' >"$T/files/a.txt"
expect_exit 2 mds --no-cache --store "$ST" --keys "$T/k.pub" "$T/files"

step "mdescan definitions status: damaged, exit 1"
expect_exit 1 mds definitions status --store "$ST"
grep -q 'DAMAGED' "$OUT" || { show_output; fail "status does not say damaged"; }
grep -q 'none installed\|built-in' "$OUT" && { show_output; fail "status says none installed"; }
expect_exit 1 mds definitions status --json --store "$ST"
[ "$(jq -r .definitions_status "$OUT")" = damaged ] || { show_output; fail "JSON status"; }

step "mdescan health: not healthy, definitions damaged"
expect_exit 1 mds health --store "$ST"
grep -q 'damaged' "$OUT" || { show_output; fail "health does not say damaged"; }
grep -q 'no definitions installed\|built-in' "$OUT" && { show_output; fail "health says none installed"; }
expect_exit 1 mds health --store "$ST" --keys "$T/k.pub" --field definitions_status
[ "$(cat "$OUT")" = '"damaged"' ] || { show_output; fail "health field"; }
exit 0
