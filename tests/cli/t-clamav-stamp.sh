#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-clamav-stamp.sh - issue 18: a ClamAV container loaded before, and
# unchanged since, is loaded from its stamp in the cache directory: its
# compiled database mapped, the container itself not read (not its .sign
# check, not the compiled file's key).  Whatever could make the check
# come out otherwise makes the stamp useless and the full check run: a
# changed byte even under the old modification time (the change time
# moves), another .sign, other CAs, the signer's chain expired (faketime),
# a damaged stamp; an unsigned .cud is stamped too.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || skip "no strace command"
MK=$TOPSRC/tests/cli/mkcvd.py
S=$T/sigs
F=$T/files
D=$T/db
C=$T/cache
mkdir -p "$S" "$F" "$D" "$C" "$T/ca" "$T/ca2" "$T/certs" "$T/certs2"
printf 'xx%sxx' 'Stamp-Test-Pattern-0718' >"$F/pattern.bin"
printf 'clean\n' >"$F/clean.txt"
printf 'Stamp.Test.Pattern:0:*:%s\n' "$(hex 'Stamp-Test-Pattern-0718')" \
	>"$S/daily.ndb"

# shellcheck source=clamsign-lib.sh
. "$(dirname "$0")/clamsign-lib.sh"
ca "$T/ca" "mdescan test CA"
signer "$T/ca" "mdescan test signer"
ca "$T/ca2" "another CA"
signer "$T/ca2" "another signer"
cp "$T/ca/ca.crt" "$T/certs/test-ca.crt"
cp "$T/ca2/ca.crt" "$T/certs2/test-ca.crt"
python3 "$MK" --version 7 "$D/daily.cvd" "$S/daily.ndb"
sign "$D/daily.cvd" "$D/daily-7.cvd.sign"
cp -p "$D/daily.cvd" "$T/daily.orig"
# a container changed less than 50 ms before its load is not stamped (a
# rewrite in the same tick would keep its identity): give them time
settle() { sleep 0.2; }
settle

ARGS=(--cache-dir "$C" --no-history --no-syslog)

# loads ARGS...: a scan with the cache finds the pattern only.
loads() {
	expect_exit 1 mds "${ARGS[@]}" "$@" "$F"
	expect_found "$F/pattern.bin"
	expect_not_found "$F/clean.txt"
}
# refused DB WHY ARGS...: the load fails naming DB and WHY.
refused() {
	local db=$1 why=$2
	shift 2
	expect_exit 2 mds "${ARGS[@]}" "$@" -d "$db" "$F"
	grep -qF "'$db': refused: $why" "$ERR" ||
		{ show_output; fail "no \"'$db': refused: $why\""; }
}
# reads DB ARGS...: how many bytes a cached scan read from DB (strace:
# read and pread64 on a descriptor of that file).  Loading sniffs every
# definitions file's first 64 bytes for its format; a stamped load reads
# nothing more (HEAD), a checked one all of it, twice (.sign and key).
reads() {
	local db=$1
	shift
	# LeakSanitizer cannot run under ptrace: off for the traced run
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -y -qq -e trace=read,pread64 -o "$T/strace" \
		"$MDESCAN" "${ARGS[@]}" "$@" -d "$db" "$F" >"$OUT" 2>"$ERR" ||
		[ $? -eq 1 ] || { show_output; fail "the traced scan failed"; }
	expect_found "$F/pattern.bin"
	awk -v f="${db##*/}>" 'index($0, f) { split($0, a, "= "); n += a[2] }
		END { print n + 0 }' "$T/strace"
}
stamps() { find "$C" -name 'clamdb-*.stamp' | wc -l; }
HEAD=64

step "the first load checks the .sign, compiles and stamps"
loads --clamav-certs "$T/certs" -d "$D/daily.cvd"
[ "$(stamps)" -eq 1 ] || fail "not one stamp: $(find "$C")"
n=$(reads "$D/daily.cvd" --clamav-certs "$T/certs")
[ "$n" -le "$HEAD" ] || fail "the stamped load read $n bytes of the container"

step "a byte changed under the old modification time: checked, refused"
python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[-3] ^= 1
open(sys.argv[1], "r+b").write(b)' "$D/daily.cvd"
touch -r "$T/daily.orig" "$D/daily.cvd"
[ "$(stat -c %Y.%y "$D/daily.cvd")" = "$(stat -c %Y.%y "$T/daily.orig")" ] ||
	fail "the modification time not restored"
refused "$D/daily.cvd" "daily-7.cvd.sign: line 3: the signature does not verify (" \
	--clamav-certs "$T/certs"
