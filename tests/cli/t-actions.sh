#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-actions.sh - --action quarantine|remove acts on findings only, never
# on an error, a limit, a timeout or definitions that did not load; the
# history records scans and threats (scan list, threat list|get) and a
# killed scan as interrupted; --lock keeps a job from overlapping itself.
set -eu
. "$(dirname "$0")/lib.sh"

Q=$T/vault DB=$T/h.db
act() { mds --no-cache --history-db "$DB" --quarantine-dir "$Q" "$@"; }
mkdir -p "$T/a"

step "a finding is quarantined, and restored byte-identical with its mode"
make_eicar "$T/a/eicar.com"
chmod 0640 "$T/a/eicar.com"
sum=$(sha256sum "$T/a/eicar.com" | cut -d' ' -f1)
expect_exit 1 act -i --action quarantine "$T/a"
out_has_line "$T/a/eicar.com: Eicar-Test-Signature FOUND"
[ ! -e "$T/a/eicar.com" ] || fail "the infected file is still there"
grep -q "quarantined as" "$ERR" || { show_output; fail "no quarantine message"; }
expect_exit 0 mds threat list --json --db "$DB"
[ "$(jq -r '.[0].state + " " + .[0].action + " " + .[0].name' "$OUT")" = \
  "quarantined quarantine Eicar-Test-Signature" ] || { show_output; fail "threat record"; }
qid=$(jq -r '.[0].quarantine_id' "$OUT")
MDESCAN_HISTORY_DB=$DB expect_exit 0 mds threat quarantine restore --vault "$Q" "$qid"
[ "$(sha256sum "$T/a/eicar.com" | cut -d' ' -f1)" = "$sum" ] || fail "restore is not byte-identical"
[ "$(stat -c %a "$T/a/eicar.com")" = 640 ] || fail "restore lost the mode"
MDESCAN_HISTORY_DB=$DB mds threat list --json --db "$DB" >"$OUT"
[ "$(jq -r '.[0].state' "$OUT")" = restored ] || { cat "$OUT" >&2; fail "history does not say restored"; }

step "remove deletes a finding only"
printf 'clean\n' > "$T/a/clean.txt"
expect_exit 1 act -i --action remove "$T/a"
[ ! -e "$T/a/eicar.com" ] || fail "remove left the infected file"
[ -e "$T/a/clean.txt" ] || fail "remove took a clean file"

step "never because of a limit, an error, a timeout or bad definitions"
make_eicar "$T/a/big.com"
head -c 2000 /dev/zero >> "$T/a/big.com"
expect_exit 0 act --action remove --max-filesize 1K "$T/a/big.com"
[ -e "$T/a/big.com" ] || fail "a file skipped by a limit was removed"
printf 'not a signature file\n' > "$T/bad.ndb"
expect_exit 2 act --action remove -d "$T/bad.ndb" -d "$T/nonexistent.hsb" "$T/a"
[ -e "$T/a/big.com" ] || fail "removed with definitions that did not load"
make_eicar "$T/a/locked.com"
chmod 000 "$T/a/locked.com"
if is_root; then
	run_unpriv mds --no-cache --no-history --action remove "$T/a/locked.com" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	[ "$RC" = 2 ] || { show_output; fail "unreadable file: status $RC"; }
	[ -e "$T/a/locked.com" ] || fail "an unreadable file was removed"
fi
chmod 644 "$T/a/locked.com"
printf 'rule Slow { condition: for all i in (0..filesize) : (uint8(i) < 0x100 and uint8(i) >= 0) and filesize > 1000000 }\n' > "$T/slow.yar"
head -c 30000000 /dev/zero > "$T/a/zeros.bin"
expect_exit 2 act --action remove --timeout 1 -d "$T/slow.yar" "$T/a/zeros.bin"
grep -q 'timeout' "$OUT" "$ERR" || { show_output; fail "no timeout reported"; }
[ -e "$T/a/zeros.bin" ] || fail "a file that timed out was removed"
rm -f "$T/a/zeros.bin"

rm -f "$T/a/big.com" "$T/a/locked.com"

step "allowed threats and the PUA policy"
make_eicar "$T/a/allowed.com"
expect_exit 0 act --allow Eicar-Test-Signature --allow "$(sha256sum "$T/a/allowed.com" | cut -d' ' -f1)" \
	--action remove "$T/a/allowed.com"
