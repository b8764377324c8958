#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t-daemon-exim.sh - a mail server that uses clamd in production, Exim
# (exim4-daemon-heavy) with its malware ACL, configured for mdescand:
#  * av_scanner = clamd:SOCKET: Exim writes the message to its spool and
#    asks for a SCAN of it (mdescand's socket group is Exim's, as an
#    admin would set it);
#  * av_scanner = clamd:127.0.0.1 PORT: Exim streams it (INSTREAM);
# in both, an SMTP session (exim -bs, the real SMTP engine on standard
# input) is refused at DATA for a mail with an EICAR attachment, with the
# signature's name in the reply, and a clean mail is accepted.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

EXIM=$(command -v exim4 || command -v exim) ||
	skip "no Exim (apt-get install exim4-daemon-heavy)"
"$EXIM" -bV 2>/dev/null | grep -q '^Malware:.*clamd' ||
	skip "this Exim has no clamd malware scanner (exim4-daemon-heavy has)"
is_root || skip "Exim's malware ACL test needs root"
EXIM_USER=$("$EXIM" -bP exim_user 2>/dev/null | sed 's/.*= *//')
[ -n "$EXIM_USER" ] || EXIM_USER=Debian-exim
EXIM_GROUP=$(id -gn "$EXIM_USER")

make_db "$T/db"
mkdir -p "$T/exim/spool" "$T/exim/log"
chown -R "$EXIM_USER:$EXIM_GROUP" "$T/exim"

# exim_conf SCANNER: Exim's configuration with av_scanner = SCANNER.
exim_conf() {
	cat >"$T/exim/exim.conf" <<-EOF
	primary_hostname = mdescand.test
	spool_directory = $T/exim/spool
	log_file_path = $T/exim/log/%slog
	av_scanner = $1
	acl_smtp_rcpt = acl_check_rcpt
	acl_smtp_data = acl_check_data
	queue_only = true
	keep_environment =
	begin acl
	acl_check_rcpt:
	  accept
	acl_check_data:
	  deny malware = *
	       message = This message contains malware (\$malware_name)
	  accept
	begin routers
	devnull:
	  driver = redirect
	  data = :blackhole:
	EOF
}

# smtp: an SMTP session with two mails, an EICAR attachment and a clean
# one; Exim's replies in $OUT.
smtp() {
	local b64
	b64=$(make_eicar /dev/stdout | base64 -w0)
	printf '%s\r\n' 'EHLO client.test' 'MAIL FROM:<a@example.org>' \
		'RCPT TO:<b@example.net>' DATA 'Subject: an attachment' \
		'MIME-Version: 1.0' \
		'Content-Type: multipart/mixed; boundary="b0"' '' '--b0' \
		'Content-Type: text/plain' '' 'see the attachment' '--b0' \
		'Content-Type: application/octet-stream' \
		'Content-Transfer-Encoding: base64' \
		'Content-Disposition: attachment; filename="tool.com"' '' \
		"$b64" '--b0--' . 'MAIL FROM:<a@example.org>' \
		'RCPT TO:<b@example.net>' DATA 'Subject: hello' '' \
		'nothing here' . QUIT |
		timeout 60 "$EXIM" -C "$T/exim/exim.conf" -bs >"$OUT" 2>"$ERR" ||
		{ show_output; fail "exim -bs failed"; }
}

expect_verdicts() {
	grep -q "^550 This message contains malware ($EICAR_NAME)" \
		"$OUT" || { show_output; tail "$T/exim/log/mainlog" >&2;
			    fail "$1: the EICAR mail was not refused"; }
	grep -q '^250 OK id=' "$OUT" ||
		{ show_output; fail "$1: the clean mail was not accepted"; }
}

step "Exim's malware ACL, clamd:SOCKET: SCAN of the spooled message"
cat >"$MDESCAN_CONF" <<EOF
daemon_socket_group = $EXIM_GROUP
EOF
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
daemon_start -d "$T/db" -v --tcp-port "$port"
exim_conf "clamd:$SOCK"
smtp
expect_verdicts "clamd:$SOCK"
grep -q "/exim/spool/scan/.*\.eml: $EICAR_NAME FOUND" "$T/md.log" ||
	fail "mdescand did not scan Exim's spool file"

step "Exim's malware ACL, clamd:127.0.0.1 $port: the message streamed"
exim_conf "clamd:127.0.0.1 $port"
smtp
expect_verdicts "clamd:127.0.0.1 $port"
grep -q "instream(127.0.0.1@[0-9]*): $EICAR_NAME FOUND" \
	"$T/md.log" || fail "mdescand did not get the stream"
daemon_stop
exit 0
