#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-carriers-pdf.sh - G-pdf's carriers (tests/carriers/mk_pdf.sh: PDF from
# qpdf, ghostscript, LibreOffice and mkpdf.py; HTML smuggling pages;
# OneNote files): mdescan reports each payload with its full layer chain;
# then the hostile cases (a PDF stream bomb, an xref loop, objects nested
# a million deep, a huge base64 blob in HTML) end within the limits in
# < 30 s and < 512 MB, reported by the limit's name.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
CAR=$TOPSRC/tests/carriers

step "fixtures: payload.sh, mk_pdf.sh"
sh "$CAR/payload.sh" "$T/pay"
mkdir -p "$T/c" "$T/sigs"
sh "$CAR/mk_pdf.sh" "$T/c" "$T/pay" 2>"$T/mk.err" || {
	cat "$T/mk.err" >&2
	fail "mk_pdf.sh failed"
}
# EICAR by its MD5, as ClamAV's Eicar-Test-Signature; the marker's .ndb
echo "$(md5sum <"$T/pay/eicar.com" | cut -c1-32):68:Eicar-Test-Signature" \
	>"$T/sigs/eicar.hdb"
cp "$CAR/sigs/carriers.ndb" "$T/sigs/"

expect_exit 1 mds -z --json --no-cache --no-history -d "$T/sigs" "$T/c"
jq -r 'select(.type == "finding") |
	[(.path | split("/") | last), .name, ((.layers // []) | join("//"))] |
	@tsv' "$OUT" | sort -u >"$T/found"

# FIXTURE NAME LAYERS: every one must be reported (a tool that is missing
# skips its fixtures: see mk.err)
n=0
missing=0
while IFS='|' read -r fx name layers; do
	[ -n "$fx" ] || continue
	if [ ! -e "$T/c/$fx" ]; then
		grep -q "skip: " "$T/mk.err" ||
			fail "$fx was not made and mk_pdf.sh said no skip"
		continue
	fi
	n=$((n + 1))
	printf '%s\t%s\t%s\n' "$fx" "$name" "$layers" >"$T/want1"
	if ! grep -qxF -f "$T/want1" "$T/found"; then
		echo "missing: $fx: $name in $layers" >&2
		missing=$((missing + 1))
	fi
done <<'LIST'
pdf-embedded-qpdf.pdf|Eicar-Test-Signature|eicar.com
pdf-embedded-qpdf.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-objstm-qpdf.pdf|Eicar-Test-Signature|eicar.com
pdf-objstm-qpdf.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-uncompressed-qpdf.pdf|Eicar-Test-Signature|eicar.com
pdf-rc4-40-qpdf.pdf|Eicar-Test-Signature|eicar.com
pdf-rc4-40-qpdf.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-rc4-128-qpdf.pdf|Eicar-Test-Signature|eicar.com
pdf-rc4-128-qpdf.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-aes128-qpdf.pdf|Eicar-Test-Signature|eicar.com
pdf-aes128-qpdf.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-aes256-qpdf.pdf|Eicar-Test-Signature|eicar.com
pdf-aes256-qpdf.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-objstm-aes256-qpdf.pdf|Eicar-Test-Signature|eicar.com
pdf-objstm-aes256-qpdf.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-pdfmark-ghostscript.pdf|Eicar-Test-Signature|eicar.com
pdf-pdfmark-ghostscript.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-hybrid-libreoffice.pdf|Mde.Test.CarrierMarker|[stream 4]//content.xml
pdf-lzw-python.pdf|Eicar-Test-Signature|eicar.com
pdf-lzw-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-lzw-early0-python.pdf|Eicar-Test-Signature|eicar.com
pdf-lzw-early0-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-ascii85-python.pdf|Eicar-Test-Signature|eicar.com
pdf-ascii85-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-asciihex-python.pdf|Eicar-Test-Signature|eicar.com
pdf-asciihex-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-runlength-python.pdf|Eicar-Test-Signature|eicar.com
pdf-runlength-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-chain-a85-flate-python.pdf|Eicar-Test-Signature|eicar.com
pdf-chain-a85-flate-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-predictor-png-python.pdf|Eicar-Test-Signature|eicar.com
pdf-predictor-png-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-predictor-tiff-python.pdf|Eicar-Test-Signature|eicar.com
pdf-predictor-tiff-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-javascript-python.pdf|Mde.Test.CarrierMarker|[js 4]
pdf-javascript-python.pdf|Mde.Test.CarrierMarker|[js 6]
pdf-incremental-python.pdf|Eicar-Test-Signature|eicar.com
pdf-incremental-python.pdf|Mde.Test.CarrierMarker|marker.bin
pdf-no-xref-python.pdf|Eicar-Test-Signature|eicar.com
html-data-uri-python.html|Eicar-Test-Signature|[data 1]
html-data-uri-python.html|Mde.Test.CarrierMarker|[data 2]
html-smuggling-python.html|Eicar-Test-Signature|[base64 1]
html-smuggling-python.html|Mde.Test.CarrierMarker|[base64 2]
html-atob-python.html|Eicar-Test-Signature|[base64 1]
html-script-python.html|Mde.Test.CarrierMarker|[script 1]
html-in-mail-python.eml|Eicar-Test-Signature|invoice.html//[base64 1]
html-in-mail-python.eml|Mde.Test.CarrierMarker|invoice.html//[base64 2]
onenote-section-python.one|Eicar-Test-Signature|[file 1]
onenote-section-python.one|Mde.Test.CarrierMarker|[file 2]
onenote-toc-python.onetoc2|Eicar-Test-Signature|[file 1]
onenote-toc-python.onetoc2|Mde.Test.CarrierMarker|[file 2]
LIST
[ "$missing" -eq 0 ] || { cat "$T/found" >&2; fail "$missing payloads not reported"; }
step "$n payloads reported with their layers"

step "the normalised page is a member of its own, not opened again"
printf '<html><body><p>Hello <b>world</b></p></body></html>\n' >"$T/plain.html"
expect_exit 0 mds --json --no-cache --no-history -d "$T/sigs" \
	--max-recursion 2 "$T/plain.html"
jq -se 'any(.[]; .type == "skipped")' "$OUT" >/dev/null &&
	{ show_output; fail "a skip (recursion?) in a plain page"; }
[ "$(jq -r 'select(.type == "summary") | .members' "$OUT")" = 1 ] ||
	{ show_output; fail "members: not 1"; }

step "--archive-types without pdf,html,onenote: the payloads stay inside"
expect_exit 0 mds --json --no-cache --no-history -d "$T/sigs" \
	--archive-types zip,mail "$T/c/pdf-lzw-python.pdf" \
	"$T/c/html-atob-python.html" "$T/c/pdf-aes256-qpdf.pdf"

# ------------------------------------------------------------ hostile
MDS_TIMEOUT=${MDS_HOSTILE_TIMEOUT:-30}
# the 512 MB bound holds for the optimised build; a sanitized one (ASan's
# shadow memory and quarantine) may raise it, as build.sh does
RSS_MB=${MDS_HOSTILE_RSS_MB:-512}
H=$T/h
python3 "$CAR/mkpdf.py" hostile "$H"
python3 "$CAR/mkhtml.py" hostile "$H"

# hrun ARGS...: mdescan within MDS_TIMEOUT s and RSS_MB, status 0 or 1
hrun() {
	local kb secs
	/usr/bin/time -o "$T/.rss" -f '%M %e' timeout -k 5 "$MDS_TIMEOUT" \
		"$MDESCAN" --json --no-cache --no-history -d "$T/sigs" "$@" \
		>"$OUT" 2>"$ERR" && RC=0 || RC=$?
	[ "$RC" -le 1 ] || { show_output; fail "status $RC: mdescan $*"; }
	read -r kb secs < <(tail -n 1 "$T/.rss")
	[ "$kb" -lt $((RSS_MB * 1024)) ] ||
		fail "peak RSS $((kb / 1024)) MB >= $RSS_MB MB: mdescan $*"
	step "  $(basename "${@: -1}"): $secs s, $((kb / 1024)) MB"
}

# reason FILE LIMIT: a skip or an audit of FILE names the limit
reason() {
	jq -se --arg r "limit: $2" 'any(.[]; .reason == $r)' "$OUT" >/dev/null ||
		{ show_output; fail "$1: no '$2' reported"; }
}

[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (Debian package time)"
step "pdf-bomb.pdf: 1 GiB of zeros in 1 MB of Flate ends at max-member-size"
hrun "$H/pdf-bomb.pdf"
reason pdf-bomb max-member-size
step "... and at max-ratio when members may be bigger"
hrun --max-member-size 0 "$H/pdf-bomb.pdf"
reason pdf-bomb max-ratio
step "pdf-xref-loop.pdf: the /Prev loop is cut"
hrun "$H/pdf-xref-loop.pdf"
step "pdf-deep.pdf: objects a million levels deep are cut"
hrun "$H/pdf-deep.pdf"
reason pdf-deep max-recursion
step "html-huge-base64.html: a 64 MiB blob ends at max-member-size"
hrun --max-member-size 16M "$H/html-huge-base64.html"
reason html-huge-base64 max-member-size
