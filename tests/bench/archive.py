#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Archive benchmark (python3 standard library only): mdescan vs clamscan
with archive unpacking on, on real Debian packages plus planted samples.

Corpus (made once, kept in --work):
  debs/    `apt-get download` of the fixed PACKAGES list below (the machine
           needs apt sources; nothing else is fetched)
  plant/   samples made here with the EICAR test string inside: tar.gz,
           zip, a jar in a tar.gz, a .deb with it deep in data.tar.xz,
           .bz2, .xz, an .eml with a base64 attachment, and one clean file
Signatures: one .hdb file (EICAR's MD5, as ClamAV writes it) given to both
tools with -d, so both look for exactly the same thing.

Two corpora: the .deb files themselves, and the data.tar.xz taken out of
each (clamscan has no ar reader, so it scans .deb files as bytes and only
the second corpus gives it the same unpacking work).  On each, runs
mdescan -j 2 (no scan cache) and -j 1 N times and clamscan once (it is
single-threaded and slow), prints medians, the ratio clamscan / mdescan
(target >= 3 where both unpack), bytes unpacked per second (from mdescan's
JSON summary), peak RSS, and whether both found the same planted files.

  tests/bench/archive.py [--work DIR] [--runs N] [--mdescan PATH]
"""
import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import zipfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
PACKAGES = [
    "libllvm14", "gcc-12", "cpp-12", "libicu72", "git", "vim-runtime",
    "perl-modules-5.36", "libpython3.11-stdlib", "binutils-x86-64-linux-gnu",
    "libstdc++-12-dev", "coreutils", "bash", "systemd", "openssl", "libssl3",
    "libc6", "libc6-dev", "python3.11-minimal", "libperl5.36", "tzdata",
    "manpages", "manpages-dev", "locales", "ca-certificates",
    "libgcc-12-dev", "libasan8", "libubsan1", "libtsan2", "util-linux",
    "libsqlite3-0", "libxml2", "curl", "libcurl4", "openssh-client",
    "libglib2.0-0", "libgnutls30", "libkrb5-3", "e2fsprogs", "iproute2",
    "tar",
]
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" +
         b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"


def tar_bytes(members, mode="w:gz"):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode=mode) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()


def zip_bytes(members):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return bio.getvalue()


def ar_bytes(members):
    out = [b"!<arch>\n"]
    for name, data in members:
        hdr = b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (
            name.encode(), 1700000000, 0, 0, b"100644", len(data))
        out.append(hdr + data + (b"\n" if len(data) % 2 else b""))
    return b"".join(out)


def make_plant(d):
    import bz2
    import lzma
    import base64
    os.makedirs(d, exist_ok=True)
    filler = os.urandom(20000)
    samples = {
        "eicar.tar.gz": tar_bytes([("docs/readme.txt", b"hello\n"),
                                   ("docs/eicar.com", EICAR)]),
        "eicar.zip": zip_bytes([("a/eicar.txt", EICAR),
                                ("b/filler.bin", filler)]),
        "webapp.tar.gz": tar_bytes([("webapps/app.war", zip_bytes([
            ("WEB-INF/lib/x.jar", zip_bytes([("x/Evil.class", EICAR)]))]))]),
        "trojan.deb": ar_bytes([
            ("debian-binary", b"2.0\n"),
            ("control.tar.xz", tar_bytes([("./control", b"Package: x\n")],
                                         "w:xz")),
            ("data.tar.xz", tar_bytes([("./usr/bin/x", filler),
                                       ("./usr/share/x/eicar", EICAR)],
                                      "w:xz"))]),
        "eicar.txt.bz2": bz2.compress(EICAR),
        "eicar.txt.xz": lzma.compress(EICAR),
        "mail.eml": (b"From: a@example.org\nTo: b@example.org\n"
                     b"Subject: invoice\nMIME-Version: 1.0\n"
                     b"Content-Type: multipart/mixed; boundary=XX\n\n"
                     b"--XX\nContent-Type: text/plain\n\nsee attached\n"
                     b"--XX\nContent-Type: application/octet-stream\n"
                     b"Content-Disposition: attachment; filename=e.com\n"
                     b"Content-Transfer-Encoding: base64\n\n" +
                     base64.encodebytes(EICAR) + b"--XX--\n"),
        "clean.tar.gz": tar_bytes([("x/readme", b"nothing here\n" * 100)]),
    }
    for name, data in samples.items():
        with open(os.path.join(d, name), "wb") as h:
            h.write(data)
    return {n for n in samples if n != "clean.tar.gz"}


def download(d):
    os.makedirs(d, exist_ok=True)
    if any(f.endswith(".deb") for f in os.listdir(d)):
        return
    print("downloading %d packages into %s ..." % (len(PACKAGES), d))
    rc = subprocess.call(["apt-get", "download"] + PACKAGES, cwd=d)
    if rc != 0 or not any(f.endswith(".deb") for f in os.listdir(d)):
        sys.exit("archive.py: apt-get download failed (needs apt sources "
                 "and the Debian mirror)")


def timed(cmd, out):
    tf = out + ".time"
    with open(out, "wb") as o:
        t0 = time.monotonic()
        rc = subprocess.call(["/usr/bin/time", "-o", tf, "-f", "%e %U %S %M"]
                             + cmd, stdout=o, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - t0
    last = open(tf).read().strip().splitlines()[-1].split()
    return {"wall": wall, "cpu": float(last[1]) + float(last[2]),
            "rss": int(last[3]), "rc": rc, "out": out}


def mde_found(out):
    found, summary = set(), {}
    with open(out) as h:
        for line in h:
            j = json.loads(line)
            if j["type"] == "finding" and not j.get("audit"):
                found.add(os.path.basename(j["path"]))
            elif j["type"] == "summary":
                summary = j
    return found, summary


def clam_found(out):
    found = set()
    with open(out, errors="replace") as h:
        for line in h:
            if line.rstrip().endswith(" FOUND"):
                found.add(os.path.basename(line.split(": ")[0]))
    return found


def extract_data_tars(debs, dst):
    """data.tar.* of every .deb (ar members), for the equal-work corpus."""
    os.makedirs(dst, exist_ok=True)
    for f in sorted(os.listdir(debs)):
        if not f.endswith(".deb"):
            continue
        with open(os.path.join(debs, f), "rb") as h:
            b = h.read()
        off = 8
        while off + 60 <= len(b):
            name = b[off:off + 16].decode().strip().rstrip("/")
            size = int(b[off + 48:off + 58])
            if name.startswith("data.tar"):
                out = os.path.join(dst, f[:-4] + "." + name)
                if not os.path.exists(out):
                    with open(out, "wb") as o:
                        o.write(b[off + 60:off + 60 + size])
            off += 60 + size + (size & 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default="/var/tmp/mdescan-archive")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mdescan", default=os.path.join(TOP, "src", "mdescan", "mdescan"))
    a = ap.parse_args()
    debs, xz, plant, sigs = (os.path.join(a.work, x)
                             for x in ("debs", "xz", "plant", "sigs"))
    download(debs)
    extract_data_tars(debs, xz)
    planted = make_plant(plant)
    os.makedirs(sigs, exist_ok=True)
    with open(os.path.join(sigs, "bench.hdb"), "w") as h:
        h.write("%s:68:Bench.EICAR\n" % EICAR_MD5)
    ok = True
    for label, tree in ((".deb packages", debs),
                        ("their data.tar.xz", xz)):
        size = sum(os.path.getsize(os.path.join(r, f))
                   for t in (tree, plant) for r, _, fs in os.walk(t)
                   for f in fs)
        print("\n== corpus: %d %s + %d planted samples, %.1f MB packed" % (
            len(os.listdir(tree)), label, len(os.listdir(plant)),
            size / 1e6))
        ok &= run_corpus(a, label, tree, plant, sigs, planted)
    return 0 if ok else 1


def run_corpus(a, label, tree, plant, sigs, planted):
    tag = "deb" if label.startswith(".deb") else "xz"
    res = {"mdescan -j 2": [], "mdescan -j 1": [], "clamscan": []}
    summaries = []
    for i in range(a.runs):
        for j in ("2", "1"):
            r = timed([a.mdescan, "--no-cache", "-j", j, "--json", "-d",
                       sigs, tree, plant],
                      os.path.join(a.work, "%s-mde%s.%d.out" % (tag, j, i)))
            res["mdescan -j " + j].append(r)
            if j == "2":
                summaries.append(mde_found(r["out"]))
    if shutil.which("clamscan"):
        res["clamscan"].append(timed(
            ["clamscan", "-r", "-i", "--no-summary", "-d", sigs, tree, plant],
            os.path.join(a.work, "%s-clamscan.out" % tag)))
    else:
        print("clamscan not installed (apt-get install clamav)")

    def med(k, f="wall"):
        v = [r[f] for r in res[k]]
        return statistics.median(v) if v else None

    print("%-16s %10s %10s %10s" % ("", "wall (s)", "CPU (s)", "RSS (MB)"))
    for k in res:
        if res[k]:
            print("%-16s %10.2f %10.2f %10.1f" % (
                k, med(k), med(k, "cpu"),
                max(r["rss"] for r in res[k]) / 1024))
    found, summ = summaries[-1]
    unpacked = statistics.median(s["unpacked"] for _, s in summaries)
    print("mdescan -j 2: %d members, %.1f MB unpacked, %.0f MB/s unpacked"
          % (summ["members"], unpacked / 1e6,
             unpacked / 1e6 / med("mdescan -j 2")))
    ok = True
    if res["clamscan"]:
        ratio = med("clamscan") / med("mdescan -j 2")
        cf = clam_found(res["clamscan"][0]["out"])
        print("clamscan / mdescan -j 2 (wall): %.2fx;  clamscan / mdescan "
              "-j 1: %.2fx" % (ratio, med("clamscan") / med("mdescan -j 1")))
        print("planted: %d; mdescan found %d, clamscan found %d" % (
            len(planted), len(found & planted), len(cf & planted)))
        if cf - found:
            print("found by clamscan only: %s" % sorted(cf - found))
            ok = False
        if found - cf:
            print("found by mdescan only: %s" % sorted(found - cf))
        if tag == "deb" and "trojan.deb" not in cf:
            print("clamscan does not open ar archives (.deb): it scans the "
                  "packages as bytes, which is why it is quick here and "
                  "misses trojan.deb; the equal-work comparison is the "
                  "data.tar.xz corpus below")
        else:
            print("target >= 3x: %s" % ("ok" if ratio >= 3 else "MISSED"))
            ok = ok and ratio >= 3
    if planted - found:
        print("planted samples mdescan missed: %s" % sorted(planted - found))
        ok = False
    return ok


if __name__ == "__main__":
    sys.exit(main())
