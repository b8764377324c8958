#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""clamfull - mdescan, clamscan and a warm clamd on a full-size database.

A generated database shaped like ClamAV's official main + daily (about
8.7 million signatures) in .cvd containers, over the bench corpus, timed
side by side in one run (python3 standard library only):

  1. clamscan first load    clamscan -d CLAMDB EMPTY
  2. mdescan first load     mdescan --no-history --clamav-certs CERTS -d DB
                            --cache-dir FRESH EMPTY  (FRESH emptied each run)
  3. mdescan cached load    the same with the cache directory of step 2 kept
  4. clamscan corpus scan   clamscan -r -i --no-summary -d CLAMDB CORPUS
                            (once with --quick, as the clamdscan runs)
  5. warm clamd             clamd (own config, socket, MaxThreads 2) on
                            CLAMDB: load time and RSS after load, then
                            clamdscan --multiscan --fdpass -i --no-summary
                            -c CONF CORPUS
  6. mdescan corpus scan    mdescan --no-history --clamav-certs CERTS -d DB
                            --cache-dir DIR -i CORPUS: the default options,
                            DIR holding the compiled definitions of step 3
                            but no scan verdicts (every file but LMDB's
                            data.mdb and lock.mdb is copied into a fresh DIR
                            before each run)
  7. findings               (path, name) of mdescan, clamscan and clamd,
                            ClamAV's ".UNOFFICIAL" suffix removed: identical,
                            or exit 1 with the differences

Targets (a miss prints MISS and does not change the exit status):
first load mdescan / clamscan <= 1/3; cached load <= 1 s; mdescan peak RSS
<= 1/2 of clamd's (the corpus scan's peak against clamd's VmHWM; the
first load's ratio is printed as info); corpus scan clamscan / mdescan
>= 10 and clamd / mdescan >= 3; identical findings.  Medians of --runs (default 3); each run is
printed with the 1-minute load average before and after it.

The signature mix.  Totals as freshclam reports the official databases in
October 2025 (Cisco-Talos/clamav pull request 1587): main.cvd version 62,
6,647,427 signatures; daily.cvd version 27780, 2,076,928; 8,724,355 in all
(bytecode.cvd's 80 left out: no engine here runs bytecode).  ClamAV
publishes no per-file counts; the split follows what the official
databases are known to be made of: mostly file and PE-section hashes, about
100k body signatures and a few tens of thousands of logical ones.

  database  .mdb       .hsb       .hdb       .msb    .ndb     .ldb (x 8)
  main      3,900,000  1,600,000  1,012,427  60,000  60,000   15,000
  daily       850,000    900,000    256,928  10,000  40,000   20,000
  total     4,750,000  2,500,000  1,269,355  70,000  100,000  35,000

* .mdb: PE section MD5 `size:md5:Name`, section sizes log-uniform 512 B to
  8 MB.  The largest share, as in the official main.
* .hsb: `hash:size:Name`, 85% SHA-256 and 15% SHA-1; daily's include the
  bench data set's 100,000 (bench.hsb, 20 of them planted in the corpus).
* .hdb: MD5 `md5:size:Name`.  File sizes of all hash signatures are
  log-uniform from 100 B to 50 MB (as gen.py's), so nearly every corpus file
  shares its size with some MD5, SHA-1 and SHA-256 signature and must be
  hashed with all three by every tool.
* .msb: PE section SHA-1 / SHA-256 (half each).
* .ndb: 95,000 of gen.py's body-signature shapes (16-40 bytes, 30% with
  wildcards, gaps or `*`, 20% anchored), targets 0 (55%), 1 (PE, 35%),
  3 (HTML, 5%) and 7 (text, 5%); daily's include bench.ndb (5,000, 20
  planted).
* .ldb: 35,000 of clamldb.py's shapes (8 hex subsignatures of 4 to 40
  bytes, some with wildcards, alternatives and gaps, Target 0 or 1).
Names are shaped like ClamAV's (`Win.Trojan.Agent-1234567-0`: platform,
category, family, a running number, a revision); about 5% share their
number with the previous signature (another revision), the rest are
unique.  Generation is deterministic (--seed); the test CA's keys are not.

