#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-clamav-sign.sh - issue 18: ClamAV 1.5's detached signatures.  A test
# CA and a signing certificate are made here with the openssl command;
# .cvd files (mkcvd.py, signed by no ClamAV key) are signed into
# "<name>-<version>.cvd.sign" files in ClamAV's layout (a "#clamsign-1.0"
# line, then "220::pkcs7-pem:<base64 of a detached PKCS#7 of the whole
# file>", as sigtool --sign writes them).  The test CA is trusted the way
# an administrator trusts one: --clamav-certs DIR, or clamav_certs in
# mdescan.conf (a directory of .pem/.crt files, as ClamAV's certs
# directory).  Checked:
#   a good .sign: the database loads and detects, with -d FILE and with a
#   freshclam-like -d DIR; `mdesig build` records "verified: CN=... by its
#   .sign", keeps the .sign, and a scan of the bundle checks it again
#   (with no CA readable there: the legacy signatures, as before 1.5);
#   mirrored and installed by `definitions update` (clamav_certs in its
#   configuration), `definitions status` says how it was verified;
#   refused, naming the database, the .sign and the reason: another CA, a
#   byte flipped in the database, a byte flipped in the .sign, a .sign cut
#   short, a .sign of another file, no CA certificate to check it with;
#   a .sign with no line of the format level read falls back to the
#   legacy signatures, as ClamAV does (refused here: no ClamAV key);
#   `definitions rollback` test-loads with the configured CA (refused
#   with a configuration that lacks it); mdescand (clamav_certs,
#   --clamav-certs) and mdewatch (--clamav-certs, and in block mode on a
#   tmpfs as root) load the database with the CA and refuse it with
#   another, naming the reason.
# (Debian 12's clamav (1.4 here, 0.103 at release): its sigtool has no --sign,
# which came with ClamAV 1.5; the openssl command makes the same PKCS#7.)
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
MK=$TOPSRC/tests/cli/mkcvd.py
S=$T/sigs
F=$T/files
D=$T/db
mkdir -p "$S" "$F" "$D" "$T/ca" "$T/ca2" "$T/empty"
printf 'xx%sxx' 'Sign-Test-Pattern-0456' >"$F/pattern.bin"
printf 'clean\n' >"$F/clean.txt"
printf 'Sign.Test.Pattern:0:*:%s\n' "$(hex 'Sign-Test-Pattern-0456')" \
	>"$S/daily.ndb"
printf 'Sign.Test.Other:0:*:%s\n' "$(hex 'Sign-Test-Other-0789')" \
	>"$S/main.ndb"

# shellcheck source=clamsign-lib.sh
. "$(dirname "$0")/clamsign-lib.sh"
ca "$T/ca" "mdescan test CA"
signer "$T/ca" "mdescan test signer"
ca "$T/ca2" "another CA"
signer "$T/ca2" "another signer"
# the trusted directory holds the test CA only, as /etc/clamav/certs
# holds ClamAV's
mkdir -p "$T/certs"
cp "$T/ca/ca.crt" "$T/certs/test-ca.crt"

# scan_ok ARGS...: a scan with these options finds the pattern only.
scan_ok() {
	expect_exit 1 mds --no-cache --no-history --no-syslog "$@" "$F"
	expect_found "$F/pattern.bin"
	expect_not_found "$F/clean.txt"
}

# refused DB WHY ARGS...: loading DB fails (exit 2) naming DB and WHY;
# nothing is scanned.
refused() {
	local db=$1 why=$2
	shift 2
	expect_db_refused "$db" "$why" "$F" "$@"
}

