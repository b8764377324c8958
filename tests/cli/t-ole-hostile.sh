#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-ole-hostile.sh - the ole2 and rtf containers against hostile input
# (tests/carriers/mkole.py hostile): an OLE2 file whose stream's chain of
# sectors loops (and claims 4 GB), one whose directory trees loop, a VBA
# module that decompresses to 4 GB, RTF objects of a gigabyte of hex
# (gzip'd; as a sparse file), of 80 MB under a smaller member limit, and
# \bin claiming 4 GB.  Every run: default limits unless named, at most
# 30 s, exit status 0 or 1 (never a crash), peak RSS below 512 MB, the
# limit reached reported by its name.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# MDS_HOSTILE_TIMEOUT overrides the 30 s for slow builds (sanitizers)
MDS_TIMEOUT=${MDS_HOSTILE_TIMEOUT:-30}
RSS_LIMIT_KB=$((512 * 1024))
H=$T/h
SIGS=$TOPSRC/tests/carriers/sigs

step "fixtures: mkole.py hostile"
start=$(date +%s)
sh "$TOPSRC/tests/carriers/payload.sh" "$T/p"
python3 "$TOPSRC/tests/carriers/mkole.py" hostile "$H" "$T/p" ||
	fail "mkole.py hostile failed"
step "written in $(($(date +%s) - start)) s, $(du -sk "$H" | cut -f1) KiB on disk"

# hrun STATUS ARGS...: mdescan ARGS within the time limit (stdout in
# $OUT), exit status STATUS, no crash, a peak RSS below 512 MB.
hrun() {
	local want=$1 kb
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$T/.rss" -f '%e %M' timeout -k 5 "$MDS_TIMEOUT" \
			"$MDESCAN" "$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	else
		timeout -k 5 "$MDS_TIMEOUT" "$MDESCAN" "$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	fi
	[ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] ||
		{ show_output; fail "timed out after $MDS_TIMEOUT s: mdescan $*"; }
	[ "$RC" -eq "$want" ] ||
		{ show_output; fail "exit status $RC, expected $want: mdescan $*"; }
	if [ -x /usr/bin/time ]; then
		kb=$(tail -n 1 "$T/.rss" | cut -d' ' -f2)
		[ "$kb" -lt "$RSS_LIMIT_KB" ] ||
			fail "peak RSS $((kb / 1024)) MB >= 512 MB: mdescan $*"
		step "$(tail -n 1 "$T/.rss" | cut -d' ' -f1) s, peak RSS $((kb / 1024)) MB"
	fi
}

step "a FAT loop: that stream is damaged, the others are read"
hrun 1 -d "$SIGS" "$H/ole2-fatloop.doc"
out_has_line "$H/ole2-fatloop.doc//Looping: SKIPPED (archive damaged: FAT loop)"
out_has_line "$H/ole2-fatloop.doc//Sound/eicar.com: Eicar-Test-Signature FOUND"

step "a directory whose trees loop: every stream once"
hrun 1 -z -d "$SIGS" "$H/ole2-dirloop.doc"
out_has_line "$H/ole2-dirloop.doc//eicar.com: Eicar-Test-Signature FOUND"
[ "$(summary_value 'Archive members' | cut -d' ' -f1)" = 3 ] ||
	{ show_output; fail "the three streams, each once"; }

step "a VBA module of 4 GB stops at max-member-size"
hrun 0 -d "$SIGS" "$H/vba-module-4g.bin"
out_has_line "$H/vba-module-4g.bin//vba/Module1: SKIPPED (limit: max-member-size)"

step "an RTF object of 1 GB of hex, gzip'd: the limits hold"
hrun 0 -d "$SIGS" "$H/rtf-hex-1g.rtf.gz"
out_has_line "$H/rtf-hex-1g.rtf.gz//rtf-hex-1g.rtf: SKIPPED (limit: max-member-size)"

step "an RTF of 1 GB on disk is not read"
hrun 0 -d "$SIGS" "$H/rtf-sparse-1g.rtf"
out_has_line "$H/rtf-sparse-1g.rtf: SKIPPED (limit: max-filesize)"

step "an RTF object of 40 MB (80 MB of hex) under a 16 MB member limit"
hrun 0 -d "$SIGS" --max-member-size=16M "$H/rtf-hex-80m.rtf"
out_has_line "$H/rtf-hex-80m.rtf//object-1: SKIPPED (limit: max-member-size)"

step "\\bin claiming 4 GB and more: read to the end of the file"
hrun 0 -d "$SIGS" "$H/rtf-bin-4g.rtf"
