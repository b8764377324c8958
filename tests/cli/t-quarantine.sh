#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-quarantine.sh - the quarantine vault and `mdescan threat quarantine`:
# files go in neutralised (never matched again, never executable), list
# (text and JSON), restore byte-identical with owner, mode, times and
# xattrs (refusing to overwrite, never through a symlink), remove, export
# as an AES-256 zip, purge by age, usage errors; across filesystems when
# root can mount a tmpfs.
#
# Files are put in with tests/cli/vault-tool put (vault_put(), as the
# scanner will call it): VAULT_TOOL, default tests/cli/vault-tool of this
# tree.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

VAULT_TOOL=${VAULT_TOOL:-$(dirname "$MDESCAN")/../../tests/cli/vault-tool}
[ -x "$VAULT_TOOL" ] || fail "vault-tool not built: $VAULT_TOOL (make check builds it)"

V=$T/vault
D=$T/files
mkdir -p "$D"

# q ARGS...: mdescan threat quarantine ARGS
q() {
	mds threat quarantine "$@"
}

# put FILE [THREAT]: quarantine FILE into $V; the new id in $ID
put() {
	expect_exit 0 "$VAULT_TOOL" put "$V" "$1" "${2:-Eicar-Test-Signature}" scan-1
	ID=$(cat "$OUT")
	[[ $ID =~ ^[0-9a-f]{32}$ ]] || fail "vault-tool put printed no id: $ID"
}

sha() {
	sha256sum <"$1" | cut -d' ' -f1
}

# attrs FILE: owner, mode, atime, mtime (ns) - read before the content,
# which would move the atime
attrs() {
	stat -c '%u:%g %a %X.%x %Y.%y' "$1"
}

getx() {
	python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2]).hex())' "$1" "$2"
}

have_xattr=0
if python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.probe", b"1")' "$D" 2>/dev/null; then
	have_xattr=1
fi

# ------------------------------------------------------------ put
step "put: EICAR goes in, the original is gone"
F=$D/eicar.com
make_eicar "$F"
SHA=$(sha "$F")
chmod 0751 "$F"
if is_root; then chown 1234:2345 "$F"; fi
if [ $have_xattr = 1 ]; then
	python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.origin", b"web\x00upload")' "$F"
fi
touch -a -d '2021-02-03 04:05:06.111111111' "$F"
touch -m -d '2022-03-04 05:06:07.222222222' "$F"
ATTRS=$(attrs "$F")
put "$F"
[ ! -e "$F" ] || fail "the original is still there"
[ "$(stat -c %a "$V")" = 700 ] || fail "vault mode $(stat -c %a "$V"), expected 700"
[ "$(stat -c %a "$V/$ID")" = 700 ] || fail "entry directory not 0700"
for f in data meta; do
	[ "$(stat -c %a "$V/$ID/$f")" = 600 ] || fail "$f mode $(stat -c %a "$V/$ID/$f"), expected 600"
done

step "the vault holds nothing a scanner can match"
if grep -rqaF -e "$EICAR_B" "$V"; then fail "EICAR text readable in the vault"; fi
expect_exit 0 mds --no-cache "$V"
expect_ok "$V/$ID/data"
if command -v lz4 >/dev/null; then
	if tail -c +9 "$V/$ID/data" | lz4 -dc >/dev/null 2>&1; then
		fail "the data file is a plain LZ4 frame"
	fi
fi

step "the metadata file"
M=$V/$ID/meta
out_has_line "mdescan-quarantine 1" "$M"
out_has_line "id $ID" "$M"
out_has_line "path $F" "$M"
out_has_line "size 68" "$M"
out_has_line "mode 0751" "$M"
out_has_line "sha256 $SHA" "$M"
out_has_line "threat Eicar-Test-Signature" "$M"
out_has_line "scan-id scan-1" "$M"
out_has_line "mtime $(date -d '2022-03-04 05:06:07' +%s).222222222" "$M"
grep -q '^quarantined [0-9]*\.[0-9]\{9\}$' "$M" || fail "no quarantine time in meta"
if [ $have_xattr = 1 ]; then
	out_has_line "xattr user.origin $(hex 'web')00$(hex 'upload')" "$M"
