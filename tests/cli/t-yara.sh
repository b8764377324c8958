#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-yara.sh - YARA rules through -d: meta in JSON, the external variables
# (filename, filepath, extension, owner, filetype), a rule file with a
# syntax error next to good ones, --timeout, compiled rules from yarac.
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

# One rule file per external: the first finding of a file ends its scan
# (see -z), so each rule gets a scan of its own.
P=$T/ext/Ext_Target.PHP
printf 'rule Ext_Filename { condition: filename == "Ext_Target.PHP" }\n' >"$R/ext-filename.yar"
printf 'rule Ext_Filepath { condition: filepath == "%s" }\n' "$T/ext" >"$R/ext-filepath.yar"
printf 'rule Ext_Extension { condition: extension == ".php" }\n' >"$R/ext-extension.yar"
printf 'rule Ext_Owner { condition: owner == "%s" }\n' "$ME" >"$R/ext-owner.yar"

for x in filename filepath extension owner; do
	step "external $x"
	expect_exit 1 mds --json -d "$R/ext-$x.yar" "$T/ext" "$T/other"
	if grep -q '^mdescan: ' "$ERR"; then
		show_output
		fail "ext-$x.yar did not compile cleanly (external $x not declared?)"
	fi
	rule=$(sed 's/^rule \([A-Za-z_]*\).*/\1/' "$R/ext-$x.yar")
	json_expect 1 type=finding "path=$P" "name=$rule" stage=yara
	# the negative file: other name, directory, extension (and owner)
	if [ "$x" != owner ] || is_root; then
		json_expect 0 type=finding "path=$T/other/plain.txt"
	fi
done

step "extension: lower case from the last dot; empty without a dot, for .bashrc, for 'name.'"
mkdir -p "$T/extc"
for f in README backup.tar.GZ .bashrc name. plain.TXT; do
	printf 'extension corner case\n' >"$T/extc/$f"
done
cat >"$R/ext2.yar" <<'EOF'
rule Ext_Txt { condition: extension == ".txt" }
rule Ext_Gz { condition: extension == ".gz" }
rule Ext_Empty { condition: extension == "" }
EOF
expect_exit 1 mds --json -d "$R/ext2.yar" "$T/extc"
jcheck 1 type=finding "path=$T/extc/README" name=Ext_Empty
jcheck 1 type=finding "path=$T/extc/backup.tar.GZ" name=Ext_Gz
jcheck 1 type=finding "path=$T/extc/.bashrc" name=Ext_Empty
jcheck 1 type=finding "path=$T/extc/name." name=Ext_Empty
jcheck 1 type=finding "path=$T/extc/plain.TXT" name=Ext_Txt
jcheck 5 type=finding
jflush

# filetype: only when the tool documents it (man page: YARA EXTERNAL
# VARIABLES), with the documented values.
if mds --help 2>&1 | grep -q filetype ||
    { [ -f "$TOPSRC/man/mdescan.1" ] && grep -q filetype "$TOPSRC/man/mdescan.1"; }; then
	step "external filetype (documented): ELF, SCRIPT, empty for plain text"
	cp /bin/true "$T/other/elf-sample"
	printf '#!/bin/sh\necho hi\n' >"$T/other/script-sample"
	cat >"$R/ft.yar" <<'EOF'
rule Ft_Elf { condition: filetype == "ELF" }
rule Ft_Script { condition: filetype == "SCRIPT" }
rule Ft_None { condition: filetype == "" }
EOF
	expect_exit 1 mds --json -d "$R/ft.yar" "$T/other/elf-sample" "$T/other/script-sample" \
		"$T/extc/README"
	json_expect 1 type=finding "path=$T/other/elf-sample" name=Ft_Elf
	json_expect 1 type=finding "path=$T/other/script-sample" name=Ft_Script
	json_expect 1 type=finding "path=$T/extc/README" name=Ft_None
	json_expect 3 type=finding
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

# ---------------------------------------------------------- --timeout

step "--timeout: a rule that runs too long is an error 'limit: timeout', exit 2"
cat >"$T/slow.yar" <<'EOF'
rule Slow_Rule
{
    condition:
        for all i in (0..filesize) : (
            for all j in (0..filesize) : ( uint8(i) != 0x41 or uint8(j) != 0x42 ) )
}
EOF
head -c 200000 /dev/zero >"$T/other/slow.bin"
start=$SECONDS
expect_exit 2 mds --json --timeout 1 -d "$T/slow.yar" "$T/other/slow.bin"
[ $((SECONDS - start)) -le 10 ] || fail "--timeout 1 took $((SECONDS - start)) s"
json_expect 1 type=error "path=$T/other/slow.bin" "reason=limit: timeout" errno=0
json_expect 1 type=summary errors=1 exit_code=2

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

step "compiled rules using externals declared at compile time (yarac -d)"
printf 'rule Yarc_Filename { condition: filename == "Ext_Target.PHP" }\n' >"$T/ext-yarc.yar"
yarac -d filename= "$T/ext-yarc.yar" "$T/ext.yarc" || fail "yarac -d failed"
expect_exit 1 mds --json -d "$T/ext.yarc" "$T/ext" "$T/other/plain.txt"
json_expect 1 type=finding "path=$T/ext/Ext_Target.PHP" name=Yarc_Filename stage=yara
json_expect 1 type=finding

step "a directory holding a .yarc is loaded too"
mkdir -p "$T/cdir"
cp "$T/compiled.yarc" "$T/cdir/"
expect_exit 1 mds -d "$T/cdir" "$T/other/good-after"
out_has_line "$T/other/good-after: Good_After FOUND"

exit 0
