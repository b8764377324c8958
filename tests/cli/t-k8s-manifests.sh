#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-k8s-manifests.sh - contrib/kubernetes against the Kubernetes API
# schema, with no cluster: every document of every manifest passes the
# validate() of its model in the npm package kubernetes-models and has no
# field the schema does not know (tests/cli/k8s-validate.js says why both).
# The same check must reject broken copies of the manifests (a misspelled
# field, a wrong type, a missing required field, an unknown kind), or it
# proves nothing.  Then what the manifests are about: the Job is Indexed
# and passes its completions as MDESCAN_SHARDS, mounts the volume
# read-only and runs --shard auto; its command, run here on a tree, prints
# ECS and nothing else and exits 0 on a finding; the DaemonSet has the
# capabilities, hostPID and host mount mdewatch needs.  The container-log
# shipper snippets of contrib/shippers load.
#
# Needs node and npm with the npm registry (npm install --no-save into a
# scratch directory).  Exit status: 0 pass, 1 fail, 77 skip (no npm, or
# the registry unreachable).
set -eu
. "$(dirname "$0")/lib.sh"

K=$TOPSRC/contrib/kubernetes
VALIDATE=$TOPSRC/tests/cli/k8s-validate.js

command -v node >/dev/null || skip "needs node (Debian package nodejs)"
command -v npm >/dev/null || skip "needs npm (Debian package npm)"
command -v jq >/dev/null || skip "needs jq"

step "npm install kubernetes-models js-yaml (into a scratch directory)"
NPM=$T/npm
mkdir -p "$NPM"
# no install scripts: only the packages' files are wanted
if ! timeout 300 npm install --no-save --no-audit --no-fund \
	--ignore-scripts --prefix "$NPM" 'kubernetes-models@^4' \
	'js-yaml@^4' >"$T/npm.log" 2>&1; then
	if ! timeout 60 npm ping >>"$T/npm.log" 2>&1; then
		cat "$T/npm.log" >&2
		skip "the npm registry is unreachable"
	fi
	cat "$T/npm.log" >&2
	fail "npm install kubernetes-models js-yaml failed"
fi
export NODE_PATH=$NPM/node_modules

# validate FILE...: k8s-validate.js's output in $OUT, status in $RC
validate() {
	RC=0
	node "$VALIDATE" "$@" >"$OUT" 2>"$ERR" || RC=$?
}

step "every manifest of contrib/kubernetes is valid"
set -- "$K"/*.yaml
[ $# -ge 3 ] || fail "expected namespace, Job and DaemonSet manifests in $K"
validate "$@"
[ "$RC" -eq 0 ] || { show_output; fail "contrib/kubernetes: invalid manifests"; }

# broken NAME SED-SCRIPT FILE WORD: a copy of FILE changed by SED-SCRIPT
# must be rejected with a message containing WORD
broken() {
	sed "$2" "$K/$3" >"$T/$1.yaml"
	cmp -s "$K/$3" "$T/$1.yaml" && fail "$1: the sed script changed nothing"
	validate "$T/$1.yaml"
	[ "$RC" -eq 1 ] || { show_output; fail "$1: not rejected (status $RC)"; }
	grep -q -- "$4" "$OUT" || { show_output; fail "$1: no message about $4"; }
}

step "the check rejects broken manifests"
J=mdescan-scan-job.yaml
W=mdewatch-daemonset.yaml
broken misspelled-optional 's/readOnly: true/readonly: true/' "$J" 'unknown field "readonly"'
broken misspelled-pod-field 's/hostPID: true/hostPid: true/' "$W" 'unknown field "hostPid"'
broken misspelled-top 's/^metadata:/metdata:/' "$W" 'unknown field "metdata"'
broken wrong-type 's/^  completions: .*/  completions: four/' "$J" 'completions must be integer'
broken wrong-enum 's/completionMode: Indexed/completionMode: Indexd/' "$J" 'completionMode must be equal to one of'
broken missing-required 's/^      containers:/      containerz:/' "$J" 'required property containers'
broken unknown-kind 's/^kind: DaemonSet/kind: DaemonSett/' "$W" 'unknown apiVersion/kind'

step "the Job: Indexed, MDESCAN_SHARDS = completions, read-only volume, --shard auto"
node - "$K/$J" "$K/$W" >"$T/facts" <<'EOF' || { cat "$T/facts" >&2; fail "the manifests do not say what they are about"; }
const fs = require('fs');
const yaml = require('js-yaml');
const [job] = yaml.loadAll(fs.readFileSync(process.argv[2], 'utf8'));
const [ds] = yaml.loadAll(fs.readFileSync(process.argv[3], 'utf8'));
const die = (m) => { console.log(m); process.exit(1); };
const s = job.spec, pod = s.template.spec, c = pod.containers[0];
if (s.completionMode !== 'Indexed') die('the Job is not Indexed');
const env = Object.fromEntries((c.env || []).map((e) => [e.name, e.value]));
if (env.MDESCAN_SHARDS !== String(s.completions))
	die('MDESCAN_SHARDS ' + env.MDESCAN_SHARDS + ' is not spec.completions ' + s.completions);
