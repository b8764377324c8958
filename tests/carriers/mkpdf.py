#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/carriers/mkpdf.py - PDF files written from ISO 32000-1, for what
the real tools (qpdf, ghostscript, LibreOffice) will not write: the LZW,
ASCII85, ASCIIHex and RunLength filters, filter chains, PNG and TIFF
predictors, JavaScript actions, incremental updates, a file without a
cross-reference table; and the hostile cases (a stream bomb, an xref
loop, an object nested a million deep).

  mkpdf.py carriers OUTDIR PAYLOADDIR   the carrier fixtures
  mkpdf.py hostile OUTDIR               the hostile files

Python's standard library only.  Every encoder here is checked against
qpdf's decoders by tests/carriers/mk_pdf.sh when qpdf is installed.
"""
import os
import sys
import zlib


# ------------------------------------------------------------- encoders

def lzw(data, early=1):
    """LZWDecode's encoder (7.4.4): 9 to 12 bit codes, MSB first, a clear
    code first, EOD last; the width grows one code early by default."""
    out, acc, nbits = bytearray(), 0, 0
    width = 9

    def emit(code):
        nonlocal acc, nbits
        acc = (acc << width) | code
        nbits += width
        while nbits >= 8:
            nbits -= 8
            out.append((acc >> nbits) & 0xff)

    table = {bytes([i]): i for i in range(256)}
    nxt = 258
    emit(256)
    w = b""
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        emit(table[w])
        table[wc] = nxt
        nxt += 1
        if nxt + early - 1 >= (1 << width) and width < 12:
            width += 1
        if nxt >= 4094:
            emit(256)
            table = {bytes([i]): i for i in range(256)}
            nxt, width = 258, 9
        w = bytes([c])
    if w:
        emit(table[w])
    emit(257)
    if nbits:
        out.append((acc << (8 - nbits)) & 0xff)
    return bytes(out)


def a85(data):
    out = bytearray()
    for i in range(0, len(data), 4):
        chunk = data[i:i + 4]
        n = len(chunk)
        v = int.from_bytes(chunk.ljust(4, b"\0"), "big")
        if v == 0 and n == 4:
            out += b"z"
            continue
        digits = []
        for _ in range(5):
            digits.append(v % 85)
            v //= 85
        out += bytes(33 + d for d in reversed(digits))[:n + 1]
    return bytes(out) + b"~>"


def ahx(data):
    return data.hex().encode() + b">"


def runlength(data):
    out, i = bytearray(), 0
    while i < len(data):
        j = i
        while j < len(data) and j - i < 128 and data[j] == data[i]:
            j += 1
        if j - i >= 3:
            out += bytes([257 - (j - i), data[i]])
            i = j
            continue
        j = i
        while j < len(data) and j - i < 128 and not (
                j + 2 < len(data) and data[j] == data[j + 1] == data[j + 2]):
            j += 1
        out += bytes([j - i - 1]) + data[i:j]
        i = j
    return bytes(out + b"\x80")


def png_up(data, columns):
    """PNG predictor rows (filter type 2, Up; type 1, Sub, on odd rows)."""
    out, prev = bytearray(), bytes(columns)
    data = data + bytes(-len(data) % columns)
    for r in range(0, len(data), columns):
        row = data[r:r + columns]
        if (r // columns) % 2:
            out.append(1)
            out += bytes((row[i] - (row[i - 1] if i else 0)) & 0xff
                         for i in range(columns))
        else:
            out.append(2)
            out += bytes((row[i] - prev[i]) & 0xff for i in range(columns))
        prev = row
    return bytes(out)


def tiff2(data, columns):
    out = bytearray()
    data = data + bytes(-len(data) % columns)
    for r in range(0, len(data), columns):
        row = data[r:r + columns]
        out += bytes((row[i] - (row[i - 1] if i else 0)) & 0xff
                     for i in range(columns))
    return bytes(out)


# --------------------------------------------------------------- writer

class Pdf:
    """Objects in order; write() lays out the body, the xref, trailer."""

    def __init__(self):
        self.objs = {}

    def add(self, num, body, stream=None):
        self.objs[num] = (body, stream)

    @staticmethod
    def obj_bytes(num, body, stream):
        s = b"%d 0 obj\n" % num
        if stream is None:
            return s + body + b"\nendobj\n"
        if b"/Length" not in body:
            body = body[:-2] + b" /Length %d >>" % len(stream)
        return s + body + b"\nstream\n" + stream + b"\nendstream\nendobj\n"

    def body(self, start, nums=None):
        out, offs = bytearray(), {}
        for n in nums or sorted(self.objs):
            offs[n] = start + len(out)
            out += self.obj_bytes(n, *self.objs[n])
        return bytes(out), offs

    @staticmethod
    def xref(offs, size, start, trailer_extra=b""):
        x = bytearray(b"xref\n")
        nums = sorted(offs)
        if 0 not in offs:
            x += b"0 1\n0000000000 65535 f \n"
        for n in nums:
            x += b"%d 1\n%010d 00000 n \n" % (n, offs[n])
        x += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
            size, trailer_extra, start)
        return bytes(x)

    def write(self, path, xref=True):
        head = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
        body, offs = self.body(len(head))
        out = head + body
        if xref:
            out += self.xref(offs, max(offs) + 1, len(out))
        else:
            out += b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
        with open(path, "wb") as f:
            f.write(out)
        return out


def attach(pdf, files, first=10):
    """Catalog 1, pages 2, the embedded files from object first on."""
    names = b""
    for i, (name, data, filt, parms) in enumerate(files):
        fs, st = first + 2 * i, first + 2 * i + 1
        names += b"(%s) %d 0 R " % (name.encode(), fs)
        pdf.add(fs, b"<< /Type /Filespec /F (%s) /UF (%s) /EF << /F %d 0 R >> >>"
                % (name.encode(), name.encode(), st))
        d = b"<< /Type /EmbeddedFile"
        if filt:
            d += b" /Filter " + filt
        if parms:
            d += b" /DecodeParms " + parms
        pdf.add(st, d + b" >>", data)
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles "
            b"<< /Names [ " + names + b"] >> >> >>")
    pdf.add(2, b"<< /Type /Pages /Kids [] /Count 0 >>")


def payloads(pay):
    with open(os.path.join(pay, "eicar.com"), "rb") as f:
        eicar = f.read()
    with open(os.path.join(pay, "marker.bin"), "rb") as f:
        marker = f.read()
    with open(os.path.join(pay, "marker.txt"), "rb") as f:
        text = f.read()
    return eicar, marker, text


def filtered(out, tag, enc, filt, parms=None):
    def make(eicar, marker):
        pdf = Pdf()
        attach(pdf, [("eicar.com", enc(eicar), filt, parms),
                     ("marker.bin", enc(marker), filt, parms)])
        pdf.write(os.path.join(out, "pdf-%s-python.pdf" % tag))
    return make


def js_action(out, text):
    """An OpenAction with the script as a string, and a page annotation's
    action with the script as a (compressed) stream."""
    pdf = Pdf()
    js = b"app.alert('" + text.replace(b"\n", b" ").replace(b'"', b"") + b"');"
    esc = js.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>")
    pdf.add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    pdf.add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/AA << /O 5 0 R >> >>")
    pdf.add(4, b"<< /Type /Action /S /JavaScript /JS (" + esc + b") >>")
    pdf.add(5, b"<< /Type /Action /S /JavaScript /JS 6 0 R >>")
    pdf.add(6, b"<< /Filter /FlateDecode >>", zlib.compress(js))
    pdf.write(os.path.join(out, "pdf-javascript-python.pdf"))


def incremental(out, eicar, marker):
    """Revision 1 embeds the payloads; revision 2 replaces both streams
    (same object numbers) with harmless text: only the old revision,
    still in the file, holds them."""
    pdf = Pdf()
    attach(pdf, [("eicar.com", zlib.compress(eicar), b"/FlateDecode", None),
                 ("marker.bin", zlib.compress(marker), b"/FlateDecode", None)])
    first = pdf.write(os.path.join(out, "pdf-incremental-python.pdf"))
    prev = int(first.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    upd = Pdf()
    upd.add(11, b"<< /Type /EmbeddedFile >>", b"replaced")
    upd.add(13, b"<< /Type /EmbeddedFile >>", b"replaced too")
    body, offs = upd.body(len(first))
    tail = upd.xref(offs, 14, len(first) + len(body), b"/Prev %d " % prev)
    with open(os.path.join(out, "pdf-incremental-python.pdf"), "wb") as f:
        f.write(first + body + tail)


def carriers(out, pay):
    eicar, marker, text = payloads(pay)
    flate = zlib.compress
    for make in (
            filtered(out, "lzw", lzw, b"/LZWDecode"),
            filtered(out, "lzw-early0", lambda d: lzw(d, 0), b"/LZWDecode",
                     b"<< /EarlyChange 0 >>"),
            filtered(out, "ascii85", a85, b"/ASCII85Decode"),
            filtered(out, "asciihex", ahx, b"/ASCIIHexDecode"),
            filtered(out, "runlength", runlength, b"/RunLengthDecode"),
            filtered(out, "chain-a85-flate", lambda d: a85(flate(d)),
                     b"[/ASCII85Decode /FlateDecode]"),
            filtered(out, "predictor-png", lambda d: flate(png_up(d, 4)),
                     b"/FlateDecode", b"<< /Predictor 12 /Columns 4 >>"),
            filtered(out, "predictor-tiff", lambda d: lzw(tiff2(d, 4)),
                     b"/LZWDecode", b"<< /Predictor 2 /Columns 4 >>")):
        make(eicar, marker)
    js_action(out, text)
    incremental(out, eicar, marker)
    pdf = Pdf()
    attach(pdf, [("eicar.com", flate(eicar), b"/FlateDecode", None),
                 ("marker.bin", marker, None, None)])
    pdf.write(os.path.join(out, "pdf-no-xref-python.pdf"), xref=False)


# -------------------------------------------------------------- hostile

def hostile(out):
    # a stream bomb: 1 GiB of zeros in about 1 MB of FlateDecode
    z, chunk = zlib.compressobj(9), bytes(1 << 20)
    data = b"".join(z.compress(chunk) for _ in range(1024)) + z.flush()
    pdf = Pdf()
    attach(pdf, [("zeros.bin", data, b"/FlateDecode", None)])
    pdf.write(os.path.join(out, "pdf-bomb.pdf"))
    # an xref loop: /Prev points at the section itself
    pdf = Pdf()
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    pdf.add(2, b"<< /Type /Pages /Kids [] /Count 0 >>")
    head = b"%PDF-1.4\n"
    body, offs = pdf.body(len(head))
    x = len(head) + len(body)
    tail = (b"xref\n0 3\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n"
            b"trailer\n<< /Size 3 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (offs[1], offs[2], x, x))
    with open(os.path.join(out, "pdf-xref-loop.pdf"), "wb") as f:
        f.write(head + body + tail)
    # an object nested a million arrays deep, then a million dictionaries
    n = 1000000
    pdf = Pdf()
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R /Deep 3 0 R >>")
    pdf.add(2, b"<< /Type /Pages /Kids [] /Count 0 >>")
    pdf.add(3, b"[" * n + b"]" * n)
    pdf.add(4, b"<< /A " * n + b">>" * n)
    pdf.write(os.path.join(out, "pdf-deep.pdf"))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "carriers":
        os.makedirs(sys.argv[2], exist_ok=True)
        carriers(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "hostile":
        os.makedirs(sys.argv[2], exist_ok=True)
        hostile(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
