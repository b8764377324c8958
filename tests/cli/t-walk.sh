#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-walk.sh - the directory walk: special files (FIFO, socket, device),
# symlinks and --follow-symlinks with a loop, --max-depth, --max-filesize,
# --exclude / --exclude-dir / --exclude-ext (mdatp wildcards), --files-from
# (newline, --null, stdin), --one-file-system (tmpfs mount, root only).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------- special files

S=$T/special
mkdir -p "$S"
printf 'clean\n' >"$S/clean.txt"
make_eicar "$S/eicar.com"
mkfifo "$S/fifo"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$S/sock" ||
	fail "could not create a unix socket"
[ -S "$S/sock" ] || fail "socket fixture missing"

step "FIFO and socket in a tree: no hang, reported as skipped"
expect_exit 1 mds --json "$S"
json_expect 1 type=skipped "path=$S/fifo" reason=fifo
json_expect 1 type=skipped "path=$S/sock" reason=socket
json_expect 1 type=finding "path=$S/eicar.com"
json_expect 1 type=summary skipped=2 files=2 errors=0

step "text mode: SKIPPED lines, not in -i"
expect_exit 1 mds "$S"
out_has_line "$S/fifo: SKIPPED (fifo)"
out_has_line "$S/sock: SKIPPED (socket)"
expect_ok "$S/clean.txt"
expect_summary Skipped 2
expect_exit 1 mds -i "$S"
out_lacks "SKIPPED"

step "FIFO, socket and a character device given as arguments: no hang, skipped, exit 0"
expect_exit 0 mds --json "$S/fifo" "$S/sock" /dev/null
json_expect 1 type=skipped "path=$S/fifo" reason=fifo
json_expect 1 type=skipped "path=$S/sock" reason=socket
json_expect 1 type=skipped path=/dev/null "reason=character device"

# ---------------------------------------------------------- symlinks

L=$T/links
mkdir -p "$L/tree" "$L/outside/sub" "$L/loop/a"
printf 'clean\n' >"$L/tree/clean.txt"
make_eicar "$L/outside/e1.com"
make_eicar "$L/outside/sub/e2.com"
ln -s ../outside/e1.com "$L/tree/filelink"
ln -s ../outside/sub "$L/tree/dirlink"
printf 'clean\n' >"$L/loop/a/f.txt"
ln -s .. "$L/loop/a/up"			# loop: a/up -> loop
ln -s "$L/loop" "$L/loop/a/abs"		# loop through an absolute link

step "symlinks are not followed by default"
expect_exit 0 mds "$L/tree"
expect_ok "$L/tree/clean.txt"
out_lacks " FOUND"
expect_unmentioned "$L/tree/dirlink/e2.com"

step "--follow-symlinks follows file and directory links"
expect_exit 1 mds --follow-symlinks "$L/tree"
expect_found "$L/tree/filelink"
expect_found "$L/tree/dirlink/e2.com"
expect_ok "$L/tree/clean.txt"

step "--follow-symlinks: a symlink loop terminates, each file scanned once"
expect_exit 0 mds --follow-symlinks "$L/loop"
[ "$(grep -c 'f\.txt: OK$' "$OUT")" -eq 1 ] ||
	{ show_output; fail "f.txt should be scanned exactly once"; }
expect_ok "$L/loop/a/f.txt"

step "--follow-symlinks: a directory reached twice (dir and link to it) is entered once"
mkdir -p "$L/twice/real"
printf 'once\n' >"$L/twice/real/once.txt"
ln -s real "$L/twice/link"
expect_exit 0 mds --follow-symlinks "$L/twice"
[ "$(grep -c '/once\.txt: OK$' "$OUT")" -eq 1 ] ||
	{ show_output; fail "once.txt should be scanned exactly once"; }

step "--follow-symlinks: a dangling link is ignored, not an error"
ln -s "$L/nowhere" "$L/tree/dangling"
expect_exit 1 mds --follow-symlinks "$L/tree"
expect_unmentioned "$L/tree/dangling"
rm "$L/tree/dangling"

