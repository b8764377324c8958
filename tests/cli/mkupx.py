#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkupx.py - pack a file into the on-disk format of a UPX-packed executable.

Usage: mkupx.py [options] elf|pe INPUT OUTPUT

Test fixture generator for mdescan's UPX unpacker (lib/upx*.c); there is
no upx(1) on the build machines.  The output is laid out the way UPX 4
lays out its files, with real NRV2B/NRV2D/NRV2E bit streams, but the
loader is a few int3/ud2 bytes and the UPX ident strings: it does not run.

  elf  ELF64 x86-64 (format 22): Ehdr, 3 Phdrs, l_info, p_info, b_info
       blocks (the first one holds the input's ELF headers when the input
       is an ELF), the loader, b_info blocks for the input's tail (what UPX
       does with the bytes after the last PT_LOAD), the end-of-blocks
       b_info, the 32-byte PackHeader and the overlay offset.  The blocks
       concatenated are exactly INPUT.
  pe   PE32 i386 (format 9): sections UPX0 (no raw data), UPX1 (compressed
       data, then the loader) and UPX2; the version string and PackHeader
       sit in the header, just before UPX1's raw data.  Decompressed, the
       data is INPUT (followed, with --filter, by the extra-info trailer
       UPX appends: a PE header, a section table and its offset).

Options:
  --method N       2..10 (NRV2B/2D/2E, LE32/8-bit/LE16), 14 (LZMA: UPX's
                   two property bytes, then raw LZMA1); default 8 (NRV2E)
  --filter ID      apply the x86 call filter ID (hex: 11..16, 24..26, 36,
                   46, 49, 80..87) to the code blocks; a block the
                   filter would not restore exactly stays unfiltered,
                   as in UPX; default none
  --blocksize N    ELF block size (default 512 KiB, as UPX)
  --loader-end     ELF: every block before the loader, as UPX does when
                   nothing follows the last PT_LOAD
  --codeoff N      PE with --filter: N zero bytes before INPUT, so the
                   filter's add value is N
  --version V      PackHeader version byte (default 14, UPX 4)
  --scramble       PE: blank the version string and PackHeader, as
                   protectors do to stop "upx -d" (sections keep names)

