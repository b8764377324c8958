#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Speed where users run it (issue 22), in one run (python3 standard library).

Each row is printed with its floor or anchor and its target:

  1. default first scan (scan cache on, empty cache dir) / --no-cache,
     bench corpus and bench signatures                     target <= 1.10x
  2. re-scan of the unchanged tree (cache kept) / stat walk
     (find CORPUS -type f -printf '%s %T@ %C@\\n')          target <= 1.5x
  3. yara -p 2 / mdescan first scan, on a >= 5,000-rule set shaped like
     real community rules (community.py), same rules, same files,
     findings identical                                    target >= 3x
  4. re-scan with that set / stat walk                     target <= 1.5x
  5. the watcher: tests/bench/watch.py (needs root), its ratios next to
     its floors                                            target <= 1.15x
  6. peak RSS of the default scan (archives on, bench signatures), the
     bare read's as the anchor                             target <= 100 MB

Medians of --runs runs (default 3; every first scan starts from an empty
cache directory), CPU times, load averages, a final table.  A missed
target prints MISS; the exit status is 1 only when a step fails or the
findings differ, 2 for usage errors.  See README.md.

  tests/bench/realworld.py [--runs N] [--quick] [--json FILE]
                           [--corpus DIR] [--sigs DIR] [--work DIR]
                           [--rules N] [--only cache,community,watch]
