#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t-conf-verbs.sh - issue 16 item 1: every verb reads the configuration
# scans read (--config FILE or $MDESCAN_CONF): health, definitions
# status|update, scan list, threat list and threat quarantine list use its
# store, history_db, quarantine_dir, update_mirror and
# definitions_max_age_days; a bad line is reported by health; a long
# option is matched only when spelled in full.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

C=$T/site.conf
cat >"$C" <<CONF
store = $T/store
history_db = $T/site-history.db
quarantine_dir = $T/site-vault
update_mirror = $T/no-such-mirror
definitions_max_age_days = 30
CONF
mkdir -p "$T/a"
make_eicar "$T/a/eicar.com"

step "mdescan health --config FILE: the file's store, not --config-dir"
expect_exit 1 mds health --config "$C"
grep -q 'config-dir' "$ERR" && { show_output; fail "--config taken for --config-dir"; }
grep -Fq "$T/store" "$OUT" || { show_output; fail "health ignores the configured store"; }

step "MDESCAN_CONF=FILE mdescan definitions status: the configured store"
MDESCAN_CONF=$C expect_exit 0 mds definitions status
grep -Fq "$T/store" "$OUT" || { show_output; fail "definitions status ignores the configured store"; }
expect_exit 0 mds definitions status --config "$C"
grep -Fq "$T/store" "$OUT" || { show_output; fail "definitions status --config ignored"; }

step "mdescan definitions update --config FILE: accepted, update_mirror is the source"
expect_exit 2 mds definitions update --config "$C"
grep -Fq "$T/no-such-mirror" "$ERR" || { show_output; fail "update_mirror not used"; }
grep -q 'unrecognized\|usage' "$ERR" && { show_output; fail "--config refused"; }

step "a scan under the configuration, then scan list / threat list / quarantine list see it"
MDESCAN_CONF=$C expect_exit 1 mds --no-cache --action quarantine "$T/a"
[ -f "$T/site-history.db" ] || fail "the scan did not use history_db"
expect_exit 0 mds scan list --config "$C"
grep -q custom "$OUT" || { show_output; fail "scan list ignores --config"; }
MDESCAN_CONF=$C expect_exit 0 mds scan list
grep -q custom "$OUT" || { show_output; fail "scan list ignores MDESCAN_CONF"; }
expect_exit 0 mds threat list --config "$C"
grep -q 'Eicar-Test-Signature' "$OUT" || { show_output; fail "threat list ignores --config"; }
expect_exit 0 mds threat quarantine list --config "$C"
grep -Fq "$T/a/eicar.com" "$OUT" || { show_output; fail "threat quarantine list ignores --config"; }
MDESCAN_CONF=$C expect_exit 0 mds threat quarantine list
grep -Fq "$T/a/eicar.com" "$OUT" || { show_output; fail "threat quarantine list ignores MDESCAN_CONF"; }
step "without the configuration: the test's own (empty) history"
expect_exit 0 mds threat list
grep -q 'Eicar-Test-Signature' "$OUT" && { show_output; fail "threat list read the wrong history"; }

step "a configuration with a bad line: scans exit 2, health says why"
B=$T/bad.conf
printf 'max_filesize = lots\n' >"$B"
expect_exit 2 mds --config "$B" "$T/a"
expect_exit 1 mds health --config "$B"
grep -Fq "$B:1" "$OUT" || { show_output; fail "health does not report the bad configuration"; }
expect_exit 2 mds definitions status --config "$B"
grep -Fq "$B:1" "$ERR" || { show_output; fail "definitions status: bad configuration not named"; }

step "no getopt prefix surprise: --conf is unknown, not --config or --config-dir"
expect_exit 2 mds health --conf "$C"
grep -Fq "unrecognized option '--conf'" "$ERR" || { show_output; fail "prefix accepted"; }
grep -q 'help' "$ERR" || { show_output; fail "no pointer to --help"; }
expect_exit 2 mds definitions status --st "$T/store"
grep -Fq "unrecognized option '--st'" "$ERR" || { show_output; fail "prefix accepted"; }
exit 0
