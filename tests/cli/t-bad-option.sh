#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-bad-option.sh - issue 16 item 10: a bad option is one short error
# that repeats the bad value and points to --help, never the ~70 lines of
# usage; exit 2, nothing on stdout.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# short ARGS...: exit 2, at most 2 lines on stderr, the last one pointing
# to --help, stdout empty
short() {
	expect_exit 2 mds "$@"
	[ ! -s "$OUT" ] || { show_output; fail "stdout not empty: mdescan $*"; }
	[ "$(wc -l <"$ERR")" -le 2 ] || { show_output; fail "more than a short error: mdescan $*"; }
	tail -n 1 "$ERR" | grep -q -- "--help' for the usage" || { show_output; fail "no pointer to --help: mdescan $*"; }
}

step "mdescan --max-filesize 12Q PATH: the bad value repeated"
short --max-filesize 12Q "$T"
grep -Fxq "mdescan: invalid size for --max-filesize: '12Q'" "$ERR" || { show_output; fail "bad value not repeated"; }
short -j abc "$T"
grep -Fq "'abc'" "$ERR" || { show_output; fail "bad -j value not repeated"; }
short --action nuke "$T"
grep -Fq "'nuke'" "$ERR" || { show_output; fail "bad --action value not repeated"; }

step "unknown options: getopt's line and the pointer"
short --no-such-option "$T"
grep -Fq "'--no-such-option'" "$ERR" || { show_output; fail "option not named"; }
short health --bogus
short scan list --bogus
short definitions status --bogus
exit 0
