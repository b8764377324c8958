// rule x { condition: true }
/* } { */
rule t1 { meta: a = "} and or {" strings: $a = "\"}\\" $r = /a\/b}{/is condition:
	($a or $r) and
	filename matches /\.(exe|dll)$/ and uint16be(0) == 0x4D5A }