step "a .cvd with a good .sign loads, the test CA trusted by --clamav-certs"
python3 "$MK" --version 7 "$D/daily.cvd" "$S/daily.ndb"
sign "$D/daily.cvd" "$D/daily-7.cvd.sign"
scan_ok --clamav-certs "$T/certs" -d "$D/daily.cvd"
# freshclam's directory as it is: the .sign is not a definitions file
scan_ok --clamav-certs "$T/certs" -d "$D"
# the CA file itself, and the configuration key
scan_ok --clamav-certs "$T/certs/test-ca.crt" -d "$D/daily.cvd"
printf 'clamav_certs = %s\n' "$T/certs" >"$T/mdescan.conf"
scan_ok --config "$T/mdescan.conf" -d "$D/daily.cvd"
# the same database with no .sign: the legacy signatures decide (none)
cp "$D/daily.cvd" "$T/nosign.cvd"
refused "$T/nosign.cvd" "the header's signature does not verify with ClamAV's key" \
	--clamav-certs "$T/certs"

step "a .sign that does not verify refuses the database, with the reason"
# another CA signed it
sign "$D/daily.cvd" "$D/daily-7.cvd.sign" "$T/ca2"
refused "$D/daily.cvd" "daily-7.cvd.sign: line 3: the signature does not verify (certificate verify error" \
	--clamav-certs "$T/certs"
sign "$D/daily.cvd" "$D/daily-7.cvd.sign"
# no CA certificate to check it with: refused, not passed over
refused "$D/daily.cvd" "daily-7.cvd.sign: no CA certificate in '$T/empty'" \
	--clamav-certs "$T/empty"
refused "$D/daily.cvd" "daily-7.cvd.sign: cannot read the CA certificates in '$T/none'" \
	--clamav-certs "$T/none"
# a byte of the database flipped (the build time, in its header): the
# .sign, checked first, says so before anything else is parsed
mkdir -p "$T/flip"
cp "$D/daily.cvd" "$D/daily-7.cvd.sign" "$T/flip/"
printf 'X' | dd of="$T/flip/daily.cvd" bs=1 seek=11 conv=notrunc 2>/dev/null
refused "$T/flip/daily.cvd" "daily-7.cvd.sign: line 3: the signature does not verify (" \
	--clamav-certs "$T/certs"
# and one in the tar, after the header
cp "$D/daily.cvd" "$T/flip/daily.cvd"
python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[-3] ^= 1
open(sys.argv[1], "wb").write(b)' "$T/flip/daily.cvd"
refused "$T/flip/daily.cvd" "daily-7.cvd.sign: line 3: the signature does not verify (" \
	--clamav-certs "$T/certs"
# a byte of the .sign flipped: in the signature, in its first line
cp "$D/daily.cvd" "$T/flip/daily.cvd"
python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.rindex(b"\n", 0, len(b) - 1) + 1 + 15 + 600  # in the base64
b[i] = ord("A") if b[i] != ord("A") else ord("B")
open(sys.argv[1], "wb").write(b)' "$T/flip/daily-7.cvd.sign"
refused "$T/flip/daily.cvd" "daily-7.cvd.sign: line 3: " \
	--clamav-certs "$T/certs"
sed -i '1s/1\.0/1.1/' "$T/flip/daily-7.cvd.sign"
refused "$T/flip/daily.cvd" "daily-7.cvd.sign: the first line is not \"#clamsign-1.0\"" \
	--clamav-certs "$T/certs"
# a .sign cut short, in its signature line and after its first line
head -c 400 "$D/daily-7.cvd.sign" >"$T/flip/daily-7.cvd.sign"
refused "$T/flip/daily.cvd" "daily-7.cvd.sign: line 3: the signature is not " \
	--clamav-certs "$T/certs"
head -c 8 "$D/daily-7.cvd.sign" >"$T/flip/daily-7.cvd.sign"
refused "$T/flip/daily.cvd" "daily-7.cvd.sign: the first line is not \"#clamsign-1.0\"" \
	--clamav-certs "$T/certs"
