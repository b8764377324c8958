#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-history.sh - the scan and threat history: `mdescan scan list`,
# `mdescan threat list|get` in text and JSON over records written by
# hist-tool (the history API, as scans call it); the schema version and
# WAL mode; two writers at once lose no row and never see "database is
# locked"; writers killed with SIGKILL between a scan's begin and end, in
# the middle of an open transaction and at random points leave a database
# that passes integrity_check, with the killed scans interrupted; purge;
# bad database files (garbage, a directory, another program's database,
# unwritable) fail with the file named and exit 2, never a crash.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ -z "${HIST_TOOL:-}" ]; then
	HIST_TOOL=$TOPSRC/tests/cli/hist-tool
	[ -x "$HIST_TOOL" ] || HIST_TOOL=$PWD/tests/cli/hist-tool
fi
[ -x "$HIST_TOOL" ] || skip "hist-tool not built (make check builds it)"
command -v jq >/dev/null 2>&1 || skip "jq is needed"
"$PYTHON" -c 'import sqlite3' 2>/dev/null || skip "python3's sqlite3 module is needed"
export TZ=UTC

# ht ARGS...: hist-tool with a time limit
ht() {
	timeout -k 5 "$MDS_TIMEOUT" "$HIST_TOOL" "$@"
}

# sql DB QUERY: the first column of the query's rows, one a line, read
# through a connection of python3's own
sql() {
	"$PYTHON" - "$1" "$2" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
for row in c.execute(sys.argv[2]):
    print(row[0])
EOF
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || { show_output; fail "$1: got '$2', expected '$3'"; }
}

# integrity DB: fail unless SQLite finds the database sound
integrity() {
	expect_eq "integrity_check of $1" "$(sql "$1" 'PRAGMA integrity_check')" ok
	expect_eq "foreign_key_check of $1" "$(sql "$1" 'PRAGMA foreign_key_check' | wc -l)" 0
}

# wait_ready FILE: wait until a background hist-tool printed "ready ID"
wait_ready() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q '^ready ' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "hist-tool never got ready: $(cat "$1")"
}

# --------------------------------------------------------------- empty

step "no database yet: empty lists, exit 0, a note on stderr"
DB=$T/h/history.db
expect_exit 0 mds scan list --db "$DB"
[ ! -s "$OUT" ] || { show_output; fail "output for an empty history"; }
grep -Fq "$DB: no scan recorded yet" "$ERR" || { show_output; fail "no note"; }
expect_exit 0 mds scan list --db "$DB" --json
expect_eq "empty JSON list" "$(jq -c . "$OUT")" "[]"
expect_exit 0 mds threat list --db "$DB" --json
expect_eq "empty threat list" "$(jq length "$OUT")" 0
expect_exit 2 mds threat get 1 --db "$DB"
[ ! -e "$DB" ] || fail "a reader created $DB"

# --------------------------------------------------------------- records

step "records: a quick scan with two threats, a full scan, one never ended"
S1=$(ht "$DB" begin quick /etc /usr/bin)
ht "$DB" add "$S1" 2 Php.Shell
ht "$DB" end "$S1" succeeded 120 34567 2 1
S2=$(ht "$DB" scan full 3)
ht "$DB" state 4 quarantined q-42
ht "$DB" state 5 restored
S3=$(ht "$DB" begin custom "/srv/a b" "$(printf '/srv/new\nline')" "$(printf '/srv/bad\377')")
expect_eq "scan ids" "$S1 $S2 $S3" "1 2 3"

step "schema: version 1, WAL mode, application id, file mode 0600"
expect_eq user_version "$(sql "$DB" 'PRAGMA user_version')" 1
expect_eq journal_mode "$(sql "$DB" 'PRAGMA journal_mode')" wal
expect_eq application_id "$(sql "$DB" 'PRAGMA application_id')" 1296319816
expect_eq "file mode" "$(stat -c %a "$DB")" 600
expect_eq tables "$(sql "$DB" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name)")" "scan_paths scans threats"

