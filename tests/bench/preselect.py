#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""YARA rule pre-selection benchmark (python3 standard library only).

Generates a rule set shaped like big community sets (default 3,000 rules:
~70% gated on the MZ magic, some of them also size bounded, ~10% size
bounded only, ~20% plain string rules), plants a few rules that match known
files, then times on the same file list:

  mdescan               src/mdescan/mdescan -d RULES -j 2 -i -z --json
  mdescan-nopresel      the same with --no-preselect (when the binary has it)
  yara                  yara -p 2 -w RULES... --scan-list LIST
  load / load-nopresel  mdescan on one small file (rule loading time)

and prints the median wall time of N runs, CPU, peak RSS, the ratios, and
whether the (file, rule) findings are identical.  Exit status 1 when the
findings differ.

  tests/bench/preselect.py [--corpus DIR] [--runs N] [--rules N]
                           [--work DIR] [--mdescan PATH] [--threads N]
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CORPUS = "/var/tmp/mdescan-bench/corpus"
WORDS = ("kernel32 VirtualAlloc CreateRemoteThread LoadLibraryA cmd.exe "
         "powershell http:// Software\\Microsoft\\Windows\\CurrentVersion\\Run "
         "GetProcAddress WriteProcessMemory .onion bitcoin payload stealer "
         "inject hook keylog mimikatz sekurlsa beacon rundll32 regsvr32").split()
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
PE_MARK = b"PRESEL_PE_MARKER_7f3a"
PLAIN_MARK = b"PRESEL_PLAIN_MARKER_9c1d"


def text_string(rnd):
    n = rnd.randint(6, 30)
    s = rnd.choice(WORDS) if rnd.random() < 0.4 else ""
    s += "".join(rnd.choice(ALNUM) for _ in range(max(0, n - len(s))))
    s = s[:30].replace("\\", "\\\\")
    mod = rnd.random()
    if mod < 0.25:
        s = '"%s" ascii wide' % s
    elif mod < 0.40:
        s = '"%s" nocase' % s
    elif mod < 0.50:
        s = '"%s" fullword' % s
    else:
        s = '"%s"' % s
    return s