# a good .sign of another file (a database of the same name and version
# with other signatures in it)
python3 "$MK" --version 7 "$T/other.cvd" "$S/main.ndb"
sign "$T/other.cvd" "$T/flip/daily-7.cvd.sign"
refused "$T/flip/daily.cvd" "daily-7.cvd.sign: line 3: the signature does not verify (" \
	--clamav-certs "$T/certs"
grep -qF 'content verify error' "$ERR" || { show_output; fail "not the content"; }
# a .sign with no line of the level read: ClamAV's fall back to the
# legacy signatures, which these databases do not have
sign "$D/daily.cvd" "$T/flip/daily-7.cvd.sign" "$T/ca" "300:"
cp "$D/daily.cvd" "$T/flip/daily.cvd"
refused "$T/flip/daily.cvd" "the header's signature does not verify with ClamAV's key" \
	--clamav-certs "$T/certs"

step "mdesig build verifies the .sign, records it and keeps it"
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@"; }
expect_exit 0 sig keygen -o "$T/k"
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/bad.mdb" \
	--clamav-certs "$T/empty" "$D"
grep -qF "'$D/daily.cvd': refused: daily-7.cvd.sign: no CA certificate in '$T/empty'" "$ERR" ||
	{ show_output; fail "mdesig build: no CA not said"; }
expect_exit 0 sig build --version 1 --key "$T/k.sec" -o "$T/v1.mdb" \
	--clamav-certs "$T/certs" "$D"
out_has_line "ClamAV database daily.cvd version 7, built 2026-12-07T03:25:36Z, 1 signatures (official, verified: CN=mdescan test signer by its .sign)"
expect_exit 0 sig info --json "$T/v1.mdb"
grep -qF '"official":true,"verified":"CN=mdescan test signer by its .sign"' "$OUT" ||
	{ show_output; fail "mdesig info --json: not verified"; }
# a scan of the bundle checks the database again with the .sign kept
scan_ok --keys "$T/k.pub" --clamav-certs "$T/certs" -d "$T/v1.mdb"
expect_exit 2 mds --no-cache --no-history --no-syslog --keys "$T/k.pub" \
	--clamav-certs "$T/ca2" -d "$T/v1.mdb" "$F"
grep -qF "'src/daily.cvd': refused: daily-7.cvd.sign: line 3: the signature does not verify (certificate verify error" "$ERR" ||
	{ show_output; fail "the bundle's .sign is not checked again"; }
# with no CA certificate to read (an air-gapped server without ClamAV's
# certs directory), the legacy signatures decide, as before ClamAV 1.5:
# these test databases have none
expect_exit 2 mds --no-cache --no-history --no-syslog --keys "$T/k.pub" \
	--clamav-certs "$T/empty" -d "$T/v1.mdb" "$F"
grep -qF "'src/daily.cvd': refused: the header's signature does not verify with ClamAV's key" "$ERR" ||
	{ show_output; fail "the bundle's database: not the legacy check"; }

step "an air-gapped store gets the database, verified, through a mirror"
expect_exit 0 sig mirror --key "$T/k.sec" "$T/mirror" "$T/v1.mdb"
printf 'clamav_certs = %s\n' "$T/certs" >"$T/store.conf"
expect_exit 0 mds definitions update --config "$T/store.conf" \
	--store "$T/store" --keys "$T/k.pub" --from "$T/mirror"
expect_exit 0 mds definitions status --store "$T/store"
out_has_line "clamav:      daily.cvd version 7, built 2026-12-07T03:25:36Z, 1 signatures (official, verified: CN=mdescan test signer by its .sign)"
expect_exit 1 mds --no-cache --no-history --no-syslog --config "$T/store.conf" \
	--store "$T/store" --keys "$T/k.pub" "$F"
expect_found "$F/pattern.bin"

step "definitions rollback checks the .sign with the configured CA too"
expect_exit 0 sig build --version 2 --key "$T/k.sec" -o "$T/v2.mdb" "$S/main.ndb"
expect_exit 0 sig mirror --key "$T/k.sec" "$T/mirror" "$T/v2.mdb"
expect_exit 0 mds definitions update --config "$T/store.conf" \
	--store "$T/store" --keys "$T/k.pub" --from "$T/mirror"
