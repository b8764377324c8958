# SPDX-License-Identifier: Apache-2.0
"""daemon-clients.py - clients that misbehave, crowd or load mdescand.

    daemon-clients.py limits SOCKET DIR     slow, vanishing, unreading
    daemon-clients.py overload SOCKET DIR   a full queue, too many clients
                                            (mdescand -j 1 --queue 1
                                            --max-connections 3, scans
                                            slowed to 0.7 s)
    daemon-clients.py readonly SOCKET DIR   every path command and FILDES
                                            on DIR, watched by inotify: no
                                            file may be written to
    daemon-clients.py load SOCKET N CLIENTS [--reload-pid PID]
                                            N mail-sized objects (2-200 KB,
                                            one in 10 infected) streamed by
                                            CLIENTS clients; every verdict
                                            checked; optional SIGHUPs to
                                            PID meanwhile

DIR is the fixture directory of t-daemon-proto.sh.  Exit status 0 when
every expectation held; what failed goes to stdout.
"""
import ctypes
import importlib.util
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

_spec = importlib.util.spec_from_file_location(
    'clamd_proto', os.path.join(os.path.dirname(__file__), 'clamd-proto.py'))
P = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(P)

FAILS = []
# the replies for make_db's signatures (daemon-lib.sh): loose files, named
# NAME.UNOFFICIAL by clamd and by mdescand's default
EICAR_FOUND = b'stream: Eicar-Test-Signature.UNOFFICIAL FOUND\0'
MARKER_FOUND = b'stream: Test.Marker.Body.UNOFFICIAL FOUND\0'


def expect(what, cond, detail=''):
    print('%s %s %s' % ('ok  ' if cond else 'FAIL', what, detail))
    if not cond:
        FAILS.append(what)


def slow_clients(sock, d):
    """Pauses shorter than the timeouts: the verdict still comes."""
    s = P.connect(sock, 20)
    for b in b'zSCAN ' + (d + '/scan/eicar.com').encode() + b'\0':
        s.send(bytes([b]))
        time.sleep(0.02)
    r = s.recv(4096)
    s.close()
    expect('a command sent byte by byte', r.endswith(b'FOUND\0'), repr(r))
    s = P.connect(sock, 20)
    s.sendall(b'zINSTREAM\0')
    data = P.chunks(P.EICAR, 8)
    for i in range(0, len(data), 11):
        s.send(data[i:i + 11])
        time.sleep(0.4)
    r = s.recv(4096)
    s.close()
    expect('a stream sent over 5 s', r == EICAR_FOUND, repr(r))