cp "$T/daily.orig" "$D/daily.cvd"
settle
loads --clamav-certs "$T/certs" -d "$D/daily.cvd"
n=$(reads "$D/daily.cvd" --clamav-certs "$T/certs")
[ "$n" -le "$HEAD" ] || fail "stamped again, yet read $n bytes"

step "another .sign (of another CA): checked, refused"
cp "$D/daily-7.cvd.sign" "$T/sign.orig"
sign "$D/daily.cvd" "$D/daily-7.cvd.sign" "$T/ca2"
refused "$D/daily.cvd" "daily-7.cvd.sign: line 3: the signature does not verify (certificate verify error" \
	--clamav-certs "$T/certs"
cp "$T/sign.orig" "$D/daily-7.cvd.sign"
loads --clamav-certs "$T/certs" -d "$D/daily.cvd"

step "other CAs trusted: checked, refused"
refused "$D/daily.cvd" "daily-7.cvd.sign: line 3: the signature does not verify (certificate verify error" \
	--clamav-certs "$T/certs2"
n=$(reads "$D/daily.cvd" --clamav-certs "$T/certs")
[ "$n" -le "$HEAD" ] || fail "the stamp of the trusted CAs lost: read $n bytes"

step "a directory without CAs: refused, not passed over"
mkdir -p "$T/empty"
refused "$D/daily.cvd" "daily-7.cvd.sign: no CA certificate in '$T/empty'" \
	--clamav-certs "$T/empty"

if command -v faketime >/dev/null; then
	step "the signer's chain expired (faketime +3 days): checked, refused"
	# faketime preloads its library: under AddressSanitizer, which
	# wants to come first, that ordering is allowed explicitly
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		expect_exit 2 faketime -f '+3d' "$MDESCAN" "${ARGS[@]}" \
			--clamav-certs "$T/certs" -d "$D/daily.cvd" "$F"
	grep -qF "'$D/daily.cvd': refused: daily-7.cvd.sign: line 3: the signature does not verify (certificate verify error" "$ERR" ||
		{ show_output; fail "an expired chain not refused"; }
	grep -qi 'expired' "$ERR" || { show_output; fail "not said expired"; }
else
	echo "  (no faketime: the expiry of the signer's chain not tested)"
fi

step "a damaged stamp: not used, the full check, stamped anew"
st=$(find "$C" -name 'clamdb-daily-*.stamp')
printf '\x01' | dd of="$st" bs=1 seek=100 conv=notrunc status=none
n=$(reads "$D/daily.cvd" --clamav-certs "$T/certs")
[ "$n" -gt "$HEAD" ] || fail "a damaged stamp was used"
n=$(reads "$D/daily.cvd" --clamav-certs "$T/certs")
[ "$n" -le "$HEAD" ] || fail "not stamped anew: read $n bytes"
: >"$st"
n=$(reads "$D/daily.cvd" --clamav-certs "$T/certs")
[ "$n" -gt "$HEAD" ] || fail "an empty stamp was used"

step "the compiled file gone: the stamp leads nowhere, compiled again"
rm -f "$C"/clamdb-daily-*.mdc
loads --clamav-certs "$T/certs" -d "$D/daily.cvd"
[ "$(find "$C" -name 'clamdb-daily-*.mdc' | wc -l)" -eq 1 ] ||
	fail "not compiled again"

step "an unsigned .cud is stamped as well, and changes are seen"
python3 "$MK" --type cud --version 3 "$T/main.cud" "$S/daily.ndb"
settle
loads -d "$T/main.cud"
n=$(reads "$T/main.cud")
[ "$n" -le "$HEAD" ] || fail "the stamped .cud read $n bytes"
printf 'Stamp.Test.Clean:0:*:%s\n' "$(hex 'clean')" >"$S/clean.ndb"
python3 "$MK" --type cud --version 3 "$T/new.cud" "$S/daily.ndb" \
	"$S/clean.ndb"
cat "$T/new.cud" >"$T/main.cud" # in place: same inode
expect_exit 1 mds "${ARGS[@]}" -d "$T/main.cud" "$F"
expect_found "$F/clean.txt"

step "a container changed within the last tick is not stamped"
# its modification time in the future: changed "just now" for ever
touch -d '+1 hour' "$T/main.cud"
expect_exit 1 mds "${ARGS[@]}" -d "$T/main.cud" "$F"
n=$(reads "$T/main.cud")
[ "$n" -gt "$HEAD" ] || fail "a racy container was stamped"

step "--no-cache neither reads nor writes stamps"
rm -rf "$C"
mkdir -p "$C"
expect_exit 1 mds --no-cache --no-history --no-syslog \
	--clamav-certs "$T/certs" -d "$D/daily.cvd" "$F"
[ "$(stamps)" -eq 0 ] || fail "--no-cache wrote a stamp"

exit 0
