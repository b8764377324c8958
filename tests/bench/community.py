#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A YARA rule set shaped like real community sets (python3 standard library).

Generates (seeded, deterministic) N rules built from the structures that
Neo23x0's signature-base (as Loki and THOR load it), YARA-Rules,
ReversingLabs' and Elastic's public sets use, in families whose shares are
listed in FAMILIES below and in tests/bench/README.md:

  pe-yargen   yarGen/Loki style: meta (description, author, reference,
              date, hash1, score), $x* (specific) and $s* (suspicious)
              strings, `uint16(0) == 0x5a4d and filesize < N and
              ( 1 of ($x*) or 4 of them )`, some with `pe.imphash() ==`
  pe-module   `pe.is_pe`, `pe.number_of_sections > N`, `pe.imports(...)`,
              `pe.exports(...)`, `$ep at pe.entry_point` (YARA-Rules, RL)
  script      webshells and scripts: no magic or `uint16(0) == 0x3f3c`,
              `filesize < 50KB..500KB`, nocase/fullword text, regexes
  elastic     ungated hex strings with ??, nibbles, ( AA | BB ) and
              jumps [2-4] [0-16] [4-]; `all of them`, `1 of them`, `2 of`
  elf         `uint32(0) == 0x464c457f` (some `elf.type`, `elf.machine`)
  generic     hack tools: text strings, `filesize` bounds, `x of them`
  externals   Loki's filename / filepath / extension / filetype clauses,
              always in a conjunction (see the note in README.md)
  private     YARA-Rules style private gate rules (`is__pe`, `is__elf`)
              referenced by other rules of the same file

Conditions also carry `#s > 3`, `@s[1] < 100`, `$a at 0`, `$a in (0..N)`,
`for any of ($x*) : ( # > 2 )` and `not 1 of ($fp*)`; about 1% of the rules
have an `xor` or `base64` string.  Random strings keep the generated rules
from matching the bench corpus; about a fifth of the strings are common
tokens (`GetProcAddress`, `http://`, `/bin/sh`, ...) that do occur in it,
never as many as the condition needs.

plant() adds rules that match known files: real PE (imports, exports,
imphash, section count), ELF and gzip files of the corpus, and synthetic
files (an .onion URL, a base64 blob, an IP:port, UTF-16 strings, a PHP
shell), each checked with yara at generation time.

  tests/bench/community.py --out DIR [--rules N] [--seed S] [--corpus DIR]
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys

GEN_VERSION = 4
EXTERNALS = ("filename", "filepath", "extension", "filetype", "owner")

# family, share of the generated rules
FAMILIES = (("pe-yargen", 0.38), ("pe-module", 0.10), ("script", 0.14),
            ("elastic", 0.16), ("elf", 0.08), ("generic", 0.08),
            ("externals", 0.03), ("private", 0.03))

SIZES = (("50KB", 4), ("100KB", 8), ("200KB", 8), ("300KB", 6),
         ("500KB", 8), ("700KB", 4), ("800KB", 4), ("1000KB", 8),
         ("2000KB", 10), ("3000KB", 6), ("5MB", 4), ("10MB", 3), ("20MB", 2))
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LOWER = "abcdefghijklmnopqrstuvwxyz"
APIS = ("VirtualAlloc VirtualAllocEx VirtualProtect CreateRemoteThread "
        "WriteProcessMemory ReadProcessMemory NtUnmapViewOfSection "
        "SetWindowsHookExA GetAsyncKeyState URLDownloadToFileA "
        "InternetOpenUrlA WinExec ShellExecuteA CreateToolhelp32Snapshot "
        "Process32First OpenProcessToken AdjustTokenPrivileges "
        "CryptEncrypt CryptAcquireContextA RegSetValueExA "
        "IsDebuggerPresent CheckRemoteDebuggerPresent").split()
COMMON = ("GetProcAddress", "LoadLibraryA", "kernel32.dll", "http://",
          "https://", "/bin/sh", "socket", "connect", "User-Agent",
          "Content-Type:", "/proc/self/", "execve", "%s", "eval(",
          "base64", "GetModuleHandleA", "ExitProcess", "/tmp/",
          "password", "Mozilla/5.0", "POST", "cmd", "CreateFileA",
          "malloc", "strcpy", "<script", "function", "return", "import os")
TLDS = ("com", "net", "org", "info", "biz", "ru", "top", "xyz", "cc", "io")
OPC = [0x8B, 0x89, 0x45, 0x4C, 0x48, 0x83, 0xC7, 0xE8, 0xFF, 0x00, 0x24,
       0x85, 0xC0, 0x74, 0x75, 0x0F, 0x50, 0x51, 0x52, 0x53, 0x55, 0x56,
       0x57, 0x5D, 0xC3, 0xEC, 0x33, 0x31, 0x44, 0x8D]
MONTHS = ("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec").split()
REGEXES = (
    r'/https?:\/\/[a-z0-9\-\.]{4,40}\.(onion|bit)/ nocase',
    r'/FromBase64String\("[A-Za-z0-9+\/]{60,}={0,2}/',
    r'/\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}:[0-9]{2,5}\b/',
    r'/eval\s*\(\s*(base64_decode|gzinflate|str_rot13)\s*\(/ nocase',
    r'/(cmd|powershell)(\.exe)?\s+\/c\s+/ nocase',
    r'/[a-z0-9]{3,12}\.(php|jsp|aspx)\?[a-z]{1,8}=/',
    r'/\\\\\.\\pipe\\[a-z0-9_]{4,20}/ nocase',
    r'/Global\\[A-Za-z0-9]{8,40}/ wide ascii',
    r'/https?:\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(:[0-9]{2,5})?\//',
    r'/base64,[A-Za-z0-9+\/]{60,}={0,2}/',
)
# A regex without a literal makes yara warn that it "may slow down
# scanning"; the IP:port one (2) is such a regex but cheap in practice, so
# it is kept rare.  The bare base64 regex is left out of the default set:
# in libyara (both tools) one such rule costs about 40 CPU-s per GB of this
# corpus, and the timing of the real 5,900-rule set in issue 22 (yara -p 2:
# 46.8 s for 2 GB) shows that set has none.  --slow-regex N adds N rules
# with it (SLOW_REGEX).
WEIGHTS_RE = (12, 4, 1, 12, 10, 10, 6, 6, 10, 4)
SLOW_REGEX = r'/[A-Za-z0-9+\/]{60,}={0,2}/'


