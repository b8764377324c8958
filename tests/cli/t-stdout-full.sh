#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-stdout-full.sh - issue 16 item 9: a write error on stdout
# (`> /dev/full`) is an error said on stderr, exit 2; never a silent
# exit 2 with "Errors: 0".
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
[ -w /dev/full ] || skip "/dev/full is needed"

mkdir -p "$T/a"
printf 'clean\n' >"$T/a/ok.txt"

# full ARGS...: mdescan ARGS > /dev/full: exit 2 and a message naming
# standard output
full() {
	mds "$@" >/dev/full 2>"$ERR" && RC=0 || RC=$?
	[ "$RC" -eq 2 ] || { show_output; fail "mdescan $* > /dev/full: exit $RC, expected 2"; }
	grep -q '^mdescan: standard output: ' "$ERR" ||
		{ show_output; fail "mdescan $* > /dev/full: no message"; }
}

step "mdescan PATH > /dev/full (text, JSON): a message, exit 2"
full "$T/a"
full --json "$T/a"
step "verbs > /dev/full: a message, exit 2"
full definitions status
full scan list
exit 0
