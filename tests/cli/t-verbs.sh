#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-verbs.sh - issue 16 item 5: a missing or mistyped verb is a usage
# error (exit 2) naming the valid verbs, never a scan of ./NAME; a file
# named as a verb is scanned as ./NAME or after --; --help of every verb
# and sub-verb exits 0 with a usage on stdout.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

export MDESCAN_HISTORY_DB=$T/history.db
export MDESCAN_CONF=$T/none.conf
cd "$T"

# cmd WORDS... -- VALID...: a usage error naming every VALID verb
usage_error() {
	local args=() w
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	expect_exit 2 mds "${args[@]}"
	[ ! -s "$OUT" ] || { show_output; fail "stdout not empty: mdescan ${args[*]}"; }
	for w in "$@"; do
		grep -qw -- "$w" "$ERR" || { show_output; fail "mdescan ${args[*]}: '$w' not named"; }
	done
	grep -q 'Scanned files' "$ERR" && fail "mdescan ${args[*]} scanned"
	return 0
}

step "mdescan threat / scan / help / threats list: usage errors, nothing scanned or recorded"
usage_error threat -- allowed get list quarantine
usage_error scan -- list
usage_error help -- definitions diagnostic exclusion health scan threat
usage_error threats list -- definitions diagnostic exclusion health scan threat
usage_error threat lsit -- allowed get list quarantine
[ ! -e "$MDESCAN_HISTORY_DB" ] || fail "a usage error was recorded in the history"

step "a directory named as a verb is still refused bare, scanned as ./threat or after --"
mkdir threat
printf 'clean\n' >threat/a.txt
usage_error threat -- allowed get list quarantine
expect_exit 0 mds ./threat
grep -Fq 'threat/a.txt: OK' "$OUT" || { show_output; fail "./threat not scanned"; }
expect_exit 0 mds -- threat
grep -Fq 'threat/a.txt: OK' "$OUT" || { show_output; fail "-- threat not scanned"; }

step "an existing file with a plain name is scanned as before"
printf 'clean\n' >notes
expect_exit 0 mds notes
grep -Fq 'notes: OK' "$OUT" || { show_output; fail "notes not scanned"; }

step "--help on every verb and sub-verb: exit 0, usage on stdout"
while read -r line; do
	# shellcheck disable=SC2086 # $line is meant to split
	expect_exit 0 mds $line --help
	grep -qi usage "$OUT" || { show_output; fail "mdescan $line --help: no usage on stdout"; }
done <<'VERBS'
definitions
definitions update
definitions status
definitions rollback
diagnostic
diagnostic create
exclusion
health
scan
scan list
threat
threat allowed
threat allowed add
threat get
threat list
threat quarantine
threat quarantine list
VERBS
exit 0
