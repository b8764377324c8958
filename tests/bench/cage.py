#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What the parser cage costs (issue 21): the same scans caged (the
default) and uncaged (--no-cage), interleaved run by run, medians and
ratios.

  1. the bench corpus (tests/bench/run's data: --bench-dir), the default
     scan - archives and every container on - with the bench signatures,
     -j 2, --no-cache so that every run reads and judges every file;
  2. the quick scan (`mdescan --quick`), default signatures, --no-cache.

Target: caged / uncaged <= 1.10 for each (median of --runs, default 3).
Needs the corpus generated (tests/bench/run --gen-only).  Prints the load
average before each pair; CPU time of the whole process tree (GNU time:
the workers are children) and peak RSS of the largest process.

  tests/bench/cage.py [--runs N] [--bench-dir DIR] [--mdescan PATH]
                      [--skip-quick]
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (run_timed, loadavg)

TARGET = 1.10


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bench-dir", default=os.environ.get(
        "MDESCAN_BENCH_DIR", "/var/tmp/mdescan-bench"))
    ap.add_argument("--mdescan", default=os.path.join(TOP, "src", "mdescan",
                                                      "mdescan"))
    ap.add_argument("--skip-quick", action="store_true")
    a = ap.parse_args()
    corpus = os.path.join(a.bench_dir, "corpus")
    sigs = os.path.join(a.bench_dir, "sigs")
    if not os.path.isdir(corpus):
        sys.exit("cage.py: no corpus in %s (tests/bench/run --gen-only)"
                 % a.bench_dir)
    out = os.path.join(a.bench_dir, "results", "cage")
    os.makedirs(out, exist_ok=True)
    base = [a.mdescan, "--no-cache", "--no-history", "--no-summary", "-i"]
    cases = [("corpus", base + ["-d", sigs, "-j", "2", corpus], (0, 1))]
    if not a.skip_quick:
        cases.append(("quick", base + ["--quick"], (0, 1, 2)))
    print("cage.py: %s, %d runs each, caged (the default) and uncaged "
          "(--no-cage) interleaved"
          % (a.mdescan, a.runs))
    ok = True
    for name, cmd, rcs in cases:
        res = {"caged": [], "uncaged": []}
        loads = []
        for i in range(a.runs):
            loads.append(bench.loadavg())
            for mode in ("caged", "uncaged"):
                c = cmd if mode == "caged" else cmd[:1] + ["--no-cage"] + cmd[1:]
                o = os.path.join(out, "%s-%s-%d" % (name, mode, i))
                r = bench.run_timed(c, o + ".out", o + ".err")
                if r["rc"] not in rcs:
                    sys.exit("cage.py: %s %s: exit %d, see %s.err"
                             % (name, mode, r["rc"], o))
                res[mode].append(r)
                print("  %-7s %-8s run %d: wall %6.2f s  cpu %6.2f s  "
                      "rss %5.0f MB" % (name, mode, i + 1, r["wall"], r["cpu"],
                                        r["rss_kb"] / 1024), flush=True)
        med = {m: (statistics.median(x["wall"] for x in v),
                   statistics.median(x["cpu"] for x in v),
                   max(x["rss_kb"] for x in v)) for m, v in res.items()}
        def lines(m):
            with open(os.path.join(out, "%s-%s-0.out" % (name, m)), "rb") as f:
                return sorted(f.read().splitlines())
        # the quick scan looks at a live system: only the corpus is fixed
        same = lines("caged") == lines("uncaged") if name == "corpus" \
            else None
        ratio = med["caged"][0] / max(med["uncaged"][0], 1e-9)
        verdict = "OK" if ratio <= TARGET else "MISS"
        ok &= ratio <= TARGET and same is not False
        print("%-7s caged   wall %.2f s cpu %.2f s rss %.0f MB" % (
            name, med["caged"][0], med["caged"][1], med["caged"][2] / 1024))
        print("%-7s uncaged wall %.2f s cpu %.2f s rss %.0f MB" % (
            name, med["uncaged"][0], med["uncaged"][1],
            med["uncaged"][2] / 1024))
        print("%-7s caged / uncaged (median wall) %.3fx  target <= %.2fx  %s;"
              " cpu %.3fx; same findings: %s; load before runs %s" % (
                  name, ratio, TARGET, verdict,
                  med["caged"][1] / max(med["uncaged"][1], 1e-9),
                  {True: "yes", False: "NO", None: "n/a"}[same],
                  " ".join("%.2f" % x for x in loads)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
