#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkole.py - the OLE group's carriers that no Debian tool writes, from the
specifications (cfb.py), and the hostile cases of tests/cli.

  mkole.py fixtures OUTDIR PAYLOADDIR   doc, xls, docm, xlsm, msg, an OLE
                                        package, RTF objects (plain,
                                        obfuscated, \\bin)
  mkole.py odf OUTDIR PAYLOADDIR        ODF documents holding an embedded
                                        package, for LibreOffice to convert
  mkole.py hostile OUTDIR PAYLOADDIR    FAT loop, directory loop, a VBA
                                        module of 4 GB, RTF objects of 1 GB

Each fixture wraps EICAR (an embedded file) and the body marker (VBA
source, or an embedded marker.bin) where the carrier can hold both.
"""
import io
import os
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cfb  # noqa: E402


def payloads(d):
    rd = lambda n: open(os.path.join(d, n), "rb").read()
    return rd("eicar.com"), rd("marker.txt"), rd("marker.bin")


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


# ------------------------------------------------------------ OLE2 files

def word_doc(eicar, marker_src, major=3):
    """A Word 97 document: a FIB stub, a VBA project whose module holds
    the marker, and EICAR embedded as a package in its ObjectPool."""
    c = cfb.CFB(major, cfb.CLSID_WORD)
    fib = struct.pack("<HHH", 0xA5EC, 0xC1, 0) + b"\0" * 506
    c.add("WordDocument", fib + b"Invoice attached." + b"\0" * 3600)
    c.add("1Table", b"\0" * 1200)
    c.add("\x01CompObj", cfb.compobj("Microsoft Word-Dokument",
                                     "Word.Document.8"))
    cfb.vba_project(c, "Macros", [("Module1", marker_src)],
                    pcode=b"\x01\x16\x03\x00" + b"\0" * 60)
    cfb.package_storage(c, "ObjectPool/_1581234567", "eicar.com", eicar)
    return c.build()


def excel_xls(eicar, marker_src):
    c = cfb.CFB(3, cfb.CLSID_EXCEL)
    bof = struct.pack("<HHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 0)
    c.add("Workbook", bof + struct.pack("<HH", 0x000A, 0) + b"\0" * 4096)
    cfb.vba_project(c, "_VBA_PROJECT_CUR", [("Module1", marker_src),
                                            ("ThisWorkbook",
                                             b'Attribute VB_Name = '
                                             b'"ThisWorkbook"\r\n')])
    cfb.package_storage(c, "MBD00A1B2C3", "eicar.com", eicar)
    return c.build()


def vba_bin(marker_src, major=4):
    """An OOXML document's vbaProject.bin."""
    c = cfb.CFB(major)
    cfb.vba_project(c, "", [("Module1", marker_src)])
    return c.build()


def package_ole(name, data):
    """An embedded object as Word saves it (oleObject1.bin)."""
    c = cfb.CFB(3, cfb.CLSID_PACKAGE)
    cfb.package_storage(c, "", name, data)
    return c.build()


