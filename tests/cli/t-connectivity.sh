#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-connectivity.sh - `mdescan connectivity test`: the definitions mirror
# (update_mirror or --mirror, http or a directory) is reachable and its
# bundle verifies (exit 0, text and --json); a closed port, a 404 and a
# tampered bundle are exit 1 naming the URL and the reason; no mirror at
# all is exit 2 saying how to set one.  The store is never changed.
set -eu
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq is needed"
MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@"; }

expect_exit 0 sig keygen -o "$T/k"
S=$T/src
mkdir -p "$S"
cp "$TOPSRC/sigdb/eicar.hsb" "$S/"
expect_exit 0 sig build --version 1 --key "$T/k.sec" -o "$T/v1.mdb" "$S"
printf 'rule Test_Conn { strings: $a = "conn-marker" condition: $a }\n' >"$S/r.yar"
expect_exit 0 sig build --version 2 --key "$T/k.sec" -o "$T/v2.mdb" "$S"
M=$T/mirror
expect_exit 0 sig mirror --key "$T/k.sec" "$M" "$T/v1.mdb"
expect_exit 0 sig mirror --key "$T/k.sec" "$M" "$T/v2.mdb"
# the same mirror, its bundles with one byte flipped near the end (a part)
BAD=$T/tampered
cp -a "$M" "$BAD"
for f in "$BAD"/full/2.mdb "$BAD"/delta/1-2.mdb; do
	python3 - "$f" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-10] ^= 0x55
open(sys.argv[1], "wb").write(b)
EOF
done