def wchoice(rnd, pairs):
    tot = sum(w for _, w in pairs)
    x = rnd.uniform(0, tot)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def rword(rnd, lo=5, hi=12, alpha=ALNUM):
    return "".join(rnd.choice(alpha) for _ in range(rnd.randint(lo, hi)))


def esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


class Gen:
    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.st = {}            # construct -> number of rules / strings

    def count(self, key, n=1):
        self.st[key] = self.st.get(key, 0) + n

    # ------------------------------------------------------------ strings
    def unique_text(self, kind=None):
        r = self.rnd
        kind = kind or r.choice(("api", "path", "pdb", "mutex", "ua", "cmd",
                                 "c2", "fmt", "word", "word"))
        w = rword(r)
        if kind == "api":
            s = r.choice(APIS) + w
        elif kind == "path":
            s = r.choice(("C:\\Windows\\System32\\", "\\AppData\\Roaming\\",
                          "/tmp/.", "/dev/shm/", "/etc/cron.d/",
                          "C:\\ProgramData\\")) + w
        elif kind == "pdb":
            s = "\\%s\\Release\\%s.pdb" % (rword(r, 4, 10), w)
        elif kind == "mutex":
            s = "Global\\" + w + rword(r, 4, 8)
        elif kind == "ua":
            s = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + w
        elif kind == "cmd":
            s = r.choice(("cmd.exe /c ", "powershell -nop -w hidden -enc ",
                          "schtasks /create /tn ", "chmod +x /tmp/")) + w
        elif kind == "c2":
            s = "%s.%s.%s" % (rword(r, 3, 9, LOWER), rword(r, 4, 10, LOWER),
                              r.choice(TLDS))
        elif kind == "fmt":
            s = r.choice(("[+] %s ", "[-] Failed to %s ", "%s\\%s.exe ",
                          "id=%d&key=")) + w
        else:
            s = w + rword(r, 3, 10)
        return s

    def modifiers(self, allow_fullword=True):
        r = self.rnd
        m = wchoice(r, ((("ascii",), 30), (("wide",), 10),
                        (("ascii", "wide"), 18), (("nocase",), 3),
                        (("ascii", "nocase"), 2), (("wide", "nocase"), 1),
                        (("fullword", "ascii"), 14), (("fullword", "wide"), 4),
                        ((), 12)))
        if not allow_fullword:
            m = tuple(x for x in m if x != "fullword")
        for x in m:
            self.count("str mod " + x)
        return (" " + " ".join(m)) if m else ""

    def text(self, common=False, allow_fullword=True):
        self.count("str text")
        if common:
            self.count("str common token")
            s = self.rnd.choice(COMMON)
        else:
            s = self.unique_text()
        if not common and self.rnd.random() < 0.002:
            self.count("str xor/base64")
            return '"%s" %s' % (esc(s), self.rnd.choice(
                ("xor", "xor(1-255)", "base64", "base64wide")))
        return '"%s"%s' % (esc(s), self.modifiers(allow_fullword))

    def hex_bytes(self, n):
        r = self.rnd
        return [r.choice(OPC) if r.random() < 0.4 else r.randrange(256)
                for _ in range(n)]

    def hexs(self, lo=10, hi=32):
        """A hex string: the first 4 and last 2 bytes fixed (good atoms)."""
        r = self.rnd
        self.count("str hex")
        b = self.hex_bytes(r.randint(lo, hi))
        t = ["%02X" % x for x in b]
        n = len(t)
        used = False
        for _ in range(r.choice((0, 0, 1, 2, 3, 4))):
            t[r.randrange(4, n - 2)] = "??"
            used = True
        if used:
            self.count("hex ??")
        if r.random() < 0.12:
            for _ in range(r.randint(1, 2)):
                i = r.randrange(4, n - 2)
                if t[i] != "??":
                    t[i] = (t[i][0] + "?") if r.random() < 0.5 else ("?" + t[i][1])
            self.count("hex nibble")
        if r.random() < 0.15:
            i = r.randrange(5, n - 3)
            if "?" not in t[i] and "?" not in t[i + 1]:
                alt = "%02X" % r.randrange(256)
                if r.random() < 0.5:
                    t[i] = "( %s | %s )" % (t[i], alt)
                else:
                    t[i] = "( %s %s | %s %02X )" % (t[i], t[i + 1], alt,
                                                    r.randrange(256))
                    t[i + 1] = None
                self.count("hex alternative")
        t = [x for x in t if x is not None]
        if r.random() < 0.25:
            j = wchoice(r, (("[2-4]", 4), ("[0-16]", 3), ("[4-]", 1),
                            ("[1-8]", 2), ("[%d]" % r.randint(1, 6), 2)))
            t.insert(r.randrange(4, len(t) - 2), j)
            self.count("hex jump " + ("[4-]" if j == "[4-]" else "[n-m]"))
        return "{ %s }" % " ".join(t)

    def regex(self):
        self.count("str regex")
        r = self.rnd
        i = wchoice(r, list(zip(range(len(REGEXES)), WEIGHTS_RE)))
        self.count("regex %d" % i)
        return REGEXES[i]

    # ------------------------------------------------------------- pieces
    def size(self):
        s = wchoice(self.rnd, SIZES)
        self.count("filesize < " + s)
        return s

    def meta_loki(self, idx, desc):
        r = self.rnd
        y = r.randint(2014, 2025)
        return ('\t\tdescription = "%s"\n\t\tauthor = "%s"\n'
                '\t\treference = "https://%s.%s/%s/%d"\n'
                '\t\tdate = "%d-%02d-%02d"\n'
                '\t\thash1 = "%064x"\n\t\tscore = %d\n'
                % (desc, r.choice(("Florian Roth", "Arnim Rupp",
                                   "Nextron Systems", "Jonas Lejon",
                                   "X__Junior", "Max Altgelt")),
                   rword(r, 5, 12, LOWER), r.choice(TLDS),
                   rword(r, 4, 10, LOWER), idx, y, r.randint(1, 12),
                   r.randint(1, 28), r.getrandbits(256),
                   r.choice((40, 50, 60, 65, 70, 75, 80, 85, 90, 100))))

    def meta_elastic(self, name, osname):
        r = self.rnd
        return ('\t\tauthor = "Elastic Security"\n\t\tid = "%08x-%04x-%04x-%04x-%012x"\n'
                '\t\tfingerprint = "%064x"\n\t\tcreation_date = "20%02d-%02d-%02d"\n'
                '\t\tlast_modified = "2024-%02d-%02d"\n\t\tthreat_name = "%s"\n'
                '\t\treference_sample = "%064x"\n\t\tseverity = 100\n'
                '\t\tarch_context = "x86"\n\t\tscan_context = "file, memory"\n'
                '\t\tlicense = "Elastic License v2"\n\t\tos = "%s"\n'
                % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(16),
                   r.getrandbits(16), r.getrandbits(48), r.getrandbits(256),
                   r.randint(19, 24), r.randint(1, 12), r.randint(1, 28),
                   r.randint(1, 12), r.randint(1, 28), name,
                   r.getrandbits(256), osname))

    def extra(self, names):
        """An extra clause on existing strings (names: list of ids that the
        condition requires anyway), or ''."""
        r = self.rnd
        if not names or r.random() > 0.16:
            return ""
        a = r.choice(names)
        k = wchoice(r, (("count", 4), ("offset", 3), ("in", 3), ("at0", 1)))
        self.count("cond " + {"count": "#s > N", "offset": "@s[1] < N",
                              "in": "$s in (0..N)", "at0": "$s at 0"}[k])
        if k == "count":
            return " and #%s > %d" % (a[1:], r.choice((1, 2, 3, 5)))
        if k == "offset":
            return " and @%s[1] < %d" % (a[1:], r.choice((100, 1024, 4096)))
        if k == "in":
            return " and %s in (0..%d)" % (a, r.choice((256, 1024, 65536)))
        return " and %s at 0" % a

    def rule(self, name, tags, meta, strs, cond):
        body = "".join("\t\t%s = %s\n" % s for s in strs)
        return ("rule %s%s\n{\n\tmeta:\n%s%s\tcondition:\n\t\t%s\n}\n"
                % (name, (" : " + tags) if tags else "", meta,
                   ("\tstrings:\n" + body) if strs else "", cond))

    def name(self, prefix, idx):
        r = self.rnd
        return "%s_%s_%s_%s%02d_%05d" % (
            prefix, rword(r, 4, 9, LOWER).capitalize(),
            rword(r, 4, 9, LOWER).capitalize(), r.choice(MONTHS),
            r.randint(14, 25), idx)

    # ----------------------------------------------------------- families
    def fp_strings(self, strs, cond=""):
        """Loki's false-positive exclusions: `and not 1 of ($fp*)`."""
        if self.rnd.random() < 0.06 and "all of them" not in cond:
            for k in range(self.rnd.randint(1, 2)):
                strs.append(("$fp%d" % (k + 1), self.text()))
            self.count("cond not 1 of ($fp*)")
            return " and not 1 of ($fp*)"
        return ""

    def pe_yargen(self, idx):
        r = self.rnd
        nx, ns = r.randint(0, 3), r.randint(3, 10)
        strs = [("$x%d" % (k + 1), self.text()) for k in range(nx)]
        need = min(4, ns) if r.random() < 0.6 else min(r.randint(2, 3), ns)
        common = min(need - 1, r.randint(0, 3))
        for k in range(ns):
            if k < common:
                strs.append(("$s%d" % (k + 1), self.text(common=True)))
            elif r.random() < 0.2:
                strs.append(("$s%d" % (k + 1), self.hexs()))
            else:
                strs.append(("$s%d" % (k + 1), self.text()))
        if nx:
            agg = "( 1 of ($x*) or %d of them )" % max(need, 2)
            req = ["$x1"] if nx == 1 else []
        else:
            agg = "%d of them" % need if r.random() < 0.5 else "all of them"
            req = ["$s%d" % ns] if agg == "all of them" else []
        pre = "uint16(0) == 0x5a4d"
        self.count("gate MZ")
        if r.random() < 0.85:
            pre += " and filesize < " + self.size()
        if r.random() < 0.05:
            pre += " and filesize > %dKB" % r.choice((10, 20, 50, 100))
            self.count("filesize > N")
        if r.random() < 0.15:
            agg = '( pe.imphash() == "%032x" or %s )' % (r.getrandbits(128), agg)
            self.count("pe.imphash()")
        if nx >= 2 and r.random() < 0.15:
            agg += " and for any of ($x*) : ( # > 2 )"
            self.count("cond for any of ($x*) : ( # > 2 )")
        cond = pre + " and " + agg + self.extra(req)
        cond += self.fp_strings(strs, cond)
        return self.rule(self.name("MAL", idx), "", self.meta_loki(
            idx, "Detects malware sample %d" % idx), strs, cond)

    def pe_module(self, idx):
        r = self.rnd
        ns = r.randint(2, 6)
        strs = []
        for k in range(ns):
            strs.append(("$s%d" % (k + 1),
                         self.hexs() if r.random() < 0.4 else self.text()))
        gates = []
        g = wchoice(r, (("is_pe", 3), ("mz", 4)))
        gates.append("pe.is_pe" if g == "is_pe" else "uint16(0) == 0x5A4D")
        self.count("gate pe.is_pe" if g == "is_pe" else "gate MZ")
        for _ in range(r.randint(1, 2)):
            k = wchoice(r, (("sections", 3), ("imports", 4), ("exports", 2),
                            ("imphash", 2), ("entry", 2), ("dll", 1)))
            self.count("pe." + k)
            if k == "sections":
                gates.append("pe.number_of_sections > %d" % r.randint(2, 8))
            elif k == "imports":
                gates.append('pe.imports("%s", "%s")' % (
                    r.choice(("kernel32.dll", "KERNEL32.dll", "advapi32.dll",
                              "ws2_32.dll", "wininet.dll", "ntdll.dll")),
                    r.choice(APIS)))
            elif k == "exports":
                gates.append('pe.exports("%s")' % rword(r, 5, 14))
            elif k == "imphash":
                gates.append('pe.imphash() == "%032x"' % r.getrandbits(128))
            elif k == "dll":
                gates.append("pe.characteristics & pe.DLL")
            elif not any(n == "$ep" for n, _ in strs):
                strs.append(("$ep", self.hexs(12, 24)))
                gates.append("$ep at pe.entry_point")
        if r.random() < 0.6:
            gates.append("filesize < " + self.size())
        need = r.randint(1, ns)
        agg = "%d of ($s*)" % need if need < ns else "all of ($s*)"
        cond = " and ".join(gates) + " and " + agg
        return self.rule(self.name("APT", idx), "", self.meta_loki(
            idx, "Detects PE implant %d" % idx), strs, cond)

    def script(self, idx):
        r = self.rnd
        strs = []
        nx = r.randint(1, 3)
        for k in range(nx):
            strs.append(("$x%d" % (k + 1), self.text(allow_fullword=False)))
        nre = 1 if r.random() < 0.4 else 0
        for k in range(nre):
            strs.append(("$r%d" % (k + 1), self.regex()))
        ns = r.randint(2, 5)
        for k in range(ns):
            s = self.text(common=(k == 0 and not nre and r.random() < 0.5))
            strs.append(("$s%d" % (k + 1), s))
        g = wchoice(r, (("none", 6), ("php", 2), ("jsp", 1), ("asp", 1)))
        self.count("gate script " + g)
        gate = {"none": "", "php": "uint16(0) == 0x3f3c and ",
                "jsp": "( uint16(0) == 0x253c or uint16(0) == 0x3c3c ) and ",
                "asp": "uint32(0) == 0x6170733c and "}[g]
        sz = "filesize < %s" % wchoice(r, (("50KB", 3), ("100KB", 4),
                                           ("200KB", 2), ("500KB", 1)))
        self.count("filesize < (script)")
        if nre:
            agg = "( 1 of ($x*) or ( $r1 and 1 of ($s*) ) )"
        else:
            agg = "( 1 of ($x*) or %d of ($s*) )" % ns
        cond = gate + sz + " and " + agg + self.extra(
            ["$x1"] if nx == 1 else []) + self.fp_strings(strs)
        return self.rule(self.name("WEBSHELL", idx), "", self.meta_loki(
            idx, "Detects web shell %d" % idx), strs, cond)

    def elastic(self, idx):
        r = self.rnd
        osn = wchoice(r, (("windows", 7), ("linux", 2), ("macos", 1)))
        fam = rword(r, 4, 10, LOWER).capitalize()
        name = "%s_%s_%s_%08x" % (osn.capitalize(), r.choice(
            ("Trojan", "Ransomware", "Backdoor", "Hacktool", "Cryptominer",
             "Infostealer", "Exploit", "Rootkit")), fam, r.getrandbits(32))
        name = "%s_%05d" % (name, idx)
        n = r.choice((1, 1, 2, 2, 3, 4))
        strs = [("$a%d" % (k + 1), self.hexs(14, 48) if r.random() < 0.8
                 else self.text()) for k in range(n)]
        if n == 1:
            cond = "all of them"
        else:
            cond = wchoice(r, (("all of them", 6), ("1 of them", 1),
                               ("%d of them" % max(2, n - 1), 2)))
            if cond == "1 of them":
                cond = "all of them" if n > 2 else cond
        self.count("cond elastic " + cond.split(" ")[0])
        return self.rule(name, "", self.meta_elastic(name.rsplit("_", 1)[0],
                                                     osn), strs, cond)

    def elf(self, idx):
        r = self.rnd
        ns = r.randint(2, 7)
        need = r.randint(2, ns)
        common = min(need - 1, r.randint(0, 2))
        strs = []
        for k in range(ns):
            if k < common:
                s = self.text(common=True)
            elif r.random() < 0.3:
                s = self.hexs()
            else:
                s = self.text()
            strs.append(("$s%d" % (k + 1), s))
        g = wchoice(r, (("le", 6), ("be", 2), ("type", 1), ("machine", 1)))
        self.count("gate ELF " + g)
        gate = {"le": "uint32(0) == 0x464c457f",
                "be": "uint32be(0) == 0x7f454c46",
                "type": "elf.type == elf.ET_EXEC",
                "machine": "uint32(0) == 0x464c457f and elf.machine == elf.EM_X86_64"}[g]
        if r.random() < 0.7:
            gate += " and filesize < " + self.size()
        agg = "%d of them" % need if need < ns else "all of them"
        cond = gate + " and " + agg + self.extra(
            ["$s%d" % ns] if need == ns else [])
        return self.rule(self.name("MAL_ELF", idx), "linux", self.meta_loki(
            idx, "Detects Linux malware %d" % idx), strs, cond)

    def generic(self, idx):
        r = self.rnd
        ns = r.randint(2, 8)
        need = r.randint(1, ns)
        common = min(need - 1, r.randint(0, 3))
        strs = []
        for k in range(ns):
            strs.append(("$s%d" % (k + 1), self.text(common=k < common)))
        if r.random() < 0.15:
            strs.append(("$r1", self.regex()))
            agg = "$r1 and %d of ($s*)" % max(1, need)
        else:
            agg = ("%d of them" % need) if need < ns else "all of them"
        if r.random() < 0.6:
            cond = "filesize < %s and %s" % (self.size(), agg)
        else:
            cond = agg
            self.count("no gate, no size")
        cond += self.fp_strings(strs, cond)
        return self.rule(self.name("HKTL", idx), "", self.meta_loki(
            idx, "Detects hack tool %d" % idx), strs, cond)

    def externals(self, idx):
        """Loki's external variables, always in a conjunction whose other
        parts hold only on files the bench does not have (so the empty
        values yara gets and mdescan's real ones give the same findings)."""
        r = self.rnd
        k = wchoice(r, (("size", 3), ("ext", 3), ("path", 2), ("type", 1)))
        self.count("externals " + k)
        if k == "size":
            exe = r.choice(("svchost", "lsass", "csrss", "explorer", "winlogon",
                            "spoolsv", "smss", "taskhost", "rundll32"))
            cond = ('uint16(0) == 0x5a4d and filename == "%s.exe" and '
                    '( filesize < %dKB or filesize > %dKB )'
                    % (exe, r.randint(10, 300), r.randint(400, 5000)))
            if r.random() < 0.3:
                cond += ' and not filepath contains "%s"' % r.choice(
                    ("teamviewer", "System32", "WinSxS"))
            return self.rule(self.name("SUSP_Size", idx), "", self.meta_loki(
                idx, "Uncommon file size of %s.exe" % exe), [], cond)
        strs = [("$s%d" % (j + 1), self.text()) for j in range(r.randint(1, 3))]
        if k == "ext":
            cond = 'extension == "%s" and filesize < 100KB and 1 of them' % (
                r.choice((".jsp", ".aspx", ".php", ".jpg", ".ps1", ".vbs",
                          ".hta", ".lnk")))
        elif k == "path":
            cond = ('filepath contains "%s" and 1 of them' % esc(r.choice(
                ("\\Temp\\", "\\AppData\\", "/tmp/", "\\Users\\Public\\"))))
        else:
            cond = 'filetype == "%s" and all of them' % r.choice(
                ("EXE", "ELF", "ZIP"))
        return self.rule(self.name("SUSP_Ext", idx), "", self.meta_loki(
            idx, "Suspicious location %d" % idx), strs, cond)

    def private_file(self, idx0, n):
        """YARA-Rules style: private gate rules and rules that use them."""
        out = ["private rule is__pe_%05d { condition: uint16(0) == 0x5A4D and "
               "uint32(uint32(0x3C)) == 0x00004550 }" % idx0,
               "private rule is__elf_%05d { condition: uint32(0) == 0x464C457F }"
               % idx0]
        for i in range(idx0, idx0 + n):
            r = self.rnd
            ns = r.randint(2, 5)
            strs = [("$s%d" % (k + 1), self.hexs() if r.random() < 0.5
                     else self.text()) for k in range(ns)]
            gate = ("is__pe_%05d" if r.random() < 0.75 else "is__elf_%05d") % idx0
            self.count("private gate")
            out.append(self.rule(self.name("YR", i), "", self.meta_loki(
                i, "YARA-Rules style %d" % i), strs,
                "%s and %d of them" % (gate, r.randint(1, ns))))
        return "\n".join(out) + "\n"


