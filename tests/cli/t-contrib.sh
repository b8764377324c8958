#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-contrib.sh - contrib/shippers, contrib/logrotate and contrib/ansible:
#  * the Fluent Bit and Filebeat examples parse (their own config check
#    when the program is installed: neither is packaged in Debian 12, so
#    by default a YAML load and a parser of Fluent Bit's classic format,
#    plus the settings the examples are about);
#  * logrotate accepts contrib/logrotate/mdescan (when installed);
#  * the example playbook passes `ansible-playbook --syntax-check` (and
#    ansible-lint, when installed);
#  * the role, applied for real to localhost (-c local) with every path
#    under a scratch root (mdescan_root): keys, configuration (checked
#    by mdescan before it is installed), definitions from an `mdesig
#    mirror` directory (a second version published and installed on the
#    next run), the cron entry, then the systemd drop-ins (checked by
#    systemd-analyze verify), a scan run by the role and its results
#    fetched back; a second run changes nothing; --check --diff shows a
#    change without making it; a bad setting is refused and the old
#    file kept.
# Not exercised here: installing the .deb or the apt repository
# (dpkg/apt on the machine itself: .ci/package installs the package),
# enabling and starting mdescan-scan.timer and the handlers (they need
# a running systemd and the real /etc).
#
# Exit status: 0 pass, 1 fail, 77 skip (ansible-playbook not installed;
# the shipper and logrotate checks have run by then).
set -eu
. "$(dirname "$0")/lib.sh"

A=$TOPSRC/contrib/ansible
SHIP=$TOPSRC/contrib/shippers
MDESIG=${MDESIG:-$(dirname "$MDESCAN")/../mdesig/mdesig}

step "log shippers: the example configurations parse"
python3 - "$SHIP" <<'PY' || fail "contrib/shippers: bad configuration"
import re, sys
d = sys.argv[1]
import yaml

def die(msg):
    sys.exit('contrib/shippers: ' + msg)

# Fluent Bit's classic format: [SECTION] headers, then indented
# `Key value` lines; comments and @INCLUDE/@SET at the left margin
def classic(name):
    sections = []
    for n, raw in enumerate(open(name, encoding='utf-8'), 1):
        line = raw.rstrip('\n')
        if '\t' in line:
            die('%s:%d: a tab (Fluent Bit wants spaces)' % (name, n))
        s = line.strip()
        if not s or s.startswith('#'):
            continue
        m = re.fullmatch(r'\[([A-Z_]+)\]', line)
        if m:
            if m.group(1) not in ('SERVICE', 'INPUT', 'FILTER', 'OUTPUT', 'PARSER',
                                  'MULTILINE_PARSER', 'CUSTOM', 'PLUGINS', 'UPSTREAM', 'NODE'):
                die('%s:%d: unknown section %s' % (name, n, m.group(1)))
            sections.append((m.group(1), {}))
            continue
        if line.startswith('@'):
            if not re.fullmatch(r'@(INCLUDE|SET) \S.*', line):
                die('%s:%d: bad directive' % (name, n))
            continue
        m = re.fullmatch(r'( +)([A-Za-z_][A-Za-z0-9_.]*)\s+(\S.*)', line)
        if not m or not sections:
            die('%s:%d: not an indented `Key value` line in a section: %r' % (name, n, line))
        sections[-1][1][m.group(2).lower()] = m.group(3).strip()
    return sections

fb = classic(d + '/fluent-bit.conf')
parsers = classic(d + '/parsers-mdescan.conf')
service = [s for t, s in fb if t == 'SERVICE']
inputs = [s for t, s in fb if t == 'INPUT']
outputs = [s for t, s in fb if t == 'OUTPUT']
if len(service) != 1 or service[0].get('parsers_file') != 'parsers-mdescan.conf':
    die('fluent-bit.conf: [SERVICE] must load parsers-mdescan.conf')
tail = [i for i in inputs if i.get('name') == 'tail']
if len(tail) != 1:
    die('fluent-bit.conf: one tail input expected')
t = tail[0]
if t.get('path') != '/var/log/mdescan/findings.jsonl' or not t.get('db'):
    die('fluent-bit.conf: the tail input must read findings.jsonl with a DB offset file')
p = [s for k, s in parsers if k == 'PARSER' and s.get('name') == t.get('parser')]
if len(p) != 1 or p[0].get('format') != 'json':
    die('fluent-bit.conf: the tail input\'s parser is not a json parser of parsers-mdescan.conf')
if not outputs or any(o.get('match') != 'mdescan.*' for o in outputs) \
        or not t.get('tag', '').startswith('mdescan.'):
    die('fluent-bit.conf: the outputs must match the input\'s tag')