Only the standard library is used; the LZ77 matcher is greedy with hash
chains, so packing a few hundred KiB takes a few seconds.
"""

import struct
import sys
import zlib

UPX_MAGIC = b"UPX!"
IDENT = (b"\n\0$Info: This file is packed with the UPX executable packer "
         b"http://upx.sf.net $\n\0$Id: UPX 4.02 Copyright (C) 1996-2023 "
         b"the UPX Team. All Rights Reserved. $\n")
VERSION_STR = b"4.02"
F_W32PE = 9
F_ELF64_AMD = 22
LEVEL = 8


# ------------------------------------------------------------ bit streams

class BitWriter:
    """UCL bit stream: bits MSB first in 8-, 16- or 32-bit little-endian
    words, each word placed where the decoder will need its first bit,
    bytes (literals, offset low bytes) in between."""

    def __init__(self, width):
        self.width = width
        self.out = bytearray()
        self.wpos = -1
        self.word = 0
        self.nbits = 0

    def _flush(self):
        if self.wpos < 0:
            return
        w = self.word << (self.width - self.nbits)
        n = self.width // 8
        self.out[self.wpos:self.wpos + n] = w.to_bytes(n, "little")

    def bit(self, b):
        if self.wpos < 0 or self.nbits == self.width:
            self._flush()
            self.wpos = len(self.out)
            self.out += bytes(self.width // 8)
            self.word = 0
            self.nbits = 0
        self.word = (self.word << 1) | (b & 1)
        self.nbits += 1

    def byte(self, v):
        self.out.append(v & 0xFF)

    def finish(self):
        self._flush()
        return bytes(self.out)


def put_gamma(bw, x):
    """NRV2B-style Elias gamma (x >= 2): each bit below the leading one,
    followed by a flag that is 1 after the last."""
    assert x >= 2
    bits = bin(x)[3:]
    for i, c in enumerate(bits):
        bw.bit(int(c))
        bw.bit(1 if i == len(bits) - 1 else 0)


def put_gamma2(bw, x):
    """NRV2D/2E offset prefix (x >= 2): the decoder computes
    m = 2m + a, then while the flag is 0, m = 2(m - 1) + c, m = 2m + a,
    so x = 4p - 4 + d with d = x mod 4 at each step."""
    assert x >= 2
    digits = []
    while x >= 4:
        d = x & 3
        digits.append(d)
        x = (x - d) // 4 + 1
    bw.bit(x - 2)
    for d in reversed(digits):
        bw.bit(0)
        bw.bit(d >> 1)
        bw.bit(d & 1)
    bw.bit(1)


class NrvEncoder:
    def __init__(self, algo, width):
        self.algo = algo  # "2b", "2d" or "2e"
        self.bw = BitWriter(width)
        self.last_off = 1
        self.far = 0xD00 if algo == "2b" else 0x500

    def min_len(self, off):
        return 2 + (off > self.far)

    def literal(self, c):
        self.bw.bit(1)
        self.bw.byte(c)

    def match(self, off, length):
        bw = self.bw
        ml = length - 1 - (off > self.far)
        assert ml >= 1
        bw.bit(0)
        if self.algo == "2b":
            if off == self.last_off:
                put_gamma(bw, 2)
            else:
                put_gamma(bw, ((off - 1) >> 8) + 3)
                bw.byte((off - 1) & 0xFF)
                self.last_off = off
            if ml <= 3:
                bw.bit(ml >> 1)
                bw.bit(ml & 1)
            else:
                bw.bit(0)
                bw.bit(0)
                put_gamma(bw, ml - 2)
            return
        if self.algo == "2d":
            lb, second = (ml >> 1, ml & 1) if ml <= 3 else (0, 0)
        else:
            lb = 1 if ml <= 2 else 0
        if off == self.last_off:
            put_gamma2(bw, 2)
            bw.bit(lb)
        else:
            v = ((off - 1) << 1) | (1 - lb)
            put_gamma2(bw, (v >> 8) + 3)
            bw.byte(v & 0xFF)
            self.last_off = off
        if self.algo == "2d":
            bw.bit(second)
            if ml >= 4:
                put_gamma(bw, ml - 2)
        elif ml <= 2:
            bw.bit(ml - 1)
        elif ml <= 4:
            bw.bit(1)
            bw.bit(ml - 3)
        else:
            bw.bit(0)
            put_gamma(bw, ml - 3)

    def end(self):
        self.bw.bit(0)
        if self.algo == "2b":
            put_gamma(self.bw, 0x1000002)
        else:
            put_gamma2(self.bw, 0x1000002)
        self.bw.byte(0xFF)
        return self.bw.finish()


METHODS = {2: ("2b", 32), 3: ("2b", 8), 4: ("2b", 16),
           5: ("2d", 32), 6: ("2d", 8), 7: ("2d", 16),
           8: ("2e", 32), 9: ("2e", 8), 10: ("2e", 16)}


M_LZMA = 14


def compress_lzma(data):
    """UPX's LZMA: (lc + lp) << 3 | pb and lp << 4 | lc, then raw LZMA1
    (lc 3, lp 0, pb 2), as UPX's compress_lzma.cpp writes it."""
    import lzma
    return bytes(((3 + 0) << 3 | 2, 0 << 4 | 3)) + lzma.compress(
        data, format=lzma.FORMAT_RAW, filters=[
            {"id": lzma.FILTER_LZMA1, "dict_size": 1 << 20, "lc": 3,
             "lp": 0, "pb": 2}])


