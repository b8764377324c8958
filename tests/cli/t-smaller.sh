#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-smaller.sh - issue 16 item 13, the smaller points, each with the
# command that showed it:
#  a) `definitions status --json` says what scans use (in_use) and where
#     the store is, never "store":"installed";
#  b) a downgrade is refused with one "refused:", not two;
#  c) sources and paths are recorded absolute and canonical (definitions
#     installed from a relative path; a scan of ./a);
#  d) --max-age 0 is 0 days for definitions status, health and
#     definitions_max_age_days alike;
#  e) a binary junk .ndb line is quoted escaped and bounded;
#  f) a bad .yarc says why in words and names the file;
#  g) allowed-threat errors name an allowed threat, not an exclusion;
#  h) scan_id is a number in threat list and threat quarantine list;
#  i) text times have their zone;
#  j) an allowed or audited file gets one verdict, not OK as well;
#  k) rollback goes back through the versions installed, and --builtin
#     returns to the built-in definitions;
#  l) mdescan(1) says members are extracted and names MDESCAN_CONF and
#     MDESCAN_HISTORY_DB;
#  m) --config MISSING is an error naming the file; a missing default
#     configuration is an empty one, as mdescan.conf(5) says.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@"; }
RT=$(cd "$T" && pwd -P) # $T as its canonical path
ST=$T/store K=$T/k.pub
defs() { mds definitions "$@" --store "$ST" --keys "$K"; }

expect_exit 0 sig keygen -o "$T/k"
mkdir -p "$T/src" "$T/files"
cp "$TOPSRC/sigdb/eicar.hsb" "$T/src/"
for v in 1 2 3; do
	expect_exit 0 sig build --version "$v" --key "$T/k.sec" -o "$T/v$v.mdb" "$T/src"
done

step "a) definitions status --json: in_use and the store's path"
expect_exit 0 mds definitions status --json --store "$T/empty-store"
jq -e '.in_use == "builtin" and .store == "'"$RT"'/empty-store"' "$OUT" >/dev/null ||
	{ show_output; fail "status of no store"; }
# c) installed from a relative path: recorded absolute
(cd "$T" && expect_exit 0 mds definitions update --store store --keys k.pub --from ./v1.mdb) ||
	fail "update from ./v1.mdb"
expect_exit 0 defs status --json
jq -e '.in_use == "installed" and .store == "'"$RT"'/store" and .version == 1' "$OUT" >/dev/null ||
	{ show_output; fail "status of v1"; }
grep -q '"store":"installed"' "$OUT" && { show_output; fail '"store":"installed" is back'; }
step "c) the source is recorded absolute"
jq -e '.source == "'"$RT"'/v1.mdb"' "$OUT" >/dev/null || { show_output; fail "relative source"; }

step "b) refused: version 1 is older, said once"
expect_exit 0 defs update --from "$T/v2.mdb"
expect_exit 2 defs update --from "$T/v1.mdb"
grep -q 'refused: version 1 is older than the installed version 2' "$ERR" ||
	{ show_output; fail "no refusal"; }
grep -q 'refused: refused' "$ERR" && { show_output; fail "refused: twice"; }

step "k) rollback goes back through history, then --builtin"
expect_exit 0 defs update --from "$T/v3.mdb"
expect_exit 0 defs rollback
grep -q 'rolled back: version 2' "$OUT" || { show_output; fail "rollback to 2"; }
expect_exit 0 defs rollback
grep -q 'rolled back: version 1' "$OUT" || { show_output; fail "rollback to 1 (toggled?)"; }
expect_exit 2 defs rollback
grep -q "no older definitions.*rollback --builtin" "$ERR" || { show_output; fail "end of history"; }
expect_exit 0 defs status --json
jq -e '.version == 1' "$OUT" >/dev/null || { show_output; fail "a refused rollback changed the version"; }
expect_exit 0 defs rollback --builtin
expect_exit 0 defs status --json
jq -e '.in_use == "builtin" and .definitions_status == "unavailable"' "$OUT" >/dev/null ||
	{ show_output; fail "not back to the built-in definitions"; }
