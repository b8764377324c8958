#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-clamav-defects.sh - the clamscan 1.4 defects the differential test
# found (doc/clamav-signatures.md, "clamscan defects"), one check each:
# what clamscan does, when it is installed, and what mdescan does.
#  1. macro subsignatures crash clamscan (SIGSEGV) for some group numbers
#     and files: mdescan loads and scans them;
#  2. a macro is only counted once the subsignature before it matched
#     twice: mdescan counts it the same way, clamscan being the judge;
#  3. a Mach-O whose first load command is broken crashes clamscan when a
#     signature with a section offset is loaded: mdescan reads it;
#  5. on normalised text a PCRE offset is counted from where clamscan's
#     prefilter started the scan: mdescan counts it from the text's start.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

D=$T/db
mkdir -p "$D" "$T/f"
CLAM=$(command -v clamscan || true)

# clam DB FILE: clamscan's exit status (a signal as 128 + n).
clam() {
	"$CLAM" --no-summary -d "$1" "$2" >"$T/clam.out" 2>&1 && return 0
	return $?
}

# hexs TEXT: the hex of TEXT.
hexs() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

step "1. macro group 24: clamscan crashes, mdescan scans"
printf 'Test.Macro24;Engine:51-255,Target:0;0&1;%s;${6-8}24$\n' \
	"$(hexs ABCDEF)" >"$D/m.ldb"
printf 'Test.Macro24_m:0:$24:%s\n' "$(hexs 'XYZ[')" >"$D/m.ndb"
printf 'head ABCDEF XYZ[ ABCDEF XYZ[ tail\n' >"$T/f/m1"
if [ -n "$CLAM" ]; then
	rc=0
	clam "$D" "$T/f/m1" || rc=$?
	[ "$rc" -gt 128 ] && step "clamscan: killed by signal $((rc - 128))" ||
		step "clamscan: status $rc (this clamscan is fixed)"
fi
expect_exit 1 mds --no-cache --no-history --no-syslog -d "$D" "$T/f/m1"
out_has_line "$T/f/m1: Test.Macro24 FOUND"

step "2. a macro needs two matches of the subsignature before it"
printf 'Test.Macro1;Engine:51-255,Target:0;0&1;%s;${6-8}1$\n' \
	"$(hexs ABCDEF)" >"$D/m.ldb"
printf 'Test.Macro1_m:0:$1:%s\n' "$(hexs 'XYZ[')" >"$D/m.ndb"
printf 'xABCDEF\001XYZ[\n' >"$T/f/once"
printf 'xABCDEF\001XYZ[ABCDEF\001XYZ[\n' >"$T/f/twice"
if [ -n "$CLAM" ]; then
	clam "$D" "$T/f/once" || true
	grep -q 'once: OK' "$T/clam.out" || fail "clamscan changed: $(cat "$T/clam.out")"
	clam "$D" "$T/f/twice" || true
	grep -q 'Test.Macro1.UNOFFICIAL FOUND' "$T/clam.out" ||
		fail "clamscan changed: $(cat "$T/clam.out")"
fi
expect_exit 0 mds --no-cache --no-history --no-syslog -d "$D" "$T/f/once"
expect_exit 1 mds --no-cache --no-history --no-syslog -d "$D" "$T/f/twice"
out_has_line "$T/f/twice: Test.Macro1 FOUND"

step "3. a Mach-O with a broken load command and an SL+n signature"
rm -f "$D"/*
printf 'Test.MachO.SL:9:SL+4:%s\n' "$(hexs QZMACHO)" >"$D/o.ndb"
python3 - "$T/f/macho" <<'PY'
import struct, sys
hdr = struct.pack('<IiiIIII', 0xfeedfacf, 0x01000007, 3, 2, 2, 584, 0)
hdr += b'\0' * 4 + struct.pack('<II', 0x2d, 232) + b'\x41' * 600
open(sys.argv[1], 'wb').write(hdr + b'QZMACHO' * 4)
PY
if [ -n "$CLAM" ]; then
	rc=0
	clam "$D" "$T/f/macho" || rc=$?
	step "clamscan: status $rc"
fi
expect_exit 0 mds --no-cache --no-history --no-syslog -d "$D" "$T/f/macho"
out_has_line "$T/f/macho: OK"

step "5. a PCRE offset on normalised text, the trigger early and late"
rm -f "$D"/*
printf 'Test.PcreOff;Engine:81-255,Target:0;0&1;%s;120:0/^alpha/\n' \
	"$(hexs amm)" >"$D/p.ldb"
# 119 bytes, two spaces, "alpha": at 121 raw, at 120 normalised; the
# trigger "amm" at 5 (early) or at 200 (late)
python3 - "$T/f/early" "$T/f/late" <<'PY'
import sys
for path, at in zip(sys.argv[1:], (5, 200)):
    b = bytearray(b'Y' * 119 + b'  alpha ' + b'z' * 170)
    b[at:at + 3] = b'amm'
    open(path, 'wb').write(bytes(b))
PY
if [ -n "$CLAM" ]; then
	clam "$D" "$T/f/early" || true
	grep -q 'Test.PcreOff.UNOFFICIAL FOUND' "$T/clam.out" ||
		fail "clamscan changed: $(cat "$T/clam.out")"
	clam "$D" "$T/f/late" || true
	grep -q 'late: OK' "$T/clam.out" ||
		step "clamscan: $(cat "$T/clam.out") (this clamscan is fixed)"
fi
for f in early late; do
	expect_exit 1 mds --no-cache --no-history --no-syslog -d "$D" "$T/f/$f"
	out_has_line "$T/f/$f: Test.PcreOff FOUND"
done