out_has_line "$T/a/allowed.com: Eicar-Test-Signature ALLOWED"
[ -e "$T/a/allowed.com" ] || fail "an allowed threat was removed"
expect_exit 0 mds threat list --json --db "$DB"
[ "$(jq -r '.[0].state' "$OUT")" = allowed ] || { show_output; fail "allowed not recorded"; }
step "threat allowed add|remove|list edit the configuration"
C=$T/allowed.conf
expect_exit 0 mds threat allowed add Eicar-Test-Signature --config "$C"
expect_exit 2 mds threat allowed add Eicar-Test-Signature --config "$C"
grep -q "already allowed" "$ERR" || { show_output; fail "duplicate allowed threat"; }
expect_exit 0 mds threat allowed list --json --config "$C"
[ "$(jq -r '.[0].pattern' "$OUT")" = Eicar-Test-Signature ] || { show_output; fail "allowed list"; }
esha=$(sha256sum "$T/a/allowed.com" | cut -d' ' -f1)
expect_exit 0 mds threat allowed add "$esha" --config "$C"
expect_exit 0 act --config "$C" --no-history "$T/a/allowed.com"
out_has_line "$T/a/allowed.com: Eicar-Test-Signature ALLOWED"
expect_exit 0 mds threat allowed remove "$esha" --config "$C"
expect_exit 1 act --config "$C" --no-history "$T/a/allowed.com"
printf 'pua-marker-string\n' > "$T/a/pua.txt"
printf 'PUA.Linux.Tool.Test:0:*:%s\n' "$(printf 'pua-marker-string' | od -An -tx1 | tr -d ' \n')" > "$T/pua.ndb"
expect_exit 0 act --no-history -d "$T/pua.ndb" "$T/a/pua.txt"
out_has_line "$T/a/pua.txt: PUA.Linux.Tool.Test AUDIT"
expect_exit 1 act --no-history --pua block -d "$T/pua.ndb" "$T/a/pua.txt"
out_has_line "$T/a/pua.txt: PUA.Linux.Tool.Test FOUND"
expect_exit 0 act --no-history --pua off -d "$T/pua.ndb" "$T/a/pua.txt"
out_lacks "PUA.Linux"

step "--forensic refuses actions and writes no cache"
expect_exit 2 mds --forensic --action quarantine "$T/a"
grep -q 'refused with --forensic' "$ERR" || { show_output; fail "forensic action"; }
expect_exit 2 mds --forensic --follow-symlinks "$T/a"
rm -rf "$T/fcache"
expect_exit 1 mds --forensic --no-history --cache-dir "$T/fcache" "$T/a/allowed.com"
[ ! -e "$T/fcache" ] || fail "--forensic wrote a scan cache"
before=$(stat -c %X "$T/a/allowed.com")
sleep 1.1
expect_exit 1 mds --forensic --no-history "$T/a/allowed.com"
[ "$(stat -c %X "$T/a/allowed.com")" = "$before" ] || fail "the scan moved the access time"

step "history: scans listed; a killed scan shows as interrupted"
expect_exit 0 mds scan list --json --db "$DB"
[ "$(jq 'length' "$OUT")" -ge 4 ] || { show_output; fail "scans not recorded"; }
jq -e '.[] | select(.status == "succeeded")' "$OUT" >/dev/null || fail "no succeeded scan"
mkdir -p "$T/slow"
for i in 1 2 3 4 5 6; do printf 'file %s\n' "$i" > "$T/slow/f$i"; done
MDESCAN_TEST_DELAY_MS=2000 "$MDESCAN" --no-cache -j1 --history-db "$DB" "$T/slow" >/dev/null 2>&1 &
pid=$!
# killed once its scan is recorded as running (a fixed sleep lost that
# race on a loaded machine), and while it is still in its first files
for _ in $(seq 1 300); do
	"$MDESCAN" scan list --json --db "$DB" 2>/dev/null |
		jq -e '.[0].status == "running"' >/dev/null 2>&1 && break
	sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
expect_exit 0 mds scan list --json --db "$DB"
[ "$(jq -r '.[0].status' "$OUT")" = interrupted ] || { show_output; fail "killed scan not interrupted"; }

step "--lock: a second scan with the same lock does not start"
MDESCAN_TEST_DELAY_MS=1500 "$MDESCAN" --no-cache --no-history -j1 --lock "$T/lock" "$T/slow/f1" >/dev/null 2>&1 &
pid=$!
sleep 0.5
expect_exit 2 mds --no-cache --no-history --lock "$T/lock" "$T/slow/f2"
grep -q "another scan holds" "$ERR" || { show_output; fail "lock message"; }
wait "$pid" || true
expect_exit 0 mds --no-cache --no-history --lock "$T/lock" "$T/slow/f2"
exit 0
