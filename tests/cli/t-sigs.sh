#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-sigs.sh - custom definitions through -d: ClamAV .hdb/.hsb hash
# signatures, plain hash lists, .ndb body signatures (offsets and hex
# features), diagnostics for bad lines, -d replacing the built-ins, and the
# stage names in JSON.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DB=$T/db		# -d directory
F=$T/files		# files to scan
mkdir -p "$DB" "$F"

# put NAME TEXT...: write the concatenated TEXTs to $F/NAME.
put() {
	local n=$1
	shift
	printf '%s' "$@" >"$F/$n"
}

md5() { md5sum <"$1" | cut -d' ' -f1; }
sha1() { sha1sum <"$1" | cut -d' ' -f1; }
sha256() { sha256sum <"$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# ---------------------------------------------------------- hash signatures

put h-md5 "mdescan md5 positive sample\n"
put h-md5-neg "mdescan md5 negative sample\n"	# same size, other bytes
put h-md5-size "mdescan md5 size mismatch\n"
put h-sha1 "mdescan sha1 positive sample\n"
put h-sha1-neg "mdescan sha1 negative sample\n"
put h-sha256 "mdescan sha256 positive sample\n"
put h-sha256-neg "mdescan sha256 negative sample\n"
put h-wild "mdescan wildcard size sample\n"
put h-wild-md5 "mdescan wildcard md5 sample\n"
put h-list "mdescan plain sha256 list sample\n"
put h-list2 "mdescan sha256sum format sample\n"
put h-extra "mdescan second -d file sample\n"
put h-upper "mdescan upper-case crlf sample\n"

[ "$(size "$F/h-md5")" = "$(size "$F/h-md5-neg")" ] || fail "fixture sizes differ"
[ "$(size "$F/h-sha1")" = "$(size "$F/h-sha1-neg")" ] || fail "fixture sizes differ"

{
	echo "$(md5 "$F/h-md5"):$(size "$F/h-md5"):Test.Hdb.Md5"
	# right digest, wrong size: must not match
	echo "$(md5 "$F/h-md5-size"):$(($(size "$F/h-md5-size") + 1)):Test.Hdb.WrongSize"
	echo "$(md5 "$F/h-wild-md5"):*:Test.Hdb.WildMd5:73"
	# upper-case digest, CRLF line end
	printf '%s:%s:Test.Hdb.UpperCrlf\r\n' "$(md5 "$F/h-upper" | tr a-f A-F)" "$(size "$F/h-upper")"
} >"$DB/test.hdb"
{
	echo "$(sha1 "$F/h-sha1"):$(size "$F/h-sha1"):Test.Hsb.Sha1"
	echo "$(sha256 "$F/h-sha256"):$(size "$F/h-sha256"):Test.Hsb.Sha256"
	echo "$(sha256 "$F/h-wild"):*:Test.Hsb.Wild:73"
} >"$DB/test.hsb"
{
	echo "# a plain list of SHA-256 digests"
	sha256 "$F/h-list"
	echo "$(sha256 "$F/h-list2")  some-file-name"
} >"$DB/list.sha256"
# a second -d argument that is a single file
echo "$(sha256 "$F/h-extra"):$(size "$F/h-extra"):Test.Extra.Sha256" >"$T/extra.hsb"

# ---------------------------------------------------------- body signatures

# ndb NAME OFFSET HEXSIG: one .ndb line, target 0 (any file).
NDB=$DB/test.ndb
: >"$NDB"
ndb() {
	printf '%s:0:%s:%s\n' "$1" "$2" "$3" >>"$NDB"
}

# offset *
ndb Test.Ndb.Star '*' "$(hex QZSTARMARK1)"
put b-star "$(fill 40)QZSTARMARK1$(fill 40)"
put b-star-neg "$(fill 40)QZSTARMARX1$(fill 40)"
# offset n: starts exactly at byte 16
ndb Test.Ndb.Off 16 "$(hex QZOFFMARK)"
put b-off "$(fill 16)QZOFFMARK$(fill 8)"
put b-off-neg "$(fill 17)QZOFFMARK$(fill 8)"
put b-off-neg2 "$(fill 15)QZOFFMARK$(fill 8)"
# offset n,shift: starts somewhere in [16, 24]
ndb Test.Ndb.Shift 16,8 "$(hex QZSHIFTMK)"
put b-shift "$(fill 20)QZSHIFTMK$(fill 8)"
put b-shift-neg "$(fill 25)QZSHIFTMK$(fill 8)"
put b-shift-neg2 "$(fill 10)QZSHIFTMK$(fill 8)"
# offset EOF-n: starts n bytes before the end
ndb Test.Ndb.Eof EOF-20 "$(hex QZEOFMARK)"
put b-eof "$(fill 30)QZEOFMARK$(fill 11)"
put b-eof-neg "$(fill 30)QZEOFMARK$(fill 12)"
# offset EOF-n,shift: starts from n bytes before the end to shift later
ndb Test.Ndb.EofShift EOF-30,6 "$(hex QZEOFSHFT)"
put b-eofshift "$(fill 30)QZEOFSHFT$(fill 17)"	# starts at EOF-26
put b-eofshift-neg "$(fill 30)QZEOFSHFT$(fill 22)"	# starts at EOF-31
put b-eofshift-neg2 "$(fill 30)QZEOFSHFT$(fill 14)"	# starts at EOF-23
# ?? : exactly one byte
ndb Test.Ndb.AnyByte '*' "$(hex QZANYA)??$(hex QZANYB)"
put x-anybyte "$(fill 5)QZANYA!QZANYB$(fill 5)"
put x-anybyte-neg "$(fill 5)QZANYA!!QZANYB$(fill 5)"
# a? : high nibble fixed
ndb Test.Ndb.HighNib '*' "$(hex QZHIGHA)4?$(hex QZHIGHB)"
put x-highnib "$(fill 5)QZHIGHAKQZHIGHB$(fill 5)"
put x-highnib-neg "$(fill 5)QZHIGHAkQZHIGHB$(fill 5)"
# ?a : low nibble fixed
ndb Test.Ndb.LowNib '*' "$(hex QZLOWA)?7$(hex QZLOWB)"
put x-lownib "$(fill 5)QZLOWAgQZLOWB$(fill 5)"
put x-lownib-neg "$(fill 5)QZLOWAXQZLOWB$(fill 5)"
# * : any number of bytes
ndb Test.Ndb.Wild '*' "$(hex QZWILDA)*$(hex QZWILDB)"
put x-wild "QZWILDA$(fill 300)QZWILDB"
put x-wild-neg "QZWILDB$(fill 300)QZWILDA"
# {n} : exactly n bytes
ndb Test.Ndb.Fixed '*' "$(hex QZFIXA){4}$(hex QZFIXB)"
put x-fixed "$(fill 5)QZFIXA1234QZFIXB$(fill 5)"
put x-fixed-neg "$(fill 5)QZFIXA12345QZFIXB$(fill 5)"
put x-fixed-neg2 "$(fill 5)QZFIXA123QZFIXB$(fill 5)"
# {n-m} : n to m bytes
ndb Test.Ndb.Range '*' "$(hex QZRNGA){2-4}$(hex QZRNGB)"
put x-range "$(fill 5)QZRNGA123QZRNGB$(fill 5)"
put x-range-neg "$(fill 5)QZRNGA123456QZRNGB$(fill 5)"
put x-range-neg2 "$(fill 5)QZRNGA1QZRNGB$(fill 5)"
# {-n} : up to n bytes
ndb Test.Ndb.UpTo '*' "$(hex QZUPTA){-3}$(hex QZUPTB)"
put x-upto "$(fill 5)QZUPTA12QZUPTB$(fill 5)"
put x-upto-neg "$(fill 5)QZUPTA12345QZUPTB$(fill 5)"
# {n-} : at least n bytes
ndb Test.Ndb.AtLeast '*' "$(hex QZMINA){3-}$(hex QZMINB)"
put x-atleast "$(fill 5)QZMINA$(fill 50 x)QZMINB$(fill 5)"
put x-atleast-neg "$(fill 5)QZMINA1QZMINB$(fill 5)"
# (aa|bb) : alternatives
ndb Test.Ndb.Alt '*' "$(hex QZALTA)(41|42)$(hex QZALTB)"
put x-alt "$(fill 5)QZALTABQZALTB$(fill 5)"
put x-alt2 "$(fill 5)QZALTAAQZALTB$(fill 5)"
put x-alt-neg "$(fill 5)QZALTACQZALTB$(fill 5)"

# [n-m] : the same as {n-m}
ndb Test.Ndb.Bracket '*' "$(hex QZBRKA)[1-2]$(hex QZBRKB)"
put x-bracket "$(fill 5)QZBRKA1QZBRKB$(fill 5)"
put x-bracket-neg "$(fill 5)QZBRKA123QZBRKB$(fill 5)"
# alternatives of different lengths, with ?? and a nibble wildcard
ndb Test.Ndb.AltMixed '*' "$(hex QZAMXA)(4142|43??44|?9)$(hex QZAMXB)"
put x-altmixed "$(fill 5)QZAMXAC!DQZAMXB$(fill 5)"
put x-altmixed2 "$(fill 5)QZAMXAIQZAMXB$(fill 5)"
put x-altmixed-neg "$(fill 5)QZAMXAACQZAMXB$(fill 5)"
# upper-case hex digits and a CRLF line end
printf 'Test.Ndb.UpperCrlf:0:*:%s\r\n' "$(hex QZUPPERCRLF | tr a-f A-F)" >>"$NDB"
put x-uppercrlf "$(fill 5)QZUPPERCRLF$(fill 5)"

# ---------------------------------------------------------- YARA stage name

cat >"$DB/stage.yar" <<'EOF'
rule Test_Yara_Stage
{
    strings:
        $m = "QZYARASTAGEMARKER"
    condition:
        $m
}
EOF
put y-stage "$(fill 5)QZYARASTAGEMARKER$(fill 5)"

# the definitions must not match plain text
put clean.txt "an ordinary clean file\n"

# ---------------------------------------------------------- run: text

step "-d DIR -d FILE, text output"
expect_exit 1 mds -d "$DB" -d "$T/extra.hsb" "$F"
out_has_line "$F/h-md5: Test.Hdb.Md5 FOUND"
out_has_line "$F/b-star: Test.Ndb.Star FOUND"
out_has_line "$F/h-extra: Test.Extra.Sha256 FOUND"
out_has_line "$F/clean.txt: OK"
out_has_line "$F/h-md5-neg: OK"
if grep -q '^mdescan: ' "$ERR"; then show_output; fail "definition warnings for valid definitions"; fi

# ---------------------------------------------------------- run: JSON

step "-d DIR -d FILE, JSON: each signature matches its positive file only"
expect_exit 1 mds --json -d "$DB" -d "$T/extra.hsb" "$F"

# pos FILE NAME STAGE: FILE has a finding NAME from STAGE.
NPOS=0
pos() {
	NPOS=$((NPOS + 1))
	jcheck 1 type=finding "path=$F/$1" "name=$2" "stage=$3"
}
# neg FILE: FILE has no finding at all.
neg() {
	jcheck 0 type=finding "path=$F/$1"
}

pos h-md5 Test.Hdb.Md5 hash
neg h-md5-neg
neg h-md5-size
pos h-sha1 Test.Hsb.Sha1 hash
neg h-sha1-neg
pos h-sha256 Test.Hsb.Sha256 hash
neg h-sha256-neg
pos h-wild Test.Hsb.Wild hash
pos h-wild-md5 Test.Hdb.WildMd5 hash
jcheck 1 type=finding "path=$F/h-list" stage=hash
jcheck 1 type=finding "path=$F/h-list2" stage=hash
NPOS=$((NPOS + 2))
pos h-extra Test.Extra.Sha256 hash
pos h-upper Test.Hdb.UpperCrlf hash

pos b-star Test.Ndb.Star bytes
neg b-star-neg
pos b-off Test.Ndb.Off bytes
neg b-off-neg
neg b-off-neg2
pos b-shift Test.Ndb.Shift bytes
neg b-shift-neg
neg b-shift-neg2
pos b-eof Test.Ndb.Eof bytes
neg b-eof-neg
pos b-eofshift Test.Ndb.EofShift bytes
neg b-eofshift-neg
neg b-eofshift-neg2
pos x-anybyte Test.Ndb.AnyByte bytes
neg x-anybyte-neg
pos x-highnib Test.Ndb.HighNib bytes
neg x-highnib-neg
pos x-lownib Test.Ndb.LowNib bytes
neg x-lownib-neg
pos x-wild Test.Ndb.Wild bytes
neg x-wild-neg
pos x-fixed Test.Ndb.Fixed bytes
neg x-fixed-neg
neg x-fixed-neg2
pos x-range Test.Ndb.Range bytes
neg x-range-neg
neg x-range-neg2
pos x-upto Test.Ndb.UpTo bytes
neg x-upto-neg
pos x-atleast Test.Ndb.AtLeast bytes
neg x-atleast-neg
pos x-alt Test.Ndb.Alt bytes
pos x-alt2 Test.Ndb.Alt bytes
neg x-alt-neg
pos x-bracket Test.Ndb.Bracket bytes
neg x-bracket-neg
pos x-altmixed Test.Ndb.AltMixed bytes
pos x-altmixed2 Test.Ndb.AltMixed bytes
neg x-altmixed-neg
pos x-uppercrlf Test.Ndb.UpperCrlf bytes

pos y-stage Test_Yara_Stage yara
neg clean.txt

# one finding per positive file, nothing else
jcheck "$NPOS" type=finding
jcheck 1 type=summary "findings=$NPOS" "infected=$NPOS" exit_code=1
jflush

# ---------------------------------------------------------- diagnostics

step "malformed .hdb line: reported with file:line, other lines still load"
B=$T/bad
mkdir -p "$B"
put d-ok1 "mdescan bad-hdb first good line\n"
put d-ok2 "mdescan bad-hdb second good line\n"
{
	echo "# comment line"
	echo "$(md5 "$F/d-ok1"):$(size "$F/d-ok1"):Test.Bad.Ok1"
	echo "zz-not-hex:12:Test.Bad.Malformed"
	echo "$(md5 "$F/d-ok2"):$(size "$F/d-ok2"):Test.Bad.Ok2"
} >"$B/bad.hdb"
expect_exit 1 mds -d "$B/bad.hdb" "$F/d-ok1" "$F/d-ok2" "$F/clean.txt"
grep -Eq '^mdescan: .*bad\.hdb:3: ' "$ERR" ||
	{ show_output; fail "no 'mdescan: .../bad.hdb:3: ...' warning on stderr"; }
out_has_line "$F/d-ok1: Test.Bad.Ok1 FOUND"
out_has_line "$F/d-ok2: Test.Bad.Ok2 FOUND"

step "bad .ndb lines: reported by name, the rest works (EP+0 and target 3 load)"
U=$T/unsup
mkdir -p "$U"
{
	printf 'Test.Ndb.UnsupOk1:0:*:%s\n' "$(hex QZUNSUPOKA)"
	printf 'Test.Ndb.BadTarget:15:*:4d5a90000300\n'
	printf 'Test.Ndb.UnsupOk2:0:*:%s\n' "$(hex QZUNSUPOKB)"
	printf 'Test.Ndb.LeadingStar:0:*:*%s\n' "$(hex QZLEADSTAR)"
	printf 'Test.Ndb.HtmlTarget:3:*:%s\n' "$(hex QZHTMLTGT)"
	printf 'Test.Ndb.EntryPoint:1:EP+0:4d5a90000300\n'
} >"$U/unsup.ndb"
put u-ok1 "$(fill 5)QZUNSUPOKA$(fill 5)"
put u-ok2 "$(fill 5)QZUNSUPOKB$(fill 5)"
expect_exit 1 mds -d "$U" "$F/u-ok1" "$F/u-ok2"
grep -Eq '^mdescan: .*unsup\.ndb:2: Test\.Ndb\.BadTarget: .+' "$ERR" ||
	{ show_output; fail "no 'mdescan: .../unsup.ndb:2: Test.Ndb.BadTarget: ...' warning"; }
grep -Eq '^mdescan: .*unsup\.ndb:4: Test\.Ndb\.LeadingStar: .+' "$ERR" ||
	{ show_output; fail "no warning for a signature starting with a wildcard (unsup.ndb:4)"; }
grep -Eq 'unsup\.ndb:(5|6): ' "$ERR" &&
	{ show_output; fail "target 3 and EP+0 are ClamAV features now: no warning"; }
out_has_line "$F/u-ok1: Test.Ndb.UnsupOk1 FOUND"
out_has_line "$F/u-ok2: Test.Ndb.UnsupOk2 FOUND"

step "definition warnings do not change the exit status"
expect_exit 0 mds -d "$U" -d "$B/bad.hdb" "$F/clean.txt"
out_has_line "$F/clean.txt: OK"
grep -Eq '^mdescan: .*unsup\.ndb:2: Test\.Ndb\.BadTarget: ' "$ERR" || { show_output; fail "warning missing"; }
grep -Eq '^mdescan: .*bad\.hdb:3: ' "$ERR" || { show_output; fail "warning missing"; }

# ---------------------------------------------------------- -d replaces built-ins

step "-d replaces the built-in definitions: EICAR not found"
make_eicar "$T/eicar.com"
expect_exit 0 mds -d "$DB/test.hdb" "$T/eicar.com"
out_has_line "$T/eicar.com: OK"
expect_exit 1 mds -d "$DB/test.hdb" "$T/eicar.com" "$F/h-md5"
out_has_line "$F/h-md5: Test.Hdb.Md5 FOUND"
step "without -d the built-ins find it"
expect_exit 1 mds "$T/eicar.com"

step "gaps larger than 256 bytes: loaded fast, matched exactly at their bounds"
G=$T/biggap
mkdir -p "$G/s" "$G/f"
printf 'Big:0:*:a1b2{1000-1200}c3d4\nBig.Nib:0:*:a?b?{0-10000}c?d?\n' >"$G/s/t.ndb"
python3 - "$G/f" <<'PY'
import sys
d = sys.argv[1]
for n in (999, 1000, 1200, 1201):
    open('%s/g%d' % (d, n), 'wb').write(b'\xa1\xb2' + b'\0' * n + b'\xc3\xd4')
open(d + '/near', 'wb').write(b'\xa5\xbf' + b'x' * 10000 + b'\xc0\xdf')
open(d + '/far', 'wb').write(b'\xa5\xbf' + b'x' * 10001 + b'\xc0\xdf')
PY
start=$SECONDS
expect_exit 1 mds -z --no-cache -d "$G/s" -i --no-summary "$G/f"
[ $((SECONDS - start)) -lt 10 ] || fail "large gaps took $((SECONDS - start)) s to load"
for want in g1000 g1200; do out_has_line "$G/f/$want: Big FOUND"; done
for never in g999 g1201; do out_lacks "$G/f/$never: Big FOUND"; done
out_has_line "$G/f/near: Big.Nib FOUND"
out_lacks "$G/f/far: Big.Nib FOUND"

exit 0
