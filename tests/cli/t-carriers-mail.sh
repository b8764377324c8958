#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-carriers-mail.sh - the mail group's carriers (issue 19): every fixture
# tests/carriers/mk_mail.sh builds (mail edge cases, TNEF, BinHex, CHM,
# SZDD, KWAJ, ARJ, ZIP Deflate64 and Implode, ar) is scanned, and each
# payload (EICAR by its hash, the body marker by an .ndb signature) is
# reported with its full layer chain.  Hostile cases (a TNEF attachment
# claiming 4 GB, an ARJ bomb, KWAJ and SZDD claiming huge sizes) end
# within the limits in under 30 s and 512 MB, reported by limit name.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CAR=$TOPSRC/tests/carriers
F=$T/f
S=$CAR/sigs

step "fixtures: mk_mail.sh"
sh "$CAR/payload.sh" "$T/pay" || fail "payload.sh failed"
sh "$CAR/mk_mail.sh" "$F" "$T/pay" 2>"$T/skips" || fail "mk_mail.sh failed"
[ -s "$T/skips" ] && step "skipped: $(tr '\n' ' ' <"$T/skips")"

step "every payload with its layers"
expect_exit 1 mds -z --json --no-cache --no-history -d "$S" "$F"
python3 - "$OUT" "$F" <<'PY' || fail "payloads missing (above)"
import json, os, sys
out, top = sys.argv[1], sys.argv[2]
E, M = "Eicar-Test-Signature", "Mde.Test.CarrierMarker"
two = {E: ["eicar.com"], M: ["marker.bin"]}
want = {
    "ar-bsd-python.a": {E: ["eicar.com"],
                        M: ["marker_with_a_long_bsd_name.bin"]},
    "ar-gnu-binutils.a": two,
    "ar-staticlib-binutils.a": {E: ["eicar.com"],
                                M: ["a_member_name_longer_than_16.bin"]},
    "arj-arj-m1.arj": two, "arj-arj-m4.arj": two,
    "binhex-mkbinhex.hqx": {E: ["eicar.com"], M: ["eicar.com.rsrc"]},
    "chm-chmcmd.chm": two,
    "kwaj-lzss-mkmscomp.kwj": {M: ["marker.bin"]},
    "kwaj-mszip-mkmscomp.kwj": {E: ["eicar.com"]},
    "mail-attach-python.eml": two,
    "mail-binhex-python.eml": {E: ["eicar.hqx", "eicar.com"],
                               M: ["eicar.hqx", "eicar.com.rsrc"]},
    "mail-comments-handwritten.eml": two,
    "mail-encoded-word-handwritten.eml": two,
    "mail-junk-header-handwritten.eml": two,
    "mail-multi-ct-handwritten.eml": two,
    "mail-odd-boundary-handwritten.eml": two,
    "mail-rfc2231-handwritten.eml": two,
    "mail-rfc2231-python.eml": {
        E: ["Rechnung-" + "\u00e4" * 30 + "-eicar.com"],
        M: ["marker.bin"]},
    "mail-tnef-python.eml": {E: ["winmail.dat", "eicar.com"],
                             M: ["winmail.dat", "marker.bin"]},
    "mail-uuencode-python.eml": two,
    "szdd-mscompress.co_": {E: ["szdd-mscompress.co"]},
    "szdd-qbasic-mkmscomp.bi_": {M: ["szdd-qbasic-mkmscomp.bi"]},
    "tnef-mktnef.dat": two, "tnef-unicode-mktnef.dat": two,
    "zip-deflate64-7z.zip": two, "zip-implode-mkimplode.zip": two,
}
got = set()
for line in open(out, encoding="utf-8"):
    ev = json.loads(line)
    if ev.get("type") == "finding":
        got.add((os.path.basename(ev["path"]), ev["name"],
                 tuple(ev.get("layers") or [])))
