# SPDX-License-Identifier: Apache-2.0
"""cfb.py - writers, from the specifications, of what no Debian tool
writes for the OLE carrier fixtures (tests/carriers/mkole.py):

  CFB            an OLE2 compound file ([MS-CFB]): storages and streams,
                 mini stream, FAT, DIFAT, version 3 (512-byte sectors) or
                 4 (4096); the directory's trees balanced and coloured
  ovba_compress  [MS-OVBA] 2.4.1 compression (copy tokens, greedy)
  vba_project    a VBA project's streams (dir, _VBA_PROJECT, modules,
                 PROJECT) for a storage of a CFB
  ole10native    the Packager's native data of an embedded file
  ole1_object    an OLE1 ObjectHeader + EmbeddedObject ([MS-OLEDS] 2.2.4)

Every function returns bytes; nothing here writes a file.
"""
import struct

FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
DIFSECT = 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
MINI_CUTOFF = 4096
CLSID_WORD = bytes.fromhex("0609020000000000c000000000000046")
CLSID_EXCEL = bytes.fromhex("2008020000000000c000000000000046")
CLSID_PACKAGE = bytes.fromhex("0c00030000000000c000000000000046")
CLSID_MSG = bytes.fromhex("0b0d020000000000c000000000000046")


def _cfb_key(name):
    # [MS-CFB] 2.6.4: shorter names first, then by upper-case UTF-16
    return (len(name), name.upper())


class _Node:
    def __init__(self, name, data=None, clsid=b"\0" * 16):
        self.name = name
        self.data = data            # None for a storage
        self.clsid = clsid
        self.kids = {}
        self.index = None
        self.left = self.right = self.child = NOSTREAM
        self.red = False
        self.start = ENDOFCHAIN
        self.size = 0
        self.size_override = None


