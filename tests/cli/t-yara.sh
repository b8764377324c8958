#!/usr/bin/env bash
# t-yara.sh - YARA rules through -d: meta in JSON, the external variables
# (filename, filepath, extension, owner, filetype), a rule file with a
# syntax error next to good ones, compiled rules from yarac.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

R=$T/rules
mkdir -p "$R" "$T/meta" "$T/ext" "$T/other"

# ---------------------------------------------------------- meta

cat >"$R/meta.yar" <<'EOF'
rule Test_Meta_Rule
{
    meta:
        description = "mdescan test rule with meta"
        author = "mdescan test suite"
        score = 75
    strings:
        $m = "QZYARAMETAMARKER"
    condition:
        $m
}
EOF
printf 'xxxx QZYARAMETAMARKER yyyy\n' >"$T/meta/sample.bin"
printf 'nothing here\n' >"$T/meta/clean.txt"

step "rule with meta: JSON finding has stage, namespace, description, author, score"
expect_exit 1 mds --json -d "$R/meta.yar" "$T/meta"
json_expect 1 type=finding "path=$T/meta/sample.bin" name=Test_Meta_Rule stage=yara \
	"description=mdescan test rule with meta" "author=mdescan test suite" score=75
json_expect 1 type=finding "path=$T/meta/sample.bin" "namespace?"
json_expect 1 type=finding "path=$T/meta/sample.bin" size=27
json_expect 0 type=finding "path=$T/meta/clean.txt"
python3 - "$OUT" <<'PY' || fail "namespace is not a non-empty string"
import json, sys
for line in open(sys.argv[1], encoding='utf-8'):
    o = json.loads(line)
    if o.get('type') == 'finding':
        ns = o['namespace']
        assert isinstance(ns, str) and ns, ns
PY

step "text output of a YARA finding"
expect_exit 1 mds -d "$R/meta.yar" "$T/meta"
out_has_line "$T/meta/sample.bin: Test_Meta_Rule FOUND"
out_has_line "$T/meta/clean.txt: OK"

# ---------------------------------------------------------- externals

# Ext_Target.PHP is alone in its directory so that the filepath and owner
# rules can only match it; $T/other/plain.txt is the negative case.
printf 'external variables target\n' >"$T/ext/Ext_Target.PHP"
printf 'external variables other\n' >"$T/other/plain.txt"
ME=$(id -un)
if is_root; then
	chown nobody "$T/other/plain.txt"
fi

cat >"$R/ext.yar" <<EOF
rule Ext_Filename { condition: filename == "Ext_Target.PHP" }
rule Ext_Filepath { condition: filepath == "$T/ext" }
rule Ext_Extension { condition: extension == ".php" }
rule Ext_Owner { condition: owner == "$ME" }
EOF

step "externals filename, filepath, extension, owner"
expect_exit 1 mds --json -d "$R/ext.yar" "$T/ext" "$T/other"
if grep -q '^mdescan: ' "$ERR"; then
	show_output
	fail "the externals rule file did not compile cleanly (externals not declared?)"
fi
P=$T/ext/Ext_Target.PHP
json_expect 1 type=finding "path=$P" name=Ext_Filename stage=yara
json_expect 1 type=finding "path=$P" name=Ext_Filepath stage=yara
json_expect 1 type=finding "path=$P" name=Ext_Extension stage=yara
json_expect 1 type=finding "path=$P" name=Ext_Owner stage=yara
if is_root; then
	json_expect 0 type=finding "path=$T/other/plain.txt"
fi

step "extension of a file without one is empty"
printf 'no extension\n' >"$T/other/README"
cat >"$R/ext2.yar" <<'EOF'
rule Ext_Txt { condition: extension == ".txt" }
rule Ext_Empty { condition: extension == "" }
EOF
expect_exit 1 mds --json -d "$R/ext2.yar" "$T/other/README" "$T/other/plain.txt"
json_expect 1 type=finding "path=$T/other/README" name=Ext_Empty
json_expect 1 type=finding "path=$T/other/plain.txt" name=Ext_Txt
json_expect 2 type=finding