def compress(data, method, window=1 << 17, depth=24, maxlen=1 << 16):
    """Greedy LZ77 over 3-byte hash chains, emitted as an NRV stream (or
    LZMA for method 14)."""
    if method == M_LZMA:
        return compress_lzma(data)
    algo, width = METHODS[method]
    enc = NrvEncoder(algo, width)
    n = len(data)
    head = {}
    prev = [-1] * n
    i = 0

    def insert(p):
        if p + 3 <= n:
            k = data[p:p + 3]
            prev[p] = head.get(k, -1)
            head[k] = p

    while i < n:
        best_len, best_off = 0, 0
        if i + 3 <= n:
            cand = head.get(data[i:i + 3], -1)
            tries = depth
            lim = min(maxlen, n - i)
            while cand >= 0 and tries and i - cand <= window:
                tries -= 1
                ln = 3
                while ln < lim and data[cand + ln] == data[i + ln]:
                    ln += 1
                off = i - cand
                if ln > best_len or (ln == best_len and off == enc.last_off):
                    best_len, best_off = ln, off
                    if ln == lim:
                        break
                cand = prev[cand]
            # the previous offset is cheap to code: take it when it is as good
            lo = enc.last_off
            if lo <= i:
                ln = 0
                while ln < lim and data[i - lo + ln] == data[i + ln]:
                    ln += 1
                if ln >= 3 and ln >= best_len:
                    best_len, best_off = ln, lo
        if best_len >= 3 and best_len >= enc.min_len(best_off):
            enc.match(best_off, best_len)
            for p in range(i, i + best_len):
                insert(p)
            i += best_len
        else:
            enc.literal(data[i])
            insert(i)
            i += 1
    return enc.end()


def adler32(data, a=1):
    return zlib.adler32(data, a) & 0xFFFFFFFF


# ------------------------------------------------------------------ filters

def _cond_e8(b, i, lastcall):
    return b[i] == 0xE8


def _cond_e9(b, i, lastcall):
    return b[i] == 0xE9


def _cond_e8e9(b, i, lastcall):
    return b[i] in (0xE8, 0xE9)


def _cond_jcc(b, i, lastcall):
    return b[i] in (0xE8, 0xE9) or (lastcall != i and i > 0 and
                                     b[i - 1] == 0x0F and
                                     0x80 <= b[i] <= 0x8F)


CTO_COND = {0x24: _cond_e8, 0x25: _cond_e9, 0x26: _cond_e8e9,
            0x36: _cond_e8e9, 0x46: _cond_e8e9, 0x49: _cond_jcc}


def _getcto(marks):
    for c in range(256):
        if not marks[c]:
            return c
    return -1


def filter_cto(buf, fid, addvalue=0):
    """UPX's cto32/ctoj32/ctok32 filter: destinations of calls (and jumps,
    and for 0x49 jcc) inside the buffer become absolute big-endian with
    the top byte cto.  Returns (filtered, cto) or None."""
    cond = CTO_COND[fid]
    b = bytearray(buf)
    size = len(b)
    if size < 6:
        return None
    marks = [0] * 256
    lastcall = 0
    for ic in range(size - 5):
        if cond(b, ic, lastcall):
            jc = (struct.unpack_from("<I", b, ic + 1)[0] + ic + 1) & 0xFFFFFFFF
            if jc >= size:
                marks[b[ic + 1]] = 1
    cto8 = _getcto(marks)
    if cto8 < 0:
        return None
    cto = cto8 << 24
    lastnoncall = size
    lastcall = 0
    ic = 0
    while ic < size - 5:
        if not cond(b, ic, lastcall):
            ic += 1
            continue
        jc = (struct.unpack_from("<I", b, ic + 1)[0] + ic + 1) & 0xFFFFFFFF
        if jc < size:
            if jc + addvalue >= (1 << 24):
                return None
            struct.pack_into(">I", b, ic + 1, (jc + addvalue + cto) & 0xFFFFFFFF)
            if ((ic - lastnoncall) & 0xFFFFFFFF) < 5:
                hit = False
                for kc in (4, 3, 2, 1):
                    j = ic - kc
                    if j >= 0 and cond(b, j, lastcall) and b[j + 1] == cto8:
                        hit = True
                        break
                if hit:
                    struct.pack_into("<I", b, ic + 1, (jc - ic - 1) & 0xFFFFFFFF)
                    if b[ic + 1] == cto8:
                        return None
                    lastnoncall = ic
                    ic += 1
                    continue
            ic += 4
            lastcall = ic + 1
        else:
            lastnoncall = ic
        ic += 1
    return bytes(b), cto8


