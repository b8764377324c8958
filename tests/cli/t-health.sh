#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-health.sh - `mdescan health` and `mdescan diagnostic create`: the fields
# with installed definitions, trusted keys and a recorded scan; out of date
# definitions (--max-age 0), none installed, keys that do not verify; no
# scan, an old scan; an unreadable quarantine; a stale pidfile; --field and
# its unknown names; --json read by jq; bad options.  The archive of
# diagnostic create has the expected members and no private key, and is
# never replaced.  As root (else skipped, 77, at that point): mdewatch
# running on a tmpfs is real-time protection, in audit or block mode, and
# another process holding a fanotify group is a conflicting application.
#
# Environment:
#	MDESCAN		mdescan binary; mdesig and mdewatch are taken from the
#			same directory (or MDESIG, MDEWATCH)
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
MDEWATCH=${MDEWATCH:-$(dirname "$MDESCAN")/../mdewatch/mdewatch}
[ -x "$MDESIG" ] || fail "mdesig not found next to $MDESCAN"
command -v jq >/dev/null 2>&1 || skip "jq is needed"
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@"; }

# jqt FILTER [FILE]: the jq filter is true for FILE ($OUT).
jqt() {
	jq -e "$1" "${2:-$OUT}" >/dev/null || {
		show_output
		fail "jq: not true: $1"
	}
}

# ------------------------------------------------------------ fixtures

step "a store with a signed bundle, trusted keys, a recorded scan"
mkdir -p "$T/src" "$T/files" "$T/empty-store"
expect_exit 0 sig keygen -o "$T/k"
expect_exit 0 sig keygen -o "$T/other"
printf 'clean text\n' >"$T/files/clean.txt"
printf '%064x:%d:Test.Health.Marker\n' 7 10 >"$T/src/m.hsb"
expect_exit 0 sig build --version 3 --key "$T/k.sec" -o "$T/v3.mdb" "$T/src"
ST=$T/store
HDB=$T/hist/history.db
expect_exit 0 mds definitions update --store "$ST" --keys "$T/k.pub" --from "$T/v3.mdb"
expect_exit 0 mds --no-cache --store "$ST" --keys "$T/k.pub" --history-db "$HDB" "$T/files"
# the watcher of these checks runs nowhere
COMMON=(--store "$ST" --keys "$T/k.pub" --history-db "$HDB"
	--quarantine-dir "$T/vault" --pidfile "$T/none.pid"
	--stats-file "$T/none.stats")
health() { mds health "${COMMON[@]}" "$@"; }

# ------------------------------------------------------------ fields

step "text report: every field, one per line; not healthy without mdewatch"
expect_exit 1 health
for f in healthy health_issues app_version engine_version \
	real_time_protection_enabled real_time_protection_subsystem \
	enforcement_level conflicting_applications definitions_status \
	definitions_version definitions_updated last_scan quarantine_items; do
	[ "$(grep -c "^$f  *: " "$OUT")" -eq 1 ] || { show_output; fail "no line for $f"; }
done
out_has_line 'healthy                        : false'
out_has_line 'health_issues                  : ["real-time protection not running"]'
out_has_line 'definitions_status             : "up_to_date"'
out_has_line 'definitions_version            : "3"'
out_has_line 'real_time_protection_enabled   : false'
out_has_line 'real_time_protection_subsystem : "fanotify"'
out_has_line 'enforcement_level              : "none"'
out_has_line 'quarantine_items               : 0'
grep -q '^last_scan  *: {"id":1,"time":"20[0-9-]*T[0-9:]*Z","type":"custom","status":"succeeded"}$' "$OUT" ||
	{ show_output; fail "last_scan"; }

