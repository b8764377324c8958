#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkcvd.py - builds ClamAV database containers (.cvd .cld .cud) for the
tests, in sigtool's layout: a 512-byte header padded with spaces, then a
tar (old-style headers, COPYING and the .info first, no end blocks),
gzip-compressed unless --plain.  Options damage the manifest on purpose.

    mkcvd.py OUT [--type cvd|cld|cud] [--plain] [--version N] [--sigs N]
             [--unlisted NAME] [--phantom NAME] [--bad-size NAME]
             [--bad-sha NAME] [--extra NAME] [--dsig SIG]
             [--head-dsig SIG] [--cuts] FILE...

--cuts prints the offsets worth cutting at, one a line: each header field
boundary and, for a plain tar, each tar block boundary.
"""
import argparse
import gzip
import hashlib
import os
import sys

TIME = "07 Dec 2026 03-25 +0000"
STIME = 1796613936


def tar_member(name, data):
    """One member as sigtool writes it; returns header + padded data."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    size = b"%o" % len(data)
    h[124:124 + len(size)] = size
    h[156:157] = b"0"
    h[148:156] = b" " * 8
    s = b"%06o" % sum(h)
    h[148:156] = s + b"\0\0"
    return bytes(h) + data + b"\0" * ((512 - len(data) % 512) % 512)


def info(members, a, version, sigs):
    """The .info: header line, name:size:sha256 lines (as a says)."""
    lines = ["ClamAV-VDB:%s:%d:%d:216:X:X:tester:%d" % (TIME, version, sigs,
                                                       STIME)]
    listed = list(members)
    if a.phantom:
        listed.append((a.phantom, b"gone\n"))
    for name, data in listed:
        if name == a.unlisted:
            continue
        size = len(data) + (1 if name == a.bad_size else 0)
        sha = hashlib.sha256(data + (b"x" if name == a.bad_sha else b""))
        lines.append("%s:%d:%s" % (name, size, sha.hexdigest()))
    if a.dsig:
        lines.append("DSIG:" + a.dsig)
    return ("\n".join(lines) + "\n").encode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("files", nargs="+")
    p.add_argument("--type", default="cvd", choices=["cvd", "cld", "cud"])
    p.add_argument("--plain", action="store_true")
    p.add_argument("--version", type=int, default=7)
    p.add_argument("--sigs", type=int)
    for o in ("unlisted", "phantom", "bad-size", "bad-sha", "extra"):
        p.add_argument("--" + o)
    p.add_argument("--cuts", action="store_true")
    # signatures in ClamAV's digits, made by no key: for refusals only
    p.add_argument("--dsig", help="the .info's DSIG value")
    p.add_argument("--head-dsig", default="X", help="the header's")
    a = p.parse_args()
    members = [(os.path.basename(f), open(f, "rb").read()) for f in a.files]
    sigs = a.sigs if a.sigs is not None else sum(
        d.count(b"\n") for _, d in members)
    base = os.path.splitext(os.path.basename(a.out))[0]
    tar = tar_member("COPYING", b"test copying\n")
    tar += tar_member(base + ".info", info(members, a, a.version, sigs))
    for name, data in members:
        tar += tar_member(name, data)
    if a.extra:
        tar += tar_member(a.extra, b"Extra.Sig:0:*:4142\n")
    body = tar if a.plain else gzip.compress(tar, mtime=0)
    md5 = "X" if a.type == "cld" else hashlib.md5(body).hexdigest()
    head = "ClamAV-VDB:%s:%d:%d:216:%s:%s:tester:%d" % (
        TIME, a.version, sigs, md5, a.head_dsig, STIME)
    with open(a.out, "wb") as f:
        f.write(head.encode().ljust(512, b" ") + body)
    if a.cuts:
        cuts = [i for i, c in enumerate(head) if c == ":"] + [len(head), 512]
        if a.plain:
            cuts += [512 + k for k in range(512, len(tar), 512)]
        else:
            cuts += [512 + 10, 512 + len(body) // 2, 512 + len(body) - 8]
        print("\n".join(str(c) for c in sorted(set(cuts))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
