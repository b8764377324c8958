#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-shard-auto.sh - --shard auto: the part of the files from the
# environment of a Kubernetes Indexed Job, a Slurm job array or
# MDESCAN_SHARD.  For each, 3 runs together must report exactly the files
# (every file read: --hashdeep) and the findings (--json) of one run
# without --shard, each file in one part only; each run's JSON and ECS
# summaries say which part it was.  Values that make no K/N are errors
# naming the variable, before anything is scanned.
set -eu
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "needs jq"

# what the test sets must be all there is
unset MDESCAN_SHARD MDESCAN_SHARDS JOB_COMPLETION_INDEX \
	SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX \
	SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_STEP

# definitions: EICAR by hash, a YARA rule on a marker
D=$T/defs
mkdir -p "$D"
printf '%s:68:Test.Eicar-Hash\n' "$EICAR_MD5" >"$D/t.hdb"
cat >"$D/t.yar" <<'EOF'
rule T_Shard_Marker {
	strings:
		$a = "mdescan-shard-marker"
	condition:
		$a
}
EOF

# a tree of 3 levels: clean files, EICAR and marker files spread over
# it, names with spaces, and a tar whose member is a finding
TREE=$T/tree
for a in 1 2 3 4; do
	for b in x y 'z z'; do
		mkdir -p "$TREE/d$a/$b"
		for i in 1 2 3 4 5 6; do
			echo "clean $a $b $i" >"$TREE/d$a/$b/f$i.txt"
		done
		make_eicar "$TREE/d$a/$b/eicar $a.com"
		echo "x mdescan-shard-marker $a $b" >"$TREE/d$a/$b/mark.txt"
	done
done
echo "mdescan-shard-marker in a tar" >"$T/member.txt"
(cd "$T" && tar cf "$TREE/d1/pack.tar" member.txt)
NFILES=$(find "$TREE" -type f | wc -l)

# scan [ENV=VALUE...] -- [mdescan options]: one run over the tree, its
# findings in $T/run.f (sorted), the files it read in $T/run.h (sorted),
# its JSON summary in $T/run.s; the exit status in $RC
scan() {
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	RC=0
	env "${envs[@]}" timeout -k 5 "$MDS_TIMEOUT" "$MDESCAN" -d "$D" \
		--no-cache --no-history --no-summary --json \
		--hashdeep "$T/run.hd" "$@" "$TREE" >"$OUT" 2>"$ERR" || RC=$?
	[ "$RC" -le 1 ] || { show_output; fail "scan ${envs[*]} $*: exit $RC"; }
	jq -c 'select(.type == "finding") | [.path, .name, (.layers // [])]' \
		"$OUT" | sort >"$T/run.f"
	grep -v '^[%#]' "$T/run.hd" | sort >"$T/run.h"
	jq -c 'select(.type == "summary")' "$OUT" >"$T/run.s"
	[ -s "$T/run.s" ] || { show_output; fail "no JSON summary"; }
}

step "the whole tree, without --shard"
scan -- 
cp "$T/run.f" "$T/all.f"
cp "$T/run.h" "$T/all.h"
[ "$(wc -l <"$T/all.h")" -eq "$NFILES" ] || fail "the whole scan did not read all $NFILES files"
# 12 EICAR + 12 markers + 1 tar member
[ "$(wc -l <"$T/all.f")" -eq 25 ] || { cat "$T/all.f" >&2; fail "expected 25 findings"; }
jq -e 'has("shard") | not' "$T/run.s" >/dev/null || fail "a whole scan's summary has a shard"

