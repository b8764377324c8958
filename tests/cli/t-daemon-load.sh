#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-load.sh - mdescand under load:
#  * 16 clients stream mail-sized objects (2-200 KB; one in ten infected,
#    by an EICAR attachment or a body signature): every verdict right,
#    RSS bounded, while SIGHUP reloads the definitions every 0.7 s (no
#    request lost to a reload);
#  * kill -9 in the middle of the load: the next daemon starts on the
#    same socket and serves every request right.
#
# Environment:
#	MDS_DAEMON_LOAD	objects streamed (default 2000; the issue's full
#			run is 10000)
#	MDS_DAEMON_RSS_KB  RSS limit (default 262144: 256 MiB)
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

N=${MDS_DAEMON_LOAD:-2000}
RSS=${MDS_DAEMON_RSS_KB:-262144}
# AddressSanitizer keeps freed memory in quarantine (256 MiB): the bound
# of a sanitized build is that much higher
if grep -aqs __asan_init "$MDESCAND" "$(dirname "$MDESCAND")/.libs/mdescand" \
	"$(dirname "$MDESCAND")/.libs/lt-mdescand"; then
	RSS=$((RSS + 524288))
fi
CLIENTS=$TOPSRC/tests/cli/daemon-clients.py
make_db "$T/db"

step "$N objects, 16 clients, a reload every 0.7 s"
daemon_start -d "$T/db"
python3 "$CLIENTS" load "$SOCK" "$N" 16 --pid "$DPID" --reload \
	--max-rss-kb "$RSS" >"$T/load" 2>&1 || { cat "$T/load" >&2; fail "load"; }
cat "$T/load" >&2
reloads=$(grep -c 'definitions reloaded' "$T/md.log" || :)
[ "$reloads" -ge 1 ] || fail "no reload happened during the load"
grep -q 'reload failed' "$T/md.log" && fail "a reload failed"

step "kill -9 in the middle of the load, then a new daemon"
python3 "$CLIENTS" load "$SOCK" 100000 16 >"$T/killed" 2>&1 &
lpid=$!
sleep 2
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || :
wait "$lpid" || : # its clients see the daemon die
grep -q 'wrong' "$T/killed" || fail "the load did not run: $(cat "$T/killed")"
daemon_start -d "$T/db"
python3 "$CLIENTS" load "$SOCK" 500 16 --pid "$DPID" --max-rss-kb "$RSS" \
	>"$T/after" 2>&1 || { cat "$T/after" >&2; fail "load after restart"; }
cat "$T/after" >&2
daemon_stop
exit 0
