#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-cage.sh - issue 21: mdescand parses in the parser cage too.
# With the default configuration (no --cage), the test-only fault hook
# (tests/cage/libfault.so, preloaded) makes a parser misbehave on files
# that ask for it, sent as clamd streams (INSTREAM) and named in walks
# (CONTSCAN, MULTISCAN):
#  * each misbehaviour is an ERROR reply naming its cause, the daemon
#    serves on, and the files after it are judged by fresh workers;
#  * a live worker (a stream, and a walk's) runs under the filter
#    (Seccomp: 2), with no_new_privs, without capabilities and, as root,
#    as another user in a network namespace of its own;
#  * the workers come from two processes per definitions generation (the
#    zygotes), forked when the generation is built, not by the request
#    threads: the same two serve every walk; after SIGHUP, the new
#    generation's two, and the old ones end;
#  * --no-cage parses in the daemon (no child process), and -V says so.
set -eu
. "$(dirname "$0")/lib.sh"
. "$TOPSRC/tests/cli/daemon-lib.sh"

[ -f "${FAULT_LIB:-}" ] || skip "the fault hook library is not built (make check builds it)"
probe=$("$MDESCAND" -V | grep '^parser cage') || true
case $probe in
"parser cage on: "*) ;;
*) skip "this kernel cannot have the cage: $probe" ;;
esac
case $("$MDESCAND" --no-cage -V | grep '^parser cage') in
"parser cage off (--no-cage)") ;;
*) fail "mdescand --no-cage -V does not say the cage is off" ;;
esac

# as in t-cage.sh: a sanitizer build leaves the faults to the cage
ASAN_OPTIONS=verify_asan_link_order=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0:allocator_may_return_null=1:detect_leaks=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0
export ASAN_OPTIONS UBSAN_OPTIONS

D=$T/scan C=$T/outside
mkdir -p "$D" "$C"
echo "the canary: no process of the daemon may read this" >"$C/canary"
fault() { printf 'MDESCAN-TEST-FAULT:%s\n' "$2" >"$1"; }
fault "$D/null.bin" null
fault "$D/canary.bin" "open:$C/canary"
fault "$D/exec.bin" exec
make_eicar "$D/eicar.com"
echo "nothing to see here" >"$D/clean.txt"
fault "$T/sleep.bin" sleep:3
make_db "$T/db"
chmod -R a+rX "$T"

# ask CMD [FILE]: the daemon's reply to zCMD, FILE sent as the stream of
# zINSTREAM; NUL-separated replies one per line
ask() {
	"$PYTHON" - "$SOCK" "$@" <<'PY'
import socket, struct, sys
sock, cmd = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
s.sendall(b'z' + cmd.encode() + b'\0')
if cmd == 'INSTREAM':
    data = open(sys.argv[3], 'rb').read()
    s.sendall(struct.pack('>I', len(data)) + data + struct.pack('>I', 0))
r = b''
while True:
    d = s.recv(65536)
    if not d:
        break
    r += d
print(r.replace(b'\0', b'\n').decode(errors='replace'), end='')
PY
}

# expect_reply WANT CMD [FILE]: the reply to CMD has the line WANT
expect_reply() {
	local want=$1
	shift
	ask "$@" >"$T/reply"
	grep -qxF -- "$want" "$T/reply" || {
		cat "$T/reply" >&2
		cat "$T/md.log" >&2
		fail "$*: no '$want'"
	}
}

# zygotes: the daemon's child processes, one per line
zygotes() { pgrep -P "$DPID" | sort; }

# caged_worker: a live worker of the daemon under the filter, or nothing
caged_worker() {
	local z w
	for z in $(zygotes); do
		for w in $(pgrep -P "$z" || true); do
			grep -q '^Seccomp:[[:space:]]*2' "/proc/$w/status" 2>/dev/null &&
				grep -q '^State:[[:space:]]*[RS]' "/proc/$w/status" 2>/dev/null &&
				{ echo "$w"; return 0; }
		done
	done
	return 0
}

# check_worker WHAT: while a sleeping file is parsed, its worker is caged
check_worker() {
	local worker=
	for _ in $(seq 1 100); do
		worker=$(caged_worker)
		[ -z "$worker" ] || break
		sleep 0.05
	done
	[ -n "$worker" ] || fail "$1: no caged worker seen"
	caged_status "$1" "$worker"
}

step "mdescand starts caged by default: two zygotes, forked before it serves"
LD_PRELOAD=$FAULT_LIB "$MDESCAND" --socket "$SOCK" --no-history --no-syslog \
	-d "$T/db" --threads 2 --cage-memory 256M >>"$T/md.log" 2>&1 &
