#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-preselect.sh - YARA rule pre-selection gives the same findings as
# scanning every file with every rule, on PE-, ELF- and size-gated rules,
# rules with a top-level `or`, rules that refer to other rules, and
# private rules.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

R=$T/rules
D=$T/files
mkdir -p "$R" "$D"
cat >"$R/gated.yar" <<'YAR'
import "pe"
rule Mz_Marker { strings: $m = "MARKER" condition: uint16(0) == 0x5A4D and $m }
rule Elf_Marker { strings: $m = "MARKER" condition: uint32(0) == 0x464C457F and $m }
rule Small_Marker { strings: $m = "MARKER" condition: filesize < 100 and $m }
rule Big_Marker { strings: $m = "MARKER" condition: filesize > 100KB and $m }
rule Or_Marker { strings: $m = "MARKER" condition: uint16(0) == 0x5A4D or $m }
rule Not_Mz { strings: $m = "MARKER" condition: not (uint16(0) == 0x5A4D) and $m }
rule Pe_Marker { strings: $m = "MARKER" condition: pe.is_pe and $m }
YAR
cat >"$R/refs.yar" <<'YAR'
private rule Has_Marker { strings: $m = "MARKER" condition: $m }
rule Elf_Ref { condition: uint32(0) == 0x464C457F and Has_Marker }
rule Any_Ref { condition: Has_Marker }
YAR
printf 'MZ MARKER' >"$D/mz-small"
{ printf 'MZ'; head -c 200000 /dev/zero | tr '\0' 'x'; printf 'MARKER'; } >"$D/mz-big"
{ cat /bin/true; printf 'MARKER'; } >"$D/elf"
printf 'text MARKER\n' >"$D/text"
{ head -c 200000 /dev/zero | tr '\0' 'y'; printf 'MARKER'; } >"$D/text-big"
printf 'nothing here\n' >"$D/clean"

findings() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "finding":
        print(o["path"].rsplit("/", 1)[1], o["name"])' "$OUT" | sort
}

step "findings with pre-selection equal those without"
expect_exit 1 mds -d "$R" -z --no-cache --json "$D"
findings >"$T/on"
expect_exit 1 mds -d "$R" -z --no-cache --no-preselect --json "$D"
findings >"$T/off"
diff -u "$T/off" "$T/on" >&2 || fail "pre-selection changed the findings"

