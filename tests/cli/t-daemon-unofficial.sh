#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-unofficial.sh - issue 18: mdescand names unofficial detections
# like clamd.  Loose ClamAV databases made here (a body signature, .ndb; a
# logical one, .ldb; file hashes, .hdb and .hsb; harmless marker strings)
# and an unsigned .cud of the same are loaded into a real clamd
# (clamav-daemon, as root) and into mdescand, and the replies to SCAN and
# INSTREAM of the same files are compared byte for byte:
#  * by default, with --unofficial-names, with daemon_unofficial_names =
#    no in mdescan.conf under --unofficial-names: "NAME.UNOFFICIAL
#    FOUND", clamd's lines exactly, for every kind of signature; still
#    after a RELOAD that adds a signature (the new generation's names);
#  * --no-unofficial-names, and the key's "no": the names as written;
#  * a .cvd signed by a test CA (ClamAV 1.5's .sign, clamsign-lib.sh) is
#    official: its names carry no suffix, with the setting on too, while a
#    loose hash list beside it naming a signature alike gets it.  No clamd
#    to compare with here: Debian 12's (1.4) trusts only Cisco's key and
#    reads no .sign; ClamAV's cli_cvdload() loads a .cvd or .cld that
#    verifies as CL_DB_OFFICIAL, and its loaders name a signature
#    NAME.UNOFFICIAL unless that flag is set (libclamav readdb.c).
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
# shellcheck source=clamsign-lib.sh
. "$(dirname "$0")/clamsign-lib.sh"

F=$T/f
L=$T/loose
U=$T/cud
O=$T/official
mkdir -p "$F" "$L" "$U" "$O" "$T/ca" "$T/certs" "$T/osrc"
printf 'xx mdescand-unofficial-body-5d1 xx\n' >"$F/body.txt"
printf 'unofficial-logic-a-8v3, unofficial-logic-b-8v3\n' >"$F/logic.txt"
printf 'a file known by its MD5, 4k2\n' >"$F/md5.txt"
printf 'a file known by its SHA-256, 9p7\n' >"$F/sha.txt"
printf 'hello\n' >"$F/clean.txt"
printf 'yy mdescand-unofficial-added-2w4 yy\n' >"$F/added.txt"
printf 'Test.Unofficial.Body:0:*:%s\n' \
	"$(hex 'mdescand-unofficial-body-5d1')" >"$L/u.ndb"
printf 'Test.Unofficial.Logic;Engine:51-255,Target:0;0&1;%s;%s\n' \
	"$(hex 'unofficial-logic-a-8v3')" "$(hex 'unofficial-logic-b-8v3')" \
	>"$L/u.ldb"
printf '%s:%s:Test.Unofficial.Md5\n' "$(md5sum <"$F/md5.txt" | cut -c1-32)" \
	"$(wc -c <"$F/md5.txt")" >"$L/u.hdb"
printf '%s:%s:Test.Unofficial.Sha:73\n' \
	"$(sha256sum <"$F/sha.txt" | cut -c1-64)" "$(wc -c <"$F/sha.txt")" \
	>"$L/u.hsb"
# the members named as the container, as sigtool builds them
for e in ndb ldb hdb hsb; do
	cp "$L/u.$e" "$T/osrc/main.$e"
done
python3 "$TOPSRC/tests/cli/mkcvd.py" --type cud --version 3 "$U/main.cud" \
	"$T/osrc"/main.*
# the daemons' workers and clamd read them
chmod -R a+rX "$T"

# replies SOCK FILE...: SOCK's raw replies to SCAN and INSTREAM of each
# file in $F
replies() {
	local sock=$1 f
	shift
	for f in "$@"; do
		python3 "$PROTO" say "$sock" "SCAN $F/$f"
		python3 "$PROTO" stream "$sock" "$F/$f"
	done
}
# name FILE: the signature made for FILE of $F, or nothing
name() {
	case $1 in
	body.txt) echo Test.Unofficial.Body ;;
	logic.txt) echo Test.Unofficial.Logic ;;
	md5.txt) echo Test.Unofficial.Md5 ;;
	sha.txt) echo Test.Unofficial.Sha ;;
	added.txt) echo Test.Unofficial.Added ;;
	esac
}
# expected SUFFIX FILE...: the replies clamd gives for these files of
# $F, with SUFFIX after each signature name
expected() {
	local sfx=$1 f n
	shift
	for f in "$@"; do
		n=$(name "$f")
		if [ -z "$n" ]; then
			printf '%s: OK\nstream: OK\n' "$F/$f"
		else
			printf '%s: %s FOUND\nstream: %s FOUND\n' "$F/$f" \
				"$n$sfx" "$n$sfx"
		fi
	done
}
# check WHAT FILE...: mdescand's replies for FILE... are expected's
# (in $T/want)
check() {
	local what=$1
	shift
	replies "$SOCK" "$@" >"$T/got"
	diff -u "$T/want" "$T/got" >&2 ||
		{ tail -5 "$T/md.log" >&2; fail "$what"; }
}
# want DB SUFFIX FILE...: $T/want, the replies mdescand must give: clamd's
# on DB when it runs here (and they must be the expected ones), else
# expected's
HAVE_CLAMD=1
want() {
	local db=$1
	shift
	expected "$@" >"$T/want"
	shift
	[ "$HAVE_CLAMD" = 1 ] || return 0
	clamd_start "$db" || { HAVE_CLAMD=0; return 0; }
	replies "$CSOCK" "$@" >"$T/clamd.txt"
	kill "$CPID"
	wait "$CPID" 2>/dev/null || :
	diff -u "$T/want" "$T/clamd.txt" >&2 ||
		fail "clamd's replies are not the ones expected"
	cp "$T/clamd.txt" "$T/want"
}
FILES="body.txt logic.txt md5.txt sha.txt clean.txt"

