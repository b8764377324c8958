#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-syslog.sh - mdescan --log-target syslog sends RFC 5424 datagrams to
# /dev/log: scan start and end at info, findings at warning, and no more
# than 10 error lines a second, then one line counting the rest;
# --log-level and --no-syslog.  Needs root: the scan runs in a mount
# namespace whose /dev/log is a socket this test listens on.  (What a real
# syslog daemon makes of the datagrams: t-rsyslog.sh.)
set -eu
. "$(dirname "$0")/lib.sh"

is_root || skip "needs root (a private /dev/log)"
command -v unshare >/dev/null || skip "needs unshare(1)"
cat > "$T/listen.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
PY
# mdescan never waits for the log: a datagram the listener's queue cannot
# take is dropped.  The kernel's default queue is 10 datagrams (systemd
# makes it 512), fewer than a burst of error messages: the listener gets
# a network namespace (the limit is per namespace) with a longer queue.
# (Started directly, not through a shell function: $! must be the
# listener itself, for the cleanup to kill it.)
qlen=
unshare -n true 2>/dev/null && qlen=unshare
${qlen:+unshare -n} sh -c '[ -z "$0" ] || sysctl -qw net.unix.max_dgram_qlen=512
	exec "$@"' "$qlen" "$PYTHON" "$T/listen.py" "$T/log.sock" "$T/lines" \
	</dev/null >/dev/null 2>&1 &
BGPIDS+=($!)
for _ in $(seq 50); do [ -e "$T/lines.ready" ] && break; sleep 0.1; done
[ -e "$T/lines.ready" ] || fail "the log listener did not start"

# logged ARGS...: run mdescan with /dev/log being our socket.
logged() {
	: > "$T/lines"
	unshare -m sh -c 'mount -t tmpfs tmpfs /dev && touch /dev/log /dev/null &&
		mount --bind "$0" /dev/log && exec "$@"' "$T/log.sock" \
		timeout 60 "$MDESCAN" --log-target syslog --no-cache --no-history "$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	sleep 0.3
}

mkdir -p "$T/d"
make_eicar "$T/d/eicar.com"
for i in $(seq 40); do echo x > "$T/d/u$i"; chmod 000 "$T/d/u$i"; done
step "start, end, a finding; errors rate-limited"
logged --log-level info "$T/d"
cat "$T/lines" >&2
# <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG; daemon facility
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}'
grep -Eq "^<30>1 $ts [!-~]+ mdescan [0-9]+ SCANSTART \[mdescan@32473 .*\] custom scan started" \
	"$T/lines" || fail "no start line"
grep -Eq "^<28>1 $ts [!-~]+ mdescan [0-9]+ FINDING \[mdescan@32473 .*threat=\"Eicar-Test-Signature\".*\] threat found: .*eicar.com: Eicar" \
	"$T/lines" || fail "no finding at warning"
grep -Eq '^<30>1 .* SCANEND \[mdescan@32473 .*files="41" findings="1" infected="1" .*\] scan ended: 41 files, ' \
	"$T/lines" || fail "no end line"
if [ "$(id -u)" = 0 ]; then
	# root reads mode-000 files: run as nobody for the errors
	logged --log-level info "$T/d" # keeps the lines of a root run
fi
unshare -m sh -c 'mount -t tmpfs tmpfs /dev && touch /dev/log /dev/null &&
	mount --bind "$0" /dev/log && exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"' \
	"$T/log.sock" timeout 60 "$MDESCAN" --log-target syslog --no-cache \
	--no-history "$T/d" >"$OUT" 2>"$ERR" || true
sleep 0.3
n=$(grep -c '^<28>1 .* ERROR .*error: .*Permission denied' "$T/lines" || true)
[ "$n" -le 10 ] || fail "$n error lines in a second (limit 10)"
grep -q '^<28>1 .* RATELIMIT .*dropped="[0-9]*"\] [0-9]* more errors not logged' "$T/lines" ||
	{ cat "$T/lines" >&2; fail "no line counting the errors left out"; }

step "--log-level error and --no-syslog"
logged --log-level error "$T/d/eicar.com"
[ ! -s "$T/lines" ] || { cat "$T/lines" >&2; fail "--log-level error logged a finding"; }
logged --no-syslog "$T/d/eicar.com"
[ ! -s "$T/lines" ] || fail "--no-syslog logged"
exit 0