step "scan list --json: every field, newest first"
expect_exit 0 mds scan list --db "$DB" --json
jq -e 'type == "array" and length == 3' "$OUT" >/dev/null || { show_output; fail "not an array of 3"; }
expect_eq "scan keys" "$(jq -c '.[0] | keys_unsorted' "$OUT")" \
	'["id","type","status","started","ended","duration_ms","pid","paths","definitions_version","files","bytes","findings","errors","threats"]'
expect_eq "order" "$(jq -c '[.[].id]' "$OUT")" "[3,2,1]"
expect_eq "scan 1" "$(jq -c '.[2] | [.type,.status,.paths,.files,.bytes,.findings,.errors,.threats,.definitions_version]' "$OUT")" \
	'["quick","succeeded",["/etc","/usr/bin"],120,34567,2,1,2,"test-defs-1"]'
# hist-tool exited after begin: the scan's process is gone
expect_eq "unended scan" "$(jq -c '.[0] | [.status,.ended,.duration_ms,.files,.errors,.threats]' "$OUT")" \
	'["interrupted",null,null,null,null,0]'
jq -e '.[2] | (.started | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")) and .duration_ms >= 0 and (.pid | type == "number")' "$OUT" >/dev/null ||
	{ show_output; fail "times or pid"; }
"$PYTHON" - "$OUT" <<'EOF' || fail "paths with a newline or a bad byte do not round-trip"
import json, sys
s = json.load(open(sys.argv[1]))[0]
want = ["/srv/a b", "/srv/new\nline", "/srv/bad\udcff"]
assert s["paths"] == want, s["paths"]
assert [p.encode("utf-8", "surrogateescape") for p in s["paths"]][2] == b"/srv/bad\xff"
EOF

step "scan list --limit"
expect_exit 0 mds scan list --db "$DB" --json --limit 2
expect_eq "limit 2" "$(jq -c '[.[].id]' "$OUT")" "[3,2]"

step "scan list: aligned columns, escaped paths"
expect_exit 0 mds scan list --db "$DB"
expect_eq "lines" "$(wc -l <"$OUT")" 4
head -n1 "$OUT" | grep -Eq '^ID +TYPE +STATUS +STARTED +DURATION +FILES +THREATS +ERRORS +PATHS$' || { show_output; fail "header"; }
grep -Eq '^ *1 +quick +succeeded +[0-9-]+T[0-9:]+[+-][0-9]{2}:[0-9]{2} +[0-9.]+s +120 +2 +1 +/etc /usr/bin$' "$OUT" || { show_output; fail "scan 1 row"; }
grep -Fq '/srv/a b /srv/new\nline /srv/bad\xff' "$OUT" || { show_output; fail "paths not escaped"; }
"$PYTHON" - "$OUT" <<'EOF' || { show_output; fail "columns not aligned"; }
import sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0]
# every column but the first (right-aligned ids) starts where its title does
starts = [head.index(w) for w in ("TYPE", "STATUS", "STARTED", "DURATION", "PATHS")]
for l in lines[1:]:
    for s in starts:
        assert l[s - 2:s] == "  " and l[s] != " ", (l, s)
EOF

step "threat list, --scan, threat get (text and JSON)"
expect_exit 0 mds threat list --db "$DB" --json
expect_eq "threat count" "$(jq length "$OUT")" 5
expect_eq "threat keys" "$(jq -c '.[0] | keys_unsorted' "$OUT")" \
	'["id","scan_id","detected","path","name","sha256","action","state","state_changed","quarantine_id"]'
expect_exit 0 mds threat list --db "$DB" --json --scan "$S2"
expect_eq "scan 2 threats" "$(jq -c '[.[] | [.id, .scan_id, .state]]' "$OUT")" \
	'[[5,2,"restored"],[4,2,"quarantined"],[3,2,"detected"]]'
