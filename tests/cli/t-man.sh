#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-man.sh - the man page and the tool agree: every option printed by
# `mdescan --help` (-x and --long-option, anywhere in the text) is documented
# with an .Fl macro in the OPTIONS section of man/mdescan.1 and vice versa,
# and `mandoc -T lint -W warning` has nothing to say about the page.  The
# same for mdesig, mdescand and mdewatch and their pages.
#
# And every verb (--verbs MDESCAN MAN): the verbs of mdescan's table (the
# list an unknown verb prints) and their sub-verbs; `mdescan VERB [SUB]
# --help` exits 0, every option it prints is an .Fl of mdescan(1), and
# every option the SYNOPSIS gives a verb is in that verb's --help.  For
# mdesig (--mdesig-verbs MDESIG MAN): every `mdesig VERB --help` exits 0
# and its options are in the OPTIONS section of mdesig(1).
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
# each pair in turn (itself, with TOOL MAN arguments), and the verbs.
if [ $# -eq 0 ]; then
	sh "$0" "$MDESCAN" "$top_srcdir/man/mdescan.1" || exit $?
	sh "$0" --verbs "$MDESCAN" "$top_srcdir/man/mdescan.1" || exit $?
	MDESIG=$(dirname "$MDESCAN")/../mdesig/mdesig
	sh "$0" "$MDESIG" "$top_srcdir/man/mdesig.1" || exit $?
	sh "$0" --mdesig-verbs "$MDESIG" "$top_srcdir/man/mdesig.1" || exit $?
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -T lint -W warning "$top_srcdir/man/mdescan-bundle.5") || true
		[ -z "$out" ] || fail "mandoc: $out"
	fi
	sh "$0" "$(dirname "$MDESCAN")/../mdescand/mdescand" "$top_srcdir/man/mdescand.8" || exit $?
	exec sh "$0" "$(dirname "$MDESCAN")/../mdewatch/mdewatch" "$top_srcdir/man/mdewatch.8"
fi
MODE=pair
case $1 in
--verbs|--mdesig-verbs)
	MODE=${1#--}
	shift
	;;
esac
MDESCAN=$1
MAN=$2

[ -x "$MDESCAN" ] || fail "mdescan binary not found or not executable: $MDESCAN (build it, or set MDESCAN)"
[ -r "$MAN" ] || fail "man page not found: $MAN"

T=$(mktemp -d "${TMPDIR:-/tmp}/mdescan-man.XXXXXX") ||
	fail "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------ helpers

# help_opts FILE: every word of a usage text that is an option: "-x" or
# "--long-option", not part of a longer word ("per-file", "K/M/G" and "-"
# do not count), with surrounding punctuation ("[--null]", "-d,",
# "(--full)") removed; sorted, one a line.
help_opts() {
	# "--path PATTERN|--dir PATTERN": alternatives are words too
	tr '|' ' ' <"$1" | awk '
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
	}' | sort -u
}

# man_fl WHAT: the arguments of the Fl macros of $MAN, as "-x" or
# "--long", one a line.  WHAT: "options", those of the OPTIONS section
# (from ".Sh OPTIONS" to the next ".Sh"); "all", the whole page;
# "synopsis", those of the SYNOPSIS as "VERB SUB<TAB>-x", the verb being
# the words of the .Cm lines after each .Nm (a .Cm line of alternatives,
# "add | remove", is left out: the verb above it has their usage).  An Fl
# macro is found wherever it is called on a line (".Fl x", ".It Fl d Ar
# path , Fl -database Ar path", ".Op Fl -null"), its arguments running
# up to the next macro; they may be written "-x", "\-x" or quoted.
man_fl() {
	awk -v what="$1" '
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
		# mdoc macro names: Ar, Ns, Op, Oo, Xo, Brq, %A ... (not
		# flags: single letters such as "V" or "d" are flag letters)
		return w ~ /^[A-Z][a-z][a-z]?$/ || w ~ /^%[A-Z]$/
	}
	function is_delim(w) {
		return w ~ /^[][(),.;:?!|]$/
	}
	/^[.'\''][ \t]*\\"/ { next }		# comment
	/^[.'\''][ \t]*Sh[ \t]/ {
		sec = $0
		sub(/^[.'\''][ \t]*Sh[ \t]+"?/, "", sec)
		sub(/"?[ \t]*$/, "", sec)
		next
	}
	!macro_line($0) { next }
	what == "options" && sec != "OPTIONS" { next }
	what == "synopsis" && sec != "SYNOPSIS" { next }
	{
		line = $0
		sub(/^[.'\''][ \t]*/, "", line)
		n = split(line, w, /[ \t]+/)
		if (what == "synopsis" && w[1] == "Nm")
			verb = ""
		if (what == "synopsis" && w[1] == "Cm" && line !~ /\|/)
			for (i = 2; i <= n; i++)
				verb = verb (verb == "" ? "" : " ") w[i]
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
			if (a == "")
				continue
			if (what != "synopsis")
				print "-" a
			else if (verb != "")
				print verb "\t-" a
		}
	}' "$MAN" | sort -u
}