CENSUS = (
    ("MZ gate uint16(0) == 0x5a4d", r"uint16\(0\) == 0x5[aA]4[dD]"),
    ("pe.is_pe", r"pe\.is_pe"),
    ("pe.number_of_sections", r"pe\.number_of_sections"),
    ("pe.imports()", r"pe\.imports\("),
    ("pe.exports()", r"pe\.exports\("),
    ("pe.imphash()", r"pe\.imphash\(\)"),
    ("at pe.entry_point", r"at pe\.entry_point"),
    ("ELF gate (uint32 / uint32be / private)",
     r"0x464[cC]457[fF]|0x7f454c46|is__elf"),
    ("elf.type / elf.machine", r"elf\.(type|machine)"),
    ("private gate rule reference", r"is__(pe|elf)_\d+ and"),
    ("filesize < N", r"filesize < "),
    ("filesize > N", r"filesize > "),
    ("text string", r'\$\w+ = "'),
    ("  ascii", r'\$\w+ = "[^\n]*" [^\n]*\bascii'),
    ("  wide", r'\$\w+ = "[^\n]*" [^\n]*\bwide'),
    ("  nocase", r'\$\w+ = "[^\n]*" [^\n]*\bnocase'),
    ("  fullword", r'\$\w+ = "[^\n]*" [^\n]*\bfullword'),
    ("  xor / base64", r'\$\w+ = "[^\n]*" (xor|base64)'),
    ("hex string", r"\$\w+ = \{"),
    ("  ?? wildcard", r"\$\w+ = \{[^\n]*\?\?"),
    ("  nibble wildcard", r"\$\w+ = \{[^\n]*( [0-9A-F]\?|\?[0-9A-F])"),
    ("  alternative ( | )", r"\$\w+ = \{[^\n]*\|"),
    ("  bounded jump [n-m]", r"\$\w+ = \{[^\n]*\[\d+(-\d+)?\]"),
    ("  unbounded jump [n-]", r"\$\w+ = \{[^\n]*\[\d+-\]"),
    ("regex string", r"\$\w+ = /"),
    ("#s > N", r"#\w+ > "),
    ("@s[1] < N", r"@\w+\[1\] < "),
    ("$s at 0", r"\$\w+ at 0"),
    ("$s in (0..N)", r"\$\w+ in \(0"),
    ("for any of ($x*) : ( # > N )", r"for any of \("),
    ("not 1 of ($fp*)", r"not 1 of"),
    ("x of them / x of ($s*)", r"\d of (them|\()"),
    ("all of them / any of", r"(all|any) of"),
    ("external variable", r"\b(filename|filepath|extension|filetype|owner)"
     r" (==|contains|matches)"),
)