fbt = yaml.safe_load(open(d + '/filebeat.yml', encoding='utf-8'))
ins = fbt.get('filebeat.inputs') or []
if len(ins) != 1 or ins[0].get('type') != 'filestream' or not ins[0].get('id') \
        or ins[0].get('paths') != ['/var/log/mdescan/findings.jsonl']:
    die('filebeat.yml: one filestream input with an id, on findings.jsonl')
nd = [p['ndjson'] for p in ins[0].get('parsers', []) if 'ndjson' in p]
if len(nd) != 1 or nd[0].get('target') != '' or nd[0].get('expand_keys') is not True:
    die('filebeat.yml: the ndjson parser must decode into the root with expand_keys')
if 'output.elasticsearch' not in fbt:
    die('filebeat.yml: no output.elasticsearch')
PY
export MDESCAN_ES_HOST=localhost MDESCAN_ES_PORT=9200 MDESCAN_ES_USER=u \
	MDESCAN_ES_PASSWORD=p MDESCAN_ES_HOSTS=https://localhost:9200 MDESCAN_FORWARD_HOST=localhost
if command -v fluent-bit >/dev/null 2>&1; then
	(cd "$SHIP" && fluent-bit -c fluent-bit.conf --dry-run) >"$OUT" 2>&1 ||
		{ cat "$OUT" >&2; fail "fluent-bit --dry-run refused contrib/shippers/fluent-bit.conf"; }
else
	step "fluent-bit is not installed (not packaged in Debian 12): its own --dry-run check not run"
fi
if command -v filebeat >/dev/null 2>&1; then
	filebeat test config -c "$SHIP/filebeat.yml" --path.data "$T/fbdata" >"$OUT" 2>&1 ||
		{ cat "$OUT" >&2; fail "filebeat test config refused contrib/shippers/filebeat.yml"; }
else
	step "filebeat is not installed (not packaged in Debian 12): its own 'test config' not run"
fi

