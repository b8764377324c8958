#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-journald.sh - mdescan's messages in journald's native protocol.
#
# 1. The datagrams themselves, parsed strictly by this test (any user):
#    $MDESCAN_JOURNAL_SOCKET names a socket the test listens on, and
#    --log-target auto must pick it because it exists.  Every datagram is
#    a sequence of KEY=value lines and KEY\n<64-bit LE length><bytes>\n
#    fields (a value holding a newline), nothing left over, with valid
#    field names, no trusted (_) field, and the fields of each kind.
# 2. The real systemd-journald (needs root): started by the test in a
#    private mount namespace (tmpfs on /run/systemd/journal,
#    /run/log/journal, /var/log/journal and /etc/systemd, so it uses its
#    own journald.conf: volatile storage, no kmsg, no forwarding), which
#    needs no systemd as PID 1 (it creates its sockets itself when not
#    socket-activated); the scan runs in the same namespace, and
#    `journalctl -D /run/log/journal -o json` reads the entries back.
set -eu
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/d"
make_eicar "$T/d/eicar.com"
make_eicar "$T/d/new"$'\n'"line.com"
make_eicar "$T/d/bad"$'\xff'".com"

# The checks of both parts: entries as {KEY: bytes}, from argv[1]: a file
# of datagrams (4-byte length, bytes) or journalctl's JSON lines.
cat > "$T/check.py" <<'PY'
import hashlib, json, os, re, struct, sys

def parse(dgram):
    """journald's native protocol, strictly."""
    e, i = {}, 0
    while i < len(dgram):
        eq, nl = dgram.find(b"=", i), dgram.find(b"\n", i)
        assert nl >= 0, "field without an end"
        if 0 <= eq < nl:
            name, value, i = dgram[i:eq], dgram[eq + 1:nl], nl + 1
        else:
            name = dgram[i:nl]
            n, = struct.unpack("<Q", dgram[nl + 1:nl + 9])
            value = dgram[nl + 9:nl + 9 + n]
            assert len(value) == n and dgram[nl + 9 + n:nl + 10 + n] == \
                b"\n", "binary field %r cut" % name
            assert b"\n" in value, "binary form without a newline"
            i = nl + 10 + n
        assert re.fullmatch(rb"[A-Z][A-Z0-9_]{0,63}", name), name
        assert name not in e, "%r twice" % name
        e[name.decode()] = value
    return e

def from_journalctl(line):
    j = json.loads(line)
    v = lambda x: bytes(x) if isinstance(x, list) else x.encode()
    return {k: v(x) for k, x in j.items()}

mode, src, d = sys.argv[1], sys.argv[2], os.fsencode(sys.argv[3])
entries = []
if mode == "datagrams":
    data = open(src, "rb").read()
    while data:
        n, = struct.unpack("<I", data[:4])
        entries.append(parse(data[4:4 + n]))
        data = data[4 + n:]
else:
    entries = [from_journalctl(l) for l in open(src, "rb") if l.strip()]
    entries = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == b"mdescan"]

IDS = {"SCANSTART": b"281a2f908d6945059471c3fafb7b95ab",
       "FINDING": b"9830fff50f7c4282bc0653aa9d75a1a8",
       "SCANEND": b"3944d7ffe2bb4536bdf747c807205453"}
by = lambda k: [e for e in entries if e.get("MESSAGE_ID") == IDS[k]]
for e in entries:
    assert e["SYSLOG_IDENTIFIER"] == b"mdescan", e
    assert e["SYSLOG_FACILITY"] == b"3" and e["SYSLOG_PID"].isdigit(), e
    assert e["MESSAGE"] and e["PRIORITY"] in (b"4", b"6"), e
    if mode == "journal":  # what journald itself knows of the sender
        assert e["_PID"] == e["SYSLOG_PID"], e
        assert e["_TRANSPORT"] == b"journal" and e["_COMM"] == b"mdescan", e
    else:
        assert not any(k.startswith("_") for k in e), e
start, = by("SCANSTART")
end, = by("SCANEND")
found = by("FINDING")
assert len(entries) == 5 and len(found) == 3, entries
assert start["MDESCAN_SCAN_TYPE"] == b"custom" and start["PRIORITY"] == b"6"
scan_id = start["MDESCAN_SCAN_ID"]
assert scan_id.isdigit(), start
want = {b"eicar.com", b"new\nline.com", b"bad\xff.com"}
for e in found:
    path = e["MDESCAN_PATH"]  # the exact bytes, newline or not UTF-8
    name = os.path.basename(path)
    assert path == d + b"/" + name and name in want, path
    want.discard(name)
    assert e["PRIORITY"] == b"4" and e["MDESCAN_SCAN_ID"] == scan_id, e
    assert e["MDESCAN_THREAT"] == b"Eicar-Test-Signature", e
    assert e["MDESCAN_STAGE"] and e["MDESCAN_SIZE"] == b"68", e
    assert e["MDESCAN_SHA256"].decode() == \
        hashlib.sha256(open(path, "rb").read()).hexdigest(), e
    assert e.get("MDESCAN_SCORE", b"0").isdigit(), e  # only when >= 0
    assert e["MESSAGE"].startswith(b"threat found: ") and \
        b"\n" not in e["MESSAGE"], e
