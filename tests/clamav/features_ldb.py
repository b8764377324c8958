# SPDX-License-Identifier: Apache-2.0
"""features_ldb - generators of logical signatures (.ldb) and of the
hash formats, as in features.py: (ext, lines, files)."""
import clamgen as g
from features import host

ENG = 'Engine:81-255'


def subsigs(rng, n, text=False):
    return [g.pattern(rng, ('nib', 'alt1', 'fix'), (), text)
            for _ in range(n)]


def rand_logic(rng, n, depth=0):
    """A random expression over subsignatures 0..n-1, every one used."""
    ids = list(range(n))
    rng.shuffle(ids)

    def build(ids, depth):
        if len(ids) == 1:
            i = ids[0]
            r = rng.random()
            if r < 0.15:
                return '%d>%d' % (i, rng.randint(0, 2))
            if r < 0.25:
                return '%d=%d' % (i, rng.randint(0, 2))
            if r < 0.3:
                return '%d<%d' % (i, rng.randint(1, 3))
            return str(i)
        k = rng.randint(1, len(ids) - 1)
        left, right = build(ids[:k], depth + 1), build(ids[k:], depth + 1)
        op = rng.choice('&|')
        e = left + op + right
        if rng.random() < 0.5:
            e = '(' + e + ')'
            r = rng.random()
            if r < 0.2:
                e += '>%d' % rng.randint(0, 3)
            elif r < 0.3:
                e += '=%d' % rng.randint(1, 3)
            elif r < 0.4:
                e += '>%d,%d' % (rng.randint(0, 2), rng.randint(1, 2))
            elif r < 0.45:
                e += '<%d' % rng.randint(1, 4)
        return e
    return build(ids, depth)


def logic_sig(rng, name):
    """Random logic with counts and ClamAV's precedence."""
    n = rng.randint(2, 5)
    subs = subsigs(rng, n)
    logic = rand_logic(rng, n)
    line = '%s;%s,Target:0;%s;%s' % (name, ENG, logic,
                                     ';'.join(g.to_hex(t) for t in subs))
    files = []
    for label in ('hit', 'near', 'miss'):
        pay, at = [], 40
        for t in subs:
            reps = rng.choice([0, 1, 1, 2, 3]) if label != 'miss' else 0
            for _ in range(reps):
                d = g.instantiate(rng, t)
                pay.append((('abs', at), d))
                at += len(d) + rng.randint(1, 30)
        files.append((g.build_bin(rng, pay, at + 100)[0], label))
    return 'ldb', [line], files


def modifier_sig(rng, name):
    """::i ::w ::a ::wa ::f and combinations, on text."""
    opts = rng.choice(['i', 'w', 'a', 'wa', 'f', 'fi', 'iw', 'wai', 'fw'])
    t = g.pattern(rng, ('fix',), (), True)
    other = g.pattern(rng, ('fix',), (), True)
    line = '%s;%s,Target:0;0&1;%s::%s;%s' % (name, ENG, g.to_hex(t), opts,
                                             g.to_hex(other))
    d = g.instantiate(rng, t, b'xyz')
    if 'i' in opts and rng.random() < 0.7:
        d = bytes(c ^ 0x20 if 0x61 <= c <= 0x7a and rng.random() < 0.5
                  else c for c in d)
    if 'w' in opts and ('a' not in opts or rng.random() < 0.5):
        d = b''.join(bytes([c, 0]) for c in d)
    if 'f' in opts and rng.random() < 0.5:
        d = b'x' + d  # not a full word
    o = g.instantiate(rng, other, b'xyz')
    files = [(g.build_bin(rng, [(('abs', 50), b' ' + d + b' '),
                                (('abs', 200), o)])[0], 'hit'),
             (g.build_bin(rng, [(('abs', 50), b'q' + d + b'q'),
                                (('abs', 200), o)])[0], 'near'),
             (g.build_bin(rng, [(('abs', 200), o)])[0], 'miss')]
    return 'ldb', [line], files


