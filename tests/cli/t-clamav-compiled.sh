#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-clamav-compiled.sh - issue 18: a ClamAV database compiled once.  The
# first load of a .cud keeps it in the cache directory as
# clamdb-<name>-<key>.mdc; the next loads map that file.  Findings are
# the same with --no-cache (parsed), compiled and mapped, and the same as
# clamscan's, for file hashes (.hdb .hsb), PE section hashes (.mdb .msb),
# body signatures (.ndb) and allow lists; a damaged or cut compiled file
# is said and compiled again; a new version of the database is another
# file, and two per database name are kept; a compiled file that cannot
# be written changes nothing but a warning.  With --unofficial-names, a
# .cud's names are clamscan's (NAME.UNOFFICIAL, hashes too) and an
# official .cvd's are not suffixed, parsed, compiled and mapped alike.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MK=$TOPSRC/tests/cli/mkcvd.py
CAR=$TOPSRC/tests/carriers
S=$T/sigs
F=$T/files
C=$T/cache
mkdir -p "$S" "$F" "$C"
make_eicar "$F/eicar.com"
printf 'xx%sxx' 'Compiled-Test-Pattern-42' >"$F/pattern.bin"
printf 'a file known by its SHA-256\n' >"$F/sha.txt"
printf 'clean\n' >"$F/clean.txt"
printf 'section data of the first program, 0123456789\n' >"$T/data1"
printf 'section data of the other program, 9876543210\n' >"$T/data2"
python3 "$CAR/mkpe.py" --data "$T/data1" "$F/prog1.exe"
python3 "$CAR/mkpe.py" --pe64 --data "$T/data2" "$F/prog2.exe"
# a PE section's raw data: SIZE:MD5 (.mdb) and SIZE:SHA256 (.msb)
section() { # FILE NAME ALGO
	python3 - "$1" "$2" "$3" <<'EOF'
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read()
pe = struct.unpack_from('<I', d, 0x3c)[0]
nsec = struct.unpack_from('<H', d, pe + 6)[0]
opt = struct.unpack_from('<H', d, pe + 20)[0]
sec = pe + 24 + opt
for i in range(nsec):
    s = sec + 40 * i
    name = d[s:s + 8].rstrip(b'\0').decode()
    rsz, raw = struct.unpack_from('<II', d, s + 16)
    if name == sys.argv[2]:
        h = hashlib.new(sys.argv[3], d[raw:raw + rsz]).hexdigest()
        print('%d:%s' % (rsz, h))
        break
else:
    sys.exit('no section ' + sys.argv[2])
EOF
}
printf '%s:Comp.Test.Sect-1\n' "$(section "$F/prog1.exe" .data md5)" \
	>"$S/x.mdb"
printf '%s:Comp.Test.Sect-2:73\n' "$(section "$F/prog2.exe" .text sha256)" \
	>"$S/x.msb"
printf '%s:68:Comp.Test.Eicar\n' "$EICAR_MD5" >"$S/x.hdb"
printf '%s:%s:Comp.Test.Sha\n' "$(sha256sum <"$F/sha.txt" | cut -d' ' -f1)" \
	"$(wc -c <"$F/sha.txt")" >"$S/x.hsb"
printf 'Comp.Test.Pattern:0:*:%s\n' "$(hex 'Compiled-Test-Pattern-42')" \
	>"$S/x.ndb"
# many more hash signatures that match nothing, of the corpus' sizes
python3 - "$S" <<'EOF'
import random, sys
r = random.Random(18)
with open(sys.argv[1] + '/y.hsb', 'w') as f:
    for i in range(20000):
        f.write('%064x:%d:Comp.Noise.H-%d\n' % (r.getrandbits(256),
                                                r.randint(1, 5000), i))
with open(sys.argv[1] + '/y.mdb', 'w') as f:
    for i in range(20000):
        f.write('%d:%032x:Comp.Noise.S-%d\n' % (r.randint(1, 5000),
                                                r.getrandbits(128), i))
EOF
python3 "$MK" --type cud --version 3 "$T/main.cud" "$S"/x.* "$S"/y.*

found() { # the FOUND lines of the last run, sorted, names without suffix
	grep ' FOUND$' "$OUT" | sed 's/\.UNOFFICIAL FOUND$/ FOUND/' | sort
}
mdc() { # the compiled files in the cache directory
	find "$C" -name 'clamdb-*.mdc' | sort
}

step "parsed (--no-cache): every kind found, the clean file not"
expect_exit 1 mds --no-cache --no-history --no-syslog -d "$T/main.cud" "$F"
for f in eicar.com pattern.bin sha.txt prog1.exe prog2.exe; do
	expect_found "$F/$f"
