#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-systemd.sh - mdescand under systemd:
#  * socket activation: a stand-in for systemd holds the listening socket
#    and starts mdescand with LISTEN_FDS and LISTEN_PID, as systemd does
#    (and restarts it when it dies, as Restart= does); mdescand serves on
#    it, never unlinks it, and after kill -9 a client that connected
#    while no daemon ran is answered by the next one;
#  * contrib/systemd/mdescand.socket and .service: the options of
#    ExecStart= are mdescand's, and systemd-analyze verify accepts them.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

UNITS=$TOPSRC/contrib/systemd
ASOCK=$T/act.sock
make_db "$T/db"

# activate PIDFILE CMD...: listens on $ASOCK and runs CMD with it as
# descriptor 3, again each time it ends, until $T/stop exists
cat >"$T/activate.py" <<'PY'
import os, socket, sys, time
path, pidfile, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(64)
stop = os.path.join(os.path.dirname(pidfile), 'stop')
while not os.path.exists(stop):
    pid = os.fork()
    if pid == 0:
        os.dup2(os.dup(s.fileno()), 3)  # inheritable, even if it was 3
        env = dict(os.environ, LISTEN_FDS='1', LISTEN_PID=str(os.getpid()))
        os.execve(cmd[0], cmd, env)
    with open(pidfile + '.tmp', 'w') as f:
        f.write('%d\n' % pid)
    os.rename(pidfile + '.tmp', pidfile)
    os.waitpid(pid, 0)
    time.sleep(0.5)
PY
python3 "$T/activate.py" "$ASOCK" "$T/act.pid" "$MDESCAND" --no-history \
	--no-syslog -d "$T/db" >>"$T/md.log" 2>&1 &
BGPIDS+=("$!")
for i in $(seq 100); do [ -s "$T/act.pid" ] && break; sleep 0.1; done
wait_sock "$ASOCK" "$(cat "$T/act.pid")" || fail "no answer on the socket"

step "socket activation: served on systemd's socket"
grep -q 'serving systemd socket 3' "$T/md.log" || fail "$(cat "$T/md.log")"
python3 "$PROTO" say "$ASOCK" PING >"$OUT"
out_has_line PONG

step "kill -9: a client waiting meanwhile is answered by the next daemon"
old=$(cat "$T/act.pid")
kill -9 "$old"
python3 - "$PROTO" "$ASOCK" >"$OUT" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location('p', sys.argv[1])
p = importlib.util.module_from_spec(spec)
spec.loader.exec_module(p)
print(p.conv(sys.argv[2], [b'zINSTREAM\0' + p.chunks(p.EICAR, 16)], 30))
PY
out_has_line "b'stream: $EICAR_NAME FOUND\\x00'"
[ "$(cat "$T/act.pid")" != "$old" ] || fail "not restarted"

step "a stop leaves systemd's socket in place"
touch "$T/stop"
kill -TERM "$(cat "$T/act.pid")"
for i in $(seq 100); do kill -0 "$(cat "$T/act.pid")" 2>/dev/null || break; sleep 0.1; done
[ -S "$ASOCK" ] || fail "the daemon removed systemd's socket"

step "the units: ExecStart= options, systemd-analyze verify"
"$MDESCAND" --help >"$T/help"
for o in $(awk '/^ExecStart=/' "$UNITS/mdescand.service" | grep -o -- ' --[a-z-]*'); do
	grep -q -e "$o\\b" "$T/help" || fail "ExecStart= option $o unknown"
done
grep -q '^ListenStream=/run/mdescand/mdescand.sock$' "$UNITS/mdescand.socket" ||
	fail "the socket unit's path is not mdescand's default"
grep -q '^SocketMode=0660$' "$UNITS/mdescand.socket" || fail "SocketMode"
grep -q '^ExecStart=/usr/sbin/mdescand ' "$UNITS/mdescand.service" ||
	fail "ExecStart= is not /usr/sbin/mdescand"
command -v systemd-analyze >/dev/null ||
	skip "systemd-analyze not installed: units not verified"
mkdir -p "$T/units"
sed "s#/usr/sbin/mdescand#$MDESCAND#" "$UNITS/mdescand.service" \
	>"$T/units/mdescand.service"
cp "$UNITS/mdescand.socket" "$T/units/"
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
	"$T/units/mdescand.socket" "$T/units/mdescand.service" >"$T/verify" 2>&1 ||
	{ cat "$T/verify" >&2; fail "systemd-analyze verify"; }
grep -v 'Unit .* not found\|mdescand.service: Command .* is not executable' \
	"$T/verify" | grep -q . && { cat "$T/verify" >&2; fail "verify warned"; }
exit 0
