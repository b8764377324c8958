#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""difftest - the differential test of mdescan against clamscan.

Writes random ClamAV signatures covering every feature of the .ndb and
.ldb languages and of the hash formats, and files built to match, nearly
match or not match each one (PE, ELF, Mach-O, text, HTML, other); runs
clamscan and mdescan on the same definitions and files, and requires
the same verdict for every file: the same set of signature names.

  difftest.py [--seed N] [--count PAIRS] [--mdescan PATH]
              [--clamscan PATH] [--keep DIR] [--unofficial] [-v]

A pair is one signature and one file built for it (three files per
signature).  clamscan names detections from databases that are not
Cisco's NAME.UNOFFICIAL; mdescan does so only with --unofficial-names:
by default the suffix is removed from clamscan's names before comparing,
--unofficial passes the option to mdescan instead.  Exit 0 when every
verdict is the same, 1 on a difference (each is printed with the
signatures involved), 2 when a tool failed.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clamgen as g                      # noqa: E402
import features as f1                    # noqa: E402
import features_ldb as f2                # noqa: E402
import features_more as f3               # noqa: E402

FEATURES = [
    ('ndb-literal', f1.body_sig((), ())),
    ('ndb-nibble', f1.body_sig(('nib',), ())),
    ('ndb-gap-star', f1.body_sig(('nib',), ('*',))),
    ('ndb-gap-range', f1.body_sig(('fix',), ('range',))),
    ('ndb-gap-min-max', f1.body_sig(('nib',), ('max', 'min'))),
    ('ndb-alt', f1.body_sig(('alt1', 'altn', 'altv'), ())),
    ('ndb-negalt', f1.body_sig(('nalt1', 'naltn'), ())),
    ('ndb-classes', f1.body_classes),
    ('ndb-offset', f1.body_offset),
    ('ndb-pe-offset', f1.exe_offset('pe', 1)),
    ('ndb-elf-offset', f1.exe_offset('elf', 6)),
    ('ndb-macho-offset', f1.exe_offset('macho', 9)),
    ('ndb-target', f1.target_sig),
    ('ndb-vi', f3.vi_sig),
    ('ldb-logic', f2.logic_sig),
    ('ldb-modifiers', f2.modifier_sig),
    ('ldb-offsets', f2.subsig_offset),
    ('ldb-tdb', f2.tdb_sig),
    ('ldb-macro', f2.macro_sig),
    ('ldb-bytecompare', f3.bcomp_sig),
    ('ldb-pcre', f3.pcre_sig),
    ('flevel', f3.flevel_sig),
    ('hash', f3.hash_sig),
    ('section-hash', f3.section_sig),
    ('import-hash', f3.imp_sig),
]


def generate(seed, pairs, only=None):
    """Definitions by extension and the files: [(name, bytes, sig)]."""
    rng = random.Random(seed)
    feats = [f for f in FEATURES if not only or re.search(only, f[0])]
    defs, files, origin = {}, [], {}
    i = 0
    while len(files) < pairs:
        fname, gen = feats[i % len(feats)]
        name = 'T%05d.%s' % (i, fname)
        ext, lines, made = gen(rng, name)
        for e in ext.split('+'):
            defs.setdefault(e, [])
        if ext == 'ldb+ndb':
            defs['ldb'].append(lines[0])
            defs['ndb'] += lines[1:]
        else:
            defs[ext] += lines
        origin[name] = (fname, lines)
        for k, (data, label) in enumerate(made):
            files.append(('%05d-%d-%s-%s' % (i, k, label, fname), data,
                          name))
        i += 1
    # an allow list and an ignore list over a few of them
    defs['fp'] = ['%s:%d:allowed%d' % (g.md5(d), len(d), k)
                  for k, (_, d, _) in enumerate(files[5::97])]
    defs['ign2'] = sorted(origin)[7::61]
    return defs, files, origin, i


