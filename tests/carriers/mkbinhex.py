#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkbinhex.py OUT DATAFILE [--rsrc FILE] [--name NAME] [--zeros N]
[--prefix TEXT] - writes DATAFILE as BinHex 4.0 text (.hqx), the data fork,
with FILE as the resource fork.  Python 3.11 dropped binascii's hqx
helpers (b2a_hqx, rlecode_hqx); this is the encoding from the format's
description (RFC 1741): header, forks and CRC-16/XMODEM, run-length coded
(0x90), six bits a character, 64 characters a line, between ':'s.
--zeros N: the data fork is N zero bytes (a run-length bomb: about 1/95 of
N in text).  --prefix: text before the announcement (a mail's words).
"""
import binascii
import struct
import sys

ALPHABET = (b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr")


def crc(data):
    return binascii.crc_hqx(b"\0\0", binascii.crc_hqx(data, 0))


def rle(data):
    out, i, n = bytearray(), 0, len(data)
    while i < n:
        b, j = data[i], i + 1
        while j < n and data[j] == b and j - i < 255:
            j += 1
        run = j - i
        lit = b"\x90\x00" if b == 0x90 else bytes([b])
        if run >= 4:
            out += lit + bytes([0x90, run])
        else:
            out += lit * run
        i = j
    return bytes(out)


def six(data):
    out, acc, bits = bytearray(), 0, 0
    for b in data:
        acc, bits = acc << 8 | b, bits + 8
        while bits >= 6:
            bits -= 6
            out.append(ALPHABET[acc >> bits & 63])
    if bits:
        out.append(ALPHABET[acc << (6 - bits) & 63])
    return bytes(out)


def encode(name, data, rsrc):
    nm = name.encode("latin-1", "replace")[:63]
    head = (bytes([len(nm)]) + nm + b"\0" + b"TEXT" + b"ttxt" +
            struct.pack(">HII", 0, len(data), len(rsrc)))
    body = head + struct.pack(">H", crc(head))
    body += data + struct.pack(">H", crc(data))
    body += rsrc + struct.pack(">H", crc(rsrc))
    text = six(rle(body))
    lines = [b":" + text[:63]] + [text[i:i + 64]
                                  for i in range(63, len(text), 64)]
    lines[-1] += b":"
    return (b"(This file must be converted with BinHex 4.0)\r\n\r\n" +
            b"\r\n".join(lines) + b"\r\n")


def main(argv):
    out, data_file = argv[1], argv[2]
    rsrc, name, zeros, prefix = b"", None, None, b""
    args = iter(argv[3:])
    for a in args:
        if a == "--rsrc":
            with open(next(args), "rb") as fh:
                rsrc = fh.read()
        elif a == "--name":
            name = next(args)
        elif a == "--zeros":
            zeros = int(next(args))
        elif a == "--prefix":
            prefix = next(args).encode()
    if zeros is not None:
        data = bytes(zeros)
    else:
        with open(data_file, "rb") as fh:
            data = fh.read()
    name = name or data_file.rsplit("/", 1)[-1]
    with open(out, "wb") as fo:
        fo.write(prefix + encode(name, data, rsrc))


if __name__ == "__main__":
    main(sys.argv)
