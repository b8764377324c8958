#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-evidence.sh - the evidence outputs against their real consumers, and
# scores: --ecs validated with JSON Schema (doc/mdescan-ecs.schema.json),
# --csv read back by Python's csv module, --hashdeep audited by hashdeep
# itself, --bodyfile turned into a timeline by Sleuth Kit's mactime;
# scores, levels and --min-score; --changed-since; --shard K/N.
set -eu
. "$(dirname "$0")/lib.sh"

# jqany FILTER FILE: true when FILTER selects something from any line
# (jq -e alone judges only the output of the last line)
jqany() {
	jq -n -e "[inputs | $1] | length > 0" "$2" >/dev/null
}

command -v hashdeep >/dev/null || skip "needs hashdeep (Debian package hashdeep)"
command -v mactime >/dev/null || skip "needs mactime (Debian package sleuthkit)"
python3 -c 'import jsonschema' 2>/dev/null ||
	skip "needs python3-jsonschema"
SCHEMA=$TOPSRC/doc/mdescan-ecs.schema.json

# definitions written here: two YARA rules (one with a score), a hash
# signature for EICAR and Loki hash IOCs with and without a score
D=$T/defs
mkdir -p "$D" "$T/tree/sub"
cat >"$D/t.yar" <<'EOF'
rule T_Scored {
	meta:
		description = "a scored test rule"
		author = "mdescan tests"
		score = 40
	strings:
		$a = "mdescan-evidence-marker-alpha"
	condition:
		$a
}
rule T_Unscored {
	strings:
		$b = "mdescan-evidence-marker-beta"
	condition:
		$b
}
EOF
printf '%s:68:Test.Eicar-Hash\n' "$EICAR_MD5" >"$D/t.hdb"
head -c 3000 /dev/urandom >"$T/tree/sub/ioc.bin"
head -c 500 /dev/urandom >"$T/tree/sub/ioc2.bin"
{
	echo "# test IOCs"
	printf '%s;75;Test hash IOC with a score\n' \
		"$(sha256sum <"$T/tree/sub/ioc.bin" | cut -d' ' -f1)"
	printf '%s;Test hash IOC without a score\n' \
		"$(md5sum <"$T/tree/sub/ioc2.bin" | cut -d' ' -f1)"
} >"$D/hash-iocs.txt"

echo "x mdescan-evidence-marker-alpha x" >"$T/tree/a.txt"
printf 'mdescan-evidence-marker-alpha\nmdescan-evidence-marker-beta\n' >"$T/tree/b.txt"
make_eicar "$T/tree/eicar.com"
(cd "$T/tree" && tar cf "$T/tree/sub/pack.tar" b.txt)
for i in $(seq 20); do echo "clean $i" >"$T/tree/sub/clean$i.txt"; done
# names CSV must quote and hashdeep must carry
echo "mdescan-evidence-marker-alpha" >"$T/tree/sub/we, \"quote\".txt"
echo clean >"$T/tree/sub/new
line.txt"
touch -m -d '2020-01-02 03:04:05 UTC' "$T/tree/a.txt"
NFILES=$(find "$T/tree" -type f -printf . | wc -c)

step "all outputs at once"
expect_exit 1 mds -d "$D" -z --no-summary --ecs "$T/e.jsonl" --csv "$T/f.csv" \
	--hashdeep "$T/m.hd" --bodyfile "$T/body" --json "$T/tree"
cp "$OUT" "$T/scan.json"
cp "$ERR" "$T/scan.err"

step "ECS lines valid against the schema, with the right values"
python3 - "$SCHEMA" "$T/e.jsonl" "$T/tree" <<'PY' || fail "ECS output"
import hashlib, json, os, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
objs = [json.loads(l) for l in lines]
for o in objs:
    errs = sorted(v.iter_errors(o), key=str)
    if errs:
        print("invalid:", json.dumps(o)[:400], "\n", errs[0], file=sys.stderr)
        sys.exit(1)
finds = [o for o in objs if o["event"]["kind"] == "alert"]
summ = [o for o in objs if o["event"]["kind"] == "event"]
assert len(summ) == 1 and summ[-1]["mdescan"]["summary"]["exit_code"] == 1, summ
def by(name, rule=None):
    r = [o for o in finds if o["file"]["name"] == name and (rule is None or o["rule"]["name"] == rule)]
    assert r, (name, rule, [(o["file"]["name"], o["rule"]["name"]) for o in finds])
    return r
tree = sys.argv[3]
# b.txt: 40 (meta score) + 70 (YARA default) = 110: alert
for o in by("b.txt"):
    if "container_path" in o["mdescan"]:
        continue
    assert o["mdescan"]["file_score"] == 110 and o["mdescan"]["level"] == "alert", o
    assert o["event"]["risk_score"] == 110