make_eicar "$T/files/eicar.com"
expect_exit 1 mds --no-cache --no-history --store "$ST" --keys "$K" "$T/files/eicar.com"
expect_exit 0 defs update --from "$T/v3.mdb"
expect_exit 0 defs status --json
jq -e '.version == 3 and .in_use == "installed"' "$OUT" >/dev/null || { show_output; fail "update after --builtin"; }

step "d) --max-age 0: zero days, for every verb and the configuration"
sleep 1.1 # the bundle was built at least a second ago
expect_exit 0 defs status --json --max-age 0
jq -e '.definitions_status == "out_of_date"' "$OUT" >/dev/null || { show_output; fail "status --max-age 0"; }
expect_exit 1 mds health --json --store "$ST" --keys "$K" --max-age 0
jq -e '.definitions_status == "out_of_date"' "$OUT" >/dev/null || { show_output; fail "health --max-age 0"; }
printf 'definitions_max_age_days = 0\nstore = %s\nkeys = %s\n' "$ST" "$K" >"$T/age0.conf"
expect_exit 0 mds definitions status --json --config "$T/age0.conf"
jq -e '.definitions_status == "out_of_date"' "$OUT" >/dev/null || { show_output; fail "definitions_max_age_days = 0"; }
expect_exit 0 defs status --json --max-age 1
jq -e '.definitions_status == "up_to_date"' "$OUT" >/dev/null || { show_output; fail "--max-age 1"; }

step "e) a binary junk .ndb line is escaped and bounded"
printf 'clean\n' >"$T/files/a.txt"
printf 'Bad\001\033[31mRED:0:*:41\377\n' >"$T/junk.ndb"
python3 -c 'import sys; sys.stdout.buffer.write(b"Long." + b"\xff\x1b" * 3000 + b":0:*:zz\n")' >"$T/long.ndb"
expect_exit 2 mds --no-cache --no-history -d "$T/junk.ndb" -d "$T/long.ndb" "$T/files/a.txt"
grep -q $'\033' "$ERR" && { show_output; fail "an escape character reached stderr"; }
grep -q $'[\001\377]' "$ERR" && { show_output; fail "a raw byte reached stderr"; }
grep -Fq 'junk.ndb:1: Bad\x01\x1b[31mRED' "$ERR" || { show_output; fail "the bad line is not quoted escaped"; }
awk 'length($0) > 2000 { exit 1 }' "$ERR" || { show_output; fail "a message longer than 2000 bytes"; }

step "f) a bad .yarc: the file and the reason in words"
printf 'junk' >"$T/bad.yarc"
expect_exit 2 mds --no-cache --no-history -d "$T/bad.yarc" "$T/files/a.txt"
grep -q "$T/bad.yarc.*not a compiled YARA rules file" "$ERR" || { show_output; fail "yarc error"; }

step "g) allowed-threat errors say allowed threat"
expect_exit 2 mds threat allowed add 'bad name' --config "$T/allowed.conf"
grep -q 'invalid allowed threat' "$ERR" || { show_output; fail "allowed-threat error"; }
grep -q 'exclusion' "$ERR" && { show_output; fail "an allowed threat called an exclusion"; }
expect_exit 2 mds threat allowed remove Foo --config "$T/none.conf"
grep -q "'Foo' is not allowed" "$ERR" || { show_output; fail "remove of a missing allowed threat"; }

step "c) h) a scan of ./eicar.com: absolute paths, scan_id a number everywhere"
DB=$T/h.db V=$T/vault
cp "$T/files/eicar.com" "$T/files/q.com"
(cd "$T/files" && expect_exit 1 mds --no-cache --history-db "$DB" --quarantine-dir "$V" --action quarantine ./q.com) ||
	fail "scan of ./q.com"
expect_exit 0 mds scan list --json --history-db "$DB"
jq -e '.[0].paths == ["'"$RT"'/files/q.com"]' "$OUT" >/dev/null || { show_output; fail "scan path not absolute"; }
expect_exit 0 mds threat list --json --history-db "$DB"
jq -e '.[0].path == "'"$RT"'/files/q.com" and (.[0].scan_id | type) == "number"' "$OUT" >/dev/null ||
	{ show_output; fail "threat path or scan_id"; }
