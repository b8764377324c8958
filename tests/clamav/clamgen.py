# SPDX-License-Identifier: Apache-2.0
"""clamgen - random ClamAV signatures and files made to match them.

A pattern is a list of tokens; it prints as ClamAV hex and can be
instantiated into bytes that match it.  The file builders make PE, ELF,
Mach-O, text, HTML and other files with payloads at chosen offsets.
Everything is drawn from one random.Random, so a seed repeats a run.
"""
import hashlib
import struct

# ---------------------------------------------------------------- patterns
# ('lit', b'..')          static bytes
# ('nib', val, mask)      one byte under a mask: ?? a? ?a
# ('gap', lo, hi)         {lo-hi}; hi None: unbounded (*)
# ('alt', [b'..', ...])   alternatives (any lengths)
# ('nalt', [b'..', ...])  negated alternatives (one length)
# ('cls', 'B'|'L'|'W', neg)


def hexs(b):
    return b.hex()


def to_hex(toks):
    out = []
    for t in toks:
        k = t[0]
        if k == 'lit':
            out.append(hexs(t[1]))
        elif k == 'nib':
            v, m = t[1], t[2]
            if m == 0:
                out.append('??')
            elif m == 0xf0:
                out.append('%x?' % (v >> 4))
            else:
                out.append('?%x' % (v & 15))
        elif k == 'gap':
            lo, hi = t[1], t[2]
            if hi is None and lo == 0:
                out.append('*')
            elif hi is None:
                out.append('{%d-}' % lo)
            elif lo == hi:
                out.append('{%d}' % lo)
            elif lo == 0 and t[3:] == ('-n',):
                out.append('{-%d}' % hi)
            elif t[3:] == ('[]',):
                out.append('[%d-%d]' % (lo, hi))
            else:
                out.append('{%d-%d}' % (lo, hi))
        elif k == 'alt':
            out.append('(' + '|'.join(hexs(a) for a in t[1]) + ')')
        elif k == 'nalt':
            out.append('!(' + '|'.join(hexs(a) for a in t[1]) + ')')
        elif k == 'cls':
            out.append(('!' if t[2] else '') + '(' + t[1] + ')')
    return ''.join(out)


BOUND = b' -/_'          # boundary on both sides (ClamAV's table)
WORDS = b'abcdefghijklmnopqrstuvwxyz0123456789'


def cls_byte(rng, c, neg):
    """A byte the class matches (or its negation matches)."""
    if c == 'B':
        good = BOUND + b'.<@\n\r"\'=>'
    elif c == 'W':
        good = b' ,;:!-+*/()[]{}\n'
    else:
        good = b'\n'
    if neg:
        return bytes([rng.choice(WORDS)])
    return bytes([rng.choice(good)])


def instantiate(rng, toks, gapfill=None):
    """Bytes that match toks (edge classes excluded: see wrap_edges)."""
    out = bytearray()
    for i, t in enumerate(toks):
        k = t[0]
        if (k == 'cls' and (i == 0 or i == len(toks) - 1)):
            continue
        if k == 'lit':
            out += t[1]
        elif k == 'nib':
            b = rng.randrange(256)
            out.append((b & ~t[2] & 0xff) | t[1])
        elif k == 'gap':
            lo, hi = t[1], t[2]
            n = rng.randint(lo, hi if hi is not None else lo + 40)
            out += bytes(rng.choice(gapfill or b'\x01\x02\x03\x05')
                         for _ in range(n))
        elif k == 'alt':
            out += rng.choice(t[1])
        elif k == 'nalt':
            n = len(t[1][0])
            while True:
                cand = bytes(rng.randrange(256) for _ in range(n))
                if cand not in t[1]:
                    break
            out += cand
        elif k == 'cls':
            out += cls_byte(rng, t[1], t[2])
    return bytes(out)


# bytes whose class differs between the edges: word-only-before, word-only-
# after, both, white space that only normalisation turns into a space, and
# ordinary letters, digits and binary bytes
EDGE_BYTES = b'.<@\n\r"\'=> -/_\t\x0b\x0cQz7\x00\xff'


def edge_byte(rng, c, neg):
    """A byte that satisfies the class, or half the time any edge byte."""
    if rng.random() < 0.5:
        return bytes([rng.choice(EDGE_BYTES)])
    return b'Q' if neg else (b'\n' if c == 'L' else b' ')


