#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-package.sh - `make install` and `make uninstall` of this build into a
# DESTDIR: the files and their modes, the configuration never installed
# over an existing one (nor removed once changed), and an uninstall
# that leaves directories only.  Also: the bash completions load and
# complete options read from --help.
#
# Runs `make` in the build directory ($abs_top_builddir, set by
# `make check`; else the directory two above src/mdescan/mdescan).
#
# Exit status: 0 pass, 1 fail, 77 skip (no build directory with a
# Makefile).
set -eu
. "$(dirname "$0")/lib.sh"

B=${abs_top_builddir:-$(cd "$(dirname "$MDESCAN")/../.." && pwd)}
[ -f "$B/Makefile" ] || skip "no Makefile in $B"
# a make of our own, not a part of the one running the tests
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
MAKE=${MAKE:-make}
D=$T/dest

inst() {
	"$MAKE" -s -C "$B" "$@" DESTDIR="$D" >"$OUT" 2>"$ERR" ||
		{ show_output; fail "make $* failed"; }
}

eval "$("$MAKE" -s -C "$B" print-install-dirs)"
[ -n "$bindir" ] && [ -n "$sysconfdir" ] || fail "make print-install-dirs said nothing"

step "make install DESTDIR: the files and their modes"
inst install
# the installed programs link the installed libmdescan.so, under DESTDIR
export LD_LIBRARY_PATH="$D$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# the programs look where this configure said (src/paths.h): a prefixed
# install runs with the configuration it installed
"$D$bindir/mdescan" --help | grep -Fq "(default $sysconfdir/mdescan/mdescan.conf)" ||
	fail "mdescan --help does not name $sysconfdir/mdescan/mdescan.conf"
"$D$bindir/mdescan" --help | grep -Fq "(default $localstatedir/lib/mdescan/history.db)" ||
	fail "mdescan --help does not name $localstatedir/lib/mdescan/history.db"
( cd "$D" && find . -type f -printf '%m %p\n' -o -type d -printf '%m %p/\n' |
	sed 's#^\([0-9]*\) \./#\1 /#' | sort -k2 ) >"$T/got"

# expect MODE PATH: PATH (a file, or a directory with a trailing /) is
# installed with MODE
expect() {
	grep -Fxq "$1 $2" "$T/got" || {
		grep -F " $2" "$T/got" >&2 || :
		fail "not installed as $1: $2"
	}
}
expect 755 "$bindir/mdescan"
expect 755 "$bindir/mdesig"
expect 755 "$sbindir/mdewatch"
expect 755 "$sbindir/mdescand"
expect 644 "$sysconfdir/mdescan/mdescan.conf"
expect 755 "$sysconfdir/mdescan/keys/"
expect 755 "$localstatedir/lib/mdescan/"
expect 755 "$localstatedir/lib/mdescan/definitions/"
expect 700 "$localstatedir/lib/mdescan/quarantine/"
for c in mdescan mdesig mdewatch; do
	expect 644 "$bashcompletiondir/$c"
done
for m in man1/mdescan.1 man1/mdesig.1 man8/mdewatch.8 man5/mdescan-bundle.5 \
	man8/mdescand.8; do
	expect 644 "$mandir/$m"
done
# the library: the shared object (its links are not files), libtool's
# .la, the public header alone and the pkg-config file
expect 755 "$libdir/libmdescan.so.0.0.0"
expect 755 "$libdir/libmdescan.la"
expect 644 "$libdir/pkgconfig/libmdescan.pc"
expect 644 "$includedir/mdescan.h"
[ "$(grep -c "^644 $includedir/" "$T/got")" = 1 ] || fail "more than mdescan.h in $includedir"
[ "$(readlink "$D$libdir/libmdescan.so.0")" = libmdescan.so.0.0.0 ] ||
	fail "no libmdescan.so.0 link (the SONAME)"
[ "$(readlink "$D$libdir/libmdescan.so")" = libmdescan.so.0.0.0 ] ||
	fail "no libmdescan.so link (for -lmdescan)"
if [ -n "$systemdsystemunitdir" ]; then
	for u in mdewatch.service mdescan-scan.service mdescan-scan.timer \
		mdescan-update.service mdescan-update.timer \
		mdescand.service mdescand.socket; do
		expect 644 "$systemdsystemunitdir/$u"
	done
	grep -q "^ExecStart=$sbindir/mdewatch " "$D$systemdsystemunitdir/mdewatch.service" ||
		fail "mdewatch.service does not start $sbindir/mdewatch"
	grep -q "^ExecStart=$bindir/mdescan " "$D$systemdsystemunitdir/mdescan-scan.service" ||
		fail "mdescan-scan.service does not start $bindir/mdescan"
	grep -q "^ExecStart=$sbindir/mdescand " "$D$systemdsystemunitdir/mdescand.service" ||
		fail "mdescand.service does not start $sbindir/mdescand"
fi
# nothing else: every installed file is one of the above (man pages
# and headers aside: other pages may come)
grep -v '/$' "$T/got" | awk '{ print $2 }' >"$T/files"
n_expected=$((4 + 1 + 3 + 3))
[ -n "$systemdsystemunitdir" ] && n_expected=$((n_expected + 7))
n_got=$(grep -cv -e "^$includedir/" -e "^$mandir/" "$T/files" || :)
[ "$n_got" -eq "$n_expected" ] || { cat "$T/files" >&2; fail "$n_got files installed, expected $n_expected"; }

