/*
 * mdescan's own YARA rules: cron, SSH key and ld.so.preload persistence.
 * Written for this project (author "mdescan project"); score follows Loki
 * (40-100).  mdescan scans this directory like any other, so no pattern
 * appears here as its own bytes: patterns are hex strings, text strings
 * start with an escaped byte, and the comment above each string shows it
 * as a regular expression with every punctuation character escaped.
 * Every rule needs one of its strings and no string is a regular
 * expression, so the engine's literal prefilter stays on (see yaralit.c).
 */

rule MDE_Cron_Download_Pipe_Shell
{
	meta:
		description = "Cron entry that pipes a download or base64-decoded text into a shell"
		author = "mdescan project"
		date = "2026-11-23"
		score = 70
	strings:
		// curl\ .{1,150}\|.{0,2}(\/bin\/sh|\/bin\/bash|\/usr\/bin\/sh|\/usr\/bin\/bash|sh|bash|dash|zsh|ksh)(\ |\n|\r|\t|\;|\)|\'|\"|\&|\|)
		$curl = { 63 75 72 6C 20 [1-150] 7C [0-2] ( 2F 62 69 6E 2F 73 68 | 2F 62 69 6E 2F 62 61 73 68 | 2F 75 73 72 2F 62 69 6E 2F 73 68 | 2F 75 73 72 2F 62 69 6E 2F 62 61 73 68 | 73 68 | 62 61 73 68 | 64 61 73 68 | 7A 73 68 | 6B 73 68 ) ( 20 | 0A | 0D | 09 | 3B | 29 | 27 | 22 | 26 | 7C ) }
		// wget\ .{1,150}\|.{0,2}(\/bin\/sh|\/bin\/bash|\/usr\/bin\/sh|\/usr\/bin\/bash|sh|bash|dash|zsh|ksh)(\ |\n|\r|\t|\;|\)|\'|\"|\&|\|)
		$wget = { 77 67 65 74 20 [1-150] 7C [0-2] ( 2F 62 69 6E 2F 73 68 | 2F 62 69 6E 2F 62 61 73 68 | 2F 75 73 72 2F 62 69 6E 2F 73 68 | 2F 75 73 72 2F 62 69 6E 2F 62 61 73 68 | 73 68 | 62 61 73 68 | 64 61 73 68 | 7A 73 68 | 6B 73 68 ) ( 20 | 0A | 0D | 09 | 3B | 29 | 27 | 22 | 26 | 7C ) }
		// base64\ (\-d|\-\-decode|\-D).{0,30}\|.{0,2}(\/bin\/sh|\/bin\/bash|\/usr\/bin\/sh|\/usr\/bin\/bash|sh|bash|dash|zsh|ksh)(\ |\n|\r|\t|\;|\)|\'|\"|\&|\|)
		$b64 = { 62 61 73 65 36 34 20 ( 2D 64 | 2D 2D 64 65 63 6F 64 65 | 2D 44 ) [0-30] 7C [0-2] ( 2F 62 69 6E 2F 73 68 | 2F 62 69 6E 2F 62 61 73 68 | 2F 75 73 72 2F 62 69 6E 2F 73 68 | 2F 75 73 72 2F 62 69 6E 2F 62 61 73 68 | 73 68 | 62 61 73 68 | 64 61 73 68 | 7A 73 68 | 6B 73 68 ) ( 20 | 0A | 0D | 09 | 3B | 29 | 27 | 22 | 26 | 7C ) }
	condition:
		filesize < 256KB and uint32(0) != 0x464C457F and
		(filepath contains "/cron" or filename == "crontab" or filename == "anacrontab") and any of them
}

rule MDE_SSH_AuthorizedKeys_Forced_Download
{
	meta:
		description = "authorized_keys forced command that downloads or decodes code or opens a socket"
		author = "mdescan project"
		date = "2026-11-23"
		score = 80
	strings:
		// command\=\".{0,80}curl\ 
		$curl = { 63 6F 6D 6D 61 6E 64 3D 22 [0-80] 63 75 72 6C 20 }
		// command\=\".{0,80}wget\ 
		$wget = { 63 6F 6D 6D 61 6E 64 3D 22 [0-80] 77 67 65 74 20 }
		// command\=\".{0,80}base64\ 
		$b64 = { 63 6F 6D 6D 61 6E 64 3D 22 [0-80] 62 61 73 65 36 34 20 }
		// command\=\".{0,80}\/dev\/tcp\/
		$tcp = { 63 6F 6D 6D 61 6E 64 3D 22 [0-80] 2F 64 65 76 2F 74 63 70 2F }
	condition:
		filesize < 1MB and
		(filename == "authorized_keys" or filename == "authorized_keys2") and
		any of them
}

rule MDE_SSH_AuthorizedKeys_Botnet_Key
{
	meta:
		description = "authorized_keys with the key comment of the Outlaw/Dota botnet"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		// \ mdrfckr
		$c = "\x20mdrfckr"
	condition:
		filesize < 1MB and
		(filename == "authorized_keys" or filename == "authorized_keys2") and $c
}

rule MDE_LdPreload_Suspicious_Library
{
	meta:
		description = "ld.so.preload loading a library from a world-writable, home or hidden directory"
		author = "mdescan project"
		date = "2026-11-23"
		score = 85
	strings:
		// \/tmp\/
		$t1 = "\x2ftmp/"
		// \/var\/tmp\/
		$t2 = "\x2fvar/tmp/"
		// \/dev\/shm\/
		$t3 = "\x2fdev/shm/"
		// \/run\/shm\/
		$t4 = "\x2frun/shm/"
		// \/home\/
		$h1 = "\x2fhome/"
		// \/root\/
		$h2 = "\x2froot/"
		// \/lib\/\.
		$d1 = "\x2flib/."
		// \/lib64\/\.
		$d2 = "\x2flib64/."
		// \/etc\/\.
		$d3 = "\x2fetc/."
		// \/usr\/\.
		$d4 = "\x2fusr/."
		// \/var\/\.
		$d5 = "\x2fvar/."
		// \/dev\/\.
		$d6 = "\x2fdev/."
	condition:
		filename == "ld.so.preload" and filesize < 64KB and any of them
}

rule MDE_Rootkit_LdPreload_ProcessHider
{
	meta:
		description = "Preload library hiding processes or itself (readdir hooks, ld.so.preload)"
		author = "mdescan project"
		date = "2026-11-23"
		score = 80
	strings:
		// process\_to\_filter
		$t1 = "\x70rocess_to_filter"
		// HIDE\_THIS\_SHELL
		$t2 = "\x48IDE_THIS_SHELL"
		// libprocesshider
		$t3 = "\x6cibprocesshider"
		// \/etc\/ld\.so\.preload
		$lsp = "\x2fetc/ld.so.preload"
		// \/proc\/self\/fd\/\%d
		$p1 = "\x2fproc/self/fd/%d"
		// \/proc\/\%s\/stat
		$p2 = "\x2fproc/%s/stat"
		// readdir64
		$rd = "\x72eaddir64"
	condition:
		uint32(0) == 0x464C457F and filesize < 2MB and
		(1 of ($t*) or ($lsp and $rd and 1 of ($p*)))
}
