#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-watch-excl.sh - issue 16 items 3 and 4 (the watcher's part).
#
# Item 3: mdewatch and mdescan apply the same configured exclusions alike.
# A configuration with exclude_dir, exclude_ext and an exclude_path with a
# '*' in the middle; EICAR in files each rule does or does not leave out:
# every file `mdescan` reports is blocked by `mdewatch`, every file it
# leaves out is readable under the watcher.  Before, the watcher ignored
# exclude_dir and exclude_ext and its '*' crossed '/'.  The watcher warns
# once about the pattern it used to read otherwise.  The same with
# mdewatch's --exclude-path, --exclude-dir and --exclude-ext.
#
# Item 4: a detection of mdewatch reaches the threat history: `mdescan
# threat list` (and --json) shows it, from a scan of type "watch" (the
# real-time source), and the watcher's run does not count as a scan for
# `mdescan health`.
#
# Needs root (fanotify permission events) and a kernel with fanotify;
# skipped (77) otherwise.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null 2>&1 || skip "jq is needed"

MDEWATCH=${MDEWATCH:-$(dirname "$MDESCAN")/../mdewatch/mdewatch}
[ -x "$MDEWATCH" ] || fail "mdewatch binary not found: $MDEWATCH"
is_root || skip "needs root (fanotify permission events need CAP_SYS_ADMIN)"

# mount_tmpfs DIR: a fresh tmpfs at DIR, unmounted on exit.
mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o size=16m,mode=0755 mdewatch-excl "$1" ||
		skip "cannot mount a tmpfs at $1"
	MOUNTS+=("$1")
}

# watch_start NAME ARGS...: mdewatch in the background (WPID), ready.
watch_start() {
	local name=$1
	shift
	W_ERR=$T/$name.err W_READY=$T/$name.ready
	"$MDEWATCH" --pidfile "$T/$name.pid" --stats-file "$T/$name.stats" \
		--ready-file "$W_READY" --no-cache "$@" 2>"$W_ERR" &
	WPID=$!
	BGPIDS+=("$WPID")
	for _ in $(seq 200); do
		[ -e "$W_READY" ] && return 0
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.025
	done
	cat "$W_ERR" >&2
	grep -q 'fanotify' "$W_ERR" && skip "fanotify is not available"
	fail "mdewatch $name did not become ready"
}

# watch_term: SIGTERM the daemon; it exits 0.
watch_term() {
	local rc=0
	kill -TERM "$WPID"
	wait "$WPID" || rc=$?
	BGPIDS=()
	[ "$rc" -eq 0 ] || { cat "$W_ERR" >&2; fail "mdewatch exited $rc"; }
}

DEFS=$T/defs
mkdir -p "$DEFS"
cp "$TOPSRC/sigdb/eicar.hsb" "$TOPSRC/sigdb/eicar.ndb" "$DEFS/"
M=$T/m
mount_tmpfs "$M"
mkdir -p "$M/cache/deep" "$M/cachex" "$M/data/sub" "$M/logs"
# every file is EICAR: found unless an exclusion leaves it out
FILES="cache/a.txt cache/deep/b.txt cachex/c.txt app.log logs/d.log.txt
data/x.tmp data/sub/y.tmp data/z.txt plain.txt"
for f in $FILES; do
	make_eicar "$M/$f"
done
# what scans leave out: exclude_dir's tree, exclude_ext's files, and
# exclude_path's '*' within data/ only (not data/sub/y.tmp)
EXCLUDED="cache/a.txt cache/deep/b.txt app.log data/x.tmp"

# agree NAME: mdescan (with the array SCAN_ARGS) reports exactly the files
# not in EXCLUDED, and mdewatch (with WATCH_ARGS) blocks exactly those and
# lets the others be read.
agree() {
	local name=$1 f
	step "$name: mdescan reports every file but the excluded ones"
	expect_exit 1 mds -d "$DEFS" --no-history --no-cache \
		${SCAN_ARGS[@]+"${SCAN_ARGS[@]}"} "$M"
	for f in $FILES; do
		case " $(echo $EXCLUDED) " in
		*" $f "*) expect_not_found "$M/$f" ;;
		*) expect_found "$M/$f" ;;
		esac
	done
	step "$name: mdewatch blocks the same files and no other"
	watch_start "$name" --path "$M" -d "$DEFS" --mode block \
		${WATCH_ARGS[@]+"${WATCH_ARGS[@]}"}
	for f in $FILES; do
		case " $(echo $EXCLUDED) " in
		*" $f "*)
			timeout 10 cat "$M/$f" >/dev/null 2>"$ERR" ||
				{ cat "$ERR" >&2; fail "$name: $f excluded by scans, blocked by mdewatch"; } ;;
		*)
			if timeout 10 cat "$M/$f" >/dev/null 2>"$ERR"; then
				fail "$name: $f reported by scans, allowed by mdewatch"
			fi
			grep -q 'Operation not permitted' "$ERR" ||
				{ cat "$ERR" >&2; fail "$name: no EPERM for $f"; } ;;
		esac
	done
}