bad = 0
for fx, names in sorted(want.items()):
    if not os.path.exists(os.path.join(top, fx)):
        continue   # its tool is missing: mk_mail.sh said so
    for name, layers in names.items():
        if (fx, name, tuple(layers)) not in got:
            print("missing: %s//%s: %s" % (fx, "//".join(layers), name))
            bad += 1
extra = sorted(set(os.listdir(top)) - set(want))
if extra:
    print("fixtures without expectations: %s" % " ".join(extra))
    bad += 1
sys.exit(1 if bad else 0)
PY

# ------------------------------------------------------------- hostile
MDS_TIMEOUT=${MDS_HOSTILE_TIMEOUT:-30}
H=$T/h
mkdir -p "$H"
HAVE_TIME=
[ -x /usr/bin/time ] && HAVE_TIME=1

# hrun FILE: mdescan --json on FILE within 30 s and 512 MB, status 0 or
# 1; the time and peak RSS are logged.
hrun() {
	local kb secs
	if [ -n "$HAVE_TIME" ]; then
		/usr/bin/time -o "$T/.rss" -f '%M %e' timeout -k 5 "$MDS_TIMEOUT" \
			"$MDESCAN" -z --json --no-cache --no-history -d "$S" "$1" \
			>"$OUT" 2>"$ERR" && RC=0 || RC=$?
	else
		timeout -k 5 "$MDS_TIMEOUT" "$MDESCAN" -z --json --no-cache \
			--no-history -d "$S" "$1" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	fi
	[ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] ||
		{ show_output; fail "timed out after $MDS_TIMEOUT s: $1"; }
	[ "$RC" -le 1 ] || { show_output; fail "status $RC: $1"; }
	[ -n "$HAVE_TIME" ] || return 0
	read -r kb secs <"$T/.rss"
	step "${1##*/}: ${secs} s, peak RSS $((kb / 1024)) MB"
	[ "$kb" -lt $((512 * 1024)) ] || fail "peak RSS $((kb / 1024)) MB: $1"
}

step "hostile: a TNEF attachment claiming 4 GB"
python3 "$CAR/mktnef.py" "$H/claim.dat" --claim 4294967295 "$T/pay/eicar.com"
hrun "$H/claim.dat"
jcheck 1 type=skipped reason="limit: max-member-size"
jflush

step "hostile: KWAJ and SZDD claiming 4 GB"
python3 "$CAR/mkmscomp.py" kwaj "$H/claim.kwj" "$T/pay/eicar.com" --method 0 \
	--claim 4000000000
hrun "$H/claim.kwj"
jcheck 1 type=skipped reason="limit: max-member-size"
jflush
python3 "$CAR/mkmscomp.py" szdd "$H/claim.ex_" "$T/pay/eicar.com" \
	--claim 4000000000
hrun "$H/claim.ex_"
jcheck 1 type=skipped reason="limit: max-member-size"
jflush

if command -v arj >/dev/null 2>&1; then
	step "hostile: an ARJ bomb (64 MB of zeros in 2 KB)"
	head -c $((64 << 20)) /dev/zero >"$H/zeros.bin"
	(cd "$H" && arj a -m1 -y bomb.arj zeros.bin >/dev/null)
	rm -f "$H/zeros.bin"
	hrun "$H/bomb.arj"
	jcheck 1 type=finding name=Heuristic.ArchiveBomb reason="limit: max-ratio"
	jflush
fi

step "hostile: a KWAJ MSZIP bomb (64 MB of zeros)"
python3 - "$H/zeros.kwj" <<'PY'
import struct, sys, zlib
blocks = bytearray()
for k in range(2048):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    b = b"CK" + c.compress(bytes(32768)) + c.flush()
    blocks += struct.pack("<H", len(b)) + b
open(sys.argv[1], "wb").write(b"KWAJ\x88\xf0\x27\xd1" +
    struct.pack("<HHHI", 4, 18, 1, 64 << 20) + bytes(blocks) + b"\0\0")
PY
hrun "$H/zeros.kwj"
jcheck 1 type=finding name=Heuristic.ArchiveBomb reason="limit: max-ratio"
jflush

exit 0
