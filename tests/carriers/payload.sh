#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# payload.sh OUTDIR - writes the two payloads every carrier fixture wraps:
#   OUTDIR/eicar.com   the EICAR test file (68 bytes; tests/carriers/sigs/
#                      eicar.hdb: its MD5 and size, as ClamAV's own
#                      Eicar-Test-Signature)
#   OUTDIR/marker.txt  a text holding the body-signature marker
#                      (tests/carriers/sigs/carriers.ndb: Mde.Test.CarrierMarker,
#                      offset *), for carriers whose content is text (VBA,
#                      JavaScript, HTML) rather than an embedded file
#   OUTDIR/marker.bin  a small binary file holding the marker at offset 100
# Both strings are assembled from pieces, so this script itself matches
# neither signature.
set -eu
out=$1
mkdir -p "$out"
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' \
	>"$out/eicar.com"
m1=MDESCAN-CARRIER
m2=-MARKER-5b1e0c3f
printf 'Attribute VB_Name = "Payload"\nSub AutoOpen()\n  MsgBox "%s%s"\nEnd Sub\n' \
	"$m1" "$m2" >"$out/marker.txt"
{ head -c 100 /dev/zero; printf '%s%s' "$m1" "$m2"; head -c 100 /dev/zero; } \
	>"$out/marker.bin"