expect_exit 0 mds threat get 4 --db "$DB" --json
expect_eq "threat 4" "$(jq -c '[.id,.scan_id,.name,.action,.state,.quarantine_id,(.sha256|length)]' "$OUT")" \
	'[4,2,"Test.Threat","none","quarantined","q-42",64]'
jq -e '.state_changed >= .detected' "$OUT" >/dev/null || fail "state_changed before detected"
expect_exit 0 mds threat get 4 --db "$DB"
out_has_line "State:         quarantined"
out_has_line "Quarantine id: q-42"
expect_exit 0 mds threat list --db "$DB"
head -n1 "$OUT" | grep -Eq '^ID +SCAN +DETECTED +ACTION +STATE +NAME +PATH$' || { show_output; fail "threat header"; }
expect_eq "threat lines" "$(wc -l <"$OUT")" 6
grep -Eq '^ *1 +1 +[0-9-]+T[0-9:]+[+-][0-9]{2}:[0-9]{2} +none +detected +Php.Shell +/srv/f[0-9]+-0$' "$OUT" || { show_output; fail "threat 1 row"; }

step "usage errors exit 2"
expect_exit 2 mds threat get 99 --db "$DB"
grep -Fq "threat 99: no such threat" "$ERR" || { show_output; fail "unknown threat"; }
expect_exit 2 mds threat get --db "$DB"
expect_exit 2 mds threat get x --db "$DB"
expect_exit 2 mds scan list --db "$DB" --scan 1
expect_exit 2 mds scan list --db "$DB" --limit -1
expect_exit 2 mds threat list --db "$DB" --bogus
grep -Fq "mdescan: unrecognized option '--bogus'" "$ERR" || { show_output; fail "getopt message"; }
expect_exit 0 mds threat list --help
grep -Fq "usage: mdescan scan list" "$OUT" || fail "no usage"
if [ -w /dev/full ]; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	expect_exit 2 sh -c '"$0" scan list --db "$1" --json >/dev/full' "$MDESCAN" "$DB"
	grep -Fq "mdescan: standard output: No space left on device" "$ERR" || { show_output; fail "write error"; }
fi

# --------------------------------------------------------------- concurrency

step "two writers at once on a new database: every row, no 'locked'"
C=$T/conc.db
ht "$C" scan custom 300 >"$T/w1" 2>"$T/w1.err" &
p1=$!
ht "$C" scan custom 300 >"$T/w2" 2>"$T/w2.err" &
p2=$!
# a reader polling meanwhile always gets a well-formed list
reads=0
while kill -0 "$p1" 2>/dev/null || kill -0 "$p2" 2>/dev/null; do
	if [ -e "$C" ]; then
		expect_exit 0 mds scan list --db "$C" --json
		jq -e 'type == "array"' "$OUT" >/dev/null || { show_output; fail "reader got bad JSON"; }
		reads=$((reads + 1))
	fi
	sleep 0.05
done
wait "$p1" || { cat "$T/w1.err" >&2; fail "writer 1 failed"; }
wait "$p2" || { cat "$T/w2.err" >&2; fail "writer 2 failed"; }
step "(reader listed $reads times during the writes)"
if grep -qi locked "$T/w1.err" "$T/w2.err"; then fail "database is locked"; fi
expect_eq "threats" "$(sql "$C" 'SELECT count(*) FROM threats')" 600
expect_eq "per scan" "$(sql "$C" 'SELECT group_concat(n) FROM (SELECT count(*) n FROM threats GROUP BY scan_id)')" "300,300"
expect_eq "scans" "$(sql "$C" "SELECT group_concat(status) FROM scans")" "succeeded,succeeded"
integrity "$C"

