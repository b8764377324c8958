#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-carriers-ole.sh - the OLE group's carriers (tests/carriers/mk_ole.sh:
# OLE2 files from the specifications, LibreOffice, msibuild and gsf; OOXML
# documents with VBA projects; RTF objects): mdescan reports each payload
# (EICAR as an embedded file, the body marker in VBA source or an
# embedded marker.bin) with its full layer chain, a mail attachment
# included (mail.eml//invoice.doc//vba/Module1); python3-olefile reads
# every OLE2 fixture; without the ole2 and rtf types nothing inside is
# seen.  A fixture whose tool is missing is left out (mk_ole.sh says so).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
CAR=$TOPSRC/tests/carriers
SIGS=$CAR/sigs
F=$T/f
P=$T/p

step "fixtures: mk_ole.sh"
sh "$CAR/payload.sh" "$P"
sh "$CAR/mk_ole.sh" "$F" "$P" 2>"$T/skips" || { cat "$T/skips" >&2; fail "mk_ole.sh failed"; }
cat "$T/skips" >&2
ls "$F" >&2

if python3 -c 'import olefile' 2>/dev/null; then
	step "python3-olefile reads every OLE2 fixture"
	for f in "$F"/*.doc "$F"/*.xls "$F"/*.ppt "$F"/*.msg "$F"/*.msi "$F"/*.ole "$F"/*.bin; do
		[ -e "$f" ] || continue
		python3 -c 'import olefile, sys
o = olefile.OleFileIO(sys.argv[1])
assert o.listdir(), "no streams"' "$f" || fail "olefile cannot read $f"
	done
else
	step "python3-olefile not installed: the fixtures are not cross-checked"
fi

step "every payload, with its layer chain"
expect_exit 1 mds -z --json -d "$SIGS" "$F"
cp "$OUT" "$T/scan.json"
# found FIXTURE SIGNATURE LAYERS-AS-JSON
found() {
	[ -e "$F/$1" ] || return 0 # its tool is missing (mk_ole.sh said so)
	jq -se --arg p "$F/$1" --arg n "$2" --argjson l "$3" \
		'any(.[]; .type == "finding" and .path == $p and .name == $n and
		     .layers == $l)' "$T/scan.json" >/dev/null ||
		{ grep -F "\"$F/$1\"" "$T/scan.json" >&2; fail "$1: no $2 at $3"; }
}
E=Eicar-Test-Signature
M=Mde.Test.CarrierMarker
for f in doc-vba-pycfb.doc doc-vba-v4-pycfb.doc xls-vba-pycfb.xls; do
	found "$f" "$E" '["eicar.com"]'
	found "$f" "$M" '["vba/Module1"]'
done
found docm-vba-pyzip.docm "$E" '["word/embeddings/oleObject1.bin","eicar.com"]'
found docm-vba-pyzip.docm "$M" '["word/vbaProject.bin","vba/Module1"]'
found xlsm-vba-pyzip.xlsm "$E" '["xl/embeddings/oleObject1.bin","eicar.com"]'
found xlsm-vba-pyzip.xlsm "$M" '["xl/vbaProject.bin","vba/Module1"]'
found ole-package-pycfb.bin "$E" '["eicar.com"]'
for f in msg-attach-pycfb.msg rtf-package-pyrtf.rtf doc-embedded-libreoffice.doc \
	xls-embedded-libreoffice.xls ole-streams-gsf.ole; do
	found "$f" "$E" '["eicar.com"]'
	found "$f" "$M" '["marker.bin"]'
done
found rtf-ole2-obfuscated-pyrtf.rtf "$E" '["object-1","eicar.com"]'
found rtf-ole2-obfuscated-pyrtf.rtf "$M" '["object-1","vba/Module1"]'
found rtf-bin-pyrtf.rtf "$E" '["eicar.com"]'
found rtf-bin-pyrtf.rtf "$M" '["bin-1"]'
found docx-embedded-libreoffice.docx "$E" '["word/embeddings/oleObject1.bin","eicar.com"]'
found docx-embedded-libreoffice.docx "$M" '["word/embeddings/oleObject2.bin","marker.bin"]'
found ppt-embedded-libreoffice.ppt "$E" '["PowerPoint Document/object-1","eicar.com"]'
found ppt-embedded-libreoffice.ppt "$M" '["PowerPoint Document/object-2","marker.bin"]'
found msi-cab-msibuild.msi "$E" '["files.cab","eicar.com"]'
found msi-cab-msibuild.msi "$M" '["files.cab","marker.bin"]'

step "the text report names the chain: FILE//vba/Module1"
expect_exit 1 mds -d "$SIGS" "$F/doc-vba-pycfb.doc"
out_has_line "$F/doc-vba-pycfb.doc//vba/Module1: $M FOUND"

step "a mail attachment: mail.eml//invoice.doc//vba/Module1"
{
	printf 'From: a@example.org\nTo: b@example.org\nSubject: invoice\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nSee attached.\n'
	printf -- '--b\nContent-Type: application/msword; name="invoice.doc"\n'
	printf 'Content-Disposition: attachment; filename="invoice.doc"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$F/doc-vba-pycfb.doc"
	printf -- '--b--\n'
} >"$T/mail.eml"
expect_exit 1 mds -z -d "$SIGS" "$T/mail.eml"
out_has_line "$T/mail.eml//invoice.doc//vba/Module1: $M FOUND"
out_has_line "$T/mail.eml//invoice.doc//eicar.com: $E FOUND"

step "without the ole2 and rtf types the payloads inside are not seen"
expect_exit 0 mds -d "$SIGS" --archive-types=zip,mail \
	"$F/doc-vba-pycfb.doc" "$F/rtf-package-pyrtf.rtf" "$F/rtf-ole2-obfuscated-pyrtf.rtf"
out_lacks "FOUND"
expect_exit 1 mds -d "$SIGS" --archive-types=rtf,ole2 "$F/rtf-ole2-obfuscated-pyrtf.rtf"
out_has_line "$F/rtf-ole2-obfuscated-pyrtf.rtf//object-1//vba/Module1: $M FOUND"