ST=$T/store
expect_exit 0 mds definitions update --store "$ST" --keys "$T/k.pub" --from "$T/v1.mdb"
# snapshot: every name, link target and file content of the store
snap() {
	(cd "$ST" && find . -printf '%p %y %l %s %T@\n' | sort &&
		find . -type f -exec sha256sum {} + | sort)
}
SNAP=$(snap)
unchanged() {
	[ "$(snap)" = "$SNAP" ] || fail "$1: the store changed"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# serve DIR: an http server of DIR on a free port; its port in PORT
serve() {
	PORT=$(free_port)
	(cd "$1" && exec python3 -m http.server --bind 127.0.0.1 "$PORT") \
		>>"$T/http.log" 2>&1 &
	BGPIDS+=("$!")
	for _ in $(seq 50); do
		python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/index')" \
			2>/dev/null && return 0
		sleep 0.1
	done
	fail "the http server of $1 did not start"
}
conf() {
	printf 'store = %s\nkeys = %s\n' "$ST" "$T/k.pub" >"$MDESCAN_CONF"
	[ $# -eq 0 ] || printf 'update_mirror = %s\n' "$1" >>"$MDESCAN_CONF"
}

step "a reachable mirror, update_mirror of the configuration: exit 0"
serve "$M"
URL=http://127.0.0.1:$PORT/
conf "$URL"
expect_exit 0 mds connectivity test
grep -q "^mirror: *$URL (update_mirror of $MDESCAN_CONF)" "$OUT" || { show_output; fail "mirror line"; }
grep -q "^index *${URL}index: reachable (" "$OUT" || { show_output; fail "index line"; }
grep -q "^bundle *${URL}delta/1-2.mdb: reachable (" "$OUT" || { show_output; fail "bundle line (the delta from 1)"; }
grep -q '^signature: *verifies' "$OUT" || { show_output; fail "signature line"; }
grep -q '^version: *2 (installed: 1; newer' "$OUT" || { show_output; fail "version line"; }
grep -q '^result: *the mirror is reachable and its bundle verifies' "$OUT" ||
	{ show_output; fail "result line"; }
grep -q 'GET /delta/1-2.mdb' "$T/http.log" || fail "the delta was not fetched"
unchanged "reachable mirror"

step "the same, --json: one object"
expect_exit 0 mds connectivity test --json
[ "$(wc -l <"$OUT")" -eq 1 ] || { show_output; fail "--json: not one line"; }
[ "$(jq -c '[.ok, .mirror, .mirror_from, (.steps | length), .steps[0].step,
	.steps[0].url, .steps[0].reachable, .steps[1].step, .bundle_found,
	.verified, .error, .version, .installed_version, .compared,
	(.signer_key | length), (.steps[1].seconds | type)]' "$OUT")" = \
	"[true,\"$URL\",\"config\",2,\"index\",\"${URL}index\",true,\"bundle\",true,true,null,2,1,\"newer\",16,\"number\"]" ] ||
	{ show_output; fail "--json of a good mirror"; }
unchanged "--json"

step "--mirror over the configuration; a directory mirror; a bundle file"
conf "http://127.0.0.1:1/never-used/"
expect_exit 0 mds connectivity test --mirror "$M"
grep -q "^mirror: *$M (--mirror)" "$OUT" || { show_output; fail "--mirror not used"; }
grep -q "^bundle *$M/delta/1-2.mdb: reachable" "$OUT" || { show_output; fail "directory mirror"; }
expect_exit 0 mds connectivity test --mirror "$T/v1.mdb"
grep -q '^version: *1 (installed: 1; the same' "$OUT" || { show_output; fail "bundle file"; }
unchanged "directory mirror"
printf 'store = %s\nkeys = %s\n' "$T/no-store" "$T/k.pub" >"$T/fresh.conf"
expect_exit 0 mds connectivity test --mirror "$M" --config "$T/fresh.conf"
grep -q '^version: *2 (none installed: an update would install it)' "$OUT" ||
	{ show_output; fail "nothing installed"; }
grep -q "^bundle *$M/full/2.mdb: reachable" "$OUT" || { show_output; fail "nothing installed: not the full bundle"; }
[ ! -e "$T/no-store" ] || fail "nothing installed: the store was created"

step "a closed port: exit 1 naming the URL and the error"
CLOSED=http://127.0.0.1:$(free_port)/
expect_exit 1 mds connectivity test --mirror "$CLOSED"
grep -q "^index *${CLOSED}index: NOT reachable: .*[Cc]onnect" "$OUT" ||
	{ show_output; fail "closed port: no URL and error"; }
grep -q '^result: *the mirror is not reachable' "$OUT" || { show_output; fail "closed port: result"; }
expect_exit 1 mds connectivity test --mirror "$CLOSED" --json
[ "$(jq -c '[.ok, .steps[0].url, .steps[0].reachable, .bundle_found, .verified, .version]' "$OUT")" = \
	"[false,\"${CLOSED}index\",false,false,false,null]" ] || { show_output; fail "closed port --json"; }
jq -e '(.steps[0].error | test("onnect")) and (.error | startswith("'"${CLOSED}index: "'"))' "$OUT" >/dev/null ||
	{ show_output; fail "closed port: --json error"; }
unchanged "closed port"

step "a 404 and a missing directory: exit 1"
expect_exit 1 mds connectivity test --mirror "${URL}nothing/"
grep -q "${URL}nothing/index: NOT reachable: .*404" "$OUT" || { show_output; fail "404"; }
expect_exit 1 mds connectivity test --mirror "$T/no-such-mirror"
grep -q "$T/no-such-mirror: NOT reachable: .*No such file" "$OUT" || { show_output; fail "missing path"; }
unchanged "404"

step "a tampered bundle: exit 1, does not verify"
serve "$BAD"
TURL=http://127.0.0.1:$PORT/
conf "$TURL"
expect_exit 1 mds connectivity test
grep -q "^bundle *${TURL}delta/1-2.mdb: reachable" "$OUT" || { show_output; fail "tampered: fetch"; }
grep -q 'does not verify' "$OUT" || { show_output; fail "tampered: no 'does not verify'"; }
expect_exit 1 mds connectivity test --json
[ "$(jq -c '[.ok, .bundle_found, .verified, (.error | length > 0)]' "$OUT")" = \
	"[false,true,false,true]" ] || { show_output; fail "tampered --json"; }
expect_exit 1 mds connectivity test --mirror "$BAD"
grep -q 'does not verify' "$OUT" || { show_output; fail "tampered directory"; }
unchanged "tampered"

step "no mirror: exit 2 saying how to set one"
conf
expect_exit 2 mds connectivity test
grep -q "update_mirror" "$ERR" && grep -q -- "--mirror" "$ERR" ||
	{ show_output; fail "no mirror: no hint"; }
expect_exit 2 mds connectivity test --json
expect_exit 2 mds connectivity test --no-such-option
expect_exit 2 mds connectivity test extra
expect_exit 0 mds connectivity test --help
grep -q -- '--mirror' "$OUT" || fail "--help"
unchanged "no mirror"
exit 0
