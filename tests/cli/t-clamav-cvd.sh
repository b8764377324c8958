#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-clamav-cvd.sh - issue 18: ClamAV's database containers.  .cud files
# built here (mkcvd.py, and sigtool when it is installed) load and detect;
# clamscan agrees on the .cud and the loose files; .cvd and .cld files not
# signed by ClamAV's keys, byte flips, cuts at every header field and tar
# block boundary, and each kind of manifest mismatch are refused with a
# reason naming the file, and nothing is scanned with part of the
# definitions; the container limits (--clamav-db-max-*, mdescan.conf)
# refuse a container naming the file and the limit.  (Signatures made
# with test keys through ClamAV's schemes are verified in
# tests/unit/test_cvd.c: no setting of mdescan trusts a key other than
# ClamAV's.)
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MK=$TOPSRC/tests/cli/mkcvd.py
S=$T/sigs
F=$T/files
mkdir -p "$S" "$F"
make_eicar "$F/eicar.com"
printf 'xx%sxx' 'Cvd-Test-Pattern-0123' >"$F/pattern.bin"
printf 'clean\n' >"$F/clean.txt"
printf '%s:68:Cvd.Test.Eicar\n' "$EICAR_MD5" >"$S/x.hdb"
printf 'Cvd.Test.Pattern:0:*:%s\n' "$(hex 'Cvd-Test-Pattern-0123')" \
	>"$S/x.ndb"

# scan_with DB: scan the test files with DB only; both found, the clean
# file not.
scan_with() {
	expect_exit 1 mds --no-cache --no-history --no-syslog -d "$1" "$F"
	expect_found "$F/eicar.com"
	expect_found "$F/pattern.bin"
	expect_not_found "$F/clean.txt"
}

# refused DB WHY: loading DB fails (exit 2), naming DB and WHY, and
# nothing is scanned.
refused() {
	expect_db_refused "$1" "$2" "$F"
}

step "good unofficial containers load and detect"
python3 "$MK" "$T/main.cvd" "$S/x.hdb" "$S/x.ndb"
python3 "$MK" --type cld --plain "$T/daily.cld" "$S/x.hdb" "$S/x.ndb"
python3 "$MK" --type cld "$T/gz.cld" "$S/x.hdb" "$S/x.ndb"
python3 "$MK" --type cud "$T/mk.cud" "$S/x.hdb" "$S/x.ndb"
python3 "$MK" --type cud --plain "$T/plain.cud" "$S/x.hdb" "$S/x.ndb"
for db in mk.cud plain.cud; do
	scan_with "$T/$db"
done
scan_with "$S"

step "official containers not signed by ClamAV's keys are refused"
refused "$T/main.cvd" "the header's signature does not verify with ClamAV's key"
refused "$T/daily.cld" "the .info has no DSIG line"
refused "$T/gz.cld" "the .info has no DSIG line"
python3 "$MK" --type cld --dsig abcdefgh "$T/sig1.cld" "$S/x.hdb" "$S/x.ndb"
refused "$T/sig1.cld" "the .info's DSIG does not verify with ClamAV's key"
python3 "$MK" --head-dsig "$(fill 171 Q)" --dsig "$(fill 342 Q)" \
	"$T/sig2.cvd" "$S/x.hdb" "$S/x.ndb"
refused "$T/sig2.cvd" "the header's signature does not verify"

step "a .cud from sigtool, and clamscan agrees on it and the loose files"
if command -v sigtool >/dev/null && command -v clamscan >/dev/null; then
	mkdir -p "$T/st"
	# sigtool counts the signatures of the files named like the database
	cp "$S/x.hdb" "$T/st/st.hdb"
	cp "$S/x.ndb" "$T/st/st.ndb"
	printf 'test copying\n' >"$T/st/COPYING"
	# sigtool asks for the version and the builder on its input
	(cd "$T/st" && printf '3\ntester\n' |
		timeout 120 sigtool --build=st.cud --unsigned) \
		>"$T/st.log" 2>&1 || { cat "$T/st.log"; fail "sigtool"; }
	scan_with "$T/st/st.cud"
	# an unsigned .cud and loose files are unofficial to clamscan: with
	# --unofficial-names, every name as clamscan writes it (hashes too)
	for db in "$T/st/st.cud" "$S"; do
		expect_exit 1 mds --no-cache --no-history --no-syslog \
			--unofficial-names -d "$db" "$F"
		grep ' FOUND$' "$OUT" | sort >"$T/mds.txt"
		timeout 300 clamscan --no-summary --infected -d "$db" "$F" |
			sort >"$T/clam.txt" || true
		grep -q '\.UNOFFICIAL FOUND$' "$T/clam.txt" ||
			fail "clamscan names no detection NAME.UNOFFICIAL"
		diff -u "$T/clam.txt" "$T/mds.txt" ||
			fail "clamscan disagrees on $db"
	done