def census(rdir):
    """Share of the rules (in all .yar files of rdir) with each construct;
    string constructs count rules with at least one such string."""
    rules = []
    for f in sorted(os.listdir(rdir)):
        if f.endswith(".yar"):
            with open(os.path.join(rdir, f)) as h:
                t = h.read()
            rules += re.split(r"\n(?=(?:private )?rule )", t)[1:]
    out = {"rules": len(rules)}
    for label, rx in CENSUS:
        c = re.compile(rx)
        out[label] = sum(1 for r in rules if c.search(r))
    return out


def generate(rdir, nrules, seed, slow=0):
    """Writes the generated rules into rdir (gen_NNN.yar), plus `slow`
    rules with SLOW_REGEX (gen_slow.yar); returns the counts of families
    and constructs."""
    g = Gen(seed)
    os.makedirs(rdir, exist_ok=True)
    fams = {}
    plan = []
    for fam, share in FAMILIES:
        fams[fam] = int(round(nrules * share))
    fams["pe-yargen"] += nrules - sum(fams.values())
    for fam, n in fams.items():
        plan += [fam] * n
    g.rnd.shuffle(plan)
    npriv = fams.pop("private")
    plan = [f for f in plan if f != "private"]
    fn = {"pe-yargen": g.pe_yargen, "pe-module": g.pe_module,
          "script": g.script, "elastic": g.elastic, "elf": g.elf,
          "generic": g.generic, "externals": g.externals}
    # files of 4 to 20 rules, as the real sets' per-campaign files
    i, f = 0, 0
    while i < len(plan):
        k = min(len(plan) - i, g.rnd.randint(4, 20))
        chunk = plan[i:i + k]
        mods = []
        if any(x in ("pe-module", "pe-yargen") for x in chunk):
            mods.append('import "pe"')
        if "elf" in chunk:
            mods.append('import "elf"')
        body = [fn[x](i + j) for j, x in enumerate(chunk)]
        with open(os.path.join(rdir, "gen_%04d.yar" % f), "w") as h:
            h.write("/* generated by tests/bench/community.py, seed %d */\n"
                    % seed)
            h.write("".join(m + "\n" for m in mods) + "\n" + "\n".join(body))
        i += k
        f += 1
    with open(os.path.join(rdir, "gen_private.yar"), "w") as h:
        h.write("/* generated by tests/bench/community.py, seed %d */\n"
                % seed + g.private_file(len(plan), npriv))
    fams["private"] = npriv
    if slow:
        with open(os.path.join(rdir, "gen_slow.yar"), "w") as h:
            for i in range(slow):
                h.write(g.rule("SUSP_Base64_Blob_%d" % i, "", g.meta_loki(
                    i, "Long base64 blob"), [("$b", SLOW_REGEX),
                                             ("$s", g.text())],
                    "filesize < 1MB and $s and $b") + "\n")
        fams["slow-regex"] = slow
    return {"families": fams, "constructs": dict(sorted(g.st.items())),
            "files": f + 1}