def filter_ct32(buf, fid, addvalue=0):
    """UPX's naive 32-bit calltrick: the operand of every e8 (e9) becomes
    operand + position (+ addvalue); ids 0x14..0x16 store it big-endian."""
    b = bytearray(buf)
    if len(b) < 5:
        return None
    ops = {1: (0xE8,), 2: (0xE9,), 3: (0xE8, 0xE9)}[((fid - 0x11) % 3) + 1]
    out_fmt = ">I" if fid >= 0x14 else "<I"
    i, end = 0, len(b) - 5
    while True:
        if b[i] in ops:
            a = i + 1
            v = struct.unpack_from("<I", b, a)[0]
            struct.pack_into(out_fmt, b, a, (v + a + addvalue) & 0xFFFFFFFF)
            i += 4
        i += 1
        if i >= end:
            break
    return bytes(b), 0


N_MRU = 32


def filter_ctojr(buf, fid):
    """UPX's ctojr32 (ids 0x80..0x87): calls, jumps and jcc, with 0x0f/0x8y
    swapped and destinations optionally coded as most-recently-used
    indices."""
    b = bytearray(buf)
    size = len(b)
    if size < 6:
        return None
    low = fid & 0xF
    f_call = (1 + low) % 3
    f_jmp = ((1 + low) // 3) % 3
    modes = (f_call, f_jmp, f_jmp)

    def which_f(i, lastcall):
        if b[i] == 0xE8:
            return 0
        if b[i] == 0xE9:
            return 1
        if lastcall != i and i > 0 and b[i - 1] == 0x0F and 0x80 <= b[i] <= 0x8F:
            return 2
        return -1

    marks = [0] * 256
    for ic in range(size - 5):
        if which_f(ic, 0) >= 0:
            jc = (struct.unpack_from("<I", b, ic + 1)[0] + ic + 1) & 0xFFFFFFFF
            if jc >= size:
                marks[b[ic + 1]] = 1
    cto8 = _getcto(marks)
    if cto8 < 0:
        return None
    cto = cto8 << 24
    mru = [0] * N_MRU
    hand = tail = 0
    lastnoncall = size
    lastcall = 0
    ic = 0
    while ic < size - 5:
        w = which_f(ic, lastcall)
        if w < 0:
            ic += 1
            continue
        jc = (struct.unpack_from("<I", b, ic + 1)[0] + ic + 1) & 0xFFFFFFFF
        if jc >= size:
            lastnoncall = ic
            ic += 1
            continue
        if jc >= (1 << 23):
            return None
        f_on = False
        if w == 2 and modes[2]:
            b[ic - 1], b[ic] = b[ic], b[ic - 1]
        if modes[w] == 2:
            f_on = True
            for k in range(N_MRU):
                kh = (hand + k) % N_MRU
                if mru[kh] == jc:
                    struct.pack_into(">I", b, ic + 1, ((k << 1) | 0) + cto)
                    hand = (hand - 1) % N_MRU
                    t = mru[hand]
                    if not t:
                        tail = (tail - 1) % N_MRU
                        t = mru[tail]
                        mru[tail] = 0
                    mru[kh] = t
                    mru[hand] = jc
                    break
            else:
                struct.pack_into(">I", b, ic + 1, ((jc << 1) | 1) + cto)
                hand = (hand - 1) % N_MRU
                mru[hand] = jc
        elif modes[w] == 1:
            f_on = True
            struct.pack_into(">I", b, ic + 1, jc + cto)
        if f_on and ((ic - lastnoncall) & 0xFFFFFFFF) < 5:
            hit = False
            for kc in (4, 3, 2, 1):
                j = ic - kc
                if j >= 0 and which_f(j, lastcall) >= 0 and b[j + 1] == cto8:
                    hit = True
                    break
            if hit:
                if modes[w] == 2:
                    return None  # a restore would desynchronise the MRU
                if w == 2:
                    b[ic - 1], b[ic] = b[ic], b[ic - 1]
                struct.pack_into("<I", b, ic + 1, (jc - ic - 1) & 0xFFFFFFFF)
                if b[ic + 1] == cto8:
                    return None
                lastnoncall = ic
                ic += 1
                continue
        if f_on:
            ic += 4
            lastcall = ic + 1
        ic += 1
    return bytes(b), cto8


def unfilter(buf, fid, cto8, addvalue=0):
    """The inverse, as UPX's unfilters (and mdescan's) compute it."""
    b = bytearray(buf)
    n = len(b)
    if 0x11 <= fid <= 0x16:
        ops = {1: (0xE8,), 2: (0xE9,), 3: (0xE8, 0xE9)}[((fid - 0x11) % 3) + 1]
        fmt = ">I" if fid >= 0x14 else "<I"
        i = 0
        while n >= 5:
            if b[i] in ops:
                a = i + 1
                v = struct.unpack_from(fmt, b, a)[0]
                struct.pack_into("<I", b, a, (v - a - addvalue) & 0xFFFFFFFF)
                i += 4
            i += 1
            if i >= n - 5:
                break
        return bytes(b)
    ctow = cto8 << 24
    low = (fid & 0xF) + 1
    mode = [low % 3, low // 3 % 3, low // 3 % 3]
    mru = [0] * N_MRU
    hand = tail = lastcall = ic = 0
    while ic + 5 < n:
        if fid in CTO_COND:
            w = 0 if CTO_COND[fid](b, ic, lastcall) else -1
        elif b[ic] in (0xE8, 0xE9):
            w = b[ic] - 0xE8
        elif ic != lastcall and ic > 0 and b[ic] == 0x0F and \
                0x80 <= b[ic - 1] <= 0x8F:
            w = 2
        else:
            w = -1
        if w < 0 or b[ic + 1] != cto8:
            ic += 1
            continue
        jc = (struct.unpack_from(">I", b, ic + 1)[0] - ctow) & 0xFFFFFFFF
        if fid in CTO_COND:
            struct.pack_into("<I", b, ic + 1,
                             (jc - ic - 1 - addvalue) & 0xFFFFFFFF)
            ic += 4
            lastcall = ic + 1
            ic += 1
            continue
        if mode[w] == 2 and jc & 1:
            jc >>= 1
            hand = (hand - 1) % N_MRU
            mru[hand] = jc
        elif mode[w] == 2:
            kh = ((jc >> 1) + hand) % N_MRU
            jc = mru[kh]
            hand = (hand - 1) % N_MRU
            t = mru[hand]
            if not t:
                tail = (tail - 1) % N_MRU
                t = mru[tail]
                mru[tail] = 0
            mru[kh] = t
            mru[hand] = jc
        if mode[w]:
            struct.pack_into("<I", b, ic + 1, (jc - ic - 1) & 0xFFFFFFFF)
        if w == 2 and mode[2]:
            b[ic - 1], b[ic] = b[ic], b[ic - 1]
        if mode[w]:
            ic += 4
            lastcall = ic + 1
        ic += 1
    return bytes(b)


def apply_filter(buf, fid, addvalue=0):
    """(filtered, cto), or None where the filter would not be undone
    exactly; UPX too checks every filtered block by unfiltering it."""
    if fid in CTO_COND:
        r = filter_cto(buf, fid, addvalue)
    elif 0x11 <= fid <= 0x16:
        r = filter_ct32(buf, fid, addvalue)
    elif 0x80 <= fid <= 0x87 and addvalue == 0:
        r = filter_ctojr(buf, fid)
    else:
        raise SystemExit("mkupx: filter 0x%x not supported" % fid)
    if r is not None and unfilter(r[0], fid, r[1], addvalue) != bytes(buf):
        return None
    return r


# --------------------------------------------------------------- containers

def pack_header(version, fmt, method, u_adler, c_adler, u_len, c_len,
                u_file_size, filt, cto):
    h = bytearray(32)
    h[0:4] = UPX_MAGIC
    h[4:8] = bytes((version, fmt, method, LEVEL))
    struct.pack_into("<IIIII", h, 8, u_adler, c_adler, u_len, c_len,
                     u_file_size)
    h[28] = filt
    h[29] = cto
    h[30] = 0
    h[31] = sum(h[4:31]) % 251
    return bytes(h)


def loader_bytes(tag):
    """The stand-in loader: traps, then the ident strings UPX stubs carry."""
    body = b"\xcc\xcc\x0f\x0b" + tag + b"\xcc" * 8 + IDENT + b"\x0f\x0b"
    return body + b"\xcc" * (-len(body) % 4)


def elf_split(data):
    """(header length, end of the last PT_LOAD) when data is an ELF file,
    else (0, len)."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[5] != 1:
        return 0, len(data)
    if data[4] == 2:
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        fields = "<IIQQQQ"
    else:
        phoff, = struct.unpack_from("<I", data, 28)
        phentsize, phnum = struct.unpack_from("<HH", data, 42)
        fields = "<IIIIII"
    hdr = phoff + phentsize * phnum
    if phoff != (64 if data[4] == 2 else 52) or hdr > len(data):
        return 0, len(data)
    end = 0
    for k in range(phnum):
        ph = struct.unpack_from(fields, data, phoff + k * phentsize)
        if ph[0] != 1:
            continue
        off, filesz = (ph[2], ph[5]) if data[4] == 2 else (ph[1], ph[4])
        end = max(end, off + filesz)
    if not hdr < end <= len(data):
        end = len(data)
    return hdr, end


def b_info(sz_unc, sz_cpr, method=0, ftid=0, cto=0):
    return struct.pack("<IIBBBB", sz_unc, sz_cpr, method, ftid, cto, 0)


class Chain:
    """Running state of the ELF block chain and its two adler32s."""

    def __init__(self, method, fid):
        self.method, self.fid = method, fid
        self.out = bytearray()
        self.u_adler = self.c_adler = 1
        self.u_len = self.c_len = 0
        self.used_filter = 0
        self.used_cto = 0

    def block(self, raw, code):
        tofilter = raw
        ftid = cto = 0
        if code and self.fid:
            r = apply_filter(raw, self.fid)
            if r is not None:
                tofilter, cto = r
                ftid = self.fid
        comp = compress(tofilter, self.method)
        if len(comp) < len(raw):
            self.out += b_info(len(raw), len(comp), self.method, ftid, cto)
            stored = comp
            if ftid:
                self.used_filter, self.used_cto = ftid, cto
        else:
            self.out += b_info(len(raw), len(raw))
            stored = raw
        self.out += stored
        self.u_adler = adler32(raw, self.u_adler)
        self.c_adler = adler32(stored, self.c_adler)
        self.u_len += len(raw)
        self.c_len += len(stored)

    def extent(self, data, lo, hi, blocksize, code):
        while lo < hi:
            n = min(blocksize, hi - lo)
            self.block(data[lo:lo + n], code)
            lo += n


def build_elf(data, opt):
    if not data:
        raise SystemExit("mkupx: empty input")
    blocksize = min(opt["blocksize"], len(data))
    hdr_len, load_end = elf_split(data)
    if opt["loader_end"]:
        load_end = len(data)
    nphdr = 3
    sz_elf_hdrs = 64 + 56 * nphdr
    overlay_offset = sz_elf_hdrs + 12
    chain = Chain(opt["method"], opt["filter"])
    if hdr_len:
        chain.extent(data, 0, hdr_len, blocksize, False)
    chain.extent(data, hdr_len, load_end, blocksize, True)

    body = bytearray()
    body += struct.pack("<III", 0, len(data), blocksize)  # p_info
    body += chain.out
    pos = overlay_offset + len(body)
    pad = (-pos) % 4
    if (pos + pad) % 8 == 0:
        pad += 4
    body += bytes(pad)
    body += struct.pack("<I", pos + pad)  # displacement word, as UPX
    loader_off = overlay_offset + len(body)
    loader = loader_bytes(b"MKUPX-ELF-LOADER")
    body += loader
    chain.out = bytearray()
    chain.extent(data, load_end, len(data), blocksize, False)
    body += chain.out
    body += b_info(0, struct.unpack("<I", UPX_MAGIC)[0])
    body += bytes(-(overlay_offset + len(body)) % 4)
    ph = pack_header(opt["version"], F_ELF64_AMD, opt["method"],
                     chain.u_adler, chain.c_adler, chain.u_len, chain.c_len,
                     len(data), chain.used_filter, chain.used_cto)
    total = overlay_offset + len(body) + 32 + 4

    base = 0x400000
    hole = (len(data) + 0xFFF) & ~0xFFF
    text_va = base + hole
    ehdr = bytearray(64)
    ehdr[0:16] = b"\x7fELF\x02\x01\x01" + bytes(9)
    struct.pack_into("<HHIQQQIHHHHHH", ehdr, 16, 2, 62, 1,
                     text_va + loader_off, 64, 0, 0, 64, 56, nphdr, 64, 0, 0)
    phdrs = struct.pack("<IIQQQQQQ", 1, 6, 0, base, base, 0, hole, 0x1000)
    phdrs += struct.pack("<IIQQQQQQ", 1, 5, 0, text_va, text_va,
                         loader_off + len(loader), loader_off + len(loader),
                         0x1000)
    phdrs += struct.pack("<IIQQQQQQ", 0x6474E551, 6, 0, 0, 0, 0, 0, 16)
    linfo = struct.pack("<I4sHBB", adler32(loader), UPX_MAGIC, len(loader),
                        opt["version"], F_ELF64_AMD)
    out = bytes(ehdr) + phdrs + linfo + bytes(body) + ph
    out += struct.pack("<I", overlay_offset)
    assert len(out) == total
    return out


PE_KERNEL32 = (b"KERNEL32.DLL\0\0\0LoadLibraryA\0\0\0GetProcAddress\0\0"
               b"VirtualProtect\0\0VirtualAlloc\0\0VirtualFree\0\0ExitProcess\0")


def pe_extrainfo(data_off, codesize):
    """The trailer UPX appends to a PE image before compressing it: the
    original PE header (only the fields the unpacker reads are set), one
    section header, and the trailer's own offset."""
    oh = bytearray(248)
    oh[0:4] = b"PE\0\0"
    struct.pack_into("<HH", oh, 4, 0x14C, 1)
    struct.pack_into("<HH", oh, 20, 0xE0, 0x103)
    struct.pack_into("<H", oh, 24, 0x10B)
    struct.pack_into("<I", oh, 28, codesize)
    struct.pack_into("<I", oh, 44, 0x1000 + data_off)  # codebase
    struct.pack_into("<I", oh, 52, 0x400000)
    sect = bytearray(40)
    sect[0:5] = b".text"
    struct.pack_into("<IIII", sect, 8, codesize, 0x1000, 0, 0)
    return bytes(oh) + bytes(sect)


def build_pe(data, opt):
    fid, cto = opt["filter"], 0
    image = bytes(data)
    if fid:
        # UPX filters [codebase - rvamin, + codesize) of the image with
        # add value codebase - rvamin; here that region is INPUT, placed
        # codeoff bytes into the image
        codeoff = opt["codeoff"]
        r = apply_filter(image, fid, codeoff)
        if r is None:
            raise SystemExit("mkupx: filter 0x%x refused this input" % fid)
        filtered, cto = r
        u = (bytes(codeoff) + filtered + pe_extrainfo(codeoff, len(image)) +
             struct.pack("<I", codeoff + len(image)))
    else:
        u = image
    if len(u) < 2:
        raise SystemExit("mkupx: input too small (UPX needs 2 bytes)")
    comp = compress(u, opt["method"])
    ph = pack_header(opt["version"], F_W32PE, opt["method"], adler32(u),
                     adler32(comp), len(u), len(comp), len(data), fid, cto)
    ident = VERSION_STR + b"\0" + ph

    falign, salign = 0x200, 0x1000
    upx1_raw = 0x400
    upx0_va = 0x1000
    upx0_vsize = (len(u) + salign - 1) & ~(salign - 1)
    upx1_va = upx0_va + upx0_vsize
    loader = loader_bytes(b"MKUPX-PE-LOADER\0")
    upx1 = comp + loader
    entry = upx1_va + len(comp)
    upx1 += bytes(-len(upx1) % falign)
    upx1_vsize = (len(upx1) + salign - 1) & ~(salign - 1)
    upx2_va = upx1_va + upx1_vsize
    upx2 = PE_KERNEL32 + bytes(-len(PE_KERNEL32) % falign)
    upx2_raw = upx1_raw + len(upx1)
    image_size = upx2_va + salign

    hdr = bytearray(upx1_raw)
    hdr[0:2] = b"MZ"
    struct.pack_into("<I", hdr, 0x3C, 0x80)
    hdr[0x40:0x40 + 39] = b"This program cannot be run in DOS mode."
    struct.pack_into("<4sHHIIIHH", hdr, 0x80, b"PE\0\0", 0x14C, 3, 0, 0, 0,
                     0xE0, 0x103)
    o = 0x98
    struct.pack_into("<HBBIIIIII", hdr, o, 0x10B, 2, 0x19, upx1_vsize, salign,
                     upx0_vsize, entry, upx1_va, upx2_va)
    struct.pack_into("<IIIHHHHHHIIIIHHIIIIII", hdr, o + 28, 0x400000, salign,
                     falign, 4, 0, 0, 0, 4, 0, 0, image_size, upx1_raw, 0, 3,
                     0, 0x200000, 0x1000, 0x100000, 0x1000, 0, 16)
    secs = [(b"UPX0", upx0_vsize, upx0_va, 0, upx1_raw, 0xE0000080),
            (b"UPX1", upx1_vsize, upx1_va, len(upx1), upx1_raw, 0xE0000040),
            (b"UPX2", salign, upx2_va, len(upx2), upx2_raw, 0xC0000040)]
    s = 0x98 + 0xE0
    for name, vsize, va, rsize, rptr, flags in secs:
        struct.pack_into("<8sIIIIIIHHI", hdr, s, name, vsize, va, rsize, rptr,
                         0, 0, 0, 0, flags)
        s += 40
    assert s + len(ident) <= upx1_raw
    if not opt["scramble"]:
        hdr[upx1_raw - len(ident):upx1_raw] = ident
    return bytes(hdr) + upx1 + upx2


def usage():
    parts = __doc__.split("\n\n")
    sys.stderr.write(parts[1] + "\n\n" +
                     next(p for p in parts if p.startswith("Options")) + "\n")
    sys.exit(2)


def main(argv):
    opt = {"method": 8, "filter": 0, "blocksize": 512 * 1024,
           "loader_end": False, "codeoff": 0, "version": 14,
           "scramble": False}
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--loader-end":
            opt["loader_end"] = True
        elif a == "--scramble":
            opt["scramble"] = True
        elif a in ("--method", "--filter", "--blocksize", "--codeoff",
                   "--version"):
            if i + 1 >= len(argv):
                usage()
            v = argv[i + 1]
            opt[a[2:]] = int(v, 16) if a == "--filter" else int(v, 0)
            i += 1
        elif a.startswith("--"):
            usage()
        else:
            args.append(a)
        i += 1
    if len(args) != 3 or args[0] not in ("elf", "pe"):
        usage()
    if (opt["method"] not in METHODS and opt["method"] != M_LZMA) or \
            opt["blocksize"] < 1:
        usage()
    with open(args[1], "rb") as f:
        data = f.read()
    out = build_elf(data, opt) if args[0] == "elf" else build_pe(data, opt)
    with open(args[2], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main(sys.argv[1:])
