#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-bundle.sh - mdesig (keygen, build, verify, info, list, diff, mirror),
# scanning with a bundle, and `mdescan definitions update|rollback|status`
# from a bundle, a delta, a mirror directory and an http mirror.
set -eu
. "$(dirname "$0")/lib.sh"

MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
[ -x "$MDESIG" ] || fail "mdesig not found next to $MDESCAN"
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@"; }
OUT=$T/out ERR=$T/err

step "keygen"
expect_exit 0 sig keygen -o "$T/k"
[ "$(stat -c %a "$T/k.sec")" = 600 ] || fail "secret key is not mode 0600"
expect_exit 2 sig keygen -o "$T/k"
grep -q "use -f" "$ERR" || fail "keygen over an existing key does not say -f"
expect_exit 0 sig keygen -o "$T/other"

step "sources: hashes, a byte signature and a YARA rule"
S=$T/src
mkdir -p "$S" "$T/files"
make_eicar "$T/files/eicar.com"
printf 'first marker file\n' > "$T/files/m1.txt"
printf 'second marker file\n' > "$T/files/m2.txt"
printf 'clean text\n' > "$T/files/clean.txt"
printf 'has the yara-marker-7f3a inside\n' > "$T/files/y.txt"
h1=$(sha256sum "$T/files/m1.txt" | cut -d' ' -f1)
h2=$(sha256sum "$T/files/m2.txt" | cut -d' ' -f1)
python3 - "$S/many.hsb" <<'EOF'
import random, sys
r = random.Random(5)
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write("%064x:%d:Test.Random.%d\n" % (r.getrandbits(256), r.randrange(1, 1 << 20), i))
EOF
printf '%s:%s:Test.Marker.One\n' "$h1" "$(stat -c %s "$T/files/m1.txt")" > "$S/markers.hsb"
printf 'Test.Eicar.Body:0:*:%s\n' "$(printf 'EICAR-STANDARD' | od -An -tx1 | tr -d ' \n')" > "$S/body.ndb"
printf 'rule Test_Yara_Marker { meta: score = 70 strings: $a = "yara-marker-7f3a" condition: $a }\n' > "$S/r.yar"

step "build v1"
expect_exit 0 sig build --version 1 --key "$T/k.sec" -o "$T/v1.mdb" "$S"
grep -q 'version 1, 20001 hash, 1 byte, 1 YARA' "$OUT" || { show_output; fail "build summary"; }
expect_exit 0 sig verify --keys "$T/k.pub" "$T/v1.mdb"
expect_exit 1 sig verify --keys "$T/other.pub" "$T/v1.mdb"
grep -q "not a trusted key" "$ERR" || fail "verify with another key does not name the cause"
expect_exit 0 sig info --json "$T/v1.mdb"
[ "$(jq -r '.version,.hash_sigs,.byte_sigs,.yara_rules' "$OUT" | tr '\n' ' ')" = "1 20001 1 1 " ] ||
	{ show_output; fail "info --json counts"; }
expect_exit 0 sig list "$T/v1.mdb"
for l in 'hash	Test.Marker.One' 'byte	Test.Eicar.Body' 'yara	Test_Yara_Marker'; do
	out_has_line "$l"
done
[ "$(grep -c '^hash' "$OUT")" = 20001 ] || fail "list: not every hash signature name"

step "the signature checks with OpenSSL alone, as mdescan-bundle(5) shows"
if command -v openssl >/dev/null 2>&1; then
	n=$(od -An -tu4 -j96 -N4 "$T/v1.mdb" | tr -d ' ')
	{ head -c 128 "$T/v1.mdb"; tail -c +193 "$T/v1.mdb" | head -c $((n * 128)); } >"$T/msg"
	tail -c +129 "$T/v1.mdb" | head -c 64 >"$T/sig"
	expect_exit 0 openssl pkeyutl -verify -pubin -inkey "$T/k.pub" -rawin -in "$T/msg" -sigfile "$T/sig"
	expect_exit 1 openssl pkeyutl -verify -pubin -inkey "$T/other.pub" -rawin -in "$T/msg" -sigfile "$T/sig"
fi

step "build refuses bad input with file:line, --skip-bad leaves it out"
mkdir -p "$T/bad"
cp "$S/markers.hsb" "$T/bad/"
printf 'Good.Sig:0:*:41424344\nBad.Hex:0:*:41zz\n' > "$T/bad/b.ndb"
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/bad.mdb" "$T/bad"
grep -q 'b.ndb:2' "$ERR" || { show_output; fail "bad hex not reported by file:line"; }
[ ! -e "$T/bad.mdb" ] || fail "a refused build left a bundle"
printf 'rule broken { condition: no_such_identifier }\n' > "$T/bad/x.yar"
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/bad.mdb" "$T/bad"
grep -q 'x.yar:1' "$ERR" || { show_output; fail "YARA error not reported by file:line"; }
expect_exit 0 sig build --skip-bad --version 1 --key "$T/k.sec" -o "$T/skip.mdb" "$T/bad"
grep -q 'skipped: .*b.ndb:2' "$ERR" || { show_output; fail "--skip-bad does not report"; }