def ooxml(kind, eicar, marker_src):
    """A .docm or .xlsm: its vbaProject.bin and an embedded package."""
    part = "word" if kind == "docm" else "xl"
    main = "document.xml" if kind == "docm" else "workbook.xml"
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="bin" ContentType="application/'
          'vnd.ms-office.vbaProject"/><Override PartName="/%s/%s" '
          'ContentType="application/vnd.ms-%s.main+xml"/></Types>'
          % (part, main, "word.document.macroEnabled" if kind == "docm"
             else "excel.sheet.macroEnabled"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("%s/%s" % (part, main), "<x/>")
        z.writestr("%s/vbaProject.bin" % part, vba_bin(marker_src))
        z.writestr("%s/embeddings/oleObject1.bin" % part,
                   package_ole("eicar.com", eicar))
    return buf.getvalue()


def msg(eicar, marker_bin):
    """An Outlook message with two attachments ([MS-OXMSG])."""
    c = cfb.CFB(3, cfb.CLSID_MSG)
    u = lambda s: s.encode("utf-16-le")
    c.add("__properties_version1.0", b"\0" * 32)
    c.add("__substg1.0_0037001F", u("Invoice"))
    c.add("__substg1.0_1000001F", u("Please find the invoice attached."))
    c.add("__nameid_version1.0/__substg1.0_00020102", b"")
    c.add("__recip_version1.0_#00000000/__substg1.0_3001001F", u("Bob"))
    for i, (name, data) in enumerate([("eicar.com", eicar),
                                      ("marker.bin", marker_bin)]):
        a = "__attach_version1.0_#%08X/" % i
        c.add(a + "__properties_version1.0", b"\0" * 8 + struct.pack(
            "<HHII", 0x0003, 0x3705, 6, 1))
        c.add(a + "__substg1.0_3707001F", u(name))
        c.add(a + "__substg1.0_3704001F", u(name[:8]))
        c.add(a + "__substg1.0_37010102", data)
    return c.build()


# ------------------------------------------------------------ RTF

def hexlines(data, width=64):
    h = data.hex()
    return "\n".join(h[i:i + width] for i in range(0, len(h), width))


def rtf_doc(body):
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Arial;}}\n"
            "\\pard Invoice attached.\\par\n" + body + "\n}\n").encode()


def rtf_object(cls, hexdata):
    return ("{\\object\\objemb{\\*\\objclass %s}\\objw1000\\objh1000"
            "{\\*\\objdata\n%s\n}}" % (cls, hexdata))


def obfuscate(data):
    """The hex of data the way exploit kits write it: case mixed,
    white space and line breaks inside bytes, meaningless control words,
    plain and ignorable groups, and a last digit left alone."""
    h = data.hex()
    out = []
    for i in range(0, len(h), 2):
        pair = h[i:i + 2]
        if i % 6 == 0:
            pair = pair.upper()
        if i % 34 == 0:
            pair = pair[0] + " \r\n\t" + pair[1]
        out.append(pair)
        if i % 98 == 0:
            out.append("\\par ")
        if i % 130 == 0:
            out.append("{\\*\\mdejunk 4142434445}")
        if i % 162 == 0:
            out.append("{}")
    return "".join(out) + "7"


def rtf_fixtures(eicar, marker_src, marker_bin):
    plain = rtf_doc(
        rtf_object("Package", hexlines(cfb.ole1_object(
            "Package", cfb.ole10native("eicar.com", eicar)))) + "\\par\n" +
        rtf_object("Package", hexlines(cfb.ole1_object(
            "Package", cfb.ole10native("marker.bin", marker_bin)))))
    doc = word_doc(eicar, marker_src)
    tricky = rtf_doc(rtf_object("Word.Document.8", obfuscate(
        cfb.ole1_object("Word.Document.8", doc))))
    # \bin: the object's header in hex, its native data raw
    obj = cfb.ole1_object("Package", cfb.ole10native("eicar.com", eicar))
    cut = 40
    binobj = ("{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata "
              "%s\\bin%d " % (obj[:cut].hex(), len(obj) - cut)).encode() + \
        obj[cut:] + b"}}"
    binrtf = rtf_doc("") [:-3] + binobj + ("\\par{\\*\\mdeblob\\bin%d " %
                                          len(marker_bin)).encode() + \
        marker_bin + b"}\n}\n"
    return plain, tricky, binrtf


# ------------------------------------------------------------ ODF

ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:xlink="http://www.w3.org/1999/xlink" '
          'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible'
          ':1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table'
          ':1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns'
          ':presentation:1.0"')


