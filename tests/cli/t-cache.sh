#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-cache.sh - the persistent scan cache: an unchanged tree is answered
# from the cache without reading files; a file rewritten with the same size
# and a restored mtime is read again (ctime moved); copies are judged once;
# a definitions update that only adds hash signatures is checked from the
# cache; --no-cache neither reads nor writes it; a cache that cannot be
# opened is a warning, not a failure.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

C=$T/cache
D=$T/tree
DEFS=$T/defs
mkdir -p "$D/sub" "$DEFS" "$C"
chmod 777 "$C"
for i in $(seq 1 40); do printf 'clean file number %d\n' "$i" >"$D/f$i.txt"; done
for i in 1 2 3; do printf 'the same content in every copy\n' >"$D/sub/copy$i"; done
printf 'aaaa' >"$D/victim"
make_eicar "$D/eicar.com"
# byte signature for EICAR's body, hash signature for "bbbb" (size 4)
printf 'Test.Eicar.Body:0:0:%s\n' "$(hex 'X5O!P%@AP[4')" >"$DEFS/t.ndb"
printf '%s:4:Test.Hash.Bbbb\n' "$(printf bbbb | sha256sum | cut -c1-64)" >"$DEFS/t.hsb"
NFILES=45

step "first scan fills the cache; copies are judged once"
expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json -j 1 "$D"
json_expect 1 type=summary files=$NFILES cached=0 deduped=2 findings=1

step "second scan answers every file from the cache"
expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json "$D"
json_expect 1 type=summary files=$NFILES cached=$NFILES findings=1
json_expect 1 type=finding name=Test.Eicar.Body "path=$D/eicar.com"

step "files answered from the cache are not opened (the delay knob would show)"
# MDESCAN_TEST_DELAY_MS sleeps after each open: 45 files x 400 ms = 18 s
# if anything were read, well under that from the cache
start=$SECONDS
MDESCAN_TEST_DELAY_MS=400 expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json -j 1 "$D"
[ $((SECONDS - start)) -lt 8 ] || fail "cached scan took $((SECONDS - start)) s: files were opened"
json_expect 1 type=summary errors=0 cached=$NFILES

step "same size, restored mtime: ctime moved, so the file is read again"
mtime=$(stat -c %y "$D/victim")
sleep 0.05
printf 'bbbb' >"$D/victim"
touch -d "$mtime" "$D/victim"
expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json "$D"
json_expect 1 type=finding name=Test.Hash.Bbbb "path=$D/victim"
json_expect 1 type=summary cached=$((NFILES - 1))

step "a file changed just before it was read is keyed only by a later scan (same-tick rewrites)"
# the scan above read the victim within 50 ms of its rewrite (unless this
# machine is very slow): it kept the content verdict, not the file key
sleep 0.1
expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json "$D"
n=$(json_count "$OUT" type=summary "cached=$((NFILES - 1))" deduped=1)
[ "$n" -eq 1 ] || [ "$(json_count "$OUT" type=summary cached=$NFILES)" -eq 1 ] ||
	{ show_output; fail "victim: neither re-read as a known copy nor cached"; }
expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json "$D"
json_expect 1 type=summary cached=$NFILES

step "an update adding only hash signatures is checked from the cache"
# a size no signature had before: only SHA-256, kept for every file up to
# 1 MiB, helps
printf '%s:%d:Test.Hash.F1\n' "$(sha256sum <"$D/f1.txt" | cut -c1-64)" \
	"$(wc -c <"$D/f1.txt")" >"$DEFS/t2.hsb"
start=$SECONDS
MDESCAN_TEST_DELAY_MS=400 expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json -j 1 "$D"
[ $((SECONDS - start)) -lt 8 ] || fail "hash-only update took $((SECONDS - start)) s: files were opened"
json_expect 1 type=finding name=Test.Hash.F1 "path=$D/f1.txt"
json_expect 1 type=summary errors=0 cached=$NFILES findings=3

step "a hash-only update matching a file over 1 MiB (SHA-256 not kept) reads that file"
mkdir -p "$T/big" "$T/bdefs"
head -c 1100000 /dev/zero | tr '\0' b >"$T/big/large"
printf 'small\n' >"$T/big/small"
cp "$DEFS/t.hsb" "$T/bdefs/"
sleep 0.1
expect_exit 0 mds -d "$T/bdefs" --cache-dir "$C" --json "$T/big"
expect_exit 0 mds -d "$T/bdefs" --cache-dir "$C" --json "$T/big"
json_expect 1 type=summary files=2 cached=2
sum=$(sha256sum <"$T/big/large" | cut -c1-64)
printf '%s:1100000:Test.Hash.Large\n' "$sum" >"$T/bdefs/t3.hsb"
expect_exit 1 mds -d "$T/bdefs" --cache-dir "$C" --json "$T/big"
json_expect 1 type=finding name=Test.Hash.Large "path=$T/big/large" "sha256=$sum"
json_expect 1 type=summary files=2 cached=1 findings=1

