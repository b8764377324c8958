#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mdescan benchmark: mdescan vs clamscan vs yara vs a bare read, on the same
corpus and the same signatures, warm page cache.  See README.md."""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import gen  # noqa: E402
import clamldb  # noqa: E402

GNU_TIME = "/usr/bin/time"
TOOLS = ["bare", "lean", "mdescan", "mdescan1", "mdecache", "clamscan", "yara",
         "load", "equiv", "clamldb"]

TARGET_CLAM = 10.0     # clamscan / mdescan >= 10x
TARGET_YARA = 2.0      # yara -p 2 / mdescan >= 2x
TARGET_BARE = 3.0      # mdescan / bare read <= 3x
TARGET_SCALE = 1.8     # mdescan -j1 / -j2 >= 1.8x
TARGET_LOAD = 1.0      # definitions load (1M hashes + 5k byte sigs) < 1 s
TARGET_BASE = 1.05     # mdescan / --baseline <= 1.05 (no slower than before)
TARGET_FILL = 1.10     # default first scan (writes the cache) / --no-cache <= 1.10
TARGET_RESCAN = 1.5    # re-scan of the unchanged tree / stat walk <= 1.5


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------ measurement

def _cpu_busy():
    """(busy_seconds, ncpu) from /proc/stat (all CPUs)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    return busy / os.sysconf("SC_CLK_TCK")


def run_timed(cmd, out_path, err_path, shell=False):
    """Runs cmd under GNU time.  Returns wall, user, sys, rss_kb, rc and the
    estimated CPU (in cores) used by *other* processes meanwhile."""
    tf = err_path + ".time"
    if shell:
        argv = [GNU_TIME, "-f", "%e %U %S %M", "-o", tf, "bash", "-c", cmd]
    else:
        argv = [GNU_TIME, "-f", "%e %U %S %M", "-o", tf] + cmd
    b0 = _cpu_busy()
    with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
        p = subprocess.run(argv, stdout=fo, stderr=fe)
    b1 = _cpu_busy()
    with open(tf) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    wall, user, sysc, rss = lines[-1].split()
    r = {"wall": float(wall), "user": float(user), "sys": float(sysc),
         "rss_kb": int(rss), "rc": p.returncode}
    r["cpu"] = r["user"] + r["sys"]
    r["bg_cores"] = max(0.0, (b1 - b0) - r["cpu"]) / max(r["wall"], 1e-3)
    return r


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


# ---------------------------------------------------------------- parsing

def unescape_mdescan(s):
    """Undo the text-mode path escaping of the CLI contract."""
    out = bytearray()
    i = 0
    b = s.encode("utf-8", "surrogateescape")
    while i < len(b):
        c = b[i]
        if c == 0x5c and i + 1 < len(b):
            n = b[i + 1]
            if n == 0x5c:
                out.append(0x5c); i += 2; continue
            if n == ord("n"):
                out.append(10); i += 2; continue
            if n == ord("t"):
                out.append(9); i += 2; continue
            if n == ord("x") and i + 3 < len(b):
                try:
                    out.append(int(b[i + 2:i + 4], 16)); i += 4; continue
                except ValueError:
                    pass
        out.append(c)
        i += 1
    return out.decode("utf-8", "surrogateescape")


def rel(path, root):
    root = root.rstrip("/") + "/"
    return path[len(root):] if path.startswith(root) else path


def parse_found_lines(path, root, clam=False):
    """`PATH: NAME FOUND` lines (mdescan text mode and clamscan)."""
    found, junk = set(), []
    with open(path, "rb") as f:
        for raw in f.read().decode("utf-8", "surrogateescape").splitlines():
            if not raw.endswith(" FOUND") or ": " not in raw:
                if raw.strip():
                    junk.append(raw)
                continue
            p, n = raw[:-len(" FOUND")].rsplit(": ", 1)
            if clam:
                if n.endswith(".UNOFFICIAL"):
                    n = n[:-len(".UNOFFICIAL")]
            else:
                p = unescape_mdescan(p)
            found.add((rel(p, root), n))
    return found, junk


