rule t_text { strings: $a = "evil_payload" condition: $a }
rule t_wide { strings: $a = "WideThing" wide condition: $a }
rule t_aw { strings: $a = "bothways" ascii wide condition: #a > 0 }
rule t_nc { strings: $a = "CaseLess" nocase condition: any of them }
rule t_wnc { strings: $a = "wnocase" wide nocase condition: $a }
rule t_full { strings: $a = "word" fullword condition: $a }
rule t_hex { strings: $a = { 13 37 ?? C0 FF EE [1-3] 42 } condition: uint16(0) == 0x5A4D and $a }
rule t_elf { strings: $a = "elfmark" $b = { DE AD BE EF } condition: uint32(0) == 0x464C457F and all of them }
rule t_esc { strings: $a = "q\"x\\y\x01z" condition: $a at 100 or $a in (0..50) }
rule t_for { strings: $a = "loopA" $b = "loopB" condition: for any of ($a, $b) : ( # >= 2 ) }
rule t_two { strings: $a = "twoA" $b = "twoB" condition: 2 of them and filesize < 100KB }