def wrap_edges(rng, toks, body):
    """Context around body that satisfies (or tests) the edge classes."""
    pre, post = b'', b''
    if toks and toks[0][0] == 'cls':
        pre = edge_byte(rng, toks[0][1], toks[0][2])
    if toks and toks[-1][0] == 'cls' and len(toks) > 1:
        post = edge_byte(rng, toks[-1][1], toks[-1][2])
    return pre + body + post


def mutate(rng, toks, data):
    """A near miss: one static byte of the instance changed."""
    pos = []
    off = 0
    for t in toks:
        if t[0] == 'lit':
            pos += range(off, off + len(t[1]))
            off += len(t[1])
        else:
            break
    if not pos:
        pos = [0]
    p = rng.choice(pos)
    b = bytearray(data)
    b[p] ^= 0x5a
    return bytes(b)


def rand_lit(rng, n, text=False):
    if text:
        return bytes(rng.choice(b'abcdefghijklmnopqrstuvwxyz') for _ in range(n))
    return bytes(rng.randrange(1, 255) for _ in range(n))


def segment(rng, kinds, text=False):
    """One part of a pattern: a static head of >= 2 bytes plus extras."""
    toks = [('lit', rand_lit(rng, rng.randint(3, 6), text))]
    for _ in range(rng.randint(0, 2) if kinds else 0):
        k = rng.choice(kinds)
        if k == 'nib':
            m = rng.choice([0, 0xf0, 0x0f])
            toks.append(('nib', rng.randrange(256) & m, m))
        elif k == 'alt1':
            toks.append(('alt', sorted({rand_lit(rng, 1, text)
                                        for _ in range(3)})))
        elif k == 'altn':
            toks.append(('alt', sorted({rand_lit(rng, 2, text)
                                        for _ in range(3)})))
        elif k == 'altv':
            toks.append(('alt', [rand_lit(rng, 1, text),
                                 rand_lit(rng, 3, text)]))
        elif k == 'nalt1':
            toks.append(('nalt', sorted({rand_lit(rng, 1, text)
                                         for _ in range(2)})))
        elif k == 'naltn':
            toks.append(('nalt', sorted({rand_lit(rng, 2, text)
                                         for _ in range(2)})))
        elif k == 'fix':
            n = rng.randint(1, 6)
            toks.append(('gap', n, n))
        toks.append(('lit', rand_lit(rng, rng.randint(2, 3), text)))
    return toks


def pattern(rng, kinds=('nib',), gaps=(), text=False):
    """A pattern valid for clamscan: every part has two static bytes."""
    toks = segment(rng, kinds, text)
    for g in gaps:
        if g == '*':
            toks.append(('gap', 0, None))
        elif g == 'range':
            lo = rng.randint(0, 8)
            toks.append(('gap', lo, lo + rng.randint(1, 10)))
        elif g == 'max':
            toks.append(('gap', 0, rng.randint(1, 12), '-n'))
        elif g == 'min':
            toks.append(('gap', rng.randint(1, 8), None))
        toks += segment(rng, kinds, text)
    return toks


# ------------------------------------------------------------------ files

def filler(rng, n, kind='bin'):
    if kind == 'text':
        words = [b'alpha', b'beta', b'gamma', b'delta', b'kilo', b'lima',
                 b'omega', b'zeta']
        out = bytearray()
        while len(out) < n:
            out += rng.choice(words) + rng.choice([b' ', b'\n', b', '])
        return bytes(out[:n])
    return bytes(rng.randrange(0x80, 0x100) if rng.random() < 0.5 else 0
                 for _ in range(n))


class Layout:
    """What a built executable looks like: for offsets in signatures."""

    def __init__(self):
        self.ep = None
        self.sections = []   # (raw, rsz)
        self.size = 0
        self.vi = []         # offsets of version-info keys


def place(buf, off, data):
    buf[off:off + len(data)] = data