if command -v logrotate >/dev/null 2>&1; then
	step "logrotate accepts contrib/logrotate/mdescan, which covers the scan's files"
	logrotate -d -s "$T/logrotate.state" "$TOPSRC/contrib/logrotate/mdescan" >"$OUT" 2>&1 ||
		{ cat "$OUT" >&2; fail "logrotate -d refused contrib/logrotate/mdescan"; }
	grep -iq 'error' "$OUT" && { cat "$OUT" >&2; fail "logrotate -d: errors"; }
	for f in /var/log/mdescan/findings.jsonl /var/log/mdescan/last-scan.json; do
		case $f in /var/log/mdescan/*.jsonl) pat='/var/log/mdescan/\*.jsonl' ;; *) pat=$f ;; esac
		grep -q "^rotating pattern: .*$pat" "$OUT" || fail "logrotate does not cover $f"
	done
else
	step "logrotate not installed: contrib/logrotate/mdescan not checked"
fi

command -v ansible-playbook >/dev/null 2>&1 ||
	skip "ansible-playbook not installed (apt-get install ansible-core): the role is not checked"

# ansible's own state and temporary files stay in $T; no ansible.cfg of
# the machine or the user applies; ansible refuses a locale that is not
# UTF-8 (lib.sh sets C)
export LC_ALL=C.UTF-8 ANSIBLE_HOME=$T/ansible-home ANSIBLE_LOCAL_TEMP=$T/ansible-tmp \
	ANSIBLE_REMOTE_TEMP=$T/ansible-rtmp ANSIBLE_CONFIG=$T/ansible.cfg \
	ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0 \
	ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0
: >"$ANSIBLE_CONFIG"

step "ansible-playbook --syntax-check of the example playbook and inventory"
ansible-playbook -i "$A/inventory/hosts.ini" "$A/site.yml" --syntax-check >"$OUT" 2>"$ERR" ||
	{ show_output; fail "syntax check of contrib/ansible/site.yml"; }

if command -v ansible-lint >/dev/null 2>&1; then
	step "ansible-lint"
	(cd "$A" && ansible-lint --offline site.yml roles/mdescan) >"$OUT" 2>"$ERR" ||
		{ show_output; fail "ansible-lint found problems in contrib/ansible"; }
else
	step "ansible-lint not installed: not run"
fi

step "the role, for real, on localhost under a scratch root"
R=$T/root
RES=$T/results
mkdir -p "$R/etc/mdescan" "$T/scan" "$T/sigs"
# what the package would have installed
cp "$TOPSRC/etc/mdescan/mdescan.conf" "$R/etc/mdescan/"
# definitions that only the installed bundle has: a marker file's hash
echo "t-contrib marker $$" >"$T/scan/marker.txt"
printf '%s:%s:T.Contrib.Marker\n' "$(sha256sum <"$T/scan/marker.txt" | cut -d' ' -f1)" \
	"$(stat -c %s "$T/scan/marker.txt")" >"$T/sigs/marker.hsb"
make_eicar "$T/scan/eicar.com"
echo clean >"$T/scan/clean.txt"
"$MDESIG" keygen -o "$T/rel" >/dev/null 2>&1 || fail "mdesig keygen"
bundle() {
	"$MDESIG" build --version "$1" --key "$T/rel.sec" -o "$T/defs-$1.mdb" \
		"$TOPSRC"/sigdb/*.hsb "$T/sigs/marker.hsb" >/dev/null 2>&1 || fail "mdesig build $1"
	"$MDESIG" mirror --key "$T/rel.sec" "$T/mirror" "$T/defs-$1.mdb" >/dev/null 2>&1 ||
		fail "mdesig mirror $1"
}
bundle 1
ECS=/var/log/mdescan/findings.jsonl

# what must stay untouched outside the scratch root
outside="/etc/cron.d/mdescan /etc/mdescan/mdescan.conf.d/50-ansible.conf
	/etc/systemd/system/mdescan-scan.service.d/50-ansible.conf
	/etc/systemd/system/mdescan-scan.timer.d/50-ansible.conf /etc/default/mdescan
	/var/log/mdescan/last-scan.json /run/mdescan-scan.lock"
before=$(ls -l $outside 2>&1 || :)

# vars SCHEDULE SCAN_NOW EXTRA_EXT: the role's variables (JSON is YAML)
vars() {
	cat >"$T/vars.yml" <<EOF
{"mdescan_hosts": "localhost", "ansible_become": false,
 "ansible_python_interpreter": "$PYTHON",
 "mdescan_root": "$R", "mdescan_install_method": "none", "mdescan_bin": "$MDESCAN",
 "mdescan_keys": ["$T/rel.pub"],
 "mdescan_definitions_source": "mirror_dir", "mdescan_definitions_mirror_dir": "$T/mirror",
 "mdescan_exclude_dirs": ["/var/lib/docker", "/srv/odd #dir"],
 "mdescan_exclude_exts": ["iso"$3],
 "mdescan_config": {"threads": 2, "timeout": "2m", "nice": true, "archive_bomb": "block"},
 "mdescan_schedule": "$1", "mdescan_scan_oncalendar": "*-*-* 02:30",
 "mdescan_scan_targets": ["$T/scan"], "mdescan_scan_ecs_log": "$ECS",
 "mdescan_scan_now": $2, "mdescan_collect_dir": "$RES"}
EOF
}
# play [WANT_RC] ARGS...: the example playbook on localhost; RECAP is its
# "ok=N changed=N ..." line
play() {
	local want=0
	case ${1:-} in [0-9]*) want=$1; shift ;; esac
	timeout -k 10 600 ansible-playbook -i localhost, -c local -e @"$T/vars.yml" "$@" \
		"$A/site.yml" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	[ "$RC" -eq "$want" ] || { show_output; fail "ansible-playbook $*: exit $RC, expected $want"; }
	RECAP=$(grep '^localhost *:' "$OUT" | tail -n 1)
}
changed() {
	sed -n 's/.* changed=\([0-9]*\) .*/\1/p' <<<"$RECAP"
}
mode_is() {
	[ "$(stat -c %a "$2")" = "$1" ] || fail "$2: mode $(stat -c %a "$2"), expected $1"
}
defs_version() {
	"$MDESCAN" definitions status --json --store "$R/var/lib/mdescan/definitions" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])'
}

step "run 1: keys, configuration, definitions 1, cron, a scan, results fetched"
vars cron true ""
play
grep -q 'exit status 1 (threats found)' "$OUT" || { show_output; fail "the role's scan found nothing"; }
mode_is 644 "$R/etc/mdescan/keys/rel.pub"
cmp -s "$T/rel.pub" "$R/etc/mdescan/keys/rel.pub" || fail "rel.pub not installed"
mode_is 750 "$R/var/log/mdescan"
mode_is 700 "$R/var/lib/mdescan/quarantine"
C=$R/etc/mdescan/mdescan.conf.d/50-ansible.conf
mode_is 644 "$C"
cmp -s "$TOPSRC/etc/mdescan/mdescan.conf" "$R/etc/mdescan/mdescan.conf" ||
	fail "the role changed mdescan.conf: it writes a drop-in"
"$MDESCAN" exclusion list --config "$R/etc/mdescan/mdescan.conf" >"$OUT" 2>"$ERR" ||
	{ show_output; fail "mdescan does not load the role's configuration"; }
for l in 'dir      /var/lib/docker' 'dir      /srv/odd #dir' 'ext      iso'; do
	grep -Fq "$l	($C:" "$OUT" || { show_output; fail "exclusion not in the drop-in: $l"; }
done
for l in 'threads = 2' 'timeout = 2m' 'nice = yes' 'archive_bomb = block'; do
	grep -Fxq "$l" "$C" || { cat "$C" >&2; fail "setting not in the drop-in: $l"; }
