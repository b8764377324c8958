#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mk_pe.sh OUTDIR PAYLOADDIR - the G-pe carrier fixtures: NSIS installers
# (makensis, every compressor, solid or not), PE programs carrying EICAR
# and a second program holding the marker in resources and overlays
# (tests/carriers/mkpe.py, and MinGW's gcc for a real program), and UPX-
# packed PE32/PE32+ programs, one per UPX method (tests/cli/mkupx_pe.py:
# there is no upx(1) in Debian 12).  A fixture whose tool is missing is
# left out with "skip: NAME: why" on stderr.
set -eu
out=$1
pay=$2
here=$(cd "$(dirname "$0")" && pwd)
mkpe="python3 $here/mkpe.py"
mkupx="python3 $here/../cli/mkupx_pe.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# the program holding the marker, and the same with EICAR as its overlay
$mkpe --data "$pay/marker.bin" "$tmp/inner.exe"
$mkpe --data "$pay/marker.bin" --overlay "$pay/eicar.com" "$tmp/orig.exe"
$mkpe --pe64 --data "$pay/marker.bin" --overlay "$pay/eicar.com" \
	"$tmp/orig64.exe"

# ------------------------------------------------------------ resources
$mkpe --rcdata "$pay/eicar.com" --rcdata "$tmp/inner.exe" \
	"$out/pe-rcdata-mkpe.exe"
$mkpe --pe64 --rcdata "$pay/eicar.com" --rcdata "$tmp/inner.exe" \
	"$out/pe64-rcdata-mkpe.exe"
python3 - "$tmp/p.zip" "$pay/eicar.com" "$pay/marker.bin" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]:
        z.write(f, f.rsplit("/", 1)[-1])
PY
$mkpe --resource "300:$tmp/p.zip" "$out/pe-rsrc-zip-mkpe.exe"

# -------------------------------------------------------------- overlays
$mkpe --overlay "$tmp/orig.exe" "$out/pe-overlay-mkpe.exe"
$mkpe --overlay "$tmp/p.zip" "$out/pe-overlay-zip-mkpe.exe"

# ------------------------------------------------------------------- UPX
$mkupx --method 2 "$tmp/orig.exe" "$out/upx-nrv2b-mkupx.exe"
$mkupx --method 5 --filter 26 "$tmp/orig.exe" "$out/upx-nrv2d-mkupx.exe"
$mkupx --method 8 --filter 26 "$tmp/orig.exe" "$out/upx-nrv2e-mkupx.exe"
$mkupx --method 14 --filter 26 "$tmp/orig.exe" "$out/upx-lzma-mkupx.exe"
$mkupx --method 14 --filter 49 "$tmp/orig64.exe" \
	"$out/upx64-lzma-mkupx.exe"
$mkupx --method 8 --ph-in-section "$tmp/orig64.exe" \
	"$out/upx64-nrv2e-mkupx.exe"

# ----------------------------------------------------- MinGW: a real PE
python3 - "$pay/marker.bin" >"$tmp/prog.c" <<'PY'
import sys
m = open(sys.argv[1], "rb").read()
print("#include <stdio.h>")
print("static const unsigned char payload[] = {%s};" %
      ",".join(str(b) for b in m))
print("int main(int argc, char **argv)\n{\n\t(void)argv;\n"
      "\tif (argc > 5)\n\t\tfwrite(payload, 1, sizeof(payload), stdout);\n"
      "\treturn puts(\"hello\") < 0;\n}")
PY
for cc in i686-w64-mingw32-gcc x86_64-w64-mingw32-gcc; do
	case $cc in i686*) n=mingw32 ;; *) n=mingw64 ;; esac
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "skip: $n: $cc not installed (gcc-mingw-w64)" >&2
		continue
	fi
	"$cc" -s -O1 -o "$tmp/$n.exe" "$tmp/prog.c"
	cat "$tmp/$n.exe" "$pay/eicar.com" >"$out/pe-overlay-$n.exe"
	cat "$tmp/$n.exe" "$pay/eicar.com" >"$tmp/$n-ovl.exe"
	$mkupx --method 14 --filter 49 "$tmp/$n-ovl.exe" \
		"$out/upx-lzma-$n.exe"
done

# ------------------------------------------------------------------ NSIS
if ! command -v makensis >/dev/null 2>&1; then
	echo "skip: nsis-*: makensis not installed (nsis)" >&2
	exit 0
fi
for how in zlib bzip2 lzma solid-zlib solid-bzip2 solid-lzma; do
	case $how in
	solid-*) comp="/SOLID ${how#solid-}" ;;
	*) comp=$how ;;
	esac
	cat >"$tmp/$how.nsi" <<NSI
Unicode true
SetCompressor $comp
OutFile "$out/nsis-$how-makensis.exe"
Name "carrier"
RequestExecutionLevel user
Section
SetOutPath "\$TEMP\\carrier"
File "$pay/eicar.com"
File "$pay/marker.bin"
SectionEnd
NSI
	makensis -V1 "$tmp/$how.nsi" >/dev/null
done
