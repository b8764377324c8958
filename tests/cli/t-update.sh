#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-update.sh - what a definitions update must survive.  Each bad input is
# refused and the active definitions stay as they were: the same bundle,
# still loadable, still finding what it found.
#   flipped bytes (every byte of the head, a sample of the parts), a cut
#   at every section boundary, an unsigned bundle, a wrong key, an older
#   version, a delta for another base, rules that do not compile, a full
#   disk (root: a small tmpfs), kill -9 at random points (>= 200 runs).
# Every single-byte flip of a whole bundle is checked in-process by
# tests/unit/test_bundle.
set -eu
. "$(dirname "$0")/lib.sh"

MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}
KILL_RUNS=${MDS_KILL_RUNS:-200}
sig() { timeout -k 5 "$MDS_TIMEOUT" "$MDESIG" "$@"; }
OUT=$T/out ERR=$T/err

expect_exit 0 sig keygen -o "$T/k"
expect_exit 0 sig keygen -o "$T/other"
S=$T/src
mkdir -p "$S" "$T/files"
make_eicar "$T/files/eicar.com"
python3 - "$S/many.hsb" <<'EOF'
import random, sys
r = random.Random(9)
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write("%064x:%d:Test.Random.%d\n" % (r.getrandbits(256), r.randrange(1, 1 << 20), i))
EOF
cp "$TOPSRC/sigdb/eicar.hsb" "$S/"
printf 'rule Test_Rule { strings: $a = "test-rule-marker" condition: $a }\n' > "$S/r.yar"
expect_exit 0 sig build --version 10 --key "$T/k.sec" -o "$T/v10.mdb" "$S"
printf 'rule Test_Rule_Two { strings: $a = "second-marker" condition: $a }\n' > "$S/r2.yar"
expect_exit 0 sig build --version 11 --key "$T/k.sec" -o "$T/v11.mdb" "$S"
expect_exit 0 sig build --version 12 --key "$T/other.sec" -o "$T/wrongkey.mdb" "$S"
expect_exit 0 sig build --version 9 --key "$T/k.sec" -o "$T/v9.mdb" "$S"
expect_exit 0 sig build --version 13 --key "$T/k.sec" -o "$T/v13.mdb" "$S"
expect_exit 0 sig diff --key "$T/k.sec" -o "$T/d11-13.mdb" "$T/v11.mdb" "$T/v13.mdb"
printf 'rule broken { condition: no_such_thing }\n' > "$S/broken.yar"
expect_exit 0 sig build --skip-bad --version 14 --key "$T/k.sec" -o "$T/badrules.mdb" "$S"
rm "$S/broken.yar"

ST=$T/store
upd() { mds definitions update --store "$ST" --keys "$T/k.pub" "$@"; }
expect_exit 0 upd --from "$T/v10.mdb"
ACTIVE=$(readlink -f "$ST/current")
ACTIVE_SUM=$(sha256sum "$ACTIVE" | cut -d' ' -f1)

# unchanged WHAT: the active definitions are v10, intact, and they load.
unchanged() {
	local cur
	cur=$(readlink -f "$ST/current")
	[ "$cur" = "$ACTIVE" ] || fail "$1: current now points to $cur"
	[ "$(sha256sum "$cur" | cut -d' ' -f1)" = "$ACTIVE_SUM" ] || fail "$1: the active bundle changed"
	[ -z "$(ls -A "$ST/staging")" ] || fail "$1: staging not cleaned: $(ls "$ST/staging")"
}
refused() {
	expect_exit 2 upd --from "$1"
	unchanged "$2"
}
scan_ok() {
	expect_exit 1 mds --no-cache --store "$ST" --keys "$T/k.pub" "$T/files"
	out_has_line "$T/files/eicar.com: Eicar-Test-Signature FOUND"
}

step "flipped bytes: all of the head, a sample of every part"
python3 - "$T/v11.mdb" "$T/flips" <<'EOF'
import os, random, struct, sys
src, out = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
os.makedirs(out)
n = struct.unpack_from("<I", b, 96)[0]
head = 192 + 128 * n
r = random.Random(3)
# the fixed header and the signature whole, a sample of the manifest and
# of the parts (every flip of a whole bundle: tests/unit/test_bundle)
pos = list(range(192)) + r.sample(range(192, head), 40) + \
    r.sample(range(head, len(b)), 40)
for i, p in enumerate(pos):
    c = bytearray(b)
    c[p] ^= 0xff if i % 2 else 0x01
    open(os.path.join(out, "%06d.mdb" % p), "wb").write(c)
EOF
nflip=0
for f in "$T"/flips/*.mdb; do
	upd --from "$f" >"$OUT" 2>"$ERR" && { show_output; fail "flip ${f##*/} accepted"; }
	nflip=$((nflip + 1))
done
unchanged "flips"
step "$nflip flipped bundles refused"

step "cut at every section boundary"
python3 - "$T/v11.mdb" "$T/cuts" <<'EOF'
import os, struct, sys
b = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2])
n = struct.unpack_from("<I", b, 96)[0]
cuts = {0, 8, 127, 128, 191, 192, len(b) - 1}
for i in range(n):
    e = 192 + 128 * i
    cuts |= {e, e + 128}
    off, st = struct.unpack_from("<QQ", b, e + 56)
    cuts |= {off, off + 1, off + st - 1, off + st}
