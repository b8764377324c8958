# SPDX-License-Identifier: Apache-2.0
"""features_more - byte compare and PCRE subsignatures, and the hash
formats (.hdb .hsb .mdb .msb .imp .fp .ign2), as in features.py."""
import struct

import clamgen as g
from features_ldb import ENG, subsigs


def bcomp_sig(rng, name):
    """n(>>off#opts#cmp[,cmp]) against binary and text numbers."""
    t0 = subsigs(rng, 1)[0]
    d0 = g.instantiate(rng, t0)
    kind = rng.choice(['i', 'i', 'h', 'd', 'he', 'de'])
    off = rng.randint(0, 8)
    val = rng.randint(0, 60000)
    if kind == 'i':
        n = rng.choice([1, 2, 4, 8])
        val %= 1 << (8 * n) if n < 8 else 1 << 62
        end = rng.choice('lb')
        raw = val.to_bytes(n, 'little' if end == 'l' else 'big')
        opts = 'i%s%d' % (end, n)
    else:
        n = rng.randint(2, 6)
        base = kind[0]
        s = ('%x' % val) if base == 'h' else str(val)
        s = s[-n:] if 'e' in kind else s[:n]
        raw = s.encode().rjust(n, b'0') if 'e' in kind else s.encode() + b';'
        val = int(s, 16 if base == 'h' else 10)
        opts = '%s%s%d' % (base, 'b' if base == 'h' else '', n)
        opts = opts.replace('b%d' % n, 'b%s%d' % ('e' if 'e' in kind else '',
                                                   n))
        if base == 'd':
            opts = 'd%s%d' % ('e' if 'e' in kind else '', n)
    op = rng.choice('<>=')
    cmpv = val + {'<': 1, '>': -1, '=': 0}[op]
    if cmpv < 0:
        op, cmpv = '<', val + 1
    cmp = '%s%s' % (op, hex(cmpv) if rng.random() < 0.3 else cmpv)
    if rng.random() < 0.3:
        cmp += ',>%d' % max(0, val - 5)
    line = '%s;%s,Target:0;0&1;%s;0(>>%d#%s#%s)' % (
        name, ENG, g.to_hex(t0), len(d0) + off, opts, cmp)
    gap = bytes(rng.randrange(1, 9) for _ in range(off))
    hit = d0 + gap + raw
    wrong = d0 + gap + bytes((b ^ 0x11) for b in raw)
    return 'ldb', [line], [
        (g.build_bin(rng, [(('abs', 64), hit)])[0], 'hit'),
        (g.build_bin(rng, [(('abs', 64), wrong)])[0], 'near'),
        (g.build_bin(rng, [(('abs', 64), d0)])[0], 'miss')]


# None of them is a word of the text filler (clamgen.filler): a regex
# with an offset must not hold by chance in another signature's text
# file, where clamscan measures the offset from where its prefilter let
# the normalised scan start (doc/clamav-signatures.md, defect 5).
WORDS = ['golf', 'bravo', 'charlie', 'hotel', 'echo', 'foxtrot']


def pcre_sig(rng, name):
    """Trigger/regex/flags with g r e i s m x A E U and offsets."""
    t0 = g.pattern(rng, ('fix',), (), True)
    d0 = g.instantiate(rng, t0, b'xyz')
    w1, w2 = rng.sample(WORDS, 2)
    flags = ''.join(sorted(set(rng.choice(['', 'i', 's', 'm', 'g', 'U',
                                           'x', 'E', 'gi', 'si', 'A'])
                               for _ in range(2))))
    re_ = rng.choice(['%s[0-9]{2,4}%s' % (w1, w2),
                      '%s.{0,8}%s' % (w1, w2),
                      '(?:%s|%s)\\x3d[a-z]+' % (w1, w2),
                      '^%s' % w1, '%s$' % w2])
    if 'x' in flags:
        re_ = re_.replace('{0,8}', '{0,8} ')
    off = ''
    r = rng.random()
    at = 120
    if r < 0.3:
        off = '%d:' % at
    elif r < 0.45:
        off = '%d,%d:' % (at - 10, 30)
        if rng.random() < 0.5:
            flags += 'e'
    elif r < 0.55:
        off = '%d:' % (at - 20)
        flags += 'r'
    line = '%s;%s,Target:0;0&1;%s;%s0/%s/%s' % (name, ENG, g.to_hex(t0),
                                               off, re_, flags)
    sample = rng.choice([w1 + '123' + w2, w1 + 'zz' + w2, w1 + '=abc',
                         w1, w2, w1.upper() + '77' + w2])
    text = sample.encode()
    if rng.random() < 0.3:
        text = text + b'\n' + text
    files = [(g.build_text(rng, [(('abs', 20), d0),
                                 (('abs', at), text)])[0], 'hit'),
             (g.build_text(rng, [(('abs', 20), d0),
                                 (('abs', at + 40), text)])[0], 'near'),
             (g.build_text(rng, [(('abs', at), text)])[0], 'miss')]
    return 'ldb', [line], files


