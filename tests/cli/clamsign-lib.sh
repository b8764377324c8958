# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# clamsign-lib.sh - ClamAV 1.5's detached signatures made with the
# openssl command, for the tests that load signed .cvd files (mkcvd.py
# builds them): a test CA, a signing certificate it issues, and a
# "<name>-<version>.cvd.sign" in ClamAV's layout (a "#clamsign-1.0"
# line, then "220::pkcs7-pem:<base64 of a detached PKCS#7 of the whole
# file>", as sigtool --sign writes them).  Sourced after lib.sh.

command -v openssl >/dev/null || skip "no openssl command"

# ca DIR NAME: a self-signed CA, DIR/ca.crt (the file trusted) and key.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/ca.key" -out "$1/ca.crt" -days 2 -subj "/CN=$2" \
		2>/dev/null
}
# signer DIR NAME: a signing certificate issued by DIR's CA.
signer() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/signer.key" -out "$1/signer.csr" -subj "/CN=$2" \
		2>/dev/null
	printf 'keyUsage=critical,digitalSignature\n' >"$1/ext"
	openssl x509 -req -in "$1/signer.csr" -CA "$1/ca.crt" \
		-CAkey "$1/ca.key" -CAcreateserial -days 2 -extfile "$1/ext" \
		-out "$1/signer.crt" 2>/dev/null
}

# sign FILE OUT [CADIR [LEVELS]]: OUT, the .sign of FILE in ClamAV's
# layout, signed by CADIR's signer (default $T/ca's) for the levels
# LEVELS (default "220:", as sigtool writes it).
sign() {
	local k=${3:-$T/ca}
	openssl cms -sign -binary -in "$1" -signer "$k/signer.crt" \
		-inkey "$k/signer.key" -outform PEM -out "$T/p7.pem"
	{
		printf '#clamsign-1.0\n# made by %s\n' "$(basename "$0")"
		printf '%s:pkcs7-pem:%s\n' "${4:-220:}" \
			"$(grep -v -- '-----' "$T/p7.pem" | tr -d '\n')"
	} >"$2"
}
