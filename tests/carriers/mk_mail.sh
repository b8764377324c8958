#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mk_mail.sh OUTDIR PAYLOADDIR - the mail group's carriers (issue 19),
# each wrapping PAYLOADDIR's eicar.com and marker.bin (payload.sh):
#   mail-*.eml          Python's email package and hand-written messages:
#                       the header edge cases (mkmail.py), TNEF and BinHex
#                       attached as mail clients send them
#   tnef-*.dat          winmail.dat (mktnef.py, from [MS-OXTNEF])
#   binhex-*.hqx        BinHex 4.0 (mkbinhex.py, RFC 1741)
#   chm-chmcmd.chm      Free Pascal's chmcmd (Debian fp-utils)
#   szdd-*, kwaj-*      mscompress (Debian), mkmscomp.py
#   arj-arj-m*.arj      arj (Debian), methods 1 and 4
#   zip-deflate64-7z.zip  7-Zip (p7zip-full), -mm=Deflate64
#   zip-implode-mkimplode.zip  mkimplode.py (APPNOTE 5.3)
#   ar-*.a              binutils' ar (GNU: deterministic, a static library
#                       with long names) and a BSD ar written by Python
# A fixture whose tool is missing is skipped with "skip: NAME: why".
set -eu
out=$1
pay=$2
here=$(cd "$(dirname "$0")" && pwd)
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/mk_mail.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$pay/eicar.com" "$pay/marker.bin" "$work/"

skip() {
	echo "skip: $1: $2" >&2
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# -------------------------------------------------- from the specifications
$py "$here/mktnef.py" "$out/tnef-mktnef.dat" "$work/eicar.com" "$work/marker.bin"
$py "$here/mktnef.py" "$out/tnef-unicode-mktnef.dat" --unicode \
	"$work/eicar.com" "$work/marker.bin"
$py "$here/mkbinhex.py" "$out/binhex-mkbinhex.hqx" "$work/eicar.com" \
	--rsrc "$work/marker.bin"
$py "$here/mkmscomp.py" kwaj "$out/kwaj-mszip-mkmscomp.kwj" "$work/eicar.com" --method 4
$py "$here/mkmscomp.py" kwaj "$out/kwaj-lzss-mkmscomp.kwj" "$work/marker.bin" --method 2
$py "$here/mkmscomp.py" szdd "$out/szdd-qbasic-mkmscomp.bi_" "$work/marker.bin" --qbasic
$py "$here/mkimplode.py" "$out/zip-implode-mkimplode.zip" "$work/eicar.com" "$work/marker.bin"
$py "$here/mkmail.py" "$out" "$work"

# ------------------------------------------------------- from Debian's tools
if have mscompress; then
	(cd "$work" && cp eicar.com e.com && mscompress e.com >/dev/null 2>&1)
	mv "$work/e.com_" "$out/szdd-mscompress.co_"
else
	skip szdd-mscompress "mscompress not installed (Debian package mscompress)"
fi
if have arj; then
	for m in 1 4; do
		(cd "$work" && arj a -m$m -y "a$m.arj" eicar.com marker.bin >/dev/null)
		mv "$work/a$m.arj" "$out/arj-arj-m$m.arj"
	done
else
	skip arj-arj "arj not installed (Debian package arj)"
fi
if have 7z; then
	(cd "$work" && 7z a -tzip -mm=Deflate64 d64.zip eicar.com marker.bin >/dev/null)
	mv "$work/d64.zip" "$out/zip-deflate64-7z.zip"
else
	skip zip-deflate64-7z "7z not installed (Debian package p7zip-full)"
fi
if have chmcmd; then
	printf '<html><body><a href="eicar.com">x</a></body></html>\n' >"$work/index.html"
	printf '[OPTIONS]\nCompiled file=t.chm\nDefault topic=index.html\nTitle=T\n\n[FILES]\nindex.html\neicar.com\nmarker.bin\n' \
		>"$work/t.hhp"
	(cd "$work" && chmcmd t.hhp >/dev/null 2>&1)
	mv "$work/t.chm" "$out/chm-chmcmd.chm"
else
	skip chm-chmcmd "chmcmd not installed (Debian package fp-utils)"
fi
if have ar; then
	(cd "$work" && ar rc gnu.a eicar.com marker.bin)
	mv "$work/gnu.a" "$out/ar-gnu-binutils.a"
	cp "$work/marker.bin" "$work/a_member_name_longer_than_16.bin"
	printf 'int f(void) { return 1; }\n' >"$work/f.c"
	if have cc && (cd "$work" && cc -c f.c 2>/dev/null); then
		(cd "$work" && ar rcs lib.a f.o eicar.com a_member_name_longer_than_16.bin)
		mv "$work/lib.a" "$out/ar-staticlib-binutils.a"
	fi
else
	skip ar-gnu-binutils "ar not installed (Debian package binutils)"
fi
# BSD ar (#1/NN: the name in front of the data), which binutils does not write
$py - "$work" "$out/ar-bsd-python.a" <<'PY'
import os, sys
w, out = sys.argv[1], sys.argv[2]
blob = b"!<arch>\n"
for name in ("eicar.com", "marker_with_a_long_bsd_name.bin"):
    src = "eicar.com" if name == "eicar.com" else "marker.bin"
    data = name.encode() + open(os.path.join(w, src), "rb").read()
    head = ("#1/%-13d0           0     0     100644  %-10d`\n"
            % (len(name), len(data))).encode()
    blob += head + data + (b"\n" if len(data) % 2 else b"")
open(out, "wb").write(blob)
PY
