#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-errors.sh - errors are reported and the scan goes on: unreadable file
# and directory (scanned as user nobody), a missing PATH or --files-from
# entry, unwritable stdout, bad options and exclusions, a bad -d path; a
# file truncated and a file deleted mid-scan (MDESCAN_TEST_DELAY_MS) and
# SIGTERM mid-scan.  Exit status 2 for errors, 1 when something was found.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if is_root && ! command -v setpriv >/dev/null 2>&1; then
	skip "setpriv (util-linux) is needed to scan as nobody"
fi
# nobody must reach the fixtures (mktemp -d makes the directory 0700)
chmod 755 "$T"
run_unpriv test -x "$T" || skip "user nobody cannot reach $T (a parent directory is not searchable)"
run_unpriv test -x "$MDESCAN" || skip "user nobody cannot run $MDESCAN"

# ---------------------------------------------------------- unreadable file

U=$T/ufile
mkdir -p "$U"
printf 'secret\n' >"$U/secret.txt"
printf 'fine\n' >"$U/ok.txt"
chmod 000 "$U/secret.txt"

step "unreadable file: error on stderr, scan goes on, exit 2"
expect_exit 2 run_unpriv mds "$U"
grep -Fq "$U/secret.txt: ERROR (" "$ERR" || { show_output; fail "no '$U/secret.txt: ERROR (...)' on stderr"; }
expect_ok "$U/ok.txt"
out_lacks "secret.txt"
expect_summary Errors 1
expect_summary "Scanned files" 1

step "unreadable file, JSON: error object with errno EACCES (13)"
expect_exit 2 run_unpriv mds --json "$U"
json_expect 1 type=error "path=$U/secret.txt" errno=13 "reason?"
json_expect 1 type=summary errors=1 exit_code=2

step "unreadable file and an EICAR elsewhere: exit 1"
make_eicar "$U/eicar.com"
expect_exit 1 run_unpriv mds "$U"
grep -Fq "$U/secret.txt: ERROR (" "$ERR" || { show_output; fail "error not reported"; }
expect_found "$U/eicar.com"
expect_exit 1 run_unpriv mds --json "$U"
json_expect 1 type=summary errors=1 infected=1 exit_code=1

# ---------------------------------------------------------- unreadable dir

V=$T/udir
mkdir -p "$V/locked" "$V/open"
printf 'hidden\n' >"$V/locked/hidden.txt"
printf 'fine\n' >"$V/open/ok.txt"
chmod 000 "$V/locked"

step "unreadable directory: error, scan goes on, exit 2"
expect_exit 2 run_unpriv mds "$V"
grep -Fq "$V/locked: ERROR (" "$ERR" || { show_output; fail "no '$V/locked: ERROR (...)' on stderr"; }
expect_ok "$V/open/ok.txt"
expect_exit 2 run_unpriv mds --json "$V"
json_expect 1 type=error "path=$V/locked" errno=13
json_expect 1 type=summary errors=1 files=1 exit_code=2

step "unreadable directory and an EICAR elsewhere: exit 1"
make_eicar "$V/open/eicar.com"
expect_exit 1 run_unpriv mds "$V"
expect_found "$V/open/eicar.com"
grep -Fq "$V/locked: ERROR (" "$ERR" || { show_output; fail "error not reported"; }

step "directory readable but not searchable (r--): its files fail, others scanned"
W=$T/noexec
mkdir -p "$W/rdonly"
printf 'x\n' >"$W/rdonly/f.txt"
printf 'y\n' >"$W/g.txt"
chmod 444 "$W/rdonly"
expect_exit 2 run_unpriv mds "$W"
expect_ok "$W/g.txt"
grep -Fq ": ERROR (" "$ERR" || { show_output; fail "no error reported"; }
chmod 755 "$W/rdonly"

step "standard output cannot be written (/dev/full): exit 2"
if [ -w /dev/full ]; then
	mds "$T/ufile/ok.txt" >/dev/full 2>"$ERR" && RC=0 || RC=$?
	[ "$RC" -eq 2 ] || { show_output; fail "text output to /dev/full: exit $RC, expected 2"; }
	mds --json "$T/ufile/ok.txt" >/dev/full 2>"$ERR" && RC=0 || RC=$?
	[ "$RC" -eq 2 ] || { show_output; fail "JSON output to /dev/full: exit $RC, expected 2"; }
fi

step "nonexistent PATH argument: error, exit 2; with an EICAR too: exit 1"
expect_exit 2 mds "$T/does-not-exist"
grep -Fq "$T/does-not-exist" "$ERR" || { show_output; fail "missing path not named on stderr"; }
make_eicar "$T/eicar.com"
expect_exit 1 mds "$T/does-not-exist" "$T/eicar.com"
expect_found "$T/eicar.com"
grep -Fq "$T/does-not-exist" "$ERR" || { show_output; fail "missing path not named on stderr"; }
expect_exit 2 mds --json "$T/does-not-exist"
json_expect 1 type=error "path=$T/does-not-exist" errno=2

step "bad options: exit 2, usage on stderr, nothing on stdout"
for args in "--no-such-option $T" "-Q $T" "-d" "--exclude" ""; do
	# shellcheck disable=SC2086 # $args is meant to split
	expect_exit 2 mds $args
	grep -qi usage "$ERR" || { show_output; fail "no usage on stderr for: mdescan $args"; }
	[ ! -s "$OUT" ] || { show_output; fail "stdout not empty for: mdescan $args"; }
done

