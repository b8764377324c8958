#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkupx_pe.py - pack a real PE program the way UPX packs it (win32/pe,
win64/pe), for mdescan's UPX tests: there is no upx(1) in Debian 12.

Usage: mkupx_pe.py [options] INPUT OUTPUT

The layout is UPX's (pefile.cpp, pack0): the image from its first section
on, followed by UPX's extra-info trailer (the original PE header, its
section table, the trailer's own offset), the code section run through
the x86 call filter, compressed as one stream (NRV2B/2D/2E as mkupx.py
writes them, or LZMA: UPX's two property bytes, then raw LZMA1); sections
UPX0 (no raw data), UPX1 (the stream, then a stand-in loader) and UPX2;
the PackHeader (format 9 for PE32, 36 for PE32+) right before UPX1's raw
data, or at its start with --ph-in-section (UPX splits it so when the
header has no room); the input's stub and overlay copied.  Imports,
relocations and resources stay in the image as they were (UPX moves
them), so "upx -d" of the output (mdescan's unpacker) gives INPUT back
byte for byte when INPUT has none, as tests/carriers/mkpe.py's programs
do.  The output does not run.

Options:
  --method N          2..10 (NRV), 14 (LZMA); default 8 (NRV2E LE32)
  --filter ID         x86 filter (hex: 26, 46, 49 ...) over the code
                      section, as UPX does; default none
  --ph-in-section     the PackHeader at the start of UPX1's raw data
  --claim-ulen N      a hostile PackHeader: this unpacked size
"""
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkupx  # noqa: E402

M_LZMA = mkupx.M_LZMA
F_W32PE, F_W64PEP = 9, 36


def align(v, a):
    return (v + a - 1) // a * a


def parse(d):
    off = struct.unpack_from("<I", d, 0x3C)[0]
    if d[:2] != b"MZ" or d[off:off + 4] != b"PE\0\0":
        sys.exit("mkupx_pe: not a PE file")
    nsect, optsz = struct.unpack_from("<H", d, off + 6)[0], \
        struct.unpack_from("<H", d, off + 20)[0]
    magic = struct.unpack_from("<H", d, off + 24)[0]
    hsize = 264 if magic == 0x20B else 248
    if optsz != hsize - 24:
        sys.exit("mkupx_pe: unusual optional header size")
    secs = []
    for i in range(nsect):
        s = off + hsize + 40 * i
        vsize, va, rsize, raw = struct.unpack_from("<IIII", d, s + 8)
        secs.append((va, vsize, rsize, raw))
    return off, hsize, secs


def image(d, off, hsize, secs):
    """The image as UPX loads it (min(raw size, virtual size) bytes of
    each section at its address), from the first section to newvsize,
    with the trailer."""
    oalign = struct.unpack_from("<I", d, off + 24 + 32)[0]
    last = secs[-1]
    newvsize = align(last[0] + last[1], oalign)
    img = bytearray(newvsize)
    for va, vsize, rsize, raw in secs:
        n = min(rsize, vsize)
        img[va:va + n] = d[raw:raw + n]
    rvamin = secs[0][0]
    u = bytearray(img[rvamin:])
    extra = len(u)
    u += d[off:off + hsize + 40 * len(secs)]
    u += struct.pack("<I", extra)
    return bytes(u), rvamin


def pack(d, opt):
    off, hsize, secs = parse(d)
    pe64 = hsize == 264
    u, rvamin = image(d, off, hsize, secs)
    fid, cto = opt["filter"], 0
    if fid:
        codesize, codebase = struct.unpack_from("<I", d, off + 28)[0], \
            struct.unpack_from("<I", d, off + 44)[0]
        lo = codebase - rvamin
        r = mkupx.apply_filter(u[lo:lo + codesize], fid, lo)
        if r is None:
            sys.exit("mkupx_pe: filter 0x%x refused this input" % fid)
        u = u[:lo] + r[0] + u[lo + codesize:]
        cto = r[1]
    comp = mkupx.compress(u, opt["method"])
    ulen = opt["claim_ulen"] or len(u)
    ph = mkupx.pack_header(14, F_W64PEP if pe64 else F_W32PE, opt["method"],
                           mkupx.adler32(u), mkupx.adler32(comp), ulen,
                           len(comp), len(d), fid, cto)
    ident = mkupx.VERSION_STR + b"\0" + ph
    return layout(d, off, hsize, secs, rvamin, len(u), comp, ident, opt)


def layout(d, off, hsize, secs, rvamin, ulen, comp, ident, opt):
    falign, salign = 0x200, 0x1000
    hdr_end = off + hsize + 3 * 40
    if opt["ph_in_section"]:
        upx1_raw = align(hdr_end, falign)
        head = ident
    else:
        upx1_raw = align(hdr_end + len(ident), falign)
        head = b""
    loader = mkupx.loader_bytes(b"MKUPX-PE-LOADER\0")
    upx1 = head + comp + loader
    entry_off = len(head) + len(comp)
    upx1 += bytes(-len(upx1) % falign)
    newvsize = align(rvamin + ulen, salign)
    s1addr = max(align(newvsize - len(upx1), salign), rvamin + salign)
    upx1_vsize = align(len(upx1), salign)
    upx2_va = s1addr + upx1_vsize
    upx2 = mkupx.PE_KERNEL32 + bytes(-len(mkupx.PE_KERNEL32) % falign)
    upx2_raw = upx1_raw + len(upx1)
    last = max(s[3] + s[2] for s in secs)
    overlay = d[align(last, falign):]

    hdr = bytearray(d[:off + hsize]) + bytes(upx1_raw - off - hsize)
    struct.pack_into("<H", hdr, off + 6, 3)
    struct.pack_into("<I", hdr, off + 24 + 16, s1addr + entry_off)
    struct.pack_into("<I", hdr, off + 24 + 56, upx2_va + salign)
    struct.pack_into("<I", hdr, off + 24 + 60, upx1_raw)
    struct.pack_into("<I", hdr, off + 24 + 64, 0)  # checksum
    ddirs = off + 24 + (112 if hsize == 264 else 96)
    hdr[ddirs:ddirs + 128] = bytes(128)
    s = off + hsize
    for name, vsize, va, rsize, rptr, flags in (
            (b"UPX0", s1addr - rvamin, rvamin, 0, upx1_raw, 0xE0000080),
            (b"UPX1", upx1_vsize, s1addr, len(upx1), upx1_raw, 0xE0000040),
            (b"UPX2", salign, upx2_va, len(upx2), upx2_raw, 0xC0000040)):
        struct.pack_into("<8sIIIIIIHHI", hdr, s, name, vsize, va, rsize,
                         rptr, 0, 0, 0, 0, flags)
        s += 40
    if not opt["ph_in_section"]:
        assert s <= upx1_raw - len(ident)
        hdr[upx1_raw - len(ident):upx1_raw] = ident
    return bytes(hdr) + upx1 + upx2 + overlay


def main(argv):
    opt = {"method": 8, "filter": 0, "ph_in_section": False,
           "claim_ulen": 0}
    args, i = [], 0
    while i < len(argv):
        a = argv[i]
        if a == "--ph-in-section":
            opt["ph_in_section"] = True
        elif a in ("--method", "--filter", "--claim-ulen") and \
                i + 1 < len(argv):
            opt[a[2:].replace("-", "_")] = int(argv[i + 1],
                                               16 if a == "--filter" else 0)
            i += 1
        elif a.startswith("--"):
            sys.exit(__doc__.split("\n\n")[1])
        else:
            args.append(a)
        i += 1
    if len(args) != 2 or opt["method"] not in list(mkupx.METHODS) + [M_LZMA]:
        sys.exit(__doc__.split("\n\n")[1])
    with open(args[0], "rb") as f:
        d = f.read()
    out = pack(d, opt)
    with open(args[1], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main(sys.argv[1:])