step "the installed programs run"
"$D$bindir/mdescan" --version >"$OUT" 2>&1 || { show_output; fail "installed mdescan --version"; }
"$D$sbindir/mdewatch" --version >"$OUT" 2>&1 || { show_output; fail "installed mdewatch --version"; }
"$D$sbindir/mdescand" --version >"$OUT" 2>&1 || { show_output; fail "installed mdescand --version"; }
make_eicar "$T/eicar.com"
expect_exit 1 "$D$bindir/mdescan" --no-history --no-cache "$T/eicar.com"

step "a program built with the installed header and pkg-config alone"
if command -v pkg-config >/dev/null && command -v cc >/dev/null; then
	# PKG_CONFIG_SYSROOT_DIR: the .pc file says $libdir and $includedir,
	# which are under DESTDIR here
	flags=$(PKG_CONFIG_PATH="$D$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D" \
		PKG_CONFIG_LIBDIR=/nonexistent pkg-config --cflags --libs libmdescan) ||
		fail "pkg-config --cflags --libs libmdescan"
	# a sanitized build's library needs its runtime in the program too
	# (build.sh's ASan+UBSan run); a user's build never does
	san=
	ldd "$D$libdir/libmdescan.so" 2>/dev/null | grep -q libasan &&
		san="-fsanitize=address,undefined"
	# shellcheck disable=SC2086
	cc -Wall -Werror $san -o "$T/api-user" "$TOPSRC/tests/cli/api-user.c" $flags \
		>"$OUT" 2>&1 || { show_output; fail "could not build api-user.c with: $flags"; }
	expect_exit 1 "$T/api-user" "$T/eicar.com"
	grep -q 'Eicar-Test-Signature FOUND' "$OUT" || { show_output; fail "api-user: no finding"; }
	echo clean >"$T/clean.txt"
	expect_exit 0 "$T/api-user" "$T/clean.txt"
else
	step "(no pkg-config or cc: skipped)"
fi

step "install again: a changed configuration is kept"
echo 'threads = 1' >>"$D$sysconfdir/mdescan/mdescan.conf"
inst install
grep -q 'keeping the existing' "$OUT" || { show_output; fail "install did not say it kept the configuration"; }
tail -n 1 "$D$sysconfdir/mdescan/mdescan.conf" | grep -qx 'threads = 1' ||
	fail "install overwrote the configuration"

step "make uninstall: a changed configuration and user data stay"
touch "$D$localstatedir/lib/mdescan/history.db"
inst uninstall
[ -f "$D$sysconfdir/mdescan/mdescan.conf" ] || fail "uninstall removed a changed configuration"
[ -f "$D$localstatedir/lib/mdescan/history.db" ] || fail "uninstall removed user data"
rm -f "$D$sysconfdir/mdescan/mdescan.conf" "$D$localstatedir/lib/mdescan/history.db"

step "install + uninstall leaves no file behind"
inst install
inst uninstall
left=$(cd "$D" && find . ! -type d)
[ -z "$left" ] || fail "left after uninstall: $left"
[ ! -e "$D$sysconfdir/mdescan" ] || fail "uninstall left the empty $sysconfdir/mdescan"

step "bash completion: options from --help, verbs, files"
if [ -r /usr/share/bash-completion/bash_completion ]; then
	# complete LINE: the words bash would offer for the end of LINE
	complete_line() {
		bash -c '
. /usr/share/bash-completion/bash_completion
PATH=$2/mdescan:$2/mdesig:$2/mdewatch:$PATH
for f in mdescan mdesig mdewatch; do . "$3/$f"; done
line=$1
read -ra COMP_WORDS <<<"$line"
[[ $line == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line COMP_POINT=${#line}
f=$(complete -p "${COMP_WORDS[0]}" | sed "s/.*-F \([^ ]*\).*/\1/")
$f "${COMP_WORDS[0]}" "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
printf "%s\n" "${COMPREPLY[@]}"' - "$1" "$(dirname "$(dirname "$MDESCAN")")" \
			"$TOPSRC/contrib/bash-completion" |
			sort | tr '\n' ' '
	}
	ck() {
		local got
		got=$(cd "$T" && complete_line "$1")
		[ "$got" = "$2" ] || fail "completion of '$1': got '$got', expected '$2'"
	}
	ck "mdescan --act" "--action "
	ck "mdescan --action " "quarantine remove report "
	ck "mdescan thr" "threat "
	ck "mdescan threat " "get list quarantine "
	ck "mdescan threat quarantine " "export list purge remove restore "
	ck "mdescan definitions " "rollback status update "
	ck "mdescan definitions status --" "--json --max-age --store "
	ck "mdescan eicar." "eicar.com "
	ck "mdesig " "build diff info keygen list mirror verify "
	ck "mdewatch --mode " "audit block "
	ck "mdewatch --stat" "--stats --stats-file --status "
else
	step "bash-completion not installed: completions not tried"
fi
exit 0
