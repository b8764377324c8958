#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-clamav-airgap.sh - issue 18: ClamAV databases carried to an air-gapped
# server in signed bundles, end to end, on databases built here
# (mkcvd.py):
#   the connected side: a freshclam-like directory (a .cvd, a newer .cld
#   of the same name, a .cud) goes through `mdesig build`, which verifies
#   each database as the scanner does: the .cvd is left out as older, the
#   .cld and .cvd, signed by no ClamAV key, are refused naming the file
#   and the reason, never passed over; a tampered .cud is refused too;
#   the good .cud databases are bundled, named with their versions;
#   then `mdesig mirror`;
#   the air-gapped side: `definitions update` of an isolated store from
#   the mirror, a scan finding what the ClamAV signatures find (the same
#   as loading the .cud files directly), `definitions status` (text and
#   JSON) and `-V` naming each database and version, a second update
#   (a delta) and `definitions rollback` back to the first set.
# Databases signed by ClamAV's own keys cannot be made here: their
# verification is tested with test keys in tests/unit/test_cvd.c.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@"; }
MK=$TOPSRC/tests/cli/mkcvd.py
S=$T/sigs
F=$T/files
FC=$T/freshclam
mkdir -p "$S" "$F" "$FC"

# An EICAR-like test string, made here: what one ClamAV body signature
# finds; a file with a known MD5 for a hash signature; one for a later
# database only; and a clean file.
pattern=Airgap-Test-Pattern-0042
printf 'xx%sxx' "$pattern" >"$F/pattern.bin"
printf 'airgap hash fixture\n' >"$F/hashed.bin"
printf 'xx%sxx' Airgap-Daily-Pattern-7 >"$F/daily.bin"
printf 'clean\n' >"$F/clean.txt"
printf 'Airgap.Test.Pattern:0:*:%s\n' "$(hex "$pattern")" >"$S/main.ndb"
printf '%s:%s:Airgap.Test.Hash\n' "$(md5sum "$F/hashed.bin" | cut -d' ' -f1)" \
	"$(stat -c %s "$F/hashed.bin")" >"$S/main.hdb"
# read, counted, not run: what status reports as not run
printf 'R:.*\\.example\\.com([/?].*)?:.*\\.example\\.net([/?].*)?\n' \
	>"$S/main.pdb"
printf 'Airgap.Daily.Pattern:0:*:%s\n' "$(hex Airgap-Daily-Pattern-7)" \
	>"$S/daily.ndb"

# found_set DB...: the sorted FOUND lines of a scan of $F with DB.
found_set() {
	local args=() db
	for db in "$@"; do args+=(-d "$db"); done
	expect_exit 1 mds --no-cache --no-history --no-syslog --keys "$T/k.pub" \
		"${args[@]}" "$F"
	grep ' FOUND$' "$OUT" | sort
}

step "mdesig build verifies each ClamAV database as the scanner does"
expect_exit 0 sig keygen -o "$T/k"
python3 "$MK" --version 5 "$FC/daily.cvd" "$S/daily.ndb"
python3 "$MK" --version 6 --type cld "$FC/daily.cld" "$S/daily.ndb"
python3 "$MK" --version 3 --type cud "$FC/main.cud" \
	"$S/main.ndb" "$S/main.hdb" "$S/main.pdb"
# the newer (daily.cld) is the one imported: refused, being unsigned
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/fc.mdb" "$FC"
grep -qF "'$FC/daily.cld': refused: the .info has no DSIG line" "$ERR" ||
	{ show_output; fail "the unsigned .cld is not refused with its reason"; }
grep -qF "'$FC/daily.cvd'" "$ERR" && { show_output; fail "the older .cvd read"; }
[ ! -e "$T/fc.mdb" ] || fail "a bundle was written"
# a .cld older than the .cvd: the .cld is left out, said, and the .cvd
# imported (refused: unsigned)
mkdir -p "$T/fc0"
python3 "$MK" --version 7 "$T/fc0/daily.cvd" "$S/daily.ndb"
python3 "$MK" --version 5 --type cld "$T/fc0/daily.cld" "$S/daily.ndb"
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/fc.mdb" "$T/fc0"
grep -qF "$T/fc0/daily.cld:0: version 5, not newer than '$T/fc0/daily.cvd' (version 7): one database, not loaded" "$ERR" ||
	{ show_output; fail "the older .cld is not named"; }
