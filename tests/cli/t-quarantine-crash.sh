#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-quarantine-crash.sh - a quarantine killed with SIGKILL at any point
# leaves the original file intact, or a complete vault entry that
# restores byte-identical, or both; never neither, and never a partial
# entry that list shows (purge then cleans the leftovers).
#
# Three series, each run followed by the check:
#   1. every step: MDESCAN_TEST_CRASH_STEP=N makes vault_put raise(SIGKILL)
#      at its Nth step, N = 1, 2, ... until a run gets to the end;
#   2. the same knob at random steps;
#   3. truly asynchronous: kill -9 after a random delay of a process
#      quarantining a 2 MiB file, the delays spread over its whole run.
# MDS_CRASH_STEP_RUNS (default 70) and MDS_CRASH_KILL_RUNS (default 120)
# are the sizes of series 2 and 3: with series 1, over 200 runs;
# MDS_CRASH_SEED makes the random choices repeatable.
#
# The files and the vault live on a tmpfs (/dev/shm) when there is one:
# SIGKILL does not lose the page cache, so the filesystem changes nothing
# to what is tested, and fsync is free there (the suite stays fast).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

VAULT_TOOL=${VAULT_TOOL:-$(dirname "$MDESCAN")/../../tests/cli/vault-tool}
[ -x "$VAULT_TOOL" ] || fail "vault-tool not built: $VAULT_TOOL (make check builds it)"
STEP_RUNS=${MDS_CRASH_STEP_RUNS:-70}
KILL_RUNS=${MDS_CRASH_KILL_RUNS:-120}
SEED=${MDS_CRASH_SEED:-$$}
RANDOM=$SEED
step "seed $SEED (MDS_CRASH_SEED=$SEED repeats this run)"

W=$T/w
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	W=$(mktemp -d /dev/shm/mdescan-crash.XXXXXX)
	CLEANUP+=("$W")
fi
mkdir -p "$W"
V=$W/vault
F=$W/victim

N_RUN=0 N_ORIG=0 N_ENTRY=0 N_BOTH=0 N_DONE=0

# Starting a process is what costs here (some 20 ms on a busy CI box),
# so the check below runs as few as it can: globs instead of ls, cmp
# against a reference copy ($REF) instead of hashes, bash for the rest.
shopt -s nullglob dotglob
REF=$T/reference

# q ARGS...: `mdescan threat quarantine ARGS`, the same code through
# vault-tool, which starts faster (no engine libraries to load)
q() {
	"$VAULT_TOOL" quarantine "$@"
}

