#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-clamav-diff.sh - the differential test against the real clamscan: a
# fixed-seed run of tests/clamav/difftest.py (3,600 signature/file pairs,
# every .ndb/.ldb feature and hash format at least 50 times) must give
# mdescan and clamscan the same verdict on every file; then the same run
# with --unofficial-names, the names as clamscan writes them for loose
# files: NAME.UNOFFICIAL for body, logical, file, section and import hash
# signatures alike (issue 18).  Long runs:
#	tests/clamav/difftest.py --seed N --count PAIRS [--unofficial]
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v clamscan >/dev/null || skip "clamscan not installed (Debian clamav)"
command -v python3 >/dev/null || skip "python3 not installed"

step "seed 17, 3600 pairs: the same verdict as clamscan on every file"
if ! python3 "$TOPSRC/tests/clamav/difftest.py" --seed 17 --count 3600 \
	--mdescan "$MDESCAN" >"$T/out" 2>&1; then
	tail -60 "$T/out" >&2
	fail "mdescan and clamscan disagree (above)"
fi
grep -q ' 0 differences' "$T/out" || { cat "$T/out" >&2; fail "no summary"; }
tail -1 "$T/out"

step "the same with --unofficial-names: clamscan's names, suffix included"
if ! python3 "$TOPSRC/tests/clamav/difftest.py" --seed 17 --count 3600 \
	--unofficial --mdescan "$MDESCAN" >"$T/out" 2>&1; then
	tail -60 "$T/out" >&2
	fail "mdescan --unofficial-names and clamscan name differently (above)"
fi
grep -q ' 0 differences' "$T/out" || { cat "$T/out" >&2; fail "no summary"; }
tail -1 "$T/out"
