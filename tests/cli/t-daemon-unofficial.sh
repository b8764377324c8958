#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-unofficial.sh - issue 18: mdescand names unofficial detections
# like clamd.  Loose ClamAV databases made here (a body signature, .ndb,
# and a logical one, .ldb; harmless marker strings) are loaded into a real
# clamd (clamav-daemon, as root) and into mdescand, and the replies to
# SCAN and INSTREAM of the same files are compared byte for byte:
#  * --unofficial-names, and daemon_unofficial_names = yes in
#    mdescan.conf: "NAME.UNOFFICIAL FOUND", clamd's lines exactly; still
#    after a RELOAD that adds a signature (the new generation's names);
#  * the default, and --no-unofficial-names over the configuration key:
#    the names without the suffix;
#  * a .cvd signed by a test CA (ClamAV 1.5's .sign, clamsign-lib.sh) is
#    official: its names carry no suffix by default.  No clamd to compare
#    with here: Debian 12's (1.4) trusts only Cisco's key and reads no
#    .sign.  With --unofficial-names they carry it too, as mdescand(8)
#    says (the engine suffixes every ClamAV name or none).
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
# shellcheck source=clamsign-lib.sh
. "$(dirname "$0")/clamsign-lib.sh"

F=$T/f
L=$T/loose
O=$T/official
mkdir -p "$F" "$L" "$O" "$T/ca" "$T/certs" "$T/osrc"
printf 'Test.Unofficial.Body:0:*:%s\n' \
	"$(hex 'mdescand-unofficial-body-5d1')" >"$L/u.ndb"
printf 'Test.Unofficial.Logic;Engine:51-255,Target:0;0&1;%s;%s\n' \
	"$(hex 'unofficial-logic-a-8v3')" "$(hex 'unofficial-logic-b-8v3')" \
	>"$L/u.ldb"
printf 'xx mdescand-unofficial-body-5d1 xx\n' >"$F/body.txt"
printf 'unofficial-logic-a-8v3, unofficial-logic-b-8v3\n' >"$F/logic.txt"
printf 'hello\n' >"$F/clean.txt"
printf 'yy mdescand-unofficial-added-2w4 yy\n' >"$F/added.txt"
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
# expected SUFFIX FILE...: the replies clamd gives for these files of
# $F, with SUFFIX after each signature name
expected() {
	local sfx=$1 f name
	shift
	for f in "$@"; do
		case $f in
		body.txt) name=Test.Unofficial.Body$sfx ;;
		logic.txt) name=Test.Unofficial.Logic$sfx ;;
		added.txt) name=Test.Unofficial.Added$sfx ;;
		*) printf '%s: OK\nstream: OK\n' "$F/$f"; continue ;;
		esac
		printf '%s: %s FOUND\nstream: %s FOUND\n' "$F/$f" "$name" "$name"
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
# want SUFFIX FILE...: $T/want, the replies mdescand must give: clamd's
# when it runs here (and they must be the expected ones), else expected's
HAVE_CLAMD=1
want() {
	expected "$@" >"$T/want"
	shift
	[ "$HAVE_CLAMD" = 1 ] || return 0
	clamd_start "$L" || { HAVE_CLAMD=0; return 0; }
	replies "$CSOCK" "$@" >"$T/clamd.txt"
	kill "$CPID"
	wait "$CPID" 2>/dev/null || :
	diff -u "$T/want" "$T/clamd.txt" >&2 ||
		fail "clamd's replies are not the ones expected"
	cp "$T/clamd.txt" "$T/want"
}
FILES="body.txt logic.txt clean.txt"

step "a real clamd names the loose databases' detections NAME.UNOFFICIAL"
# shellcheck disable=SC2086 # the file names
want .UNOFFICIAL $FILES
[ "$HAVE_CLAMD" = 1 ] ||
	step "no clamd here (or not root): clamd's replies as ClamAV words them"

step "--unofficial-names: clamd's replies byte for byte"
daemon_start -d "$L" --unofficial-names -j 2
# shellcheck disable=SC2086
check "--unofficial-names: not clamd's replies" $FILES

step "still after a RELOAD that adds a signature (a new generation)"
printf 'Test.Unofficial.Added:0:*:%s\n' \
	"$(hex 'mdescand-unofficial-added-2w4')" >>"$L/u.ndb"
FILES="added.txt $FILES"
# shellcheck disable=SC2086
want .UNOFFICIAL $FILES
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

step "the default: the names without the suffix"
daemon_start -d "$L" -j 2
# shellcheck disable=SC2086
expected "" $FILES >"$T/want"
# shellcheck disable=SC2086
check "default: a suffix" $FILES
daemon_stop

step "daemon_unofficial_names = yes in mdescan.conf"
printf 'daemon_unofficial_names = yes\n' >"$MDESCAN_CONF"
daemon_start -d "$L" -j 2
# shellcheck disable=SC2086
expected .UNOFFICIAL $FILES >"$T/want"
# shellcheck disable=SC2086
check "daemon_unofficial_names = yes: no suffix" $FILES
daemon_stop

step "--no-unofficial-names overrides the configuration"
daemon_start -d "$L" -j 2 --no-unofficial-names
# shellcheck disable=SC2086
expected "" $FILES >"$T/want"
# shellcheck disable=SC2086
check "--no-unofficial-names: a suffix" $FILES
daemon_stop
: >"$MDESCAN_CONF"

step "a .cvd signed by a trusted CA is official: no suffix by default"
ca "$T/ca" "mdescan test CA"
signer "$T/ca" "mdescan test signer"
cp "$T/ca/ca.crt" "$T/certs/test-ca.crt"
# the member is named as the container, as sigtool builds them
cp "$L/u.ndb" "$T/osrc/daily.ndb"
python3 "$TOPSRC/tests/cli/mkcvd.py" --version 7 "$O/daily.cvd" \
	"$T/osrc/daily.ndb"
sign "$O/daily.cvd" "$O/daily-7.cvd.sign"
chmod -R a+rX "$O"
daemon_start -d "$O" --clamav-certs "$T/certs" -j 2
expected "" body.txt clean.txt >"$T/want"
check "official .cvd: a suffix" body.txt clean.txt
daemon_stop

step "--unofficial-names suffixes the official names too (mdescand(8))"
daemon_start -d "$O" --clamav-certs "$T/certs" -j 2 --unofficial-names
expected .UNOFFICIAL body.txt clean.txt >"$T/want"
check "official .cvd with --unofficial-names: not as documented" \
	body.txt clean.txt
daemon_stop
exit 0
