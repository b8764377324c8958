#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mk_pdf.sh OUTDIR PAYLOADDIR - the carriers of G-pdf: PDF documents made
# by qpdf (attachments, object streams, every encryption of the standard
# security handler with an empty user password, uncompressed), ghostscript
# (ps2pdf with a pdfmark-embedded file) and LibreOffice (a hybrid PDF, the
# ODF source embedded), and by tests/carriers/mkpdf.py from ISO 32000-1
# for what those tools do not write (LZW, ASCII85, ASCIIHex, RunLength,
# chains, predictors, JavaScript, incremental updates, no xref); HTML
# smuggling pages (mkhtml.py); OneNote files (mkone.py, from
# [MS-ONESTORE]).  A tool that is missing makes its fixtures "skip:".
set -eu
out=$1
pay=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mk_pdf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

skip() { echo "skip: $1: $2" >&2; }

python3 "$here/mkpdf.py" carriers "$out" "$pay"
python3 "$here/mkhtml.py" carriers "$out" "$pay"
python3 "$here/mkone.py" "$out" "$pay"

if command -v qpdf >/dev/null 2>&1; then
	q() { qpdf --allow-weak-crypto "$@"; }
	q --empty --add-attachment "$pay/eicar.com" -- \
		--add-attachment "$pay/marker.bin" -- "$tmp/att.pdf"
	cp "$tmp/att.pdf" "$out/pdf-embedded-qpdf.pdf"
	q "$tmp/att.pdf" --object-streams=generate "$out/pdf-objstm-qpdf.pdf"
	q "$tmp/att.pdf" --stream-data=uncompress \
		"$out/pdf-uncompressed-qpdf.pdf"
	q "$tmp/att.pdf" --encrypt "" owner 40 -- "$out/pdf-rc4-40-qpdf.pdf"
	q "$tmp/att.pdf" --encrypt "" owner 128 --use-aes=n -- \
		"$out/pdf-rc4-128-qpdf.pdf"
	q "$tmp/att.pdf" --encrypt "" owner 128 --use-aes=y -- \
		"$out/pdf-aes128-qpdf.pdf"
	q "$tmp/att.pdf" --encrypt "" owner 256 -- "$out/pdf-aes256-qpdf.pdf"
	q "$tmp/att.pdf" --object-streams=generate --encrypt "" owner 256 -- \
		"$out/pdf-objstm-aes256-qpdf.pdf"
else
	skip pdf-qpdf "qpdf not installed (Debian package qpdf)"
fi

if command -v ps2pdf >/dev/null 2>&1; then
	e=$(od -An -v -tx1 "$pay/eicar.com" | tr -d ' \n')
	m=$(od -An -v -tx1 "$pay/marker.bin" | tr -d ' \n')
	cat >"$tmp/doc.ps" <<PS
%!PS
[ /_objdef {e} /type /stream /OBJ pdfmark
[ {e} <$e> /PUT pdfmark
[ {e} << /Type /EmbeddedFile >> /PUT pdfmark
[ /Name (eicar.com) /FS << /Type /Filespec /F (eicar.com)
  /UF (eicar.com) /EF << /F {e} >> >> /EMBED pdfmark
[ /_objdef {m} /type /stream /OBJ pdfmark
[ {m} <$m> /PUT pdfmark
[ {m} << /Type /EmbeddedFile >> /PUT pdfmark
[ /Name (marker.bin) /FS << /Type /Filespec /F (marker.bin)
  /EF << /F {m} >> >> /EMBED pdfmark
/Helvetica findfont 12 scalefont setfont
72 720 moveto (Quarterly report) show
showpage
PS
	ps2pdf "$tmp/doc.ps" "$out/pdf-pdfmark-ghostscript.pdf"
else
	skip pdf-ghostscript "ghostscript not installed (Debian package ghostscript)"
fi

if command -v soffice >/dev/null 2>&1; then
	cp "$pay/marker.txt" "$tmp/report.txt"
	# a hybrid PDF: the ODF document it was made from rides along
	if timeout 300 soffice -env:UserInstallation="file://$tmp/profile" \
		--headless --convert-to \
		'pdf:writer_pdf_Export:{"IsAddStream":{"type":"boolean","value":"true"}}' \
		--outdir "$tmp" "$tmp/report.txt" >/dev/null 2>&1 &&
		[ -s "$tmp/report.pdf" ]; then
		cp "$tmp/report.pdf" "$out/pdf-hybrid-libreoffice.pdf"
	else
		skip pdf-hybrid-libreoffice "soffice failed"
	fi
else
	skip pdf-libreoffice "LibreOffice not installed (Debian package libreoffice-writer-nogui)"
fi