def subsig_offset(rng, name):
    """Offsets on subsignatures, with EP/Sx on PE."""
    t0, t1 = subsigs(rng, 2)
    d0, d1 = g.instantiate(rng, t0), g.instantiate(rng, t1)
    state = rng.getstate()
    _, lay = g.build_pe(rng)
    form = rng.choice(['abs', 'ep', 'sx', 'eof'])
    n = rng.randint(0, 20)
    if form == 'abs':
        o, where = '%d' % (600 + n), ('abs', 600 + n)
    elif form == 'ep':
        o, where = 'EP+%d' % n, ('ep', n)
    elif form == 'sx':
        o, where = 'S0+%d,4' % n, ('sect', 0, n + rng.randint(0, 4))
    else:
        o, where = 'EOF-%d' % (100 + n), ('eof', 100 + n)
    line = '%s;%s,Target:1;0&1;%s:%s;%s' % (name, ENG, o, g.to_hex(t0),
                                            g.to_hex(t1))
    rng.setstate(state)
    hit = g.build_pe(rng, [(where, d0), (('sect', 0, 300), d1)])[0]
    rng.setstate(state)
    near = g.build_pe(rng, [(('abs', 0x390), d0),
                            (('sect', 0, 300), d1)])[0]
    return 'ldb', [line], [(hit, 'hit'), (near, 'near'),
                           (g.build_pe(rng)[0], 'miss')]


def tdb_sig(rng, name):
    """FileSize, EntryPoint, NumberOfSections, Container:CL_TYPE_ANY."""
    t0 = subsigs(rng, 1)[0]
    d0 = g.instantiate(rng, t0)
    state = rng.getstate()
    buf, lay = g.build_pe(rng, [(('sect', 0, 100), d0)])
    attr = rng.choice(['FileSize', 'EntryPoint', 'NumberOfSections',
                       'Container'])
    if attr == 'FileSize':
        v = len(buf)
        cond = 'FileSize:%d-%d' % (v - rng.randint(0, 50),
                                   v + rng.randint(0, 50))
    elif attr == 'EntryPoint':
        cond = 'EntryPoint:%d-%d' % (lay.ep - rng.randint(0, 4),
                                     lay.ep + rng.randint(0, 4))
    elif attr == 'NumberOfSections':
        n = len(lay.sections)
        cond = 'NumberOfSections:%d-%d' % (max(1, n - rng.randint(0, 1)), n)
    else:
        cond = 'Container:CL_TYPE_ANY'
    line = '%s;%s,Target:1,%s;0;%s' % (name, ENG, cond, g.to_hex(t0))
    rng.setstate(state)
    other = g.build_pe(rng, [(('sect', 0, 100), d0)],
                       nsect=rng.randint(1, 4))[0] + b'\0' * 600
    return 'ldb', [line], [(buf, 'hit'), (other, 'near'),
                           (g.build_pe(rng)[0], 'miss')]


def macro_sig(rng, name, group=[0]):
    """${min-max}G$ with its .ndb group members in the same line list.
    Groups 24 and up can crash clamscan 1.4 (defect 1): 0 to 23 here."""
    grp = group[0] % 24
    group[0] += 1
    t0 = g.pattern(rng, ('nib',), ())
    members = [g.pattern(rng, (), ()) for _ in range(2)]
    d0 = g.instantiate(rng, t0)
    lo = len(d0) + rng.randint(0, 6)
    hi = lo + rng.randint(0, 10)
    line = '%s;Engine:51-255,Target:0;0&1;%s;${%d-%d}%d$' % (
        name, g.to_hex(t0), lo, hi, grp)
    ndb = ['%s_m%d:0:$%d:%s' % (name, i, grp, g.to_hex(m))
           for i, m in enumerate(members)]
    files = []
    for label in ('hit', 'near', 'miss'):
        pay, at = [], 60
        for _ in range(rng.choice([1, 2, 2, 3]) if label != 'miss' else 0):
            dm = g.instantiate(rng, rng.choice(members))
            dist = rng.randint(lo, hi) + (0 if label == 'hit' else 12)
            pad = bytes(rng.randrange(1, 9) for _ in range(dist - len(d0)))
            chunk = d0 + pad + dm
            pay.append((('abs', at), chunk))
            at += len(chunk) + rng.randint(0, 20)
        files.append((g.build_bin(rng, pay, at + 100)[0], label))
    return 'ldb+ndb', [line] + ndb, files