"""
import argparse
import datetime
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import bench  # noqa: E402
import community  # noqa: E402

T_FILL = 1.10
T_RESCAN = 1.5
T_YARA = 3.0
T_WATCH = 1.15
T_RSS_MB = 100.0
STEPS = ("cache", "community", "watch")


def log(msg):
    print(msg, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def walk_files(roots):
    out = []
    for root in roots:
        for d, dirs, fs in os.walk(root):
            dirs.sort()
            for f in sorted(fs):
                p = os.path.join(d, f)
                if os.path.isfile(p) and not os.path.islink(p):
                    out.append(p)
    return out


def mdescan_json(path):
    """(findings {(path, name)}, summary dict) of a --json run."""
    found, summ = set(), {}
    with open(path, errors="surrogateescape") as h:
        for line in h:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("type") == "finding":
                found.add((j["path"], j["name"]))
            elif j.get("type") == "summary":
                summ = j
    return found, summ


def yara_lines(path):
    found = set()
    with open(path, errors="surrogateescape") as h:
        for line in h:
            line = line.rstrip("\n")
            if " " in line:
                rule, f = line.split(" ", 1)
                found.add((f, rule))
    return found


class Row:
    """One measured command: its runs, medians and findings."""

    def __init__(self, key, label, cmd, shell=False, expect_rc=(0,),
                 parse=None, pre=None):
        self.key, self.label, self.cmd, self.shell = key, label, cmd, shell
        self.expect_rc, self.parse, self.pre = expect_rc, parse, pre
        self.runs, self.finds = [], []

    def text(self):
        return self.cmd if self.shell else shlex.join(self.cmd)

    def med(self, field):
        return statistics.median(r[field] for r in self.runs)

    def summary(self):
        if not self.runs:
            return None
        return {"label": self.label, "cmd": self.text(), "n": len(self.runs),
                "wall": self.med("wall"), "cpu": self.med("cpu"),
                "user": self.med("user"), "sys": self.med("sys"),
                "rss_kb": max(r["rss_kb"] for r in self.runs),
                "bg_cores": self.med("bg_cores"), "runs": self.runs}


class Run:
    def __init__(self, a):
        self.a = a
        self.failures = []
        self.rows = {}
        self.res = {"targets": {"fill": T_FILL, "rescan": T_RESCAN,
                                "yara": T_YARA, "watch": T_WATCH,
                                "rss_mb": T_RSS_MB}}

    def fail(self, msg):
        self.failures.append(msg)
        log("FAIL: " + msg)

    def row(self, *args, **kw):
        r = Row(*args, **kw)
        self.rows[r.key] = r
        return r

    def once(self, row, i):
        o = os.path.join(self.out, "%s.%d.out" % (row.key, i))
        e = os.path.join(self.out, "%s.%d.err" % (row.key, i))
        if row.pre:
            row.pre()
        l0 = loadavg()
        r = bench.run_timed(row.cmd, o, e, shell=row.shell)
        r["load_before"], r["load_after"] = l0, loadavg()
        row.runs.append(r)
        log("  %-40s run %d: wall %7.2f s  cpu %7.2f s  rss %6.1f MB  rc %d"
            "  load %.2f -> %.2f  other cores %.2f"
            % (row.label, i + 1, r["wall"], r["cpu"], r["rss_kb"] / 1024.0,
               r["rc"], l0[0], r["load_after"][0], r["bg_cores"]))
        if r["rc"] not in row.expect_rc:
            with open(e, errors="replace") as h:
                head = h.read(400).strip()
            self.fail("%s: exit status %d (expected %s): %s" % (
                row.label, r["rc"], "/".join(map(str, row.expect_rc)), head))
        if os.path.getsize(e) > 0:
            with open(e, errors="replace") as h:
                lines = h.read(100000).splitlines()
            log("    stderr (%d lines, %s): %s" % (len(lines), e,
                                                   lines[0][:160] if lines
                                                   else ""))
        if row.parse:
            row.finds.append(row.parse(o))
        return r

    def warm(self, roots):
        t0 = time.time()
        subprocess.run(["bash", "-c", "find %s -type f -print0 | %s %s -P 2"
                        % (" ".join(shlex.quote(r) for r in roots),
                           shlex.quote(sys.executable),
                           shlex.quote(os.path.join(HERE, "readall.py")))])
        return time.time() - t0

    # ----------------------------------------------------------- step 1, 2, 6
    def step_cache(self):
        a = self.a
        log("\n== bench signatures (%s) on %s: first scan, --no-cache, "
            "re-scan, stat walk, bare read" % (a.sigs, a.corpus))
        cdir = os.path.join(a.work, "cache-bench")
        args = ["-d", a.sigs, "-j", "2", "-i", "--no-summary",
                "--max-filesize", "0", a.corpus]
        par = lambda o: bench.parse_found_lines(o, a.corpus)[0]  # noqa: E731
        # the first scan of a tree: no verdicts, the definitions compiled
        # (as after any earlier run, and as --no-cache finds them in the
        # default cache directory); compiling is timed by clamfull.py
        fill = self.row("fill", "first scan (default)",
                        "rm -f %s/data.mdb %s/lock.mdb && exec %s" % (
                            shlex.quote(cdir), shlex.quote(cdir), shlex.join(
                                [a.mdescan, "--cache-dir", cdir] + args)),
                        shell=True, expect_rc=(0, 1), parse=par)
        nc = self.row("nocache", "--no-cache", [a.mdescan, "--no-cache"] + args,
                      expect_rc=(0, 1), parse=par)
        rescan = self.row("rescan", "re-scan (cache kept)",
                          [a.mdescan, "--cache-dir", cdir] + args,
                          expect_rc=(0, 1), parse=par)
        walk = self.row("walk", "stat walk (find -printf)",
                        "find %s -type f -printf '%%s %%T@ %%C@\\n' >/dev/null"
                        % shlex.quote(a.corpus), shell=True)
        bare = self.row("bare", "bare read (lean, 2 procs)",
                        "find %s -type f -print0 | %s %s -P 2" % (
                            shlex.quote(a.corpus), shlex.quote(sys.executable),
                            shlex.quote(os.path.join(HERE, "readall.py"))),
                        shell=True)
        self.res["load_cache_before"] = loadavg()
        log("warm-up read (untimed): %.1f s" % self.warm([a.corpus]))
        shutil.rmtree(cdir, ignore_errors=True)
        for arg in ([], ["--cache-dir", cdir]):  # definitions compiled
            subprocess.run([a.mdescan] + arg + ["--no-cache", "-d", a.sigs,
                                                "--no-summary", os.devnull],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        for i in range(a.runs):
            for r in (nc, fill, rescan, walk, bare):
                self.once(r, i)
        self.res["load_cache_after"] = loadavg()
        # findings: the planted ones of gen.py that are in this corpus
        exp = set()
        ej = os.path.join(a.bench_dir, "expected.json")
        if os.path.exists(ej):
            with open(ej) as h:
                for p, n in json.load(h)["corpus"]:
                    if os.path.exists(os.path.join(a.corpus, p)):
                        exp.add((p, n))
        base = fill.finds[0]
        same = all(f == base for r in (fill, nc, rescan) for f in r.finds)
        self.res["bench_findings"] = {"found": len(base),
                                      "expected": len(exp),
                                      "runs_agree": same,
                                      "as_expected": base == exp}
        log("findings: %d in every run of the three rows: %s; the planted "
            "%d: %s" % (len(base), "yes" if same else "NO",
                        len(exp), "exactly" if base == exp else
                        "DIFFER (+%d -%d)" % (len(base - exp), len(exp - base))))
        if not same or base != exp:
            self.fail("bench-signature findings differ")
        self.rss_trace(fill.cmd)

    def rss_trace(self, cmd):
        """One untimed first scan, sampling the whole process tree every
        20 ms: the sum of RSS and of PSS (the cage's workers are
        processes of their own; GNU time reports only the largest)."""
        best = {"rss_kb": 0, "pss_kb": 0, "procs": 0}
        out = open(os.path.join(self.out, "rss-trace.out"), "wb")
        p = subprocess.Popen(["bash", "-c", cmd], stdout=out,
                             stderr=subprocess.STDOUT)
        while p.poll() is None:
            kids = {}
            for d in os.listdir("/proc"):
                if d.isdigit():
                    try:
                        with open("/proc/%s/stat" % d) as h:
                            st = h.read()
                        kids.setdefault(int(st.rsplit(")", 1)[1].split()[1]),
                                        []).append(int(d))
                    except (OSError, IndexError, ValueError):
                        pass
            tree, todo = [], [p.pid]
            while todo:
                x = todo.pop()
                tree.append(x)
                todo += kids.get(x, [])
            rss = pss = 0
            for x in tree:
                try:
                    with open("/proc/%d/smaps_rollup" % x) as h:
                        for line in h:
                            if line.startswith("Rss:"):
                                rss += int(line.split()[1])
                            elif line.startswith("Pss:"):
                                pss += int(line.split()[1])
                except OSError:
                    pass
            if rss > best["rss_kb"]:
                best["rss_kb"] = rss
            if pss > best["pss_kb"]:
                best["pss_kb"] = pss
            best["procs"] = max(best["procs"], len(tree) - 1)
            time.sleep(0.02)
        out.close()
        self.res["rss_tree"] = best
        log("process tree of one more first scan (untimed, sampled every "
            "20 ms): peak sum of RSS %.1f MB, of PSS %.1f MB, %d processes"
            % (best["rss_kb"] / 1024.0, best["pss_kb"] / 1024.0,
               best["procs"]))

    # ------------------------------------------------------------ step 3, 4
    def prepare_rules(self):
        a = self.a
        rdir = os.path.join(a.work, "rules")
        files = walk_files([a.corpus])
        stamp = {"version": community.GEN_VERSION, "seed": a.seed,
                 "rules": a.rules, "slow_regex": a.slow_regex,
                 "corpus": os.path.realpath(a.corpus), "files": len(files),
                 "bytes": sum(os.path.getsize(p) for p in files)}
        sf = os.path.join(a.work, "rules.stamp")
        old = None
        if os.path.exists(sf):
            with open(sf) as h:
                old = json.load(h)
        if old and old.get("stamp") == stamp and os.path.isdir(rdir):
            info = old["info"]
            log("community rules: reusing %s (%s)" % (rdir, sf))
        else:
            log("community rules: generating %d rules (seed %d) in %s"
                % (a.rules, a.seed, rdir))
            if os.path.exists(sf):
                os.unlink(sf)
            shutil.rmtree(rdir, ignore_errors=True)
            t0 = time.time()
            info = community.generate(rdir, a.rules, a.seed, a.slow_regex)
            planted, expect = community.plant(a.work, rdir, files)
            info["planted"] = expect
            info["census"] = community.census(rdir)
            info["seconds"] = time.time() - t0
            with open(sf, "w") as h:
                json.dump({"stamp": stamp, "info": info}, h, indent=1)
        self.rdir = rdir
        self.plantdir = os.path.join(a.work, "plant")
        self.cfiles = files + walk_files([self.plantdir])
        self.clist = os.path.join(self.out, "files.lst")
        with open(self.clist, "w") as h:
            h.write("".join(p + "\n" for p in self.cfiles))
        self.res["community"] = info
        fams = info["families"]
        tot = sum(fams.values())
        log("%d generated rules: %s; %d planted" % (tot, ", ".join(
            "%s %d (%.0f%%)" % (k, v, 100.0 * v / tot) for k, v in
            fams.items()), len(info["planted"])))
        c = info["census"]
        log("constructs (share of the %d rules with at least one): %s" % (
            c["rules"], "; ".join("%s %.1f%%" % (k.strip(), 100.0 * v /
                                                  c["rules"])
                                  for k, v in c.items() if k != "rules")))
        return rdir

    def yarac(self, rdir):
        a = self.a
        srcs = sorted(f for f in os.listdir(rdir) if f.endswith(".yar"))
        self.nsrc = len(srcs)
        yarc = os.path.join(a.work, "community.yarc")
        ext = sum((["-d", v + "="] for v in community.EXTERNALS), [])
        cmd = ["yarac", "-w"] + ext + ["%s:%s" % (f, os.path.join(rdir, f))
                                       for f in srcs] + [yarc]
        r = bench.run_timed(cmd, os.path.join(self.out, "yarac.out"),
                            os.path.join(self.out, "yarac.err"))
        self.res["yarac"] = r
        log("yarac: %d files compiled in %.1f s (rc %d)" % (len(srcs),
                                                            r["wall"], r["rc"]))
        if r["rc"] != 0:
            with open(os.path.join(self.out, "yarac.err")) as h:
                self.fail("yarac: " + h.read(400))
        return yarc

    def step_community(self):
        a = self.a
        rdir = self.prepare_rules()
        yarc = self.yarac(rdir)
        if self.failures:
            return
        n_rules = sum(self.res["community"]["families"].values()) + len(
            self.res["community"]["planted"])
        log("\n== community-shaped set (%d rules in %d files) on %d files: "
            "yara -p 2, first scan, re-scan, stat walk"
            % (n_rules, self.nsrc, len(self.cfiles)))
        cdir = os.path.join(a.work, "cache-community")
        trees = [a.corpus, self.plantdir]
        md = [a.mdescan, "--cache-dir", cdir, "-d", rdir, "-j", "2", "-i",
              "-z", "--json", "--no-archive"] + trees
        ext = sum((["-d", v + "="] for v in community.EXTERNALS), [])
        yara = self.row("c_yara", "yara -p 2",
                        ["yara", "-w", "-p", "2"] + ext
                        + ["-C", yarc, "--scan-list", self.clist],
                        parse=yara_lines)
        first = self.row("c_first", "first scan (default)",
                         "rm -rf %s && exec %s" % (shlex.quote(cdir),
                                                   shlex.join(md)),
                         shell=True, expect_rc=(1,), parse=mdescan_json)
        rescan = self.row("c_rescan", "re-scan (cache kept)", md,
                          expect_rc=(1,), parse=mdescan_json)
        walk = self.row("c_walk", "stat walk (find -printf)",
                        "find %s -type f -printf '%%s %%T@ %%C@\\n' >/dev/null"
                        % " ".join(shlex.quote(t) for t in trees), shell=True)
        # info: a first scan whose compiled rules are already in the cache
        # directory (mdescan keeps them there as yara-*.rules), no verdict
        wdir = os.path.join(a.work, "cache-warmrules")

        def keep_rules():
            shutil.rmtree(wdir, ignore_errors=True)
            os.makedirs(wdir, mode=0o700)
            for f in os.listdir(cdir):
                if f.startswith("yara-"):
                    shutil.copy(os.path.join(cdir, f), wdir)
        warm = self.row("c_warm", "first scan, compiled rules kept (info)",
                        [a.mdescan, "--cache-dir", wdir] + md[3:],
                        expect_rc=(1,), parse=mdescan_json, pre=keep_rules)
        # info: mdescan given yara's compiled file itself (no pre-selection:
        # a .yarc is not split), an empty cache
        ydir = os.path.join(a.work, "cache-yarc")
        yarcrow = self.row("c_yarc", "first scan of the .yarc (info)",
                           "rm -rf %s && exec %s" % (
                               shlex.quote(ydir), shlex.join(
                                   [a.mdescan, "--cache-dir", ydir, "-d", yarc]
                                   + md[5:])),
                           shell=True, expect_rc=(1,), parse=mdescan_json)
        self.res["load_community_before"] = loadavg()
        log("warm-up read (untimed): %.1f s" % self.warm(trees))
        rows = [yara, first, rescan, walk, warm]
        if not a.no_yarc_row:
            rows.append(yarcrow)
        for i in range(a.runs):
            for r in rows:
                self.once(r, i)
        self.res["load_community_after"] = loadavg()
        # the definitions alone: one small file, an empty cache (1 run)
        ldir = os.path.join(a.work, "cache-load")
        load = self.row("c_load", "definitions compile (info)",
                        "rm -rf %s && exec %s" % (shlex.quote(ldir), shlex.join(
                            [a.mdescan, "--cache-dir", ldir, "-d", rdir, "-i",
                             "--json", os.path.join(self.plantdir,
                                                    "notes.txt")])),
                        shell=True, expect_rc=(1,))
        self.once(load, 0)
        # findings
        y = yara.finds[0]
        m = first.finds[0][0]
        agree = (all(f == y for f in yara.finds) and
                 all(f[0] == m for f in first.finds + rescan.finds +
                     warm.finds + yarcrow.finds))
        same = m == y
        summ = first.finds[0][1]
        rs = rescan.finds[0][1]
        planted = self.res["community"]["planted"]
        hit = sorted(n for n in planted if any(r == n for _, r in m))
        self.res["community_findings"] = {
            "mdescan": len(m), "yara": len(y), "identical": same,
            "runs_agree": agree, "only_mdescan": sorted(m - y),
            "only_yara": sorted(y - m), "planted_rules_matched": hit,
            "planted_rules": sorted(planted), "files_listed": len(self.cfiles),
            "first_summary": summ, "rescan_summary": rs}
        log("findings (file, rule): mdescan %d, yara %d: %s%s" % (
            len(m), len(y), "IDENTICAL" if same else "DIFFER",
            "" if agree else " (and the runs of one tool disagree)"))
        for x in sorted(m - y)[:20]:
            log("  only mdescan: %s %s" % x)
        for x in sorted(y - m)[:20]:
            log("  only yara:    %s %s" % x)
        log("planted rules matched: %d of %d%s" % (
            len(hit), len(planted), "" if len(hit) == len(planted) else
            " (missing: %s)" % ", ".join(sorted(set(planted) - set(hit)))))
        log("files: %d listed for yara; mdescan first scan %s files, %s "
            "errors, %s skipped; re-scan %s files, %s from the cache"
            % (len(self.cfiles), summ.get("files"), summ.get("errors"),
               summ.get("skipped"), rs.get("files"), rs.get("cached")))
        if not same or not agree:
            self.fail("community findings differ between mdescan and yara "
                      "(or between runs)")
        if summ.get("files") not in (None, len(self.cfiles)):
            self.fail("mdescan scanned %s files, yara was given %d"
                      % (summ.get("files"), len(self.cfiles)))
        self.externals_check()

    def externals_check(self):
        """Rules whose result depends on the externals' values, apart from
        the timed set: mdescan sets them per file; yara gets each file's
        values by hand (-d), as mdescan(1) defines them."""
        a = self.a
        rf, files = community.externals_check(a.work)
        o = os.path.join(self.out, "externals.mdescan.out")
        with open(o, "wb") as h:
            subprocess.run([a.mdescan, "--no-cache", "-d", rf, "-i", "-z",
                            "--json", "--no-archive", os.path.dirname(
                                list(files.values())[0])], stdout=h,
                           stderr=subprocess.DEVNULL)
        m = mdescan_json(o)[0]
        y = set()
        import pwd
        for name, p in files.items():
            with open(p, "rb") as h:
                head = h.read(4)
            ft = ("EXE" if head[:2] == b"MZ" else "ELF" if head == b"\x7fELF"
                  else "")
            dot = name.rfind(".")
            ext = (name[dot:].lower() if 0 < dot < len(name) - 1 and
                   len(name) - dot - 1 <= 30 else "")
            try:
                owner = pwd.getpwuid(os.stat(p).st_uid).pw_name
            except KeyError:
                owner = str(os.stat(p).st_uid)
            vals = {"filename": name, "filepath": os.path.dirname(p),
                    "extension": ext, "filetype": ft, "owner": owner}
            cmd = ["yara", "-w"] + sum((["-d", "%s=%s" % kv]
                                        for kv in vals.items()), []) + [rf, p]
            out = subprocess.run(cmd, capture_output=True, text=True).stdout
            for line in out.splitlines():
                if " " in line:
                    r, f = line.split(" ", 1)
                    y.add((f, r))
        same = m == y
        self.res["externals_check"] = {"mdescan": sorted(m), "yara": sorted(y),
                                       "identical": same}
        log("externals (apart, untimed): %d rules on %d files whose result "
            "depends on the values; mdescan %d findings, yara with each "
            "file's values %d: %s" % (
                sum(1 for _ in open(rf) if _.startswith("rule ")), len(files),
                len(m), len(y), "IDENTICAL" if same else "DIFFER"))
        if not same:
            for x in sorted(m - y):
                log("  only mdescan: %s %s" % (x[1], x[0]))
            for x in sorted(y - m):
                log("  only yara:    %s %s" % (x[1], x[0]))
            self.fail("externals check: findings differ")

    # ---------------------------------------------------------------- step 5
    def step_watch(self):
        a = self.a
        log("\n== the watcher: tests/bench/watch.py --runs %d" % a.watch_runs)
        if os.geteuid() != 0:
            self.res["watch"] = "skipped: needs root (fanotify permission " \
                                "events, tmpfs)"
            log("SKIPPED: watch.py needs root (fanotify permission events, "
                "a tmpfs mount); run this benchmark as root to get row 5")
            return
        js = os.path.join(self.out, "watch.json")
        cmd = [sys.executable, os.path.join(HERE, "watch.py"), "--runs",
               str(a.watch_runs), "--no-clamav", "--json", js,
               "--opens", str(a.watch_opens), "--mdewatch", a.mdewatch]
        if a.watch_files:
            cmd += ["--files", str(a.watch_files)]
        l0 = loadavg()
        t0 = time.time()
        with open(os.path.join(self.out, "watch.out"), "w") as h:
            p = subprocess.run(cmd, stdout=h, stderr=subprocess.STDOUT)
        took = time.time() - t0
        with open(os.path.join(self.out, "watch.out")) as h:
            text = h.read()
        for line in text.splitlines():
            if not line.startswith("  "):
                log("  | " + line)
        if p.returncode != 0 or not os.path.exists(js):
            self.fail("watch.py exited %d (see %s)" % (
                p.returncode, os.path.join(self.out, "watch.out")))
            return
        with open(js) as h:
            w = json.load(h)
        w["load_before"], w["load_after"], w["seconds"] = l0, loadavg(), took
        self.res["watch"] = w

    # -------------------------------------------------------------- report
    def report(self):
        a = self.a
        out = []
        p = out.append
        p("")
        p("=" * 100)
        p("issue 22: speed where users run it; medians of %d runs; %s"
          % (a.runs, self.res["started"]))
        p("mdescan %s (copy, sha256 %s); %s; %d CPUs"
          % (self.res["mdescan_version"], self.res["mdescan_sha"][:16],
             self.res["yara_version"], os.cpu_count()))
        p("corpus %s: %s; bench signatures %s" % (
            a.corpus, self.res.get("corpus_desc", "?"), a.sigs))
        p("")
        p("%-52s %9s %8s %9s %s" % ("row", "wall s", "CPU s", "peak RSS",
                                    "load (1 min) at the runs' starts"))
        for k, r in self.rows.items():
            s = r.summary()
            if not s:
                continue
            p("%-52s %9.2f %8.2f %7.1f MB %s" % (
                ("community: " if k.startswith("c_") else "") + r.label,
                s["wall"], s["cpu"], s["rss_kb"] / 1024.0,
                " ".join("%.2f" % x["load_before"][0] for x in r.runs)))
        p("")
        p("%-58s %10s %10s %8s %8s %s" % ("ratio (wall, medians)", "value",
                                          "anchor", "ratio", "target", ""))
        self.res["ratios"] = {}

        def ratio(key, label, num, den, target, higher, unit="s"):
            if num is None or den is None or den <= 0:
                return
            v = num / den
            ok = v >= target if higher else v <= target
            p("%-58s %8.2f %s %8.2f %s %7.2fx %s %gx %s" % (
                label, num, unit, den, unit, v, ">=" if higher else "<=",
                target, "ok" if ok else "MISS"))
            self.res["ratios"][key] = {"label": label, "value": num,
                                       "anchor": den, "ratio": v,
                                       "target": target,
                                       "higher_is_better": higher, "ok": ok}

        def w(k):
            r = self.rows.get(k)
            return r.summary()["wall"] if r and r.runs else None
        ratio("fill", "1. first scan (default) / --no-cache, bench sigs",
              w("fill"), w("nocache"), T_FILL, False)
        ratio("rescan", "2. re-scan / stat walk, bench sigs", w("rescan"),
              w("walk"), T_RESCAN, False)
        ratio("yara", "3. yara -p 2 / first scan, community set",
              w("c_yara"), w("c_first"), T_YARA, True)
        if w("c_warm"):
            p("     info: yara -p 2 / first scan with the compiled rules "
              "kept: %.2fx (%.2f s)" % (w("c_yara") / w("c_warm"),
                                        w("c_warm")))
        if w("c_yarc"):
            p("     info: yara -p 2 / mdescan -d community.yarc (no "
              "pre-selection): %.2fx (%.2f s)" % (w("c_yara") / w("c_yarc"),
                                                 w("c_yarc")))
        ratio("c_rescan", "4. re-scan / stat walk, community set",
              w("c_rescan"), w("c_walk"), T_RESCAN, False)
        wr = self.res.get("watch")
        if isinstance(wr, dict):
            ratio("watch", "5. watcher (default gate) / unwatched",
                  wr["mdewatch_s"], wr["unwatched_s"], T_WATCH, False)
            if "allow_all_ignore_ratio" in wr:
                p("     its floors: allow-all %.2fx, allow-all+ignore %.2fx"
                  % (wr["allow_all_ratio"], wr["allow_all_ignore_ratio"]))
            ratio("watch_read", "5. watcher --gate read / unwatched",
                  wr["gate_read_s"], wr["unwatched_s"], T_WATCH, False)
            if "read_allow_ignore_ratio" in wr:
                p("     its floors: read-allow %.2fx, read-allow+ignore %.2fx"
                  % (wr["read_allow_ratio"], wr["read_allow_ignore_ratio"]))
        elif wr:
            p("5. watcher: %s" % wr)
        if self.rows.get("fill") and self.rows["fill"].runs:
            rss = self.rows["fill"].summary()["rss_kb"] / 1024.0
            bare = self.rows["bare"].summary()["rss_kb"] / 1024.0
            ok = rss <= T_RSS_MB
            p("%-58s %8.1f MB (bare read %.1f MB) <= %g MB %s" % (
                "6. peak RSS, default first scan (archives on)", rss, bare,
                T_RSS_MB, "ok" if ok else "MISS"))
            self.res["ratios"]["rss"] = {"value_mb": rss, "anchor_mb": bare,
                                         "target_mb": T_RSS_MB, "ok": ok}
            t = self.res.get("rss_tree")
            if t:
                p("     info: process tree of one first scan: sum of RSS "
                  "%.1f MB, of PSS %.1f MB (%d processes)" % (
                      t["rss_kb"] / 1024.0, t["pss_kb"] / 1024.0, t["procs"]))
            re_ = self.rows["rescan"].summary()["rss_kb"] / 1024.0
            p("     info: peak RSS --no-cache %.1f MB, re-scan %.1f MB" % (
                self.rows["nocache"].summary()["rss_kb"] / 1024.0, re_))
        p("")
        cpu = lambda k: self.rows[k].summary()["cpu"]  # noqa: E731
        if self.rows.get("c_first") and self.rows["c_first"].runs:
            p("info: CPU s, community: yara %.1f, mdescan first scan %.1f "
              "(yara / mdescan %.2fx); definitions compile alone %.1f s wall"
              % (cpu("c_yara"), cpu("c_first"), cpu("c_yara") /
                 max(cpu("c_first"), 1e-3),
                 self.rows["c_load"].summary()["wall"]))
            cf = self.res["community_findings"]
            p("findings, community set: mdescan %d, yara %d: %s; planted "
              "rules matched %d of %d; externals check: %s" % (
                  cf["mdescan"], cf["yara"],
                  "IDENTICAL" if cf["identical"] else "DIFFER",
                  len(cf["planted_rules_matched"]), len(cf["planted_rules"]),
                  "identical" if self.res.get("externals_check", {}).get(
                      "identical") else "DIFFER"))
        if "bench_findings" in self.res:
            bf = self.res["bench_findings"]
            p("findings, bench signatures: %d, the %d planted: %s" % (
                bf["found"], bf["expected"],
                "exactly" if bf["as_expected"] else "DIFFER"))
        p("load average: %s at the start, %s at the end" % (
            " ".join("%.2f" % x for x in self.res["load_start"]),
            " ".join("%.2f" % x for x in self.res["load_end"])))
        p("total time %.0f s; raw output in %s" % (self.res["seconds"],
                                                   self.out))
        for f in self.failures:
            p("FAILED: " + f)
        return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bd = os.environ.get("BENCH_DIR", "/var/tmp/mdescan-bench")
    ap.add_argument("--bench-dir", default=bd,
                    help="tests/bench/run's data (default $BENCH_DIR or "
                    "/var/tmp/mdescan-bench)")
    ap.add_argument("--corpus", help="default BENCH_DIR/corpus")
    ap.add_argument("--sigs", help="default BENCH_DIR/sigs")
    ap.add_argument("--work", default="/var/tmp/mdescan-realworld",
                    help="rules, caches and results (default %(default)s)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true",
                    help="1 run of everything (the watcher too)")
    ap.add_argument("--rules", type=int, default=6000,
                    help="generated community rules (default 6000; >= 5000 "
                    "for the issue's target)")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--slow-regex", type=int, default=0, metavar="N",
                    help="add N rules with the literal-free base64 regex")
    ap.add_argument("--no-yarc-row", action="store_true",
                    help="do not time mdescan on yara's .yarc (an info row)")
    ap.add_argument("--only", default=",".join(STEPS),
                    help="comma list of: " + ",".join(STEPS))
    ap.add_argument("--watch-runs", type=int, help="watch.py --runs "
                    "(default: --runs)")
    ap.add_argument("--watch-files", type=int, help="watch.py --files")
    ap.add_argument("--watch-opens", type=int, default=2000)
    ap.add_argument("--mdescan", default=os.path.join(TOP, "src", "mdescan",
                                                      "mdescan"))
    ap.add_argument("--mdewatch", default=os.path.join(TOP, "src", "mdewatch",
                                                       "mdewatch"))
    ap.add_argument("--json", help="write every result to this file")
    a = ap.parse_args()
    a.only = [s.strip() for s in a.only.split(",") if s.strip()]
    if a.quick:
        a.runs = 1
    a.watch_runs = a.watch_runs or a.runs
    if a.runs < 1 or any(s not in STEPS for s in a.only):
        ap.error("bad --runs or --only")
    a.corpus = os.path.abspath(a.corpus or os.path.join(a.bench_dir, "corpus"))
    a.sigs = os.path.abspath(a.sigs or os.path.join(a.bench_dir, "sigs"))
    a.work = os.path.abspath(a.work)
    for t in ("yara", "yarac", "find", bench.GNU_TIME):
        if not shutil.which(t):
            print("realworld.py: %s is missing" % t, file=sys.stderr)
            return 2
    if not os.path.isdir(a.corpus) or not os.path.isdir(a.sigs):
        print("realworld.py: no corpus or signatures at %s, %s (run "
              "tests/bench/run --gen-only first, or give --corpus/--sigs)"
              % (a.corpus, a.sigs), file=sys.stderr)
        return 2
    if not os.access(a.mdescan, os.X_OK):
        print("realworld.py: no mdescan at %s" % a.mdescan, file=sys.stderr)
        return 2
    t0 = time.time()
    r = Run(a)
    stamp = datetime.datetime.utcnow().strftime("%Y%m%d-%H%M%S")
    r.out = os.path.join(a.work, "results", stamp)
    os.makedirs(r.out)
    r.res["started"] = stamp + " UTC"
    r.res["load_start"] = loadavg()
    r.res["args"] = {k: v for k, v in vars(a).items()}
    a.mdescan, r.res["mdescan_sha"] = bench.snapshot(a.mdescan, r.out,
                                                     "mdescan")
    if "watch" in a.only and os.access(a.mdewatch, os.X_OK):
        a.mdewatch, r.res["mdewatch_sha"] = bench.snapshot(a.mdewatch, r.out,
                                                           "mdewatch")
    r.res["mdescan_version"] = bench.tool_version([a.mdescan, "-V"])
    r.res["yara_version"] = "yara " + bench.tool_version(["yara", "--version"])
    files = walk_files([a.corpus])
    r.res["corpus_desc"] = "%d files, %.2f GB" % (
        len(files), sum(os.path.getsize(p) for p in files) / 1e9)
    log("realworld.py: results in %s; load average %s" % (
        r.out, " ".join("%.2f" % x for x in r.res["load_start"])))
    if r.res["load_start"][0] > 1.0:
        log("WARNING: load average %.2f: other work on the machine inflates "
            "wall times (see 'other cores')" % r.res["load_start"][0])
    for step in STEPS:
        if step in a.only:
            getattr(r, "step_" + step)()
    r.res["load_end"] = loadavg()
    r.res["seconds"] = time.time() - t0
    text = r.report()
    sys.stdout.write(text)
    with open(os.path.join(r.out, "report.txt"), "w") as h:
        h.write(text)
    r.res["rows"] = {k: v.summary() for k, v in r.rows.items()}
    r.res["failures"] = r.failures
    for path in filter(None, [a.json, os.path.join(r.out, "results.json")]):
        with open(path, "w") as h:
            json.dump(r.res, h, indent=1, default=str)
    return 1 if r.failures else 0


if __name__ == "__main__":
    sys.exit(main())