def parse_yara(path, root):
    found, junk = set(), []
    with open(path, "rb") as f:
        for raw in f.read().decode("utf-8", "surrogateescape").splitlines():
            if " " not in raw:
                if raw.strip():
                    junk.append(raw)
                continue
            n, p = raw.split(" ", 1)
            found.add((rel(p, root), n))
    return found, junk


# ------------------------------------------------------------------ bench

class Bench:
    def __init__(self, a):
        self.a = a
        self.bd = os.path.abspath(a.bench_dir)
        self.corpus = os.path.join(self.bd, "corpus")
        self.sigs = os.path.join(self.bd, "sigs")
        self.sigs1m = os.path.join(self.bd, "sigs-1m")
        self.equiv = os.path.join(self.bd, "equiv")
        self.small = os.path.join(self.bd, "small", "hello.txt")
        self.yar = os.path.join(self.bd, "yara", "bench.yar")
        self.yarc = os.path.join(self.bd, "yara", "bench.yarc")
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.out = os.path.join(self.bd, "results", stamp)
        os.makedirs(self.out, exist_ok=True)
        self.res = {}        # key -> {"label", "runs": [...], ...}
        self.findings = {}   # key -> (found set, junk, all runs identical)
        self.failures = []
        self.py = sys.executable or "python3"

    def want(self, t):
        return t in self.a.only

    # -- helpers
    def mde(self, *args):
        """mdescan argv; --no-cache when the binary has a scan cache, so
        the timed runs scan every byte instead of replaying verdicts."""
        return [self.a.mdescan] + (["--no-cache"] if self.has_cache else []) \
            + list(args)

    def readall_cmd(self, root, procs=2):
        return "find %s -type f -print0 | %s %s -P %d" % (
            shlex.quote(root), shlex.quote(self.py),
            shlex.quote(os.path.join(HERE, "readall.py")), procs)

    def warm(self):
        t0 = time.time()
        subprocess.run(["bash", "-c", self.readall_cmd(self.corpus)], check=False)
        return time.time() - t0

    def residency(self):
        if not shutil.which("fincore"):
            return None
        p = subprocess.run(
            ["bash", "-c", "find %s -type f -print0 | xargs -0 fincore -b -n "
             "-o RES,SIZE" % shlex.quote(self.corpus)],
            capture_output=True, text=True)
        res = size = 0
        for line in p.stdout.splitlines():
            try:
                r, s = line.split()
                res += min(int(r), int(s)); size += int(s)
            except ValueError:
                pass
        return res / size if size else None

    def measure(self, key, label, cmd, runs, shell=False, warm=True,
                parse=None, expect_rc=(0,)):
        """Runs cmd `runs` times (after an untimed warm-up read)."""
        if warm:
            self.warm()
        t = self.timed(key, label, cmd, shell, parse, expect_rc)
        for i in range(runs):
            self.run_once(t, i, runs)
        return self.finish(t)

    def measure_pair(self, a, b, runs, warm=True):
        """Side by side: a and b in turn (b a b a ...), `runs` each, so
        that both see the same load; a and b are tuples of measure()'s
        key, label, cmd, shell, parse, expect_rc."""
        if warm:
            self.warm()
        ta, tb = self.timed(*a), self.timed(*b)
        for i in range(runs):
            self.run_once(tb, i, runs)
            self.run_once(ta, i, runs)
        return self.finish(ta), self.finish(tb)

    def timed(self, key, label, cmd, shell=False, parse=None, expect_rc=(0,)):
        entry = {"label": label, "cmd": cmd if shell else shlex.join(cmd),
                 "runs": [], "load_before": loadavg(), "loads": []}
        return {"key": key, "label": label, "cmd": cmd, "shell": shell,
                "parse": parse, "expect_rc": expect_rc, "entry": entry,
                "founds": []}

    def run_once(self, t, i, runs):
        key, label, entry = t["key"], t["label"], t["entry"]
        o = os.path.join(self.out, "%s.%d.out" % (key, i))
        e = os.path.join(self.out, "%s.%d.err" % (key, i))
        entry["loads"].append(loadavg())
        r = run_timed(t["cmd"], o, e, shell=t["shell"])
        entry["runs"].append(r)
        log("%-26s run %d/%d: wall %.2f s, cpu %.2f s, rss %.0f MB, rc %d, "
            "other load %.2f cores" % (label, i + 1, runs, r["wall"], r["cpu"],
                                     r["rss_kb"] / 1024, r["rc"], r["bg_cores"]))
        if r["rc"] not in t["expect_rc"]:
            msg = "%s: exit status %d (expected %s), see %s" % (
                label, r["rc"], "/".join(map(str, t["expect_rc"])), e)
            self.failures.append(msg)
            log("WARNING " + msg)
        if os.path.getsize(e) > 0:
            with open(e, "rb") as f:
                head = f.read(600).decode("utf-8", "replace").strip()
            log("%s stderr (%s): %s" % (label, e, head.splitlines()[0][:200]
                                       if head else ""))
        if t["parse"]:
            t["founds"].append(t["parse"](o))

    def finish(self, t):
        key, entry, parse, founds = t["key"], t["entry"], t["parse"], t["founds"]
        runs = len(entry["runs"])
        w = [r["wall"] for r in entry["runs"]]
        entry["wall"] = statistics.median(w)
        entry["cpu"] = statistics.median([r["cpu"] for r in entry["runs"]])
        entry["rss_kb"] = max(r["rss_kb"] for r in entry["runs"])
        entry["bg_cores"] = statistics.median([r["bg_cores"] for r in entry["runs"]])
        entry["rc"] = entry["runs"][0]["rc"]
        entry["n"] = runs
        self.res[key] = entry
        if parse:
            same = all(f[0] == founds[0][0] for f in founds)
            self.findings[key] = (founds[0][0], founds[0][1], same)
        return entry

    # -- the steps
    def run(self):
        a = self.a
        n = a.runs
        nslow = 1 if a.quick_bench else n
        corpus = self.corpus

        if self.want("yara") or self.want("equiv") or self.want("load"):
            r = run_timed(["yarac", self.yar, self.yarc],
                          os.path.join(self.out, "yarac.out"),
                          os.path.join(self.out, "yarac.err"))
            r.update(n=1)
            self.res["yarac"] = {"label": "yarac compile (105k rules)",
                                 "runs": [r], "wall": r["wall"], "cpu": r["cpu"],
                                 "rss_kb": r["rss_kb"], "bg_cores": r["bg_cores"],
                                 "rc": r["rc"], "n": 1}
            log("yarac: %.2f s" % r["wall"])
            if r["rc"] != 0:
                self.failures.append("yarac failed (see %s/yarac.err)" % self.out)

        log("warm-up read of the corpus (untimed): %.1f s" % self.warm())
        self.resid_before = self.residency()
        if self.resid_before is not None:
            log("corpus page-cache residency: %.1f%%" % (100 * self.resid_before))

        mpar = lambda o: parse_found_lines(o, corpus)
        cpar = lambda o: parse_found_lines(o, corpus, clam=True)
        ypar = lambda o: parse_yara(o, corpus)

        if self.want("bare"):
            self.measure("bare", "bare read (xargs cat -P2)",
                         "find %s -type f -print0 | xargs -0 -P2 -n 500 cat "
                         "> /dev/null" % shlex.quote(corpus), n, shell=True)
        if self.want("lean"):
            self.measure("lean", "bare read (lean, 2 procs)",
                         self.readall_cmd(corpus), n, shell=True)
        if self.have_mdescan:
            if self.want("mdescan"):
                self.measure("mdescan", "mdescan -j 2",
                             self.mde("-d", self.sigs, "-j", "2", "-i",
                                      "--no-summary", "--max-filesize", "0",
                                      corpus),
                             n, parse=mpar, expect_rc=(1,))
            if self.want("mdescan") and a.baseline:
                self.measure("base", "baseline -j 2",
                             [a.baseline, "--no-cache", "-d", self.sigs, "-j",
                              "2", "-i", "--no-summary", "--max-filesize", "0",
                              corpus],
                             n, parse=mpar, expect_rc=(1,))
            if self.want("mdescan1"):
                self.measure("mdescan1", "mdescan -j 1",
                             self.mde("-d", self.sigs, "-j", "1", "-i",
                                      "--no-summary", "--max-filesize", "0",
                                      corpus),
                             n, parse=mpar, expect_rc=(1,))
            if self.want("mdecache") and self.has_cache:
                self.run_mdecache(n, mpar)
        if self.want("clamscan"):
            self.measure("clamscan", "clamscan",
                         ["clamscan", "-r", "-i", "--no-summary", "-d", self.sigs,
                          "--scan-archive=no", "--max-filesize=60M",
                          "--max-scansize=60M", corpus],
                         nslow, parse=cpar, expect_rc=(1,))
        if self.want("yara"):
            self.measure("yara", "yara -p 2 -C (compiled)",
                         ["yara", "-C", "-p", "2", "-r", self.yarc, corpus],
                         nslow, parse=ypar, expect_rc=(0,))

        if self.want("load"):
            if self.have_mdescan:
                self.measure("load_mde_1m", "defs load: mdescan 1M+5k",
                             self.mde("-d", self.sigs1m, "--no-summary",
                                      self.small), n, warm=False)
                self.measure("load_mde", "defs load: mdescan 100k+5k",
                             self.mde("-d", self.sigs, "--no-summary",
                                      self.small), n, warm=False)
                if a.baseline:
                    self.measure("load_base_1m", "defs load: baseline 1M+5k",
                                 [a.baseline, "--no-cache", "-d", self.sigs1m,
                                  "--no-summary", self.small], n, warm=False)
            self.measure("load_clam_1m", "defs load: clamscan 1M+5k",
                         ["clamscan", "--no-summary", "-d", self.sigs1m,
                          self.small], n, warm=False)
            self.measure("load_clam", "defs load: clamscan 100k+5k",
                         ["clamscan", "--no-summary", "-d", self.sigs,
                          self.small], n, warm=False)
            self.measure("load_yara", "defs load: yara -C 105k",
                         ["yara", "-C", self.yarc, self.small], n, warm=False)

        if self.want("equiv"):
            ep = lambda o: parse_found_lines(o, self.equiv)
            if self.have_mdescan:
                self.measure("eq_mdescan", "equiv: mdescan",
                             self.mde("-d", self.sigs, "-j", "2", "-i",
                                      "--no-summary", "--max-filesize", "0",
                                      self.equiv),
                             1, warm=False, parse=ep, expect_rc=(1,))
            self.measure("eq_clamscan", "equiv: clamscan",
                         ["clamscan", "-r", "-i", "--no-summary", "-d", self.sigs,
                          "--scan-archive=no", "--max-filesize=60M",
                          "--max-scansize=60M", self.equiv],
                         1, warm=False,
                         parse=lambda o: parse_found_lines(o, self.equiv, clam=True),
                         expect_rc=(1,))
            self.measure("eq_yara", "equiv: yara",
                         ["yara", "-C", "-p", "2", "-r", self.yarc, self.equiv],
                         1, warm=False, parse=lambda o: parse_yara(o, self.equiv))
        if self.want("clamldb"):
            self.run_clamldb(nslow)
        self.resid_after = self.residency()

    def run_mdecache(self, n, mpar):
        """The scan cache as users run it (the default), in a private
        directory, side by side with its anchors: the first scan (an empty
        cache each run: every verdict written) against --no-cache, then
        the re-scan of the unchanged tree against a stat walk."""
        a = self.a
        cdir = os.path.join(self.bd, "mdescan-cache")
        args = ["-d", self.sigs, "-j", "2", "-i", "--no-summary",
                "--max-filesize", "0", self.corpus]
        cmd = [a.mdescan, "--cache-dir", cdir] + args
        fill = "rm -rf %s && exec %s" % (shlex.quote(cdir), shlex.join(cmd))
        self.measure_pair(
            ("mdecache_fill", "mdescan -j 2 first scan", fill, True, mpar,
             (1,)),
            ("mdecache_nc", "mdescan -j 2 --no-cache",
             self.mde(*args), False, mpar, (1,)), n)
        walk = "find %s -type f -printf '%%s %%T@ %%C@\\n' >/dev/null" % (
            shlex.quote(self.corpus))
        self.measure_pair(
            ("mdecache", "mdescan -j 2 re-scan", cmd, False, mpar, (1,)),
            ("statwalk", "stat walk (find -printf)", walk, True, None, (0,)),
            n, warm=False)

    def run_clamldb(self, nslow):
        """The bench signatures plus 100k 8-subsignature .ldb signatures
        (clamldb.py): mdescan and clamscan, same corpus, same findings."""
        d = clamldb.prepare(self.bd)
        corpus = self.corpus
        if self.have_mdescan:
            self.measure("ldb_mdescan", "ldb 100k: mdescan -j 2",
                         self.mde("-d", d, "-j", "2", "-i", "--no-summary",
                                  "--max-filesize", "0", corpus),
                         self.a.runs,
                         parse=lambda o: parse_found_lines(o, corpus),
                         expect_rc=(1,))
        self.measure("ldb_clamscan", "ldb 100k: clamscan",
                     ["clamscan", "-r", "-i", "--no-summary", "-d", d,
                      "--scan-archive=no", "--max-filesize=60M",
                      "--max-scansize=60M", corpus],
                     nslow, parse=lambda o: parse_found_lines(o, corpus,
                                                              clam=True),
                     expect_rc=(1,))