Containers.  mdescan gets main.cvd and daily.cvd as sigtool lays them out
(a 512-byte header with the MD5 of the body, then a gzip (level 1) tar of
COPYING, NAME.info with every member's size and SHA-256, and the members),
each verified through a ClamAV 1.5 detached `NAME-VERSION.cvd.sign`
(PKCS#7 made with the openssl command by a test CA, trusted with
--clamav-certs), as tests/cli/t-clamav-sign.sh does.  clamscan 1.4 cannot
read .sign files, so clamscan and clamd get main.cud and daily.cud of the
same files, built by `sigtool --build=NAME.cud --unsigned` (or the loose
files with --clam-loose).  Everything goes to BENCH_DIR/clamfull/ once
(about 1.4 GB); a .stamp of the parameters makes later runs reuse it.

  tests/bench/clamfull.py [--runs N] [--quick] [--no-clamd] [--regen]
                          [--bench-dir DIR] [--mdescan PATH] [--gen-only]

Needs clamscan, clamd and clamdscan (clamav-daemon), sigtool, openssl and
GNU time at /usr/bin/time; root or not (clamd runs as the caller); no
network.  Exit status: 0; 1 when findings differ or a tool fails; 2 for a
usage error or a missing tool.
"""
import argparse
import datetime
import gzip
import hashlib
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import bench    # noqa: E402  (run_timed, parse_found_lines, snapshot)
import clamldb  # noqa: E402  (the .ldb subsignature and logic shapes)
import gen      # noqa: E402  (the bench data set, body-signature shapes)

GEN_VERSION = 1
DEFAULT_SEED = 20261207
# (database, version, builder, [(extension, generated count)])
DATABASES = [
    ("main", 62, "sigmgr", [("mdb", 3_900_000), ("hsb", 1_600_000),
                            ("hdb", 1_012_427), ("msb", 60_000),
                            ("ndb", 60_000), ("ldb", 15_000)]),
    ("daily", 27780, "tomjudge", [("mdb", 850_000), ("hsb", 800_000),
                                  ("hdb", 256_928), ("msb", 10_000),
                                  ("ndb", 35_000), ("ldb", 20_000)]),
]
BENCH_INTO = {("daily", "hsb"): "bench.hsb", ("daily", "ndb"): "bench.ndb"}
CVD_TIME = "07 Dec 2026 03-25 +0000"
CVD_STIME = 1796613936
FLEVEL = 90
GZ_LEVEL = 1
TARGET_FIRST = 1 / 3    # mdescan / clamscan first load
TARGET_CACHED = 1.0     # s
TARGET_RSS = 0.5        # mdescan peak RSS / clamd's
TARGET_CLAM = 10.0      # clamscan / mdescan corpus scan
TARGET_CLAMD = 3.0      # clamd / mdescan corpus scan
GENERATED = ("sigs", "mdescan-db", "clam-db", "ca", "certs", "build",
             "empty")

PLATFORMS = [("Win", 62), ("Unix", 6), ("Andr", 5), ("Doc", 5), ("Html", 4),
             ("Js", 4), ("Xls", 3), ("Pdf", 3), ("Osx", 2), ("Txt", 2),
             ("Email", 2), ("Java", 2)]
CATEGORIES = [("Trojan", 45), ("Malware", 25), ("Downloader", 6),
              ("Dropper", 5), ("Virus", 4), ("Worm", 3), ("Exploit", 3),
              ("Adware", 3), ("Ransomware", 2), ("Packed", 2),
              ("Coinminer", 2)]
FAMILIES = """Agent Generic Zbot Emotet Razy Ramnit Sality Virut Upatre Zusy
Autoit Kryptik Dridex Trickbot Qakbot Ursnif Lokibot Formbook Agenttesla
Remcos Njrat Nanocore Gh0strat Darkcomet Mirai Gafgyt Xorddos Tsunami
Coinminer Xmrig Wannacry Locky Cerber Gandcrab Sodinokibi Ryuk Conti
Lockbit Stop Djvu Vidar Raccoon Redline Azorult Pony Fareit Hawkeye
Nymaim Gozi Tinba Neurevt Andromeda Gamarue Dorkbot Phorpiex Necurs
Kelihos Cutwail Rustock Conficker Allaple Expiro Neshta Parite Floxif
Chir Mabezat Lamer Jadtre Tofsee Smokeloader Amadey Glupteba Bladabindi
Vbkrypt Injector Delf Bancos Banker Ircbot Rbot Sdbot Spybot Hupigon
Bifrose Poisonivy Blackshades Cybergate Xtrat Darkkomet Flystudio Score
Startpage Adload Bundlore Genieo Pirrit Shlayer Mackeeper Hiddad Joker
Hydra Anubis Cerberus Triada Xhelper Ewind Slocker Svpeng Faketoken
Asacub Obfus Dropper Downloader Valyria Powershell Sload Hancitor Ostap
Donoff Thus Laroux Cryxos Coinhive Redirector Iframe Phishing Scam""".split()


def log(msg):
    print("[clamfull] " + msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------- generation

def params(seed, scale, clam_loose):
    p = {"gen_version": GEN_VERSION, "seed": seed, "scale": scale,
         "flevel": FLEVEL, "gzip_level": GZ_LEVEL, "clam_loose": clam_loose,
         "databases": DATABASES,
         "bench_into": sorted("%s.%s=%s" % (d, e, f)
                              for (d, e), f in BENCH_INTO.items())}
    return json.loads(json.dumps(p))  # as read back from the stamp


class Namer:
    """ClamAV-shaped names: Platform.Category.Family-NNNNNNN-R, a running
    number shared now and then with the previous one (a revision)."""

    def __init__(self, rng):
        self.rng = rng
        # a second pool of made-up families, so the names vary as much as
        # the real ones (tens of thousands of families)
        syl = ["ka", "lo", "mi", "ra", "zu", "te", "po", "ne", "vi", "sa",
               "do", "qu", "xe", "bri", "gan", "tor", "mex", "lin", "vor",
               "pha", "cry", "sto", "zel", "dar", "fin"]
        fams = set(FAMILIES)
        while len(fams) < 20000:
            w = "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))
            fams.add(w.capitalize())
        self.fams = sorted(fams)
        self.plat = [p for p, w in PLATFORMS for _ in range(w)]
        self.cat = [c for c, w in CATEGORIES for _ in range(w)]
        self.num = 1_000_000
        self.rev = 0
        self.last = None

    def batch(self, n):
        rng = self.rng
        plats = rng.choices(self.plat, k=n)
        cats = rng.choices(self.cat, k=n)
        # half the signatures in a handful of big families (Agent, Generic,
        # ...), as in the official sets
        fams = [FAMILIES[rng.randrange(12)] if rng.random() < 0.5
                else self.fams[rng.randrange(len(self.fams))]
                for _ in range(n)]
        out = []
        for i in range(n):
            if self.last is not None and rng.random() < 0.05:
                self.rev += 1
                out.append("%s-%d-%d" % (self.last, self.num, self.rev))
                continue
            self.num += rng.randint(1, 3)
            self.rev = 0
            self.last = "%s.%s.%s" % (plats[i], cats[i], fams[i])
            out.append("%s-%d-0" % (self.last, self.num))
        return out


def log_uniform(rng, lo, hi):
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def gen_lines(kind, n, rng, namer):
    """Yields chunks of signature lines of one kind."""
    step = 50_000
    lgl, lgh = math.log(100), math.log(50_000_000)
    sl, sh = math.log(512), math.log(8 << 20)
    for k in range(0, n, step):
        m = min(step, n - k)
        names = namer.batch(m)
        bits = rng.getrandbits
        uni = rng.uniform
        exp = math.exp
        if kind == "mdb":
            lines = ["%d:%032x:%s\n" % (int(exp(uni(sl, sh))), bits(128), nm)
                     for nm in names]
        elif kind == "msb":
            lines = [("%d:%040x:%s\n" % (int(exp(uni(sl, sh))), bits(160), nm))
                     if rng.random() < 0.5 else
                     ("%d:%064x:%s\n" % (int(exp(uni(sl, sh))), bits(256), nm))
                     for nm in names]
        elif kind == "hdb":
            lines = ["%032x:%d:%s\n" % (bits(128), int(exp(uni(lgl, lgh))), nm)
                     for nm in names]
        elif kind == "hsb":
            lines = [("%064x:%d:%s\n" % (bits(256), int(exp(uni(lgl, lgh))), nm))
                     if rng.random() < 0.85 else
                     ("%040x:%d:%s\n" % (bits(160), int(exp(uni(lgl, lgh))), nm))
                     for nm in names]
        elif kind == "ndb":
            lines = []
            for nm in names:
                s = gen.gen_bytesig(rng)
                r = rng.random()
                t = 0 if r < 0.55 else 1 if r < 0.90 else 3 if r < 0.95 else 7
                off = "*" if s["offset"] is None else str(s["offset"])
                lines.append("%s:%d:%s:%s\n" % (nm, t, off,
                                                gen.clam_hex(s["toks"])))
        elif kind == "ldb":
            lines = []
            for nm in names:
                t = 1 if rng.random() < 0.6 else 0
                subs = ";".join(clamldb.subsig(rng, t)
                                for _ in range(clamldb.NSUB))
                lines.append("%s;Engine:51-255,Target:%d;%s;%s\n"
                             % (nm, t, clamldb.logic(rng), subs))
        else:
            raise ValueError(kind)
        yield "".join(lines).encode()


def write_sigs(sdir, bench_dir, seed, scale):
    """BENCH_DIR/clamfull/sigs/{main,daily}.EXT; returns the manifest
    {db: [(member, size, sha256, nsigs)]}."""
    os.makedirs(sdir, exist_ok=True)
    rng = random.Random(seed)
    namer = Namer(rng)
    man = {}
    for db, _, _, mix in DATABASES:
        man[db] = []
        for ext, n in mix:
            n = max(1, int(n * scale))
            member = "%s.%s" % (db, ext)
            sha, size, nsigs = hashlib.sha256(), 0, n
            t0 = time.time()
            with open(os.path.join(sdir, member), "wb") as f:
                for chunk in gen_lines(ext, n, rng, namer):
                    f.write(chunk)
                    sha.update(chunk)
                    size += len(chunk)
                extra = BENCH_INTO.get((db, ext))
                if extra:
                    with open(os.path.join(bench_dir, "sigs", extra), "rb") as b:
                        data = b.read()
                    if not data.endswith(b"\n"):
                        data += b"\n"
                    f.write(data)
                    sha.update(data)
                    size += len(data)
                    nsigs += data.count(b"\n")
            man[db].append((member, size, sha.hexdigest(), nsigs))
            log("  %-10s %9d signatures  %7.1f MB  %5.1f s"
                % (member, nsigs, size / 1e6, time.time() - t0))
    with open(os.path.join(sdir, "COPYING"), "w") as f:
        f.write("Generated by tests/bench/clamfull.py: random signatures "
                "for a benchmark.\n")
    return man


def tar_header(name, size):
    """An old-style tar header as sigtool (and tests/cli/mkcvd.py) writes."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    s = b"%o" % size
    h[124:124 + len(s)] = s
    h[156:157] = b"0"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o" % sum(h) + b"\0\0"
    return bytes(h)


def pad(n):
    return b"\0" * ((512 - n % 512) % 512)


class _Tee:
    def __init__(self, f):
        self.f, self.md5 = f, hashlib.md5()

    def write(self, b):
        self.md5.update(b)
        return self.f.write(b)

    def flush(self):
        self.f.flush()


def write_cvd(out, db, version, builder, members, sdir):
    """NAME.cvd: the 512-byte header, then gzip(tar(COPYING, NAME.info,
    members)) streamed from the loose files."""
    nsigs = sum(m[3] for m in members)
    info = ["ClamAV-VDB:%s:%d:%d:%d:X:X:%s:%d" % (CVD_TIME, version, nsigs,
                                                  FLEVEL, builder, CVD_STIME)]
    info += ["%s:%d:%s" % (m, size, sha) for m, size, sha, _ in members]
    info = ("\n".join(info) + "\n").encode()
    with open(os.path.join(sdir, "COPYING"), "rb") as f:
        copying = f.read()
    with open(out + ".tmp", "wb") as f:
        f.write(b" " * 512)
        tee = _Tee(f)
        gz = gzip.GzipFile(filename="", mode="wb", compresslevel=GZ_LEVEL,
                           fileobj=tee, mtime=0)
        for name, data in (("COPYING", copying), (db + ".info", info)):
            gz.write(tar_header(name, len(data)) + data + pad(len(data)))
        for name, size, _, _ in members:
            gz.write(tar_header(name, size))
            with open(os.path.join(sdir, name), "rb") as src:
                while True:
                    b = src.read(8 << 20)
                    if not b:
                        break
                    gz.write(b)
            gz.write(pad(size))
        gz.close()
        head = "ClamAV-VDB:%s:%d:%d:%d:%s:X:%s:%d" % (
            CVD_TIME, version, nsigs, FLEVEL, tee.md5.hexdigest(), builder,
            CVD_STIME)
        f.seek(0)
        f.write(head.encode().ljust(512, b" "))
    os.rename(out + ".tmp", out)
    return nsigs


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(cadir, certs):
    """A test CA and a signing certificate it issued (t-clamav-sign.sh)."""
    os.makedirs(cadir, exist_ok=True)
    os.makedirs(certs, exist_ok=True)
    j = lambda x: os.path.join(cadir, x)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", j("ca.key"), "-out", j("ca.crt"),
            "-days", "3650", "-subj", "/CN=mdescan clamfull test CA")
    openssl("req", "-new", *ec, "-keyout", j("signer.key"), "-out",
            j("signer.csr"), "-subj", "/CN=mdescan clamfull signer")
    with open(j("ext"), "w") as f:
        f.write("keyUsage=critical,digitalSignature\n")
    openssl("x509", "-req", "-in", j("signer.csr"), "-CA", j("ca.crt"),
            "-CAkey", j("ca.key"), "-CAcreateserial", "-days", "3650",
            "-extfile", j("ext"), "-out", j("signer.crt"))
    shutil.copy(j("ca.crt"), os.path.join(certs, "test-ca.crt"))


