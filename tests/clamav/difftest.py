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
Cisco's NAME.UNOFFICIAL (all of these: loose files); mdescan does so only
with --unofficial-names: by default the suffix is removed from
clamscan's names before comparing, --unofficial passes the option to
mdescan instead and compares the names as clamscan writes them.  Exit 0
when every verdict is the same, 1 on a difference (each is printed with
the signatures involved), 2 when a tool failed.
"""
import argparse
import json
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
    mdefs = {'ldb': [], 'ndb': []}
    i = 0
    while len(files) < pairs:
        fname, gen = feats[i % len(feats)]
        name = 'T%05d.%s' % (i, fname)
        ext, lines, made = gen(rng, name)
        for e in ext.split('+'):
            defs.setdefault(e, [])
        if ext == 'ldb+ndb':
            # macros run apart: they crash clamscan (defect 1)
            mdefs['ldb'].append(lines[0])
            mdefs['ndb'] += lines[1:]
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
    return defs, mdefs, files, origin, i


def write(tmp, sub, defs, files):
    os.makedirs(os.path.join(tmp, sub, 'db'))
    os.makedirs(os.path.join(tmp, sub, 'files'))
    for ext, lines in defs.items():
        if lines:
            with open(os.path.join(tmp, sub, 'db', 'test.' + ext),
                      'w') as fh:
                fh.write('\n'.join(lines) + '\n')
    for name, data, _ in files:
        with open(os.path.join(tmp, sub, 'files', name), 'wb') as fh:
            fh.write(data)


LINE = re.compile(r'^(.*): (\S+) FOUND$')


def clamscan_once(exe, db, target):
    cmd = [exe, '--no-summary', '--allmatch', '--infected',
           '--detect-pua=yes', '--max-filesize=100M', '--max-scansize=400M',
           '-d', db, target]
    return subprocess.run(cmd, capture_output=True, text=True)


def run_clamscan(exe, tmp, unofficial, crashed=None):
    """Names by file; with crashed (a set), a run that crashes is done
    again file by file, and the files that crash it are added."""
    db, fdir = os.path.join(tmp, 'db'), os.path.join(tmp, 'files')
    p = clamscan_once(exe, db, fdir)
    stdout = p.stdout
    if p.returncode < 0 and crashed is not None:
        stdout = ''
        for name in sorted(os.listdir(fdir)):
            q = clamscan_once(exe, db, os.path.join(fdir, name))
            if q.returncode < 0:
                crashed.add(name)
            stdout += q.stdout
    elif p.returncode not in (0, 1):
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit('difftest: clamscan failed (%d)' % p.returncode)
    out = {}
    for line in stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(2)
        if not unofficial and name.endswith('.UNOFFICIAL'):
            name = name[:-len('.UNOFFICIAL')]
        out.setdefault(os.path.basename(m.group(1)), set()).add(name)
    return out


def run_mdescan(exe, tmp, unofficial):
    cmd = [exe, '--no-cache', '--no-history', '--no-syslog', '-z',
           '--json', '--pua', 'block',
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


def compare(files, origin, cs, ms, crashed):
    diffs = 0
    for name, _, sig in files:
        if name in crashed:
            print('SKIP %s: clamscan crashes on it (defect 1)' % name)
            continue
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
    defs, mdefs, files, origin, nsig = generate(a.seed, a.count, a.only)
    macro = [x for x in files if x[2] in origin and
             origin[x[2]][0] == 'ldb-macro']
    main_files = [x for x in files if x not in macro]
    write(tmp, 'main', defs, main_files)
    write(tmp, 'macro', mdefs, macro)
    t1 = time.time()
    crashed = set()
    cs = run_clamscan(a.clamscan, os.path.join(tmp, 'main'), a.unofficial)
    if macro:
        cs.update(run_clamscan(a.clamscan, os.path.join(tmp, 'macro'),
                               a.unofficial, crashed))
    t2 = time.time()
    ms, err = run_mdescan(a.mdescan, os.path.join(tmp, 'main'),
                          a.unofficial)
    if macro:
        ms.update(run_mdescan(a.mdescan, os.path.join(tmp, 'macro'),
                              a.unofficial)[0])
    t3 = time.time()
    if err.strip() and a.verbose:
        sys.stderr.write(err)
    diffs = compare(files, origin, cs, ms, crashed)
    hits = sum(len(v) for v in cs.values())
    print('difftest: seed %d: %d signatures, %d pairs, %d detections, '
          '%d differences, %d files clamscan crashes on (generate %.1fs, '
          'clamscan %.1fs, mdescan %.1fs)'
          % (a.seed, nsig, len(files), hits, diffs, len(crashed), t1 - t0,
             t2 - t1, t3 - t2))
    if not a.keep:
        shutil.rmtree(tmp)
    return 1 if diffs else 0


if __name__ == '__main__':
    sys.exit(main())
