# SPDX-License-Identifier: Apache-2.0
"""clamldb - the logical-signature load of the benchmark: 100,000 .ldb
signatures of 8 subsignatures each, shaped like ClamAV's daily database
(hex subsignatures of 4 to 40 bytes, some with wildcards, gaps and
alternatives, an offset now and then, Target 0 or 1, logic that is
mostly a conjunction with an occasional count), none of which the
corpus holds, plus the bench signatures.  mdescan must scan the corpus
with them at least 10 times faster than clamscan, with the same findings.
"""
import os
import random

NSIGS = 100000
NSUB = 8


def subsig(rng, target):
    n = rng.randint(4, 40)
    raw = bytes(rng.randrange(256) for _ in range(n))
    h = raw.hex()
    r = rng.random()
    if r < 0.15 and n > 8:
        k = 2 * rng.randint(3, n - 3)
        h = h[:k] + '??' + h[k + 2:]
    elif r < 0.22 and n > 10:
        k = 2 * rng.randint(4, n - 4)
        h = h[:k] + '{%d-%d}' % (0, rng.randint(1, 16)) + h[k:]
    elif r < 0.27 and n > 10:
        k = 2 * rng.randint(4, n - 4)
        h = h[:k] + '(%02x|%02x)' % (rng.randrange(256),
                                      rng.randrange(256)) + h[k:]
    elif r < 0.30 and n > 10:
        k = 2 * rng.randint(4, n - 4)
        h = h[:k] + '*' + h[k:]
    if target == 1 and rng.random() < 0.05:
        h = 'EP+%d:%s' % (rng.randint(0, 64), h)
    return h


def logic(rng):
    r = rng.random()
    if r < 0.7:
        return '&'.join(str(i) for i in range(NSUB))
    if r < 0.85:
        return '(0|1|2)&3&4&5&6&7'
    return '(0&1&2&3)&(4|5|6)>1&7'


def write(path, seed=20240417):
    rng = random.Random(seed)
    with open(path, 'w') as f:
        for i in range(NSIGS):
            t = 1 if rng.random() < 0.6 else 0
            subs = ';'.join(subsig(rng, t) for _ in range(NSUB))
            f.write('Bench.Ldb.%06d;Engine:51-255,Target:%d;%s;%s\n'
                    % (i, t, logic(rng), subs))


def prepare(bench_dir):
    """BENCH_DIR/sigs-ldb: the bench signatures and ldb100k.ldb."""
    d = os.path.join(bench_dir, 'sigs-ldb')
    os.makedirs(d, exist_ok=True)
    for name in ('bench.hsb', 'bench.ndb'):
        src = os.path.join(bench_dir, 'sigs', name)
        dst = os.path.join(d, name)
        if os.path.exists(src) and not os.path.exists(dst):
            os.link(src, dst)
    ldb = os.path.join(d, 'ldb100k.ldb')
    if not os.path.exists(ldb):
        write(ldb + '.tmp')
        os.rename(ldb + '.tmp', ldb)
    return d


if __name__ == '__main__':
    import sys
    write(sys.argv[1])
