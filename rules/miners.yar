/*
 * mdescan's own YARA rules: cryptominer configurations, pool URLs and binaries.
 * Written for this project (author "mdescan project"); score follows Loki
 * (40-100).  mdescan scans this directory like any other, so no pattern
 * appears here as its own bytes: patterns are hex strings, text strings
 * start with an escaped byte, and the comment above each string shows it
 * as a regular expression with every punctuation character escaped.
 * Every rule needs one of its strings and no string is a regular
 * expression, so the engine's literal prefilter stays on (see yaralit.c).
 */

rule MDE_Miner_XMRig_Config
{
	meta:
		description = "XMRig-style cryptominer configuration"
		author = "mdescan project"
		date = "2026-11-23"
		score = 70
	strings:
		// \"pools\"
		$pools = "\x22pools\x22"
		// stratum\+tcp\:\/\/
		$u1 = "\x73tratum+tcp://"
		// stratum\+ssl\:\/\/
		$u2 = "\x73tratum+ssl://"
		// stratum\+tls\:\/\/
		$u3 = "\x73tratum+tls://"
		// \"donate\-level\"
		$d1 = "\x22donate-level\x22"
		// \"randomx\"
		$d2 = "\x22randomx\x22"
		// \"nicehash\"
		$d3 = "\x22nicehash\x22"
		// \"rig\-id\"
		$d4 = "\x22rig-id\x22"
	condition:
		filesize < 200KB and uint32(0) != 0x464C457F and
		$pools and 1 of ($u*) and 1 of ($d*)
}

rule MDE_Miner_Stratum_URL
{
	meta:
		description = "Mining pool URL (stratum) in a script or configuration file"
		author = "mdescan project"
		date = "2026-11-23"
		score = 60
	strings:
		// stratum\+tcp\:\/\/
		$u1 = "\x73tratum+tcp://"
		// stratum\+ssl\:\/\/
		$u2 = "\x73tratum+ssl://"
		// stratum\+tls\:\/\/
		$u3 = "\x73tratum+tls://"
		// stratum2\+tcp\:\/\/
		$u4 = "\x73tratum2+tcp://"
	condition:
		filesize < 2MB and uint32(0) != 0x464C457F and any of them
}

rule MDE_Miner_ELF_Strings
{
	meta:
		description = "ELF program with cryptominer protocol and algorithm strings"
		author = "mdescan project"
		date = "2026-11-23"
		score = 75
	strings:
		// stratum\+tcp\:\/\/
		$p1 = "\x73tratum+tcp://"
		// stratum\+ssl\:\/\/
		$p2 = "\x73tratum+ssl://"
		// mining\.subscribe
		$p3 = "\x6dining.subscribe"
		// mining\.authorize
		$p4 = "\x6dining.authorize"
		// mining\.submit
		$p5 = "\x6dining.submit"
		// cryptonight (nocase)
		$a1 = "\x63ryptonight" nocase
		// randomx (nocase)
		$a2 = "\x72andomx" nocase
		// xmrig (nocase)
		$a3 = "\x78mrig" nocase
		// \-\-donate\-level
		$a4 = "\x2d-donate-level"
		// ethash (nocase)
		$a5 = "\x65thash" nocase
		// kawpow (nocase)
		$a6 = "\x6bawpow" nocase
	condition:
		uint32(0) == 0x464C457F and filesize < 30MB and
		1 of ($p*) and 1 of ($a*)
}