def sign(cvd, out, cadir):
    """OUT: ClamAV 1.5's detached .sign of CVD, in sigtool's layout."""
    p7 = os.path.join(cadir, "p7.pem")
    openssl("cms", "-sign", "-binary", "-in", cvd, "-signer",
            os.path.join(cadir, "signer.crt"), "-inkey",
            os.path.join(cadir, "signer.key"), "-outform", "PEM", "-out", p7)
    with open(p7) as f:
        b64 = "".join(l.strip() for l in f if "-----" not in l)
    with open(out, "w") as f:
        f.write("#clamsign-1.0\n# made by tests/bench/clamfull.py\n"
                "220::pkcs7-pem:%s\n" % b64)


def build_cud(db, version, members, sdir, bdir, clamdb):
    """clamdb/NAME.cud by sigtool --build --unsigned; returns seconds."""
    wd = os.path.join(bdir, db)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    for m in [x[0] for x in members] + ["COPYING"]:
        os.link(os.path.join(sdir, m), os.path.join(wd, m))
    t0 = time.time()
    p = subprocess.run(["sigtool", "--build=%s.cud" % db, "--unsigned"],
                       cwd=wd, input=b"%d\nclamfull\n" % version,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    took = time.time() - t0
    with open(os.path.join(bdir, db + ".sigtool.log"), "wb") as f:
        f.write(p.stdout)
    if p.returncode or not os.path.exists(os.path.join(wd, db + ".cud")):
        sys.exit("clamfull: sigtool --build=%s.cud failed (exit %d), see %s"
                 % (db, p.returncode, os.path.join(bdir, db + ".sigtool.log")))
    os.rename(os.path.join(wd, db + ".cud"), os.path.join(clamdb, db + ".cud"))
    shutil.rmtree(wd)
    return took


def du(path):
    n = 0
    for dp, _, fn in os.walk(path):
        for x in fn:
            n += os.lstat(os.path.join(dp, x)).st_blocks * 512
    return n


def generate(cdir, bench_dir, seed, scale, clam_loose, force):
    stamp = os.path.join(cdir, ".stamp")
    want = params(seed, scale, clam_loose)
    # the bench signatures go into daily: their content is a parameter
    for f in sorted(set(BENCH_INTO.values())):
        with open(os.path.join(bench_dir, "sigs", f), "rb") as fh:
            want["sha256_" + f] = hashlib.sha256(fh.read()).hexdigest()
    if not force and os.path.exists(stamp):
        try:
            with open(stamp) as f:
                have = json.load(f)
            if have.get("params") == want:
                log("reusing %s (stamp matches; generated in %.0f s)"
                    % (cdir, have.get("gen_seconds", 0)))
                return have
        except (OSError, ValueError):
            pass
    os.makedirs(cdir, exist_ok=True)
    if os.path.exists(stamp):
        os.unlink(stamp)
    for sub in GENERATED:
        p = os.path.join(cdir, sub)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.unlink(p)
    t0 = time.time()
    steps = {}
    sdir, mdb, cdb = (os.path.join(cdir, x)
                      for x in ("sigs", "mdescan-db", "clam-db"))
    log("generating the signatures (seed %d, scale %g) into %s"
        % (seed, scale, sdir))
    man = write_sigs(sdir, bench_dir, seed, scale)
    steps["signatures"] = time.time() - t0
    t1 = time.time()
    make_ca(os.path.join(cdir, "ca"), os.path.join(cdir, "certs"))
    os.makedirs(mdb)
    counts = {}
    for db, version, builder, _ in DATABASES:
        cvd = os.path.join(mdb, db + ".cvd")
        counts[db] = write_cvd(cvd, db, version, builder, man[db], sdir)
        sign(cvd, os.path.join(mdb, "%s-%d.cvd.sign" % (db, version)),
             os.path.join(cdir, "ca"))
        log("  %s: %d signatures, %.1f MB, signed" %
            (os.path.basename(cvd), counts[db], os.path.getsize(cvd) / 1e6))
    steps["cvd+sign"] = time.time() - t1
    t1 = time.time()
    os.makedirs(cdb)
    if clam_loose:
        for db, _, _, _ in DATABASES:
            for m in man[db]:
                os.link(os.path.join(sdir, m[0]), os.path.join(cdb, m[0]))
        clam_form = "loose files"
    else:
        for db, version, _, _ in DATABASES:
            took = build_cud(db, version, man[db], sdir,
                             os.path.join(cdir, "build"), cdb)
            log("  %s.cud by sigtool: %.0f s, %.1f MB" % (
                db, took, os.path.getsize(os.path.join(cdb, db + ".cud")) / 1e6))
        clam_form = "sigtool --build --unsigned .cud"
    steps["clam-db"] = time.time() - t1
    open(os.path.join(cdir, "empty"), "w").close()
    info = {"params": want, "signatures": counts,
            "total": sum(counts.values()),
            "members": {db: [[m, s, n] for m, s, _, n in man[db]]
                        for db in man},
            "clam_form": clam_form,
            "gen_seconds": round(time.time() - t0, 1),
            "step_seconds": {k: round(v, 1) for k, v in steps.items()},
            "disk_bytes": du(cdir),
            "generated": datetime.datetime.now().isoformat(timespec="seconds")}
    with open(stamp + ".tmp", "w") as f:
        json.dump(info, f, indent=1)
    os.rename(stamp + ".tmp", stamp)
    log("generated in %.0f s (%s), %.2f GB in %s"
        % (info["gen_seconds"], ", ".join("%s %.0f s" % kv for kv in
                                          info["step_seconds"].items()),
           info["disk_bytes"] / 1e9, cdir))
    return info


# ------------------------------------------------------------------- runs

def la():
    return os.getloadavg()[0]


class Runner:
    def __init__(self, out):
        self.out = out
        self.res = {}
        self.fail = []

    def run(self, key, label, cmd, rcs, i, prep=None, server=None):
        """server: a daemon's pid, whose CPU time is added to the run's."""
        if prep:
            prep()
        o = os.path.join(self.out, "%s-%d" % (key, i))
        l0 = la()
        c0 = proc_cpu(server) if server else 0.0
        r = bench.run_timed(cmd, o + ".out", o + ".err")
        r["load_before"], r["load_after"] = l0, la()
        if server:
            r["server_cpu"] = proc_cpu(server) - c0
            r["cpu"] += r["server_cpu"]
        r["out"] = o + ".out"
        self.res.setdefault(key, []).append(r)
        print("  %-22s run %d: wall %7.2f s  cpu %7.2f s  rss %6.0f MB  "
              "exit %d  (load %.2f -> %.2f)" % (
                  label, i + 1, r["wall"], r["cpu"], r["rss_kb"] / 1024,
                  r["rc"], l0, r["load_after"]), flush=True)
        if r["rc"] not in rcs:
            self.fail.append("%s run %d: exit %d (see %s.err)"
                             % (label, i + 1, r["rc"], o))
        return r

    def med(self, key, what="wall"):
        v = self.res.get(key)
        return statistics.median(x[what] for x in v) if v else None

    def peak(self, key):
        v = self.res.get(key)
        return max(x["rss_kb"] for x in v) if v else None


def known_viruses(path):
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Known viruses:"):
                return int(line.split(":")[1])
    return None


def proc_cpu(pid):
    """user + system seconds of a process so far"""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def proc_mem(pid):
    m = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                m[k] = int(v.split()[0])
    return m


def ping(path):
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(path)
        s.sendall(b"zPING\0")
        ok = s.recv(16) == b"PONG\0"
        s.close()
        return ok
    except OSError:
        return False


def start_clamd(a, clamdb, work):
    conf = os.path.join(work, "clamd.conf")
    sock = os.path.join(work, "clamd.sock")
    with open(conf, "w") as f:
        f.write("LocalSocket %s\nFixStaleSocket yes\nForeground yes\n"
                "DatabaseDirectory %s\nLogFile %s/clamd.log\nLogTime yes\n"
                "TemporaryDirectory %s\nMaxThreads 2\nMaxQueue 200\n"
                "SelfCheck 0\nMaxConnectionQueueLength 200\n"
                % (sock, clamdb, work, work))
        if os.geteuid() == 0:
            f.write("User root\n")
    l0 = la()
    t0 = time.perf_counter()
    p = subprocess.Popen([a.clamd, "-c", conf], stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(work, "clamd.err"), "wb"))
    while True:
        if p.poll() is not None:
            return None, conf, "clamd exited with %d (see %s)" % (
                p.returncode, work)
        if os.path.exists(sock) and ping(sock):
            break
        if time.perf_counter() - t0 > 3600:
            p.kill()
            return None, conf, "clamd did not answer PING within an hour"
        time.sleep(0.1)
    took = time.perf_counter() - t0
    return (p, took, l0, la()), conf, None