fi

step "refusals: a symlink and a directory stay where they are"
ln -s "$D/elsewhere" "$D/link"
expect_exit 4 "$VAULT_TOOL" put "$V" "$D/link"
grep -q 'symbolic link' "$ERR" || { show_output; fail "no reason for the symlink refusal"; }
[ -L "$D/link" ] || fail "the symlink is gone"
expect_exit 4 "$VAULT_TOOL" put "$V" "$D"

# ------------------------------------------------------------ list
step "list: text and JSON"
make_eicar "$D/second one.txt"
put "$D/second one.txt" Other.Threat
ID2=$ID
ID=$(sed -n 's/^id //p' "$M")
expect_exit 0 q list --vault "$V"
[ "$(wc -l <"$OUT")" -eq 2 ] || { show_output; fail "expected 2 lines"; }
grep -Eq "^$ID  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  Eicar-Test-Signature  68  $F\$" "$OUT" ||
	{ show_output; fail "bad list line for $ID"; }
out_has_line "$(grep "^$ID2 " "$OUT" | cut -d' ' -f1-3)  Other.Threat  68  $D/second one.txt"
[ "$(head -n 1 "$OUT" | cut -d' ' -f1)" = "$ID" ] || fail "list is not oldest first"
expect_exit 0 q list --vault "$V" --json
jcheck 1 "id=$ID" "path=$F" threat=Eicar-Test-Signature size=68 "sha256=$SHA" \
	scan_id=scan-1 mode=0751 quarantined?
jcheck 1 "id=$ID2" "path=$D/second one.txt" threat=Other.Threat
jflush
expect_exit 0 q list --vault "$T/no-such-vault"
[ ! -s "$OUT" ] || fail "a missing vault should list nothing"

# ------------------------------------------------------------ export
step "export: an AES-256 zip, password infected"
cd "$T"
expect_exit 0 q export "$ID" --vault "$V"
cd - >/dev/null
Z=$T/$ID.zip
[ -s "$Z" ] || fail "no $ID.zip in the current directory"
if grep -qaF -e "$EICAR_B" "$Z"; then fail "plain EICAR in the zip"; fi
python3 - "$Z" "$ID" <<'PY' || fail "the zip members are not AES-encrypted"
import struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = sorted(i.filename for i in z.infolist())
assert names == sorted(['eicar.com', sys.argv[2] + '.meta']), names
for i in z.infolist():
    assert i.flag_bits & 1, i.filename            # encrypted
    assert i.compress_type == 99, i.compress_type   # AES (WinZip AE-x)
    ex, found = i.extra, False
    while len(ex) >= 4:
        tag, size = struct.unpack('<HH', ex[:4])
        if tag == 0x9901:
            vendor, strength = ex[6:8], ex[8]
            assert vendor == b'AE' and strength == 3, (vendor, strength)  # 3: AES-256
            found = True
        ex = ex[4 + size:]
    assert found, i.filename
PY
if command -v 7z >/dev/null; then
	7z l -slt "$Z" >"$T/7z.txt" || fail "7z cannot list the zip"
	grep -q '^Method = AES-256' "$T/7z.txt" || { cat "$T/7z.txt" >&2; fail "7z: not AES-256"; }
	[ "$(7z x -so -pinfected "$Z" eicar.com 2>/dev/null | md5sum | cut -d' ' -f1)" = "$EICAR_MD5" ] ||
		fail "7z with password infected does not give back EICAR"
	if 7z x -so -pwrong "$Z" eicar.com >/dev/null 2>&1; then fail "7z extracted with a wrong password"; fi
else
	step "7z not installed: no decryption check"