step "--json: one object, as jq reads it"
expect_exit 1 health --json
[ "$(wc -l <"$OUT")" -eq 1 ] || { show_output; fail "--json is not one line"; }
jqt '.healthy == false and .health_issues == ["real-time protection not running"]
	and .definitions_status == "up_to_date" and .definitions_version == "3"
	and (.definitions_updated | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))
	and .last_scan.type == "custom" and .last_scan.status == "succeeded"
	and .last_scan.id == 1
	and .quarantine_items == 0 and .enforcement_level == "none"
	and .real_time_protection_enabled == false
	and .real_time_protection_subsystem == "fanotify"
	and (.app_version | length > 0) and (.engine_version | length > 0)
	and (.conflicting_applications | type == "array")
	and .parser_cage_enabled == true
	and (.parser_cage_available | type == "boolean")
	and (.parser_cage | length > 0)
	and (keys | length == 16)'

step "--field prints one value as the report does; exit status as the report's"
expect_exit 1 health --field definitions_status
[ "$(cat "$OUT")" = '"up_to_date"' ] || { show_output; fail "--field definitions_status"; }
expect_exit 1 health --field healthy
[ "$(cat "$OUT")" = false ] || { show_output; fail "--field healthy"; }
expect_exit 1 health --field quarantine_items
[ "$(cat "$OUT")" = 0 ] || { show_output; fail "--field quarantine_items"; }
expect_exit 2 health --field healthiness
grep -q "unknown field 'healthiness'; the fields are: healthy health_issues app_version" "$ERR" ||
	{ show_output; fail "unknown field does not list the fields"; }
[ ! -s "$OUT" ] || { show_output; fail "unknown field printed a value"; }

step "out of date: created more than --max-age days ago (0: any time before now)"
sleep 1.1 # the bundle was built at least a second ago
expect_exit 1 health --json --max-age 0
jqt '.definitions_status == "out_of_date"'
jqt 'any(.health_issues[]; startswith("definitions out of date (created "))'
expect_exit 1 health --max-age 1 --field definitions_status
[ "$(cat "$OUT")" = '"up_to_date"' ] || { show_output; fail "--max-age 1"; }

step "no definitions installed: unavailable, the built-in definitions"
expect_exit 1 health --json --store "$T/empty-store"
jqt '.definitions_status == "unavailable" and .definitions_version == "builtin"'
jqt '.definitions_updated == null'
jqt 'any(.health_issues[]; . == "no definitions installed in '"$T"'/empty-store: scans use the built-in definitions")'

step "installed definitions a scan could not load: wrong key, no key"
expect_exit 1 health --json --keys "$T/other.pub"
jqt 'any(.health_issues[]; startswith("installed definitions do not verify: "))'
expect_exit 1 health --json --keys "$T/no-keys"
jqt 'any(.health_issues[]; . == "no trusted keys at '"$T"'/no-keys: the installed definitions cannot load")'

step "no scan recorded; no scan in --max-scan-age days"
expect_exit 1 health --json --history-db "$T/no-history.db"
jqt '.last_scan == null and any(.health_issues[]; . == "no scan recorded")'
expect_exit 1 health --json --max-scan-age 0
jqt 'any(.health_issues[]; . == "no scan in 0 days")'
expect_exit 1 health --json --max-scan-age 1
jqt '.health_issues == ["real-time protection not running"]'
printf 'not a database, just text\n' >"$T/junk.db"
expect_exit 1 health --json --history-db "$T/junk.db"
jqt 'any(.health_issues[]; startswith("history unreadable: "))'

step "quarantine unreadable: quarantine_items null"
printf 'a file, not a vault\n' >"$T/vault-file"
expect_exit 1 health --json --quarantine-dir "$T/vault-file"
jqt '.quarantine_items == null and any(.health_issues[]; startswith("quarantine unreadable: "))'

step "a stale pidfile (no process holds its lock)"
echo 999999 >"$T/stale.pid"
expect_exit 1 health --json --pidfile "$T/stale.pid"
jqt 'any(.health_issues[]; . == "real-time protection not running (stale pidfile '"$T"'/stale.pid)")'
jqt '.enforcement_level == "none" and .real_time_protection_enabled == false'