step "the literal prefilter changes nothing either (on and off, with and without pre-selection)"
expect_exit 1 mds -d "$R" -z --no-cache --no-prefilter --json "$D"
findings >"$T/nopf"
diff -u "$T/on" "$T/nopf" >&2 || fail "--no-prefilter changed the findings"
expect_exit 1 mds -d "$R" -z --no-cache --no-prefilter --no-preselect --json "$D"
findings >"$T/none"
diff -u "$T/on" "$T/none" >&2 || fail "--no-prefilter --no-preselect changed the findings"
# a filterable set on its own (no private rules, no references): here the
# prefilter is really used, and wide / nocase / hex literals must still hit
F=$T/frules
mkdir -p "$F"
cat >"$F/lit.yar" <<'YAR'
rule Wide_Nocase { strings: $a = "WideMarker" wide nocase condition: $a }
rule Hex_Run { strings: $h = { 4D 41 ?? 4B [2-4] 45 52 52 55 4E } condition: $h }
rule Count_Two { strings: $a = "twice" condition: #a >= 2 }
rule Any_Of { strings: $a = "first-one" $b = "second-one" condition: any of them }
YAR
printf 'x\0W\0I\0D\0E\0m\0a\0r\0k\0e\0r\0' >"$D/wide"
printf 'MAxK--ERRUN' >"$D/hexrun"
printf 'twice and twice' >"$D/twice"
printf 'only twice' >"$D/once"
printf 'the second-one' >"$D/anyof"
expect_exit 1 mds -d "$F" -z --no-cache --json "$D"
findings >"$T/lit-on"
expect_exit 1 mds -d "$F" -z --no-cache --no-prefilter --json "$D"
findings >"$T/lit-off"
diff -u "$T/lit-off" "$T/lit-on" >&2 || fail "prefilter changed the findings of a filterable set"
for want in 'wide Wide_Nocase' 'hexrun Hex_Run' 'twice Count_Two' 'anyof Any_Of'; do
	grep -qx "$want" "$T/lit-on" || { cat "$T/lit-on" >&2; fail "missing: $want"; }
done
grep -qx 'once Count_Two' "$T/lit-on" && fail "unexpected: once Count_Two"

step "the prefilter's clauses, xor and base64 literals: the findings yara gives"
# each rule is filterable only through the clause its condition implies,
# or through literals derived from xor and base64 strings; yara is the
# judge, on files generated here with every key and alignment tried
C=$T/crules
K=$T/cfiles
mkdir -p "$C" "$K"
cat >"$C/clause.yar" <<'YAR'
rule All_Rarest { strings: $a = "common" $b = "RareMarker_7Qz" condition: all of them }
rule Two_Of_Three { strings: $a = "aa" $b = "Second_Marker_9" $c = "Third_Marker_9" condition: 2 of them }
rule Regex_Or { strings: $x = "Lit_Marker_5" $r = /re[0-9]+gex/ $s = "Side_Marker_5" condition: $x or ($r and $s) }
rule Xor_Range { strings: $a = "XorMarker_long" xor(0x01-0x40) condition: $a }
rule Xor_Wide { strings: $a = "XorWide_mark" xor wide ascii condition: $a }
rule B64 { strings: $a = "Base64_Marker!" base64 base64wide condition: $a }
rule B64_Wide { strings: $a = "B64Wide_Marker" wide base64 condition: $a }
rule B64_Alpha { strings: $a = "AlphaMarker_1" base64("!@#$%^&*(){}[].,|ABCDEFGHIJ\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu") condition: $a }
rule For_Loop { strings: $a = "Loop_Marker_A" $b = "Loop_Marker_B" condition: for all of them : ( # >= 1 ) }
YAR
python3 - "$K" <<'PY'
import base64, sys
d = sys.argv[1]
std = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
alpha = b"!@#$%^&*(){}[].,|ABCDEFGHIJ\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
def put(name, data):
    open("%s/%s" % (d, name), "wb").write(b"head " + data + b" tail")
put("all-both", b"common RareMarker_7Qz")
put("all-one", b"RareMarker_7Qz only")
put("two-of", b"aa Third_Marker_9")
put("one-of", b"Third_Marker_9")
put("regex-side", b"re42gex Side_Marker_5")
put("regex-only", b"re42gex")
for k in (0x01, 0x20, 0x40, 0x41):
    put("xor-%02x" % k, bytes(c ^ k for c in b"XorMarker_long"))
for k in (0x00, 0x7f, 0xff):
    put("xorw-%02x" % k, bytes(c ^ k for c in "XorWide_mark".encode("utf-16le")))
    put("xora-%02x" % k, bytes(c ^ k for c in b"XorWide_mark"))
for i in range(3):
    pre = b"Q" * i
    put("b64-%d" % i, base64.b64encode(pre + b"Base64_Marker!xy"))
    e = base64.b64encode(pre + b"Base64_Marker!")
    put("b64w-%d" % i, e.decode().encode("utf-16le"))
    put("b64u-%d" % i, base64.b64encode(pre + "B64Wide_Marker".encode("utf-16le")))
    e = base64.b64encode(pre + b"AlphaMarker_1z").translate(bytes.maketrans(std, alpha))
    put("b64a-%d" % i, e)
put("b64-cut", base64.b64encode(b"Base64_Marker")[:-3])
put("loop-both", b"Loop_Marker_A Loop_Marker_B")
put("loop-one", b"Loop_Marker_A")
PY
expect_exit 1 mds -d "$C" -z --no-cache --json "$K"
findings >"$T/c-on"
yara -r "$C/clause.yar" "$K" | while read -r rule path; do
	printf '%s %s\n' "${path##*/}" "$rule"
done | sort >"$T/c-yara"
diff -u "$T/c-yara" "$T/c-on" >&2 || fail "the prefilter's findings differ from yara's"
[ "$(wc -l <"$T/c-yara")" -ge 25 ] || { cat "$T/c-yara" >&2; fail "too few yara findings: the fixtures are wrong"; }

step "and they are the right ones"
for want in 'mz-small Mz_Marker' 'mz-big Big_Marker' 'elf Elf_Marker' \
    'elf Elf_Ref' 'text Small_Marker' 'text Not_Mz' 'text-big Big_Marker' \
    'mz-small Or_Marker' 'text Any_Ref'; do
	grep -qx "$want" "$T/on" || { cat "$T/on" >&2; fail "missing: $want"; }
done
for never in 'elf Mz_Marker' 'text Mz_Marker' 'mz-small Elf_Marker' \
    'mz-small Not_Mz' 'mz-small Pe_Marker' 'clean Any_Ref'; do
	grep -qx "$never" "$T/on" && { cat "$T/on" >&2; fail "unexpected: $never"; }
done

echo "PASS: $TEST_NAME"
