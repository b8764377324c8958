#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-fp.sh - zero false positives: the built-in definitions find nothing in
# a clean system's /usr, /etc and /var/lib/dpkg (the machine running the
# test, meant to be a stock Debian 12).  Any finding fails the test and is
# printed.
#
# What counts: findings only.  mdescan's exit status 2 (errors: files the
# test user may not read, such as /etc/shadow, or files that vanish during
# the walk) is accepted, as are skipped files; exit status 1 or any
# "finding" JSON line is a failure.  The errors are counted in the log.
#
# About 35 s with the optimised build on 2 CPUs (139,000 files, 6.5 GB
# with archive members); MDS_FP_SCAN=0 skips it (the sanitizer run sets
# that).  MDS_FP_TIMEOUT (900) bounds the scan.  Skipped (77) when one of
# the directories does not exist.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "${MDS_FP_SCAN:-1}" != 0 ] || skip "MDS_FP_SCAN=0"
for d in /usr /etc /var/lib/dpkg; do
	[ -d "$d" ] || skip "$d does not exist (not a Debian-like system)"
done

step "built-in definitions on /usr /etc /var/lib/dpkg: no finding"
start=$SECONDS
timeout -k 5 "${MDS_FP_TIMEOUT:-900}" "$MDESCAN" --json --no-cache \
	/usr /etc /var/lib/dpkg >"$OUT" 2>"$ERR" && RC=0 || RC=$?
step "exit status $RC after $((SECONDS - start)) s"
python3 - "$OUT" <<'PY' || fail "false positives (above), or no summary"
import json, sys
found = 0
summary = None
for line in open(sys.argv[1], encoding='utf-8', errors='replace'):
    o = json.loads(line)
    if o.get('type') == 'finding':
        found += 1
        print('FALSE POSITIVE: %s: %s (%s)' % (o.get('path'), o.get('name'),
              o.get('description', '')), file=sys.stderr)
    elif o.get('type') == 'summary':
        summary = o
if summary:
    print('# files %s, errors %s, skipped %s' % (summary['files'],
          summary['errors'], summary['skipped']), file=sys.stderr)
sys.exit(1 if found or not summary else 0)
PY
case $RC in
0 | 2) ;;
*) show_output; fail "exit status $RC" ;;
esac

echo "PASS: $TEST_NAME"