step "changed byte signatures: nothing is reused"
printf 'Test.Other:0:*:%s\n' "$(hex 'number 7')" >>"$DEFS/t.ndb"
expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json "$D"
json_expect 1 type=summary cached=0
json_expect 1 type=finding name=Test.Other "path=$D/f7.txt"

step "--no-cache: nothing read from or written to the cache"
rm -rf "$C"/*
expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --no-cache --json "$D"
json_expect 1 type=summary cached=0
[ -z "$(ls -A "$C")" ] || fail "--no-cache wrote to the cache directory"

step "a cache that cannot be opened: warning on stderr, the scan goes on"
printf 'not a directory' >"$T/notadir"
expect_exit 1 mds -d "$DEFS" --cache-dir "$T/notadir/x" --json "$D"
grep -q 'warning:' "$ERR" || { show_output; fail "no warning about the cache"; }
json_expect 1 type=summary files=$NFILES cached=0

step "two scans at once share the cache"
rm -rf "$C"/*
mds -d "$DEFS" --cache-dir "$C" --json "$D" >"$T/a.out" 2>&1 &
p1=$!
mds -d "$DEFS" --cache-dir "$C" --json "$D" >"$T/b.out" 2>&1 &
p2=$!
wait "$p1" || [ $? -eq 1 ] || fail "concurrent scan 1 failed"
wait "$p2" || [ $? -eq 1 ] || fail "concurrent scan 2 failed"
expect_exit 1 mds -d "$DEFS" --cache-dir "$C" --json "$D"
json_expect 1 type=summary cached=$NFILES

step "rules reading the file name: copies with other names are judged apart"
Y=$T/ydefs
mkdir -p "$Y" "$T/ext"
cat >"$Y/ext.yar" <<'YAR'
rule Php_Marker { strings: $m = "marker-php" condition: $m and extension == ".php" }
YAR
printf 'marker-php\n' >"$T/ext/a.php"
printf 'marker-php\n' >"$T/ext/b.txt"
printf 'marker-php\n' >"$T/ext/c.php"
for run in 1 2; do
	expect_exit 1 mds -d "$Y" --cache-dir "$C" --json "$T/ext"
	json_expect 2 type=finding name=Php_Marker
	json_expect 0 type=finding "path=$T/ext/b.txt"
done
json_expect 1 type=summary cached=3

step "rules reading the file name: every name of a hard-linked file is answered from the cache"
# one inode, three names: the verdict differs by name, so each name keeps
# its own; a per-inode record would keep only the last name written
mkdir -p "$T/hl"
printf 'marker-php\n' >"$T/hl/x.php"
ln "$T/hl/x.php" "$T/hl/y.php"
ln "$T/hl/x.php" "$T/hl/z.txt"
sleep 0.1 # the links moved ctime: older than the same-tick window
expect_exit 1 mds -d "$Y" --cache-dir "$C" --json "$T/hl"
json_expect 2 type=finding name=Php_Marker
for run in 2 3; do
	expect_exit 1 mds -d "$Y" --cache-dir "$C" --json "$T/hl"
	json_expect 1 type=summary files=3 cached=3 findings=2
	json_expect 1 type=finding name=Php_Marker "path=$T/hl/x.php"
	json_expect 1 type=finding name=Php_Marker "path=$T/hl/y.php"
	json_expect 0 type=finding "path=$T/hl/z.txt"
done

step "compiled YARA rules are kept: same findings and diagnostics when loaded back"
printf 'rule broken { condition: nosuchthing }\n' >"$Y/bad.yar"
rm -rf "$C"/*
for run in 1 2; do
	expect_exit 1 mds -d "$Y" --cache-dir "$C" --no-summary -i "$T/ext"
	grep -q 'bad.yar:1:' "$ERR" || { show_output; fail "run $run: compile error of bad.yar not reported"; }
	[ "$(grep -c 'Php_Marker FOUND' "$OUT")" -eq 2 ] || { show_output; fail "run $run: findings differ"; }
	ls "$C"/yara-*.rules >/dev/null 2>&1 || fail "no compiled rules kept in the cache"
done
step "a damaged compiled-rules file is ignored and rebuilt"
for f in "$C"/yara-*.rules; do printf 'garbage' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null; done
expect_exit 1 mds -d "$Y" --cache-dir "$C" --no-summary -i "$T/ext"
[ "$(grep -c 'Php_Marker FOUND' "$OUT")" -eq 2 ] || { show_output; fail "damaged rules file: findings differ"; }
for f in "$C"/yara-*.rules; do
	truncate -s 20 "$f"
done
expect_exit 1 mds -d "$Y" --cache-dir "$C" --no-summary -i "$T/ext"
[ "$(grep -c 'Php_Marker FOUND' "$OUT")" -eq 2 ] || { show_output; fail "truncated rules file: findings differ"; }

echo "PASS: $TEST_NAME"