def flevel_sig(rng, name):
    """Signatures outside this functionality level are skipped."""
    t0 = g.pattern(rng, ('nib',), ())
    hi = rng.choice([(250, 255), (10, 50), (200, 216), (216, 300)])
    if rng.random() < 0.5:
        line = '%s;Engine:%d-%d,Target:0;0;%s' % (name, hi[0], hi[1],
                                                  g.to_hex(t0))
        ext = 'ldb'
    else:
        line = '%s:0:*:%s:%d:%d' % (name, g.to_hex(t0), hi[0], hi[1])
        ext = 'ndb'
    d0 = g.instantiate(rng, t0)
    return ext, [line], [(g.build_bin(rng, [(('abs', 90), d0)])[0], 'hit')]


def hash_sig(rng, name):
    """.hdb .hsb with sizes and *; the file and a byte-changed copy."""
    buf = g.build_bin(rng, [])[0]
    h = rng.choice([g.md5, g.sha1, g.sha256])
    size = '*' if rng.random() < 0.3 else str(len(buf))
    line = '%s:%s:%s%s' % (h(buf), size, name, ':73' if size == '*' else '')
    near = buf[:-1] + bytes([buf[-1] ^ 1])
    return ('hdb' if h is g.md5 else 'hsb'), [line], [(buf, 'hit'),
                                                      (near, 'near')]


def section_sig(rng, name):
    """.mdb/.msb: a section's hash and size."""
    state = rng.getstate()
    buf, lay = g.build_pe(rng)
    i = rng.randrange(len(lay.sections))
    raw, rsz = lay.sections[i]
    sect = buf[raw:raw + rsz]
    h = rng.choice([g.md5, g.sha1, g.sha256])
    size = str(rsz) if rng.random() < 0.8 else '*'
    line = '%s:%s:%s%s' % (size, h(sect), name, ':73' if size == '*' else '')
    rng.setstate(state)
    other = g.build_pe(rng, sect_data={i: b'\x01\x02'})[0]
    return ('mdb' if h is g.md5 else 'msb'), [line], [(buf, 'hit'),
                                                      (other, 'near')]


DLLS = ['KERNEL32.dll', 'user32.DLL', 'advapi32.dll', 'msvcrt.dll',
        'shell32.ocx', 'ntoskrnl.sys', 'mylib.bin']
FUNCS = ['LoadLibraryA', 'GetProcAddress', 'ExitProcess', 'MessageBoxW',
         'RegOpenKeyExA', 'malloc', 'free', 'CreateFileW']


def imp_sig(rng, name):
    """.imp: the import hash of a PE and its size."""
    imps = []
    for dll in rng.sample(DLLS, rng.randint(1, 3)):
        # a unique function in each: one import hash, one name
        fns = [rng.choice(FUNCS) if rng.random() < 0.85
               else rng.randint(1, 300) for _ in range(rng.randint(1, 4))]
        fns.append('Fn%d' % rng.randrange(10 ** 9))
        imps.append((dll, fns))
    s = g.imp_string(imps)
    line = '%s:%d:%s' % (g.md5(s), len(s), name)
    other = [(imps[0][0], imps[0][1] + ['ExtraFunc'])] + imps[1:]
    return 'imp', [line], [(g.build_pe(rng, imports=imps)[0], 'hit'),
                           (g.build_pe(rng, imports=other)[0], 'near')]


def vi_sig(rng, name):
    """VI: version information key and value (UTF-16)."""
    pairs = [('CompanyName', rng.choice(['Acme', 'Initech', 'Globex'])),
             ('FileDescription', rng.choice(['Tool', 'Updater'])),
             ('ProductVersion', '%d.%d' % (rng.randint(1, 9),
                                           rng.randint(0, 9)))]
    k, v = rng.choice(pairs)
    key = g.u16(k) + b'\0\0'
    pad = b'\0' * ((-(6 + len(key))) % 4)
    sig = (key + pad + g.u16(v) + b'\0\0').hex()
    line = '%s:1:VI:%s' % (name, sig)
    other = [(a, b + 'x') for a, b in pairs]
    return 'ndb', [line], [(g.build_pe(rng, vinfo=pairs)[0], 'hit'),
                           (g.build_pe(rng, vinfo=other)[0], 'near')]


