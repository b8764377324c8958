#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/carriers/mkhtml.py - HTML pages that carry files the way phishing
pages do ("HTML smuggling"), and their hostile case.

  mkhtml.py carriers OUTDIR PAYLOADDIR   the carrier fixtures
  mkhtml.py hostile OUTDIR               a page with a 48 MiB base64 blob

The carriers: a download link whose href is a data: URI (base64), a script
that joins base64 string literals, decodes them with atob() and saves the
bytes as a Blob, an atob() of a single literal, a page whose script holds
the marker text, and a mail message whose HTML part smuggles the file.
Python's standard library only.
"""
import base64
import os
import sys
from email.message import EmailMessage


def payloads(pay):
    out = []
    for n in ("eicar.com", "marker.bin", "marker.txt"):
        with open(os.path.join(pay, n), "rb") as f:
            out.append(f.read())
    return out


def b64(data):
    return base64.b64encode(data).decode()


def data_uri_page(eicar, marker):
    return ("<!DOCTYPE html>\n<html><head><title>Invoice</title></head>\n"
            "<body><p>Your invoice is ready.</p>\n"
            '<a href="data:application/octet-stream;base64,%s" '
            'download="invoice.com">download</a>\n'
            '<img src="data:image/png;base64,%s" alt="">\n'
            "</body></html>\n" % (b64(eicar), b64(marker)))


def smuggling_page(eicar, marker):
    e, m = b64(eicar), b64(marker)
    parts = " +\n      ".join('"%s"' % e[i:i + 40] for i in range(0, len(e), 40))
    return ("<html>\n<head><meta charset=\"utf-8\"></head>\n<body>\n"
            "<script>\n"
            "function save(b64, name) {\n"
            "  var bin = atob(b64), a = new Uint8Array(bin.length);\n"
            "  for (var i = 0; i < bin.length; i++) a[i] = bin.charCodeAt(i);\n"
            "  var blob = new Blob([a], {type: 'application/octet-stream'});\n"
            "  var link = document.createElement('a');\n"
            "  link.href = URL.createObjectURL(blob); link.download = name;\n"
            "  document.body.appendChild(link); link.click();\n"
            "}\n"
            "var payload = %s;\n"
            "save(payload, 'invoice.com');\n"
            "save('%s', 'notes.bin');\n"
            "</script>\n</body>\n</html>\n" % (parts, m))


def atob_page(eicar):
    return ("<html><body onload=\"run()\">\n<script type=\"text/javascript\">"
            "var x = atob(`%s`);</script></body></html>\n" % b64(eicar))


def script_page(text):
    body = text.decode().replace("\n", " ").replace('"', "'")
    return ("<html><head><script>\n// %s\nvar s = \"%s\";\n</script></head>"
            "<body><!-- nothing to see --></body></html>\n" % (body, body))


def mail(page):
    msg = EmailMessage()
    msg["From"] = "billing@example.com"
    msg["To"] = "victim@example.com"
    msg["Subject"] = "Invoice"
    msg.set_content("See the attached page.")
    msg.add_attachment(page.encode(), maintype="text", subtype="html",
                       filename="invoice.html")
    return bytes(msg)


def carriers(out, pay):
    eicar, marker, text = payloads(pay)
    pages = {
        "html-data-uri-python.html": data_uri_page(eicar, marker),
        "html-smuggling-python.html": smuggling_page(eicar, marker),
        "html-atob-python.html": atob_page(eicar),
        "html-script-python.html": script_page(text),
    }
    for name, page in pages.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(page)
    with open(os.path.join(out, "html-in-mail-python.eml"), "wb") as f:
        f.write(mail(smuggling_page(eicar, marker)))


def hostile(out):
    blob = base64.b64encode(os.urandom(3 << 20)) * 16
    with open(os.path.join(out, "html-huge-base64.html"), "wb") as f:
        f.write(b'<html><body><a href="data:application/octet-stream;base64,')
        f.write(blob)
        f.write(b'">x</a></body></html>\n')


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