# parts MODE FROM ENV-FOR-1 ENV-FOR-2 ENV-FOR-3: the 3 runs of one way
# of numbering; each ENV-FOR-K is a space-separated list of VAR=VALUE
parts() {
	local mode=$1 from=$2 k=0 envs
	shift 2
	step "$mode: 3 parts make the whole, each file in one of them"
	: >"$T/union.f"
	: >"$T/union.h"
	for envs in "$@"; do
		k=$((k + 1))
		# shellcheck disable=SC2086 # the list is meant to split
		scan $envs -- --shard auto
		jq -e --argjson k "$k" --arg from "$from" \
			'.shard == {"index": $k, "count": 3, "from": $from}' \
			"$T/run.s" >/dev/null ||
			{ cat "$T/run.s" >&2; fail "$mode: part $k: summary's shard is not $k/3 from $from"; }
		jq -e --argjson n "$NFILES" '.files + .othershard == $n' \
			"$T/run.s" >/dev/null ||
			{ cat "$T/run.s" >&2; fail "$mode: part $k: files + othershard is not $NFILES"; }
		cat "$T/run.f" >>"$T/union.f"
		cat "$T/run.h" >>"$T/union.h"
		cp "$T/run.h" "$T/$mode.$k.h"
	done
	sort -o "$T/union.f" "$T/union.f"
	sort -o "$T/union.h" "$T/union.h"
	diff -u "$T/all.f" "$T/union.f" >&2 || fail "$mode: the parts' findings are not the whole scan's"
	diff -u "$T/all.h" "$T/union.h" >&2 || fail "$mode: the parts' files are not the whole scan's"
}

parts mdescan MDESCAN_SHARD MDESCAN_SHARD=1/3 MDESCAN_SHARD=2/3 MDESCAN_SHARD=3/3
# Kubernetes counts from 0; the manifest passes the completions
parts kubernetes kubernetes \
	"JOB_COMPLETION_INDEX=0 MDESCAN_SHARDS=3" \
	"JOB_COMPLETION_INDEX=1 MDESCAN_SHARDS=3" \
	"JOB_COMPLETION_INDEX=2 MDESCAN_SHARDS=3"
# sbatch --array=1-3
S="SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=1"
parts slurm slurm "SLURM_ARRAY_TASK_ID=1 $S" "SLURM_ARRAY_TASK_ID=2 $S" "SLURM_ARRAY_TASK_ID=3 $S"
# sbatch --array=10-18:4 (10, 14, 18), STEP not set for 0-2 style below
S="SLURM_ARRAY_TASK_MIN=10 SLURM_ARRAY_TASK_MAX=18 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=4"
parts slurm-step slurm "SLURM_ARRAY_TASK_ID=10 $S" "SLURM_ARRAY_TASK_ID=14 $S" "SLURM_ARRAY_TASK_ID=18 $S"
S="SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2 SLURM_ARRAY_TASK_COUNT=3"
parts slurm-nostep slurm "SLURM_ARRAY_TASK_ID=0 $S" "SLURM_ARRAY_TASK_ID=1 $S" "SLURM_ARRAY_TASK_ID=2 $S"

step "every way of numbering gives part K the files of --shard K/3"
for k in 1 2 3; do
	scan -- --shard "$k/3"
	jq -e --argjson k "$k" '.shard == {"index": $k, "count": 3, "from": "option"}' \
		"$T/run.s" >/dev/null || { cat "$T/run.s" >&2; fail "--shard $k/3: summary's shard"; }
	for mode in mdescan kubernetes slurm slurm-step slurm-nostep; do
		cmp -s "$T/run.h" "$T/$mode.$k.h" || fail "$mode: part $k is not --shard $k/3"
	done
done

step "MDESCAN_SHARD wins over the engines' variables"
scan MDESCAN_SHARD=2/3 JOB_COMPLETION_INDEX=0 MDESCAN_SHARDS=3 \
	SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2 \
	SLURM_ARRAY_TASK_COUNT=3 -- --shard auto
jq -e '.shard == {"index": 2, "count": 3, "from": "MDESCAN_SHARD"}' "$T/run.s" >/dev/null ||
	{ cat "$T/run.s" >&2; fail "MDESCAN_SHARD did not win"; }

step "the ECS summary says the part (and matches the schema when jsonschema is there)"
expect_exit 1 env JOB_COMPLETION_INDEX=2 MDESCAN_SHARDS=3 "$MDESCAN" -d "$D" --no-cache \
	--no-history --no-summary -i --shard auto --ecs "$T/e.jsonl" "$TREE"
jq -e -s '[.[] | select(.event.action == "scan-summary")] | length == 1 and
	.[0].mdescan.shard == {"index": 3, "count": 3, "from": "kubernetes"}' \
	"$T/e.jsonl" >/dev/null || { tail -1 "$T/e.jsonl" >&2; fail "ECS summary without mdescan.shard"; }