class CFB:
    """An OLE2 compound file in memory: add() streams by path, build()."""

    def __init__(self, major=3, root_clsid=b"\0" * 16):
        self.major = major
        self.ssz = 512 if major == 3 else 4096
        self.root = _Node("Root Entry", clsid=root_clsid)
        # what build() laid out, for tests that damage a file on purpose
        self.fat_sectors = []
        self.dir_sectors = []

    def _storage(self, parts):
        node = self.root
        for p in parts:
            node = node.kids.setdefault(p.upper(), _Node(p))
            if node.data is not None:
                raise ValueError("%s is a stream" % p)
        return node

    def storage(self, path, clsid=b"\0" * 16):
        node = self._storage([p for p in path.split("/") if p])
        node.clsid = clsid
        return node

    def add(self, path, data):
        parts = path.split("/")
        parent = self._storage(parts[:-1])
        node = _Node(parts[-1], bytes(data))
        parent.kids[parts[-1].upper()] = node
        return node

    # ------------------------------------------------------------ layout

    def _entries(self):
        out = [self.root]
        todo = [self.root]
        while todo:
            node = todo.pop(0)
            kids = sorted(node.kids.values(), key=lambda n: _cfb_key(n.name))
            for k in kids:
                k.index = len(out)
                out.append(k)
                if k.data is None:
                    todo.append(k)
            node.child = self._tree(kids, 0, len(kids), 0, _depth(len(kids)))
        self.root.index = 0
        return out

    def _tree(self, kids, lo, hi, depth, full):
        """A balanced tree of kids[lo:hi]; nodes below the last full
        level are red, so every path has as many black nodes."""
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = kids[mid]
        node.red = depth >= full
        node.left = self._tree(kids, lo, mid, depth + 1, full)
        node.right = self._tree(kids, mid + 1, hi, depth + 1, full)
        return node.index

    def build(self):
        ents = self._entries()
        ssz = self.ssz
        streams = [e for e in ents if e.data is not None]
        mini = bytearray()
        minifat = []
        big = []                      # (node, data) in regular sectors
        for e in streams:
            e.size = len(e.data)
            if e.size == 0:
                e.start = ENDOFCHAIN
            elif e.size < MINI_CUTOFF:
                e.start = len(mini) // 64
                n = (e.size + 63) // 64
                minifat += [e.start + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
                mini += e.data + b"\0" * (n * 64 - e.size)
            else:
                big.append(e)
        self.root.data = bytes(mini)
        self.root.size = len(mini)
        nsect = lambda n: (n + ssz - 1) // ssz
        runs = [(e, nsect(e.size)) for e in big]
        if mini:
            runs.append((self.root, nsect(len(mini))))
        n_minifat = nsect(len(minifat) * 4)
        n_dir = nsect(len(ents) * 128)
        per = ssz // 4
        n_data = sum(n for _, n in runs) + n_minifat + n_dir
        n_fat = n_difat = 0
        while True:
            total = n_data + n_fat + n_difat
            need_fat = (total + per - 1) // per
            need_difat = max(0, (need_fat - 109 + per - 2) // (per - 1))
            if (need_fat, need_difat) == (n_fat, n_difat):
                break
            n_fat, n_difat = need_fat, need_difat
        fat = []
        body = bytearray()

        def chain(n):
            start = len(fat)
            fat.extend(range(start + 1, start + n))
            fat.append(ENDOFCHAIN)
            return start

        for e, n in runs:
            e.start = chain(n)
            body += e.data + b"\0" * (n * ssz - len(e.data))
        mf_start = chain(n_minifat) if n_minifat else ENDOFCHAIN
        mfb = b"".join(struct.pack("<I", x) for x in minifat)
        body += mfb + b"\xff" * (n_minifat * ssz - len(mfb))
        dir_start = chain(n_dir)
        self.dir_sectors = list(range(dir_start, dir_start + n_dir))
        d = b"".join(self._dirent(e) for e in ents)
        empty = b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM,
                                         NOSTREAM, NOSTREAM) + b"\0" * 48
        d += empty * ((n_dir * ssz - len(d)) // 128)
        body += d
        self.fat_sectors = list(range(len(fat), len(fat) + n_fat))
        fat += [FATSECT] * n_fat
        difat_sectors = list(range(len(fat), len(fat) + n_difat))
        fat += [DIFSECT] * n_difat
        fat += [FREESECT] * (n_fat * per - len(fat))
        body += b"".join(struct.pack("<I", x) for x in fat)
        body += self._difat(difat_sectors)
        return self._header(n_fat, dir_start, mf_start, n_minifat,
                            difat_sectors) + bytes(body)

    def _difat(self, sectors):
        per = self.ssz // 4
        rest = self.fat_sectors[109:]
        out = bytearray()
        for i, s in enumerate(sectors):
            part = rest[i * (per - 1):(i + 1) * (per - 1)]
            part += [FREESECT] * (per - 1 - len(part))
            nxt = sectors[i + 1] if i + 1 < len(sectors) else ENDOFCHAIN
            out += b"".join(struct.pack("<I", x) for x in part + [nxt])
        return bytes(out)

    def _header(self, n_fat, dir_start, mf_start, n_minifat, difat):
        h = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16)
        h += struct.pack("<HHHHH", 0x3E, self.major, 0xFFFE,
                         9 if self.major == 3 else 12, 6)
        h += b"\0" * 6
        h += struct.pack("<IIIIIIIII",
                         0 if self.major == 3 else
                         (len(self.dir_sectors)), n_fat, dir_start, 0,
                         MINI_CUTOFF, mf_start, n_minifat,
                         difat[0] if difat else ENDOFCHAIN, len(difat))
        first = self.fat_sectors[:109]
        h += b"".join(struct.pack("<I", x) for x in
                      first + [FREESECT] * (109 - len(first)))
        return bytes(h) + b"\0" * (self.ssz - len(h))

    def _dirent(self, e):
        name = e.name.encode("utf-16-le")[:62]
        kind = 5 if e is self.root else (1 if e.data is None else 2)
        if kind == 1:
            start, size = 0, 0
        else:
            start = e.start if e.size else (ENDOFCHAIN if kind == 5 else 0)
            size = e.size
        if e.size_override is not None:
            size = e.size_override
        return (name + b"\0" * (64 - len(name)) +
                struct.pack("<HBBIII", len(name) + 2, kind,
                            0 if e.red else 1, e.left, e.right, e.child) +
                e.clsid + b"\0" * 4 + b"\0" * 16 +
                struct.pack("<IQ", start, size))

    # ------------------------------------------ damage, for hostile cases

    def sector_offset(self, s):
        return (s + 1) * self.ssz

    def fat_entry_offset(self, s):
        """Where FAT entry s is in the built file."""
        per = self.ssz // 4
        return self.sector_offset(self.fat_sectors[s // per]) + (s % per) * 4

    def dirent_offset(self, node):
        per = self.ssz // 128
        return (self.sector_offset(self.dir_sectors[node.index // per]) +
                (node.index % per) * 128)


def _depth(n):
    """Levels of a complete binary tree that n nodes fill completely."""
    d = 0
    while (1 << (d + 1)) - 1 <= n:
        d += 1
    return d


# ------------------------------------------------------------ MS-OVBA

def _copytoken_bits(pos):
    bits = 4
    while (1 << bits) < pos:
        bits += 1
    return bits


def _compress_chunk(chunk):
    out = bytearray()
    pos = 0
    n = len(chunk)
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len = best_off = 0
            if pos:
                bits = _copytoken_bits(pos)
                maxlen = (0xFFFF >> bits) + 3
                for cand in range(max(0, pos - (1 << bits)), pos):
                    ln = 0
                    while (ln < maxlen and pos + ln < n and
                           chunk[cand + ln] == chunk[pos + ln]):
                        ln += 1
                    if ln > best_len:
                        best_len, best_off = ln, pos - cand
            if best_len >= 3:
                tok = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", tok)
                flags |= 1 << bit
                pos += best_len
            else:
                out.append(chunk[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def ovba_compress(data):
    """[MS-OVBA] 2.4.1.3.1: a CompressedContainer of data."""
    out = bytearray(b"\x01")
    for at in range(0, max(len(data), 1), 4096):
        chunk = data[at:at + 4096]
        comp = _compress_chunk(chunk)
        if len(comp) > 4096 and len(chunk) == 4096:
            out += struct.pack("<H", 0x3000 | 0x0FFF) + chunk
        else:
            out += struct.pack("<H", 0xB000 | (len(comp) - 1)) + comp
    return bytes(out)


def _rec(rid, data):
    return struct.pack("<HI", rid, len(data)) + data


def vba_dir(modules, codepage=1252):
    """The dir stream (uncompressed) of a project of (name, offset)."""
    u16 = lambda s: s.encode("utf-16-le")
    d = _rec(0x0001, struct.pack("<I", 1))           # SYSKIND win32
    d += _rec(0x0002, struct.pack("<I", 0x409))      # LCID
    d += _rec(0x0014, struct.pack("<I", 0x409))      # LCIDINVOKE
    d += _rec(0x0003, struct.pack("<H", codepage))   # CODEPAGE
    d += _rec(0x0004, b"VBAProject")                 # NAME
    d += _rec(0x0005, b"") + _rec(0x0040, b"")       # DOCSTRING
    d += _rec(0x0006, b"") + _rec(0x003D, b"")       # HELPFILEPATH
    d += _rec(0x0007, struct.pack("<I", 0))          # HELPCONTEXT
    d += _rec(0x0008, struct.pack("<I", 0))          # LIBFLAGS
    d += struct.pack("<HIIH", 0x0009, 4, 1, 0)       # VERSION (6 bytes)
    d += _rec(0x000C, b"") + _rec(0x003C, b"")       # CONSTANTS
    d += _rec(0x000F, struct.pack("<H", len(modules)))
    d += _rec(0x0013, struct.pack("<H", 0xFFFF))     # PROJECTCOOKIE
    for name, off in modules:
        d += _rec(0x0019, name.encode("latin-1"))
        d += _rec(0x0047, u16(name))
        d += _rec(0x001A, name.encode("latin-1")) + _rec(0x0032, u16(name))
        d += _rec(0x001C, b"") + _rec(0x0048, b"")
        d += _rec(0x0031, struct.pack("<I", off))
        d += _rec(0x001E, struct.pack("<I", 0))
        d += _rec(0x002C, struct.pack("<H", 0xFFFF))
        d += _rec(0x0021, b"")                       # procedural module
        d += _rec(0x002B, b"")                       # its terminator
    d += _rec(0x0010, b"")
    return d


def vba_project(cfb, storage, modules, pcode=b""):
    """Adds a VBA project to storage ("Macros", "_VBA_PROJECT_CUR", ""
    for the root of a vbaProject.bin): modules is a list of (name,
    source bytes); pcode is put in front of every module's compressed
    source (its offset in the dir stream says where the source starts)."""
    base = storage + "/" if storage else ""
    cfb.add(base + "VBA/_VBA_PROJECT", b"\xcc\x61\xff\xff\x00\x01\x00")
    cfb.add(base + "VBA/dir", ovba_compress(
        vba_dir([(n, len(pcode)) for n, _ in modules])))
    for name, src in modules:
        cfb.add(base + "VBA/" + name, pcode + ovba_compress(src))
    proj = ('ID="{00000000-0000-0000-0000-000000000000}"\r\n' +
            "".join("Module=%s\r\n" % n for n, _ in modules) +
            'Name="VBAProject"\r\nHelpContextID="0"\r\n'
            'VersionCompatible32="393222000"\r\n\r\n'
            "[Host Extender Info]\r\n&H00000001={3832D640-CF90-11CF-8E43-"
            "00A0C911005A};VBE;&H00000000\r\n\r\n[Workspace]\r\n" +
            "".join("%s=0, 0, 0, 0, C\r\n" % n for n, _ in modules))
    cfb.add(base + "PROJECT", proj.encode("latin-1"))
    cfb.add(base + "PROJECTwm", b"".join(
        n.encode("latin-1") + b"\0" + n.encode("utf-16-le") + b"\0\0"
        for n, _ in modules) + b"\0\0")


# ------------------------------------------------------- OLE embedding

def ole10native(name, data, label=None):
    """The Packager's native data of file name holding data (what an
    \\x01Ole10Native stream holds after its size)."""
    label = (label or name).encode("latin-1") + b"\0"
    src = ("C:\\Users\\user\\Desktop\\" + name).encode("latin-1") + b"\0"
    tmp = ("C:\\Users\\user\\AppData\\Local\\Temp\\" + name).encode(
        "latin-1") + b"\0"
    return (struct.pack("<H", 2) + label + src + struct.pack("<HH", 0, 3) +
            struct.pack("<I", len(tmp)) + tmp + struct.pack("<I", len(data)) +
            data)


def ole10native_stream(name, data):
    nat = ole10native(name, data)
    return struct.pack("<I", len(nat)) + nat


def compobj(user_type, clsid_name):
    """A \\x01CompObj stream naming the object's class."""
    s = lambda t: struct.pack("<I", len(t) + 1) + t.encode("latin-1") + b"\0"
    return (struct.pack("<HHI", 1, 0xFFFE, 0x0A03) + b"\xff" * 4 +
            CLSID_PACKAGE + s(user_type) + s(clsid_name) + s(clsid_name) +
            struct.pack("<I", 0x71B239F4) + struct.pack("<I", 0) * 3)


def package_storage(cfb, storage, name, data):
    """An embedded file as Word and the Packager store it."""
    base = storage + "/" if storage else ""
    cfb.add(base + "\x01Ole10Native", ole10native_stream(name, data))
    cfb.add(base + "\x01CompObj", compobj("OLE Package", "Package"))
    cfb.add(base + "\x03ObjInfo", b"\x00\x00\x03\x00\x0d\x00")


def ole1_object(class_name, native):
    """An OLE1 embedded object: what RTF's \\objdata holds."""
    s = lambda t: struct.pack("<I", len(t) + 1) + t + b"\0" if t else \
        struct.pack("<I", 0)
    return (struct.pack("<II", 0x0501, 2) + s(class_name.encode("latin-1")) +
            s(b"") + s(b"") + struct.pack("<I", len(native)) + native +
            struct.pack("<IIII", 0x0501, 0, 0, 0))
