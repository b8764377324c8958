#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# build.sh - the two quick-start commands.
#   ./build.sh scan [PATH...]  install what is missing, build, and scan PATHs
#                              (default /etc /usr/bin) with the built-in
#                              definitions
#   ./build.sh test            install what is missing, build with -Werror,
#                              run the whole suite, then again under
#                              AddressSanitizer + UBSan, then the fuzzers'
#                              seed corpora
set -eu
cd "$(dirname "$0")"

BUILD_DEPS="build-essential autoconf automake libtool pkg-config \
libyara-dev libarchive-dev libmagic-dev libpcre2-dev libxxhash-dev \
liblz4-dev libzip-dev libssl-dev libvectorscan-dev liblmdb-dev libsqlite3-dev \
libcmocka-dev libcurl4-openssl-dev zlib1g-dev libmspack-dev liblzma-dev libseccomp-dev \
libdeflate-dev"
TEST_DEPS="clang libclang-rt-14-dev jq python3 yara util-linux time mandoc systemd \
	hashdeep sleuthkit python3-jsonschema e2fsprogs rsyslog \
	ansible-core python3-yaml logrotate clamav \
	clamav-daemon clamdscan exim4-daemon-heavy iproute2 tmux \
	libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui \
	python3-olefile msitools gcab libgsf-bin qpdf ghostscript \
	arj mscompress fp-utils p7zip-full binutils strace faketime \
	nsis gcc-mingw-w64-i686 gcc-mingw-w64-x86-64"

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
	missing=
	for p in $BUILD_DEPS "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "build.sh: installing$missing" >&2
	as_root apt-get update
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends $missing
}

configure_tree() {
	[ -x configure ] || ./autogen.sh
	[ -f Makefile ] || ./configure --enable-werror "$@"
}

jobs=$(nproc 2>/dev/null || echo 2)

case "${1:-}" in
scan)
	shift
	install_deps
	configure_tree
	make -j"$jobs"
	[ $# -gt 0 ] || set -- /etc /usr/bin
	echo "build.sh: src/mdescan/mdescan -i $*" >&2
	rc=0
	src/mdescan/mdescan -i "$@" || rc=$?
	echo "build.sh: exit status $rc (0 clean, 1 threats found, 2 errors)" >&2
	[ "$rc" -le 1 ]
	;;
test)
	install_deps $TEST_DEPS
	configure_tree
	san="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
	echo "build.sh: [1/3] test suite under ASan+UBSan" >&2
	make clean >/dev/null
	# sanitized scans are several times slower (libyara's per-scan buffer
	# alone costs ~1 ms under ASan): the hostile-archive time limit is
	# held by the optimised run below, here it only catches hangs; ASan
	# roughly doubles peak RSS, so the 512 MB bound is the optimised
	# run's too (t-carriers-pdf's PDF bomb: 267 MB, 564 MB under ASan)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	MDS_HOSTILE_TIMEOUT=150 MDS_HOSTILE_RSS_MB=2048 MDS_FP_SCAN=0 \
		make -j"$jobs" check CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined" ||
		{ cat test-suite.log; exit 1; }
	echo "build.sh: [2/3] test suite, optimised build" >&2
	make clean >/dev/null
	make -j"$jobs" check || { cat test-suite.log; exit 1; }
	echo "build.sh: [3/3] fuzz harnesses on their seed corpora" >&2
	tests/fuzz/run --smoke
	;;
*)
	echo "usage: ./build.sh scan [PATH...] | ./build.sh test" >&2
	exit 2
	;;
esac
