#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-upx.sh - UPX-packed programs: recognised (finding attribute "packer",
# YARA filetype ELF-UPX / EXE-UPX), unpacked and scanned as the member
# "[upx]", for ELF and PE, NRV2B/2D/2E and LZMA, with and without the
# x86 call filter; a damaged one is a skip, not a crash.  The packed files
# are made at test time by tests/cli/mkupx.py (there is no upx(1) in
# Debian 12) from /bin/true plus a marker.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MKUPX=$TOPSRC/tests/cli/mkupx.py
D=$T/d
mkdir -p "$D"
# the original: a real ELF program with a marker appended
cp /bin/true "$T/orig"
printf 'MDESCAN-UPX-TEST-MARKER\n' >>"$T/orig"
size=$(wc -c <"$T/orig")
sha=$(sha256sum "$T/orig" | cut -d' ' -f1)
printf '%s:%s:Test.UPX.Original\n' "$sha" "$size" >"$T/sigs.hsb"

python3 "$MKUPX" elf "$T/orig" "$D/nrv2e.elf"
python3 "$MKUPX" --method 2 elf "$T/orig" "$D/nrv2b.elf"
python3 "$MKUPX" --method 5 elf "$T/orig" "$D/nrv2d.elf"
python3 "$MKUPX" --filter 49 elf "$T/orig" "$D/filter49.elf"
python3 "$MKUPX" --method 14 --filter 49 elf "$T/orig" "$D/lzma.elf"
python3 "$MKUPX" pe "$T/orig" "$D/packed.exe"

step "the unpacked program matches the original's hash, at FILE//[upx]"
expect_exit 1 mds -d "$T/sigs.hsb" "$D"
for f in nrv2e.elf nrv2b.elf nrv2d.elf filter49.elf lzma.elf packed.exe; do
	out_has_line "$D/$f//[upx]: Test.UPX.Original FOUND"
done
expect_summary "Infected files" 6

step "JSON: layers [\"[upx]\"] and packer UPX"
expect_exit 1 mds -d "$T/sigs.hsb" --json "$D"
for f in nrv2e.elf nrv2b.elf nrv2d.elf filter49.elf lzma.elf packed.exe; do
	jq -se --arg p "$D/$f" 'any(.[]; .type == "finding" and .path == $p and
		.layers == ["[upx]"] and .packer == "UPX" and
		.name == "Test.UPX.Original")' "$OUT" >/dev/null ||
		{ show_output; fail "$f: no finding with layers [\"[upx]\"] and packer UPX"; }
done

step "the packed bytes alone do not match: without the upx type nothing is found"
expect_exit 0 mds -d "$T/sigs.hsb" --archive-types=zip,gzip "$D"
out_lacks "FOUND"

step "YARA sees the packed file as ELF-UPX / EXE-UPX, and the unpacked one as ELF"
cat >"$T/ft.yar" <<'EOF'
rule packed_elf { condition: filetype == "ELF-UPX" }
rule packed_exe { condition: filetype == "EXE-UPX" }
rule unpacked_marker { strings: $m = "MDESCAN-UPX-TEST-MARKER" condition: filetype == "ELF" and $m }
EOF
expect_exit 1 mds -z -d "$T/ft.yar" --json "$D/nrv2e.elf" "$D/packed.exe" "$T/orig"
jcheck 1 type=finding "path=$D/nrv2e.elf" name=packed_elf packer=UPX
jcheck 1 type=finding "path=$D/packed.exe" name=packed_exe packer=UPX
jcheck 1 type=finding "path=$D/nrv2e.elf" name=unpacked_marker
jcheck 1 type=finding "path=$T/orig" name=unpacked_marker
jcheck 0 type=finding "path=$T/orig" name=packed_elf
jflush
jq -se --arg p "$D/nrv2e.elf" 'any(.[]; .name == "unpacked_marker" and
	.path == $p and .layers == ["[upx]"])' "$OUT" >/dev/null ||
	{ show_output; fail "the marker rule must match inside [upx], not the packed bytes"; }

step "damaged packed files: a skip about [upx], never a crash or an error"
for cut in 200 2000 9000; do
	head -c "$(( $(wc -c <"$D/nrv2e.elf") - cut ))" "$D/nrv2e.elf" >"$T/cut$cut.elf"
done
cp "$D/nrv2b.elf" "$T/flip.elf"
printf '\377\377\377\377' | dd of="$T/flip.elf" bs=1 seek=700 conv=notrunc 2>/dev/null
expect_exit 0 mds -d "$T/sigs.hsb" "$T/cut200.elf" "$T/cut2000.elf" "$T/cut9000.elf" "$T/flip.elf"
out_lacks "FOUND"
[ "$(grep -c '//\[upx\]: SKIPPED (' "$OUT")" -ge 1 ] ||
	{ show_output; fail "no SKIPPED line for a damaged packed file"; }