# ----------------------------------------------------------------- report

def fmt_mb(kb):
    return "%.1f MB" % (kb / 1024.0)


def report(b, info, expected):
    L = []
    p = L.append
    res = b.res
    nb = info["corpus_bytes"]
    p("")
    p("=" * 100)
    p("mdescan benchmark   %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    p("machine: %s, %d CPUs, kernel %s" % (cpu_model(), os.cpu_count(),
                                          platform.release()))
    p("corpus:  %s  %d files, %.3f GB (%d planted)"
      % (b.corpus, info["corpus_files"], nb / 1e9, len(expected["corpus"])))
    p("sigs:    %d SHA-256 (.hsb) + %d body (.ndb); YARA: same as %d rules; "
      "load test: %d hashes" % (info["hash_sigs"], info["byte_sigs"],
                                info["hash_sigs"] + info["byte_sigs"],
                                info["hash_sigs_big"]))
    p("versions: %s" % b.versions)
    if b.have_mdescan:
        p("mdescan:  %s (sha256 %s)" % (getattr(b.a, "mdescan_src", b.a.mdescan),
                                        b.mdescan_sha[:16]))
    if b.resid_before is not None:
        p("page cache: corpus %.1f%% resident after warm-up, %.1f%% at the end "
          "(warm-up read before every tool)" % (100 * b.resid_before,
                                                100 * (b.resid_after or 0)))
    p("runs: %d (median wall / median CPU / max RSS)%s" % (
        b.a.runs, ", clamscan+yara 1 run (--quick-bench)" if b.a.quick_bench else ""))
    p("")
    hdr = "%-28s %9s %9s %11s %9s %5s %8s %5s" % (
        "tool", "wall s", "CPU s", "peak RSS", "MB/s", "runs", "bg cores", "exit")
    p(hdr)
    p("-" * len(hdr))
    order = ["bare", "lean", "mdescan", "base", "mdescan1", "mdecache_nc",
             "mdecache_fill", "statwalk", "mdecache", "clamscan", "yara",
             "yarac",
             "load_mde_1m", "load_base_1m", "load_clam_1m", "load_mde",
             "load_clam", "load_yara"]
    for k in order:
        if k not in res:
            continue
        e = res[k]
        mbs = "%.0f" % (nb / 1e6 / e["wall"]) if k in (
            "bare", "lean", "mdescan", "base", "mdescan1", "mdecache_nc",
            "mdecache_fill", "mdecache", "clamscan", "yara") else "-"
        p("%-28s %9.2f %9.2f %11s %9s %5d %8.2f %5d" % (
            e["label"], e["wall"], e["cpu"], fmt_mb(e["rss_kb"]), mbs, e["n"],
            e["bg_cores"], e["rc"]))
    if not b.have_mdescan:
        p("%-28s  (not run: %s)" % ("mdescan", b.mdescan_reason))
    elif b.has_cache:
        p("mdescan rows run with --no-cache (full scan every run) except "
          "'first scan' (empty cache each run) and 're-scan'")
    p("")
    p("'bg cores' = CPU used by other processes on the machine during the run "
      "(should be ~0; if not, wall times are inflated)")
    p("")

    # ratios
    p("%-44s %10s %12s  %s" % ("ratio", "value", "target", "verdict"))
    p("-" * 80)

    def ratio(label, num, den, target, ge=True, field="wall", info_only=False):
        if num not in res or den not in res:
            p("%-44s %10s %12s  %s" % (label, "n/a", "", "not measured"))
            return
        v = res[num][field] / max(res[den][field], 1e-9)
        tgt = ("%s %.1fx" % (">=" if ge else "<=", target)) if target else ""
        if info_only or not target:
            verdict = "info"
        else:
            ok = v >= target if ge else v <= target
            verdict = "OK" if ok else "MISS"
        p("%-44s %9.2fx %12s  %s" % (label, v, tgt, verdict))

    if b.a.baseline:
        ratio("mdescan -j2 / baseline -j2 (wall)", "mdescan", "base",
              TARGET_BASE, ge=False)
        ratio("mdescan -j2 / baseline -j2 (CPU)", "mdescan", "base",
              TARGET_BASE, ge=False, field="cpu")
        ratio("defs load 1M: mdescan / baseline (wall)", "load_mde_1m",
              "load_base_1m", TARGET_BASE, ge=False)
    ratio("clamscan / mdescan -j2   (wall)", "clamscan", "mdescan", TARGET_CLAM)
    ratio("clamscan / mdescan -j2   (CPU)", "clamscan", "mdescan", TARGET_CLAM,
          field="cpu", info_only=True)
    ratio("ldb 100k: clamscan / mdescan (wall)", "ldb_clamscan",
          "ldb_mdescan", TARGET_CLAM)
    ratio("yara -p2 / mdescan -j2   (wall)", "yara", "mdescan", TARGET_YARA)
    ratio("yara -p2 / mdescan -j2   (CPU)", "yara", "mdescan", TARGET_YARA,
          field="cpu", info_only=True)
    ratio("mdescan -j2 / bare read (xargs cat)", "mdescan", "bare", TARGET_BARE,
          ge=False)
    ratio("mdescan -j2 / bare read (lean reader)", "mdescan", "lean",
          TARGET_BARE, ge=False, info_only=True)
    ratio("scaling: mdescan -j1 / -j2 (wall)", "mdescan1", "mdescan",
          TARGET_SCALE)
    if all(k in res for k in ("mdescan", "mdescan1", "load_mde")):
        ld = res["load_mde"]["wall"]
        v = (res["mdescan1"]["wall"] - ld) / max(res["mdescan"]["wall"] - ld, 1e-9)
        p("%-44s %9.2fx %12s  %s" % ("scaling without defs load (t - %.2f s)" % ld,
                                     v, "", "info"))
    if "mdescan" in res:
        e = res["mdescan"]
        p("%-44s %9.2f %12s  %s" % ("mdescan -j2 cores busy (CPU / wall)",
                                    e["cpu"] / max(e["wall"], 1e-9), "", "info"))
    if "mdescan1" in res:
        e = res["mdescan1"]
        p("%-44s %9.2f %12s  %s" % ("mdescan -j1 cores busy (CPU / wall)",
                                    e["cpu"] / max(e["wall"], 1e-9), "", "info"))
    ratio("default first scan / --no-cache (wall)", "mdecache_fill",
          "mdecache_nc", TARGET_FILL, ge=False)
    anchor(p, res, "mdecache_fill", "mdecache_nc")
    ratio("re-scan / stat walk (wall)", "mdecache", "statwalk",
          TARGET_RESCAN, ge=False)
    anchor(p, res, "mdecache", "statwalk")
    ratio("clamscan load / mdescan load (1M)", "load_clam_1m", "load_mde_1m",
          None)
    if "load_mde_1m" in res:
        v = res["load_mde_1m"]["wall"]
        p("%-44s %9.2fs %12s  %s" % ("mdescan defs load, 1M hash + 5k body",
                                     v, "< %.1f s" % TARGET_LOAD,
                                     "OK" if v < TARGET_LOAD else "MISS"))
    else:
        p("%-44s %10s %12s  %s" % ("mdescan defs load, 1M hash + 5k body",
                                   "n/a", "< 1.0 s", "not measured"))
    if "load_clam_1m" in res:
        p("%-44s %9.2fs %12s  %s" % ("clamscan defs load, 1M hash + 5k body",
                                     res["load_clam_1m"]["wall"], "", "info"))
    p("")

    # findings
    ok_all = True
    exp_c = {tuple(x) for x in expected["corpus"]}
    exp_e = {tuple(x) for x in expected["equiv"]}
    nh = sum(1 for _, nm in exp_c if nm.startswith("Bench_Hash"))
    p("findings on the corpus: expected exactly the %d planted (%d hash, %d body)"
      % (len(exp_c), nh, len(exp_c) - nh))
    for k in ("mdescan", "base", "mdescan1", "mdecache_nc", "mdecache_fill",
              "mdecache", "clamscan", "yara", "ldb_mdescan", "ldb_clamscan"):
        if k not in b.findings:
            continue
        ok_all &= show_findings(p, res[k]["label"], b.findings[k], exp_c)
    if any(k in b.findings for k in ("eq_mdescan", "eq_clamscan", "eq_yara")):
        p("")
        p("equivalence probes (%s): %d files around jump bounds, nibbles, "
          "anchors, '*'; %d must match" % (b.equiv, info["equiv_files"],
                                           len(exp_e)))
        for k in ("eq_mdescan", "eq_clamscan", "eq_yara"):
            if k in b.findings:
                ok_all &= show_findings(p, res[k]["label"], b.findings[k], exp_e)
    if b.failures:
        p("")
        p("tool failures:")
        for f in b.failures:
            p("  " + f)
    p("")
    p("raw outputs and timings: %s" % b.out)
    p("=" * 100)
    return L, ok_all and not b.failures