step "a symlink given as PATH is followed (mdescan.h: mde_engine_submit)"
expect_exit 1 mds "$L/tree/filelink"
expect_found "$L/tree/filelink"

# ---------------------------------------------------------- max depth

M=$T/depth
mkdir -p "$M/d1/d2/d3"
for f in "$M/f0" "$M/d1/f1" "$M/d1/d2/f2" "$M/d1/d2/d3/f3"; do
	printf 'depth\n' >"$f"
done

step "default depth: everything scanned"
expect_exit 0 mds "$M"
for f in "$M/f0" "$M/d1/f1" "$M/d1/d2/f2" "$M/d1/d2/d3/f3"; do expect_ok "$f"; done

step "--max-depth 1: files of the start dir and of d1 only; d2 skipped as limit"
expect_exit 0 mds --max-depth 1 "$M"
expect_ok "$M/f0"
expect_ok "$M/d1/f1"
expect_unmentioned "$M/d1/d2/f2"
expect_unmentioned "$M/d1/d2/d3/f3"
expect_exit 0 mds --json --max-depth 1 "$M"
json_expect 1 type=skipped "path=$M/d1/d2" "reason=limit: max-depth"
json_expect 1 type=skipped
json_expect 1 type=summary files=2

step "--max-depth 0: only the files of the start dir"
expect_exit 0 mds --max-depth 0 "$M"
expect_ok "$M/f0"
expect_unmentioned "$M/d1/f1"

# ---------------------------------------------------------- max filesize

Z=$T/size
mkdir -p "$Z" "$T/sizedb"
printf 'Test.Size.Marker:0:*:%s\n' "$(hex QZSIZEMARKER)" >"$T/sizedb/size.ndb"
{ printf 'QZSIZEMARKER'; fill 1988; } >"$Z/small.bin"	# 2000 bytes
{ printf 'QZSIZEMARKER'; fill 9988; } >"$Z/big.bin"	# 10000 bytes

step "--max-filesize 4K: the larger file is skipped as limit: max-filesize"
expect_exit 1 mds --max-filesize 4K -d "$T/sizedb" "$Z"
out_has_line "$Z/small.bin: Test.Size.Marker FOUND"
out_has_line "$Z/big.bin: SKIPPED (limit: max-filesize)"
expect_summary Skipped 1
expect_exit 1 mds --json --max-filesize 4K -d "$T/sizedb" "$Z"
json_expect 1 type=skipped "path=$Z/big.bin" "reason=limit: max-filesize"
json_expect 1 type=finding "path=$Z/small.bin"
json_expect 0 type=finding "path=$Z/big.bin"

step "--max-filesize boundary: a file of exactly the limit is scanned (lower-case k too)"
head -c 4096 /dev/zero >"$Z/b4096"
head -c 4097 /dev/zero >"$Z/b4097"
for lim in 4K 4k 4096; do
	expect_exit 0 mds --max-filesize "$lim" "$Z/b4096" "$Z/b4097"
	expect_ok "$Z/b4096"
	out_has_line "$Z/b4097: SKIPPED (limit: max-filesize)"
done
rm "$Z/b4096" "$Z/b4097"

step "a skipped file alone is not an error: exit 0"
expect_exit 0 mds --max-filesize 4K -d "$T/sizedb" "$Z/big.bin"

step "--max-filesize 0 (no limit), 1M and the default scan both"
for opt in "--max-filesize 0" "--max-filesize 1M" ""; do
	# shellcheck disable=SC2086 # $opt is meant to split
	expect_exit 1 mds $opt -i -d "$T/sizedb" "$Z"
	expect_found "$Z/small.bin"
	expect_found "$Z/big.bin"
done

# ---------------------------------------------------------- exclusions

X=$T/ex
mkdir -p "$X/a/b/c" "$X/q"
for f in a/x.txt a/b/x.txt a/b/c/x.txt a/bz.txt q/file1.txt q/file10.txt q/fileA.txt; do
	printf 'excl\n' >"$X/$f"
done
make_eicar "$X/a/b/eicar.com"

