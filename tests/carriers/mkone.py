#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/carriers/mkone.py OUTDIR PAYLOADDIR - OneNote files written from
[MS-ONESTORE] (no Debian tool writes them): a section (.one) and a table of
contents (.onetoc2) of the revision store, each with the payloads as
embedded files: the 1024-byte header (2.3.1) and, for each file, a
FileDataStoreObject (2.6.13): its header GUID, the length, reserved bytes,
the data padded to 8 bytes, the footer GUID.  The file node lists that
reference the objects are left out: scanners find the objects by their
GUIDs, as OneNote's own recovery does.  Python's standard library only.
"""
import os
import struct
import sys
import uuid

SECTION = uuid.UUID("7B5C52E4-D88C-4DA7-AEB1-5378D02996D3").bytes_le
TOC = uuid.UUID("43FF2FA1-EFD9-4C76-9EE2-10EA5722765F").bytes_le
REVSTORE = uuid.UUID("109ADD3F-911B-49F5-A5D0-1791EDC8AED8").bytes_le
FDSO_HEADER = uuid.UUID("BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC").bytes_le
FDSO_FOOTER = uuid.UUID("71FBA722-0F79-4A0B-BB13-899256426B24").bytes_le


def header(ftype, ffv, length):
    h = ftype + uuid.uuid4().bytes_le + bytes(16) + REVSTORE
    h += struct.pack("<IIII", ffv, ffv, ffv, ffv)
    h += bytes(16)                        # legacy free chunk list, log
    h += struct.pack("<II", 1, length)    # transactions, legacy length
    return h.ljust(1024, b"\0")


def fdso(data):
    pad = bytes(-len(data) % 8)
    return (FDSO_HEADER + struct.pack("<QI", len(data), 0) + bytes(8) + data +
            pad + FDSO_FOOTER)


def write(path, ftype, ffv, files):
    body = b"".join(fdso(f) for f in files)
    with open(path, "wb") as f:
        f.write(header(ftype, ffv, 1024 + len(body)) + body)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out, pay = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    files = []
    for n in ("eicar.com", "marker.bin"):
        with open(os.path.join(pay, n), "rb") as f:
            files.append(f.read())
    write(os.path.join(out, "onenote-section-python.one"), SECTION, 0x2A,
          files)
    write(os.path.join(out, "onenote-toc-python.onetoc2"), TOC, 0x1B, files)


if __name__ == "__main__":
    main()
