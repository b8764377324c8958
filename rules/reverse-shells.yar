/*
 * mdescan's own YARA rules: reverse-shell one-liners in scripts and crontabs.
 * Written for this project (author "mdescan project"); score follows Loki
 * (40-100).  mdescan scans this directory like any other, so no pattern
 * appears here as its own bytes: patterns are hex strings, text strings
 * start with an escaped byte, and the comment above each string shows it
 * as a regular expression with every punctuation character escaped.
 * Every rule needs one of its strings and no string is a regular
 * expression, so the engine's literal prefilter stays on (see yaralit.c).
 */

rule MDE_ReverseShell_Bash_DevTcp
{
	meta:
		description = "Reverse shell one-liner through bash /dev/tcp or /dev/udp"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		// sh\ \-i.{1,16}\/dev\/tcp\/
		$i_tcp = { 73 68 20 2D 69 [1-16] 2F 64 65 76 2F 74 63 70 2F }
		// sh\ \-i.{1,16}\/dev\/udp\/
		$i_udp = { 73 68 20 2D 69 [1-16] 2F 64 65 76 2F 75 64 70 2F }
		// \/dev\/tcp\/.{3,80}(0\>\&1|0\<\&1)
		$r_tcp = { 2F 64 65 76 2F 74 63 70 2F [3-80] ( 30 3E 26 31 | 30 3C 26 31 ) }
		// \/dev\/udp\/.{3,80}(0\>\&1|0\<\&1)
		$r_udp = { 2F 64 65 76 2F 75 64 70 2F [3-80] ( 30 3E 26 31 | 30 3C 26 31 ) }
		// \<\>\/dev\/tcp\/.{3,100}(sh\ \<\&|\$line\ 2\>\&)
		$e_tcp = { 3C 3E 2F 64 65 76 2F 74 63 70 2F [3-100] ( 73 68 20 3C 26 | 24 6C 69 6E 65 20 32 3E 26 ) }
	condition:
		filesize < 1MB and uint32(0) != 0x464C457F and any of them
}

rule MDE_ReverseShell_Netcat
{
	meta:
		description = "Reverse or bind shell through netcat -e/-c or a mkfifo pipe"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		// (\ |\n|\/|\;|\||\&|\(|\'|\"|\t)nc\ .{0,60}\-e\ \/bin\/
		$nc_e = { ( 20 | 0A | 2F | 3B | 7C | 26 | 28 | 27 | 22 | 09 ) 6E 63 20 [0-60] 2D 65 20 2F 62 69 6E 2F }
		// (\ |\n|\/|\;|\||\&|\(|\'|\"|\t)nc\ .{0,60}\-c\ \/bin\/
		$nc_c = { ( 20 | 0A | 2F | 3B | 7C | 26 | 28 | 27 | 22 | 09 ) 6E 63 20 [0-60] 2D 63 20 2F 62 69 6E 2F }
		// ncat\ .{0,60}(\-e|\-c|\-\-exec|\-\-sh\-exec)\ \/bin\/
		$ncat = { 6E 63 61 74 20 [0-60] ( 2D 65 | 2D 63 | 2D 2D 65 78 65 63 | 2D 2D 73 68 2D 65 78 65 63 ) 20 2F 62 69 6E 2F }
		// netcat\ .{0,60}(\-e|\-c)\ \/bin\/
		$netcat = { 6E 65 74 63 61 74 20 [0-60] ( 2D 65 | 2D 63 ) 20 2F 62 69 6E 2F }
		// mkfifo\ .{1,80}(sh\ \-i|sh\ 2\>\&1).{1,40}nc\ 
		$fifo = { 6D 6B 66 69 66 6F 20 [1-80] ( 73 68 20 2D 69 | 73 68 20 32 3E 26 31 ) [1-40] 6E 63 20 }
	condition:
		filesize < 1MB and uint32(0) != 0x464C457F and any of them
}

