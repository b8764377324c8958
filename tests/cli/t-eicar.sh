#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-eicar.sh - the built-in definitions (no -d) detect the EICAR test file;
# text output lines, -i, exit status 0/1.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

D=$T/tree
mkdir -p "$D/sub" "$T/clean/sub"
make_eicar "$D/eicar.com"
make_eicar "$D/sub/eicar-ws.txt"
printf ' \t  \r\n' >>"$D/sub/eicar-ws.txt"
printf 'hello world\n' >"$D/hello.txt"
printf 'nothing to see\n' >"$D/sub/clean.txt"
printf 'just text\n' >"$T/clean/a.txt"
printf '#!/bin/sh\necho hi\n' >"$T/clean/sub/b.sh"
: >"$T/clean/empty"

step "EICAR given as a file argument: exit 1 and a FOUND line"
expect_exit 1 mds "$D/eicar.com"
expect_found "$D/eicar.com"
[ "$(grep -c ' FOUND$' "$OUT")" -eq 1 ] || { show_output; fail "expected exactly one FOUND line"; }
name=$(sed -n "s|^$D/eicar.com: \\(.*\\) FOUND\$|\\1|p" "$OUT")
[ -n "$name" ] || fail "empty signature name in FOUND line"
case $name in *' '*) fail "signature name contains a space: '$name'" ;; esac

step "EICAR followed by trailing whitespace is still detected"
expect_exit 1 mds "$D/sub/eicar-ws.txt"
expect_found "$D/sub/eicar-ws.txt"

step "directory walk: both EICAR files found, clean files OK"
expect_exit 1 mds "$D"
expect_found "$D/eicar.com"
expect_found "$D/sub/eicar-ws.txt"
expect_ok "$D/hello.txt"
expect_ok "$D/sub/clean.txt"
[ "$(wc -l <"$OUT")" -eq 4 ] || { show_output; fail "expected exactly 4 result lines on stdout"; }
out_lacks "SCAN SUMMARY"
grep -q '^----------- SCAN SUMMARY -----------$' "$ERR" || { show_output; fail "no summary on stderr"; }
expect_summary "Infected files" 2
expect_summary "Scanned files" 4

step "clean tree: exit 0 and one OK line per file"
expect_exit 0 mds "$T/clean"
expect_ok "$T/clean/a.txt"
expect_ok "$T/clean/sub/b.sh"
expect_ok "$T/clean/empty"
out_lacks " FOUND"
expect_summary "Infected files" 0

step "-i prints only findings"
expect_exit 1 mds -i "$D"
expect_found "$D/eicar.com"
expect_found "$D/sub/eicar-ws.txt"
[ "$(wc -l <"$OUT")" -eq 2 ] || { show_output; fail "-i: expected only the 2 FOUND lines"; }
out_lacks ": OK"
expect_exit 0 mds --infected "$T/clean"
[ ! -s "$OUT" ] || { show_output; fail "--infected on a clean tree must print nothing on stdout"; }

step "several PATH arguments, a file and a directory"
expect_exit 1 mds -i "$T/clean" "$D/eicar.com"
expect_found "$D/eicar.com"
[ "$(wc -l <"$OUT")" -eq 1 ] || { show_output; fail "expected one FOUND line"; }

step "--no-summary"
expect_exit 1 mds --no-summary "$D/eicar.com"
if grep -q 'SCAN SUMMARY' "$ERR"; then show_output; fail "--no-summary still printed a summary"; fi

exit 0
