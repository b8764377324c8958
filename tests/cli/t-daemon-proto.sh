#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-proto.sh - mdescand's clamd protocol over raw sockets:
#  * every command in the z, n and legacy forms, sessions, INSTREAM
#    chunk boundaries and oversize streams, FILDES, garbage, timeouts:
#    the replies equal a real clamd's (clamav-daemon) with the same
#    signatures, byte for byte once normalised (clamd-proto.py says
#    what differs by design);
#  * what only the daemon's own limits show: slow clients still get their
#    verdict, clients that vanish mid-stream leave nothing behind,
#    overload is answered with an error, a client that reads no replies
#    is dropped, and no scanned file is ever written to.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

fixtures "$T/f"
make_db "$T/db"
daemon_start -d "$T/db" --command-timeout 2 --idle-timeout 3 \
	--max-stream 1M -j 2

step "the replies of a real clamd, command by command"
if clamd_start "$T/db"; then
	python3 "$PROTO" compare "$SOCK" "$CSOCK" "$T/f" >"$T/cmp" 2>&1 || {
		grep -A2 '^DIFF' "$T/cmp" >&2
		tail -1 "$T/cmp" >&2
		fail "replies differ from clamd's"
	}
	tail -1 "$T/cmp" >&2
	kill "$CPID"
else
	step "no clamd here (or not root): the replies alone are checked"
fi

# reply CASE: mdescand's reply to a case of clamd-proto.py
reply() {
	python3 "$PROTO" run "$SOCK" "$T/f" "$1" | sed 's/^[^ ]* *//'
}
expect_reply() {
	local got
	got=$(reply "$1")
	[ "$got" = "$2" ] || fail "$1: got $got, expected $2"
}

step "the replies that matter most, as clients parse them"
expect_reply zPING "b'PONG\\x00'"
expect_reply nPING "b'PONG\\n'"
expect_reply zINSTREAM-eicar "b'stream: $EICAR_NAME FOUND\\x00'"
expect_reply zINSTREAM-1byte-chunks "b'stream: $EICAR_NAME FOUND\\x00'"
expect_reply zINSTREAM-split "b'stream: $EICAR_NAME FOUND\\x00'"
expect_reply nINSTREAM-clean "b'stream: OK\\n'"
expect_reply zINSTREAM-over-by-1 "b'INSTREAM size limit exceeded. ERROR\\x00'"
expect_reply zINSTREAM-exact "b'stream: OK\\x00'"
expect_reply zSCAN-clean "b'$T/f/scan/clean.txt: OK\\x00'"
reply zFILDES-pipe | grep -Eq "^b'fd\[[0-9]+\]: Not a regular file ERROR" ||
	fail "FILDES of a pipe: $(reply zFILDES-pipe)"
reply zIDSESSION | grep -Fq "3: $T/f/scan/eicar.com: $EICAR_NAME FOUND" ||
	fail "IDSESSION replies: $(reply zIDSESSION)"

# the upper bound leaves room for the Python client starting on a loaded
# machine; the defaults (command 30 s, idle 120 s) are far above it
step "timeouts: COMMAND READ TIMED OUT after 2 s (command) and 3 s (stream)"
for c in idle-nothing:2 partial-command:2 stream-stalls:3; do
	s=$(date +%s.%N)
	got=$(reply "${c%%:*}")
	e=$(date +%s.%N)
	[ "$got" = "b'COMMAND READ TIMED OUT\\n'" ] || fail "${c%%:*}: $got"
	awk -v s="$s" -v e="$e" -v t="${c#*:}" \
		'BEGIN { exit !(e - s >= t - 0.1 && e - s < t + 5) }' ||
		fail "${c%%:*}: timed out after $(awk -v s="$s" -v e="$e" 'BEGIN{print e-s}') s"
done

step "slow clients, vanishing clients, overload, unread replies"
# once to warm up: every scanning thread then has its scanner and its
# parser cage (a worker's socket, pidfd, buffer and page: kept, not
# leaked); what a second round leaves behind is a leak
python3 "$TOPSRC/tests/cli/daemon-clients.py" limits "$SOCK" "$T/f" \
	>"$T/limits.warm" 2>&1 || { cat "$T/limits.warm" >&2; fail "daemon-clients.py limits (warm-up)"; }
sleep 1
base_fds=$(nfds "$DPID")
base_rss=$(rss_kb "$DPID")
python3 "$TOPSRC/tests/cli/daemon-clients.py" limits "$SOCK" "$T/f" \
	2>&1 | tee "$T/limits" >&2 || fail "daemon-clients.py limits"
sleep 1
[ "$(nfds "$DPID")" -le $((base_fds + 2)) ] ||
	fail "descriptors left behind: $base_fds before, $(nfds "$DPID") after"
rss=$(rss_kb "$DPID")
[ "$rss" -lt $((base_rss + 65536)) ] ||
	fail "RSS grew from $base_rss KiB to $rss KiB"
expect_reply zPING "b'PONG\\x00'"

step "a full queue and too many clients are answered with an error"
daemon_stop
daemon_start -d "$T/db" -j 1 --queue 1 --max-connections 3 \
	--test-delay-ms 700
python3 "$TOPSRC/tests/cli/daemon-clients.py" overload "$SOCK" "$T/f" \
	>&2 || fail "overload"
expect_reply zPING "b'PONG\\x00'"
daemon_stop

step "scanned files are only ever read"
daemon_start -d "$T/db" -j 2
python3 "$TOPSRC/tests/cli/daemon-clients.py" readonly "$SOCK" "$T/f" \
	>&2 || fail "a scanned file was written to"
daemon_stop
exit 0
