#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkmail.py OUTDIR PAYLOADDIR - the mail carriers: messages written by
Python's email package, and by hand where a gateway's odd message is the
point (the header edge cases real mailers produce).  Each attaches
eicar.com and marker.bin from PAYLOADDIR; extra files in OUTDIR
(winmail.dat, a .hqx) are attached when present, as mk_mail.sh made them.

Files: mail-<case>-<how-made>.eml.
"""
import base64
import binascii
import os
import sys
from email.message import EmailMessage

OUT, PAY = sys.argv[1], sys.argv[2]


def payload(name):
    with open(os.path.join(PAY, name), "rb") as fh:
        return fh.read()


EICAR, MARKER = payload("eicar.com"), payload("marker.bin")
HEAD = ("From: Alice <alice@example.com>\r\nTo: bob@example.com\r\n"
        "Subject: invoice\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
        "Message-ID: <1@example.com>\r\nMIME-Version: 1.0\r\n")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as fo:
        fo.write(data if isinstance(data, bytes) else data.encode("latin-1"))


def b64(data):
    return base64.encodebytes(data).decode().replace("\n", "\r\n")


def parts(bd, cd1=None, cd2=None, cte="Content-Transfer-Encoding: base64"):
    """A text part and the two payloads, between --bd lines."""
    cd1 = cd1 or 'Content-Disposition: attachment; filename="eicar.com"'
    cd2 = cd2 or 'Content-Disposition: attachment; filename="marker.bin"'
    att = ("--{bd}\r\nContent-Type: application/octet-stream\r\n{cte}\r\n"
           "{cd}\r\n\r\n{data}\r\n")
    return ("This is a multi-part message in MIME format.\r\n"
            "--{bd}\r\nContent-Type: text/plain\r\n\r\nPlease see the "
            "attachments.\r\n".format(bd=bd) +
            att.format(bd=bd, cte=cte, cd=cd1, data=b64(EICAR)) +
            att.format(bd=bd, cte=cte, cd=cd2, data=b64(MARKER)) +
            "--{bd}--\r\n".format(bd=bd))


def python_messages():
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "a@example.com", "b@example.com", "x"
    m.set_content("Please see the attachments.")
    m.add_attachment(EICAR, maintype="application", subtype="octet-stream",
                     filename="eicar.com")
    m.add_attachment(MARKER, maintype="application",
                     subtype="octet-stream", filename="marker.bin")
    write("mail-attach-python.eml", bytes(m))
    # a long non-ASCII name: RFC 2231 sections and charset
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "a@example.com", "b@example.com", "x"
    m.set_content("Rechnung anbei.")
    long = "Rechnung-" + "\u00e4" * 30 + "-eicar.com"
    m.add_attachment(EICAR, maintype="application", subtype="octet-stream",
                     filename=long)
    m.add_attachment(MARKER, maintype="application", subtype="x-binary",
                     filename="marker.bin")
    write("mail-rfc2231-python.eml", bytes(m))
    # uuencoded body, no MIME at all
    def uu(data, name):
        out = "begin 644 %s\n" % name
        for i in range(0, len(data), 45):
            out += binascii.b2a_uu(data[i:i + 45]).decode()
        return out + "`\nend\n"
    write("mail-uuencode-python.eml",
          "From: a@example.com\nTo: b@example.com\nSubject: uu\n\n"
          "see below\n\n" + uu(EICAR, "eicar.com") + uu(MARKER, "marker.bin"))


def hand_messages():
    write("mail-comments-handwritten.eml",
          HEAD + "Content-(a comment)Type: (sent by) multipart/mixed (x);"
          " (y)\r\n boundary=(z)\"XyZ\"\r\n\r\n" +
          parts("XyZ", cte="Content-Transfer-Encoding: (enc) base64 (c)"))
    write("mail-multi-ct-handwritten.eml",
          HEAD + "Content-Type: text/plain\r\nContent-Type: multipart/mixed;"
          " boundary=\"XyZ\"\r\n\r\n" + parts("XyZ"))
    write("mail-rfc2231-handwritten.eml",
          HEAD + "Content-Type: multipart/mixed; boundary*0=\"Xy\";"
          " boundary*1=\"Z\"\r\n\r\n" + parts(
              "XyZ", cd1="Content-Disposition: attachment;\r\n"
              " filename*0*=utf-8''%65ic;\r\n filename*1=\"ar.com\""))
    long = "=_" + "x" * 200 + " with spaces"
    write("mail-odd-boundary-handwritten.eml",
          HEAD + "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n"
          % long + parts(long).rsplit("--%s--" % long, 1)[0])
    write("mail-encoded-word-handwritten.eml",
          HEAD + "Content-Type: multipart/mixed; boundary=XyZ\r\n\r\n" +
          parts("XyZ", cd1="Content-Disposition: attachment; filename="
                "\"=?UTF-8?B?ZWljYXIuY29t?=\""))
    write("mail-junk-header-handwritten.eml",
          HEAD + "X-Gateway-Note this line has no colon\r\n"
          "Content-Type: multipart/mixed; boundary='XyZ'\r\n\r\n" +
          parts("XyZ", cte="Content-Transfer-Encoding: x-base64"))


def wrapped(name, fname, ctype, attname):
    """A message carrying OUTDIR/fname as attname, as mail clients send
    it."""
    path = os.path.join(OUT, fname)
    if not os.path.exists(path):
        return
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "a@example.com", "b@example.com", "x"
    m.set_content("See the attachment.")
    maintype, subtype = ctype.split("/")
    with open(path, "rb") as fh:
        m.add_attachment(fh.read(), maintype=maintype, subtype=subtype,
                         filename=attname)
    write(name, bytes(m))


if __name__ == "__main__":
    python_messages()
    hand_messages()
    wrapped("mail-tnef-python.eml", "tnef-mktnef.dat",
            "application/ms-tnef", "winmail.dat")
    wrapped("mail-binhex-python.eml", "binhex-mkbinhex.hqx",
            "application/mac-binhex40", "eicar.hqx")
