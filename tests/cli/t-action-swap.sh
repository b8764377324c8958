#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-action-swap.sh - issue 21: root never writes or deletes through a path
# an attacker can swap.  A user who owns a directory on the path of a
# detected file replaces it with a symbolic link (to a directory of
# root's, the canary here) between the scan and the action, or during it:
# restore, quarantine (--action and `threat quarantine add`), remove and
# export each refuse with the path and the reason, and the canary neither
# receives a file nor loses one.  Then a racing swapper flips the
# directory thousands of times while the actions run again and again:
# each either acts on the real file or is refused with a reason.
#
# As root, the attacker (the owner of $S and everything in it, and the
# swapper) is user nobody, the canary root's; otherwise all is ours.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# the real path: a link above the test directory would be refused too
R=$(cd "$T" && pwd -P)
S=$R/sy X=$R/sy/x C=$R/canary
Q=$R/vault DB=$R/h.db
mkdir -p "$X" "$C"
make_eicar "$X/e.com"
# the bait: the same content, so that only the path tells them apart
make_eicar "$C/e.com"
if is_root; then
	chown -R nobody:nogroup "$S"
fi
BAIT=$(stat -c %i "$C/e.com")

# attacker CMD...: run CMD as the user who owns $S
attacker() {
	run_unpriv "$@"
}

# swap / unswap: $X becomes a link to the canary, or the real directory
swap() {
	attacker mv -T "$X" "$X.real"
	attacker ln -s "$C" "$X"
}
unswap() {
	attacker rm "$X"
	attacker mv -T "$X.real" "$X"
}

# canary_intact: the canary holds the bait and nothing else
canary_intact() {
	# shellcheck disable=SC2012 # names for a message, made by us
	[ "$(ls -A "$C")" = e.com ] || fail "the canary changed: $(ls -A "$C" | tr '\n' ' ')"
	[ "$(stat -c %i "$C/e.com")" = "$BAIT" ] || fail "the bait was replaced"
	[ "$(md5sum <"$C/e.com" | cut -d' ' -f1)" = "$EICAR_MD5" ] || fail "the bait was written"
}

# err_has TEXT: fail unless stderr has TEXT
err_has() {
	grep -Fq -e "$1" "$ERR" || { show_output; fail "no '$1' on stderr"; }
}

# expect_exit_in CMD...: run CMD as expect_exit does, any status of
# mdescan's (0 clean or acted, 1 found, 2 error or refused) will do
expect_exit_in() {
	"$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	[ "$RC" -le 2 ] || { show_output; fail "exit status $RC: $*"; }
}

QARGS=(--no-cache --history-db "$DB" --quarantine-dir "$Q")
REFUSED="'$X' is a symbolic link"

# --------------------------------------------------------------- restore
step "restore: the directory swapped after quarantine is refused"
expect_exit 1 mds "${QARGS[@]}" --action quarantine "$X/e.com"
ID=$(sed -n 's/.*: quarantined as \([0-9a-f]\{32\}\)$/\1/p' "$ERR")
if [ -z "$ID" ] || [ -e "$X/e.com" ]; then
	show_output
	fail "not quarantined"
fi
swap
expect_exit 2 mds threat quarantine restore "$ID" --quarantine-dir "$Q" --history-db "$DB"
err_has "refusing to restore '$X/e.com': $REFUSED"
canary_intact
expect_exit 2 mds threat quarantine restore "$ID" --force --quarantine-dir "$Q" --history-db "$DB"
err_has "refusing to restore '$X/e.com': $REFUSED"
canary_intact
step "restore: a destination with a link on its path is refused"
expect_exit 2 mds threat quarantine restore "$ID" --destination-path "$X/other.com" --quarantine-dir "$Q"
err_has "refusing to restore '$X/other.com': $REFUSED"
canary_intact

step "restore: the entry is kept, and goes back once the path is real"
unswap
expect_exit 0 mds threat quarantine restore "$ID" --quarantine-dir "$Q" --history-db "$DB"
[ "$(md5sum <"$X/e.com" | cut -d' ' -f1)" = "$EICAR_MD5" ] || fail "not restored"

# ------------------------------------------------------------ quarantine
# MDESCAN_TEST_DELAY_MS holds the scan with the file open: the swap
# happens after the file was read and before the action.
# swap_during ARGS...: scan $X/e.com with ARGS, swapping while it is open
swap_during() {
	MDESCAN_TEST_DELAY_MS=500 mds_bg "${QARGS[@]}" "$@" "$X/e.com"
	wait_open 30 "$X/e.com" >/dev/null || { mds_wait 1; fail "the scan never opened $X/e.com"; }
	swap
	mds_wait 1
}

step "quarantine: the directory swapped during the scan is refused"
swap_during --action quarantine
err_has "$X/e.com: not quarantined: refusing to quarantine '$X/e.com': $REFUSED"
canary_intact
unswap
[ -f "$X/e.com" ] || fail "the original is gone"

step "threat quarantine add: the directory swapped since the scan is refused"
expect_exit 1 mds "${QARGS[@]}" "$X/e.com"
TID=$(sqlite3 "$DB" 'SELECT max(id) FROM threats' 2>/dev/null || true)
if [ -z "$TID" ]; then
	expect_exit 0 mds threat list --history-db "$DB" --json
	TID=$(jq -r '[.[] | .id] | max' "$OUT")
fi
swap
expect_exit 2 mds threat quarantine add "$TID" --history-db "$DB" --quarantine-dir "$Q"
err_has "refusing to quarantine '$X/e.com': $REFUSED"
canary_intact
unswap
[ -f "$X/e.com" ] || fail "the original is gone"