def write(tmp, defs, files):
    os.makedirs(os.path.join(tmp, 'db'))
    os.makedirs(os.path.join(tmp, 'files'))
    for ext, lines in defs.items():
        with open(os.path.join(tmp, 'db', 'test.' + ext), 'w') as fh:
            fh.write('\n'.join(lines) + '\n')
    for name, data, _ in files:
        with open(os.path.join(tmp, 'files', name), 'wb') as fh:
            fh.write(data)


LINE = re.compile(r'^(.*): (\S+) FOUND$')


def run_clamscan(exe, tmp, unofficial):
    cmd = [exe, '--no-summary', '--allmatch', '--infected',
           '--detect-pua=yes', '--max-filesize=100M', '--max-scansize=400M',
           '-d', os.path.join(tmp, 'db'), os.path.join(tmp, 'files')]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit('difftest: clamscan failed (%d)' % p.returncode)
    out = {}
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(2)
        if not unofficial and name.endswith('.UNOFFICIAL'):
            name = name[:-len('.UNOFFICIAL')]
        out.setdefault(os.path.basename(m.group(1)), set()).add(name)
    return out


def run_mdescan(exe, tmp, unofficial):
    import json
    cmd = [exe, '--no-cache', '-z', '--json', '--pua', 'block',
           '-d', os.path.join(tmp, 'db'), os.path.join(tmp, 'files')]
    if unofficial:
        cmd.insert(1, '--unofficial-names')
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit('difftest: mdescan failed (%d)' % p.returncode)
    out = {}
    for line in p.stdout.splitlines():
        ev = json.loads(line)
        if ev.get('type') != 'finding' or ev.get('audit'):
            continue
        out.setdefault(os.path.basename(ev['path']), set()).add(ev['name'])
    return out, p.stderr


def compare(files, origin, cs, ms, verbose):
    diffs = 0
    for name, _, sig in files:
        a, b = cs.get(name, set()), ms.get(name, set())
        if a == b:
            continue
        diffs += 1
        print('DIFF %s: clamscan %s, mdescan %s' % (
            name, sorted(a) or '-', sorted(b) or '-'))
        for s in sorted(a ^ b | {sig}):
            if s in origin:
                for line in origin[s][1]:
                    print('    ' + line)
    return diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=17)
    ap.add_argument('--count', type=int, default=3600)
    ap.add_argument('--mdescan', default='src/mdescan/mdescan')
    ap.add_argument('--clamscan', default='clamscan')
    ap.add_argument('--keep')
    ap.add_argument('--only')
    ap.add_argument('--unofficial', action='store_true')
    ap.add_argument('-v', '--verbose', action='store_true')
    a = ap.parse_args()
    if not shutil.which(a.clamscan):
        print('difftest: %s not found' % a.clamscan)
        return 77
    tmp = a.keep or tempfile.mkdtemp(prefix='clamdiff.')
    if a.keep and os.path.exists(tmp):
        shutil.rmtree(tmp)
    t0 = time.time()
    defs, files, origin, nsig = generate(a.seed, a.count, a.only)
    write(tmp, defs, files)
    t1 = time.time()
    cs = run_clamscan(a.clamscan, tmp, a.unofficial)
    t2 = time.time()
    ms, err = run_mdescan(a.mdescan, tmp, a.unofficial)
    t3 = time.time()
    if err.strip() and a.verbose:
        sys.stderr.write(err)
    diffs = compare(files, origin, cs, ms, a.verbose)
    hits = sum(len(v) for v in cs.values())
    print('difftest: seed %d: %d signatures, %d pairs, %d detections, '
          '%d differences (generate %.1fs, clamscan %.1fs, mdescan %.1fs)'
          % (a.seed, nsig, len(files), hits, diffs, t1 - t0, t2 - t1,
             t3 - t2))
    if not a.keep:
        shutil.rmtree(tmp)
    return 1 if diffs else 0


if __name__ == '__main__':
    sys.exit(main())