# without the CA (a configuration naming a directory without it) the
# earlier bundle's database has only the legacy signatures: refused
printf 'clamav_certs = %s\n' "$T/empty" >"$T/noca.conf"
expect_exit 2 mds definitions rollback --config "$T/noca.conf" \
	--store "$T/store" --keys "$T/k.pub"
grep -qF "'src/daily.cvd': refused: the header's signature does not verify with ClamAV's key" "$ERR" ||
	{ show_output; fail "rollback: no reason"; }
expect_exit 0 mds definitions rollback --config "$T/store.conf" \
	--store "$T/store" --keys "$T/k.pub"
expect_exit 0 mds definitions status --store "$T/store"
out_has_line "clamav:      daily.cvd version 7, built 2026-12-07T03:25:36Z, 1 signatures (official, verified: CN=mdescan test signer by its .sign)"

step "mdescand trusts the configured CA (clamav_certs, --clamav-certs)"
# shellcheck source=daemon-lib.sh
. "$TOPSRC/tests/cli/daemon-lib.sh"
chmod -R a+rX "$T"
daemon_start --config "$T/store.conf" --store "$T/store" --keys "$T/k.pub"
python3 "$PROTO" say "$SOCK" "SCAN $F/pattern.bin" >"$T/said"
grep -qxF "$F/pattern.bin: Sign.Test.Pattern FOUND" "$T/said" ||
	{ cat "$T/said" "$T/md.log" >&2; fail "mdescand: the store's database not loaded"; }
daemon_stop
daemon_start -d "$D" --clamav-certs "$T/certs"
python3 "$PROTO" say "$SOCK" "SCAN $F/pattern.bin" >"$T/said"
grep -qxF "$F/pattern.bin: Sign.Test.Pattern FOUND" "$T/said" ||
	{ cat "$T/said" "$T/md.log" >&2; fail "mdescand -d: the database not loaded"; }
daemon_stop
expect_exit 2 timeout -k 5 60 "$MDESCAND" --socket "$SOCK" --no-history \
	--no-syslog -d "$D" --clamav-certs "$T/ca2"
grep -qF "daily-7.cvd.sign: line 3: the signature does not verify" "$ERR" ||
	{ show_output; fail "mdescand: another CA not refused with the reason"; }

step "mdewatch trusts the configured CA (--clamav-certs)"
MDEWATCH=${MDEWATCH:-$(dirname "$MDESCAN")/../mdewatch/mdewatch}
expect_exit 2 timeout -k 5 60 "$MDEWATCH" --mode block --path "$F" -d "$D" \
	--clamav-certs "$T/ca2" --no-cache --no-history
grep -qF "daily-7.cvd.sign: line 3: the signature does not verify" "$ERR" ||
	{ show_output; fail "mdewatch: another CA not refused with the reason"; }
M=$T/m
mkdir -p "$M"
if is_root && mount -t tmpfs -o size=8m,mode=0755 mdescan-t-clamav-sign "$M" 2>/dev/null; then
	MOUNTS+=("$M")
	cp "$F/pattern.bin" "$F/clean.txt" "$M/"
	"$MDEWATCH" --mode block --path "$M" -d "$D" --clamav-certs "$T/certs" \
		--no-cache --no-history --ready-file "$T/ready" 2>"$T/w.err" &
	WPID=$!
	BGPIDS+=("$WPID")
	if watch_ready "$WPID"; then
		cat "$M/clean.txt" >/dev/null || fail "mdewatch blocked a clean file"
		cat "$M/pattern.bin" >/dev/null 2>&1 && fail "mdewatch let the database's pattern be read"
		watch_stop "$WPID"
	fi
fi
exit 0