# ---------------------------------------------------------------- remove
step "remove: the directory swapped during the scan is refused"
swap_during --action remove
err_has "$X/e.com: not removed: $REFUSED"
canary_intact
unswap
[ -f "$X/e.com" ] || fail "the original is gone"

# ---------------------------------------------------------------- export
step "export: a destination with a link on its path is refused"
expect_exit 1 mds "${QARGS[@]}" --action quarantine "$X/e.com"
ID=$(sed -n 's/.*: quarantined as \([0-9a-f]\{32\}\)$/\1/p' "$ERR")
[ -n "$ID" ] || { show_output; fail "not quarantined"; }
swap
expect_exit 2 mds threat quarantine export "$ID" --quarantine-dir "$Q" --output "$X/out.zip"
err_has "refusing to export to '$X/out.zip': $REFUSED"
canary_intact
unswap
expect_exit 0 mds threat quarantine export "$ID" --quarantine-dir "$Q" --output "$X/out.zip"
[ -s "$X/out.zip" ] || fail "not exported"
rm -f "$X/out.zip"
expect_exit 0 mds threat quarantine restore "$ID" --quarantine-dir "$Q" --history-db "$DB"

# ------------------------------------------------------- racing swapper
step "a swapper racing 200 actions: the real file or a refusal, never the canary"
STOP=$R/stop
# not through run_unpriv, a function: $! must be the swapper itself (setpriv
# execs it), for lib.sh's cleanup to stop it when the test fails
if is_root; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		"$PYTHON" "$TOPSRC/tests/cli/swapper.py" "$X" "$C" "$STOP" >"$R/swaps" &
else
	"$PYTHON" "$TOPSRC/tests/cli/swapper.py" "$X" "$C" "$STOP" >"$R/swaps" &
fi
SWAPPER=$!
BGPIDS+=("$SWAPPER")
# the real directory as our working directory, whatever its name is
cd "$X"
ID='' ok=0 refused=0 links=0
# what a refusal may say: the link, the directory missing (moved aside),
# or the file not being the one scanned (the scan went through the link)
why="($REFUSED|No such file or directory|changed since it was scanned|changed while being quarantined)"
# 200 rounds, or as many as 15 s allow on a loaded machine (each round is
# a whole mdescan run): never fewer than 30; then on, for at most two
# minutes, until the race has both let an action through and met the
# link (under ASan, one run in CI had 32 rounds without a success)
start=$SECONDS i=0
more() {
	if [ "$i" -lt 200 ] && { [ "$i" -lt 30 ] || [ $((SECONDS - start)) -lt 15 ]; }; then
		return 0
	fi
	{ [ "$ok" -eq 0 ] || [ "$links" -eq 0 ]; } && [ $((SECONDS - start)) -lt 120 ]
}
while more; do
	i=$((i + 1))
	case $((i % 3)) in
	0)
		what=quarantine
		[ -e e.com ] || make_eicar e.com
		expect_exit_in mds "${QARGS[@]}" --action quarantine "$X/e.com"
		if grep -q ': quarantined as ' "$ERR"; then
			[ ! -e e.com ] || fail "quarantined, but the file is still there"
			ID=$(sed -n 's/.*: quarantined as \([0-9a-f]\{32\}\)$/\1/p' "$ERR")
			ok=$((ok + 1))
		elif [ "$RC" = 1 ]; then
			grep -Eq ": not quarantined: .*$why" "$ERR" || { show_output; fail "quarantine: no reason"; }
			refused=$((refused + 1))
		fi
		;;
	1)
		what=restore
		[ -n "$ID" ] || continue
		expect_exit_in mds threat quarantine restore "$ID" --force --quarantine-dir "$Q" --history-db "$DB"
		if [ "$RC" = 0 ]; then
			[ "$(md5sum <e.com | cut -d' ' -f1)" = "$EICAR_MD5" ] || fail "restored, but not here"
			ID=''
			ok=$((ok + 1))
		else
			grep -Eq "(refusing to restore|cannot restore to) '$X/e.com': .*$why" "$ERR" || { show_output; fail "restore: no reason"; }
			refused=$((refused + 1))
		fi
		;;
	2)
		what=remove
		[ -e e.com ] || make_eicar e.com
		expect_exit_in mds "${QARGS[@]}" --action remove "$X/e.com"
		if grep -q ": removed$" "$ERR"; then
			[ ! -e e.com ] || fail "removed, but the file is still there"
			ok=$((ok + 1))
		elif [ "$RC" = 1 ]; then
			grep -Eq ": not removed: .*$why" "$ERR" || { show_output; fail "remove: no reason"; }
			refused=$((refused + 1))
		fi
		;;
	esac
	grep -Fq "$REFUSED" "$ERR" && links=$((links + 1))
	canary_intact
	[ -z "$(find "$S" "$C" -name '.mdescan-restore-*' -print -quit 2>/dev/null)" ] ||
		fail "$what left a temporary file"
done
: >"$STOP"
wait "$SWAPPER"
BGPIDS=()
cd "$R"
canary_intact
swaps=$(cat "$R/swaps")
echo "# $i rounds: $ok acted on the real file, $refused refused ($links at the link), $swaps swaps" >&2
[ "$swaps" -ge 100 ] || fail "the swapper swapped only $swaps times"
[ "$ok" -gt 0 ] || fail "the race never let an action through"
[ "$links" -gt 0 ] || fail "the race never met the link"
exit 0