# ------------------------------------------------------------------ planting

def head(path, n):
    try:
        with open(path, "rb") as h:
            return h.read(n)
    except OSError:
        return b""


def hexs(b):
    return "{ %s }" % " ".join("%02X" % c for c in b)


def pe_info(path, tmp):
    """Imports and exports of a PE from `yara -D` (pe module data)."""
    rf = os.path.join(tmp, "pe-dump.yar")
    with open(rf, "w") as h:
        h.write('import "pe"\nrule d { condition: false }\n')
    p = subprocess.run(["yara", "-D", rf, path], capture_output=True,
                       text=True)
    imps, exps, nsec = [], [], None
    lib = None
    sect = None
    for line in p.stdout.splitlines():
        s = line.strip()
        ind = len(line) - len(line.lstrip("\t"))
        if ind == 1:
            sect = s
        if s.startswith("library_name = ") and sect == "import_details":
            lib = s.split('"')[1]
        elif s.startswith("name = ") and sect == "import_details" and lib:
            imps.append((lib, s.split('"')[1]))
        elif s.startswith("name = ") and sect == "export_details":
            exps.append(s.split('"')[1])
        elif s.startswith("number_of_sections = "):
            nsec = int(s.split("=")[1])
    return imps, exps, nsec


def imphash(imps):
    """YARA's pe.imphash(): md5 of 'lib.func' (lower case, the library's
    .dll/.ocx/.sys dropped), joined by commas (imports by name only)."""
    parts = []
    for lib, fn in imps:
        lib = lib.lower()
        for e in (".dll", ".ocx", ".sys"):
            if lib.endswith(e):
                lib = lib[:-len(e)]
        parts.append("%s.%s" % (lib, fn.lower()))
    return hashlib.md5(",".join(parts).encode()).hexdigest()