def odf(kind, objects):
    """An ODF document (kind text, spreadsheet or presentation) holding
    objects: OLE2 storages LibreOffice keeps as embedded objects."""
    frames = "".join(
        '<draw:frame draw:name="Object%d" svg:x="1cm" svg:y="%dcm" '
        'svg:width="2cm" svg:height="2cm"%s><draw:object-ole '
        'xlink:href="./Object %d" xlink:type="simple" xlink:show="embed" '
        'xlink:actuate="onLoad"/></draw:frame>'
        % (i, 1 + 3 * i, ' text:anchor-type="as-char"' if kind == "text"
           else "", i) for i in range(len(objects)))
    body = {
        "text": "<office:text><text:p>Invoice attached.%s</text:p>"
                "</office:text>",
        "spreadsheet": '<office:spreadsheet><table:table table:name="S1">'
                       "<table:shapes>%s</table:shapes><table:table-row>"
                       "<table:table-cell/></table:table-row></table:table>"
                       "</office:spreadsheet>",
        "presentation": '<office:presentation><draw:page draw:name="p1">'
                        "%s</draw:page></office:presentation>",
    }[kind] % frames
    mt = "application/vnd.oasis.opendocument." + kind
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-'
               'content %s office:version="1.3"><office:body>%s</office:'
               'body></office:document-content>' % (ODF_NS, body))
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0" manifest:version="1.3"><manifest:file-entry '
                'manifest:full-path="/" manifest:media-type="%s"/>'
                '<manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/>' % mt +
                "".join('<manifest:file-entry manifest:full-path="Object %d" '
                        'manifest:media-type="application/vnd.sun.star.'
                        'oleobject"/>' % i for i in range(len(objects))) +
                "</manifest:manifest>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mt)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        for i, o in enumerate(objects):
            z.writestr("Object %d" % i, o, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# ------------------------------------------------------------ hostile

def fat_loop(eicar):
    """A stream whose chain of sectors loops, claiming 4 GB; EICAR in a
    sound stream beside it."""
    c = cfb.CFB(3)
    bad = c.add("Looping", b"L" * 8192)
    c.add("Sound/eicar.com", eicar)
    data = bytearray(c.build())
    last = bad.start + 8192 // 512 - 1
    struct.pack_into("<I", data, c.fat_entry_offset(last), bad.start)
    struct.pack_into("<I", data, c.dirent_offset(bad) + 120, 0xFFFFFFF0)
    return bytes(data)


def dir_loop(eicar):
    """Directory trees that loop: a storage whose child is the root, and
    siblings that point at each other."""
    c = cfb.CFB(3)
    a = c.add("A/a.txt", b"a" * 100)
    b = c.add("B", b"b" * 100)
    e = c.add("eicar.com", eicar)
    data = bytearray(c.build())
    sa = c.root.kids["A"]
    put = lambda node, field, v: struct.pack_into(
        "<I", data, c.dirent_offset(node) + field, v)
    # the root's children: B at the top, A left, eicar.com right
    put(a, 68, sa.index)        # a.txt's left: its own storage
    put(a, 72, 0)               # ... its right: the root
    put(sa, 68, sa.index)       # A's left: itself
    put(e, 68, b.index)         # eicar.com's left: the top of its tree
    put(e, 72, c.root.index)    # ... its right: the root
    return bytes(data)


def vba_4g(marker_src):
    """A VBA module whose source decompresses to 4 GB: chunks of a
    literal and one copy token of 4095 bytes (6 bytes each)."""
    # a 6-byte chunk: flags 0b10, "A", then a copy token at position 1
    # (4 offset bits: offset 1, length 0xFFC + 3 = 4095)
    chunk = struct.pack("<H", 0xB000 | (6 - 3)) + b"\x02A" + \
        struct.pack("<H", 0x0FFC)
    n = (4 << 30) // 4096
    src = b"\x01" + chunk * n
    c = cfb.CFB(4)
    cfb.vba_project(c, "", [("Module1", marker_src)])
    big = c.add("VBA/Module1", src)
    data = bytearray(c.build())
    struct.pack_into("<Q", data, c.dirent_offset(big) + 120, 0xFFFFFFF0)
    return bytes(data)


def rtf_hex_gz(path, size):
    """An RTF with one object of size bytes of hex, gzip'd as it is
    written (a few megabytes on disk)."""
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    block = b"4142434445464748\n" * (1 << 16)
    with open(path, "wb") as f:
        f.write(z.compress(b"{\\rtf1{\\object\\objemb{\\*\\objdata "))
        for _ in range(size // len(block)):
            f.write(z.compress(block))
        f.write(z.compress(b"}}}\n"))
        f.write(z.flush())


def rtf_hex(path, size):
    block = b"4142434445464748\n" * (1 << 16)
    with open(path, "wb") as f:
        f.write(b"{\\rtf1{\\object\\objemb{\\*\\objdata ")
        for _ in range(size // len(block)):
            f.write(block)
        f.write(b"}}}\n")


def rtf_sparse(path, size):
    """1 GB on the file system, a few blocks on disk: the object's hex
    head, a hole, its end."""
    with open(path, "wb") as f:
        f.write(b"{\\rtf1{\\object\\objemb{\\*\\objdata 01050000")
        f.truncate(size - 4)
        f.seek(size - 4)
        f.write(b"}}}\n")


def hostile(out, pay):
    eicar, marker_src, _ = payloads(pay)
    write(out, "ole2-fatloop.doc", fat_loop(eicar))
    write(out, "ole2-dirloop.doc", dir_loop(eicar))
    write(out, "vba-module-4g.bin", vba_4g(marker_src))
    rtf_hex_gz(os.path.join(out, "rtf-hex-1g.rtf.gz"), 1 << 30)
    rtf_hex(os.path.join(out, "rtf-hex-80m.rtf"), 80 << 20)
    rtf_sparse(os.path.join(out, "rtf-sparse-1g.rtf"), 1 << 30)
    write(out, "rtf-bin-4g.rtf",
          b"{\\rtf1{\\object{\\*\\objdata 0105\\bin4294967296 ABCD}}}"
          b"{\\*\\x\\bin99999999999999999999 }")


# ------------------------------------------------------------ main

def fixtures(out, pay):
    eicar, marker_src, marker_bin = payloads(pay)
    write(out, "doc-vba-pycfb.doc", word_doc(eicar, marker_src))
    write(out, "doc-vba-v4-pycfb.doc", word_doc(eicar, marker_src, 4))
    write(out, "xls-vba-pycfb.xls", excel_xls(eicar, marker_src))
    write(out, "docm-vba-pyzip.docm", ooxml("docm", eicar, marker_src))
    write(out, "xlsm-vba-pyzip.xlsm", ooxml("xlsm", eicar, marker_src))
    write(out, "msg-attach-pycfb.msg", msg(eicar, marker_bin))
    write(out, "ole-package-pycfb.bin", package_ole("eicar.com", eicar))
    plain, tricky, binrtf = rtf_fixtures(eicar, marker_src, marker_bin)
    write(out, "rtf-package-pyrtf.rtf", plain)
    write(out, "rtf-ole2-obfuscated-pyrtf.rtf", tricky)
    write(out, "rtf-bin-pyrtf.rtf", binrtf)


def odf_sources(out, pay):
    eicar, _, marker_bin = payloads(pay)
    objs = [package_ole("eicar.com", eicar),
            package_ole("marker.bin", marker_bin)]
    write(out, "embedded.odt", odf("text", objs))
    write(out, "embedded.ods", odf("spreadsheet", objs))
    write(out, "embedded.odp", odf("presentation", objs))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("fixtures", "odf",
                                                 "hostile"):
        sys.exit(__doc__)
    os.makedirs(sys.argv[2], exist_ok=True)
    {"fixtures": fixtures, "odf": odf_sources,
     "hostile": hostile}[sys.argv[1]](sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
