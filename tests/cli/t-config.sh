#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-config.sh - `mdescan exclusion add|remove|list` on configuration files
# named by --config and by MDESCAN_CONF: appended lines, comments and
# other lines kept byte for byte, quoting, duplicates refused (also when
# written differently), removal of every matching line and refusal of a
# missing one, invalid patterns, a bad file left alone, drop-ins listed
# with their file and line, JSON, mode and symlink kept, no temporary
# files left, and 2 x 50 concurrent adds that all arrive.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

C=$T/mdescan.conf

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || { show_output; fail "$1: got '$2', expected '$3'"; }
}

# err_has TEXT: stderr of the last run contains TEXT
err_has() {
	grep -Fq -e "$1" "$ERR" || { show_output; fail "stderr lacks: $1"; }
}

step "add to a file with comments: appended, the rest unchanged"
cat >"$C" <<'EOF'
# managed by hand
threads = 4   # four

  exclude_path = "/srv/a b#"   # quoted
EOF
chmod 640 "$C"
cp "$C" "$T/orig"
expect_exit 0 mds exclusion add --config "$C" --path '/srv/www/*/cache/'
expect_exit 0 mds exclusion add --config "$C" --dir /var/lib/docker
expect_exit 0 mds exclusion add --config "$C" --ext '*.iso'
expect_exit 0 mds exclusion add --config "$C" --process /usr/bin/rsync
expect_exit 0 mds exclusion add --config "$C" --path '/x "y" \z #'
cat "$T/orig" - >"$T/want" <<'EOF'
exclude_path = /srv/www/*/cache/
exclude_dir = /var/lib/docker
exclude_ext = *.iso
exclude_process = /usr/bin/rsync
exclude_path = "/x \"y\" \\z #"
EOF
cmp "$T/want" "$C" || { diff -u "$T/want" "$C" >&2; fail "file after adds"; }
expect_eq "mode" "$(stat -c %a "$C")" 640
[ -z "$(find "$T" -maxdepth 1 -name '.mdescan.conf.*')" ] ||
	fail "a temporary file was left"

step "a file without a final newline gets one before the new line"
printf 'threads = 2' >"$T/nonl.conf"
expect_exit 0 mds exclusion add --config "$T/nonl.conf" --ext log
expect_eq "no final newline" "$(cat "$T/nonl.conf")" "threads = 2
exclude_ext = log"

step "list: text and JSON, every kind, file:line"
expect_exit 0 mds exclusion list --config "$C"
out_has_line "path     /srv/a b#	($C:4)"
out_has_line "path     /srv/www/*/cache/	($C:5)"
out_has_line "dir      /var/lib/docker	($C:6)"
out_has_line "ext      *.iso	($C:7)"
out_has_line "process  /usr/bin/rsync	($C:8)"
expect_eq "list lines" "$(wc -l <"$OUT")" 6
expect_exit 0 mds exclusion list --config "$C" --json
python3 - "$OUT" "$C" <<'PY' || fail "list --json"
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 6, v
want = {("path", "exclude_path", "/srv/a b#", 4),
        ("path", "exclude_path", '/x "y" \\z #', 9),
        ("dir", "exclude_dir", "/var/lib/docker", 6),
        ("ext", "exclude_ext", "*.iso", 7),
        ("process", "exclude_process", "/usr/bin/rsync", 8)}
got = {(o["type"], o["key"], o["pattern"], o["line"]) for o in v}
assert want <= got, got
assert all(o["file"] == sys.argv[2] for o in v)
PY
expect_exit 0 mds exclusion list --config "$T/none.conf" --json
expect_eq "empty JSON list" "$(cat "$OUT")" "[]"
expect_exit 0 mds exclusion list --config "$T/none.conf"
expect_eq "empty list" "$(cat "$OUT")" ""

step "duplicates are refused, also when written differently"
cp "$C" "$T/before"
expect_exit 2 mds exclusion add --config "$C" --path '/srv//www/*/cache/'
err_has "is already excluded ($C:5)"
expect_exit 2 mds exclusion add --config "$C" --ext iso
expect_exit 2 mds exclusion add --config "$C" --ext .iso
expect_exit 2 mds exclusion add --config "$C" --dir /var/lib/docker
cmp -s "$T/before" "$C" || fail "a refused add changed the file"
# the same pattern as another kind is another exclusion
expect_exit 0 mds exclusion add --config "$C" --dir /srv/a
expect_exit 0 mds exclusion remove --config "$C" --dir /srv/a