def build_pe(rng, payloads=(), nsect=None, imports=None, vinfo=None,
             sect_data=None, ep_sect=0, ep_off=None):
    """A PE32 with nsect sections of 0x200-multiples.  payloads:
    list of (where, data): where = ('ep', delta) | ('sect', i, off) |
    ('abs', off) | ('eof', n)."""
    nsect = nsect or rng.randint(1, 4)
    sizes = [0x200 * rng.randint(1, 3) for _ in range(nsect)]
    extra = []
    if imports:
        extra.append('imp')
    if vinfo:
        extra.append('rsrc')
    nall = nsect + len(extra)
    sizes += [0x400] * len(extra)
    raws, off = [], 0x400
    for s in sizes:
        raws.append(off)
        off += s
    total = off
    buf = bytearray(filler(rng, total))
    lay = Layout()
    lay.sections = list(zip(raws, sizes))
    lay.size = total
    epo = ep_off if ep_off is not None else rng.randrange(0, 0x100)
    ep_rva = 0x1000 * (ep_sect + 1) + epo
    lay.ep = raws[ep_sect] + epo
    dirs = [(0, 0)] * 16
    for i, e in enumerate(extra):
        si = nsect + i
        va = 0x1000 * (si + 1)
        if e == 'imp':
            blob, isz = pe_imports(imports, va)
            dirs[1] = (va, isz)
        else:
            blob, lay.vi = pe_vinfo(vinfo, va, raws[si])
            dirs[2] = (va, len(blob))
        place(buf, raws[si], blob)
    if sect_data:
        for i, d in sect_data.items():
            place(buf, raws[i], d)
    hdr = bytearray(0x400)
    hdr[0:2] = b'MZ'
    struct.pack_into('<I', hdr, 0x3c, 0x80)
    hdr[0x80:0x84] = b'PE\0\0'
    struct.pack_into('<HHIIIHH', hdr, 0x84, 0x14c, nall, 0, 0, 0, 0xe0,
                     0x102)
    opt = 0x98
    struct.pack_into('<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII', hdr, opt, 0x10b, 1, 0,
                     sizes[0], 0, 0, ep_rva, 0x1000, 0x2000, 0x400000,
                     0x1000, 0x200, 4, 0, 0, 0, 4, 0, 0,
                     0x1000 * (nall + 1), 0x400, 0, 2, 0, 0x100000, 0x1000,
                     0x100000, 0x1000, 0, 16)
    for i, (va, sz) in enumerate(dirs):
        struct.pack_into('<II', hdr, opt + 96 + 8 * i, va, sz)
    sh = opt + 0xe0
    for i in range(nall):
        name = (b'.s%d' % i).ljust(8, b'\0')
        struct.pack_into('<8sIIIIIIHHI', hdr, sh + 40 * i, name, sizes[i],
                         0x1000 * (i + 1), sizes[i], raws[i], 0, 0, 0, 0,
                         0x60000020)
    place(buf, 0, hdr)
    for where, data in payloads:
        place(buf, resolve(lay, where, len(data)), data)
    return bytes(buf), lay


def resolve(lay, where, n):
    k = where[0]
    if k == 'ep':
        return lay.ep + where[1]
    if k == 'sect':
        return lay.sections[where[1]][0] + where[2]
    if k == 'last':
        return lay.sections[-1][0] + where[1]
    if k == 'eof':
        return lay.size - where[1]
    if k == 'vi':
        return lay.vi[where[1]]
    return where[1]


def pe_imports(imports, va):
    """imports: [(dll, [func or ordinal int])]; an import directory
    at RVA va, laid out in one blob."""
    nd = len(imports)
    desc_sz = 20 * (nd + 1)
    name_rva = {}
    thunks = bytearray()
    pos_names = desc_sz
    # names first, thunks after
    blob_names = bytearray()
    for dll, funcs in imports:
        name_rva[dll] = va + pos_names + len(blob_names)
        blob_names += dll.encode() + b'\0'
        for f in funcs:
            if isinstance(f, str):
                name_rva[(dll, f)] = va + pos_names + len(blob_names)
                blob_names += b'\0\0' + f.encode() + b'\0'
    tpos = pos_names + len(blob_names)
    tpos += (-tpos) % 4
    desc = bytearray()
    for dll, funcs in imports:
        trva = va + tpos + len(thunks)
        for f in funcs:
            if isinstance(f, str):
                thunks += struct.pack('<I', name_rva[(dll, f)])
            else:
                thunks += struct.pack('<I', 0x80000000 | f)
        thunks += b'\0\0\0\0'
        desc += struct.pack('<IIIII', trva, 0, 0, name_rva[dll], trva)
    desc += b'\0' * 20
    blob = bytearray(desc) + blob_names
    blob += b'\0' * ((-len(blob)) % 4)
    blob = blob[:tpos].ljust(tpos, b'\0') + thunks
    return bytes(blob), desc_sz


