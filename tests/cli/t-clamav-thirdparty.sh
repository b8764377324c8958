#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-clamav-thirdparty.sh - ClamAV signatures written by other people
# (tests/clamav/thirdparty/, sources in tests/clamav/README.md) load with
# no line rejected, and give clamscan's findings on a clean tree (this
# source tree) and on files made to hold some of their patterns.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

TP=$TOPSRC/tests/clamav/thirdparty
F=$T/files
mkdir -p "$F"

step "every line loads: no diagnostic"
expect_exit 0 mds --no-cache --no-history --no-syslog -d "$TP" "$TP"
grep -q '^mdescan: .*thirdparty' "$ERR" && { show_output; fail "lines rejected"; }

step "files holding their patterns"
# written with escapes: this script must not look like what it tests
printf 'header\n<?php \145val(\142ase64_decode("aGVsbG8="));\n' >"$F/inject.php"
printf 'x\n#define FAKENAME "/sbin/syslogd"\n' >"$F/tsunami.c"
python3 - "$F/nyan.exe" <<'PY'
import struct, sys
b = bytearray(0x800)
b[0:2] = b'MZ'
struct.pack_into('<I', b, 0x3c, 0x40)
b[0x40:0x44] = b'PE\0\0'
pat = bytes.fromhex('0050726f6772616d004c6f61646572004e79616e00')
b[0x300:0x300 + len(pat)] = pat
open(sys.argv[1], 'wb').write(b)
PY
cp -r "$TOPSRC/lib" "$F/clean-lib"
expect_exit 1 mds --no-cache --no-history --no-syslog -z -d "$TP" "$F"
sort -u "$OUT" | grep FOUND >"$T/mde" || true
out_has_line "$F/inject.php: {HEX}base64.inject.unclassed.7 FOUND" "$T/mde"
out_has_line "$F/tsunami.c: {HEX}c.ircbot.tsunami.8 FOUND" "$T/mde"
out_has_line "$F/nyan.exe: ditekSHen.INDICATOR.Packed.NyanXCAT-CSharpLoader FOUND" "$T/mde"

if command -v clamscan >/dev/null; then
	step "the same findings as clamscan"
	clamscan --no-summary -i -r --allmatch -d "$TP" "$F" 2>/dev/null |
		sort -u >"$T/clam-raw" || true
	sed "s/\\.UNOFFICIAL FOUND\$/ FOUND/" "$T/clam-raw" | sort -u >"$T/clam"
	diff -u "$T/clam" "$T/mde" || fail "mdescan and clamscan differ"

	step "with --unofficial-names: clamscan's names, suffix included"
	expect_exit 1 mds --no-cache --no-history --no-syslog -z \
		--unofficial-names -d "$TP" "$F"
	sort -u "$OUT" | grep FOUND >"$T/mde-u" || true
	diff -u "$T/clam-raw" "$T/mde-u" ||
		fail "mdescan --unofficial-names and clamscan name differently"
fi
