#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkpe.py - write a small, valid Windows PE program, for carrier fixtures.

Usage: mkpe.py [options] OUTPUT

The program has a .text section of x86 code (calls, jumps and conditional
jumps between its own functions, so UPX's call filters have work to do),
a .data section and, with --rcdata/--resource, a .rsrc section; it
imports nothing, so that a packer that leaves the image as it was gives
back this very file.  Sections are 0x200-aligned in the file and
0x1000-aligned in memory; the overlay (--overlay) follows the last one.

Options:
  --pe64              PE32+ (x86-64) instead of PE32 (i386)
  --data FILE         the .data section's contents (default: 64 bytes)
  --rcdata FILE       an RT_RCDATA resource (ids 101, 102, ... in order)
  --resource TYPE:FILE  a resource of numeric TYPE (ids from 201)
  --overlay FILE      data appended after the sections
  --rsrc-loop N       a hostile resource directory: a root of N entries,
                      each a subdirectory that is the root again
"""
import struct
import sys

FALIGN, SALIGN = 0x200, 0x1000
HDR_SIZE = 0x400


def align(v, a):
    return (v + a - 1) // a * a


def code(size=0x600, seed=7):
    """Functions calling and jumping to one another: push ebp; mov ebp,
    esp; call f; test eax,eax; jz f; jmp f; pop ebp; ret; int3 padding."""
    nfun = size // 32
    starts = [i * 32 for i in range(nfun)]
    out = bytearray(b"\xcc" * size)
    x = seed
    for i, s in enumerate(starts):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        a, b, c = (starts[(x >> k) % nfun] for k in (3, 9, 17))
        f = bytearray(b"\x55\x89\xe5")
        f += b"\xe8" + struct.pack("<i", a - (s + len(f) + 5))
        f += b"\x85\xc0"
        f += b"\x0f\x84" + struct.pack("<i", b - (s + len(f) + 6))
        f += b"\xe9" + struct.pack("<i", c - (s + len(f) + 5))
        f += b"\x5d\xc3"
        out[s:s + len(f)] = f
    return bytes(out)


def rsrc(entries, va, loop=0):
    """A resource section at address va: entries are (type, id, data)."""
    if loop:
        d = struct.pack("<IIHHHH", 0, 0, 4, 0, 0, loop)
        for i in range(loop):
            d += struct.pack("<II", i + 1, 0x80000000)
        return d
    types = sorted({t for t, _, _ in entries})
    by_type = {t: [(i, d) for tt, i, d in entries if tt == t] for t in types}
    root = 16 + 8 * len(types)
    tdirs, off = {}, root
    for t in types:
        tdirs[t] = off
        off += 16 + 8 * len(by_type[t])
    ldirs = {}
    for t in types:
        for i, _ in by_type[t]:
            ldirs[(t, i)] = off
            off += 16 + 8
    dents = {}
    for t in types:
        for i, _ in by_type[t]:
            dents[(t, i)] = off
            off += 16
    blobs, boff = {}, align(off, 8)
    for t in types:
        for i, d in by_type[t]:
            blobs[(t, i)] = boff
            boff = align(boff + len(d), 8)
    out = bytearray(boff)
    struct.pack_into("<IIHHHH", out, 0, 0, 0, 4, 0, 0, len(types))
    for k, t in enumerate(types):
        struct.pack_into("<II", out, 16 + 8 * k, t, 0x80000000 | tdirs[t])
        struct.pack_into("<IIHHHH", out, tdirs[t], 0, 0, 4, 0, 0,
                         len(by_type[t]))
        for j, (i, d) in enumerate(by_type[t]):
            struct.pack_into("<II", out, tdirs[t] + 16 + 8 * j, i,
                             0x80000000 | ldirs[(t, i)])
            struct.pack_into("<IIHHHH", out, ldirs[(t, i)], 0, 0, 4, 0, 0, 1)
            struct.pack_into("<II", out, ldirs[(t, i)] + 16, 1033,
                             dents[(t, i)])
            struct.pack_into("<IIII", out, dents[(t, i)],
                             va + blobs[(t, i)], len(d), 0, 0)
            out[blobs[(t, i)]:blobs[(t, i)] + len(d)] = d
    return bytes(out)


def build(opt):
    pe64 = opt["pe64"]
    text = code()
    data = opt["data"]
    secs = [(b".text", text, 0x60000020), (b".data", data, 0xC0000040)]
    va = SALIGN
    layout = []
    for name, body, flags in secs:
        layout.append([name, body, flags, va])
        va += align(max(len(body), 1), SALIGN)
    if opt["res"] or opt["loop"]:
        body = rsrc(opt["res"], va, opt["loop"])
        layout.append([b".rsrc", body, 0x40000040, va])
        va += align(len(body), SALIGN)
    image_size = va
    optsz = 0xF0 if pe64 else 0xE0
    hdr = bytearray(HDR_SIZE)
    hdr[0:2] = b"MZ"
    struct.pack_into("<I", hdr, 0x3C, 0x80)
    hdr[0x40:0x40 + 39] = b"This program cannot be run in DOS mode."
    struct.pack_into("<4sHHIIIHH", hdr, 0x80, b"PE\0\0",
                     0x8664 if pe64 else 0x14C, len(layout), 0, 0, 0, optsz,
                     0x22 if pe64 else 0x102)
    o = 0x98
    struct.pack_into("<HBBIIIII", hdr, o, 0x20B if pe64 else 0x10B, 14, 0,
                     align(len(text), FALIGN),
                     align(len(data), FALIGN), 0, SALIGN, SALIGN)
    if pe64:
        struct.pack_into("<Q", hdr, o + 24, 0x140000000)
        p = o + 32
    else:
        struct.pack_into("<II", hdr, o + 24, layout[1][3], 0x400000)
        p = o + 32
    struct.pack_into("<IIHHHHHHIIIIHH", hdr, p, SALIGN, FALIGN, 6, 0, 0, 0,
                     6, 0, 0, image_size, HDR_SIZE, 0, 3, 0x8140 & 0)
    p += 40
    sizes = (0x100000, 0x1000, 0x100000, 0x1000)
    if pe64:
        struct.pack_into("<QQQQ", hdr, p, *sizes)
        p += 32
    else:
        struct.pack_into("<IIII", hdr, p, *sizes)
        p += 16
    struct.pack_into("<II", hdr, p, 0, 16)
    dirs = p + 8
    s = 0x98 + optsz
    raw = HDR_SIZE
    body_out = bytearray()
    for name, body, flags, sva in layout:
        rsz = align(len(body), FALIGN)
        struct.pack_into("<8sIIIIIIHHI", hdr, s, name, len(body), sva, rsz,
                         raw, 0, 0, 0, 0, flags)
        if name == b".rsrc":
            struct.pack_into("<II", hdr, dirs + 8 * 2, sva, len(body))
        body_out += body + bytes(rsz - len(body))
        raw += rsz
        s += 40
    return bytes(hdr) + bytes(body_out) + opt["overlay"]


def main(argv):
    opt = {"pe64": False, "data": bytes(range(64)), "res": [],
           "overlay": b"", "loop": 0}
    args, i, nrc, nres = [], 0, 101, 201
    while i < len(argv):
        a = argv[i]
        if a == "--pe64":
            opt["pe64"] = True
        elif a in ("--data", "--rcdata", "--resource", "--overlay",
                   "--rsrc-loop") and i + 1 < len(argv):
            v = argv[i + 1]
            i += 1
            if a == "--rsrc-loop":
                opt["loop"] = int(v)
            elif a == "--resource":
                t, _, f = v.partition(":")
                opt["res"].append((int(t), nres, open(f, "rb").read()))
                nres += 1
            elif a == "--rcdata":
                opt["res"].append((10, nrc, open(v, "rb").read()))
                nrc += 1
            else:
                opt[a[2:]] = open(v, "rb").read()
        elif a.startswith("--"):
            sys.exit(__doc__.split("\n\n")[1])
        else:
            args.append(a)
        i += 1
    if len(args) != 1:
        sys.exit(__doc__.split("\n\n")[1])
    with open(args[0], "wb") as f:
        f.write(build(opt))


if __name__ == "__main__":
    main(sys.argv[1:])