step "duplicate names are refused"
mkdir -p "$T/dup"
printf 'Same.Name:0:*:41424344\n' > "$T/dup/a.ndb"
printf 'Other:0:*:4142\nSame.Name:0:*:45464748\n' > "$T/dup/b.ndb"
expect_exit 2 sig build --version 1 --key "$T/k.sec" -o "$T/dup.mdb" "$T/dup"
grep -q "b.ndb:2: 'Same.Name': duplicate signature name (first in .*a.ndb:1)" "$ERR" ||
	{ show_output; fail "duplicate name not reported"; }

step "Loki IOC lists travel in a bundle and are used"
mkdir -p "$T/ioc" "$T/iocfiles/var/tmp"
printf 'ioc hash file\n' > "$T/iocfiles/h.txt"
printf 'known good\n' > "$T/iocfiles/good.txt"
printf 'x\n' > "$T/iocfiles/var/tmp/.hidden.elf"
{ echo '# test hash IOCs'
  printf '%s;80;Test IOC hash\n' "$(sha256sum "$T/iocfiles/h.txt" | cut -d' ' -f1)"
  printf '%s;Listed but a false positive\n' "$(md5sum "$T/iocfiles/good.txt" | cut -d' ' -f1)"
} > "$T/ioc/hash-iocs.txt"
printf '%s;known good\n' "$(md5sum "$T/iocfiles/good.txt" | cut -d' ' -f1)" > "$T/ioc/falsepositive-hashes.txt"
printf '# Hidden ELF in a temp dir\n/var/tmp/\\.[^/]+\\.elf$;70\n' > "$T/ioc/filename-iocs.txt"
expect_exit 0 sig build --version 1 --key "$T/k.sec" -o "$T/ioc.mdb" "$T/ioc"
expect_exit 0 sig info --json "$T/ioc.mdb"
[ "$(jq -r .iocs "$OUT")" = 4 ] || { show_output; fail "IOC count"; }
expect_exit 0 sig list "$T/ioc.mdb"
out_has_line "ioc	Test IOC hash"
expect_exit 1 mds -i --no-cache -d "$T/ioc.mdb" --keys "$T/k.pub" "$T/iocfiles"
out_has_line "$T/iocfiles/h.txt: IOC.Hash:Test IOC hash FOUND"
out_has_line "$T/iocfiles/var/tmp/.hidden.elf: IOC.Filename:Hidden ELF in a temp dir FOUND"
out_lacks "good.txt"

step "scan with a bundle: found with its key, refused without it"
expect_exit 1 mds -i --no-cache -d "$T/v1.mdb" --keys "$T/k.pub" "$T/files"
out_has_line "$T/files/eicar.com: Test.Eicar.Body FOUND"
out_has_line "$T/files/m1.txt: Test.Marker.One FOUND"
out_has_line "$T/files/y.txt: Test_Yara_Marker FOUND"
out_lacks "m2.txt: "
expect_exit 2 mds --no-cache -d "$T/v1.mdb" --keys "$T/other.pub" "$T/files"
grep -q "not a trusted key" "$ERR" || fail "untrusted key: no reason given"
expect_exit 2 mds --no-cache -d "$T/v1.mdb" --keys "$T/nokeys" "$T/files"

step "v2 and its delta"
printf '%s:%s:Test.Marker.Two\n' "$h2" "$(stat -c %s "$T/files/m2.txt")" >> "$S/markers.hsb"
expect_exit 0 sig build --version 2 --key "$T/k.sec" -o "$T/v2.mdb" "$S"
expect_exit 0 sig diff --key "$T/k.sec" -o "$T/d12.mdb" "$T/v1.mdb" "$T/v2.mdb"
full=$(stat -c %s "$T/v2.mdb") delta=$(stat -c %s "$T/d12.mdb")
[ "$delta" -lt $((full / 20)) ] || fail "delta of one signature is $delta bytes (full $full)"
expect_exit 2 sig diff --key "$T/k.sec" -o "$T/d21.mdb" "$T/v2.mdb" "$T/v1.mdb"