assert {o["rule"]["name"] for o in by("b.txt") if "container_path" not in o["mdescan"]} == {"T_Scored", "T_Unscored"}
a = by("a.txt")[0]
assert a["mdescan"]["score"] == 40 and a["mdescan"]["level"] == "notice", a
assert a["rule"]["description"] == "a scored test rule" and a["rule"]["author"] == "mdescan tests"
assert a["rule"]["ruleset"] == "t.yar" and a["rule"]["category"] == "yara", a["rule"]
assert a["file"]["mtime"] == "2020-01-02T03:04:05.000Z", a["file"]
data = open(os.path.join(tree, "a.txt"), "rb").read()
assert a["file"]["hash"] == {"md5": hashlib.md5(data).hexdigest(),
    "sha1": hashlib.sha1(data).hexdigest(), "sha256": hashlib.sha256(data).hexdigest()}, a["file"]
st = os.stat(os.path.join(tree, "a.txt"))
assert a["file"]["inode"] == str(st.st_ino) and a["file"]["mode"] == "%04o" % (st.st_mode & 0o7777)
assert a["file"]["uid"] == str(st.st_uid) and a["file"]["size"] == st.st_size
e = by("eicar.com")[0]
assert e["rule"]["name"] == "Test.Eicar-Hash" and e["mdescan"]["score"] == 100 and e["mdescan"]["level"] == "alert", e
i1 = by("ioc.bin")[0]
assert i1["mdescan"]["score"] == 75 and i1["mdescan"]["level"] == "warning", i1
i2 = by("ioc2.bin")[0]
assert i2["mdescan"]["score"] == 100, i2
m = [o for o in by("pack.tar") if o["mdescan"].get("container_path") == ["b.txt"]]
assert m, by("pack.tar")
assert by('we, "quote".txt')
print(len(finds), "findings valid", file=sys.stderr)
PY

step "JSON output carries score, file_score and level"
jqany 'select(.type=="finding" and (.path|endswith("/b.txt")) and .layers==null) | select(.file_score==110 and .level=="alert")' \
	"$T/scan.json" >/dev/null || fail "no file_score/level in --json"

jqany 'select(.type=="summary") | select(.levels.alert >= 3 and .levels.warning == 1 and .levels.notice == 2)' "$T/scan.json" ||
	{ tail -1 "$T/scan.json" >&2; fail "files per level wrong in the summary"; }
expect_exit 1 mds -d "$D" --no-summary --min-score 1 "$T/tree/b.txt"
grep -q ': T_Scored FOUND (score 40, file 40 notice)$' "$OUT" || { show_output; fail "no score in the text output"; }

step "CSV read back by Python's csv module (RFC 4180)"
python3 - "$T/f.csv" "$T/e.jsonl" <<'PY' || fail "CSV output"
import csv, json, sys
raw = open(sys.argv[1], "rb").read()
assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "not CRLF rows"
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
ecs = [json.loads(l) for l in open(sys.argv[2]) if '"alert"' in l]
assert len(rows) == len(ecs), (len(rows), len(ecs))
q = [r for r in rows if r["file_name"] == 'we, "quote".txt']
assert q and q[0]["path"].endswith('/sub/we, "quote".txt'), q
b = [r for r in rows if r["file_name"] == "b.txt" and not r["container_path"]]
assert {r["rule"] for r in b} == {"T_Scored", "T_Unscored"} and all(r["file_score"] == "110" and r["level"] == "alert" for r in b), b
t = [r for r in rows if r["container_path"] == "b.txt"]
assert t and t[0]["file_name"] == "pack.tar", t
PY

step "hashdeep audits the tree against the manifest"
grep -qx '%%%% HASHDEEP-1.0' "$T/m.hd" || fail "no hashdeep header"
n=$(grep -vc '^[%#]' "$T/m.hd" || true)
# every file but the one whose name holds a newline
[ "$n" -eq $((NFILES - 1)) ] || { cat "$T/m.hd" >&2; fail "$n manifest lines for $NFILES files"; }
grep -q 'left out of the hashdeep manifest' "$T/scan.err" || fail "the left-out name was not reported"
rm "$T/tree/sub/new"*
hashdeep -r -a -k "$T/m.hd" "$T/tree" >"$T/audit" 2>&1 || { cat "$T/audit" >&2; fail "hashdeep audit failed"; }
grep -q 'Audit passed' "$T/audit" || { cat "$T/audit" >&2; fail "no 'Audit passed'"; }
echo changed >>"$T/tree/sub/clean1.txt"
if hashdeep -r -a -k "$T/m.hd" "$T/tree" >"$T/audit" 2>&1; then
	fail "hashdeep passed a changed file: the manifest proves nothing"
fi

step "mactime builds a timeline from the bodyfile"
mactime -b "$T/body" -d -z UTC >"$T/timeline" || fail "mactime failed"
grep -q '^Thu Jan 02 2020 03:04:05,[0-9]*,m\.\.\.,-rw-r--r--,.*/tree/a.txt"\?$' "$T/timeline" ||
	{ head -20 "$T/timeline" >&2; fail "a.txt's mtime is not in the timeline"; }
