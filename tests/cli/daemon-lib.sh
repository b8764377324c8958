# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# daemon-lib.sh - what the t-daemon*.sh tests share: fixtures, signatures,
# starting and stopping mdescand and a real clamd with the same
# signatures.  Sourced after lib.sh.
#
# Environment:
#	MDESCAND	binary under test (default: src/mdescand/mdescand beside
#			$MDESCAN)

MDESCAND=${MDESCAND:-$(dirname "$MDESCAN")/../mdescand/mdescand}
[ -x "$MDESCAND" ] || fail "mdescand not found: $MDESCAND"
PROTO=$TOPSRC/tests/cli/clamd-proto.py
SOCK=$T/md.sock
CSOCK=$T/clamd.sock
DPID=
CPID=

# make_db DIR: the test signatures: EICAR by MD5 (clamd's .hdb), and a
# body signature for a marker made at run time.  Loose files, no database
# of Cisco's: clamd names their detections NAME.UNOFFICIAL, and so does
# mdescand by default (EICAR_NAME, MARKER_NAME).
EICAR_NAME=Eicar-Test-Signature.UNOFFICIAL
MARKER_NAME=Test.Marker.Body.UNOFFICIAL
make_db() {
	mkdir -p "$1"
	printf '%s:68:Eicar-Test-Signature\n' "$EICAR_MD5" >"$1/test.hdb"
	printf 'Test.Marker.Body:0:*:%s\n' "$(hex 'mdescand-test-marker-7q2')" \
		>"$1/test.ndb"
}

# fixtures DIR: what clamd-proto.py scans.
fixtures() {
	mkdir -p "$1/scan" "$1/scan2/sub" "$1/emptydir"
	make_eicar "$1/scan/eicar.com"
	printf 'hello\n' >"$1/scan/clean.txt"
	make_eicar "$1/scan2/a.com"
	make_eicar "$1/scan2/sub/b.com"
	printf 'hi\n' >"$1/scan2/z.txt"
	: >"$1/scan2/empty"
	rm -f "$1/fifo"
	mkfifo "$1/fifo"
}

# wait_sock PATH PID: until PATH is a socket that answers PING (30 s),
# while PID lives.
wait_sock() {
	local i
	for i in $(seq 300); do
		if [ -S "$1" ] && python3 "$PROTO" run "$1" /nonexistent zPING \
			2>/dev/null | grep -q PONG; then
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# daemon_start ARGS...: mdescand on $SOCK (no syslog; no history unless
# ARGS name one) with ARGS; its stderr in $T/md.log; DPID its pid.
daemon_start() {
	local nohist=--no-history
	case " $* " in *" --history-db "*) nohist= ;; esac
	"$MDESCAND" --socket "$SOCK" $nohist --no-syslog "$@" \
		>>"$T/md.log" 2>&1 &
	DPID=$!
	BGPIDS+=("$DPID")
	wait_sock "$SOCK" "$DPID" || {
		cat "$T/md.log" >&2
		fail "mdescand did not start"
	}
}

# daemon_stop: SIGTERM, and it must exit 0.
daemon_stop() {
	local rc=0
	kill -TERM "$DPID"
	wait "$DPID" || rc=$?
	BGPIDS=("${BGPIDS[@]/$DPID/}")
	[ "$rc" -eq 0 ] || { cat "$T/md.log" >&2; fail "mdescand exited $rc"; }
	DPID=
}

# clamd_start DB [CONF_LINES]: a real clamd on $CSOCK with the
# signatures of DB; 1 (and nothing started) when there is no clamd or we
# are not root.
clamd_start() {
	local clamd
	clamd=$(command -v clamd || echo /usr/sbin/clamd)
	[ -x "$clamd" ] && is_root || return 1
	cat >"$T/clamd.conf" <<-EOF
	LocalSocket $CSOCK
	LocalSocketMode 660
	Foreground yes
	DatabaseDirectory $1
	LogFile $T/clamd.log
	TemporaryDirectory $T
	User root
	AllowAllMatchScan yes
	StreamMaxLength 1M
	MaxThreads 4
	CommandReadTimeout 2
	ReadTimeout 3
	SelfCheck 0
	${2:-}
	EOF
	"$clamd" -c "$T/clamd.conf" >"$T/clamd.out" 2>&1 &
	CPID=$!
	BGPIDS+=("$CPID")
	wait_sock "$CSOCK" "$CPID" || {
		cat "$T/clamd.out" >&2
		fail "clamd did not start"
	}
}

# rss_kb PID: resident memory of PID in KiB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# nfds PID: open descriptors of PID.
nfds() {
	ls "/proc/$1/fd" | wc -l
}