DPID=$!
BGPIDS+=("$DPID")
wait_sock "$SOCK" "$DPID" || { cat "$T/md.log" >&2; fail "mdescand did not start"; }
grep -q "parser cage on: " "$T/md.log" || { cat "$T/md.log" >&2; fail "the log does not say the cage is on"; }
zygotes >"$T/z0"
[ "$(wc -l <"$T/z0")" -eq 2 ] || fail "not two zygotes: $(tr '\n' ' ' <"$T/z0")"

step "INSTREAM: a crashing parser is the stream's error, the next stream is judged"
expect_reply "stream: parser crashed: SIGSEGV in archive stage ERROR" INSTREAM "$D/null.bin"
expect_reply "stream: $EICAR_NAME FOUND" INSTREAM "$D/eicar.com"
expect_reply "stream: parser killed by the cage: forbidden system call openat in archive stage ERROR" \
	INSTREAM "$D/canary.bin"
expect_reply "stream: parser killed by the cage: forbidden system call execve in archive stage ERROR" \
	INSTREAM "$D/exec.bin"
expect_reply "stream: OK" INSTREAM "$D/clean.txt"

step "CONTSCAN and MULTISCAN: each fault its file's error, the other files judged"
for cmd in CONTSCAN MULTISCAN; do
	ask "$cmd $D" | sort >"$T/walk"
	cat >"$T/want" <<EOF2
$D/canary.bin: parser killed by the cage: forbidden system call openat in archive stage ERROR
$D/eicar.com: $EICAR_NAME FOUND
$D/exec.bin: parser killed by the cage: forbidden system call execve in archive stage ERROR
$D/null.bin: parser crashed: SIGSEGV in archive stage ERROR
EOF2
	diff -u "$T/want" "$T/walk" >&2 || fail "$cmd: not the replies expected"
done
[ "$(zygotes)" = "$(cat "$T/z0")" ] || fail "a walk forked a zygote of its own"

step "live workers, a stream's and a walk's: seccomp mode 2, no capabilities, another user"
ask INSTREAM "$T/sleep.bin" >"$T/r1" &
asker=$!
check_worker INSTREAM
wait "$asker"
grep -qxF "stream: OK" "$T/r1" || { cat "$T/r1" >&2; fail "the sleeping stream was not judged"; }
cp "$T/sleep.bin" "$D/sleep.bin"
ask "CONTSCAN $D/sleep.bin" >"$T/r2" &
asker=$!
check_worker CONTSCAN
wait "$asker"
grep -qxF "$D/sleep.bin: OK" "$T/r2" || { cat "$T/r2" >&2; fail "the sleeping file was not judged"; }
[ "$(zygotes)" = "$(cat "$T/z0")" ] || fail "a scan forked a zygote of its own"

step "SIGHUP: the new definitions' two zygotes serve, the old ones end"
kill -HUP "$DPID"
for _ in $(seq 1 100); do
	grep -q 'definitions reloaded' "$T/md.log" && break
	sleep 0.1
done
grep -q 'definitions reloaded' "$T/md.log" || { cat "$T/md.log" >&2; fail "no reload"; }
expect_reply "stream: parser crashed: SIGSEGV in archive stage ERROR" INSTREAM "$D/null.bin"
expect_reply "stream: $EICAR_NAME FOUND" INSTREAM "$D/eicar.com"
expect_reply "$D/eicar.com: $EICAR_NAME FOUND" "CONTSCAN $D/eicar.com"
for _ in $(seq 1 50); do
	zygotes >"$T/z1"
	[ "$(wc -l <"$T/z1")" -eq 2 ] && break
	sleep 0.1
done
[ "$(wc -l <"$T/z1")" -eq 2 ] || fail "not two zygotes after the reload: $(tr '\n' ' ' <"$T/z1")"
[ -z "$(comm -12 "$T/z0" "$T/z1")" ] || fail "a zygote of the old definitions lives on"
daemon_stop

step "--no-cage: parsed in the daemon, no process of its own"
LD_PRELOAD=$FAULT_LIB "$MDESCAND" --socket "$SOCK" --no-history --no-syslog \
	-d "$T/db" --threads 2 --no-cage >>"$T/md.log" 2>&1 &
DPID=$!
BGPIDS+=("$DPID")
wait_sock "$SOCK" "$DPID" || { cat "$T/md.log" >&2; fail "mdescand --no-cage did not start"; }
expect_reply "stream: $EICAR_NAME FOUND" INSTREAM "$D/eicar.com"
expect_reply "$D/eicar.com: $EICAR_NAME FOUND" "CONTSCAN $D/eicar.com"
[ -z "$(zygotes)" ] || fail "--no-cage: child processes $(zygotes | tr '\n' ' ')"
daemon_stop
exit 0