def hex_string(rnd):
    n = rnd.randint(8, 24)
    parts = ["%02X" % rnd.randrange(256) for _ in range(n)]
    for _ in range(rnd.randint(0, 2)):
        parts[rnd.randrange(4, n - 2)] = "??"
    if rnd.random() < 0.2:
        parts.insert(n // 2, "[2-4]")
    return "{ %s }" % " ".join(parts)


def gen_rule(rnd, idx):
    nstr = rnd.randint(2, 6)
    strs = []
    for k in range(nstr):
        v = hex_string(rnd) if rnd.random() < 0.35 else text_string(rnd)
        strs.append("\t\t$s%d = %s" % (k, v))
    agg = rnd.choice(["any of them", "2 of them", "all of them",
                      "2 of ($s*)", "$s0 and 1 of ($s*)"])
    kind = rnd.random()
    if kind < 0.50:
        cond = "uint16(0) == 0x5A4D and " + agg
    elif kind < 0.60:
        cond = "uint16(0) == 0x5a4d and filesize < %dKB and %s" % (
            rnd.choice([100, 200, 500, 800]), agg)
    elif kind < 0.70:
        cond = "uint16(0) == 0x5A4D and (%s)" % agg
    elif kind < 0.80:
        cond = "filesize < 200KB and " + agg
    else:
        cond = agg
    return ("rule gen_%05d : bench\n{\n\tmeta:\n\t\tdescription = \"generated %d\"\n"
            "\t\tauthor = \"preselect.py\"\n\tstrings:\n%s\n\tcondition:\n\t\t%s\n}\n"
            % (idx, idx, "\n".join(strs), cond))


def gen_rules(rdir, nrules, seed):
    rnd = random.Random(seed)
    os.makedirs(rdir, exist_ok=True)
    per = 100
    for f in range(0, nrules, per):
        with open(os.path.join(rdir, "set_%03d.yar" % (f // per)), "w") as h:
            if (f // per) % 2:
                h.write('import "pe"\n\n')
            for i in range(f, min(nrules, f + per)):
                h.write(gen_rule(rnd, i) + "\n")


def hexs(b):
    return "{ %s }" % " ".join("%02X" % c for c in b)


def chunk(path, off, n=16):
    with open(path, "rb") as h:
        h.seek(off)
        return h.read(n)


def plant(work, rdir, files):
    """Planted files and rules: returns nothing; rules in planted.yar."""
    pdir = os.path.join(work, "plant")
    os.makedirs(pdir, exist_ok=True)
    pe = os.path.join(pdir, "small.exe")
    with open(pe, "wb") as h:
        h.write(b"MZ\x90\x00" + bytes(60) + PE_MARK + bytes(2000) + b"end")
    txt = os.path.join(pdir, "notes.txt")
    with open(txt, "wb") as h:
        h.write(b"just a text file\n" + PLAIN_MARK + b"\n")
    rules = [
        'import "pe"\n',
        'rule planted_pe_text { strings: $a = "%s" condition: '
        'uint16(0) == 0x5A4D and $a }' % PE_MARK.decode(),
        'rule planted_pe_hex { strings: $a = %s condition: '
        'uint16(0) == 0x5A4D and filesize < 100KB and $a }' % hexs(PE_MARK[:12]),
        'rule planted_plain { strings: $a = "%s" condition: $a }'
        % PLAIN_MARK.decode(),
        'rule planted_plain_pe { strings: $a = "%s" condition: any of them }'
        % PE_MARK.decode(),
    ]
    mz = [p for p in files if head(p, 2) == b"MZ" and os.path.getsize(p) > 8192]
    elf = [p for p in files if head(p, 4) == b"\x7fELF"]
    if mz:
        rules.append('rule planted_real_pe { strings: $a = %s condition: '
                     'pe.is_pe and $a }' % hexs(chunk(mz[0], 4096)))
    if elf:
        big = max(elf[:2000], key=os.path.getsize)
        rules.append('rule planted_elf { strings: $a = %s condition: '
                     'uint32(0) == 0x464C457F and $a }' % hexs(chunk(elf[0], 512)))
        rules.append('rule planted_big { strings: $a = %s condition: '
                     'filesize > 1MB and $a }'
                     % hexs(chunk(big, os.path.getsize(big) // 2, 20)))
    with open(os.path.join(rdir, "planted.yar"), "w") as h:
        h.write("\n".join(rules) + "\n")
    return [pe, txt]


def head(path, n):
    try:
        with open(path, "rb") as h:
            return h.read(n)
    except OSError:
        return b""


def corpus_files(corpus):
    out = []
    for d, dirs, fs in os.walk(corpus):
        dirs.sort()
        for f in sorted(fs):
            p = os.path.join(d, f)
            if os.path.isfile(p) and not os.path.islink(p):
                out.append(p)
    return out


def timed(cmd, out_path):
    """Runs cmd under /usr/bin/time; returns (wall, user, sys, rss_kb, rc)."""
    tf = out_path + ".time"
    with open(out_path, "wb") as o:
        rc = subprocess.call(["/usr/bin/time", "-o", tf, "-f", "%e %U %S %M"]
                             + cmd, stdout=o, stderr=subprocess.DEVNULL)
    with open(tf) as h:
        last = h.read().strip().splitlines()[-1].split()
    return float(last[0]), float(last[1]), float(last[2]), int(last[3]), rc


def mdescan_findings(path):
    res = set()
    with open(path) as h:
        for line in h:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("type") == "finding":
                res.add((j["path"], j["name"]))
    return res


def yara_findings(path):
    res = set()
    with open(path, errors="replace") as h:
        for line in h:
            line = line.rstrip("\n")
            if " " in line:
                rule, f = line.split(" ", 1)
                res.add((f, rule))
    return res


def has_flag(binary, flag):
    try:
        out = subprocess.run([binary, "--help"], capture_output=True,
                             text=True).stdout
    except OSError:
        return False
    return flag in out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rules", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/var/tmp/mdescan-preselect")
    ap.add_argument("--mdescan", default=os.path.join(TOP, "src", "mdescan", "mdescan"))
    a = ap.parse_args()
    corpus = a.corpus or (DEFAULT_CORPUS if os.path.isdir(DEFAULT_CORPUS) else None)
    if not corpus:
        sys.exit("preselect.py: no corpus; give --corpus DIR")
    rdir = os.path.join(a.work, "rules")
    if os.path.isdir(rdir):
        for f in os.listdir(rdir):
            os.unlink(os.path.join(rdir, f))
    gen_rules(rdir, a.rules, a.seed)
    files = corpus_files(corpus)
    files += plant(a.work, rdir, files)
    lst = os.path.join(a.work, "files.lst")
    with open(lst, "w") as h:
        h.write("".join(p + "\n" for p in files))
    tiny = os.path.join(a.work, "plant", "notes.txt")
    rules = sorted(os.path.join(rdir, f) for f in os.listdir(rdir))
    nc = ["--no-cache"] if has_flag(a.mdescan, "--no-cache") else []
    md = [a.mdescan, "-d", rdir, "-j", str(a.threads), "-i", "-z", "--json"] + nc
    ext = []
    for v in ("filename", "filepath", "extension", "filetype", "owner"):
        ext += ["-d", v + "="]
    tools = [("mdescan", md + ["--files-from", lst], "m")]
    if has_flag(a.mdescan, "--no-preselect"):
        tools.append(("mdescan-nopresel",
                      md + ["--no-preselect", "--files-from", lst], "m"))
    tools.append(("yara", ["yara", "-p", str(a.threads), "-w"] + ext
                  + ["%s:%s" % (os.path.basename(r), r) for r in rules]
                  + ["--scan-list", lst], "y"))
    tools.append(("load", md + [tiny], "m"))
    if has_flag(a.mdescan, "--no-preselect"):
        tools.append(("load-nopresel", md + ["--no-preselect", tiny], "m"))
    subprocess.call(["sh", "-c", "xargs -d '\\n' cat < %s > /dev/null" % lst])
    print("corpus %s: %d files; %d rules in %s" % (corpus, len(files),
                                                   a.rules + 7, rdir))
    rows, finds = {}, {}
    for name, cmd, kind in tools:
        runs = []
        for i in range(a.runs):
            outp = os.path.join(a.work, "%s.%d.out" % (name, i))
            runs.append(timed(cmd, outp))
            f = (mdescan_findings if kind == "m" else yara_findings)(outp)
            if not name.startswith("load"):
                if name in finds and finds[name] != f:
                    print("%s: runs disagree" % name)
                finds[name] = f
        rows[name] = runs
    print("\n%-17s %8s %8s %8s %9s %6s" % ("tool", "wall s", "user s", "sys s",
                                          "RSS MB", "rc"))
    med = {}
    for name, runs in rows.items():
        w = statistics.median(r[0] for r in runs)
        r = min(runs, key=lambda x: abs(x[0] - w))
        med[name] = w
        print("%-17s %8.2f %8.2f %8.2f %9.1f %6d" % (name, w, r[1], r[2],
                                                    r[3] / 1024, r[4]))
    print()
    if "yara" in med and med["mdescan"] > 0:
        x = med["yara"] / med["mdescan"]
        print("yara / mdescan wall: %.2fx (target >= 2x: %s)"
              % (x, "ok" if x >= 2 else "MISS"))
    if "mdescan-nopresel" in med and med["mdescan"] > 0:
        print("mdescan-nopresel / mdescan wall: %.2fx"
              % (med["mdescan-nopresel"] / med["mdescan"]))
    base = finds["mdescan"]
    same = True
    for name, f in finds.items():
        eq = f == base
        same &= eq
        print("findings %-17s %6d %s" % (name, len(f), "identical" if eq else
                                          "DIFFER (+%d -%d)" % (len(f - base),
                                                                len(base - f))))
    planted = sorted(r for _, r in base if r.startswith("planted_"))
    print("planted rules found by mdescan: %s" % ", ".join(sorted(set(planted))))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