step "bad options exit 2"
expect_exit 2 health --max-age -1
grep -q -- '--max-age: a number of days' "$ERR" || { show_output; fail "--max-age -1"; }
expect_exit 2 health --max-age 7x
expect_exit 2 health --output "$T/x.tar.gz"
grep -q -- '--output: only for diagnostic create' "$ERR" || { show_output; fail "--output for health"; }
expect_exit 2 health extra
expect_exit 2 mds diagnostic
expect_exit 2 mds diagnostic create --json
expect_exit 0 mds health --help
grep -q 'usage: mdescan health' "$OUT" || { show_output; fail "health --help"; }

# ------------------------------------------------------------ diagnostic

step "diagnostic create: the members, no private key, never replaced"
mkdir -p "$T/conf/keys"
cp "$T/k.pub" "$T/conf/keys/"
cp "$T/k.sec" "$T/conf/keys/"
cp "$T/k.sec" "$T/conf/renamed.key" # a private key by its content
printf 'threads 2\n' >"$T/conf/mdescan.conf"
D=$T/diag.tar.gz
expect_exit 0 mds diagnostic create --output "$D" --config-dir "$T/conf" "${COMMON[@]}"
[ "$(cat "$OUT")" = "$D" ] || { show_output; fail "the path written is not printed"; }
tar tzf "$D" | sed 's,^[^/]*/,,' | sort >"$T/members" || fail "tar tzf $D"
for m in health.json definitions-status.json history-scans.json \
	history-threats.json quarantine.jsonl version.txt uname.txt \
	meminfo.txt notes.txt config/keys/k.pub config/mdescan.conf; do
	grep -Fxq "$m" "$T/members" || { cat "$T/members" >&2; fail "no member $m"; }
done
if grep -q '\.sec$\|renamed\.key' "$T/members"; then
	cat "$T/members" >&2
	fail "a private key is in the archive"
fi
[ "$(tar tzf "$D" | cut -d/ -f1 | sort -u)" = "$(tar tzf "$D" | head -n 1 | cut -d/ -f1)" ] ||
	fail "the members are not under one directory"
tar xzf "$D" -C "$T" --wildcards '*/health.json' '*/history-scans.json' \
	'*/definitions-status.json' '*/version.txt' '*/notes.txt'
X=$(echo "$T"/mdescan-diagnostic-*)
jqt '.definitions_status == "up_to_date" and .last_scan.type == "custom"' "$X/health.json"
jqt 'length == 1 and .[0].type == "custom"' "$X/history-scans.json"
jqt '.definitions_status == "up_to_date" and .version == 3' "$X/definitions-status.json"
grep -q '^mdescan ' "$X/version.txt" || fail "version.txt: $(cat "$X/version.txt")"
grep -q 'k.sec: not collected: a private key' "$X/notes.txt" || fail "notes.txt does not say why k.sec is missing"
if tar xzOf "$D" | grep -q 'PRIVATE KEY'; then
	fail "a private key is in the archive"
fi
sum=$(md5sum <"$D")
expect_exit 2 mds diagnostic create --output "$D" --config-dir "$T/conf" "${COMMON[@]}"
grep -q 'never replaced' "$ERR" || { show_output; fail "overwrite refused without a reason"; }
[ "$(md5sum <"$D")" = "$sum" ] || fail "the existing archive was changed"

step "diagnostic create without --output: ./diagnostic-*.tar.gz when not root"
mkdir -m 1777 "$T/cwd"
(cd "$T/cwd" && run_unpriv mds diagnostic create --config-dir "$T/conf" \
	"${COMMON[@]}" >"$OUT" 2>"$ERR") || { show_output; fail "diagnostic create as a user"; }
grep -Eq "^$T/cwd/diagnostic-[0-9]{8}-[0-9]{6}\.tar\.gz$" "$OUT" || { show_output; fail "default path"; }
tar tzf "$(cat "$OUT")" | grep -q '/health.json$' || fail "default archive has no health.json"

# ------------------------------------------------------------ as root

is_root || skip "real-time protection and conflicting applications need root (fanotify); the rest passed"
[ -x "$MDEWATCH" ] || fail "mdewatch not found: $MDEWATCH"