step "one process, four threads on one handle, while another process writes"
S=$(ht "$C" begin full /)
ht "$C" scan quick 200 >/dev/null 2>"$T/w3.err" &
p3=$!
ht "$C" threads "$S" 4 100 2>"$T/w4.err" || { cat "$T/w4.err" >&2; fail "threads failed"; }
wait "$p3" || { cat "$T/w3.err" >&2; fail "writer failed"; }
expect_eq "thread rows" "$(sql "$C" "SELECT count(*) FROM threats WHERE scan_id = $S")" 400
integrity "$C"

# --------------------------------------------------------------- SIGKILL

step "SIGKILL between begin and end: interrupted after the next open"
K=$T/kill.db
ht "$K" scan quick 1 >/dev/null
"$HIST_TOOL" "$K" hang custom 5 >"$T/hang" &
ph=$!
wait_ready "$T/hang"
SK=$(awk '/^ready/ { print $2 }' "$T/hang")
expect_exit 0 mds scan list --db "$K" --json
expect_eq "live scan" "$(jq -r ".[] | select(.id == $SK) | .status" "$OUT")" running
ht "$K" open
expect_eq "live scan stays running" "$(sql "$K" "SELECT status FROM scans WHERE id = $SK")" running
kill -9 "$ph"
wait "$ph" 2>/dev/null || true
# readers see it interrupted at once; the next writer's open records it
expect_exit 0 mds scan list --db "$K" --json
expect_eq "killed scan (reader)" "$(jq -r ".[] | select(.id == $SK) | .status" "$OUT")" interrupted
ht "$K" open
expect_eq "killed scan (stored)" "$(sql "$K" "SELECT status FROM scans WHERE id = $SK")" interrupted
expect_eq "its threats kept" "$(sql "$K" "SELECT count(*) FROM threats WHERE scan_id = $SK")" 5
integrity "$K"

step "SIGKILL inside an open transaction that spilled into the WAL"
"$HIST_TOOL" "$K" hang-txn custom 3000 >"$T/txn" &
ph=$!
wait_ready "$T/txn"
ST=$(awk '/^ready/ { print $2 }' "$T/txn")
wal=$(stat -c %s "$K-wal")
[ "$wal" -gt 4000000 ] || fail "the transaction did not reach the WAL ($wal bytes)"
kill -9 "$ph"
wait "$ph" 2>/dev/null || true
integrity "$K"
expect_eq "uncommitted rows" "$(sql "$K" "SELECT count(*) FROM threats WHERE name = 'Txn.Test'")" 0
ht "$K" open
expect_eq "txn scan" "$(sql "$K" "SELECT status FROM scans WHERE id = $ST")" interrupted
S=$(ht "$K" scan quick 2)
expect_eq "writes go on" "$(sql "$K" "SELECT status FROM scans WHERE id = $S")" succeeded
integrity "$K"

step "SIGKILL at random points of busy writers, five times"
for i in 1 2 3 4 5; do
	"$HIST_TOOL" "$K" scan full 2000 >/dev/null 2>&1 &
	pa=$!
	"$HIST_TOOL" "$K" scan quick 2000 >/dev/null 2>&1 &
	pb=$!
	sleep "0.$((RANDOM % 9 + 1))"
	kill -9 "$pa" "$pb" 2>/dev/null || true
	wait "$pa" 2>/dev/null || true
	wait "$pb" 2>/dev/null || true
	integrity "$K"
done
ht "$K" open
expect_eq "scans neither ended nor interrupted" \
	"$(sql "$K" "SELECT count(*) FROM scans WHERE status NOT IN ('succeeded', 'interrupted')")" 0
expect_exit 0 mds scan list --db "$K" --json
jq -e 'all(.[]; .status == "succeeded" or .status == "interrupted")' "$OUT" >/dev/null || { show_output; fail "listed scans"; }

# --------------------------------------------------------------- purge

