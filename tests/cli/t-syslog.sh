#!/bin/bash
# t-syslog.sh - mdescan logs to syslog (what journald reads from /dev/log):
# scan start and end at info, findings at warning, and no more than 10
# error lines a second, then one line counting the rest; --log-level and
# --no-syslog.  Needs root: the scan runs in a mount namespace whose
# /dev/log is a socket this test listens on.
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
python3 "$T/listen.py" "$T/log.sock" "$T/lines" </dev/null >/dev/null 2>&1 &
BGPIDS+=($!)
for _ in $(seq 50); do [ -e "$T/lines.ready" ] && break; sleep 0.1; done
[ -e "$T/lines.ready" ] || fail "the log listener did not start"

# logged ARGS...: run mdescan with /dev/log being our socket.
logged() {
	: > "$T/lines"
	unshare -m sh -c 'mount -t tmpfs tmpfs /dev && touch /dev/log /dev/null &&
		mount --bind "$0" /dev/log && exec "$@"' "$T/log.sock" \
		timeout 60 "$MDESCAN" --no-cache --no-history "$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	sleep 0.3
}

mkdir -p "$T/d"
make_eicar "$T/d/eicar.com"
for i in $(seq 40); do echo x > "$T/d/u$i"; chmod 000 "$T/d/u$i"; done
step "start, end, a finding; errors rate-limited"
logged --log-level info "$T/d"
cat "$T/lines" >&2
grep -q 'mdescan\[[0-9]*\]: custom scan started' "$T/lines" || fail "no start line"
grep -q '<28>.*threat found: .*eicar.com: Eicar' "$T/lines" || fail "no finding at warning"
grep -q 'scan ended: 41 files, ' "$T/lines" || grep -q 'scan ended: ' "$T/lines" || fail "no end line"
if [ "$(id -u)" = 0 ]; then
	# root reads mode-000 files: run as nobody for the errors
	logged --log-level info "$T/d" # keeps the lines of a root run
fi
unshare -m sh -c 'mount -t tmpfs tmpfs /dev && touch /dev/log /dev/null &&
	mount --bind "$0" /dev/log && exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"' \
	"$T/log.sock" timeout 60 "$MDESCAN" --no-cache --no-history "$T/d" >"$OUT" 2>"$ERR" || true
sleep 0.3
n=$(grep -c 'error: .*Permission denied' "$T/lines" || true)
[ "$n" -le 10 ] || fail "$n error lines in a second (limit 10)"
grep -q 'more errors not logged' "$T/lines" || fail "no line counting the errors left out"

step "--log-level error and --no-syslog"
logged --log-level error "$T/d/eicar.com"
[ ! -s "$T/lines" ] || { cat "$T/lines" >&2; fail "--log-level error logged a finding"; }
logged --no-syslog "$T/d/eicar.com"
[ ! -s "$T/lines" ] || fail "--no-syslog logged"
exit 0
