#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-man.sh - the man page and the tool agree: every option printed by
# `mdescan --help` (-x and --long-option, anywhere in the text) is documented
# with an .Fl macro in the OPTIONS section of man/mdescan.1 and vice versa,
# and `mandoc -T lint -W warning` has nothing to say about the page.
#
# Environment:
#	MDESCAN		binary under test (default: src/mdescan/mdescan of this tree,
#			or ./src/mdescan/mdescan of the build directory)
#	top_srcdir	source tree (default: two levels above this script)
#	MANDOC		mandoc binary (default: found in PATH or the usual
#			places)
#
# Exit status: 0 pass, 1 fail, 77 skip (mandoc not found; the option
# comparison has run and passed by then).
set -eu
export LC_ALL=C

TEST_NAME=${0##*/}

fail() {
	printf 'FAIL: %s: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

skip() {
	printf 'SKIP: %s: %s\n' "$TEST_NAME" "$*" >&2
	exit 77
}

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "$0")/../.." && pwd) ||
		fail "cannot find the source tree"
fi
if [ -z "${MDESCAN:-}" ]; then
	MDESCAN=$top_srcdir/src/mdescan/mdescan
	# automake runs the tests from the build directory: in a VPATH
	# build the binary is there, not next to the sources.
	if [ ! -x "$MDESCAN" ] && [ -x src/mdescan/mdescan ]; then
		MDESCAN=$PWD/src/mdescan/mdescan
	fi
fi
# Every tool with its page: called without arguments, the script checks
# each pair in turn (itself, with TOOL MAN arguments).
if [ $# -eq 0 ]; then
	sh "$0" "$MDESCAN" "$top_srcdir/man/mdescan.1" || exit $?
	sh "$0" "$(dirname "$MDESCAN")/../mdesig/mdesig" "$top_srcdir/man/mdesig.1" || exit $?
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -T lint -W warning "$top_srcdir/man/mdescan-bundle.5") || true
		[ -z "$out" ] || fail "mandoc: $out"
	fi
	sh "$0" "$(dirname "$MDESCAN")/../mdescand/mdescand" "$top_srcdir/man/mdescand.8" || exit $?
	exec sh "$0" "$(dirname "$MDESCAN")/../mdewatch/mdewatch" "$top_srcdir/man/mdewatch.8"
fi
MDESCAN=$1
MAN=$2

[ -x "$MDESCAN" ] || fail "mdescan binary not found or not executable: $MDESCAN (build it, or set MDESCAN)"
[ -r "$MAN" ] || fail "man page not found: $MAN"

T=$(mktemp -d "${TMPDIR:-/tmp}/mdescan-man.XXXXXX") ||
	fail "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------ --help

rc=0
"$MDESCAN" --help >"$T/help" 2>"$T/help.err" || rc=$?
[ "$rc" -eq 0 ] || fail "'$MDESCAN --help' exited with status $rc"
[ -s "$T/help" ] || fail "'$MDESCAN --help' printed nothing on stdout"

# Every word of the help that is an option: "-x" or "--long-option",
# not part of a longer word ("per-file", "K/M/G" and "-" do not count),
# with surrounding punctuation ("[--null]", "-d,", "(--full)") removed.
awk '
{
	for (i = 1; i <= NF; i++) {
		w = $i
		while (w ~ /^[[(|"'\''`]/)
			w = substr(w, 2)
		while (w ~ /[])|,;:.!?"'\''`]$/)
			w = substr(w, 1, length(w) - 1)
		sub(/=.*/, "", w)	# --opt=VALUE
		if (w ~ /^--[A-Za-z0-9][A-Za-z0-9-]*$/ ||
		    w ~ /^-[A-Za-z0-9]$/)
			print w
	}
}' "$T/help" | sort -u >"$T/help.opts"

[ -s "$T/help.opts" ] || fail "no options found in the --help output"

# ------------------------------------------------------------ man page

# The OPTIONS section, from ".Sh OPTIONS" to the next ".Sh"; in it, every
# argument of every Fl macro, wherever it is called on a line (".Fl x",
# ".It Fl d Ar path , Fl -database Ar path", ".Op Fl -null"), up to the
# next macro.  Arguments may be written "-x", "\-x" or quoted.
awk '
function macro_line(line) {
	return line ~ /^[.'\''][ \t]*[A-Z%][A-Za-z]/
}
function clean(w) {
	gsub(/\\&/, "", w)	# zero-width escape
	gsub(/\\-/, "-", w)	# escaped minus
	gsub(/"/, "", w)
	return w
}
function is_macro(w) {
	# mdoc macro names: Ar, Ns, Op, Oo, Xo, Brq, %A ... (not flags:
	# single letters such as "V" or "d" are flag letters)
	return w ~ /^[A-Z][a-z][a-z]?$/ || w ~ /^%[A-Z]$/
}
function is_delim(w) {
	return w ~ /^[][(),.;:?!|]$/
}
/^[.'\''][ \t]*\\"/ { next }		# comment
/^[.'\''][ \t]*Sh[ \t]/ {
	insec = ($0 ~ /^[.'\''][ \t]*Sh[ \t]+"?OPTIONS"?[ \t]*$/)
	next
}
!insec || !macro_line($0) { next }
{
	line = $0
	sub(/^[.'\''][ \t]*/, "", line)
	n = split(line, w, /[ \t]+/)
	infl = 0
	for (i = 1; i <= n; i++) {
		if (w[i] == "")
			continue
		if (w[i] == "Fl") {
			infl = 1
			continue
		}
		if (!infl)
			continue
		if (is_macro(w[i])) {
			infl = 0
			continue
		}
		if (is_delim(w[i]))
			continue
		a = clean(w[i])
		if (a != "")
			print "-" a
	}
}' "$MAN" | sort -u >"$T/man.opts"

[ -s "$T/man.opts" ] || fail "no .Fl options found in the OPTIONS section of $MAN"

# ------------------------------------------------------------ compare

bad=0
comm -23 "$T/help.opts" "$T/man.opts" >"$T/only.help"
comm -13 "$T/help.opts" "$T/man.opts" >"$T/only.man"
while IFS= read -r o; do
	printf 'FAIL: %s: option %s is in --help but not in the OPTIONS section of the man page\n' \
		"$TEST_NAME" "$o" >&2
	bad=1
done <"$T/only.help"
while IFS= read -r o; do
	printf 'FAIL: %s: option %s is in the OPTIONS section of the man page but not in --help\n' \
		"$TEST_NAME" "$o" >&2
	bad=1
done <"$T/only.man"
[ "$bad" -eq 0 ] || exit 1
printf '# %s options agree: %s\n' "$(wc -l <"$T/help.opts" | tr -d ' ')" \
	"$(tr '\n' ' ' <"$T/help.opts")" >&2

# ------------------------------------------------------------ lint

if [ -z "${MANDOC:-}" ]; then
	MANDOC=$(command -v mandoc 2>/dev/null) || MANDOC=
	if [ -z "$MANDOC" ]; then
		for m in /usr/bin/mandoc /usr/local/bin/mandoc /usr/pkg/bin/mandoc \
		    /opt/local/bin/mandoc /usr/sbin/mandoc; do
			if [ -x "$m" ]; then
				MANDOC=$m
				break
			fi
		done
	fi
fi
[ -n "$MANDOC" ] && [ -x "$MANDOC" ] ||
	skip "mandoc not found (install mandoc, or set MANDOC) - options checked, lint not run"

rc=0
"$MANDOC" -T lint -W warning "$MAN" >"$T/lint" 2>&1 || rc=$?
if [ -s "$T/lint" ] || [ "$rc" -ne 0 ]; then
	cat "$T/lint" >&2
	fail "mandoc -T lint -W warning $MAN: status $rc, $(wc -l <"$T/lint" | tr -d ' ') message(s)"
fi
exit 0