def clamd_loaded(work):
    try:
        with open(os.path.join(work, "clamd.log"), errors="replace") as f:
            for line in f:
                if "Loaded " in line and "signatures" in line:
                    return int(line.split("Loaded ")[1].split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return None


def fresh_scan_cache(template, d):
    """d: the compiled definitions of template, no scan verdicts (LMDB's
    data.mdb and lock.mdb are the scan cache)."""
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for x in os.listdir(template):
        if x in ("data.mdb", "lock.mdb"):
            continue
        src = os.path.join(template, x)
        if os.path.isfile(src):
            shutil.copy2(src, os.path.join(d, x))


def cache_listing(d):
    try:
        return ", ".join("%s (%.1f MB)" % (x, os.path.getsize(
            os.path.join(d, x)) / 1e6) for x in sorted(os.listdir(d)))
    except OSError:
        return "-"


def main():
    ap = argparse.ArgumentParser(
        prog="tests/bench/clamfull.py",
        description="mdescan, clamscan and a warm clamd on a generated "
        "database shaped like ClamAV's official one (8.7 M signatures).",
        epilog="See the docstring and tests/bench/README.md for the "
        "signature mix and the commands timed.")
    ap.add_argument("--runs", type=int, default=3,
                    help="timed runs per measure, median reported (default 3)")
    ap.add_argument("--quick", action="store_true",
                    help="the clamscan and clamdscan corpus scans only once "
                    "(each takes minutes at this size)")
    ap.add_argument("--loads-only", action="store_true",
                    help="the loads and mdescan's corpus scan only: no "
                    "ClamAV corpus scans, no clamd (minutes, not an hour; "
                    "findings not compared)")
    ap.add_argument("--no-clamd", action="store_true",
                    help="leave out clamd")
    ap.add_argument("--bench-dir", default=os.environ.get(
        "BENCH_DIR", "/var/tmp/mdescan-bench"),
        help="data and results (default $BENCH_DIR or /var/tmp/mdescan-bench)")
    ap.add_argument("--mdescan", default=os.path.join(TOP, "src", "mdescan",
                                                      "mdescan"))
    ap.add_argument("--clamscan", default=shutil.which("clamscan") or
                    "/usr/bin/clamscan")
    ap.add_argument("--clamd", default=shutil.which("clamd") or
                    "/usr/sbin/clamd")
    ap.add_argument("--clamdscan", default=shutil.which("clamdscan") or
                    "/usr/bin/clamdscan")
    ap.add_argument("--regen", action="store_true",
                    help="rebuild the database even if the stamp matches")
    ap.add_argument("--gen-only", action="store_true",
                    help="only build (or check) the database")
    ap.add_argument("--clam-loose", action="store_true",
                    help="give clamscan and clamd the loose files instead "
                    "of sigtool's .cud")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every generated count (testing only)")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    need = ["openssl", "sigtool", a.clamscan, bench.GNU_TIME]
    if not a.no_clamd:
        need += [a.clamd, a.clamdscan]
    missing = [x for x in need if not shutil.which(x)]
    if missing or not os.path.exists(a.mdescan):
        print("clamfull: missing: %s" % " ".join(
            missing + ([] if os.path.exists(a.mdescan) else [a.mdescan])),
            file=sys.stderr)
        return 2

    if not os.path.isdir(os.path.join(a.bench_dir, "corpus")):
        log("no bench corpus in %s: building it (tests/bench/gen.py)"
            % a.bench_dir)
    gen.generate(a.bench_dir, gen.DEFAULT_SEED)
    with open(os.path.join(a.bench_dir, "expected.json")) as f:
        expected = {tuple(x) for x in json.load(f)["corpus"]}
    cdir = os.path.join(a.bench_dir, "clamfull")
    info = generate(cdir, a.bench_dir, a.seed, a.scale, a.clam_loose,
                    a.regen)
    if a.gen_only:
        return 0

    # the real path: clamdscan does not descend into a symlink given to it
    corpus = os.path.realpath(os.path.join(a.bench_dir, "corpus"))
    empty = os.path.join(cdir, "empty")
    mdb = os.path.join(cdir, "mdescan-db")
    cdb = os.path.join(cdir, "clam-db")
    certs = os.path.join(cdir, "certs")
    out = os.path.join(a.bench_dir, "results", "clamfull-" +
                       time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out)
    md, md_sha = bench.snapshot(a.mdescan, out, "mdescan")
    total = info["total"]
    print("clamfull: %d signatures (%s), mdescan: .cvd + .sign, clamscan "
          "and clamd: %s; generated in %.0f s, %.2f GB on disk"
          % (total, ", ".join("%s %d" % kv for kv in
                              info["signatures"].items()),
             info["clam_form"], info["gen_seconds"],
             info["disk_bytes"] / 1e9))
    print("mdescan %s (sha256 %s), %s; %d runs%s; results in %s"
          % (a.mdescan, md_sha[:16], subprocess.run(
              [a.clamscan, "--version"], stdout=subprocess.PIPE,
              text=True).stdout.strip(), a.runs,
             ", the ClamAV corpus scans once" if a.quick else "", out),
          flush=True)

    R = Runner(out)
    mdargs = [md, "--no-history", "--clamav-certs", certs, "-d", mdb]
    first = os.path.join(out, "cache-first")

    print("1. clamscan first load", flush=True)
    for i in range(a.runs):
        R.run("clam_load", "clamscan load", [a.clamscan, "-d", cdb, empty],
              (0,), i)
    kv = known_viruses(R.res["clam_load"][0]["out"])
    print("   clamscan: Known viruses: %s; generated: %d; not loaded: %s"
          % (kv, total, "?" if kv is None else total - kv))

    print("2. mdescan first load (empty cache directory each run)",
          flush=True)
    for i in range(a.runs):
        R.run("md_first", "mdescan first load",
              mdargs + ["--cache-dir", first, empty], (0,), i,
              prep=lambda: shutil.rmtree(first, ignore_errors=True))
    print("   cache directory: %s" % cache_listing(first))

    print("3. mdescan cached load (the cache directory kept)", flush=True)
    for i in range(a.runs):
        R.run("md_cached", "mdescan cached load",
              mdargs + ["--cache-dir", first, empty], (0,), i)

    print("4. clamscan corpus scan%s" % (" (skipped: --loads-only)"
                                         if a.loads_only else ""), flush=True)
    for i in range(0 if a.loads_only else 1 if a.quick else a.runs):
        R.run("clam_scan", "clamscan scan",
              [a.clamscan, "-r", "-i", "--no-summary", "-d", cdb, corpus],
              (0, 1), i)

    clamd_info = None
    if not a.no_clamd and not a.loads_only:
        print("5. warm clamd (MaxThreads 2)", flush=True)
        work = tempfile.mkdtemp(prefix="clamfull-clamd-")
        os.chmod(work, 0o755)
        started, conf, err = start_clamd(a, cdb, work)
        if err:
            R.fail.append(err)
            print("   " + err)
        else:
            p, took, l0, l1 = started
            mem = proc_mem(p.pid)
            loaded = clamd_loaded(work)
            clamd_info = {"load_s": took, "rss_kb": mem["VmRSS"],
                          "hwm_load_kb": mem["VmHWM"], "loaded": loaded}
            print("  clamd load (to PONG)      %7.2f s  VmRSS %6.0f MB  "
                  "VmHWM %6.0f MB  signatures %s  (load %.2f -> %.2f)"
                  % (took, mem["VmRSS"] / 1024, mem["VmHWM"] / 1024,
                     loaded, l0, l1), flush=True)
            try:
                for i in range(1 if a.quick else a.runs):
                    R.run("clamd_scan", "clamdscan --multiscan",
                          [a.clamdscan, "--multiscan", "--fdpass", "-i",
                           "--no-summary", "-c", conf, corpus], (0, 1), i,
                          server=p.pid)
                mem = proc_mem(p.pid)
                clamd_info["hwm_kb"] = mem["VmHWM"]
                clamd_info["rss_after_kb"] = mem["VmRSS"]
                print("   clamd after the scans: VmRSS %.0f MB, VmHWM %.0f MB"
                      % (mem["VmRSS"] / 1024, mem["VmHWM"] / 1024))
            finally:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            shutil.rmtree(work, ignore_errors=True)

    print("6. mdescan corpus scan (compiled definitions kept, no scan "
          "verdicts)", flush=True)
    scache = os.path.join(out, "cache-scan")
    for i in range(a.runs):
        R.run("md_scan", "mdescan scan",
              mdargs + ["--cache-dir", scache, "-i", corpus], (0, 1), i,
              prep=lambda: fresh_scan_cache(first, scache))
    shutil.rmtree(scache, ignore_errors=True)

    # ---------------------------------------------------------- findings
    print("7. findings", flush=True)
    fnd, ok = {}, True
    for key, label, clam in (("md_scan", "mdescan", False),
                             ("clam_scan", "clamscan", True),
                             ("clamd_scan", "clamd", True)):
        for r in R.res.get(key, []):
            f, junk = bench.parse_found_lines(r["out"], corpus, clam=clam)
            if label in fnd and f != fnd[label]:
                ok = False
                print("   %s: the runs disagree" % label)
            fnd.setdefault(label, f)
            if junk:
                print("   %s: %d other lines, first: %s"
                      % (label, len(junk), junk[0][:200]))
    ref = fnd.get("mdescan")
    for label, f in fnd.items():
        print("   %-8s %d findings%s" % (label, len(f), "" if f == expected
                                         else " (the planted set: %d; %d "
                                         "missing, %d extra)" % (
                                             len(expected),
                                             len(expected - f),
                                             len(f - expected))))
        if ref is not None and f != ref:
            ok = False
            for x in sorted(ref - f):
                print("     only mdescan:  %s: %s" % x)
            for x in sorted(f - ref):
                print("     only %-8s: %s: %s" % (label, x[0], x[1]))
    same = ok and len(fnd) > 1 and len({frozenset(f) for f in fnd.values()}) == 1
    print("   identical findings: %s" % ("yes" if same else "NO"))

    # ------------------------------------------------------------- table
    rows = []

    def row(name, value, unit, ratio=None, target=None, ge=True):
        if ratio is None:
            verdict, rtxt = "", ""
        else:
            good = ratio >= target if ge else ratio <= target
            verdict = "OK" if good else "MISS"
            rtxt = "%.3g %s %.3g" % (ratio, ">=" if ge else "<=", target)
        rows.append((name, "-" if value is None else
                     ("%.2f %s" % (value, unit)), rtxt, verdict))

    cl, mf, mc = R.med("clam_load"), R.med("md_first"), R.med("md_cached")
    cs, ms = R.med("clam_scan"), R.med("md_scan")
    ds = R.med("clamd_scan")
    row("clamscan first load", cl, "s")
    row("mdescan first load", mf, "s", mf / cl if cl and mf else None,
        TARGET_FIRST, ge=False)
    row("mdescan cached load", mc, "s", mc, TARGET_CACHED, ge=False)
    row("clamscan load peak RSS", (R.peak("clam_load") or 0) / 1024, "MB")
    row("mdescan load peak RSS", (max(R.peak("md_first") or 0,
                                      R.peak("md_cached") or 0)) / 1024, "MB")
    if clamd_info:
        row("clamd load (to PONG)", clamd_info["load_s"], "s")
        row("clamd RSS after load", clamd_info["rss_kb"] / 1024, "MB")
        row("clamd peak RSS (VmHWM)", clamd_info.get(
            "hwm_kb", clamd_info["hwm_load_kb"]) / 1024, "MB")
    # the target: the corpus scan as users run it (compiled definitions
    # cached); the first load (compiling them, once per update) as info
    mpeak = R.peak("md_scan") or 0
    fpeak = R.peak("md_first") or 0
    chwm = clamd_info and clamd_info.get("hwm_kb", clamd_info["hwm_load_kb"])
    row("mdescan peak RSS, corpus scan", mpeak / 1024, "MB",
        mpeak / chwm if chwm else None, TARGET_RSS, ge=False)
    if chwm:
        rows.append(("  first load / clamd's peak", "",
                     "%.3g (info)" % (fpeak / chwm), ""))
    row("clamscan corpus scan", cs, "s")
    if ds is not None:
        row("clamdscan --multiscan --fdpass", ds, "s")
    row("mdescan corpus scan", ms, "s", cs / ms if cs and ms else None,
        TARGET_CLAM)
    if ds is not None:
        rows.append(("clamd / mdescan corpus scan", "",
                     "%.3g >= %.3g" % (ds / ms, TARGET_CLAMD),
                     "OK" if ds / ms >= TARGET_CLAMD else "MISS"))
    if a.loads_only:
        rows.append(("identical findings", "-", "not compared "
                     "(--loads-only)", ""))
    else:
        rows.append(("identical findings", "%d each" % len(ref or ()),
                     "", "OK" if same else "MISS"))
    lines = ["", "%-32s %14s  %-18s %s" % ("measure (median)", "value",
                                             "ratio vs target", ""),
             "-" * 74]
    for r in rows:
        lines.append("%-32s %14s  %-18s %s" % r)
    lines.append("load average now: %.2f %.2f %.2f" % os.getloadavg())
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(out, "report.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"generation": info, "mdescan_sha256": md_sha,
                   "known_viruses": kv, "clamd": clamd_info,
                   "runs": {k: [{x: y for x, y in r.items() if x != "out"}
                                for r in v] for k, v in R.res.items()},
                   "identical_findings": same,
                   "findings": {k: sorted(v) for k, v in fnd.items()}},
                  f, indent=1)
    shutil.rmtree(first, ignore_errors=True)  # the compiled definitions
    for x in R.fail:
        print("clamfull: " + x)
    return 0 if (same or a.loads_only) and not R.fail else 1


if __name__ == "__main__":
    sys.exit(main())