# watch_start NAME ARGS...: mdewatch in the background, files $T/NAME.*,
# ready once its marks are in place.  WPID is the daemon.
watch_start() {
	local name=$1 i
	shift
	"$MDEWATCH" --pidfile "$T/$name.pid" --stats-file "$T/$name.stats" \
		--ready-file "$T/$name.ready" "$@" 2>"$T/$name.err" &
	WPID=$!
	BGPIDS+=("$WPID")
	for i in $(seq 200); do
		[ -e "$T/$name.ready" ] && return 0
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.025
	done
	cat "$T/$name.err" >&2
	grep -q 'fanotify_init' "$T/$name.err" &&
		skip "fanotify is not available: $(head -n 1 "$T/$name.err")"
	fail "mdewatch $name did not become ready"
}

M=$T/m
mkdir -p "$M"
mount -t tmpfs -o size=8m,mode=0755 mdescan-health "$M" || skip "cannot mount a tmpfs"
MOUNTS+=("$M")

step "mdewatch in audit mode: real-time protection, healthy"
watch_start audit --mode audit --path "$M"
APID=$WPID
expect_exit 0 health --json --pidfile "$T/audit.pid" --stats-file "$T/audit.stats"
jqt '.healthy == true and .health_issues == []'
jqt '.real_time_protection_enabled == true and .enforcement_level == "audit"'
expect_exit 0 health --pidfile "$T/audit.pid" --field healthy
[ "$(cat "$OUT")" = true ] || { show_output; fail "--field healthy with mdewatch"; }
# without its statistics the mode comes from its fanotify group
expect_exit 0 health --pidfile "$T/audit.pid" --stats-file "$T/no.stats" --field enforcement_level
[ "$(cat "$OUT")" = '"audit"' ] || { show_output; fail "mode from fdinfo"; }

step "a second fanotify user is a conflicting application"
"$PYTHON" - "$T/fan.ready" <<'PY' &
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.fanotify_init(0, 0) < 0:    # FAN_CLASS_NOTIF
    sys.exit("fanotify_init: errno %d" % ctypes.get_errno())
open(sys.argv[1], "w").close()
time.sleep(60)
PY
FPID=$!
BGPIDS+=("$FPID")
for _ in $(seq 200); do
	[ -e "$T/fan.ready" ] && break
	kill -0 "$FPID" 2>/dev/null || fail "the fanotify helper died"
	sleep 0.025
done
expect_exit 0 health --json --pidfile "$T/audit.pid" --stats-file "$T/audit.stats"
jqt 'any(.conflicting_applications[]; endswith(" ('"$FPID"')"))'
jqt 'all(.conflicting_applications[]; endswith(" ('"$APID"')") | not)'
jqt '.healthy == true'

step "a second mdewatch, in block mode: a conflict for the first, block for itself"
watch_start block --mode block --path "$M"
BPID=$WPID
expect_exit 0 health --json --pidfile "$T/audit.pid" --stats-file "$T/audit.stats"
jqt 'any(.conflicting_applications[]; . == "mdewatch ('"$BPID"')")'
expect_exit 0 health --json --pidfile "$T/block.pid" --stats-file "$T/block.stats"
jqt '.enforcement_level == "block" and .real_time_protection_enabled == true'
jqt 'any(.conflicting_applications[]; . == "mdewatch ('"$APID"')")'

step "mdewatch stopped: not running, enforcement none"
kill -TERM "$APID"
wait "$APID" || fail "mdewatch exited $? on SIGTERM"
expect_exit 1 health --json --pidfile "$T/audit.pid" --stats-file "$T/audit.stats"
jqt '.real_time_protection_enabled == false and .enforcement_level == "none"'
jqt '.health_issues == ["real-time protection not running"]'

step "diagnostic create as root, mdewatch running: health.json says so"
expect_exit 0 mds diagnostic create --output "$T/root.tar.gz" --config-dir "$T/conf" \
	"${COMMON[@]}" --pidfile "$T/block.pid" --stats-file "$T/block.stats"
tar xzOf "$T/root.tar.gz" --wildcards '*/health.json' >"$T/root-health.json"
jqt '.enforcement_level == "block" and .healthy == true' "$T/root-health.json"
exit 0
