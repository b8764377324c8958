#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-cage.sh - issue 21: the parser cage.  With the test-only fault hook
# preloaded (tests/cage/fault.c), files make the container parser
# dereference NULL, open /etc/shadow and a canary, execve /bin/sh,
# allocate without bound and loop forever.  Each of those files is
# reported as an ERROR naming the cause and the stage, the other files of
# the same scan are judged as without the faults, and no process of the
# scan read the canary or /etc/shadow (strace: every such open was
# refused by the filter).  A worker caught alive runs under the seccomp
# filter (Seccomp: 2), with no_new_privs, without capabilities and, as
# root, as another user in its own network namespace: the default
# configuration (no option, no mdescan.conf line).  With --no-cage or
# cage = no there is no worker; -V and health say what the cage is.
# Large files one after another are judged in the shared buffer grown in
# place for them; a zygote that stops answering (the hook again) is
# killed after 10 s, the files it held up are errors naming it, and the
# next zygote serves the rest.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -f "${FAULT_LIB:-}" ] || skip "the fault hook library is not built (make check builds it)"
probe=$(mds --cage -V | grep '^parser cage') || true
case $probe in
"parser cage on: "*) ;;
*) skip "this kernel cannot have the cage: $probe" ;;
esac

# the fault hook is preloaded into mdescan; a sanitizer build must let it
# come first and leave crashes and failed allocations to the cage (its
# own handler would read /proc/self/exe, which the filter refuses)
ASAN_OPTIONS=verify_asan_link_order=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0:allocator_may_return_null=1:detect_leaks=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0
export ASAN_OPTIONS UBSAN_OPTIONS
faulty() {
	LD_PRELOAD=$FAULT_LIB "$@"
}

D=$T/scan C=$T/outside
mkdir -p "$D/sub" "$C"
echo "the canary: no process of the scan may read this" >"$C/canary"
fault() { printf 'MDESCAN-TEST-FAULT:%s\n' "$2" >"$D/$1"; }
fault null.bin null
fault shadow.bin open:/etc/shadow
fault canary.bin "open:$C/canary"
fault exec.bin exec
fault alloc.bin alloc
fault loop.bin loop
make_eicar "$D/eicar.com"
make_eicar "$D/sub/eicar2.com"
(cd "$D/sub" && "$PYTHON" -c 'import zipfile,sys; z=zipfile.ZipFile("e.zip","w"); z.write("eicar2.com"); z.close()')
rm "$D/sub/eicar2.com"
echo "nothing to see here" >"$D/clean.txt"
printf 'plain text\n' | gzip -c >"$D/sub/clean.gz"

step "each fault is an error naming its cause; the other files are judged"
# one thread: the faults follow one another in a single worker's life, so
# each later file is judged by a fresh worker after a death
expect_exit 1 faulty strace -f -qq -e trace=open,openat,execve -e signal=SIGSYS \
	-o "$T/strace" timeout -k 5 120 "$MDESCAN" --cage --no-history --threads 1 \
	--timeout 6 --cage-memory 256M "$D"
out_has_line "$D/null.bin: ERROR (parser crashed: SIGSEGV in archive stage)" "$ERR"
out_has_line "$D/shadow.bin: ERROR (parser killed by the cage: forbidden system call openat in archive stage)" "$ERR"
out_has_line "$D/canary.bin: ERROR (parser killed by the cage: forbidden system call openat in archive stage)" "$ERR"
out_has_line "$D/exec.bin: ERROR (parser killed by the cage: forbidden system call execve in archive stage)" "$ERR"
grep -Fxq "$D/alloc.bin: ERROR (parser ran out of memory (cage-memory 256 MiB): SIGSEGV in archive stage)" "$ERR" ||
	{ show_output; fail "alloc.bin: no out-of-memory error"; }
out_has_line "$D/loop.bin: ERROR (parser killed: time limit exceeded (6 s) in archive stage)" "$ERR"
expect_found "$D/eicar.com" Eicar-Test-Signature
expect_found "$D/sub/e.zip//eicar2.com" Eicar-Test-Signature
expect_ok "$D/clean.txt"
expect_ok "$D/sub/clean.gz"
expect_summary Errors 6
expect_summary "Infected files" 2