sid=$(jq '.[0].scan_id' "$OUT")
expect_exit 0 mds threat quarantine list --json --quarantine-dir "$V"
jq -e '.scan_id == '"$sid" "$OUT" >/dev/null || { show_output; fail "quarantine list scan_id is not the number $sid"; }

step "i) text times have their zone"
TZ=UTC0 expect_exit 0 mds scan list --history-db "$DB"
grep -Eq ' [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00 ' "$OUT" || { show_output; fail "scan list time"; }
TZ=EST5 expect_exit 0 mds threat get 1 --history-db "$DB"
grep -Eq '^Detected: +[0-9-]{10}T[0-9:]{8}-05:00$' "$OUT" || { show_output; fail "threat get time"; }

step "j) one verdict a file: ALLOWED or AUDIT, not OK as well"
printf 'allowed-only-content\n' >"$T/files/al.txt"
printf '%s:%s:Test.Allowed.One\n' "$(md5sum <"$T/files/al.txt" | cut -d' ' -f1)" \
	"$(stat -c %s "$T/files/al.txt")" >"$T/al.hdb"
expect_exit 0 mds --no-cache --no-history -d "$T/al.hdb" --allow Test.Allowed.One "$T/files/al.txt"
[ "$(grep -c "^$T/files/al.txt" "$OUT")" -eq 1 ] || { show_output; fail "more than one verdict"; }
out_has_line "$T/files/al.txt: Test.Allowed.One ALLOWED"
printf 'pua-marker-string\n' >"$T/files/pua.txt"
printf 'PUA.Linux.Tool.Test:0:*:%s\n' "$(printf 'pua-marker-string' | od -An -tx1 | tr -d ' \n')" >"$T/pua.ndb"
expect_exit 0 mds --no-cache --no-history -d "$T/pua.ndb" "$T/files/pua.txt"
[ "$(grep -c "^$T/files/pua.txt" "$OUT")" -eq 1 ] || { show_output; fail "more than one verdict (audit)"; }
out_has_line "$T/files/pua.txt: PUA.Linux.Tool.Test AUDIT"

step "l) mdescan(1): members extracted; MDESCAN_CONF and MDESCAN_HISTORY_DB"
M1=$TOPSRC/man/mdescan.1
grep -q 'not extracted' "$M1" && fail "mdescan(1) still says members are not extracted"
sed -n '/^\.Sh ENVIRONMENT/,/^\.Sh /p' "$M1" >"$T/env"
grep -q '^\.It Ev MDESCAN_CONF$' "$T/env" || fail "MDESCAN_CONF not in ENVIRONMENT"
grep -q '^\.It Ev MDESCAN_HISTORY_DB$' "$T/env" || fail "MDESCAN_HISTORY_DB not in ENVIRONMENT"

step "m) --config MISSING: an error naming it; a missing default: empty"
expect_exit 2 mds --no-history --config "$T/missing.conf" "$T/files/a.txt"
grep -q "$T/missing.conf" "$ERR" || { show_output; fail "the missing file is not named"; }
# health reports it (exit 1) rather than fail: it is where one looks
expect_exit 1 mds health --json --config "$T/missing.conf"
jq -e 'any(.health_issues[]; startswith("configuration unusable: '"$T"'/missing.conf: "))' "$OUT" >/dev/null ||
	{ show_output; fail "health does not name the missing configuration"; }
MDESCAN_CONF=$T/missing.conf expect_exit 0 mds --no-history "$T/files/a.txt"
grep -q 'a missing one is an error' "$TOPSRC/man/mdescan.conf.5" ||
	fail "mdescan.conf(5) does not say a missing --config file is an error"
grep -q 'A missing file is an empty one' "$TOPSRC/man/mdescan.conf.5" &&
	fail "mdescan.conf(5) still says any missing file is empty"
exit 0