def imp_string(imports):
    parts = []
    for dll, funcs in imports:
        d = dll
        dot = d.find('.')
        if dot >= 0 and d[dot:dot + 4].lower() in ('.dll', '.ocx', '.sys'):
            d = d[:dot]
        for f in funcs:
            fn = f if isinstance(f, str) else 'ord%d' % f
            parts.append(d.lower() + '.' + fn.lower())
    return ','.join(parts).encode()


def u16(s):
    return s.encode('utf-16-le')


def vs_block(key, value, children, vtype=1):
    """A version-info block: header, key, padding, value, children."""
    k = u16(key) + b'\0\0'
    body = bytearray(6) + k
    body += b'\0' * ((-len(body)) % 4)
    body += value
    if children:
        body += b'\0' * ((-len(body)) % 4)
        for c in children:
            body += c
            body += b'\0' * ((-len(body)) % 4)
    vlen = len(value) // 2 if vtype == 1 else len(value)
    struct.pack_into('<HHH', body, 0, len(body), vlen, vtype)
    return bytes(body)


def pe_vinfo(pairs, va, raw):
    """A resource directory with one RT_VERSION resource holding pairs;
    also the file offsets of each String's key."""
    strings = [vs_block(k, u16(v) + b'\0\0', []) for k, v in pairs]
    table = vs_block('040904b0', b'', strings)
    sfi = vs_block('StringFileInfo', b'', [table])
    fixed = struct.pack('<I', 0xfeef04bd) + b'\0' * 48
    root = vs_block('VS_VERSION_INFO', fixed, [sfi], vtype=0)
    d = bytearray()
    # type dir at 0, name dir at 0x18, lang dir at 0x30, data entry 0x48
    d += struct.pack('<IIHHHH', 0, 0, 0, 0, 0, 1)
    d += struct.pack('<II', 16, 0x80000018)
    d += struct.pack('<IIHHHH', 0, 0, 0, 0, 0, 1)
    d += struct.pack('<II', 1, 0x80000030)
    d += struct.pack('<IIHHHH', 0, 0, 0, 0, 0, 1)
    d += struct.pack('<II', 0x409, 0x48)
    d += struct.pack('<IIII', va + 0x60, len(root), 0, 0)
    d = d.ljust(0x60, b'\0') + root
    offs = []
    # offsets of String keys: walk what we built
    base = raw + 0x60
    pos = root.find(u16('StringFileInfo'))
    for k, _ in pairs:
        p = root.find(u16(k) + b'\0\0', pos)
        offs.append(base + p)
        pos = p + 1
    return bytes(d), offs


def build_elf(rng, payloads=(), nsect=None, bits=64):
    nsect = nsect or rng.randint(1, 4)
    hsz = 64 if bits == 64 else 52
    phsz = 56 if bits == 64 else 32
    shsz = 64 if bits == 64 else 40
    sizes = [rng.randint(0x40, 0x200) for _ in range(nsect)]
    raws, off = [], 0x100
    for s in sizes:
        raws.append(off)
        off += s
    shoff = off
    total = shoff + shsz * (nsect + 1)
    buf = bytearray(filler(rng, total))
    lay = Layout()
    lay.sections = [(0, 0)] + list(zip(raws, sizes))
    lay.size = total
    epo = raws[0] + rng.randrange(0, 0x20)
    lay.ep = epo
    base = 0x400000
    hdr = bytearray(hsz + phsz)
    hdr[0:4] = b'\x7fELF'
    hdr[4] = 2 if bits == 64 else 1
    hdr[5] = 1
    hdr[6] = 1
    if bits == 64:
        struct.pack_into('<HHIQQQIHHHHHH', hdr, 16, 2, 62, 1, base + epo,
                         hsz, shoff, 0, hsz, phsz, 1, shsz, nsect + 1, 0)
        struct.pack_into('<IIQQQQQQ', hdr, hsz, 1, 5, 0, base, base,
                         total, total, 0x1000)
    else:
        struct.pack_into('<HHIIIIIHHHHHH', hdr, 16, 2, 3, 1, base + epo,
                         hsz, shoff, 0, hsz, phsz, 1, shsz, nsect + 1, 0)
        struct.pack_into('<IIIIIIII', hdr, hsz, 1, 0, base, base, total,
                         total, 5, 0x1000)
    place(buf, 0, hdr)
    sh = bytearray(shsz * (nsect + 1))
    for i in range(nsect):
        o = shsz * (i + 1)
        if bits == 64:
            struct.pack_into('<IIQQQQIIQQ', sh, o, 0, 1, 6, base + raws[i],
                             raws[i], sizes[i], 0, 0, 16, 0)
        else:
            struct.pack_into('<IIIIIIIIII', sh, o, 0, 1, 6, base + raws[i],
                             raws[i], sizes[i], 0, 0, 16, 0)
    place(buf, shoff, sh)
    for where, data in payloads:
        place(buf, resolve(lay, where, len(data)), data)
    return bytes(buf), lay