grep -qF "'$T/fc0/daily.cvd': refused: the header's signature does not verify with ClamAV's key" "$ERR" ||
	{ show_output; fail "the unsigned .cvd is not refused with its reason"; }
[ ! -e "$T/fc.mdb" ] || fail "a bundle was written"
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/fc.mdb" \
	"$FC/daily.cvd"
grep -qF "'$FC/daily.cvd': refused: the header's signature does not verify with ClamAV's key" "$ERR" ||
	{ show_output; fail "the unsigned .cvd is not refused with its reason"; }
[ ! -e "$T/fc.mdb" ] || fail "a bundle was written"

step "a tampered database is refused by mdesig build, with the reason"
python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 0x01  # in the gzip trailer: after the header
open(sys.argv[2], "wb").write(b)' "$FC/main.cud" "$T/tampered.cud"
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/bad.mdb" \
	"$T/tampered.cud"
grep -qF "'$T/tampered.cud': refused: MD5 of the content differs from the header's" "$ERR" ||
	{ show_output; fail "the tampered .cud is not refused with its reason"; }
[ ! -e "$T/bad.mdb" ] || fail "a bundle was written"
# two databases of one name, named one by one
python3 "$MK" --version 4 --type cud "$T/main.cud" "$S/main.ndb"
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/bad.mdb" \
	"$FC/main.cud" "$T/main.cud"
grep -qF "'$T/main.cud': database 'main' is in the bundle already, from '$FC/main.cud'" "$ERR" ||
	{ show_output; fail "a second database of one name is not refused"; }

step "the good databases go into a signed bundle, named with their versions"
rm "$FC/daily.cvd" "$FC/daily.cld"
expect_exit 0 sig build --version 1 --key "$T/k.sec" -o "$T/v1.mdb" "$FC"
out_has_line "ClamAV database main.cud version 3, built 2026-12-07T03:25:36Z, 3 signatures (unofficial), not run: 1 phishing signatures (.pdb .gdb .wdb)"
expect_exit 0 sig info --json "$T/v1.mdb"
grep -qF '"clamav_databases":[{"name":"main.cud","version":3,"built":"2026-12-07T03:25:36Z","signatures":3,' "$OUT" ||
	{ show_output; fail "mdesig info --json: no database"; }
# mdesig list names the signatures inside the database too
expect_exit 0 sig list "$T/v1.mdb"
out_has_line "$(printf 'byte\tAirgap.Test.Pattern')"
out_has_line "$(printf 'hash\tAirgap.Test.Hash')"
# the second set: main.cud updated, a daily.cud added
mkdir -p "$T/fc2"
python3 "$MK" --version 4 --type cud "$T/fc2/main.cud" \
	"$S/main.ndb" "$S/main.hdb" "$S/main.pdb"
python3 "$MK" --version 7 --type cud "$T/fc2/daily.cud" "$S/daily.ndb"
expect_exit 0 sig build --version 2 --key "$T/k.sec" -o "$T/v2.mdb" "$T/fc2"
out_has_line "ClamAV database daily.cud version 7, built 2026-12-07T03:25:36Z, 1 signatures (unofficial)"

step "a bundle finds what its databases find loaded directly"
found_set "$FC/main.cud" >"$T/direct1"
found_set "$T/v1.mdb" >"$T/bundle1"
diff -u "$T/direct1" "$T/bundle1" || fail "v1 and main.cud disagree"
grep -qF "$F/pattern.bin: Airgap.Test.Pattern FOUND" "$T/bundle1" ||
	fail "the body signature found nothing"
grep -qF "$F/hashed.bin: Airgap.Test.Hash FOUND" "$T/bundle1" ||
	fail "the hash signature found nothing"
found_set "$T/fc2/main.cud" "$T/fc2/daily.cud" >"$T/direct2"
found_set "$T/v2.mdb" >"$T/bundle2"
diff -u "$T/direct2" "$T/bundle2" || fail "v2 and its databases disagree"