step "nothing outside the scan was read"
# every open of the canary or /etc/shadow by any process of the scan is
# the one the filter refused: the next line of that process is its SIGSYS
"$PYTHON" - "$T/strace" "$C/canary" <<'PY' || { cat "$T/strace" | head -80 >&2; fail "a process of the scan opened a file outside it"; }
import re, sys
log, canary = sys.argv[1], sys.argv[2]
lines = [l.rstrip("\n") for l in open(log)]
last = {}
seen = bad = 0
for l in lines:
    m = re.match(r"(\d+)\s+(.*)", l)
    if not m:
        continue
    pid, rest = m.groups()
    prev = last.get(pid)
    if prev is not None:
        if not rest.startswith("--- SIGSYS"):
            print("not refused:", prev); bad += 1
        last.pop(pid)
    if re.match(r"(open|openat)\(", rest) and (canary in rest or "/etc/shadow" in rest):
        seen += 1
        last[pid] = rest
    if re.match(r"execve\(\"/bin/sh\"", rest):
        seen += 1
        last[pid] = rest
for pid, prev in last.items():
    print("not refused:", prev); bad += 1
print("attempts", seen, "not refused", bad)
sys.exit(1 if bad or seen != 3 else 0)
PY

step "a death in a batch: its file is the error, every other file is judged once"
# one thread, twelve files: they go to the worker as one batch, and the
# worker dies at the fault wherever readdir puts it; the files before it
# (whose answers died with it) and after it go to a fresh worker
B=$T/batch
mkdir -p "$B"
for i in 1 2 3 4 5; do make_eicar "$B/e$i.com"; done
for i in 1 2 3 4 5 6; do echo "clean $i" >"$B/c$i.txt"; done
printf 'MDESCAN-TEST-FAULT:null\n' >"$B/null.bin"
expect_exit 1 faulty timeout -k 5 120 "$MDESCAN" --cage --no-history --threads 1 "$B"
out_has_line "$B/null.bin: ERROR (parser crashed: SIGSEGV in archive stage)" "$ERR"
for i in 1 2 3 4 5; do
	[ "$(count_lines_prefix "$B/e$i.com: " " FOUND")" = 1 ] ||
		{ show_output; fail "e$i.com is not reported exactly once"; }
done
for i in 1 2 3 4 5 6; do
	[ "$(grep -Fxc "$B/c$i.txt: OK" "$OUT")" = 1 ] ||
		{ show_output; fail "c$i.txt is not reported OK exactly once"; }
done
expect_summary Errors 1
expect_summary "Infected files" 5
expect_summary "Scanned files" 12

step "large files one after another: each judged in the buffer grown for them"
# one thread: a file larger than the batch area (1 MiB) goes alone, in
# the shared buffer grown in place; the next large file is read into the
# same buffer
L=$T/large
mkdir -p "$L" "$T/ldb"
printf 'Test.Cage.Large:0:*:%s\n' "$(hex 'mdescan-cage-large-marker-5k1')" >"$T/ldb/t.ndb"
head -c 20000000 /dev/urandom >"$L/a.bin"
{ head -c 10000000 /dev/zero; printf 'mdescan-cage-large-marker-5k1'; head -c 3000000 /dev/zero; } >"$L/b.bin"
{ head -c 12000000 /dev/zero; printf 'mdescan-cage-large-marker-5k1'; } >"$L/c.bin"
head -c 15000000 /dev/urandom >"$L/d.bin"
printf 'small mdescan-cage-large-marker-5k1\n' >"$L/e.txt"
expect_exit 1 timeout -k 5 120 "$MDESCAN" --no-cache --no-history --threads 1 -d "$T/ldb" "$L"
for f in b.bin c.bin e.txt; do
	out_has_line "$L/$f: Test.Cage.Large FOUND"
done
expect_summary "Infected files" 3
expect_summary Errors 0
rm -rf "$L"

