/*
 * mdescan's own YARA rules: web shells in PHP, JSP and ASP.NET.
 * Written for this project (author "mdescan project"); score follows Loki
 * (40-100).  mdescan scans this directory like any other, so no pattern
 * appears here as its own bytes: patterns are hex strings, text strings
 * start with an escaped byte, and the comment above each string shows it
 * as a regular expression with every punctuation character escaped.
 * Every rule needs one of its strings and no string is a regular
 * expression, so the engine's literal prefilter stays on (see yaralit.c).
 */

rule MDE_Webshell_PHP_Eval_Request
{
	meta:
		description = "PHP web shell: eval, assert or a command function run on request data"
		author = "mdescan project"
		date = "2026-11-23"
		score = 80
	strings:
		// (eval|assert|system|passthru|shell\_exec|exec|popen|proc\_open|pcntl\_exec|create\_function)\(.{0,30}\$\_POST
		$post = { ( 65 76 61 6C | 61 73 73 65 72 74 | 73 79 73 74 65 6D | 70 61 73 73 74 68 72 75 | 73 68 65 6C 6C 5F 65 78 65 63 | 65 78 65 63 | 70 6F 70 65 6E | 70 72 6F 63 5F 6F 70 65 6E | 70 63 6E 74 6C 5F 65 78 65 63 | 63 72 65 61 74 65 5F 66 75 6E 63 74 69 6F 6E ) 28 [0-30] 24 5F 50 4F 53 54 }
		// (eval|assert|system|passthru|shell\_exec|exec|popen|proc\_open|pcntl\_exec|create\_function)\(.{0,30}\$\_GET
		$get = { ( 65 76 61 6C | 61 73 73 65 72 74 | 73 79 73 74 65 6D | 70 61 73 73 74 68 72 75 | 73 68 65 6C 6C 5F 65 78 65 63 | 65 78 65 63 | 70 6F 70 65 6E | 70 72 6F 63 5F 6F 70 65 6E | 70 63 6E 74 6C 5F 65 78 65 63 | 63 72 65 61 74 65 5F 66 75 6E 63 74 69 6F 6E ) 28 [0-30] 24 5F 47 45 54 }
		// (eval|assert|system|passthru|shell\_exec|exec|popen|proc\_open|pcntl\_exec|create\_function)\(.{0,30}\$\_REQUEST
		$request = { ( 65 76 61 6C | 61 73 73 65 72 74 | 73 79 73 74 65 6D | 70 61 73 73 74 68 72 75 | 73 68 65 6C 6C 5F 65 78 65 63 | 65 78 65 63 | 70 6F 70 65 6E | 70 72 6F 63 5F 6F 70 65 6E | 70 63 6E 74 6C 5F 65 78 65 63 | 63 72 65 61 74 65 5F 66 75 6E 63 74 69 6F 6E ) 28 [0-30] 24 5F 52 45 51 55 45 53 54 }
		// (eval|assert|system|passthru|shell\_exec|exec|popen|proc\_open|pcntl\_exec|create\_function)\(.{0,30}\$\_COOKIE
		$cookie = { ( 65 76 61 6C | 61 73 73 65 72 74 | 73 79 73 74 65 6D | 70 61 73 73 74 68 72 75 | 73 68 65 6C 6C 5F 65 78 65 63 | 65 78 65 63 | 70 6F 70 65 6E | 70 72 6F 63 5F 6F 70 65 6E | 70 63 6E 74 6C 5F 65 78 65 63 | 63 72 65 61 74 65 5F 66 75 6E 63 74 69 6F 6E ) 28 [0-30] 24 5F 43 4F 4F 4B 49 45 }
	condition:
		filesize < 1MB and any of them
}

rule MDE_Webshell_PHP_Obfuscated_Eval
{
	meta:
		description = "PHP web shell loader: eval of decoded or decompressed text"
		author = "mdescan project"
		date = "2026-11-23"
		score = 65
	strings:
		// eval\(gzinflate\(base64\_decode\( (nocase)
		$e1 = "\x65val(gzinflate(base64_decode(" nocase
		// eval\(gzuncompress\(base64\_decode\( (nocase)
		$e2 = "\x65val(gzuncompress(base64_decode(" nocase
		// eval\(gzdecode\(base64\_decode\( (nocase)
		$e3 = "\x65val(gzdecode(base64_decode(" nocase
		// eval\(str\_rot13\( (nocase)
		$e4 = "\x65val(str_rot13(" nocase
		// eval\(base64\_decode\( (nocase)
		$e5 = "\x65val(base64_decode(" nocase
		// assert\(base64\_decode\( (nocase)
		$e6 = "\x61ssert(base64_decode(" nocase
	condition:
		filesize < 1MB and any of them
}

rule MDE_Webshell_JSP_Cmd
{
	meta:
		description = "JSP web shell: Runtime.exec or ProcessBuilder on request parameters"
		author = "mdescan project"
		date = "2026-11-23"
		score = 80
	strings:
		// getRuntime\(\)\.exec\(
		$rt = "\x67etRuntime().exec("
		// new\ ProcessBuilder\(
		$pb = "\x6eew ProcessBuilder("
		// request\.getParameter\(
		$rp = "\x72equest.getParameter("
		// getRuntime\(\)\.exec\(.{0,4}request\.getParameter\(
		$d1 = { 67 65 74 52 75 6E 74 69 6D 65 28 29 2E 65 78 65 63 28 [0-4] 72 65 71 75 65 73 74 2E 67 65 74 50 61 72 61 6D 65 74 65 72 28 }
		// new\ ProcessBuilder\(.{0,40}request\.getParameter\(
		$d2 = { 6E 65 77 20 50 72 6F 63 65 73 73 42 75 69 6C 64 65 72 28 [0-40] 72 65 71 75 65 73 74 2E 67 65 74 50 61 72 61 6D 65 74 65 72 28 }
	condition:
		filesize < 512KB and
		(1 of ($d*) or
		((extension == ".jsp" or extension == ".jspx" or extension == ".jspf") and
		1 of ($rt, $pb) and $rp))
}

rule MDE_Webshell_ASPX_Cmd
{
	meta:
		description = "ASP.NET web shell: process start or eval on request data"
		author = "mdescan project"
		date = "2026-11-23"
		score = 80
	strings:
		// eval\(Request.{0,40}unsafe
		$chopper = { 65 76 61 6C 28 52 65 71 75 65 73 74 [0-40] 75 6E 73 61 66 65 }
		// Process\.Start\(
		$x1 = "\x50rocess.Start("
		// ProcessStartInfo
		$x2 = "\x50rocessStartInfo"
		// Request\.Form\[
		$r1 = "\x52equest.Form["
		// Request\.QueryString\[
		$r2 = "\x52equest.QueryString["
		// Request\.Item\[
		$r3 = "\x52equest.Item["
		// Request\[\"
		$r4 = "\x52equest[\x22"
		// \<\%\@\ Page (nocase)
		$tag = "\x3c%@ Page" nocase
	condition:
		filesize < 512KB and
		($chopper or
		(1 of ($x*) and 1 of ($r*) and
		($tag or extension == ".aspx" or extension == ".ashx" or extension == ".asmx")))
}