step "mirror, then update an isolated store from it (air-gapped side)"
M=$T/mirror
ST=$T/store
expect_exit 0 sig mirror --key "$T/k.sec" "$M" "$T/v1.mdb"
upd() { mds definitions update --store "$ST" --keys "$T/k.pub" --from "$M"; }
expect_exit 0 upd
out_has_line "definitions updated: version 1 ($(readlink -f "$ST/current"))"
scan_store() {
	expect_exit 1 mds --no-cache --no-history --no-syslog --store "$ST" \
		--keys "$T/k.pub" "$F"
	grep ' FOUND$' "$OUT" | sort
}
scan_store >"$T/store1"
diff -u "$T/direct1" "$T/store1" || fail "the store's v1 finds otherwise"
expect_exit 0 mds definitions status --store "$ST"
out_has_line "clamav:      main.cud version 3, built 2026-12-07T03:25:36Z, 3 signatures (unofficial), not run: 1 phishing signatures (.pdb .gdb .wdb)"
out_lacks "daily.cud"

step "a second set through the mirror (a delta), status and -V"
expect_exit 0 sig mirror --key "$T/k.sec" "$M" "$T/v2.mdb"
grep -q '^delta 1 2 delta/1-2.mdb ' "$M/index" ||
	{ cat "$M/index" >&2; fail "the mirror has no delta"; }
expect_exit 0 upd
out_has_line "definitions updated: version 2 ($(readlink -f "$ST/current"))"
scan_store >"$T/store2"
diff -u "$T/direct2" "$T/store2" || fail "the store's v2 finds otherwise"
grep -qF "$F/daily.bin: Airgap.Daily.Pattern FOUND" "$T/store2" ||
	fail "daily.cud's signature found nothing"
expect_exit 0 mds definitions status --store "$ST"
out_has_line "clamav:      main.cud version 4, built 2026-12-07T03:25:36Z, 3 signatures (unofficial), not run: 1 phishing signatures (.pdb .gdb .wdb)"
out_has_line "clamav:      daily.cud version 7, built 2026-12-07T03:25:36Z, 1 signatures (unofficial)"
expect_exit 0 mds definitions status --json --store "$ST"
python3 - "$OUT" <<'EOF' || { show_output; fail "status --json: databases"; }
import json, sys
st = json.load(open(sys.argv[1]))
dbs = {d["name"]: d for d in st["clamav_databases"]}
assert st["version"] == 2, st
assert dbs["main.cud"]["version"] == 4 and dbs["daily.cud"]["version"] == 7
assert dbs["main.cud"]["signatures"] == 3 and not dbs["main.cud"]["official"]
assert dbs["main.cud"]["not_run"] == [
    {"what": "phishing signatures (.pdb .gdb .wdb)", "count": 1}], dbs
assert dbs["daily.cud"]["not_run"] == [], dbs
EOF
expect_exit 0 mds --store "$ST" -V
out_has_line "ClamAV database daily.cud version 7, built 2026-12-07T03:25:36Z, 1 signatures (unofficial)"

# the container limits hold for a database in a bundle too
expect_exit 2 mds --no-cache --no-history --no-syslog --store "$ST" \
	--keys "$T/k.pub" --clamav-db-max-files 1 "$F"
grep -qF "'src/main.cud': refused: more than 1 members (the limit)" "$ERR" ||
	{ show_output; fail "the limit does not name the bundled database"; }

step "rollback returns the store to the first set"
expect_exit 0 mds definitions rollback --store "$ST" --keys "$T/k.pub"
out_has_line "definitions rolled back: version 1 ($(readlink -f "$ST/current"))"
scan_store >"$T/store1b"
diff -u "$T/direct1" "$T/store1b" || fail "after the rollback the store finds otherwise"
grep -qF "$F/daily.bin" "$T/store1b" && fail "daily.cud still loaded"
expect_exit 0 mds definitions status --store "$ST"
out_has_line "clamav:      main.cud version 3, built 2026-12-07T03:25:36Z, 3 signatures (unofficial), not run: 1 phishing signatures (.pdb .gdb .wdb)"
out_lacks "daily.cud"
exit 0