# run_help OUT CMD...: CMD --help into OUT; it must exit 0 and print.
run_help() {
	out=$1
	shift
	rc=0
	"$@" --help >"$out" 2>"$out.err" || rc=$?
	[ "$rc" -eq 0 ] || fail "'$* --help' exited with status $rc"
	[ -s "$out" ] || fail "'$* --help' printed nothing on stdout"
}

# The verbs of `mdescan WORDS...` that the command lists after "the
# commands are:" for an unknown one, one a line.
verb_list() {
	"$MDESCAN" "$@" zz-no-such-command 2>&1 >/dev/null |
		awk '/^the commands are:/ { on = 1; next }
		     on && /^  [a-z][a-z-]* / { print $1; next }
		     { on = 0 }'
}

# ------------------------------------------------------------ verbs

# check_verb WORDS...: `mdescan WORDS --help` against the whole page and
# against the SYNOPSIS lines of WORDS.
check_verb() {
	f=$T/help.$(printf '%s' "$*" | tr ' ' '_')
	run_help "$f" "$MDESCAN" "$@"
	help_opts "$f" >"$f.opts"
	comm -23 "$f.opts" "$T/man.all" | while IFS= read -r o; do
		printf 'FAIL: %s: option %s is in `mdescan %s --help` but not in %s\n' \
			"$TEST_NAME" "$o" "$*" "$MAN" >&2
		echo x
	done >>"$T/bad"
	awk -F '\t' -v v="$*" '$1 == v { print $2 }' "$T/man.synopsis" |
		sort -u >"$f.syn"
	comm -23 "$f.syn" "$f.opts" | while IFS= read -r o; do
		printf 'FAIL: %s: option %s is in the SYNOPSIS of `mdescan %s` but not in its --help\n' \
			"$TEST_NAME" "$o" "$*" >&2
		echo x
	done >>"$T/bad"
	echo "$*" >>"$T/checked"
}

if [ "$MODE" = verbs ]; then
	man_fl all >"$T/man.all"
	man_fl synopsis >"$T/man.synopsis"
	: >"$T/bad"
	: >"$T/checked"
	verb_list >"$T/verbs"
	[ -s "$T/verbs" ] || fail "'$MDESCAN zz-no-such-command' lists no verbs"
	while IFS= read -r v; do
		check_verb "$v"
		verb_list "$v" >"$T/subs.$v"
		while IFS= read -r s; do
			check_verb "$v" "$s"
		done <"$T/subs.$v"
	done <"$T/verbs"
	# each verb of the SYNOPSIS is one of those checked
	cut -f1 "$T/man.synopsis" | sort -u | while IFS= read -r v; do
		grep -Fxq "$v" "$T/checked" || check_verb $v
	done
	[ ! -s "$T/bad" ] || exit 1
	printf '# verbs agree with %s: %s\n' "$MAN" "$(tr '\n' ',' <"$T/checked")" >&2
	exit 0
fi

if [ "$MODE" = mdesig-verbs ]; then
	man_fl options >"$T/man.opts"
	run_help "$T/help" "$MDESCAN"
	sed -n 's/^[a-z:]* *mdesig \([a-z][a-z]*\) .*/\1/p' "$T/help" |
		sort -u >"$T/verbs"
	[ -s "$T/verbs" ] || fail "'$MDESCAN --help' lists no verbs"
	bad=0
	while IFS= read -r v; do
		run_help "$T/help.$v" "$MDESCAN" "$v"
		grep -q "mdesig $v " "$T/help.$v" ||
			fail "'$MDESCAN $v --help' does not show the usage of $v"
		for o in $(help_opts "$T/help.$v" | comm -23 - "$T/man.opts"); do
			printf 'FAIL: %s: option %s is in `mdesig %s --help` but not in the OPTIONS of %s\n' \
				"$TEST_NAME" "$o" "$v" "$MAN" >&2
			bad=1
		done
	done <"$T/verbs"
	[ "$bad" -eq 0 ] || exit 1
	printf '# mdesig verbs agree: %s\n' "$(tr '\n' ' ' <"$T/verbs")" >&2
	exit 0
fi

# ------------------------------------------------------------ --help

run_help "$T/help" "$MDESCAN"
help_opts "$T/help" >"$T/help.opts"
[ -s "$T/help.opts" ] || fail "no options found in the --help output"

# ------------------------------------------------------------ man page

man_fl options >"$T/man.opts"
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
