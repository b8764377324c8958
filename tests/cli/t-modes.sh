#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-modes.sh - --help, --version, -j 1 vs -j 2 on 200 files, the text
# summary on stderr, --no-summary, abbreviated long options, --nice (priority
# of every thread), --quick (EICAR planted under /dev/shm and /tmp), --full
# (one level deep: /proc, /sys, /dev skipped).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------- help, version

step "--help and -h: exit 0, usage, every option of the contract"
expect_exit 0 mds --help
cp "$OUT" "$T/help.out"
cat "$ERR" >>"$T/help.out"
grep -qi usage "$T/help.out" || { show_output; fail "--help shows no usage"; }
for opt in --database --exclude --exclude-dir --exclude-ext --files-from \
    --follow-symlinks --full --help --infected --threads --json --max-depth \
    --max-filesize --nice --no-summary --null --one-file-system --quick \
    --scan-all-fs --timeout --version; do
	grep -q -e "$opt" "$T/help.out" || fail "--help does not mention $opt"
done
expect_exit 0 mds -h
grep -qi usage "$OUT" "$ERR" || { show_output; fail "-h shows no usage"; }

step "--version and -V: exit 0, name and version"
expect_exit 0 mds --version
grep -q 'mdescan' "$OUT" || { show_output; fail "--version does not name mdescan"; }
grep -Eq '[0-9]+\.[0-9]+' "$OUT" || { show_output; fail "--version shows no version number"; }
expect_exit 0 mds -V
grep -q 'mdescan' "$OUT" || { show_output; fail "-V does not name mdescan"; }

# ---------------------------------------------------------- -j 1 vs -j 2

D=$T/many
mkdir -p "$D"
for i in $(seq 1 200); do
	d=$D/d$((i % 7))
	mkdir -p "$d"
	if [ $((i % 20)) -eq 0 ]; then
		make_eicar "$d/f$i"
	else
		printf 'clean file number %d\n' "$i" >"$d/f$i"
	fi
done
bytes=$(find "$D" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')

step "-j 1 and -j 2: the same 10 findings"
expect_exit 1 mds -j 1 -i "$D"
sort "$OUT" >"$T/j1"
expect_summary Threads 1
expect_exit 1 mds -j 2 -i "$D"
sort "$OUT" >"$T/j2"
expect_summary Threads 2
[ "$(wc -l <"$T/j1")" -eq 10 ] || { cat "$T/j1" >&2; fail "-j 1: expected 10 findings"; }
diff -u "$T/j1" "$T/j2" >&2 || fail "-j 1 and -j 2 findings differ"
expect_exit 1 mds --threads 2 "$D"
[ "$(wc -l <"$OUT")" -eq 200 ] || { show_output; fail "expected 200 result lines"; }
[ "$(grep -c ': OK$' "$OUT")" -eq 190 ] || { show_output; fail "expected 190 OK lines"; }

step "text summary on stderr: all fields, in order, with the right values"
# (the lines that only appear when not zero are checked elsewhere)
sed -n '/^----------- SCAN SUMMARY -----------$/,$p' "$ERR" | sed 's/: .*//' |
	grep -v -e '^Unchanged' -e '^Other shards' -e '^Levels' -e '^Below min score' \
		-e '^Opened without O_NOATIME' >"$T/fields"
printf '%s\n' '----------- SCAN SUMMARY -----------' 'Scanned files' 'Scanned bytes' \
	Findings 'Infected files' Errors Skipped Excluded 'From cache' 'Archive members' Threads Time >"$T/fields.want"
diff -u "$T/fields.want" "$T/fields" >&2 || { show_output; fail "summary fields differ from the contract"; }
expect_summary "Scanned files" 200
expect_summary "Scanned bytes" "$bytes"
expect_summary Findings 10
expect_summary "Infected files" 10
expect_summary Errors 0
expect_summary Skipped 0
expect_summary Excluded 0
expect_summary Threads 2
grep -Eq '^Time: [0-9]+\.[0-9]{3} s \([0-9]+(\.[0-9]+)? MB/s\)$' "$ERR" ||
	{ show_output; fail "Time line does not match 'Time: S.SSS s (X MB/s)'"; }
out_lacks "SCAN SUMMARY"

step "--no-summary"
expect_exit 1 mds --no-summary -j 2 -i "$D"
[ ! -s "$ERR" ] || { show_output; fail "--no-summary: stderr should be empty"; }

step "long options: unique prefixes and --opt=value"
expect_exit 1 mds --infec --thr=2 --timeout=30 --max-filesi=1M "$D"
[ "$(wc -l <"$OUT")" -eq 10 ] || { show_output; fail "abbreviated options: expected 10 FOUND lines"; }
expect_exit 2 mds --ex "$D"	# ambiguous: --exclude, --exclude-dir, --exclude-ext

# ---------------------------------------------------------- --nice

step "--nice: same findings; every thread at nice 19 and in the idle I/O class"
expect_exit 1 mds --nice -j 2 -i "$D"
sort "$OUT" | diff -u "$T/j2" - >&2 || fail "--nice changed the findings"
printf 'nice\n' >"$T/nice.txt"
MDESCAN_TEST_DELAY_MS=1500 mds_bg --nice -j 2 "$T/nice.txt"
res=$(wait_open 20 "$T/nice.txt") || { kill "$BGPID"; show_output; fail "mdescan never opened nice.txt"; }
pid=${res% *}
for task in /proc/"$pid"/task/*; do
	tid=${task##*/}
	stat=$(cat "$task/stat" 2>/dev/null) || continue
	rest=${stat##*) }
	# fields after "comm)": state is field 3, nice is field 19
	nice=$(echo "$rest" | awk '{ print $17 }')
	[ "$nice" = 19 ] || { kill "$BGPID"; fail "--nice: thread $tid runs at nice $nice, expected 19"; }
	if command -v ionice >/dev/null 2>&1; then
		cls=$(ionice -p "$tid" 2>/dev/null) || continue
		case $cls in
		idle*) ;;
		*) kill "$BGPID"; fail "--nice: thread $tid has I/O class '$cls', expected idle" ;;
		esac
	fi