fi
expect_exit 0 q export "$ID" --vault "$V" --password s3cret --output "$T/custom.zip"
if command -v 7z >/dev/null; then
	[ "$(7z x -so -ps3cret "$T/custom.zip" eicar.com 2>/dev/null | md5sum | cut -d' ' -f1)" = "$EICAR_MD5" ] ||
		fail "--password not used"
fi
expect_exit 2 q export "$ID" --vault "$V" --output "$T/custom.zip"
grep -q "custom.zip" "$ERR" || { show_output; fail "no file named in the error"; }
expect_exit 2 q export ffffffffffffffffffffffffffffffff --vault "$V"

# ------------------------------------------------------------ restore
step "restore refuses to overwrite; --force; never through a symlink"
make_eicar "$T/dummy"
printf 'not this\n' >"$F"
expect_exit 2 q restore "$ID" --vault "$V"
grep -q 'already exists' "$ERR" || { show_output; fail "no 'exists' reason"; }
[ "$(cat "$F")" = "not this" ] || fail "restore overwrote without --force"
printf 'precious\n' >"$T/precious"
ln -s "$T/precious" "$T/trap"
expect_exit 2 q restore "$ID" --vault "$V" --destination-path "$T/trap"
[ -L "$T/trap" ] || fail "the symlink was replaced without --force"
[ "$(cat "$T/precious")" = precious ] || fail "restore wrote through a symlink"
rm "$F"

step "restore: byte-identical, with owner, mode, times, xattrs"
expect_exit 0 q restore "$ID" --vault "$V"
out_has_line "$ID: restored to $F"
[ "$(attrs "$F")" = "$ATTRS" ] || fail "attributes $(attrs "$F"), expected $ATTRS"
[ "$(sha "$F")" = "$SHA" ] || fail "restored content differs"
if [ $have_xattr = 1 ]; then
	[ "$(getx "$F" user.origin)" = "$(hex web)00$(hex upload)" ] || fail "user.origin not restored"
fi
expect_exit 0 q list --vault "$V"
[ "$(wc -l <"$OUT")" -eq 1 ] || { show_output; fail "the restored entry is still listed"; }

step "restore --force over a symlink replaces the link, not its target"
expect_exit 0 q restore "$ID2" --vault "$V" --destination-path "$T/trap" --force
[ ! -L "$T/trap" ] && [ "$(sha "$T/trap")" = "$SHA" ] || fail "the symlink was not replaced by the file"
[ "$(cat "$T/precious")" = precious ] || fail "restore --force wrote through a symlink"

step "restore --destination-path DIR restores into it"
put "$F"
mkdir "$T/into"
expect_exit 0 q restore "$ID" --vault "$V" --destination-path "$T/into"
[ "$(sha "$T/into/eicar.com")" = "$SHA" ] || fail "not restored into the directory"

# ------------------------------------------------------------ remove, purge
step "remove"
put "$T/into/eicar.com"
expect_exit 0 q remove "$ID" --vault "$V"
[ ! -e "$V/$ID" ] || fail "entry still there"
expect_exit 2 q remove "$ID" --vault "$V"
grep -q "no entry '$ID'" "$ERR" || { show_output; fail "no reason for the unknown id"; }

step "purge: by age (default 90 days), and leftovers of interrupted puts"
make_eicar "$D/old"
put "$D/old"
OLD=$ID
sed -i 's/^quarantined .*/quarantined 1500000000.000000000/' "$V/$OLD/meta"
make_eicar "$D/new"
put "$D/new"
NEW=$ID
mkdir "$V/.tmp-0123" && : >"$V/.tmp-0123/data"
expect_exit 0 q list --vault "$V"
out_lacks ".tmp-"
expect_exit 0 q purge --vault "$V"
out_has_line "purged 1 entry older than 90 days"
[ ! -e "$V/$OLD" ] && [ -e "$V/$NEW" ] || fail "purge removed the wrong entries"
[ ! -e "$V/.tmp-0123" ] || fail "purge left the .tmp- leftover"
expect_exit 0 q purge --vault "$V" --older-than 0
out_has_line "purged 1 entry older than 0 days"
[ -z "$(ls -A "$V")" ] || fail "vault not empty: $(ls -A "$V")"