# ------------------------------------------------------------ item 3

cat >"$MDESCAN_CONF" <<EOF
exclude_dir = $M/cache
exclude_ext = log
exclude_path = $M/data/*.tmp
EOF
SCAN_ARGS=() WATCH_ARGS=()
agree conf
step "conf: one warning, naming the pattern the watcher once read otherwise"
[ "$(grep -c 'no longer' "$W_ERR")" -eq 1 ] || { cat "$W_ERR" >&2; fail "not one warning"; }
grep -q "warning: $MDESCAN_CONF:3 '$M/data/\*\.tmp': '\*' and '?' no longer match '/'" "$W_ERR" ||
	{ cat "$W_ERR" >&2; fail "the changed pattern is not named"; }

# ------------------------------------------------------------ item 4

step "a detection of mdewatch is in mdescan threat list, from a watch scan"
tries=0
until mds threat list --json >"$OUT" 2>"$ERR" &&
    [ "$(jq --arg p "$M/plain.txt" '[.[] | select(.path == $p)] | length' "$OUT")" -ge 1 ]; do
	tries=$((tries + 1))
	[ "$tries" -lt 100 ] || { show_output; fail "no threat row for $M/plain.txt"; }
	sleep 0.05
done
jq -e --arg p "$M/plain.txt" '[.[] | select(.path == $p)][0] |
	.name == "Eicar-Test-Signature" and .state == "detected"' "$OUT" >/dev/null ||
	{ show_output; fail "threat row: wrong name or state"; }
SCAN=$(jq --arg p "$M/plain.txt" '[.[] | select(.path == $p)][0].scan_id' "$OUT")
expect_exit 0 mds threat list
grep -q "Eicar-Test-Signature  *$M/plain.txt\$" "$OUT" || { show_output; fail "not in the text list"; }
expect_exit 0 mds scan list --json
jq -e --argjson id "$SCAN" '.[] | select(.id == $id) |
	.type == "watch" and .status == "running"' "$OUT" >/dev/null ||
	{ show_output; fail "the threat's scan is not a running watch scan"; }
step "excluded files have no threat row; a repeated block has one row"
if jq -e --arg p "$M/app.log" '.[] | select(.path == $p)' "$OUT" >/dev/null; then
	fail "an excluded file is in the history"
fi
timeout 10 cat "$M/plain.txt" >/dev/null 2>&1 && fail "plain.txt readable"
expect_exit 0 mds threat list --json
[ "$(jq --arg p "$M/plain.txt" '[.[] | select(.path == $p)] | length' "$OUT")" -eq 1 ] ||
	{ show_output; fail "a repeated block recorded twice"; }
watch_term
expect_exit 0 mds scan list --json
jq -e --argjson id "$SCAN" '.[] | select(.id == $id) |
	.type == "watch" and .status == "succeeded"' "$OUT" >/dev/null ||
	{ show_output; fail "the watch scan did not end as succeeded"; }
step "health: the watcher's run is no scan of the host"
expect_exit 1 mds health
grep -q 'no scan recorded' "$OUT" || { show_output; fail "health counts the watcher's run as a scan"; }

step "a history that cannot be written is logged; the watcher still blocks"
: >"$MDESCAN_CONF"
: >"$T/a-file"
watch_start nohist --path "$M" -d "$DEFS" --history-db "$T/a-file/history.db" \
	--exclude-path "$M/cache/" --exclude-dir "$M/data/sub" --exclude-ext .txt
timeout 10 cat "$M/cache/a.txt" "$M/data/sub/y.tmp" "$M/plain.txt" >/dev/null ||
	fail "option exclusions: an excluded file blocked"
timeout 10 cat "$M/app.log" >/dev/null 2>&1 && fail "app.log readable"
watch_term
grep -q 'detections not recorded in the history' "$W_ERR" ||
	{ cat "$W_ERR" >&2; fail "a history failure not logged"; }

# ------------------------------------------------------------ item 3, options

: >"$MDESCAN_CONF"
SCAN_ARGS=(--exclude-dir "$M/cache" --exclude-ext log --exclude "$M/data/*.tmp")
WATCH_ARGS=(--exclude-dir "$M/cache" --exclude-ext log --exclude-path "$M/data/*.tmp")
agree opts
grep -q "warning: --exclude-path '$M/data/\*\.tmp': '\*' and '?' no longer match '/'" "$W_ERR" ||
	{ cat "$W_ERR" >&2; fail "the changed pattern is not named"; }
watch_term
