#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mdescand against ClamAV's clamd, in one run (python3 standard library).

Both daemons load the same signature files (ClamAV formats: sigdb/'s EICAR
hash and body signatures, a test body signature, and --hashes random
SHA-256 and --bodies random body signatures to give the matchers work),
then --clients client processes send --requests INSTREAM requests to each,
the same mail-sized objects in the same order: MIME mails of 2-200 KB with
a base64 attachment, one in ten infected (an EICAR attachment, or the test
signature in the text).  Every verdict is checked (a wrong one fails the
run); then requests per second and the latency percentiles of each, and
their ratios: targets mdescand >= 3x clamd's requests/s and <= 1/2 of its
p99.  The rounds alternate between the daemons (--rounds, default 2); the
median round is reported, with the load average of the machine.  A third
daemon, mdescand --no-cage, is timed in the same rounds: the parser
cage's cost (caged = the default) is the ratio of the two (issue 21:
within 10%).

  tests/bench/clamd.py [--requests N] [--clients N] [--threads N]
                       [--rounds N] [--hashes N] [--bodies N]
                       [--work DIR] [--mdescand PATH] [--clamd PATH]

Needs root (clamd runs as root here) and clamav-daemon.  Exit status: 0,
1 when a verdict is wrong or a daemon fails; a missed target prints MISS.
"""
import argparse
import base64
import importlib.util
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
EICAR = (b'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' +
         b'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')
MARKER = b'mdescand-bench-marker-41x'


def signatures(d, hashes, bodies, seed=11):
    os.makedirs(d, exist_ok=True)
    for f in ('eicar.hsb', 'eicar.ndb'):
        shutil.copy(os.path.join(TOP, 'sigdb', f), d)
    rng = random.Random(seed)
    with open(os.path.join(d, 'bench.hsb'), 'w') as f:
        for i in range(hashes):
            f.write('%064x:%d:Bench.Hash.%d\n' %
                    (rng.getrandbits(256), rng.randint(100, 300000), i))
    with open(os.path.join(d, 'bench.ndb'), 'w') as f:
        f.write('Bench.Marker:0:*:%s\n' % MARKER.hex())
        for i in range(bodies):
            f.write('Bench.Body.%d:0:*:%s\n' %
                    (i, bytes(rng.getrandbits(8) for _ in range(20)).hex()))


def mail(rng, size, kind):
    text = bytes(rng.getrandbits(8) % 26 + 97 for _ in range(80)) * (size // 160)
    if kind == 1:
        text += b'\r\n' + MARKER + b'\r\n'
    att = EICAR if kind == 2 else os.urandom(size // 3)
    return (b'From: a@example.org\r\nTo: b@example.net\r\nSubject: bench\r\n'
            b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; '
            b'boundary="b0"\r\n\r\n--b0\r\nContent-Type: text/plain\r\n\r\n' +
            text + b'\r\n--b0\r\nContent-Type: application/octet-stream\r\n'
            b'Content-Transfer-Encoding: base64\r\nContent-Disposition: '
            b'attachment; filename="a.bin"\r\n\r\n' +
            base64.encodebytes(att) + b'\r\n--b0--\r\n')


def objects(n, seed=5):
    """(framed INSTREAM request, expected signature or None)"""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = 0 if i % 10 else 1 + (i // 10) % 2
        data = mail(rng, rng.randint(2048, 200 * 1024), kind)
        framed = b'zINSTREAM\0'
        for k in range(0, len(data), 65536):
            piece = data[k:k + 65536]
            framed += struct.pack('>I', len(piece)) + piece
        framed += struct.pack('>I', 0)
        out.append((framed, [None, 'Bench.Marker', 'Eicar-Test-Signature'][kind]))
    return out


def verdict_ok(reply, want):
    r = reply.replace(b'.UNOFFICIAL', b'')
    if want is None:
        return r == b'stream: OK\0'
    # clamd and mdescand may name an EICAR attachment by either signature
    if want == 'Eicar-Test-Signature':
        return r in (b'stream: Eicar-Test-Signature FOUND\0',
                     b'stream: Eicar-Signature FOUND\0')
    return r == b'stream: %s FOUND\0' % want.encode()


OBJS = []


def client(args):
    sock, order = args
    lat, bad = [], 0
    for i in order:
        framed, want = OBJS[i]
        t0 = time.perf_counter()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(120)
        s.connect(sock)
        s.sendall(framed)
        r = b''
        while not r.endswith(b'\0'):
            x = s.recv(4096)
            if not x:
                break
            r += x
        s.close()
        lat.append(time.perf_counter() - t0)
        bad += not verdict_ok(r, want)
    return lat, bad


def run_load(pool, sock, requests, clients):
    rng = random.Random(3)
    seq = [rng.randrange(len(OBJS)) for _ in range(requests)]
    parts = [(sock, seq[k::clients]) for k in range(clients)]
    t0 = time.time()
    res = pool.map(client, parts, chunksize=1)
    wall = time.time() - t0
    lat = sorted(x for r in res for x in r[0])
    return {'rps': len(lat) / wall, 'p50': lat[len(lat) // 2] * 1e3,
            'p99': lat[int(len(lat) * 0.99)] * 1e3,
            'bad': sum(r[1] for r in res), 'n': len(lat), 'wall': wall}


def wait_sock(path, proc, what):
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit('%s exited with %d' % (what, proc.returncode))
        if os.path.exists(path):
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                s.sendall(b'zPING\0')
                if s.recv(16) == b'PONG\0':
                    return
            except OSError:
                pass
        time.sleep(0.1)
    sys.exit('%s did not start' % what)


def start_clamd(a, sigs):
    conf = os.path.join(a.work, 'clamd.conf')
    with open(conf, 'w') as f:
        f.write('LocalSocket %s/clamd.sock\nFixStaleSocket yes\nForeground yes\n'
                'DatabaseDirectory %s\nLogFile %s/clamd.log\nUser root\n'
                'TemporaryDirectory %s\nMaxThreads %d\nMaxQueue 200\n'
                'StreamMaxLength 300M\nSelfCheck 0\nMaxConnectionQueueLength 200\n'
                % (a.work, sigs, a.work, a.work, a.threads))
    p = subprocess.Popen([a.clamd, '-c', conf], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_sock(a.work + '/clamd.sock', p, 'clamd')
    return p


def start_mdescand(a, sigs, sock='md.sock', extra=()):
    p = subprocess.Popen([a.mdescand, '--socket', a.work + '/' + sock,
                          '--no-history', '--no-syslog', '-d', sigs,
                          '-j', str(a.threads), '--queue', '1024'] +
                         list(extra),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_sock(a.work + '/' + sock, p, 'mdescand')
    return p


def main():
    global OBJS
    ap = argparse.ArgumentParser()
    ap.add_argument('--requests', type=int, default=4000)
    ap.add_argument('--clients', type=int, default=16)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--hashes', type=int, default=20000)
    ap.add_argument('--bodies', type=int, default=1000)
    ap.add_argument('--work', default='/var/tmp/mdescand-bench')
    ap.add_argument('--mdescand', default=os.path.join(TOP, 'src/mdescand/mdescand'))
    ap.add_argument('--clamd', default=shutil.which('clamd') or '/usr/sbin/clamd')
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    sigs = os.path.join(a.work, 'sigs')
    shutil.rmtree(sigs, ignore_errors=True)
    signatures(sigs, a.hashes, a.bodies)
    OBJS = objects(200)
    print('%d requests by %d clients, %d threads each daemon, %d hash and '
          '%d body signatures; load average %.2f %.2f %.2f' %
          ((a.requests, a.clients, a.threads, a.hashes + 1, a.bodies + 2) +
           os.getloadavg()))
    clamd, ours = start_clamd(a, sigs), start_mdescand(a, sigs)
    bare = start_mdescand(a, sigs, 'bare.sock', ['--no-cage'])
    res = {'clamd': [], 'mdescand': [], '--no-cage': []}
    pool = mp.Pool(a.clients)  # started before any timing
    try:
        for r in range(a.rounds):
            for name, sock in (('clamd', a.work + '/clamd.sock'),
                               ('mdescand', a.work + '/md.sock'),
                               ('--no-cage', a.work + '/bare.sock')):
                x = run_load(pool, sock, a.requests, a.clients)
                res[name].append(x)
                print('round %d %-9s %7.1f req/s  p50 %7.1f ms  p99 %7.1f ms'
                      '  %d wrong  (load %.2f)' % (r + 1, name, x['rps'],
                      x['p50'], x['p99'], x['bad'], os.getloadavg()[0]))
    finally:
        pool.close()
        pool.join()
        for p in (clamd, ours, bare):
            p.send_signal(signal.SIGTERM)
            p.wait()
    med = {k: sorted(v, key=lambda x: x['rps'])[len(v) // 2]
           for k, v in res.items()}
    c, m = med['clamd'], med['mdescand']
    rps, p99 = m['rps'] / c['rps'], m['p99'] / c['p99']
    print('clamd     %7.1f req/s  p50 %7.1f ms  p99 %7.1f ms' %
          (c['rps'], c['p50'], c['p99']))
    print('mdescand  %7.1f req/s  p50 %7.1f ms  p99 %7.1f ms' %
          (m['rps'], m['p50'], m['p99']))
    b = med['--no-cage']
    print('--no-cage %7.1f req/s  p50 %7.1f ms  p99 %7.1f ms' %
          (b['rps'], b['p50'], b['p99']))
    cost = b['rps'] / m['rps']
    print('parser cage: %.2fx the time per request of --no-cage '
          '(target <= 1.10): %s; p50 %.2fx, p99 %.2fx' %
          (cost, 'MET' if cost <= 1.10 else 'MISS', m['p50'] / b['p50'],
           m['p99'] / b['p99']))
    print('throughput %.2fx clamd (target >= 3): %s' %
          (rps, 'MET' if rps >= 3 else 'MISS'))
    print('p99 %.2f of clamd (target <= 0.5): %s' %
          (p99, 'MET' if p99 <= 0.5 else 'MISS'))
    print('load average after: %.2f %.2f %.2f' % os.getloadavg())
    wrong = sum(x['bad'] for v in res.values() for x in v)
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main())