done
mds_wait 0
expect_ok "$T/nice.txt"

# ---------------------------------------------------------- --quick

step "--quick finds EICAR planted under /dev/shm and /tmp"
planted=()
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	Q1=$(mktemp -d /dev/shm/mdescan-quick.XXXXXX)
	CLEANUP+=("$Q1")
	make_eicar "$Q1/quick-eicar.com"
	planted+=("$Q1/quick-eicar.com")
fi
Q2=$(mktemp -d /tmp/mdescan-quick.XXXXXX)
CLEANUP+=("$Q2")
make_eicar "$Q2/quick-eicar.com"
planted+=("$Q2/quick-eicar.com")
# one run only: --quick walks a lot (all of /tmp and /var/tmp, every
# /proc/PID/exe); the source and build trees may sit under /tmp in CI:
# leave them out, and allow more time (the suite also runs under ASan).
# What is checked here is where --quick looks, not how deep: archives are
# not opened and big files skipped, so that a developer machine's /var/tmp
# (benchmark corpora, archive bombs) does not make the run slow.
QX=()
for d in "${top_srcdir:-}" "$(dirname "$(dirname "$(dirname "$MDESCAN")")")"; do
	# canonical: a VPATH build's top_srcdir may read /x/_build/sub/../..
	d=$(cd "$d" 2>/dev/null && pwd -P) || continue
	case $d in /*) QX+=(--exclude-dir "$d") ;; esac
done
MDS_TIMEOUT=300 expect_exit 1 mds --quick --json --no-archive --max-filesize 1M "${QX[@]}"
for p in "${planted[@]}"; do json_expect 1 type=finding "path=$p"; done
json_expect 1 type=summary exit_code=1

step "--full: /proc, /sys and /dev skipped as pseudo filesystem (only one level deep)"
FULLF=$(mktemp /tmp/mdescan-full.XXXXXX)
CLEANUP+=("$FULLF")
make_eicar "$FULLF"
expect_exit 1 mds --full --max-depth 1 --json
json_expect 1 type=skipped path=/proc "reason=pseudo filesystem"
json_expect 1 type=skipped path=/sys "reason=pseudo filesystem"
json_expect 1 type=skipped path=/dev "reason=pseudo filesystem"
json_expect 1 type=finding "path=$FULLF"

exit 0