step "invalid exclusions are refused with the reason"
for a in "--path relative/x" "--path /a/../b" "--dir /a/./b" \
	"--ext a.b" "--ext '*'" "--process bin/x" "--path ''"; do
	eval "set -- $a"
	expect_exit 2 mds exclusion add --config "$C" "$@"
	err_has "invalid exclusion"
done
expect_exit 2 mds exclusion add --config "$C" --path "$(printf '/a\nb')"
err_has "control character"
cmp -s "$T/before" "$C" || fail "an invalid add changed the file"

step "usage errors"
expect_exit 2 mds exclusion
expect_exit 2 mds exclusion frob --path /x
expect_exit 2 mds exclusion add --config "$C"
expect_exit 2 mds exclusion add --config "$C" --path /x --dir /y
expect_exit 2 mds exclusion add --config "$C" --path /x --json
expect_exit 2 mds exclusion list --config "$C" --path /x
expect_exit 2 mds exclusion add --config "$C" --path /x extra
expect_exit 0 mds exclusion --help
cmp -s "$T/before" "$C" || fail "a usage error changed the file"

step "remove: every matching line, the rest unchanged; a missing one is an error"
printf 'exclude_ext = iso\n# keep me\n' >>"$C"
expect_exit 0 mds exclusion remove --config "$C" --ext .iso
grep -q 'iso' "$C" && fail "an .iso line is left"
grep -Fxq '# keep me' "$C" || fail "a comment was lost"
expect_exit 2 mds exclusion remove --config "$C" --ext iso
err_has "'iso' is not excluded"
expect_exit 0 mds exclusion remove --config "$C" --path '/x "y" \z #'
expect_exit 0 mds exclusion remove --config "$C" --path '//srv/www//*/cache/'
expect_exit 0 mds exclusion remove --config "$C" --dir /var/lib/docker
expect_exit 0 mds exclusion remove --config "$C" --process /usr/bin/rsync
printf '# keep me\n' | cat "$T/orig" - >"$T/want"
cmp "$T/want" "$C" || { diff -u "$T/want" "$C" >&2; fail "file after removes"; }
expect_eq "mode" "$(stat -c %a "$C")" 640
expect_exit 2 mds exclusion remove --config "$T/none.conf" --ext iso
err_has "is not excluded"
[ -e "$T/none.conf" ] && fail "remove created a file"

step "a missing file is created by add"
expect_exit 0 mds exclusion add --config "$T/new.conf" --ext tmp
expect_eq "new file" "$(cat "$T/new.conf")" "exclude_ext = tmp"

step "MDESCAN_CONF names the file"
MDESCAN_CONF=$T/env.conf expect_exit 0 mds exclusion add --dir /opt/x
expect_eq "env file" "$(cat "$T/env.conf")" "exclude_dir = /opt/x"
MDESCAN_CONF=$T/env.conf expect_exit 0 mds exclusion list
out_has_line "dir      /opt/x	($T/env.conf:1)"

step "a configuration that does not load is not edited"
printf 'threads = 4\nbogus = 1\n' >"$T/bad.conf"
cp "$T/bad.conf" "$T/bad.orig"
expect_exit 2 mds exclusion add --config "$T/bad.conf" --ext log
err_has "$T/bad.conf:2: unknown key 'bogus'"
err_has "not changed"
cmp -s "$T/bad.orig" "$T/bad.conf" || fail "a bad file was rewritten"
expect_exit 2 mds exclusion list --config "$T/bad.conf"
err_has "$T/bad.conf:2: unknown key 'bogus'"
printf 'store = "/a\n' >"$T/bad.conf"
expect_exit 2 mds exclusion list --config "$T/bad.conf"
err_has "$T/bad.conf:1: unterminated quote"
printf 'threads = 1\0\n' >"$T/bad.conf"
expect_exit 2 mds exclusion list --config "$T/bad.conf"
err_has "$T/bad.conf:1: a NUL byte"
{ printf 'store = /'; fill 5000 a; echo; } >"$T/bad.conf"
expect_exit 2 mds exclusion list --config "$T/bad.conf"
err_has "$T/bad.conf:1: line longer than 4096 bytes"
printf 'exclude_ext = log\n' >"$T/ww.conf"
chmod 666 "$T/ww.conf"
expect_exit 2 mds exclusion list --config "$T/ww.conf"
err_has "writable by others"

