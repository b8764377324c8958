#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/fuzz/mkseeds.sh CORPUS... - writes the seed corpora of the
# harnesses whose seeds are made, not collected (vault, cache, defsfmt),
# into tests/fuzz/corpus/CORPUS/.  The seeds are committed; this says how
# they were made.  yaracache's seeds are written by the harness itself
# (MDE_FUZZ_SEEDS=DIR ./fuzz_yaracache -runs=0): they are compiled rules
# of the libyara it is built with.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
id=0123456789abcdef0123456789abcdef
sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

meta() {
	printf 'mdescan-quarantine 1\nid %s\npath %s\nsize 0\nuid 1000\n' \
		"$id" "$1"
	printf 'gid 1000\nmode 0644\natime 1700000000.123456789\n'
	printf 'mtime 1700000000.000000001\nsha256 %s\n' "$sha"
	printf 'threat %s\nscan-id %s\nquarantined 1700000001.500000000\n' \
		"$2" "$3"
}

vault() {
	d=$top/tests/fuzz/corpus/vault
	mkdir -p "$d"
	{ printf '\0'; meta /tmp/x.exe Eicar-Test-Signature 42; } > "$d/meta"
	{ printf '\0'; meta '/home/u/a%20b%25%0A' '' ''
	  printf 'xattr user.comment 68656c6c6f\nxattr user%%20x \n'
	  printf 'unknown-key kept\n'; } > "$d/meta-xattr"
	{ printf '\0'; meta / T S | sed '/^uid/d'; } > "$d/meta-nouid"
	{ printf '\0'; printf 'mdescan-quarantine 1\n'; } > "$d/meta-header"
	{ printf '\1'; lz4 -q -c < /dev/null; } > "$d/data-empty"
	{ printf '\1'; printf 'hello, vault\n' | lz4 -q -c; } > "$d/data-hello"
	{ printf '\1'; head -c 70000 /dev/zero | lz4 -q -c --no-frame-crc \
		-BD; } > "$d/data-blocks"
}

# Scan-cache records as lib/cache.c encodes them (host byte order,
# MDE__NHASH 3): the header, then per finding score, five strings, kind,
# member size, chain and two strings.
cache() {
	python3 - "$top/tests/fuzz/corpus/cache" <<'PY'
import os, struct, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
def z(s): return s + b"\0"
def hdr(nf, have=7):
	return (bytes(range(16)) + bytes(16) + b"\x11" * 16 + bytes(16) +
		struct.pack("<Q", 68) + bytes([have]) + b"\xab" * 96 +
		struct.pack("<I", nf))
def find(score, stage, name, ns=b"", desc=b"", author=b"", kind=0,
	 msize=0, chain=b"", reason=b"", packer=b""):
	return (struct.pack("<q", score) + z(stage) + z(name) + z(ns) +
		z(desc) + z(author) + bytes([kind]) +
		struct.pack("<QI", msize, len(chain)) + chain + z(reason) +
		z(packer))
seeds = {
	"clean": hdr(0, 0),
	"hash": hdr(1) + find(100, b"hash", b"Eicar-Test-Signature"),
	"yara": hdr(1) + find(75, b"yara", b"Suspicious_Script", b"default",
			      b"a script that downloads", b"someone"),
	"member": hdr(2, 0x87) +
		find(100, b"ndb", b"Win.Test", chain=b"a.zip\0b.exe\0",
		     msize=4096, packer=b"UPX") +
		find(0, b"archive", b"", kind=1, chain=b"a.zip\0",
		     reason=b"limit: member size"),
	"audit": hdr(1) + find(-5, b"ioc", b"x", kind=2, reason=b"policy"),
}
for name, b in seeds.items():
	open(os.path.join(d, name), "wb").write(b)
PY
}

# A byte choosing the name (names[] in fuzz_defsfmt.c; +128: under
# iocs/), then the file.
defsfmt() {
	d=$top/tests/fuzz/corpus/defsfmt
	mkdir -p "$d"
	h=44d88612fea8a8f36de82e1278abb02f
	s256=275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
	# the first byte, by its octal escape
	# shellcheck disable=SC2059
	seed() { printf "\\$(printf %03o "$2")" > "$d/$1"; cat >> "$d/$1"; }
	printf '# LOKI hashes\n%s;test md5\n%s;75;test\n' "$h" "$s256" |
		seed hash-iocs 128
	printf '%s;known good\n' "$s256" | seed fp-hashes 1
	printf '# names\n\\\\evil\\.exe;80\n/tmp/[a-z]+\\.sh;60;x\n' |
		seed filename-iocs 2
	printf '%s;otx\n' "$h" | seed otx-hash-iocs 3
	printf '(?i)\\\\x\\.dll;50\n' | seed custom-filename 4
	printf '# C2\nexample.com\n192.0.2.1\n' | seed c2-iocs 133
	printf 'mimikatz\n' | seed keywords 7
	printf 'signature-base\n==============\n' | seed readme 8
	printf '%s  file.bin\n%s\n' "$s256" "$h" | seed txt-hashes 11
	printf 'notes: nothing to see\n' | seed txt-notes 12
	printf '# only comments\n\n   \t\r\n' | seed txt-comments 12
	printf '  %s,x\n' "$h" | seed txt-indented 27
	printf '%s\n' "$h" | seed md5-list 13
	printf '%s:68:Test.Sig\n' "$h" | seed hdb 15
	printf 'MDESCANB\0\0\0\1' | seed mdb-bundle 17
	printf '%s:1024:Pe.Section\n' "$h" | seed mdb-clamav 17
}

for c in "$@"; do
	"$c"
done
