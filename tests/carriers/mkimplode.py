#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkimplode.py OUT FILE... [--flat] - writes a ZIP whose members are
Imploded (method 6), as PKZIP 1.x did, from PKWARE's APPNOTE (section 5.3):
no Debian tool implodes (Info-ZIP's unzip and 7-Zip only explode: they
check what this writes).  An 8 KiB window with three Shannon-Fano trees
(literals, lengths, distances' high bits), greedy LZ77 matches of 3 to
321 bytes; the trees' bit lengths come from the data's frequencies
(Huffman, at most 16 bits) unless --flat, and their codes are assigned
exactly as APPNOTE says (from the longest length up, bits reversed).
"""
import heapq
import itertools
import os
import struct
import sys
import zlib

WINDOW, MIN, MAXLEN = 8192, 3, 63 + 255 + 3


def huffman_lengths(freq, flat):
    n = len(freq)
    if flat:
        return [n.bit_length() - 1] * n
    tie = itertools.count()
    heap = [(f + 1, next(tie), [i]) for i, f in enumerate(freq)]
    lens = [0] * n
    heapq.heapify(heap)
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        for i in a[2] + b[2]:
            lens[i] += 1
        heapq.heappush(heap, (a[0] + b[0], next(tie), a[2] + b[2]))
    if max(lens) > 16:
        return [n.bit_length() - 1] * n
    return lens


def appnote_codes(lens):
    """APPNOTE 5.3.7: sort by bit length (stable), assign from the end."""
    order = sorted(range(len(lens)), key=lambda i: (lens[i], i))
    codes, code, inc, last = [0] * len(lens), 0, 0, 0
    for sym in reversed(order):
        code += inc
        if lens[sym] != last:
            last = lens[sym]
            inc = 1 << (16 - last)
        codes[sym] = code
    return codes


def tree_bytes(lens):
    runs = []
    for l in lens:
        if runs and runs[-1][0] == l and runs[-1][1] < 16:
            runs[-1][1] += 1
        else:
            runs.append([l, 1])
    return bytes([len(runs) - 1]) + bytes(((c - 1) << 4) | (l - 1)
                                          for l, c in runs)


class Bits:
    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def raw(self, v, n):       # a number, least significant bit first
        self.acc |= v << self.n
        self.n += n
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def code(self, c, l):      # a Shannon-Fano code: its top bits, MSB first
        for k in range(l):
            self.raw(c >> (15 - k) & 1, 1)

    def done(self):
        if self.n:
            self.out.append(self.acc & 0xFF)
        return bytes(self.out)


def tokens(data):
    heads, toks, i = {}, [], 0
    while i < len(data):
        best, blen = 0, 0
        for j in reversed(heads.get(data[i:i + 3], [])[-16:]):
            if i - j > WINDOW:
                break
            n = 0
            while n < MAXLEN and i + n < len(data) and data[j + n] == data[i + n]:
                n += 1
            if n > blen:
                best, blen = j, n
        if blen >= MIN:
            toks.append((i - best, blen))
            step = blen
        else:
            toks.append(data[i])
            step = 1
        for k in range(i, i + step):
            heads.setdefault(data[k:k + 3], []).append(k)
        i += step
    return toks


def implode(data, flat):
    toks = tokens(data)
    lf, nf, df = [0] * 256, [0] * 64, [0] * 64
    for t in toks:
        if isinstance(t, int):
            lf[t] += 1
        else:
            d, n = t[0] - 1, t[1] - MIN
            df[d >> 7] += 1
            nf[min(n, 63)] += 1
    ll, nl, dl = (huffman_lengths(f, flat) for f in (lf, nf, df))
    lc, nc, dc = appnote_codes(ll), appnote_codes(nl), appnote_codes(dl)
    b = Bits()
    for t in toks:
        if isinstance(t, int):
            b.raw(1, 1)
            b.code(lc[t], ll[t])
            continue
        d, n = t[0] - 1, t[1] - MIN
        b.raw(0, 1)
        b.raw(d & 0x7F, 7)
        b.code(dc[d >> 7], dl[d >> 7])
        if n >= 63:
            b.code(nc[63], nl[63])
            b.raw(n - 63, 8)
        else:
            b.code(nc[n], nl[n])
    return tree_bytes(ll) + tree_bytes(nl) + tree_bytes(dl) + b.done()


def main(argv):
    flat = "--flat" in argv
    files = [a for a in argv[2:] if a != "--flat"]
    out, cdir = bytearray(), bytearray()
    for f in files:
        with open(f, "rb") as fh:
            data = fh.read()
        comp, name = implode(data, flat), os.path.basename(f).encode()
        crc, flags = zlib.crc32(data), 0x0006   # 8K window, 3 trees
        head = struct.pack("<HHHHHIIIHH", 10, flags, 6, 0, 0x21, crc,
                           len(comp), len(data), len(name), 0)
        cdir += (b"PK\1\2" + struct.pack("<H", 10) + head +
                 struct.pack("<HHHII", 0, 0, 0, 0, len(out)) + name)
        out += b"PK\3\4" + head + name + comp
    end = struct.pack("<4sHHHHIIH", b"PK\5\6", 0, 0, len(files), len(files),
                      len(cdir), len(out), 0)
    with open(argv[1], "wb") as fo:
        fo.write(bytes(out + cdir + end))


if __name__ == "__main__":
    main(sys.argv)
