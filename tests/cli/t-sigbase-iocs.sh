#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-sigbase-iocs.sh - issue 16 item 14: "-d" at a Loki/signature-base
# iocs/ directory printed an error per line of its README, C2 lists and
# keyword list (taken for hash lists).  A directory shaped like
# signature-base's iocs/ (file names as there, a few made-up lines each)
# loads its hash and file-name IOCs and says one line per file it skips
# (documents are passed over quietly, as a README.md always was).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

I=$T/iocs
mkdir -p "$I" "$T/f"
make_eicar "$T/f/eicar.com"
printf 'made-up payload\n' >"$T/f/payload.bin"
printf 'harmless\n' >"$T/f/evil-dropper.exe"
printf 'clean\n' >"$T/f/clean.txt"
SHA1=$(sha1sum <"$T/f/payload.bin" | cut -d' ' -f1)
cat >"$I/hash-iocs.txt" <<HASH
# made-up hash IOCs: HASH;COMMENT
$EICAR_MD5;Made-up test entry
HASH
printf '%s;Made-up OTX entry\n' "$SHA1" >"$I/otx-hash-iocs.txt"
printf '# made-up file-name IOCs\n\\\\evil-dropper\\.exe;80\n' >"$I/filename-iocs.txt"
printf '\\\\made-up-other\\.dll;70\n' >"$I/otx-filename-iocs.txt"
printf '#\n# made-up C2 servers\n#\nc2.example.invalid\n192.0.2.1\n' >"$I/c2-iocs.txt"
printf 'c2.example.invalid;made-up\n' >"$I/otx-c2-iocs.txt"
printf '192.0.2.2;made-up\n' >"$I/otx-c2-iocs-ipv4.txt"
printf '2001:db8::2;made-up\n' >"$I/otx-c2-iocs-ipv6.txt"
printf '# made-up keywords\nnot-a-tool::dump\nDo-Something /x\n' >"$I/keywords.txt"
printf '# IOCs\nMade-up notes for Loki.\n' >"$I/README.md"
printf 'Made-up notes for Loki.\n' >"$I/README.txt"
printf 'Made-up licence text\n' >"$I/LICENSE"
printf 'made-up notes\nwith no hash\n' >"$I/notes.txt"
SKIPPED="c2-iocs.txt otx-c2-iocs.txt otx-c2-iocs-ipv4.txt otx-c2-iocs-ipv6.txt keywords.txt notes.txt"

step "the exact command: mdescan -d iocs/ (a clean file: exit 0)"
expect_exit 0 mds --no-cache --no-summary -d "$I" "$T/f/clean.txt"
expect_ok "$T/f/clean.txt"
for f in $SKIPPED; do
	n=$(grep -c "^mdescan: $I/$f: " "$ERR" || true)
	[ "$n" = 1 ] || { show_output; fail "$f: $n lines, expected one"; }
done
[ "$(wc -l <"$ERR")" = 6 ] || { show_output; fail "expected 6 lines on stderr"; }
grep -Fxq "mdescan: $I/c2-iocs.txt: Loki C2 IOCs (network indicators): not for file scanning, skipped" "$ERR" ||
	{ show_output; fail "the C2 line"; }
grep -Fxq "mdescan: $I/keywords.txt: Loki keywords (process and log text): not for file scanning, skipped" "$ERR" ||
	{ show_output; fail "the keywords line"; }
grep -Fxq "mdescan: $I/notes.txt: no line starts with a hash: not a hash list, skipped" "$ERR" ||
	{ show_output; fail "the unknown text line"; }
for f in hash-iocs.txt otx-hash-iocs.txt filename-iocs.txt otx-filename-iocs.txt \
	README.md README.txt LICENSE; do
	out_lacks "$I/$f" "$ERR"
done

step "the hash and file-name IOCs are loaded"
expect_exit 1 mds --no-cache --no-summary -d "$I" "$T/f"
out_has_line "$T/f/eicar.com: IOC.Hash:Made-up test entry FOUND"
out_has_line "$T/f/payload.bin: IOC.Hash:Made-up OTX entry FOUND"
expect_found "$T/f/evil-dropper.exe"
expect_ok "$T/f/clean.txt"
[ "$(wc -l <"$ERR")" = 6 ] || { show_output; fail "the skip lines once per load"; }

step "a document named with -d is one line too"
expect_exit 1 mds --no-cache --no-summary -d "$I/hash-iocs.txt" -d "$I/README.txt" "$T/f/eicar.com"
out_has_line "mdescan: $I/README.txt: documentation: not for file scanning, skipped" "$ERR"
[ "$(wc -l <"$ERR")" = 1 ] || { show_output; fail "one line for the README"; }

step "a text file with hashes and bad lines still names each bad line"
printf '%s\nnot a hash\n' "$EICAR_MD5" >"$T/mixed.txt"
expect_exit 1 mds --no-cache --no-summary -d "$T/mixed.txt" "$T/f/eicar.com"
grep -q "^mdescan: $T/mixed.txt:2: " "$ERR" || { show_output; fail "the bad line of a hash list"; }
exit 0
