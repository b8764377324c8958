#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark data generator for mdescan (python3 standard library only).

Builds, under BENCH_DIR:
  corpus/            >= 1 GB, >= 30,000 regular files copied from /usr
                     (deterministic selection; files > 50 MB skipped) plus
                     the planted files (20 hash hits, 20 byte-signature hits)
  sigs/bench.hsb     100,000 SHA-256 hash signatures (sha256:size:Name)
  sigs/bench.ndb     5,000 ClamAV body signatures (Name:0:Offset:Hex)
  sigs-1m/           1,000,000 hash signatures + the same .ndb (load test)
  yara/bench.yar     the same 105,000 signatures as YARA rules
  equiv/             small files that probe the edge cases of the byte
                     signatures (jump bounds, nibbles, anchors, '*')
  small/hello.txt    one small clean file (definitions-load test)
  expected.json      planted findings (path relative to corpus/ or equiv/, name)
  .stamp             written last; the data set is reused when it matches

Everything is derived from a fixed seed and from a sorted walk of the source
directories, so the same machine always produces the same data set.
"""

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import stat
import sys
import time

GEN_VERSION = 3
DEFAULT_SEED = 20241123
SOURCE_ROOTS = ["/usr/bin", "/usr/sbin", "/usr/libexec", "/usr/lib",
                "/usr/share", "/usr/include"]
MAX_FILE = 50 * 1000 * 1000          # cap for a single corpus file
MIN_BYTES = 1_150_000_000            # corpus target: >= 1 GB with margin
MIN_FILES = 32_000                   # corpus target: >= 30,000 files with margin
N_HASH = 100_000
N_HASH_BIG = 1_000_000
N_BYTE = 5_000
N_PLANT_HASH = 20
N_PLANT_BYTE = 20
MARKER = ".mdescan-bench"


def log(msg):
    print("[gen] " + msg, file=sys.stderr, flush=True)


def params(seed):
    return {
        "gen_version": GEN_VERSION, "seed": seed, "roots": SOURCE_ROOTS,
        "max_file": MAX_FILE, "min_bytes": MIN_BYTES, "min_files": MIN_FILES,
        "n_hash": N_HASH, "n_hash_big": N_HASH_BIG, "n_byte": N_BYTE,
        "n_plant_hash": N_PLANT_HASH, "n_plant_byte": N_PLANT_BYTE,
    }


# ------------------------------------------------------------------ corpus

def _clean_name(rel):
    # Printable ASCII without backslash: every tool prints such a path
    # verbatim, so findings can be compared without guessing escapes.
    return all(0x20 <= ord(c) <= 0x7e and c != "\\" for c in rel) \
        and ": " not in rel and not rel.endswith(":")


def walk_sources(roots):
    """Sorted walk; yields (abs_path, rel_path, size) of regular files."""
    for root in roots:
        if not os.path.isdir(root):
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            for fn in sorted(filenames):
                p = os.path.join(dirpath, fn)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE:
                    continue
                rel = p.lstrip("/")
                if not _clean_name(rel):
                    continue
                yield p, rel, st.st_size


def select_corpus(roots):
    cands = list(walk_sources(roots))
    tot = sum(c[2] for c in cands)
    log("source pool: %d files, %.2f GB" % (len(cands), tot / 1e9))
    # Deterministic pseudo-random order (by digest of the relative path), so
    # the selection is a representative mix of every source directory.
    order = sorted(cands, key=lambda c: hashlib.sha1(c[1].encode()).digest())
    picked, nbytes = [], 0
    for c in order:
        if len(picked) >= MIN_FILES and nbytes >= MIN_BYTES:
            break
        picked.append(c)
        nbytes += c[2]
    if len(picked) < MIN_FILES or nbytes < MIN_BYTES:
        sys.exit("gen: not enough source data (%d files, %d bytes)"
                 % (len(picked), nbytes))
    picked.sort(key=lambda c: c[1])
    return picked


def copy_corpus(picked, corpus):
    out, done, t0 = [], 0, time.time()
    made = set()
    for src, rel, size in picked:
        dst = os.path.join(corpus, rel)
        d = os.path.dirname(dst)
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        try:
            with open(src, "rb") as fi, open(dst, "wb") as fo:
                shutil.copyfileobj(fi, fo, 1 << 20)
        except OSError as e:
            log("skip %s: %s" % (src, e))
            try:
                os.unlink(dst)
            except OSError:
                pass
            continue
        out.append((rel, os.path.getsize(dst)))
        done += 1
        if done % 5000 == 0:
            log("copied %d/%d files (%.0f s)" % (done, len(picked), time.time() - t0))
    return out


# -------------------------------------------------------- byte signatures
#
# A signature is a list of tokens:
#   ("b", v)      literal byte             clam "ab"     yara "AB"
#   ("any",)      any byte                 clam "??"     yara "??"
#   ("hi", v)     high nibble v, low any   clam "a?"     yara "A?"
#   ("lo", v)     low nibble v, high any   clam "?a"     yara "?A"
#   ("rng", n, m) n..m arbitrary bytes     clam "{n-m}"  yara "[n-m]"
#   ("star",)     any number of bytes      clam "*"      yara "[-]"
# Wildcards never start or end a segment (the first 4 and the last 2 bytes
# of every segment are literal), every segment has >= 7 byte positions.

def _segment(rng, nbytes, wild):
    toks = [("b", rng.randrange(256)) for _ in range(nbytes)]
    if wild:
        k = rng.randint(1, min(3, nbytes - 6))
        for pos in rng.sample(range(4, nbytes - 2), k):
            kind = rng.choice(["any", "any", "hi", "lo"])
            if kind == "any":
                toks[pos] = ("any",)
            elif kind == "hi":
                toks[pos] = ("hi", rng.randrange(16))
            else:
                toks[pos] = ("lo", rng.randrange(16))
    return toks


def gen_bytesig(rng):
    nbytes = rng.randint(16, 40)
    feats = set()
    if rng.random() < 0.30:
        r = rng.random()
        if r < 0.35:
            feats.add("qq")
        elif r < 0.60:
            feats.add("rng")
        elif r < 0.80:
            feats.add("star")
        else:                       # a combination
            feats.update(rng.sample(["qq", "rng", "star"], 2))
    seps = []
    if "rng" in feats:
        n = rng.randint(0, 8)
        seps.append(("rng", n, n + rng.randint(1, 16)))
    if "star" in feats:
        seps.append(("star",))
    rng.shuffle(seps)
    nseg = len(seps) + 1
    sizes = [7] * nseg
    for _ in range(max(0, nbytes - 7 * nseg)):
        sizes[rng.randrange(nseg)] += 1
    toks = []
    for i, sz in enumerate(sizes):
        toks += _segment(rng, sz, "qq" in feats)
        if i < len(seps):
            toks.append(seps[i])
    if rng.random() < 0.20:
        r = rng.random()
        if r < 0.3:
            off = 0
        elif r < 0.7:
            off = rng.randint(1, 1024)
        else:
            off = rng.randint(1025, 65536)
    else:
        off = None
    return {"toks": toks, "offset": off}


def clam_hex(toks):
    out = []
    for t in toks:
        k = t[0]
        if k == "b":
            out.append("%02x" % t[1])
        elif k == "any":
            out.append("??")
        elif k == "hi":
            out.append("%x?" % t[1])
        elif k == "lo":
            out.append("?%x" % t[1])
        elif k == "rng":
            out.append("{%d-%d}" % (t[1], t[2]))
        elif k == "star":
            out.append("*")
    return "".join(out)


def yara_hex(toks):
    out = []
    for t in toks:
        k = t[0]
        if k == "b":
            out.append("%02X" % t[1])
        elif k == "any":
            out.append("??")
        elif k == "hi":
            out.append("%X?" % t[1])
        elif k == "lo":
            out.append("?%X" % t[1])
        elif k == "rng":
            out.append("[%d-%d]" % (t[1], t[2]))
        elif k == "star":
            out.append("[-]")
    return " ".join(out)


def features(sig):
    kinds = {t[0] for t in sig["toks"]}
    f = set()
    if kinds & {"any", "hi", "lo"}:
        f.add("qq")
    if "hi" in kinds or "lo" in kinds:
        f.add("nib")
    if "rng" in kinds:
        f.add("rng")
    if "star" in kinds:
        f.add("star")
    if sig["offset"] is not None:
        f.add("anchored")
    return f


def instantiate(toks, rng, gaps=None, nibble_flip=False):
    """Bytes that match toks.  gaps: per-separator gap lengths (else random).
    nibble_flip: corrupt the fixed half of the first nibble token (and make
    the result a non-match)."""
    out = bytearray()
    gi = 0
    flipped = False
    for t in toks:
        k = t[0]
        if k == "b":
            out.append(t[1])
        elif k == "any":
            out.append(rng.randrange(256))
        elif k in ("hi", "lo"):
            v = t[1]
            if nibble_flip and not flipped:
                v = (v + 1 + rng.randrange(15)) % 16
                flipped = True
            r = rng.randrange(16)
            out.append((v << 4) | r if k == "hi" else (r << 4) | v)
        elif k in ("rng", "star"):
            if gaps is not None:
                g = gaps[gi]
            elif k == "rng":
                g = rng.randint(t[1], t[2])
            else:
                g = rng.randint(0, 64)
            gi += 1
            out += rng.randbytes(g)
    return bytes(out)


# --------------------------------------------------------------- writers

def rand_digest(rng):
    return "%064x" % rng.getrandbits(256)


def rand_size(rng):
    # log-uniform 100 B .. 50 MB
    return int(math.exp(rng.uniform(math.log(100), math.log(50_000_000))))


def write_hsb(path, entries):
    with open(path, "w") as f:
        for dig, size, name in entries:
            f.write("%s:%d:%s\n" % (dig, size, name))


def write_ndb(path, bsigs):
    with open(path, "w") as f:
        for s in bsigs:
            off = "*" if s["offset"] is None else str(s["offset"])
            f.write("%s:0:%s:%s\n" % (s["name"], off, clam_hex(s["toks"])))


def write_yar(path, hash_entries, bsigs):
    with open(path, "w") as f:
        f.write('import "hash"\n\n')
        for dig, size, name in hash_entries:
            f.write('rule %s { condition: filesize == %d and '
                    'hash.sha256(0, filesize) == "%s" }\n' % (name, size, dig))
        for s in bsigs:
            cond = "$a" if s["offset"] is None else "$a at %d" % s["offset"]
            f.write("rule %s { strings: $a = { %s } condition: %s }\n"
                    % (s["name"], yara_hex(s["toks"]), cond))


# ------------------------------------------------------------- planting

def plant(rng, corpus, files, hash_entries, bsigs):
    """Creates the planted files next to randomly chosen host files.  Adds
    the hash-planted files to hash_entries (name None, named later).
    Returns ([(relpath, insert_pos)] for the hash plants,
             [(relpath, signame)] for the byte plants)."""
    expected = []
    hosts = [f for f in files if 4096 <= f[1] <= 8_000_000]
    hosts_iter = iter(rng.sample(hosts, len(hosts)))

    def read_host(min_size=0):
        for rel, size in hosts_iter:
            if size >= min_size:
                with open(os.path.join(corpus, rel), "rb") as fh:
                    return rel, fh.read()
        sys.exit("gen: no host file left for planting")

    for i in range(N_PLANT_HASH):
        rel, data = read_host()
        data += b"mdescan-bench-hash-plant-%02d:" % i + rng.randbytes(32)
        prel = "%s.bench-h%02d" % (rel, i)
        with open(os.path.join(corpus, prel), "wb") as fh:
            fh.write(data)
        dig = hashlib.sha256(data).hexdigest()
        pos = rng.randrange(len(hash_entries) + 1)
        hash_entries.insert(pos, (dig, len(data), None))
        expected.append((prel, pos))

    # byte signatures to plant: a mix of every feature
    want = [("anchored", 5), ("star", 4), ("rng", 4), ("qq", 4), ("plain", 3)]
    chosen = []
    for feat, n in want:
        if feat == "plain":
            pool = [i for i, s in enumerate(bsigs) if not features(s)]
        elif feat == "anchored":
            pool = [i for i, s in enumerate(bsigs) if "anchored" in features(s)]
            zero = [i for i in pool if bsigs[i]["offset"] == 0]
            if zero:                     # include one offset-0 signature
                chosen.append(zero[0])
                n -= 1
        else:
            pool = [i for i, s in enumerate(bsigs)
                    if feat in features(s) and "anchored" not in features(s)]
        pool = [i for i in pool if i not in chosen]
        chosen += rng.sample(pool, n)
    byte_expected = []
    for j, si in enumerate(chosen):
        s = bsigs[si]
        inst = instantiate(s["toks"], rng)
        off = s["offset"]
        rel, data = read_host((off or 0) + len(inst) + 16)
        data = bytearray(data)
        if off is None:
            off = rng.randrange(len(data) - len(inst) + 1)
        data[off:off + len(inst)] = inst
        prel = "%s.bench-b%02d" % (rel, j)
        with open(os.path.join(corpus, prel), "wb") as fh:
            fh.write(data)
        byte_expected.append((prel, s["name"]))
    return expected, byte_expected


# ------------------------------------------------------ equivalence probes

def gen_equiv(rng, eqdir, bsigs):
    """Small files around the edges of the byte-signature semantics.  The
    same expectation holds for ClamAV, YARA and mdescan."""
    os.makedirs(eqdir, exist_ok=True)
    expected = []
    cases = []
    fancy = [s for s in bsigs if features(s)]
    picked = rng.sample(fancy, min(300, len(fancy)))
    picked.sort(key=lambda s: s["name"])
    for s in picked:
        f = features(s)
        seps = [t for t in s["toks"] if t[0] in ("rng", "star")]
        off = s["offset"]
        base_gaps = [t[1] if t[0] == "rng" else 0 for t in seps]

        def add(tag, gaps=None, nib=False, at=None, match=True, swap=False,
                extra_tail=0):
            cases.append((s, tag, gaps, nib, at, match, swap, extra_tail))

        add("pos")
        if "rng" in f:
            for gi, t in enumerate(seps):
                if t[0] != "rng":
                    continue
                lo, hi = t[1], t[2]
                g = list(base_gaps); g[gi] = lo; add("gap%d-min" % gi, g)
                g = list(base_gaps); g[gi] = hi; add("gap%d-max" % gi, g)
                g = list(base_gaps); g[gi] = hi + 1
                add("gap%d-over" % gi, g, match=False)
                if lo > 0:
                    g = list(base_gaps); g[gi] = lo - 1
                    add("gap%d-under" % gi, g, match=False)
        if "star" in f:
            g = list(base_gaps)
            add("star-0", g)
            g2 = [70000 if t[0] == "star" else base_gaps[i]
                  for i, t in enumerate(seps)]
            add("star-far", g2)
            add("star-swapped", g, swap=True, match=False)
        if "nib" in f:
            add("nibble-flip", nib=True, match=False)
        if "anchored" in f:
            add("at-plus1", at=off + 1, match=False)
            if off > 0:
                add("at-minus1", at=off - 1, match=False)
    for s, tag, gaps, nib, at, match, swap, extra_tail in cases:
        toks = s["toks"]
        if swap:
            # the segments after the first '*' moved in front of it
            k = next(i for i, t in enumerate(toks) if t[0] == "star")
            a = instantiate(toks[:k], rng, gaps=gaps)
            b = instantiate(toks[k + 1:], rng,
                            gaps=gaps[sum(1 for t in toks[:k] if t[0] in ("rng", "star")) + 1:])
            inst = b + rng.randbytes(8) + a
        else:
            inst = instantiate(toks, rng, gaps=gaps, nibble_flip=nib)
        pos = s["offset"] if at is None else at
        if pos is None:
            pos = rng.randint(0, 300)
        data = rng.randbytes(pos) + inst + rng.randbytes(64 + rng.randrange(64))
        rel = "%s.%s.bin" % (s["name"], tag)
        with open(os.path.join(eqdir, rel), "wb") as fh:
            fh.write(data)
        if match:
            expected.append((rel, s["name"]))
    return expected, len(cases)


# ------------------------------------------------------------------ main

def generate(bench_dir, seed, force=False):
    stamp_path = os.path.join(bench_dir, ".stamp")
    want = params(seed)
    if not force and os.path.exists(stamp_path):
        try:
            with open(stamp_path) as f:
                have = json.load(f)
            if have.get("params") == want:
                log("reusing data set in %s (stamp matches)" % bench_dir)
                return have
        except (OSError, ValueError):
            pass
    # Refuse to wipe a directory that is not ours.
    if os.path.isdir(bench_dir) and os.listdir(bench_dir) and \
            not os.path.exists(os.path.join(bench_dir, MARKER)):
        sys.exit("gen: %s exists, is not empty and has no %s marker; refusing "
                 "to overwrite it" % (bench_dir, MARKER))
    os.makedirs(bench_dir, exist_ok=True)
    open(os.path.join(bench_dir, MARKER), "w").close()
    if os.path.exists(stamp_path):
        os.unlink(stamp_path)
    for sub in ("corpus", "sigs", "sigs-1m", "yara", "equiv", "small"):
        shutil.rmtree(os.path.join(bench_dir, sub), ignore_errors=True)
    for fn in ("expected.json",):
        try:
            os.unlink(os.path.join(bench_dir, fn))
        except OSError:
            pass

    t0 = time.time()
    rng = random.Random(seed)
    corpus = os.path.join(bench_dir, "corpus")
    picked = select_corpus(SOURCE_ROOTS)
    log("copying %d files (%.2f GB) to %s" % (len(picked),
        sum(p[2] for p in picked) / 1e9, corpus))
    files = copy_corpus(picked, corpus)

    # signatures (generated before planting so the random stream that makes
    # them does not depend on the corpus)
    hash_entries = [(rand_digest(rng), rand_size(rng), None)
                    for _ in range(N_HASH - N_PLANT_HASH)]
    bsigs = []
    for i in range(N_BYTE):
        s = gen_bytesig(rng)
        s["name"] = "Bench_Byte_%05d" % i
        bsigs.append(s)

    prng = random.Random(seed + 1)
    hash_planted, byte_expected = plant(prng, corpus, files, hash_entries, bsigs)
    # name hash signatures in file order
    hash_entries = [(d, sz, "Bench_Hash_%06d" % i)
                    for i, (d, sz, _) in enumerate(hash_entries)]
    # plant() recorded insertion positions; map them to final indices
    # (later insertions shift earlier ones)
    planted_digests = {}
    for prel, _ in hash_planted:
        with open(os.path.join(corpus, prel), "rb") as fh:
            planted_digests[hashlib.sha256(fh.read()).hexdigest()] = prel
    expected = []
    for d, sz, name in hash_entries:
        if d in planted_digests:
            expected.append((planted_digests[d], name))
    expected += byte_expected
    assert len(expected) == N_PLANT_HASH + N_PLANT_BYTE, len(expected)

    sigdir = os.path.join(bench_dir, "sigs")
    os.makedirs(sigdir)
    write_hsb(os.path.join(sigdir, "bench.hsb"), hash_entries)
    write_ndb(os.path.join(sigdir, "bench.ndb"), bsigs)

    bigdir = os.path.join(bench_dir, "sigs-1m")
    os.makedirs(bigdir)
    brng = random.Random(seed + 2)
    big = list(hash_entries) + [
        (rand_digest(brng), rand_size(brng), "Bench_HashBig_%07d" % i)
        for i in range(N_HASH_BIG - N_HASH)]
    write_hsb(os.path.join(bigdir, "bench.hsb"), big)
    del big
    shutil.copyfile(os.path.join(sigdir, "bench.ndb"),
                    os.path.join(bigdir, "bench.ndb"))

    ydir = os.path.join(bench_dir, "yara")
    os.makedirs(ydir)
    write_yar(os.path.join(ydir, "bench.yar"), hash_entries, bsigs)

    erng = random.Random(seed + 3)
    eq_expected, eq_files = gen_equiv(erng, os.path.join(bench_dir, "equiv"),
                                      bsigs)

    sdir = os.path.join(bench_dir, "small")
    os.makedirs(sdir)
    with open(os.path.join(sdir, "hello.txt"), "w") as fh:
        fh.write("hello, mdescan benchmark\n")

    nfiles = nbytes = 0
    for dp, dn, fn in os.walk(corpus):
        for x in fn:
            nfiles += 1
            nbytes += os.lstat(os.path.join(dp, x)).st_size
    feat_count = {}
    for s in bsigs:
        for f in features(s) or {"plain"}:
            feat_count[f] = feat_count.get(f, 0) + 1
    info = {
        "params": want,
        "corpus_files": nfiles, "corpus_bytes": nbytes,
        "hash_sigs": len(hash_entries), "byte_sigs": len(bsigs),
        "hash_sigs_big": N_HASH_BIG, "byte_sig_features": feat_count,
        "equiv_files": eq_files, "gen_seconds": round(time.time() - t0, 1),
    }
    with open(os.path.join(bench_dir, "expected.json"), "w") as fh:
        json.dump({"corpus": sorted(expected), "equiv": sorted(eq_expected)},
                  fh, indent=1)
    with open(stamp_path + ".tmp", "w") as fh:
        json.dump(info, fh, indent=1)
    os.rename(stamp_path + ".tmp", stamp_path)
    log("data set ready in %.0f s: %d files, %.2f GB, %d equivalence probes"
        % (time.time() - t0, nfiles, nbytes / 1e9, eq_files))
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench-dir", default=os.environ.get(
        "BENCH_DIR", "/var/tmp/mdescan-bench"))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--force", action="store_true", help="regenerate")
    a = ap.parse_args()
    info = generate(a.bench_dir, a.seed, a.force)
    json.dump(info, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
