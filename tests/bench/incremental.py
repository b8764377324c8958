#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Incremental-scan benchmark (python3 standard library only).

One run, on the core benchmark's corpus (tests/bench/run builds it) and a
community-shaped YARA rule set (tests/bench/preselect.py generates it):

  first        mdescan with an empty scan cache (what a first night costs:
               rules compiled, every file read, verdicts stored)
  rescan       the same again: the tree did not change
  post-update  after adding a hash-signature file (1,000 SHA-256 signatures,
               one of them matching a corpus file): checked from the cache
  yara -p 2    the same rules, the same files
  clamscan     the same rules (ClamAV loads YARA rules itself), one run
  bare read    every file read once, 2 processes (tests/bench/readall.py)
  find stat    find -type f with a stat per file
  -j 1 / -j 2  full scans without the cache, one and two workers: this
               rule set is CPU-bound, so they show how the engine scales
  load         definitions load alone (one small file, no cache)

mdescan runs with --no-archive: yara opens no archives, so both do the
same work (tests/bench/archive.py measures the archive stage).
Prints medians of N runs (default 3; each run starts from an empty cache),
peak RSS, the ratios with their targets, and whether findings agree.

  tests/bench/incremental.py [--corpus DIR] [--runs N] [--rules N]
                             [--work DIR] [--mdescan PATH] [--no-clamscan]
