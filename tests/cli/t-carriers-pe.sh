#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-carriers-pe.sh - the G-pe carriers (tests/carriers/mk_pe.sh): NSIS
# installers of every compressor, PE programs carrying EICAR and a second
# program in resources and overlays, UPX-packed PE32/PE32+ programs of
# every UPX method.  mdescan must report each payload with its full layer
# chain; the unpacked UPX programs must be the originals byte for byte
# (their SHA-256 as a signature: the payload check of the fixtures);
# hostile carriers (a UPX PackHeader claiming 4 GB, an NSIS block bomb, a
# solid NSIS file claiming 2 GB, a resource directory that loops) end in
# 30 s and 512 MB, reported by the limit's name.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
CAR=$TOPSRC/tests/carriers
SIGS=$CAR/sigs
F=$T/fx
P=$T/pay
sh "$CAR/payload.sh" "$P"

step "fixtures: tests/carriers/mk_pe.sh"
sh "$CAR/mk_pe.sh" "$F" "$P" 2>"$T/mk.err" || { cat "$T/mk.err" >&2; fail "mk_pe.sh failed"; }
cat "$T/mk.err" >&2

# has FIXTURE SIGNATURE LAYERS...: a finding of SIGNATURE in FIXTURE
# whose layer chain is LAYERS (none: the file itself).
has() {
	local f=$1 sig=$2
	shift 2
	[ -e "$F/$f" ] || { step "($f not built: left out)"; return 0; }
	jq -se --arg p "$F/$f" --arg n "$sig" --args '
		($ARGS.positional) as $l |
		any(.[]; .type == "finding" and .path == $p and .name == $n and
		    (.layers // []) == $l)' "$@" <"$OUT" >/dev/null ||
		{ show_output; fail "$f: no $sig at layers [$*]"; }
}

step "every payload with its full layer chain"
expect_exit 1 mds -z --json --no-cache --no-history -d "$SIGS" "$F"
E=Eicar-Test-Signature
M=Mde.Test.CarrierMarker
for how in zlib bzip2 lzma solid-zlib solid-bzip2 solid-lzma; do
	has "nsis-$how-makensis.exe" $E eicar.com
	has "nsis-$how-makensis.exe" $M marker.bin
done
for f in pe-rcdata-mkpe.exe pe64-rcdata-mkpe.exe; do
	has $f $E "[rsrc/RCDATA/101]"
	has $f $M "[rsrc/RCDATA/102]"
done
has pe-rsrc-zip-mkpe.exe $E "[rsrc/300/201]" eicar.com
has pe-rsrc-zip-mkpe.exe $M "[rsrc/300/201]" marker.bin
has pe-overlay-mkpe.exe $M "[overlay]"
has pe-overlay-mkpe.exe $E "[overlay]" "[overlay]"
has pe-overlay-zip-mkpe.exe $E "[overlay]" eicar.com
has pe-overlay-zip-mkpe.exe $M "[overlay]" marker.bin
for f in nrv2b nrv2d nrv2e lzma; do
	has "upx-$f-mkupx.exe" $M "[upx]"
	has "upx-$f-mkupx.exe" $E "[upx]" "[overlay]"
done
for f in upx64-lzma-mkupx.exe upx64-nrv2e-mkupx.exe upx-lzma-mingw32.exe \
	upx-lzma-mingw64.exe; do
	has $f $M "[upx]"
	has $f $E "[upx]" "[overlay]"
done
has pe-overlay-mingw32.exe $E "[overlay]"
has pe-overlay-mingw64.exe $E "[overlay]"

step "turned off by name: --archive-types without pe, nsis and upx"
# (the marker is in the plain bytes of pe-rcdata: found without opening)
expect_exit 1 mds --no-cache --no-history -d "$SIGS" \
	--archive-types=zip "$F/pe-rcdata-mkpe.exe" "$F/nsis-lzma-makensis.exe" \
	"$F/upx-lzma-mkupx.exe" "$F/pe-overlay-zip-mkpe.exe"
out_lacks "Eicar-Test-Signature"

step "payload check: the unpacked programs are the originals, byte for byte"
python3 "$CAR/mkpe.py" --data "$P/marker.bin" "$T/o32.exe"
python3 "$CAR/mkpe.py" --pe64 --data "$P/marker.bin" --overlay "$P/eicar.com" \
	"$T/o64.exe"
: >"$T/orig.hsb"
for o in o32 o64; do
	printf '%s:%s:Orig.%s\n' "$(sha256sum "$T/$o.exe" | cut -d' ' -f1)" \
		"$(wc -c <"$T/$o.exe")" "$o" >>"$T/orig.hsb"
done
U=$T/u
mkdir -p "$U"
for m in 2 3 4 5 6 7 8 9 10 14; do
	python3 "$TOPSRC/tests/cli/mkupx_pe.py" --method $m "$T/o32.exe" "$U/o32-$m.exe"
	python3 "$TOPSRC/tests/cli/mkupx_pe.py" --method $m --filter 49 "$T/o64.exe" \
		"$U/o64-$m.exe"
done
expect_exit 1 mds -z --no-cache --no-history -d "$T/orig.hsb" "$U"
for m in 2 3 4 5 6 7 8 9 10 14; do
	out_has_line "$U/o32-$m.exe//[upx]: Orig.o32 FOUND"
	out_has_line "$U/o64-$m.exe//[upx]: Orig.o64 FOUND"
done

# ----------------------------------------------------------------- hostile
MDS_TIMEOUT=${MDS_HOSTILE_TIMEOUT:-30}
H=$T/h
mkdir -p "$H"
python3 "$CAR/mkpe.py" --rsrc-loop 200 "$H/rsrc-loop.exe"
python3 "$TOPSRC/tests/cli/mkupx_pe.py" --method 14 --claim-ulen 0xfffffff0 \
	"$T/o32.exe" "$H/upx-4g.exe"
python3 "$CAR/mkpe.py" "$T/stub.exe"
python3 - "$T/stub.exe" "$H" <<'PY'
import struct, sys, zlib
stub = open(sys.argv[1], "rb").read()
stub += bytes(-len(stub) % 512)
hdr = bytes(300)
chunk = bytes(1 << 20)

def fh(body):
    return (struct.pack("<II", 0, 0xDEADBEEF) + b"NullsoftInst" +
            struct.pack("<II", len(hdr), 28 + len(body) + 4))

def deflate(parts):
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    return b"".join(z.compress(p) for p in parts) + z.flush()

# blocks: a stored script header, then 200 MiB of zeros in one block
comp = deflate([chunk] * 200)
body = (struct.pack("<I", len(hdr)) + hdr +
        struct.pack("<I", 0x80000000 | len(comp)) + comp)
open(sys.argv[2] + "/nsis-bomb.exe", "wb").write(stub + fh(body) + body +
                                                 b"CRC!")
# solid: a file claiming 2 GiB, 20 MiB of it there
s = deflate([struct.pack("<I", len(hdr)) + hdr,
             struct.pack("<I", 0x7FFFFFFF)] + [chunk] * 20)
open(sys.argv[2] + "/nsis-2g.exe", "wb").write(stub + fh(s) + s + b"CRC!")
PY
# hrun STATUS ARGS...: mdescan ARGS within the time limit and 512 MB
# (the memory is measured where /usr/bin/time is installed)
hrun() {
	local want=$1 kb tm=
	shift
	[ -x /usr/bin/time ] && tm="/usr/bin/time -o $T/.rss -f %M"
	: >"$T/.rss"
	# shellcheck disable=SC2086
	$tm timeout -k 5 "$MDS_TIMEOUT" "$MDESCAN" --no-cache --no-history \
		-d "$SIGS" "$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	[ "$RC" -eq "$want" ] || { show_output; fail "status $RC, expected $want: $*"; }
	[ -n "$tm" ] || return 0
	kb=$(tail -n 1 "$T/.rss")
	[ "$kb" -lt $((512 * 1024)) ] || fail "peak RSS $((kb / 1024)) MB: $*"
}
step "a resource directory that loops: limit: max-files"
hrun 0 "$H/rsrc-loop.exe"
out_has_line "$H/rsrc-loop.exe: SKIPPED (limit: max-files)"
step "UPX claiming 4 GB unpacked: limit: max-member-size"
hrun 0 "$H/upx-4g.exe"
out_has_line "$H/upx-4g.exe//[upx]: SKIPPED (limit: max-member-size)"
step "an NSIS block of 200 MiB of zeros: limit: max-ratio (a bomb)"
hrun 0 "$H/nsis-bomb.exe"
out_has_line "$H/nsis-bomb.exe//[nsis-1]: Heuristic.ArchiveBomb AUDIT"
hrun 0 --archive-bomb off "$H/nsis-bomb.exe"
out_has_line "$H/nsis-bomb.exe//[nsis-1]: SKIPPED (limit: max-ratio)"
step "a solid NSIS file claiming 2 GiB: max-member-size, then max-scansize"
hrun 0 "$H/nsis-2g.exe"
out_has_line "$H/nsis-2g.exe//[nsis-1]: SKIPPED (limit: max-member-size)"
out_has_line "$H/nsis-2g.exe: SKIPPED (limit: max-scansize)"