# ------------------------------------------------------------ usage
step "usage errors"
expect_exit 2 q
expect_exit 2 q frobnicate
grep -q "unknown verb 'frobnicate'" "$ERR" || { show_output; fail "unknown verb not named"; }
expect_exit 2 q restore --vault "$V"
expect_exit 2 q list --force --vault "$V"
grep -q 'list does not take --force' "$ERR" || { show_output; fail "misplaced option not named"; }
expect_exit 2 q list --bogus
grep -q 'unknown option.*--bogus' "$ERR" || { show_output; fail "unknown option not named"; }
expect_exit 2 q purge --older-than soon --vault "$V"
expect_exit 2 q remove a b --vault "$V"
expect_exit 0 q --help
grep -q 'usage: mdescan threat quarantine list' "$OUT" || fail "no usage on --help"
expect_exit 0 q list -h

# ------------------------------------------------------------ root only
if ! is_root; then
	step "not root: ownership, foreign vault and cross-filesystem parts skipped"
	exit 0
fi

step "a vault owned by someone else is refused"
mkdir -m 0700 "$T/foreign"
chown nobody "$T/foreign"
expect_exit 2 q list --vault "$T/foreign"
grep -q "not owned" "$ERR" || { show_output; fail "no reason for the foreign vault"; }

step "POSIX ACLs (system.posix_acl_access) go and come back"
make_eicar "$D/acl"
# user::rw- user:12345:r-- group::r-- mask::r-- other::--- as the kernel
# keeps it: version 2, then (tag, perm, id) entries
ACL=$(python3 -c 'import struct; u = 0xffffffff
print((struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in
      [(1, 6, u), (2, 4, 12345), (4, 4, u), (0x10, 4, u), (0x20, 0, u)])).hex())')
if python3 -c 'import os,sys; os.setxattr(sys.argv[1], "system.posix_acl_access", bytes.fromhex(sys.argv[2]))' "$D/acl" "$ACL" 2>/dev/null; then
	put "$D/acl"
	expect_exit 0 q restore "$ID" --vault "$V"
	[ "$(getx "$D/acl" system.posix_acl_access)" = "$ACL" ] || fail "ACL not restored"
else
	step "the test filesystem has no POSIX ACLs: skipped"
fi

step "across filesystems: the vault on a tmpfs"
mkdir "$T/mnt"
if ! mount -t tmpfs -o size=16m,mode=0700 tmpfs "$T/mnt" 2>/dev/null; then
	step "cannot mount a tmpfs here: cross-filesystem part skipped"
	exit 0
fi
MOUNTS+=("$T/mnt")
[ "$(stat -c %d "$T/mnt")" != "$(stat -c %d "$D")" ] || fail "tmpfs not a separate filesystem"
make_eicar "$D/xfs"
touch -m -d '2020-05-06 07:08:09.5' "$D/xfs"
XATTRS=$(attrs "$D/xfs")
V=$T/mnt/vault
put "$D/xfs"
[ ! -e "$D/xfs" ] || fail "cross-filesystem: the original is still there"
expect_exit 0 q restore "$ID" --vault "$V"
[ "$(attrs "$D/xfs")" = "$XATTRS" ] || fail "cross-filesystem: attributes differ"
[ "$(sha "$D/xfs")" = "$SHA" ] || fail "cross-filesystem: content differs"

step "across filesystems: the file on the tmpfs, the vault on disk"
make_eicar "$T/mnt/onshm"
V=$T/vault
put "$T/mnt/onshm"
[ ! -e "$T/mnt/onshm" ] || fail "tmpfs original still there"
expect_exit 0 q restore "$ID" --vault "$V"
[ "$(sha "$T/mnt/onshm")" = "$SHA" ] || fail "restore to the tmpfs differs"

exit 0