assert not want, want
assert (end["MDESCAN_FILES"], end["MDESCAN_FINDINGS"],
        end["MDESCAN_INFECTED"], end["MDESCAN_ERRORS"],
        end["MDESCAN_STATUS"], end["MDESCAN_RESULT"],
        end["MDESCAN_SCAN_ID"]) == \
    (b"3", b"3", b"3", b"0", b"1", b"ended", scan_id), end
assert re.fullmatch(rb"\d+\.\d{3}", end["MDESCAN_ELAPSED"]), end
assert end["MESSAGE"] == b"scan ended: 3 files, 3 findings, 0 errors, " \
    b"exit status 1", end
PY

step "1. the native datagrams, parsed strictly (--log-target auto)"
cat > "$T/listen.py" <<'PY'
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        m = s.recv(1 << 17)
        f.write(struct.pack("<I", len(m)) + m)
PY
# ($PYTHON, not the python3 function: $! must be the listener itself)
"$PYTHON" "$T/listen.py" "$T/journal.sock" "$T/dgrams" </dev/null >/dev/null 2>&1 &
BGPIDS+=($!)
for _ in $(seq 50); do [ -e "$T/dgrams.ready" ] && break; sleep 0.1; done
[ -e "$T/dgrams.ready" ] || fail "the listener did not start"
MDESCAN_JOURNAL_SOCKET=$T/journal.sock expect_exit 1 mds --no-cache "$T/d"
sleep 0.3
python3 "$T/check.py" datagrams "$T/dgrams" "$T/d" ||
	fail "the native datagrams are wrong"

step "2. the real systemd-journald"
is_root || skip "part 2 needs root (a private /run/systemd/journal)"
command -v unshare >/dev/null || skip "part 2 needs unshare(1)"
JOURNALD=/lib/systemd/systemd-journald
[ -x "$JOURNALD" ] || JOURNALD=/usr/lib/systemd/systemd-journald
[ -x "$JOURNALD" ] && command -v journalctl >/dev/null ||
	skip "part 2 needs systemd-journald and journalctl (Debian package systemd)"
[ -s /etc/machine-id ] || skip "part 2 needs /etc/machine-id (journald names its directory after it)"
cat > "$T/journald.conf" <<'EOF'
[Journal]
Storage=volatile
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RateLimitIntervalSec=0
EOF
cat > "$T/ns.sh" <<'EOF'
set -eu
T=$1 MDESCAN=$2 JOURNALD=$3
# (/run is volatile: a missing directory there may be made; a missing
# /var/log/journal must not be, it would make the host's journal persistent)
mkdir -p /run/systemd/journal /run/log/journal
for d in /run/systemd/journal /run/log/journal /var/log/journal /etc/systemd; do
	[ ! -d "$d" ] || mount -t tmpfs tmpfs "$d"
done
cp "$T/journald.conf" /etc/systemd/journald.conf
"$JOURNALD" </dev/null >"$T/journald.log" 2>&1 &
jpid=$!
trap 'kill $jpid 2>/dev/null; wait $jpid 2>/dev/null' EXIT
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
[ -S /run/systemd/journal/socket ] || { echo "journald did not start"; exit 3; }
timeout 60 "$MDESCAN" --log-target journald --no-cache "$T/d" \
	>"$T/scan.out" 2>"$T/scan.err" && rc=0 || rc=$?
[ "$rc" = 1 ] || { echo "scan exit status $rc"; cat "$T/scan.err"; exit 3; }
for _ in $(seq 100); do
	journalctl -D /run/log/journal -o json --all --no-pager \
		SYSLOG_IDENTIFIER=mdescan >"$T/journal.json" 2>"$T/journalctl.err" || true
	grep -q '"MDESCAN_RESULT"' "$T/journal.json" && exit 0
	sleep 0.1
done
echo "the entries did not show up in the journal"
exit 3
EOF
unshare -m --propagation private bash "$T/ns.sh" "$T" "$MDESCAN" "$JOURNALD" ||
	{ cat "$T/journald.log" "$T/journalctl.err" >&2 || true; fail "journald run failed"; }
python3 "$T/check.py" journal "$T/journal.json" "$T/d" ||
	{ cat "$T/journal.json" >&2; fail "journald's entries are wrong"; }
exit 0