else
	skip_note="sigtool or clamscan not installed"
	echo "# skipped: $skip_note"
fi

step "byte flips in the header, the body and the .info are refused"
flip() { # flip FILE OFFSET OUT
	python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[int(sys.argv[2])] ^= 0x01
open(sys.argv[3], "wb").write(b)' "$@"
}
# the header's fields (not the signature: its own check) and its padding
for at in 0 11 35 37 39 43 60 82 90 200 511; do
	flip "$T/main.cvd" "$at" "$T/f.cvd"
	expect_exit 2 mds --no-cache --no-history --no-syslog -d "$T/f.cvd" "$F"
	grep -qF "'$T/f.cvd': refused: " "$ERR" ||
		{ show_output; fail "flip at $at: no reason"; }
done
refused "$T/f.cvd" "header: bad build time in seconds field"
size=$(stat -c %s "$T/main.cvd")
for at in 512 520 $(((size + 512) / 2)) $((size - 1)); do
	flip "$T/main.cvd" "$at" "$T/f.cvd"
	refused "$T/f.cvd" "MD5 of the content differs"
done
# a .cld has no MD5: its tar headers, members and .info are checked
# (tar offsets: COPYING's header 0, the .info's 1024, its text 1536,
# x.hdb's header 2048, its text 2560)
for at in 530 $((512 + 148)) $((512 + 1536 + 20)) $((512 + 2560 + 3)); do
	flip "$T/daily.cld" "$at" "$T/f.cld"
	expect_exit 2 mds --no-cache --no-history --no-syslog -d "$T/f.cld" "$F"
	grep -qF "'$T/f.cld': refused: " "$ERR" ||
		{ show_output; fail "flip at $at: no reason"; }
done
flip "$T/daily.cld" $((512 + 148)) "$T/f.cld"
refused "$T/f.cld" "tar: bad header checksum at offset 0"
flip "$T/daily.cld" $((512 + 2560 + 3)) "$T/f.cld"
refused "$T/f.cld" "member 'x.hdb': SHA-256 differs from the .info's"
flip "$T/daily.cld" $((512 + 1536 + 20)) "$T/f.cld"
refused "$T/f.cld" "the .info's header differs from the container's in its build time"