done
expect_not_found "$F/clean.txt"
found >"$T/parsed.txt"
[ "$(wc -l <"$T/parsed.txt")" -eq 5 ] || fail "not 5 findings"
[ -z "$(mdc)" ] || fail "--no-cache wrote a compiled database"

if command -v clamscan >/dev/null; then
	step "clamscan agrees"
	timeout 300 clamscan --no-summary --infected -d "$T/main.cud" "$F" |
		sed 's/\.UNOFFICIAL FOUND$/ FOUND/' | sort >"$T/clam.txt" || true
	diff -u "$T/clam.txt" "$T/parsed.txt" || fail "clamscan disagrees"
fi

step "first load compiles: the same findings, one compiled file"
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/main.cud" "$F"
found | diff -u "$T/parsed.txt" - || fail "compiled findings differ"
[ "$(mdc | wc -l)" -eq 1 ] || fail "not one compiled file: $(mdc)"
M1=$(mdc)
case ${M1##*/} in
clamdb-main-[0-9a-f]*.mdc) ;;
*) fail "compiled file named ${M1##*/}" ;;
esac
ino1=$(stat -c %i "$M1")

step "second load maps it: the same findings, the file not written again"
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/main.cud" "$F"
found | diff -u "$T/parsed.txt" - || fail "mapped findings differ"
[ "$(stat -c %i "$M1")" = "$ino1" ] || fail "compiled again"
[ "$(mdc | wc -l)" -eq 1 ] || fail "another compiled file"
if grep -q 'compiled database' "$ERR"; then
	show_output
	fail "a warning about the compiled database"
fi

step "a byte flipped in its head: said, compiled again, the same findings"
printf '\xff' | dd of="$M1" bs=1 seek=200 conv=notrunc status=none
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/main.cud" "$F"
grep -q "${M1##*/}: compiled database not used: its checksum does not match" \
	"$ERR" || { show_output; fail "no warning for the flipped byte"; }
found | diff -u "$T/parsed.txt" - || fail "findings differ after a flip"
[ "$(stat -c %i "$M1")" != "$ino1" ] || fail "not compiled again"

step "cut short: said, compiled again, the same findings"
truncate -s 4000 "$M1"
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/main.cud" "$F"
grep -q "compiled database not used: cut short or overlong" "$ERR" ||
	{ show_output; fail "no warning for the cut"; }
found | diff -u "$T/parsed.txt" - || fail "findings differ after a cut"
[ "$(stat -c %s "$M1")" -gt 4000 ] || fail "not compiled again"

step "the same bytes under another directory: the same compiled file"
mkdir -p "$T/other"
cp "$T/main.cud" "$T/other/main.cud"
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/other/main.cud" "$F"
[ "$(mdc)" = "$M1" ] || fail "another compiled file: $(mdc)"

step "new versions: each its own file, two kept per database"
printf 'Comp.Test.Clean:0:*:%s\n' "$(hex 'clean')" >"$T/v4.ndb"
python3 "$MK" --type cud --version 4 "$T/main.cud" "$S"/x.* "$S"/y.* \
	"$T/v4.ndb"
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/main.cud" "$F"
expect_found "$F/clean.txt"
[ "$(mdc | wc -l)" -eq 2 ] || fail "not two compiled files: $(mdc)"
python3 "$MK" --type cud --version 5 "$T/main.cud" "$S"/x.* "$S"/y.*
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/main.cud" "$F"
expect_not_found "$F/clean.txt"
found | diff -u "$T/parsed.txt" - || fail "version 5 findings differ"
[ "$(mdc | wc -l)" -eq 2 ] || fail "not two compiled files: $(mdc)"
[ ! -e "$M1" ] || fail "the oldest was kept"
# another database name keeps its own two
python3 "$MK" --type cud --version 1 "$T/daily.cud" "$S/x.hdb"
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/daily.cud" "$F"
[ "$(mdc | wc -l)" -eq 3 ] || fail "daily's pruned main's: $(mdc)"
[ "$(find "$C" -name 'clamdb-daily-*.mdc' | wc -l)" -eq 1 ] ||
	fail "no compiled daily"

step "two databases at once: both mapped, the findings of both"
expect_exit 1 mds --cache-dir "$C" --no-history --no-syslog \
	-d "$T/main.cud" -d "$T/daily.cud" "$F"
found | sed 's/Comp.Test.Eicar/EICAR/' | sort -u >"$T/both.txt"
sed 's/Comp.Test.Eicar/EICAR/' "$T/parsed.txt" | diff -u - "$T/both.txt" ||
	fail "findings of two databases differ"