step "a real clamd names every detection of loose databases NAME.UNOFFICIAL"
# shellcheck disable=SC2086 # the file names
want "$L" .UNOFFICIAL $FILES
[ "$HAVE_CLAMD" = 1 ] ||
	step "no clamd here (or not root): clamd's replies as ClamAV words them"

step "the default: clamd's replies byte for byte, file hashes included"
daemon_start -d "$L" -j 2
# shellcheck disable=SC2086
check "default: not clamd's replies" $FILES
daemon_stop

step "--unofficial-names: the same, still after a RELOAD that adds one"
daemon_start -d "$L" --unofficial-names -j 2
# shellcheck disable=SC2086
check "--unofficial-names: not clamd's replies" $FILES
printf 'Test.Unofficial.Added:0:*:%s\n' \
	"$(hex 'mdescand-unofficial-added-2w4')" >>"$L/u.ndb"
FILES="added.txt $FILES"
# shellcheck disable=SC2086
want "$L" .UNOFFICIAL $FILES
n=$(grep -c 'definitions reloaded' "$T/md.log" || :)
python3 "$PROTO" say "$SOCK" RELOAD >"$OUT"
out_has_line RELOADING
for i in $(seq 100); do
	[ "$(grep -c 'definitions reloaded' "$T/md.log")" -gt "$n" ] && break
	sleep 0.2
done
[ "$(grep -c 'definitions reloaded' "$T/md.log")" -gt "$n" ] ||
	fail "RELOAD did not reload: $(tail -3 "$T/md.log")"
# shellcheck disable=SC2086
check "after RELOAD: not clamd's replies" $FILES
daemon_stop

step "an unsigned .cud: clamd's replies byte for byte"
FILES="body.txt logic.txt md5.txt sha.txt clean.txt"
# shellcheck disable=SC2086
want "$U" .UNOFFICIAL $FILES
daemon_start -d "$U" -j 2
# shellcheck disable=SC2086
check ".cud: not clamd's replies" $FILES
daemon_stop

step "--no-unofficial-names: the names as written"
daemon_start -d "$L" -j 2 --no-unofficial-names
# shellcheck disable=SC2086
expected "" $FILES >"$T/want"
# shellcheck disable=SC2086
check "--no-unofficial-names: a suffix" $FILES
daemon_stop

step "daemon_unofficial_names = no in mdescan.conf"
printf 'daemon_unofficial_names = no\n' >"$MDESCAN_CONF"
daemon_start -d "$L" -j 2
# shellcheck disable=SC2086
check "daemon_unofficial_names = no: a suffix" $FILES
daemon_stop

step "--unofficial-names overrides the configuration"
daemon_start -d "$L" -j 2 --unofficial-names
# shellcheck disable=SC2086
expected .UNOFFICIAL $FILES >"$T/want"
# shellcheck disable=SC2086
check "--unofficial-names: no suffix" $FILES
daemon_stop
: >"$MDESCAN_CONF"

step "a .cvd signed by a trusted CA is official: no suffix, by default too"
ca "$T/ca" "mdescan test CA"
signer "$T/ca" "mdescan test signer"
cp "$T/ca/ca.crt" "$T/certs/test-ca.crt"
python3 "$TOPSRC/tests/cli/mkcvd.py" --version 7 "$O/main.cvd" \
	"$T/osrc"/main.*
sign "$O/main.cvd" "$O/main-7.cvd.sign"
chmod -R a+rX "$O"
for opt in --unofficial-names --no-unofficial-names; do
	daemon_start -d "$O" --clamav-certs "$T/certs" -j 2 "$opt"
	# shellcheck disable=SC2086
	expected "" $FILES >"$T/want"
	# shellcheck disable=SC2086
	check "official .cvd ($opt): a suffix" $FILES
	daemon_stop
done

step "beside it, a loose hash naming a signature alike: suffixed alone"
printf 'a file known by a loose MD5, 3c8\n' >"$F/loose.txt"
printf '%s:%s:Test.Unofficial.Md5\n' \
	"$(md5sum <"$F/loose.txt" | cut -c1-32)" "$(wc -c <"$F/loose.txt")" \
	>"$O/l.hdb"
chmod -R a+rX "$O" "$F"
daemon_start -d "$O" --clamav-certs "$T/certs" -j 2
{
	# shellcheck disable=SC2086
	expected "" $FILES
	printf '%s: %s FOUND\nstream: %s FOUND\n' "$F/loose.txt" \
		Test.Unofficial.Md5.UNOFFICIAL Test.Unofficial.Md5.UNOFFICIAL
} >"$T/want"
# shellcheck disable=SC2086
check "official .cvd and a loose hash: not as ClamAV names them" \
	$FILES loose.txt
daemon_stop
exit 0