"""
import argparse
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import preselect as ps  # noqa: E402


def run_timed(name, cmd, work, i, stdin=None):
    out = os.path.join(work, "%s.%d.out" % (name, i))
    tf = out + ".time"
    with open(out, "wb") as o:
        rc = subprocess.call(["/usr/bin/time", "-o", tf, "-f", "%e %U %S %M"]
                             + cmd, stdout=o, stderr=subprocess.DEVNULL,
                             stdin=stdin)
    last = open(tf).read().strip().splitlines()[-1].split()
    return (float(last[0]), float(last[1]) + float(last[2]), int(last[3]),
            rc, out)


def update_sigs(path, files, seed):
    """1,000 SHA-256 signatures: one matches a corpus file, the rest random."""
    rnd = random.Random(seed)
    target = sorted(files)[len(files) // 3]
    with open(target, "rb") as h:
        data = h.read()
    lines = ["%s:%d:Update.Hash.Match" % (hashlib.sha256(data).hexdigest(),
                                          len(data))]
    for i in range(999):
        lines.append("%064x:%d:Update.Hash.%d" % (rnd.getrandbits(256),
                                                  rnd.randint(100, 10 ** 7), i))
    with open(path, "w") as h:
        h.write("\n".join(lines) + "\n")
    return target


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=ps.DEFAULT_CORPUS)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rules", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--work", default="/var/tmp/mdescan-incremental")
    ap.add_argument("--mdescan", default=os.path.join(ps.TOP, "src", "mdescan", "mdescan"))
    ap.add_argument("--no-clamscan", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        sys.exit("incremental.py: no corpus at %s (run tests/bench/run "
                 "--gen-only first, or give --corpus)" % a.corpus)
    os.makedirs(a.work, exist_ok=True)
    rdir = os.path.join(a.work, "rules")
    shutil.rmtree(rdir, ignore_errors=True)
    ps.gen_rules(rdir, a.rules, a.seed)
    files = ps.corpus_files(a.corpus)
    files += ps.plant(a.work, rdir, files)
    udir = os.path.join(a.work, "rules-updated")
    shutil.rmtree(udir, ignore_errors=True)
    shutil.copytree(rdir, udir)
    target = update_sigs(os.path.join(udir, "update.hsb"), files, a.seed)
    lst = os.path.join(a.work, "files.lst")
    with open(lst, "w") as h:
        h.write("".join(p + "\n" for p in files))
    nul = os.path.join(a.work, "files.nul")
    with open(nul, "wb") as h:
        h.write(b"".join(p.encode() + b"\0" for p in files))
    rules = sorted(os.path.join(rdir, f) for f in os.listdir(rdir))
    cache = os.path.join(a.work, "cache")
    # mdescan walks the two trees (as a cron job would); yara gets the same
    # files as a list (it has no walker that skips symlinks the same way)
    trees = [a.corpus, os.path.join(a.work, "plant")]
    # --no-archive: yara opens no archives; the comparison is of the same
    # work (tests/bench/archive.py measures the archive stage)
    md = [a.mdescan, "-j", "2", "-i", "-z", "--json", "--no-archive",
          "--cache-dir", cache] \
        + trees
    ext = []
    for v in ("filename", "filepath", "extension", "filetype", "owner"):
        ext += ["-d", v + "="]
    yara = (["yara", "-p", "2", "-w"] + ext
            + ["%s:%s" % (os.path.basename(r), r) for r in rules]
            + ["--scan-list", lst])
    readall = [sys.executable, os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "readall.py"), "-P", "2"]
    subprocess.call(readall, stdin=open(nul, "rb"))   # warm the page cache
    print("corpus %s: %d files; %d YARA rules; update: 1,000 SHA-256 "
          "signatures" % (a.corpus, len(files), a.rules + 7))
    res = {k: [] for k in ("first", "rescan", "post-update", "yara",
                           "bare read", "find stat", "-j 1 no cache",
                           "-j 2 no cache", "load")}
    nc = [a.mdescan, "-d", rdir, "--no-cache", "-i", "-z", "--json",
          "--no-archive"]
    finds = {}
    for i in range(a.runs):
        shutil.rmtree(cache, ignore_errors=True)
        for name, cmd in (("first", ["-d", rdir]), ("rescan", ["-d", rdir]),
                          ("post-update", ["-d", udir])):
            r = run_timed(name, md[:1] + cmd + md[1:], a.work, i)
            res[name].append(r)
            finds[name] = ps.mdescan_findings(r[4])
        r = run_timed("yara", yara, a.work, i)
        res["yara"].append(r)
        finds["yara"] = ps.yara_findings(r[4])
        res["bare read"].append(run_timed("bare", readall, a.work, i,
                                          stdin=open(nul, "rb")))
        res["find stat"].append(run_timed("find", [
            "find", a.corpus, "-type", "f", "-printf", "%s %T@ %C@\n"],
            a.work, i))
        for j in ("1", "2"):
            r = run_timed("j" + j, nc + ["-j", j] + trees, a.work, i)
            res["-j %s no cache" % j].append(r)
            finds["-j " + j] = ps.mdescan_findings(r[4])
        res["load"].append(run_timed("load", nc + [os.path.join(
            a.work, "plant", "notes.txt")], a.work, i))
    if not a.no_clamscan and shutil.which("clamscan"):
        r = run_timed("clamscan", ["clamscan", "-i", "--no-summary",
                                   "--scan-archive=no", "-d", rdir,
                                   "--file-list", lst], a.work, 0)
        res["clamscan (1 run)"] = [r]
    print("\n%-18s %9s %9s %10s %5s" % ("", "wall s", "CPU s", "peak RSS", "rc"))
    med = {}
    for name, runs in res.items():
        w = statistics.median(x[0] for x in runs)
        near = min(runs, key=lambda x: abs(x[0] - w))
        med[name] = w
        print("%-18s %9.2f %9.2f %8.1f MB %5d" % (name, w, near[1],
                                                  near[2] / 1024, near[3]))
    print()

    def ratio(label, x, y, target=None, higher=True):
        if med.get(x) and med.get(y):
            v = med[x] / med[y]
            ok = "" if target is None else (
                "ok" if (v >= target if higher else v <= target) else "MISS")
            tgt = "" if target is None else (">= %gx" % target if higher
                                             else "<= %gx" % target)
            print("%-40s %7.2fx %10s %s" % (label, v, tgt, ok))
    ratio("first / rescan", "first", "rescan", 20)
    ratio("rescan / find stat", "rescan", "find stat", 2, higher=False)
    ratio("first / post-update", "first", "post-update")
    ratio("yara -p 2 / first", "yara", "first", 2)
    ratio("clamscan / first", "clamscan (1 run)", "first")
    ratio("first / bare read", "first", "bare read")
    ratio("rescan / bare read", "rescan", "bare read")
    ratio("scaling: -j 1 / -j 2 (wall)", "-j 1 no cache", "-j 2 no cache",
          1.8)
    if med.get("load") is not None:
        ld = med["load"]
        med["j1-load"] = med["-j 1 no cache"] - ld
        med["j2-load"] = med["-j 2 no cache"] - ld
        ratio("scaling of scan throughput (load excluded)", "j1-load",
              "j2-load", 1.8)
    same = (finds["first"] == finds["yara"] == finds["rescan"] ==
            finds["-j 1"] == finds["-j 2"])
    upd = finds["post-update"] - finds["first"]
    print("\nfindings: first %d, rescan %d, yara %d, -j 1 %d, -j 2 %d: %s" % (
        len(finds["first"]), len(finds["rescan"]), len(finds["yara"]),
        len(finds["-j 1"]), len(finds["-j 2"]),
        "identical" if same else "DIFFER"))
    want = {(target, "Update.Hash.Match")}
    print("post-update: %d new finding(s) %s" % (
        len(upd), "as expected" if upd == want else "UNEXPECTED: %r" % upd))
    return 0 if same and upd == want else 1


if __name__ == "__main__":
    sys.exit(main())
