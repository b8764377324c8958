#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkarch.py - archive and container fixtures for tests/cli/t-archive*.sh.

    mkarch.py formats OUTDIR PAYLOAD_FILE
    mkarch.py clean   OUTDIR
    mkarch.py hostile OUTDIR PAYLOAD_FILE

`formats` writes one fixture per container format into OUTDIR; each holds
the bytes of PAYLOAD_FILE as one member (and, where the format allows, a
clean member next to it).  One line per fixture on stdout:

    FILENAME<TAB>CHAIN[<TAB>KIND]

FILENAME is relative to OUTDIR, CHAIN the member chain the scanner must
report (member names as stored, joined by "//", outermost first), KIND is
"found" (the default, left out) or "encrypted" (the member must be reported
as SKIPPED (encrypted), not scanned).

`clean` writes a few containers without the payload (FILENAME lines only).

`hostile` writes archive bombs, deep nesting, a container with 100,000
members, truncated copies of every `formats` fixture, hostile member names
and limit fixtures (FILENAME<TAB>what lines).  It needs PAYLOAD_FILE too:
the payload sits deep inside the nested fixtures, after the cut of the
truncated ones, in the hostile names, ...

Python 3 standard library only: every format is crafted byte by byte here
(no 7z, rar, zstd, lz4, compress, genisoimage, xar, lha, cabextract or rpm
tool is needed).  Output is deterministic: fixed times, no randomness
beyond a seeded generator.  The payload never appears at offset 0 of a
fixture, so a fixture never matches as a whole file.
"""

import bz2
import gzip
import hashlib
import io
import lzma
import os
import random
import struct
import sys
import tarfile
import time
import zlib

MTIME = 1700000000          # 2023-11-14 22:13:20 UTC, every member's mtime
README = b"This is a clean readme file, nothing to see here.\n"
CLEAN_TEXT = b"Just a harmless note.\n"


def u16le(v):
    return struct.pack("<H", v)


def u32le(v):
    return struct.pack("<I", v)


def u64le(v):
    return struct.pack("<Q", v)


def crc32(data, value=0):
    return zlib.crc32(data, value) & 0xFFFFFFFF


# ----------------------------------------------------------------- CRC tools

def _gf2_times(mat, vec):
    s = 0
    i = 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def _gf2_square(mat):
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1, crc2, len2):
    """zlib's crc32_combine: the CRC of A+B from crc(A), crc(B), len(B)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)      # 2 zero bits
    odd = _gf2_square(even)      # 4 zero bits
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def crc32_zeros(n):
    """CRC32 of n zero bytes, without touching n bytes."""
    block = 1 << 20
    cblock = crc32(bytes(block))
    crc = crc32(bytes(n % block))
    k = n // block
    # doubling: crc of (2^i blocks)
    pw_crc, pw_len = cblock, block
    while k:
        if k & 1:
            crc = crc32_combine(crc, pw_crc, pw_len)
        pw_crc = crc32_combine(pw_crc, pw_crc, pw_len)
        pw_len *= 2
        k >>= 1
    return crc


