#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-rsyslog.sh - a real syslog daemon reads mdescan's RFC 5424 messages:
# rsyslogd, in the foreground with a configuration of its own, listens on
# a private socket that is /dev/log in the mount namespace the scan runs
# in.  imuxsock's special parser is off, so the message goes through the
# parser chain and pmrfc5424 parses it (the parsed protocol version is 1
# and MSGID is set: only that parser sets them); a template writes the
# parsed fields as JSON, and the test checks each field of the findings
# and of the summary, including structured data decoded per RFC 5424
# (escaped '"', '\', ']', and a path that is not UTF-8).  Needs root.
set -eu
. "$(dirname "$0")/lib.sh"

is_root || skip "needs root (a private /dev/log)"
command -v unshare >/dev/null || skip "needs unshare(1)"
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || skip "needs rsyslogd (Debian package rsyslog)"

mkdir -p "$T/rs"
cat > "$T/rs.conf" <<EOF
global(workDirectory="$T/rs" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/log.sock" UseSpecialParser="off"
      ParseHostname="on" RateLimit.Interval="0")
template(name="fields" type="list" option.jsonf="on") {
	property(outname="version" name="protocol-version" format="jsonf")
	property(outname="app" name="app-name" format="jsonf")
	property(outname="procid" name="procid" format="jsonf")
	property(outname="msgid" name="msgid" format="jsonf")
	property(outname="sd" name="structured-data" format="jsonf")
	property(outname="msg" name="msg" format="jsonf")
	property(outname="time" name="timereported" dateFormat="rfc3339"
		 format="jsonf")
	property(outname="host" name="hostname" format="jsonf")
	property(outname="facility" name="syslogfacility" format="jsonf")
	property(outname="severity" name="syslogseverity" format="jsonf")
}
if \$app-name == "mdescan" then
	action(type="omfile" file="$T/parsed.json" template="fields")
EOF
"$RSYSLOGD" -N1 -f "$T/rs.conf" >"$T/rs.check" 2>&1 ||
	{ cat "$T/rs.check" >&2; fail "rsyslogd refuses the test's configuration"; }
"$RSYSLOGD" -n -f "$T/rs.conf" -i "$T/rs.pid" >"$T/rs.out" 2>&1 &
BGPIDS+=($!)
for _ in $(seq 50); do [ -S "$T/log.sock" ] && break; sleep 0.1; done
[ -S "$T/log.sock" ] || { cat "$T/rs.out" >&2; fail "rsyslogd did not start"; }

mkdir -p "$T/d"
make_eicar "$T/d/eicar.com"
make_eicar "$T/d/q\"u]o\\te.com"
make_eicar "$T/d/bad"$'\xff'".com"
echo clean > "$T/d/clean.txt"

step "a scan whose /dev/log is rsyslogd's socket"
unshare -m sh -c 'mount -t tmpfs tmpfs /dev && touch /dev/log /dev/null &&
	mount --bind "$0" /dev/log && exec "$@"' "$T/log.sock" \
	timeout 60 "$MDESCAN" --log-target syslog --no-cache "$T/d" \
	>"$OUT" 2>"$ERR" && RC=0 || RC=$?
[ "$RC" = 1 ] || { show_output; fail "exit status $RC, expected 1"; }
for _ in $(seq 50); do
	grep -q '"SCANEND"' "$T/parsed.json" 2>/dev/null && break
	sleep 0.1
done
cat "$T/parsed.json" >&2 || fail "rsyslogd wrote nothing"

step "the fields rsyslogd parsed"
python3 - "$T/parsed.json" "$T/d" <<'PY' || fail "the parsed messages are wrong"
import base64, hashlib, json, os, re, sys

def sd_parse(s):
    """RFC 5424 STRUCTURED-DATA, strictly: {sd_id: {name: value}}."""
    out, i = {}, 0
    while i < len(s):
        assert s[i] == "[", s[i:]
        m = re.compile(r'[!#-Z^-~]{1,32}').match(s, i + 1)  # not = SP ] "
        sd_id, i = m.group(), m.end()
        params = out.setdefault(sd_id, {})
        while s[i] == " ":
            m = re.compile(r'([!#-<>-Z^-~]{1,32})="').match(s, i + 1)
            name, i, v = m.group(1), m.end(), []
            while s[i] != '"':
                if s[i] == "\\":
                    assert s[i + 1] in '"\\]', "bad escape " + s[i:i + 2]
                    i += 1
                else:
                    assert s[i] != "]", "unescaped ] in " + name
                v.append(s[i])
                i += 1
            params[name] = "".join(v)
            i += 1
        assert s[i] == "]", s[i:]
        i += 1
    return out

d = os.fsencode(sys.argv[2])
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
for r in recs:
    # only pmrfc5424 sets these: the special and RFC 3164 parsers not
    assert r["version"] == "1" and r["app"] == "mdescan", r
    assert r["msgid"] in ("SCANSTART", "FINDING", "SCANEND"), r
    assert r["procid"].isdigit() and r["facility"] == "3", r
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"
                        r"([+-]\d\d:\d\d|Z)", r["time"]), r["time"]
    assert r["host"] and r["host"] != "-", r
    r["sdp"] = sd_parse(r["sd"])
    assert not r["msg"].startswith(" "), r["msg"]

by = lambda k: [r for r in recs if r["msgid"] == k]
start, = by("SCANSTART")
end, = by("SCANEND")
found = by("FINDING")
assert len(found) == 3, found
p = start["sdp"]["mdescan@32473"]
assert p["scan_type"] == "custom" and re.fullmatch(r"[0-9a-f]{32}",
                                                   p["definitions"]), p
assert start["sdp"]["origin"]["software"] == "mdescan", start
scan_id = p["scan_id"]
assert scan_id.isdigit(), p
assert start["severity"] == "6" and start["msg"].startswith(
    "custom scan started"), start

want = {b"eicar.com", b'q"u]o\\te.com', b"bad\xff.com"}
for r in found:
    p = r["sdp"]["mdescan@32473"]
    raw = base64.b64decode(p["path_b64"]) if "path_b64" in p \
        else os.fsencode(p["path"])
    name = os.path.basename(raw)
    assert name in want, raw
    want.discard(name)
    if name == b"bad\xff.com":  # shown as text, exact in path_b64
        assert p["path"].endswith("/bad\\xff.com"), p
    else:
        assert "path_b64" not in p, p
    assert raw == d + b"/" + name, raw
    assert p["threat"] == "Eicar-Test-Signature" and p["stage"], p
    assert p["sha256"] == hashlib.sha256(open(raw, "rb").read()).hexdigest()
    assert p["scan_id"] == scan_id and p["size"] == "68", p
    assert "score" not in p or p["score"].isdigit(), p  # only when >= 0
    assert r["severity"] == "4", r
    assert r["msg"].startswith("threat found: ") and \
        r["msg"].endswith(": Eicar-Test-Signature"), r["msg"]
assert not want, want

p = end["sdp"]["mdescan@32473"]
assert (p["files"], p["findings"], p["infected"], p["errors"],
        p["status"], p["result"], p["scan_id"]) == \
    ("4", "3", "3", "0", "1", "ended", scan_id), p
assert re.fullmatch(r"\d+\.\d{3}", p["elapsed"]), p
assert end["severity"] == "6" and end["msg"] == \
    "scan ended: 4 files, 3 findings, 0 errors, exit status 1", end
PY
exit 0
