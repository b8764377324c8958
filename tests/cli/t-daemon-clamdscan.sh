#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-clamdscan.sh - Debian's clamdscan, unmodified, pointed at
# mdescand by its own configuration file:
#  * files and directories in every mode (CONTSCAN, --stream, --fdpass,
#    --multiscan and their mixes, standard input, --allmatch), with
#    clamdscan's exit codes 0 (clean), 1 (found) and 2 (errors);
#  * --ping, --version, --reload;
#  * mdescan.conf's exclusions and scan roots (a link inside a root that
#    leads out of it is refused too);
#  * the socket: its mode and group, a stale socket after kill -9, a live
#    daemon's socket never taken over, TCP only when asked.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

CLAMDSCAN=$(command -v clamdscan) ||
	skip "clamdscan is not installed (apt-get install clamdscan)"
fixtures "$T/f"
make_db "$T/db"
printf 'LocalSocket %s\n' "$SOCK" >"$T/clamdscan.conf"
cds() {
	timeout -k 5 60 "$CLAMDSCAN" --config-file="$T/clamdscan.conf" "$@"
}

daemon_start -d "$T/db" -j 2

step "a file: exit 0 clean, 1 infected, 2 error"
expect_exit 0 cds "$T/f/scan/clean.txt"
expect_ok "$T/f/scan/clean.txt"
expect_exit 1 cds "$T/f/scan/eicar.com"
out_has_line "$T/f/scan/eicar.com: $EICAR_NAME FOUND"
expect_exit 2 cds "$T/f/nonexistent"
expect_exit 1 cds "$T/f/scan/clean.txt" "$T/f/nonexistent" "$T/f/scan/eicar.com"

step "a directory in every mode: both infected files, clamdscan's summary"
for mode in "" --stream --fdpass --multiscan "--multiscan --fdpass" \
	"--multiscan --stream"; do
	# shellcheck disable=SC2086 # the mode words
	expect_exit 1 cds $mode "$T/f/scan2"
	out_has_line "$T/f/scan2/a.com: $EICAR_NAME FOUND"
	out_has_line "$T/f/scan2/sub/b.com: $EICAR_NAME FOUND"
	out_has_line "Infected files: 2"
	out_lacks "z.txt: "
	# shellcheck disable=SC2086
	expect_exit 0 cds $mode "$T/f/emptydir" "$T/f/scan/clean.txt"
done

step "standard input (a descriptor) and --allmatch"
expect_exit 1 cds - <"$T/f/scan/eicar.com"
grep -Eq "^fd\[[0-9]+\]: $EICAR_NAME FOUND\$" "$OUT" ||
	{ show_output; fail "stdin not found"; }
expect_exit 0 cds - <"$T/f/scan/clean.txt"
expect_exit 1 cds --allmatch "$T/f/scan/eicar.com"
out_has_line "$T/f/scan/eicar.com: $EICAR_NAME FOUND"

step "--ping, --version, --reload"
expect_exit 0 cds --ping 1
out_has_line PONG
expect_exit 0 cds --version
grep -q '^mdescan [0-9]' "$OUT" || { show_output; fail "--version"; }
expect_exit 0 cds --reload
sleep 1
expect_exit 1 cds "$T/f/scan/eicar.com"
grep -q 'definitions reloaded' "$T/md.log" || fail "RELOAD did not reload"
daemon_stop

step "exclusions and scan roots of mdescan.conf"
ln -s /etc "$T/f/etc-link"
cat >"$MDESCAN_CONF" <<EOF
exclude_dir = $T/f/scan2/sub
daemon_scan_root = $T/f
daemon_socket_mode = 0600
daemon_socket_group = nogroup
EOF
daemon_start -d "$T/db" -j 2
expect_exit 1 cds "$T/f/scan2"
out_has_line "$T/f/scan2/a.com: $EICAR_NAME FOUND"
out_lacks "sub/b.com"
expect_exit 0 cds "$T/f/scan2/sub/b.com"
# clamdscan shows OK for it; the daemon said:
python3 "$PROTO" say "$SOCK" "SCAN $T/f/scan2/sub/b.com" >"$OUT"
out_has_line "$T/f/scan2/sub/b.com: Excluded"
expect_exit 2 cds /etc/hostname
out_has_line "/etc/hostname: Access denied. ERROR"
expect_exit 2 cds "$T/f/etc-link/hostname"
out_lacks "hostname: OK"
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "socket mode $(stat -c %a "$SOCK")"
[ "$(stat -c %G "$SOCK")" = nogroup ] || fail "socket group $(stat -c %G "$SOCK")"

step "kill -9 leaves a stale socket: the next daemon takes its place"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || :
[ -S "$SOCK" ] || fail "no stale socket left to test with"
daemon_start -d "$T/db" -j 2
expect_exit 1 cds "$T/f/scan/eicar.com"

step "a live daemon's socket is never taken over"
rc=0
timeout 20 "$MDESCAND" --socket "$SOCK" --no-history --no-syslog -d "$T/db" \
	>"$T/second.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a second daemon exited $rc"
grep -q 'another mdescand serves' "$T/second.log" || fail "$(cat "$T/second.log")"
expect_exit 1 cds "$T/f/scan/eicar.com"
daemon_stop
[ ! -e "$SOCK" ] || fail "the socket is left after a clean stop"

step "TCP only when asked, and then on loopback"
: >"$MDESCAN_CONF"
daemon_start -d "$T/db" -j 2
ss -ltnp 2>/dev/null | grep -q "pid=$DPID," && fail "listens on TCP unasked"
daemon_stop
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
daemon_start -d "$T/db" -j 2 --tcp-port "$port"
ss -ltnp | grep "pid=$DPID," | grep -q "127.0.0.1:$port " ||
	fail "not on 127.0.0.1:$port: $(ss -ltnp | grep "pid=$DPID,")"
printf 'TCPSocket %s\nTCPAddr 127.0.0.1\n' "$port" >"$T/tcp.conf"
timeout 60 "$CLAMDSCAN" --config-file="$T/tcp.conf" --stream "$T/f/scan2" \
	>"$OUT" 2>"$ERR" && RC=0 || RC=$?
[ "$RC" -eq 1 ] || { show_output; fail "clamdscan over TCP: $RC"; }
out_has_line "$T/f/scan2/sub/b.com: $EICAR_NAME FOUND"
daemon_stop
exit 0