def crc16_arc(data, crc=0):
    """CRC-16/ARC (poly 0xA001 reflected), as LHA uses."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def xxh32(data, seed=0):
    P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    M = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & M

    def rnd(acc, lane):
        acc = (acc + lane * P2) & M
        return (rotl(acc, 13) * P1) & M

    n = len(data)
    i = 0
    if n >= 16:
        v1 = (seed + P1 + P2) & M
        v2 = (seed + P2) & M
        v3 = seed & M
        v4 = (seed - P1) & M
        while i + 16 <= n:
            a, b, c, d = struct.unpack_from("<4I", data, i)
            v1, v2, v3, v4 = rnd(v1, a), rnd(v2, b), rnd(v3, c), rnd(v4, d)
            i += 16
        h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 4 <= n:
        h = (h + struct.unpack_from("<I", data, i)[0] * P3) & M
        h = (rotl(h, 17) * P4) & M
        i += 4
    while i < n:
        h = (h + data[i] * P5) & M
        h = (rotl(h, 11) * P1) & M
        i += 1
    h ^= h >> 15
    h = (h * P2) & M
    h ^= h >> 13
    h = (h * P3) & M
    h ^= h >> 16
    return h


def dos_datetime(t=MTIME):
    tm = time.gmtime(t)
    date = ((tm.tm_year - 1980) << 9) | (tm.tm_mon << 5) | tm.tm_mday
    tim = (tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec // 2)
    return date, tim


def raw_deflate(data, level=9):
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def zero_deflate(n):
    """Raw deflate stream of n zero bytes (n a multiple of 1 MiB, >= 2 MiB),
    built from one compressed MiB repeated: Z_FULL_FLUSH resets the
    compressor, so every full MiB compresses to the same bytes."""
    mib = 1 << 20
    assert n % mib == 0 and n >= 2 * mib
    z = bytes(mib)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(z) + co.flush(zlib.Z_FULL_FLUSH)
    mid = co.compress(z) + co.flush(zlib.Z_FULL_FLUSH)
    last = co.compress(z) + co.flush(zlib.Z_FINISH)
    return first + mid * (n // mib - 2) + last


# ----------------------------------------------------------------- tar

def _oct(v, width):
    return (b"%0*o" % (width - 1, v)) + b"\0"


def tar_header(name, size=0, typeflag=b"0", fmt="ustar", mode=0o644,
               prefix=b"", linkname=b""):
    if isinstance(name, str):
        name = name.encode()
    assert len(name) <= 100, name
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = _oct(mode, 8)
    h[108:116] = _oct(0, 8)
    h[116:124] = _oct(0, 8)
    h[124:136] = _oct(size, 12)
    h[136:148] = _oct(MTIME, 12)
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname
    if fmt == "ustar":
        h[257:265] = b"ustar\x0000"
    elif fmt == "gnu":
        h[257:265] = b"ustar  \x00"
    if fmt in ("ustar", "gnu"):
        h[265:269] = b"root"
        h[297:301] = b"root"
        h[329:337] = _oct(0, 8)
        h[337:345] = _oct(0, 8)
        h[345:345 + len(prefix)] = prefix
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def _tar_pad(data):
    return data + bytes(-len(data) % 512)


def tar_build(entries, fmt="ustar"):
    """entries: (name, data) pairs, data None for a directory."""
    out = []
    for name, data in entries:
        if isinstance(name, str):
            name = name.encode()
        isdir = data is None
        size = 0 if isdir else len(data)
        tflag = b"5" if isdir else b"0"
        mode = 0o755 if isdir else 0o644
        if fmt == "v7":
            tflag = b"\0"        # v7: regular file; a directory ends in /
        prefix = b""
        if len(name) > 100:
            if fmt == "gnu":
                ln = name + b"\0"
                out.append(tar_header(b"././@LongLink", len(ln), b"L", "gnu"))
                out.append(_tar_pad(ln))
                name = name[:100]
            elif fmt == "ustar":
                cut = name.rindex(b"/", 0, 156)
                prefix, name = name[:cut], name[cut + 1:]
            else:
                raise ValueError("name too long for " + fmt)
        out.append(tar_header(name, size, tflag, fmt, mode, prefix))
        if not isdir:
            out.append(_tar_pad(data))
    out.append(bytes(1024))
    blob = b"".join(out)
    return blob + bytes(-len(blob) % 10240)


def tar_pax(entries):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = MTIME
            ti.uname = ti.gname = "root"
            if data is None:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                tf.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o644
                tf.addfile(ti, io.BytesIO(data))
    return bio.getvalue()


# ----------------------------------------------------------------- cpio

def cpio_newc(entries):
    out = []
    ino = 1
    for name, data in entries + [("TRAILER!!!", b"")]:
        nb = name.encode() + b"\0"
        isdir = data is None
        data = data or b""
        mode = 0o040755 if isdir else (0o100644 if name != "TRAILER!!!" else 0)
        fields = [ino, mode, 0, 0, 2 if isdir else 1, MTIME, len(data),
                  0, 0, 0, 0, len(nb), 0]
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        rec = hdr + nb
        rec += bytes(-len(rec) % 4)
        rec += data + bytes(-len(data) % 4)
        out.append(rec)
        ino += 1
    blob = b"".join(out)
    return blob + bytes(-len(blob) % 512)


def cpio_odc(entries):
    out = []
    ino = 1
    for name, data in entries + [("TRAILER!!!", b"")]:
        nb = name.encode() + b"\0"
        isdir = data is None
        data = data or b""
        mode = 0o040755 if isdir else (0o100644 if name != "TRAILER!!!" else 0)
        hdr = (b"070707" + b"%06o" % 0 + b"%06o" % ino + b"%06o" % mode +
               b"%06o" % 0 + b"%06o" % 0 + b"%06o" % (2 if isdir else 1) +
               b"%06o" % 0 + b"%011o" % MTIME + b"%06o" % len(nb) +
               b"%011o" % len(data))
        out.append(hdr + nb + data)
        ino += 1
    blob = b"".join(out)
    return blob + bytes(-len(blob) % 512)


def cpio_bin(entries, endian):
    """Old binary cpio: 13 16-bit words in the writer's byte order; the
    32-bit mtime and filesize are two words, most significant first."""
    w = "<" if endian == "le" else ">"
    out = []
    ino = 1
    for name, data in entries + [("TRAILER!!!", b"")]:
        nb = name.encode() + b"\0"
        isdir = data is None
        data = data or b""
        mode = 0o040755 if isdir else (0o100644 if name != "TRAILER!!!" else 0)
        hdr = struct.pack(w + "13H", 0o070707, 0, ino, mode, 0, 0,
                          2 if isdir else 1, 0, MTIME >> 16, MTIME & 0xFFFF,
                          len(nb), len(data) >> 16, len(data) & 0xFFFF)
        rec = hdr + nb + bytes(len(nb) & 1) + data + bytes(len(data) & 1)
        out.append(rec)
        ino += 1
    blob = b"".join(out)
    return blob + bytes(-len(blob) % 512)


# ----------------------------------------------------------------- ar

def ar_build(members, gnu=True):
    out = [b"!<arch>\n"]
    for name, data in members:
        nb = name.encode() + (b"/" if gnu else b"")
        assert len(nb) <= 16
        hdr = (nb.ljust(16) + b"%-12d" % MTIME + b"%-6d" % 0 + b"%-6d" % 0 +
               b"%-8o" % 0o100644 + b"%-10d" % len(data) + b"`\n")
        assert len(hdr) == 60
        out.append(hdr + data + (b"\n" if len(data) & 1 else b""))
    return b"".join(out)


# ----------------------------------------------------------------- zip

class ZEntry:
    def __init__(self, name, data=b"", method=8, zip64=False, dd=False,
                 password=None, raw=None, usize=None, crc=None, isdir=False):
        self.name = name.encode() if isinstance(name, str) else name
        self.data = data
        self.method = method
        self.zip64 = zip64
        self.dd = dd
        self.password = password
        self.raw = raw            # precompressed data (with usize and crc)
        self.usize = usize
        self.crc = crc
        self.isdir = isdir


def _zipcrypto(data, password, check_byte):
    tbl = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        tbl.append(c)
    k = [0x12345678, 0x23456789, 0x34567890]

    def upd(b):
        k[0] = (k[0] >> 8) ^ tbl[(k[0] ^ b) & 0xFF]
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = (k[2] >> 8) ^ tbl[(k[2] ^ (k[1] >> 24)) & 0xFF]

    for b in password:
        upd(b)
    head = bytes(random.Random(7).randrange(256) for _ in range(11))
    head += bytes([check_byte])
    out = bytearray()
    for p in head + data:
        t = (k[2] | 2) & 0xFFFF
        out.append(p ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        upd(p)
    return bytes(out)


def zip_build(entries, prefix=b"", force_eocd64=False, comment=b""):
    """A zip file; offsets count from the start of the file (prefix
    included), as `zip -A` leaves a self-extractor."""
    date, tim = dos_datetime()
    out = [prefix]
    pos = len(prefix)
    central = []
    for e in entries:
        if e.raw is not None:
            comp, usize, crc = e.raw, e.usize, e.crc
        else:
            usize, crc = len(e.data), crc32(e.data)
            comp = raw_deflate(e.data) if e.method == 8 else e.data
        flags = 0
        if e.password is not None:
            flags |= 1
            comp = _zipcrypto(comp, e.password, crc >> 24)
        if e.dd:
            flags |= 8
        csize = len(comp)
        big = e.zip64 or usize >= 0xFFFFFFFF or csize >= 0xFFFFFFFF
        ver = 45 if big else 20
        lcrc, lcs, lus = (0, 0, 0) if e.dd else (crc, csize, usize)
        lextra = b""
        if big:
            lextra = struct.pack("<HHQQ", 1, 16, usize if not e.dd else 0,
                                 csize if not e.dd else 0)
            lcs = lus = 0xFFFFFFFF if not e.dd else 0
        local = (b"PK\x03\x04" + struct.pack(
            "<HHHHHIIIHH", ver, flags, e.method, tim, date, lcrc, lcs, lus,
            len(e.name), len(lextra)) + e.name + lextra)
        out.append(local)
        out.append(comp)
        offset = pos
        pos += len(local) + len(comp)
        if e.dd:
            if big:
                desc = b"PK\x07\x08" + struct.pack("<IQQ", crc, csize, usize)
            else:
                desc = b"PK\x07\x08" + struct.pack("<III", crc, csize, usize)
            out.append(desc)
            pos += len(desc)
        cextra = b""
        ccs, cus, coff = csize, usize, offset
        if big:
            cextra = struct.pack("<HHQQQ", 1, 24, usize, csize, offset)
            ccs = cus = coff = 0xFFFFFFFF
        attr = ((0o040755 if e.isdir else 0o100644) << 16) | (0x10 if e.isdir else 0)
        central.append(b"PK\x01\x02" + struct.pack(
            "<HHHHHHIIIHHHHHII", (3 << 8) | ver, ver, flags, e.method, tim,
            date, crc, ccs, cus, len(e.name), len(cextra), 0, 0, 0, attr,
            coff) + e.name + cextra)
    cd = b"".join(central)
    cd_off = pos
    out.append(cd)
    pos += len(cd)
    n = len(entries)
    if force_eocd64 or n >= 0xFFFF or cd_off >= 0xFFFFFFFF:
        eocd64_off = pos
        out.append(b"PK\x06\x06" + struct.pack(
            "<QHHIIQQQQ", 44, (3 << 8) | 45, 45, 0, 0, n, n, len(cd), cd_off))
        out.append(b"PK\x06\x07" + struct.pack("<IQI", 0, eocd64_off, 1))
        out.append(b"PK\x05\x06" + struct.pack(
            "<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
            0xFFFFFFFF, len(comment)) + comment)
    else:
        out.append(b"PK\x05\x06" + struct.pack(
            "<HHHHIIH", 0, 0, n, n, len(cd), cd_off, len(comment)) + comment)
    return b"".join(out)


# ----------------------------------------------------------------- 7z

def _7z_num(v):
    """7z variable-length number: the leading one bits of the first byte
    say how many low bytes follow (little endian); the rest of the first
    byte holds the high bits."""
    for extra in range(8):
        if v < 1 << (7 * (extra + 1)):
            first = ((0xFF00 >> extra) & 0xFF) | (v >> (8 * extra))
            return bytes([first]) + v.to_bytes(8, "little")[:extra]
    return b"\xff" + struct.pack("<Q", v)


def sevenzip_build(files):
    """7z archive, every file its own folder with the Copy coder."""
    packed = b"".join(d for _, d in files)
    h = bytearray(b"\x01")                       # kHeader
    h += b"\x04"                                 # kMainStreamsInfo
    h += b"\x06" + _7z_num(0) + _7z_num(len(files))     # kPackInfo
    h += b"\x09" + b"".join(_7z_num(len(d)) for _, d in files) + b"\x00"
    h += b"\x07" + b"\x0b" + _7z_num(len(files)) + b"\x00"  # kUnPackInfo
    for _ in files:
        h += _7z_num(1) + b"\x01\x00"            # 1 coder, id size 1, Copy
    h += b"\x0c" + b"".join(_7z_num(len(d)) for _, d in files)
    h += b"\x00"
    h += b"\x08" + b"\x0a\x01"                   # kSubStreamsInfo, kCRC
    h += b"".join(u32le(crc32(d)) for _, d in files)
    h += b"\x00"
    h += b"\x00"                                 # end of streams info
    h += b"\x05" + _7z_num(len(files))           # kFilesInfo
    names = b"\x00" + b"".join(n.encode("utf-16-le") + b"\0\0" for n, _ in files)
    h += b"\x11" + _7z_num(len(names)) + names   # kNames
    mt = b"\x01\x00" + b"".join(
        u64le((MTIME + 11644473600) * 10000000) for _ in files)
    h += b"\x14" + _7z_num(len(mt)) + mt         # kMTime
    at = b"\x01\x00" + b"".join(u32le(0x8000 | (0o100644 << 16) | 0x20)
                                for _ in files)
    h += b"\x15" + _7z_num(len(at)) + at         # kWinAttributes
    h += b"\x00"                                 # end of files info
    h += b"\x00"                                 # end of header
    h = bytes(h)
    start = u64le(len(packed)) + u64le(len(h)) + u32le(crc32(h))
    sig = b"7z\xbc\xaf\x27\x1c\x00\x04" + u32le(crc32(start)) + start
    return sig + packed + h


# ----------------------------------------------------------------- rar

def rar4_build(files):
    def block(htype, flags, body, add=b""):
        size = 7 + len(body)
        hdr = bytes([htype]) + u16le(flags) + u16le(size) + body
        return u16le(crc32(hdr) & 0xFFFF) + hdr + add

    out = [b"Rar!\x1a\x07\x00"]
    out.append(block(0x73, 0x0000, u16le(0) + u32le(0)))
    date, tim = dos_datetime()
    for name, data in files:
        nb = name.replace("/", "\\").encode()
        body = (u32le(len(data)) + u32le(len(data)) + bytes([2]) +
                u32le(crc32(data)) + u32le((date << 16) | tim) +
                bytes([20, 0x30]) + u16le(len(nb)) + u32le(0x20) + nb)
        out.append(block(0x74, 0x8000, body, data))
    out.append(block(0x7B, 0x4000, b""))
    return b"".join(out)


def _vint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def rar5_build(files):
    def block(fields, data=b""):
        hsize = _vint(len(fields))
        return u32le(crc32(hsize + fields)) + hsize + fields + data

    out = [b"Rar!\x1a\x07\x01\x00"]
    out.append(block(_vint(1) + _vint(0) + _vint(0)))       # main header
    for name, data in files:
        nb = name.encode()
        fields = (_vint(2) + _vint(0x0002) + _vint(len(data)) +
                  _vint(0x0002 | 0x0004) + _vint(len(data)) +
                  _vint(0o100644) + u32le(MTIME) + u32le(crc32(data)) +
                  _vint(0) + _vint(1) + _vint(len(nb)) + nb)
        out.append(block(fields, data))
    out.append(block(_vint(5) + _vint(0) + _vint(0)))       # end of archive
    return b"".join(out)


# ----------------------------------------------------------------- cab

def cab_build(files):
    date, tim = dos_datetime()
    cffiles = []
    off = 0
    for name, data in files:
        cffiles.append(struct.pack("<IIHHHH", len(data), off, 0, date, tim,
                                   0x20) + name.replace("/", "\\").encode() + b"\0")
        off += len(data)
    blob = b"".join(d for _, d in files)
    assert len(blob) <= 32768
    cfdata = struct.pack("<IHH", 0, len(blob), len(blob)) + blob
    coff_files = 36 + 8
    cfiles = b"".join(cffiles)
    data_off = coff_files + len(cfiles)
    total = data_off + len(cfdata)
    hdr = (b"MSCF" + struct.pack("<IIIIIBBHHHHH", 0, total, 0, coff_files, 0,
                                 3, 1, 1, len(files), 0, 0x1234, 0))
    folder = struct.pack("<IHH", data_off, 1, 0)
    return hdr + folder + cfiles + cfdata


# ----------------------------------------------------------------- iso9660

def iso_build(dirname, files_in_dir, root_files):
    """Plain ISO 9660 level 1 (no Rock Ridge, no Joliet): one directory
    with files, plus files in the root.  Names are upper case 8.3."""
    S = 2048

    def both16(v):
        return struct.pack("<H", v) + struct.pack(">H", v)

    def both32(v):
        return struct.pack("<I", v) + struct.pack(">I", v)

    rec_date = bytes([123, 11, 14, 22, 13, 20, 0])   # 2023-11-14 22:13:20

    def dirrec(ident, extent, size, isdir):
        pad = b"\0" if len(ident) % 2 == 0 else b""
        ln = 33 + len(ident) + len(pad)
        return (bytes([ln, 0]) + both32(extent) + both32(size) + rec_date +
                bytes([2 if isdir else 0, 0, 0]) + both16(1) +
                bytes([len(ident)]) + ident + pad)

    # sectors: 16 PVD, 17 terminator, 18 L path table, 19 M path table,
    # 20 root dir, 21 sub dir, 22.. files
    ROOT, SUB, FIRST = 20, 21, 22
    extents = {}
    nxt = FIRST
    contents = []
    for name, data in sorted(root_files) + sorted(files_in_dir):
        extents[name] = nxt
        contents.append((nxt, data))
        nxt += max(1, (len(data) + S - 1) // S)
    total = nxt

    def dir_extent(self_ext, parent_ext, children):
        recs = [dirrec(b"\0", self_ext, S, True), dirrec(b"\1", parent_ext, S, True)]
        recs += children
        blob = b"".join(recs)
        assert len(blob) <= S
        return blob + bytes(S - len(blob))

    root_children = []
    entries = [(dirname.encode(), None)] + [(n.encode() + b";1", n) for n, _ in root_files]
    for ident, fname in sorted(entries):
        if fname is None:
            root_children.append(dirrec(ident, SUB, S, True))
        else:
            data = dict(root_files)[fname]
            root_children.append(dirrec(ident, extents[fname], len(data), False))
    sub_children = [dirrec(n.encode() + b";1", extents[n], len(d), False)
                    for n, d in sorted(files_in_dir)]
    root_dir = dir_extent(ROOT, ROOT, root_children)
    sub_dir = dir_extent(SUB, ROOT, sub_children)

    def ptable(pack32, pack16):
        dn = dirname.encode()
        t = bytes([1, 0]) + pack32(ROOT) + pack16(1) + b"\0" + b"\0"
        t += bytes([len(dn), 0]) + pack32(SUB) + pack16(1) + dn + bytes(len(dn) % 2)
        return t

    lpt = ptable(lambda v: struct.pack("<I", v), lambda v: struct.pack("<H", v))
    mpt = ptable(lambda v: struct.pack(">I", v), lambda v: struct.pack(">H", v))

    def astr(s, n):
        return s.encode().ljust(n, b" ")

    date17 = b"2023111422132000\0"
    nodate = b"0000000000000000\0"
    pvd = bytearray(S)
    pvd[0:8] = b"\x01CD001\x01\x00"
    pvd[8:40] = astr("LINUX", 32)
    pvd[40:72] = astr("MDESCAN_TEST", 32)
    pvd[80:88] = both32(total)
    pvd[120:124] = both16(1)
    pvd[124:128] = both16(1)
    pvd[128:132] = both16(S)
    pvd[132:140] = both32(len(lpt))
    pvd[140:144] = struct.pack("<I", 18)
    pvd[148:152] = struct.pack(">I", 19)
    pvd[156:190] = dirrec(b"\0", ROOT, S, True)
    pvd[190:318] = astr("", 128)
    pvd[318:446] = astr("", 128)
    pvd[446:574] = astr("", 128)
    pvd[574:702] = astr("MKARCH.PY", 128)
    pvd[702:739] = astr("", 37)
    pvd[739:776] = astr("", 37)
    pvd[776:813] = astr("", 37)
    pvd[813:830] = date17
    pvd[830:847] = date17
    pvd[847:864] = nodate
    pvd[864:881] = nodate
    pvd[881] = 1
    term = bytearray(S)
    term[0:7] = b"\xffCD001\x01"
    img = bytearray(S * total)
    img[16 * S:17 * S] = pvd
    img[17 * S:18 * S] = term
    img[18 * S:18 * S + len(lpt)] = lpt
    img[19 * S:19 * S + len(mpt)] = mpt
    img[ROOT * S:(ROOT + 1) * S] = root_dir
    img[SUB * S:(SUB + 1) * S] = sub_dir
    for ext, data in contents:
        img[ext * S:ext * S + len(data)] = data
    return bytes(img)


# ----------------------------------------------------------------- xar

def xar_build(dirname, files_in_dir, root_files):
    heap = bytearray(20)        # the TOC checksum (sha1) goes first
    fid = [0]

    def file_xml(name, data):
        fid[0] += 1
        off = len(heap)
        heap.extend(data)
        sha = hashlib.sha1(data).hexdigest()
        return ("<file id=\"%d\"><data><length>%d</length><offset>%d</offset>"
                "<size>%d</size><encoding style=\"application/octet-stream\"/>"
                "<extracted-checksum style=\"sha1\">%s</extracted-checksum>"
                "<archived-checksum style=\"sha1\">%s</archived-checksum>"
                "</data><name>%s</name><type>file</type><mode>0644</mode>"
                "<uid>0</uid><gid>0</gid><user>root</user><group>root</group>"
                "<mtime>2023-11-14T22:13:20Z</mtime></file>"
                % (fid[0], len(data), off, len(data), sha, sha, name))

    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<xar>\n<toc>'
             '<checksum style="sha1"><offset>0</offset><size>20</size></checksum>'
             '<creation-time>2023-11-14T22:13:20</creation-time>']
    fid[0] += 1
    sub = "".join(file_xml(n, d) for n, d in files_in_dir)
    parts.append('<file id="%d"><name>%s</name><type>directory</type>'
                 '<mode>0755</mode><uid>0</uid><gid>0</gid><user>root</user>'
                 '<group>root</group><mtime>2023-11-14T22:13:20Z</mtime>%s</file>'
                 % (1, dirname, sub))
    for n, d in root_files:
        parts.append(file_xml(n, d))
    parts.append("</toc>\n</xar>\n")
    toc = "".join(parts).encode()
    ztoc = zlib.compress(toc, 9)
    heap[0:20] = hashlib.sha1(ztoc).digest()
    hdr = b"xar!" + struct.pack(">HHQQI", 28, 1, len(ztoc), len(toc), 1)
    return hdr + ztoc + bytes(heap)


# ----------------------------------------------------------------- lha

def lha_build(files):
    """LHA level 2 headers, method -lh0- (stored), Unix OS id."""
    out = []
    for path, data in files:
        d, _, fn = path.rpartition("/")
        exts = []
        exts.append(b"\x00" + b"\0\0")               # header CRC, filled below
        exts.append(b"\x01" + fn.encode())
        if d:
            exts.append(b"\x02" + d.encode().replace(b"/", b"\xff") + b"\xff")
        exts.append(b"\x50" + u16le(0o100644))       # Unix permission
        ext_blob = b""
        sizes = [len(e) + 2 for e in exts]
        for i, e in enumerate(exts):
            nxt = sizes[i + 1] if i + 1 < len(exts) else 0
            ext_blob += e + u16le(nxt)
        total = 26 + len(ext_blob)
        assert total % 256 != 0
        fixed = (u16le(total) + b"-lh0-" + u32le(len(data)) + u32le(len(data)) +
                 u32le(MTIME) + b"\x20\x02" + u16le(crc16_arc(data)) + b"U" +
                 u16le(sizes[0]))
        hdr = bytearray(fixed + ext_blob)
        hcrc = crc16_arc(bytes(hdr))
        hdr[27:29] = u16le(hcrc)      # data of the 0x00 extended header
        out.append(bytes(hdr) + data)
    out.append(b"\0")
    return b"".join(out)


# ----------------------------------------------------------------- rpm

def _rpm_header(tags):
    """tags: (tag, type, value) with type 4 INT32 (list), 6 STRING,
    8 STRING_ARRAY (list), 9 I18NSTRING."""
    index = []
    store = bytearray()
    for tag, typ, val in sorted(tags):
        if typ == 4:
            store.extend(bytes(-len(store) % 4))
            off = len(store)
            store.extend(b"".join(struct.pack(">i", v) for v in val))
            cnt = len(val)
        elif typ in (6, 9):
            off = len(store)
            store.extend(val.encode() + b"\0")
            cnt = 1
        elif typ == 8:
            off = len(store)
            for v in val:
                store.extend(v.encode() + b"\0")
            cnt = len(val)
        elif typ == 7:
            off = len(store)
            store.extend(val)
            cnt = len(val)
        else:
            raise ValueError(typ)
        index.append(struct.pack(">iiii", tag, typ, off, cnt))
    return (b"\x8e\xad\xe8\x01\0\0\0\0" + struct.pack(">ii", len(index), len(store))
            + b"".join(index) + bytes(store))


def rpm_build(name, files):
    cpio = cpio_newc([("./" + p, d) for p, d in files])
    payload = gzip.compress(cpio, 9, mtime=0)
    dirs = sorted({"/" + p.rpartition("/")[0] + "/" for p, _ in files})
    hdr = _rpm_header([
        (100, 8, ["C"]),                              # HEADERI18NTABLE
        (1000, 6, name), (1001, 6, "1.0"), (1002, 6, "1"),
        (1004, 9, "mdescan test package"), (1005, 9, "mdescan test package"),
        (1006, 4, [MTIME]), (1009, 4, [sum(len(d) for _, d in files)]),
        (1014, 6, "MIT"), (1016, 9, "Applications/System"),
        (1021, 6, "linux"), (1022, 6, "noarch"),
        (1028, 4, [len(d) for _, d in files]),       # FILESIZES
        (1030, 4, [0o100644] * len(files)),           # FILEMODES (int16 in rpm)
        (1116, 4, [dirs.index("/" + p.rpartition("/")[0] + "/") for p, _ in files]),
        (1117, 8, [p.rpartition("/")[2] for p, _ in files]),   # BASENAMES
        (1118, 8, dirs),                              # DIRNAMES
        (1124, 6, "cpio"), (1125, 6, "gzip"), (1126, 6, "9"),
    ])
    sig = _rpm_header([
        (1000, 4, [len(hdr) + len(payload)]),          # SIGTAG_SIZE
        (1004, 7, hashlib.md5(hdr + payload).digest()),  # SIGTAG_MD5
    ])
    sig += bytes(-len(sig) % 8)
    lead = (b"\xed\xab\xee\xdb" + bytes([3, 0]) + struct.pack(">hh", 0, 0) +
            name.encode()[:65].ljust(66, b"\0") + struct.pack(">hh", 1, 5) +
            bytes(16))
    assert len(lead) == 96
    return lead + sig + hdr + payload


# ----------------------------------------------------------------- streams

def zstd_frame(data):
    """zstd frame with raw (stored) blocks, 4-byte content size."""
    out = [struct.pack("<IB", 0xFD2FB528, 0xA0) + u32le(len(data))]
    bmax = 128 * 1024
    chunks = [data[i:i + bmax] for i in range(0, len(data), bmax)] or [b""]
    for i, c in enumerate(chunks):
        last = 1 if i == len(chunks) - 1 else 0
        bh = last | (0 << 1) | (len(c) << 3)
        out.append(struct.pack("<I", bh)[:3] + c)
    return b"".join(out)


def lz4_frame(data):
    """lz4 frame with uncompressed blocks, 64 KiB maximum block size."""
    desc = bytes([0x60, 0x40])
    hc = (xxh32(desc) >> 8) & 0xFF
    out = [u32le(0x184D2204) + desc + bytes([hc])]
    bmax = 64 * 1024
    for i in range(0, len(data), bmax):
        c = data[i:i + bmax]
        out.append(u32le(0x80000000 | len(c)) + c)
    out.append(u32le(0))
    return b"".join(out)


def lzw_compress(data):
    """compress(1) .Z: LZW, block mode, max 16 bits.  Inputs here stay
    small enough for 9-bit codes only."""
    dic = {bytes([i]): i for i in range(256)}
    nxt = 257
    codes = []
    w = b""
    for b in data:
        wc = w + bytes([b])
        if wc in dic:
            w = wc
        else:
            codes.append(dic[w])
            dic[wc] = nxt
            nxt += 1
            w = bytes([b])
    if w:
        codes.append(dic[w])
    assert nxt <= 512, "lzw_compress only does 9-bit codes"
    acc = nbits = 0
    out = bytearray(b"\x1f\x9d\x90")
    for c in codes:
        acc |= c << nbits
        nbits += 9
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def gz(data):
    return gzip.compress(data, 9, mtime=0)


# ----------------------------------------------------------------- mail

def b64lines(data, nl):
    import base64
    s = base64.b64encode(data).decode()
    return nl.join(s[i:i + 76] for i in range(0, len(s), 76))


def qp_all(data):
    """Quoted-printable that encodes every punctuation character, so the
    encoded text never holds the payload verbatim."""
    out = []
    line = ""
    for b in data:
        ch = chr(b)
        tok = ch if ch.isalnum() else "=%02X" % b
        if len(line) + len(tok) > 72:
            out.append(line + "=")
            line = ""
        line += tok
    out.append(line)
    return "\r\n".join(out)


def uuencode(data, name):
    lines = ["begin 644 " + name]
    for i in range(0, len(data), 45):
        chunk = data[i:i + 45]
        enc = chr(32 + len(chunk))
        padded = chunk + bytes(-len(chunk) % 3)
        for j in range(0, len(padded), 3):
            n = (padded[j] << 16) | (padded[j + 1] << 8) | padded[j + 2]
            for sh in (18, 12, 6, 0):
                c = (n >> sh) & 0x3F
                enc += "`" if c == 0 else chr(32 + c)
        lines.append(enc)
    lines += ["`", "end"]
    return lines


def eml_attach(payload, nl="\r\n", msgid="attach@example.org"):
    return nl.join([
        "From: Alice <alice@example.org>",
        "To: Bob <bob@example.org>",
        "Subject: quarterly report",
        "Date: Tue, 14 Nov 2023 22:13:20 +0000",
        "Message-ID: <%s>" % msgid,
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="=_outer_A"',
        "",
        "This is a multi-part message in MIME format.",
        "",
        "--=_outer_A",
        "Content-Type: text/plain; charset=us-ascii",
        "Content-Transfer-Encoding: 7bit",
        "",
        "Hello Bob, the files you asked for are attached.",
        "",
        "--=_outer_A",
        'Content-Type: text/plain; name="readme.txt"',
        'Content-Disposition: attachment; filename="readme.txt"',
        "Content-Transfer-Encoding: base64",
        "",
        b64lines(README, nl),
        "",
        "--=_outer_A",
        'Content-Type: application/octet-stream; name="payload.txt"',
        'Content-Disposition: attachment; filename="payload.txt"',
        "Content-Transfer-Encoding: base64",
        "",
        b64lines(payload, nl),
        "",
        "--=_outer_A--",
        "",
    ]).encode()


def eml_qp(payload):
    return "\r\n".join([
        "From: Alice <alice@example.org>",
        "To: Bob <bob@example.org>",
        "Subject: a quoted-printable body",
        "Date: Tue, 14 Nov 2023 22:13:20 +0000",
        "Message-ID: <qp@example.org>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp_all(payload),
        "",
    ]).encode()


def eml_uu(payload):
    return "\r\n".join([
        "From: Alice <alice@example.org>",
        "To: Bob <bob@example.org>",
        "Subject: an old-style uuencoded file",
        "Date: Tue, 14 Nov 2023 22:13:20 +0000",
        "Message-ID: <uu@example.org>",
        "",
        "Hi Bob, here is the file, uuencoded:",
        "",
    ] + uuencode(payload, "payload.txt") + [
        "",
        "Regards, Alice",
        "",
    ]).encode()


def mbox(payload):
    msgs = []
    msgs.append("\n".join([
        "From alice@example.org Tue Nov 14 22:13:20 2023",
        "From: Alice <alice@example.org>",
        "To: Bob <bob@example.org>",
        "Subject: first, plain",
        "Date: Tue, 14 Nov 2023 22:13:20 +0000",
        "Message-ID: <m1@example.org>",
        "",
        "Nothing in this one.",
        ">From the archives: a quoted From line.",
        "",
    ]))
    msgs.append("\n".join([
        "From carol@example.org Tue Nov 14 22:14:20 2023",
        "From: Carol <carol@example.org>",
        "To: Bob <bob@example.org>",
        "Subject: second, nested multipart",
        "Date: Tue, 14 Nov 2023 22:14:20 +0000",
        "Message-ID: <m2@example.org>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="outer-2"',
        "",
        "--outer-2",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "See the inner part.",
        "",
        "--outer-2",
        'Content-Type: multipart/mixed; boundary="inner-2"',
        "",
        "--inner-2",
        'Content-Type: multipart/alternative; boundary="alt-2"',
        "",
        "--alt-2",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "plain alternative",
        "--alt-2",
        "Content-Type: text/html; charset=us-ascii",
        "",
        "<p>html alternative</p>",
        "--alt-2--",
        "",
        "--inner-2",
        'Content-Type: application/octet-stream; name="payload.txt"',
        'Content-Disposition: attachment; filename="payload.txt"',
        "Content-Transfer-Encoding: base64",
        "",
        b64lines(payload, "\n"),
        "--inner-2--",
        "",
        "--outer-2--",
        "",
    ]))
    msgs.append("\n".join([
        "From dave@example.org Tue Nov 14 22:15:20 2023",
        "From: Dave <dave@example.org>",
        "To: Bob <bob@example.org>",
        "Subject: third, with a clean attachment",
        "Date: Tue, 14 Nov 2023 22:15:20 +0000",
        "Message-ID: <m3@example.org>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b3"',
        "",
        "--b3",
        "Content-Type: text/plain",
        "",
        "clean",
        "--b3",
        'Content-Type: text/plain; name="readme.txt"',
        'Content-Disposition: attachment; filename="readme.txt"',
        "Content-Transfer-Encoding: base64",
        "",
        b64lines(README, "\n"),
        "--b3--",
        "",
    ]))
    return "\n".join(msgs).encode()


# ----------------------------------------------------------------- formats

def write(outdir, name, data):
    path = os.path.join(outdir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


def filler(n, seed=42):
    return random.Random(seed).randbytes(n)


def build_formats(payload):
    """[(filename, data, chain, kind)]; data None for the Maildir tree
    (written separately)."""
    P = payload
    fx = []

    def add(name, data, chain, kind="found"):
        fx.append((name, data, chain, kind))

    std = [("dir", None), ("dir/payload.txt", P), ("readme.txt", README)]
    files2 = [("dir/payload.txt", P), ("readme.txt", README)]

    # --- tar
    add("ustar.tar", tar_build(std, "ustar"), "dir/payload.txt")
    long_pfx = "dir/ustar-prefix-" + "u" * 100
    add("ustar-prefix.tar", tar_build([(long_pfx + "/payload.txt", P),
                                       ("readme.txt", README)], "ustar"),
        long_pfx + "/payload.txt")
    gnu_long = "dir/gnu-long-name-" + "g" * 100 + "/payload.txt"
    add("gnu.tar", tar_build([("dir", None), (gnu_long, P),
                              ("readme.txt", README)], "gnu"), gnu_long)
    pax_long = "dir/pax-long-name-" + "p" * 100 + "/payload.txt"
    add("pax.tar", tar_pax([("dir", None), (pax_long, P),
                            ("readme.txt", README)]), pax_long)
    add("v7.tar", tar_build([("dir/", None), ("dir/payload.txt", P),
                             ("readme.txt", README)], "v7"), "dir/payload.txt")

    # --- cpio
    add("newc.cpio", cpio_newc(std), "dir/payload.txt")
    add("odc.cpio", cpio_odc(std), "dir/payload.txt")
    add("binle.cpio", cpio_bin(std, "le"), "dir/payload.txt")
    add("binbe.cpio", cpio_bin(std, "be"), "dir/payload.txt")

    # --- ar, deb, rpm
    add("t.a", ar_build([("readme.txt", README), ("payload.txt", P)]),
        "payload.txt")
    control = tar_build([(".", None), ("./control",
                          b"Package: x\nVersion: 1.0\nArchitecture: all\n"
                          b"Maintainer: Nobody <nobody@example.org>\n"
                          b"Description: mdescan test package\n"),
                         ("./md5sums", hashlib.md5(P).hexdigest().encode() +
                          b"  usr/share/doc/x/payload.txt\n")], "gnu")
    data_tar = tar_build([(".", None), ("./usr", None), ("./usr/share", None),
                          ("./usr/share/doc", None), ("./usr/share/doc/x", None),
                          ("./usr/share/doc/x/readme.txt", README),
                          ("./usr/share/doc/x/payload.txt", P)], "gnu")
    xzc = lambda b: lzma.compress(b, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64)
    add("t.deb", ar_build([("debian-binary", b"2.0\n"),
                           ("control.tar.xz", xzc(control)),
                           ("data.tar.xz", xzc(data_tar))], gnu=False),
        "data.tar.xz//./usr/share/doc/x/payload.txt")
    add("t.rpm", rpm_build("x", [("usr/share/doc/x/readme.txt", README),
                                 ("usr/share/doc/x/payload.txt", P)]),
        "./usr/share/doc/x/payload.txt")

    # --- 7z, rar, cab, iso, xar, lha
    add("t.7z", sevenzip_build([("readme.txt", README), ("dir/payload.txt", P)]),
        "dir/payload.txt")
    add("rar4-stored.rar", rar4_build([("readme.txt", README), ("dir/payload.txt", P)]),
        "dir/payload.txt")
    add("rar5-stored.rar", rar5_build([("readme.txt", README), ("dir/payload.txt", P)]),
        "dir/payload.txt")
    add("t.cab", cab_build([("readme.txt", README), ("dir/payload.txt", P)]),
        "dir/payload.txt")
    add("t.iso", iso_build("DIR", [("PAYLOAD.TXT", P)], [("README.TXT", README)]),
        "DIR/PAYLOAD.TXT")
    add("t.xar", xar_build("dir", [("payload.txt", P)], [("readme.txt", README)]),
        "dir/payload.txt")
    add("t.lzh", lha_build([("readme.txt", README), ("dir/payload.txt", P)]),
        "dir/payload.txt")

    # --- zip family
    zdir = ZEntry("dir/", b"", method=0, isdir=True)
    add("stored.zip", zip_build([zdir, ZEntry("dir/payload.txt", P, 0),
                                 ZEntry("readme.txt", README, 0)]),
        "dir/payload.txt")
    add("deflate.zip", zip_build([zdir, ZEntry("dir/payload.txt", P, 8),
                                  ZEntry("readme.txt", README, 8)]),
        "dir/payload.txt")
    manifest = b"Manifest-Version: 1.0\r\nCreated-By: mkarch.py\r\n\r\n"
    jar = zip_build([ZEntry("META-INF/", b"", 0, isdir=True),
                     ZEntry("META-INF/MANIFEST.MF", manifest),
                     ZEntry("dir/payload.txt", P)])
    add("t.jar", jar, "dir/payload.txt")
    add("t.war", zip_build([
        ZEntry("META-INF/MANIFEST.MF", manifest),
        ZEntry("WEB-INF/web.xml", b"<?xml version=\"1.0\"?>\n<web-app/>\n"),
        ZEntry("index.html", b"<html><body>hi</body></html>\n"),
        ZEntry("WEB-INF/lib/x.jar", jar, 8)]),
        "WEB-INF/lib/x.jar//dir/payload.txt")
    add("zip64.zip", zip_build([ZEntry("readme.txt", README, 8, zip64=True),
                                ZEntry("dir/payload.txt", P, 8, zip64=True)],
                               force_eocd64=True),
        "dir/payload.txt")
    add("desc.zip", zip_build([ZEntry("readme.txt", README, 8, dd=True),
                               ZEntry("dir/payload.txt", P, 8, dd=True)]),
        "dir/payload.txt")
    junk = b"MZ" + filler(65536 - 2, seed=1)
    add("sfx.exe", zip_build([ZEntry("readme.txt", README),
                              ZEntry("dir/payload.txt", P)], prefix=junk),
        "dir/payload.txt")
    ctypes = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
              b'content-types"><Default Extension="xml" ContentType="'
              b'application/xml"/></Types>\n')
    add("t.docx", zip_build([
        ZEntry("[Content_Types].xml", ctypes),
        ZEntry("_rels/.rels", b'<?xml version="1.0"?><Relationships/>\n'),
        ZEntry("word/document.xml", b'<?xml version="1.0"?><w:document/>\n'),
        ZEntry("word/embeddings/payload.txt", P)]),
        "word/embeddings/payload.txt")
    add("t.odt", zip_build([
        ZEntry("mimetype", b"application/vnd.oasis.opendocument.text", 0),
        ZEntry("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest/>\n'),
        ZEntry("content.xml", b'<?xml version="1.0"?><office:document-content/>\n'),
        ZEntry("Pictures/payload.txt", P)]),
        "Pictures/payload.txt")
    add("enc.zip", zip_build([ZEntry("readme.txt", README, 0),
                              ZEntry("dir/secret.txt", P, 0, password=b"infected")]),
        "dir/secret.txt", "encrypted")

    # --- stream compressors: the member is the outer name minus the suffix
    add("t.txt.gz", gz(P), "t.txt")
    add("t.txt.bz2", bz2.compress(P, 9), "t.txt")
    add("t.txt.xz", xzc(P), "t.txt")
    add("t.txt.lzma", lzma.compress(P, format=lzma.FORMAT_ALONE), "t.txt")
    add("t.txt.zst", zstd_frame(P), "t.txt")
    add("t.txt.lz4", lz4_frame(P), "t.txt")
    add("t.txt.Z", lzw_compress(P), "t.txt")

    # --- compressed tar; t.tar.gz has the payload first and 256 KiB of
    # incompressible filler after it, so a cut in the middle comes after
    # the payload and leaves ~128 KiB, more than libarchive's format
    # bidders read ahead (iso9660 looks at 32 KiB and beyond): the
    # truncated copy still opens (see trunc.t.tar.gz)
    tgz_tar = tar_build([("dir", None), ("dir/payload.txt", P),
                         ("readme.txt", README),
                         ("dir/filler.bin", filler(256 * 1024))], "ustar")
    add("t.tar.gz", gz(tgz_tar), "dir/payload.txt")
    plain = tar_build(std, "ustar")
    add("t.tar.bz2", bz2.compress(plain, 9), "dir/payload.txt")
    add("t.tar.xz", xzc(plain), "dir/payload.txt")
    add("t.tar.zst", zstd_frame(plain), "dir/payload.txt")

    # --- mail
    add("attach.eml", eml_attach(P), "payload.txt")
    add("qp.eml", eml_qp(P), "part-1")
    add("uu.eml", eml_uu(P), "payload.txt")
    add("t.mbox", mbox(P), "msg-2/payload.txt")
    md_msg = "Maildir/cur/1700000000.M1P1.host:2,S"
    add(md_msg, eml_attach(P, "\n", "maildir@example.org"), "payload.txt")
    return fx


def cmd_formats(outdir, payload):
    os.makedirs(outdir, exist_ok=True)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(outdir, "Maildir", sub), exist_ok=True)
    write(outdir, "Maildir/new/1700000001.M2P1.host",
          b"From: a@example.org\nTo: b@example.org\nSubject: clean\n"
          b"Message-ID: <clean@example.org>\n\nclean message\n")
    for name, data, chain, kind in build_formats(payload):
        write(outdir, name, data)
        print(name + "\t" + chain + ("" if kind == "found" else "\t" + kind))


def cmd_clean(outdir):
    os.makedirs(outdir, exist_ok=True)
    tar = tar_build([("dir", None), ("dir/notes.txt", CLEAN_TEXT),
                     ("readme.txt", README)])
    for name, data in [
            ("clean.tar.gz", gz(tar)),
            ("clean.zip", zip_build([ZEntry("dir/notes.txt", CLEAN_TEXT),
                                     ZEntry("readme.txt", README)])),
            ("clean.txt.gz", gz(CLEAN_TEXT)),
            ("clean.eml", eml_attach(CLEAN_TEXT, msgid="clean@example.org"))]:
        write(outdir, name, data)
        print(name)


# ----------------------------------------------------------------- hostile

def bomb42():
    """16 x 16 x 16 x 4 GiB: bomb42.zip holds 16 l2-N.zip, each 16 l1-N.zip,
    each 16 files of 4 GiB of zeros (zip64 sizes)."""
    size = 4 << 30
    raw = zero_deflate(size)
    crc = crc32_zeros(size)
    l1 = zip_build([ZEntry("%02d.bin" % i, raw=raw, usize=size, crc=crc,
                           zip64=True) for i in range(16)])
    l1z, l1c = raw_deflate(l1, 6), crc32(l1)
    l2 = zip_build([ZEntry("l1-%02d.zip" % i, raw=l1z, usize=len(l1), crc=l1c)
                    for i in range(16)])
    l2z, l2c = raw_deflate(l2, 6), crc32(l2)
    return zip_build([ZEntry("l2-%02d.zip" % i, raw=l2z, usize=len(l2), crc=l2c)
                      for i in range(16)])


def zeros10g():
    size = 10 << 30
    hdr = b"\x1f\x8b\x08\x00" + u32le(0) + b"\x02\x03"
    return hdr + zero_deflate(size) + u32le(crc32_zeros(size)) + u32le(size & 0xFFFFFFFF)


def nest_gz(payload, levels):
    data = payload
    for _ in range(levels):
        data = gzip.compress(data, 1, mtime=0)
    return data


def nest_zip(payload, levels):
    data = zip_build([ZEntry("payload.txt", payload, 8)])
    for lvl in range(1, levels):
        data = zip_build([ZEntry("d%04d.zip" % lvl, data, 0)])
    return data


def many_zip(payload, n):
    ents = [ZEntry("f/%06d.txt" % i, b"member %d\n" % i, 0) for i in range(n - 1)]
    ents.append(ZEntry("f/%06d.txt" % (n - 1), payload, 0))
    return zip_build(ents)


HOSTILE_NAMES = [b"nul\0name.txt", b"dir/new\nline.txt", b"/etc/evil2",
                 b"../../etc/evil"]


def cmd_hostile(outdir, payload):
    os.makedirs(outdir, exist_ok=True)
    out = []

    def put(name, data, what):
        write(outdir, name, data)
        out.append(name + "\t" + what)

    put("bomb42.zip", bomb42(), "42.zip-style bomb: 16^3 files of 4 GiB of zeros")
    put("zeros10g.gz", zeros10g(), "gzip of 10 GiB of zeros")
    put("nest1000.gz", nest_gz(payload, 1000), "1000 nested gzip layers")
    put("nest1000.zip", nest_zip(payload, 1000), "1000 nested zip layers")
    put("many100k.zip", many_zip(payload, 100000),
        "100,000 stored members, the last one is the payload")
    for name, data, _chain, _kind in build_formats(payload):
        put("trunc." + os.path.basename(name), data[:len(data) // 2],
            "first half of " + name)
    tar_ents = []
    for n in HOSTILE_NAMES:
        if b"\0" in n:
            continue        # a tar name cannot hold a NUL
        tar_ents.append((n, payload if n == b"../../etc/evil" else CLEAN_TEXT))
    put("names.tar", tar_build(tar_ents, "ustar"),
        "members ../../etc/evil (payload), /etc/evil2, dir/new\\nline.txt")
    put("names.zip", zip_build([ZEntry(n, payload if n == b"../../etc/evil"
                                       else CLEAN_TEXT, 0)
                                for n in HOSTILE_NAMES]),
        "members nul\\0name.txt, dir/new\\nline.txt, /etc/evil2, "
        "../../etc/evil (payload)")
    big = b"".join(b"line %07d of a large but ordinary member\n" % i
                   for i in range(3 * 1000 * 1000 // 40 + 1))
    put("big3m.tar.gz", gz(tar_build([("dir", None), ("dir/big.txt", big),
                                      ("dir/payload.txt", payload)])),
        "a member of %d bytes, then the payload" % len(big))
    padded = payload + b" " * (200 - len(payload))
    put("padded.tar.gz", gz(tar_build([("dir", None), ("dir/payload.txt", padded),
                                       ("readme.txt", README)])),
        "dir/payload.txt: the payload padded with spaces to 200 bytes")
    print("\n".join(out))


def main(argv):
    if len(argv) >= 3 and argv[1] == "formats" and len(argv) == 4:
        cmd_formats(argv[2], open(argv[3], "rb").read())
    elif len(argv) == 3 and argv[1] == "clean":
        cmd_clean(argv[2])
    elif len(argv) == 4 and argv[1] == "hostile":
        cmd_hostile(argv[2], open(argv[3], "rb").read())
    else:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
