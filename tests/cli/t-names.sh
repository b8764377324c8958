#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-names.sh - hostile file names: newline, tab, backslash, control byte,
# invalid UTF-8, spaces, leading dash, a path longer than PATH_MAX.  Text
# output escapes them (also in SKIPPED and ERROR lines); JSON gives the
# exact bytes back (surrogateescape and path_base64); paths are made
# absolute and tidied.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

N=$T/names
mkdir -p "$N"
# each file holds EICAR, so each gives one finding line
for name in $'nl\nname' $'tab\tname' 'back\slash' $'bad\xff\xfe' $'ctl\x01x' \
    'with space' '-dash' '--dashdash' $'utf8-h\xc3\xa9llo' 'plain' 'quo"te' \
    $'esc\x1b[31mred' $'del\x7fx' $'csi\xc2\x9b31m'; do
	make_eicar "$N/$name"
done
mkdir "$N/"$'dir\nwith\xffodd'
make_eicar "$N/"$'dir\nwith\xffodd/inner'

step "text output: one FOUND line per file, paths escaped"
expect_exit 1 mds -i "$N"
[ "$(wc -l <"$OUT")" -eq 15 ] || { show_output; fail "expected 15 FOUND lines (one per file, no raw newlines)"; }
expect_found "$N/nl\\nname"
expect_found "$N/tab\\tname"
expect_found "$N/back\\\\slash"
expect_found "$N/with space"
expect_found "$N/-dash"
expect_found "$N/--dashdash"
expect_found "$N/"$'utf8-h\xc3\xa9llo'
expect_found "$N/plain"
expect_found "$N/ctl\\x01x"
expect_found "$N/quo\"te"
# terminal escapes must not reach the terminal: ESC and DEL as \xHH
if [ "$(count_lines_prefix "$N/esc\\x1b[31mred: " " FOUND")" -eq 0 ] &&
    [ "$(count_lines_prefix "$N/esc\\x1B[31mred: " " FOUND")" -eq 0 ]; then
	show_output
	fail "ESC in a name not escaped as \\x1b"
fi
if [ "$(count_lines_prefix "$N/del\\x7fx: " " FOUND")" -eq 0 ] &&
    [ "$(count_lines_prefix "$N/del\\x7Fx: " " FOUND")" -eq 0 ]; then
	show_output
	fail "DEL in a name not escaped as \\x7f"
fi
# C1 controls are valid UTF-8 but U+009B is a CSI: escaped byte by byte
if [ "$(count_lines_prefix "$N/csi\\xc2\\x9b31m: " " FOUND")" -eq 0 ]; then
	show_output
	fail "C1 control U+009B in a name not escaped as \\xc2\\x9b"
fi
# \xHH: accept either hex case
if [ "$(count_lines_prefix "$N/bad\\xff\\xfe: " " FOUND")" -eq 0 ] &&
    [ "$(count_lines_prefix "$N/bad\\xFF\\xFE: " " FOUND")" -eq 0 ]; then
	show_output
	fail "invalid UTF-8 name not escaped as \\xff\\xfe"
fi
if [ "$(count_lines_prefix "$N/dir\\nwith\\xffodd/inner: " " FOUND")" -eq 0 ] &&
    [ "$(count_lines_prefix "$N/dir\\nwith\\xFFodd/inner: " " FOUND")" -eq 0 ]; then
	show_output
	fail "directory name not escaped"
fi
# stdout must be valid UTF-8 with no raw control bytes but the newlines
python3 - "$OUT" <<'PY' || { show_output; fail "text output has raw control bytes or invalid UTF-8"; }
import sys
data = open(sys.argv[1], 'rb').read()
data.decode('utf-8')
bad = [b for b in data if (b < 0x20 and b != 0x0a) or b == 0x7f]
sys.exit(1 if bad else 0)
PY

step "leading dash given on the command line: after -- and as ./-dash"
# found_either REL: a FOUND line for REL as given, or made absolute
found_either() {
	[ "$(count_lines_prefix "$1: " " FOUND")" -ge 1 ] && return 0
	[ "$(count_lines_prefix "$N/${1#./}: " " FOUND")" -ge 1 ] && return 0
	show_output
	fail "no FOUND line for $1 (as given or as $N/${1#./})"
}
cd "$N"
expect_exit 1 mds -- -dash --dashdash
found_either -dash
found_either --dashdash
expect_exit 1 mds ./-dash
found_either ./-dash
cd "$T"

step "paths are made absolute and tidied (man page: DESCRIPTION)"
cd "$T"
expect_exit 1 mds -i names/plain "$N//./with space" "$N/../names/-dash" "$N/"
found_either "$N/plain"
expect_found "$N/with space"
expect_found "$N/../names/-dash"
out_lacks "//"
out_lacks "/./"

step "JSON: exact bytes via os.fsencode(path), path_base64 for non-UTF-8"
expect_exit 1 mds --json "$N"
python3 - "$OUT" "$N" <<'PY' || { show_output; fail "JSON paths do not round-trip (see above)"; }
import base64, json, os, sys
out, top = sys.argv[1], os.fsencode(sys.argv[2])
want = set()
for d, dirs, files in os.walk(top):
    for f in files:
        want.add(os.path.join(d, f))
seen = []
for raw in open(out, 'rb'):
    o = json.loads(raw.decode('utf-8'))      # strict: no raw control chars
    if o['type'] != 'finding':
        continue
    b = os.fsencode(o['path'])
    seen.append(b)
    if 'path_base64' in o:
        if base64.b64decode(o['path_base64'], validate=True) != b:
            sys.exit('path_base64 does not decode to the path: %r' % b)
    else:
        try:
            b.decode('utf-8')
        except UnicodeDecodeError:
            sys.exit('no path_base64 for a non-UTF-8 path: %r' % b)
missing = want - set(seen)
extra = set(seen) - want
if missing or extra or len(seen) != len(set(seen)):
    sys.exit('missing %r extra %r dup %d' % (sorted(missing), sorted(extra),
                                            len(seen) - len(set(seen))))
PY

step "error and skipped lines with hostile names: escaped in text, exact in JSON"
mkdir "$T/odd"
mkfifo "$T/odd/"$'fifo\n\xff'
expect_exit 2 mds "$T/odd" "$T/odd/"$'missing\t\xfe'
if ! grep -Fxq "$T/odd/fifo\\n\\xff: SKIPPED (fifo)" "$OUT" &&
    ! grep -Fxq "$T/odd/fifo\\n\\xFF: SKIPPED (fifo)" "$OUT"; then
	show_output
	fail "skipped FIFO name not escaped"
fi
if ! grep -Fq "$T/odd/missing\\t\\xfe: ERROR (" "$ERR" &&
    ! grep -Fq "$T/odd/missing\\t\\xFE: ERROR (" "$ERR"; then
	show_output
	fail "error path not escaped"
fi
expect_exit 2 mds --json "$T/odd" "$T/odd/"$'missing\t\xfe'
python3 - "$OUT" "$T/odd/"$'fifo\n\xff' "$T/odd/"$'missing\t\xfe' <<'PY' ||
import base64, json, os, sys
want = {'skipped': os.fsencode(sys.argv[2]), 'error': os.fsencode(sys.argv[3])}
got = {}
for raw in open(sys.argv[1], 'rb'):
    o = json.loads(raw.decode('utf-8'))
    if o['type'] in want:
        b = os.fsencode(o['path'])
        if base64.b64decode(o.get('path_base64', '')) != b:
            sys.exit('%s: path_base64 missing or wrong' % o['type'])
        got[o['type']] = b
if got != want:
    sys.exit('got %r, want %r' % (got, want))
PY
	{ show_output; fail "JSON skipped/error paths do not round-trip"; }

# ---------------------------------------------------------- > PATH_MAX

step "a path longer than PATH_MAX (4096) is walked and its EICAR found"
LONG=$T/long
mkdir "$LONG"
seg=$(fill 200 x)
deep=$LONG
(
	cd "$LONG"
	for _ in $(seq 25); do
		mkdir "$seg"
		cd "$seg"
	done
	make_eicar eicar.com
	printf 'clean\n' >clean.txt
)
for _ in $(seq 25); do deep=$deep/$seg; done
[ "${#deep}" -gt 4096 ] || fail "fixture path is not longer than PATH_MAX"

expect_exit 1 mds -i "$LONG"
expect_found "$deep/eicar.com"
[ "$(wc -l <"$OUT")" -eq 1 ] || { show_output; fail "expected one FOUND line"; }

expect_exit 1 mds --json "$LONG"
json_expect 1 type=finding "path=$deep/eicar.com"
json_expect 1 type=summary files=2 errors=0 findings=1

exit 0
