#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mk_ole.sh OUTDIR PAYLOADDIR - the OLE group's carrier fixtures: OLE2
# compound files (doc, xls, ppt, msi, msg), OOXML documents with VBA
# projects, RTF objects.  Each wraps the payloads of tests/carriers/
# payload.sh (PAYLOADDIR): EICAR as an embedded file, the marker as VBA
# source or as an embedded marker.bin.
#
#   from the specifications (mkole.py, cfb.py):
#     doc-vba-pycfb.doc, doc-vba-v4-pycfb.doc, xls-vba-pycfb.xls,
#     docm-vba-pyzip.docm, xlsm-vba-pyzip.xlsm, msg-attach-pycfb.msg,
#     ole-package-pycfb.bin, rtf-package-pyrtf.rtf,
#     rtf-ole2-obfuscated-pyrtf.rtf, rtf-bin-pyrtf.rtf
#   from Debian's tools:
#     doc-, docx-, xls-, ppt-embedded-libreoffice.*  LibreOffice headless
#         converts ODF documents holding two embedded packages (eicar.com,
#         marker.bin) as Word, Excel and PowerPoint save them
#     msi-cab-msibuild.msi  gcab (MSZIP) and msibuild (msitools): a CAB
#         holding both payloads as a stream of an installer database
#     ole-streams-gsf.ole   gsf createole (libgsf-bin): both as streams
# A fixture whose tool is missing is left out with "skip: NAME: why" on
# stderr.
set -eu
out=$1
pay=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=python3; fi
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mk_ole.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

skip() {
	echo "skip: $1: $2" >&2
}

"$py" "$here/mkole.py" fixtures "$out" "$pay"

# LibreOffice: one run per output format (a run takes seconds)
if command -v soffice >/dev/null 2>&1; then
	"$py" "$here/mkole.py" odf "$tmp/src" "$pay"
	lo() { # FORMAT SOURCE NAME
		if timeout 300 soffice --headless --norestore \
			"-env:UserInstallation=file://$tmp/profile" \
			--convert-to "$1" --outdir "$tmp/lo" "$tmp/src/$2" \
			>"$tmp/lo.log" 2>&1 &&
			[ -s "$tmp/lo/${2%.*}.$1" ]; then
			mv "$tmp/lo/${2%.*}.$1" "$out/$3"
		else
			skip "$3" "soffice --convert-to $1 failed: $(tail -1 "$tmp/lo.log")"
		fi
	}
	lo doc embedded.odt doc-embedded-libreoffice.doc
	lo docx embedded.odt docx-embedded-libreoffice.docx
	lo xls embedded.ods xls-embedded-libreoffice.xls
	lo ppt embedded.odp ppt-embedded-libreoffice.ppt
else
	skip "*-libreoffice.*" "soffice not installed (libreoffice-writer-nogui, -calc-nogui, -impress-nogui)"
fi

if command -v gcab >/dev/null 2>&1 && command -v msibuild >/dev/null 2>&1; then
	(cd "$pay" && gcab -c -z "$tmp/files.cab" eicar.com marker.bin)
	msibuild "$tmp/x.msi" -s Invoice
	msibuild "$tmp/x.msi" -a files.cab "$tmp/files.cab"
	mv "$tmp/x.msi" "$out/msi-cab-msibuild.msi"
else
	skip msi-cab-msibuild.msi "gcab or msibuild not installed (gcab, msitools)"
fi

if command -v gsf >/dev/null 2>&1; then
	(cd "$pay" && gsf createole "$out/ole-streams-gsf.ole" eicar.com marker.bin)
else
	skip ole-streams-gsf.ole "gsf not installed (libgsf-bin)"
fi
