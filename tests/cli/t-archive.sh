#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-archive.sh - the archive stage: EICAR inside every container format
# (tests/cli/mkarch.py formats) is found at exactly the member chain the
# fixture generator names, in text (`OUTER//M1//M2: NAME FOUND`) and in JSON
# ("path": OUTER, "layers": [M1, M2]); clean archives print only
# `OUTER: OK`; an encrypted member is SKIPPED (encrypted), not an error;
# --no-archive and --archive-types; YARA externals describe the member.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"

MKARCH=$(dirname "$0")/mkarch.py
F=$T/fx
C=$T/clean
mkdir -p "$T/plain" "$T/rules"
make_eicar "$T/payload"
make_eicar "$T/plain/eicar.com"

step "fixtures: mkarch.py formats and clean"
python3 "$MKARCH" formats "$F" "$T/payload" >"$T/list" || fail "mkarch.py formats failed"
python3 "$MKARCH" clean "$C" >"$T/clean.list" || fail "mkarch.py clean failed"
[ "$(wc -l <"$T/list")" -ge 40 ] || fail "mkarch.py formats wrote only $(wc -l <"$T/list") fixtures"

# check_formats TEXT_OUT JSON_OUT: every fixture of $T/list against one
# text run and one JSON run over $F (and the plain EICAR file).  Lists
# every mismatch, then fails.
check_formats() {
	python3 - "$F" "$T/list" "$1" "$2" "$T/plain/eicar.com" <<'PY' ||
import json, sys
fx, listing, text_out, json_out, plain = sys.argv[1:]
bad = []
text = open(text_out, encoding='utf-8', errors='surrogateescape').read().split('\n')
objs = [json.loads(l) for l in open(json_out, encoding='utf-8') if l.strip()]
found = 0
for line in open(listing, encoding='utf-8'):
    f = line.rstrip('\n').split('\t')
    name, chain = f[0], f[1]
    kind = f[2] if len(f) > 2 else 'found'
    outer = fx + '/' + name
    layers = chain.split('//')
    mine = [o for o in objs if o.get('path') == outer and o.get('type') != 'summary']
    finds = [o for o in mine if o['type'] == 'finding']
    inner = [l for l in text if l.startswith(outer + '//')]
    if kind == 'found':
        found += 1
        want = outer + '//' + chain + ': '
        hits = [l for l in text if l.startswith(want) and l.endswith(' FOUND')
                and ' ' not in l[len(want):-len(' FOUND')]]
        if len(hits) != 1:
            bad.append('%s: text: expected one "%sNAME FOUND" line, got %d'
                       % (name, want, len(hits)))
        if len(inner) != len(hits):
            bad.append('%s: text: other lines for members: %r'
                       % (name, [l for l in inner if l not in hits]))
        if any(l.startswith(outer + ': ') for l in text):
            bad.append('%s: text: a line for the outer file itself: %r'
                       % (name, [l for l in text if l.startswith(outer + ': ')]))
        if len(finds) != 1:
            bad.append('%s: json: expected 1 finding, got %d: %r' % (name, len(finds), finds))
            continue
        o = finds[0]
        if o.get('layers') != layers:
            bad.append('%s: json: layers %r, expected %r' % (name, o.get('layers'), layers))
        if not str(o.get('name', '')).startswith('Eicar'):
            bad.append('%s: json: finding name %r' % (name, o.get('name')))
    else:   # encrypted
        want = outer + '//' + chain + ': SKIPPED (encrypted)'
        if want not in text:
            bad.append('%s: text: no line "%s"' % (name, want))
        if finds:
            bad.append('%s: json: unexpected finding %r' % (name, finds))
        sk = [o for o in mine if o['type'] == 'skipped' and o.get('layers') == layers
              and o.get('reason') == 'encrypted']
        if len(sk) != 1:
            bad.append('%s: json: expected one {"type":"skipped","layers":%s,'
                       '"reason":"encrypted"}, got %r' % (name, json.dumps(layers), mine))
pl = [o for o in objs if o.get('path') == plain]
if len(pl) != 1 or pl[0]['type'] != 'finding' or 'layers' in pl[0]:
    bad.append('plain file: expected one finding without "layers", got %r' % pl)
summ = [o for o in objs if o['type'] == 'summary']
if len(summ) != 1 or summ[0].get('exit_code') != 1:
    bad.append('json: summary %r' % summ)
elif summ[0].get('infected') != found + 1 or summ[0].get('findings') != found + 1:
    bad.append('json: summary infected/findings %r/%r, expected %d (one finding '
               'per infected outer file, first finding wins)'
               % (summ[0].get('infected'), summ[0].get('findings'), found + 1))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
		fail "fixtures not reported as expected (see above)"
}

