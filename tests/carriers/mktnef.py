#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mktnef.py OUT [--unicode] [--claim N] FILE... - writes a TNEF stream
(winmail.dat) holding FILEs as attachments, from [MS-OXTNEF]: what
Outlook sends when it wraps a message's attachments for another mail
client.  No Debian tool writes TNEF (the tnef package only reads it:
`tnef -t OUT` lists what this wrote).

Each attachment: attAttachRendData, attAttachTitle (the 8.3 name),
attAttachData, and attAttachment with PR_ATTACH_LONG_FILENAME (PT_UNICODE
with --unicode, else PT_STRING8).  --claim N makes the last attachment's
attAttachData claim N bytes (a hostile stream: the data is what it is).
"""
import os
import struct
import sys

SIGNATURE = 0x223E9F78
LVL_MESSAGE, LVL_ATTACH = 1, 2


def attr(level, ident, data, claim=None):
    n = len(data) if claim is None else claim
    return (struct.pack("<BII", level, ident, n) + data +
            struct.pack("<H", sum(data) & 0xFFFF))


def short_name(name):
    base, ext = os.path.splitext(os.path.basename(name))
    return (base[:8] + ext[:4]).upper().encode("ascii", "replace")


def long_name_prop(name, unicode):
    if unicode:
        ptype, val = 0x001F, name.encode("utf-16-le") + b"\0\0"
    else:
        ptype, val = 0x001E, name.encode("utf-8") + b"\0"
    pad = b"\0" * ((4 - len(val) % 4) % 4)
    return (struct.pack("<IHH", 1, ptype, 0x3707) +
            struct.pack("<II", 1, len(val)) + val + pad)


def attachment(name, data, unicode, claim=None):
    rend = struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0xFFFF, 0xFFFF, 0)
    return (attr(LVL_ATTACH, 0x00069002, rend) +
            attr(LVL_ATTACH, 0x00018010, short_name(name) + b"\0") +
            attr(LVL_ATTACH, 0x0006800F, data, claim) +
            attr(LVL_ATTACH, 0x00069005, long_name_prop(name, unicode)))


def main(argv):
    unicode, claim, files = False, None, []
    args = iter(argv[2:])
    for a in args:
        if a == "--unicode":
            unicode = True
        elif a == "--claim":
            claim = int(next(args))
        else:
            files.append(a)
    out = struct.pack("<IH", SIGNATURE, 0x0001)
    out += attr(LVL_MESSAGE, 0x00089006, struct.pack("<I", 0x00010000))
    out += attr(LVL_MESSAGE, 0x00069007, struct.pack("<II", 1252, 0))
    out += attr(LVL_MESSAGE, 0x00078008, b"IPM.Microsoft Mail.Note\0")
    out += attr(LVL_MESSAGE, 0x0001800C, b"See the attached files.\0")
    for i, f in enumerate(files):
        with open(f, "rb") as fh:
            data = fh.read()
        last = i == len(files) - 1
        out += attachment(os.path.basename(f), data, unicode,
                          claim if last else None)
    with open(argv[1], "wb") as fo:
        fo.write(out)


if __name__ == "__main__":
    main(sys.argv)