for c in sorted(x for x in cuts if 0 <= x < len(b)):
    open(os.path.join(sys.argv[2], "%08d.mdb" % c), "wb").write(b[:c])
EOF
for f in "$T"/cuts/*.mdb; do
	upd --from "$f" >"$OUT" 2>"$ERR" && { show_output; fail "cut ${f##*/} accepted"; }
	grep -q 'refused' "$ERR" || { show_output; fail "cut ${f##*/}: no reason"; }
done
unchanged "cuts"

step "unsigned, wrong key, older, wrong delta base, rules that do not compile"
python3 - "$T/v11.mdb" "$T/unsigned.mdb" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[128:192] = bytes(64)
open(sys.argv[2], "wb").write(b)
EOF
refused "$T/unsigned.mdb" unsigned
grep -q 'bad signature' "$ERR" || { show_output; fail "unsigned: reason"; }
refused "$T/wrongkey.mdb" "wrong key"
grep -q 'not a trusted key' "$ERR" || { show_output; fail "wrong key: reason"; }
refused "$T/v9.mdb" older
grep -q 'older than the installed version 10' "$ERR" || { show_output; fail "older: reason"; }
refused "$T/d11-13.mdb" "delta for another base"
grep -q 'not its base' "$ERR" || { show_output; fail "wrong base: reason"; }
refused "$T/badrules.mdb" "rules that do not compile"
grep -q 'broken.yar:1' "$ERR" || { show_output; fail "bad rules: reason"; }
refused "$T/nonexistent.mdb" "missing file"
scan_ok

step "kill -9 at random points ($KILL_RUNS runs)"
cp -a "$ST" "$T/pristine"
# the span of the kill times: how long an update takes here, +20%
rm -rf "$T/timing"; cp -a "$ST" "$T/timing"
t0=$(date +%s%N)
"$MDESCAN" definitions update --store "$T/timing" --keys "$T/k.pub" --from "$T/v11.mdb" >/dev/null
KILL_SPAN=$(( ($(date +%s%N) - t0) / 1000000 * 12 / 10 ))
[ "$KILL_SPAN" -lt 999 ] || KILL_SPAN=999
seen_old=0 seen_new=0
for i in $(seq "$KILL_RUNS"); do
	rm -rf "$ST"
	cp -a "$T/pristine" "$ST"
	"$MDESCAN" definitions update --store "$ST" --keys "$T/k.pub" --from "$T/v11.mdb" \
		>/dev/null 2>&1 &
	pid=$!
	# an update here takes ~0.1 s (more under ASan): kill anywhere in
	# it, from the copy to the switch of the current link
	sleep "$(printf '0.%03d' $((RANDOM % KILL_SPAN)))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	cur=$(readlink -f "$ST/current") || fail "run $i: no current definitions"
	case $(sha256sum "$cur" | cut -d' ' -f1) in
	"$ACTIVE_SUM") seen_old=$((seen_old + 1)) ;;
	"$(sha256sum "$T/v11.mdb" | cut -d' ' -f1)") seen_new=$((seen_new + 1)) ;;
	*) fail "run $i: current is neither v10 nor v11 (damaged)" ;;
	esac
	if [ $((i % 20)) -eq 0 ]; then
		scan_ok
	fi
	# the next update after a kill works and cleans up
	if [ $((i % 50)) -eq 0 ]; then
		expect_exit 0 upd --from "$T/v11.mdb"
		[ -z "$(ls -A "$ST/staging")" ] || fail "run $i: staging not cleaned"
	fi
done
step "kill -9: $seen_old runs left v10 active, $seen_new left v11; none damaged"
rm -rf "$ST"
cp -a "$T/pristine" "$ST"

step "full disk (a 1 MiB tmpfs)"
if is_root && mkdir -p "$T/small" && mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
	trap 'umount "$T/small" 2>/dev/null || true; cleanup' EXIT
	mds definitions update --store "$T/small/st" --keys "$T/k.pub" --from "$T/v10.mdb" >/dev/null 2>&1 ||
		fail "small store: first install"
	python3 - "$S/many.hsb" <<'EOF'
import random, sys
r = random.Random(11)
with open(sys.argv[1], "a") as f:
    for i in range(30000):
        f.write("%064x:%d:Test.More.%d\n" % (r.getrandbits(256), r.randrange(1, 1 << 20), i))
EOF
	expect_exit 0 sig build --version 20 --key "$T/k.sec" -o "$T/big.mdb" "$S"
	small_cur=$(readlink -f "$T/small/st/current")
	small_sum=$(sha256sum "$small_cur" | cut -d' ' -f1)
	expect_exit 2 mds definitions update --store "$T/small/st" --keys "$T/k.pub" --from "$T/big.mdb"
	grep -q 'No space left' "$ERR" || { show_output; fail "full disk: reason"; }
	[ "$(readlink -f "$T/small/st/current")" = "$small_cur" ] || fail "full disk: current moved"
	[ "$(sha256sum "$small_cur" | cut -d' ' -f1)" = "$small_sum" ] || fail "full disk: bundle changed"
	[ -z "$(ls -A "$T/small/st/staging")" ] || fail "full disk: staging not cleaned"
	expect_exit 1 mds --no-cache --store "$T/small/st" --keys "$T/k.pub" "$T/files"
	umount "$T/small"
else
	step "full disk: SKIPPED (needs root and tmpfs)"
fi
exit 0
