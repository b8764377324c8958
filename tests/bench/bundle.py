#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Definitions-bundle load benchmark (python3 standard library only).

Generates (once, cached under --work) 1,000,000 SHA-256 hash signatures
(ClamAV .hsb) and 3,000 YARA rules (text and hex strings, Loki-style meta),
builds a signed bundle with src/mdesig/mdesig, installs it into a temporary store
with `mdescan definitions update` (the installed copy gets its .verified
stamp), then times, interleaved, the scan of one small file:

  stamped    mdescan --no-cache --store DIR --keys KEY.pub small.txt
             (the installed bundle: the stamp vouches for its parts)
  verified   mdescan --no-cache -d B.mdb --keys KEY.pub small.txt
             (every part hashed, tables checked, at every load)
  clamscan   clamscan --no-summary -d DBDIR small.txt (the same .hsb and
             .yar; median of --clam-runs; skipped when not installed)
  floor      mdescan --version (process start-up)

Prints the medians, peak RSS, clamscan / stamped (target >= 10) and
whether stamped < 100 ms.  --json FILE writes the numbers.

  tests/bench/bundle.py [--work DIR] [--runs N] [--clam-runs N]
                        [--hashes N] [--rules N] [--mdescan PATH]
                        [--mdesig PATH] [--json FILE] [--rebuild]
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import preselect as ps  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN_VERSION = 1
EICAR = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"


def gen_hashes(path, n, seed):
    rnd = random.Random(seed)
    with open(path + ".tmp", "w") as h:
        h.write("%s:68:Bench.Eicar\n" % EICAR)
        for i in range(n - 1):
            h.write("%064x:%d:Bench.Hash.%s.%d\n" % (
                rnd.getrandbits(256), int(100 * 10 ** (rnd.random() * 5.7)),
                rnd.choice(("Trojan", "Miner", "Webshell", "Backdoor")), i))
    os.rename(path + ".tmp", path)


def gen_rule(rnd, idx):
    """A Loki/signature-base shaped rule: meta, 2-6 strings, a condition."""
    strs = []
    for k in range(rnd.randint(2, 6)):
        v = ps.hex_string(rnd) if rnd.random() < 0.35 else ps.text_string(rnd)
        strs.append("\t\t$s%d = %s" % (k, v))
    agg = rnd.choice(["any of them", "2 of them", "all of them",
                      "2 of ($s*)", "$s0 and 1 of ($s*)"])
    kind = rnd.random()
    if kind < 0.5:
        cond = "uint16(0) == 0x5A4D and filesize < %dKB and %s" % (
            rnd.choice([100, 200, 500, 800, 3000]), agg)
    elif kind < 0.6:
        cond = "uint32(0) == 0x464c457f and " + agg
    elif kind < 0.7:
        cond = "filesize < 200KB and " + agg
    else:
        cond = agg
    return ("rule Bench_%05d\n{\n\tmeta:\n"
            "\t\tdescription = \"Detects generated threat %d\"\n"
            "\t\tlicense = \"Detection Rule License 1.1\"\n"
            "\t\tauthor = \"bundle.py\"\n"
            "\t\treference = \"https://example.invalid/%d\"\n"
            "\t\tdate = \"2026-%02d-%02d\"\n\t\tscore = %d\n"
            "\tstrings:\n%s\n\tcondition:\n\t\t%s\n}\n"
            % (idx, idx, idx, rnd.randint(1, 12), rnd.randint(1, 28),
               rnd.choice([60, 70, 75, 80, 85, 90, 100]), "\n".join(strs),
               cond))


def gen_rules(path, n, seed):
    rnd = random.Random(seed)
    with open(path + ".tmp", "w") as h:
        for i in range(n):
            h.write(gen_rule(rnd, i) + "\n")
    os.rename(path + ".tmp", path)


def generate(work, nhash, nrules):
    """The signature sources, cached: rebuilt when the parameters change."""
    stamp = os.path.join(work, ".stamp")
    want = "%d %d %d\n" % (GEN_VERSION, nhash, nrules)
    db = os.path.join(work, "db")
    if os.path.exists(stamp) and open(stamp).read() == want:
        return db, False
    os.makedirs(work, exist_ok=True)
    if os.path.exists(db):
        shutil.rmtree(db)
    os.makedirs(db)
    print("bundle.py: generating %d hashes and %d rules in %s" %
          (nhash, nrules, db), file=sys.stderr)
    gen_hashes(os.path.join(db, "bench.hsb"), nhash, 11)
    gen_rules(os.path.join(db, "bench.yar"), nrules, 12)
    with open(stamp, "w") as h:
        h.write(want)
    return db, True


def check(cmd, what):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit("bundle.py: %s failed (%d): %s" % (
            what, r.returncode, r.stderr.decode(errors="replace")[-2000:]))
    return r