def abrupt(s):
    """Closes with a reset, as a crashed client does."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()


def vanishing(sock, d):
    """Clients gone mid-stream, mid-command, before their reply."""
    conns = []
    for i in range(24):
        s = P.connect(sock, 10)
        if i % 3 == 0:
            s.sendall(b'zINSTREAM\0' + struct.pack('>I', 900000) +
                      os.urandom(300000))
        elif i % 3 == 1:
            s.sendall(b'zSCAN /tm')
        else:
            s.sendall(b'zCONTSCAN ' + d.encode() + b'\0')
        conns.append(s)
    time.sleep(0.3)
    for s in conns:
        abrupt(s)
    r = P.conv(sock, [b'zPING\0'])
    expect('serving after 24 clients vanished', r == b'PONG\0', repr(r))


def unread_replies(sock):
    """A session that sends and never reads: dropped, not buffered."""
    s = P.connect(sock, 15)
    s.sendall(b'zIDSESSION\0')
    sent, t0 = 0, time.time()
    try:
        while sent < 4000000 and time.time() - t0 < 12:
            s.sendall(b'zPING\0' * 1000)
            sent += 6000
    except OSError:
        pass
    abrupt(s)
    r = P.conv(sock, [b'zPING\0'])
    expect('serving after a client that read nothing', r == b'PONG\0',
           '%d bytes sent, %.1f s' % (sent, time.time() - t0))


def limits(sock, d):
    slow_clients(sock, d)
    vanishing(sock, d)
    unread_replies(sock)


def overload(sock, d):
    idle = [P.connect(sock, 10) for _ in range(3)]
    time.sleep(0.3)
    extra = P.conv(sock, [b'zPING\0'])
    # (its PING may come after the close: a reset then)
    expect('a fourth client is refused', extra.startswith(
           b'Too many connections. ERROR\n'), repr(extra))
    for s in idle:
        s.close()
    time.sleep(0.3)
    cmd = b'zSCAN ' + (d + '/scan/clean.txt').encode() + b'\0'
    conns = []
    for _ in range(3):
        s = P.connect(sock, 10)
        s.sendall(cmd)
        conns.append(s)
        time.sleep(0.25)
    got = []
    for s in conns:
        r = b''
        while True:
            x = s.recv(4096)
            if not x:
                break
            r += x
        got.append(r)
        s.close()
    ok = d.encode() + b'/scan/clean.txt: OK\0'
    expect('the first two are served', got[:2] == [ok, ok], repr(got[:2]))
    expect('the third finds the queue full',
           got[2] == b'Error processing command. ERROR\0', repr(got[2]))


IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200


def readonly(sock, d):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    bad = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM |
           IN_MOVED_TO | IN_CREATE | IN_DELETE)
    for sub in ('scan', 'scan2', 'scan2/sub'):
        libc.inotify_add_watch(fd, (d + '/' + sub).encode(), bad | 0x1)
    n = 0
    for c in ('zSCAN-dir', 'zCONTSCAN-dir', 'zMULTISCAN-dir',
              'zALLMATCHSCAN-dir', 'zSCAN-clean', 'nSCAN-eicar',
              'zFILDES-eicar', 'zFILDES-clean', 'IDSESSION-fildes'):
        P.conv(sock, P.cases(d)[c])
        n += 1
    events = b''
    try:
        while True:
            events += os.read(fd, 65536)
    except BlockingIOError:
        pass
    masks, accessed, i = [], 0, 0
    while i + 16 <= len(events):
        _, mask, _, ln = struct.unpack_from('iIII', events, i)
        if mask & bad:
            masks.append(hex(mask))
        accessed += bool(mask & 0x1)
        i += 16 + ln
    expect('%d requests read files (%d reads seen) and wrote none' %
           (n, accessed), not masks and accessed > 0, ' '.join(masks))


def mail(rng, size, infected, marker):
    """A mail of about size bytes: headers, text, a base64 attachment;
    infected ones carry EICAR as the attachment or the marker in the
    text."""
    head = ('From: a%d@example.org\r\nTo: b@example.net\r\nSubject: '
            'load %d\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed;'
            ' boundary="b0"\r\n\r\n--b0\r\nContent-Type: text/plain\r\n\r\n'
            % (size, size)).encode()
    body = bytes(rng.getrandbits(8) % 26 + 97 for _ in range(64)) * (size // 128)
    if infected == 1:
        body += b'\r\n' + marker + b'\r\n'
    att = P.EICAR if infected == 2 else os.urandom(size // 3)
    import base64
    enc = base64.encodebytes(att)
    tail = (b'\r\n--b0\r\nContent-Type: application/octet-stream\r\n'
            b'Content-Transfer-Encoding: base64\r\nContent-Disposition: '
            b'attachment; filename="a.bin"\r\n\r\n' + enc + b'\r\n--b0--\r\n')
    return head + body + tail


def instream(sock, data):
    s = P.connect(sock, 120)
    s.sendall(b'zINSTREAM\0' + P.chunks(data, 65536))
    r = b''
    while not r.endswith(b'\0'):
        x = s.recv(4096)
        if not x:
            break
        r += x
    s.close()
    return r


def objects(count, seed=7):
    """count distinct mails and their expected replies."""
    rng = random.Random(seed)
    marker = b'mdescand-test-marker-7q2'
    out = []
    for i in range(count):
        size = rng.randint(2048, 200 * 1024)
        kind = 0 if i % 10 else 1 + (i // 10) % 2
        want = [b'stream: OK\0', MARKER_FOUND, EICAR_FOUND][kind]
        out.append((mail(rng, size, kind, marker), want))
    return out


def memory_kb(pid):
    """RSS of pid, and the memory files (streams) it holds: their pages
    are not in its RSS unless mapped."""
    kb = 0
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                kb = int(line.split()[1])
    fdd = '/proc/%d/fd' % pid
    for fd in os.listdir(fdd):
        try:
            if os.readlink(fdd + '/' + fd).startswith('/memfd:'):
                kb += os.stat(fdd + '/' + fd).st_size // 1024
        except OSError:
            pass
    return kb


def rss_watch(pid, stop, peak):
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], memory_kb(pid))
        except OSError:
            pass
        time.sleep(0.1)


def reloader(pid, stop, count):
    while not stop.wait(0.7):
        try:
            os.kill(pid, signal.SIGHUP)
            count[0] += 1
        except OSError:
            pass


def load(argv):
    sock, n, clients = argv[0], int(argv[1]), int(argv[2])
    pid = int(argv[argv.index('--pid') + 1]) if '--pid' in argv else 0
    objs = objects(200)
    lat, bad, lock = [], [], threading.Lock()
    todo = list(range(n))

    def client(k):
        rng = random.Random(k)
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            data, want = objs[rng.randrange(len(objs))]
            t0 = time.perf_counter()
            try:
                r = instream(sock, data)
            except OSError as e:
                r = repr(e).encode()
            dt = time.perf_counter() - t0
            with lock:
                lat.append(dt)
                if r != want:
                    bad.append((want, r))

    stop, peak, hups = threading.Event(), [0], [0]
    aux = []
    if pid:
        aux.append(threading.Thread(target=rss_watch, args=(pid, stop, peak)))
    if pid and '--reload' in argv:
        aux.append(threading.Thread(target=reloader, args=(pid, stop, hups)))
    for t in aux:
        t.start()
    t0 = time.time()
    ths = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    wall = time.time() - t0
    stop.set()
    for t in aux:
        t.join()
    lat.sort()
    print('%d requests by %d clients in %.1f s: %.0f/s, p50 %.1f ms, p99 '
          '%.1f ms, %d wrong, peak RSS+streams %d KiB, %d reloads' %
          (len(lat), clients, wall, len(lat) / wall,
           lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3,
           len(bad), peak[0], hups[0]))
    for w, r in bad[:5]:
        print('FAIL wanted %r, got %r' % (w, r))
    if '--max-rss-kb' in argv:
        lim = int(argv[argv.index('--max-rss-kb') + 1])
        expect('peak RSS under %d KiB' % lim, peak[0] < lim, str(peak[0]))
    expect('every verdict right', not bad, '%d wrong' % len(bad))


def main(argv):
    if argv[1] == 'load':
        load(argv[2:])
    else:
        {'limits': limits, 'overload': overload,
         'readonly': readonly}[argv[1]](argv[2], argv[3])
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