step "cuts at every header field and tar block boundary are refused"
for spec in "main.cvd:" "daily.cld:--type cld --plain"; do
	db=${spec%%:*}
	# shellcheck disable=SC2086 # the options are words
	mkdir -p "$T/c"
	python3 "$MK" ${spec#*:} --cuts "$T/c/$db" "$S/x.hdb" "$S/x.ndb" \
		>"$T/cuts"
	cmp -s "$T/c/$db" "$T/$db" || fail "mkcvd.py is not repeatable"
	while read -r at; do
		head -c "$at" "$T/$db" >"$T/cut.${db#*.}"
		expect_exit 2 mds --no-cache --no-history --no-syslog \
			-d "$T/cut.${db#*.}" "$F"
		grep -qF "'$T/cut.${db#*.}': " "$ERR" ||
			{ show_output; fail "$db cut at $at: no reason"; }
	done <"$T/cuts"
done
head -c 3584 "$T/daily.cld" >"$T/cut.cld"
refused "$T/cut.cld" ".info lists 'x.ndb', which the container lacks"
head -c 4096 "$T/daily.cld" >"$T/cut.cld"
refused "$T/cut.cld" "tar: member 'x.ndb' cut short"

step "manifest mismatches are refused"
mk_bad() { python3 "$MK" --type cld --plain "$@" "$S/x.hdb" "$S/x.ndb"; }
mk_bad --unlisted x.ndb "$T/m1.cld"
refused "$T/m1.cld" "member 'x.ndb' is not in the .info"
mk_bad --phantom x.ldb "$T/m2.cld"
refused "$T/m2.cld" ".info lists 'x.ldb', which the container lacks"
mk_bad --bad-size x.hdb "$T/m3.cld"
refused "$T/m3.cld" "member 'x.hdb': 51 bytes, the .info says 52"
mk_bad --bad-sha x.ndb "$T/m4.cld"
refused "$T/m4.cld" "member 'x.ndb': SHA-256 differs from the .info's"
mk_bad --extra y.ndb "$T/m5.cld"
refused "$T/m5.cld" "member 'y.ndb' is not in the .info"

step "a .cvd and a .cld of one name are one database: the newer is loaded"
# unsigned, so the one loaded is refused for its signature: which one is
# what the messages say
# refused_in DIR DB WHY: loading DIR fails naming DB and WHY
refused_in() {
	expect_exit 2 mds --no-cache --no-history --no-syslog -d "$1" "$F"
	grep -qF "'$2': refused: $3" "$ERR" ||
		{ show_output; fail "no \"'$2': refused: $3\""; }
}
mkdir -p "$T/fc1" "$T/fc2" "$T/fc3"
python3 "$MK" --version 7 "$T/fc1/daily.cvd" "$S/x.hdb" "$S/x.ndb"
python3 "$MK" --version 5 --type cld "$T/fc1/daily.cld" "$S/x.hdb" "$S/x.ndb"
refused_in "$T/fc1" "$T/fc1/daily.cvd" "the header's signature does not verify"
grep -qF "$T/fc1/daily.cld: version 5, not newer than '$T/fc1/daily.cvd' (version 7): one database, not loaded" "$ERR" ||
	{ show_output; fail "the older .cld is not named"; }
python3 "$MK" --version 5 "$T/fc2/daily.cvd" "$S/x.hdb" "$S/x.ndb"
python3 "$MK" --version 7 --type cld "$T/fc2/daily.cld" "$S/x.hdb" "$S/x.ndb"
refused_in "$T/fc2" "$T/fc2/daily.cld" "the .info has no DSIG line"
# (daily.cld comes first and its refusal stops the load: the line that
# daily.cvd is passed over would come after)
grep -qF "'$T/fc2/daily.cvd'" "$ERR" && { show_output; fail "older loaded"; }
# equal versions: the .cld, as ClamAV
python3 "$MK" --version 7 "$T/fc3/daily.cvd" "$S/x.hdb" "$S/x.ndb"
python3 "$MK" --version 7 --type cld "$T/fc3/daily.cld" "$S/x.hdb" "$S/x.ndb"
refused_in "$T/fc3" "$T/fc3/daily.cld" "the .info has no DSIG line"

step "the container limits: options and mdescan.conf, refusals name the file"
lim() { # lim DB WHY OPTION...: DB refused with WHY under the options
	local db=$1 why=$2
	shift 2
	expect_exit 2 mds --no-cache --no-history --no-syslog "$@" -d "$db" "$F"
	grep -qF "'$db': refused: $why" "$ERR" ||
		{ show_output; fail "$*: no \"'$db': refused: $why\""; }
	grep -q 'FOUND\|: OK$' "$OUT" && { show_output; fail "$*: scanned"; }
	return 0
}
lim "$T/mk.cud" "more than 1 members (the limit)" --clamav-db-max-files 1
lim "$T/mk.cud" "member 'mk.info': " --clamav-db-max-file-size 20
grep -qF "bytes, more than the limit of 20" "$ERR" || { show_output; fail "file size limit"; }
lim "$T/mk.cud" "unpacks to more than 1024 bytes (the limit)" --clamav-db-max-size 1K
lim "$T/plain.cud" "4096 bytes of tar, more than the limit of 1024" --clamav-db-max-size 1K
printf 'clamav_db_max_files = 1\n' >"$T/lim.conf"
lim "$T/mk.cud" "more than 1 members (the limit)" --config "$T/lim.conf"
# the command line over the configuration; 0 is no limit
printf 'clamav_db_max_files = 0\nclamav_db_max_file_size = 0\nclamav_db_max_size = 0\n' \
	>"$T/nolim.conf"
expect_exit 1 mds --no-cache --no-history --no-syslog --config "$T/nolim.conf" \
	-d "$T/mk.cud" "$F"
expect_found "$F/eicar.com"
lim "$T/mk.cud" "more than 1 members (the limit)" --config "$T/nolim.conf" \
	--clamav-db-max-files 1
expect_exit 2 mds --clamav-db-max-files x -d "$T/mk.cud" "$F"
grep -q 'clamav-db-max-files' "$ERR" || { show_output; fail "a bad limit is not named"; }
# the daemons read the limits from the configuration too
MDESCAND=${MDESCAND:-$(dirname "$MDESCAN")/../mdescand/mdescand}
MDEWATCH=${MDEWATCH:-$(dirname "$MDESCAN")/../mdewatch/mdewatch}
expect_exit 2 timeout -k 5 60 "$MDESCAND" --config "$T/lim.conf" --no-syslog \
	--no-history --socket "$T/md.sock" -d "$T/mk.cud"
grep -qF "more than 1 members (the limit)" "$ERR" || { show_output; fail "mdescand: the limit not read"; }
expect_exit 2 timeout -k 5 60 "$MDEWATCH" --config "$T/lim.conf" --no-history \
	--mode block --path "$F" -d "$T/mk.cud"
grep -qF "more than 1 members (the limit)" "$ERR" || { show_output; fail "mdewatch: the limit not read"; }

step "a refused container in a directory refuses the whole load"
mkdir -p "$T/dir"
cp "$S/x.hdb" "$T/dir/"
cp "$T/m4.cld" "$T/dir/daily.cld"
refused "$T/dir/daily.cld" "member 'x.ndb': SHA-256 differs"
exit 0