step "every format: text run over the fixture directory"
expect_exit 1 mds "$F" "$T/plain/eicar.com"
cp "$OUT" "$T/text.out"
step "every format: JSON run over the fixture directory"
expect_exit 1 mds --json "$F" "$T/plain/eicar.com"
cp "$OUT" "$T/json.out"
jq -c . "$T/json.out" >/dev/null || fail "--json output is not JSON (jq)"
check_formats "$T/text.out" "$T/json.out"

step "clean archives: only 'OUTER: OK', no lines for members"
expect_exit 0 mds "$C"
while IFS= read -r f; do
	expect_ok "$C/$f"
	[ "$(count_lines_prefix "$C/$f//" "")" -eq 0 ] ||
		{ show_output; fail "lines for members of the clean $f"; }
done <"$T/clean.list"
out_lacks " FOUND"
out_lacks "SKIPPED"
expect_exit 0 mds --json "$C"
jcheck 0 type=finding
jcheck 0 "layers?"
jcheck 1 type=summary exit_code=0
jflush

step "encrypted member alone: SKIPPED (encrypted), exit 0 (not an error)"
expect_exit 0 mds "$F/enc.zip"
out_has_line "$F/enc.zip//dir/secret.txt: SKIPPED (encrypted)"
out_lacks " FOUND"
out_lacks "ERROR"
expect_exit 0 mds --json "$F/enc.zip"
jcheck 1 type=skipped "path=$F/enc.zip" reason=encrypted
jcheck 1 type=summary exit_code=0 errors=0
jflush
[ "$(jq -c 'select(.type == "skipped") | .layers' "$OUT")" = '["dir/secret.txt"]' ] ||
	{ show_output; fail "encrypted: layers should be [\"dir/secret.txt\"]"; }

step "--no-archive: containers are scanned as plain files"
expect_exit 0 mds --no-archive "$F/t.tar.gz" "$F/stored.zip" "$F/attach.eml" "$F/t.txt.gz" "$F/enc.zip"
for f in t.tar.gz stored.zip attach.eml t.txt.gz enc.zip; do
	expect_ok "$F/$f"
done
out_lacks " FOUND"
out_lacks "SKIPPED"
for f in t.tar.gz stored.zip attach.eml t.txt.gz enc.zip; do
	[ "$(count_lines_prefix "$F/$f//" "")" -eq 0 ] ||
		{ show_output; fail "--no-archive: a line for a member of $f"; }
done
expect_exit 1 mds --no-archive "$F/t.tar.gz" "$T/plain/eicar.com"
expect_found "$T/plain/eicar.com"

# found_at OUTER CHAIN: exactly one `OUTER//CHAIN: NAME FOUND` line.
found_at() {
	[ "$(count_lines_prefix "$1//$2: " " FOUND")" -eq 1 ] ||
		{ show_output; fail "no '$1//$2: NAME FOUND' line"; }
}

step "--archive-types=zip: zip inside zip yes; gzip, tar, 7z, mail no"
expect_exit 1 mds --archive-types=zip "$F/t.war" "$F/deflate.zip" "$F/t.tar.gz" \
	"$F/t.7z" "$F/attach.eml" "$F/t.txt.gz"
found_at "$F/t.war" "WEB-INF/lib/x.jar//dir/payload.txt"
found_at "$F/deflate.zip" "dir/payload.txt"
for f in t.tar.gz t.7z attach.eml t.txt.gz; do
	expect_ok "$F/$f"
	expect_not_found "$F/$f"
done
[ "$(grep -c ' FOUND$' "$OUT")" -eq 2 ] || { show_output; fail "expected 2 FOUND lines"; }

step "--archive-types=tar,gzip: tar.gz opens, tar.bz2 and zip do not"
expect_exit 1 mds --archive-types=tar,gzip "$F/t.tar.gz" "$F/t.tar.bz2" "$F/stored.zip" "$F/ustar.tar"
found_at "$F/t.tar.gz" "dir/payload.txt"
found_at "$F/ustar.tar" "dir/payload.txt"
expect_ok "$F/t.tar.bz2"
expect_ok "$F/stored.zip"

step "--archive-types=gzip: a tar.gz is unpacked to its tar, which is not opened"
expect_exit 1 mds --archive-types=gzip "$F/t.tar.gz" "$F/t.txt.gz"
found_at "$F/t.txt.gz" "t.txt"
expect_not_found "$F/t.tar.gz"
expect_not_found "$F/t.tar.gz//t.tar"
[ "$(count_lines_prefix "$F/t.tar.gz//t.tar//" "")" -eq 0 ] ||
	{ show_output; fail "tar opened although only gzip was allowed"; }

step "--archive-types=tar: the tar inside gzip is out of reach"
expect_exit 0 mds --archive-types=tar "$F/t.tar.gz"
expect_ok "$F/t.tar.gz"

step "--archive-types=mail / zip,tar on mail"
expect_exit 1 mds --archive-types=mail "$F/attach.eml" "$F/t.mbox" "$F/stored.zip"
found_at "$F/attach.eml" "payload.txt"
found_at "$F/t.mbox" "msg-2/payload.txt"
expect_ok "$F/stored.zip"
expect_exit 0 mds --archive-types=zip,tar "$F/attach.eml"
expect_ok "$F/attach.eml"

step "--archive-types with an unknown type: exit 2, message on stderr"
expect_exit 2 mds --archive-types=tar,bogus "$F/t.tar.gz"
[ -s "$ERR" ] || { show_output; fail "no message on stderr for --archive-types=tar,bogus"; }
[ ! -s "$OUT" ] || { show_output; fail "stdout not empty for --archive-types=tar,bogus"; }

step "YARA externals describe the member (filename, extension), not the outer file"
printf 'rule member_name { condition: filename == "payload.txt" and extension == ".txt" }\n' \
	>"$T/rules/member.yar"
expect_exit 1 mds -d "$T/rules/member.yar" "$F/t.tar.gz" "$F/t.war" "$F/t.a"
if grep -q '^mdescan: ' "$ERR"; then show_output; fail "member.yar did not compile cleanly"; fi
out_has_line "$F/t.tar.gz//dir/payload.txt: member_name FOUND"
out_has_line "$F/t.war//WEB-INF/lib/x.jar//dir/payload.txt: member_name FOUND"
out_has_line "$F/t.a//payload.txt: member_name FOUND"
for f in t.tar.gz t.war t.a; do
	expect_not_found "$F/$f"
done
[ "$(grep -c ' FOUND$' "$OUT")" -eq 3 ] || { show_output; fail "expected exactly 3 FOUND lines (built-ins replaced by -d)"; }
expect_exit 1 mds --json -d "$T/rules/member.yar" "$F/t.tar.gz"
jcheck 1 type=finding "path=$F/t.tar.gz" name=member_name stage=yara
jcheck 1 type=finding
jflush
[ "$(jq -c 'select(.type == "finding") | .layers' "$OUT")" = '["dir/payload.txt"]' ] ||
	{ show_output; fail "YARA member finding: layers should be [\"dir/payload.txt\"]"; }

step "YARA externals of a compressed stream's member: t.txt.gz holds t.txt"
printf 'rule stream_member { condition: filename == "t.txt" and extension == ".txt" }\n' \
	>"$T/rules/stream.yar"
expect_exit 1 mds -d "$T/rules/stream.yar" "$F/t.txt.gz" "$F/t.txt.xz" "$F/t.tar.gz"
out_has_line "$F/t.txt.gz//t.txt: stream_member FOUND"
out_has_line "$F/t.txt.xz//t.txt: stream_member FOUND"
expect_ok "$F/t.tar.gz"
[ "$(grep -c ' FOUND$' "$OUT")" -eq 2 ] || { show_output; fail "expected exactly 2 FOUND lines"; }

step "the scan cache: a re-scan reports the same member lines without opening anything"
# a cache of this step's own, so that the runs above do not count
export MDESCAN_CACHE_DIR=$T/.cache-replay
mkdir -p "$MDESCAN_CACHE_DIR"
expect_exit 1 mds "$F/t.tar.gz" "$F/t.deb" "$F/enc.zip" "$C"
sort "$OUT" >"$T/first"
grep -q '^Archive members: [1-9]' "$ERR" || { show_output; fail "first run opened no member"; }
expect_exit 1 mds "$F/t.tar.gz" "$F/t.deb" "$F/enc.zip" "$C"
sort "$OUT" >"$T/again"
diff -u "$T/first" "$T/again" >&2 || fail "a re-scan from the cache reports other lines"
expect_summary "Archive members" "0 (0 bytes unpacked)"
n=$(find "$F/t.tar.gz" "$F/t.deb" "$F/enc.zip" "$C" -type f | wc -l)
expect_summary "From cache" "$n (copies: 0)"
step "... and other archive settings are other verdicts: --no-archive is not answered from them"
expect_exit 0 mds --no-archive "$F/t.tar.gz" "$F/t.deb" "$F/enc.zip"
out_lacks "FOUND"
out_lacks "SKIPPED"
expect_exit 0 mds --max-recursion=1 "$F/t.deb"
out_lacks "FOUND"
out_has_line "$F/t.deb//data.tar.xz: SKIPPED (limit: max-recursion)"

exit 0