step "drop-ins: listed with their file and line; remove names them"
D=$T/d.conf
printf 'exclude_ext = log\n' >"$D"
mkdir "$D.d"
printf '# b\nexclude_dir = /b\n' >"$D.d/20-b.conf"
printf 'exclude_dir = /a\n' >"$D.d/10-a.conf"
printf 'bogus = 1\n' >"$D.d/ignored.conf~"
expect_exit 0 mds exclusion list --config "$D"
expect_eq "drop-in list" "$(cat "$OUT")" "dir      /a	($D.d/10-a.conf:1)
dir      /b	($D.d/20-b.conf:2)
ext      log	($D:1)"
expect_exit 2 mds exclusion add --config "$D" --dir /b
err_has "already excluded ($D.d/20-b.conf:2)"
expect_exit 2 mds exclusion remove --config "$D" --dir /b
err_has "excluded by $D.d/20-b.conf:2, not by $D"
printf 'nice = maybe\n' >"$D.d/30-c.conf"
expect_exit 2 mds exclusion add --config "$D" --dir /c
err_has "$D.d/30-c.conf:1: nice: 'maybe'"

step "a symlinked file: the target is edited, the link kept"
mkdir "$T/real"
printf '# real\n' >"$T/real/r.conf"
ln -s real/r.conf "$T/link.conf"
expect_exit 0 mds exclusion add --config "$T/link.conf" --ext bak
[ -L "$T/link.conf" ] || fail "the symlink was replaced"
expect_eq "symlink target" "$(cat "$T/real/r.conf")" "# real
exclude_ext = bak"

if is_root; then
	step "owner and group kept (root)"
	chown nobody:nogroup "$C"
	expect_exit 0 mds exclusion add --config "$C" --ext own
	expect_eq "owner" "$(stat -c %U:%G "$C")" nobody:nogroup
	expect_eq "mode" "$(stat -c %a "$C")" 640
fi

step "2 x 50 concurrent adds: all of them arrive"
P=$T/par.conf
printf '# concurrent\n' >"$P"
for w in a b; do
	(
		for i in $(seq 1 50); do
			mds exclusion add --config "$P" --path "/$w/$i" ||
				echo "add /$w/$i failed" >>"$T/par.err"
		done
	) &
	BGPIDS+=("$!")
done
wait "${BGPIDS[@]}"
BGPIDS=()
[ -s "$T/par.err" ] && fail "$(cat "$T/par.err")"
expect_eq "lines after concurrent adds" "$(grep -c '^exclude_path = /[ab]/[0-9]*$' "$P")" 100
expect_eq "distinct" "$(sort -u "$P" | grep -c '^exclude_path')" 100
head -n 1 "$P" | grep -Fxq '# concurrent' || fail "comment lost"
[ -z "$(find "$T" -maxdepth 1 -name '.par.conf.*')" ] ||
	fail "a temporary file was left"

step "concurrent removes and adds: nothing lost"
for w in a b; do
	(
		for i in $(seq 1 25); do
			mds exclusion remove --config "$P" --path "/$w/$i" ||
				echo "remove /$w/$i failed" >>"$T/par.err"
			mds exclusion add --config "$P" --ext "x$w$i" ||
				echo "add x$w$i failed" >>"$T/par.err"
		done
	) &
	BGPIDS+=("$!")
done
wait "${BGPIDS[@]}"
BGPIDS=()
[ -s "$T/par.err" ] && fail "$(cat "$T/par.err")"
expect_eq "paths left" "$(grep -c '^exclude_path' "$P")" 50
expect_eq "extensions" "$(grep -c '^exclude_ext = x[ab][0-9]*$' "$P")" 50
exit 0