step "no exclusion: 8 files, EICAR found"
expect_exit 1 mds "$X"
expect_summary Excluded 0
expect_summary "Scanned files" 8

step "--exclude with * inside: one path component only"
expect_exit 0 mds --exclude "$X/a/*/x.txt" --exclude "$X/a/*/eicar.com" "$X"
expect_unmentioned "$X/a/b/x.txt"
expect_unmentioned "$X/a/b/eicar.com"
expect_ok "$X/a/x.txt"
expect_ok "$X/a/b/c/x.txt"
expect_ok "$X/a/bz.txt"
expect_summary Excluded 2
expect_summary "Scanned files" 6

step "--exclude with * at the end: anything below"
expect_exit 0 mds --exclude "$X/a/b*" "$X"
expect_unmentioned "$X/a/b/x.txt"
expect_unmentioned "$X/a/b/c/x.txt"
expect_unmentioned "$X/a/b/eicar.com"
expect_unmentioned "$X/a/bz.txt"
expect_ok "$X/a/x.txt"
expect_ok "$X/q/file1.txt"
[ "$(summary_value Excluded)" -ge 2 ] || { show_output; fail "Excluded should count the exclusions"; }

step "--exclude with ?: exactly one character"
expect_exit 1 mds --exclude "$X/q/file?.txt" "$X"
expect_unmentioned "$X/q/file1.txt"
expect_unmentioned "$X/q/fileA.txt"
expect_ok "$X/q/file10.txt"
expect_summary Excluded 2

step "excluded files are counted in JSON too, and never printed"
expect_exit 1 mds --json --exclude "$X/q/file?.txt" "$X"
json_expect 1 type=summary excluded=2 files=6
json_expect 0 "path=$X/q/file1.txt"

step "--exclude without wildcards: that directory and everything below"
expect_exit 0 mds --exclude "$X/a/b" "$X"
expect_unmentioned "$X/a/b/x.txt"
expect_unmentioned "$X/a/b/c/x.txt"
expect_ok "$X/a/bz.txt"
expect_ok "$X/a/x.txt"
step "--exclude ending in /: a directory and everything below"
expect_exit 0 mds --exclude "$X/a/b/" "$X"
expect_unmentioned "$X/a/b/x.txt"
expect_ok "$X/a/bz.txt"
step "--exclude without wildcards: one file"
expect_exit 1 mds --exclude "$X/a/x.txt" "$X"
expect_unmentioned "$X/a/x.txt"
expect_ok "$X/a/b/x.txt"
expect_summary Excluded 1

step "--exclude-dir: the directory and everything below"
expect_exit 0 mds --exclude-dir "$X/a/b" "$X"
expect_unmentioned "$X/a/b/x.txt"
expect_unmentioned "$X/a/b/c/x.txt"
expect_ok "$X/a/x.txt"
expect_ok "$X/a/bz.txt"
[ "$(summary_value Excluded)" -ge 1 ] || { show_output; fail "Excluded should count the excluded dir"; }

step "--exclude-dir with *: one component"
expect_exit 1 mds --exclude-dir "$X/*/c" "$X"
expect_ok "$X/a/b/c/x.txt"
expect_summary Excluded 0
expect_exit 1 mds --exclude-dir "$X/*/*/c" "$X"
expect_unmentioned "$X/a/b/c/x.txt"
expect_ok "$X/a/b/x.txt"

step "--exclude-ext with and without the dot"
E=$T/ext
mkdir -p "$E"
for f in a.log b.tmp c.txt d.log.txt e.logx; do printf 'ext\n' >"$E/$f"; done
make_eicar "$E/virus.log"
expect_exit 0 mds --exclude-ext log --exclude-ext .tmp "$E"
expect_unmentioned "$E/a.log"
expect_unmentioned "$E/virus.log"
expect_unmentioned "$E/b.tmp"
expect_ok "$E/c.txt"
expect_ok "$E/d.log.txt"
expect_ok "$E/e.logx"
expect_summary Excluded 3

