#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-proc-deleted.sh - issue 16 item 11: "a running deleted binary is
# reported only as /proc/18/exe, without its original path or command".
# A copy of sleep (made unique by a few bytes at its end, and matched by a
# hash signature made at test time) runs under an argv[0] with a tab,
# is deleted, and the quick scan, which reads running binaries through
# /proc/PID/exe, names its process, original path and command line, in
# text and JSON.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null 2>&1 || skip "jq is needed"
SLEEP=$(command -v sleep) || skip "sleep is needed"

mkdir -p "$T/run"
B="$T/run/dropped bin"
cp "$SLEEP" "$B"
printf 'mdescan-t-proc-deleted %s\n' "$$" >>"$B"
chmod 755 "$B"
printf '%s:%s:Test.Deleted.Binary\n' "$(sha256sum <"$B" | cut -d' ' -f1)" \
	"$(stat -c %s "$B")" >"$T/t.hsb"
(exec -a $'fake\tname' "$B" 300 7) &
PID=$!
BGPIDS+=("$PID")
for _ in $(seq 50); do
	[ "$(readlink "/proc/$PID/exe" 2>/dev/null)" = "$B" ] && break
	sleep 0.1
done
[ "$(readlink "/proc/$PID/exe")" = "$B" ] || fail "the copy does not run"
rm "$B"

step "the exact command: a quick scan finds the deleted binary in memory"
MDS_TIMEOUT=300 expect_exit 1 mds --quick --no-summary --infected --no-archive --max-filesize 1M -d "$T/t.hsb"
out_has_line "/proc/$PID/exe: Test.Deleted.Binary FOUND (process $PID: $B (deleted), command: fake\\tname 300 7)"

step "the same in JSON"
expect_exit 1 mds --no-cache --json -d "$T/t.hsb" "/proc/$PID/exe"
jq -se --arg b "$B" --argjson p "$PID" 'map(select(.type == "finding")) |
	length == 1 and (.[0] |
	.path == "/proc/\($p)/exe" and .name == "Test.Deleted.Binary" and
	.process == {pid: $p, exe: $b, deleted: true, cmdline: "fake\tname 300 7"})' \
	"$OUT" >/dev/null || { show_output; fail "no process in the JSON finding"; }

step "a binary still on disk: its path, not deleted"
cp "$SLEEP" "$T/run/kept"
printf 'mdescan-t-proc-deleted %s\n' "$$" >>"$T/run/kept"
chmod 755 "$T/run/kept"
"$T/run/kept" 300 &
PID2=$!
BGPIDS+=("$PID2")
for _ in $(seq 50); do
	[ "$(readlink "/proc/$PID2/exe" 2>/dev/null)" = "$T/run/kept" ] && break
	sleep 0.1
done
expect_exit 1 mds --no-cache --no-summary -d "$T/t.hsb" "/proc/$PID2/exe"
out_has_line "/proc/$PID2/exe: Test.Deleted.Binary FOUND (process $PID2: $T/run/kept, command: $T/run/kept 300)"
kill "$PID" "$PID2"
exit 0
