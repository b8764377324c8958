#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-json.sh - --json: JSON Lines only on stdout (checked with jq and
# python3), object shapes, summary last with exit_code equal to the real
# exit status, counters consistent with the lines.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"

D=$T/tree
mkdir -p "$D/sub" "$T/clean"
make_eicar "$D/eicar.com"
make_eicar "$D/sub/eicar 2.com"
printf 'clean "quoted" \\ text\n' >"$D/clean.txt"
mkfifo "$D/fifo"
printf 'x\n' >"$T/clean/a.txt"
printf 'y\n' >"$T/clean/b.txt"

# check_jsonl STATUS: validate $OUT as JSON Lines for a run that exited
# with STATUS.
check_jsonl() {
	local n=0 line
	[ -s "$OUT" ] || { show_output; fail "--json printed nothing"; }
	[ "$(tail -c 1 "$OUT" | od -An -tx1 | tr -d ' ')" = 0a ] ||
		{ show_output; fail "stdout does not end with a newline"; }
	# jq, one line at a time: each line is exactly one JSON object
	while IFS= read -r line; do
		n=$((n + 1))
		[ "$(printf '%s\n' "$line" | jq -c 'type')" = '"object"' ] ||
			{ show_output; fail "line $n is not one JSON object (jq): $line"; }
	done <"$OUT"
	[ "$(jq -c . <"$OUT" | wc -l)" -eq "$n" ] ||
		{ show_output; fail "jq sees another number of values than lines"; }
	python3 - "$OUT" "$1" <<'PY' || { show_output; fail "JSON Lines check failed (see above)"; }
import json, sys
out, status = sys.argv[1], int(sys.argv[2])
lines = open(out, 'rb').read().split(b'\n')
assert lines[-1] == b'', 'no final newline'
objs = []
for i, raw in enumerate(lines[:-1], 1):
    try:
        o = json.loads(raw.decode('utf-8'))
    except ValueError as e:
        sys.exit('line %d: not JSON: %s: %r' % (i, e, raw))
    if not isinstance(o, dict) or not isinstance(o.get('type'), str):
        sys.exit('line %d: not an object with a "type" string' % i)
    objs.append(o)

def need(o, key, typ):
    if key not in o or not isinstance(o[key], typ) or isinstance(o[key], bool):
        sys.exit('%s object without %s %s: %r' % (o['type'], typ.__name__, key, o))

summ = objs[-1]
if summ['type'] != 'summary':
    sys.exit('last line is not the summary: %r' % summ)
if sum(o['type'] == 'summary' for o in objs) != 1:
    sys.exit('more than one summary line')
for k in ('files', 'bytes', 'findings', 'infected', 'errors', 'skipped',
          'excluded', 'dirs', 'elapsed_ms', 'threads', 'exit_code'):
    need(summ, k, int)
if summ['exit_code'] != status:
    sys.exit('summary exit_code %d, real exit status %d' % (summ['exit_code'], status))
kinds = {'finding': 0, 'error': 0, 'skipped': 0}
infected = set()
for o in objs[:-1]:
    t = o['type']
    if t not in kinds:
        sys.exit('unknown type %r' % t)
    kinds[t] += 1
    need(o, 'path', str)
    if t == 'finding':
        need(o, 'name', str)
        need(o, 'stage', str)
        need(o, 'size', int)
        if o['stage'] not in ('hash', 'bytes', 'yara'):
            sys.exit('bad stage %r' % o['stage'])
        if 'sha256' in o:
            s = o['sha256']
            if not (isinstance(s, str) and len(s) == 64 and
                    all(c in '0123456789abcdef' for c in s)):
                sys.exit('bad sha256 %r' % s)
        infected.add(o['path'])
    elif t == 'error':
        need(o, 'reason', str)
        need(o, 'errno', int)
    else:
        need(o, 'reason', str)
if summ['findings'] != kinds['finding']:
    sys.exit('summary findings %d, %d finding lines' % (summ['findings'], kinds['finding']))
if summ['errors'] != kinds['error']:
    sys.exit('summary errors %d, %d error lines' % (summ['errors'], kinds['error']))
if summ['skipped'] != kinds['skipped']:
    sys.exit('summary skipped %d, %d skipped lines' % (summ['skipped'], kinds['skipped']))
if summ['infected'] != len(infected):
    sys.exit('summary infected %d, %d files with findings' % (summ['infected'], len(infected)))
PY
	if grep -q 'SCAN SUMMARY' "$ERR"; then
		show_output
		fail "the text summary must never be printed in --json mode"
	fi
}

step "clean tree: exit 0, only the summary line"
expect_exit 0 mds --json "$T/clean"
check_jsonl 0
[ "$(wc -l <"$OUT")" -eq 1 ] || { show_output; fail "a clean scan should print only the summary"; }
json_expect 1 type=summary files=2 findings=0 infected=0 errors=0 exit_code=0
json_expect 1 type=summary dirs=1

step "findings, a skipped FIFO: exit 1"
expect_exit 1 mds --json "$D"
check_jsonl 1
json_expect 1 type=finding "path=$D/eicar.com" size=68 "name?" "stage?"
json_expect 1 type=finding "path=$D/sub/eicar 2.com" size=68
json_expect 1 type=skipped "path=$D/fifo" reason=fifo
json_expect 0 "path=$D/clean.txt"
json_expect 1 type=summary files=3 findings=2 infected=2 skipped=1 errors=0 dirs=2 exit_code=1
json_expect 1 type=summary bytes=$((68 + 68 + $(stat -c %s "$D/clean.txt")))
python3 - "$OUT" <<'PY' || { show_output; fail "the two EICAR findings should carry the same name"; }
import json, sys
names = {json.loads(l)['name'] for l in open(sys.argv[1]) if '"finding"' in l}
sys.exit(0 if len(names) == 1 else 1)
PY

step "-j 1 and -j 2 show in the summary threads field"
expect_exit 1 mds --json -j 1 "$D"
json_expect 1 type=summary threads=1
expect_exit 1 mds --json -j 2 "$D"
json_expect 1 type=summary threads=2

step "error line: a missing path, exit 2"
expect_exit 2 mds --json "$T/clean" "$T/missing"
check_jsonl 2
json_expect 1 type=error "path=$T/missing" errno=2
json_expect 1 type=summary errors=1 exit_code=2

step "error and finding: exit 1 wins"
expect_exit 1 mds --json "$T/missing" "$D/eicar.com"
check_jsonl 1

step "definition warnings stay on stderr in --json mode"
mkdir -p "$T/db"
printf 'zz:not:valid:line\n' >"$T/db/bad.hdb"
printf 'Test.Json.Marker:0:*:%s\n' "$(hex QZJSONMARKER)" >"$T/db/ok.ndb"
printf 'xx QZJSONMARKER yy\n' >"$T/clean/marked"
expect_exit 1 mds --json -d "$T/db" "$T/clean"
check_jsonl 1
grep -q '^mdescan: .*bad\.hdb:1: ' "$ERR" || { show_output; fail "warning not on stderr"; }
json_expect 1 type=finding "path=$T/clean/marked" name=Test.Json.Marker stage=bytes size=19

step "--json with -i still prints only JSON"
expect_exit 1 mds --json -i "$D"
check_jsonl 1

exit 0
