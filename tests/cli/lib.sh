# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# lib.sh - helpers shared by the tests/cli/t-*.sh integration tests.
#
# Sourced (never run) by each test script, after `set -eu`:
#
#	. "$(dirname "$0")/lib.sh"
#
# Each script builds its fixtures in a fresh temporary directory $T that is
# removed on exit, drives the real binary and asserts on its exit status and
# output.  Exit status of a test: 0 pass, 77 skip (reason on stderr), 1 fail.
#
# Environment:
#	MDESCAN		binary under test (default: src/mdescan/mdescan of this tree,
#			or ./src/mdescan/mdescan of the build directory)
#	MDS_TIMEOUT	seconds before a hung mdescan run is killed (60)

umask 022
export LC_ALL=C

TEST_NAME=${0##*/}
TOPSRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${MDESCAN:-}" ]; then
	MDESCAN=$TOPSRC/src/mdescan/mdescan
	# automake runs the tests from the build directory: in a VPATH
	# build the binary is there, not next to the sources.
	if [ ! -x "$MDESCAN" ] && [ -n "${srcdir:-}" ] && [ -x src/mdescan/mdescan ]; then
		MDESCAN=$PWD/src/mdescan/mdescan
	fi
fi
MDS_TIMEOUT=${MDS_TIMEOUT:-60}

# ------------------------------------------------------------ reporting

# fail MSG...: report a failed assertion and end the test with status 1.
fail() {
	printf 'FAIL: %s: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# skip MSG...: end the test as skipped (status 77) with the reason.
skip() {
	printf 'SKIP: %s: %s\n' "$TEST_NAME" "$*" >&2
	exit 77
}

# step MSG...: log what is being checked (shows up in the .log file).
step() {
	printf '# %s\n' "$*" >&2
}

# python3 itself, not a version-manager shim (a pyenv shim costs ~0.5 s
# a call and the tests call python3 often).
if [ -x /usr/bin/python3 ]; then
	PYTHON=/usr/bin/python3
else
	PYTHON=$(command -v python3) || skip "python3 is needed"
fi
python3() {
	"$PYTHON" "$@"
}

# ------------------------------------------------------------ temp dir

T=$(mktemp -d "${TMPDIR:-/tmp}/mdescan-cli.XXXXXX") ||
	{ echo "FAIL: $TEST_NAME: mktemp failed" >&2; exit 1; }
OUT=$T/.stdout
ERR=$T/.stderr
RC=0
# every test gets a scan cache of its own (never /var/cache/mdescan), made
# writable for the unprivileged runs of run_unpriv
MDESCAN_CACHE_DIR=$T/.cache
export MDESCAN_CACHE_DIR
mkdir -p "$MDESCAN_CACHE_DIR"
chmod 1777 "$T" "$MDESCAN_CACHE_DIR"
# no configuration but its own (a missing file is an empty one)
MDESCAN_CONF=$T/.mdescan.conf
export MDESCAN_CONF
# and a history of its own (never /var/lib/mdescan/history.db)
MDESCAN_HISTORY_DB=$T/.history/history.db
export MDESCAN_HISTORY_DB
mkdir -p "$T/.history"
chmod 1777 "$T/.history"
MOUNTS=()	# mount points to unmount on exit
CLEANUP=()	# extra directories to remove on exit
BGPIDS=()	# background processes to kill on exit

cleanup() {
	local rc=$? i
	set +e
	for i in "${BGPIDS[@]}"; do
		kill "$i" 2>/dev/null && wait "$i" 2>/dev/null
	done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}"
	done
	for i in "$T" "${CLEANUP[@]}"; do
		[ -e "$i" ] || continue
		chmod -R u+rwX "$i" 2>/dev/null
		rm -rf "$i"
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------ fixtures

# The EICAR test string is assembled at run time from two halves so that no
# file in the repository contains it (and no scanner flags the repository).
# shellcheck disable=SC2016 # literal $ and \, not expansions
EICAR_A='X5O!P%@AP[4\PZX54(P^)7CC)7}$'
# shellcheck disable=SC2016
EICAR_B='EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
EICAR_MD5=44d88612fea8a8f36de82e1278abb02f

# make_eicar FILE: write the 68-byte EICAR test file.
make_eicar() {
	printf '%s%s' "$EICAR_A" "$EICAR_B" >"$1"
}

# The halves are typed by hand: check once that they make the real thing.
make_eicar "$T/.eicar-check"
[ "$(md5sum <"$T/.eicar-check" | cut -d' ' -f1)" = "$EICAR_MD5" ] ||
	fail "lib.sh builds a wrong EICAR string"
rm -f "$T/.eicar-check"

# hex STRING: lowercase hex of the bytes of STRING, no separators.
hex() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# fill N [CHAR]: print N copies of CHAR (default '-').
fill() {
	local n=$1 c=${2:--}
	[ "$n" -gt 0 ] || return 0
	printf "%${n}s" '' | tr ' ' "$c"
}

# ------------------------------------------------------------ running

[ -x "$MDESCAN" ] || fail "mdescan binary not found or not executable: $MDESCAN (build it, or set MDESCAN)"

# mds ARGS...: run mdescan with a time limit, so that a hang fails the test.
mds() {
	timeout -k 5 "$MDS_TIMEOUT" "$MDESCAN" "$@"
}

# show_output: dump the captured stdout/stderr of the last run.
show_output() {
	{
		echo "--- stdout (first 60 lines):"
		head -n 60 "$OUT" | cat -v
		echo "--- stderr (first 60 lines):"
		head -n 60 "$ERR" | cat -v
		echo "---"
	} >&2
}

# expect_exit N CMD...: run CMD with stdout in $OUT and stderr in $ERR;
# fail unless it exits with status N.  RC holds the status afterwards.
expect_exit() {
	local want=$1
	shift
	"$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
		show_output
		fail "timed out after $MDS_TIMEOUT s (status $RC): $*"
	fi
	if [ "$RC" -ne "$want" ]; then
		show_output
		fail "exit status $RC, expected $want: $*"
	fi
}

# is_root: true when running as uid 0.
is_root() {
	[ "$(id -u)" -eq 0 ]
}

# run_unpriv CMD...: run CMD as user nobody (root bypasses file permissions).
# `run_unpriv mds ARGS` runs mdescan itself with the time limit.  When the
# test already runs unprivileged, CMD runs as is.
run_unpriv() {
	if [ "$1" = mds ]; then
		shift
		set -- timeout -k 5 "$MDS_TIMEOUT" "$MDESCAN" "$@"
	fi
	if is_root; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

# watch_ready PID: waits (10 s) for $T/ready, written by the mdewatch
# started as PID with --ready-file "$T/ready" and its stderr in
# "$T/w.err".  0 when it is ready; 1 when fanotify is not available here
# (a step says so); fails the test otherwise.
watch_ready() {
	for _ in $(seq 100); do
		[ -e "$T/ready" ] || ! kill -0 "$1" 2>/dev/null && break
		sleep 0.1
	done
	[ -e "$T/ready" ] && return 0
	if grep -q 'fanotify' "$T/w.err"; then
		step "fanotify not available: mdewatch not started ($(head -n 1 "$T/w.err"))"
		return 1
	fi
	cat "$T/w.err" >&2
	fail "mdewatch did not start"
}

# watch_stop PID: SIGTERM to mdewatch PID, which must exit 0.
watch_stop() {
	kill "$1"
	wait "$1" || fail "mdewatch did not stop cleanly"
	BGPIDS=("${BGPIDS[@]/$1/}")
}

# caged_status WHAT PID: fails unless process PID (a worker of the parser
# cage, named WHAT in messages) runs with no_new_privs, without
# capabilities and, as root, as another user in a network namespace of
# its own.
caged_status() {
	local st
	st=$(cat "/proc/$2/status")
	grep -q '^NoNewPrivs:[[:space:]]*1' <<<"$st" || fail "$1: worker without no_new_privs"
	grep -q '^CapEff:[[:space:]]*0000000000000000' <<<"$st" ||
		fail "$1: worker with capabilities: $(grep CapEff <<<"$st")"
	if is_root; then
		grep -q '^Uid:[[:space:]]*0[[:space:]]' <<<"$st" && fail "$1: worker runs as root"
		[ "$(readlink "/proc/$2/ns/net")" != "$(readlink /proc/self/ns/net)" ] ||
			fail "$1: worker shares the network namespace"
	fi
	return 0
}

# ------------------------------------------------------------ text output

# out_has_line LINE [FILE]: fail unless FILE ($OUT) has exactly this line.
out_has_line() {
	grep -Fxq -e "$1" "${2:-$OUT}" || {
		show_output
		fail "missing line in ${2:-output}: $1"
	}
}

# out_lacks STRING [FILE]: fail if FILE ($OUT) contains STRING anywhere.
out_lacks() {
	if grep -Fq -e "$1" "${2:-$OUT}"; then
		show_output
		fail "unexpected text in ${2:-output}: $1"
	fi
}

# count_lines_prefix PREFIX SUFFIX [FILE]: number of lines that start with
# PREFIX and end with SUFFIX (both plain strings, no escapes).
count_lines_prefix() {
	P=$1 S=$2 awk '
		BEGIN { p = ENVIRON["P"]; s = ENVIRON["S"]; n = 0 }
		index($0, p) == 1 && length($0) >= length(p) + length(s) &&
		    substr($0, length($0) - length(s) + 1) == s { n++ }
		END { print n }' "${3:-$OUT}"
}

# expect_found PATH: a `PATH: NAME FOUND` line is in $OUT.
expect_found() {
	[ "$(count_lines_prefix "$1: " " FOUND")" -ge 1 ] || {
		show_output
		fail "no '$1: NAME FOUND' line"
	}
}

# expect_db_refused DB WHY FILE [ARGS...]: mdescan ARGS -d DB FILE exits 2
# with "'DB': refused: WHY" on stderr and scans nothing.
expect_db_refused() {
	local db=$1 why=$2 file=$3
	shift 3
	expect_exit 2 mds --no-cache --no-history --no-syslog "$@" -d "$db" "$file"
	grep -qF "'$db': refused: $why" "$ERR" || {
		show_output
		fail "no \"'$db': refused: $why\""
	}
	grep -q 'FOUND\|: OK$' "$OUT" && { show_output; fail "scanned"; }
	return 0
}

# expect_not_found PATH: no `PATH: ... FOUND` line in $OUT.
expect_not_found() {
	[ "$(count_lines_prefix "$1: " " FOUND")" -eq 0 ] || {
		show_output
		fail "unexpected finding for $1"
	}
}

# expect_ok PATH: the line `PATH: OK` is in $OUT.
expect_ok() {
	out_has_line "$1: OK"
}

# expect_scanned PATH: some `PATH: OK` or `PATH: NAME FOUND` line in $OUT.
expect_scanned() {
	grep -Fxq -e "$1: OK" "$OUT" && return 0
	[ "$(count_lines_prefix "$1: " " FOUND")" -ge 1 ] && return 0
	show_output
	fail "$1 was not scanned (no OK or FOUND line)"
}

# expect_unmentioned PATH: PATH appears in neither stdout nor stderr as a
# result line (`PATH: ...`).
expect_unmentioned() {
	if [ "$(count_lines_prefix "$1: " "")" -ne 0 ] ||
	    [ "$(count_lines_prefix "$1: " "" "$ERR")" -ne 0 ]; then
		show_output
		fail "$1 should not be reported at all"
	fi
}

# summary_value FIELD: the value of `FIELD: N` in the summary on $ERR.
summary_value() {
	sed -n "s/^$1: //p" "$ERR" | head -n 1
}

# expect_summary FIELD N: the stderr summary has `FIELD: N`.
expect_summary() {
	local v
	v=$(summary_value "$1")
	[ "$v" = "$2" ] || {
		show_output
		fail "summary '$1: $v', expected '$1: $2'"
	}
}

# ------------------------------------------------------------ JSON output

# The JSON matcher, shared by json_count and jflush.
cat >"$T/.jsonq.py" <<'PY'
import json, os, re, sys

def match(obj, cond):
    m = re.match(r'^([A-Za-z_0-9]+)(\?|=|~)(.*)$', cond, re.S)
    if not m:
        sys.exit("bad condition " + cond)
    key, op, val = m.groups()
    if key not in obj:
        return False
    if op == '?':
        return True
    v = obj[key]
    if op == '~':
        return isinstance(v, str) and val in v
    if key == 'path' and isinstance(v, str):
        return os.fsencode(v) == os.fsencode(val)
    if isinstance(v, bool) or v is None:
        return json.dumps(v) == val
    if isinstance(v, (int, float)):
        return str(v) == val
    return v == val

def load(name):
    objs = []
    with open(name, 'rb') as fh:
        for raw in fh:
            obj = json.loads(raw.decode('utf-8'))
            if not isinstance(obj, dict):
                raise ValueError('not an object')
            objs.append(obj)
    return objs

def count(objs, conds):
    return sum(all(match(o, c) for c in conds) for o in objs)

def ok(want, n):
    return n >= 1 if want == '+' else n == int(want)

try:
    objs = load(sys.argv[2])
except (ValueError, UnicodeDecodeError) as e:
    sys.exit('stdout is not JSON Lines: %s' % e)
if sys.argv[1] == 'count':
    print(count(objs, sys.argv[3:]))
else:   # batch: records of fields, \x1e / \x1f separated
    bad = 0
    for rec in open(sys.argv[3], encoding='utf-8', errors='surrogateescape').read().split('\x1e'):
        if not rec:
            continue
        f = rec.split('\x1f')
        n = count(objs, f[1:])
        if not ok(f[0], n):
            print('expected %s JSON line(s) with [%s], got %d' % (f[0], ' '.join(f[1:]), n))
            bad += 1
    sys.exit(1 if bad else 0)
PY

# json_count FILE COND...: print how many JSON lines of FILE match all
# conditions.  COND is KEY=VALUE (equal; numbers compared as text, `path`
# compared as bytes), KEY~TEXT (string contains TEXT) or KEY? (key present).
# Fails the test if a line is not a JSON object.
json_count() {
	python3 "$T/.jsonq.py" count "$@" || fail "json_count: stdout is not JSON Lines"
}

# json_expect N COND...: exactly N JSON lines of $OUT match the conditions
# (see json_count).  N may be `+` for "at least one".
json_expect() {
	local want=$1 got
	shift
	got=$(json_count "$OUT" "$@")
	if [ "$want" = + ]; then
		[ "$got" -ge 1 ] && return 0
	else
		[ "$got" -eq "$want" ] && return 0
	fi
	show_output
	fail "expected $want JSON line(s) with [$*], got $got"
}

# jcheck N COND...: like json_expect, but only queued; jflush checks every
# queued expectation against $OUT in one python run (python3 starts slowly
# enough that 40 separate json_expect calls cost seconds).
JQUEUE=$T/.jqueue
: >"$JQUEUE"
jcheck() {
	local IFS=$'\x1f'
	printf '%s\x1e' "$*" >>"$JQUEUE"
}

# jflush: evaluate the queued jcheck expectations; fail listing every one
# that does not hold.
jflush() {
	local msg
	msg=$(python3 "$T/.jsonq.py" batch "$OUT" "$JQUEUE") || {
		: >"$JQUEUE"
		show_output
		fail "$(printf '\n%s' "$msg")"
	}
	: >"$JQUEUE"
}

# ------------------------------------------------------------ processes

# wait_open TIMEOUT FILE...: wait until the mds_bg process (BGPID, or its
# child: BGPID is timeout(1)) holds one of FILEs open, as seen in
# /proc/PID/fd, and print "PID INDEX" (INDEX of that FILE, from 0).  Used
# with MDESCAN_TEST_DELAY_MS, during which a worker holds the file open and
# sleeps.  Other processes are ignored: a parallel test may scan the same
# files (t-modes --quick walks /tmp).  Returns 1 on timeout.
wait_open() {
	python3 - "$BGPID" "$@" <<'PY'
import os, sys, time
parent = sys.argv[1]
limit = time.monotonic() + float(sys.argv[2])
want = [os.path.realpath(os.fsencode(f)) for f in sys.argv[3:]]

def ours(pid):
    if pid == parent:
        return True
    try:
        with open('/proc/%s/stat' % pid) as fh:
            return fh.read().rsplit(')', 1)[1].split()[1] == parent
    except (OSError, IndexError):
        return False

while time.monotonic() < limit:
    for pid in os.listdir('/proc'):
        if not pid.isdigit() or not ours(pid):
            continue
        fddir = '/proc/%s/fd' % pid
        try:
            fds = os.listdir(fddir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.fsencode(fddir + '/' + fd))
            except OSError:
                continue
            if target in want:
                print(pid, want.index(target))
                sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
PY
}

# mds_bg ARGS...: start mdescan in the background (stdout in $OUT, stderr in
# $ERR); BGPID is its process (timeout(1), which passes signals on).
mds_bg() {
	timeout -k 5 "$MDS_TIMEOUT" "$MDESCAN" "$@" >"$OUT" 2>"$ERR" &
	BGPID=$!
	BGPIDS+=("$BGPID")
}

# mds_wait N: wait for the mds_bg run; fail unless it exits with status N.
mds_wait() {
	wait "$BGPID" && RC=0 || RC=$?
	BGPIDS=()
	if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
		show_output
		fail "background mdescan timed out after $MDS_TIMEOUT s"
	fi
	if [ "$RC" -ne "$1" ]; then
		show_output
		fail "background mdescan: exit status $RC, expected $1"
	fi
}

# has_open PID FILE: true if process PID holds FILE open.
has_open() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$2" ] && return 0
	done
	return 1
}