rule MDE_ReverseShell_Python
{
	meta:
		description = "Python reverse shell: socket connect with stdio duplicated onto it"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		// \.connect\(\(
		$conn = "\x2econnect(("
		// fileno\(\)\,.{0,1}0\)
		$dup0 = { 66 69 6C 65 6E 6F 28 29 2C [0-1] 30 29 }
		// fileno\(\)\,.{0,1}1\)
		$dup1 = { 66 69 6C 65 6E 6F 28 29 2C [0-1] 31 29 }
		// fileno\(\)\,.{0,1}2\)
		$dup2 = { 66 69 6C 65 6E 6F 28 29 2C [0-1] 32 29 }
		// pty\.spawn\(.{1,2}(\/bin\/sh|\/bin\/bash|sh|bash)
		$pty = { 70 74 79 2E 73 70 61 77 6E 28 [1-2] ( 2F 62 69 6E 2F 73 68 | 2F 62 69 6E 2F 62 61 73 68 | 73 68 | 62 61 73 68 ) }
	condition:
		filesize < 1MB and uint32(0) != 0x464C457F and
		$conn and (2 of ($dup*) or $pty)
}

rule MDE_ReverseShell_Perl
{
	meta:
		description = "Perl reverse shell: socket connect with STDIN/STDOUT on the socket"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		// sockaddr\_in\(
		$sock = "\x73ockaddr_in("
		// open\(STDIN\,.{0,1}\"\>\&
		$in = { 6F 70 65 6E 28 53 54 44 49 4E 2C [0-1] 22 3E 26 }
		// open\(STDOUT\,.{0,1}\"\>\&
		$out = { 6F 70 65 6E 28 53 54 44 4F 55 54 2C [0-1] 22 3E 26 }
		// IO\:\:Socket\:\:INET
		$inet = "\x49O::Socket::INET"
		// STDIN\-\>fdopen\(
		$fd = "\x53TDIN->fdopen("
	condition:
		filesize < 1MB and uint32(0) != 0x464C457F and
		(($sock and $in and $out) or ($inet and $fd))
}

rule MDE_ReverseShell_PHP
{
	meta:
		description = "PHP reverse shell: fsockopen with a shell on the socket descriptor"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		// fsockopen\(
		$fs = "\x66sockopen("
		// \<\&3\ \>\&3
		$r3 = "\x3c&3 >&3"
		// \<\&4\ \>\&4
		$r4 = "\x3c&4 >&4"
		// \<\&5\ \>\&5
		$r5 = "\x3c&5 >&5"
		// proc\_open\(.{1,30}(sh|bash|cmd).{0,20}array\(0.{0,2}\=\>.{0,2}\$
		$p1 = { 70 72 6F 63 5F 6F 70 65 6E 28 [1-30] ( 73 68 | 62 61 73 68 | 63 6D 64 ) [0-20] 61 72 72 61 79 28 30 [0-2] 3D 3E [0-2] 24 }
	condition:
		filesize < 1MB and uint32(0) != 0x464C457F and
		$fs and (1 of ($r*) or $p1)
}

rule MDE_ReverseShell_Socat
{
	meta:
		description = "socat connecting a network socket to a shell"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		// socat\ .{1,100}(exec\:|EXEC\:|system\:|SYSTEM\:).{0,1}(\/bin\/sh|\/bin\/bash|\/bin\/zsh|sh|bash|zsh)(\,|\ |\'|\"|\n)
		$s = { 73 6F 63 61 74 20 [1-100] ( 65 78 65 63 3A | 45 58 45 43 3A | 73 79 73 74 65 6D 3A | 53 59 53 54 45 4D 3A ) [0-1] ( 2F 62 69 6E 2F 73 68 | 2F 62 69 6E 2F 62 61 73 68 | 2F 62 69 6E 2F 7A 73 68 | 73 68 | 62 61 73 68 | 7A 73 68 ) ( 2C | 20 | 27 | 22 | 0A ) }
	condition:
		filesize < 1MB and uint32(0) != 0x464C457F and $s
}