# check: the state after a run; then back to "the original only"
check() {
	local id orig=0 lines left
	N_RUN=$((N_RUN + 1))
	expect_exit 0 q list --vault "$V" --json
	mapfile -t lines <"$OUT"
	[ ${#lines[@]} -le 1 ] || { show_output; fail "run $N_RUN: ${#lines[@]} entries listed"; }
	if [ -e "$F" ]; then
		cmp -s "$F" "$REF" || fail "run $N_RUN: the original is damaged"
		orig=1
	fi
	if [ ${#lines[@]} -eq 1 ]; then
		[[ ${lines[0]} =~ ^\{\"id\":\"([0-9a-f]{32})\" ]] ||
			{ show_output; fail "run $N_RUN: no id listed"; }
		id=${BASH_REMATCH[1]}
		expect_exit 0 q restore "$id" --vault "$V" --destination-path "$W/check"
		cmp -s "$W/check" "$REF" ||
			fail "run $N_RUN: entry $id does not restore byte-identical"
		if [ $orig = 1 ]; then
			rm "$W/check"
			N_BOTH=$((N_BOTH + 1))
		else
			mv "$W/check" "$F"
			N_ENTRY=$((N_ENTRY + 1))
		fi
	elif [ $orig = 1 ]; then
		N_ORIG=$((N_ORIG + 1))
	else
		ls -la "$W" "$V" >&2 || true
		fail "run $N_RUN: neither the original nor an entry"
	fi
	left=("$V"/*)
	if [ ${#left[@]} -gt 0 ]; then # leftovers of the killed run
		expect_exit 0 q purge --vault "$V" --older-than 36500
		left=("$V"/*)
		[ ${#left[@]} -eq 0 ] || fail "run $N_RUN: purge left ${left[*]}"
	fi
	left=("$W"/*)
	[ ${#left[@]} -le 2 ] || fail "run $N_RUN: left behind in $W: ${left[*]}"
}

# put_killed_at N: quarantine $F, killed at step N; status in PRC (in
# the background, so that bash does not report each kill)
put_killed_at() {
	MDESCAN_TEST_CRASH_STEP=$1 "$VAULT_TOOL" put "$V" "$F" Test.Crash crash \
		>/dev/null 2>"$ERR" &
	wait $! 2>/dev/null && PRC=0 || PRC=$?
	case $PRC in
	0) N_DONE=$((N_DONE + 1)) ;;
	137) ;;
	*) cat "$ERR" >&2; fail "put at step $1: status $PRC" ;;
	esac
}

# ------------------------------------------------------------ 1, 2
# 600 KiB: three blocks, so that "first block written" is mid-file
{ make_eicar /dev/stdout; head -c 614400 /dev/urandom; } >"$F"
cp "$F" "$REF"
START=$SECONDS

step "1. SIGKILL at every step of vault_put"
last=0
for ((n = 1; n < 100; n++)); do
	put_killed_at "$n"
	check
	if [ "$PRC" -eq 0 ]; then
		last=$((n - 1))
		break
	fi
done
[ "$last" -ge 10 ] || fail "only $last crash steps: is the knob ($n) working?"
step "   $last steps, then a run to the end; original only $N_ORIG, entry only $N_ENTRY, both $N_BOTH"

step "2. SIGKILL at $STEP_RUNS random steps"
for ((i = 0; i < STEP_RUNS; i++)); do
	put_killed_at $((RANDOM % last + 1))
	check
done

# ------------------------------------------------------------ 3
step "3. kill -9 after a random delay, $KILL_RUNS runs on a 2 MiB file"
{
	head -c 1048576 /dev/urandom
	make_eicar /dev/stdout
	yes 'compressible line of text for the LZ4 frame' | head -c 1048576
} >"$F"
cp "$F" "$REF"
t0=$(date +%s%N)
"$VAULT_TOOL" put "$V" "$F" >/dev/null
t1=$(date +%s%N)
check
span=$(((t1 - t0) / 1000)) # µs: as long as a run
[ "$span" -gt 1000 ] || span=1000
step "   one run takes $(((t1 - t0) / 1000000)) ms: delays 0..$((span / 1000)) ms"
exec {nap}<> <(:) # read -t on it: a sleep that starts no process
killed=0
for ((i = 0; i < KILL_RUNS; i++)); do
	d=$(((RANDOM * 32768 + RANDOM) % span))
	"$VAULT_TOOL" put "$V" "$F" Test.Crash crash >/dev/null 2>"$ERR" &
	pid=$!
	printf -v delay '%d.%06d' $((d / 1000000)) $((d % 1000000))
	read -r -t "$delay" -u "$nap" || true
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null && PRC=0 || PRC=$?
	case $PRC in
	0) N_DONE=$((N_DONE + 1)) ;;
	137) killed=$((killed + 1)) ;;
	*) cat "$ERR" >&2; fail "put: status $PRC" ;;
	esac
	check
done
[ "$killed" -ge $((KILL_RUNS / 4)) ] ||
	fail "only $killed of $KILL_RUNS runs were killed: delays too long"

step "$N_RUN runs in $((SECONDS - START)) s: original only $N_ORIG, entry only $N_ENTRY, both $N_BOTH; $N_DONE runs finished, $killed async kills"
exit 0