step "--exclude-ext '*.log' form; the comparison is case-sensitive"
printf 'upper\n' >"$E/F.LOG"
expect_exit 0 mds --exclude-ext '*.log' "$E"
expect_unmentioned "$E/a.log"
expect_ok "$E/F.LOG"
expect_ok "$E/b.tmp"

# ---------------------------------------------------------- files-from

FF=$T/ff
mkdir -p "$FF"
printf 'one\n' >"$FF/one.txt"
printf 'two\n' >"$FF/with space.txt"
printf 'nl\n' >"$FF/new
line"
printf 'not listed\n' >"$FF/not-listed.txt"
printf 'trailing space\n' >"$FF/trail "
make_eicar "$FF/eicar.com"
printf '%s\n' "$FF/one.txt" "$FF/with space.txt" "$FF/eicar.com" >"$T/list.txt"
printf '%s\0' "$FF/one.txt" "$FF/new
line" >"$T/list.nul"

step "--files-from FILE, one path per line"
expect_exit 1 mds --files-from "$T/list.txt"
expect_ok "$FF/one.txt"
expect_ok "$FF/with space.txt"
expect_found "$FF/eicar.com"
expect_unmentioned "$FF/not-listed.txt"
[ "$(wc -l <"$OUT")" -eq 3 ] || { show_output; fail "expected 3 result lines"; }

step "--files-from: empty lines ignored, nothing else stripped (trailing space kept)"
printf '\n%s\n\n%s\n' "$FF/trail " "$FF/one.txt" >"$T/list2.txt"
expect_exit 0 mds --files-from "$T/list2.txt"
expect_ok "$FF/trail "
expect_ok "$FF/one.txt"
[ "$(wc -l <"$OUT")" -eq 2 ] || { show_output; fail "expected 2 result lines"; }
if grep -q ': ERROR (' "$ERR"; then show_output; fail "errors for a list with empty lines"; fi

step "--files-from - reads stdin"
expect_exit 1 mds --files-from - <"$T/list.txt"
expect_ok "$FF/with space.txt"
expect_found "$FF/eicar.com"
[ "$(wc -l <"$OUT")" -eq 3 ] || { show_output; fail "expected 3 result lines"; }

step "--files-from with --null: a name with a newline"
expect_exit 0 mds --files-from "$T/list.nul" --null
expect_ok "$FF/one.txt"
expect_ok "$FF/new\\nline"
[ "$(wc -l <"$OUT")" -eq 2 ] || { show_output; fail "expected 2 result lines"; }
expect_exit 0 mds --null --files-from - <"$T/list.nul"
expect_ok "$FF/new\\nline"
expect_exit 0 mds --json --null --files-from - <"$T/list.nul"
json_expect 1 type=summary files=2 errors=0

# ---------------------------------------------------------- one file system

step "--one-file-system (needs root to mount a tmpfs)"
O=$T/ofs
mkdir -p "$O/mnt"
printf 'top\n' >"$O/top.txt"
if ! is_root || ! mount -t tmpfs -o size=1m mdescan-test "$O/mnt" 2>"$T/mount.err"; then
	skip "cannot mount a tmpfs (not root or no permission): --one-file-system not tested (all else passed)"
fi
MOUNTS+=("$O/mnt")
make_eicar "$O/mnt/eicar.com"
printf 'inner\n' >"$O/mnt/inner.txt"

expect_exit 1 mds "$O"
expect_found "$O/mnt/eicar.com"

expect_exit 0 mds --one-file-system "$O"
expect_ok "$O/top.txt"
expect_unmentioned "$O/mnt/eicar.com"
expect_unmentioned "$O/mnt/inner.txt"
step "--one-file-system: the other filesystem is neither reported nor counted"
expect_exit 0 mds --json --one-file-system "$O"
json_expect 1 type=summary files=1 skipped=0 excluded=0 errors=0
json_expect 0 "path=$O/mnt"

step "--one-file-system: a start path that is itself a mount point is scanned"
expect_exit 1 mds --one-file-system "$O/mnt"
expect_found "$O/mnt/eicar.com"
expect_ok "$O/mnt/inner.txt"

exit 0