def printable_run(data, minlen=12, start=0):
    for m in re.finditer(rb"[A-Za-z][A-Za-z0-9_ .:/\-]{%d,40}" % (minlen - 1),
                         data[start:]):
        s = m.group(0).decode()
        if '"' not in s and "\\" not in s:
            return s, start + m.start()
    return None, None


def plant(work, rdir, files):
    """Planted files (work/plant) and rules (rdir/planted.yar) that match
    known files.  Returns (planted files, {rule: [expected files]})."""
    pdir = os.path.join(work, "plant")
    shutil.rmtree(pdir, ignore_errors=True)
    os.makedirs(pdir)
    rules, expect = [], {}

    def add(name, text, targets):
        rules.append(text)
        expect[name] = targets

    # synthetic files
    ex = os.path.join(pdir, "dropper.exe")
    wide = "Global\\PlantMutexQ7rT".encode("utf-16le")
    with open(ex, "wb") as h:
        h.write(b"MZ\x90\x00" + bytes(60) + b"PLANT\xde\xad\xbe\xef\x41\x42"
                b"\x43\x44\x90\x90\x31\xc0\x50\x68" + bytes(200) + wide +
                bytes(16) + "svc_plant_loader".encode("utf-16le") +
                bytes(1000) + b"end")
    add("PL_Wide_Mutex",
        'rule PL_Wide_Mutex { strings: $m = "Global\\\\PlantMutexQ7rT" wide '
        '$l = "svc_plant_loader" ascii wide fullword condition: '
        'uint16(0) == 0x5a4d and filesize < 50KB and all of them }', [ex])
    add("PL_Hex_Alt_Jump",
        'rule PL_Hex_Alt_Jump { strings: $h = { 50 4C 41 4E 54 DE ( AD | AE ) '
        'BE EF 4? 42 [2-4] 90 90 [0-16] 50 68 } condition: '
        'uint16(0) == 0x5A4D and $h and $h in (0..1024) }', [ex])
    add("PL_Ext_Negated",
        'rule PL_Ext_Negated { strings: $a = "PLANT" condition: uint16(0) == '
        '0x5a4d and not filename matches /^(svchost|lsass)\\.exe$/ and $a '
        'at 64 }', [ex])
    txt = os.path.join(pdir, "notes.txt")
    b64 = "".join(random.Random(7).choice(ALNUM + "+/") for _ in range(120))
    with open(txt, "w") as h:
        h.write("meeting notes\nvisit http://plantabcdefghijk7x.onion/login "
                "now\nreverse shell to 10.23.45.67:4444 tonight\n"
                "powershell -nop -w hidden -enc %s==\n" % b64)
    add("PL_Onion",
        r'rule PL_Onion { strings: $u = /https?:\/\/[a-z0-9\-\.]{4,40}\.(onion|bit)/ '
        r'nocase $m = "meeting notes" condition: filesize < 50KB and $u and $m }',
        [txt])
    add("PL_Base64",
        r'rule PL_Base64 { strings: $b = /-enc(odedcommand)? [A-Za-z0-9+\/]{60,}'
        r'={0,2}/ nocase $p = "powershell -nop" nocase condition: $p and $b }',
        [txt])
    add("PL_IP_Port",
        r'rule PL_IP_Port { strings: $ip = /\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}'
        r'\.[0-9]{1,3}:[0-9]{2,5}\b/ $s = "REVERSE SHELL" nocase condition: '
        r'filesize < 100KB and $ip and $s and @s[1] < 100 }', [txt])
    php = os.path.join(pdir, "up.php")
    with open(php, "w") as h:
        h.write("<?php @eval( base64_decode($_POST['k'])); ?>\n")
    add("PL_Webshell",
        r'rule PL_Webshell { strings: $e = /eval\s*\(\s*(base64_decode|gzinflate|'
        r'str_rot13)\s*\(/ nocase $p = "<?php" condition: uint16(0) == 0x3f3c '
        r'and filesize < 50KB and $p at 0 and $e }', [php])

    # string modifiers whose literals a prefilter must get right
    import base64
    pr = os.path.join(pdir, "probe.dat")
    xk = 0x5A
    with open(pr, "wb") as h:
        h.write(b"probe\n" + bytes(c ^ xk for c in b"PlantXorSecret1") +
                b"\n" + base64.b64encode(b"xx: PlantBase64Secret :yy") +
                b"\n" + "pLANTwIDEnOcASE".encode("utf-16le") + b"\n" +
                b"CDEFGH\n" + b"PLANT_U" + bytes(5000) + b"_END\n" +
                b"x-PlantFullWord. PlantFullWordX\n")
    add("PL_Xor", 'rule PL_Xor { strings: $a = "PlantXorSecret1" xor '
        'condition: $a }', [pr])
    add("PL_B64", 'rule PL_B64 { strings: $a = "PlantBase64Secret" base64 '
        'condition: $a }', [pr])
    add("PL_Wide_Nocase", 'rule PL_Wide_Nocase { strings: $a = '
        '"PlantWideNoCase" wide nocase condition: $a and not uint16(0) == '
        '0x5a4d }', [pr])
    add("PL_Alt_First", 'rule PL_Alt_First { strings: $a = { ( 41 42 | 43 44 '
        ') 45 46 47 48 } $b = { 50 4C 41 4E 54 5F 55 [4-] 5F 45 4E 44 } '
        'condition: all of them }', [pr])
    add("PL_Fullword", 'rule PL_Fullword { strings: $a = "PlantFullWord" '
        'fullword condition: #a == 1 }', [pr])
    # 24 hard-linked pairs, as /usr has (bzip2/bzcat/bunzip2, perl/perl5.x,
    # gunzip/uncompress, ...): copies of corpus ELF files, each linked once
    hl = os.path.join(pdir, "hardlinks")
    os.makedirs(hl)
    small = [p for p in files if head(p, 4) == b"\x7fELF"
             and os.path.getsize(p) < (2 << 20)]
    for k, p in enumerate(small[::max(1, len(small) // 24)][:24]):
        q = os.path.join(hl, "%02d-%s" % (k, os.path.basename(p)))
        shutil.copyfile(p, q)
        os.link(q, q + ".link")
    # rules on known corpus files
    mz = sorted((os.path.getsize(p), p) for p in files
                if head(p, 2) == b"MZ" and os.path.getsize(p) > 4096)
    for _, p in mz:
        imps, exps, nsec = pe_info(p, work)
        if not imps or not exps or not nsec:
            continue
        lib, fn = imps[0]
        data = open(p, "rb").read()
        s, off = printable_run(data, 10, 1024)
        if not s:
            continue
        add("PL_PE_Imports",
            'rule PL_PE_Imports { strings: $s = "%s" ascii condition: '
            'uint16(0) == 0x5A4D and pe.imports("%s", "%s") and '
            'pe.number_of_sections > %d and $s }' % (s, lib.lower(), fn,
                                                     nsec - 1), [p])
        add("PL_PE_Exports",
            'rule PL_PE_Exports { condition: pe.is_pe and pe.exports("%s") '
            'and filesize < 20MB }' % exps[0], [p])
        add("PL_PE_Imphash",
            'rule PL_PE_Imphash { condition: uint16(0) == 0x5a4d and '
            'pe.imphash() == "%s" }' % imphash(imps), [p])
        chunk = data[off:off + 24]
        toks = ["%02X" % c for c in chunk]
        toks[6] = "?" + toks[6][1]
        toks[9] = "( %s | 00 )" % toks[9]
        toks = toks[:12] + ["[2-4]"] + toks[15:]
        add("PL_PE_Hex",
            'rule PL_PE_Hex { strings: $h = { %s } $mz = { 4D 5A } $d = '
            '"This program cannot be run in DOS mode" condition: $mz at 0 '
            'and @d[1] < 200 and $h }' % " ".join(toks), [p])
        break
    elf = [p for p in files if head(p, 4) == b"\x7fELF"]
    if elf:
        e0 = elf[len(elf) // 2]
        data = open(e0, "rb").read()
        et = {2: "elf.ET_EXEC", 3: "elf.ET_DYN"}.get(data[16], None)
        if et and len(data) > 8192:
            add("PL_ELF_Type",
                'rule PL_ELF_Type { strings: $a = %s condition: uint32(0) == '
                '0x464C457F and elf.type == %s and $a }'
                % (hexs(data[4096:4112]), et), [e0])
        big = max(elf[:3000], key=os.path.getsize)
        if os.path.getsize(big) > 1 << 20:
            data = open(big, "rb").read()
            mid = len(data) // 2
            add("PL_ELF_Big",
                'rule PL_ELF_Big { strings: $a = %s condition: uint32(0) == '
                '0x464c457f and filesize > 1MB and $a }'
                % hexs(data[mid:mid + 20]), [big])
    gz = [p for p in files if head(p, 2) == b"\x1f\x8b"
          and 2048 < os.path.getsize(p) < 50000]
    if gz:
        g0 = gz[len(gz) // 3]
        data = open(g0, "rb").read()
        add("PL_Gzip",
            'rule PL_Gzip { strings: $a = %s condition: uint16(0) == 0x8b1f '
            'and filesize < 50KB and $a }' % hexs(data[1024:1040]), [g0])
    # a text file with a word seen at least 4 times: #a > 3, nocase fullword
    for p in files:
        if not p.endswith((".py", ".h", ".pl", ".sh")):
            continue
        try:
            t = open(p, "rb").read(200000).decode("ascii")
        except (OSError, UnicodeDecodeError):
            continue
        words = re.findall(r"\b[A-Za-z_][A-Za-z0-9_]{13,30}\b", t)
        cnt = {}
        for w in words:
            cnt[w] = cnt.get(w, 0) + 1
        good = sorted(w for w, c in cnt.items() if c >= 4)
        if len(good) < 2:
            continue
        add("PL_Text_Count",
            'rule PL_Text_Count { strings: $x1 = "%s" nocase fullword '
            '$x2 = "%s" condition: filesize < 200KB and #x1 > 3 and '
            'for any of ($x*) : ( # > 2 ) }' % (good[0].swapcase(), good[1]), [p])
        break
    with open(os.path.join(rdir, "planted.yar"), "w") as h:
        h.write('import "pe"\nimport "elf"\n\n' + "\n\n".join(rules) + "\n")
    # each planted rule must match its target in yara itself
    ext = sum((["-d", v + "="] for v in EXTERNALS), [])
    pf = os.path.join(rdir, "planted.yar")
    bad = []
    for name, targets in list(expect.items()):
        for t in targets:
            p = subprocess.run(["yara", "-w"] + ext + ["-i", name, pf, t],
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError("yara %s: %s" % (pf, p.stderr.strip()))
            if name not in p.stdout.split():
                bad.append(name)
    if bad:
        keep = [r for r, n in zip(rules, expect) if n not in bad]
        for n in bad:
            del expect[n]
        with open(pf, "w") as h:
            h.write('import "pe"\nimport "elf"\n\n' + "\n\n".join(keep)
                    + "\n")
        print("community.py: planted rules left out (yara does not match "
              "them on their targets): %s" % ", ".join(bad), file=sys.stderr)
    return [ex, txt, php, pr], expect


def externals_check(work):
    """Rules whose findings depend on the external variables' values, and
    files for them (work/ext): checked apart from the timed set, with yara
    given each file's values by hand."""
    d = os.path.join(work, "ext")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    files = {}
    for name, data in (("invoice.jsp", b"<%@ page import=\"java.io.*\" %>"
                        b"\nRuntime.getRuntime().exec(request.getParameter"
                        b"(\"c\"));\n"),
                       ("svchost.exe", b"MZ" + bytes(126) + b"PE\0\0"
                        + bytes(3000)),
                       ("Report.PDF.JS", b"var s = WScript.CreateObject"
                        b"(\"WScript.Shell\"); s.Run(\"calc\");\n"),
                       (".hidden", b"\x7fELF\x02\x01\x01" + bytes(200)
                        + b"/dev/shm/.x")):
        p = os.path.join(d, name)
        with open(p, "wb") as h:
            h.write(data)
        files[name] = p
    rules = (
        'rule EXT_Jsp_Exec { strings: $e = "getRuntime().exec(" condition: '
        'extension == ".jsp" and filesize < 100KB and $e }',
        'rule EXT_Size_Svchost { condition: uint16(0) == 0x5a4d and '
        'filename == "svchost.exe" and ( filesize < 14KB or filesize > 100KB ) }',
        'rule EXT_Double_Ext { strings: $w = "WScript" condition: '
        'filename matches /\\.(pdf|doc|jpg)\\.(js|vbs|hta)$/i and $w }',
        'rule EXT_Path { condition: filepath contains "/ext" and '
        'filetype == "ELF" and filename == ".hidden" }',
        'rule EXT_Filetype_Exe { condition: filetype == "EXE" and '
        'extension == ".exe" }',
        'rule EXT_Not_Jsp { strings: $e = "exec(" condition: $e and not '
        'extension == ".jsp" }',
        'rule EXT_Owner { strings: $w = "WScript" condition: owner == "root" '
        'and $w }',
    )
    rf = os.path.join(work, "externals.yar")
    with open(rf, "w") as h:
        h.write("\n\n".join(rules) + "\n")
    return rf, files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory for the rules")
    ap.add_argument("--rules", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--slow-regex", type=int, default=0, metavar="N",
                    help="add N rules with %s" % SLOW_REGEX)
    ap.add_argument("--corpus", help="also plant rules matching its files "
                    "(synthetic files go to OUT/../plant)")
    a = ap.parse_args()
    if os.path.isdir(a.out) and os.listdir(a.out):
        sys.exit("community.py: %s is not empty" % a.out)
    st = generate(a.out, a.rules, a.seed, a.slow_regex)
    if a.corpus:
        fs = []
        for d, ds, f in os.walk(a.corpus):
            ds.sort()
            fs += [os.path.join(d, x) for x in sorted(f)
                   if not os.path.islink(os.path.join(d, x))]
        st["planted"] = sorted(plant(os.path.dirname(os.path.abspath(
            a.out)), a.out, fs)[1])
    c = census(a.out)
    st["census"] = c
    print(json.dumps(st, indent=1))
    for k, v in c.items():
        print("%-42s %6d  %5.1f%%" % (k, v, 100.0 * v / c["rules"]),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