step "a zygote that does not answer: killed after 10 s, its files an error, the next one serves"
Z=$T/zygote
mkdir -p "$Z"
for i in $(seq 1 24); do make_eicar "$Z/e$i.com"; done
t0=$SECONDS
# (exit 1: findings count before errors)
expect_exit 1 env MDESCAN_TEST_ZYGOTE_STALL="$T/stalled" \
	LD_PRELOAD="$FAULT_LIB" timeout -k 5 120 "$MDESCAN" --no-cache \
	--no-history --threads 1 "$Z"
[ -e "$T/stalled" ] || fail "the zygote's fault hook did not run"
[ $((SECONDS - t0)) -ge 9 ] || fail "the stuck zygote was not waited for"
nerr=$(grep -c ': ERROR (parser cage: cannot start a worker: its zygote did not answer)$' "$ERR" || true)
nfound=$(grep -c ': Eicar-Test-Signature FOUND$' "$OUT" || true)
[ "$nerr" -ge 1 ] || { show_output; fail "no file reported the stuck zygote"; }
[ "$nfound" -ge 1 ] || { show_output; fail "no file judged by the next zygote"; }
[ $((nerr + nfound)) -eq 24 ] || { show_output; fail "$nerr errors + $nfound found != 24 files"; }
rm -rf "$Z"

step "a live worker: seccomp mode 2, no_new_privs, no capabilities"
fault sleep.bin sleep:4
# the default configuration: no --cage
faulty timeout -k 5 60 "$MDESCAN" --no-history --threads 1 "$D/sleep.bin" >"$OUT" 2>"$ERR" &
scanner=$!
worker=
for _ in $(seq 1 100); do
	for p in $(pgrep -f "$D/sleep.bin" || true); do
		[ "$p" != "$scanner" ] || continue
		if grep -q '^Seccomp:[[:space:]]*2' "/proc/$p/status" 2>/dev/null; then
			worker=$p
		fi
	done
	[ -z "$worker" ] || break
	sleep 0.1
done
[ -n "$worker" ] || fail "no caged worker seen during the scan"
caged_status scan "$worker"
wait "$scanner" || fail "the scan of the sleeping file failed"

step "--no-cage: no worker; -V and health report the cage"
# --no-cache: the file is parsed (the hook sleeps in the scanner itself);
# the scanning process, found by its command line, has no child
faulty timeout -k 5 60 "$MDESCAN" --no-cage --no-cache --no-history --threads 1 "$D/sleep.bin" >"$OUT" 2>"$ERR" &
scanner=$!
mpid=
for _ in $(seq 1 100); do
	for p in $(pgrep -f -- "--no-cage --no-cache --no-history --threads 1 $D/sleep.bin" || true); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = timeout ] || mpid=$p
	done
	[ -z "$mpid" ] || break
	sleep 0.1
done
[ -n "$mpid" ] || fail "the uncaged scan was not seen running"
sleep 1
[ -z "$(pgrep -P "$mpid" || true)" ] || fail "a worker with --no-cage"
wait "$scanner" || fail "the uncaged scan of the sleeping file failed"
expect_exit 0 mds -V
grep -q '^parser cage on: seccomp filter' "$OUT" || { show_output; fail "-V does not report the cage as on by default"; }
expect_exit 0 mds --no-cage -V
grep -q '^parser cage off (--no-cage): seccomp filter' "$OUT" || { show_output; fail "-V does not report --no-cage"; }
printf 'cage = no\n' >"$MDESCAN_CONF"
expect_exit 0 mds -V
grep -q '^parser cage off (--no-cage): seccomp filter' "$OUT" || { show_output; fail "-V does not report cage = no"; }
expect_exit 0 mds --cage -V
grep -q '^parser cage on: seccomp filter' "$OUT" || { show_output; fail "--cage does not override cage = no"; }
mds health --json >"$OUT" 2>"$ERR" || true
jq -e '.parser_cage_enabled == false and .parser_cage_available == true and (.parser_cage | test("seccomp"))' "$OUT" >/dev/null ||
	{ show_output; fail "health does not report the cage (cage = no)"; }
: >"$MDESCAN_CONF"
mds health --json >"$OUT" 2>"$ERR" || true
jq -e '.parser_cage_enabled == true and .parser_cage_available == true' "$OUT" >/dev/null ||
	{ show_output; fail "health does not report the cage as enabled by default"; }
echo "PASS: $TEST_NAME"
