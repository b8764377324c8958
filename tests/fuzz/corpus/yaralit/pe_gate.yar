import "pe"
rule a : t { meta: d = "x" strings: $a = "MZ" wide $h = { 4D 5A ?? [2-4] (00|01) } condition: uint16(0) == 0x5A4D and filesize < 200KB and any of them }
rule b { condition: pe.is_pe and pe.is_32bit() }