# filetype: only when the tool documents it, with the documented value.
if mds --help 2>&1 | grep -q filetype ||
    { [ -f "$TOPSRC/man/mdescan.1" ] && grep -q filetype "$TOPSRC/man/mdescan.1"; }; then
	step "external filetype (documented): an ELF executable gives \"ELF\""
	cp /bin/true "$T/other/elf-sample"
	cat >"$R/ft.yar" <<'EOF'
rule Ft_Elf { condition: filetype contains "ELF" }
EOF
	expect_exit 1 mds --json -d "$R/ft.yar" "$T/other/elf-sample" "$T/other/README"
	json_expect 1 type=finding "path=$T/other/elf-sample" name=Ft_Elf
	json_expect 1 type=finding
else
	step "filetype external not documented in --help or the man page: not tested"
fi

# ---------------------------------------------------------- syntax error

step "a rule file with a syntax error is reported; good files in the same dir still match"
D=$T/mixed
mkdir -p "$D"
cat >"$D/a-good.yar" <<'EOF'
rule Good_Before
{
    strings:
        $m = "QZGOODBEFOREMARK"
    condition:
        $m
}
EOF
cat >"$D/m-bad.yar" <<'EOF'
rule Broken_Rule
{
    strings: $a = "QZBROKENRULEMARK"
    condition: $a and and
}
EOF
cat >"$D/z-good.yar" <<'EOF'
rule Good_After
{
    strings:
        $m = "QZGOODAFTERMARK1"
    condition:
        $m
}
EOF
printf 'QZGOODBEFOREMARK\n' >"$T/other/good-before"
printf 'QZGOODAFTERMARK1\n' >"$T/other/good-after"
printf 'QZBROKENRULEMARK\n' >"$T/other/broken"
expect_exit 1 mds -d "$D" "$T/other/good-before" "$T/other/good-after" "$T/other/broken"
grep -Eq '^mdescan: .*m-bad\.yar:4: ' "$ERR" ||
	{ show_output; fail "no 'mdescan: .../m-bad.yar:4: ...' error on stderr"; }
out_has_line "$T/other/good-before: Good_Before FOUND"
out_has_line "$T/other/good-after: Good_After FOUND"
out_has_line "$T/other/broken: OK"

step "a compile error alone does not change the exit status"
expect_exit 0 mds -d "$D" "$T/other/broken"
grep -Eq '^mdescan: .*m-bad\.yar:4: ' "$ERR" || { show_output; fail "compile error not reported"; }

# ---------------------------------------------------------- compiled rules

if ! command -v yarac >/dev/null 2>&1; then
	skip "yarac not installed (Debian package yara): compiled rules not tested (all else passed)"
fi
step "compiled rules (.yarc from yarac) load and match"
yarac "$D/z-good.yar" "$T/compiled.yarc" || fail "yarac failed"
expect_exit 1 mds -d "$T/compiled.yarc" "$T/other/good-after" "$T/other/good-before"
out_has_line "$T/other/good-after: Good_After FOUND"
out_has_line "$T/other/good-before: OK"

step "compiled rules together with source rules"
expect_exit 1 mds --json -d "$T/compiled.yarc" -d "$R/meta.yar" \
	"$T/other/good-after" "$T/meta/sample.bin"
json_expect 1 type=finding "path=$T/other/good-after" name=Good_After stage=yara
json_expect 1 type=finding "path=$T/meta/sample.bin" name=Test_Meta_Rule stage=yara

step "a directory holding a .yarc is loaded too"
mkdir -p "$T/cdir"
cp "$T/compiled.yarc" "$T/cdir/"
expect_exit 1 mds -d "$T/cdir" "$T/other/good-after"
out_has_line "$T/other/good-after: Good_After FOUND"

exit 0