def anchor(p, res, num, den):
    """Under a ratio: both medians side by side, their runs and the load
    averages the runs started under."""
    if num not in res or den not in res:
        return
    loads = res[num].get("loads", []) + res[den].get("loads", [])
    p("    %s %.2f s / %s %.2f s (anchor), medians of %d, load %.2f-%.2f"
      % (res[num]["label"], res[num]["wall"], res[den]["label"],
         res[den]["wall"], min(res[num]["n"], res[den]["n"]),
         min(loads or [0]), max(loads or [0])))


def show_findings(p, label, fnd, expected):
    found, junk, same = fnd
    missing = sorted(expected - found)
    extra = sorted(found - expected)
    ok = not missing and not extra and same
    p("  %-28s %s  %d reported, %d/%d expected, %d missing, %d unexpected%s"
      % (label, "PASS" if ok else "FAIL", len(found), len(expected & found),
         len(expected), len(missing), len(extra),
         "" if same else ", RUNS DISAGREE"))
    for x in missing[:25]:
        p("      missing:    %s  %s" % x)
    for x in extra[:25]:
        p("      unexpected: %s  %s" % x)
    if len(missing) > 25 or len(extra) > 25:
        p("      ... (lists truncated)")
    for j in junk[:5]:
        p("      unparsed output: %s" % j[:160])
    return ok


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def tool_version(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


# ------------------------------------------------------------------- main

def snapshot(path, out, name):
    """Copies the program at path into out/name (so a rebuild during the
    run cannot mix binaries) and returns (copy, sha256).  An in-tree build
    is a libtool wrapper script: the ELF is .libs/NAME, and the engine
    library it links, lib/.libs/libmdescan.so.*, is copied beside it and
    found through LD_LIBRARY_PATH."""
    real = path
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:4] != b"\x7fELF":
        cand = os.path.join(os.path.dirname(path), ".libs",
                            os.path.basename(path))
        if not os.path.exists(cand):
            return path, hashlib.sha256(blob).hexdigest()
        real = cand
        with open(real, "rb") as f:
            blob = f.read()
        libs = os.path.join(os.path.dirname(os.path.dirname(
            os.path.dirname(path))), "lib", ".libs")
        ldir = os.path.join(out, name + ".lib")
        os.makedirs(ldir, exist_ok=True)
        for so in os.listdir(libs) if os.path.isdir(libs) else []:
            if so.startswith("libmdescan.so."):
                shutil.copy(os.path.join(libs, so), ldir)
        os.environ["LD_LIBRARY_PATH"] = ":".join(filter(None, [
            ldir, os.environ.get("LD_LIBRARY_PATH")]))
    sha = hashlib.sha256(blob).hexdigest()
    snap = os.path.join(out, name)
    with open(snap, "wb") as f:
        f.write(blob)
    os.chmod(snap, 0o755)
    log("benchmarking a copy of %s (sha256 %s) at %s" % (real, sha[:16], snap))
    return snap, sha


