/*
 * mdescan's own YARA rules for common Linux server threats.
 * Written for this project; each rule names what it looks for in meta.
 * Strings that would make this file match itself are written as hex.
 */

rule MDE_Webshell_PHP_Eval_Request
{
	meta:
		description = "PHP web shell: eval() of request data"
		author = "mdescan project"
		date = "2026-11-23"
		score = 80
	strings:
		$php = "<?php" nocase
		$eval = /eval\s*\(\s*(base64_decode|gzinflate|gzuncompress|str_rot13|stripslashes)?\s*\(?\s*\$_(POST|GET|REQUEST|COOKIE|SERVER)\s*\[/ nocase
	condition:
		filesize < 1MB and $php and $eval
}

rule MDE_ReverseShell_Bash_DevTcp
{
	meta:
		description = "Reverse shell one-liner through bash /dev/tcp"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		$r = /bash\s+-i\s*(>&|&>|>)\s*\/dev\/tcp\/[0-9A-Za-z.\-]{3,64}\/[0-9]{1,5}/
	condition:
		filesize < 1MB and uint32(0) != 0x464C457F and $r
}

rule MDE_Cron_Download_Pipe_Shell
{
	meta:
		description = "Cron entry that downloads and pipes into a shell"
		author = "mdescan project"
		date = "2026-11-23"
		score = 70
	strings:
		$c = /(curl|wget)[ \t][^\n|]{1,200}\|[ \t]*(ba|da)?sh/
	condition:
		filesize < 256KB and uint32(0) != 0x464C457F and
		(filepath contains "/cron" or filename == "crontab") and $c
}

rule MDE_Miner_XMRig_Config
{
	meta:
		description = "XMRig-style cryptominer configuration"
		author = "mdescan project"
		date = "2026-11-23"
		score = 70
	strings:
		$pools = "\"pools\"" ascii
		$url = "stratum+tcp://" ascii
		$d1 = "\"donate-level\"" ascii
		$d2 = "\"randomx\"" ascii
		$d3 = "\"nicehash\"" ascii
	condition:
		filesize < 200KB and uint32(0) != 0x464C457F and
		$pools and $url and 1 of ($d*)
}

rule MDE_LdPreload_Suspicious_Library
{
	meta:
		description = "ld.so.preload loading a library from a world-writable path"
		author = "mdescan project"
		date = "2026-11-23"
		score = 85
	strings:
		$t1 = "/tmp/"
		$t2 = "/var/tmp/"
		$t3 = "/dev/shm/"
	condition:
		filename == "ld.so.preload" and filesize < 64KB and any of ($t*)
}