def build_macho(rng, payloads=(), nsect=None):
    """A 64-bit Mach-O, entry point by LC_UNIXTHREAD or LC_MAIN (which
    ClamAV 1.4 does not read); addresses below 4 GiB."""
    nsect = nsect or rng.randint(1, 3)
    sizes = [rng.randint(0x40, 0x200) for _ in range(nsect)]
    thread = rng.random() < 0.7
    last = (16 + 42 * 4 * 2) if thread else 24
    cmds = 72 + 80 * nsect + last
    raws, off = [], 32 + cmds + 0x40
    for s in sizes:
        raws.append(off)
        off += s
    total = off
    buf = bytearray(filler(rng, total))
    lay = Layout()
    lay.sections = list(zip(raws, sizes))
    lay.size = total
    ep = raws[0] + rng.randrange(0, 0x20)
    lay.ep = ep if thread else None
    base = 0x1000
    hdr = bytearray(32 + cmds)
    struct.pack_into('<IiiIIII', hdr, 0, 0xfeedfacf, 0x01000007, 3, 2, 2,
                     cmds, 0)
    o = 32
    struct.pack_into('<II16sQQQQiiII', hdr, o, 0x19, 72 + 80 * nsect,
                     b'__TEXT', base, total, 0, total, 7, 5, nsect, 0)
    for i in range(nsect):
        s = o + 72 + 80 * i
        struct.pack_into('<16s16sQQIIIIIIII', hdr, s, b'__s%d' % i,
                         b'__TEXT', base + raws[i], sizes[i], raws[i],
                         0, 0, 0, 0, 0, 0, 0)
    o += 72 + 80 * nsect
    if thread:
        struct.pack_into('<IIII', hdr, o, 0x5, last, 4, 42)
        struct.pack_into('<Q', hdr, o + 16 + 16 * 8, base + ep)
    else:
        struct.pack_into('<IIQQ', hdr, o, 0x80000028, 24, ep, 0)
        lay.ep = ep  # what a reader of LC_MAIN would take
    place(buf, 0, hdr)
    for where, data in payloads:
        place(buf, resolve(lay, where, len(data)), data)
    return bytes(buf), lay


def build_text(rng, payloads=(), size=None):
    size = size or rng.randint(200, 1500)
    buf = bytearray(filler(rng, size, 'text'))
    lay = Layout()
    lay.size = size
    for where, data in payloads:
        place(buf, resolve(lay, where, len(data)), data)
    return bytes(buf), lay


def build_html(rng, payloads=(), size=None):
    body = filler(rng, size or rng.randint(200, 1200), 'text')
    doc = b'<html><head><title>t</title></head><body>\n' + body + \
        b'\n</body></html>\n'
    buf = bytearray(doc)
    lay = Layout()
    lay.size = len(buf)
    for where, data in payloads:
        off = resolve(lay, where, len(data))
        off = max(off, 44)
        place(buf, off, data)
    return bytes(buf), lay


def build_bin(rng, payloads=(), size=None):
    size = size or rng.randint(300, 3000)
    buf = bytearray(filler(rng, size))
    buf[0:4] = b'\x00\xfe\x80\x81'
    lay = Layout()
    lay.size = size
    for where, data in payloads:
        place(buf, resolve(lay, where, len(data)), data)
    return bytes(buf), lay


def md5(b):
    return hashlib.md5(b).hexdigest()


def sha1(b):
    return hashlib.sha1(b).hexdigest()


def sha256(b):
    return hashlib.sha256(b).hexdigest()