n=$(cut -d'|' -f2 "$T/body" | sort -u | wc -l)
[ "$n" -eq $((NFILES - 1)) ] || fail "$n files in the bodyfile, want $((NFILES - 1))"
grep -q "^$EICAR_MD5|$T/tree/eicar.com|" "$T/body" || fail "no MD5 in the bodyfile"

step "--min-score"
expect_exit 1 mds -d "$D" -z --no-summary --json --min-score 100 "$T/tree"
jq -r 'select(.type=="finding") | .path' "$OUT" | sort -u >"$T/reported"
grep -q '/a.txt$' "$T/reported" && fail "a.txt (score 40) reported under --min-score 100"
grep -q '/ioc.bin$' "$T/reported" && fail "ioc.bin (75) reported under --min-score 100"
grep -q '/b.txt$' "$T/reported" || fail "b.txt (110) not reported"
expect_exit 0 mds -d "$D" -z --no-summary --json --min-score 1000 "$T/tree"
jqany 'select(.type=="summary") | select(.below_min_score >= 6)' "$OUT" >/dev/null ||
	{ show_output; fail "files below --min-score not counted"; }

step "levels from the configuration"
printf 'score_alert = 200\nscore_warning = 100\nmin_score = 0\n' >"$T/lv.conf"
expect_exit 1 mds --config "$T/lv.conf" -d "$D" -z --no-summary --json "$T/tree/b.txt"
jqany 'select(.type=="finding") | select(.level=="warning")' "$OUT" >/dev/null || fail "score_alert not applied"
printf 'score_alert = 10\nscore_warning = 100\n' >"$T/bad.conf"
expect_exit 2 mds --config "$T/bad.conf" -d "$D" "$T/tree/b.txt"
grep -q 'score levels must rise' "$ERR" || fail "levels in the wrong order accepted"

step "--changed-since and --newer-than"
expect_exit 0 mds -d "$D" --no-summary --json --changed-since "@$(($(date +%s) + 3600))" "$T/tree"
jqany "select(.type==\"summary\") | select(.files==0 and .unchanged==$((NFILES - 1)))" "$OUT" >/dev/null ||
	{ show_output; fail "files changed before --changed-since were scanned"; }
expect_exit 1 mds -d "$D" --no-summary --json --newer-than 1 "$T/tree"
jqany 'select(.type=="summary") | select(.unchanged==0)' "$OUT" >/dev/null || fail "--newer-than 1 left files out"
expect_exit 2 mds -d "$D" --changed-since yesterday "$T/tree"
grep -q -- '--changed-since' "$ERR" || fail "a bad time not named"

step "--shard K/N: the shards' manifests add up to the whole scan"
expect_exit 1 mds -d "$D" --no-summary -i --hashdeep "$T/all.hd" "$T/tree"
grep -v '^[%#]' "$T/all.hd" | sort >"$T/all"
for n in 1 2 3 5; do
	: >"$T/union"
	for k in $(seq "$n"); do
		mds -d "$D" --no-summary -i --shard "$k/$n" --hashdeep "$T/s.hd" "$T/tree/" >/dev/null 2>&1 || true
		grep -v '^[%#]' "$T/s.hd" >>"$T/union"
	done
	sort "$T/union" >"$T/union.s"
	cmp -s "$T/all" "$T/union.s" || { diff "$T/all" "$T/union.s" >&2; fail "shards of $n: union differs from the whole"; }
	[ "$(sort -u "$T/union.s" | wc -l)" -eq "$(wc -l <"$T/union.s")" ] || fail "shards of $n overlap"
done
# the partition does not depend on how the start path is spelled
mds -d "$D" --no-summary -i --shard 2/3 --hashdeep "$T/x.hd" "$T/tree" >/dev/null 2>&1 || true
mds -d "$D" --no-summary -i --shard 2/3 --hashdeep "$T/y.hd" "$T//tree//" >/dev/null 2>&1 || true
diff <(grep -v '^[%#]' "$T/x.hd" | cut -d, -f3 | sort) <(grep -v '^[%#]' "$T/y.hd" | cut -d, -f3 | sort) >/dev/null ||
	fail "the shard of a file depends on the start path's spelling"
expect_exit 2 mds -d "$D" --shard 4/3 "$T/tree"

step "an output that cannot be written is an error"
expect_exit 2 mds -d "$D" --ecs "$T/no/such/dir/e.jsonl" "$T/tree/a.txt"
grep -q "no/such/dir/e.jsonl" "$ERR" || fail "the output file not named"
if [ -w /dev/full ]; then
	expect_exit 2 mds -d "$D" --csv /dev/full "$T/tree"
	grep -q "/dev/full" "$ERR" || fail "a failed write not reported"
fi
echo "PASS: $TEST_NAME"