step "definitions update from a bundle, a delta; status; rollback"
ST=$T/store
upd() { mds definitions update --store "$ST" --keys "$T/k.pub" "$@"; }
expect_exit 0 mds definitions status --store "$ST" --json
[ "$(jq -r .definitions_status "$OUT")" = unavailable ] || fail "empty store is not unavailable"
expect_exit 0 upd --from "$T/v1.mdb"
grep -q 'updated: version 1' "$OUT" || { show_output; fail "update v1"; }
expect_exit 0 upd --from "$T/v1.mdb"
grep -q 'already up to date' "$OUT" || { show_output; fail "same bundle twice"; }
[ -e "$(readlink -f "$ST/current").verified" ] || fail "installed bundle has no stamp"
expect_exit 1 mds -i --no-cache --store "$ST" --keys "$T/k.pub" "$T/files"
out_has_line "$T/files/m1.txt: Test.Marker.One FOUND"
out_lacks "m2.txt: "
expect_exit 0 upd --from "$T/d12.mdb"
grep -q 'updated: version 2' "$OUT" || { show_output; fail "update by delta"; }
expect_exit 1 mds -i --no-cache --store "$ST" --keys "$T/k.pub" "$T/files"
out_has_line "$T/files/m2.txt: Test.Marker.Two FOUND"
expect_exit 0 mds definitions status --store "$ST" --json
[ "$(jq -r '.version,.previous_version,.definitions_status,.hash_sigs' "$OUT" | tr '\n' ' ')" = "2 1 up_to_date 20002 " ] ||
	{ show_output; fail "status after the delta"; }
expect_exit 0 mds definitions status --store "$ST" --max-age 1
grep -q '^status: *up_to_date' "$OUT" || { show_output; fail "status text"; }
expect_exit 0 mds definitions rollback --store "$ST" --keys "$T/k.pub"
grep -q 'rolled back: version 1' "$OUT" || { show_output; fail "rollback"; }
expect_exit 0 upd --from "$T/v2.mdb"
expect_exit 2 upd --from "$T/v1.mdb"
grep -q 'older than the installed version 2' "$ERR" || { show_output; fail "downgrade not refused"; }
expect_exit 0 upd --from "$T/v1.mdb" --allow-downgrade
grep -q 'updated: version 1' "$OUT" || { show_output; fail "--allow-downgrade"; }

step "a mirror directory and an http mirror"
M=$T/mirror
expect_exit 0 sig mirror --key "$T/k.sec" "$M" "$T/v1.mdb"
expect_exit 0 sig mirror --key "$T/k.sec" "$M" "$T/v2.mdb"
expect_exit 2 sig mirror --key "$T/k.sec" "$M" "$T/v1.mdb"
grep -q '^delta 1 2 delta/1-2.mdb ' "$M/index" || { cat "$M/index" >&2; fail "mirror index has no delta"; }
grep -q '^full 2 full/2.mdb ' "$M/index" || fail "mirror index has no full v2"
ST2=$T/store2
expect_exit 0 mds definitions update --store "$ST2" --keys "$T/k.pub" --from "$T/v1.mdb"
expect_exit 0 mds definitions update --store "$ST2" --keys "$T/k.pub" --from "$M"
grep -q 'updated: version 2' "$OUT" || { show_output; fail "update from a mirror directory"; }
grep -q "^source=$M" "$(readlink -f "$ST2/current").info" || fail "source not recorded"
expect_exit 0 mds definitions update --store "$ST2" --keys "$T/k.pub" --from "$M"
grep -q 'already up to date' "$OUT" || { show_output; fail "mirror at the same version"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$M" && exec python3 -m http.server --bind 127.0.0.1 "$port") >"$T/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 50); do
	python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index')" 2>/dev/null && break
	sleep 0.1
done
ST3=$T/store3
expect_exit 0 mds definitions update --store "$ST3" --keys "$T/k.pub" --from "$T/v1.mdb"
expect_exit 0 mds definitions update --store "$ST3" --keys "$T/k.pub" --from "http://127.0.0.1:$port/"
grep -q 'updated: version 2' "$OUT" || { show_output; fail "update over http"; }
grep -q 'GET /delta/1-2.mdb' "$T/http.log" || { cat "$T/http.log" >&2; fail "http update did not use the delta"; }
expect_exit 2 mds definitions update --store "$ST3" --keys "$T/k.pub" --from "http://127.0.0.1:$port/nothing/"
grep -q '404' "$ERR" || { show_output; fail "http error not reported"; }
kill $HTTP_PID 2>/dev/null || true

step "a running scan keeps the definitions it started with"
ST4=$T/store4
expect_exit 0 mds definitions update --store "$ST4" --keys "$T/k.pub" --from "$T/v1.mdb"
MDESCAN_TEST_DELAY_MS=400 timeout 60 "$MDESCAN" --no-cache -j1 --store "$ST4" --keys "$T/k.pub" \
	"$T/files" >"$T/slow.out" 2>"$T/slow.err" &
slow=$!
sleep 0.3
expect_exit 0 mds definitions update --store "$ST4" --keys "$T/k.pub" --from "$T/v2.mdb"
wait $slow || true
grep -q 'm1.txt: Test.Marker.One FOUND' "$T/slow.out" || { cat "$T/slow.out" "$T/slow.err" >&2; fail "slow scan"; }
if grep -q 'm2.txt: ' "$T/slow.out" && ! grep -q 'm2.txt: OK' "$T/slow.out"; then
	fail "a scan started on v1 used v2's signature"
fi
exit 0
