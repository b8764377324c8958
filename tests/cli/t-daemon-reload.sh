#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-reload.sh - mdescand's definitions, from the store as mdescan
# uses it:
#  * `mdescan definitions update` makes a new bundle current: the daemon
#    reloads by itself and detects what the new bundle adds;
#  * a bundle that does not load (a corrupt one made current by hand)
#    leaves the old definitions serving, and the failure is logged;
#  * with -d BUNDLE turned corrupt, RELOAD and SIGHUP fail alike and the
#    old set serves on, until a good one is there;
#  * findings go to the history: `mdescan threat list` shows them.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@" >/dev/null; }
fixtures "$T/f"
# stream CONTENT: the daemon's reply to an INSTREAM of CONTENT
stream() {
	python3 - "$PROTO" "$SOCK" "$1" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location('p', sys.argv[1])
p = importlib.util.module_from_spec(spec)
spec.loader.exec_module(p)
r = p.conv(sys.argv[2], [b'zINSTREAM\0' + p.chunks(sys.argv[3].encode(), 7)])
print(r.decode().rstrip('\0'))
PY
}

step "a bundle made current by mdescan definitions update is reloaded"
sig keygen -o "$T/k"
mkdir -p "$T/src"
cp "$TOPSRC/sigdb/eicar.hsb" "$T/src/"
sig build --version 1 --key "$T/k.sec" -o "$T/v1.mdb" "$T/src"
printf 'rule Daemon_Reload_Two { strings: $a = "second-%s" condition: $a }\n' \
	marker >"$T/src/two.yar"
sig build --version 2 --key "$T/k.sec" -o "$T/v2.mdb" "$T/src"
ST=$T/store
"$MDESCAN" definitions update --store "$ST" --keys "$T/k.pub" \
	--from "$T/v1.mdb" >/dev/null
daemon_start --store "$ST" --keys "$T/k.pub" -v \
	--history-db "$T/history.db"
[ "$(stream second-marker)" = "stream: OK" ] || fail "v1 knows no second rule"
python3 "$PROTO" say "$SOCK" VERSION >"$OUT"
grep -q '^mdescan [0-9.]*/1/' "$OUT" || { show_output; fail "VERSION: no bundle 1"; }
"$MDESCAN" definitions update --store "$ST" --keys "$T/k.pub" \
	--from "$T/v2.mdb" >/dev/null
for i in $(seq 50); do
	[ "$(stream second-marker)" = "stream: Daemon_Reload_Two FOUND" ] && break
	sleep 0.2
done
[ "$(stream second-marker)" = "stream: Daemon_Reload_Two FOUND" ] ||
	fail "the update was not picked up: $(tail -3 "$T/md.log")"

step "a corrupt bundle made current: the old definitions serve on"
cp "$T/v2.mdb" "$ST/corrupt.mdb"
printf 'X' | dd of="$ST/corrupt.mdb" bs=1 seek=200 conv=notrunc 2>/dev/null
ln -sfn corrupt.mdb "$ST/current"
for i in $(seq 50); do
	grep -q 'reload failed' "$T/md.log" && break
	sleep 0.2
done
grep -q 'reload failed' "$T/md.log" || fail "no failed reload logged"
[ "$(stream second-marker)" = "stream: Daemon_Reload_Two FOUND" ] ||
	fail "the old definitions do not serve"
[ "$(stream "$(make_eicar /dev/stdout)")" = "stream: Eicar-Test-Signature FOUND" ] ||
	fail "EICAR not found after the failed reload"
daemon_stop

step "the findings are in the history"
"$MDESCAN" threat list --db "$T/history.db" >"$OUT" 2>&1 ||
	{ show_output; fail "threat list"; }
grep -q 'Daemon_Reload_Two' "$OUT" || { show_output; fail "no Daemon_Reload_Two"; }
grep -q 'Eicar-Test-Signature' "$OUT" || { show_output; fail "no EICAR"; }
grep -q 'instream(local)' "$OUT" || { show_output; fail "no stream named"; }

step "-d BUNDLE turned corrupt: RELOAD and SIGHUP keep the old set"
cp "$T/v1.mdb" "$T/b.mdb"
daemon_start -d "$T/b.mdb" -v --keys "$T/k.pub"
# replaced as updates replace files: renamed over (a bundle in use is
# mapped, never to be rewritten in place)
cp "$ST/corrupt.mdb" "$T/b.tmp" && mv "$T/b.tmp" "$T/b.mdb"
python3 "$PROTO" say "$SOCK" RELOAD >"$OUT"
out_has_line RELOADING
for i in $(seq 50); do
	[ "$(grep -c 'reload failed' "$T/md.log")" -ge 2 ] && break
	sleep 0.2
done
kill -HUP "$DPID"
for i in $(seq 50); do
	[ "$(grep -c 'reload failed' "$T/md.log")" -ge 3 ] && break
	sleep 0.2
done
[ "$(grep -c 'reload failed' "$T/md.log")" -ge 3 ] ||
	fail "RELOAD and SIGHUP did not both fail: $(grep reload "$T/md.log")"
[ "$(stream "$(make_eicar /dev/stdout)")" = "stream: Eicar-Test-Signature FOUND" ] ||
	fail "EICAR not found after the failed reloads"
cp "$T/v2.mdb" "$T/b.tmp" && mv "$T/b.tmp" "$T/b.mdb"
kill -HUP "$DPID"
for i in $(seq 50); do
	[ "$(stream second-marker)" = "stream: Daemon_Reload_Two FOUND" ] && break
	sleep 0.2
done
[ "$(stream second-marker)" = "stream: Daemon_Reload_Two FOUND" ] ||
	fail "SIGHUP did not load the good bundle"
daemon_stop

step "ClamAV definitions read but not run are logged, as mdescan says them"
mkdir -p "$T/unsup"
make_db "$T/unsup"
printf 'ClamBCafhm`bhoinj|afefdfggifnf```aa```|biacflfafmf\n' >"$T/unsup/b.cbc"
: >"$T/md.log"
daemon_start -d "$T/unsup"
daemon_stop
grep -q 'mdescand: unsupported: 1 bytecode signatures (.cbc)' "$T/md.log" ||
	{ cat "$T/md.log" >&2; fail "the daemon did not log the unsupported .cbc"; }
exit 0