def main():
    ap = argparse.ArgumentParser(
        prog="tests/bench/run",
        description="Benchmark mdescan against clamscan, yara and a bare read.")
    ap.add_argument("--bench-dir", default=os.environ.get(
        "BENCH_DIR", "/var/tmp/mdescan-bench"),
        help="data and results directory (default $BENCH_DIR or "
             "/var/tmp/mdescan-bench)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool "
                    "(median reported; default 3)")
    ap.add_argument("--quick-bench", action="store_true",
                    help="only 1 run for clamscan and yara")
    ap.add_argument("--mdescan", default=os.path.join(REPO, "src", "mdescan", "mdescan"),
                    help="mdescan binary (default: <repo>/src/mdescan/mdescan)")
    ap.add_argument("--baseline", metavar="PATH",
                    help="a second mdescan (an earlier build) timed in the same "
                         "run with the same options: the report gives "
                         "new / baseline, target <= 1.05")
    ap.add_argument("--no-mdescan", action="store_true",
                    help="run without mdescan (harness self-test)")
    ap.add_argument("--only", default=",".join(TOOLS),
                    help="comma list of: " + ",".join(TOOLS))
    ap.add_argument("--regen", action="store_true",
                    help="rebuild corpus and signatures")
    ap.add_argument("--gen-only", action="store_true",
                    help="only build/verify the data set")
    ap.add_argument("--seed", type=int, default=gen.DEFAULT_SEED)
    a = ap.parse_args()
    a.only = [t.strip() for t in a.only.split(",") if t.strip()]
    bad = [t for t in a.only if t not in TOOLS]
    if bad or a.runs < 1:
        ap.error("bad --only entries %s or --runs" % bad)
    for t in ("clamscan", "yara", "yarac", GNU_TIME, "find", "xargs", "cat"):
        if not shutil.which(t):
            print("bench: required tool missing: %s" % t, file=sys.stderr)
            return 2

    t_start = time.time()
    info = gen.generate(a.bench_dir, a.seed, a.regen)
    if a.gen_only:
        print(json.dumps(info, indent=1))
        return 0
    with open(os.path.join(a.bench_dir, "expected.json")) as f:
        expected = json.load(f)

    b = Bench(a)
    a.mdescan = os.path.abspath(a.mdescan)
    b.have_mdescan = False
    if a.no_mdescan:
        b.mdescan_reason = "--no-mdescan"
    elif not os.access(a.mdescan, os.X_OK):
        print("bench: %s not found or not executable (build it, pass "
              "--mdescan PATH, or --no-mdescan)" % a.mdescan, file=sys.stderr)
        os.rmdir(b.out)
        return 2
    else:
        b.have_mdescan = True
        # Benchmark a snapshot, so a rebuild during the run cannot mix
        # binaries; the report names its sha256.
        a.mdescan_src = a.mdescan
        a.mdescan, b.mdescan_sha = snapshot(a.mdescan, b.out, "mdescan")
        if a.baseline:
            a.baseline, b.baseline_sha = snapshot(
                os.path.abspath(a.baseline), b.out, "baseline")
    b.has_cache = False
    if b.have_mdescan:
        hp = subprocess.run([a.mdescan, "--help"], capture_output=True, text=True)
        b.has_cache = "--no-cache" in (hp.stdout + hp.stderr)
    b.versions = "; ".join(filter(None, [
        tool_version([a.mdescan, "-V"]) if b.have_mdescan else None,
        tool_version(["clamscan", "--version"]),
        "yara " + tool_version(["yara", "--version"])]))
    if loadavg() > 1.0:
        log("WARNING: load average %.2f before the benchmark: other work on the "
            "machine will inflate wall times (see 'bg cores')" % loadavg())

    b.run()
    lines, ok = report(b, info, expected)
    lines.insert(-1, "total benchmark time: %.0f s" % (time.time() - t_start))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(b.out, "report.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(b.out, "results.json"), "w") as f:
        json.dump({"info": info, "results": b.res,
                   "findings": {k: {"found": sorted(v[0]), "runs_agree": v[2]}
                                for k, v in b.findings.items()},
                   "failures": b.failures}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