step "a compiled file that cannot be written: a warning, the same findings"
key=$(mdc | grep -m1 clamdb-main- | sed 's/.*clamdb-main-//; s/\.mdc$//')
python3 "$MK" --type cud --version 6 "$T/main.cud" "$S"/x.* "$S"/y.*
rm -f "$C"/clamdb-main-*.mdc
mkdir -p "$T/ro"
# the cache directory holds a directory where the file would go
expect_exit 1 mds --cache-dir "$T/ro" --no-history --no-syslog \
	-d "$T/main.cud" "$F"
M6=$(find "$T/ro" -name 'clamdb-main-*.mdc')
rm -f "$M6"
mkdir "$M6"
: >"$M6/x"
expect_exit 1 mds --cache-dir "$T/ro" --no-history --no-syslog \
	-d "$T/main.cud" "$F"
grep -q "cannot keep the compiled database" "$ERR" ||
	{ show_output; fail "no warning for the unwritable file"; }
found | diff -u "$T/parsed.txt" - || fail "findings differ, not written"
[ -n "$key" ] || fail "no key"

# names NAME...: the FOUND lines of the last run as they are, sorted
names() {
	grep ' FOUND$' "$OUT" | sort
}
# thrice DB ARGS...: --no-cache, then compiling into $T/cu, then mapping
# from there, each with --unofficial-names; the names of each run must
# be the first's, kept in $T/names.txt
thrice() {
	local how
	rm -rf "$T/cu"
	mkdir -p "$T/cu"
	for how in --no-cache "--cache-dir $T/cu" "--cache-dir $T/cu"; do
		# shellcheck disable=SC2086 # the option and its argument
		expect_exit 1 mds $how --no-history --no-syslog \
			--unofficial-names "$@" "$F"
		if [ "$how" = --no-cache ]; then
			names >"$T/names.txt"
		else
			names | diff -u "$T/names.txt" - ||
				fail "$how: not named as when parsed"
		fi
	done
	[ -n "$(find "$T/cu" -name 'clamdb-*.mdc')" ] || fail "not compiled"
}

step "--unofficial-names, a .cud: parsed, compiled and mapped as clamscan"
mkdir -p "$T/u"
python3 "$MK" --type cud --version 3 "$T/u/main.cud" "$S"/x.* "$S"/y.*
sleep 0.2 # older than a tick: stamped
thrice -d "$T/u/main.cud"
[ "$(grep -c '\.UNOFFICIAL FOUND$' "$T/names.txt")" -eq 5 ] ||
	fail "not every name of the .cud suffixed"
if command -v clamscan >/dev/null; then
	timeout 300 clamscan --no-summary --infected -d "$T/u/main.cud" "$F" |
		sort >"$T/clam.txt" || true
	diff -u "$T/clam.txt" "$T/names.txt" || fail "clamscan names otherwise"
fi
# the same compiled file without the switch: the names as written
expect_exit 1 mds --cache-dir "$T/cu" --no-history --no-syslog \
	-d "$T/u/main.cud" "$F"
names | diff -u "$T/parsed.txt" - || fail "suffixed without the switch"

if command -v openssl >/dev/null; then
	# shellcheck source=clamsign-lib.sh
	. "$(dirname "$0")/clamsign-lib.sh"
	step "an official .cvd: no suffix; a loose hash of its name: suffixed"
	mkdir -p "$T/o" "$T/ca" "$T/certs" "$T/l"
	ca "$T/ca" "mdescan test CA"
	signer "$T/ca" "mdescan test signer"
	cp "$T/ca/ca.crt" "$T/certs/test-ca.crt"
	python3 "$MK" --version 9 "$T/o/main.cvd" "$S"/x.* "$S"/y.*
	sign "$T/o/main.cvd" "$T/o/main-9.cvd.sign"
	printf 'a file known by a loose hash list\n' >"$F/loose.txt"
	printf '%s:%s:Comp.Test.Eicar\n' \
		"$(md5sum <"$F/loose.txt" | cut -d' ' -f1)" \
		"$(wc -c <"$F/loose.txt")" >"$T/l/l.hdb"
	sleep 0.2
	thrice --clamav-certs "$T/certs" -d "$T/o/main.cvd" -d "$T/l/l.hdb"
	{
		cat "$T/parsed.txt"
		echo "$F/loose.txt: Comp.Test.Eicar.UNOFFICIAL FOUND"
	} | sort | diff -u - "$T/names.txt" ||
		fail "official names suffixed, or the loose one not"
	rm -f "$F/loose.txt"
fi

exit 0