done
[ "$(defs_version)" = 1 ] || fail "definitions 1 not installed from the mirror"
CRON=$R/etc/cron.d/mdescan
mode_is 644 "$CRON"
line=$(grep -v '^#' "$CRON" | grep ' root ' || :)
case $line in
"17 3 * * * root [ -x $MDESCAN ] && umask 077 && $MDESCAN --nice -i --json --no-summary "*"--lock /run/mdescan-scan.lock $T/scan >/var/log/mdescan/last-scan.json") ;;
*) cat "$CRON" >&2; fail "unexpected cron entry" ;;
esac
[ -z "$ECS" ] || grep -Fq -- "--ecs $ECS " "$CRON" || fail "the cron entry has no --ecs $ECS"
got=$RES/localhost/last-scan.json
[ -s "$got" ] || fail "last-scan.json not fetched to the controller"
jcheck 1 type=finding "path=$T/scan/eicar.com"
jcheck 1 type=finding "path=$T/scan/marker.txt" name=T.Contrib.Marker
jcheck 1 type=summary infected=2
OUT=$got jflush
if [ -n "$ECS" ]; then
	[ -s "$RES/localhost/findings.jsonl" ] || fail "findings.jsonl not fetched to the controller"
	python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines and all(isinstance(o, dict) for o in lines)' "$RES/localhost/findings.jsonl" ||
		fail "the fetched findings.jsonl is not JSON Lines"
	grep -q 'eicar.com' "$RES/localhost/findings.jsonl" || fail "findings.jsonl lacks the EICAR finding"
fi

step "run 2: definitions 2 from the mirror, the systemd timer instead of cron"
bundle 2
vars systemd false ""
play
[ "$(defs_version)" = 2 ] || fail "definitions 2 not installed from the mirror"
[ ! -e "$CRON" ] || fail "the cron entry is still there with the timer"
SVC=$R/etc/systemd/system/mdescan-scan.service.d/50-ansible.conf
TMR=$R/etc/systemd/system/mdescan-scan.timer.d/50-ansible.conf
grep -Fxq 'OnCalendar=*-*-* 02:30' "$TMR" || { cat "$TMR" >&2; fail "the timer's calendar not set"; }
grep -Fxq "ExecStart=$MDESCAN --quick --nice -i --json" "$SVC" && fail "drop-in: --quick with targets"
grep -q "^ExecStart=$MDESCAN --nice -i --json .*--lock /run/mdescan-scan.lock $T/scan\$" "$SVC" ||
	{ cat "$SVC" >&2; fail "unexpected ExecStart= in the drop-in"; }
grep -Fxq 'StandardOutput=truncate:/var/log/mdescan/last-scan.json' "$SVC" ||
	{ cat "$SVC" >&2; fail "the drop-in does not write last-scan.json"; }
if command -v systemd-analyze >/dev/null 2>&1; then
	# the shipped units with the role's drop-ins, as systemd would load them
	U=$T/units
	mkdir -p "$U"
	for u in mdescan-scan.service mdescan-scan.timer; do
		sed "s#/usr/bin/mdescan#$MDESCAN#g" "$TOPSRC/contrib/systemd/$u" >"$U/$u"
		cp -r "$R/etc/systemd/system/$u.d" "$U/"
	done
	(cd "$U" && SYSTEMD_UNIT_PATH=$U: systemd-analyze verify --man=no \
		mdescan-scan.service mdescan-scan.timer) >"$OUT" 2>&1 ||
		{ cat "$OUT" >&2; fail "systemd-analyze verify: the units with the role's drop-ins"; }
	[ ! -s "$OUT" ] || { cat "$OUT" >&2; fail "systemd-analyze verify: warnings with the role's drop-ins"; }
fi

step "run 3: nothing left to change"
play
[ "$(changed)" = 0 ] || { show_output; fail "second run changed things: $RECAP"; }

step "run 4: --check --diff shows a change and makes none"
cp "$C" "$T/conf.before"
vars systemd false ', "bak"'
play --check --diff --tags config
grep -Fxq '+exclude_ext = bak' "$OUT" || { show_output; fail "--diff does not show the new exclusion"; }
[ "$(changed)" = 1 ] || { show_output; fail "--check: expected one change: $RECAP"; }
cmp -s "$C" "$T/conf.before" || fail "--check changed the configuration"

step "run 5: a setting mdescan refuses is not installed"
vars systemd false ', "a/b"'
play 2 --tags config
grep -q 'failed to validate' "$OUT" || { show_output; fail "the bad configuration was not refused by validation"; }
cmp -s "$C" "$T/conf.before" || fail "a refused configuration replaced the old one"

after=$(ls -l $outside 2>&1 || :)
[ "$before" = "$after" ] || fail "files outside the scratch root changed: $after"
exit 0