def timed(cmd, ok=(0,)):
    """Runs cmd under /usr/bin/time; returns (wall s, peak RSS kB).  The
    wall time is taken here (GNU time's %e has 10 ms steps)."""
    fd, tf = tempfile.mkstemp(prefix="bundle-time.")
    os.close(fd)
    try:
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%M"] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        last = open(tf).read().strip().splitlines()[-1].split()
    finally:
        os.unlink(tf)
    if r.returncode not in ok:
        sys.exit("bundle.py: %s exited %d: %s" % (
            " ".join(cmd), r.returncode,
            r.stderr.decode(errors="replace")[-2000:]))
    return wall, int(last[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default="/var/tmp/mdescan-bundle")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--clam-runs", type=int, default=3)
    ap.add_argument("--hashes", type=int, default=1000000)
    ap.add_argument("--rules", type=int, default=3000)
    ap.add_argument("--mdescan", default=os.path.join(TOP, "src", "mdescan", "mdescan"))
    ap.add_argument("--mdesig", default=os.path.join(TOP, "src", "mdesig", "mdesig"))
    ap.add_argument("--json")
    ap.add_argument("--rebuild", action="store_true",
                    help="rebuild the bundle even if it is newer than its "
                         "sources and mdesig")
    a = ap.parse_args()
    for b in (a.mdescan, a.mdesig, "/usr/bin/time"):
        if not os.access(b, os.X_OK):
            sys.exit("bundle.py: %s not found (build first)" % b)

    db, fresh = generate(a.work, a.hashes, a.rules)
    key = os.path.join(a.work, "key")
    bundle = os.path.join(a.work, "B.mdb")
    if not os.path.exists(key + ".sec"):
        check([a.mdesig, "keygen", "-o", key], "mdesig keygen")
    srcs = [os.path.join(db, "bench.hsb"), os.path.join(db, "bench.yar")]
    newest = max(os.path.getmtime(p) for p in srcs + [a.mdesig, key + ".sec"])
    if a.rebuild or fresh or not os.path.exists(bundle) or \
            os.path.getmtime(bundle) < newest:
        print("bundle.py: building %s" % bundle, file=sys.stderr)
        wall, rss = timed([a.mdesig, "build", "--version", "1", "--key",
                           key + ".sec", "-o", bundle] + srcs)
        print("bundle.py: built in %.1f s (peak RSS %d MB), %.1f MB" %
              (wall, rss // 1024, os.path.getsize(bundle) / 1e6),
              file=sys.stderr)

    tmp = tempfile.mkdtemp(prefix="store.", dir=a.work)
    try:
        return measure(a, db, key, bundle, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(a, db, key, bundle, tmp):
    store = os.path.join(tmp, "store")
    small = os.path.join(tmp, "small.txt")
    with open(small, "w") as h:
        h.write("an ordinary small text file\n")
    check([a.mdescan, "definitions", "update", "--store", store, "--keys",
           key + ".pub", "--from", bundle], "definitions update")
    inst = os.path.realpath(os.path.join(store, "current"))
    if not os.path.exists(inst + ".verified"):
        sys.exit("bundle.py: the installed bundle has no .verified stamp")

    pub = key + ".pub"
    cmds = {
        "stamped": [a.mdescan, "--no-cache", "--store", store, "--keys", pub,
                    small],
        "verified": [a.mdescan, "--no-cache", "-d", bundle, "--keys", pub,
                     small],
        "floor": [a.mdescan, "--version"],
    }
    clam = shutil.which("clamscan")
    if clam:
        cmds["clamscan"] = [clam, "--no-summary", "-d", db, small]
    else:
        print("bundle.py: clamscan not installed: skipped", file=sys.stderr)
    times = {k: [] for k in cmds}
    rss = {k: 0 for k in cmds}
    for k, c in cmds.items():  # warm the page cache, check they work
        timed(c)
    for i in range(a.runs):
        for k, c in cmds.items():
            if k == "clamscan" and i >= a.clam_runs:
                continue
            w, m = timed(c)
            times[k].append(w)
            rss[k] = max(rss[k], m)
    med = {k: statistics.median(v) for k, v in times.items()}

    print("bundle.py: %d hashes, %d YARA rules; bundle %.1f MB; "
          "median of %d runs (clamscan %d)" %
          (a.hashes, a.rules, os.path.getsize(bundle) / 1e6, a.runs,
           min(a.runs, a.clam_runs) if clam else 0))
    for k in ("stamped", "verified", "clamscan", "floor"):
        if k in med:
            print("  %-9s %8.1f ms   peak RSS %6.1f MB   (runs: %s)" % (
                k, med[k] * 1000, rss[k] / 1024,
                " ".join("%.0f" % (t * 1000) for t in times[k])))
    res = {"hashes": a.hashes, "rules": a.rules,
           "bundle_bytes": os.path.getsize(bundle),
           "median_s": med, "runs_s": times, "peak_rss_kb": rss}
    ok = med["stamped"] < 0.100
    print("  stamped < 100 ms: %s" % ("yes" if ok else "MISS"))
    res["stamped_under_100ms"] = ok
    if "clamscan" in med:
        ratio = med["clamscan"] / med["stamped"]
        print("  clamscan / stamped: %.1fx (target >= 10: %s)" % (
            ratio, "yes" if ratio >= 10 else "MISS"))
        print("  clamscan / verified: %.1fx" % (med["clamscan"] /
                                                med["verified"]))
        res["ratio_clamscan_stamped"] = ratio
    if a.json:
        with open(a.json, "w") as h:
            json.dump(res, h, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
