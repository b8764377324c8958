#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-rules.sh - the project's own YARA rules (rules/*.yar): every rule has
# its meta (description, author "mdescan project", date, score 40-100) and
# a fixture from mkthreats.py; the built-in definitions report each fixture
# under its rule, with and without the literal prefilter; the near-misses,
# the rules themselves and the generator give no finding; and the real
# yara(1), when installed, agrees on the hits and the near-misses.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

RULES=$TOPSRC/rules
FX=$T/fx
python3 "$TOPSRC/tests/cli/mkthreats.py" "$FX" || fail "mkthreats.py failed"

# ---------------------------------------------------------- meta

step "every rule has description, author, date and an integer score 40-100"
python3 - "$RULES" "$FX/hit" >"$T/rules.txt" <<'PY' || fail "rule meta or fixtures incomplete"
import os, re, sys
bad = []
names = []
for fn in sorted(os.listdir(sys.argv[1])):
    if not fn.endswith(('.yar', '.yara')):
        continue
    text = open(os.path.join(sys.argv[1], fn), encoding='utf-8').read()
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    for m in re.finditer(r'^\s*(?:(?:private|global)\s+)*rule\s+(\w+)[^{]*\{(.*?)\n\s*(?:strings|condition)\s*:',
                         text, re.S | re.M):
        name, body = m.group(1), m.group(2)
        names.append(name)
        meta = dict(re.findall(r'^\s*(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false)\s*$', body, re.M))
        why = []
        if not meta.get('description', '""').strip('"'):
            why.append('no description')
        if meta.get('author') != '"mdescan project"':
            why.append('author is not "mdescan project"')
        if not re.fullmatch(r'"\d{4}-\d{2}-\d{2}"', meta.get('date', '')):
            why.append('no date YYYY-MM-DD')
        s = meta.get('score', '')
        if not re.fullmatch(r'\d+', s) or not 40 <= int(s) <= 100:
            why.append('score %r not an integer 40-100' % s)
        if not os.path.isdir(os.path.join(sys.argv[2], name)):
            why.append('no fixture in mkthreats.py')
        if why:
            bad.append('%s/%s: %s' % (fn, name, ', '.join(why)))
for d in sorted(os.listdir(sys.argv[2])):
    if d not in names:
        bad.append('mkthreats.py has fixtures for %s, which no rule defines' % d)
if not names:
    bad.append('no rules found')
if len(set(names)) != len(names):
    bad.append('duplicate rule names')
for b in bad:
    print(b, file=sys.stderr)
print('\n'.join(names))
sys.exit(1 if bad else 0)
PY
step "$(wc -l <"$T/rules.txt") rules"

# hits: "PATH RULE" per fixture file, from DIR/hit/RULE/N/...
find "$FX/hit" -type f | sort | while IFS= read -r f; do
	r=${f#"$FX/hit/"}
	printf '%s %s\n' "$f" "${r%%/*}"
done >"$T/hits.txt"

# ---------------------------------------------------------- mdescan

# The FOUND lines of $OUT, sorted.
found_lines() {
	grep ' FOUND$' "$OUT" | sort
}

step "built-in definitions: every fixture is reported under its rule (-z)"
expect_exit 1 mds -z --no-cache "$FX/hit"
while read -r f r; do
	out_has_line "$f: $r FOUND"
done <"$T/hits.txt"
found_lines >"$T/found-pf"

step "the same findings without the literal prefilter"
expect_exit 1 mds -z --no-cache --no-prefilter "$FX/hit"
found_lines >"$T/found-nopf"
diff -u "$T/found-nopf" "$T/found-pf" >&2 || fail "--no-prefilter changed the findings"

step "near-misses: no finding"
expect_exit 0 mds -z --no-cache "$FX/miss"
out_lacks " FOUND"

step "the rules and this directory (mkthreats.py) do not match themselves"
expect_exit 0 mds -z --no-cache "$RULES" "$TOPSRC/tests/cli"
out_lacks " FOUND"

# ---------------------------------------------------------- yara(1)

if ! command -v yara >/dev/null 2>&1; then
	skip "yara not installed (Debian package yara): not compared with yara(1) (all else passed)"
fi

# yara_file FILE: run yara(1) with every rule file on FILE, the externals
# set the way mdescan sets them for FILE (see mdescan(1)): they differ per
# file, so one run per file rather than one `yara -r` over the tree.
yara_file() {
	local f=$1 name ext=
	name=${f##*/}
	if [[ $name == ?*.* && $name != *. ]]; then
		ext=.${name##*.}
		ext=${ext,,}
		[ ${#ext} -le 31 ] || ext=
	fi
	yara -d "filename=$name" -d "filepath=${f%/*}" -d "extension=$ext" \
		-d filetype= -d "owner=$(id -un)" "$RULES"/*.yar "$f"
}

step "yara(1): every fixture matches its rule"
while read -r f r; do
	yara_file "$f" >"$OUT" 2>"$ERR" || { show_output; fail "yara failed on $f"; }
	out_has_line "$r $f"
done <"$T/hits.txt"

step "yara(1): near-misses match nothing"
find "$FX/miss" -type f | sort | while IFS= read -r f; do
	yara_file "$f" >"$OUT" 2>"$ERR" || { show_output; fail "yara failed on $f"; }
	[ ! -s "$OUT" ] || { show_output; fail "yara matched near-miss $f"; }
done

echo "PASS: $TEST_NAME"
