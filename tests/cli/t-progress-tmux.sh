#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-progress-tmux.sh - issue 16 item 6: the progress line is sized from
# the terminal (TIOCGWINSZ, SIGWINCH).  A scan of long file names runs in
# an 80-column tmux pane: at every look the pane holds at most one
# progress line and none wider than the pane (a line of 97 columns used
# to wrap and leave a staircase of stale lines); narrowed to 50 columns
# mid-scan, the line follows; at the end no progress line is left.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || skip "tmux is needed"

D=$T/long
mkdir -p "$D"
long=$(printf 'a%.0s' $(seq 1 120))
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do printf 'x\n' >"$D/$i-$long.txt"; done

SOCK=mdescan-t-progress-$$
tm() { tmux -L "$SOCK" "$@"; }
# the tmux server goes too; cleanup() (lib.sh) exits with the status it
# finds in $?, which must still be the test's
tmux_cleanup() {
	tm kill-server >/dev/null 2>&1 || true
	if [ "$1" -eq 0 ]; then cleanup; else (exit "$1") || cleanup; fi
}
trap 'tmux_cleanup "$?"' EXIT

cat >"$T/run.sh" <<RUN
#!/bin/sh
MDESCAN_TEST_DELAY_MS=400 MDESCAN_CACHE_DIR=$MDESCAN_CACHE_DIR \
MDESCAN_CONF=$MDESCAN_CONF MDESCAN_HISTORY_DB=$MDESCAN_HISTORY_DB \
	"$MDESCAN" -j 1 --no-cache --no-summary "$D" >/dev/null
echo "exit \$?" >"$T/rc"
echo SCAN-DONE
sleep 60
RUN
chmod +x "$T/run.sh"

step "a scan of 12 long names in an 80x24 pane"
tm -f /dev/null new-session -d -x 80 -y 24 "$T/run.sh"
# look ARG: the pane holds at most one progress line, none over WIDTH
looks=0 seen=0
look() {
	local width=$1 pane n
	pane=$(tm capture-pane -p -J 2>/dev/null) || return 0
	n=$(printf '%s\n' "$pane" | grep -c '[0-9] files, .* found: ' || true)
	[ "$n" -le 1 ] || { printf '%s\n' "$pane" >&2; fail "$n progress lines in the pane (stale lines)"; }
	[ "$n" -eq 1 ] && seen=$((seen + 1))
	printf '%s\n' "$pane" | awk -v w="$width" '{ sub(/ +$/, "") } length($0) > w { bad = 1 } END { exit bad }' ||
		{ printf '%s\n' "$pane" >&2; fail "a line wider than $width columns"; }
	looks=$((looks + 1))
}
for _ in $(seq 1 40); do
	[ -e "$T/rc" ] && break
	look 80
	sleep 0.1
done
step "narrowed to 50 columns mid-scan (SIGWINCH)"
tm resize-window -x 50 -y 24 >/dev/null 2>&1 || tm resize-pane -x 50 >/dev/null 2>&1 || true
for _ in $(seq 1 100); do
	[ -e "$T/rc" ] && break
	look 50
	sleep 0.1
done
for _ in $(seq 1 200); do [ -e "$T/rc" ] && break; sleep 0.1; done
[ -e "$T/rc" ] || fail "the scan did not end"
[ "$(cat "$T/rc")" = "exit 0" ] || fail "scan: $(cat "$T/rc")"
[ "$seen" -gt 0 ] || skip "no progress line was seen in $looks looks (machine too slow?)"
sleep 0.3
pane=$(tm capture-pane -p -J)
n=$(printf '%s\n' "$pane" | grep -c '[0-9] files, .* found: ' || true)
[ "$n" -eq 0 ] || { printf '%s\n' "$pane" >&2; fail "$n progress lines left after the scan"; }
printf '%s\n' "$pane" | grep -q SCAN-DONE || { printf '%s\n' "$pane" >&2; fail "pane lost"; }
step "$looks looks, $seen with a progress line, never a stale one"
exit 0
