# SPDX-License-Identifier: Apache-2.0
"""features - one generator per signature-language feature.

Each generator gets (rng, name) and returns (ext, lines, files): the
definitions file extension, its lines, and a list of (bytes, label)
files built to match the signature ('hit'), nearly match it ('near') or
not ('miss').  clamscan, not the label, decides what is right: the label
only says what the file was built for.
"""
import clamgen as g

TEXT_KINDS = ('nib', 'alt1', 'altn', 'altv', 'fix')
BIN_KINDS = ('nib', 'alt1', 'altn', 'altv', 'nalt1', 'naltn', 'fix')


def host(rng, kind, payloads):
    if kind == 'pe':
        return g.build_pe(rng, payloads)[0]
    if kind == 'elf':
        return g.build_elf(rng, payloads, bits=rng.choice([32, 64]))[0]
    if kind == 'macho':
        return g.build_macho(rng, payloads)[0]
    if kind == 'text':
        return g.build_text(rng, payloads)[0]
    if kind == 'html':
        return g.build_html(rng, payloads)[0]
    return g.build_bin(rng, payloads)[0]


def three(rng, toks, kind, where=None, text=False):
    """A matching, a near-miss and a clean file for pattern toks."""
    body = g.wrap_edges(rng, toks, g.instantiate(rng, toks,
                                                 b'xyz' if text else None))
    if where is None:
        where = ('abs', rng.randint(60, 150))
    near = g.mutate(rng, toks, body)
    return [(host(rng, kind, [(where, body)]), 'hit'),
            (host(rng, kind, [(where, near)]), 'near'),
            (host(rng, kind, []), 'miss')]


def body_sig(kinds, gaps, kind='bin', target=0, text=False):
    def gen(rng, name):
        toks = g.pattern(rng, kinds, gaps, text)
        line = '%s:%d:*:%s' % (name, target, g.to_hex(toks))
        return 'ndb', [line], three(rng, toks, kind, text=text)
    return gen


def body_classes(rng, name):
    """(B) (L) (W) and their negations, at the edges and inside."""
    c = rng.choice('BLW')
    neg = rng.random() < 0.3
    toks = g.pattern(rng, ('nib',), (), True)
    where = rng.choice(['left', 'right', 'both', 'mid'])
    if where in ('left', 'both'):
        toks = [('cls', c, neg)] + toks
    if where in ('right', 'both'):
        toks = toks + [('cls', rng.choice('BLW'), rng.random() < 0.3)]
    if where == 'mid':
        toks = toks + [('cls', c, False)] + [('lit', g.rand_lit(rng, 2, True))]
    line = '%s:0:*:%s' % (name, g.to_hex(toks))
    # text is scanned raw and normalised, binary data only raw
    kind = rng.choice(['text', 'text', 'bin'])
    return 'ndb', [line], three(rng, toks, kind, text=True)


def body_offset(rng, name):
    """Absolute, EOF-n and floating offsets on any file."""
    toks = g.pattern(rng, ('nib', 'alt1'), ())
    data = g.instantiate(rng, toks)
    size = rng.randint(400, 900)
    off = rng.randint(0, 300)
    form = rng.choice(['abs', 'absf', 'eof', 'eoff'])
    shift = rng.randint(1, 20)
    if form == 'abs':
        o, where = str(off), ('abs', off)
    elif form == 'absf':
        o = '%d,%d' % (off, shift)
        where = ('abs', off + rng.randint(0, shift))
    elif form == 'eof':
        n = rng.randint(len(data), 200)
        o, where = 'EOF-%d' % n, ('eof', n)
    else:
        n = rng.randint(len(data) + shift, 200)
        o = 'EOF-%d,%d' % (n, shift)
        where = ('eof', n - rng.randint(0, shift))
    line = '%s:0:%s:%s' % (name, o, g.to_hex(toks))
    near = ('abs', off + shift + 3) if form.startswith('abs') else \
        ('eof', where[1] + 5)
    files = [(g.build_bin(rng, [(where, data)], size)[0], 'hit'),
             (g.build_bin(rng, [(near, data)], size)[0], 'near'),
             (g.build_bin(rng, [], size)[0], 'miss')]
    return 'ndb', [line], files


def exe_offset(kind, target):
    """EP+n EP-n Sx+n SL+n SEx on PE (1), ELF (6), Mach-O (9)."""
    def gen(rng, name):
        toks = g.pattern(rng, ('nib',), ())
        data = g.instantiate(rng, toks)
        form = rng.choice(['ep+', 'ep-', 'sx', 'sl', 'se', 'epf'])
        build = {'pe': g.build_pe, 'elf': g.build_elf,
                 'macho': g.build_macho}[kind]
        # one layout to aim at, files rebuilt with the same seed
        state = rng.getstate()
        _, lay = build(rng)
        n = rng.randint(0, 16)
        nsect = len(lay.sections)
        if form == 'ep+':
            o, where = 'EP+%d' % n, ('ep', n)
        elif form == 'ep-':
            n = min(n, lay.ep)
            o, where = 'EP-%d' % n, ('ep', -n)
        elif form == 'epf':
            s = rng.randint(1, 8)
            o, where = 'EP+%d,%d' % (n, s), ('ep', n + rng.randint(0, s))
        elif form == 'sx':
            i = rng.randrange(nsect)
            if kind == 'elf':
                i = max(i, 1)
            o, where = 'S%d+%d' % (i, n), ('sect', i, n)
        elif form == 'sl':
            o, where = 'SL+%d' % n, ('last', n)
        else:
            i = rng.randrange(nsect)
            if kind == 'elf':
                i = max(i, 1)
            o, where = 'SE%d' % i, ('sect', i, n)
        line = '%s:%d:%s:%s' % (name, target, o, g.to_hex(toks))
        rng.setstate(state)
        hit = build(rng, [(where, data)])[0]
        rng.setstate(state)
        # away from the headers: a Mach-O with a broken load command
        # crashes clamscan (doc/clamav-signatures.md, defect 3)
        near_where = ('ep', 40) if where[0] != 'ep' else ('last', 2)
        near = build(rng, [(near_where, data)])[0]
        other = g.build_bin(rng, [(('abs', 100), data)])[0]
        return 'ndb', [line], [(hit, 'hit'), (near, 'near'), (other, 'miss')]
    return gen


def target_sig(rng, name):
    """Targets 1 6 7 9 3 0 and 10 12 on the matching and other kinds."""
    target, kind = rng.choice([(1, 'pe'), (6, 'elf'), (9, 'macho'),
                               (7, 'text'), (3, 'html'), (0, 'bin'),
                               (0, 'text'), (10, 'bin'), (14, 'bin')])
    text = kind in ('text', 'html')
    toks = g.pattern(rng, ('nib',) if not text else ('fix',), (), text)
    data = g.instantiate(rng, toks, b'xyz' if text else None)
    line = '%s:%d:*:%s' % (name, target, g.to_hex(toks))
    if target == 7 and rng.random() < 0.5:
        # the text file holds it in upper case with doubled spaces: only
        # the normalised text matches
        data = data.upper()
    other = rng.choice(['pe', 'elf', 'text', 'bin', 'html', 'macho'])
    where = ('abs', 70)
    return 'ndb', [line], [(host(rng, kind, [(where, data)]), 'hit'),
                           (host(rng, other, [(where, data)]), 'near'),
                           (host(rng, kind, []), 'miss')]