if (!(s.parallelism <= s.completions)) die('parallelism above completions');
const script = c.args.join(' ');
if (!/--shard auto/.test(script)) die('the Job does not run --shard auto');
for (const m of c.volumeMounts)
	if (m.name === 'target' && m.readOnly !== true) die('the scanned volume is writable');
const vol = pod.volumes.find((v) => v.name === 'target');
if (!vol.persistentVolumeClaim || vol.persistentVolumeClaim.readOnly !== true)
	die('the claim is not read-only');
if (pod.restartPolicy !== 'Never') die('podFailurePolicy needs restartPolicy Never');
const w = ds.spec.template.spec, wc = w.containers[0];
if (w.hostPID !== true) die('the DaemonSet lacks hostPID');
const caps = wc.securityContext.capabilities;
for (const cap of ['SYS_ADMIN', 'DAC_READ_SEARCH', 'SYS_PTRACE'])
	if (!caps.add.includes(cap)) die('the DaemonSet lacks CAP_' + cap);
if (caps.add.length !== 3 || caps.drop[0] !== 'ALL') die('other capabilities than the three');
if (wc.securityContext.privileged) die('the DaemonSet is privileged');
const hm = wc.volumeMounts.find((m) => m.name === 'host');
if (hm.readOnly !== true || hm.mountPropagation !== 'HostToContainer')
	die('the host mount is writable or without HostToContainer');
if (wc.args.indexOf('--shard') >= 0) die('mdewatch has no --shard');
console.log(script);
EOF

step "the Job's command on a tree: ECS on stdout, nothing else, exit 0 with a finding"
mkdir -p "$T/bin" "$T/scan/d" "$T/defs"
make_eicar "$T/scan/d/eicar.com"
echo clean >"$T/scan/clean.txt"
printf '%s:68:Test.Eicar-Hash\n' "$EICAR_MD5" >"$T/defs/t.hdb"
# mdescan as the image has it, with the test's definitions
printf '#!/bin/sh\nexec "%s" -d "%s" "$@"\n' "$MDESCAN" "$T/defs" >"$T/bin/mdescan"
chmod +x "$T/bin/mdescan"
sed "s|/scan |$T/scan |" "$T/facts" >"$T/job.sh"
grep -q "$T/scan " "$T/job.sh" || fail "the Job's command does not scan /scan"
for i in 0 1; do
	RC=0
	env PATH="$T/bin:$PATH" JOB_COMPLETION_INDEX=$i MDESCAN_SHARDS=2 \
		sh "$T/job.sh" >"$T/job.$i.out" 2>"$T/job.$i.err" || RC=$?
	[ "$RC" -eq 0 ] || { cat "$T/job.$i.err" >&2; fail "shard $i: exit $RC"; }
	[ ! -s "$T/job.$i.err" ] || { cat "$T/job.$i.err" >&2; fail "shard $i: wrote to stderr"; }
	jq -e -c --argjson k $((i + 1)) 'select(.event.action == "scan-summary")
		| .mdescan.shard.index == $k' "$T/job.$i.out" >/dev/null ||
		{ cat "$T/job.$i.out" >&2; fail "shard $i: no ECS summary of part $((i + 1))"; }
	# every line is an ECS object (the text report went to /dev/null)
	jq -e -s 'all(.[]; has("ecs") and has("@timestamp"))' "$T/job.$i.out" >/dev/null ||
		{ cat "$T/job.$i.out" >&2; fail "shard $i: a line that is not ECS"; }
done
[ "$(cat "$T/job.0.out" "$T/job.1.out" | jq -s '[.[] | select(.event.kind == "alert")] | length')" -eq 1 ] ||
	fail "the 2 shards did not report the one finding once"

step "the container-log shipper snippets load"
python3 - "$TOPSRC/contrib/shippers" <<'EOF' || fail "contrib/shippers: bad Kubernetes snippets"
import sys, yaml
d = sys.argv[1]
fb = yaml.safe_load(open(d + '/filebeat-kubernetes.yml'))
inp = fb['filebeat.inputs'][0]
assert inp['type'] == 'filestream' and inp['id'], 'filestream input with an id'
assert [p for p in inp['paths'] if '_mdescan_' in p], 'the mdescan namespace logs'
kinds = [list(p)[0] for p in inp['parsers']]
assert kinds == ['container', 'ndjson'], kinds
text = open(d + '/fluent-bit-kubernetes.conf').read()
assert '\t' not in text, 'tabs in fluent-bit-kubernetes.conf'
for want in ('multiline.parser  cri', 'Parser        mdescan_ecs', 'Match         mdescan.k8s.*'):
    assert want in text, want
EOF
echo "PASS: $TEST_NAME"
