#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-cancel-text.sh - issue 16 item 12: a cancelled scan's text summary
# says it was cancelled (mdescan(1) EXIT STATUS says it does); the
# history records it cancelled.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
[ -d /proc/self/fd ] || skip "no /proc: cannot see when the scan is under way"
command -v jq >/dev/null 2>&1 || skip "jq is needed"

K=$T/killed
mkdir -p "$K"
for i in 1 2 3 4 5 6 7 8; do printf 'file %d\n' "$i" >"$K/f$i"; done

step "SIGTERM mid-scan (text output): the summary says cancelled, exit 2"
MDESCAN_TEST_DELAY_MS=2000 mds_bg -j 1 --no-cache "$K"
res=$(wait_open 20 "$K"/f?) || { kill "$BGPID"; show_output; fail "mdescan never opened a file of $K"; }
kill -TERM "${res% *}"
mds_wait 2
grep -q '^Scan cancelled' "$ERR" || { show_output; fail "the text summary does not say cancelled"; }
grep -q 'SCAN SUMMARY' "$ERR" || { show_output; fail "no summary"; }
expect_exit 0 mds scan list --json
[ "$(jq -r '.[0].status' "$OUT")" = cancelled ] || { show_output; fail "history: not cancelled"; }

step "a scan run to its end says nothing of a cancel"
expect_exit 0 mds --no-cache "$K"
grep -q 'cancelled' "$ERR" && { show_output; fail "an ended scan says cancelled"; }
exit 0