if python3 -c 'import jsonschema' 2>/dev/null; then
	python3 - "$TOPSRC/doc/mdescan-ecs.schema.json" "$T/e.jsonl" <<'EOF' ||
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for n, line in enumerate(open(sys.argv[2]), 1):
    try:
        jsonschema.validate(json.loads(line), schema)
    except jsonschema.ValidationError as e:
        sys.exit('line %d: %s' % (n, e.message))
EOF
		fail "the ECS lines do not match doc/mdescan-ecs.schema.json"
fi

# bad ENV... -- WORD: --shard auto refuses with exit 2, naming WORD, and
# scans nothing
bad() {
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	RC=0
	env "${envs[@]}" timeout -k 5 "$MDS_TIMEOUT" "$MDESCAN" -d "$D" \
		--no-cache --no-history --json --shard auto "$TREE" \
		>"$OUT" 2>"$ERR" || RC=$?
	[ "$RC" -eq 2 ] || { show_output; fail "${envs[*]}: exit $RC, expected 2"; }
	grep -q -- "--shard auto: .*$2" "$ERR" ||
		{ show_output; fail "${envs[*]}: the error does not name $2"; }
	[ ! -s "$OUT" ] || { show_output; fail "${envs[*]}: scanned anyway"; }
}

step "values that make no K/N: exit 2, the variable named"
bad -- MDESCAN_SHARD=K/N
bad MDESCAN_SHARD=4/3 -- MDESCAN_SHARD
bad MDESCAN_SHARD=0/3 -- MDESCAN_SHARD
bad MDESCAN_SHARD=1/3x -- MDESCAN_SHARD
bad MDESCAN_SHARD=-1/3 -- MDESCAN_SHARD
bad JOB_COMPLETION_INDEX=0 -- MDESCAN_SHARDS
bad MDESCAN_SHARDS=3 -- JOB_COMPLETION_INDEX
bad JOB_COMPLETION_INDEX=3 MDESCAN_SHARDS=3 -- JOB_COMPLETION_INDEX=3
bad JOB_COMPLETION_INDEX=one MDESCAN_SHARDS=3 -- JOB_COMPLETION_INDEX
bad JOB_COMPLETION_INDEX=0 MDESCAN_SHARDS=0 -- MDESCAN_SHARDS=0
bad JOB_COMPLETION_INDEX=0 MDESCAN_SHARDS=65537 -- MDESCAN_SHARDS=65537
bad JOB_COMPLETION_INDEX=0 MDESCAN_SHARDS=3.0 -- MDESCAN_SHARDS
bad SLURM_ARRAY_TASK_ID=1 -- SLURM_ARRAY_TASK_MIN
bad SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2 -- SLURM_ARRAY_TASK_COUNT
S="SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=2 SLURM_ARRAY_TASK_COUNT=3"
# shellcheck disable=SC2086
bad SLURM_ARRAY_TASK_ID=x $S -- SLURM_ARRAY_TASK_ID
# shellcheck disable=SC2086
bad SLURM_ARRAY_TASK_ID=3 $S -- SLURM_ARRAY_TASK_ID=3
# shellcheck disable=SC2086
bad SLURM_ARRAY_TASK_ID=1 $S SLURM_ARRAY_TASK_STEP=0 -- SLURM_ARRAY_TASK_STEP
# --array=0,2,5: MIN 0, MAX 5, COUNT 3, no step that makes a range
bad SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=5 \
	SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=1 -- 'not one evenly spaced range'
# --array=0-8:4 and a task that is not on the step
bad SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=8 \
	SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=4 -- 'SLURM_ARRAY_TASK_ID=3 is not an index'
bad SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=69999 \
	SLURM_ARRAY_TASK_COUNT=70000 -- SLURM_ARRAY_TASK_COUNT=70000

step "--shard K/N keeps its errors"
expect_exit 2 mds -d "$D" --shard 1/x "$TREE"
grep -q -- '--shard' "$ERR" || fail "--shard 1/x: the option not named"
expect_exit 2 mds -d "$D" --shard 0/3 "$TREE"
echo "PASS: $TEST_NAME"