step "purge: old scans and threats go, quarantined threats and running scans stay"
P=$T/purge.db
A=$(ht "$P" scan quick 2)
B=$(ht "$P" scan quick 2)
ht "$P" state 3 quarantined q-1
"$HIST_TOOL" "$P" hang watch 0 >"$T/watch" &
pw=$!
BGPIDS+=("$pw")
wait_ready "$T/watch"
R=$(awk '/^ready/ { print $2 }' "$T/watch")
F=$(ht "$P" scan full 1)
# 100 days ago
"$PYTHON" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE scans SET started = started - 8640000000, ended = ended - 8640000000 WHERE id <> $F'); c.execute('UPDATE threats SET detected = detected - 8640000000 WHERE scan_id <> $F'); c.commit()" "$P"
# A and its 2 threats, B's unquarantined threat
expect_eq "purged rows" "$(ht "$P" purge 90)" 4
expect_eq "scans left" "$(sql "$P" 'SELECT group_concat(id) FROM scans')" "$B,$R,$F"
expect_eq "threats left" "$(sql "$P" 'SELECT group_concat(id) FROM threats')" "3,5"
expect_eq "again" "$(ht "$P" purge 90)" 0
expect_exit 0 mds scan list --db "$P" --json
expect_eq "listed" "$(jq -c '[.[].id]' "$OUT")" "[$F,$R,$B]"
integrity "$P"
kill "$pw"
wait "$pw" 2>/dev/null || true

# --------------------------------------------------------------- bad files

# bad_db WHAT PATH REASON: readers and writers fail naming PATH and REASON
bad_db() {
	expect_exit 2 mds scan list --db "$2"
	grep -Fq "mdescan: $2: " "$ERR" && grep -Fq "$3" "$ERR" ||
		{ show_output; fail "$1: reader's error lacks '$2' or '$3'"; }
	expect_exit 1 ht "$2" begin quick /
	grep -Fq "$2: " "$ERR" && grep -Fq "$3" "$ERR" ||
		{ show_output; fail "$1: writer's error lacks '$2' or '$3'"; }
}

step "garbage, a directory, another program's database, a newer schema"
head -c 100000 /dev/urandom >"$T/garbage.db"
bad_db garbage "$T/garbage.db" "file is not a database"
mkdir "$T/dir.db"
bad_db directory "$T/dir.db" "Is a directory"
"$PYTHON" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE t (x)'); c.commit()" "$T/other.db"
expect_exit 1 ht "$T/other.db" begin quick /
grep -Fq "$T/other.db: not an mdescan history database" "$ERR" || { show_output; fail "foreign database"; }
cp "$P" "$T/newer.db"
"$PYTHON" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 7'); c.commit()" "$T/newer.db"
bad_db newer "$T/newer.db" "schema version 7 is newer"

step "unwritable: nobody writing root's database, or in a read-only directory"
if is_root && command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$T"
	if run_unpriv test -x "$HIST_TOOL"; then
		expect_exit 1 run_unpriv "$HIST_TOOL" "$P" begin quick /
		grep -Fq "$P: cannot open: Permission denied" "$ERR" || { show_output; fail "unwritable database"; }
		expect_exit 2 run_unpriv "$MDESCAN" scan list --db "$P"
		grep -Fq "$P: " "$ERR" && grep -Fq "Permission denied" "$ERR" || { show_output; fail "unreadable database"; }
		mkdir "$T/ro"
		cp "$P" "$T/ro/h.db"
		rm -f "$T/ro/h.db-wal" "$T/ro/h.db-shm"
		chown nobody "$T/ro/h.db"
		chmod 555 "$T/ro"
		expect_exit 1 run_unpriv "$HIST_TOOL" "$T/ro/h.db" begin quick /
		grep -Fq "$T/ro/h.db: " "$ERR" || { show_output; fail "read-only directory"; }
	else
		step "(skipped: nobody cannot run $HIST_TOOL)"
	fi
else
	step "(skipped: needs root and setpriv)"
fi
