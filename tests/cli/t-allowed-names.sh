#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-allowed-names.sh - issue 16 item 8: "allowing a threat by the name a
# scan printed (`threat allowed add Eicar-Test-Signature`) does not clear
# the file (a second signature name matches)".  The built-in definitions
# match EICAR by two names (its SHA-256, Eicar-Test-Signature, and its
# bytes, Eicar-Signature).  A file is reported under a name still in
# force, first, before the names allowed: each `threat allowed add` with
# the name printed first makes progress, and once every name printed is
# allowed the file is clear.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

F=$T/a/eicar.com
mkdir -p "$T/a"
make_eicar "$F"
: >"$MDESCAN_CONF"

first_line() { # the first result line about $F
	grep -F -m1 "$F: " "$OUT" || true
}

step "a scan prints the EICAR file under its first name"
expect_exit 1 mds --no-cache --no-summary "$F"
[ "$(first_line)" = "$F: Eicar-Test-Signature FOUND" ] || { show_output; fail "first scan"; }

step "--allmatch lists every name the file matches"
expect_exit 1 mds --no-cache --no-summary --allmatch "$F"
[ "$(cat "$OUT")" = "$F: Eicar-Test-Signature FOUND
$F: Eicar-Signature FOUND" ] || { show_output; fail "--allmatch: both names"; }
expect_exit 0 mds threat allowed --help
grep -Fq 'mdescan --allmatch PATH' "$OUT" || { show_output; fail "threat allowed --help"; }

step "the exact command: threat allowed add Eicar-Test-Signature"
expect_exit 0 mds threat allowed add Eicar-Test-Signature
expect_exit 1 mds --no-cache --no-summary "$F"
# the name still in force first, the allowed one after it
[ "$(first_line)" = "$F: Eicar-Signature FOUND" ] || { show_output; fail "the first line names an allowed threat"; }
out_has_line "$F: Eicar-Test-Signature ALLOWED"
[ "$(grep -c " FOUND$" "$OUT")" = 1 ] || { show_output; fail "one threat in force"; }
expect_exit 1 mds --no-cache --no-summary --json "$F"
python3 - "$OUT" "$F" <<'PY' || { show_output; fail "JSON: the threat in force first"; }
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
f = [o for o in objs if o.get("type") == "finding" and o.get("path") == sys.argv[2]]
assert [(o["name"], o.get("allowed", False)) for o in f] == \
    [("Eicar-Signature", False), ("Eicar-Test-Signature", True)], f
PY

step "allowing the name printed next clears the file"
expect_exit 0 mds threat allowed add Eicar-Signature
expect_exit 0 mds --no-cache --no-summary "$F"
out_lacks " FOUND"
out_has_line "$F: Eicar-Test-Signature ALLOWED"
out_has_line "$F: Eicar-Signature ALLOWED"

expect_exit 0 mds --no-cache --no-summary --allmatch "$F"
out_lacks " FOUND"

step "with the cache too (the allowed list is part of its key)"
expect_exit 0 mds --no-summary "$F"
expect_exit 0 mds --no-summary "$F"
out_lacks " FOUND"
exit 0
