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