step "bad option values and combinations: exit 2, a message on stderr, nothing on stdout"
for args in "-j abc $T" "-j -3 $T" "-j 0 $T" "-j 1025 $T" "--max-filesize 12Q $T" \
    "--max-depth x $T" "--max-depth -1 $T" "--timeout nope $T" "--quick --full"; do
	# shellcheck disable=SC2086 # $args is meant to split
	expect_exit 2 mds $args
	[ -s "$ERR" ] || { show_output; fail "no message on stderr for: mdescan $args"; }
	[ ! -s "$OUT" ] || { show_output; fail "stdout not empty for: mdescan $args"; }
done

step "invalid exclusions are fatal: exit 2"
set -f	# $args holds a lone '*'
for args in "--exclude relative/path" "--exclude-dir relative" "--exclude-ext a/b" "--exclude-ext *"; do
	# shellcheck disable=SC2086 # $args is meant to split
	expect_exit 2 mds $args "$T/eicar.com"
	[ -s "$ERR" ] || { show_output; fail "no message on stderr for: mdescan $args"; }
	out_lacks "FOUND"
done
set +f

step "bad -d path: exit 2, the path named on stderr"
expect_exit 2 mds -d "$T/no-such-db" "$T/eicar.com"
grep -Fq "$T/no-such-db" "$ERR" || { show_output; fail "bad -d path not named on stderr"; }
out_lacks "FOUND"

step "-d FILE with an unknown extension is fatal: exit 2 (man page: DEFINITIONS)"
printf 'whatever\n' >"$T/defs.xyz"
expect_exit 2 mds -d "$T/defs.xyz" "$T/eicar.com"
grep -Fq "defs.xyz" "$ERR" || { show_output; fail "unknown -d file not named on stderr"; }
out_lacks "FOUND"

step "--files-from FILE that cannot be opened: exit 2"
expect_exit 2 mds --files-from "$T/no-such-list"
grep -Fq "$T/no-such-list" "$ERR" || { show_output; fail "missing list not named on stderr"; }

step "a --files-from entry that does not exist: error, the others scanned"
printf '%s\n' "$T/nope-1" "$T/eicar.com" >"$T/list"
expect_exit 1 mds --files-from "$T/list"
expect_found "$T/eicar.com"
grep -Fq "$T/nope-1: ERROR (" "$ERR" || { show_output; fail "missing entry not reported"; }

# ---------------------------------------------------------- mid-scan races

# With MDESCAN_TEST_DELAY_MS a worker sleeps after open+fstat and before
# reading; wait_open sees the open file in /proc and the test acts then.
[ -d /proc/self/fd ] || skip "no /proc: mid-scan races and SIGTERM not tested (all else passed)"
DELAY=1500

step "file truncated after open+fstat, before read: error for that file, no crash, exit 2"
R=$T/trunc
mkdir -p "$R"
head -c 1048576 /dev/urandom >"$R/big.bin"
MDESCAN_TEST_DELAY_MS=$DELAY mds_bg -j 1 "$R/big.bin"
wait_open 20 "$R/big.bin" >/dev/null || { kill "$BGPID"; show_output; fail "mdescan never opened $R/big.bin"; }
truncate -s 100 "$R/big.bin"
mds_wait 2
grep -Fq "$R/big.bin: ERROR (" "$ERR" || { show_output; fail "truncated file not reported as an error"; }
out_lacks "big.bin: OK"

step "truncated file, JSON: an error object, summary errors=1"
head -c 1048576 /dev/urandom >"$R/big2.bin"
MDESCAN_TEST_DELAY_MS=$DELAY mds_bg -j 1 --json "$R/big2.bin"
wait_open 20 "$R/big2.bin" >/dev/null || { kill "$BGPID"; show_output; fail "mdescan never opened big2.bin"; }
truncate -s 0 "$R/big2.bin"
mds_wait 2
json_expect 1 type=error "path=$R/big2.bin"
json_expect 1 type=summary errors=1 exit_code=2

step "file deleted before it is opened: ENOENT error, other files still scanned"
G=$T/gone
mkdir -p "$G"
printf 'first\n' >"$G/a.txt"
printf 'second\n' >"$G/b.txt"
printf 'third\n' >"$G/c.txt"
MDESCAN_TEST_DELAY_MS=$DELAY mds_bg -j 1 --json "$G/a.txt" "$G/b.txt" "$G/c.txt"
res=$(wait_open 20 "$G/a.txt" "$G/b.txt" "$G/c.txt") ||
	{ kill "$BGPID"; show_output; fail "mdescan never opened a file of $G"; }
pid=${res% *}
idx=${res#* }
files=("$G/a.txt" "$G/b.txt" "$G/c.txt")
victim=${files[$(((idx + 1) % 3))]}
has_open "$pid" "$victim" && { kill "$BGPID"; fail "with -j 1, $victim is open while ${files[idx]} is"; }
rm -f "$victim"
mds_wait 2
json_expect 1 type=error "path=$victim" errno=2
json_expect 1 type=summary errors=1 files=2 exit_code=2

step "SIGTERM stops the scan soon: summary with cancelled, exit 2 (an interrupted scan is not clean)"
K=$T/killed
mkdir -p "$K"
for i in 1 2 3 4 5 6 7 8; do printf 'file %d\n' "$i" >"$K/f$i"; done
MDESCAN_TEST_DELAY_MS=$DELAY mds_bg -j 1 --json "$K"
res=$(wait_open 20 "$K"/f?) || { kill "$BGPID"; show_output; fail "mdescan never opened a file of $K"; }
kill -TERM "${res% *}"
start=$SECONDS
mds_wait 2
[ $((SECONDS - start)) -le 5 ] || fail "SIGTERM: mdescan took $((SECONDS - start)) s to stop"
json_expect 1 type=summary cancelled=true exit_code=2
[ "$(json_count "$OUT" type=summary files=8)" -eq 0 ] || { show_output; fail "SIGTERM: all 8 files were still scanned"; }

exit 0
