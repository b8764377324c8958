#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkmscomp.py szdd|kwaj OUT FILE [--method N] [--claim N] [--noname]
[--qbasic] - writes FILE compressed as Microsoft's SZDD (COMPRESS.EXE,
"SETUP.EX_") or KWAJ (its successor), from the formats as libmspack's
documentation describes them.  Debian's mscompress makes SZDD too; no
Debian tool makes KWAJ.

SZDD: LZSS (4 KiB window of spaces, matches of 3..18 bytes), with
--qbasic the QBasic variant ("SZ " magic).  KWAJ: --method 0 stored,
1 XOR 0xFF, 2 SZDD's LZSS, 4 MSZIP ("CK" and deflate, 32 KiB blocks);
the header holds the length and the name (8.3) unless --noname.
--claim N: the header declares N bytes (a hostile file; the data is what
it is).
"""
import os
import struct
import sys
import zlib


def lzss(data, start=4096 - 16):
    """SZDD's LZSS: a flag byte (bit set: literal) before each 8 items;
    a match is 12 bits of window position and 4 bits of length - 3.  The
    window starts at 4096 - 16 (QBasic's SZDD and KWAJ: 4096 - 18)."""
    win = bytearray(b" " * 4096)
    pos, i, out = start, 0, bytearray()
    while i < len(data):
        flags, items = 0, bytearray()
        for bit in range(8):
            if i >= len(data):
                break
            best, blen = 0, 0
            start = max(0, i - 4000)
            for j in range(start, i):
                n = 0
                while (n < 18 and i + n < len(data) and j + n < i and
                       data[j + n] == data[i + n]):
                    n += 1
                if n > blen:
                    best, blen = j, n
            if blen >= 3:
                wpos = (pos - (i - best)) & 4095
                items += bytes([wpos & 0xFF, (wpos >> 4 & 0xF0) | (blen - 3)])
                for k in range(blen):
                    win[pos] = data[i + k]
                    pos = (pos + 1) & 4095
                i += blen
            else:
                flags |= 1 << bit
                items.append(data[i])
                win[pos] = data[i]
                pos = (pos + 1) & 4095
                i += 1
        out.append(flags)
        out += items
    return bytes(out)


def mszip(data):
    """KWAJ's MSZIP: blocks of 32 KiB, each a 16-bit length, "CK" and a
    deflate stream (the previous block its dictionary); length 0 ends."""
    out, prev = bytearray(), b""
    for k in range(0, max(len(data), 1), 32768):
        chunk = data[k:k + 32768]
        c = (zlib.compressobj(9, zlib.DEFLATED, -15, zdict=prev) if prev
             else zlib.compressobj(9, zlib.DEFLATED, -15))
        block = b"CK" + c.compress(chunk) + c.flush()
        out += struct.pack("<H", len(block)) + block
        prev = chunk
    return bytes(out) + b"\0\0"


def szdd(data, claim, qbasic):
    n = len(data) if claim is None else claim
    if qbasic:
        return (b"SZ \x88\xf0\x27\x33\xd1" + struct.pack("<I", n) +
                lzss(data, 4096 - 18))
    head = b"SZDD\x88\xf0\x27\x33" + b"A" + b"\0" + struct.pack("<I", n)
    return head + lzss(data)


def kwaj(data, name, method, claim, noname):
    body = {0: lambda d: d, 1: lambda d: bytes(b ^ 0xFF for b in d),
            2: lambda d: lzss(d, 4096 - 18), 4: mszip}[method](data)
    flags, extra = 0x01, struct.pack("<I", len(data) if claim is None
                                     else claim)
    if not noname:
        base, ext = os.path.splitext(name)
        flags |= 0x08 | 0x10
        extra += base[:8].encode() + b"\0" + ext[1:4].encode() + b"\0"
    off = 14 + len(extra)
    return (b"KWAJ\x88\xf0\x27\xd1" + struct.pack("<HHH", method, off, flags)
            + extra + body)


def main(argv):
    kind, out, src = argv[1], argv[2], argv[3]
    method, claim, noname, qbasic = 4, None, False, False
    args = iter(argv[4:])
    for a in args:
        if a == "--method":
            method = int(next(args))
        elif a == "--claim":
            claim = int(next(args))
        elif a == "--noname":
            noname = True
        elif a == "--qbasic":
            qbasic = True
    with open(src, "rb") as fh:
        data = fh.read()
    if kind == "szdd":
        blob = szdd(data, claim, qbasic)
    else:
        blob = kwaj(data, os.path.basename(src), method, claim, noname)
    with open(out, "wb") as fo:
        fo.write(blob)


if __name__ == "__main__":
    main(sys.argv)
